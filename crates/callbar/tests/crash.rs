//! Killing the server (SIGKILL) in the middle of an engagement and starting it again
//! loses nothing: the engagement is still live with its notes, the agent gets it back on
//! reconnecting, a queued work item is still queued, and the call log arrives once.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Channel;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    /// A failing test must not leave the server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(dir: &std::path::Path, port: u16, demo_port: u16) -> Server {
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_callbar"))
        .args(["--data-dir", dir.to_str().unwrap()])
        .args(["--listen", &format!("127.0.0.1:{port}"), "--public-url", &url])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .args(["--demo-public-url", &format!("http://127.0.0.1:{demo_port}")])
        .env("CALLBAR_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the callbar binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{url}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, url }
}

async fn sign_in(http: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    let r: Value = http
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

async fn channel(url: &str, token: &str) -> Channel {
    let ws = format!("{}/api/v1/agent/channel", url.replacen("http", "ws", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws).await.unwrap();
    ws.send(Message::text(json!({ "op": "hello", "token": token }).to_string()))
        .await
        .unwrap();
    Channel { ws }
}

#[tokio::test]
async fn sigkill_mid_engagement_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (port, demo_port) = (free_port(), free_port());
    let http = reqwest::Client::new();
    let mut server = start(dir.path(), port, demo_port).await;
    let url = server.url.clone();

    let admin = sign_in(&http, &url, "admin@example.com", "callbar-admin").await;
    let api: Value = http
        .post(format!("{url}/api/v1/api-tokens"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "crash test" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = api["token"].as_str().unwrap().to_owned();
    let agent = sign_in(&http, &url, "ada@example.com", "callbar-demo").await;
    let mut ch = channel(&url, &agent).await;
    ch.until(|op| op["op"] == "welcome").await;
    ch.send(json!({ "op": "set-status", "code": "1" })).await;
    ch.until(|op| op["op"] == "status" && op["status"]["statusCode"] == "1")
        .await;

    let create = |subject: &'static str, target: Option<&'static str>| {
        let mut body = json!({ "queue": "Back Office", "subject": subject });
        if let Some(t) = target {
            body["targetAgent"] = json!(t);
        }
        http.post(format!("{url}/api/v1/engagements"))
            .bearer_auth(&api)
            .json(&body)
            .send()
    };
    let live: Value = create("Live when the server dies", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let live = live["engagementId"].as_str().unwrap().to_owned();
    ch.until(|op| op["op"] == "engagements" && op["engagements"][0]["state"] == "ringing")
        .await;
    ch.send(json!({ "op": "accept", "engagementId": live })).await;
    ch.send(json!({ "op": "add-note", "engagementId": live, "note": "before the crash" }))
        .await;
    ch.until(|op| op["op"] == "engagements" && op["engagements"][0]["notes"][0] == "before the crash")
        .await;
    // Grace is offline: this one waits in the queue for her.
    let queued: Value = create("Queued when the server dies", Some("grace@example.com"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let queued = queued["engagementId"].as_str().unwrap().to_owned();
    assert_eq!(
        http.get(format!("{url}/api/v1/engagements/{queued}"))
            .bearer_auth(&api)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    drop(ch);

    let server = start(dir.path(), port, demo_port).await;
    let url = server.url.clone();
    let shown: Value = http
        .get(format!("{url}/api/v1/engagements/{queued}"))
        .bearer_auth(&api)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["state"]["state"], "queued", "{shown}");

    // The agent's session survived too; on reconnecting she gets her engagement back.
    let mut ch = channel(&url, &agent).await;
    let welcome = ch.until(|op| op["op"] == "welcome").await;
    assert_eq!(
        welcome["status"]["statusCode"], "3",
        "still Occupied with the live work item"
    );
    let list = ch.until(|op| op["op"] == "engagements").await;
    let e = &list["engagements"][0];
    assert_eq!(e["engagementId"], live.as_str());
    assert_eq!(e["state"], "connected");
    assert_eq!(e["notes"], json!(["before the crash"]));

    ch.send(json!({ "op": "add-note", "engagementId": live, "note": "after the restart" }))
        .await;
    for op in ["end", "close-wrap-up"] {
        ch.send(json!({ "op": op, "engagementId": live })).await;
    }
    let deliver = ch.until(|op| op["op"] == "deliver").await;
    let notes: Vec<&str> = deliver["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "zcc-add-note")
        .map(|m| m["data"]["comment"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["before the crash", "after the restart"]);
    ch.send(json!({ "op": "delivered", "outboxId": deliver["outboxId"] }))
        .await;
    ch.until(|op| op["op"] == "engagements" && op["engagements"] == json!([]))
        .await;
}
