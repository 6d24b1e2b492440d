//! Prometheus metrics, served at `GET /metrics` in the text exposition format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::voice::setup::Stretches;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Stage {
    pub stage: &'static str,
}

/// Set-up buckets (seconds): fine around the 20 ms goal, up to a second.
const SET_UP_BUCKETS: [f64; 17] = [
    0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0,
];

pub struct Metrics {
    registry: Registry,
    pub agent_channels: Gauge,
    pub sign_ins: Family<Outcome, Counter>,
    pub host_messages: Family<Outcome, Counter>,
    pub embed_loads: Family<Outcome, Counter>,
    resident_memory: Gauge,
    /// Seconds from an agent's accept to audio flowing both ways.
    pub accept_to_audio: Histogram,
    /// The server's own share of setting up an inbound call (see `voice/setup.rs`).
    call_setup: Histogram,
    call_setup_stages: Family<Stage, Histogram, fn() -> Histogram>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("callbar");
        let agent_channels = Gauge::default();
        registry.register(
            "agent_channels",
            "Agent channels (WebSockets) signed in",
            agent_channels.clone(),
        );
        let sign_ins = Family::<Outcome, Counter>::default();
        registry.register(
            "sign_ins",
            "Sign-in attempts by outcome (ok, invalid, throttled)",
            sign_ins.clone(),
        );
        let host_messages = Family::<Outcome, Counter>::default();
        registry.register(
            "host_messages",
            "Host messages received by outcome (ok, rejected)",
            host_messages.clone(),
        );
        let embed_loads = Family::<Outcome, Counter>::default();
        registry.register(
            "embed_loads",
            "Embed page loads by outcome (approved, refused)",
            embed_loads.clone(),
        );
        let accept_to_audio = Histogram::new([0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0]);
        registry.register(
            "accept_to_audio_seconds",
            "Time from an agent's accept to audio flowing both ways",
            accept_to_audio.clone(),
        );
        let call_setup = Histogram::new(SET_UP_BUCKETS);
        registry.register(
            "call_setup_seconds",
            "The server's own time in setting up an answered inbound call: INVITE or widget dial to \
             offer, accept to start-media, media offer to answer",
            call_setup.clone(),
        );
        let call_setup_stages: Family<Stage, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(SET_UP_BUCKETS));
        registry.register(
            "call_setup_stage_seconds",
            "The stretches of callbar_call_setup_seconds: offer, accept, media",
            call_setup_stages.clone(),
        );
        let resident_memory = Gauge::default();
        registry.register(
            "resident_memory_bytes",
            "Resident memory of the process",
            resident_memory.clone(),
        );
        Metrics {
            registry,
            agent_channels,
            sign_ins,
            host_messages,
            embed_loads,
            resident_memory,
            accept_to_audio,
            call_setup,
            call_setup_stages,
        }
    }

    /// An inbound call is set up: the server's share, whole and by stretch.
    pub fn call_set_up(&self, s: &Stretches) {
        self.call_setup.observe(s.total().as_secs_f64());
        for (stage, took) in [("offer", s.offer), ("accept", s.accept), ("media", s.media)] {
            self.call_setup_stages
                .get_or_create(&Stage { stage })
                .observe(took.as_secs_f64());
        }
    }

    pub fn count(family: &Family<Outcome, Counter>, outcome: &'static str) {
        family.get_or_create(&Outcome { outcome }).inc();
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        self.resident_memory.set(resident_memory_bytes() as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Resident set size from `/proc/self/statm` (0 where that does not exist).
pub fn resident_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}
