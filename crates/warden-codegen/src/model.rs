//! The parts of a botocore service model the generator reads, parsed so that member order is the
//! model's (XML output lists members in model order; `serde_json::Value` would sort them).

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result, bail};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose objects keep their member order.
#[derive(Debug, Clone)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Json::String(s)) => Some(s),
            _ => None,
        }
    }
    pub fn bool(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Json::Bool(true)))
    }
    pub fn num(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Json::Number(n)) => Some(*n),
            _ => None,
        }
    }
    pub fn members(&self) -> &[(String, Json)] {
        match self {
            Json::Object(members) => members,
            _ => &[],
        }
    }
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Json::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    members.push((k, v));
                }
                Ok(Json::Object(members))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Boolean,
    Timestamp,
    Blob,
    Double,
    Float,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub shape: String,
    /// The member's XML/query name when it differs from `name`.
    pub location_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ErrorTrait {
    pub code: String,
    pub status: u16,
    pub sender_fault: bool,
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub kind: Kind,
    pub members: Vec<Member>,
    pub required: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    pub enum_values: Vec<String>,
    pub sensitive: bool,
    pub exception: Option<ErrorTrait>,
    /// List member (or map value) shape and its location name.
    pub member: Option<Member>,
    pub key: Option<Member>,
    pub flattened: bool,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub input: Option<String>,
    pub output: Option<String>,
    pub result_wrapper: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub api_version: String,
    /// Query services: the XML namespace of responses.
    pub namespace: String,
    pub protocol: String,
    /// JSON services: the `X-Amz-Target` prefix (`AWSOrganizationsV20161128`).
    pub target_prefix: String,
    pub operations: Vec<Operation>,
    pub shapes: BTreeMap<String, Shape>,
}

impl Model {
    pub fn parse(text: &str) -> Result<Model> {
        let json: Json = serde_json::from_str(text).context("model is not JSON")?;
        let metadata = json.get("metadata").context("model has no metadata")?;
        let api_version = metadata
            .str("apiVersion")
            .context("no apiVersion")?
            .to_owned();
        let protocol = metadata.str("protocol").context("no protocol")?.to_owned();
        let namespace = metadata.str("xmlNamespace").unwrap_or("").to_owned();
        let target_prefix = metadata.str("targetPrefix").unwrap_or("").to_owned();
        if protocol == "query" && namespace.is_empty() {
            bail!("a query model needs an xmlNamespace");
        }
        if protocol == "json" && target_prefix.is_empty() {
            bail!("a json model needs a targetPrefix");
        }

        let mut shapes = BTreeMap::new();
        for (name, s) in json.get("shapes").context("no shapes")?.members() {
            shapes.insert(name.clone(), parse_shape(name, s, &protocol)?);
        }
        let mut operations = Vec::new();
        for (name, o) in json.get("operations").context("no operations")?.members() {
            let input = o
                .get("input")
                .and_then(|i| i.str("shape"))
                .map(str::to_owned);
            let output_json = o.get("output");
            let output = output_json.and_then(|i| i.str("shape")).map(str::to_owned);
            let result_wrapper = output_json
                .and_then(|i| i.str("resultWrapper"))
                .map(str::to_owned);
            operations.push(Operation {
                name: name.clone(),
                input,
                output,
                result_wrapper,
            });
        }
        operations.sort_by(|a, b| a.name.cmp(&b.name));
        let model = Model {
            api_version,
            namespace,
            protocol,
            target_prefix,
            operations,
            shapes,
        };
        model.check()?;
        Ok(model)
    }

    pub fn shape(&self, name: &str) -> Result<&Shape> {
        self.shapes
            .get(name)
            .with_context(|| format!("unknown shape `{name}`"))
    }

    fn check(&self) -> Result<()> {
        if self.protocol != "query" && self.protocol != "json" {
            bail!("protocol `{}` is not supported", self.protocol);
        }
        for shape in self.shapes.values() {
            for m in shape.members.iter().chain(&shape.member).chain(&shape.key) {
                self.shape(&m.shape)?;
            }
        }
        for op in &self.operations {
            for s in op.input.iter().chain(&op.output) {
                if self.shape(s)?.kind != Kind::Structure {
                    bail!("operation {} has a non-structure input or output", op.name);
                }
            }
        }
        Ok(())
    }
}

fn member(name: &str, j: &Json) -> Result<Member> {
    Ok(Member {
        name: name.to_owned(),
        shape: j
            .str("shape")
            .with_context(|| format!("member `{name}` has no shape"))?
            .to_owned(),
        location_name: j.str("locationName").map(str::to_owned),
    })
}

fn parse_shape(name: &str, s: &Json, protocol: &str) -> Result<Shape> {
    let kind = match s.str("type") {
        Some("structure") => Kind::Structure,
        Some("list") => Kind::List,
        Some("map") => Kind::Map,
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("long") => Kind::Long,
        Some("boolean") => Kind::Boolean,
        Some("timestamp") => Kind::Timestamp,
        Some("blob") => Kind::Blob,
        Some("double") => Kind::Double,
        Some("float") => Kind::Float,
        other => bail!("shape `{name}` has unsupported type {other:?}"),
    };
    let mut members = Vec::new();
    for (m, j) in s.get("members").map(Json::members).unwrap_or_default() {
        members.push(member(m, j)?);
    }
    let list_member = match (kind, s.get("member"), s.get("value")) {
        (Kind::List, Some(j), _) => Some(member("member", j)?),
        (Kind::Map, _, Some(j)) => Some(member("value", j)?),
        (Kind::List | Kind::Map, _, _) => bail!("shape `{name}` has no member/value"),
        _ => None,
    };
    let key = match s.get("key") {
        Some(j) if kind == Kind::Map => Some(member("key", j)?),
        _ => None,
    };
    let exception = if s.bool("exception") || s.get("error").is_some() {
        let e = s.get("error");
        // JSON services name an error by its shape (`__type`); Query services by the error
        // trait's code, or the shape name without `Exception`.
        let code = match e.and_then(|e| e.str("code")) {
            Some(code) if protocol != "json" => code.to_owned(),
            _ if protocol == "json" => name.to_owned(),
            _ => name.strip_suffix("Exception").unwrap_or(name).to_owned(),
        };
        let status = e
            .and_then(|e| e.num("httpStatusCode"))
            .map(|n| n as u16)
            .unwrap_or(400);
        // Without an error trait the shape is a 400, a client error; with one, `senderFault`
        // absent means the service is at fault (ServiceFailure, PolicyEvaluation: both 500).
        let sender_fault = e.is_none_or(|e| e.bool("senderFault"));
        Some(ErrorTrait {
            code,
            status,
            sender_fault,
        })
    } else {
        None
    };
    Ok(Shape {
        name: name.to_owned(),
        kind,
        members,
        required: s.strings("required"),
        min: s.num("min").map(|n| n as i64),
        max: s.num("max").map(|n| n as i64),
        pattern: s.str("pattern").map(str::to_owned),
        enum_values: s.strings("enum"),
        sensitive: s.bool("sensitive"),
        exception,
        member: list_member,
        key,
        flattened: s.bool("flattened"),
    })
}
