//! Segments, tiers, ratings, lifecycle stage and value: the rules of seeds 000, 001, 002 and 004 with every
//! figure taken from the policy file.
//!
//! Each rule returns an [`Assignment`]: the value and the reason, as structured checks (fact, value,
//! comparison, threshold) that the API returns as they are and the workbench renders in the user's language.
//! Evaluation is pure: the same facts and policy give the same assignments, so a batch re-evaluation only
//! writes what changed.
//!
//! `facts` holds what evaluation reads and returns (metrics, facts, checks, assignments); `rules` the
//! rules themselves, one method per dimension.

/// Every dimension the engine decides.
pub const DIMENSIONS: [&str; 10] = [
    "age_group",
    "asset_tier",
    "wealth_tier",
    "risk_appetite",
    "company_size",
    "industry_class",
    "risk_rating",
    "credit_grade",
    "lifecycle_stage",
    "value_tier",
];

mod facts;
mod rules;
#[cfg(test)]
mod tests;

pub use facts::{Assignment, Check, Facts, Metrics, Warning, money_text};
pub use rules::{Refusal, age_on, permits, rating_dimension};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// Policy model (sections of policy/default.toml)
// ---------------------------------------------------------------------------------------------

/// Individuals' age groups (seed 000): inclusive bounds in whole years on the evaluation date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeGroup {
    pub name: String,
    pub min_age: u32,
    pub max_age: u32,
}

/// An asset tier (seed 000: mass / vip / hnw): reached at `min_aum` (CNY, whole yuan) of assets under
/// management.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetTier {
    pub name: String,
    pub min_aum: i64,
}

/// A wealth tier (seed 004: standard / gold / platinum / diamond): all three thresholds must be met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WealthTier {
    pub name: String,
    /// Assets under management, CNY.
    pub min_aum: i64,
    /// Investment transactions in the last 12 months.
    pub min_investments: u32,
    /// Yearly contribution to the bank (fees and margin), CNY.
    pub min_contribution: i64,
}

/// Seed 004 §分级动态调整: upgrade as soon as a higher tier's thresholds are met; downgrade only when the
/// customer falls below `downgrade_ratio` of the current tier's thresholds (so a dip of a few percent does
/// not bounce a customer between tiers every night).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WealthPolicy {
    pub downgrade_ratio: f64,
    /// Highest first; the last tier has zero thresholds.
    pub tiers: Vec<WealthTier>,
}

/// One row of the 2011 SME standard (工信部联企业〔2011〕300号): thresholds per measure; a company is large
/// when every `sme_ceiling` measure is at or above its ceiling, medium when it meets both medium lower
/// bounds, small when it meets both small lower bounds, otherwise micro. Measures: `employees` (persons),
/// `revenue` and `assets` (CNY 10,000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeRow {
    /// Measures this row uses, one or two of `employees`, `revenue`, `assets`.
    pub measures: Vec<String>,
    pub sme_ceiling: Vec<i64>,
    pub medium: Vec<i64>,
    pub small: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanySizePolicy {
    /// Industry section letter (GB/T 4754) -> row name; sections not listed use `other`.
    pub industry_rows: BTreeMap<String, String>,
    pub rows: BTreeMap<String, SizeRow>,
    /// Name of the class for micro and small companies (seed 000 groups them).
    pub small_class: String,
}

/// Points for a factor's value: the first band whose `max` is at or above the value (a missing `max` is
/// "anything above").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[serde(default)]
    pub max: Option<f64>,
    pub points: u32,
}

/// A rating band: the first whose `max_score` is at or above the total score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingBand {
    pub rating: String,
    #[serde(default)]
    pub max_score: Option<u32>,
}

