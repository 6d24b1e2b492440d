//! TURN credentials for agents' browsers.
//!
//! Callbar is ICE-lite: browsers reach its media ports directly. Agents behind firewalls that
//! block UDP need a relay. Rather than hand every browser a long-lived TURN password, the
//! server derives short-lived ones from a secret it shares with the relay, the scheme coturn
//! calls `use-auth-secret` (the "TURN REST API"): the username is `<expiry>:<user id>` and the
//! password is `base64(HMAC-SHA1(secret, username))`. The relay checks both and refuses the
//! credential after the expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use callbar_protocol::channel::IceServer;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::config::TurnConfig;

/// How long credentials work unless configured.
const DEFAULT_TTL: Duration = Duration::from_secs(12 * 3600);

/// The ICE servers for one agent's call, or none when no relay is configured.
pub fn ice_servers(turn: &TurnConfig, user_id: &str, now: SystemTime) -> Vec<IceServer> {
    if turn.urls.is_empty() {
        return Vec::new();
    }
    let (username, credential) = match &turn.secret {
        Some(secret) => {
            let ttl = turn.ttl_secs.map_or(DEFAULT_TTL, Duration::from_secs);
            let expiry = now.duration_since(UNIX_EPOCH).unwrap_or_default() + ttl;
            let username = format!("{}:{user_id}", expiry.as_secs());
            let credential = credential(secret, &username);
            (Some(username), Some(credential))
        }
        None => (None, None),
    };
    vec![IceServer {
        urls: turn.urls.clone(),
        username,
        credential,
    }]
}

fn credential(secret: &str, username: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn() -> TurnConfig {
        TurnConfig {
            urls: vec!["turn:turn.example.com:3478".into()],
            secret: Some("a-long-shared-secret".into()),
            ttl_secs: None,
        }
    }

    #[test]
    fn credentials_follow_coturns_shared_secret_scheme() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let servers = ice_servers(&turn(), "agent-1", now);
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].urls, ["turn:turn.example.com:3478"]);
        // Expires 12 hours later; the password is what coturn computes (checked with Python's hmac).
        assert_eq!(servers[0].username.as_deref(), Some("1700043200:agent-1"));
        assert_eq!(servers[0].credential.as_deref(), Some("lemkpBvdhWp/EGOSjb0Mkr59w9k="));
    }

    #[test]
    fn no_urls_no_servers_and_stun_needs_no_secret() {
        assert!(ice_servers(&TurnConfig::default(), "a", SystemTime::now()).is_empty());
        let stun = TurnConfig {
            urls: vec!["stun:stun.example.com:3478".into()],
            ..TurnConfig::default()
        };
        let servers = ice_servers(&stun, "a", SystemTime::now());
        assert_eq!(
            (servers[0].username.as_ref(), servers[0].credential.as_ref()),
            (None, None)
        );
    }
}
