//! SAML 2.0 identity providers: the IAM side of SAML federation
//! (`arn:aws:iam::ACCOUNT:saml-provider/NAME`).

use quick_xml::events::Event;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, Object, ObjectKey, ObjectKind, SamlProviderRecord};

use super::{account, stamp, tags};
use crate::directory::Account;
use crate::{Core, RequestCx, ids};

/// AWS's limit of SAML providers per account.
const PROVIDERS_PER_ACCOUNT: usize = 100;

fn no_such_provider(arn: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("Manifest not found for arn {arn}"),
    )
}

fn invalid_metadata(why: &str) -> ServiceError {
    ServiceError::new(
        errors::INVALID_INPUT,
        format!("Could not parse metadata: {why}"),
    )
}

/// What AWS needs from metadata: an `EntityDescriptor` holding an `IDPSSODescriptor`. Returns the
/// descriptor's `validUntil`, when it has one.
fn check_metadata(document: &str) -> Result<Option<OffsetDateTime>, ServiceError> {
    let mut reader = quick_xml::Reader::from_str(document);
    let mut root_seen = false;
    let mut valid_until = None;
    let mut has_idp = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.local_name();
                if !root_seen {
                    if name.as_ref() != b"EntityDescriptor" {
                        return Err(invalid_metadata("the root element is not EntityDescriptor"));
                    }
                    root_seen = true;
                    for attribute in e.attributes().flatten() {
                        if attribute.key.local_name().as_ref() == b"validUntil" {
                            let text = String::from_utf8_lossy(&attribute.value).into_owned();
                            valid_until =
                                Some(OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
                                    invalid_metadata("validUntil is not an xs:dateTime")
                                })?);
                        }
                    }
                } else if name.as_ref() == b"IDPSSODescriptor" {
                    has_idp = true;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(invalid_metadata("the document is not well-formed XML")),
        }
    }
    if !root_seen {
        return Err(invalid_metadata("the document has no EntityDescriptor"));
    }
    if !has_idp {
        return Err(invalid_metadata(
            "the EntityDescriptor has no IDPSSODescriptor",
        ));
    }
    Ok(valid_until)
}

/// Assertion encryption and its private keys are not supported: refuse rather than ignore.
fn check_encryption(mode: Option<&str>, key: Option<&str>) -> Result<(), ServiceError> {
    if key.is_some() || mode == Some("Required") {
        return Err(ServiceError::new(
            errors::INVALID_INPUT,
            "Encrypted SAML assertions are not supported by this server.",
        ));
    }
    Ok(())
}

pub(crate) fn provider_arn(account: &Account, name: &str) -> String {
    account.arn_scope().entity("saml-provider", "/", name)
}

pub(crate) fn find_provider<'a>(
    account: &'a Account,
    arn: &str,
) -> Result<&'a SamlProviderRecord, ServiceError> {
    let prefix = account.arn_scope().entity("saml-provider", "/", "");
    let name = arn
        .strip_prefix(&prefix)
        .ok_or_else(|| no_such_provider(arn))?;
    account
        .saml_providers
        .get(name)
        .ok_or_else(|| no_such_provider(arn))
}

impl Core {
    fn saml_record(&self, cx: &RequestCx, arn: &str) -> Result<SamlProviderRecord, ServiceError> {
        let dir = self.read();
        Ok(find_provider(account(&dir, &cx.caller)?, arn)?.clone())
    }

