//! Visits to a lead (seed 002 §四, 客户拜访与沟通): a plan made from the screening result (purpose, time,
//! staff, method; a key lead's special plan prepared in full: background, competitors, materials, talking
//! points), then the visit's record and feedback (the customer's needs, opinions, the outcome, the next
//! step). A visit is `planned`, then `done` (recorded) or `cancelled`. Planning the first visit moves a
//! qualified lead to `visiting`; a record saying the customer wants to go on moves it to `proposal`; by hand
//! the lead leaves `visiting` only once a visit is recorded.

use super::LeadStage;
use crate::FieldErrors;
use serde::{Deserialize, Serialize};

code_enum!(
    /// How the visit is held.
    VisitMethod {
        /// At the lead's home or premises.
        Visit = "visit",
        /// At the bank.
        Meeting = "meeting",
        /// A video call.
        Video = "video",
    }
);

code_enum!(
    /// Where a visit stands: `planned`, then `done` (its record written) or `cancelled` (with a reason).
    LeadVisitState {
        Planned = "planned",
        Done = "done",
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// What came of a visit.
    VisitOutcome {
        /// The customer wants to go on: a proposal is next.
        Proceed = "proceed",
        /// Another visit is needed (the next step says what).
        FollowUp = "follow_up",
        /// The customer is not interested now.
        NotInterested = "not_interested",
    }
);

/// What moves a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitMove {
    /// The visit took place: its record and feedback.
    Record,
    /// It will not take place, with a reason.
    Cancel,
}

impl LeadVisitState {
    /// The state after `m`, or `None` when `m` is not allowed from here.
    pub fn apply(self, m: VisitMove) -> Option<LeadVisitState> {
        match (self, m) {
            (Self::Planned, VisitMove::Record) => Some(Self::Done),
            (Self::Planned, VisitMove::Cancel) => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Whether a visit may be planned for a lead at this stage: once a reviewer qualified it, until it is won
/// (negotiation and the papers take visits too); never for a rejected or lost lead.
pub fn may_plan(stage: LeadStage) -> bool {
    matches!(
        stage,
        LeadStage::Qualified
            | LeadStage::Visiting
            | LeadStage::Proposal
            | LeadStage::Contract
            | LeadStage::Application
    )
}

/// The stage a lead is at after a visit is planned: a qualified lead is being visited.
pub fn stage_after_plan(stage: LeadStage) -> LeadStage {
    match stage {
        LeadStage::Qualified => LeadStage::Visiting,
        s => s,
    }
}

/// The stage a lead is at after a visit is recorded: from `visiting`, a customer who wants to go on moves it
/// to `proposal`; any other outcome leaves it where it is.
pub fn stage_after_record(stage: LeadStage, outcome: VisitOutcome) -> LeadStage {
    match (stage, outcome) {
        (LeadStage::Visiting, VisitOutcome::Proceed) => LeadStage::Proposal,
        (s, _) => s,
    }
}

/// How to prepare a visit (seed 002 §四.2): the lead's background and needs, its competitors' offers, the
/// materials to bring, and the talking points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preparation {
    pub background: Option<String>,
    pub competitors: Option<String>,
    pub materials: Option<String>,
    pub talking_points: Option<String>,
}

impl Preparation {
    /// A key lead's special plan is prepared in full before the visit (seed: 对于重点客户,应制定专项拜访计划,
    /// 提前做好充分准备): its background, the competitors and the talking points are required. Each missing
    /// one is named.
    pub fn check(&self, key_lead: bool, e: &mut FieldErrors) {
        if !key_lead {
            return;
        }
        for (field, v) in [
            ("background", &self.background),
            ("competitors", &self.competitors),
            ("talking_points", &self.talking_points),
        ] {
            if v.as_deref().is_none_or(|v| v.trim().is_empty()) {
                e.push(
                    field,
                    "required_for_key_lead",
                    "a key lead's special plan is prepared in full",
                );
            }
        }
    }
}

/// Checks a visit's record: what the customer needs is said, and a visit calling for another says what
/// comes next.
pub fn check_record(
    summary: Option<&str>,
    outcome: VisitOutcome,
    next_step: Option<&str>,
    e: &mut FieldErrors,
) {
    let blank = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
    if blank(summary) {
        e.push(
            "summary",
            "required",
            "say what the customer needs and what was discussed",
        );
    }
    if outcome == VisitOutcome::FollowUp && blank(next_step) {
        e.push(
            "next_step",
            "required_for_follow_up",
            "say what the next visit is for",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_is_recorded_or_cancelled_once() {
        use LeadVisitState as S;
        assert_eq!(S::Planned.apply(VisitMove::Record), Some(S::Done));
        assert_eq!(S::Planned.apply(VisitMove::Cancel), Some(S::Cancelled));
        assert_eq!(S::Done.apply(VisitMove::Record), None, "recorded once");
        assert_eq!(S::Done.apply(VisitMove::Cancel), None);
        assert_eq!(S::Cancelled.apply(VisitMove::Record), None);
    }

    #[test]
    fn visits_move_the_lead_from_qualified_to_proposal() {
        use LeadStage as L;
        assert!(!may_plan(L::New), "not before screening");
        assert!(!may_plan(L::Screened), "not before a reviewer qualified it");
        assert!(!may_plan(L::Rejected));
        assert!(!may_plan(L::Lost));
        assert!(!may_plan(L::Won));
        assert!(may_plan(L::Qualified) && may_plan(L::Contract));
        assert_eq!(stage_after_plan(L::Qualified), L::Visiting);
        assert_eq!(stage_after_plan(L::Proposal), L::Proposal);
        assert_eq!(
            stage_after_record(L::Visiting, VisitOutcome::Proceed),
            L::Proposal
        );
        assert_eq!(
            stage_after_record(L::Visiting, VisitOutcome::FollowUp),
            L::Visiting
        );
        assert_eq!(
            stage_after_record(L::Visiting, VisitOutcome::NotInterested),
            L::Visiting,
            "losing a lead is the owner's decision, with a reason"
        );
        assert_eq!(
            stage_after_record(L::Contract, VisitOutcome::Proceed),
            L::Contract,
            "a visit during the papers does not move the lead"
        );
    }

    #[test]
    fn a_key_leads_plan_is_prepared_in_full() {
        let mut e = FieldErrors::new();
        Preparation::default().check(false, &mut e);
        assert!(e.0.is_empty(), "an ordinary plan may be light");
        let p = Preparation {
            background: Some("制造业龙头, 年营收 12 亿".into()),
            competitors: Some("  ".into()),
            materials: None,
            talking_points: None,
        };
        p.check(true, &mut e);
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["competitors", "talking_points"]);
        assert!(e.0.iter().all(|f| f.rule == "required_for_key_lead"));
    }

    #[test]
    fn a_record_says_what_the_customer_needs() {
        let mut e = FieldErrors::new();
        check_record(Some("想了解代发工资"), VisitOutcome::Proceed, None, &mut e);
        assert!(e.0.is_empty());
        check_record(None, VisitOutcome::FollowUp, Some(" "), &mut e);
        let rules: Vec<_> = e.0.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["required", "required_for_follow_up"]);
    }
}
