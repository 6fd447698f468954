//! Hostile parameters never make decoding panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use warden_protocol::{Params, iam, sts};

/// Names that look like the ones real requests use, so decoding goes deep.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Z][a-zA-Z]{0,12}",
        "(Tags|PolicyArns|ClientIDList|ContextEntries|Properties)\\.(member|entry)\\.[0-9]{1,3}(\\.(Key|Value|key|value|arn|ContextKeyName|ContextKeyValues\\.member\\.[0-9]))?",
        prop::sample::select(vec![
            "UserName",
            "Path",
            "MaxItems",
            "Marker",
            "RoleArn",
            "RoleSessionName",
            "DurationSeconds",
            "Tags",
            "Policy",
            "RequireSymbols",
            "SerialNumber",
            "ExternalId",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_never_panics(pairs in prop::collection::vec((name(), any::<String>()), 0..12)) {
        let mut params = vec![("Version".to_owned(), "2010-05-08".to_owned())];
        params.extend(pairs.iter().cloned());
        let params_iam = Params::from_pairs(params);
        for op in iam::Operation::ALL {
            let _ = iam::decode(op.name(), &params_iam);
        }
        let mut params = vec![("Version".to_owned(), "2011-06-15".to_owned())];
        params.extend(pairs);
        let params_sts = Params::from_pairs(params);
        for op in sts::Operation::ALL {
            let _ = sts::decode(op.name(), &params_sts);
        }
    }

    #[test]
    fn parse_never_panics(query in any::<String>(), body in any::<Vec<u8>>()) {
        let params = Params::parse(&query, &body);
        let _ = iam::decode_request(&params);
        let _ = sts::decode_request(&params);
    }
}
