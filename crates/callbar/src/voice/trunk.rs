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
//!
//! One loop reads the SIP side's events, and it never waits on one call: an INVITE is
//! answered (183) at once and its engine work goes to the call's own task, and every call's
//! later events (CANCEL, BYE, re-INVITEs, INFO) go to its own task too, which handles them in
//! order. Before, the loop waited for each new engagement to be created, so a slow database
//! write held up the 183 of every caller behind it.
//!
//! Outbound (click-to-dial): the engine makes the engagement live for the agent at once
//! (`Output::Dialed`, `zcc-outbound-call-started`), and this module sends the INVITE. The
//! call's audio is set up when the far end first sends SDP: early media (183), so the agent
//! hears the far end's ringback, or the 200 OK. Then the agent's embed is asked for its leg,
//! as after accepting an inbound call. The answer posts `zcc-call-connected` (direction
//! outbound); a failure posts `zcc-outbound-not-connected` with the reason the SIP status
//! stands for, and the engagement goes to wrap-up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use callbar_engine::{Command, Customer, NewEngagement};
use callbar_media::sdp::LocalDescription;
use callbar_media::{Call, CallConfig, Leg, MediaError, Tone};
use callbar_protocol::channel::{CallPhase, CustomerServerOp, ServerOp};
use callbar_protocol::{
    CallConnected, ContactRecord, Direction, EmbedMessage, ErrorCode, OutboundNotConnected, OutboundReason,
};
use callbar_sip::{Dial, IncomingCall, Progress, Sip, SipEvent};
use tokio::sync::mpsc;

use crate::agents::actions::Refusal;
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
    /// The call's own task, which handles its SIP events in order ([`handle_events`]; an
    /// inbound call's starts once its engagement exists, see [`inbound`]).
    queue: mpsc::UnboundedSender<SipEvent>,
}

/// The agent `agent` calls `phone` (the host's `onclicktoact`, the embed's dialpad): the
/// engine makes the engagement live and the trunk places the call. `contact` is the host's
/// record of who is called; it goes into the call log as `user`. Returns the engagement.
pub async fn place(
    state: &crate::state::AppState,
    agent: &str,
    phone: &str,
    contact: Option<ContactRecord>,
) -> Result<String, Refusal> {
    let refuse = |code, message: &str| Refusal {
        code,
        message: message.to_owned(),
    };
    if !state.voice.can_dial() {
        return Err(refuse(
            ErrorCode::Unavailable,
            "outbound calling needs a SIP trunk, and this server has none configured",
        ));
    }
    let to = number(phone).ok_or_else(|| {
        refuse(
            ErrorCode::InvalidInput,
            "the phone number must be digits with an optional leading + (spaces, dashes and brackets are ignored)",
        )
    })?;
    let owner = agent.to_owned();
    let serves = state
        .engine
        .query(move |engine, _| engine.agent(&owner).map(|a| a.config.queues.clone()))
        .await
        .map_err(|e| refuse(ErrorCode::Unavailable, &format!("{e}; try again shortly")))?
        .ok_or_else(|| refuse(ErrorCode::NotAllowed, "only users with the agent role place calls"))?;
    let queues = state.directory.queues();
    let queue = queues
        .iter()
        .find(|q| q.channel == "voice" && serves.contains(&q.id))
        .ok_or_else(|| refuse(ErrorCode::NotAllowed, "you serve no voice queue to place calls for"))?;
    // The queue's caller ID, else the number of one of its phone entry points.
    let from = crate::engine::settings::caller_id(&queues, &queue.id)
        .or_else(|| {
            state
                .directory
                .entry_points()
                .iter()
                .find(|e| e.kind == "phone" && e.queue_id == queue.id)
                .map(|e| e.address.clone())
        })
        .unwrap_or_default();
    let contact = contact.filter(|c| !c.is_empty());
    let engagement = callbar_store::new_id();
    let new = NewEngagement {
        direction: Direction::Outbound,
        target_agent: Some(agent.to_owned()),
        customer: Customer {
            phone: to.clone(),
            name: contact.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            email: contact.as_ref().map(|c| c.email.clone()).unwrap_or_default(),
        },
        subject: format!("Call to {to}"),
        from,
        to,
        ..NewEngagement::new(engagement.clone(), queue.id.clone())
    };
    state
        .engine
        .run(Command::Dial(new))
        .await
        .map_err(crate::agents::actions::refusal)?;
    if let Some(contact) = contact {
        state.lookups.restore(&engagement, contact.clone());
        if let Ok(json) = serde_json::to_string(&contact)
            && let Err(e) = state.store.set_engagement_contact(&engagement, &json).await
        {
            tracing::warn!(%engagement, "the called contact was not stored: {e}");
        }
    }
    Ok(engagement)
}

