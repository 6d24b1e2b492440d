//! Turning whatever a host posts into a [`HostMessage`] or a `zcc-error`.

use serde_json::Value;

use crate::common::json_kind;
use crate::{EmbedMessage, ErrorCode, HostMessage, RequestId, ZccError};

/// The largest message accepted, measured as its JSON text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Parses one message a host posted.
///
/// - `Ok(None)`: not a Smart Embed message (not an object with a string `type` that
///   starts with `zcc-` or is `onclicktoact`); hosts and browser extensions post other
///   things to frames, and those are ignored.
/// - `Ok(Some(m))`: a valid message.
/// - `Err(e)`: a Smart Embed message that is malformed or unknown; answer it with
///   `zcc-error` `e` (its `requestId` is echoed when the message carried one).
pub fn parse_host_message(raw: &Value) -> Result<Option<HostMessage>, ZccError> {
    let Value::Object(envelope) = raw else {
        return Ok(None);
    };
    let Some(Value::String(wire)) = envelope.get("type") else {
        return Ok(None);
    };
    let wire = wire.as_str();
    if !wire.starts_with("zcc-") && wire != "onclicktoact" {
        return Ok(None);
    }
    let data = match envelope.get("data") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(d) => d.clone(),
    };
    let request_id = peek_request_id(&data);
    let fail = |code, message: String| Err(ZccError::new(code, message).with_request_id(request_id.clone()));

    let size = serde_json::to_string(raw).map(|s| s.len()).unwrap_or(usize::MAX);
    if size > MAX_MESSAGE_BYTES {
        return fail(
            ErrorCode::InvalidInput,
            format!("{wire}: the message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}"),
        );
    }

    // Payloads are objects; only the contact answers may be arrays. (Serde would
    // otherwise read an array positionally into a struct.)
    let takes_array = matches!(
        wire,
        "zcc-contact-search-response" | "zcc-incomingPhone-response" | "zcc-incomingEmail-response"
    );
    let acceptable = data.is_object() || (takes_array && data.is_array());
    if !acceptable {
        return fail(
            ErrorCode::InvalidInput,
            format!("{wire}: `data` must be an object, found {}", json_kind(&data)),
        );
    }

    let message = match HostMessage::decode(wire, data) {
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            return fail(
                ErrorCode::InvalidInput,
                format!("{wire}: {e}; see docs/protocol.md for its payload"),
            );
        }
        None if EmbedMessage::WIRE_TYPES.contains(&wire) => {
            return fail(
                ErrorCode::InvalidInput,
                format!("{wire} is sent by the embed to the host, not to the embed"),
            );
        }
        None => {
            return fail(
                ErrorCode::UnknownMessage,
                format!("unknown message type {wire:?}; docs/protocol.md lists every message"),
            );
        }
    };
    if let HostMessage::ClickToAct(c) = &message
        && c.dial_number().is_none()
    {
        return fail(ErrorCode::NoPhone, "Phone number is required".into());
    }
    if let Err(e) = message.validate() {
        return fail(ErrorCode::InvalidInput, format!("{wire}: {e}"));
    }
    Ok(Some(message))
}

/// The `requestId` of a payload, if it has a usable one, so that even a rejected message
/// gets its error correlated.
fn peek_request_id(data: &Value) -> Option<RequestId> {
    match data.get("requestId")? {
        Value::String(s) if !s.is_empty() && s.len() <= 128 => Some(RequestId::Text(s.clone())),
        Value::Number(n) => n.as_i64().map(RequestId::Number),
        _ => None,
    }
}
