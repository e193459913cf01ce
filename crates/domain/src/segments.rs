//! Segments, tiers, ratings, lifecycle stage and value: the rules of seeds 000, 001, 002 and 004 with every
//! figure taken from the policy file.
//!
//! Each rule returns an [`Assignment`]: the value and the reason, as structured checks (fact, value,
//! comparison, threshold) that the API returns as they are and the workbench renders in the user's language.
//! Evaluation is pure: the same facts and policy give the same assignments, so a batch re-evaluation only
//! writes what changed.

use crate::customer::CustomerKind;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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
/// `at_risk_drop` or more since the comparison metrics, or no transactions in the last 90 days while holding
/// assets), mature (tenure at least `mature_months` and at least `mature_products` products), else stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecyclePolicy {
    pub new_months: u32,
    pub mature_months: u32,
    pub mature_products: u32,
    pub at_risk_drop: f64,
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

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// A customer's metrics on one business date (from the core systems, daily or monthly). Money is in
/// minor units (fen); counts are whole numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Business date the figures are for (`YYYY-MM-DD`).
    #[schema(value_type = String, example = "2026-11-22")]
    pub as_of: Date,
    /// Assets under management by class (`deposits`, `wealth_products`, `funds`, `insurance`, ...), minor
    /// units. Their sum is the AUM the tiers use.
    #[serde(default)]
    pub assets: BTreeMap<String, i64>,
    #[serde(default)]
    pub avg_deposits: i64,
    #[serde(default)]
    pub loans: i64,
    /// Fee income of the last 12 months.
    #[serde(default)]
    pub fee_income: i64,
    /// Yearly contribution to the bank (fees plus margin).
    #[serde(default)]
    pub contribution: i64,
    /// Investment transactions in the last 12 months.
    #[serde(default)]
    pub investment_count: u32,
    /// Transactions of any kind in the last 90 days.
    #[serde(default)]
    pub transactions_90d: u32,
    #[serde(default)]
    pub product_count: u32,
    /// Overdue instalments in the last 24 months.
    #[serde(default)]
    pub overdue_count: u32,
    /// Yearly income (individuals).
    #[serde(default)]
    pub income: i64,
    /// Income not stable (no regular salary or business income in the last 12 months).
    #[serde(default)]
    pub income_unstable: bool,
    /// Outstanding debts (individuals).
    #[serde(default)]
    pub debts: i64,
    /// Qualitative points staff recorded (relationship, strategic value); capped by the policy.
    #[serde(default)]
    pub qualitative_points: u32,
    /// Corporates: financial statements (minor units).
    #[serde(default)]
    pub total_assets: Option<i64>,
    #[serde(default)]
    pub total_liabilities: Option<i64>,
    #[serde(default)]
    pub current_assets: Option<i64>,
    #[serde(default)]
    pub current_liabilities: Option<i64>,
    #[serde(default)]
    pub revenue: Option<i64>,
    #[serde(default)]
    pub net_profit: Option<i64>,
    #[serde(default)]
    pub employees: Option<u32>,
}

impl Metrics {
    /// Assets under management: the sum of the classes.
    pub fn aum(&self) -> i64 {
        self.assets.values().fold(0i64, |a, v| a.saturating_add(*v))
    }

    /// Checks the figures a file or request sent; errors name the field.
    pub fn check(&self, errs: &mut crate::FieldErrors, at: &str) {
        let p = |f: &str| {
            if at.is_empty() {
                f.to_owned()
            } else {
                format!("{at}.{f}")
            }
        };
        for (class, v) in &self.assets {
            if *v < 0 {
                errs.push(p(&format!("assets.{class}")), "min", "must not be negative");
            }
            if class.is_empty() || !class.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                errs.push(
                    p("assets"),
                    "format",
                    "asset classes are lower-case words with `_`",
                );
            }
        }
        for (f, v) in [
            ("avg_deposits", self.avg_deposits),
            ("loans", self.loans),
            ("fee_income", self.fee_income),
            ("income", self.income),
            ("debts", self.debts),
        ] {
            if v < 0 {
                errs.push(p(f), "min", "must not be negative");
            }
        }
        for (f, v) in [
            ("total_assets", self.total_assets),
            ("total_liabilities", self.total_liabilities),
            ("current_assets", self.current_assets),
            ("current_liabilities", self.current_liabilities),
            ("revenue", self.revenue),
        ] {
            if v.is_some_and(|v| v < 0) {
                errs.push(p(f), "min", "must not be negative");
            }
        }
        if self.qualitative_points > 100 {
            errs.push(p("qualitative_points"), "max", "must be at most 100");
        }
    }
}

/// What the rules know about one customer.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub kind: CustomerKind,
    /// `verified` customers are clients; others are prospects.
    pub verified: bool,
    pub birth_date: Option<Date>,
    /// GB/T 4754 section letter.
    pub industry: Option<char>,
    /// Registry figures for corporates (metrics override them when present).
    pub employees: Option<u32>,
    pub revenue: Option<i64>,
    pub total_assets: Option<i64>,
    /// When the customer became a client (verification date), for tenure.
    pub client_since: Option<Date>,
    pub metrics: Option<&'a Metrics>,
    /// Earlier metrics to compare with (about `warnings.aum_drop_days` before), for trends.
    pub earlier: Option<&'a Metrics>,
    /// The latest risk assessment (individuals).
    pub assessment: Option<&'a Assessment>,
    /// Current assignments by dimension (for hysteresis).
    pub current: &'a BTreeMap<String, String>,
    pub today: Date,
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

/// One comparison behind a decision, e.g. `aum 3,200,000.00 >= 2,000,000.00`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Check {
    /// The fact: `age`, `aum`, `contribution`, `investment_count`, `employees`, `score`, ...
    pub fact: String,
    /// `money` (minor units), `count`, `years`, `ratio`, `points`, `months`, `cny10k`.
    pub unit: String,
    pub value: f64,
    /// `>=`, `<`, `<=`, `>`, `=`.
    pub op: String,
    pub threshold: f64,
}

