//! The task that runs a call: it owns both legs and does all of the call's media work.
//!
//! Why it is shaped this way (issue 5 asks for under 0.1 % of a core per bridged call, and
//! the cost of a bridged call is per packet and per wake-up, not per byte):
//!
//! - **One task per call, owning both legs.** A frame received on one leg is written to the
//!   other leg in the same step: no channel, no second task, no context switch per packet.
//! - **A media clock instead of a wake-up per packet.** Once the call is bridged (before
//!   that, ICE, DTLS and the first frames are handled as they arrive, so set-up is not
//!   slowed), its legs' sockets leave Tokio's reactor ([`LegSocket`](crate::leg::LegSocket)).
//!   Every [`POLL`] (20 ms, the packet time, like a PBX's media timer) the call reads
//!   whatever both sockets hold, forwards it, and runs the legs' timers (str0m's, the
//!   watchdogs) and the generator. Every call's clock is on one process-wide grid, so their
//!   sends go out back to back. Per 20 ms audio frame a call costs a receive per leg instead
//!   of a reactor event, a wake-up and two receives per packet: about half the CPU per call
//!   of forwarding on arrival (measured; a 10 ms clock cost 10 % more than 20 ms). The price
//!   is a forwarding delay of at most 20 ms (10 ms on average), which the receiver's jitter
//!   buffer absorbs.
//! - **No wake-up of its own once bridged.** A bridged call's steps are taken by one of the
//!   [`clock`](super::clock)'s shards, which steps all of its calls in one wake-up; the
//!   call's task then only waits for commands. Until then (and while a new agent's leg
//!   connects) the task steps the call on its own timer.
//! - **Forwarding without re-clocking.** Bridged audio is sent as it is read, never
//!   buffered; [`OutClock`](crate::leg::timeline) keeps each leg's outgoing timestamps
//!   continuous across sources.
//! - **Zero-copy where it can be.** PCMU↔PCMU between WebRTC legs hands str0m the received
//!   `Arc<[u8]>` (a reference count, not a copy); to an RTP leg the frame is copied into a
//!   stack buffer with its header. PCMU↔PCMA transcodes byte by byte through a table.
//! - **Generated audio on a 20 ms tick.** Tones (waiting, hold), silence to a held agent,
//!   queued DTMF and the recorder run on the same clock, only while needed.
//!
//! Measured: `docs/benchmarks.md` (`scripts/bench media`, `scripts/bench sip`).
//!
//! Recording: the left channel is what the customer sends; the right channel is what the
//! customer hears from the agent's side (the agent, silence while muted, the hold tone while
//! held, the waiting tone before an agent). A muted agent is therefore never recorded, and
//! the file replays the call as the customer experienced it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::clock::{Back, Clock};
use super::{CallConfig, CallEvent, Command, EndReason};
use crate::dtmf::{DtmfSender, digit_to_event};
use crate::leg::timeline::Source;
use crate::leg::{CloseReason, InFrame, Leg, LegCore, LegEvent, LegOutput, OutFrame};
use crate::recorder::{Channel, Recorder};
use crate::tone::ToneGenerator;
use crate::{Codec, FRAME_SAMPLES, MediaError};

/// How often a call reads its sockets and runs its timers.
pub(crate) const POLL: Duration = Duration::from_millis(20);
/// The generator's frame period.
const TICK: Duration = Duration::from_millis(20);
/// The most datagrams read from one leg per poll (a healthy leg sends one or two per 20 ms);
/// a flood waits in, and overflows, its own socket's buffer.
const MAX_READS: usize = 64;

/// The next instant of the process-wide media clock after `now`.
pub(super) fn next_poll(now: Instant) -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let step = POLL.as_nanos();
    let next = (now.saturating_duration_since(epoch).as_nanos() / step + 1) * step;
    epoch + Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

/// The longest frame handled (60 ms).
const MAX_FRAME: usize = 480;
const SILENCE_PCMU: [u8; MAX_FRAME] = [Codec::Pcmu.silence(); MAX_FRAME];
const SILENCE_PCMA: [u8; MAX_FRAME] = [Codec::Pcma.silence(); MAX_FRAME];

