//! The cost of people's credentials: an Argon2id hash (every password set or change) and
//! verification (every sign-in and ChangePassword), and an MFA code check (every MFA-protected
//! STS call and sign-in).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use warden_core::{password, totp};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("password");
    group.sample_size(20);
    group.bench_function("argon2id_hash", |b| {
        b.iter(|| password::hash(black_box("Correct-Horse-Battery-9")).unwrap())
    });
    let hash = password::hash("Correct-Horse-Battery-9").unwrap();
    group.bench_function("argon2id_verify", |b| {
        b.iter(|| password::verify(black_box("Correct-Horse-Battery-9"), &hash))
    });
    group.finish();

    let seed = totp::new_seed().unwrap();
    let now = 60_000_000u64;
    let code = totp::code_at(&seed, now + 1);
    c.bench_function("totp/verify_code_in_window", |b| {
        b.iter(|| totp::find(&seed, black_box(&code), now, -1..=1, 0).unwrap())
    });
    c.bench_function("totp/qr_png", |b| {
        b.iter(|| {
            totp::qr_png(black_box(
                "otpauth://totp/alice%40123456789012?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            ))
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
