//! The embed page: `/cci/callbar/crm/?origin=<host origin>` (and the legacy
//! `/crm-int/callbar/`).
//!
//! The softphone is served only to an approved origin, and only that origin may frame it:
//! the response carries `Content-Security-Policy: frame-ancestors <origin>`, so a page on
//! another origin cannot frame it by lying in `?origin=`. Anything else gets a page that
//! explains what is wrong and how an admin fixes it. That page has no script, so it sends
//! no protocol message.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::assets;
use crate::metrics::Metrics;
use crate::origin::normalize_origin;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct EmbedQuery {
    origin: Option<String>,
}

pub async fn page(State(state): State<SharedState>, Query(query): Query<EmbedQuery>) -> Response {
    let origin = match query.origin.as_deref().map(normalize_origin) {
        None => {
            return refused(
                &state,
                "The softphone needs to know which page embeds it",
                format!(
                    "The iframe address has no <code>?origin=</code> parameter. Add the origin of the page that embeds \
                     Callbar, for example <code>{}/cci/callbar/crm/?origin=https://crm.example.com</code>.",
                    escape(&state.config.public_url)
                ),
            );
        }
        Some(Err(why)) => {
            return refused(
                &state,
                "The origin in the iframe address is not valid",
                format!(
                    "<code>?origin=</code> must be the origin of the embedding page, such as \
                     <code>https://crm.example.com</code>: {}.",
                    escape(&why)
                ),
            );
        }
        Some(Ok(origin)) => origin,
    };
    match state.store.domain_approved(&origin).await {
        Ok(true) => {}
        Ok(false) => {
            let o = escape(&origin);
            return refused(
                &state,
                "This site is not approved to embed Callbar",
                format!(
                    "<strong>{o}</strong> is not an approved domain of this Callbar server, so the softphone does not \
                     load here. An administrator can approve it with <code>callbar domain add {o}</code> or \
                     <code>POST /api/v1/domains</code> with <code>{{\"origin\": \"{o}\"}}</code>, then reload this page."
                ),
            );
        }
        Err(e) => {
            tracing::error!("checking an approved domain failed: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The server cannot check approved domains right now.",
            )
                .into_response();
        }
    }
    Metrics::count(&state.metrics.embed_loads, "approved");
    let Some(template) = assets::text("embed/index.html") else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "web/embed/index.html is missing from this build",
        )
            .into_response();
    };
    let html = template.replace("%HOST_ORIGIN%", &escape(&origin));
    let ws = state.config.public_url.replacen("http", "ws", 1);
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; \
         connect-src 'self' {ws}; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {origin}"
    );
    with_headers(Html(html).into_response(), &csp)
}

fn refused(state: &SharedState, title: &str, body_html: String) -> Response {
    Metrics::count(&state.metrics.embed_loads, "refused");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <link rel=\"stylesheet\" href=\"/assets/embed/styles.css\"></head>\
         <body class=\"refused\"><main role=\"alert\"><h1>{title}</h1><p>{body_html}</p></main></body></html>"
    );
    let csp = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";
    let mut response = with_headers(Html(html).into_response(), csp);
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

fn with_headers(mut response: Response, csp: &str) -> Response {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
