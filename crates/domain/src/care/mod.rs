//! Care for customers in critical illness or hardship (seed 003 银行重癥客户管理制度, DOMAIN-DEFAULTS §3 and §5).
//!
//! A care record starts as a lead any staff member reports (the customer's own account, a partner hospital
//! with the customer's consent, the book's insight rules — a lead, never a conclusion — external news, or what
//! a colleague saw); the reporter's supervisor verifies it against the definition or rejects it; a verified
//! lead is registered (the category of situation, the financial impact, the review date, the adjustments the
//! customer needs); the record ends when the situation does, and its sensitive detail is then kept only for
//! the policy's retention days. The record's states and their moves are here; who may move them is decided
//! in `app`.
//!
//! What others see is the support need, not the diagnosis: [`Adjustment`]s say what to do (home visits,
//! simplified documents, no marketing), never why, so a customer never has to explain again.

pub mod compartment;
pub mod documents;
pub mod measures;
pub mod team;
pub mod watch;

use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a care lead came from (seed 003 §二 信息来源).
    CareSource {
        /// The customer (or family) told the bank.
        OwnAccount = "own_account",
        /// A partner hospital, with the customer's consent.
        PartnerHospital = "partner_hospital",
        /// The bank's own data (e.g. recurring large payments to hospitals): a lead, never a conclusion.
        DataAnalysis = "data_analysis",
        /// Public news.
        ExternalNews = "external_news",
        /// A colleague noticed it in service.
        StaffObservation = "staff_observation",
    }
);

code_enum!(
    /// The category of the customer's situation (seed 003 §一 定义). A diagnosis is not a category: it is
    /// kept, in the compartment, only with the customer's separate consent.
    Situation {
        SeriousIllness = "serious_illness",
        SevereInjury = "severe_injury",
        MajorHardship = "major_hardship",
    }
);

code_enum!(
    /// How hard the situation hits the customer's finances.
    FinancialImpact {
        Minor = "minor",
        Significant = "significant",
        Severe = "severe",
    }
);

code_enum!(
    /// Where a care record stands: `reported`, then `verified` or `rejected` by a supervisor; a verified one
    /// is `registered`; a registered one `ended` when the situation ends. Listed in the order a record moves
    /// through them, the rejected last (the pages' tabs and counts follow it).
    CareStatus {
        Reported = "reported",
        Verified = "verified",
        Registered = "registered",
        Ended = "ended",
        Rejected = "rejected",
    }
);

code_enum!(
    /// What staff must do differently for the customer — the support need, never its cause (DOMAIN-DEFAULTS
    /// §5). Every screen that shows the customer shows these as "needs adjustments".
    Adjustment {
        /// Served first at the window and in every queue.
        Priority = "priority",
        /// Visits at home instead of the branch.
        HomeVisits = "home_visits",
        /// Changes, loss reports and unfreezing with simplified documents.
        SimplifiedDocuments = "simplified_documents",
        /// More time for every conversation and decision.
        ExtraTime = "extra_time",
        /// A family member or carer may act with the customer's authority on file.
        CarerAuthority = "carer_authority",
        /// Contact by telephone only.
        PhoneOnly = "phone_only",
        /// No marketing messages (unless the customer asks otherwise).
        NoMarketing = "no_marketing",
        /// Arrears handled by a named person, no automated reminders.
        GentleCollection = "gentle_collection",
        /// Stronger authentication on the customer's service channels.
        StrongAuthentication = "strong_authentication",
        /// Documents signed electronically or witnessed by remote video.
        RemoteSigning = "remote_signing",
    }
);

impl Adjustment {
    /// What a new registration starts with: marketing paused and arrears handled gently (seed 003 §五 风险
    /// 控制), the customer served first. The registering supervisor adds or removes.
    pub const DEFAULT: &'static [Adjustment] = &[
        Adjustment::Priority,
        Adjustment::NoMarketing,
        Adjustment::GentleCollection,
    ];
}

code_enum!(
    /// How staff confirmed, with a second factor, that they were dealing with the customer before changing
    /// where the bank reaches them (a customer registered with [`Adjustment::StrongAuthentication`]).
    IdentityCheck {
        /// In person at a branch or a home visit, with the identity document.
        InPerson = "in_person",
        /// A video call with the identity document shown.
        VideoCall = "video_call",
        /// A call back to the number the bank already held.
        CallBack = "call_back",
    }
);

