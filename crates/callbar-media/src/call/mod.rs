//! A call: a customer leg from the start, later an agent leg, bridged by one task.
//!
//! [`Call`] is the handle the server keeps (cheap to clone; when every clone is dropped the
//! call hangs up), [`CallEvents`] the stream it reads. The engine decides — "bridge the
//! customer of E to agent A", "hold", "record" — and the call carries it out and reports back
//! (DESIGN.md, principle 4).
//!
//! What each side hears:
//!
//! | state | customer hears | agent hears |
//! |---|---|---|
//! | no agent yet (or the agent leg not connected) | the waiting tone: ringback, then the queue tone if configured | — |
//! | bridged | the agent | the customer |
//! | muted | silence in place of the agent | the customer |
//! | held | the hold tone | silence |
//! | agent left | the waiting tone again, until the server attaches someone or hangs up | — |
//!
//! The task itself is in [`task`]; its design choices (one task owning both legs, a 20 ms
//! media clock once bridged, forwarding without re-clocking) are explained there, and the
//! shared clock that steps bridged calls is in [`clock`].

mod clock;
mod task;

pub(crate) use clock::Clock;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::MediaError;
use crate::dtmf::{DEFAULT_TONE, Dtmf, validate_digits};
use crate::leg::{CloseReason, Leg, LegStats, LegStatsHandle};
use crate::recorder::RecordingSummary;
use crate::tone::Tone;

/// What a call plays.
#[derive(Debug, Clone, PartialEq)]
pub struct CallConfig {
    /// What the customer hears while no agent is connected (default: ringback).
    pub waiting_tone: Tone,
    /// After this long waiting, switch to the second tone (default: none, ringback
    /// throughout; for example `Some((Duration::from_secs(20), Tone::queue()))`).
    pub queue_tone: Option<(Duration, Tone)>,
    /// What the customer hears on hold (default: [`Tone::hold`], 600 Hz every 2 s).
    pub hold_tone: Tone,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            waiting_tone: Tone::ringback(),
            queue_tone: None,
            hold_tone: Tone::hold(),
        }
    }
}

/// What happens in a call, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// The customer leg can carry media.
    CustomerConnected,
    /// Audio flows both ways with the attached agent: the first agent frame was forwarded to
    /// the customer and the first customer frame to the agent (for a caller on a SIP trunk,
    /// who may send only once answered, the agent's frame is enough). Accept-to-audio ends
    /// here.
    AgentConnected,
    /// The customer pressed a key.
    CustomerDtmf(Dtmf),
    /// The agent pressed a key (it is also forwarded to the customer as RFC 4733).
    AgentDtmf(Dtmf),
    /// The customer leg closed; [`CallEvent::Ended`] follows.
    CustomerLeft(CloseReason),
    /// The agent leg closed; the customer hears the waiting tone until the server attaches
    /// another agent or hangs up.
    AgentLeft(CloseReason),
    /// A recording that was still running when the call ended, finished.
    RecordingFinished(RecordingSummary),
    /// The call is over; nothing follows.
    Ended(EndReason),
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EndReason {
    /// [`Call::hangup`], or every handle was dropped.
    Hangup,
    /// The customer leg closed.
    CustomerLeft,
}

/// The event stream of a call.
#[derive(Debug)]
pub struct CallEvents(mpsc::UnboundedReceiver<CallEvent>);

impl CallEvents {
    /// The next event; `None` after [`CallEvent::Ended`].
    pub async fn next(&mut self) -> Option<CallEvent> {
        self.0.recv().await
    }
}

pub(crate) enum Command {
    AttachAgent(Leg, oneshot::Sender<Result<(), MediaError>>),
    SetHold(bool, oneshot::Sender<()>),
    SetMute(bool, oneshot::Sender<()>),
    SendDtmf(String, Duration, oneshot::Sender<()>),
    StartRecording(PathBuf, oneshot::Sender<Result<PathBuf, MediaError>>),
    PauseRecording(bool, oneshot::Sender<Result<(), MediaError>>),
    StopRecording(oneshot::Sender<Result<RecordingSummary, MediaError>>),
    Hangup(oneshot::Sender<()>),
    UpdateCustomer(crate::sdp::RemoteAudio, oneshot::Sender<Result<(), MediaError>>),
}

