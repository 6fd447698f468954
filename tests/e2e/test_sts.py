"""STS: AssumeRole and GetSessionToken with real clients — trust policies, identity policies,
session policies (inline and managed ARNs), durations, role chaining, tags, and temporary
credentials that are checked on every request."""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    allow,
    aws_cli,
    expect_error,
    iam_client,
    policy,
    root_client,
    start_warden,
    unique,
)

pytestmark = pytest.mark.warden_only


def trust(principal: dict, condition: dict | None = None, actions: str | list = "sts:AssumeRole") -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions}
    if condition:
        statement["Condition"] = condition
    return policy(statement)


def sts_for(server, key: str, secret: str, token: str | None = None, region: str = "us-east-1"):
    return boto3.client("sts", endpoint_url=server.endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY)


def iam_for(server, credentials: dict):
    return boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], config=NO_RETRY)


def make_role(iam, trust_policy: str, permissions: str | None = None, **kwargs) -> dict:
    name = unique("role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **kwargs)["Role"]
    if permissions:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=permissions)
    return role


def test_a_user_named_in_the_trust_policy_assumes_the_role(server, iam, new_user):
    user = new_user("assumer")
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow(["iam:ListUsers", "iam:GetRole"])))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="build-42")
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/build-42"
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:build-42"
    session = sts_for(server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    identity = session.get_caller_identity()
    assert identity["Arn"] == answer["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == f"{role['RoleId']}:build-42"
    as_role = iam_for(server, credentials)
    assert "Users" in as_role.list_users()
    expect_error(lambda: as_role.create_user(UserName=unique("x")), "AccessDenied", status=403)
    last_used = iam.get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]
    assert last_used["Region"] == "us-east-1" and "LastUsedDate" in last_used


def test_trusting_the_account_needs_the_callers_identity_policy(iam, new_user, server):
    user = new_user("acct")
    role = make_role(iam, trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    response = expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"), "AccessDenied",
                            status=403)
    assert "sts:AssumeRole" in response["Error"]["Message"]
    iam.put_user_policy(UserName=user.name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole", role["Arn"])))
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess")["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_a_caller_the_trust_policy_does_not_name_is_refused(iam, new_user, server):
    outsider = new_user("outsider")
    iam.put_user_policy(UserName=outsider.name, PolicyName="all", PolicyDocument=policy(allow("sts:*")))
    role = make_role(iam, trust({"Service": "ec2.amazonaws.com"}))
    sts = sts_for(server, outsider.access_key_id, outsider.secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"), "AccessDenied", status=403)
    expect_error(lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/no-such-role", RoleSessionName="sess"),
                 "AccessDenied", status=403)


def test_the_root_user_cannot_assume_roles(iam, server):
    role = make_role(iam, trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    sts = sts_for(server, server.root_access_key_id, server.root_secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"), "AccessDenied",
                 message="Roles may not be assumed by root accounts.", status=403)


def test_external_id_condition(iam, new_user, server):
    user = new_user("ext")
    role = make_role(iam, trust({"AWS": user.arn}, {"StringEquals": {"sts:ExternalId": "s3cret-ext"}}))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"), "AccessDenied", status=403)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", ExternalId="wrong"),
                 "AccessDenied", status=403)
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", ExternalId="s3cret-ext")


def test_durations_and_role_chaining(iam, new_user, server):
    user = new_user("dur")
    first = make_role(iam, trust({"AWS": user.arn}), MaxSessionDuration=7200)
    second = make_role(iam, trust({"AWS": first["Arn"]}), MaxSessionDuration=7200)
    iam.put_role_policy(RoleName=first["RoleName"], PolicyName="chain",
                        PolicyDocument=policy(allow("sts:AssumeRole", second["Arn"])))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=first["Arn"], RoleSessionName="sess", DurationSeconds=7201),
                 "ValidationError", message="The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    credentials = sts.assume_role(RoleArn=first["Arn"], RoleSessionName="sess", DurationSeconds=7200)["Credentials"]
    chained = sts_for(server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    expect_error(lambda: chained.assume_role(RoleArn=second["Arn"], RoleSessionName="chain", DurationSeconds=3601),
                 "ValidationError",
                 message="The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    hop = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="chain", DurationSeconds=3600)
    assert hop["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{second['RoleName']}/chain")


def test_session_policies_narrow_the_role(iam, new_user, server):
    user = new_user("narrow")
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow(["iam:ListUsers", "iam:ListRoles", "iam:CreateGroup"])))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    inline = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                             Policy=policy(allow("iam:ListRoles")))
    assert 0 < inline["PackedPolicySize"] <= 100
    as_inline = iam_for(server, inline["Credentials"])
    assert "Roles" in as_inline.list_roles()
    expect_error(as_inline.list_users, "AccessDenied", status=403)
    # An AWS managed policy as the session policy: reads only, within the role's grants.
    managed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                              PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}])["Credentials"]
    as_managed = iam_for(server, managed)
    assert "Users" in as_managed.list_users()
    expect_error(lambda: as_managed.create_group(GroupName=unique("g")), "AccessDenied", status=403)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                                         Policy='{"Version":"2012-10-17","Statement":[]}'),
                 "MalformedPolicyDocument", status=400)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                                         PolicyArns=[{"arn": "arn:aws:iam::aws:policy/NoSuchPolicyHere"}]),
                 "ValidationError", status=400)


