//! Acquisition risk (seed 002 §八, 风险管理): a lead's or deal's credit, market, operational and reputational
//! risk, each rated high, medium or low by the `[acquisition.risk]` rules of the policy file from what the
//! lead carries — its credit result and debt ratio, its industry or the return it expects, its lawful basis,
//! contact data and returned papers, the rejection rate of the partner who brought it. A risk rated high
//! needs a response (avoid, reduce, transfer, accept) before the contract or the application goes to review;
//! a deal whose risk is to be avoided goes no further. The watch's indicators — a new customer overdue or
//! complaining within its first days, a partner whose leads are rejected above a rate — raise warnings.

use super::LeadKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// The four risks of a deal (seed 002 §八.1).
    RiskKind {
        /// That the customer does not pay (credit result, debt ratio).
        Credit = "credit",
        /// That markets turn against the business (a company's industry, a person's expected return).
        Market = "market",
        /// That the process fails (no lawful basis, no contact data, papers returned at review).
        Operational = "operational",
        /// That the relationship harms the bank's name (a partner whose leads are often rejected).
        Reputational = "reputational",
    }
);

code_enum!(
    /// How high a risk is rated; in this order (low < medium < high).
    DealRiskLevel {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

code_enum!(
    /// The response to a risk (seed 002 §八.2: 风险规避, 风险降低, 风险转移, 风险接受).
    RiskResponse {
        /// Do not take the business: the deal goes no further.
        Avoid = "avoid",
        /// Measures that lower it (collateral, a smaller limit, more checks).
        Reduce = "reduce",
        /// Passed on (insurance, a guarantee).
        Transfer = "transfer",
        /// Taken knowingly, with the reason.
        Accept = "accept",
    }
);

code_enum!(
    /// What a risk's rating was read from.
    RiskBasis {
        /// The credit factor's points of the screening.
        CreditPoints = "credit_points",
        /// No credit result, or one older than the model allows.
        NoCredit = "no_credit",
        /// Liabilities as a share of assets.
        DebtRatio = "debt_ratio",
        /// A company's industry risk.
        Industry = "industry",
        /// The yearly return a person expects.
        ExpectedReturn = "expected_return",
        /// The lead has no lawful basis for contact.
        NoLawfulBasis = "no_lawful_basis",
        /// Neither a mobile number nor an e-mail address.
        NoContact = "no_contact",
        /// Contracts and applications returned at review.
        PapersReturned = "papers_returned",
        /// The rejection rate of the partner who brought the lead.
        PartnerRejects = "partner_rejects",
        /// Nothing the rules read raises it.
        Nothing = "nothing",
    }
);

/// A figure's cut-offs: from `medium_from` it is medium, from `high_from` high (higher is riskier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub medium_from: i64,
    pub high_from: i64,
}

impl Scale {
    fn level(self, value: i64) -> DealRiskLevel {
        if value >= self.high_from {
            DealRiskLevel::High
        } else if value >= self.medium_from {
            DealRiskLevel::Medium
        } else {
            DealRiskLevel::Low
        }
    }

    /// The cut-off the value reached (the medium one below it).
    fn threshold(self, value: i64) -> i64 {
        if value >= self.high_from {
            self.high_from
        } else {
            self.medium_from
        }
    }
}

/// The credit factor's cut-offs: below `medium_below` points it is medium, below `high_below` high (fewer
/// points are riskier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditScale {
    pub high_below: u8,
    pub medium_below: u8,
    /// The rating when there is no credit result (or it is stale).
    pub missing: DealRiskLevel,
}

/// The watch's indicators (seed 002 §八.3, 风险监测).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchPolicy {
    /// A customer won within this many days is new.
    pub new_customer_days: u16,
    /// A new customer with at least this many overdue instalments raises a warning.
    pub overdue_from: u16,
    /// A new customer with at least this many complaints since the win raises a warning.
    pub complaints_from: u16,
    /// A partner's leads decided in this many days are counted.
    pub partner_window_days: u16,
    /// A partner with fewer decided leads is not judged.
    pub partner_min_leads: u16,
    /// A partner whose leads are rejected at or above this percentage raises a warning.
    pub partner_reject_pct: u8,
    /// A warning is due this many days after it is raised.
    pub due_days: u16,
}

