//! Finding and registering care customers (seed 003 §二 识别与登记): any staff member reports a lead; a
//! supervisor of the customer's scope — not the one who reported it — verifies it against the definition or
//! rejects it; a verified lead is registered with its category, financial impact, review date, the
//! adjustments the customer needs and, only with the customer's separate consent, the diagnosis; the record
//! ends when the situation ends, and its sensitive detail is destroyed after the policy's retention.

use super::{
    CareView, audit, check_version, load, optional_text, record_key, required_text, save, view_of,
};
use crate::App;
use crate::actor::Actor;
use crate::crypto::RecordKey;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::team::add_days;
use banyan_domain::care::{
    Adjustment, CareMove, CareSource, CareStatus, ConsentScope, FinancialImpact, Situation,
};
use banyan_domain::ids::{CareId, CareTaskId, CustomerId};
use banyan_store::care::{self as store, CareFilter, CareRow, CareTaskRow};
use banyan_store::customers::ScopeFilter;
use banyan_store::now_us;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A care lead: who, where it came from, when it was found, and what was seen (kept in the compartment).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub customer_id: CustomerId,
    pub source: CareSource,
    /// The day the situation came to the bank's notice (today when absent; not in the future).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub discovered_on: Option<Date>,
    /// What was seen or heard, in the reporter's words (encrypted under the record's own key).
    pub observation: String,
    /// A partner hospital's report: the day the customer consented to the hospital telling the bank
    /// (required with that source, refused with the others; not in the future).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub hospital_consent_on: Option<Date>,
}

/// What a report did: a new lead, or the observation added to the customer's open record (whose team reads
/// it; the reporter learns only that it reached them).
#[derive(Debug, Clone)]
pub enum Reported {
    New(Box<CareView>),
    Added,
}

/// The answer to a report added to an open record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportAdded {
    /// Always true: the observation reached the team of the record already open for the customer.
    pub added_to_open_record: bool,
}

/// A supervisor's verification of a lead.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `verify` (the lead meets the definition) or `reject`.
    #[schema(example = "verify")]
    pub decision: String,
    /// Why (required to reject).
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// The registration form.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {
    pub situation: Situation,
    pub impact: FinancialImpact,
    /// The condition in plain words, without a diagnosis (encrypted under the record's own key).
    pub detail: String,
    /// The diagnosis: only with the customer's separate consent covering `diagnosis`.
    #[serde(default)]
    pub diagnosis: Option<String>,
    /// What the customer separately consented to, and when.
    #[serde(default)]
    pub consent_scopes: Vec<ConsentScope>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub consent_on: Option<Date>,
    /// The adjustments the customer needs (the shipped defaults when absent).
    #[serde(default)]
    pub adjustments: Option<Vec<Adjustment>>,
    /// The dedicated advice line number given to the customer.
    #[serde(default)]
    pub advice_line: Option<String>,
    /// The review date (the policy's months after today when absent).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub review_on: Option<Date>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// The end of a record: the situation ended.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    pub reason: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// Which records a list shows.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CareQuery {
    /// One status (`reported`, `verified`, `registered`, `ended`, `rejected`); open records when absent.
    #[serde(default)]
    pub status: Option<String>,
    /// Only this customer's records.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Page number from 0.
    #[serde(default)]
    pub page: Option<u64>,
    /// Rows per page (1–100, default 20).
    #[serde(default)]
    pub per_page: Option<u64>,
}

/// A line of the care list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareLine {
    pub id: CareId,
    pub customer_id: CustomerId,
    pub customer_no: String,
    pub customer_name: String,
    pub status: CareStatus,
    pub source: CareSource,
    pub situation: Option<Situation>,
    pub reported_at: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_on: Option<Date>,
    pub priority: bool,
}

/// A page of care records and how many the filters hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareList {
    pub items: Vec<CareLine>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Reports a care lead about a customer in scope (`care.report`); the observation goes into the record's
