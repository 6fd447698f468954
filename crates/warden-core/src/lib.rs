//! Warden's service: every IAM operation as a typed function over the store, authentication of
//! callers, and the in-memory directory that authorizes requests.
//!
//! Every request passes through [`Core::handle_iam`]: the caller was authenticated by
//! [`Core::authenticate`], the request is authorized against the directory by
//! [`authorize`](crate::authz), and only then does the operation run. No operation authorizes
//! itself.

pub mod audit;
mod authn;
pub mod authorization_api;
pub mod authorization_message;
mod authz;
pub mod dev;
pub mod directory;
mod feed;
mod iam;
pub mod ids;
pub mod material;
pub mod organizations;
mod pagination;
pub mod password;
mod seal;
pub mod session;
pub mod signin;
mod sts;
pub mod totp;
pub mod web_token;

use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use time::OffsetDateTime;
use warden_policy::{PolicySet, Principal};
use warden_protocol::ServiceError;
use warden_store::{AccessKeyRecord, AccountRecord, Change, Store, StoreError, Tag};

pub use authn::Authenticated;
pub use directory::Directory;
pub use feed::POLL;
pub use seal::MasterKey;
pub use session::{SessionClaims, SessionKind};
pub use web_token::{FetchError, FetchFuture, OidcFetcher};

/// A failure to start or an internal failure; AWS-visible failures are [`ServiceError`]s.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the operating system gave no randomness: {0}")]
    Random(String),
    #[error("a sealed secret does not open with this master key")]
    Seal,
}

/// AWS's default IAM quotas; each can be raised or lowered.
#[derive(Debug, Clone)]
pub struct Quotas {
    pub users_per_account: usize,
    pub groups_per_account: usize,
    pub roles_per_account: usize,
    pub policies_per_account: usize,
    pub instance_profiles_per_account: usize,
    pub server_certificates_per_account: usize,
    pub groups_per_user: usize,
    pub access_keys_per_user: usize,
    pub ssh_public_keys_per_user: usize,
    pub signing_certificates_per_user: usize,
    pub attached_policies_per_user: usize,
    pub attached_policies_per_group: usize,
    pub attached_policies_per_role: usize,
    pub tags_per_entity: usize,
    /// Aggregate size of a user's inline policies, in non-whitespace characters.
    pub user_policy_size: usize,
    pub group_policy_size: usize,
    pub role_policy_size: usize,
}

impl Quotas {
    /// The names `set` accepts, as the CLI spells them.
    pub const NAMES: [&'static str; 17] = [
        "users-per-account",
        "groups-per-account",
        "roles-per-account",
        "policies-per-account",
        "instance-profiles-per-account",
        "server-certificates-per-account",
        "groups-per-user",
        "access-keys-per-user",
        "ssh-public-keys-per-user",
        "signing-certificates-per-user",
        "attached-policies-per-user",
        "attached-policies-per-group",
        "attached-policies-per-role",
        "tags-per-entity",
        "user-policy-size",
        "group-policy-size",
        "role-policy-size",
    ];

    /// Sets one quota by name (see [`NAMES`](Self::NAMES)).
    pub fn set(&mut self, name: &str, value: usize) -> Result<(), CoreError> {
        let slot = match name {
            "users-per-account" => &mut self.users_per_account,
            "groups-per-account" => &mut self.groups_per_account,
            "roles-per-account" => &mut self.roles_per_account,
            "policies-per-account" => &mut self.policies_per_account,
            "instance-profiles-per-account" => &mut self.instance_profiles_per_account,
            "server-certificates-per-account" => &mut self.server_certificates_per_account,
            "groups-per-user" => &mut self.groups_per_user,
            "access-keys-per-user" => &mut self.access_keys_per_user,
            "ssh-public-keys-per-user" => &mut self.ssh_public_keys_per_user,
            "signing-certificates-per-user" => &mut self.signing_certificates_per_user,
            "attached-policies-per-user" => &mut self.attached_policies_per_user,
            "attached-policies-per-group" => &mut self.attached_policies_per_group,
            "attached-policies-per-role" => &mut self.attached_policies_per_role,
            "tags-per-entity" => &mut self.tags_per_entity,
            "user-policy-size" => &mut self.user_policy_size,
            "group-policy-size" => &mut self.group_policy_size,
            "role-policy-size" => &mut self.role_policy_size,
            other => {
                return Err(CoreError::Config(format!(
                    "unknown quota `{other}`; quotas are {}",
                    Self::NAMES.join(", ")
                )));
            }
        };
        *slot = value;
        Ok(())
    }
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas {
            users_per_account: 5000,
            groups_per_account: 300,
            roles_per_account: 1000,
            policies_per_account: 1500,
            instance_profiles_per_account: 1000,
            server_certificates_per_account: 20,
            groups_per_user: 10,
            access_keys_per_user: 2,
            ssh_public_keys_per_user: 5,
            signing_certificates_per_user: 2,
            attached_policies_per_user: 10,
            attached_policies_per_group: 10,
            attached_policies_per_role: 10,
            tags_per_entity: 50,
            user_policy_size: 2048,
            group_policy_size: 5120,
            role_policy_size: 10240,
        }
    }
}

