//! A client's plan (seed 004 §资产配置): the target allocation for their risk level and goals, the gap
//! against what they hold now, and the actions recommended to close it — each a product of the catalogue
//! the gate would let through — with the client's decision on each. A plan is adjusted by a new version
//! with its reason (the market, a life event, a revisit); the earlier versions stay as its history.

use crate::FieldErrors;
use crate::book::{ProductKind, RiskLevel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

code_enum!(
    /// An allocation class: what a holding is, for the plan's target and gap.
    AllocationClass {
        /// Demand deposits and cash.
        Cash = "cash",
        /// Time deposits.
        Deposits = "deposits",
        /// Low-risk (R1-R2) wealth products, funds and trusts; bonds.
        FixedIncome = "fixed_income",
        /// Medium-risk (R3) products; declared funds.
        Mixed = "mixed",
        /// High-risk (R4-R5) products; stocks.
        Equity = "equity",
        /// Precious metals.
        Alternatives = "alternatives",
    }
);

impl AllocationClass {
    /// The class a book holding counts in (none for credit, insurance and services).
    pub fn of_product(kind: ProductKind, risk: Option<RiskLevel>) -> Option<AllocationClass> {
        match kind {
            ProductKind::DemandDeposit => Some(Self::Cash),
            ProductKind::TimeDeposit => Some(Self::Deposits),
            ProductKind::PreciousMetals => Some(Self::Alternatives),
            ProductKind::WealthProduct | ProductKind::Fund | ProductKind::Trust => {
                Some(match risk {
                    None | Some(RiskLevel::R1 | RiskLevel::R2) => Self::FixedIncome,
                    Some(RiskLevel::R3) => Self::Mixed,
                    Some(RiskLevel::R4 | RiskLevel::R5) => Self::Equity,
                })
            }
            _ => None,
        }
    }

    /// The lowest level a client must be assessed at for the class to be in their target (the gate would
    /// refuse its products below it).
    pub fn min_level(self) -> RiskLevel {
        match self {
            Self::Cash | Self::Deposits | Self::FixedIncome => RiskLevel::R1,
            Self::Mixed => RiskLevel::R3,
            Self::Equity | Self::Alternatives => RiskLevel::R4,
        }
    }
}

/// A target allocation: percent by class, summing to 100.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = BTreeMap<String, u8>)]
pub struct Allocation(pub BTreeMap<AllocationClass, u8>);

impl Allocation {
    /// Sums to 100, and holds no class above what `ceiling` may buy; errors under `field.<class>`.
    pub fn check(&self, field: &str, ceiling: RiskLevel) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        for (c, p) in &self.0 {
            if *p > 0 && c.min_level() > ceiling {
                e.push(
                    format!("{field}.{}", c.as_str()),
                    "above_level",
                    format!(
                        "the client's assessment buys up to {}; this class needs {}",
                        ceiling.as_str(),
                        c.min_level().as_str()
                    ),
                );
            }
        }
        let sum: u32 = self.0.values().map(|p| u32::from(*p)).sum();
        if sum != 100 {
            e.push(
                field,
                "sum_100",
                format!("the percentages add up to {sum}, not 100"),
            );
        }
        e.into_result()
    }
}

/// One class of the gap between a plan's target and what the client holds.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapLine {
    pub class: AllocationClass,
    /// CNY fen held now (the book and the declared).
    pub current: i64,
    /// Per thousand of the investable total (so a chart needs no floats).
    pub current_permille: u16,
    pub target_percent: u8,
    /// CNY fen the target asks for.
    pub target: i64,
    /// `target - current`: to add when positive, to reduce when negative.
    pub gap: i64,
}

/// The gap of `current` against `target`, a line per class either names.
pub fn gap(target: &Allocation, current: &BTreeMap<AllocationClass, i64>) -> Vec<GapLine> {
    let total: i64 = current.values().sum();
    AllocationClass::ALL
        .iter()
        .filter(|c| target.0.contains_key(c) || current.contains_key(c))
        .map(|c| {
            let held = current.get(c).copied().unwrap_or(0);
            let pct = target.0.get(c).copied().unwrap_or(0);
            let goal = i64::try_from(i128::from(total) * i128::from(pct) / 100).unwrap_or(i64::MAX);
            GapLine {
                class: *c,
                current: held,
                current_permille: if total <= 0 {
                    0
                } else {
                    u16::try_from((i128::from(held) * 1000 / i128::from(total)).clamp(0, 1000))
                        .unwrap_or(1000)
                },
                target_percent: pct,
                target: goal,
                gap: goal - held,
            }
        })
        .collect()
}

code_enum!(
    /// Why a plan was made or adjusted.
    PlanReason {
        /// The first plan.
        Initial = "initial",
        MarketChange = "market_change",
        /// Marriage, a child, a move, an illness, retirement.
        LifeEvent = "life_event",
        /// Reviewed at a revisit.
        Revisit = "revisit",
        /// The client's risk assessment changed.
        Reassessed = "reassessed",
    }
);

code_enum!(
    /// Where a recommended action stands with the client.
    ActionDecision {
        /// Recommended, not yet answered.
        Proposed = "proposed",
        Accepted = "accepted",
        Declined = "declined",
        /// The client will decide later.
        Deferred = "deferred",
    }
);

