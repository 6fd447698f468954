"""Credentials other than access keys: SSH public keys (UploadSSHPublicKey / GetSSHPublicKey /
UpdateSSHPublicKey / DeleteSSHPublicKey / ListSSHPublicKeys), signing certificates
(UploadSigningCertificate / UpdateSigningCertificate / DeleteSigningCertificate /
ListSigningCertificates) and server certificates (UploadServerCertificate / GetServerCertificate /
UpdateServerCertificate / DeleteServerCertificate / ListServerCertificates and their tags), via boto3.

Keys and certificates are made in the test with `cryptography` (installed with moto[server], which
tests/e2e/requirements.txt lists). Server certificates count against a quota of 20 per account, so
every test deletes the ones it uploads.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import re
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from e2e_support import ACCOUNT_ID, expect_error, unique

# ----------------------------------------------------------------------------- key material


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def openssh_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def md5_fingerprint(openssh: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key, as `ssh-keygen -l -E md5` prints it (without "MD5:")."""
    blob = base64.b64decode(openssh.split()[1])
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def self_signed(key: rsa.RSAPrivateKey, common_name: str, days: int = 30) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


def pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def keys():
    """A few RSA keys, made once: generating 2048-bit keys is the slow part of this file."""
    return [rsa_key() for _ in range(6)]


def make_user(iam) -> str:
    name = unique("cred")
    iam.create_user(UserName=name)
    return name


# ----------------------------------------------------------------------------- SSH public keys


def test_upload_get_list_update_delete_ssh_key(iam, keys):
    user = make_user(iam)
    body = openssh_public(keys[0])
    uploaded = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body)["SSHPublicKey"]
    assert uploaded["UserName"] == user
    assert uploaded["Status"] == "Active"
    assert uploaded["SSHPublicKeyBody"].strip() == body
    assert isinstance(uploaded["UploadDate"], datetime.datetime)
    key_id = uploaded["SSHPublicKeyId"]

    got = iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=key_id, Encoding="SSH")["SSHPublicKey"]
    assert got["SSHPublicKeyId"] == key_id
    assert got["SSHPublicKeyBody"].strip() == body
    assert got["Fingerprint"] == uploaded["Fingerprint"]

    listed = iam.list_ssh_public_keys(UserName=user)
    assert [(k["SSHPublicKeyId"], k["Status"], k["UserName"]) for k in listed["SSHPublicKeys"]] == [(key_id, "Active", user)]

    iam.update_ssh_public_key(UserName=user, SSHPublicKeyId=key_id, Status="Inactive")
    assert iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=key_id, Encoding="SSH")["SSHPublicKey"]["Status"] == "Inactive"
    assert iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"][0]["Status"] == "Inactive"

    iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key_id)
    assert iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"] == []
    expect_error(lambda: iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=key_id, Encoding="SSH"),
                 "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto's fingerprint is the bare hex MD5 of the whole text, not of the key blob")
def test_ssh_key_id_and_fingerprint(iam, keys):
    user = make_user(iam)
    body = openssh_public(keys[1])
    uploaded = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body)["SSHPublicKey"]
    # IDs like "APKAEIBAERJR2EXAMPLE" (IAM API reference examples).
    assert re.fullmatch(r"APKA[A-Z0-9]{16}", uploaded["SSHPublicKeyId"]), uploaded["SSHPublicKeyId"]
    # "The MD5 message digest of the SSH public key" (IAM API reference, SSHPublicKey): that of the
    # decoded key blob, in the colon-separated form OpenSSH prints.
    expected = md5_fingerprint(body)
    assert uploaded["Fingerprint"] == expected
    keygen = shutil.which("ssh-keygen")
    if keygen:
        printed = subprocess.run([keygen, "-l", "-E", "md5", "-f", "-"], input=body + "\n", capture_output=True,
                                 text=True, check=True).stdout
        assert f"MD5:{expected}" in printed, printed


@pytest.mark.xfail_on_moto(reason="moto does not implement the PEM encoding of GetSSHPublicKey")
def test_get_ssh_key_as_pem(iam, keys):
    user = make_user(iam)
    uploaded = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=openssh_public(keys[0]))["SSHPublicKey"]
    pem = iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=uploaded["SSHPublicKeyId"], Encoding="PEM")["SSHPublicKey"]
    text = pem["SSHPublicKeyBody"]
    assert text.startswith("-----BEGIN ") and "PUBLIC KEY-----" in text, text[:60]
    # The same key, in another encoding.
    loaded = serialization.load_pem_public_key(text.encode())
    assert loaded.public_numbers() == keys[0].public_key().public_numbers()
    assert pem["Fingerprint"] == uploaded["Fingerprint"]


