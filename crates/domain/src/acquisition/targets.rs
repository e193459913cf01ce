//! Acquisition targets (seed 002 §二, §七): for a period — a month, a quarter, a half-year or a year — and
//! for the bank, a branch, a team or a person, how many leads to capture and qualify, how many new individual
//! and corporate customers to win, what those new customers bring — assets, deposits, loans and fee
//! income (from the book's figures) — and their quality: their risk rating and their activity after 90 days; and
//! the bank's share of its market, read against the market's figures the bank records. The period is named by its
//! first day, which must begin one.

use crate::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// How long a target runs.
    TargetPeriod {
        Month = "month",
        Quarter = "quarter",
        HalfYear = "half_year",
        Year = "year",
    }
);

code_enum!(
    /// Whose target it is.
    TargetLevel {
        Bank = "bank",
        Branch = "branch",
        Team = "team",
        Person = "person",
    }
);

code_enum!(
    /// What a target counts.
    TargetMetric {
        /// Leads captured in the period.
        LeadsCaptured = "leads_captured",
        /// Leads captured in the period that were qualified (or went further).
        LeadsQualified = "leads_qualified",
        /// Leads of people won in the period (new individual customers).
        NewIndividual = "new_individual",
        /// Leads of companies and institutions won in the period (new corporate customers).
        NewCorporate = "new_corporate",
        /// Assets under management the customers won in the period brought (CNY fen, their latest figures).
        NewAssets = "new_assets",
        /// Their deposits (CNY fen).
        NewDeposits = "new_deposits",
        /// Their outstanding loans (CNY fen).
        NewLoans = "new_loans",
        /// Their fee income to the bank (CNY fen, the last 12 months as the book reports it).
        NewFeeIncome = "new_fee_income",
        /// Customer quality: new customers of the period rated in the lowest-risk band of their kind (the
        /// first of the policy's ratings: `low` for people, `A` for companies).
        NewLowRisk = "new_low_risk",
        /// Customer quality: new customers of the period won 90 days or more ago who still had
        /// transactions in their latest 90 days (counted as the days pass).
        ActiveAfter90d = "active_after_90d",
        /// Market share (basis points of the market's figure the bank recorded for the period and region):
        /// new individual customers.
        ShareNewIndividual = "share_new_individual",
        /// Market share of new corporate customers.
        ShareNewCorporate = "share_new_corporate",
        /// Market share of the deposits new customers brought.
        ShareNewDeposits = "share_new_deposits",
        /// Market share of the loans new customers took.
        ShareNewLoans = "share_new_loans",
    }
);

code_enum!(
    /// What the bank records of its market for a period and region (the central bank's or the banking
    /// association's statistics): the market's total of something the bank also counts of itself.
    MarketMeasure {
        /// New individual customers all banks of the region won.
        NewIndividual = "new_individual",
        /// New corporate customers.
        NewCorporate = "new_corporate",
        /// New deposits (CNY fen).
        NewDeposits = "new_deposits",
        /// New loans (CNY fen).
        NewLoans = "new_loans",
    }
);

impl MarketMeasure {
    /// The bank's own figure of the same thing: the share's numerator.
    pub fn own(self) -> TargetMetric {
        match self {
            Self::NewIndividual => TargetMetric::NewIndividual,
            Self::NewCorporate => TargetMetric::NewCorporate,
            Self::NewDeposits => TargetMetric::NewDeposits,
            Self::NewLoans => TargetMetric::NewLoans,
        }
    }

    /// Whether the market's figure is an amount (CNY fen) rather than a count of customers.
    pub fn is_money(self) -> bool {
        self.own().is_money()
    }
}

/// A share in basis points (1/100 of a percent), rounded down: `part` of `whole`; none without a whole.
pub fn share_bp(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    Some(i64::try_from(i128::from(part) * 10_000 / i128::from(whole)).unwrap_or(i64::MAX))
}

