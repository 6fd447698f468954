//! The runtime the generated service modules call: Query decoding with the model's validation,
//! and XML encoding. Generated code is data (rule tables) and one call per member; the logic is
//! here, written once.

use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;
use regex::Regex;
use time::OffsetDateTime;

use crate::error::{ServiceError, common};
use crate::params::Params;
use crate::xml::{escape_attribute_into, escape_into, percent_encode_into};

// ---------------------------------------------------------------------------------------------
// Rules

/// A model regex, compiled on first use. `source` is the model's text (AWS quotes it in
/// validation messages); `regex` is its translation for the `regex` crate, anchored.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    regex: &'static str,
    /// A substring a value must not contain (for a Java lookahead the regex crate lacks).
    reject: Option<&'static str>,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    pub const fn new(
        source: &'static str,
        regex: &'static str,
        reject: Option<&'static str>,
    ) -> Self {
        Pattern {
            source,
            regex,
            reject,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern as the model writes it.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Compiles the pattern (tests check every model pattern compiles).
    pub fn compile(&self) -> Result<Regex, regex::Error> {
        Regex::new(self.regex)
    }

    pub fn is_match(&self, value: &str) -> bool {
        if self.reject.is_some_and(|r| value.contains(r)) {
            return false;
        }
        // a pattern that does not compile cannot reject anything; tests prove none exists
        match self.compiled.get_or_init(|| self.compile().ok()) {
            Some(re) => re.is_match(value),
            None => true,
        }
    }
}

/// What the model says about a value: constraints, and how it is named on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Minimum length (strings, blobs, lists, maps) or value (numbers).
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<&'static Pattern>,
    pub enum_values: &'static [&'static str],
    /// Never quoted in messages.
    pub sensitive: bool,
    /// Percent-encoded in responses (policy documents).
    pub url_encoded: bool,
    /// A list's items are `Name.N` instead of `Name.member.N`.
    pub flattened: bool,
    /// A list's items, or a map's values.
    pub member: Option<&'static Rules>,
    /// A map's keys.
    pub key: Option<&'static Rules>,
    pub member_name: &'static str,
    pub key_name: &'static str,
    pub value_name: &'static str,
}

impl Rules {
    pub const NONE: Rules = Rules {
        min: None,
        max: None,
        pattern: None,
        enum_values: &[],
        sensitive: false,
        url_encoded: false,
        flattened: false,
        member: None,
        key: None,
        member_name: "member",
        key_name: "key",
        value_name: "value",
    };

