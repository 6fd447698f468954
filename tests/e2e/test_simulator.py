"""The IAM policy simulator against the live path (Warden only: moto does not enforce policies).

Every case sets up a user's policies, asks the simulator what a request would get, then makes that
request for real as the user and checks that the simulator's EvalDecision matches what happened.
The simulator only knows the context it is given, so each case passes the keys the live request
carries (here aws:SourceIp, the loopback address the client connects from).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError

from e2e_support import ACCOUNT_ID, REGION, allow, aws_cli, deny, expect_error, policy, unique

pytestmark = pytest.mark.warden_only

LOOPBACK = [{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["127.0.0.1"], "ContextKeyType": "ip"}]


def live(call: Callable[[], Any]) -> bool:
    """What the live path decided: True when the request got past authorization."""
    try:
        call()
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "AccessDenied":
            return False
        # Authorized, then failed for another reason (e.g. NoSuchEntity).
        return True


@dataclass
class Case:
    name: str
    statements: list[dict]
    action: str
    resource: Callable[[Any], str]
    call: Callable[[Any], Callable[[], Any]]
    expected: str
    boundary: str | None = None
    group_statements: list[dict] = field(default_factory=list)
    context: list[dict] = field(default_factory=lambda: LOOPBACK)


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


@dataclass
class World:
    caller: Any
    target: Any
    new_group: str


CASES = [
    Case("allowed by the user's inline policy",
         [allow("iam:ListUsers")], "iam:ListUsers",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:user/", lambda w: lambda: w.caller.client.list_users(),
         "allowed"),
    Case("allowed by a group's policy",
         [], "iam:CreateGroup",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:group/{w.new_group}",
         lambda w: lambda: w.caller.client.create_group(GroupName=w.new_group),
         "allowed", group_statements=[allow("iam:CreateGroup")]),
    Case("explicit deny beats an allow",
         [allow("iam:*"), deny("iam:GetUser", "arn:aws:iam::*:user/sim-target*")], "iam:GetUser",
         lambda w: w.target.arn, lambda w: lambda: w.caller.client.get_user(UserName=w.target.name),
         "explicitDeny"),
    Case("no statement grants it",
         [allow("iam:ListUsers")], "iam:ListRoles",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:role/", lambda w: lambda: w.caller.client.list_roles(),
         "implicitDeny"),
    Case("the permissions boundary leaves reads",
         [allow("iam:*")], "iam:GetUser",
         lambda w: w.target.arn, lambda w: lambda: w.caller.client.get_user(UserName=w.target.name),
         "allowed", boundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess"),
    Case("the permissions boundary takes writes away",
         [allow("iam:*")], "iam:CreateGroup",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:group/{w.new_group}",
         lambda w: lambda: w.caller.client.create_group(GroupName=w.new_group),
         "implicitDeny", boundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess"),
    Case("a condition on aws:SourceIp holds",
         [allow("iam:ListGroups", condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})], "iam:ListGroups",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:group/", lambda w: lambda: w.caller.client.list_groups(),
         "allowed"),
    Case("a condition on aws:SourceIp fails",
         [allow("iam:ListGroups", condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})], "iam:ListGroups",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:group/", lambda w: lambda: w.caller.client.list_groups(),
         "implicitDeny"),
    Case("a deny unless the request comes from a network",
         [allow("iam:ListUsers"), deny("*", condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
         "iam:ListUsers",
         lambda w: f"arn:aws:iam::{ACCOUNT_ID}:user/", lambda w: lambda: w.caller.client.list_users(),
         "explicitDeny"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_simulator_agrees_with_the_live_path(iam, new_user, case: Case):
    caller = new_user("sim-caller")
    target = new_user("sim-target")
    world = World(caller, target, unique("sim-group"))
    if case.statements:
        iam.put_user_policy(UserName=caller.name, PolicyName="p", PolicyDocument=policy(*case.statements))
    if case.group_statements:
        group = unique("sim-members")
        iam.create_group(GroupName=group)
        iam.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=policy(*case.group_statements))
        iam.add_user_to_group(GroupName=group, UserName=caller.name)
    if case.boundary:
        iam.put_user_permissions_boundary(UserName=caller.name, PermissionsBoundary=case.boundary)

    result = iam.simulate_principal_policy(
        PolicySourceArn=caller.arn, ActionNames=[case.action], ResourceArns=[case.resource(world)],
        ContextEntries=case.context,
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == case.expected
    assert result["ResourceSpecificResults"][0]["EvalResourceDecision"] == case.expected
    if case.boundary:
        allowed = result["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]
        assert allowed == (case.expected == "allowed")
    assert live(case.call(world)) == (result["EvalDecision"] == "allowed")


def test_resource_specific_results_agree_per_resource(iam, new_user):
    caller = new_user("sim-per-resource")
    mine, other = new_user("sim-mine"), new_user("sim-other")
    iam.put_user_policy(UserName=caller.name, PolicyName="p", PolicyDocument=policy(allow("iam:GetUser", mine.arn)))
    results = iam.simulate_principal_policy(
        PolicySourceArn=caller.arn, ActionNames=["iam:GetUser", "iam:DeleteUser"],
        ResourceArns=[mine.arn, other.arn],
    )["EvaluationResults"]
    decided = {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}
    assert decided == {
        ("iam:GetUser", mine.arn): "allowed",
        ("iam:GetUser", other.arn): "implicitDeny",
        ("iam:DeleteUser", mine.arn): "implicitDeny",
        ("iam:DeleteUser", other.arn): "implicitDeny",
    }
    for r in results:
        (specific,) = r["ResourceSpecificResults"]
        assert specific["EvalResourceName"] == r["EvalResourceName"]
        assert r["EvalDecisionDetails"] == {}
    assert live(lambda: caller.client.get_user(UserName=mine.name))
    assert not live(lambda: caller.client.get_user(UserName=other.name))


def test_missing_context_keys_are_reported(iam, new_user):
    caller = new_user("sim-missing")
    conditional = policy(allow("iam:ListGroups", condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"},
                                                            "StringEquals": {"aws:PrincipalTag/team": "red"}}))
    iam.put_user_policy(UserName=caller.name, PolicyName="p", PolicyDocument=conditional)
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=caller.arn)["ContextKeyNames"]
    assert keys == ["aws:SourceIp", "aws:PrincipalTag/team"]
    result = iam.simulate_principal_policy(PolicySourceArn=caller.arn, ActionNames=["iam:ListGroups"])
    (r,) = result["EvaluationResults"]
    assert r["EvalDecision"] == "implicitDeny"
    # The first condition to fail stops the statement, so only its key is reported.
    assert r["MissingContextValues"] == ["aws:SourceIp"]
    both = LOOPBACK + [{"ContextKeyName": "aws:PrincipalTag/team", "ContextKeyValues": ["red"],
                        "ContextKeyType": "string"}]
    (r,) = iam.simulate_principal_policy(PolicySourceArn=caller.arn, ActionNames=["iam:ListGroups"],
                                         ContextEntries=both)["EvaluationResults"]
    assert r["EvalDecision"] == "allowed"
    assert r["MissingContextValues"] == []


def test_custom_policy_with_a_resource_policy_agrees_with_assume_role(server, iam, new_user):
    caller = new_user("sim-assumer")
    outsider = new_user("sim-outsider")
    trust_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName=unique("sim-role"), AssumeRolePolicyDocument=trust_policy)["Role"]

    def simulate(who) -> dict:
        return iam.simulate_custom_policy(
            PolicyInputList=[policy(allow("iam:GetUser"))], ActionNames=["sts:AssumeRole"],
            ResourceArns=[role["Arn"]], ResourcePolicy=trust_policy, CallerArn=who.arn,
        )["EvaluationResults"][0]

    def assume(who) -> bool:
        sts = boto3.client("sts", endpoint_url=server.endpoint, region_name=REGION,
                           aws_access_key_id=who.access_key_id, aws_secret_access_key=who.secret_access_key)
        return live(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sim"))

    named = simulate(caller)
    assert named["EvalDecision"] == "allowed"
    (statement,) = named["MatchedStatements"]
    assert statement["SourcePolicyId"] == "ResourcePolicy"
    assert statement["SourcePolicyType"] == "Resource Policy"
    assert assume(caller)
    assert simulate(outsider)["EvalDecision"] == "implicitDeny"
    assert not assume(outsider)


def test_matched_statements_carry_source_and_position(iam, new_user):
    caller = new_user("sim-positions")
    document = policy(allow("iam:ListUsers"), deny("iam:ListRoles"))
    iam.put_user_policy(UserName=caller.name, PolicyName="two-statements", PolicyDocument=document)
    (r,) = iam.simulate_principal_policy(PolicySourceArn=caller.arn, ActionNames=["iam:ListUsers"])[
        "EvaluationResults"]
    (statement,) = r["MatchedStatements"]
    assert statement["SourcePolicyId"] == "two-statements"
    assert statement["SourcePolicyType"] == "user"
    # json.dumps layout: AWS reports the first statement at line 1, column 41.
    assert statement["StartPosition"] == {"Line": 1, "Column": 41}
    first = json.dumps(allow("iam:ListUsers"))
    assert statement["EndPosition"] == {"Line": 1, "Column": 41 + len(first)}
    assert document[40:40 + len(first)] == first


def test_aws_cli_simulate_principal_policy(server, iam, new_user):
    caller = new_user("sim-cli")
    iam.put_user_policy(UserName=caller.name, PolicyName="cli", PolicyDocument=policy(allow("iam:ListUsers")))
    out = aws_cli(server, "iam", "simulate-principal-policy", "--policy-source-arn", caller.arn,
                  "--action-names", "iam:ListUsers", "iam:DeleteUser")
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in out["EvaluationResults"]}
    assert decisions == {"iam:ListUsers": "allowed", "iam:DeleteUser": "implicitDeny"}
    assert out["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "cli"
    assert live(lambda: caller.client.list_users())
    assert not live(lambda: caller.client.delete_user(UserName=caller.name))
    # The CLI's own paginator walks Marker/IsTruncated.
    out = aws_cli(server, "iam", "simulate-custom-policy", "--policy-input-list", policy(allow("s3:*")),
                  "--action-names", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "--page-size", "1")
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed"] * 3


def test_simulator_errors_and_authorization(iam, new_user):
    expect_error(lambda: iam.simulate_principal_policy(PolicySourceArn=user_arn("sim-nobody"),
                                                      ActionNames=["iam:GetUser"]),
                 "NoSuchEntity", message="The user with name sim-nobody cannot be found.", status=404)
    expect_error(lambda: iam.simulate_custom_policy(PolicyInputList=["{nope"], ActionNames=["s3:GetObject"]),
                 "InvalidInput", message="Syntax errors in policy.", status=400)
    expect_error(lambda: iam.simulate_custom_policy(
        PolicyInputList=[policy(allow("s3:*"))], ActionNames=["s3:GetObject"],
        ContextEntries=[{"ContextKeyName": "aws:EpochTime", "ContextKeyValues": ["soon"],
                         "ContextKeyType": "numeric"}]), "InvalidInput")
    # The caller of the simulator needs permission for it, on the simulated principal.
    caller = new_user("sim-asker")
    subject = new_user("sim-subject")
    iam.put_user_policy(UserName=caller.name, PolicyName="p",
                        PolicyDocument=policy(allow("iam:SimulatePrincipalPolicy", subject.arn)))
    caller.client.simulate_principal_policy(PolicySourceArn=subject.arn, ActionNames=["iam:GetUser"])
    expect_error(lambda: caller.client.simulate_principal_policy(PolicySourceArn=caller.arn,
                                                                 ActionNames=["iam:GetUser"]), "AccessDenied")
    expect_error(lambda: caller.client.simulate_custom_policy(PolicyInputList=[policy(allow("s3:*"))],
                                                              ActionNames=["s3:GetObject"]), "AccessDenied")
