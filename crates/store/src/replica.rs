//! Reads from a PostgreSQL standby (`database_read_url`), with its lag bounded. A watcher samples the
//! primary's WAL position and the standby's replayed position every 100 ms; the standby serves reads only
//! while it has replayed everything the primary had written `max_lag` ago. Otherwise (behind, paused,
//! unreachable, promoted) reads go to the primary. So a listing served by the standby at time T holds every
//! write committed before T − `max_lag`; reads that must see the caller's own write do not use it at all
//! (a record by its id, every write's own reads). Nor does it serve before it has replayed this build's
//! migrations: a node starts watching before it migrates the primary, and a standby within the lag bound
//! of the moments before the migration would otherwise answer a list from the old schema.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A standby's pool and whether it may serve reads now.
#[derive(Debug, Clone)]
pub(crate) struct Replica {
    pub conn: DatabaseConnection,
    pub fresh: Arc<AtomicBool>,
}

/// A WAL position (`16/B374D848`) as a number.
fn parse_lsn(s: &str) -> Option<u64> {
    let (hi, lo) = s.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

async fn lsn(c: &DatabaseConnection, sql: &str) -> Option<u64> {
    let row = c
        .query_one_raw(Statement::from_string(c.get_database_backend(), sql))
        .await
        .ok()??;
    let text: Option<String> = row.try_get_by_index(0).ok()?;
    parse_lsn(&text?)
}

/// The standby's schema version (`None` while it has no ledger yet, or cannot be asked).
async fn schema_version(c: &DatabaseConnection) -> Option<i64> {
    let row = c
        .query_one_raw(Statement::from_string(
            c.get_database_backend(),
            "SELECT MAX(version) FROM schema_migrations",
        ))
        .await
        .ok()??;
    row.try_get_by_index::<Option<i64>>(0).ok()?
}

/// Whether the standby may serve reads: it has replayed the node's migrations (`schema` at least
/// `want_schema`; a newer node's later ones too) and everything the primary had written `max_lag` ago
/// (`replayed` at least `need`). Unknown positions (unreachable, promoted, no sample yet): no.
fn may_serve(schema: i64, want_schema: i64, replayed: Option<u64>, need: Option<u64>) -> bool {
    schema >= want_schema && matches!((replayed, need), (Some(at), Some(need)) if at >= need)
}

/// Watches the standby's lag for as long as the process runs; it serves nothing before its schema is at
/// `want_schema` (the node's migrations). The primary's position is sampled once before this returns (so
/// before the node migrates it), then every 100 ms.
pub(crate) async fn watch(
    primary: DatabaseConnection,
    r: Replica,
    max_lag: Duration,
    want_schema: i64,
) {
    // The primary's positions over the last `max_lag` (and one older): the oldest is where the standby
    // must be.
    let mut samples: VecDeque<(Instant, u64)> = VecDeque::new();
    if let Some(p) = lsn(&primary, "SELECT pg_current_wal_lsn()::text").await {
        samples.push_back((Instant::now(), p));
    }
    tokio::spawn(async move {
        // Asked each tick until the standby has replayed this build's last migration (a version never
        // goes back, so not after).
        let mut schema = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = Instant::now();
            if let Some(p) = lsn(&primary, "SELECT pg_current_wal_lsn()::text").await {
                samples.push_back((now, p));
            }
            while samples.len() > 1
                && samples
                    .get(1)
                    .is_some_and(|(t, _)| now.duration_since(*t) >= max_lag)
            {
                samples.pop_front();
            }
            // NULL on a server that is not a standby (one promoted since): not read from.
            let replayed = lsn(&r.conn, "SELECT pg_last_wal_replay_lsn()::text").await;
            if schema < want_schema {
                schema = schema_version(&r.conn).await.unwrap_or(schema);
            }
            let need = samples.front().map(|(_, p)| *p);
            let fresh = may_serve(schema, want_schema, replayed, need);
            if r.fresh.swap(fresh, Ordering::Relaxed) != fresh {
                if fresh {
                    tracing::info!("the read replica caught up: reads go to it again");
                } else {
                    tracing::warn!(
                        max_lag_ms = max_lag.as_millis() as u64,
                        "the read replica is behind (or unreachable): reads go to the primary"
                    );
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wal_position_reads_as_one_number() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("junk"), None);
    }

    #[test]
    fn a_standby_serves_only_once_it_has_the_migrations_and_is_within_the_lag() {
        // Caught up, schema current or newer (a newer node migrated further): serves.
        assert!(may_serve(64, 64, Some(100), Some(100)));
        assert!(may_serve(65, 64, Some(120), Some(100)));
        // Caught up with the WAL of before the migration, not yet replayed it: does not.
        assert!(!may_serve(63, 64, Some(100), Some(100)));
        assert!(!may_serve(0, 64, Some(100), Some(100)));
        // Behind the bound, or positions unknown: does not.
        assert!(!may_serve(64, 64, Some(99), Some(100)));
        assert!(!may_serve(64, 64, None, Some(100)));
        assert!(!may_serve(64, 64, Some(100), None));
    }
}