fn silence(codec: Codec, len: usize) -> &'static [u8] {
    let all: &'static [u8; MAX_FRAME] = match codec {
        Codec::Pcmu => &SILENCE_PCMU,
        Codec::Pcma => &SILENCE_PCMA,
    };
    &all[..len.min(MAX_FRAME)]
}

struct Slot {
    core: LegCore,
    buf: Vec<u8>,
}

impl Slot {
    fn new(core: LegCore) -> Slot {
        Slot {
            core,
            buf: vec![0; crate::RECV_BUFFER],
        }
    }

    /// Moves the leg's socket onto the media clock, once the call is bridged (audio has
    /// flowed both ways). Until then the socket stays with the reactor and each datagram is
    /// handled at once: ICE and DTLS, or the first frames that complete accept-to-audio,
    /// paced by a 20 ms clock would add tens of milliseconds to every call's set-up.
    fn settle(&mut self) {
        if !self.core.is_connected() {
            return;
        }
        if let Err(e) = self.core.socket.make_polled() {
            // Still awaited, which works, only at a wake-up per datagram.
            tracing::debug!(leg = %self.core.id, error = %e, "socket stays with the reactor");
        }
    }
}

/// Everything but the legs, so a leg's callback can borrow it next to the other leg.
struct Bridge {
    config: CallConfig,
    recordings_dir: PathBuf,
    events: mpsc::UnboundedSender<CallEvent>,
    held: bool,
    muted: bool,
    waiting: ToneGenerator,
    waiting_since: Instant,
    on_queue_tone: bool,
    hold: ToneGenerator,
    tone_ts: u32,
    dtmf_out: DtmfSender,
    recorder: Option<Recorder>,
    /// Progress toward `AgentConnected` for the current agent: (agent frame forwarded,
    /// customer frame forwarded, reported).
    progress: (bool, bool, bool),
    /// The customer is a caller on a SIP trunk, who may send audio only once the call is
    /// answered (RFC 3261 leaves early RTP to the caller): the agent's audio reaching the
    /// trunk is enough for `AgentConnected`, or the caller would never be answered.
    trunk_customer: bool,
    tick_at: Option<Instant>,
    customer_left: Option<CloseReason>,
    agent_left: Option<CloseReason>,
    ending: bool,
}

impl Bridge {
    fn emit(&self, e: CallEvent) {
        let _ = self.events.send(e);
    }

    fn agent_bridged(&self, agent: Option<&LegCore>) -> bool {
        agent.is_some_and(LegCore::is_connected)
    }

    /// A customer-leg output: record it, forward it, report it.
    fn on_customer(&mut self, o: LegOutput<'_>, agent: Option<&mut LegCore>, now: Instant) {
        match o {
            LegOutput::Audio(f) => {
                if let Some(rec) = self.recorder.as_mut() {
                    record(rec, Channel::Customer, f.timestamp, f.codec, f.payload, now);
                }
                let Some(agent) = agent.filter(|a| a.is_connected()) else {
                    return;
                };
                if self.held {
                    return;
                }
                let out = OutFrame {
                    codec: f.codec,
                    payload: f.payload,
                    shared: f.shared,
                    source: Source::Customer,
                    timestamp: f.timestamp,
                };
                if agent.send_audio(now, &out).is_some() {
                    self.progress.1 = true;
                    self.report_agent_connected();
                }
            }
            LegOutput::Event(LegEvent::Connected) => self.emit(CallEvent::CustomerConnected),
            LegOutput::Event(LegEvent::Dtmf(d)) => self.emit(CallEvent::CustomerDtmf(d)),
            LegOutput::Event(LegEvent::Closed(reason)) => {
                if !self.ending {
                    self.customer_left = Some(reason);
                }
            }
        }
    }

