//! Suitability at the moment of sale (DOMAIN-DEFAULTS §2): the rules the book's one gate asks of an
//! investment product's sale after the customer's risk measures, each named in a refusal and each stored with
//! the facts it read, so a later complaint of mis-selling is answered from the record.
//!
//! - a valid risk assessment (the questionnaire's one-year validity): missing or expired → refused;
//! - the product's level within what the assessment's level may buy (C*n* → R1..R*n*; the three-level mode
//!   by the policy);
//! - a first purchase only on a face-to-face assessment at a branch;
//! - an individual's in-branch sale of a product the catalogue marks for it → an audio-video recording (双录)
//!   reference;
//! - a client of the policy's senior age and a high-risk product → the client's extra confirmation recorded,
//!   then a senior reviewer's approval before the sale completes (special duty of care — age alone never
//!   labels anyone vulnerable: it only asks for these two steps on high-risk products);
//! - a private product → a cooling-off period before the sale is final.

use super::WealthPolicy;
use crate::book::RiskLevel;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// Where the sale is made.
    SaleChannel {
        /// At a branch, in its sales zone (in-branch sales to individuals may need a recording).
        Branch = "branch",
        Online = "online",
        Phone = "phone",
    }
);

code_enum!(
    /// A rule of suitability.
    SuitabilityRule {
        /// A valid risk assessment.
        Assessment = "assessment",
        /// The product's level within the assessment's.
        Level = "level",
        /// A first purchase on a face-to-face assessment.
        FaceToFace = "face_to_face",
        /// An in-branch sale's audio-video recording.
        DualRecording = "dual_recording",
        /// An older client and a high-risk product: the client's confirmation and a senior reviewer.
        SeniorCare = "senior_care",
        /// A private product's cooling-off.
        CoolingOff = "cooling_off",
    }
);

/// The client's latest risk assessment as the gate reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssessmentFacts {
    pub level: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: Date,
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    /// Made face to face at a branch.
    pub face_to_face: bool,
}

/// What the gate reads of a sale (stored with the decision as it was read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = SuitabilityFacts)]
pub struct Facts {
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    pub assessment: Option<AssessmentFacts>,
    /// The client bought an investment product before (a sale that was not refused, declined or cancelled).
    pub bought_before: bool,
    #[schema(value_type = String)]
    pub product_level: RiskLevel,
    pub private: bool,
    /// The catalogue marks the product for recording when sold in a branch (own and agency wealth products).
    pub dual_recording: bool,
    pub individual: bool,
    /// Whole years on the day of sale (individuals with a known birth date).
    pub age: Option<u32>,
    pub channel: SaleChannel,
    pub recording_ref: bool,
    pub client_confirmed: bool,
}

/// One rule as the gate applied it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = SuitabilityCheck)]
pub struct Check {
    pub rule: SuitabilityRule,
    /// Whether the rule applied to this sale at all (a recording is asked only of in-branch sales).
    pub applies: bool,
    pub passed: bool,
}

/// The gate's answer on suitability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = SuitabilityVerdict)]
pub struct Verdict {
    pub checks: Vec<Check>,
    /// The first rule that refuses the sale.
    pub refused: Option<SuitabilityRule>,
    /// The highest level the assessment may buy.
    #[schema(value_type = Option<String>)]
    pub ceiling: Option<RiskLevel>,
    /// The sale waits for a senior reviewer.
    pub senior_review: bool,
    /// The sale cools off before it is final.
    pub cooling_off: bool,
}

