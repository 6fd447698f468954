//! Slowing down and locking out password guessing, per user and per source address.
//!
//! Each key (a user, a source address) counts its recent failures. The first few are free;
//! after them each attempt must wait a delay that doubles with every further failure (up to a
//! ceiling), and at the lockout count the key is locked for a while. An attempt made too early
//! is refused without being counted, so a locked-out user is not kept locked forever by an
//! attacker who keeps trying. The state is in memory, per node.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use crate::CoreError;

/// The limits, all configurable (`warden serve --signin-limit NAME=VALUE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures of one user before delays start.
    pub user_free_failures: u32,
    /// Failures of one user that lock it out.
    pub user_lockout_failures: u32,
    /// Failures from one source address (an IPv6 /64) before delays start.
    pub ip_free_failures: u32,
    /// Failures from one source address that lock it out.
    pub ip_lockout_failures: u32,
    /// The first delay; each further failure doubles it. Zero turns delays off.
    pub delay: Duration,
    pub max_delay: Duration,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// Failures are forgotten after this long without another.
    pub memory: Duration,
}

impl Default for SignInLimits {
    fn default() -> SignInLimits {
        SignInLimits {
            user_free_failures: 5,
            user_lockout_failures: 10,
            ip_free_failures: 20,
            ip_lockout_failures: 100,
            delay: Duration::seconds(1),
            max_delay: Duration::seconds(30),
            lockout: Duration::minutes(15),
            memory: Duration::minutes(15),
        }
    }
}

impl SignInLimits {
    /// The names [`set`](Self::set) accepts.
    pub const NAMES: [&'static str; 8] = [
        "user-free-failures",
        "user-lockout-failures",
        "ip-free-failures",
        "ip-lockout-failures",
        "delay-seconds",
        "max-delay-seconds",
        "lockout-seconds",
        "memory-seconds",
    ];

