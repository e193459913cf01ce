//! Feedback and complaints (seeds 000, 001, 004; DOMAIN-DEFAULTS §1): what a case is, which internal SLA
//! applies, where it is routed, and when it escalates. Pure rules over the `[feedback]` section of the
//! policy file; the application keeps the cases.

use crate::calendar::{RegulatoryProfile, Span, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How feedback reached the bank.
pub const CHANNELS: [&str; 7] = [
    "hotline",
    "online",
    "app",
    "branch",
    "email",
    "suggestion_box",
    "letter",
];
/// What kind of feedback it is.
pub const KINDS: [&str; 4] = ["inquiry", "suggestion", "complaint", "praise"];
/// How serious it is.
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
/// Who raised it: an individual customer, a corporate or institution, or someone who is not a customer.
pub const PARTIES: [&str; 3] = ["individual", "organization", "non_customer"];

/// Where a case stands. A repeat of an open case is `merged` into it and leaves the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Resolved,
    Closed,
    Merged,
}

/// What moves a case. Notes and lessons learned are recorded in any status and move nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseTransition {
    /// Work on an open case that keeps it open: reassign, pause, resume, extend, add or complete a task.
    Work,
    /// A solution and reply: the case is resolved (and may be reopened within the window).
    Resolve,
    /// The customer's satisfaction survey closes a resolved case.
    Survey,
    /// Reopened within the window after resolution or closing.
    Reopen,
    /// Folded into the open case it repeats.
    Merge,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] = [Self::Open, Self::Resolved, Self::Closed, Self::Merged];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The status after `t`, or `None` when `t` is not allowed from here.
    pub fn apply(self, t: CaseTransition) -> Option<CaseStatus> {
        use CaseTransition as T;
        match (self, t) {
            (Self::Open, T::Work) => Some(Self::Open),
            (Self::Open, T::Resolve) => Some(Self::Resolved),
            (Self::Open, T::Merge) => Some(Self::Merged),
            (Self::Resolved | Self::Closed, T::Survey) => Some(Self::Closed),
            (Self::Resolved | Self::Closed, T::Reopen) => Some(Self::Open),
            _ => None,
        }
    }

    /// Whether the case's clocks run (only an open case can escalate).
    pub fn is_open(self) -> bool {
        self == Self::Open
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `[feedback]` section of the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackPolicy {
    /// The working-day calendar deadlines count in (a file in the data directory or loaded by an admin).
    pub calendar: String,
    /// Products a case can concern.
    pub products: Vec<String>,
    /// The cause taxonomy (configurable).
    pub causes: Vec<String>,
    /// Internal reply deadlines: the first rule that matches a case applies.
    pub sla: Vec<SlaRule>,
    /// The regulatory deadline of complaints (15 calendar days, extendable to 30 and 60).
    pub regulatory: RegulatoryProfile,
    /// Owner and supervisor are told when this share of a deadline has passed (and again at breach).
    pub escalate_at_pct: u8,
    /// A resolved case can be reopened within this many calendar days.
    pub reopen_days: u32,
    /// Routing rules: the first that matches names the department (and optionally the owner).
    pub routing: Vec<RouteRule>,
    /// Where a case goes when no rule matches.
    pub default_department: String,
}

/// An internal SLA for the cases it matches (unset conditions match anything).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaRule {
    #[serde(default)]
    pub kind: Option<String>,
    /// `individual`, `organization` or `non_customer`.
    #[serde(default)]
    pub party: Option<String>,
    /// Complex cases (the registering staff member's judgement).
    #[serde(default)]
    pub complex: Option<bool>,
    /// `low`, `medium`, `high` or `critical`: an urgent matter gets its own, shorter clock.
    #[serde(default)]
    pub severity: Option<String>,
    pub within: Span,
}

/// A routing rule (unset conditions match anything).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub party: Option<String>,
    /// A segment the customer must be in: dimension and value (`wealth_tier` = `diamond`).
    #[serde(default)]
    pub dimension: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    pub department: String,
    /// A named owner (username); otherwise the least-loaded member of the department.
    #[serde(default)]
    pub owner: Option<String>,
}

/// What routing and SLAs look at.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub kind: String,
    pub party: String,
    pub complex: bool,
    pub product: Option<String>,
    pub branch: String,
    pub severity: String,
    /// The customer's current segments (dimension -> value).
    pub segments: BTreeMap<String, String>,
}

fn matches(rule: &Option<String>, v: &str) -> bool {
    rule.as_deref().is_none_or(|r| r == v)
}

/// Where a case goes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub department: String,
    pub owner: Option<String>,
    /// `routing[2]` or `default`: which rule decided.
    pub rule: String,
}

impl FeedbackPolicy {
    /// The internal SLA of a case and the rule that set it (`sla[0]`); `None` if no rule matches
    /// (a validated policy ends with a catch-all, so this does not happen with one).
    pub fn sla_for(&self, f: &CaseFacts) -> Option<(String, Span)> {
        self.sla
            .iter()
            .enumerate()
            .find(|(_, r)| {
                matches(&r.kind, &f.kind)
                    && matches(&r.party, &f.party)
                    && matches(&r.severity, &f.severity)
                    && r.complex.is_none_or(|c| c == f.complex)
            })
            .map(|(i, r)| (format!("sla[{i}]"), r.within))
    }

