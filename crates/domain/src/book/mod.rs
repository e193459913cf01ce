//! The bank's book as Banyan holds it: the product catalogue, and the accounts and holdings the core system
//! reports each day. A CRM is not the core banking system: the book comes in from it, and Banyan reads
//! figures from it (AUM, deposits, loans, products held) instead of having someone type them.

use crate::FieldErrors;
use crate::money::Currency;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub mod activity;
pub mod insight;
pub mod monitoring;
pub mod sale;

code_enum!(
    /// What a row of a catalogue file did (or would do, in a preview).
    CatalogueRowOutcome {
        Created = "created",
        Updated = "updated",
        Unchanged = "unchanged",
        Rejected = "rejected",
    }
);

code_enum!(
    /// What a product is. Decides which figures a holding feeds (AUM class, loans) and whether the product
    /// must carry a risk level.
    ProductKind {
        DemandDeposit = "demand_deposit",
        TimeDeposit = "time_deposit",
        PersonalLoan = "personal_loan",
        Mortgage = "mortgage",
        WorkingCapitalLoan = "working_capital_loan",
        ProjectLoan = "project_loan",
        TradeFinance = "trade_finance",
        /// A credit card: a limit and an outstanding balance.
        Card = "card",
        /// Bank wealth management products (理财).
        WealthProduct = "wealth_product",
        Fund = "fund",
        /// Insurance sold as an agent.
        Insurance = "insurance",
        Fx = "fx",
        Payments = "payments",
        Trust = "trust",
        PreciousMetals = "precious_metals",
    }
);

impl ProductKind {
    /// The AUM class a holding of this kind counts in (the policy's `assets.<class>`), or `None` when it is
    /// not an asset the customer keeps with the bank (credit, services).
    pub fn asset_class(self) -> Option<&'static str> {
        match self {
            Self::DemandDeposit | Self::TimeDeposit => Some("deposits"),
            Self::WealthProduct => Some("wealth_products"),
            Self::Fund => Some("funds"),
            Self::Insurance => Some("insurance"),
            Self::Trust => Some("trust"),
            Self::PreciousMetals => Some("precious_metals"),
            _ => None,
        }
    }

    /// Credit the bank extends: a holding has a limit and an outstanding amount, and counts in loans.
    pub fn is_credit(self) -> bool {
        matches!(
            self,
            Self::PersonalLoan
                | Self::Mortgage
                | Self::WorkingCapitalLoan
                | Self::ProjectLoan
                | Self::TradeFinance
                | Self::Card
        )
    }

    /// An investment product: it must carry a risk level R1-R5 (suitability is matched against it).
    pub fn needs_risk_level(self) -> bool {
        matches!(
            self,
            Self::WealthProduct | Self::Fund | Self::Trust | Self::PreciousMetals
        )
    }

    /// A deposit (the figures' `avg_deposits`).
    pub fn is_deposit(self) -> bool {
        matches!(self, Self::DemandDeposit | Self::TimeDeposit)
    }
}

code_enum!(
    /// A product's risk level (R1 lowest to R5 highest), as the regulator's suitability rules grade them.
    RiskLevel {
        R1 = "R1",
        R2 = "R2",
        R3 = "R3",
        R4 = "R4",
        R5 = "R5",
    }
);

code_enum!(
    /// Whether a product is sold.
    ProductStatus {
        /// On sale.
        OnSale = "on_sale",
        /// Temporarily not sold; holdings stay.
        Suspended = "suspended",
        /// No longer sold.
        Withdrawn = "withdrawn",
    }
);

code_enum!(
    /// An account as the core system reports it.
    AccountStatus {
        Active = "active",
        /// No customer-initiated movement for the core system's dormancy period.
        Dormant = "dormant",
        Frozen = "frozen",
        Closed = "closed",
    }
);

/// Languages a product's name is kept in; the first is required.
pub const NAME_LANGS: [&str; 3] = ["zh-CN", "zh-TW", "en"];

