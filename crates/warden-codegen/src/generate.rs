//! Emits one service module (`iam.rs`, `sts.rs`) from a model.
//!
//! The output is mostly data: structs, rule tables and one call per member into the hand-written
//! runtime (`warden_protocol::rt`), which does the decoding, validating and encoding.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Result, bail};

use crate::model::{Kind, Model, Shape};
use crate::names::{field_name, lower_first, screaming, type_name};

/// Shapes whose string values AWS percent-encodes in responses (policy documents).
const URL_ENCODED_SHAPES: &[&str] = &["policyDocumentType"];

/// Names the generated module defines or imports itself; a structure with one of these names
/// would clash.
const RESERVED: &[&str] = &[
    "Operation",
    "Request",
    "Response",
    "Handler",
    "Decoder",
    "DecodeStruct",
    "EncodeStruct",
    "Rules",
    "Pattern",
    "Params",
    "ServiceError",
    "Option",
    "Result",
    "String",
    "Vec",
    "Default",
    "OffsetDateTime",
];

/// Model patterns the `regex` crate cannot take as written (Java regex features), with an
/// equivalent: the regex, and a substring the value must not contain.
fn pattern_rewrite(model: &str) -> Option<(String, Option<&'static str>)> {
    match model {
        // "no two hyphens in a row": Java's negative lookahead `-(?!-)`; the regex crate has no
        // lookaround, so the runtime rejects "--" separately.
        "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$" => Some((
            "^(?:[a-z0-9][a-z0-9-]{1,61}[a-z0-9])$".to_owned(),
            Some("--"),
        )),
        _ => None,
    }
}

/// Translates a model (Java) regex to the `regex` crate's syntax, anchored as a full match.
/// Java's `\w`, `\d` and `\s` are ASCII-only; the regex crate's are Unicode, so they become
/// ASCII classes. Java reads `\u10000` as `\u1000` followed by `0`; the model means the
/// supplementary code point U+10000, so five- and six-digit `\u` escapes become `\x{…}`.
fn translate_pattern(model: &str) -> String {
    let chars: Vec<char> = model.chars().collect();
    let mut out = String::with_capacity(model.len() + 16);
    let mut in_class = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            let ascii = match e {
                'w' => Some("word"),
                'd' => Some("digit"),
                's' => Some("space"),
                _ => None,
            };
            if let Some(class) = ascii {
                if in_class > 0 {
                    let _ = write!(out, "[:{class}:]");
                } else {
                    let _ = write!(out, "[[:{class}:]]");
                }
                i += 2;
                continue;
            }
            if e == 'u' {
                let hex: String = chars[i + 2..]
                    .iter()
                    .take(6)
                    .take_while(|c| c.is_ascii_hexdigit())
                    .collect();
                if hex.len() > 4 && u32::from_str_radix(&hex, 16).is_ok_and(|v| v <= 0x10FFFF) {
                    let _ = write!(out, "\\x{{{hex}}}");
                    i += 2 + hex.len();
                    continue;
                }
            }
            out.push(c);
            out.push(e);
            i += 2;
            continue;
        }
        match c {
            '[' => in_class += 1,
            ']' if in_class > 0 => in_class -= 1,
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    format!("^(?:{out})$")
}

pub struct Generator<'m> {
    model: &'m Model,
    module: &'m str,
    source_file: &'m str,
    /// Structure shapes reachable from operation inputs (need decoding) and outputs (encoding).
    decoded: BTreeSet<String>,
    encoded: BTreeSet<String>,
    /// Rule tables referenced by emitted code, by shape name.
    rules_used: BTreeSet<String>,
    /// The JSON 1.1 protocol (Organizations) rather than Query.
    json: bool,
    out: String,
}

impl<'m> Generator<'m> {
    pub fn new(model: &'m Model, module: &'m str, source_file: &'m str) -> Self {
        let mut g = Generator {
            model,
            module,
            source_file,
            decoded: BTreeSet::new(),
            encoded: BTreeSet::new(),
            rules_used: BTreeSet::new(),
            json: model.protocol == "json",
            out: String::new(),
        };
        for op in &model.operations {
            if let Some(input) = &op.input {
                let mut set = std::mem::take(&mut g.decoded);
                g.reach(input, &mut set);
                g.decoded = set;
            }
            if let Some(output) = &op.output {
                let mut set = std::mem::take(&mut g.encoded);
                g.reach(output, &mut set);
                g.encoded = set;
            }
        }
        g
    }

