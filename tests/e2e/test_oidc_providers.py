"""IAM OpenID Connect identity providers: create, read, list, change, tag, delete."""

from __future__ import annotations

import pytest

from e2e_support import ACCOUNT_ID, allow, expect_error, policy, unique

THUMB = "6938fd4d98bab03faadb97b34396831e3780aea1"
OTHER_THUMB = "1c58a3a8518e8759bf075b76b750d4f2df264fcd"


def make_provider(iam, **kwargs) -> tuple[str, str]:
    host = f"{unique('oidc')}.example.com"
    arn = iam.create_open_id_connect_provider(Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"],
                                              ThumbprintList=[THUMB], **kwargs)["OpenIDConnectProviderArn"]
    return host, arn


@pytest.mark.xfail_on_moto(reason="moto 5.2.5's server answers HTTP 500 within this lifecycle")
def test_provider_lifecycle(iam):
    host, arn = make_provider(iam, Tags=[{"Key": "team", "Value": "ci"}])
    assert arn == f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == host
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [THUMB]
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}]
    assert arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="my-app")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="my-app")
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["sts.amazonaws.com", "my-app"]
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["my-app"]
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=[OTHER_THUMB])
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == [OTHER_THUMB]

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    tags = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "ci")]
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["team"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    expect_error(lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn), "NoSuchEntity", status=404)
    assert arn not in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]


def test_one_provider_per_url(iam):
    host, _ = make_provider(iam)
    expect_error(lambda: iam.create_open_id_connect_provider(Url=f"https://{host}", ThumbprintList=[THUMB]),
                 "EntityAlreadyExists", status=409)


@pytest.mark.xfail_on_moto(reason="moto accepts a non-https issuer URL")
def test_the_issuer_must_be_https(iam):
    expect_error(lambda: iam.create_open_id_connect_provider(Url="http://plain.example.com", ThumbprintList=[THUMB]),
                 "InvalidInput", status=400)


@pytest.mark.warden_only
def test_providers_are_counted_and_authorized(iam, new_user):
    before = iam.get_account_summary()["SummaryMap"]["Providers"]
    _, arn = make_provider(iam)
    assert iam.get_account_summary()["SummaryMap"]["Providers"] == before + 1
    user = new_user("oidc-reader")
    expect_error(lambda: user.client.get_open_id_connect_provider(OpenIDConnectProviderArn=arn), "AccessDenied",
                 status=403)
    iam.put_user_policy(UserName=user.name, PolicyName="read",
                        PolicyDocument=policy(allow("iam:GetOpenIDConnectProvider", arn)))
    assert user.client.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == [THUMB]
    expect_error(lambda: user.client.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn), "AccessDenied",
                 status=403)