/// A product as an administrator defines it (create, or replace on edit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// The core system's product code: 2-32 capitals, digits, `-` or `_` (`TD-3M-CNY`). Fixed once created.
    pub code: String,
    pub kind: ProductKind,
    /// Names by language (`zh-CN` required, `zh-TW`, `en`).
    pub names: BTreeMap<String, String>,
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
    /// Term in months (time deposits, loans, closed-end products); none for open-ended products.
    #[serde(default)]
    pub term_months: Option<u32>,
    /// Minimum amount in minor units (fen).
    #[serde(default)]
    pub min_amount: i64,
    /// R1-R5; required for wealth products, funds, trusts and precious metals.
    #[serde(default)]
    pub risk_level: Option<RiskLevel>,
    /// Sold privately (私募): a cooling-off period applies after the sale.
    #[serde(default)]
    pub private: bool,
    /// An in-branch sale must be recorded on audio and video (双录).
    #[serde(default)]
    pub dual_recording: bool,
    /// Segments the product is meant for, as `dimension:value` (`wealth_tier:diamond`).
    #[serde(default)]
    pub targets: Vec<String>,
    pub status: ProductStatus,
    #[schema(value_type = String, example = "2026-01-01")]
    pub launch_on: Date,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2027-12-31")]
    pub end_on: Option<Date>,
}

/// A product code: 2-32 of `A-Z 0-9 - _`, starting with a capital or a digit.
pub fn valid_code(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl ProductInput {
    /// Every broken rule, by field. `segment_known` says whether a `dimension:value` target exists in the
    /// policy (the domain does not hold the policy's values).
    pub fn check(&self, segment_known: impl Fn(&str, &str) -> bool) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !valid_code(&self.code) {
            e.push(
                "code",
                "format",
                "must be 2-32 capitals, digits, '-' or '_' (e.g. TD-3M-CNY)",
            );
        }
        match self.names.get("zh-CN").map(|n| n.trim()) {
            Some(n) if !n.is_empty() => {}
            _ => e.push("names.zh-CN", "required", "is required"),
        }
        for (lang, name) in &self.names {
            if !NAME_LANGS.contains(&lang.as_str()) {
                e.push(
                    format!("names.{lang}"),
                    "unknown",
                    "is not a language Banyan keeps names in",
                );
            } else if name.chars().count() > 80 {
                e.push(
                    format!("names.{lang}"),
                    "length",
                    "must be at most 80 characters",
                );
            }
        }
        if self.term_months.is_some_and(|m| m == 0 || m > 600) {
            e.push("term_months", "range", "must be 1 to 600 months");
        }
        if self.kind == ProductKind::TimeDeposit && self.term_months.is_none() {
            e.push("term_months", "required", "a time deposit needs its term");
        }
        if self.min_amount < 0 {
            e.push("min_amount", "min", "must not be negative");
        }
        match (self.kind.needs_risk_level(), self.risk_level) {
            (true, None) => e.push(
                "risk_level",
                "required",
                "an investment product needs its risk level R1-R5",
            ),
            (false, Some(_)) if self.kind.is_deposit() || self.kind.is_credit() => e.push(
                "risk_level",
                "not_allowed",
                "deposits and credit products carry no risk level",
            ),
            _ => {}
        }
        if self.private && !self.kind.needs_risk_level() && self.kind != ProductKind::Insurance {
            e.push(
                "private",
                "not_allowed",
                "only investment products are sold privately",
            );
        }
        if self.end_on.is_some_and(|end| end < self.launch_on) {
            e.push("end_on", "order", "must not be before the launch date");
        }
        for (i, t) in self.targets.iter().enumerate() {
            let known = t
                .split_once(':')
                .is_some_and(|(d, v)| segment_known(d.trim(), v.trim()));
            if !known {
                e.push(
                    format!("targets[{i}]"),
                    "unknown",
                    "must be a segment of the policy, as dimension:value",
                );
            }
        }
        e
    }
}

/// One account's state on a business date, as the core system's daily file or the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldingRecord {
    /// The account number as the core system knows it (1-40 letters, digits or `-`).
    pub account_no: String,
    /// The customer's number (`P-BR0001-00000001`) or id.
    pub customer: String,
    /// The product's code in the catalogue.
    pub product: String,
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
    pub status: AccountStatus,
    #[schema(value_type = String, example = "2024-03-01")]
    pub opened_on: Date,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub closed_on: Option<Date>,
    /// Balance or market value in minor units of the account's currency; for credit, 0.
    #[serde(default)]
    pub balance: i64,
    /// Credit products: the limit and what is drawn, in minor units.
    #[serde(default)]
    pub credit_limit: Option<i64>,
    #[serde(default)]
    pub outstanding: Option<i64>,
    /// Credit products: days the oldest instalment is past due (0 when current).
    #[serde(default)]
    pub days_past_due: u32,
}

