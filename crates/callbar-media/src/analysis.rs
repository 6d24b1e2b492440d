//! Measuring audio: the dominant frequency and how much energy lies near a frequency.
//!
//! Tests of this crate, the server's integration tests and the load client all assert on
//! real audio ("the agent hears 440 Hz within ±5 Hz", "the customer no longer hears
//! 1000 Hz"). This module is the one place that measures it: Goertzel filters over a Hann
//! window, which are exact at any frequency (not only FFT bin centres) and need no FFT crate.

use std::f64::consts::TAU;

/// Root mean square of the samples (0 for none).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// The frequency in `[lo, hi]` Hz with the most energy, to about 0.1 Hz.
///
/// Returns 0.0 for fewer than 64 samples.
pub fn peak_frequency(samples: &[i16], rate: u32, lo: f64, hi: f64) -> f64 {
    if samples.len() < 64 {
        return 0.0;
    }
    let windowed = hann(samples);
    let rate = f64::from(rate);
    // Coarse scan at half the bin spacing, then refine around the best.
    let step = (rate / windowed.len() as f64 / 2.0).max(0.5);
    let mut best = (lo, 0.0);
    let mut f = lo;
    while f <= hi {
        let p = goertzel_power(&windowed, rate, f);
        if p > best.1 {
            best = (f, p);
        }
        f += step;
    }
    let (centre, mut power) = (best.0, best.1);
    let mut peak = centre;
    let mut f = centre - step;
    while f <= centre + step {
        let p = goertzel_power(&windowed, rate, f);
        if p > power {
            power = p;
            peak = f;
        }
        f += 0.1;
    }
    peak
}

/// The fraction (0–1) of the signal's energy within `freq ± half_width` Hz.
///
/// `half_width` should be at least two bins (`2 * rate / len`) for the Hann window's main
/// lobe to fit; with 1 s at 8 kHz a bin is 1 Hz.
pub fn band_energy_ratio(samples: &[i16], rate: u32, freq: f64, half_width: f64) -> f64 {
    if samples.len() < 64 {
        return 0.0;
    }
    let windowed = hann(samples);
    let total: f64 = windowed.iter().map(|v| v * v).sum();
    if total == 0.0 {
        return 0.0;
    }
    let n = windowed.len() as f64;
    let rate = f64::from(rate);
    let bin = rate / n;
    let first = ((freq - half_width) / bin).ceil().max(1.0) as usize;
    let last = ((freq + half_width) / bin).floor() as usize;
    let band: f64 = (first..=last)
        .map(|k| goertzel_power(&windowed, rate, k as f64 * bin))
        .sum();
    // Parseval: a real signal's energy is (2 / N) * sum of |X_k|^2 over positive bins.
    (2.0 * band / n / total).min(1.0)
}

/// |X(f)|^2 of the samples at frequency `f`.
pub fn goertzel_power(samples: &[f64], rate: f64, f: f64) -> f64 {
    let w = TAU * f / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

fn hann(samples: &[i16]) -> Vec<f64> {
    let n = samples.len() as f64;
    samples
        .iter()
        .enumerate()
        .map(|(i, &s)| f64::from(s) * (0.5 - 0.5 * (TAU * i as f64 / n).cos()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| ((TAU * f * i as f64 / 8000.0).sin() * 10000.0) as i16)
            .collect()
    }

    #[test]
    fn finds_off_bin_frequencies() {
        for f in [439.15, 440.0, 1001.3, 600.0] {
            let peak = peak_frequency(&sine(f, 8000), 8000, 100.0, 3500.0);
            assert!((peak - f).abs() < 0.5, "{f}: {peak}");
        }
    }

    #[test]
    fn band_energy_separates_tones() {
        let mix: Vec<i16> = sine(440.0, 8000)
            .iter()
            .zip(sine(1000.0, 8000))
            .map(|(a, b)| a / 2 + b / 2)
            .collect();
        let a = band_energy_ratio(&mix, 8000, 440.0, 5.0);
        let b = band_energy_ratio(&mix, 8000, 1000.0, 5.0);
        assert!((a - 0.5).abs() < 0.05 && (b - 0.5).abs() < 0.05, "{a} {b}");
        assert!(band_energy_ratio(&mix, 8000, 700.0, 20.0) < 0.001);
        assert_eq!(band_energy_ratio(&[0; 800], 8000, 440.0, 20.0), 0.0);
    }
}