/// compartment. A partner hospital's report carries the day the customer consented to the hospital telling the
/// bank (the separate consent's hospital scope from that day). A customer has at most one open record: a second
/// report adds its observation to the open one as a sealed note its team reads ([`Reported::Added`]), so
/// nothing is lost and the reporter learns nothing of the record.
pub async fn report(app: &App, actor: &Actor, i: ReportInput) -> Result<Reported> {
    let grant = actor.require(Permission::CareReport)?;
    let observation = required_text("observation", &i.observation, 2000)?;
    let today = app.today();
    let discovered_on = i.discovered_on.unwrap_or(today);
    if discovered_on > today {
        return Err(AppError::field(
            "discovered_on",
            "not_future",
            "must not be after today",
        ));
    }
    match (i.source, i.hospital_consent_on) {
        (CareSource::PartnerHospital, None) => {
            return Err(AppError::field(
                "hospital_consent_on",
                "required",
                "a partner hospital tells the bank only with the customer's consent: the day they gave it",
            ));
        }
        (CareSource::PartnerHospital, Some(d)) if d > today => {
            return Err(AppError::field(
                "hospital_consent_on",
                "not_future",
                "must not be after today",
            ));
        }
        (CareSource::PartnerHospital, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            return Err(AppError::field(
                "hospital_consent_on",
                "not_allowed",
                "only a partner hospital's report carries the hospital consent",
            ));
        }
    }
    let tx = app.db.begin_write().await?;
    let cust =
        crate::scope::field_in_scope(&*tx, &grant, i.customer_id.uuid(), "customer_id").await?;
    // Two reports of one customer at once queue here, so the second sees the first's open record.
    banyan_store::customers::lock_customer(&*tx, cust.id).await?;
    if let Some(open) = store::open_of(&*tx, cust.id).await? {
        add_to_open(app, &tx, &grant, &open, &cust, &observation, i.source).await?;
        crate::idempotency::commit(
            tx,
            actor,
            202,
            &ReportAdded {
                added_to_open_record: true,
            },
        )
        .await?;
        return Ok(Reported::Added);
    }
    let id = CareId::new();
    let (key, wrapped) = RecordKey::generate(&app.keys(), id.uuid())?;
    let r = CareRow {
        id,
        customer_id: cust.id,
        status: CareStatus::Reported,
        source: i.source,
        discovered_on,
        reported_by: actor.id(),
        reported_at_us: now_us(),
        situation: None,
        impact: None,
        decided_by: None,
        decided_at_us: None,
        decision_note: None,
        registered_by: None,
        registered_at_us: None,
        review_on: None,
        adjustments: Vec::new(),
        advice_line: None,
        consent_scopes: i
            .hospital_consent_on
            .map(|_| vec![ConsentScope::HospitalSharing])
            .unwrap_or_default(),
        consent_on: i.hospital_consent_on,
        consent_withdrawn_at_us: None,
        ended_at_us: None,
        end_reason: None,
        purge_on: None,
        purged_at_us: None,
        lead_enc: Some(key.seal("lead", &observation)?),
        key_enc: Some(wrapped),
        detail_enc: None,
        diagnosis_enc: None,
        version: 1,
    };
    store::insert(&*tx, &r).await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.report",
        json!({"source": i.source.as_str()}),
    )
    .await?;
    // The supervisors of the customer's branch are told a lead waits for them (its number only).
    let supervisors: Vec<_> = banyan_store::access::list_staff(&*tx)
        .await?
        .into_iter()
        .filter(|s| {
            !s.disabled
                && s.id != actor.id()
                && s.role.has(Permission::CareManage)
                && s.branch_code.as_deref() == Some(cust.branch_code.as_str())
        })
        .map(|s| super::notice(s.id, "care.reported", &cust, r.reported_at_us))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &supervisors).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &[]).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(Reported::New(Box::new(v)))
}

