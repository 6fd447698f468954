"""The credential report with real clients: the STARTED → COMPLETE states, AWS's columns in
order, the root row, and each user's password, MFA, access key and certificate columns — checked
column by column. It runs on a server of its own, so the report holds only what this file made."""

from __future__ import annotations

import base64
import csv
import io
import re
import time

import pyotp
import pytest

from e2e_support import aws_cli, create_user_with_key, expect_error, iam_client, root_client, start_warden

pytestmark = pytest.mark.warden_only

COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
]
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    running = start_warden(base / "data", base / "logs")
    yield running
    assert running.stop() == 0


def report(iam) -> tuple[list[str], dict[str, dict[str, str]]]:
    content = iam.get_credential_report()
    assert content["ReportFormat"] == "text/csv"
    rows = list(csv.reader(io.StringIO(content["Content"].decode())))
    header, body = rows[0], rows[1:]
    return header, {row[0]: dict(zip(header, row)) for row in body}


def test_the_report_lifecycle_and_every_column(own):
    iam = root_client(own)
    expect_error(iam.get_credential_report, "ReportNotPresent", status=410)

    # A user with a password, MFA, two keys (one used, one deactivated) and a signing certificate.
    iam.update_account_password_policy(MaxPasswordAge=90)
    full = create_user_with_key(own, iam, "full")
    iam.create_login_profile(UserName=full.name, Password="Report-Passw0rd!")
    second = iam.create_access_key(UserName=full.name)["AccessKey"]
    iam.update_access_key(UserName=full.name, AccessKeyId=second["AccessKeyId"], Status="Inactive")
    iam.put_user_policy(UserName=full.name, PolicyName="list",
                        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                       '"Action":"iam:ListUsers","Resource":"*"}]}')
    full.client.list_users()  # uses the first key
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="full-mfa")["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    if time.time() % 30 > 28:
        time.sleep(2.5)
    now = time.time()
    iam.enable_mfa_device(UserName=full.name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    # A user with nothing.
    bare = iam.create_user(UserName="bare")["User"]

    assert iam.generate_credential_report()["State"] == "STARTED"
    # Within four hours the report is reused.
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    header, rows = report(iam)
    assert header == COLUMNS
    assert list(rows) == ["<root_account>", "bare", full.name]

    root = rows["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{own.account_id}:root"
    assert TIME.match(root["user_creation_time"])
    assert root["password_enabled"] == "not_supported"
    assert root["password_last_changed"] == "not_supported"
    assert root["password_next_rotation"] == "not_supported"
    assert root["mfa_active"] == "false"
    assert root["access_key_1_active"] == "true"
    assert TIME.match(root["access_key_1_last_used_date"])
    assert root["access_key_1_last_used_service"] == "iam"
    assert root["access_key_1_last_used_region"] == "us-east-1"
    assert root["access_key_2_active"] == "false"

    nothing = rows["bare"]
    assert nothing["arn"] == bare["Arn"]
    assert nothing["password_enabled"] == "false"
    for column in ["password_last_used", "password_last_changed", "password_next_rotation",
                   "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
                   "access_key_1_last_used_service", "cert_1_last_rotated", "cert_2_last_rotated"]:
        assert nothing[column] == "N/A", column
    assert nothing["mfa_active"] == "false"
    assert nothing["access_key_1_active"] == "false"
    assert nothing["cert_1_active"] == "false"

    row = rows[full.name]
    assert row["arn"] == full.arn
    assert row["password_enabled"] == "true"
    assert row["password_last_used"] == "no_information"
    assert TIME.match(row["password_last_changed"])
    assert TIME.match(row["password_next_rotation"])
    assert row["password_next_rotation"] > row["password_last_changed"]
    assert row["mfa_active"] == "true"
    assert row["access_key_1_active"] == "true"
    assert TIME.match(row["access_key_1_last_rotated"])
    assert TIME.match(row["access_key_1_last_used_date"])
    assert row["access_key_1_last_used_region"] == "us-east-1"
    assert row["access_key_1_last_used_service"] == "iam"
    assert row["access_key_2_active"] == "false"
    assert TIME.match(row["access_key_2_last_rotated"])
    assert row["access_key_2_last_used_date"] == "N/A"
    assert row["cert_1_active"] == "false" and row["cert_1_last_rotated"] == "N/A"


def test_the_aws_cli_reads_the_report(own):
    root_client(own).generate_credential_report()
    answer = aws_cli(own, "iam", "get-credential-report")
    text = base64.b64decode(answer["Content"]).decode()
    assert text.splitlines()[0] == ",".join(COLUMNS)


def test_access_key_rotation_as_the_seeds_describe_it(tmp_path):
    """Create a second key, switch to it, deactivate the first, then delete it; the report (on a
    server of its own, since a report is reused for four hours) shows the new key in use."""
    running = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        iam = root_client(running)
        user = create_user_with_key(running, iam, "rotate")
        iam.put_user_policy(UserName=user.name, PolicyName="self",
                            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                           '"Action":"iam:GetUser","Resource":"*"}]}')
        user.client.get_user()
        new = iam.create_access_key(UserName=user.name)["AccessKey"]
        switched = iam_client(running, new["AccessKeyId"], new["SecretAccessKey"])
        switched.get_user()
        used = iam.get_access_key_last_used(AccessKeyId=new["AccessKeyId"])["AccessKeyLastUsed"]
        assert used["ServiceName"] == "iam" and "LastUsedDate" in used
        iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key_id, Status="Inactive")
        expect_error(lambda: user.client.get_user(), "InvalidClientTokenId")
        switched.get_user()
        iam.delete_access_key(UserName=user.name, AccessKeyId=user.access_key_id)
        assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]] == [
            new["AccessKeyId"]]
        iam.generate_credential_report()
        _, rows = report(iam)
        row = rows[user.name]
        assert row["access_key_1_active"] == "true"
        assert TIME.match(row["access_key_1_last_rotated"])
        assert TIME.match(row["access_key_1_last_used_date"])
        assert row["access_key_1_last_used_service"] == "iam"
        assert row["access_key_2_active"] == "false"
        assert row["access_key_2_last_rotated"] == "N/A"
    finally:
        assert running.stop() == 0
