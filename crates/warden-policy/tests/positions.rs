#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! Statement positions over randomly laid-out policy documents: each span covers exactly its
//! statement, and its line and column agree with counting the text by hand.

use proptest::prelude::*;
use warden_policy::json::Json;
use warden_policy::position::{Position, statement_spans};

/// Whitespace JSON allows between tokens, including newlines.
fn ws() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![" ", "\n", "\t", "\r\n", ""]),
        0..3,
    )
    .prop_map(|v| v.concat())
}

/// String contents that stress the scanner: quotes, braces, escapes, non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "s3:GetObject",
        "a\\\"}{b",
        "é\\u0041ß",
        "[x]",
        "\\\\",
        "line\\nbreak",
        "*",
    ])
    .prop_map(str::to_owned)
}

fn statement(w: Vec<String>, sid: String, action: String, nested: bool) -> String {
    let cond = if nested {
        format!(
            r#",{0}"Condition"{0}:{0}{{"StringLike":{{"k":["{1}",{0}"v"]}}}}"#,
            w[4], sid
        )
    } else {
        String::new()
    };
    format!(
        r#"{{{0}"Sid"{1}:{0}"{2}",{1}"Effect":"Allow",{0}"Action":{1}["{3}"],"Resource":{0}"*"{4}{1}}}"#,
        w[0], w[1], sid, action, cond
    )
}

prop_compose! {
    fn document()(
        w in prop::collection::vec(ws(), 8),
        stmts in prop::collection::vec(
            (prop::collection::vec(ws(), 5), text(), text(), any::<bool>()), 1..5),
        as_array in any::<bool>(),
        version_first in any::<bool>(),
    ) -> (String, usize) {
        let rendered: Vec<String> = stmts
            .into_iter()
            .map(|(w, sid, action, nested)| statement(w, sid, action, nested))
            .collect();
        let count = if as_array { rendered.len() } else { 1 };
        let body = if as_array {
            format!("[{}{}{}]", w[0], rendered.join(&format!(",{}", w[1])), w[2])
        } else {
            rendered[0].clone()
        };
        let version = format!(r#""Version"{}:{}"2012-10-17""#, w[3], w[4]);
        let statement = format!(r#""Statement"{}:{}{}"#, w[5], w[6], body);
        let members = if version_first {
            format!("{version},{}{statement}", w[7])
        } else {
            format!("{statement},{}{version}", w[7])
        };
        (format!("{}{{{}{members}{}}}{}", w[0], w[1], w[2], w[3]), count)
    }
}

/// Line and column of a byte offset, counted directly.
fn locate(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

fn check(text: &str, p: Position) {
    assert_eq!(locate(text, p.offset), (p.line, p.column), "{text:?}");
}

proptest! {
    #[test]
    fn spans_cover_exactly_each_statement((text, count) in document()) {
        let json = Json::parse(&text).unwrap();
        let Json::Object(members) = json else { panic!() };
        let statements = match &members.iter().find(|(k, _)| k == "Statement").unwrap().1 {
            Json::Array(items) => items.clone(),
            single => vec![single.clone()],
        };
        let spans = statement_spans(&text).unwrap();
        prop_assert_eq!(spans.len(), count);
        for (span, statement) in spans.iter().zip(&statements) {
            let slice = &text[span.start.offset..span.end.offset];
            prop_assert!(slice.starts_with('{') && slice.ends_with('}'), "{}", slice);
            prop_assert_eq!(&Json::parse(slice).unwrap(), statement);
            check(&text, span.start);
            check(&text, span.end);
        }
    }

    #[test]
    fn any_text_is_scanned_without_panicking(text in ".{0,200}") {
        let _ = statement_spans(&text);
    }
}
