//! What can go wrong on the SIP side.

/// A SIP failure the server reports or acts on.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    /// A setting is wrong; the message names it.
    #[error("SIP configuration: {0}")]
    Config(String),
    /// Listening failed (the port is taken, the address is not local).
    #[error("cannot listen for SIP on {addr}: {reason}")]
    Listen { addr: std::net::SocketAddr, reason: String },
    /// The call is unknown or already over.
    #[error("no SIP call {0:?} in progress")]
    NoCall(String),
    /// The stack refused or failed a request.
    #[error("SIP: {0}")]
    Stack(String),
}

impl From<rsipstack::Error> for SipError {
    fn from(e: rsipstack::Error) -> Self {
        SipError::Stack(e.to_string())
    }
}

impl From<rsipstack::sip::Error> for SipError {
    fn from(e: rsipstack::sip::Error) -> Self {
        SipError::Stack(e.to_string())
    }
}