/// `[acquisition.risk]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskPolicy {
    pub credit: CreditScale,
    /// Liabilities as a percentage of assets.
    pub debt_ratio_pct: Scale,
    /// A company's industry risk (0–100, `segments.risk_rating.industry_risk`).
    pub industry_risk: Scale,
    /// A person's expected yearly return, basis points.
    pub expected_return_bp: Scale,
    /// Contracts and applications returned at review.
    pub papers_returned: Scale,
    /// The percentage of the partner's decided leads rejected (the partner's figure is read once it has the
    /// watch's `partner_min_leads`).
    pub partner_reject_pct: Scale,
    pub watch: WatchPolicy,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        crate::policy::Policy::default_policy().acquisition.risk
    }
}

impl RiskPolicy {
    /// Checks the section; the error names the key.
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        if self.credit.high_below > self.credit.medium_below || self.credit.medium_below > 100 {
            return Err((
                "credit".into(),
                "high_below ≤ medium_below ≤ 100 points".into(),
            ));
        }
        for (key, s) in [
            ("debt_ratio_pct", self.debt_ratio_pct),
            ("industry_risk", self.industry_risk),
            ("expected_return_bp", self.expected_return_bp),
            ("papers_returned", self.papers_returned),
            ("partner_reject_pct", self.partner_reject_pct),
        ] {
            if s.medium_from > s.high_from || s.medium_from < 0 {
                return Err((key.into(), "0 ≤ medium_from ≤ high_from".into()));
            }
        }
        let w = self.watch;
        if w.new_customer_days == 0 || w.partner_window_days == 0 || w.due_days == 0 {
            return Err((
                "watch".into(),
                "new_customer_days, partner_window_days and due_days are at least 1".into(),
            ));
        }
        if w.partner_reject_pct > 100 || w.partner_min_leads == 0 {
            return Err((
                "watch".into(),
                "partner_reject_pct is at most 100, partner_min_leads at least 1".into(),
            ));
        }
        if w.overdue_from == 0 || w.complaints_from == 0 {
            return Err((
                "watch".into(),
                "overdue_from and complaints_from are at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// What the rules read of a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFacts {
    pub kind: LeadKind,
    /// The credit factor's points (0–100); `None`: no credit result, or a stale one.
    pub credit_points: Option<u8>,
    /// Liabilities as a percentage of assets.
    pub debt_ratio_pct: Option<i64>,
    /// A company's industry risk (0–100).
    pub industry_risk: Option<u8>,
    pub expected_return_bp: Option<i32>,
    pub lawful_basis: bool,
    pub has_contact: bool,
    pub papers_returned: u32,
    /// The partner's rejection rate, once it has enough decided leads.
    pub partner_reject_pct: Option<i64>,
}

/// One risk as rated, with the figure and the cut-off that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rating {
    pub kind: RiskKind,
    pub level: DealRiskLevel,
    pub basis: RiskBasis,
    /// The figure read (points, percent, basis points or a count, as the basis says).
    pub figure: Option<i64>,
    /// The cut-off it reached (or, for credit points, fell below).
    pub threshold: Option<i64>,
}

impl Rating {
    fn of(kind: RiskKind, basis: RiskBasis, level: DealRiskLevel) -> Self {
        Self {
            kind,
            level,
            basis,
            figure: None,
            threshold: None,
        }
    }

    fn scaled(kind: RiskKind, basis: RiskBasis, s: Scale, value: i64) -> Self {
        let level = s.level(value);
        Self {
            kind,
            level,
            basis,
            figure: Some(value),
            threshold: (level > DealRiskLevel::Low).then(|| s.threshold(value)),
        }
    }
}

/// The worst of the ratings (the first of equals).
fn worst(kind: RiskKind, ratings: impl IntoIterator<Item = Rating>) -> Rating {
    ratings
        .into_iter()
        .fold(None::<Rating>, |w, r| match w {
            Some(w) if w.level >= r.level => Some(w),
            _ => Some(r),
        })
        .unwrap_or(Rating::of(kind, RiskBasis::Nothing, DealRiskLevel::Low))
}

/// Rates the four risks of a lead, in [`RiskKind`] order.
pub fn rate(p: &RiskPolicy, f: &RiskFacts) -> Vec<Rating> {
    use RiskBasis as B;
    use RiskKind as K;
    let credit_points = match f.credit_points {
        None => Rating::of(K::Credit, B::NoCredit, p.credit.missing),
        Some(pts) => {
            let (level, threshold) = if pts < p.credit.high_below {
                (DealRiskLevel::High, Some(p.credit.high_below))
            } else if pts < p.credit.medium_below {
                (DealRiskLevel::Medium, Some(p.credit.medium_below))
            } else {
                (DealRiskLevel::Low, None)
            };
            Rating {
                kind: K::Credit,
                level,
                basis: B::CreditPoints,
                figure: Some(i64::from(pts)),
                threshold: threshold.map(i64::from),
            }
        }
    };
    let debt = f
        .debt_ratio_pct
        .map(|d| Rating::scaled(K::Credit, B::DebtRatio, p.debt_ratio_pct, d));
    let credit = worst(K::Credit, [Some(credit_points), debt].into_iter().flatten());
    let market = match f.kind {
        LeadKind::Corporate => f
            .industry_risk
            .map(|i| Rating::scaled(K::Market, B::Industry, p.industry_risk, i64::from(i))),
        LeadKind::Individual => f.expected_return_bp.map(|r| {
            Rating::scaled(
                K::Market,
                B::ExpectedReturn,
                p.expected_return_bp,
                i64::from(r),
            )
        }),
    };
    let market = worst(K::Market, market);
    let operational = worst(
        K::Operational,
        [
            (!f.lawful_basis)
                .then(|| Rating::of(K::Operational, B::NoLawfulBasis, DealRiskLevel::High)),
            (!f.has_contact)
                .then(|| Rating::of(K::Operational, B::NoContact, DealRiskLevel::Medium)),
            Some(Rating::scaled(
                K::Operational,
                B::PapersReturned,
                p.papers_returned,
                i64::from(f.papers_returned),
            ))
            .filter(|r| r.level > DealRiskLevel::Low),
        ]
        .into_iter()
        .flatten(),
    );
    let reputational = worst(
        K::Reputational,
        f.partner_reject_pct
            .map(|r| Rating::scaled(K::Reputational, B::PartnerRejects, p.partner_reject_pct, r)),
    );
    vec![credit, market, operational, reputational]
}

/// Why a deal may not go to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateRefusal {
    /// A risk rated high has no response yet.
    Unanswered(RiskKind),
    /// The response to a risk is to avoid it: the deal goes no further.
    Avoided(RiskKind),
}

impl GateRefusal {
    /// The refusal's code (`risk_unanswered`, `risk_avoided`) and the risk it names.
    pub fn code(self) -> (&'static str, RiskKind) {
        match self {
            Self::Unanswered(k) => ("risk_unanswered", k),
            Self::Avoided(k) => ("risk_avoided", k),
        }
    }
}

/// Whether the contract or the application may go to review: every risk rated high has a response, and no
/// response (to any risk) is to avoid it. `responses` holds each kind's latest response.
pub fn gate(ratings: &[Rating], responses: &[(RiskKind, RiskResponse)]) -> Result<(), GateRefusal> {
    let response = |k| responses.iter().find(|(kind, _)| *kind == k).map(|r| r.1);
    if let Some((k, _)) = responses.iter().find(|(_, r)| *r == RiskResponse::Avoid) {
        return Err(GateRefusal::Avoided(*k));
    }
    match ratings
        .iter()
        .find(|r| r.level == DealRiskLevel::High && response(r.kind).is_none())
    {
        Some(r) => Err(GateRefusal::Unanswered(r.kind)),
        None => Ok(()),
    }
}

/// A partner's leads decided in the watch's window: how many were rejected of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerRecord {
    pub decided: i64,
    pub rejected: i64,
}

