#!/usr/bin/env python3
"""Writes the signed SAML 2.0 responses that warden-saml's tests verify.

The fixtures are signed by an independent XML-DSig implementation (signxml over lxml/libxml2,
keys from `cryptography`), so the tests check Warden's canonicalizer and verifier against
someone else's signer rather than against themselves.

Run with `scripts/saml-fixtures/make` (it builds a throwaway venv from requirements.txt). Every
run makes NEW keys: all fixtures change together, and the Rust tests read the certificate from
`metadata.xml` and the key-independent expectations from the XML, so they keep passing.

THE PRIVATE KEYS WRITTEN HERE ARE THROWAWAY TEST KEYS. They protect nothing and must never be
trusted by anything but these tests.
"""

import copy
import datetime
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from lxml.etree import SubElement
import signxml
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml.algorithms import SignatureConstructionMethod
from signxml.util import ds_tag

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "warden-saml" / "tests" / "fixtures"
# The fuzz target's seeds: signed with the key whose certificate the target verifies with.
SEEDS = ROOT / "fuzz" / "seeds" / "saml_response"
SEED_FILES = ["response-signed.xml", "both-signed.xml", "metadata.xml"]

ISSUER = "https://idp.example.com/saml"
AWS = "https://signin.aws.amazon.com/saml"
INSTANT = "2024-05-01T12:00:00Z"
NOT_BEFORE = "2024-05-01T11:59:30Z"
NOT_ON_OR_AFTER = "2024-05-01T12:05:00Z"
ACCOUNT = "111122223333"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/ExampleIdP"

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}


class LegacySigner(XMLSigner):
    """signxml refuses SHA-1 by default; IdPs (AD FS among them) still send it and AWS accepts it."""

    def check_deprecated_methods(self):
        pass


class PrefixListSigner(XMLSigner):
    """Writes the InclusiveNamespaces PrefixList into the reference's c14n transform too.

    signxml (5.x) canonicalizes an enveloped reference with the PrefixList but writes it only on
    SignedInfo's CanonicalizationMethod, so the signature would not say how its digest was made.
    AD FS and Shibboleth write it in both places; this does the same.
    """

    def _build_transforms_for_reference(self, *, transforms_node, reference, exclude_c14n_transform_element=True):
        SubElement(transforms_node, ds_tag("Transform"), Algorithm=SignatureConstructionMethod.enveloped.value)
        transform = SubElement(transforms_node, ds_tag("Transform"), Algorithm=reference.c14n_method.value)
        if reference.inclusive_ns_prefixes:
            SubElement(
                transform,
                "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces",
                PrefixList=" ".join(reference.inclusive_ns_prefixes),
            )


def make_key(common_name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def cert_body(cert_pem):
    return "".join(line for line in cert_pem.splitlines() if "-----" not in line)


def assertion_xml(name_id="alice@example.com", audience=AWS, recipient=AWS, placeholder=True):
    signature = '<ds:Signature Id="placeholder"></ds:Signature>' if placeholder else ""
    return f"""<saml:Assertion xmlns:saml="{NS['saml']}" xmlns:ds="{NS['ds']}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_assertion-7f3a" Version="2.0" IssueInstant="{INSTANT}">
    <saml:Issuer>{ISSUER}</saml:Issuer>{signature}
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="{ISSUER}" SPNameQualifier="urn:amazon:webservices">{name_id}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{NOT_ON_OR_AFTER}" Recipient="{recipient}"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{NOT_BEFORE}" NotOnOrAfter="{NOT_ON_OR_AFTER}">
      <saml:AudienceRestriction>
        <saml:Audience>{audience}</saml:Audience>
      </saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="{INSTANT}" SessionIndex="_session-1">
      <saml:AuthnContext>
        <saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>
      </saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">arn:aws:iam::{ACCOUNT}:role/Admin,{PROVIDER}</saml:AttributeValue>
        <saml:AttributeValue xsi:type="xs:string">{PROVIDER},arn:aws:iam::{ACCOUNT}:role/ReadOnly</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue xsi:type="xs:string">alice@example.com</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">
        <saml:AttributeValue>1800</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project">
        <saml:AttributeValue>Marketing</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter">
        <saml:AttributeValue>12345</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys">
        <saml:AttributeValue>Project</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SourceIdentity">
        <saml:AttributeValue>alice</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.1" FriendlyName="eduPersonAffiliation">
        <saml:AttributeValue>staff</saml:AttributeValue>
        <saml:AttributeValue>member</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress">
        <saml:AttributeValue>alice&amp;co@example.com</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>"""


def response_xml(assertion, status="urn:oasis:names:tc:SAML:2.0:status:Success", placeholder=False):
    signature = '<ds:Signature Id="placeholder"></ds:Signature>' if placeholder else ""
    return f"""<samlp:Response xmlns:samlp="{NS['samlp']}" xmlns:saml="{NS['saml']}" xmlns:ds="{NS['ds']}" ID="_response-91c2" Version="2.0" IssueInstant="{INSTANT}" Destination="{AWS}">
  <saml:Issuer>{ISSUER}</saml:Issuer>{signature}
  <samlp:Status>
    <samlp:StatusCode Value="{status}"/>
  </samlp:Status>
  {assertion}
</samlp:Response>"""


def parse(text):
    return etree.fromstring(text.encode())


def signer(sha1=False, sha512=False, c14n=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0):
    if sha1:
        return LegacySigner(
            signature_algorithm=SignatureMethod.RSA_SHA1,
            digest_algorithm=DigestAlgorithm.SHA1,
            c14n_algorithm=c14n,
        )
    if sha512:
        return XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA512,
            digest_algorithm=DigestAlgorithm.SHA512,
            c14n_algorithm=c14n,
        )
    return XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=c14n,
    )


