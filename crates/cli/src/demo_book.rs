//! The demo book: a product catalogue a Chinese bank would recognise, and for the demo customers a year of
//! month-end holdings plus yesterday's, loaded through the same feed use case as the core system's file,
//! so that the customer's page shows holdings and an AUM line, and the figures come from the book.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_domain::access::Role;
use banyan_domain::book::{
    AccountStatus, HoldingRecord, ProductInput, ProductKind as K, ProductStatus, RiskLevel,
};
use banyan_domain::money::Currency;
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// (code, kind, [zh-CN, zh-TW, en], currency, term months, minimum yuan, risk, private, dual recording,
/// targets, status).
type DemoProduct = (
    &'static str,
    K,
    [&'static str; 3],
    &'static str,
    Option<u32>,
    i64,
    Option<RiskLevel>,
    bool,
    bool,
    &'static [&'static str],
    ProductStatus,
);

const PRODUCTS: &[DemoProduct] = &[
    (
        "DD-CNY",
        K::DemandDeposit,
        ["活期储蓄", "活期儲蓄", "Savings account"],
        "CNY",
        None,
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "DD-USD",
        K::DemandDeposit,
        ["美元活期", "美元活期", "USD current account"],
        "USD",
        None,
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "TD-1Y-CNY",
        K::TimeDeposit,
        ["一年期整存整取", "一年期整存整取", "One-year time deposit"],
        "CNY",
        Some(12),
        50,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "CD-3Y-CNY",
        K::TimeDeposit,
        [
            "三年期大额存单",
            "三年期大額存單",
            "Three-year certificate of deposit",
        ],
        "CNY",
        Some(36),
        200_000,
        None,
        false,
        false,
        &["asset_tier:vip", "asset_tier:hnw"],
        ProductStatus::OnSale,
    ),
    (
        "WM-R2-90D",
        K::WealthProduct,
        [
            "稳盈90天理财",
            "穩盈90天理財",
            "Steady 90-day wealth product",
        ],
        "CNY",
        Some(3),
        10_000,
        Some(RiskLevel::R2),
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "WM-R3-1Y",
        K::WealthProduct,
        [
            "睿远一年持有期理财",
            "睿遠一年持有期理財",
            "One-year holding wealth product",
        ],
        "CNY",
        Some(12),
        10_000,
        Some(RiskLevel::R3),
        false,
        true,
        &["wealth_tier:gold", "wealth_tier:platinum"],
        ProductStatus::OnSale,
    ),
    (
        "FD-EQ-R4",
        K::Fund,
        ["优选成长混合基金", "優選成長混合基金", "Growth mixed fund"],
        "CNY",
        None,
        1_000,
        Some(RiskLevel::R4),
        false,
        true,
        &["wealth_tier:platinum", "wealth_tier:diamond"],
        ProductStatus::OnSale,
    ),
    (
        "TR-FAM-R3",
        K::Trust,
        ["家族信托", "家族信託", "Family trust"],
        "CNY",
        Some(120),
        10_000_000,
        Some(RiskLevel::R3),
        true,
        true,
        &["asset_tier:hnw"],
        ProductStatus::OnSale,
    ),
    (
        "PM-GOLD",
        K::PreciousMetals,
        ["积存金", "積存金", "Gold accumulation plan"],
        "CNY",
        None,
        500,
        Some(RiskLevel::R3),
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "INS-ANN",
        K::Insurance,
        [
            "安享年金保险（代理）",
            "安享年金保險（代理）",
            "Annuity insurance (agency)",
        ],
        "CNY",
        Some(120),
        10_000,
        None,
        false,
        true,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "ML-CNY",
        K::Mortgage,
        ["个人住房按揭贷款", "個人房屋按揭貸款", "Home mortgage"],
        "CNY",
        Some(360),
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "PL-CNY",
        K::PersonalLoan,
        ["个人消费贷款", "個人消費貸款", "Personal consumer loan"],
        "CNY",
        Some(36),
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "CC-PLAT",
        K::Card,
        ["白金信用卡", "白金信用卡", "Platinum credit card"],
        "CNY",
        None,
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "WC-CNY",
        K::WorkingCapitalLoan,
        ["流动资金贷款", "流動資金貸款", "Working-capital loan"],
        "CNY",
        Some(12),
        0,
        None,
        false,
        false,
        &["company_size:micro_small"],
        ProductStatus::OnSale,
    ),
    (
        "TF-LC",
        K::TradeFinance,
        ["进口信用证", "進口信用狀", "Import letter of credit"],
        "CNY",
        Some(6),
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::Suspended,
    ),
    (
        "FX-SPOT",
        K::Fx,
        ["即期结售汇", "即期結售匯", "Spot FX"],
        "CNY",
        None,
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::OnSale,
    ),
    (
        "PAY-CORP",
        K::Payments,
        ["企业网银结算", "企業網銀結算", "Corporate online payments"],
        "CNY",
        None,
        0,
        None,
        false,
        false,
        &[],
        ProductStatus::Withdrawn,
    ),
];

