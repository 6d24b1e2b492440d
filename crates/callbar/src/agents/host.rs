//! What the host asks of a signed-in agent's embed.
//!
//! The embed forwards every host message here unparsed; [`parse_host_message`] decides
//! what is valid, and each command gets its `-response` (or `zcc-error`) on the channel it
//! came from. Commands act only on the agent's own engagements.

use callbar_protocol::channel::ServerOp;
use callbar_protocol::{
    AgentInfo, AgentStatusInfo, CommandResponse, DispositionCodesResponse, EmbedMessage, EngagementStatusResponse,
    ErrorCode, HoldResponse, HoldState, HostMessage, MuteResponse, RecordingResponse, RequestId, ScreenPop,
    VariablesResponse, ZccError, parse_host_message,
};
use callbar_store::User;
use serde_json::Value;

use super::actions::{self, Action};
use super::lookups::{LookupKind, Pop};
use super::status::{self, StatusError};
use crate::auth::Authenticated;
use crate::engine::views;
use crate::state::AppState;
use crate::voice::{self, Control, ControlError};
use callbar_engine::{Engagement, Engine};

/// The `zcc-agent-info-response` payload for a user.
pub fn agent_info(user: &User, status: AgentStatusInfo, request_id: Option<RequestId>) -> AgentInfo {
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

async fn apply(state: &AppState, auth: &Authenticated, message: HostMessage) -> anyhow::Result<Vec<ServerOp>> {
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
        H::AgentStatusSetRequest(ref req) => {
            let result = match status::set(state, &user.id, &req.id).await {
                Ok(_) => CommandResponse::ok(req.request_id.clone(), None),
                Err(StatusError::Invalid(why)) => {
                    CommandResponse::failed(req.request_id.clone(), None, ErrorCode::InvalidInput, why)
                }
                Err(StatusError::Unavailable(e)) => {
                    return Ok(post(message.failure(ErrorCode::Unavailable, e.to_string())));
                }
                Err(StatusError::Store(e)) => return Err(e.into()),
            };
            post(EmbedMessage::AgentStatusSetResponse(result))
        }
        H::EngagementStatusRequest(req) => {
            let agent = user.id.clone();
            let (active, wrapup) = state
                .engine
                .query(move |engine, _| {
                    let mine = engine.agent_engagements(&agent).unwrap_or_default();
                    let summaries: Vec<_> = mine.iter().filter_map(|e| views::summary(engine, e)).collect();
                    summaries
                        .into_iter()
                        .partition(|s| s.state != callbar_protocol::EngagementState::Wrapup)
                })
                .await?;
            post(EmbedMessage::EngagementStatusResponse(EngagementStatusResponse {
                request_id: req.request_id,
                active,
                wrapup,
            }))
        }
        H::GetDispositionCodes(ref req) => {
            let agent = user.id.clone();
            let engagement = req.engagement_id.clone();
            let found = state
                .engine
                .query(move |engine, _| match engagement {
                    Some(id) => mine(engine, &agent, &id).map(|e| views::dispositions(engine, &e.queue_id)),
                    None => {
                        let queues = engine
                            .agent(&agent)
                            .map(|a| a.config.queues.clone())
                            .unwrap_or_default();
                        Some(queues.iter().flat_map(|q| views::dispositions(engine, q)).collect())
                    }
                })
                .await?;
            match found {
                Some(dispositions) => post(EmbedMessage::GetDispositionCodesResponse(DispositionCodesResponse {
                    result: CommandResponse::ok(req.request_id.clone(), req.engagement_id.clone()),
                    dispositions,
                })),
                None => post(not_yours(&message)),
            }
        }
        H::GetVariables(ref req) => {
            let (agent, id) = (user.id.clone(), req.engagement_id.clone());
            let found = state
                .engine
                .query(move |engine, _| mine(engine, &agent, &id).map(views::variables))
                .await?;
            match found {
                Some(variables) => post(EmbedMessage::GetVariablesResponse(VariablesResponse {
                    result: CommandResponse::ok(req.request_id.clone(), Some(req.engagement_id.clone())),
                    variables,
                })),
                None => post(not_yours(&message)),
            }
        }
        H::ContactSearchResponse(matches) => {
            vec![ServerOp::ContactSearchResult { matches: matches.0 }]
        }
        H::InitConfigResponse(config) => {
            let phone = config.phone.as_ref();
            let event = phone.and_then(|p| p.screen_pop_event.as_deref());
            let links = phone
                .and_then(|p| p.call_log_configs.as_ref())
                .and_then(|c| c.auto_update_call_url);
            state.lookups.configure(&user.id, event, links);
            Vec::new()
        }
        H::IncomingPhoneResponse(matches) => answered(state, &user.id, LookupKind::Phone, matches.0).await?,
        H::IncomingEmailResponse(matches) => answered(state, &user.id, LookupKind::Email, matches.0).await?,
        H::ClickToAct(ref c) => {
            // A missing phone was answered with `no-phone` while parsing.
            let phone = c.phone.clone().unwrap_or_default();
            let contact = callbar_protocol::ContactRecord {
                id: c.id.clone().unwrap_or_default(),
                name: c.name.clone().unwrap_or_default(),
                phone: phone.clone(),
                email: c.email.clone().unwrap_or_default(),
                entity: c.user_entity.clone().unwrap_or_default(),
            };
            let contact = (!contact.id.is_empty()).then_some(contact);
            match voice::trunk::place(state, &user.id, &phone, contact).await {
                Ok(_) => Vec::new(),
                Err(refusal) => post(EmbedMessage::Error(ZccError::new(refusal.code, refusal.message))),
            }
        }
        H::AcceptEngagement(ref c) => act(state, user, &message, &c.engagement_id, Action::Accept).await,
        H::RejectEngagement(ref c) => act(state, user, &message, &c.engagement_id, Action::Reject).await,
        H::TerminateEngagement(ref c) => act(state, user, &message, &c.engagement_id, Action::End).await,
        H::CloseEngagementWrapup(ref c) => act(state, user, &message, &c.engagement_id, Action::CloseWrapUp).await,
        H::SetEngagementDisposition(ref c) => {
            let action = Action::SetDisposition(c.disposition_id.clone());
            act(state, user, &message, &c.engagement_id, action).await
        }
        H::SetMute(ref c) => {
            let result = voice::apply_control(state, &user.id, &c.engagement_id, Control::Mute(c.mute)).await;
            control_response(&message, result, |result, view| {
                EmbedMessage::SetMuteResponse(MuteResponse {
                    result,
                    muted: view.map(|v| v.muted),
                })
            })
        }
        H::SetHold(ref c) => {
            let result = voice::apply_control(state, &user.id, &c.engagement_id, Control::Hold(c.hold)).await;
            control_response(&message, result, |result, view| {
                let hold_state = view.map(|v| if v.held { HoldState::Held } else { HoldState::Active });
                EmbedMessage::SetHoldResponse(HoldResponse { result, hold_state })
            })
        }
        H::SendDtmf(ref c) => {
            let result = voice::apply_control(state, &user.id, &c.engagement_id, Control::Dtmf(c.digits.clone())).await;
            control_response(&message, result, |result, _| EmbedMessage::SendDtmfResponse(result))
        }
        H::SetRecording(ref c) => {
            let result = voice::apply_control(state, &user.id, &c.engagement_id, Control::Recording(c.action)).await;
            control_response(&message, result, |result, view| {
                EmbedMessage::SetRecordingResponse(RecordingResponse {
                    result,
                    recording_state: view.and_then(|v| v.recording),
                })
            })
        }
        // Audio controls, transfer and video need a voice or video engagement.
        ref command => {
            let (agent, id) = (user.id.clone(), command.ids().1.unwrap_or_default().to_owned());
            let channel = state
                .engine
                .query(move |engine, _| mine(engine, &agent, &id).map(|e| e.channel))
                .await?;
            match channel {
                None => post(not_yours(command)),
                Some(channel) => post(command.failure(
                    ErrorCode::InvalidState,
                    format!("{} is not available for a {channel} engagement", command.wire_type()),
                )),
            }
        }
    })
}

