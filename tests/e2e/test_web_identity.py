"""STS AssumeRoleWithWebIdentity with real clients against a real identity provider.

The test runs its own OpenID Connect issuer: an `http.server` thread on 127.0.0.1 serving, per
realm, the discovery document (`/REALM/.well-known/openid-configuration`) and the key set
(`/REALM/jwks`), with tokens signed here by PyJWT. Warden accepts `http://` issuers on loopback
addresses only (docs/compatibility.md); each test uses its own realm, so the key caches of one
test never meet another's.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from xml.etree import ElementTree

import boto3
import jwt
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from e2e_support import (
    ACCOUNT_ID,
    NO_RETRY,
    CliError,
    allow,
    aws_cli,
    expect_error,
    free_port,
    policy,
    start_warden,
    unique,
)

pytestmark = pytest.mark.warden_only

CLIENT_ID = "warden-e2e"


class Issuer:
    """A local OpenID Connect provider with any number of realms, each with its own key set."""

    def __init__(self) -> None:
        self.keys: dict[str, list[dict]] = {}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = self.path.strip("/").split("/", 1)
                realm, rest = parts[0], parts[1] if len(parts) > 1 else ""
                if realm not in issuer.keys:
                    self.send_error(404)
                    return
                if rest == ".well-known/openid-configuration":
                    body = {"issuer": issuer.url(realm), "jwks_uri": f"{issuer.url(realm)}/jwks",
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
                elif rest == "jwks":
                    body = {"keys": issuer.keys[realm]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-issuer", daemon=True)
        self.thread.start()

    def url(self, realm: str) -> str:
        return f"http://127.0.0.1:{self.port}/{realm}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Realm:
    """One issuer (a realm of the local provider) and its signing keys."""

    def __init__(self, issuer: Issuer, name: str) -> None:
        self.issuer = issuer
        self.name = name
        self.signing: dict[str, object] = {}
        issuer.keys[name] = []

    @property
    def url(self) -> str:
        return self.issuer.url(self.name)

    @property
    def provider_url(self) -> str:
        """The provider URL as IAM stores it, and the prefix of its condition keys."""
        return self.url.removeprefix("http://")

    def add_key(self, kid: str, kind: str = "RSA") -> None:
        if kind == "EC":
            key = ec.generate_private_key(ec.SECP256R1())
            public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
            public["alg"] = "ES256"
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            public["alg"] = "RS256"
        public.update({"kid": kid, "use": "sig"})
        self.signing[kid] = key
        self.issuer.keys[self.name].append(public)

    def drop_key(self, kid: str) -> None:
        self.issuer.keys[self.name] = [k for k in self.issuer.keys[self.name] if k["kid"] != kid]

    def token(self, sub: str = "alice", kid: str = "k1", key: object | None = None, alg: str | None = None,
              lifetime: int = 600, **claims) -> str:
        now = int(time.time())
        payload = {"iss": self.url, "sub": sub, "aud": CLIENT_ID, "iat": now, "exp": now + lifetime, **claims}
        signer = key if key is not None else self.signing[kid]
        if alg is None:
            alg = "ES256" if isinstance(signer, ec.EllipticCurvePrivateKey) else "RS256"
        return jwt.encode(payload, signer, algorithm=alg, headers={"kid": kid})


@pytest.fixture(scope="module")
def issuer():
    running = Issuer()
    yield running
    running.close()


@pytest.fixture
def realm(issuer, iam):
    """A fresh realm with one RSA key `k1`, registered in IAM as an OIDC provider."""
    made = Realm(issuer, unique("realm"))
    made.add_key("k1")
    arn = iam.create_open_id_connect_provider(Url=made.url, ClientIDList=[CLIENT_ID])["OpenIDConnectProviderArn"]
    made.provider_arn = arn
    yield made
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def web_role(iam, realm: Realm, condition: dict | None = None, permissions: str | None = None, **kwargs) -> dict:
    statement = {"Effect": "Allow", "Principal": {"Federated": realm.provider_arn},
                 "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition:
        statement["Condition"] = condition
    name = unique("web")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(statement), **kwargs)["Role"]
    if permissions:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=permissions)
    return role


def anonymous_sts(server):
    """An STS client with no credentials at all (boto3 sends AssumeRoleWithWebIdentity unsigned
    anyway)."""
    return boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                        config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))


def client_for(server, service: str, credentials: dict):
    return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], config=NO_RETRY)


def test_a_good_token_gives_a_working_role_session(server, iam, realm):
    role = web_role(iam, realm, permissions=policy(allow(["iam:GetRole", "iam:ListRoles"])))
    sts = anonymous_sts(server)
    answer = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="ci-run",
                                               WebIdentityToken=realm.token(sub="repo:main"))
    session_arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/ci-run"
    assert answer["AssumedRoleUser"] == {"Arn": session_arn, "AssumedRoleId": f"{role['RoleId']}:ci-run"}
    assert answer["SubjectFromWebIdentityToken"] == "repo:main"
    assert answer["Provider"] == realm.provider_arn
    assert answer["Audience"] == CLIENT_ID
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")

    identity = client_for(server, "sts", credentials).get_caller_identity()
    assert identity["Arn"] == session_arn
    assert identity["UserId"] == f"{role['RoleId']}:ci-run"
    as_role = client_for(server, "iam", credentials)
    assert as_role.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    expect_error(lambda: as_role.create_user(UserName=unique("nope")), "AccessDenied", status=403)
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]["Region"] == "us-east-1"


def test_the_cli_assumes_a_role_with_a_web_identity_token(server, iam, realm):
    role = web_role(iam, realm)
    answer = aws_cli(server, "sts", "assume-role-with-web-identity", "--role-arn", role["Arn"],
                     "--role-session-name", "from-cli", "--web-identity-token", realm.token(kid="k1"),
                     "--duration-seconds", "900")
    assert answer["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{role['RoleName']}/from-cli")
    assert answer["Provider"] == realm.provider_arn
    with pytest.raises(CliError) as failed:
        aws_cli(server, "sts", "assume-role-with-web-identity", "--role-arn", role["Arn"],
                "--role-session-name", "from-cli", "--web-identity-token", realm.token(aud="someone-else"))
    assert "InvalidIdentityToken" in failed.value.stderr and "Incorrect token audience" in failed.value.stderr


def test_an_ec_key_signs_too(server, iam, realm):
    realm.add_key("e1", kind="EC")
    role = web_role(iam, realm)
    answer = anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="ec", WebIdentityToken=realm.token(kid="e1"))
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_an_expired_token_is_refused(server, iam, realm):
    role = web_role(iam, realm)
    expired = realm.token(lifetime=-60)
    response = expect_error(
        lambda: anonymous_sts(server).assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=expired),
        "ExpiredTokenException", message_prefix="Token expired: current date/time ", status=400)
    assert "must be before the expiration date/time" in response["Error"]["Message"]


def test_a_wrong_audience_is_refused(server, iam, realm):
    role = web_role(iam, realm)
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=realm.token(aud="another-app")),
        "InvalidIdentityToken", message="Incorrect token audience", status=400)


def test_a_token_signed_by_a_key_not_in_the_jwks_is_refused(server, iam, realm):
    role = web_role(iam, realm)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = realm.token(kid="k1", key=stranger)
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=forged), "InvalidIdentityToken", status=400)
    # A kid the provider never published: AWS's message for a key it cannot find.
    unknown = realm.token(kid="k-unknown", key=stranger)
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=unknown), "InvalidIdentityToken",
        message_prefix="Couldn't retrieve verification key from your identity provider")


def test_an_unsigned_token_is_refused(server, iam, realm):
    role = web_role(iam, realm)

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}." \
               f"{b64({'iss': realm.url, 'sub': 'alice', 'aud': CLIENT_ID, 'exp': now + 600})}."
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=unsigned), "InvalidIdentityToken", status=400)
    # Nor is one "signed" with HMAC over the provider's public key.
    hmac = jwt.encode({"iss": realm.url, "sub": "alice", "aud": CLIENT_ID, "exp": now + 600},
                      "a-shared-secret-of-at-least-32-bytes", algorithm="HS256", headers={"kid": "k1"})
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=hmac), "InvalidIdentityToken", status=400)


def test_an_issuer_without_a_provider_is_refused(server, iam, issuer, realm):
    role = web_role(iam, realm)
    unregistered = Realm(issuer, unique("unregistered"))
    unregistered.add_key("k1")
    expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=unregistered.token()),
        "InvalidIdentityToken", message=f"No OpenIDConnect provider found in your account for {unregistered.url}",
        status=400)


def test_a_trust_condition_on_the_subject_refuses_other_subjects(server, iam, realm):
    role = web_role(iam, realm, condition={
        "StringEquals": {f"{realm.provider_url}:sub": "repo:org/app:ref:refs/heads/main",
                         f"{realm.provider_url}:aud": CLIENT_ID},
        "StringLike": {"sts:RoleSessionName": "deploy-*"},
    })
    sts = anonymous_sts(server)
    ok = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="deploy-1",
                                           WebIdentityToken=realm.token(sub="repo:org/app:ref:refs/heads/main"))
    assert ok["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"
    for sub, session in (("repo:org/app:ref:refs/heads/feature", "deploy-1"),
                         ("repo:org/app:ref:refs/heads/main", "other-2")):
        expect_error(lambda: sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName=session, WebIdentityToken=realm.token(sub=sub)),
            "AccessDenied", message="Not authorized to perform sts:AssumeRoleWithWebIdentity", status=403)


def test_a_rotated_key_is_found_by_refetching_the_jwks(server, iam, realm):
    role = web_role(iam, realm)
    sts = anonymous_sts(server)
    sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="before",
                                      WebIdentityToken=realm.token(kid="k1"))
    # The provider rotates: k2 replaces k1 while Warden still holds the old key set.
    realm.add_key("k2")
    realm.drop_key("k1")
    answer = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="after",
                                               WebIdentityToken=realm.token(kid="k2"))
    assert answer["AssumedRoleUser"]["Arn"].endswith("/after")


def test_an_unreachable_issuer_is_an_idp_communication_error(server, iam):
    # A loopback port nobody listens on.
    url = f"http://127.0.0.1:{free_port()}/{unique('gone')}"
    arn = iam.create_open_id_connect_provider(Url=url, ClientIDList=[CLIENT_ID])["OpenIDConnectProviderArn"]
    try:
        statement = {"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity"}
        role = iam.create_role(RoleName=unique("web"), AssumeRolePolicyDocument=policy(statement))["Role"]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = int(time.time())
        token = jwt.encode({"iss": url, "sub": "alice", "aud": CLIENT_ID, "exp": now + 600}, key,
                           algorithm="RS256", headers={"kid": "k1"})
        expect_error(lambda: anonymous_sts(server).assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="sess", WebIdentityToken=token), "IDPCommunicationError", status=400)
    finally:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_a_signed_call_is_served_the_same_way(server, iam, realm):
    """boto3 never signs this call, but a client that does gets the same answer: the caller's
    credentials (here, a key Warden does not know) play no part."""
    role = web_role(iam, realm)
    params = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role["Arn"],
              "RoleSessionName": "signed", "WebIdentityToken": realm.token()}
    request = AWSRequest(method="POST", url=server.endpoint + "/", data=params,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("AKIANOTAREALKEY00001", "x" * 40), "sts", "us-east-1").add_auth(request)
    prepared = request.prepare()
    assert prepared.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIANOTAREALKEY00001/")
    response = requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)
    assert response.status_code == 200, response.text
    arn = ElementTree.fromstring(response.text).find(".//{*}AssumedRoleUser/{*}Arn")
    assert arn is not None and arn.text.endswith(f"assumed-role/{role['RoleName']}/signed")


def test_dev_mode_serves_web_identity_too(tmp_path, issuer):
    dev = start_warden(tmp_path / "unused", tmp_path / "logs", root_keys=False, master_key=False,
                       serve_args=["--dev"])
    try:
        root = boto3.client("iam", endpoint_url=dev.endpoint, region_name="us-east-1",
                            aws_access_key_id="AKIAANYTHING00000001", aws_secret_access_key="x" * 40,
                            config=NO_RETRY)
        realm = Realm(issuer, unique("dev"))
        realm.add_key("k1")
        realm.provider_arn = root.create_open_id_connect_provider(
            Url=realm.url, ClientIDList=[CLIENT_ID])["OpenIDConnectProviderArn"]
        role = web_role(root, realm)
        sts = anonymous_sts(dev)
        answer = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="dev",
                                                   WebIdentityToken=realm.token())
        assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{role['RoleName']}/dev"
        # Not the dev-mode root: a bad token is refused even though unsigned requests are root.
        expect_error(lambda: sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="dev", WebIdentityToken=realm.token(aud="other")),
            "InvalidIdentityToken")
    finally:
        assert dev.stop() == 0


def test_http_provider_urls_are_loopback_only(iam):
    expect_error(lambda: iam.create_open_id_connect_provider(Url=f"http://idp-{uuid.uuid4().hex[:8]}.example.com",
                                                             ClientIDList=[CLIENT_ID]),
                 "InvalidInput", status=400)
