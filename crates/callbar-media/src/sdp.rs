//! SDP offer/answer for plain RTP/AVP audio (SIP trunks).
//!
//! The WebRTC legs use str0m's SDP; a trunk's SDP is the simpler RFC 4566/3264 kind, and only
//! its first audio stream matters: where to send (connection address and port), which
//! formats in which order of preference, the packet time and the direction (RFC 3264 §5.1;
//! the legacy hold of `c=IN IP4 0.0.0.0` counts as "do not send to me"). [`parse`] reads that
//! from a remote offer or answer, tolerating what real peers write (missing rtpmaps for static
//! types, CRLF or LF, unknown attributes); [`LocalDescription`] writes ours.
//!
//! Offer/answer rules Callbar follows: offer PCMU, PCMA and telephone-event/8000 (PT 101),
//! ptime 20; answer with the first of the remote's formats that is PCMU or PCMA, plus
//! telephone-event/8000 with the remote's payload type if it offered one, and the direction
//! that mirrors theirs.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::Codec;

/// The largest SDP accepted: real ones are well under 4 KiB.
pub const MAX_SDP_LEN: usize = 64 * 1024;

/// Why a remote SDP was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Longer than [`MAX_SDP_LEN`].
    #[error("SDP larger than {MAX_SDP_LEN} bytes")]
    TooLarge,
    /// No `m=audio` line.
    #[error("SDP has no audio stream")]
    NoAudio,
    /// No usable `c=` line at session or media level.
    #[error("SDP has no connection address")]
    NoConnection,
    /// A line that matters could not be read.
    #[error("malformed SDP line: {0}")]
    Malformed(String),
    /// The audio stream offers neither PCMU nor PCMA.
    #[error("no common codec: the audio stream offers neither PCMU nor PCMA")]
    NoCommonCodec,
}

/// Media direction (RFC 3264 §5.1), from the point of view of whoever wrote the SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    /// Sends and receives.
    #[default]
    SendRecv,
    /// Sends only (the other side is "on hold").
    SendOnly,
    /// Receives only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    /// The direction to answer an offer of `self` with, when we want both ways.
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Whether the writer of the SDP sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the writer of the SDP wants to receive media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(a: &str) -> Option<Direction> {
        Some(match a {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }
}

/// One payload format of an audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The payload type.
    pub pt: u8,
    /// The encoding name as written (`PCMU`, `telephone-event`, …); empty if unknown.
    pub name: String,
    /// The clock rate.
    pub rate: u32,
}

/// The first audio stream of a remote SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteAudio {
    /// Where to send RTP (media-level `c=` or else session-level).
    pub address: IpAddr,
    /// The RTP port; 0 means the stream was rejected.
    pub port: u16,
    /// The formats in the remote's order of preference.
    pub formats: Vec<Format>,
    /// `a=ptime`, if given.
    pub ptime: Option<u32>,
    /// The remote's direction (media level, else session level, else sendrecv).
    pub direction: Direction,
}

impl RemoteAudio {
    /// The first G.711 format the remote lists, with its payload type.
    pub fn codec(&self) -> Option<(Codec, u8)> {
        self.formats.iter().find_map(|f| {
            let codec = match f.name.to_ascii_uppercase().as_str() {
                "PCMU" if f.rate == 8000 => Codec::Pcmu,
                "PCMA" if f.rate == 8000 => Codec::Pcma,
                _ => return None,
            };
            Some((codec, f.pt))
        })
    }

    /// The payload type of telephone-event/8000, if offered.
    pub fn telephone_event(&self) -> Option<u8> {
        self.formats
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case("telephone-event") && f.rate == 8000)
            .map(|f| f.pt)
    }

    /// Whether the remote wants our media: it receives, its port is not 0 and its address is
    /// not the legacy hold address `0.0.0.0`.
    pub fn wants_media(&self) -> bool {
        self.direction.receives() && self.port != 0 && !self.address.is_unspecified()
    }
}

