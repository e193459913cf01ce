//! A deal's papers on the lead's page: the proposal's rounds with what each changed and the customer's
//! agreement, the contract with its legal check list, review and signing, the account-opening
//! application's documents and their review — and the forms that work them (the use cases decide; the
//! page offers only what the reader's role and the paper's state allow).

use super::lead::{page_with, redirect_or_refusal};
use crate::AppState;
use crate::ui::forms::{form_text, read_form_upload};
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, Signed, SignedForm, check_csrf, session};
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::deal;
use banyan_app::acquisition::papers::{self as uc, LeadFileView, PaperView, ProposalView};
use banyan_app::acquisition::{Choices, LeadView, PaperWork, ProposalInput};
use banyan_domain::acquisition::LeadStage;
use banyan_domain::acquisition::papers::{PaperKind, PaperState};
use banyan_domain::ids::{LeadFileId, LeadId};
use std::collections::HashMap;

/// A round of the proposal as its row shows it.
pub(crate) struct RoundLine {
    pub(crate) round: i32,
    pub(crate) content: String,
    pub(crate) terms: String,
    pub(crate) pricing: String,
    pub(crate) obligations: String,
    pub(crate) products: String,
    pub(crate) changes: String,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) agreed: String,
}

/// A document line: what it is, and the file attached for it.
pub(crate) struct DocLine {
    pub(crate) code: String,
    pub(crate) label: String,
    /// (id, file name, uploaded at) of the latest file.
    pub(crate) file: Option<(LeadFileId, String, String)>,
}

/// The contract or the application as its block shows it: the state in words and its facts.
pub(crate) struct PaperLine {
    pub(crate) state: String,
    pub(crate) state_code: &'static str,
    pub(crate) facts: Vec<(String, String)>,
}

/// The papers' part of the lead's page.
#[derive(Default)]
pub(crate) struct PapersSection {
    pub(crate) show: bool,
    pub(crate) rounds: Vec<RoundLine>,
    pub(crate) can_propose: bool,
    /// The new round's form starts from the last round's terms.
    pub(crate) draft: HashMap<String, String>,
    /// (code, name, chosen) of the catalogue's products on sale.
    pub(crate) products: Vec<(String, String, bool)>,
    pub(crate) show_contract: bool,
    pub(crate) contract: Option<PaperLine>,
    pub(crate) can_submit_contract: bool,
    pub(crate) can_review_contract: bool,
    pub(crate) can_sign: bool,
    pub(crate) checklist: Vec<(String, String)>,
    pub(crate) signed_copy: Option<(LeadFileId, String)>,
    pub(crate) show_application: bool,
    pub(crate) application: Option<PaperLine>,
    pub(crate) docs: Vec<DocLine>,
    pub(crate) can_upload_docs: bool,
    pub(crate) can_submit_application: bool,
    pub(crate) can_review_application: bool,
    pub(crate) today: String,
}

impl PapersSection {
    /// The value of the new round's field `k` (the last round's, to be changed).
    pub(crate) fn draft_of(&self, k: &str) -> &str {
        self.draft.get(k).map_or("", String::as_str)
    }
}