/// Applies every rule in order; the first that fails refuses the sale (the later ones are still recorded).
pub fn decide(p: &WealthPolicy, f: &Facts) -> Verdict {
    let valid = f.assessment.as_ref().filter(|a| a.expires_on >= f.today);
    let ceiling = valid.and_then(|a| p.ceiling(&a.level));
    let senior = f.individual
        && f.age.is_some_and(|a| a >= u32::from(p.senior_age))
        && p.senior_levels.contains(&f.product_level);
    let recording = f.individual && f.channel == SaleChannel::Branch && f.dual_recording;
    let check = |rule, applies: bool, passed: bool| Check {
        rule,
        applies,
        passed: !applies || passed,
    };
    let checks = vec![
        check(SuitabilityRule::Assessment, true, ceiling.is_some()),
        check(
            SuitabilityRule::Level,
            true,
            ceiling.is_some_and(|c| f.product_level <= c),
        ),
        check(
            SuitabilityRule::FaceToFace,
            !f.bought_before,
            valid.is_some_and(|a| a.face_to_face),
        ),
        check(SuitabilityRule::DualRecording, recording, f.recording_ref),
        check(SuitabilityRule::SeniorCare, senior, f.client_confirmed),
        check(SuitabilityRule::CoolingOff, f.private, true),
    ];
    let refused = checks.iter().find(|c| !c.passed).map(|c| c.rule);
    Verdict {
        refused,
        ceiling,
        senior_review: refused.is_none() && senior,
        cooling_off: refused.is_none() && f.private,
        checks,
    }
}

/// Whole years from `born` to `on`.
pub fn age_on(born: Date, on: Date) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn facts() -> Facts {
        let today = date(2026, 12, 5);
        Facts {
            today,
            assessment: Some(AssessmentFacts {
                level: "C3".into(),
                assessed_on: date(2026, 6, 1),
                expires_on: date(2027, 6, 1),
                face_to_face: true,
            }),
            bought_before: false,
            product_level: RiskLevel::R3,
            private: false,
            dual_recording: false,
            individual: true,
            age: Some(40),
            channel: SaleChannel::Online,
            recording_ref: false,
            client_confirmed: false,
        }
    }

    fn refused(f: &Facts) -> Option<SuitabilityRule> {
        decide(&crate::policy::Policy::default_policy().wealth, f).refused
    }

    #[test]
    fn each_rule_refuses_on_its_own_and_passes_when_met() {
        assert_eq!(refused(&facts()), None);
        let mut f = facts();
        f.assessment = None;
        assert_eq!(refused(&f), Some(SuitabilityRule::Assessment));
        let mut f = facts();
        f.today = date(2027, 6, 2);
        assert_eq!(refused(&f), Some(SuitabilityRule::Assessment));
        let mut f = facts();
        f.product_level = RiskLevel::R4;
        assert_eq!(refused(&f), Some(SuitabilityRule::Level));
        let mut f = facts();
        f.assessment.as_mut().unwrap().face_to_face = false;
        assert_eq!(refused(&f), Some(SuitabilityRule::FaceToFace));
        f.bought_before = true;
        assert_eq!(refused(&f), None, "only a first purchase needs it");
        let mut f = facts();
        f.channel = SaleChannel::Branch;
        f.dual_recording = true;
        assert_eq!(refused(&f), Some(SuitabilityRule::DualRecording));
        f.recording_ref = true;
        assert_eq!(refused(&f), None);
        f.individual = false;
        f.recording_ref = false;
        assert_eq!(refused(&f), None, "recording is for individuals");
    }

    #[test]
    fn an_older_client_and_a_high_risk_product_wait_for_a_senior_reviewer() {
        let p = crate::policy::Policy::default_policy().wealth;
        let mut f = facts();
        f.assessment.as_mut().unwrap().level = "C5".into();
        f.product_level = RiskLevel::R5;
        f.age = Some(u32::from(p.senior_age));
        assert_eq!(refused(&f), Some(SuitabilityRule::SeniorCare));
        f.client_confirmed = true;
        let v = decide(&p, &f);
        assert_eq!(v.refused, None);
        assert!(v.senior_review && !v.cooling_off);
        // Age alone asks nothing: a low-risk product is sold as to anyone.
        f.product_level = RiskLevel::R2;
        f.client_confirmed = false;
        assert!(!decide(&p, &f).senior_review);
        f.private = true;
        assert!(decide(&p, &f).cooling_off);
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date(1961, 12, 6), date(2026, 12, 5)), 64);
        assert_eq!(age_on(date(1961, 12, 5), date(2026, 12, 5)), 65);
    }
}
