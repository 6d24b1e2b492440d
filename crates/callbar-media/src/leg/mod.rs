//! Legs: one media connection each, WebRTC (str0m) or plain RTP, behind one interface.
//!
//! A leg is two things:
//!
//! - [`LegCore`] (crate-private) is the leg's state: its UDP socket, its protocol
//!   ([`webrtc::WebRtcProto`] or [`rtp::RtpProto`]), counters, timeouts and outgoing
//!   timeline. It is synchronous and owned by exactly one task at a time; that task awaits
//!   the socket and the core's deadline and feeds them in, the way str0m itself is driven.
//! - [`Leg`] is the public handle. A new leg is driven at once by its own small task
//!   ([`standalone`]), so ICE and DTLS proceed and its events ([`LegEvent`]) can be read
//!   before it joins a call. When a [`Call`](crate::Call) takes the leg, that task hands the
//!   core over and ends: from then on the call's task drives both of its legs itself, so a
//!   bridged frame goes from one socket to the other without a channel or a task hop.
//!
//! Closing: a leg closes once, with a [`CloseReason`], when the remote closes (DTLS
//! close_notify), ICE consent expires, it does not connect within the connect timeout, no
//! media arrives for the inactivity timeout, or we close it.

mod dtls;
pub(crate) mod rtp;
mod socket;
mod srtp;
mod standalone;
mod stats;
pub(crate) mod timeline;
pub(crate) mod webrtc;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

pub(crate) use dtls::warm_up;
pub(crate) use socket::LegSocket;

pub use stats::{LegStats, LegStatsHandle};

use crate::dtmf::{Dtmf, DtmfReceiver};
use crate::{Codec, MediaConfig, MediaError};
use stats::StatsCell;
use timeline::{OutClock, Source};

/// Identifies a leg in logs and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(u64);

impl LegId {
    fn next() -> LegId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        LegId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl std::fmt::Display for LegId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "leg-{}", self.0)
    }
}

/// Which protocol a leg speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKind {
    /// A browser: ICE-lite, DTLS-SRTP, PCMU.
    WebRtc,
    /// A SIP trunk: RTP/AVP, PCMU or PCMA.
    Rtp,
}

/// What happens on a leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEvent {
    /// Media can flow (WebRTC: ICE and DTLS are up; RTP: the remote address is known).
    Connected,
    /// A key press, reported once (RFC 4733 end of event, retransmissions ignored).
    Dtmf(Dtmf),
    /// The leg is gone; nothing more follows.
    Closed(CloseReason),
}

/// Why a leg closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CloseReason {
    /// We closed it (hang-up, or the handle was dropped).
    Local,
    /// The remote closed it (DTLS close_notify / RTCP BYE).
    Remote,
    /// Not connected within `MediaConfig::connect_timeout_ms`.
    ConnectTimeout,
    /// No media for `MediaConfig::inactivity_timeout_ms`.
    Inactivity,
    /// ICE consent expired (the browser stopped answering).
    IceDisconnected,
    /// The protocol stack failed (DTLS failure, socket error).
    Failed(String),
}

/// A received audio frame, borrowed from the receive path.
#[derive(Debug)]
pub(crate) struct InFrame<'a> {
    pub(crate) codec: Codec,
    pub(crate) payload: &'a [u8],
    /// The same bytes, already shared (WebRTC receive): forwarding to a WebRTC leg clones the
    /// `Arc` instead of copying.
    pub(crate) shared: Option<&'a Arc<[u8]>>,
    pub(crate) timestamp: u32,
}

/// What a leg's core reports to the task that drives it.
#[derive(Debug)]
pub(crate) enum LegOutput<'a> {
    Event(LegEvent),
    Audio(InFrame<'a>),
}

/// A frame to send on a leg.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutFrame<'a> {
    pub(crate) codec: Codec,
    pub(crate) payload: &'a [u8],
    pub(crate) shared: Option<&'a Arc<[u8]>>,
    pub(crate) source: Source,
    pub(crate) timestamp: u32,
}

/// What a protocol reports to the core.
#[derive(Debug)]
pub(crate) enum ProtoEvent<'a> {
    Connected,
    Audio(InFrame<'a>),
    /// One telephone-event packet: (event timestamp, code, end, duration so far).
    Tele(u64, u8, bool, u32),
    Closed(CloseReason),
}

