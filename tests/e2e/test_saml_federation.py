"""STS AssumeRoleWithSAML with boto3 and the AWS CLI: SAML 2.0 responses signed at test time by an
independent XML-DSig implementation (signxml over lxml), verified by Warden against the IAM SAML
provider's metadata certificate — good, unsigned, tampered, wrongly signed, expired, and refused by
the trust policy or the Role attribute."""

from __future__ import annotations

import base64
import datetime
import json

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner

from e2e_support import ACCOUNT_ID, NO_RETRY, allow, aws_cli, expect_error, policy, unique

pytestmark = pytest.mark.warden_only

ISSUER = "https://idp.example.com/saml"
AWS = "https://signin.aws.amazon.com/saml"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def make_key(name: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


IDP_KEY, IDP_CERT = make_key("warden e2e IdP (throwaway)")
OTHER_KEY, OTHER_CERT = make_key("warden e2e attacker (throwaway)")


def metadata(cert_pem: str) -> str:
    body = "".join(line for line in cert_pem.splitlines() if "-----" not in line)
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def stamp(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion(roles: list[str], subject: str = "alice@example.com", lifetime: int = 300,
              issued_ago: int = 0, extra_attributes: str = "") -> str:
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=issued_ago)
    values = "".join(f"<saml:AttributeValue>{r}</saml:AttributeValue>" for r in roles)
    return f"""<saml:Assertion xmlns:saml="{SAML}" ID="_a{unique('x').replace('-', '')}" Version="2.0" IssueInstant="{stamp(now)}">
  <saml:Issuer>{ISSUER}</saml:Issuer>
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{subject}</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData NotOnOrAfter="{stamp(now + datetime.timedelta(seconds=lifetime))}" Recipient="{AWS}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{stamp(now - datetime.timedelta(seconds=30))}" NotOnOrAfter="{stamp(now + datetime.timedelta(seconds=lifetime))}">
    <saml:AudienceRestriction><saml:Audience>{AWS}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{stamp(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
  <saml:AttributeStatement>
    <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute>
    <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{subject}</saml:AttributeValue></saml:Attribute>
    {extra_attributes}
  </saml:AttributeStatement>
</saml:Assertion>"""


def signed_response(assertion_xml: str, key: bytes = IDP_KEY, cert: str = IDP_CERT, sign: bool = True) -> str:
    """The base64 SAMLResponse: the assertion signed (enveloped, exclusive c14n, RSA-SHA256)."""
    element = etree.fromstring(assertion_xml.encode())
    if sign:
        signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                           c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
        element = signer.sign(element, key=key, cert=cert, reference_uri="#" + element.get("ID"))
    now = stamp(datetime.datetime.now(datetime.timezone.utc))
    response = (f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r{unique("r").replace("-", "")}" '
                f'Version="2.0" IssueInstant="{now}" Destination="{AWS}"><saml:Issuer>{ISSUER}</saml:Issuer>'
                f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
                + etree.tostring(element).decode() + "</samlp:Response>")
    return base64.b64encode(response.encode()).decode()


def anonymous_sts(server):
    return boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                        config=NO_RETRY.merge(Config(signature_version=UNSIGNED)))


@pytest.fixture(scope="module")
def provider(server):
    from e2e_support import root_client
    iam = root_client(server)
    name = unique("idp")
    return iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata(IDP_CERT))["SAMLProviderArn"]


def saml_role(iam, provider_arn: str, actions=("sts:AssumeRoleWithSAML",), condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    name = unique("saml-role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(statement))["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="list", PolicyDocument=policy(allow("iam:ListRoles")))
    return role["Arn"]


def assume(server, role_arn: str, provider_arn: str, saml_response: str, **kwargs):
    return anonymous_sts(server).assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn,
                                                       SAMLAssertion=saml_response, **kwargs)


def test_a_signed_response_assumes_the_role(server, iam, provider):
    role_arn = saml_role(iam, provider, condition={"StringEquals": {"saml:aud": AWS, "saml:sub": "alice@example.com"}})
    answer = assume(server, role_arn, provider, signed_response(assertion([f"{role_arn},{provider}"])))
    role_name = role_arn.split("/")[-1]
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/alice@example.com"
    assert answer["Subject"] == "alice@example.com" and answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == ISSUER and answer["Audience"] == AWS
    assert answer["NameQualifier"]
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    session = boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1", config=NO_RETRY,
                           aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"],
                           aws_session_token=credentials["SessionToken"])
    assert session.get_caller_identity()["Arn"] == answer["AssumedRoleUser"]["Arn"]
    session_iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1", config=NO_RETRY,
                               aws_access_key_id=credentials["AccessKeyId"],
                               aws_secret_access_key=credentials["SecretAccessKey"],
                               aws_session_token=credentials["SessionToken"])
    assert "Roles" in session_iam.list_roles()
    expect_error(lambda: session_iam.list_users(), "AccessDenied", status=403)