    /// Whether the regulatory clock runs: complaints only (inquiries, suggestions and praise have none).
    pub fn regulatory_for(&self, f: &CaseFacts) -> Option<Span> {
        (f.kind == "complaint").then_some(self.regulatory.base)
    }

    /// The department (and owner, when a rule names one) for a case.
    pub fn route(&self, f: &CaseFacts) -> Route {
        for (i, r) in self.routing.iter().enumerate() {
            let segment_ok = match (&r.dimension, &r.value) {
                (Some(d), Some(v)) => f.segments.get(d) == Some(v),
                _ => true,
            };
            if matches(&r.kind, &f.kind)
                && r.product
                    .as_deref()
                    .is_none_or(|p| f.product.as_deref() == Some(p))
                && matches(&r.branch, &f.branch)
                && matches(&r.severity, &f.severity)
                && matches(&r.party, &f.party)
                && segment_ok
            {
                return Route {
                    department: r.department.clone(),
                    owner: r.owner.clone(),
                    rule: format!("routing[{i}]"),
                };
            }
        }
        Route {
            department: self.default_department.clone(),
            owner: None,
            rule: "default".into(),
        }
    }

    /// Checks the section: known kinds, parties, severities, products and dimensions in the rules; a
    /// catch-all SLA last; a sensible escalation share.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let one_of = |key: String, v: &Option<String>, allowed: &[&str]| match v {
            Some(x) if !allowed.contains(&x.as_str()) => {
                Err((key, format!("`{x}` is not one of {}", allowed.join(", "))))
            }
            _ => Ok(()),
        };
        if self.calendar.trim().is_empty() {
            return Err(("calendar".into(), "name the working-day calendar".into()));
        }
        if self.causes.is_empty() || self.products.is_empty() {
            return Err((
                "causes".into(),
                "list at least one cause and one product".into(),
            ));
        }
        if !(1..=99).contains(&self.escalate_at_pct) {
            return Err(("escalate_at_pct".into(), "must be between 1 and 99".into()));
        }
        for (i, r) in self.sla.iter().enumerate() {
            one_of(format!("sla[{i}].kind"), &r.kind, &KINDS)?;
            one_of(format!("sla[{i}].party"), &r.party, &PARTIES)?;
            one_of(format!("sla[{i}].severity"), &r.severity, &SEVERITIES)?;
            if r.within.amount == 0 {
                return Err((format!("sla[{i}].within"), "must be more than 0".into()));
            }
        }
        match self.sla.last() {
            Some(r)
                if r.kind.is_none()
                    && r.party.is_none()
                    && r.complex.is_none()
                    && r.severity.is_none() => {}
            _ => {
                return Err((
                    "sla".into(),
                    "the last rule must match every case (no conditions)".into(),
                ));
            }
        }
        let products: Vec<&str> = self.products.iter().map(String::as_str).collect();
        for (i, r) in self.routing.iter().enumerate() {
            one_of(format!("routing[{i}].kind"), &r.kind, &KINDS)?;
            one_of(format!("routing[{i}].party"), &r.party, &PARTIES)?;
            one_of(format!("routing[{i}].severity"), &r.severity, &SEVERITIES)?;
            one_of(format!("routing[{i}].product"), &r.product, &products)?;
            one_of(
                format!("routing[{i}].dimension"),
                &r.dimension,
                &crate::segments::DIMENSIONS,
            )?;
            if r.dimension.is_some() != r.value.is_some() {
                return Err((
                    format!("routing[{i}]"),
                    "`dimension` and `value` go together".into(),
                ));
            }
            if r.department.trim().is_empty() {
                return Err((format!("routing[{i}].department"), "is required".into()));
            }
        }
        if self.regulatory.base.unit == Unit::Hours
            || self.regulatory.first_extension_to < self.regulatory.base.amount
            || self.regulatory.second_extension_to < self.regulatory.first_extension_to
        {
            return Err((
                "regulatory".into(),
                "days that grow with each extension (15 -> 30 -> 60)".into(),
            ));
        }
        Ok(())
    }
}

/// The escalation stage of one clock at `now` (all in microseconds): 0 before the warning point,
/// 1 once `pct` % of the time has passed, 2 at or after the deadline.
pub fn stage(start_us: i64, due_us: i64, pct: u8, now_us: i64) -> u8 {
    if now_us >= due_us {
        2
    } else if now_us >= warn_at(start_us, due_us, pct) {
        1
    } else {
        0
    }
}

/// When `pct` % of the time from `start_us` to `due_us` has passed.
pub fn warn_at(start_us: i64, due_us: i64, pct: u8) -> i64 {
    let total = i128::from(due_us.saturating_sub(start_us).max(0));
    start_us.saturating_add(((total * i128::from(pct)) / 100) as i64)
}