/// Reads the first audio stream of an SDP.
pub fn parse(sdp: &str) -> Result<RemoteAudio, SdpError> {
    if sdp.len() > MAX_SDP_LEN {
        return Err(SdpError::TooLarge);
    }
    let mut session_addr = None;
    let mut session_dir = None;
    let mut audio: Option<AudioBuilder> = None;
    // Whether we are inside the chosen audio m-section (later m-sections are skipped).
    let mut in_audio = false;
    let mut seen_media = false;
    for line in sdp.lines() {
        let line = line.trim_end_matches('\r');
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match kind {
            "m" => {
                seen_media = true;
                in_audio = false;
                if audio.is_none() && value.starts_with("audio ") {
                    audio = Some(AudioBuilder::from_m_line(value)?);
                    in_audio = true;
                }
            }
            "c" => {
                let addr = parse_connection(value)?;
                if !seen_media {
                    session_addr = Some(addr);
                } else if in_audio {
                    audio.as_mut().expect("in audio").address = Some(addr);
                }
            }
            "a" => {
                let (name, arg) = value.split_once(':').unwrap_or((value, ""));
                if !seen_media {
                    session_dir = Direction::from_attribute(name).or(session_dir);
                } else if in_audio {
                    audio.as_mut().expect("in audio").attribute(name, arg);
                }
            }
            _ => {}
        }
    }
    let audio = audio.ok_or(SdpError::NoAudio)?;
    let address = audio.address.or(session_addr).ok_or(SdpError::NoConnection)?;
    let formats = audio
        .pts
        .iter()
        .map(|&pt| {
            audio
                .rtpmaps
                .iter()
                .find(|f| f.pt == pt)
                .cloned()
                .unwrap_or_else(|| static_format(pt))
        })
        .collect();
    Ok(RemoteAudio {
        address,
        port: audio.port,
        formats,
        ptime: audio.ptime,
        direction: audio.direction.or(session_dir).unwrap_or_default(),
    })
}

struct AudioBuilder {
    port: u16,
    pts: Vec<u8>,
    rtpmaps: Vec<Format>,
    address: Option<IpAddr>,
    ptime: Option<u32>,
    direction: Option<Direction>,
}

impl AudioBuilder {
    fn from_m_line(value: &str) -> Result<AudioBuilder, SdpError> {
        let malformed = || SdpError::Malformed(format!("m={}", truncate(value)));
        let mut parts = value.split_ascii_whitespace();
        let _media = parts.next();
        // "port" or "port/count".
        let port = parts
            .next()
            .and_then(|p| p.split('/').next())
            .and_then(|p| p.parse::<u16>().ok())
            .ok_or_else(malformed)?;
        let _proto = parts.next().ok_or_else(malformed)?;
        // Formats that are not numbers in range are ignored, as RFC 4566 peers might send
        // anything there; a stream with none usable ends up with no codec.
        let pts = parts
            .filter_map(|p| p.parse::<u8>().ok())
            .filter(|&pt| pt < 128)
            .take(32)
            .collect();
        Ok(AudioBuilder {
            port,
            pts,
            rtpmaps: Vec::new(),
            address: None,
            ptime: None,
            direction: None,
        })
    }

    fn attribute(&mut self, name: &str, arg: &str) {
        if let Some(d) = Direction::from_attribute(name) {
            self.direction = Some(d);
            return;
        }
        match name {
            "rtpmap" => {
                if let Some(f) = parse_rtpmap(arg)
                    && self.rtpmaps.len() < 32
                {
                    self.rtpmaps.push(f);
                }
            }
            "ptime" => self.ptime = arg.trim().parse().ok().filter(|&p| p > 0 && p <= 200),
            _ => {}
        }
    }
}

/// `<pt> <name>/<rate>[/<channels>]`
fn parse_rtpmap(arg: &str) -> Option<Format> {
    let (pt, rest) = arg.trim().split_once(' ')?;
    let mut parts = rest.trim().split('/');
    let name = parts.next()?.to_string();
    let rate = parts.next()?.parse().ok()?;
    Some(Format {
        pt: pt.parse().ok()?,
        name,
        rate,
    })
}

/// `IN IP4 <addr>[/ttl]` or `IN IP6 <addr>`
fn parse_connection(value: &str) -> Result<IpAddr, SdpError> {
    let mut parts = value.split_ascii_whitespace();
    let (_net, _kind, addr) = (parts.next(), parts.next(), parts.next());
    addr.and_then(|a| a.split('/').next())
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| SdpError::Malformed(format!("c={}", truncate(value))))
}