    /// Sets one limit by name (see [`NAMES`](Self::NAMES)).
    pub fn set(&mut self, name: &str, value: u32) -> Result<(), CoreError> {
        let seconds = Duration::seconds(i64::from(value));
        match name {
            "user-free-failures" => self.user_free_failures = value,
            "user-lockout-failures" => self.user_lockout_failures = value,
            "ip-free-failures" => self.ip_free_failures = value,
            "ip-lockout-failures" => self.ip_lockout_failures = value,
            "delay-seconds" => self.delay = seconds,
            "max-delay-seconds" => self.max_delay = seconds,
            "lockout-seconds" => self.lockout = seconds,
            "memory-seconds" => self.memory = seconds,
            other => {
                return Err(CoreError::Config(format!(
                    "unknown sign-in limit `{other}`; limits are {}",
                    Self::NAMES.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn of(&self, key: &Key) -> (u32, u32) {
        match key {
            Key::User(_) => (self.user_free_failures, self.user_lockout_failures),
            Key::Ip(_) => (self.ip_free_failures, self.ip_lockout_failures),
        }
    }

    /// The wait after `failures` failures, before the next attempt.
    fn delay_after(&self, failures: u32, free: u32) -> Duration {
        let Some(extra) = failures.checked_sub(free).filter(|n| *n > 0) else {
            return Duration::ZERO;
        };
        // 2^(extra-1) delays, without overflow: past 2^20 the ceiling has long been reached.
        let factor = 1i32 << (extra - 1).min(20);
        self.delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// `ACCOUNT/user` (lower-cased, as user names are case-insensitive), whether or not the
    /// user exists, so the throttle's answers do not reveal which users do.
    User(String),
    /// A source address; IPv6 addresses by their /64, which one host usually holds whole.
    Ip(IpAddr),
}

impl Key {
    pub(crate) fn user(account: &str, user: &str) -> Key {
        Key::User(format!("{}/{}", account, user.to_lowercase()))
    }

    pub(crate) fn ip(ip: IpAddr) -> Key {
        match ip {
            IpAddr::V4(_) => Key::Ip(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Key::Ip(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(v6) & !((1u128 << 64) - 1);
                    Key::Ip(IpAddr::V6(bits.into()))
                }
            },
        }
    }
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Too soon after the last failures: try again after this long.
    Wait(Duration),
    /// Locked out until then.
    Locked(OffsetDateTime),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
}

/// Past this many keys, forgotten ones are swept out before a new one is added.
const SWEEP_AT: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct Throttle {
    limits: Mutex<SignInLimits>,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Throttle {
    pub(crate) fn set_limits(&self, limits: SignInLimits) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner) = limits;
    }

    fn limits(&self) -> SignInLimits {
        self.limits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The strictest answer of `keys` at `now`.
    pub(crate) fn check(&self, keys: &[Key], now: OffsetDateTime) -> Gate {
        let limits = self.limits();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut gate = Gate::Open;
        for key in keys {
            let Some(entry) = entries.get(key) else {
                continue;
            };
            let this = match entry.locked_until {
                Some(until) if until > now => Gate::Locked(until),
                Some(_) => Gate::Open,
                None => {
                    let (free, _) = limits.of(key);
                    let ready = entry.last_failure + limits.delay_after(entry.failures, free);
                    if ready > now && now - entry.last_failure < limits.memory {
                        Gate::Wait(ready - now)
                    } else {
                        Gate::Open
                    }
                }
            };
            gate = match (gate, this) {
                (Gate::Locked(a), Gate::Locked(b)) => Gate::Locked(a.max(b)),
                (Gate::Locked(a), _) | (_, Gate::Locked(a)) => Gate::Locked(a),
                (Gate::Wait(a), Gate::Wait(b)) => Gate::Wait(a.max(b)),
                (Gate::Wait(a), Gate::Open) | (Gate::Open, Gate::Wait(a)) => Gate::Wait(a),
                (Gate::Open, Gate::Open) => Gate::Open,
            };
        }
        gate
    }

    /// Counts a failure against every key.
    pub(crate) fn failure(&self, keys: &[Key], now: OffsetDateTime) {
        let limits = self.limits();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| {
                now - e.last_failure < limits.memory || e.locked_until.is_some_and(|u| u > now)
            });
        }
        for key in keys {
            let (_, lockout) = limits.of(key);
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last_failure: now,
                locked_until: None,
            });
            // A lockout served, or failures long ago, start the count again.
            let expired_lock = entry.locked_until.is_some_and(|u| u <= now);
            if expired_lock || now - entry.last_failure >= limits.memory {
                entry.failures = 0;
                entry.locked_until = None;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            if entry.failures >= lockout.max(1) {
                entry.locked_until = Some(now + limits.lockout);
            }
        }
    }

    /// Forgets a key's failures (a user who signed in).
    pub(crate) fn success(&self, key: &Key) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SignInLimits {
        SignInLimits {
            user_free_failures: 2,
            user_lockout_failures: 5,
            ip_free_failures: 3,
            ip_lockout_failures: 8,
            delay: Duration::seconds(1),
            max_delay: Duration::seconds(3),
            lockout: Duration::minutes(10),
            memory: Duration::minutes(15),
        }
    }

    fn throttle() -> Throttle {
        let t = Throttle::default();
        t.set_limits(limits());
        t
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(1_000_000 + seconds)
    }

    #[test]
    fn free_failures_then_doubling_delays_then_a_lockout() {
        let t = throttle();
        let alice = [Key::user("111111111111", "Alice")];
        // Two free failures: the next attempt may come at once.
        t.failure(&alice, at(0));
        t.failure(&alice, at(0));
        assert_eq!(t.check(&alice, at(0)), Gate::Open);
        // The third waits 1 s, the fourth 2 s, the fifth locks.
        t.failure(&alice, at(0));
        assert_eq!(t.check(&alice, at(0)), Gate::Wait(Duration::seconds(1)));
        assert_eq!(t.check(&alice, at(1)), Gate::Open);
        t.failure(&alice, at(1));
        assert_eq!(t.check(&alice, at(2)), Gate::Wait(Duration::seconds(1)));
        assert_eq!(t.check(&alice, at(3)), Gate::Open);
        t.failure(&alice, at(3));
        assert_eq!(t.check(&alice, at(4)), Gate::Locked(at(3 + 600)));
        // Still locked just before the end, open after it, and counting from zero again.
        assert_eq!(t.check(&alice, at(602)), Gate::Locked(at(603)));
        assert_eq!(t.check(&alice, at(603)), Gate::Open);
        t.failure(&alice, at(603));
        assert_eq!(t.check(&alice, at(603)), Gate::Open);
    }

    #[test]
    fn the_delay_stops_growing_at_the_ceiling() {
        let l = SignInLimits {
            user_lockout_failures: 100,
            ..limits()
        };
        assert_eq!(l.delay_after(2, 2), Duration::ZERO);
        assert_eq!(l.delay_after(3, 2), Duration::seconds(1));
        assert_eq!(l.delay_after(4, 2), Duration::seconds(2));
        assert_eq!(l.delay_after(5, 2), Duration::seconds(3));
        assert_eq!(l.delay_after(90, 2), Duration::seconds(3));
        assert_eq!(l.delay_after(u32::MAX, 2), Duration::seconds(3));
    }

    #[test]
    fn keys_are_counted_apart_and_the_strictest_wins() {
        let t = throttle();
        let ip = Key::ip("192.0.2.7".parse().unwrap());
        // Eight users guessed from one address: each user is fine, the address is locked.
        for n in 0..8 {
            let user = Key::user("111111111111", &format!("user{n}"));
            t.failure(&[user, ip.clone()], at(0));
        }
        let fresh = Key::user("111111111111", "someone-else");
        assert_eq!(t.check(std::slice::from_ref(&fresh), at(1)), Gate::Open);
        assert_eq!(t.check(&[fresh, ip.clone()], at(1)), Gate::Locked(at(600)));
        // Another address is not affected.
        let other = Key::ip("192.0.2.8".parse().unwrap());
        assert_eq!(t.check(&[other], at(1)), Gate::Open);
    }

    #[test]
    fn a_success_forgets_the_users_failures() {
        let t = throttle();
        let bob = Key::user("111111111111", "bob");
        for _ in 0..4 {
            t.failure(std::slice::from_ref(&bob), at(0));
        }
        assert!(matches!(
            t.check(std::slice::from_ref(&bob), at(0)),
            Gate::Wait(_)
        ));
        t.success(&bob);
        assert_eq!(t.check(std::slice::from_ref(&bob), at(0)), Gate::Open);
    }

    #[test]
    fn old_failures_are_forgotten() {
        let t = throttle();
        let carol = [Key::user("111111111111", "carol")];
        for _ in 0..4 {
            t.failure(&carol, at(0));
        }
        // 15 minutes later four more failures are needed before a lockout.
        for _ in 0..4 {
            t.failure(&carol, at(900));
        }
        assert!(matches!(t.check(&carol, at(900)), Gate::Wait(_)));
    }

    #[test]
    fn user_names_are_case_insensitive_and_ipv6_counts_by_slash_64() {
        assert_eq!(Key::user("1", "Alice"), Key::user("1", "alice"));
        assert_eq!(
            Key::ip("2001:db8::1".parse().unwrap()),
            Key::ip("2001:db8::ffff:1".parse().unwrap())
        );
        assert_ne!(
            Key::ip("2001:db8::1".parse().unwrap()),
            Key::ip("2001:db8:0:1::1".parse().unwrap())
        );
        assert_eq!(
            Key::ip("::ffff:192.0.2.1".parse().unwrap()),
            Key::ip("192.0.2.1".parse().unwrap())
        );
    }

    #[test]
    fn limits_are_set_by_name() {
        let mut l = SignInLimits::default();
        l.set("user-lockout-failures", 3).unwrap();
        l.set("delay-seconds", 0).unwrap();
        assert_eq!(l.user_lockout_failures, 3);
        assert_eq!(l.delay, Duration::ZERO);
        assert!(l.set("no-such-limit", 1).is_err());
    }
}
