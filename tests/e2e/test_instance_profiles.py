"""Instance profiles: CreateInstanceProfile / GetInstanceProfile / DeleteInstanceProfile /
ListInstanceProfiles, AddRoleToInstanceProfile / RemoveRoleFromInstanceProfile /
ListInstanceProfilesForRole and instance profile tags, via boto3 (and the CLI for one flow)."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from e2e_support import ACCOUNT_ID, aws_cli, expect_error, unique

TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def make_role(iam, prefix: str = "iprole") -> dict:
    return iam.create_role(RoleName=unique(prefix), AssumeRolePolicyDocument=json.dumps(TRUST_EC2))["Role"]


def profile_not_found(name: str) -> str:
    # AWS text: "Instance Profile skyplane-aws-f5bf0b19_profile cannot be found."
    # (skyplane-project/skyplane#724, DataBiosphere/toil#4836)
    return f"Instance Profile {name} cannot be found."


def test_create_get_delete_instance_profile(iam):
    name = unique("prof")
    created = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert created["InstanceProfileName"] == name
    assert created["Path"] == "/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/{name}"
    assert created["Roles"] == []
    assert isinstance(created["CreateDate"], datetime.datetime)

    fetched = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert fetched["InstanceProfileId"] == created["InstanceProfileId"]
    assert fetched["Arn"] == created["Arn"]
    assert fetched["Roles"] == []

    iam.delete_instance_profile(InstanceProfileName=name)
    expect_error(lambda: iam.get_instance_profile(InstanceProfileName=name), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto's InstanceProfileIds are random lower-case strings, not AIPA + 17")
def test_instance_profile_id_looks_like_aws(iam):
    created = iam.create_instance_profile(InstanceProfileName=unique("pid"))["InstanceProfile"]
    assert re.fullmatch(r"AIPA[A-Z0-9]{17}", created["InstanceProfileId"]), created["InstanceProfileId"]


def test_instance_profile_with_path(iam):
    name = unique("pathprof")
    path = f"/{unique('fleet')}/web/"
    created = iam.create_instance_profile(InstanceProfileName=name, Path=path)["InstanceProfile"]
    assert created["Path"] == path
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:instance-profile{path}{name}"


@pytest.mark.xfail_on_moto(reason="moto's text is 'Instance profile X not found'")
def test_missing_instance_profile_messages(iam):
    name = unique("noprof")
    expect_error(lambda: iam.get_instance_profile(InstanceProfileName=name), "NoSuchEntity",
                 message=profile_not_found(name), status=404)
    expect_error(lambda: iam.delete_instance_profile(InstanceProfileName=name), "NoSuchEntity",
                 message=profile_not_found(name), status=404)


def test_duplicate_instance_profile_is_entity_already_exists(iam):
    name = unique("dupprof")
    iam.create_instance_profile(InstanceProfileName=name)
    # "Instance Profile topaz-render-instance-profile already exists." is what public stand-ins for
    # `aws iam create-instance-profile` print, and moto's text too; no transcript of AWS itself was found.
    expect_error(lambda: iam.create_instance_profile(InstanceProfileName=name), "EntityAlreadyExists",
                 message=f"Instance Profile {name} already exists.", status=409)


@pytest.mark.xfail_on_moto(reason="moto compares instance profile names case-sensitively")
def test_instance_profile_names_are_unique_case_insensitively(iam):
    name = unique("CaseProf")
    iam.create_instance_profile(InstanceProfileName=name)
    # Names of instance profiles are not distinguished by case (IAM User Guide, IAM name requirements).
    expect_error(lambda: iam.create_instance_profile(InstanceProfileName=name.lower()), "EntityAlreadyExists", status=409)


# ----------------------------------------------------------------------------- roles in profiles


def test_add_role_to_instance_profile(iam):
    role = make_role(iam)
    name = unique("withrole")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    roles = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == [role["RoleName"]]
    assert roles[0]["Arn"] == role["Arn"]
    assert roles[0]["RoleId"] == role["RoleId"]
    # The role's trust policy comes along, decoded by botocore.
    assert roles[0]["AssumeRolePolicyDocument"] == TRUST_EC2


def test_second_role_is_limit_exceeded(iam):
    first, second = make_role(iam), make_role(iam)
    name = unique("onlyone")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=first["RoleName"])
    # One role per instance profile, not adjustable; AWS text (getmoto/moto#6404, checked against AWS
    # by a moto maintainer).
    expect_error(lambda: iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=second["RoleName"]),
                 "LimitExceeded", message="Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", status=409)
    roles = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == [first["RoleName"]]


def test_remove_role_from_instance_profile(iam):
    role = make_role(iam)
    name = unique("rmrole")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    assert iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"] == []
    assert iam.list_instance_profiles_for_role(RoleName=role["RoleName"])["InstanceProfiles"] == []
    # With the role gone, a different one fits.
    other = make_role(iam)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=other["RoleName"])


def test_list_instance_profiles_for_role(iam):
    role = make_role(iam)
    names = sorted(unique("forrole") for _ in range(2))
    for name in names:
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    listed = iam.list_instance_profiles_for_role(RoleName=role["RoleName"])
    assert sorted(p["InstanceProfileName"] for p in listed["InstanceProfiles"]) == names
    assert all([r["RoleName"] for r in p["Roles"]] == [role["RoleName"]] for p in listed["InstanceProfiles"])


def test_delete_instance_profile_with_role_is_delete_conflict(iam):
    role = make_role(iam)
    name = unique("busyprof")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    # AWS text (99designs/iamy#47, cloud-custodian/cloud-custodian#6044)
    expect_error(lambda: iam.delete_instance_profile(InstanceProfileName=name), "DeleteConflict",
                 message="Cannot delete entity, must remove roles from instance profile first.", status=409)
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=name)


@pytest.mark.xfail_on_moto(reason="moto's text is 'Instance profile X not found'")
def test_role_calls_on_missing_profile_or_role(iam):
    role = make_role(iam)
    missing_profile = unique("noprof")
    expect_error(lambda: iam.add_role_to_instance_profile(InstanceProfileName=missing_profile, RoleName=role["RoleName"]),
                 "NoSuchEntity", message=profile_not_found(missing_profile), status=404)
    name = unique("realprof")
    iam.create_instance_profile(InstanceProfileName=name)
    missing_role = unique("norole")
    expect_error(lambda: iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=missing_role),
                 "NoSuchEntity", status=404)
    expect_error(lambda: iam.list_instance_profiles_for_role(RoleName=missing_role), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto removes a role that is not in the profile without complaint")
def test_remove_role_not_in_profile_is_no_such_entity(iam):
    role = make_role(iam)
    name = unique("emptyprof")
    iam.create_instance_profile(InstanceProfileName=name)
    expect_error(lambda: iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"]),
                 "NoSuchEntity", status=404)


# ----------------------------------------------------------------------------- listing


@pytest.fixture(scope="module")
def listed_profiles(iam):
    path = f"/{unique('profs')}/"
    names = sorted(unique("lp") for _ in range(5))
    for name in names:
        iam.create_instance_profile(InstanceProfileName=name, Path=path)
    return path, names


@pytest.mark.xfail_on_moto(reason="moto ignores PathPrefix in ListInstanceProfiles")
def test_list_instance_profiles_path_prefix(iam, listed_profiles):
    path, names = listed_profiles
    listed = iam.list_instance_profiles(PathPrefix=path)
    assert sorted(p["InstanceProfileName"] for p in listed["InstanceProfiles"]) == names
    assert listed["IsTruncated"] is False
    assert iam.list_instance_profiles(PathPrefix=f"/{unique('none')}/")["InstanceProfiles"] == []


@pytest.mark.xfail_on_moto(reason="moto ignores PathPrefix and MaxItems in ListInstanceProfiles")
def test_list_instance_profiles_pagination(iam, listed_profiles):
    path, names = listed_profiles
    first = iam.list_instance_profiles(PathPrefix=path, MaxItems=2)
    assert len(first["InstanceProfiles"]) == 2
    assert first["IsTruncated"] is True and first["Marker"]
    second = iam.list_instance_profiles(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    third = iam.list_instance_profiles(PathPrefix=path, MaxItems=2, Marker=second["Marker"])
    assert len(third["InstanceProfiles"]) == 1 and third["IsTruncated"] is False
    seen = [p["InstanceProfileName"] for page in (first, second, third) for p in page["InstanceProfiles"]]
    assert sorted(seen) == names


# ----------------------------------------------------------------------------- tags


@pytest.mark.xfail_on_moto(reason="moto fails (HTTP 500) on ListInstanceProfileTags")
def test_instance_profile_tags(iam):
    name = unique("tagprof")
    created = iam.create_instance_profile(InstanceProfileName=name, Tags=[{"Key": "team", "Value": "blue"}])["InstanceProfile"]
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    iam.tag_instance_profile(InstanceProfileName=name, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "red"}])
    listed = iam.list_instance_profile_tags(InstanceProfileName=name)
    assert {t["Key"]: t["Value"] for t in listed["Tags"]} == {"team": "red", "env": "dev"}
    assert listed["IsTruncated"] is False
    iam.untag_instance_profile(InstanceProfileName=name, TagKeys=["team"])
    assert iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Tags"] == [{"Key": "env", "Value": "dev"}]


@pytest.mark.xfail_on_moto(reason="moto fails (HTTP 500) on ListInstanceProfileTags")
def test_tag_calls_on_missing_instance_profile(iam):
    name = unique("notagprof")
    expect_error(lambda: iam.tag_instance_profile(InstanceProfileName=name, Tags=[{"Key": "k", "Value": "v"}]),
                 "NoSuchEntity", status=404)
    expect_error(lambda: iam.list_instance_profile_tags(InstanceProfileName=name), "NoSuchEntity", status=404)


# ----------------------------------------------------------------------------- CLI


def test_cli_instance_profile_flow(server):
    role = unique("clirole")
    name = unique("cliprof")
    aws_cli(server, "iam", "create-role", "--role-name", role, "--assume-role-policy-document", json.dumps(TRUST_EC2))
    created = aws_cli(server, "iam", "create-instance-profile", "--instance-profile-name", name)["InstanceProfile"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/{name}"
    aws_cli(server, "iam", "add-role-to-instance-profile", "--instance-profile-name", name, "--role-name", role)
    got = aws_cli(server, "iam", "get-instance-profile", "--instance-profile-name", name)["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == [role]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == TRUST_EC2
    for_role = aws_cli(server, "iam", "list-instance-profiles-for-role", "--role-name", role)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == [name]
    aws_cli(server, "iam", "remove-role-from-instance-profile", "--instance-profile-name", name, "--role-name", role)
    aws_cli(server, "iam", "delete-instance-profile", "--instance-profile-name", name)
    aws_cli(server, "iam", "delete-role", "--role-name", role)
