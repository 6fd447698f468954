//! `warden serve`: open the data, start the service, answer until SIGTERM/SIGINT.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use warden_core::dev::{self, DevOptions, DevWorlds, Seed};
use warden_core::signin::SignInLimits;
use warden_core::{Config, Core, MasterKey, Quotas};
use warden_server::Backend;
use warden_store::{PostgresStore, SqliteStore, Store};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (`127.0.0.1:0` picks a free port; the chosen one is printed).
    #[arg(long, env = "WARDEN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the embedded database and the generated master key.
    #[arg(long, env = "WARDEN_DATA", default_value = "warden-data")]
    data: PathBuf,
    /// Database URL instead of the embedded one under `--data`: `postgres://USER@HOST/DB` for
    /// several nodes on one PostgreSQL database (no data directory then; the master key must be
    /// given), or `sqlite:PATH`.
    #[arg(long, env = "WARDEN_DATABASE_URL")]
    database: Option<String>,
    /// The first account's 12-digit id, used when the data is empty (random otherwise).
    #[arg(long, env = "WARDEN_ACCOUNT_ID")]
    account_id: Option<String>,
    /// File holding the master key (base64 of 32 bytes). `WARDEN_MASTER_KEY` gives the key
    /// itself; with neither, a key file is generated in the data directory.
    #[arg(long, env = "WARDEN_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// Change an IAM quota from AWS's default: `NAME=VALUE`, repeatable (comma-separated in
    /// `WARDEN_QUOTAS`). Names: users-per-account, groups-per-account, groups-per-user,
    /// access-keys-per-user, tags-per-entity, user-policy-size, group-policy-size.
    #[arg(
        long = "quota",
        env = "WARDEN_QUOTAS",
        value_delimiter = ',',
        value_name = "NAME=VALUE"
    )]
    quotas: Vec<String>,
    /// Change a console sign-in throttling limit: `NAME=VALUE`, repeatable (comma-separated in
    /// `WARDEN_SIGNIN_LIMITS`). Names: user-free-failures, user-lockout-failures,
    /// ip-free-failures, ip-lockout-failures, delay-seconds, max-delay-seconds,
    /// lockout-seconds, memory-seconds.
    #[arg(
        long = "signin-limit",
        env = "WARDEN_SIGNIN_LIMITS",
        value_delimiter = ',',
        value_name = "NAME=VALUE"
    )]
    signin_limits: Vec<String>,
    /// Local-development mode: state in memory only, account `123456789012` unless
    /// `--account-id` says otherwise, and any unknown access key (or none) accepted as the
    /// default account's root user without checking its signature. Never expose it.
    #[arg(long, env = "WARDEN_DEV")]
    dev: bool,
    /// With `--dev`: refuse unknown access keys and check every signature, as in normal mode.
    #[arg(long, env = "WARDEN_ENFORCE", requires = "dev")]
    enforce: bool,
    /// With `--dev`: a JSON or YAML file of accounts, users, groups, roles, policies and access
    /// keys to start from (and to return to on `POST /_warden/reset`).
    #[arg(long, env = "WARDEN_SEED", requires = "dev", value_name = "FILE")]
    seed: Option<PathBuf>,
}

/// How often access-key uses are written to the store.
const KEY_USE_FLUSH: Duration = Duration::from_secs(1);

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: a log file or a collector gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

fn parse_quotas(settings: &[String]) -> anyhow::Result<Quotas> {
    let mut quotas = Quotas::default();
    for setting in settings {
        let (name, value) = setting
            .split_once('=')
            .with_context(|| format!("quota `{setting}` is not NAME=VALUE"))?;
        let value = value
            .trim()
            .parse()
            .with_context(|| format!("quota `{setting}`: `{value}` is not a number"))?;
        quotas.set(name.trim(), value)?;
    }
    Ok(quotas)
}

