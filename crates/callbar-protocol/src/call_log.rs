//! `zcc-phone-call-log`: the record a host files against its contact when an engagement
//! is finished, for every channel.
//!
//! The shape follows Zoom's embed exactly (see `docs/protocol.md`). Times are ISO 8601
//! strings: Zoom passes `Date` objects through structured clone, which hosts read as ISO
//! strings once serialized; Callbar sends the string directly.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Channel, ContactRecord, Direction};

/// `objectRecord` of the call log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallLogRecord {
    pub call_type: Direction,
    pub from: String,
    pub to: String,
    /// `"m:ss"` from accept to end; `""` when never connected.
    pub call_duration: String,
    /// ISO 8601 time of accept, or `""`.
    pub call_start_time: String,
    /// ISO 8601 time of the end of the live part, or `""`.
    pub call_end_time: String,
    pub call_queue: String,
    /// The agent-side number: `from` for outbound, `to` for inbound.
    pub agent_extension: String,
    pub agent_name: String,
    /// `"HH:MM:SS"` spent in wrap-up.
    pub wrap_up_time_duration: String,
    /// Agent notes, oldest first.
    pub notes: Vec<String>,
    /// Disposition name; `""` when none was chosen.
    pub disposition_code: String,
    /// Callbar addition: the disposition's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub disposition_id: Option<String>,
    /// Task type: `"phone"`, `"video"`, `"chat"`, `"sms"` (Zoom's) or `"work_item"`
    /// (Callbar's).
    #[serde(rename = "type")]
    pub task_type: String,
}

/// The task type of a channel as `objectRecord.type` names it.
pub fn task_type(channel: Channel) -> &'static str {
    match channel {
        Channel::Voice => "phone",
        Channel::Video => "video",
        Channel::Chat => "chat",
        Channel::Sms => "sms",
        Channel::WorkItem => "work_item",
    }
}

/// How an engagement changed channel (present only when it did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelUpgradeInfo {
    pub from_channel: Channel,
    pub to_channel: Channel,
    pub upgrade_ts: crate::EpochMs,
}

/// Payload of `zcc-phone-call-log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCallLog {
    pub object_record: CallLogRecord,
    pub engagement_id: String,
    /// The matched record's entity type, or `""`.
    pub relate_to: String,
    /// The contact the agent matched, as the host returned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user: Option<ContactRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel_upgrade_info: Option<ChannelUpgradeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub smart_notes: Option<Vec<String>>,
}
