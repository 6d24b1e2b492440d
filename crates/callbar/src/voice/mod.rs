//! Voice: the calls in progress, between the engine that decides and the media that
//! carries the audio (DESIGN.md, principle 4).
//!
//! A call starts with its customer leg (the website widget, later a SIP trunk): the media
//! engine plays the waiting tone while the engine routes the engagement. When the agent
//! accepts, their embed is asked to open its own leg ([`ServerOp::StartMedia`]); once that
//! leg is attached and audio flows both ways, the customer is told they are connected. Hold,
//! mute, DTMF and recording act on the media; the engine hears when the customer leaves.

pub mod recordings;
pub mod setup;
pub mod trunk;
pub mod turn;
pub mod widget;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use callbar_engine::Command;
use callbar_media::{Call, CallEvent, CallEvents, Media, MediaError};
use callbar_protocol::channel::{CallPhase, CallView, CustomerServerOp};
use callbar_protocol::{RecordingAction, RecordingState};
use tokio::sync::mpsc;

use crate::agents::refresh;
use crate::engine::EngineHandle;
use crate::state::{AppState, SharedState};

/// A call in progress.
struct Entry {
    call: Call,
    /// The customer's channel (the widget), to tell them where the call stands.
    customer: Option<mpsc::UnboundedSender<CustomerServerOp>>,
    /// The agent the call is with, once accepted.
    agent: Option<String>,
    agent_name: Option<String>,
    connected: bool,
    muted: bool,
    held: bool,
    recording: Option<RecordingState>,
    /// When the agent accepted, to measure accept-to-audio.
    accepted_at: Option<Instant>,
    /// The server's share of setting up an inbound call, while it is being set up.
    setup: Option<setup::Setup>,
    /// The DTMF digits the customer has pressed (see `CallerInput`).
    caller_digits: String,
}

/// `CallerInput` keeps at most this many digits; the next digit starts it again.
const MAX_CALLER_DIGITS: usize = 64;

/// The calls, by engagement.
pub struct Voice {
    pub media: Media,
    /// The TURN relay agents' browsers may use.
    turn: crate::config::TurnConfig,
    calls: Mutex<HashMap<String, Entry>>,
    /// Where calls to place go: the SIP trunk's task, when a trunk is configured.
    outbound: std::sync::OnceLock<mpsc::UnboundedSender<trunk::DialRequest>>,
    /// Outbound calls not answered yet: hanging up cancels them.
    dialling: Mutex<HashMap<String, Dialling>>,
}

/// An outbound call not answered yet.
struct Dialling {
    /// Fired when the agent hangs up first.
    cancel: tokio::sync::oneshot::Sender<()>,
    /// The far end rings with no audio of its own yet (no call exists).
    alerting: bool,
}

/// A control on a call from the agent (embed or host).
#[derive(Debug, Clone)]
pub enum Control {
    Mute(bool),
    Hold(bool),
    Dtmf(String),
    Recording(RecordingAction),
}

/// Why a control was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("engagement {0:?} has no audio in progress")]
    NoCall(String),
    #[error("{0}")]
    Refused(String),
    /// The queue's recording policy forbids it.
    #[error("{0}")]
    NotAllowed(String),
}

impl Voice {
    pub fn new(media: Media, turn: crate::config::TurnConfig) -> Voice {
        Voice {
            media,
            turn,
            calls: Mutex::new(HashMap::new()),
            outbound: std::sync::OnceLock::new(),
            dialling: Mutex::new(HashMap::new()),
        }
    }

    /// The ICE servers for an agent's call: the TURN relay with fresh credentials, if any.
    pub fn ice_servers(&self, agent: &str) -> Vec<callbar_protocol::channel::IceServer> {
        turn::ice_servers(&self.turn, agent, std::time::SystemTime::now())
    }

    /// Outbound calls go to `trunk` from now on.
    pub fn set_outbound(&self, trunk: mpsc::UnboundedSender<trunk::DialRequest>) {
        let _ = self.outbound.set(trunk);
    }

    /// Whether calls can be placed (a SIP trunk is configured).
    pub fn can_dial(&self) -> bool {
        self.outbound.get().is_some()
    }

    /// Places the call the engine just made live (`Output::Dialed`).
    pub fn dial(&self, request: trunk::DialRequest) {
        if let Some(trunk) = self.outbound.get() {
            let _ = trunk.send(request);
        }
    }

    /// An outbound call is being placed: hanging up before it is answered fires the
    /// returned receiver.
    pub fn dialling(&self, engagement: &str) -> tokio::sync::oneshot::Receiver<()> {
        let (cancel, rx) = tokio::sync::oneshot::channel();
        let dialling = Dialling {
            cancel,
            alerting: false,
        };
        self.dialling
            .lock()
            .expect("dialling lock")
            .insert(engagement.to_owned(), dialling);
        rx
    }