    /// An agent-leg output: forward it (or silence when muted), report it.
    fn on_agent(&mut self, o: LegOutput<'_>, customer: &mut LegCore, now: Instant) {
        match o {
            LegOutput::Audio(f) => {
                if self.held {
                    return;
                }
                let sent = if self.muted {
                    let quiet = InFrame {
                        payload: silence(f.codec, f.payload.len()),
                        shared: None,
                        ..f
                    };
                    self.send_to_customer(customer, &quiet, Source::Agent, now)
                } else {
                    self.send_to_customer(customer, &f, Source::Agent, now)
                };
                if sent {
                    self.progress.0 = true;
                    self.report_agent_connected();
                }
            }
            LegOutput::Event(LegEvent::Connected) => {}
            LegOutput::Event(LegEvent::Dtmf(d)) => {
                self.emit(CallEvent::AgentDtmf(d));
                let digit = d.digit.to_string();
                self.dtmf_out
                    .push(&digit, Duration::from_millis(u64::from(d.duration_ms)));
            }
            LegOutput::Event(LegEvent::Closed(reason)) => {
                if !self.ending {
                    self.agent_left = Some(reason);
                }
            }
        }
    }

    /// Sends a frame to the customer and records it on the right channel.
    fn send_to_customer(&mut self, customer: &mut LegCore, f: &InFrame<'_>, source: Source, now: Instant) -> bool {
        let out = OutFrame {
            codec: f.codec,
            payload: f.payload,
            shared: f.shared,
            source,
            timestamp: f.timestamp,
        };
        let Some(ts) = customer.send_audio(now, &out) else {
            return false;
        };
        if let Some(rec) = self.recorder.as_mut() {
            record(rec, Channel::Agent, ts as u32, f.codec, f.payload, now);
        }
        true
    }

    fn report_agent_connected(&mut self) {
        let (agent_sent, customer_sent, reported) = self.progress;
        if agent_sent && (customer_sent || self.trunk_customer) && !reported {
            self.progress.2 = true;
            self.emit(CallEvent::AgentConnected);
        }
    }

    /// Whether the 20 ms clock must run.
    fn needs_tick(&self, agent: Option<&LegCore>) -> bool {
        !self.agent_bridged(agent) || self.held || self.recorder.is_some() || self.dtmf_out.is_pending()
    }

    /// One 20 ms step: generated audio, DTMF, recorder.
    fn tick(&mut self, customer: &mut LegCore, agent: Option<&mut LegCore>, now: Instant) {
        let bridged = self.agent_bridged(agent.as_deref());
        let mut linear = [0i16; FRAME_SAMPLES];
        let tone = if self.held {
            Some(&mut self.hold)
        } else if !bridged {
            if let Some((after, queue)) = &self.config.queue_tone
                && !self.on_queue_tone
                && now >= self.waiting_since + *after
            {
                self.on_queue_tone = true;
                self.waiting = ToneGenerator::new(queue.clone());
            }
            Some(&mut self.waiting)
        } else {
            None
        };
        if let Some(generator) = tone {
            generator.fill(&mut linear);
            let codec = customer.codec();
            let mut encoded = [0u8; FRAME_SAMPLES];
            codec.encode_into(&linear, &mut encoded);
            let frame = OutFrame {
                codec,
                payload: &encoded,
                shared: None,
                source: Source::Generated,
                timestamp: self.tone_ts,
            };
            if let Some(ts) = customer.send_audio(now, &frame)
                && let Some(rec) = self.recorder.as_mut()
            {
                rec.put(Channel::Agent, ts as u32, &linear, now);
            }
        }
        if self.held
            && let Some(agent) = agent
        {
            let codec = agent.codec();
            let frame = OutFrame {
                codec,
                payload: silence(codec, FRAME_SAMPLES),
                shared: None,
                source: Source::Generated,
                timestamp: self.tone_ts,
            };
            agent.send_audio(now, &frame);
        }
        if let Some((event, tone)) = self.dtmf_out.due(now) {
            customer.send_dtmf(now, event, tone);
        }
        if let Some(rec) = self.recorder.as_mut() {
            rec.flush(now);
        }
        self.tone_ts = self.tone_ts.wrapping_add(FRAME_SAMPLES as u32);
    }
}

