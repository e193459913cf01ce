//! A deal's papers (seed 002 §五–§六): the proposal's negotiation rounds (each naming what changed), the
//! customer's agreement to one round, the contract reviewed by a second person against the policy's legal
//! check list and then signed with the signed copy attached, and the account-opening application whose
//! documents a second person reviews. The pipeline moves on only when its paper is done: past the proposal
//! with an agreed round, past the contract when it is signed, to a customer when the application is
//! approved. Every step bumps the lead's version (one lock per lead), enters its history and is audited.

use super::leads::{event, lead_entry};
use super::{LeadView, lead_in_scope, note, staff_names, view_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::papers::{
    PaperKind, PaperMove, PaperState, ProposalTerms, SIGNED_CONTRACT, check_ticks,
};
use banyan_domain::acquisition::{LeadAction, LeadMove, LeadStage};
use banyan_domain::book::ProductStatus;
use banyan_domain::ids::{LeadFileId, LeadId, PaperId, ProposalId, StaffId};
use banyan_store::acquisition::papers::{self as store, LeadFileRow, PaperRow, ProposalRow};
use banyan_store::acquisition::{self as leads_store, LeadRow};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
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
    let p = &app.policy.acquisition.papers;
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

/// A round of the proposal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// What the bank offers (required).
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub terms: Option<String>,
    /// Price, rates and fees as agreed in words.
    #[serde(default)]
    pub pricing: Option<String>,
    /// What each side undertakes.
    #[serde(default)]
    pub obligations: Option<String>,
    /// Catalogue codes of the products offered (on sale).
    #[serde(default)]
    pub products: Vec<String>,
    /// What was said in this round of the negotiation.
    #[serde(default)]
    pub note: Option<String>,
}

fn text_field(e: &mut FieldErrors, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        e.push(
            field,
            "max_length",
            format!("must be at most {max} characters"),
        );
    }
    Some(v.to_owned())
}

async fn check_proposal(app: &App, i: &ProposalInput) -> Result<ProposalTerms> {
    let mut e = FieldErrors::new();
    let content = text_field(&mut e, "content", &i.content, 4000);
    if content.is_none() {
        e.push("content", "required", "say what the bank offers");
    }
    let terms = ProposalTerms {
        content: content.unwrap_or_default(),
        terms: text_field(&mut e, "terms", &i.terms, 2000),
        pricing: text_field(&mut e, "pricing", &i.pricing, 2000),
        obligations: text_field(&mut e, "obligations", &i.obligations, 2000),
        products: i.products.clone(),
    };
    if terms.products.len() > 20 {
        e.push("products", "max_items", "at most 20 products");
    }
    for (n, code) in terms.products.iter().enumerate() {
        let on_sale = banyan_store::book::product_by_code(&app.db.conn, code)
            .await?
            .is_some_and(|p| p.status == ProductStatus::OnSale);
        if !on_sale {
            e.push(
                "products",
                "unknown",
                "is not a product on sale in the catalogue",
            );
            break;
        }
        if terms.products[..n].contains(code) {
            e.push("products", "duplicate", "a product is named twice");
            break;
        }
    }
    e.into_result()?;
    Ok(terms)
}

fn terms_of(p: &ProposalRow) -> ProposalTerms {
    ProposalTerms {
        content: p.content.clone(),
        terms: p.terms.clone(),
        pricing: p.pricing.clone(),
        obligations: p.obligations.clone(),
        products: p.products.clone(),
    }
}

fn refuse_stage(r: &LeadRow) -> AppError {
    AppError::conflict(
        "invalid_state",
        format!("not possible while the lead is {}", r.stage.as_str()),
        json!({"current_status": r.stage.as_str()}),
    )
}

fn check_version(r: &LeadRow, version: Option<i32>) -> Result<()> {
    match version {
        Some(v) if v != r.version => Err(AppError::VersionConflict {
            current_version: i64::from(r.version),
            since: json!([]),
        }),
        _ => Ok(()),
    }
}

