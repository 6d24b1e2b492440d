//! The plain-RTP side of a leg: RTP/AVP toward a SIP trunk, PCMU or PCMA, RFC 4733 events.
//!
//! - **Addresses.** We send to the address in the remote SDP until the first valid RTP packet
//!   arrives, then to that packet's source ("symmetric RTP", what carriers and PBXs behind NAT
//!   expect); after that, datagrams from any other address are dropped. Only a packet from a
//!   trusted IP address may start that: the SDP's connection address, or one the server names
//!   (the trunk's signalling addresses: a PBX behind NAT sends its media from its public
//!   address, not from the private one in its SDP). Latching to whoever sends first would let
//!   anyone who sprays RTP at the port range take over a call's media before the real peer's
//!   first packet arrives: hear the agent and speak as the caller (the "RTP bleed" attack).
//! - **Codecs.** We send the negotiated codec; received PCMU and PCMA are both accepted and
//!   reported as what they are, so the bridge stays codec-transparent.
//! - **Direction.** If the remote's SDP says it does not receive (`sendonly`, `inactive`, or
//!   the legacy `c=0.0.0.0`), we send nothing; if it does not send, the inactivity timeout
//!   does not apply.
//! - **Sending.** Header and payload are written into a stack buffer and sent with
//!   `try_send_to`: no allocation per packet. Sequence number, timestamp base and SSRC start
//!   random (RFC 3550 §5.1).
//! - **DTMF out.** An event's packets as [`EventPackets`] schedules them, with our header.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::stats::StatsCell;
use super::{InFrame, Io, OutFrame, ProtoEvent, far_future, random_u64};
use crate::Codec;
use crate::dtmf::EventPackets;
use crate::rtp::{EventPayload, HEADER_LEN, RtpHeader, parse_packet, write_packet};
use crate::sdp::RemoteAudio;

/// The largest payload we send (60 ms of G.711); longer received frames are not forwarded.
const MAX_PAYLOAD: usize = 480;

/// A plain RTP session on one UDP socket.
pub(crate) struct RtpProto {
    remote: Option<SocketAddr>,
    /// Whether `remote` is where media came from; until then it is the SDP's address.
    latched: bool,
    /// IP addresses besides the SDP's that the session may latch to (see the module doc).
    trusted: Vec<IpAddr>,
    codec: Codec,
    tele_pt: Option<u8>,
    remote_receives: bool,
    remote_sends: bool,
    ssrc: u32,
    seq: u16,
    ts_base: u32,
    last_in: Option<(u32, u16)>,
    dtmf: Option<EventPackets>,
    /// Whether `Connected` was reported.
    announced: bool,
}

impl RtpProto {
    /// A session toward `remote` (from its SDP), sending `codec`; it may also latch to media
    /// from the `trusted` addresses.
    pub(crate) fn new(remote: &RemoteAudio, trusted: &[IpAddr]) -> Option<RtpProto> {
        let (codec, _) = remote.codec()?;
        let r = random_u64();
        let mut proto = RtpProto {
            remote: None,
            latched: false,
            trusted: trusted.to_vec(),
            codec,
            tele_pt: None,
            remote_receives: false,
            remote_sends: false,
            ssrc: r as u32,
            seq: (r >> 32) as u16,
            ts_base: random_u64() as u32,
            last_in: None,
            dtmf: None,
            announced: false,
        };
        proto.update_remote(remote);
        Some(proto)
    }

    /// Applies a new remote description (a re-INVITE: hold, resume, new address).
    pub(crate) fn update_remote(&mut self, remote: &RemoteAudio) {
        if let Some((codec, _)) = remote.codec() {
            self.codec = codec;
        }
        self.tele_pt = remote.telephone_event();
        self.remote_receives = remote.wants_media();
        self.remote_sends = remote.direction.sends() && remote.port != 0;
        if remote.port != 0 && !remote.address.is_unspecified() {
            let addr = SocketAddr::new(remote.address, remote.port);
            if self.remote != Some(addr) {
                self.remote = Some(addr);
                self.latched = false;
            }
        }
    }

    pub(crate) fn codec(&self) -> Codec {
        self.codec
    }

    /// Whether the remote sends media to us (if not, silence is not inactivity).
    pub(crate) fn remote_sends(&self) -> bool {
        self.remote_sends
    }

    pub(crate) fn deadline(&self) -> Instant {
        let now = Instant::now();
        if !self.announced && self.remote.is_some() {
            return now;
        }
        self.dtmf
            .as_ref()
            .and_then(EventPackets::next_at)
            .unwrap_or_else(|| far_future(now))
    }

