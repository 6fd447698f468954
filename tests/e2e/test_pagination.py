"""Marker / MaxItems / IsTruncated pagination, by hand, with boto3's paginator and with the CLI."""

from __future__ import annotations

import pytest

from e2e_support import aws_cli, unique

COUNT = 25


@pytest.fixture(scope="module")
def paged_users(iam):
    """25 users under a path of their own."""
    path = f"/{unique('pages')}/"
    names = sorted(unique("pg") for _ in range(COUNT))
    for name in names:
        iam.create_user(UserName=name, Path=path)
    return path, names


@pytest.mark.xfail_on_moto(reason="moto ignores MaxItems in ListUsers")
def test_list_users_by_hand_in_three_pages(iam, paged_users):
    path, names = paged_users
    first = iam.list_users(PathPrefix=path, MaxItems=10)
    assert len(first["Users"]) == 10
    assert first["IsTruncated"] is True
    assert first["Marker"]

    second = iam.list_users(PathPrefix=path, MaxItems=10, Marker=first["Marker"])
    assert len(second["Users"]) == 10
    assert second["IsTruncated"] is True
    assert second["Marker"] and second["Marker"] != first["Marker"]

    third = iam.list_users(PathPrefix=path, MaxItems=10, Marker=second["Marker"])
    assert len(third["Users"]) == 5
    assert third["IsTruncated"] is False
    assert "Marker" not in third

    seen = [u["UserName"] for page in (first, second, third) for u in page["Users"]]
    assert len(seen) == len(set(seen)), "a user appeared on two pages"
    assert sorted(seen) == names


@pytest.mark.xfail_on_moto(reason="moto ignores MaxItems in ListUsers")
def test_list_users_with_boto3_paginator(iam, paged_users):
    path, names = paged_users
    pages = list(iam.get_paginator("list_users").paginate(PathPrefix=path, PaginationConfig={"PageSize": 10}))
    assert [len(p["Users"]) for p in pages] == [10, 10, 5]
    assert sorted(u["UserName"] for p in pages for u in p["Users"]) == names


def test_max_items_larger_than_result(iam, paged_users):
    path, names = paged_users
    everything = iam.list_users(PathPrefix=path, MaxItems=1000)
    assert everything["IsTruncated"] is False
    assert sorted(u["UserName"] for u in everything["Users"]) == names


def test_list_users_cli_auto_paginates(server, paged_users):
    path, names = paged_users
    # --page-size 10 makes the CLI fetch three pages with Marker and merge them.
    result = aws_cli(server, "iam", "list-users", "--path-prefix", path, "--page-size", "10")
    assert sorted(u["UserName"] for u in result["Users"]) == names
    assert "Marker" not in result and "NextToken" not in result


def test_list_users_cli_max_items_gives_next_token(server, paged_users):
    path, names = paged_users
    first = aws_cli(server, "iam", "list-users", "--path-prefix", path, "--page-size", "10", "--max-items", "12")
    assert len(first["Users"]) == 12
    assert first["NextToken"]
    rest = aws_cli(server, "iam", "list-users", "--path-prefix", path, "--page-size", "10",
                   "--starting-token", first["NextToken"])
    assert sorted(u["UserName"] for u in first["Users"] + rest["Users"]) == names


@pytest.mark.xfail_on_moto(reason="moto ignores MaxItems in GetGroup")
def test_paginated_group_membership(iam):
    group = unique("biggroup")
    iam.create_group(GroupName=group)
    members = sorted(unique("gm") for _ in range(7))
    for name in members:
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=group, UserName=name)
    first = iam.get_group(GroupName=group, MaxItems=3)
    assert len(first["Users"]) == 3 and first["IsTruncated"] is True
    pages = list(iam.get_paginator("get_group").paginate(GroupName=group, PaginationConfig={"PageSize": 3}))
    assert [len(p["Users"]) for p in pages] == [3, 3, 1]
    assert sorted(u["UserName"] for p in pages for u in p["Users"]) == members


@pytest.mark.xfail_on_moto(reason="moto does not validate MaxItems")
def test_max_items_out_of_range_is_validation_error(iam):
    from e2e_support import expect_error

    # MaxItems is 1..1000 (IAM API reference, ListUsers).
    expect_error(lambda: iam.list_users(MaxItems=1001), "ValidationError", status=400)


@pytest.mark.xfail_on_moto(reason="moto leaves IsTruncated out of some list results")
def test_list_results_always_carry_is_truncated(iam):
    # Every IAM list result has IsTruncated (false on the last page) (IAM API reference).
    user, group = unique("trunc"), unique("truncg")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_access_key(UserName=user)
    assert iam.list_access_keys(UserName=user)["IsTruncated"] is False
    assert iam.get_group(GroupName=group)["IsTruncated"] is False
    assert iam.list_user_policies(UserName=user)["IsTruncated"] is False
    assert iam.list_group_policies(GroupName=group)["IsTruncated"] is False
    assert iam.list_groups_for_user(UserName=user)["IsTruncated"] is False
    assert iam.list_user_tags(UserName=user)["IsTruncated"] is False
