"""`warden serve --dev`: the drop-in IAM and STS for test suites (moto's and LocalStack's place).

Each test module server here is a separate `warden serve --dev` process; the session's normal server
is used only to show that dev-mode behaviour stays out of normal mode.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    Server,
    allow,
    aws_cli,
    expect_error,
    iam_client,
    parse_xml,
    policy,
    q,
    start_warden,
    unique,
    warden_bin,
)

pytestmark = pytest.mark.warden_only

# What moto's documentation tells test suites to export.
FAKE_KEY = "testing"
FAKE_SECRET = "testing"
FAKE_TOKEN = "testing"

SEED_USER_KEY = "AKIASEEDALICE0000001"
SEED_USER_SECRET = "seedAliceSecretAccessKey/0123456789+abcd"


def client(server: Server, service: str, region: str = "us-east-1", key: str = FAKE_KEY,
           secret: str = FAKE_SECRET, token: str | None = FAKE_TOKEN):
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRY,
    )


def reset(server: Server) -> requests.Response:
    return requests.post(f"{server.endpoint}/_warden/reset", timeout=10)


def user_names(iam) -> list[str]:
    return [u["UserName"] for u in iam.list_users()["Users"]]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory):
    """`warden serve --dev` with nothing else: the permissive default."""
    base = tmp_path_factory.mktemp("dev")
    running = start_warden(base / "unused", base / "logs", root_keys=False, master_key=False,
                           serve_args=["--dev"])
    yield running
    assert running.stop() == 0, running.stderr_text()[-4000:]


@pytest.fixture
def fresh_dev(dev: Server) -> Server:
    """The permissive dev server, reset before the test as its users' suites do."""
    assert reset(dev).status_code == 200
    return dev


SEED_YAML = f"""
# A project's known world: one user with a key and a read-only policy, a group, a role.
accounts:
  - alias: seeded-dev
    policies:
      - name: ReadUsers
        path: /team/
        description: list and read users
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["iam:ListUsers", "iam:GetUser"]
              Resource: "*"
    groups:
      - name: readers
        attached_policies: [ReadUsers]
    users:
      - name: alice
        groups: [readers]
        tags: {{team: platform}}
        policies:
          - name: own-keys
            document: '{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"arn:aws:iam::*:user/${{aws:username}}"}}]}}'
        access_keys:
          - id: {SEED_USER_KEY}
            secret: {SEED_USER_SECRET}
      - name: bob
    roles:
      - name: deployer
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {{AWS: "arn:aws:iam::{ACCOUNT_ID}:user/alice"}}
              Action: sts:AssumeRole
        max_session_duration: 7200
        attached_policies: ["arn:aws:iam::{ACCOUNT_ID}:policy/team/ReadUsers"]
"""


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory: pytest.TempPathFactory):
    """`warden serve --dev --enforce --seed seed.yaml`, with the suite's fixed root key."""
    base = tmp_path_factory.mktemp("dev-enforce")
    seed = base / "seed.yaml"
    seed.write_text(SEED_YAML)
    running = start_warden(base / "unused", base / "logs",
                           serve_args=["--dev", "--enforce", "--seed", str(seed)])
    yield running
    assert running.stop() == 0, running.stderr_text()[-4000:]


# --------------------------------------------------------------------------- credentials


def test_an_unknown_key_is_the_default_accounts_root(fresh_dev: Server):
    identity = client(fresh_dev, "sts").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:root"
    iam = client(fresh_dev, "iam", key="AKIAANYTHING", secret="whatever", token=None)
    user = iam.create_user(UserName="from-a-made-up-key")["User"]
    assert user["Arn"] == "arn:aws:iam::123456789012:user/from-a-made-up-key"
    # The same world, whichever made-up key asks.
    assert "from-a-made-up-key" in user_names(client(fresh_dev, "iam"))


def test_the_start_up_says_loudly_that_credentials_are_not_checked(dev: Server):
    stderr = dev.stderr_text()
    assert "WARNING: DEV MODE" in stderr
    assert "signatures are NOT checked" in stderr
    assert "account 123456789012" in dev.stdout_lines