/// A valid account number: 1-40 ASCII letters, digits or `-`.
pub fn valid_account_no(s: &str) -> bool {
    (1..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl HoldingRecord {
    /// Every broken rule of the record read against its product (kind and currency) and its business date.
    pub fn check(&self, kind: ProductKind, product_currency: Currency, as_of: Date) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !valid_account_no(&self.account_no) {
            e.push(
                "account_no",
                "format",
                "must be 1-40 letters, digits or '-'",
            );
        }
        if self.currency != product_currency {
            e.push(
                "currency",
                "mismatch",
                format!(
                    "must be the product's currency {}",
                    product_currency.as_str()
                ),
            );
        }
        if self.balance < 0 {
            e.push("balance", "min", "must not be negative");
        }
        if self.opened_on > as_of {
            e.push(
                "opened_on",
                "not_future",
                "must not be after the business date",
            );
        }
        match (self.status, self.closed_on) {
            (AccountStatus::Closed, None) => e.push(
                "closed_on",
                "required",
                "a closed account needs its closing date",
            ),
            (AccountStatus::Closed, Some(c)) if c < self.opened_on || c > as_of => e.push(
                "closed_on",
                "order",
                "must be between the opening date and the business date",
            ),
            (s, Some(_)) if s != AccountStatus::Closed => e.push(
                "closed_on",
                "not_allowed",
                "only a closed account has a closing date",
            ),
            _ => {}
        }
        if kind.is_credit() {
            if self.balance != 0 {
                e.push(
                    "balance",
                    "not_allowed",
                    "a credit account reports its limit and outstanding, not a balance",
                );
            }
            if self.credit_limit.is_none_or(|l| l < 0) {
                e.push(
                    "credit_limit",
                    "required",
                    "a credit account needs its limit (0 or more)",
                );
            }
            if self.outstanding.is_none_or(|o| o < 0) {
                e.push(
                    "outstanding",
                    "required",
                    "a credit account needs its outstanding (0 or more)",
                );
            }
        } else {
            if self.credit_limit.is_some() || self.outstanding.is_some() {
                e.push(
                    "credit_limit",
                    "not_allowed",
                    "only credit accounts have a limit and an outstanding amount",
                );
            }
            if self.days_past_due > 0 {
                e.push(
                    "days_past_due",
                    "not_allowed",
                    "only credit accounts can be past due",
                );
            }
        }
        e
    }
}

/// Reference rates that turn amounts in other currencies into CNY for the figures (AUM, deposits, loans).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookPolicy {
    /// Currencies the book accepts; a holding in any other is rejected.
    pub currencies: Vec<CurrencyRate>,
    /// Days of daily snapshots averaged into `avg_deposits`.
    pub avg_deposit_days: u32,
    /// Services a segment is entitled to (seed 000 §4), shown on the customer's page.
    #[serde(default)]
    pub entitlements: Vec<Entitlement>,
    /// How long transactions and channel events are kept.
    #[serde(default)]
    pub retention: activity::Retention,
    /// Needs read from behaviour (seed 001), evaluated after each load.
    #[serde(default)]
    pub insights: Vec<insight::InsightRule>,
    /// Days after an insight in which a sale to the customer (one the gate let through) counts it as
    /// converted in the insight report.
    #[serde(default = "conversion_days")]
    pub insight_conversion_days: u32,
    /// Large and unusual transactions, checked after each transactions load.
    #[serde(default)]
    pub monitoring: monitoring::MonitoringPolicy,
    /// Which sales are high-risk business, for the one gate every sale passes.
    #[serde(default)]
    pub gate: sale::GatePolicy,
}

fn conversion_days() -> u32 {
    90
}

/// One currency: its minor-unit digits and its reference rate to CNY (a decimal string, up to 6 places).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrencyRate {
    pub code: String,
    pub digits: u8,
    pub to_cny: String,
}

/// Services the customers of one segment value are entitled to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entitlement {
    pub dimension: String,
    pub value: String,
    /// Service codes (`vip_channel`, `wealth_room`, `dedicated_adviser`, ...), each labelled in the
    /// workbench's registry.
    pub services: Vec<String>,
}

