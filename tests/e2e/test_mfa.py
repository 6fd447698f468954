"""Virtual MFA with real clients: devices created with a seed and a QR code, enabled with two
consecutive codes computed here by pyotp (an independent RFC 6238 implementation), wrong and
replayed codes refused, resynchronisation, deactivation and deletion, tags, the per-user quota,
and MFA-protected STS calls feeding aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge."""

from __future__ import annotations

import base64
import struct
import time

import boto3
import pyotp
import pytest

from e2e_support import (
    NO_RETRY,
    allow,
    aws_cli,
    expect_error,
    policy,
    unique,
)

pytestmark = pytest.mark.warden_only


def codes(seed: str, *offsets: int) -> list[str]:
    """The codes of the time steps `offsets` steps from now."""
    totp = pyotp.TOTP(seed)
    now = time.time()
    return [totp.at(now + 30 * offset) for offset in offsets]


def stable_step() -> None:
    """Waits out the last two seconds of a time step, so codes computed now stay current."""
    if time.time() % 30 > 28:
        time.sleep(2.5)


def new_device(iam, prefix: str = "mfa", **kwargs) -> tuple[str, str]:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique(prefix), **kwargs)["VirtualMFADevice"]
    return device["SerialNumber"], device["Base32StringSeed"].decode()


def enabled_device(iam, user_name: str) -> tuple[str, str]:
    serial, seed = new_device(iam)
    stable_step()
    first, second = codes(seed, -1, 0)
    iam.enable_mfa_device(UserName=user_name, SerialNumber=serial, AuthenticationCode1=first,
                          AuthenticationCode2=second)
    return serial, seed


def sts_for(server, key: str, secret: str, token: str | None = None):
    return boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY)


def iam_with(server, credentials: dict):
    return boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], config=NO_RETRY)


