//! OpenID Connect identity providers: the IAM side of web identity federation.
//!
//! A provider is named by its issuer URL without `https://`
//! (`arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com`).

use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, Object, ObjectKey, ObjectKind, OidcProviderRecord};

use super::{account, stamp, tags};
use crate::directory::Account;
use crate::web_token::UrlError;
use crate::{Core, RequestCx};

/// AWS's limits: 5 thumbprints and 100 client ids per provider, 100 providers per account.
const THUMBPRINTS_MAX: usize = 5;
const CLIENT_IDS_MAX: usize = 100;
const PROVIDERS_PER_ACCOUNT: usize = 100;

fn no_such_provider(arn: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("OpenIDConnect Provider not found for arn {arn}"),
    )
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::new(errors::INVALID_INPUT, message)
}

/// The provider an ARN names in the caller's account.
pub(crate) fn find_provider<'a>(
    account: &'a Account,
    arn: &str,
) -> Result<&'a OidcProviderRecord, ServiceError> {
    let prefix = account.arn_scope().entity("oidc-provider", "/", "");
    let url = arn
        .strip_prefix(&prefix)
        .ok_or_else(|| no_such_provider(arn))?;
    account
        .oidc_providers
        .get(&url.to_lowercase())
        .filter(|p| p.url == url)
        .ok_or_else(|| no_such_provider(arn))
}

/// The ARN of a provider.
pub(crate) fn provider_arn(account: &Account, url: &str) -> String {
    account.arn_scope().entity("oidc-provider", "/", url)
}

/// `https://host[/path]` → `host[/path]`: what the ARN and AWS's answers show. Warden also takes
/// `http://` on a loopback address, for local identity providers (docs/compatibility.md).
fn issuer(url: &str) -> Result<String, ServiceError> {
    match crate::web_token::provider_url(url) {
        Ok(rest) => Ok(rest.to_owned()),
        Err(UrlError::Scheme) => Err(invalid("The URL must begin with https://.")),
        Err(UrlError::Shape) => Err(invalid(format!("The URL {url} is not a valid issuer URL."))),
    }
}

fn check_thumbprints(thumbprints: &[String]) -> Result<(), ServiceError> {
    if thumbprints.len() > THUMBPRINTS_MAX {
        return Err(ServiceError::new(
            errors::LIMIT_EXCEEDED,
            format!("Thumbprint list cannot exceed {THUMBPRINTS_MAX} items."),
        ));
    }
    if let Some(bad) = thumbprints
        .iter()
        .find(|t| t.len() != 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(invalid(format!(
            "Thumbprint {bad} is not a 40-character hexadecimal SHA-1 fingerprint."
        )));
    }
    Ok(())
}

fn check_client_ids(client_ids: &[String]) -> Result<(), ServiceError> {
    if client_ids.len() > CLIENT_IDS_MAX {
        return Err(ServiceError::new(
            errors::LIMIT_EXCEEDED,
            format!("Client ID list cannot exceed {CLIENT_IDS_MAX} items."),
        ));
    }
    Ok(())
}

impl Core {
    fn provider_record(
        &self,
        cx: &RequestCx,
        arn: &str,
    ) -> Result<OidcProviderRecord, ServiceError> {
        let dir = self.read();
        Ok(find_provider(account(&dir, &cx.caller)?, arn)?.clone())
    }

