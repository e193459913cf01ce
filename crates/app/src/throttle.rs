//! Sign-in throttling by where the attempts come from, so a stranger cannot lock an account's owner out and
//! a password spray across many accounts is slowed and raised.
//!
//! - **Account and source**: `access.max_failed_logins` failures for one username from one source address
//!   block that pair for `access.lockout_minutes`, doubling with every further failure (capped at a day). The
//!   owner signing in from elsewhere is not affected.
//! - **Source across accounts**: four times that many failures from one address within `lockout_minutes`,
//!   whatever the usernames, block the address for `lockout_minutes` (doubling likewise), and the first time
//!   in a window it is reported ([`Failure::spray`]) so administrators are told.
//!
//! The counts live in memory on each node (a restart forgives); the audit log keeps every failed attempt.

use crate::error::{AppError, Result};
use std::collections::HashMap;
use std::sync::Mutex;

const MAX_DELAY_US: i64 = 24 * 3_600_000_000;
/// Failures across accounts from one address, as a multiple of the per-account limit.
const SPRAY_FACTOR: u32 = 4;

#[derive(Debug, Default, Clone, Copy)]
struct Strikes {
    failures: u32,
    /// When the current count started (failures older than the window are forgotten).
    since_us: i64,
    blocked_until_us: i64,
    /// Whether this window's block was already reported.
    raised: bool,
}

impl Strikes {
    fn blocked(&self, now: i64) -> Option<i64> {
        (self.blocked_until_us > now).then(|| (self.blocked_until_us - now) / 1_000_000 + 1)
    }

    /// Counts a failure; blocks once `limit` is reached, longer with each failure past it. Returns whether
    /// this failure started a block.
    fn fail(&mut self, now: i64, window_us: i64, limit: u32) -> bool {
        if now - self.since_us > window_us && self.blocked_until_us <= now {
            *self = Strikes {
                since_us: now,
                ..Strikes::default()
            };
        }
        self.failures += 1;
        if self.failures < limit {
            return false;
        }
        let doublings = (self.failures - limit).min(16);
        let delay = window_us.saturating_mul(1 << doublings).min(MAX_DELAY_US);
        let started = self.blocked_until_us <= now;
        self.blocked_until_us = now + delay;
        started
    }
}

/// What a failed attempt led to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The source address has just been blocked for failures across accounts (report it once).
    pub(crate) spray: bool,
}

#[derive(Debug, Default)]
struct State {
    pairs: HashMap<(String, String), Strikes>,
    sources: HashMap<String, Strikes>,
    /// Single sign-on attempts begun per source (each writes a row before anyone is known).
    starts: HashMap<String, Strikes>,
}

/// Single sign-on attempts one address may begin within [`START_WINDOW_US`]: far above a person's (a
/// cancelled or timed-out sign-in is begun again), far below a flood of rows.
const STARTS_PER_WINDOW: u32 = 30;
const START_WINDOW_US: i64 = 10 * 60_000_000;

/// The throttle of one node.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    inner: Mutex<State>,
}

impl LoginThrottle {
    fn state(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.inner
            .lock()
            .map_err(|_| AppError::internal("the sign-in throttle's lock is poisoned"))
    }

    /// Refuses (429 with the seconds to wait) while the source, or this username from this source, is
    /// blocked.
    pub(crate) fn check(&self, username: &str, source: &str, now: i64) -> Result<()> {
        let st = self.state()?;
        let pair = st
            .pairs
            .get(&(username.to_owned(), source.to_owned()))
            .and_then(|s| s.blocked(now));
        let src = st.sources.get(source).and_then(|s| s.blocked(now));
        match pair.max(src) {
            Some(retry_after_s) => Err(AppError::Throttled { retry_after_s }),
            None => Ok(()),
        }
    }

