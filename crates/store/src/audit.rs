//! The audit log: unsealed inserts inside each writer's transaction, sealing in commit order by one
//! lease-holding sealer, and reads for queries and verification.

use crate::db::DbKind;
use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

crate::table! {
    pub struct AuditRow in "audit_log" {
        pub id: Uuid,
        pub seq: Option<i64>,
        pub at_us: i64,
        pub actor_id: Option<Uuid>,
        pub actor: String,
        pub action: String,
        pub entity: String,
        pub entity_id: Option<String>,
        pub customer_id: Option<Uuid>,
        pub detail: String,
        pub prev_hash: Option<String>,
        pub hash: Option<String>,
        /// The record's own MAC under the audit key, set by the writer: the sealer seals no record without
        /// a valid one (a row forged in the database has none it could compute).
        pub mac: Option<String>,
    }
}

crate::table! {
    /// Records the sealer refused (their MAC does not match): kept out of the chain and reported by verify.
    pub struct QuarantineRow in "audit_quarantine" {
        pub id: Uuid,
        pub found_at_us: i64,
    }
}

/// Inserts unsealed records (no seq, no hash yet: the sealer sets them), each with its MAC.
pub async fn insert_audit<C: ConnectionTrait>(c: &C, rows: &[AuditRow]) -> Result<()> {
    if rows
        .iter()
        .any(|r| r.seq.is_some() || r.hash.is_some() || r.prev_hash.is_some() || r.mac.is_none())
    {
        return Err(crate::error::StoreError::Corrupt(
            "audit_log: a record is written unsealed with its MAC; only the sealer sets seq and hash"
                .into(),
        ));
    }
    table::insert_many(c, rows).await
}

/// Sets aside a record the sealer refused.
pub async fn quarantine<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    table::insert(
        c,
        &[QuarantineRow {
            id,
            found_at_us: at_us,
        }],
    )
    .await
}

/// The quarantined records, oldest first.
pub async fn list_quarantined<C: ConnectionTrait>(c: &C) -> Result<Vec<QuarantineRow>> {
    let q = table::select::<QuarantineRow>()
        .order_by("found_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all::<QuarantineRow, _>(c, &q).await
}

/// Records written before the chain was keyed (no MAC yet): sealed ones in chain order, then the rest.
pub async fn list_unkeyed<C: ConnectionTrait>(c: &C) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("mac").is_null())
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    let mut rows = table::all::<AuditRow, _>(c, &q).await?;
    // Sealed records in their chain order, then the unsealed ones (NULLs sort differently per backend).
    rows.sort_by_key(|r| (r.seq.is_none(), r.seq));
    Ok(rows)
}

/// Gives a record written before the chain was keyed its MAC and, if sealed, its keyed chain value.
/// Only the one-time keying at upgrade calls this, before the guard triggers exist.
pub async fn rekey<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    mac: &str,
    chain: Option<(&str, &str)>,
) -> Result<()> {
    let mut q = Query::update();
    q.table("audit_log")
        .value("mac", mac)
        .and_where(Expr::col("id").eq(id));
    if let Some((prev, hash)) = chain {
        q.value("prev_hash", prev).value("hash", hash);
    }
    c.execute(&q).await?;
    Ok(())
}

// Written out, not taken from `AuditRow`: migration 10 must say the same forever. A column added to the
// log fails the test below: it needs a new migration that replaces the guard with one covering it.
const GUARDED_CONTENT: [&str; 10] = [
    "id",
    "at_us",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "customer_id",
    "detail",
    "mac",
];

const REFUSED: &str = "audit_log is append-only: records are neither changed nor removed";

