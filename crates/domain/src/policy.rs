//! The bank's policy figures as data (`policy/default.toml`), validated at load.
//!
//! Code holds rules, not numbers: every cadence and threshold used by the rules lives here, with the
//! policy version so that each decision can say which figures it used.

use crate::customer::CustomerKind;
use serde::{Deserialize, Serialize};

/// The whole policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Version label shown with every decision, e.g. `2026.1`.
    pub version: String,
    pub review: ReviewPolicy,
    pub access: AccessPolicy,
    pub segments: crate::segments::SegmentPolicy,
    pub engagement: crate::engagement::EngagementPolicy,
    pub notify: crate::notify::NotifyPolicy,
    pub feedback: crate::feedback::FeedbackPolicy,
    /// The book: accepted currencies and their reference rates, the deposit average's window, the
    /// services each segment is entitled to. A policy file without it accepts CNY only.
    #[serde(default)]
    pub book: crate::book::BookPolicy,
    /// Customer acquisition (seed 002): the screening model, lost and rejection reasons. A policy file
    /// without it uses the shipped section.
    #[serde(default)]
    pub acquisition: crate::acquisition::AcquisitionPolicy,
    /// Care for customers in critical illness or hardship (seed 003): review and retention, the
    /// compartment's periods, the team's tasks, the emergency loan's clock. A policy file without it uses
    /// the shipped section.
    #[serde(default)]
    pub care: crate::care::CarePolicy,
    /// Wealth advisory (seed 004, DOMAIN-DEFAULTS §2): suitability at the moment of sale. A policy file
    /// without it uses the shipped section.
    #[serde(default)]
    pub wealth: crate::wealth::WealthPolicy,
    /// Staff performance (seed 000 §7): each role's scorecard — its KPIs, their default targets and
    /// weights. A policy file without it uses the shipped section.
    #[serde(default)]
    pub performance: crate::performance::PerformancePolicy,
}

/// The shipped `[performance]` section.
impl Default for crate::performance::PerformancePolicy {
    fn default() -> Self {
        Policy::default_policy().performance
    }
}

/// The shipped `[wealth]` section.
impl Default for crate::wealth::WealthPolicy {
    fn default() -> Self {
        Policy::default_policy().wealth
    }
}

/// The shipped `[care]` section (the policy module owns the shipped file, so the care module need not know it).
impl Default for crate::care::CarePolicy {
    fn default() -> Self {
        Policy::default_policy().care
    }
}

/// Periodic information review (seed 000: individuals every 6 months, corporates every quarter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    pub individual_months: u8,
    pub corporate_months: u8,
    pub institution_months: u8,
}

/// Sign-in rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// Lifetime of an API token.
    pub token_ttl_minutes: u32,
    /// Failed sign-ins for one username from one address before that address is refused for it for
    /// `lockout_minutes` (doubling with each further failure; four times as many across usernames refuse
    /// the address for all).
    pub max_failed_logins: u32,
    pub lockout_minutes: u32,
    /// A workbench session ends after this long without a request.
    pub session_idle_minutes: u32,
    /// A workbench session ends this long after sign-in, however active.
    pub session_absolute_minutes: u32,
    /// Roles whose local accounts must have a second factor (TOTP): until they enrol, their password
    /// opens only the page where they do, and no API token is issued to them.
    #[serde(default)]
    pub second_factor_roles: Vec<crate::access::Role>,
    /// How long a retry with the same Idempotency-Key gets the first answer. The answers hold what was
    /// written (a customer's data among it), so they are not kept for ever.
    #[serde(default = "default_idempotency_hours")]
    pub idempotency_keep_hours: u32,
}

fn default_idempotency_hours() -> u32 {
    72
}

/// A policy that failed validation, with the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy key `{key}`: {message}")]
pub struct PolicyError {
    pub key: String,
    pub message: String,
}

/// The policy shipped with Banyan (the file is embedded so a binary always has a valid default).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../policy/default.toml");

