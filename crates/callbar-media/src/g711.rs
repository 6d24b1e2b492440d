//! G.711 μ-law (PCMU) and A-law (PCMA): the only codecs Callbar speaks.
//!
//! Browsers are answered PCMU only and SIP trunks offer PCMU or PCMA, so a bridge between two
//! legs is usually a copy of the encoded bytes. Decoding is needed only for recording,
//! analysis and PCMU↔PCMA transcoding; the tables below are built at compile time, so each
//! of those is one lookup per sample and nothing allocates.
//!
//! The encoders follow ITU-T G.711 (the classic Sun reference implementation): μ-law with a
//! bias of 0x84 and clipping at 32635, A-law with even-bit inversion (0x55).

/// A G.711 codec, with its static RTP payload type (RFC 3551).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Codec {
    /// μ-law, payload type 0.
    Pcmu,
    /// A-law, payload type 8.
    Pcma,
}

impl Codec {
    /// The static RTP payload type.
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The codec of a static payload type, if it is one of ours.
    pub const fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The SDP encoding name (`a=rtpmap:<pt> <name>/8000`).
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The encoded byte of digital silence (linear 0).
    pub const fn silence(self) -> u8 {
        match self {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        }
    }

    /// Decodes one encoded byte to a linear sample.
    #[inline]
    pub fn decode(self, byte: u8) -> i16 {
        match self {
            Codec::Pcmu => ULAW_TO_LINEAR[byte as usize],
            Codec::Pcma => ALAW_TO_LINEAR[byte as usize],
        }
    }

    /// Encodes one linear sample.
    #[inline]
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Codec::Pcmu => linear_to_ulaw(sample),
            Codec::Pcma => linear_to_alaw(sample),
        }
    }

    /// Decodes `encoded` into `out` (both the same length; extra entries of either are left).
    pub fn decode_into(self, encoded: &[u8], out: &mut [i16]) {
        for (o, &b) in out.iter_mut().zip(encoded) {
            *o = self.decode(b);
        }
    }

    /// Encodes `samples` into `out` (both the same length; extra entries of either are left).
    pub fn encode_into(self, samples: &[i16], out: &mut [u8]) {
        for (o, &s) in out.iter_mut().zip(samples) {
            *o = self.encode(s);
        }
    }

    /// Converts one encoded byte of `self` to the encoding of `to` (a table lookup).
    #[inline]
    pub fn transcode(self, to: Codec, byte: u8) -> u8 {
        match (self, to) {
            (Codec::Pcmu, Codec::Pcma) => ULAW_TO_ALAW[byte as usize],
            (Codec::Pcma, Codec::Pcmu) => ALAW_TO_ULAW[byte as usize],
            _ => byte,
        }
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// Encodes a linear sample to μ-law.
pub const fn linear_to_ulaw(sample: i16) -> u8 {
    let mut s = sample as i32;
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    if s > ULAW_CLIP {
        s = ULAW_CLIP;
    }
    s += ULAW_BIAS;
    // The segment is the position of the highest set bit above bit 7.
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && s & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// Decodes a μ-law byte to a linear sample.
pub const fn ulaw_to_linear(byte: u8) -> i16 {
    let u = !byte as i32;
    let exponent = (u >> 4) & 0x07;
    let mantissa = u & 0x0F;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if u & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes a linear sample to A-law.
pub const fn linear_to_alaw(sample: i16) -> u8 {
    // A-law works on 13-bit magnitudes.
    let mut s = (sample as i32) >> 3;
    let sign = if s >= 0 {
        0x80
    } else {
        s = -s - 1;
        0
    };
    if s > 0x0FFF {
        s = 0x0FFF;
    }
    let encoded = if s < 32 {
        (s >> 1) as u8
    } else {
        let mut exponent = 1;
        let mut v = s >> 5;
        while v > 1 {
            v >>= 1;
            exponent += 1;
        }
        ((exponent << 4) | ((s >> exponent) & 0x0F)) as u8
    };
    (encoded | sign) ^ 0x55
}

/// Decodes an A-law byte to a linear sample.
pub const fn alaw_to_linear(byte: u8) -> i16 {
    let a = (byte ^ 0x55) as i32;
    let exponent = (a >> 4) & 0x07;
    let mantissa = a & 0x0F;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// The 256-entry decode table of μ-law (`ulaw`) or A-law.
const fn decode_table(ulaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if ulaw {
            ulaw_to_linear(i as u8)
        } else {
            alaw_to_linear(i as u8)
        };
        i += 1;
    }
    t
}

/// The 256-entry table from μ-law to A-law (`from_ulaw`) or back, through linear.
const fn cross_table(from_ulaw: bool) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if from_ulaw {
            linear_to_alaw(ulaw_to_linear(i as u8))
        } else {
            linear_to_ulaw(alaw_to_linear(i as u8))
        };
        i += 1;
    }
    t
}

static ULAW_TO_LINEAR: [i16; 256] = decode_table(true);
static ALAW_TO_LINEAR: [i16; 256] = decode_table(false);
static ULAW_TO_ALAW: [u8; 256] = cross_table(true);
static ALAW_TO_ULAW: [u8; 256] = cross_table(false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_known_values() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
    }

    #[test]
    fn alaw_known_values() {
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }

    #[test]
    fn every_code_round_trips() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            for b in 0..=255u8 {
                let linear = codec.decode(b);
                let again = codec.encode(linear);
                // μ-law has two codes for zero (0x7F and 0xFF); both decode to 0.
                assert_eq!(codec.decode(again), linear, "{codec:?} {b:#04x}");
            }
        }
    }

    #[test]
    fn linear_round_trip_error_is_within_the_segment_step() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            for s in (i16::MIN..=i16::MAX).step_by(7) {
                let back = codec.decode(codec.encode(s)) as i32;
                let s = s as i32;
                // The quantization step doubles every segment: at most 1/16 of the magnitude,
                // and a few units near zero. μ-law clips at 32635 (error up to ~900 there).
                let bound = (s.abs() / 16).max(16) + if s.abs() > 32000 { 1024 } else { 0 };
                assert!((back - s).abs() <= bound, "{codec:?} {s} -> {back}");
            }
        }
    }

    #[test]
    fn transcoding_matches_decode_then_encode() {
        for b in 0..=255u8 {
            let via = linear_to_alaw(ulaw_to_linear(b));
            assert_eq!(Codec::Pcmu.transcode(Codec::Pcma, b), via);
            let via = linear_to_ulaw(alaw_to_linear(b));
            assert_eq!(Codec::Pcma.transcode(Codec::Pcmu, b), via);
            assert_eq!(Codec::Pcmu.transcode(Codec::Pcmu, b), b);
        }
        assert_eq!(
            Codec::Pcmu.transcode(Codec::Pcma, Codec::Pcmu.silence()),
            Codec::Pcma.silence()
        );
    }

    #[test]
    fn payload_types() {
        assert_eq!(Codec::from_payload_type(0), Some(Codec::Pcmu));
        assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_payload_type(9), None);
    }
}