/// The agent's own engagement (offered, live or in wrap-up), if `id` is one.
fn mine<'e>(engine: &'e Engine, agent: &str, id: &str) -> Option<&'e Engagement> {
    engine.engagement(id).filter(|e| e.state.agent() == Some(agent))
}

fn not_yours(command: &HostMessage) -> EmbedMessage {
    let id = command.ids().1.unwrap_or_default();
    command.failure(
        ErrorCode::EngagementNotFound,
        format!("no engagement {id:?} belongs to you; zcc-engagement-status-request lists yours"),
    )
}

/// An engagement command from the host: the same rules as the embed's buttons.
async fn act(state: &AppState, user: &User, command: &HostMessage, engagement: &str, action: Action) -> Vec<ServerOp> {
    match actions::act(state, &user.id, engagement, action).await {
        Ok(()) => {
            let (request_id, engagement_id) = command.ids();
            let ok = CommandResponse::ok(request_id.cloned(), engagement_id.map(str::to_owned));
            let response_type = command.response_type().expect("engagement commands have responses");
            let data = serde_json::to_value(ok).expect("responses serialize");
            match EmbedMessage::decode(response_type, data) {
                Some(Ok(response)) => post(response),
                _ => Vec::new(),
            }
        }
        Err(refusal) => post(command.failure(refusal.code, refusal.message)),
    }
}

