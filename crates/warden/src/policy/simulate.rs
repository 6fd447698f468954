//! `warden policy simulate --batch FILE`: one JSON case per line in, one JSON decision per line
//! out, in input order.
//!
//! A case:
//! `{"id", "request": {"principal", "action", "resource", "resource_account"?, "context"?},
//!   "identity_policies": [..], "permissions_boundary"?, "session_policy"?, "resource_policy"?,
//!   "scps"?: [[..], ..], "rcps"?: [[..], ..], "resource_policy_required"?: bool}`.
//! Policies are JSON objects, strings holding policy JSON, or the ARN of an AWS managed policy
//! (`"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"`). An invalid case gives
//! `{"id", "error"}` and the stream goes on.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Map, Value, json};
use warden_policy::json::Json;
use warden_policy::{
    CompiledPolicy, Decision, Policies, PolicyDocument, PolicySet, Principal, RequestContext,
    evaluate,
};

pub fn run(batch: &Path) -> anyhow::Result<ExitCode> {
    let input = super::open_input(batch)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        serde_json::to_writer(&mut out, &simulate_line(&line))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Decides one case; never fails: a bad case becomes an `error` line.
pub fn simulate_line(line: &str) -> Value {
    let json = match Json::parse(line) {
        Ok(json) => json,
        Err(e) => return json!({"id": Value::Null, "error": format!("invalid JSON: {e}")}),
    };
    let id = match &json {
        Json::Object(members) => member(members, "id").map_or(Value::Null, to_value),
        _ => Value::Null,
    };
    match Case::read(&json) {
        Ok(case) => Value::Object(case.decide(id)),
        Err(error) => json!({"id": id, "error": error}),
    }
}

struct Case {
    ctx: RequestContext,
    identity: PolicySet,
    boundary: Option<PolicySet>,
    session: Option<PolicySet>,
    resource: Option<PolicySet>,
    scps: Vec<PolicySet>,
    rcps: Vec<PolicySet>,
    resource_policy_required: bool,
}

const CASE_KEYS: [&str; 10] = [
    "id",
    "request",
    "identity_policies",
    "permissions_boundary",
    "session_policy",
    "resource_policy",
    "scps",
    "rcps",
    "resource_policy_required",
    "comment",
];
const REQUEST_KEYS: [&str; 5] = [
    "principal",
    "action",
    "resource",
    "resource_account",
    "context",
];

impl Case {
    fn read(json: &Json) -> Result<Case, String> {
        let Json::Object(members) = json else {
            return Err(format!(
                "a case must be a JSON object, not {}",
                json.type_name()
            ));
        };
        check_keys(members, &CASE_KEYS, "case")?;
        let request = member(members, "request").ok_or("the case has no `request`")?;
        let ctx = read_request(request)?;
        let identity = match member(members, "identity_policies") {
            Some(list) => policy_set(list, "identity_policies")?,
            None => return Err("the case has no `identity_policies` (use [] for none)".into()),
        };
        let single = |key: &str| -> Result<Option<PolicySet>, String> {
            member(members, key)
                .map(|p| Ok(PolicySet::new([compile(p, key)?])))
                .transpose()
        };
        let levels = |key: &str| -> Result<Vec<PolicySet>, String> {
            match member(members, key) {
                None => Ok(Vec::new()),
                Some(Json::Array(levels)) => levels
                    .iter()
                    .enumerate()
                    .map(|(i, level)| policy_set(level, &format!("{key}[{i}]")))
                    .collect(),
                Some(other) => Err(format!(
                    "`{key}` must be an array of policy arrays (one per organization level), not {}",
                    other.type_name()
                )),
            }
        };
        let resource_policy_required = match member(members, "resource_policy_required") {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                return Err(format!(
                    "`resource_policy_required` must be a boolean, not {}",
                    other.type_name()
                ));
            }
        };
        Ok(Case {
            ctx,
            identity,
            boundary: single("permissions_boundary")?,
            session: single("session_policy")?,
            resource: single("resource_policy")?,
            scps: levels("scps")?,
            rcps: levels("rcps")?,
            resource_policy_required,
        })
    }

    fn decide(self, id: Value) -> Map<String, Value> {
        let decision = evaluate(
            &self.ctx,
            &Policies {
                identity: Some(&self.identity),
                resource: self.resource.as_ref(),
                permissions_boundary: self.boundary.as_ref(),
                session: self.session.as_ref(),
                scps: &self.scps,
                rcps: &self.rcps,
                resource_policy_required: self.resource_policy_required,
            },
        );
        decision_json(id, &decision, &self.ctx)
    }
}

