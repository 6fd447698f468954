//! SAML time instants (`xs:dateTime`, SAML 2.0 Core §1.3.3: UTC, e.g. `2024-05-01T12:00:00Z`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an `xs:dateTime`. SAML requires UTC with a `Z`; an instant with a numeric offset is
/// accepted as the same point in time, and one with no zone at all is read as UTC (some IdPs
/// write them so, and UTC is what SAML means).
pub(crate) fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        let t = parse_instant("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_714_564_800);
        assert_eq!(
            parse_instant("2024-05-01T12:00:00.876Z")
                .unwrap()
                .millisecond(),
            876
        );
        assert_eq!(parse_instant("2024-05-01T12:00:00").unwrap(), t);
        assert_eq!(parse_instant("2024-05-01T14:00:00+02:00").unwrap(), t);
        assert!(parse_instant("yesterday").is_none());
        assert!(parse_instant("").is_none());
    }
}
