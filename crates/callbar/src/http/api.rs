//! The REST API under `/api/v1/`: sessions, the signed-in agent, and the organization
//! (admins). Every route checks the role on the server.

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post, put};
use callbar_protocol::channel::CloseReason;
use callbar_store::{NewQueue, User};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{Admin, Body, Signed, Supervisor};
use crate::agents::status;
use crate::auth::session_cookie;
use crate::directory::MISSED_REASON;
use crate::metrics::Metrics;
use crate::org::{self, UserChange, UserInput};
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/sessions", post(sign_in))
        .route("/sessions/current", delete(sign_out))
        .route("/me", get(me))
        .route("/me/status", put(set_my_status))
        .route("/users", get(list_users).post(add_user))
        .route("/users/{id}", patch(change_user).delete(remove_user))
        .route("/domains", get(list_domains).post(add_domain))
        .route("/domains/{origin}", delete(remove_domain))
        .route("/status-reasons", get(list_reasons).post(add_reason))
        .route("/status-reasons/{code}", delete(remove_reason))
        .route("/queues", get(list_queues).post(add_queue))
        .route("/queues/{id}/dispositions", post(add_disposition))
        .route("/dispositions", get(list_dispositions))
        .fallback(|| async { ApiError::not_found("no such API route; the README lists the API under /api/v1/") })
}

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Body(body): Body<SignIn>,
) -> ApiResult<impl IntoResponse> {
    if body.email.len() > 254 || body.password.len() > 1024 {
        return Err(ApiError::invalid("email or password is too long"));
    }
    let result = state
        .sessions
        .sign_in(body.email.trim(), &body.password, peer.ip())
        .await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(crate::auth::SignInError::Throttled { .. }) => "throttled",
        Err(_) => "invalid",
    };
    Metrics::count(&state.metrics.sign_ins, outcome);
    let (token, auth) = result?;
    let max_age = (auth.expires_at - callbar_store::now_ms()) / 1000;
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, session_cookie(Some(&token), max_age))],
        Json(json!({ "token": token, "expiresAt": auth.expires_at, "user": auth.user })),
    ))
}

/// Signing out ends the session and sets the agent Offline, so nothing is offered to
/// someone who left; every window of the agent hears of it before this one closes.
async fn sign_out(State(state): State<SharedState>, Signed(auth): Signed) -> ApiResult<impl IntoResponse> {
    status::set(&state, &auth.user.id, callbar_protocol::status_code::OFFLINE).await?;
    state.sessions.sign_out(&auth).await?;
    state
        .agents
        .close_session(&auth.token_hash, CloseReason::SignedOut, "You signed out.");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(None, 0))]))
}

async fn me(State(state): State<SharedState>, Signed(auth): Signed) -> ApiResult {
    let status = status::current(&state, &auth.user.id).await?;
    Ok(Json(
        json!({ "user": auth.user, "status": status, "sessionExpiresAt": auth.expires_at }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    code: String,
}

async fn set_my_status(
    State(state): State<SharedState>,
    Signed(auth): Signed,
    Body(body): Body<StatusChange>,
) -> ApiResult {
    let status = status::set(&state, &auth.user.id, &body.code).await?;
    Ok(Json(json!({ "status": status })))
}

async fn list_users(State(state): State<SharedState>, _: Supervisor) -> ApiResult {
    Ok(Json(json!({ "users": state.store.users().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    email: String,
    name: String,
    #[serde(default = "agent_role")]
    role: String,
    extension: Option<String>,
    password: String,
}

fn agent_role() -> String {
    "agent".into()
}

async fn add_user(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Body(b): Body<NewUserBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = org::add_user(
        &state.store,
        UserInput {
            email: b.email,
            name: b.name,
            role: b.role,
            extension: b.extension,
            password: b.password,
        },
    )
    .await?;
    state.organization_changed().await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    name: Option<String>,
    role: Option<String>,
    extension: Option<String>,
    password: Option<String>,
}

async fn change_user(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    Body(b): Body<UserPatch>,
) -> ApiResult<Json<User>> {
    let new_password = b.password.is_some();
    let user = org::change_user(
        &state.store,
        &id,
        UserChange {
            name: b.name,
            role: b.role,
            extension: b.extension,
            password: b.password,
        },
    )
    .await?;
    state.organization_changed().await?;
    if new_password {
        state.agents.close_user(
            &id,
            CloseReason::InvalidSession,
            "Your password was changed. Sign in again.",
        );
    }
    Ok(Json(user))
}

async fn remove_user(
    State(state): State<SharedState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if admin.user.id == id {
        return Err(ApiError::invalid("you cannot remove yourself; ask another admin"));
    }
    state.store.delete_user(&id).await?;
    state.organization_changed().await?;
    state
        .agents
        .close_user(&id, CloseReason::InvalidSession, "Your account was removed.");
    Ok(StatusCode::NO_CONTENT)
}

async fn list_domains(State(state): State<SharedState>, Admin(_): Admin) -> ApiResult {
    Ok(Json(json!({ "domains": state.store.domains().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainBody {
    origin: String,
}

async fn add_domain(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Body(b): Body<DomainBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let origin = org::add_domain(&state.store, &b.origin).await?;
    Ok((StatusCode::CREATED, Json(json!({ "origin": origin }))))
}

async fn remove_domain(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(origin): Path<String>,
) -> ApiResult<StatusCode> {
    org::remove_domain(&state.store, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_reasons(State(state): State<SharedState>, Signed(_): Signed) -> ApiResult {
    Ok(Json(json!({ "reasons": state.store.status_reasons().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    name: String,
}

async fn add_reason(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Body(b): Body<ReasonBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let reason = org::add_reason(&state.store, &b.name).await?;
    state.organization_changed().await?;
    Ok((StatusCode::CREATED, Json(json!(reason))))
}

async fn remove_reason(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    let missed = state
        .directory
        .reasons()
        .iter()
        .any(|r| r.code == code && r.name == MISSED_REASON);
    if missed {
        return Err(ApiError::invalid(format!(
            "\"{MISSED_REASON}\" is the status Callbar sets after missed offers; it cannot be removed"
        )));
    }
    state.store.remove_status_reason(&code).await?;
    state.organization_changed().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_queues(State(state): State<SharedState>, Signed(_): Signed) -> ApiResult {
    Ok(Json(json!({ "queues": state.store.queues().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueBody {
    name: String,
    channel: String,
}

async fn add_queue(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Body(b): Body<QueueBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("a queue needs a name of 1 to 80 characters"));
    }
    if callbar_protocol::Channel::parse(&b.channel).is_none() {
        return Err(ApiError::invalid(format!(
            "channel {:?} is unknown; use voice, video, chat, sms or work_item",
            b.channel
        )));
    }
    let queue = state
        .store
        .create_queue(NewQueue {
            name: name.to_owned(),
            channel: b.channel,
        })
        .await?;
    state.organization_changed().await?;
    Ok((StatusCode::CREATED, Json(json!(queue))))
}

async fn add_disposition(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(queue_id): Path<String>,
    Body(b): Body<ReasonBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("a disposition needs a name of 1 to 80 characters"));
    }
    let d = state.store.add_disposition(&queue_id, name).await?;
    state.organization_changed().await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

async fn list_dispositions(State(state): State<SharedState>, Signed(_): Signed) -> ApiResult {
    Ok(Json(json!({ "dispositions": state.store.dispositions().await? })))
}