def test_the_role_pair_may_come_in_either_order_and_must_name_this_role(server, iam, provider):
    role_arn = saml_role(iam, provider)
    answer = assume(server, role_arn, provider, signed_response(assertion([f"{provider},{role_arn}"])))
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    other = saml_role(iam, provider)
    expect_error(lambda: assume(server, role_arn, provider, signed_response(assertion([f"{other},{provider}"]))),
                 "AccessDenied", message="Not authorized to perform sts:AssumeRoleWithSAML", status=403)


def test_an_unsigned_response_is_refused(server, iam, provider):
    role_arn = saml_role(iam, provider)
    expect_error(lambda: assume(server, role_arn, provider,
                                signed_response(assertion([f"{role_arn},{provider}"]), sign=False)),
                 "InvalidIdentityToken", status=400)


def test_a_tampered_response_is_refused(server, iam, provider):
    role_arn = saml_role(iam, provider)
    good = base64.b64decode(signed_response(assertion([f"{role_arn},{provider}"], subject="alice@example.com")))
    tampered = good.replace(b">alice@example.com</saml:NameID>", b">mallory@example.com</saml:NameID>")
    assert tampered != good
    expect_error(lambda: assume(server, role_arn, provider, base64.b64encode(tampered).decode()),
                 "InvalidIdentityToken", status=400)


def test_a_response_signed_by_another_key_is_refused(server, iam, provider):
    role_arn = saml_role(iam, provider)
    forged = signed_response(assertion([f"{role_arn},{provider}"]), key=OTHER_KEY, cert=OTHER_CERT)
    expect_error(lambda: assume(server, role_arn, provider, forged), "InvalidIdentityToken", status=400)


def test_an_expired_response_is_refused(server, iam, provider):
    role_arn = saml_role(iam, provider)
    old = signed_response(assertion([f"{role_arn},{provider}"], lifetime=60, issued_ago=600))
    expect_error(lambda: assume(server, role_arn, provider, old), "ExpiredTokenException", status=400)


def test_the_trust_policy_decides_with_saml_keys(server, iam, provider):
    role_arn = saml_role(iam, provider, condition={"StringEquals": {"saml:sub": "bob@example.com"}})
    expect_error(lambda: assume(server, role_arn, provider, signed_response(assertion([f"{role_arn},{provider}"]))),
                 "AccessDenied", status=403)
    answer = assume(server, role_arn, provider,
                    signed_response(assertion([f"{role_arn},{provider}"], subject="bob@example.com")))
    assert answer["Subject"] == "bob@example.com"


def test_session_tags_from_the_response_need_tag_session(server, iam, provider):
    tags = ('<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project">'
            '<saml:AttributeValue>Blue</saml:AttributeValue></saml:Attribute>')
    plain = saml_role(iam, provider)
    expect_error(lambda: assume(server, plain, provider,
                                signed_response(assertion([f"{plain},{provider}"], extra_attributes=tags))),
                 "AccessDenied", status=403)
    tagging = saml_role(iam, provider, actions=("sts:AssumeRoleWithSAML", "sts:TagSession"))
    answer = assume(server, tagging, provider, signed_response(assertion([f"{tagging},{provider}"], extra_attributes=tags)))
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_a_provider_of_another_account_or_none_is_refused(server, iam, provider):
    role_arn = saml_role(iam, provider)
    missing = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/{unique('nope')}"
    expect_error(lambda: assume(server, role_arn, missing, signed_response(assertion([f"{role_arn},{missing}"]))),
                 "InvalidIdentityToken", status=400)


def test_the_aws_cli_assumes_a_role_with_saml(server, iam, provider):
    role_arn = saml_role(iam, provider)
    answer = aws_cli(server, "sts", "assume-role-with-saml", "--role-arn", role_arn, "--principal-arn", provider,
                     "--saml-assertion", signed_response(assertion([f"{role_arn},{provider}"])))
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert json.dumps(answer["AssumedRoleUser"]).count("alice@example.com") == 2
