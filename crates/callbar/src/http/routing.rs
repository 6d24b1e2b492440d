//! Routing settings of queues and agents, and the API tokens of back-office systems.
//!
//! A change is first tried on the engine (which refuses an invalid configuration, e.g.
//! skill steps that do not relax) and stored only when it was accepted. Both happen in turn
//! with organization syncs (`AppState::organization_sync`): a sync that read the store in
//! between would put the old settings back in the engine.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use callbar_engine::Command;
use callbar_store::{Role, StoreError};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{API_TOKEN_PREFIX, Admin, Body, Supervisor};
use crate::auth::{hash_token, new_token};
use crate::engine::RunError;
use crate::engine::settings::{self, AgentSettings, QueueSettings};
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/queues/{id}/routing", get(queue_routing).patch(change_queue_routing))
        .route("/users/{id}/routing", get(agent_routing).patch(change_agent_routing))
        .route("/entry-points", post(create_entry_point).get(list_entry_points))
        .route("/entry-points/{id}", delete(remove_entry_point))
        .route("/api-tokens", post(create_token).get(list_tokens))
        .route("/api-tokens/{id}", delete(revoke_token))
}

async fn queue_routing(
    State(state): State<SharedState>,
    _: Supervisor,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let queue = find_queue(&state, &id).await?;
    let stored: QueueSettings = settings::parse("queue", &queue.settings);
    Ok(Json(json!({ "queueId": queue.id, "settings": stored })))
}

async fn change_queue_routing(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    Body(change): Body<QueueSettings>,
) -> Result<Json<Value>, ApiError> {
    let _in_turn = state.organization_sync.lock().await;
    let mut queue = find_queue(&state, &id).await?;
    let mut change = change;
    if let Some(number) = &change.caller_id {
        let normalized = callbar_protocol::normalize_phone(number).map_err(|_| {
            ApiError::invalid(format!(
                "callerId {number:?} must be a phone number, e.g. \"+15550100\""
            ))
        })?;
        change.caller_id = Some(normalized);
    }
    if let Some(name) = &change.outbound_trunk {
        let trunks = &state.config.sip.trunks;
        if !trunks.iter().any(|t| &t.name == name) {
            let names: Vec<&str> = trunks.iter().map(|t| t.name.as_str()).collect();
            return Err(ApiError::invalid(if names.is_empty() {
                format!(
                    "outboundTrunk {name:?} names no trunk: no SIP trunk is configured ([[trunks]] in callbar.toml)"
                )
            } else {
                format!("outboundTrunk {name:?} names no trunk; the configured trunks are {names:?}")
            }));
        }
    }
    let mut merged: QueueSettings = settings::parse("queue", &queue.settings);
    merged.merge(change);
    queue.settings = serde_json::to_string(&merged).expect("settings serialize");
    let config = settings::queue_config(&queue, &state.store.dispositions().await?);
    state
        .engine
        .run(Command::UpsertQueue {
            id: queue.id.clone(),
            config,
        })
        .await
        .map_err(refused)?;
    state.store.set_queue_settings(&queue.id, &queue.settings).await?;
    state.directory.reload(&state.store).await?;
    Ok(Json(json!({ "queueId": queue.id, "settings": merged })))
}

