//! Matching the customer with the host's records, and screen pops.
//!
//! When an engagement rings at an agent, the embed asks its host who the customer is
//! (`zcc-incomingPhone-request` for voice and SMS, `zcc-incomingEmail-request` for the
//! others when an email is known). The host answers without a request id, so answers are
//! matched to questions in order, per agent and kind. Then, as Zoom's embed does:
//! - at most one match and the host configured `screenPopEvent: "RINGING"`: pop at once,
//!   with the caller's number or email as `id`;
//! - at most one match otherwise: pop when the engagement connects;
//! - several matches: the agent picks one in the embed, which pops that record's `id`.
//!
//! The matched record goes into the call log as `user`; it is stored, so a restart keeps it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use callbar_protocol::ContactRecord;

/// Which lookup a host answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupKind {
    Phone,
    Email,
}

/// What to do after an answer or a pick.
#[derive(Debug, PartialEq, Eq)]
pub enum Pop {
    /// Post `zcc-screen-pop` with this id now.
    Now(String),
    /// Nothing to pop yet (several matches: the agent picks; or pop on connect).
    Later,
}

#[derive(Default)]
struct Linked {
    /// What the customer is known by (number or email): the `id` of an automatic pop.
    address: String,
    matches: Vec<ContactRecord>,
    contact: Option<ContactRecord>,
    /// An automatic pop is due when the engagement connects.
    pop_on_connect: bool,
}

#[derive(Default)]
struct Inner {
    pending: HashMap<(String, LookupKind), VecDeque<String>>,
    linked: HashMap<String, Linked>,
    /// Per agent: whether their host asked for pops while ringing.
    pop_while_ringing: HashMap<String, bool>,
    /// Per agent: whether their host wants `zcc-call-recording` (default yes).
    recording_links: HashMap<String, bool>,
}

#[derive(Default)]
pub struct Lookups {
    inner: Mutex<Inner>,
}

impl Lookups {
    /// The host's `zcc-init-config-response` of an agent's embed: `phone.screenPopEvent`
    /// and `phone.callLogConfigs.autoUpdateCallURL`.
    pub fn configure(&self, agent: &str, screen_pop_event: Option<&str>, recording_links: Option<bool>) {
        let ringing = screen_pop_event.is_some_and(|e| e.eq_ignore_ascii_case("RINGING"));
        let mut inner = self.lock();
        inner.pop_while_ringing.insert(agent.to_owned(), ringing);
        inner
            .recording_links
            .insert(agent.to_owned(), recording_links.unwrap_or(true));
    }

    /// Whether the agent's host wants `zcc-call-recording` after a recorded call's log.
    pub fn auto_update_call_url(&self, agent: &str) -> bool {
        self.lock().recording_links.get(agent).copied().unwrap_or(true)
    }

    /// The embed asked its host about `engagement`'s customer, known by `address`.
    pub fn asked(&self, agent: &str, kind: LookupKind, engagement: &str, address: &str) {
        let mut inner = self.lock();
        inner
            .pending
            .entry((agent.to_owned(), kind))
            .or_default()
            .push_back(engagement.to_owned());
        inner.linked.entry(engagement.to_owned()).or_default().address = address.to_owned();
    }

    /// The host answered the agent's oldest open lookup of `kind`. Returns the engagement it
    /// belongs to and what to pop, or `None` if no lookup was open.
    pub fn answered(&self, agent: &str, kind: LookupKind, matches: Vec<ContactRecord>) -> Option<(String, Pop)> {
        let mut inner = self.lock();
        let engagement = inner.pending.get_mut(&(agent.to_owned(), kind))?.pop_front()?;
        let while_ringing = inner.pop_while_ringing.get(agent).copied().unwrap_or(false);
        let linked = inner.linked.entry(engagement.clone()).or_default();
        let pop = if matches.len() <= 1 {
            linked.contact = matches.first().cloned();
            if while_ringing {
                Pop::Now(linked.address.clone())
            } else {
                linked.pop_on_connect = true;
                Pop::Later
            }
        } else {
            Pop::Later
        };
        linked.matches = matches;
        Some((engagement, pop))
    }

    /// The agent picked one of several matches; returns the record to pop, if it is one.
    pub fn pick(&self, engagement: &str, contact_id: &str) -> Option<ContactRecord> {
        let mut inner = self.lock();
        let linked = inner.linked.get_mut(engagement)?;
        let chosen = linked.matches.iter().find(|c| c.id == contact_id)?.clone();
        linked.contact = Some(chosen.clone());
        linked.pop_on_connect = false;
        Some(chosen)
    }