fn parse_signin_limits(settings: &[String]) -> anyhow::Result<SignInLimits> {
    let mut limits = SignInLimits::default();
    for setting in settings {
        let (name, value) = setting
            .split_once('=')
            .with_context(|| format!("sign-in limit `{setting}` is not NAME=VALUE"))?;
        let value = value
            .trim()
            .parse()
            .with_context(|| format!("sign-in limit `{setting}`: `{value}` is not a number"))?;
        limits.set(name.trim(), value)?;
    }
    Ok(limits)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.dev {
        return serve_dev(args).await;
    }
    let (store, master_key) = open_store(&args).await?;
    let config = Config {
        account_id: args.account_id.clone(),
        root_key: root_key_from_env()?,
        quotas: parse_quotas(&args.quotas)?,
        oidc_fetcher: Some(warden_server::HttpFetcher::shared()?),
        ..Config::default()
    };
    let shared = store.shared();
    let (core, created) = Core::open(store, master_key, config, OffsetDateTime::now_utc())
        .await
        .context("cannot start the service")?;
    core.set_sign_in_limits(parse_signin_limits(&args.signin_limits)?);
    let core = Arc::new(core);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    if let Some(root) = created {
        writeln!(out, "created account {}", root.account_id)?;
        writeln!(out, "root access key id:     {}", root.access_key_id)?;
        writeln!(out, "root secret access key: {}", root.secret_access_key)?;
        writeln!(out, "(the secret is shown only this once)")?;
    }
    if let Some(account) = core.first_account_id() {
        writeln!(out, "account {account}")?;
    }
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    drop(out);

    let flusher = {
        let core = Arc::clone(&core);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEY_USE_FLUSH);
            loop {
                tick.tick().await;
                core.flush_key_uses().await;
            }
        })
    };
    // Other nodes write to a shared database: follow their changes.
    let follower = shared.then(|| {
        let core = Arc::clone(&core);
        tokio::spawn(async move { core.follow_changes().await })
    });
    warden_server::serve(Arc::clone(&core), listener, shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    flusher.abort();
    if let Some(follower) = follower {
        follower.abort();
    }
    core.flush_key_uses().await;
    Ok(())
}

/// The store `--data`/`--database` name, and the master key that goes with it.
async fn open_store(args: &ServeArgs) -> anyhow::Result<(Arc<dyn Store>, MasterKey)> {
    match &args.database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            // Nodes share the database and so the key: nothing is generated or kept locally.
            let master_key = given_master_key(args.master_key_file.as_deref())?.context(
                "with a PostgreSQL --database, give the master key (the same on every node) \
                 with WARDEN_MASTER_KEY or --master-key-file",
            )?;
            let store = PostgresStore::connect(url)
                .await
                .with_context(|| format!("cannot open the database at `{}`", redact(url)))?;
            Ok((Arc::new(store), master_key))
        }
        Some(url) if url.starts_with("sqlite:") => {
            std::fs::create_dir_all(&args.data).with_context(|| {
                format!("cannot create data directory `{}`", args.data.display())
            })?;
            let master_key = load_master_key(args.master_key_file.as_deref(), &args.data)?;
            let store = SqliteStore::open_url(url)
                .await
                .with_context(|| format!("cannot open `{url}`"))?;
            Ok((Arc::new(store), master_key))
        }
        Some(url) => bail!(
            "unsupported database URL `{}`: use `postgres://…` or `sqlite:PATH`",
            redact(url)
        ),
        None => {
            std::fs::create_dir_all(&args.data).with_context(|| {
                format!("cannot create data directory `{}`", args.data.display())
            })?;
            // Before the store: opening it creates the database file the key check looks for.
            let master_key = load_master_key(args.master_key_file.as_deref(), &args.data)?;
            let store = SqliteStore::open(&args.data.join("warden.db"))
                .await
                .context("cannot open the embedded database")?;
            Ok((Arc::new(store), master_key))
        }
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `serve --dev`: everything in memory; see [`warden_core::dev`].
async fn serve_dev(args: ServeArgs) -> anyhow::Result<()> {
    let seed = args.seed.as_deref().map(read_seed).transpose()?;
    let options = DevOptions {
        account_id: args
            .account_id
            .clone()
            .unwrap_or_else(|| dev::DEFAULT_ACCOUNT_ID.to_owned()),
        root_key: root_key_from_env()?,
        enforce: args.enforce,
        seed,
        quotas: parse_quotas(&args.quotas)?,
        oidc_fetcher: Some(warden_server::HttpFetcher::shared()?),
    };
    let worlds = Arc::new(
        DevWorlds::start(options)
            .await
            .context("cannot start dev mode")?,
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    if worlds.enforcing() {
        eprintln!(
            "warden: DEV MODE (--enforce): state is in memory only and is lost at exit; \
             POST /_warden/reset wipes it. Only known access keys are accepted."
        );
    } else {
        eprintln!(
            "warden: WARNING: DEV MODE: ANY access key, or none, is accepted as the root user of \
             account {} and signatures are NOT checked. State is in memory only. Never expose \
             this server to anyone; use --enforce to check credentials.",
            worlds.account_id()
        );
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "account {}", worlds.account_id())?;
    if let Some((id, secret)) = worlds.root_key() {
        writeln!(out, "root access key id:     {id}")?;
        writeln!(out, "root secret access key: {secret}")?;
    }
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    drop(out);

    let flusher = {
        let worlds = Arc::clone(&worlds);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEY_USE_FLUSH);
            loop {
                tick.tick().await;
                for core in worlds.worlds().await {
                    core.flush_key_uses().await;
                }
            }
        })
    };
    warden_server::serve(
        Backend::Dev(Arc::clone(&worlds)),
        listener,
        shutdown_signal(),
    )
    .await
    .context("the HTTP server failed")?;
    flusher.abort();
    Ok(())
}

