//! Agents at work: their live channels to the server, their status, and what the host
//! asks of them.

pub(crate) mod actions;
mod channel;
mod deliveries;
mod host;
mod hub;
pub mod lookups;
pub mod status;

pub use channel::upgrade;
pub use deliveries::Deliveries;
pub use host::refresh;
pub use hub::AgentHub;
