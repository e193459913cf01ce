//! Tests of the segment rules against the default policy.

#![allow(clippy::unwrap_used)]
use super::*;
use crate::customer::CustomerKind;
use crate::policy::Policy;
use jiff::civil::date;
use proptest::prelude::*;

fn policy() -> SegmentPolicy {
    Policy::default_policy().segments
}

fn cny(yuan: i64) -> i64 {
    yuan * 100
}

fn metrics(aum_yuan: i64) -> Metrics {
    Metrics {
        as_of: date(2026, 11, 22),
        assets: BTreeMap::from([("deposits".to_owned(), cny(aum_yuan))]),
        transactions_90d: 5,
        ..Default::default()
    }
}

fn facts<'a>(
    kind: CustomerKind,
    m: Option<&'a Metrics>,
    current: &'a BTreeMap<String, String>,
) -> Facts<'a> {
    Facts {
        kind,
        verified: true,
        birth_date: Some(date(1985, 6, 12)),
        industry: None,
        employees: None,
        revenue: None,
        total_assets: None,
        client_since: Some(date(2020, 1, 1)),
        metrics: m,
        earlier: None,
        trend_earlier: None,
        assessment: None,
        current,
        today: date(2026, 11, 23),
    }
}

fn get<'a>(a: &'a [Assignment], dim: &str) -> &'a Assignment {
    a.iter().find(|x| x.dimension == dim).unwrap()
}

proptest! {
    /// The day someone turns 36 they leave `young` for `middle`; the day before they are still young.
    #[test]
    fn age_groups_change_on_the_birthday(y in 1930i16..2008, m in 1i8..=12, d in 1i8..=28) {
        let p = policy();
        let birth = date(y, m, d);
        let none = BTreeMap::new();
        let mut f = facts(CustomerKind::Individual, None, &none);
        f.birth_date = Some(birth);
        for (turns, before, on) in [(36, "young", "middle"), (61, "middle", "senior")] {
            let birthday = date(y + turns, m, d);
            f.today = birthday.yesterday().unwrap();
            let a = p.evaluate(&f);
            prop_assert_eq!(&get(&a, "age_group").value, before);
            f.today = birthday;
            let a = p.evaluate(&f);
            prop_assert_eq!(&get(&a, "age_group").value, on);
        }
    }

    /// A threshold exactly met reaches the tier; one fen less does not.
    #[test]
    fn asset_thresholds_are_inclusive(extra in 0i64..1000) {
        let p = policy();
        let none = BTreeMap::new();
        let mut m = metrics(500_000);
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        prop_assert_eq!(&get(&a, "asset_tier").value, "vip");
        m.assets.insert("deposits".into(), cny(500_000) - 1 - extra);
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        prop_assert_eq!(&get(&a, "asset_tier").value, "mass");
    }

    /// Evaluation is deterministic and every individual with metrics gets each dimension once.
    #[test]
    fn every_individual_with_metrics_gets_each_dimension(aum in 0i64..20_000_000, inv in 0u32..30, contrib in 0i64..100_000, overdue in 0u32..5) {
        let p = policy();
        let none = BTreeMap::new();
        let mut m = metrics(aum);
        m.investment_count = inv;
        m.contribution = cny(contrib);
        m.overdue_count = overdue;
        let f = facts(CustomerKind::Individual, Some(&m), &none);
        let a = p.evaluate(&f);
        prop_assert_eq!(a.clone(), p.evaluate(&f));
        for dim in ["age_group", "asset_tier", "wealth_tier", "risk_rating", "lifecycle_stage", "value_tier"] {
            prop_assert_eq!(a.iter().filter(|x| x.dimension == dim).count(), 1, "{}", dim);
        }
    }
}

#[test]
fn the_wealth_tier_reason_gives_the_figures() {
    let p = policy();
    let none = BTreeMap::new();
    let mut m = metrics(3_200_000);
    m.contribution = cny(12_000);
    m.investment_count = 6;
    let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
    let w = get(&a, "wealth_tier");
    assert_eq!(w.value, "platinum");
    assert_eq!(
        w.reason,
        "platinum: aum 3,200,000.00 CNY >= 2,000,000.00 and investment_count 6 >= 6 and contribution 12,000.00 CNY >= 10,000.00"
    );
}

