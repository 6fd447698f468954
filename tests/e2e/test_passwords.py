"""Console passwords with real clients: the account password policy (every field, every rule
enforced), login profiles, ChangePassword (old password verified, reuse prevention, the policy's
self-service grant), and that no password is ever stored in the clear.

These tests own the account's password policy, so they run on a server of their own."""

from __future__ import annotations

import pytest

from e2e_support import (
    aws_cli,
    create_user_with_key,
    deny,
    expect_error,
    iam_client,
    policy,
    root_client,
    signed_request,
    start_warden,
    unique,
    xml_error,
)

pytestmark = pytest.mark.warden_only

STRONG = "Str0ng-Passw0rd!"


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    base = tmp_path_factory.mktemp("passwords")
    running = start_warden(base / "data", base / "logs")
    yield running
    assert running.stop() == 0


@pytest.fixture
def root(own):
    iam = root_client(own)
    yield iam
    # Every test starts from AWS's default policy.
    try:
        iam.delete_account_password_policy()
    except iam.exceptions.NoSuchEntityException:
        pass


def user_with_password(own, root, password: str = STRONG, reset: bool = False):
    user = create_user_with_key(own, root, "pw")
    root.create_login_profile(UserName=user.name, Password=password, PasswordResetRequired=reset)
    return user


def test_without_a_policy_there_is_none_to_get(root):
    expect_error(root.get_account_password_policy, "NoSuchEntity", status=404,
                 message="The Password Policy with domain name 123456789012 cannot be found.")
    expect_error(root.delete_account_password_policy, "NoSuchEntity", status=404)


def test_every_policy_field_round_trips(root):
    root.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True, RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True, AllowUsersToChangePassword=True, MaxPasswordAge=90,
        PasswordReusePrevention=5, HardExpiry=True)
    got = root.get_account_password_policy()["PasswordPolicy"]
    assert got == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5, "HardExpiry": True,
    }


def test_a_field_left_out_takes_its_default_not_its_old_value(root):
    root.update_account_password_policy(MinimumPasswordLength=20, RequireSymbols=True, MaxPasswordAge=30)
    root.update_account_password_policy(RequireNumbers=True)
    got = root.get_account_password_policy()["PasswordPolicy"]
    assert got["MinimumPasswordLength"] == 6
    assert got["RequireSymbols"] is False
    assert got["RequireNumbers"] is True
    assert got["ExpirePasswords"] is False
    assert "MaxPasswordAge" not in got


@pytest.mark.parametrize(("field", "value"), [("MinimumPasswordLength", "5"), ("PasswordReusePrevention", "25"),
                                             ("MaxPasswordAge", "1096")])
def test_out_of_range_values_are_refused(own, root, field, value):
    # boto3 refuses these itself, so the request is sent raw.
    response = signed_request(own, {"Action": "UpdateAccountPasswordPolicy", field: value})
    assert response.status_code == 400
    assert xml_error(response)[0] == "ValidationError"
    expect_error(root.get_account_password_policy, "NoSuchEntity")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", "Password should have a minimum length of 10"),
        ("ABCDEFGH1!", "Password should have at least one lowercase letter"),
        ("abcdefgh1!", "Password should have at least one uppercase letter"),
        ("Abcdefghi!", "Password should have at least one number"),
        ("Abcdefghi1", "Password should have at least one symbol"),
    ],
)
def test_each_rule_is_enforced_when_a_password_is_set(own, root, password, message):
    root.update_account_password_policy(MinimumPasswordLength=10, RequireSymbols=True, RequireNumbers=True,
                                        RequireUppercaseCharacters=True, RequireLowercaseCharacters=True)
    user = create_user_with_key(own, root, "rule")
    expect_error(lambda: root.create_login_profile(UserName=user.name, Password=password),
                 "PasswordPolicyViolation", message=message, status=400)
    # The same rules hold for an administrator's reset.
    root.create_login_profile(UserName=user.name, Password="Abcdefgh1!")
    expect_error(lambda: root.update_login_profile(UserName=user.name, Password=password),
                 "PasswordPolicyViolation", message=message)