@pytest.mark.xfail_on_moto(reason="moto accepts any text as an SSH public key")
def test_garbage_ssh_key_is_refused(iam):
    user = make_user(iam)
    # UploadSSHPublicKey documents UnrecognizedPublicKeyEncoding ("the public key encoding format is
    # unsupported or unrecognized") and InvalidPublicKey ("the public key is malformed or otherwise
    # invalid"); which one AWS picks for plain garbage could not be confirmed.
    with pytest.raises(ClientError) as refused:
        iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody="this is not a key")
    response = refused.value.response
    assert response["Error"]["Code"] in ("UnrecognizedPublicKeyEncoding", "InvalidPublicKey")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"] == []


@pytest.mark.xfail_on_moto(reason="moto accepts the same SSH public key twice")
def test_duplicate_ssh_key_is_refused(iam, keys):
    user = make_user(iam)
    body = openssh_public(keys[2])
    iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body)
    # DuplicateSSHPublicKey (IAM API reference, UploadSSHPublicKey); the text was not confirmed.
    expect_error(lambda: iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=body), "DuplicateSSHPublicKey", status=400)
    assert len(iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]) == 1


@pytest.mark.xfail_on_moto(reason="moto does not limit the SSH public keys of a user")
def test_sixth_ssh_key_is_limit_exceeded(iam, keys):
    user = make_user(iam)
    for key in keys[:5]:
        iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=openssh_public(key))
    # 5 SSH public keys per user (IAM quotas); the text was not confirmed: code and status only.
    expect_error(lambda: iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=openssh_public(keys[5])),
                 "LimitExceeded", status=409)
    assert len(iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]) == 5


def test_ssh_key_calls_on_missing_user(iam, keys):
    user = unique("nouser")
    expect_error(lambda: iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=openssh_public(keys[0])),
                 "NoSuchEntity", message=f"The user with name {user} cannot be found.", status=404)
    expect_error(lambda: iam.list_ssh_public_keys(UserName=user), "NoSuchEntity",
                 message=f"The user with name {user} cannot be found.", status=404)


def test_missing_ssh_key_id(iam):
    user = make_user(iam)
    expect_error(lambda: iam.get_ssh_public_key(UserName=user, SSHPublicKeyId="APKA0000000000000000", Encoding="SSH"),
                 "NoSuchEntity", status=404)
    expect_error(lambda: iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId="APKA0000000000000000"),
                 "NoSuchEntity", status=404)


# ----------------------------------------------------------------------------- signing certificates


@pytest.fixture(scope="module")
def signing_certs(keys):
    return [pem_cert(self_signed(k, f"signer-{i}")) for i, k in enumerate(keys)]


def test_signing_certificate_lifecycle(iam, signing_certs):
    user = make_user(iam)
    uploaded = iam.upload_signing_certificate(UserName=user, CertificateBody=signing_certs[0])["Certificate"]
    assert uploaded["UserName"] == user
    assert uploaded["Status"] == "Active"
    assert uploaded["CertificateBody"].strip() == signing_certs[0].strip()
    cert_id = uploaded["CertificateId"]
    assert cert_id

    listed = iam.list_signing_certificates(UserName=user)
    assert [(c["CertificateId"], c["Status"]) for c in listed["Certificates"]] == [(cert_id, "Active")]
    assert listed["Certificates"][0]["CertificateBody"].strip() == signing_certs[0].strip()

    iam.update_signing_certificate(UserName=user, CertificateId=cert_id, Status="Inactive")
    assert iam.list_signing_certificates(UserName=user)["Certificates"][0]["Status"] == "Inactive"

    iam.delete_signing_certificate(UserName=user, CertificateId=cert_id)
    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []
    expect_error(lambda: iam.delete_signing_certificate(UserName=user, CertificateId=cert_id), "NoSuchEntity", status=404)


def test_malformed_signing_certificate(iam):
    user = make_user(iam)
    expect_error(lambda: iam.upload_signing_certificate(UserName=user, CertificateBody="-----BEGIN CERTIFICATE-----\nnope\n"
                                                                                          "-----END CERTIFICATE-----"),
                 "MalformedCertificate", status=400)
    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []


def test_third_signing_certificate_is_limit_exceeded(iam, signing_certs):
    user = make_user(iam)
    iam.upload_signing_certificate(UserName=user, CertificateBody=signing_certs[0])
    iam.upload_signing_certificate(UserName=user, CertificateBody=signing_certs[1])
    # 2 signing certificates per user (IAM quotas); the text was not confirmed: code and status only.
    expect_error(lambda: iam.upload_signing_certificate(UserName=user, CertificateBody=signing_certs[2]),
                 "LimitExceeded", status=409)
    assert len(iam.list_signing_certificates(UserName=user)["Certificates"]) == 2


@pytest.mark.xfail_on_moto(reason="moto accepts the same signing certificate twice")
def test_duplicate_signing_certificate(iam, keys):
    user, other = make_user(iam), make_user(iam)
    # A certificate of its own: the shared fixture's are held by other tests' users.
    cert = pem_cert(self_signed(keys[0], unique("dup")))
    iam.upload_signing_certificate(UserName=user, CertificateBody=cert)
    # DuplicateCertificate (IAM API reference, UploadSigningCertificate); text not confirmed.
    expect_error(lambda: iam.upload_signing_certificate(UserName=user, CertificateBody=cert),
                 "DuplicateCertificate", status=409)
    # "…the same certificate is associated with an IAM user in the account": any user.
    expect_error(lambda: iam.upload_signing_certificate(UserName=other, CertificateBody=cert),
                 "DuplicateCertificate", status=409)


# ----------------------------------------------------------------------------- server certificates


@pytest.fixture(scope="module")
def server_pair(keys):
    """(certificate, private key, certificate object) for a self-signed server certificate."""
    cert = self_signed(keys[0], "www.example.com", days=90)
    return pem_cert(cert), pem_private(keys[0]), cert


@contextlib.contextmanager
def uploaded_server_certificate(iam, body: str, key: str, **kwargs):
    name = kwargs.pop("ServerCertificateName", None) or unique("srv")
    answer = iam.upload_server_certificate(ServerCertificateName=name, CertificateBody=body, PrivateKey=key, **kwargs)
    current = {"name": name}
    try:
        yield answer, current
    finally:
        with contextlib.suppress(Exception):
            iam.delete_server_certificate(ServerCertificateName=current["name"])


