//! The notification outbox.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::ids::StaffId;
use banyan_domain::notify::{CampaignContent, CampaignState};
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

crate::table! {
    pub struct MessageRow in "messages" {
        pub id: Uuid,
        pub customer_id: Uuid,
        /// `email`, `sms`, `app`, `wechat`.
        pub channel: String,
        /// `service` or `marketing`.
        pub purpose: String,
        /// What caused it: `greeting.birthday`, `campaign:KEY`, ...
        pub cause: String,
        pub cause_key: String,
        pub lang: String,
        pub subject: Option<String>,
        pub body: String,
        /// `queued`, `sent`, `failed`, `suppressed`.
        pub status: String,
        pub reason: Option<String>,
        pub attempts: i32,
        pub next_attempt_at_us: i64,
        pub claimed_until_us: Option<i64>,
        pub created_at_us: i64,
        pub sent_at_us: Option<i64>,
    }
}

/// Enqueues messages; one whose `cause_key` exists already is skipped. Returns how many were new. Run in
/// the transaction of the messages' cause: the keys are claimed first in `message_keys` (one row per key;
/// on PostgreSQL `messages` is partitioned by month and cannot hold a unique index of the key alone, and a
/// second try may fall in another month), then the messages whose keys this call claimed are written.
pub async fn enqueue<C: ConnectionTrait>(c: &C, rows: &[MessageRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(300) {
        let mut q = Query::insert();
        q.into_table("message_keys")
            .columns(["cause_key", "message_id"]);
        for r in chunk {
            q.values_panic([r.cause_key.clone().into(), r.id.into()]);
        }
        q.on_conflict(OnConflict::column("cause_key").do_nothing().to_owned())
            .returning(Query::returning().column("message_id"));
        let claimed = c
            .query_all(&q)
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<Uuid>(0))
            .collect::<std::result::Result<std::collections::HashSet<_>, _>>()?;
        if claimed.is_empty() {
            continue;
        }
        let mut q = Query::insert();
        q.into_table("messages")
            .columns(MessageRow::COLUMNS.iter().copied());
        for r in chunk.iter().filter(|r| claimed.contains(&r.id)) {
            q.values_panic(r.values());
        }
        n += c.execute(&q).await?.rows_affected();
    }
    Ok(n)
}

/// Where a message is: its id and the instant its month is cut on. On PostgreSQL `messages` is partitioned
/// by month of `created_at_us`; a statement naming both reads that month's partition alone instead of
/// probing every month's for the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageAt {
    pub id: Uuid,
    pub created_at_us: i64,
}

impl MessageRow {
    pub fn at(&self) -> MessageAt {
        MessageAt {
            id: self.id,
            created_at_us: self.created_at_us,
        }
    }
}

/// A message due for delivery: where it is, customer id, purpose.
pub type Due = (MessageAt, Uuid, String);

/// Queued messages due now (not claimed by a live dispatcher), oldest first.
pub async fn due<C: ConnectionTrait>(c: &C, now_us: i64, limit: u64) -> Result<Vec<Due>> {
    let q = Query::select()
        .columns(["id", "customer_id", "purpose", "created_at_us"])
        .from("messages")
        .and_where(Expr::col("status").eq("queued"))
        .and_where(Expr::col("next_attempt_at_us").lte(now_us))
        .cond_where(
            Cond::any()
                .add(Expr::col("claimed_until_us").is_null())
                .add(Expr::col("claimed_until_us").lt(now_us)),
        )
        .order_by("next_attempt_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            Ok((
                MessageAt {
                    id: r.try_get_by_index(0)?,
                    created_at_us: r.try_get_by_index(3)?,
                },
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
            ))
        })
        .collect()
}

pub async fn find<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<MessageRow>> {
    let q = table::select::<MessageRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one::<MessageRow, _>(c, &q).await
}