def test_a_new_device_has_a_base32_seed_and_a_png_qr_code(iam, server):
    name = unique("qr")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, Path="/team/",
                                           Tags=[{"Key": "team", "Value": "ops"}])["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{server.account_id}:mfa/team/{name}"
    seed = device["Base32StringSeed"].decode()
    assert len(seed) == 64
    assert len(base64.b32decode(seed)) == 40
    png = device["QRCodePNG"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width >= 100
    assert device["Tags"] == [{"Key": "team", "Value": "ops"}]
    expect_error(lambda: iam.create_virtual_mfa_device(VirtualMFADeviceName=name), "EntityAlreadyExists",
                 status=409, message="MFADevice entity at the same path and name already exists.")


def test_enabling_takes_two_consecutive_codes(iam, new_user):
    user = new_user("enable")
    serial, seed = new_device(iam)
    stable_step()
    first, second = codes(seed, -1, 0)
    # Not consecutive, wrong order, or wrong altogether: refused, and the device stays unassigned.
    for pair in [(second, first), ("000000", "111111"), (first, first)]:
        expect_error(lambda: iam.enable_mfa_device(UserName=user.name, SerialNumber=serial,
                                                   AuthenticationCode1=pair[0], AuthenticationCode2=pair[1]),
                     "InvalidAuthenticationCode", status=403, message="Authentication code for device is not valid.")
    iam.enable_mfa_device(UserName=user.name, SerialNumber=serial, AuthenticationCode1=first,
                          AuthenticationCode2=second)
    listed = iam.list_mfa_devices(UserName=user.name)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]
    assert listed[0]["UserName"] == user.name
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    assert mine and mine[0]["User"]["UserName"] == user.name and "EnableDate" in mine[0]
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert serial not in [d["SerialNumber"] for d in unassigned]
    got = iam.get_mfa_device(SerialNumber=serial, UserName=user.name)
    assert got["UserName"] == user.name and got["SerialNumber"] == serial
    # One device serves one user.
    other = new_user("other")
    expect_error(lambda: iam.enable_mfa_device(UserName=other.name, SerialNumber=serial,
                                               AuthenticationCode1=first, AuthenticationCode2=second),
                 "EntityAlreadyExists", message="MFA Device is already in use.")


def test_mfa_session_credentials_carry_mfa_into_conditions(iam, server, new_user):
    user = new_user("cond")
    iam.put_user_policy(UserName=user.name, PolicyName="mfa-only", PolicyDocument=policy(
        allow("iam:ListUsers", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        allow("iam:GetUser", condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    ))
    serial, seed = enabled_device(iam, user.name)
    # Long-term keys carry no MFA.
    expect_error(lambda: user.client.list_users(), "AccessDenied")
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    # Without MFA, GetSessionToken credentials cannot call IAM at all.
    plain = sts.get_session_token()["Credentials"]
    expect_error(lambda: iam_with(server, plain).list_users(), "AccessDenied")
    # The next step's code is within the one-step tolerance and not used yet.
    (code,) = codes(seed, 1)
    with_mfa = sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    client = iam_with(server, with_mfa)
    client.list_users()
    assert client.get_user(UserName=user.name)["User"]["UserName"] == user.name
    # The same code again is a replay.
    expect_error(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=code), "AccessDenied", status=403,
                 message="MultiFactorAuthentication failed with invalid MFA one time pass code.")


def test_a_wrong_code_or_someone_elses_device_is_refused(iam, server, new_user):
    user = new_user("wrong")
    serial, seed = enabled_device(iam, user.name)
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    expect_error(lambda: sts.get_session_token(SerialNumber=serial, TokenCode="123456"), "AccessDenied")
    other = new_user("thief")
    (code,) = codes(seed, 1)
    thief = sts_for(server, other.access_key_id, other.secret_access_key)
    expect_error(lambda: thief.get_session_token(SerialNumber=serial, TokenCode=code), "AccessDenied")


def test_a_role_whose_trust_requires_mfa(iam, server, new_user):
    user = new_user("assume")
    role_name = unique("mfa-role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=policy({
        "Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }))["Role"]
    iam.put_role_policy(RoleName=role_name, PolicyName="p", PolicyDocument=policy(
        allow("iam:GetRole", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    iam.put_user_policy(UserName=user.name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole")))
    serial, seed = enabled_device(iam, user.name)
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="nomfa"), "AccessDenied")
    (code,) = codes(seed, 1)
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="mfa", SerialNumber=serial,
                                  TokenCode=code)["Credentials"]
    assert iam_with(server, credentials).get_role(RoleName=role_name)["Role"]["Arn"] == role["Arn"]


def test_resync_learns_a_drifting_clock(iam, server, new_user):
    user = new_user("drift")
    serial, seed = enabled_device(iam, user.name)
    sts = sts_for(server, user.access_key_id, user.secret_access_key)
    # The device runs ten steps (five minutes) fast: its codes are outside the tolerance.
    (ahead,) = codes(seed, 12)
    expect_error(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=ahead), "AccessDenied")
    first, second = codes(seed, 10, 11)
    iam.resync_mfa_device(UserName=user.name, SerialNumber=serial, AuthenticationCode1=first,
                          AuthenticationCode2=second)
    sts.get_session_token(SerialNumber=serial, TokenCode=ahead)
    expect_error(lambda: iam.resync_mfa_device(UserName=user.name, SerialNumber=serial,
                                               AuthenticationCode1="000000", AuthenticationCode2="000001"),
                 "InvalidAuthenticationCode")


def test_deactivate_then_delete(iam, new_user):
    user = new_user("off")
    serial, _ = enabled_device(iam, user.name)
    expect_error(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial), "DeleteConflict",
                 message="MFA Device is still in use.")
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.access_key_id)
    expect_error(lambda: iam.delete_user(UserName=user.name), "DeleteConflict",
                 message="Cannot delete entity, must delete MFA device first.")
    iam.deactivate_mfa_device(UserName=user.name, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=user.name)["MFADevices"] == []
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert serial in [d["SerialNumber"] for d in unassigned]
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    expect_error(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial), "NoSuchEntity", status=404)
    iam.delete_user(UserName=user.name)


def test_device_tags(iam):
    serial, _ = new_device(iam, "tags")
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["a"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "b", "Value": "2"}]
    expect_error(lambda: iam.list_mfa_device_tags(SerialNumber=serial + "x"), "NoSuchEntity")


def test_a_user_has_at_most_eight_devices(iam, new_user):
    user = new_user("eight")
    for _ in range(8):
        enabled_device(iam, user.name)
    serial, seed = new_device(iam)
    stable_step()
    first, second = codes(seed, -1, 0)
    expect_error(lambda: iam.enable_mfa_device(UserName=user.name, SerialNumber=serial, AuthenticationCode1=first,
                                               AuthenticationCode2=second),
                 "LimitExceeded", message="Cannot exceed quota for MFADevicesPerUser: 8")
    assert len(iam.list_mfa_devices(UserName=user.name)["MFADevices"]) == 8


def test_the_aws_cli_writes_the_qr_code_to_a_file(server, tmp_path):
    out = tmp_path / "qr.png"
    answer = aws_cli(server, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", unique("cli"),
                     "--outfile", str(out), "--bootstrap-method", "QRCodePNG")
    assert answer["VirtualMFADevice"]["SerialNumber"].startswith(f"arn:aws:iam::{server.account_id}:mfa/")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seeds_are_not_stored_in_the_clear(iam, server):
    _, seed = new_device(iam, "sealed")
    for path in server.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert seed.encode() not in data, f"the seed is in {path}"
            assert base64.b32decode(seed) not in data, f"the raw seed is in {path}"