/// Reads a seed file: JSON when its name ends in `.json`, YAML otherwise.
fn read_seed(path: &Path) -> anyhow::Result<Seed> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read seed file `{}`", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text)
            .with_context(|| format!("seed file `{}` is not a valid seed", path.display()))
    } else {
        serde_yaml_ng::from_str(&text)
            .with_context(|| format!("seed file `{}` is not a valid seed", path.display()))
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn root_key_from_env() -> anyhow::Result<Option<(String, String)>> {
    let id = std::env::var("WARDEN_ROOT_ACCESS_KEY_ID").ok();
    let secret = std::env::var("WARDEN_ROOT_SECRET_ACCESS_KEY").ok();
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        (None, None) => Ok(None),
        _ => bail!(
            "set both WARDEN_ROOT_ACCESS_KEY_ID and WARDEN_ROOT_SECRET_ACCESS_KEY, or neither"
        ),
    }
}

fn decode_key(text: &str, from: &str) -> anyhow::Result<MasterKey> {
    let bytes = STANDARD
        .decode(text.trim())
        .with_context(|| format!("the master key in {from} is not base64"))?;
    MasterKey::from_bytes(&bytes).with_context(|| format!("the master key in {from}"))
}

/// `WARDEN_MASTER_KEY`, else `--master-key-file`, else none.
fn given_master_key(file: Option<&Path>) -> anyhow::Result<Option<MasterKey>> {
    if let Ok(text) = std::env::var("WARDEN_MASTER_KEY") {
        return decode_key(&text, "WARDEN_MASTER_KEY").map(Some);
    }
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read master key file `{}`", file.display()))?;
        return decode_key(&text, &file.display().to_string()).map(Some);
    }
    Ok(None)
}

/// `WARDEN_MASTER_KEY`, else `--master-key-file`, else `DATA/master.key` (created, mode 0600).
fn load_master_key(file: Option<&Path>, data: &Path) -> anyhow::Result<MasterKey> {
    if let Some(key) = given_master_key(file)? {
        return Ok(key);
    }
    let path = data.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_key(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && data.join("warden.db").exists() => {
            // A new key could not open the secrets already sealed in the database.
            bail!(
                "`{}` holds a database but no master.key: give the key that sealed it with \
                 WARDEN_MASTER_KEY or --master-key-file",
                data.display()
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate()?;
            write_private(&path, format!("{}\n", STANDARD.encode(key)).as_bytes())?;
            Ok(MasterKey::from_bytes(&key)?)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

/// Writes a new file only its owner can read, failing if it already exists.
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}
