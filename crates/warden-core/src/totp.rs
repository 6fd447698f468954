//! Virtual MFA: RFC 6238 time-based one-time passwords (HMAC-SHA1, six digits, 30-second
//! steps — what authenticator apps and AWS use), seeds, and the enrolment QR code.

use std::ops::RangeInclusive;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use totp_rs::{Algorithm, TOTP};

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Seed length in bytes: AWS's `Base32StringSeed` is 64 characters, 40 bytes.
pub const SEED_BYTES: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the operating system gave no randomness")]
    Random,
    #[error("the QR code could not be drawn: {0}")]
    Qr(String),
}

/// A fresh random seed.
pub fn new_seed() -> Result<Vec<u8>, TotpError> {
    let mut seed = vec![0u8; SEED_BYTES];
    getrandom::fill(&mut seed).map_err(|_| TotpError::Random)?;
    Ok(seed)
}

/// The seed as authenticator apps take it: RFC 4648 base32 without padding.
pub fn base32(seed: &[u8]) -> String {
    totp_rs::Secret::Raw(seed.to_vec()).to_encoded().to_string()
}

/// The time step `now` falls in.
pub fn step_of(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp()).unwrap_or(0) / STEP_SECONDS
}

/// The code of one time step.
pub fn code_at(seed: &[u8], step: u64) -> String {
    // `new_unchecked`: AWS's 40-byte seeds are within the RFC's advice; the check only
    // refuses short seeds.
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, STEP_SECONDS, seed.to_vec())
        .generate(step.saturating_mul(STEP_SECONDS))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The step in `steps` (around `center`) whose code is `code`, and which comes after
/// `after` (a code is good once).
pub fn find(
    seed: &[u8],
    code: &str,
    center: u64,
    steps: RangeInclusive<i64>,
    after: u64,
) -> Option<u64> {
    steps
        .filter_map(|offset| center.checked_add_signed(offset))
        .filter(|step| *step > after)
        .find(|step| same(&code_at(seed, *step), code))
}

/// The later step of two consecutive codes in `steps` around `center` (`EnableMFADevice` and
/// `ResyncMFADevice` take two), after `after`.
pub fn find_consecutive(
    seed: &[u8],
    first: &str,
    second: &str,
    center: u64,
    steps: RangeInclusive<i64>,
    after: u64,
) -> Option<u64> {
    steps
        .filter_map(|offset| center.checked_add_signed(offset))
        .filter(|step| *step > after)
        .find(|step| same(&code_at(seed, *step), first) && same(&code_at(seed, step + 1), second))
        .map(|step| step + 1)
}

/// The `otpauth://` URI AWS encodes in a virtual device's QR code:
/// `otpauth://totp/NAME@ACCOUNT?secret=SEED`.
pub fn otpauth_uri(device_name: &str, account_name: &str, base32_seed: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let label = format!("{device_name}@{account_name}");
    format!(
        "otpauth://totp/{}?secret={base32_seed}",
        utf8_percent_encode(&label, NON_ALPHANUMERIC)
    )
}

/// A PNG of the QR code of `text`: black modules on white, a four-module quiet zone.
pub fn qr_png(text: &str) -> Result<Vec<u8>, TotpError> {
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| TotpError::Qr(e.to_string()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = y * side;
            pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let side_u32 = u32::try_from(side).map_err(|e| TotpError::Qr(e.to_string()))?;
    let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| TotpError::Qr(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| TotpError::Qr(e.to_string()))?;
    writer.finish().map_err(|e| TotpError::Qr(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1, with the last six digits of each eight-digit value.
        let seed = b"12345678901234567890";
        for (time, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(seed, time / STEP_SECONDS), code, "time {time}");
        }
    }

    #[test]
    fn a_code_is_found_in_its_window_and_only_once() {
        let seed = new_seed().unwrap();
        assert_eq!(seed.len(), SEED_BYTES);
        let now = 1_000_000;
        let code = code_at(&seed, now - 1);
        assert_eq!(find(&seed, &code, now, -1..=1, 0), Some(now - 1));
        // Already used: refused.
        assert_eq!(find(&seed, &code, now, -1..=1, now - 1), None);
        // Outside the window: refused.
        assert_eq!(find(&seed, &code_at(&seed, now - 3), now, -1..=1, 0), None);
    }

    #[test]
    fn two_consecutive_codes_give_the_later_step() {
        let seed = new_seed().unwrap();
        let now = 2_000_000;
        let (a, b) = (code_at(&seed, now - 1), code_at(&seed, now));
        assert_eq!(find_consecutive(&seed, &a, &b, now, -2..=1, 0), Some(now));
        assert_eq!(find_consecutive(&seed, &b, &a, now, -2..=1, 0), None);
    }

    #[test]
    fn the_seed_is_64_base32_characters() {
        let seed = new_seed().unwrap();
        let text = base32(&seed);
        assert_eq!(text.len(), 64);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
    }

    #[test]
    fn the_qr_code_is_a_png() {
        let uri = otpauth_uri("alice", "123456789012", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/alice%40123456789012?secret=JBSWY3DPEHPK3PXP"
        );
        let png = qr_png(&uri).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