/// The statements that make the log append-only in the database itself: no DELETE or TRUNCATE, no
/// UPDATE but the sealer's one-time setting of `seq`, `prev_hash` and `hash`, no INSERT of a sealed or
/// MAC-less record. Applied by migration 10.
pub fn guard_statements(kind: DbKind) -> Vec<String> {
    match kind {
        DbKind::Sqlite => {
            let changed = GUARDED_CONTENT
                .iter()
                .map(|c| format!("NEW.{c} IS NOT OLD.{c}"))
                .collect::<Vec<_>>()
                .join(" OR ");
            vec![
                sqlite_delete_guard(),
                format!(
                    "CREATE TRIGGER audit_log_seal_once BEFORE UPDATE ON audit_log \
                     WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL OR {changed} \
                     BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
                ),
                format!(
                    "CREATE TRIGGER audit_log_insert_unsealed BEFORE INSERT ON audit_log \
                     WHEN NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.mac IS NULL \
                     BEGIN SELECT RAISE(ABORT, 'audit_log: a record is written unsealed, with its MAC'); END"
                ),
            ]
        }
        DbKind::Postgres => {
            let new_cols = GUARDED_CONTENT.map(|c| format!("NEW.{c}")).join(", ");
            let old_cols = GUARDED_CONTENT.map(|c| format!("OLD.{c}")).join(", ");
            vec![
                format!(
                    "CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN \
                       IF TG_OP IN ('DELETE', 'TRUNCATE') THEN RAISE EXCEPTION '{REFUSED}'; END IF; \
                       IF TG_OP = 'INSERT' THEN \
                         IF NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.mac IS NULL THEN \
                           RAISE EXCEPTION 'audit_log: a record is written unsealed, with its MAC'; \
                         END IF; \
                         RETURN NEW; \
                       END IF; \
                       IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL \
                          OR ROW({new_cols}) IS DISTINCT FROM ROW({old_cols}) THEN \
                         RAISE EXCEPTION '{REFUSED}'; \
                       END IF; \
                       RETURN NEW; \
                     END $$"
                ),
                "CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_guard()"
                    .into(),
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()"
                    .into(),
            ]
        }
    }
}

/// SQLite's trigger that refuses a DELETE on the log (lifted only inside an archive's transaction).
fn sqlite_delete_guard() -> String {
    format!(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
         BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    )
}

/// What an operator with the database owner's rights must run to lift the guard (tamper drills in the
/// tests; never the application): the guard's own removal is the attack the MAC and checkpoints catch.
pub fn unguard_statements(kind: DbKind) -> Vec<String> {
    match kind {
        DbKind::Sqlite => [
            "audit_log_no_delete",
            "audit_log_seal_once",
            "audit_log_insert_unsealed",
        ]
        .iter()
        .map(|t| format!("DROP TRIGGER {t}"))
        .collect(),
        DbKind::Postgres => vec!["ALTER TABLE audit_log DISABLE TRIGGER USER".into()],
    }
}

/// Restores the guard after [`unguard_statements`].
pub fn reguard_statements(kind: DbKind) -> Vec<String> {
    match kind {
        DbKind::Sqlite => guard_statements(kind),
        DbKind::Postgres => vec!["ALTER TABLE audit_log ENABLE TRIGGER USER".into()],
    }
}

/// The privileges of the role the server connects as on PostgreSQL, when the schema belongs to another
/// (owner) role: everything it needs, but on `audit_log` only INSERT, SELECT and UPDATE of the three
/// sealing columns. Printed by `banyan db grants`.
pub fn app_role_grants(role: &str) -> Vec<String> {
    vec![
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"),
        format!("GRANT UPDATE (seq, prev_hash, hash) ON audit_log TO {role}"),
        // The month partitions that exist now came with ALL TABLES above; those made later belong to the
        // schema's owner and are reached through audit_log only.
        format!(
            "DO $$ DECLARE p regclass; BEGIN FOR p IN SELECT inhrelid::regclass FROM pg_inherits \
             WHERE inhparent = 'audit_log'::regclass LOOP \
             EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM {role}', p); END LOOP; END $$"
        ),
    ]
}

/// The last sealed record's `(seq, hash)`.
pub async fn last_sealed<C: ConnectionTrait>(c: &C) -> Result<Option<(i64, String)>> {
    let q = Query::select()
        .columns(["seq", "hash"])
        .from("audit_log")
        .and_where(Expr::col("seq").is_not_null())
        .order_by("seq", Order::Desc)
        .limit(1)
        .to_owned();
    match c.query_one(&q).await? {
        None => Ok(None),
        Some(r) => Ok(Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?))),
    }
}

