//! The WebRTC side of a leg: str0m as an ICE-lite answerer speaking PCMU and
//! telephone-event/8000 (the recipe proven in `media-notes.md`).
//!
//! - The answer has `a=ice-lite` and one host candidate, `advertise_ip:port`. An ICE-lite
//!   server learns the browser's address from its first STUN request, so the browser may post
//!   its offer without waiting for candidate gathering, and `.local` mDNS names never matter.
//! - Only PCMU is answered (plus telephone-event/8000): a browser↔trunk bridge then copies
//!   G.711 bytes. An offer without PCMU is refused with [`MediaError::NoPcmu`].
//! - str0m's ICE-lite state goes Checking → Completed, never "Connected"; media may be sent
//!   only after `Event::Connected` (DTLS done), earlier writes are dropped.
//! - Every mutation of the `Rtc` is followed by a full drain of `poll_output` (str0m's
//!   single-mutation invariant); transmits go straight to the socket.
//! - str0m runs in RTP mode: it does ICE, DTLS, SRTP and RTCP, and hands us each RTP packet
//!   as it arrives; we write whole RTP packets (our sequence numbers, the bridge's
//!   timestamps). G.711 needs no packetizer, and a bridge forwards rather than reorders (the
//!   far end's jitter buffer does that), so str0m's sample layer (depacketizing, reordering,
//!   packetizing) would only cost CPU and hold late frames back. DTMF goes out as RFC 4733
//!   packets from [`EventPackets`], the same schedule as toward a trunk.
//! - Once DTLS is up and str0m has sent one audio packet for us, the leg's audio takes the
//!   lean SRTP path ([`super::srtp`]): sealed and opened here with the keys DTLS exported,
//!   without str0m. str0m keeps ICE, DTLS, RTCP and anything that path does not know.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::{Codec as RtcCodec, FormatParams};
use str0m::media::{Direction, Frequency, MediaKind, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{Extension, RtpPacket, RtpWrite};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};

use super::srtp::{Context, Inbound, KeySlot, Opened, Outbound};
use super::stats::StatsCell;
use super::{CloseReason, InFrame, Io, LegEvent, OutFrame, ProtoEvent, far_future, random_u64};
use crate::dtmf::EventPackets;
use crate::rtp::EventPayload;
use crate::{Codec, MediaError};

/// The telephone-event payload type we configure (str0m answers with the offerer's).
const TELE_PT: u8 = 101;

/// A str0m peer connection on one UDP socket.
pub(crate) struct WebRtcProto {
    rtc: Rtc,
    mid: Option<Mid>,
    pcmu: Option<Pt>,
    /// The negotiated telephone-event payload type, if any.
    tele: Option<Pt>,
    /// Our candidate address: the destination str0m expects on received datagrams.
    local: SocketAddr,
    deadline: Instant,
    last_seq: Option<u64>,
    /// Whether DTLS completed (media may flow).
    up: bool,
    /// Whether ICE ever completed (a later Disconnected is consent loss).
    ice_up: bool,
    /// Scratch space for PCMA→PCMU transcoding.
    scratch: Vec<u8>,
    /// The extended sequence number of the last packet written (starts random below 2^15,
    /// so the SRTP rollover counter starts at 0 as the receiver assumes).
    seq_out: u64,
    /// Added to the bridge's timestamps (a random start, RFC 3550 §5.1).
    ts_base: u32,
    /// The telephone event being sent.
    dtmf: Option<EventPackets>,
    /// Where the DTLS session leaves the SRTP keys.
    keys: Arc<KeySlot>,
    lean: Lean,
}

/// The lean SRTP path's state.
enum Lean {
    /// Waiting for DTLS and for str0m's first audio packet.
    Waiting,
    /// Audio is sealed here; received audio is opened here once str0m has delivered one
    /// packet of the stream (`open` holds the receive context until then).
    On(Box<LeanPath>),
    /// The keys are of a profile the path does not know: str0m does all of the SRTP.
    Off,
}

