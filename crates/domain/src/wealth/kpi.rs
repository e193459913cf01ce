//! The wealth managers' KPIs (seed 004 §考核: 客户满意度、客户忠诚度（重复购买率、转介绍率）、客户资产增长率、
//! 投诉处理满意度), as the policy defines them — each a measure the engine computes, a target and a weight —
//! for a quarter or a year. A figure is a numerator over a denominator, so every figure drills down to the
//! records it counts.
//!
//! - `client_satisfaction`: the mean satisfaction (1-5) the manager's clients gave at contacts in the period;
//! - `complaint_satisfaction`: the mean satisfaction (1-5) of the surveys of the clients' complaints
//!   surveyed in the period;
//! - `repeat_purchase`: of the clients who bought an investment product in the period (a completed sale),
//!   the percent who had bought one before (an earlier completed sale);
//! - `referral`: the percent of the manager's clients who introduced someone in the period;
//! - `asset_growth`: the percent change of the clients' assets with the bank (the book's AUM) from the day
//!   before the period to its last day (or the latest figures before it).

use crate::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What a KPI measures.
    KpiMeasure {
        ClientSatisfaction = "client_satisfaction",
        ComplaintSatisfaction = "complaint_satisfaction",
        RepeatPurchase = "repeat_purchase",
        Referral = "referral",
        AssetGrowth = "asset_growth",
    }
);

impl KpiMeasure {
    /// A score on the 1-5 scale (else a percent).
    pub fn is_score(self) -> bool {
        matches!(self, Self::ClientSatisfaction | Self::ComplaintSatisfaction)
    }
}

/// One KPI as the policy defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiDef {
    pub measure: KpiMeasure,
    /// A score (1-5) or a percent the figure should reach.
    pub target: f64,
    /// Its share of a scorecard (the weights add up to 100).
    pub weight: u8,
}

/// Each measure at most once, targets on their scale, weights adding up to 100.
pub fn validate(kpis: &[KpiDef]) -> Result<(), (String, String)> {
    for (i, k) in kpis.iter().enumerate() {
        if kpis[..i].iter().any(|o| o.measure == k.measure) {
            return Err((format!("kpis[{i}].measure"), "each measure once".into()));
        }
        let ok = if k.measure.is_score() {
            (1.0..=5.0).contains(&k.target)
        } else {
            (-100.0..=1000.0).contains(&k.target)
        };
        if !ok {
            return Err((
                format!("kpis[{i}].target"),
                "a score from 1 to 5, or a percent".into(),
            ));
        }
    }
    let sum: u32 = kpis.iter().map(|k| u32::from(k.weight)).sum();
    if !kpis.is_empty() && sum != 100 {
        return Err((
            "kpis".into(),
            format!("the weights add up to {sum}, not 100"),
        ));
    }
    Ok(())
}

/// A period of the KPIs: a quarter (`2026-Q4`) or a year (`2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i16,
    /// 1-4, none for the whole year.
    pub quarter: Option<i8>,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, FieldErrors> {
        let bad = || {
            let mut e = FieldErrors::new();
            e.push("period", "period", "a quarter (2026-Q4) or a year (2026)");
            e
        };
        let (y, q) = match s.trim().split_once("-Q") {
            Some((y, q)) => (y, Some(q.parse::<i8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let year = y.parse::<i16>().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || q.is_some_and(|q| !(1..=4).contains(&q)) {
            return Err(bad());
        }
        Ok(Period { year, quarter: q })
    }

    /// The quarter `day` falls in.
    pub fn quarter_of(day: Date) -> Period {
        Period {
            year: day.year(),
            quarter: Some((day.month() - 1) / 3 + 1),
        }
    }

    /// The quarter before a quarter (Q4 of the year before Q1); the year before a year.
    pub fn previous(self) -> Period {
        match self.quarter {
            Some(1) => Period {
                year: self.year - 1,
                quarter: Some(4),
            },
            Some(q) => Period {
                year: self.year,
                quarter: Some(q - 1),
            },
            None => Period {
                year: self.year - 1,
                quarter: None,
            },
        }
    }

    /// First and last day.
    pub fn days(self) -> (Date, Date) {
        let (m1, m2) = match self.quarter {
            Some(q) => ((q - 1) * 3 + 1, q * 3),
            None => (1, 12),
        };
        let first = Date::new(self.year, m1, 1).unwrap_or(Date::MIN);
        let last = Date::new(self.year, m2, 1)
            .map(|d| d.last_of_month())
            .unwrap_or(Date::MAX);
        (first, last)
    }

    pub fn code(self) -> String {
        match self.quarter {
            Some(q) => format!("{}-Q{q}", self.year),
            None => self.year.to_string(),
        }
    }
}

/// A figure: `numerator / denominator` on its scale (a mean score, or a percent), none without a
/// denominator.
pub fn value(measure: KpiMeasure, numerator: i64, denominator: i64) -> Option<f64> {
    if denominator == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let (n, d) = (numerator as f64, denominator as f64);
    Some(match measure {
        KpiMeasure::ClientSatisfaction | KpiMeasure::ComplaintSatisfaction => n / d,
        KpiMeasure::RepeatPurchase | KpiMeasure::Referral => n * 100.0 / d,
        // The numerator is the end's assets, the denominator the start's.
        KpiMeasure::AssetGrowth => (n - d) * 100.0 / d,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_period_is_a_quarter_or_a_year() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q.days(), (date(2026, 10, 1), date(2026, 12, 31)));
        assert_eq!(
            Period::parse("2026").unwrap().days(),
            (date(2026, 1, 1), date(2026, 12, 31))
        );
        assert!(Period::parse("2026-Q5").is_err());
        assert!(Period::parse("Q4").is_err());
        assert_eq!(Period::quarter_of(date(2026, 8, 31)).code(), "2026-Q3");
        assert_eq!(
            Period::parse("2026-Q1").unwrap().previous().code(),
            "2025-Q4"
        );
        assert_eq!(
            Period::parse("2026-Q3").unwrap().previous().code(),
            "2026-Q2"
        );
    }

    #[test]
    fn a_figure_is_its_numerator_over_its_denominator_on_its_scale() {
        assert_eq!(value(KpiMeasure::ClientSatisfaction, 9, 2), Some(4.5));
        assert_eq!(value(KpiMeasure::Referral, 1, 4), Some(25.0));
        assert_eq!(value(KpiMeasure::AssetGrowth, 110, 100), Some(10.0));
        assert_eq!(value(KpiMeasure::RepeatPurchase, 0, 0), None);
    }

    #[test]
    fn the_policy_weighs_each_measure_once_to_100() {
        let k = |m, t, w| KpiDef {
            measure: m,
            target: t,
            weight: w,
        };
        assert!(
            validate(&[
                k(KpiMeasure::Referral, 10.0, 50),
                k(KpiMeasure::ClientSatisfaction, 4.5, 50)
            ])
            .is_ok()
        );
        assert!(
            validate(&[
                k(KpiMeasure::Referral, 10.0, 50),
                k(KpiMeasure::Referral, 4.5, 50)
            ])
            .is_err()
        );
        assert!(validate(&[k(KpiMeasure::ClientSatisfaction, 7.0, 100)]).is_err());
        assert!(validate(&[k(KpiMeasure::Referral, 10.0, 60)]).is_err());
    }
}
