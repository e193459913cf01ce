//! Suitability at the moment of sale. The book's gate (`book::sales`) asks [`assess`] of every sale of an
//! investment product after the customer's risk measures, then [`record`]s the answer with the sale: the
//! facts read (the latest assessment, the product's level, the client's age, the channel, whether they bought
//! before) and every rule's result (`banyan_domain::wealth::suitability`), as they were. A suitable sale of an
//! older client and a high-risk product waits for a senior reviewer ([`review`]); a private product's sale
//! cools off before it is final — the client may cancel ([`cancel`]), the seller may not contact them
//! ([`seller_may_contact`]), and the job finalises it when the period ends ([`finalise_due`]).

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::book::sale::{SaleDecision, SaleKind};
use banyan_domain::customer::CustomerKind;
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::wealth::suitability::{
    self as rules, AssessmentFacts, Facts, SaleChannel, SuitabilityRule, Verdict,
};
use banyan_domain::wealth::{SaleStep, StepMove};
use banyan_store::book::ProductRow;
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use banyan_store::wealth::{self as store, WealthSaleRow};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a sale of an investment product says beside the product and the amount.
#[derive(Debug, Clone, Default)]
pub(crate) struct SaleFacts {
    pub channel: Option<SaleChannel>,
    pub recording_ref: Option<String>,
    pub client_confirmation: Option<String>,
}

/// The gate's answer on suitability, before it is stored.
pub(crate) struct Assessed {
    pub facts: Facts,
    pub verdict: Verdict,
    channel: SaleChannel,
    recording_ref: Option<String>,
    client_confirmation: Option<String>,
}

impl Assessed {
    /// The refusal the gate records: the rule and the assessment's level (or `none` / `expired`).
    pub fn refusal(&self) -> Option<banyan_domain::book::sale::GateRefusal> {
        let rule = self.verdict.refused?;
        let level = match &self.facts.assessment {
            None => "none".to_owned(),
            Some(a) if a.expires_on < self.facts.today => "expired".to_owned(),
            Some(a) => a.level.clone(),
        };
        Some(banyan_domain::book::sale::GateRefusal {
            action: format!("suitability.{}", rule.as_str()),
            rating: level,
        })
    }

    /// Whether the sale waits for a step before it is final.
    pub fn pending(&self) -> bool {
        self.verdict.senior_review || self.verdict.cooling_off
    }
}

/// A sale's suitability as its page and the report show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuitabilityView {
    pub sale_id: Uuid,
    pub channel: SaleChannel,
    /// What the gate read, as it was at the moment of sale.
    pub facts: Facts,
    /// Every rule's result, the first that refused, the highest level the assessment may buy.
    pub verdict: Verdict,
    /// Where a suitable sale stands (none when refused).
    pub step: Option<SaleStep>,
    pub recording_ref: Option<String>,
    /// The recording is kept at least until this day (the policy's months after the product ends).
    #[schema(value_type = Option<String>, format = Date)]
    pub recording_keep_until: Option<Date>,
    pub client_confirmation: Option<String>,
    pub sold_by: String,
    pub sold_by_id: StaffId,
    pub sold_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    /// The end of a private product's cooling-off.
    pub cooling_off_until: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub completed_at: Option<String>,
    pub version: i32,
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, r: &WealthSaleRow, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| {
        AppError::internal_from(format!("wealth_sales.{what} of sale {}", r.sale_id), e)
    })
}

fn name(names: &HashMap<StaffId, String>, id: StaffId) -> Result<String> {
    super::staff_name(names, id, "wealth sale")
}

