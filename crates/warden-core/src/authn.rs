//! Authentication: who signed this request?

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};

use time::OffsetDateTime;
use warden_protocol::ServiceError;
use warden_sigv4::{HttpRequest, SigningKey};
use warden_store::KeyUse;

use std::sync::Arc;

use warden_policy::{CompiledPolicy, PolicySet, Principal};

use crate::directory::Account;
use crate::session::{SessionClaims, SessionKind};
use crate::{Caller, CallerSession, Core};

/// The outcome of authenticating a request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    /// The credential scope's service (`iam`, `sts`) and region.
    pub service: String,
    pub region: String,
}

/// Derived signing keys by `(access key id, date, region, service)`: deriving one costs four
/// HMACs and an AES-GCM open, and a client reuses the same scope all day.
#[derive(Debug, Default)]
pub(crate) struct SigningKeyCache {
    keys: RwLock<HashMap<String, SigningKey>>,
}

/// More entries than this and the cache starts over (a day's worth of scopes is far fewer).
const SIGNING_KEY_CACHE_LIMIT: usize = 100_000;

impl SigningKeyCache {
    fn get(&self, id: &str) -> Option<SigningKey> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn insert(&self, id: String, key: SigningKey) {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        if keys.len() >= SIGNING_KEY_CACHE_LIMIT {
            keys.clear();
        }
        keys.insert(id, key);
    }

    fn forget(&self, access_key_id: &str) {
        let prefix = format!("{access_key_id}/");
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|k, _| !k.starts_with(&prefix));
    }
}

/// Access key uses not yet written to the store.
#[derive(Debug, Default)]
pub(crate) struct KeyUses {
    pending: Mutex<HashMap<String, KeyUse>>,
}

impl KeyUses {
    /// Notes a use. A key used again from the same service and region (the common case) only
    /// moves its time: no allocation on the request path.
    fn record(&self, access_key_id: &str, time: OffsetDateTime, service: &str, region: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        match pending.get_mut(access_key_id) {
            Some(last) if last.service == service && last.region == region => last.time = time,
            Some(last) => {
                *last = KeyUse {
                    time,
                    service: service.to_owned(),
                    region: region.to_owned(),
                }
            }
            None => {
                pending.insert(
                    access_key_id.to_owned(),
                    KeyUse {
                        time,
                        service: service.to_owned(),
                        region: region.to_owned(),
                    },
                );
            }
        }
    }

    /// The newest use not yet written, if any.
    pub(crate) fn peek(&self, access_key_id: &str) -> Option<KeyUse> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
    }

    pub(crate) fn take(&self) -> HashMap<String, KeyUse> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn invalid_token() -> ServiceError {
    ServiceError {
        code: "InvalidClientTokenId".into(),
        message: "The security token included in the request is invalid.".to_owned(),
        status: 403,
        sender_fault: true,
        reason: None,
    }
}

fn sigv4_error(e: &warden_sigv4::SigV4Error) -> ServiceError {
    ServiceError {
        code: e.code().into(),
        message: e.to_string(),
        status: e.status(),
        sender_fault: true,
        reason: None,
    }
}