/// A call the engine made live for an agent, to place through the trunk.
#[derive(Debug, Clone)]
pub struct DialRequest {
    pub engagement: String,
    pub agent: String,
    pub agent_name: String,
    /// The caller ID to present.
    pub from: String,
    pub to: String,
    pub queue_id: String,
    pub queue_name: String,
}

/// How long a stopping server waits for the far ends to answer its BYEs and CANCELs.
const HANGUP_ON_STOP: std::time::Duration = std::time::Duration::from_secs(2);

/// Handles SIP events and calls to place until the server shuts down, then ends the calls
/// in progress.
pub async fn run(
    state: SharedState,
    sip: Sip,
    mut events: mpsc::UnboundedReceiver<SipEvent>,
    mut dials: mpsc::UnboundedReceiver<DialRequest>,
) {
    let calls = Arc::new(TrunkCalls::default());
    loop {
        let event = tokio::select! {
            // The server is stopping: the trunks hear of it (BYE to answered calls, 503 to
            // callers still waiting, CANCEL toward numbers being dialled) instead of finding
            // out from silence. Then the loop ends; its own `Sip` handle would otherwise keep
            // the event channel open and hold up the stop for the whole drain time.
            () = state.shutdown.cancelled() => {
                sip.hangup_all(HANGUP_ON_STOP).await;
                return;
            }
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
            Some(request) = dials.recv() => {
                tokio::spawn(outbound(state.clone(), sip.clone(), calls.clone(), request));
                continue;
            }
        };
        let call = match &event {
            SipEvent::Incoming(call) => {
                incoming(&state, &sip, &calls, call);
                continue;
            }
            SipEvent::Ended { call, .. } | SipEvent::Reoffered { call, .. } | SipEvent::Dtmf { call, .. } => call,
        };
        let queue = calls.lock().get(call).map(|c| c.queue.clone());
        match queue {
            Some(queue) => {
                let _ = queue.send(event);
            }
            // A call that is not (or no longer) ours: nothing to wait for (a re-INVITE is
            // refused).
            None => on_call_event(&state, &calls, event).await,
        }
    }
}

/// A call's own task: its SIP events, in order, until the call is gone from [`TrunkCalls`].
async fn handle_events(state: SharedState, calls: Arc<TrunkCalls>, mut queued: mpsc::UnboundedReceiver<SipEvent>) {
    while let Some(event) = queued.recv().await {
        on_call_event(&state, &calls, event).await;
    }
}

/// One SIP event of a call in progress.
async fn on_call_event(state: &SharedState, calls: &TrunkCalls, event: SipEvent) {
    match event {
        // New calls are the run loop's.
        SipEvent::Incoming(_) => {}
        SipEvent::Ended { call, how } => {
            let Some(engagement) = calls.lock().remove(&call).map(|c| c.engagement) else {
                return;
            };
            tracing::info!(%engagement, ?how, "the trunk ended the call");
            state.voice.hang_up(&engagement).await;
        }
        SipEvent::Reoffered { call, offer, reply } => {
            let answer = reoffered(calls, &call, &offer).await;
            let _ = reply.send(answer);
        }
        SipEvent::Dtmf { call, dtmf } => {
            let Some(engagement) = calls.lock().get(&call).map(|c| c.engagement.clone()) else {
                return;
            };
            super::caller_pressed(state, &engagement, dtmf.digit).await;
        }
    }
}