    pub const fn min(self, min: i64) -> Rules {
        Rules {
            min: Some(min),
            ..self
        }
    }
    pub const fn max(self, max: i64) -> Rules {
        Rules {
            max: Some(max),
            ..self
        }
    }
    pub const fn pattern(self, pattern: &'static Pattern) -> Rules {
        Rules {
            pattern: Some(pattern),
            ..self
        }
    }
    pub const fn enum_values(self, enum_values: &'static [&'static str]) -> Rules {
        Rules {
            enum_values,
            ..self
        }
    }
    pub const fn sensitive(self) -> Rules {
        Rules {
            sensitive: true,
            ..self
        }
    }
    pub const fn url_encoded(self) -> Rules {
        Rules {
            url_encoded: true,
            ..self
        }
    }
    pub const fn flattened(self) -> Rules {
        Rules {
            flattened: true,
            ..self
        }
    }
    pub const fn member(self, member: &'static Rules) -> Rules {
        Rules {
            member: Some(member),
            ..self
        }
    }
    pub const fn key(self, key: &'static Rules) -> Rules {
        Rules {
            key: Some(key),
            ..self
        }
    }
    pub const fn member_name(self, member_name: &'static str) -> Rules {
        Rules {
            member_name,
            ..self
        }
    }
    pub const fn key_name(self, key_name: &'static str) -> Rules {
        Rules { key_name, ..self }
    }
    pub const fn value_name(self, value_name: &'static str) -> Rules {
        Rules { value_name, ..self }
    }

    fn member_rules(&self) -> &Rules {
        self.member.unwrap_or(&Rules::NONE)
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A structure the Query protocol can carry in a request.
pub trait DecodeStruct: Sized + Default + std::fmt::Debug {
    /// Reads every member under the decoder's current name.
    fn decode_members(d: &mut Decoder<'_>) -> Self;
}

/// A value a request can carry.
pub trait Decode: Sized {
    /// Reads the value at the decoder's current name; `None` when the request has none.
    fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self>;
    /// What a required member holds when it is missing (the request fails anyway).
    fn missing() -> Self;
    /// The value as AWS quotes it in a validation message.
    fn describe(&self, out: &mut String);
    /// Whether messages quote the value. Structures (and lists of them) are not quoted: AWS
    /// would print its own object rendering, which Warden has no faithful equivalent of.
    const QUOTED: bool = true;
}

/// The rules to report a collection's failures with: unquoted when its items are not quoted.
fn collection_rules<T: Decode>(rules: &Rules) -> Rules {
    if T::QUOTED { *rules } else { rules.sensitive() }
}

/// Walks a request's parameters, collecting every constraint failure.
#[derive(Debug)]
pub struct Decoder<'p> {
    params: &'p Params,
    /// Wire name of the current value: `Tags.member.1.Key`.
    key: String,
    /// Its name in validation messages: `tags.1.member.key`.
    path: String,
    problems: Vec<String>,
    malformed: Vec<String>,
}

impl<'p> Decoder<'p> {
    pub fn new(params: &'p Params) -> Self {
        Decoder {
            params,
            key: String::with_capacity(64),
            path: String::with_capacity(64),
            problems: Vec::new(),
            malformed: Vec::new(),
        }
    }

    /// Decodes an operation's input structure.
    pub fn input<T: DecodeStruct>(&mut self) -> T {
        T::decode_members(self)
    }

    /// A required member: absent is a `Member must not be null` failure.
    pub fn req<T: Decode>(&mut self, wire: &str, path: &str, rules: &Rules) -> T {
        let mark = self.enter(wire, path);
        let value = match T::decode(self, rules) {
            Some(v) => v,
            None => {
                self.problems.push(format!(
                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                    self.path
                ));
                T::missing()
            }
        };
        self.leave(mark);
        value
    }

    /// An optional member.
    pub fn opt<T: Decode>(&mut self, wire: &str, path: &str, rules: &Rules) -> Option<T> {
        let mark = self.enter(wire, path);
        let value = T::decode(self, rules);
        self.leave(mark);
        value
    }

    /// The outcome: `MalformedInput` when a value could not be read as its type, otherwise
    /// `ValidationError` listing every constraint failure.
    pub fn finish(self) -> Result<(), ServiceError> {
        if let Some(first) = self.malformed.into_iter().next() {
            return Err(ServiceError::new(common::MALFORMED_INPUT, first));
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::validation(&self.problems))
        }
    }

    fn enter(&mut self, wire: &str, path: &str) -> (usize, usize) {
        let mark = (self.key.len(), self.path.len());
        if !self.key.is_empty() {
            self.key.push('.');
        }
        self.key.push_str(wire);
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(path);
        mark
    }

    fn leave(&mut self, (key, path): (usize, usize)) {
        self.key.truncate(key);
        self.path.truncate(path);
    }

    /// The raw value at the current name.
    fn raw(&self) -> Option<&'p str> {
        self.params.get(&self.key)
    }

    /// Whether anything is nested under the current name (`Name.…`).
    fn has_children(&mut self) -> bool {
        let len = self.key.len();
        self.key.push('.');
        let found = self.params.has_prefix(&self.key);
        self.key.truncate(len);
        found
    }

    /// Records a constraint failure in AWS's words:
    /// `Value 'x' at 'userName' failed to satisfy constraint: Member must …`. A sensitive
    /// member's value is left out, as AWS does: `Value at 'password' failed to satisfy …`.
    ///
    /// Sources for the wording and the locations (`tags.1.member.value`: the member name with a
    /// lower-case first letter, list items as `<list>.<N>.member`): IAM errors quoted in
    /// hashicorp/terraform#23489 (2019) and SWO-GS/auto-tag#90 (2021), e.g. "1 validation error
    /// detected: Value 'a,b' at 'tags.1.member.value' failed to satisfy constraint: Member must
    /// satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*"; moto's
    /// `TaggingService` tests use the same form. Cognito's errors for its sensitive `password`
    /// show the value left out ("Value at 'password' failed to satisfy constraint: …"). A 2026
    /// IAM error (juspay/hyperswitch-suite#323) leaves out a tag value too; Warden quotes
    /// every value that the model does not mark sensitive, as the older errors do.
    fn fail(
        &mut self,
        value: &dyn Fn(&mut String),
        rules: &Rules,
        constraint: std::fmt::Arguments<'_>,
    ) {
        let mut msg = String::with_capacity(96);
        if rules.sensitive {
            msg.push_str("Value");
        } else {
            msg.push_str("Value '");
            value(&mut msg);
            msg.push('\'');
        }
        let _ = write!(
            msg,
            " at '{}' failed to satisfy constraint: Member must {constraint}",
            self.path
        );
        self.problems.push(msg);
    }

    /// Length (in characters), pattern and enum checks for a string.
    fn check_string(&mut self, v: &str, rules: &Rules) {
        let show = |out: &mut String| out.push_str(v);
        if rules.min.is_some() || rules.max.is_some() {
            let len = v.chars().count() as i64;
            self.check_length(len, &show, rules);
        }
        if let Some(p) = rules.pattern.filter(|p| !p.is_match(v)) {
            self.fail(
                &show,
                rules,
                format_args!("satisfy regular expression pattern: {}", p.source()),
            );
        }
        if !rules.enum_values.is_empty() && !rules.enum_values.contains(&v) {
            self.fail(
                &show,
                rules,
                format_args!("satisfy enum value set: [{}]", rules.enum_values.join(", ")),
            );
        }
    }

    fn check_length(&mut self, len: i64, show: &dyn Fn(&mut String), rules: &Rules) {
        if let Some(max) = rules.max.filter(|&m| len > m) {
            self.fail(
                show,
                rules,
                format_args!("have length less than or equal to {max}"),
            );
        }
        if let Some(min) = rules.min.filter(|&m| len < m) {
            self.fail(
                show,
                rules,
                format_args!("have length greater than or equal to {min}"),
            );
        }
    }

    fn check_range(&mut self, n: i64, rules: &Rules) {
        let show = |out: &mut String| {
            let _ = write!(out, "{n}");
        };
        if let Some(max) = rules.max.filter(|&m| n > m) {
            self.fail(
                &show,
                rules,
                format_args!("have value less than or equal to {max}"),
            );
        }
        if let Some(min) = rules.min.filter(|&m| n < m) {
            self.fail(
                &show,
                rules,
                format_args!("have value greater than or equal to {min}"),
            );
        }
    }

    /// A value that cannot be read as its type: AWS's Query services answer `MalformedInput`
    /// (400) before any constraint is checked; Warden reports the first such value.
    fn malformed(&mut self, message: String) {
        self.malformed.push(message);
    }

    fn not_a(&mut self, value: &str, what: &str) {
        let message = format!(
            "Value '{value}' for parameter {} is not a valid {what}",
            self.key
        );
        self.malformed(message);
    }

    /// The indices of a list's items or a map's entries under `prefix` (`Tags.member.`), in
    /// numeric order. Gaps are tolerated and indices need not arrive in order; an index that is
    /// not a positive decimal number is ignored, and of two spellings of one number (`1`, `01`)
    /// the first in name order wins.
    fn indices(&self, prefix: &str) -> Vec<(u32, &'p str)> {
        let mut found: Vec<(u32, &'p str)> = Vec::new();
        for (k, _) in self.params.with_prefix(prefix) {
            let rest = &k[prefix.len()..];
            let index = rest.split('.').next().unwrap_or(rest);
            if !index.bytes().all(|b| b.is_ascii_digit())
                || found.last().is_some_and(|l| l.1 == index)
            {
                continue;
            }
            if let Ok(n @ 1..) = index.parse::<u32>() {
                found.push((n, index));
            }
        }
        found.sort_by_key(|&(n, _)| n);
        found.dedup_by_key(|&mut (n, _)| n);
        found
    }
}

