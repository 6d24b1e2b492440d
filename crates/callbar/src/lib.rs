//! Callbar: a self-hosted contact center whose agent softphone embeds in any web
//! application and speaks the `zcc-*` protocol of Zoom Contact Center Smart Embed.
//!
//! This crate is the binary's body: configuration, HTTP and WebSocket surfaces, sign-in,
//! the organization's administration, and the wiring of the engine, media and store
//! crates. `main.rs` only parses the command line and calls [`run`].

pub mod agents;
pub mod auth;
pub mod cli;
mod commands;
pub mod config;
pub mod demo;
pub mod directory;
pub mod engine;
pub mod http;
pub mod metrics;
pub mod org;
pub mod origin;
pub mod server;
pub mod state;
pub mod voice;

use cli::{Cli, Command};
use commands::open;

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config_file = cli.config.as_deref();
    let data_dir = cli.data_dir.as_deref();
    match cli.command {
        None | Some(Command::Serve) => {
            let config = config::Config::load(config_file, data_dir, &cli.serve)?;
            init_logging(&config);
            server::run(config).await
        }
        Some(Command::User(cmd)) => commands::user(&open(config_file, data_dir).await?, cmd).await,
        Some(Command::Domain(cmd)) => commands::domain(&open(config_file, data_dir).await?, cmd).await,
        Some(Command::Reason(cmd)) => commands::reason(&open(config_file, data_dir).await?, cmd).await,
        Some(Command::Token(cmd)) => commands::token(&open(config_file, data_dir).await?, cmd).await,
    }
}

fn init_logging(config: &config::Config) {
    // rsipstack logs every SIP message at info; keep it to warnings unless the filter
    // names it (`--log info,rsipstack=info` to trace SIP).
    let quiet = |filter: &str| {
        if filter.contains("rsipstack") {
            filter.to_owned()
        } else {
            format!("{filter},rsipstack=warn")
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_new(quiet(&config.log_filter)).unwrap_or_else(|e| {
        eprintln!(
            "warning: log filter {:?} is invalid ({e}); using info",
            config.log_filter
        );
        tracing_subscriber::EnvFilter::new(quiet("info"))
    });
    // Logs go to standard error (standard output carries the banner), coloured only
    // for a terminal.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}