impl Default for BookPolicy {
    fn default() -> Self {
        BookPolicy {
            currencies: vec![CurrencyRate {
                code: "CNY".into(),
                digits: 2,
                to_cny: "1".into(),
            }],
            avg_deposit_days: 90,
            entitlements: Vec::new(),
            retention: activity::Retention::default(),
            insights: Vec::new(),
            insight_conversion_days: conversion_days(),
            monitoring: monitoring::MonitoringPolicy::default(),
            gate: sale::GatePolicy::default(),
        }
    }
}

/// A rate as millionths (`7.1` → 7,100,000), or `None` when it is not a positive decimal with at most six
/// places.
pub fn rate_micros(s: &str) -> Option<i64> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty()
        || frac.len() > 6
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let micros: i64 = format!("{frac:0<6}").parse().ok()?;
    let v = whole.checked_mul(1_000_000)?.checked_add(micros)?;
    (v > 0).then_some(v)
}

impl BookPolicy {
    /// The first broken rule, as (key under `book.`, message) like the other sections of the policy.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: String, message: &str| Err((key, message.to_owned()));
        if !self.currencies.iter().any(|c| c.code == "CNY") {
            return bad("currencies".into(), "must include CNY");
        }
        for (i, c) in self.currencies.iter().enumerate() {
            if Currency::parse(&c.code).is_err() {
                return bad(format!("currencies[{i}].code"), "must be an ISO 4217 code");
            }
            if c.digits > 4 {
                return bad(format!("currencies[{i}].digits"), "must be 0 to 4");
            }
            if rate_micros(&c.to_cny).is_none() {
                return bad(
                    format!("currencies[{i}].to_cny"),
                    "must be a positive decimal with at most six places",
                );
            }
        }
        if !(1..=366).contains(&self.avg_deposit_days) {
            return bad("avg_deposit_days".into(), "must be 1 to 366");
        }
        // The AML rules keep transaction records at least five years (ten in the reading).
        if !(5..=30).contains(&self.retention.transactions_years) {
            return bad("retention.transactions_years".into(), "must be 5 to 30");
        }
        if !(30..=3650).contains(&self.retention.events_days) {
            return bad("retention.events_days".into(), "must be 30 to 3650");
        }
        if !(7..=3650).contains(&self.retention.rejects_days) {
            return bad("retention.rejects_days".into(), "must be 7 to 3650");
        }
        for (i, r) in self.insights.iter().enumerate() {
            if let Err((k, m)) = r.validate() {
                return Err((format!("insights[{i}].{k}"), m));
            }
            if self.insights[..i].iter().any(|o| o.key == r.key) {
                return bad(format!("insights[{i}].key"), "is used by another rule");
            }
        }
        if !(1..=366).contains(&self.insight_conversion_days) {
            return bad("insight_conversion_days".into(), "must be 1 to 366");
        }
        if let Err((k, m)) = self.monitoring.validate() {
            return Err((format!("monitoring.{k}"), m));
        }
        Ok(())
    }

    /// The currency's entry, when the book accepts it.
    pub fn currency(&self, c: Currency) -> Option<&CurrencyRate> {
        self.currencies.iter().find(|r| r.code == c.as_str())
    }

    /// `minor` units of `c` in CNY fen (rounded half away from zero); `None` for a currency the book does
    /// not accept.
    pub fn to_cny_minor(&self, minor: i64, c: Currency) -> Option<i64> {
        let r = self.currency(c)?;
        let rate = i128::from(rate_micros(&r.to_cny)?);
        // fen = minor / 10^digits * rate * 100, kept in integers: minor * rate * 100 / (10^digits * 10^6).
        let den = 10i128.pow(u32::from(r.digits)) * 1_000_000;
        let num = i128::from(minor) * rate * 100;
        let q = (num + num.signum() * den / 2) / den;
        i64::try_from(q).ok()
    }

    /// The services `assignments` (dimension, value) entitle a customer to, each once, in policy order.
    pub fn services_for<'a>(&'a self, assignments: &[(String, String)]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entitlements {
            if assignments
                .iter()
                .any(|(d, v)| *d == e.dimension && *v == e.value)
            {
                for s in &e.services {
                    if !out.contains(&s.as_str()) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }
}

/// The figures the book gives a customer on a business date, in CNY fen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookFigures {
    /// By AUM class (`deposits`, `wealth_products`, `funds`, ...).
    pub assets: BTreeMap<String, i64>,
    /// Outstanding credit.
    pub loans: i64,
    /// The average of the daily deposit totals over the policy's window.
    pub avg_deposits: i64,
    /// Distinct products held in accounts not closed.
    pub product_count: u32,
    /// Balances of open positions in products with a risk level, by level (`R1`..`R5`).
    pub by_risk: BTreeMap<String, i64>,
    /// The day the customer's first account was opened (closed ones too): the relationship's start as the
    /// core system knows it.
    pub client_since: Option<Date>,
    /// From the customer's transactions, once the bank feeds them (none until then: the posted figures
    /// stand).
    pub activity: Option<activity::ActivityFigures>,
}