/// A scorecard: per-factor point bands, summed, then mapped to a rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scorecard {
    pub factors: BTreeMap<String, Vec<Band>>,
    pub ratings: Vec<RatingBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskRatingPolicy {
    /// Factors: `overdue_count`, `income_unstable` (0 or 1), `debt_ratio`.
    pub individual: Scorecard,
    /// Factors: `industry_risk` (points per section below), `overdue_count`, `debt_to_assets`,
    /// `current_ratio_shortfall` (1 - current ratio, floored at 0), `loss_making` (0 or 1).
    pub corporate: Scorecard,
    /// Industry section letter -> industry-risk factor value (0 to 100); sections not listed use `other`.
    pub industry_risk: BTreeMap<String, f64>,
}

/// What a rating means for the customer's business (seed 000 §六.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measures {
    /// Measure codes shown to staff, e.g. `simplified_procedures`, `extra_collateral_required`.
    pub measures: Vec<String>,
    /// Actions refused for customers with this rating, e.g. `new_high_risk_business`.
    #[serde(default)]
    pub blocked: Vec<String>,
}

/// Seed 001 lifecycle: prospect (not yet verified), new (tenure below `new_months`), at_risk (assets fell by
/// `at_risk_drop` or more over `at_risk_window_days`, or no transactions in the last 90 days while holding
/// assets), mature (tenure at least `mature_months` and at least `mature_products` products), else stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecyclePolicy {
    pub new_months: u32,
    pub mature_months: u32,
    pub mature_products: u32,
    pub at_risk_drop: f64,
    /// The trend the drop is measured over: months, as the seed speaks of (separate from the early-warning
    /// window, which looks at a sudden fall). Policies written before it existed get 180 days.
    #[serde(default = "default_at_risk_window_days")]
    pub at_risk_window_days: u32,
}

fn default_at_risk_window_days() -> u32 {
    180
}

/// A value-score component: one point per `per_point` CNY of the metric, at most `max_points`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueComponent {
    pub per_point: i64,
    pub max_points: u32,
}

/// Seed 001 value: points from deposits, loans, fee income and yield (contribution), plus the qualitative
/// points staff record (capped); tiers highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValuePolicy {
    pub deposits: ValueComponent,
    pub loans: ValueComponent,
    pub fee_income: ValueComponent,
    pub contribution: ValueComponent,
    pub max_qualitative_points: u32,
    pub tiers: Vec<ValueTier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTier {
    pub name: String,
    pub min_score: u32,
}

/// Seed 002 early warnings: each indicator that fires opens an alert for the customer's manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningPolicy {
    /// Assets down by at least this share within `aum_drop_days`.
    pub aum_drop: f64,
    pub aum_drop_days: u32,
    /// A debt ratio (debts / yearly income; corporates: liabilities / assets) above this.
    pub debt_ratio_above: f64,
    /// Days the owner has to act on an alert.
    pub due_days: u32,
}

/// One answer of a questionnaire question and its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub key: String,
    pub text: String,
    pub text_en: String,
    pub score: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub key: String,
    pub text: String,
    pub text_en: String,
    pub answers: Vec<Answer>,
}

/// Seed 004 risk appetite: a questionnaire whose summed score maps to conservative / balanced /
/// aggressive, or (five-level mode) to C1-C5 as Chinese suitability rules use; an assessment expires after
/// `expiry_months` (DOMAIN-DEFAULTS §2: one year) and must be repeated before any purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    pub expiry_months: u32,
    /// `three` or `five`.
    pub levels: String,
    pub questions: Vec<Question>,
    #[schema(value_type = Vec<Object>)]
    pub three_level: Vec<RatingBand>,
    #[schema(value_type = Vec<Object>)]
    pub five_level: Vec<RatingBand>,
}

/// A completed risk assessment as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: String,
    pub score: u32,
    pub assessed_on: Date,
    pub expires_on: Date,
}

/// A scored questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: u32,
    pub level: String,
    /// (question, answer, points).
    pub points: Vec<(String, String, u32)>,
}