def test_session_tags_need_tag_session_and_become_principal_tags(iam, new_user, server):
    user = new_user("tags")
    role = make_role(iam, trust({"AWS": user.arn}),
                     policy(allow("iam:ListUsers", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", Tags=[{"Key": "team", "Value": "blue"}]),
                 "AccessDenied", status=403)
    iam.update_assume_role_policy(RoleName=role["RoleName"],
                                  PolicyDocument=trust({"AWS": user.arn}, actions=["sts:AssumeRole", "sts:TagSession"]))
    blue = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", Tags=[{"Key": "team", "Value": "blue"}])
    assert "Users" in iam_for(server, blue["Credentials"]).list_users()
    red = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess", Tags=[{"Key": "team", "Value": "red"}])
    expect_error(iam_for(server, red["Credentials"]).list_users, "AccessDenied", status=403)


def test_temporary_credentials_are_checked(iam, new_user, server):
    user = new_user("tamper")
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow(["iam:ListUsers", "iam:ListAccessKeys"])))
    credentials = sts_for(server, user.access_key_id, user.secret_access_key).assume_role(
        RoleArn=role["Arn"], RoleSessionName="sess")["Credentials"]
    wrong_secret = dict(credentials, SecretAccessKey="x" * 40)
    expect_error(iam_for(server, wrong_secret).list_users, "SignatureDoesNotMatch", status=403)
    token = credentials["SessionToken"]
    tampered = dict(credentials, SessionToken=token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:])
    expect_error(iam_for(server, tampered).list_users, "InvalidClientTokenId", status=403)
    no_token = dict(credentials, SessionToken=None)
    expect_error(iam_for(server, no_token).list_users, "InvalidClientTokenId", status=403)
    # A role session is not a user.
    expect_error(iam_for(server, credentials).list_access_keys, "ValidationError",
                 message="Must specify userName when calling with non-User credentials")
    # Deleting the role ends its sessions.
    iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="p")
    iam.delete_role(RoleName=role["RoleName"])
    expect_error(iam_for(server, credentials).list_users, "InvalidClientTokenId", status=403)


