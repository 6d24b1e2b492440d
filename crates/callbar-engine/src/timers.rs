//! Timers: ring timeouts, wrap-up timers, maximum waits and skill-step changes.
//!
//! The engine never reads a clock. Each timer is a deadline derived from state (an offer's
//! expiry, a wrap-up deadline, a queue entry time plus a wait), kept in one ordered set so
//! [`Engine::next_deadline`](crate::Engine::next_deadline) is the first entry. On `Tick`,
//! due timers run in deadline order, each group at its own deadline (not at the tick's time),
//! and routing settles after each group: a late tick gives the same result as a punctual one.
//!
//! A timer that finds its engagement already moved on is ignored. A timer that fires without
//! effect changes no durable state — only this set, which a restore rebuilds — so a `Tick`
//! that returns no outputs can be left out of the log.

use std::collections::BTreeSet;

use crate::{Engine, Output};

/// What a timer does, in the order timers with the same deadline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    OfferExpiry,
    WrapUp,
    MaxWait,
    /// The engagement reaches its next skill step.
    Step,
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
                    Timer::MaxWait => self.max_wait_expired(key, at, out),
                    Timer::Step => self.step_reached(key),
                }
            }
            self.settle(at, out);
        }
    }
}
