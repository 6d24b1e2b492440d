//! Configuration of the media engine: addresses, ports, timeouts, where recordings go.

use std::net::{IpAddr, Ipv4Addr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

/// How the media engine binds, advertises and times out its legs.
///
/// Every leg has its own UDP socket from `ports` bound on `bind_ip`; WebRTC answers and RTP
/// SDP carry `advertise_ip` and that port. Behind NAT, bind the private address (or
/// `0.0.0.0`), advertise the public one and forward the port range (UDP) to this host; agents
/// behind firewalls that block UDP need a TURN server (coturn) configured in their browser.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MediaConfig {
    /// The address the legs' sockets bind to.
    pub bind_ip: IpAddr,
    /// The address put in ICE candidates and SDP `c=` lines: a LAN or public IP. Must not be
    /// unspecified (`0.0.0.0`).
    pub advertise_ip: IpAddr,
    /// The UDP ports legs may use, one per leg; a bridged call uses two.
    pub ports: RangeInclusive<u16>,
    /// Where relative recording paths are put.
    pub recordings_dir: PathBuf,
    /// A leg that is not connected this long after it was created closes
    /// ([`CloseReason::ConnectTimeout`](crate::CloseReason::ConnectTimeout)).
    pub connect_timeout_ms: u64,
    /// A connected leg that receives no media this long closes
    /// ([`CloseReason::Inactivity`](crate::CloseReason::Inactivity)); a trunk that put us
    /// on hold (`sendonly` or `inactive` toward us) is exempt.
    pub inactivity_timeout_ms: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        MediaConfig {
            bind_ip: localhost,
            advertise_ip: localhost,
            ports: 40000..=40999,
            recordings_dir: PathBuf::from("recordings"),
            connect_timeout_ms: 15_000,
            inactivity_timeout_ms: 30_000,
        }
    }
}

impl MediaConfig {
    /// A configuration that binds and advertises `ip`, with the other defaults.
    pub fn on(ip: IpAddr) -> MediaConfig {
        MediaConfig {
            bind_ip: ip,
            advertise_ip: ip,
            ..MediaConfig::default()
        }
    }

    /// The connect timeout as a [`Duration`].
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// The inactivity timeout as a [`Duration`].
    pub fn inactivity_timeout(&self) -> Duration {
        Duration::from_millis(self.inactivity_timeout_ms)
    }
}
