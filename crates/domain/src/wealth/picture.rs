//! The client's financial picture (seed 004 §客户信息; seed 000 §4): what they hold with the bank (read from
//! the book) and what they declare elsewhere — assets by kind, liabilities, income, family — and their goals,
//! each with an amount and a day. Every amount is in CNY fen; income is a year's.
//!
//! Goals are funded in the order they fall due from the client's investable assets (the book's and the
//! declared, property and insurance left out): the nearest goal first. A goal's progress is what that
//! leaves it over its amount, and what remains is spread over the months to its day — the monthly saving
//! the goal still needs.

use super::plan::AllocationClass;
use crate::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

code_enum!(
    /// An asset the client declares (held elsewhere than the bank's book).
    AssetKind {
        Cash = "cash",
        /// Deposits at other banks.
        Deposits = "deposits",
        Bonds = "bonds",
        Stocks = "stocks",
        Funds = "funds",
        Property = "property",
        /// Cash value of insurance policies.
        Insurance = "insurance",
        /// A stake in a business.
        Business = "business",
        Other = "other",
    }
);

code_enum!(
    /// A debt the client declares (the bank's own loans come from the book).
    LiabilityKind {
        Mortgage = "mortgage",
        CarLoan = "car_loan",
        CardDebt = "card_debt",
        OtherLoan = "other_loan",
    }
);

code_enum!(
    /// A year's income by source.
    IncomeKind {
        Salary = "salary",
        Investment = "investment",
        BusinessIncome = "business_income",
        OtherIncome = "other_income",
    }
);

code_enum!(
    MaritalStatus {
        Single = "single",
        Married = "married",
        Divorced = "divorced",
        Widowed = "widowed",
    }
);

code_enum!(
    /// What a goal is for.
    GoalKind {
        Retirement = "retirement",
        Education = "education",
        Housing = "housing",
        Other = "other_goal",
    }
);

code_enum!(
    GoalStatus {
        Active = "active",
        Achieved = "achieved",
        /// The client gave it up.
        Dropped = "dropped",
    }
);

impl AssetKind {
    /// The allocation class a declared asset counts in; none for what is not invested (property, insurance,
    /// a business, other).
    pub fn class(self) -> Option<AllocationClass> {
        match self {
            Self::Cash => Some(AllocationClass::Cash),
            Self::Deposits => Some(AllocationClass::Deposits),
            Self::Bonds => Some(AllocationClass::FixedIncome),
            Self::Funds => Some(AllocationClass::Mixed),
            Self::Stocks => Some(AllocationClass::Equity),
            Self::Property | Self::Insurance | Self::Business | Self::Other => None,
        }
    }
}

/// The client's family as the picture records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Family {
    #[serde(default)]
    pub marital: Option<MaritalStatus>,
    /// People who depend on the client (children, parents): 0 to 20.
    #[serde(default)]
    pub dependants: u8,
    /// At most 500 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// What the client declares, as stored (sealed) and sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Picture {
    /// CNY fen by kind.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub assets: BTreeMap<AssetKind, i64>,
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub liabilities: BTreeMap<LiabilityKind, i64>,
    /// A year's income, CNY fen by source.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>)]
    pub income: BTreeMap<IncomeKind, i64>,
    #[serde(default)]
    pub family: Family,
}

/// The largest amount a picture or a goal holds (a hundred billion yuan, in fen).
pub const MAX_AMOUNT: i64 = 10_000_000_000_000;

fn amounts<K: Copy>(
    e: &mut FieldErrors,
    list: &str,
    m: &BTreeMap<K, i64>,
    code: fn(K) -> &'static str,
) {
    for (k, v) in m {
        if !(0..=MAX_AMOUNT).contains(v) {
            e.push(
                format!("{list}.{}", code(*k)),
                "range",
                "an amount from 0 to 100,000,000,000 yuan",
            );
        }
    }
}

impl Picture {
    /// Amounts within 0..=[`MAX_AMOUNT`], at most 20 dependants, a note of at most 500 characters.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        amounts(&mut e, "assets", &self.assets, AssetKind::as_str);
        amounts(
            &mut e,
            "liabilities",
            &self.liabilities,
            LiabilityKind::as_str,
        );
        amounts(&mut e, "income", &self.income, IncomeKind::as_str);
        if self.family.dependants > 20 {
            e.push("family.dependants", "range", "from 0 to 20");
        }
        if let Some(n) = &self.family.note
            && n.chars().count() > 500
        {
            e.push("family.note", "max_length", "at most 500 characters");
        }
        e.into_result()
    }

    /// Zero amounts are not kept (an empty field on the form is "none").
    pub fn without_zeros(mut self) -> Picture {
        self.assets.retain(|_, v| *v != 0);
        self.liabilities.retain(|_, v| *v != 0);
        self.income.retain(|_, v| *v != 0);
        self
    }

    /// The declared assets that are invested, by allocation class.
    pub fn invested(&self) -> BTreeMap<AllocationClass, i64> {
        let mut out = BTreeMap::new();
        for (k, v) in &self.assets {
            if let Some(c) = k.class() {
                *out.entry(c).or_insert(0) += v;
            }
        }
        out
    }

    pub fn total_assets(&self) -> i64 {
        self.assets.values().sum()
    }

    pub fn total_liabilities(&self) -> i64 {
        self.liabilities.values().sum()
    }

    pub fn total_income(&self) -> i64 {
        self.income.values().sum()
    }
}

