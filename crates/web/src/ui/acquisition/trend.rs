//! The effectiveness report over time on the funnel page (成效趋势): the last six months, quarters,
//! half-years or years — new customers as bars, and per period what they brought, their activity after 90
//! days and their satisfaction — with the series as an XLSX file in the reader's words.

use crate::ui::forms::Chart;
use crate::ui::i18n::Tr;
use banyan_app::access::Session;
use banyan_app::acquisition::trend::{self as uc, TrendQuery};
use banyan_domain::acquisition::targets::TargetPeriod;

/// One period's row: its span and figures in words.
pub(crate) struct TrendRow {
    pub(crate) period: String,
    pub(crate) new_customers: i64,
    pub(crate) assets: String,
    pub(crate) deposits: String,
    pub(crate) loans: String,
    pub(crate) fee_income: String,
    pub(crate) active: String,
    pub(crate) satisfaction: String,
}

/// The series as the funnel page shows it.
pub(crate) struct TrendSection {
    /// The period kinds to pick: (link, label, shown now).
    pub(crate) kinds: Vec<(String, String, bool)>,
    pub(crate) chart: Chart,
    pub(crate) rows: Vec<TrendRow>,
    pub(crate) export: String,
}

/// The series of `kind` (`month` when it is not one), its links keeping the funnel's own query `keep`.
pub(super) async fn section(
    app: &banyan_app::App,
    sess: &Session,
    t: Tr,
    kind: &str,
    keep: &[(&str, &str)],
) -> Result<TrendSection, banyan_app::AppError> {
    let period = TargetPeriod::parse(kind).unwrap_or(TargetPeriod::Month);
    let q = TrendQuery {
        period: Some(period.as_str().to_owned()),
        count: None,
    };
    let s = uc::trend(app, &sess.actor, q).await?;
    let href = |base: &str, p: TargetPeriod| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        for (k, v) in keep {
            u.append_pair(k, v);
        }
        u.append_pair("trend", p.as_str());
        format!("{base}?{}", u.finish())
    };
    let money = |v: i64| t.money(v, "CNY");
    let label = |from: &str, to: &str| format!("{}—{}", t.date(from), t.date(to));
    let max = s
        .points
        .iter()
        .map(|p| p.figures.new_customers)
        .max()
        .unwrap_or(0)
        .max(1);
    let chart = Chart::new(s.points.iter().map(|p| {
        let n = p.figures.new_customers;
        (
            label(&p.from, &p.to),
            u32::try_from(n * 300 / max).unwrap_or(0),
            n.to_string(),
        )
    }));
    let rows = s
        .points
        .iter()
        .map(|p| {
            let f = &p.figures;
            TrendRow {
                period: label(&p.from, &p.to),
                new_customers: f.new_customers,
                assets: money(f.assets),
                deposits: money(f.deposits),
                loans: money(f.loans),
                fee_income: money(f.fee_income),
                active: t
                    .get("effect.active_of")
                    .replace("{n}", &f.active_after_90d.to_string())
                    .replace("{m}", &f.mature.to_string()),
                satisfaction: super::effectiveness::satisfaction_text(t, f),
            }
        })
        .collect();
    Ok(TrendSection {
        kinds: TargetPeriod::ALL
            .iter()
            .map(|p| {
                (
                    format!("{}#trend-h", href("/leads/funnel", *p)),
                    t.of("trend", p.as_str()),
                    *p == period,
                )
            })
            .collect(),
        chart,
        rows,
        export: href("/leads/effectiveness.xlsx", period),
    })
}
