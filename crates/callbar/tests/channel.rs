//! The agent channel: authentication, status, host messages, sign-out and expiry.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn welcome_then_agent_info_then_status() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    let welcome = ch.next().await.unwrap();
    assert_eq!(welcome["op"], "welcome");
    assert_eq!(welcome["agent"]["email"], "ada@example.com");
    assert_eq!(welcome["reasons"][1], json!({ "code": "21", "name": "Lunch" }));
    let info = ch.next_post().await;
    assert_eq!(info["type"], "zcc-agent-info-response");
    assert_eq!(info["data"]["extension"], "1001");
    assert_eq!(info["data"]["statusCode"], "30");
    let status = ch.next_post().await;
    assert_eq!(
        status,
        json!({ "type": "zcc-agent-status-notification", "data": { "statusCode": "30", "status": "Offline" } })
    );
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let s = TestServer::start().await;
    let mut ch = s.channel("cb_not-a-token").await;
    let closed = ch.next().await.unwrap();
    assert_eq!(closed["op"], "closed");
    assert_eq!(closed["reason"], "invalid-session");
    assert!(ch.next().await.is_none());
}

#[tokio::test]
async fn status_changes_persist_and_reach_every_window() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut a = s.channel(&token).await;
    let mut b = s.channel(&token).await;
    a.next_post().await;
    b.next_post().await;

    a.send(json!({ "op": "set-status", "code": "21" })).await;
    let lunch = json!({ "statusCode": "21", "parentStatusCode": "2", "status": "Not Ready", "subReason": "Lunch" });
    for ch in [&mut a, &mut b] {
        let op = ch.until(|op| op["op"] == "status").await;
        assert_eq!(op["status"], lunch);
        let post = ch
            .until(|op| {
                op["op"] == "post"
                    && op["message"]["type"] == "zcc-agent-status-notification"
                    && op["message"]["data"]["statusCode"] == "21"
            })
            .await;
        assert_eq!(post["message"]["data"], lunch);
    }

    // From the host, with a response.
    a.host(json!({ "type": "zcc-agent-status-set-request", "data": { "id": "1", "requestId": "r-1" } }))
        .await;
    let response = a
        .until(|op| op["op"] == "post" && op["message"]["type"] == "zcc-agent-status-set-response")
        .await;
    assert_eq!(
        response["message"]["data"],
        json!({ "status": true, "requestId": "r-1" })
    );

    // An unknown code changes nothing.
    a.host(json!({ "type": "zcc-agent-status-set-request", "data": { "id": "99", "requestId": "r-2" } }))
        .await;
    let response = a
        .until(|op| op["op"] == "post" && op["message"]["type"] == "zcc-agent-status-set-response")
        .await;
    assert_eq!(response["message"]["data"]["status"], false);
    assert!(
        response["message"]["data"]["message"]
            .as_str()
            .unwrap()
            .contains("\"21\" (Lunch)")
    );

    // Persisted: a new channel (a reload) starts Ready.
    drop(a);
    let mut c = s.channel(&token).await;
    let welcome = c.next().await.unwrap();
    assert_eq!(welcome["status"], json!({ "statusCode": "1", "status": "Ready" }));
}