def test_get_session_token(iam, new_user, server):
    user = new_user("gst")
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(allow("iam:ListUsers")))
    role = make_role(iam, trust({"AWS": user.arn}))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    session = sts_for(server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    assert session.get_caller_identity()["Arn"] == user.arn
    # Without MFA such credentials cannot call IAM, and STS only AssumeRole and GetCallerIdentity.
    expect_error(iam_for(server, credentials).list_users, "AccessDenied", status=403)
    expect_error(session.get_session_token, "AccessDenied", status=403)
    session.assume_role(RoleArn=role["Arn"], RoleSessionName="from-session")
    expect_error(lambda: sts.get_session_token(DurationSeconds=129601), "ValidationError", status=400)
    expect_error(lambda: sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/x", TokenCode="123456"),
                 "AccessDenied", status=403)


def test_the_aws_cli_assumes_a_role(iam, new_user, server):
    user = new_user("cli")
    role = make_role(iam, trust({"AWS": user.arn}))
    answer = aws_cli(server, "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli",
                     access_key_id=user.access_key_id, secret_access_key=user.secret_access_key)
    assert answer["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{role['RoleName']}/cli")
    assert answer["Credentials"]["SessionToken"]


def test_cross_account_needs_both_sides(tmp_path):
    other = "210987654321"
    seed = tmp_path / "seed.yaml"
    seed.write_text(f"""
accounts:
  - users:
      - name: alice
        access_keys: [{{id: AKIAALICE00000000001, secret: {"a" * 40}}}]
  - id: "{other}"
    roles:
      - name: shared
        assume_role_policy:
          Version: "2012-10-17"
          Statement: [{{Effect: Allow, Principal: {{AWS: "arn:aws:iam::{ACCOUNT_ID}:root"}}, Action: sts:AssumeRole}}]
        policies:
          - name: read
            document: {{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: "iam:ListRoles", Resource: "*"}}]}}
""")
    running = start_warden(tmp_path / "unused", tmp_path / "logs", serve_args=["--dev", "--enforce", "--seed", str(seed)])
    try:
        role_arn = f"arn:aws:iam::{other}:role/shared"
        alice = sts_for(running, "AKIAALICE00000000001", "a" * 40)
        # The trust policy allows alice's account, but her own policies do not allow the call.
        expect_error(lambda: alice.assume_role(RoleArn=role_arn, RoleSessionName="xacct"), "AccessDenied", status=403)
        root_client(running).put_user_policy(UserName="alice", PolicyName="assume",
                                             PolicyDocument=policy(allow("sts:AssumeRole", role_arn)))
        answer = alice.assume_role(RoleArn=role_arn, RoleSessionName="xacct")
        assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{other}:assumed-role/shared/xacct"
        in_other = iam_for(running, answer["Credentials"])
        assert [r["RoleName"] for r in in_other.list_roles()["Roles"]] == ["shared"]
        expect_error(in_other.list_users, "AccessDenied", status=403)
    finally:
        assert running.stop() == 0


def test_dev_mode_made_up_credentials_assume_any_role(tmp_path):
    running = start_warden(tmp_path / "unused", tmp_path / "logs", root_keys=False, master_key=False,
                           serve_args=["--dev"])
    try:
        fake = boto3.client("iam", endpoint_url=running.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing", config=NO_RETRY)
        role = fake.create_role(RoleName="app", AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"}))["Role"]
        answer = sts_for(running, "testing", "testing", "testing").assume_role(RoleArn=role["Arn"], RoleSessionName="test")
        credentials = answer["Credentials"]
        # The session is a real one: its identity is the role's.
        identity = sts_for(running, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                           credentials["SessionToken"]).get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/app/test"
        assert requests.post(f"{running.endpoint}/_warden/reset", timeout=10).status_code == 200
    finally:
        assert running.stop() == 0


def test_get_federation_token(iam, new_user, server):
    user = new_user("fed")
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(
        allow(["sts:GetFederationToken", "iam:ListUsers", "iam:ListRoles"])))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    answer = sts.get_federation_token(Name="bob", Policy=policy(allow("iam:ListUsers")), DurationSeconds=900)
    assert answer["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT_ID}:bob",
                                       "Arn": f"arn:aws:sts::{ACCOUNT_ID}:federated-user/bob"}
    credentials = answer["Credentials"]
    federated = sts_for(server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    identity = federated.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:federated-user/bob"
    assert identity["UserId"] == f"{ACCOUNT_ID}:bob"
    # Federated users call no IAM operation and no STS operation but GetCallerIdentity.
    expect_error(iam_for(server, credentials).list_users, "AccessDenied", status=403)
    expect_error(lambda: federated.get_federation_token(Name="again"), "AccessDenied", status=403)
    # Not callable with temporary credentials; needs sts:GetFederationToken.
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow("sts:GetFederationToken")))
    role_credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess")["Credentials"]
    as_role = sts_for(server, role_credentials["AccessKeyId"], role_credentials["SecretAccessKey"],
                      role_credentials["SessionToken"])
    expect_error(lambda: as_role.get_federation_token(Name="nope"), "AccessDenied", status=403)
    stranger = new_user("nofed")
    expect_error(lambda: sts_for(server, stranger.access_key_id, stranger.secret_access_key).get_federation_token(Name="x1"),
                 "AccessDenied", status=403)


def test_get_access_key_info(iam, new_user, server):
    user = new_user("info")
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(allow("sts:GetAccessKeyInfo")))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    assert sts.get_access_key_info(AccessKeyId=user.access_key_id)["Account"] == ACCOUNT_ID
    temporary = sts.get_session_token(DurationSeconds=900)["Credentials"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=temporary)["Account"] == ACCOUNT_ID
    stranger = new_user("noinfo")
    expect_error(lambda: sts_for(server, stranger.access_key_id, stranger.secret_access_key).get_access_key_info(
        AccessKeyId=user.access_key_id), "AccessDenied", status=403)


