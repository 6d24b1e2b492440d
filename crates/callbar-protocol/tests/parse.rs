//! Tolerant parsing and strict validation of host messages.

use callbar_protocol::{ContactQuery, ErrorCode, HostMessage, RequestId, parse_host_message};
use serde_json::{Value, json};

fn ok(v: Value) -> HostMessage {
    parse_host_message(&v)
        .unwrap_or_else(|e| panic!("rejected: {e}"))
        .expect("a zcc message")
}

fn err(v: Value) -> callbar_protocol::ZccError {
    parse_host_message(&v).expect_err("should be rejected")
}

#[test]
fn unknown_fields_are_ignored() {
    let m = ok(json!({ "type": "zcc-init-config-response", "data": {
        "phone": { "screenPopEvent": "RINGING", "somethingNew": 1 }, "cluster": "us01", "debug": true } }));
    let HostMessage::InitConfigResponse(cfg) = m else {
        panic!()
    };
    assert_eq!(cfg.phone.unwrap().screen_pop_event.as_deref(), Some("RINGING"));
}

#[test]
fn contact_answers_come_as_one_object_an_array_or_nothing() {
    let one =
        ok(json!({ "type": "zcc-contact-search-response", "data": { "id": 42, "name": "Pat", "entity": "Contact" } }));
    let HostMessage::ContactSearchResponse(m) = one else {
        panic!()
    };
    assert_eq!(m.0.len(), 1);
    assert_eq!(m.0[0].id, "42", "numeric ids become strings");
    for none in [json!({}), json!([]), Value::Null] {
        let m = ok(json!({ "type": "zcc-contact-search-response", "data": none }));
        let HostMessage::ContactSearchResponse(m) = m else {
            panic!()
        };
        assert!(m.0.is_empty());
    }
    let e = err(json!({ "type": "zcc-incomingPhone-response", "data": "Pat" }));
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("must be an object"), "{}", e.message);
    let e = err(json!({ "type": "zcc-incomingPhone-response", "data": [1, 2] }));
    assert!(e.message.contains("array of contacts"), "{}", e.message);
}

#[test]
fn query_may_be_a_string_or_an_object() {
    let q: ContactQuery = serde_json::from_value(json!({ "email": "a@b.c", "type": "email" })).unwrap();
    assert!(matches!(q, ContactQuery::Email { .. }));
    let q: ContactQuery = serde_json::from_value(json!("+1650")).unwrap();
    assert!(matches!(q, ContactQuery::Text(_)));
}

#[test]
fn foreign_messages_are_not_ours() {
    assert_eq!(
        parse_host_message(&json!({ "type": "pageView", "data": {} })).unwrap(),
        None
    );
    assert_eq!(
        parse_host_message(&json!({ "source": "react-devtools" })).unwrap(),
        None
    );
}

#[test]
fn missing_fields_and_wrong_types_are_explained_with_the_request_id() {
    let e = err(json!({ "type": "zcc-accept-engagement", "data": { "requestId": "r-1" } }));
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.request_id, Some(RequestId::Text("r-1".into())));
    assert!(e.message.contains("engagementId"), "{}", e.message);

    let e = err(json!({ "type": "zcc-set-mute", "data": { "engagementId": "e1", "mute": "yes", "requestId": 5 } }));
    assert_eq!(e.request_id, Some(RequestId::Number(5)));
    assert!(e.message.contains("boolean"), "{}", e.message);

    let e = err(json!({ "type": "zcc-accept-engagement" }));
    assert!(e.message.contains("engagementId"), "{}", e.message);
}

#[test]
fn values_are_validated_strictly() {
    let e = err(json!({ "type": "zcc-send-dtmf", "data": { "engagementId": "e1", "digits": "12x" } }));
    assert!(e.message.contains("'x'"), "{}", e.message);
    let e = err(json!({ "type": "zcc-accept-engagement", "data": { "engagementId": "<script>" } }));
    assert!(e.message.contains("engagementId"), "{}", e.message);
    let e = err(json!({ "type": "zcc-accept-engagement", "data": { "engagementId": "e1", "channelType": "fax" } }));
    assert!(e.message.contains("fax"), "{}", e.message);
    let e = err(json!({ "type": "zcc-agent-status-set-request", "data": { "id": "3" } }));
    assert!(e.message.contains("Occupied"), "{}", e.message);
    let e = err(json!({ "type": "zcc-transfer-engagement", "data": {
        "engagementId": "e1", "targetType": "phone", "targetId": "call me" } }));
    assert!(e.message.contains("phone number"), "{}", e.message);
}

