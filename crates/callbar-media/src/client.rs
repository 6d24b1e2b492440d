//! A WebRTC client that plays a browser's part, for tests and load.
//!
//! It does what the customer widget or the agent embed does in Chromium, without a browser:
//! creates the SDP offer (a full ICE agent, PCMU + telephone-event/8000, `sendrecv`),
//! applies Callbar's answer, sends a generated tone every 20 ms once DTLS is up, keeps what it
//! receives (decoded to linear samples, bounded), logs received RFC 4733 digits and sends
//! its own. The server's integration tests use it as a customer or an agent, and a load
//! benchmark can run hundreds of them (`capture` set to zero keeps memory flat).
//!
//! It reuses the engine's own leg machinery ([`LegCore`] with str0m in the offering role), so
//! its counters mean exactly what a leg's counters mean.
//!
//! ```no_run
//! # async fn demo(media: callbar_media::Media) -> Result<(), callbar_media::MediaError> {
//! use callbar_media::client::{Client, ClientConfig};
//! let (offer, pending) = Client::offer(ClientConfig::tone(440.0))?;
//! let (answer, leg) = media.webrtc_leg(&offer)?;
//! let client = pending.accept_answer(&answer)?;
//! assert!(client.wait_connected(std::time::Duration::from_secs(5)).await);
//! # drop(leg); Ok(()) }
//! ```

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use str0m::change::SdpPendingOffer;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use crate::dtmf::{DEFAULT_TONE, DtmfSender, validate_digits};
use crate::leg::timeline::Source;
use crate::leg::webrtc::WebRtcProto;
use crate::leg::{CloseReason, LegCore, LegEvent, LegOutput, LegStats, LegStatsHandle, OutFrame, far_future};
use crate::tone::{SAMPLE_RATE, ToneGenerator};
use crate::{Codec, Dtmf, FRAME_SAMPLES, MediaConfig, MediaError, Tone};

/// What a client sends and keeps.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The address to bind and offer (loopback in tests).
    pub bind_ip: IpAddr,
    /// What it sends once connected.
    pub tone: Tone,
    /// How much received audio to keep (older samples are dropped); zero keeps none.
    pub capture: Duration,
}

impl ClientConfig {
    /// A client on 127.0.0.1 sending a sine of `freq` Hz at 0.3 of full scale.
    pub fn tone(freq: f32) -> ClientConfig {
        ClientConfig {
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            tone: Tone::sine(freq, 0.3),
            capture: Duration::from_secs(60),
        }
    }
}

/// A client whose offer is out, waiting for the answer.
#[derive(Debug)]
pub struct PendingClient {
    proto: WebRtcProto,
    pending: SdpPendingOffer,
    socket: UdpSocket,
    config: ClientConfig,
}

#[derive(Debug, Default)]
struct Shared {
    received: VecDeque<i16>,
    dtmf: Vec<Dtmf>,
    connected_at: Option<Instant>,
    first_audio_at: Option<Instant>,
    closed: Option<CloseReason>,
}

enum ClientCommand {
    SetTone(Tone),
    SendDtmf(String),
    Close,
    Vanish,
}

/// A running client. Dropping it closes its connection.
#[derive(Debug)]
pub struct Client {
    shared: Arc<Mutex<Shared>>,
    commands: mpsc::UnboundedSender<ClientCommand>,
    connected: watch::Receiver<bool>,
    stats: LegStatsHandle,
    local_addr: SocketAddr,
}

/// What a client has seen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientStats {
    /// Media counters (packets in and out, loss, digits).
    pub media: LegStats,
    /// When DTLS completed.
    pub connected_at: Option<Instant>,
    /// When the first audio frame arrived.
    pub first_audio_at: Option<Instant>,
    /// Why the connection closed, if it did.
    pub closed: Option<CloseReason>,
}

impl Client {
    /// Binds a socket and creates the SDP offer. Must run inside a Tokio runtime.
    pub fn offer(config: ClientConfig) -> Result<(String, PendingClient), MediaError> {
        let std_socket = std::net::UdpSocket::bind((config.bind_ip, 0))?;
        std_socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(std_socket)?;
        let local = socket.local_addr()?;
        let (offer, pending, proto) = WebRtcProto::offer(local, Instant::now())?;
        Ok((
            offer,
            PendingClient {
                proto,
                pending,
                socket,
                config,
            },
        ))
    }

    /// Whether DTLS completed within `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut rx = self.connected.clone();
        tokio::time::timeout(timeout, rx.wait_for(|c| *c))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Takes the audio received since the last call.
    pub fn take_received(&self) -> Vec<i16> {
        self.shared.lock().expect("not poisoned").received.drain(..).collect()
    }

    /// The digits received so far, in order.
    pub fn dtmf_received(&self) -> Vec<Dtmf> {
        self.shared.lock().expect("not poisoned").dtmf.clone()
    }

    /// Sends digits as RFC 4733 events, 100 ms each, 70 ms apart (as `insertDTMF`).
    pub fn send_dtmf(&self, digits: &str) -> Result<(), MediaError> {
        validate_digits(digits)?;
        self.commands
            .send(ClientCommand::SendDtmf(digits.to_string()))
            .map_err(|_| MediaError::Ended)
    }

    /// Changes what the client sends from now on (`Tone::silence()` for a quiet mic).
    pub fn set_tone(&self, tone: Tone) {
        let _ = self.commands.send(ClientCommand::SetTone(tone));
    }

    /// Closes the connection the way a browser's `pc.close()` does (DTLS close_notify).
    pub fn close(&self) {
        let _ = self.commands.send(ClientCommand::Close);
    }

