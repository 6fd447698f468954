//! The five access levels of the service authorization reference.

use serde::Serialize;

/// An action's access level, as the IAM console's policy summaries group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The level of an action from iam-data's value. AWS's reference gives each action one level;
    /// iam-data joins its flags, writing `"Permissions management, Write"` and `"Tagging, Write"`
    /// for actions that AWS lists as Permissions management and Tagging. The more specific level
    /// wins, as in AWS's own tables: a Tagging or Permissions management action also writes, but
    /// that is not the level AWS shows for it.
    pub fn from_reference(value: &str) -> Option<AccessLevel> {
        let mut parts: Vec<AccessLevel> = value
            .split(',')
            .map(str::trim)
            .map(|part| match part {
                "List" => Some(AccessLevel::List),
                "Read" => Some(AccessLevel::Read),
                "Write" => Some(AccessLevel::Write),
                "Permissions management" => Some(AccessLevel::PermissionsManagement),
                "Tagging" => Some(AccessLevel::Tagging),
                _ => None,
            })
            .collect::<Option<_>>()?;
        parts.sort_by_key(|level| level.specificity());
        parts.pop()
    }

    /// How specific a level is when an action carries several: Permissions management and
    /// Tagging refine Write.
    fn specificity(self) -> u8 {
        match self {
            AccessLevel::List => 0,
            AccessLevel::Read => 1,
            AccessLevel::Write => 2,
            AccessLevel::Tagging => 3,
            AccessLevel::PermissionsManagement => 4,
        }
    }

    /// The name AWS shows: `List`, `Read`, `Write`, `Permissions management`, `Tagging`.
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// The level a command-line word names: `list`, `read`, `write`, `permissions` (or
    /// `permissions-management`), `tagging`; any case.
    pub fn from_word(word: &str) -> Option<AccessLevel> {
        match word.trim().to_ascii_lowercase().as_str() {
            "list" => Some(AccessLevel::List),
            "read" => Some(AccessLevel::Read),
            "write" => Some(AccessLevel::Write),
            "permissions" | "permissions-management" | "permissions management" => {
                Some(AccessLevel::PermissionsManagement)
            }
            "tagging" | "tag" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::AccessLevel::{self, *};

    #[test]
    fn iam_datas_joined_values_map_to_the_more_specific_level() {
        for (value, level) in [
            ("List", List),
            ("Read", Read),
            ("Write", Write),
            ("Tagging", Tagging),
            ("Permissions management", PermissionsManagement),
            ("Tagging, Write", Tagging),
            ("Write, Tagging", Tagging),
            ("Permissions management, Write", PermissionsManagement),
            ("Write, Permissions management", PermissionsManagement),
        ] {
            assert_eq!(AccessLevel::from_reference(value), Some(level), "{value}");
        }
        assert_eq!(AccessLevel::from_reference("Admin"), None);
        assert_eq!(AccessLevel::from_reference(""), None);
    }

    #[test]
    fn command_line_words_name_levels() {
        assert_eq!(AccessLevel::from_word("READ"), Some(Read));
        assert_eq!(
            AccessLevel::from_word("permissions"),
            Some(PermissionsManagement)
        );
        assert_eq!(AccessLevel::from_word("delete"), None);
        for level in AccessLevel::ALL {
            assert_eq!(AccessLevel::from_reference(level.name()), Some(level));
        }
    }
}
