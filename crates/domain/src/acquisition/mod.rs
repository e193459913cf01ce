//! Customer acquisition (seed 002, 银行拓户管理办法): leads from every channel, where each lead stands in the
//! pipeline and what may move it, and the `[acquisition]` section of the policy file. Pure rules; the
//! application keeps the leads.

pub mod campaigns;
pub mod meetings;
pub mod onboarding;
pub mod opening;
pub mod papers;
pub mod risk;
pub mod screening;
pub mod targets;
pub mod team;
pub mod visits;

use crate::FieldErrors;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Who the lead is: a person or an organisation (corporates and institutions alike).
    LeadKind {
        Individual = "individual",
        Corporate = "corporate",
    }
);

code_enum!(
    /// Where a lead came from (seed 002 §三: branch, online, partner institutions, market research).
    LeadChannel {
        /// An application form or questionnaire filled in at a branch.
        Branch = "branch",
        Website = "website",
        MobileApp = "mobile_app",
        SocialMedia = "social_media",
        /// Brought by a partner institution (the partner is named on the lead).
        Partner = "partner",
        MarketResearch = "market_research",
        CommunityEvent = "community_event",
        TradeFair = "trade_fair",
    }
);

code_enum!(
    /// What kind of institution a partner is.
    PartnerKind {
        Government = "government",
        Enterprise = "enterprise",
        PublicInstitution = "public_institution",
        Association = "association",
        ThirdParty = "third_party",
    }
);

code_enum!(
    /// The lawful basis under which a lead's personal data was collected (PIPL art. 13). A lead without one
    /// is kept but may not be contacted.
    LawfulBasis {
        /// The person agreed (a form, a questionnaire, a sign-up), recorded with its date and reference.
        Consent = "consent",
        /// Needed to enter into a contract the person asked for.
        Contract = "contract",
        /// Information the person or the organisation made public, used within a reasonable scope.
        PublicInformation = "public_information",
    }
);

code_enum!(
    /// Where a lead stands. The pipeline runs `new` → `screened` → `qualified` → `visiting` → `proposal` →
    /// `contract` → `application` → `won`; `rejected` (by the model or a reviewer) and `lost` leave it.
    LeadStage {
        New = "new",
        /// Scored by the model, waiting for a reviewer.
        Screened = "screened",
        /// Accepted by a reviewer (or a supervisor's override): worth visiting.
        Qualified = "qualified",
        Visiting = "visiting",
        Proposal = "proposal",
        Contract = "contract",
        /// Account opening applied for.
        Application = "application",
        /// Became a customer.
        Won = "won",
        Rejected = "rejected",
        Lost = "lost",
    }
);

code_enum!(
    /// What the model made of a lead.
    ScreeningOutcome {
        /// At or above the segment's pass mark: a reviewer may accept it.
        Pass = "pass",
        /// Between the floor and the pass mark: a reviewer decides.
        Review = "review",
        /// Below the floor: only a supervisor's override lets it on.
        Fail = "fail",
    }
);

code_enum!(
    /// An entry of a lead's history.
    LeadAction {
        Created = "created",
        Edited = "edited",
        Screened = "screened",
        Accepted = "accepted",
        Rejected = "rejected",
        AskedMore = "asked_more",
        Overridden = "overridden",
        Advanced = "advanced",
        Lost = "lost",
        Reopened = "reopened",
        Won = "won",
        Reassigned = "reassigned",
        /// A proposal's round (the first or a later one of the negotiation).
        Proposed = "proposed",
        /// The customer agreed to a round of the proposal.
        ProposalAgreed = "proposal_agreed",
        ContractSubmitted = "contract_submitted",
        ContractApproved = "contract_approved",
        ContractReturned = "contract_returned",
        ContractSigned = "contract_signed",
        ApplicationSubmitted = "application_submitted",
        ApplicationApproved = "application_approved",
        ApplicationReturned = "application_returned",
        /// A document attached (the signed contract, an application's document).
        FileAdded = "file_added",
        /// A visit planned (the first moves a qualified lead to `visiting`).
        VisitPlanned = "visit_planned",
        /// A visit's record and feedback (the customer's wish to go on moves it to `proposal`).
        VisitRecorded = "visit_recorded",
        VisitCancelled = "visit_cancelled",
        /// The won lead's account, as the core system opened it, recorded through the book's gate.
        AccountOpened = "account_opened",
        /// A product the new customer signed, recorded through the gate.
        ProductSigned = "product_signed",
        /// The gate refused an account or a product (the customer's risk measures block it).
        SaleRefused = "sale_refused",
        /// A product manager or an operations person named on the deal (the reason: the part).
        TeamJoined = "team_joined",
        /// Someone taken off the deal's team.
        TeamLeft = "team_left",
        /// A response to one of the deal's risks.
        RiskAnswered = "risk_answered",
        /// The satisfaction survey sent to the new customer (the policy's days after the win).
        SurveySent = "survey_sent",
        /// The customer's answer to it (the note: the score).
        Surveyed = "surveyed",
    }
);

