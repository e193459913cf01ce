//! Notification rules that need no I/O: quiet hours, frequency caps, retry backoff and templates.

use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A message template in each language: `{name}`, `{honorific}`, `{tier}` and other variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Language code (`zh-CN`, `zh-TW`, `en`) -> subject.
    pub subject: BTreeMap<String, String>,
    /// Language code -> body.
    pub body: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyPolicy {
    /// Marketing messages wait outside this local-time window (`21:00` to `08:00` wraps midnight).
    pub quiet_start: String,
    pub quiet_end: String,
    /// At most this many marketing messages per customer in 7 days; more are suppressed.
    pub marketing_per_week: u32,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// First retry after this many seconds, doubling up to an hour.
    pub retry_base_seconds: u32,
    /// Greeting and other templates by key (`birthday`, ...).
    pub templates: BTreeMap<String, Template>,
    /// A campaign reaching more customers than this waits for a second person's approval before it is
    /// sent (its maker may ask for one at any size).
    #[serde(default = "default_approval_above")]
    pub campaign_approval_above: u32,
}

/// The approval threshold of a policy written before it existed: a branch-sized push.
fn default_approval_above() -> u32 {
    1000
}

impl NotifyPolicy {
    fn times(&self) -> Option<(Time, Time)> {
        let t = |s: &str| format!("{s}:00").parse::<Time>().ok();
        Some((t(&self.quiet_start)?, t(&self.quiet_end)?))
    }

    /// If `now` (local time) is inside the quiet window, when it ends (same day or the next).
    pub fn quiet_until(&self, now: jiff::civil::DateTime) -> Option<jiff::civil::DateTime> {
        let (start, end) = self.times()?;
        let t = now.time();
        let inside = if start <= end {
            t >= start && t < end
        } else {
            t >= start || t < end
        };
        if !inside {
            return None;
        }
        let today_end = now.date().to_datetime(end);
        Some(if today_end > now {
            today_end
        } else {
            today_end.saturating_add(jiff::Span::new().days(1))
        })
    }

    /// Seconds to wait before attempt `attempts + 1` after a failure: base * 2^(attempts-1), at most an hour.
    pub fn backoff_seconds(&self, attempts: u32) -> i64 {
        let exp = attempts.saturating_sub(1).min(16);
        (i64::from(self.retry_base_seconds) << exp).min(3600)
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.times().is_none() {
            return Err((
                "quiet_start".into(),
                "quiet_start and quiet_end must be HH:MM".into(),
            ));
        }
        if !(1..=20).contains(&self.max_attempts) {
            return Err(("max_attempts".into(), "must be between 1 and 20".into()));
        }
        if !(1..=3600).contains(&self.retry_base_seconds) {
            return Err((
                "retry_base_seconds".into(),
                "must be between 1 and 3600".into(),
            ));
        }
        for (k, t) in &self.templates {
            if !t.body.contains_key("zh-CN") {
                return Err((
                    format!("templates.{k}.body"),
                    "needs at least a zh-CN text".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Fills `{var}` placeholders; unknown placeholders stay as written (so a typo is visible, not silent).
/// The `{variables}` a text uses that are not in `known` (a typo would otherwise reach the customer).
pub fn unknown_variables(text: &str, known: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let key = &after[..close];
        if !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !known.contains(&key)
        {
            out.push(key.to_owned());
        }
        rest = &after[close + 1..];
    }
    out
}

pub fn render(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match vars.get(key) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of a template in a language, falling back to zh-CN.
pub fn pick<'a>(texts: &'a BTreeMap<String, String>, lang: &str) -> Option<&'a str> {
    texts
        .get(lang)
        .or_else(|| texts.get("zh-CN"))
        .map(String::as_str)
}

/// How a customer is addressed: 先生 / 女士 (zh), Mr / Ms (en), from the gender in the registry.
pub fn honorific(gender: Option<&str>, lang: &str) -> &'static str {
    match (gender, lang) {
        (Some("male"), "en") => "Mr ",
        (Some("female"), "en") => "Ms ",
        (Some("male"), _) => "先生",
        (Some("female"), _) => "女士",
        _ => "",
    }
}

/// The name of a wealth tier for `{tier}` in a message, in the message's language (the policy's value
/// itself for a tier the bank added).
pub fn tier_label(tier: &str, lang: &str) -> String {
    let names: Option<[&str; 3]> = match tier {
        "diamond" => Some(["钻石级", "鑽石級", "Diamond"]),
        "platinum" => Some(["白金级", "白金級", "Platinum"]),
        "gold" => Some(["黄金级", "黃金級", "Gold"]),
        "standard" => Some(["普通级", "普通級", "Standard"]),
        _ => None,
    };
    match (names, lang) {
        (Some(n), "zh-TW") => n[1].to_owned(),
        (Some(n), "en") => n[2].to_owned(),
        (Some(n), _) => n[0].to_owned(),
        (None, _) => tier.to_owned(),
    }
}

/// Where a campaign stands. It is sent at its time (at once when none is given) unless it needs a second
/// person's approval first; until it is sent its maker or an approver may cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    AwaitingApproval,
    Scheduled,
    Sent,
    Rejected,
    Cancelled,
}

/// What moves a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStep {
    /// A second person approves it: it goes at its time.
    Approve,
    /// A second person refuses it, with a reason.
    Reject,
    /// Its maker or an approver withdraws it before it is sent.
    Cancel,
    /// Its messages are queued.
    Send,
}

impl CampaignState {
    pub const ALL: [CampaignState; 5] = [
        Self::AwaitingApproval,
        Self::Scheduled,
        Self::Sent,
        Self::Rejected,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingApproval => "awaiting_approval",
            Self::Scheduled => "scheduled",
            Self::Sent => "sent",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A new campaign's state: waiting for approval when it needs one, else scheduled (for now or later).
    pub fn initial(needs_approval: bool) -> Self {
        if needs_approval {
            Self::AwaitingApproval
        } else {
            Self::Scheduled
        }
    }

    /// The state after `step`, or `None` when it is not allowed from here.
    pub fn apply(self, step: CampaignStep) -> Option<Self> {
        use CampaignStep as S;
        match (self, step) {
            (Self::AwaitingApproval, S::Approve) => Some(Self::Scheduled),
            (Self::AwaitingApproval, S::Reject) => Some(Self::Rejected),
            (Self::AwaitingApproval | Self::Scheduled, S::Cancel) => Some(Self::Cancelled),
            (Self::Scheduled, S::Send) => Some(Self::Sent),
            _ => None,
        }
    }
}

/// What a campaign says and to whom, as stored until it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignContent {
    /// Segment filters: dimension -> value; empty means everyone in its maker's scope.
    pub segments: BTreeMap<String, String>,
    /// One channel for everyone, or `None` for each customer's preferred one.
    pub channel: Option<String>,
    /// Language code -> subject / body.
    pub subject: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use jiff::civil::date;

