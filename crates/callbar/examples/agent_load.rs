//! Load client for `scripts/bench`: connects many agent channels to a running Callbar and
//! reports the server's resident memory before and after.
//!
//! ```text
//! cargo run --release --example agent_load -- --url http://127.0.0.1:8080 --pid <server pid> \
//!     --agents 1000 --users 100
//! ```
//! It creates `--users` agents through the admin API (as the demo admin), signs each in
//! `agents / users` times, opens one channel per session, waits for every `welcome`, and
//! keeps them open while it measures.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

struct Args {
    url: String,
    pid: u32,
    agents: usize,
    users: usize,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        pid: 0,
        agents: 1000,
        users: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value,
            "--pid" => a.pid = value.parse().expect("--pid is a number"),
            "--agents" => a.agents = value.parse().expect("--agents is a number"),
            "--users" => a.users = value.parse().expect("--users is a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(a.pid > 0, "--pid <server pid> is required");
    a
}

/// Resident set size of a process, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server process exists");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/<pid>/status");
    kb * 1024
}

async fn sign_in(http: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    let r: Value = http
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("sign-in request")
        .json()
        .await
        .expect("sign-in answer");
    r["token"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in of {email} failed: {r}"))
        .to_owned()
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::new();
    let idle = rss(a.pid);
    let admin = sign_in(&http, &a.url, "admin@example.com", "callbar-admin").await;

    let started = Instant::now();
    let mut tokens = Vec::with_capacity(a.agents);
    for u in 0..a.users {
        let email = format!("load{u}@example.com");
        let password = "load-test-password";
        let _ = http
            .post(format!("{}/api/v1/users", a.url))
            .bearer_auth(&admin)
            .json(&json!({ "email": email, "name": format!("Load {u}"), "password": password }))
            .send()
            .await;
        for _ in 0..a.agents.div_ceil(a.users) {
            if tokens.len() < a.agents {
                tokens.push(sign_in(&http, &a.url, &email, password).await);
            }
        }
    }
    eprintln!("{} sessions in {:.1?}", tokens.len(), started.elapsed());
    let before = rss(a.pid);

    let ws_url = format!("{}/api/v1/agent/channel", a.url.replacen("http", "ws", 1));
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(tokens.len());
    for token in &tokens {
        let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.expect("connect");
        ws.send(Message::text(json!({ "op": "hello", "token": token }).to_string()))
            .await
            .expect("hello");
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.contains("\"welcome\"") => break,
                Some(Ok(_)) => continue,
                other => panic!("no welcome: {other:?}"),
            }
        }
        sockets.push(ws);
    }
    let connect_time = started.elapsed();
    // Let the server settle (buffers drained, allocator quiet) before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let connected = rss(a.pid);
    let per_agent = connected.saturating_sub(before) as f64 / sockets.len() as f64;
    println!(
        "{{\"agents\": {}, \"idle_rss_mb\": {:.1}, \"rss_before_channels_mb\": {:.1}, \"rss_connected_mb\": {:.1}, \"per_agent_kb\": {:.1}, \"connect_secs\": {:.2}}}",
        sockets.len(),
        idle as f64 / 1048576.0,
        before as f64 / 1048576.0,
        connected as f64 / 1048576.0,
        per_agent / 1024.0,
        connect_time.as_secs_f64()
    );
    drop(sockets);
}