/// The lean path of a leg that has it.
struct LeanPath {
    outbound: Outbound,
    /// Where str0m sent its audio: the remote of the selected ICE pair.
    to: SocketAddr,
    open: Option<Context>,
    inbound: Option<Inbound>,
    /// Reused buffers for a sealed packet and an opened payload (zeroing a fresh one per
    /// packet showed in the profile).
    wire: Vec<u8>,
    plain: Vec<u8>,
}

impl Lean {
    /// Follows what str0m sends once DTLS is up: its first audio packet starts the path (if
    /// the keys are known), and its RTP and RTCP show where the selected ICE pair's remote is
    /// (str0m follows a change of pair, so the path does too).
    fn on_transmit(&mut self, keys: &KeySlot, sent: &[u8], to: SocketAddr) {
        // RFC 7983: RTP and RTCP start with 128–191; RFC 5761: RTCP's types are 192–223.
        let Some(&[first, second]) = sent.get(..2) else {
            return;
        };
        if !(128..=191).contains(&first) {
            return;
        }
        match self {
            Lean::On(path) => path.to = to,
            Lean::Waiting if !(192..=223).contains(&second) && keys.is_filled() => self.start(keys, sent, to),
            Lean::Waiting | Lean::Off => {}
        }
    }

    /// Starts the path on str0m's first audio packet, `sent` to `to`.
    fn start(&mut self, keys: &KeySlot, sent: &[u8], to: SocketAddr) {
        let contexts = keys.contexts(&super::dtls::crypto_provider());
        tracing::debug!(?contexts, "lean SRTP path");
        *self = match contexts {
            Some((seal, open)) => match Outbound::new(seal, sent) {
                Some(outbound) => Lean::On(Box::new(LeanPath {
                    outbound,
                    to,
                    open: Some(open),
                    inbound: None,
                    wire: vec![0; crate::RECV_BUFFER],
                    plain: vec![0; crate::RECV_BUFFER],
                })),
                None => Lean::Off,
            },
            None => Lean::Off,
        };
    }
}

/// How [`WebRtcProto::write`] sent a packet.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    /// Sealed and sent on the lean path.
    Sent,
    /// Given to str0m, which encrypts it: a drain must follow.
    ToStr0m,
    /// Not sent (no audio stream yet).
    Not,
}

impl std::fmt::Debug for WebRtcProto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRtcProto")
            .field("mid", &self.mid)
            .field("up", &self.up)
            .finish()
    }
}

/// str0m configured for one PCMU audio stream, trimmed of per-packet work a G.711 call does
/// not need (measured with `bridge_load`, each about 15–25 % of a call's CPU, RTP mode about
/// 8 %):
/// - only the `mid` header extension: no transport-wide congestion control sequence numbers
///   and feedback, no audio-level or send-time extensions on every packet;
/// - a send buffer of 4 packets instead of 50: every write is one packet and is drained at
///   once, and PCMU negotiates no NACK, so nothing is ever resent from it;
/// - RTP mode: no sample layer (see the module docs);
/// - the DTLS configuration validated once per process ([`super::dtls`]), not per leg.
pub(crate) fn rtc_config(ice_lite: bool) -> RtcConfig {
    let mut config = RtcConfig::new()
        .set_crypto_provider(super::dtls::crypto_provider())
        .set_ice_lite(ice_lite)
        .clear_codecs()
        .enable_pcmu(true, false)
        .clear_extension_map()
        .set_extension(4, Extension::RtpMid)
        .set_send_buffer_audio(4)
        .set_rtp_mode(true);
    config.codec_config().add_config(
        TELE_PT.into(),
        None,
        RtcCodec::Tele,
        Frequency::EIGHT_KHZ,
        None,
        FormatParams::default(),
    );
    config
}

