//! `expand`: the actions an action pattern matches.

use serde::Serialize;
use warden_catalog::{AccessLevel, service_reference};

use crate::AdvisorError;

/// One action a pattern matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpandedAction {
    /// The full name, `service:Action`, spelled as AWS spells it.
    pub action: String,
    pub access_level: AccessLevel,
}

/// The actions `pattern` (`s3:Get*`, `iam:?etUser`, `*`) matches, sorted by full name. Matching
/// ignores case, as IAM does. A pattern that matches nothing gives an empty list.
pub fn expand(pattern: &str) -> Result<Vec<ExpandedAction>, AdvisorError> {
    let mut actions: Vec<ExpandedAction> = service_reference()?
        .expand(pattern.trim())
        .into_iter()
        .map(|(service, action)| ExpandedAction {
            action: format!("{}:{}", service.prefix, action.name),
            access_level: action.access_level,
        })
        .collect();
    actions.sort_by(|a, b| a.action.cmp(&b.action));
    Ok(actions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;

    #[test]
    fn expands_with_levels_in_order() {
        let found = expand("iam:getuser*").unwrap();
        assert_eq!(
            found,
            [
                ExpandedAction {
                    action: "iam:GetUser".to_owned(),
                    access_level: AccessLevel::Read
                },
                ExpandedAction {
                    action: "iam:GetUserPolicy".to_owned(),
                    access_level: AccessLevel::Read
                },
            ]
        );
        let s3 = expand("s3:Get*").unwrap();
        assert!(s3.len() > 30);
        assert!(s3.windows(2).all(|w| w[0].action < w[1].action));
        assert!(s3.iter().any(|a| a.action == "s3:GetObject"));
        assert!(expand("nope:*").unwrap().is_empty());
        let json = serde_json::to_value(&found[0]).unwrap();
        assert_eq!(json["access_level"], "Read");
    }
}