/// A goal as the funding reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalAmount {
    pub target: i64,
    pub due: Date,
}

/// How far a goal is funded.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Funding {
    /// CNY fen of the investable assets set against the goal.
    pub funded: i64,
    /// Percent of the target, 0 to 100.
    pub progress: u8,
    /// CNY fen a month still needed to reach the target by its day (0 when funded; the whole rest when the
    /// day has come).
    pub monthly_needed: i64,
}

/// Funds `goals` (in the order given: the caller sorts by day) from `resources`: each takes what is left,
/// up to its target.
pub fn fund(goals: &[GoalAmount], resources: i64, today: Date) -> Vec<Funding> {
    let mut left = resources.max(0);
    goals
        .iter()
        .map(|g| {
            let funded = left.min(g.target.max(0));
            left -= funded;
            let rest = g.target - funded;
            let progress = if g.target <= 0 {
                100
            } else {
                u8::try_from((i128::from(funded) * 100 / i128::from(g.target)).clamp(0, 100))
                    .unwrap_or(100)
            };
            let months = months_between(today, g.due);
            Funding {
                funded,
                progress,
                monthly_needed: if rest <= 0 {
                    0
                } else if months <= 0 {
                    rest
                } else {
                    (rest + months - 1) / months
                },
            }
        })
        .collect()
}

/// Whole months from `a` to `b` (negative when `b` is earlier).
pub fn months_between(a: Date, b: Date) -> i64 {
    let m = (i64::from(b.year()) - i64::from(a.year())) * 12 + i64::from(b.month())
        - i64::from(a.month());
    if b.day() < a.day() { m - 1 } else { m }
}

/// A goal as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    pub kind: GoalKind,
    /// CNY fen, more than 0.
    pub target_amount: i64,
    #[schema(value_type = String, format = Date)]
    pub target_on: Date,
    /// At most 200 characters.
    #[serde(default)]
    pub note: Option<String>,
}

impl GoalInput {
    /// A positive amount up to [`MAX_AMOUNT`], a day after `today` and within 60 years, a short note.
    pub fn check(&self, today: Date) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if !(1..=MAX_AMOUNT).contains(&self.target_amount) {
            e.push(
                "target_amount",
                "range",
                "more than 0 and at most 100,000,000,000 yuan",
            );
        }
        if self.target_on <= today {
            e.push("target_on", "future", "a day after today");
        } else if months_between(today, self.target_on) > 720 {
            e.push("target_on", "range", "within 60 years");
        }
        if let Some(n) = &self.note
            && n.chars().count() > 200
        {
            e.push("note", "max_length", "at most 200 characters");
        }
        e.into_result()
    }
}

impl GoalStatus {
    /// An active goal is achieved or dropped; an achieved or dropped one may be taken up again.
    pub fn can_become(self, to: GoalStatus) -> bool {
        self != to
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_nearest_goal_is_funded_first_and_the_rest_is_saved_monthly() {
        let today = date(2026, 12, 5);
        let goals = [
            GoalAmount {
                target: 100_000,
                due: date(2027, 12, 5),
            },
            GoalAmount {
                target: 300_000,
                due: date(2036, 12, 5),
            },
        ];
        let f = fund(&goals, 250_000, today);
        assert_eq!(f[0].funded, 100_000);
        assert_eq!(f[0].progress, 100);
        assert_eq!(f[0].monthly_needed, 0);
        assert_eq!(f[1].funded, 150_000);
        assert_eq!(f[1].progress, 50);
        // 150,000 over 120 months.
        assert_eq!(f[1].monthly_needed, 1_250);
        let none = fund(&goals, -5, today);
        assert_eq!(none[0].funded, 0);
        assert_eq!(none[0].monthly_needed, 8_334);
    }

    #[test]
    fn a_picture_refuses_negative_amounts_and_too_many_dependants_by_name() {
        let mut p = Picture::default();
        p.assets.insert(AssetKind::Stocks, -1);
        p.family.dependants = 30;
        let e = p.check().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["assets.stocks", "family.dependants"]);
        p.assets.insert(AssetKind::Stocks, 5);
        p.assets.insert(AssetKind::Property, 9);
        p.assets.insert(AssetKind::Cash, 0);
        p.family.dependants = 2;
        assert!(p.check().is_ok());
        let p = p.without_zeros();
        assert_eq!(p.assets.len(), 2);
        assert_eq!(p.invested().get(&AllocationClass::Equity), Some(&5));
        assert_eq!(p.invested().len(), 1);
    }

    #[test]
    fn a_goal_lies_ahead_and_months_are_whole() {
        let today = date(2026, 12, 5);
        assert_eq!(months_between(today, date(2027, 1, 4)), 0);
        assert_eq!(months_between(today, date(2027, 1, 5)), 1);
        let g = GoalInput {
            kind: GoalKind::Education,
            target_amount: 0,
            target_on: today,
            note: None,
        };
        let e = g.check(today).unwrap_err();
        assert_eq!(e.0.len(), 2);
    }
}
