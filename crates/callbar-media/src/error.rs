//! The errors of the media engine's API.

use std::ops::RangeInclusive;

use crate::sdp::SdpError;

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A WebRTC offer without PCMU audio: Callbar answers PCMU only, so bridging to the phone
    /// network never transcodes.
    #[error("the offer has no PCMU/8000 audio; Callbar's WebRTC legs speak PCMU only")]
    NoPcmu,
    /// A WebRTC offer str0m could not read or accept.
    #[error("bad WebRTC offer: {0}")]
    BadOffer(String),
    /// A WebRTC answer (to the client's offer) that could not be read or applied.
    #[error("bad WebRTC answer: {0}")]
    BadAnswer(String),
    /// A plain-RTP SDP that could not be used.
    #[error(transparent)]
    Sdp(#[from] SdpError),
    /// Every port of the range is taken.
    #[error("no free UDP port in {}-{}", .0.start(), .0.end())]
    NoPort(RangeInclusive<u16>),
    /// A socket or file operation failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The call (or leg) has ended; its task is gone.
    #[error("the call has ended")]
    Ended,
    /// `send_dtmf` with something other than DTMF digits (`0-9 * # A-D`).
    #[error("not DTMF digits: {0:?}")]
    InvalidDigits(String),
    /// A recording is already running in this call.
    #[error("already recording")]
    AlreadyRecording,
    /// No recording is running in this call.
    #[error("not recording")]
    NotRecording,
    /// The leg closed before it could join the call.
    #[error("the leg has closed: {0:?}")]
    LegClosed(crate::CloseReason),
    /// An RTP-only operation on a WebRTC leg.
    #[error("only a plain-RTP (SIP) leg can take a new SDP this way")]
    NotRtp,
    /// The call already has an agent leg.
    #[error("the call already has an agent leg")]
    AgentAttached,
}
