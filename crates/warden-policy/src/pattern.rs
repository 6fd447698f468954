//! Policy strings: literal text, the wildcards `*` and `?`, and policy variables (`${aws:username}`).
//!
//! A policy string is parsed once into [`Atom`]s. Matching splits the atoms at `*` into fixed-length
//! pieces; with only `*` and `?` as wildcards, placing every middle piece at its leftmost possible
//! position is optimal, so matching is linear in practice and never backtracks exponentially.
//!
//! Text that comes from a variable (or from `${*}`, `${?}`, `${$}`) is always literal: a tag value
//! containing `*` must not widen a grant.

use std::borrow::Cow;

/// Values of the request's context keys, as policy variables see them.
pub trait VariableSource {
    /// The single value of `key` (lowercase), or `None` when the key is absent or multi-valued.
    fn variable(&self, key: &str) -> Option<&str>;
}

/// A reference to a policy variable: `${key}` or `${key, 'default'}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    /// The key as written in the policy.
    pub key: Box<str>,
    /// The key, lowercased: context keys are case-insensitive.
    pub key_lower: Box<str>,
    /// The default value used when the key is absent.
    pub default: Option<Box<str>>,
}

/// One element of a parsed policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// Literal text (never contains wildcards when the string is a pattern).
    Literal(Box<str>),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    AnyChar,
    /// A policy variable, replaced by its value at evaluation time.
    Variable(VariableRef),
}

/// How a policy string is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// `*` and `?` are wildcards (Action, Resource, `StringLike`, `ArnLike`…).
    pub wildcards: bool,
    /// `${…}` is a policy variable (policy version 2012-10-17 only).
    pub variables: bool,
}

/// Parses a policy string into atoms. Never fails: text that is not a well-formed variable stays
/// literal, as AWS treats it.
pub fn parse_atoms(text: &str, syntax: Syntax) -> Vec<Atom> {
    let mut atoms = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if syntax.variables
            && rest.starts_with("${")
            && let Some((atom, consumed)) = parse_variable(rest)
        {
            match atom {
                VariableAtom::Escaped(ch) => literal.push(ch),
                VariableAtom::Variable(var) => {
                    flush(&mut literal, &mut atoms);
                    atoms.push(Atom::Variable(var));
                }
            }
            rest = &rest[consumed..];
            continue;
        }
        match c {
            '*' if syntax.wildcards => {
                flush(&mut literal, &mut atoms);
                // Consecutive stars are one star.
                if atoms.last() != Some(&Atom::Star) {
                    atoms.push(Atom::Star);
                }
            }
            '?' if syntax.wildcards => {
                flush(&mut literal, &mut atoms);
                atoms.push(Atom::AnyChar);
            }
            _ => literal.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut literal, &mut atoms);
    atoms
}

fn flush(literal: &mut String, atoms: &mut Vec<Atom>) {
    if !literal.is_empty() {
        atoms.push(Atom::Literal(std::mem::take(literal).into_boxed_str()));
    }
}

enum VariableAtom {
    Escaped(char),
    Variable(VariableRef),
}

/// Parses `${…}` at the start of `text`; returns the atom and the bytes consumed.
fn parse_variable(text: &str) -> Option<(VariableAtom, usize)> {
    let close = text.find('}')?;
    let inner = &text[2..close];
    let consumed = close + 1;
    match inner {
        "*" => return Some((VariableAtom::Escaped('*'), consumed)),
        "?" => return Some((VariableAtom::Escaped('?'), consumed)),
        "$" => return Some((VariableAtom::Escaped('$'), consumed)),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))?;
            (key.trim(), Some(quoted.into()))
        }
    };
    if !is_variable_key(key) {
        return None;
    }
    Some((
        VariableAtom::Variable(VariableRef {
            key: key.into(),
            key_lower: key.to_ascii_lowercase().into(),
            default,
        }),
        consumed,
    ))
}

/// A context key usable as a variable: `prefix:name`, optionally `/suffix` (tag keys).
pub(crate) fn is_variable_key(key: &str) -> bool {
    let Some((prefix, name)) = key.split_once(':') else {
        return false;
    };
    !prefix.is_empty()
        && !name.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && name
            .chars()
            .all(|c| !c.is_control() && c != '}' && c != '$')
}

/// Whether the atoms contain a variable.
pub fn has_variables(atoms: &[Atom]) -> bool {
    atoms.iter().any(|a| matches!(a, Atom::Variable(_)))
}

