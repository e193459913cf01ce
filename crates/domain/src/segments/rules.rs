//! The rules: every dimension decided from a customer's facts and the policy, with its reason.

use super::facts::{YUAN, assignment, check};
use super::*;
use crate::customer::CustomerKind;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

/// Whole years between `birth` and `today` (the birthday itself counts).
pub fn age_on(birth: Date, today: Date) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Tiers listed highest first with strictly lower thresholds, the last starting at 0.
fn descending<T>(key: &str, items: &[T], min: impl Fn(&T) -> i64) -> Result<(), (String, String)> {
    if items.is_empty() {
        return Err((key.into(), "must list at least one tier".into()));
    }
    for (i, w) in items.windows(2).enumerate() {
        if min(&w[0]) <= min(&w[1]) {
            return Err((
                format!("{key}[{}]", i + 1),
                "tiers must be listed highest first with strictly lower thresholds".into(),
            ));
        }
    }
    if items.last().is_some_and(|t| min(t) != 0) {
        return Err((
            format!("{key}[{}]", items.len() - 1),
            "the last tier must start at 0 so every customer has one".into(),
        ));
    }
    Ok(())
}

impl SegmentPolicy {
    /// Every assignment for one customer.
    pub fn evaluate(&self, f: &Facts<'_>) -> Vec<Assignment> {
        let mut out = Vec::new();
        match f.kind {
            CustomerKind::Individual => {
                out.extend(self.age_group(f));
                if let Some(a) = f.assessment {
                    out.push(Self::risk_appetite(a, f.today));
                }
                if let Some(m) = f.metrics {
                    out.push(self.asset_tier(m));
                    out.push(self.wealth_tier(m, f.current.get("wealth_tier")));
                    out.push(self.individual_rating(m));
                }
            }
            CustomerKind::Corporate | CustomerKind::Institution => {
                if let Some(ind) = f.industry {
                    out.push(
                        assignment("industry_class", &ind.to_string(), Vec::new())
                            .with_reason(&format!("{ind}: GB/T 4754 section {ind}")),
                    );
                }
                out.extend(self.company_size(f));
                if let Some(m) = f.metrics {
                    out.push(self.corporate_grade(f, m));
                }
            }
        }
        out.push(self.lifecycle(f));
        if let Some(m) = f.metrics {
            out.push(self.value_tier(m));
        }
        out
    }

    fn risk_appetite(a: &Assessment, today: Date) -> Assignment {
        if today >= a.expires_on {
            return assignment("risk_appetite", "expired", Vec::new()).with_reason(&format!(
                "expired: the assessment of {} ({}, score {}) expired on {}; re-assess before any purchase",
                a.assessed_on, a.level, a.score, a.expires_on
            ));
        }
        assignment("risk_appetite", &a.level, Vec::new()).with_reason(&format!(
            "{}: questionnaire score {} on {}, valid until {}",
            a.level, a.score, a.assessed_on, a.expires_on
        ))
    }

    fn age_group(&self, f: &Facts<'_>) -> Option<Assignment> {
        let age = age_on(f.birth_date?, f.today);
        let g = self
            .age_groups
            .iter()
            .find(|g| (g.min_age..=g.max_age).contains(&age))?;
        Some(assignment(
            "age_group",
            &g.name,
            vec![
                check("age", "years", age.into(), ">=", g.min_age.into()),
                check("age", "years", age.into(), "<=", g.max_age.into()),
            ],
        ))
    }

    fn asset_tier(&self, m: &Metrics) -> Assignment {
        let aum = m.aum();
        // Validation guarantees a last tier at zero, so some tier always matches.
        let t = self
            .asset_tiers
            .iter()
            .find(|t| aum >= t.min_aum * YUAN)
            .or(self.asset_tiers.last());
        match t {
            Some(t) => {
                let mut checks = vec![check(
                    "aum",
                    "money",
                    aum as f64,
                    ">=",
                    (t.min_aum * YUAN) as f64,
                )];
                if let Some(up) = self
                    .asset_tiers
                    .iter()
                    .rev()
                    .find(|u| u.min_aum > t.min_aum)
                {
                    checks.push(check(
                        "aum",
                        "money",
                        aum as f64,
                        "<",
                        (up.min_aum * YUAN) as f64,
                    ));
                }
                assignment("asset_tier", &t.name, checks)
            }
            None => assignment("asset_tier", "", Vec::new()),
        }
    }