impl Decode for String {
    fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self> {
        let v = d.raw()?;
        d.check_string(v, rules);
        Some(v.to_owned())
    }
    fn missing() -> Self {
        String::new()
    }
    fn describe(&self, out: &mut String) {
        out.push_str(self);
    }
}

macro_rules! decode_number {
    ($t:ty, $what:literal) => {
        impl Decode for $t {
            fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self> {
                let v = d.raw()?;
                match v.parse::<$t>() {
                    Ok(n) => {
                        d.check_range(i64::from(n), rules);
                        Some(n)
                    }
                    Err(_) => {
                        d.not_a(v, $what);
                        Some(0)
                    }
                }
            }
            fn missing() -> Self {
                0
            }
            fn describe(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    };
}
decode_number!(i32, "integer");
decode_number!(i64, "long");

/// An XML Schema 1.1 boolean, case-sensitive: `true`, `false`, `1`, `0`. Anything else is
/// `MalformedInput` with AWS's texts ("boolean must follow xsd1.1 definition"; an empty value,
/// "missing value for boolean type"), as probed against AWS's Query services by the floci
/// emulator's SES tests (floci: `SesV1AttributesTest`, 2026-09-05).
impl Decode for bool {
    fn decode(d: &mut Decoder<'_>, _rules: &Rules) -> Option<Self> {
        let v = d.raw()?;
        match v {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            "" => {
                d.malformed("missing value for boolean type".to_owned());
                Some(false)
            }
            _ => {
                d.malformed("boolean must follow xsd1.1 definition".to_owned());
                Some(false)
            }
        }
    }
    fn missing() -> Self {
        false
    }
    fn describe(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! decode_float {
    ($t:ty) => {
        impl Decode for $t {
            fn decode(d: &mut Decoder<'_>, _rules: &Rules) -> Option<Self> {
                let v = d.raw()?;
                match v.parse::<$t>() {
                    Ok(n) if n.is_finite() => Some(n),
                    _ => {
                        d.not_a(v, "number");
                        Some(0.0)
                    }
                }
            }
            fn missing() -> Self {
                0.0
            }
            fn describe(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    };
}
decode_float!(f64);
decode_float!(f32);

/// ISO 8601 (what the SDKs send: `2026-11-22T10:00:00Z`, with or without fractional seconds),
/// or seconds since the epoch.
pub fn parse_timestamp(v: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(v, &Iso8601::DEFAULT) {
        return Some(t);
    }
    let secs: i64 = v.split('.').next()?.parse().ok()?;
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

impl Decode for OffsetDateTime {
    fn decode(d: &mut Decoder<'_>, _rules: &Rules) -> Option<Self> {
        let v = d.raw()?;
        match parse_timestamp(v) {
            Some(t) => Some(t),
            None => {
                d.not_a(v, "timestamp");
                Some(OffsetDateTime::UNIX_EPOCH)
            }
        }
    }
    fn missing() -> Self {
        OffsetDateTime::UNIX_EPOCH
    }
    fn describe(&self, out: &mut String) {
        write_timestamp(out, *self);
    }
}

/// A blob: base64 on the wire.
impl Decode for Vec<u8> {
    fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self> {
        let v = d.raw()?;
        match base64::engine::general_purpose::STANDARD.decode(v) {
            Ok(bytes) => {
                d.check_length(
                    bytes.len() as i64,
                    &|out: &mut String| out.push_str(v),
                    rules,
                );
                Some(bytes)
            }
            Err(_) => {
                d.not_a(v, "base64 value");
                Some(Vec::new())
            }
        }
    }
    fn missing() -> Self {
        Vec::new()
    }
    fn describe(&self, out: &mut String) {
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(self));
    }
}

impl<T: DecodeStruct> Decode for T {
    fn decode(d: &mut Decoder<'_>, _rules: &Rules) -> Option<Self> {
        if !d.has_children() {
            return None;
        }
        Some(T::decode_members(d))
    }
    fn missing() -> Self {
        T::default()
    }
    fn describe(&self, _out: &mut String) {}
    const QUOTED: bool = false;
}

fn describe_list<T: Decode>(items: &[T]) -> impl Fn(&mut String) + '_ {
    move |out: &mut String| {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            item.describe(out);
        }
        out.push(']');
    }
}

/// A list: `Name.member.N` (N from 1), or `Name.N` when flattened; an empty list is `Name=`.
impl<T: Decode> Decode for Vec<T> {
    fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self> {
        let present_empty = d.raw().is_some();
        if !d.has_children() {
            return present_empty.then(|| {
                d.check_length(0, &describe_list::<T>(&[]), &collection_rules::<T>(rules));
                Vec::new()
            });
        }
        let base = (d.key.len(), d.path.len());
        d.key.push('.');
        if !rules.flattened {
            d.key.push_str(rules.member_name);
            d.key.push('.');
        }
        let prefix = d.key.clone();
        let mut items = Vec::new();
        for (_, index) in d.indices(&prefix) {
            d.key.truncate(prefix.len());
            d.key.push_str(index);
            d.path.truncate(base.1);
            let _ = write!(d.path, ".{index}.{}", rules.member_name);
            if let Some(item) = T::decode(d, rules.member_rules()) {
                items.push(item);
            }
        }
        d.leave(base);
        d.check_length(
            items.len() as i64,
            &describe_list(&items),
            &collection_rules::<T>(rules),
        );
        Some(items)
    }
    fn missing() -> Self {
        Vec::new()
    }
    fn describe(&self, out: &mut String) {
        describe_list(self)(out);
    }
    const QUOTED: bool = T::QUOTED;
}

/// A map: `Name.entry.N.key` / `Name.entry.N.value` (or the model's names), in index order.
impl<K: Decode, V: Decode> Decode for Vec<(K, V)> {
    fn decode(d: &mut Decoder<'_>, rules: &Rules) -> Option<Self> {
        let present_empty = d.raw().is_some();
        if !d.has_children() {
            return present_empty.then(Vec::new);
        }
        let base = (d.key.len(), d.path.len());
        d.key.push('.');
        if !rules.flattened {
            d.key.push_str("entry.");
        }
        let prefix = d.key.clone();
        let mut entries = Vec::new();
        for (_, index) in d.indices(&prefix) {
            d.key.truncate(prefix.len());
            d.key.push_str(index);
            d.path.truncate(base.1);
            let _ = write!(d.path, ".{index}.entry");
            let k = d.opt::<K>(rules.key_name, "key", rules.key.unwrap_or(&Rules::NONE));
            let v = d.opt::<V>(rules.value_name, "value", rules.member_rules());
            if let (Some(k), Some(v)) = (k, v) {
                entries.push((k, v));
            }
        }
        d.leave(base);
        let n = entries.len() as i64;
        if rules.min.is_some_and(|m| n < m) || rules.max.is_some_and(|m| n > m) {
            let show = |out: &mut String| {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.describe(out);
                    out.push('=');
                    v.describe(out);
                }
                out.push('}');
            };
            d.check_length(n, &show, &collection_rules::<V>(rules));
        }
        Some(entries)
    }
    fn missing() -> Self {
        Vec::new()
    }
    fn describe(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            k.describe(out);
            out.push('=');
            v.describe(out);
        }
        out.push('}');
    }
}

/// The operation a request names, after checking its `Version`.
///
/// AWS's answers: no `Version` → `MissingParameter`; a version the service does not have, or an
/// action it does not have in that version → `InvalidAction` "Could not find operation X for
/// version V".
pub fn operation<O>(
    action: &str,
    params: &Params,
    api_version: &str,
    from_name: fn(&str) -> Option<O>,
) -> Result<O, ServiceError> {
    let version = match params.version() {
        Some(v) => v,
        None => {
            return Err(ServiceError::new(
                common::MISSING_PARAMETER,
                "The request must contain the parameter Version",
            ));
        }
    };
    match from_name(action) {
        Some(op) if version == api_version => Ok(op),
        _ => Err(ServiceError::invalid_action(action, version)),
    }
}

/// The request's `Action`, or AWS's `MissingAction` error.
pub fn action(params: &Params) -> Result<&str, ServiceError> {
    params.action().ok_or_else(ServiceError::missing_action)
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// A structure a response can carry.
pub trait EncodeStruct {
    /// Writes every member, in model order, as child elements.
    fn encode_members(&self, w: &mut String);
}

/// A value a response can carry, written as the element `name`.
pub trait Encode {
    fn encode(&self, w: &mut String, name: &str, rules: &Rules);
}

/// Writes one member (generated code calls this once per member).
#[inline]
pub fn encode<T: Encode + ?Sized>(w: &mut String, name: &str, value: &T, rules: &Rules) {
    value.encode(w, name, rules);
}

fn open(w: &mut String, name: &str) {
    w.push('<');
    w.push_str(name);
    w.push('>');
}

fn close(w: &mut String, name: &str) {
    w.push_str("</");
    w.push_str(name);
    w.push('>');
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut String, name: &str, rules: &Rules) {
        if let Some(v) = self {
            v.encode(w, name, rules);
        }
    }
}

impl Encode for String {
    fn encode(&self, w: &mut String, name: &str, rules: &Rules) {
        open(w, name);
        if rules.url_encoded {
            percent_encode_into(w, self);
        } else {
            escape_into(w, self);
        }
        close(w, name);
    }
}

macro_rules! encode_display {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, w: &mut String, name: &str, _rules: &Rules) {
                open(w, name);
                let _ = write!(w, "{self}");
                close(w, name);
            }
        }
    )*};
}
encode_display!(i32, i64, bool, f64, f32);

