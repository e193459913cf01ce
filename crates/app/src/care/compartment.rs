//! The information compartment (seed 003 §六, PIPL Art. 28–29; see `docs/care.md`): the condition, the
//! diagnosis (only under the separate consent), the reporter's observation and the team's notes, sealed
//! under the record's own key and opened only on a basis `banyan_domain::care::compartment::access` grants —
//! the confirmed team, the verifying supervisor, a supervisor named for a purpose until a day, or broken
//! glass with a reason. Every read is audited and logged for the access review; everyone else sees the
//! adjustments only.

use super::{
    ReviewQuery, audit, check_version, load, name_of, names, reader, record_key, required_text,
    shut,
};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::compartment::{AccessBasis, GlassVerdict};
use banyan_domain::care::documents::DocumentKind;
use banyan_domain::care::team::CareRole;
use banyan_domain::care::{CareStatus, ConsentScope};
use banyan_domain::ids::{CareGrantId, CareId, CareNoteId, CustomerId, StaffId};
use banyan_store::care::compartment::{self as cstore, GrantRow, NoteRow, ReadRow};
use banyan_store::care::{self as store, CareFilter, CareRow};
use banyan_store::now_us;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A note of the team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    pub id: CareNoteId,
    pub author: String,
    pub at: String,
    pub body: String,
}

/// A grant of access, as the compartment and the access review list it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: CareGrantId,
    pub staff_id: StaffId,
    pub staff: String,
    pub basis: AccessBasis,
    pub purpose: String,
    pub granted_by: String,
    pub from: String,
    pub until: String,
    pub live: bool,
    pub revoked_at: Option<String>,
    pub verdict: Option<GlassVerdict>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
}

/// One read of the compartment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadView {
    pub staff: String,
    pub basis: AccessBasis,
    pub at: String,
}

/// The compartment as a reader with a need to know sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompartmentView {
    pub care_id: CareId,
    /// On what basis the reader was let in (and the read recorded).
    pub basis: AccessBasis,
    /// What the reporter saw or heard.
    pub observation: Option<String>,
    /// The condition in plain words.
    pub detail: Option<String>,
    /// Only under a separate consent covering it.
    pub diagnosis: Option<String>,
    pub notes: Vec<NoteView>,
    /// The team (a document's witness is one of them).
    pub team: Vec<super::MemberView>,
    /// The documents (each downloaded on its own, and that read recorded too).
    pub documents: Vec<super::documents::DocumentView>,
    /// What the customer wrote after their survey score.
    pub survey_comment: Option<String>,
    pub grants: Vec<GrantView>,
    /// The latest reads (50).
    pub reads: Vec<ReadView>,
}

/// A note to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub body: String,
}

/// Names a supervisor to read the compartment for a purpose until a day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub staff: StaffId,
    pub purpose: String,
    /// The last day of access (at most the policy's `grant_max_days` from today).
    #[schema(value_type = String, format = Date)]
    pub until: Date,
}

/// Breaks the glass: why the compartment must be read now.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GlassInput {
    pub reason: String,
}

/// A supervisor's review of a break-glass access.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub verdict: GlassVerdict,
    #[serde(default)]
    pub note: Option<String>,
}

/// The customer withdraws a separate consent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub scopes: Vec<ConsentScope>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// One record in the access review: who could see it, and who did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordAccess {
    pub care_id: CareId,
    pub customer_id: CustomerId,
    pub customer_no: String,
    pub status: CareStatus,
    /// The team: (part, name, confirmed the terms).
    pub team: Vec<super::MemberView>,
    pub grants: Vec<GrantView>,
    /// Reads in the period per reader and basis.
    pub reads: Vec<ReadCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadCount {
    pub staff: String,
    pub basis: AccessBasis,
    pub count: u64,
    pub last_at: String,
}

/// The periodic access review (seed 003 §六, supervision): per record in scope, who could see what and who
/// did; break-glass accesses still waiting for their review are counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessReview {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub records: Vec<RecordAccess>,
    pub reads: u64,
    pub break_glass: u64,
    pub break_glass_unreviewed: u64,
}

