//! What creating a WebRTC leg costs the server: CPU time per browser offer answered.
//!
//! `cargo run --release -p callbar-media --example leg_setup -- [LEGS]`
//!
//! Prints one JSON line:
//! - `warm_up_ms`: `Media::new`, which pays the process's one-time crypto start (AWS-LC's
//!   entropy source, the shared DTLS configuration), so the first caller does not;
//! - `leg_us`: [`Media::webrtc_leg`] for a client's offer, as the server runs it per call
//!   (a port bound, str0m's `Rtc` built with a fresh DTLS certificate, the SDP answer), on
//!   average over LEGS legs;
//! - `str0m_default_rtc_us`: building an `Rtc` with str0m's own crypto provider, which
//!   validates a new DTLS configuration every time (what `leg_us` contained before
//!   `leg/dtls.rs`).
//!
//! CPU time is this thread's (`/proc/thread-self/schedstat`), so the clients creating offers
//! are left out.

use std::time::{Duration, Instant};

use callbar_media::client::{Client, ClientConfig};
use callbar_media::{Media, MediaConfig};

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_nanos(ns)
}

fn per_item_us(total: Duration, n: u32) -> f64 {
    total.as_secs_f64() * 1e6 / f64::from(n)
}

fn main() {
    let legs: u32 = std::env::args().nth(1).and_then(|v| v.parse().ok()).unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let t = thread_cpu();
        let media = Media::new(MediaConfig {
            ports: 47000..=47999,
            ..MediaConfig::default()
        });
        let warm_up = thread_cpu() - t;

        let mut spent = Duration::ZERO;
        for _ in 0..legs {
            let (offer, pending) = Client::offer(ClientConfig::tone(1000.0)).expect("a client offer");
            let t = thread_cpu();
            let (answer, leg) = media.webrtc_leg(&offer).expect("an answer");
            spent += thread_cpu() - t;
            drop((answer, leg, pending));
            // Let the dropped leg's task end and free its port.
            tokio::task::yield_now().await;
        }

        let t = thread_cpu();
        for _ in 0..legs {
            drop(str0m::RtcConfig::new().set_ice_lite(true).build(Instant::now()));
        }
        let default_rtc = thread_cpu() - t;

        println!(
            "{{\"legs\":{legs},\"warm_up_ms\":{:.1},\"leg_us\":{:.0},\"str0m_default_rtc_us\":{:.0}}}",
            warm_up.as_secs_f64() * 1e3,
            per_item_us(spent, legs),
            per_item_us(default_rtc, legs),
        );
    });
}
