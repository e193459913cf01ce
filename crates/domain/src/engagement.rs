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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use jiff::civil::date;

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
