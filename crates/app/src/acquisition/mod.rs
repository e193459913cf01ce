//! Customer acquisition (seed 002): leads captured from every channel (`leads`), screened by the policy's
//! model and reviewed (`work`), moved along the pipeline to an account opening or marked lost (`work`), and
//! the pipeline's board and the partner institutions that bring leads (`board`).
//!
//! Who may do what: leads are read with `lead.read` and worked with `lead.write` within the same scope as
//! customers (a lead's branch and owner decide it; out of scope is not found); a screened lead is reviewed
//! with `lead.review` by someone other than its owner; only `lead.override` (supervisors) lets on a lead the
//! model failed or a reviewer rejected. Contact data is encrypted and masked; a reveal needs
//! `customer.reveal` and is audited like a customer's.

pub mod board;
pub mod campaigns;
pub mod convert;
pub mod deal;
pub mod effectiveness;
pub mod funnel;
pub mod leads;
pub mod market;
pub mod meetings;
pub mod opening;
pub mod papers;
pub mod risk;
pub mod survey;
pub mod targets;
pub mod team;
pub mod trend;
pub mod visits;
pub mod work;

use crate::App;
use crate::actor::Granted;
use crate::error::{AppError, Result};
use banyan_domain::acquisition::screening::FactorScore;
use banyan_domain::acquisition::{
    LawfulBasis, LeadAction, LeadChannel, LeadKind, LeadStage, ScreeningOutcome,
};
use banyan_domain::ids::{CustomerId, LeadId, PartnerId, StaffId};
use banyan_store::acquisition::{self as store, LeadEventRow, LeadRow};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

pub use board::{Board, BoardCard, BoardColumn, BoardQuery, PartnerInput, PartnerView};
pub use deal::{PaperWork, ProposalInput};
pub use funnel::{Funnel, FunnelLine, FunnelQuery};
pub use leads::{LeadInput, LeadPage, LeadQuery, LeadSummary};
pub use opening::Opening;
pub use papers::Papers;
pub use targets::{TargetInput, TargetLine, TargetQuery, TargetReport};
pub use team::{TeamInput, TeamMember};
pub use visits::{CalendarVisit, LeadVisitInput, LeadVisitView, VisitWork};
pub use work::LeadWork;

/// A lead as its page shows it (contact data masked unless revealed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadView {
    pub id: LeadId,
    pub lead_no: String,
    pub kind: LeadKind,
    pub name: String,
    #[schema(value_type = Option<String>, example = "female")]
    pub gender: Option<banyan_domain::ident::Gender>,
    pub birth_year: Option<i32>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// Resident ID or unified social credit code.
    pub id_number: Option<String>,
    /// Whether the contact data above is shown in full (a reveal, audited).
    pub revealed: bool,
    pub industry: Option<String>,
    pub business_scope: Option<String>,
    pub employees: Option<i32>,
    /// Minor units of CNY.
    pub income: Option<i64>,
    pub assets: Option<i64>,
    pub liabilities: Option<i64>,
    pub products_wanted: Vec<String>,
    pub expected_return_bp: Option<i32>,
    pub channel: LeadChannel,
    pub partner_id: Option<PartnerId>,
    pub partner: Option<String>,
    /// The acquisition campaign it was captured in, and its name.
    pub campaign_id: Option<banyan_domain::ids::AcqCampaignId>,
    pub campaign: Option<String>,
    pub basis: Option<LawfulBasis>,
    /// Whether the lead may be contacted (it has a lawful basis).
    pub contactable: bool,
    pub consent_on: Option<String>,
    pub consent_ref: Option<String>,
    pub credit_grade: Option<String>,
    pub credit_source: Option<String>,
    pub credit_on: Option<String>,
    pub branch_code: String,
    pub rm_id: Option<StaffId>,
    pub owner: Option<String>,
    pub stage: LeadStage,
    pub stage_since: String,
    /// Whole days at the current stage.
    pub stage_days: i64,
    pub score: Option<i32>,
    pub outcome: Option<ScreeningOutcome>,
    pub factors: Vec<FactorScore>,
    /// The pass mark and floor of the lead's kind, for reading the score.
    pub pass: u8,
    pub floor: u8,
    pub reason: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub version: i32,
    pub history: Vec<HistoryLine>,
    /// The visits planned, recorded and cancelled, by their planned time.
    pub visits: Vec<LeadVisitView>,
    /// A won lead's customer's onboarding tasks (first service, follow-ups), by due date.
    pub onboarding: Vec<crate::engagement::TaskView>,
    /// Whether every onboarding task is closed: the customer's contact plan carries on alone.
    pub handed_over: bool,
    /// A won lead's satisfaction survey, once sent (and its answer, once the customer replied).
    pub survey: Option<survey::SurveyView>,
    /// A won lead's account and products (through the book's gate) and its customer's review state.
    pub opening: Option<Opening>,
    /// The deal's team beside its owner (the relationship manager): product manager, operations.
    pub team: Vec<TeamMember>,
    /// The proposal's rounds, the contract, the application and their documents.
    pub papers: Papers,
    /// The deal's four risks rated by the policy's rules, with the responses to them.
    pub risks: risk::Risks,
}