impl ActionDecision {
    /// The client answers a proposed or deferred action; an accepted or declined one is final.
    pub fn answer(self, to: ActionDecision) -> Option<ActionDecision> {
        match (self, to) {
            (Self::Proposed, Self::Accepted | Self::Declined | Self::Deferred)
            | (Self::Deferred, Self::Accepted | Self::Declined) => Some(to),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Proposed | Self::Deferred)
    }
}

/// An accepted recommendation as the matching reads it: which product, and when the client accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<P> {
    pub product: P,
    pub accepted_at_us: i64,
}

/// A sale the book recorded (the gate let it through): which product, when, how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sold<P> {
    pub product: P,
    pub at_us: i64,
    pub amount: i64,
}

/// Which sale carried out each accepted recommendation: the earliest recorded sale of the same product at or
/// after its acceptance that no earlier-accepted recommendation took (a sale carries out one
/// recommendation). The answer is in the order of `accepted`; none where no such sale exists yet.
pub fn carried_out<P: PartialEq + Copy>(
    accepted: &[Accepted<P>],
    sold: &[Sold<P>],
) -> Vec<Option<Sold<P>>> {
    let mut order: Vec<usize> = (0..accepted.len()).collect();
    order.sort_by_key(|i| accepted[*i].accepted_at_us);
    let mut taken = vec![false; sold.len()];
    let mut out = vec![None; accepted.len()];
    for i in order {
        let a = accepted[i];
        let found = sold
            .iter()
            .enumerate()
            .filter(|(k, s)| !taken[*k] && s.product == a.product && s.at_us >= a.accepted_at_us)
            .min_by_key(|(_, s)| s.at_us)
            .map(|(k, _)| k);
        if let Some(k) = found {
            taken[k] = true;
            out[i] = Some(sold[k]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sale_after_the_acceptance_carries_out_one_recommendation() {
        let acc = |product, at| Accepted {
            product,
            accepted_at_us: at,
        };
        let sale = |product, at, amount| Sold {
            product,
            at_us: at,
            amount,
        };
        let accepted = [acc('A', 100), acc('B', 100), acc('A', 50)];
        // A sale of A before either acceptance carries out nothing; the two later sales of A go to the two
        // acceptances of A, the earlier-accepted first; B was never bought.
        let sold = [sale('A', 10, 1), sale('A', 300, 3), sale('A', 200, 2)];
        let got = carried_out(&accepted, &sold);
        assert_eq!(
            got,
            vec![Some(sale('A', 300, 3)), None, Some(sale('A', 200, 2))]
        );
        assert_eq!(carried_out::<char>(&[], &sold), vec![]);
    }

    fn alloc(p: &[(AllocationClass, u8)]) -> Allocation {
        Allocation(p.iter().copied().collect())
    }

    #[test]
    fn a_target_sums_to_100_and_stays_within_the_level() {
        let a = alloc(&[(AllocationClass::Cash, 20), (AllocationClass::Equity, 70)]);
        let e = a.check("target", RiskLevel::R3).unwrap_err();
        let rules: Vec<_> =
            e.0.iter()
                .map(|f| format!("{}:{}", f.field, f.rule))
                .collect();
        assert_eq!(rules, ["target.equity:above_level", "target:sum_100"]);
        let a = alloc(&[(AllocationClass::Cash, 30), (AllocationClass::Equity, 70)]);
        assert!(a.check("target", RiskLevel::R5).is_ok());
    }

    #[test]
    fn the_gap_says_what_to_add_and_what_to_reduce() {
        let target = alloc(&[
            (AllocationClass::Cash, 20),
            (AllocationClass::FixedIncome, 80),
        ]);
        let current = BTreeMap::from([
            (AllocationClass::Cash, 600_000),
            (AllocationClass::Equity, 400_000),
        ]);
        let g = gap(&target, &current);
        let cash = g.iter().find(|l| l.class == AllocationClass::Cash).unwrap();
        assert_eq!(
            (cash.target, cash.gap, cash.current_permille),
            (200_000, -400_000, 600)
        );
        let fixed = g
            .iter()
            .find(|l| l.class == AllocationClass::FixedIncome)
            .unwrap();
        assert_eq!(fixed.gap, 800_000);
        let equity = g
            .iter()
            .find(|l| l.class == AllocationClass::Equity)
            .unwrap();
        assert_eq!((equity.target_percent, equity.gap), (0, -400_000));
    }

    #[test]
    fn holdings_fall_in_classes_by_kind_and_level() {
        use AllocationClass as A;
        assert_eq!(
            A::of_product(ProductKind::Fund, Some(RiskLevel::R4)),
            Some(A::Equity)
        );
        assert_eq!(
            A::of_product(ProductKind::WealthProduct, Some(RiskLevel::R2)),
            Some(A::FixedIncome)
        );
        assert_eq!(A::of_product(ProductKind::Mortgage, None), None);
        assert_eq!(
            ActionDecision::Proposed.answer(ActionDecision::Deferred),
            Some(ActionDecision::Deferred)
        );
        assert_eq!(
            ActionDecision::Deferred.answer(ActionDecision::Deferred),
            None
        );
        assert_eq!(
            ActionDecision::Accepted.answer(ActionDecision::Declined),
            None
        );
    }
}
