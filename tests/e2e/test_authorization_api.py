"""The authorization API (`POST /v1/authorize`, `/v1/authorize/batch`) end to end: the example
object store (examples/object-store) asks Warden about every request the AWS CLI and boto3 send
it — same-account grants, cross-account grants through bucket policies with `aws:SourceIp`,
explicit denies, presigned URLs — and the API answered directly: identities, batches, encoded
denial messages, and AWS-shaped errors.

One module server with an organization: account A (the first) owns the store's buckets, account
B is a member made by CreateAccount."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    REGION,
    REPO_ROOT,
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    allow,
    deny,
    policy,
    start_warden,
    unique,
)

pytestmark = pytest.mark.warden_only


def client(endpoint: str, service: str, key: str, secret: str, token: str | None = None, **config):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=NO_RETRY.merge(Config(**config)) if config else NO_RETRY)


@pytest.fixture(scope="module")
def warden(tmp_path_factory):
    base = tmp_path_factory.mktemp("authorization-api")
    server = start_warden(base / "data", base / "logs")
    yield server
    server.stop()


def make_user(iam, prefix: str, *statements: dict) -> dict:
    name = unique(prefix)
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"name": name, "arn": arn, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


@pytest.fixture(scope="module")
def world(warden):
    """Account A's users, a member account B and its users."""
    iam = client(warden.endpoint, "iam", ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    org = client(warden.endpoint, "organizations", ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    org.create_organization(FeatureSet="ALL")
    request_id = org.create_account(Email=f"{unique('b')}@example.com", AccountName="B")["CreateAccountStatus"]["Id"]
    deadline = time.monotonic() + 30
    while True:
        status = org.describe_create_account_status(CreateAccountRequestId=request_id)["CreateAccountStatus"]
        if status["State"] != "IN_PROGRESS" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status["State"] == "SUCCEEDED", status
    member = status["AccountId"]
    admin = make_user(iam, "admin", allow("*"))
    sts = client(warden.endpoint, "sts", admin["key"], admin["secret"])
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                            RoleSessionName="setup")["Credentials"]
    member_iam = client(warden.endpoint, "iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    return SimpleNamespace(
        iam=iam,
        member=member,
        member_creds=creds,
        service=make_user(iam, "store", allow("warden:Authorize", "arn:aws:s3:::*")),
        alice=make_user(iam, "alice", allow("s3:*", "arn:aws:s3:::*")),
        bob=make_user(member_iam, "bob", allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::*")),
        carol=make_user(member_iam, "carol"),
        nobody=make_user(iam, "nobody"),
    )


def object_store_bin() -> Path:
    return Path(os.environ.get("OBJECT_STORE_BIN", REPO_ROOT / "target" / "debug" / "object-store"))


@pytest.fixture(scope="module")
def store(warden, world, tmp_path_factory):
    binary = object_store_bin()
    if not binary.exists():
        pytest.fail(f"{binary} not found: cargo build -p object-store, or set OBJECT_STORE_BIN")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WARDEN_"))}
    env.update({"WARDEN_ENDPOINT": warden.endpoint, "WARDEN_ACCESS_KEY_ID": world.service["key"],
                "WARDEN_SECRET_ACCESS_KEY": world.service["secret"], "OBJECT_STORE_LISTEN": "127.0.0.1:0"})
    logs = tmp_path_factory.mktemp("object-store")
    stderr = open(logs / "stderr.log", "ab")
    process = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, stderr=stderr, env=env)
    stderr.close()
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode(errors="replace")
            if line.startswith("listening on "):
                found.put(line.split()[-1])

    threading.Thread(target=pump, daemon=True).start()
    try:
        endpoint = found.get(timeout=30)
    except queue.Empty:
        process.kill()
        pytest.fail("the object store did not start: " + (logs / "stderr.log").read_text())
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def s3(store: str, who: dict):
    return client(store, "s3", who["key"], who["secret"], s3={"addressing_style": "path"}, signature_version="s3v4",
                  request_checksum_calculation="when_required", response_checksum_validation="when_required")


def s3_cli(store: str, who: dict, *args: str, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WARDEN_"))}
    env.update({"AWS_ACCESS_KEY_ID": who["key"], "AWS_SECRET_ACCESS_KEY": who["secret"], "AWS_DEFAULT_REGION": REGION,
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "",
                "AWS_MAX_ATTEMPTS": "1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required", "AWS_EC2_METADATA_DISABLED": "true"})
    done = subprocess.run([sys.executable, "-m", "awscli", "s3api", *args, "--endpoint-url", store, "--output", "json"],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    return done


def denied(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    assert e.value.response["Error"]["Code"] == "AccessDenied", e.value.response
    return e.value.response["Error"]["Message"]


def test_the_aws_cli_round_trip_through_the_store(store, world, tmp_path):
    bucket = unique("cli")
    alice = world.alice
    assert s3_cli(store, alice, "create-bucket", "--bucket", bucket).returncode == 0
    (tmp_path / "in.txt").write_text("hello from the CLI\n")
    put = s3_cli(store, alice, "put-object", "--bucket", bucket, "--key", "dir/a b.txt", "--body", "in.txt", cwd=tmp_path)
    assert put.returncode == 0, put.stderr
    listed = s3_cli(store, alice, "list-objects-v2", "--bucket", bucket, "--prefix", "dir/")
    assert listed.returncode == 0, listed.stderr
    assert [o["Key"] for o in json.loads(listed.stdout)["Contents"]] == ["dir/a b.txt"]
    got = s3_cli(store, alice, "get-object", "--bucket", bucket, "--key", "dir/a b.txt", "out.txt", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "out.txt").read_text() == "hello from the CLI\n"
    # A user of the same account without any policy is refused, with AWS's message.
    refused = s3_cli(store, world.nobody, "get-object", "--bucket", bucket, "--key", "dir/a b.txt", "x", cwd=tmp_path)
    assert refused.returncode != 0
    assert "AccessDenied" in refused.stderr
    assert f"User: {world.nobody['arn']} is not authorized to perform: s3:GetObject" in refused.stderr


def test_cross_account_reads_need_the_bucket_policy_and_the_callers_policy(store, world):
    bucket = unique("shared")
    owner = s3(store, world.alice)
    owner.create_bucket(Bucket=bucket)
    owner.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n")
    bob, carol = s3(store, world.bob), s3(store, world.carol)
    message = denied(lambda: bob.get_object(Bucket=bucket, Key="report.csv"))
    assert "because no resource-based policy allows the s3:GetObject action" in message

    def grant(cidr: str) -> None:
        owner.put_bucket_policy(Bucket=bucket, Policy=policy({
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{world.member}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"IpAddress": {"aws:SourceIp": cidr}}}))

    grant("127.0.0.0/8")
    assert bob.get_object(Bucket=bucket, Key="report.csv")["Body"].read() == b"a,b\n"
    assert [o["Key"] for o in bob.list_objects_v2(Bucket=bucket)["Contents"]] == ["report.csv"]
    # The bucket policy delegates to account B: B's user still needs its own identity policy.
    assert "because no identity-based policy allows" in denied(lambda: carol.get_object(Bucket=bucket, Key="report.csv"))
    # Writing was never granted across accounts.
    denied(lambda: bob.put_object(Bucket=bucket, Key="x", Body=b"x"))
    # The same grant from another network does not apply.
    grant("10.0.0.0/8")
    denied(lambda: bob.get_object(Bucket=bucket, Key="report.csv"))


def test_an_explicit_deny_in_the_bucket_policy_wins_in_the_same_account(store, world):
    bucket = unique("locked")
    owner = s3(store, world.alice)
    owner.create_bucket(Bucket=bucket)
    owner.put_object(Bucket=bucket, Key="k", Body=b"v")
    owner.put_bucket_policy(Bucket=bucket, Policy=policy({
        "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert "with an explicit deny in a resource-based policy" in denied(lambda: owner.delete_object(Bucket=bucket, Key="k"))
    assert owner.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_presigned_urls_and_anonymous_reads(store, world):
    bucket = unique("presigned")
    owner = s3(store, world.alice)
    owner.create_bucket(Bucket=bucket)
    owner.put_object(Bucket=bucket, Key="k", Body=b"presigned body")
    url = owner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600)
    assert requests.get(url, timeout=30).content == b"presigned body"
    tampered = url.replace("k?", "other?")
    assert requests.get(tampered, timeout=30).status_code in (403, 404)
    # Unsigned requests are anonymous: only a bucket policy naming everyone lets them in.
    plain = f"{store}/{bucket}/k"
    assert requests.get(plain, timeout=30).status_code == 403
    owner.put_bucket_policy(Bucket=bucket, Policy=policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert requests.get(plain, timeout=30).content == b"presigned body"


# --------------------------------------------------------------------------- the API directly


def call(warden, path: str, body, who: dict | None = None) -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    key, secret = (who["key"], who["secret"]) if who else (ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    request = AWSRequest(method="POST", url=warden.endpoint + path, data=data,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "warden", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def material(key: str, secret: str, token: str | None = None, service: str = "sqs") -> dict:
    """A request as a service would receive it, signed by botocore."""
    request = AWSRequest(method="GET", url="http://queue.example/123456789012/q?Action=ReceiveMessage",
                         headers={"User-Agent": "test-agent"})
    SigV4Auth(Credentials(key, secret, token), service, REGION).add_auth(request)
    prepared = request.prepare()
    return {"method": "GET", "path": "/123456789012/q", "query": "Action=ReceiveMessage",
            "headers": {**dict(prepared.headers), "host": "queue.example"}}


def test_a_role_session_is_resolved_from_its_signed_request(warden, world):
    creds = world.member_creds
    answer = call(warden, "/v1/authorize", {
        "request": material(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
        "action": "sqs:ReceiveMessage", "resource": f"arn:aws:sqs:us-east-1:{world.member}:q"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["allowed"] is True and body["decision"] == "allowed"
    assert body["principal"]["arn"] == f"arn:aws:sts::{world.member}:assumed-role/OrganizationAccountAccessRole/setup"
    assert body["principal"]["type"] == "AssumedRole"
    assert body["principal"]["userId"].endswith(":setup")
    assert body["resourceAccount"] == world.member
    assert body["matchedStatements"] and body["matchedStatements"][0]["policyType"] == "identity"


def test_a_bad_signature_is_an_unauthenticated_answer(warden, world):
    bad = material(world.alice["key"], "not-the-secret")
    body = call(warden, "/v1/authorize", {"request": bad, "action": "sqs:SendMessage", "resource": "*"}).json()
    assert body["allowed"] is False and body["decision"] == "unauthenticated"
    assert body["error"]["__type"] == "SignatureDoesNotMatch"
    old = material(world.alice["key"], world.alice["secret"])
    old["headers"]["X-Amz-Date"] = "20200101T000000Z"
    body = call(warden, "/v1/authorize", {"request": old, "action": "sqs:SendMessage", "resource": "*"}).json()
    assert body["decision"] == "unauthenticated"


def test_denials_carry_a_message_sts_decodes(warden, world):
    body = call(warden, "/v1/authorize", {"principal": world.nobody["arn"], "action": "s3:GetObject",
                                          "resource": "arn:aws:s3:::b/k", "context": {"aws:SourceIp": "10.1.2.3"}}).json()
    assert body["decision"] == "implicitDeny"
    assert body["message"] == (f"User: {world.nobody['arn']} is not authorized to perform: s3:GetObject on resource: "
                               "arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action")
    sts = client(warden.endpoint, "sts", ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=body["encodedMessage"])["DecodedMessage"])
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "s3:GetObject"
    assert decoded["context"]["principal"]["arn"] == world.nobody["arn"]


def test_the_caller_needs_warden_authorize_and_as_principal(warden, world):
    ask = {"principal": world.alice["arn"], "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    refused = call(warden, "/v1/authorize", ask, who=world.nobody)
    assert refused.status_code == 403
    assert refused.json()["__type"] == "AccessDenied"
    assert "warden:Authorize" in refused.json()["message"]
    # The store may ask about signed requests, but not vouch for a principal by ARN.
    refused = call(warden, "/v1/authorize", ask, who=world.service)
    assert refused.status_code == 403
    assert "warden:AuthorizeAsPrincipal" in refused.json()["message"]


def test_batches_answer_in_order_and_bad_input_is_a_json_error(warden, world):
    batch = call(warden, "/v1/authorize/batch", {"requests": [
        {"principal": world.alice["arn"], "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
        {"principal": world.nobody["arn"], "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
        {"principal": world.alice["arn"], "action": "not an action", "resource": "*"},
        {"principal": f"arn:aws:iam::{ACCOUNT_ID}:user/ghost", "action": "s3:GetObject", "resource": "*"},
    ]})
    assert batch.status_code == 200, batch.text
    answers = batch.json()["answers"]
    assert [a["decision"] for a in answers] == ["allowed", "implicitDeny", "error", "error"]
    assert answers[2]["error"]["__type"] == "ValidationException"
    assert answers[3]["error"]["__type"] == "NoSuchEntity"
    for body, status, code in [("not json", 400, "ValidationException"), ({"action": "s3:GetObject"}, 400, "ValidationException"),
                               ({"principal": world.alice["arn"], "action": "s3:GetObject", "resource": "*",
                                 "resourcePolicy": "{not a policy"}, 400, "MalformedPolicyDocument"),
                               ({"principal": world.alice["arn"], "action": "s3:GetObject", "resource": "*",
                                 "context": {"aws:PrincipalArn": "arn:aws:iam::1:root"}}, 400, "ValidationException")]:
        response = call(warden, "/v1/authorize", body)
        assert response.status_code == status, response.text
        assert response.json()["__type"] == code
        assert response.json()["message"]
    assert call(warden, "/v1/authorize/batch", {"requests": []}).status_code == 400


def test_decisions_are_in_the_audit_trail_and_feed_last_accessed(warden, world):
    """Each decision is a record of the decided service (s3.amazonaws.com GetObject) with the
    principal as its identity, a denial included; an allowed one counts as a use of s3 in the
    principal's last-accessed report."""
    from e2e_support import warden_bin

    resource = f"arn:aws:s3:::{unique('trail')}/key"
    allowed = call(warden, "/v1/authorize", {"principal": world.alice["arn"], "action": "s3:GetObject",
                                             "resource": resource}).json()
    denied = call(warden, "/v1/authorize", {"principal": world.nobody["arn"], "action": "s3:GetObject",
                                            "resource": resource}).json()
    assert allowed["allowed"] is True and denied["allowed"] is False
    out = subprocess.run([str(warden_bin()), "audit", "query", "--data", str(warden.data_dir),
                          "--event-name", "GetObject"], capture_output=True, text=True, timeout=60, check=True).stdout
    records = [json.loads(line) for line in out.splitlines()
               if json.loads(line)["requestParameters"]["resource"] == resource]
    by_user = {r["userIdentity"]["arn"]: r for r in records}
    mine = by_user[world.alice["arn"]]
    assert mine["eventSource"] == "s3.amazonaws.com"
    assert mine["userIdentity"]["type"] == "IAMUser"
    assert mine["additionalEventData"]["decision"] == "allowed"
    assert mine["additionalEventData"]["askedBy"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert "errorCode" not in mine
    refused = by_user[world.nobody["arn"]]
    assert refused["errorCode"] == "AccessDenied"
    assert refused["errorMessage"] == denied["message"]
    job = world.iam.generate_service_last_accessed_details(Arn=world.alice["arn"])["JobId"]
    services = {s["ServiceNamespace"]: s for s in
                world.iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]}
    assert services["s3"]["LastAuthenticatedEntity"] == world.alice["arn"]
