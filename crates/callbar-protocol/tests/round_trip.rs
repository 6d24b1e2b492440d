//! Documented and captured example payloads parse into the Rust types and serialize back
//! to the same JSON.
//!
//! Sources: Zoom's Smart Embed page (SEED), captured traffic in real hosts (VUE), Zoom's
//! embed code (ADP) — see `../shared/reference/zcc-protocol.md`. Placeholders in the
//! documentation are filled with plausible values.

use callbar_protocol::{EmbedMessage, HostMessage, parse_host_message};
use serde_json::{Value, json};

fn embed_round_trip(v: Value) {
    let wire = v["type"].as_str().unwrap().to_owned();
    let parsed: EmbedMessage =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{wire} did not parse: {e}"));
    assert_eq!(parsed.wire_type(), wire);
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        v,
        "{wire} changed in a round trip"
    );
}

fn host_round_trip(v: Value) {
    let wire = v["type"].as_str().unwrap().to_owned();
    let parsed = parse_host_message(&v)
        .unwrap_or_else(|e| panic!("{wire} was rejected: {e}"))
        .expect("a zcc message");
    assert_eq!(parsed.wire_type(), wire);
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        v,
        "{wire} changed in a round trip"
    );
    let again: HostMessage = serde_json::from_value(v).unwrap();
    assert_eq!(again, parsed);
}

#[test]
fn documented_embed_messages() {
    embed_round_trip(json!({ "type": "zcc-init-config-request" }));
    embed_round_trip(json!({ "type": "zcc-resize", "data": { "widthInPixels": 840, "heightInPixels": 700 } }));
    embed_round_trip(json!({ "type": "zcc-contact-search-event", "data": { "query": "+16503331234" } }));
    embed_round_trip(
        json!({ "type": "zcc-contact-search-event", "data": { "query": { "email": "a@b.c", "type": "email" } } }),
    );
    // VUE captured traffic.
    embed_round_trip(json!({ "type": "zcc-incomingPhone-request", "data": {
        "incomingPhoneNumber": "+821027343718", "engagementId": "WSgT4SxZT1GD8RgAgkebfg", "channel": "voice" } }));
    embed_round_trip(json!({ "type": "zcc-incomingEmail-request", "data": {
        "email": "pat@example.com", "engagementId": "WSgT4SxZT1GD8RgAgkebfg", "channel": "chat" } }));
    embed_round_trip(json!({ "type": "zcc-screen-pop", "data": { "id": "THIRD_PARTY_ID" } }));
    embed_round_trip(json!({ "type": "zcc-call-ringing", "data": {
        "channel": "voice", "createTs": 1715000000000_i64, "engagementId": "WSgT4SxZT1GD8RgAgkebfg",
        "from": "+821027343718", "queueName": "Support", "to": "+82221778196",
        "isConference": false, "isTransfer": false } }));
    // VUE captured traffic: no acceptTs.
    embed_round_trip(json!({ "type": "zcc-call-connected", "data": {
        "direction": "inbound", "engagementId": "O3MDmdRJThK9LQ35aymSrg", "from": "+821027343718",
        "to": "+82221778196", "queueName": "Support", "queueId": "ZbibbmgITOGRiJI79xMUEg" } }));
    embed_round_trip(json!({ "type": "zcc-call-connected", "data": {
        "acceptTs": 1715000001000_i64, "direction": "outbound", "engagementId": "O3MDmdRJThK9LQ35aymSrg",
        "from": "1001", "to": "+16503331234", "queueName": "Sales", "queueId": "q1" } }));
    embed_round_trip(
        json!({ "type": "zcc-call-ended", "data": { "completeTs": 1715000100000_i64, "engagementId": "e1" } }),
    );
    embed_round_trip(json!({ "type": "zcc-outbound-call-started", "data": {
        "engagementId": "e1", "from": "1001", "to": "+16503331234", "queueName": "Sales", "startTs": 1715000000000_i64 } }));
    embed_round_trip(json!({ "type": "zcc-inbound-not-connected", "data": {
        "reasonCode": "customer-hangup", "message": "Consumer hung up.", "engagementId": "e1" } }));
    embed_round_trip(json!({ "type": "zcc-inbound-not-connected", "data": {
        "reasonCode": "agent-rejected", "message": "Call rejected by agent.", "engagementId": "e1" } }));
    embed_round_trip(json!({ "type": "zcc-outbound-not-connected", "data": {
        "engagementId": "e1", "reasonCode": "outbound-call-canceled", "message": "Outbound call cancelled by Agent." } }));
    embed_round_trip(json!({ "type": "zcc-end-post-engagement", "data": {
        "engagementId": "e1", "dispositionCode": "Resolved", "name": "Resolved" } }));
    embed_round_trip(json!({ "type": "zcc-add-note", "data": { "comment": "Customer asked for a refund." } }));
    embed_round_trip(json!({ "type": "zcc-call-recording", "data": {
        "engagementId": "e1", "recordingUrl": "https://zoom.us/cci/multi/recording-cli?sid=abc" } }));
    embed_round_trip(json!({ "type": "zcc-phone-call-log", "data": {
        "objectRecord": {
            "callType": "inbound", "from": "+821027343718", "to": "+82221778196", "callDuration": "3:05",
            "callStartTime": "2024-05-06T12:53:20.000Z", "callEndTime": "2024-05-06T12:56:25.000Z",
            "callQueue": "Support", "agentExtension": "+82221778196", "agentName": "Ada Agent",
            "wrapUpTimeDuration": "00:00:42", "notes": ["first", "second"], "dispositionCode": "Resolved",
            "type": "phone" },
        "engagementId": "e1", "relateTo": "contact",
        "user": { "id": "c-17", "name": "Pat Doe", "phone": "+821027343718", "email": "pat@example.com", "entity": "contact" } } }));
    embed_round_trip(json!({ "type": "zcc-chat-ringing", "data": {
        "queueId": "q", "queueName": "Chat", "engagementId": "e2", "customerName": "Pat", "customerEmail": "pat@example.com" } }));
    embed_round_trip(json!({ "type": "zcc-chat-started", "data": { "engagementId": "e2", "createTs": 1 } }));
    embed_round_trip(json!({ "type": "zcc-chat-ended", "data": { "completeTs": 2, "engagementId": "e2" } }));
    embed_round_trip(json!({ "type": "zcc-video-ringing", "data": {
        "queueId": "q", "queueName": "Video", "engagementId": "e3", "customerEmail": "pat@example.com" } }));
    embed_round_trip(json!({ "type": "zcc-sms-ringing", "data": {
        "queueId": "q", "queueName": "SMS", "engagementId": "e4", "customerName": "", "customerEmail": "",
        "incomingPhoneNumber": "+16503331234" } }));
    embed_round_trip(json!({ "type": "zcc-error", "data": {
        "code": "agent-not-authenticated", "message": "Agent identity is available only after login.", "requestId": "r-1" } }));
    embed_round_trip(
        json!({ "type": "zcc-agent-status-notification", "data": { "statusCode": "1", "status": "Ready" } }),
    );
    embed_round_trip(json!({ "type": "zcc-agent-status-notification", "data": {
        "statusCode": "20", "parentStatusCode": "2", "status": "Not Ready", "subReason": "Lunch" } }));
    embed_round_trip(
        json!({ "type": "zcc-engagement-status-response", "data": { "requestId": "r", "active": [], "wrapup": [] } }),
    );
    embed_round_trip(json!({ "type": "zcc-transfer-engagement-response", "data": {
        "status": false, "requestId": "r-9", "errorCode": "invalid-state", "error": "invalid-state", "message": "not connected" } }));
    embed_round_trip(json!({ "type": "zcc-get-variables-response", "data": {
        "status": true, "requestId": "r", "variables": [{ "globalVariableName": "Consumer.email",
        "globalVariableDisplayName": "Customer email", "value": "pat@example.com", "kind": "system" }] } }));
}

