//! SSH public keys, signing certificates and server certificates through aws-sdk-iam, with the
//! material validated as AWS validates it. The keys and certificates are the throwaway fixtures
//! of warden-core's material tests (valid until 2126).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_sdk_iam::types::{EncodingType, StatusType};
use warden_sdk_tests::{ACCOUNT_ID, OrFail, Warden, service_failure, unique};

const SSH_KEY: &str =
    include_str!("../../../crates/warden-core/src/material/testdata/ssh_rsa_2048.pub");
const SSH_FINGERPRINT: &str =
    include_str!("../../../crates/warden-core/src/material/testdata/ssh_rsa_2048.md5");
const SSH_KEY_1024: &str =
    include_str!("../../../crates/warden-core/src/material/testdata/ssh_rsa_1024.pub");
const CERT: &str = include_str!("../../../crates/warden-core/src/material/testdata/rsa2048.crt");
const KEY: &str =
    include_str!("../../../crates/warden-core/src/material/testdata/rsa2048.pkcs8.key");
const OTHER_KEY: &str =
    include_str!("../../../crates/warden-core/src/material/testdata/other_rsa2048.pkcs8.key");
const EC_CERT: &str = include_str!("../../../crates/warden-core/src/material/testdata/ec256.crt");

#[tokio::test]
async fn ssh_public_keys() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let user = unique("coder");
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");

    let uploaded = iam
        .upload_ssh_public_key()
        .user_name(&user)
        .ssh_public_key_body(SSH_KEY)
        .send()
        .await
        .or_fail("UploadSSHPublicKey")
        .ssh_public_key
        .unwrap();
    assert_eq!(uploaded.fingerprint, SSH_FINGERPRINT.trim());
    assert_eq!(uploaded.status, StatusType::Active);
    assert!(uploaded.ssh_public_key_id.starts_with("APKA"));
    // Stored without the comment, as AWS returns it.
    let mut parts = SSH_KEY.split_whitespace();
    let without_comment = format!("{} {}", parts.next().unwrap(), parts.next().unwrap());
    assert_eq!(uploaded.ssh_public_key_body, without_comment);
    let id = uploaded.ssh_public_key_id;

    let pem = iam
        .get_ssh_public_key()
        .user_name(&user)
        .ssh_public_key_id(&id)
        .encoding(EncodingType::Pem)
        .send()
        .await
        .or_fail("GetSSHPublicKey PEM")
        .ssh_public_key
        .unwrap();
    assert!(
        pem.ssh_public_key_body
            .starts_with("-----BEGIN PUBLIC KEY-----"),
        "{}",
        pem.ssh_public_key_body
    );

    // The same key twice, a short key, and garbage are refused.
    let duplicate = service_failure(
        iam.upload_ssh_public_key()
            .user_name(&user)
            .ssh_public_key_body(SSH_KEY)
            .send()
            .await,
    );
    assert_eq!(
        (duplicate.status, duplicate.code.as_str()),
        (400, "DuplicateSSHPublicKey")
    );
    let short = service_failure(
        iam.upload_ssh_public_key()
            .user_name(&user)
            .ssh_public_key_body(SSH_KEY_1024)
            .send()
            .await,
    );
    assert_eq!(short.code, "InvalidPublicKey", "{short:?}");
    let garbage = service_failure(
        iam.upload_ssh_public_key()
            .user_name(&user)
            .ssh_public_key_body("not a key")
            .send()
            .await,
    );
    assert_eq!(garbage.code, "UnrecognizedPublicKeyEncoding", "{garbage:?}");

    iam.update_ssh_public_key()
        .user_name(&user)
        .ssh_public_key_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .or_fail("UpdateSSHPublicKey");
    let listed = iam
        .list_ssh_public_keys()
        .user_name(&user)
        .send()
        .await
        .or_fail("ListSSHPublicKeys");
    let listed = listed.ssh_public_keys();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, StatusType::Inactive);

    // A user with a key cannot be deleted.
    let conflict = service_failure(iam.delete_user().user_name(&user).send().await);
    assert_eq!(
        (conflict.status, conflict.code.as_str()),
        (409, "DeleteConflict")
    );
    iam.delete_ssh_public_key()
        .user_name(&user)
        .ssh_public_key_id(&id)
        .send()
        .await
        .or_fail("DeleteSSHPublicKey");
    let gone = service_failure(
        iam.get_ssh_public_key()
            .user_name(&user)
            .ssh_public_key_id(&id)
            .encoding(EncodingType::Ssh)
            .send()
            .await,
    );
    assert_eq!((gone.status, gone.code.as_str()), (404, "NoSuchEntity"));
    iam.delete_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("DeleteUser");
}