#[test]
fn a_small_dip_keeps_the_tier_a_large_one_downgrades() {
    let p = policy();
    let current = BTreeMap::from([("wealth_tier".to_owned(), "platinum".to_owned())]);
    let mut m = metrics(1_900_000);
    m.contribution = cny(10_000);
    m.investment_count = 6;
    let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &current));
    assert_eq!(get(&a, "wealth_tier").value, "platinum");
    assert!(get(&a, "wealth_tier").reason.contains("kept"));
    m.assets.insert("deposits".into(), cny(1_700_000));
    let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &current));
    assert_eq!(get(&a, "wealth_tier").value, "gold");
    // Without a current tier the same figures qualify for gold only.
    let none = BTreeMap::new();
    m.assets.insert("deposits".into(), cny(1_900_000));
    let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
    assert_eq!(get(&a, "wealth_tier").value, "gold");
}

fn size(
    industry: char,
    employees: Option<u32>,
    revenue_wan: Option<i64>,
    assets_wan: Option<i64>,
) -> Option<String> {
    let p = policy();
    let none = BTreeMap::new();
    let mut f = facts(CustomerKind::Corporate, None, &none);
    f.industry = Some(industry);
    f.employees = employees;
    f.revenue = revenue_wan.map(|w| w * 1_000_000);
    f.total_assets = assets_wan.map(|w| w * 1_000_000);
    p.evaluate(&f)
        .into_iter()
        .find(|a| a.dimension == "company_size")
        .map(|a| a.value)
}

