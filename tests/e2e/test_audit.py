"""The audit trail with real clients: every request becomes one CloudTrail record — checked field
by field for an allowed call, a denied call, an STS call, a role session's call and a failed
signature — secrets never enter it, `warden audit query` reads and filters it while the server
runs, and `warden audit verify` finds a changed, removed or reordered event."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time

import boto3
import pytest

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    allow,
    create_user_with_key,
    expect_error,
    iam_client,
    policy,
    root_client,
    start_warden,
    unique,
    warden_bin,
)

pytestmark = pytest.mark.warden_only

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    base = tmp_path_factory.mktemp("audit")
    running = start_warden(base / "data", base / "logs")
    yield running
    assert running.stop() == 0


def audit(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run([str(warden_bin()), "audit", *args], capture_output=True, text=True, timeout=60)
    if check:
        assert completed.returncode == 0, completed.stderr
    return completed


def events(server, *filters: str) -> list[dict]:
    out = audit("query", "--data", str(server.data_dir), *filters).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def one(server, request_id: str) -> dict:
    found = [e for e in events(server) if e["requestID"] == request_id]
    assert len(found) == 1, f"{len(found)} events for request {request_id}"
    return found[0]


def common_fields(event: dict, name: str, source: str = "iam.amazonaws.com") -> None:
    assert event["eventVersion"] == "1.08"
    assert event["eventSource"] == source
    assert event["eventName"] == name
    assert TIME.match(event["eventTime"])
    assert event["awsRegion"] == "us-east-1"
    assert event["sourceIPAddress"] == "127.0.0.1"
    assert "Boto3" in event["userAgent"] or "aws-cli" in event["userAgent"]
    assert UUID.match(event["eventID"])
    assert event["eventType"] == "AwsApiCall"
    assert event["managementEvent"] is True
    assert event["eventCategory"] == "Management"
    assert event["recipientAccountId"] == ACCOUNT_ID


def test_an_allowed_call(own):
    iam = root_client(own)
    name = unique("audited")
    answer = iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "blue"}])
    event = one(own, answer["ResponseMetadata"]["RequestId"])
    common_fields(event, "CreateUser")
    assert event["userIdentity"] == {
        "type": "Root", "principalId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
        "accountId": ACCOUNT_ID, "accessKeyId": own.root_access_key_id,
    }
    assert event["requestParameters"] == {"userName": name, "tags": [{"key": "team", "value": "blue"}]}
    user = event["responseElements"]["user"]
    assert user["userName"] == name and user["arn"] == answer["User"]["Arn"]
    assert event["readOnly"] is False
    assert "errorCode" not in event


def test_a_denied_call(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "denied")
    with pytest.raises(Exception):
        user.client.list_users()
    denied = [e for e in events(own, "--errors-only", "--principal", user.arn)]
    assert len(denied) == 1
    event = denied[0]
    common_fields(event, "ListUsers")
    assert event["errorCode"] == "AccessDenied"
    assert event["errorMessage"].startswith(f"User: {user.arn} is not authorized to perform: iam:ListUsers")
    assert event["userIdentity"] == {
        "type": "IAMUser", "principalId": user.user_id, "arn": user.arn, "accountId": ACCOUNT_ID,
        "accessKeyId": user.access_key_id, "userName": user.name,
    }
    assert event["responseElements"] is None
    assert event["readOnly"] is True


def test_an_sts_call_and_the_role_sessions_calls(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "assumer")
    role_name = unique("audited-role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}))["Role"]
    iam.put_role_policy(RoleName=role_name, PolicyName="p", PolicyDocument=policy(allow("iam:GetRole")))
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=policy(allow("sts:AssumeRole")))
    sts = boto3.client("sts", endpoint_url=own.endpoint, region_name="us-east-1", aws_access_key_id=user.access_key_id,
                       aws_secret_access_key=user.secret_access_key, config=NO_RETRY)
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="audit-session")
    credentials = answer["Credentials"]
    event = one(own, answer["ResponseMetadata"]["RequestId"])
    common_fields(event, "AssumeRole", source="sts.amazonaws.com")
    assert event["requestParameters"] == {"roleArn": role["Arn"], "roleSessionName": "audit-session"}
    returned = event["responseElements"]["credentials"]
    assert returned["accessKeyId"] == credentials["AccessKeyId"]
    assert returned["secretAccessKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert returned["sessionToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert event["responseElements"]["assumedRoleUser"]["arn"] == answer["AssumedRoleUser"]["Arn"]

    session = boto3.client("iam", endpoint_url=own.endpoint, region_name="us-east-1",
                           aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"],
                           aws_session_token=credentials["SessionToken"], config=NO_RETRY)
    got = session.get_role(RoleName=role_name)
    event = one(own, got["ResponseMetadata"]["RequestId"])
    identity = event["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role['RoleId']}:audit-session"
    assert identity["arn"] == answer["AssumedRoleUser"]["Arn"]
    assert identity["accessKeyId"] == credentials["AccessKeyId"]
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role", "principalId": role["RoleId"], "arn": role["Arn"], "accountId": ACCOUNT_ID,
        "userName": role_name,
    }
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert TIME.match(identity["sessionContext"]["attributes"]["creationDate"])


def test_a_failed_signature_is_recorded_with_the_claimed_key(own):
    iam = root_client(own)
    user = create_user_with_key(own, iam, "forger")
    forged = iam_client(own, user.access_key_id, "not-the-secret-not-the-secret-0000000000")
    expect_error(lambda: forged.get_user(), "SignatureDoesNotMatch")
    failed = [e for e in events(own, "--errors-only", "--event-name", "GetUser")
              if e["userIdentity"].get("accessKeyId") == user.access_key_id]
    assert len(failed) == 1
    assert failed[0]["userIdentity"]["type"] == "Unknown"
    assert failed[0]["errorCode"] == "SignatureDoesNotMatch"


def test_secrets_never_enter_the_trail(own):
    iam = root_client(own)
    name = unique("secret")
    iam.create_user(UserName=name)
    password = f"Trail-{unique('pw')}-1!"
    iam.create_login_profile(UserName=name, Password=password)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("trail-mfa"))["VirtualMFADevice"]
    text = audit("query", "--data", str(own.data_dir)).stdout
    assert password not in text
    assert key["SecretAccessKey"] not in text
    assert device["Base32StringSeed"].decode() not in text
    profile = [e for e in events(own, "--event-name", "CreateLoginProfile")
               if e["requestParameters"]["userName"] == name][0]
    assert profile["requestParameters"]["password"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    database = (own.data_dir / "warden.db").read_bytes()
    assert password.encode() not in database
    assert key["SecretAccessKey"].encode() not in database


def test_query_filters_and_table_format(own):
    iam = root_client(own)
    start = int(time.time())
    name = unique("filtered")
    iam.create_user(UserName=name)
    iam.get_user(UserName=name)
    recent = events(own, "--since", str(start), "--event-name", "GetUser")
    mine = [e for e in recent if e["requestParameters"] == {"userName": name}]
    assert mine
    # As in CloudTrail, a read's answer is not recorded.
    assert mine[0]["responseElements"] is None and mine[0]["readOnly"] is True
    assert all(e["eventName"] == "GetUser" for e in recent)
    assert events(own, "--until", "1000") == []
    assert all(e["recipientAccountId"] == ACCOUNT_ID for e in events(own, "--account", ACCOUNT_ID))
    assert events(own, "--account", "999999999999") == []
    table = audit("query", "--data", str(own.data_dir), "--format", "table", "--event-name", "CreateUser").stdout
    assert table.splitlines()[0].split()[:3] == ["SEQ", "TIME", "EVENT"]
    assert any("CreateUser" in line and f"arn:aws:iam::{ACCOUNT_ID}:root" in line for line in table.splitlines()[1:])


def test_verify_finds_tampering(tmp_path):
    running = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        iam = root_client(running)
        for i in range(5):
            iam.create_user(UserName=f"t{i}")
    finally:
        assert running.stop() == 0
    data = str(tmp_path / "data")
    ok = audit("verify", "--data", data)
    assert "intact" in ok.stdout
    db = tmp_path / "data" / "warden.db"
    conn = sqlite3.connect(db)
    (expected,) = conn.execute("SELECT seq FROM audit_events WHERE body LIKE '%\"t2\"%'").fetchone()
    conn.close()
    pristine = db.read_bytes()

    def tampered(sql: str) -> subprocess.CompletedProcess:
        db.write_bytes(pristine)
        for suffix in ("-wal", "-shm"):
            (tmp_path / "data" / f"warden.db{suffix}").unlink(missing_ok=True)
        # `with` would only commit: the connection must be closed before the next restore.
        conn = sqlite3.connect(db)
        conn.execute(sql)
        conn.commit()
        conn.close()
        return audit("verify", "--data", data, check=False)

    changed = tampered("UPDATE audit_events SET body = replace(body, 't2', 'tX') WHERE body LIKE '%\"t2\"%'")
    assert changed.returncode == 1
    assert int(re.search(r"broken at event (\d+)", changed.stdout).group(1)) == expected

    removed = tampered("DELETE FROM audit_events WHERE seq = 2")
    assert removed.returncode == 1 and "broken at event 2" in removed.stdout

    swapped = tampered("UPDATE audit_events SET body = CASE seq WHEN 1 THEN (SELECT body FROM audit_events WHERE seq = 2) "
                       "ELSE (SELECT body FROM audit_events WHERE seq = 1) END WHERE seq IN (1, 2)")
    assert swapped.returncode == 1 and "broken at event 1" in swapped.stdout

    cut = tampered("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")
    assert cut.returncode == 1

    db.write_bytes(pristine)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "data" / f"warden.db{suffix}").unlink(missing_ok=True)
    assert audit("verify", "--data", data).returncode == 0


def test_query_works_while_the_server_runs_and_without_data_it_fails_clearly(own, tmp_path):
    root_client(own).list_users()
    assert events(own, "--event-name", "ListUsers")
    missing = audit("query", "--data", str(tmp_path / "nothing"), check=False)
    assert missing.returncode == 2 and "no Warden database" in missing.stderr


def lookup(server, body: dict | str, key: str | None = None, secret: str | None = None):
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = body if isinstance(body, str) else json.dumps(body)
    request = AWSRequest(method="POST", url=server.endpoint + "/v1/audit/events", data=data,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key or server.root_access_key_id, secret or server.root_secret_access_key),
              "cloudtrail", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def test_the_lookup_api_pages_filters_and_is_authorized(own):
    iam = root_client(own)
    name = unique("looked-up")
    iam.create_user(UserName=name)
    found = lookup(own, {"eventName": "CreateUser", "maxResults": 1000})
    assert found.status_code == 200, found.text
    assert any(e["requestParameters"] == {"userName": name} for e in found.json()["events"])
    # Paging: one at a time, the pages chain through nextToken without repeats.
    first = lookup(own, {"maxResults": 2}).json()
    second = lookup(own, {"maxResults": 2, "nextToken": first["nextToken"]}).json()
    ids = [e["eventID"] for e in first["events"] + second["events"]]
    assert len(ids) == 4 and len(set(ids)) == 4
    bad = lookup(own, {"maxResults": 0})
    assert bad.status_code == 400
    assert bad.json()["__type"] == "InvalidLookupAttributesException"
    # A user needs cloudtrail:LookupEvents.
    user = create_user_with_key(own, iam, "looker")
    denied = lookup(own, {}, user.access_key_id, user.secret_access_key)
    assert denied.status_code == 403 and denied.json()["__type"] == "AccessDenied"
    iam.put_user_policy(UserName=user.name, PolicyName="trail", PolicyDocument=policy(allow("cloudtrail:LookupEvents")))
    allowed = lookup(own, {"principal": user.arn}, user.access_key_id, user.secret_access_key)
    assert allowed.status_code == 200
    assert [e["eventName"] for e in allowed.json()["events"]] == ["LookupEvents"]
    # The lookups themselves are recorded.
    assert events(own, "--event-name", "LookupEvents", "--principal", user.arn)
