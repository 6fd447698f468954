//! The authorization API's requests, read from JSON: pure, no I/O, every malformed input a
//! `ValidationException` naming the field. Fuzzed (`fuzz/fuzz_targets/authorize_request.rs`).

use serde_json::{Map, Value};
use warden_protocol::ServiceError;

/// The most decisions one batch may ask for.
pub const MAX_BATCH: usize = 1000;

/// One question: may this principal do this action on this resource?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub who: Who,
    pub action: String,
    pub resource: String,
    /// The account that owns the resource; `None`: the ARN's account, or (when the ARN has
    /// none, as S3's) the principal's own.
    pub resource_account: Option<String>,
    /// The resource's resource-based policy (bucket policy, queue policy …), as text.
    pub resource_policy: Option<String>,
    /// Extra context keys, as given.
    pub context: Vec<(String, Vec<String>)>,
}

/// How the principal is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The request the service received, to be verified like AWS verifies it.
    Signed(SignedRequest),
    /// A principal ARN the (trusted) caller vouches for.
    Principal(String),
}

/// The signed request material: what the service received, minus the body.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    /// As received: still percent-encoded, without the query.
    pub path: String,
    /// As received, without `?`.
    pub query: String,
    /// Names lowercased; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// Lowercase hex SHA-256 of the body the service received; `None`: no body.
    pub payload_hash: Option<String>,
}

/// Leaves out header values: they hold signatures and session tokens.
impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Context keys only Warden may set: they describe the principal, its credentials or the
/// time, which the service cannot know better than Warden (and must not be able to forge).
const RESERVED_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
    "aws:currenttime",
    "aws:epochtime",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:tokenissuetime",
    "aws:sourceidentity",
    "aws:federatedprovider",
    "aws:viaawsservice",
];

pub(crate) fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError {
        code: "ValidationException".into(),
        message: message.into(),
        status: 400,
        sender_fault: true,
        reason: None,
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ServiceError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(validation("the body must be a JSON object")),
        Err(e) => Err(validation(format!("the body is not JSON: {e}"))),
    }
}

/// `POST /v1/authorize`'s body.
pub fn parse_request(body: &[u8]) -> Result<AuthorizeRequest, ServiceError> {
    request_from(object(body)?, "")
}

/// `POST /v1/authorize/batch`'s body: `{"requests": [ … ]}`. The outer error is for the
/// batch as a whole; each item is parsed on its own, so one bad item spoils only its answer.
pub fn parse_batch(
    body: &[u8],
) -> Result<Vec<Result<AuthorizeRequest, ServiceError>>, ServiceError> {
    let mut fields = object(body)?;
    if let Some(unknown) = fields.keys().find(|k| *k != "requests") {
        return Err(validation(format!(
            "unknown field `{unknown}`; expected `requests`"
        )));
    }
    let Some(Value::Array(items)) = fields.remove("requests") else {
        return Err(validation("`requests` must be an array of requests"));
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(validation(format!(
            "`requests` must hold 1 to {MAX_BATCH} requests, not {}",
            items.len()
        )));
    }
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(fields) => request_from(fields, &format!("requests[{i}].")),
            _ => Err(validation(format!("`requests[{i}]` must be an object"))),
        })
        .collect())
}

const FIELDS: &[&str] = &[
    "request",
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "resourcePolicy",
    "context",
];

fn request_from(
    mut fields: Map<String, Value>,
    at: &str,
) -> Result<AuthorizeRequest, ServiceError> {
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(validation(format!(
            "unknown field `{at}{unknown}`; expected {}",
            FIELDS.join(", ")
        )));
    }
    let who = match (fields.remove("request"), fields.remove("principal")) {
        (Some(material), None) => Who::Signed(signed_request(material, at)?),
        (None, Some(Value::String(arn))) if arn.starts_with("arn:") => Who::Principal(arn),
        (None, Some(_)) => {
            return Err(validation(format!(
                "`{at}principal` must be a principal ARN"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(validation(format!(
                "give either `{at}request` (the signed request) or `{at}principal`, not both"
            )));
        }
        (None, None) => {
            return Err(validation(format!(
                "`{at}request` (the signed request) or `{at}principal` is required"
            )));
        }
    };
    let action = required_string(&mut fields, "action", at)?;
    let valid_action = action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !name.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if !valid_action {
        return Err(validation(format!(
            "`{at}action` must be one action, `service:ActionName`, not `{action}`"
        )));
    }
    let resource = required_string(&mut fields, "resource", at)?;
    if resource != "*" && !resource.starts_with("arn:") {
        return Err(validation(format!(
            "`{at}resource` must be an ARN or `*`, not `{resource}`"
        )));
    }
    let resource_account = match fields.remove("resourceAccount") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
            Some(id)
        }
        Some(_) => {
            return Err(validation(format!(
                "`{at}resourceAccount` must be an account id (12 digits)"
            )));
        }
    };
    let resource_policy = match fields.remove("resourcePolicy") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(object @ Value::Object(_)) => Some(object.to_string()),
        Some(_) => {
            return Err(validation(format!(
                "`{at}resourcePolicy` must be a policy: a JSON object or a string holding one"
            )));
        }
    };
    let context = match fields.remove("context") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(keys)) => context(keys, at)?,
        Some(_) => {
            return Err(validation(format!(
                "`{at}context` must be an object of context keys"
            )));
        }
    };
    Ok(AuthorizeRequest {
        who,
        action,
        resource,
        resource_account,
        resource_policy,
        context,
    })
}