#[test]
fn click_to_dial_without_phone_is_no_phone() {
    for data in [json!({}), json!({ "phone": "" }), json!({ "name": "Pat" })] {
        let e = err(json!({ "type": "onclicktoact", "data": data }));
        assert_eq!(e.code, ErrorCode::NoPhone);
        assert_eq!(e.message, "Phone number is required");
    }
    let HostMessage::ClickToAct(c) = ok(json!({ "type": "onclicktoact", "data": { "phone": "+1 (650) 333-1234" } }))
    else {
        panic!()
    };
    assert_eq!(c.dial_number().unwrap().unwrap(), "+16503331234");
    let HostMessage::ClickToAct(c) =
        ok(json!({ "type": "onclicktoact", "data": { "phone": 16503331234_i64, "id": 42 } }))
    else {
        panic!()
    };
    assert_eq!(
        (c.phone.as_deref(), c.id.as_deref()),
        (Some("16503331234"), Some("42")),
        "numbers are accepted"
    );
}

#[test]
fn unknown_and_misdirected_types_are_errors() {
    let e = err(json!({ "type": "zcc-make-call", "data": { "requestId": "r" } }));
    assert_eq!(e.code, ErrorCode::UnknownMessage);
    assert_eq!(e.request_id, Some(RequestId::Text("r".into())));
    let e = err(json!({ "type": "zcc-call-ringing", "data": {} }));
    assert!(e.message.contains("sent by the embed"), "{}", e.message);
    assert_eq!(parse_host_message(&json!({ "type": 5 })).unwrap(), None, "not ours");
    assert_eq!(
        parse_host_message(&json!("zcc-init-config-response")).unwrap(),
        None,
        "not ours"
    );
    let e = err(json!({ "type": "zcc-set-mute", "data": ["e1", true] }));
    assert!(e.message.contains("must be an object"), "{}", e.message);
    let e = err(json!({ "type": "zcc-set-mute", "data": "e1" }));
    assert!(e.message.contains("must be an object"), "{}", e.message);
}

#[test]
fn oversized_messages_are_refused() {
    let big = "x".repeat(callbar_protocol::MAX_MESSAGE_BYTES);
    let e = err(json!({ "type": "onclicktoact", "data": { "phone": "+1650", "name": big } }));
    assert!(e.message.contains("limit"), "{}", e.message);
}

#[test]
fn every_host_command_names_an_existing_response() {
    // One payload that satisfies every host message (extra fields are ignored).
    let data = json!({ "engagementId": "e1", "mute": true, "hold": true, "digits": "1", "action": "start",
        "targetType": "agent", "targetId": "a1", "id": "1", "dispositionId": "d1" });
    let mut commands = 0;
    for wire in HostMessage::WIRE_TYPES {
        let payload = if *wire == "onclicktoact" {
            json!({ "phone": "+1650" })
        } else {
            data.clone()
        };
        let m = ok(json!({ "type": wire, "data": payload }));
        if let Some(response) = m.response_type() {
            commands += 1;
            assert!(
                callbar_protocol::EmbedMessage::WIRE_TYPES.contains(&response),
                "{response} is not defined"
            );
            assert!(
                response == format!("{wire}-response") || wire.ends_with("-request"),
                "{wire} -> {response}"
            );
        }
    }
    assert_eq!(commands, 20);
}

#[test]
fn failures_are_reported_on_the_command_response() {
    let m = ok(json!({ "type": "zcc-set-hold", "data": { "engagementId": "e1", "hold": true, "requestId": "r-7" } }));
    let failure = serde_json::to_value(m.failure(ErrorCode::EngagementNotFound, "no such engagement")).unwrap();
    assert_eq!(
        failure,
        json!({ "type": "zcc-set-hold-response", "data": { "status": false, "requestId": "r-7", "engagementId": "e1",
            "errorCode": "engagement-not-found", "error": "engagement-not-found", "message": "no such engagement" } })
    );
    let m = ok(json!({ "type": "zcc-engagement-status-request", "data": { "requestId": 3 } }));
    let failure = serde_json::to_value(m.failure(ErrorCode::Unavailable, "down")).unwrap();
    assert_eq!(
        failure["type"], "zcc-error",
        "a response without status: zcc-error instead"
    );
    assert_eq!(failure["data"]["requestId"], 3);
}
