//! Calls from the phone network: SIP trunk calls between `callbar-sip` (signalling),
//! `callbar-media` (the RTP leg) and the engine.
//!
//! An INVITE to a number that is a phone entry point becomes a voice engagement in that
//! entry point's queue. The caller hears ringback, then the queue tone, as early media
//! (183 with our SDP answer) while waiting, so a caller who hangs up before an agent answers
//! sends CANCEL, as on any phone call; the call is answered (200 OK) when the agent's audio
//! is connected. From then on the SIP call is the customer side of a voice call like a
//! website visitor's: this module turns the call's phases into SIP (hold is a re-INVITE with
//! `sendonly`, the end is BYE) and SIP into the call (the far end's BYE or CANCEL, its
//! re-INVITEs).
//!
//! Unknown numbers get 404, a system without free media ports 503; neither creates anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use callbar_engine::{Command, Customer, NewEngagement};
use callbar_media::sdp::LocalDescription;
use callbar_media::{Call, CallConfig, MediaError};
use callbar_protocol::channel::{CallPhase, CustomerServerOp};
use callbar_sip::{IncomingCall, Sip, SipEvent};
use tokio::sync::mpsc;

use crate::state::SharedState;

/// The trunk calls in progress, by SIP call.
#[derive(Default)]
pub struct TrunkCalls {
    calls: Mutex<HashMap<String, TrunkCall>>,
}

struct TrunkCall {
    engagement: String,
    media: Call,
    /// Our current SDP; later offers in the dialog are made from it.
    local: LocalDescription,
}

/// Handles SIP events until the SIP side stops.
pub async fn run(state: SharedState, sip: Sip, mut events: mpsc::UnboundedReceiver<SipEvent>) {
    let calls = Arc::new(TrunkCalls::default());
    while let Some(event) = events.recv().await {
        match event {
            SipEvent::Incoming(call) => incoming(&state, &sip, &calls, call).await,
            SipEvent::Ended { call, how } => {
                let Some(engagement) = calls.lock().remove(&call).map(|c| c.engagement) else {
                    continue;
                };
                tracing::info!(%engagement, ?how, "the trunk ended the call");
                state.voice.hang_up(&engagement).await;
            }
            SipEvent::Reoffered { call, offer, reply } => {
                let answer = reoffered(&calls, &call, &offer).await;
                let _ = reply.send(answer);
            }
        }
    }
}

impl TrunkCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TrunkCall>> {
        self.calls.lock().expect("trunk calls lock")
    }
}

/// A phone number as entry points store it (E.164), or `None` when it is not one.
fn number(user: &str) -> Option<String> {
    callbar_protocol::normalize_phone(user).ok()
}

async fn incoming(state: &SharedState, sip: &Sip, calls: &Arc<TrunkCalls>, call: IncomingCall) {
    let dialled = number(&call.to);
    let entry = dialled.as_ref().and_then(|n| {
        state
            .directory
            .entry_points()
            .iter()
            .find(|e| e.kind == "phone" && &e.address == n)
            .cloned()
    });
    let Some(entry) = entry else {
        tracing::info!(to = %call.to, trunk = %call.trunk, "INVITE to a number that is not an entry point: 404");
        let _ = sip.reject(&call.call, 404);
        return;
    };
    let (local, leg) = match state.voice.media.rtp_answer(&call.offer) {
        Ok(x) => x,
        Err(e @ (MediaError::NoPort(_) | MediaError::Io(_))) => {
            tracing::warn!(to = %call.to, "no media port for a trunk call: 503 ({e})");
            let _ = sip.reject(&call.call, 503);
            return;
        }
        Err(e) => {
            tracing::info!(to = %call.to, "unusable SDP offer: 488 ({e})");
            let _ = sip.reject(&call.call, 488);
            return;
        }
    };
    let engagement = callbar_store::new_id();
    let (media, events) = state.voice.media.call(leg, CallConfig::default());
    let (customer_tx, customer_rx) = mpsc::unbounded_channel();
    state
        .voice
        .register(&engagement, media.clone(), events, Some(customer_tx), state.clone());
    if let Err(e) = sip.progress(&call.call, local.to_sdp()) {
        tracing::warn!(%engagement, "early media could not be sent: {e}");
    }
    calls.lock().insert(
        call.call.clone(),
        TrunkCall {
            engagement: engagement.clone(),
            media,
            local,
        },
    );
    let caller = number(&call.from).unwrap_or_default();
    let new = NewEngagement {
        customer: Customer {
            phone: caller.clone(),
            ..Customer::default()
        },
        from: if caller.is_empty() { call.from.clone() } else { caller },
        to: entry.address.clone(),
        subject: format!("Call to {}", entry.name),
        ..NewEngagement::new(engagement.clone(), entry.queue_id.clone())
    };
    if let Err(e) = state.engine.run(Command::CreateEngagement(new)).await {
        tracing::warn!(%engagement, "a trunk call could not be queued: {e}");
        calls.lock().remove(&call.call);
        state.voice.hang_up(&engagement).await;
        state.voice.forget(&engagement);
        let _ = sip.reject(&call.call, 503);
        return;
    }
    tokio::spawn(follow(sip.clone(), calls.clone(), call.call, customer_rx));
}

