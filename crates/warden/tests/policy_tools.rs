#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! `warden policy lint|summarize|expand|generate`, run as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn warden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/lint")
        .join(name);
    path.to_str().unwrap().to_owned()
}

/// The kind each fixture is linted as; identity unless listed.
fn kind_of(code: &str) -> &'static str {
    match code {
        "PUBLIC_TRUST_POLICY" => "trust",
        _ => "identity",
    }
}

fn lint_json(kind: &str, files: &[&str]) -> (Option<i32>, Vec<Value>) {
    let mut args = vec!["policy", "lint", "--format", "json", "--kind", kind];
    args.extend(files);
    let o = warden(&args);
    let json: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)));
    (o.status.code(), json.as_array().unwrap().clone())
}

#[test]
fn each_fixture_reports_exactly_its_rule() {
    let dir = PathBuf::from(fixture(""));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if stem == "clean" {
            continue;
        }
        let code = stem.to_ascii_uppercase();
        let (status, findings) = lint_json(kind_of(&code), &[path.to_str().unwrap()]);
        let codes: Vec<&str> = findings
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, [code.as_str()], "{stem}: {findings:?}");
        let serious = matches!(
            findings[0]["type"].as_str().unwrap(),
            "ERROR" | "SECURITY_WARNING"
        );
        assert_eq!(status, Some(if serious { 1 } else { 0 }), "{stem}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixtures");
}

#[test]
fn clean_policy_has_no_findings() {
    let (status, findings) = lint_json("identity", &[&fixture("clean.json")]);
    assert_eq!(findings, Vec::<Value>::new());
    assert_eq!(status, Some(0));
    let o = warden(&["policy", "lint", &fixture("clean.json")]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn lint_json_is_one_array_over_all_files() {
    let files = [
        fixture("unknown_action.json"),
        fixture("redundant_action.json"),
    ];
    let (status, findings) = lint_json("identity", &[&files[0], &files[1]]);
    assert_eq!(status, Some(1));
    assert_eq!(findings.len(), 2);
    let f = &findings[0];
    for key in ["file", "type", "code", "path", "message", "fix"] {
        assert!(f[key].is_string(), "{key} missing in {f}");
    }
    assert_eq!(f["file"], files[0].as_str());
    assert_eq!(f["type"], "ERROR");
    assert_eq!(f["code"], "UNKNOWN_ACTION");
    assert_eq!(f["path"], "Statement[0].Action");
    assert_eq!(findings[1]["type"], "SUGGESTION");
    // Suggestions and warnings alone do not fail.
    let (status, _) = lint_json("identity", &[&files[1]]);
    assert_eq!(status, Some(0));
}

#[test]
fn lint_text_lines_and_io_errors() {
    let file = fixture("pass_role_with_star_in_resource.json");
    let o = warden(&["policy", "lint", &file]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!(
            "{file}: SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE Statement[0].Resource: "
        )),
        "{out}"
    );
    assert!(out.contains(" (fix: "), "{out}");
    assert_eq!(out.lines().count(), 1);
    let o = warden(&["policy", "lint", "/nonexistent/policy.json"]);
    assert_eq!(o.status.code(), Some(2));
    let o = warden(&["policy", "lint", "--kind", "nope", &file]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn summarize_text_and_json() {
    let file = fixture("clean.json");
    let o = warden(&["policy", "summarize", &file]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("Amazon S3 (s3)"), "{out}");
    assert!(out.contains("  Read: Limited (1 of "), "{out}");
    let o = warden(&["policy", "summarize", "--format", "json", &file]);
    assert_eq!(o.status.code(), Some(0));
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let services = json["services"].as_array().unwrap();
    let s3 = services.iter().find(|s| s["prefix"] == "s3").unwrap();
    let read = &s3["levels"][1];
    assert_eq!(read["level"], "Read");
    assert_eq!(read["access"], "limited");
    assert_eq!(
        read["resources"][0],
        "arn:aws:s3:::example-bucket/home/${aws:username}/*"
    );
    let o = warden(&["policy", "summarize", &fixture("policy_syntax.json")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn expand_lists_actions_with_levels() {
    let o = warden(&["policy", "expand", "iam:GetUser*", "iam:getuser"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "iam:GetUser\tRead\niam:GetUserPolicy\tRead\n");
    let o = warden(&[
        "policy",
        "expand",
        "--format",
        "json",
        "s3:ListAllMyBuckets",
    ]);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"action": "s3:ListAllMyBuckets", "access_level": "List"}])
    );
    let o = warden(&["policy", "expand", "s3:Teleport*"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn generate_prints_only_a_valid_policy() {
    let o = warden(&[
        "policy",
        "generate",
        "--service",
        "s3",
        "--access",
        "read,list",
        "--resource",
        "arn:aws:s3:::example-bucket/*",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["Version"], "2012-10-17");
    let statements = json["Statement"].as_array().unwrap();
    assert!(statements.iter().any(|s| s["Sid"] == "S3ReadObject"
        && s["Resource"] == "arn:aws:s3:::example-bucket/*"));
    // The output is a valid identity policy and lints without errors or security warnings.
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-s3.json");
    std::fs::write(&path, &text).unwrap();
    let o = warden(&["policy", "validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = warden(&["policy", "lint", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let o = warden(&[
        "policy",
        "generate",
        "--service",
        "nope",
        "--access",
        "read",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = warden(&[
        "policy",
        "generate",
        "--service",
        "s3",
        "--access",
        "delete",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