/// A second report of a customer with an open record: its observation becomes a sealed note of the record's
/// compartment (by the reporter), audited on the record; the team — or, before there is one, the branch's care
/// supervisors — are told a note was added (the customer's number only).
async fn add_to_open(
    app: &App,
    tx: &sea_orm::DatabaseTransaction,
    grant: &crate::actor::Granted<'_>,
    open: &CareRow,
    cust: &banyan_store::customers::CustomerRow,
    observation: &str,
    source: CareSource,
) -> Result<()> {
    let key = record_key(app, open)?
        .ok_or_else(|| AppError::internal(format!("care record {}: no key", open.id)))?;
    let now = now_us();
    banyan_store::care::compartment::insert_note(
        tx,
        &banyan_store::care::compartment::NoteRow {
            id: banyan_domain::ids::CareNoteId::new(),
            record_id: open.id,
            author_id: grant.actor().id(),
            at_us: now,
            body_enc: key.seal("note", observation)?,
        },
    )
    .await?;
    audit(
        app,
        tx,
        grant,
        open,
        "care.report_again",
        json!({"source": source.as_str()}),
    )
    .await?;
    let team = store::team_of(tx, open.id).await?;
    let told: Vec<_> = if team.is_empty() {
        banyan_store::access::list_staff(tx)
            .await?
            .into_iter()
            .filter(|s| {
                !s.disabled
                    && s.role.has(Permission::CareManage)
                    && s.branch_code.as_deref() == Some(cust.branch_code.as_str())
            })
            .map(|s| s.id)
            .collect()
    } else {
        team.iter().map(|m| m.staff_id).collect()
    };
    let notices: Vec<_> = told
        .into_iter()
        .filter(|s| *s != grant.actor().id())
        .map(|s| super::notice(s, "care.note", cust, now))
        .collect();
    banyan_store::cases::insert_notices(tx, &notices).await?;
    Ok(())
}

/// The records the actor may see (their team's, their reports, and for supervisors those of customers in
/// scope), newest report first, with how many there are.
pub async fn list(app: &App, actor: &Actor, q: CareQuery) -> Result<CareList> {
    let grant = super::any_care_permission(actor)?;
    let statuses = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => vec![CareStatus::parse(s).ok_or_else(|| {
            AppError::field(
                "status",
                "one_of",
                "reported, verified, registered, ended or rejected",
            )
        })?],
        None => CareStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect(),
    };
    let per_page = q.per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(AppError::field("per_page", "range", "from 1 to 100"));
    }
    let page = q.page.unwrap_or(0);
    if page > 10_000 {
        return Err(AppError::field("page", "range", "at most 10000"));
    }
    let scope = if actor.role().has(Permission::CareManage) {
        grant.scope()
    } else {
        ScopeFilter::Nothing
    };
    let f = CareFilter {
        staff: actor.id(),
        scope,
        statuses,
        customer: q.customer_id,
    };
    let c = &app.db.conn;
    let (rows, total) = store::list(c, &f, page * per_page, per_page).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.customer_id.uuid()).collect();
    let customers = banyan_store::customers::rows_by_ids(c, &ids).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let cust = customers
                .iter()
                .find(|c| c.id == r.customer_id)
                .ok_or_else(|| AppError::internal(format!("care {}: customer missing", r.id)))?;
            Ok(CareLine {
                id: r.id,
                customer_id: r.customer_id,
                customer_no: cust.customer_no.clone(),
                customer_name: cust.display_name.clone(),
                status: r.status,
                source: r.source,
                situation: r.situation,
                reported_at: crate::fmt_us(r.reported_at_us),
                review_on: r.review_on,
                priority: r.status == CareStatus::Registered
                    && r.adjustments.contains(&Adjustment::Priority),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CareList {
        items,
        total,
        page,
        per_page,
    })
}

