//! Care for customers in critical illness or hardship (seed 003): a lead reported by any staff member
//! (`identify`), verified by a supervisor and registered; a named team with its tasks (`team`); the
//! measures taken (`measures`); the compartment that keeps the condition to those who need to know it
//! (`compartment`); and what everyone else sees — the adjustments, never the reason (`adjustments_of`).
//!
//! Who may see a record at all: its team, the staff member who reported it, and supervisors (`care.manage`)
//! of the customer's scope; to anyone else it does not exist (404). Who may read its compartment is a
//! narrower question, decided by `banyan_domain::care::compartment::access`, and every read is audited.

pub mod compartment;
pub mod documents;
pub mod hospitals;
pub mod identify;
pub mod measures;
pub mod purge;
pub mod report;
pub mod survey;
pub mod team;
pub mod watch;

use crate::App;
use crate::actor::{Actor, Granted};
use crate::crypto::RecordKey;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::compartment::{AccessBasis, Grant, Holder};
use banyan_domain::care::measures::{MeasureKind, MeasureState};
use banyan_domain::care::team::{CareRole, CareTaskKind};
use banyan_domain::care::{
    Adjustment, CareSource, CareStatus, ConsentScope, FinancialImpact, IdentityCheck, Situation,
};
use banyan_domain::ids::{CareId, CareMeasureId, CareTaskId, CustomerId, StaffId};
use banyan_store::care::compartment as cstore;
use banyan_store::care::{self as store, CareFilter, CareRow, CareTeamRow};
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

pub use compartment::{AccessReview, CompartmentView, GlassInput, GrantInput, ReviewInput};
pub use identify::{CareList, CareQuery, DecisionInput, EndInput, RegistrationInput, ReportInput};
pub use measures::{MeasureAction, MeasureInput};
pub use team::{CareTeamInput, MyCareTask};

/// A member of the care team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub role: CareRole,
    pub staff_id: StaffId,
    pub name: String,
    pub assigned_at: String,
    /// When they confirmed the confidentiality terms (until then the compartment stays shut to them).
    pub confirmed_at: Option<String>,
}

/// A duty of the team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareTaskView {
    pub id: CareTaskId,
    pub kind: CareTaskKind,
    pub role: CareRole,
    pub staff: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub due_on: jiff::civil::Date,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub overdue: bool,
}

/// A measure for the customer: what, whose, where it stands, its dates and outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureView {
    pub id: CareMeasureId,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub owner: String,
    pub owner_id: StaffId,
    pub second_staff: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
    /// The approver's deadline (the emergency loan's fast track, in working hours).
    pub due_at: Option<String>,
    pub overdue: bool,
    pub account_no: Option<String>,
    /// Minor units of CNY.
    pub amount: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<jiff::civil::Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<jiff::civil::Date>,
    pub scheduled_at: Option<String>,
    /// A green-channel referral's partner hospital.
    pub hospital: Option<String>,
    pub what: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    pub outcome: Option<String>,
    pub done_at: Option<String>,
    pub version: i32,
}

/// The separate consent (PIPL Art. 29): what it covers, when it was given, when withdrawn.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareConsentView {
    pub scopes: Vec<ConsentScope>,
    #[schema(value_type = Option<String>, format = Date)]
    pub given_on: Option<jiff::civil::Date>,
    pub withdrawn_at: Option<String>,
}

/// A care record as its team and its supervisors see it. The condition itself is not here: it is in the
/// compartment, read on its own and audited.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareView {
    pub id: CareId,
    pub customer_id: CustomerId,
    pub customer_no: String,
    pub customer_name: String,
    pub status: CareStatus,
    pub source: CareSource,
    #[schema(value_type = String, format = Date)]
    pub discovered_on: jiff::civil::Date,
    pub reported_by: String,
    pub reported_at: String,
    pub situation: Option<Situation>,
    pub impact: Option<FinancialImpact>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub registered_by: Option<String>,
    pub registered_at: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_on: Option<jiff::civil::Date>,
    pub review_due: bool,
    pub adjustments: Vec<Adjustment>,
    pub advice_line: Option<String>,
    pub consent: CareConsentView,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub purge_on: Option<jiff::civil::Date>,
    /// The sensitive detail was destroyed at the end of retention.
    pub purged: bool,
    pub team: Vec<MemberView>,
    pub tasks: Vec<CareTaskView>,
    pub measures: Vec<MeasureView>,
    /// Who was given access to the compartment and who broke its glass (for the record's supervisors only;
    /// empty for everyone else).
    pub grants: Vec<compartment::GrantView>,
    /// The reader supervises the record (`care.manage`, the customer in their scope).
    pub supervisor: bool,
    /// What the book tells of the customer's capacity (registered records, for the team and supervisors).
    pub watch: Option<watch::CareWatch>,
    /// The satisfaction survey, once sent (the score; the customer's words are in the compartment).
    pub survey: Option<survey::CareSurveyView>,
    /// The reader's part on the team, if any.
    pub my_role: Option<CareRole>,
    /// On what basis the reader would be let into the compartment now (none: they see the adjustments).
    pub my_access: Option<AccessBasis>,
    pub version: i32,
}

