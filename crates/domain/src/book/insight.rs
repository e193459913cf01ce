//! Needs read from behaviour (seed 001): rules in the policy over transactions, channel events, holdings
//! or the staff's contacts with the customer in a window, each producing an **insight** on the customer with its reason (the figures that met the
//! rule) and its evidence (the records that did). An insight is a prompt for the manager, never a
//! conclusion about the customer: a care lead from hospital payments says "a possible need", not a
//! diagnosis.

use super::ProductKind;
use super::activity::{Counterparty, Direction, EventKind, TxCategory};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What a rule reads.
    InsightSource {
        Transactions = "transactions",
        Events = "events",
        Holdings = "holdings",
        Interactions = "interactions",
    }
);

code_enum!(
    /// Where an insight stands: open until the manager acts on it or sets it aside (with a note); an open
    /// one past its expiry is shown as expired.
    InsightStatus {
        Open = "open",
        Acted = "acted",
        Dismissed = "dismissed",
    }
);

/// What the manager does with an insight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightStep {
    Act,
    Dismiss,
}

impl InsightStatus {
    /// The status after `step`, or `None` when the insight is no longer open.
    pub fn apply(self, step: InsightStep) -> Option<InsightStatus> {
        match (self, step) {
            (Self::Open, InsightStep::Act) => Some(Self::Acted),
            (Self::Open, InsightStep::Dismiss) => Some(Self::Dismissed),
            _ => None,
        }
    }
}

fn one() -> u32 {
    1
}

fn twenty() -> u32 {
    20
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

/// One rule of the policy's `[[book.insights]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsightRule {
    /// The insight's code (`cross_border_need`), labelled in the workbench's registry.
    pub key: String,
    pub source: InsightSource,
    /// Transactions: which ones count.
    #[serde(default)]
    pub category: Option<TxCategory>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub counterparty: Option<Counterparty>,
    /// Events: which kind counts.
    #[serde(default)]
    pub event: Option<EventKind>,
    /// Holdings: accounts of this kind of product that mature within `matures_within_days`.
    #[serde(default)]
    pub product_kind: Option<ProductKind>,
    #[serde(default)]
    pub matures_within_days: Option<u32>,
    /// Holdings: accounts of products whose risk level is above what the customer's latest risk
    /// assessment allows (a client re-assessed lower, or sold outside the gate): a suitability review.
    /// Left out of the policy's canonical text when false, so a policy without it keeps its hash (and stays
    /// readable to a node of the release before).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub above_risk_appetite: bool,
    /// Whether the insight is a sales opportunity, counted as converted in the insight report when a sale
    /// follows (the default). A suitability review, a care lead or an unhappy customer is not: a sale after
    /// it is no measure of it, and the report shows its conversion as not applicable. Left out of the
    /// canonical text when true, so a policy without it keeps its hash.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub sales_opportunity: bool,
    /// Interactions: contacts by this method only (`call`, `visit`, `meeting`, `message`).
    #[serde(default)]
    pub method: Option<String>,
    /// Interactions: contacts the customer rated at most this (1-5).
    #[serde(default)]
    pub max_satisfaction: Option<u8>,
    /// Interactions: contacts whose recorded needs mention any of these words (e.g. 留学, 出国).
    #[serde(default)]
    pub needs_any: Vec<String>,
    /// How many matching records at least (default 1).
    #[serde(default = "one")]
    pub min_count: u32,
    /// Their total in CNY yuan at least (transactions).
    #[serde(default)]
    pub min_total: i64,
    /// One of them at least this much, in CNY yuan (transactions).
    #[serde(default)]
    pub min_single: i64,
    /// Idle inflow (transactions, credits): a credit counts only once it is this many days old and the
    /// customer's debits in those days took at most `max_outflow_percent` of it — money that came in and
    /// stayed, an investment conversation rather than a payment passing through.
    #[serde(default)]
    pub idle_days: Option<u32>,
    /// With `idle_days`: the share of the inflow the customer may have paid out since and it still counts
    /// as idle (default 20 %).
    #[serde(default = "twenty")]
    pub max_outflow_percent: u32,
    /// The window the records are read in, days back from now.
    pub window_days: u32,
    /// Days the insight stays open before it is shown as expired.
    pub expires_days: u32,
}