/// The next datagram queued on a leg's socket, read into its buffer.
fn next_datagram(slot: &mut Slot) -> Option<(usize, SocketAddr)> {
    match slot.core.socket.try_recv_from(&mut slot.buf) {
        Ok(received) => Some(received),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::WouldBlock {
                tracing::debug!(leg = %slot.core.id, error = %e, "udp receive error");
            }
            None
        }
    }
}

fn record(rec: &mut Recorder, channel: Channel, ts: u32, codec: Codec, payload: &[u8], now: Instant) {
    let mut linear = [0i16; MAX_FRAME];
    let n = payload.len().min(MAX_FRAME);
    codec.decode_into(&payload[..n], &mut linear[..n]);
    rec.put(channel, ts, &linear[..n], now);
}

pub(super) struct CallTask {
    customer: Slot,
    agent: Option<Slot>,
    bridge: Bridge,
}

/// An agent leg to attach, with the reply to send once it is attached (or not).
pub(super) type Attach = (Leg, oneshot::Sender<Result<(), MediaError>>);

pub(super) async fn run(
    customer: Leg,
    config: CallConfig,
    recordings_dir: PathBuf,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<CallEvent>,
    clock: Clock,
) {
    let now = Instant::now();
    let (core, earlier) = match customer.into_core().await {
        Ok(taken) => taken,
        Err(reason) => {
            let _ = events.send(CallEvent::CustomerLeft(reason));
            let _ = events.send(CallEvent::Ended(EndReason::CustomerLeft));
            return;
        }
    };
    let bridge = Bridge {
        waiting: ToneGenerator::new(config.waiting_tone.clone()),
        hold: ToneGenerator::new(config.hold_tone.clone()),
        config,
        recordings_dir,
        events,
        held: false,
        muted: false,
        waiting_since: now,
        on_queue_tone: false,
        tone_ts: 0,
        dtmf_out: DtmfSender::default(),
        recorder: None,
        progress: (false, false, false),
        trunk_customer: core.kind() == crate::LegKind::Rtp,
        tick_at: None,
        customer_left: None,
        agent_left: None,
        ending: false,
    };
    let mut task = CallTask {
        customer: Slot::new(core),
        agent: None,
        bridge,
    };
    // A leg whose owner already read its `Connected` still counts as connected.
    if task.customer.core.is_connected() && !earlier.contains(&LegEvent::Connected) {
        task.bridge.emit(CallEvent::CustomerConnected);
    }
    for e in earlier {
        task.bridge.on_customer(LegOutput::Event(e), None, now);
    }
    // The call runs on its own task until it is bridged, then on the clock until it needs
    // its own task again (see `clock`).
    loop {
        if !task.run_alone(&mut commands, true).await {
            return;
        }
        match clock.ride(task, &mut commands).await {
            None => return,
            Some(Back::Attach(back, (leg, reply))) => {
                task = back;
                let _ = reply.send(task.attach(leg, Instant::now()).await);
            }
            Some(Back::NoClock(mut back)) => {
                // The clock's runtime is gone (shutting down, or this `Media` outlived it):
                // drive the call here to its end.
                back.run_alone(&mut commands, false).await;
                return;
            }
        }
    }
}

/// The next datagram of a leg whose socket is still awaited (see [`Slot::settle`]).
async fn recv(slot: &mut Option<Slot>) -> std::io::Result<(usize, SocketAddr)> {
    match slot {
        Some(s) => s.core.socket.recv_from(&mut s.buf).await,
        None => std::future::pending().await,
    }
}

