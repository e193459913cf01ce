//! Working a deal's papers: the proposal's negotiation rounds and the customer's agreement, the contract's
//! and the application's submission, their review by a second person (every item of the policy's check list
//! confirmed) and the contract's signing. The rules of each paper's machine are the domain's
//! (`domain::acquisition::papers`); this module checks who acts and what each move needs.

use super::papers::{check_version, record, refuse_stage};
use super::{LeadView, lead_in_scope, note, view_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::papers::{
    PaperKind, PaperMove, PaperState, ProposalTerms, SIGNED_CONTRACT, check_ticks,
};
use banyan_domain::acquisition::{LeadAction, LeadStage};
use banyan_domain::book::ProductStatus;
use banyan_domain::ids::{LeadId, PaperId, ProposalId};
use banyan_store::acquisition::LeadRow;
use banyan_store::acquisition::papers::{self as store, PaperRow, ProposalRow};
use banyan_store::now_us;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

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
    // Two rounds made at once: the second meets the unique (lead, round) index, as a changed lead.
    store::insert_proposal(&*tx, &row)
        .await
        .map_err(|e| changed_meanwhile(e, "lead_proposals_round", &old))?;
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
            if mv == PaperMove::Submit {
                super::risk::gate(app, &*tx, &old).await?;
            }
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
            ready_to_submit(app, c, lead, &mut p, &mut detail).await?;
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
            let policy = app.policy();
            let list = policy.acquisition.papers.checklist(kind, lead.kind);
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
            let copy = signed_copy(c, lead).await?;
            // Checked before the transaction for every signing; its absence here is a defect, not a blank.
            let Some((day, who)) = signing else {
                return Err(AppError::internal(
                    "a signing without its checked day and signatories",
                ));
            };
            p.signed_on = Some(day.clone());
            p.signatories = Some(who);
            detail["signed_on"] = json!(day);
            detail["signed_copy"] = json!(copy);
        }
        _ => {}
    }
    p.state = to;
    p.updated_at_us = now;
    if existing.is_none() {
        store::insert_paper(c, &p)
            .await
            .map_err(|e| changed_meanwhile(e, "lead_papers_kind", lead))?;
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

/// What a submission needs: a contract, the round the customer agreed to (it is drawn from it); an
/// application, every document of its list.
async fn ready_to_submit<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    lead: &LeadRow,
    p: &mut PaperRow,
    detail: &mut serde_json::Value,
) -> Result<()> {
    let files = store::files_of(c, lead.id).await?;
    let kind = p.kind;
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
        let policy = app.policy();
        let missing: Vec<&String> = policy
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
    Ok(())
}

/// The hash of the contract's signed copy (the latest attached); signing without one is refused.
async fn signed_copy<C: sea_orm::ConnectionTrait>(c: &C, lead: &LeadRow) -> Result<String> {
    store::files_of(c, lead.id)
        .await?
        .into_iter()
        .rev()
        .find(|f| f.doc == SIGNED_CONTRACT)
        .map(|f| f.sha256)
        .ok_or_else(|| {
            AppError::conflict(
                "signed_copy_missing",
                "attach the signed copy of the contract first",
                json!({}),
            )
        })
}

/// A unique index met by a write made at the same moment as another on the same lead: the lead changed
/// meanwhile (409 `version_conflict`, as its version check answers), not a server error.
fn changed_meanwhile(e: banyan_store::StoreError, index: &str, lead: &LeadRow) -> AppError {
    if e.is_conflict_on(index) {
        AppError::VersionConflict {
            current_version: i64::from(lead.version + 1),
            since: json!([]),
        }
    } else {
        e.into()
    }
}
