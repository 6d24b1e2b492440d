//! Vocabulary shared by many messages: request ids, channels, contacts.

use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

/// Milliseconds since the Unix epoch, as `Date.now()` gives them (all `*Ts` fields).
pub type EpochMs = i64;

/// Correlates a command with its `-response` or `zcc-error`.
///
/// Hosts send strings (`request-<engagementId>-<epochMs>` in real clients); numbers are
/// accepted too and echoed back unchanged, so a host's `===` comparison keeps working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum RequestId {
    Text(String),
    Number(i64),
}

/// The channel of an engagement. Zoom's wire values for the first four; `work_item` is
/// Callbar's (the public protocol names the channel but gives no value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Video,
    Chat,
    Sms,
    WorkItem,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Voice,
        Channel::Video,
        Channel::Chat,
        Channel::Sms,
        Channel::WorkItem,
    ];

    /// The wire value, e.g. `"work_item"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Video => "video",
            Channel::Chat => "chat",
            Channel::Sms => "sms",
            Channel::WorkItem => "work_item",
        }
    }

    /// Parses a wire value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who started the engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// A record of the host (contact, lead, user…) as the host returns it from a lookup.
///
/// Every field is a string on the wire; hosts that send numbers or `null` are accepted and
/// the value is turned into a string. Missing fields are empty strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContactRecord {
    #[serde(default, deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub phone: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub entity: String,
}

impl ContactRecord {
    /// `{}` (or a record with no identifying field) means "no match" on the wire.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty() && self.name.is_empty() && self.phone.is_empty() && self.email.is_empty()
    }
}

/// The matches a host returns for a lookup: an array on the wire.
///
/// Parsing accepts what real hosts send: an array, one object, `{}` for no match, or
/// `null`. Records that carry nothing identifying are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(as = "Vec<ContactRecord>")]
pub struct ContactMatches(pub Vec<ContactRecord>);

impl<'de> Deserialize<'de> for ContactMatches {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        const EXPECTED: &str = "expected an array of contacts {id, name, phone, email, entity}, one such object, or {}";
        let record = |v: Value| -> Result<ContactRecord, D::Error> {
            if !v.is_object() {
                return Err(D::Error::custom(format!("{EXPECTED}; found {} in it", json_kind(&v))));
            }
            serde_json::from_value(v).map_err(|e| D::Error::custom(format!("a contact is malformed: {e}")))
        };
        let records = match Value::deserialize(d)? {
            Value::Null => Vec::new(),
            Value::Array(items) => items.into_iter().map(record).collect::<Result<_, _>>()?,
            v @ Value::Object(_) => vec![record(v)?],
            other => {
                return Err(D::Error::custom(format!("{EXPECTED}; found {}", json_kind(&other))));
            }
        };
        Ok(ContactMatches(records.into_iter().filter(|r| !r.is_empty()).collect()))
    }
}

/// What the embed asks the host to look up in `zcc-contact-search-event`: a phone number
/// or name as a string, or an email lookup as an object (as Zoom's embed sends it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum ContactQuery {
    Text(String),
    Email {
        email: String,
        #[serde(rename = "type")]
        kind: String,
    },
}

/// Accepts a string, a number, a boolean or `null` where the wire should carry a string.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde_json::Value;
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {}",
            json_kind(&other)
        ))),
    }
}

/// As [`lenient_string`], for optional fields (`null` or absent is `None`).
pub(crate) fn lenient_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = lenient_string(d)?;
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// A short name for the JSON type of a value, for error messages.
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