async fn catalogue(app: &App, launch: Date) -> Result<()> {
    let admin = Actor::system("demo");
    for (code, kind, names, cur, term, min, risk, private, dual, targets, status) in PRODUCTS {
        let input = ProductInput {
            code: (*code).to_owned(),
            kind: *kind,
            names: ["zh-CN", "zh-TW", "en"]
                .into_iter()
                .zip(names.iter())
                .map(|(l, n)| (l.to_owned(), (*n).to_owned()))
                .collect(),
            currency: Currency::parse(cur).map_err(|e| anyhow!("{code}: {e}"))?,
            term_months: *term,
            min_amount: min * 100,
            risk_level: *risk,
            private: *private,
            dual_recording: *dual,
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            status: *status,
            launch_on: launch,
            end_on: None,
        };
        banyan_app::book::create_product(app, &admin, input)
            .await
            .map_err(|e| anyhow!("product {code}: {e}"))?;
    }
    Ok(())
}

/// One demo account: product, opening date, and its size (yuan, or a loan's limit) at the latest date.
struct Account {
    no: String,
    product: &'static str,
    currency: &'static str,
    opened: Date,
    size: i64,
    credit: bool,
}

/// The accounts of the customer at position `p` (the same size bands as the demo metrics).
fn accounts_of(p: usize, corporate: bool, today: Date) -> Vec<Account> {
    let wealth: i64 = match p % 10 {
        0 => 6_500_000 + (p as i64 * 97_331) % 12_000_000,
        1 | 2 => 2_000_000 + (p as i64 * 53_113) % 3_800_000,
        3..=5 => 500_000 + (p as i64 * 31_337) % 1_400_000,
        _ => 5_000 + (p as i64 * 7_919) % 480_000,
    };
    let opened = |years: i64| {
        today
            .checked_sub((years * 12 + (p as i64 % 11)).months())
            .unwrap_or(today)
    };
    let mut n = 0;
    let mut acct =
        |product: &'static str, currency: &'static str, opened: Date, size: i64, credit: bool| {
            n += 1;
            Account {
                no: format!("6222{:08}{:04}", p, n),
                product,
                currency,
                opened,
                size,
                credit,
            }
        };
    let mut out = Vec::new();
    if corporate {
        out.push(acct("DD-CNY", "CNY", opened(6), wealth, false));
        if !p.is_multiple_of(3) {
            out.push(acct(
                "WC-CNY",
                "CNY",
                opened(1),
                3_000_000 + (p as i64 % 7) * 500_000,
                true,
            ));
        }
        return out;
    }
    let deposits = wealth * (30 + (p as i64 % 50)) / 100;
    out.push(acct("DD-CNY", "CNY", opened(8), deposits * 2 / 5, false));
    if p % 3 != 2 {
        out.push(acct("TD-1Y-CNY", "CNY", opened(2), deposits * 3 / 5, false));
    }
    let invest = wealth - deposits;
    if invest > 0 {
        let product = match p % 4 {
            0 => "WM-R2-90D",
            1 => "WM-R3-1Y",
            2 => "FD-EQ-R4",
            _ => "PM-GOLD",
        };
        out.push(acct(product, "CNY", opened(1), invest, false));
    }
    if p.is_multiple_of(9) {
        out.push(acct(
            "DD-USD",
            "USD",
            opened(3),
            20_000 + (p as i64 % 5) * 10_000,
            false,
        ));
    }
    if p % 4 == 1 || p % 7 == 3 {
        out.push(acct(
            "ML-CNY",
            "CNY",
            opened(5),
            1_200_000 + (p as i64 % 9) * 100_000,
            true,
        ));
    }
    if p % 2 == 1 {
        out.push(acct("CC-PLAT", "CNY", opened(4), 50_000, true));
    }
    if p % 13 == 6 {
        out.push(acct("PL-CNY", "CNY", opened(1), 200_000, true));
    }
    out
}