enum Proto {
    WebRtc(Box<webrtc::WebRtcProto>),
    Rtp(Box<rtp::RtpProto>),
}

/// The socket and counters a protocol uses.
pub(crate) struct Io<'a> {
    pub(crate) socket: &'a LegSocket,
    pub(crate) stats: &'a StatsCell,
}

impl Io<'_> {
    /// Sends a datagram now; UDP is lossy anyway, so a full socket buffer drops it.
    pub(crate) fn send(&self, data: &[u8], to: SocketAddr) {
        if let Err(e) = self.socket.send_to(data, to) {
            tracing::trace!(%to, error = %e, "udp send dropped");
        }
    }
}

/// A leg's state, driven by whichever task owns it.
pub(crate) struct LegCore {
    pub(crate) id: LegId,
    pub(crate) socket: LegSocket,
    proto: Proto,
    stats: Arc<StatsCell>,
    created: Instant,
    connect_timeout: Duration,
    inactivity_timeout: Duration,
    connected: bool,
    closed: bool,
    last_media: Instant,
    pending: VecDeque<LegEvent>,
    clock: OutClock,
    dtmf_in: DtmfReceiver,
}

/// Far enough in the future to mean "no deadline" without overflowing `Instant` arithmetic.
pub(crate) fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(3600)
}

impl LegCore {
    pub(crate) fn webrtc(socket: UdpSocket, proto: webrtc::WebRtcProto, config: &MediaConfig, now: Instant) -> LegCore {
        LegCore::new(socket, Proto::WebRtc(Box::new(proto)), config, now)
    }

    pub(crate) fn rtp(socket: UdpSocket, proto: rtp::RtpProto, config: &MediaConfig, now: Instant) -> LegCore {
        LegCore::new(socket, Proto::Rtp(Box::new(proto)), config, now)
    }

    fn new(socket: UdpSocket, proto: Proto, config: &MediaConfig, now: Instant) -> LegCore {
        LegCore {
            id: LegId::next(),
            socket: LegSocket::Awaited(socket),
            proto,
            stats: Arc::new(StatsCell::new(now)),
            created: now,
            connect_timeout: config.connect_timeout(),
            inactivity_timeout: config.inactivity_timeout(),
            connected: false,
            closed: false,
            last_media: now,
            pending: VecDeque::new(),
            clock: OutClock::new(),
            dtmf_in: DtmfReceiver::default(),
        }
    }

    /// Applies a new remote SDP to a plain-RTP leg (see [`rtp::RtpProto::update_remote`]).
    pub(crate) fn update_remote(&mut self, remote: &crate::sdp::RemoteAudio) -> Result<(), MediaError> {
        match &mut self.proto {
            Proto::Rtp(p) => {
                p.update_remote(remote);
                Ok(())
            }
            Proto::WebRtc(_) => Err(MediaError::NotRtp),
        }
    }