/// A value and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    /// `age_group`, `asset_tier`, `wealth_tier`, `company_size`, `industry_class`, `risk_rating`,
    /// `credit_grade`, `lifecycle_stage`, `value_tier`.
    pub dimension: String,
    pub value: String,
    /// The reason in words and numbers (English; the workbench renders `checks` in the user's language).
    pub reason: String,
    pub checks: Vec<Check>,
}

/// An early-warning indicator that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    /// `aum_drop`, `new_overdue`, `debt_ratio`.
    pub indicator: String,
    pub reason: String,
    pub checks: Vec<Check>,
}

fn check(fact: &str, unit: &str, value: f64, op: &str, threshold: f64) -> Check {
    Check {
        fact: fact.into(),
        unit: unit.into(),
        value,
        op: op.into(),
        threshold,
    }
}

/// Formats minor units as `3,200,000.00`.
pub fn money_text(minor: f64) -> String {
    crate::money::grouped(minor.round() as i64)
}

impl Check {
    /// `aum 3,200,000.00 CNY >= 2,000,000.00`.
    pub fn text(&self) -> String {
        let (v, t) = match self.unit.as_str() {
            "money" => (
                format!("{} CNY", money_text(self.value)),
                money_text(self.threshold),
            ),
            "ratio" => (
                format!("{:.2}", self.value),
                format!("{:.2}", self.threshold),
            ),
            _ => (
                format!("{}", self.value.round() as i64),
                format!("{}", self.threshold.round() as i64),
            ),
        };
        format!("{} {v} {} {t}", self.fact, self.op)
    }
}