impl Policy {
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError {
            key: e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_default(),
            message: e.message().trim().to_owned(),
        })?;
        p.validate()?;
        Ok(p)
    }

    /// A short fingerprint of the policy's content (hex SHA-256 prefix is computed by the caller that has a
    /// hash; here the canonical TOML is what gets hashed).
    pub fn canonical(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn default_policy() -> Policy {
        // The embedded default is checked by a unit test, so this cannot fail in a released binary.
        Self::from_toml(DEFAULT_POLICY_TOML)
            .unwrap_or_else(|e| panic!("embedded default policy is invalid: {e}"))
    }

    fn validate(&self) -> Result<(), PolicyError> {
        let bad = |key: &str, message: &str| PolicyError {
            key: key.into(),
            message: message.into(),
        };
        self.segments.validate().map_err(|(k, m)| PolicyError {
            key: format!("segments.{k}"),
            message: m,
        })?;
        self.engagement.validate().map_err(|(k, m)| PolicyError {
            key: format!("engagement.{k}"),
            message: m,
        })?;
        self.notify.validate().map_err(|(k, m)| PolicyError {
            key: format!("notify.{k}"),
            message: m,
        })?;
        self.feedback.validate().map_err(|(k, m)| PolicyError {
            key: format!("feedback.{k}"),
            message: m,
        })?;
        self.book.validate().map_err(|(k, m)| PolicyError {
            key: format!("book.{k}"),
            message: m,
        })?;
        self.acquisition.validate().map_err(|(k, m)| PolicyError {
            key: format!("acquisition.{k}"),
            message: m,
        })?;
        self.care.validate().map_err(|(k, m)| PolicyError {
            key: format!("care.{k}"),
            message: m,
        })?;
        self.wealth.validate().map_err(|(k, m)| PolicyError {
            key: format!("wealth.{k}"),
            message: m,
        })?;
        self.performance.validate().map_err(|(k, m)| PolicyError {
            key: format!("performance.{k}"),
            message: m,
        })?;
        for (i, e) in self.book.entitlements.iter().enumerate() {
            if !crate::segments::DIMENSIONS.contains(&e.dimension.as_str()) {
                return Err(bad(
                    &format!("book.entitlements[{i}].dimension"),
                    "is not a dimension the policy engine decides",
                ));
            }
        }
        for (i, p) in self.engagement.plans.iter().enumerate() {
            if let Some(d) = &p.dimension
                && !crate::segments::DIMENSIONS.contains(&d.as_str())
            {
                return Err(bad(
                    &format!("engagement.plans[{i}].dimension"),
                    "is not a dimension the policy engine decides",
                ));
            }
        }
        if self.version.trim().is_empty() {
            return Err(bad("version", "must not be empty"));
        }
        for (k, v) in [
            ("review.individual_months", self.review.individual_months),
            ("review.corporate_months", self.review.corporate_months),
            ("review.institution_months", self.review.institution_months),
        ] {
            if !(1..=48).contains(&v) {
                return Err(bad(
                    k,
                    "must be between 1 and 48 months (AML guidance: every customer at least every 4 years)",
                ));
            }
        }
        if !(5..=7 * 24 * 60).contains(&self.access.token_ttl_minutes) {
            return Err(bad(
                "access.token_ttl_minutes",
                "must be between 5 minutes and 7 days",
            ));
        }
        if !(1..=100).contains(&self.access.max_failed_logins) {
            return Err(bad("access.max_failed_logins", "must be between 1 and 100"));
        }
        if !(24..=24 * 90).contains(&self.access.idempotency_keep_hours) {
            return Err(bad(
                "access.idempotency_keep_hours",
                "must be between 24 and 2160 (90 days)",
            ));
        }
        if !(1..=24 * 60).contains(&self.access.lockout_minutes) {
            return Err(bad(
                "access.lockout_minutes",
                "must be between 1 minute and 1 day",
            ));
        }
        if !(1..=24 * 60).contains(&self.access.session_idle_minutes) {
            return Err(bad(
                "access.session_idle_minutes",
                "must be between 1 minute and 1 day",
            ));
        }
        if self.access.session_absolute_minutes < self.access.session_idle_minutes
            || self.access.session_absolute_minutes > 7 * 24 * 60
        {
            return Err(bad(
                "access.session_absolute_minutes",
                "must be at least the idle timeout and at most 7 days",
            ));
        }
        Ok(())
    }

    /// Months between verification and the next periodic review for this kind of customer.
    pub fn review_months(&self, kind: CustomerKind) -> u8 {
        match kind {
            CustomerKind::Individual => self.review.individual_months,
            CustomerKind::Corporate => self.review.corporate_months,
            CustomerKind::Institution => self.review.institution_months,
        }
    }

    /// The civil date on which a customer verified on `verified_on` falls due for review.
    pub fn review_due(
        &self,
        kind: CustomerKind,
        verified_on: jiff::civil::Date,
    ) -> jiff::civil::Date {
        let months = i32::from(self.review_months(kind));
        // Adding months clamps to the month's last day (31 Aug + 6 months = 28/29 Feb).
        verified_on
            .checked_add(jiff::Span::new().months(months))
            .unwrap_or(jiff::civil::Date::MAX)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_policy_is_valid_and_follows_seed_000() {
        let p = Policy::from_toml(DEFAULT_POLICY_TOML).unwrap();
        assert_eq!(p.review_months(CustomerKind::Individual), 6);
        assert_eq!(p.review_months(CustomerKind::Corporate), 3);
    }

    #[test]
    fn review_due_clamps_to_month_end() {
        let p = Policy::default_policy();
        let d = p.review_due(CustomerKind::Individual, jiff::civil::date(2026, 8, 31));
        assert_eq!(d, jiff::civil::date(2027, 2, 28));
    }

    #[test]
    fn a_bad_figure_names_its_key() {
        let t = DEFAULT_POLICY_TOML.replace("individual_months = 6", "individual_months = 0");
        let e = Policy::from_toml(&t).unwrap_err();
        assert_eq!(e.key, "review.individual_months");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let t = format!("{DEFAULT_POLICY_TOML}\n[extra]\nx = 1\n");
        assert!(Policy::from_toml(&t).is_err());
    }
}
