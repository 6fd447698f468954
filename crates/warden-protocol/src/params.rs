//! The parameters of a Query request.

/// A request's parameters: the query string's, then the form body's, sorted by name so that a
/// lookup is a binary search and the items of a list (`Tags.member.1.Key`, …) are one contiguous
/// run. A decode therefore costs O(members · log n) instead of a scan per member.
///
/// When a name occurs twice the first occurrence wins (query string before body).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Sorted by name; stable, so duplicates keep their arrival order.
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a query string and an `application/x-www-form-urlencoded` body.
    pub fn parse(query: &str, body: &[u8]) -> Params {
        let estimate = 2
            + query.bytes().filter(|&b| b == b'&').count()
            + body.iter().filter(|&&b| b == b'&').count();
        let mut pairs = Vec::with_capacity(estimate);
        pairs.extend(
            form_urlencoded::parse(query.as_bytes())
                .chain(form_urlencoded::parse(body))
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        Params::sorted(pairs)
    }

    /// Parameters from name/value pairs, in order (the first of two equal names wins).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Params {
        Params::sorted(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    fn sorted(mut pairs: Vec<(String, String)>) -> Params {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Params { pairs }
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.pairs.partition_point(|(k, _)| k.as_str() < name);
        match self.pairs.get(i) {
            Some((k, v)) if k == name => Some(v),
            _ => None,
        }
    }

    /// The `Action` parameter.
    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    /// The `Version` parameter.
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    /// Every parameter, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The parameters whose names start with `prefix`, sorted by name.
    pub(crate) fn with_prefix(&self, prefix: &str) -> &[(String, String)] {
        let start = self.pairs.partition_point(|(k, _)| k.as_str() < prefix);
        let rest = &self.pairs[start..];
        let len = rest.partition_point(|(k, _)| k.starts_with(prefix));
        &rest[..len]
    }

    /// Whether any parameter name starts with `prefix`.
    pub(crate) fn has_prefix(&self, prefix: &str) -> bool {
        let start = self.pairs.partition_point(|(k, _)| k.as_str() < prefix);
        self.pairs
            .get(start)
            .is_some_and(|(k, _)| k.starts_with(prefix))
    }
}

impl std::fmt::Debug for Params {
    /// Names only: values may be passwords or secret keys (DESIGN.md invariant 5).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.pairs.iter().map(|(k, _)| k))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_before_body_and_lookup() {
        let p = Params::parse(
            "Action=ListUsers&Version=2010-05-08",
            b"Action=CreateUser&UserName=a+b%2Fc",
        );
        assert_eq!(p.action(), Some("ListUsers"));
        assert_eq!(p.version(), Some("2010-05-08"));
        assert_eq!(p.get("UserName"), Some("a b/c"));
        assert_eq!(p.get("Missing"), None);
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn prefix_ranges() {
        let p = Params::from_pairs([
            ("Tags.member.2.Key", "b"),
            ("Tags.member.1.Key", "a"),
            ("TagsX", "x"),
            ("Path", "/"),
        ]);
        let run: Vec<&str> = p
            .with_prefix("Tags.")
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(run, ["Tags.member.1.Key", "Tags.member.2.Key"]);
        assert!(p.has_prefix("Tags."));
        assert!(!p.has_prefix("Zzz"));
    }
}
