//! `/api/v1/engagements`: back-office systems create work items, list and cancel them,
//! and see why each was offered to whom.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use callbar_engine::{Command, Customer, EngineError, NewEngagement, Output};
use callbar_protocol::Channel;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{Backoffice, Body};
use crate::engine::RunError;
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/engagements", post(create).get(list))
        .route("/engagements/{id}", get(show))
        .route("/engagements/{id}/cancel", post(cancel))
        .route("/engagements/{id}/variables", post(set_variable))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewWorkItem {
    /// Only `work_item` for now: calls and chats arrive through their entry points.
    #[serde(default)]
    channel: Option<String>,
    /// The queue's id or name.
    queue: String,
    subject: String,
    #[serde(default)]
    customer: CustomerBody,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    priority: i32,
    /// Only this agent (id or email) may be offered it.
    #[serde(default)]
    target_agent: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

const MAX_VARIABLES: usize = 50;

fn check(body: &NewWorkItem) -> Result<(), ApiError> {
    if let Some(c) = &body.channel
        && c != Channel::WorkItem.as_str()
    {
        return Err(ApiError::invalid(format!(
            "channel {c:?} cannot be created through the API; only \"work_item\" (calls and chats arrive through their entry points)"
        )));
    }
    let subject = body.subject.trim();
    if subject.is_empty() || subject.chars().count() > 200 {
        return Err(ApiError::invalid("`subject` must have 1 to 200 characters"));
    }
    for (field, value, max) in [
        ("customer.name", &body.customer.name, 200),
        ("customer.email", &body.customer.email, 254),
        ("customer.phone", &body.customer.phone, 32),
    ] {
        if value.chars().count() > max || value.chars().any(char::is_control) {
            return Err(ApiError::invalid(format!(
                "`{field}` must be at most {max} characters, without control characters"
            )));
        }
    }
    if !body.customer.email.is_empty() && !body.customer.email.contains('@') {
        return Err(ApiError::invalid("`customer.email` is not an email address"));
    }
    if !body.customer.phone.is_empty() {
        callbar_protocol::normalize_phone(&body.customer.phone)
            .map_err(|e| ApiError::invalid(format!("`customer.phone`: {e}")))?;
    }
    if body.variables.len() > MAX_VARIABLES {
        return Err(ApiError::invalid(format!("at most {MAX_VARIABLES} variables")));
    }
    for (name, value) in &body.variables {
        check_variable(name, value)?;
    }
    if !(-1000..=1000).contains(&body.priority) {
        return Err(ApiError::invalid(
            "`priority` must be between -1000 and 1000 (higher is served first)",
        ));
    }
    Ok(())
}

async fn create(
    State(state): State<SharedState>,
    who: Backoffice,
    Body(body): Body<NewWorkItem>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check(&body)?;
    let queues = state.directory.queues();
    let queue = queues
        .iter()
        .find(|q| q.id == body.queue || q.name.eq_ignore_ascii_case(&body.queue))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "there is no queue {:?}; GET /api/v1/queues lists them",
                body.queue
            ))
        })?;
    if queue.channel != Channel::WorkItem.as_str() {
        return Err(ApiError::invalid(format!(
            "queue {:?} takes {} engagements, not work items",
            queue.name, queue.channel
        )));
    }
    let target_agent = match &body.target_agent {
        None => None,
        Some(t) => Some(
            state
                .directory
                .agents()
                .iter()
                .find(|u| u.id == *t || u.email.eq_ignore_ascii_case(t))
                .map(|u| u.id.clone())
                .ok_or_else(|| ApiError::invalid(format!("there is no agent {t:?}")))?,
        ),
    };
    let id = callbar_store::new_id();
    let customer = Customer {
        name: body.customer.name.trim().to_owned(),
        email: body.customer.email.trim().to_owned(),
        phone: body.customer.phone.trim().to_owned(),
    };
    let from = [&customer.email, &customer.phone, &customer.name]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default();
    let engagement = NewEngagement {
        priority: body.priority,
        customer,
        subject: body.subject.trim().to_owned(),
        from,
        to: queue.name.clone(),
        variables: body.variables,
        target_agent,
        ..NewEngagement::new(id.clone(), queue.id.clone())
    };
    let outputs = state
        .engine
        .run(Command::CreateEngagement(engagement))
        .await
        .map_err(engine_error)?;
    let offered_to = outputs.iter().find_map(|o| match o {
        Output::Offered { engagement, agent, .. } if *engagement == id => Some(agent.clone()),
        _ => None,
    });
    tracing::debug!(engagement = %id, by = %who.name, queue = %queue.name, "work item created");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "engagementId": id,
            "queueId": queue.id,
            "queueName": queue.name,
            "state": if offered_to.is_some() { "offered" } else { "queued" },
            "offeredTo": offered_to,
        })),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Filter {
    queue: Option<String>,
    state: Option<String>,
}