def test_upload_get_delete_server_certificate(iam, server_pair):
    body, key, cert = server_pair
    path = f"/{unique('web')}/"
    with uploaded_server_certificate(iam, body, key, Path=path) as (answer, current):
        name = current["name"]
        meta = answer["ServerCertificateMetadata"]
        assert meta["ServerCertificateName"] == name
        assert meta["Path"] == path
        assert meta["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:server-certificate{path}{name}"
        assert isinstance(meta["UploadDate"], datetime.datetime)

        got = iam.get_server_certificate(ServerCertificateName=name)["ServerCertificate"]
        assert got["ServerCertificateMetadata"]["Arn"] == meta["Arn"]
        assert got["ServerCertificateMetadata"]["ServerCertificateId"] == meta["ServerCertificateId"]
        assert got["CertificateBody"].strip() == body.strip()
        # The private key never comes back.
        assert "PRIVATE KEY" not in json.dumps(got, default=str)
        assert "PrivateKey" not in got

        listed = iam.list_server_certificates(PathPrefix=path)
        assert [m["ServerCertificateName"] for m in listed["ServerCertificateMetadataList"]] == [name]
        assert listed["IsTruncated"] is False

        iam.delete_server_certificate(ServerCertificateName=name)
        expect_error(lambda: iam.get_server_certificate(ServerCertificateName=name), "NoSuchEntity", status=404)
        assert iam.list_server_certificates(PathPrefix=path)["ServerCertificateMetadataList"] == []


@pytest.mark.xfail_on_moto(reason="moto's ServerCertificateIds are random lower-case strings and it has no Expiration")
def test_server_certificate_id_and_expiration(iam, server_pair):
    body, key, cert = server_pair
    with uploaded_server_certificate(iam, body, key) as (answer, _):
        meta = answer["ServerCertificateMetadata"]
        # IDs like "ASCACKCEVSQ6C2EXAMPLE" (IAM API reference examples).
        assert re.fullmatch(r"ASCA[A-Z0-9]{17}", meta["ServerCertificateId"]), meta["ServerCertificateId"]
        # Expiration is the certificate's notAfter.
        assert meta["Expiration"] == cert.not_valid_after_utc


@pytest.mark.xfail_on_moto(reason="moto does not check that the private key matches the certificate")
def test_mismatched_private_key_is_key_pair_mismatch(iam, server_pair, keys):
    body, _, _ = server_pair
    name = unique("mismatch")
    # KeyPairMismatch (IAM API reference, UploadServerCertificate); the text was not confirmed.
    expect_error(lambda: iam.upload_server_certificate(ServerCertificateName=name, CertificateBody=body,
                                                       PrivateKey=pem_private(keys[1])),
                 "KeyPairMismatch", status=400)
    expect_error(lambda: iam.get_server_certificate(ServerCertificateName=name), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto accepts any text as a server certificate")
def test_garbage_server_certificate_is_malformed(iam, server_pair):
    _, key, _ = server_pair
    name = unique("garbage")
    expect_error(lambda: iam.upload_server_certificate(ServerCertificateName=name, CertificateBody="not a certificate",
                                                       PrivateKey=key),
                 "MalformedCertificate", status=400)
    expect_error(lambda: iam.get_server_certificate(ServerCertificateName=name), "NoSuchEntity", status=404)


@pytest.mark.xfail_on_moto(reason="moto accepts a second server certificate of the same name")
def test_duplicate_server_certificate_name(iam, server_pair):
    body, key, _ = server_pair
    with uploaded_server_certificate(iam, body, key) as (_, current):
        # The text was not confirmed: code and status only.
        expect_error(lambda: iam.upload_server_certificate(ServerCertificateName=current["name"], CertificateBody=body,
                                                           PrivateKey=key),
                     "EntityAlreadyExists", status=409)


@pytest.mark.xfail_on_moto(reason="moto does not implement UpdateServerCertificate (HTTP 500)")
def test_update_server_certificate_name_and_path(iam, server_pair):
    body, key, _ = server_pair
    with uploaded_server_certificate(iam, body, key) as (answer, current):
        old = current["name"]
        new = unique("renamed")
        path = f"/{unique('moved')}/"
        iam.update_server_certificate(ServerCertificateName=old, NewServerCertificateName=new, NewPath=path)
        current["name"] = new
        expect_error(lambda: iam.get_server_certificate(ServerCertificateName=old), "NoSuchEntity", status=404)
        meta = iam.get_server_certificate(ServerCertificateName=new)["ServerCertificate"]["ServerCertificateMetadata"]
        assert meta["Path"] == path
        assert meta["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:server-certificate{path}{new}"
        assert meta["ServerCertificateId"] == answer["ServerCertificateMetadata"]["ServerCertificateId"]


@pytest.mark.xfail_on_moto(reason="moto does not keep server certificate tags")
def test_server_certificate_tags(iam, server_pair):
    body, key, _ = server_pair
    with uploaded_server_certificate(iam, body, key, Tags=[{"Key": "team", "Value": "blue"}]) as (answer, current):
        name = current["name"]
        assert answer["Tags"] == [{"Key": "team", "Value": "blue"}]
        iam.tag_server_certificate(ServerCertificateName=name, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "red"}])
        listed = iam.list_server_certificate_tags(ServerCertificateName=name)
        assert {t["Key"]: t["Value"] for t in listed["Tags"]} == {"team": "red", "env": "dev"}
        assert listed["IsTruncated"] is False
        iam.untag_server_certificate(ServerCertificateName=name, TagKeys=["team"])
        assert iam.list_server_certificate_tags(ServerCertificateName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
        assert iam.get_server_certificate(ServerCertificateName=name)["ServerCertificate"]["Tags"] == [
            {"Key": "env", "Value": "dev"}]


def test_server_certificate_calls_on_missing_name(iam):
    name = unique("nosrv")
    expect_error(lambda: iam.get_server_certificate(ServerCertificateName=name), "NoSuchEntity", status=404)
    expect_error(lambda: iam.delete_server_certificate(ServerCertificateName=name), "NoSuchEntity", status=404)


def test_server_certificates_count_in_account_summary(iam, server_pair):
    body, key, _ = server_pair
    before = iam.get_account_summary()["SummaryMap"]["ServerCertificates"]
    with uploaded_server_certificate(iam, body, key) as (_, current):
        assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == before + 1
        iam.delete_server_certificate(ServerCertificateName=current["name"])
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == before