/// What moves a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadMove {
    /// The model scores it (again).
    Screen,
    /// A reviewer accepts it.
    Accept,
    /// A reviewer rejects it, with a reason.
    Reject,
    /// A reviewer asks for more information: back to `new`.
    AskMore,
    /// A supervisor lets on a lead the model failed or a reviewer rejected, with a reason.
    Override,
    /// One step further along the pipeline.
    Advance,
    /// Lost, with a reason from the policy's list.
    Lose,
    /// A lost lead taken up again (back to `new`, to be screened afresh).
    Reopen,
    /// The lead became a customer (its draft made from the lead, after the account opening application).
    Win,
}

impl LeadStage {
    /// The stages of the pipeline's board, in order (the closed ones last).
    pub const BOARD: [LeadStage; 8] = [
        Self::New,
        Self::Screened,
        Self::Qualified,
        Self::Visiting,
        Self::Proposal,
        Self::Contract,
        Self::Application,
        Self::Won,
    ];

    /// The stage after `m`, or `None` when `m` is not allowed from here.
    pub fn apply(self, m: LeadMove) -> Option<LeadStage> {
        use LeadMove as M;
        match (self, m) {
            (Self::New | Self::Screened, M::Screen) => Some(Self::Screened),
            (Self::Screened, M::Accept) => Some(Self::Qualified),
            (Self::Screened, M::Reject) => Some(Self::Rejected),
            (Self::Screened, M::AskMore) => Some(Self::New),
            (Self::Screened | Self::Rejected, M::Override) => Some(Self::Qualified),
            (Self::Lost, M::Reopen) => Some(Self::New),
            (Self::Application, M::Win) => Some(Self::Won),
            (s, M::Advance) => s.next(),
            (s, M::Lose) if s.is_open() => Some(Self::Lost),
            _ => None,
        }
    }

    /// The move that takes a lead from this stage to `to` when its card is dropped on that column of the
    /// board: only the next column — scored (screen), accepted (a reviewer), one step along, or won (its form
    /// on the lead's page). Any other drop is no move.
    pub fn board_move(self, to: LeadStage) -> Option<LeadMove> {
        let m = match (self, to) {
            (Self::New, Self::Screened) => LeadMove::Screen,
            (Self::Screened, Self::Qualified) => LeadMove::Accept,
            (Self::Application, Self::Won) => LeadMove::Win,
            _ => LeadMove::Advance,
        };
        (self.apply(m) == Some(to)).then_some(m)
    }

    /// The column a card of this stage may be dropped on (the next one), if any.
    pub fn board_next(self) -> Option<LeadStage> {
        let i = self.rank()?;
        let next = *Self::BOARD.get(usize::from(i) + 1)?;
        self.board_move(next).map(|_| next)
    }

    /// The next stage of the pipeline after a qualified lead (`None` before qualification and at the end).
    fn next(self) -> Option<LeadStage> {
        match self {
            Self::Qualified => Some(Self::Visiting),
            Self::Visiting => Some(Self::Proposal),
            Self::Proposal => Some(Self::Contract),
            Self::Contract => Some(Self::Application),
            _ => None,
        }
    }

    /// The stage's place along the pipeline (`new` 0 … `won` 7); rejected and lost are off it.
    pub fn rank(self) -> Option<u8> {
        Self::BOARD
            .iter()
            .position(|s| *s == self)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// The furthest of two pipeline stages (`self` when `other` is off the pipeline).
    pub fn furthest(self, other: LeadStage) -> LeadStage {
        match (self.rank(), other.rank()) {
            (Some(a), Some(b)) if b > a => other,
            (None, Some(_)) => other,
            _ => self,
        }
    }

    /// Whether the lead is still being worked (not won, rejected or lost).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Won | Self::Rejected | Self::Lost)
    }
}

/// The `[acquisition]` section of the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquisitionPolicy {
    /// Why a lead was lost (the pipeline's lost-reason list).
    pub lost_reasons: Vec<String>,
    /// Why a reviewer rejects a lead.
    pub reject_reasons: Vec<String>,
    /// The screening model.
    pub screening: screening::ScreeningPolicy,
    /// The contract's legal check list and the application's documents. A policy file without it uses the
    /// shipped lists.
    #[serde(default)]
    pub papers: papers::PapersPolicy,
    /// The first service and the follow-ups after the opening. A policy file without it uses the shipped
    /// days.
    #[serde(default)]
    pub onboarding: onboarding::OnboardingPolicy,
    /// The risk rules and the watch's indicators. A policy file without it uses the shipped rules.
    #[serde(default)]
    pub risk: risk::RiskPolicy,
}

impl Default for AcquisitionPolicy {
    fn default() -> Self {
        crate::policy::Policy::default_policy().acquisition
    }
}

