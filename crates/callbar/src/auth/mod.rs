//! Who is signed in: password hashing, session tokens, and throttling of failed attempts.
//!
//! Sign-in happens inside a cross-site iframe where third-party cookies are often blocked,
//! so Callbar uses no cookies at all: sign-in returns a bearer token that the embed keeps
//! in its (partitioned) session storage and presents on each request and as the first
//! message of its WebSocket. Tokens never appear in URLs or logs, and the database holds
//! only their SHA-256.

pub mod password;
mod sessions;
mod throttle;

pub use sessions::{AuthError, Authenticated, Sessions, SignInError};
pub use throttle::Throttle;
