//! What the book tells about a registered care customer (seed 003 §四 理财规划调整, §五 风险控制): investment
//! holdings above the customer's current capacity to bear risk — which the hardship lowered, by its financial
//! impact — call for the wealth manager to review and rebalance them; credit past due or drawn near its limit
//! calls for the risk specialist, in person (gentle collection: a named person, never an automated reminder).

use super::FinancialImpact;
use crate::book::RiskLevel;
use serde::{Deserialize, Serialize};

/// `[care.watch]`: the capacity each financial impact leaves, and when credit calls for the named person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchPolicy {
    /// The highest product risk level a customer whose finances the situation hits this hard should hold.
    pub capacity_minor: RiskLevel,
    pub capacity_significant: RiskLevel,
    pub capacity_severe: RiskLevel,
    /// A credit holding this many days or more past due is watched.
    pub arrears_days: u16,
    /// A credit line drawn to this per cent of its limit or more is watched.
    pub utilisation_pct: u8,
    /// The review or the contact a watch sets is due this many days later.
    pub task_days: u16,
    /// Gentle collection: the team's part that contacts a customer in arrears in person (the named person the
    /// core system's collection is told of; Banyan itself sends no collection reminders).
    pub collection_part: super::team::CareRole,
}

impl WatchPolicy {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.arrears_days == 0 {
            return Err(("arrears_days".into(), "must be at least 1".into()));
        }
        if !(1..=100).contains(&self.utilisation_pct) {
            return Err(("utilisation_pct".into(), "must be 1 to 100".into()));
        }
        // A harder hit never leaves more capacity than a lighter one.
        if self.capacity_significant > self.capacity_minor
            || self.capacity_severe > self.capacity_significant
        {
            return Err((
                "capacity_severe".into(),
                "must not be above capacity_significant, nor that above capacity_minor".into(),
            ));
        }
        Ok(())
    }

    /// The highest risk level the customer should now hold.
    pub fn capacity(&self, impact: FinancialImpact) -> RiskLevel {
        match impact {
            FinancialImpact::Minor => self.capacity_minor,
            FinancialImpact::Significant => self.capacity_significant,
            FinancialImpact::Severe => self.capacity_severe,
        }
    }

    /// Whether a credit holding is past due long enough to be watched.
    pub fn in_arrears(&self, days_past_due: i32) -> bool {
        days_past_due >= i32::from(self.arrears_days)
    }

    /// Whether a credit line is drawn near its limit (`outstanding` and `limit` in one currency).
    pub fn stretched(&self, outstanding: i64, limit: i64) -> bool {
        limit > 0
            && i128::from(outstanding) * 100 >= i128::from(limit) * i128::from(self.utilisation_pct)
    }
}

/// Whether a product of `level` is above `capacity` (a product without a level — a deposit, a loan — never
/// is).
pub fn above_capacity(level: Option<RiskLevel>, capacity: RiskLevel) -> bool {
    level.is_some_and(|l| l > capacity)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_harder_hit_leaves_less_capacity_and_credit_is_watched_from_its_thresholds() {
        let p = crate::care::CarePolicy::default().watch;
        assert!(p.validate().is_ok());
        assert!(p.capacity(FinancialImpact::Severe) <= p.capacity(FinancialImpact::Significant));
        assert!(above_capacity(Some(RiskLevel::R4), RiskLevel::R2));
        assert!(!above_capacity(Some(RiskLevel::R2), RiskLevel::R2));
        assert!(!above_capacity(None, RiskLevel::R1));
        assert!(!p.in_arrears(i32::from(p.arrears_days) - 1));
        assert!(p.in_arrears(i32::from(p.arrears_days)));
        assert_eq!(p.stretched(9_500, 10_000), 95 >= p.utilisation_pct);
        assert!(!p.stretched(1, 0));
        assert_eq!(
            p.collection_part,
            crate::care::team::CareRole::RiskSpecialist
        );
        let mut bad = p.clone();
        bad.capacity_severe = RiskLevel::R5;
        bad.capacity_significant = RiskLevel::R2;
        assert_eq!(bad.validate().unwrap_err().0, "capacity_severe");
    }
}
