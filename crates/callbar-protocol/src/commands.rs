//! Payloads a host sends to the embed: configuration, lookup answers and commands.
//!
//! Every command carries `engagementId` (where it acts on one), an optional
//! `channelType`, and an optional `requestId` that its `-response` or `zcc-error` echoes.
//! Deserialization is tolerant (unknown fields are ignored); [`Validate`] then checks the
//! values strictly.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::common::{lenient_opt_string, lenient_string};
use crate::notifications::TargetType;
use crate::{Channel, ContactMatches, RequestId};

/// Checks field values after tolerant parsing. The error text names the field and says
/// what is expected.
pub trait Validate {
    fn validate(&self) -> Result<(), String>;
}

/// Per-channel host configuration in `zcc-init-config-response`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelConfig {
    /// `"RINGING"`: pop the record as soon as the lookup returns at most one match.
    /// Any other value (`"ANSWER"`, `"CONNECTED"`) pops when the engagement connects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub screen_pop_event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub call_log_configs: Option<CallLogConfigs>,
}

/// Call-log options of a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallLogConfigs {
    /// Send `zcc-call-recording` after the call log when the engagement was recorded.
    /// Callbar's default is `true`.
    #[serde(rename = "autoUpdateCallURL", default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub auto_update_call_url: Option<bool>,
}

/// `zcc-init-config-response`: the host's configuration. Zoom documents `phone`; the
/// other channel blocks are Callbar's and fall back to `phone` when absent. Unknown keys
/// are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InitConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub phone: Option<ChannelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub chat: Option<ChannelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sms: Option<ChannelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub video: Option<ChannelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub work_item: Option<ChannelConfig>,
}

impl InitConfig {
    /// The configuration that applies to a channel (`phone` covers voice and is the
    /// fallback for the others).
    pub fn for_channel(&self, channel: Channel) -> ChannelConfig {
        let specific = match channel {
            Channel::Voice => None,
            Channel::Chat => self.chat.as_ref(),
            Channel::Sms => self.sms.as_ref(),
            Channel::Video => self.video.as_ref(),
            Channel::WorkItem => self.work_item.as_ref(),
        };
        specific.or(self.phone.as_ref()).cloned().unwrap_or_default()
    }
}

impl Validate for InitConfig {
    fn validate(&self) -> Result<(), String> {
        for block in [&self.phone, &self.chat, &self.sms, &self.video, &self.work_item]
            .into_iter()
            .flatten()
        {
            if let Some(ev) = &block.screen_pop_event {
                check_len("screenPopEvent", ev, 1, 32)?;
            }
        }
        Ok(())
    }
}

/// `zcc-agent-info-request`, `zcc-engagement-status-request`: a request with no
/// arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlainRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for PlainRequest {
    fn validate(&self) -> Result<(), String> {
        check_request_id(&self.request_id)
    }
}

impl Validate for ContactMatches {
    fn validate(&self) -> Result<(), String> {
        if self.0.len() > 50 {
            return Err(format!(
                "{} contacts were returned; send at most 50 matches",
                self.0.len()
            ));
        }
        for (i, c) in self.0.iter().enumerate() {
            for (field, value) in [
                ("id", &c.id),
                ("name", &c.name),
                ("phone", &c.phone),
                ("email", &c.email),
                ("entity", &c.entity),
            ] {
                if value.chars().count() > 256 {
                    return Err(format!("contact {i}: `{field}` is longer than 256 characters"));
                }
            }
        }
        Ok(())
    }
}

/// Accept, reject, terminate, close wrap-up, cancel consult, complete transfer, merge
/// consult, upgrade to video: a command on one engagement with no other argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementCommand {
    pub engagement_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel_type: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for EngagementCommand {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)
    }
}

/// `zcc-set-engagement-disposition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetDisposition {
    pub engagement_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel_type: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
    /// The `dispositionId` from `zcc-get-disposition-codes-response`.
    #[serde(deserialize_with = "lenient_string")]
    pub disposition_id: String,
}

impl Validate for SetDisposition {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)?;
        check_id("dispositionId", &self.disposition_id)
    }
}

/// `zcc-get-disposition-codes`: the dispositions of the engagement's queue, or of every
/// queue of the agent when `engagementId` is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GetDispositionCodes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub engagement_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for GetDispositionCodes {
    fn validate(&self) -> Result<(), String> {
        if let Some(id) = &self.engagement_id {
            check_engagement_id(id)?;
        }
        check_request_id(&self.request_id)
    }
}

/// `zcc-set-mute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetMute {
    pub engagement_id: String,
    pub mute: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for SetMute {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)
    }
}

/// `zcc-set-hold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetHold {
    pub engagement_id: String,
    pub hold: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for SetHold {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)
    }
}

