//! The client's financial picture (seed 004 §客户信息): what they hold with the bank, read from the book (a
//! planner never types it), what they declare held elsewhere — assets by kind, liabilities, income, family —
//! sealed, and their goals with an amount and a day. At each revisit the planner reviews the picture: the
//! review keeps the figures as they were (sealed), so the page draws the trend of the client's assets and
//! their allocation from the reviews, and says when the next is due (the cadence of the client's contact
//! plan by tier).

use super::{audit, check_version, open, planner, seal};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::wealth::picture::{
    Family, GoalInput, GoalStatus, IncomeKind, LiabilityKind, Picture,
};
use banyan_domain::wealth::plan::AllocationClass;
use banyan_store::now_us;
use banyan_store::wealth::plans::{self as store, GoalRow, PictureRow, ReviewRow};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// The picture as the planner writes it (the whole of it: what is left out is none).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PictureInput {
    /// Declared assets held elsewhere, CNY fen by kind (`cash`, `deposits`, `bonds`, `stocks`, `funds`,
    /// `property`, `insurance`, `business`, `other`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub assets: BTreeMap<banyan_domain::wealth::picture::AssetKind, i64>,
    /// Declared debts, CNY fen by kind (`mortgage`, `car_loan`, `card_debt`, `other_loan`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub liabilities: BTreeMap<LiabilityKind, i64>,
    /// A year's income, CNY fen by source (`salary`, `investment`, `business_income`, `other_income`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub income: BTreeMap<IncomeKind, i64>,
    #[serde(default)]
    pub family: Family,
    /// The version read (a picture changed since is refused).
    #[serde(default)]
    pub version: Option<i32>,
}

/// The declared picture with who last changed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PictureView {
    pub picture: Picture,
    pub updated_by: String,
    pub updated_at: String,
    pub version: i32,
}

/// What the book holds of a client, by allocation class, and their loans (CNY fen).
#[derive(Debug, Clone, Default)]
pub(crate) struct Held {
    pub book: BTreeMap<AllocationClass, i64>,
    /// Insurance and other assets the book holds outside the allocation.
    pub book_other: i64,
    pub loans: i64,
    pub as_of: Option<Date>,
}

/// The book's latest figures of `customer` (the caller has proven it may read them).
pub(crate) async fn held<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: CustomerId,
) -> Result<Held> {
    let (as_of, lines, _) = crate::figures::latest_lines(app, c, customer).await?;
    let mut h = Held {
        as_of,
        ..Held::default()
    };
    for l in &lines {
        if l.kind.is_credit() {
            h.loans += l.outstanding_cny.unwrap_or(0);
        } else if let Some(class) = AllocationClass::of_product(l.kind, l.risk_level) {
            *h.book.entry(class).or_insert(0) += l.balance_cny;
        } else if l.kind.asset_class().is_some() {
            h.book_other += l.balance_cny;
        }
    }
    Ok(h)
}

/// A review's figures as they were (sealed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub book: BTreeMap<AllocationClass, i64>,
    pub declared: BTreeMap<AllocationClass, i64>,
    /// Assets outside the allocation: declared property, insurance, business, other; the book's insurance.
    pub other_assets: i64,
    /// Declared debts and the book's loans.
    pub liabilities: i64,
    pub income: i64,
}

impl Snapshot {
    pub fn of(h: &Held, p: &Picture) -> Snapshot {
        let declared = p.invested();
        let declared_total: i64 = declared.values().sum();
        Snapshot {
            book: h.book.clone(),
            other_assets: p.total_assets() - declared_total + h.book_other,
            declared,
            liabilities: p.total_liabilities() + h.loans,
            income: p.total_income(),
        }
    }

    /// The invested assets by class, the book's and the declared together.
    pub fn invested(&self) -> BTreeMap<AllocationClass, i64> {
        let mut out = self.book.clone();
        for (c, v) in &self.declared {
            *out.entry(*c).or_insert(0) += v;
        }
        out
    }

    pub fn net_worth(&self) -> i64 {
        self.invested().values().sum::<i64>() + self.other_assets - self.liabilities
    }
}

/// The declared picture of `customer`, empty when none was recorded.
pub(crate) async fn picture_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: CustomerId,
) -> Result<(Picture, Option<PictureRow>)> {
    match store::picture(c, customer).await? {
        Some(r) => Ok((
            open(
                app,
                &format!("wealth_pictures of {customer}"),
                &r.picture_enc,
            )?,
            Some(r),
        )),
        None => Ok((Picture::default(), None)),
    }
}

