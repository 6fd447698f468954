"""Restarting `warden serve` on the same data directory keeps everything (Warden only: each test
here runs its own server on its own data directory)."""

from __future__ import annotations

import re
import signal

import pytest

from e2e_support import (
    ACCOUNT_ID,
    allow,
    expect_error,
    iam_client,
    policy,
    root_client,
    start_warden,
    unique,
)

pytestmark = pytest.mark.warden_only


def test_restart_keeps_users_groups_keys_and_policies(tmp_path):
    data, logs = tmp_path / "data", tmp_path / "logs"
    first = start_warden(data, logs)
    try:
        root = root_client(first)
        user, group = unique("persist"), unique("pgroup")
        created = root.create_user(UserName=user, Path="/kept/", Tags=[{"Key": "k", "Value": "v"}])["User"]
        root.create_group(GroupName=group)
        root.add_user_to_group(GroupName=group, UserName=user)
        key = root.create_access_key(UserName=user)["AccessKey"]
        root.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Active")
        document = policy(allow(["iam:GetUser", "iam:ListGroupsForUser"], "arn:aws:iam::*:user/kept/${aws:username}"))
        root.put_user_policy(UserName=user, PolicyName="self", PolicyDocument=document)
        root.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=policy(allow("iam:ListUsers")))
        assert iam_client(first, key["AccessKeyId"], key["SecretAccessKey"]).get_user()["User"]["UserName"] == user
    finally:
        status = first.stop()
    assert status == 0, f"first server exited {status}\n{first.stderr_text()[-4000:]}"

    second = start_warden(data, logs)
    try:
        root = root_client(second)
        kept = root.get_user(UserName=user)["User"]
        assert kept["UserId"] == created["UserId"]
        assert kept["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/kept/{user}"
        assert kept["Tags"] == [{"Key": "k", "Value": "v"}]
        assert [u["UserName"] for u in root.get_group(GroupName=group)["Users"]] == [user]
        assert [k["AccessKeyId"] for k in root.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [key["AccessKeyId"]]
        assert root.list_user_policies(UserName=user)["PolicyNames"] == ["self"]
        assert root.list_group_policies(GroupName=group)["PolicyNames"] == ["g"]
        # The secret was sealed with the master key and must still verify signatures; the
        # policies must still authorize.
        client = iam_client(second, key["AccessKeyId"], key["SecretAccessKey"])
        assert client.get_user()["User"]["UserName"] == user
        assert [g["GroupName"] for g in client.list_groups_for_user(UserName=user)["Groups"]] == [group]
        assert client.list_users(MaxItems=1)["Users"] is not None
    finally:
        status = second.stop()
    assert status == 0, f"second server exited {status}\n{second.stderr_text()[-4000:]}"


def test_account_id_and_root_identity_survive_restart(tmp_path):
    data, logs = tmp_path / "data", tmp_path / "logs"
    first = start_warden(data, logs)
    try:
        assert root_client(first).get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    finally:
        assert first.stop() == 0
    second = start_warden(data, logs)
    try:
        root = root_client(second)
        assert root.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
        name = unique("after-restart")
        assert root.create_user(UserName=name)["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    finally:
        assert second.stop() == 0


def test_generated_root_key_and_master_key(tmp_path):
    """Without WARDEN_ROOT_* and WARDEN_MASTER_KEY the first start generates the root access key
    (shown once) and a master key kept in the data directory; a restart uses both."""
    data, logs = tmp_path / "data", tmp_path / "logs"
    first = start_warden(data, logs, root_keys=False, master_key=False)
    try:
        printed = first.output_text()
        key_ids = set(re.findall(r"\b(AKIA[A-Z0-9]{16})\b", printed))
        assert len(key_ids) == 1, f"expected one generated root access key id in the output:\n{printed}"
        [key_id] = key_ids
        secrets = [s for s in re.findall(r"(?<![A-Za-z0-9/+=])([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])", printed) if s != key_id]
        root = None
        for secret in secrets:
            candidate = iam_client(first, key_id, secret)
            try:
                candidate.list_users(MaxItems=1)
            except Exception:
                continue
            root = candidate
            break
        assert root is not None, f"no 40-character secret printed with {key_id} authenticates:\n{printed}"
        user = unique("gen")
        root.create_user(UserName=user)
        key = root.create_access_key(UserName=user)["AccessKey"]
        root.put_user_policy(UserName=user, PolicyName="self", PolicyDocument=policy(allow("iam:GetUser", "*")))
        master_files = [p for p in data.rglob("*") if p.is_file()]
        assert master_files, "the data directory is empty"
    finally:
        assert first.stop() == 0

    # Secrets are sealed at rest: no database file (WAL included) holds a secret in the clear, and
    # the generated master key is readable by its owner only.
    stored = [p for p in data.rglob("*") if p.is_file() and p.name != "master.key"]
    assert any(p.name == "warden.db" for p in stored), stored
    for path in stored:
        content = path.read_bytes()
        for plain in (secret, key["SecretAccessKey"]):
            assert plain.encode() not in content, f"{path.name} holds a secret in the clear"
    assert (data / "master.key").stat().st_mode & 0o777 == 0o600

    second = start_warden(data, logs, root_keys=False, master_key=False)
    try:
        # Shown once: the second start does not print the secret again.
        assert secret not in "\n".join(second.stdout_lines), "the root secret was printed again on restart"
        # The generated master key was kept: the user's sealed secret still verifies signatures.
        assert iam_client(second, key["AccessKeyId"], key["SecretAccessKey"]).get_user()["User"]["UserName"] == user
        assert iam_client(second, key_id, secret).list_users(MaxItems=1)["Users"] is not None
    finally:
        assert second.stop() == 0


def test_account_id_flag_wins_over_environment(tmp_path):
    server = start_warden(tmp_path / "data", tmp_path / "logs", extra_env={"WARDEN_ACCOUNT_ID": "111122223333"})
    try:
        name = unique("acct")
        assert root_client(server).create_user(UserName=name)["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    finally:
        assert server.stop() == 0


def test_sigint_shuts_down_cleanly(tmp_path):
    server = start_warden(tmp_path / "data", tmp_path / "logs")
    root_client(server).create_user(UserName=unique("sigint"))
    assert server.stop(sig=signal.SIGINT) == 0



def test_quotas_are_configurable(tmp_path):
    # WARDEN_QUOTAS (the variable of `--quota`): the second key is refused with AWS's quota message.
    server = start_warden(tmp_path / "data", tmp_path / "logs",
                          extra_env={"WARDEN_QUOTAS": "access-keys-per-user=1,users-per-account=9"})
    try:
        iam = root_client(server)
        iam.create_user(UserName="one-key")
        iam.create_access_key(UserName="one-key")
        expect_error(lambda: iam.create_access_key(UserName="one-key"), "LimitExceeded",
                     message="Cannot exceed quota for AccessKeysPerUser: 1")
    finally:
        assert server.stop() == 0
