"""Authorization of IAM calls by identity policies (Warden only: moto does not enforce policies).

Root may do everything; any other caller needs an identity policy allowing the iam action on the
resource. A policy change is effective on the very next request.
"""

from __future__ import annotations

import pytest

from e2e_support import ACCOUNT_ID, access_denied_message, allow, deny, expect_error, policy, unique

pytestmark = pytest.mark.warden_only


def test_user_without_policies_is_denied_with_aws_message(new_user):
    caller = new_user("nopol")
    target = new_user("target")
    response = expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(caller.arn, "iam:GetUser", f"user {target.name}")


def test_policy_grant_is_effective_on_next_request(iam, new_user):
    caller = new_user("grantee")
    target = new_user("target")
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")
    iam.put_user_policy(UserName=caller.name, PolicyName="read-target",
                        PolicyDocument=policy(allow("iam:GetUser", target.arn)))
    assert caller.client.get_user(UserName=target.name)["User"]["UserName"] == target.name
    # The grant names one user: others stay denied.
    other = new_user("other")
    expect_error(lambda: caller.client.get_user(UserName=other.name), "AccessDenied")
    # Revocation is immediate too.
    iam.delete_user_policy(UserName=caller.name, PolicyName="read-target")
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")


def test_action_must_match(iam, new_user):
    caller = new_user("wrongaction")
    target = new_user("target")
    iam.put_user_policy(UserName=caller.name, PolicyName="list-only", PolicyDocument=policy(allow("iam:ListUsers")))
    assert any(u["UserName"] == target.name for u in caller.client.get_paginator("list_users").paginate().build_full_result()["Users"])
    response = expect_error(lambda: caller.client.delete_user(UserName=target.name), "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(caller.arn, "iam:DeleteUser", f"user {target.name}")


def test_explicit_deny_wins(iam, new_user):
    caller = new_user("denied")
    target = new_user("target")
    iam.put_user_policy(UserName=caller.name, PolicyName="allow-all", PolicyDocument=policy(allow("iam:*")))
    assert caller.client.get_user(UserName=target.name)["User"]["UserName"] == target.name
    iam.put_user_policy(UserName=caller.name, PolicyName="deny-target",
                        PolicyDocument=policy(deny("iam:GetUser", target.arn)))
    response = expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied", status=403)
    # Newer AWS messages may append the denying policy's ARN after the text below (for managed
    # policies: "... identity-based policy: arn:aws:iam::…:policy/x"), so this is a prefix check.
    assert response["Error"]["Message"].startswith(
        access_denied_message(caller.arn, "iam:GetUser", f"user {target.name}", explicit=True))
    # The deny is specific: the allow still works elsewhere.
    other = new_user("other")
    assert caller.client.get_user(UserName=other.name)["User"]["UserName"] == other.name


def test_group_policy_grants_through_membership(iam, new_user):
    caller = new_user("member")
    target = new_user("target")
    group = unique("readers")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=policy(allow("iam:GetUser", target.arn)))
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")
    iam.add_user_to_group(GroupName=group, UserName=caller.name)
    assert caller.client.get_user(UserName=target.name)["User"]["UserName"] == target.name
    iam.remove_user_from_group(GroupName=group, UserName=caller.name)
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")


def test_group_deny_overrides_user_allow(iam, new_user):
    caller = new_user("gdeny")
    target = new_user("target")
    group = unique("blocked")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="no", PolicyDocument=policy(deny("iam:GetUser")))
    iam.put_user_policy(UserName=caller.name, PolicyName="yes", PolicyDocument=policy(allow("iam:GetUser")))
    assert caller.client.get_user(UserName=target.name)
    iam.add_user_to_group(GroupName=group, UserName=caller.name)
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")


def test_resource_arn_with_path_and_wildcards(iam, new_user):
    caller = new_user("pathgrant")
    path = f"/{unique('team')}/"
    inside = unique("inside")
    outside = unique("outside")
    iam.create_user(UserName=inside, Path=path)
    iam.create_user(UserName=outside, Path="/elsewhere/")
    iam.put_user_policy(UserName=caller.name, PolicyName="team",
                        PolicyDocument=policy(allow("iam:Get*", f"arn:aws:iam::{ACCOUNT_ID}:user{path}*")))
    assert caller.client.get_user(UserName=inside)["User"]["Path"] == path
    expect_error(lambda: caller.client.get_user(UserName=outside), "AccessDenied")


def test_root_may_do_everything(iam):
    name = unique("byroot")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(deny("*")))
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_user(UserName=name)


# ----------------------------------------------------------------------------- condition keys


def test_condition_resource_tag(iam, new_user):
    caller = new_user("rtag")
    blue = new_user("blue", tags=[{"Key": "team", "Value": "blue"}])
    red = new_user("red", tags=[{"Key": "team", "Value": "red"}])
    untagged = new_user("plain")
    iam.put_user_policy(UserName=caller.name, PolicyName="blue-only", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"StringEquals": {"aws:ResourceTag/team": "blue"}})))
    assert caller.client.get_user(UserName=blue.name)["User"]["UserName"] == blue.name
    expect_error(lambda: caller.client.get_user(UserName=red.name), "AccessDenied")
    expect_error(lambda: caller.client.get_user(UserName=untagged.name), "AccessDenied")
    # Retagging the target changes the decision on the next request.
    iam.tag_user(UserName=red.name, Tags=[{"Key": "team", "Value": "blue"}])
    assert caller.client.get_user(UserName=red.name)["User"]["UserName"] == red.name


