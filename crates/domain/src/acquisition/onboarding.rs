//! After the account opening (seed 002 §六.2, 服务跟进): a first-service guidance for the new customer, then
//! follow-up contacts at the policy's intervals, after which the customer's relationship-maintenance plan
//! carries on alone (the hand-over). The `[acquisition.onboarding]` section of the policy file sets the days
//! and how each contact is made; each step becomes a task of the customer's owner.

use crate::engagement::METHODS;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The `[acquisition.onboarding]` section: days counted from the day the lead became a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnboardingPolicy {
    /// The first-service guidance is due this many days after the opening (how to use the accounts, the
    /// channels and the products signed).
    pub first_service_days: u16,
    /// How the guidance is given (a contact method: `call`, `visit`, `meeting`, `message`).
    pub first_service_method: String,
    /// The follow-up contacts, days after the opening, in increasing order (e.g. 7, 30 and 90).
    pub follow_up_days: Vec<u16>,
    pub follow_up_method: String,
    /// The satisfaction survey is sent this many days after the opening (a policy file without it: 30).
    #[serde(default = "survey_days")]
    pub survey_days: u16,
}

fn survey_days() -> u16 {
    30
}

impl Default for OnboardingPolicy {
    fn default() -> Self {
        crate::policy::Policy::default_policy()
            .acquisition
            .onboarding
    }
}

/// One step of a new customer's onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingStep {
    FirstService,
    /// A follow-up contact this many days after the opening.
    FollowUp(u16),
}

/// The prefix of a follow-up's key.
const FOLLOW_UP: &str = "follow_up:";

impl OnboardingStep {
    /// The step's key as its task carries it (`first_service`, `follow_up:30`).
    pub fn key(self) -> String {
        match self {
            Self::FirstService => "first_service".to_owned(),
            Self::FollowUp(d) => format!("{FOLLOW_UP}{d}"),
        }
    }

    /// The step a task's key names, if it names one.
    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "first_service" => Some(Self::FirstService),
            k => k
                .strip_prefix(FOLLOW_UP)
                .and_then(|d| d.parse().ok())
                .map(Self::FollowUp),
        }
    }
}

impl OnboardingPolicy {
    /// Checks the section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let days = 1..=366;
        if !days.contains(&self.first_service_days) {
            return Err(("first_service_days".into(), "must be 1 to 366 days".into()));
        }
        if !days.contains(&self.survey_days) {
            return Err(("survey_days".into(), "must be 1 to 366 days".into()));
        }
        if self.follow_up_days.is_empty() {
            return Err((
                "follow_up_days".into(),
                "must name at least one follow-up".into(),
            ));
        }
        if self.follow_up_days.iter().any(|d| !days.contains(d))
            || self.follow_up_days.windows(2).any(|w| w[0] >= w[1])
        {
            return Err((
                "follow_up_days".into(),
                "must be 1 to 366 days, in increasing order".into(),
            ));
        }
        for (key, m) in [
            ("first_service_method", &self.first_service_method),
            ("follow_up_method", &self.follow_up_method),
        ] {
            if !METHODS.contains(&m.as_str()) {
                return Err((key.into(), format!("must be one of {}", METHODS.join(", "))));
            }
        }
        Ok(())
    }

    /// Each step with its contact method and due day, for a customer opened on `opened`: the first
    /// service, then the follow-ups in order.
    pub fn schedule(&self, opened: Date) -> Vec<(OnboardingStep, &str, Date)> {
        let on = |days: u16| {
            opened
                .checked_add(jiff::Span::new().days(i64::from(days)))
                .unwrap_or(opened)
        };
        let mut out = vec![(
            OnboardingStep::FirstService,
            self.first_service_method.as_str(),
            on(self.first_service_days),
        )];
        out.extend(self.follow_up_days.iter().map(|d| {
            (
                OnboardingStep::FollowUp(*d),
                self.follow_up_method.as_str(),
                on(*d),
            )
        }));
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_policy_schedules_a_first_service_and_three_follow_ups() {
        let p = OnboardingPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        let opened: Date = "2026-12-04".parse().unwrap();
        let s = p.schedule(opened);
        let days: Vec<String> = s.iter().map(|(_, _, d)| d.to_string()).collect();
        assert_eq!(
            days,
            vec!["2026-12-07", "2026-12-11", "2027-01-03", "2027-03-04"]
        );
        assert_eq!(s[0].0, OnboardingStep::FirstService);
        assert_eq!(s[3].0, OnboardingStep::FollowUp(90));
    }

    #[test]
    fn a_steps_key_reads_back() {
        for s in [OnboardingStep::FirstService, OnboardingStep::FollowUp(30)] {
            assert_eq!(OnboardingStep::parse(&s.key()), Some(s));
        }
        assert_eq!(OnboardingStep::parse("follow_up:x"), None);
        assert_eq!(OnboardingStep::parse("wealth_gold"), None);
    }

    #[test]
    fn a_policy_out_of_order_or_with_an_unknown_method_is_refused() {
        let p = OnboardingPolicy {
            follow_up_days: vec![30, 7],
            ..Default::default()
        };
        assert_eq!(p.validate().unwrap_err().0, "follow_up_days");
        let p = OnboardingPolicy {
            follow_up_method: "pigeon".into(),
            ..Default::default()
        };
        assert_eq!(p.validate().unwrap_err().0, "follow_up_method");
        let p = OnboardingPolicy {
            first_service_days: 0,
            ..Default::default()
        };
        assert_eq!(p.validate().unwrap_err().0, "first_service_days");
        let p = OnboardingPolicy {
            survey_days: 400,
            ..Default::default()
        };
        assert_eq!(p.validate().unwrap_err().0, "survey_days");
    }
}