/// Resolves variables against `source`, giving the literal/wildcard sequence to match.
/// `Err(key)` names the first variable that has neither a value nor a default.
fn resolve<'m: 'r, 'v: 'r, 'r>(
    atoms: &'m [Atom],
    source: &'v dyn VariableSource,
) -> Result<Vec<Resolved<'r>>, &'m str> {
    let mut out = Vec::with_capacity(atoms.len());
    for atom in atoms {
        out.push(match atom {
            Atom::Literal(s) => Resolved::Literal(s),
            Atom::Star => Resolved::Star,
            Atom::AnyChar => Resolved::AnyChar,
            Atom::Variable(var) => match source.variable(&var.key_lower) {
                Some(v) => Resolved::Literal(v),
                None => match &var.default {
                    Some(d) => Resolved::Literal(d),
                    None => return Err(&var.key),
                },
            },
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
enum Resolved<'a> {
    Literal(&'a str),
    Star,
    AnyChar,
}

/// A compiled string matcher: a pattern (with wildcards) or a literal, possibly with variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// Matches anything (`*`).
    Any,
    /// Matches exactly this text.
    Exact(Box<str>),
    /// Text starting with this prefix (`abc*`).
    Prefix(Box<str>),
    /// Text ending with this suffix (`*abc`).
    Suffix(Box<str>),
    /// Text containing this (`*abc*`).
    Contains(Box<str>),
    /// Anything else without variables.
    General(Box<[Atom]>),
    /// With variables: resolved at evaluation time.
    Dynamic(Box<[Atom]>),
}

/// The outcome of matching a string that may contain variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchResult<'a> {
    Match,
    NoMatch,
    /// A variable had no value and no default: the string matches nothing.
    UndefinedVariable(&'a str),
}

impl Matcher {
    /// Compiles atoms (already lowercased if matching is case-insensitive).
    pub fn from_atoms(atoms: Vec<Atom>) -> Matcher {
        if has_variables(&atoms) {
            return Matcher::Dynamic(atoms.into_boxed_slice());
        }
        match atoms.as_slice() {
            [] => Matcher::Exact("".into()),
            [Atom::Star] => Matcher::Any,
            [Atom::Literal(s)] => Matcher::Exact(s.clone()),
            [Atom::Literal(s), Atom::Star] => Matcher::Prefix(s.clone()),
            [Atom::Star, Atom::Literal(s)] => Matcher::Suffix(s.clone()),
            [Atom::Star, Atom::Literal(s), Atom::Star] => Matcher::Contains(s.clone()),
            _ => Matcher::General(atoms.into_boxed_slice()),
        }
    }

    /// Parses and compiles a policy string.
    pub fn parse(text: &str, syntax: Syntax) -> Matcher {
        Matcher::from_atoms(parse_atoms(text, syntax))
    }

    /// Matches `text`; variables (if any) come from `vars`.
    pub fn matches<'a>(&'a self, text: &str, vars: &dyn VariableSource) -> MatchResult<'a> {
        let ok = match self {
            Matcher::Any => true,
            Matcher::Exact(s) => text == &**s,
            Matcher::Prefix(s) => text.starts_with(&**s),
            Matcher::Suffix(s) => text.ends_with(&**s),
            Matcher::Contains(s) => text.contains(&**s),
            Matcher::General(atoms) => glob_match(atoms, text),
            Matcher::Dynamic(atoms) => match resolve(atoms, vars) {
                Ok(resolved) => glob_match(&resolved, text),
                Err(key) => return MatchResult::UndefinedVariable(key),
            },
        };
        if ok {
            MatchResult::Match
        } else {
            MatchResult::NoMatch
        }
    }

    /// Matches text without variables in scope (variables count as undefined).
    pub fn matches_static(&self, text: &str) -> bool {
        self.matches(text, &NoVariables) == MatchResult::Match
    }

    /// The text this matcher produces when it has no wildcards (for equality operators), with
    /// variables substituted. `Err(key)` names an undefined variable.
    pub fn literal<'a>(&'a self, vars: &dyn VariableSource) -> Result<Cow<'a, str>, &'a str> {
        match self {
            Matcher::Exact(s) => Ok(Cow::Borrowed(s)),
            Matcher::Dynamic(atoms) => {
                let resolved = resolve(atoms, vars)?;
                let mut out = String::new();
                for r in resolved {
                    match r {
                        Resolved::Literal(s) => out.push_str(s),
                        Resolved::Star => out.push('*'),
                        Resolved::AnyChar => out.push('?'),
                    }
                }
                Ok(Cow::Owned(out))
            }
            // Only reachable if wildcards were enabled; render them back as text.
            other => Ok(Cow::Owned(other.to_string())),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let write_atoms = |f: &mut std::fmt::Formatter<'_>, atoms: &[Atom]| {
            for a in atoms {
                match a {
                    Atom::Literal(s) => f.write_str(s)?,
                    Atom::Star => f.write_str("*")?,
                    Atom::AnyChar => f.write_str("?")?,
                    Atom::Variable(v) => write!(f, "${{{}}}", v.key)?,
                }
            }
            Ok(())
        };
        match self {
            Matcher::Any => f.write_str("*"),
            Matcher::Exact(s) => f.write_str(s),
            Matcher::Prefix(s) => write!(f, "{s}*"),
            Matcher::Suffix(s) => write!(f, "*{s}"),
            Matcher::Contains(s) => write!(f, "*{s}*"),
            Matcher::General(a) | Matcher::Dynamic(a) => write_atoms(f, a),
        }
    }
}