    fn reach(&self, shape: &str, set: &mut BTreeSet<String>) {
        let Some(s) = self.model.shapes.get(shape) else {
            return;
        };
        match s.kind {
            Kind::Structure if set.insert(shape.to_owned()) => {
                for m in &s.members {
                    self.reach(&m.shape, set);
                }
            }
            Kind::List | Kind::Map => {
                for m in s.member.iter().chain(&s.key) {
                    self.reach(&m.shape, set);
                }
            }
            _ => {}
        }
    }

    fn structures(&self) -> impl Iterator<Item = &'m Shape> {
        self.model
            .shapes
            .values()
            .filter(|s| s.kind == Kind::Structure && s.exception.is_none())
    }

    /// The Rust type of a value of `shape`.
    fn rust_type(&self, shape: &str) -> Result<String> {
        let s = self.model.shape(shape)?;
        Ok(match s.kind {
            Kind::Structure => {
                if s.exception.is_some() {
                    bail!("exception shape `{shape}` used as a value");
                }
                type_name(shape)
            }
            Kind::List => {
                let Some(m) = &s.member else {
                    bail!("list `{shape}` has no member");
                };
                format!("Vec<{}>", self.rust_type(&m.shape)?)
            }
            Kind::Map => {
                let (Some(k), Some(v)) = (&s.key, &s.member) else {
                    bail!("map `{shape}` has no key or value");
                };
                format!(
                    "Vec<({}, {})>",
                    self.rust_type(&k.shape)?,
                    self.rust_type(&v.shape)?
                )
            }
            Kind::String => "String".to_owned(),
            Kind::Integer => "i32".to_owned(),
            Kind::Long => "i64".to_owned(),
            Kind::Boolean => "bool".to_owned(),
            Kind::Timestamp => "OffsetDateTime".to_owned(),
            Kind::Blob => "Vec<u8>".to_owned(),
            Kind::Double => "f64".to_owned(),
            Kind::Float => "f32".to_owned(),
        })
    }

    /// Whether a shape has anything for a rule table to say.
    fn has_rules(&self, shape: &Shape) -> bool {
        let child = |m: &Option<crate::model::Member>| {
            m.as_ref().is_some_and(|m| {
                m.location_name.is_some()
                    || self
                        .model
                        .shapes
                        .get(&m.shape)
                        .is_some_and(|s| s.kind != Kind::Structure && self.has_rules(s))
            })
        };
        shape.min.is_some()
            || shape.max.is_some()
            || shape.pattern.is_some()
            || !shape.enum_values.is_empty()
            || shape.sensitive
            || shape.flattened
            || URL_ENCODED_SHAPES.contains(&shape.name.as_str())
            || child(&shape.member)
            || child(&shape.key)
    }

    /// The expression for a shape's rule table, recording that it is used.
    fn rules_ref(&mut self, shape: &str) -> Result<String> {
        let s = self.model.shape(shape)?;
        if s.kind == Kind::Structure || !self.has_rules(s) {
            return Ok("&Rules::NONE".to_owned());
        }
        self.rules_used.insert(shape.to_owned());
        Ok(format!("&R_{}", screaming(shape)))
    }

    pub fn generate(mut self) -> Result<String> {
        self.header();
        self.errors()?;
        self.operations();
        self.requests_and_responses()?;
        self.handler()?;
        let mut structs = String::new();
        for s in self.structures().collect::<Vec<_>>() {
            structs.push_str(&self.structure(s)?);
        }
        let rules = self.rules()?;
        self.out.push_str(&structs);
        self.out.push_str(&rules);
        Ok(self.out)
    }

    fn header(&mut self) {
        let m = self.model;
        if self.json {
            let _ = write!(
                self.out,
                "// @generated by `cargo run -p warden-codegen` from models/{src}; do not edit.\n\
                 //! The `{module}` API, version {version}: typed requests and responses, decoding \
                 and encoding in the JSON 1.1 protocol, and the [`Handler`] trait.\n\
                 \n\
                 use time::OffsetDateTime;\n\
                 \n\
                 use crate::json::{{DecodeJsonStruct, EncodeJsonStruct, JsonDecoder, encode, encode_req}};\n\
                 use crate::rt::{{Pattern, Rules}};\n\
                 use crate::ServiceError;\n\
                 \n\
                 /// The `X-Amz-Target` prefix of every operation.\n\
                 pub const TARGET_PREFIX: &str = {prefix:?};\n\
                 /// The API version.\n\
                 pub const API_VERSION: &str = {version:?};\n\n",
                src = self.source_file,
                module = self.module,
                version = m.api_version,
                prefix = m.target_prefix,
            );
            return;
        }
        let _ = write!(
            self.out,
            "// @generated by `cargo run -p warden-codegen` from models/{src}; do not edit.\n\
             //! The `{module}` API, version {version}: typed requests and responses, decoding \
             from the Query protocol, XML encoding and the [`Handler`] trait.\n\
             \n\
             use time::OffsetDateTime;\n\
             \n\
             use crate::rt::{{DecodeStruct, Decoder, EncodeStruct, Pattern, Rules, encode}};\n\
             use crate::{{Params, ServiceError}};\n\
             \n\
             /// The XML namespace of responses and errors.\n\
             pub const NAMESPACE: &str = {ns:?};\n\
             /// The API version requests must name in `Version`.\n\
             pub const API_VERSION: &str = {version:?};\n\n",
            src = self.source_file,
            module = self.module,
            version = m.api_version,
            ns = m.namespace,
        );
    }

    fn errors(&mut self) -> Result<()> {
        let mut by_const: BTreeMap<String, (String, u16, bool)> = BTreeMap::new();
        for s in self.model.shapes.values() {
            if let Some(e) = &s.exception {
                let name = screaming(&e.code);
                if by_const
                    .get(&name)
                    .is_some_and(|prev| prev != &(e.code.clone(), e.status, e.sender_fault))
                {
                    bail!("two error shapes map to `{name}` differently");
                }
                by_const.insert(name, (e.code.clone(), e.status, e.sender_fault));
            }
        }
        self.out.push_str(
            "/// The errors the model declares, by code.\npub mod errors {\nuse crate::ErrorShape;\n",
        );
        for (name, (code, status, sender)) in &by_const {
            let _ = writeln!(
                self.out,
                "pub const {name}: ErrorShape = ErrorShape::new({code:?}, {status}, {sender});"
            );
        }
        let _ = writeln!(
            self.out,
            "/// Every error above.\npub const ALL: &[ErrorShape] = &[{}];\n}}\n",
            by_const.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        Ok(())
    }

    fn operations(&mut self) {
        let ops = &self.model.operations;
        self.out.push_str(
            "/// Every operation of the API.\n\
             #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
             pub enum Operation {\n",
        );
        for op in ops {
            let _ = writeln!(self.out, "{},", op.name);
        }
        self.out.push_str("}\n\nimpl Operation {\n/// Every operation, in name order.\npub const ALL: &[Operation] = &[");
        for op in ops {
            let _ = write!(self.out, "Operation::{}, ", op.name);
        }
        self.out.push_str(
            "];\n\n/// The operation an `Action` names (exact, case-sensitive).\n\
             pub fn from_name(name: &str) -> Option<Operation> {\nSome(match name {\n",
        );
        for op in ops {
            let _ = writeln!(self.out, "{:?} => Operation::{},", op.name, op.name);
        }
        self.out.push_str(
            "_ => return None,\n})\n}\n\n/// The operation's `Action` name.\n\
             pub fn name(self) -> &'static str {\nmatch self {\n",
        );
        for op in ops {
            let _ = writeln!(self.out, "Operation::{} => {:?},", op.name, op.name);
        }
        self.out.push_str(
            "}\n}\n}\n\nimpl std::fmt::Display for Operation {\n\
             fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n\
             f.write_str(self.name())\n}\n}\n\n",
        );
    }

    fn requests_and_responses(&mut self) -> Result<()> {
        let ops = &self.model.operations;
        self.out.push_str(
            "/// A decoded request: the operation and its input.\n\
             #[derive(Debug, Clone, PartialEq)]\n#[allow(clippy::large_enum_variant)]\npub enum Request {\n",
        );
        for op in ops {
            match &op.input {
                Some(i) => {
                    let _ = writeln!(self.out, "{}({}),", op.name, type_name(i));
                }
                None => {
                    let _ = writeln!(self.out, "{},", op.name);
                }
            }
        }
        self.out.push_str(
            "}\n\nimpl Request {\n/// The request's operation.\n\
             pub fn operation(&self) -> Operation {\nmatch self {\n",
        );
        for op in ops {
            let pat = if op.input.is_some() { "(_)" } else { "" };
            let _ = writeln!(
                self.out,
                "Request::{}{pat} => Operation::{},",
                op.name, op.name
            );
        }
        self.out.push_str("}\n}\n}\n\n");

        self.out.push_str(
            "/// An operation's result.\n\
             #[derive(Debug, Clone, PartialEq)]\n#[allow(clippy::large_enum_variant)]\npub enum Response {\n",
        );
        for op in ops {
            match &op.output {
                Some(o) => {
                    let _ = writeln!(self.out, "{}({}),", op.name, type_name(o));
                }
                None => {
                    let _ = writeln!(self.out, "{},", op.name);
                }
            }
        }
        self.out.push_str(
            "}\n\nimpl Response {\n/// The response's operation.\n\
             pub fn operation(&self) -> Operation {\nmatch self {\n",
        );
        for op in ops {
            let pat = if op.output.is_some() { "(_)" } else { "" };
            let _ = writeln!(
                self.out,
                "Response::{}{pat} => Operation::{},",
                op.name, op.name
            );
        }
        if self.json {
            self.json_encode_and_decode();
            return Ok(());
        }
        self.out.push_str(
            "}\n}\n\n/// The response document AWS sends: `<{Action}Response>` with the result and \
             the request id.\npub fn to_xml(&self, request_id: &str) -> String {\nmatch self {\n",
        );
        for op in ops {
            match (&op.output, &op.result_wrapper) {
                (Some(_), wrapper) => {
                    let wrapper = wrapper
                        .clone()
                        .unwrap_or_else(|| format!("{}Result", op.name));
                    let _ = writeln!(
                        self.out,
                        "Response::{0}(o) => crate::rt::result_xml(NAMESPACE, {0:?}, {wrapper:?}, o, request_id),",
                        op.name
                    );
                }
                (None, _) => {
                    let _ = writeln!(
                        self.out,
                        "Response::{0} => crate::rt::empty_xml(NAMESPACE, {0:?}, request_id),",
                        op.name
                    );
                }
            }
        }
        self.out.push_str("}\n}\n}\n\n");

        self.out.push_str(
            "/// Decodes the parameters of a request for `action`: checks `Version`, finds the \
             operation and decodes and validates its input.\n\
             pub fn decode(action: &str, params: &Params) -> Result<Request, ServiceError> {\n\
             let op = crate::rt::operation(action, params, API_VERSION, Operation::from_name)?;\n\
             let mut d = Decoder::new(params);\n\
             let request = match op {\n",
        );
        for op in ops {
            if op.input.is_some() {
                let _ = writeln!(
                    self.out,
                    "Operation::{0} => Request::{0}(d.input()),",
                    op.name
                );
            } else {
                let _ = writeln!(self.out, "Operation::{0} => Request::{0},", op.name);
            }
        }
        self.out.push_str(
            "};\nd.finish()?;\nOk(request)\n}\n\n\
             /// Decodes a request whose action is its `Action` parameter.\n\
             pub fn decode_request(params: &Params) -> Result<Request, ServiceError> {\n\
             decode(crate::rt::action(params)?, params)\n}\n\n",
        );
        Ok(())
    }

    /// The JSON protocol's `Response::to_json` and `decode`.
    fn json_encode_and_decode(&mut self) {
        let ops = &self.model.operations;
        self.out.push_str(
            "}\n}\n\n/// The response body: the output's members as a JSON object (`{}` for none).\n\
             pub fn to_json(&self) -> String {\nmatch self {\n",
        );
        for op in ops {
            if op.output.is_some() {
                let _ = writeln!(
                    self.out,
                    "Response::{}(o) => crate::json::result_json(o),",
                    op.name
                );
            } else {
                let _ = writeln!(self.out, "Response::{} => \"{{}}\".to_owned(),", op.name);
            }
        }
        let invalid_input = self
            .model
            .shapes
            .get("InvalidInputException")
            .filter(|s| s.members.iter().any(|m| m.name == "Reason"))
            .map_or("None", |_| "Some(errors::INVALID_INPUT_EXCEPTION)");
        let _ = write!(
            self.out,
            "}}\n}}\n}}\n\n\
             /// Decodes a request: the operation its `X-Amz-Target` names, and its JSON body \
             decoded and checked against the model.\n\
             pub fn decode(target: Option<&str>, body: &[u8]) -> Result<Request, ServiceError> {{\n\
             let op = crate::json::operation(target, TARGET_PREFIX, Operation::from_name)?;\n\
             let body = crate::json::parse_body(body)?;\n\
             let mut d = JsonDecoder::new(&body);\n\
             let request = match op {{\n"
        );
        for op in ops {
            if op.input.is_some() {
                let _ = writeln!(
                    self.out,
                    "Operation::{0} => Request::{0}(d.input()),",
                    op.name
                );
            } else {
                let _ = writeln!(self.out, "Operation::{0} => Request::{0},", op.name);
            }
        }
        let _ = write!(
            self.out,
            "}};\nd.finish({invalid_input})?;\nOk(request)\n}}\n\n"
        );
    }

    fn handler(&mut self) -> Result<()> {
        let ops = &self.model.operations;
        let _ = write!(
            self.out,
            "/// The {module} operations. Every method has a body that answers `NotImplemented`, \
             so an operation nobody wrote can never seem to succeed.\n\
             pub trait Handler: Send + Sync {{\n\
             /// What every call carries: the authenticated caller, the request id, ….\n\
             type Context: Send + Sync;\n",
            module = self.module
        );
        for op in ops {
            let method = field_name(&op.name);
            let output = op
                .output
                .as_deref()
                .map(type_name)
                .unwrap_or_else(|| "()".to_owned());
            let (param, used) = match &op.input {
                Some(i) => (format!(", input: {}", type_name(i)), "(cx, input)"),
                None => (String::new(), "cx"),
            };
            let _ = write!(
                self.out,
                "/// `{name}`.\n\
                 fn {method}(&self, cx: &Self::Context{param}) -> impl Future<Output = Result<{output}, ServiceError>> + Send {{\n\
                 let _ = {used};\n\
                 async {{ Err(ServiceError::not_implemented({name:?})) }}\n}}\n",
                name = op.name
            );
        }
        self.out.push_str(
            "}\n\n/// Runs a request's operation on a handler.\n\
             pub async fn dispatch<H: Handler>(h: &H, cx: &H::Context, request: Request) -> Result<Response, ServiceError> {\n\
             match request {\n",
        );
        for op in ops {
            let method = field_name(&op.name);
            let (pat, args) = if op.input.is_some() {
                ("(input)", "cx, input")
            } else {
                ("", "cx")
            };
            let map = if op.output.is_some() {
                format!("Response::{}", op.name)
            } else {
                format!("|()| Response::{}", op.name)
            };
            let _ = writeln!(
                self.out,
                "Request::{0}{pat} => h.{method}({args}).await.map({map}),",
                op.name
            );
        }
        self.out.push_str("}\n}\n\n");
        Ok(())
    }

    fn structure(&mut self, s: &Shape) -> Result<String> {
        let name = type_name(&s.name);
        if RESERVED.contains(&name.as_str()) {
            bail!("structure `{}` clashes with a generated name", s.name);
        }
        let mut fields = Vec::new();
        let mut needs_manual_default = false;
        let mut sensitive = false;
        for m in &s.members {
            let target = self.model.shape(&m.shape)?;
            let required = s.required.contains(&m.name);
            let ty = self.rust_type(&m.shape)?;
            let ty = if required {
                ty
            } else {
                format!("Option<{ty}>")
            };
            if required && target.kind == Kind::Timestamp {
                needs_manual_default = true;
            }
            sensitive |= target.sensitive;
            fields.push((m, field_name(&m.name), ty, required, target));
        }
        let mut out = String::new();
        let mut derives = vec!["Clone", "PartialEq"];
        if !sensitive {
            derives.insert(0, "Debug");
        }
        if !needs_manual_default {
            derives.push("Default");
        }
        let _ = writeln!(
            out,
            "#[derive({})]\npub struct {name} {{",
            derives.join(", ")
        );
        for (_, field, ty, _, _) in &fields {
            let _ = writeln!(out, "pub {field}: {ty},");
        }
        out.push_str("}\n\n");

        if needs_manual_default {
            let _ = write!(
                out,
                "impl Default for {name} {{\nfn default() -> Self {{\nSelf {{\n"
            );
            for (_, field, ty, _, _) in &fields {
                if ty == "OffsetDateTime" {
                    let _ = writeln!(out, "{field}: OffsetDateTime::UNIX_EPOCH,");
                } else {
                    let _ = writeln!(out, "{field}: Default::default(),");
                }
            }
            out.push_str("}\n}\n}\n\n");
        }
        if sensitive {
            // secrets never appear in Debug output (DESIGN.md, invariant 5)
            let _ = write!(
                out,
                "impl std::fmt::Debug for {name} {{\n\
                 fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
                 f.debug_struct({name:?})\n"
            );
            for (_, field, _, _, target) in &fields {
                let plain = field.trim_start_matches("r#");
                if target.sensitive {
                    let _ = writeln!(out, ".field({plain:?}, &crate::rt::Redacted)");
                } else {
                    let _ = writeln!(out, ".field({plain:?}, &self.{field})");
                }
            }
            out.push_str(".finish()\n}\n}\n\n");
        }

        if self.json {
            self.json_impls(&mut out, &name, s, &fields)?;
            return Ok(out);
        }
        if self.decoded.contains(&s.name) {
            let d = if fields.is_empty() { "_d" } else { "d" };
            let _ = write!(
                out,
                "impl DecodeStruct for {name} {{\nfn decode_members({d}: &mut Decoder<'_>) -> Self {{\nSelf {{\n"
            );
            for (m, field, _, required, _) in &fields {
                let wire = m.location_name.as_deref().unwrap_or(&m.name);
                let rules = self.rules_ref(&m.shape)?;
                let call = if *required { "req" } else { "opt" };
                let _ = writeln!(
                    out,
                    "{field}: d.{call}({wire:?}, {path:?}, {rules}),",
                    path = lower_first(&m.name)
                );
            }
            out.push_str("}\n}\n}\n\n");
        }
        if self.encoded.contains(&s.name) {
            let w = if fields.is_empty() { "_w" } else { "w" };
            let _ = write!(
                out,
                "impl EncodeStruct for {name} {{\nfn encode_members(&self, {w}: &mut String) {{\n"
            );
            for (m, field, _, _, _) in &fields {
                let wire = m.location_name.as_deref().unwrap_or(&m.name);
                let rules = self.rules_ref(&m.shape)?;
                let _ = writeln!(out, "encode({w}, {wire:?}, &self.{field}, {rules});");
            }
            out.push_str("}\n}\n\n");
        }
        Ok(out)
    }

    /// `DecodeJsonStruct` / `EncodeJsonStruct` for a structure of a JSON service.
    fn json_impls(
        &mut self,
        out: &mut String,
        name: &str,
        s: &Shape,
        fields: &[(&crate::model::Member, String, String, bool, &Shape)],
    ) -> Result<()> {
        if self.decoded.contains(&s.name) {
            let d = if fields.is_empty() { "_d" } else { "d" };
            let _ = write!(
                out,
                "impl DecodeJsonStruct for {name} {{\nfn decode_members({d}: &mut JsonDecoder<'_>) -> Self {{\nSelf {{\n"
            );
            for (m, field, _, required, _) in fields {
                let rules = self.rules_ref(&m.shape)?;
                let call = if *required { "req" } else { "opt" };
                let _ = writeln!(
                    out,
                    "{field}: d.{call}({wire:?}, {path:?}, {rules}),",
                    wire = m.name,
                    path = lower_first(&m.name)
                );
            }
            out.push_str("}\n}\n}\n\n");
        }
        if self.encoded.contains(&s.name) {
            let w = if fields.is_empty() { "_w" } else { "w" };
            let _ = write!(
                out,
                "impl EncodeJsonStruct for {name} {{\nfn encode_members(&self, {w}: &mut serde_json::Map<String, serde_json::Value>) {{\n"
            );
            for (m, field, _, required, _) in fields {
                let call = if *required { "encode_req" } else { "encode" };
                let _ = writeln!(out, "{call}({w}, {:?}, &self.{field});", m.name);
            }
            out.push_str("}\n}\n\n");
        }
        Ok(())
    }

    fn rules(&mut self) -> Result<String> {
        // close over list members and map keys/values
        let mut todo: Vec<String> = self.rules_used.iter().cloned().collect();
        while let Some(name) = todo.pop() {
            let s = self.model.shape(&name)?;
            for m in s.member.iter().chain(&s.key) {
                let t = self.model.shape(&m.shape)?;
                if t.kind != Kind::Structure
                    && self.has_rules(t)
                    && self.rules_used.insert(m.shape.clone())
                {
                    todo.push(m.shape.clone());
                }
            }
        }
        let mut patterns: BTreeMap<String, usize> = BTreeMap::new();
        for name in &self.rules_used {
            if let Some(p) = &self.model.shape(name)?.pattern {
                let next = patterns.len();
                patterns.entry(p.clone()).or_insert(next);
            }
        }
        let mut out = String::new();
        let mut by_index: Vec<(&String, &usize)> = patterns.iter().collect();
        by_index.sort_by_key(|(_, i)| **i);
        for (model, i) in by_index {
            let (regex, reject) =
                pattern_rewrite(model).unwrap_or_else(|| (translate_pattern(model), None));
            match reject {
                Some(r) => {
                    let _ = writeln!(
                        out,
                        "static P{i}: Pattern = Pattern::new({model:?}, {regex:?}, Some({r:?}));"
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "static P{i}: Pattern = Pattern::new({model:?}, {regex:?}, None);"
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "\n/// Every model pattern this module checks (tests compile them all).\n#[doc(hidden)]\npub static PATTERNS: &[&Pattern] = &[{}];\n",
            (0..patterns.len())
                .map(|i| format!("&P{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for name in self.rules_used.clone() {
            let s = self.model.shape(&name)?;
            let mut rules = String::from("Rules::NONE");
            if let Some(min) = s.min {
                let _ = write!(rules, ".min({min})");
            }
            if let Some(max) = s.max {
                let _ = write!(rules, ".max({max})");
            }
            if let Some(p) = &s.pattern {
                let _ = write!(rules, ".pattern(&P{})", patterns[p]);
            }
            if !s.enum_values.is_empty() {
                let _ = write!(rules, ".enum_values(&{:?})", s.enum_values);
            }
            if s.sensitive {
                rules.push_str(".sensitive()");
            }
            if s.flattened {
                rules.push_str(".flattened()");
            }
            if URL_ENCODED_SHAPES.contains(&name.as_str()) {
                rules.push_str(".url_encoded()");
            }
            if let Some(m) = &s.member {
                let t = self.model.shape(&m.shape)?;
                if t.kind != Kind::Structure && self.has_rules(t) {
                    let _ = write!(rules, ".member(&R_{})", screaming(&m.shape));
                }
                if let Some(l) = &m.location_name {
                    let field = if s.kind == Kind::Map {
                        "value_name"
                    } else {
                        "member_name"
                    };
                    let _ = write!(rules, ".{field}({l:?})");
                }
            }
            if let Some(k) = &s.key {
                let t = self.model.shape(&k.shape)?;
                if t.kind != Kind::Structure && self.has_rules(t) {
                    let _ = write!(rules, ".key(&R_{})", screaming(&k.shape));
                }
                if let Some(l) = &k.location_name {
                    let _ = write!(rules, ".key_name({l:?})");
                }
            }
            let _ = writeln!(out, "static R_{}: Rules = {rules};", screaming(&name));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_translate() {
        assert_eq!(
            translate_pattern(r"[\w+=,.@-]+"),
            r"^(?:[[:word:]+=,.@-]+)$"
        );
        assert_eq!(translate_pattern(r"\d{12}"), r"^(?:[[:digit:]]{12})$");
        assert_eq!(
            translate_pattern(r"[\u0009\u10000-\u10FFFF]+"),
            r"^(?:[\u0009\x{10000}-\x{10FFFF}]+)$"
        );
        assert_eq!(translate_pattern(r"[\\w]"), r"^(?:[\\w])$");
    }
}