impl Questionnaire {
    /// Scores a set of answers (question key -> answer key); every question must be answered with one of
    /// its answers. Returns the score, the level and each question's points.
    pub fn score(&self, answers: &BTreeMap<String, String>) -> Result<Scored, crate::FieldErrors> {
        let mut errs = crate::FieldErrors::new();
        let mut total = 0;
        let mut parts = Vec::new();
        for q in &self.questions {
            match answers.get(&q.key) {
                None => errs.push(format!("answers.{}", q.key), "required", "is required"),
                Some(a) => match q.answers.iter().find(|x| &x.key == a) {
                    Some(x) => {
                        total += x.score;
                        parts.push((q.key.clone(), a.clone(), x.score));
                    }
                    None => errs.push(
                        format!("answers.{}", q.key),
                        "one_of",
                        format!(
                            "must be one of {}",
                            q.answers
                                .iter()
                                .map(|x| x.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                },
            }
        }
        for k in answers.keys() {
            if !self.questions.iter().any(|q| &q.key == k) {
                errs.push(
                    format!("answers.{k}"),
                    "unknown_field",
                    "is not a question of the questionnaire",
                );
            }
        }
        errs.into_result()?;
        let bands = if self.levels == "five" {
            &self.five_level
        } else {
            &self.three_level
        };
        let level = bands
            .iter()
            .find(|b| b.max_score.is_none_or(|m| total <= m))
            .map(|b| b.rating.clone())
            .unwrap_or_default();
        Ok(Scored {
            score: total,
            level,
            points: parts,
        })
    }

    /// The date an assessment made on `on` expires.
    pub fn expiry(&self, on: Date) -> Date {
        on.checked_add(jiff::Span::new().months(i64::from(self.expiry_months)))
            .unwrap_or(Date::MAX)
    }
}

/// Everything the segmentation rules read from the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentPolicy {
    pub age_groups: Vec<AgeGroup>,
    pub asset_tiers: Vec<AssetTier>,
    pub wealth: WealthPolicy,
    pub company_size: CompanySizePolicy,
    pub risk_rating: RiskRatingPolicy,
    /// Rating value (`low`, `medium`, `high`, `A`..`D`) -> measures.
    pub measures: BTreeMap<String, Measures>,
    pub lifecycle: LifecyclePolicy,
    pub value: ValuePolicy,
    pub warnings: WarningPolicy,
    pub risk_questionnaire: Questionnaire,
}

impl SegmentPolicy {
    /// Every dimension the engine decides with the values this policy gives it, in the order pickers show.
    pub fn dimension_values(&self) -> Vec<(&'static str, Vec<String>)> {
        let s = self;
        let ratings = |c: &Scorecard| {
            c.ratings
                .iter()
                .map(|r| r.rating.clone())
                .collect::<Vec<_>>()
        };
        vec![
            (
                "age_group",
                s.age_groups.iter().map(|g| g.name.clone()).collect(),
            ),
            (
                "asset_tier",
                s.asset_tiers.iter().map(|t| t.name.clone()).collect(),
            ),
            (
                "wealth_tier",
                s.wealth.tiers.iter().map(|t| t.name.clone()).collect(),
            ),
            ("risk_rating", ratings(&s.risk_rating.individual)),
            ("credit_grade", ratings(&s.risk_rating.corporate)),
            (
                "company_size",
                vec![
                    s.company_size.small_class.clone(),
                    "medium".into(),
                    "large".into(),
                ],
            ),
            (
                "lifecycle_stage",
                ["prospect", "new", "stable", "mature", "at_risk"]
                    .map(String::from)
                    .to_vec(),
            ),
            (
                "value_tier",
                s.value.tiers.iter().map(|t| t.name.clone()).collect(),
            ),
        ]
    }
}

/// Segment filters from a request (`{"wealth_tier": "platinum"}`) as the store takes them; a name that is
/// not a dimension the engine decides is reported as `segments.<name>`.
pub fn segment_filter(
    segments: &BTreeMap<String, String>,
    errs: &mut crate::FieldErrors,
) -> Vec<(String, String)> {
    for d in segments.keys() {
        if !DIMENSIONS.contains(&d.as_str()) {
            errs.push(
                format!("segments.{d}"),
                "unknown_field",
                "is not a segment dimension",
            );
        }
    }
    segments
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