/// `zcc-send-dtmf`: `digits` of `0-9`, `*`, `#`, `A-D`, at most 32.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendDtmf {
    pub engagement_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub digits: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for SendDtmf {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)?;
        if self.digits.is_empty() || self.digits.len() > 32 {
            return Err("`digits` must hold 1 to 32 DTMF digits".into());
        }
        if let Some(bad) = self
            .digits
            .chars()
            .find(|c| !matches!(c, '0'..='9' | '*' | '#' | 'A'..='D'))
        {
            return Err(format!(
                "`digits` contains {bad:?}; only 0-9, *, # and A-D are DTMF digits"
            ));
        }
        Ok(())
    }
}

/// What `zcc-set-recording` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RecordingAction {
    Start,
    Stop,
    Pause,
    Resume,
}

/// `zcc-set-recording`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetRecording {
    pub engagement_id: String,
    pub action: RecordingAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for SetRecording {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)
    }
}

/// `zcc-transfer-engagement` (blind) and `zcc-add-call` (consult): where to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferTarget {
    pub engagement_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel_type: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
    pub target_type: TargetType,
    /// An agent id, a queue id, or a phone number.
    #[serde(deserialize_with = "lenient_string")]
    pub target_id: String,
}

impl Validate for TransferTarget {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)?;
        match self.target_type {
            TargetType::Phone => normalize_phone(&self.target_id).map(|_| ()),
            _ => check_id("targetId", &self.target_id),
        }
    }
}

/// `zcc-agent-status-set-request`: `id` is a status code (`"1"` Ready, `"30"` Offline,
/// or a not-ready reason's code). `"3"` Occupied is set by the system only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatusSet {
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for AgentStatusSet {
    fn validate(&self) -> Result<(), String> {
        check_request_id(&self.request_id)?;
        check_id("id", &self.id)?;
        if self.id == crate::status_code::OCCUPIED {
            return Err("status \"3\" (Occupied) is set by the system while the agent handles an engagement; choose \"1\" Ready, \"30\" Offline or a not-ready reason".into());
        }
        Ok(())
    }
}

/// `zcc-get-variables`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GetVariables {
    pub engagement_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl Validate for GetVariables {
    fn validate(&self) -> Result<(), String> {
        check_engagement_id(&self.engagement_id)?;
        check_request_id(&self.request_id)
    }
}

/// `onclicktoact`: dial `phone`. The extended form carries the host's contact, which the
/// call log returns as `user` (`userEntity` becomes `entity`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClickToAct {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    #[ts(optional)]
    pub phone: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    #[ts(optional)]
    pub id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    #[ts(optional)]
    pub email: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    #[ts(optional)]
    pub user_entity: Option<String>,
}

impl ClickToAct {
    /// The number to dial, normalized (`+` and digits). `None` when no phone was given.
    pub fn dial_number(&self) -> Option<Result<String, String>> {
        self.phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(normalize_phone)
    }
}

impl Validate for ClickToAct {
    fn validate(&self) -> Result<(), String> {
        if let Some(Err(e)) = self.dial_number() {
            return Err(e);
        }
        for (field, value) in [
            ("id", &self.id),
            ("name", &self.name),
            ("email", &self.email),
            ("userEntity", &self.user_entity),
        ] {
            if let Some(v) = value {
                check_len(field, v, 0, 256)?;
            }
        }
        Ok(())
    }
}

/// Normalizes a dialable number: drops spaces, dashes, dots and parentheses; keeps a
/// leading `+`; requires 2 to 20 digits.
pub fn normalize_phone(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(r) => ("+", r),
        None => ("", trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(format!(
                    "phone number {trimmed:?} contains {c:?}; use digits with an optional leading +"
                ));
            }
        }
    }
    if !(2..=20).contains(&digits.len()) {
        return Err(format!("phone number {trimmed:?} must have 2 to 20 digits"));
    }
    Ok(format!("{plus}{digits}"))
}

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(format!("`{field}` must be {min} to {max} characters long (got {n})"));
    }
    Ok(())
}

/// Identifiers are 1–128 characters of letters, digits, `-`, `_`, `.` and `:`.
fn check_id(field: &str, value: &str) -> Result<(), String> {
    check_len(field, value, 1, 128)?;
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(format!(
            "`{field}` contains {bad:?}; identifiers use letters, digits, '-', '_', '.', ':'"
        ));
    }
    Ok(())
}

fn check_engagement_id(value: &str) -> Result<(), String> {
    check_id("engagementId", value)
}

fn check_request_id(id: &Option<RequestId>) -> Result<(), String> {
    match id {
        Some(RequestId::Text(s)) => check_len("requestId", s, 1, 128),
        _ => Ok(()),
    }
}