/// Writes the lead's next version (the papers' one lock per lead), its history entry and its audit record.
async fn record<C: ConnectionTrait>(
    app: &App,
    tx: &C,
    grant: &Granted<'_>,
    old: &LeadRow,
    line: (LeadAction, Option<String>, Option<String>),
    audit_action: &'static str,
    detail: serde_json::Value,
) -> Result<LeadRow> {
    let mut r = old.clone();
    r.updated_at_us = now_us();
    r.version = old.version + 1;
    if !leads_store::update_lead(tx, &r, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    let (action, reason, n) = line;
    leads_store::insert_events(
        tx,
        &[event(
            r.id,
            grant.actor().id(),
            action,
            None,
            None,
            reason,
            n,
        )],
    )
    .await?;
    audit::record(app, tx, grant, vec![lead_entry(audit_action, &r, detail)]).await?;
    Ok(r)
}

/// A new round of the proposal on a lead at the proposal stage (answered 201; a retry with the same
/// Idempotency-Key writes nothing twice). A later round must change something, and names what; once the
/// customer agreed to a round the proposal is settled.
pub async fn propose(
    app: &App,
    actor: &Actor,
    id: LeadId,
    input: ProposalInput,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let terms = check_proposal(app, &input).await?;
    let n = note("note", input.note)?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    if old.stage != LeadStage::Proposal {
        return Err(refuse_stage(&old));
    }
    let rounds = store::proposals_of(&*tx, id).await?;
    if rounds.iter().any(|p| p.agreed_at_us.is_some()) {
        return Err(AppError::conflict(
            "proposal_agreed",
            "the customer agreed to a round already: the proposal is settled",
            json!({}),
        ));
    }
    let changes = match rounds.last() {
        Some(prev) => {
            let c = terms.changes_from(&terms_of(prev));
            if c.is_empty() {
                return Err(AppError::field(
                    "content",
                    "unchanged",
                    "a new round changes something of the round before",
                ));
            }
            c
        }
        None => Vec::new(),
    };
    let round = rounds.last().map_or(1, |p| p.round + 1);
    let row = ProposalRow {
        id: ProposalId::new(),
        lead_id: id,
        round,
        content: terms.content,
        terms: terms.terms,
        pricing: terms.pricing,
        obligations: terms.obligations,
        products: terms.products,
        changes: changes.clone(),
        agreed_at_us: None,
        agreed_by: None,
        created_by: actor.id(),
        created_at_us: now_us(),
    };
    store::insert_proposal(&*tx, &row).await?;
    let detail = json!({"round": round, "changes": changes, "products": row.products});
    let r = record(
        app,
        &*tx,
        &grant,
        &old,
        (LeadAction::Proposed, None, n),
        "lead.propose",
        detail,
    )
    .await?;
    let v = view_of(app, &*tx, &r, None).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// What to do with a lead's papers (`{"action": "approve_contract", "checked": [...]}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaperWork {
    /// The customer agreed to this round of the proposal.
    AgreeProposal {
        round: i32,
        #[serde(default)]
        note: Option<String>,
    },
    /// The contract, drawn from the agreed round, goes to a second person for its legal review.
    SubmitContract {
        #[serde(default)]
        note: Option<String>,
    },
    /// The reviewer confirms every item of the legal check list (`checked`) and approves.
    ApproveContract {
        #[serde(default)]
        checked: Vec<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The reviewer sends the contract back, saying what to fix.
    ReturnContract {
        #[serde(default)]
        note: Option<String>,
    },
    /// Both sides signed (the signed copy attached first as `signed_contract`).
    SignContract {
        /// `YYYY-MM-DD`, not in the future.
        #[serde(default)]
        signed_on: Option<String>,
        /// Who signed for the customer and for the bank.
        #[serde(default)]
        signatories: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The application, with every document of its list attached, goes to a second person.
    SubmitApplication {
        #[serde(default)]
        note: Option<String>,
    },
    /// The reviewer confirms every document (`checked`) and approves: the lead may become a customer.
    ApproveApplication {
        #[serde(default)]
        checked: Vec<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The reviewer sends the application back, saying what to fix.
    ReturnApplication {
        #[serde(default)]
        note: Option<String>,
    },
}

impl PaperWork {
    fn note(&self) -> Option<String> {
        match self {
            Self::AgreeProposal { note, .. }
            | Self::SubmitContract { note }
            | Self::ApproveContract { note, .. }
            | Self::ReturnContract { note }
            | Self::SignContract { note, .. }
            | Self::SubmitApplication { note }
            | Self::ApproveApplication { note, .. }
            | Self::ReturnApplication { note } => note.clone(),
        }
    }

    /// The paper and the move, for all but agreeing to a proposal.
    fn paper(&self) -> Option<(PaperKind, PaperMove)> {
        use PaperKind as K;
        use PaperMove as M;
        Some(match self {
            Self::AgreeProposal { .. } => return None,
            Self::SubmitContract { .. } => (K::Contract, M::Submit),
            Self::ApproveContract { .. } => (K::Contract, M::Approve),
            Self::ReturnContract { .. } => (K::Contract, M::Return),
            Self::SignContract { .. } => (K::Contract, M::Sign),
            Self::SubmitApplication { .. } => (K::Application, M::Submit),
            Self::ApproveApplication { .. } => (K::Application, M::Approve),
            Self::ReturnApplication { .. } => (K::Application, M::Return),
        })
    }
}

/// The history entry and audit action of a paper's move.
fn step_of(kind: PaperKind, m: PaperMove) -> (LeadAction, &'static str) {
    use LeadAction as A;
    use PaperKind as K;
    use PaperMove as M;
    match (kind, m) {
        (K::Contract, M::Submit) => (A::ContractSubmitted, "lead.contract.submit"),
        (K::Contract, M::Approve) => (A::ContractApproved, "lead.contract.approve"),
        (K::Contract, M::Return) => (A::ContractReturned, "lead.contract.return"),
        (K::Contract, M::Sign) => (A::ContractSigned, "lead.contract.sign"),
        (K::Application, M::Submit) => (A::ApplicationSubmitted, "lead.application.submit"),
        (K::Application, M::Approve | M::Sign) => {
            (A::ApplicationApproved, "lead.application.approve")
        }
        (K::Application, M::Return) => (A::ApplicationReturned, "lead.application.return"),
    }
}

/// The signing's day and signatories, checked (each names its field).
fn check_signing(
    app: &App,
    signed_on: &Option<String>,
    signatories: &Option<String>,
) -> Result<(String, String)> {
    let mut e = FieldErrors::new();
    let day = match signed_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            e.push("signed_on", "required", "the day both sides signed");
            None
        }
        Some(s) => match s.parse::<jiff::civil::Date>() {
            Err(_) => {
                e.push("signed_on", "format", "a date as YYYY-MM-DD");
                None
            }
            Ok(d) if d > app.today() => {
                e.push("signed_on", "future", "may not be in the future");
                None
            }
            Ok(d) => Some(d.to_string()),
        },
    };
    let who = text_field(&mut e, "signatories", signatories, 500);
    if who.is_none() {
        e.push(
            "signatories",
            "required",
            "who signed for the customer and for the bank",
        );
    }
    e.into_result()?;
    Ok((day.unwrap_or_default(), who.unwrap_or_default()))
}

/// Agrees the customer to a round of the proposal.
async fn agree(
    app: &App,
    tx: &banyan_store::WriteTx,
    grant: &Granted<'_>,
    old: &LeadRow,
    round: i32,
    n: Option<String>,
) -> Result<LeadRow> {
    if old.stage != LeadStage::Proposal {
        return Err(refuse_stage(old));
    }
    let rounds = store::proposals_of(&**tx, old.id).await?;
    let Some(p) = rounds.iter().find(|p| p.round == round) else {
        return Err(AppError::field(
            "round",
            "unknown",
            "no such round of the proposal",
        ));
    };
    if !store::agree_proposal(&**tx, old.id, p.id, grant.actor().id(), now_us()).await? {
        return Err(AppError::conflict(
            "proposal_agreed",
            "the customer agreed to a round already: the proposal is settled",
            json!({}),
        ));
    }
    record(
        app,
        &**tx,
        grant,
        old,
        (LeadAction::ProposalAgreed, None, n),
        "lead.proposal.agree",
        json!({"round": round}),
    )
    .await
}

/// Works a lead's papers (`If-Match` with the lead's version read refuses acting on a changed lead).
/// Submitting, signing and agreeing need `lead.write`; approving and returning `lead.review`, by someone
/// other than the lead's owner and whoever submitted the paper (four eyes).
pub async fn act(
    app: &App,
    actor: &Actor,
    id: LeadId,
    w: PaperWork,
    version: Option<i32>,
) -> Result<LeadView> {
    let permission = match w.paper() {
        Some((_, PaperMove::Approve | PaperMove::Return)) => Permission::LeadReview,
        _ => Permission::LeadWrite,
    };
    let grant = actor.require(permission)?;
    let n = note("note", w.note())?;
    let signing = match &w {
        PaperWork::SignContract {
            signed_on,
            signatories,
            ..
        } => Some(check_signing(app, signed_on, signatories)?),
        _ => None,
    };
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    let r = match (&w, w.paper()) {
        (PaperWork::AgreeProposal { round, .. }, _) => {
            agree(app, &tx, &grant, &old, *round, n).await?
        }
        (_, Some((kind, mv))) => {
            let detail = move_paper(app, &tx, &grant, &old, &w, kind, mv, signing).await?;
            let (action, audit_action) = step_of(kind, mv);
            record(
                app,
                &*tx,
                &grant,
                &old,
                (action, None, n),
                audit_action,
                detail,
            )
            .await?
        }
        _ => return Err(refuse_stage(&old)),
    };
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// Moves the contract or the application by `mv`, with the rules each move carries; answers the audit
/// detail.
#[allow(clippy::too_many_arguments)]
async fn move_paper(
    app: &App,
    tx: &banyan_store::WriteTx,
    grant: &Granted<'_>,
    lead: &LeadRow,
    w: &PaperWork,
    kind: PaperKind,
    mv: PaperMove,
    signing: Option<(String, String)>,
) -> Result<serde_json::Value> {
    let c = &**tx;
    let stage = match kind {
        PaperKind::Contract => LeadStage::Contract,
        PaperKind::Application => LeadStage::Application,
    };
    if lead.stage != stage {
        return Err(refuse_stage(lead));
    }
    let now = now_us();
    let existing = store::paper_of(c, lead.id, kind).await?;
    let old = existing.clone().unwrap_or(PaperRow {
        id: PaperId::new(),
        lead_id: lead.id,
        kind,
        state: PaperState::Drafting,
        proposal_id: None,
        checked: Vec::new(),
        submitted_by: None,
        submitted_at_us: None,
        reviewed_by: None,
        reviewed_at_us: None,
        review_note: None,
        signed_on: None,
        signatories: None,
        created_at_us: now,
        updated_at_us: now,
        version: 1,
    });
    let Some(to) = old.state.apply(kind, mv) else {
        return Err(AppError::conflict(
            "invalid_state",
            format!(
                "not possible while the {} is {}",
                kind.as_str(),
                old.state.as_str()
            ),
            json!({"current_status": old.state.as_str(), "paper": kind.as_str()}),
        ));
    };
    let me = grant.actor().id();
    if matches!(mv, PaperMove::Approve | PaperMove::Return)
        && (old.submitted_by == Some(me) || lead.rm_id == Some(me))
    {
        return Err(AppError::forbidden(
            "own_paper",
            "a paper is reviewed by someone other than the lead's owner and whoever submitted it",
        ));
    }
    let mut p = old.clone();
    let mut detail = json!({"paper": kind.as_str(), "from": old.state.as_str(), "to": to.as_str()});
    match (w, mv) {
        (_, PaperMove::Submit) => {
            let files = store::files_of(c, lead.id).await?;
            if kind == PaperKind::Contract {
                let agreed = store::proposals_of(c, lead.id)
                    .await?
                    .into_iter()
                    .find(|x| x.agreed_at_us.is_some());
                let Some(agreed) = agreed else {
                    return Err(AppError::conflict(
                        "proposal_not_agreed",
                        "a contract is drawn from the round of the proposal the customer agreed to",
                        json!({}),
                    ));
                };
                p.proposal_id = Some(agreed.id);
                detail["round"] = json!(agreed.round);
            } else {
                let missing: Vec<&String> = app
                    .policy
                    .acquisition
                    .papers
                    .documents_for(lead.kind)
                    .iter()
                    .filter(|d| !files.iter().any(|f| &f.doc == *d))
                    .collect();
                if !missing.is_empty() {
                    return Err(AppError::conflict(
                        "documents_missing",
                        "attach every document of the application's list first",
                        json!({"missing": missing}),
                    ));
                }
            }
            p.submitted_by = Some(me);
            p.submitted_at_us = Some(now);
            p.checked.clear();
            p.reviewed_by = None;
            p.reviewed_at_us = None;
        }
        (
            PaperWork::ApproveContract { checked, .. }
            | PaperWork::ApproveApplication { checked, .. },
            _,
        ) => {
            let list = app.policy.acquisition.papers.checklist(kind, lead.kind);
            let mut e = FieldErrors::new();
            check_ticks(&mut e, "checked", checked, list);
            e.into_result()?;
            // Kept in the list's order, whatever order the ticks came in.
            p.checked = list
                .iter()
                .filter(|i| checked.contains(i))
                .cloned()
                .collect();
            p.reviewed_by = Some(me);
            p.reviewed_at_us = Some(now);
            p.review_note = w.note();
            detail["checked"] = json!(p.checked);
        }
        (_, PaperMove::Return) => {
            if w.note().as_deref().map(str::trim).is_none_or(str::is_empty) {
                return Err(AppError::field("note", "required", "say what to fix"));
            }
            p.reviewed_by = Some(me);
            p.reviewed_at_us = Some(now);
            p.review_note = w.note();
        }
        (_, PaperMove::Sign) => {
            let copy = store::files_of(c, lead.id)
                .await?
                .into_iter()
                .rev()
                .find(|f| f.doc == SIGNED_CONTRACT);
            let Some(copy) = copy else {
                return Err(AppError::conflict(
                    "signed_copy_missing",
                    "attach the signed copy of the contract first",
                    json!({}),
                ));
            };
            let (day, who) = signing.unwrap_or_default();
            p.signed_on = Some(day.clone());
            p.signatories = Some(who);
            detail["signed_on"] = json!(day);
            detail["signed_copy"] = json!(copy.sha256);
        }
        _ => {}
    }
    p.state = to;
    p.updated_at_us = now;
    if existing.is_none() {
        store::insert_paper(c, &p).await?;
    } else {
        p.version = old.version + 1;
        if !store::update_paper(c, &p, old.version).await? {
            return Err(AppError::VersionConflict {
                current_version: i64::from(lead.version),
                since: json!([]),
            });
        }
    }
    Ok(detail)
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
    let papers = &app.policy.acquisition.papers;
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
