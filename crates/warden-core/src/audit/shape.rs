//! `requestParameters` and `responseElements`: the request's Query parameters and the answer's
//! XML (or the JSON protocol's bodies) as CloudTrail's JSON, with lower-camel-case names and
//! secrets replaced.

use quick_xml::events::Event;
use serde_json::{Map, Value};

/// What CloudTrail writes in place of a secret.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Members whose values never enter the trail (compared in lower camel case).
const SECRETS: [&str; 16] = [
    "password",
    "newPassword",
    "oldPassword",
    "privateKey",
    "sAMLAssertion",
    "samlAssertion",
    "webIdentityToken",
    "authenticationCode1",
    "authenticationCode2",
    "tokenCode",
    "secretAccessKey",
    "sessionToken",
    "base32StringSeed",
    "qRCodePNG",
    "qrCodePNG",
    "content",
];

/// `UserName` → `userName`, `SAMLAssertion` → `sAMLAssertion` (as CloudTrail writes it).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn is_secret(key: &str) -> bool {
    SECRETS.contains(&key)
}

/// A list index in a Query key: `member.N` / `entry.N` (1-based).
fn list_index(segment: &str) -> Option<usize> {
    segment
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
        .map(|n| n - 1)
}

/// The Query parameters of a request (without `Action` and `Version`) as nested JSON:
/// `Tags.member.1.Key=a` → `{"tags": [{"key": "a"}]}`.
pub fn query_parameters<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in params {
        if key == "Action" || key == "Version" {
            continue;
        }
        let mut segments: Vec<&str> = key.split('.').collect();
        // `member` and `entry` only mark a list; the number after them is the index.
        segments.retain(|s| *s != "member" && *s != "entry");
        let mut node = &mut root;
        let last = segments.len().saturating_sub(1);
        for (i, segment) in segments.iter().enumerate() {
            let leaf = i == last;
            if let Some(index) = list_index(segment) {
                if !node.is_array() {
                    *node = Value::Array(Vec::new());
                }
                let Value::Array(items) = node else { break };
                while items.len() <= index {
                    items.push(Value::Object(Map::new()));
                }
                node = &mut items[index];
                if leaf {
                    *node = Value::String(value.to_owned());
                }
                continue;
            }
            let name = lower_camel(segment);
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(map) = node else { break };
            if leaf {
                let shown = if is_secret(&name) { HIDDEN } else { value };
                map.insert(name, Value::String(shown.to_owned()));
                break;
            }
            node = map.entry(name).or_insert(Value::Null);
        }
    }
    root
}

/// An element being read: its name, its children (name, value) and its text.
type Open = (String, Vec<(String, Value)>, String);

/// The `…Result` element of a Query-protocol answer as JSON; `None` when it has none (an
/// answer without output).
pub fn xml_result(xml: &str) -> Option<Value> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Open> = Vec::new();
    let mut depth_of_result: Option<usize> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if depth_of_result.is_none() && name.ends_with("Result") {
                    depth_of_result = Some(stack.len());
                }
                stack.push((name, Vec::new(), String::new()));
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.1.push((name, Value::Null));
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&t.decode().ok()?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let text = match r.as_ref() {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    };
                    top.2.push_str(text);
                }
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop()?;
                let value = element_value(children, text);
                if Some(stack.len()) == depth_of_result {
                    return Some(value);
                }
                if let Some(parent) = stack.last_mut() {
                    parent.1.push((name, value));
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

fn element_value(children: Vec<(String, Value)>, text: String) -> Value {
    if children.is_empty() {
        return Value::String(text);
    }
    if children.iter().all(|(n, _)| n == "member") {
        return Value::Array(children.into_iter().map(|(_, v)| v).collect());
    }
    let mut map = Map::new();
    for (name, value) in children {
        let key = lower_camel(&name);
        let value = if is_secret(&key) {
            Value::String(HIDDEN.to_owned())
        } else {
            value
        };
        map.insert(key, value);
    }
    Value::Object(map)
}

/// A JSON-protocol body with CloudTrail's names and secrets hidden.
pub fn json_body(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = lower_camel(k);
                    let v = if is_secret(&key) {
                        Value::String(HIDDEN.to_owned())
                    } else {
                        json_body(v)
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(json_body).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_parameters_nest_and_hide_secrets() {
        let got = query_parameters([
            ("Action", "CreateLoginProfile"),
            ("Version", "2010-05-08"),
            ("UserName", "alice"),
            ("Password", "hunter2"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
            ("Tags.member.2.Key", "env"),
            ("TagKeys.member.1", "a"),
        ]);
        assert_eq!(
            got,
            json!({
                "userName": "alice",
                "password": HIDDEN,
                "tags": [{"key": "team", "value": "blue"}, {"key": "env"}],
                "tagKeys": ["a"],
            })
        );
    }

    #[test]
    fn the_result_element_becomes_json() {
        let xml = r#"<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult><AccessKey><UserName>a&amp;b</UserName><AccessKeyId>AKIA1</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey><Status>Active</Status></AccessKey></CreateAccessKeyResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></CreateAccessKeyResponse>"#;
        assert_eq!(
            xml_result(xml).unwrap(),
            json!({"accessKey": {"userName": "a&b", "accessKeyId": "AKIA1", "secretAccessKey": HIDDEN, "status": "Active"}})
        );
        let list = r#"<ListUsersResponse><ListUsersResult><Users><member><UserName>a</UserName></member><member><UserName>b</UserName></member></Users><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>"#;
        assert_eq!(
            xml_result(list).unwrap(),
            json!({"users": [{"userName": "a"}, {"userName": "b"}], "isTruncated": "false"})
        );
        let empty = r#"<DeleteUserResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>"#;
        assert_eq!(xml_result(empty), None);
    }

    #[test]
    fn json_bodies_get_cloudtrail_names() {
        assert_eq!(
            json_body(
                &json!({"AccountName": "x", "Email": "e", "Nested": [{"SessionToken": "t"}]})
            ),
            json!({"accountName": "x", "email": "e", "nested": [{"sessionToken": HIDDEN}]})
        );
    }
}
