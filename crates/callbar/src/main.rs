//! `callbar`: the contact-center server, and the commands that manage its organization.

mod agents;
mod auth;
mod cli;
mod config;
mod demo;
mod http;
mod metrics;
mod org;
mod origin;
mod server;
mod state;

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use callbar_store::{SqliteStore, Store};
use clap::Parser;

use cli::{Cli, Command, DomainCommand, ReasonCommand, UserCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config_file = cli.config.as_deref();
    let data_dir = cli.data_dir.as_deref();
    match cli.command {
        None | Some(Command::Serve) => {
            let config = config::Config::load(config_file, data_dir, &cli.serve)?;
            init_logging(&config);
            server::run(config).await
        }
        Some(Command::User(cmd)) => user(&open(config_file, data_dir).await?, cmd).await,
        Some(Command::Domain(cmd)) => domain(&open(config_file, data_dir).await?, cmd).await,
        Some(Command::Reason(cmd)) => reason(&open(config_file, data_dir).await?, cmd).await,
    }
}

fn init_logging(config: &config::Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter).unwrap_or_else(|e| {
        eprintln!(
            "warning: log filter {:?} is invalid ({e}); using info",
            config.log_filter
        );
        tracing_subscriber::EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(
    config_file: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<Arc<dyn Store>> {
    let dir = config::data_dir(config_file, data_dir)?;
    let store = SqliteStore::open(&dir)
        .await
        .with_context(|| format!("cannot open the database in {}", dir.display()))?;
    Ok(Arc::new(store))
}

/// Reads a password from standard input (first line) or asks for it twice.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password again: ")?;
    anyhow::ensure!(
        first == second,
        "the two passwords differ; nothing was changed"
    );
    Ok(first)
}

async fn user(store: &Arc<dyn Store>, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            email,
            name,
            role,
            extension,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let u = org::add_user(
                store,
                org::UserInput {
                    email,
                    name,
                    role,
                    extension,
                    password,
                },
            )
            .await?;
            println!(
                "added {} {} <{}>, extension {}",
                u.role.as_str(),
                u.name,
                u.email,
                u.extension
            );
        }
        UserCommand::List => {
            for u in store.users().await? {
                println!(
                    "{:<10} {:<28} {:<6} {}",
                    u.role.as_str(),
                    u.email,
                    u.extension,
                    u.name
                );
            }
        }
        UserCommand::Remove { email } => {
            let u = org::user_by_email(store, &email).await?;
            store.delete_user(&u.id).await?;
            println!("removed {}", u.email);
        }
        UserCommand::SetPassword {
            email,
            password_stdin,
        } => {
            let u = org::user_by_email(store, &email).await?;
            let password = read_password(password_stdin)?;
            org::change_user(
                store,
                &u.id,
                org::UserChange {
                    password: Some(password),
                    ..Default::default()
                },
            )
            .await?;
            println!("password of {} changed; their sessions have ended", u.email);
        }
    }
    Ok(())
}

async fn domain(store: &Arc<dyn Store>, cmd: DomainCommand) -> anyhow::Result<()> {
    match cmd {
        DomainCommand::Add { origin } => {
            println!("approved {}", org::add_domain(store, &origin).await?)
        }
        DomainCommand::List => {
            for d in store.domains().await? {
                println!("{d}");
            }
        }
        DomainCommand::Remove { origin } => {
            println!("withdrew {}", org::remove_domain(store, &origin).await?)
        }
    }
    Ok(())
}

async fn reason(store: &Arc<dyn Store>, cmd: ReasonCommand) -> anyhow::Result<()> {
    match cmd {
        ReasonCommand::Add { name } => {
            let r = org::add_reason(store, &name).await?;
            println!(
                "added not-ready reason {:?} with status code {}",
                r.name, r.code
            );
        }
        ReasonCommand::List => {
            for r in store.status_reasons().await? {
                println!("{:<4} {}", r.code, r.name);
            }
        }
        ReasonCommand::Remove { code } => {
            store.remove_status_reason(&code).await?;
            println!("removed not-ready reason {code}");
        }
    }
    Ok(())
}
