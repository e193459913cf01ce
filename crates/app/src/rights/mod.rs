//! A person's rights over their data (PIPL Art. 44-47), as requests the bank tracks to an answer within
//! [`DUE_WORKING_DAYS`] working days of the branch's calendar: a copy of everything Banyan holds on them
//! (readable in their language and machine-readable, produced by someone allowed to reveal, audited), a
//! correction (answered once the corrected record has passed the normal four-eyes review), a withdrawal of
//! consent (every channel refused at once, so every sender stops), and a deletion (carried out by
//! [`erase`]: erased at once, or restricted while the law obliges the bank to keep records, then erased).
//! Front-office staff register; a second person answers or refuses, never the one who registered.

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::view::CustomerSummary;
use banyan_domain::access::Permission;
use banyan_domain::customer::Channel;
use banyan_domain::rights::{DUE_WORKING_DAYS, RightChannel, RightKind, RightStatus, RightStep};
use banyan_store::customers::{self as cstore, CustomerRow};
use banyan_store::rights::{self as store, RightRow};
use banyan_store::{DatabaseTransaction, now_us};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

mod copy;
pub mod erase;
pub mod holds;
pub use copy::{RightsCopy, copy};
pub use erase::erase;

/// A request as registered.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RightInput {
    pub customer_id: Uuid,
    pub kind: RightKind,
    pub channel: RightChannel,
    /// The day the bank received it (`YYYY-MM-DD`, today when omitted; never in the future).
    pub received_on: Option<String>,
    /// What the person asks, in their words (1-2000 characters).
    pub detail: String,
}

/// Why a request cannot be answered yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Blocker {
    /// An access request is answered with the copy: produce it first.
    CopyNeeded,
    /// The record has not been corrected since the request, or the correction still waits for review.
    CorrectionUnverified,
    /// A deletion is carried out with its own action (erased, or restricted while the law keeps records).
    ErasureNeeded,
}

/// A request as the API and the workbench show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RightView {
    pub id: Uuid,
    pub request_no: String,
    pub customer: CustomerSummary,
    pub kind: RightKind,
    pub status: RightStatus,
    pub channel: RightChannel,
    pub received_on: String,
    pub due_on: String,
    /// Open past its due day.
    pub overdue: bool,
    pub detail: String,
    pub registered_by: Uuid,
    pub registered_at: String,
    pub copy_at: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<String>,
    pub outcome: Option<String>,
    /// Why it cannot be answered yet (none: it can).
    pub blocker: Option<Blocker>,
    /// A deletion carried out: erased, or restricted and why.
    pub erasure: Option<ErasureView>,
    pub version: i32,
}

/// What a deletion did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureView {
    pub state: banyan_domain::rights::ErasureState,
    /// What obliges the bank to keep the records (restricted only).
    pub kept_for: Vec<banyan_domain::rights::Obligation>,
    /// The first day the records may go, when known.
    pub erase_after: Option<String>,
    pub erased_at: Option<String>,
    /// Records erased (the person and any merged into them); none while restricted.
    pub records: Option<u64>,
}

/// A page of requests with the size of the whole list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RightPage {
    pub items: Vec<RightView>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// An answer or a refusal: the version read and what the person is told.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RightDecision {
    pub version: i32,
    pub note: Option<String>,
}

/// Largest page.
pub const MAX_PAGE: u64 = 200;

fn due_on(app: &App, branch: &str, received: jiff::civil::Date) -> Result<jiff::civil::Date> {
    let name = &app.policy().feedback.calendar;
    let cal = app.calendars.for_branch_or(branch, name).ok_or_else(|| {
        AppError::internal(format!("the working-day calendar `{name}` is not loaded"))
    })?;
    cal.add_working_days(received, DUE_WORKING_DAYS)
        .or_else(|| cal.lenient().add_working_days(received, DUE_WORKING_DAYS))
        .ok_or_else(|| AppError::internal("a request's due day is out of range"))
}

fn received(app: &App, v: Option<&str>) -> Result<jiff::civil::Date> {
    let today = app.today();
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(today);
    };
    let d: jiff::civil::Date = v
        .parse()
        .map_err(|_| AppError::field("received_on", "date", "must be a date (YYYY-MM-DD)"))?;
    if d > today {
        return Err(AppError::field(
            "received_on",
            "future",
            "cannot be after today",
        ));
    }
    Ok(d)
}

