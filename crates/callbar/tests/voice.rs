//! Voice through the server with real WebRTC on both sides (the media crate's str0m client
//! plays the browsers): a website caller (440 Hz) and an agent (1000 Hz) hear each other;
//! hold, mute, DTMF and recording work from the embed and from the host; the host receives
//! Zoom's sequence; a caller who leaves ends the call into wrap-up.

mod common;

use std::time::Duration;

use callbar_media::analysis::{band_energy_ratio, peak_frequency};
use callbar_media::client::{Client, ClientConfig};
use common::{Channel, TestServer};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A website visitor: the widget's channel plus a WebRTC client sending 440 Hz.
struct Caller {
    ws: Socket,
    media: Client,
    engagement: String,
}

impl Caller {
    async fn call(s: &TestServer, name: &str, phone: &str) -> Caller {
        let entry = website_entry_point(s).await;
        let mut request = format!("{}/api/v1/widget/channel", s.url.replacen("http", "ws", 1))
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("origin", "http://127.0.0.1:3".parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let (offer, pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
        let call = json!({ "op": "call", "entryPoint": entry, "name": name, "phone": phone, "sdp": offer });
        ws.send(Message::text(call.to_string())).await.unwrap();
        let answer = next(&mut ws).await;
        assert_eq!(answer["op"], "answer", "{answer}");
        let media = pending.accept_answer(answer["sdp"].as_str().unwrap()).unwrap();
        assert!(
            media.wait_connected(Duration::from_secs(5)).await,
            "the caller's audio connects"
        );
        Caller {
            ws,
            media,
            engagement: answer["engagementId"].as_str().unwrap().to_owned(),
        }
    }

    /// Waits for a phase.
    async fn phase(&mut self, phase: &str) -> Value {
        loop {
            let op = next(&mut self.ws).await;
            if op["op"] == "phase" && op["phase"] == phase {
                return op;
            }
        }
    }
}

async fn next(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn website_entry_point(s: &TestServer) -> String {
    let admin = s.admin().await;
    let r: Value = s.get_json("/api/v1/entry-points", &admin).await;
    r["entryPoints"][0]["id"].as_str().unwrap().to_owned()
}

async fn ready_agent(s: &TestServer) -> Channel {
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    ch.until(|op| op["op"] == "welcome").await;
    ch.host(json!({ "type": "zcc-init-config-response", "data": { "phone": { "screenPopEvent": "RINGING" } } }))
        .await;
    ch.send(json!({ "op": "set-status", "code": "1" })).await;
    ch.until(|op| op["op"] == "status" && op["status"]["statusCode"] == "1")
        .await;
    ch
}

fn post_of(op: &Value, ty: &str) -> bool {
    op["op"] == "post" && op["message"]["type"] == ty
}

/// Accepts the ringing call and brings up the agent's audio (1000 Hz). Returns the audio
/// and the `zcc-call-connected` the host received.
async fn answer(ch: &mut Channel, engagement: &str) -> (Client, Value) {
    ch.send(json!({ "op": "accept", "engagementId": engagement })).await;
    // The embed is asked for its audio at once; the host hears of the accept too.
    let (mut connected, mut start) = (None, false);
    while connected.is_none() || !start {
        let op = ch.next().await.expect("the channel stays open");
        if post_of(&op, "zcc-call-connected") {
            connected = Some(op);
        } else if op["op"] == "start-media" && op["engagementId"] == engagement {
            start = true;
        }
    }
    let connected = connected.expect("seen");
    let (offer, pending) = Client::offer(ClientConfig::tone(1000.0)).unwrap();
    ch.send(json!({ "op": "media-offer", "engagementId": engagement, "sdp": offer }))
        .await;
    let answer = ch.until(|op| op["op"] == "media-answer" || op["op"] == "problem").await;
    assert_eq!(answer["op"], "media-answer", "{answer}");
    let media = pending.accept_answer(answer["sdp"].as_str().unwrap()).unwrap();
    assert!(media.wait_connected(Duration::from_secs(5)).await);
    (media, connected)
}

/// What arrived during the next `secs` seconds.
async fn listen(client: &Client, secs: f64) -> Vec<i16> {
    client.take_received();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    client.take_received()
}

#[tokio::test]
async fn a_website_caller_and_an_agent_talk_and_the_host_sees_zooms_sequence() {
    let s = TestServer::start().await;
    let mut ch = ready_agent(&s).await;
    let mut caller = Caller::call(&s, "Pat Doe", "+16505550123").await;
    let e = caller.engagement.clone();

    // Ringing at the agent: zcc-call-ringing, the number lookup, the automatic pop.
    let ringing = ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    let data = &ringing["message"]["data"];
    assert_eq!(
        (
            data["engagementId"].as_str(),
            data["channel"].as_str(),
            data["from"].as_str()
        ),
        (Some(e.as_str()), Some("voice"), Some("+16505550123"))
    );
    assert_eq!(data["isTransfer"], false);
    let ask = ch.until(|op| post_of(op, "zcc-incomingPhone-request")).await;
    assert_eq!(
        ask["message"]["data"],
        json!({ "incomingPhoneNumber": "+16505550123", "engagementId": e, "channel": "voice" })
    );
    caller.phase("ringing").await;
    ch.host(json!({ "type": "zcc-incomingPhone-response", "data": [{ "id": "C-7", "name": "Pat Doe", "phone": "+16505550123", "entity": "contact" }] })).await;
    let pop = ch.until(|op| post_of(op, "zcc-screen-pop")).await;
    assert_eq!(pop["message"]["data"]["id"], "+16505550123");
    // The caller hears ringback while waiting.
    let waiting = listen(&caller.media, 1.0).await;
    assert!(
        band_energy_ratio(&waiting, 8000, 460.0, 30.0) > 0.5,
        "ringback (440 + 480 Hz)"
    );

    let (agent, connected) = answer(&mut ch, &e).await;
    assert_eq!(connected["message"]["data"]["direction"], "inbound");
    assert!(connected["message"]["data"]["acceptTs"].as_i64().unwrap() > 0);
    let phase = caller.phase("connected").await;
    assert_eq!(phase["agentName"], "Ada Lovelace");
    ch.until(|op| op["op"] == "engagements" && op["engagements"][0]["call"]["connected"] == true)
        .await;

    // The server timed its own share of the set-up, once, without the second the call rang.
    let metrics = s.http.get(format!("{}/metrics", s.url)).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("callbar_call_setup_seconds_count 1\n"), "{metrics}");
    for stage in ["offer", "accept", "media"] {
        let count = format!("callbar_call_setup_stage_seconds_count{{stage=\"{stage}\"}} 1\n");
        assert!(metrics.contains(&count), "{count} in {metrics}");
    }
    let sum: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("callbar_call_setup_seconds_sum "))
        .and_then(|v| v.parse().ok())
        .expect("the set-up's sum");
    assert!(sum > 0.0 && sum < 0.5, "the server's share: {sum} s");

    // Two-way audio, each side the other's tone within ±5 Hz, nothing lost.
    let heard_by_agent = listen(&agent, 1.5).await;
    let heard_by_caller = listen(&caller.media, 1.5).await;
    let (a, c) = (
        peak_frequency(&heard_by_agent, 8000, 200.0, 2000.0),
        peak_frequency(&heard_by_caller, 8000, 200.0, 2000.0),
    );
    assert!((a - 440.0).abs() <= 5.0, "the agent hears {a} Hz");
    assert!((c - 1000.0).abs() <= 5.0, "the caller hears {c} Hz");
    assert_eq!(agent.stats().media.lost, 0);
    assert_eq!(caller.media.stats().media.lost, 0);

    // Hold from the host: the caller no longer hears 1000 Hz (but the hold tone); resume.
    ch.host(json!({ "type": "zcc-set-hold", "data": { "engagementId": e, "hold": true, "requestId": "h1" } }))
        .await;
    let held = ch.until(|op| post_of(op, "zcc-set-hold-response")).await;
    assert_eq!(held["message"]["data"]["holdState"], "held");
    caller.phase("held").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let on_hold = listen(&caller.media, 1.0).await;
    assert!(
        band_energy_ratio(&on_hold, 8000, 1000.0, 20.0) < 0.02,
        "no agent audio on hold"
    );
    ch.send(json!({ "op": "set-hold", "engagementId": e, "hold": false }))
        .await;
    caller.phase("connected").await;
    let resumed = listen(&caller.media, 1.0).await;
    assert!(band_energy_ratio(&resumed, 8000, 1000.0, 20.0) > 0.8, "resumed");

    // Mute from the embed: the caller loses the agent, the agent still hears the caller.
    ch.send(json!({ "op": "set-mute", "engagementId": e, "mute": true }))
        .await;
    ch.until(|op| op["op"] == "engagements" && op["engagements"][0]["call"]["muted"] == true)
        .await;
    // A frame the call forwarded just before the mute (calls forward on a 20 ms media clock)
    // may still be on its way to the caller's client: let it land before listening.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let muted = listen(&caller.media, 1.0).await;
    let still = listen(&agent, 1.0).await;
    assert!(band_energy_ratio(&muted, 8000, 1000.0, 20.0) < 0.02, "muted");
    assert!(
        band_energy_ratio(&still, 8000, 440.0, 20.0) > 0.8,
        "the agent still hears"
    );
    ch.host(json!({ "type": "zcc-set-mute", "data": { "engagementId": e, "mute": false, "requestId": "m" } }))
        .await;
    let unmuted = ch.until(|op| post_of(op, "zcc-set-mute-response")).await;
    assert_eq!(unmuted["message"]["data"]["muted"], false);

    // DTMF from the agent's keypad (in-band RFC 4733) and from the host, in order.
    agent.send_dtmf("12").unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    ch.host(json!({ "type": "zcc-send-dtmf", "data": { "engagementId": e, "digits": "#9", "requestId": "d" } }))
        .await;
    let sent = ch.until(|op| post_of(op, "zcc-send-dtmf-response")).await;
    assert_eq!(sent["message"]["data"]["status"], true);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let digits: String = caller.media.dtmf_received().iter().map(|d| d.digit).collect();
    assert_eq!(digits, "12#9", "RFC 4733 events at the caller, in order");

    // A card number is read out: the recording pauses (silence, not missing time), resumes.
    ch.host(json!({ "type": "zcc-set-recording", "data": { "engagementId": e, "action": "pause", "requestId": "p" } }))
        .await;
    let paused = ch.until(|op| post_of(op, "zcc-set-recording-response")).await;
    assert_eq!(paused["message"]["data"]["recordingState"], "paused");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    ch.send(json!({ "op": "set-recording", "engagementId": e, "action": "resume" }))
        .await;
    ch.until(|op| op["op"] == "engagements" && op["engagements"][0]["call"]["recording"] == "recording")
        .await;
    // The demo voice queue records every call: stopping is not allowed (pausing is).
    ch.host(json!({ "type": "zcc-set-recording", "data": { "engagementId": e, "action": "stop", "requestId": "s" } }))
        .await;
    let refused = ch.until(|op| post_of(op, "zcc-set-recording-response")).await;
    assert_eq!(refused["message"]["data"]["status"], false);
    assert_eq!(refused["message"]["data"]["errorCode"], "not-allowed");
    tokio::time::sleep(Duration::from_millis(1000)).await;

    // Hang up, wrap up: the call log carries the contact and the recording follows it.
    ch.send(json!({ "op": "end", "engagementId": e })).await;
    let ended = ch.until(|op| post_of(op, "zcc-call-ended")).await;
    assert_eq!(ended["message"]["data"]["engagementId"], e.as_str());
    caller.phase("ended").await;
    ch.send(json!({ "op": "close-wrap-up", "engagementId": e })).await;
    let deliver = ch.until(|op| op["op"] == "deliver").await;
    let messages = deliver["messages"].as_array().unwrap();
    let types: Vec<&str> = messages.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["zcc-end-post-engagement", "zcc-phone-call-log", "zcc-call-recording"]
    );
    let log = &messages[1]["data"];
    assert_eq!(log["objectRecord"]["type"], "phone");
    assert_eq!(log["objectRecord"]["callType"], "inbound");
    assert_eq!(log["objectRecord"]["from"], "+16505550123");
    assert_eq!(log["objectRecord"]["agentExtension"], log["objectRecord"]["to"]);
    assert_eq!(log["user"]["id"], "C-7");
    let url = messages[2]["data"]["recordingUrl"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:1/api/v1/recordings/") && url.contains("sig="),
        "{url}"
    );
    // (The test server's public URL is a placeholder; fetch from where it really listens.)
    let url = url.replace("http://127.0.0.1:1", &s.url);

