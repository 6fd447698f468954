"""The getting-started walk-through, done literally with the AWS CLI: a developers group with a customer
managed policy that allows iam:ListUsers and iam:GetUser, a user in that group with an access key, a
role for EC2 in an instance profile. Then the user's key at work: what the group grants is allowed,
the rest is denied with AWS's message; detaching the policy, a permissions boundary and a missing
iam:PassRole all take effect on the next request (those parts need enforcement: warden_only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from e2e_support import (
    ACCOUNT_ID,
    CliError,
    access_denied_message,
    allow,
    aws_cli,
    expect_error,
    iam_client,
    policy,
    unique,
)

READ_USERS = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}]}
TRUST_EC2 = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# The resource AWS names when ListUsers is refused: the account's user ARN prefix, e.g. "… is not
# authorized to perform: iam:ListUsers on resource: arn:aws:iam::107513503799:user/ because no
# identity-based policy allows the iam:ListUsers action" (CloudTrail record and CLI transcripts in
# public write-ups).
LIST_USERS_RESOURCE = f"arn:aws:iam::{ACCOUNT_ID}:user/"


def boundary_denied_message(caller_arn: str, action: str, resource: str) -> str:
    # AWS's text when the identity policies allow but the permissions boundary does not, e.g.
    # "User: arn:aws:iam::115189082206:user/svc… is not authorized to perform: iam:GetRole on resource:
    # role lambda-ex because no permissions boundary allows the iam:GetRole action" (public issue
    # transcripts of AccessDenied from accounts that enforce boundaries).
    return (f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource} "
            f"because no permissions boundary allows the {action} action")


@dataclass
class Seeded:
    group: str
    policy_arn: str
    user: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    role: str
    role_arn: str
    profile: str


def seed_with_cli(server, directory) -> Seeded:
    """The walk-through, one `aws iam …` command at a time, as root."""
    group = unique("Developers")
    aws_cli(server, "iam", "create-group", "--group-name", group)

    document = directory / "developers-read.json"
    document.write_text(json.dumps(READ_USERS, indent=2))
    created = aws_cli(server, "iam", "create-policy", "--policy-name", unique("DevelopersReadUsers"),
                      "--policy-document", f"file://{document}")["Policy"]
    aws_cli(server, "iam", "attach-group-policy", "--group-name", group, "--policy-arn", created["Arn"])

    user = unique("alice")
    user_arn = aws_cli(server, "iam", "create-user", "--user-name", user)["User"]["Arn"]
    aws_cli(server, "iam", "add-user-to-group", "--group-name", group, "--user-name", user)
    key = aws_cli(server, "iam", "create-access-key", "--user-name", user)["AccessKey"]

    trust = directory / "ec2-trust.json"
    trust.write_text(json.dumps(TRUST_EC2, indent=2))
    role = unique("WebServerRole")
    role_arn = aws_cli(server, "iam", "create-role", "--role-name", role,
                       "--assume-role-policy-document", f"file://{trust}")["Role"]["Arn"]
    profile = unique("WebServerProfile")
    aws_cli(server, "iam", "create-instance-profile", "--instance-profile-name", profile)
    aws_cli(server, "iam", "add-role-to-instance-profile", "--instance-profile-name", profile, "--role-name", role)
    return Seeded(group, created["Arn"], user, user_arn, key["AccessKeyId"], key["SecretAccessKey"], role, role_arn, profile)


@pytest.fixture(scope="module")
def seeded(server, tmp_path_factory) -> Seeded:
    return seed_with_cli(server, tmp_path_factory.mktemp("seed"))


def member_of_read_group(iam, server):
    """The same set-up through boto3, for the tests that change it: a user in a group whose attached
    customer managed policy allows iam:ListUsers and iam:GetUser. Returns (user arn, name, group,
    policy arn, client)."""
    group = unique("Developers")
    iam.create_group(GroupName=group)
    arn = iam.create_policy(PolicyName=unique("DevelopersReadUsers"), PolicyDocument=json.dumps(READ_USERS))["Policy"]["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    name = unique("bob")
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.add_user_to_group(GroupName=group, UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return user_arn, name, group, arn, iam_client(server, key["AccessKeyId"], key["SecretAccessKey"])


# ----------------------------------------------------------------------------- the walk-through


def test_walkthrough_with_the_cli(server, seeded):
    members = aws_cli(server, "iam", "get-group", "--group-name", seeded.group)["Users"]
    assert [u["UserName"] for u in members] == [seeded.user]
    attached = aws_cli(server, "iam", "list-attached-group-policies", "--group-name", seeded.group)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [seeded.policy_arn]
    version = aws_cli(server, "iam", "get-policy-version", "--policy-arn", seeded.policy_arn, "--version-id", "v1")
    assert version["PolicyVersion"]["Document"] == READ_USERS
    groups = aws_cli(server, "iam", "list-groups-for-user", "--user-name", seeded.user)["Groups"]
    assert [g["GroupName"] for g in groups] == [seeded.group]
    keys = aws_cli(server, "iam", "list-access-keys", "--user-name", seeded.user)["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(seeded.access_key_id, "Active")]
    assert seeded.user_arn == f"arn:aws:iam::{ACCOUNT_ID}:user/{seeded.user}"

    role = aws_cli(server, "iam", "get-role", "--role-name", seeded.role)["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST_EC2
    profile = aws_cli(server, "iam", "get-instance-profile", "--instance-profile-name", seeded.profile)["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [seeded.role]
    for_role = aws_cli(server, "iam", "list-instance-profiles-for-role", "--role-name", seeded.role)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == [seeded.profile]


@pytest.mark.warden_only
def test_member_may_list_and_get_users(server, seeded):
    client = iam_client(server, seeded.access_key_id, seeded.secret_access_key)
    names = [u["UserName"] for u in client.get_paginator("list_users").paginate().build_full_result()["Users"]]
    assert seeded.user in names
    assert client.get_user(UserName=seeded.user)["User"]["Arn"] == seeded.user_arn
    # The same key through the CLI.
    listed = aws_cli(server, "iam", "list-users", access_key_id=seeded.access_key_id,
                     secret_access_key=seeded.secret_access_key)["Users"]
    assert seeded.user in [u["UserName"] for u in listed]


@pytest.mark.warden_only
def test_member_may_not_create_users(server, seeded, iam):
    client = iam_client(server, seeded.access_key_id, seeded.secret_access_key)
    name = unique("intruder")
    response = expect_error(lambda: client.create_user(UserName=name), "AccessDenied", status=403)
    # For CreateUser AWS names the would-be user by its ARN, e.g. "… is not authorized to perform:
    # iam:CreateUser on resource: arn:aws:iam::807078899029:user/demo-boundary-e2e-DXqX0 because no
    # identity-based policy allows the iam:CreateUser action" (hashicorp/boundary#4287).
    assert response["Error"]["Message"] == access_denied_message(
        seeded.user_arn, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT_ID}:user/{name}")
    expect_error(lambda: iam.get_user(UserName=name), "NoSuchEntity", status=404)
    with pytest.raises(CliError) as denied:
        aws_cli(server, "iam", "create-user", "--user-name", name, access_key_id=seeded.access_key_id,
                secret_access_key=seeded.secret_access_key)
    assert "(AccessDenied) when calling the CreateUser operation" in denied.value.stderr


@pytest.mark.warden_only
def test_user_outside_the_group_may_not_list_users(seeded, new_user):
    outsider = new_user("outsider")
    response = expect_error(lambda: outsider.client.list_users(), "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(outsider.arn, "iam:ListUsers", LIST_USERS_RESOURCE)


# ----------------------------------------------------------------------------- changes take effect at once


@pytest.mark.warden_only
def test_detaching_the_group_policy_takes_effect_on_the_next_request(iam, server):
    user_arn, _, group, arn, client = member_of_read_group(iam, server)
    assert client.list_users()["Users"]
    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    response = expect_error(lambda: client.list_users(), "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(user_arn, "iam:ListUsers", LIST_USERS_RESOURCE)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    assert client.list_users()["Users"]


@pytest.mark.warden_only
def test_new_default_policy_version_takes_effect_on_the_next_request(iam, server):
    user_arn, name, _, arn, client = member_of_read_group(iam, server)
    assert client.list_users()["Users"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy(allow("iam:GetUser")), SetAsDefault=True)
    expect_error(lambda: client.list_users(), "AccessDenied", status=403)
    assert client.get_user(UserName=name)["User"]["Arn"] == user_arn
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert client.list_users()["Users"]


@pytest.mark.warden_only
def test_permissions_boundary_without_list_users_denies_it(iam, server):
    user_arn, name, _, _, client = member_of_read_group(iam, server)
    assert client.list_users()["Users"]
    boundary = iam.create_policy(PolicyName=unique("OnlyGetUser"), PolicyDocument=policy(allow("iam:GetUser")))["Policy"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary["Arn"])
    # The group policy still allows iam:ListUsers, but the boundary does not.
    response = expect_error(lambda: client.list_users(), "AccessDenied", status=403)
    assert response["Error"]["Message"] == boundary_denied_message(user_arn, "iam:ListUsers", LIST_USERS_RESOURCE)
    # What both allow still works.
    assert client.get_user(UserName=name)["User"]["Arn"] == user_arn
    iam.delete_user_permissions_boundary(UserName=name)
    assert client.list_users()["Users"]


@pytest.mark.warden_only
def test_add_role_to_instance_profile_needs_pass_role(iam, server, new_user):
    caller = new_user("operator")
    role = unique("PassedRole")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))["Role"]["Arn"]
    profile = unique("OperatorProfile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.put_user_policy(UserName=caller.name, PolicyName="profiles", PolicyDocument=policy(
        allow(["iam:AddRoleToInstanceProfile", "iam:GetInstanceProfile"], "*")))

    # "The caller of this operation must be granted the PassRole permission on the IAM role by a
    # permissions policy" (IAM API reference, AddRoleToInstanceProfile). The denial names iam:PassRole
    # on the role's ARN, as in "… is not authorized to perform: iam:PassRole on resource:
    # arn:aws:iam::…:role/… because no identity-based policy allows the iam:PassRole action".
    response = expect_error(lambda: caller.client.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role),
                            "AccessDenied", status=403)
    assert response["Error"]["Message"] == access_denied_message(caller.arn, "iam:PassRole", role_arn)
    assert iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []

    iam.put_user_policy(UserName=caller.name, PolicyName="pass", PolicyDocument=policy(allow("iam:PassRole", role_arn)))
    caller.client.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    roles = caller.client.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == [role]