fn name(names: &HashMap<StaffId, String>, id: StaffId) -> Result<String> {
    super::staff_name(names, id, "wealth")
}

pub(crate) fn picture_view(
    names: &HashMap<StaffId, String>,
    p: Picture,
    r: &PictureRow,
) -> Result<PictureView> {
    Ok(PictureView {
        picture: p,
        updated_by: name(names, r.updated_by)?,
        updated_at: crate::fmt_us(r.updated_at_us),
        version: r.version,
    })
}

/// Writes the client's declared picture (`wealth.plan`, the customer in scope), whole; audited with the kinds
/// it names, never the amounts.
pub async fn save_picture(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: PictureInput,
) -> Result<PictureView> {
    let p = Picture {
        assets: i.assets,
        liabilities: i.liabilities,
        income: i.income,
        family: Family {
            note: crate::text::optional_text("family.note", i.family.note.as_deref(), 500)?,
            ..i.family
        },
    };
    p.check().map_err(AppError::Validation)?;
    let p = p.without_zeros();
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let old = store::picture(&*tx, cust.id).await?;
    let r = PictureRow {
        customer_id: cust.id,
        picture_enc: seal(app, &p)?,
        updated_by: actor.id(),
        updated_at_us: now_us(),
        version: old.as_ref().map_or(1, |o| o.version + 1),
    };
    match &old {
        Some(o) => {
            check_version(o.version, i.version)?;
            super::written(
                store::update_picture(&*tx, &r, o.version).await?,
                o.version + 1,
            )?;
        }
        None => store::insert_picture(&*tx, &r).await?,
    }
    let kinds = |m: Vec<&'static str>| json!(m);
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.picture",
        json!({
            "assets": kinds(p.assets.keys().map(|k| k.as_str()).collect()),
            "liabilities": kinds(p.liabilities.keys().map(|k| k.as_str()).collect()),
            "income": kinds(p.income.keys().map(|k| k.as_str()).collect()),
        }),
    )
    .await?;
    tx.commit().await?;
    picture_view(&crate::access::names_by_id(app).await?, p, &r)
}

/// A goal as the page shows it; an active goal with how far the client's assets fund it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GoalView {
    pub id: Uuid,
    pub kind: banyan_domain::wealth::picture::GoalKind,
    /// CNY fen.
    pub target_amount: i64,
    #[schema(value_type = String, format = Date)]
    pub target_on: Date,
    pub note: Option<String>,
    pub status: GoalStatus,
    pub funding: Option<banyan_domain::wealth::picture::Funding>,
    pub created_by: String,
    pub created_at: String,
    pub version: i32,
}

pub(crate) fn goal_view(names: &HashMap<StaffId, String>, g: &GoalRow) -> Result<GoalView> {
    Ok(GoalView {
        id: g.id,
        kind: g.kind,
        target_amount: g.target_amount,
        target_on: g.target_on,
        note: g.note.clone(),
        status: g.status,
        funding: None,
        created_by: name(names, g.created_by)?,
        created_at: crate::fmt_us(g.created_at_us),
        version: g.version,
    })
}

/// Records a goal of the client (`wealth.plan`, in scope): a kind, a positive amount, a day ahead.
pub async fn add_goal(app: &App, actor: &Actor, customer: Uuid, i: GoalInput) -> Result<GoalView> {
    let note = crate::text::optional_text("note", i.note.as_deref(), 200)?;
    let i = GoalInput { note, ..i };
    i.check(app.today()).map_err(AppError::Validation)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    if store::goals(&*tx, cust.id).await?.len() >= 20 {
        return Err(AppError::conflict(
            "too_many_goals",
            "a client keeps at most 20 goals; mark one achieved or dropped first",
            json!({}),
        ));
    }
    let r = GoalRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        kind: i.kind,
        target_amount: i.target_amount,
        target_on: i.target_on,
        note: i.note,
        status: GoalStatus::Active,
        created_by: actor.id(),
        created_at_us: now_us(),
        version: 1,
    };
    store::insert_goal(&*tx, &r).await?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.goal",
        json!({"kind": r.kind.as_str(), "target_on": r.target_on.to_string()}),
    )
    .await?;
    let v = goal_view(&crate::access::names_by_id(app).await?, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// A goal reached, given up, or taken up again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalChange {
    pub status: GoalStatus,
    #[serde(default)]
    pub version: Option<i32>,
}