def test_without_a_policy_aws_default_rules_apply(own, root):
    user = create_user_with_key(own, root, "default")
    expect_error(lambda: root.create_login_profile(UserName=user.name, Password="Ab1!"), "PasswordPolicyViolation")
    # Eight characters but only two kinds.
    expect_error(lambda: root.create_login_profile(UserName=user.name, Password="abcdefgh12"),
                 "PasswordPolicyViolation")
    root.create_login_profile(UserName=user.name, Password="abcdefgH12")


def test_login_profile_lifecycle(own, root):
    user = create_user_with_key(own, root, "life")
    created = root.create_login_profile(UserName=user.name, Password=STRONG, PasswordResetRequired=True)["LoginProfile"]
    assert created["UserName"] == user.name
    assert created["PasswordResetRequired"] is True
    got = root.get_login_profile(UserName=user.name)["LoginProfile"]
    assert got == created
    assert "Password" not in got
    expect_error(lambda: root.create_login_profile(UserName=user.name, Password=STRONG), "EntityAlreadyExists",
                 message=f"Login Profile for user {user.name} already exists.", status=409)
    root.update_login_profile(UserName=user.name, PasswordResetRequired=False)
    assert root.get_login_profile(UserName=user.name)["LoginProfile"]["PasswordResetRequired"] is False
    # A user with a password cannot be deleted until the password is.
    root.delete_access_key(UserName=user.name, AccessKeyId=user.access_key_id)
    expect_error(lambda: root.delete_user(UserName=user.name), "DeleteConflict",
                 message="Cannot delete entity, must delete login profile first.")
    root.delete_login_profile(UserName=user.name)
    expect_error(lambda: root.get_login_profile(UserName=user.name), "NoSuchEntity",
                 message=f"Login Profile for User {user.name} cannot be found.")
    expect_error(lambda: root.delete_login_profile(UserName=user.name), "NoSuchEntity")
    root.delete_user(UserName=user.name)
    expect_error(lambda: root.create_login_profile(UserName=user.name, Password=STRONG), "NoSuchEntity")


def test_a_user_reads_its_own_login_profile_without_a_name(own, root):
    user = user_with_password(own, root)
    root.put_user_policy(UserName=user.name, PolicyName="self",
                         PolicyDocument=policy({"Effect": "Allow", "Action": "iam:GetLoginProfile",
                                                "Resource": user.arn}))
    assert user.client.get_login_profile()["LoginProfile"]["UserName"] == user.name


def test_change_password_needs_permission_unless_the_policy_grants_it(own, root):
    user = user_with_password(own, root)
    new = "An0ther-Passw0rd!"
    expect_error(lambda: user.client.change_password(OldPassword=STRONG, NewPassword=new), "AccessDenied", status=403)
    root.update_account_password_policy(AllowUsersToChangePassword=True)
    user.client.change_password(OldPassword=STRONG, NewPassword=new)
    # The old password no longer is the password.
    expect_error(lambda: user.client.change_password(OldPassword=STRONG, NewPassword="Third-Passw0rd!"),
                 "AccessDenied", message="The old password is incorrect.")
    user.client.change_password(OldPassword=new, NewPassword="Third-Passw0rd!")


def test_an_explicit_deny_wins_over_the_policy_grant(own, root):
    root.update_account_password_policy(AllowUsersToChangePassword=True)
    user = user_with_password(own, root)
    root.put_user_policy(UserName=user.name, PolicyName="no", PolicyDocument=policy(deny("iam:ChangePassword")))
    expect_error(lambda: user.client.change_password(OldPassword=STRONG, NewPassword="Other-Passw0rd!"),
                 "AccessDenied")


def test_a_required_reset_grants_the_change(own, root):
    user = user_with_password(own, root, reset=True)
    user.client.change_password(OldPassword=STRONG, NewPassword="After-Reset-1!")
    assert root.get_login_profile(UserName=user.name)["LoginProfile"]["PasswordResetRequired"] is False


