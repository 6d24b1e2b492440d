//! What a website caller does on the widget channel, shared by the examples that play one.

use std::time::Duration;

use callbar_media::client::{Client, ClientConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON message on a socket (at most 20 s away).
pub async fn next(ws: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).unwrap(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("the server went quiet: {other:?}"),
        }
    }
}

/// The next message `pick` accepts.
pub async fn until(ws: &mut Socket, pick: impl Fn(&Value) -> bool) -> Value {
    loop {
        let op = next(ws).await;
        if pick(&op) {
            return op;
        }
    }
}

/// A website visitor on a page of `origin` dials entry point `entry` of the server at `url`,
/// sending `tone` Hz. Returns the visitor's audio, the widget channel and the engagement id.
pub async fn dial(url: &str, origin: &str, entry: &str, caller: Value, tone: f32) -> (Client, Socket, String) {
    let mut request = format!("{}/api/v1/widget/channel", url.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().expect("an origin"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("widget channel");
    let (offer, pending) = Client::offer(ClientConfig::tone(tone)).unwrap();
    let mut call = json!({ "op": "call", "entryPoint": entry, "sdp": offer });
    if let (Some(call), Some(caller)) = (call.as_object_mut(), caller.as_object()) {
        call.extend(caller.clone());
    }
    ws.send(Message::text(call.to_string())).await.unwrap();
    let answer = until(&mut ws, |op| op["op"] == "answer" || op["op"] == "problem").await;
    let sdp = answer["sdp"]
        .as_str()
        .unwrap_or_else(|| panic!("not answered: {answer}"));
    let client = pending.accept_answer(sdp).unwrap();
    let engagement = answer["engagementId"].as_str().unwrap().to_owned();
    (client, ws, engagement)
}
