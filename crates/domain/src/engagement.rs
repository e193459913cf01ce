//! Relationship maintenance: contact cadence by segment (seeds 000, 001, 004), as data.

use crate::customer::CustomerKind;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One contact plan: customers matching it are contacted every `every_months` by `method`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRule {
    /// Stable name, recorded on each task.
    pub key: String,
    /// A segment dimension and value (`wealth_tier` = `diamond`), and/or a customer kind.
    #[serde(default)]
    pub dimension: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub customer_kind: Option<CustomerKind>,
    pub every_months: u32,
    /// `call`, `visit`, `meeting` or `message`: how the manager is expected to reach the customer.
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementPolicy {
    pub on_time_grace_days: u32,
    pub plans: Vec<PlanRule>,
}

/// Kinds of interaction that count as a contact.
pub const METHODS: [&str; 4] = ["call", "visit", "meeting", "message"];

/// Notes under `field` that `method` is not one of [`METHODS`].
pub fn check_method(e: &mut crate::FieldErrors, field: &str, method: &str) {
    if !METHODS.contains(&method) {
        e.push(
            field,
            "one_of",
            format!("must be one of {}", METHODS.join(", ")),
        );
    }
}

impl PlanRule {
    fn matches(&self, kind: CustomerKind, segments: &BTreeMap<String, String>) -> bool {
        let kind_ok = self.customer_kind.is_none_or(|k| k == kind);
        let seg_ok = match (&self.dimension, &self.value) {
            (Some(d), Some(v)) => segments.get(d) == Some(v),
            (None, None) => true,
            _ => false,
        };
        kind_ok && seg_ok
    }
}

impl EngagementPolicy {
    /// The plan for a customer: of the rules that match, the most frequent (ties: the first listed).
    pub fn plan_for(
        &self,
        kind: CustomerKind,
        segments: &BTreeMap<String, String>,
    ) -> Option<&PlanRule> {
        self.plans
            .iter()
            .filter(|p| p.matches(kind, segments))
            .min_by_key(|p| p.every_months)
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        let mut keys = std::collections::HashSet::new();
        for (i, p) in self.plans.iter().enumerate() {
            let k = format!("plans[{i}]");
            if !keys.insert(p.key.as_str()) || p.key.is_empty() {
                return Err((format!("{k}.key"), "must be present and unique".into()));
            }
            if !(1..=24).contains(&p.every_months) {
                return Err((
                    format!("{k}.every_months"),
                    "must be between 1 and 24".into(),
                ));
            }
            if !METHODS.contains(&p.method.as_str()) {
                return Err((
                    format!("{k}.method"),
                    format!("must be one of {}", METHODS.join(", ")),
                ));
            }
            if p.dimension.is_some() != p.value.is_some() {
                return Err((k, "dimension and value go together".into()));
            }
            if p.dimension.is_none() && p.customer_kind.is_none() {
                return Err((
                    k,
                    "needs a dimension and value, a customer_kind, or both".into(),
                ));
            }
        }
        Ok(())
    }
}

/// When the next contact is due: `every_months` after the last contact, or after `since` (when the
/// customer became a client or the plan started) if there has been none. Month arithmetic clamps to the
/// month's end (31 Jan + 1 month = 28/29 Feb).
pub fn next_due(last_contact: Option<Date>, since: Date, every_months: u32) -> Date {
    let from = last_contact.unwrap_or(since);
    from.checked_add(jiff::Span::new().months(i64::from(every_months)))
        .unwrap_or(Date::MAX)
}

/// The due dates of the contact cycles missed since `due` (the open task's due date), and the due date of
/// the cycle running `today`: a cycle is missed once the next one has fallen due without a contact. A monthly
/// customer left alone since 15 March has, on 20 June, missed March, April and May and is due for June.
pub fn missed_cycles(due: Date, every_months: u32, today: Date) -> (Vec<Date>, Date) {
    let step = |d: Date| {
        d.checked_add(jiff::Span::new().months(i64::from(every_months.max(1))))
            .unwrap_or(Date::MAX)
    };
    let mut missed = Vec::new();
    let mut current = due;
    while step(current) <= today && missed.len() < 1200 {
        missed.push(current);
        current = step(current);
    }
    (missed, current)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use jiff::civil::date;

    #[test]
    fn every_missed_cycle_counts() {
        let (missed, current) = missed_cycles(date(2026, 3, 15), 1, date(2026, 6, 20));
        assert_eq!(
            missed,
            vec![date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15)]
        );
        assert_eq!(current, date(2026, 6, 15));
        // Overdue but still in its own cycle: nothing missed yet.
        let (missed, current) = missed_cycles(date(2026, 6, 1), 3, date(2026, 8, 31));
        assert!(missed.is_empty());
        assert_eq!(current, date(2026, 6, 1));
        // On the day the next cycle falls due the earlier one is missed.
        let (missed, _) = missed_cycles(date(2026, 6, 1), 3, date(2026, 9, 1));
        assert_eq!(missed, vec![date(2026, 6, 1)]);
    }

    fn segs(tier: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("wealth_tier".to_owned(), tier.to_owned())])
    }

    /// Seed 004: diamond monthly, platinum quarterly, gold half-yearly, standard yearly; seed 000:
    /// corporates quarterly.
    #[test]
    fn cadence_follows_the_tier() {
        let p = Policy::default_policy().engagement;
        for (tier, months) in [
            ("diamond", 1),
            ("platinum", 3),
            ("gold", 6),
            ("standard", 12),
        ] {
            let plan = p.plan_for(CustomerKind::Individual, &segs(tier)).unwrap();
            assert_eq!(plan.every_months, months, "{tier}");
        }
        assert_eq!(
            p.plan_for(CustomerKind::Corporate, &BTreeMap::new())
                .unwrap()
                .method,
            "meeting"
        );
        assert!(
            p.plan_for(CustomerKind::Individual, &BTreeMap::new())
                .is_none()
        );
    }

    #[test]
    fn the_next_contact_is_counted_from_the_last_one() {
        assert_eq!(next_due(None, date(2026, 1, 31), 1), date(2026, 2, 28));
        assert_eq!(
            next_due(Some(date(2026, 11, 2)), date(2020, 1, 1), 3),
            date(2027, 2, 2)
        );
    }

    #[test]
    fn a_plan_without_a_target_is_refused() {
        let mut p = Policy::default_policy().engagement;
        p.plans[0].dimension = None;
        assert_eq!(p.validate().unwrap_err().0, "plans[0]");
    }
}