#[tokio::test]
async fn host_messages_are_parsed_on_the_server() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    ch.next_post().await;
    ch.next_post().await;

    ch.host(json!({ "type": "zcc-agent-info-request", "data": { "requestId": 42 } }))
        .await;
    let info = ch.next_post().await;
    assert_eq!(info["data"]["requestId"], 42);

    ch.host(json!({ "type": "zcc-send-dtmf", "data": { "engagementId": "e1", "digits": "9x", "requestId": "d" } }))
        .await;
    let err = ch.next_post().await;
    assert_eq!(err["type"], "zcc-error");
    assert_eq!(err["data"]["code"], "invalid-input");
    assert_eq!(err["data"]["requestId"], "d");

    ch.host(json!({ "type": "zcc-accept-engagement", "data": { "engagementId": "someone-elses", "requestId": "a" } }))
        .await;
    let r = ch.next_post().await;
    assert_eq!(r["type"], "zcc-accept-engagement-response");
    assert_eq!(r["data"]["status"], false);
    assert_eq!(r["data"]["errorCode"], "engagement-not-found");

    ch.host(json!({ "type": "onclicktoact", "data": {} })).await;
    let r = ch.next_post().await;
    assert_eq!(
        r["data"],
        json!({ "code": "no-phone", "message": "Phone number is required" })
    );

    // The host's answer to a contact search comes back validated, for display.
    ch.host(
        json!({ "type": "zcc-contact-search-response", "data": { "id": 7, "name": "<img src=x onerror=alert(1)>" } }),
    )
    .await;
    let r = ch.next().await.unwrap();
    assert_eq!(r["op"], "contact-search-result");
    assert_eq!(r["matches"][0]["id"], "7");
    assert_eq!(
        r["matches"][0]["name"], "<img src=x onerror=alert(1)>",
        "kept as text; the embed renders text"
    );

    // Not a protocol message: nothing comes back, the channel stays usable.
    ch.host(json!({ "type": "pageView" })).await;
    ch.send(json!({ "op": "dance" })).await;
    let problem = ch.next().await.unwrap();
    assert_eq!(problem["op"], "problem");
    ch.host(json!({ "type": "zcc-engagement-status-request", "data": { "requestId": "s" } }))
        .await;
    let r = ch.next_post().await;
    assert_eq!(
        r,
        json!({ "type": "zcc-engagement-status-response", "data": { "requestId": "s", "active": [], "wrapup": [] } })
    );
}

#[tokio::test]
async fn sign_out_closes_the_channels_of_that_session() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let other = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    let mut elsewhere = s.channel(&other).await;
    ch.next().await;
    elsewhere.next().await;
    ch.send(json!({ "op": "set-status", "code": "1" })).await;
    for c in [&mut ch, &mut elsewhere] {
        let op = c.until(|op| op["op"] == "status").await;
        assert_eq!(op["status"]["statusCode"], "1");
    }
    s.http
        .delete(format!("{}/api/v1/sessions/current", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let offline = ch
        .until(|op| {
            op["op"] == "post"
                && op["message"]["type"] == "zcc-agent-status-notification"
                && op["message"]["data"]["statusCode"] != "1"
        })
        .await;
    assert_eq!(
        offline["message"]["data"]["status"], "Offline",
        "the host hears the agent went offline"
    );
    let closed = ch.until(|op| op["op"] == "closed").await;
    assert_eq!(closed["reason"], "signed-out");
    assert!(ch.next().await.is_none());
    let op = elsewhere.until(|op| op["op"] == "status").await;
    assert_eq!(
        op["status"]["statusCode"], "30",
        "the other window hears the agent went Offline"
    );
    elsewhere.send(json!({ "op": "set-status", "code": "1" })).await;
    let op = elsewhere.until(|op| op["op"] == "status").await;
    assert_eq!(op["status"]["statusCode"], "1", "the other session still works");
}

#[tokio::test]
async fn expired_sessions_end_the_channel() {
    let s = TestServer::start_with(|c| c.session_ttl_secs = 2).await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    let closed = ch.until(|op| op["op"] == "closed").await;
    assert_eq!(closed["reason"], "expired");
    let mut again = s.channel(&token).await;
    let closed = again.next().await.unwrap();
    assert_eq!(closed["reason"], "expired");
}

#[tokio::test]
async fn shutdown_tells_channels_to_reconnect() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    ch.next().await;
    let TestServer { running, .. } = s;
    let stop = tokio::spawn(running.stop());
    let closed = ch.until(|op| op["op"] == "closed").await;
    assert_eq!(closed["reason"], "shutting-down");
    stop.await.unwrap();
}
