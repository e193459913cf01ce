//! What a customer's page shows of the book: AUM, loans, a year of month-end AUM, totals by kind, the
//! accounts, and the services the customer's segments entitle them to.

use super::name_in;
use crate::AppState;
use crate::ui::i18n::Tr;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::{self as uc, CustomerBook};

/// An account as the customer's page lists it.
pub(crate) struct HoldingView {
    pub(crate) account: String,
    pub(crate) product: String,
    pub(crate) kind: String,
    pub(crate) risk: String,
    pub(crate) status: String,
    pub(crate) closed: bool,
    pub(crate) opened: String,
    pub(crate) amount: String,
    pub(crate) credit: String,
    pub(crate) overdue: String,
}

/// A transaction as the customer's page lists it.
pub(crate) struct TxView {
    pub(crate) at: String,
    pub(crate) account: String,
    /// "转入" / "转出" with the amount.
    pub(crate) direction: String,
    pub(crate) credit: bool,
    pub(crate) amount: String,
    /// Channel, counterparty, category, cash or cross-border, in words.
    pub(crate) what: String,
}

/// What the customer's page shows of the book.
pub(crate) struct BookSection {
    pub(crate) empty: bool,
    pub(crate) as_of: String,
    pub(crate) aum: String,
    pub(crate) loans: String,
    pub(crate) since: String,
    pub(crate) services: Vec<String>,
    /// (kind, accounts, total in CNY).
    pub(crate) kinds: Vec<(String, u32, String)>,
    pub(crate) risks: Vec<(String, String)>,
    pub(crate) lines: Vec<HoldingView>,
    pub(crate) transactions: Vec<TxView>,
    /// Fees of the last 12 months, investment purchases, transactions of the last 90 days (in words), once
    /// the bank feeds transactions.
    pub(crate) activity: Option<(String, String, String)>,
    /// The AUM line: SVG points ("x,y x,y"), its words for screen readers, and the months shown.
    pub(crate) spark: Option<(String, String)>,
    /// Sales and applications, and what the form offers (kinds, products on sale).
    pub(crate) sales: Vec<super::sales::SaleLine>,
    pub(crate) sale_kinds: Vec<(&'static str, String)>,
    pub(crate) sale_products: Vec<(String, String)>,
    /// Where an investment sale is made (the form's picker).
    pub(crate) sale_channels: Vec<(&'static str, String)>,
}

fn amount_text(t: Tr, minor: i64, currency: &str, digits: u8) -> String {
    // `money` writes two decimals: a currency without minor units is scaled to match.
    let scaled = match digits {
        0 => minor.saturating_mul(100),
        _ => minor,
    };
    t.money(scaled, currency)
}

/// The customer's book for their page.
pub(crate) async fn book_section(
    s: &AppState,
    sess: &Session,
    t: Tr,
    seen: &banyan_app::scope::Seen,
    offer_sale: bool,
) -> Result<BookSection, AppError> {
    let (b, sold): (CustomerBook, _) =
        uc::customer_book_and_sales(&s.app, &sess.actor, seen).await?;
    let spark = spark(t, &b);
    let (sales, (sale_kinds, sale_products)) =
        super::sales::sales_of(s, sess, t, sold, offer_sale).await?;
    Ok(BookSection {
        sales,
        sale_kinds,
        sale_products,
        sale_channels: banyan_domain::wealth::suitability::SaleChannel::ALL
            .iter()
            .map(|c| (c.as_str(), t.of("sale_channel", c.as_str())))
            .collect(),
        empty: b.holdings.is_empty(),
        activity: b.activity.map(|a| {
            let n = |k: u32| t.get("book.count_of_tx").replace("{n}", &k.to_string());
            (
                t.money(a.fee_income, "CNY"),
                n(a.investment_count),
                n(a.transactions_90d),
            )
        }),
        as_of: b.as_of.map(|d| t.date(&d.to_string())).unwrap_or_default(),
        aum: t.money(b.aum, "CNY"),
        loans: t.money(b.loans, "CNY"),
        since: b
            .customer_since
            .map(|d| t.date(&d.to_string()))
            .unwrap_or_default(),
        services: b.services.iter().map(|c| t.of("service", c)).collect(),
        kinds: b
            .by_kind
            .iter()
            .map(|k| {
                (
                    t.of("product_kind", k.kind.as_str()),
                    k.accounts,
                    t.money(k.total_cny, "CNY"),
                )
            })
            .collect(),
        risks: b
            .by_risk
            .iter()
            .map(|r| {
                (
                    t.of("risk_level", r.risk_level.as_str()),
                    t.money(r.total_cny, "CNY"),
                )
            })
            .collect(),
        lines: b
            .holdings
            .iter()
            .map(|h| HoldingView {
                account: h.account_no.clone(),
                product: format!("{} {}", h.product_code, name_in(t, &h.product_names)),
                kind: t.of("product_kind", h.kind.as_str()),
                risk: h
                    .risk_level
                    .map_or_else(String::new, |r| t.of("risk_level", r.as_str())),
                status: t.of("account_status", h.status.as_str()),
                closed: h.status == banyan_domain::book::AccountStatus::Closed,
                opened: t.date(&h.opened_on.to_string()),
                amount: if h.kind.is_credit() {
                    String::new()
                } else {
                    amount_text(t, h.balance, &h.currency, h.digits)
                },
                credit: match (h.credit_limit, h.outstanding) {
                    (Some(l), Some(o)) => format!(
                        "{} / {}",
                        amount_text(t, l, &h.currency, h.digits),
                        amount_text(t, o, &h.currency, h.digits)
                    ),
                    _ => String::new(),
                },
                overdue: if h.days_past_due > 0 {
                    t.get("book.overdue")
                        .replace("{n}", &h.days_past_due.to_string())
                } else {
                    String::new()
                },
            })
            .collect(),
        transactions: b
            .transactions
            .iter()
            .map(|x| {
                let mut what = vec![
                    t.of("tx_channel", x.channel.as_str()),
                    t.of("counterparty", x.counterparty.as_str()),
                ];
                if let Some(c) = x.category {
                    what.push(t.of("tx_category", c.as_str()));
                }
                if x.cash {
                    what.push(t.get("book.cash").to_owned());
                }
                if x.cross_border {
                    what.push(t.get("book.cross_border").to_owned());
                }
                TxView {
                    at: t.datetime(&s.app.tz, &x.at),
                    account: x.account_no.clone(),
                    direction: t.of("direction", x.direction.as_str()),
                    credit: x.direction == banyan_domain::book::activity::Direction::Credit,
                    amount: amount_text(t, x.amount, &x.currency, x.digits),
                    what: what.join(" · "),
                }
            })
            .collect(),
        spark,
    })
}

/// A month (`2026-01`) in the reader's words (`2026年01月`, `Jan 2026`).
fn month_text(t: Tr, month: &str) -> String {
    match format!("{month}-01").parse::<jiff::civil::Date>() {
        Ok(d) => match t.lang {
            crate::ui::i18n::Lang::En => d.strftime("%b %Y").to_string(),
            _ => d.strftime("%Y年%m月").to_string(),
        },
        Err(_) => month.to_owned(),
    }
}

/// The AUM line as SVG points in a 240×48 box, and what it says in words.
fn spark(t: Tr, b: &CustomerBook) -> Option<(String, String)> {
    let (first, last) = (b.aum_line.first()?, b.aum_line.last()?);
    if b.aum_line.len() < 2 {
        return None;
    }
    // Scaled between the year's lowest and highest figures, so that a change shows as a slope.
    #[allow(clippy::cast_precision_loss)]
    let values: Vec<f64> = b.aum_line.iter().map(|p| p.aum as f64).collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let points = crate::ui::charts::polyline(&values, lo, hi, 240.0, 48.0);
    let words = t
        .get("book.aum_line_text")
        .replace("{from}", &month_text(t, &first.month))
        .replace("{a}", &t.money(first.aum, "CNY"))
        .replace("{to}", &month_text(t, &last.month))
        .replace("{b}", &t.money(last.aum, "CNY"));
    Some((points, words))
}
