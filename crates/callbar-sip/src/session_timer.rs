//! RFC 4028 session timers, on calls from trunks (Callbar answers them).
//!
//! A caller that supports timers (`Supported: timer` or `Require: timer`) and asks for a
//! session interval (`Session-Expires`) gets it in the 200 OK with `refresher=uac` and
//! `Require: timer`: the caller refreshes the session with re-INVITEs or UPDATEs, which
//! Callbar answers anyway, so Callbar never has to send refreshes of its own. If no refresh
//! comes, Callbar ends the call with BYE shortly before the interval runs out (the
//! non-refresher's duty, §10). An interval below [`MIN_SE`] gets 422 with `Min-SE`, so the
//! caller can ask again. A caller that does not support timers gets no session timer: the
//! 200 OK carries no `Session-Expires`, and the RTP inactivity timeout ends dead calls.

use std::time::{Duration, Instant};

use rsipstack::sip::{Header, Request};

/// The smallest session interval accepted, in seconds (RFC 4028's recommended minimum).
pub(crate) const MIN_SE: u32 = 90;

/// What a new INVITE asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asked {
    /// No session timer.
    Nothing,
    /// This interval, in seconds, refreshed by the caller.
    Interval(u32),
    /// An interval below [`MIN_SE`]: answer 422.
    TooSmall,
}

/// Reads a new INVITE's session timer request.
pub(crate) fn asked(request: &Request) -> Asked {
    let mut supported = false;
    let mut interval = None;
    for h in request.headers.iter() {
        match h {
            Header::Supported(v) => supported |= has_timer(v.value()),
            Header::Require(v) => supported |= has_timer(v.value()),
            Header::SessionExpires(v) => {
                interval = v.value().split(';').next().and_then(|d| d.trim().parse::<u32>().ok());
            }
            _ => {}
        }
    }
    match (supported, interval) {
        (true, Some(s)) if s < MIN_SE => Asked::TooSmall,
        (true, Some(s)) => Asked::Interval(s),
        _ => Asked::Nothing,
    }
}

fn has_timer(tags: &str) -> bool {
    tags.split(',').any(|t| t.trim().eq_ignore_ascii_case("timer"))
}

/// The headers a 2xx carries for a session of `interval` seconds.
pub(crate) fn headers(interval: u32) -> [Header; 2] {
    [
        Header::SessionExpires(format!("{interval};refresher=uac").into()),
        Header::Require("timer".into()),
    ]
}

/// When the session ends without a refresh since `refreshed`: the interval less a third of
/// it or 32 s, whichever is less (RFC 4028 §10), so the BYE goes out before the caller's
/// own timer fires.
pub(crate) fn expires(refreshed: Instant, interval: u32) -> Instant {
    let early = (interval / 3).min(32);
    refreshed + Duration::from_secs(u64::from(interval - early))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(extra: &str) -> Request {
        let text = format!(
            "INVITE sip:+15550100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n\
             From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:+15550100@127.0.0.1>\r\nCall-ID: c1\r\n\
             CSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        Request::try_from(text.as_str()).expect("a request")
    }

    #[test]
    fn what_a_caller_asks_for() {
        let asked_of = |extra: &str| asked(&invite(extra));
        assert_eq!(asked_of(""), Asked::Nothing);
        assert_eq!(
            asked_of("Supported: 100rel, timer\r\nSession-Expires: 1800;refresher=uas\r\n"),
            Asked::Interval(1800)
        );
        assert_eq!(
            asked_of("Require: timer\r\nSession-Expires: 90\r\n"),
            Asked::Interval(90)
        );
        assert_eq!(asked_of("Supported: timer\r\nx: 120\r\n"), Asked::Interval(120));
        assert_eq!(asked_of("Supported: timer\r\nSession-Expires: 30\r\n"), Asked::TooSmall);
        // A caller that cannot refresh (no timer support): no session timer.
        assert_eq!(asked_of("Session-Expires: 1800\r\n"), Asked::Nothing);
        assert_eq!(asked_of("Supported: timer\r\n"), Asked::Nothing);
    }

    #[test]
    fn the_session_ends_before_the_callers_timer() {
        let t = Instant::now();
        assert_eq!(expires(t, 90), t + Duration::from_secs(60));
        assert_eq!(expires(t, 1800), t + Duration::from_secs(1768));
    }
}
