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
//! - The audio reordering window is 2 packets / 60 ms instead of str0m's 15 / 1 s: a bridge
//!   forwards, and the far end's jitter buffer reorders; holding frames back for a lost packet
//!   would add up to 300 ms of delay.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::{Codec as RtcCodec, CodecExtra, FormatParams};
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, Pt, TelephoneEvent};
use str0m::net::{Protocol, Receive};
use str0m::rtp::Extension;
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};

use super::stats::StatsCell;
use super::{CloseReason, InFrame, Io, LegEvent, OutFrame, ProtoEvent, far_future};
use crate::{Codec, MediaError};

/// The telephone-event payload type we configure (str0m answers with the offerer's).
const TELE_PT: u8 = 101;

/// A str0m peer connection on one UDP socket.
pub(crate) struct WebRtcProto {
    rtc: Rtc,
    mid: Option<Mid>,
    pcmu: Option<Pt>,
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
/// not need (measured with `bridge_load`, each about 15–25 % of a call's CPU):
/// - only the `mid` header extension: no transport-wide congestion control sequence numbers
///   and feedback, no audio-level or send-time extensions on every packet;
/// - a send buffer of 4 packets instead of 50: every write is one packet and is drained at
///   once, and PCMU negotiates no NACK, so nothing is ever resent from it;
/// - a reordering window of 2 packets and 60 ms, so late audio is not held back.
fn rtc_config(ice_lite: bool) -> RtcConfig {
    let mut config = RtcConfig::new()
        .set_ice_lite(ice_lite)
        .clear_codecs()
        .enable_pcmu(true, false)
        .clear_extension_map()
        .set_extension(4, Extension::RtpMid)
        .set_send_buffer_audio(4)
        .set_reordering_size_audio(2)
        .set_reordering_timeout_audio(Some(Duration::from_millis(60)));
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
        let mut rtc = rtc_config(true).build(now);
        let candidate = Candidate::host(local, "udp").map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| MediaError::BadOffer(e.to_string()))?;
        let mut proto = WebRtcProto::new(rtc, local, now);
        proto.drain_setup(now)?;
        // str0m reports `MediaAdded` only once DTLS is up; the mid is in the offer.
        let mid = audio_mid(offer_sdp)
            .map(Mid::from)
            .filter(|&mid| proto.rtc.media(mid).is_some())
            .ok_or_else(|| MediaError::BadOffer("no audio media with a mid in the offer".into()))?;
        proto.mid = Some(mid);
        proto.pcmu = pcmu_pt(&mut proto.rtc, mid);
        if proto.pcmu.is_none() {
            return Err(MediaError::NoPcmu);
        }
        Ok((answer.to_sdp_string(), proto))
    }

    /// The offering side (the test and load client): a full ICE agent that sends a
    /// `sendrecv` PCMU offer.
    pub(crate) fn offer(local: SocketAddr, now: Instant) -> Result<(String, SdpPendingOffer, WebRtcProto), MediaError> {
        let mut rtc = rtc_config(false).build(now);
        let candidate = Candidate::host(local, "udp").map_err(|e| MediaError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let mut api = rtc.sdp_api();
        let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let (offer, pending) = api
            .apply()
            .ok_or_else(|| MediaError::BadOffer("nothing to offer".into()))?;
        let mut proto = WebRtcProto::new(rtc, local, now);
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
        self.pcmu = pcmu_pt(&mut self.rtc, mid);
        if self.pcmu.is_none() {
            return Err(MediaError::NoPcmu);
        }
        Ok(())
    }

    fn new(rtc: Rtc, local: SocketAddr, now: Instant) -> WebRtcProto {
        WebRtcProto {
            rtc,
            mid: None,
            pcmu: None,
            local,
            deadline: now,
            last_seq: None,
            up: false,
            ice_up: false,
            scratch: Vec::new(),
        }
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

    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    pub(crate) fn on_datagram(
        &mut self,
        now: Instant,
        data: &[u8],
        source: SocketAddr,
        io: &Io<'_>,
        emit: &mut dyn FnMut(ProtoEvent<'_>),
    ) {
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
                Output::Transmit(t) => io.send(&t.contents, t.destination),
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
            Event::MediaData(d) => {
                stats.received(d.network_time, d.data.len());
                let (first, last) = (**d.seq_range.start(), **d.seq_range.end());
                if let Some(prev) = self.last_seq
                    && first > prev + 1
                    && first - prev < 1000
                {
                    StatsCell::add(&stats.lost, first - prev - 1);
                }
                self.last_seq = Some(self.last_seq.map_or(last, |p| p.max(last)));
                if let CodecExtra::Tele(t) = d.codec_extra {
                    let ms = t.duration.as_millis().min(u128::from(u32::MAX)) as u32;
                    emit(ProtoEvent::Tele(d.time.numer(), t.event, t.end, ms));
                } else if d.params.spec().codec == RtcCodec::PCMU {
                    emit(ProtoEvent::Audio(InFrame {
                        codec: Codec::Pcmu,
                        payload: &d.data,
                        shared: Some(&d.data),
                        timestamp: d.time.numer() as u32,
                    }));
                } else {
                    StatsCell::add(&stats.rejected, 1);
                }
            }
            Event::Closed => emit(ProtoEvent::Closed(CloseReason::Remote)),
            _ => {}
        }
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
        let (Some(mid), Some(pt), true) = (self.mid, self.pcmu, self.up) else {
            return false;
        };
        let data: Arc<[u8]> = match (frame.codec, frame.shared) {
            (Codec::Pcmu, Some(shared)) => shared.clone(),
            (Codec::Pcmu, None) => Arc::from(frame.payload),
            (Codec::Pcma, _) => {
                self.scratch.clear();
                self.scratch
                    .extend(frame.payload.iter().map(|&b| Codec::Pcma.transcode(Codec::Pcmu, b)));
                Arc::from(&self.scratch[..])
            }
        };
        let len = data.len();
        let Some(writer) = self.rtc.writer(mid) else {
            return false;
        };
        let result = writer
            .start_of_talkspurt(marker)
            .write(pt, now, MediaTime::new(ts, Frequency::EIGHT_KHZ), data);
        let ok = match result {
            Ok(()) => {
                io.stats.sent(len);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "webrtc write failed");
                false
            }
        };
        self.drain_after_send(io, pending);
        ok
    }

    /// Starts one RFC 4733 event; str0m sends its packets (updates every 20 ms, end × 3).
    pub(crate) fn send_dtmf(
        &mut self,
        now: Instant,
        ts: u64,
        event: u8,
        duration: Duration,
        io: &Io<'_>,
        pending: &mut VecDeque<LegEvent>,
    ) -> bool {
        let (Some(mid), Some(pt), true) = (self.mid, self.pcmu, self.up) else {
            return false;
        };
        let Some(writer) = self.rtc.writer(mid) else {
            return false;
        };
        let tele = TelephoneEvent {
            event,
            end: true,
            volume: 10,
            duration,
        };
        let result = writer
            .telephone_event(tele)
            .write(pt, now, MediaTime::new(ts, Frequency::EIGHT_KHZ), Vec::new());
        if let Err(e) = &result {
            tracing::debug!(error = %e, "telephone-event write failed");
        }
        self.drain_after_send(io, pending);
        result.is_ok()
    }

    /// A drain after our own write (str0m requires a full drain after every mutation, write
    /// or input, before the next): only transmits and timeouts are expected; events are
    /// kept for the next regular drain (audio cannot appear here, nothing was received).
    fn drain_after_send(&mut self, io: &Io<'_>, pending: &mut VecDeque<LegEvent>) {
        let mut keep = |e: ProtoEvent<'_>| match e {
            ProtoEvent::Connected => pending.push_back(LegEvent::Connected),
            ProtoEvent::Closed(r) => pending.push_back(LegEvent::Closed(r)),
            ProtoEvent::Audio(_) | ProtoEvent::Tele(..) => {}
        };
        self.drain(io, &mut keep);
    }

    /// Starts str0m's close (RTCP BYE, DTLS close_notify) and sends what it produces.
    pub(crate) fn close(&mut self, _now: Instant, io: &Io<'_>) {
        if self.rtc.close().is_ok() {
            self.drain(io, &mut |_| {});
        }
        self.rtc.disconnect();
    }
}

/// The negotiated PCMU payload type of `mid`.
fn pcmu_pt(rtc: &mut Rtc, mid: Mid) -> Option<Pt> {
    let writer = rtc.writer(mid)?;
    writer
        .payload_params()
        .find(|p| p.spec().codec == RtcCodec::PCMU)
        .map(|p| p.pt())
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
