//! DTMF in SIP INFO requests, for peers that signal key presses out of band instead of as
//! RFC 4733 events in the RTP stream (some PBXs and gateways do, by configuration).
//!
//! Two bodies are in use, neither standardised:
//! - `application/dtmf-relay` (Cisco's): `Signal=5` and `Duration=160` (milliseconds) on
//!   their own lines. Some senders write `*` and `#` as the event codes 10 and 11.
//! - `application/dtmf`: the digit alone, or its RFC 4733 event code (0–15).
//!
//! Digits are `0`–`9`, `*`, `#` and `A`–`D`, as RFC 4733 events. An INFO with another body
//! (another info package, or none, as some peers send to check that a call is alive) is not
//! DTMF and is answered 200 as before; a DTMF body that cannot be read is answered 400 with
//! what was wrong, and reported nowhere.

/// The default length of a digit whose body gives none.
const DEFAULT_DURATION_MS: u32 = 100;

/// A key press carried by an INFO request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoDtmf {
    /// `0`–`9`, `*`, `#` or `A`–`D`.
    pub digit: char,
    /// How long the key was held, in milliseconds (100 when the body does not say).
    pub duration_ms: u32,
}

/// Reads the DTMF an INFO request carries: `Ok(None)` when its body is not DTMF, `Err` with
/// the reason when it claims to be and cannot be read.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Option<InfoDtmf>, &'static str> {
    let Some(content_type) = content_type else {
        return Ok(None);
    };
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let relay = mime.eq_ignore_ascii_case("application/dtmf-relay");
    if !relay && !mime.eq_ignore_ascii_case("application/dtmf") {
        return Ok(None);
    }
    let body = std::str::from_utf8(body).map_err(|_| "the DTMF body is not text")?;
    if !relay {
        let digit = signal(body.trim()).ok_or("application/dtmf must hold one digit (0-9, *, #, A-D)")?;
        return Ok(Some(InfoDtmf {
            digit,
            duration_ms: DEFAULT_DURATION_MS,
        }));
    }
    let (mut digit, mut duration_ms) = (None, DEFAULT_DURATION_MS);
    for line in body.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match name.trim() {
            n if n.eq_ignore_ascii_case("signal") => {
                digit = Some(signal(value).ok_or("Signal must be one digit: 0-9, *, #, A-D")?);
            }
            n if n.eq_ignore_ascii_case("duration") => {
                duration_ms = value
                    .parse::<u32>()
                    .ok()
                    .filter(|ms| (1..=60_000).contains(ms))
                    .ok_or("Duration must be a number of milliseconds from 1 to 60000")?;
            }
            _ => {}
        }
    }
    let digit = digit.ok_or("application/dtmf-relay needs a Signal= line")?;
    Ok(Some(InfoDtmf { digit, duration_ms }))
}

/// A digit written as itself or as its RFC 4733 event code.
fn signal(value: &str) -> Option<char> {
    const EVENTS: &[u8; 16] = b"0123456789*#ABCD";
    if let Ok(code) = value.parse::<usize>() {
        return EVENTS.get(code).map(|&b| char::from(b));
    }
    let mut chars = value.chars();
    let c = chars.next()?.to_ascii_uppercase();
    (chars.next().is_none() && EVENTS.contains(&u8::try_from(c).ok()?)).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dtmf(digit: char, duration_ms: u32) -> Result<Option<InfoDtmf>, &'static str> {
        Ok(Some(InfoDtmf { digit, duration_ms }))
    }

    #[test]
    fn dtmf_relay_bodies() {
        let relay = Some("application/dtmf-relay");
        assert_eq!(parse(relay, b"Signal=5\r\nDuration=160\r\n"), dtmf('5', 160));
        assert_eq!(parse(relay, b"Signal= #\nDuration= 250"), dtmf('#', 250));
        assert_eq!(parse(relay, b"signal=d\r\n"), dtmf('D', 100));
        // Event codes for * and #, as some gateways send them.
        assert_eq!(parse(relay, b"Signal=10\r\nDuration=100\r\n"), dtmf('*', 100));
        assert_eq!(parse(relay, b"Signal=11\r\n"), dtmf('#', 100));
        assert_eq!(
            parse(Some("Application/DTMF-Relay; charset=utf-8"), b"Signal=1"),
            dtmf('1', 100)
        );
    }

    #[test]
    fn dtmf_bodies() {
        assert_eq!(parse(Some("application/dtmf"), b"7\r\n"), dtmf('7', 100));
        assert_eq!(parse(Some("application/dtmf"), b"11"), dtmf('#', 100));
        assert_eq!(parse(Some("application/dtmf"), b"*"), dtmf('*', 100));
    }

    #[test]
    fn other_infos_are_not_dtmf() {
        assert_eq!(parse(None, b""), Ok(None));
        assert_eq!(parse(Some("application/media_control+xml"), b"<x/>"), Ok(None));
    }

    #[test]
    fn unreadable_dtmf_is_an_error_that_says_why() {
        let relay = Some("application/dtmf-relay");
        assert!(parse(relay, b"Duration=160").unwrap_err().contains("Signal="));
        assert!(parse(relay, b"Signal=55").unwrap_err().contains("one digit"));
        assert!(parse(relay, b"Signal=X").unwrap_err().contains("one digit"));
        assert!(parse(relay, b"Signal=16").unwrap_err().contains("one digit"));
        assert!(parse(relay, b"Signal=1\nDuration=0").unwrap_err().contains("Duration"));
        assert!(
            parse(relay, b"Signal=1\nDuration=lots")
                .unwrap_err()
                .contains("Duration")
        );
        assert!(parse(relay, &[0xff, 0xfe]).unwrap_err().contains("not text"));
        assert!(parse(Some("application/dtmf"), b"").unwrap_err().contains("one digit"));
        let dtmf = Some("application/dtmf");
        assert!(parse(dtmf, b"16").unwrap_err().contains("one digit"));
        assert!(parse(dtmf, b"1 2").unwrap_err().contains("one digit"));
    }
}