/// `2026-11-22T10:00:00Z`: UTC, whole seconds, as AWS writes timestamps.
pub fn write_timestamp(w: &mut String, t: OffsetDateTime) {
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    let year = t.year();
    if (0..=9999).contains(&year) {
        // the common case, without the formatting machinery (this is on every response)
        let two = |w: &mut String, n: u8| {
            w.push(char::from(b'0' + n / 10));
            w.push(char::from(b'0' + n % 10));
        };
        let year = year as u16; // 0..=9999
        two(w, (year / 100) as u8);
        two(w, (year % 100) as u8);
        w.push('-');
        two(w, u8::from(t.month()));
        w.push('-');
        two(w, t.day());
        w.push('T');
        two(w, t.hour());
        w.push(':');
        two(w, t.minute());
        w.push(':');
        two(w, t.second());
        w.push('Z');
    } else {
        let _ = write!(
            w,
            "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
    }
}

impl Encode for OffsetDateTime {
    fn encode(&self, w: &mut String, name: &str, _rules: &Rules) {
        open(w, name);
        write_timestamp(w, *self);
        close(w, name);
    }
}

/// A blob: base64.
impl Encode for Vec<u8> {
    fn encode(&self, w: &mut String, name: &str, _rules: &Rules) {
        open(w, name);
        base64::engine::general_purpose::STANDARD.encode_string(self, w);
        close(w, name);
    }
}

impl<T: EncodeStruct> Encode for T {
    fn encode(&self, w: &mut String, name: &str, _rules: &Rules) {
        open(w, name);
        self.encode_members(w);
        close(w, name);
    }
}

/// A list: `<Name><member>…</member>…</Name>`; empty, `<Name/>` (as IAM writes `<Users/>`).
/// Flattened lists repeat `<Name>` per item.
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut String, name: &str, rules: &Rules) {
        if rules.flattened {
            for item in self {
                item.encode(w, name, rules.member_rules());
            }
            return;
        }
        if self.is_empty() {
            w.push('<');
            w.push_str(name);
            w.push_str("/>");
            return;
        }
        open(w, name);
        for item in self {
            item.encode(w, rules.member_name, rules.member_rules());
        }
        close(w, name);
    }
}

