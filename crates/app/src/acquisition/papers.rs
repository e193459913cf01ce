//! A deal's papers (seed 002 §五–§六): the proposal's negotiation rounds (each naming what changed), the
//! customer's agreement to one round, the contract reviewed by a second person against the policy's legal
//! check list and then signed with the signed copy attached, and the account-opening application whose
//! documents a second person reviews. The pipeline moves on only when its paper is done: past the proposal
//! with an agreed round, past the contract when it is signed, to a customer when the application is
//! approved. Every step bumps the lead's version (one lock per lead), enters its history and is audited.

use super::leads::{event, lead_entry};
use super::{lead_in_scope, staff_names};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::papers::{PaperKind, PaperState, SIGNED_CONTRACT};
use banyan_domain::acquisition::{LeadAction, LeadMove, LeadStage};
use banyan_domain::ids::{LeadFileId, LeadId, PaperId, ProposalId, StaffId};
use banyan_store::acquisition::papers::{self as store, LeadFileRow, PaperRow, ProposalRow};
use banyan_store::acquisition::{self as leads_store, LeadRow};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One round of the proposal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: ProposalId,
    pub round: i32,
    pub content: String,
    pub terms: Option<String>,
    pub pricing: Option<String>,
    pub obligations: Option<String>,
    pub products: Vec<String>,
    /// What changed from the round before (`content`, `terms`, `pricing`, `obligations`, `products`).
    pub changes: Vec<String>,
    pub agreed: bool,
    pub agreed_at: Option<String>,
    pub agreed_by: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// The contract or the account-opening application, with its review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaperView {
    pub id: PaperId,
    pub kind: PaperKind,
    pub state: PaperState,
    /// The round of the proposal a contract is drawn from.
    pub proposal_round: Option<i32>,
    /// What the reviewer confirmed.
    pub checked: Vec<String>,
    pub submitted_by: Option<String>,
    pub submitted_by_id: Option<StaffId>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    pub signed_on: Option<String>,
    pub signatories: Option<String>,
}

/// A document attached to the lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadFileView {
    pub id: LeadFileId,
    /// What it is: `signed_contract` or a code of the application's document list.
    pub doc: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the file as uploaded (hex).
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: String,
}

/// A document the application needs, and the latest file attached for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentLine {
    pub doc: String,
    pub file: Option<LeadFileView>,
}

/// A lead's papers and what its reviewers confirm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Papers {
    pub proposals: Vec<ProposalView>,
    pub contract: Option<PaperView>,
    pub application: Option<PaperView>,
    /// The legal check list the contract's reviewer confirms item by item.
    pub contract_checklist: Vec<String>,
    /// The documents the application of the lead's kind needs.
    pub documents: Vec<DocumentLine>,
    /// The signed copy of the contract (the latest attached).
    pub signed_copy: Option<LeadFileView>,
}

fn file_view(f: &LeadFileRow, names: &HashMap<StaffId, String>) -> LeadFileView {
    LeadFileView {
        id: f.id,
        doc: f.doc.clone(),
        filename: f.filename.clone(),
        content_type: f.content_type.clone(),
        size_bytes: f.size_bytes,
        sha256: f.sha256.clone(),
        uploaded_by: names.get(&f.uploaded_by).cloned(),
        uploaded_at: crate::fmt_us(f.uploaded_at_us),
    }
}

fn paper_view(p: &PaperRow, rounds: &[ProposalRow], names: &HashMap<StaffId, String>) -> PaperView {
    let who = |id: Option<StaffId>| id.and_then(|i| names.get(&i).cloned());
    PaperView {
        id: p.id,
        kind: p.kind,
        state: p.state,
        proposal_round: p
            .proposal_id
            .and_then(|id| rounds.iter().find(|r| r.id == id).map(|r| r.round)),
        checked: p.checked.clone(),
        submitted_by: who(p.submitted_by),
        submitted_by_id: p.submitted_by,
        submitted_at: p.submitted_at_us.map(crate::fmt_us),
        reviewed_by: who(p.reviewed_by),
        reviewed_at: p.reviewed_at_us.map(crate::fmt_us),
        review_note: p.review_note.clone(),
        signed_on: p.signed_on.clone(),
        signatories: p.signatories.clone(),
    }
}

