//! The four-eyes review queue as a checker works it: who submitted what and when, how long it has waited,
//! whether this checker may verify it, filtered and counted, oldest first; and verifying several at once.

use super::read::summaries;
use super::update::is_maker;
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use crate::view::*;
use banyan_domain::access::Permission;
use banyan_domain::customer::{CustomerKind, Transition};
use banyan_store::customers::{self as store, SubmittedFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a checker asks of the queue.
#[derive(Debug, Clone, Default)]
pub struct ReviewQuery {
    pub kind: Option<CustomerKind>,
    pub newest_first: bool,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// A record waiting for a checker.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    #[serde(flatten)]
    pub customer: CustomerSummary,
    /// When it was submitted (RFC 3339).
    pub submitted_at: String,
    /// Microseconds since the epoch, for the age of the wait.
    #[serde(skip)]
    pub submitted_at_us: i64,
    pub submitted_by: Uuid,
    /// The submitter's name.
    pub submitter: String,
    /// False when this checker made the record (created, last edited or submitted it): four eyes.
    pub may_verify: bool,
    /// A care customer to be served first (the care registration's priority adjustment; never why).
    pub priority: bool,
}

/// A page of the queue with the size of the whole queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    pub items: Vec<ReviewItem>,
    pub next_cursor: Option<String>,
    pub total: u64,
}

fn parse_cursor(c: &str) -> Result<(i64, Uuid)> {
    let bad = || AppError::field("cursor", "format", "is not a cursor this API returned");
    let (t, id) = c.split_once('.').ok_or_else(bad)?;
    Ok((
        t.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// Submitted customers waiting for a checker in the actor's scope.
pub async fn review_queue(app: &App, actor: &Actor, q: ReviewQuery) -> Result<ReviewPage> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let limit = crate::view::page_limit(q.limit, 50, 200)?;
    let filter = SubmittedFilter {
        scope: grant.scope(),
        kind: q.kind.map(|k| k.as_str().to_owned()),
        newest_first: q.newest_first,
        after: q.cursor.as_deref().map(parse_cursor).transpose()?,
        limit: limit + 1,
    };
    let total = store::count_submitted(&app.db.conn, &filter).await?;
    let rows = store::list_submitted(&app.db.conn, &filter).await?;
    let more = rows.len() as u64 > limit;
    // A record in the queue was submitted by someone at some time; a row without either is corrupt.
    let made = rows
        .iter()
        .map(|r| {
            let missing = |col: &str| {
                AppError::internal(format!(
                    "customers.{col} of submitted customer {} is empty",
                    r.id
                ))
            };
            Ok((
                r.submitted_at_us
                    .ok_or_else(|| missing("submitted_at_us"))?,
                r.submitted_by
                    .ok_or_else(|| missing("submitted_by"))?
                    .uuid(),
                !is_maker(actor, r),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let page = summaries(app, &app.db.conn, rows, limit).await?;
    let ids: Vec<Uuid> = made.iter().map(|m| m.1).collect();
    let names = crate::access::staff_names(app, actor, &ids).await?;
    let customers: Vec<banyan_domain::ids::CustomerId> =
        page.items.iter().map(|c| c.id.into()).collect();
    let first = crate::care::priority_among(&app.db.conn, &customers).await?;
    // Staff are disabled, never deleted: a submitter who is not staff is corrupt data.
    let items = page
        .items
        .into_iter()
        .zip(made)
        .map(|(customer, (at, by, may_verify))| {
            let submitter = names.get(&by).cloned().ok_or_else(|| {
                AppError::internal(format!(
                    "submitter {by} of customer {} is no staff member",
                    customer.id
                ))
            })?;
            Ok(ReviewItem {
                priority: first.contains(&customer.id.into()),
                customer,
                submitted_at: crate::fmt_us(at),
                submitted_at_us: at,
                submitter,
                submitted_by: by,
                may_verify,
            })
        })
        .collect::<Result<Vec<ReviewItem>>>()?;
    let next_cursor = if more {
        items
            .last()
            .map(|i| format!("{}.{}", i.submitted_at_us, i.customer.id))
    } else {
        None
    };
    Ok(ReviewPage {
        items,
        next_cursor,
        total,
    })
}

/// A record picked for verification, at the version the checker saw.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    pub id: Uuid,
    /// The version reviewed; a record changed since is refused (`version_conflict`), not verified unseen.
    #[serde(default)]
    pub version: Option<i64>,
}

/// What verifying several records did: each verified, or refused with the reason's code.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BulkOutcome {
    pub verified: Vec<Uuid>,
    pub refused: Vec<Refusal>,
}

/// A record of a bulk verification that was not verified, and why.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VerifyRefusal)]
pub struct Refusal {
    pub id: Uuid,
    /// `four_eyes`, `invalid_state`, `version_conflict`, `not_found`, ...
    pub code: String,
}

/// Most records one bulk verification takes.
pub const MAX_BULK: usize = 100;

/// Verifies each record in its own transaction (one refusal never undoes another's verification), each
/// with its own version and audit record, exactly as one by one.
///
/// A retry of the same request writes nothing twice: a record already verified is refused as
/// `invalid_state`, and one verified at another version as `version_conflict`.
pub async fn verify_many(app: &App, actor: &Actor, picks: &[Pick]) -> Result<BulkOutcome> {
    actor.require(Permission::CustomerVerify)?;
    if picks.is_empty() || picks.len() > MAX_BULK {
        return Err(AppError::field(
            "items",
            "count",
            format!("pick from 1 to {MAX_BULK} records"),
        ));
    }
    let mut out = BulkOutcome::default();
    let mut seen = std::collections::HashSet::new();
    for p in picks.iter().filter(|p| seen.insert(p.id)) {
        match super::transition(app, actor, p.id, Transition::Verify, None, p.version).await {
            Ok(_) => out.verified.push(p.id),
            Err(e) => match e.refusal_code() {
                Some(code) => out.refused.push(Refusal {
                    id: p.id,
                    code: code.to_owned(),
                }),
                None => return Err(e),
            },
        }
    }
    Ok(out)
}
