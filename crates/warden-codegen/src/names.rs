//! Rust names for model names.

/// Splits `GetSSHPublicKey` into `Get`, `SSH`, `Public`, `Key`; `Base32StringSeed` into `Base32`,
/// `String`, `Seed`; `isTruncated` into `is`, `Truncated`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == '.' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // a new word starts at an upper-case letter after a lower-case letter or digit, and
            // at the last capital of an acronym followed by lower case (`SSHPublic` → SSH, Public)
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

pub fn snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

pub fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// `userNameType` → `UserNameType`: model shape names used as Rust type names.
pub fn type_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `UserName` → `userName`: the member's name in AWS validation messages.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A field or method name: snake case, as a raw identifier when it is a keyword (`r#type`).
pub fn field_name(name: &str) -> String {
    let s = snake(name);
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        for (model, rust) in [
            ("GetAccessKeyLastUsed", "get_access_key_last_used"),
            ("ListGroupsForUser", "list_groups_for_user"),
            ("GetSSHPublicKey", "get_ssh_public_key"),
            (
                "CreateOpenIDConnectProvider",
                "create_open_id_connect_provider",
            ),
            ("ListMFADevices", "list_mfa_devices"),
            ("AssumeRoleWithSAML", "assume_role_with_saml"),
            ("Base32StringSeed", "base32_string_seed"),
            ("QRCodePNG", "qr_code_png"),
            ("isTruncated", "is_truncated"),
            ("AWSServiceName", "aws_service_name"),
            ("SAMLProviderUUID", "saml_provider_uuid"),
            ("AuthenticationCode1", "authentication_code1"),
            ("ClientIDList", "client_id_list"),
            ("arn", "arn"),
        ] {
            assert_eq!(snake(model), rust, "{model}");
        }
        assert_eq!(field_name("Type"), "r#type");
        assert_eq!(screaming("NoSuchEntity"), "NO_SUCH_ENTITY");
        assert_eq!(
            screaming("IDPCommunicationError"),
            "IDP_COMMUNICATION_ERROR"
        );
        assert_eq!(type_name("userNameType"), "UserNameType");
        assert_eq!(lower_first("UserName"), "userName");
    }
}
