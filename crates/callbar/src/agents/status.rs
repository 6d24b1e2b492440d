//! Agent status: what an agent chose (persisted), as the protocol announces it.
//!
//! Agents choose Ready (`"1"`), Offline (`"30"`) or a not-ready reason; Occupied (`"3"`)
//! is the system's to set while the agent handles an engagement. Every change is stored
//! first, then announced on every channel of the agent, both for the embed's own display
//! ([`ServerOp::Status`]) and for the host (`zcc-agent-status-notification`).

use callbar_protocol::channel::{ReasonOption, ServerOp};
use callbar_protocol::{AgentStatusInfo, EmbedMessage, StatusName, status_code};
use callbar_store::{StatusReason, StoreError};

use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The protocol's view of a stored status code.
pub fn describe(code: &str, reasons: &[StatusReason]) -> AgentStatusInfo {
    match code {
        status_code::READY => AgentStatusInfo::ready(),
        status_code::OCCUPIED => AgentStatusInfo::occupied(),
        status_code::OFFLINE => AgentStatusInfo::offline(),
        _ => match reasons.iter().find(|r| r.code == code) {
            Some(r) => AgentStatusInfo::not_ready(&r.code, &r.name),
            // A reason an admin has since removed: plain Not Ready.
            None => AgentStatusInfo {
                status_code: status_code::NOT_READY.to_owned(),
                parent_status_code: None,
                status: StatusName::NotReady,
                sub_reason: None,
            },
        },
    }
}

pub fn reason_options(reasons: &[StatusReason]) -> Vec<ReasonOption> {
    reasons
        .iter()
        .map(|r| ReasonOption {
            code: r.code.clone(),
            name: r.name.clone(),
        })
        .collect()
}

/// The agent's current status.
pub async fn current(state: &AppState, user_id: &str) -> Result<AgentStatusInfo, StatusError> {
    let user = state
        .store
        .user(user_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {user_id:?}")))?;
    Ok(describe(
        &user.status_code,
        &state.store.status_reasons().await?,
    ))
}

/// Sets the status the agent chose, persists it and announces it.
pub async fn set(
    state: &AppState,
    user_id: &str,
    code: &str,
) -> Result<AgentStatusInfo, StatusError> {
    let reasons = state.store.status_reasons().await?;
    let allowed = code == status_code::READY
        || code == status_code::OFFLINE
        || reasons.iter().any(|r| r.code == code);
    if !allowed {
        let mut choices = vec!["\"1\" (Ready)".to_owned(), "\"30\" (Offline)".to_owned()];
        choices.extend(
            reasons
                .iter()
                .map(|r| format!("\"{}\" ({})", r.code, r.name)),
        );
        let why = match code {
            status_code::OCCUPIED => {
                "Occupied (\"3\") is set by the system while an engagement is handled".to_owned()
            }
            status_code::NOT_READY => "Not Ready (\"2\") needs a reason".to_owned(),
            other => format!("status code {other:?} is unknown"),
        };
        return Err(StatusError::Invalid(format!(
            "{why}; choose one of {}",
            choices.join(", ")
        )));
    }
    state.store.set_status_code(user_id, code).await?;
    let status = describe(code, &reasons);
    announce(state, user_id, &status);
    Ok(status)
}

/// Tells every channel of the agent about its status.
pub fn announce(state: &AppState, user_id: &str, status: &AgentStatusInfo) {
    state.agents.send(
        user_id,
        ServerOp::Status {
            status: status.clone(),
        },
    );
    state.agents.send(
        user_id,
        ServerOp::Post {
            message: EmbedMessage::AgentStatusNotification(status.clone()),
        },
    );
}