impl TargetMetric {
    /// Whether the target is an amount (CNY fen, from the book's figures of the new customers) rather than
    /// a count of leads or customers.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Self::NewAssets | Self::NewDeposits | Self::NewLoans | Self::NewFeeIncome
        )
    }

    /// Whether the target counts the new customers by their quality (their rating or their activity),
    /// read from the policy engine and the book rather than from the leads.
    pub fn is_quality(self) -> bool {
        matches!(self, Self::NewLowRisk | Self::ActiveAfter90d)
    }

    /// The market a share target is read against (none for the other targets).
    pub fn share_of(self) -> Option<MarketMeasure> {
        match self {
            Self::ShareNewIndividual => Some(MarketMeasure::NewIndividual),
            Self::ShareNewCorporate => Some(MarketMeasure::NewCorporate),
            Self::ShareNewDeposits => Some(MarketMeasure::NewDeposits),
            Self::ShareNewLoans => Some(MarketMeasure::NewLoans),
            _ => None,
        }
    }

    /// A new customer's part of a money target, from its latest figures (0 for a count).
    pub fn figure(self, m: &crate::segments::Metrics) -> i64 {
        match self {
            Self::NewAssets => m.assets.values().sum(),
            Self::NewDeposits => m.assets.get("deposits").copied().unwrap_or(0),
            Self::NewLoans => m.loans,
            Self::NewFeeIncome => m.fee_income,
            _ => 0,
        }
    }
}

impl TargetPeriod {
    fn months(self) -> i8 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
            Self::HalfYear => 6,
            Self::Year => 12,
        }
    }

    /// The period beginning on `start` as `[start, end)`: `start` must be the first day of such a period
    /// (`quarter`: 1 January, April, July or October).
    pub fn range(self, start: Date) -> Result<(Date, Date), &'static str> {
        let m = self.months();
        if start.day() != 1 || (start.month() - 1) % m != 0 {
            return Err(match self {
                Self::Month => "must be the first day of a month",
                Self::Quarter => {
                    "must be the first day of a quarter (1 January, April, July or October)"
                }
                Self::HalfYear => "must be the first day of a half-year (1 January or July)",
                Self::Year => "must be 1 January",
            });
        }
        let end = start
            .checked_add(jiff::Span::new().months(i64::from(m)))
            .map_err(|_| "is out of range")?;
        Ok((start, end))
    }
}

impl TargetPeriod {
    /// The first day of the period of this kind that contains `d` (a quarter: 1 January, April, July or
    /// October).
    pub fn containing(self, d: Date) -> Date {
        let m = self.months();
        let month = d.month() - (d.month() - 1) % m;
        Date::new(d.year(), month, 1).unwrap_or(d)
    }

    /// The `n` periods of this kind ending with the one that contains `today`, oldest first, each as
    /// `[start, end)`.
    pub fn last(self, today: Date, n: usize) -> Result<Vec<(Date, Date)>, &'static str> {
        let mut start = self.containing(today);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.range(start)?);
            start = start
                .checked_sub(jiff::Span::new().months(i64::from(self.months())))
                .map_err(|_| "is out of range")?;
        }
        out.reverse();
        Ok(out)
    }
}