/// Claims a batch in one statement (`UPDATE ... RETURNING`, both databases) and returns the rows this
/// dispatcher now holds; those another dispatcher holds are left out. One round trip instead of a claim
/// and a read per message.
pub async fn claim_batch<C: ConnectionTrait>(
    c: &C,
    ids: &[MessageAt],
    now_us: i64,
    until_us: i64,
) -> Result<Vec<MessageRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::update()
        .table("messages")
        .value("claimed_until_us", until_us)
        .value("attempts", Expr::col("attempts").add(1))
        .and_where(Expr::col("id").is_in(ids.iter().map(|m| m.id)))
        // The months they are in (a list PostgreSQL prunes the other months' partitions by).
        .and_where(Expr::col("created_at_us").is_in(ids.iter().map(|m| m.created_at_us)))
        .and_where(Expr::col("status").eq("queued"))
        .cond_where(
            Cond::any()
                .add(Expr::col("claimed_until_us").is_null())
                .add(Expr::col("claimed_until_us").lt(now_us)),
        )
        .returning(Query::returning().columns(MessageRow::COLUMNS.iter().copied()))
        .to_owned();
    let rows = c.query_all(&q).await?;
    let mut out = rows
        .iter()
        .map(MessageRow::read)
        .collect::<Result<Vec<_>>>()?;
    // The order they were due in (RETURNING gives no order).
    out.sort_by_key(|m| ids.iter().position(|i| i.id == m.id));
    Ok(out)
}

/// Records the outcome of an attempt: a final status, or back to the queue for `next_attempt_at_us`.
/// Records the outcome of an attempt, if this dispatcher still holds the message: `claim` is the claim it
/// made (its `claimed_until_us`); a claim that ran out and was taken by another dispatcher is theirs to
/// settle. Returns whether the row was updated.
pub async fn settle<C: ConnectionTrait>(
    c: &C,
    at: MessageAt,
    claim: Option<i64>,
    status: &str,
    reason: Option<&str>,
    next_attempt_at_us: Option<i64>,
    sent_at_us: Option<i64>,
) -> Result<bool> {
    let mut q = Query::update();
    q.table("messages")
        .value("status", status)
        .value("reason", reason)
        .value("sent_at_us", sent_at_us)
        .value("claimed_until_us", Option::<i64>::None)
        .and_where(Expr::col("id").eq(at.id))
        .and_where(Expr::col("created_at_us").eq(at.created_at_us))
        .and_where(Expr::col("claimed_until_us").eq(claim));
    if let Some(n) = next_attempt_at_us {
        q.value("next_attempt_at_us", n);
    }
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Puts a claimed message back in the queue until `until_us` without counting the attempt.
pub async fn defer<C: ConnectionTrait>(
    c: &C,
    at: MessageAt,
    claim: Option<i64>,
    reason: &str,
    until_us: i64,
) -> Result<()> {
    let q = Query::update()
        .table("messages")
        .value("reason", reason)
        .value("next_attempt_at_us", until_us)
        .value("claimed_until_us", Option::<i64>::None)
        .value("attempts", Expr::col("attempts").sub(1))
        .and_where(Expr::col("id").eq(at.id))
        .and_where(Expr::col("created_at_us").eq(at.created_at_us))
        .and_where(Expr::col("claimed_until_us").eq(claim))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Counts a customer's marketing messages matching `cond` (the frequency cap's two questions).
async fn count_marketing<C: ConnectionTrait>(c: &C, customer_id: Uuid, cond: Cond) -> Result<i64> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from("messages")
        .and_where(Expr::col("customer_id").eq(customer_id))
        .and_where(Expr::col("purpose").eq("marketing"))
        .cond_where(cond)
        .to_owned();
    let row = c.query_one(&q).await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// Marketing messages sent to a customer since `since_us` (for the frequency cap).
pub async fn marketing_sent_since<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    since_us: i64,
) -> Result<i64> {
    let cond = Cond::all()
        .add(Expr::col("status").eq("sent"))
        .add(Expr::col("sent_at_us").gte(since_us));
    count_marketing(c, customer_id, cond).await
}

/// Other marketing messages to a customer being sent right now (claimed, claim not expired): with several
/// dispatchers, two of a customer's messages can be in flight at once, and each must count the other.
pub async fn marketing_in_flight<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    except: Uuid,
    now_us: i64,
) -> Result<i64> {
    let cond = Cond::all()
        .add(Expr::col("status").eq("queued"))
        .add(Expr::col("claimed_until_us").gt(now_us))
        .add(Expr::col("id").ne(except));
    count_marketing(c, customer_id, cond).await
}

pub async fn of_customer<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<MessageRow>> {
    let q = table::select::<MessageRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("created_at_us", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all::<MessageRow, _>(c, &q).await
}

/// Messages of one cause in one status.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CauseCount {
    pub cause: String,
    pub status: String,
    pub n: i64,
    pub first_us: i64,
}