    /// The outbound call was answered or failed: nothing to cancel any more.
    pub fn dialled(&self, engagement: &str) {
        self.dialling.lock().expect("dialling lock").remove(engagement);
    }

    /// The far end of an outbound call being placed rings with no audio of its own, so the
    /// agent's embed plays ringback until the call's audio starts (see
    /// [`CallView::alerting`]); returns whether that is news.
    pub fn alerting(&self, engagement: &str) -> bool {
        let mut dialling = self.dialling.lock().expect("dialling lock");
        dialling
            .get_mut(engagement)
            .is_some_and(|d| !std::mem::replace(&mut d.alerting, true))
    }

    /// Registers a new call and starts reporting its events to the engine. `arrived`: when an
    /// inbound call reached Callbar, which its set-up is timed from (`None` for the calls
    /// Callbar places).
    pub fn register(
        self: &Arc<Self>,
        engagement: &str,
        call: Call,
        events: CallEvents,
        customer: Option<mpsc::UnboundedSender<CustomerServerOp>>,
        arrived: Option<Instant>,
        state: SharedState,
    ) {
        self.lock().insert(
            engagement.to_owned(),
            Entry {
                call,
                customer,
                agent: None,
                agent_name: None,
                connected: false,
                muted: false,
                held: false,
                recording: None,
                accepted_at: None,
                setup: arrived.map(setup::Setup::new),
                caller_digits: String::new(),
            },
        );
        tokio::spawn(watch(self.clone(), engagement.to_owned(), events, state));
    }

    /// Whether the engagement has a call.
    pub fn has_call(&self, engagement: &str) -> bool {
        self.lock().contains_key(engagement)
    }

    /// Tells the customer where the call stands.
    pub fn phase(&self, engagement: &str, phase: CallPhase) {
        let mut calls = self.lock();
        if let Some(entry) = calls.get_mut(engagement) {
            if let (CallPhase::Ringing, Some(setup)) = (phase, entry.setup.as_mut()) {
                setup.offered();
            }
            tell(entry, phase);
        }
    }

    /// An agent's accept of the engagement arrived (the engine has yet to apply it).
    pub fn accepting(&self, engagement: &str) {
        if let Some(setup) = self.lock().get_mut(engagement).and_then(|e| e.setup.as_mut()) {
            setup.accepting();
        }
    }

    /// The agent accepted: remember who, and when (accept-to-audio starts here).
    pub fn accepted(&self, engagement: &str, agent: &str, agent_name: &str) {
        if let Some(entry) = self.lock().get_mut(engagement) {
            entry.agent = Some(agent.to_owned());
            entry.agent_name = Some(agent_name.to_owned());
            entry.accepted_at = Some(Instant::now());
            if let Some(setup) = entry.setup.as_mut() {
                setup.accepted();
            }
        }
    }

    /// The agent's leg is attached after `media` of the server's work: the call's set-up, the
    /// first time it completes (it is not timed again).
    fn set_up(&self, engagement: &str, media: std::time::Duration) -> Option<setup::Stretches> {
        setup::finish(&mut self.lock().get_mut(engagement)?.setup, media)
    }

    /// Attaches the agent's leg (from their embed's offer); returns the SDP answer.
    pub async fn attach_agent(&self, engagement: &str, agent: &str, offer: &str) -> Result<String, ControlError> {
        let call = self.call_of(engagement, agent)?;
        let (answer, leg) = self
            .media
            .webrtc_leg(offer)
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        call.attach_agent(leg)
            .await
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        Ok(answer)
    }

