//! Dev mode (`warden serve --dev`): a drop-in IAM and STS for test suites.
//!
//! State lives in memory only. Each AWS partition a request's region falls in gets its own world
//! (a [`Core`] over an in-memory database), as AWS keeps partitions apart: a user created through
//! `cn-north-1` has an `arn:aws-cn:` ARN and is unknown to `us-east-1`. Every world starts from
//! the same seed, with the same default account and root key, and a reset puts all of them back
//! to that start.

mod partition;
mod seed;

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::RwLock;
use warden_store::{SqliteStore, Store};

pub use partition::{partition_of_region, region_from_user_agent};
pub use seed::{
    Document, Seed, SeedAccessKey, SeedAccount, SeedError, SeedGroup, SeedInlinePolicy,
    SeedManagedPolicy, SeedRole, SeedUser,
};

use crate::{Config, Core, CoreError, MasterKey, OidcFetcher, Quotas, ids};

/// The account id dev mode uses unless told otherwise (moto's and LocalStack's default too).
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// How dev mode starts.
#[derive(Debug, Clone)]
pub struct DevOptions {
    pub account_id: String,
    /// The default account's root key `(id, secret)`; generated once when absent, so it stays
    /// the same across partitions and resets.
    pub root_key: Option<(String, String)>,
    /// Refuse unknown access keys and check every signature, as outside dev mode.
    pub enforce: bool,
    pub seed: Option<Seed>,
    pub quotas: Quotas,
    /// How identity providers' keys are fetched (`AssumeRoleWithWebIdentity`).
    pub oidc_fetcher: Option<Arc<dyn OidcFetcher>>,
}

/// Dev mode's worlds, one per partition, created on first use.
#[derive(Debug)]
pub struct DevWorlds {
    config: Config,
    seed: Option<Seed>,
    master_key: MasterKey,
    worlds: RwLock<HashMap<&'static str, Arc<Core>>>,
}

impl DevWorlds {
    /// Starts the `aws` partition's world (so a bad seed stops the server at once).
    pub async fn start(options: DevOptions) -> Result<DevWorlds, StartError> {
        let root_key = match options.root_key {
            Some(key) => key,
            None => (ids::access_key_id()?, ids::secret_access_key()?),
        };
        let config = Config {
            account_id: Some(options.account_id),
            root_key: Some(root_key),
            quotas: options.quotas,
            partition: "aws".to_owned(),
            accept_unknown_keys_as_root: !options.enforce,
            oidc_fetcher: options.oidc_fetcher,
        };
        let worlds = DevWorlds {
            config,
            seed: options.seed,
            master_key: MasterKey::from_bytes(&MasterKey::generate()?)?,
            worlds: RwLock::new(HashMap::new()),
        };
        worlds.world("aws").await?;
        Ok(worlds)
    }

    /// The default account's id.
    pub fn account_id(&self) -> &str {
        self.config
            .account_id
            .as_deref()
            .unwrap_or(DEFAULT_ACCOUNT_ID)
    }

    /// The default account's root access key `(id, secret)`.
    pub fn root_key(&self) -> Option<&(String, String)> {
        self.config.root_key.as_ref()
    }

    /// Whether unknown keys are refused.
    pub fn enforcing(&self) -> bool {
        !self.config.accept_unknown_keys_as_root
    }

    /// The world of `partition`, started (and seeded) on first use.
    pub async fn world(&self, partition: &'static str) -> Result<Arc<Core>, StartError> {
        if let Some(core) = self.worlds.read().await.get(partition) {
            return Ok(Arc::clone(core));
        }
        let mut worlds = self.worlds.write().await;
        // Another request may have started it while this one waited for the lock.
        if let Some(core) = worlds.get(partition) {
            return Ok(Arc::clone(core));
        }
        let core = Arc::new(self.fresh_world(partition).await?);
        worlds.insert(partition, Arc::clone(&core));
        Ok(core)
    }

    /// Every world started so far.
    pub async fn worlds(&self) -> Vec<Arc<Core>> {
        self.worlds.read().await.values().cloned().collect()
    }

    /// Puts everything back to the start: every partition's state is dropped and the `aws`
    /// world is started afresh from the seed. Requests already running finish on the old state.
    pub async fn reset(&self) -> Result<(), StartError> {
        let fresh = Arc::new(self.fresh_world("aws").await?);
        let mut worlds = self.worlds.write().await;
        worlds.clear();
        worlds.insert("aws", fresh);
        Ok(())
    }

    async fn fresh_world(&self, partition: &str) -> Result<Core, StartError> {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_url("sqlite::memory:").await?);
        let config = Config {
            partition: partition.to_owned(),
            ..self.config.clone()
        };
        let now = OffsetDateTime::now_utc();
        let (core, _) = Core::open(store, self.master_key.clone(), config, now).await?;
        if let Some(seed) = &self.seed {
            core.apply_seed(seed, now).await?;
        }
        Ok(core)
    }
}

/// Why a dev-mode world could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Store(#[from] warden_store::StoreError),
    #[error(transparent)]
    Seed(#[from] SeedError),
}