impl Core {
    /// Verifies the request's SigV4 signature against the key it names.
    pub fn authenticate(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Authenticated, ServiceError> {
        self.authenticate_with(request, now, warden_sigv4::verify)
    }

    /// Verifies a request another service received (the authorization API's signed material):
    /// the service's rules for its credential scope, the body represented by its hash.
    pub fn authenticate_service_request(
        &self,
        request: &HttpRequest<'_>,
        payload_hash: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Authenticated, ServiceError> {
        self.authenticate_with(request, now, |req, auth, key, now| {
            warden_sigv4::verify_service_request(req, auth, key, now, payload_hash)
        })
    }

    fn authenticate_with(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        verify: impl Fn(
            &HttpRequest<'_>,
            &warden_sigv4::ParsedAuth,
            &SigningKey,
            i64,
        ) -> Result<(), warden_sigv4::SigV4Error>,
    ) -> Result<Authenticated, ServiceError> {
        let auth = match warden_sigv4::parse_auth(request) {
            Ok(Some(auth)) => auth,
            Ok(None) => {
                return Err(ServiceError {
                    code: "MissingAuthenticationToken".into(),
                    message: "Request is missing Authentication Token".to_owned(),
                    status: 403,
                    sender_fault: true,
                    reason: None,
                });
            }
            Err(e) => return Err(sigv4_error(&e)),
        };
        let key_id = auth.access_key_id();
        let claims = auth
            .security_token()
            .and_then(|token| SessionClaims::open(token, key_id, &self.master_key));
        if let Some(claims) = claims {
            let caller = self.session_caller(claims, now)?;
            let signing_key = self.signing_key_for(
                key_id,
                &auth,
                caller
                    .session
                    .as_ref()
                    .map(|s| s.claims.secret.as_str())
                    .unwrap_or_default(),
            );
            verify(request, &auth, &signing_key, now.unix_timestamp())
                .map_err(|e| sigv4_error(&e))?;
            return Ok(Authenticated {
                caller,
                service: auth.service().to_owned(),
                region: auth.region().to_owned(),
            });
        }
        if self.accept_unknown_keys_as_root && !self.read().keys.contains_key(key_id) {
            // Dev mode: test suites sign with made-up keys, session tokens and frozen clocks.
            let caller = self.unknown_key_caller().ok_or_else(invalid_token)?;
            return Ok(Authenticated {
                caller,
                service: auth.service().to_owned(),
                region: auth.region().to_owned(),
            });
        }
        // Permanent keys never carry a session token.
        if auth.security_token().is_some() {
            return Err(invalid_token());
        }
        let cache_id = format!(
            "{key_id}/{}/{}/{}",
            auth.date(),
            auth.region(),
            auth.service()
        );
        let (caller, cached) = {
            let dir = self.read();
            let Some(key) = dir.keys.get(key_id).filter(|k| k.record.active) else {
                return Err(invalid_token());
            };
            let Some(account) = dir.account(&key.record.account_id) else {
                return Err(invalid_token());
            };
            let caller = match &key.record.owner_user_id {
                None => root_caller(account, key_id),
                Some(user_id) => {
                    let Some(user) = account.user_by_id(user_id) else {
                        return Err(invalid_token());
                    };
                    Caller {
                        account_id: account.id().to_owned(),
                        user_id: Some(user_id.clone()),
                        arn: user.arn.clone(),
                        principal: user.principal.clone(),
                        access_key_id: key_id.to_owned(),
                        tags: user.record.tags.clone(),
                        session: None,
                    }
                }
            };
            // The sealed secret is copied out only when the signing key is not cached.
            let cached = self
                .signing_keys
                .get(&cache_id)
                .ok_or_else(|| key.record.sealed_secret.clone());
            (caller, cached)
        };
        let signing_key = match cached {
            Ok(k) => k,
            Err(sealed) => {
                let secret = self.master_key.open(&sealed, key_id).map_err(|e| {
                    tracing::error!(error = %e, "cannot open a stored secret");
                    ServiceError::internal()
                })?;
                let secret = String::from_utf8(secret).map_err(|_| ServiceError::internal())?;
                let k = SigningKey::derive(&secret, auth.date(), auth.region(), auth.service());
                self.signing_keys.insert(cache_id, k.clone());
                k
            }
        };
        verify(request, &auth, &signing_key, now.unix_timestamp()).map_err(|e| sigv4_error(&e))?;
        self.key_uses
            .record(key_id, now, auth.service(), auth.region());
        Ok(Authenticated {
            caller,
            service: auth.service().to_owned(),
            region: auth.region().to_owned(),
        })
    }

    /// The signing key of temporary credentials (cached like long-term keys' ones).
    fn signing_key_for(
        &self,
        key_id: &str,
        auth: &warden_sigv4::ParsedAuth,
        secret: &str,
    ) -> SigningKey {
        let cache_id = format!(
            "{key_id}/{}/{}/{}",
            auth.date(),
            auth.region(),
            auth.service()
        );
        if let Some(key) = self.signing_keys.get(&cache_id) {
            return key;
        }
        let key = SigningKey::derive(secret, auth.date(), auth.region(), auth.service());
        self.signing_keys.insert(cache_id, key.clone());
        key
    }

    /// The caller a session token stands for, as of now: the session's role (or user) must
    /// still exist; its current policies apply, limited by the session's.
    fn session_caller(
        &self,
        claims: SessionClaims,
        now: OffsetDateTime,
    ) -> Result<Caller, ServiceError> {
        if claims.expires <= now {
            return Err(ServiceError {
                code: "ExpiredToken".into(),
                message: "The security token included in the request is expired".to_owned(),
                status: 403,
                sender_fault: true,
                reason: None,
            });
        }
        let dir = self.read();
        let account = dir.account(&claims.account_id).ok_or_else(invalid_token)?;
        let policies = self.session_policies.get(account, &claims);
        let (user_id, arn, mut tags) = match &claims.kind {
            SessionKind::AssumedRole {
                role_id,
                role_name,
                session_name,
            } => {
                let role = account.roles.by_id(role_id).ok_or_else(invalid_token)?;
                let arn = format!(
                    "arn:{}:sts::{}:assumed-role/{role_name}/{session_name}",
                    account.partition,
                    account.id()
                );
                (None, arn, role.record.tags.clone())
            }
            SessionKind::UserSession { user_id: Some(id) } => {
                let user = account.user_by_id(id).ok_or_else(invalid_token)?;
                (Some(id.clone()), user.arn.clone(), user.record.tags.clone())
            }
            SessionKind::UserSession { user_id: None } => {
                (None, account.root_arn.clone(), Vec::new())
            }
            SessionKind::Federated { user_id, name } => {
                // The user (or root) that asked must still exist.
                if let Some(id) = user_id {
                    account.user_by_id(id).ok_or_else(invalid_token)?;
                }
                let arn = format!(
                    "arn:{}:sts::{}:federated-user/{name}",
                    account.partition,
                    account.id()
                );
                (None, arn, Vec::new())
            }
        };
        // Session tags win over the role's tags of the same key.
        for tag in &claims.tags {
            tags.retain(|t| !t.key.eq_ignore_ascii_case(&tag.key));
            tags.push(tag.clone());
        }
        Ok(Caller {
            account_id: account.id().to_owned(),
            user_id,
            principal: Principal::parse(&arn).unwrap_or_else(|_| Principal::anonymous()),
            arn,
            access_key_id: claims.access_key_id.clone(),
            tags,
            session: Some(Arc::new(CallerSession { claims, policies })),
        })
    }

    /// Whether requests without a known access key are let in (dev mode without `--enforce`).
    pub fn accepts_unknown_keys(&self) -> bool {
        self.accept_unknown_keys_as_root
    }

    /// Who a request without a known access key is, when dev mode accepts such requests: the
    /// first account's root user. `None` in every other mode.
    pub fn unknown_key_caller(&self) -> Option<Caller> {
        if !self.accept_unknown_keys_as_root {
            return None;
        }
        let dir = self.read();
        let account = dir.account(self.first_account.get()?)?;
        Some(root_caller(account, ""))
    }

    /// Drops cached signing keys of a deleted key.
    pub(crate) fn forget_signing_keys(&self, access_key_id: &str) {
        self.signing_keys.forget(access_key_id);
    }
}

pub(crate) fn root_caller(account: &Account, access_key_id: &str) -> Caller {
    Caller {
        account_id: account.id().to_owned(),
        user_id: None,
        arn: account.root_arn.clone(),
        principal: account.root_principal.clone(),
        access_key_id: access_key_id.to_owned(),
        tags: Vec::new(),
        session: None,
    }
}

/// Compiled session policies by access key id. Compiling a session's policies (an AWS managed
/// policy such as ReadOnlyAccess is thousands of actions) on every request would cost far more
/// than the decision; a cached set is reused while the default versions of the customer managed
/// policies it names are unchanged (AWS managed ones never change).
#[derive(Debug, Default)]
pub(crate) struct SessionPolicyCache {
    sets: RwLock<HashMap<String, (String, Arc<PolicySet>)>>,
}

/// More sessions than this and the cache starts over.
const SESSION_POLICY_CACHE_LIMIT: usize = 100_000;

impl SessionPolicyCache {
    /// The session policies a token names, compiled: its inline policy and its managed
    /// policies' current default versions. `None` when the session has none (it then keeps its
    /// identity's permissions). A managed policy deleted since grants nothing.
    fn get(&self, account: &Account, claims: &SessionClaims) -> Option<Arc<PolicySet>> {
        if claims.policy.is_none() && claims.policy_arns.is_empty() {
            return None;
        }
        let stamp: String = claims
            .policy_arns
            .iter()
            .map(|arn| match account.managed_by_arn(arn) {
                Some(p) if p.record.account_id != crate::directory::AWS_ACCOUNT => {
                    format!("{}:{};", p.record.policy_id, p.record.default_version)
                }
                _ => "-;".to_owned(),
            })
            .collect();
        if let Some((cached_stamp, set)) = self
            .sets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&claims.access_key_id)
            && *cached_stamp == stamp
        {
            return Some(Arc::clone(set));
        }
        let set = Arc::new(compile_session_policies(account, claims));
        let mut sets = self.sets.write().unwrap_or_else(PoisonError::into_inner);
        if sets.len() >= SESSION_POLICY_CACHE_LIMIT {
            sets.clear();
        }
        sets.insert(claims.access_key_id.clone(), (stamp, Arc::clone(&set)));
        Some(set)
    }
}

fn compile_session_policies(account: &Account, claims: &SessionClaims) -> PolicySet {
    let inline = claims
        .policy
        .as_deref()
        .and_then(|text| CompiledPolicy::parse(text).ok())
        .map(|p| p.with_name("session policy"));
    let managed = claims.policy_arns.iter().filter_map(|arn| {
        let policy = account.policy_by_arn(arn)?;
        let compiled = match &policy.compiled {
            Some(compiled) => compiled.clone(),
            None => CompiledPolicy::parse(policy.default_document()?).ok()?,
        };
        Some(compiled.with_name(arn))
    });
    PolicySet::new(inline.into_iter().chain(managed).collect::<Vec<_>>())
}
