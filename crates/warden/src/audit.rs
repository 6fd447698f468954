//! `warden audit query|verify`: the audit trail, read straight from the store (also while a
//! server is running on it).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_store::{AuditFilter, PostgresStore, SqliteStore, Store};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print audit events (CloudTrail records), oldest first.
    Query(QueryArgs),
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad position.
    Verify(StoreArgs),
}

/// Where the trail is.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct StoreArgs {
    /// The data directory of a single-node server (its `warden.db`).
    #[arg(long, env = "WARDEN_DATA")]
    data: Option<PathBuf>,
    /// A database URL (`postgres://…` or `sqlite:PATH`).
    #[arg(long, env = "WARDEN_DATABASE_URL")]
    database: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One CloudTrail record (JSON) per line.
    Jsonl,
    /// A table for people.
    Table,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only events of this principal (its ARN, e.g. `arn:aws:iam::123456789012:user/alice`).
    #[arg(long)]
    principal: Option<String>,
    /// Only events of this operation (`CreateUser`, `AssumeRole`, `ConsoleLogin`, …).
    #[arg(long)]
    event_name: Option<String>,
    /// Only failed or denied requests.
    #[arg(long)]
    errors_only: bool,
    /// Events at or after this time (RFC 3339, e.g. `2026-11-23T10:00:00Z`, or Unix seconds).
    #[arg(long)]
    since: Option<String>,
    /// Events at or before this time.
    #[arg(long)]
    until: Option<String>,
    /// Only events of this account.
    #[arg(long)]
    account: Option<String>,
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
}

/// Milliseconds since the epoch of an RFC 3339 time or Unix seconds.
fn parse_time(text: &str) -> anyhow::Result<i64> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds.saturating_mul(1000));
    }
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .with_context(|| format!("`{text}` is not an RFC 3339 time or Unix seconds"))?;
    Ok(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
}

async fn open(args: &StoreArgs) -> anyhow::Result<Arc<dyn Store>> {
    match (&args.data, &args.database) {
        (Some(dir), _) => {
            let path = dir.join("warden.db");
            if !path.exists() {
                bail!(
                    "`{}` holds no Warden database (no warden.db)",
                    dir.display()
                );
            }
            Ok(Arc::new(SqliteStore::open(&path).await.with_context(
                || format!("cannot open `{}`", path.display()),
            )?))
        }
        (None, Some(url)) if url.starts_with("sqlite:") => Ok(Arc::new(
            SqliteStore::open_url(url)
                .await
                .with_context(|| format!("cannot open `{url}`"))?,
        )),
        (None, Some(url)) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(
                PostgresStore::connect(url)
                    .await
                    .with_context(|| format!("cannot connect to `{url}`"))?,
            ))
        }
        (None, Some(url)) => bail!("unsupported database URL `{url}`"),
        (None, None) => bail!("give --data DIR or --database URL"),
    }
}

pub fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match command {
            AuditCommand::Query(args) => query(args).await,
            AuditCommand::Verify(args) => verify(args).await,
        }
    })
}

async fn query(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.store).await?;
    let mut filter = AuditFilter {
        principal_arn: args.principal,
        event_name: args.event_name,
        errors_only: args.errors_only,
        since_ms: args.since.as_deref().map(parse_time).transpose()?,
        until_ms: args.until.as_deref().map(parse_time).transpose()?,
        account_id: args.account,
        after_seq: None,
        limit: Some(10_000),
    };
    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    if matches!(args.format, Format::Table) {
        writeln!(
            out,
            "{:<6} {:<20} {:<28} {:<50} {:<16} ERROR",
            "SEQ", "TIME", "EVENT", "PRINCIPAL", "SOURCE IP"
        )?;
    }
    loop {
        let page = store.audit_events(&filter).await?;
        let Some(last) = page.last() else {
            break;
        };
        filter.after_seq = Some(last.seq);
        for row in &page {
            match args.format {
                Format::Jsonl => writeln!(out, "{}", row.record.body)?,
                Format::Table => {
                    let body: serde_json::Value =
                        serde_json::from_str(&row.record.body).unwrap_or_default();
                    let text = |key: &str| body[key].as_str().unwrap_or("-").to_owned();
                    writeln!(
                        out,
                        "{:<6} {:<20} {:<28} {:<50} {:<16} {}",
                        row.seq,
                        text("eventTime"),
                        row.record.event_name,
                        row.record.principal_arn.as_deref().unwrap_or("-"),
                        text("sourceIPAddress"),
                        row.record.error_code.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(args: StoreArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args).await?;
    match store.verify_audit().await? {
        Ok(count) => {
            println!("audit trail intact: {count} events");
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!(
                "audit trail broken at event {}: {}",
                broken.position, broken.reason
            );
            Ok(ExitCode::from(1))
        }
    }
}
