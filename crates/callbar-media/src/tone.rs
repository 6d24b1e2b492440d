//! Generated call-progress tones: ringback, the queue tone, the hold tone, test sines.
//!
//! A [`Tone`] is a repeating cadence of segments, each one or two sine components or silence.
//! [`ToneGenerator`] renders it 20 ms at a time into a caller's buffer, so playing a tone
//! allocates nothing per frame.
//!
//! The tones were chosen so that tests (and people) can tell them apart from the test tones
//! used for customers (440 Hz) and agents (1000 Hz):
//!
//! - **Ringback** is the North American one (ANSI T1.401): 440 + 480 Hz, 2 s on, 4 s off.
//!   It is what callers everywhere understand as "it is ringing". It contains 440 Hz, so it is
//!   played only while no agent is connected.
//! - **Queue tone** (optional, [`Tone::queue`]): a soft two-note chime, 523 Hz then 659 Hz
//!   (C5, E5), every 4 s, for callers who wait long.
//! - **Hold tone** ([`Tone::hold`]): a soft 600 Hz beep, 400 ms every 2 s. It avoids
//!   420–460 Hz and 980–1020 Hz, so "the customer no longer hears the agent's 1000 Hz and does
//!   hear the hold tone" is measurable.

use crate::FRAME_SAMPLES;

/// The sample rate of every tone and of G.711.
pub const SAMPLE_RATE: u32 = 8000;

/// One part of a tone's cadence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Frequencies in Hz; 0 means "no component". Both 0 is silence.
    pub freqs: [f32; 2],
    /// Length of the segment in milliseconds (rounded down to whole samples).
    pub ms: u32,
}

/// A repeating cadence of segments at one amplitude.
#[derive(Debug, Clone, PartialEq)]
pub struct Tone {
    /// Peak amplitude of each component, as a fraction of full scale (0.0–0.5 is sensible).
    pub amplitude: f32,
    /// The cadence; it repeats forever. Empty means silence.
    pub segments: Vec<Segment>,
}

impl Tone {
    /// A continuous sine (test tones, the load client).
    pub fn sine(freq: f32, amplitude: f32) -> Tone {
        Tone {
            amplitude,
            segments: vec![Segment {
                freqs: [freq, 0.0],
                ms: 1000,
            }],
        }
    }

    /// Ringback: 440 + 480 Hz, 2 s on, 4 s off.
    pub fn ringback() -> Tone {
        Tone {
            amplitude: 0.12,
            segments: vec![
                Segment {
                    freqs: [440.0, 480.0],
                    ms: 2000,
                },
                Segment {
                    freqs: [0.0, 0.0],
                    ms: 4000,
                },
            ],
        }
    }

    /// The queue tone: 523 Hz for 300 ms, 659 Hz for 300 ms, then 3.4 s of silence.
    pub fn queue() -> Tone {
        Tone {
            amplitude: 0.12,
            segments: vec![
                Segment {
                    freqs: [523.25, 0.0],
                    ms: 300,
                },
                Segment {
                    freqs: [659.25, 0.0],
                    ms: 300,
                },
                Segment {
                    freqs: [0.0, 0.0],
                    ms: 3400,
                },
            ],
        }
    }

    /// The hold tone: 600 Hz for 400 ms every 2 s.
    pub fn hold() -> Tone {
        Tone {
            amplitude: 0.15,
            segments: vec![
                Segment {
                    freqs: [600.0, 0.0],
                    ms: 400,
                },
                Segment {
                    freqs: [0.0, 0.0],
                    ms: 1600,
                },
            ],
        }
    }

    /// Silence.
    pub fn silence() -> Tone {
        Tone {
            amplitude: 0.0,
            segments: Vec::new(),
        }
    }
}

/// Renders a [`Tone`] frame by frame, keeping phase across frames and segments.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    tone: Tone,
    segment: usize,
    /// Samples left in the current segment.
    left: u32,
    phase: [f64; 2],
}

impl ToneGenerator {
    /// Starts `tone` at the beginning of its cadence.
    pub fn new(tone: Tone) -> ToneGenerator {
        let left = tone.segments.first().map_or(0, segment_samples);
        ToneGenerator {
            tone,
            segment: 0,
            left,
            phase: [0.0; 2],
        }
    }

    /// The tone being played.
    pub fn tone(&self) -> &Tone {
        &self.tone
    }