fn required_string(
    fields: &mut Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<String, ServiceError> {
    match fields.remove(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(validation(format!(
            "`{at}{name}` must be a non-empty string"
        ))),
        None => Err(validation(format!("`{at}{name}` is required"))),
    }
}

/// A context value: a string, number or boolean (policies compare them as text), or an array
/// of those for multivalued keys.
fn context_values(value: Value, key: &str, at: &str) -> Result<Vec<String>, ServiceError> {
    let scalar = |v: Value| match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(validation(format!(
            "`{at}context.{key}` must be a string, number or boolean, or an array of them"
        ))),
    };
    match value {
        Value::Array(items) => items.into_iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

fn context(keys: Map<String, Value>, at: &str) -> Result<Vec<(String, Vec<String>)>, ServiceError> {
    keys.into_iter()
        .map(|(key, value)| {
            let lower = key.to_ascii_lowercase();
            if lower.is_empty() || !lower.contains(':') {
                return Err(validation(format!(
                    "`{at}context` key `{key}` must be `prefix:name`"
                )));
            }
            if RESERVED_KEYS.contains(&lower.as_str()) || lower.starts_with("aws:principaltag/") {
                return Err(validation(format!(
                    "`{at}context` may not set `{key}`: Warden derives it from the principal"
                )));
            }
            let values = context_values(value, &key, at)?;
            Ok((key, values))
        })
        .collect()
}

fn signed_request(material: Value, at: &str) -> Result<SignedRequest, ServiceError> {
    let Value::Object(mut fields) = material else {
        return Err(validation(format!("`{at}request` must be an object")));
    };
    const PARTS: &[&str] = &["method", "path", "query", "headers", "payloadHash"];
    if let Some(unknown) = fields.keys().find(|k| !PARTS.contains(&k.as_str())) {
        return Err(validation(format!(
            "unknown field `{at}request.{unknown}`; expected {}",
            PARTS.join(", ")
        )));
    }
    let here = format!("{at}request.");
    let method = required_string(&mut fields, "method", &here)?;
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(validation(format!(
            "`{here}method` must be an HTTP method in upper case, not `{method}`"
        )));
    }
    let path = match fields.remove("path") {
        Some(Value::String(p)) if p.starts_with('/') => p,
        _ => {
            return Err(validation(format!(
                "`{here}path` must be the request path as received, starting with `/`"
            )));
        }
    };
    let query = match fields.remove("query") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(q)) => q.strip_prefix('?').map(str::to_owned).unwrap_or(q),
        Some(_) => return Err(validation(format!("`{here}query` must be a string"))),
    };
    let headers = match fields.remove("headers") {
        Some(Value::Object(headers)) => {
            let mut out = Vec::with_capacity(headers.len());
            for (name, value) in headers {
                let lower = name.to_ascii_lowercase();
                match value {
                    Value::String(v) => out.push((lower, v)),
                    Value::Array(values) => {
                        for v in values {
                            let Value::String(v) = v else {
                                return Err(validation(format!(
                                    "`{here}headers.{name}` must be a string or an array of \
                                     strings"
                                )));
                            };
                            out.push((lower.clone(), v));
                        }
                    }
                    _ => {
                        return Err(validation(format!(
                            "`{here}headers.{name}` must be a string or an array of strings"
                        )));
                    }
                }
            }
            out
        }
        _ => {
            return Err(validation(format!(
                "`{here}headers` is required: an object of header names to values"
            )));
        }
    };
    let payload_hash = match fields.remove("payloadHash") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Some(_) => {
            return Err(validation(format!(
                "`{here}payloadHash` must be the hex SHA-256 of the body received"
            )));
        }
    };
    Ok(SignedRequest {
        method,
        path,
        query,
        headers,
        payload_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn message(body: &str) -> String {
        match parse_request(body.as_bytes()) {
            Err(e) => {
                assert_eq!(e.code, "ValidationException");
                assert_eq!(e.status, 400);
                e.message
            }
            Ok(r) => panic!("accepted: {r:?}"),
        }
    }

    #[test]
    fn a_principal_request_parses_with_its_context() {
        let r = parse_request(
            br#"{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject",
                 "resource":"arn:aws:s3:::b/k","resourceAccount":"444455556666",
                 "resourcePolicy":{"Version":"2012-10-17","Statement":[]},
                 "context":{"aws:SourceIp":"10.0.0.1","s3:prefix":["a","b"],"s3:max-keys":10}}"#,
        )
        .unwrap();
        assert_eq!(
            r.who,
            Who::Principal("arn:aws:iam::111122223333:user/alice".into())
        );
        assert_eq!(r.resource_account.as_deref(), Some("444455556666"));
        assert!(r.resource_policy.unwrap().contains("2012-10-17"));
        // serde_json keeps the given order when the workspace enables `preserve_order`, and
        // sorts otherwise: compare regardless of order.
        let mut context = r.context;
        context.sort();
        assert_eq!(
            context,
            vec![
                ("aws:SourceIp".to_owned(), vec!["10.0.0.1".to_owned()]),
                ("s3:max-keys".to_owned(), vec!["10".to_owned()]),
                ("s3:prefix".to_owned(), vec!["a".to_owned(), "b".to_owned()]),
            ]
        );
    }

    #[test]
    fn signed_material_parses_with_repeated_headers() {
        let r = parse_request(
            br#"{"request":{"method":"GET","path":"/b/k","query":"?x=1",
                 "headers":{"Host":"s","X-Many":["1","2"]},"payloadHash":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
                 "action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#,
        )
        .unwrap();
        let Who::Signed(m) = r.who else {
            panic!("not signed")
        };
        assert_eq!(m.query, "x=1");
        assert_eq!(
            m.headers,
            vec![
                ("host".to_owned(), "s".to_owned()),
                ("x-many".to_owned(), "1".to_owned()),
                ("x-many".to_owned(), "2".to_owned())
            ]
        );
        assert!(m.payload_hash.unwrap().starts_with("e3b0"));
    }

    #[test]
    fn bad_input_is_named() {
        assert!(message("[]").contains("JSON object"));
        assert!(message("{").contains("not JSON"));
        assert!(message(r#"{"action":"s3:GetObject","resource":"*"}"#).contains("is required"));
        assert!(
            message(r#"{"principal":"arn:aws:iam::1:root","action":"s3:*","resource":"*"}"#)
                .contains("one action")
        );
        assert!(
            message(r#"{"principal":"arn:aws:iam::1:root","action":"s3:Get","resource":"b"}"#)
                .contains("ARN or `*`")
        );
        assert!(
            message(
                r#"{"principal":"arn:aws:iam::1:root","action":"s3:Get","resource":"*","context":{"aws:PrincipalArn":"x"}}"#
            )
            .contains("may not set `aws:PrincipalArn`")
        );
        assert!(
            message(
                r#"{"principal":"arn:aws:iam::1:root","action":"s3:Get","resource":"*","context":{"aws:PrincipalTag/team":"x"}}"#
            )
            .contains("may not set")
        );
        assert!(
            message(r#"{"principal":"arn:x","action":"s3:Get","resource":"*","extra":1}"#)
                .contains("unknown field `extra`")
        );
        assert!(
            message(
                r#"{"request":{"method":"get","path":"/","headers":{}},"action":"s3:Get","resource":"*"}"#
            )
            .contains("upper case")
        );
    }

    #[test]
    fn batches_keep_bad_items_to_themselves() {
        let items = parse_batch(
            br#"{"requests":[{"principal":"arn:aws:iam::111122223333:root","action":"s3:Get","resource":"*"},{"action":1}]}"#,
        )
        .unwrap();
        assert!(items[0].is_ok());
        assert!(
            items[1]
                .as_ref()
                .unwrap_err()
                .message
                .contains("`requests[1].")
        );
        assert!(parse_batch(br#"{"requests":[]}"#).is_err());
    }

    proptest! {
        /// Any bytes: a request or a 400 `ValidationException`, never a panic.
        #[test]
        fn any_bytes_parse_or_fail_as_validation(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Err(e) = parse_request(&body) {
                prop_assert_eq!(e.status, 400);
                prop_assert_eq!(e.code.as_ref(), "ValidationException");
            }
        }

        /// JSON objects built from the request's own field names, with values of every kind.
        #[test]
        fn request_shaped_json_parses_or_fails_as_validation(
            fields in proptest::collection::vec((0usize..9, 0usize..7), 0..8)
        ) {
            let names = ["request", "principal", "action", "resource", "resourceAccount",
                "resourcePolicy", "context", "headers", "x"];
            let values = ["1", "\"s3:GetObject\"", "\"arn:aws:iam::111122223333:root\"",
                "{\"method\":\"GET\",\"path\":\"/\",\"headers\":{\"host\":[\"a\",1]}}",
                "[\"a\",{\"b\":null}]", "{\"aws:SourceIp\":[true,2.5]}", "null"];
            let body = format!("{{{}}}", fields.iter().enumerate()
                .map(|(i, (n, v))| format!("\"{}{}\":{}", names[*n], if i > 0 && *n == 8 { i.to_string() } else { String::new() }, values[*v]))
                .collect::<Vec<_>>().join(","));
            match parse_request(body.as_bytes()) {
                Ok(r) => prop_assert!(!r.action.is_empty()),
                Err(e) => {
                    prop_assert_eq!(e.status, 400);
                    prop_assert_eq!(e.code.as_ref(), "ValidationException");
                }
            }
        }
    }
}
