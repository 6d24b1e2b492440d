//! The HTTP surface of the server: the embed page, its assets, the REST API with the
//! agent channel, and operations endpoints.

mod api;
pub mod assets;
pub mod embed;
mod engagements;
mod error;
mod extract;

pub use extract::API_TOKEN_PREFIX;
mod ops;
mod routing;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::agents;
use crate::state::SharedState;

/// The largest request body accepted anywhere.
const MAX_BODY: usize = 256 * 1024;

pub fn router(state: SharedState) -> Router {
    let embed = get(embed::page);
    let router = Router::new()
        .route("/cci/callbar/crm/", embed.clone())
        .route("/cci/callbar/crm", embed.clone())
        .route("/crm-int/callbar/", embed.clone())
        .route("/crm-int/callbar", embed)
        .route(
            "/assets/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move {
                assets::serve(&path, &["embed", "shared"], &headers)
            }),
        )
        .route(
            "/widget.js",
            get(|headers: HeaderMap| async move { assets::serve("widget/widget.js", &["widget"], &headers) }),
        )
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/", get(landing))
        .nest(
            "/api/v1",
            api::routes()
                .merge(engagements::routes())
                .merge(routing::routes())
                .route("/agent/channel", get(agents::upgrade))
                .route("/widget/channel", get(crate::voice::widget::upgrade))
                .route("/recordings/{engagement}", get(crate::voice::recordings::fetch)),
        )
        .with_state(state);
    with_common_layers(router)
}

/// Adds what every server of Callbar shares: safe default headers, a body limit,
/// compression.
pub fn with_common_layers(router: Router) -> Router {
    router
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

async fn landing(axum::extract::State(state): axum::extract::State<SharedState>) -> Response {
    let c = &state.config;
    let demo = if c.demo {
        format!("The demo CRM is at {}/\n", c.demo_public_url)
    } else {
        String::new()
    };
    format!(
        "Callbar is running.\n{demo}Embed the softphone with an iframe at {}/cci/callbar/crm/?origin=<your page's origin>.\n\
         The API is under {}/api/v1/, health at /healthz, metrics at /metrics.\n",
        c.public_url, c.public_url
    )
    .into_response()
}
