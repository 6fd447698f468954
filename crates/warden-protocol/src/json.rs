//! AWS's JSON 1.1 wire format (Organizations): the operation is named by the `X-Amz-Target`
//! header (`AWSOrganizationsV20161128.CreateAccount`), the input is a JSON object in the body,
//! and the answer is a JSON object (`{}` for an operation without output).
//!
//! Errors are `{"__type": "Code", "Message": "…"}` with the shape's HTTP status, plus `Reason`
//! where the shape has one. Generated modules call into the decoder and encoder here exactly as
//! Query modules call into `rt`; the rule tables (`Rules`) are shared.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::rt::Rules;
use crate::{ErrorShape, ServiceError};

/// Why an input failed its model's constraints, in the words of an `InvalidInputException`
/// `Reason` (the values AWS Organizations documents for that field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    Required,
    Pattern,
    Enum,
    MinLength,
    MaxLength,
    MinValue,
    MaxValue,
}

impl Violation {
    /// The `Reason` code.
    pub fn reason(self) -> &'static str {
        match self {
            Violation::Required => "INPUT_REQUIRED",
            Violation::Pattern => "INVALID_PATTERN",
            Violation::Enum => "INVALID_ENUM",
            Violation::MinLength => "MIN_LENGTH_EXCEEDED",
            Violation::MaxLength => "MAX_LENGTH_EXCEEDED",
            Violation::MinValue => "MIN_VALUE_EXCEEDED",
            Violation::MaxValue => "MAX_VALUE_EXCEEDED",
        }
    }

    /// The message AWS Organizations' reference gives for the reason.
    pub fn message(self) -> &'static str {
        match self {
            Violation::Required => "You must include a value for all required parameters.",
            Violation::Pattern => "You provided a value that does not match the required pattern.",
            Violation::Enum => "You specified an invalid value.",
            Violation::MinLength => "You provided a string parameter that is shorter than allowed.",
            Violation::MaxLength => "You provided a string parameter that is longer than allowed.",
            Violation::MinValue => {
                "You provided a numeric parameter that has a smaller value than allowed."
            }
            Violation::MaxValue => {
                "You provided a numeric parameter that has a larger value than allowed."
            }
        }
    }
}

/// One constraint failure: what, where, and the generic (`ValidationException`) wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub violation: Violation,
    pub text: String,
}

/// The error a JSON body's constraint failures become: the service's `InvalidInputException`
/// with a `Reason` when it has one (Organizations), otherwise `ValidationException`.
pub fn validation_error(problems: &[Problem], invalid_input: Option<ErrorShape>) -> ServiceError {
    match (invalid_input, problems.first()) {
        (Some(shape), Some(first)) => {
            let mut e = ServiceError::new(shape, first.violation.message());
            e.reason = Some(Cow::Borrowed(first.violation.reason()));
            e
        }
        _ => {
            let texts: Vec<&str> = problems.iter().map(|p| p.text.as_str()).collect();
            let mut e = ServiceError::validation(&texts);
            e.code = Cow::Borrowed("ValidationException");
            e
        }
    }
}

/// A body that is not the JSON its operation takes: AWS's JSON services answer
/// `SerializationException`.
pub const SERIALIZATION_EXCEPTION: ErrorShape =
    ErrorShape::new("SerializationException", 400, true);

/// An operation the target header does not name: AWS answers `UnknownOperationException`.
pub const UNKNOWN_OPERATION: ErrorShape = ErrorShape::new("UnknownOperationException", 400, true);

/// The operation an `X-Amz-Target` header names: `{prefix}.{Operation}`.
pub fn operation<O>(
    target: Option<&str>,
    prefix: &str,
    from_name: fn(&str) -> Option<O>,
) -> Result<O, ServiceError> {
    let name = target
        .and_then(|t| t.strip_prefix(prefix))
        .and_then(|t| t.strip_prefix('.'));
    match name.and_then(from_name) {
        Some(op) => Ok(op),
        None => Err(ServiceError::new(
            UNKNOWN_OPERATION,
            format!(
                "The operation `{}` is not one of this service's.",
                target.unwrap_or("")
            ),
        )),
    }
}