def test_signatures_of_unknown_keys_are_not_checked(fresh_dev: Server):
    # A frozen test clock: a signature from 2001 with a wrong secret.
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFROZENCLOCK/20010101/us-east-1/iam/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
        "X-Amz-Date": "20010101T000000Z",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = requests.post(fresh_dev.endpoint + "/", data="Action=CreateUser&UserName=frozen&Version=2010-05-08",
                             headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert parse_xml(response.text).find(f".//{q('User', 'Arn')}").text == "arn:aws:iam::123456789012:user/frozen"


def test_an_unsigned_request_is_the_root_and_its_user_agent_names_the_region(fresh_dev: Server):
    sts = boto3.client("sts", endpoint_url=fresh_dev.endpoint, region_name="us-east-1",
                       config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
    # What moto's server does for unsigned calls such as AssumeRoleWithWebIdentity.
    response = requests.post(
        fresh_dev.endpoint + "/", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        headers={"User-Agent": "Boto3/1.44.5 md/Botocore#1.44.5 os/linux region/cn-north-1"}, timeout=10)
    assert response.status_code == 200, response.text
    assert "<Arn>arn:aws-cn:iam::123456789012:root</Arn>" in response.text
    # An unsigned IAM call is an IAM call.
    response = requests.post(fresh_dev.endpoint + "/", data={"Action": "ListUsers", "Version": "2010-05-08"},
                             timeout=10)
    assert response.status_code == 200, response.text
    assert "<ListUsersResponse" in response.text


def test_a_known_key_is_checked_and_enforced_as_in_normal_mode(fresh_dev: Server):
    root = client(fresh_dev, "iam")
    root.create_user(UserName="known")
    key = root.create_access_key(UserName="known")["AccessKey"]
    known = iam_client(fresh_dev, key["AccessKeyId"], key["SecretAccessKey"])
    expect_error(known.list_users, "AccessDenied", status=403)
    root.put_user_policy(UserName="known", PolicyName="list", PolicyDocument=policy(allow("iam:ListUsers")))
    assert "known" in user_names(known)
    wrong = iam_client(fresh_dev, key["AccessKeyId"], "wrong-secret-wrong-secret-wrong-secret00")
    expect_error(wrong.list_users, "SignatureDoesNotMatch", status=403)


def test_the_aws_cli_works_with_made_up_credentials(fresh_dev: Server):
    created = aws_cli(fresh_dev, "iam", "create-user", "--user-name", "cli-user",
                      access_key_id="test", secret_access_key="test")
    assert created["User"]["Arn"] == "arn:aws:iam::123456789012:user/cli-user"
    identity = aws_cli(fresh_dev, "sts", "get-caller-identity", access_key_id="test", secret_access_key="test")
    assert identity["Account"] == "123456789012"


# --------------------------------------------------------------------------- reset


def test_reset_wipes_every_user(dev: Server):
    iam = client(dev, "iam")
    for name in ("r1", "r2"):
        iam.create_user(UserName=unique(name))
    assert user_names(iam)
    response = reset(dev)
    assert response.status_code == 200, response.text
    assert user_names(iam) == []
    # The name is free again, as in a fresh start.
    iam.create_user(UserName="r1")


def test_reset_wipes_every_partition(dev: Server):
    cn = client(dev, "iam", region="cn-north-1")
    cn.create_user(UserName="in-china")
    assert reset(dev).status_code == 200
    assert user_names(cn) == []


def test_reset_is_not_found_outside_dev_mode(server: Server, iam):
    name = unique("survivor")
    iam.create_user(UserName=name)
    response = requests.post(f"{server.endpoint}/_warden/reset", timeout=10)
    assert response.status_code == 404
    assert iam.get_user(UserName=name)["User"]["UserName"] == name


# --------------------------------------------------------------------------- partitions


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"),
     ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b")],
)
def test_the_signing_region_picks_the_partition(fresh_dev: Server, region: str, partition: str):
    iam = client(fresh_dev, "iam", region=region)
    user = iam.create_user(UserName="p", Path="/team/")["User"]
    assert user["Arn"] == f"arn:{partition}:iam::123456789012:user/team/p"
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::123456789012:user/team/p"},
         "Action": "sts:AssumeRole"}))["Role"]
    assert role["Arn"] == f"arn:{partition}:iam::123456789012:role/r"
    identity = client(fresh_dev, "sts", region=region).get_caller_identity()
    assert identity["Arn"] == f"arn:{partition}:iam::123456789012:root"