def lint_as(server, credentials: dict) -> requests.Response:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=server.endpoint + "/v1/policy/lint",
                         data=json.dumps({"document": "{}"}), headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]),
              "access-analyzer", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def test_a_federated_user_has_the_intersection_and_nothing_without_a_session_policy(iam, new_user, server):
    user = new_user("fedperm")
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(
        allow(["sts:GetFederationToken", "access-analyzer:ValidatePolicy"])))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    without = sts.get_federation_token(Name="plain")["Credentials"]
    assert lint_as(server, without).status_code == 403
    narrowed = sts.get_federation_token(Name="narrow", Policy=policy(allow("access-analyzer:ValidatePolicy")))
    assert lint_as(server, narrowed["Credentials"]).status_code == 200
    # The session policy cannot grant what the user lacks.
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(allow("sts:GetFederationToken")))
    assert lint_as(server, narrowed["Credentials"]).status_code == 403
    # A role session keeps the role's permissions when it has no session policy.
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow("access-analyzer:ValidatePolicy")))
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(allow("sts:*")))
    as_role = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess")["Credentials"]
    assert lint_as(server, as_role).status_code == 200


def test_a_managed_session_policy_follows_its_default_version(iam, new_user, server):
    user = new_user("follow")
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow(["iam:ListUsers", "iam:ListRoles"])))
    managed = iam.create_policy(PolicyName=unique("sess"), PolicyDocument=policy(allow("iam:ListUsers")))["Policy"]
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    session = iam_for(server, sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                                              PolicyArns=[{"arn": managed["Arn"]}])["Credentials"])
    assert "Users" in session.list_users()
    expect_error(session.list_roles, "AccessDenied", status=403)
    iam.create_policy_version(PolicyArn=managed["Arn"], PolicyDocument=policy(allow("iam:ListRoles")),
                              SetAsDefault=True)
    assert "Roles" in session.list_roles()
    expect_error(session.list_users, "AccessDenied", status=403)


def test_decode_authorization_message_needs_permission_and_a_message_warden_issued(server, iam, new_user):
    """Encoded messages come from Warden's authorization answers for other services; IAM and STS
    never encode their own denials. Here: the permission check and the refusal of foreign text,
    through boto3 and the AWS CLI (the decoding itself is covered in warden-core's tests)."""
    plain = new_user("nodecode")
    sts = sts_for(server, plain.access_key_id, plain.secret_access_key)
    expect_error(lambda: sts.decode_authorization_message(EncodedMessage="abc"), "AccessDenied", status=403)
    reader = new_user("decoder")
    iam.put_user_policy(UserName=reader.name, PolicyName="decode",
                        PolicyDocument=policy(allow("sts:DecodeAuthorizationMessage")))
    sts = sts_for(server, reader.access_key_id, reader.secret_access_key)
    expect_error(lambda: sts.decode_authorization_message(EncodedMessage="bm90LWEtd2FyZGVuLW1lc3NhZ2U"),
                 "InvalidAuthorizationMessageException", status=400)
    with pytest.raises(Exception) as caught:
        aws_cli(server, "sts", "decode-authorization-message", "--encoded-message", "garbage",
                access_key_id=reader.access_key_id, secret_access_key=reader.secret_access_key)
    assert "InvalidAuthorizationMessageException" in str(caught.value)


def test_revoking_older_sessions_denies_them_by_token_issue_time(server, iam, new_user):
    """AWS's "Revoke active sessions": an inline deny on aws:TokenIssueTime older than a moment
    refuses every session issued before it, and none issued after."""
    import time as _time
    from datetime import datetime, timezone

    user = new_user("revoked")
    role = make_role(iam, trust({"AWS": user.arn}), policy(allow("iam:ListRoles")))
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    old = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="before")["Credentials"]
    assert "Roles" in iam_for(server, old).list_roles()
    # The revocation moment: the next whole second after the old session was issued.
    _time.sleep(1.1)
    cutoff = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = {"Effect": "Deny", "Action": "*", "Resource": "*",
              "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}}}
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="AWSRevokeOlderSessions", PolicyDocument=policy(revoke))
    response = expect_error(lambda: iam_for(server, old).list_roles(), "AccessDenied", status=403)
    assert "explicit deny" in response["Error"]["Message"]
    _time.sleep(1.1)
    new = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="after")["Credentials"]
    assert "Roles" in iam_for(server, new).list_roles()
    # Long-term credentials carry no aws:TokenIssueTime: the condition does not match them.
    iam.put_user_policy(UserName=user.name, PolicyName="list", PolicyDocument=policy(allow("iam:ListRoles")))
    iam.put_user_policy(UserName=user.name, PolicyName="revoke", PolicyDocument=policy(revoke))
    assert "Roles" in user.client.list_roles()
