//! Text escaping for the XML documents Warden writes.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Appends `text` as XML character data: `&`, `<` and `>` escaped (quotes stay as they are, as
/// in AWS's documents). Control characters XML 1.0 cannot carry at all are written as U+FFFD, so
/// the document always parses.
pub fn escape_into(w: &mut String, text: &str) {
    escape(w, text, false);
}

/// Appends `text` as a double-quoted attribute value.
pub fn escape_attribute_into(w: &mut String, text: &str) {
    escape(w, text, true);
}

fn escape(w: &mut String, text: &str, attribute: bool) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attribute => "&quot;",
            // \r would be normalised to \n by the reader; keep it as a character reference
            b'\r' => "&#xD;",
            0..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => "\u{FFFD}",
            _ => continue,
        };
        w.push_str(&text[start..i]);
        w.push_str(replacement);
        start = i + 1;
    }
    w.push_str(&text[start..]);
}

/// RFC 3986 unreserved characters stay; everything else becomes `%XX` (UTF-8 bytes). This is how
/// IAM returns policy documents, and what `urllib.parse.unquote` (boto3, the AWS CLI) reverses.
const POLICY_DOCUMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `text` percent-encoded as IAM encodes policy documents in responses. The result is
/// plain ASCII without XML special characters, so it needs no further escaping.
pub fn percent_encode_into(w: &mut String, text: &str) {
    for part in percent_encoding::utf8_percent_encode(text, POLICY_DOCUMENT) {
        w.push_str(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut w = String::new();
        escape_into(&mut w, "a<b>&\"c'\r\u{1}é");
        assert_eq!(w, "a&lt;b&gt;&amp;\"c'&#xD;\u{FFFD}é");
        let mut w = String::new();
        escape_attribute_into(&mut w, "x\"y");
        assert_eq!(w, "x&quot;y");
    }

    #[test]
    fn percent_encodes_policy() {
        let mut w = String::new();
        percent_encode_into(&mut w, r#"{"Version": "2012-10-17", "A": "s3:*~é"}"#);
        assert_eq!(
            w,
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22A%22%3A%20%22s3%3A%2A~%C3%A9%22%7D"
        );
    }
}