pub(crate) fn view(names: &HashMap<StaffId, String>, r: &WealthSaleRow) -> Result<SuitabilityView> {
    let opt = |id: Option<StaffId>| id.map(|i| name(names, i)).transpose();
    Ok(SuitabilityView {
        sale_id: r.sale_id,
        channel: r.channel,
        facts: parse_json("facts", r, &r.facts)?,
        verdict: parse_json("verdict", r, &r.verdict)?,
        step: r.step,
        recording_ref: r.recording_ref.clone(),
        recording_keep_until: r.recording_keep_until,
        client_confirmation: r.client_confirmation.clone(),
        sold_by: name(names, r.sold_by)?,
        sold_by_id: r.sold_by,
        sold_at: crate::fmt_us(r.sold_at_us),
        reviewed_by: opt(r.reviewed_by)?,
        reviewed_at: r.reviewed_at_us.map(crate::fmt_us),
        review_note: r.review_note.clone(),
        cooling_off_until: r.cooling_off_until_us.map(crate::fmt_us),
        cancelled_by: opt(r.cancelled_by)?,
        cancelled_at: r.cancelled_at_us.map(crate::fmt_us),
        cancel_reason: r.cancel_reason.clone(),
        completed_at: r.completed_at_us.map(crate::fmt_us),
        version: r.version,
    })
}

/// The client's latest risk assessment (a stored one that does not read is an error).
async fn latest_assessment<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
) -> Result<Option<AssessmentFacts>> {
    let Some(a) = banyan_store::segments::assessments_for(c, &[customer.uuid()])
        .await?
        .into_iter()
        .last()
    else {
        return Ok(None);
    };
    let day = |what: &str, s: &str| {
        s.parse::<Date>()
            .map_err(|e| AppError::internal_from(format!("risk_assessments.{what} of {}", a.id), e))
    };
    Ok(Some(AssessmentFacts {
        level: a.level.clone(),
        assessed_on: day("assessed_on", &a.assessed_on)?,
        expires_on: day("expires_on", &a.expires_on)?,
        face_to_face: a.channel == "branch",
    }))
}

/// What the gate reads of the client alone, the same for every product: a plan asks it once and weighs
/// every product of the catalogue against it.
pub(crate) struct ClientFacts {
    today: Date,
    assessment: Option<AssessmentFacts>,
    bought_before: bool,
    individual: bool,
    age: Option<u32>,
}

impl ClientFacts {
    /// The facts of a sale of `product` (at `level`) to this client.
    pub fn facts(
        &self,
        level: banyan_domain::book::RiskLevel,
        product: &ProductRow,
        channel: SaleChannel,
        recording_ref: bool,
        client_confirmed: bool,
    ) -> Facts {
        Facts {
            today: self.today,
            assessment: self.assessment.clone(),
            bought_before: self.bought_before,
            product_level: level,
            private: product.private,
            dual_recording: product.dual_recording,
            individual: self.individual,
            age: self.age,
            channel,
            recording_ref,
            client_confirmed,
        }
    }

    /// The highest level the client's valid assessment may buy (none: no valid assessment).
    pub fn ceiling(&self, app: &App) -> Option<banyan_domain::book::RiskLevel> {
        self.assessment
            .as_ref()
            .filter(|a| a.expires_on >= self.today)
            .and_then(|a| app.policy().wealth.ceiling(&a.level))
    }
}

/// Reads [`ClientFacts`] of `customer` now.
pub(crate) async fn client_facts<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: &CustomerRow,
) -> Result<ClientFacts> {
    let today = app.today();
    let age = match (customer.kind, customer.birth_date.as_deref()) {
        (CustomerKind::Individual, Some(b)) => Some(rules::age_on(
            b.parse::<Date>().map_err(|e| {
                AppError::internal_from(format!("customers.birth_date of {}", customer.id), e)
            })?,
            today,
        )),
        _ => None,
    };
    Ok(ClientFacts {
        today,
        assessment: latest_assessment(c, customer.id).await?,
        bought_before: store::bought_before(c, customer.id).await?,
        individual: customer.kind == CustomerKind::Individual,
        age,
    })
}

