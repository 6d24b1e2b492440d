//! Configuration: defaults, then a TOML file, then environment variables, then flags.
//!
//! Each later source overrides the earlier ones, so a flag always wins. Every setting can
//! be given all three ways (see README "Configuration"); unknown keys in the file are
//! errors, so a typo never silently falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::cli::ServeArgs;
use crate::origin::normalize_origin;

/// The settings the server runs with, after merging and validation.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the embed, APIs and widgets listen (`host:port`; a name binds every address
    /// it resolves to).
    pub listen: String,
    /// Where the demo CRM listens.
    pub demo_listen: String,
    /// The origin browsers use to reach `listen` (e.g. `https://cc.example.com`).
    pub public_url: String,
    /// The origin browsers use to reach the demo CRM.
    pub demo_public_url: String,
    /// Where the demo customer website (with the "Call us" widget) listens.
    pub demo_site_listen: String,
    /// The origin browsers use to reach the demo customer website.
    pub demo_site_public_url: String,
    /// The address put in media candidates and SDP: browsers and SIP peers send audio here.
    pub media_ip: std::net::IpAddr,
    /// The address media sockets bind to: `media_ip` unless set (behind NAT, the private
    /// address or `0.0.0.0` while `media_ip` is the public one).
    pub media_bind_ip: std::net::IpAddr,
    /// The UDP ports media may use.
    pub media_ports: std::ops::RangeInclusive<u16>,
    /// Recordings older than this are deleted.
    pub recording_retention_days: u32,
    /// Widget calls one client address may have at once.
    pub widget_calls_per_address: usize,
    pub data_dir: PathBuf,
    /// Create the demo organization on an empty database and serve the demo CRM.
    pub demo: bool,
    pub log_filter: String,
    pub log_json: bool,
    /// How long a sign-in lasts, in seconds.
    pub session_ttl_secs: u64,
    pub sign_in: SignInLimits,
    pub turn: TurnConfig,
    /// SIP trunks; SIP listens only when at least one is configured.
    pub sip: callbar_sip::SipConfig,
}

/// A TURN relay for agents whose firewalls block UDP to the media ports (coturn with
/// `use-auth-secret`): the embed gets short-lived credentials derived from the shared secret.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnConfig {
    /// `turn:` / `turns:` (and `stun:`) URLs given to the agents' browsers.
    #[serde(default)]
    pub urls: Vec<String>,
    /// coturn's `static-auth-secret`. From the file or `CALLBAR_TURN_SECRET`, never a flag.
    #[serde(default)]
    pub secret: Option<String>,
    /// How long issued credentials work. Default: 12 hours.
    #[serde(default)]
    pub ttl_secs: Option<u64>,
}

/// Throttling of failed sign-ins.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInLimits {
    /// Failed attempts for one email (or five times as many from one address) within
    /// `window_secs` before sign-in is locked.
    pub max_failures: u32,
    pub window_secs: u64,
    /// How long the lock lasts.
    pub lockout_secs: u64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            max_failures: 5,
            window_secs: 15 * 60,
            lockout_secs: 5 * 60,
        }
    }
}

/// The TOML file's shape. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    demo_listen: Option<String>,
    public_url: Option<String>,
    demo_public_url: Option<String>,
    demo_site_listen: Option<String>,
    demo_site_public_url: Option<String>,
    media_ip: Option<String>,
    media_bind_ip: Option<String>,
    media_ports: Option<String>,
    recording_retention_days: Option<u32>,
    widget_calls_per_address: Option<usize>,
    data_dir: Option<PathBuf>,
    demo: Option<bool>,
    log: Option<String>,
    log_format: Option<String>,
    session_ttl_secs: Option<u64>,
    sign_in: Option<SignInLimits>,
    turn: Option<TurnConfig>,
    sip_listen: Option<String>,
    sip_public_addr: Option<String>,
    #[serde(default)]
    trunks: Vec<callbar_sip::TrunkConfig>,
}

