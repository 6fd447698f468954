//! AWS-style identifiers and secrets.
//!
//! Unique ids are a four-letter kind prefix and base32 characters (`AIDA` + 17 for users,
//! `AGPA` + 17 for groups, `AKIA` + 16 for access key ids), as AWS issues them; secrets are 40
//! characters of the base64 alphabet.

use crate::CoreError;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_from(alphabet: &[u8], len: usize) -> Result<String, CoreError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| CoreError::Random(e.to_string()))?;
    // Both alphabets have a power-of-two length, so the modulo keeps the choice uniform.
    Ok(bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect())
}

pub fn user_id() -> Result<String, CoreError> {
    Ok(format!("AIDA{}", random_from(BASE32, 17)?))
}

pub fn group_id() -> Result<String, CoreError> {
    Ok(format!("AGPA{}", random_from(BASE32, 17)?))
}

pub fn role_id() -> Result<String, CoreError> {
    Ok(format!("AROA{}", random_from(BASE32, 17)?))
}

/// Customer managed policies.
pub fn policy_id() -> Result<String, CoreError> {
    Ok(format!("ANPA{}", random_from(BASE32, 17)?))
}

pub fn instance_profile_id() -> Result<String, CoreError> {
    Ok(format!("AIPA{}", random_from(BASE32, 17)?))
}

pub fn ssh_public_key_id() -> Result<String, CoreError> {
    Ok(format!("APKA{}", random_from(BASE32, 16)?))
}

pub fn server_certificate_id() -> Result<String, CoreError> {
    Ok(format!("ASCA{}", random_from(BASE32, 17)?))
}

/// Signing certificate ids have no kind prefix: 24 upper-case letters and digits.
pub fn signing_certificate_id() -> Result<String, CoreError> {
    random_from(BASE32, 24)
}

/// A random UUID (version 4), for ids AWS issues as UUIDs.
pub fn uuid() -> Result<String, CoreError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| CoreError::Random(e.to_string()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(hyphenated(&b))
}

fn hyphenated(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

pub fn access_key_id() -> Result<String, CoreError> {
    Ok(format!("AKIA{}", random_from(BASE32, 16)?))
}

/// The access key id of temporary credentials: `ASIA`, the account id in 8 base-32 characters
/// (12 digits fit in 40 bits), and 8 random ones. Like AWS's ids, it tells its account
/// (`GetAccessKeyInfo`) without any lookup.
pub fn temporary_access_key_id(account_id: &str) -> Result<String, CoreError> {
    let account: u64 = account_id
        .parse()
        .map_err(|_| CoreError::Config(format!("account id `{account_id}` is not a number")))?;
    let encoded: String = (0..8)
        .rev()
        .map(|i| char::from(BASE32[usize::try_from((account >> (5 * i)) & 31).unwrap_or(0)]))
        .collect();
    Ok(format!("ASIA{encoded}{}", random_from(BASE32, 8)?))
}

/// The account a temporary access key id was issued in.
pub fn account_of_temporary_key(access_key_id: &str) -> Option<String> {
    let encoded = access_key_id.strip_prefix("ASIA")?.get(..8)?;
    let mut account: u64 = 0;
    for c in encoded.bytes() {
        let digit = BASE32.iter().position(|&b| b == c)?;
        account = (account << 5) | u64::try_from(digit).ok()?;
    }
    (account < 1_000_000_000_000).then(|| format!("{account:012}"))
}

pub fn secret_access_key() -> Result<String, CoreError> {
    random_from(SECRET_ALPHABET, 40)
}

/// A request id in AWS's shape (a UUID, version 4 layout): a random half drawn once per process
/// and a counter, so ids are unique without a system call per request (one is made for every
/// request; they are not secrets).
pub fn request_id() -> String {
    static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| {
        let mut b = [0u8; 8];
        // Without OS randomness the ids are still unique within the process.
        let _ = getrandom::fill(&mut b);
        u64::from_le_bytes(b)
    });
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&process.to_be_bytes());
    b[8..].copy_from_slice(&count.to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    // The variant bits take the counter's top two bits, which a process never reaches.
    b[8] = (b[8] & 0x3f) | 0x80;
    hyphenated(&b)
}

/// Whether `id` looks like an access key id we could have issued or been given.
pub fn is_access_key_id(id: &str) -> bool {
    id.len() >= 16
        && id.len() <= 128
        && id.starts_with("AKIA")
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `secret` could be a secret access key.
pub fn is_secret_access_key(secret: &str) -> bool {
    secret.len() >= 16
        && secret.len() <= 128
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_key_ids_carry_their_account() {
        for account in ["123456789012", "000000000001", "999999999999"] {
            let id = temporary_access_key_id(account).unwrap();
            assert!(id.starts_with("ASIA") && id.len() == 20, "{id}");
            assert!(is_access_key_id(&id.replacen("ASIA", "AKIA", 1)), "{id}");
            assert_eq!(account_of_temporary_key(&id).as_deref(), Some(account));
        }
        assert_eq!(account_of_temporary_key("AKIAAAAAAAAAAAAAAAAA"), None);
        assert_eq!(account_of_temporary_key("ASIA"), None);
        // 8 × `7` is 2^40 - 1, more than 12 digits.
        assert_eq!(account_of_temporary_key("ASIA77777777AAAAAAAA"), None);
    }

    #[test]
    fn ids_have_aws_shapes() {
        let u = user_id().unwrap();
        assert_eq!(u.len(), 21);
        assert!(u.starts_with("AIDA"));
        assert!(u[4..].bytes().all(|b| BASE32.contains(&b)));
        assert_eq!(group_id().unwrap().len(), 21);
        let k = access_key_id().unwrap();
        assert_eq!(k.len(), 20);
        assert!(is_access_key_id(&k));
        let s = secret_access_key().unwrap();
        assert_eq!(s.len(), 40);
        assert!(is_secret_access_key(&s));
        assert_ne!(user_id().unwrap(), u);
        let r = request_id();
        assert_eq!(r.len(), 36);
        assert_eq!(&r[14..15], "4");
        let dashes: Vec<usize> = r.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, [8, 13, 18, 23]);
        assert!(matches!(&r[19..20], "8" | "9" | "a" | "b"), "{r}");
        assert!(r.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(!is_access_key_id("akia0000000000000000"));
        assert!(!is_secret_access_key("short"));
        for (id, prefix) in [
            (role_id().unwrap(), "AROA"),
            (policy_id().unwrap(), "ANPA"),
            (instance_profile_id().unwrap(), "AIPA"),
            (server_certificate_id().unwrap(), "ASCA"),
        ] {
            assert_eq!(id.len(), 21, "{id}");
            assert!(id.starts_with(prefix), "{id}");
        }
        assert_eq!(signing_certificate_id().unwrap().len(), 24);
        // SSH public key ids are one character shorter, like access key ids.
        assert_eq!(ssh_public_key_id().unwrap().len(), 20);
        let u = uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(uuid().unwrap(), u);
    }
}