impl WebRtcProto {
    /// Answers a browser's offer as the ICE-lite server; `local` is the advertised address.
    pub(crate) fn answer(
        offer_sdp: &str,
        local: SocketAddr,
        now: Instant,
    ) -> Result<(String, WebRtcProto), MediaError> {
        if offer_sdp.len() > crate::sdp::MAX_SDP_LEN {
            return Err(MediaError::BadOffer("offer too large".into()));
        }
        let offer = SdpOffer::from_sdp_string(offer_sdp).map_err(|e| MediaError::BadOffer(e.to_string()))?;
        if !offers_pcmu(offer_sdp) {
            return Err(MediaError::NoPcmu);
        }
        let (mut rtc, keys) = super::dtls::build_rtc(rtc_config(true), now);
        let candidate = Candidate::host(local, "udp").map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| MediaError::BadOffer(e.to_string()))?;
        let mut proto = WebRtcProto::new(rtc, keys, local, now);
        proto.drain_setup(now)?;
        // str0m reports `MediaAdded` only once DTLS is up; the mid is in the offer.
        let mid = audio_mid(offer_sdp)
            .map(Mid::from)
            .filter(|&mid| proto.rtc.media(mid).is_some())
            .ok_or_else(|| MediaError::BadOffer("no audio media with a mid in the offer".into()))?;
        proto.mid = Some(mid);
        proto.negotiated(mid);
        if proto.pcmu.is_none() {
            return Err(MediaError::NoPcmu);
        }
        Ok((answer.to_sdp_string(), proto))
    }

    /// The offering side (the test and load client): a full ICE agent that sends a
    /// `sendrecv` PCMU offer.
    pub(crate) fn offer(local: SocketAddr, now: Instant) -> Result<(String, SdpPendingOffer, WebRtcProto), MediaError> {
        let (mut rtc, keys) = super::dtls::build_rtc(rtc_config(false), now);
        let candidate = Candidate::host(local, "udp").map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let mut api = rtc.sdp_api();
        let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let (offer, pending) = api
            .apply()
            .ok_or_else(|| MediaError::BadOffer("nothing to offer".into()))?;
        let mut proto = WebRtcProto::new(rtc, keys, local, now);
        proto.mid = Some(mid);
        proto.drain_setup(now)?;
        Ok((offer.to_sdp_string(), pending, proto))
    }

    /// Applies the answer to [`WebRtcProto::offer`].
    pub(crate) fn accept_answer(&mut self, pending: SdpPendingOffer, answer_sdp: &str) -> Result<(), MediaError> {
        let answer = SdpAnswer::from_sdp_string(answer_sdp).map_err(|e| MediaError::BadAnswer(e.to_string()))?;
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .map_err(|e| MediaError::BadAnswer(e.to_string()))?;
        self.drain_setup(Instant::now())?;
        let mid = self.mid.expect("set by offer");
        self.negotiated(mid);
        if self.pcmu.is_none() {
            return Err(MediaError::NoPcmu);
        }
        Ok(())
    }

    fn new(rtc: Rtc, keys: Arc<KeySlot>, local: SocketAddr, now: Instant) -> WebRtcProto {
        WebRtcProto {
            rtc,
            mid: None,
            pcmu: None,
            tele: None,
            local,
            deadline: now,
            last_seq: None,
            up: false,
            ice_up: false,
            scratch: Vec::new(),
            seq_out: random_u64() & 0x7FFF,
            ts_base: random_u64() as u32,
            dtmf: None,
            keys,
            lean: Lean::Waiting,
        }
    }

    /// Reads the payload types negotiated for `mid`: PCMU and telephone-event/8000.
    fn negotiated(&mut self, mid: Mid) {
        let Some(media) = self.rtc.media(mid) else {
            return;
        };
        let remote = media.remote_pts();
        let find = |codec: RtcCodec| {
            self.rtc
                .codec_config()
                .params()
                .iter()
                .find(|p| {
                    p.spec().codec == codec && p.spec().clock_rate == Frequency::EIGHT_KHZ && remote.contains(&p.pt())
                })
                .map(|p| p.pt())
        };
        let (pcmu, tele) = (find(RtcCodec::PCMU), find(RtcCodec::Tele));
        self.pcmu = pcmu;
        self.tele = tele;
    }

    /// Drains after negotiation, before any socket exists (nothing is sent yet).
    fn drain_setup(&mut self, now: Instant) -> Result<(), MediaError> {
        self.rtc
            .handle_input(Input::Timeout(now))
            .map_err(|e| MediaError::BadOffer(e.to_string()))?;
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    self.deadline = t;
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => return Err(MediaError::BadOffer(e.to_string())),
            }
        }
    }

    /// When str0m's timer or the next DTMF packet is due.
    pub(crate) fn deadline(&self) -> Instant {
        match self.dtmf.as_ref().and_then(EventPackets::next_at) {
            Some(at) => at.min(self.deadline),
            None => self.deadline,
        }
    }

    pub(crate) fn on_datagram(
        &mut self,
        now: Instant,
        data: &[u8],
        source: SocketAddr,
        io: &Io<'_>,
        emit: &mut dyn FnMut(ProtoEvent<'_>),
    ) {
        if let Lean::On(path) = &mut self.lean
            && let Some(inbound) = &mut path.inbound
        {
            match inbound.open(data, &mut path.plain) {
                Opened::NotOurs => {}
                Opened::Rejected => {
                    StatsCell::add(&io.stats.rejected, 1);
                    return;
                }
                Opened::Packet { header, index, len } => {
                    let plain = std::mem::take(&mut path.plain);
                    let packet = Packet {
                        pt: header.payload_type,
                        marker: header.marker,
                        timestamp: header.timestamp,
                        payload: &plain[..len],
                        shared: None,
                    };
                    self.on_media(now, index, packet, io.stats, emit);
                    if let Lean::On(path) = &mut self.lean {
                        path.plain = plain;
                    }
                    return;
                }
            }
        }
        let Ok(contents) = data.try_into() else {
            StatsCell::add(&io.stats.rejected, 1);
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.local,
                contents,
            },
        );
        if !self.rtc.accepts(&input) {
            StatsCell::add(&io.stats.rejected, 1);
            return;
        }
        if let Err(e) = self.rtc.handle_input(input) {
            // Hostile or broken input must not end the leg; real failures surface as
            // events, timeouts or a dead Rtc.
            tracing::debug!(error = %e, "webrtc input rejected");
            StatsCell::add(&io.stats.rejected, 1);
        }
        self.drain(io, emit);
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, io: &Io<'_>, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        self.send_dtmf_packets(now, io, emit);
        if now < self.deadline {
            return;
        }
        if let Err(e) = self.rtc.handle_input(Input::Timeout(now)) {
            emit(ProtoEvent::Closed(CloseReason::Failed(e.to_string())));
            return;
        }
        self.drain(io, emit);
    }

    /// Polls str0m until it only has a timeout left, carrying out what it asks.
    fn drain(&mut self, io: &Io<'_>, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        loop {
            if !self.rtc.is_alive() {
                self.deadline = far_future(self.deadline);
                emit(ProtoEvent::Closed(CloseReason::Remote));
                return;
            }
            let output = match self.rtc.poll_output() {
                Ok(o) => o,
                Err(e) => {
                    emit(ProtoEvent::Closed(CloseReason::Failed(e.to_string())));
                    return;
                }
            };
            match output {
                Output::Timeout(t) => {
                    self.deadline = t;
                    return;
                }
                Output::Transmit(t) => {
                    io.send(&t.contents, t.destination);
                    if self.up {
                        self.lean.on_transmit(&self.keys, &t.contents, t.destination);
                    }
                }
                Output::Event(e) => self.on_event(e, io.stats, emit),
            }
        }
    }

    fn on_event(&mut self, e: Event, stats: &StatsCell, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        match e {
            Event::Connected => {
                self.up = true;
                emit(ProtoEvent::Connected);
            }
            Event::IceConnectionStateChange(state) => match state {
                IceConnectionState::Completed | IceConnectionState::Connected => {
                    self.ice_up = true;
                }
                IceConnectionState::Disconnected if self.ice_up => {
                    emit(ProtoEvent::Closed(CloseReason::IceDisconnected));
                }
                _ => {}
            },
            Event::MediaAdded(m) if m.kind == MediaKind::Audio => {
                self.mid.get_or_insert(m.mid);
            }
            Event::RtpPacket(p) => self.on_rtp(&p, stats, emit),
            Event::Closed => emit(ProtoEvent::Closed(CloseReason::Remote)),
            _ => {}
        }
    }

    /// An RTP packet str0m decrypted: the lean path continues its stream from here.
    fn on_rtp(&mut self, p: &RtpPacket, stats: &StatsCell, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        if let Lean::On(path) = &mut self.lean {
            let (ssrc, index) = (*p.header.ssrc, *p.seq_no);
            match (&mut path.inbound, path.open.take()) {
                (None, Some(context)) => path.inbound = Some(Inbound::new(context, ssrc, index)),
                // The remote changed its SSRC (str0m took the new stream): follow it.
                (Some(inbound), _) => inbound.follow(ssrc, index),
                (None, None) => {}
            }
        }
        let packet = Packet {
            pt: *p.header.payload_type,
            marker: p.header.marker,
            timestamp: p.header.timestamp,
            payload: &p.payload,
            shared: Some(&p.payload),
        };
        self.on_media(p.timestamp, *p.seq_no, packet, stats, emit);
    }

    /// A received RTP packet, from str0m or the lean path: audio or a telephone event.
    /// `index` is its extended sequence number.
    fn on_media(
        &mut self,
        at: Instant,
        index: u64,
        m: Packet<'_>,
        stats: &StatsCell,
        emit: &mut dyn FnMut(ProtoEvent<'_>),
    ) {
        let pt = Some(m.pt);
        let tele = pt == self.tele.map(|t| *t);
        if pt != self.pcmu.map(|p| *p) && !tele {
            StatsCell::add(&stats.rejected, 1);
            return;
        }
        stats.received(at, m.payload.len());
        let seq = index;
        if let Some(prev) = self.last_seq
            && seq > prev + 1
            && seq - prev < 1000
        {
            StatsCell::add(&stats.lost, seq - prev - 1);
        }
        self.last_seq = Some(self.last_seq.map_or(seq, |prev| prev.max(seq)));
        if !tele {
            emit(ProtoEvent::Audio(InFrame {
                codec: Codec::Pcmu,
                payload: m.payload,
                shared: m.shared,
                timestamp: m.timestamp,
            }));
        } else if let Some(e) = EventPayload::parse(m.payload) {
            let ms = u32::from(e.duration) / 8;
            emit(ProtoEvent::Tele(u64::from(m.timestamp), e.event, e.end, ms));
        }
    }

    /// Writes one RTP packet: sealed and sent here on the lean path, else given to str0m.
    fn write(&mut self, now: Instant, p: Packet<'_>, io: &Io<'_>) -> Written {
        let Some(mid) = self.mid else {
            return Written::Not;
        };
        let (pt, marker) = (p.pt, p.marker);
        let ts = p.timestamp.wrapping_add(self.ts_base);
        if let Lean::On(path) = &mut self.lean {
            self.seq_out += 1;
            if let Some(len) = path
                .outbound
                .seal(pt, marker, self.seq_out, ts, p.payload, &mut path.wire)
            {
                io.send(&path.wire[..len], path.to);
            }
            return Written::Sent;
        }
        let mut api = self.rtc.direct_api();
        let Some(stream) = api.stream_tx_by_mid(mid, None) else {
            return Written::Not;
        };
        self.seq_out += 1;
        let data = p.shared.cloned().unwrap_or_else(|| Arc::from(p.payload));
        stream.write_rtp(RtpWrite::new(pt.into(), self.seq_out.into(), ts, now, data).marker(marker));
        Written::ToStr0m
    }

    /// Sends a frame (transcoding PCMA to PCMU if needed); false if it could not be sent.
    pub(crate) fn send_audio(
        &mut self,
        now: Instant,
        ts: u64,
        marker: bool,
        frame: &OutFrame<'_>,
        io: &Io<'_>,
        pending: &mut VecDeque<LegEvent>,
    ) -> bool {
        let (Some(pt), true) = (self.pcmu, self.up) else {
            return false;
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let (payload, shared) = match frame.codec {
            Codec::Pcmu => (frame.payload, frame.shared),
            Codec::Pcma => {
                scratch.clear();
                scratch.extend(frame.payload.iter().map(|&b| Codec::Pcma.transcode(Codec::Pcmu, b)));
                (&scratch[..], None)
            }
        };
        let packet = Packet {
            pt: *pt,
            timestamp: ts as u32,
            marker,
            payload,
            shared,
        };
        let written = self.write(now, packet, io);
        self.scratch = scratch;
        match written {
            Written::Not => return false,
            Written::ToStr0m => self.drain_after_send(io, pending),
            Written::Sent => {}
        }
        io.stats.sent(frame.payload.len());
        true
    }

    /// Starts one RFC 4733 event (its first packet goes out now); false if telephone-event
    /// was not negotiated or the leg is not up.
    pub(crate) fn send_dtmf(
        &mut self,
        now: Instant,
        ts: u64,
        event: u8,
        duration: Duration,
        io: &Io<'_>,
        pending: &mut VecDeque<LegEvent>,
    ) -> bool {
        if self.tele.is_none() || !self.up {
            return false;
        }
        self.dtmf = Some(EventPackets::new(event, ts as u32, duration, now));
        let mut keep = keep_in(pending);
        self.send_dtmf_packets(now, io, &mut keep);
        true
    }

    /// Writes the DTMF packets that are due.
    fn send_dtmf_packets(&mut self, now: Instant, io: &Io<'_>, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        let (Some(mut d), Some(pt)) = (self.dtmf.take(), self.tele) else {
            return;
        };
        let mut wrote = false;
        while let Some(p) = d.due(now) {
            let packet = Packet {
                pt: *pt,
                timestamp: p.timestamp,
                marker: p.marker,
                payload: &p.payload,
                shared: None,
            };
            wrote |= self.write(now, packet, io) == Written::ToStr0m;
        }
        if d.next_at().is_some() {
            self.dtmf = Some(d);
        }
        if wrote {
            self.drain(io, emit);
        }
    }

    /// A drain after our own write (str0m requires a full drain after every mutation, write
    /// or input, before the next): only transmits and timeouts are expected; events are
    /// kept for the next regular drain (audio cannot appear here, nothing was received).
    fn drain_after_send(&mut self, io: &Io<'_>, pending: &mut VecDeque<LegEvent>) {
        self.drain(io, &mut keep_in(pending));
    }

    /// Starts str0m's close (RTCP BYE, DTLS close_notify) and sends what it produces.
    pub(crate) fn close(&mut self, _now: Instant, io: &Io<'_>) {
        if self.rtc.close().is_ok() {
            self.drain(io, &mut |_| {});
        }
        self.rtc.disconnect();
    }
}