/// Unsealed records in the order they are to be chained.
pub async fn list_unsealed<C: ConnectionTrait>(c: &C, limit: u64) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("seq").is_null())
        .and_where(
            Expr::col("id").not_in_subquery(
                Query::select()
                    .column("id")
                    .from("audit_quarantine")
                    .to_owned(),
            ),
        )
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}

/// How many records are sealed at positions up to `through` (verify compares it with the records it walked:
/// two at one position; records sealed while it walked are further on).
pub async fn count_sealed<C: ConnectionTrait>(c: &C, through: i64) -> Result<i64> {
    let q = Query::select()
        .expr(Func::count(Expr::col("seq")))
        .from("audit_log")
        .and_where(Expr::col("seq").lte(through))
        .to_owned();
    let r = c.query_one(&q).await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

pub async fn count_unsealed<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let q = Query::select()
        .expr(Func::count(Expr::col("id")))
        .from("audit_log")
        .and_where(Expr::col("seq").is_null())
        .to_owned();
    let r = c.query_one(&q).await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// A record's place in the chain, as the sealer computed it.
#[derive(Debug, Clone)]
pub struct Seal {
    pub id: Uuid,
    /// The record's time: it bounds the statement to the months a batch holds (the log is partitioned by
    /// month; unbounded, each of a batch's records was looked up in every month's partition).
    pub at_us: i64,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Records sealed per statement: four parameters each, well inside SQLite's and PostgreSQL's limits.
const SEALS_PER_STATEMENT: usize = 500;

/// Seals records (each only if still unsealed), a statement per 500 records — one UPDATE per record had kept
/// the sealer tens of thousands of records behind a bulk load (docs/benchmarks.md). Returns how many were
/// sealed: fewer than given means another sealer got there first.
pub async fn seal_many<C: ConnectionTrait>(c: &C, seals: &[Seal]) -> Result<u64> {
    let backend = c.get_database_backend();
    let mut sealed = 0;
    for chunk in seals.chunks(SEALS_PER_STATEMENT) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 4);
        for (i, s) in chunk.iter().enumerate() {
            rows.push(match backend {
                sea_orm::DbBackend::Postgres => {
                    let n = i * 4;
                    format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)
                }
                _ => "(?, ?, ?, ?)".to_owned(),
            });
            values.push(s.id.into());
            values.push(s.seq.into());
            values.push(s.prev_hash.clone().into());
            values.push(s.hash.clone().into());
        }
        let lo = chunk.iter().map(|s| s.at_us).min().unwrap_or(0);
        let hi = chunk.iter().map(|s| s.at_us).max().unwrap_or(0);
        let (lo_p, hi_p) = match backend {
            sea_orm::DbBackend::Postgres => (
                format!("${}", chunk.len() * 4 + 1),
                format!("${}", chunk.len() * 4 + 2),
            ),
            _ => ("?".to_owned(), "?".to_owned()),
        };
        values.push(lo.into());
        values.push(hi.into());
        // The same text on both databases: a VALUES list named by a CTE, joined by UPDATE ... FROM.
        let sql = format!(
            "WITH v(id, seq, prev_hash, hash) AS (VALUES {}) \
             UPDATE audit_log SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash \
             FROM v WHERE audit_log.id = v.id AND audit_log.seq IS NULL \
             AND audit_log.at_us BETWEEN {lo_p} AND {hi_p}",
            rows.join(", ")
        );
        sealed += c
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend, sql, values,
            ))
            .await?
            .rows_affected();
    }
    Ok(sealed)
}

/// Sealed records with `seq > after`, in chain order.
pub async fn page_sealed<C: ConnectionTrait>(
    c: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("seq").gt(after))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}

/// An audit query; newest first, paginated by `(at_us, id)` descending.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub customer_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
    pub action: Option<String>,
    /// The last row of the page before (a keyset cursor): rows past it in the order read.
    pub past: Option<(i64, Uuid)>,
    /// Oldest first (the default is newest first).
    pub oldest_first: bool,
    pub limit: u64,
}