/// An account's record on `day`, `months_back` months before the latest (`None` before it opened).
fn record(
    a: &Account,
    customer: &str,
    day: Date,
    months_back: i64,
    falling: bool,
) -> Option<HoldingRecord> {
    if a.opened > day {
        return None;
    }
    // Balances grow about 1% a month towards the latest; a falling customer lost 40% in the last quarter.
    let mut factor = 100 - months_back;
    if falling && months_back < 3 {
        factor = factor * (60 + months_back * 13) / 100;
    }
    let amount = a.size * factor.max(10) / 100;
    let currency = Currency::parse(a.currency).ok()?;
    let (balance, credit_limit, outstanding) = if a.credit {
        // Loans are drawn down; a card carries a month's spending.
        let out = if a.product == "CC-PLAT" {
            a.size / 5 + months_back * 300
        } else {
            a.size * (60 + months_back) / 100
        };
        (0, Some(a.size * 100), Some(out * 100))
    } else {
        (amount * 100, None, None)
    };
    Some(HoldingRecord {
        account_no: a.no.clone(),
        customer: customer.to_owned(),
        product: a.product.to_owned(),
        currency,
        status: AccountStatus::Active,
        opened_on: a.opened,
        closed_on: None,
        balance,
        credit_limit,
        outstanding,
        days_past_due: if a.credit && a.product == "PL-CNY" {
            15
        } else {
            0
        },
    })
}

/// The catalogue, then a year of month-end holdings and yesterday's for `customers` (their ids in the
/// order they were created; every fifth is a company, as the demo makes them).
pub(crate) async fn demo_book(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    let today = app.today();
    let yesterday = today.yesterday().map_err(|e| anyhow!("{e}"))?;
    catalogue(
        app,
        today.checked_sub(3.years()).map_err(|e| anyhow!("{e}"))?,
    )
    .await?;
    let loader = Actor::system_as("system-import", Role::Operations).with_all_scope();
    let books: BTreeMap<usize, Vec<Account>> = customers
        .iter()
        .enumerate()
        .map(|(p, _)| (p, accounts_of(p, p % 5 == 4, yesterday)))
        .collect();
    // Month ends of the last twelve months, oldest first, then yesterday.
    let mut days: Vec<(Date, i64)> = (1..=12)
        .rev()
        .filter_map(|m| {
            let d = today
                .first_of_month()
                .checked_sub(((m - 1) as i64).months())
                .ok()?;
            Some((d.yesterday().ok()?, m as i64))
        })
        .collect();
    days.push((yesterday, 0));
    for (day, back) in days {
        let items: Vec<HoldingRecord> = customers
            .iter()
            .enumerate()
            .flat_map(|(p, id)| {
                let falling = p % 15 == 7;
                books[&p]
                    .iter()
                    .filter_map(|a| record(a, &id.to_string(), day, back, falling))
                    .collect::<Vec<_>>()
            })
            .collect();
        let input = banyan_app::book::HoldingsLoad {
            source: "core".into(),
            as_of: day,
            file_name: Some(format!("core-holdings-{day}.csv")),
            items,
        };
        banyan_app::book::holdings::load_holdings(app, &loader, input)
            .await
            .map_err(|e| anyhow!("holdings of {day}: {e}"))?;
    }
    activity(app, &loader, customers, yesterday).await?;
    follow_ups(app, today).await
}

