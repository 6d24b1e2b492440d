//! Plain RTP (RFC 3550) and RFC 4733 telephone-event payloads, for SIP trunk legs.
//!
//! WebRTC legs get all of this from str0m; a trunk speaks RTP/AVP without ICE or SRTP, so
//! Callbar parses and writes the 12-byte header itself. Parsing borrows the payload from the
//! receive buffer and writing fills the caller's buffer: nothing allocates per packet.
//! Hostile input is expected: every length is checked, and a packet that does not parse is
//! `None`, never a panic.

/// The fixed part of an RTP header (CSRCs and extensions are skipped when parsing and never
/// written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// The marker bit: the first packet of a talkspurt, or of a telephone event.
    pub marker: bool,
    /// The payload type (0–127).
    pub payload_type: u8,
    /// The sequence number.
    pub sequence: u16,
    /// The media timestamp (8 kHz for G.711 and telephone-event/8000).
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
}

/// The length of the header [`write_packet`] writes.
pub const HEADER_LEN: usize = 12;

/// Parses an RTP packet into its header and payload (padding removed).
///
/// Returns `None` for anything that is not version-2 RTP, for RTCP (payload types 72–76 with
/// the marker bit, RFC 5761 §4) and for truncated packets.
pub fn parse_packet(packet: &[u8]) -> Option<(RtpHeader, &[u8])> {
    let (header, start) = parse_header(packet)?;
    let payload = unpad(packet[0], packet.get(start..)?)?;
    Some((header, payload))
}

/// Parses the header of an RTP packet: its fixed part and its whole length (CSRCs and
/// extension included), where the payload starts. `None` as for [`parse_packet`]; the
/// payload is not looked at (an SRTP payload is still encrypted).
pub fn parse_header(packet: &[u8]) -> Option<(RtpHeader, usize)> {
    if packet.len() < HEADER_LEN || packet[0] >> 6 != 2 {
        return None;
    }
    if (200..=204).contains(&packet[1]) {
        return None;
    }
    let extension = packet[0] & 0x10 != 0;
    let csrcs = usize::from(packet[0] & 0x0F);
    let mut start = HEADER_LEN + 4 * csrcs;
    if extension {
        let ext = packet.get(start..start + 4)?;
        let words = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
        start += 4 + 4 * words;
    }
    if start > packet.len() {
        return None;
    }
    let header = RtpHeader {
        marker: packet[1] & 0x80 != 0,
        payload_type: packet[1] & 0x7F,
        sequence: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
        ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
    };
    Some((header, start))
}

/// Removes RTP padding from a payload, if the header's first byte (`first`) says there is
/// some: the payload's last byte counts the padding bytes, itself included.
pub fn unpad(first: u8, payload: &[u8]) -> Option<&[u8]> {
    if first & 0x20 == 0 {
        return Some(payload);
    }
    let pad = usize::from(*payload.last()?);
    payload.get(..payload.len().checked_sub(pad)?)
}

/// Writes `header` and `payload` into `out`; returns the packet length, or `None` if `out`
/// is too small.
pub fn write_packet(header: &RtpHeader, payload: &[u8], out: &mut [u8]) -> Option<usize> {
    let len = HEADER_LEN + payload.len();
    let out = out.get_mut(..len)?;
    out[0] = 0x80;
    out[1] = (u8::from(header.marker) << 7) | (header.payload_type & 0x7F);
    out[2..4].copy_from_slice(&header.sequence.to_be_bytes());
    out[4..8].copy_from_slice(&header.timestamp.to_be_bytes());
    out[8..12].copy_from_slice(&header.ssrc.to_be_bytes());
    out[HEADER_LEN..].copy_from_slice(payload);
    Some(len)
}

/// One RFC 4733 telephone-event report (the 4-byte payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// The event code (DTMF digits are 0–15).
    pub event: u8,
    /// The end bit.
    pub end: bool,
    /// The volume in -dBm0 (0–63).
    pub volume: u8,
    /// The duration so far, in timestamp units (8 kHz).
    pub duration: u16,
}

impl EventPayload {
    /// Parses the first report of a telephone-event payload.
    pub fn parse(payload: &[u8]) -> Option<EventPayload> {
        let [event, flags, d0, d1, ..] = *payload else {
            return None;
        };
        Some(EventPayload {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let [d0, d1] = self.duration.to_be_bytes();
        [self.event, (u8::from(self.end) << 7) | (self.volume & 0x3F), d0, d1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = RtpHeader {
            marker: true,
            payload_type: 8,
            sequence: 65535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x0102_0304,
        };
        let mut buf = [0u8; 200];
        let n = write_packet(&h, &[0xD5; 160], &mut buf).unwrap();
        assert_eq!(n, 172);
        assert_eq!(&buf[..2], &[0x80, 0x88]);
        let (parsed, payload) = parse_packet(&buf[..n]).unwrap();
        assert_eq!(parsed, h);
        assert_eq!(payload, &[0xD5; 160][..]);
        assert_eq!(write_packet(&h, &[0; 160], &mut [0u8; 100]), None);
    }

    #[test]
    fn csrcs_extension_and_padding_are_skipped() {
        let mut p = vec![0xB1, 0x00, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7];
        p.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        p.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // extension, one word
        p.extend_from_slice(&[0xFF; 4]); // payload
        p.extend_from_slice(&[0, 0, 3]); // padding of 3
        let (h, payload) = parse_packet(&p).unwrap();
        assert_eq!((h.sequence, h.timestamp, h.ssrc), (1, 160, 7));
        assert_eq!(payload, &[0xFF; 4]);
    }

    #[test]
    fn garbage_is_rejected_without_panicking() {
        assert!(parse_packet(&[]).is_none());
        assert!(parse_packet(&[0x80; 11]).is_none());
        assert!(parse_packet(&[0x40; 20]).is_none()); // version 1
        let mut rtcp = [0u8; 20];
        rtcp[0] = 0x80;
        rtcp[1] = 200;
        assert!(parse_packet(&rtcp).is_none());
        // 15 CSRCs announced, none present.
        assert!(parse_packet(&[0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).is_none());
        // Padding longer than the packet.
        let mut p = [0u8; 13];
        p[0] = 0xA0;
        p[12] = 200;
        assert!(parse_packet(&p).is_none());
        // Every prefix of a valid packet with an extension.
        let mut ok = vec![0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 2];
        ok.extend_from_slice(&[0; 8]);
        for n in 0..ok.len() {
            assert!(parse_packet(&ok[..n]).is_none(), "{n}");
        }
        assert!(parse_packet(&ok).is_some());
    }

    #[test]
    fn telephone_event_payload_round_trips() {
        let e = EventPayload {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(e.to_bytes(), [11, 0x8A, 0x03, 0x20]);
        assert_eq!(EventPayload::parse(&e.to_bytes()), Some(e));
        assert_eq!(EventPayload::parse(&[1, 2, 3]), None);
    }
}