/// How the service starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// The first account's id; random when absent.
    pub account_id: Option<String>,
    /// The root user's access key `(id, secret)`; generated when absent.
    pub root_key: Option<(String, String)>,
    pub quotas: Quotas,
    /// The partition the accounts live in: `aws`, or another one in dev mode.
    pub partition: String,
    /// Dev mode without `--enforce`: a request signed with an access key this service does not
    /// know (or not signed at all) is the first account's root user, signature unchecked.
    pub accept_unknown_keys_as_root: bool,
    /// How identity providers' keys are fetched (`AssumeRoleWithWebIdentity`); without one,
    /// web identity tokens cannot be verified and are answered `IDPCommunicationError`.
    pub oidc_fetcher: Option<Arc<dyn OidcFetcher>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            account_id: None,
            root_key: None,
            quotas: Quotas::default(),
            partition: "aws".to_owned(),
            accept_unknown_keys_as_root: false,
            oidc_fetcher: None,
        }
    }
}

/// Root credentials created at first start, to show once.
#[derive(Debug)]
pub struct NewRootKey {
    pub account_id: String,
    pub access_key_id: String,
    /// Shown once to the operator; never logged.
    pub secret_access_key: String,
}

/// Who is calling, as established by authentication.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    /// `None` for the account root.
    pub user_id: Option<String>,
    pub arn: String,
    pub principal: Principal,
    pub access_key_id: String,
    /// `aws:PrincipalTag/*`: the user's tags, or a role session's (its role's, overridden by
    /// its session tags).
    pub tags: Vec<Tag>,
    /// Set when the caller signed with temporary credentials.
    pub session: Option<Arc<CallerSession>>,
}

/// A caller's session, when it signed with temporary credentials.
#[derive(Debug)]
pub struct CallerSession {
    pub claims: SessionClaims,
    /// The session policies, compiled; `None` when the session was created without any.
    pub policies: Option<Arc<PolicySet>>,
}

impl Caller {
    /// The account's root user with its long-term keys (a root session is not: it cannot act
    /// as root everywhere).
    pub fn is_root(&self) -> bool {
        self.user_id.is_none() && self.session.is_none()
    }

    /// The role session's role id, when the caller is one.
    pub fn role_id(&self) -> Option<&str> {
        match &self.session.as_ref()?.claims.kind {
            SessionKind::AssumedRole { role_id, .. } => Some(role_id),
            SessionKind::UserSession { .. } | SessionKind::Federated { .. } => None,
        }
    }
}

/// The request facts that go into the condition context.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub now: OffsetDateTime,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub secure_transport: bool,
    /// From the SigV4 credential scope.
    pub region: String,
}

/// One authenticated request on its way through an operation.
#[derive(Debug, Clone)]
pub struct RequestCx {
    pub caller: Caller,
    pub info: RequestInfo,
}

/// The service.
#[derive(Debug)]
pub struct Core {
    store: Arc<dyn Store>,
    master_key: MasterKey,
    quotas: Quotas,
    directory: Arc<RwLock<Directory>>,
    /// Follows the store's change log into `directory`.
    replica: Arc<feed::Replica>,
    /// Serialises writes (on this node, and through the store across nodes), so a write
    /// validates against the state it will change.
    writer: feed::Writer,
    signing_keys: authn::SigningKeyCache,
    key_uses: authn::KeyUses,
    session_policies: authn::SessionPolicyCache,
    accept_unknown_keys_as_root: bool,
    oidc_fetcher: Option<Arc<dyn OidcFetcher>>,
    /// Identity providers' signing keys, by issuer.
    web_keys: web_token::KeyCache,
    /// The account created at first start (the management account once Organizations exists).
    first_account: std::sync::OnceLock<String>,
    /// The audit trail's writer.
    audit_log: audit::AuditLog,
    /// Console sign-in failures, per user and per source address (in memory, per node).
    sign_in_throttle: signin::Throttle,
}

