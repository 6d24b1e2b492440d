//! Shared set-up for the integration tests: a media engine on 127.0.0.1 and clients.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use callbar_media::analysis::{band_energy_ratio, peak_frequency, rms};
use callbar_media::client::{Client, ClientConfig};
use callbar_media::{Call, CallConfig, CallEvent, CallEvents, Leg, Media, MediaConfig};

pub fn media() -> Media {
    media_with(|_| {})
}

pub fn media_with(change: impl FnOnce(&mut MediaConfig)) -> Media {
    let mut config = MediaConfig {
        ports: 42000..=42999,
        recordings_dir: std::env::temp_dir().join(format!("callbar-media-tests-{}", std::process::id())),
        ..MediaConfig::default()
    };
    change(&mut config);
    Media::new(config)
}

/// A client sending `freq` connected to a new WebRTC leg.
pub async fn client(media: &Media, freq: f32) -> (Client, Leg) {
    let (offer, pending) = Client::offer(ClientConfig::tone(freq)).unwrap();
    let (answer, leg) = media.webrtc_leg(&offer).unwrap();
    let client = pending.accept_answer(&answer).unwrap();
    assert!(
        client.wait_connected(Duration::from_secs(5)).await,
        "client did not connect"
    );
    (client, leg)
}

/// A customer (440 Hz) and an agent (1000 Hz) bridged, after `AgentConnected`.
pub async fn bridged(media: &Media) -> (Call, CallEvents, Client, Client) {
    let (customer, leg) = client(media, 440.0).await;
    let (call, mut events) = media.call(leg, CallConfig::default());
    let (agent, agent_leg) = client(media, 1000.0).await;
    call.attach_agent(agent_leg).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    (call, events, customer, agent)
}

/// Waits (at most 5 s) for an event matching `want`; returns it and what came before.
pub async fn expect(events: &mut CallEvents, want: impl Fn(&CallEvent) -> bool) -> (CallEvent, Vec<CallEvent>) {
    let mut before = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(e)) if want(&e) => return (e, before),
            Ok(Some(e)) => before.push(e),
            Ok(None) => panic!("events ended; saw {before:?}"),
            Err(_) => panic!("timed out; saw {before:?}"),
        }
    }
}

/// What `client` receives during the next `ms` milliseconds (after dropping older audio).
pub async fn listen(client: &Client, ms: u64) -> Vec<i16> {
    client.take_received();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    client.take_received()
}

pub fn peak(samples: &[i16]) -> f64 {
    peak_frequency(samples, 8000, 100.0, 3500.0)
}

pub fn assert_tone(samples: &[i16], freq: f64, what: &str) {
    assert!(samples.len() >= 4000, "{what}: only {} samples", samples.len());
    let p = peak(samples);
    assert!((p - freq).abs() <= 5.0, "{what}: peak {p} Hz, expected {freq}");
    let share = band_energy_ratio(samples, 8000, freq, 20.0);
    assert!(share > 0.9, "{what}: only {share:.2} of the energy near {freq} Hz");
}

pub fn energy_near(samples: &[i16], freq: f64) -> f64 {
    band_energy_ratio(samples, 8000, freq, 20.0)
}

pub fn level(samples: &[i16]) -> f64 {
    rms(samples)
}
