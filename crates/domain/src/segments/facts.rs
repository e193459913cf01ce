//! What evaluation reads (metrics, a customer's facts) and what it returns (assignments with their checks,
//! warnings).

use super::*;
use crate::customer::CustomerKind;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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
    /// Balances in investment products by their risk level (`R1`..`R5`), from the book.
    #[serde(default)]
    pub holdings_by_risk: BTreeMap<String, i64>,
    /// The day the customer's first account was opened, from the book: tenure counts from it when it is
    /// earlier than the verification in Banyan (a client of twenty years is not new because Banyan is).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2012-03-01")]
    pub client_since: Option<Date>,
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
    /// Earlier metrics to compare with (about `warnings.aum_drop_days` before), for early warnings.
    pub earlier: Option<&'a Metrics>,
    /// Earlier metrics for the lifecycle trend (about `lifecycle.at_risk_window_days` before).
    pub trend_earlier: Option<&'a Metrics>,
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

pub(super) fn check(fact: &str, unit: &str, value: f64, op: &str, threshold: f64) -> Check {
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

pub(super) fn assignment(dimension: &str, value: &str, checks: Vec<Check>) -> Assignment {
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

pub(super) const YUAN: i64 = 100;
