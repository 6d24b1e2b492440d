//! Web origins (`scheme://host[:port]`), as approved domains and `?origin=` carry them.
//!
//! Origins are compared as strings, so every origin is normalized first: lower-case
//! scheme and host, IDN hosts in punycode, default ports dropped, no path. An approved
//! `https://CRM.example.com:443/` and a browser's `https://crm.example.com` are then equal.

/// Normalizes `raw` to the form browsers put in `event.origin`, or says what is wrong.
pub fn normalize_origin(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the origin is empty".into());
    }
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{raw:?} must start with https:// (or http:// for local testing)"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{raw:?} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{raw:?} must not contain a user name or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{raw:?} must be an origin only (scheme, host and port), without a path, query or fragment"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::normalize_origin as n;

    #[test]
    fn normalizes() {
        assert_eq!(n("https://CRM.Example.com:443/").unwrap(), "https://crm.example.com");
        assert_eq!(n("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert_eq!(n(" http://localhost:3000 ").unwrap(), "http://localhost:3000");
        assert_eq!(n("https://bücher.example").unwrap(), "https://xn--bcher-kva.example");
    }

    #[test]
    fn refuses_what_is_not_an_origin() {
        for bad in [
            "",
            "crm.example.com",
            "javascript:alert(1)",
            "ftp://crm.example.com",
            "https://crm.example.com/path",
            "https://crm.example.com?x=1",
            "https://user:pw@crm.example.com",
            "null",
            "file:///etc/passwd",
        ] {
            assert!(n(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