pub const DEFAULT_LISTEN: &str = "localhost:8080";
pub const DEFAULT_DEMO_LISTEN: &str = "127.0.0.1:8081";
pub const DEFAULT_DEMO_SITE_LISTEN: &str = "127.0.0.1:8082";
pub const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_CONFIG_FILE: &str = "callbar.toml";

impl Config {
    /// Merges the sources. `args` already holds flags and environment variables (clap
    /// reads both, flags first).
    pub fn load(config_file: Option<&Path>, data_dir: Option<&Path>, args: &ServeArgs) -> anyhow::Result<Config> {
        let file = read_file(config_file)?;
        let listen = args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let demo_listen = args
            .demo_listen
            .clone()
            .or(file.demo_listen)
            .unwrap_or_else(|| DEFAULT_DEMO_LISTEN.into());
        let demo_site_listen = args
            .demo_site_listen
            .clone()
            .or(file.demo_site_listen)
            .unwrap_or_else(|| DEFAULT_DEMO_SITE_LISTEN.into());
        check_listen("listen", &listen)?;
        check_listen("demo_listen", &demo_listen)?;
        check_listen("demo_site_listen", &demo_site_listen)?;

        let public_url = match args.public_url.clone().or(file.public_url) {
            Some(url) => normalize_origin(&url).map_err(|e| {
                anyhow::anyhow!(
                    "public_url {url:?} is not usable: {e}. Give the origin browsers use, e.g. https://cc.example.com"
                )
            })?,
            None => format!("http://{listen}"),
        };
        let demo_public_url = match args.demo_public_url.clone().or(file.demo_public_url) {
            Some(url) => {
                normalize_origin(&url).map_err(|e| anyhow::anyhow!("demo_public_url {url:?} is not usable: {e}"))?
            }
            None => format!("http://{demo_listen}"),
        };
        let demo_site_public_url = match args.demo_site_public_url.clone().or(file.demo_site_public_url) {
            Some(url) => normalize_origin(&url)
                .map_err(|e| anyhow::anyhow!("demo_site_public_url {url:?} is not usable: {e}"))?,
            None => format!("http://{demo_site_listen}"),
        };
        let media_ip = match args.media_ip.clone().or(file.media_ip) {
            Some(ip) => ip.parse().map_err(|_| {
                anyhow::anyhow!(
                    "media_ip {ip:?} must be an IP address (the LAN or public address browsers and SIP peers reach)"
                )
            })?,
            None => std::net::IpAddr::from([127, 0, 0, 1]),
        };
        if media_ip.is_unspecified() {
            bail!(
                "media_ip must be an address peers can reach, not {media_ip}; to listen on every interface set media_bind_ip = \"0.0.0.0\" and media_ip to the reachable address"
            );
        }
        let media_bind_ip = match args.media_bind_ip.clone().or(file.media_bind_ip) {
            Some(ip) => ip.parse().map_err(|_| {
                anyhow::anyhow!("media_bind_ip {ip:?} must be an IP address (a local interface or 0.0.0.0)")
            })?,
            None => media_ip,
        };
        let media_ports = parse_ports(
            &args
                .media_ports
                .clone()
                .or(file.media_ports)
                .unwrap_or_else(|| "40000-40999".into()),
        )?;
        let recording_retention_days = args
            .recording_retention_days
            .or(file.recording_retention_days)
            .unwrap_or(90);
        let widget_calls_per_address = args
            .widget_calls_per_address
            .or(file.widget_calls_per_address)
            .unwrap_or(3);
        if widget_calls_per_address == 0 {
            bail!("widget_calls_per_address must be at least 1");
        }
        if recording_retention_days == 0 {
            bail!("recording_retention_days must be at least 1");
        }
        if public_url == demo_public_url {
            bail!(
                "the demo CRM must be on another origin than the embed ({public_url}); change demo_listen or demo_public_url"
            );
        }

        let log_format = args
            .log_format
            .clone()
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        let log_json = match log_format.as_str() {
            "text" => false,
            "json" => true,
            other => bail!("log_format must be \"text\" or \"json\", not {other:?}"),
        };
        let session_ttl_secs = args.session_ttl_secs.or(file.session_ttl_secs).unwrap_or(12 * 3600);
        if !(60..=30 * 24 * 3600).contains(&session_ttl_secs) {
            bail!("session_ttl_secs must be between 60 (a minute) and 2592000 (30 days), not {session_ttl_secs}");
        }
        let sign_in = file.sign_in.unwrap_or_default();
        if sign_in.max_failures == 0 || sign_in.window_secs == 0 || sign_in.lockout_secs == 0 {
            bail!("[sign_in] max_failures, window_secs and lockout_secs must all be above 0");
        }

        let turn = turn_config(args, file.turn.unwrap_or_default())?;
        let socket = |name: &str, value: String| -> anyhow::Result<std::net::SocketAddr> {
            value
                .parse()
                .map_err(|_| anyhow::anyhow!("{name} {value:?} must be an IP address and port, e.g. \"0.0.0.0:5060\""))
        };
        let sip = callbar_sip::SipConfig {
            listen: socket(
                "sip_listen",
                args.sip_listen
                    .clone()
                    .or(file.sip_listen)
                    .unwrap_or_else(|| "127.0.0.1:5060".into()),
            )?,
            public_addr: match args.sip_public_addr.clone().or(file.sip_public_addr) {
                Some(v) => Some(socket("sip_public_addr", v)?),
                None => None,
            },
            trunks: file.trunks,
        };
        sip.validate().map_err(|e| anyhow::anyhow!("{e}"))?;

        Ok(Config {
            listen,
            demo_listen,
            public_url,
            demo_public_url,
            demo_site_listen,
            demo_site_public_url,
            media_ip,
            media_bind_ip,
            media_ports,
            recording_retention_days,
            widget_calls_per_address,
            data_dir: data_dir
                .map(Path::to_path_buf)
                .or(file.data_dir)
                .unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
            demo: !args.no_demo && file.demo.unwrap_or(true),
            log_filter: args.log.clone().or(file.log).unwrap_or_else(|| "info".into()),
            log_json,
            session_ttl_secs,
            sign_in,
            turn,
            sip,
        })
    }
}