/// One account's snapshot as the figures read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub kind: ProductKind,
    pub product: String,
    /// The product's risk level (investment products).
    pub risk: Option<RiskLevel>,
    pub status: AccountStatus,
    /// In CNY fen.
    pub balance_cny: i64,
    pub outstanding_cny: i64,
}

/// The figures of a customer's positions on the business date, with the daily deposit totals of the window
/// (one per date that has snapshots; the business date's own total is added when missing).
pub fn figures(positions: &[Position], deposit_days: &[i64]) -> BookFigures {
    let mut f = BookFigures::default();
    let mut products: Vec<&str> = Vec::new();
    let mut deposits_today = 0i64;
    for p in positions
        .iter()
        .filter(|p| p.status != AccountStatus::Closed)
    {
        if let Some(class) = p.kind.asset_class() {
            *f.assets.entry(class.to_owned()).or_default() += p.balance_cny;
        }
        if p.kind.is_deposit() {
            deposits_today += p.balance_cny;
        }
        if p.kind.is_credit() {
            f.loans += p.outstanding_cny;
        }
        if let Some(r) = p.risk {
            *f.by_risk.entry(r.as_str().to_owned()).or_default() += p.balance_cny;
        }
        if !products.contains(&p.product.as_str()) {
            products.push(&p.product);
        }
    }
    f.product_count = u32::try_from(products.len()).unwrap_or(u32::MAX);
    let (sum, n) = if deposit_days.is_empty() {
        (deposits_today, 1)
    } else {
        (deposit_days.iter().sum::<i64>(), deposit_days.len() as i64)
    };
    f.avg_deposits = sum / n;
    f
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn product() -> ProductInput {
        ProductInput {
            code: "WM-R3-180D".into(),
            kind: ProductKind::WealthProduct,
            names: [("zh-CN".to_owned(), "稳健180天".to_owned())].into(),
            currency: Currency::CNY,
            term_months: Some(6),
            min_amount: 1_000_000,
            risk_level: Some(RiskLevel::R3),
            private: false,
            dual_recording: true,
            targets: vec!["wealth_tier:gold".into()],
            status: ProductStatus::OnSale,
            launch_on: "2026-01-01".parse().unwrap(),
            end_on: None,
        }
    }

    fn rules(e: &FieldErrors) -> Vec<(String, String)> {
        e.0.iter()
            .map(|x| (x.field.clone(), x.rule.clone()))
            .collect()
    }

    #[test]
    fn a_product_names_each_broken_rule() {
        assert!(product().check(|_, _| true).is_empty());
        let mut p = product();
        p.code = "wm 1".into();
        p.names.clear();
        p.risk_level = None;
        p.end_on = Some("2025-01-01".parse().unwrap());
        p.targets = vec!["wealth_tier".into()];
        let e = rules(&p.check(|_, _| true));
        for want in [
            ("code", "format"),
            ("names.zh-CN", "required"),
            ("risk_level", "required"),
            ("end_on", "order"),
            ("targets[0]", "unknown"),
        ] {
            assert!(
                e.contains(&(want.0.to_owned(), want.1.to_owned())),
                "{want:?} in {e:?}"
            );
        }
        let mut d = product();
        d.kind = ProductKind::TimeDeposit;
        d.term_months = None;
        let e = rules(&d.check(|_, _| true));
        assert!(e.contains(&("term_months".into(), "required".into())));
        assert!(e.contains(&("risk_level".into(), "not_allowed".into())));
        assert!(!product().check(|_, v| v == "diamond").is_empty());
    }

    fn holding() -> HoldingRecord {
        HoldingRecord {
            account_no: "6222000000000001".into(),
            customer: "P-BR0001-00000001".into(),
            product: "TD-3M-CNY".into(),
            currency: Currency::CNY,
            status: AccountStatus::Active,
            opened_on: "2024-03-01".parse().unwrap(),
            closed_on: None,
            balance: 5_000_000,
            credit_limit: None,
            outstanding: None,
            days_past_due: 0,
        }
    }

    #[test]
    fn a_holding_is_read_against_its_product() {
        let day: Date = "2026-12-01".parse().unwrap();
        assert!(
            holding()
                .check(ProductKind::TimeDeposit, Currency::CNY, day)
                .is_empty()
        );
        let mut h = holding();
        h.balance = -1;
        h.status = AccountStatus::Closed;
        h.currency = Currency::parse("USD").unwrap();
        let e = rules(&h.check(ProductKind::TimeDeposit, Currency::CNY, day));
        assert!(e.contains(&("balance".into(), "min".into())), "{e:?}");
        assert!(
            e.contains(&("closed_on".into(), "required".into())),
            "{e:?}"
        );
        assert!(e.contains(&("currency".into(), "mismatch".into())), "{e:?}");
        let e = rules(&holding().check(ProductKind::Mortgage, Currency::CNY, day));
        assert!(
            e.contains(&("credit_limit".into(), "required".into())),
            "{e:?}"
        );
        assert!(
            e.contains(&("balance".into(), "not_allowed".into())),
            "{e:?}"
        );
    }

    #[test]
    fn amounts_in_other_currencies_become_cny_fen() {
        let p = BookPolicy {
            currencies: vec![
                CurrencyRate {
                    code: "CNY".into(),
                    digits: 2,
                    to_cny: "1".into(),
                },
                CurrencyRate {
                    code: "USD".into(),
                    digits: 2,
                    to_cny: "7.1".into(),
                },
                CurrencyRate {
                    code: "JPY".into(),
                    digits: 0,
                    to_cny: "0.0475".into(),
                },
            ],
            ..BookPolicy::default()
        };
        assert!(p.validate().is_ok());
        assert_eq!(p.to_cny_minor(12_345, Currency::CNY), Some(12_345));
        // USD 100.00 = CNY 710.00
        assert_eq!(
            p.to_cny_minor(10_000, Currency::parse("USD").unwrap()),
            Some(71_000)
        );
        // JPY 10,000 = CNY 475.00
        assert_eq!(
            p.to_cny_minor(10_000, Currency::parse("JPY").unwrap()),
            Some(47_500)
        );
        assert_eq!(p.to_cny_minor(1, Currency::parse("EUR").unwrap()), None);
        assert_eq!(rate_micros("7.1"), Some(7_100_000));
        assert_eq!(rate_micros("0"), None);
        assert_eq!(rate_micros("1.1234567"), None);
    }

    #[test]
    fn figures_count_open_positions_only() {
        let pos = |kind, product: &str, status, bal, out| Position {
            kind,
            product: product.into(),
            risk: (kind == ProductKind::Fund).then_some(RiskLevel::R3),
            status,
            balance_cny: bal,
            outstanding_cny: out,
        };
        let f = figures(
            &[
                pos(
                    ProductKind::DemandDeposit,
                    "DD",
                    AccountStatus::Active,
                    100,
                    0,
                ),
                pos(
                    ProductKind::TimeDeposit,
                    "TD",
                    AccountStatus::Active,
                    300,
                    0,
                ),
                pos(ProductKind::Fund, "F1", AccountStatus::Active, 50, 0),
                pos(ProductKind::Mortgage, "ML", AccountStatus::Active, 0, 900),
                pos(ProductKind::Fund, "F2", AccountStatus::Closed, 999, 0),
            ],
            &[200, 400],
        );
        assert_eq!(f.assets.get("deposits"), Some(&400));
        assert_eq!(f.assets.get("funds"), Some(&50));
        assert_eq!(f.loans, 900);
        assert_eq!(f.product_count, 4);
        assert_eq!(f.avg_deposits, 300);
        // The closed fund's balance is no longer held at any level.
        assert_eq!(f.by_risk, BTreeMap::from([("R3".to_owned(), 50)]));
    }
}