/// Registers a request received from a customer in the actor's scope.
pub async fn register(app: &App, actor: &Actor, input: RightInput) -> Result<RightView> {
    let grant = actor.require(Permission::RightsRegister)?;
    let detail = input.detail.trim();
    if detail.is_empty() || detail.chars().count() > 2000 {
        return Err(AppError::field(
            "detail",
            "length",
            "must be 1 to 2000 characters",
        ));
    }
    let on = received(app, input.received_on.as_deref())?;
    let tx = app.db.begin_write().await?;
    // A restricted person keeps their rights (a copy of what is stored, a correction): only a merged or
    // erased record refuses.
    let customer =
        crate::scope::field_in_scope_as(&*tx, &grant, input.customer_id, "customer_id", true)
            .await?;
    let due = due_on(app, &customer.branch_code, on)?;
    let year = on.year();
    let seq = banyan_store::misc::next_counters(&*tx, &[(format!("rights_no:{year}"), 1)])
        .await?
        .first()
        .map(|(_, v)| *v)
        .ok_or_else(|| AppError::internal("no request number"))?;
    let row = RightRow {
        id: Uuid::now_v7(),
        request_no: format!("RR{year}{seq:06}"),
        customer_id: customer.id.uuid(),
        kind: input.kind,
        status: RightStatus::Open,
        channel: input.channel,
        received_on: on.to_string(),
        due_on: due.to_string(),
        detail: detail.to_owned(),
        registered_by: actor.id.uuid(),
        registered_at_us: now_us(),
        copy_at_us: None,
        decided_by: None,
        decided_at_us: None,
        outcome: None,
        version: 1,
    };
    store::insert(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![entry(
            "rights.register",
            &row,
            json!({"kind": row.kind, "due_on": row.due_on}),
        )],
    )
    .await?;
    let view = view_of(app, &*tx, row, customer).await?;
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

fn entry(action: &'static str, r: &RightRow, detail: Value) -> Entry {
    Entry {
        action,
        entity: "rights_request",
        entity_id: Some(r.id.to_string()),
        customer_id: Some(r.customer_id),
        detail,
    }
}

/// Whether the record of an open correction request was edited since the request (read only for those).
async fn corrected<C: banyan_store::ConnectionTrait>(c: &C, r: &RightRow) -> Result<bool> {
    if r.kind != RightKind::Correction || r.status != RightStatus::Open {
        return Ok(false);
    }
    Ok(store::edited_since(c, r.customer_id, r.registered_at_us).await?)
}

/// Why a request cannot be answered yet, if it cannot.
fn blocker_of(r: &RightRow, customer: &CustomerRow, edited: bool) -> Option<Blocker> {
    match (r.status, r.kind) {
        (RightStatus::Open, RightKind::Access) if r.copy_at_us.is_none() => {
            Some(Blocker::CopyNeeded)
        }
        // Corrected: someone edited the record after the request and it stands verified (a change of identity
        // facts sent it back to review, so a verified record has passed the checker again).
        (RightStatus::Open, RightKind::Correction)
            if !edited || customer.status != banyan_domain::customer::CustomerStatus::Verified =>
        {
            Some(Blocker::CorrectionUnverified)
        }
        (RightStatus::Open, RightKind::Deletion) => Some(Blocker::ErasureNeeded),
        _ => None,
    }
}

async fn view_of<C: banyan_store::ConnectionTrait>(
    app: &App,
    c: &C,
    r: RightRow,
    customer: CustomerRow,
) -> Result<RightView> {
    let blocker = blocker_of(&r, &customer, corrected(c, &r).await?);
    let erasure = match r.kind {
        RightKind::Deletion => banyan_store::rights::erase::find(c, r.customer_id)
            .await?
            .filter(|e| e.request_id == r.id)
            .map(|e| ErasureView {
                state: e.state,
                kept_for: e.kept_for,
                erase_after: e.erase_after,
                erased_at: e.erased_at_us.map(crate::fmt_us),
                records: e.counts.get("customers").copied(),
            }),
        _ => None,
    };
    let summary = crate::customers::summary_of(app, c, customer).await?;
    Ok(RightView {
        overdue: r.status == RightStatus::Open && r.due_on < app.today().to_string(),
        id: r.id,
        request_no: r.request_no,
        customer: summary,
        kind: r.kind,
        status: r.status,
        channel: r.channel,
        received_on: r.received_on,
        due_on: r.due_on,
        detail: r.detail,
        registered_by: r.registered_by,
        registered_at: crate::fmt_us(r.registered_at_us),
        copy_at: r.copy_at_us.map(crate::fmt_us),
        decided_by: r.decided_by,
        decided_at: r.decided_at_us.map(crate::fmt_us),
        outcome: r.outcome,
        blocker,
        erasure,
        version: r.version,
    })
}

/// A request whose customer is in the actor's scope (else not found), with its customer.
async fn in_scope<C: banyan_store::ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: Uuid,
) -> Result<(RightRow, CustomerRow)> {
    let r = store::find(c, id).await?.ok_or(AppError::NotFound)?;
    let customer = crate::scope::load_in_scope(c, grant, r.customer_id).await?;
    Ok((r, customer))
}