/// Static payload types (RFC 3551 table 4) that may appear without an rtpmap.
fn static_format(pt: u8) -> Format {
    let (name, rate) = match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        13 => ("CN", 8000),
        18 => ("G729", 8000),
        _ => ("", 0),
    };
    Format {
        pt,
        name: name.to_string(),
        rate,
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Our side of an RTP/AVP audio stream, written as an SDP offer or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDescription {
    /// The address we advertise (`MediaConfig::advertise_ip`).
    pub address: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// Codecs in order of preference (an answer lists exactly one).
    pub codecs: Vec<Codec>,
    /// telephone-event/8000 with this payload type, if used.
    pub telephone_event: Option<u8>,
    /// Our direction.
    pub direction: Direction,
    /// `o=` session id; keep it for the life of the dialog.
    pub session_id: u64,
    /// `o=` version; increase it for every new offer in the dialog (RFC 3264 §8).
    pub version: u64,
}

/// The telephone-event payload type Callbar offers.
pub const TELEPHONE_EVENT_PT: u8 = 101;

impl LocalDescription {
    /// The SDP text.
    pub fn to_sdp(&self) -> String {
        let ip = match self.address {
            IpAddr::V4(_) => "IP4",
            IpAddr::V6(_) => "IP6",
        };
        let mut s = String::with_capacity(320);
        // Writing to a String cannot fail.
        let _ = write!(
            s,
            "v=0\r\no=callbar {} {} IN {ip} {}\r\ns=callbar\r\nc=IN {ip} {}\r\nt=0 0\r\nm=audio {} RTP/AVP",
            self.session_id, self.version, self.address, self.address, self.port
        );
        for c in &self.codecs {
            let _ = write!(s, " {}", c.payload_type());
        }
        if let Some(pt) = self.telephone_event {
            let _ = write!(s, " {pt}");
        }
        s.push_str("\r\n");
        for c in &self.codecs {
            let _ = write!(s, "a=rtpmap:{} {}/8000\r\n", c.payload_type(), c.encoding_name());
        }
        if let Some(pt) = self.telephone_event {
            let _ = write!(s, "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n");
        }
        let _ = write!(s, "a=ptime:20\r\na={}\r\n", self.direction.attribute());
        s
    }

    /// The answer to `remote`: its first G.711 codec, telephone-event if it offered it, and the
    /// mirrored direction.
    pub fn answer(
        address: IpAddr,
        port: u16,
        remote: &RemoteAudio,
        session_id: u64,
    ) -> Result<LocalDescription, SdpError> {
        let (codec, _) = remote.codec().ok_or(SdpError::NoCommonCodec)?;
        Ok(LocalDescription {
            address,
            port,
            codecs: vec![codec],
            telephone_event: remote.telephone_event(),
            direction: remote.direction.answer(),
            session_id,
            version: 1,
        })
    }

    /// Our offer: PCMU, PCMA and telephone-event/8000, sendrecv.
    pub fn offer(address: IpAddr, port: u16, session_id: u64) -> LocalDescription {
        LocalDescription {
            address,
            port,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event: Some(TELEPHONE_EVENT_PT),
            direction: Direction::SendRecv,
            session_id,
            version: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What baresip 1.0 offers (media-notes §3), with its usual attributes.
    const BARESIP: &str = "v=0\r\n\
o=- 1405361584 2034524612 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 10230 RTP/AVP 0 101\r\n\
b=AS:64\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=rtcp:10231\r\n\
a=sendrecv\r\n\
a=label:1\r\n\
a=ssrc:1729484577 cname:ac0f0b2c-8c8e-4a3f-9d7f-a3a5d6b0e1a1\r\n";

    /// SIPp's built-in uas answer: PCMU only, no rtpmap, LF line ends.
    const SIPP: &str = "v=0\n\
o=user1 53655765 2353687637 IN IP4 127.0.0.1\n\
s=-\n\
c=IN IP4 127.0.0.1\n\
t=0 0\n\
m=audio 6000 RTP/AVP 0\n\
a=rtpmap:0 PCMU/8000\n";

    #[test]
    fn baresip_offer() {
        let r = parse(BARESIP).unwrap();
        assert_eq!(r.address, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(r.port, 10230);
        assert_eq!(r.codec(), Some((Codec::Pcmu, 0)));
        assert_eq!(r.telephone_event(), Some(101));
        assert_eq!(r.direction, Direction::SendRecv);
        assert!(r.wants_media());
    }

    #[test]
    fn sipp_answer() {
        let r = parse(SIPP).unwrap();
        assert_eq!(r.port, 6000);
        assert_eq!(r.codec(), Some((Codec::Pcmu, 0)));
        assert_eq!(r.telephone_event(), None);
        assert_eq!(r.ptime, None);
    }

    #[test]
    fn carrier_offer_prefers_pcma_with_static_types_and_hold() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n\
a=sendonly\r\n\
m=audio 30000 RTP/AVP 8 0 18 96\r\na=rtpmap:96 telephone-event/8000\r\na=ptime:30\r\n\
m=video 30002 RTP/AVP 97\r\nc=IN IP4 198.51.100.1\r\na=recvonly\r\n";
        let r = parse(sdp).unwrap();
        assert_eq!(r.codec(), Some((Codec::Pcma, 8)));
        assert_eq!(r.telephone_event(), Some(96));
        assert_eq!(r.ptime, Some(30));
        // Session-level sendonly applies; the video section's c= and direction do not.
        assert_eq!(r.direction, Direction::SendOnly);
        assert_eq!(r.address, "203.0.113.5".parse::<IpAddr>().unwrap());
        assert!(!r.wants_media());
        let names: Vec<_> = r.formats.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["PCMA", "PCMU", "G729", "telephone-event"]);
    }

    #[test]
    fn media_level_connection_and_legacy_hold() {
        let sdp = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=inactive\r\n";
        let r = parse(sdp).unwrap();
        assert!(r.address.is_unspecified());
        assert_eq!(r.direction, Direction::Inactive);
        assert!(!r.wants_media());
        let v6 = parse("v=0\nc=IN IP6 ::1\nm=audio 4000 RTP/AVP 8\n").unwrap();
        assert_eq!(v6.address, "::1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn refusals() {
        assert_eq!(parse("v=0\r\n"), Err(SdpError::NoAudio));
        assert_eq!(parse("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"), Err(SdpError::NoConnection));
        assert!(matches!(
            parse("c=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse("c=IN IP4 nonsense\r\nm=audio 1 RTP/AVP 0\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert_eq!(parse(&"a".repeat(MAX_SDP_LEN + 1)), Err(SdpError::TooLarge));
        let g729 = parse("c=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18\r\n").unwrap();
        assert_eq!(g729.codec(), None);
        let local = LocalDescription::answer("127.0.0.1".parse().unwrap(), 1, &g729, 1);
        assert_eq!(local, Err(SdpError::NoCommonCodec));
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "=",
            "m=",
            "m=audio",
            "m=audio 1",
            "c=\r\nm=audio 1 RTP/AVP 999 -1 0",
            "m=audio 1 RTP/AVP 0\r\na=rtpmap:\r\na=rtpmap:0\r\na=rtpmap:0 PCMU\r\na=ptime:x",
            "\u{0}\u{1}=\u{ff}",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn answer_to_baresip_and_offer_round_trip() {
        let remote = parse(BARESIP).unwrap();
        let ours = LocalDescription::answer("192.0.2.7".parse().unwrap(), 40002, &remote, 42)
            .unwrap()
            .to_sdp();
        assert!(ours.contains("m=audio 40002 RTP/AVP 0 101\r\n"), "{ours}");
        assert!(ours.contains("c=IN IP4 192.0.2.7\r\n"));
        assert!(ours.contains("a=rtpmap:101 telephone-event/8000\r\n"));
        assert!(ours.contains("a=sendrecv\r\n"));
        // Our own SDP parses back to what we meant.
        let back = parse(&ours).unwrap();
        assert_eq!(back.codec(), Some((Codec::Pcmu, 0)));
        assert_eq!(back.telephone_event(), Some(101));
        assert_eq!(back.port, 40002);

        let offer = LocalDescription::offer("127.0.0.1".parse().unwrap(), 40004, 7);
        let back = parse(&offer.to_sdp()).unwrap();
        let pts: Vec<_> = back.formats.iter().map(|f| f.pt).collect();
        assert_eq!(pts, [0, 8, 101]);
        assert_eq!(back.ptime, Some(20));

        let mut held = remote.clone();
        held.direction = Direction::SendOnly;
        let answer = LocalDescription::answer("127.0.0.1".parse().unwrap(), 1, &held, 1).unwrap();
        assert_eq!(answer.direction, Direction::RecvOnly);
    }
}