impl AcquisitionPolicy {
    /// Checks the section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, list) in [
            ("lost_reasons", &self.lost_reasons),
            ("reject_reasons", &self.reject_reasons),
        ] {
            if list.is_empty() {
                return Err((key.into(), "must name at least one reason".into()));
            }
            if let Some(r) = list.iter().find(|r| !is_code(r)) {
                return Err((
                    key.into(),
                    format!("`{r}` is not a code (lower-case letters, digits and _)"),
                ));
            }
        }
        self.papers
            .validate()
            .map_err(|(k, m)| (format!("papers.{k}"), m))?;
        self.onboarding
            .validate()
            .map_err(|(k, m)| (format!("onboarding.{k}"), m))?;
        self.risk
            .validate()
            .map_err(|(k, m)| (format!("risk.{k}"), m))?;
        self.screening
            .validate()
            .map_err(|(k, m)| (format!("screening.{k}"), m))
    }
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A reason picked from one of the policy's lists: `field` is named when it is missing or not on the list.
pub fn check_reason(
    errors: &mut FieldErrors,
    field: &str,
    reason: Option<&str>,
    list: &[String],
) -> Option<String> {
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        None => {
            errors.push(field, "required", "a reason is required");
            None
        }
        Some(r) if list.iter().any(|x| x == r) => Some(r.to_owned()),
        Some(_) => {
            errors.push(field, "unknown", "is not one of the policy's reasons");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_card_is_dropped_only_on_the_next_column() {
        use LeadMove as M;
        use LeadStage as S;
        assert_eq!(S::New.board_move(S::Screened), Some(M::Screen));
        assert_eq!(S::Screened.board_move(S::Qualified), Some(M::Accept));
        assert_eq!(S::Qualified.board_move(S::Visiting), Some(M::Advance));
        assert_eq!(S::Contract.board_move(S::Application), Some(M::Advance));
        assert_eq!(S::Application.board_move(S::Won), Some(M::Win));
        // Not two columns on, not back, not off the board.
        assert_eq!(S::Qualified.board_move(S::Proposal), None);
        assert_eq!(S::Proposal.board_move(S::Visiting), None);
        assert_eq!(S::New.board_move(S::Qualified), None);
        assert_eq!(S::Won.board_move(S::Won), None);
        let next: Vec<Option<S>> = S::BOARD.iter().map(|s| s.board_next()).collect();
        assert_eq!(
            next,
            vec![
                Some(S::Screened),
                Some(S::Qualified),
                Some(S::Visiting),
                Some(S::Proposal),
                Some(S::Contract),
                Some(S::Application),
                Some(S::Won),
                None
            ]
        );
    }

    #[test]
    fn a_lead_moves_only_along_the_pipeline() {
        use LeadMove as M;
        use LeadStage as S;
        assert_eq!(S::New.apply(M::Screen), Some(S::Screened));
        assert_eq!(
            S::New.apply(M::Accept),
            None,
            "unscreened leads are not accepted"
        );
        assert_eq!(S::Screened.apply(M::Accept), Some(S::Qualified));
        assert_eq!(S::Screened.apply(M::AskMore), Some(S::New));
        assert_eq!(S::Rejected.apply(M::Override), Some(S::Qualified));
        assert_eq!(S::Rejected.apply(M::Advance), None);
        assert_eq!(
            S::Screened.apply(M::Advance),
            None,
            "not before qualification"
        );
        let mut s = S::Qualified;
        for want in [S::Visiting, S::Proposal, S::Contract, S::Application] {
            s = s.apply(M::Advance).unwrap();
            assert_eq!(s, want);
        }
        assert_eq!(
            S::Application.apply(M::Advance),
            None,
            "won only as a customer"
        );
        assert_eq!(S::Application.apply(M::Win), Some(S::Won));
        assert_eq!(S::Contract.apply(M::Win), None);
        assert_eq!(S::Proposal.apply(M::Lose), Some(S::Lost));
        assert_eq!(S::Won.apply(M::Lose), None);
        assert_eq!(S::Lost.apply(M::Reopen), Some(S::New));
        assert_eq!(S::Rejected.apply(M::Reopen), None);
    }

    #[test]
    fn the_furthest_stage_reached_never_goes_back() {
        use LeadStage as S;
        assert_eq!(S::Visiting.furthest(S::Lost), S::Visiting);
        assert_eq!(S::Visiting.furthest(S::New), S::Visiting);
        assert_eq!(S::Screened.furthest(S::Qualified), S::Qualified);
        assert_eq!(S::Won.rank(), Some(7));
        assert_eq!(S::Rejected.rank(), None);
    }

    #[test]
    fn reasons_come_from_the_list() {
        let list = vec!["price".to_owned(), "no_need".to_owned()];
        let mut e = FieldErrors::new();
        assert_eq!(
            check_reason(&mut e, "reason", Some(" price "), &list),
            Some("price".into())
        );
        assert_eq!(check_reason(&mut e, "reason", Some("bored"), &list), None);
        assert_eq!(check_reason(&mut e, "reason", None, &list), None);
        let rules: Vec<_> = e.0.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["unknown", "required"]);
    }
}