/// Rows of the 2011 SME standard (DOMAIN-DEFAULTS §8), at and around each bound.
#[test]
fn company_size_follows_the_2011_sme_table() {
    type Case = (char, Option<u32>, Option<i64>, Option<i64>, &'static str);
    let cases: &[Case] = &[
        // Industry (C): large needs employees >= 1000 AND revenue >= 40000.
        ('C', Some(1000), Some(40000), None, "large"),
        ('C', Some(999), Some(90000), None, "medium"),
        ('C', Some(300), Some(2000), None, "medium"),
        ('C', Some(300), Some(1999), None, "micro_small"),
        ('C', Some(20), Some(300), None, "micro_small"),
        ('C', Some(19), Some(5000), None, "micro_small"),
        // Retail (F): 300 / 20000; medium 50 & 500.
        ('F', Some(300), Some(20000), None, "large"),
        ('F', Some(50), Some(500), None, "medium"),
        ('F', Some(49), Some(500), None, "micro_small"),
        // Software (I): 300 / 10000; medium 100 & 1000.
        ('I', Some(300), Some(10000), None, "large"),
        ('I', Some(100), Some(1000), None, "medium"),
        // Construction (E) uses revenue and assets: 80000 / 80000; medium 6000 & 5000.
        ('E', None, Some(80000), Some(80000), "large"),
        ('E', None, Some(6000), Some(5000), "medium"),
        ('E', None, Some(6000), Some(4999), "micro_small"),
        // Agriculture (A): revenue only, 20000; medium 500.
        ('A', None, Some(20000), None, "large"),
        ('A', None, Some(500), None, "medium"),
        ('A', None, Some(499), None, "micro_small"),
        // Real estate (K): revenue 200000 / assets 10000; medium 1000 & 5000.
        ('K', None, Some(200000), Some(10000), "large"),
        ('K', None, Some(1000), Some(5000), "medium"),
        // Leasing (L): employees 300 / assets 120000; medium 100 & 8000.
        ('L', Some(300), None, Some(120000), "large"),
        ('L', Some(100), None, Some(8000), "medium"),
        // Unlisted sections use "other": employees only, 300 / 100.
        ('P', Some(300), None, None, "large"),
        ('P', Some(100), None, None, "medium"),
        ('P', Some(99), None, None, "micro_small"),
    ];
    for (ind, e, r, a, want) in cases {
        assert_eq!(
            size(*ind, *e, *r, *a).as_deref(),
            Some(*want),
            "{ind} employees {e:?} revenue {r:?} assets {a:?}"
        );
    }
    // Without the figures its row needs there is no size, rather than a guess.
    assert_eq!(size('C', Some(500), None, None), None);
}

#[test]
fn individual_scorecard_bands() {
    let p = policy();
    let none = BTreeMap::new();
    let rate = |overdue: u32, unstable: bool, debts: i64, income: i64| {
        let mut m = metrics(100_000);
        m.overdue_count = overdue;
        m.income_unstable = unstable;
        m.debts = cny(debts);
        m.income = cny(income);
        let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
        get(&a, "risk_rating").clone()
    };
    assert_eq!(rate(0, false, 20_000, 100_000).value, "low");
    // 20 points is still low (bands are inclusive).
    assert_eq!(rate(1, false, 0, 100_000).value, "low");
    let r = rate(3, false, 0, 100_000);
    assert_eq!(r.value, "medium");
    assert!(
        r.reason.contains("overdue_count 3 = 45 points"),
        "{}",
        r.reason
    );
    assert_eq!(rate(3, false, 80_000, 100_000).value, "high");
    // Debts without income count as the highest debt ratio.
    // (15 for unstable income + 40 = 55: high.)
    assert_eq!(rate(0, true, 10, 0).value, "high");
    assert_eq!(rate(0, true, 0, 100_000).value, "low");
}

#[test]
fn corporate_scorecard_grades_a_to_d() {
    let p = policy();
    let none = BTreeMap::new();
    let grade = |industry: char, overdue: u32, liab: i64, assets: i64, loss: bool| {
        let mut m = metrics(0);
        m.overdue_count = overdue;
        m.total_liabilities = Some(cny(liab));
        m.total_assets = Some(cny(assets));
        m.current_assets = Some(cny(100));
        m.current_liabilities = Some(cny(100));
        m.net_profit = Some(if loss { -1 } else { 1 });
        let mut f = facts(CustomerKind::Corporate, Some(&m), &none);
        f.industry = Some(industry);
        get(&p.evaluate(&f), "credit_grade").value.clone()
    };
    assert_eq!(grade('D', 0, 40, 100, false), "A");
    // Industry C (risk 40 = 10 points) + debt-to-assets 0.60 (10 points) = 20: still A.
    assert_eq!(grade('C', 0, 60, 100, false), "A");
    assert_eq!(grade('C', 0, 75, 100, false), "B");
    assert_eq!(grade('K', 1, 60, 100, false), "C");
    assert_eq!(grade('K', 3, 90, 100, true), "D");
}

#[test]
fn lifecycle_stages() {
    let p = policy();
    let none = BTreeMap::new();
    let stage = |f: &Facts<'_>| get(&p.evaluate(f), "lifecycle_stage").value.clone();
    let m = metrics(100_000);
    let mut f = facts(CustomerKind::Individual, Some(&m), &none);
    f.verified = false;
    assert_eq!(stage(&f), "prospect");
    f.verified = true;
    f.client_since = Some(date(2026, 6, 1));
    assert_eq!(stage(&f), "new");
    f.client_since = Some(date(2025, 11, 23));
    assert_eq!(stage(&f), "stable");
    let mut m3 = metrics(100_000);
    m3.product_count = 3;
    f.metrics = Some(&m3);
    f.client_since = Some(date(2023, 11, 23));
    assert_eq!(stage(&f), "mature");
    // A fall within the early-warning window alone does not make the customer at risk: the stage follows
    // the longer trend.
    let earlier = metrics(200_000);
    f.earlier = Some(&earlier);
    assert_eq!(stage(&f), "mature");
    f.trend_earlier = Some(&earlier);
    assert_eq!(stage(&f), "at_risk");
    let mut idle = metrics(100_000);
    idle.transactions_90d = 0;
    f.earlier = None;
    f.trend_earlier = None;
    f.metrics = Some(&idle);
    assert_eq!(stage(&f), "at_risk");
}

#[test]
fn value_score_and_tier() {
    let p = policy();
    let mut m = metrics(0);
    m.avg_deposits = cny(400_000); // 20 points
    m.fee_income = cny(5_000); // 10 points
    m.qualitative_points = 50; // capped at 10
    let (score, parts) = p.value_score(&m);
    assert_eq!(score, 40);
    assert!(parts.contains(&("qualitative".to_owned(), 10)));
    let none = BTreeMap::new();
    let a = p.evaluate(&facts(CustomerKind::Individual, Some(&m), &none));
    assert_eq!(get(&a, "value_tier").value, "medium");
}

#[test]
fn early_warnings_fire_on_their_thresholds() {
    let p = policy();
    let before = metrics(1_000_000);
    let mut now = metrics(690_000);
    now.as_of = date(2026, 12, 10);
    let mut before = before;
    before.as_of = date(2026, 11, 20);
    let w = p.warnings(CustomerKind::Individual, &now, Some(&before));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].indicator, "aum_drop");
    assert!(
        w[0].reason.contains("1,000,000.00 -> 690,000.00"),
        "{}",
        w[0].reason
    );
    now.assets.insert("deposits".into(), cny(710_000));
    assert!(
        p.warnings(CustomerKind::Individual, &now, Some(&before))
            .is_empty()
    );
    now.overdue_count = 1;
    now.debts = cny(80);
    now.income = cny(100);
    let inds: Vec<String> = p
        .warnings(CustomerKind::Individual, &now, Some(&before))
        .into_iter()
        .map(|w| w.indicator)
        .collect();
    assert_eq!(inds, vec!["new_overdue", "debt_ratio"]);
}