/// What every screen that shows the customer shows: that they need adjustments, and which — never why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Adjustments {
    pub needs_adjustments: bool,
    pub adjustments: Vec<Adjustment>,
    /// Served first at the window and in every queue.
    pub priority: bool,
    /// The dedicated advice line number to give the customer.
    pub advice_line: Option<String>,
    /// Who to ask: the care team's lead contact.
    pub contact: Option<String>,
    /// The open care record, when the reader may see it (its team, its reporter, its supervisors) or may
    /// break its glass; none otherwise.
    pub care_id: Option<CareId>,
    /// The open record's status, when the reader may see the record (a lead being verified shows on the
    /// customer page to those who work it).
    pub record_status: Option<CareStatus>,
    /// The reader may open the record's page.
    pub can_open: bool,
    /// The reader may break the compartment's glass with a reason (`care.report`, a registered record).
    pub can_break_glass: bool,
}

/// Who the reader is to a record.
pub(crate) struct Reader {
    pub(crate) role: Option<CareRole>,
    pub(crate) basis: Option<AccessBasis>,
}

/// Whether the actor may see the record at all: its team, its reporter, a supervisor of the customer's scope,
/// the holder of a live grant (a named supervisor, broken glass) for its period.
async fn visible<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    r: &CareRow,
    cust: &CustomerRow,
    team: &[CareTeamRow],
) -> Result<bool> {
    let on_team = team.iter().any(|m| m.staff_id == actor.id());
    let supervises =
        actor.role().has(Permission::CareManage) && actor.sees(&cust.branch_code, cust.rm_id);
    if on_team || r.reported_by == actor.id() || supervises {
        return Ok(true);
    }
    let now = now_us();
    Ok(cstore::grants_of(c, r.id)
        .await?
        .iter()
        .any(|g| g.staff_id == actor.id() && g.revoked_at_us.is_none() && g.until_us > now))
}

/// The record `id` if the actor may see it at all ([`visible`]), with its customer and team; otherwise not
/// found.
pub(crate) async fn load<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    id: CareId,
) -> Result<(CareRow, CustomerRow, Vec<CareTeamRow>)> {
    let Some(r) = store::find(c, id).await? else {
        return Err(AppError::NotFound);
    };
    let Some(cust) = banyan_store::customers::find_customer(c, r.customer_id).await? else {
        return Err(AppError::internal(format!(
            "care record {id}: customer missing"
        )));
    };
    let team = store::team_of(c, id).await?;
    if visible(c, actor, &r, &cust, &team).await? {
        Ok((r, cust, team))
    } else {
        Err(AppError::NotFound)
    }
}

/// On what basis `actor` may read the record's compartment now.
pub(crate) async fn reader<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    r: &CareRow,
    cust: &CustomerRow,
    team: &[CareTeamRow],
) -> Result<Reader> {
    let grants = cstore::grants_of(c, r.id).await?;
    Ok(reader_with(actor, r, cust, team, &grants))
}

/// [`reader`] over the record's grants already read (a view that lists them reads them once).
pub(crate) fn reader_with(
    actor: &Actor,
    r: &CareRow,
    cust: &CustomerRow,
    team: &[CareTeamRow],
    grants: &[cstore::GrantRow],
) -> Reader {
    let confirmed: Vec<StaffId> = team
        .iter()
        .filter(|m| m.confirmed_at_us.is_some())
        .map(|m| m.staff_id)
        .collect();
    let grants: Vec<Grant> = grants
        .iter()
        .map(|g| Grant {
            staff: g.staff_id,
            basis: g.basis,
            until_us: g.until_us,
            revoked: g.revoked_at_us.is_some(),
        })
        .collect();
    let verifier = actor.role().has(Permission::CareManage)
        && actor.sees(&cust.branch_code, cust.rm_id)
        && r.reported_by != actor.id();
    let basis = banyan_domain::care::compartment::access(
        r.status,
        &Holder {
            staff: actor.id(),
            verifier,
            team: &confirmed,
            grants: &grants,
        },
        now_us(),
    );
    Reader {
        role: team
            .iter()
            .find(|m| m.staff_id == actor.id())
            .map(|m| m.role),
        basis,
    }
}

