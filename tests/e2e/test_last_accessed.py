"""Service last-accessed data with real clients, computed from the audit trail after a sequence of
calls: a user's, a group's (per member), a role's (through its sessions) and a managed policy's
report, action-level detail, and the policies that grant a service."""

from __future__ import annotations

import boto3
import pytest

from e2e_support import (
    NO_RETRY,
    allow,
    create_user_with_key,
    expect_error,
    policy,
    root_client,
    start_warden,
    unique,
)

pytestmark = pytest.mark.warden_only


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    base = tmp_path_factory.mktemp("last-accessed")
    running = start_warden(base / "data", base / "logs")
    yield running
    assert running.stop() == 0


def report(iam, arn: str, granularity: str = "SERVICE_LEVEL") -> tuple[str, dict[str, dict]]:
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job)
    assert details["JobStatus"] == "COMPLETED"
    assert details["JobType"] == granularity
    return job, {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}


def test_a_users_services_and_actions(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "la")
    iam.put_user_policy(UserName=user.name, PolicyName="work", PolicyDocument=policy(
        allow(["iam:GetUser", "iam:ListUsers"]), allow("s3:GetObject")))
    user.client.get_user()
    user.client.list_users()
    # A denied call is no use of the service.
    expect_error(lambda: user.client.list_roles(), "AccessDenied")
    _, services = report(iam, user.arn, "ACTION_LEVEL")
    assert set(services) == {"iam", "s3"}
    used = services["iam"]
    assert used["ServiceName"]
    assert used["LastAuthenticatedEntity"] == user.arn
    assert used["LastAuthenticatedRegion"] == "us-east-1"
    assert used["TotalAuthenticatedEntities"] == 1
    assert "LastAuthenticated" in used
    actions = {a["ActionName"] for a in used["TrackedActionsLastAccessed"]}
    assert actions == {"GetUser", "ListUsers"}
    unused = services["s3"]
    assert "LastAuthenticated" not in unused
    assert unused["TotalAuthenticatedEntities"] == 0


def test_a_groups_members(own):
    iam = root_client(own)
    group = unique("la-group")
    arn = iam.create_group(GroupName=group)["Group"]["Arn"]
    iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=policy(allow("iam:GetUser")))
    active = create_user_with_key(own, iam, "active")
    idle = create_user_with_key(own, iam, "idle")
    for member in (active, idle):
        iam.add_user_to_group(GroupName=group, UserName=member.name)
    active.client.get_user()
    job, services = report(iam, arn)
    assert services["iam"]["LastAuthenticatedEntity"] == active.arn
    entities = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="iam")
    by_arn = {e["EntityInfo"]["Arn"]: e for e in entities["EntityDetailsList"]}
    assert set(by_arn) == {active.arn, idle.arn}
    assert "LastAuthenticated" in by_arn[active.arn]
    assert "LastAuthenticated" not in by_arn[idle.arn]
    assert by_arn[idle.arn]["EntityInfo"]["Type"] == "USER"


def test_a_role_through_its_sessions_and_a_managed_policy(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "assumer")
    role_name = unique("la-role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}))["Role"]
    managed = iam.create_policy(PolicyName=unique("la-policy"),
                                PolicyDocument=policy(allow("iam:GetRole")))["Policy"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=managed["Arn"])
    iam.put_user_policy(UserName=user.name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole")))
    sts = boto3.client("sts", endpoint_url=own.endpoint, region_name="eu-west-1", aws_access_key_id=user.access_key_id,
                       aws_secret_access_key=user.secret_access_key, config=NO_RETRY)
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="la")["Credentials"]
    session = boto3.client("iam", endpoint_url=own.endpoint, region_name="eu-west-1",
                           aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"],
                           aws_session_token=credentials["SessionToken"], config=NO_RETRY)
    session.get_role(RoleName=role_name)
    _, services = report(iam, role["Arn"])
    assert services["iam"]["LastAuthenticatedEntity"] == role["Arn"]
    assert services["iam"]["LastAuthenticatedRegion"] == "eu-west-1"
    _, by_policy = report(iam, managed["Arn"])
    assert set(by_policy) == {"iam"}
    assert by_policy["iam"]["LastAuthenticatedEntity"] == role["Arn"]


def test_policies_granting_a_service(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "granted")
    iam.put_user_policy(UserName=user.name, PolicyName="inline-iam", PolicyDocument=policy(allow("iam:Get*")))
    group = unique("la-g")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user.name)
    iam.attach_group_policy(GroupName=group, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    answer = iam.list_policies_granting_service_access(Arn=user.arn, ServiceNamespaces=["iam", "s3", "ec2"])
    by_service = {e["ServiceNamespace"]: e["Policies"] for e in answer["PoliciesGrantingServiceAccess"]}
    assert by_service["iam"] == [{"PolicyName": "inline-iam", "PolicyType": "INLINE", "EntityType": "USER",
                                  "EntityName": user.name}]
    assert by_service["s3"] == [{"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyType": "MANAGED",
                                 "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]
    assert by_service["ec2"] == []


def test_errors(own):
    iam = root_client(own)
    expect_error(lambda: iam.get_service_last_accessed_details(JobId="f" * 36), "NoSuchEntity")
    expect_error(lambda: iam.generate_service_last_accessed_details(
        Arn=f"arn:aws:iam::{own.account_id}:user/nobody-{unique('x')}"), "NoSuchEntity")
    expect_error(lambda: iam.generate_service_last_accessed_details(Arn="arn:aws:iam::123456789012:thing"),
                 "InvalidInput")