impl PartnerRecord {
    /// The rejection rate in whole percent, once the partner has enough decided leads to judge.
    pub fn reject_pct(self, w: &WatchPolicy) -> Option<i64> {
        (self.decided >= i64::from(w.partner_min_leads) && self.decided > 0)
            .then(|| self.rejected * 100 / self.decided)
    }

    /// Whether the watch warns about the partner.
    pub fn warns(self, w: &WatchPolicy) -> bool {
        self.reject_pct(w)
            .is_some_and(|p| p >= i64::from(w.partner_reject_pct))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RiskFacts {
        RiskFacts {
            kind: LeadKind::Individual,
            credit_points: Some(90),
            debt_ratio_pct: Some(20),
            industry_risk: None,
            expected_return_bp: Some(300),
            lawful_basis: true,
            has_contact: true,
            papers_returned: 0,
            partner_reject_pct: None,
        }
    }

    fn level(r: &[Rating], k: RiskKind) -> (DealRiskLevel, RiskBasis) {
        let x = r.iter().find(|x| x.kind == k).expect("every kind is rated");
        (x.level, x.basis)
    }

    #[test]
    fn a_clean_lead_is_low_on_every_risk() {
        let r = rate(&RiskPolicy::default(), &facts());
        assert_eq!(r.len(), 4);
        assert!(r.iter().all(|x| x.level == DealRiskLevel::Low), "{r:?}");
    }

    #[test]
    fn each_rule_raises_its_own_risk_and_names_why() {
        let p = RiskPolicy::default();
        let mut f = facts();
        f.credit_points = Some(p.credit.high_below - 1);
        f.expected_return_bp = Some(i32::try_from(p.expected_return_bp.high_from).unwrap_or(0));
        f.lawful_basis = false;
        f.partner_reject_pct = Some(p.partner_reject_pct.medium_from);
        let r = rate(&p, &f);
        assert_eq!(
            level(&r, RiskKind::Credit),
            (DealRiskLevel::High, RiskBasis::CreditPoints)
        );
        assert_eq!(
            level(&r, RiskKind::Market),
            (DealRiskLevel::High, RiskBasis::ExpectedReturn)
        );
        assert_eq!(
            level(&r, RiskKind::Operational),
            (DealRiskLevel::High, RiskBasis::NoLawfulBasis)
        );
        assert_eq!(
            level(&r, RiskKind::Reputational),
            (DealRiskLevel::Medium, RiskBasis::PartnerRejects)
        );
        let credit = r[0];
        assert_eq!(credit.figure, Some(i64::from(p.credit.high_below - 1)));
        assert_eq!(credit.threshold, Some(i64::from(p.credit.high_below)));
    }

    #[test]
    fn the_worse_of_two_figures_decides_and_a_company_reads_its_industry() {
        let p = RiskPolicy::default();
        let mut f = facts();
        f.debt_ratio_pct = Some(p.debt_ratio_pct.high_from);
        f.kind = LeadKind::Corporate;
        f.industry_risk = Some(u8::try_from(p.industry_risk.medium_from).unwrap_or(0));
        f.credit_points = None;
        let r = rate(&p, &f);
        assert_eq!(
            level(&r, RiskKind::Credit),
            (DealRiskLevel::High, RiskBasis::DebtRatio)
        );
        assert_eq!(
            level(&r, RiskKind::Market),
            (DealRiskLevel::Medium, RiskBasis::Industry)
        );
        f.has_contact = false;
        f.papers_returned = 5;
        let r = rate(&p, &f);
        assert_eq!(
            level(&r, RiskKind::Operational),
            (DealRiskLevel::High, RiskBasis::PapersReturned)
        );
    }

    #[test]
    fn a_high_risk_needs_a_response_and_an_avoided_one_stops_the_deal() {
        let p = RiskPolicy::default();
        let mut f = facts();
        f.lawful_basis = false;
        let r = rate(&p, &f);
        assert_eq!(
            gate(&r, &[]),
            Err(GateRefusal::Unanswered(RiskKind::Operational))
        );
        let answered = [(RiskKind::Operational, RiskResponse::Reduce)];
        assert_eq!(gate(&r, &answered), Ok(()));
        let avoided = [(RiskKind::Market, RiskResponse::Avoid)];
        assert_eq!(
            gate(&r, &avoided),
            Err(GateRefusal::Avoided(RiskKind::Market))
        );
    }

    #[test]
    fn a_partner_is_judged_only_with_enough_leads() {
        let w = RiskPolicy::default().watch;
        let few = PartnerRecord {
            decided: i64::from(w.partner_min_leads) - 1,
            rejected: i64::from(w.partner_min_leads) - 1,
        };
        assert_eq!(few.reject_pct(&w), None);
        assert!(!few.warns(&w));
        let bad = PartnerRecord {
            decided: 10,
            rejected: 10,
        };
        assert!(bad.warns(&w));
        let good = PartnerRecord {
            decided: 10,
            rejected: 1,
        };
        assert_eq!(good.reject_pct(&w), Some(10));
        assert!(!good.warns(&w));
    }

    #[test]
    fn the_shipped_section_is_valid_and_a_bad_one_names_its_key() {
        let mut p = RiskPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        p.industry_risk.medium_from = p.industry_risk.high_from + 1;
        assert_eq!(p.validate().map_err(|e| e.0), Err("industry_risk".into()));
    }
}
