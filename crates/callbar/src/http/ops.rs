//! Operations endpoints: liveness and metrics.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::state::SharedState;

/// `GET /healthz`: 200 when the server and its database answer.
pub async fn healthz(State(state): State<SharedState>) -> Response {
    match state.store.user_count().await {
        Ok(_) => "ok\n".into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<SharedState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
