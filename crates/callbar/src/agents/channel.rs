//! One agent channel: a WebSocket from an embed, from `hello` to close.
//!
//! The first message must be `hello` with a session token (browsers cannot put headers
//! on a WebSocket, and tokens stay out of URLs). Then the server sends `welcome` and the
//! protocol messages that announce the agent to the host, and relays in both directions
//! until the socket closes, the session expires or ends, or the server shuts down. Pings
//! every 20 s find dead peers; the embed reconnects on its own.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbar_protocol::EmbedMessage;
use callbar_protocol::channel::{AgentProfile, ClientOp, CloseReason, ServerOp};
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until, timeout};

use super::actions::{self, Action};
use super::{host, status};
use crate::auth::{AuthError, Authenticated};
use crate::engine::{RunError, views};
use crate::metrics::Metrics;
use crate::state::{AppState, SharedState};
use crate::voice::{self, Control};
use callbar_engine::{Command, EngineError};

/// The largest client message accepted (a host message is at most 64 KiB of JSON).
const MAX_FRAME: usize = 80 * 1024;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(20);
const DEAD_AFTER: Duration = Duration::from_secs(60);
/// How long an agent may be without a channel before the engine hears they are gone.
const DISCONNECT_GRACE: Duration = Duration::from_secs(5);

/// `GET /api/v1/agent/channel`. Browsers must come from the server's own origin (the
/// embed); clients without an `Origin` header (tools, load tests) are allowed.
pub async fn upgrade(State(state): State<SharedState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.as_bytes() != state.config.public_url.as_bytes()
    {
        return (
            StatusCode::FORBIDDEN,
            "The agent channel accepts only the Callbar embed's own origin.",
        )
            .into_response();
    }
    // A browser opened from the embed (same origin, checked above) may carry the session
    // cookie; `hello` without a token uses it.
    let cookie = crate::auth::cookie_token(&headers).map(str::to_owned);
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| run(socket, state, cookie))
}

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;

async fn send(sink: &mut Sink, op: &ServerOp) -> bool {
    let text = serde_json::to_string(op).expect("server ops serialize");
    sink.send(Message::Text(text.into())).await.is_ok()
}

async fn close(sink: &mut Sink, reason: CloseReason, message: &str) {
    let _ = send(
        sink,
        &ServerOp::Closed {
            reason,
            message: message.to_owned(),
        },
    )
    .await;
    let code = match reason {
        CloseReason::ShuttingDown => 1001,
        _ => 4401,
    };
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })))
        .await;
}

async fn run(socket: WebSocket, state: SharedState, cookie: Option<String>) {
    let (mut sink, mut stream) = socket.split();
    let auth = match timeout(HELLO_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str::<ClientOp>(&text) {
            Ok(ClientOp::Hello { token }) => match token.or(cookie) {
                Some(token) => state.sessions.authenticate(&token).await,
                None => Err(AuthError::Missing),
            },
            _ => {
                close(
                    &mut sink,
                    CloseReason::InvalidSession,
                    "The first message must be {\"op\":\"hello\",\"token\":…}.",
                )
                .await;
                return;
            }
        },
        _ => return,
    };
    let auth = match auth {
        Ok(a) => a,
        Err(e) => {
            let reason = match e {
                AuthError::Expired => CloseReason::Expired,
                _ => CloseReason::InvalidSession,
            };
            close(&mut sink, reason, &e.to_string()).await;
            return;
        }
    };
    let user_id = auth.user.id.clone();
    let registration = state.agents.register(&user_id, auth.user.role, auth.token_hash.clone());
    let mut outbox = registration.outbox;
    state.metrics.agent_channels.inc();
    if registration.first {
        presence(&state, &user_id, true).await;
    }
    if let Err(e) = greet(&state, &auth, registration.id, &mut sink).await {
        tracing::warn!(user = %user_id, "could not greet the agent: {e}");
    } else {
        relay(&state, &auth, &mut sink, &mut stream, &mut outbox).await;
    }
    let last = state.agents.unregister(&user_id, registration.id);
    state.metrics.agent_channels.dec();
    if last {
        // A reload or a network blip reconnects within seconds: keep the agent's offers
        // ringing that long before telling the engine the agent is gone.
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DISCONNECT_GRACE).await;
            if !state.agents.is_connected(&user_id) {
                presence(&state, &user_id, false).await;
            }
        });
    }
}

