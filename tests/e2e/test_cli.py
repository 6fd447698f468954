"""The main flows through the AWS CLI (awscli v1 from PyPI) with --endpoint-url."""

from __future__ import annotations

import json
import re

import pytest

from e2e_support import ACCOUNT_ID, CliError, aws_cli, unique

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"], "Resource": "*"}],
}


def test_cli_user_lifecycle(server, tmp_path):
    name = unique("cli")
    path = f"/{unique('clipath')}/"

    created = aws_cli(server, "iam", "create-user", "--user-name", name, "--path", path)["User"]
    assert created["UserName"] == name
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user{path}{name}"

    listed = aws_cli(server, "iam", "list-users", "--path-prefix", path)["Users"]
    assert [u["UserName"] for u in listed] == [name]

    key = aws_cli(server, "iam", "create-access-key", "--user-name", name)["AccessKey"]
    assert key["UserName"] == name and key["Status"] == "Active" and len(key["SecretAccessKey"]) == 40

    keys = aws_cli(server, "iam", "list-access-keys", "--user-name", name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key["AccessKeyId"]]

    document = tmp_path / "policy.json"
    document.write_text(json.dumps(DOC, indent=2))
    assert aws_cli(server, "iam", "put-user-policy", "--user-name", name, "--policy-name", "read",
                   "--policy-document", f"file://{document}") is None

    got = aws_cli(server, "iam", "get-user-policy", "--user-name", name, "--policy-name", "read")
    assert got["PolicyName"] == "read"
    # The CLI decodes the URL-encoded document and prints it as JSON, not as a string.
    assert got["PolicyDocument"] == DOC

    assert aws_cli(server, "iam", "list-user-policies", "--user-name", name)["PolicyNames"] == ["read"]

    # Deleting in the wrong order is refused...
    with pytest.raises(CliError) as refused:
        aws_cli(server, "iam", "delete-user", "--user-name", name)
    assert "(DeleteConflict)" in refused.value.stderr

    # ...and in the right order works.
    aws_cli(server, "iam", "delete-user-policy", "--user-name", name, "--policy-name", "read")
    aws_cli(server, "iam", "delete-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"])
    aws_cli(server, "iam", "delete-user", "--user-name", name)

    with pytest.raises(CliError) as missing:
        aws_cli(server, "iam", "get-user", "--user-name", name)
    # awscli inserts "(reached max retries: N)" after the operation name when retries are configured.
    assert re.search(r"\(NoSuchEntity\) when calling the GetUser operation(?: \(reached max retries: \d+\))?: "
                     + re.escape(f"The user with name {name} cannot be found."), missing.value.stderr), missing.value.stderr


def test_cli_groups(server):
    user, group = unique("cliu"), unique("clig")
    aws_cli(server, "iam", "create-user", "--user-name", user)
    aws_cli(server, "iam", "create-group", "--group-name", group)
    aws_cli(server, "iam", "add-user-to-group", "--group-name", group, "--user-name", user)
    got = aws_cli(server, "iam", "get-group", "--group-name", group)
    assert [u["UserName"] for u in got["Users"]] == [user]
    groups = aws_cli(server, "iam", "list-groups-for-user", "--user-name", user)["Groups"]
    assert [g["GroupName"] for g in groups] == [group]
    aws_cli(server, "iam", "put-group-policy", "--group-name", group, "--policy-name", "g",
            "--policy-document", json.dumps(DOC))
    assert aws_cli(server, "iam", "get-group-policy", "--group-name", group, "--policy-name", "g")["PolicyDocument"] == DOC
    aws_cli(server, "iam", "remove-user-from-group", "--group-name", group, "--user-name", user)
    aws_cli(server, "iam", "delete-group-policy", "--group-name", group, "--policy-name", "g")
    aws_cli(server, "iam", "delete-group", "--group-name", group)


def test_cli_tags(server):
    user = unique("clitag")
    aws_cli(server, "iam", "create-user", "--user-name", user, "--tags", "Key=team,Value=blue")
    aws_cli(server, "iam", "tag-user", "--user-name", user, "--tags", "Key=env,Value=dev")
    tags = aws_cli(server, "iam", "list-user-tags", "--user-name", user)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "blue")]
    aws_cli(server, "iam", "untag-user", "--user-name", user, "--tag-keys", "team")
    assert aws_cli(server, "iam", "list-user-tags", "--user-name", user)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_cli_as_a_created_user(server):
    user = unique("cliself")
    aws_cli(server, "iam", "create-user", "--user-name", user)
    key = aws_cli(server, "iam", "create-access-key", "--user-name", user)["AccessKey"]
    aws_cli(server, "iam", "put-user-policy", "--user-name", user, "--policy-name", "self",
            "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    me = aws_cli(server, "iam", "get-user", access_key_id=key["AccessKeyId"],
                 secret_access_key=key["SecretAccessKey"])["User"]
    assert me["UserName"] == user


@pytest.mark.warden_only
def test_cli_reports_access_denied(server):
    user, other = unique("clideny"), unique("cliother")
    aws_cli(server, "iam", "create-user", "--user-name", user)
    aws_cli(server, "iam", "create-user", "--user-name", other)
    key = aws_cli(server, "iam", "create-access-key", "--user-name", user)["AccessKey"]
    with pytest.raises(CliError) as denied:
        aws_cli(server, "iam", "get-user", "--user-name", other, access_key_id=key["AccessKeyId"],
                secret_access_key=key["SecretAccessKey"])
    assert "(AccessDenied) when calling the GetUser operation" in denied.value.stderr