/// The filter's conditions, the cursor aside.
fn audit_cond(f: &AuditFilter) -> Cond {
    let mut cond = Cond::all();
    if let Some(v) = f.customer_id {
        cond = cond.add(Expr::col("customer_id").eq(v));
    }
    if let Some(v) = f.actor_id {
        cond = cond.add(Expr::col("actor_id").eq(v));
    }
    if let Some(v) = f.from_us {
        cond = cond.add(Expr::col("at_us").gte(v));
    }
    if let Some(v) = f.to_us {
        cond = cond.add(Expr::col("at_us").lt(v));
    }
    if let Some(v) = &f.action {
        cond = cond.add(Expr::col("action").eq(v.clone()));
    }
    cond
}

pub async fn list_audit<C: ConnectionTrait>(c: &C, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    let mut cond = audit_cond(f);
    if let Some((at, id)) = f.past {
        let (at_past, id_past) = if f.oldest_first {
            (Expr::col("at_us").gt(at), Expr::col("id").gt(id))
        } else {
            (Expr::col("at_us").lt(at), Expr::col("id").lt(id))
        };
        cond = cond.add(
            Cond::any()
                .add(at_past)
                .add(Cond::all().add(Expr::col("at_us").eq(at)).add(id_past)),
        );
    }
    let order = if f.oldest_first {
        Order::Asc
    } else {
        Order::Desc
    };
    let q = table::select::<AuditRow>()
        .cond_where(cond)
        .order_by("at_us", order.clone())
        .order_by("id", order)
        .to_owned();
    // A literal limit: with a bound one PostgreSQL plans every run over all the months' partitions (5 ms
    // against 1 ms over 135 months), as it kept a worse plan for the leads (`table::with_limit`).
    table::all_limited::<AuditRow, _>(c, &q, f.limit).await
}

/// How many records match the filter (the cursor aside), counted up to `cap`: past it, `cap + 1`.
pub async fn count_audit<C: ConnectionTrait>(c: &C, f: &AuditFilter, cap: u64) -> Result<u64> {
    let inner = Query::select()
        .expr(Expr::val(1))
        .from("audit_log")
        .cond_where(audit_cond(f))
        .to_owned();
    table::count_limited(c, &inner, cap).await
}

crate::table! {
    /// An archived month: its file, what the file holds, and the chain value at each end of each run of
    /// consecutive positions (`ranges`, JSON `[{"from", "to", "prev", "hash"}, …]`), under the audit key's MAC.
    pub struct ArchiveRow in "audit_archives" {
        pub month: String,
        pub file: String,
        pub records: i64,
        pub sha256: String,
        pub ranges: String,
        pub archived_at_us: i64,
        pub mac: String,
    }
}

/// The time of the oldest record in the database, if any.
pub async fn oldest_at<C: ConnectionTrait>(c: &C) -> Result<Option<i64>> {
    let q = Query::select()
        .expr(Func::min(Expr::col("at_us")))
        .from("audit_log")
        .to_owned();
    match c.query_one(&q).await? {
        None => Ok(None),
        Some(r) => Ok(r.try_get_by_index::<Option<i64>>(0)?),
    }
}

/// Records written in `[lo_us, hi_us)`: how many, and how many of them are not sealed.
pub async fn month_counts<C: ConnectionTrait>(c: &C, lo_us: i64, hi_us: i64) -> Result<(i64, i64)> {
    let q = Query::select()
        .expr(Func::count(Expr::col("id")))
        .expr(Func::count(Expr::col("hash")))
        .from("audit_log")
        .and_where(Expr::col("at_us").gte(lo_us))
        .and_where(Expr::col("at_us").lt(hi_us))
        .to_owned();
    let r = c.query_one(&q).await?;
    let (all, sealed) = match r {
        None => (0, 0),
        Some(r) => (r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?),
    };
    Ok((all, all - sealed))
}

/// Sealed records written in `[lo_us, hi_us)` with `seq > after`, in chain order.
pub async fn page_month<C: ConnectionTrait>(
    c: &C,
    lo_us: i64,
    hi_us: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("at_us").gte(lo_us))
        .and_where(Expr::col("at_us").lt(hi_us))
        .and_where(Expr::col("seq").gt(after))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}

