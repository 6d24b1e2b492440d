//! Real-time queue statistics for supervisors.
//!
//! Computed on demand from the indexes routing already keeps, so they are exact at the time
//! asked and cost no bookkeeping on the routing path: waiting count and longest wait come from
//! the queue's order, agent counts from its member list.
//!
//! **Service level** over the last [`EngineConfig::service_level_window_ms`](crate::EngineConfig):
//! of the engagements that stopped waiting in this queue during the window, the share accepted
//! within the queue's `service_level_ms` of entering it:
//!
//! ```text
//! answered within threshold / (answered + abandoned after threshold)
//! ```
//!
//! "Abandoned" covers the customer leaving and the maximum wait running out (abandon or
//! overflow to another queue). Abandons within the threshold are left out, as is usual: a
//! customer who hangs up after three seconds says nothing about staffing. Cancelled
//! engagements are left out. `None` when nothing counts yet.
//!
//! Outbound calls an agent dials ([`Command::Dial`](crate::Command::Dial)) are left out of
//! all of it: they never wait in the queue (so they are not `waiting` and do not set
//! `longest_wait_ms`), are neither answered nor abandoned (the far end hanging up ends a live
//! call), and so add no service-level sample — counting them as instantly answered would
//! flatter the service level. The agent placing one is Occupied like on any live call.

use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, ReportedStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub queue_id: String,
    /// Queued engagements (not those ringing at an agent).
    pub waiting: u32,
    /// How long the engagement that entered the queue first has waited; 0 when none waits.
    pub longest_wait_ms: i64,
    /// Agents serving the queue, by reported status.
    pub agents: AgentCounts,
    /// Agents who could be offered an engagement of this queue right now.
    pub available: u32,
    pub answered: u32,
    pub answered_within_threshold: u32,
    pub abandoned_after_threshold: u32,
    /// 0.0..=1.0; see the module documentation.
    pub service_level: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCounts {
    pub ready: u32,
    pub not_ready: u32,
    pub occupied: u32,
    pub offline: u32,
}

impl Engine {
    pub fn queue_stats(&self, queue: &str, now: i64) -> Result<QueueStats, EngineError> {
        let queue = &self.queues[self.queue_slot(queue)? as usize];
        let mut agents = AgentCounts::default();
        for slot in &queue.members {
            let entry = self.entry(*slot);
            let count = match entry.agent.reported(&entry.load) {
                ReportedStatus::Ready => &mut agents.ready,
                ReportedStatus::NotReady { .. } => &mut agents.not_ready,
                ReportedStatus::Occupied => &mut agents.occupied,
                ReportedStatus::Offline => &mut agents.offline,
            };
            *count += 1;
        }
        let threshold = queue.config().service_level_ms;
        let since = now - self.config.service_level_window_ms;
        let (mut answered, mut within, mut abandoned) = (0, 0, 0);
        for sample in queue.st.service.iter().filter(|s| s.at > since) {
            match (sample.answered, sample.wait_ms <= threshold) {
                (true, true) => {
                    answered += 1;
                    within += 1;
                }
                (true, false) => answered += 1,
                (false, false) => abandoned += 1,
                (false, true) => {}
            }
        }
        let counted = answered + abandoned;
        Ok(QueueStats {
            queue_id: queue.st.id.clone(),
            waiting: queue.waiting_count() as u32,
            longest_wait_ms: queue.oldest().map_or(0, |oldest| now - oldest.entered),
            agents,
            available: queue.available() as u32,
            answered,
            answered_within_threshold: within,
            abandoned_after_threshold: abandoned,
            service_level: (counted > 0).then(|| f64::from(within) / f64::from(counted)),
        })
    }
}