/// Suitability of a sale (none for what is not an investment product's sale): the facts read now and the
/// rules' verdict. The recording reference and the client's confirmation are checked as text here.
pub(crate) async fn assess<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: &CustomerRow,
    product: &ProductRow,
    kind: SaleKind,
    sale: SaleFacts,
) -> Result<Option<Assessed>> {
    let recording_ref =
        crate::text::optional_line("recording_ref", sale.recording_ref.as_deref(), 100)?;
    let client_confirmation = crate::text::optional_line(
        "client_confirmation",
        sale.client_confirmation.as_deref(),
        500,
    )?;
    let (SaleKind::ProductSale, Some(level)) = (kind, product.risk_level) else {
        if recording_ref.is_some() || client_confirmation.is_some() || sale.channel.is_some() {
            return Err(AppError::field(
                "channel",
                "not_allowed",
                "only the sale of an investment product says its channel, recording or confirmation",
            ));
        }
        return Ok(None);
    };
    let channel = sale.channel.unwrap_or(SaleChannel::Branch);
    let facts = client_facts(app, c, customer).await?.facts(
        level,
        product,
        channel,
        recording_ref.is_some(),
        client_confirmation.is_some(),
    );
    let verdict = rules::decide(&app.policy().wealth, &facts);
    Ok(Some(Assessed {
        facts,
        verdict,
        channel,
        recording_ref,
        client_confirmation,
    }))
}

/// The day the recording may be destroyed: the policy's months after the product ends (none while the
/// product has no end day: it is kept).
fn keep_until(app: &App, product: &ProductRow) -> Option<Date> {
    product.end_on.and_then(|d| {
        d.checked_add(jiff::Span::new().months(i64::from(app.policy().wealth.recording_months)))
            .ok()
    })
}

/// Stores the suitability of the sale the gate just recorded (refused by the measures or by suitability,
/// or not), in the gate's transaction; `seller` is the recorder's name (the gate has read it: the view names
/// nobody else yet, so the staff list is not read on this path).
pub(crate) async fn record<C: ConnectionTrait>(
    app: &App,
    c: &C,
    sale: &banyan_store::book::sales::SaleRow,
    product: &ProductRow,
    seller: &str,
    a: Assessed,
) -> Result<SuitabilityView> {
    let refused = sale.decision == SaleDecision::Refused;
    let now = now_us();
    let step = (!refused).then(|| SaleStep::first(a.verdict.senior_review, a.verdict.cooling_off));
    let cooling = (step == Some(SaleStep::CoolingOff))
        .then(|| now + i64::from(app.policy().wealth.cooling_off_hours) * 3_600_000_000);
    let r = WealthSaleRow {
        sale_id: sale.id,
        customer_id: sale.customer_id,
        product_id: product.id,
        channel: a.channel,
        facts: serde_json::to_string(&a.facts)
            .map_err(|e| AppError::internal_from("suitability facts", e))?,
        verdict: serde_json::to_string(&a.verdict)
            .map_err(|e| AppError::internal_from("suitability verdict", e))?,
        refused_rule: a.verdict.refused,
        step,
        recording_keep_until: a
            .recording_ref
            .as_ref()
            .and_then(|_| keep_until(app, product)),
        recording_ref: a.recording_ref,
        client_confirmation: a.client_confirmation,
        sold_by: sale.recorded_by,
        sold_at_us: now,
        reviewed_by: None,
        reviewed_at_us: None,
        review_note: None,
        cooling_off_until_us: cooling,
        cancelled_by: None,
        cancelled_at_us: None,
        cancel_reason: None,
        completed_at_us: (step == Some(SaleStep::Completed)).then_some(now),
        version: 1,
    };
    store::insert(c, &r).await?;
    view(&HashMap::from([(r.sold_by, seller.to_owned())]), &r)
}

/// A senior reviewer's decision on a sale that waits for one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleReview {
    /// `approve` or `decline`.
    #[schema(example = "approve")]
    pub decision: String,
    /// Why (required to decline).
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// The client cancels during the cooling-off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// What the client said (at most 500 characters).
    pub reason: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// The sale `id` with its customer, read in the actor's scope (out of scope or not an investment sale: not
/// found), locked for a move at `version` when given.
async fn movable<C: ConnectionTrait>(
    c: &C,
    grant: &crate::actor::Granted<'_>,
    id: Uuid,
    version: Option<i32>,
) -> Result<WealthSaleRow> {
    let r = store::find(c, id).await?.ok_or(AppError::NotFound)?;
    crate::scope::load_in_scope(c, grant, r.customer_id.uuid()).await?;
    if version.is_some_and(|v| v != r.version) {
        return Err(AppError::VersionConflict {
            current_version: i64::from(r.version),
            since: json!([]),
        });
    }
    Ok(r)
}