/// A handle on a running call.
#[derive(Debug, Clone)]
pub struct Call {
    commands: mpsc::UnboundedSender<Command>,
    customer_stats: LegStatsHandle,
    agent_stats: Arc<Mutex<Option<LegStatsHandle>>>,
}

impl Call {
    pub(crate) fn start(
        customer: Leg,
        config: CallConfig,
        recordings_dir: PathBuf,
        clock: Clock,
    ) -> (Call, CallEvents) {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let call = Call {
            commands,
            customer_stats: customer.stats_handle(),
            agent_stats: Arc::new(Mutex::new(None)),
        };
        tokio::spawn(task::run(
            customer,
            config,
            recordings_dir,
            commands_rx,
            events_tx,
            clock,
        ));
        (call, CallEvents(events))
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, MediaError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).map_err(|_| MediaError::Ended)?;
        rx.await.map_err(|_| MediaError::Ended)
    }

    /// Bridges `agent` to the customer. Audio flows once the agent leg is connected
    /// ([`CallEvent::AgentConnected`]). Fails if an agent is attached or the leg has closed.
    pub async fn attach_agent(&self, agent: Leg) -> Result<(), MediaError> {
        let stats = agent.stats_handle();
        self.ask(|tx| Command::AttachAgent(agent, tx)).await??;
        *self.agent_stats.lock().expect("not poisoned") = Some(stats);
        Ok(())
    }

    /// Hold: the customer hears the hold tone, the agent silence. `false` resumes.
    pub async fn set_hold(&self, on: bool) -> Result<(), MediaError> {
        self.ask(|tx| Command::SetHold(on, tx)).await
    }

    /// Applies the trunk's new SDP (from a re-INVITE it sent, or its answer to ours) to the
    /// customer's RTP leg: direction (hold), codec, address. WebRTC customers renegotiate
    /// through their own signalling, so this refuses them.
    pub async fn update_customer(&self, sdp: &str) -> Result<(), MediaError> {
        let remote = crate::sdp::parse(sdp)?;
        self.ask(|tx| Command::UpdateCustomer(remote, tx)).await?
    }

    /// Mute: the customer hears silence instead of the agent; the agent still hears the
    /// customer. `false` unmutes.
    pub async fn set_mute(&self, on: bool) -> Result<(), MediaError> {
        self.ask(|tx| Command::SetMute(on, tx)).await
    }

    /// Sends DTMF digits (`0-9 * # A-D`) to the customer as RFC 4733 events, in order:
    /// 100 ms each, 70 ms apart.
    pub async fn send_dtmf(&self, digits: &str) -> Result<(), MediaError> {
        validate_digits(digits)?;
        let digits = digits.to_string();
        self.ask(|tx| Command::SendDtmf(digits, DEFAULT_TONE, tx)).await
    }

    /// Starts recording to `path` (relative paths are under `MediaConfig::recordings_dir`);
    /// returns the full path.
    pub async fn start_recording(&self, path: impl AsRef<Path>) -> Result<PathBuf, MediaError> {
        let path = path.as_ref().to_path_buf();
        self.ask(|tx| Command::StartRecording(path, tx)).await?
    }

    /// Pauses (`true`: silence is recorded from now on) or resumes the recording.
    pub async fn pause_recording(&self, on: bool) -> Result<(), MediaError> {
        self.ask(|tx| Command::PauseRecording(on, tx)).await?
    }

    /// Stops the recording and closes the file.
    pub async fn stop_recording(&self) -> Result<RecordingSummary, MediaError> {
        self.ask(Command::StopRecording).await?
    }

    /// Ends the call: both legs close, a running recording is finished, and
    /// [`CallEvent::Ended`] follows. Returns once the call task has stopped.
    pub async fn hangup(&self) {
        let _ = self.ask(Command::Hangup).await;
    }

    /// The customer leg's counters.
    pub fn customer_stats(&self) -> LegStats {
        self.customer_stats.snapshot()
    }

    /// The agent leg's counters, once one was attached.
    pub fn agent_stats(&self) -> Option<LegStats> {
        self.agent_stats
            .lock()
            .expect("not poisoned")
            .as_ref()
            .map(LegStatsHandle::snapshot)
    }
}
