//! The demo: an organization to try Callbar with, and a demo CRM on a second origin that
//! embeds the softphone exactly as a customer's CRM would.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use callbar_store::{NewEntryPoint, NewQueue, Store};

use crate::auth::password;
use crate::config::Config;
use crate::engine::settings::{QueueSettings, RecordingPolicy};
use crate::http::{assets, embed::escape, with_common_layers};
use crate::org::{self, UserInput};

/// The demo accounts: role, name, email, password, extension.
pub const ACCOUNTS: [(&str, &str, &str, &str, &str); 3] = [
    ("admin", "Alex Admin", "admin@example.com", "callbar-admin", "1000"),
    ("agent", "Ada Lovelace", "ada@example.com", "callbar-demo", "1001"),
    ("agent", "Grace Hopper", "grace@example.com", "callbar-demo", "1002"),
];

const QUEUES: [(&str, &str); 5] = [
    ("Voice Support", "voice"),
    ("Video Support", "video"),
    ("Web Chat", "chat"),
    ("SMS", "sms"),
    ("Back Office", "work_item"),
];

/// The widget entry point of the demo customer website.
pub const WEBSITE_ENTRY_POINT: &str = "Website";

const REASONS: [&str; 4] = ["Break", "Lunch", "Training", "Meeting"];
const DISPOSITIONS: [&str; 3] = ["Resolved", "Follow-up needed", "Escalated"];

/// Creates the demo organization when the database has no users yet. Returns whether it
/// did.
pub async fn seed(store: &Arc<dyn Store>, config: &Config) -> anyhow::Result<bool> {
    if store.user_count().await? > 0 {
        return Ok(false);
    }
    for (role, name, email, pw, ext) in ACCOUNTS {
        org::add_user(
            store,
            UserInput {
                email: email.into(),
                name: name.into(),
                role: role.into(),
                extension: Some(ext.into()),
                password: pw.into(),
            },
        )
        .await?;
    }
    for (name, channel) in QUEUES {
        let queue = store
            .create_queue(NewQueue {
                name: name.into(),
                channel: channel.into(),
            })
            .await?;
        let mut resolved = None;
        for d in DISPOSITIONS {
            let added = store.add_disposition(&queue.id, d).await?;
            resolved.get_or_insert(added.id);
        }
        // Offers ring for 30 s; wrap-up closes on its own after two minutes as "Resolved".
        // Calls are recorded from the moment they are accepted.
        let recording = (channel == "voice").then_some(RecordingPolicy::Always);
        let settings = QueueSettings {
            ring_timeout_ms: Some(30_000),
            wrap_up_ms: Some(120_000),
            default_disposition: resolved,
            recording,
            ..QueueSettings::default()
        };
        store
            .set_queue_settings(&queue.id, &serde_json::to_string(&settings)?)
            .await?;
    }
    for reason in REASONS {
        org::add_reason(store, reason).await?;
    }
    // The "Call us" button of the demo customer website rings the voice queue.
    let voice = store
        .queues()
        .await?
        .into_iter()
        .find(|q| q.channel == "voice")
        .expect("created above");
    store
        .create_entry_point(NewEntryPoint {
            name: WEBSITE_ENTRY_POINT.into(),
            kind: "widget".into(),
            queue_id: voice.id,
            address: String::new(),
        })
        .await?;
    org::add_domain(store, &config.demo_public_url).await?;
    org::add_domain(store, &config.demo_site_public_url).await?;
    tracing::info!("created the demo organization");
    Ok(true)
}

/// The demo accounts whose password is still the demo password, for the banner.
pub async fn usable_accounts(store: &Arc<dyn Store>) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    for (role, _, email, pw, _) in ACCOUNTS {
        if let Ok(Some((_, hash))) = store.credentials(email).await {
            let still = tokio::task::spawn_blocking(move || password::verify(pw, &hash))
                .await
                .unwrap_or(false);
            if still {
                out.push((role, email, pw));
            }
        }
    }
    out
}

/// The demo CRM's server: its page, with the iframe pointing at this Callbar.
pub fn router(config: &Config) -> Router {
    let embed_url = format!(
        "{}/cci/callbar/crm/?origin={}",
        config.public_url, config.demo_public_url
    );
    let page = assets::text("demo-crm/index.html")
        .unwrap_or_default()
        .replace("%EMBED_URL%", &escape(&embed_url))
        .replace("%EMBED_ORIGIN%", &escape(&config.public_url));
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let page = page.clone();
                async move { demo_page(page) }
            }),
        )
        .route(
            "/assets/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move {
                assets::serve(&path, &["demo-crm", "shared"], &headers)
            }),
        );
    with_common_layers(router)
}

fn demo_page(page: String) -> Response {
    if page.is_empty() {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "web/demo-crm/index.html is missing from this build",
        )
            .into_response();
    }
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-src *; base-uri 'none'"),
    );
    response
}

/// The demo customer website: a company page with the "Call us" widget, on its own origin.
pub async fn site_router(config: &Config, store: &Arc<dyn Store>) -> anyhow::Result<Router> {
    let entry = store
        .entry_points()
        .await?
        .into_iter()
        .find(|e| e.name == WEBSITE_ENTRY_POINT)
        .map(|e| e.id)
        .unwrap_or_default();
    let widget = format!("{}/widget.js", config.public_url);
    let page = assets::text("demo-customer/index.html")
        .unwrap_or_default()
        .replace("%WIDGET_SRC%", &escape(&widget))
        .replace("%ENTRY_POINT%", &escape(&entry));
    let ws = config.public_url.replacen("http", "ws", 1);
    let csp = format!(
        "default-src 'self'; script-src 'self' {origin}; connect-src {origin} {ws}; media-src blob: 'self'; img-src 'self' data:; base-uri 'none'",
        origin = config.public_url
    );
    let csp = HeaderValue::from_str(&csp)?;
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let (page, csp) = (page.clone(), csp.clone());
                async move {
                    let mut response = Html(page).into_response();
                    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
                    response
                }
            }),
        )
        .route(
            "/assets/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move {
                assets::serve(&path, &["demo-customer"], &headers)
            }),
        );
    Ok(with_common_layers(router))
}
