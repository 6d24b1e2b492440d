//! Load client for `scripts/bench work`: many agents over WebSocket, work items at a steady
//! rate through the API, and the time from each create request to its offer arriving at
//! the agent's socket.
//!
//! ```text
//! cargo run --release --example work_load -- --url http://127.0.0.1:8080 --pid <server pid> \
//!     --agents 1000 --rate 500 --seconds 20
//! ```
//! Every agent accepts each offer at once and ends and closes it right away, confirming the
//! call log, so capacity frees up as in a busy contact center. The server's CPU time comes
//! from `/proc/<pid>/stat` over the measured period; its memory from `VmRSS`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[path = "support/load.rs"]
#[allow(dead_code)] // the API and /proc helpers only: these agents run their own channels
mod load;
#[path = "support/widget.rs"]
#[allow(dead_code)] // load.rs needs its socket helpers
mod widget;
use load::{PASSWORD, cpu_ticks, post, rss_mb, sign_in};

struct Args {
    url: String,
    pid: u32,
    agents: usize,
    rate: u64,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        pid: 0,
        agents: 1000,
        rate: 500,
        seconds: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value,
            "--pid" => a.pid = value.parse().expect("--pid is a number"),
            "--agents" => a.agents = value.parse().expect("--agents is a number"),
            "--rate" => a.rate = value.parse().expect("--rate is a number"),
            "--seconds" => a.seconds = value.parse().expect("--seconds is a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(a.pid > 0, "--pid <server pid> is required");
    a
}

/// When each offer reached its agent, by engagement id.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// One agent: Ready, then accept / end / close every offer, confirm every delivery.
async fn agent(ws_url: String, token: String, arrivals: Arrivals, ready: tokio::sync::mpsc::Sender<()>) {
    let (ws, _) = tokio_tungstenite::connect_async(&ws_url).await.expect("connect");
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::text(json!({ "op": "hello", "token": token }).to_string()))
        .await
        .unwrap();
    tx.send(Message::text(json!({ "op": "set-status", "code": "1" }).to_string()))
        .await
        .unwrap();
    let mut announced = false;
    while let Some(Ok(msg)) = rx.next().await {
        let Message::Text(text) = msg else { continue };
        // Only ringing matters for timing: look for it before parsing everything.
        if text.contains("zcc-work-item-ringing") {
            let at = Instant::now();
            let op: Value = serde_json::from_str(&text).unwrap();
            let id = op["message"]["data"]["engagementId"].as_str().unwrap().to_owned();
            arrivals.lock().unwrap().insert(id.clone(), at);
            for step in ["accept", "end", "close-wrap-up"] {
                let op = json!({ "op": step, "engagementId": id });
                if tx.send(Message::text(op.to_string())).await.is_err() {
                    return;
                }
            }
        } else if text.starts_with("{\"op\":\"deliver\"") {
            let op: Value = serde_json::from_str(&text).unwrap();
            let ack = json!({ "op": "delivered", "outboxId": op["outboxId"] });
            let _ = tx.send(Message::text(ack.to_string())).await;
        } else if !announced && text.contains("\"statusCode\":\"1\"") {
            announced = true;
            let _ = ready.send(()).await;
        }
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::new();
    let admin = load::admin(&http, &a.url).await;
    let api = post(
        &http,
        &format!("{}/api/v1/api-tokens", a.url),
        &admin,
        json!({ "name": "load" }),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let started = Instant::now();
    let mut tokens = Vec::new();
    for i in 0..a.agents {
        let email = format!("agent{i}@load.example.com");
        let user = json!({ "email": email, "name": format!("Agent {i}"), "password": PASSWORD });
        post(&http, &format!("{}/api/v1/users", a.url), &admin, user).await;
        tokens.push(sign_in(&http, &a.url, &email, PASSWORD).await);
    }
    eprintln!("{} agents created and signed in in {:.1?}", a.agents, started.elapsed());

    let arrivals: Arrivals = Arc::default();
    let ws_url = format!("{}/api/v1/agent/channel", a.url.replacen("http", "ws", 1));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(a.agents);
    for token in tokens {
        tokio::spawn(agent(ws_url.clone(), token, arrivals.clone(), ready_tx.clone()));
    }
    for _ in 0..a.agents {
        ready_rx.recv().await.expect("every agent becomes Ready");
    }
    eprintln!("{} agents Ready", a.agents);
    tokio::time::sleep(Duration::from_secs(1)).await;

    let total = a.rate * a.seconds;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let cpu_before = cpu_ticks(a.pid);
    let t0 = Instant::now();
    let mut every = tokio::time::interval(Duration::from_micros(1_000_000 / a.rate));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..total {
        every.tick().await;
        let (http, url, api, sent) = (
            http.clone(),
            format!("{}/api/v1/engagements", a.url),
            api.clone(),
            sent.clone(),
        );
        requests.spawn(async move {
            let at = Instant::now();
            let r = post(
                &http,
                &url,
                &api,
                json!({ "queue": "Back Office", "subject": format!("Load {n}") }),
            )
            .await;
            let id = r["engagementId"].as_str().expect("created").to_owned();
            sent.lock().unwrap().insert(id, at);
        });
    }
    while requests.join_next().await.is_some() {}
    let sending = t0.elapsed();
    // Let the last offers arrive.
    let deadline = Instant::now() + Duration::from_secs(5);
    while arrivals.lock().unwrap().len() < total as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = t0.elapsed();
    let cpu = (cpu_ticks(a.pid) - cpu_before) as f64 / 100.0;

    let sent = sent.lock().unwrap();
    let arrivals = arrivals.lock().unwrap();
    let mut latencies: Vec<f64> = sent
        .iter()
        .filter_map(|(id, at)| {
            arrivals
                .get(id)
                .map(|got| got.duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    if std::env::var_os("WORK_LOAD_SLOW").is_some() {
        let mut slow: Vec<(f64, f64)> = sent
            .iter()
            .filter_map(|(id, at)| {
                let l = arrivals.get(id)?.duration_since(*at).as_secs_f64() * 1000.0;
                (l > 20.0).then(|| (at.duration_since(t0).as_secs_f64(), l))
            })
            .collect();
        slow.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (t, l) in slow {
            eprintln!("slow at {t:.3}s: {l:.1} ms");
        }
    }
    latencies.sort_by(f64::total_cmp);
    let q = |p: f64| latencies[((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1];
    println!(
        "{{\"agents\": {}, \"work_items\": {}, \"offered\": {}, \"rate_per_s\": {:.0}, \"create_to_offer_ms\": {{\"p50\": {:.2}, \"p99\": {:.2}, \"max\": {:.2}}}, \"server_cpu_cores\": {:.2}, \"server_rss_mb\": {:.1}}}",
        a.agents,
        total,
        latencies.len(),
        total as f64 / sending.as_secs_f64(),
        q(0.50),
        q(0.99),
        latencies.last().copied().unwrap_or(0.0),
        cpu / elapsed.as_secs_f64(),
        rss_mb(a.pid),
    );
}