def test_partitions_are_separate_worlds(fresh_dev: Server):
    china = client(fresh_dev, "iam", region="cn-north-1")
    china.create_user(UserName="only-in-china")
    commercial = client(fresh_dev, "iam", region="us-east-1")
    expect_error(lambda: commercial.get_user(UserName="only-in-china"), "NoSuchEntity", status=404)
    commercial.create_user(UserName="only-in-china")
    assert commercial.get_user(UserName="only-in-china")["User"]["Arn"].startswith("arn:aws:iam::")
    assert china.get_user(UserName="only-in-china")["User"]["Arn"].startswith("arn:aws-cn:iam::")


def test_policies_are_enforced_with_the_partitions_arns(fresh_dev: Server):
    china = client(fresh_dev, "iam", region="cn-north-1")
    china.create_user(UserName="cn-user")
    china.put_user_policy(UserName="cn-user", PolicyName="self", PolicyDocument=policy(
        allow("iam:GetUser", "arn:aws-cn:iam::123456789012:user/${aws:username}")))
    key = china.create_access_key(UserName="cn-user")["AccessKey"]
    user = client(fresh_dev, "iam", region="cn-north-1", key=key["AccessKeyId"], secret=key["SecretAccessKey"],
                  token=None)
    assert user.get_user()["User"]["Arn"] == "arn:aws-cn:iam::123456789012:user/cn-user"
    expect_error(lambda: user.get_user(UserName="someone-else"), "AccessDenied", status=403)


# --------------------------------------------------------------------------- --enforce and --seed


def test_enforce_refuses_unknown_keys(enforcing: Server):
    expect_error(client(enforcing, "sts").get_caller_identity, "InvalidClientTokenId", status=403)
    expect_error(client(enforcing, "iam", token=None).list_users, "InvalidClientTokenId", status=403)
    response = requests.post(enforcing.endpoint + "/", data={"Action": "ListUsers", "Version": "2010-05-08"},
                             timeout=10)
    assert response.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in response.text
    assert "WARNING" not in enforcing.stderr_text()


def test_the_seeded_key_works_and_is_enforced(enforcing: Server):
    alice = iam_client(enforcing, SEED_USER_KEY, SEED_USER_SECRET)
    # Allowed by the managed policy attached to her group.
    assert sorted(user_names(alice)) == ["alice", "bob"]
    # Allowed by her inline policy, for herself only.
    assert [k["AccessKeyId"] for k in alice.list_access_keys()["AccessKeyMetadata"]] == [SEED_USER_KEY]
    expect_error(lambda: alice.list_access_keys(UserName="bob"), "AccessDenied", status=403)
    # Nothing allows writes.
    expect_error(lambda: alice.create_user(UserName="mallory"), "AccessDenied", status=403)
    identity = boto3.client("sts", endpoint_url=enforcing.endpoint, region_name="us-east-1",
                            aws_access_key_id=SEED_USER_KEY, aws_secret_access_key=SEED_USER_SECRET,
                            config=NO_RETRY).get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/alice"


def test_the_seed_builds_the_whole_world(enforcing: Server):
    root = iam_client(enforcing, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    assert root.list_account_aliases()["AccountAliases"] == ["seeded-dev"]
    policy_arn = "arn:aws:iam::123456789012:policy/team/ReadUsers"
    managed = root.get_policy(PolicyArn=policy_arn)["Policy"]
    assert managed["Description"] == "list and read users"
    assert managed["AttachmentCount"] == 2
    assert [g["GroupName"] for g in root.list_groups_for_user(UserName="alice")["Groups"]] == ["readers"]
    assert root.list_user_tags(UserName="alice")["Tags"] == [{"Key": "team", "Value": "platform"}]
    role = root.get_role(RoleName="deployer")["Role"]
    assert role["MaxSessionDuration"] == 7200
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:user/alice"}
    attached = root.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [policy_arn]


def test_reset_returns_to_the_seed(enforcing: Server):
    root = iam_client(enforcing, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    root.create_user(UserName="temporary")
    root.delete_user_policy(UserName="alice", PolicyName="own-keys")
    assert reset(enforcing).status_code == 200
    assert sorted(user_names(root)) == ["alice", "bob"]
    assert root.list_user_policies(UserName="alice")["PolicyNames"] == ["own-keys"]
    alice = iam_client(enforcing, SEED_USER_KEY, SEED_USER_SECRET)
    assert alice.get_user()["User"]["UserName"] == "alice"


def test_a_json_seed_and_another_account_id(tmp_path: Path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"accounts": [{
        "users": [{"name": "ci", "access_keys": [{"id": "AKIACISEED0000000001", "secret": "c" * 40}],
                   "policies": [{"name": "all", "document": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}}]}],
    }, {
        "id": "210987654321",
        "root_access_keys": [{"id": "AKIASECONDROOT000001", "secret": "s" * 40}],
        "users": [{"name": "elsewhere"}],
    }]}))
    running = start_warden(tmp_path / "unused", tmp_path / "logs", root_keys=False, master_key=False,
                           serve_args=["--dev", "--enforce", "--account-id", "111122223333", "--seed", str(seed)])
    try:
        ci = iam_client(running, "AKIACISEED0000000001", "c" * 40)
        assert ci.get_user()["User"]["Arn"] == "arn:aws:iam::111122223333:user/ci"
        assert user_names(ci) == ["ci"]
        other = iam_client(running, "AKIASECONDROOT000001", "s" * 40)
        assert user_names(other) == ["elsewhere"]
        assert other.get_user(UserName="elsewhere")["User"]["Arn"] == "arn:aws:iam::210987654321:user/elsewhere"
        # The generated root key of the default account was printed, and works.
        printed = dict(line.split(":", 1) for line in running.stdout_lines if line.startswith("root "))
        root = iam_client(running, printed["root access key id"].strip(), printed["root secret access key"].strip())
        assert root.get_user()["User"]["Arn"] == "arn:aws:iam::111122223333:root"
    finally:
        assert running.stop() == 0
    # Dev mode keeps nothing on disk: the working directory holds only the test's own log.
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["stderr.log"]
    assert not (tmp_path / "unused").exists() or not any((tmp_path / "unused").iterdir())