    pub(crate) fn on_datagram(
        &mut self,
        now: Instant,
        data: &[u8],
        source: SocketAddr,
        io: &Io<'_>,
        emit: &mut dyn FnMut(ProtoEvent<'_>),
    ) {
        let known = if self.latched {
            Some(source) == self.remote
        } else {
            self.remote.is_some_and(|sdp| sdp.ip() == source.ip()) || self.trusted.contains(&source.ip())
        };
        if !known {
            StatsCell::add(&io.stats.rejected, 1);
            return;
        }
        let Some((header, payload)) = parse_packet(data) else {
            StatsCell::add(&io.stats.rejected, 1);
            return;
        };
        let audio = Codec::from_payload_type(header.payload_type);
        let tele = self.tele_pt == Some(header.payload_type);
        if audio.is_none() && !tele {
            StatsCell::add(&io.stats.rejected, 1);
            return;
        }
        if !self.latched {
            self.remote = Some(source);
            self.latched = true;
        }
        self.announce(emit);
        io.stats.received(now, payload.len());
        self.count_loss(&header, io.stats);
        if let Some(codec) = audio {
            emit(ProtoEvent::Audio(InFrame {
                codec,
                payload,
                shared: None,
                timestamp: header.timestamp,
            }));
        } else if let Some(e) = EventPayload::parse(payload) {
            let ms = u32::from(e.duration) / 8;
            emit(ProtoEvent::Tele(u64::from(header.timestamp), e.event, e.end, ms));
        }
    }

    fn count_loss(&mut self, header: &RtpHeader, stats: &StatsCell) {
        if let Some((ssrc, last)) = self.last_in {
            let gap = header.sequence.wrapping_sub(last);
            if ssrc == header.ssrc && (2..1000).contains(&gap) {
                StatsCell::add(&stats.lost, u64::from(gap - 1));
            }
            if ssrc == header.ssrc && gap >= 0x8000 {
                return; // late or duplicate: keep the highest
            }
        }
        self.last_in = Some((header.ssrc, header.sequence));
    }

    /// Reports `Connected` once the remote address is known.
    fn announce(&mut self, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        if !self.announced && self.remote.is_some() {
            self.announced = true;
            emit(ProtoEvent::Connected);
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, io: &Io<'_>, emit: &mut dyn FnMut(ProtoEvent<'_>)) {
        self.announce(emit);
        self.send_dtmf_packets(now, io);
    }

    pub(crate) fn send_audio(&mut self, ts: u64, marker: bool, frame: &OutFrame<'_>, io: &Io<'_>) -> bool {
        let (Some(remote), true) = (self.remote, self.remote_receives) else {
            return false;
        };
        let len = frame.payload.len();
        if len > MAX_PAYLOAD {
            return false;
        }
        let mut payload = [0u8; MAX_PAYLOAD];
        for (o, &b) in payload.iter_mut().zip(frame.payload) {
            *o = frame.codec.transcode(self.codec, b);
        }
        let header = RtpHeader {
            marker,
            payload_type: self.codec.payload_type(),
            sequence: self.next_seq(),
            timestamp: self.ts_base.wrapping_add(ts as u32),
            ssrc: self.ssrc,
        };
        let mut packet = [0u8; HEADER_LEN + MAX_PAYLOAD];
        let Some(n) = write_packet(&header, &payload[..len], &mut packet) else {
            return false;
        };
        io.send(&packet[..n], remote);
        io.stats.sent(len);
        true
    }

    fn next_seq(&mut self) -> u16 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Starts an event; false if telephone-event was not negotiated or we may not send.
    pub(crate) fn send_dtmf(&mut self, now: Instant, ts: u64, event: u8, duration: Duration, io: &Io<'_>) -> bool {
        if self.tele_pt.is_none() || self.remote.is_none() || !self.remote_receives {
            return false;
        }
        let start = self.ts_base.wrapping_add(ts as u32);
        self.dtmf = Some(EventPackets::new(event, start, duration, now));
        self.send_dtmf_packets(now, io);
        true
    }

    fn send_dtmf_packets(&mut self, now: Instant, io: &Io<'_>) {
        let (Some(pt), Some(remote)) = (self.tele_pt, self.remote) else {
            self.dtmf = None;
            return;
        };
        let Some(mut d) = self.dtmf.take() else {
            return;
        };
        while let Some(p) = d.due(now) {
            let header = RtpHeader {
                marker: p.marker,
                payload_type: pt,
                sequence: self.next_seq(),
                timestamp: p.timestamp,
                ssrc: self.ssrc,
            };
            let mut packet = [0u8; HEADER_LEN + 4];
            if let Some(n) = write_packet(&header, &p.payload, &mut packet) {
                io.send(&packet[..n], remote);
            }
        }
        if d.next_at().is_some() {
            self.dtmf = Some(d);
        }
    }
}