pub(super) fn grant_view(
    names: &std::collections::HashMap<StaffId, String>,
    g: &GrantRow,
    now: i64,
) -> Result<GrantView> {
    Ok(GrantView {
        id: g.id,
        staff_id: g.staff_id,
        staff: name_of(names, g.staff_id, "grant")?,
        basis: g.basis,
        purpose: g.purpose.clone(),
        granted_by: name_of(names, g.granted_by, "grant")?,
        from: crate::fmt_us(g.from_us),
        until: crate::fmt_us(g.until_us),
        live: g.revoked_at_us.is_none() && g.until_us > now,
        revoked_at: super::opt_us(g.revoked_at_us),
        verdict: g.verdict,
        reviewed_by: super::opt_name(names, g.reviewed_by, "grant")?,
        reviewed_at: super::opt_us(g.reviewed_at_us),
        review_note: g.review_note.clone(),
    })
}

/// Opens the compartment (any care permission; a basis from `access`, else `403 need_to_know`): the
/// observation, the condition, the diagnosis, the notes, the grants and the latest reads. The read is
/// audited (`care.read`, with its basis) and logged for the access review in the same transaction.
pub async fn open(app: &App, actor: &Actor, id: CareId) -> Result<CompartmentView> {
    let grant = super::any_care_permission(actor)?;
    let tx = app.db.begin_write().await?;
    let v = open_in(app, &*tx, &grant, id).await?;
    tx.commit().await?;
    Ok(v)
}

