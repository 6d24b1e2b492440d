//! The outgoing RTP timeline of a leg.
//!
//! What a leg sends comes from different sources over its life: generated tones, then the
//! other leg's frames, then the hold tone, then the other leg again. Its receiver needs one
//! monotonic timestamp sequence, so [`OutClock`] maps each source's timestamps onto the leg's
//! own timeline: within a source the source's spacing is kept (a forwarded frame keeps its
//! timing, gaps included); at a switch of source the timeline advances by the wall-clock time
//! that passed, and the frame carries the marker bit (a new talkspurt, RFC 3551 §4.1), so the
//! receiver's jitter buffer resynchronizes instead of stretching or dropping audio.

use std::time::Instant;

/// Where a frame sent on a leg comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Forwarded from the customer leg.
    Customer,
    /// Forwarded from the agent leg.
    Agent,
    /// Generated here: tones and silence.
    Generated,
}

/// Maps source timestamps onto a leg's continuous 8 kHz timeline.
#[derive(Debug)]
pub(crate) struct OutClock {
    last: Option<Last>,
}

#[derive(Debug, Clone, Copy)]
struct Last {
    source: Source,
    source_ts: u32,
    out_ts: u64,
    samples: u32,
    at: Instant,
}

/// A jump within one source larger than this (2 s) is treated as a new source.
const MAX_STEP: i64 = 16_000;

impl OutClock {
    pub(crate) fn new() -> OutClock {
        OutClock { last: None }
    }

    /// The timestamp on our timeline for a frame of `samples` from `source` stamped
    /// `source_ts`, and whether it starts a talkspurt (marker bit).
    pub(crate) fn stamp(&mut self, source: Source, source_ts: u32, samples: u32, now: Instant) -> (u64, bool) {
        let (out_ts, marker) = match self.last {
            None => (0, true),
            Some(last) => {
                let step = i64::from(source_ts.wrapping_sub(last.source_ts) as i32);
                if last.source == source && step > 0 && step <= MAX_STEP {
                    (last.out_ts + step as u64, false)
                } else {
                    // Advance by the wall time that passed, at least one frame.
                    let elapsed = now.saturating_duration_since(last.at).as_micros() as u64 * 8 / 1000;
                    let advance = elapsed.max(u64::from(last.samples));
                    // Round to whole 20 ms frames so tones stay aligned.
                    let advance = advance.div_ceil(160) * 160;
                    (last.out_ts + advance, true)
                }
            }
        };
        self.last = Some(Last {
            source,
            source_ts,
            out_ts,
            samples,
            at: now,
        });
        (out_ts, marker)
    }

    /// The timestamp the next generated event (DTMF) should carry: just after the last frame.
    pub(crate) fn next_ts(&self) -> u64 {
        self.last.map_or(0, |l| l.out_ts + u64::from(l.samples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn keeps_source_spacing_and_bridges_switches_by_wall_time() {
        let t0 = Instant::now();
        let mut c = OutClock::new();
        assert_eq!(c.stamp(Source::Generated, 0, 160, t0), (0, true));
        assert_eq!(c.stamp(Source::Generated, 160, 160, t0), (160, false));
        // A forwarded source starting at an arbitrary timestamp, 100 ms later.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(c.stamp(Source::Agent, 4_000_000_000, 160, t1), (960, true));
        // Its spacing (with a lost frame) is kept, across the u32 wrap.
        assert_eq!(c.stamp(Source::Agent, 4_000_000_320, 160, t1), (1280, false));
        let wrapped = 4_000_000_320u32.wrapping_add(300_000_000);
        assert!(c.stamp(Source::Agent, wrapped, 160, t1).1);
        // A step backwards is a new talkspurt, never a timestamp going back.
        let (ts, marker) = c.stamp(Source::Agent, 5, 160, t1);
        assert!(marker && ts > 1280);
        assert_eq!(c.next_ts(), ts + 160);
    }
}