/// A source with no variables at all.
#[derive(Debug, Clone, Copy)]
pub struct NoVariables;

impl VariableSource for NoVariables {
    fn variable(&self, _key: &str) -> Option<&str> {
        None
    }
}

/// Glob matching over resolved atoms. Pieces between stars have a fixed length in characters;
/// the first is anchored at the start, the last at the end, and each middle piece is placed at
/// its leftmost match, which is optimal when `*` is the only variable-length wildcard.
fn glob_match<A: GlobAtom>(atoms: &[A], text: &str) -> bool {
    let is_star = |a: &A| matches!(a.view(), Resolved::Star);
    let (Some(first_star), Some(last_star)) = (
        atoms.iter().position(is_star),
        atoms.iter().rposition(is_star),
    ) else {
        return match_piece_at(atoms, text, 0) == Some(text.len());
    };
    let mut pos = match match_piece_at(&atoms[..first_star], text, 0) {
        Some(end) => end,
        None => return false,
    };
    for piece in atoms[first_star..last_star].split(is_star) {
        if piece.is_empty() {
            continue;
        }
        match find_piece(piece, text, pos) {
            Some(end) => pos = end,
            None => return false,
        }
    }
    // The last piece must end exactly at the end of the text, and start at or after `pos`.
    let last = &atoms[last_star + 1..];
    let Some(start) = nth_char_from_end(text, piece_char_len(last)) else {
        return false;
    };
    start >= pos && match_piece_at(last, text, start) == Some(text.len())
}

/// What glob matching sees of an atom: compiled atoms without variables are matched in place,
/// so matching a pattern allocates nothing; only patterns with variables resolve into a list.
trait GlobAtom {
    fn view(&self) -> Resolved<'_>;
}

impl GlobAtom for Resolved<'_> {
    fn view(&self) -> Resolved<'_> {
        *self
    }
}

impl GlobAtom for Atom {
    fn view(&self) -> Resolved<'_> {
        match self {
            Atom::Literal(s) => Resolved::Literal(s),
            Atom::Star => Resolved::Star,
            Atom::AnyChar => Resolved::AnyChar,
            // `General` matchers never hold variables; a variable here would match nothing.
            Atom::Variable(_) => Resolved::Literal("\u{0}${unresolved}"),
        }
    }
}

fn piece_char_len<A: GlobAtom>(piece: &[A]) -> usize {
    piece
        .iter()
        .map(|a| match a.view() {
            Resolved::Literal(s) => s.chars().count(),
            _ => 1,
        })
        .sum()
}

/// Byte offset of the position `n` characters before the end of `text`.
fn nth_char_from_end(text: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return Some(text.len());
    }
    text.char_indices().rev().nth(n - 1).map(|(i, _)| i)
}

/// Matches a star-free piece at byte offset `at`; returns the end offset.
fn match_piece_at<A: GlobAtom>(piece: &[A], text: &str, at: usize) -> Option<usize> {
    let mut pos = at;
    for atom in piece {
        let rest = text.get(pos..)?;
        match atom.view() {
            Resolved::Literal(s) => {
                if !rest.starts_with(s) {
                    return None;
                }
                pos += s.len();
            }
            Resolved::AnyChar => pos += rest.chars().next()?.len_utf8(),
            Resolved::Star => return None,
        }
    }
    Some(pos)
}

