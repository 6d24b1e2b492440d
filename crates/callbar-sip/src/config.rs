//! Trunks: the SIP peers Callbar exchanges calls with, and the checks on their settings.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use serde::{Deserialize, Serialize};

use crate::SipError;

/// How Callbar's SIP side listens and which peers it talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipConfig {
    /// Where SIP is received (UDP and TCP on the same port).
    pub listen: SocketAddr,
    /// The address peers reach us at, for Contact and Via (default: `listen`). Set it when
    /// listening on `0.0.0.0` or behind NAT.
    #[serde(default)]
    pub public_addr: Option<SocketAddr>,
    #[serde(default)]
    pub trunks: Vec<TrunkConfig>,
}

/// A carrier or PBX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    /// A name for logs and the API.
    pub name: String,
    /// The peer's `host:port` (outbound INVITEs and registrations go here).
    pub address: String,
    #[serde(default)]
    pub transport: Transport,
    /// Digest credentials, when the peer challenges our requests.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Register with the peer (needs `username` and `password`).
    #[serde(default)]
    pub register: bool,
    /// Addresses this trunk's requests may come from; default: the addresses `address`
    /// resolves to. Requests from any other address are dropped unanswered.
    #[serde(default)]
    pub allowed_sources: Vec<IpAddr>,
}

/// The transport toward a trunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Udp,
    Tcp,
}

impl TrunkConfig {
    /// The peer's socket address (resolved now).
    pub fn peer(&self) -> Result<SocketAddr, SipError> {
        self.address
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                SipError::Config(format!(
                    "trunk {:?}: address {:?} is not a reachable host:port",
                    self.name, self.address
                ))
            })
    }

    /// Where this trunk's requests may come from.
    pub fn sources(&self) -> Result<Vec<IpAddr>, SipError> {
        if self.allowed_sources.is_empty() {
            Ok(vec![self.peer()?.ip()])
        } else {
            Ok(self.allowed_sources.clone())
        }
    }

    /// Checks the settings; the error says which setting is wrong and how to fix it.
    pub fn validate(&self) -> Result<(), SipError> {
        let bad = |why: String| Err(SipError::Config(format!("trunk {:?}: {why}", self.name)));
        if self.name.trim().is_empty() || self.name.len() > 80 {
            return bad("give the trunk a name of 1 to 80 characters".into());
        }
        if !self.address.contains(':') {
            return bad(format!(
                "address {:?} needs a port, e.g. \"sip.example.net:5060\"",
                self.address
            ));
        }
        self.peer()?;
        if self.register && (self.username.is_none() || self.password.is_none()) {
            return bad("register = true needs username and password".into());
        }
        if self.username.is_some() != self.password.is_some() {
            return bad("set both username and password, or neither".into());
        }
        Ok(())
    }
}

impl SipConfig {
    /// Checks every trunk and that names are unique.
    pub fn validate(&self) -> Result<(), SipError> {
        for (i, t) in self.trunks.iter().enumerate() {
            t.validate()?;
            if self.trunks[..i].iter().any(|o| o.name == t.name) {
                return Err(SipError::Config(format!("two trunks are named {:?}", t.name)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk() -> TrunkConfig {
        TrunkConfig {
            name: "carrier".into(),
            address: "127.0.0.1:5070".into(),
            transport: Transport::Udp,
            username: None,
            password: None,
            register: false,
            allowed_sources: vec![],
        }
    }

    #[test]
    fn sources_default_to_the_peer() {
        assert_eq!(trunk().sources().unwrap(), vec![IpAddr::from([127, 0, 0, 1])]);
    }

    #[test]
    fn bad_settings_are_explained() {
        let mut t = trunk();
        t.address = "127.0.0.1".into();
        assert!(t.validate().unwrap_err().to_string().contains("needs a port"));
        let mut t = trunk();
        t.register = true;
        assert!(t.validate().unwrap_err().to_string().contains("username and password"));
        let config = SipConfig {
            listen: "127.0.0.1:5060".parse().unwrap(),
            public_addr: None,
            trunks: vec![trunk(), trunk()],
        };
        assert!(config.validate().unwrap_err().to_string().contains("two trunks"));
    }
}
