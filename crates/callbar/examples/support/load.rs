//! What the load examples share: the admin API, agents signed in on their channels, and the
//! server process's CPU time and memory. Uses the socket helpers of `widget.rs`, which the
//! example declares next to this module.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::widget::{Socket, until};

/// The password of every agent the load examples create.
pub const PASSWORD: &str = "load-test-password";

/// `utime + stime` of process `pid`, in clock ticks (100 a second).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process exists");
    let after_name = &stat[stat.rfind(')').expect("stat has a name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Resident memory of process `pid` in MB.
pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    kb / 1024.0
}

/// POSTs `body` as JSON with a bearer token (none when empty); returns the JSON answer.
pub async fn post(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    http.post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GETs `url` with a bearer token; returns the JSON answer.
pub async fn get(http: &reqwest::Client, url: &str, token: &str) -> Value {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    response.json().await.unwrap()
}

/// Signs in at the server at `url`; returns the session token.
pub async fn sign_in(http: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    let session = post(
        http,
        &format!("{url}/api/v1/sessions"),
        "",
        json!({ "email": email, "password": password }),
    )
    .await;
    session["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} could not sign in: {session}"))
        .to_owned()
}

/// The demo organization's admin session.
pub async fn admin(http: &reqwest::Client, url: &str) -> String {
    sign_in(http, url, "admin@example.com", "callbar-admin").await
}

/// Creates `count` agents `<prefix><i>@load.example.com` (password [`PASSWORD`]), signs each
/// in and opens its agent channel; returns each channel with its `welcome` (which holds the
/// agent's status: new agents are Offline).
///
/// Users are created one after another: created concurrently, they get the same extension,
/// and an agent can drop out of routing (an organization sync from a stale snapshot removes
/// it). Sign-ins, mostly the server's password hashing, go four at a time.
pub async fn agents(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    prefix: &str,
    count: usize,
) -> Vec<(Socket, Value)> {
    let email = |i: usize| format!("{prefix}{i}@load.example.com");
    for i in 0..count {
        let user = json!({ "email": email(i), "name": format!("{prefix} {i}"), "password": PASSWORD });
        post(http, &format!("{url}/api/v1/users"), admin, user).await;
    }
    let ws_url = format!("{}/api/v1/agent/channel", url.replacen("http", "ws", 1));
    let connect = |i: usize| {
        let (email, ws_url) = (email(i), ws_url.clone());
        async move {
            let token = sign_in(http, url, &email, PASSWORD).await;
            let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
            ws.send(Message::text(json!({ "op": "hello", "token": token }).to_string()))
                .await
                .unwrap();
            let welcome = until(&mut ws, |op| op["op"] == "welcome").await;
            (ws, welcome)
        }
    };
    futures_util::stream::iter(0..count)
        .map(connect)
        .buffered(4)
        .collect()
        .await
}

/// The `p` quantile (0 to 1) of ascending `sorted` values, nearest rank; 0 when empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}