/// One request.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<RightView> {
    let grant = actor.require(Permission::CustomerRead)?;
    let (r, customer) = in_scope(&app.db.conn, &grant, id).await?;
    view_of(app, &app.db.conn, r, customer).await
}

/// The requests of customers in the actor's scope, the nearest deadline first.
pub async fn list(
    app: &App,
    actor: &Actor,
    status: Option<RightStatus>,
    customer: Option<Uuid>,
    offset: u64,
    limit: u64,
) -> Result<RightPage> {
    let grant = actor.require(Permission::CustomerRead)?;
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::field(
            "limit",
            "range",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    let c = &app.db.conn;
    let scope = grant.scope();
    let rows = store::list(c, &scope, status, customer, offset, limit).await?;
    let total = store::count(c, &scope, status, customer).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.customer_id).collect();
    let customers: std::collections::HashMap<Uuid, CustomerRow> = cstore::rows_by_ids(c, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id.uuid(), r))
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let customer = customers.get(&r.customer_id).cloned().ok_or_else(|| {
            AppError::internal(format!("request {} names a missing customer", r.request_no))
        })?;
        items.push(view_of(app, c, r, customer).await?);
    }
    Ok(RightPage {
        items,
        total,
        offset,
        limit,
    })
}

/// Reads a request for a decision: in scope, open, at the version read.
async fn for_decision(
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    id: Uuid,
    version: i32,
    step: RightStep,
) -> Result<(RightRow, CustomerRow, RightStatus)> {
    let (r, customer) = in_scope(tx, grant, id).await?;
    if r.version != version {
        return Err(AppError::conflict(
            "version_conflict",
            "the request changed since it was read; read it again",
            json!({"current_version": r.version}),
        ));
    }
    let next = r.status.apply(step).ok_or_else(|| {
        AppError::conflict(
            "rights_state",
            format!("the request is {}", r.status.as_str()),
            json!({"rights_status": r.status}),
        )
    })?;
    Ok((r, customer, next))
}

fn note_of(d: &RightDecision, required: bool) -> Result<Option<String>> {
    match d.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 2000 => Err(AppError::field(
            "note",
            "length",
            "must be at most 2000 characters",
        )),
        Some(n) => Ok(Some(n.to_owned())),
        None if required => Err(AppError::field(
            "note",
            "required",
            "say what the person is told",
        )),
        None => Ok(None),
    }
}

async fn save(tx: &DatabaseTransaction, mut r: RightRow) -> Result<RightRow> {
    let expected = r.version;
    r.version += 1;
    if !store::update(tx, &r, expected).await? {
        return Err(AppError::conflict(
            "version_conflict",
            "the request changed since it was read; read it again",
            json!({}),
        ));
    }
    Ok(r)
}

fn four_eyes(actor: &Actor, r: &RightRow) -> Result<()> {
    if r.registered_by == actor.id.uuid() {
        return Err(AppError::forbidden(
            "rights_four_eyes",
            "whoever registered a request cannot answer or refuse it",
        ));
    }
    Ok(())
}