fn moved(r: &CareRow, m: CareMove) -> Result<CareStatus> {
    r.status.apply(m).ok_or_else(|| {
        AppError::conflict(
            "invalid_state",
            "the care record is not at a stage where this can be done",
            json!({"current_status": r.status.as_str()}),
        )
    })
}

/// A supervisor (`care.manage`, the customer in scope) verifies a reported lead or rejects it with a
/// reason; never their own report (four eyes: `403 own_report`). The reporter is told.
pub async fn decide(app: &App, actor: &Actor, id: CareId, i: DecisionInput) -> Result<CareView> {
    let grant = actor.require(Permission::CareManage)?;
    let m = match i.decision.as_str() {
        "verify" => CareMove::Verify,
        "reject" => CareMove::Reject,
        _ => return Err(AppError::field("decision", "one_of", "verify or reject")),
    };
    let note = optional_text("note", i.note.as_deref(), 500)?;
    if m == CareMove::Reject && note.is_none() {
        return Err(AppError::field(
            "note",
            "required",
            "say why the lead is rejected",
        ));
    }
    let tx = app.db.begin_write().await?;
    let (old, cust, team) = load(&*tx, actor, id).await?;
    if !grant.can_see(&cust.branch_code, cust.rm_id) {
        return Err(AppError::NotFound);
    }
    check_version(&old, i.version)?;
    let status = moved(&old, m)?;
    if old.reported_by == actor.id() {
        return Err(AppError::forbidden(
            "own_report",
            "another supervisor verifies a lead you reported",
        ));
    }
    let now = now_us();
    let mut new = CareRow {
        status,
        decided_by: Some(actor.id()),
        decided_at_us: Some(now),
        decision_note: note,
        ..old.clone()
    };
    if status == CareStatus::Rejected {
        // A rejected lead keeps no observation: nothing about the customer's health stays behind.
        new.lead_enc = None;
        new.key_enc = None;
    }
    let r = save(
        app,
        &*tx,
        &grant,
        &old,
        new,
        "care.decide",
        json!({"decision": i.decision}),
    )
    .await?;
    let n = super::notice(
        r.reported_by,
        &format!("care.{}", status.as_str()),
        &cust,
        now,
    );
    banyan_store::cases::insert_notices(&*tx, &[n]).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// Registers a verified record (`care.manage`): the category, the impact, the condition without a
/// diagnosis, the diagnosis only under a separate consent covering it (`422 diagnosis consent_required`),
/// the adjustments, the review date. The team's tasks are set, each to the part's holder (if named yet).
pub async fn register(
    app: &App,
    actor: &Actor,
    id: CareId,
    i: RegistrationInput,
) -> Result<CareView> {
    let grant = actor.require(Permission::CareManage)?;
    let detail = required_text("detail", &i.detail, 4000)?;
    let diagnosis = optional_text("diagnosis", i.diagnosis.as_deref(), 500)?;
    let today = app.today();
    let mut scopes = i.consent_scopes.clone();
    scopes.sort();
    scopes.dedup();
    if !scopes.is_empty() && i.consent_on.is_none() {
        return Err(AppError::field(
            "consent_on",
            "required",
            "the day the customer consented",
        ));
    }
    if i.consent_on.is_some_and(|d| d > today) {
        return Err(AppError::field(
            "consent_on",
            "not_future",
            "must not be after today",
        ));
    }
    if diagnosis.is_some() && !scopes.contains(&ConsentScope::Diagnosis) {
        return Err(AppError::field(
            "diagnosis",
            "consent_required",
            "a diagnosis is recorded only with the customer's separate consent to it",
        ));
    }
    let policy = &app.policy().care;
    let review_on = match i.review_on {
        Some(d) if d <= today => {
            return Err(AppError::field(
                "review_on",
                "future",
                "must be after today",
            ));
        }
        Some(d) => d,
        None => today
            .checked_add(jiff::Span::new().months(i64::from(policy.review_months)))
            .map_err(|e| AppError::internal_from("review date", e))?,
    };
    let mut adjustments = i
        .adjustments
        .unwrap_or_else(|| Adjustment::DEFAULT.to_vec());
    adjustments.sort();
    adjustments.dedup();
    let advice_line = optional_text("advice_line", i.advice_line.as_deref(), 40)?;
    let tx = app.db.begin_write().await?;
    let (old, cust, team) = load(&*tx, actor, id).await?;
    if !grant.can_see(&cust.branch_code, cust.rm_id) {
        return Err(AppError::NotFound);
    }
    check_version(&old, i.version)?;
    let status = moved(&old, CareMove::Register)?;
    let key = record_key(app, &old)?
        .ok_or_else(|| AppError::internal(format!("care record {id} has no key")))?;
    let now = now_us();
    let new = CareRow {
        status,
        situation: Some(i.situation),
        impact: Some(i.impact),
        registered_by: Some(actor.id()),
        registered_at_us: Some(now),
        review_on: Some(review_on),
        adjustments: adjustments.clone(),
        advice_line,
        consent_on: if scopes.is_empty() {
            None
        } else {
            i.consent_on
        },
        consent_scopes: scopes.clone(),
        detail_enc: Some(key.seal("detail", &detail)?),
        diagnosis_enc: diagnosis.map(|d| key.seal("diagnosis", &d)).transpose()?,
        ..old.clone()
    };
    let detail = json!({
        "situation": i.situation.as_str(),
        "impact": i.impact.as_str(),
        "adjustments": adjustments.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "consent": scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    });
    let r = save(app, &*tx, &grant, &old, new, "care.register", detail).await?;
    let tasks: Vec<CareTaskRow> = policy
        .tasks
        .on_registration(today)
        .into_iter()
        .map(|(kind, due_on)| CareTaskRow {
            id: CareTaskId::new(),
            record_id: id,
            kind,
            role: kind.role(),
            staff_id: team
                .iter()
                .find(|m| m.role == kind.role())
                .map(|m| m.staff_id),
            due_on,
            done_at_us: None,
            done_by: None,
        })
        .collect();
    store::insert_tasks(&*tx, &tasks).await?;
    // What the book already tells (holdings above the capacity left, credit in arrears) is a task from today.
    super::watch::sweep(app, &*tx, &[cust.id]).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// Ends a registered record (`care.manage`): the situation ended. Open tasks close, live grants end, and the
/// sensitive detail is due for destruction after the policy's retention days.
pub async fn end(app: &App, actor: &Actor, id: CareId, i: EndInput) -> Result<CareView> {
    let grant = actor.require(Permission::CareManage)?;
    let reason = required_text("reason", &i.reason, 500)?;
    let tx = app.db.begin_write().await?;
    let (old, cust, team) = load(&*tx, actor, id).await?;
    if !grant.can_see(&cust.branch_code, cust.rm_id) {
        return Err(AppError::NotFound);
    }
    check_version(&old, i.version)?;
    let status = moved(&old, CareMove::End)?;
    let now = now_us();
    let purge_on = add_days(app.today(), app.policy().care.retention_days);
    let new = CareRow {
        status,
        ended_at_us: Some(now),
        end_reason: Some(reason),
        purge_on: Some(purge_on),
        ..old.clone()
    };
    let r = save(
        app,
        &*tx,
        &grant,
        &old,
        new,
        "care.end",
        json!({"purge_on": purge_on.to_string()}),
    )
    .await?;
    store::close_tasks(&*tx, id, actor.id(), now).await?;
    for g in banyan_store::care::compartment::grants_of(&*tx, id).await? {
        banyan_store::care::compartment::revoke(&*tx, g.id, now).await?;
    }
    let notices: Vec<_> = team
        .iter()
        .filter(|m| m.staff_id != actor.id())
        .map(|m| super::notice(m.staff_id, "care.ended", &cust, now))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}