/// Parses a request body: an empty body is an empty input, anything else must be an object.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ServiceError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ServiceError::new(
            SERIALIZATION_EXCEPTION,
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ServiceError::new(
            SERIALIZATION_EXCEPTION,
            format!("The request body is not valid JSON: {e}."),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A structure a JSON request can carry.
pub trait DecodeJsonStruct: Sized + Default {
    /// Reads every member of the decoder's current object.
    fn decode_members(d: &mut JsonDecoder<'_>) -> Self;
}

/// A value a JSON request can carry.
pub trait DecodeJson: Sized {
    /// Reads `v`; `None` (with a problem recorded) when it is not this type.
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, rules: &Rules) -> Option<Self>;
    /// What a required member holds when it is missing (the request fails anyway).
    fn missing() -> Self;
}

/// Walks a request body, collecting every constraint failure.
#[derive(Debug)]
pub struct JsonDecoder<'v> {
    object: Option<&'v Map<String, Value>>,
    /// The current value's name in messages: `tags.1.key`.
    path: String,
    problems: Vec<Problem>,
    malformed: Option<String>,
}

impl<'v> JsonDecoder<'v> {
    pub fn new(body: &'v Map<String, Value>) -> Self {
        JsonDecoder {
            object: Some(body),
            path: String::new(),
            problems: Vec::new(),
            malformed: None,
        }
    }

    /// Decodes an operation's input structure.
    pub fn input<T: DecodeJsonStruct>(&mut self) -> T {
        T::decode_members(self)
    }

    /// A required member: absent (or `null`) is a failure.
    pub fn req<T: DecodeJson>(&mut self, wire: &str, path: &str, rules: &Rules) -> T {
        let mark = self.enter(path);
        let value = match self.member(wire) {
            Some(v) => T::decode(self, v, rules).unwrap_or_else(T::missing),
            None => {
                self.problems.push(Problem {
                    violation: Violation::Required,
                    text: format!(
                        "Value null at '{}' failed to satisfy constraint: Member must not be null",
                        self.path
                    ),
                });
                T::missing()
            }
        };
        self.path.truncate(mark);
        value
    }

    /// An optional member.
    pub fn opt<T: DecodeJson>(&mut self, wire: &str, path: &str, rules: &Rules) -> Option<T> {
        let mark = self.enter(path);
        let value = match self.member(wire) {
            Some(v) => T::decode(self, v, rules),
            None => None,
        };
        self.path.truncate(mark);
        value
    }

    /// The outcome: `SerializationException` for a value of the wrong JSON type, otherwise the
    /// service's validation error for the first constraint failure.
    pub fn finish(self, invalid_input: Option<ErrorShape>) -> Result<(), ServiceError> {
        if let Some(message) = self.malformed {
            return Err(ServiceError::new(SERIALIZATION_EXCEPTION, message));
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(validation_error(&self.problems, invalid_input))
        }
    }