#[test]
fn documented_host_messages() {
    host_round_trip(
        json!({ "type": "zcc-init-config-response", "data": { "phone": { "screenPopEvent": "RINGING" } } }),
    );
    host_round_trip(json!({ "type": "zcc-agent-info-request", "data": { "requestId": "r-1" } }));
    host_round_trip(json!({ "type": "zcc-incomingPhone-response", "data": [
        { "id": "YOUR_ID", "name": "YOUR_NAME", "phone": "+16503331234", "email": "a@b.c", "entity": "contact" } ] }));
    host_round_trip(json!({ "type": "zcc-incomingPhone-response", "data": [] }));
    host_round_trip(json!({ "type": "zcc-incomingEmail-response", "data": [
        { "id": "1", "name": "A", "phone": "", "email": "a@b.c", "entity": "lead" },
        { "id": "2", "name": "B", "phone": "", "email": "a@b.c", "entity": "contact" } ] }));
    // VUE: request ids of the form request-<engagementId>-<epochMs>.
    host_round_trip(json!({ "type": "zcc-terminate-engagement", "data": {
        "engagementId": "WSgT4SxZT1GD8RgAgkebfg", "channelType": "voice", "requestId": "request-WSgT4SxZT1GD8RgAgkebfg-1715000000000" } }));
    host_round_trip(json!({ "type": "zcc-set-engagement-disposition", "data": {
        "engagementId": "e1", "channelType": "chat", "requestId": "r", "dispositionId": "d-1" } }));
    host_round_trip(
        json!({ "type": "zcc-close-engagement-wrapup", "data": { "engagementId": "e1", "channelType": "sms", "requestId": "r" } }),
    );
    host_round_trip(
        json!({ "type": "zcc-engagement-status-request", "data": { "requestId": "uuid-1715000000000-42" } }),
    );
    host_round_trip(json!({ "type": "zcc-agent-status-set-request", "data": { "id": "1" } }));
    host_round_trip(json!({ "type": "zcc-get-variables", "data": { "engagementId": "e1" } }));
    host_round_trip(json!({ "type": "onclicktoact", "data": { "phone": "+16503331234" } }));
    host_round_trip(json!({ "type": "onclicktoact", "data": {
        "id": "c-1", "name": "Pat", "phone": "+16503331234", "email": "p@x.io", "userEntity": "Contact" } }));
    host_round_trip(json!({ "type": "zcc-set-mute", "data": { "engagementId": "e1", "mute": true, "requestId": 7 } }));
    host_round_trip(json!({ "type": "zcc-send-dtmf", "data": { "engagementId": "e1", "digits": "12#*" } }));
    host_round_trip(json!({ "type": "zcc-set-recording", "data": { "engagementId": "e1", "action": "pause" } }));
    host_round_trip(json!({ "type": "zcc-transfer-engagement", "data": {
        "engagementId": "e1", "targetType": "queue", "targetId": "q-2", "requestId": "r" } }));
}

#[test]
fn every_message_has_a_unique_wire_name() {
    let mut all: Vec<&str> = EmbedMessage::WIRE_TYPES
        .iter()
        .chain(HostMessage::WIRE_TYPES)
        .copied()
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "duplicate wire names");
}
