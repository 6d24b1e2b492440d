//! Load client for `scripts/bench calls`: many concurrent bridged calls through the server,
//! with the media crate's WebRTC client playing both the website caller and the agent.
//!
//! ```text
//! cargo run --release --example call_load -- --url http://127.0.0.1:8080 --pid <server pid> \
//!     --site-origin http://127.0.0.1:8082 --calls 50 --seconds 20
//! ```
//! It creates `--calls` agents (admin API), signs them in and sets them Ready; then for each
//! call a caller dials the website entry point, an agent accepts and offers its audio. It
//! measures, per call, the time from the agent's accept to the server reporting audio both
//! ways (the embed's view turns `connected`), checks both sides hear the other's tone with
//! no loss, then holds all calls for `--seconds` while reading the server's CPU time.

use std::time::{Duration, Instant};

use callbar_media::analysis::peak_frequency;
use callbar_media::client::{Client, ClientConfig};
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[path = "support/load.rs"]
mod load;
#[path = "support/widget.rs"]
mod widget;
use load::{cpu_ticks, quantile, rss_mb};
use widget::{Socket, dial, until};

struct Args {
    url: String,
    pid: u32,
    site_origin: String,
    calls: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        pid: 0,
        site_origin: "http://127.0.0.1:8082".into(),
        calls: 50,
        seconds: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value,
            "--pid" => a.pid = value.parse().expect("--pid is a number"),
            "--site-origin" => a.site_origin = value,
            "--calls" => a.calls = value.parse().expect("--calls is a number"),
            "--seconds" => a.seconds = value.parse().expect("--seconds is a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(a.pid > 0, "--pid <server pid> is required");
    a
}

/// One call: the caller dials, the agent (already Ready on `agent_ws`) accepts.
/// Returns the two media clients and the accept-to-audio time.
async fn one_call(a: &Args, entry: &str, agent_ws: &mut Socket) -> (Client, Client, Socket, Duration) {
    let (caller, caller_ws, engagement) = dial(&a.url, &a.site_origin, entry, json!({}), 440.0).await;

    until(agent_ws, |op| {
        op["op"] == "engagements"
            && op["engagements"]
                .as_array()
                .is_some_and(|l| l.iter().any(|e| e["engagementId"] == engagement.as_str()))
    })
    .await;
    let accepted = Instant::now();
    let accept = json!({ "op": "accept", "engagementId": engagement });
    agent_ws.send(Message::text(accept.to_string())).await.unwrap();
    until(agent_ws, |op| op["op"] == "start-media").await;
    let (offer, pending) = Client::offer(ClientConfig::tone(1000.0)).unwrap();
    let media = json!({ "op": "media-offer", "engagementId": engagement, "sdp": offer });
    agent_ws.send(Message::text(media.to_string())).await.unwrap();
    let answer = until(agent_ws, |op| op["op"] == "media-answer" || op["op"] == "problem").await;
    let agent = pending
        .accept_answer(answer["sdp"].as_str().expect("media answered"))
        .unwrap();
    until(agent_ws, |op| {
        op["op"] == "engagements"
            && op["engagements"].as_array().is_some_and(|l| {
                l.iter()
                    .any(|e| e["engagementId"] == engagement.as_str() && e["call"]["connected"] == true)
            })
    })
    .await;
    (caller, agent, caller_ws, accepted.elapsed())
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::new();
    let admin = load::admin(&http, &a.url).await;
    let entries = load::get(&http, &format!("{}/api/v1/entry-points", a.url), &admin).await;
    let entry = entries["entryPoints"][0]["id"].as_str().unwrap().to_owned();

    // Agents: each takes one call at a time, so one agent per concurrent call.
    let mut agents = load::agents(&http, &a.url, &admin, "voice", a.calls).await;
    // One at a time Ready, so each call goes to the agent we expect.
    let mut calls = Vec::new();
    let mut setup = Vec::new();
    let rss_before = rss_mb(a.pid);
    for (agent_ws, _) in agents.iter_mut() {
        agent_ws
            .send(Message::text(json!({ "op": "set-status", "code": "1" }).to_string()))
            .await
            .unwrap();
        until(agent_ws, |op| op["op"] == "status" && op["status"]["statusCode"] == "1").await;
        let (caller, agent, caller_ws, took) = one_call(&a, &entry, agent_ws).await;
        // Not Ready once busy, so the next call goes to the next agent.
        setup.push(took.as_secs_f64() * 1000.0);
        calls.push((caller, agent, caller_ws));
    }
    eprintln!("{} calls up", calls.len());

    tokio::time::sleep(Duration::from_secs(1)).await;
    for (caller, agent, _) in &calls {
        caller.take_received();
        agent.take_received();
    }
    let cpu_before = cpu_ticks(a.pid);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    let cpu = (cpu_ticks(a.pid) - cpu_before) as f64 / 100.0 / t0.elapsed().as_secs_f64();
    let rss_after = rss_mb(a.pid);

    let mut good = 0;
    let mut lost = 0;
    for (caller, agent, _) in &calls {
        // The last second of what each side heard (the whole hold is lossless if `lost` is 0).
        let last_second = |s: Vec<i16>| s[s.len().saturating_sub(8000)..].to_vec();
        let (c, g) = (last_second(caller.take_received()), last_second(agent.take_received()));
        let ok = (peak_frequency(&c, 8000, 200.0, 2000.0) - 1000.0).abs() <= 5.0
            && (peak_frequency(&g, 8000, 200.0, 2000.0) - 440.0).abs() <= 5.0;
        good += usize::from(ok);
        lost += caller.stats().media.lost + agent.stats().media.lost;
    }
    setup.sort_by(f64::total_cmp);
    let q = |p: f64| quantile(&setup, p);
    println!(
        "{{\"calls\": {}, \"both_tones_ok\": {good}, \"packets_lost\": {lost}, \"accept_to_audio_ms\": {{\"p50\": {:.0}, \"p95\": {:.0}, \"max\": {:.0}}}, \"server_cpu_cores\": {cpu:.3}, \"server_cpu_percent_per_call\": {:.3}, \"server_rss_mb\": {rss_after:.1}, \"rss_per_call_kb\": {:.0}}}",
        calls.len(),
        q(0.5),
        q(0.95),
        setup.last().copied().unwrap_or(0.0),
        cpu * 100.0 / calls.len() as f64,
        (rss_after - rss_before) * 1024.0 / calls.len() as f64,
    );
}