/// A case's escalation level from its two clocks: 1 internal SLA warning, 2 SLA breached,
/// 3 regulatory warning, 4 regulatory deadline breached.
pub fn level(sla_stage: u8, regulatory_stage: Option<u8>) -> u8 {
    match regulatory_stage {
        Some(r) if r > 0 => 2 + r,
        _ => sla_stage,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_case_moves_only_along_its_transitions() {
        use CaseStatus::*;
        use CaseTransition as T;
        assert_eq!(Open.apply(T::Work), Some(Open));
        assert_eq!(Open.apply(T::Resolve), Some(Resolved));
        assert_eq!(Open.apply(T::Merge), Some(Merged));
        assert_eq!(Resolved.apply(T::Survey), Some(Closed));
        assert_eq!(Closed.apply(T::Survey), Some(Closed));
        assert_eq!(Resolved.apply(T::Reopen), Some(Open));
        assert_eq!(Closed.apply(T::Reopen), Some(Open));
        // Refused: work or a second resolution after resolving, a survey or reopening of an open case,
        // anything on a merged repeat.
        assert_eq!(Resolved.apply(T::Work), None);
        assert_eq!(Resolved.apply(T::Resolve), None);
        assert_eq!(Open.apply(T::Survey), None);
        assert_eq!(Open.apply(T::Reopen), None);
        for t in [T::Work, T::Resolve, T::Survey, T::Reopen, T::Merge] {
            assert_eq!(Merged.apply(t), None);
        }
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CaseStatus::parse("pending"), None);
    }

    use crate::policy::Policy;

    fn facts(kind: &str, party: &str, complex: bool) -> CaseFacts {
        CaseFacts {
            kind: kind.into(),
            party: party.into(),
            complex,
            branch: "BR0001".into(),
            severity: "medium".into(),
            ..Default::default()
        }
    }

    #[test]
    fn individuals_get_24_hours_and_complex_corporate_cases_5_working_days() {
        let p = Policy::default_policy().feedback;
        let h = |f: CaseFacts| p.sla_for(&f).unwrap().1;
        assert_eq!(
            h(facts("complaint", "individual", false)),
            Span {
                amount: 24,
                unit: Unit::Hours
            }
        );
        assert_eq!(
            h(facts("complaint", "organization", true)),
            Span {
                amount: 5,
                unit: Unit::WorkingDays
            }
        );
        assert_eq!(
            h(facts("complaint", "organization", false)),
            Span {
                amount: 3,
                unit: Unit::WorkingDays
            }
        );
        assert_eq!(h(facts("inquiry", "non_customer", false)).unit, Unit::Hours);
        // Only complaints run the regulatory clock.
        assert!(
            p.regulatory_for(&facts("complaint", "individual", false))
                .is_some()
        );
        assert!(
            p.regulatory_for(&facts("praise", "individual", false))
                .is_none()
        );
    }

    #[test]
    fn routing_takes_the_first_matching_rule_with_segment_conditions() {
        let p = Policy::default_policy().feedback;
        let mut f = facts("complaint", "individual", false);
        f.product = Some("wealth".into());
        assert_eq!(p.route(&f).department, "wealth");
        f.product = Some("deposits".into());
        assert_eq!(p.route(&f).department, "service");
        assert_eq!(p.route(&f).rule, "default");
        f.segments.insert("wealth_tier".into(), "diamond".into());
        let r = p.route(&f);
        assert_eq!(
            (r.department.as_str(), r.rule.starts_with("routing[")),
            ("wealth", true)
        );
        let f = facts("complaint", "organization", false);
        assert_eq!(p.route(&f).department, "corporate");
    }

    #[test]
    fn escalation_stages_follow_the_share_of_time_used() {
        let h = 3_600_000_000_i64;
        // 24 hours from 0: warning at 19.2 h (80%), breach at 24 h.
        assert_eq!(warn_at(0, 24 * h, 80), 19 * h + h / 5);
        assert_eq!(stage(0, 24 * h, 80, 19 * h), 0);
        assert_eq!(stage(0, 24 * h, 80, 20 * h), 1);
        assert_eq!(stage(0, 24 * h, 80, 24 * h), 2);
        assert_eq!(level(1, Some(0)), 1);
        assert_eq!(level(2, Some(1)), 3);
        assert_eq!(level(2, None), 2);
    }

    #[test]
    fn a_bad_feedback_section_is_named() {
        let mut p = Policy::default_policy().feedback;
        p.routing[0].kind = Some("rant".into());
        assert_eq!(p.validate().unwrap_err().0, "routing[0].kind");
        let mut p = Policy::default_policy().feedback;
        p.sla.pop();
        p.sla.push(SlaRule {
            kind: Some("complaint".into()),
            party: None,
            complex: None,
            severity: None,
            within: Span {
                amount: 1,
                unit: Unit::Hours,
            },
        });
        assert_eq!(p.validate().unwrap_err().0, "sla");
        let mut p = Policy::default_policy().feedback;
        p.escalate_at_pct = 100;
        assert_eq!(p.validate().unwrap_err().0, "escalate_at_pct");
    }
}
