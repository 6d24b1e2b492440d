//! A website caller for browser tests: dials through the widget channel with the media
//! crate's WebRTC client, so a test can check what arrives at the customer's leg in a way a
//! browser does not expose (RFC 4733 events).
//!
//! ```text
//! widget_caller --url http://127.0.0.1:8080 --origin http://127.0.0.1:8082 --entry-point <id> \
//!     [--tone 440] [--name "Pat Doe"] [--phone +16505550123]
//! ```
//! Writes one JSON object per line to standard output:
//! `{"answer": "<engagement id>"}`, `{"phase": "waiting" | "ringing" | "connected" | …}`,
//! `{"dtmf": "<digit>"}` for every telephone-event that arrives, and, every second while
//! connected, `{"heard": <peak Hz>, "lost": <packets>}`, and `{"closed": true}` when the
//! server closes the channel. Ends when the call ends; closing standard input hangs up.

#[path = "support/widget.rs"]
mod widget;

use std::time::Duration;

use callbar_media::analysis::peak_frequency;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

struct Args {
    url: String,
    origin: String,
    entry_point: String,
    tone: f32,
    caller: Value,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        origin: String::new(),
        entry_point: String::new(),
        tone: 440.0,
        caller: json!({}),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => a.url = value,
            "--origin" => a.origin = value,
            "--entry-point" => a.entry_point = value,
            "--tone" => a.tone = value.parse().map_err(|_| "--tone is a frequency in Hz")?,
            "--name" | "--phone" | "--email" => {
                a.caller[&flag[2..]] = Value::String(value);
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if a.url.is_empty() || a.origin.is_empty() || a.entry_point.is_empty() {
        return Err("--url, --origin and --entry-point are required".into());
    }
    Ok(a)
}

fn say(line: Value) {
    println!("{line}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args().unwrap_or_else(|e| {
        eprintln!("widget_caller: {e}");
        std::process::exit(2);
    });
    let (client, mut ws, engagement) = widget::dial(&a.url, &a.origin, &a.entry_point, a.caller.clone(), a.tone).await;
    say(json!({ "answer": engagement }));
    let mut stdin = tokio::io::stdin();
    let mut scratch = [0u8; 64];
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let (mut digits_seen, mut connected, mut ticks, mut hung_up) = (0, false, 0u32, false);
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let op: Value = serde_json::from_str(&t).unwrap_or_default();
                    if op["op"] == "phase" {
                        say(json!({ "phase": op["phase"] }));
                        connected = op["phase"] == "connected";
                        if op["phase"] == "ended" {
                            break;
                        }
                        client.take_received();
                    }
                }
                Some(Ok(_)) => {}
                _ => {
                    say(json!({ "closed": true }));
                    break;
                }
            },
            n = stdin.read(&mut scratch), if !hung_up => {
                // Standard input closed: hang up, and report the call ending as it does.
                if matches!(n, Ok(0) | Err(_)) {
                    hung_up = true;
                    let _ = ws.send(Message::text(json!({ "op": "hang-up" }).to_string())).await;
                }
            }
            _ = tick.tick() => {
                let dtmf = client.dtmf_received();
                for d in &dtmf[digits_seen..] {
                    say(json!({ "dtmf": d.digit.to_string() }));
                }
                digits_seen = dtmf.len();
                ticks += 1;
                if connected && ticks.is_multiple_of(10) {
                    let heard = client.take_received();
                    let peak = peak_frequency(&heard, 8000, 200.0, 2000.0);
                    say(json!({ "heard": (peak * 10.0).round() / 10.0, "lost": client.stats().media.lost }));
                }
            }
        }
    }
    client.close();
}
