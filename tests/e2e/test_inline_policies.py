"""Inline policies of users and groups: Put / Get / List / Delete, and MalformedPolicyDocument."""

from __future__ import annotations

import json

import pytest

from e2e_support import allow, deny, expect_error, policy, unique

DOC = json.loads(policy(allow(["iam:GetUser", "iam:ListUsers"], "*"), deny("iam:DeleteUser", "*")))


def test_user_policy_put_get_list_delete(iam):
    name = unique("pol")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(DOC))
    iam.put_user_policy(UserName=name, PolicyName="also", PolicyDocument=json.dumps(DOC))

    got = iam.get_user_policy(UserName=name, PolicyName="read")
    assert got["UserName"] == name
    assert got["PolicyName"] == "read"
    # The wire carries the document URL-encoded; botocore decodes it back to JSON.
    assert got["PolicyDocument"] == DOC

    listed = iam.list_user_policies(UserName=name)
    assert sorted(listed["PolicyNames"]) == ["also", "read"]
    assert listed["IsTruncated"] is False

    iam.delete_user_policy(UserName=name, PolicyName="read")
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["also"]
    expect_error(lambda: iam.get_user_policy(UserName=name, PolicyName="read"), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto's text is 'Policy X not found'")
def test_missing_user_policy_message(iam):
    name = unique("nopol")
    iam.create_user(UserName=name)
    # AWS text (lucidsoftware/cumulus#71)
    expect_error(lambda: iam.get_user_policy(UserName=name, PolicyName="read"), "NoSuchEntity",
                 message="The user policy with name read cannot be found.", status=404)
    expect_error(lambda: iam.delete_user_policy(UserName=name, PolicyName="absent"), "NoSuchEntity",
                 message="The user policy with name absent cannot be found.", status=404)


def test_put_user_policy_replaces_same_name(iam):
    name = unique("replace")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(allow("iam:GetUser")))
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(allow("iam:ListUsers")))
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["p"]
    assert iam.get_user_policy(UserName=name, PolicyName="p")["PolicyDocument"]["Statement"][0]["Action"] == "iam:ListUsers"


def test_group_policy_put_get_list_delete(iam):
    group = unique("gpol")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=json.dumps(DOC))
    got = iam.get_group_policy(GroupName=group, PolicyName="read")
    assert got["GroupName"] == group
    assert got["PolicyDocument"] == DOC
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["read"]
    iam.delete_group_policy(GroupName=group, PolicyName="read")
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == []
    expect_error(lambda: iam.get_group_policy(GroupName=group, PolicyName="read"), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto's text is 'Policy X not found'")
def test_missing_group_policy_message(iam):
    group = unique("nogpol")
    iam.create_group(GroupName=group)
    # AWS text (boto/boto3#2520)
    expect_error(lambda: iam.get_group_policy(GroupName=group, PolicyName="read"), "NoSuchEntity",
                 message="The group policy with name read cannot be found.", status=404)


def test_policy_calls_on_missing_user(iam):
    user = unique("nouser")
    doc = policy(allow("iam:GetUser"))
    expect_error(lambda: iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=doc), "NoSuchEntity",
                 message=f"The user with name {user} cannot be found.", status=404)
    expect_error(lambda: iam.list_user_policies(UserName=user), "NoSuchEntity",
                 message=f"The user with name {user} cannot be found.", status=404)


@pytest.mark.xfail_on_moto(reason="moto's text is 'Group X not found'")
def test_policy_calls_on_missing_group(iam):
    group = unique("nogroup")
    doc = policy(allow("iam:GetUser"))
    expect_error(lambda: iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=doc), "NoSuchEntity",
                 message=f"The group with name {group} cannot be found.", status=404)


def test_delete_missing_user_policy(iam):
    name = unique("nopol")
    iam.create_user(UserName=name)
    expect_error(lambda: iam.delete_user_policy(UserName=name, PolicyName="absent"), "NoSuchEntity", status=404)


def test_malformed_policy_document_not_json(iam):
    name = unique("bad")
    iam.create_user(UserName=name)
    # AWS text for a document that is not JSON at all (aws/aws-cli#3501: a path passed as the document)
    expect_error(lambda: iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument="./x.json"),
                 "MalformedPolicyDocument", message="Syntax errors in policy.", status=400)


def test_malformed_policy_document_bad_effect(iam):
    name = unique("bad")
    iam.create_user(UserName=name)
    bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "iam:*", "Resource": "*"}]})
    expect_error(lambda: iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=bad),
                 "MalformedPolicyDocument", status=400)


def test_malformed_policy_document_no_statement(iam):
    group = unique("badg")
    iam.create_group(GroupName=group)
    expect_error(lambda: iam.put_group_policy(GroupName=group, PolicyName="p",
                                              PolicyDocument=json.dumps({"Version": "2012-10-17"})),
                 "MalformedPolicyDocument", status=400)


@pytest.mark.xfail_on_moto(reason="moto does not validate policy names")
def test_invalid_policy_name_is_validation_error(iam):
    name = unique("pn")
    iam.create_user(UserName=name)
    expect_error(lambda: iam.put_user_policy(UserName=name, PolicyName="bad name", PolicyDocument=policy(allow("iam:GetUser"))),
                 "ValidationError", status=400)