/// One entry of a lead's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryLine {
    pub at: String,
    pub by: Option<String>,
    pub action: LeadAction,
    pub from_stage: Option<LeadStage>,
    pub to_stage: Option<LeadStage>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// What the lead forms offer: the policy's reasons and credit grades, and the catalogue's products.
#[derive(Debug, Clone)]
pub struct Choices {
    pub reject_reasons: Vec<String>,
    pub lost_reasons: Vec<String>,
    pub credit_grades: Vec<String>,
    /// Codes of the products on sale, in the catalogue's order.
    pub on_sale: Vec<String>,
    /// Every product's names by language.
    pub product_names: HashMap<String, std::collections::BTreeMap<String, String>>,
}

/// The choices of the lead forms.
pub async fn choices(app: &App) -> Result<Choices> {
    let p = &app.policy().acquisition;
    let products = banyan_store::book::all_products(&app.db.conn).await?;
    Ok(Choices {
        reject_reasons: p.reject_reasons.clone(),
        lost_reasons: p.lost_reasons.clone(),
        credit_grades: p
            .screening
            .credit_grades
            .iter()
            .map(|g| g.grade.clone())
            .collect(),
        on_sale: products
            .iter()
            .filter(|p| p.status == banyan_domain::book::ProductStatus::OnSale)
            .map(|p| p.code.clone())
            .collect(),
        product_names: products.into_iter().map(|p| (p.code, p.names.0)).collect(),
    })
}

/// The most characters a note on a lead holds.
const NOTE_MAX: usize = 1000;

pub(crate) fn note(field: &str, n: Option<String>) -> Result<Option<String>> {
    let n = n.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if n.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(AppError::field(
            field,
            "max_length",
            "must be at most 1000 characters",
        ));
    }
    Ok(n)
}

/// `lead.stage_changed` for a lead that moved from `from` to its stage now, in the caller's transaction
/// (the lead's number, stage and branch; a won lead names its customer).
pub(crate) async fn announce_stage<C: ConnectionTrait>(
    c: &C,
    r: &banyan_store::acquisition::LeadRow,
    from: banyan_domain::acquisition::LeadStage,
) -> Result<()> {
    let customer = r.customer_id.map(|c| c.uuid());
    crate::outbound::emit(
        c,
        &[crate::outbound::event(
            "lead.stage_changed",
            customer,
            serde_json::json!({"lead_id": r.id.uuid(), "lead_no": r.lead_no, "from": from.as_str(),
                "to": r.stage.as_str(), "branch_code": r.branch_code, "customer_id": customer}),
        )],
    )
    .await
}