/// Takes an archived month's records out of the database, in the caller's transaction with its catalogue
/// row: on PostgreSQL the month's partition is detached and dropped (the month's records must all be in
/// it); on SQLite they are deleted with the delete guard lifted for this transaction only.
pub async fn drop_month<C: ConnectionTrait>(
    c: &C,
    kind: DbKind,
    partition: &str,
    lo_us: i64,
    hi_us: i64,
) -> Result<Dropped> {
    let exec = |sql: String| async move {
        c.execute_raw(sea_orm::Statement::from_string(
            c.get_database_backend(),
            sql,
        ))
        .await
    };
    match kind {
        DbKind::Postgres => {
            // The name is made here from digits, never from input: safe to splice.
            if !partition
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(crate::error::StoreError::Corrupt(format!(
                    "audit partition name {partition}"
                )));
            }
            // Detaching waits for the month's writers and holds every writer of the log meanwhile: a few
            // seconds at most, else the command fails and may be run again.
            exec("SET LOCAL lock_timeout = '5s'".into()).await?;
            exec(format!(
                "ALTER TABLE audit_log DETACH PARTITION {partition}"
            ))
            .await?;
            // Counted once detached: a writer that was still at work when the month was read out has
            // committed into it by now, and is counted (and refused) here.
            let q = Query::select()
                .expr(Func::count(Expr::col("id")))
                .expr(Func::count(Expr::col("hash")))
                .from(sea_orm::sea_query::Alias::new(partition))
                .to_owned();
            let dropped = match c.query_one(&q).await? {
                Some(r) => {
                    let all: i64 = r.try_get_by_index(0)?;
                    let sealed: i64 = r.try_get_by_index(1)?;
                    Dropped {
                        records: all,
                        unsealed: all - sealed,
                    }
                }
                None => Dropped::default(),
            };
            exec(format!("DROP TABLE {partition}")).await?;
            Ok(dropped)
        }
        DbKind::Sqlite => {
            // The write transaction holds SQLite's one write lock: nothing is written meanwhile.
            let (all, unsealed) = month_counts(c, lo_us, hi_us).await?;
            exec("DROP TRIGGER audit_log_no_delete".into()).await?;
            c.execute(
                Query::delete()
                    .from_table("audit_log")
                    .and_where(Expr::col("at_us").gte(lo_us))
                    .and_where(Expr::col("at_us").lt(hi_us)),
            )
            .await?;
            exec(sqlite_delete_guard()).await?;
            Ok(Dropped {
                records: all,
                unsealed,
            })
        }
    }
}

/// What left the database with an archived month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    pub records: i64,
    pub unsealed: i64,
}

/// PostgreSQL: records of `[lo_us, hi_us)` that landed in the default partition (their month's partition
/// did not exist when they were written); archiving the month would leave them behind.
pub async fn strays_in_default<C: ConnectionTrait>(c: &C, lo_us: i64, hi_us: i64) -> Result<i64> {
    if c.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(0);
    }
    let q = Query::select()
        .expr(Func::count(Expr::col("id")))
        .from("audit_log_default")
        .and_where(Expr::col("at_us").gte(lo_us))
        .and_where(Expr::col("at_us").lt(hi_us))
        .to_owned();
    Ok(match c.query_one(&q).await? {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

pub async fn insert_archive<C: ConnectionTrait>(c: &C, row: &ArchiveRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(row)).await
}

/// The archived months, oldest first.
pub async fn list_archives<C: ConnectionTrait>(c: &C) -> Result<Vec<ArchiveRow>> {
    let q = table::select::<ArchiveRow>()
        .order_by("month", Order::Asc)
        .to_owned();
    table::all::<ArchiveRow, _>(c, &q).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Table;

    #[test]
    fn the_guard_covers_every_column_a_writer_sets() {
        let writer_set: Vec<&str> = AuditRow::COLUMNS
            .iter()
            .copied()
            .filter(|c| !["seq", "prev_hash", "hash"].contains(c))
            .collect();
        assert_eq!(writer_set, GUARDED_CONTENT);
    }
}
