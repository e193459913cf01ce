//! Monitoring: large and unusual transactions. The large-value criteria are the PBOC's (人民银行令〔2016〕第3号,
//! DOMAIN-DEFAULTS §4: the same day, single or cumulative, per customer, one-sided in or out); the
//! behavioural ones read a customer against their own past: a transaction far above their 90-day average,
//! an account idle for months suddenly moving money, money in and straight out again. Each hit names its
//! criterion, the figure against the threshold and the transactions behind it; the application turns hits
//! into alerts in the one alert queue the early warnings use.

use super::activity::{Counterparty, Direction};
use crate::segments::Check;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

code_enum!(
    /// Why a transaction was flagged.
    Criterion {
        /// Cash in or out on one day ≥ CNY 50,000 or USD 10,000.
        LargeCash = "large_cash",
        /// A natural person's domestic transfers on one day ≥ CNY 500,000 or USD 100,000.
        LargeTransfer = "large_transfer",
        /// A natural person's cross-border transfers on one day ≥ CNY 200,000 or USD 10,000.
        LargeCrossBorder = "large_cross_border",
        /// A company's transfers on one day ≥ CNY 2,000,000 or USD 200,000.
        LargeCorporate = "large_corporate",
        /// One transaction a multiple of the customer's own average.
        Unusual = "unusual",
        /// An account idle for months moves money.
        Dormant = "dormant",
        /// Money in and most of it out again within hours.
        RapidInOut = "rapid_in_out",
    }
);

impl Criterion {
    /// A large-value criterion (reported to the regulator, in the large-value report).
    pub fn large_value(self) -> bool {
        matches!(
            self,
            Self::LargeCash | Self::LargeTransfer | Self::LargeCrossBorder | Self::LargeCorporate
        )
    }

    /// The alert indicator of the criterion (`monitor.large_cash`), beside the early warnings' indicators.
    pub fn indicator(self) -> String {
        format!("{INDICATOR_PREFIX}{}", self.as_str())
    }

    /// The criterion of a monitoring alert's indicator.
    pub fn of_indicator(indicator: &str) -> Option<Criterion> {
        indicator
            .strip_prefix(INDICATOR_PREFIX)
            .and_then(Criterion::parse)
    }
}

/// Monitoring alerts' indicators start with this.
pub const INDICATOR_PREFIX: &str = "monitor.";

code_enum!(
    /// Where an alert of the one queue (early warnings and monitoring) stands. An open alert past its due day
    /// escalates to the branch's supervisors once; it stays open until someone disposes of it.
    AlertStatus {
        Open = "open",
        Closed = "closed",
    }
);

code_enum!(
    /// How an alert was disposed of.
    Disposition {
        /// Checked: the customer's business explains it.
        Explained = "explained",
        /// Reported (the large-value report, or a suspicious-transaction report to compliance).
        Reported = "reported",
        /// Not what the rule meant (a data error, an internal movement).
        FalsePositive = "false_positive",
        /// Followed up with the customer (early warnings: a call, a visit, an offer).
        FollowedUp = "followed_up",
    }
);

impl Disposition {
    /// Whether this disposes of an alert of this monitoring criterion (`None`: an early warning). Early
    /// warnings are followed up with the customer, explained or false positives (nothing of theirs is
    /// reported); monitoring alerts are explained, reported or false positives — except a large-value one,
    /// which is reported or a false positive (a data error, an internal movement): the large-value report is
    /// not waived because the customer's business explains the sum.
    pub fn fits(self, criterion: Option<Criterion>) -> bool {
        match (self, criterion) {
            (Self::FollowedUp, c) => c.is_none(),
            (Self::Reported, c) => c.is_some(),
            (Self::Explained, Some(c)) => !c.large_value(),
            (Self::Explained, None) | (Self::FalsePositive, _) => true,
        }
    }
}

/// A regulatory threshold: in CNY yuan for CNY transactions, in US dollars for the others' equivalent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub cny: i64,
    pub usd: i64,
}

/// Lower or higher behavioural thresholds for the customers of one segment value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub dimension: String,
    pub value: String,
    #[serde(default)]
    pub unusual_multiple: Option<f64>,
    #[serde(default)]
    pub unusual_min: Option<i64>,
    #[serde(default)]
    pub dormant_min: Option<i64>,
    #[serde(default)]
    pub rapid_min: Option<i64>,
}

