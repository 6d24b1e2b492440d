//! The browser code, served from the binary.
//!
//! Everything under `web/` is embedded at build time (release) or read from disk
//! (debug builds, so edits show on reload). No build step: the files are plain ES
//! modules and CSS, served as they are, compressed on the wire, revalidated by ETag.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/"]
#[exclude = "types/*"]
#[exclude = "*.d.ts"]
#[exclude = "*/node_modules/*"]
struct Web;

/// The text of a file under `web/`, for templates.
pub fn text(path: &str) -> Option<String> {
    Web::get(path).map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

/// Serves `web/<path>` if `path` starts with one of `allowed` folders.
pub fn serve(path: &str, allowed: &[&str], request: &HeaderMap) -> Response {
    let permitted = allowed
        .iter()
        .any(|folder| path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/')));
    let file = if permitted && !path.contains("..") {
        Web::get(path)
    } else {
        None
    };
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata.sha256_hash()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime.as_ref()).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    response
}