@pytest.mark.parametrize(
    ("name", "seed", "message"),
    [
        ("bad-user-name.yaml", "accounts:\n  - users:\n      - name: 'no spaces allowed'\n",
         "seed accounts[0].users[0] (no spaces allowed): CreateUser: ValidationError"),
        ("bad-document.yaml", "accounts:\n  - users:\n      - name: u\n        policies:\n"
                              "          - name: p\n            document: {Statement: []}\n",
         "seed accounts[0].users[0] (u): PutUserPolicy: MalformedPolicyDocument"),
        ("unknown-field.yaml", "accounts:\n  - usres: []\n", "unknown field `usres`"),
        ("bad-key.json", '{"accounts": [{"root_access_keys": [{"id": "nope", "secret": "x"}]}]}',
         "seed accounts[0].root_access_keys[0]: CreateAccessKey: InvalidInput"),
        ("missing-group.yaml", "accounts:\n  - users:\n      - name: u\n        groups: [ghosts]\n",
         "seed accounts[0].users[0] (u): AddUserToGroup: NoSuchEntity"),
    ],
)
def test_a_bad_seed_stops_the_start_with_its_place(tmp_path: Path, name: str, seed: str, message: str):
    path = tmp_path / name
    path.write_text(seed)
    completed = subprocess.run([str(warden_bin()), "serve", "--dev", "--listen", "127.0.0.1:0", "--seed", str(path)],
                               capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert completed.returncode == 2, completed
    assert message in completed.stderr, completed.stderr
    assert "listening on" not in completed.stdout


def test_enforce_and_seed_need_dev(tmp_path: Path):
    for extra in (["--enforce"], ["--seed", "seed.yaml"]):
        completed = subprocess.run([str(warden_bin()), "serve", "--data", str(tmp_path), *extra],
                                   capture_output=True, text=True, timeout=60)
        assert completed.returncode == 2, completed
        assert "--dev" in completed.stderr, completed.stderr


def test_the_seed_holds_in_every_partition(enforcing: Server):
    # The seed is written for `aws`; in the aws-cn world its ARNs read arn:aws-cn:, so alice's
    # seeded key and grants work there too.
    alice = client(enforcing, "iam", region="cn-north-1", key=SEED_USER_KEY, secret=SEED_USER_SECRET, token=None)
    assert alice.get_user()["User"]["Arn"] == "arn:aws-cn:iam::123456789012:user/alice"
    assert sorted(user_names(alice)) == ["alice", "bob"]
    expect_error(lambda: alice.create_user(UserName="mallory"), "AccessDenied", status=403)
    root = client(enforcing, "iam", region="cn-north-1", key=ROOT_ACCESS_KEY_ID, secret=ROOT_SECRET_ACCESS_KEY,
                  token=None)
    attached = root.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws-cn:iam::123456789012:policy/team/ReadUsers"]