    #[test]
    fn unknown_variables_are_found() {
        assert_eq!(
            unknown_variables(
                "{name}{honorific}：{tier} {bank} {nmae}",
                &["name", "honorific", "tier"]
            ),
            vec!["bank", "nmae"]
        );
        assert!(unknown_variables("利率 {name}", &["name"]).is_empty());
    }

    #[test]
    fn a_campaign_is_sent_once_and_only_when_approved_or_small() {
        use CampaignState as C;
        use CampaignStep as S;
        assert_eq!(C::initial(true), C::AwaitingApproval);
        assert_eq!(C::initial(false), C::Scheduled);
        assert_eq!(
            C::AwaitingApproval.apply(S::Send),
            None,
            "not before approval"
        );
        assert_eq!(C::AwaitingApproval.apply(S::Approve), Some(C::Scheduled));
        assert_eq!(C::AwaitingApproval.apply(S::Reject), Some(C::Rejected));
        assert_eq!(C::Scheduled.apply(S::Send), Some(C::Sent));
        assert_eq!(C::Scheduled.apply(S::Approve), None);
        assert_eq!(C::Scheduled.apply(S::Cancel), Some(C::Cancelled));
        for done in [C::Sent, C::Rejected, C::Cancelled] {
            for s in [S::Approve, S::Reject, S::Cancel, S::Send] {
                assert_eq!(done.apply(s), None, "{done:?} is final");
            }
        }
        for c in C::ALL {
            assert_eq!(C::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn tier_names_follow_the_language() {
        assert_eq!(tier_label("platinum", "zh-CN"), "白金级");
        assert_eq!(tier_label("platinum", "zh-TW"), "白金級");
        assert_eq!(tier_label("diamond", "en"), "Diamond");
        assert_eq!(tier_label("jade", "en"), "jade");
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let p = Policy::default_policy().notify;
        let at = |h: i8, m: i8| date(2026, 11, 23).at(h, m, 0, 0);
        assert_eq!(p.quiet_until(at(12, 0)), None);
        assert_eq!(
            p.quiet_until(at(21, 0)),
            Some(date(2026, 11, 24).at(8, 0, 0, 0))
        );
        assert_eq!(p.quiet_until(at(7, 59)), Some(at(8, 0)));
        assert_eq!(p.quiet_until(at(8, 0)), None);
    }

    #[test]
    fn backoff_doubles_to_an_hour() {
        let p = Policy::default_policy().notify;
        assert_eq!(p.backoff_seconds(1), 30);
        assert_eq!(p.backoff_seconds(2), 60);
        assert_eq!(p.backoff_seconds(12), 3600);
    }

    #[test]
    fn templates_fill_known_variables_and_keep_unknown_ones() {
        let vars = BTreeMap::from([
            ("name", "王芳".to_owned()),
            ("honorific", "女士".to_owned()),
        ]);
        assert_eq!(
            render("尊敬的{name}{honorific}，{oops}生日快乐", &vars),
            "尊敬的王芳女士，{oops}生日快乐"
        );
        assert_eq!(render("no braces {", &vars), "no braces {");
    }
}