/// The papers of a lead as its page shows them, read in `c`.
pub(crate) async fn papers_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &LeadRow,
    names: &HashMap<StaffId, String>,
) -> Result<Papers> {
    let rounds = store::proposals_of(c, r.id).await?;
    let files = store::files_of(c, r.id).await?;
    let latest = |doc: &str| {
        files
            .iter()
            .rev()
            .find(|f| f.doc == doc)
            .map(|f| file_view(f, names))
    };
    let p = &app.policy().acquisition.papers;
    let contract = store::paper_of(c, r.id, PaperKind::Contract).await?;
    let application = store::paper_of(c, r.id, PaperKind::Application).await?;
    Ok(Papers {
        proposals: rounds
            .iter()
            .map(|x| ProposalView {
                id: x.id,
                round: x.round,
                content: x.content.clone(),
                terms: x.terms.clone(),
                pricing: x.pricing.clone(),
                obligations: x.obligations.clone(),
                products: x.products.clone(),
                changes: x.changes.clone(),
                agreed: x.agreed_at_us.is_some(),
                agreed_at: x.agreed_at_us.map(crate::fmt_us),
                agreed_by: x.agreed_by.and_then(|i| names.get(&i).cloned()),
                created_by: names.get(&x.created_by).cloned(),
                created_at: crate::fmt_us(x.created_at_us),
            })
            .collect(),
        contract: contract.as_ref().map(|x| paper_view(x, &rounds, names)),
        application: application.as_ref().map(|x| paper_view(x, &rounds, names)),
        contract_checklist: p.contract_checklist.clone(),
        documents: p
            .documents_for(r.kind)
            .iter()
            .map(|d| DocumentLine {
                doc: d.clone(),
                file: latest(d),
            })
            .collect(),
        signed_copy: latest(SIGNED_CONTRACT),
    })
}

