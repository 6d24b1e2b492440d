//! Recordings: where they are kept, who may fetch them, and how long they live.
//!
//! A recording is `recordings/<engagement>.wav` in the data folder: two channels, the
//! customer on the left, what the customer heard on the right. `zcc-call-recording` gives
//! the host a link that works without signing in for a week (an HMAC-SHA256 signature over
//! the engagement and the expiry, with a key kept in the data folder); signed-in agents,
//! supervisors and admins can fetch any recording with their session. A daily task deletes
//! recordings older than the retention period.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::auth::request_token;
use crate::state::SharedState;

/// How long a link in a call log works.
const LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// The folder recordings go to.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("recordings")
}

/// The file of an engagement's recording.
pub fn path(data_dir: &Path, engagement: &str) -> PathBuf {
    dir(data_dir).join(format!("{engagement}.wav"))
}

/// The signing key, created on first use (32 random bytes, readable by the owner only).
pub fn load_key(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    let file = data_dir.join("recording-links.key");
    if let Ok(bytes) = std::fs::read(&file)
        && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(key);
    }
    let key = callbar_store::random_bytes::<32>();
    std::fs::write(&file, key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(key)
}

fn signature(key: &[u8; 32], engagement: &str, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length works");
    mac.update(engagement.as_bytes());
    mac.update(b"\n");
    mac.update(expires.to_string().as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A link to an engagement's recording that works for a week.
pub fn signed_url(public_url: &str, key: &[u8; 32], engagement: &str, now_ms: i64) -> String {
    let expires = now_ms + LINK_LIFETIME.as_millis() as i64;
    format!(
        "{public_url}/api/v1/recordings/{engagement}?expires={expires}&sig={}",
        signature(key, engagement, expires)
    )
}

#[derive(Deserialize)]
pub struct Link {
    expires: Option<i64>,
    sig: Option<String>,
}

/// `GET /api/v1/recordings/{engagement}`: with a valid signed link, or a session of an
/// agent, supervisor or admin.
pub async fn fetch(
    State(state): State<SharedState>,
    UrlPath(engagement): UrlPath<String>,
    Query(link): Query<Link>,
    headers: axum::http::HeaderMap,
) -> Response {
    let allowed = match (link.expires, &link.sig) {
        (Some(expires), Some(sig)) => {
            let expected = signature(&state.recording_key, &engagement, expires);
            expires > callbar_store::now_ms() && constant_time_eq(expected.as_bytes(), sig.as_bytes())
        }
        _ => match request_token(&headers) {
            Some(token) => state.sessions.authenticate(token).await.is_ok(),
            None => false,
        },
    };
    if !allowed {
        return (
            StatusCode::FORBIDDEN,
            "This recording link is invalid or has expired; sign in to Callbar to listen to it.",
        )
            .into_response();
    }
    let valid_id = !engagement.is_empty()
        && engagement
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_id {
        return (StatusCode::NOT_FOUND, "no such recording").into_response();
    }
    match tokio::fs::read(path(&state.config.data_dir, &engagement)).await {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Err(_) => (
            StatusCode::NOT_FOUND,
            "no such recording (it may have passed its retention period)",
        )
            .into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Deletes recordings older than the retention period, once a day.
pub async fn purge(dir: PathBuf, retention_days: u32, shutdown: tokio_util::sync::CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(24 * 3600));
    let retention = Duration::from_secs(u64::from(retention_days) * 24 * 3600);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let Ok(mut entries) = tokio::fs::read_dir(&dir).await else { continue };
                let mut removed = 0;
                while let Ok(Some(entry)) = entries.next_entry().await {
                    let old = entry
                        .metadata()
                        .await
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > retention);
                    if old && tokio::fs::remove_file(entry.path()).await.is_ok() {
                        removed += 1;
                    }
                }
                if removed > 0 {
                    tracing::info!(removed, "deleted recordings past their retention period");
                }
            }
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_signed_per_engagement_and_expiry() {
        let key = [7u8; 32];
        let url = signed_url("http://cc", &key, "e1", 1_000);
        let expires = 1_000 + LINK_LIFETIME.as_millis() as i64;
        assert!(url.starts_with(&format!("http://cc/api/v1/recordings/e1?expires={expires}&sig=")));
        let sig = url.rsplit_once("sig=").unwrap().1;
        assert_eq!(sig, signature(&key, "e1", expires));
        assert_ne!(sig, signature(&key, "e2", expires), "not valid for another engagement");
        assert_ne!(sig, signature(&key, "e1", expires + 1), "not valid with another expiry");
        assert_ne!(sig, signature(&[8u8; 32], "e1", expires), "not valid with another key");
    }
}