/// An RTP packet's parts, received or to send.
struct Packet<'a> {
    pt: u8,
    marker: bool,
    /// Received: the sender's. To send: on the bridge's timeline (the leg adds its base).
    timestamp: u32,
    payload: &'a [u8],
    /// `payload` already in an `Arc` (as str0m hands it over and takes it), for forwarding
    /// between WebRTC legs without a copy.
    shared: Option<&'a Arc<[u8]>>,
}

/// Where a drain after our own write puts what it finds: only transmits and timeouts are
/// expected; events are kept for the owner's next regular drain (audio cannot appear there,
/// nothing was received).
fn keep_in(pending: &mut VecDeque<LegEvent>) -> impl FnMut(ProtoEvent<'_>) + '_ {
    |e| match e {
        ProtoEvent::Connected => pending.push_back(LegEvent::Connected),
        ProtoEvent::Closed(r) => pending.push_back(LegEvent::Closed(r)),
        ProtoEvent::Audio(_) | ProtoEvent::Tele(..) => {}
    }
}

/// The `a=mid` of the first audio m-section.
fn audio_mid(sdp: &str) -> Option<&str> {
    let mut in_audio = false;
    for line in sdp.lines() {
        let line = line.trim_end();
        if let Some(m) = line.strip_prefix("m=") {
            if in_audio {
                return None;
            }
            in_audio = m.starts_with("audio ");
        } else if in_audio && let Some(mid) = line.strip_prefix("a=mid:") {
            return Some(mid.trim()).filter(|m| !m.is_empty() && m.len() <= 32);
        }
    }
    None
}

/// Whether an audio m-line of the offer lists PCMU/8000 (statically as PT 0 or by rtpmap).
fn offers_pcmu(sdp: &str) -> bool {
    let mut pts: Vec<&str> = Vec::new();
    let mut in_audio = false;
    for line in sdp.lines() {
        let line = line.trim_end();
        if let Some(m) = line.strip_prefix("m=") {
            in_audio = m.starts_with("audio ");
            if in_audio {
                pts = m.split_ascii_whitespace().skip(3).collect();
                if pts.contains(&"0") {
                    return true;
                }
            }
        } else if in_audio
            && let Some(map) = line.strip_prefix("a=rtpmap:")
            && let Some((pt, codec)) = map.split_once(' ')
            && pts.contains(&pt)
            && codec.eq_ignore_ascii_case("PCMU/8000")
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leg::LegSocket;
    use crate::leg::socket::PolledSocket;
    use crate::leg::timeline::Source;

    /// One side of a pair of legs driven by hand over loopback.
    struct Side {
        proto: WebRtcProto,
        socket: LegSocket,
        stats: StatsCell,
        heard: Vec<Vec<u8>>,
        /// The last datagram received, to replay.
        last: Vec<u8>,
    }

    impl Side {
        /// Feeds what the socket holds and runs the timers; keeps the audio heard.
        fn pump(&mut self, now: Instant) {
            let io = Io {
                socket: &self.socket,
                stats: &self.stats,
            };
            let heard = &mut self.heard;
            let mut on = |e: ProtoEvent<'_>| {
                if let ProtoEvent::Audio(f) = e {
                    heard.push(f.payload.to_vec());
                }
            };
            let mut buf = [0u8; crate::RECV_BUFFER];
            while let Ok((n, from)) = self.socket.try_recv_from(&mut buf) {
                self.proto.on_datagram(now, &buf[..n], from, &io, &mut on);
                if matches!(buf[..n], [128..=191, second, ..] if !(192..=223).contains(&second)) {
                    self.last = buf[..n].to_vec();
                }
            }
            self.proto.on_timeout(now, &io, &mut on);
        }

        fn send(&mut self, now: Instant, n: u8) {
            let io = Io {
                socket: &self.socket,
                stats: &self.stats,
            };
            let payload = [n; 160];
            let frame = OutFrame {
                codec: Codec::Pcmu,
                payload: &payload,
                shared: None,
                source: Source::Customer,
                timestamp: 160 * u32::from(n),
            };
            let ts = 160 * u64::from(n);
            assert!(
                self.proto
                    .send_audio(now, ts, n == 0, &frame, &io, &mut VecDeque::new())
            );
        }

        fn lean_both_ways(&self) -> bool {
            matches!(&self.proto.lean, Lean::On(path) if path.inbound.is_some())
        }
    }

    /// The path waits for the keys rather than giving up, starts only on an audio packet
    /// (not RTCP, not STUN), and then follows the address str0m sends RTP and RTCP to.
    #[test]
    fn the_path_starts_on_audio_once_the_keys_are_known_and_follows_the_ice_pair() {
        let keys = KeySlot::default();
        let rtp = [0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7];
        let rtcp = [0x80, 200, 0, 6, 0, 0, 0, 7];
        let stun = [0x01, 0x01, 0, 0];
        let (first, second): (SocketAddr, SocketAddr) =
            ("127.0.0.1:5000".parse().unwrap(), "10.0.0.1:6000".parse().unwrap());
        let mut lean = Lean::Waiting;
        lean.on_transmit(&keys, &rtp, first);
        assert!(matches!(lean, Lean::Waiting), "no keys yet: keep waiting");
        keys.put(&[1; 56], str0m::crypto::dtls::SrtpProfile::AEAD_AES_128_GCM, false);
        lean.on_transmit(&keys, &rtcp, first);
        lean.on_transmit(&keys, &stun, first);
        assert!(matches!(lean, Lean::Waiting), "RTCP and STUN do not start it");
        lean.on_transmit(&keys, &rtp, first);
        assert!(matches!(&lean, Lean::On(path) if path.to == first));
        lean.on_transmit(&keys, &stun, second);
        assert!(
            matches!(&lean, Lean::On(path) if path.to == first),
            "STUN answers go anywhere"
        );
        lean.on_transmit(&keys, &rtcp, second);
        assert!(
            matches!(&lean, Lean::On(path) if path.to == second),
            "a new pair is followed"
        );
    }

    fn socket() -> (LegSocket, SocketAddr) {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let address = socket.local_addr().unwrap();
        (LegSocket::Polled(PolledSocket::new(socket)), address)
    }

    /// A browser-like offerer and Callbar's answerer: once DTLS is up, both legs' audio goes
    /// through the lean SRTP path both ways, every frame arrives intact, and a replayed
    /// packet is rejected.
    #[test]
    fn audio_takes_the_lean_path_both_ways_once_dtls_is_up() {
        let now = Instant::now();
        let ((client_socket, client_address), (server_socket, server_address)) = (socket(), socket());
        let (offer, pending, mut client) = WebRtcProto::offer(client_address, now).unwrap();
        let (answer, server) = WebRtcProto::answer(&offer, server_address, now).unwrap();
        client.accept_answer(pending, &answer).unwrap();
        let side = |proto, socket| Side {
            proto,
            socket,
            stats: StatsCell::new(now),
            heard: Vec::new(),
            last: Vec::new(),
        };
        let (mut client, mut server) = (side(client, client_socket), side(server, server_socket));
        let mut sent = 0u8;
        let deadline = now + Duration::from_secs(10);
        while Instant::now() < deadline && sent < 50 {
            let now = Instant::now();
            client.pump(now);
            server.pump(now);
            if client.proto.up && server.proto.up {
                client.send(now, sent);
                server.send(now, sent);
                sent += 1;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..20 {
            client.pump(Instant::now());
            server.pump(Instant::now());
        }
        assert_eq!(sent, 50, "DTLS did not come up");
        assert!(client.lean_both_ways() && server.lean_both_ways());
        for side in [&client, &server] {
            // Every frame, in order (the first ones through str0m, the rest on the lean path).
            let expected: Vec<Vec<u8>> = (0..50).map(|n| vec![n; 160]).collect();
            assert_eq!(side.heard, expected);
        }
        // A replay of the last packet is dropped and counted.
        let rejected = server.stats.rejected.load(std::sync::atomic::Ordering::Relaxed);
        let io = Io {
            socket: &server.socket,
            stats: &server.stats,
        };
        server
            .proto
            .on_datagram(Instant::now(), &server.last.clone(), client_address, &io, &mut |_| {
                panic!("a replay was delivered")
            });
        assert_eq!(
            server.stats.rejected.load(std::sync::atomic::Ordering::Relaxed),
            rejected + 1
        );
    }

    #[test]
    fn pcmu_detection() {
        assert!(offers_pcmu("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n"));
        assert!(offers_pcmu(
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 96\r\na=rtpmap:96 pcmu/8000\r\n"
        ));
        assert!(!offers_pcmu(
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 8\r\na=rtpmap:111 opus/48000/2\r\n"
        ));
        // An rtpmap for a PT not on the m-line does not count, nor does video.
        assert!(!offers_pcmu(
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:0 PCMU/8000\r\nm=video 9 RTP/AVP 0\r\n"
        ));
    }
}
