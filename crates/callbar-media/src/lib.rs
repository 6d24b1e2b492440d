//! Callbar's media engine: WebRTC legs for browsers, plain RTP legs for SIP trunks, G.711,
//! generated tones, the call bridge, DTMF and recording.
//!
//! The engine decides, media does it and reports back (DESIGN.md, principle 4): this crate
//! knows nothing of HTTP, WebSockets, SIP signalling or the contact-center engine. The server
//! hands it SDP and gets SDP back; it starts calls and reads their events.
//!
//! # How a server uses it
//!
//! ```no_run
//! use callbar_media::{CallConfig, CallEvent, Media, MediaConfig};
//! # async fn demo(customer_offer: String, agent_offer: String) -> Result<(), callbar_media::MediaError> {
//! let media = Media::new(MediaConfig::default()); // bind/advertise 127.0.0.1, ports 40000–40999
//!
//! // A customer's browser posts an offer over the signalling channel.
//! let (answer, customer) = media.webrtc_leg(&customer_offer)?; // send `answer` back
//! let (call, mut events) = media.call(customer, CallConfig::default()); // ringback plays
//!
//! // Later the engine offers the call to an agent, who accepts; the agent's embed offers.
//! let (agent_answer, agent) = media.webrtc_leg(&agent_offer)?;
//! call.attach_agent(agent).await?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         CallEvent::AgentConnected => { /* audio both ways: stop the accept-to-audio timer */ }
//!         CallEvent::CustomerDtmf(d) => { /* report d.digit to the engine */ }
//!         CallEvent::Ended(_) => break,
//!         _ => {}
//!     }
//! }
//! # let _ = agent_answer; Ok(()) }
//! ```
//!
//! A SIP trunk call is the same with [`Media::rtp_answer`] (inbound INVITE) or
//! [`Media::rtp_offer`] / [`RtpOffer::accept_answer`] (outbound) for the customer leg; the
//! [`sdp`] module reads and writes the trunk's SDP. Controls: [`Call::set_hold`],
//! [`Call::set_mute`], [`Call::send_dtmf`], [`Call::start_recording`],
//! [`Call::pause_recording`], [`Call::stop_recording`], [`Call::hangup`]. Counters:
//! [`Leg::stats`], [`Call::customer_stats`], [`Call::agent_stats`].
//!
//! # Layout
//!
//! - [`media`](Media): the entry point and the port pool (one UDP socket per leg).
//! - `leg`: [`Leg`], its WebRTC (str0m, ICE-lite) and plain RTP protocols, counters, the
//!   outgoing timeline, and the DTLS configuration every WebRTC leg shares.
//! - `call`: [`Call`] and the task that bridges a call's two legs.
//! - [`g711`], [`tone`], [`dtmf`], [`rtp`], [`sdp`], `recorder`: the pieces, each small.
//! - [`analysis`]: frequency measurement for tests and the load client.
//! - [`client`]: a WebRTC client on str0m playing the browser's role, for tests and load.

pub mod analysis;
mod call;
pub mod client;
mod config;
pub mod dtmf;
mod error;
pub mod g711;
mod leg;
mod media;
mod recorder;
pub mod rtp;
pub mod sdp;
pub mod tone;

pub use call::{Call, CallConfig, CallEvent, CallEvents, EndReason};
pub use config::MediaConfig;
pub use dtmf::Dtmf;
pub use error::MediaError;
pub use g711::Codec;
pub use leg::{CloseReason, Leg, LegEvent, LegId, LegKind, LegStats, LegStatsHandle};
pub use media::{Media, RtpOffer};
pub use recorder::RecordingSummary;
pub use tone::Tone;

/// Samples in one 20 ms frame at 8 kHz: the packet size of every generated stream.
pub const FRAME_SAMPLES: usize = 160;

/// The receive buffer of a leg: larger datagrams are truncated and then refused.
pub(crate) const RECV_BUFFER: usize = 2048;