/// The lead, when it exists and is in the caller's scope (otherwise not found, alike).
pub(crate) async fn lead_in_scope<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: LeadId,
) -> Result<LeadRow> {
    match store::find_lead(c, id).await? {
        Some(r) if grant.can_see(&r.branch_code, r.rm_id) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// The refusal to contact a lead collected without a lawful basis (PIPL art. 13).
pub(crate) fn no_lawful_basis() -> AppError {
    AppError::conflict(
        "no_lawful_basis",
        "the lead has no lawful basis for contact: record its consent or another basis first",
        serde_json::json!({}),
    )
}

/// Staff names by id (display name, else user name).
pub(crate) async fn staff_names(app: &App) -> Result<HashMap<StaffId, String>> {
    crate::access::names_by_id(app).await
}

/// Whole days from `since_us` to now.
pub(crate) fn days_since(since_us: i64) -> i64 {
    (banyan_store::now_us() - since_us).max(0) / 86_400_000_000
}

fn history_line(e: &LeadEventRow, names: &HashMap<StaffId, String>) -> HistoryLine {
    HistoryLine {
        at: crate::fmt_us(e.at_us),
        by: names.get(&e.by_id).cloned(),
        action: e.action,
        from_stage: e.from_stage,
        to_stage: e.to_stage,
        reason: e.reason.clone(),
        note: e.note.clone(),
    }
}

/// The page of a lead, read in `c` (the transaction that just changed it, or the pool).
pub(crate) async fn view_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &LeadRow,
    revealed: Option<leads::Revealed>,
) -> Result<LeadView> {
    let names = staff_names(app).await?;
    let partner = match r.partner_id {
        Some(p) => store::find_partner(c, p).await?.map(|p| p.name),
        None => None,
    };
    let campaign = match r.campaign_id {
        Some(id) => store::campaigns::find(c, id).await?.map(|x| x.name),
        None => None,
    };
    let events = store::events_of(c, r.id).await?;
    let history = events.iter().map(|e| history_line(e, &names)).collect();
    let risks = risk::risks_of(app, c, r, &events, &names).await?;
    let t = app
        .policy()
        .acquisition
        .screening
        .thresholds
        .iter()
        .find(|t| t.kind == r.kind)
        .copied();
    let papers = papers::papers_of(app, c, r, &names).await?;
    let visits = visits::visits_of(c, r, &names).await?;
    let onboarding = match r.customer_id {
        Some(cid) => crate::engagement::onboarding_of(app, c, cid.uuid()).await?,
        None => Vec::new(),
    };
    let handed_over = !onboarding.is_empty() && onboarding.iter().all(|t| t.status != "open");
    let team = team::team_of(app, c, r.id).await?;
    let survey = survey::of_lead(c, r.id, r.stage).await?;
    let opening = match r.customer_id {
        Some(cid) => Some(opening::opening_of(app, c, cid).await?),
        None => None,
    };
    let is_revealed = revealed.is_some();
    let rv = revealed.unwrap_or_default();
    Ok(LeadView {
        id: r.id,
        lead_no: r.lead_no.clone(),
        kind: r.kind,
        name: r.name.clone(),
        gender: r.gender,
        birth_year: r.birth_year,
        mobile: if is_revealed {
            rv.mobile
        } else {
            r.mobile_mask.clone()
        },
        email: if is_revealed {
            rv.email
        } else {
            r.email_mask.clone()
        },
        address: if is_revealed {
            rv.address
        } else {
            r.address_mask.clone()
        },
        id_number: if is_revealed {
            rv.id_number
        } else {
            r.id_mask.clone()
        },
        revealed: is_revealed,
        industry: r.industry.clone(),
        business_scope: r.business_scope.clone(),
        employees: r.employees,
        income: r.income,
        assets: r.assets,
        liabilities: r.liabilities,
        products_wanted: r.products_wanted.clone(),
        expected_return_bp: r.expected_return_bp,
        channel: r.channel,
        partner_id: r.partner_id,
        partner,
        campaign_id: r.campaign_id,
        campaign,
        basis: r.basis,
        contactable: r.basis.is_some(),
        consent_on: r.consent_on.clone(),
        consent_ref: r.consent_ref.clone(),
        credit_grade: r.credit_grade.clone(),
        credit_source: r.credit_source.clone(),
        credit_on: r.credit_on.clone(),
        branch_code: r.branch_code.clone(),
        rm_id: r.rm_id,
        owner: r.rm_id.and_then(|id| names.get(&id).cloned()),
        stage: r.stage,
        stage_since: crate::fmt_us(r.stage_at_us),
        stage_days: days_since(r.stage_at_us),
        score: r.score,
        outcome: r.outcome,
        factors: r.factors.clone(),
        pass: t.map_or(0, |t| t.pass),
        floor: t.map_or(0, |t| t.floor),
        reason: r.reason.clone(),
        customer_id: r.customer_id,
        note: r.note.clone(),
        created_by: names.get(&r.created_by).cloned(),
        created_at: crate::fmt_us(r.created_at_us),
        version: r.version,
        history,
        visits,
        onboarding,
        handed_over,
        survey,
        opening,
        team,
        papers,
        risks,
    })
}

pub(crate) use crate::figures::latest_figures;
