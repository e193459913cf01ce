//! Duplicate customers and merges as stored: the candidate pairs, the merges, and the rows a merge moved
//! from the merged record to the survivor (recorded so that an undo moves exactly those back, and nothing
//! written to the survivor since).

use crate::error::Result;
use crate::table;
use banyan_domain::customer::merge::{MergeStatus, PairStatus};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

use super::ScopeFilter;

mod moves;
pub use moves::{Moved, dependent_counts, dependent_tables, move_back, move_rows};

crate::enum_col!(MergeStatus, PairStatus);

crate::table! {
    /// Two records a scan found alike.
    pub struct PairRow in "duplicate_pairs" {
        pub id: Uuid,
        pub first_id: Uuid,
        pub second_id: Uuid,
        pub signals: String,
        pub score: i32,
        pub status: PairStatus,
        pub found_at_us: i64,
        pub decided_by: Option<Uuid>,
        pub decided_at_us: Option<i64>,
        pub merge_id: Option<Uuid>,
    }
}

crate::table! {
    /// A merge of `merged_id` into `survivor_id`.
    pub struct MergeRow in "customer_merges" {
        pub id: Uuid,
        pub survivor_id: Uuid,
        pub merged_id: Uuid,
        pub status: MergeStatus,
        pub choices: String,
        pub note: Option<String>,
        pub proposed_by: Uuid,
        pub proposed_at_us: i64,
        pub decided_by: Option<Uuid>,
        pub decided_at_us: Option<i64>,
        pub decision_note: Option<String>,
        pub before: Option<String>,
        pub outcome: Option<String>,
        pub undo_until_us: Option<i64>,
        pub undone_by: Option<Uuid>,
        pub undone_at_us: Option<i64>,
        pub version: i32,
    }
}

// ---- candidate pairs ----

/// Every stored pair (the scan compares what it found with them; pairs are few next to customers).
pub async fn all_pairs<C: ConnectionTrait>(c: &C) -> Result<Vec<PairRow>> {
    table::all(c, &table::select::<PairRow>()).await
}

pub async fn insert_pairs<C: ConnectionTrait>(c: &C, rows: &[PairRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        table::insert_many(c, chunk).await?;
    }
    Ok(())
}

/// A pair still open found again: its signals and score as now.
pub async fn refresh_pair<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    signals: &str,
    score: i32,
) -> Result<()> {
    let q = Query::update()
        .table("duplicate_pairs")
        .value("signals", signals)
        .value("score", score)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Open pairs the last scan no longer found (a name was corrected, a record merged): gone from the queue.
pub async fn delete_open_pairs<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<()> {
    for chunk in ids.chunks(500) {
        let q = Query::delete()
            .from_table("duplicate_pairs")
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("status").eq(PairStatus::Open.as_str()))
            .to_owned();
        c.execute(&q).await?;
    }
    Ok(())
}

pub async fn find_pair<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<PairRow>> {
    let mut q = table::select::<PairRow>();
    q.and_where(Expr::col(("duplicate_pairs", "id")).eq(id));
    table::one(c, &q).await
}

/// The pair of these two records, in either order.
pub async fn pair_of<C: ConnectionTrait>(c: &C, a: Uuid, b: Uuid) -> Result<Option<PairRow>> {
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    let mut q = table::select::<PairRow>();
    q.and_where(Expr::col(("duplicate_pairs", "first_id")).eq(first))
        .and_where(Expr::col(("duplicate_pairs", "second_id")).eq(second));
    table::one(c, &q).await
}

/// Sets a pair's state if it is still `from`; false when someone else moved it first.
pub async fn set_pair_status<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    from: &[PairStatus],
    to: PairStatus,
    by: Option<Uuid>,
    at_us: i64,
    merge_id: Option<Uuid>,
) -> Result<bool> {
    let q = Query::update()
        .table("duplicate_pairs")
        .value("status", to.as_str())
        .value("decided_by", by)
        .value("decided_at_us", at_us)
        .value("merge_id", merge_id)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").is_in(from.iter().map(|s| s.as_str())))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The pairs whose two records are both in `scope`, in state `status`, best score first.
fn pairs_in(scope: &ScopeFilter, status: PairStatus) -> SelectStatement {
    let mut q = table::select::<PairRow>();
    q.join_as(
        sea_orm::sea_query::JoinType::InnerJoin,
        "customers",
        "a",
        Expr::col(("a", "id")).equals(("duplicate_pairs", "first_id")),
    )
    .join_as(
        sea_orm::sea_query::JoinType::InnerJoin,
        "customers",
        "b",
        Expr::col(("b", "id")).equals(("duplicate_pairs", "second_id")),
    )
    .cond_where(scope.cond_on("a"))
    .cond_where(scope.cond_on("b"))
    .and_where(Expr::col(("duplicate_pairs", "status")).eq(status.as_str()));
    q
}

/// One page of the queue: `limit` pairs from `offset`, best score first.
pub async fn list_pairs<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: PairStatus,
    offset: u64,
    limit: u64,
) -> Result<Vec<PairRow>> {
    let mut q = pairs_in(scope, status);
    q.order_by(("duplicate_pairs", "score"), Order::Desc)
        .order_by(("duplicate_pairs", "id"), Order::Asc)
        .offset(offset)
        .limit(limit);
    table::all(c, &q).await
}