impl CallTask {
    /// Drives the call on its own task: `false` once it ended, `true` once it can move to
    /// the clock (`to_clock`: both legs' sockets are read on the clock).
    async fn run_alone(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>, to_clock: bool) -> bool {
        let sleep = tokio::time::sleep_until(next_poll(Instant::now()).into());
        tokio::pin!(sleep);
        loop {
            let now = Instant::now();
            self.after_input(now);
            if self.ended() {
                return false;
            }
            if to_clock && self.on_clock() {
                return true;
            }
            // Commands first: a mute or hold that arrived takes effect before the next frame
            // is forwarded.
            tokio::select! {
                biased;
                c = commands.recv() => match c {
                    Some(c) => {
                        if let Some((leg, reply)) = self.on_command(c, Instant::now()) {
                            let _ = reply.send(self.attach(leg, Instant::now()).await);
                        }
                    }
                    None => self.end(EndReason::Hangup),
                },
                // Until the call is bridged, a leg's datagrams (ICE, DTLS, the first frames)
                // are handled as they arrive; once on the clock, these never complete.
                r = self.customer.core.socket.recv_from(&mut self.customer.buf) => {
                    if let Ok((n, from)) = r {
                        self.customer_datagram(n, from, Instant::now());
                    }
                }
                r = recv(&mut self.agent) => {
                    if let Ok((n, from)) = r {
                        self.agent_datagram(n, from, Instant::now());
                    }
                }
                () = &mut sleep => {
                    self.poll(Instant::now());
                    sleep.as_mut().reset(next_poll(Instant::now()).into());
                }
            }
        }
    }

    /// Whether the call has ended.
    pub(super) fn ended(&self) -> bool {
        self.bridge.ending
    }

    /// Whether nothing of the call waits on the reactor: every leg's socket is read on the
    /// clock.
    fn on_clock(&self) -> bool {
        self.customer.core.socket.is_polled() && self.agent.as_ref().is_none_or(|a| a.core.socket.is_polled())
    }

    /// One step of the media clock: what both legs received, then the timers.
    pub(super) fn poll(&mut self, now: Instant) {
        for _ in 0..MAX_READS {
            let Some((n, from)) = next_datagram(&mut self.customer) else {
                break;
            };
            self.customer_datagram(n, from, now);
        }
        for _ in 0..MAX_READS {
            let Some((n, from)) = self.agent.as_mut().and_then(next_datagram) else {
                break;
            };
            self.agent_datagram(n, from, now);
        }
        self.on_timeout(now);
    }

    fn customer_datagram(&mut self, n: usize, from: SocketAddr, now: Instant) {
        let CallTask {
            customer,
            agent,
            bridge,
            ..
        } = self;
        let mut agent = agent.as_mut().map(|a| &mut a.core);
        let mut emit = |o: LegOutput<'_>| bridge.on_customer(o, agent.as_deref_mut(), now);
        customer.core.on_datagram(now, &customer.buf[..n], from, &mut emit);
    }

    fn agent_datagram(&mut self, n: usize, from: SocketAddr, now: Instant) {
        let CallTask {
            customer,
            agent,
            bridge,
            ..
        } = self;
        let Some(agent) = agent.as_mut() else {
            return;
        };
        let customer = &mut customer.core;
        let mut emit = |o: LegOutput<'_>| bridge.on_agent(o, customer, now);
        agent.core.on_datagram(now, &agent.buf[..n], from, &mut emit);
    }

    /// The legs' timers (each leg acts only when its own deadline has passed) and the
    /// generator's tick.
    fn on_timeout(&mut self, now: Instant) {
        {
            let CallTask {
                customer,
                agent,
                bridge,
                ..
            } = self;
            let mut agent_core = agent.as_mut().map(|a| &mut a.core);
            let mut emit = |o: LegOutput<'_>| bridge.on_customer(o, agent_core.as_deref_mut(), now);
            customer.core.on_timeout(now, &mut emit);
            if let Some(agent) = agent.as_mut() {
                let customer = &mut customer.core;
                let mut emit = |o: LegOutput<'_>| bridge.on_agent(o, customer, now);
                agent.core.on_timeout(now, &mut emit);
            }
        }
        if let Some(at) = self.bridge.tick_at
            && now >= at
        {
            let agent = self.agent.as_mut().map(|a| &mut a.core);
            self.bridge.tick(&mut self.customer.core, agent, now);
            // Keep the 20 ms cadence; after a stall, restart it rather than burst.
            let next = at + TICK;
            self.bridge.tick_at = Some(if next + TICK < now { now + TICK } else { next });
        }
    }