/// Moves the record and the book's sale together, audited as the actor `grant` was given to (none: the job
/// `action`); a stale move is a version conflict.
async fn apply<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: Option<&crate::actor::Granted<'_>>,
    old: &WealthSaleRow,
    m: StepMove,
    mut new: WealthSaleRow,
    action: &'static str,
) -> Result<WealthSaleRow> {
    let Some(step) = old.step.and_then(|s| s.apply(m)) else {
        return Err(AppError::conflict(
            "invalid_state",
            "the sale is not waiting for this",
            json!({"current_status": old.step.map(|s| s.as_str())}),
        ));
    };
    new.step = Some(step);
    new.version = old.version + 1;
    if step == SaleStep::Completed {
        new.completed_at_us = Some(now_us());
    }
    if step == SaleStep::CoolingOff {
        new.cooling_off_until_us =
            Some(now_us() + i64::from(app.policy().wealth.cooling_off_hours) * 3_600_000_000);
    }
    if !store::update(c, &new, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    let decision = match step {
        SaleStep::Completed => SaleDecision::Recorded,
        SaleStep::Declined | SaleStep::Cancelled => SaleDecision::Withdrawn,
        SaleStep::AwaitingReview | SaleStep::CoolingOff => SaleDecision::Pending,
    };
    banyan_store::book::sales::set_decision(c, old.sale_id, decision).await?;
    let entry = vec![Entry::customer(
        action,
        old.customer_id.uuid(),
        json!({"step": step.as_str()}),
    )];
    match grant {
        Some(g) => audit::record(app, c, g, entry).await?,
        None => audit::record_system(app, c, action, entry).await?,
    }
    Ok(new)
}

/// A senior reviewer approves or declines a sale of an older client and a high-risk product
/// (`wealth.review`, the customer in scope; never one's own sale). An approved private product then cools
/// off; a declined sale is withdrawn. The seller is told.
pub async fn review(app: &App, actor: &Actor, id: Uuid, i: SaleReview) -> Result<SuitabilityView> {
    let grant = actor.require(Permission::WealthReview)?;
    let note = crate::text::optional_line("note", i.note.as_deref(), 500)?;
    let m = match i.decision.trim() {
        "approve" => None,
        "decline" => Some(StepMove::Decline),
        _ => return Err(AppError::field("decision", "one_of", "approve or decline")),
    };
    if m == Some(StepMove::Decline) && note.is_none() {
        return Err(AppError::field(
            "note",
            "required",
            "why the sale is declined",
        ));
    }
    let tx = app.db.begin_write().await?;
    let old = movable(&*tx, &grant, id, i.version).await?;
    if old.sold_by == actor.id() {
        return Err(AppError::forbidden(
            "own_sale",
            "a senior reviewer does not review their own sale",
        ));
    }
    let product = banyan_store::book::find_product(&*tx, old.product_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("wealth sale {id}: product gone")))?;
    let m = m.unwrap_or(StepMove::Approve {
        private: product.private,
    });
    let new = WealthSaleRow {
        reviewed_by: Some(actor.id()),
        reviewed_at_us: Some(now_us()),
        review_note: note,
        ..old.clone()
    };
    let r = apply(app, &*tx, Some(&grant), &old, m, new, "wealth.review").await?;
    let notice = banyan_store::cases::NoticeRow::about_customer(
        old.sold_by.uuid(),
        "wealth.reviewed",
        old.customer_id.uuid(),
        r.step.map_or("", |s| s.as_str()),
        now_us(),
    );
    banyan_store::cases::insert_notices(&*tx, &[notice]).await?;
    let v = view(&crate::access::names_by_id(app).await?, &r)?;
    tx.commit().await?;
    Ok(v)
}