pub async fn count_pairs<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: PairStatus,
) -> Result<u64> {
    let mut q = pairs_in(scope, status);
    q.clear_selects();
    q.expr(Expr::cust("COUNT(*)"));
    table::count(c, &q).await
}

// ---- what a scan reads ----

/// A display name compared without spaces (half- and full-width) and middle dots, in lower case: the
/// database's half of `name_key` (which also folds full-width Latin letters), so that `张 三` groups with
/// `张三` before the rows are read.
fn name_key_sql(table: &str) -> Expr {
    Expr::cust(format!(
        "LOWER(REPLACE(REPLACE(REPLACE({table}.display_name, ' ', ''), '　', ''), '·', ''))"
    ))
}

/// Records the duplicate scan leaves out: merged ones, and those of a deletion request (restricted: not
/// processed; erased: nothing left to compare).
const NOT_SCANNED: [&str; 3] = ["merged", "restricted", "erased"];

/// Records sharing a display name (spacing aside) and a birth date with another record, merged records left
/// out: id, name, birth date.
pub async fn name_birth_groups<C: ConnectionTrait>(c: &C) -> Result<Vec<(Uuid, String, String)>> {
    let groups = Query::select()
        .expr_as(name_key_sql("customers"), "k")
        .column("birth_date")
        .from("customers")
        .and_where(Expr::col("status").is_not_in(NOT_SCANNED))
        .and_where(Expr::col("birth_date").is_not_null())
        .add_group_by([name_key_sql("customers"), Expr::col("birth_date")])
        .and_having(Expr::cust("COUNT(*) > 1"))
        .to_owned();
    let mut q = Query::select()
        .columns([("c", "id"), ("c", "display_name"), ("c", "birth_date")])
        .from_as("customers", "c")
        .to_owned();
    q.join_subquery(
        sea_orm::sea_query::JoinType::InnerJoin,
        groups,
        "g",
        Cond::all()
            .add(Expr::col(("g", "k")).eq(name_key_sql("c")))
            .add(Expr::col(("g", "birth_date")).equals(("c", "birth_date"))),
    )
    .and_where(Expr::col(("c", "status")).is_not_in(NOT_SCANNED));
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
            ))
        })
        .collect()
}

/// Contact points of `kind` whose value (blind index) more than one customer holds: customer id and index.
pub async fn shared_contacts<C: ConnectionTrait>(
    c: &C,
    kind: &str,
) -> Result<Vec<(Uuid, Vec<u8>)>> {
    let shared = Query::select()
        .column("bidx")
        .from("customer_contacts")
        .and_where(Expr::col("kind").eq(kind))
        .group_by_col("bidx")
        .and_having(Expr::cust("COUNT(DISTINCT customer_id) > 1"))
        .to_owned();
    let q = Query::select()
        .columns(["customer_id", "bidx"])
        .from("customer_contacts")
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("bidx").in_subquery(shared))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Companies and institutions not merged: id and profile (JSON, holding the registered name and the legal
/// representative).
pub async fn organisations<C: ConnectionTrait>(c: &C) -> Result<Vec<(Uuid, String)>> {
    let q = Query::select()
        .columns(["id", "profile"])
        .from("customers")
        .and_where(Expr::col("kind").is_in(["corporate", "institution"]))
        .and_where(Expr::col("status").is_not_in(NOT_SCANNED))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

// ---- merges ----

pub async fn insert_merge<C: ConnectionTrait>(c: &C, row: &MergeRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(row)).await
}

pub async fn find_merge<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<MergeRow>> {
    let mut q = table::select::<MergeRow>();
    q.and_where(Expr::col(("customer_merges", "id")).eq(id));
    table::one(c, &q).await
}

/// Writes the merge back if its version is still `expected` (the row's version is the new one).
pub async fn update_merge<C: ConnectionTrait>(
    c: &C,
    row: &MergeRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, row, row.id, &[], "version", expected).await
}

