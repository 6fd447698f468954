"""AWS managed policies (`arn:aws:iam::aws:policy/…`): they exist in every account, can be read,
attached and used as boundaries, grant what their documents say, and cannot be changed."""

from __future__ import annotations

import json
from urllib.parse import unquote

import boto3
import pytest

from e2e_support import NO_RETRY, allow, expect_error, iam_client, policy, root_client, start_warden, unique

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def document_of(version: dict) -> dict:
    text = version["Document"]
    return json.loads(unquote(text)) if isinstance(text, str) else text


def test_an_aws_managed_policy_can_be_read(iam):
    got = iam.get_policy(PolicyArn=READ_ONLY)["Policy"]
    assert got["PolicyName"] == "ReadOnlyAccess"
    assert got["Arn"] == READ_ONLY
    assert got["Path"] == "/"
    assert got["IsAttachable"] is True
    version = iam.get_policy_version(PolicyArn=READ_ONLY, VersionId=got["DefaultVersionId"])["PolicyVersion"]
    assert version["IsDefaultVersion"] is True
    statements = document_of(version)["Statement"]
    assert any("iam:Get*" in (s.get("Action") or []) for s in statements)
    listed = iam.list_policy_versions(PolicyArn=READ_ONLY)["Versions"]
    assert got["DefaultVersionId"] in [v["VersionId"] for v in listed]
    with_path = iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]
    assert with_path["Path"] == "/service-role/"


@pytest.mark.xfail_on_moto(reason="moto's policy ids do not have AWS's ANPA shape")
def test_aws_policy_ids_have_aws_shape(iam):
    policy_id = iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["PolicyId"]
    assert policy_id.startswith("ANPA") and len(policy_id) == 21


def test_a_missing_or_misspelt_aws_policy_does_not_exist(iam):
    expect_error(lambda: iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"), "NoSuchEntity",
                 status=404)
    # The path is part of the ARN.
    expect_error(lambda: iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"),
                 "NoSuchEntity", status=404)


def test_list_policies_scopes(iam):
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)
    assert len(aws["Policies"]) == 1000 and aws["IsTruncated"] is True
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in aws["Policies"])
    service_roles = iam.list_policies(Scope="AWS", PathPrefix="/service-role/", MaxItems=1000)["Policies"]
    assert "AWSLambdaBasicExecutionRole" in [p["PolicyName"] for p in service_roles]
    assert all(p["Path"] == "/service-role/" for p in service_roles)
    local = iam.list_policies(Scope="Local", MaxItems=1000)["Policies"]
    assert not any(p["Arn"].startswith("arn:aws:iam::aws:") for p in local)


def test_attach_an_aws_policy_and_count_its_attachments(iam):
    user, group, role = unique("awsmp-u"), unique("awsmp-g"), unique("awsmp-r")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    before = iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]["AttachmentCount"]
    iam.attach_user_policy(UserName=user, PolicyArn=LAMBDA_BASIC)
    iam.attach_group_policy(GroupName=group, PolicyArn=LAMBDA_BASIC)
    iam.attach_role_policy(RoleName=role, PolicyArn=LAMBDA_BASIC)
    assert iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]["AttachmentCount"] == before + 3
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": LAMBDA_BASIC}]
    entities = iam.list_entities_for_policy(PolicyArn=LAMBDA_BASIC)
    assert user in [u["UserName"] for u in entities["PolicyUsers"]]
    assert role in [r["RoleName"] for r in entities["PolicyRoles"]]
    assert group in [g["GroupName"] for g in entities["PolicyGroups"]]
    only_attached = iam.list_policies(Scope="AWS", OnlyAttached=True, MaxItems=1000)["Policies"]
    assert "AWSLambdaBasicExecutionRole" in [p["PolicyName"] for p in only_attached]
    iam.detach_user_policy(UserName=user, PolicyArn=LAMBDA_BASIC)
    iam.detach_group_policy(GroupName=group, PolicyArn=LAMBDA_BASIC)
    iam.detach_role_policy(RoleName=role, PolicyArn=LAMBDA_BASIC)
    assert iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]["AttachmentCount"] == before


@pytest.mark.warden_only
def test_read_only_access_lets_a_user_read_iam_and_nothing_else(iam, new_user):
    user = new_user("readonly")
    expect_error(user.client.list_roles, "AccessDenied", status=403)
    iam.attach_user_policy(UserName=user.name, PolicyArn=READ_ONLY)
    assert user.client.get_user()["User"]["UserName"] == user.name
    assert "Roles" in user.client.list_roles()
    assert user.client.get_policy(PolicyArn=READ_ONLY)["Policy"]["PolicyName"] == "ReadOnlyAccess"
    expect_error(lambda: user.client.create_user(UserName=unique("nope")), "AccessDenied", status=403)
    expect_error(lambda: user.client.attach_user_policy(UserName=user.name, PolicyArn=READ_ONLY), "AccessDenied",
                 status=403)
    iam.detach_user_policy(UserName=user.name, PolicyArn=READ_ONLY)
    expect_error(user.client.list_roles, "AccessDenied", status=403)


