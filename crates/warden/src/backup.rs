//! `warden backup` and `warden restore`: the embedded database, copied consistently while the
//! server runs, and put back while it is stopped. (PostgreSQL has its own tools: `pg_dump`; see
//! docs/deployment.md.) The master key is not in the copy: keep it apart, as the secrets in the
//! copy are sealed with it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use warden_store::SqliteStore;

/// The database file under a data directory.
const DATABASE: &str = "warden.db";

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The data directory of the server (running or not).
    #[arg(long, env = "WARDEN_DATA", default_value = "warden-data")]
    data: PathBuf,
    /// The file to write; it must not exist.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The data directory to restore into; the server must be stopped.
    #[arg(long, env = "WARDEN_DATA", default_value = "warden-data")]
    data: PathBuf,
    /// A file written by `warden backup`.
    #[arg(long = "from", value_name = "FILE")]
    from: PathBuf,
    /// Replace the database the data directory already has.
    #[arg(long)]
    force: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let database = args.data.join(DATABASE);
    if !database.exists() {
        bail!("`{}` holds no Warden database", args.data.display());
    }
    if args.out.exists() {
        bail!("`{}` exists; give a new file", args.out.display());
    }
    runtime()?.block_on(async {
        let store = SqliteStore::open(&database)
            .await
            .with_context(|| format!("cannot open `{}`", database.display()))?;
        store
            .backup_to(&args.out)
            .await
            .with_context(|| format!("cannot write `{}`", args.out.display()))
    })?;
    println!("backed up {} to {}", database.display(), args.out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let database = args.data.join(DATABASE);
    if database.exists() && !args.force {
        bail!(
            "`{}` already has a database: stop the server and add --force to replace it",
            args.data.display()
        );
    }
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("cannot create `{}`", args.data.display()))?;
    // Copy beside the target, check the copy opens as a Warden database (bringing its schema up
    // to date), then move it into place in one rename.
    let staged = args.data.join(format!("{DATABASE}.restoring"));
    remove_with_journal(&staged)?;
    std::fs::copy(&args.from, &staged)
        .with_context(|| format!("cannot read `{}`", args.from.display()))?;
    let checked = runtime()?.block_on(async {
        let store = SqliteStore::open(&staged).await?;
        let snapshot = warden_store::Store::snapshot(&store).await?;
        store.close().await;
        Ok::<_, warden_store::StoreError>(snapshot.changes.len())
    });
    let records = match checked {
        Ok(n) => n,
        Err(e) => {
            remove_with_journal(&staged)?;
            bail!("`{}` is not a Warden backup: {e}", args.from.display());
        }
    };
    remove_with_journal(&database)?;
    std::fs::rename(&staged, &database).with_context(|| {
        format!(
            "cannot move the restored database into `{}`",
            database.display()
        )
    })?;
    println!(
        "restored {} records into {}; start the server with the master key of the backup",
        records,
        database.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Removes a database file and its WAL journal files, if there.
fn remove_with_journal(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot remove `{}`", Path::new(&file).display()));
            }
        }
    }
    Ok(())
}