    /// Stops at once without closing anything, as a crashed browser or a lost network does:
    /// the server hears nothing more (not even ICE consent checks).
    pub fn vanish(&self) {
        let _ = self.commands.send(ClientCommand::Vanish);
    }

    /// Counters and times.
    pub fn stats(&self) -> ClientStats {
        let shared = self.shared.lock().expect("not poisoned");
        ClientStats {
            media: self.stats.snapshot(),
            connected_at: shared.connected_at,
            first_audio_at: shared.first_audio_at,
            closed: shared.closed.clone(),
        }
    }

    /// The client's own address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl PendingClient {
    /// Applies Callbar's answer and starts the client.
    pub fn accept_answer(mut self, answer_sdp: &str) -> Result<Client, MediaError> {
        self.proto.accept_answer(self.pending, answer_sdp)?;
        let local_addr = self.socket.local_addr()?;
        let media_config = MediaConfig::on(self.config.bind_ip);
        let core = LegCore::webrtc(self.socket, self.proto, &media_config, Instant::now());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (connected_tx, connected) = watch::channel(false);
        let client = Client {
            shared: shared.clone(),
            commands,
            connected,
            stats: core.stats_handle(),
            local_addr,
        };
        let task = ClientTask {
            core,
            buf: vec![0; crate::RECV_BUFFER],
            generator: ToneGenerator::new(self.config.tone),
            capture: (self.config.capture.as_millis() as usize) * (SAMPLE_RATE as usize / 1000),
            shared,
            connected: connected_tx,
            dtmf: DtmfSender::default(),
            tick_at: None,
            tone_ts: 0,
        };
        tokio::spawn(task.run(commands_rx));
        Ok(client)
    }
}

struct ClientTask {
    core: LegCore,
    buf: Vec<u8>,
    generator: ToneGenerator,
    capture: usize,
    shared: Arc<Mutex<Shared>>,
    connected: watch::Sender<bool>,
    dtmf: DtmfSender,
    tick_at: Option<Instant>,
    tone_ts: u32,
}

impl ClientTask {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<ClientCommand>) {
        let sleep = tokio::time::sleep_until(Instant::now().into());
        tokio::pin!(sleep);
        while !self.core.is_closed() {
            let mut deadline = self.core.deadline().min(far_future(Instant::now()));
            if let Some(t) = self.tick_at {
                deadline = deadline.min(t);
            }
            sleep.as_mut().reset(deadline.into());
            tokio::select! {
                c = commands.recv() => match c {
                    Some(ClientCommand::SetTone(t)) => self.generator = ToneGenerator::new(t),
                    Some(ClientCommand::SendDtmf(d)) => self.dtmf.push(&d, DEFAULT_TONE),
                    Some(ClientCommand::Vanish) => return,
                    Some(ClientCommand::Close) | None => {
                        let (shared, capture) = (&self.shared, self.capture);
                        let mut emit = |o: LegOutput<'_>| on_output(shared, capture, o);
                        self.core.close(Instant::now(), CloseReason::Local, &mut emit);
                    }
                },
                r = self.core.socket.recv_from(&mut self.buf) => {
                    if let Ok((n, from)) = r {
                        let (shared, capture) = (&self.shared, self.capture);
                        let mut emit = |o: LegOutput<'_>| on_output(shared, capture, o);
                        self.core.on_datagram(Instant::now(), &self.buf[..n], from, &mut emit);
                    }
                }
                () = &mut sleep => self.on_timeout(Instant::now()),
            }
            if self.core.is_connected() && self.tick_at.is_none() {
                let _ = self.connected.send(true);
                self.tick_at = Some(Instant::now());
            }
        }
    }

    fn on_timeout(&mut self, now: Instant) {
        let (shared, capture) = (&self.shared, self.capture);
        let mut emit = |o: LegOutput<'_>| on_output(shared, capture, o);
        self.core.on_timeout(now, &mut emit);
        let Some(at) = self.tick_at.filter(|&t| now >= t) else {
            return;
        };
        let mut encoded = [0u8; FRAME_SAMPLES];
        self.generator.next_frame(Codec::Pcmu, &mut encoded);
        let frame = OutFrame {
            codec: Codec::Pcmu,
            payload: &encoded,
            shared: None,
            source: Source::Generated,
            timestamp: self.tone_ts,
        };
        self.core.send_audio(now, &frame);
        self.tone_ts = self.tone_ts.wrapping_add(FRAME_SAMPLES as u32);
        if let Some((event, tone)) = self.dtmf.due(now) {
            self.core.send_dtmf(now, event, tone);
        }
        let next = at + Duration::from_millis(20);
        self.tick_at = Some(if next + Duration::from_millis(20) < now {
            now + Duration::from_millis(20)
        } else {
            next
        });
    }
}

fn on_output(shared: &Mutex<Shared>, capture: usize, o: LegOutput<'_>) {
    let mut s = shared.lock().expect("not poisoned");
    match o {
        LegOutput::Audio(f) => {
            s.first_audio_at.get_or_insert_with(Instant::now);
            if capture > 0 {
                s.received.extend(f.payload.iter().map(|&b| f.codec.decode(b)));
                let excess = s.received.len().saturating_sub(capture);
                s.received.drain(..excess);
            }
        }
        LegOutput::Event(LegEvent::Connected) => {
            s.connected_at.get_or_insert_with(Instant::now);
        }
        LegOutput::Event(LegEvent::Dtmf(d)) => s.dtmf.push(d),
        LegOutput::Event(LegEvent::Closed(r)) => s.closed = Some(r),
    }
}