fn product_names(t: Tr, choices: &Choices, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            choices
                .product_names
                .get(c)
                .map(|n| crate::ui::book::name_in(t, n))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| c.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn round_line(s: &AppState, t: Tr, choices: &Choices, p: &ProposalView) -> RoundLine {
    RoundLine {
        round: p.round,
        content: p.content.clone(),
        terms: p.terms.clone().unwrap_or_default(),
        pricing: p.pricing.clone().unwrap_or_default(),
        obligations: p.obligations.clone().unwrap_or_default(),
        products: product_names(t, choices, &p.products),
        changes: if p.round == 1 {
            t.get("paper.first_round").to_owned()
        } else {
            p.changes
                .iter()
                .map(|c| crate::ui::labels::field_label(t, c))
                .collect::<Vec<_>>()
                .join("、")
        },
        by: p.created_by.clone().unwrap_or_default(),
        at: t.datetime(&s.app.tz, &p.created_at),
        // When the customer agreed (empty: not agreed).
        agreed: match (&p.agreed_at, p.agreed) {
            (Some(at), true) => format!(
                "{} {}",
                p.agreed_by.clone().unwrap_or_default(),
                t.datetime(&s.app.tz, at)
            ),
            _ => String::new(),
        },
    }
}

fn paper_line(s: &AppState, t: Tr, p: &PaperView) -> PaperLine {
    let mut facts = Vec::new();
    let when = |at: &Option<String>| {
        at.as_deref()
            .map(|a| t.datetime(&s.app.tz, a))
            .unwrap_or_default()
    };
    if let Some(r) = p.proposal_round {
        facts.push((
            t.get("paper.drawn_from").to_owned(),
            t.get("paper.round_n").replace("{n}", &r.to_string()),
        ));
    }
    if let Some(by) = &p.submitted_by {
        facts.push((
            t.get("paper.submitted").to_owned(),
            format!("{by} · {}", when(&p.submitted_at)),
        ));
    }
    if let Some(by) = &p.reviewed_by {
        facts.push((
            t.get("paper.reviewed").to_owned(),
            format!("{by} · {}", when(&p.reviewed_at)),
        ));
    }
    if let Some(n) = &p.review_note {
        facts.push((t.get("field.review_note").to_owned(), n.clone()));
    }
    if !p.checked.is_empty() {
        let family = match p.kind {
            PaperKind::Contract => "contract_check",
            PaperKind::Application => "lead_doc",
        };
        let items: Vec<String> = p.checked.iter().map(|c| t.of(family, c)).collect();
        facts.push((t.get("paper.confirmed").to_owned(), items.join("、")));
    }
    if let Some(d) = &p.signed_on {
        facts.push((t.get("field.signed_on").to_owned(), t.date(d)));
    }
    if let Some(w) = &p.signatories {
        facts.push((t.get("field.signatories").to_owned(), w.clone()));
    }
    PaperLine {
        state: t.of("paper_state", p.state.as_str()),
        state_code: p.state.as_str(),
        facts,
    }
}

fn file_of(t: Tr, s: &AppState, f: &Option<LeadFileView>) -> Option<(LeadFileId, String, String)> {
    f.as_ref().map(|f| {
        (
            f.id,
            f.filename.clone(),
            t.datetime(&s.app.tz, &f.uploaded_at),
        )
    })
}

/// The papers' part of the page for this reader.
pub(crate) fn section(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: &LeadView,
    choices: &Choices,
) -> PapersSection {
    let o = sess.actor.offers();
    let me = sess.actor.id();
    let p = &v.papers;
    let rank = v.stage.rank().unwrap_or(0);
    let at = |stage: LeadStage| v.stage == stage;
    let reached = |stage: LeadStage| stage.rank().is_some_and(|r| rank >= r);
    let agreed = p.proposals.iter().any(|r| r.agreed);
    let last = p.proposals.last();
    let mut draft = HashMap::new();
    if let Some(l) = last {
        draft.insert("content".into(), l.content.clone());
        for (k, v) in [
            ("terms", &l.terms),
            ("pricing", &l.pricing),
            ("obligations", &l.obligations),
        ] {
            draft.insert(k.into(), v.clone().unwrap_or_default());
        }
    }
    let chosen: Vec<String> = last.map(|l| l.products.clone()).unwrap_or_default();
    let state = |x: &Option<PaperView>| x.as_ref().map_or(PaperState::Drafting, |x| x.state);
    // A reviewer is someone other than the lead's owner and whoever submitted the paper (four eyes).
    let may_review = |x: &Option<PaperView>| {
        o.lead_review
            && v.rm_id != Some(me)
            && x.as_ref()
                .is_some_and(|x| x.state == PaperState::InReview && x.submitted_by_id != Some(me))
    };
    let contract_state = state(&p.contract);
    let application_state = state(&p.application);
    PapersSection {
        show: reached(LeadStage::Proposal) || !p.proposals.is_empty(),
        rounds: p
            .proposals
            .iter()
            .map(|r| round_line(s, t, choices, r))
            .collect(),
        can_propose: o.lead_write && at(LeadStage::Proposal) && !agreed,
        draft,
        products: choices
            .on_sale
            .iter()
            .map(|c| {
                let name = product_names(t, choices, std::slice::from_ref(c));
                (c.clone(), name, chosen.contains(c))
            })
            .collect(),
        show_contract: reached(LeadStage::Contract) || p.contract.is_some(),
        contract: p.contract.as_ref().map(|x| paper_line(s, t, x)),
        can_submit_contract: o.lead_write
            && at(LeadStage::Contract)
            && matches!(contract_state, PaperState::Drafting | PaperState::Returned),
        can_review_contract: at(LeadStage::Contract) && may_review(&p.contract),
        can_sign: o.lead_write && at(LeadStage::Contract) && contract_state == PaperState::Approved,
        checklist: p
            .contract_checklist
            .iter()
            .map(|c| (c.clone(), t.of("contract_check", c)))
            .collect(),
        signed_copy: p.signed_copy.as_ref().map(|f| (f.id, f.filename.clone())),
        show_application: reached(LeadStage::Application) || p.application.is_some(),
        application: p.application.as_ref().map(|x| paper_line(s, t, x)),
        docs: p
            .documents
            .iter()
            .map(|d| DocLine {
                code: d.doc.clone(),
                label: t.of("lead_doc", &d.doc),
                file: file_of(t, s, &d.file),
            })
            .collect(),
        can_upload_docs: o.lead_write
            && at(LeadStage::Application)
            && matches!(
                application_state,
                PaperState::Drafting | PaperState::Returned
            ),
        can_submit_application: o.lead_write
            && at(LeadStage::Application)
            && matches!(
                application_state,
                PaperState::Drafting | PaperState::Returned
            ),
        can_review_application: at(LeadStage::Application) && may_review(&p.application),
        today: s.app.today().to_string(),
    }
}

/// A new round of the proposal from the page's form.
pub(super) async fn propose(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let products = f
        .keys()
        .filter_map(|k| k.strip_prefix("product."))
        .map(str::to_owned)
        .collect();
    let input = ProposalInput {
        content: form_text(&f, "content"),
        terms: form_text(&f, "terms"),
        pricing: form_text(&f, "pricing"),
        obligations: form_text(&f, "obligations"),
        products,
        note: form_text(&f, "note"),
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = deal::propose(&s.app, &sess.actor, id, input, version)
        .await
        .map(|_| ());
    redirect_or_refusal(&s, sess, t, id, r).await
}

/// A move of the contract or the application, or the customer's agreement to a round.
pub(super) async fn act(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let note = form_text(&f, "note");
    let mut checked: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix("check."))
        .map(str::to_owned)
        .collect();
    checked.sort();
    let w = match f.get("action").map(String::as_str).unwrap_or_default() {
        "agree_proposal" => PaperWork::AgreeProposal {
            round: f
                .get("round")
                .and_then(|r| r.trim().parse().ok())
                .unwrap_or(0),
            note,
        },
        "submit_contract" => PaperWork::SubmitContract { note },
        "approve_contract" => PaperWork::ApproveContract { checked, note },
        "return_contract" => PaperWork::ReturnContract { note },
        "sign_contract" => PaperWork::SignContract {
            signed_on: form_text(&f, "signed_on"),
            signatories: form_text(&f, "signatories"),
            note,
        },
        "submit_application" => PaperWork::SubmitApplication { note },
        "approve_application" => PaperWork::ApproveApplication { checked, note },
        "return_application" => PaperWork::ReturnApplication { note },
        _ => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = deal::act(&s.app, &sess.actor, id, w, version)
        .await
        .map(|_| ());
    redirect_or_refusal(&s, sess, t, id, r).await
}

/// A document attached from the page (a multipart form: the file and what it is).
pub(super) async fn upload(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some(up) = read_form_upload(mp).await else {
        let msg = crate::ui::forms::rule_text(t, "file", "required", "choose a file", None);
        return page_with(&s, sess, t, id, msg).await;
    };
    check_csrf(&sess, t, up.csrf.as_deref())?;
    let doc = up.fields.get("doc").cloned().unwrap_or_default();
    let r = uc::attach(&s.app, &sess.actor, id, &doc, &up.name, &up.bytes)
        .await
        .map(|_| ());
    redirect_or_refusal(&s, sess, t, id, r).await
}

/// Opens a document (audited).
pub(super) async fn download(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path((id, file)): Path<(LeadId, LeadFileId)>,
) -> Result<Response, PageError> {
    match uc::file(&s.app, &sess.actor, id, file).await {
        Ok((v, bytes)) => Ok(crate::extract::download(
            &v.filename,
            &v.content_type,
            bytes,
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}
