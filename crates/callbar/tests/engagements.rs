//! Work items end to end through the server: created by a back-office system with an API
//! token, routed by the engine, offered on the agent channel, accepted, noted, given a
//! disposition, ended and wrapped up, with the host messages in Zoom's order and the call
//! log delivered exactly once. And bad input, which changes nothing.

mod common;

use common::{Channel, TestServer};
use serde_json::{Value, json};

async fn api_token(s: &TestServer) -> String {
    let admin = s.admin().await;
    let r = s
        .http
        .post(format!("{}/api/v1/api-tokens", s.url))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Order system" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("cbt_"));
    token
}

/// An agent's channel, signed in and Ready.
async fn ready_agent(s: &TestServer, email: &str) -> (Channel, String) {
    let token = s.sign_in(email, "callbar-demo").await;
    let mut ch = s.channel(&token).await;
    let welcome = ch.until(|op| op["op"] == "welcome").await;
    let id = welcome["agent"]["agentId"].as_str().unwrap().to_owned();
    ch.send(json!({ "op": "set-status", "code": "1" })).await;
    ch.until(|op| op["op"] == "status" && op["status"]["statusCode"] == "1")
        .await;
    (ch, id)
}

async fn create(s: &TestServer, token: &str, body: Value) -> reqwest::Response {
    s.http
        .post(format!("{}/api/v1/engagements", s.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn post_of<'a>(op: &'a Value, ty: &str) -> Option<&'a Value> {
    (op["op"] == "post" && op["message"]["type"] == ty).then(|| &op["message"]["data"])
}

#[tokio::test]
async fn a_work_item_from_the_api_is_worked_and_logged_once() {
    let s = TestServer::start().await;
    let token = api_token(&s).await;
    let (mut ch, ada) = ready_agent(&s, "ada@example.com").await;

    let r = create(
        &s,
        &token,
        json!({ "queue": "Back Office", "subject": "Refund order 42", "priority": 5,
                "customer": { "name": "Pat Doe", "email": "pat@example.com" },
                "variables": { "orderId": "42" } }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["state"], "offered");
    assert_eq!(created["offeredTo"], ada.as_str());
    let id = created["engagementId"].as_str().unwrap().to_owned();

    let ringing = ch.until(|op| post_of(op, "zcc-work-item-ringing").is_some()).await;
    let ringing = &ringing["message"]["data"];
    assert_eq!(ringing["engagementId"], id.as_str());
    assert_eq!(ringing["subject"], "Refund order 42");
    assert_eq!(ringing["customerEmail"], "pat@example.com");
    let list = ch.until(|op| op["op"] == "engagements").await;
    assert_eq!(list["engagements"][0]["state"], "ringing");
    assert!(list["engagements"][0]["offerExpiresAt"].as_i64().unwrap() > 0);

    // Why Ada? The API says.
    let shown: Value = s.get_json(&format!("/api/v1/engagements/{id}"), &token).await;
    assert_eq!(shown["offerReason"]["strategy"], "longestIdle");
    assert!(shown["offerReason"]["capacityLeftOnChannel"].is_number(), "{shown}");

    ch.send(json!({ "op": "accept", "engagementId": id })).await;
    ch.until(|op| post_of(op, "zcc-work-item-started").is_some()).await;
    let occupied = ch
        .until(|op| post_of(op, "zcc-agent-status-notification").is_some())
        .await;
    assert_eq!(
        occupied["message"]["data"]["statusCode"], "3",
        "Occupied while the work item is live"
    );

    // A back-office system adds a variable while the agent works.
    let r = s
        .http
        .post(format!("{}/api/v1/engagements/{id}/variables", s.url))
        .bearer_auth(&token)
        .json(&json!({ "name": "refundAmount", "value": "19.90" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The host reads state and variables.
    ch.host(json!({ "type": "zcc-engagement-status-request", "data": { "requestId": "st" } }))
        .await;
    let status = ch
        .until(|op| post_of(op, "zcc-engagement-status-response").is_some())
        .await;
    assert_eq!(status["message"]["data"]["active"][0]["state"], "connected");
    ch.host(json!({ "type": "zcc-get-variables", "data": { "engagementId": id, "requestId": "v" } }))
        .await;
    let vars = ch.until(|op| post_of(op, "zcc-get-variables-response").is_some()).await;
    let names: Vec<&str> = vars["message"]["data"]["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["globalVariableName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Consumer.email") && names.contains(&"orderId"),
        "{names:?}"
    );

    ch.send(json!({ "op": "add-note", "engagementId": id, "note": "Refund approved" }))
        .await;
    ch.send(json!({ "op": "add-note", "engagementId": id, "note": "Customer notified" }))
        .await;
    ch.send(json!({ "op": "end", "engagementId": id })).await;
    let ended = ch.until(|op| post_of(op, "zcc-work-item-ended").is_some()).await;
    assert_eq!(ended["message"]["data"]["engagementId"], id.as_str());

    // The host picks the disposition and closes wrap-up.
    ch.host(json!({ "type": "zcc-get-disposition-codes", "data": { "engagementId": id, "requestId": "d" } }))
        .await;
    let codes = ch
        .until(|op| post_of(op, "zcc-get-disposition-codes-response").is_some())
        .await;
    let resolved = codes["message"]["data"]["dispositions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Resolved")
        .unwrap()["dispositionId"]
        .clone();
    ch.host(json!({ "type": "zcc-set-engagement-disposition",
        "data": { "engagementId": id, "dispositionId": resolved, "channelType": "work_item", "requestId": "sd" } }))
        .await;
    let set = ch
        .until(|op| post_of(op, "zcc-set-engagement-disposition-response").is_some())
        .await;
    assert_eq!(set["message"]["data"]["status"], true);
    ch.host(json!({ "type": "zcc-close-engagement-wrapup", "data": { "engagementId": id, "requestId": "cw" } }))
        .await;
    let closed = ch
        .until(|op| post_of(op, "zcc-close-engagement-wrapup-response").is_some())
        .await;
    assert_eq!(
        closed["message"]["data"],
        json!({ "status": true, "requestId": "cw", "engagementId": id })
    );

    let deliver = ch.until(|op| op["op"] == "deliver").await;
    let types: Vec<&str> = deliver["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "zcc-add-note",
            "zcc-add-note",
            "zcc-end-post-engagement",
            "zcc-phone-call-log"
        ],
        "Zoom's order"
    );
    let m = deliver["messages"].as_array().unwrap();
    assert_eq!(m[0]["data"]["comment"], "Refund approved");
    assert_eq!(
        m[2]["data"],
        json!({ "engagementId": id, "dispositionCode": "Resolved", "name": "Resolved" })
    );
    let record = &m[3]["data"]["objectRecord"];
    assert_eq!(record["type"], "work_item");
    assert_eq!(record["callType"], "inbound");
    assert_eq!(record["callQueue"], "Back Office");
    assert_eq!(record["agentName"], "Ada Lovelace");
    assert_eq!(record["agentExtension"], "1001");
    assert_eq!(record["dispositionCode"], "Resolved");
    assert_eq!(record["notes"], json!(["Refund approved", "Customer notified"]));
    assert!(record["callStartTime"].as_str().unwrap().ends_with('Z'));
    assert!(record["callDuration"].as_str().unwrap().contains(':'));
    assert_eq!(m[3]["data"]["engagementId"], id.as_str());

    // Confirmed once: a new channel does not get it again.
    ch.send(json!({ "op": "delivered", "outboxId": deliver["outboxId"] }))
        .await;
    let after_ack = ch
        .until(|op| op["op"] == "engagements" && op["engagements"] == json!([]))
        .await;
    assert_eq!(after_ack["engagements"], json!([]));
    drop(ch);
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut again = s.channel(&token).await;
    again.until(|op| op["op"] == "queue-stats").await;
    again.send(json!({ "op": "set-status", "code": "21" })).await;
    let next = again.until(|op| op["op"] == "status" || op["op"] == "deliver").await;
    assert_eq!(next["op"], "status", "nothing is delivered twice");
}

#[tokio::test]
async fn an_unconfirmed_call_log_is_delivered_again_on_reconnect() {
    let s = TestServer::start().await;
    let token = api_token(&s).await;
    let (mut ch, _) = ready_agent(&s, "ada@example.com").await;
    let r = create(
        &s,
        &token,
        json!({ "queue": "Back Office", "subject": "Check invoice" }),
    )
    .await;
    let id = r.json::<Value>().await.unwrap()["engagementId"]
        .as_str()
        .unwrap()
        .to_owned();
    ch.until(|op| post_of(op, "zcc-work-item-ringing").is_some()).await;
    for op in ["accept", "end", "close-wrap-up"] {
        ch.send(json!({ "op": op, "engagementId": id })).await;
    }
    let first = ch.until(|op| op["op"] == "deliver").await;
    drop(ch); // no `delivered`
    let session = s.sign_in("ada@example.com", "callbar-demo").await;
    let mut again = s.channel(&session).await;
    let second = again.until(|op| op["op"] == "deliver").await;
    assert_eq!(second["outboxId"], first["outboxId"]);
    assert_eq!(second["messages"], first["messages"]);
}

#[tokio::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let s = TestServer::start().await;
    let token = api_token(&s).await;
    let (mut ada, _) = ready_agent(&s, "ada@example.com").await;
    let (mut grace, _) = ready_agent(&s, "grace@example.com").await;

    for (body, says) in [
        (json!({ "queue": "Nowhere", "subject": "x" }), "no queue"),
        (json!({ "queue": "Back Office" }), "subject"),
        (json!({ "queue": "Back Office", "subject": 5 }), "subject"),
        (
            json!({ "queue": "Back Office", "subject": "x", "priority": "high" }),
            "priority",
        ),
        (json!({ "queue": "Voice Support", "subject": "x" }), "not work items"),
        (
            json!({ "queue": "Back Office", "subject": "x", "channel": "voice" }),
            "voice",
        ),
        (
            json!({ "queue": "Back Office", "subject": "x", "variables": { "Consumer.email": "a@b.c" } }),
            "Consumer.",
        ),
        (
            json!({ "queue": "Back Office", "subject": "x", "targetAgent": "nobody@example.com" }),
            "no agent",
        ),
        (
            json!({ "queue": "Back Office", "subject": "x", "colour": "red" }),
            "colour",
        ),
    ] {
        let r = create(&s, &token, body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains(says), "{body}: {e}");
    }
    let r = create(&s, "cbt_not-a-token", json!({ "queue": "Back Office", "subject": "x" })).await;
    assert_eq!(r.status(), 401);
    let agent_session = s.sign_in("ada@example.com", "callbar-demo").await;
    let r = create(&s, &agent_session, json!({ "queue": "Back Office", "subject": "x" })).await;
    assert_eq!(r.status(), 403, "agents do not create work items through the API");

    let list: Value = s.get_json("/api/v1/engagements", &token).await;
    assert_eq!(list["engagements"], json!([]), "nothing was created");

    // Grace cannot act on Ada's engagement, from the embed or through her host.
    let r = create(
        &s,
        &token,
        json!({ "queue": "Back Office", "subject": "Ada's", "targetAgent": "ada@example.com" }),
    )
    .await;
    let id = r.json::<Value>().await.unwrap()["engagementId"]
        .as_str()
        .unwrap()
        .to_owned();
    ada.until(|op| post_of(op, "zcc-work-item-ringing").is_some()).await;
    grace.send(json!({ "op": "accept", "engagementId": id })).await;
    let problem = grace.until(|op| op["op"] == "problem").await;
    assert!(
        problem["message"].as_str().unwrap().contains("belongs to you"),
        "{problem}"
    );
    grace
        .host(json!({ "type": "zcc-accept-engagement", "data": { "engagementId": id, "requestId": "x" } }))
        .await;
    let refused = grace
        .until(|op| post_of(op, "zcc-accept-engagement-response").is_some())
        .await;
    assert_eq!(refused["message"]["data"]["errorCode"], "engagement-not-found");
    grace
        .host(json!({ "type": "zcc-get-variables", "data": { "engagementId": id, "requestId": "y" } }))
        .await;
    let refused = grace
        .until(|op| post_of(op, "zcc-get-variables-response").is_some())
        .await;
    assert_eq!(refused["message"]["data"]["status"], false);
    let shown: Value = s.get_json(&format!("/api/v1/engagements/{id}"), &token).await;
    assert_eq!(shown["state"]["state"], "offered");
    assert_eq!(shown["state"]["agent"], ada_id(&s).await);

    // A wrong disposition and a note too long are refused.
    ada.send(json!({ "op": "accept", "engagementId": id })).await;
    ada.until(|op| post_of(op, "zcc-work-item-started").is_some()).await;
    ada.send(json!({ "op": "set-disposition", "engagementId": id, "dispositionId": "nope" }))
        .await;
    let problem = ada.until(|op| op["op"] == "problem").await;
    assert!(problem["message"].as_str().unwrap().contains("nope"), "{problem}");
    ada.send(json!({ "op": "add-note", "engagementId": id, "note": "x".repeat(5000) }))
        .await;
    let problem = ada.until(|op| op["op"] == "problem").await;
    assert!(problem["message"].as_str().unwrap().contains("4000"), "{problem}");

    // Cancelling a live engagement is refused with its state.
    let r = s
        .http
        .post(format!("{}/api/v1/engagements/{id}/cancel", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}

async fn ada_id(s: &TestServer) -> String {
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let me: Value = s.get_json("/api/v1/me", &token).await;
    me["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn supervisors_see_queue_statistics_move() {
    let s = TestServer::start().await;
    let token = api_token(&s).await;
    s.http
        .post(format!("{}/api/v1/users", s.url))
        .bearer_auth(s.admin().await)
        .json(&json!({ "email": "sam@example.com", "name": "Sam", "role": "supervisor", "password": "callbar-demo" }))
        .send()
        .await
        .unwrap();
    let sup = s.sign_in("sam@example.com", "callbar-demo").await;
    let mut ch = s.channel(&sup).await;
    let first = ch.until(|op| op["op"] == "queue-stats").await;
    assert_eq!(
        first["queues"].as_array().unwrap().len(),
        5,
        "supervisors see every queue"
    );
    create(&s, &token, json!({ "queue": "Back Office", "subject": "Waiting" })).await;
    let started = std::time::Instant::now();
    let moved = ch
        .until(|op| {
            op["op"] == "queue-stats"
                && op["queues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|q| q["queueName"] == "Back Office" && q["waiting"] == 1)
        })
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "fresh within a second"
    );
    let q = moved["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queueName"] == "Back Office")
        .unwrap()
        .clone();
    assert_eq!(q["offline"], 2, "both demo agents are offline");
}

#[tokio::test]
async fn the_host_links_the_customer_and_the_screen_pops_follow_zoom() {
    let s = TestServer::start().await;
    let token = api_token(&s).await;
    let (mut ch, _) = ready_agent(&s, "ada@example.com").await;
    ch.host(json!({ "type": "zcc-init-config-response", "data": { "phone": { "screenPopEvent": "RINGING" } } }))
        .await;

    // One match: popped at once with the customer's email as id; linked into the call log.
    let r = create(
        &s,
        &token,
        json!({ "queue": "Back Office", "subject": "One match", "customer": { "email": "pat@example.com" } }),
    )
    .await;
    let one = r.json::<Value>().await.unwrap()["engagementId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = ch.until(|op| post_of(op, "zcc-incomingEmail-request").is_some()).await;
    assert_eq!(
        ask["message"]["data"],
        json!({ "email": "pat@example.com", "engagementId": one, "channel": "work_item" })
    );
    ch.host(json!({ "type": "zcc-incomingEmail-response",
        "data": [{ "id": "C-1", "name": "Pat Doe", "email": "pat@example.com", "entity": "contact" }] }))
        .await;
    let pop = ch.until(|op| post_of(op, "zcc-screen-pop").is_some()).await;
    assert_eq!(
        pop["message"]["data"],
        json!({ "id": "pat@example.com", "engagementId": one })
    );
    for op in ["accept", "end", "close-wrap-up"] {
        ch.send(json!({ "op": op, "engagementId": one })).await;
    }
    let deliver = ch.until(|op| op["op"] == "deliver").await;
    let log = deliver["messages"].as_array().unwrap().last().unwrap()["data"].clone();
    assert_eq!(log["user"]["id"], "C-1");
    assert_eq!(log["relateTo"], "contact");
    ch.send(json!({ "op": "delivered", "outboxId": deliver["outboxId"] }))
        .await;

    // Several matches: the agent picks; the pop carries the record's id.
    let r = create(
        &s,
        &token,
        json!({ "queue": "Back Office", "subject": "Two matches", "customer": { "email": "garcia@example.com" } }),
    )
    .await;
    let two = r.json::<Value>().await.unwrap()["engagementId"]
        .as_str()
        .unwrap()
        .to_owned();
    ch.until(|op| post_of(op, "zcc-incomingEmail-request").is_some()).await;
    ch.host(json!({ "type": "zcc-incomingEmail-response", "data": [
        { "id": "C-3", "name": "Maria Garcia", "entity": "contact" },
        { "id": "L-2", "name": "Luis Garcia", "entity": "lead" } ] }))
        .await;
    let view = ch
        .until(|op| {
            op["op"] == "engagements" && op["engagements"][0]["matches"].as_array().is_some_and(|m| m.len() == 2)
        })
        .await;
    assert!(view["engagements"][0].get("contact").is_none());
    ch.send(json!({ "op": "pick-contact", "engagementId": two, "contactId": "L-2" }))
        .await;
    let pop = ch.until(|op| post_of(op, "zcc-screen-pop").is_some()).await;
    assert_eq!(pop["message"]["data"], json!({ "id": "L-2", "engagementId": two }));
    ch.send(json!({ "op": "pick-contact", "engagementId": two, "contactId": "X-9" }))
        .await;
    let problem = ch.until(|op| op["op"] == "problem").await;
    assert!(problem["message"].as_str().unwrap().contains("X-9"));
}
