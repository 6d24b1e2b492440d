//! Call recording: a two-channel 8 kHz 16-bit WAV, customer left, agent right, on one
//! continuous timeline.
//!
//! **Timeline.** Sample `n` of the file is `n / 8000` seconds after the recording started,
//! whatever arrived: a lost frame, a paused stretch or a side that sends nothing is silence,
//! never missing time, so the file's length is the recording's wall-clock length and the two
//! channels stay aligned. Each side's frames are placed by their RTP timestamps relative to
//! an anchor taken from the arrival time of the side's first frame, so network jitter does not
//! move audio around; a side whose timestamps drift more than 200 ms from its arrival times
//! (a new source, a sender that paused) is re-anchored. Samples wait in a one-second ring and
//! are written 240 ms behind real time, enough to absorb jitter.
//!
//! **Durability.** The WAV header is rewritten (hound's `flush`) every second, so a crash
//! loses at most about a second and leaves a valid file.
//!
//! **Pause.** While paused, nothing is placed in the ring: the paused stretch is written as
//! silence and the timeline keeps running.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hound::{SampleFormat, WavSpec, WavWriter};

use crate::MediaError;
use crate::tone::SAMPLE_RATE;

/// Which channel a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    /// Left: what the customer says.
    Customer = 0,
    /// Right: what the customer hears from the agent's side.
    Agent = 1,
}

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordingSummary {
    /// The WAV file.
    pub path: PathBuf,
    /// Its length (wall-clock time from start to stop).
    pub duration: Duration,
    /// How long it was paused in total.
    pub paused: Duration,
    /// The first write error, if the file could not be written to the end.
    pub error: Option<String>,
}

const RING: usize = SAMPLE_RATE as usize; // one second
/// How far behind real time samples are written (240 ms).
const DELAY: u64 = 1920;
/// How far a frame's place by timestamp may be from its arrival before the side is
/// re-anchored (160 ms). It must stay below `DELAY` minus a frame (60 ms at most) and the
/// call's 20 ms media clock, or a side lagging by between the two would be placed where the
/// file is already written, and lost.
const REANCHOR: i64 = 1280;
const _: () = assert!(REANCHOR as u64 + 480 + 160 <= DELAY);

#[derive(Debug, Clone, Copy)]
struct Anchor {
    ts: u32,
    pos: u64,
}

/// A recording in progress.
pub(crate) struct Recorder {
    path: PathBuf,
    writer: Option<WavWriter<BufWriter<File>>>,
    start: Instant,
    written: u64,
    ring: Vec<[i16; 2]>,
    anchors: [Option<Anchor>; 2],
    paused_since: Option<Instant>,
    paused_total: Duration,
    last_sync: Instant,
    error: Option<String>,
}

impl Recorder {
    /// Creates the file (and its directory) and starts the timeline at `now`.
    pub(crate) fn create(path: &Path, now: Instant) -> Result<Recorder, MediaError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let spec = WavSpec {
            channels: 2,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let writer = WavWriter::create(path, spec).map_err(hound_error)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            writer: Some(writer),
            start: now,
            written: 0,
            ring: vec![[0; 2]; RING],
            anchors: [None; 2],
            paused_since: None,
            paused_total: Duration::ZERO,
            last_sync: now,
            error: None,
        })
    }

    fn position(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_micros() as u64 * u64::from(SAMPLE_RATE) / 1_000_000
    }

    /// Places a frame of `channel` that arrived at `now` with RTP timestamp `ts`.
    pub(crate) fn put(&mut self, channel: Channel, ts: u32, samples: &[i16], now: Instant) {
        if self.paused_since.is_some() {
            return;
        }
        let len = samples.len() as u64;
        let arrived = self.position(now).saturating_sub(len);
        let anchor = &mut self.anchors[channel as usize];
        let expected = anchor.map(|a| a.pos as i64 + i64::from(ts.wrapping_sub(a.ts) as i32));
        let pos = match expected {
            Some(p) if p >= 0 && (p - arrived as i64).abs() <= REANCHOR => p as u64,
            _ => {
                *anchor = Some(Anchor { ts, pos: arrived });
                arrived
            }
        };
        for (i, &s) in samples.iter().enumerate() {
            let p = pos + i as u64;
            if p >= self.written && p < self.written + RING as u64 {
                self.ring[(p % RING as u64) as usize][channel as usize] = s;
            }
        }
    }

    /// Writes everything older than the jitter delay; syncs the file every second.
    pub(crate) fn flush(&mut self, now: Instant) {
        let target = self.position(now).saturating_sub(DELAY);
        self.write_until(target);
        if now.saturating_duration_since(self.last_sync) >= Duration::from_secs(1) {
            self.last_sync = now;
            if let Some(w) = self.writer.as_mut()
                && let Err(e) = w.flush()
            {
                self.fail(e);
            }
        }
    }

    fn write_until(&mut self, target: u64) {
        while self.written < target {
            let slot = &mut self.ring[(self.written % RING as u64) as usize];
            let [l, r] = std::mem::take(slot);
            if let Some(w) = self.writer.as_mut()
                && let Err(e) = w.write_sample(l).and_then(|()| w.write_sample(r))
            {
                self.fail(e);
            }
            self.written += 1;
        }
    }

    fn fail(&mut self, e: hound::Error) {
        tracing::warn!(path = %self.path.display(), error = %e, "recording write failed");
        self.error.get_or_insert_with(|| e.to_string());
        self.writer = None;
    }

    /// Pauses (silence from now on) or resumes.
    pub(crate) fn pause(&mut self, on: bool, now: Instant) {
        match (on, self.paused_since) {
            (true, None) => self.paused_since = Some(now),
            (false, Some(since)) => {
                self.paused_total += now.saturating_duration_since(since);
                self.paused_since = None;
                self.anchors = [None; 2];
            }
            _ => {}
        }
    }

    /// Writes the rest of the timeline up to `now` and closes the file.
    pub(crate) fn stop(mut self, now: Instant) -> RecordingSummary {
        self.pause(false, now);
        let end = self.position(now);
        self.write_until(end);
        if let Some(w) = self.writer.take()
            && let Err(e) = w.finalize()
        {
            self.error.get_or_insert_with(|| e.to_string());
        }
        RecordingSummary {
            path: self.path,
            duration: Duration::from_micros(end * 1_000_000 / u64::from(SAMPLE_RATE)),
            paused: self.paused_total,
            error: self.error,
        }
    }
}