    /// Fills `out` with the next samples of the tone.
    pub fn fill(&mut self, out: &mut [i16]) {
        let scale = f64::from(self.tone.amplitude) * 32767.0;
        for sample in out.iter_mut() {
            *sample = self.next_sample(scale);
        }
    }

    /// Fills one 20 ms frame and encodes it with `codec`.
    pub fn next_frame(&mut self, codec: crate::Codec, out: &mut [u8; FRAME_SAMPLES]) {
        let mut linear = [0i16; FRAME_SAMPLES];
        self.fill(&mut linear);
        codec.encode_into(&linear, out);
    }

    fn next_sample(&mut self, scale: f64) -> i16 {
        let Some(segment) = self.advance() else {
            return 0;
        };
        let mut v = 0.0;
        for (phase, &f) in self.phase.iter_mut().zip(&segment.freqs) {
            if f > 0.0 {
                v += (*phase * std::f64::consts::TAU).sin();
                *phase = (*phase + f64::from(f) / f64::from(SAMPLE_RATE)).fract();
            }
        }
        (v * scale).clamp(-32768.0, 32767.0) as i16
    }

    /// The segment the next sample belongs to, moving along the cadence.
    fn advance(&mut self) -> Option<Segment> {
        let segments = &self.tone.segments;
        if segments.iter().all(|s| segment_samples(s) == 0) {
            return None;
        }
        while self.left == 0 {
            self.segment = (self.segment + 1) % segments.len();
            self.left = segment_samples(&segments[self.segment]);
        }
        self.left -= 1;
        Some(segments[self.segment])
    }
}

fn segment_samples(s: &Segment) -> u32 {
    s.ms * (SAMPLE_RATE / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{band_energy_ratio, peak_frequency, rms};

    fn render(tone: Tone, ms: usize) -> Vec<i16> {
        let mut g = ToneGenerator::new(tone);
        let mut out = vec![0i16; ms * 8];
        // Render in frames, as the bridge does, to exercise phase continuity.
        for chunk in out.chunks_mut(FRAME_SAMPLES) {
            g.fill(chunk);
        }
        out
    }

    #[test]
    fn sine_has_its_frequency_and_amplitude() {
        for f in [440.0, 1000.0, 600.0, 2000.0] {
            let s = render(Tone::sine(f, 0.3), 1000);
            let peak = peak_frequency(&s, SAMPLE_RATE, 100.0, 3500.0);
            assert!((peak - f64::from(f)).abs() < 5.0, "{f}: {peak}");
            let r = rms(&s) / 32767.0;
            assert!((r - 0.3 / 2f64.sqrt()).abs() < 0.01, "rms {r}");
        }
    }

    #[test]
    fn ringback_is_440_and_480_with_its_cadence() {
        let s = render(Tone::ringback(), 6000);
        let on = &s[..16000];
        assert!(band_energy_ratio(on, SAMPLE_RATE, 440.0, 5.0) > 0.4);
        assert!(band_energy_ratio(on, SAMPLE_RATE, 480.0, 5.0) > 0.4);
        // Silent from 2 s to 6 s.
        assert!(s[16000..].iter().all(|&v| v == 0));
        // And it repeats.
        let again = render(Tone::ringback(), 8000);
        assert!(rms(&again[48000..64000]) > 1000.0);
    }

    #[test]
    fn hold_tone_is_600_hz_and_avoids_the_test_tones() {
        let s = render(Tone::hold(), 2000);
        let beep = &s[..3200];
        let peak = peak_frequency(beep, SAMPLE_RATE, 100.0, 3500.0);
        assert!((peak - 600.0).abs() < 5.0, "{peak}");
        assert!(band_energy_ratio(&s, SAMPLE_RATE, 440.0, 20.0) < 0.01);
        assert!(band_energy_ratio(&s, SAMPLE_RATE, 1000.0, 20.0) < 0.01);
        assert!(s[3200..16000].iter().all(|&v| v == 0));
    }

    #[test]
    fn queue_tone_plays_two_notes() {
        let s = render(Tone::queue(), 4000);
        let first = peak_frequency(&s[..2400], SAMPLE_RATE, 100.0, 3500.0);
        let second = peak_frequency(&s[2400..4800], SAMPLE_RATE, 100.0, 3500.0);
        assert!((first - 523.25).abs() < 5.0, "{first}");
        assert!((second - 659.25).abs() < 5.0, "{second}");
    }

    #[test]
    fn silence_is_zero() {
        assert!(render(Tone::silence(), 100).iter().all(|&v| v == 0));
    }
}