    pub(crate) fn kind(&self) -> LegKind {
        match self.proto {
            Proto::WebRtc(_) => LegKind::WebRtc,
            Proto::Rtp(_) => LegKind::Rtp,
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected && !self.closed
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// The codec this leg sends.
    pub(crate) fn codec(&self) -> Codec {
        match &self.proto {
            Proto::WebRtc(_) => Codec::Pcmu,
            Proto::Rtp(p) => p.codec(),
        }
    }

    /// When the driving task must call [`LegCore::on_timeout`] next.
    pub(crate) fn deadline(&self) -> Instant {
        if !self.pending.is_empty() {
            return self.created;
        }
        let proto = match &self.proto {
            Proto::WebRtc(p) => p.deadline(),
            Proto::Rtp(p) => p.deadline(),
        };
        let watchdog = if self.connected {
            if self.inactivity_exempt() {
                far_future(self.last_media)
            } else {
                self.last_media + self.inactivity_timeout
            }
        } else {
            self.created + self.connect_timeout
        };
        proto.min(watchdog)
    }

    fn inactivity_exempt(&self) -> bool {
        matches!(&self.proto, Proto::Rtp(p) if !p.remote_sends())
    }

    /// Feeds one received datagram.
    pub(crate) fn on_datagram(
        &mut self,
        now: Instant,
        data: &[u8],
        source: SocketAddr,
        emit: &mut dyn FnMut(LegOutput<'_>),
    ) {
        if self.closed {
            return;
        }
        self.flush_pending(emit);
        self.drive(now, emit, |proto, io, on| match proto {
            Proto::WebRtc(p) => p.on_datagram(now, data, source, io, on),
            Proto::Rtp(p) => p.on_datagram(now, data, source, io, on),
        });
    }

    /// Runs `step` on the protocol with the socket and counters it sends with, turning what
    /// it reports into leg outputs (connected, audio, DTMF, closed).
    fn drive(
        &mut self,
        now: Instant,
        emit: &mut dyn FnMut(LegOutput<'_>),
        step: impl FnOnce(&mut Proto, &Io<'_>, &mut dyn FnMut(ProtoEvent<'_>)),
    ) {
        let io = Io {
            socket: &self.socket,
            stats: &self.stats,
        };
        let mut state = EmitState {
            connected: &mut self.connected,
            closed: &mut self.closed,
            last_media: &mut self.last_media,
            dtmf_in: &mut self.dtmf_in,
            stats: &self.stats,
            now,
        };
        let mut on = |e: ProtoEvent<'_>| state.on_proto_event(e, emit);
        step(&mut self.proto, &io, &mut on);
    }

    /// Advances timers: protocol retransmissions, DTMF packets, watchdogs.
    pub(crate) fn on_timeout(&mut self, now: Instant, emit: &mut dyn FnMut(LegOutput<'_>)) {
        if self.closed {
            return;
        }
        self.flush_pending(emit);
        if !self.connected && now >= self.created + self.connect_timeout {
            self.close(now, CloseReason::ConnectTimeout, emit);
            return;
        }
        if self.connected && !self.inactivity_exempt() && now >= self.last_media + self.inactivity_timeout {
            self.close(now, CloseReason::Inactivity, emit);
            return;
        }
        self.drive(now, emit, |proto, io, on| match proto {
            Proto::WebRtc(p) => p.on_timeout(now, io, on),
            Proto::Rtp(p) => p.on_timeout(now, io, on),
        });
    }

    /// Sends one audio frame; returns the timestamp it got on this leg's timeline (for the
    /// recorder), or `None` if it was not sent (not connected, or the remote holds us).
    pub(crate) fn send_audio(&mut self, now: Instant, frame: &OutFrame<'_>) -> Option<u64> {
        if !self.is_connected() {
            return None;
        }
        let samples = frame.payload.len() as u32;
        let (ts, marker) = self.clock.stamp(frame.source, frame.timestamp, samples, now);
        let io = Io {
            socket: &self.socket,
            stats: &self.stats,
        };
        let sent = match &mut self.proto {
            Proto::WebRtc(p) => p.send_audio(now, ts, marker, frame, &io, &mut self.pending),
            Proto::Rtp(p) => p.send_audio(ts, marker, frame, &io),
        };
        sent.then_some(ts)
    }

    /// Starts one telephone event toward the remote.
    pub(crate) fn send_dtmf(&mut self, now: Instant, event: u8, duration: Duration) {
        if !self.is_connected() {
            return;
        }
        let ts = self.clock.next_ts();
        let io = Io {
            socket: &self.socket,
            stats: &self.stats,
        };
        let sent = match &mut self.proto {
            Proto::WebRtc(p) => p.send_dtmf(now, ts, event, duration, &io, &mut self.pending),
            Proto::Rtp(p) => p.send_dtmf(now, ts, event, duration, &io),
        };
        if sent {
            StatsCell::add(&self.stats.dtmf_out, 1);
        }
    }

    /// Closes the leg (once) and reports [`LegEvent::Closed`].
    pub(crate) fn close(&mut self, now: Instant, reason: CloseReason, emit: &mut dyn FnMut(LegOutput<'_>)) {
        if self.closed {
            return;
        }
        self.closed = true;
        tracing::debug!(leg = %self.id, ?reason, "leg closed");
        let io = Io {
            socket: &self.socket,
            stats: &self.stats,
        };
        if let Proto::WebRtc(p) = &mut self.proto {
            p.close(now, &io);
        }
        self.flush_pending(emit);
        emit(LegOutput::Event(LegEvent::Closed(reason)));
    }

    fn flush_pending(&mut self, emit: &mut dyn FnMut(LegOutput<'_>)) {
        while let Some(e) = self.pending.pop_front() {
            emit(LegOutput::Event(e));
        }
    }

    pub(crate) fn stats_handle(&self) -> LegStatsHandle {
        LegStatsHandle(self.stats.clone())
    }
}

/// The core's bookkeeping for protocol events, split from `LegCore` so the protocol can be
/// borrowed mutably at the same time.
struct EmitState<'a> {
    connected: &'a mut bool,
    closed: &'a mut bool,
    last_media: &'a mut Instant,
    dtmf_in: &'a mut DtmfReceiver,
    stats: &'a StatsCell,
    now: Instant,
}

impl EmitState<'_> {
    fn on_proto_event(&mut self, e: ProtoEvent<'_>, emit: &mut dyn FnMut(LegOutput<'_>)) {
        if *self.closed {
            return;
        }
        match e {
            ProtoEvent::Connected => {
                if !*self.connected {
                    *self.connected = true;
                    *self.last_media = self.now;
                    emit(LegOutput::Event(LegEvent::Connected));
                }
            }
            ProtoEvent::Audio(frame) => {
                *self.last_media = self.now;
                emit(LegOutput::Audio(frame));
            }
            ProtoEvent::Tele(ts, event, end, duration_ms) => {
                *self.last_media = self.now;
                let stats = self.stats;
                self.dtmf_in.on_packet(ts, event, end, duration_ms, |d| {
                    StatsCell::add(&stats.dtmf_in, 1);
                    emit(LegOutput::Event(LegEvent::Dtmf(d)));
                });
            }
            ProtoEvent::Closed(reason) => {
                *self.closed = true;
                emit(LegOutput::Event(LegEvent::Closed(reason)));
            }
        }
    }
}

/// What a [`Leg`] handle asks of the task that drives it.
pub(crate) enum Control {
    /// Give the core to a call.
    Handover(oneshot::Sender<LegCore>),
}

/// A media connection: a browser's WebRTC peer connection or a trunk's RTP stream.
///
/// Created by [`Media::webrtc_leg`](crate::Media::webrtc_leg) or
/// [`Media::rtp_answer`](crate::Media::rtp_answer); driven by its own task until a
/// [`Call`](crate::Call) takes it. Dropping a `Leg` that is not in a call closes it.
#[derive(Debug)]
pub struct Leg {
    id: LegId,
    kind: LegKind,
    local_addr: SocketAddr,
    stats: LegStatsHandle,
    control: mpsc::UnboundedSender<Control>,
    events: mpsc::UnboundedReceiver<LegEvent>,
}

impl Leg {
    /// Starts driving `core` on its own task.
    pub(crate) fn spawn(core: LegCore, local_addr: SocketAddr) -> Leg {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let leg = Leg {
            id: core.id,
            kind: core.kind(),
            local_addr,
            stats: core.stats_handle(),
            control,
            events,
        };
        tokio::spawn(standalone::run(core, control_rx, events_tx));
        leg
    }

    /// The leg's id.
    pub fn id(&self) -> LegId {
        self.id
    }

    /// WebRTC or RTP.
    pub fn kind(&self) -> LegKind {
        self.kind
    }

    /// The advertised address of the leg's socket (what the remote sends to).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The leg's counters now.
    pub fn stats(&self) -> LegStats {
        self.stats.snapshot()
    }

    /// A handle on the counters that outlives the leg (for metrics).
    pub fn stats_handle(&self) -> LegStatsHandle {
        self.stats.clone()
    }

    /// The next event of a leg that is not in a call; `None` once it has closed.
    pub async fn next_event(&mut self) -> Option<LegEvent> {
        self.events.recv().await
    }

    /// Takes the core from the leg's own task, with the events it reported that nobody
    /// read yet; or, if the leg has already ended, why.
    pub(crate) async fn into_core(self) -> Result<(LegCore, Vec<LegEvent>), CloseReason> {
        let (tx, rx) = oneshot::channel();
        let core = match self.control.send(Control::Handover(tx)) {
            Ok(()) => rx.await.ok(),
            Err(_) => None,
        };
        let mut events = self.events;
        let mut earlier = Vec::new();
        while let Ok(e) = events.try_recv() {
            earlier.push(e);
        }
        match core {
            Some(core) => Ok((core, earlier)),
            None => Err(earlier
                .into_iter()
                .find_map(|e| match e {
                    LegEvent::Closed(reason) => Some(reason),
                    _ => None,
                })
                .unwrap_or(CloseReason::Local)),
        }
    }
}

/// A random number for SSRCs, sequence numbers and SDP session ids (not for secrets).
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}
