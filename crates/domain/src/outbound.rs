//! Events out: the kinds of change other systems can follow, and how long a failing receiver is left
//! before the next try.

/// Every kind of event the feed carries, in the order the workbench lists them.
pub const KINDS: [&str; 15] = [
    "customer.created",
    "customer.verified",
    "customer.changed",
    "customer.merged",
    "customer.merge_undone",
    "case.registered",
    "case.escalated",
    "case.resolved",
    "lead.stage_changed",
    "segment.assign",
    "segment.upgrade",
    "segment.downgrade",
    "segment.change",
    "segment.remove",
    "alert.opened",
];

pub fn is_kind(s: &str) -> bool {
    KINDS.contains(&s)
}

/// The wait before the next try after `failures` failures in a row: 30 seconds, doubling, at most an hour
/// (a receiver down for a night is tried every hour, and catches up in order when it is back).
pub fn backoff_us(failures: i32) -> i64 {
    const FIRST: i64 = 30_000_000;
    const MOST: i64 = 3_600_000_000;
    let n = u32::try_from(failures.clamp(1, 20) - 1).unwrap_or(0);
    FIRST.saturating_mul(1i64 << n).min(MOST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        assert_eq!(backoff_us(1), 30_000_000);
        assert_eq!(backoff_us(2), 60_000_000);
        assert_eq!(backoff_us(5), 480_000_000);
        assert_eq!(backoff_us(8), 3_600_000_000);
        assert_eq!(backoff_us(1000), 3_600_000_000);
        assert_eq!(backoff_us(0), 30_000_000);
    }

    #[test]
    fn kinds_are_known_by_name() {
        assert!(is_kind("case.resolved"));
        assert!(!is_kind("customer.deleted"));
    }
}