/// [`open`] in the caller's transaction (a write that answers with the compartment reads it back, and that
/// read is recorded like any other).
pub(super) async fn open_in<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    id: CareId,
) -> Result<CompartmentView> {
    let actor = grant.actor();
    let (r, cust, team) = load(c, actor, id).await?;
    let Some(basis) = reader(c, actor, &r, &cust, &team).await?.basis else {
        return Err(shut());
    };
    let key = record_key(app, &r)?
        .ok_or_else(|| AppError::internal(format!("care record {id}: open without a key")))?;
    let now = now_us();
    cstore::insert_read(
        c,
        &ReadRow {
            id: uuid::Uuid::now_v7(),
            record_id: id,
            staff_id: actor.id(),
            basis,
            at_us: now,
        },
    )
    .await?;
    audit(
        app,
        c,
        grant,
        &r,
        "care.read",
        json!({"basis": basis.as_str()}),
    )
    .await?;
    let names = names(app).await?;
    let open =
        |what: &str, v: &Option<Vec<u8>>| v.as_deref().map(|b| key.open(what, b)).transpose();
    let notes = cstore::notes_of(c, id)
        .await?
        .into_iter()
        .map(|n| {
            Ok(NoteView {
                id: n.id,
                author: name_of(&names, n.author_id, "note")?,
                at: crate::fmt_us(n.at_us),
                body: key.open("note", &n.body_enc)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let grants = cstore::grants_of(c, id)
        .await?
        .iter()
        .map(|g| grant_view(&names, g, now))
        .collect::<Result<Vec<_>>>()?;
    let documents = super::documents::views(c, &key, &names, id).await?;
    let survey_comment = match banyan_store::care::survey::of_records(c, &[id])
        .await?
        .first()
    {
        Some(s) => open("survey", &s.comment_enc)?,
        None => None,
    };
    let reads = cstore::reads_of(c, &[id], 0, i64::MAX)
        .await?
        .into_iter()
        .take(50)
        .map(|x| {
            Ok(ReadView {
                staff: name_of(&names, x.staff_id, "read")?,
                basis: x.basis,
                at: crate::fmt_us(x.at_us),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CompartmentView {
        care_id: id,
        basis,
        observation: open("lead", &r.lead_enc)?,
        detail: open("detail", &r.detail_enc)?,
        diagnosis: open("diagnosis", &r.diagnosis_enc)?,
        notes,
        team: super::member_views(&names, team.iter())?,
        documents,
        survey_comment,
        grants,
        reads,
    })
}

/// Adds a note to the compartment (`care.work`, a confirmed member of the team).
pub async fn add_note(
    app: &App,
    actor: &Actor,
    id: CareId,
    i: NoteInput,
) -> Result<CompartmentView> {
    let grant = actor.require(Permission::CareWork)?;
    let body = required_text("body", &i.body, 4000)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    if reader(&*tx, actor, &r, &cust, &team).await?.basis != Some(AccessBasis::Team) {
        return Err(shut());
    }
    let key = record_key(app, &r)?
        .ok_or_else(|| AppError::internal(format!("care record {id}: note without a key")))?;
    cstore::insert_note(
        &*tx,
        &NoteRow {
            id: CareNoteId::new(),
            record_id: id,
            author_id: actor.id(),
            at_us: now_us(),
            body_enc: key.seal("note", &body)?,
        },
    )
    .await?;
    audit(app, &*tx, &grant, &r, "care.note", json!({})).await?;
    // The team's channel: the others hear there is a new note (the customer's number only).
    let now = now_us();
    let notices: Vec<_> = team
        .iter()
        .filter(|m| m.staff_id != actor.id())
        .map(|m| super::notice(m.staff_id, "care.note", &cust, now))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    let v = open_in(app, &*tx, &grant, id).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

async fn supervised<'a>(
    app: &App,
    actor: &'a Actor,
    id: CareId,
) -> Result<(
    Granted<'a>,
    banyan_store::db::WriteTx,
    CareRow,
    banyan_store::customers::CustomerRow,
)> {
    let grant = actor.require(Permission::CareManage)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, _) = load(&*tx, actor, id).await?;
    if !grant.can_see(&cust.branch_code, cust.rm_id) {
        return Err(AppError::NotFound);
    }
    Ok((grant, tx, r, cust))
}

/// Names a supervisor to read the compartment for a purpose until a day (`care.manage`, the customer in
/// scope; at most the policy's `grant_max_days`; the one named must be an active supervisor). They are told.
pub async fn grant(app: &App, actor: &Actor, id: CareId, i: GrantInput) -> Result<super::CareView> {
    let purpose = required_text("purpose", &i.purpose, 200)?;
    let today = app.today();
    let max = banyan_domain::care::team::add_days(today, app.policy().care.grant_max_days);
    if i.until < today || i.until > max {
        return Err(AppError::field(
            "until",
            "range",
            format!(
                "from today to {max} (at most {} days)",
                app.policy().care.grant_max_days
            ),
        ));
    }
    let (grant, tx, r, cust) = supervised(app, actor, id).await?;
    if !r.status.is_open() {
        return Err(AppError::conflict(
            "invalid_state",
            "an ended record's compartment is opened to no one",
            json!({"current_status": r.status.as_str()}),
        ));
    }
    match banyan_store::access::find_staff(&*tx, i.staff).await? {
        Some(s) if !s.disabled && s.role.has(Permission::CareManage) => {}
        _ => {
            return Err(AppError::field(
                "staff",
                "not_allowed",
                "an active supervisor who supervises care",
            ));
        }
    }
    let now = now_us();
    let until_us = app.day_bounds(i.until, i.until)?.1;
    let g = GrantRow {
        id: CareGrantId::new(),
        record_id: id,
        staff_id: i.staff,
        basis: AccessBasis::Named,
        purpose,
        granted_by: actor.id(),
        from_us: now,
        until_us,
        revoked_at_us: None,
        verdict: None,
        reviewed_by: None,
        reviewed_at_us: None,
        review_note: None,
    };
    cstore::insert_grant(&*tx, &g).await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.grant",
        json!({"grant": g.id, "staff": i.staff, "until": i.until.to_string()}),
    )
    .await?;
    if i.staff != actor.id() {
        let n = super::notice(i.staff, "care.granted", &cust, now);
        banyan_store::cases::insert_notices(&*tx, &[n]).await?;
    }
    let team = store::team_of(&*tx, id).await?;
    let v = super::view_of(app, &*tx, actor, &r, &cust, &team).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Withdraws a live grant before its day (`care.manage`).
pub async fn revoke(
    app: &App,
    actor: &Actor,
    id: CareId,
    g: CareGrantId,
) -> Result<super::CareView> {
    let (grant, tx, r, cust) = supervised(app, actor, id).await?;
    if cstore::find_grant(&*tx, id, g).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if !cstore::revoke(&*tx, g, now_us()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "the grant has ended already",
            json!({}),
        ));
    }
    audit(app, &*tx, &grant, &r, "care.revoke", json!({"grant": g})).await?;
    let team = store::team_of(&*tx, id).await?;
    let v = super::view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// Breaks the glass (`care.report`, the customer in scope): with a reason, access for the policy's hours.
/// The team's lead contact and the registering supervisor are told; a supervisor reviews it afterwards. A
/// reader who may open the compartment already needs no glass (`409 already_open`). The record need not be
/// visible to the reader otherwise: the customer in scope is enough, and out of scope is not found.
pub async fn break_glass(
    app: &App,
    actor: &Actor,
    id: CareId,
    i: GlassInput,
) -> Result<CompartmentView> {
    let grant = actor.require(Permission::CareReport)?;
    let reason = required_text("reason", &i.reason, 500)?;
    let tx = app.db.begin_write().await?;
    let Some(r) = store::find(&*tx, id).await? else {
        return Err(AppError::NotFound);
    };
    let cust = crate::scope::load_in_scope(&*tx, &grant, r.customer_id.uuid()).await?;
    if !r.status.is_open() {
        return Err(AppError::NotFound);
    }
    let team = store::team_of(&*tx, id).await?;
    if reader(&*tx, actor, &r, &cust, &team).await?.basis.is_some() {
        return Err(AppError::conflict(
            "already_open",
            "the compartment is open to you already",
            json!({}),
        ));
    }
    let now = now_us();
    let hours = i64::from(app.policy().care.break_glass_hours);
    let g = GrantRow {
        id: CareGrantId::new(),
        record_id: id,
        staff_id: actor.id(),
        basis: AccessBasis::BreakGlass,
        purpose: reason,
        granted_by: actor.id(),
        from_us: now,
        until_us: now + hours * 3_600_000_000,
        revoked_at_us: None,
        verdict: None,
        reviewed_by: None,
        reviewed_at_us: None,
        review_note: None,
    };
    cstore::insert_grant(&*tx, &g).await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.break_glass",
        json!({"grant": g.id}),
    )
    .await?;
    let mut tell: Vec<StaffId> = team
        .iter()
        .filter(|m| m.role == CareRole::RelationshipManager)
        .map(|m| m.staff_id)
        .collect();
    tell.extend(r.registered_by.or(r.decided_by));
    tell.sort();
    tell.dedup();
    let notices: Vec<_> = tell
        .into_iter()
        .filter(|s| *s != actor.id())
        .map(|s| super::notice(s, "care.break_glass", &cust, now))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    let v = open_in(app, &*tx, &grant, id).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Reviews a break-glass access (`care.manage`, not one's own).
pub async fn review(
    app: &App,
    actor: &Actor,
    id: CareId,
    g: CareGrantId,
    i: ReviewInput,
) -> Result<super::CareView> {
    let note = super::optional_text("note", i.note.as_deref(), 500)?;
    if i.verdict == GlassVerdict::Unjustified && note.is_none() {
        return Err(AppError::field("note", "required", "say what was wrong"));
    }
    let (grant, tx, r, cust) = supervised(app, actor, id).await?;
    let Some(row) = cstore::find_grant(&*tx, id, g).await? else {
        return Err(AppError::NotFound);
    };
    if row.basis != AccessBasis::BreakGlass {
        return Err(AppError::conflict(
            "invalid_state",
            "only a break-glass access is reviewed",
            json!({}),
        ));
    }
    if row.staff_id == actor.id() {
        return Err(AppError::forbidden(
            "own_access",
            "another supervisor reviews your access",
        ));
    }
    if !cstore::review(&*tx, g, i.verdict, actor.id(), note.as_deref(), now_us()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "reviewed already",
            json!({}),
        ));
    }
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.review_access",
        json!({"grant": g, "verdict": i.verdict.as_str()}),
    )
    .await?;
    let team = store::team_of(&*tx, id).await?;
    let v = super::view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// The customer withdraws a separate consent (`care.manage`): the consent records its withdrawal, and what it
/// covered is destroyed at once (a withdrawn diagnosis consent destroys the diagnosis and the medical
/// certificates).
pub async fn withdraw(
    app: &App,
    actor: &Actor,
    id: CareId,
    i: WithdrawInput,
) -> Result<super::CareView> {
    if i.scopes.is_empty() {
        return Err(AppError::field(
            "scopes",
            "required",
            "what the customer withdraws",
        ));
    }
    let (grant, tx, old, cust) = supervised(app, actor, id).await?;
    check_version(&old, i.version)?;
    if i.scopes.iter().any(|s| !old.consent_scopes.contains(s)) {
        return Err(AppError::field(
            "scopes",
            "not_given",
            "the customer did not give this consent",
        ));
    }
    let scopes: Vec<ConsentScope> = old
        .consent_scopes
        .iter()
        .copied()
        .filter(|s| !i.scopes.contains(s))
        .collect();
    let now = now_us();
    let new = CareRow {
        diagnosis_enc: if scopes.contains(&ConsentScope::Diagnosis) {
            old.diagnosis_enc.clone()
        } else {
            None
        },
        consent_scopes: scopes,
        consent_withdrawn_at_us: Some(now),
        ..old.clone()
    };
    // A medical certificate names the diagnosis: it goes with the consent that let it in.
    let certificates = if new.consent_scopes.contains(&ConsentScope::Diagnosis) {
        0
    } else {
        cstore::delete_documents_of_kind(&*tx, id, DocumentKind::MedicalCertificate).await?
    };
    let detail = json!({
        "withdrawn": i.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "certificates_destroyed": certificates,
    });
    let r = super::save(
        app,
        &*tx,
        &grant,
        &old,
        new,
        "care.consent_withdrawn",
        detail,
    )
    .await?;
    let team = store::team_of(&*tx, id).await?;
    let v = super::view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// The access review (`care.manage`): for each record of a customer in scope, its team, its grants and the
/// reads in the period by reader and basis.
pub async fn access_review(app: &App, actor: &Actor, q: ReviewQuery) -> Result<AccessReview> {
    let grant = actor.require(Permission::CareManage)?;
    let (from, to) = super::period(app, &q)?;
    let (from_us, to_us) = app.day_bounds(from, to)?;
    let c = &app.db.conn;
    let f = CareFilter {
        staff: actor.id(),
        scope: grant.scope(),
        statuses: CareStatus::ALL.to_vec(),
        customer: None,
    };
    let rows = super::records_in_scope(c, &f).await?;
    let ids: Vec<CareId> = rows.iter().map(|r| r.id).collect();
    let reads = cstore::reads_of(c, &ids, from_us, to_us).await?;
    let grants = cstore::grants_of_many(c, &ids).await?;
    // Every record's team in one read (the review lists many records).
    let members = store::team_of_many(c, &ids).await?;
    let names = names(app).await?;
    let customers = banyan_store::customers::rows_by_ids(
        c,
        &rows
            .iter()
            .map(|r| r.customer_id.uuid())
            .collect::<Vec<_>>(),
    )
    .await?;
    let now = now_us();
    let mut out = Vec::new();
    for r in &rows {
        let mine: Vec<&ReadRow> = reads.iter().filter(|x| x.record_id == r.id).collect();
        let theirs: Vec<&GrantRow> = grants
            .iter()
            .filter(|g| g.record_id == r.id && g.from_us < to_us && g.until_us >= from_us)
            .collect();
        if mine.is_empty() && theirs.is_empty() && !r.status.is_open() {
            continue;
        }
        let cust = customers
            .iter()
            .find(|c| c.id == r.customer_id)
            .ok_or_else(|| AppError::internal(format!("care {}: customer missing", r.id)))?;
        let mut counts: Vec<ReadCount> = Vec::new();
        for x in &mine {
            let staff = name_of(&names, x.staff_id, "read")?;
            match counts
                .iter_mut()
                .find(|c| c.staff == staff && c.basis == x.basis)
            {
                Some(c) => c.count += 1,
                None => counts.push(ReadCount {
                    staff,
                    basis: x.basis,
                    count: 1,
                    last_at: crate::fmt_us(x.at_us),
                }),
            }
        }
        let team = super::member_views(&names, members.iter().filter(|m| m.record_id == r.id))?;
        out.push(RecordAccess {
            care_id: r.id,
            customer_id: r.customer_id,
            customer_no: cust.customer_no.clone(),
            status: r.status,
            team,
            grants: theirs
                .iter()
                .map(|g| grant_view(&names, g, now))
                .collect::<Result<Vec<_>>>()?,
            reads: counts,
        });
    }
    let glass: Vec<&GrantRow> = grants
        .iter()
        .filter(|g| g.basis == AccessBasis::BreakGlass && g.from_us >= from_us && g.from_us < to_us)
        .collect();
    Ok(AccessReview {
        from,
        to,
        reads: reads.len() as u64,
        break_glass: glass.len() as u64,
        break_glass_unreviewed: glass.iter().filter(|g| g.reviewed_at_us.is_none()).count() as u64,
        records: out,
    })
}
