//! Erasing a person on their request (PIPL Art. 47), as stored: the register of erasures, what the law
//! still obliges the bank to keep, and the catalogue of every table holding rows of a customer with what an
//! erasure does to each. The audit log stays as it is: it records what happened, never the values.

use crate::error::Result;
use crate::table;
use banyan_domain::rights::{ErasureState, Obligation};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use std::collections::BTreeMap;
use uuid::Uuid;

crate::enum_col!(ErasureState);
crate::json_col!(Vec<Obligation>, BTreeMap<String, u64>);

crate::table! {
    /// A person whose deletion was carried out: restricted while an obligation lasts, then erased.
    pub struct ErasureRow in "erasures" {
        pub customer_id: Uuid,
        pub request_id: Uuid,
        pub state: ErasureState,
        pub kept_for: Vec<Obligation>,
        pub erase_after: Option<String>,
        pub decided_by: Uuid,
        pub restricted_at_us: i64,
        pub erased_at_us: Option<i64>,
        /// Rows removed per table, and records merged into this one erased with it.
        pub counts: BTreeMap<String, u64>,
    }
}

pub async fn insert<C: ConnectionTrait>(c: &C, row: &ErasureRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(row)).await
}

pub async fn find<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<Option<ErasureRow>> {
    let mut q = table::select::<ErasureRow>();
    q.and_where(Expr::col(("erasures", "customer_id")).eq(customer));
    table::one(c, &q).await
}