/// `[book.monitoring]`: the criteria's thresholds (amounts in CNY yuan unless said otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringPolicy {
    pub large_cash: Threshold,
    pub large_transfer: Threshold,
    pub large_cross_border: Threshold,
    pub large_corporate: Threshold,
    /// A transaction at least this multiple of the customer's average over `baseline_days` ...
    pub unusual_multiple: f64,
    /// ... and at least this much ...
    pub unusual_min: i64,
    /// ... when the average rests on at least this many transactions.
    pub baseline_min_count: u32,
    pub baseline_days: u32,
    /// An account without a transaction for this many days (and open at least as long) is dormant ...
    pub dormant_days: u32,
    /// ... and one of at least this much wakes it.
    pub dormant_min: i64,
    /// A credit of at least `rapid_min` followed within `rapid_hours` by debits of at least `rapid_share` of
    /// it.
    pub rapid_min: i64,
    pub rapid_hours: u32,
    pub rapid_share: f64,
    /// Days the owner has to dispose of an alert before it escalates to the branch's supervisors.
    pub due_days: u32,
    /// The behavioural thresholds of a customer in the care programme are multiplied by this (0-1]: such a
    /// customer is watched more closely (seed 003).
    pub care_factor: f64,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

impl Default for MonitoringPolicy {
    fn default() -> Self {
        MonitoringPolicy {
            large_cash: Threshold {
                cny: 50_000,
                usd: 10_000,
            },
            large_transfer: Threshold {
                cny: 500_000,
                usd: 100_000,
            },
            large_cross_border: Threshold {
                cny: 200_000,
                usd: 10_000,
            },
            large_corporate: Threshold {
                cny: 2_000_000,
                usd: 200_000,
            },
            unusual_multiple: 5.0,
            unusual_min: 50_000,
            baseline_min_count: 5,
            baseline_days: 90,
            dormant_days: 180,
            dormant_min: 10_000,
            rapid_min: 100_000,
            rapid_hours: 48,
            rapid_share: 0.8,
            due_days: 5,
            care_factor: 0.5,
            overrides: Vec::new(),
        }
    }
}

/// The behavioural thresholds in force for one customer (CNY fen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub unusual_multiple: f64,
    pub unusual_min: i64,
    pub dormant_min: i64,
    pub rapid_min: i64,
}

impl MonitoringPolicy {
    /// The first broken rule, as (field, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        for (k, t) in [
            ("large_cash", self.large_cash),
            ("large_transfer", self.large_transfer),
            ("large_cross_border", self.large_cross_border),
            ("large_corporate", self.large_corporate),
        ] {
            if t.cny <= 0 || t.usd <= 0 {
                return bad(k, "thresholds must be more than 0");
            }
        }
        if !(1.5..=100.0).contains(&self.unusual_multiple) {
            return bad("unusual_multiple", "must be 1.5 to 100");
        }
        if self.unusual_min < 0 || self.dormant_min < 0 || self.rapid_min < 0 {
            return bad("unusual_min", "amounts must not be negative");
        }
        if !(1..=400).contains(&self.baseline_days) || self.baseline_min_count == 0 {
            return bad(
                "baseline_days",
                "must be 1 to 400, with at least one transaction",
            );
        }
        if !(30..=3650).contains(&self.dormant_days) {
            return bad("dormant_days", "must be 30 to 3650");
        }
        if !(1..=720).contains(&self.rapid_hours) {
            return bad("rapid_hours", "must be 1 to 720");
        }
        if !(self.rapid_share > 0.0 && self.rapid_share <= 1.0) {
            return bad("rapid_share", "must be a share above 0, at most 1");
        }
        if !(1..=60).contains(&self.due_days) {
            return bad("due_days", "must be 1 to 60");
        }
        if !(self.care_factor > 0.0 && self.care_factor <= 1.0) {
            return bad("care_factor", "must be above 0, at most 1");
        }
        for (i, o) in self.overrides.iter().enumerate() {
            if o.unusual_multiple
                .is_some_and(|m| !(1.5..=100.0).contains(&m))
                || [o.unusual_min, o.dormant_min, o.rapid_min]
                    .iter()
                    .any(|v| v.is_some_and(|v| v < 0))
            {
                return Err((
                    format!("overrides[{i}]"),
                    "multiples must be 1.5 to 100 and amounts not negative".into(),
                ));
            }
        }
        Ok(())
    }

    /// Days of history the criteria read before the earliest new transaction: the baseline, and twice the
    /// dormancy period so that an idle gap of that length can be seen whole.
    pub fn history_days(&self) -> i64 {
        i64::from(self.baseline_days.max(self.dormant_days * 2)) + 2
    }

    /// The behavioural thresholds for a customer in these segments (dimension, value), lowered for the care
    /// programme. Overrides apply in policy order, a later one winning.
    pub fn limits(&self, assignments: &[(String, String)], in_care: bool) -> Limits {
        let mut l = Limits {
            unusual_multiple: self.unusual_multiple,
            unusual_min: self.unusual_min * 100,
            dormant_min: self.dormant_min * 100,
            rapid_min: self.rapid_min * 100,
        };
        for o in &self.overrides {
            if !assignments
                .iter()
                .any(|(d, v)| *d == o.dimension && *v == o.value)
            {
                continue;
            }
            l.unusual_multiple = o.unusual_multiple.unwrap_or(l.unusual_multiple);
            l.unusual_min = o.unusual_min.map_or(l.unusual_min, |v| v * 100);
            l.dormant_min = o.dormant_min.map_or(l.dormant_min, |v| v * 100);
            l.rapid_min = o.rapid_min.map_or(l.rapid_min, |v| v * 100);
        }
        if in_care {
            let f = self.care_factor;
            let scale = |v: i64| (v as f64 * f).round() as i64;
            l.unusual_multiple = (l.unusual_multiple * f).max(1.5);
            l.unusual_min = scale(l.unusual_min);
            l.dormant_min = scale(l.dormant_min);
            l.rapid_min = scale(l.rapid_min);
        }
        l
    }
}