def test_reuse_prevention_refuses_recent_passwords(own, root):
    root.update_account_password_policy(AllowUsersToChangePassword=True, PasswordReusePrevention=2)
    user = user_with_password(own, root, "First-Passw0rd!")
    user.client.change_password(OldPassword="First-Passw0rd!", NewPassword="Second-Passw0rd!")
    expect_error(lambda: user.client.change_password(OldPassword="Second-Passw0rd!", NewPassword="Second-Passw0rd!"),
                 "PasswordPolicyViolation", message="Password should not be one of your previous 2 passwords")
    expect_error(lambda: user.client.change_password(OldPassword="Second-Passw0rd!", NewPassword="First-Passw0rd!"),
                 "PasswordPolicyViolation")
    user.client.change_password(OldPassword="Second-Passw0rd!", NewPassword="Third-Passw0rd!")
    # Two changes later the first password is allowed again.
    user.client.change_password(OldPassword="Third-Passw0rd!", NewPassword="First-Passw0rd!")


def test_the_new_password_must_follow_the_policy(own, root):
    root.update_account_password_policy(AllowUsersToChangePassword=True, MinimumPasswordLength=20)
    user = create_user_with_key(own, root, "chg")
    root.update_account_password_policy(AllowUsersToChangePassword=True)
    root.create_login_profile(UserName=user.name, Password=STRONG)
    root.update_account_password_policy(AllowUsersToChangePassword=True, MinimumPasswordLength=20)
    expect_error(lambda: user.client.change_password(OldPassword=STRONG, NewPassword="Short-1!"),
                 "PasswordPolicyViolation", message="Password should have a minimum length of 20")


def test_the_root_user_cannot_use_change_password(root):
    expect_error(lambda: root.change_password(OldPassword=STRONG, NewPassword="Whatever-1!"), "InvalidUserType")


def test_the_root_user_sets_its_own_password_without_a_user_name(own, root):
    root.create_login_profile(Password="Root-Passw0rd!")
    got = root.get_login_profile()["LoginProfile"]
    assert got["UserName"] == own.account_id
    summary = root.get_account_summary()["SummaryMap"]
    assert summary["AccountPasswordPresent"] == 1
    root.delete_login_profile()
    assert root.get_account_summary()["SummaryMap"]["AccountPasswordPresent"] == 0


def test_the_aws_cli_manages_the_policy_and_profiles(own, root):
    aws_cli(own, "iam", "update-account-password-policy", "--minimum-password-length", "12",
            "--require-numbers", "--allow-users-to-change-password")
    got = aws_cli(own, "iam", "get-account-password-policy")["PasswordPolicy"]
    assert got["MinimumPasswordLength"] == 12
    assert got["RequireNumbers"] is True
    assert got["AllowUsersToChangePassword"] is True
    name = unique("cli")
    root.create_user(UserName=name)
    made = aws_cli(own, "iam", "create-login-profile", "--user-name", name, "--password", "Cli-Passw0rd-12",
                   "--password-reset-required")["LoginProfile"]
    assert made["PasswordResetRequired"] is True
    aws_cli(own, "iam", "delete-login-profile", "--user-name", name)


def test_no_password_is_stored_in_the_clear(own, root):
    marker = f"Plaintext-{unique('x')}-9!"
    user = create_user_with_key(own, root, "plain")
    root.create_login_profile(UserName=user.name, Password=marker)
    for path in own.data_dir.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), f"the password is in {path}"
    assert marker not in own.output_text()


def test_passwords_survive_a_restart(tmp_path):
    running = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        iam = root_client(running)
        iam.update_account_password_policy(MinimumPasswordLength=9, AllowUsersToChangePassword=True)
        user = create_user_with_key(running, iam, "keep")
        iam.create_login_profile(UserName=user.name, Password="Kept-Passw0rd")
    finally:
        assert running.stop() == 0
    again = start_warden(tmp_path / "data", tmp_path / "logs")
    try:
        iam = root_client(again)
        assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 9
        client = iam_client(again, user.access_key_id, user.secret_access_key)
        client.change_password(OldPassword="Kept-Passw0rd", NewPassword="Changed-Passw0rd")
    finally:
        assert again.stop() == 0