    fn member(&self, wire: &str) -> Option<&'v Value> {
        self.object
            .and_then(|o| o.get(wire))
            .filter(|v| !v.is_null())
    }

    fn enter(&mut self, path: &str) -> usize {
        let mark = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(path);
        mark
    }

    fn wrong_type(&mut self, expected: &str) {
        if self.malformed.is_none() {
            self.malformed = Some(format!("The value at '{}' must be {expected}.", self.path));
        }
    }

    fn fail(&mut self, violation: Violation, shown: Option<&str>, rules: &Rules, rest: &str) {
        let mut text = String::from("Value");
        if let (Some(v), false) = (shown, rules.sensitive) {
            let _ = write!(text, " '{v}'");
        }
        let _ = write!(
            text,
            " at '{}' failed to satisfy constraint: Member must {rest}",
            self.path
        );
        self.problems.push(Problem { violation, text });
    }

    fn check_string(&mut self, v: &str, rules: &Rules) {
        let len = v.chars().count() as i64;
        if let Some(max) = rules.max.filter(|&m| len > m) {
            let rest = format!("have length less than or equal to {max}");
            self.fail(Violation::MaxLength, Some(v), rules, &rest);
        }
        if let Some(min) = rules.min.filter(|&m| len < m) {
            let rest = format!("have length greater than or equal to {min}");
            self.fail(Violation::MinLength, Some(v), rules, &rest);
        }
        if let Some(p) = rules.pattern.filter(|p| !p.is_match(v)) {
            let rest = format!("satisfy regular expression pattern: {}", p.source());
            self.fail(Violation::Pattern, Some(v), rules, &rest);
        }
        if !rules.enum_values.is_empty() && !rules.enum_values.contains(&v) {
            let rest = format!("satisfy enum value set: [{}]", rules.enum_values.join(", "));
            self.fail(Violation::Enum, Some(v), rules, &rest);
        }
    }

    fn check_count(&mut self, n: i64, rules: &Rules) {
        if let Some(max) = rules.max.filter(|&m| n > m) {
            let rest = format!("have length less than or equal to {max}");
            self.fail(Violation::MaxLength, None, rules, &rest);
        }
        if let Some(min) = rules.min.filter(|&m| n < m) {
            let rest = format!("have length greater than or equal to {min}");
            self.fail(Violation::MinLength, None, rules, &rest);
        }
    }

    fn check_range(&mut self, n: i64, rules: &Rules) {
        let shown = n.to_string();
        if let Some(max) = rules.max.filter(|&m| n > m) {
            let rest = format!("have value less than or equal to {max}");
            self.fail(Violation::MaxValue, Some(&shown), rules, &rest);
        }
        if let Some(min) = rules.min.filter(|&m| n < m) {
            let rest = format!("have value greater than or equal to {min}");
            self.fail(Violation::MinValue, Some(&shown), rules, &rest);
        }
    }
}

impl DecodeJson for String {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, rules: &Rules) -> Option<Self> {
        let Some(s) = v.as_str() else {
            d.wrong_type("a string");
            return None;
        };
        d.check_string(s, rules);
        Some(s.to_owned())
    }
    fn missing() -> Self {
        String::new()
    }
}

macro_rules! decode_integer {
    ($($t:ty),*) => {$(
        impl DecodeJson for $t {
            fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, rules: &Rules) -> Option<Self> {
                let Some(n) = v.as_i64().and_then(|n| <$t>::try_from(n).ok()) else {
                    d.wrong_type(concat!("an integer that fits ", stringify!($t)));
                    return None;
                };
                d.check_range(i64::from(n), rules);
                Some(n)
            }
            fn missing() -> Self {
                0
            }
        }
    )*};
}
decode_integer!(i32, i64);

impl DecodeJson for bool {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, _rules: &Rules) -> Option<Self> {
        let b = v.as_bool();
        if b.is_none() {
            d.wrong_type("a boolean");
        }
        b
    }
    fn missing() -> Self {
        false
    }
}

impl DecodeJson for f64 {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, _rules: &Rules) -> Option<Self> {
        let n = v.as_f64();
        if n.is_none() {
            d.wrong_type("a number");
        }
        n
    }
    fn missing() -> Self {
        0.0
    }
}

/// Timestamps travel as seconds since the epoch (botocore's default for JSON services).
impl DecodeJson for OffsetDateTime {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, _rules: &Rules) -> Option<Self> {
        let t = v
            .as_f64()
            .filter(|s| s.is_finite())
            .and_then(|s| OffsetDateTime::from_unix_timestamp_nanos((s * 1e9) as i128).ok());
        if t.is_none() {
            d.wrong_type("a timestamp in epoch seconds");
        }
        t
    }
    fn missing() -> Self {
        OffsetDateTime::UNIX_EPOCH
    }
}

/// Blobs travel as base64.
impl DecodeJson for Vec<u8> {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, _rules: &Rules) -> Option<Self> {
        let bytes = v
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok());
        if bytes.is_none() {
            d.wrong_type("base64 text");
        }
        bytes
    }
    fn missing() -> Self {
        Vec::new()
    }
}

impl<T: DecodeJsonStruct> DecodeJson for T {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, _rules: &Rules) -> Option<Self> {
        let Some(object) = v.as_object() else {
            d.wrong_type("an object");
            return None;
        };
        let outer = d.object.replace(object);
        let value = T::decode_members(d);
        d.object = outer;
        Some(value)
    }
    fn missing() -> Self {
        T::default()
    }
}