def sign(element, key, cert, reference, how=None, prefixes=None):
    how = how or signer()
    return how.sign(
        element,
        key=key,
        cert=cert,
        reference_uri=reference,
        inclusive_ns_prefixes=prefixes,
    )


def signed_assertion(key, cert, how=None, prefixes=None, **kw):
    return sign(parse(assertion_xml(**kw)), key, cert, "#_assertion-7f3a", how, prefixes)


def with_assertion(assertion_element, **kw):
    """The response around an already signed assertion (its exact bytes are kept)."""
    text = etree.tostring(assertion_element).decode()
    return response_xml(text, **kw)


def sign_response(text, key, cert, how=None, prefixes=None):
    return etree.tostring(sign(parse(text), key, cert, "#_response-91c2", how, prefixes)).decode()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    key, cert = make_key("warden-saml test IdP (throwaway key)")
    evil_key, evil_cert = make_key("warden-saml test attacker (throwaway key)")
    files = {}

    files["idp-key.pem"] = key.decode()
    files["idp-cert.pem"] = cert
    files["attacker-key.pem"] = evil_key.decode()
    files["attacker-cert.pem"] = evil_cert
    # The attacker's certificate is in the metadata as an *encryption* key: a verifier that
    # trusted every certificate in the metadata would accept the attacker's signatures.
    files["metadata.xml"] = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="{NS['ds']}" entityID="{ISSUER}" validUntil="2034-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{cert_body(cert)}
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:KeyDescriptor use="encryption">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_body(evil_cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""

    # Positive cases.
    files["assertion-signed.xml"] = with_assertion(signed_assertion(key, cert))
    files["assertion-signed-sha1.xml"] = with_assertion(
        signed_assertion(key, cert, how=signer(sha1=True))
    )
    files["assertion-signed-sha512.xml"] = with_assertion(
        signed_assertion(key, cert, how=signer(sha512=True))
    )
    files["assertion-signed-prefixlist.xml"] = with_assertion(
        signed_assertion(
            key,
            cert,
            how=PrefixListSigner(
                signature_algorithm=SignatureMethod.RSA_SHA256,
                digest_algorithm=DigestAlgorithm.SHA256,
                c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
            ),
            prefixes=["xs", "xsi"],
        )
    )
    files["assertion-signed-with-comments.xml"] = with_assertion(
        signed_assertion(
            key,
            cert,
            how=signer(c14n=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS),
        )
    )
    files["assertion-signed-comment-in-nameid.xml"] = with_assertion(
        signed_assertion(key, cert, name_id="alice@example.com<!-- a comment -->.evil.example")
    )
    files["response-signed.xml"] = sign_response(
        response_xml(assertion_xml(placeholder=False), placeholder=True), key, cert
    )
    files["response-signed-inclusive-c14n.xml"] = sign_response(
        response_xml(assertion_xml(placeholder=False), placeholder=True),
        key,
        cert,
        how=signer(c14n=CanonicalizationMethod.CANONICAL_XML_1_0),
    )
    files["both-signed.xml"] = sign_response(
        with_assertion(signed_assertion(key, cert), placeholder=True), key, cert
    )

    # Negative cases that need a signer (the others are made by the Rust tests from these).
    files["unsigned.xml"] = response_xml(assertion_xml(placeholder=False))
    files["signed-by-attacker.xml"] = with_assertion(signed_assertion(evil_key, evil_cert))
    files["wrong-audience.xml"] = with_assertion(
        signed_assertion(key, cert, audience="https://evil.example/saml")
    )
    files["wrong-recipient.xml"] = with_assertion(
        signed_assertion(key, cert, recipient="https://evil.example/acs")
    )
    # A genuine response signature around an assertion signed by someone else: the response
    # signature verifying must not excuse the assertion's.
    files["response-signed-assertion-signed-by-attacker.xml"] = sign_response(
        with_assertion(signed_assertion(evil_key, evil_cert), placeholder=True), key, cert
    )
    files["status-requester.xml"] = sign_response(
        with_assertion(
            signed_assertion(key, cert),
            status="urn:oasis:names:tc:SAML:2.0:status:Requester",
            placeholder=True,
        ),
        key,
        cert,
    )
    encrypted = f"""<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"""
    files["encrypted-assertion.xml"] = sign_response(
        response_xml(encrypted, placeholder=True), key, cert
    )

    for name, text in sorted(files.items()):
        (OUT / name).write_text(text)
    SEEDS.mkdir(parents=True, exist_ok=True)
    for name in SEED_FILES:
        (SEEDS / name).write_text(files[name])

    check(files, cert)
    print(f"wrote {len(files)} files to {OUT}")


def check(files, cert):
    """The signer's own verifier must accept the positive fixtures (a sanity check of the script).

    The PrefixList fixture is left out: signxml's schema check rejects its own InclusiveNamespaces
    element."""
    lenient = XMLVerifier()
    for name in [
        "assertion-signed.xml",
        "assertion-signed-comment-in-nameid.xml",
        "response-signed.xml",
        "response-signed-inclusive-c14n.xml",
        "both-signed.xml",
    ]:
        root = parse(files[name])
        signature = root.find("ds:Signature", NS)
        target = root if signature is not None else root.find("saml:Assertion", NS)
        lenient.verify(
            etree.tostring(target),
            x509_cert=cert,
            expect_config=signxml.verifier.SignatureConfiguration(
                require_x509=False, expect_references=1
            ),
        )


if __name__ == "__main__":
    sys.exit(main())