/// A carried-out merge into this record that can still be undone at `now` (the record cannot be merged away
/// until then: the undo would find the rows it moved on a third record).
pub async fn undoable_into<C: ConnectionTrait>(
    c: &C,
    survivor: Uuid,
    now: i64,
) -> Result<Option<MergeRow>> {
    let mut q = table::select::<MergeRow>();
    q.and_where(Expr::col(("customer_merges", "survivor_id")).eq(survivor))
        .and_where(Expr::col(("customer_merges", "status")).eq(MergeStatus::Done.as_str()))
        .and_where(Expr::col(("customer_merges", "undo_until_us")).gte(now));
    table::one(c, &q).await
}

/// The merges waiting for approval that hold any of these customers.
pub async fn live_merges_of<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<MergeRow>> {
    let mut q = table::select::<MergeRow>();
    q.cond_where(
        Cond::any()
            .add(Expr::col(("customer_merges", "survivor_id")).is_in(ids.iter().copied()))
            .add(Expr::col(("customer_merges", "merged_id")).is_in(ids.iter().copied())),
    )
    .and_where(Expr::col(("customer_merges", "status")).eq(MergeStatus::Proposed.as_str()));
    table::all(c, &q).await
}

/// The merges whose survivor is in `scope` (the merged record's branch may differ, but a proposal needed
/// both in the maker's scope), in state `status` (all when `None`), newest first.
fn merges_in(scope: &ScopeFilter, status: Option<MergeStatus>) -> SelectStatement {
    let mut q = table::select::<MergeRow>();
    q.join_as(
        sea_orm::sea_query::JoinType::InnerJoin,
        "customers",
        "s",
        Expr::col(("s", "id")).equals(("customer_merges", "survivor_id")),
    )
    .join_as(
        sea_orm::sea_query::JoinType::InnerJoin,
        "customers",
        "m",
        Expr::col(("m", "id")).equals(("customer_merges", "merged_id")),
    )
    .cond_where(scope.cond_on("s"))
    .cond_where(scope.cond_on("m"));
    if let Some(s) = status {
        q.and_where(Expr::col(("customer_merges", "status")).eq(s.as_str()));
    }
    q
}

pub async fn list_merges<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: Option<MergeStatus>,
    offset: u64,
    limit: u64,
) -> Result<Vec<MergeRow>> {
    let mut q = merges_in(scope, status);
    q.order_by(("customer_merges", "id"), Order::Desc)
        .offset(offset)
        .limit(limit);
    table::all(c, &q).await
}

pub async fn count_merges<C: ConnectionTrait>(
    c: &C,
    scope: &ScopeFilter,
    status: Option<MergeStatus>,
) -> Result<u64> {
    let mut q = merges_in(scope, status);
    q.clear_selects();
    q.expr(Expr::cust("COUNT(*)"));
    table::count(c, &q).await
}

/// The carried-out merge that took this record away, if any (its redirect).
pub async fn merged_away<C: ConnectionTrait>(c: &C, merged_id: Uuid) -> Result<Option<MergeRow>> {
    let mut q = table::select::<MergeRow>();
    q.and_where(Expr::col(("customer_merges", "merged_id")).eq(merged_id))
        .and_where(Expr::col(("customer_merges", "status")).eq(MergeStatus::Done.as_str()));
    table::one(c, &q).await
}

/// The carried-out merges this record is in, either side (one read for the customer's page).
pub async fn done_merges_of<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<Vec<MergeRow>> {
    let mut q = table::select::<MergeRow>();
    q.cond_where(
        Cond::any()
            .add(Expr::col(("customer_merges", "survivor_id")).eq(customer))
            .add(Expr::col(("customer_merges", "merged_id")).eq(customer)),
    )
    .and_where(Expr::col(("customer_merges", "status")).eq(MergeStatus::Done.as_str()));
    table::all(c, &q).await
}

/// For each of these merged records, the record it was merged into: (merged, survivor).
pub async fn survivors_of<C: ConnectionTrait>(c: &C, merged: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>> {
    if merged.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["merged_id", "survivor_id"])
        .from("customer_merges")
        .and_where(Expr::col("merged_id").is_in(merged.iter().copied()))
        .and_where(Expr::col("status").eq(MergeStatus::Done.as_str()))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Deletes the segment assignments of a merged record: they are derived from its figures, which now count
/// on the survivor; a record that no longer stands would otherwise be counted in every segment's size.
pub async fn drop_assignments<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<()> {
    let q = Query::delete()
        .from_table("segment_assignments")
        .and_where(Expr::col("customer_id").eq(customer))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Removes a customer's consent on one channel (an undo taking back a consent the merge copied).
pub async fn delete_consent<C: ConnectionTrait>(
    c: &C,
    customer: Uuid,
    channel: &str,
) -> Result<()> {
    let q = Query::delete()
        .from_table("customer_consents")
        .and_where(Expr::col("customer_id").eq(customer))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}
