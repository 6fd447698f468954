//! Comparing two IAM wildcard patterns with each other (not a pattern with a string): whether
//! they can match a common string, and whether one matches everything the other does.
//!
//! Both questions are answered exactly enough by a walk over pairs of positions, one in each
//! pattern; the walk visits each pair once, so it is quadratic at worst and never backtracks.

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
    Char(char),
}

fn tokens(pattern: &str, ignore_case: bool) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c if ignore_case => Tok::Char(c.to_ascii_lowercase()),
            c => Tok::Char(c),
        })
        .collect()
}

/// Replaces every policy variable (`${aws:username}`) with `*`: the value is unknown until a
/// request arrives, so it may be anything.
pub(crate) fn variables_as_stars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Walks pairs of positions from `(0, 0)`; `step` lists the successors of a pair. True when
/// `(a_len, b_len)` is reached.
fn reachable(
    a_len: usize,
    b_len: usize,
    step: impl Fn(usize, usize, &mut Vec<(usize, usize)>),
) -> bool {
    let width = b_len + 1;
    let mut seen = vec![false; (a_len + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    let mut next = Vec::new();
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        if i == a_len && j == b_len {
            return true;
        }
        next.clear();
        step(i, j, &mut next);
        stack.extend(next.iter().copied());
    }
    false
}

/// Whether some string matches both patterns.
pub(crate) fn overlaps(a: &str, b: &str, ignore_case: bool) -> bool {
    let (a, b) = (tokens(a, ignore_case), tokens(b, ignore_case));
    reachable(a.len(), b.len(), |i, j, out| {
        let (x, y) = (a.get(i), b.get(j));
        if x == Some(&Tok::Star) {
            out.push((i + 1, j));
        }
        if y == Some(&Tok::Star) {
            out.push((i, j + 1));
        }
        // Both consume one character of the common string.
        if let (Some(&x), Some(&y)) = (x, y) {
            let compatible = match (x, y) {
                (Tok::Char(c), Tok::Char(d)) => c == d,
                _ => true,
            };
            let stays = |t: Tok| t == Tok::Star;
            if compatible && !(stays(x) && stays(y)) {
                let ni = if stays(x) { i } else { i + 1 };
                let nj = if stays(y) { j } else { j + 1 };
                out.push((ni, nj));
            }
        }
    })
}

/// Whether every string `narrow` matches is also matched by `wide`. Sound, slightly
/// incomplete: `wide`'s `?` never covers a `*` of `narrow`, and characters are compared only
/// with characters, so a `true` answer is always right.
pub(crate) fn covers(wide: &str, narrow: &str, ignore_case: bool) -> bool {
    let (p, q) = (tokens(wide, ignore_case), tokens(narrow, ignore_case));
    reachable(p.len(), q.len(), |i, j, out| match (p.get(i), q.get(j)) {
        (Some(Tok::Star), next) => {
            out.push((i + 1, j));
            if next.is_some() {
                out.push((i, j + 1));
            }
        }
        (Some(Tok::One), Some(Tok::One | Tok::Char(_))) => out.push((i + 1, j + 1)),
        (Some(Tok::Char(c)), Some(Tok::Char(d))) if c == d => out.push((i + 1, j + 1)),
        _ => {}
    })
}

/// Whether a resource type's ARN pattern (placeholders as `*`) and a policy's resource ARN
/// (variables as `*`) can name the same resource. AWS matches ARNs component by component, so
/// when both have all six components each is compared on its own and a `*` in the account never
/// stands for a resource path; otherwise the whole strings are compared.
pub(crate) fn arn_overlaps(type_pattern: &str, arn: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        type_pattern.splitn(6, ':').collect(),
        arn.splitn(6, ':').collect(),
    );
    if a.len() == 6 && b.len() == 6 {
        return a.iter().zip(&b).all(|(x, y)| overlaps(x, y, true));
    }
    overlaps(type_pattern, arn, true)
}

/// Whether the text has `*` or `?`.
pub(crate) fn has_wildcards(text: &str) -> bool {
    text.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_of_two_patterns() {
        assert!(overlaps("arn:*:s3:::*", "arn:aws:s3:::bucket", false));
        assert!(overlaps("arn:*:s3:::*/*", "arn:aws:s3:::*", false));
        assert!(overlaps("a*c", "ab*", false));
        assert!(overlaps("a?c", "*", false));
        assert!(!overlaps(
            "arn:*:iam::*:role/*",
            "arn:aws:iam::1:user/bob",
            false
        ));
        assert!(!arn_overlaps("arn:*:s3:::*/*", "arn:aws:iam::*:role/x"));
        assert!(!arn_overlaps(
            "arn:*:iam::*:role/*",
            "arn:aws:iam::*:user/x"
        ));
        assert!(arn_overlaps("arn:*:iam::*:role/*", "arn:aws:iam::*:role/*"));
        assert!(arn_overlaps("arn:*:s3:::*/*", "arn:aws:s3:::*"));
        assert!(!overlaps("a?", "abc", false));
        assert!(overlaps("S3:GET*", "s3:getobject", true));
        assert!(!overlaps("S3:GET*", "s3:getobject", false));
    }

    #[test]
    fn coverage_of_one_pattern_by_another() {
        assert!(covers("s3:*", "s3:Get*", true));
        assert!(covers("*", "anything*", false));
        assert!(covers("s3:Get*", "s3:GetObject", true));
        assert!(!covers("s3:Get*", "s3:*", true));
        assert!(!covers("a?c", "a*c", false));
        assert!(covers("a?c", "a?c", false));
        assert!(covers(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/${aws:username}/*",
            false
        ));
        assert!(!covers("arn:aws:s3:::b", "arn:aws:s3:::b/*", false));
    }

    #[test]
    fn variables_become_stars() {
        assert_eq!(
            variables_as_stars("arn:aws:s3:::b/${aws:username}/*"),
            "arn:aws:s3:::b/*/*"
        );
        assert_eq!(variables_as_stars("x${oops"), "x${oops");
    }
}
