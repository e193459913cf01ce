#![allow(clippy::unwrap_used)]
use super::*;

const Y: i64 = 100; // fen per yuan
const T0: i64 = 1_764_547_200_000_000; // 2025-12-01T00:00:00Z

fn acct() -> uuid::Uuid {
    uuid::Uuid::from_u128(7)
}

fn day_of(at_us: i64) -> Date {
    jiff::Timestamp::from_microsecond(at_us)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn tx(idx: usize, at_us: i64, yuan: i64, d: Direction) -> Tx {
    Tx {
        idx,
        account: acct(),
        at_us,
        day: day_of(at_us),
        amount_cny: yuan * Y,
        usd_cents: None,
        direction: d,
        counterparty: Counterparty::Individual,
        cash: false,
        cross_border: false,
        new: true,
    }
}

fn person(p: &MonitoringPolicy) -> Subject {
    Subject {
        person: true,
        limits: p.limits(&[], false),
        // Opened shortly before: quiet accounts are not dormant unless a test says so.
        opened: [(acct(), day_of(T0 - 10 * 86_400_000_000))].into(),
        dormant: Default::default(),
        history_days: 362,
    }
}

fn criteria(h: &[Hit]) -> Vec<Criterion> {
    h.iter().map(|h| h.criterion).collect()
}

#[test]
fn cash_counts_per_day_single_or_cumulative() {
    let p = MonitoringPolicy::default();
    let mut a = tx(0, T0 + 3_600_000_000, 30_000, Direction::Credit);
    a.cash = true;
    let mut b = tx(1, T0 + 7_200_000_000, 20_000, Direction::Credit);
    b.cash = true;
    // 30,000 alone is below; with the same day's 20,000 the day reaches 50,000.
    assert!(detect(&p, &person(&p), std::slice::from_ref(&a)).is_empty());
    let hits = detect(&p, &person(&p), &[a.clone(), b.clone()]);
    assert_eq!(criteria(&hits), vec![Criterion::LargeCash]);
    assert_eq!(hits[0].txs, vec![0, 1]);
    assert_eq!(hits[0].checks[0].value, (50_000 * Y) as f64);
    // The next day's cash is another day; withdrawals are the other side.
    let mut c = tx(2, T0 + 30 * 3_600_000_000, 20_000, Direction::Credit);
    c.cash = true;
    let mut d = tx(3, T0 + 4 * 3_600_000_000, 20_000, Direction::Debit);
    d.cash = true;
    assert!(detect(&p, &person(&p), &[a.clone(), c, d]).is_empty());
    // Old transactions alone raise nothing: a hit needs a new one.
    a.new = false;
    b.new = false;
    assert!(detect(&p, &person(&p), &[a, b]).is_empty());
}

#[test]
fn transfers_follow_who_the_customer_is_and_where_the_money_goes() {
    let p = MonitoringPolicy::default();
    let domestic = tx(0, T0, 300_000, Direction::Debit);
    let mut abroad = domestic.clone();
    abroad.cross_border = true;
    // A person: 300,000 domestic is below 500,000; cross-border it is above 200,000.
    assert!(detect(&p, &person(&p), std::slice::from_ref(&domestic)).is_empty());
    assert_eq!(
        criteria(&detect(&p, &person(&p), std::slice::from_ref(&abroad))),
        vec![Criterion::LargeCrossBorder]
    );
    // A company: 2,000,000 either way.
    let mut company = person(&p);
    company.person = false;
    assert!(detect(&p, &company, std::slice::from_ref(&abroad)).is_empty());
    let big = tx(0, T0, 2_000_000, Direction::Debit);
    assert_eq!(
        criteria(&detect(&p, &company, &[big])),
        vec![Criterion::LargeCorporate]
    );
    // Between the customer's own accounts: nothing to report.
    let mut own = tx(0, T0, 900_000, Direction::Debit);
    own.counterparty = Counterparty::Internal;
    assert!(detect(&p, &person(&p), &[own]).is_empty());
}

#[test]
fn foreign_currency_is_held_against_the_usd_threshold() {
    let p = MonitoringPolicy::default();
    let mut t = tx(0, T0, 71_000, Direction::Credit);
    t.cash = true;
    t.usd_cents = Some(10_000 * 100);
    let hits = detect(&p, &person(&p), std::slice::from_ref(&t));
    assert_eq!(criteria(&hits), vec![Criterion::LargeCash]);
    assert_eq!(hits[0].checks[0].fact, "day_total_usd");
    t.usd_cents = Some(9_999 * 100);
    assert!(detect(&p, &person(&p), std::slice::from_ref(&t)).is_empty());
    // RMB and foreign currency count apart: CNY 50,000 in cash is the hit, the USD beside it is not in it.
    let mut cny = tx(1, T0 + 1, 50_000, Direction::Credit);
    cny.cash = true;
    let hits = detect(&p, &person(&p), &[t, cny]);
    assert_eq!(hits[0].txs, vec![1]);
    assert_eq!(hits[0].checks[0].fact, "day_total");
}

#[test]
fn unusual_is_read_against_the_customers_own_average() {
    let p = MonitoringPolicy::default();
    let mut txs: Vec<Tx> = (0..5)
        .map(|i| {
            let mut t = tx(i, T0 + i as i64 * 86_400_000_000, 10_000, Direction::Debit);
            t.new = false;
            t
        })
        .collect();
    txs.push(tx(5, T0 + 10 * 86_400_000_000, 60_000, Direction::Debit));
    let hits = detect(&p, &person(&p), &txs);
    assert_eq!(criteria(&hits), vec![Criterion::Unusual]);
    assert_eq!(hits[0].checks[1].value, 6.0);
    // 40,000 is four times the average: not unusual at five.
    txs[5].amount_cny = 40_000 * Y;
    assert!(detect(&p, &person(&p), &txs).is_empty());
    // Too little history: no baseline, no judgement.
    txs[5].amount_cny = 60_000 * Y;
    assert!(detect(&p, &person(&p), &txs[1..]).is_empty());
}

#[test]
fn an_idle_account_that_moves_money_is_flagged_once() {
    let p = MonitoringPolicy::default();
    let mut old = tx(0, T0, 1_000, Direction::Credit);
    old.new = false;
    let wake = tx(1, T0 + 200 * 86_400_000_000, 20_000, Direction::Debit);
    let again = tx(2, T0 + 200 * 86_400_000_000 + 1, 20_000, Direction::Debit);
    let mut s = person(&p);
    s.opened.insert(acct(), "2020-01-01".parse().unwrap());
    let hits = detect(&p, &s, &[old.clone(), wake.clone(), again]);
    assert_eq!(criteria(&hits), vec![Criterion::Dormant]);
    assert_eq!(hits[0].checks[0].value, 200.0);
    // Active 100 days ago: not dormant.
    let mut recent = old.clone();
    recent.at_us = T0 + 100 * 86_400_000_000;
    assert!(detect(&p, &s, &[recent, wake.clone()]).is_empty());
    // A token transfer the day before does not wake it unseen: idle is counted to the last real activity.
    let mut token = tx(3, T0 + 199 * 86_400_000_000, 1, Direction::Credit);
    token.new = false;
    let hits = detect(&p, &s, &[old.clone(), token.clone(), wake.clone()]);
    assert_eq!(criteria(&hits), vec![Criterion::Dormant]);
    assert_eq!(hits[0].checks[0].value, 200.0);
    // A sum as large as the threshold the day before is activity: the account was woken then, and flagged then.
    token.amount_cny = 20_000 * Y;
    assert!(detect(&p, &s, &[old.clone(), token, wake.clone()]).is_empty());
    // Nothing read before it: not known to be idle, unless the core system reports the account dormant.
    assert!(detect(&p, &s, std::slice::from_ref(&wake)).is_empty());
    s.dormant.insert(acct());
    let hits = detect(&p, &s, std::slice::from_ref(&wake));
    assert_eq!(criteria(&hits), vec![Criterion::Dormant]);
    assert_eq!(hits[0].checks[0].value, 362.0);
    // A young account is not dormant however quiet.
    s.opened.insert(acct(), day_of(T0 + 150 * 86_400_000_000));
    assert!(detect(&p, &s, &[wake]).is_empty());
}

#[test]
fn money_in_and_straight_out_again() {
    let p = MonitoringPolicy::default();
    let inflow = tx(0, T0, 150_000, Direction::Credit);
    let out1 = tx(1, T0 + 5 * 3_600_000_000, 70_000, Direction::Debit);
    let out2 = tx(2, T0 + 30 * 3_600_000_000, 60_000, Direction::Debit);
    let hits = detect(&p, &person(&p), &[inflow.clone(), out1.clone(), out2]);
    assert_eq!(criteria(&hits), vec![Criterion::RapidInOut]);
    assert_eq!(hits[0].txs, vec![0, 1, 2]);
    // One debit does not answer for two credits.
    let twice = detect(
        &p,
        &person(&p),
        &[
            inflow.clone(),
            tx(3, T0 + 3_600_000_000, 150_000, Direction::Credit),
            tx(1, T0 + 5 * 3_600_000_000, 140_000, Direction::Debit),
        ],
    );
    assert_eq!(criteria(&twice), vec![Criterion::RapidInOut]);
    // Out after the window does not count.
    let late = tx(2, T0 + 60 * 3_600_000_000, 60_000, Direction::Debit);
    assert!(detect(&p, &person(&p), &[inflow, out1, late]).is_empty());
}

#[test]
fn segments_and_the_care_programme_move_the_behavioural_thresholds() {
    let mut p = MonitoringPolicy::default();
    p.overrides.push(Override {
        dimension: "asset_tier".into(),
        value: "hnw".into(),
        unusual_multiple: Some(10.0),
        unusual_min: Some(500_000),
        dormant_min: None,
        rapid_min: None,
    });
    let hnw = [("asset_tier".to_owned(), "hnw".to_owned())];
    let l = p.limits(&hnw, false);
    assert_eq!((l.unusual_multiple, l.unusual_min), (10.0, 500_000 * Y));
    assert_eq!(l.rapid_min, 100_000 * Y);
    let c = p.limits(&[], true);
    assert_eq!((c.unusual_multiple, c.unusual_min), (2.5, 25_000 * Y));
    assert!(p.validate().is_ok());
    p.rapid_share = 0.0;
    assert_eq!(p.validate().unwrap_err().0, "rapid_share");
}

#[test]
fn each_kind_of_alert_has_its_own_dispositions() {
    let (cash, unusual) = (Some(Criterion::LargeCash), Some(Criterion::Unusual));
    assert!(Disposition::Reported.fits(cash) && !Disposition::Reported.fits(None));
    assert!(Disposition::FollowedUp.fits(None) && !Disposition::FollowedUp.fits(unusual));
    assert!(Disposition::Explained.fits(unusual) && Disposition::Explained.fits(None));
    // A large-value alert is reported or a false positive; the customer's business does not waive it.
    assert!(!Disposition::Explained.fits(cash) && Disposition::FalsePositive.fits(cash));
}