impl<T: DecodeJson> DecodeJson for Vec<T> {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, rules: &Rules) -> Option<Self> {
        let Some(items) = v.as_array() else {
            d.wrong_type("a list");
            return None;
        };
        d.check_count(items.len() as i64, rules);
        let member = rules.member.unwrap_or(&Rules::NONE);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let mark = d.enter(&(i + 1).to_string());
            if let Some(value) = T::decode(d, item, member) {
                out.push(value);
            }
            d.path.truncate(mark);
        }
        Some(out)
    }
    fn missing() -> Self {
        Vec::new()
    }
}

impl<V: DecodeJson> DecodeJson for Vec<(String, V)> {
    fn decode<'v>(d: &mut JsonDecoder<'v>, v: &'v Value, rules: &Rules) -> Option<Self> {
        let Some(entries) = v.as_object() else {
            d.wrong_type("a map");
            return None;
        };
        d.check_count(entries.len() as i64, rules);
        let key_rules = rules.key.unwrap_or(&Rules::NONE);
        let value_rules = rules.member.unwrap_or(&Rules::NONE);
        let mut out = Vec::with_capacity(entries.len());
        for (k, item) in entries {
            let mark = d.enter(k);
            d.check_string(k, key_rules);
            if let Some(value) = V::decode(d, item, value_rules) {
                out.push((k.clone(), value));
            }
            d.path.truncate(mark);
        }
        Some(out)
    }
    fn missing() -> Self {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// A structure a JSON response can carry.
pub trait EncodeJsonStruct {
    /// Writes every present member into `w`.
    fn encode_members(&self, w: &mut Map<String, Value>);
}

/// A value a JSON response can carry.
pub trait EncodeJson {
    fn to_json(&self) -> Value;
}

/// Writes one member (generated code calls this once per member); absent members are left out.
#[inline]
pub fn encode<T: EncodeJson>(w: &mut Map<String, Value>, name: &str, value: &Option<T>) {
    if let Some(v) = value {
        w.insert(name.to_owned(), v.to_json());
    }
}

/// Writes one required member.
#[inline]
pub fn encode_req<T: EncodeJson>(w: &mut Map<String, Value>, name: &str, value: &T) {
    w.insert(name.to_owned(), value.to_json());
}

impl EncodeJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

macro_rules! encode_number {
    ($($t:ty),*) => {$(
        impl EncodeJson for $t {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
encode_number!(i32, i64, bool, f64);

/// Seconds since the epoch, with the fraction when there is one (as AWS's JSON services write).
impl EncodeJson for OffsetDateTime {
    fn to_json(&self) -> Value {
        let nanos = self.unix_timestamp_nanos();
        if nanos % 1_000_000_000 == 0 {
            Value::from(self.unix_timestamp())
        } else {
            let millis = (nanos / 1_000_000) as f64 / 1000.0;
            Value::from(millis)
        }
    }
}

impl EncodeJson for Vec<u8> {
    fn to_json(&self) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
}

impl<T: EncodeJsonStruct> EncodeJson for T {
    fn to_json(&self) -> Value {
        let mut w = Map::new();
        self.encode_members(&mut w);
        Value::Object(w)
    }
}

impl<T: EncodeJson> EncodeJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(EncodeJson::to_json).collect())
    }
}

impl<V: EncodeJson> EncodeJson for Vec<(String, V)> {
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
}

/// A response body: the output's members as one object.
pub fn result_json<T: EncodeJsonStruct>(value: &T) -> String {
    let mut w = Map::new();
    value.encode_members(&mut w);
    Value::Object(w).to_string()
}

/// An error body: `{"__type": "Code", "Message": "…"}`, and `Reason` when there is one.
pub fn error_json(error: &ServiceError) -> String {
    let mut w = Map::new();
    w.insert("__type".to_owned(), Value::String(error.code.to_string()));
    w.insert("Message".to_owned(), Value::String(error.message.clone()));
    if let Some(reason) = &error.reason {
        w.insert("Reason".to_owned(), Value::String(reason.to_string()));
    }
    Value::Object(w).to_string()
}
