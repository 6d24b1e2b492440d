//! Per-leg counters, shared lock-free between the task that drives the leg and whoever reads
//! them (metrics, tests).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A snapshot of a leg's media counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegStats {
    /// RTP packets received (audio and telephone events).
    pub packets_in: u64,
    /// RTP audio packets sent (telephone events are counted in `dtmf_out`).
    pub packets_out: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Payload bytes sent.
    pub bytes_out: u64,
    /// Packets missing from the received sequence numbers.
    pub lost: u64,
    /// DTMF digits received (one per key press).
    pub dtmf_in: u64,
    /// DTMF digits sent.
    pub dtmf_out: u64,
    /// Datagrams that were not usable media (garbage, unknown payload types, strangers).
    pub rejected: u64,
    /// When the last media packet arrived.
    pub last_packet_at: Option<Instant>,
}

/// A cheap, cloneable handle on a leg's live counters; it stays readable after the leg ends.
#[derive(Debug, Clone)]
pub struct LegStatsHandle(pub(crate) Arc<StatsCell>);

impl LegStatsHandle {
    /// The counters now.
    pub fn snapshot(&self) -> LegStats {
        self.0.snapshot()
    }
}

#[derive(Debug)]
pub(crate) struct StatsCell {
    created: Instant,
    pub(crate) packets_in: AtomicU64,
    pub(crate) packets_out: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) lost: AtomicU64,
    pub(crate) dtmf_in: AtomicU64,
    pub(crate) dtmf_out: AtomicU64,
    pub(crate) rejected: AtomicU64,
    /// Microseconds after `created` of the last media packet, plus one (0 = none yet).
    last_packet: AtomicU64,
}

impl StatsCell {
    pub(crate) fn new(created: Instant) -> StatsCell {
        StatsCell {
            created,
            packets_in: AtomicU64::new(0),
            packets_out: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            dtmf_in: AtomicU64::new(0),
            dtmf_out: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            last_packet: AtomicU64::new(0),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        // One writer (the leg's task): a load and a store are cheaper than fetch_add.
        counter.store(counter.load(Relaxed) + n, Relaxed);
    }

    pub(crate) fn received(&self, now: Instant, bytes: usize) {
        Self::add(&self.packets_in, 1);
        Self::add(&self.bytes_in, bytes as u64);
        let micros = now.saturating_duration_since(self.created).as_micros() as u64;
        self.last_packet.store(micros + 1, Relaxed);
    }

    pub(crate) fn sent(&self, bytes: usize) {
        Self::add(&self.packets_out, 1);
        Self::add(&self.bytes_out, bytes as u64);
    }

    fn snapshot(&self) -> LegStats {
        let last = self.last_packet.load(Relaxed);
        LegStats {
            packets_in: self.packets_in.load(Relaxed),
            packets_out: self.packets_out.load(Relaxed),
            bytes_in: self.bytes_in.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            lost: self.lost.load(Relaxed),
            dtmf_in: self.dtmf_in.load(Relaxed),
            dtmf_out: self.dtmf_out.load(Relaxed),
            rejected: self.rejected.load(Relaxed),
            last_packet_at: (last > 0).then(|| self.created + Duration::from_micros(last - 1)),
        }
    }
}
