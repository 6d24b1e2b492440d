//! The server's own share of setting up an inbound call (`callbar_call_setup_seconds`).
//!
//! Between the caller dialling and the agent's audio, a call passes back and forth between
//! the server and the agent's embed. The time a caller waits therefore mixes the server's
//! work with the agent's (clicking Accept, creating a WebRTC offer, ICE and DTLS) and the
//! network's. To say how fast the server is, it times only the stretches it holds the call:
//! - `offer`: the INVITE (or the widget's dial) reached Callbar → the engine offered the
//!   call to an agent (the offer is queued on the agent's channel in the same step);
//! - `accept`: the agent's accept reached Callbar → the engine accepted it and told the
//!   embed to start its audio (`start-media` queued);
//! - `media`: the agent's media offer reached Callbar → the SDP answer is ready.
//!
//! Their sum, per call, is the server's set-up time. A call is timed once, from its first
//! offer to its first agent leg ([`finish`] takes its `Setup` away); outbound calls (the
//! agent dials) are not timed here.

use std::time::{Duration, Instant};

/// One inbound call's set-up, while it is under way.
#[derive(Debug)]
pub struct Setup {
    began: Instant,
    offer: Option<Duration>,
    accept_from: Option<Instant>,
    accept: Option<Duration>,
}

/// A finished set-up: the three stretches the server held the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretches {
    pub offer: Duration,
    pub accept: Duration,
    pub media: Duration,
}

impl Stretches {
    pub fn total(&self) -> Duration {
        self.offer + self.accept + self.media
    }
}

impl Setup {
    /// The call reached Callbar at `began`.
    pub fn new(began: Instant) -> Setup {
        Setup {
            began,
            offer: None,
            accept_from: None,
            accept: None,
        }
    }

    /// The engine offered the call to an agent (only the first offer counts).
    pub fn offered(&mut self) {
        self.offer.get_or_insert_with(|| self.began.elapsed());
    }

    /// An agent's accept arrived.
    pub fn accepting(&mut self) {
        if self.offer.is_some() && self.accept.is_none() {
            self.accept_from = Some(Instant::now());
        }
    }

    /// The engine accepted it and `start-media` is queued.
    pub fn accepted(&mut self) {
        if self.accept.is_none() {
            self.accept = self.accept_from.map(|from| from.elapsed());
        }
    }

    /// The agent's leg is attached after `media` of the server's work: the whole set-up,
    /// if the call was offered and accepted.
    fn attached(&self, media: Duration) -> Option<Stretches> {
        Some(Stretches {
            offer: self.offer?,
            accept: self.accept?,
            media,
        })
    }
}

/// An agent's leg of the call whose set-up is in `slot` is attached after `media` of the
/// server's work: the whole set-up, once. A complete set-up leaves the slot empty, so a later
/// leg (another agent, a reload) is not timed again.
pub fn finish(slot: &mut Option<Setup>, media: Duration) -> Option<Stretches> {
    let stretches = slot.as_ref()?.attached(media)?;
    *slot = None;
    Some(stretches)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn adds_the_three_stretches_and_leaves_out_the_agents_time() {
        let mut s = Setup::new(Instant::now() - 3 * MS);
        s.offered();
        std::thread::sleep(250 * MS); // The agent thinks: not the server's time.
        s.accepting();
        s.accepted();
        let mut slot = Some(s);
        let done = finish(&mut slot, 2 * MS).expect("set up");
        assert!(done.offer >= 3 * MS && done.offer < 200 * MS, "{done:?}");
        assert!(done.accept < 200 * MS, "{done:?}");
        assert_eq!(done.media, 2 * MS);
        assert_eq!(done.total(), done.offer + done.accept + 2 * MS);
        assert_eq!(finish(&mut slot, MS), None, "timed once");
    }

    #[test]
    fn only_the_first_offer_and_a_complete_set_up_count() {
        let mut slot = Some(Setup::new(Instant::now()));
        let s = slot.as_mut().unwrap();
        s.accepting(); // An accept before any offer is not one.
        s.accepted();
        assert_eq!(finish(&mut slot, MS), None);
        let s = slot.as_mut().expect("an incomplete set-up stays");
        s.offered();
        let first = s.offer;
        std::thread::sleep(2 * MS);
        s.offered(); // Offered again after a ring timeout: still the first.
        assert_eq!(s.offer, first);
        assert_eq!(finish(&mut slot, MS), None, "not accepted yet");
    }
}
