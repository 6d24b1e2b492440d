//! Agent status: what an agent chose (persisted), as the protocol announces it.
//!
//! Agents choose Ready (`"1"`), Offline (`"30"`) or a not-ready reason; Occupied (`"3"`)
//! is the system's to set while the agent handles an engagement. Every change is stored
//! first, then announced on every channel of the agent, both for the embed's own display
//! ([`ServerOp::Status`]) and for the host (`zcc-agent-status-notification`).

use callbar_protocol::channel::{ReasonOption, ServerOp};
use callbar_protocol::{AgentStatusInfo, EmbedMessage, StatusName, status_code};
use callbar_store::{StatusReason, StoreError};

use crate::engine::recovery::chosen_status;
use crate::engine::{EngineGone, RunError};
use crate::state::AppState;
use callbar_engine::{Command, EngineError};

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Unavailable(#[from] EngineGone),
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

/// The user's current status: as the engine reports it for agents (Occupied while an
/// engagement is live), as chosen for everyone else.
pub async fn current(state: &AppState, user_id: &str) -> Result<AgentStatusInfo, StatusError> {
    let id = user_id.to_owned();
    let reported = state.engine.query(move |engine, _| engine.reported_status(&id)).await?;
    let code = match reported {
        Some(r) => r.status_code().to_owned(),
        None => state
            .directory
            .user(user_id)
            .map(|u| u.status_code.clone())
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id:?}")))?,
    };
    Ok(describe(&code, &state.directory.reasons()))
}

/// Sets the status the user chose. For agents the engine decides what is announced (it
/// persists and announces through its effects); for others it is stored and announced here.
pub async fn set(state: &AppState, user_id: &str, code: &str) -> Result<AgentStatusInfo, StatusError> {
    let reasons = state.directory.reasons();
    let allowed = code == status_code::READY || code == status_code::OFFLINE || reasons.iter().any(|r| r.code == code);
    if !allowed {
        let mut choices = vec!["\"1\" (Ready)".to_owned(), "\"30\" (Offline)".to_owned()];
        choices.extend(reasons.iter().map(|r| format!("\"{}\" ({})", r.code, r.name)));
        let why = match code {
            status_code::OCCUPIED => "Occupied (\"3\") is set by the system while an engagement is handled".to_owned(),
            status_code::NOT_READY => "Not Ready (\"2\") needs a reason".to_owned(),
            other => format!("status code {other:?} is unknown"),
        };
        return Err(StatusError::Invalid(format!(
            "{why}; choose one of {}",
            choices.join(", ")
        )));
    }
    let command = Command::SetAgentStatus {
        agent: user_id.to_owned(),
        status: chosen_status(code),
    };
    match state.engine.run(command).await {
        Ok(_) => {}
        Err(RunError::Refused(EngineError::UnknownAgent(_))) => {
            state.store.set_status_code(user_id, code).await?;
            state.directory.set_status_code(user_id, code);
            announce(state, user_id, &describe(code, &reasons));
        }
        Err(RunError::Refused(e)) => return Err(StatusError::Invalid(e.to_string())),
        Err(RunError::Gone(e)) => return Err(StatusError::Unavailable(e)),
    }
    current(state, user_id).await
}

/// Tells every channel of the user about their status.
pub fn announce(state: &AppState, user_id: &str, status: &AgentStatusInfo) {
    state.agents.send(user_id, ServerOp::Status { status: status.clone() });
    state.agents.send(
        user_id,
        ServerOp::Post {
            message: EmbedMessage::AgentStatusNotification(status.clone()),
        },
    );
}
