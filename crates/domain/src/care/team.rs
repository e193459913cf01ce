//! The service team of a registered care customer (seed 003 §三 服务团队): five parts, each held by a named
//! staff member, and the duties the seed gives each part turned into tasks with due dates.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// A part on the care team.
    CareRole {
        /// The lead contact: first contact, regular check-ins, the team's coordination.
        RelationshipManager = "relationship_manager",
        /// The financial assessment and the wealth plan's review.
        WealthManager = "wealth_manager",
        /// The risk assessment and repayment capacity.
        RiskSpecialist = "risk_specialist",
        /// Account changes, loss reports, unfreezing, fee waivers.
        OperationsSupport = "operations_support",
        /// The advice line and the customer's requests.
        CustomerService = "customer_service",
    }
);

impl CareRole {
    /// The staff role that usually holds the part (the team picker offers these first; any staff member
    /// who may serve the customer may be named).
    pub fn usual_role(self) -> crate::access::Role {
        use crate::access::Role;
        match self {
            Self::RelationshipManager => Role::RelationshipManager,
            Self::WealthManager => Role::WealthManager,
            Self::RiskSpecialist => Role::RiskOfficer,
            Self::OperationsSupport => Role::Operations,
            Self::CustomerService => Role::CustomerService,
        }
    }
}

code_enum!(
    /// A duty of the team turned into a task.
    CareTaskKind {
        FirstContact = "first_contact",
        FinancialAssessment = "financial_assessment",
        RiskAssessment = "risk_assessment",
        AccountReview = "account_review",
        CheckIn = "check_in",
        /// Holdings above the customer's current capacity, flagged from the book: review and rebalance.
        Rebalance = "rebalance",
        /// Credit in arrears or near its limit, flagged from the book: contact the customer in person and
        /// renegotiate repayment if needed (gentle collection).
        ArrearsContact = "arrears_contact",
    }
);

impl CareTaskKind {
    /// Whose duty it is.
    pub fn role(self) -> CareRole {
        match self {
            Self::FirstContact | Self::CheckIn => CareRole::RelationshipManager,
            Self::FinancialAssessment | Self::Rebalance => CareRole::WealthManager,
            Self::RiskAssessment | Self::ArrearsContact => CareRole::RiskSpecialist,
            Self::AccountReview => CareRole::OperationsSupport,
        }
    }
}

/// `[care.tasks]`: the days after registration each task is due; check-ins recur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskPolicy {
    pub first_contact_days: u16,
    pub financial_assessment_days: u16,
    pub risk_assessment_days: u16,
    pub account_review_days: u16,
    /// A check-in every this many days; the next is set when one is done.
    pub check_in_days: u16,
}

impl TaskPolicy {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.check_in_days == 0 {
            return Err(("check_in_days".into(), "must be at least 1".into()));
        }
        Ok(())
    }

    /// The tasks a registration on `day` sets, each with its due date.
    pub fn on_registration(&self, day: Date) -> Vec<(CareTaskKind, Date)> {
        [
            (CareTaskKind::FirstContact, self.first_contact_days),
            (
                CareTaskKind::FinancialAssessment,
                self.financial_assessment_days,
            ),
            (CareTaskKind::RiskAssessment, self.risk_assessment_days),
            (CareTaskKind::AccountReview, self.account_review_days),
            (CareTaskKind::CheckIn, self.check_in_days),
        ]
        .into_iter()
        .map(|(k, d)| (k, add_days(day, d)))
        .collect()
    }

    /// The next check-in after one done on `day`.
    pub fn next_check_in(&self, day: Date) -> Date {
        add_days(day, self.check_in_days)
    }
}

/// `day` + `n` days, saturating at the end of the calendar.
pub fn add_days(day: Date, n: u16) -> Date {
    day.checked_add(jiff::Span::new().days(i64::from(n)))
        .unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_belongs_to_a_part_and_registration_sets_each_once() {
        let p = crate::care::CarePolicy::default().tasks;
        let day = jiff::civil::date(2026, 12, 1);
        let tasks = p.on_registration(day);
        // Every duty but the book's watch is set on registration, once.
        assert_eq!(tasks.len(), CareTaskKind::ALL.len() - 2);
        let kinds: std::collections::HashSet<_> = tasks.iter().map(|t| t.0).collect();
        assert_eq!(kinds.len(), tasks.len());
        assert!(!kinds.contains(&CareTaskKind::Rebalance));
        for (k, due) in &tasks {
            assert!(*due >= day, "{k:?}");
        }
        assert_eq!(
            CareTaskKind::FirstContact.role(),
            CareRole::RelationshipManager
        );
        assert_eq!(p.next_check_in(day), add_days(day, p.check_in_days));
    }
}