/// One transaction as monitoring reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tx {
    /// Index into the caller's list (the hit names its transactions by it).
    pub idx: usize,
    pub account: uuid::Uuid,
    pub at_us: i64,
    /// The bank's calendar day it was booked on.
    pub day: Date,
    pub amount_cny: i64,
    /// US cents equivalent for a foreign-currency transaction; `None` for CNY.
    pub usd_cents: Option<i64>,
    pub direction: Direction,
    pub counterparty: Counterparty,
    pub cash: bool,
    pub cross_border: bool,
    /// Loaded just now (a hit needs at least one new transaction).
    pub new: bool,
}

/// One customer as monitoring reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// A natural person (the large-value criteria differ for companies).
    pub person: bool,
    pub limits: Limits,
    /// Accounts and the day each was opened.
    pub opened: BTreeMap<uuid::Uuid, Date>,
    /// Accounts the core system reports dormant (久悬).
    pub dormant: std::collections::BTreeSet<uuid::Uuid>,
    /// Days of history read before the new transactions (an idle gap is seen only within them).
    pub history_days: i64,
}

/// A criterion met.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub criterion: Criterion,
    /// The day the criterion is counted on (the large-value report's day).
    pub day: Date,
    pub direction: Direction,
    /// The transactions behind it (indices into the caller's list), oldest first.
    pub txs: Vec<usize>,
    /// The figures against the thresholds, for the alert's reason.
    pub checks: Vec<Check>,
}

const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

fn check(fact: &str, value: i64, threshold: i64, unit: &str) -> Check {
    Check {
        fact: fact.into(),
        op: ">=".into(),
        value: value as f64,
        threshold: threshold as f64,
        unit: unit.into(),
    }
}

/// The large-value criterion a transaction counts towards, if any. Movements between the customer's own
/// accounts or with the bank itself (interest, fees) are not transfers to report.
fn large_criterion(t: &Tx, person: bool) -> Option<Criterion> {
    if t.cash {
        return Some(Criterion::LargeCash);
    }
    if t.counterparty == Counterparty::Internal {
        return None;
    }
    Some(match (person, t.cross_border) {
        (false, _) => Criterion::LargeCorporate,
        (true, true) => Criterion::LargeCrossBorder,
        (true, false) => Criterion::LargeTransfer,
    })
}

