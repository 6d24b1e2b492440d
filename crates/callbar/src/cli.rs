//! Command-line interface: `callbar` runs the server; subcommands manage the organization
//! in the data folder (they work while the server runs).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "callbar",
    version,
    about = "A self-hosted contact center with an embeddable agent softphone."
)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./callbar.toml when it exists.
    #[arg(long, env = "CALLBAR_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data folder (database, recordings). Default: ./data
    #[arg(long, env = "CALLBAR_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Server settings; each overrides the configuration file.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address of the embed, APIs and widgets. Default: localhost:8080
    #[arg(long, env = "CALLBAR_LISTEN", value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// Address of the demo CRM. Default: 127.0.0.1:8081
    #[arg(long, env = "CALLBAR_DEMO_LISTEN", value_name = "HOST:PORT")]
    pub demo_listen: Option<String>,
    /// Origin browsers use to reach the server. Default: http://<listen>
    #[arg(long, env = "CALLBAR_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Origin browsers use to reach the demo CRM. Default: http://<demo-listen>
    #[arg(long, env = "CALLBAR_DEMO_PUBLIC_URL", value_name = "URL")]
    pub demo_public_url: Option<String>,
    /// Address of the demo customer website. Default: 127.0.0.1:8082
    #[arg(long, env = "CALLBAR_DEMO_SITE_LISTEN", value_name = "HOST:PORT")]
    pub demo_site_listen: Option<String>,
    /// Origin browsers use to reach the demo customer website. Default: http://<demo-site-listen>
    #[arg(long, env = "CALLBAR_DEMO_SITE_PUBLIC_URL", value_name = "URL")]
    pub demo_site_public_url: Option<String>,
    /// IP address put in media candidates and SDP (LAN or public). Default: 127.0.0.1
    #[arg(long, env = "CALLBAR_MEDIA_IP", value_name = "IP")]
    pub media_ip: Option<String>,
    /// IP address media sockets bind to (behind NAT: the private one or 0.0.0.0). Default: --media-ip
    #[arg(long, env = "CALLBAR_MEDIA_BIND_IP", value_name = "IP")]
    pub media_bind_ip: Option<String>,
    /// UDP ports for media. Default: 40000-40999
    #[arg(long, env = "CALLBAR_MEDIA_PORTS", value_name = "FROM-TO")]
    pub media_ports: Option<String>,
    /// TURN relay URLs for agents behind strict firewalls, comma-separated (turn:host:port,…).
    /// The shared secret comes from CALLBAR_TURN_SECRET or the file. Default: none
    #[arg(long, env = "CALLBAR_TURN_URLS", value_name = "URLS")]
    pub turn_urls: Option<String>,
    /// Where SIP from trunks is received (UDP and TCP). Used when trunks are configured. Default: 127.0.0.1:5060
    #[arg(long, env = "CALLBAR_SIP_LISTEN", value_name = "IP:PORT")]
    pub sip_listen: Option<String>,
    /// The SIP address trunks reach us at, for Contact and Via (behind NAT). Default: --sip-listen
    #[arg(long, env = "CALLBAR_SIP_PUBLIC_ADDR", value_name = "IP:PORT")]
    pub sip_public_addr: Option<String>,
    /// Days recordings are kept. Default: 90
    #[arg(long, env = "CALLBAR_RECORDING_RETENTION_DAYS", value_name = "DAYS")]
    pub recording_retention_days: Option<u32>,
    /// Widget calls one client address may have at once. Default: 3
    #[arg(long, env = "CALLBAR_WIDGET_CALLS_PER_ADDRESS", value_name = "N")]
    pub widget_calls_per_address: Option<usize>,
    /// Neither create the demo organization nor serve the demo CRM.
    #[arg(long, env = "CALLBAR_NO_DEMO")]
    pub no_demo: bool,
    /// Log filter, e.g. info or callbar=debug. Default: info
    #[arg(long, env = "CALLBAR_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// Log format: text or json. Default: text
    #[arg(long, env = "CALLBAR_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// How long a sign-in lasts, in seconds. Default: 43200 (12 hours)
    #[arg(long, env = "CALLBAR_SESSION_TTL_SECS", value_name = "SECONDS")]
    pub session_ttl_secs: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (what `callbar` does without a subcommand).
    Serve,
    /// Manage users (agents, supervisors, admins).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage approved domains: the host origins allowed to embed the softphone.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Manage the reasons agents give for being Not Ready.
    #[command(subcommand)]
    Reason(ReasonCommand),
    /// Manage API tokens of back-office systems (POST /api/v1/engagements).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and only its hash is kept.
    Create { name: String },
    /// List tokens (names and ids; never the tokens).
    List,
    /// Revoke a token by its id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is asked for, or read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, supervisor or admin
        #[arg(long, default_value = "agent")]
        role: String,
        /// Extension number; the next free one from 1001 when omitted.
        #[arg(long)]
        extension: Option<String>,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Remove a user (and end their sessions).
    Remove { email: String },
    /// Set a user's password (and end their sessions).
    SetPassword {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Approve an origin, e.g. https://crm.example.com
    Add { origin: String },
    /// List approved origins.
    List,
    /// Withdraw an approval.
    Remove { origin: String },
}

#[derive(Debug, Subcommand)]
pub enum ReasonCommand {
    /// Add a not-ready reason, e.g. "Lunch".
    Add { name: String },
    /// List reasons with their status codes.
    List,
    /// Remove a reason by its status code.
    Remove { code: String },
}