fn assignment(dimension: &str, value: &str, checks: Vec<Check>) -> Assignment {
    let reason = if checks.is_empty() {
        value.to_owned()
    } else {
        format!(
            "{value}: {}",
            checks
                .iter()
                .map(Check::text)
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    Assignment {
        dimension: dimension.into(),
        value: value.into(),
        reason,
        checks,
    }
}

const YUAN: i64 = 100;

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

/// Whole years between `birth` and `today` (the birthday itself counts).
pub fn age_on(birth: Date, today: Date) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

impl SegmentPolicy {
    /// Every assignment for one customer.
    pub fn evaluate(&self, f: &Facts<'_>) -> Vec<Assignment> {
        let mut out = Vec::new();
        match f.kind {
            CustomerKind::Individual => {
                out.extend(self.age_group(f));
                if let Some(a) = f.assessment {
                    out.push(Self::risk_appetite(a, f.today));
                }
                if let Some(m) = f.metrics {
                    out.push(self.asset_tier(m));
                    out.push(self.wealth_tier(m, f.current.get("wealth_tier")));
                    out.push(self.individual_rating(m));
                }
            }
            CustomerKind::Corporate | CustomerKind::Institution => {
                if let Some(ind) = f.industry {
                    out.push(
                        assignment("industry_class", &ind.to_string(), Vec::new())
                            .with_reason(&format!("{ind}: GB/T 4754 section {ind}")),
                    );
                }
                out.extend(self.company_size(f));
                if let Some(m) = f.metrics {
                    out.push(self.corporate_grade(f, m));
                }
            }
        }
        out.push(self.lifecycle(f));
        if let Some(m) = f.metrics {
            out.push(self.value_tier(m));
        }
        out
    }

    fn risk_appetite(a: &Assessment, today: Date) -> Assignment {
        if today >= a.expires_on {
            return assignment("risk_appetite", "expired", Vec::new()).with_reason(&format!(
                "expired: the assessment of {} ({}, score {}) expired on {}; re-assess before any purchase",
                a.assessed_on, a.level, a.score, a.expires_on
            ));
        }
        assignment("risk_appetite", &a.level, Vec::new()).with_reason(&format!(
            "{}: questionnaire score {} on {}, valid until {}",
            a.level, a.score, a.assessed_on, a.expires_on
        ))
    }

    fn age_group(&self, f: &Facts<'_>) -> Option<Assignment> {
        let age = age_on(f.birth_date?, f.today);
        let g = self
            .age_groups
            .iter()
            .find(|g| (g.min_age..=g.max_age).contains(&age))?;
        Some(assignment(
            "age_group",
            &g.name,
            vec![
                check("age", "years", age.into(), ">=", g.min_age.into()),
                check("age", "years", age.into(), "<=", g.max_age.into()),
            ],
        ))
    }

    fn asset_tier(&self, m: &Metrics) -> Assignment {
        let aum = m.aum();
        // Validation guarantees a last tier at zero, so some tier always matches.
        let t = self
            .asset_tiers
            .iter()
            .find(|t| aum >= t.min_aum * YUAN)
            .or(self.asset_tiers.last());
        match t {
            Some(t) => {
                let mut checks = vec![check(
                    "aum",
                    "money",
                    aum as f64,
                    ">=",
                    (t.min_aum * YUAN) as f64,
                )];
                if let Some(up) = self
                    .asset_tiers
                    .iter()
                    .rev()
                    .find(|u| u.min_aum > t.min_aum)
                {
                    checks.push(check(
                        "aum",
                        "money",
                        aum as f64,
                        "<",
                        (up.min_aum * YUAN) as f64,
                    ));
                }
                assignment("asset_tier", &t.name, checks)
            }
            None => assignment("asset_tier", "", Vec::new()),
        }
    }

    fn wealth_checks(t: &WealthTier, m: &Metrics, ratio: f64) -> (bool, Vec<Check>) {
        let aum_min = (t.min_aum * YUAN) as f64 * ratio;
        let contrib_min = (t.min_contribution * YUAN) as f64 * ratio;
        let inv_min = (f64::from(t.min_investments) * ratio).floor();
        let checks = vec![
            check("aum", "money", m.aum() as f64, ">=", aum_min),
            check(
                "investment_count",
                "count",
                m.investment_count.into(),
                ">=",
                inv_min,
            ),
            check(
                "contribution",
                "money",
                m.contribution as f64,
                ">=",
                contrib_min,
            ),
        ];
        let ok = m.aum() as f64 >= aum_min
            && f64::from(m.investment_count) >= inv_min
            && m.contribution as f64 >= contrib_min;
        (ok, checks)
    }

    fn wealth_tier(&self, m: &Metrics, current: Option<&String>) -> Assignment {
        let tiers = &self.wealth.tiers;
        let qualified = tiers
            .iter()
            .position(|t| Self::wealth_checks(t, m, 1.0).0)
            .unwrap_or(tiers.len().saturating_sub(1));
        // Hysteresis: a customer above the qualified tier keeps it while within the downgrade margin.
        if let Some(cur) = current.and_then(|c| tiers.iter().position(|t| &t.name == c))
            && cur < qualified
        {
            let (keep, checks) = Self::wealth_checks(&tiers[cur], m, self.wealth.downgrade_ratio);
            if keep {
                let mut a = assignment("wealth_tier", &tiers[cur].name, checks);
                a.reason = format!(
                    "{} kept (within the downgrade margin {:.0}%): {}",
                    tiers[cur].name,
                    self.wealth.downgrade_ratio * 100.0,
                    a.reason
                        .split_once(": ")
                        .map(|(_, r)| r)
                        .unwrap_or_default()
                );
                return a;
            }
        }
        match tiers.get(qualified) {
            Some(t) => {
                let (_, checks) = Self::wealth_checks(t, m, 1.0);
                let checks = checks.into_iter().filter(|c| c.threshold > 0.0).collect();
                assignment("wealth_tier", &t.name, checks)
            }
            None => assignment("wealth_tier", "", Vec::new()),
        }
    }

    /// The 2011 SME standard for the customer's industry. `None` without the figures the row needs.
    fn company_size(&self, f: &Facts<'_>) -> Option<Assignment> {
        let cs = &self.company_size;
        let row_name = f
            .industry
            .and_then(|i| cs.industry_rows.get(&i.to_string()))
            .map(String::as_str)
            .unwrap_or("other");
        let row = cs.rows.get(row_name)?;
        let m = f.metrics;
        let employees = m.and_then(|m| m.employees).or(f.employees);
        let revenue = m.and_then(|m| m.revenue).or(f.revenue);
        let assets = m.and_then(|m| m.total_assets).or(f.total_assets);
        // Revenue and assets are compared in CNY 10,000 (万元), as the standard states them.
        let to_wan = |minor: i64| minor as f64 / 1_000_000.0;
        let mut values = Vec::new();
        for measure in &row.measures {
            let v = match measure.as_str() {
                "employees" => f64::from(employees?),
                "revenue" => to_wan(revenue?),
                "assets" => to_wan(assets?),
                _ => return None,
            };
            values.push((measure.as_str(), v));
        }
        let unit = |m: &str| if m == "employees" { "count" } else { "cny10k" };
        let all_at_least =
            |bounds: &[i64]| values.iter().zip(bounds).all(|((_, v), b)| *v >= *b as f64);
        let checks_for = |bounds: &[i64], op: &str| {
            values
                .iter()
                .zip(bounds)
                .map(|((m, v), b)| check(m, unit(m), *v, op, *b as f64))
                .collect::<Vec<_>>()
        };
        let (class, checks) = if all_at_least(&row.sme_ceiling) {
            ("large", checks_for(&row.sme_ceiling, ">="))
        } else if all_at_least(&row.medium) {
            ("medium", checks_for(&row.medium, ">="))
        } else {
            // Micro and small are one class for service purposes (seed 000: 小微企业).
            let small = all_at_least(&row.small);
            let mut c = checks_for(&row.medium, "<");
            c.retain(|c| c.value < c.threshold);
            (if small { "small" } else { "micro" }, c)
        };
        let value = match class {
            "small" | "micro" => cs.small_class.as_str(),
            other => other,
        };
        let mut a = assignment("company_size", value, checks);
        a.reason = format!("{} ({row_name}, {class})", a.reason);
        Some(a)
    }

    fn points(bands: &[Band], v: f64) -> u32 {
        bands
            .iter()
            .find(|b| b.max.is_none_or(|m| v <= m))
            .map(|b| b.points)
            .unwrap_or(0)
    }

    /// Sums the factors of a scorecard and maps the score to a rating.
    fn score(card: &Scorecard, dimension: &str, values: &[(&str, f64)]) -> Assignment {
        let mut total = 0u32;
        let mut parts = Vec::new();
        for (f, v) in values {
            let pts = card
                .factors
                .get(*f)
                .map(|b| Self::points(b, *v))
                .unwrap_or(0);
            total += pts;
            parts.push(format!("{f} {} = {pts} points", fmt_num(*v)));
        }
        let band = card
            .ratings
            .iter()
            .find(|r| r.max_score.is_none_or(|m| total <= m));
        let rating = band.map(|b| b.rating.as_str()).unwrap_or("");
        let mut checks = vec![];
        if let Some(m) = band.and_then(|b| b.max_score) {
            checks.push(check("score", "points", total.into(), "<=", m.into()));
        }
        let prev = card
            .ratings
            .iter()
            .take_while(|r| r.rating != rating)
            .filter_map(|r| r.max_score)
            .last();
        if let Some(p) = prev {
            checks.push(check("score", "points", total.into(), ">", p.into()));
        }
        let mut a = assignment(dimension, rating, checks);
        a.reason = format!("{rating}: score {total} ({})", parts.join(", "));
        a
    }

    fn individual_rating(&self, m: &Metrics) -> Assignment {
        let debt_ratio = if m.income > 0 {
            m.debts as f64 / m.income as f64
        } else if m.debts > 0 {
            f64::INFINITY
        } else {
            0.0
        };
        Self::score(
            &self.risk_rating.individual,
            "risk_rating",
            &[
                ("overdue_count", m.overdue_count.into()),
                ("income_unstable", if m.income_unstable { 1.0 } else { 0.0 }),
                ("debt_ratio", debt_ratio),
            ],
        )
    }

    fn corporate_grade(&self, f: &Facts<'_>, m: &Metrics) -> Assignment {
        let rr = &self.risk_rating;
        let industry_risk = f
            .industry
            .and_then(|i| rr.industry_risk.get(&i.to_string()))
            .or(rr.industry_risk.get("other"))
            .copied()
            .unwrap_or(0.0);
        let ratio = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) if b > 0 => a as f64 / b as f64,
            _ => 0.0,
        };
        let debt_to_assets = ratio(m.total_liabilities, m.total_assets.or(f.total_assets));
        let current = match (m.current_assets, m.current_liabilities) {
            (Some(a), Some(l)) if l > 0 => a as f64 / l as f64,
            _ => 1.0,
        };
        let loss = m.net_profit.is_some_and(|p| p < 0);
        Self::score(
            &rr.corporate,
            "credit_grade",
            &[
                ("industry_risk", industry_risk),
                ("overdue_count", m.overdue_count.into()),
                ("debt_to_assets", debt_to_assets),
                ("current_ratio_shortfall", (1.0 - current).max(0.0)),
                ("loss_making", if loss { 1.0 } else { 0.0 }),
            ],
        )
    }

    fn months_between(a: Date, b: Date) -> i64 {
        let m = i64::from(b.year() - a.year()) * 12 + i64::from(b.month() - a.month());
        if b.day() < a.day() { m - 1 } else { m }
    }

    fn lifecycle(&self, f: &Facts<'_>) -> Assignment {
        let lp = &self.lifecycle;
        let since = match (f.verified, f.client_since) {
            (true, Some(d)) => d,
            _ => {
                return assignment(
                    "lifecycle_stage",
                    "prospect",
                    vec![check("verified", "count", 0.0, "=", 0.0)],
                )
                .with_reason("prospect: not yet a verified client");
            }
        };
        let tenure = Self::months_between(since, f.today).max(0) as f64;
        if let (Some(m), Some(e)) = (f.metrics, f.earlier) {
            let before = e.aum();
            if before > 0 {
                let drop = (before - m.aum()) as f64 / before as f64;
                if drop >= lp.at_risk_drop {
                    return assignment(
                        "lifecycle_stage",
                        "at_risk",
                        vec![check("aum_drop", "ratio", drop, ">=", lp.at_risk_drop)],
                    );
                }
            }
        }
        if let Some(m) = f.metrics
            && m.aum() > 0
            && m.transactions_90d == 0
        {
            return assignment(
                "lifecycle_stage",
                "at_risk",
                vec![check("transactions_90d", "count", 0.0, "=", 0.0)],
            );
        }
        if tenure < f64::from(lp.new_months) {
            return assignment(
                "lifecycle_stage",
                "new",
                vec![check("tenure", "months", tenure, "<", lp.new_months.into())],
            );
        }
        let products = f.metrics.map(|m| m.product_count).unwrap_or(0);
        if tenure >= f64::from(lp.mature_months) && products >= lp.mature_products {
            return assignment(
                "lifecycle_stage",
                "mature",
                vec![
                    check("tenure", "months", tenure, ">=", lp.mature_months.into()),
                    check(
                        "product_count",
                        "count",
                        products.into(),
                        ">=",
                        lp.mature_products.into(),
                    ),
                ],
            );
        }
        assignment(
            "lifecycle_stage",
            "stable",
            vec![check(
                "tenure",
                "months",
                tenure,
                ">=",
                lp.new_months.into(),
            )],
        )
    }

    /// The value score (0 and up) and its parts.
    pub fn value_score(&self, m: &Metrics) -> (u32, Vec<(String, u32)>) {
        let v = &self.value;
        let part = |c: &ValueComponent, amount: i64| -> u32 {
            if c.per_point <= 0 || amount <= 0 {
                return 0;
            }
            let pts = amount / (c.per_point * YUAN);
            u32::try_from(pts).unwrap_or(u32::MAX).min(c.max_points)
        };
        let parts = vec![
            ("deposits".to_owned(), part(&v.deposits, m.avg_deposits)),
            ("loans".to_owned(), part(&v.loans, m.loans)),
            ("fee_income".to_owned(), part(&v.fee_income, m.fee_income)),
            (
                "contribution".to_owned(),
                part(&v.contribution, m.contribution),
            ),
            (
                "qualitative".to_owned(),
                m.qualitative_points.min(v.max_qualitative_points),
            ),
        ];
        (parts.iter().map(|(_, p)| p).sum(), parts)
    }

    fn value_tier(&self, m: &Metrics) -> Assignment {
        let (score, parts) = self.value_score(m);
        let t = self
            .value
            .tiers
            .iter()
            .find(|t| score >= t.min_score)
            .or(self.value.tiers.last());
        let name = t.map(|t| t.name.as_str()).unwrap_or("");
        let mut a = assignment(
            "value_tier",
            name,
            vec![check(
                "value_score",
                "points",
                score.into(),
                ">=",
                t.map(|t| t.min_score).unwrap_or(0).into(),
            )],
        );
        a.reason = format!(
            "{} ({})",
            a.reason,
            parts
                .iter()
                .map(|(k, p)| format!("{k} {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        a
    }

    /// Early-warning indicators that fire for these metrics compared with the earlier ones.
    pub fn warnings(
        &self,
        kind: CustomerKind,
        m: &Metrics,
        earlier: Option<&Metrics>,
    ) -> Vec<Warning> {
        let w = &self.warnings;
        let mut out = Vec::new();
        if let Some(e) = earlier {
            let before = e.aum();
            let days = (m.as_of - e.as_of).get_days();
            if before > 0 && days >= 0 && days <= i32::try_from(w.aum_drop_days).unwrap_or(i32::MAX)
            {
                let drop = (before - m.aum()) as f64 / before as f64;
                if drop >= w.aum_drop {
                    let c = check("aum_drop", "ratio", drop, ">=", w.aum_drop);
                    out.push(Warning {
                        indicator: "aum_drop".into(),
                        reason: format!(
                            "assets {} -> {} CNY in {days} days: {}",
                            money_text(before as f64),
                            money_text(m.aum() as f64),
                            c.text()
                        ),
                        checks: vec![c],
                    });
                }
            }
            if m.overdue_count > e.overdue_count {
                let c = check(
                    "overdue_count",
                    "count",
                    m.overdue_count.into(),
                    ">",
                    e.overdue_count.into(),
                );
                out.push(Warning {
                    indicator: "new_overdue".into(),
                    reason: format!("new overdue: {}", c.text()),
                    checks: vec![c],
                });
            }
        }
        let ratio = match kind {
            CustomerKind::Individual if m.income > 0 => Some(m.debts as f64 / m.income as f64),
            CustomerKind::Individual => None,
            _ => match (m.total_liabilities, m.total_assets) {
                (Some(l), Some(a)) if a > 0 => Some(l as f64 / a as f64),
                _ => None,
            },
        };
        if let Some(r) = ratio
            && r > w.debt_ratio_above
        {
            let c = check("debt_ratio", "ratio", r, ">", w.debt_ratio_above);
            out.push(Warning {
                indicator: "debt_ratio".into(),
                reason: format!("debt ratio high: {}", c.text()),
                checks: vec![c],
            });
        }
        out
    }

    /// The measures for a customer's rating (risk rating for individuals, credit grade for corporates).
    pub fn measures_for(&self, rating: &str) -> Option<&Measures> {
        self.measures.get(rating)
    }

    /// Checks a named policy section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        if self.age_groups.is_empty() {
            return bad("age_groups", "must list at least one group");
        }
        for (i, g) in self.age_groups.iter().enumerate() {
            if g.min_age > g.max_age {
                return bad(
                    &format!("age_groups[{i}]"),
                    "min_age must not exceed max_age",
                );
            }
            if let Some(n) = self.age_groups.get(i + 1)
                && n.min_age != g.max_age + 1
            {
                return bad(
                    &format!("age_groups[{}]", i + 1),
                    "groups must be in order and leave no gap or overlap (next min_age = max_age + 1)",
                );
            }
        }
        fn descending<T>(
            key: &str,
            items: &[T],
            min: impl Fn(&T) -> i64,
        ) -> Result<(), (String, String)> {
            if items.is_empty() {
                return Err((key.into(), "must list at least one tier".into()));
            }
            for (i, w) in items.windows(2).enumerate() {
                if min(&w[0]) <= min(&w[1]) {
                    return Err((
                        format!("{key}[{}]", i + 1),
                        "tiers must be listed highest first with strictly lower thresholds".into(),
                    ));
                }
            }
            if items.last().is_some_and(|t| min(t) != 0) {
                return Err((
                    format!("{key}[{}]", items.len() - 1),
                    "the last tier must start at 0 so every customer has one".into(),
                ));
            }
            Ok(())
        }
        descending("asset_tiers", &self.asset_tiers, |t| t.min_aum)?;
        descending("wealth.tiers", &self.wealth.tiers, |t| t.min_aum)?;
        if !(0.5..=1.0).contains(&self.wealth.downgrade_ratio) {
            return bad("wealth.downgrade_ratio", "must be between 0.5 and 1.0");
        }
        descending("value.tiers", &self.value.tiers, |t| i64::from(t.min_score))?;
        for (name, row) in &self.company_size.rows {
            let k = format!("company_size.rows.{name}");
            if row.measures.is_empty()
                || row.measures.len() > 2
                || row
                    .measures
                    .iter()
                    .any(|m| !["employees", "revenue", "assets"].contains(&m.as_str()))
            {
                return bad(
                    &k,
                    "measures must be one or two of employees, revenue, assets",
                );
            }
            let n = row.measures.len();
            if row.sme_ceiling.len() != n || row.medium.len() != n || row.small.len() != n {
                return bad(
                    &k,
                    "sme_ceiling, medium and small need one figure per measure",
                );
            }
            for i in 0..n {
                if !(row.small[i] <= row.medium[i] && row.medium[i] <= row.sme_ceiling[i]) {
                    return bad(&k, "figures must rise from small to medium to sme_ceiling");
                }
            }
        }
        if !self.company_size.rows.contains_key("other") {
            return bad(
                "company_size.rows",
                "needs an `other` row for unlisted industries",
            );
        }
        for (sec, row) in &self.company_size.industry_rows {
            if !self.company_size.rows.contains_key(row) {
                return bad(
                    &format!("company_size.industry_rows.{sec}"),
                    "names a row that is not defined",
                );
            }
        }
        for (k, card) in [
            ("risk_rating.individual", &self.risk_rating.individual),
            ("risk_rating.corporate", &self.risk_rating.corporate),
        ] {
            if card.ratings.last().is_none_or(|r| r.max_score.is_some()) {
                return bad(
                    &format!("{k}.ratings"),
                    "the last rating must have no max_score (it takes every higher score)",
                );
            }
            for (f, bands) in &card.factors {
                if bands.last().is_none_or(|b| b.max.is_some()) {
                    return bad(
                        &format!("{k}.factors.{f}"),
                        "the last band must have no max (it takes every higher value)",
                    );
                }
            }
            for r in &card.ratings {
                if !self.measures.contains_key(&r.rating) {
                    return bad(
                        &format!("measures.{}", r.rating),
                        "every rating needs its measures",
                    );
                }
            }
        }
        let q = &self.risk_questionnaire;
        if !["three", "five"].contains(&q.levels.as_str()) {
            return bad("risk_questionnaire.levels", "must be `three` or `five`");
        }
        if !(1..=60).contains(&q.expiry_months) {
            return bad(
                "risk_questionnaire.expiry_months",
                "must be between 1 and 60",
            );
        }
        if q.questions.is_empty() || q.questions.iter().any(|x| x.answers.is_empty()) {
            return bad(
                "risk_questionnaire.questions",
                "needs at least one question, each with answers",
            );
        }
        for (k, bands) in [
            ("three_level", &q.three_level),
            ("five_level", &q.five_level),
        ] {
            if bands.last().is_none_or(|b| b.max_score.is_some()) {
                return bad(
                    &format!("risk_questionnaire.{k}"),
                    "the last band must have no max_score",
                );
            }
        }
        if !(0.0..1.0).contains(&self.lifecycle.at_risk_drop) {
            return bad("lifecycle.at_risk_drop", "must be a share between 0 and 1");
        }
        if !(0.0..1.0).contains(&self.warnings.aum_drop) {
            return bad("warnings.aum_drop", "must be a share between 0 and 1");
        }
        Ok(())
    }
}

impl Assignment {
    fn with_reason(mut self, r: &str) -> Self {
        r.clone_into(&mut self.reason);
        self
    }
}

fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// Why an action is refused for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Refusal {
    pub action: String,
    pub rating: String,
    pub reason: String,
}