@pytest.mark.warden_only
def test_an_aws_policy_as_a_permissions_boundary(iam, new_user):
    user = new_user("bounded")
    iam.put_user_policy(UserName=user.name, PolicyName="all", PolicyDocument=policy(allow("iam:*")))
    iam.put_user_permissions_boundary(UserName=user.name, PermissionsBoundary=READ_ONLY)
    assert iam.get_user(UserName=user.name)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": READ_ONLY}
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["PermissionsBoundaryUsageCount"] >= 1
    assert "Users" in user.client.list_users()
    # iam:* is granted, but the boundary allows only reads.
    expect_error(lambda: user.client.create_group(GroupName=unique("g")), "AccessDenied", status=403)
    iam.delete_user_permissions_boundary(UserName=user.name)
    user.client.create_group(GroupName=unique("g"))


@pytest.mark.warden_only
@pytest.mark.parametrize(
    "change",
    [
        lambda iam: iam.delete_policy(PolicyArn=S3_READ_ONLY),
        lambda iam: iam.create_policy_version(PolicyArn=S3_READ_ONLY, PolicyDocument=policy(allow("s3:*"))),
        lambda iam: iam.set_default_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v1"),
        lambda iam: iam.delete_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v1"),
        lambda iam: iam.tag_policy(PolicyArn=S3_READ_ONLY, Tags=[{"Key": "k", "Value": "v"}]),
        lambda iam: iam.untag_policy(PolicyArn=S3_READ_ONLY, TagKeys=["k"]),
    ],
    ids=["DeletePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicyVersion", "TagPolicy",
         "UntagPolicy"],
)
def test_aws_managed_policies_cannot_be_changed_even_by_root(iam, change):
    response = expect_error(lambda: change(iam), "AccessDenied", status=403)
    message = response["Error"]["Message"]
    assert "arn:aws:iam::123456789012:root is not authorized to perform: iam:" in message
    assert f"on resource: policy {S3_READ_ONLY}" in message


def test_copy_an_aws_policy_into_a_customer_managed_policy(iam):
    # The seeds' advice: start from an AWS managed policy, copy it and edit the copy.
    got = iam.get_policy(PolicyArn=S3_READ_ONLY)["Policy"]
    version = iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId=got["DefaultVersionId"])["PolicyVersion"]
    document = document_of(version)
    document["Statement"][0]["Resource"] = ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"]
    name = unique("MyS3ReadOnly")
    created = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]
    assert created["Arn"] == f"arn:aws:iam::123456789012:policy/{name}"
    copied = iam.get_policy_version(PolicyArn=created["Arn"], VersionId="v1")["PolicyVersion"]
    assert document_of(copied)["Statement"][0]["Resource"] == ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"]


@pytest.mark.warden_only
def test_an_attachment_survives_a_restart_and_still_grants(tmp_path):
    data, logs = tmp_path / "data", tmp_path / "logs"
    first = start_warden(data, logs)
    try:
        root = root_client(first)
        root.create_user(UserName="reader")
        root.attach_user_policy(UserName="reader", PolicyArn=READ_ONLY)
        key = root.create_access_key(UserName="reader")["AccessKey"]
    finally:
        assert first.stop() == 0
    second = start_warden(data, logs)
    try:
        root = root_client(second)
        assert root.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 1
        reader = iam_client(second, key["AccessKeyId"], key["SecretAccessKey"])
        assert "Roles" in reader.list_roles()
        expect_error(lambda: reader.create_user(UserName="x"), "AccessDenied", status=403)
    finally:
        assert second.stop() == 0


@pytest.mark.warden_only
def test_attachment_counts_are_per_account(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "accounts:\n"
        "  - users: [{name: a, attached_policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess']}]\n"
        "  - id: '210987654321'\n"
        "    root_access_keys: [{id: AKIASECONDROOT000001, secret: " + "s" * 40 + "}]\n")
    running = start_warden(tmp_path / "unused", tmp_path / "logs",
                           serve_args=["--dev", "--enforce", "--seed", str(seed)])
    try:
        first = root_client(running)
        second = iam_client(running, "AKIASECONDROOT000001", "s" * 40)
        assert first.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 1
        assert second.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 0
        # In the aws-cn partition the same policy has an aws-cn ARN.
        cn = boto3.client("iam", endpoint_url=running.endpoint, region_name="cn-north-1",
                          aws_access_key_id="AKIASECONDROOT000001", aws_secret_access_key="s" * 40, config=NO_RETRY)
        cn_arn = "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"
        assert cn.get_policy(PolicyArn=cn_arn)["Policy"]["Arn"] == cn_arn
        # An `arn:aws:` ARN names nothing in aws-cn.
        expect_error(lambda: cn.get_policy(PolicyArn=READ_ONLY), "NoSuchEntity", status=404)
    finally:
        assert running.stop() == 0