#[test]
fn the_questionnaire_scores_levels_and_expires() {
    let p = policy();
    let q = &p.risk_questionnaire;
    let all = |pick: usize| -> BTreeMap<String, String> {
        q.questions
            .iter()
            .map(|x| {
                (
                    x.key.clone(),
                    x.answers[pick.min(x.answers.len() - 1)].key.clone(),
                )
            })
            .collect()
    };
    assert_eq!(q.score(&all(0)).unwrap().level, "conservative");
    assert_eq!(q.score(&all(9)).unwrap().level, "aggressive");
    let mut five = q.clone();
    five.levels = "five".into();
    assert_eq!(five.score(&all(0)).unwrap().level, "C1");
    assert_eq!(five.score(&all(9)).unwrap().level, "C5");
    let mut missing = all(1);
    let first = q.questions[0].key.clone();
    missing.remove(&first);
    missing.insert("colour".into(), "blue".into());
    let e = q.score(&missing).unwrap_err();
    let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![format!("answers.{first}").as_str(), "answers.colour"]
    );
    assert_eq!(q.expiry(date(2026, 2, 28)), date(2027, 2, 28));
    // The assessment decides the appetite until the day it expires.
    let a = Assessment {
        level: "balanced".into(),
        score: 20,
        assessed_on: date(2025, 11, 24),
        expires_on: date(2026, 11, 24),
    };
    let none = BTreeMap::new();
    let mut f = facts(CustomerKind::Individual, None, &none);
    f.assessment = Some(&a);
    assert_eq!(get(&p.evaluate(&f), "risk_appetite").value, "balanced");
    f.today = date(2026, 11, 24);
    let r = p.evaluate(&f);
    assert_eq!(get(&r, "risk_appetite").value, "expired");
    assert!(get(&r, "risk_appetite").reason.contains("re-assess"));
}

#[test]
fn high_risk_customers_may_not_open_high_risk_business() {
    let p = policy();
    let e = permits(&p, Some("high"), "new_high_risk_business").unwrap_err();
    assert!(e.reason.contains("high"), "{}", e.reason);
    assert!(permits(&p, Some("low"), "new_high_risk_business").is_ok());
    assert!(permits(&p, Some("D"), "credit_increase").is_err());
    assert!(permits(&p, None, "credit_increase").is_ok());
    assert!(
        p.measures_for("medium")
            .unwrap()
            .measures
            .contains(&"extra_collateral_required".to_owned())
    );
}

#[test]
fn a_bad_segment_figure_names_its_key_and_a_syntax_error_its_line() {
    use crate::policy::DEFAULT_POLICY_TOML;
    let t = DEFAULT_POLICY_TOML.replace(
        "name = \"vip\"\nmin_aum = 500_000",
        "name = \"vip\"\nmin_aum = 7_000_000",
    );
    let e = Policy::from_toml(&t).unwrap_err();
    assert_eq!(e.key, "segments.asset_tiers[1]");
    let t = DEFAULT_POLICY_TOML.replace("at_risk_drop = 0.3", "at_risk_drop = \"lots\"");
    let e = Policy::from_toml(&t).unwrap_err();
    let line = DEFAULT_POLICY_TOML
        .lines()
        .position(|l| l.starts_with("at_risk_drop"))
        .unwrap()
        + 1;
    assert_eq!(e.key, format!("line {line}"), "{e}");
}