/// The TURN settings: URLs from the flag (or `CALLBAR_TURN_URLS`) over the file, the secret
/// from `CALLBAR_TURN_SECRET` over the file.
fn turn_config(args: &ServeArgs, mut turn: TurnConfig) -> anyhow::Result<TurnConfig> {
    if let Some(urls) = &args.turn_urls {
        turn.urls = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from)
            .collect();
    }
    if let Ok(secret) = std::env::var("CALLBAR_TURN_SECRET") {
        turn.secret = Some(secret);
    }
    for url in &turn.urls {
        let scheme = url.split(':').next().unwrap_or_default();
        if !matches!(scheme, "turn" | "turns" | "stun" | "stuns") || url.len() <= scheme.len() + 1 {
            bail!("turn url {url:?} must look like turn:host:port, turns:host:port or stun:host:port");
        }
    }
    let relays = turn.urls.iter().any(|u| u.starts_with("turn"));
    match &turn.secret {
        Some(secret) if secret.len() < 16 => bail!("the TURN secret must be at least 16 characters"),
        None if relays => {
            bail!(
                "turn urls need the relay's shared secret: set [turn] secret or CALLBAR_TURN_SECRET (coturn's static-auth-secret)"
            )
        }
        _ => {}
    }
    if turn.ttl_secs == Some(0) {
        bail!("[turn] ttl_secs must be above 0");
    }
    Ok(turn)
}

/// The data folder for admin subcommands, which need nothing else from the file.
pub fn data_dir(config_file: Option<&Path>, data_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = data_dir {
        return Ok(dir.to_path_buf());
    }
    Ok(read_file(config_file)?
        .data_dir
        .unwrap_or_else(|| DEFAULT_DATA_DIR.into()))
}

