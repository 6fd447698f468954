//! Property: changing any character of a text node or attribute value that a signature covers
//! makes verification fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;

/// Byte offsets of every character of every text node and attribute value inside the element
/// `signed_local` (the signed element), except inside `ds:KeyInfo`, which no signature covers.
fn signed_positions(document: &str, signed_local: &str) -> Vec<usize> {
    let doc = roxmltree::Document::parse(document).unwrap();
    let signed = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == signed_local)
        .unwrap();
    let mut positions = Vec::new();
    for node in signed.descendants() {
        if node
            .ancestors()
            .any(|a| a.is_element() && a.tag_name().name() == "KeyInfo")
        {
            continue;
        }
        if node.is_text() {
            positions.extend(node.range());
        }
        if node.is_element() {
            for attribute in node.attributes() {
                positions.extend(attribute.range_value());
            }
        }
    }
    positions.retain(|&p| document.is_char_boundary(p) && document.as_bytes()[p].is_ascii());
    positions
}

fn mutate(document: &str, at: usize, replacement: char) -> Option<String> {
    let original = document[at..].chars().next()?;
    if original == replacement {
        return None;
    }
    let mut mutated = String::with_capacity(document.len());
    mutated.push_str(&document[..at]);
    mutated.push(replacement);
    mutated.push_str(&document[at + original.len_utf8()..]);
    Some(mutated)
}

fn property(
    fixture_name: &'static str,
    signed_local: &'static str,
) -> impl Strategy<Value = (String, usize, char)> {
    let document = fixture(fixture_name);
    assert!(
        check(&document).is_ok(),
        "{fixture_name} must verify unchanged"
    );
    let positions = signed_positions(&document, signed_local);
    assert!(positions.len() > 1000, "{fixture_name}: too few positions");
    (
        Just(document),
        prop::sample::select(positions),
        prop::char::ranges(vec!['a'..='z', 'A'..='Z', '0'..='9'].into()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn assertion_signature_covers_every_character((document, at, replacement) in property("assertion-signed.xml", "Assertion")) {
        if let Some(mutated) = mutate(&document, at, replacement) {
            prop_assert!(check(&mutated).is_err(), "a change at byte {} verified", at);
        }
    }

    #[test]
    fn response_signature_covers_every_character((document, at, replacement) in property("response-signed.xml", "Response")) {
        if let Some(mutated) = mutate(&document, at, replacement) {
            prop_assert!(check(&mutated).is_err(), "a change at byte {} verified", at);
        }
    }
}