/// A target as entered, checked: whose it is must match its level.
pub fn check_owner(
    e: &mut FieldErrors,
    level: TargetLevel,
    branch: Option<&str>,
    team: Option<&str>,
    person: bool,
) {
    let (needs_branch, needs_team, needs_person) = match level {
        TargetLevel::Bank => (false, false, false),
        TargetLevel::Branch => (true, false, false),
        TargetLevel::Team => (true, true, false),
        TargetLevel::Person => (false, false, true),
    };
    for (field, given, needed) in [
        ("branch_code", branch.is_some(), needs_branch),
        ("team", team.is_some(), needs_team),
        ("staff", person, needs_person),
    ] {
        if needed && !given {
            e.push(field, "required", "the target's level needs it");
        } else if given && !needed && !(field == "branch_code" && level == TargetLevel::Person) {
            e.push(field, "level", "does not belong to a target of this level");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_series_ends_with_the_period_of_today_and_reaches_back_across_the_year() {
        let today = date(2026, 2, 14);
        assert_eq!(
            TargetPeriod::Quarter.containing(date(2026, 8, 31)),
            date(2026, 7, 1)
        );
        assert_eq!(TargetPeriod::HalfYear.containing(today), date(2026, 1, 1));
        let months = TargetPeriod::Month.last(today, 3).unwrap();
        assert_eq!(
            months,
            vec![
                (date(2025, 12, 1), date(2026, 1, 1)),
                (date(2026, 1, 1), date(2026, 2, 1)),
                (date(2026, 2, 1), date(2026, 3, 1)),
            ]
        );
        let halves = TargetPeriod::HalfYear.last(today, 2).unwrap();
        assert_eq!(halves[0], (date(2025, 7, 1), date(2026, 1, 1)));
    }

    #[test]
    fn a_money_target_adds_up_its_part_of_the_figures() {
        let m: crate::segments::Metrics = serde_json::from_value(serde_json::json!({
            "as_of": "2026-11-30",
            "assets": {"deposits": 500, "wealth_products": 300},
            "loans": 70, "fee_income": 9
        }))
        .unwrap();
        let got: Vec<(bool, i64)> = TargetMetric::ALL
            .iter()
            .map(|t| (t.is_money(), t.figure(&m)))
            .collect();
        assert_eq!(
            got,
            vec![
                (false, 0),
                (false, 0),
                (false, 0),
                (false, 0),
                (true, 800),
                (true, 500),
                (true, 70),
                (true, 9),
                // The quality targets count customers, not amounts.
                (false, 0),
                (false, 0),
                // A share is read against the market, in basis points.
                (false, 0),
                (false, 0),
                (false, 0),
                (false, 0),
            ]
        );
    }

    #[test]
    fn a_share_is_read_against_the_market_of_the_same_thing() {
        assert_eq!(share_bp(325, 10_000), Some(325));
        assert_eq!(share_bp(1, 3), Some(3333));
        assert_eq!(share_bp(5, 0), None);
        assert_eq!(
            TargetMetric::ShareNewDeposits
                .share_of()
                .map(MarketMeasure::own),
            Some(TargetMetric::NewDeposits)
        );
        assert!(MarketMeasure::NewLoans.is_money() && !MarketMeasure::NewCorporate.is_money());
        assert_eq!(TargetMetric::NewDeposits.share_of(), None);
    }

    #[test]
    fn a_period_is_named_by_its_first_day() {
        assert_eq!(
            TargetPeriod::Quarter.range(date(2026, 10, 1)).unwrap(),
            (date(2026, 10, 1), date(2027, 1, 1))
        );
        assert!(TargetPeriod::Quarter.range(date(2026, 11, 1)).is_err());
        assert!(TargetPeriod::Month.range(date(2026, 11, 2)).is_err());
        assert_eq!(
            TargetPeriod::HalfYear.range(date(2026, 7, 1)).unwrap().1,
            date(2027, 1, 1)
        );
        assert!(TargetPeriod::Year.range(date(2026, 7, 1)).is_err());
    }

    #[test]
    fn whose_target_it_is_matches_its_level() {
        let rules = |level, b: Option<&str>, t: Option<&str>, p| {
            let mut e = FieldErrors::new();
            check_owner(&mut e, level, b, t, p);
            e.0.iter()
                .map(|x| format!("{}:{}", x.field, x.rule))
                .collect::<Vec<_>>()
        };
        assert!(rules(TargetLevel::Bank, None, None, false).is_empty());
        assert_eq!(
            rules(TargetLevel::Team, Some("BR0001"), None, false),
            vec!["team:required"]
        );
        assert_eq!(
            rules(TargetLevel::Bank, Some("BR0001"), None, false),
            vec!["branch_code:level"]
        );
        assert!(rules(TargetLevel::Person, None, None, true).is_empty());
    }
}
