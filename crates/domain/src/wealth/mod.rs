//! Wealth advisory (seed 004 理財客戶維護管理辦法, seed 000 §4; DOMAIN-DEFAULTS §2): what a client may be sold
//! and the proof afterwards that every sale was suitable. `suitability` holds the rules the book's one gate
//! asks at the moment of sale; the steps a sale then waits for (the client's confirmation and a senior
//! reviewer for an older client and a high-risk product, the cooling-off of a private product) are the
//! states of [`SaleStep`].

pub mod kpi;
pub mod picture;
pub mod plan;
pub mod suitability;
pub mod team;

use crate::book::RiskLevel;
use plan::{Allocation, AllocationClass};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

code_enum!(
    /// Where a suitable sale stands once the gate let it through.
    SaleStep {
        /// An older client and a high-risk product: the client confirmed, a senior reviewer decides.
        AwaitingReview = "awaiting_review",
        /// A private product: the client may cancel for a full refund until the period ends, and the
        /// seller may not contact them.
        CoolingOff = "cooling_off",
        /// Final.
        Completed = "completed",
        /// The senior reviewer declined it.
        Declined = "declined",
        /// The client cancelled during the cooling-off (full refund).
        Cancelled = "cancelled",
    }
);

/// What moves a sale after the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMove {
    /// The senior reviewer approves; a private product then cools off.
    Approve {
        private: bool,
    },
    Decline,
    /// The client changes their mind during the cooling-off.
    Cancel,
    /// The cooling-off period ran out.
    Finalise,
}

impl SaleStep {
    /// The step a sale starts in after the gate let it through.
    pub fn first(senior_review: bool, private: bool) -> SaleStep {
        match (senior_review, private) {
            (true, _) => Self::AwaitingReview,
            (false, true) => Self::CoolingOff,
            (false, false) => Self::Completed,
        }
    }

    pub fn apply(self, m: StepMove) -> Option<SaleStep> {
        match (self, m) {
            (Self::AwaitingReview, StepMove::Approve { private: true }) => Some(Self::CoolingOff),
            (Self::AwaitingReview, StepMove::Approve { private: false }) => Some(Self::Completed),
            (Self::AwaitingReview, StepMove::Decline) => Some(Self::Declined),
            (Self::CoolingOff, StepMove::Cancel) => Some(Self::Cancelled),
            (Self::CoolingOff, StepMove::Finalise) => Some(Self::Completed),
            _ => None,
        }
    }

    /// Whether the sale still waits for something.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::AwaitingReview | Self::CoolingOff)
    }
}

/// The `[wealth]` section of the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WealthPolicy {
    /// In the three-level mode of the questionnaire, the highest product level each appetite may buy (the
    /// five-level mode is fixed by the rule itself: C*n* buys R1 to R*n*).
    pub conservative: RiskLevel,
    pub balanced: RiskLevel,
    pub aggressive: RiskLevel,
    /// From this age a high-risk product needs the client's extra confirmation and a senior reviewer.
    pub senior_age: u8,
    /// The product levels that are high-risk for that rule.
    pub senior_levels: Vec<RiskLevel>,
    /// A private product's cooling-off, in hours.
    pub cooling_off_hours: u16,
    /// The audio-video recording is kept at least this many months after the product ends.
    pub recording_months: u16,
    /// The target allocation a plan starts from, by the highest product level the client's assessment may
    /// buy (R1 to R5), in percent by class.
    pub allocation: BTreeMap<RiskLevel, Allocation>,
    /// The wealth managers' KPIs: what each measures, its target and its weight on a scorecard.
    #[serde(default)]
    pub kpis: Vec<kpi::KpiDef>,
}

impl WealthPolicy {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.conservative > self.balanced || self.balanced > self.aggressive {
            return Err((
                "balanced".into(),
                "conservative ≤ balanced ≤ aggressive".into(),
            ));
        }
        if self.senior_age < 18 {
            return Err(("senior_age".into(), "must be at least 18".into()));
        }
        if self.cooling_off_hours == 0 {
            return Err((
                "cooling_off_hours".into(),
                "must be at least 1 (24 by the rules)".into(),
            ));
        }
        if self.recording_months < 6 {
            return Err((
                "recording_months".into(),
                "must be at least 6 (the rules' minimum)".into(),
            ));
        }
        kpi::validate(&self.kpis)?;
        for level in RiskLevel::ALL {
            let Some(a) = self.allocation.get(level) else {
                return Err((
                    format!("allocation.{}", level.as_str()),
                    "every level R1 to R5 has a target allocation".into(),
                ));
            };
            if let Err(e) = a.check("", *level) {
                let f =
                    e.0.first()
                        .map(|f| f.field.trim_start_matches('.'))
                        .unwrap_or("");
                return Err((
                    format!(
                        "allocation.{}{}{f}",
                        level.as_str(),
                        if f.is_empty() { "" } else { "." }
                    ),
                    e.0.first().map(|f| f.message.clone()).unwrap_or_default(),
                ));
            }
        }
        Ok(())
    }

    /// The highest product level an assessment's level may buy; `None` for a level the questionnaire does
    /// not give.
    pub fn ceiling(&self, level: &str) -> Option<RiskLevel> {
        match level {
            "conservative" => Some(self.conservative),
            "balanced" => Some(self.balanced),
            "aggressive" => Some(self.aggressive),
            "C1" => Some(RiskLevel::R1),
            "C2" => Some(RiskLevel::R2),
            "C3" => Some(RiskLevel::R3),
            "C4" => Some(RiskLevel::R4),
            "C5" => Some(RiskLevel::R5),
            _ => None,
        }
    }

    /// The target allocation a plan for a client who may buy up to `ceiling` starts from.
    pub fn target_for(&self, ceiling: RiskLevel) -> Allocation {
        self.allocation
            .get(&ceiling)
            .cloned()
            .unwrap_or_else(|| Allocation(BTreeMap::from([(AllocationClass::Deposits, 100)])))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sale_waits_for_its_review_and_its_cooling_off_in_that_order() {
        assert_eq!(SaleStep::first(true, true), SaleStep::AwaitingReview);
        assert_eq!(SaleStep::first(false, true), SaleStep::CoolingOff);
        assert_eq!(SaleStep::first(false, false), SaleStep::Completed);
        assert_eq!(
            SaleStep::AwaitingReview.apply(StepMove::Approve { private: true }),
            Some(SaleStep::CoolingOff)
        );
        assert_eq!(SaleStep::AwaitingReview.apply(StepMove::Cancel), None);
        assert_eq!(
            SaleStep::CoolingOff.apply(StepMove::Cancel),
            Some(SaleStep::Cancelled)
        );
        assert_eq!(SaleStep::Completed.apply(StepMove::Cancel), None);
        for s in SaleStep::ALL {
            for m in [
                StepMove::Approve { private: false },
                StepMove::Decline,
                StepMove::Cancel,
                StepMove::Finalise,
            ] {
                if s.apply(m).is_some() {
                    assert!(s.is_pending(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn each_level_buys_up_to_its_ceiling() {
        let p = crate::policy::Policy::default_policy().wealth;
        assert!(p.validate().is_ok());
        assert_eq!(p.ceiling("C1"), Some(RiskLevel::R1));
        assert_eq!(p.ceiling("C5"), Some(RiskLevel::R5));
        assert!(p.ceiling("conservative").unwrap() < p.ceiling("aggressive").unwrap());
        assert_eq!(p.ceiling("expired"), None);
    }
}
