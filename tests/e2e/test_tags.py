"""User tags: TagUser / UntagUser / ListUserTags."""

from __future__ import annotations

import pytest

from e2e_support import expect_error, unique


def test_tag_list_untag_user(iam):
    name = unique("tags")
    iam.create_user(UserName=name)
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}])
    tags = iam.list_user_tags(UserName=name)
    assert sorted((t["Key"], t["Value"]) for t in tags["Tags"]) == [("env", "dev"), ("team", "blue")]
    assert tags["IsTruncated"] is False

    # Tagging an existing key replaces its value.
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "red"}])
    assert {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]} == {"team": "red", "env": "dev"}

    iam.untag_user(UserName=name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    # GetUser shows the tags too.
    assert iam.get_user(UserName=name)["User"]["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_untag_absent_key_is_not_an_error(iam):
    name = unique("untag")
    iam.create_user(UserName=name)
    iam.untag_user(UserName=name, TagKeys=["never-set"])
    assert iam.list_user_tags(UserName=name)["Tags"] == []


def test_tag_calls_on_missing_user(iam):
    name = unique("notag")
    message = f"The user with name {name} cannot be found."
    expect_error(lambda: iam.tag_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}]), "NoSuchEntity",
                 message=message, status=404)
    expect_error(lambda: iam.untag_user(UserName=name, TagKeys=["k"]), "NoSuchEntity", message=message, status=404)
    expect_error(lambda: iam.list_user_tags(UserName=name), "NoSuchEntity", message=message, status=404)


@pytest.mark.xfail_on_moto(reason="moto does not enforce the 50-tags-per-user quota on TagUser")
def test_more_than_50_tags_is_rejected(iam):
    name = unique("many")
    iam.create_user(UserName=name)
    iam.tag_user(UserName=name, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    # 50 tags per IAM user (IAM quotas). The error code for going past it is LimitExceeded.
    expect_error(lambda: iam.tag_user(UserName=name, Tags=[{"Key": "one-more", "Value": "v"}]), "LimitExceeded", status=409)
