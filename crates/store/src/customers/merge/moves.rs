//! Moving a merged record's dependent rows to the survivor, and back on an undo: the catalogue of the tables
//! that name a customer and how each is keyed, and the record of every row moved.

use crate::error::{Result, StoreError};
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Query};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How a table's rows of a customer are found again after the move.
#[derive(Clone, Copy)]
enum Key {
    /// By a UUID key column.
    Uuid(&'static str),
    /// By two text key columns.
    Text2(&'static str, &'static str),
    /// Rows of the accounts the merge moved, found by the account (holdings, transactions follow them).
    Accounts,
}

/// A table holding rows of a customer, the column naming the customer, how its rows are keyed, and the rows
/// that cannot move because the survivor already holds their like (a unique rule would refuse them, or the
/// row would link the survivor to itself). Those stay with the merged record and are counted as kept.
struct Dependent {
    table: &'static str,
    col: &'static str,
    key: Key,
    stays: fn(Uuid) -> Option<Cond>,
}

fn none(_: Uuid) -> Option<Cond> {
    None
}

/// `EXISTS (a plan of the survivor numbered as this row's plan)`.
fn survivor_plan_has_seq(s: Uuid, table: &'static str) -> Cond {
    let q = Query::select()
        .expr(Expr::val(1))
        .from_as("wealth_plans", "o")
        .and_where(Expr::col(("o", "customer_id")).eq(s))
        .and_where(Expr::col(("o", "seq")).equals((table, "plan_seq")))
        .to_owned();
    Cond::all().add(Expr::exists(q))
}

/// `EXISTS (SELECT 1 FROM <table> o WHERE o.<col> = survivor AND o.<same> = <table>.<same> ...)`.
fn survivor_has(table: &'static str, col: &'static str, s: Uuid, same: &[&'static str]) -> Cond {
    let mut q = Query::select()
        .expr(Expr::val(1))
        .from_as(table, "o")
        .and_where(Expr::col(("o", col)).eq(s))
        .to_owned();
    for c in same {
        q.and_where(Expr::col(("o", *c)).equals((table, *c)));
    }
    Cond::all().add(Expr::exists(q))
}

const DEPENDENTS: &[Dependent] = &[
    Dependent {
        table: "customer_contacts",
        col: "customer_id",
        key: Key::Uuid("id"),
        // The same address or e-mail twice on one record helps no one: the survivor's copy stands.
        stays: |s| {
            Some(survivor_has(
                "customer_contacts",
                "customer_id",
                s,
                &["kind", "bidx"],
            ))
        },
    },
    Dependent {
        table: "customer_relationships",
        col: "from_id",
        key: Key::Uuid("id"),
        stays: |s| {
            Some(
                Cond::any()
                    .add(Expr::col(("customer_relationships", "to_id")).eq(s))
                    .add(survivor_has(
                        "customer_relationships",
                        "from_id",
                        s,
                        &["to_id", "kind"],
                    )),
            )
        },
    },
    Dependent {
        table: "customer_relationships",
        col: "to_id",
        key: Key::Uuid("id"),
        stays: |s| {
            Some(
                Cond::any()
                    .add(Expr::col(("customer_relationships", "from_id")).eq(s))
                    .add(survivor_has(
                        "customer_relationships",
                        "to_id",
                        s,
                        &["from_id", "kind"],
                    )),
            )
        },
    },
    Dependent {
        table: "tasks",
        col: "customer_id",
        key: Key::Uuid("id"),
        // One open contact task per customer.
        stays: |s| {
            let open_contact = |t: &'static str| {
                Cond::all()
                    .add(Expr::col((t, "status")).eq("open"))
                    .add(Expr::col((t, "kind")).eq("contact"))
            };
            let mut q = Query::select()
                .expr(Expr::val(1))
                .from_as("tasks", "o")
                .and_where(Expr::col(("o", "customer_id")).eq(s))
                .to_owned();
            q.cond_where(open_contact("o"));
            Some(open_contact("tasks").add(Expr::exists(q)))
        },
    },
    Dependent {
        table: "interactions",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "messages",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "event_invitations",
        col: "customer_id",
        key: Key::Uuid("event_id"),
        stays: |s| {
            Some(survivor_has(
                "event_invitations",
                "customer_id",
                s,
                &["event_id"],
            ))
        },
    },
    Dependent {
        table: "cases",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "staff_notices",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "alerts",
        col: "customer_id",
        key: Key::Uuid("id"),
        // One open alert per indicator and subject.
        stays: |s| {
            Some(
                Cond::all()
                    .add(Expr::col(("alerts", "status")).eq("open"))
                    .add(survivor_has(
                        "alerts",
                        "customer_id",
                        s,
                        &["indicator", "subject", "status"],
                    )),
            )
        },
    },
    Dependent {
        table: "risk_assessments",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "accounts",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "holdings",
        col: "customer_id",
        key: Key::Accounts,
        stays: none,
    },
    Dependent {
        table: "transactions",
        col: "customer_id",
        key: Key::Accounts,
        stays: none,
    },
    Dependent {
        table: "channel_events",
        col: "customer_id",
        key: Key::Text2("source", "event_id"),
        stays: none,
    },
    Dependent {
        table: "insights",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "monitoring_hits",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "sales",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "leads",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "acq_surveys",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "care_records",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "wealth_sales",
        col: "customer_id",
        key: Key::Uuid("sale_id"),
        stays: none,
    },
    Dependent {
        table: "wealth_goals",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    // Actions and reviews name their plan by its number: they stay with a plan that stays (one whose number the
    // survivor already has). Read before the plans move, while "the survivor's plans" are only its own.
    Dependent {
        table: "wealth_actions",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: |s| Some(survivor_plan_has_seq(s, "wealth_actions")),
    },
    Dependent {
        table: "wealth_reviews",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: |s| Some(survivor_plan_has_seq(s, "wealth_reviews")),
    },
    Dependent {
        table: "wealth_plans",
        col: "customer_id",
        key: Key::Uuid("id"),
        // Plans are numbered per customer; a number the survivor has keeps the plan (and its actions).
        stays: |s| Some(survivor_has("wealth_plans", "customer_id", s, &["seq"])),
    },
    Dependent {
        table: "wealth_team",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: |s| Some(survivor_has("wealth_team", "customer_id", s, &["staff_id"])),
    },
    Dependent {
        table: "legal_holds",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "rights_requests",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "wealth_referrals",
        col: "referrer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "wealth_referrals",
        col: "referred_id",
        key: Key::Uuid("id"),
        stays: none,
    },
    Dependent {
        table: "wealth_entries",
        col: "customer_id",
        key: Key::Uuid("id"),
        stays: none,
    },
];

/// The tables a merge moves rows of (for the outcome's labels and the tests that count every row).
pub fn dependent_tables() -> Vec<(&'static str, &'static str)> {
    DEPENDENTS.iter().map(|d| (d.table, d.col)).collect()
}

/// Per table (`table.column`): rows moved to the survivor and rows that stayed with the merged record.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Moved {
    pub moved: BTreeMap<String, u64>,
    pub kept: BTreeMap<String, u64>,
}

const CHUNK: usize = 300;

fn move_row(merge: Uuid, d: &Dependent, k1: String, k2: Option<String>) -> MoveRow {
    MoveRow {
        merge_id: merge,
        tbl: d.table.to_owned(),
        col: d.col.to_owned(),
        key1: k1,
        key2: k2,
    }
}

crate::table! {
    /// One row a merge moved.
    pub struct MoveRow in "customer_merge_moves" {
        pub merge_id: Uuid,
        pub tbl: String,
        pub col: String,
        pub key1: String,
        pub key2: Option<String>,
    }
}

/// Moves every dependent row of `merged` to `survivor` (but those that must stay), recording each moved
/// row under `merge`. Run inside the merge's transaction, after both customers' rows are locked.
pub async fn move_rows<C: ConnectionTrait>(
    c: &C,
    merge: Uuid,
    survivor: Uuid,
    merged: Uuid,
) -> Result<Moved> {
    let mut out = Moved::default();
    let mut accounts: Vec<Uuid> = Vec::new();
    for d in DEPENDENTS {
        let name = format!("{}.{}", d.table, d.col);
        let mut pick = Cond::all().add(Expr::col((d.table, d.col)).eq(merged));
        if let Some(stay) = (d.stays)(survivor) {
            pick = pick.add(stay.not());
        }
        let n = match d.key {
            Key::Accounts => {
                let mut n = 0;
                for chunk in accounts.chunks(CHUNK) {
                    n += reassign(c, d, merged, survivor, of_accounts(chunk)).await?;
                }
                n
            }
            Key::Uuid(k) => {
                let q = Query::select()
                    .column((d.table, k))
                    .from(d.table)
                    .cond_where(pick)
                    .to_owned();
                let keys: Vec<Uuid> = c
                    .query_all(&q)
                    .await?
                    .iter()
                    .map(|r| r.try_get_by_index(0))
                    .collect::<std::result::Result<_, _>>()?;
                for chunk in keys.chunks(CHUNK) {
                    reassign(c, d, merged, survivor, uuid_keys(k, chunk)).await?;
                    let rows: Vec<MoveRow> = chunk
                        .iter()
                        .map(|id| move_row(merge, d, id.to_string(), None))
                        .collect();
                    table::insert_many(c, &rows).await?;
                }
                if d.table == "accounts" {
                    accounts = keys.clone();
                }
                keys.len() as u64
            }
            Key::Text2(k1, k2) => {
                let q = Query::select()
                    .columns([(d.table, k1), (d.table, k2)])
                    .from(d.table)
                    .cond_where(pick)
                    .to_owned();
                let keys: Vec<(String, String)> = c
                    .query_all(&q)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
                    .collect::<Result<_>>()?;
                for chunk in keys.chunks(CHUNK) {
                    reassign(c, d, merged, survivor, text2_keys(k1, k2, chunk)).await?;
                    let rows: Vec<MoveRow> = chunk
                        .iter()
                        .map(|(a, b)| move_row(merge, d, a.clone(), Some(b.clone())))
                        .collect();
                    table::insert_many(c, &rows).await?;
                }
                keys.len() as u64
            }
        };
        let kept = table::count(
            c,
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(d.table)
                .and_where(Expr::col(d.col).eq(merged))
                .to_owned(),
        )
        .await?;
        if n > 0 {
            out.moved.insert(name.clone(), n);
        }
        if kept > 0 {
            out.kept.insert(name, kept);
        }
    }
    close_stranded(c, merge, merged).await?;
    Ok(out)
}

/// What the merged record still has open once its rows moved — a second open contact task, or a second open
/// alert of an indicator the survivor already has one of (one open per customer and indicator) — is closed:
/// no one could finish it on a record that takes no more writes, and the survivor's carries on. Tasks are
/// cancelled, alerts closed with the merge as their resolution; each recorded, and reopened by an undo.
async fn close_stranded<C: ConnectionTrait>(c: &C, merge: Uuid, merged: Uuid) -> Result<()> {
    for (tbl, closed) in [("tasks", "cancelled"), ("alerts", "closed")] {
        let q = Query::select()
            .column("id")
            .from(tbl)
            .and_where(Expr::col("customer_id").eq(merged))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        let ids: Vec<Uuid> = c
            .query_all(&q)
            .await?
            .iter()
            .map(|r| r.try_get_by_index(0))
            .collect::<std::result::Result<_, _>>()?;
        for chunk in ids.chunks(CHUNK) {
            let mut q = Query::update()
                .table(tbl)
                .value("status", closed)
                .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                .to_owned();
            if tbl == "alerts" {
                q.value("closed_at_us", crate::now_us())
                    .value("resolution", STRANDED_ALERT_RESOLUTION);
            }
            c.execute(&q).await?;
            let rows: Vec<MoveRow> = chunk
                .iter()
                .map(|id| MoveRow {
                    merge_id: merge,
                    tbl: tbl.to_owned(),
                    col: "status".to_owned(),
                    key1: id.to_string(),
                    key2: None,
                })
                .collect();
            table::insert_many(c, &rows).await?;
        }
    }
    Ok(())
}

/// The resolution of an alert closed by a merge, in the bank's language as resolutions are written.
pub const STRANDED_ALERT_RESOLUTION: &str =
    "客户合并：存续客户已有同一指标的未结预警，本条随合并关闭";

/// Moves the rows of `d` that `keys` pick from customer `from` to customer `to`; how many moved.
async fn reassign<C: ConnectionTrait>(
    c: &C,
    d: &Dependent,
    from: Uuid,
    to: Uuid,
    keys: Cond,
) -> Result<u64> {
    let q = Query::update()
        .table(d.table)
        .value(d.col, to)
        .and_where(Expr::col(d.col).eq(from))
        .cond_where(keys)
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

fn uuid_keys(k: &'static str, keys: &[Uuid]) -> Cond {
    Cond::all().add(Expr::col(k).is_in(keys.iter().copied()))
}

/// The rows of these accounts (holdings and transactions follow their account).
fn of_accounts(accounts: &[Uuid]) -> Cond {
    uuid_keys("account_id", accounts)
}

fn text2_keys(k1: &'static str, k2: &'static str, keys: &[(String, String)]) -> Cond {
    keys.iter().fold(Cond::any(), |c, (a, b)| {
        c.add(
            Cond::all()
                .add(Expr::col(k1).eq(a.clone()))
                .add(Expr::col(k2).eq(b.clone())),
        )
    })
}

/// Moves back to `merged` exactly the rows `merge` moved that still belong to `survivor` (rows written to
/// the survivor since the merge stay with it). Returns the rows moved back per table.
pub async fn move_back<C: ConnectionTrait>(
    c: &C,
    merge: Uuid,
    survivor: Uuid,
    merged: Uuid,
) -> Result<BTreeMap<String, u64>> {
    let q = table::select::<MoveRow>()
        .and_where(Expr::col(("customer_merge_moves", "merge_id")).eq(merge))
        .to_owned();
    let moves: Vec<MoveRow> = table::all(c, &q).await?;
    let mut out = BTreeMap::new();
    let mut accounts: Vec<Uuid> = Vec::new();
    for d in DEPENDENTS {
        let name = format!("{}.{}", d.table, d.col);
        let mine = moves.iter().filter(|m| m.tbl == d.table && m.col == d.col);
        let mut n = 0;
        match d.key {
            Key::Uuid(k) => {
                let keys: Vec<Uuid> = mine
                    .map(|m| {
                        m.key1.parse::<Uuid>().map_err(|_| {
                            StoreError::Corrupt(format!("customer_merge_moves key {}", m.key1))
                        })
                    })
                    .collect::<Result<_>>()?;
                for chunk in keys.chunks(CHUNK) {
                    n += reassign(c, d, survivor, merged, uuid_keys(k, chunk)).await?;
                }
                if d.table == "accounts" {
                    accounts = keys;
                }
            }
            Key::Text2(k1, k2) => {
                let keys: Vec<(String, String)> = mine
                    .map(|m| match &m.key2 {
                        Some(k2) => Ok((m.key1.clone(), k2.clone())),
                        None => Err(StoreError::Corrupt(format!(
                            "customer_merge_moves of {} in {} has no second key",
                            m.key1, m.tbl
                        ))),
                    })
                    .collect::<Result<_>>()?;
                for chunk in keys.chunks(CHUNK) {
                    n += reassign(c, d, survivor, merged, text2_keys(k1, k2, chunk)).await?;
                }
            }
            Key::Accounts => {
                for chunk in accounts.chunks(CHUNK) {
                    n += reassign(c, d, survivor, merged, of_accounts(chunk)).await?;
                }
            }
        }
        if n > 0 {
            out.insert(name, n);
        }
    }
    for (tbl, closed) in [("tasks", "cancelled"), ("alerts", "closed")] {
        let ids: Vec<Uuid> = moves
            .iter()
            .filter(|m| m.tbl == tbl && m.col == "status")
            .map(|m| {
                m.key1.parse::<Uuid>().map_err(|_| {
                    StoreError::Corrupt(format!("customer_merge_moves key {}", m.key1))
                })
            })
            .collect::<Result<_>>()?;
        for chunk in ids.chunks(CHUNK) {
            let mut q = Query::update()
                .table(tbl)
                .value("status", "open")
                .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                .and_where(Expr::col("status").eq(closed))
                .and_where(Expr::col("customer_id").eq(merged))
                .to_owned();
            if tbl == "alerts" {
                q.value("closed_at_us", Option::<i64>::None)
                    .value("resolution", Option::<String>::None);
            }
            c.execute(&q).await?;
        }
    }
    Ok(out)
}

/// How many rows of each dependent table name each of these customers (for the tests that check nothing
/// is lost, and for the merge page's preview).
pub async fn dependent_counts<C: ConnectionTrait>(
    c: &C,
    customer: Uuid,
) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for d in DEPENDENTS {
        let n = table::count(
            c,
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(d.table)
                .and_where(Expr::col(d.col).eq(customer))
                .to_owned(),
        )
        .await?;
        if n > 0 {
            out.insert(format!("{}.{}", d.table, d.col), n);
        }
    }
    Ok(out)
}