    pub(crate) async fn create_saml_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateSAMLProviderRequest,
    ) -> Result<iam::CreateSAMLProviderResponse, ServiceError> {
        check_encryption(
            i.assertion_encryption_mode.as_deref(),
            i.add_private_key.as_deref(),
        )?;
        let valid_until = check_metadata(&i.saml_metadata_document)?;
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let _writer = self.writer.lock().await;
        let (record, arn) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account
                .saml_providers
                .keys()
                .any(|n| n.eq_ignore_ascii_case(&i.name))
            {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!("SAMLProvider named {} already exists.", i.name),
                ));
            }
            if account.saml_providers.len() >= PROVIDERS_PER_ACCOUNT {
                return Err(super::limit_exceeded(
                    "SAMLProvidersPerAccount",
                    PROVIDERS_PER_ACCOUNT,
                ));
            }
            let arn = provider_arn(account, &i.name);
            (
                SamlProviderRecord {
                    account_id: account.id().to_owned(),
                    name: i.name,
                    uuid: ids::uuid().map_err(|_| ServiceError::internal())?,
                    metadata: i.saml_metadata_document,
                    created: stamp(cx),
                    valid_until,
                    tags,
                },
                arn,
            )
        };
        let answer = iam::CreateSAMLProviderResponse {
            saml_provider_arn: Some(arn),
            tags: (!record.tags.is_empty()).then(|| tags::output(&record.tags)),
        };
        self.commit(vec![Change::PutObject(Object::SamlProvider(record))])
            .await?;
        Ok(answer)
    }

    pub(crate) fn get_saml_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::GetSAMLProviderRequest,
    ) -> Result<iam::GetSAMLProviderResponse, ServiceError> {
        let p = self.saml_record(cx, &i.saml_provider_arn)?;
        Ok(iam::GetSAMLProviderResponse {
            saml_provider_uuid: Some(p.uuid),
            saml_metadata_document: Some(p.metadata),
            create_date: Some(p.created),
            valid_until: p.valid_until,
            tags: Some(tags::output(&p.tags)),
            assertion_encryption_mode: Some("Allowed".to_owned()),
            private_key_list: None,
        })
    }

    pub(crate) async fn update_saml_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateSAMLProviderRequest,
    ) -> Result<iam::UpdateSAMLProviderResponse, ServiceError> {
        check_encryption(
            i.assertion_encryption_mode.as_deref(),
            i.add_private_key.as_deref(),
        )?;
        let _writer = self.writer.lock().await;
        let mut record = self.saml_record(cx, &i.saml_provider_arn)?;
        if let Some(metadata) = i.saml_metadata_document {
            record.valid_until = check_metadata(&metadata)?;
            record.metadata = metadata;
        }
        self.commit(vec![Change::PutObject(Object::SamlProvider(record))])
            .await?;
        Ok(iam::UpdateSAMLProviderResponse {
            saml_provider_arn: Some(i.saml_provider_arn),
        })
    }

    pub(crate) async fn delete_saml_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteSAMLProviderRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = self.saml_record(cx, &i.saml_provider_arn)?;
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::SamlProvider,
            id: record.uuid,
        })])
        .await
    }

    pub(crate) fn list_saml_providers_op(
        &self,
        cx: &RequestCx,
        _i: iam::ListSAMLProvidersRequest,
    ) -> Result<iam::ListSAMLProvidersResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(iam::ListSAMLProvidersResponse {
            saml_provider_list: Some(
                account
                    .saml_providers
                    .values()
                    .map(|p| iam::SAMLProviderListEntry {
                        arn: Some(provider_arn(account, &p.name)),
                        valid_until: p.valid_until,
                        create_date: Some(p.created),
                    })
                    .collect(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com" validUntil="2030-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#;

    #[test]
    fn metadata_needs_an_idp_descriptor() {
        let until = check_metadata(METADATA).unwrap().unwrap();
        assert_eq!(until.year(), 2030);
        assert!(check_metadata("not xml <").is_err());
        assert!(check_metadata("<Other/>").is_err());
        assert!(check_metadata("<EntityDescriptor><SPSSODescriptor/></EntityDescriptor>").is_err());
        assert_eq!(
            check_metadata("<EntityDescriptor><IDPSSODescriptor/></EntityDescriptor>").unwrap(),
            None
        );
        assert!(
            check_metadata(
                r#"<EntityDescriptor validUntil="soon"><IDPSSODescriptor/></EntityDescriptor>"#
            )
            .is_err()
        );
    }
}