/// Marks a goal achieved, dropped or active again (`wealth.plan`, its customer in scope).
pub async fn change_goal(app: &App, actor: &Actor, id: Uuid, i: GoalChange) -> Result<GoalView> {
    let tx = app.db.begin_write().await?;
    let old = store::goal(&*tx, id).await?.ok_or(AppError::NotFound)?;
    let (grant, cust) = planner(&*tx, actor, old.customer_id.uuid()).await?;
    check_version(old.version, i.version)?;
    if !old.status.can_become(i.status) {
        return Err(AppError::conflict(
            "invalid_state",
            "the goal already has this status",
            json!({"current_status": old.status.as_str()}),
        ));
    }
    let new = GoalRow {
        status: i.status,
        version: old.version + 1,
        ..old.clone()
    };
    super::written(
        store::update_goal(&*tx, &new, old.version).await?,
        new.version,
    )?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.goal_status",
        json!({"kind": new.kind.as_str(), "goal_status": new.status.as_str()}),
    )
    .await?;
    tx.commit().await?;
    goal_view(&crate::access::names_by_id(app).await?, &new)
}

/// A review at a revisit: what was talked over.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PictureReviewInput)]
pub struct ReviewInput {
    /// At most 1,000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// A review as the trend shows it: the figures then.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PictureReviewView)]
pub struct ReviewView {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub reviewed_on: Date,
    pub reviewed_by: String,
    pub note: Option<String>,
    /// The plan's version in force then (0: none yet).
    pub plan_seq: i32,
    /// Invested assets then, CNY fen (the book's and the declared).
    pub invested: i64,
    /// Of which with the bank.
    pub with_bank: i64,
    pub net_worth: i64,
    pub liabilities: i64,
    /// Per thousand of the invested assets, by class.
    #[schema(value_type = BTreeMap<String, u16>)]
    pub allocation: BTreeMap<AllocationClass, u16>,
}

pub(crate) fn review_view(
    app: &App,
    names: &HashMap<StaffId, String>,
    r: &ReviewRow,
) -> Result<ReviewView> {
    let s: Snapshot = open(app, &format!("wealth_reviews {}", r.id), &r.snapshot_enc)?;
    let invested = s.invested();
    let total: i64 = invested.values().sum();
    Ok(ReviewView {
        id: r.id,
        reviewed_on: r.reviewed_on,
        reviewed_by: name(names, r.reviewed_by)?,
        note: r.note.clone(),
        plan_seq: r.plan_seq,
        invested: total,
        with_bank: s.book.values().sum(),
        net_worth: s.net_worth(),
        liabilities: s.liabilities,
        allocation: invested
            .iter()
            .map(|(c, v)| {
                let pm = if total <= 0 {
                    0
                } else {
                    (i128::from(*v) * 1000 / i128::from(total)).clamp(0, 1000)
                };
                (*c, u16::try_from(pm).unwrap_or(1000))
            })
            .collect(),
    })
}

/// Reviews the client's picture at a revisit (`wealth.plan`, in scope): the figures now (the book's and the
/// declared) are kept, sealed, with the plan in force; one review a day.
pub async fn add_review(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: ReviewInput,
) -> Result<ReviewView> {
    let note = crate::text::optional_text("note", i.note.as_deref(), 1000)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let today = app.today();
    if store::reviews(&*tx, cust.id)
        .await?
        .iter()
        .any(|r| r.reviewed_on == today)
    {
        return Err(AppError::conflict(
            "reviewed_today",
            "the picture was already reviewed today",
            json!({}),
        ));
    }
    let (p, _) = picture_of(app, &*tx, cust.id).await?;
    let h = held(app, &*tx, cust.id).await?;
    let plan_seq = store::plans(&*tx, cust.id)
        .await?
        .last()
        .map_or(0, |p| p.seq);
    let r = ReviewRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        reviewed_on: today,
        reviewed_by: actor.id(),
        reviewed_at_us: now_us(),
        snapshot_enc: seal(app, &Snapshot::of(&h, &p))?,
        plan_seq,
        note,
    };
    store::insert_review(&*tx, &r).await?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.review_picture",
        json!({"plan_seq": plan_seq}),
    )
    .await?;
    let v = review_view(app, &crate::access::names_by_id(app).await?, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The months between reviews: the cadence of the client's contact plan (12 when no plan matches).
pub(crate) async fn cadence_months<C: ConnectionTrait>(
    app: &App,
    c: &C,
    cust: &banyan_store::customers::CustomerRow,
) -> Result<u32> {
    let segments: BTreeMap<String, String> =
        banyan_store::segments::assignments_for(c, &[cust.id.uuid()])
            .await?
            .into_iter()
            .map(|a| (a.dimension, a.value))
            .collect();
    Ok(app
        .policy()
        .engagement
        .plan_for(cust.kind, &segments)
        .map_or(12, |p| p.every_months))
}