impl TrunkCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TrunkCall>> {
        self.calls.lock().expect("trunk calls lock")
    }

    /// Adds a call; its SIP events go to the returned queue, for [`handle_events`].
    fn insert(
        &self,
        sip_call: &str,
        engagement: &str,
        media: Call,
        local: LocalDescription,
    ) -> mpsc::UnboundedReceiver<SipEvent> {
        let (queue, queued) = mpsc::unbounded_channel();
        let call = TrunkCall {
            engagement: engagement.to_owned(),
            media,
            local,
            queue,
        };
        self.lock().insert(sip_call.to_owned(), call);
        queued
    }
}

/// A phone number as entry points store it (E.164), or `None` when it is not one.
fn number(user: &str) -> Option<String> {
    callbar_protocol::normalize_phone(user).ok()
}

/// An INVITE: refused at once, or answered with early media and handed to its own task
/// ([`inbound`]). Nothing here waits, so one call's engine work never delays the next
/// caller's 183.
fn incoming(state: &SharedState, sip: &Sip, calls: &Arc<TrunkCalls>, call: &IncomingCall) {
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
    let (local, leg) = match state
        .voice
        .media
        .rtp_answer(&call.offer, &sip.trunk_sources(Some(&call.trunk)))
    {
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
    state.voice.register(
        &engagement,
        media.clone(),
        events,
        Some(customer_tx),
        Some(call.received),
        state.clone(),
    );
    if let Err(e) = sip.progress(&call.call, local.to_sdp()) {
        tracing::warn!(%engagement, "early media could not be sent: {e}");
    }
    let queued = calls.insert(&call.call, &engagement, media, local);
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
    let pending = InboundCall {
        call: call.call.clone(),
        engagement,
        new,
        customer: customer_rx,
        queued,
    };
    tokio::spawn(inbound(state.clone(), sip.clone(), calls.clone(), pending));
}

/// An answered INVITE, on its way to becoming an engagement.
struct InboundCall {
    call: String,
    engagement: String,
    new: NewEngagement,
    /// The call's phases, for [`follow`].
    customer: mpsc::UnboundedReceiver<CustomerServerOp>,
    /// The call's SIP events that came meanwhile, and those still to come.
    queued: mpsc::UnboundedReceiver<SipEvent>,
}

/// An inbound call's own task: queues the engagement, then handles the call's SIP events
/// in order (a CANCEL that came while the engagement was being created waits for it). The
/// run loop goes on with other calls meanwhile. Ends when the call is gone from
/// [`TrunkCalls`].
async fn inbound(state: SharedState, sip: Sip, calls: Arc<TrunkCalls>, call: InboundCall) {
    let engagement = call.engagement;
    if let Err(e) = state.engine.run(Command::CreateEngagement(call.new)).await {
        tracing::warn!(%engagement, "a trunk call could not be queued: {e}");
        calls.lock().remove(&call.call);
        state.voice.hang_up(&engagement).await;
        state.voice.forget(&engagement);
        let _ = sip.reject(&call.call, 503);
        return;
    }
    tokio::spawn(follow(sip, calls.clone(), call.call, call.customer, false));
    handle_events(state, calls, call.queued).await;
}

/// Places a call the engine made live, and reports how it goes (see the module docs).
async fn outbound(state: SharedState, sip: Sip, calls: Arc<TrunkCalls>, request: DialRequest) {
    let mut cancelled = state.voice.dialling(&request.engagement);
    let (local, mut offer) = match state.voice.media.rtp_offer() {
        Ok((local, offer)) => (local, Some(offer)),
        Err(e) => {
            return not_connected(
                &state,
                &request,
                OutboundReason::AgentFailed,
                &format!("No media port: {e}"),
            )
            .await;
        }
    };
    let trunk = crate::engine::settings::outbound_trunk(&state.directory.queues(), &request.queue_id);
    let trusted = sip.trunk_sources(trunk.as_deref());
    let dial = Dial {
        trunk,
        from: request.from.clone(),
        to: request.to.clone(),
        offer: local.to_sdp(),
    };
    let (sip_call, mut progress) = match sip.dial(dial) {
        Ok(x) => x,
        Err(e) => return not_connected(&state, &request, OutboundReason::Failed, &e.to_string()).await,
    };
    // Sets up the audio with the far end's first SDP: the customer leg, the call, and the
    // agent's leg through their embed.
    let connect = |offer: &mut Option<callbar_media::RtpOffer>, sdp: &str| -> Result<(), String> {
        let leg: Leg = offer
            .take()
            .ok_or("already connected")?
            .accept_answer(sdp, &trusted)
            .map_err(|e| format!("the far end's SDP was not usable: {e}"))?;
        let config = CallConfig {
            waiting_tone: Tone::silence(),
            ..CallConfig::default()
        };
        let (media, events) = state.voice.media.call(leg, config);
        let (customer_tx, customer_rx) = mpsc::unbounded_channel();
        state.voice.register(
            &request.engagement,
            media.clone(),
            events,
            Some(customer_tx),
            None,
            state.clone(),
        );
        state
            .voice
            .accepted(&request.engagement, &request.agent, &request.agent_name);
        let queued = calls.insert(&sip_call, &request.engagement, media, local.clone());
        tokio::spawn(handle_events(state.clone(), calls.clone(), queued));
        tokio::spawn(follow(sip.clone(), calls.clone(), sip_call.clone(), customer_rx, true));
        state.agents.send_one(
            &request.agent,
            ServerOp::StartMedia {
                engagement_id: request.engagement.clone(),
                ice_servers: state.voice.ice_servers(&request.agent),
            },
        );
        Ok(())
    };
    loop {
        tokio::select! {
            _ = &mut cancelled => {
                sip.hangup(&sip_call).await;
                calls.lock().remove(&sip_call);
                let reason = OutboundReason::Cancelled;
                return not_connected(&state, &request, reason, "The agent cancelled the call.").await;
            }
            p = progress.recv() => match p {
                Some(Progress::Ringing { sdp: Some(sdp) }) if offer.is_some() => {
                    if let Err(e) = connect(&mut offer, &sdp) {
                        tracing::info!(engagement = %request.engagement, "early media: {e}");
                    }
                }
                Some(Progress::Ringing { .. }) => {
                    // Ringing with no audio from the far end (yet): the agent's embed plays
                    // ringback until early media or the answer brings the call's audio.
                    if offer.is_some() && state.voice.alerting(&request.engagement) {
                        crate::agents::refresh(&state, &request.agent).await;
                    }
                }
                Some(Progress::Answered { sdp }) => {
                    state.voice.dialled(&request.engagement);
                    let media = calls.lock().get(&sip_call).map(|c| c.media.clone());
                    let ready = match media {
                        Some(media) => media.update_customer(&sdp).await.map_err(|e| e.to_string()),
                        None => connect(&mut offer, &sdp),
                    };
                    if let Err(e) = ready {
                        tracing::warn!(engagement = %request.engagement, "the answered call has no audio: {e}");
                    }
                    record_if_always(&state, &request).await;
                    let connected = CallConnected {
                        accept_ts: Some(callbar_store::now_ms()),
                        direction: Direction::Outbound,
                        engagement_id: request.engagement.clone(),
                        from: request.from.clone(),
                        queue_id: request.queue_id.clone(),
                        queue_name: request.queue_name.clone(),
                        to: request.to.clone(),
                    };
                    state.agents.send(&request.agent, ServerOp::Post { message: EmbedMessage::CallConnected(connected) });
                    return;
                }
                Some(Progress::Failed { status }) => {
                    calls.lock().remove(&sip_call);
                    let detail = status.map_or("no answer from the trunk".to_owned(), |s| format!("SIP {s}"));
                    return not_connected(&state, &request, failure(status), &detail).await;
                }
                None => return,
            }
        }
    }
}

/// What a failed INVITE's final status (`None`: no answer at all) means for the host.
fn failure(status: Option<u16>) -> OutboundReason {
    match status {
        Some(486 | 600) => OutboundReason::Busy,
        Some(480 | 408) => OutboundReason::NoAnswer,
        Some(404 | 484 | 604) => OutboundReason::InvalidNumber,
        Some(603) => OutboundReason::Declined,
        Some(487) => OutboundReason::Cancelled,
        None | Some(502..=504) => OutboundReason::CustomerUnreachable,
        Some(_) => OutboundReason::Failed,
    }
}

/// Tells the agent's host the call did not connect (with Zoom's message for the reason;
/// `detail` goes to the log), and ends the live part (wrap-up).
async fn not_connected(state: &SharedState, request: &DialRequest, reason: OutboundReason, detail: &str) {
    tracing::info!(engagement = %request.engagement, ?reason, "the outbound call did not connect: {detail}");
    state.voice.dialled(&request.engagement);
    let message = EmbedMessage::OutboundNotConnected(OutboundNotConnected {
        engagement_id: request.engagement.clone(),
        reason_code: reason,
        message: reason.message().to_owned(),
    });
    state.agents.send(&request.agent, ServerOp::Post { message });
    state.voice.hang_up(&request.engagement).await;
    let left = Command::CustomerLeft {
        engagement: request.engagement.clone(),
    };
    if let Err(e) = state.engine.run(left).await {
        tracing::debug!(engagement = %request.engagement, "ending an unconnected call: {e}");
    }
}

/// Starts recording an answered outbound call when its queue records every call.
async fn record_if_always(state: &SharedState, request: &DialRequest) {
    let policy = crate::engine::settings::recording_policy(&state.directory.queues(), &request.queue_id);
    if policy == crate::engine::settings::RecordingPolicy::Always {
        let path = super::recordings::path(&state.config.data_dir, &request.engagement);
        state.voice.record_always(&request.engagement, &path).await;
    }
}

/// Carries the call's phases to SIP: answer an inbound call when the agent is connected
/// (`answered` is true for outbound calls, which the far end answers), re-INVITE for hold
/// and resume, BYE (or 480, or CANCEL, before the answer) at the end.
async fn follow(
    sip: Sip,
    calls: Arc<TrunkCalls>,
    call: String,
    mut phases: mpsc::UnboundedReceiver<CustomerServerOp>,
    mut answered: bool,
) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_failures_map_to_zooms_reasons() {
        let reason = failure;
        assert_eq!(reason(Some(486)), OutboundReason::Busy);
        assert_eq!(reason(Some(600)), OutboundReason::Busy);
        assert_eq!(reason(Some(480)), OutboundReason::NoAnswer);
        assert_eq!(reason(Some(408)), OutboundReason::NoAnswer);
        assert_eq!(reason(Some(404)), OutboundReason::InvalidNumber);
        assert_eq!(reason(Some(484)), OutboundReason::InvalidNumber);
        assert_eq!(reason(Some(603)), OutboundReason::Declined);
        assert_eq!(reason(Some(487)), OutboundReason::Cancelled);
        assert_eq!(reason(None), OutboundReason::CustomerUnreachable);
        assert_eq!(reason(Some(503)), OutboundReason::CustomerUnreachable);
        assert_eq!(reason(Some(500)), OutboundReason::Failed);
    }

    #[test]
    fn numbers_are_normalized_or_refused() {
        assert_eq!(number("+1 (415) 555-0199").as_deref(), Some("+14155550199"));
        assert_eq!(number("caller"), None);
    }
}
