//! What the first use of the catalog costs: parsing the embedded data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use warden_catalog::{AwsManagedPolicies, ServiceReference};

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function("aws_managed_policies", |b| {
        b.iter(|| AwsManagedPolicies::parse_embedded().unwrap())
    });
    group.bench_function("service_reference", |b| {
        b.iter(|| ServiceReference::parse_embedded().unwrap())
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