/// Carries the call's phases to SIP: answer when the agent is connected, re-INVITE for
/// hold and resume, BYE (or 480 before the answer) at the end.
async fn follow(sip: Sip, calls: Arc<TrunkCalls>, call: String, mut phases: mpsc::UnboundedReceiver<CustomerServerOp>) {
    let mut answered = false;
    let mut held = false;
    while let Some(op) = phases.recv().await {
        let CustomerServerOp::Phase { phase, .. } = op else {
            continue;
        };
        match phase {
            CallPhase::Connected | CallPhase::Held if !answered => {
                answered = true;
                let sdp = calls.lock().get(&call).map(|c| c.local.to_sdp());
                if let Some(sdp) = sdp
                    && let Err(e) = sip.answer(&call, sdp)
                {
                    tracing::warn!(%call, "answering the trunk call failed: {e}");
                }
                held = false;
                if phase == CallPhase::Held {
                    held = hold(&sip, &calls, &call, true).await;
                }
            }
            CallPhase::Held if !held => held = hold(&sip, &calls, &call, true).await,
            CallPhase::Connected if held => held = !hold(&sip, &calls, &call, false).await,
            CallPhase::Ended => {
                calls.lock().remove(&call);
                sip.hangup(&call).await;
                return;
            }
            _ => {}
        }
    }
}

/// Re-INVITEs the trunk: `sendonly` to hold (it still hears the hold tone), `sendrecv` to
/// resume; applies its answer. Returns whether the trunk agreed.
async fn hold(sip: &Sip, calls: &TrunkCalls, call: &str, on: bool) -> bool {
    let offer = {
        let mut calls = calls.lock();
        let Some(c) = calls.get_mut(call) else { return false };
        c.local.direction = if on {
            callbar_media::sdp::Direction::SendOnly
        } else {
            callbar_media::sdp::Direction::SendRecv
        };
        c.local.version += 1;
        (c.local.to_sdp(), c.media.clone())
    };
    match sip.reoffer(call, offer.0).await {
        Ok(answer) => {
            if let Err(e) = offer.1.update_customer(&answer).await {
                tracing::info!(%call, "the trunk's answer to our re-INVITE was not usable: {e}");
            }
            true
        }
        Err(e) => {
            tracing::info!(%call, "hold re-INVITE: {e}");
            false
        }
    }
}

/// The trunk sent a new offer: apply it to the call's RTP leg and answer with our
/// description, direction mirrored. `None` (488) when it cannot be used.
async fn reoffered(calls: &TrunkCalls, call: &str, offer: &str) -> Option<String> {
    let media = calls.lock().get(call).map(|c| c.media.clone())?;
    let remote = callbar_media::sdp::parse(offer).ok()?;
    remote.codec()?;
    media.update_customer(offer).await.ok()?;
    let mut calls = calls.lock();
    let c = calls.get_mut(call)?;
    c.local.direction = remote.direction.answer();
    c.local.version += 1;
    Some(c.local.to_sdp())
}
