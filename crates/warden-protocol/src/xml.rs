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

/// Bytes that need attention in character data: XML specials, `\r`, and the C0 controls XML 1.0
/// forbids (tab and line feed are fine). Most text has none, and is copied in one piece.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09 && b != 0x0A;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table
};

fn escape(w: &mut String, text: &str, attribute: bool) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attribute => "&quot;",
            b'"' => {
                i += 1;
                continue;
            }
            // \r would be normalised to \n by the reader; keep it as a character reference
            b'\r' => "&#xD;",
            _ => "\u{FFFD}",
        };
        w.push_str(&text[start..i]);
        w.push_str(replacement);
        i += 1;
        start = i;
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
