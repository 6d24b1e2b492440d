//! DTMF as RFC 4733 telephone events: digits, receiving one report per digit, sending in order.
//!
//! A sender repeats each event every 20 ms while the key is down and sends the final ("end")
//! packet three times. [`DtmfReceiver`] turns that stream into exactly one [`Dtmf`] per key
//! press: the event is identified by its RTP timestamp (RFC 4733 §2.5.1: all packets of one
//! event carry its start timestamp), reported on the first end packet, and the two
//! retransmissions are ignored. If every end packet is lost, the event is reported when the
//! next one starts.
//!
//! [`EventPackets`] is one outgoing event on the wire, the same for an RTP leg and a WebRTC
//! leg: the first packet with the marker bit, an update every 20 ms with the growing
//! duration, and the end packet three times 20 ms apart (RFC 4733 §2.5.1).
//!
//! [`DtmfSender`] is the outgoing queue: digits go out one at a time, each `tone` long with
//! `gap` between them (100 ms and 70 ms by default, as browsers' `insertDTMF`), so a string
//! of digits arrives in order. Event names follow RFC 4733 §3.2: `0`–`9`, `*`, `#`, `A`–`D`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One key press received from a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dtmf {
    /// `0`–`9`, `*`, `#` or `A`–`D`.
    pub digit: char,
    /// How long the key was down, as the sender reported.
    pub duration_ms: u32,
}

/// The RFC 4733 event code of a DTMF digit (case-insensitive for `A`–`D`).
pub fn digit_to_event(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

/// The DTMF digit of an RFC 4733 event code (other events, such as flash, are `None`).
pub fn event_to_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some((b'0' + event) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + event - 12) as char),
        _ => None,
    }
}

/// Checks a digit string before queueing it: not empty, and every character a DTMF digit.
pub fn validate_digits(digits: &str) -> Result<(), crate::MediaError> {
    if digits.is_empty() || digits.chars().any(|c| digit_to_event(c).is_none()) {
        return Err(crate::MediaError::InvalidDigits(digits.chars().take(32).collect()));
    }
    Ok(())
}

/// Deduplicates received telephone-event packets into one [`Dtmf`] per key press.
#[derive(Debug, Default)]
pub struct DtmfReceiver {
    current: Option<Current>,
}

#[derive(Debug)]
struct Current {
    timestamp: u64,
    event: u8,
    duration_ms: u32,
    reported: bool,
}

impl DtmfReceiver {
    /// Takes one received event packet: the RTP `timestamp` of the event, its code, the end
    /// bit and the duration so far. Calls `emit` for each key press that completes.
    pub fn on_packet(&mut self, timestamp: u64, event: u8, end: bool, duration_ms: u32, mut emit: impl FnMut(Dtmf)) {
        match &mut self.current {
            Some(c) if c.timestamp == timestamp && c.event == event => {
                c.duration_ms = c.duration_ms.max(duration_ms);
            }
            _ => {
                if let Some(previous) = self.current.take().filter(|c| !c.reported) {
                    // Its end packets were lost: report it now that the next one started.
                    report(&previous, &mut emit);
                }
                self.current = Some(Current {
                    timestamp,
                    event,
                    duration_ms,
                    reported: false,
                });
            }
        }
        let current = self.current.as_mut().expect("set above");
        if end && !current.reported {
            current.reported = true;
            report(current, &mut emit);
        }
    }
}

fn report(c: &Current, emit: &mut impl FnMut(Dtmf)) {
    if let Some(digit) = event_to_digit(c.event) {
        emit(Dtmf {
            digit,
            duration_ms: c.duration_ms,
        });
    }
}

/// The outgoing digit queue: one event at a time, `tone` long, `gap` apart.
#[derive(Debug)]
pub struct DtmfSender {
    queue: VecDeque<(u8, Duration)>,
    next_start: Option<Instant>,
    gap: Duration,
}

/// How long each sent digit lasts, unless the caller says otherwise.
pub const DEFAULT_TONE: Duration = Duration::from_millis(100);
/// The pause between sent digits.
pub const DEFAULT_GAP: Duration = Duration::from_millis(70);

impl Default for DtmfSender {
    fn default() -> Self {
        DtmfSender {
            queue: VecDeque::new(),
            next_start: None,
            gap: DEFAULT_GAP,
        }
    }
}

impl DtmfSender {
    /// Queues each digit of `digits` for `tone` (clamped to 40 ms–6 s, what RFC 4733 senders
    /// and receivers accept). Characters that are not digits are skipped.
    pub fn push(&mut self, digits: &str, tone: Duration) {
        let tone = tone.clamp(Duration::from_millis(40), Duration::from_secs(6));
        self.queue
            .extend(digits.chars().filter_map(digit_to_event).map(|e| (e, tone)));
    }

    /// Whether digits wait to be sent.
    pub fn is_pending(&self) -> bool {
        !self.queue.is_empty()
    }

    /// When the next digit may start, if one is queued.
    pub fn deadline(&self) -> Option<Instant> {
        if self.queue.is_empty() {
            return None;
        }
        Some(self.next_start.unwrap_or(Instant::now()))
    }

    /// The next event to start now (code and duration), if one is due.
    pub fn due(&mut self, now: Instant) -> Option<(u8, Duration)> {
        if self.next_start.is_some_and(|t| now < t) {
            return None;
        }
        let (event, tone) = self.queue.pop_front()?;
        self.next_start = Some(now + tone + self.gap);
        Some((event, tone))
    }
}