/// The large-value hits among `txs` (one customer's, every transaction of the days the new ones fall on):
/// per day, criterion and direction, the CNY transactions' total against the CNY threshold and the others'
/// USD equivalent against the USD one.
fn large_values(p: &MonitoringPolicy, s: &Subject, txs: &[Tx]) -> Vec<Hit> {
    let mut groups: BTreeMap<(Date, Criterion, Direction), Vec<&Tx>> = BTreeMap::new();
    for t in txs {
        if let Some(c) = large_criterion(t, s.person) {
            groups.entry((t.day, c, t.direction)).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for ((day, criterion, direction), g) in groups {
        if !g.iter().any(|t| t.new) {
            continue;
        }
        let th = match criterion {
            Criterion::LargeCash => p.large_cash,
            Criterion::LargeTransfer => p.large_transfer,
            Criterion::LargeCrossBorder => p.large_cross_border,
            _ => p.large_corporate,
        };
        let cny: i64 = g
            .iter()
            .filter(|t| t.usd_cents.is_none())
            .map(|t| t.amount_cny)
            .sum();
        let usd: i64 = g.iter().filter_map(|t| t.usd_cents).sum();
        // RMB and foreign currency are counted apart: a hit holds the transactions of the side that crossed.
        let (cny_hit, usd_hit) = (cny >= th.cny * 100, usd >= th.usd * 100);
        let mut checks = Vec::new();
        if cny_hit {
            checks.push(check("day_total", cny, th.cny * 100, "money"));
        }
        if usd_hit {
            checks.push(check("day_total_usd", usd / 100, th.usd, "count"));
        }
        let side: Vec<&&Tx> = g
            .iter()
            .filter(|t| {
                if t.usd_cents.is_some() {
                    usd_hit
                } else {
                    cny_hit
                }
            })
            .collect();
        // The side that crossed must hold a new transaction: the other side's new ones are not its news.
        if checks.is_empty() || !side.iter().any(|t| t.new) {
            continue;
        }
        out.push(Hit {
            criterion,
            day,
            direction,
            txs: side.iter().map(|t| t.idx).collect(),
            checks,
        });
    }
    out
}

/// A new transaction far above the customer's own average of the `baseline_days` before it.
fn unusual(p: &MonitoringPolicy, s: &Subject, txs: &[Tx]) -> Vec<Hit> {
    let mut out = Vec::new();
    let window = i64::from(p.baseline_days) * DAY_US;
    for t in txs.iter().filter(|t| t.new) {
        if t.counterparty == Counterparty::Internal || t.amount_cny < s.limits.unusual_min {
            continue;
        }
        let base: Vec<i64> = txs
            .iter()
            .filter(|b| b.at_us < t.at_us && b.at_us >= t.at_us - window)
            .filter(|b| b.counterparty != Counterparty::Internal)
            .map(|b| b.amount_cny)
            .collect();
        if base.len() < p.baseline_min_count as usize {
            continue;
        }
        let avg = base.iter().sum::<i64>() / base.len() as i64;
        if (t.amount_cny as f64) < avg as f64 * s.limits.unusual_multiple {
            continue;
        }
        out.push(Hit {
            criterion: Criterion::Unusual,
            day: t.day,
            direction: t.direction,
            txs: vec![t.idx],
            checks: vec![
                check("tx_amount", t.amount_cny, s.limits.unusual_min, "money"),
                Check {
                    fact: "times_average".into(),
                    op: ">=".into(),
                    value: (t.amount_cny as f64 / avg.max(1) as f64 * 10.0).round() / 10.0,
                    threshold: s.limits.unusual_multiple,
                    unit: "times".into(),
                },
            ],
        });
    }
    out
}

/// Small transactions (below `dormant_min`) this close before a large one do not end an account's idleness:
/// a token transfer to "wake" a dormant account first would otherwise hide the sum that follows. Older small
/// ones do: an account used for small payments over the months is not dormant.
const WAKE_DAYS: i64 = 30;

/// A new transaction on an account that had none for `dormant_days` and was open at least as long (or that
/// the core system reports dormant, with nothing in the history read); small transactions just before it do
/// not count as activity ([`WAKE_DAYS`]).
fn dormant(p: &MonitoringPolicy, s: &Subject, txs: &[Tx]) -> Vec<Hit> {
    let mut out = Vec::new();
    let idle = i64::from(p.dormant_days);
    let mut woken: Vec<uuid::Uuid> = Vec::new();
    let mut new: Vec<&Tx> = txs.iter().filter(|t| t.new).collect();
    new.sort_by_key(|t| t.at_us);
    for t in new {
        if t.amount_cny < s.limits.dormant_min || woken.contains(&t.account) {
            continue;
        }
        let Some(opened) = s.opened.get(&t.account) else {
            continue;
        };
        let last = txs
            .iter()
            .filter(|b| b.account == t.account && b.at_us < t.at_us)
            .filter(|b| {
                b.amount_cny >= s.limits.dormant_min || t.at_us - b.at_us > WAKE_DAYS * DAY_US
            })
            .map(|b| b.at_us)
            .max();
        let idle_days = match last {
            Some(l) => (t.at_us - l) / DAY_US,
            // Nothing within the history read: idle at least that long if the core system says the account
            // is dormant; otherwise the book's history may simply start later, and nothing is known.
            None if s.dormant.contains(&t.account) => s.history_days,
            None => continue,
        };
        let open_days = i64::from((t.day - *opened).get_days());
        if idle_days < idle || open_days < idle {
            continue;
        }
        woken.push(t.account);
        out.push(Hit {
            criterion: Criterion::Dormant,
            day: t.day,
            direction: t.direction,
            txs: vec![t.idx],
            checks: vec![
                check("idle_days", idle_days, idle, "count"),
                check("tx_amount", t.amount_cny, s.limits.dormant_min, "money"),
            ],
        });
    }
    out
}

/// A credit of at least `rapid_min` followed within `rapid_hours` by debits of at least `rapid_share` of it,
/// when one of them is new.
fn rapid(p: &MonitoringPolicy, s: &Subject, txs: &[Tx]) -> Vec<Hit> {
    let mut out = Vec::new();
    let span = i64::from(p.rapid_hours) * HOUR_US;
    let mut used: Vec<usize> = Vec::new();
    let mut credits: Vec<&Tx> = txs
        .iter()
        .filter(|t| t.direction == Direction::Credit && t.amount_cny >= s.limits.rapid_min)
        .filter(|t| t.counterparty != Counterparty::Internal)
        .collect();
    credits.sort_by_key(|t| t.at_us);
    // Only a credit that is new, or has a new transaction within its window, can make a new hit: the
    // history's other credits are not scanned (a busy account has hundreds).
    let mut fresh: Vec<i64> = txs.iter().filter(|t| t.new).map(|t| t.at_us).collect();
    fresh.sort_unstable();
    let near_new = |c: &Tx| {
        let i = fresh.partition_point(|at| *at <= c.at_us);
        c.new || fresh.get(i).is_some_and(|at| *at <= c.at_us + span)
    };
    for c in credits.into_iter().filter(|c| near_new(c)) {
        if used.contains(&c.idx) {
            continue;
        }
        // A debit already counted against an earlier credit is not counted again.
        let debits: Vec<&Tx> = txs
            .iter()
            .filter(|d| d.direction == Direction::Debit && d.at_us > c.at_us)
            .filter(|d| d.at_us <= c.at_us + span && d.counterparty != Counterparty::Internal)
            .filter(|d| !used.contains(&d.idx))
            .collect();
        let out_total: i64 = debits.iter().map(|d| d.amount_cny).sum();
        if !(c.new || debits.iter().any(|d| d.new))
            || (out_total as f64) < c.amount_cny as f64 * p.rapid_share
        {
            continue;
        }
        let mut ids = vec![c.idx];
        ids.extend(debits.iter().map(|d| d.idx));
        used.extend(ids.iter().copied());
        out.push(Hit {
            criterion: Criterion::RapidInOut,
            day: c.day,
            direction: Direction::Debit,
            txs: ids,
            checks: vec![
                check("credit_amount", c.amount_cny, s.limits.rapid_min, "money"),
                Check {
                    fact: "out_share".into(),
                    op: ">=".into(),
                    value: out_total as f64 / c.amount_cny.max(1) as f64,
                    threshold: p.rapid_share,
                    unit: "ratio".into(),
                },
            ],
        });
    }
    out
}

/// Every criterion one customer's transactions meet. `txs` holds the new transactions and the history the
/// criteria read ([`MonitoringPolicy::history_days`] back from the earliest new one).
pub fn detect(p: &MonitoringPolicy, s: &Subject, txs: &[Tx]) -> Vec<Hit> {
    if !txs.iter().any(|t| t.new) {
        return Vec::new();
    }
    let mut out = large_values(p, s, txs);
    out.extend(unusual(p, s, txs));
    out.extend(dormant(p, s, txs));
    out.extend(rapid(p, s, txs));
    out
}

#[cfg(test)]
#[path = "monitoring_tests.rs"]
mod tests;