/// Finds the leftmost match of a piece at or after `from`; returns its end offset.
fn find_piece<A: GlobAtom>(piece: &[A], text: &str, from: usize) -> Option<usize> {
    // Fast path: a piece that starts with literal text can jump between occurrences.
    if let Some(Resolved::Literal(lead)) = piece.first().map(GlobAtom::view) {
        let mut search = from;
        while let Some(found) = text.get(search..)?.find(lead) {
            let start = search + found;
            if let Some(end) = match_piece_at(piece, text, start) {
                return Some(end);
            }
            search = start + text[start..].chars().next()?.len_utf8();
        }
        return None;
    }
    let mut start = from;
    loop {
        if let Some(end) = match_piece_at(piece, text, start) {
            return Some(end);
        }
        start += text.get(start..)?.chars().next()?.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const PATTERN: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };

    struct Vars(HashMap<&'static str, &'static str>);
    impl VariableSource for Vars {
        fn variable(&self, key: &str) -> Option<&str> {
            self.0.get(key).copied()
        }
    }

    fn m(pattern: &str, text: &str) -> bool {
        Matcher::parse(pattern, PATTERN).matches_static(text)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
        assert!(m("ab*", "abcd"));
        assert!(!m("ab*", "xabcd"));
        assert!(m("*cd", "abcd"));
        assert!(m("*bc*", "abcd"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("a*?", "ab"));
        assert!(!m("a*?", "a"));
        assert!(m("*a*a*a", "aaa"));
        assert!(!m("*a*a*a*a", "aaa"));
        assert!(m("?*", "é"));
        assert!(m("*é?", "xéy"));
        assert!(m("a**b", "ab"));
        assert!(!m("", "a"));
        assert!(m("", ""));
    }

    #[test]
    fn middle_pieces_with_any_char() {
        assert!(m("*a?c*", "xxabcxx"));
        assert!(m("x*a?c*y", "xaacabcy"));
        assert!(!m("x*a?c*y", "xaay"));
    }

    #[test]
    fn variables_are_literal_and_escapes_work() {
        let vars = Vars(HashMap::from([("aws:username", "al*ce")]));
        let p = Matcher::parse("home/${aws:username}/*", PATTERN);
        assert_eq!(p.matches("home/al*ce/x", &vars), MatchResult::Match);
        // The `*` in the value is literal, not a wildcard.
        assert_eq!(p.matches("home/alice/x", &vars), MatchResult::NoMatch);
        let star = Matcher::parse("a${*}b", PATTERN);
        assert!(star.matches_static("a*b"));
        assert!(!star.matches_static("axb"));
        assert!(Matcher::parse("${?}${$}", PATTERN).matches_static("?$"));
    }

    #[test]
    fn undefined_variable_and_default() {
        let vars = Vars(HashMap::new());
        let p = Matcher::parse("${aws:username}", PATTERN);
        assert_eq!(
            p.matches("x", &vars),
            MatchResult::UndefinedVariable("aws:username")
        );
        let d = Matcher::parse("${aws:PrincipalTag/team, 'none'}-*", PATTERN);
        assert_eq!(d.matches("none-1", &vars), MatchResult::Match);
    }

    #[test]
    fn variable_keys_are_case_insensitive() {
        let vars = Vars(HashMap::from([("aws:principaltag/team", "red")]));
        let p = Matcher::parse("${aws:PrincipalTag/Team}", PATTERN);
        assert_eq!(p.matches("red", &vars), MatchResult::Match);
    }

    #[test]
    fn no_variables_in_2008_syntax() {
        let p = Matcher::parse(
            "${aws:username}",
            Syntax {
                wildcards: true,
                variables: false,
            },
        );
        assert!(p.matches_static("${aws:username}"));
    }

    #[test]
    fn malformed_variables_stay_literal() {
        assert!(m("${unterminated", "${unterminated"));
        assert!(m("${}", "${}"));
        assert!(m("${a:b, nodefaultquotes}", "${a:b, nodefaultquotes}"));
    }

    proptest::proptest! {
        /// A literal string (no wildcards) always matches itself and only itself.
        #[test]
        fn literal_matches_itself(s in "[a-z/:é]{0,12}", t in "[a-z/:é]{0,12}") {
            let p = Matcher::parse(&s, Syntax { wildcards: false, variables: false });
            proptest::prop_assert!(p.matches_static(&s));
            proptest::prop_assert_eq!(p.matches_static(&t), s == t);
        }

        /// The piece-wise matcher agrees with a straightforward recursive glob.
        #[test]
        fn agrees_with_reference(p in "[ab*?]{0,8}", t in "[ab]{0,10}") {
            proptest::prop_assert_eq!(m(&p, &t), reference_glob(p.as_bytes(), t.as_bytes()));
        }
    }

    fn reference_glob(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => {
                reference_glob(&p[1..], t) || (!t.is_empty() && reference_glob(p, &t[1..]))
            }
            (Some(b'?'), Some(_)) => reference_glob(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => reference_glob(&p[1..], &t[1..]),
            _ => false,
        }
    }
}