code_enum!(
    /// What a separate consent (PIPL Art. 29) covers.
    ConsentScope {
        /// Recording the diagnosis itself in the compartment.
        Diagnosis = "diagnosis",
        /// Sharing with and hearing from partner hospitals (green channel, referrals).
        HospitalSharing = "hospital_sharing",
    }
);

/// What moves a care record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareMove {
    /// A supervisor finds the lead meets the definition.
    Verify,
    /// A supervisor finds it does not (with a reason).
    Reject,
    /// The registration form is filed.
    Register,
    /// The situation ended (with a reason).
    End,
}

impl CareStatus {
    /// The state after `m`, or `None` when `m` is not allowed from here.
    pub fn apply(self, m: CareMove) -> Option<CareStatus> {
        match (self, m) {
            (Self::Reported, CareMove::Verify) => Some(Self::Verified),
            (Self::Reported, CareMove::Reject) => Some(Self::Rejected),
            (Self::Verified, CareMove::Register) => Some(Self::Registered),
            (Self::Registered, CareMove::End) => Some(Self::Ended),
            _ => None,
        }
    }

    /// Whether the record is still being worked (a customer has at most one such record).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Reported | Self::Verified | Self::Registered)
    }
}

/// The `[care]` section of the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarePolicy {
    /// A registration is reviewed this many months after it is filed (seed 003 定期复核).
    pub review_months: u8,
    /// The sensitive detail (condition, notes, documents) is destroyed this many days after the record ends.
    pub retention_days: u16,
    /// The longest a named supervisor's access to a compartment may run.
    pub grant_max_days: u16,
    /// How long break-glass access lasts once a reason is given.
    pub break_glass_hours: u8,
    /// The team's tasks on registration and their due days.
    pub tasks: team::TaskPolicy,
    /// The emergency small loan's fast track.
    pub emergency_loan: measures::LoanPolicy,
    /// What the book's figures call for (holdings above capacity, credit in arrears).
    pub watch: watch::WatchPolicy,
    /// The satisfaction survey goes to a registered customer this many days after the registration (or at
    /// the end, when sooner).
    pub survey_days: u16,
}

impl CarePolicy {
    /// Checks the section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let positive = [
            ("review_months", u32::from(self.review_months)),
            ("retention_days", u32::from(self.retention_days)),
            ("grant_max_days", u32::from(self.grant_max_days)),
            ("break_glass_hours", u32::from(self.break_glass_hours)),
            ("survey_days", u32::from(self.survey_days)),
        ];
        for (k, v) in positive {
            if v == 0 {
                return Err((k.into(), "must be at least 1".into()));
            }
        }
        self.tasks
            .validate()
            .map_err(|(k, m)| (format!("tasks.{k}"), m))?;
        self.emergency_loan
            .validate()
            .map_err(|(k, m)| (format!("emergency_loan.{k}"), m))?;
        self.watch
            .validate()
            .map_err(|(k, m)| (format!("watch.{k}"), m))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_record_moves_only_forward_through_its_states() {
        use CareMove::*;
        use CareStatus::*;
        assert_eq!(Reported.apply(Verify), Some(Verified));
        assert_eq!(Reported.apply(Reject), Some(Rejected));
        assert_eq!(Verified.apply(Register), Some(Registered));
        assert_eq!(Registered.apply(End), Some(Ended));
        for s in CareStatus::ALL {
            for m in [Verify, Reject, Register, End] {
                if let Some(next) = s.apply(m) {
                    assert!(s.is_open(), "{s:?} is closed but moves");
                    assert_ne!(next, *s);
                }
            }
        }
        assert_eq!(Rejected.apply(Register), None);
        assert_eq!(Ended.apply(End), None);
        assert!(!Ended.is_open() && !Rejected.is_open());
    }

    #[test]
    fn the_shipped_policy_section_reads_and_checks() {
        let p = CarePolicy::default();
        assert!(p.validate().is_ok());
        let mut bad = p.clone();
        bad.retention_days = 0;
        assert_eq!(bad.validate().unwrap_err().0, "retention_days");
    }
}