impl InsightRule {
    /// The first broken rule, as (field, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        let key_ok = (3..=40).contains(&self.key.len())
            && self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return bad("key", "must be 3-40 lower-case letters, digits or _");
        }
        if !(1..=400).contains(&self.window_days) {
            return bad("window_days", "must be 1 to 400");
        }
        if !(1..=366).contains(&self.expires_days) {
            return bad("expires_days", "must be 1 to 366");
        }
        if self.min_count == 0 || self.min_total < 0 || self.min_single < 0 {
            return bad("min_count", "must be at least 1 (and amounts not negative)");
        }
        let tx_filters = self.category.is_some()
            || self.direction.is_some()
            || self.counterparty.is_some()
            || self.min_total > 0
            || self.min_single > 0;
        let holding_filters = self.product_kind.is_some() || self.matures_within_days.is_some();
        let contact_filters =
            self.method.is_some() || self.max_satisfaction.is_some() || !self.needs_any.is_empty();
        if contact_filters && self.source != InsightSource::Interactions {
            return bad(
                "source",
                "only an interactions rule reads a contact's method, satisfaction or needs",
            );
        }
        if let Some(idle) = self.idle_days {
            if self.source != InsightSource::Transactions
                || self.direction != Some(Direction::Credit)
            {
                return bad(
                    "idle_days",
                    "only a transactions rule over credits reads idle inflows",
                );
            }
            if idle == 0 || idle >= self.window_days {
                return bad("idle_days", "must be at least 1 and less than window_days");
            }
            if self.max_outflow_percent > 100 {
                return bad("max_outflow_percent", "must be 0 to 100");
            }
        }
        match self.source {
            InsightSource::Transactions if self.event.is_some() || holding_filters => bad(
                "source",
                "a transactions rule reads only transaction filters",
            ),
            InsightSource::Events if self.event.is_none() => {
                bad("event", "an events rule names the event kind")
            }
            InsightSource::Events if tx_filters || holding_filters => {
                bad("source", "an events rule reads only the event kind")
            }
            _ if self.above_risk_appetite && self.source != InsightSource::Holdings => bad(
                "above_risk_appetite",
                "only a holdings rule reads holdings against the risk assessment",
            ),
            InsightSource::Holdings if self.above_risk_appetite && holding_filters => bad(
                "above_risk_appetite",
                "a holdings rule reads either maturities or holdings above the risk appetite, not both",
            ),
            InsightSource::Holdings
                if !self.above_risk_appetite
                    && (self.product_kind.is_none() || self.matures_within_days.is_none()) =>
            {
                bad(
                    "matures_within_days",
                    "a holdings rule names the product kind and the days to maturity",
                )
            }
            InsightSource::Holdings if tx_filters || self.event.is_some() => {
                bad("source", "a holdings rule reads only holdings filters")
            }
            InsightSource::Interactions => self.validate_contacts(tx_filters || holding_filters),
            _ => Ok(()),
        }
    }
}

impl InsightRule {
    /// An interactions rule: it names what in a contact counts (a low rating or words in the needs; every
    /// contact counting would make an insight of being served), and nothing of the other sources.
    fn validate_contacts(&self, other_filters: bool) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        if other_filters || self.event.is_some() {
            return bad(
                "source",
                "an interactions rule reads only a contact's method, satisfaction or needs",
            );
        }
        if self.max_satisfaction.is_none() && self.needs_any.is_empty() {
            return bad(
                "max_satisfaction",
                "an interactions rule names a satisfaction at most or words in the needs",
            );
        }
        if self.max_satisfaction.is_some_and(|s| !(1..=5).contains(&s)) {
            return bad("max_satisfaction", "must be 1 to 5");
        }
        if self
            .method
            .as_deref()
            .is_some_and(|m| !crate::engagement::METHODS.contains(&m))
        {
            return bad("method", "must be call, visit, meeting or message");
        }
        let word_ok = |w: &String| !w.trim().is_empty() && w.chars().count() <= 20;
        if self.needs_any.len() > 20 || !self.needs_any.iter().all(word_ok) {
            return bad("needs_any", "at most 20 words, each 1 to 20 characters");
        }
        Ok(())
    }

    /// Whether a contact counts for this rule (method, rating and words; the window is the caller's).
    pub fn contact_matches(
        &self,
        method: &str,
        satisfaction: Option<i32>,
        needs: Option<&str>,
    ) -> bool {
        let method_ok = self.method.as_deref().is_none_or(|m| m == method);
        let rating_ok = self
            .max_satisfaction
            .is_none_or(|max| satisfaction.is_some_and(|s| s <= i32::from(max)));
        let needs_ok = self.needs_any.is_empty()
            || needs.is_some_and(|n| self.needs_any.iter().any(|w| n.contains(w.trim())));
        method_ok && rating_ok && needs_ok
    }
}

/// One record behind an insight, as shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// When (RFC 3339) or, for a holding, the maturity date (`YYYY-MM-DD`).
    pub at: String,
    /// CNY fen, when the record has an amount.
    #[serde(default)]
    pub amount_cny: Option<i64>,
    /// The record's code: a transaction category or direction, an event kind, a product code.
    pub what: String,
}

