//! Arbitrary text as uploaded credential material: an SSH public key, a certificate, a chain, a
//! private key against a certificate. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_core::material::{ssh, x509};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = ssh::parse_public_key(&text) {
        let _ = ssh::encode(&key.body, ssh::Encoding::Pem);
    }
    let _ = ssh::encode(&text, ssh::Encoding::Ssh);
    let _ = x509::parse_chain(&text);
    // The first half as a certificate, the second as its private key.
    let (cert, key) = text.split_at(text.floor_char_boundary(text.len() / 2));
    let _ = x509::validate_server_certificate(cert, key, Some(key), time::OffsetDateTime::UNIX_EPOCH);
});