def test_condition_request_tag_and_tag_keys_on_tag_user(iam, new_user):
    caller = new_user("tagger")
    target = new_user("tagged")
    iam.put_user_policy(UserName=caller.name, PolicyName="env-dev-only", PolicyDocument=policy(
        allow("iam:TagUser", "*", {
            "StringEquals": {"aws:RequestTag/env": "dev"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
        })))
    caller.client.tag_user(UserName=target.name, Tags=[{"Key": "env", "Value": "dev"}])
    assert iam.list_user_tags(UserName=target.name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    # Wrong value for the tag.
    expect_error(lambda: caller.client.tag_user(UserName=target.name, Tags=[{"Key": "env", "Value": "prod"}]),
                 "AccessDenied")
    # An extra tag key not allowed by aws:TagKeys.
    expect_error(lambda: caller.client.tag_user(UserName=target.name, Tags=[
        {"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "me"}]), "AccessDenied")
    assert iam.list_user_tags(UserName=target.name)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_condition_tag_keys_on_untag_user(iam, new_user):
    caller = new_user("untagger")
    target = new_user("victim", tags=[{"Key": "scratch", "Value": "1"}, {"Key": "owner", "Value": "x"}])
    iam.put_user_policy(UserName=caller.name, PolicyName="scratch-only", PolicyDocument=policy(
        allow("iam:UntagUser", "*", {"ForAllValues:StringEquals": {"aws:TagKeys": ["scratch"]}})))
    expect_error(lambda: caller.client.untag_user(UserName=target.name, TagKeys=["owner"]), "AccessDenied")
    caller.client.untag_user(UserName=target.name, TagKeys=["scratch"])
    assert iam.list_user_tags(UserName=target.name)["Tags"] == [{"Key": "owner", "Value": "x"}]


def test_condition_username_policy_variable_self_management(iam, new_user):
    me = new_user("selfmgr")
    other = new_user("other")
    # The AWS self-management pattern: a resource naming the caller through ${aws:username}.
    iam.put_user_policy(UserName=me.name, PolicyName="self", PolicyDocument=policy(
        allow(["iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey",
               "iam:TagUser", "iam:ListUserTags"], "arn:aws:iam::*:user/${aws:username}")))
    assert me.client.get_user()["User"]["UserName"] == me.name
    assert me.client.get_user(UserName=me.name)["User"]["UserName"] == me.name
    assert [k["AccessKeyId"] for k in me.client.list_access_keys()["AccessKeyMetadata"]] == [me.access_key_id]
    me.client.tag_user(UserName=me.name, Tags=[{"Key": "mood", "Value": "fine"}])
    response = expect_error(lambda: me.client.get_user(UserName=other.name), "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(me.arn, "iam:GetUser", f"user {other.name}")
    expect_error(lambda: me.client.list_access_keys(UserName=other.name), "AccessDenied")
    expect_error(lambda: me.client.create_access_key(UserName=other.name), "AccessDenied")


def test_condition_source_ip(iam, new_user):
    caller = new_user("srcip")
    target = new_user("target")
    # The tests connect from 127.0.0.1.
    iam.put_user_policy(UserName=caller.name, PolicyName="loopback", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    assert caller.client.get_user(UserName=target.name)["User"]["UserName"] == target.name
    iam.put_user_policy(UserName=caller.name, PolicyName="loopback", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})))
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")
    iam.put_user_policy(UserName=caller.name, PolicyName="loopback", PolicyDocument=policy(
        allow("iam:GetUser", "*"), deny("iam:GetUser", "*", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})))
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")


def test_condition_secure_transport_is_false_over_http(iam, new_user):
    caller = new_user("tls")
    target = new_user("target")
    iam.put_user_policy(UserName=caller.name, PolicyName="tls-only", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"Bool": {"aws:SecureTransport": "true"}})))
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")
    iam.put_user_policy(UserName=caller.name, PolicyName="tls-only", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"Bool": {"aws:SecureTransport": "false"}})))
    assert caller.client.get_user(UserName=target.name)


def test_condition_principal_keys(iam, new_user):
    caller = new_user("principal", tags=[{"Key": "dept", "Value": "finance"}])
    target = new_user("target")
    iam.put_user_policy(UserName=caller.name, PolicyName="who", PolicyDocument=policy(
        allow("iam:GetUser", "*", {
            "StringEquals": {
                "aws:PrincipalAccount": ACCOUNT_ID,
                "aws:PrincipalType": "User",
                "aws:PrincipalTag/dept": "finance",
                "aws:username": caller.name,
                "aws:userid": caller.user_id,
                "aws:RequestedRegion": "us-east-1",
            },
            "ArnEquals": {"aws:PrincipalArn": caller.arn},
        })))
    assert caller.client.get_user(UserName=target.name)["User"]["UserName"] == target.name
    iam.tag_user(UserName=caller.name, Tags=[{"Key": "dept", "Value": "sales"}])
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")


def test_condition_current_time_and_user_agent(iam, new_user, server):
    from e2e_support import iam_client

    caller = new_user("clock")
    target = new_user("target")
    iam.put_user_policy(UserName=caller.name, PolicyName="window", PolicyDocument=policy(
        allow("iam:GetUser", "*", {
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
            "NumericGreaterThan": {"aws:EpochTime": "1577836800"},
            "StringLike": {"aws:UserAgent": "*warden-e2e-agent*"},
        })))
    expect_error(lambda: caller.client.get_user(UserName=target.name), "AccessDenied")
    tagged_agent = iam_client(server, caller.access_key_id, caller.secret_access_key,
                              user_agent_extra="warden-e2e-agent/1.0")
    assert tagged_agent.get_user(UserName=target.name)["User"]["UserName"] == target.name
    iam.put_user_policy(UserName=caller.name, PolicyName="window", PolicyDocument=policy(
        allow("iam:GetUser", "*", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})))
    expect_error(lambda: tagged_agent.get_user(UserName=target.name), "AccessDenied")
