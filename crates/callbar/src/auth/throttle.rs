//! Throttling of failed sign-ins, per account and per client address.
//!
//! After `max_failures` failures for one email within `window_secs` (or five times as
//! many from one address, to slow down spraying across accounts) sign-in for that key is
//! locked for `lockout_secs`. The lock applies whether or not the next password is right,
//! so guessing gains nothing. State is in memory: a restart forgets it, which costs an
//! attacker a restart they cannot cause.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::SignInLimits;

/// How many keys are tracked at most; older entries are pruned past this.
const MAX_KEYS: usize = 100_000;

pub struct Throttle {
    limits: SignInLimits,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Default)]
struct Entry {
    failures: Vec<Instant>,
    locked_until: Option<Instant>,
}

/// One thing attempts are counted against, with its limit.
pub struct Key {
    pub name: String,
    pub max_failures: u32,
}

impl Throttle {
    pub fn new(limits: SignInLimits) -> Self {
        Throttle {
            limits,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The keys of an attempt: the account and the client address.
    pub fn keys(&self, email: &str, client: std::net::IpAddr) -> [Key; 2] {
        [
            Key {
                name: format!("email:{}", email.to_lowercase()),
                max_failures: self.limits.max_failures,
            },
            Key {
                name: format!("ip:{client}"),
                max_failures: self.limits.max_failures.saturating_mul(5),
            },
        ]
    }

    /// `Err(wait)` while any key is locked.
    pub fn check(&self, keys: &[Key], now: Instant) -> Result<(), Duration> {
        let entries = self.entries.lock().expect("throttle lock");
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(&k.name)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Counts a failure; returns the lock's length if this failure locked a key.
    pub fn failed(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let window = Duration::from_secs(self.limits.window_secs);
        let lockout = Duration::from_secs(self.limits.lockout_secs);
        let mut entries = self.entries.lock().expect("throttle lock");
        if entries.len() >= MAX_KEYS {
            entries.retain(|_, e| {
                e.locked_until.is_some_and(|u| u > now) || e.failures.last().is_some_and(|t| now - *t < window)
            });
        }
        let mut locked = None;
        for key in keys {
            let entry = entries.entry(key.name.clone()).or_default();
            entry.failures.retain(|t| now.duration_since(*t) < window);
            entry.failures.push(now);
            if entry.failures.len() >= key.max_failures as usize {
                entry.failures.clear();
                entry.locked_until = Some(now + lockout);
                locked = Some(lockout);
            }
        }
        locked
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn succeeded(&self, keys: &[Key]) {
        let mut entries = self.entries.lock().expect("throttle lock");
        if let Some(account) = keys.first() {
            entries.remove(&account.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn throttle() -> Throttle {
        Throttle::new(SignInLimits {
            max_failures: 3,
            window_secs: 60,
            lockout_secs: 30,
        })
    }

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn locks_after_max_failures_and_unlocks_after_lockout() {
        let t = throttle();
        let keys = t.keys("Ada@example.com", IP);
        let start = Instant::now();
        assert_eq!(t.failed(&keys, start), None);
        assert_eq!(t.failed(&keys, start), None);
        assert!(t.check(&keys, start).is_ok());
        assert_eq!(t.failed(&keys, start), Some(Duration::from_secs(30)));
        let wait = t
            .check(&t.keys("ada@EXAMPLE.com", IP), start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(20), "the email is compared without case");
        assert!(t.check(&keys, start + Duration::from_secs(31)).is_ok());
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let t = throttle();
        let keys = t.keys("ada@example.com", IP);
        let start = Instant::now();
        t.failed(&keys, start);
        t.failed(&keys, start);
        assert_eq!(t.failed(&keys, start + Duration::from_secs(61)), None);
    }

    #[test]
    fn success_resets_the_account() {
        let t = throttle();
        let keys = t.keys("ada@example.com", IP);
        let now = Instant::now();
        t.failed(&keys, now);
        t.failed(&keys, now);
        t.succeeded(&keys);
        assert_eq!(t.failed(&keys, now), None);
    }

    #[test]
    fn one_address_spraying_many_accounts_is_locked() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..14 {
            t.failed(&t.keys(&format!("user{i}@example.com"), IP), now);
        }
        assert!(t.failed(&t.keys("user99@example.com", IP), now).is_some());
        assert!(t.check(&t.keys("someone@example.com", IP), now).is_err());
    }
}
