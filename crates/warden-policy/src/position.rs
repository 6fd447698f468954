//! Where each statement sits in a policy's JSON text, as the IAM policy simulator reports it
//! (`MatchedStatements[].StartPosition` / `EndPosition`).
//!
//! The document parser ([`crate::json`]) goes through serde, which keeps no positions, so this is
//! a second, small pass over the same text: a JSON scanner that only tracks where it is. It runs
//! only when a simulation reports a matched statement, never on the decision path.
//!
//! AWS's positions, as observed in its responses: lines and columns count from 1; the start is
//! the statement's `{` and the end is just past its `}`.

/// A place in a text: line and column from 1 (columns count characters), and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// The extent of one statement: its `{` to just past its `}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

/// Deeper than this is not a policy (serde_json refuses it too); the scan gives up.
const MAX_DEPTH: usize = 128;

/// The span of every statement of a policy document, in order: the `Statement` object itself, or
/// each element of the `Statement` array. `None` when the text is not a JSON object the scanner
/// can follow; an element that is not an object has no span, so the caller can tell by the count.
pub fn statement_spans(text: &str) -> Option<Vec<Span>> {
    let mut s = Scanner::new(text);
    s.skip_ws();
    s.expect('{')?;
    let mut spans = None;
    s.skip_ws();
    if s.eat('}') {
        return Some(Vec::new());
    }
    loop {
        s.skip_ws();
        let key = s.string()?;
        s.skip_ws();
        s.expect(':')?;
        s.skip_ws();
        if key == "Statement" {
            let mut found = Vec::new();
            match s.peek()? {
                '{' => found.push(s.object_span()?),
                '[' => {
                    s.bump();
                    s.skip_ws();
                    if !s.eat(']') {
                        loop {
                            s.skip_ws();
                            if s.peek()? == '{' {
                                found.push(s.object_span()?);
                            } else {
                                s.value(1)?;
                            }
                            s.skip_ws();
                            if s.eat(']') {
                                break;
                            }
                            s.expect(',')?;
                        }
                    }
                }
                _ => s.value(1)?,
            }
            spans = Some(found);
        } else {
            s.value(1)?;
        }
        s.skip_ws();
        if s.eat('}') {
            break;
        }
        s.expect(',')?;
    }
    Some(spans.unwrap_or_default())
}

struct Scanner<'t> {
    text: &'t str,
    here: Position,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Scanner<'t> {
        Scanner {
            text,
            here: Position {
                line: 1,
                column: 1,
                offset: 0,
            },
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.here.offset..)?.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.here.offset += c.len_utf8();
        if c == '\n' {
            self.here.line += 1;
            self.here.column = 1;
        } else {
            self.here.column += 1;
        }
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.eat(c).then_some(())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    /// A string token, decoded (keys may be written with escapes).
    fn string(&mut self) -> Option<String> {
        let start = self.here.offset;
        self.expect('"')?;
        loop {
            match self.bump()? {
                '"' => break,
                '\\' => {
                    self.bump()?;
                }
                _ => {}
            }
        }
        serde_json::from_str(self.text.get(start..self.here.offset)?).ok()
    }

    fn object_span(&mut self) -> Option<Span> {
        let start = self.here;
        self.value(1)?;
        Some(Span {
            start,
            end: self.here,
        })
    }

    /// Skips one value of any kind.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            '"' => self.string().map(drop),
            '{' => self.container('}', depth, true),
            '[' => self.container(']', depth, false),
            _ => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                let start = self.here.offset;
                while !matches!(
                    self.peek(),
                    None | Some(',' | '}' | ']' | ' ' | '\t' | '\n' | '\r')
                ) {
                    self.bump();
                }
                (self.here.offset > start).then_some(())
            }
        }
    }

    fn container(&mut self, close: char, depth: usize, keyed: bool) -> Option<()> {
        self.bump();
        self.skip_ws();
        if self.eat(close) {
            return Some(());
        }
        loop {
            self.skip_ws();
            if keyed {
                self.string()?;
                self.skip_ws();
                self.expect(':')?;
                self.skip_ws();
            }
            self.value(depth + 1)?;
            self.skip_ws();
            if self.eat(close) {
                return Some(());
            }
            self.expect(',')?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(span: &Span) -> ((usize, usize), (usize, usize)) {
        (
            (span.start.line, span.start.column),
            (span.end.line, span.end.column),
        )
    }

    #[test]
    fn one_line_array_matches_aws() {
        // Python's json.dumps spacing: AWS reported the statement at column 41.
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
        let spans = statement_spans(text).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(at(&spans[0]), ((1, 41), (1, text.len() - 1)));
        assert_eq!(
            &text[spans[0].start.offset..spans[0].end.offset],
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#
        );
    }

    #[test]
    fn multi_line_statements_and_a_single_object() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"é:*\",\n      \"Resource\": \"*\"\n    },\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}\n  ]\n}";
        let spans = statement_spans(text).unwrap();
        assert_eq!(at(&spans[0]), ((4, 5), (8, 6)));
        assert_eq!(at(&spans[1]), ((9, 5), (9, 55)));
        let single = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17"}"#;
        let spans = statement_spans(single).unwrap();
        assert_eq!(at(&spans[0]), ((1, 14), (1, 60)));
    }

    #[test]
    fn escaped_keys_strings_and_junk() {
        let text = r#"{"Id":"a\"}{","St\u0061tement":[{"Sid":"x}"}]}"#;
        let spans = statement_spans(text).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(
            &text[spans[0].start.offset..spans[0].end.offset],
            r#"{"Sid":"x}"}"#
        );
        for bad in [
            "",
            "[",
            "{",
            "{\"Statement\":",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "\"x\"",
        ] {
            assert_eq!(statement_spans(bad), None, "{bad}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(500), "]".repeat(500));
        assert_eq!(statement_spans(&deep), None);
        assert_eq!(statement_spans("{}"), Some(vec![]));
    }
}