    fn wealth_checks(t: &WealthTier, m: &Metrics, ratio: f64) -> (bool, Vec<Check>) {
        let aum_min = (t.min_aum * YUAN) as f64 * ratio;
        let contrib_min = (t.min_contribution * YUAN) as f64 * ratio;
        let inv_min = (f64::from(t.min_investments) * ratio).floor();
        let checks = vec![
            check("aum", "money", m.aum() as f64, ">=", aum_min),
            check(
                "investment_count",
                "count",
                m.investment_count.into(),
                ">=",
                inv_min,
            ),
            check(
                "contribution",
                "money",
                m.contribution as f64,
                ">=",
                contrib_min,
            ),
        ];
        let ok = m.aum() as f64 >= aum_min
            && f64::from(m.investment_count) >= inv_min
            && m.contribution as f64 >= contrib_min;
        (ok, checks)
    }

    fn wealth_tier(&self, m: &Metrics, current: Option<&String>) -> Assignment {
        let tiers = &self.wealth.tiers;
        let qualified = tiers
            .iter()
            .position(|t| Self::wealth_checks(t, m, 1.0).0)
            .unwrap_or(tiers.len().saturating_sub(1));
        // Hysteresis: a customer above the qualified tier keeps it while within the downgrade margin.
        if let Some(cur) = current.and_then(|c| tiers.iter().position(|t| &t.name == c))
            && cur < qualified
        {
            let (keep, checks) = Self::wealth_checks(&tiers[cur], m, self.wealth.downgrade_ratio);
            if keep {
                let mut a = assignment("wealth_tier", &tiers[cur].name, checks);
                a.reason = format!(
                    "{} kept (within the downgrade margin {:.0}%): {}",
                    tiers[cur].name,
                    self.wealth.downgrade_ratio * 100.0,
                    a.reason
                        .split_once(": ")
                        .map(|(_, r)| r)
                        .unwrap_or_default()
                );
                return a;
            }
        }
        match tiers.get(qualified) {
            Some(t) => {
                let (_, checks) = Self::wealth_checks(t, m, 1.0);
                let checks = checks.into_iter().filter(|c| c.threshold > 0.0).collect();
                assignment("wealth_tier", &t.name, checks)
            }
            None => assignment("wealth_tier", "", Vec::new()),
        }
    }

    /// The 2011 SME standard for the customer's industry. `None` without the figures the row needs.
    fn company_size(&self, f: &Facts<'_>) -> Option<Assignment> {
        let cs = &self.company_size;
        let row_name = f
            .industry
            .and_then(|i| cs.industry_rows.get(&i.to_string()))
            .map(String::as_str)
            .unwrap_or("other");
        let row = cs.rows.get(row_name)?;
        let m = f.metrics;
        let employees = m.and_then(|m| m.employees).or(f.employees);
        let revenue = m.and_then(|m| m.revenue).or(f.revenue);
        let assets = m.and_then(|m| m.total_assets).or(f.total_assets);
        // Revenue and assets are compared in CNY 10,000 (万元), as the standard states them.
        let to_wan = |minor: i64| minor as f64 / 1_000_000.0;
        let mut values = Vec::new();
        for measure in &row.measures {
            let v = match measure.as_str() {
                "employees" => f64::from(employees?),
                "revenue" => to_wan(revenue?),
                "assets" => to_wan(assets?),
                _ => return None,
            };
            values.push((measure.as_str(), v));
        }
        let unit = |m: &str| if m == "employees" { "count" } else { "cny10k" };
        let all_at_least =
            |bounds: &[i64]| values.iter().zip(bounds).all(|((_, v), b)| *v >= *b as f64);
        let checks_for = |bounds: &[i64], op: &str| {
            values
                .iter()
                .zip(bounds)
                .map(|((m, v), b)| check(m, unit(m), *v, op, *b as f64))
                .collect::<Vec<_>>()
        };
        let (class, checks) = if all_at_least(&row.sme_ceiling) {
            ("large", checks_for(&row.sme_ceiling, ">="))
        } else if all_at_least(&row.medium) {
            ("medium", checks_for(&row.medium, ">="))
        } else {
            // Micro and small are one class for service purposes (seed 000: 小微企业).
            let small = all_at_least(&row.small);
            let mut c = checks_for(&row.medium, "<");
            c.retain(|c| c.value < c.threshold);
            (if small { "small" } else { "micro" }, c)
        };
        let value = match class {
            "small" | "micro" => cs.small_class.as_str(),
            other => other,
        };
        let mut a = assignment("company_size", value, checks);
        a.reason = format!("{} ({row_name}, {class})", a.reason);
        Some(a)
    }