/// Tells the engine an agent came or went. Users who are not agents have no place in
/// the engine; that refusal is expected.
async fn presence(state: &AppState, user_id: &str, connected: bool) {
    let agent = user_id.to_owned();
    let command = if connected {
        Command::AgentConnected { agent }
    } else {
        Command::AgentDisconnected { agent }
    };
    match state.engine.run(command).await {
        Ok(_) | Err(RunError::Refused(EngineError::UnknownAgent(_))) => {}
        Err(e) => tracing::warn!(user = user_id, "telling the engine about a channel failed: {e}"),
    }
}

/// `welcome`, then what the host learns at sign-in (`zcc-agent-info-response` and
/// `zcc-agent-status-notification`), the agent's engagements and queues, and whatever the
/// outbox still owes this agent's host. The snapshots go through the channel's queue
/// (`channel` in the hub), behind any taken before them (see the hub).
async fn greet(state: &AppState, auth: &Authenticated, channel: u64, sink: &mut Sink) -> anyhow::Result<()> {
    let reasons = state.directory.reasons();
    let status = status::current(state, &auth.user.id).await?;
    let user = &auth.user;
    let welcome = ServerOp::Welcome {
        agent: AgentProfile {
            agent_id: user.id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            extension: user.extension.clone(),
            role: user.role.as_str().to_owned(),
        },
        status: status.clone(),
        reasons: status::reason_options(&reasons),
        session_expires_at: auth.expires_at,
    };
    let info = ServerOp::Post {
        message: EmbedMessage::AgentInfoResponse(host::agent_info(user, status.clone(), None)),
    };
    let notification = ServerOp::Post {
        message: EmbedMessage::AgentStatusNotification(status),
    };
    let agent = user.id.clone();
    let supervisor = user.role >= callbar_store::Role::Supervisor;
    for op in [welcome, info, notification] {
        if !send(sink, &op).await {
            anyhow::bail!("the socket closed");
        }
    }
    let (lookups, voice, hub) = (state.lookups.clone(), state.voice.clone(), state.agents.clone());
    state
        .engine
        .query(move |engine, now| {
            let mut queue_ids: Vec<String> = match engine.agent(&agent) {
                Some(a) if !supervisor => a.config.queues.iter().cloned().collect(),
                _ if supervisor => engine.queue_ids().into_iter().map(str::to_owned).collect(),
                _ => Vec::new(),
            };
            queue_ids.sort();
            let engagements = views::agent_engagements(engine, &lookups, &voice, &agent);
            hub.send_to(&agent, channel, ServerOp::Engagements { engagements });
            let queues = views::queue_stats(engine, &queue_ids, now);
            hub.send_to(&agent, channel, ServerOp::QueueStats { queues });
        })
        .await?;
    // Entries another channel is holding stay with it; it hands them on if it closes.
    for entry in state.store.pending_outbox(&user.id).await? {
        if !state.agents.in_flight(entry.id) {
            let messages = serde_json::from_str(&entry.messages)?;
            state.agents.deliver(&user.id, entry.id, messages);
        }
    }
    Ok(())
}

