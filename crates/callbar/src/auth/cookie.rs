//! The session cookie: partitioned (CHIPS), so it survives in a cross-site iframe with
//! third-party cookies blocked, and trusted only on the embed's own same-origin requests.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie. `__Host-` makes browsers require `Secure`, `Path=/` and no
/// `Domain`.
pub const SESSION_COOKIE: &str = "__Host-callbar_session";

/// The `Set-Cookie` value that stores a session (or, with `None`, removes it).
pub fn session_cookie(token: Option<&str>, max_age_secs: i64) -> HeaderValue {
    let (value, age) = match token {
        Some(t) => (t, max_age_secs.max(0)),
        None => ("", 0),
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={age}; Secure; HttpOnly; SameSite=None; Partitioned"
    ))
    .expect("a token is header-safe")
}

/// The session token of a request: the bearer token, else the session cookie of a
/// same-origin request.
pub fn request_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim());
    }
    let same_origin = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    if !same_origin {
        return None;
    }
    cookie_token(headers)
}

/// The session cookie's value, whatever the request's origin.
pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn bearer_first_then_same_origin_cookie() {
        let cookie = format!("a=1; {SESSION_COOKIE}=cb_x; b=2");
        assert_eq!(
            request_token(&headers(&[("authorization", "Bearer cb_y"), ("cookie", &cookie)])),
            Some("cb_y")
        );
        assert_eq!(
            request_token(&headers(&[("cookie", &cookie), ("sec-fetch-site", "same-origin")])),
            Some("cb_x")
        );
        assert_eq!(
            request_token(&headers(&[("cookie", &cookie), ("sec-fetch-site", "cross-site")])),
            None,
            "the host page cannot use it"
        );
        assert_eq!(
            request_token(&headers(&[("cookie", &cookie)])),
            None,
            "without Sec-Fetch-Site it is not trusted"
        );
        assert_eq!(cookie_token(&headers(&[("cookie", "other=1")])), None);
    }

    #[test]
    fn the_cookie_is_partitioned_and_http_only() {
        let v = session_cookie(Some("cb_x"), 60);
        let v = v.to_str().unwrap();
        for part in [
            "__Host-callbar_session=cb_x",
            "Max-Age=60",
            "Secure",
            "HttpOnly",
            "SameSite=None",
            "Partitioned",
            "Path=/",
        ] {
            assert!(v.contains(part), "{v}");
        }
        assert!(session_cookie(None, 60).to_str().unwrap().contains("Max-Age=0"));
    }
}