async fn agent_routing(
    State(state): State<SharedState>,
    _: Supervisor,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = state
        .store
        .user(&id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {id:?}")))?;
    let stored: AgentSettings = settings::parse("agent", &user.agent_settings);
    Ok(Json(json!({ "userId": user.id, "settings": stored })))
}

async fn change_agent_routing(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    Body(change): Body<AgentSettings>,
) -> Result<Json<Value>, ApiError> {
    let _in_turn = state.organization_sync.lock().await;
    let mut user = state
        .store
        .user(&id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {id:?}")))?;
    if user.role != Role::Agent {
        return Err(ApiError::invalid(
            "only users with the agent role have routing settings",
        ));
    }
    let queues = state.store.queues().await?;
    if let Some(unknown) = change
        .queues
        .iter()
        .flatten()
        .find(|q| !queues.iter().any(|known| known.id == **q))
    {
        return Err(ApiError::invalid(format!(
            "there is no queue {unknown:?}; GET /api/v1/queues lists them"
        )));
    }
    let mut merged: AgentSettings = settings::parse("agent", &user.agent_settings);
    merged.merge(change);
    user.agent_settings = serde_json::to_string(&merged).expect("settings serialize");
    let config = settings::agent_config(&user, &queues);
    state
        .engine
        .run(Command::UpsertAgent {
            id: user.id.clone(),
            config,
        })
        .await
        .map_err(refused)?;
    state.store.set_agent_settings(&user.id, &user.agent_settings).await?;
    state.directory.reload(&state.store).await?;
    Ok(Json(json!({ "userId": user.id, "settings": merged })))
}

async fn find_queue(state: &SharedState, id: &str) -> Result<callbar_store::Queue, ApiError> {
    state
        .store
        .queues()
        .await?
        .into_iter()
        .find(|q| q.id == id)
        .ok_or_else(|| ApiError::not_found(format!("there is no queue {id:?}")))
}

fn refused(e: RunError) -> ApiError {
    match e {
        RunError::Refused(e) => ApiError::invalid(e.to_string()),
        RunError::Gone(e) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string()),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    name: String,
}

/// Creates an API token. The token is in this answer only; the server keeps its hash.
async fn create_token(
    State(state): State<SharedState>,
    Admin(admin): Admin,
    Body(b): Body<TokenBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("an API token needs a name of 1 to 80 characters"));
    }
    let token = new_token(API_TOKEN_PREFIX);
    let record = state.store.create_api_token(name, &hash_token(&token)).await?;
    tracing::info!(token = %record.id, by = %admin.user.email, "API token created");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": record.id, "name": record.name, "createdAt": record.created_at, "token": token })),
    ))
}

async fn list_tokens(State(state): State<SharedState>, Admin(_): Admin) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "apiTokens": state.store.api_tokens().await? })))
}

async fn revoke_token(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_api_token(&id).await?;
    state.directory.forget_api_tokens();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EntryPointBody {
    name: String,
    /// `widget`, `phone` or `sms`.
    kind: String,
    /// The queue's id or name.
    queue: String,
    /// The number, for `phone` and `sms`.
    #[serde(default)]
    address: String,
}

async fn create_entry_point(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Body(b): Body<EntryPointBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("an entry point needs a name of 1 to 80 characters"));
    }
    let queue = state
        .directory
        .queues()
        .iter()
        .find(|q| q.id == b.queue || q.name.eq_ignore_ascii_case(&b.queue))
        .cloned()
        .ok_or_else(|| ApiError::invalid(format!("there is no queue {:?}", b.queue)))?;
    let address = match b.kind.as_str() {
        "widget" if b.address.is_empty() => String::new(),
        "widget" => return Err(ApiError::invalid("a widget entry point has no address")),
        "phone" | "sms" => callbar_protocol::normalize_phone(&b.address).map_err(ApiError::invalid)?,
        other => {
            return Err(ApiError::invalid(format!(
                "kind {other:?} is unknown; use widget, phone or sms"
            )));
        }
    };
    let wanted = if b.kind == "sms" { "sms" } else { "voice" };
    if queue.channel != wanted {
        return Err(ApiError::invalid(format!(
            "a {} entry point needs a {wanted} queue; {:?} takes {}",
            b.kind, queue.name, queue.channel
        )));
    }
    let entry = state
        .store
        .create_entry_point(callbar_store::NewEntryPoint {
            name: name.to_owned(),
            kind: b.kind,
            queue_id: queue.id,
            address,
        })
        .await?;
    state.directory_changed().await?;
    Ok((StatusCode::CREATED, Json(json!(entry))))
}

async fn list_entry_points(State(state): State<SharedState>, _: Supervisor) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "entryPoints": *state.directory.entry_points() })))
}

async fn remove_entry_point(
    State(state): State<SharedState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_entry_point(&id).await?;
    state.directory_changed().await?;
    Ok(StatusCode::NO_CONTENT)
}