async fn relay(
    state: &Arc<AppState>,
    auth: &Authenticated,
    sink: &mut Sink,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    outbox: &mut tokio::sync::mpsc::Receiver<ServerOp>,
) {
    let expiry = Instant::now() + Duration::from_millis((auth.expires_at - callbar_store::now_ms()).max(0) as u64);
    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            op = outbox.recv() => match op {
                Some(ServerOp::Closed { reason, message }) => {
                    close(sink, reason, &message).await;
                    return;
                }
                Some(op) => if !send(sink, &op).await { return },
                None => return,
            },
            msg = stream.next() => {
                last_heard = Instant::now();
                match msg {
                    Some(Ok(Message::Text(text))) => {
                        for op in handle(state, auth, &text).await {
                            if !send(sink, &op).await { return }
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let op = ServerOp::Problem { message: "binary frames are not understood; send JSON text".into() };
                        if !send(sink, &op).await { return }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return,
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    tracing::info!(user = %auth.user.id, "agent channel silent for a minute; closing it");
                    return;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() { return }
            }
            _ = sleep_until(expiry) => {
                close(sink, CloseReason::Expired, "Your session has expired. Sign in again.").await;
                return;
            }
            _ = state.shutdown.cancelled() => {
                close(sink, CloseReason::ShuttingDown, "The server is restarting; reconnecting.").await;
                return;
            }
        }
    }
}

/// Applies one client op; returns what to send back on this channel only.
async fn handle(state: &AppState, auth: &Authenticated, text: &str) -> Vec<ServerOp> {
    let op = match serde_json::from_str::<ClientOp>(text) {
        Ok(op) => op,
        Err(e) => {
            return vec![ServerOp::Problem {
                message: format!("not a client op ({e}); see ClientOp in web/types/protocol.d.ts"),
            }];
        }
    };
    match op {
        ClientOp::Hello { .. } => vec![ServerOp::Problem {
            message: "already signed in on this channel".into(),
        }],
        ClientOp::SetStatus { code } => match status::set(state, &auth.user.id, &code).await {
            Ok(_) => Vec::new(),
            Err(e) => vec![ServerOp::Problem { message: e.to_string() }],
        },
        ClientOp::Accept { engagement_id } => engagement_op(state, auth, &engagement_id, Action::Accept).await,
        ClientOp::Reject { engagement_id } => engagement_op(state, auth, &engagement_id, Action::Reject).await,
        ClientOp::End { engagement_id } => engagement_op(state, auth, &engagement_id, Action::End).await,
        ClientOp::AddNote { engagement_id, note } => {
            engagement_op(state, auth, &engagement_id, Action::AddNote(note)).await
        }
        ClientOp::SetDisposition {
            engagement_id,
            disposition_id,
        } => engagement_op(state, auth, &engagement_id, Action::SetDisposition(disposition_id)).await,
        ClientOp::CloseWrapUp { engagement_id } => {
            engagement_op(state, auth, &engagement_id, Action::CloseWrapUp).await
        }
        ClientOp::Delivered { outbox_id } => {
            state.agents.delivered(outbox_id);
            state.deliveries.confirmed(outbox_id, &auth.user.id);
            Vec::new()
        }
        ClientOp::MediaOffer { engagement_id, sdp } => {
            match voice::media_offer(state, &auth.user.id, &engagement_id, &sdp).await {
                Ok(answer) => vec![ServerOp::MediaAnswer {
                    engagement_id,
                    sdp: answer,
                }],
                Err(e) => vec![ServerOp::Problem { message: e.to_string() }],
            }
        }
        ClientOp::SetMute { engagement_id, mute } => control(state, auth, &engagement_id, Control::Mute(mute)).await,
        ClientOp::SetHold { engagement_id, hold } => control(state, auth, &engagement_id, Control::Hold(hold)).await,
        ClientOp::SetRecording { engagement_id, action } => {
            control(state, auth, &engagement_id, Control::Recording(action)).await
        }
        ClientOp::SendDtmf { engagement_id, digits } => {
            control(state, auth, &engagement_id, Control::Dtmf(digits)).await
        }
        ClientOp::Dial { phone } => match crate::voice::trunk::place(state, &auth.user.id, &phone, None).await {
            Ok(_) => Vec::new(),
            Err(refusal) => vec![ServerOp::Problem {
                message: refusal.message,
            }],
        },
        ClientOp::PickContact {
            engagement_id,
            contact_id,
        } => host::pick(state, &auth.user.id, &engagement_id, &contact_id)
            .await
            .unwrap_or_else(|e| {
                vec![ServerOp::Problem {
                    message: format!("linking the record failed: {e}"),
                }]
            }),
        ClientOp::Host { message } => {
            let replies = host::handle(state, auth, &message).await;
            let outcome = if replies.iter().any(host::is_rejection) {
                "rejected"
            } else {
                "ok"
            };
            Metrics::count(&state.metrics.host_messages, outcome);
            replies
        }
    }
}

async fn engagement_op(state: &AppState, auth: &Authenticated, engagement: &str, action: Action) -> Vec<ServerOp> {
    match actions::act(state, &auth.user.id, engagement, action).await {
        Ok(()) => Vec::new(),
        Err(refusal) => vec![ServerOp::Problem {
            message: refusal.message,
        }],
    }
}

async fn control(state: &AppState, auth: &Authenticated, engagement: &str, control: Control) -> Vec<ServerOp> {
    match voice::apply_control(state, &auth.user.id, engagement, control).await {
        Ok(_) => Vec::new(),
        Err(e) => vec![ServerOp::Problem { message: e.to_string() }],
    }
}
