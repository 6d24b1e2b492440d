//! A real Callbar server in the test process, on loopback ports chosen by the OS.

#![allow(dead_code)]

use callbar::config::{Config, SignInLimits};
use callbar::server::{Running, start};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub struct TestServer {
    pub running: Running,
    pub url: String,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
}

pub fn config(dir: &std::path::Path) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        demo_listen: "127.0.0.1:0".into(),
        public_url: "http://127.0.0.1:1".into(),
        demo_public_url: "http://127.0.0.1:2".into(),
        demo_site_listen: "127.0.0.1:0".into(),
        demo_site_public_url: "http://127.0.0.1:3".into(),
        media_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        media_bind_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        media_ports: 41000..=41999,
        recording_retention_days: 90,
        widget_calls_per_address: 3,
        data_dir: dir.to_path_buf(),
        demo: true,
        log_filter: "warn".into(),
        log_json: false,
        session_ttl_secs: 3600,
        sign_in: SignInLimits {
            max_failures: 3,
            window_secs: 60,
            lockout_secs: 30,
        },
        turn: Default::default(),
        sip: callbar_sip::SipConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            public_addr: None,
            trunks: vec![],
        },
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        adjust(&mut c);
        let running = start(c).await.expect("server starts").running;
        let url = format!("http://{}", running.addrs[0]);
        TestServer {
            running,
            url,
            http: reqwest::Client::new(),
            dir,
        }
    }

    /// The server's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/sessions", self.url))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "sign-in of {email} failed");
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    /// `GET <path>` with `token`, as JSON (the status is not checked).
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn admin(&self) -> String {
        self.sign_in("admin@example.com", "callbar-admin").await
    }

    pub async fn channel(&self, token: &str) -> Channel {
        let ws_url = format!("{}/api/v1/agent/channel", self.url.replacen("http", "ws", 1));
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
        ws.send(Message::text(json!({ "op": "hello", "token": token }).to_string()))
            .await
            .unwrap();
        Channel { ws }
    }
}

pub struct Channel {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Channel {
    /// The next server op (skipping pings), or `None` when the socket closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(5), self.ws.next())
                .await
                .expect("the server answered within 5 s")?
                .ok()?;
            match msg {
                Message::Text(t) => return Some(serde_json::from_str(&t).unwrap()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Skips ops until one matches.
    pub async fn until(&mut self, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let op = self.next().await.expect("channel closed before the expected op");
            if pick(&op) {
                return op;
            }
        }
    }

    /// The next message posted to the host.
    pub async fn next_post(&mut self) -> Value {
        self.until(|op| op["op"] == "post").await["message"].clone()
    }

    pub async fn send(&mut self, op: Value) {
        self.ws.send(Message::text(op.to_string())).await.unwrap();
    }

    pub async fn host(&mut self, message: Value) {
        self.send(json!({ "op": "host", "message": message })).await;
    }
}