/// The client cancels a private product's sale during its cooling-off (`customer.update`, the customer in
/// scope): the sale is withdrawn and the full amount is to be refunded (the core system books it).
pub async fn cancel(app: &App, actor: &Actor, id: Uuid, i: CancelInput) -> Result<SuitabilityView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let Some(reason) = crate::text::optional_line("reason", Some(&i.reason), 500)? else {
        return Err(AppError::field(
            "reason",
            "required",
            "what the client said",
        ));
    };
    let tx = app.db.begin_write().await?;
    let old = movable(&*tx, &grant, id, i.version).await?;
    if old.cooling_off_until_us.is_some_and(|u| u <= now_us()) {
        return Err(AppError::conflict(
            "cooling_off_over",
            "the cooling-off period has ended: the sale is final",
            json!({"cooling_off_until": old.cooling_off_until_us.map(crate::fmt_us)}),
        ));
    }
    let new = WealthSaleRow {
        cancelled_by: Some(actor.id()),
        cancelled_at_us: Some(now_us()),
        cancel_reason: Some(reason),
        ..old.clone()
    };
    let r = apply(
        app,
        &*tx,
        Some(&grant),
        &old,
        StepMove::Cancel,
        new,
        "wealth.cancel",
    )
    .await?;
    let v = view(&crate::access::names_by_id(app).await?, &r)?;
    tx.commit().await?;
    Ok(v)
}

/// Finalises the sales whose cooling-off ended (the job, as `wealth.finalise`): each completes and its book
/// sale is recorded. Returns how many; a sale moved meanwhile is left to its mover.
pub async fn finalise_due(app: &App) -> Result<usize> {
    let now = now_us();
    let mut n = 0;
    for old in store::cooled(&app.db.conn, now, 500).await? {
        let tx = app.db.begin_write().await?;
        let new = old.clone();
        match apply(
            app,
            &*tx,
            None,
            &old,
            StepMove::Finalise,
            new,
            "wealth.finalise",
        )
        .await
        {
            Ok(_) => {
                tx.commit().await?;
                n += 1;
            }
            // Moved meanwhile (cancelled at the last moment, or finalised by another node).
            Err(AppError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Whether `staff` may contact the customer now: not while a sale they made to them cools off (the rules:
/// the seller may not contact the client during it). Refused with when it ends.
pub(crate) async fn seller_may_contact<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    staff: StaffId,
) -> Result<()> {
    match store::cooling_with(c, customer, staff, now_us()).await? {
        None => Ok(()),
        Some(r) => Err(AppError::conflict(
            "cooling_off",
            "the client is in the cooling-off of a sale you made: you may not contact them until it ends",
            json!({"cooling_off_until": r.cooling_off_until_us.map(crate::fmt_us)}),
        )),
    }
}

/// The period of a suitability report.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (30 days before `to` when absent).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// Last day (today when absent).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
    #[serde(default)]
    pub page: Option<u64>,
    /// Rows per page (1–200, default 50).
    #[serde(default)]
    pub per_page: Option<u64>,
}

/// How many sales of the period ended how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuitabilityCount {
    /// The rule that refused (none: suitable).
    pub refused_rule: Option<SuitabilityRule>,
    /// Where a suitable one stands.
    pub step: Option<SaleStep>,
    pub count: u64,
}

/// The suitability report of a period: every investment sale of customers in scope with what the gate read
/// and decided, and the counts by outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuitabilityReport {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub counts: Vec<SuitabilityCount>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub sales: Vec<ReportLine>,
}

/// A sale of the report: whose, what, and its suitability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportLine {
    pub customer_id: CustomerId,
    pub customer_no: String,
    pub product: String,
    /// The product's names by language.
    pub product_names: std::collections::BTreeMap<String, String>,
    pub suitability: SuitabilityView,
}

/// The period asked (the last 30 days to today by default), at most a year.
fn period(app: &App, from: Option<Date>, to: Option<Date>) -> Result<(Date, Date)> {
    let to = to.unwrap_or_else(|| app.today());
    let from = from.unwrap_or_else(|| to.checked_sub(jiff::Span::new().days(30)).unwrap_or(to));
    if from > to {
        return Err(AppError::field("from", "before_to", "must not be after to"));
    }
    if (to - from).get_days() > 366 {
        return Err(AppError::field(
            "from",
            "range",
            "a period of at most a year",
        ));
    }
    Ok((from, to))
}