fn decision_json(id: Value, d: &Decision<'_>, ctx: &RequestContext) -> Map<String, Value> {
    let matched: Vec<Value> = d
        .matched_statements
        .iter()
        .map(|m| {
            let mut s = Map::new();
            s.insert("policy_type".into(), m.policy_type.as_str().into());
            if matches!(
                m.policy_type,
                warden_policy::PolicyType::ServiceControl
                    | warden_policy::PolicyType::ResourceControl
            ) {
                s.insert("level".into(), m.level.into());
            }
            s.insert("policy_index".into(), m.policy_index.into());
            s.insert("statement_index".into(), m.statement_index.into());
            s.insert("sid".into(), m.sid.map_or(Value::Null, Value::from));
            s.insert("effect".into(), m.effect.to_string().into());
            Value::Object(s)
        })
        .collect();
    let mut out = Map::new();
    out.insert("id".into(), id);
    out.insert("decision".into(), d.outcome.as_str().into());
    out.insert("matched_statements".into(), matched.into());
    out.insert(
        "missing_context_values".into(),
        d.missing_context_keys
            .iter()
            .map(|k| Value::from(*k))
            .collect::<Vec<_>>()
            .into(),
    );
    if let Some(t) = d.decided_by {
        out.insert("decided_by".into(), t.as_str().into());
    }
    if let Some(message) = d.denial_message(ctx) {
        out.insert("message".into(), message.into());
    }
    out
}

fn read_request(json: &Json) -> Result<RequestContext, String> {
    let Json::Object(members) = json else {
        return Err(format!(
            "`request` must be an object, not {}",
            json.type_name()
        ));
    };
    check_keys(members, &REQUEST_KEYS, "request")?;
    let string = |key: &str| -> Result<Option<&str>, String> {
        match member(members, key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!(
                "`request.{key}` must be a string, not {}",
                other.type_name()
            )),
        }
    };
    let principal = string("principal")?.ok_or("`request` has no `principal`")?;
    let principal = Principal::parse(principal).map_err(|e| format!("`request.principal`: {e}"))?;
    let action = string("action")?.ok_or("`request` has no `action`")?;
    if action.is_empty() {
        return Err("`request.action` is empty".into());
    }
    let resource = string("resource")?.ok_or("`request` has no `resource`")?;
    let account = string("resource_account")?.map(str::to_owned);
    let mut ctx = RequestContext::new(principal, action, resource).with_resource_account(account);
    match member(members, "context") {
        None => {}
        Some(Json::Object(keys)) => {
            for (key, value) in keys {
                let values = match value {
                    Json::Array(items) => items
                        .iter()
                        .map(|v| context_value(key, v))
                        .collect::<Result<Vec<_>, _>>()?,
                    single => vec![context_value(key, single)?],
                };
                ctx.insert(key, values);
            }
        }
        Some(other) => {
            return Err(format!(
                "`request.context` must be an object, not {}",
                other.type_name()
            ));
        }
    }
    Ok(ctx)
}

fn context_value(key: &str, json: &Json) -> Result<String, String> {
    json.scalar_text().ok_or_else(|| {
        format!(
            "context key `{key}`: values must be strings or arrays of strings, not {}",
            json.type_name()
        )
    })
}

fn policy_set(json: &Json, what: &str) -> Result<PolicySet, String> {
    let Json::Array(items) = json else {
        return Err(format!(
            "`{what}` must be an array of policies, not {}",
            json.type_name()
        ));
    };
    let policies = items
        .iter()
        .enumerate()
        .map(|(i, p)| compile(p, &format!("{what}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicySet::new(policies))
}

fn compile(json: &Json, what: &str) -> Result<CompiledPolicy, String> {
    let doc = match json {
        // An AWS managed policy by ARN: its default version, from the catalog.
        Json::String(arn) if arn.starts_with("arn:") => {
            let policies = warden_catalog::aws_managed_policies().map_err(|e| e.to_string())?;
            let policy = policies
                .by_arn(arn)
                .ok_or_else(|| format!("`{what}`: `{arn}` is not an AWS managed policy"))?;
            let doc =
                PolicyDocument::parse(&policy.document).map_err(|e| format!("`{what}`: {e}"))?;
            return Ok(CompiledPolicy::compile(&doc).with_name(arn));
        }
        Json::String(text) => PolicyDocument::parse(text),
        other => PolicyDocument::from_json(other),
    }
    .map_err(|e| format!("`{what}`: {e}"))?;
    Ok(CompiledPolicy::compile(&doc).with_name(what))
}

fn member<'j>(members: &'j [(String, Json)], key: &str) -> Option<&'j Json> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn check_keys(members: &[(String, Json)], allowed: &[&str], what: &str) -> Result<(), String> {
    match members.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) => Err(format!("unknown {what} key `{k}`")),
        None => Ok(()),
    }
}

fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        Json::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_and_explains_a_case() {
        let out = simulate_line(
            r#"{"id":"c1","request":{"principal":"arn:aws:iam::111111111111:user/alice","action":"sqs:SendMessage","resource":"arn:aws:sqs:us-east-1:111111111111:orders","resource_account":"111111111111","context":{"aws:SourceIp":"10.1.2.3","aws:TagKeys":["env","team"]}},
               "identity_policies":[{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}]}"#,
        );
        assert_eq!(out["id"], "c1");
        assert_eq!(out["decision"], "allowed");
        assert_eq!(out["matched_statements"][0]["sid"], "S");
        assert_eq!(out["matched_statements"][0]["policy_type"], "identity");
        assert_eq!(out["missing_context_values"], json!([]));
    }

    #[test]
    fn aws_managed_policies_are_named_by_arn() {
        let case = |action: &str, resource: &str| {
            simulate_line(&format!(
                r#"{{"id":"s3","request":{{"principal":"arn:aws:iam::111111111111:user/alice","action":"{action}","resource":"{resource}"}},
                   "identity_policies":["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}}"#
            ))
        };
        let read = case("s3:GetObject", "arn:aws:s3:::bucket/key");
        assert_eq!(read["decision"], "allowed", "{read}");
        assert_eq!(read["matched_statements"][0]["policy_type"], "identity");
        assert_eq!(
            case("s3:ListBucket", "arn:aws:s3:::bucket")["decision"],
            "allowed"
        );
        assert_eq!(
            case("s3:PutObject", "arn:aws:s3:::bucket/key")["decision"],
            "implicitDeny"
        );
        assert_eq!(
            case("s3:DeleteBucket", "arn:aws:s3:::bucket")["decision"],
            "implicitDeny"
        );
        let unknown = simulate_line(
            r#"{"id":1,"request":{"principal":"*","action":"a:b","resource":"*"},"identity_policies":["arn:aws:iam::aws:policy/NoSuchPolicy"]}"#,
        );
        assert!(
            unknown["error"]
                .as_str()
                .is_some_and(|e| e.contains("is not an AWS managed policy")),
            "{unknown}"
        );
    }

    #[test]
    fn bad_cases_become_error_lines() {
        for (line, needle) in [
            ("not json", "invalid JSON"),
            (r#"{"id":1}"#, "no `request`"),
            (
                r#"{"id":1,"request":{"principal":"bob","action":"a:b","resource":"*"},"identity_policies":[]}"#,
                "principal `bob`",
            ),
            (
                r#"{"id":1,"request":{"principal":"*","action":"a:b","resource":"*"},"identity_policies":[{"Statement":[]}]}"#,
                "identity_policies[0]",
            ),
            (
                r#"{"id":1,"request":{"principal":"*","action":"a:b","resource":"*","context":{"k":{"a":1}}},"identity_policies":[]}"#,
                "context key `k`",
            ),
            (
                r#"{"id":1,"request":{"principal":"*","action":"a:b","resource":"*"},"identity_policies":[],"scps":[{}]}"#,
                "scps[0]",
            ),
            (
                r#"{"id":1,"request":{"principal":"*","action":"a:b","resource":"*"},"identity_policies":[],"typo":1}"#,
                "unknown case key `typo`",
            ),
        ] {
            let out = simulate_line(line);
            let error = out["error"]
                .as_str()
                .unwrap_or_else(|| panic!("no error for {line}: {out}"));
            assert!(error.contains(needle), "{error} does not contain {needle}");
        }
    }
}