/// The packets of one outgoing event, each due 20 ms after the one before.
#[derive(Debug)]
pub(crate) struct EventPackets {
    event: u8,
    timestamp: u32,
    /// The event's length and how much of it was sent, in 8 kHz timestamp units.
    total: u16,
    elapsed: u16,
    next_at: Instant,
    first: bool,
    ends_left: u8,
}

/// One packet of an event: the marker bit, the RTP timestamp (the event's start) and the
/// 4-byte payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventPacket {
    pub(crate) marker: bool,
    pub(crate) timestamp: u32,
    pub(crate) payload: [u8; 4],
}

impl EventPackets {
    /// An event starting now at RTP time `timestamp`, lasting `duration`.
    pub(crate) fn new(event: u8, timestamp: u32, duration: Duration, now: Instant) -> EventPackets {
        let total = (duration.as_millis() * 8).min(u128::from(u16::MAX)) as u16;
        EventPackets {
            event,
            timestamp,
            total,
            elapsed: 160.min(total),
            next_at: now,
            first: true,
            ends_left: 3,
        }
    }

    /// When the next packet is due; `None` once the last end packet was sent.
    pub(crate) fn next_at(&self) -> Option<Instant> {
        (self.ends_left > 0).then_some(self.next_at)
    }

    /// The next packet, if it is due at `now`.
    pub(crate) fn due(&mut self, now: Instant) -> Option<EventPacket> {
        if self.ends_left == 0 || now < self.next_at {
            return None;
        }
        let end = self.elapsed >= self.total;
        let payload = crate::rtp::EventPayload {
            event: self.event,
            end,
            volume: 10,
            duration: self.elapsed,
        };
        let packet = EventPacket {
            marker: self.first,
            timestamp: self.timestamp,
            payload: payload.to_bytes(),
        };
        self.first = false;
        if end {
            self.ends_left -= 1;
        } else {
            self.elapsed = self.elapsed.saturating_add(160).min(self.total);
        }
        self.next_at += Duration::from_millis(20);
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_a_marked_start_updates_and_three_ends() {
        let t0 = Instant::now();
        let mut packets = EventPackets::new(5, 1234, Duration::from_millis(60), t0);
        let mut sent = Vec::new();
        for k in 0..10u32 {
            let now = t0 + Duration::from_millis(u64::from(k) * 20);
            while let Some(p) = packets.due(now) {
                let e = crate::rtp::EventPayload::parse(&p.payload).unwrap();
                sent.push((p.marker, p.timestamp, e.event, e.end, e.duration));
            }
        }
        assert_eq!(
            sent,
            vec![
                (true, 1234, 5, false, 160),
                (false, 1234, 5, false, 320),
                (false, 1234, 5, true, 480),
                (false, 1234, 5, true, 480),
                (false, 1234, 5, true, 480),
            ]
        );
        assert_eq!(packets.next_at(), None);
        assert_eq!(packets.due(t0 + Duration::from_secs(1)), None);
    }

    #[test]
    fn digits_and_events_map_both_ways() {
        for (i, d) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(digit_to_event(d), Some(i as u8));
            assert_eq!(event_to_digit(i as u8), Some(d));
        }
        assert_eq!(digit_to_event('b'), Some(13));
        assert_eq!(digit_to_event('x'), None);
        assert_eq!(event_to_digit(16), None);
        assert!(validate_digits("12#*a").is_ok());
        assert!(validate_digits("1 2").is_err());
        assert!(validate_digits("").is_err());
    }

    fn receive(packets: &[(u64, u8, bool, u32)]) -> Vec<Dtmf> {
        let mut r = DtmfReceiver::default();
        let mut out = Vec::new();
        for &(ts, ev, end, ms) in packets {
            r.on_packet(ts, ev, end, ms, |d| out.push(d));
        }
        out
    }

    #[test]
    fn one_report_per_press_despite_end_retransmissions() {
        let out = receive(&[
            (1000, 1, false, 20),
            (1000, 1, false, 40),
            (1000, 1, true, 100),
            (1000, 1, true, 100),
            (1000, 1, true, 100),
            (3000, 1, false, 20),
            (3000, 1, true, 100),
            (3000, 1, true, 100),
            (5000, 11, true, 60),
        ]);
        let digits: Vec<_> = out.iter().map(|d| (d.digit, d.duration_ms)).collect();
        assert_eq!(digits, [('1', 100), ('1', 100), ('#', 60)]);
    }

    #[test]
    fn lost_end_packets_are_reported_when_the_next_event_starts() {
        let out = receive(&[(1000, 5, false, 20), (1000, 5, false, 80), (2000, 6, true, 100)]);
        let digits: Vec<_> = out.iter().map(|d| (d.digit, d.duration_ms)).collect();
        assert_eq!(digits, [('5', 80), ('6', 100)]);
    }

    #[test]
    fn non_digit_events_are_ignored() {
        assert!(receive(&[(1000, 16, true, 100)]).is_empty());
    }

    #[test]
    fn sender_spaces_digits() {
        let mut s = DtmfSender::default();
        s.push("1x#", Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!(s.due(t0), Some((1, Duration::from_millis(100))));
        assert_eq!(s.due(t0 + Duration::from_millis(100)), None);
        assert_eq!(s.deadline(), Some(t0 + Duration::from_millis(170)));
        assert_eq!(
            s.due(t0 + Duration::from_millis(170)),
            Some((11, Duration::from_millis(100)))
        );
        assert!(!s.is_pending());
        assert_eq!(s.deadline(), None);
        s.push("2", Duration::from_millis(1));
        assert_eq!(s.due(t0 + Duration::from_secs(1)), Some((2, Duration::from_millis(40))));
    }
}
