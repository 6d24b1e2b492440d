//! Callbar's SIP side: the signalling of calls to and from trunks (carriers, PBXs).
//!
//! The engine decides and media carries the audio (DESIGN.md, principle 4); this crate only
//! speaks SIP. It hands the server each new call from a trunk with its SDP offer, and takes
//! back what to answer: reject with a status, early media (183 with SDP) while the caller
//! waits in a queue, 200 OK when an agent is connected, a re-INVITE to hold, BYE to hang
//! up. Transactions, retransmissions and timers (RFC 3261) are rsipstack's; dialogs too.
//!
//! # Safety toward the network
//!
//! Datagrams and connections from addresses that are not a trunk's are dropped before they
//! are parsed, so a flood from elsewhere costs one `recvfrom` each and no state. What a trunk
//! sends is parsed by rsipstack; malformed messages are dropped there, and a request that
//! parses but is unusable (no number, no SDP, a body over [`MAX_BODY`]) gets a final error
//! response and creates nothing.

mod config;
mod error;
mod inbound;
mod info;
mod outbound;
mod session_timer;
mod sip;

pub use config::{SipConfig, Transport, TrunkConfig};
pub use error::SipError;
pub use info::InfoDtmf;
pub use outbound::{Dial, Progress};
pub use sip::{CallId, Ended, IncomingCall, Sip, SipEvent};

/// The largest SDP body accepted.
pub const MAX_BODY: usize = 16 * 1024;