fn hound_error(e: hound::Error) -> MediaError {
    match e {
        hound::Error::IoError(e) => MediaError::Io(e),
        other => MediaError::Io(std::io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> (Vec<i16>, Vec<i16>) {
        let mut r = hound::WavReader::open(path).unwrap();
        assert_eq!(r.spec().channels, 2);
        assert_eq!(r.spec().sample_rate, 8000);
        let s: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
        let left = s.iter().step_by(2).copied().collect();
        let right = s.iter().skip(1).step_by(2).copied().collect();
        (left, right)
    }

    #[test]
    fn frames_land_on_a_continuous_timeline_with_gaps_and_pauses_as_silence() {
        let dir = std::env::temp_dir().join(format!("callbar-rec-{}", std::process::id()));
        let path = dir.join("t.wav");
        let t0 = Instant::now();
        let mut rec = Recorder::create(&path, t0).unwrap();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // Left: frames every 20 ms for 1 s, with frame 10 lost; each arrives 5 ms "late".
        for k in 0..50u32 {
            if k != 10 {
                rec.put(
                    Channel::Customer,
                    1000 + k * 160,
                    &[100; 160],
                    ms(u64::from(k) * 20 + 25),
                );
            }
            rec.flush(ms(u64::from(k) * 20 + 25));
        }
        // Pause for 500 ms: frames sent meanwhile are not recorded.
        rec.pause(true, ms(1000));
        for k in 50..75u32 {
            rec.put(
                Channel::Customer,
                1000 + k * 160,
                &[100; 160],
                ms(u64::from(k) * 20 + 25),
            );
            rec.flush(ms(u64::from(k) * 20 + 25));
        }
        rec.pause(false, ms(1500));
        for k in 75..100u32 {
            rec.put(
                Channel::Customer,
                1000 + k * 160,
                &[100; 160],
                ms(u64::from(k) * 20 + 25),
            );
            rec.put(Channel::Agent, 7 + k * 160, &[-200; 160], ms(u64::from(k) * 20 + 25));
            rec.flush(ms(u64::from(k) * 20 + 25));
        }
        let summary = rec.stop(ms(2000));
        assert_eq!(summary.duration, Duration::from_secs(2));
        assert_eq!(summary.paused, Duration::from_millis(500));
        assert_eq!(summary.error, None);
        let (left, right) = read(&path);
        assert_eq!(left.len(), 16000);
        // The lost frame is a 20 ms hole of silence, not missing time.
        let zeros_in_first_second = left[..8000].iter().filter(|&&v| v == 0).count();
        assert!((160..=200).contains(&zeros_in_first_second), "{zeros_in_first_second}");
        // The paused half second is silent on both sides.
        assert!(left[8200..11900].iter().all(|&v| v == 0));
        // After the pause both sides are there.
        assert!(left[12400..15900].iter().all(|&v| v == 100));
        assert!(right[12400..15900].iter().all(|&v| v == -200));
        assert!(right[..11900].iter().all(|&v| v == 0));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_sender_whose_timestamps_fall_behind_is_still_recorded() {
        let dir = std::env::temp_dir().join(format!("callbar-rec-lag-{}", std::process::id()));
        let path = dir.join("t.wav");
        let t0 = Instant::now();
        let mut rec = Recorder::create(&path, t0).unwrap();
        // A sender that skips a frame's worth of timestamps every 200 ms of wall-clock
        // (a stalled client that does not burst to catch up): by 2 s it lags by 200 ms.
        let mut ts = 0u32;
        for k in 0..100u64 {
            let now = t0 + Duration::from_millis(k * 20 + 20);
            rec.put(Channel::Customer, ts, &[100; 160], now);
            rec.flush(now);
            ts += if k % 10 == 9 { 0 } else { 160 };
        }
        let summary = rec.stop(t0 + Duration::from_secs(2));
        assert_eq!(summary.error, None);
        let (left, _) = read(&path);
        // Re-anchoring may overwrite or skip a frame at a time, never lose the stream.
        let heard = left.iter().filter(|&&v| v == 100).count();
        assert!(heard >= 14_000, "{heard} of 16,000 samples recorded");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
