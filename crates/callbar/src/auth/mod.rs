//! Who is signed in: password hashing, session tokens, and throttling of failed attempts.
//!
//! Sign-in happens inside a cross-site iframe where third-party cookies are blocked, and
//! with them the frame's storage. Two things carry a session there:
//! - a bearer token, returned by sign-in, that the embed holds in memory and presents on
//!   each request and as the first message of its WebSocket (API clients use only this);
//! - a partitioned cookie ([`SESSION_COOKIE`], CHIPS: `Secure; HttpOnly; SameSite=None;
//!   Partitioned`), which browsers keep even with third-party cookies blocked, but only
//!   for the top-level site it was set under. It lets the embed stay signed in across a
//!   reload of the host page. It is accepted only on same-origin requests
//!   (`Sec-Fetch-Site: same-origin`), so the host page itself cannot use it.
//!
//! Tokens never appear in URLs or logs, and the database holds only their SHA-256.

mod cookie;
pub mod password;
mod sessions;
mod throttle;

pub use cookie::{SESSION_COOKIE, cookie_token, request_token, session_cookie};
pub use sessions::{AuthError, Authenticated, Sessions, SignInError, hash_token, new_token};
pub use throttle::Throttle;