/// The report's lines of these sales: each with its customer's number and product.
async fn lines<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[WealthSaleRow],
) -> Result<Vec<ReportLine>> {
    let names = crate::access::names_by_id(app).await?;
    let customers: HashMap<CustomerId, String> = banyan_store::customers::rows_by_ids(
        c,
        &rows
            .iter()
            .map(|r| r.customer_id.uuid())
            .collect::<Vec<_>>(),
    )
    .await?
    .into_iter()
    .map(|x| (x.id, x.customer_no))
    .collect();
    let products: HashMap<Uuid, ProductRow> = banyan_store::book::all_products(c)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    rows.iter()
        .map(|r| {
            let p = products.get(&r.product_id).ok_or_else(|| {
                AppError::internal(format!("wealth sale {}: product gone", r.sale_id))
            })?;
            Ok(ReportLine {
                customer_id: r.customer_id,
                customer_no: customers.get(&r.customer_id).cloned().ok_or_else(|| {
                    AppError::internal(format!("wealth sale {}: customer gone", r.sale_id))
                })?,
                product: p.code.clone(),
                product_names: p.names.0.clone(),
                suitability: view(&names, r)?,
            })
        })
        .collect()
}

/// The most sales one exported file holds; a longer period is refused, asking for a shorter one.
pub const EXPORT_MAX: u64 = 20_000;

/// Every sale of the period in the reader's scope, oldest first, for a file (`wealth.report`; at most
/// [`EXPORT_MAX`], else `409 export_too_large` with the count).
pub async fn export(
    app: &App,
    actor: &Actor,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<(Date, Date, Vec<ReportLine>)> {
    let grant = actor.require(Permission::WealthReport)?;
    let (from, to) = period(app, from, to)?;
    let (from_us, to_us) = app.day_bounds(from, to)?;
    let c = &app.db.conn;
    let scope = grant.scope();
    let mut rows = Vec::new();
    loop {
        let offset = rows.len() as u64;
        let (page, total) = store::in_period(c, &scope, from_us, to_us, offset, 1_000).await?;
        if total > EXPORT_MAX {
            return Err(AppError::conflict(
                "export_too_large",
                "the period holds more sales than one file does: ask for a shorter one",
                json!({"count": total, "max": EXPORT_MAX}),
            ));
        }
        let done = page.len() < 1_000;
        rows.extend(page);
        if done {
            break;
        }
    }
    Ok((from, to, lines(app, c, &rows).await?))
}

/// The suitability report (`wealth.report`, the scope; a period of at most a year).
pub async fn report(app: &App, actor: &Actor, q: ReportQuery) -> Result<SuitabilityReport> {
    let grant = actor.require(Permission::WealthReport)?;
    let (from, to) = period(app, q.from, q.to)?;
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::field("per_page", "range", "from 1 to 200"));
    }
    let page = q.page.unwrap_or(0).min(10_000);
    let (from_us, to_us) = app.day_bounds(from, to)?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let c = app.db.reader();
    let scope = grant.scope();
    let (rows, total) =
        store::in_period(c, &scope, from_us, to_us, page * per_page, per_page).await?;
    let sales = lines(app, c, &rows).await?;
    let mut counts = Vec::new();
    for (rule, step, n) in store::counts(c, &scope, from_us, to_us).await? {
        counts.push(SuitabilityCount {
            refused_rule: rule
                .as_deref()
                .map(|r| {
                    SuitabilityRule::parse(r).ok_or_else(|| {
                        AppError::internal(format!("wealth_sales.refused_rule {r} unknown"))
                    })
                })
                .transpose()?,
            step: step
                .as_deref()
                .map(|s| {
                    SaleStep::parse(s)
                        .ok_or_else(|| AppError::internal(format!("wealth_sales.step {s} unknown")))
                })
                .transpose()?,
            count: u64::try_from(n).unwrap_or(0),
        });
    }
    Ok(SuitabilityReport {
        from,
        to,
        counts,
        total,
        page,
        per_page,
        sales,
    })
}
