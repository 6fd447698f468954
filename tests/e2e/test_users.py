"""Users: CreateUser / GetUser / UpdateUser / DeleteUser / ListUsers and their AWS errors, via boto3."""

from __future__ import annotations

import datetime
import re

import pytest

from e2e_support import ACCOUNT_ID, expect_error, policy, allow, unique


def user_not_found(name: str) -> str:
    # AWS text, e.g. "The user with name ansible.creation2 cannot be found." (ansible/ansible#45593)
    return f"The user with name {name} cannot be found."


def test_create_get_delete_user(iam):
    name = unique("alice")
    created = iam.create_user(UserName=name)["User"]
    assert created["UserName"] == name
    assert created["Path"] == "/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    assert isinstance(created["CreateDate"], datetime.datetime)

    fetched = iam.get_user(UserName=name)["User"]
    assert fetched["UserName"] == name
    assert fetched["UserId"] == created["UserId"]
    assert fetched["Arn"] == created["Arn"]

    iam.delete_user(UserName=name)
    expect_error(lambda: iam.get_user(UserName=name), "NoSuchEntity", message=user_not_found(name), status=404)


def test_create_user_with_path_builds_arn_with_path(iam):
    name = unique("pathy")
    user = iam.create_user(UserName=name, Path="/engineering/backend/")["User"]
    assert user["Path"] == "/engineering/backend/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/engineering/backend/{name}"
    assert iam.get_user(UserName=name)["User"]["Arn"] == user["Arn"]


@pytest.mark.xfail_on_moto(reason="moto's UserIds are random lower-case strings, not AIDA + 17 upper-case alnum")
def test_user_id_looks_like_aws(iam):
    user = iam.create_user(UserName=unique("ids"))["User"]
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", user["UserId"]), user["UserId"]