    /// Housekeeping after every input: departures, legs that connected, and whether the
    /// generator runs.
    pub(super) fn after_input(&mut self, now: Instant) {
        if self.bridge.progress.2 {
            self.customer.settle();
            if let Some(agent) = self.agent.as_mut() {
                agent.settle();
            }
        }
        if let Some(reason) = self.bridge.customer_left.take() {
            self.bridge.emit(CallEvent::CustomerLeft(reason));
            self.end(EndReason::CustomerLeft);
            return;
        }
        if let Some(reason) = self.bridge.agent_left.take() {
            self.agent = None;
            self.bridge.emit(CallEvent::AgentLeft(reason));
            self.bridge.waiting = ToneGenerator::new(self.bridge.config.waiting_tone.clone());
            self.bridge.waiting_since = now;
            self.bridge.on_queue_tone = false;
        }
        let needs = self.bridge.needs_tick(self.agent.as_ref().map(|a| &a.core));
        match (needs, self.bridge.tick_at) {
            (true, None) => self.bridge.tick_at = Some(now),
            (false, Some(_)) => self.bridge.tick_at = None,
            _ => {}
        }
    }

    /// Carries out a command; an agent to attach is handed back, since attaching waits for
    /// the leg ([`CallTask::attach`]).
    pub(super) fn on_command(&mut self, c: Command, now: Instant) -> Option<Attach> {
        match c {
            Command::AttachAgent(leg, reply) => return Some((leg, reply)),
            Command::SetHold(on, reply) => {
                self.bridge.held = on;
                let _ = reply.send(());
            }
            Command::UpdateCustomer(remote, reply) => {
                let _ = reply.send(self.customer.core.update_remote(&remote));
            }
            Command::SetMute(on, reply) => {
                self.bridge.muted = on;
                let _ = reply.send(());
            }
            Command::SendDtmf(digits, tone, reply) => {
                debug_assert!(digits.chars().all(|c| digit_to_event(c).is_some()));
                self.bridge.dtmf_out.push(&digits, tone);
                let _ = reply.send(());
            }
            Command::StartRecording(path, reply) => {
                let result = if self.bridge.recorder.is_some() {
                    Err(MediaError::AlreadyRecording)
                } else {
                    let path = self.bridge.recordings_dir.join(path);
                    Recorder::create(&path, now).map(|r| {
                        self.bridge.recorder = Some(r);
                        path
                    })
                };
                let _ = reply.send(result);
            }
            Command::PauseRecording(on, reply) => {
                let result = match self.bridge.recorder.as_mut() {
                    Some(r) => {
                        r.pause(on, now);
                        Ok(())
                    }
                    None => Err(MediaError::NotRecording),
                };
                let _ = reply.send(result);
            }
            Command::StopRecording(reply) => {
                let result = match self.bridge.recorder.take() {
                    Some(r) => Ok(r.stop(now)),
                    None => Err(MediaError::NotRecording),
                };
                let _ = reply.send(result);
            }
            Command::Hangup(reply) => {
                self.end(EndReason::Hangup);
                let _ = reply.send(());
            }
        }
        None
    }

    async fn attach(&mut self, leg: Leg, now: Instant) -> Result<(), MediaError> {
        if self.agent.is_some() {
            return Err(MediaError::AgentAttached);
        }
        let (core, earlier) = leg.into_core().await.map_err(MediaError::LegClosed)?;
        self.agent = Some(Slot::new(core));
        self.bridge.progress = (false, false, false);
        for e in earlier {
            self.bridge.on_agent(LegOutput::Event(e), &mut self.customer.core, now);
        }
        Ok(())
    }

    /// Closes both legs, finishes a recording and reports `Ended`.
    pub(super) fn end(&mut self, reason: EndReason) {
        if self.bridge.ending {
            return;
        }
        self.bridge.ending = true;
        let now = Instant::now();
        let mut ignore = |_: LegOutput<'_>| {};
        self.customer.core.close(now, CloseReason::Local, &mut ignore);
        if let Some(agent) = self.agent.as_mut() {
            agent.core.close(now, CloseReason::Local, &mut ignore);
        }
        if let Some(r) = self.bridge.recorder.take() {
            self.bridge.emit(CallEvent::RecordingFinished(r.stop(now)));
        }
        self.bridge.emit(CallEvent::Ended(reason));
    }
}
