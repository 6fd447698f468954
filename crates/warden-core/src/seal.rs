//! Sealing secrets at rest: AES-256-GCM under the master key.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext+tag`, bound to its owner's id as associated
//! data, so a sealed secret copied onto another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::CoreError;

const NONCE_LEN: usize = 12;

/// The master key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct MasterKey {
    cipher: Aes256Gcm,
    /// Kept to derive purpose keys from (`derive`); never shown or written anywhere.
    bytes: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, CoreError> {
        if bytes.len() != Self::LEN {
            return Err(CoreError::Config(format!(
                "the master key must be {} bytes, not {}",
                Self::LEN,
                bytes.len()
            )));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(bytes);
        Ok(MasterKey {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)),
            bytes: key,
        })
    }

    /// A key for one purpose, derived from this one (HMAC-SHA256 of the purpose, as HKDF's
    /// expand step does with one block): every node holding the master key derives the same
    /// key, and a derived key reveals neither the master key nor any other purpose's key.
    pub fn derive(&self, purpose: &str) -> Result<MasterKey, CoreError> {
        // HMAC takes keys of any length: this error cannot happen.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).map_err(|_| CoreError::Seal)?;
        mac.update(purpose.as_bytes());
        let derived: [u8; 32] = mac.finalize().into_bytes().into();
        Ok(MasterKey {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&derived)),
            bytes: derived,
        })
    }

    /// A fresh random key, for a new data directory.
    pub fn generate() -> Result<[u8; 32], CoreError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| CoreError::Random(e.to_string()))?;
        Ok(key)
    }

    pub fn seal(&self, plaintext: &[u8], owner: &str) -> Result<Vec<u8>, CoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| CoreError::Random(e.to_string()))?;
        let payload = Payload {
            msg: plaintext,
            aad: owner.as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| CoreError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], owner: &str) -> Result<Vec<u8>, CoreError> {
        if sealed.len() < NONCE_LEN {
            return Err(CoreError::Seal);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Seal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_owner() {
        let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let sealed = key.seal(b"secret", "AKIA1").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(&sealed, "AKIA1").unwrap(), b"secret");
        assert!(key.open(&sealed, "AKIA2").is_err());
        let other = MasterKey::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open(&sealed, "AKIA1").is_err());
        assert!(MasterKey::from_bytes(&[0u8; 31]).is_err());
        assert!(!format!("{key:?}").contains('7'));
    }
}