/// Answers a request (a checker who did not register it): the copy produced, the correction verified.
/// A withdrawal is answered by [`withdraw`], at once; a deletion by [`erase`].
pub async fn complete(app: &App, actor: &Actor, id: Uuid, d: RightDecision) -> Result<RightView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = note_of(&d, false)?;
    let tx = app.db.begin_write().await?;
    let (r, customer, next) = for_decision(&tx, &grant, id, d.version, RightStep::Complete).await?;
    four_eyes(actor, &r)?;
    if r.kind == RightKind::Withdrawal {
        return Err(AppError::conflict(
            "rights_withdraw",
            "a withdrawal is carried out with its own action",
            json!({}),
        ));
    }
    if let Some(b) = blocker_of(&r, &customer, corrected(&*tx, &r).await?) {
        return Err(AppError::conflict(
            "rights_blocked",
            "the request cannot be answered yet",
            json!({"blocker": b}),
        ));
    }
    answer(
        app,
        tx,
        &grant,
        (r, customer),
        next,
        note,
        Said("rights.complete", None),
    )
    .await
}

/// What the request's audit record says: the action and its detail (the request's kind when `None`).
pub(super) struct Said(&'static str, Option<Value>);

/// Writes the answer or refusal of a request by the actor, audits it and answers with the request as now
/// (`customer` as it stands after whatever the answer did to it), committing the write.
async fn answer(
    app: &App,
    tx: banyan_store::WriteTx,
    grant: &Granted<'_>,
    (mut r, customer): (RightRow, CustomerRow),
    next: RightStatus,
    note: Option<String>,
    Said(action, detail): Said,
) -> Result<RightView> {
    let actor = grant.actor();
    r.status = next;
    r.decided_by = Some(actor.id.uuid());
    r.decided_at_us = Some(now_us());
    r.outcome = note;
    let r = save(&tx, r).await?;
    let detail = detail.unwrap_or_else(|| json!({"kind": r.kind}));
    audit::record(app, &*tx, grant, vec![entry(action, &r, detail)]).await?;
    let view = view_of(app, &*tx, r, customer).await?;
    crate::idempotency::commit(tx, actor, 200, &view).await?;
    Ok(view)
}

/// Refuses a request with the reason the person is told (a checker who did not register it).
pub async fn refuse(app: &App, actor: &Actor, id: Uuid, d: RightDecision) -> Result<RightView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = note_of(&d, true)?;
    let tx = app.db.begin_write().await?;
    let (r, customer, next) = for_decision(&tx, &grant, id, d.version, RightStep::Refuse).await?;
    four_eyes(actor, &r)?;
    answer(
        app,
        tx,
        &grant,
        (r, customer),
        next,
        note,
        Said("rights.refuse", None),
    )
    .await
}

/// Refuses a step on a request of another kind (`rights_kind`, with what the step answers).
pub(crate) fn of_kind(r: &RightRow, kind: RightKind, says: &'static str) -> Result<()> {
    if r.kind == kind {
        return Ok(());
    }
    Err(AppError::conflict("rights_kind", says, json!({})))
}

/// Carries out a withdrawal of consent at once (no second person: withdrawing must be as easy as giving):
/// every marketing channel is refused, recorded as the customer's word through this request, and every
/// sender checks consent when it sends, so campaigns and greetings stop.
pub async fn withdraw(app: &App, actor: &Actor, id: Uuid, d: RightDecision) -> Result<RightView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let (r, _, next) = for_decision(&tx, &grant, id, d.version, RightStep::Complete).await?;
    of_kind(
        &r,
        RightKind::Withdrawal,
        "only a withdrawal of consent is carried out so",
    )?;
    let customer = crate::scope::lock_in_scope(&*tx, &grant, r.customer_id).await?;
    let now = now_us();
    let changes = erase::withdraw_consents(&*tx, r.customer_id, actor.id.uuid(), now).await?;
    let version = customer.version;
    let saved =
        crate::customers::commit_consent_withdrawal(app, &tx, &grant, customer, version, changes)
            .await?;
    let note = note_of(&d, false)?;
    let said = Said(
        "rights.withdraw",
        Some(json!({"channels": Channel::ALL.len()})),
    );
    answer(app, tx, &grant, (r, saved), next, note, said).await
}