/// Each manager follows up the newest open insight of their book with a call in three days, and for the
/// next one opens a time deposit the customer agreed to — so the insight report shows follow-ups and a
/// conversion.
async fn follow_ups(app: &App, today: Date) -> Result<()> {
    use banyan_app::book::insights::{self as ins, FollowUpInput};
    for (r, rm) in ["rm1", "rm2", "rm3"].into_iter().enumerate() {
        let actor = banyan_app::access::actor_for(app, rm)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let open = ins::open_insights(app, &actor, 2)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        for (k, o) in open.iter().enumerate() {
            let input = FollowUpInput {
                version: o.insight.version,
                method: if k == 0 { "call" } else { "meeting" }.into(),
                due_on: today
                    .checked_add((3 + k as i64).days())
                    .map_err(|e| anyhow!("{e}"))?
                    .to_string(),
                note: None,
            };
            ins::follow_up(app, &actor, o.insight.id, input)
                .await
                .map_err(|e| anyhow!("follow-up of an insight: {e}"))?;
            if k == 1 {
                let sale = banyan_app::book::sales::SaleInput {
                    kind: banyan_domain::book::sale::SaleKind::AccountOpening,
                    product: "TD-1Y-CNY".into(),
                    amount: 200_000 * 100,
                    note: None,
                    // As the core system numbered the new time deposit.
                    account_no: Some(format!("62170000{:08}", 90_000 + r)),
                    channel: None,
                    recording_ref: None,
                    client_confirmation: None,
                };
                banyan_app::book::sales::record_sale(app, &actor, o.customer_id, sale)
                    .await
                    .map_err(|e| anyhow!("a sale after an insight: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Two months of transactions on each customer's current account and a few digital-banking events:
/// salaries, card spending, mortgage payments, hospital bills for some, exchange-rate look-ups for others.
async fn activity(app: &App, loader: &Actor, customers: &[uuid::Uuid], until: Date) -> Result<()> {
    use banyan_domain::book::activity::{
        ChannelEventRecord, Counterparty as Cp, Direction as D, EventKind, TransactionRecord,
        TxCategory as C, TxChannel as Ch,
    };
    let at = |day: Date, hour: i8| -> Result<jiff::Timestamp> {
        Ok(day
            .at(hour, 0, 0, 0)
            .to_zoned(app.tz.clone())
            .map_err(|e| anyhow!("{e}"))?
            .timestamp())
    };
    let mut txs = Vec::new();
    let mut events = Vec::new();
    for (p, id) in customers.iter().enumerate() {
        let account = format!("6222{:08}{:04}", p, 1);
        let corporate = p % 5 == 4;
        let mut push =
            |n: usize, day: Date, amount: i64, d: D, ch: Ch, cp: Cp, c: C| -> Result<()> {
                txs.push(TransactionRecord {
                    id: format!("D{p:04}-{n:03}"),
                    account_no: account.clone(),
                    at: at(day, 10)?,
                    amount: amount * 100,
                    currency: Currency::CNY,
                    direction: d,
                    channel: ch,
                    counterparty: cp,
                    category: Some(c),
                    cash: false,
                    cross_border: false,
                    description: None,
                });
                Ok(())
            };
        // A year of months (ids from 100 on; the few one-off records below are numbered 40-43).
        for m in 1..=12i64 {
            let first = until
                .first_of_month()
                .checked_sub(m.months())
                .map_err(|e| anyhow!("{e}"))?;
            let day = |d: i8| first.checked_add(i64::from(d - 1).days()).unwrap_or(first);
            let n = 100 + ((m - 1) as usize) * 10;
            if corporate {
                push(
                    n,
                    day(5),
                    180_000 + (p as i64 % 7) * 20_000,
                    D::Credit,
                    Ch::Wire,
                    Cp::Company,
                    C::Transfer,
                )?;
                push(
                    n + 1,
                    day(10),
                    95_000,
                    D::Debit,
                    Ch::Batch,
                    Cp::Individual,
                    C::Salary,
                )?;
                continue;
            }
            push(
                n,
                day(10),
                12_000 + (p as i64 % 9) * 1_500,
                D::Credit,
                Ch::Batch,
                Cp::Company,
                C::Salary,
            )?;
            push(
                n + 1,
                day(12),
                300 + (p as i64 % 13) * 40,
                D::Debit,
                Ch::Pos,
                Cp::Company,
                C::Retail,
            )?;
            push(
                n + 2,
                day(15),
                2_000,
                D::Debit,
                Ch::Mobile,
                Cp::Internal,
                C::CardRepayment,
            )?;
            if p % 4 == 1 || p % 7 == 3 {
                push(
                    n + 3,
                    day(20),
                    6_800,
                    D::Debit,
                    Ch::Batch,
                    Cp::Internal,
                    C::MortgagePayment,
                )?;
            }
            // The month's account and card fees: the fee contribution the page counts.
            push(
                n + 6,
                day(25),
                10 + (p as i64 % 3) * 10,
                D::Debit,
                Ch::Batch,
                Cp::Internal,
                C::Fee,
            )?;
            // A monthly fund plan (定投) for every third customer: the investment purchases.
            if p % 3 == 0 {
                push(
                    n + 7,
                    day(16),
                    1_000 + (p as i64 % 4) * 500,
                    D::Debit,
                    Ch::Mobile,
                    Cp::Internal,
                    C::Investment,
                )?;
            }
            // A mortgage with another bank, paid from here: a refinance conversation.
            if p % 11 == 2 {
                push(
                    n + 5,
                    day(18),
                    5_400,
                    D::Debit,
                    Ch::Batch,
                    Cp::Financial,
                    C::MortgagePayment,
                )?;
            }
            if p % 23 == 5 {
                push(
                    n + 4,
                    day(8),
                    18_000,
                    D::Debit,
                    Ch::Pos,
                    Cp::Company,
                    C::Medical,
                )?;
            }
        }
        // A large sum that came in three weeks ago and stayed: an investment conversation (idle inflow).
        if !corporate && p % 13 == 6 {
            push(
                43,
                until.checked_sub(21.days()).unwrap_or(until),
                650_000,
                D::Credit,
                Ch::Online,
                Cp::Company,
                C::Other,
            )?;
        }
        // A few customers the compliance team should look at (transaction monitoring): money in and
        // straight out again, and a large cash deposit.
        let recent = until.checked_sub(3.days()).unwrap_or(until);
        if !corporate && p % 29 == 7 {
            let next = recent.checked_add(1.days()).unwrap_or(recent);
            push(
                40,
                recent,
                320_000,
                D::Credit,
                Ch::Online,
                Cp::Individual,
                C::Transfer,
            )?;
            push(
                41,
                next,
                300_000,
                D::Debit,
                Ch::Online,
                Cp::Individual,
                C::Transfer,
            )?;
        }
        if !corporate && p % 17 == 3 {
            push(
                42,
                recent,
                62_000,
                D::Credit,
                Ch::Branch,
                Cp::Individual,
                C::Other,
            )?;
            if let Some(t) = txs.last_mut() {
                t.cash = true;
            }
        }
        if p % 6 == 1 {
            for k in 0..4i64 {
                events.push(ChannelEventRecord {
                    id: format!("E{p:04}-{k}"),
                    customer: id.to_string(),
                    at: at(until.checked_sub((k * 3).days()).unwrap_or(until), 21)?,
                    kind: EventKind::FxRateLookup,
                    product: None,
                });
            }
        }
        if p % 8 == 2 {
            events.push(ChannelEventRecord {
                id: format!("E{p:04}-v"),
                customer: id.to_string(),
                at: at(until, 20)?,
                kind: EventKind::ProductView,
                product: Some("FD-EQ-R4".into()),
            });
        }
    }
    let day = until;
    banyan_app::book::activity::load_transactions(
        app,
        loader,
        banyan_app::book::activity::TransactionsLoad {
            source: "core".into(),
            as_of: day,
            file_name: Some(format!("core-transactions-{day}.csv")),
            items: txs,
        },
    )
    .await
    .map_err(|e| anyhow!("transactions: {e}"))?;
    banyan_app::book::activity::load_events(
        app,
        loader,
        banyan_app::book::activity::EventsLoad {
            source: "digital".into(),
            as_of: day,
            file_name: Some(format!("digital-events-{day}.csv")),
            items: events,
        },
    )
    .await
    .map_err(|e| anyhow!("channel events: {e}"))?;
    Ok(())
}