/// Writes the register row back (the nightly job's new day, or the erasure).
pub async fn update<C: ConnectionTrait>(c: &C, row: &ErasureRow) -> Result<()> {
    let q = Query::update()
        .table("erasures")
        .value("state", row.state.as_str())
        .value("kept_for", table::Col::value(&row.kept_for))
        .value("erase_after", row.erase_after.clone())
        .value("erased_at_us", row.erased_at_us)
        .value("counts", table::Col::value(&row.counts))
        .and_where(Expr::col("customer_id").eq(row.customer_id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Every restricted person, for the nightly job.
pub async fn restricted<C: ConnectionTrait>(c: &C) -> Result<Vec<ErasureRow>> {
    let mut q = table::select::<ErasureRow>();
    q.and_where(Expr::col(("erasures", "state")).eq(ErasureState::Restricted.as_str()));
    table::all(c, &q).await
}

/// Every erased record, those merged into an erased person included (a restore erases them again).
pub async fn erased_ids<C: ConnectionTrait>(c: &C) -> Result<Vec<Uuid>> {
    let q = Query::select()
        .column("id")
        .from("customers")
        .and_where(Expr::col("status").eq("erased"))
        .to_owned();
    let mut out = Vec::new();
    for r in c.query_all(&q).await? {
        out.push(r.try_get::<Uuid>("", "id")?);
    }
    Ok(out)
}

/// What the book and the open work of a customer oblige the bank to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holds {
    pub open_account: bool,
    /// The book holds an account or a transaction of the person (the AML years run from the last day seen,
    /// or from today when the book gives none).
    pub any_records: bool,
    /// The last day an account moved or stood in the book (`YYYY-MM-DD`).
    pub last_activity: Option<String>,
    pub open_alert: bool,
    pub open_complaint: bool,
    /// The last day a sale's recording must be kept (`YYYY-MM-DD`).
    pub recording_until: Option<String>,
}

async fn exists<C: ConnectionTrait>(c: &C, mut q: SelectStatement) -> Result<bool> {
    Ok(c.query_one(&q.limit(1).to_owned()).await?.is_some())
}

async fn max_text<C: ConnectionTrait>(c: &C, q: &SelectStatement) -> Result<Option<String>> {
    Ok(match c.query_one(q).await? {
        Some(r) => r.try_get::<Option<String>>("", "m")?,
        None => None,
    })
}

/// The holds on `customers` (a person and the records merged into them).
pub async fn holds<C: ConnectionTrait>(c: &C, customers: &[Uuid]) -> Result<Holds> {
    let of = |t: &str| {
        Query::select()
            .expr(Expr::val(1))
            .from(t.to_owned())
            .and_where(Expr::col("customer_id").is_in(customers.iter().copied()))
            .to_owned()
    };
    let open_account = exists(
        c,
        of("accounts")
            .and_where(Expr::col("status").ne("closed"))
            .to_owned(),
    )
    .await?;
    let open_alert = exists(
        c,
        of("alerts")
            .and_where(Expr::col("status").eq("open"))
            .to_owned(),
    )
    .await?;
    // A resolved complaint still inside its reopening window is a dispute not yet over.
    let open_complaint = exists(
        c,
        of("cases")
            .and_where(Expr::col("kind").eq("complaint"))
            .cond_where(
                sea_orm::sea_query::Cond::any()
                    .add(Expr::col("status").eq("open"))
                    .add(
                        sea_orm::sea_query::Cond::all()
                            .add(Expr::col("status").eq("resolved"))
                            .add(Expr::col("reopen_until_us").gt(crate::now_us())),
                    ),
            )
            .to_owned(),
    )
    .await?;
    let q = Query::select()
        .expr_as(Func::max(Expr::col("recording_keep_until")), "m")
        .from("wealth_sales")
        .and_where(Expr::col("customer_id").is_in(customers.iter().copied()))
        .to_owned();
    let recording_until = max_text(c, &q).await?;
    // The last day the book saw the person: a closed account's day, a holding's day, a transaction's time.
    let mut last: Option<String> = None;
    for (t, col) in [
        ("accounts", "closed_on"),
        ("accounts", "last_as_of"),
        ("holdings", "as_of"),
    ] {
        let q = Query::select()
            .expr_as(Func::max(Expr::col(col)), "m")
            .from(t)
            .and_where(Expr::col("customer_id").is_in(customers.iter().copied()))
            .to_owned();
        if let Some(d) = max_text(c, &q).await? {
            last = Ord::max(last, Some(d));
        }
    }
    let q = Query::select()
        .expr_as(Func::max(Expr::col("at_us")), "m")
        .from("transactions")
        .and_where(Expr::col("customer_id").is_in(customers.iter().copied()))
        .to_owned();
    let at = match c.query_one(&q).await? {
        Some(r) => r.try_get::<Option<i64>>("", "m")?,
        None => None,
    };
    if let Some(us) = at {
        // The UTC day: a day either way does not matter against years of retention.
        let day = jiff::Timestamp::from_microsecond(us)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
            .map_err(|e| crate::error::StoreError::Corrupt(format!("transactions.at_us: {e}")))?;
        last = Ord::max(last, Some(day));
    }
    Ok(Holds {
        open_account,
        any_records: last.is_some() || exists(c, of("accounts")).await?,
        last_activity: last,
        open_alert,
        open_complaint,
        recording_until,
    })
}

/// What an erasure does to a table's rows of the person.
#[derive(Clone, Copy)]
enum Does {
    /// Deletes the rows whose column names the person.
    Delete,
    /// Deletes the rows whose column names one of the person's rows in `parent` (by its `id`).
    DeleteChildren {
        parent: &'static str,
        parent_col: &'static str,
    },
    /// Keeps the rows, blanking these text columns (the record that a request was made and answered).
    Blank(&'static [&'static str]),
    /// Deletes the notices whose text begins with the number of one of the person's leads.
    LeadNotices,
    /// Blanks the column where it holds the number of one of the person's accounts (rows a feed rejected
    /// name an account, not a customer).
    BlankAccountNo,
    /// Keeps the rows as they are: they hold no personal value (ids, codes and times only).
    Keep,
}

struct Held {
    table: &'static str,
    col: &'static str,
    does: Does,
}

const fn del(table: &'static str, col: &'static str) -> Held {
    Held {
        table,
        col,
        does: Does::Delete,
    }
}

const fn child(table: &'static str, col: &'static str, parent: &'static str) -> Held {
    Held {
        table,
        col,
        does: Does::DeleteChildren {
            parent,
            parent_col: "customer_id",
        },
    }
}

/// Every table that holds rows of a customer, in the order an erasure visits them (children before their
/// parents). A table added later with a customer column fails a test until it is placed here.
const HELD: &[Held] = &[
    del("customer_contacts", "customer_id"),
    del("customer_consents", "customer_id"),
    del("customer_metrics", "customer_id"),
    del("customer_terms", "customer_id"),
    del("customer_versions", "customer_id"),
    del("customer_relationships", "from_id"),
    del("customer_relationships", "to_id"),
    del("duplicate_pairs", "first_id"),
    del("duplicate_pairs", "second_id"),
    del("segment_assignments", "customer_id"),
    del("segment_history", "customer_id"),
    del("tasks", "customer_id"),
    del("interactions", "customer_id"),
    del("event_invitations", "customer_id"),
    del("staff_notices", "customer_id"),
    child("staff_notices", "case_id", "cases"),
    child("case_log", "case_id", "cases"),
    child("case_tasks", "case_id", "cases"),
    child("case_attachments", "case_id", "cases"),
    del("cases", "customer_id"),
    // A message's cause key names the customer's id (`event:…:<customer>`); it goes with the message.
    child("message_keys", "message_id", "messages"),
    del("messages", "customer_id"),
    del("insights", "customer_id"),
    del("channel_events", "customer_id"),
    del("sales", "customer_id"),
    del("risk_assessments", "customer_id"),
    del("monitoring_hits", "customer_id"),
    del("alerts", "customer_id"),
    del("holdings", "customer_id"),
    del("transactions", "customer_id"),
    // The load's report keeps that a row was rejected and why, not whose account it named.
    Held {
        table: "book_load_rejects",
        col: "account_no",
        does: Does::BlankAccountNo,
    },
    del("accounts", "customer_id"),
    // Notices about a lead name it by its number and the prospect's name, without a customer column.
    Held {
        table: "staff_notices",
        col: "text",
        does: Does::LeadNotices,
    },
    child("lead_events", "lead_id", "leads"),
    child("lead_files", "lead_id", "leads"),
    child("lead_papers", "lead_id", "leads"),
    child("lead_proposals", "lead_id", "leads"),
    child("lead_team", "lead_id", "leads"),
    child("lead_visits", "lead_id", "leads"),
    child("acq_risk_responses", "lead_id", "leads"),
    child("acq_surveys", "lead_id", "leads"),
    del("acq_surveys", "customer_id"),
    del("leads", "customer_id"),
    child("care_documents", "record_id", "care_records"),
    child("care_grants", "record_id", "care_records"),
    child("care_measures", "record_id", "care_records"),
    child("care_notes", "record_id", "care_records"),
    child("care_reads", "record_id", "care_records"),
    child("care_surveys", "record_id", "care_records"),
    child("care_tasks", "record_id", "care_records"),
    child("care_team", "record_id", "care_records"),
    del("care_records", "customer_id"),
    del("wealth_sales", "customer_id"),
    del("wealth_goals", "customer_id"),
    del("wealth_actions", "customer_id"),
    del("wealth_reviews", "customer_id"),
    del("wealth_plans", "customer_id"),
    del("wealth_team", "customer_id"),
    del("wealth_entries", "customer_id"),
    del("wealth_pictures", "customer_id"),
    del("wealth_referrals", "referrer_id"),
    del("wealth_referrals", "referred_id"),
    Held {
        table: "customer_merge_moves",
        col: "merge_id",
        does: Does::DeleteChildren {
            parent: "customer_merges",
            parent_col: "survivor_id",
        },
    },
    Held {
        table: "customer_merge_moves",
        col: "merge_id",
        does: Does::DeleteChildren {
            parent: "customer_merges",
            parent_col: "merged_id",
        },
    },
    del("customer_merges", "survivor_id"),
    del("customer_merges", "merged_id"),
    // Holds are lifted or past before an erasure; their reasons name the person's affairs.
    del("legal_holds", "customer_id"),
    // The request and its answer stay (they prove the bank answered); what the person said goes.
    Held {
        table: "rights_requests",
        col: "customer_id",
        does: Does::Blank(&["detail"]),
    },
    // Events already announced name the record by key, number, kind, status and branch only.
    Held {
        table: "outbox",
        col: "customer_id",
        does: Does::Keep,
    },
    // What happened, by whom and when, without the values (the audit log never holds them).
    Held {
        table: "audit_log",
        col: "customer_id",
        does: Does::Keep,
    },
    Held {
        table: "erasures",
        col: "customer_id",
        does: Does::Keep,
    },
];

/// Every `table.column` naming a customer that an erasure visits (for the guard test).
pub fn held_columns() -> Vec<String> {
    HELD.iter()
        .map(|h| format!("{}.{}", h.table, h.col))
        .collect()
}

/// The records merged into `customer` (a person erased takes their merged records with them).
pub async fn merged_into<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<Vec<Uuid>> {
    let q = Query::select()
        .column("merged_id")
        .from("customer_merges")
        .and_where(Expr::col("survivor_id").eq(customer))
        .and_where(Expr::col("status").eq("done"))
        .to_owned();
    let mut out = Vec::new();
    for r in c.query_all(&q).await? {
        out.push(r.try_get::<Uuid>("", "merged_id")?);
    }
    Ok(out)
}

/// Removes or blanks every row of `customer` the catalogue names (its own row is the caller's: it becomes
/// the tombstone); answers the rows touched per table. Run in the erasure's transaction.
pub async fn erase<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<BTreeMap<String, u64>> {
    let mut counts = BTreeMap::new();
    for h in HELD {
        let n = match h.does {
            Does::Delete => {
                let q = Query::delete()
                    .from_table(h.table)
                    .and_where(Expr::col(h.col).eq(customer))
                    .to_owned();
                c.execute(&q).await?.rows_affected()
            }
            Does::DeleteChildren { parent, parent_col } => {
                let parents = Query::select()
                    .column("id")
                    .from(parent)
                    .and_where(Expr::col(parent_col).eq(customer))
                    .to_owned();
                let q = Query::delete()
                    .from_table(h.table)
                    .and_where(Expr::col(h.col).in_subquery(parents))
                    .to_owned();
                c.execute(&q).await?.rows_affected()
            }
            Does::Blank(cols) => {
                let mut q = Query::update();
                q.table(h.table);
                for col in cols {
                    q.value(*col, "");
                }
                q.and_where(Expr::col(h.col).eq(customer));
                c.execute(&q).await?.rows_affected()
            }
            Does::LeadNotices => {
                let q = Query::select()
                    .column("lead_no")
                    .from("leads")
                    .and_where(Expr::col("customer_id").eq(customer))
                    .to_owned();
                let mut n = 0;
                for r in c.query_all(&q).await? {
                    let no: String = r.try_get("", "lead_no")?;
                    let q = Query::delete()
                        .from_table("staff_notices")
                        .and_where(Expr::col("customer_id").is_null())
                        .and_where(Expr::col("text").like(format!("{no} %")))
                        .to_owned();
                    n += c.execute(&q).await?.rows_affected();
                }
                n
            }
            Does::BlankAccountNo => {
                // An account number is the source system's: only the rows of that source's accounts
                // loads (a transactions or events load keeps its row's own id in the column).
                let q = Query::select()
                    .columns(["source", "account_no"])
                    .from("accounts")
                    .and_where(Expr::col("customer_id").eq(customer))
                    .to_owned();
                let mut n = 0;
                for r in c.query_all(&q).await? {
                    let source: String = r.try_get("", "source")?;
                    let no: String = r.try_get("", "account_no")?;
                    let loads = Query::select()
                        .column("id")
                        .from("book_loads")
                        .and_where(Expr::col("kind").eq("holdings"))
                        .and_where(Expr::col("source").eq(source))
                        .to_owned();
                    let q = Query::update()
                        .table(h.table)
                        .value(h.col, "")
                        .and_where(Expr::col(h.col).eq(no))
                        .and_where(Expr::col("load_id").in_subquery(loads))
                        .to_owned();
                    n += c.execute(&q).await?.rows_affected();
                }
                n
            }
            Does::Keep => 0,
        };
        if n > 0 {
            *counts.entry(h.table.to_owned()).or_insert(0) += n;
        }
    }
    // Stored answers of idempotent requests may hold the record as it was written.
    let q = Query::delete()
        .from_table("idempotency_keys")
        .and_where(Expr::col("response").like(format!("%{customer}%")))
        .to_owned();
    let n = c.execute(&q).await?.rows_affected();
    if n > 0 {
        counts.insert("idempotency_keys".to_owned(), n);
    }
    Ok(counts)
}

/// Restricts the customer's processing: open tasks cancelled, segments dropped (nothing plans a contact or a
/// campaign from them), unanswered invitations withdrawn; the records themselves are kept. Messages already
/// queued are held back by the sender, which checks the customer's status.
pub async fn restrict<C: ConnectionTrait>(c: &C, customer: Uuid) -> Result<()> {
    let q = Query::update()
        .table("tasks")
        .value("status", "cancelled")
        .and_where(Expr::col("customer_id").eq(customer))
        .and_where(Expr::col("status").eq("open"))
        .to_owned();
    c.execute(&q).await?;
    let q = Query::delete()
        .from_table("segment_assignments")
        .and_where(Expr::col("customer_id").eq(customer))
        .to_owned();
    c.execute(&q).await?;
    // Invitations not yet answered and places on a waiting list: no event promotes them and writes to them.
    let q = Query::delete()
        .from_table("event_invitations")
        .and_where(Expr::col("customer_id").eq(customer))
        .and_where(Expr::col("status").is_in(["invited", "waitlisted"]))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Customers whose relationship with the bank ended before `before` (`YYYY-MM-DD`, the same instant as
/// `before_us`): the book holds accounts of theirs, every one closed before that day, none seen, held or
/// moved since, and no alert or complaint open. Merged, restricted and erased records are not listed.
pub async fn relationships_ended<C: ConnectionTrait>(
    c: &C,
    before: &str,
    before_us: i64,
    limit: u64,
) -> Result<Vec<Uuid>> {
    let any = Query::select()
        .expr(Expr::val(1))
        .from_as("accounts", "a")
        .and_where(Expr::col(("a", "customer_id")).equals(("customers", "id")))
        .to_owned();
    let live = Query::select()
        .expr(Expr::val(1))
        .from_as("accounts", "a")
        .and_where(Expr::col(("a", "customer_id")).equals(("customers", "id")))
        .cond_where(
            sea_orm::sea_query::Cond::any()
                .add(Expr::col(("a", "status")).ne("closed"))
                .add(Expr::col(("a", "closed_on")).is_null())
                .add(Expr::col(("a", "closed_on")).gte(before)),
        )
        .to_owned();
    // Whatever else keeps the records (the same as `holds`): the book seeing an account since, an alert or
    // a complaint still open. Left out of the query, such a customer would take a place every night.
    let of = |t: &str| {
        Query::select()
            .expr(Expr::val(1))
            .from_as(t.to_owned(), "x")
            .and_where(Expr::col(("x", "customer_id")).equals(("customers", "id")))
            .to_owned()
    };
    let seen = of("accounts")
        .and_where(Expr::col(("x", "last_as_of")).gte(before))
        .to_owned();
    let held = of("holdings")
        .and_where(Expr::col(("x", "as_of")).gte(before))
        .to_owned();
    let moved = of("transactions")
        .and_where(Expr::col(("x", "at_us")).gte(before_us))
        .to_owned();
    let alert = of("alerts")
        .and_where(Expr::col(("x", "status")).eq("open"))
        .to_owned();
    let complaint = of("cases")
        .and_where(Expr::col(("x", "kind")).eq("complaint"))
        .and_where(Expr::col(("x", "status")).eq("open"))
        .to_owned();
    let q = Query::select()
        .column(("customers", "id"))
        .from("customers")
        .and_where(Expr::col(("customers", "status")).is_not_in(["merged", "restricted", "erased"]))
        .and_where(Expr::exists(any))
        .and_where(Expr::exists(live).not())
        .and_where(Expr::exists(seen).not())
        .and_where(Expr::exists(held).not())
        .and_where(Expr::exists(moved).not())
        .and_where(Expr::exists(alert).not())
        .and_where(Expr::exists(complaint).not())
        .order_by(("customers", "id"), sea_orm::sea_query::Order::Asc)
        .limit(limit)
        .to_owned();
    let mut out = Vec::new();
    for r in c.query_all(&q).await? {
        out.push(r.try_get::<Uuid>("", "id")?);
    }
    Ok(out)
}