fn read_file(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileConfig::default());
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the configuration file {}", path.display()));
        }
    };
    toml::from_str(&text).with_context(|| format!("the configuration file {} is invalid", path.display()))
}

/// `"40000-40999"`: an inclusive UDP port range with room for at least 4 ports.
fn parse_ports(value: &str) -> anyhow::Result<std::ops::RangeInclusive<u16>> {
    let parsed = value
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)));
    match parsed {
        Some((a, b)) if a >= 1024 && b >= a + 3 => Ok(a..=b),
        _ => bail!("media_ports {value:?} must be a range like 40000-40999 (above 1023, at least 4 ports)"),
    }
}

fn check_listen(name: &str, value: &str) -> anyhow::Result<()> {
    let ok = value
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !ok {
        bail!("{name} {value:?} must be host:port, e.g. 127.0.0.1:8080 or localhost:8080");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ServeArgs {
        ServeArgs::default()
    }

    #[test]
    fn defaults() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(
            Config::load(Some(&missing), None, &args()).is_err(),
            "an explicit file must exist"
        );
        let c = Config::load(None, None, &args()).unwrap();
        assert_eq!(c.listen, "localhost:8080");
        assert_eq!(c.public_url, "http://localhost:8080");
        assert_eq!(c.demo_public_url, "http://127.0.0.1:8081");
        assert!(c.demo);
    }

    #[test]
    fn flags_beat_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndemo = false\n[sign_in]\nmax_failures = 3\nwindow_secs = 60\nlockout_secs = 10\n").unwrap();
        let c = Config::load(Some(&path), None, &args()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert!(!c.demo);
        assert_eq!(c.sign_in.max_failures, 3);
        let mut a = args();
        a.listen = Some("127.0.0.1:9100".into());
        assert_eq!(Config::load(Some(&path), None, &a).unwrap().listen, "127.0.0.1:9100");
    }

    #[test]
    fn bad_values_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let e = format!("{:#}", Config::load(Some(&path), None, &args()).unwrap_err());
        assert!(e.contains("unknown field `lisen`"), "{e}");

        let mut a = args();
        a.listen = Some("8080".into());
        let e = Config::load(None, None, &a).unwrap_err().to_string();
        assert!(e.contains("host:port"), "{e}");

        let mut a = args();
        a.public_url = Some("ftp://x".into());
        let e = Config::load(None, None, &a).unwrap_err().to_string();
        assert!(e.contains("public_url"), "{e}");

        let mut a = args();
        a.media_ip = Some("0.0.0.0".into());
        let e = Config::load(None, None, &a).unwrap_err().to_string();
        assert!(e.contains("media_bind_ip"), "{e}");
    }

    #[test]
    fn turn_needs_a_secret_and_proper_urls() {
        let mut a = args();
        a.turn_urls = Some("turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349".into());
        let e = Config::load(None, None, &a).unwrap_err().to_string();
        assert!(e.contains("CALLBAR_TURN_SECRET"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[turn]\nsecret = \"a-long-shared-secret\"\n").unwrap();
        let c = Config::load(Some(&path), None, &a).unwrap();
        assert_eq!(c.turn.urls.len(), 2);
        assert_eq!(c.turn.secret.as_deref(), Some("a-long-shared-secret"));

        a.turn_urls = Some("https://turn.example.com".into());
        let e = Config::load(Some(&path), None, &a).unwrap_err().to_string();
        assert!(e.contains("turn:host:port"), "{e}");
    }

    #[test]
    fn behind_nat_media_binds_one_address_and_advertises_another() {
        let mut a = args();
        a.media_ip = Some("203.0.113.7".into());
        a.media_bind_ip = Some("0.0.0.0".into());
        let c = Config::load(None, None, &a).unwrap();
        assert_eq!(c.media_ip.to_string(), "203.0.113.7");
        assert_eq!(c.media_bind_ip.to_string(), "0.0.0.0");
        a.media_bind_ip = None;
        assert_eq!(Config::load(None, None, &a).unwrap().media_bind_ip, c.media_ip);
    }
}
