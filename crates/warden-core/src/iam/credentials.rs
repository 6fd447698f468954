//! Credentials other than passwords and access keys: SSH public keys (for CodeCommit), signing
//! certificates, and server certificates. The material is validated as AWS validates it
//! ([`crate::material`]); a server certificate's private key is sealed and never returned.

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{
    Change, Object, ObjectKey, ObjectKind, ServerCertificateRecord, SigningCertificateRecord,
    SshPublicKeyRecord,
};

use super::{account, find_user, limit_exceeded, named_or_caller, stamp, tags};
use crate::directory::{Account, ArnScope};
use crate::material::{MaterialError, ssh, x509};
use crate::pagination::paginate;
use crate::{Core, RequestCx, ids};

fn material_error(e: MaterialError) -> ServiceError {
    let shape = match e.code {
        "MalformedCertificate" => errors::MALFORMED_CERTIFICATE,
        "KeyPairMismatch" => errors::KEY_PAIR_MISMATCH,
        "InvalidPublicKey" => errors::INVALID_PUBLIC_KEY,
        "UnrecognizedPublicKeyEncoding" => errors::UNRECOGNIZED_PUBLIC_KEY_ENCODING,
        _ => errors::INVALID_INPUT,
    };
    ServiceError::new(shape, e.message)
}

fn status(active: bool) -> String {
    if active { "Active" } else { "Inactive" }.to_owned()
}

/// `Active` / `Inactive` (the model already refused anything else).
fn is_active(status: &str) -> bool {
    status == "Active"
}

fn no_such_ssh_key(id: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The Public Key with id {id} cannot be found."),
    )
}

fn no_such_signing_certificate(id: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("The Certificate with id {id} cannot be found."),
    )
}

pub(crate) fn find_server_certificate<'a>(
    account: &'a Account,
    name: &str,
) -> Result<&'a ServerCertificateRecord, ServiceError> {
    account.server_certificates.get(name).ok_or_else(|| {
        ServiceError::new(
            errors::NO_SUCH_ENTITY,
            format!("The Server Certificate with name {name} cannot be found."),
        )
    })
}

fn server_metadata(partition: &str, r: &ServerCertificateRecord) -> iam::ServerCertificateMetadata {
    iam::ServerCertificateMetadata {
        path: r.path.clone(),
        server_certificate_name: r.name.clone(),
        server_certificate_id: r.server_certificate_id.clone(),
        arn: ArnScope {
            partition,
            account: &r.account_id,
        }
        .entity("server-certificate", &r.path, &r.name),
        upload_date: Some(r.uploaded),
        expiration: Some(r.expiration),
    }
}

/// Whose signing certificates: a user's id and name, or the root's (the account id for both).
fn certificate_owner(
    account: &Account,
    cx: &RequestCx,
    name: Option<&str>,
) -> Result<(String, String), ServiceError> {
    Ok(match named_or_caller(account, &cx.caller, name)? {
        Some(user) => (user.record.user_id.clone(), user.record.name.clone()),
        None => (account.id().to_owned(), account.id().to_owned()),
    })
}

