#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! The `warden policy` command line, run as a user runs it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn warden(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let text = stdin.unwrap_or("").to_owned();
    // Write from another thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    output
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[test]
fn validate_reports_problems_with_locations_and_exit_status() {
    let good = file(
        "good.json",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
    );
    let bad = file(
        "bad.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"a-b","Effect":"Allow","Principal":"*","Action":"GetObject","Resource":"bucket"}]}"#,
    );
    let o = warden(&["policy", "validate", good.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("good.json: valid identity policy"));

    let o = warden(
        &[
            "policy",
            "validate",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for expected in [
        "bad.json: Statement[0].Sid:",
        "bad.json: Statement[0].Principal:",
        "[AWS: Policy document should not specify a principal.]",
        "bad.json: Statement[0].Action",
        "[AWS: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.]",
        "bad.json: Statement[0].Resource",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn validate_kinds_and_stdin() {
    let o = warden(
        &["policy", "validate", "--kind", "trust", "-"],
        Some(EC2_TRUST),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A trust policy is not a valid identity policy (it names a principal)…
    let o = warden(
        &["policy", "validate", "--kind", "identity", "-"],
        Some(EC2_TRUST),
    );
    assert_eq!(o.status.code(), Some(1));
    // …and a managed policy needs version 2012-10-17.
    let o = warden(
        &["policy", "validate", "--kind", "managed", "-"],
        Some(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("Policy document must be version 2012-10-17 or greater."));
    let o = warden(&["policy", "validate", "-"], Some("{not json"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("[AWS: Syntax errors in policy.]"));
}

#[test]
fn validate_missing_file_is_invalid_not_a_crash() {
    let o = warden(&["policy", "validate", "/nonexistent/policy.json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("cannot open"));
}

#[test]
fn simulate_writes_one_line_per_case_in_order() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/simulate.jsonl");
    let o = warden(&["policy", "simulate", "--batch", examples], None);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "c1");
    assert_eq!(lines[0]["decision"], "allowed");
    assert_eq!(lines[1]["decision"], "explicitDeny");
    assert_eq!(lines[1]["matched_statements"][1]["sid"], "NoDeletes");
    assert_eq!(lines[2]["decision"], "implicitDeny");
    assert_eq!(lines[2]["decided_by"], "permissionsBoundary");
}

#[test]
fn simulate_streams_many_cases_and_reports_bad_ones_inline() {
    let mut input = String::new();
    for i in 0..5000 {
        if i % 1000 == 7 {
            input.push_str(&format!("{{\"id\":{i},\"request\":{{}}}}\n"));
            continue;
        }
        let action = if i % 2 == 0 {
            "s3:GetObject"
        } else {
            "s3:PutObject"
        };
        input.push_str(&format!(
            r#"{{"id":{i},"request":{{"principal":"arn:aws:iam::111111111111:user/u{i}","action":"{action}","resource":"arn:aws:s3:::b/u{i}/x"}},"identity_policies":[{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${{aws:username}}/*"}}}}]}}"#
        ));
        input.push('\n');
    }
    let o = warden(&["policy", "simulate", "--batch", "-"], Some(&input));
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5000);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["id"], i, "output out of order");
        if i % 1000 == 7 {
            assert!(
                line["error"].as_str().unwrap().contains("principal"),
                "{line}"
            );
        } else if i % 2 == 0 {
            assert_eq!(line["decision"], "allowed", "{line}");
        } else {
            assert_eq!(line["decision"], "implicitDeny", "{line}");
        }
    }
}
