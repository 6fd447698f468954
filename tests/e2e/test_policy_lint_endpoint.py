"""`POST /v1/policy/lint`: the linter over HTTP, signed with SigV4 and authorized as
`access-analyzer:ValidatePolicy`."""

from __future__ import annotations

import json

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_support import REGION, Server, allow, policy

pytestmark = pytest.mark.warden_only


def lint(server: Server, body: dict | str, key: str | None = None, secret: str | None = None) -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    request = AWSRequest(method="POST", url=server.endpoint + "/v1/policy/lint", data=data,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key or server.root_access_key_id, secret or server.root_secret_access_key),
              "access-analyzer", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def test_findings_for_a_risky_policy(server: Server):
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
    ]}
    response = lint(server, {"document": document})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    findings = response.json()["findings"]
    assert {f["type"] for f in findings} >= {"SECURITY_WARNING", "ERROR"}
    for finding in findings:
        assert set(finding) == {"type", "code", "path", "message", "fix"}
    assert any(f["path"].startswith("Statement[1]") and f["type"] == "ERROR" for f in findings)


def test_a_clean_policy_and_a_kind(server: Server):
    clean = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))
    response = lint(server, {"document": clean, "kind": "identity"})
    assert response.status_code == 200, response.text
    assert response.json() == {"findings": []}
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    found = lint(server, {"document": trust, "kind": "trust"}).json()["findings"]
    assert [f["type"] for f in found if f["type"] == "SECURITY_WARNING"]


def test_bad_requests_are_validation_errors(server: Server):
    for body, needle in [("not json", "not JSON"), ({"kind": "identity"}, "`document` is required"),
                         ({"document": "{}", "kind": "nope"}, "unknown kind `nope`"),
                         ({"document": 7}, "`document` must be"), ({"document": "{}", "extra": 1}, "unknown field")]:
        response = lint(server, body)
        assert response.status_code == 400, response.text
        assert response.json()["__type"] == "ValidationException"
        assert needle in response.json()["message"]


def test_the_caller_needs_access_analyzer_validate_policy(server: Server, iam, new_user):
    user = new_user("linter")
    denied = lint(server, {"document": "{}"}, user.access_key_id, user.secret_access_key)
    assert denied.status_code == 403
    assert denied.json()["__type"] == "AccessDenied"
    assert "access-analyzer:ValidatePolicy" in denied.json()["message"]
    iam.put_user_policy(UserName=user.name, PolicyName="lint",
                        PolicyDocument=policy(allow("access-analyzer:ValidatePolicy")))
    allowed = lint(server, {"document": "{}"}, user.access_key_id, user.secret_access_key)
    assert allowed.status_code == 200, allowed.text
    unsigned = requests.post(server.endpoint + "/v1/policy/lint", json={"document": "{}"}, timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json()["__type"] == "MissingAuthenticationToken"
