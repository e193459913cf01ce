//! The screening model (seed 002 §四): a lead is scored from its credit standing (a credit-bureau or
//! rating-agency result entered with its date and source — Banyan calls no bureau), its operating condition
//! (a company's industry; a person's income), its financial position (liabilities against assets) and how
//! well its needs match the catalogue. Each factor's points (0–100) are weighted by the policy; the score is
//! their sum, and every factor's contribution is kept so the reviewer sees why.

use super::{LeadKind, ScreeningOutcome};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `[acquisition.screening]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningPolicy {
    /// Weight of each factor; the four add up to 100.
    pub weights: Weights,
    /// Credit grades in the order pickers show them, with their points.
    pub credit_grades: Vec<Grade>,
    /// A credit result older than this counts as missing.
    pub credit_max_age_days: u32,
    /// A person's operating condition: yearly income (minor units of CNY) from which the points apply,
    /// ascending.
    pub income_points: Vec<Band>,
    /// Financial position: liabilities as a percentage of assets up to which the points apply, ascending; a
    /// higher ratio scores 0.
    pub debt_ratio_points: Vec<RatioBand>,
    /// Points of the needs factor when the lead named no product.
    pub needs_unknown_points: u8,
    /// Pass mark and floor per kind of lead.
    pub thresholds: Vec<Threshold>,
}

/// The weight of each factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub credit: u8,
    pub operating: u8,
    pub financial: u8,
    pub needs: u8,
}

/// A credit grade and its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub grade: String,
    pub points: u8,
}

/// Points from an amount upwards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub from: i64,
    pub points: u8,
}

/// Points up to a ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioBand {
    pub max_pct: u32,
    pub points: u8,
}

/// A kind's pass mark (a reviewer may accept at or above it) and floor (below it the model fails the lead).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub kind: LeadKind,
    pub pass: u8,
    pub floor: u8,
}

impl ScreeningPolicy {
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        let w = self.weights;
        let sum = u32::from(w.credit)
            + u32::from(w.operating)
            + u32::from(w.financial)
            + u32::from(w.needs);
        if sum != 100 {
            return Err(("weights".into(), format!("must add up to 100, not {sum}")));
        }
        if self.credit_grades.is_empty() {
            return Err((
                "credit_grades".into(),
                "must list at least one grade".into(),
            ));
        }
        let points = self
            .credit_grades
            .iter()
            .map(|g| g.points)
            .chain(self.income_points.iter().map(|b| b.points))
            .chain(self.debt_ratio_points.iter().map(|b| b.points))
            .chain([self.needs_unknown_points]);
        if points.into_iter().any(|p| p > 100) {
            return Err(("points".into(), "points are 0 to 100".into()));
        }
        if !self.income_points.windows(2).all(|w| w[0].from < w[1].from) {
            return Err(("income_points".into(), "must ascend by `from`".into()));
        }
        if !self
            .debt_ratio_points
            .windows(2)
            .all(|w| w[0].max_pct < w[1].max_pct)
        {
            return Err((
                "debt_ratio_points".into(),
                "must ascend by `max_pct`".into(),
            ));
        }
        for k in LeadKind::ALL {
            match self.thresholds.iter().find(|t| t.kind == *k) {
                None => {
                    return Err((
                        "thresholds".into(),
                        format!("has no pass mark for `{}` leads", k.as_str()),
                    ));
                }
                Some(t) if t.floor > t.pass || t.pass > 100 => {
                    return Err((
                        "thresholds".into(),
                        format!("`{}`: floor ≤ pass ≤ 100", k.as_str()),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Whether `grade` is one of the policy's credit grades.
    pub fn knows_grade(&self, grade: &str) -> bool {
        self.credit_grades.iter().any(|g| g.grade == grade)
    }

    fn threshold(&self, kind: LeadKind) -> Threshold {
        // `validate` requires a threshold per kind; a policy built in code without one fails every lead.
        self.thresholds
            .iter()
            .find(|t| t.kind == kind)
            .copied()
            .unwrap_or(Threshold {
                kind,
                pass: 101,
                floor: 101,
            })
    }
}

code_enum!(
    /// A factor of the model.
    Factor {
        Credit = "credit",
        Operating = "operating",
        Financial = "financial",
        Needs = "needs",
    }
);

code_enum!(
    /// What a factor's points were read from.
    Basis {
        /// The credit grade entered.
        Grade = "grade",
        /// No credit result entered.
        NoCredit = "no_credit",
        /// The credit result is older than the policy allows.
        Stale = "stale",
        /// A company's industry (outlook: the inverse of the policy's industry risk).
        Industry = "industry",
        /// A company without its industry.
        NoIndustry = "no_industry",
        Income = "income",
        NoIncome = "no_income",
        DebtRatio = "debt_ratio",
        /// No assets given, so no ratio.
        NoAssets = "no_assets",
        /// Products wanted that the catalogue has on sale.
        Matched = "matched",
        /// No product named.
        NoNeeds = "no_needs",
    }
);

/// What the model reads of a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub kind: LeadKind,
    /// The credit grade and the date of the result.
    pub credit: Option<(String, Date)>,
    /// The industry risk (0 low to 100 high) of a company's industry, from the segments policy.
    pub industry_risk: Option<u8>,
    /// Yearly income, minor units of CNY.
    pub income: Option<i64>,
    pub assets: Option<i64>,
    pub liabilities: Option<i64>,
    /// Products named, and how many of them the catalogue has on sale.
    pub wanted: u32,
    pub matched: u32,
}

/// One factor's share of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FactorScore {
    pub factor: Factor,
    pub basis: Basis,
    /// The factor's weight in the policy (the four add up to 100).
    pub weight: u8,
    /// The points the factor earned (0–100).
    pub points: u8,
    /// Its share of the score in hundredths of a point (`weight × points`).
    pub contribution: u32,
}

/// The model's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Screening {
    /// 0–100.
    pub score: u8,
    pub outcome: ScreeningOutcome,
    /// The pass mark and floor of the lead's kind.
    pub pass: u8,
    pub floor: u8,
    pub factors: Vec<FactorScore>,
}

/// The credit factor on `today`: the grade's points, or none for a missing or stale result.
pub fn credit_factor(
    p: &ScreeningPolicy,
    credit: Option<&(String, Date)>,
    today: Date,
) -> (Basis, u8) {
    match credit {
        None => (Basis::NoCredit, 0),
        Some((grade, on)) => {
            let age = (today - *on).get_days();
            if age > i32::try_from(p.credit_max_age_days).unwrap_or(i32::MAX) {
                (Basis::Stale, 0)
            } else {
                let pts = p
                    .credit_grades
                    .iter()
                    .find(|g| &g.grade == grade)
                    .map_or(0, |g| g.points);
                (Basis::Grade, pts)
            }
        }
    }
}

/// Scores a lead on `today`.
pub fn screen(p: &ScreeningPolicy, f: &Facts, today: Date) -> Screening {
    let credit = credit_factor(p, f.credit.as_ref(), today);
    let operating = match f.kind {
        LeadKind::Corporate => match f.industry_risk {
            Some(r) => (Basis::Industry, 100u8.saturating_sub(r.min(100))),
            None => (Basis::NoIndustry, 0),
        },
        LeadKind::Individual => match f.income {
            Some(i) => (
                Basis::Income,
                p.income_points
                    .iter()
                    .rev()
                    .find(|b| i >= b.from)
                    .map_or(0, |b| b.points),
            ),
            None => (Basis::NoIncome, 0),
        },
    };
    let financial = match (f.assets, f.liabilities.unwrap_or(0)) {
        (Some(a), l) if a > 0 => {
            let pct = i128::from(l.max(0)) * 100 / i128::from(a);
            let pts = p
                .debt_ratio_points
                .iter()
                .find(|b| pct <= i128::from(b.max_pct))
                .map_or(0, |b| b.points);
            (Basis::DebtRatio, pts)
        }
        _ => (Basis::NoAssets, 0),
    };
    let needs = match (f.matched.min(f.wanted) * 100).checked_div(f.wanted) {
        None => (Basis::NoNeeds, p.needs_unknown_points),
        Some(pts) => (Basis::Matched, u8::try_from(pts).unwrap_or(100)),
    };
    let w = p.weights;
    let factors: Vec<FactorScore> = [
        (Factor::Credit, w.credit, credit),
        (Factor::Operating, w.operating, operating),
        (Factor::Financial, w.financial, financial),
        (Factor::Needs, w.needs, needs),
    ]
    .into_iter()
    .map(|(factor, weight, (basis, points))| FactorScore {
        factor,
        basis,
        weight,
        points,
        contribution: u32::from(weight) * u32::from(points),
    })
    .collect();
    let total: u32 = factors.iter().map(|f| f.contribution).sum();
    // Rounded half up to whole points: 59.5 passes a pass mark of 60.
    let score = u8::try_from((total + 50) / 100).unwrap_or(100);
    let t = p.threshold(f.kind);
    let outcome = if score >= t.pass {
        ScreeningOutcome::Pass
    } else if score >= t.floor {
        ScreeningOutcome::Review
    } else {
        ScreeningOutcome::Fail
    };
    Screening {
        score,
        outcome,
        pass: t.pass,
        floor: t.floor,
        factors,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn policy() -> ScreeningPolicy {
        crate::policy::Policy::default_policy()
            .acquisition
            .screening
    }

    fn facts(kind: LeadKind) -> Facts {
        Facts {
            kind,
            credit: None,
            industry_risk: None,
            income: None,
            assets: None,
            liabilities: None,
            wanted: 0,
            matched: 0,
        }
    }

    #[test]
    fn each_factor_shows_its_share_and_the_shares_make_the_score() {
        let p = policy();
        let today = date(2026, 12, 4);
        let mut f = facts(LeadKind::Corporate);
        f.credit = Some((p.credit_grades[0].grade.clone(), date(2026, 10, 1)));
        f.industry_risk = Some(30);
        f.assets = Some(1_000_000);
        f.liabilities = Some(300_000);
        f.wanted = 2;
        f.matched = 1;
        let s = screen(&p, &f, today);
        let by = |x: Factor| s.factors.iter().find(|f| f.factor == x).unwrap().clone();
        assert_eq!(by(Factor::Credit).points, p.credit_grades[0].points);
        assert_eq!(by(Factor::Operating).points, 70);
        assert_eq!(by(Factor::Operating).basis, Basis::Industry);
        assert_eq!(by(Factor::Needs).points, 50);
        let sum: u32 = s.factors.iter().map(|f| f.contribution).sum();
        assert_eq!(u32::from(s.score), (sum + 50) / 100);
        assert_eq!(
            s.factors.iter().map(|f| u32::from(f.weight)).sum::<u32>(),
            100
        );
    }

    #[test]
    fn a_stale_or_missing_credit_result_earns_nothing() {
        let p = policy();
        let today = date(2026, 12, 4);
        let mut f = facts(LeadKind::Individual);
        f.credit = Some((p.credit_grades[0].grade.clone(), date(2024, 1, 1)));
        let s = screen(&p, &f, today);
        assert_eq!(s.factors[0].basis, Basis::Stale);
        assert_eq!(s.factors[0].points, 0);
        let s = screen(&p, &facts(LeadKind::Individual), today);
        assert_eq!(s.factors[0].basis, Basis::NoCredit);
        assert_eq!(s.outcome, ScreeningOutcome::Fail, "an empty lead fails");
    }

    #[test]
    fn a_heavily_indebted_person_scores_less_than_a_sound_one() {
        let p = policy();
        let today = date(2026, 12, 4);
        let mut sound = facts(LeadKind::Individual);
        sound.income = Some(50_000_000);
        sound.assets = Some(100_000_000);
        sound.liabilities = Some(10_000_000);
        let mut owing = sound.clone();
        owing.liabilities = Some(150_000_000);
        let a = screen(&p, &sound, today);
        let b = screen(&p, &owing, today);
        assert!(a.score > b.score, "{} vs {}", a.score, b.score);
        assert_eq!(b.factors[2].points, 0);
    }

    #[test]
    fn the_policy_refuses_weights_that_do_not_add_up() {
        let mut p = policy();
        p.weights.needs += 1;
        assert_eq!(p.validate().unwrap_err().0, "weights");
        let mut p = policy();
        p.thresholds.retain(|t| t.kind != LeadKind::Corporate);
        assert_eq!(p.validate().unwrap_err().0, "thresholds");
    }
}