    /// Applies a control; returns the call's state after it.
    pub async fn control(
        &self,
        engagement: &str,
        agent: &str,
        control: Control,
        recording_path: &std::path::Path,
    ) -> Result<CallView, ControlError> {
        let call = self.call_of(engagement, agent)?;
        let refused = |e: MediaError| ControlError::Refused(e.to_string());
        match &control {
            Control::Mute(on) => call.set_mute(*on).await.map_err(refused)?,
            Control::Hold(on) => call.set_hold(*on).await.map_err(refused)?,
            Control::Dtmf(digits) => call.send_dtmf(digits).await.map_err(refused)?,
            Control::Recording(action) => {
                let current = self.lock().get(engagement).and_then(|e| e.recording);
                match (action, current) {
                    (RecordingAction::Start, None | Some(RecordingState::Stopped)) => {
                        call.start_recording(recording_path).await.map_err(refused)?;
                    }
                    (RecordingAction::Stop, Some(RecordingState::Recording | RecordingState::Paused)) => {
                        call.stop_recording().await.map_err(refused)?;
                    }
                    (RecordingAction::Pause, Some(RecordingState::Recording)) => {
                        call.pause_recording(true).await.map_err(refused)?
                    }
                    (RecordingAction::Resume, Some(RecordingState::Paused)) => {
                        call.pause_recording(false).await.map_err(refused)?
                    }
                    (action, state) => {
                        return Err(ControlError::Refused(
                            format!(
                                "cannot {action:?} a recording that is {}",
                                match state {
                                    None => "not started".to_owned(),
                                    Some(s) => format!("{s:?}").to_lowercase(),
                                }
                            )
                            .to_lowercase(),
                        ));
                    }
                }
            }
        }
        let mut calls = self.lock();
        let entry = calls
            .get_mut(engagement)
            .ok_or_else(|| ControlError::NoCall(engagement.to_owned()))?;
        match control {
            Control::Mute(on) => entry.muted = on,
            Control::Hold(on) => {
                entry.held = on;
                if entry.connected {
                    tell(entry, if on { CallPhase::Held } else { CallPhase::Connected });
                }
            }
            Control::Dtmf(_) => {}
            Control::Recording(action) => {
                entry.recording = Some(match action {
                    RecordingAction::Start | RecordingAction::Resume => RecordingState::Recording,
                    RecordingAction::Pause => RecordingState::Paused,
                    RecordingAction::Stop => RecordingState::Stopped,
                })
            }
        }
        Ok(view_of(entry))
    }

    /// Starts recording a call whose queue records everything.
    pub async fn record_always(&self, engagement: &str, path: &std::path::Path) {
        let call = self.lock().get(engagement).map(|e| e.call.clone());
        if let Some(call) = call {
            match call.start_recording(path).await {
                Ok(_) => {
                    if let Some(e) = self.lock().get_mut(engagement) {
                        e.recording = Some(RecordingState::Recording);
                    }
                }
                Err(e) => tracing::warn!(%engagement, "starting the recording failed: {e}"),
            }
        }
    }

    /// The call's state for the embed (`None`: no call).
    pub fn view(&self, engagement: &str) -> Option<CallView> {
        if let Some(view) = self.lock().get(engagement).map(view_of) {
            return Some(view);
        }
        let dialling = self.dialling.lock().expect("dialling lock");
        dialling
            .get(engagement)
            .is_some_and(|d| d.alerting)
            .then_some(CallView {
                connected: false,
                muted: false,
                held: false,
                recording: None,
                alerting: true,
            })
    }

    /// Whether the engagement's call was recorded at some point.
    pub fn was_recorded(&self, engagement: &str) -> bool {
        self.lock().get(engagement).is_some_and(|e| e.recording.is_some())
    }

    /// The live part is over: hang up (the entry stays until [`Voice::forget`], so the
    /// call log can say whether it was recorded).
    pub async fn hang_up(&self, engagement: &str) {
        if let Some(dialling) = self.dialling.lock().expect("dialling lock").remove(engagement) {
            let _ = dialling.cancel.send(());
        }
        let call = self.lock().get(engagement).map(|e| e.call.clone());
        if let Some(call) = call {
            call.hangup().await;
        }
        self.phase(engagement, CallPhase::Ended);
    }

    /// The engagement is finished: drop the call.
    pub fn forget(&self, engagement: &str) {
        if let Some(entry) = self.lock().remove(engagement) {
            tell(&entry, CallPhase::Ended);
        }
    }

    /// Calls in progress.
    pub fn active(&self) -> usize {
        self.lock().len()
    }

