//! [`Media`]: the engine's entry point, shared by the server. It owns the configuration and
//! the port pool and creates legs and calls.
//!
//! **One socket per leg.** Each leg binds its own UDP port from the configured range. The
//! kernel then demultiplexes by port, and a call's task reads its two legs' sockets directly:
//! no dispatcher task, no channel per packet, no `Rtc::accepts` scan over every leg. The cost
//! is ports: a bridged call uses two, so the range must hold twice the concurrent calls
//! (the default 1,000 ports serve 500 calls), and a NAT in front must forward the range.

use std::net::{IpAddr, SocketAddr, UdpSocket as StdUdpSocket};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::net::UdpSocket;

use crate::call::{Call, CallConfig, CallEvents, Clock};
use crate::leg::rtp::RtpProto;
use crate::leg::webrtc::WebRtcProto;
use crate::leg::{Leg, LegCore, random_u64};
use crate::sdp::{self, LocalDescription, SdpError};
use crate::{MediaConfig, MediaError};

/// The media engine: cheap to clone, shared by everything that creates legs and calls.
///
/// Every method that creates a leg or a call must run inside a Tokio runtime (legs are driven
/// by tasks).
#[derive(Debug, Clone)]
pub struct Media {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: MediaConfig,
    ports: PortPool,
    /// Started with the first call, on its runtime.
    clock: OnceLock<Clock>,
}

impl Media {
    /// A media engine with `config`. Pays the process's one-time crypto start-up (about
    /// 40 ms) here, so the first call does not.
    pub fn new(config: MediaConfig) -> Media {
        crate::leg::warm_up();
        let ports = PortPool::new(config.ports.clone());
        Media {
            inner: Arc::new(Inner {
                config,
                ports,
                clock: OnceLock::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MediaConfig {
        &self.inner.config
    }

    /// Answers a browser's WebRTC offer: returns the SDP answer (ICE-lite, one host candidate
    /// at `advertise_ip:port`, PCMU and telephone-event/8000) and the leg, already being
    /// driven. Refuses offers without PCMU ([`MediaError::NoPcmu`]).
    pub fn webrtc_leg(&self, offer_sdp: &str) -> Result<(String, Leg), MediaError> {
        let now = Instant::now();
        let (socket, advertised) = self.bind()?;
        let (answer, proto) = WebRtcProto::answer(offer_sdp, advertised, now)?;
        let core = LegCore::webrtc(socket, proto, &self.inner.config, now);
        Ok((answer, Leg::spawn(core, advertised)))
    }

    /// Answers a trunk's SDP offer with plain RTP/AVP: returns our answer (the remote's
    /// first G.711 codec, telephone-event if offered, mirrored direction; `.to_sdp()` for the
    /// text, and keep it to make later offers in the dialog, e.g. to hold) and the leg.
    ///
    /// The leg sends to the offer's address until media arrives, then to where it came from;
    /// only media from the offer's IP address or from `trusted` (the trunk's signalling
    /// addresses) is taken for the peer's (see `leg/rtp.rs`).
    pub fn rtp_answer(&self, offer_sdp: &str, trusted: &[IpAddr]) -> Result<(LocalDescription, Leg), MediaError> {
        let remote = sdp::parse(offer_sdp)?;
        let now = Instant::now();
        let proto = RtpProto::new(&remote, trusted).ok_or(SdpError::NoCommonCodec)?;
        let (socket, advertised) = self.bind()?;
        let answer = LocalDescription::answer(advertised.ip(), advertised.port(), &remote, random_u64() >> 2)?;
        let core = LegCore::rtp(socket, proto, &self.inner.config, now);
        Ok((answer, Leg::spawn(core, advertised)))
    }

    /// Starts an outgoing RTP leg: reserves a port and returns our offer (PCMU, PCMA,
    /// telephone-event/8000; `.to_sdp()` for the text). The leg exists once the remote's answer is applied with
    /// [`RtpOffer::accept_answer`] (at 183 with SDP for early media, or at 200).
    pub fn rtp_offer(&self) -> Result<(LocalDescription, RtpOffer), MediaError> {
        let (socket, advertised) = self.bind()?;
        let offer = LocalDescription::offer(advertised.ip(), advertised.port(), random_u64() >> 2);
        Ok((
            offer,
            RtpOffer {
                media: self.clone(),
                socket,
                advertised,
            },
        ))
    }

    /// Starts a call whose customer is `customer`: it hears the waiting tone until an agent
    /// is attached. Returns the call handle and its event stream.
    pub fn call(&self, customer: Leg, config: CallConfig) -> (Call, CallEvents) {
        let clock = self.inner.clock.get_or_init(Clock::start).clone();
        Call::start(customer, config, self.inner.config.recordings_dir.clone(), clock)
    }

    /// The media clock, once a call started it.
    #[cfg(test)]
    pub(crate) fn clock(&self) -> Option<&Clock> {
        self.inner.clock.get()
    }

    /// Binds a socket from the port range; returns it with the address to advertise.
    fn bind(&self) -> Result<(UdpSocket, SocketAddr), MediaError> {
        let config = &self.inner.config;
        let std_socket = self.inner.ports.bind(config.bind_ip)?;
        let port = std_socket.local_addr()?.port();
        std_socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(std_socket)?;
        Ok((socket, SocketAddr::new(config.advertise_ip, port)))
    }
}

/// An outgoing RTP leg waiting for the remote's answer; its port stays reserved.
#[derive(Debug)]
pub struct RtpOffer {
    media: Media,
    socket: UdpSocket,
    advertised: SocketAddr,
}

impl RtpOffer {
    /// The address in our offer.
    pub fn local_addr(&self) -> SocketAddr {
        self.advertised
    }

    /// Applies the remote's SDP answer and starts the leg; media is taken from the answer's
    /// IP address or from `trusted`, as with [`Media::rtp_answer`].
    pub fn accept_answer(self, answer_sdp: &str, trusted: &[IpAddr]) -> Result<Leg, MediaError> {
        let remote = sdp::parse(answer_sdp)?;
        let proto = RtpProto::new(&remote, trusted).ok_or(SdpError::NoCommonCodec)?;
        let core = LegCore::rtp(self.socket, proto, &self.media.inner.config, Instant::now());
        Ok(Leg::spawn(core, self.advertised))
    }
}

/// Hands out ports of the range round-robin, skipping ports that are in use.
#[derive(Debug)]
struct PortPool {
    range: RangeInclusive<u16>,
    next: AtomicU32,
}

impl PortPool {
    fn new(range: RangeInclusive<u16>) -> PortPool {
        PortPool {
            range,
            next: AtomicU32::new(0),
        }
    }

    fn bind(&self, ip: std::net::IpAddr) -> Result<StdUdpSocket, MediaError> {
        let (start, end) = (u32::from(*self.range.start()), u32::from(*self.range.end()));
        if end < start {
            return Err(MediaError::NoPort(self.range.clone()));
        }
        let len = end - start + 1;
        for _ in 0..len {
            let port = start + self.next.fetch_add(1, Ordering::Relaxed) % len;
            // Port 0 would be any port, and one the socket loses if it is ever disconnected
            // (leg/socket.rs).
            if port == 0 {
                continue;
            }
            if let Ok(socket) = StdUdpSocket::bind((ip, port as u16)) {
                return Ok(socket);
            }
        }
        Err(MediaError::NoPort(self.range.clone()))
    }
}