    fn points(bands: &[Band], v: f64) -> u32 {
        bands
            .iter()
            .find(|b| b.max.is_none_or(|m| v <= m))
            .map(|b| b.points)
            .unwrap_or(0)
    }

    /// Sums the factors of a scorecard and maps the score to a rating.
    fn score(card: &Scorecard, dimension: &str, values: &[(&str, f64)]) -> Assignment {
        let mut total = 0u32;
        let mut parts = Vec::new();
        for (f, v) in values {
            let pts = card
                .factors
                .get(*f)
                .map(|b| Self::points(b, *v))
                .unwrap_or(0);
            total += pts;
            parts.push(format!("{f} {} = {pts} points", fmt_num(*v)));
        }
        let band = card
            .ratings
            .iter()
            .find(|r| r.max_score.is_none_or(|m| total <= m));
        let rating = band.map(|b| b.rating.as_str()).unwrap_or("");
        let mut checks = vec![];
        if let Some(m) = band.and_then(|b| b.max_score) {
            checks.push(check("score", "points", total.into(), "<=", m.into()));
        }
        let prev = card
            .ratings
            .iter()
            .take_while(|r| r.rating != rating)
            .filter_map(|r| r.max_score)
            .last();
        if let Some(p) = prev {
            checks.push(check("score", "points", total.into(), ">", p.into()));
        }
        let mut a = assignment(dimension, rating, checks);
        a.reason = format!("{rating}: score {total} ({})", parts.join(", "));
        a
    }

    fn individual_rating(&self, m: &Metrics) -> Assignment {
        let debt_ratio = if m.income > 0 {
            m.debts as f64 / m.income as f64
        } else if m.debts > 0 {
            f64::INFINITY
        } else {
            0.0
        };
        Self::score(
            &self.risk_rating.individual,
            "risk_rating",
            &[
                ("overdue_count", m.overdue_count.into()),
                ("income_unstable", if m.income_unstable { 1.0 } else { 0.0 }),
                ("debt_ratio", debt_ratio),
            ],
        )
    }

