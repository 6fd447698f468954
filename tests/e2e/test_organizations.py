"""AWS Organizations (JSON 1.1 protocol) with boto3 and the AWS CLI: an organization, member
accounts made by CreateAccount with their OrganizationAccountAccessRole, and cross-account role
assumption between the accounts of one server — allowed only as both accounts' policies say.

Each test module gets its own server: an account creates one organization only once."""

from __future__ import annotations

import json
import os
import subprocess
import time

import boto3
import pytest

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    allow,
    aws_cli,
    expect_error,
    policy,
    start_warden,
    unique,
    warden_bin,
)

pytestmark = pytest.mark.warden_only


def client(server, service: str, key: str = ROOT_ACCESS_KEY_ID, secret: str = ROOT_SECRET_ACCESS_KEY,
           token: str | None = None):
    return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY)


def session_client(server, service: str, credentials: dict):
    return client(server, service, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                  credentials["SessionToken"])


@pytest.fixture(scope="module")
def org_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("organizations")
    server = start_warden(base / "data", base / "logs")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def org(org_server):
    return client(org_server, "organizations")


@pytest.fixture(scope="module")
def organization(org):
    return org.create_organization(FeatureSet="ALL")["Organization"]


@pytest.fixture(scope="module")
def admin(org_server, organization):
    """A management-account IAM user allowed everything (roles cannot be assumed by root)."""
    iam = client(org_server, "iam")
    name = unique("org-admin")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=policy(allow("*")))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    return {"name": name, "arn": arn, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def wait_for_account(org, request_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        status = org.describe_create_account_status(CreateAccountRequestId=request_id)["CreateAccountStatus"]
        if status["State"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


@pytest.fixture(scope="module")
def member(org):
    answer = org.create_account(Email=f"{unique('dev')}@example.com", AccountName="Development")
    status = wait_for_account(org, answer["CreateAccountStatus"]["Id"])
    assert status["State"] == "SUCCEEDED", status
    return status["AccountId"]


def assume(server, principal: dict, role_arn: str, **kwargs) -> dict:
    sts = client(server, "sts", principal["key"], principal["secret"])
    return sts.assume_role(RoleArn=role_arn, RoleSessionName=kwargs.pop("RoleSessionName", "ops"), **kwargs)


def test_no_organization_before_create_organization(tmp_path):
    server = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        org = client(server, "organizations")
        expect_error(org.describe_organization, "AWSOrganizationsNotInUseException",
                     message="Your account is not a member of an organization.", status=400)
        expect_error(org.list_accounts, "AWSOrganizationsNotInUseException")
    finally:
        server.stop()


def test_create_organization_makes_this_account_the_management_account(org, organization):
    assert organization["Id"].startswith("o-") and len(organization["Id"]) == 12
    assert organization["FeatureSet"] == "ALL"
    assert organization["MasterAccountId"] == ACCOUNT_ID
    assert organization["Arn"] == f"arn:aws:organizations::{ACCOUNT_ID}:organization/{organization['Id']}"
    assert organization["MasterAccountArn"] == (
        f"arn:aws:organizations::{ACCOUNT_ID}:account/{organization['Id']}/{ACCOUNT_ID}")
    assert org.describe_organization()["Organization"] == organization
    expect_error(lambda: org.create_organization(FeatureSet="ALL"), "AlreadyInOrganizationException")
    roots = org.list_roots()["Roots"]
    assert len(roots) == 1 and roots[0]["Id"].startswith("r-") and roots[0]["Name"] == "Root"
    assert roots[0]["Arn"] == f"arn:aws:organizations::{ACCOUNT_ID}:root/{organization['Id']}/{roots[0]['Id']}"


def test_create_account_is_asynchronous_and_succeeds(org, organization):
    email = f"{unique('prod')}@example.com"
    answer = org.create_account(Email=email, AccountName="Production")["CreateAccountStatus"]
    assert answer["State"] == "IN_PROGRESS"
    assert answer["Id"].startswith("car-") and answer["AccountName"] == "Production"
    assert "AccountId" not in answer
    status = wait_for_account(org, answer["Id"])
    assert status["State"] == "SUCCEEDED" and len(status["AccountId"]) == 12
    assert "CompletedTimestamp" in status
    account = org.describe_account(AccountId=status["AccountId"])["Account"]
    assert account["Email"] == email and account["Name"] == "Production"
    assert account["JoinedMethod"] == "CREATED" and account["Status"] == "ACTIVE"
    assert account["Arn"] == f"arn:aws:organizations::{ACCOUNT_ID}:account/{organization['Id']}/{status['AccountId']}"
    listed = {a["Id"]: a for a in org.list_accounts()["Accounts"]}
    assert listed[status["AccountId"]] == account
    assert listed[ACCOUNT_ID]["JoinedMethod"] == "INVITED"
    ids = [s["Id"] for s in org.list_create_account_status(States=["SUCCEEDED"])["CreateAccountStatuses"]]
    assert answer["Id"] in ids
    failed = [s["Id"] for s in org.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]]
    assert answer["Id"] not in failed


def test_an_email_address_belongs_to_one_account(org, organization):
    email = f"{unique('dup')}@example.com"
    first = wait_for_account(org, org.create_account(Email=email, AccountName="One")["CreateAccountStatus"]["Id"])
    assert first["State"] == "SUCCEEDED"
    second = wait_for_account(org, org.create_account(Email=email, AccountName="Two")["CreateAccountStatus"]["Id"])
    assert second["State"] == "FAILED" and second["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "AccountId" not in second
    failed = [s["Id"] for s in org.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]]
    assert second["Id"] in failed


def test_model_constraints_answer_invalid_input_with_a_reason(org, organization):
    response = expect_error(lambda: org.create_account(Email="not-an-email", AccountName="x"),
                            "InvalidInputException", status=400)
    assert response["Reason"] == "INVALID_PATTERN"
    expect_error(lambda: org.describe_create_account_status(CreateAccountRequestId="car-" + "a" * 12),
                 "CreateAccountStatusNotFoundException")
    expect_error(lambda: org.describe_account(AccountId="999999999999"), "AccountNotFoundException")


def test_the_management_account_reaches_a_member_through_its_access_role(org_server, admin, member):
    role_arn = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
    answer = assume(org_server, admin, role_arn)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/ops"
    identity = session_client(org_server, "sts", answer["Credentials"]).get_caller_identity()
    assert identity["Account"] == member
    member_iam = session_client(org_server, "iam", answer["Credentials"])
    role = member_iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert member_iam.list_role_policies(RoleName="OrganizationAccountAccessRole")["PolicyNames"] == [
        "AdministratorAccess"]
    # Full administrator rights inside the member account, and only there.
    name = unique("member-user")
    created = member_iam.create_user(UserName=name)["User"]
    assert created["Arn"] == f"arn:aws:iam::{member}:user/{name}"
    assert name not in [u["UserName"] for u in client(org_server, "iam").list_users()["Users"]]


def test_a_member_account_sees_its_organization_but_not_the_management_apis(org_server, admin, member, organization):
    answer = assume(org_server, admin, f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole")
    member_org = session_client(org_server, "organizations", answer["Credentials"])
    assert member_org.describe_organization()["Organization"]["Id"] == organization["Id"]
    expect_error(member_org.list_accounts, "AccessDeniedException",
                 message="You don't have permissions to access this resource.")
    expect_error(lambda: member_org.create_account(Email=f"{unique('m')}@example.com", AccountName="m"),
                 "AccessDeniedException")


def test_organizations_calls_are_authorized_by_iam_policies(org_server, organization):
    iam = client(org_server, "iam")
    name = unique("reader")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read",
                        PolicyDocument=policy(allow(["organizations:Describe*", "organizations:List*"])))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    reader = client(org_server, "organizations", key["AccessKeyId"], key["SecretAccessKey"])
    assert reader.describe_organization()["Organization"]["Id"] == organization["Id"]
    assert any(a["Id"] == ACCOUNT_ID for a in reader.list_accounts()["Accounts"])
    response = expect_error(lambda: reader.create_account(Email=f"{unique('r')}@example.com", AccountName="r"),
                            "AccessDeniedException", status=400)
    assert "organizations:CreateAccount" in response["Error"]["Message"]


def test_a_custom_role_name(org, org_server, admin):
    status = wait_for_account(org, org.create_account(Email=f"{unique('c')}@example.com", AccountName="Custom",
                                                      RoleName="Ops")["CreateAccountStatus"]["Id"])
    answer = assume(org_server, admin, f"arn:aws:iam::{status['AccountId']}:role/Ops")
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/Ops/ops")
    expect_error(lambda: assume(org_server, admin, f"arn:aws:iam::{status['AccountId']}:role/OrganizationAccountAccessRole"),
                 "AccessDenied")


def test_cross_account_assumption_needs_both_accounts_policies(org_server, admin, member, organization):
    """A role in the member account trusting a management-account user (with ExternalId): the user
    needs its own identity policy too, the ExternalId must match, and chaining caps at an hour."""
    iam = client(org_server, "iam")
    # The member's administrator (via the access role) writes the member account's trust policy.
    member_admin = session_client(org_server, "iam", assume(
        org_server, admin, f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole")["Credentials"])
    allowed_name, plain_name = unique("xa-allowed"), unique("xa-plain")
    users = {}
    for name, with_policy in ((allowed_name, True), (plain_name, False)):
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = {"arn": iam.get_user(UserName=name)["User"]["Arn"], "key": key["AccessKeyId"],
                       "secret": key["SecretAccessKey"]}
    role_name = unique("deploy")
    role_arn = f"arn:aws:iam::{member}:role/{role_name}"
    iam.put_user_policy(UserName=allowed_name, PolicyName="assume",
                        PolicyDocument=policy(allow("sts:AssumeRole", role_arn)))
    trust = policy({"Effect": "Allow", "Principal": {"AWS": [users[allowed_name]["arn"], users[plain_name]["arn"]]},
                    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "ticket-7"}}})
    member_admin.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)
    member_admin.put_role_policy(RoleName=role_name, PolicyName="list",
                                 PolicyDocument=policy(allow("iam:ListRoles")))

    answer = assume(org_server, users[allowed_name], role_arn, ExternalId="ticket-7")
    roles = session_client(org_server, "iam", answer["Credentials"]).list_roles()["Roles"]
    assert role_name in [r["RoleName"] for r in roles]  # the member account's roles
    # Wrong or missing ExternalId: the trust policy does not allow.
    expect_error(lambda: assume(org_server, users[allowed_name], role_arn, ExternalId="other"), "AccessDenied")
    expect_error(lambda: assume(org_server, users[allowed_name], role_arn), "AccessDenied")
    # Trusted by the role, but its own account grants nothing: cross-account needs both sides.
    expect_error(lambda: assume(org_server, users[plain_name], role_arn, ExternalId="ticket-7"), "AccessDenied")
    # Longer than an hour is fine directly, not when chaining from another session.
    direct = assume(org_server, users[allowed_name], role_arn, ExternalId="ticket-7", DurationSeconds=7200)
    assert direct["Credentials"]["AccessKeyId"].startswith("ASIA")
    admin_session = assume(org_server, admin, f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole")
    chained_sts = session_client(org_server, "sts", admin_session["Credentials"])
    member_admin.update_assume_role_policy(RoleName=role_name, PolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{member}:root"}, "Action": "sts:AssumeRole"}))
    expect_error(lambda: chained_sts.assume_role(RoleArn=role_arn, RoleSessionName="chain", DurationSeconds=7200),
                 "ValidationError")
    chained = chained_sts.assume_role(RoleArn=role_arn, RoleSessionName="chain", DurationSeconds=3600)
    assert chained["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{member}:assumed-role/{role_name}/chain"


def test_the_aws_cli_drives_organizations(org_server, organization):
    described = aws_cli(org_server, "organizations", "describe-organization")
    assert described["Organization"]["Id"] == organization["Id"]
    created = aws_cli(org_server, "organizations", "create-account", "--email", f"{unique('cli')}@example.com",
                      "--account-name", "From the CLI")
    request_id = created["CreateAccountStatus"]["Id"]
    status = aws_cli(org_server, "organizations", "describe-create-account-status",
                     "--create-account-request-id", request_id)["CreateAccountStatus"]
    assert status["State"] == "SUCCEEDED"
    listed = aws_cli(org_server, "organizations", "list-accounts")["Accounts"]
    assert status["AccountId"] in [a["Id"] for a in listed]


def test_accounts_and_their_roles_survive_a_restart(tmp_path):
    server = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        org = client(server, "organizations")
        org.create_organization()
        status = wait_for_account(org, org.create_account(Email="keep@example.com", AccountName="Keep")[
            "CreateAccountStatus"]["Id"])
        iam = client(server, "iam")
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=policy(allow("*")))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
    finally:
        server.stop()
    server = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        org = client(server, "organizations")
        assert org.describe_account(AccountId=status["AccountId"])["Account"]["Name"] == "Keep"
        answer = assume(server, {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]},
                        f"arn:aws:iam::{status['AccountId']}:role/OrganizationAccountAccessRole")
        assert session_client(server, "sts", answer["Credentials"]).get_caller_identity()["Account"] == status[
            "AccountId"]
        expect_error(lambda: client(server, "organizations").delete_organization(), "OrganizationNotEmptyException")
    finally:
        server.stop()


def test_an_empty_organization_can_be_deleted(tmp_path):
    server = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        org = client(server, "organizations")
        org.create_organization(FeatureSet="CONSOLIDATED_BILLING")
        assert org.describe_organization()["Organization"]["FeatureSet"] == "CONSOLIDATED_BILLING"
        org.delete_organization()
        expect_error(org.describe_organization, "AWSOrganizationsNotInUseException")
        assert org.create_organization()["Organization"]["FeatureSet"] == "ALL"
    finally:
        server.stop()


def warden_account(server, *args: str, key: str = ROOT_ACCESS_KEY_ID, secret: str = ROOT_SECRET_ACCESS_KEY):
    env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    return subprocess.run([str(warden_bin()), "account", *args, "--endpoint-url", server.endpoint],
                          capture_output=True, text=True, env=env, timeout=60)


def test_warden_account_create_and_list(org_server, organization, admin):
    email = f"{unique('shortcut')}@example.com"
    created = warden_account(org_server, "create", "--name", "Shortcut", "--email", email)
    assert created.returncode == 0, created.stderr
    account_id = created.stdout.strip()
    assert len(account_id) == 12 and account_id.isdigit()
    listed = warden_account(org_server, "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    accounts = {a["Id"]: a for a in json.loads(listed.stdout)["Accounts"]}
    assert accounts[account_id]["Email"] == email and accounts[account_id]["Name"] == "Shortcut"
    table = warden_account(org_server, "list")
    assert table.returncode == 0 and account_id in table.stdout and "Shortcut" in table.stdout
    # The same account reached the AWS way, through its access role.
    answer = assume(org_server, admin, f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole")
    assert session_client(org_server, "sts", answer["Credentials"]).get_caller_identity()["Account"] == account_id
    # The email is taken now: the request fails, and the command says why.
    again = warden_account(org_server, "create", "--name", "Again", "--email", email)
    assert again.returncode == 1 and "EMAIL_ALREADY_EXISTS" in again.stderr


def test_warden_account_is_authorized_like_any_call(org_server, organization):
    iam = client(org_server, "iam")
    name = unique("nobody")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    refused = warden_account(org_server, "list", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert refused.returncode == 2
    assert "AccessDeniedException" in refused.stderr and "organizations:ListAccounts" in refused.stderr