    fn call_of(&self, engagement: &str, agent: &str) -> Result<Call, ControlError> {
        let calls = self.lock();
        let entry = calls
            .get(engagement)
            .ok_or_else(|| ControlError::NoCall(engagement.to_owned()))?;
        if entry.agent.as_deref() != Some(agent) {
            return Err(ControlError::NoCall(engagement.to_owned()));
        }
        Ok(entry.call.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.calls.lock().expect("voice lock")
    }
}

fn view_of(entry: &Entry) -> CallView {
    CallView {
        connected: entry.connected,
        muted: entry.muted,
        held: entry.held,
        recording: entry.recording,
        alerting: false,
    }
}

fn tell(entry: &Entry, phase: CallPhase) {
    if let Some(customer) = &entry.customer {
        let agent_name = matches!(phase, CallPhase::Connected | CallPhase::Held)
            .then(|| entry.agent_name.clone())
            .flatten();
        let _ = customer.send(CustomerServerOp::Phase { phase, agent_name });
    }
}

/// A key the customer pressed (an RFC 4733 event in the call's audio, or a SIP INFO): the
/// digits so far (an account number, a menu choice) become the engagement's variable
/// `CallerInput`, for the agent and the host to read.
pub async fn caller_pressed(state: &SharedState, engagement: &str, digit: char) {
    let value = {
        let mut calls = state.voice.lock();
        let Some(entry) = calls.get_mut(engagement) else {
            return;
        };
        if entry.caller_digits.len() >= MAX_CALLER_DIGITS {
            entry.caller_digits.clear();
        }
        entry.caller_digits.push(digit);
        entry.caller_digits.clone()
    };
    let command = Command::SetVariable {
        engagement: engagement.to_owned(),
        agent: None,
        name: "CallerInput".into(),
        value,
    };
    let _ = state.engine.run(command).await;
}

/// Reports a call's media events: the customer leaving goes to the engine; audio flowing
/// tells the customer and the agent.
async fn watch(voice: Arc<Voice>, engagement: String, mut events: CallEvents, state: SharedState) {
    while let Some(event) = events.next().await {
        match event {
            CallEvent::AgentConnected => {
                let (agent, waited) = {
                    let mut calls = voice.lock();
                    let Some(entry) = calls.get_mut(&engagement) else {
                        continue;
                    };
                    entry.connected = true;
                    tell(
                        entry,
                        if entry.held {
                            CallPhase::Held
                        } else {
                            CallPhase::Connected
                        },
                    );
                    (entry.agent.clone(), entry.accepted_at.map(|t| t.elapsed()))
                };
                if let Some(waited) = waited {
                    state.metrics.accept_to_audio.observe(waited.as_secs_f64());
                }
                if let Some(agent) = agent {
                    refresh(&state, &agent).await;
                }
            }
            CallEvent::AgentLeft(reason) => {
                let agent = {
                    let mut calls = voice.lock();
                    calls.get_mut(&engagement).and_then(|e| {
                        e.connected = false;
                        e.agent.clone()
                    })
                };
                tracing::info!(%engagement, ?reason, "the agent's audio left the call");
                if let Some(agent) = agent {
                    refresh(&state, &agent).await;
                }
            }
            CallEvent::CustomerLeft(reason) => {
                tracing::info!(%engagement, ?reason, "the customer left the call");
                customer_left(&state.engine, &engagement).await;
            }
            CallEvent::CustomerDtmf(dtmf) => caller_pressed(&state, &engagement, dtmf.digit).await,
            CallEvent::AgentDtmf(_) | CallEvent::CustomerConnected | CallEvent::RecordingFinished(_) => {}
            CallEvent::Ended(_) => break,
        }
    }
    // The call's media is over for good: if the engine still thinks the customer is
    // there, tell it.
    customer_left(&state.engine, &engagement).await;
}

/// The customer is gone: the engine abandons a waiting engagement or ends a live one.
async fn customer_left(engine: &EngineHandle, engagement: &str) {
    match engine
        .run(Command::CustomerLeft {
            engagement: engagement.to_owned(),
        })
        .await
    {
        Ok(_) => {}
        Err(e) => tracing::debug!(%engagement, "customer left: {e}"),
    }
}

/// A control from the agent (their embed or their host), under the queue's recording
/// policy; afterwards the agent's engagements are sent again.
pub async fn apply_control(
    state: &AppState,
    agent: &str,
    engagement: &str,
    control: Control,
) -> Result<CallView, ControlError> {
    if let Control::Recording(action @ (RecordingAction::Start | RecordingAction::Stop)) = control {
        let queue = {
            let id = engagement.to_owned();
            state
                .engine
                .query(move |engine, _| engine.engagement(&id).map(|e| e.queue_id.clone()))
                .await
                .map_err(|e| ControlError::Refused(e.to_string()))?
        };
        let policy = queue
            .map(|q| crate::engine::settings::recording_policy(&state.directory.queues(), &q))
            .unwrap_or_default();
        use crate::engine::settings::RecordingPolicy;
        match (policy, action) {
            (RecordingPolicy::Never, _) => {
                return Err(ControlError::NotAllowed("this queue's calls are never recorded".into()));
            }
            (RecordingPolicy::Always, RecordingAction::Stop) => {
                return Err(ControlError::NotAllowed(
                    "this queue records every call; pause the recording instead of stopping it".into(),
                ));
            }
            _ => {}
        }
    }
    let path = recordings::path(&state.config.data_dir, engagement);
    let view = state.voice.control(engagement, agent, control, &path).await?;
    refresh(state, agent).await;
    Ok(view)
}

/// The agent's embed offers its audio leg for a call.
pub async fn media_offer(state: &AppState, agent: &str, engagement: &str, sdp: &str) -> Result<String, ControlError> {
    if sdp.len() > 32 * 1024 {
        return Err(ControlError::Refused("the SDP offer is larger than 32 KiB".into()));
    }
    let began = Instant::now();
    let answer = state.voice.attach_agent(engagement, agent, sdp).await?;
    if let Some(stretches) = state.voice.set_up(engagement, began.elapsed()) {
        state.metrics.call_set_up(&stretches);
    }
    Ok(answer)
}