/// Message counts per campaign (`campaign:KEY` causes) and status, for customers in scope.
/// A range on `cause` rather than LIKE, so both databases use `ix_messages_cause`.
pub async fn campaign_counts<C: ConnectionTrait>(
    c: &C,
    scope: &crate::customers::ScopeFilter,
) -> Result<Vec<CauseCount>> {
    let mut q = Query::select();
    q.column(("messages", "cause"))
        .column(("messages", "status"))
        .expr_as(Expr::col(("messages", "id")).count(), "n")
        .expr_as(Expr::col(("messages", "created_at_us")).min(), "first_us")
        .from("messages")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("messages", "customer_id")),
        )
        .and_where(Expr::col(("messages", "cause")).gte("campaign:"))
        .and_where(Expr::col(("messages", "cause")).lt("campaign;"))
        .cond_where(scope.cond_on("customers"))
        .group_by_col(("messages", "cause"))
        .group_by_col(("messages", "status"));
    Ok(
        CauseCount::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?,
    )
}

crate::table! {
    /// A campaign: what it says and to whom, when it goes, and who approved or refused it.
    pub struct CampaignRow in "campaigns" {
        pub id: Uuid,
        /// Its name, unique in the bank; its messages' cause is `campaign:KEY`.
        pub key: String,
        pub state: CampaignState,
        pub content: CampaignContent,
        /// Customers it reached when it was made (sent: the customers it was queued for).
        pub audience: i64,
        /// It needs (needed) a second person's approval: its audience was above the threshold, or its
        /// maker asked for one.
        pub needs_approval: bool,
        pub created_by: StaffId,
        /// The maker's branch (none for bank-wide roles): whose supervisors may approve it.
        pub branch_code: Option<String>,
        pub created_at_us: i64,
        /// When it goes (its creation time when it goes at once).
        pub send_at_us: i64,
        pub decided_by: Option<StaffId>,
        pub decided_at_us: Option<i64>,
        /// Why it was refused or cancelled.
        pub note: Option<String>,
        pub sent_at_us: Option<i64>,
        /// Messages queued when it was sent.
        pub queued: Option<i64>,
        pub version: i32,
    }
}

crate::enum_col!(CampaignState);
crate::json_col!(CampaignContent);

pub async fn insert_campaign<C: ConnectionTrait>(c: &C, r: &CampaignRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Writes a campaign whole if its version is still `expected`; false when someone else moved it first.
pub async fn update_campaign<C: ConnectionTrait>(
    c: &C,
    r: &CampaignRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id, &[], "version", expected).await
}

pub async fn find_campaign<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<CampaignRow>> {
    let q = table::select::<CampaignRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

pub async fn find_campaign_by_key<C: ConnectionTrait>(
    c: &C,
    key: &str,
) -> Result<Option<CampaignRow>> {
    let q = table::select::<CampaignRow>()
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    table::one(c, &q).await
}

/// Whose campaigns a member of staff sees: their own, and (approvers) those made in their branch or,
/// bank-wide, all.
#[derive(Debug, Clone)]
pub enum CampaignScope {
    All,
    /// Made by this person or in this branch.
    MineOrBranch(StaffId, String),
    Mine(StaffId),
}

/// Campaigns in a scope, newest first.
pub async fn campaigns<C: ConnectionTrait>(
    c: &C,
    scope: &CampaignScope,
    limit: u64,
) -> Result<Vec<CampaignRow>> {
    let mut q = table::select::<CampaignRow>();
    match scope {
        CampaignScope::All => {}
        CampaignScope::MineOrBranch(me, branch) => {
            q.cond_where(
                Cond::any()
                    .add(Expr::col("created_by").eq(me.uuid()))
                    .add(Expr::col("branch_code").eq(branch.as_str())),
            );
        }
        CampaignScope::Mine(me) => {
            q.and_where(Expr::col("created_by").eq(me.uuid()));
        }
    }
    q.order_by("created_at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit);
    table::all(c, &q).await
}

/// Scheduled campaigns whose time has come, earliest first.
pub async fn due_campaigns<C: ConnectionTrait>(c: &C, now_us: i64) -> Result<Vec<CampaignRow>> {
    let q = table::select::<CampaignRow>()
        .and_where(Expr::col("state").eq(CampaignState::Scheduled.as_str()))
        .and_where(Expr::col("send_at_us").lte(now_us))
        .order_by("send_at_us", Order::Asc)
        .limit(50)
        .to_owned();
    table::all(c, &q).await
}