impl Core {
    /// Loads every record into memory and, on empty data, creates the first account and its root
    /// key (returned so it can be shown once).
    pub async fn open(
        store: Arc<dyn Store>,
        master_key: MasterKey,
        config: Config,
        now: OffsetDateTime,
    ) -> Result<(Core, Option<NewRootKey>), CoreError> {
        let snapshot = store.snapshot().await?;
        let mut directory = Directory::new(&config.partition);
        for change in &snapshot.changes {
            directory.apply(change);
        }
        let directory = Arc::new(RwLock::new(directory));
        let replica = Arc::new(feed::Replica::new(
            Arc::clone(&store),
            Arc::clone(&directory),
            snapshot.position,
            &config.partition,
            node_id()?,
        ));
        let core = Core {
            store: Arc::clone(&store),
            master_key,
            quotas: config.quotas.clone(),
            directory,
            writer: feed::Writer::new(Arc::clone(&replica)),
            replica,
            signing_keys: authn::SigningKeyCache::default(),
            key_uses: authn::KeyUses::default(),
            session_policies: authn::SessionPolicyCache::default(),
            accept_unknown_keys_as_root: config.accept_unknown_keys_as_root,
            oidc_fetcher: config.oidc_fetcher.clone(),
            web_keys: web_token::KeyCache::default(),
            first_account: std::sync::OnceLock::new(),
            audit_log: audit::AuditLog::start(Arc::clone(&store)),
            sign_in_throttle: signin::Throttle::default(),
        };
        let created = core.bootstrap(&config, now).await?;
        core.check_master_key()?;
        Ok((core, created))
    }

    async fn bootstrap(
        &self,
        config: &Config,
        now: OffsetDateTime,
    ) -> Result<Option<NewRootKey>, CoreError> {
        // Under the write lock, so that nodes starting together on an empty database create
        // one first account between them.
        let _writer = self.writer.lock().await;
        // The oldest account that `CreateAccount` did not make: creation times are kept in
        // seconds, so a member account made in the first second would tie with the first.
        let first = self
            .read()
            .accounts
            .values()
            .filter(|a| {
                a.membership
                    .as_ref()
                    .is_none_or(|m| m.joined_method != "CREATED")
            })
            .min_by(|a, b| (a.record.created, a.id()).cmp(&(b.record.created, b.id())))
            .map(|a| a.id().to_owned());
        if let Some(first) = first {
            if let Some(wanted) = &config.account_id
                && *wanted != first
            {
                return Err(CoreError::Config(format!(
                    "the data directory's first account is `{first}`, not `{wanted}`"
                )));
            }
            self.first_account.get_or_init(|| first);
            return Ok(None);
        }
        let account_id = match &config.account_id {
            Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => id.clone(),
            Some(id) => {
                return Err(CoreError::Config(format!(
                    "account id `{id}` is not 12 digits"
                )));
            }
            None => random_account_id()?,
        };
        let (access_key_id, secret, generated) = match &config.root_key {
            Some((id, secret)) => {
                if !ids::is_access_key_id(id) {
                    return Err(CoreError::Config(format!(
                        "root access key id `{id}` is not an access key id (AKIA followed by \
                         upper-case letters and digits, 16 to 128 characters)"
                    )));
                }
                if !ids::is_secret_access_key(secret) {
                    return Err(CoreError::Config(
                        "the root secret access key must be 16 to 128 characters of \
                         letters, digits, `+` and `/`"
                            .to_owned(),
                    ));
                }
                (id.clone(), secret.clone(), false)
            }
            None => (ids::access_key_id()?, ids::secret_access_key()?, true),
        };
        let changes = vec![
            Change::PutAccount(AccountRecord {
                account_id: account_id.clone(),
                created: now,
            }),
            Change::PutAccessKey(AccessKeyRecord {
                sealed_secret: self.master_key.seal(secret.as_bytes(), &access_key_id)?,
                access_key_id: access_key_id.clone(),
                account_id: account_id.clone(),
                owner_user_id: None,
                active: true,
                created: now,
                last_used: None,
            }),
        ];
        self.writer.commit(&changes).await?;
        self.first_account.get_or_init(|| account_id.clone());
        Ok(generated.then_some(NewRootKey {
            account_id,
            access_key_id,
            secret_access_key: secret,
        }))
    }

    /// Fails at start-up, not at the first request, when the master key is not the one that
    /// sealed the stored secrets (a node of a cluster given another key than the others).
    /// Every account has its root key from the first start, so there is a secret to try unless
    /// every key was deleted.
    fn check_master_key(&self) -> Result<(), CoreError> {
        let dir = self.read();
        if let Some(key) = dir.keys.values().next() {
            self.master_key
                .open(&key.record.sealed_secret, &key.record.access_key_id)
                .map_err(|_| {
                    CoreError::Config(format!(
                        "the master key is not the one the stored secrets were sealed with \
                         (access key `{}` does not open): start every node with the same \
                         WARDEN_MASTER_KEY or --master-key-file",
                        key.record.access_key_id
                    ))
                })?;
        }
        Ok(())
    }

