//! The customer's channel: the website widget's WebSocket (`/api/v1/widget/channel`).
//!
//! Anyone on the internet can open it, so it trusts nothing: the page's origin must be an
//! approved domain, an address may hold only a few calls at once, messages are small, and
//! every field is checked before a call is created. One socket carries one call: `call`
//! with the browser's offer, then the server's `answer` and phases until the call ends or
//! the socket closes (which hangs up).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbar_engine::{Command, Customer, NewEngagement};
use callbar_media::CallConfig;
use callbar_protocol::channel::{CallPhase, CustomerOp, CustomerServerOp};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use crate::origin::normalize_origin;
use crate::state::SharedState;

/// The largest message accepted (an SDP offer is a few KB).
const MAX_MESSAGE: usize = 32 * 1024;
/// Time to send `call` after connecting.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Open customer channels per address.
pub struct CustomerLimits {
    per_address: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl CustomerLimits {
    pub fn new(per_address: usize) -> CustomerLimits {
        CustomerLimits {
            per_address,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn enter(&self, ip: IpAddr) -> bool {
        let mut open = self.open.lock().expect("limits lock");
        let n = open.entry(ip).or_default();
        if *n >= self.per_address {
            return false;
        }
        *n += 1;
        true
    }

    fn leave(&self, ip: IpAddr) {
        let mut open = self.open.lock().expect("limits lock");
        if let Some(n) = open.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// `GET /api/v1/widget/channel`.
pub async fn upgrade(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .and_then(|o| normalize_origin(o).ok());
    let approved = match &origin {
        Some(o) => state.store.domain_approved(o).await.unwrap_or(false),
        None => false,
    };
    if !approved {
        return (
            StatusCode::FORBIDDEN,
            "The widget works only on the websites of approved domains; an administrator approves one with `callbar domain add <origin>`.",
        )
            .into_response();
    }
    if !state.customer_limits.enter(peer.ip()) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many calls from this address; hang up one first.",
        )
            .into_response();
    }
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            run(socket, state.clone()).await;
            state.customer_limits.leave(peer.ip());
        })
}

async fn send(sink: &mut futures_util::stream::SplitSink<WebSocket, Message>, op: &CustomerServerOp) -> bool {
    let text = serde_json::to_string(op).expect("ops serialize");
    sink.send(Message::Text(text.into())).await.is_ok()
}

async fn run(socket: WebSocket, state: SharedState) {
    let (mut sink, mut stream) = socket.split();
    let first = match tokio::time::timeout(CALL_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<CustomerOp>(&text),
        _ => return,
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engagement = match first {
        Ok(CustomerOp::Call {
            entry_point,
            name,
            email,
            phone,
            sdp,
        }) => match start_call(&state, &entry_point, name, email, phone, &sdp, tx).await {
            Ok((engagement, answer)) => {
                if !send(
                    &mut sink,
                    &CustomerServerOp::Answer {
                        engagement_id: engagement.clone(),
                        sdp: answer,
                    },
                )
                .await
                {
                    state.voice.hang_up(&engagement).await;
                    return;
                }
                engagement
            }
            Err(message) => {
                let _ = send(&mut sink, &CustomerServerOp::Problem { message }).await;
                return;
            }
        },
        Ok(CustomerOp::HangUp) => return,
        Err(e) => {
            let message = format!("the first message must be {{\"op\":\"call\", …}} ({e})");
            let _ = send(&mut sink, &CustomerServerOp::Problem { message }).await;
            return;
        }
    };
    loop {
        tokio::select! {
            op = rx.recv() => match op {
                Some(op) => {
                    let ended = matches!(op, CustomerServerOp::Phase { phase: CallPhase::Ended, .. });
                    if !send(&mut sink, &op).await || ended {
                        break;
                    }
                }
                None => break,
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<CustomerOp>(&text) {
                    Ok(CustomerOp::HangUp) => break,
                    Ok(CustomerOp::Call { .. }) => {
                        let message = "a call is already in progress on this connection".to_owned();
                        if !send(&mut sink, &CustomerServerOp::Problem { message }).await { break }
                    }
                    Err(e) => {
                        let message = format!("not understood: {e}");
                        if !send(&mut sink, &CustomerServerOp::Problem { message }).await { break }
                    }
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = state.shutdown.cancelled() => break,
        }
    }
    // The customer is gone (or the call ended): hanging up tells the engine.
    state.voice.hang_up(&engagement).await;
    let _ = sink.close().await;
}

/// Checks the request, opens the customer's leg, starts the call and creates the
/// engagement. Returns the engagement and the SDP answer, or what to tell the customer.
async fn start_call(
    state: &SharedState,
    entry_point: &str,
    name: String,
    email: String,
    phone: String,
    offer: &str,
    customer_tx: mpsc::UnboundedSender<CustomerServerOp>,
) -> Result<(String, String), String> {
    let began = std::time::Instant::now();
    let entry = state
        .directory
        .entry_points()
        .iter()
        .find(|e| e.id == entry_point && e.kind == "widget")
        .cloned()
        .ok_or("This call button is not set up (unknown entry point). Please contact the company another way.")?;
    let name = name.trim().to_owned();
    let email = email.trim().to_owned();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("Please give a name of at most 100 characters.".into());
    }
    if !email.is_empty() && (email.len() > 254 || !email.contains('@') || email.contains(char::is_whitespace)) {
        return Err("Please check the email address.".into());
    }
    let phone = match phone.trim() {
        "" => String::new(),
        p => callbar_protocol::normalize_phone(p)
            .map_err(|_| "Please check the phone number: digits with an optional leading +.".to_owned())?,
    };
    let (answer, leg) = state
        .voice
        .media
        .webrtc_leg(offer)
        .map_err(|e| format!("Your browser's audio offer could not be used: {e}"))?;
    let engagement = callbar_store::new_id();
    let (call, events) = state.voice.media.call(leg, CallConfig::default());
    state
        .voice
        .register(&engagement, call, events, Some(customer_tx), Some(began), state.clone());
    // Told before the engagement exists, so a ringing phase can only come after it.
    state.voice.phase(&engagement, CallPhase::Waiting);
    let from = [&phone, &email, &name]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| "Web visitor".into());
    let new = NewEngagement {
        customer: Customer { name, email, phone },
        from,
        to: entry.name.clone(),
        subject: format!("Call from the website ({})", entry.name),
        ..NewEngagement::new(engagement.clone(), entry.queue_id.clone())
    };
    if let Err(e) = state.engine.run(Command::CreateEngagement(new)).await {
        state.voice.hang_up(&engagement).await;
        state.voice.forget(&engagement);
        tracing::warn!("a widget call could not be queued: {e}");
        return Err("The call could not be placed right now. Please try again later.".into());
    }
    Ok((engagement, answer))
}