def test_create_user_with_tags(iam):
    name = unique("tagged")
    user = iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "blue"}])["User"]
    assert user["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "team", "Value": "blue"}]


@pytest.mark.xfail_on_moto(reason="moto's text is 'User X already exists'")
def test_duplicate_user_is_entity_already_exists(iam):
    name = unique("dup")
    iam.create_user(UserName=name)
    # AWS text: "User with name vmutyal already exists." (ucopacme/aws-orgs#12)
    expect_error(lambda: iam.create_user(UserName=name), "EntityAlreadyExists",
                 message=f"User with name {name} already exists.", status=409)


@pytest.mark.xfail_on_moto(reason="moto compares user names case-sensitively")
def test_user_names_are_unique_case_insensitively(iam):
    name = unique("CaseUser")
    iam.create_user(UserName=name)
    expect_error(lambda: iam.create_user(UserName=name.lower()), "EntityAlreadyExists", status=409)
    expect_error(lambda: iam.create_user(UserName=name.upper()), "EntityAlreadyExists", status=409)


@pytest.mark.parametrize(
    "bad_name",
    ["has space", "slash/inside", "colon:inside", "x" * 65, "emoji-\u2603"],
    ids=["space", "slash", "colon", "too-long", "non-ascii"],
)
@pytest.mark.xfail_on_moto(reason="moto does not validate user names against [\\w+=,.@-]{1,64}")
def test_invalid_user_names_are_validation_errors(iam, bad_name):
    # Pattern [\w+=,.@-]+, length 1..64 (IAM API reference, CreateUser). The message text is not
    # asserted: AWS's exact wording for this constraint could not be confirmed.
    expect_error(lambda: iam.create_user(UserName=bad_name), "ValidationError", status=400)


def test_name_of_64_characters_is_accepted(iam):
    name = unique("max")
    name = name + "x" * (64 - len(name))
    assert iam.create_user(UserName=name)["User"]["UserName"] == name


@pytest.mark.parametrize("bad_path", ["noslash", "/no-trailing", "no-leading/", "/sp ace/"],
                         ids=["no-slashes", "no-trailing", "no-leading", "space"])
@pytest.mark.xfail_on_moto(reason="moto does not validate paths")
def test_invalid_paths_are_validation_errors(iam, bad_path):
    # Path pattern (\u002F)|(\u002F[\u0021-\u007E]+\u002F), 1..512 (IAM API reference, CreateUser).
    expect_error(lambda: iam.create_user(UserName=unique("badpath"), Path=bad_path), "ValidationError", status=400)


@pytest.mark.xfail_on_moto(reason="moto does not validate path length")
def test_path_longer_than_512_is_a_validation_error(iam):
    expect_error(lambda: iam.create_user(UserName=unique("longpath"), Path="/" + "a" * 511 + "/"),
                 "ValidationError", status=400)


def test_get_missing_user(iam):
    name = unique("ghost")
    expect_error(lambda: iam.get_user(UserName=name), "NoSuchEntity", message=user_not_found(name), status=404)


def test_delete_missing_user(iam):
    name = unique("ghost")
    expect_error(lambda: iam.delete_user(UserName=name), "NoSuchEntity", message=user_not_found(name), status=404)


def test_update_user_renames_and_moves(iam):
    old = unique("before")
    new = unique("after")
    iam.create_user(UserName=old, Path="/old/")
    iam.update_user(UserName=old, NewUserName=new, NewPath="/new/")
    user = iam.get_user(UserName=new)["User"]
    assert user["UserName"] == new
    assert user["Path"] == "/new/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/new/{new}"
    expect_error(lambda: iam.get_user(UserName=old), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto renames a user onto an existing name")
def test_update_user_to_taken_name_is_entity_already_exists(iam):
    first, second = unique("first"), unique("second")
    iam.create_user(UserName=first)
    iam.create_user(UserName=second)
    expect_error(lambda: iam.update_user(UserName=first, NewUserName=second), "EntityAlreadyExists", status=409)


@pytest.mark.xfail_on_moto(reason="moto's text is 'User X not found'")
def test_update_missing_user(iam):
    name = unique("ghost")
    expect_error(lambda: iam.update_user(UserName=name, NewPath="/x/"), "NoSuchEntity",
                 message=user_not_found(name), status=404)


def test_list_users_path_prefix(iam):
    prefix = f"/{unique('list')}/"
    names = sorted(unique("lu") for _ in range(3))
    for name in names:
        iam.create_user(UserName=name, Path=prefix)
    iam.create_user(UserName=unique("elsewhere"), Path="/other/")
    listed = iam.list_users(PathPrefix=prefix)
    assert listed["IsTruncated"] is False
    assert sorted(u["UserName"] for u in listed["Users"]) == names
    assert all(u["Path"] == prefix for u in listed["Users"])
    # A prefix matches deeper paths too.
    deeper = unique("deep")
    iam.create_user(UserName=deeper, Path=prefix + "nested/")
    assert deeper in {u["UserName"] for u in iam.list_users(PathPrefix=prefix)["Users"]}


def test_get_user_without_name_returns_the_caller(iam, new_user):
    user = new_user("self")
    # Even about oneself, GetUser needs iam:GetUser on one's own ARN.
    iam.put_user_policy(UserName=user.name, PolicyName="self", PolicyDocument=policy(allow("iam:GetUser", user.arn)))
    me = user.client.get_user()["User"]
    assert me["UserName"] == user.name
    assert me["Arn"] == user.arn
    assert me["UserId"] == user.user_id


@pytest.mark.xfail_on_moto(reason="moto answers GetUser for unknown/root keys with a made-up 'default_user'")
def test_get_user_without_name_as_root_returns_the_root(iam):
    # For the root user GetUser returns the account's root identity: the account id as UserId and
    # the ARN arn:aws:iam::ACCOUNT:root (IAM API reference, GetUser).
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert me["UserId"] == ACCOUNT_ID


@pytest.mark.xfail_on_moto(reason="moto deletes a user that still has access keys")
def test_delete_user_with_access_key_is_delete_conflict(iam):
    name = unique("haskey")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    # AWS text (aws-controllers-k8s/community#2229)
    expect_error(lambda: iam.delete_user(UserName=name), "DeleteConflict",
                 message="Cannot delete entity, must delete access keys first.", status=409)
    iam.delete_access_key(UserName=name, AccessKeyId=key)
    iam.delete_user(UserName=name)


def test_delete_user_with_inline_policy_is_delete_conflict(iam):
    name = unique("haspolicy")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(allow("iam:GetUser")))
    # AWS text (cloud-custodian/cloud-custodian#2514, simonw/s3-credentials#10)
    expect_error(lambda: iam.delete_user(UserName=name), "DeleteConflict",
                 message="Cannot delete entity, must delete policies first.", status=409)
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_user(UserName=name)


@pytest.mark.xfail_on_moto(reason="moto deletes a user that is still a group member")
def test_delete_user_in_group_is_delete_conflict(iam):
    name, group = unique("member"), unique("grp")
    iam.create_user(UserName=name)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    # AWS text for DeleteUser of a group member (mozilla-services/userplex#17)
    expect_error(lambda: iam.delete_user(UserName=name), "DeleteConflict",
                 message="Cannot delete entity, must remove users from group first.", status=409)
    iam.remove_user_from_group(GroupName=group, UserName=name)
    iam.delete_user(UserName=name)