    /// The id of the first account.
    pub fn first_account_id(&self) -> Option<String> {
        self.first_account.get().cloned()
    }

    fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits `changes` durably, then makes them visible. Callers hold the writer lock.
    async fn commit(&self, changes: Vec<Change>) -> Result<(), ServiceError> {
        match self.writer.commit(&changes).await {
            Ok(()) => Ok(()),
            Err(StoreError::Unavailable(what)) => {
                tracing::warn!(%what, "the database is unavailable");
                Err(service_unavailable())
            }
            Err(StoreError::Conflict(what)) => {
                tracing::warn!(%what, "write lost a race at the database");
                Err(ServiceError::new(
                    warden_protocol::iam::errors::CONCURRENT_MODIFICATION,
                    "The request was rejected because multiple requests to change this object \
                     were submitted simultaneously. Wait a few minutes and submit your request \
                     again.",
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed");
                Err(ServiceError::internal())
            }
        }
    }

    /// Writes the access-key uses seen since the last flush (AWS also records them lazily).
    pub async fn flush_key_uses(&self) {
        let uses = self.key_uses.take();
        if uses.is_empty() {
            return;
        }
        let changes: Vec<Change> = uses
            .into_iter()
            .map(|(access_key_id, used)| Change::RecordKeyUse {
                access_key_id,
                used,
            })
            .collect();
        let _writer = self.writer.lock().await;
        if let Err(e) = self.writer.commit(&changes).await {
            // Lost, like AWS's own lazily recorded last-used information can be.
            tracing::error!(error = %e, "recording access key use failed");
        }
    }

    /// Authorizes a call of one of Warden's own endpoints (outside the IAM and STS APIs): the
    /// caller's policies must allow `action` on `resource`, as for any IAM operation.
    pub fn authorize_action(
        &self,
        cx: &RequestCx,
        action: &'static str,
        resource: &str,
    ) -> Result<(), ServiceError> {
        let dir = self.read();
        authz::authorize(cx, &dir, &authz::Target::new(action, resource.to_owned()))
    }

    /// Answers one IAM request: authorize, then run the operation.
    pub async fn handle_iam(
        &self,
        cx: &RequestCx,
        request: warden_protocol::iam::Request,
    ) -> Result<warden_protocol::iam::Response, ServiceError> {
        match cx.caller.session.as_ref().map(|s| &s.claims.kind) {
            // AWS: GetSessionToken credentials call IAM only when MFA was used.
            Some(SessionKind::UserSession { .. })
                if cx
                    .caller
                    .session
                    .as_ref()
                    .is_some_and(|s| s.claims.mfa_authenticated.is_none()) =>
            {
                return Err(authz::access_denied(format!(
                    "User: {} is not authorized to perform: iam:{} because you cannot call any \
                     IAM API operations with credentials from GetSessionToken unless MFA \
                     authentication information is included in the request",
                    cx.caller.arn,
                    request.operation().name()
                )));
            }
            // AWS: "You cannot call any IAM operations using the AWS CLI or AWS API" with
            // GetFederationToken credentials.
            Some(SessionKind::Federated { .. }) => {
                return Err(authz::access_denied(format!(
                    "User: {} is not authorized to perform: iam:{} because federated users \
                     cannot call IAM",
                    cx.caller.arn,
                    request.operation().name()
                )));
            }
            _ => {}
        }
        {
            let dir = self.read();
            let target = authz::iam_target(&request, &cx.caller, &dir)?;
            authz::authorize(cx, &dir, &target)?;
        }
        warden_protocol::iam::dispatch(self, cx, request).await
    }
}

/// AWS's answer when the service cannot reach its database: try again later.
pub(crate) fn service_unavailable() -> ServiceError {
    ServiceError::new(
        SERVICE_UNAVAILABLE,
        "The request has failed due to a temporary failure of the server.",
    )
}

/// `ServiceUnavailable`, from AWS's "Common Errors" (HTTP 503, the service's fault).
const SERVICE_UNAVAILABLE: warden_protocol::ErrorShape =
    warden_protocol::ErrorShape::new("ServiceUnavailable", 503, false);

/// A name for this process in the change log.
fn node_id() -> Result<String, CoreError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| CoreError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn random_account_id() -> Result<String, CoreError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| CoreError::Random(e.to_string()))?;
    let mut id: String = bytes.iter().map(|b| char::from(b'0' + b % 10)).collect();
    // Account ids never start with 0 in practice; keep the first digit non-zero.
    if id.starts_with('0') {
        id.replace_range(0..1, "1");
    }
    Ok(id)
}