/// Whether a customer with this rating may do `action` (seed 000: high-risk customers may not open new
/// high-risk business). Later modules call this before they act.
pub fn permits(policy: &SegmentPolicy, rating: Option<&str>, action: &str) -> Result<(), Refusal> {
    let Some(r) = rating else { return Ok(()) };
    match policy.measures.get(r) {
        Some(m) if m.blocked.iter().any(|b| b == action) => Err(Refusal {
            action: action.into(),
            rating: r.into(),
            reason: format!(
                "customers rated {r} may not do {action} (policy measures.{r}.blocked)"
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn policy() -> SegmentPolicy {
        Policy::default_policy().segments
    }

    fn cny(yuan: i64) -> i64 {
        yuan * 100
    }

    fn metrics(aum_yuan: i64) -> Metrics {
        Metrics {
            as_of: date(2026, 11, 22),
            assets: BTreeMap::from([("deposits".to_owned(), cny(aum_yuan))]),
            transactions_90d: 5,
            ..Default::default()
        }
    }

    fn facts<'a>(
        kind: CustomerKind,
        m: Option<&'a Metrics>,
        current: &'a BTreeMap<String, String>,
    ) -> Facts<'a> {
        Facts {
            kind,
            verified: true,
            birth_date: Some(date(1985, 6, 12)),
            industry: None,
            employees: None,
            revenue: None,
            total_assets: None,
            client_since: Some(date(2020, 1, 1)),
            metrics: m,
            earlier: None,
            assessment: None,
            current,
            today: date(2026, 11, 23),
        }
    }

    fn get<'a>(a: &'a [Assignment], dim: &str) -> &'a Assignment {
        a.iter().find(|x| x.dimension == dim).unwrap()
    }

    proptest! {
        /// The day someone turns 36 they leave `young` for `middle`; the day before they are still young.
        #[test]
        fn age_groups_change_on_the_birthday(y in 1930i16..2008, m in 1i8..=12, d in 1i8..=28) {
            let p = policy();
            let birth = date(y, m, d);
            let none = BTreeMap::new();
            let mut f = facts(CustomerKind::Individual, None, &none);
            f.birth_date = Some(birth);
            for (turns, before, on) in [(36, "young", "middle"), (61, "middle", "senior")] {
                let birthday = date(y + turns, m, d);
                f.today = birthday.yesterday().unwrap();
                let a = p.evaluate(&f);
                prop_assert_eq!(&get(&a, "age_group").value, before);
                f.today = birthday;
                let a = p.evaluate(&f);
                prop_assert_eq!(&get(&a, "age_group").value, on);
            }
        }

        /// A threshold exactly met reaches the tier; one fen less does not.
        #[test]
        fn asset_thresholds_are_inclusive(extra in 0i64..1000) {
            let p = policy();
            let none = BTreeMap::new();
            let mut m = metrics(500_000);
            let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
            prop_assert_eq!(&get(&a, "asset_tier").value, "vip");
            m.assets.insert("deposits".into(), cny(500_000) - 1 - extra);
            let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
            prop_assert_eq!(&get(&a, "asset_tier").value, "mass");
        }

        /// Evaluation is deterministic and every individual with metrics gets each dimension once.
        #[test]
        fn every_individual_with_metrics_gets_each_dimension(aum in 0i64..20_000_000, inv in 0u32..30, contrib in 0i64..100_000, overdue in 0u32..5) {
            let p = policy();
            let none = BTreeMap::new();
            let mut m = metrics(aum);
            m.investment_count = inv;
            m.contribution = cny(contrib);
            m.overdue_count = overdue;
            let f = facts(CustomerKind::Individual, Some(&m), &none);
            let a = p.evaluate(&f);
            prop_assert_eq!(a.clone(), p.evaluate(&f));
            for dim in ["age_group", "asset_tier", "wealth_tier", "risk_rating", "lifecycle_stage", "value_tier"] {
                prop_assert_eq!(a.iter().filter(|x| x.dimension == dim).count(), 1, "{}", dim);
            }
        }
    }

    #[test]
    fn the_wealth_tier_reason_gives_the_figures() {
        let p = policy();
        let none = BTreeMap::new();
        let mut m = metrics(3_200_000);
        m.contribution = cny(12_000);
        m.investment_count = 6;
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        let w = get(&a, "wealth_tier");
        assert_eq!(w.value, "platinum");
        assert_eq!(
            w.reason,
            "platinum: aum 3,200,000.00 CNY >= 2,000,000.00 and investment_count 6 >= 6 and contribution 12,000.00 CNY >= 10,000.00"
        );
    }

    #[test]
    fn a_small_dip_keeps_the_tier_a_large_one_downgrades() {
        let p = policy();
        let current = BTreeMap::from([("wealth_tier".to_owned(), "platinum".to_owned())]);
        let mut m = metrics(1_900_000);
        m.contribution = cny(10_000);
        m.investment_count = 6;
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &current));
        assert_eq!(get(&a, "wealth_tier").value, "platinum");
        assert!(get(&a, "wealth_tier").reason.contains("kept"));
        m.assets.insert("deposits".into(), cny(1_700_000));
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &current));
        assert_eq!(get(&a, "wealth_tier").value, "gold");
        // Without a current tier the same figures qualify for gold only.
        let none = BTreeMap::new();
        m.assets.insert("deposits".into(), cny(1_900_000));
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        assert_eq!(get(&a, "wealth_tier").value, "gold");
    }

    fn size(
        industry: char,
        employees: Option<u32>,
        revenue_wan: Option<i64>,
        assets_wan: Option<i64>,
    ) -> Option<String> {
        let p = policy();
        let none = BTreeMap::new();
        let mut f = facts(CustomerKind::Corporate, None, &none);
        f.industry = Some(industry);
        f.employees = employees;
        f.revenue = revenue_wan.map(|w| w * 1_000_000);
        f.total_assets = assets_wan.map(|w| w * 1_000_000);
        p.evaluate(&f)
            .into_iter()
            .find(|a| a.dimension == "company_size")
            .map(|a| a.value)
    }

    /// Rows of the 2011 SME standard (DOMAIN-DEFAULTS §8), at and around each bound.
    #[test]
    fn company_size_follows_the_2011_sme_table() {
        type Case = (char, Option<u32>, Option<i64>, Option<i64>, &'static str);
        let cases: &[Case] = &[
            // Industry (C): large needs employees >= 1000 AND revenue >= 40000.
            ('C', Some(1000), Some(40000), None, "large"),
            ('C', Some(999), Some(90000), None, "medium"),
            ('C', Some(300), Some(2000), None, "medium"),
            ('C', Some(300), Some(1999), None, "micro_small"),
            ('C', Some(20), Some(300), None, "micro_small"),
            ('C', Some(19), Some(5000), None, "micro_small"),
            // Retail (F): 300 / 20000; medium 50 & 500.
            ('F', Some(300), Some(20000), None, "large"),
            ('F', Some(50), Some(500), None, "medium"),
            ('F', Some(49), Some(500), None, "micro_small"),
            // Software (I): 300 / 10000; medium 100 & 1000.
            ('I', Some(300), Some(10000), None, "large"),
            ('I', Some(100), Some(1000), None, "medium"),
            // Construction (E) uses revenue and assets: 80000 / 80000; medium 6000 & 5000.
            ('E', None, Some(80000), Some(80000), "large"),
            ('E', None, Some(6000), Some(5000), "medium"),
            ('E', None, Some(6000), Some(4999), "micro_small"),
            // Agriculture (A): revenue only, 20000; medium 500.
            ('A', None, Some(20000), None, "large"),
            ('A', None, Some(500), None, "medium"),
            ('A', None, Some(499), None, "micro_small"),
            // Real estate (K): revenue 200000 / assets 10000; medium 1000 & 5000.
            ('K', None, Some(200000), Some(10000), "large"),
            ('K', None, Some(1000), Some(5000), "medium"),
            // Leasing (L): employees 300 / assets 120000; medium 100 & 8000.
            ('L', Some(300), None, Some(120000), "large"),
            ('L', Some(100), None, Some(8000), "medium"),
            // Unlisted sections use "other": employees only, 300 / 100.
            ('P', Some(300), None, None, "large"),
            ('P', Some(100), None, None, "medium"),
            ('P', Some(99), None, None, "micro_small"),
        ];
        for (ind, e, r, a, want) in cases {
            assert_eq!(
                size(*ind, *e, *r, *a).as_deref(),
                Some(*want),
                "{ind} employees {e:?} revenue {r:?} assets {a:?}"
            );
        }
        // Without the figures its row needs there is no size, rather than a guess.
        assert_eq!(size('C', Some(500), None, None), None);
    }

    #[test]
    fn individual_scorecard_bands() {
        let p = policy();
        let none = BTreeMap::new();
        let rate = |overdue: u32, unstable: bool, debts: i64, income: i64| {
            let mut m = metrics(100_000);
            m.overdue_count = overdue;
            m.income_unstable = unstable;
            m.debts = cny(debts);
            m.income = cny(income);
            let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
            get(&a, "risk_rating").clone()
        };
        assert_eq!(rate(0, false, 20_000, 100_000).value, "low");
        // 20 points is still low (bands are inclusive).
        assert_eq!(rate(1, false, 0, 100_000).value, "low");
        let r = rate(3, false, 0, 100_000);
        assert_eq!(r.value, "medium");
        assert!(
            r.reason.contains("overdue_count 3 = 45 points"),
            "{}",
            r.reason
        );
        assert_eq!(rate(3, false, 80_000, 100_000).value, "high");
        // Debts without income count as the highest debt ratio.
        // (15 for unstable income + 40 = 55: high.)
        assert_eq!(rate(0, true, 10, 0).value, "high");
        assert_eq!(rate(0, true, 0, 100_000).value, "low");
    }

    #[test]
    fn corporate_scorecard_grades_a_to_d() {
        let p = policy();
        let none = BTreeMap::new();
        let grade = |industry: char, overdue: u32, liab: i64, assets: i64, loss: bool| {
            let mut m = metrics(0);
            m.overdue_count = overdue;
            m.total_liabilities = Some(cny(liab));
            m.total_assets = Some(cny(assets));
            m.current_assets = Some(cny(100));
            m.current_liabilities = Some(cny(100));
            m.net_profit = Some(if loss { -1 } else { 1 });
            let mut f = facts(CustomerKind::Corporate, Some(&m), &none);
            f.industry = Some(industry);
            get(&p.evaluate(&f), "credit_grade").value.clone()
        };
        assert_eq!(grade('D', 0, 40, 100, false), "A");
        // Industry C (risk 40 = 10 points) + debt-to-assets 0.60 (10 points) = 20: still A.
        assert_eq!(grade('C', 0, 60, 100, false), "A");
        assert_eq!(grade('C', 0, 75, 100, false), "B");
        assert_eq!(grade('K', 1, 60, 100, false), "C");
        assert_eq!(grade('K', 3, 90, 100, true), "D");
    }

    #[test]
    fn lifecycle_stages() {
        let p = policy();
        let none = BTreeMap::new();
        let stage = |f: &Facts<'_>| get(&p.evaluate(f), "lifecycle_stage").value.clone();
        let m = metrics(100_000);
        let mut f = facts(CustomerKind::Individual, Some(&m), &none);
        f.verified = false;
        assert_eq!(stage(&f), "prospect");
        f.verified = true;
        f.client_since = Some(date(2026, 6, 1));
        assert_eq!(stage(&f), "new");
        f.client_since = Some(date(2025, 11, 23));
        assert_eq!(stage(&f), "stable");
        let mut m3 = metrics(100_000);
        m3.product_count = 3;
        f.metrics = Some(&m3);
        f.client_since = Some(date(2023, 11, 23));
        assert_eq!(stage(&f), "mature");
        let earlier = metrics(200_000);
        f.earlier = Some(&earlier);
        assert_eq!(stage(&f), "at_risk");
        let mut idle = metrics(100_000);
        idle.transactions_90d = 0;
        f.earlier = None;
        f.metrics = Some(&idle);
        assert_eq!(stage(&f), "at_risk");
    }

    #[test]
    fn value_score_and_tier() {
        let p = policy();
        let mut m = metrics(0);
        m.avg_deposits = cny(400_000); // 20 points
        m.fee_income = cny(5_000); // 10 points
        m.qualitative_points = 50; // capped at 10
        let (score, parts) = p.value_score(&m);
        assert_eq!(score, 40);
        assert!(parts.contains(&("qualitative".to_owned(), 10)));
        let none = BTreeMap::new();
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        assert_eq!(get(&a, "value_tier").value, "medium");
    }

    #[test]
    fn early_warnings_fire_on_their_thresholds() {
        let p = policy();
        let before = metrics(1_000_000);
        let mut now = metrics(690_000);
        now.as_of = date(2026, 12, 10);
        let mut before = before;
        before.as_of = date(2026, 11, 20);
        let w = p.warnings(CustomerKind::Individual, &now, Some(&before));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].indicator, "aum_drop");
        assert!(
            w[0].reason.contains("1,000,000.00 -> 690,000.00"),
            "{}",
            w[0].reason
        );
        now.assets.insert("deposits".into(), cny(710_000));
        assert!(
            p.warnings(CustomerKind::Individual, &now, Some(&before))
                .is_empty()
        );
        now.overdue_count = 1;
        now.debts = cny(80);
        now.income = cny(100);
        let inds: Vec<String> = p
            .warnings(CustomerKind::Individual, &now, Some(&before))
            .into_iter()
            .map(|w| w.indicator)
            .collect();
        assert_eq!(inds, vec!["new_overdue", "debt_ratio"]);
    }

    #[test]
    fn the_questionnaire_scores_levels_and_expires() {
        let p = policy();
        let q = &p.risk_questionnaire;
        let all = |pick: usize| -> BTreeMap<String, String> {
            q.questions
                .iter()
                .map(|x| {
                    (
                        x.key.clone(),
                        x.answers[pick.min(x.answers.len() - 1)].key.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(q.score(&all(0)).unwrap().level, "conservative");
        assert_eq!(q.score(&all(9)).unwrap().level, "aggressive");
        let mut five = q.clone();
        five.levels = "five".into();
        assert_eq!(five.score(&all(0)).unwrap().level, "C1");
        assert_eq!(five.score(&all(9)).unwrap().level, "C5");
        let mut missing = all(1);
        let first = q.questions[0].key.clone();
        missing.remove(&first);
        missing.insert("colour".into(), "blue".into());
        let e = q.score(&missing).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![format!("answers.{first}").as_str(), "answers.colour"]
        );
        assert_eq!(q.expiry(date(2026, 2, 28)), date(2027, 2, 28));
        // The assessment decides the appetite until the day it expires.
        let a = Assessment {
            level: "balanced".into(),
            score: 20,
            assessed_on: date(2025, 11, 24),
            expires_on: date(2026, 11, 24),
        };
        let none = BTreeMap::new();
        let mut f = facts(CustomerKind::Individual, None, &none);
        f.assessment = Some(&a);
        assert_eq!(get(&p.evaluate(&f), "risk_appetite").value, "balanced");
        f.today = date(2026, 11, 24);
        let r = p.evaluate(&f);
        assert_eq!(get(&r, "risk_appetite").value, "expired");
        assert!(get(&r, "risk_appetite").reason.contains("re-assess"));
    }

    #[test]
    fn high_risk_customers_may_not_open_high_risk_business() {
        let p = policy();
        let e = permits(&p, Some("high"), "new_high_risk_business").unwrap_err();
        assert!(e.reason.contains("high"), "{}", e.reason);
        assert!(permits(&p, Some("low"), "new_high_risk_business").is_ok());
        assert!(permits(&p, Some("D"), "credit_increase").is_err());
        assert!(permits(&p, None, "credit_increase").is_ok());
        assert!(
            p.measures_for("medium")
                .unwrap()
                .measures
                .contains(&"extra_collateral_required".to_owned())
        );
    }

    #[test]
    fn a_bad_segment_figure_names_its_key_and_a_syntax_error_its_line() {
        use crate::policy::DEFAULT_POLICY_TOML;
        let t = DEFAULT_POLICY_TOML.replace(
            "name = \"vip\"\nmin_aum = 500_000",
            "name = \"vip\"\nmin_aum = 7_000_000",
        );
        let e = Policy::from_toml(&t).unwrap_err();
        assert_eq!(e.key, "segments.asset_tiers[1]");
        let t = DEFAULT_POLICY_TOML.replace("at_risk_drop = 0.3", "at_risk_drop = \"lots\"");
        let e = Policy::from_toml(&t).unwrap_err();
        let line = DEFAULT_POLICY_TOML
            .lines()
            .position(|l| l.starts_with("at_risk_drop"))
            .unwrap()
            + 1;
        assert_eq!(e.key, format!("line {line}"), "{e}");
    }
}