    /// Records a failed attempt.
    pub(crate) fn failed(
        &self,
        username: &str,
        source: &str,
        now: i64,
        limit: u32,
        window_minutes: u32,
    ) -> Result<Failure> {
        let window_us = i64::from(window_minutes) * 60_000_000;
        let mut st = self.state()?;
        // Forget what no longer matters, so memory stays bounded under a spray of random usernames.
        if st.pairs.len() > 100_000 {
            st.pairs
                .retain(|_, s| s.blocked_until_us > now || now - s.since_us <= window_us);
        }
        st.pairs
            .entry((username.to_owned(), source.to_owned()))
            .or_default()
            .fail(now, window_us, limit);
        let src = st.sources.entry(source.to_owned()).or_default();
        let started = src.fail(now, window_us, limit.saturating_mul(SPRAY_FACTOR));
        let spray = started && !src.raised;
        if spray {
            src.raised = true;
        }
        Ok(Failure { spray })
    }

    /// Counts a single sign-on attempt begun from `source`; refuses (429) once the address began too many
    /// within the window, for a window doubling with each further one.
    pub(crate) fn started(&self, source: &str, now: i64) -> Result<()> {
        let mut st = self.state()?;
        if st.starts.len() > 100_000 {
            st.starts
                .retain(|_, s| s.blocked_until_us > now || now - s.since_us <= START_WINDOW_US);
        }
        let s = st.starts.entry(source.to_owned()).or_default();
        if let Some(retry_after_s) = s.blocked(now) {
            return Err(AppError::Throttled { retry_after_s });
        }
        s.fail(now, START_WINDOW_US, STARTS_PER_WINDOW);
        Ok(())
    }

    /// A successful sign-in clears this username's count from this source.
    pub(crate) fn succeeded(&self, username: &str, source: &str) -> Result<()> {
        self.state()?
            .pairs
            .remove(&(username.to_owned(), source.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_address_beginning_single_sign_on_too_often_waits() {
        let t = LoginThrottle::default();
        let now = 1_000_000_000;
        for i in 0..STARTS_PER_WINDOW - 1 {
            t.started("10.0.0.1", now + i64::from(i)).unwrap();
        }
        // The 30th is counted and starts the pause; the next waits the window.
        t.started("10.0.0.1", now + 100).unwrap();
        match t.started("10.0.0.1", now + 200) {
            Err(AppError::Throttled { retry_after_s }) => assert!(retry_after_s > 500),
            other => panic!("{other:?}"),
        }
        // Another address is not held back, and the window passes.
        t.started("10.0.0.2", now + 300).unwrap();
        t.started("10.0.0.1", now + 200 + 2 * START_WINDOW_US)
            .unwrap();
    }

    const MIN: i64 = 60_000_000;

    #[test]
    fn failures_block_the_account_only_from_where_they_came_and_longer_each_time() {
        let t = LoginThrottle::default();
        for _ in 0..4 {
            t.failed("rm1", "10.0.0.66", 0, 5, 15).unwrap();
        }
        assert!(t.check("rm1", "10.0.0.66", 0).is_ok());
        t.failed("rm1", "10.0.0.66", 0, 5, 15).unwrap();
        assert!(t.check("rm1", "10.0.0.66", 1).is_err());
        // The owner elsewhere is not locked out.
        assert!(t.check("rm1", "10.0.0.1", 1).is_ok());
        // The sixth failure doubles the wait: still blocked after the first 15 minutes.
        t.failed("rm1", "10.0.0.66", 2, 5, 15).unwrap();
        assert!(t.check("rm1", "10.0.0.66", 20 * MIN).is_err());
        assert!(t.check("rm1", "10.0.0.66", 31 * MIN).is_ok());
    }

    #[test]
    fn a_spray_across_accounts_blocks_the_source_and_is_reported_once() {
        let t = LoginThrottle::default();
        let mut reported = 0;
        for i in 0..40 {
            let f = t
                .failed(&format!("user{}", i % 10), "10.0.0.66", i, 5, 15)
                .unwrap();
            reported += usize::from(f.spray);
        }
        assert_eq!(reported, 1);
        assert!(t.check("someone-else", "10.0.0.66", 50).is_err());
        assert!(t.check("someone-else", "10.0.0.1", 50).is_ok());
    }
}