#[tokio::test]
async fn signing_and_server_certificates() {
    let warden = Warden::start().await;
    let iam = warden.root_iam().await;
    let user = unique("signer");
    iam.create_user()
        .user_name(&user)
        .send()
        .await
        .or_fail("CreateUser");

    let signing = iam
        .upload_signing_certificate()
        .user_name(&user)
        .certificate_body(CERT)
        .send()
        .await
        .or_fail("UploadSigningCertificate")
        .certificate
        .unwrap();
    assert_eq!(signing.status, StatusType::Active);
    assert_eq!(signing.certificate_body.trim(), CERT.trim());
    let duplicate = service_failure(
        iam.upload_signing_certificate()
            .user_name(&user)
            .certificate_body(CERT)
            .send()
            .await,
    );
    assert_eq!(
        (duplicate.status, duplicate.code.as_str()),
        (409, "DuplicateCertificate")
    );
    iam.update_signing_certificate()
        .user_name(&user)
        .certificate_id(&signing.certificate_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .or_fail("UpdateSigningCertificate");
    let listed = iam
        .list_signing_certificates()
        .user_name(&user)
        .send()
        .await
        .or_fail("ListSigningCertificates");
    assert_eq!(listed.certificates()[0].status, StatusType::Inactive);
    iam.delete_signing_certificate()
        .user_name(&user)
        .certificate_id(&signing.certificate_id)
        .send()
        .await
        .or_fail("DeleteSigningCertificate");

    // A server certificate: the key must match; it is never returned.
    let name = unique("www");
    let mismatch = service_failure(
        iam.upload_server_certificate()
            .server_certificate_name(&name)
            .certificate_body(CERT)
            .private_key(OTHER_KEY)
            .send()
            .await,
    );
    assert_eq!(
        (mismatch.status, mismatch.code.as_str()),
        (400, "KeyPairMismatch")
    );
    let malformed = service_failure(
        iam.upload_server_certificate()
            .server_certificate_name(&name)
            .certificate_body("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----")
            .private_key(KEY)
            .send()
            .await,
    );
    assert_eq!(
        (malformed.status, malformed.code.as_str()),
        (400, "MalformedCertificate")
    );
    let metadata = iam
        .upload_server_certificate()
        .server_certificate_name(&name)
        .path("/cloudfront/")
        .certificate_body(CERT)
        .private_key(KEY)
        .send()
        .await
        .or_fail("UploadServerCertificate")
        .server_certificate_metadata
        .unwrap();
    assert_eq!(
        metadata.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:server-certificate/cloudfront/{name}")
    );
    assert!(metadata.server_certificate_id.starts_with("ASCA"));
    assert!(metadata.expiration.is_some());
    let again = service_failure(
        iam.upload_server_certificate()
            .server_certificate_name(name.to_uppercase())
            .certificate_body(EC_CERT)
            .private_key(KEY)
            .send()
            .await,
    );
    assert_eq!(again.code, "KeyPairMismatch", "{again:?}");

    let renamed = format!("{name}-2");
    iam.update_server_certificate()
        .server_certificate_name(&name)
        .new_server_certificate_name(&renamed)
        .send()
        .await
        .or_fail("UpdateServerCertificate");
    let fetched = iam
        .get_server_certificate()
        .server_certificate_name(&renamed)
        .send()
        .await
        .or_fail("GetServerCertificate")
        .server_certificate
        .unwrap();
    assert_eq!(fetched.certificate_body.trim(), CERT.trim());
    let raw = format!("{fetched:?}");
    assert!(!raw.contains("PRIVATE KEY"), "{raw}");
    let listed = iam
        .list_server_certificates()
        .path_prefix("/cloudfront/")
        .send()
        .await
        .or_fail("ListServerCertificates");
    let names: Vec<&str> = listed
        .server_certificate_metadata_list()
        .iter()
        .map(|m| m.server_certificate_name.as_str())
        .collect();
    assert_eq!(names, [renamed.as_str()]);
    iam.delete_server_certificate()
        .server_certificate_name(&renamed)
        .send()
        .await
        .or_fail("DeleteServerCertificate");
    let gone = service_failure(
        iam.get_server_certificate()
            .server_certificate_name(&renamed)
            .send()
            .await,
    );
    assert_eq!((gone.status, gone.code.as_str()), (404, "NoSuchEntity"));
}