/// The record's own key (none once destroyed at the end of retention).
pub(crate) fn record_key(app: &App, r: &CareRow) -> Result<Option<RecordKey>> {
    r.key_enc
        .as_deref()
        .map(|w| RecordKey::unwrap(&app.keys(), r.id.uuid(), w))
        .transpose()
}

/// Staff names by id (the names the views show).
pub(crate) async fn names(app: &App) -> Result<HashMap<StaffId, String>> {
    crate::access::names_by_id(app).await
}

fn name_of(names: &HashMap<StaffId, String>, id: StaffId, what: &str) -> Result<String> {
    names
        .get(&id)
        .cloned()
        .ok_or_else(|| AppError::internal(format!("care {what}: staff {id} unknown")))
}

fn opt_name(
    names: &HashMap<StaffId, String>,
    id: Option<StaffId>,
    what: &str,
) -> Result<Option<String>> {
    id.map(|i| name_of(names, i, what)).transpose()
}

fn opt_us(us: Option<i64>) -> Option<String> {
    us.map(crate::fmt_us)
}

/// A team as the pages list it: each member named, in the parts' order.
pub(crate) fn member_views<'a>(
    names: &HashMap<StaffId, String>,
    team: impl Iterator<Item = &'a CareTeamRow>,
) -> Result<Vec<MemberView>> {
    let mut out = team
        .map(|m| {
            Ok(MemberView {
                role: m.role,
                staff_id: m.staff_id,
                name: name_of(names, m.staff_id, "team")?,
                assigned_at: crate::fmt_us(m.assigned_at_us),
                confirmed_at: opt_us(m.confirmed_at_us),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|m| CareRole::ALL.iter().position(|r| *r == m.role));
    Ok(out)
}

/// The record as its page shows it, read in `c`.
pub(crate) async fn view_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    actor: &Actor,
    r: &CareRow,
    cust: &CustomerRow,
    team: &[CareTeamRow],
) -> Result<CareView> {
    let names = names(app).await?;
    let today = app.today();
    let now = now_us();
    let grant_rows = cstore::grants_of(c, r.id).await?;
    let me = reader_with(actor, r, cust, team, &grant_rows);
    let team_views = member_views(&names, team.iter())?;
    let tasks = store::tasks_of(c, r.id)
        .await?
        .into_iter()
        .map(|t| {
            Ok(CareTaskView {
                id: t.id,
                kind: t.kind,
                role: t.role,
                staff: opt_name(&names, t.staff_id, "task")?,
                due_on: t.due_on,
                done_at: opt_us(t.done_at_us),
                done_by: opt_name(&names, t.done_by, "task")?,
                overdue: t.done_at_us.is_none() && t.due_on < today,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let measure_rows = store::measures_of(c, r.id).await?;
    // The partner hospitals are read only for a record that has referred to one.
    let hospitals = if measure_rows.iter().any(|m| m.hospital_id.is_some()) {
        hospitals::names(c).await?
    } else {
        HashMap::new()
    };
    let measures = measure_rows
        .into_iter()
        .map(|m| measures::view(&names, &hospitals, &m, now))
        .collect::<Result<Vec<_>>>()?;
    let supervises =
        actor.role().has(Permission::CareManage) && actor.sees(&cust.branch_code, cust.rm_id);
    let watch = if supervises || me.role.is_some() {
        let named = team
            .iter()
            .find(|m| m.role == app.policy().care.watch.collection_part)
            .map(|m| name_of(&names, m.staff_id, "team"))
            .transpose()?;
        watch::watch_of(app, c, r, named).await?
    } else {
        None
    };
    let survey = survey::view_of(c, r.id).await?;
    let grants = if supervises {
        grant_rows
            .iter()
            .map(|g| compartment::grant_view(&names, g, now))
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(CareView {
        grants,
        supervisor: supervises,
        id: r.id,
        customer_id: r.customer_id,
        customer_no: cust.customer_no.clone(),
        customer_name: cust.display_name.clone(),
        status: r.status,
        source: r.source,
        discovered_on: r.discovered_on,
        reported_by: name_of(&names, r.reported_by, "reporter")?,
        reported_at: crate::fmt_us(r.reported_at_us),
        situation: r.situation,
        impact: r.impact,
        decided_by: opt_name(&names, r.decided_by, "decision")?,
        decided_at: opt_us(r.decided_at_us),
        decision_note: r.decision_note.clone(),
        registered_by: opt_name(&names, r.registered_by, "registration")?,
        registered_at: opt_us(r.registered_at_us),
        review_on: r.review_on,
        review_due: r.status == CareStatus::Registered && r.review_on.is_some_and(|d| d <= today),
        adjustments: r.adjustments.clone(),
        advice_line: r.advice_line.clone(),
        consent: CareConsentView {
            scopes: r.consent_scopes.clone(),
            given_on: r.consent_on,
            withdrawn_at: opt_us(r.consent_withdrawn_at_us),
        },
        ended_at: opt_us(r.ended_at_us),
        end_reason: r.end_reason.clone(),
        purge_on: r.purge_on,
        purged: r.purged_at_us.is_some(),
        team: team_views,
        tasks,
        measures,
        watch,
        survey,
        my_role: me.role,
        my_access: me.basis,
        version: r.version,
    })
}

/// The record `id` as the actor may see it (`care.report`, `care.work` or `care.manage`; otherwise 404).
pub async fn get(app: &App, actor: &Actor, id: CareId) -> Result<CareView> {
    any_care_permission(actor)?;
    let c = &app.db.conn;
    let (r, cust, team) = load(c, actor, id).await?;
    view_of(app, c, actor, &r, &cust, &team).await
}

/// Fails unless the actor's role takes part in care at all.
pub(crate) fn any_care_permission(actor: &Actor) -> Result<Granted<'_>> {
    actor
        .require(Permission::CareManage)
        .or_else(|_| actor.require(Permission::CareWork))
        .or_else(|_| actor.require(Permission::CareReport))
}

/// What every screen that shows the customer shows (`customer.read`, the customer in scope): whether they
/// need adjustments, which, the advice line and who to ask — from a registered record only, and never its
/// reason.
pub async fn adjustments_of(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Adjustments> {
    let grant = actor.require(Permission::CustomerRead)?;
    let c = &app.db.conn;
    let cust = crate::scope::read_in_scope(c, &grant, who.into()).await?;
    let mut a = Adjustments {
        needs_adjustments: false,
        adjustments: Vec::new(),
        priority: false,
        advice_line: None,
        contact: None,
        care_id: None,
        record_status: None,
        can_open: false,
        can_break_glass: false,
    };
    let Some(r) = store::open_of(c, cust.id).await? else {
        return Ok(a);
    };
    let team = store::team_of(c, r.id).await?;
    a.can_open = visible(c, actor, &r, &cust, &team).await?;
    if a.can_open {
        a.care_id = Some(r.id);
        a.record_status = Some(r.status);
    }
    if r.status != CareStatus::Registered {
        return Ok(a);
    }
    a.can_break_glass = actor.role().has(Permission::CareReport);
    if a.can_break_glass {
        a.care_id = Some(r.id);
    }
    if let Some(m) = team
        .iter()
        .find(|m| m.role == CareRole::RelationshipManager)
    {
        let Some(st) = banyan_store::access::find_staff(c, m.staff_id).await? else {
            return Err(AppError::internal(format!(
                "care {}: lead contact unknown",
                r.id
            )));
        };
        a.contact = Some(if st.display_name.trim().is_empty() {
            st.username
        } else {
            st.display_name
        });
    }
    a.needs_adjustments = true;
    a.priority = r.adjustments.contains(&Adjustment::Priority);
    a.adjustments = r.adjustments;
    a.advice_line = r.advice_line;
    Ok(a)
}

/// Before a change of where the bank reaches a customer (their contacts): a customer registered with stronger
/// authentication (seed 003 §五 加强身份验证) must have been confirmed with a second factor, and how is
/// recorded in the audit; without it the change is refused on `identity_check`. Other customers need nothing
/// (a check given anyway is recorded too).
pub(crate) async fn identity_confirmed<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    customer: CustomerId,
    check: Option<IdentityCheck>,
) -> Result<()> {
    let Some(check) = check else {
        if store::registered_with(c, &[customer], Adjustment::StrongAuthentication)
            .await?
            .is_empty()
        {
            return Ok(());
        }
        return Err(AppError::field(
            "identity_check",
            "strong_authentication",
            "this customer's contacts change only after their identity is confirmed with a second factor: in person, by video call or by calling back the number on file",
        ));
    };
    crate::audit::record(
        app,
        c,
        grant,
        vec![crate::audit::Entry::customer(
            "customer.identity_check",
            customer.uuid(),
            serde_json::json!({"method": check.as_str()}),
        )],
    )
    .await
}

/// Of `customers`, those registered with the priority flag (the queues show it).
pub async fn priority_among<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
) -> Result<std::collections::HashSet<CustomerId>> {
    Ok(store::registered_with(c, customers, Adjustment::Priority).await?)
}

/// The care team of each registered customer among `customers`: the book's monitoring reads them against
/// lower thresholds and tells their team (seed 003 §五: 降低大额异常交易的监测阈值).
pub async fn teams_of_registered<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
) -> Result<HashMap<CustomerId, Vec<StaffId>>> {
    let records = store::registered_of(c, customers).await?;
    let ids: Vec<CareId> = records.iter().map(|r| r.id).collect();
    let members = store::team_of_many(c, &ids).await?;
    Ok(records
        .iter()
        .map(|r| {
            let team = members
                .iter()
                .filter(|m| m.record_id == r.id)
                .map(|m| m.staff_id)
                .collect();
            (r.customer_id, team)
        })
        .collect())
}

/// Writes the record at its next version with its audit entry; a stale write is a version conflict.
pub(crate) async fn save<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    old: &CareRow,
    mut new: CareRow,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<CareRow> {
    new.version = old.version + 1;
    if !store::update(c, &new, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: serde_json::json!([]),
        });
    }
    audit(app, c, grant, &new, action, detail).await?;
    Ok(new)
}

/// One audit record about a care record: its customer, the action and non-personal detail.
pub(crate) async fn audit<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    r: &CareRow,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<()> {
    crate::audit::record(
        app,
        c,
        grant,
        vec![crate::audit::Entry {
            action,
            entity: "care",
            entity_id: Some(r.id.to_string()),
            customer_id: Some(r.customer_id.uuid()),
            detail,
        }],
    )
    .await
}

/// The refusal for a reader without a need to know (they may see the record, not its compartment).
pub(crate) fn shut() -> AppError {
    AppError::forbidden(
        "need_to_know",
        "the compartment is open to the care team and named supervisors only",
    )
}

/// Checks the version the client read, when it sent one.
pub(crate) fn check_version(r: &CareRow, version: Option<i32>) -> Result<()> {
    match version {
        Some(v) if v != r.version => Err(AppError::VersionConflict {
            current_version: i64::from(r.version),
            since: serde_json::json!([]),
        }),
        _ => Ok(()),
    }
}

/// A notice to a staff member about a care record: its customer's number only (no condition, no name).
pub(crate) fn notice(
    staff: StaffId,
    kind: &str,
    cust: &CustomerRow,
    at: i64,
) -> banyan_store::cases::NoticeRow {
    banyan_store::cases::NoticeRow::about_customer(
        staff.uuid(),
        kind,
        cust.id.uuid(),
        cust.customer_no.clone(),
        at,
    )
}

pub(crate) use crate::text::{optional_text, required_text};

/// The period of an access review.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// First day (30 days ago when absent).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// Last day (today when absent).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
}

/// Every record the actor supervises (`care.manage`, customers in scope), page by page.
pub(crate) async fn records_in_scope<C: sea_orm::ConnectionTrait>(
    c: &C,
    f: &CareFilter,
) -> Result<Vec<CareRow>> {
    let mut rows = Vec::new();
    loop {
        let (page, total) = store::list(c, f, rows.len() as u64, 500).await?;
        let got = page.len();
        rows.extend(page);
        if got == 0 || rows.len() as u64 >= total {
            return Ok(rows);
        }
    }
}

/// The period of a review or report: `from`–`to` (30 days to today unless chosen), at most a year, within the
/// years the bank's clock can name.
pub(crate) fn period(app: &App, q: &ReviewQuery) -> Result<(Date, Date)> {
    let today = app.today();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub(jiff::Span::new().days(30)).unwrap_or(to));
    if from > to {
        return Err(AppError::field(
            "to",
            "after_from",
            "must not be before `from`",
        ));
    }
    // A review covers at most a year, within the years the bank's clock can name.
    let floor = jiff::civil::date(2000, 1, 1);
    let ceiling = banyan_domain::care::team::add_days(today, 366);
    if from < floor || to > ceiling {
        return Err(AppError::field(
            if from < floor { "from" } else { "to" },
            "range",
            format!("from {floor} to {ceiling}"),
        ));
    }
    if to.since(from).map_or(true, |s| s.get_days() > 366) {
        return Err(AppError::field(
            "from",
            "range",
            "a review covers at most a year",
        ));
    }
    Ok((from, to))
}
