//! Timers: ring timeouts, wrap-up timers, and each queue's wake (skill steps, maximum wait).
//!
//! The engine never reads a clock. Each timer is a deadline derived from state (an offer's
//! expiry, a wrap-up deadline, a queue's next step change or maximum wait — see `queue.rs` for
//! why one per queue is enough), kept in one ordered set so
//! [`Engine::next_deadline`](crate::Engine::next_deadline) is the first entry. On `Tick`,
//! due timers run in deadline order, each group at its own deadline (not at the tick's time),
//! and routing settles after each group: a late tick gives the same result as a punctual one.
//!
//! A timer that finds its engagement already moved on is ignored. A timer that fires without
//! effect changes no durable state — only this set, which a restore rebuilds — so a `Tick`
//! that returns no outputs can be left out of the log.

use std::collections::BTreeSet;

use crate::engine::take_sorted;
use crate::{Engine, Output};

/// What a timer does, in the order timers with the same deadline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    OfferExpiry,
    WrapUp,
    /// A queue's wake; the key is the queue slot.
    Queue,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    due: BTreeSet<(i64, Timer, u64)>,
}

impl Timers {
    pub fn set(&mut self, at: i64, timer: Timer, key: u64) {
        self.due.insert((at, timer, key));
    }

    pub fn clear(&mut self, at: i64, timer: Timer, key: u64) {
        self.due.remove(&(at, timer, key));
    }

    pub fn next(&self) -> Option<i64> {
        self.due.first().map(|(at, _, _)| *at)
    }

    /// Removes and returns every timer due exactly at `at`.
    fn take_at(&mut self, at: i64) -> Vec<(Timer, u64)> {
        let mut taken = Vec::new();
        while let Some(&(when, timer, key)) = self.due.first() {
            if when != at {
                break;
            }
            self.due.pop_first();
            taken.push((timer, key));
        }
        taken
    }
}

impl Engine {
    /// Runs every timer due at or before `now`.
    pub(crate) fn tick(&mut self, now: i64, out: &mut Vec<Output>) {
        while let Some(at) = self.timers.next().filter(|at| *at <= now) {
            for (timer, key) in self.timers.take_at(at) {
                match timer {
                    Timer::OfferExpiry => self.offer_expired(key, at, out),
                    Timer::WrapUp => self.wrap_up_expired(key, at, out),
                    Timer::Queue => self.queue_woke(key as u32, at, out),
                }
            }
            self.settle(at, out);
            self.reschedule_queues(at);
        }
    }

    /// Sets the wake timer of every queue whose waiting engagements changed.
    pub(crate) fn reschedule_queues(&mut self, now: i64) {
        for q in take_sorted(&mut self.dirty.queues) {
            let queue = &mut self.queues[q as usize];
            let wake = queue.next_wake(now);
            if wake != queue.wake {
                if let Some(at) = queue.wake {
                    self.timers.clear(at, Timer::Queue, u64::from(q));
                }
                if let Some(at) = wake {
                    self.timers.set(at, Timer::Queue, u64::from(q));
                }
                queue.wake = wake;
            }
        }
    }
}