/// What a move along the pipeline needs of the papers: an agreed round to leave the proposal, a signed
/// contract to leave the contract, an approved application to become a customer.
pub(crate) async fn ready_to_move<C: ConnectionTrait>(
    c: &C,
    r: &LeadRow,
    m: LeadMove,
) -> Result<()> {
    match (r.stage, m) {
        (LeadStage::Proposal, LeadMove::Advance) => {
            let rounds = store::proposals_of(c, r.id).await?;
            if !rounds.iter().any(|p| p.agreed_at_us.is_some()) {
                return Err(AppError::conflict(
                    "proposal_not_agreed",
                    "the customer has not agreed to a round of the proposal yet",
                    json!({"rounds": rounds.len()}),
                ));
            }
        }
        (LeadStage::Contract, LeadMove::Advance) => {
            let state = store::paper_of(c, r.id, PaperKind::Contract)
                .await?
                .map(|p| p.state);
            if !state.is_some_and(|s| s.is_done(PaperKind::Contract)) {
                return Err(AppError::conflict(
                    "contract_not_signed",
                    "the contract is reviewed by a second person and signed before the account opening",
                    json!({"contract": state.map(|s| s.as_str())}),
                ));
            }
        }
        (LeadStage::Application, LeadMove::Win) => {
            let state = store::paper_of(c, r.id, PaperKind::Application)
                .await?
                .map(|p| p.state);
            if !state.is_some_and(|s| s.is_done(PaperKind::Application)) {
                return Err(AppError::conflict(
                    "application_not_approved",
                    "the application's documents are reviewed by a second person first",
                    json!({"application": state.map(|s| s.as_str())}),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn refuse_stage(r: &LeadRow) -> AppError {
    AppError::conflict(
        "invalid_state",
        format!("not possible while the lead is {}", r.stage.as_str()),
        json!({"current_status": r.stage.as_str()}),
    )
}

pub(super) fn check_version(r: &LeadRow, version: Option<i32>) -> Result<()> {
    match version {
        Some(v) if v != r.version => Err(AppError::VersionConflict {
            current_version: i64::from(r.version),
            since: json!([]),
        }),
        _ => Ok(()),
    }
}

/// Writes the lead's next version (the papers' one lock per lead), its history entry and its audit record.
pub(super) async fn record<C: ConnectionTrait>(
    app: &App,
    tx: &C,
    grant: &Granted<'_>,
    old: &LeadRow,
    line: (LeadAction, Option<String>, Option<String>),
    audit_action: &'static str,
    detail: serde_json::Value,
) -> Result<LeadRow> {
    record_at(app, tx, grant, old, old.stage, line, audit_action, detail).await
}

/// [`record`] at stage `to`: when it differs, the lead enters it now, and the history and the audit record
/// name both stages (a visit's plan or record moves the lead on).
#[allow(clippy::too_many_arguments)] // the one writer of a step's effect on its lead
pub(super) async fn record_at<C: ConnectionTrait>(
    app: &App,
    tx: &C,
    grant: &Granted<'_>,
    old: &LeadRow,
    to: LeadStage,
    line: (LeadAction, Option<String>, Option<String>),
    audit_action: &'static str,
    mut detail: serde_json::Value,
) -> Result<LeadRow> {
    let now = now_us();
    let mut r = old.clone();
    let moved = to != old.stage;
    if moved {
        r.stage = to;
        r.stage_at_us = now;
        r.reached = old.reached.furthest(to);
        detail["from"] = json!(old.stage.as_str());
        detail["to"] = json!(to.as_str());
    }
    r.updated_at_us = now;
    r.version = old.version + 1;
    if !leads_store::update_lead(tx, &r, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    if moved {
        super::announce_stage(tx, &r, old.stage).await?;
    }
    let (action, reason, n) = line;
    let stages = moved.then_some((old.stage, to));
    leads_store::insert_events(
        tx,
        &[event(
            r.id,
            grant.actor().id(),
            action,
            stages.map(|s| s.0),
            stages.map(|s| s.1),
            reason,
            n,
        )],
    )
    .await?;
    audit::record(app, tx, grant, vec![lead_entry(audit_action, &r, detail)]).await?;
    Ok(r)
}

/// Attaches a document to a lead (answered 201; a retry with the same Idempotency-Key writes nothing
/// twice): the contract's signed copy (`signed_contract`, once the contract is approved) or a document of
/// the application's list (while the application is not under review). Stored encrypted; the history
/// names the document, the audit record its type, size and hash (never the file's name: it can be personal).
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: LeadId,
    doc: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<LeadFileView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let file = crate::files::check(filename, bytes)?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    let papers = &app.policy().acquisition.papers;
    let (kind, open_states): (PaperKind, &[PaperState]) = if doc == SIGNED_CONTRACT {
        (PaperKind::Contract, &[PaperState::Approved])
    } else if papers.documents_for(old.kind).iter().any(|d| d == doc) {
        (
            PaperKind::Application,
            &[PaperState::Drafting, PaperState::Returned],
        )
    } else {
        return Err(AppError::field(
            "doc",
            "unknown",
            "is not a document of this lead's papers",
        ));
    };
    let stage = match kind {
        PaperKind::Contract => LeadStage::Contract,
        PaperKind::Application => LeadStage::Application,
    };
    if old.stage != stage {
        return Err(refuse_stage(&old));
    }
    let state = store::paper_of(&*tx, id, kind)
        .await?
        .map_or(PaperState::Drafting, |p| p.state);
    if !open_states.contains(&state) {
        return Err(AppError::conflict(
            "invalid_state",
            format!(
                "not possible while the {} is {}",
                kind.as_str(),
                state.as_str()
            ),
            json!({"current_status": state.as_str(), "paper": kind.as_str()}),
        ));
    }
    let row = LeadFileRow {
        id: LeadFileId::new(),
        lead_id: id,
        doc: doc.to_owned(),
        filename: file.name,
        content_type: file.content_type,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: crate::crypto::sha256_hex(bytes),
        uploaded_by: actor.id(),
        uploaded_at_us: now_us(),
    };
    let enc = app.keys().encrypt_bytes(Purpose::LeadFile, bytes)?;
    store::insert_file(&*tx, &row, enc).await?;
    let detail =
        json!({"doc": doc, "type": file.ext, "size": row.size_bytes, "sha256": row.sha256});
    record(
        app,
        &*tx,
        &grant,
        &old,
        (LeadAction::FileAdded, Some(doc.to_owned()), None),
        "lead.file.add",
        detail,
    )
    .await?;
    let v = file_view(&row, &staff_names(app).await?);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// A document's bytes for someone who may read the lead; every opening is audited.
pub async fn file(
    app: &App,
    actor: &Actor,
    id: LeadId,
    file: LeadFileId,
) -> Result<(LeadFileView, Vec<u8>)> {
    let grant = actor.require(Permission::LeadRead)?;
    let lead = lead_in_scope(&app.db.conn, &grant, id).await?;
    let (row, enc) = store::find_file(&app.db.conn, id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = app.keys().decrypt_bytes(Purpose::LeadFile, &enc)?;
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![lead_entry(
            "lead.file.read",
            &lead,
            json!({"file": file, "doc": row.doc}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok((file_view(&row, &staff_names(app).await?), bytes))
}