/// What met the rule: the count and total, in the rule's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InsightFacts {
    pub count: u32,
    /// CNY fen (transactions and holdings).
    pub total_cny: i64,
    pub window_days: u32,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rule() -> InsightRule {
        InsightRule {
            key: "cross_border_need".into(),
            source: InsightSource::Events,
            category: None,
            direction: None,
            counterparty: None,
            event: Some(EventKind::FxRateLookup),
            product_kind: None,
            matures_within_days: None,
            above_risk_appetite: false,
            sales_opportunity: true,
            method: None,
            max_satisfaction: None,
            needs_any: Vec::new(),
            min_count: 3,
            min_total: 0,
            min_single: 0,
            idle_days: None,
            max_outflow_percent: 20,
            window_days: 30,
            expires_days: 30,
        }
    }

    #[test]
    fn a_rule_reads_only_what_its_source_has() {
        assert!(rule().validate().is_ok());
        let mut r = rule();
        r.event = None;
        assert_eq!(r.validate().unwrap_err().0, "event");
        let mut r = rule();
        r.category = Some(TxCategory::Medical);
        assert_eq!(r.validate().unwrap_err().0, "source");
        let mut r = rule();
        r.source = InsightSource::Holdings;
        r.event = None;
        assert_eq!(r.validate().unwrap_err().0, "matures_within_days");
        let mut r = rule();
        r.idle_days = Some(14);
        assert_eq!(r.validate().unwrap_err().0, "idle_days");
        r.source = InsightSource::Transactions;
        r.event = None;
        r.direction = Some(Direction::Credit);
        assert!(r.validate().is_ok());
        r.idle_days = Some(30);
        assert_eq!(r.validate().unwrap_err().0, "idle_days");
    }

    #[test]
    fn a_holdings_rule_reads_maturities_or_the_risk_appetite() {
        let mut r = rule();
        r.source = InsightSource::Holdings;
        r.event = None;
        r.min_count = 1;
        r.above_risk_appetite = true;
        assert!(r.validate().is_ok());
        r.product_kind = Some(ProductKind::TimeDeposit);
        assert_eq!(r.validate().unwrap_err().0, "above_risk_appetite");
        r.matures_within_days = Some(30);
        assert_eq!(r.validate().unwrap_err().0, "above_risk_appetite");
        r.above_risk_appetite = false;
        assert!(r.validate().is_ok());
        let mut e = rule();
        e.above_risk_appetite = true;
        assert_eq!(e.validate().unwrap_err().0, "above_risk_appetite");
        // A rule without it is written as before: a bank's policy keeps its hash across the upgrade.
        assert!(
            !toml::to_string(&rule())
                .unwrap()
                .contains("above_risk_appetite")
        );
        assert!(toml::to_string(&r).unwrap().contains("matures_within_days"));
    }

    #[test]
    fn a_rule_is_a_sales_opportunity_unless_it_says_otherwise() {
        let text = toml::to_string(&rule()).unwrap();
        assert!(!text.contains("sales_opportunity"), "{text}");
        assert!(
            toml::from_str::<InsightRule>(&text)
                .unwrap()
                .sales_opportunity
        );
        let mut r = rule();
        r.sales_opportunity = false;
        let text = toml::to_string(&r).unwrap();
        assert!(text.contains("sales_opportunity = false"), "{text}");
        assert!(
            !toml::from_str::<InsightRule>(&text)
                .unwrap()
                .sales_opportunity
        );
    }

    #[test]
    fn an_interactions_rule_names_what_in_a_contact_counts() {
        let mut r = rule();
        r.source = InsightSource::Interactions;
        r.event = None;
        assert_eq!(r.validate().unwrap_err().0, "max_satisfaction");
        r.max_satisfaction = Some(6);
        assert_eq!(r.validate().unwrap_err().0, "max_satisfaction");
        r.max_satisfaction = Some(2);
        assert!(r.validate().is_ok());
        r.method = Some("fax".into());
        assert_eq!(r.validate().unwrap_err().0, "method");
        r.method = Some("call".into());
        r.category = Some(TxCategory::Medical);
        assert_eq!(r.validate().unwrap_err().0, "source");
        r.category = None;
        assert!(r.contact_matches("call", Some(1), None));
        assert!(
            !r.contact_matches("call", Some(3), None),
            "rated above the rule"
        );
        assert!(!r.contact_matches("call", None, None), "not rated");
        assert!(!r.contact_matches("visit", Some(1), None), "another method");
        r.max_satisfaction = None;
        r.method = None;
        r.needs_any = vec!["留学".into(), " 出国 ".into()];
        assert!(r.validate().is_ok());
        assert!(r.contact_matches("visit", None, Some("孩子明年出国读书")));
        assert!(!r.contact_matches("visit", None, Some("想了解定期存款")));
        assert!(!r.contact_matches("visit", None, None));
        let mut other = rule();
        other.needs_any = vec!["留学".into()];
        assert_eq!(
            other.validate().unwrap_err().0,
            "source",
            "an events rule reads no needs"
        );
    }

    #[test]
    fn only_an_open_insight_moves() {
        assert_eq!(
            InsightStatus::Open.apply(InsightStep::Act),
            Some(InsightStatus::Acted)
        );
        assert_eq!(InsightStatus::Dismissed.apply(InsightStep::Act), None);
    }
}