    fn corporate_grade(&self, f: &Facts<'_>, m: &Metrics) -> Assignment {
        let rr = &self.risk_rating;
        let industry_risk = f
            .industry
            .and_then(|i| rr.industry_risk.get(&i.to_string()))
            .or(rr.industry_risk.get("other"))
            .copied()
            .unwrap_or(0.0);
        let ratio = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) if b > 0 => a as f64 / b as f64,
            _ => 0.0,
        };
        let debt_to_assets = ratio(m.total_liabilities, m.total_assets.or(f.total_assets));
        let current = match (m.current_assets, m.current_liabilities) {
            (Some(a), Some(l)) if l > 0 => a as f64 / l as f64,
            _ => 1.0,
        };
        let loss = m.net_profit.is_some_and(|p| p < 0);
        Self::score(
            &rr.corporate,
            "credit_grade",
            &[
                ("industry_risk", industry_risk),
                ("overdue_count", m.overdue_count.into()),
                ("debt_to_assets", debt_to_assets),
                ("current_ratio_shortfall", (1.0 - current).max(0.0)),
                ("loss_making", if loss { 1.0 } else { 0.0 }),
            ],
        )
    }

    fn months_between(a: Date, b: Date) -> i64 {
        let m = i64::from(b.year() - a.year()) * 12 + i64::from(b.month() - a.month());
        if b.day() < a.day() { m - 1 } else { m }
    }

    fn lifecycle(&self, f: &Facts<'_>) -> Assignment {
        let lp = &self.lifecycle;
        let since = match (f.verified, f.client_since) {
            (true, Some(d)) => d,
            _ => {
                return assignment(
                    "lifecycle_stage",
                    "prospect",
                    vec![check("verified", "count", 0.0, "=", 0.0)],
                )
                .with_reason("prospect: not yet a verified client");
            }
        };
        let tenure = Self::months_between(since, f.today).max(0) as f64;
        if let (Some(m), Some(e)) = (f.metrics, f.trend_earlier) {
            let before = e.aum();
            if before > 0 {
                let drop = (before - m.aum()) as f64 / before as f64;
                if drop >= lp.at_risk_drop {
                    return assignment(
                        "lifecycle_stage",
                        "at_risk",
                        vec![check("aum_drop", "ratio", drop, ">=", lp.at_risk_drop)],
                    );
                }
            }
        }
        if let Some(m) = f.metrics
            && m.aum() > 0
            && m.transactions_90d == 0
        {
            return assignment(
                "lifecycle_stage",
                "at_risk",
                vec![check("transactions_90d", "count", 0.0, "=", 0.0)],
            );
        }
        if tenure < f64::from(lp.new_months) {
            return assignment(
                "lifecycle_stage",
                "new",
                vec![check("tenure", "months", tenure, "<", lp.new_months.into())],
            );
        }
        let products = f.metrics.map(|m| m.product_count).unwrap_or(0);
        if tenure >= f64::from(lp.mature_months) && products >= lp.mature_products {
            return assignment(
                "lifecycle_stage",
                "mature",
                vec![
                    check("tenure", "months", tenure, ">=", lp.mature_months.into()),
                    check(
                        "product_count",
                        "count",
                        products.into(),
                        ">=",
                        lp.mature_products.into(),
                    ),
                ],
            );
        }
        assignment(
            "lifecycle_stage",
            "stable",
            vec![check(
                "tenure",
                "months",
                tenure,
                ">=",
                lp.new_months.into(),
            )],
        )
    }

    /// The value score (0 and up) and its parts.
    pub fn value_score(&self, m: &Metrics) -> (u32, Vec<(String, u32)>) {
        let v = &self.value;
        let part = |c: &ValueComponent, amount: i64| -> u32 {
            if c.per_point <= 0 || amount <= 0 {
                return 0;
            }
            let pts = amount / (c.per_point * YUAN);
            u32::try_from(pts).unwrap_or(u32::MAX).min(c.max_points)
        };
        let parts = vec![
            ("deposits".to_owned(), part(&v.deposits, m.avg_deposits)),
            ("loans".to_owned(), part(&v.loans, m.loans)),
            ("fee_income".to_owned(), part(&v.fee_income, m.fee_income)),
            (
                "contribution".to_owned(),
                part(&v.contribution, m.contribution),
            ),
            (
                "qualitative".to_owned(),
                m.qualitative_points.min(v.max_qualitative_points),
            ),
        ];
        (parts.iter().map(|(_, p)| p).sum(), parts)
    }

    fn value_tier(&self, m: &Metrics) -> Assignment {
        let (score, parts) = self.value_score(m);
        let t = self
            .value
            .tiers
            .iter()
            .find(|t| score >= t.min_score)
            .or(self.value.tiers.last());
        let name = t.map(|t| t.name.as_str()).unwrap_or("");
        let mut a = assignment(
            "value_tier",
            name,
            vec![check(
                "value_score",
                "points",
                score.into(),
                ">=",
                t.map(|t| t.min_score).unwrap_or(0).into(),
            )],
        );
        a.reason = format!(
            "{} ({})",
            a.reason,
            parts
                .iter()
                .map(|(k, p)| format!("{k} {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        a
    }

    /// Early-warning indicators that fire for these metrics compared with the earlier ones.
    pub fn warnings(
        &self,
        kind: CustomerKind,
        m: &Metrics,
        earlier: Option<&Metrics>,
    ) -> Vec<Warning> {
        let w = &self.warnings;
        let mut out = Vec::new();
        if let Some(e) = earlier {
            let before = e.aum();
            let days = (m.as_of - e.as_of).get_days();
            if before > 0 && days >= 0 && days <= i32::try_from(w.aum_drop_days).unwrap_or(i32::MAX)
            {
                let drop = (before - m.aum()) as f64 / before as f64;
                if drop >= w.aum_drop {
                    let c = check("aum_drop", "ratio", drop, ">=", w.aum_drop);
                    out.push(Warning {
                        indicator: "aum_drop".into(),
                        reason: format!(
                            "assets {} -> {} CNY in {days} days: {}",
                            money_text(before as f64),
                            money_text(m.aum() as f64),
                            c.text()
                        ),
                        checks: vec![c],
                    });
                }
            }
            if m.overdue_count > e.overdue_count {
                let c = check(
                    "overdue_count",
                    "count",
                    m.overdue_count.into(),
                    ">",
                    e.overdue_count.into(),
                );
                out.push(Warning {
                    indicator: "new_overdue".into(),
                    reason: format!("new overdue: {}", c.text()),
                    checks: vec![c],
                });
            }
        }
        let ratio = match kind {
            CustomerKind::Individual if m.income > 0 => Some(m.debts as f64 / m.income as f64),
            CustomerKind::Individual => None,
            _ => match (m.total_liabilities, m.total_assets) {
                (Some(l), Some(a)) if a > 0 => Some(l as f64 / a as f64),
                _ => None,
            },
        };
        if let Some(r) = ratio
            && r > w.debt_ratio_above
        {
            let c = check("debt_ratio", "ratio", r, ">", w.debt_ratio_above);
            out.push(Warning {
                indicator: "debt_ratio".into(),
                reason: format!("debt ratio high: {}", c.text()),
                checks: vec![c],
            });
        }
        out
    }

    /// The measures for a customer's rating (risk rating for individuals, credit grade for corporates).
    pub fn measures_for(&self, rating: &str) -> Option<&Measures> {
        self.measures.get(rating)
    }

    /// Checks a named policy section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        if self.age_groups.is_empty() {
            return bad("age_groups", "must list at least one group");
        }
        for (i, g) in self.age_groups.iter().enumerate() {
            if g.min_age > g.max_age {
                return bad(
                    &format!("age_groups[{i}]"),
                    "min_age must not exceed max_age",
                );
            }
            if let Some(n) = self.age_groups.get(i + 1)
                && n.min_age != g.max_age + 1
            {
                return bad(
                    &format!("age_groups[{}]", i + 1),
                    "groups must be in order and leave no gap or overlap (next min_age = max_age + 1)",
                );
            }
        }
        descending("asset_tiers", &self.asset_tiers, |t| t.min_aum)?;
        descending("wealth.tiers", &self.wealth.tiers, |t| t.min_aum)?;
        if !(0.5..=1.0).contains(&self.wealth.downgrade_ratio) {
            return bad("wealth.downgrade_ratio", "must be between 0.5 and 1.0");
        }
        descending("value.tiers", &self.value.tiers, |t| i64::from(t.min_score))?;
        for (name, row) in &self.company_size.rows {
            let k = format!("company_size.rows.{name}");
            if row.measures.is_empty()
                || row.measures.len() > 2
                || row
                    .measures
                    .iter()
                    .any(|m| !["employees", "revenue", "assets"].contains(&m.as_str()))
            {
                return bad(
                    &k,
                    "measures must be one or two of employees, revenue, assets",
                );
            }
            let n = row.measures.len();
            if row.sme_ceiling.len() != n || row.medium.len() != n || row.small.len() != n {
                return bad(
                    &k,
                    "sme_ceiling, medium and small need one figure per measure",
                );
            }
            for i in 0..n {
                if !(row.small[i] <= row.medium[i] && row.medium[i] <= row.sme_ceiling[i]) {
                    return bad(&k, "figures must rise from small to medium to sme_ceiling");
                }
            }
        }
        if !self.company_size.rows.contains_key("other") {
            return bad(
                "company_size.rows",
                "needs an `other` row for unlisted industries",
            );
        }
        for (sec, row) in &self.company_size.industry_rows {
            if !self.company_size.rows.contains_key(row) {
                return bad(
                    &format!("company_size.industry_rows.{sec}"),
                    "names a row that is not defined",
                );
            }
        }
        for (k, card) in [
            ("risk_rating.individual", &self.risk_rating.individual),
            ("risk_rating.corporate", &self.risk_rating.corporate),
        ] {
            if card.ratings.last().is_none_or(|r| r.max_score.is_some()) {
                return bad(
                    &format!("{k}.ratings"),
                    "the last rating must have no max_score (it takes every higher score)",
                );
            }
            for (f, bands) in &card.factors {
                if bands.last().is_none_or(|b| b.max.is_some()) {
                    return bad(
                        &format!("{k}.factors.{f}"),
                        "the last band must have no max (it takes every higher value)",
                    );
                }
            }
            for r in &card.ratings {
                if !self.measures.contains_key(&r.rating) {
                    return bad(
                        &format!("measures.{}", r.rating),
                        "every rating needs its measures",
                    );
                }
            }
        }
        let q = &self.risk_questionnaire;
        if !["three", "five"].contains(&q.levels.as_str()) {
            return bad("risk_questionnaire.levels", "must be `three` or `five`");
        }
        if !(1..=60).contains(&q.expiry_months) {
            return bad(
                "risk_questionnaire.expiry_months",
                "must be between 1 and 60",
            );
        }
        if q.questions.is_empty() || q.questions.iter().any(|x| x.answers.is_empty()) {
            return bad(
                "risk_questionnaire.questions",
                "needs at least one question, each with answers",
            );
        }
        for (k, bands) in [
            ("three_level", &q.three_level),
            ("five_level", &q.five_level),
        ] {
            if bands.last().is_none_or(|b| b.max_score.is_some()) {
                return bad(
                    &format!("risk_questionnaire.{k}"),
                    "the last band must have no max_score",
                );
            }
        }
        if !(0.0..1.0).contains(&self.lifecycle.at_risk_drop) {
            return bad("lifecycle.at_risk_drop", "must be a share between 0 and 1");
        }
        if !(30..=730).contains(&self.lifecycle.at_risk_window_days) {
            return bad(
                "lifecycle.at_risk_window_days",
                "must be between 30 and 730 days",
            );
        }
        if !(0.0..1.0).contains(&self.warnings.aum_drop) {
            return bad("warnings.aum_drop", "must be a share between 0 and 1");
        }
        Ok(())
    }
}

impl Assignment {
    fn with_reason(mut self, r: &str) -> Self {
        r.clone_into(&mut self.reason);
        self
    }
}

fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// Why an action is refused for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Refusal {
    pub action: String,
    pub rating: String,
    pub reason: String,
}

/// The dimension that holds a customer's risk rating: `risk_rating` for individuals, `credit_grade` for
/// companies and institutions.
pub fn rating_dimension(kind: &str) -> &'static str {
    if kind == "individual" {
        "risk_rating"
    } else {
        "credit_grade"
    }
}

/// Whether a customer with this rating may do `action` (seed 000: high-risk customers may not open new
/// high-risk business). Later modules call this before they act.
pub fn permits(policy: &SegmentPolicy, rating: Option<&str>, action: &str) -> Result<(), Refusal> {
    let Some(r) = rating else { return Ok(()) };
    match policy.measures.get(r) {
        Some(m) if m.blocked.iter().any(|b| b == action) => Err(Refusal {
            action: action.into(),
            rating: r.into(),
            reason: format!(
                "customers rated {r} may not do {action} (policy measures.{r}.blocked)"
            ),
        }),
        _ => Ok(()),
    }
}