/// The host answered a lookup: link the record, pop if due, show the matches.
async fn answered(
    state: &AppState,
    agent: &str,
    kind: LookupKind,
    matches: Vec<callbar_protocol::ContactRecord>,
) -> anyhow::Result<Vec<ServerOp>> {
    let Some((engagement, pop)) = state.lookups.answered(agent, kind, matches) else {
        tracing::debug!(agent, "a lookup answer nobody was waiting for");
        return Ok(Vec::new());
    };
    if let Some(contact) = state.lookups.contact(&engagement) {
        state
            .store
            .set_engagement_contact(&engagement, &serde_json::to_string(&contact)?)
            .await?;
    }
    refresh(state, agent).await;
    Ok(match pop {
        Pop::Now(id) => post(EmbedMessage::ScreenPop(ScreenPop {
            id,
            engagement_id: Some(engagement),
        })),
        Pop::Later => Vec::new(),
    })
}

/// The agent picked one of several matching records: link it and pop it.
pub async fn pick(state: &AppState, agent: &str, engagement: &str, contact_id: &str) -> anyhow::Result<Vec<ServerOp>> {
    let Some(contact) = state.lookups.pick(engagement, contact_id) else {
        return Ok(vec![ServerOp::Problem {
            message: format!("{contact_id:?} is not one of the records that matched engagement {engagement:?}"),
        }]);
    };
    state
        .store
        .set_engagement_contact(engagement, &serde_json::to_string(&contact)?)
        .await?;
    let pop = ScreenPop {
        id: contact.id.clone(),
        engagement_id: Some(engagement.to_owned()),
    };
    refresh(state, agent).await;
    Ok(post(EmbedMessage::ScreenPop(pop)))
}

/// Sends the agent their engagements again (something they show changed). The snapshot is
/// taken and queued on the engine's task, so it cannot overtake one taken earlier; a
/// snapshot returned to this task and sent from here could (see the hub).
pub async fn refresh(state: &AppState, agent: &str) {
    let (lookups, voice, hub, agent) = (
        state.lookups.clone(),
        state.voice.clone(),
        state.agents.clone(),
        agent.to_owned(),
    );
    let sent = state
        .engine
        .query(move |engine, _| {
            let engagements = views::agent_engagements(engine, &lookups, &voice, &agent);
            hub.send(&agent, ServerOp::Engagements { engagements });
        })
        .await;
    if let Err(e) = sent {
        tracing::debug!("refreshing the engagements failed: {e}");
    }
}

/// The `-response` of an audio control: success with the call's state, or the failure.
fn control_response(
    command: &HostMessage,
    result: Result<callbar_protocol::channel::CallView, ControlError>,
    respond: impl FnOnce(CommandResponse, Option<callbar_protocol::channel::CallView>) -> EmbedMessage,
) -> Vec<ServerOp> {
    match result {
        Ok(view) => {
            let (request_id, engagement_id) = command.ids();
            let ok = CommandResponse::ok(request_id.cloned(), engagement_id.map(str::to_owned));
            post(respond(ok, Some(view)))
        }
        Err(ControlError::NoCall(_)) => post(not_yours(command)),
        Err(ControlError::Refused(why)) => post(command.failure(ErrorCode::InvalidState, why)),
        Err(ControlError::NotAllowed(why)) => post(command.failure(ErrorCode::NotAllowed, why)),
    }
}