impl Core {
    fn ssh_key(
        &self,
        cx: &RequestCx,
        user_name: &str,
        id: &str,
    ) -> Result<(String, SshPublicKeyRecord), ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let user = find_user(account, user_name)?;
        let key = account
            .ssh_keys
            .get(id)
            .filter(|k| k.user_id == user.record.user_id)
            .ok_or_else(|| no_such_ssh_key(id))?;
        Ok((user.record.name.clone(), key.clone()))
    }

    pub(crate) async fn upload_ssh_public_key_op(
        &self,
        cx: &RequestCx,
        i: iam::UploadSSHPublicKeyRequest,
    ) -> Result<iam::UploadSSHPublicKeyResponse, ServiceError> {
        let key = ssh::parse_public_key(&i.ssh_public_key_body).map_err(material_error)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &i.user_name)?;
            let mine: Vec<&SshPublicKeyRecord> = account
                .ssh_keys
                .values()
                .filter(|k| k.user_id == user.record.user_id)
                .collect();
            if mine.iter().any(|k| k.fingerprint == key.fingerprint) {
                return Err(ServiceError::new(
                    errors::DUPLICATE_SSH_PUBLIC_KEY,
                    "The request was rejected because the SSH public key is already associated \
                     with the specified IAM user.",
                ));
            }
            if mine.len() >= self.quotas.ssh_public_keys_per_user {
                return Err(limit_exceeded(
                    "SSHPublicKeysPerUser",
                    self.quotas.ssh_public_keys_per_user,
                ));
            }
            SshPublicKeyRecord {
                ssh_public_key_id: ids::ssh_public_key_id()
                    .map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                user_id: user.record.user_id.clone(),
                body: key.body,
                fingerprint: key.fingerprint,
                active: true,
                uploaded: stamp(cx),
            }
        };
        let answer = iam::SSHPublicKey {
            user_name: i.user_name,
            ssh_public_key_id: record.ssh_public_key_id.clone(),
            fingerprint: record.fingerprint.clone(),
            ssh_public_key_body: record.body.clone(),
            status: status(true),
            upload_date: Some(record.uploaded),
        };
        self.commit(vec![Change::PutObject(Object::SshPublicKey(record))])
            .await?;
        Ok(iam::UploadSSHPublicKeyResponse {
            ssh_public_key: Some(answer),
        })
    }

    pub(crate) fn get_ssh_public_key_op(
        &self,
        cx: &RequestCx,
        i: iam::GetSSHPublicKeyRequest,
    ) -> Result<iam::GetSSHPublicKeyResponse, ServiceError> {
        let (user_name, key) = self.ssh_key(cx, &i.user_name, &i.ssh_public_key_id)?;
        let encoding = if i.encoding == "PEM" {
            ssh::Encoding::Pem
        } else {
            ssh::Encoding::Ssh
        };
        let body = ssh::encode(&key.body, encoding).map_err(material_error)?;
        Ok(iam::GetSSHPublicKeyResponse {
            ssh_public_key: Some(iam::SSHPublicKey {
                user_name,
                ssh_public_key_id: key.ssh_public_key_id,
                fingerprint: key.fingerprint,
                ssh_public_key_body: body,
                status: status(key.active),
                upload_date: Some(key.uploaded),
            }),
        })
    }

    pub(crate) async fn update_ssh_public_key_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateSSHPublicKeyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let (_, mut key) = self.ssh_key(cx, &i.user_name, &i.ssh_public_key_id)?;
        key.active = is_active(&i.status);
        self.commit(vec![Change::PutObject(Object::SshPublicKey(key))])
            .await
    }

    pub(crate) async fn delete_ssh_public_key_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteSSHPublicKeyRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let (_, key) = self.ssh_key(cx, &i.user_name, &i.ssh_public_key_id)?;
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::SshPublicKey,
            id: key.ssh_public_key_id,
        })])
        .await
    }

    pub(crate) fn list_ssh_public_keys_op(
        &self,
        cx: &RequestCx,
        i: iam::ListSSHPublicKeysRequest,
    ) -> Result<iam::ListSSHPublicKeysResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        // Without a user name, the calling user's keys (none for the root).
        let user = named_or_caller(account, &cx.caller, i.user_name.as_deref())?;
        let mut keys: Vec<(String, iam::SSHPublicKeyMetadata)> = match user {
            Some(user) => account
                .ssh_keys
                .values()
                .filter(|k| k.user_id == user.record.user_id)
                .map(|k| {
                    (
                        k.ssh_public_key_id.clone(),
                        iam::SSHPublicKeyMetadata {
                            user_name: user.record.name.clone(),
                            ssh_public_key_id: k.ssh_public_key_id.clone(),
                            status: status(k.active),
                            upload_date: k.uploaded,
                        },
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        let page = paginate(keys, i.marker.as_deref(), i.max_items)?;
        Ok(iam::ListSSHPublicKeysResponse {
            ssh_public_keys: Some(page.items),
            is_truncated: Some(page.next.is_some()),
            marker: page.next,
        })
    }

    fn signing_certificate(
        &self,
        cx: &RequestCx,
        user_name: Option<&str>,
        id: &str,
    ) -> Result<SigningCertificateRecord, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let (owner, _) = certificate_owner(account, cx, user_name)?;
        account
            .signing_certificates
            .get(id)
            .filter(|c| c.user_id == owner)
            .cloned()
            .ok_or_else(|| no_such_signing_certificate(id))
    }

    pub(crate) async fn upload_signing_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::UploadSigningCertificateRequest,
    ) -> Result<iam::UploadSigningCertificateResponse, ServiceError> {
        let certificate = x509::parse_certificate(&i.certificate_body).map_err(material_error)?;
        x509::check_validity(&certificate, cx.info.now).map_err(material_error)?;
        let _writer = self.writer.lock().await;
        let (record, user_name) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let (owner, user_name) = certificate_owner(account, cx, i.user_name.as_deref())?;
            if account
                .signing_certificates
                .values()
                .any(|c| c.body == certificate.body)
            {
                return Err(ServiceError::new(
                    errors::DUPLICATE_CERTIFICATE,
                    "The request was rejected because the same certificate is associated with an \
                     IAM user in the account.",
                ));
            }
            let mine = account
                .signing_certificates
                .values()
                .filter(|c| c.user_id == owner)
                .count();
            if mine >= self.quotas.signing_certificates_per_user {
                return Err(limit_exceeded(
                    "SigningCertificatesPerUser",
                    self.quotas.signing_certificates_per_user,
                ));
            }
            let record = SigningCertificateRecord {
                certificate_id: ids::signing_certificate_id()
                    .map_err(|_| ServiceError::internal())?,
                account_id: account.id().to_owned(),
                user_id: owner,
                body: certificate.body,
                active: true,
                uploaded: stamp(cx),
            };
            (record, user_name)
        };
        let answer = signing_output(&record, user_name);
        self.commit(vec![Change::PutObject(Object::SigningCertificate(record))])
            .await?;
        Ok(iam::UploadSigningCertificateResponse {
            certificate: answer,
        })
    }

    pub(crate) async fn update_signing_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateSigningCertificateRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut cert = self.signing_certificate(cx, i.user_name.as_deref(), &i.certificate_id)?;
        cert.active = is_active(&i.status);
        self.commit(vec![Change::PutObject(Object::SigningCertificate(cert))])
            .await
    }

    pub(crate) async fn delete_signing_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteSigningCertificateRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let cert = self.signing_certificate(cx, i.user_name.as_deref(), &i.certificate_id)?;
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::SigningCertificate,
            id: cert.certificate_id,
        })])
        .await
    }

    pub(crate) fn list_signing_certificates_op(
        &self,
        cx: &RequestCx,
        i: iam::ListSigningCertificatesRequest,
    ) -> Result<iam::ListSigningCertificatesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let (owner, user_name) = certificate_owner(account, cx, i.user_name.as_deref())?;
        let mut certs: Vec<(String, iam::SigningCertificate)> = account
            .signing_certificates
            .values()
            .filter(|c| c.user_id == owner)
            .map(|c| {
                (
                    c.certificate_id.clone(),
                    signing_output(c, user_name.clone()),
                )
            })
            .collect();
        certs.sort_by(|a, b| a.0.cmp(&b.0));
        let page = paginate(certs, i.marker.as_deref(), i.max_items)?;
        Ok(iam::ListSigningCertificatesResponse {
            certificates: page.items,
            is_truncated: Some(page.next.is_some()),
            marker: page.next,
        })
    }

    pub(crate) async fn upload_server_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::UploadServerCertificateRequest,
    ) -> Result<iam::UploadServerCertificateResponse, ServiceError> {
        let chain = i
            .certificate_chain
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let material = x509::validate_server_certificate(
            &i.certificate_body,
            &i.private_key,
            chain,
            cx.info.now,
        )
        .map_err(material_error)?;
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account
                .server_certificates
                .get(&i.server_certificate_name)
                .is_some()
            {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!(
                        "The Server Certificate with name {} already exists.",
                        i.server_certificate_name
                    ),
                ));
            }
            if account.server_certificates.len() >= self.quotas.server_certificates_per_account {
                return Err(limit_exceeded(
                    "ServerCertificatesPerAccount",
                    self.quotas.server_certificates_per_account,
                ));
            }
            let id = ids::server_certificate_id().map_err(|_| ServiceError::internal())?;
            ServerCertificateRecord {
                sealed_private_key: self
                    .master_key
                    .seal(i.private_key.as_bytes(), &id)
                    .map_err(|_| ServiceError::internal())?,
                server_certificate_id: id,
                account_id: account.id().to_owned(),
                name: i.server_certificate_name,
                path: i.path.unwrap_or_else(|| "/".to_owned()),
                body: material.certificate.body,
                chain: material.chain_body,
                uploaded: stamp(cx),
                expiration: material.certificate.not_after,
                tags,
            }
        };
        let answer = iam::UploadServerCertificateResponse {
            server_certificate_metadata: Some(server_metadata(&self.read().partition, &record)),
            tags: (!record.tags.is_empty()).then(|| tags::output(&record.tags)),
        };
        self.commit(vec![Change::PutObject(Object::ServerCertificate(record))])
            .await?;
        Ok(answer)
    }

    pub(crate) fn get_server_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::GetServerCertificateRequest,
    ) -> Result<iam::GetServerCertificateResponse, ServiceError> {
        let dir = self.read();
        let r = find_server_certificate(account(&dir, &cx.caller)?, &i.server_certificate_name)?;
        Ok(iam::GetServerCertificateResponse {
            server_certificate: iam::ServerCertificate {
                server_certificate_metadata: server_metadata(&dir.partition, r),
                certificate_body: r.body.clone(),
                certificate_chain: r.chain.clone(),
                tags: (!r.tags.is_empty()).then(|| tags::output(&r.tags)),
            },
        })
    }

    pub(crate) async fn update_server_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateServerCertificateRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let mut record = find_server_certificate(account, &i.server_certificate_name)?.clone();
            if let Some(new_name) = i.new_server_certificate_name {
                if let Some(other) = account.server_certificates.get(&new_name)
                    && other.server_certificate_id != record.server_certificate_id
                {
                    return Err(ServiceError::new(
                        errors::ENTITY_ALREADY_EXISTS,
                        format!("The Server Certificate with name {new_name} already exists."),
                    ));
                }
                record.name = new_name;
            }
            if let Some(path) = i.new_path {
                record.path = path;
            }
            record
        };
        self.commit(vec![Change::PutObject(Object::ServerCertificate(record))])
            .await
    }

    pub(crate) async fn delete_server_certificate_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteServerCertificateRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let id = {
            let dir = self.read();
            find_server_certificate(account(&dir, &cx.caller)?, &i.server_certificate_name)?
                .server_certificate_id
                .clone()
        };
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::ServerCertificate,
            id,
        })])
        .await
    }

    pub(crate) fn list_server_certificates_op(
        &self,
        cx: &RequestCx,
        i: iam::ListServerCertificatesRequest,
    ) -> Result<iam::ListServerCertificatesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let prefix = i.path_prefix.as_deref().unwrap_or("/");
        let page = paginate(
            account
                .server_certificates
                .by_name
                .iter()
                .filter(|(_, c)| c.path.starts_with(prefix))
                .map(|(k, c)| (k.clone(), c)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(iam::ListServerCertificatesResponse {
            server_certificate_metadata_list: page
                .items
                .iter()
                .map(|c| server_metadata(&dir.partition, c))
                .collect(),
            is_truncated: Some(page.is_truncated()),
            marker: page.next,
        })
    }
}

fn signing_output(c: &SigningCertificateRecord, user_name: String) -> iam::SigningCertificate {
    iam::SigningCertificate {
        user_name,
        certificate_id: c.certificate_id.clone(),
        certificate_body: c.body.clone(),
        status: status(c.active),
        upload_date: Some(c.uploaded),
    }
}