    /// The engagement connected: the pop it was waiting for, if any.
    pub fn connected(&self, engagement: &str) -> Option<String> {
        let mut inner = self.lock();
        let linked = inner.linked.get_mut(engagement)?;
        std::mem::take(&mut linked.pop_on_connect).then(|| linked.address.clone())
    }

    /// Matches and the chosen record, for the embed's view.
    pub fn view(&self, engagement: &str) -> (Vec<ContactRecord>, Option<ContactRecord>) {
        let inner = self.lock();
        inner
            .linked
            .get(engagement)
            .map(|l| (l.matches.clone(), l.contact.clone()))
            .unwrap_or_default()
    }

    pub fn contact(&self, engagement: &str) -> Option<ContactRecord> {
        self.lock().linked.get(engagement).and_then(|l| l.contact.clone())
    }

    /// A record linked before a restart.
    pub fn restore(&self, engagement: &str, contact: ContactRecord) {
        self.lock().linked.entry(engagement.to_owned()).or_default().contact = Some(contact);
    }

    /// The engagement is over: forget it (its lookups are no longer answered).
    pub fn forget(&self, engagement: &str) {
        let mut inner = self.lock();
        inner.linked.remove(engagement);
        for queue in inner.pending.values_mut() {
            queue.retain(|e| e != engagement);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("lookups lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: &str) -> ContactRecord {
        ContactRecord {
            id: id.into(),
            name: format!("Name {id}"),
            ..Default::default()
        }
    }

    #[test]
    fn one_match_pops_at_once_when_configured_ringing() {
        let l = Lookups::default();
        l.configure("ada", Some("RINGING"), None);
        l.asked("ada", LookupKind::Phone, "e1", "+1650");
        let (e, pop) = l.answered("ada", LookupKind::Phone, vec![contact("c1")]).unwrap();
        assert_eq!((e.as_str(), pop), ("e1", Pop::Now("+1650".into())));
        assert_eq!(l.contact("e1").unwrap().id, "c1");
        assert_eq!(l.connected("e1"), None, "popped once");
    }

    #[test]
    fn otherwise_it_pops_on_connect() {
        let l = Lookups::default();
        l.asked("ada", LookupKind::Phone, "e1", "+1650");
        assert_eq!(l.answered("ada", LookupKind::Phone, vec![]).unwrap().1, Pop::Later);
        assert_eq!(l.connected("e1"), Some("+1650".into()));
        assert_eq!(l.connected("e1"), None);
    }

    #[test]
    fn several_matches_wait_for_the_agent() {
        let l = Lookups::default();
        l.configure("ada", Some("RINGING"), None);
        l.asked("ada", LookupKind::Phone, "e1", "+1650");
        let (_, pop) = l
            .answered("ada", LookupKind::Phone, vec![contact("c1"), contact("c2")])
            .unwrap();
        assert_eq!(pop, Pop::Later);
        assert_eq!(l.view("e1").0.len(), 2);
        assert!(l.pick("e1", "nope").is_none());
        assert_eq!(l.pick("e1", "c2").unwrap().id, "c2");
        assert_eq!(l.connected("e1"), None, "a pick is the pop");
        assert_eq!(l.contact("e1").unwrap().id, "c2");
    }

    #[test]
    fn answers_match_questions_in_order_per_kind() {
        let l = Lookups::default();
        l.asked("ada", LookupKind::Phone, "e1", "+1");
        l.asked("ada", LookupKind::Email, "e2", "a@b.c");
        l.asked("ada", LookupKind::Phone, "e3", "+3");
        assert_eq!(l.answered("ada", LookupKind::Phone, vec![]).unwrap().0, "e1");
        assert_eq!(l.answered("ada", LookupKind::Email, vec![]).unwrap().0, "e2");
        assert_eq!(l.answered("ada", LookupKind::Phone, vec![]).unwrap().0, "e3");
        assert!(l.answered("ada", LookupKind::Phone, vec![]).is_none(), "nothing open");
        l.asked("ada", LookupKind::Phone, "e4", "+4");
        l.forget("e4");
        assert!(l.answered("ada", LookupKind::Phone, vec![]).is_none(), "forgotten");
    }
}