    pub(crate) async fn create_open_id_connect_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateOpenIDConnectProviderRequest,
    ) -> Result<iam::CreateOpenIDConnectProviderResponse, ServiceError> {
        let url = issuer(&i.url)?;
        let thumbprints = i.thumbprint_list.unwrap_or_default();
        check_thumbprints(&thumbprints)?;
        let mut client_ids: Vec<String> = Vec::new();
        for id in i.client_id_list.unwrap_or_default() {
            if !client_ids.contains(&id) {
                client_ids.push(id);
            }
        }
        check_client_ids(&client_ids)?;
        let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
        let _writer = self.writer.lock().await;
        let (record, arn) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if account.oidc_providers.contains_key(&url.to_lowercase()) {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    format!("Provider with url https://{url} already exists."),
                ));
            }
            if account.oidc_providers.len() >= PROVIDERS_PER_ACCOUNT {
                return Err(super::limit_exceeded(
                    "OpenIdConnectProvidersPerAccount",
                    PROVIDERS_PER_ACCOUNT,
                ));
            }
            let arn = provider_arn(account, &url);
            (
                OidcProviderRecord {
                    account_id: account.id().to_owned(),
                    url,
                    client_ids,
                    thumbprints,
                    created: stamp(cx),
                    tags,
                },
                arn,
            )
        };
        let answer = iam::CreateOpenIDConnectProviderResponse {
            open_id_connect_provider_arn: Some(arn),
            tags: (!record.tags.is_empty()).then(|| tags::output(&record.tags)),
        };
        self.commit(vec![Change::PutObject(Object::OidcProvider(record))])
            .await?;
        Ok(answer)
    }

    pub(crate) fn get_open_id_connect_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::GetOpenIDConnectProviderRequest,
    ) -> Result<iam::GetOpenIDConnectProviderResponse, ServiceError> {
        let p = self.provider_record(cx, &i.open_id_connect_provider_arn)?;
        Ok(iam::GetOpenIDConnectProviderResponse {
            url: Some(p.url),
            client_id_list: Some(p.client_ids),
            thumbprint_list: Some(p.thumbprints),
            create_date: Some(p.created),
            tags: Some(tags::output(&p.tags)),
        })
    }

    pub(crate) async fn delete_open_id_connect_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteOpenIDConnectProviderRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let p = self.provider_record(cx, &i.open_id_connect_provider_arn)?;
        let key = Object::OidcProvider(p).key();
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::OidcProvider,
            id: key.id,
        })])
        .await
    }

    pub(crate) fn list_open_id_connect_providers_op(
        &self,
        cx: &RequestCx,
        _i: iam::ListOpenIDConnectProvidersRequest,
    ) -> Result<iam::ListOpenIDConnectProvidersResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        Ok(iam::ListOpenIDConnectProvidersResponse {
            open_id_connect_provider_list: Some(
                account
                    .oidc_providers
                    .values()
                    .map(|p| iam::OpenIDConnectProviderListEntry {
                        arn: Some(provider_arn(account, &p.url)),
                    })
                    .collect(),
            ),
        })
    }

    /// Rewrites a provider with `change`.
    async fn change_provider(
        &self,
        cx: &RequestCx,
        arn: &str,
        change: impl FnOnce(&mut OidcProviderRecord) -> Result<(), ServiceError>,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let mut record = self.provider_record(cx, arn)?;
        change(&mut record)?;
        self.commit(vec![Change::PutObject(Object::OidcProvider(record))])
            .await
    }

    pub(crate) async fn add_client_id_to_open_id_connect_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::AddClientIDToOpenIDConnectProviderRequest,
    ) -> Result<(), ServiceError> {
        self.change_provider(cx, &i.open_id_connect_provider_arn, |p| {
            // Adding a client id that is already there changes nothing (AWS: no error).
            if !p.client_ids.contains(&i.client_id) {
                p.client_ids.push(i.client_id);
            }
            check_client_ids(&p.client_ids)
        })
        .await
    }

    pub(crate) async fn remove_client_id_from_open_id_connect_provider_op(
        &self,
        cx: &RequestCx,
        i: iam::RemoveClientIDFromOpenIDConnectProviderRequest,
    ) -> Result<(), ServiceError> {
        self.change_provider(cx, &i.open_id_connect_provider_arn, |p| {
            p.client_ids.retain(|c| *c != i.client_id);
            Ok(())
        })
        .await
    }

    pub(crate) async fn update_open_id_connect_provider_thumbprint_op(
        &self,
        cx: &RequestCx,
        i: iam::UpdateOpenIDConnectProviderThumbprintRequest,
    ) -> Result<(), ServiceError> {
        check_thumbprints(&i.thumbprint_list)?;
        self.change_provider(cx, &i.open_id_connect_provider_arn, |p| {
            p.thumbprints = i.thumbprint_list;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_urls_kept_without_the_scheme() {
        assert_eq!(
            issuer("https://token.actions.githubusercontent.com").unwrap(),
            "token.actions.githubusercontent.com"
        );
        assert_eq!(
            issuer("https://oidc.eks.us-east-1.amazonaws.com/id/ABC/").unwrap(),
            "oidc.eks.us-east-1.amazonaws.com/id/ABC"
        );
        assert!(issuer("http://example.com").is_err());
        assert_eq!(
            issuer("http://127.0.0.1:4567/realms/x").unwrap(),
            "127.0.0.1:4567/realms/x"
        );
        assert!(issuer("https://").is_err());
        assert!(issuer("https://a.example/?x").is_err());
    }

    #[test]
    fn thumbprints_are_sha1_hex() {
        assert!(check_thumbprints(&["6938fd4d98bab03faadb97b34396831e3780aea1".into()]).is_ok());
        assert!(check_thumbprints(&["xyz".into()]).is_err());
        assert!(check_thumbprints(&vec!["a".repeat(40); 6]).is_err());
    }
}