    // The signed link works without signing in; a forged one does not.
    let wav = s.http.get(&url).send().await.unwrap();
    assert_eq!(wav.status(), 200);
    assert_eq!(wav.headers()["content-type"], "audio/wav");
    let bytes = wav.bytes().await.unwrap();
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(reader.spec().channels, 2, "customer left, agent right");
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    assert!(
        (peak_frequency(&left, 8000, 200.0, 2000.0) - 440.0).abs() <= 5.0,
        "the caller on the left"
    );
    // Between resume and hang-up (1 s): the agent's tone, so resume really restored recording.
    let after_resume = &right[right.len().saturating_sub(7000)..right.len().saturating_sub(1000)];
    assert!(
        band_energy_ratio(after_resume, 8000, 1000.0, 20.0) > 0.5,
        "the agent on the right"
    );
    // The paused stretch: about 1.2 s of silence on both channels, inside the timeline.
    let silent = |c: &[i16]| {
        c.chunks(80)
            .map(|w| w.iter().all(|x| x.unsigned_abs() < 200))
            .collect::<Vec<bool>>()
    };
    let (l, r) = (silent(&left), silent(&right));
    let both: Vec<bool> = l.iter().zip(&r).map(|(a, b)| *a && *b).collect();
    let longest = both.split(|quiet| !quiet).map(<[bool]>::len).max().unwrap_or(0) as f64 * 0.01;
    assert!(
        (1.0..=1.6).contains(&longest),
        "a {longest:.2} s silence where it was paused"
    );
    let forged = url.replace("sig=", "sig=00");
    assert_eq!(s.http.get(&forged).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_caller_who_leaves_mid_call_sends_the_agent_to_wrap_up() {
    let s = TestServer::start().await;
    let mut ch = ready_agent(&s).await;
    let mut caller = Caller::call(&s, "", "").await;
    let e = caller.engagement.clone();
    ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    let _agent = answer(&mut ch, &e).await;
    caller.phase("connected").await;
    caller.media.vanish(); // the tab is closed: no goodbye
    drop(caller.ws);
    let ended = ch.until(|op| post_of(op, "zcc-call-ended")).await;
    assert_eq!(ended["message"]["data"]["engagementId"], e.as_str());
    let view = ch
        .until(|op| op["op"] == "engagements" && op["engagements"][0]["state"] == "wrapup")
        .await;
    assert_eq!(view["engagements"][0]["engagementId"], e.as_str());
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_ringing_is_customer_hangup() {
    let s = TestServer::start().await;
    let mut ch = ready_agent(&s).await;
    let mut caller = Caller::call(&s, "", "+15550001111").await;
    ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    caller
        .ws
        .send(Message::text(json!({ "op": "hang-up" }).to_string()))
        .await
        .unwrap();
    let not = ch.until(|op| post_of(op, "zcc-inbound-not-connected")).await;
    assert_eq!(
        not["message"]["data"],
        json!({ "reasonCode": "customer-hangup", "message": "Consumer hung up.", "engagementId": caller.engagement })
    );
}

#[tokio::test]
async fn a_missed_call_and_a_rejected_call_say_why() {
    let s = TestServer::start().await;
    // Offers ring for two seconds on the voice queue.
    let admin = s.admin().await;
    let voice = voice_queue(&s, &admin).await;
    let r = s
        .http
        .patch(format!("{}/api/v1/queues/{voice}/routing", s.url))
        .bearer_auth(&admin)
        .json(&json!({ "ringTimeoutMs": 2000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut ch = ready_agent(&s).await;
    let caller = Caller::call(&s, "", "+15550002222").await;
    ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    let missed = ch.until(|op| post_of(op, "zcc-inbound-not-connected")).await;
    assert_eq!(missed["message"]["data"]["reasonCode"], "missed");
    // It rings again (the only agent); this time she rejects.
    ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    ch.host(
        json!({ "type": "zcc-reject-engagement", "data": { "engagementId": caller.engagement, "requestId": "r" } }),
    )
    .await;
    let rejected = ch.until(|op| post_of(op, "zcc-inbound-not-connected")).await;
    assert_eq!(rejected["message"]["data"]["reasonCode"], "agent-rejected");
}

#[tokio::test]
async fn with_a_turn_relay_the_agent_gets_short_lived_credentials() {
    let s = TestServer::start_with(|c| {
        c.turn.urls = vec!["turn:127.0.0.1:3478?transport=udp".into()];
        c.turn.secret = Some("a-long-shared-secret".into());
    })
    .await;
    let mut ch = ready_agent(&s).await;
    let caller = Caller::call(&s, "", "").await;
    let e = caller.engagement.clone();
    ch.until(|op| post_of(op, "zcc-call-ringing")).await;
    ch.send(json!({ "op": "accept", "engagementId": e })).await;
    let start = ch.until(|op| op["op"] == "start-media").await;
    let servers = start["iceServers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0]["urls"], json!(["turn:127.0.0.1:3478?transport=udp"]));
    // `<expiry>:<user id>`, valid for about 12 hours, and a credential for exactly that name.
    let username = servers[0]["username"].as_str().unwrap();
    let (expiry, user) = username.split_once(':').unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let lifetime = expiry.parse::<u64>().unwrap() - now;
    assert!((12 * 3600 - 60..=12 * 3600).contains(&lifetime), "{lifetime}");
    let me: Value = s
        .http
        .get(format!("{}/api/v1/me", s.url))
        .bearer_auth(s.sign_in("ada@example.com", "callbar-demo").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        user,
        me["user"]["id"].as_str().unwrap_or(me["id"].as_str().unwrap_or("?"))
    );
    assert_eq!(
        servers[0]["credential"].as_str().unwrap().len(),
        28,
        "base64 of a SHA-1 HMAC"
    );
}

#[tokio::test]
async fn a_queue_names_its_outbound_trunk_and_only_a_configured_one() {
    let s = TestServer::start_with(|c| {
        for (name, port) in [("carrier", 5070), ("backup", 5072)] {
            c.sip.trunks.push(callbar_sip::TrunkConfig {
                name: name.into(),
                address: format!("127.0.0.1:{port}"),
                transport: Default::default(),
                username: None,
                password: None,
                register: false,
                allowed_sources: vec![],
            });
        }
    })
    .await;
    let admin = s.admin().await;
    let voice = voice_queue(&s, &admin).await;
    let routing = format!("{}/api/v1/queues/{voice}/routing", s.url);
    let patch = |body: Value| s.http.patch(&routing).bearer_auth(&admin).json(&body).send();

    let r = patch(json!({ "outboundTrunk": "nowhere" })).await.unwrap();
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.unwrap();
    let message = error.to_string();
    assert!(
        message.contains("nowhere") && message.contains("carrier") && message.contains("backup"),
        "{message}"
    );

    let r = patch(json!({ "outboundTrunk": "backup" })).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["settings"]["outboundTrunk"], "backup");
    // Other settings leave it alone.
    let r = patch(json!({ "ringTimeoutMs": 2000 })).await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["settings"]["outboundTrunk"], "backup");
}

/// The id of the demo's voice queue.
async fn voice_queue(s: &TestServer, admin: &str) -> String {
    let queues: Value = s.get_json("/api/v1/queues", admin).await;
    queues["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["channel"] == "voice")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