/// A map: `<Name><entry><key>…</key><value>…</value></entry>…</Name>`.
impl<K: Encode, V: Encode> Encode for Vec<(K, V)> {
    fn encode(&self, w: &mut String, name: &str, rules: &Rules) {
        if self.is_empty() {
            w.push('<');
            w.push_str(name);
            w.push_str("/>");
            return;
        }
        if !rules.flattened {
            open(w, name);
        }
        for (k, v) in self {
            open(w, if rules.flattened { name } else { "entry" });
            k.encode(w, rules.key_name, rules.key.unwrap_or(&Rules::NONE));
            v.encode(w, rules.value_name, rules.member_rules());
            close(w, if rules.flattened { name } else { "entry" });
        }
        if !rules.flattened {
            close(w, name);
        }
    }
}

/// `<{Op}Response xmlns="…"><{Op}Result>…</{Op}Result><ResponseMetadata>…</ResponseMetadata>
/// </{Op}Response>`.
pub fn result_xml<T: EncodeStruct>(
    namespace: &str,
    operation: &str,
    wrapper: &str,
    value: &T,
    request_id: &str,
) -> String {
    let mut w = String::with_capacity(1024);
    open_response(&mut w, namespace, operation);
    open(&mut w, wrapper);
    value.encode_members(&mut w);
    close(&mut w, wrapper);
    close_response(&mut w, operation, request_id);
    w
}

/// The response of an operation without output: only the request id.
pub fn empty_xml(namespace: &str, operation: &str, request_id: &str) -> String {
    let mut w = String::with_capacity(256);
    open_response(&mut w, namespace, operation);
    close_response(&mut w, operation, request_id);
    w
}

fn open_response(w: &mut String, namespace: &str, operation: &str) {
    w.push('<');
    w.push_str(operation);
    w.push_str("Response xmlns=\"");
    escape_attribute_into(w, namespace);
    w.push_str("\">");
}

fn close_response(w: &mut String, operation: &str, request_id: &str) {
    w.push_str("<ResponseMetadata><RequestId>");
    escape_into(w, request_id);
    w.push_str("</RequestId></ResponseMetadata></");
    w.push_str(operation);
    w.push_str("Response>");
}

/// Stands in for a secret in `Debug` output.
#[derive(Clone, Copy)]
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
