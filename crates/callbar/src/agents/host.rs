//! What the host asks of a signed-in agent's embed.
//!
//! The embed forwards every host message here unparsed; [`parse_host_message`] decides
//! what is valid, and each command gets its `-response` (or `zcc-error`) on the channel it
//! came from. Commands act only on the agent's own engagements.

use callbar_protocol::channel::ServerOp;
use callbar_protocol::{
    AgentInfo, AgentStatusInfo, CommandResponse, Disposition, DispositionCodesResponse,
    EmbedMessage, EngagementStatusResponse, ErrorCode, HostMessage, RequestId, ZccError,
    parse_host_message,
};
use callbar_store::User;
use serde_json::Value;

use super::status::{self, StatusError};
use crate::auth::Authenticated;
use crate::state::AppState;

/// The `zcc-agent-info-response` payload for a user.
pub fn agent_info(
    user: &User,
    status: AgentStatusInfo,
    request_id: Option<RequestId>,
) -> AgentInfo {
    AgentInfo {
        request_id,
        agent_id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        extension: user.extension.clone(),
        status,
    }
}

/// Whether a reply tells the host its message was refused.
pub fn is_rejection(op: &ServerOp) -> bool {
    matches!(
        op,
        ServerOp::Post {
            message: EmbedMessage::Error(_)
        }
    )
}

fn post(message: EmbedMessage) -> Vec<ServerOp> {
    vec![ServerOp::Post { message }]
}

/// Handles one host message; returns the replies for this channel.
pub async fn handle(state: &AppState, auth: &Authenticated, raw: &Value) -> Vec<ServerOp> {
    let message = match parse_host_message(raw) {
        Ok(Some(m)) => m,
        Ok(None) => return Vec::new(),
        Err(e) => return post(EmbedMessage::Error(e)),
    };
    let wire = message.wire_type();
    let fallback = message.failure(
        ErrorCode::Unavailable,
        "the Callbar server could not complete the request; try again",
    );
    match apply(state, auth, message).await {
        Ok(replies) => replies,
        Err(e) => {
            tracing::error!(user = %auth.user.id, message = wire, "host message failed: {e:#}");
            post(fallback)
        }
    }
}

async fn apply(
    state: &AppState,
    auth: &Authenticated,
    message: HostMessage,
) -> anyhow::Result<Vec<ServerOp>> {
    use HostMessage as H;
    let user = &auth.user;
    Ok(match message {
        H::AgentInfoRequest(req) => {
            let status = status::current(state, &user.id).await?;
            post(EmbedMessage::AgentInfoResponse(agent_info(
                user,
                status,
                req.request_id,
            )))
        }
        H::AgentStatusSetRequest(req) => {
            let result = match status::set(state, &user.id, &req.id).await {
                Ok(_) => CommandResponse::ok(req.request_id, None),
                Err(StatusError::Invalid(why)) => {
                    CommandResponse::failed(req.request_id, None, ErrorCode::InvalidInput, why)
                }
                Err(StatusError::Store(e)) => return Err(e.into()),
            };
            post(EmbedMessage::AgentStatusSetResponse(result))
        }
        H::EngagementStatusRequest(req) => post(EmbedMessage::EngagementStatusResponse(
            EngagementStatusResponse {
                request_id: req.request_id,
                active: Vec::new(),
                wrapup: Vec::new(),
            },
        )),
        H::GetDispositionCodes(req) => {
            let dispositions = state
                .store
                .dispositions()
                .await?
                .into_iter()
                .map(|d| Disposition {
                    disposition_id: d.id,
                    name: d.name,
                    queue_id: d.queue_id,
                })
                .collect();
            post(EmbedMessage::GetDispositionCodesResponse(
                DispositionCodesResponse {
                    result: CommandResponse::ok(req.request_id, req.engagement_id),
                    dispositions,
                },
            ))
        }
        H::ContactSearchResponse(matches) => {
            vec![ServerOp::ContactSearchResult { matches: matches.0 }]
        }
        // Answers to lookups nothing is waiting for yet.
        H::InitConfigResponse(_) | H::IncomingPhoneResponse(_) | H::IncomingEmailResponse(_) => {
            Vec::new()
        }
        H::ClickToAct(_) => post(EmbedMessage::Error(ZccError::new(
            ErrorCode::Unavailable,
            "outbound calling needs a SIP trunk, and this server has none configured",
        ))),
        // Commands on one engagement: this agent has none that match.
        command => {
            let (_, engagement_id) = command.ids();
            let why = format!(
                "no engagement {:?} belongs to you; zcc-engagement-status-request lists yours",
                engagement_id.unwrap_or_default()
            );
            post(command.failure(ErrorCode::EngagementNotFound, why))
        }
    })
}
