"""The Query protocol on the wire, checked with raw HTTP (no boto3 parsing in between)."""

from __future__ import annotations

import re

import pytest
import requests

from e2e_support import (
    ACCOUNT_ID,
    IAM_NS,
    expect_error,
    parse_xml,
    q,
    signed_request,
    unique,
    xml_error,
)


def test_get_user_response_xml_shape(iam, server):
    name = unique("wire")
    iam.create_user(UserName=name, Path="/wire/")
    response = signed_request(server, {"Action": "GetUser", "UserName": name})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    root = parse_xml(response.text)
    assert root.tag == f"{{{IAM_NS}}}GetUserResponse"
    user = root.find(q("GetUserResult", "User"))
    assert user is not None
    assert user.findtext(q("UserName")) == name
    assert user.findtext(q("Path")) == "/wire/"
    assert user.findtext(q("Arn")) == f"arn:aws:iam::{ACCOUNT_ID}:user/wire/{name}"
    assert user.findtext(q("UserId"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", user.findtext(q("CreateDate"))), user.findtext(q("CreateDate"))
    request_id = root.findtext(q("ResponseMetadata", "RequestId"))
    assert request_id
    # The same id is in the x-amzn-RequestId header.
    assert response.headers.get("x-amzn-RequestId") == request_id


def test_get_request_with_query_string(iam, server):
    name = unique("wireget")
    iam.create_user(UserName=name)
    response = signed_request(server, {"Action": "GetUser", "UserName": name}, method="GET")
    assert response.status_code == 200, response.text
    assert parse_xml(response.text).findtext(q("GetUserResult", "User", "UserName")) == name


def test_list_response_shape(iam, server):
    path = f"/{unique('wl')}/"
    iam.create_user(UserName=unique("wl"), Path=path)
    response = signed_request(server, {"Action": "ListUsers", "PathPrefix": path})
    root = parse_xml(response.text)
    assert root.tag == f"{{{IAM_NS}}}ListUsersResponse"
    result = root.find(q("ListUsersResult"))
    assert result.findtext(q("IsTruncated")) == "false"
    members = result.findall(q("Users", "member"))
    assert len(members) == 1


def test_error_response_xml_shape(server):
    name = unique("nobody")
    response = signed_request(server, {"Action": "GetUser", "UserName": name})
    assert response.status_code == 404
    root = parse_xml(response.text)
    # AWS shape (boto/boto3#2520): <ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
    #   <Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId>
    assert root.tag == f"{{{IAM_NS}}}ErrorResponse"
    error = root.find(q("Error"))
    assert error.findtext(q("Type")) == "Sender"
    assert error.findtext(q("Code")) == "NoSuchEntity"
    assert error.findtext(q("Message")) == f"The user with name {name} cannot be found."
    assert root.findtext(q("RequestId"))


@pytest.mark.xfail_on_moto(reason="moto answers an unknown action with a 500 HTML page")
def test_unknown_action_is_invalid_action(server):
    response = signed_request(server, {"Action": "Nope"})
    assert response.status_code == 400
    # AWS text, Query services: "Could not find operation GetSendStatistics for version 2012-12-01"
    # (aws/aws-cli#37)
    assert xml_error(response) == ("InvalidAction", "Could not find operation Nope for version 2010-05-08")


@pytest.mark.warden_only
def test_unimplemented_operation_is_not_implemented(iam):
    # GenerateOrganizationsAccessReport is a real IAM action that this release does not implement.
    expect_error(lambda: iam.generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-ab12"),
                 "NotImplemented", status=501)


@pytest.mark.warden_only
def test_health_endpoint(server):
    response = requests.get(server.endpoint + "/_warden/health", timeout=10)
    assert response.status_code == 200


@pytest.mark.xfail_on_moto(reason="moto does not check required parameters")
def test_missing_required_parameter_is_validation_error(server):
    response = signed_request(server, {"Action": "CreateUser"})
    assert response.status_code == 400
    assert xml_error(response)[0] == "ValidationError"


@pytest.mark.warden_only
def test_oversized_body_is_an_aws_shaped_413(server):
    # Bodies are capped at 1 MiB; the answer is still an AWS error document, never a bare 413.
    response = signed_request(server, {"Action": "ListUsers", "Padding": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    code, message = xml_error(response)
    assert code == "RequestEntityTooLarge"
    assert "1048576 bytes" in message


@pytest.mark.warden_only
def test_sts_get_caller_identity_names_the_caller(iam, server, new_user):
    import boto3

    user = new_user("whoami")
    sts = boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id=user.access_key_id, aws_secret_access_key=user.secret_access_key)
    identity = sts.get_caller_identity()
    assert (identity["Arn"], identity["UserId"], identity["Account"]) == (user.arn, user.user_id, ACCOUNT_ID)
    root = boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=server.root_access_key_id,
                        aws_secret_access_key=server.root_secret_access_key).get_caller_identity()
    assert root["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert root["UserId"] == ACCOUNT_ID


@pytest.mark.warden_only
def test_request_without_action_is_missing_action(server):
    response = signed_request(server, {})
    assert response.status_code == 400
    assert xml_error(response) == ("MissingAction", "Missing Action")