async fn list(
    State(state): State<SharedState>,
    _: Backoffice,
    Query(filter): Query<Filter>,
) -> Result<Json<Value>, ApiError> {
    let engagements = state
        .engine
        .query(move |engine, _| {
            engine
                .engagements()
                .into_iter()
                .filter(|e| filter.queue.as_ref().is_none_or(|q| *q == e.queue_id))
                .filter(|e| filter.state.as_ref().is_none_or(|s| s == e.state.name()))
                .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| engine_error(e.into()))?;
    Ok(Json(json!({ "engagements": engagements })))
}

async fn show(
    State(state): State<SharedState>,
    _: Backoffice,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = id.clone();
    let found = state
        .engine
        .query(move |engine, _| {
            engine
                .engagement(&key)
                .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        })
        .await
        .map_err(|e| engine_error(e.into()))?;
    found.map(Json).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no engagement {id:?} in progress (finished ones are kept for a while, then only in call logs)"
        ))
    })
}

async fn cancel(
    State(state): State<SharedState>,
    who: Backoffice,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .engine
        .run(Command::Cancel { engagement: id.clone() })
        .await
        .map_err(engine_error)?;
    tracing::info!(engagement = %id, by = %who.name, "engagement cancelled");
    Ok(Json(json!({ "engagementId": id, "state": "cancelled" })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableBody {
    name: String,
    value: String,
}

/// Sets a custom variable of an engagement in progress (the agent and the host see it in
/// `zcc-get-variables-response`).
async fn set_variable(
    State(state): State<SharedState>,
    _: Backoffice,
    Path(id): Path<String>,
    Body(b): Body<VariableBody>,
) -> Result<Json<Value>, ApiError> {
    check_variable(&b.name, &b.value)?;
    state
        .engine
        .run(Command::SetVariable {
            engagement: id.clone(),
            agent: None,
            name: b.name.clone(),
            value: b.value.clone(),
        })
        .await
        .map_err(engine_error)?;
    Ok(Json(json!({ "engagementId": id, "name": b.name, "value": b.value })))
}

fn check_variable(name: &str, value: &str) -> Result<(), ApiError> {
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid_name {
        return Err(ApiError::invalid(format!(
            "variable name {name:?} must be 1 to 64 letters, digits, '_', '-' or '.'"
        )));
    }
    if name.starts_with(callbar_engine::SYSTEM_PREFIX) {
        return Err(ApiError::invalid(format!(
            "variable {name:?}: names starting with \"Consumer.\" are set by Callbar from the customer"
        )));
    }
    if value.chars().count() > 1000 {
        return Err(ApiError::invalid(format!(
            "variable {name:?} is longer than 1000 characters"
        )));
    }
    Ok(())
}

fn engine_error(e: RunError) -> ApiError {
    match e {
        RunError::Refused(e @ EngineError::UnknownEngagement(_)) => ApiError::not_found(e.to_string()),
        RunError::Refused(e @ EngineError::InvalidState { .. }) => {
            ApiError::new(StatusCode::CONFLICT, "invalid-state", e.to_string())
        }
        RunError::Refused(e) => ApiError::invalid(e.to_string()),
        RunError::Gone(e) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string()),
    }
}
