//! What a finished engagement owes the host, in Zoom's order: one `zcc-add-note` per note
//! (oldest first), `zcc-end-post-engagement`, then `zcc-phone-call-log` with every field
//! of `objectRecord`.

use callbar_engine::CallLog;
use callbar_protocol::{
    AddNote, CallLogRecord, ContactRecord, Direction, EmbedMessage, EndPostEngagement, PhoneCallLog, task_type,
};

/// The messages for a closed engagement. `agent_extension` is the agent's extension,
/// used as the agent-side number where the channel has none (everything but voice).
pub fn messages(log: &CallLog, agent_extension: &str, contact: Option<ContactRecord>) -> Vec<EmbedMessage> {
    let engagement_id = log.engagement_id.clone();
    let mut out: Vec<EmbedMessage> = log
        .notes
        .iter()
        .map(|note| {
            EmbedMessage::AddNote(AddNote {
                comment: note.clone(),
                engagement_id: Some(engagement_id.clone()),
            })
        })
        .collect();
    let disposition = log.disposition.as_ref().map(|d| d.name.clone()).unwrap_or_default();
    out.push(EmbedMessage::EndPostEngagement(EndPostEngagement {
        engagement_id: engagement_id.clone(),
        disposition_code: disposition.clone(),
        name: disposition.clone(),
    }));
    let agent_side = match (log.channel, log.direction) {
        (callbar_protocol::Channel::Voice, Direction::Outbound) => log.from.clone(),
        (callbar_protocol::Channel::Voice, Direction::Inbound) => log.to.clone(),
        _ => agent_extension.to_owned(),
    };
    let record = CallLogRecord {
        call_type: log.direction,
        from: log.from.clone(),
        to: log.to.clone(),
        call_duration: match (log.accepted_at, log.ended_at) {
            (Some(a), Some(e)) => minutes_seconds(e - a),
            _ => String::new(),
        },
        call_start_time: log.accepted_at.map(iso8601).unwrap_or_default(),
        call_end_time: log.ended_at.map(iso8601).unwrap_or_default(),
        call_queue: log.queue_name.clone(),
        agent_extension: agent_side,
        agent_name: log.agent_name.clone().unwrap_or_default(),
        wrap_up_time_duration: log
            .ended_at
            .map(|e| hours_minutes_seconds(log.closed_at - e))
            .unwrap_or_default(),
        notes: log.notes.clone(),
        disposition_code: disposition,
        disposition_id: log.disposition.as_ref().map(|d| d.id.clone()),
        task_type: task_type(log.channel).to_owned(),
    };
    out.push(EmbedMessage::PhoneCallLog(Box::new(PhoneCallLog {
        object_record: record,
        engagement_id,
        relate_to: contact.as_ref().map(|c| c.entity.clone()).unwrap_or_default(),
        user: contact.filter(|c| !c.name.is_empty()),
        channel_upgrade_info: None,
        smart_notes: None,
    })));
    out
}

/// `m:ss` (minutes may pass 59), as Zoom's `callDuration`.
pub fn minutes_seconds(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `HH:MM:SS`, as Zoom's `wrapUpTimeDuration`.
pub fn hours_minutes_seconds(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// An epoch-millisecond time as JavaScript's `Date.prototype.toISOString` writes it.
pub fn iso8601(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_formatted_like_javascript() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_715_000_000_123), "2024-05-06T12:53:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(minutes_seconds(185_400), "3:05");
        assert_eq!(minutes_seconds(3_725_000), "62:05");
        assert_eq!(hours_minutes_seconds(3_725_000), "01:02:05");
    }
}
