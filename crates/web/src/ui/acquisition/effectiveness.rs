//! The effectiveness report's part of the funnel page (拓户成效): the period's new customers and what they
//! brought beside the period before with the growth, their risk ratings and activity after 90 days, and the
//! open leads' ageing by stage — every count a link to the leads it counts.

use crate::ui::i18n::Tr;
use banyan_app::access::Session;
use banyan_app::acquisition::effectiveness::{self as uc, EffectQuery, Effectiveness, Figures};

/// A figure's row: label, this period, the period before, the growth, and the leads it counts.
pub(crate) struct FigureRow {
    pub(crate) key: &'static str,
    pub(crate) label: String,
    pub(crate) current: String,
    pub(crate) previous: String,
    /// Against the period before; none for a breakdown of a figure.
    pub(crate) growth: Option<String>,
    pub(crate) href: Option<String>,
}

/// A stage's ageing row: the stage in words and each band's count with its leads.
pub(crate) struct AgeingRow {
    pub(crate) stage: String,
    pub(crate) cells: Vec<(i64, String)>,
}

/// The report as the funnel page shows it.
pub(crate) struct EffectSection {
    pub(crate) rows: Vec<FigureRow>,
    pub(crate) ratings: String,
    pub(crate) previous_period: String,
    pub(crate) bands: Vec<String>,
    pub(crate) ageing: Vec<AgeingRow>,
}

/// The growth in words (`+12.5 %`), or that the period before had none.
pub(super) fn growth_text(t: Tr, g: Option<i64>) -> String {
    match g {
        Some(g) => format!(
            "{}{}.{} %",
            if g < 0 { "-" } else { "+" },
            g.abs() / 10,
            g.abs() % 10
        ),
        None => t.get("funnel.no_growth").to_owned(),
    }
}

/// The new customers' satisfaction in words: the average with the replies of the surveys sent, or that
/// none replied.
pub(super) fn satisfaction_text(t: Tr, f: &Figures) -> String {
    match f.satisfaction_tenths {
        Some(x) => t
            .get("effect.satisfaction_of")
            .replace("{avg}", &format!("{}.{}", x / 10, x % 10))
            .replace("{n}", &f.surveys_answered.to_string())
            .replace("{m}", &f.surveys_sent.to_string()),
        None => t
            .get("effect.satisfaction_none")
            .replace("{m}", &f.surveys_sent.to_string()),
    }
}

fn leads_href(stage: &str, from: Option<&str>, to: &str) -> String {
    let mut u = form_urlencoded::Serializer::new(String::new());
    u.append_pair("stage", stage);
    if let Some(f) = from {
        u.append_pair("entered_from", f);
    }
    u.append_pair("entered_to", to);
    format!("/leads?{}", u.finish())
}

fn rows(t: Tr, e: &Effectiveness) -> Vec<FigureRow> {
    let money = |v: i64| t.money(v, "CNY");
    let count = |v: i64| v.to_string();
    let (c, p, g) = (&e.current, &e.previous, &e.growth);
    let won = leads_href("won", Some(&e.from), &e.to);
    let row = |key: &'static str,
               show: &dyn Fn(i64) -> String,
               f: fn(&Figures) -> i64,
               growth: Option<Option<i64>>,
               href: Option<String>| FigureRow {
        key,
        label: t.get(&format!("effect.{key}")).to_owned(),
        current: show(f(c)),
        previous: show(f(p)),
        growth: growth.map(|x| growth_text(t, x)),
        href,
    };
    let mut out = vec![
        row(
            "new_customers",
            &count,
            |f| f.new_customers,
            Some(g.new_customers),
            Some(won),
        ),
        row("new_individual", &count, |f| f.new_individual, None, None),
        row("new_corporate", &count, |f| f.new_corporate, None, None),
        row("assets", &money, |f| f.assets, Some(g.assets), None),
        row("deposits", &money, |f| f.deposits, Some(g.deposits), None),
        row("loans", &money, |f| f.loans, Some(g.loans), None),
        row(
            "fee_income",
            &money,
            |f| f.fee_income,
            Some(g.fee_income),
            None,
        ),
    ];
    let active = |f: &Figures| {
        t.get("effect.active_of")
            .replace("{n}", &f.active_after_90d.to_string())
            .replace("{m}", &f.mature.to_string())
    };
    let satisfaction = |f: &Figures| satisfaction_text(t, f);
    out.push(FigureRow {
        key: "satisfaction",
        label: t.get("effect.satisfaction").to_owned(),
        current: satisfaction(c),
        previous: satisfaction(p),
        growth: None,
        href: None,
    });
    out.push(FigureRow {
        key: "active_after_90d",
        label: t.get("effect.active_after_90d").to_owned(),
        current: active(c),
        previous: active(p),
        growth: None,
        href: None,
    });
    out
}

/// The report for the funnel's period; `None` when the period was refused (the funnel says why).
pub(super) async fn section(
    app: &banyan_app::App,
    sess: &Session,
    t: Tr,
    from: &str,
    to: &str,
) -> Result<Option<EffectSection>, banyan_app::AppError> {
    let q = EffectQuery {
        from: Some(from.to_owned()),
        to: Some(to.to_owned()),
    };
    let e = match uc::report(app, &sess.actor, q).await {
        Ok(e) => e,
        Err(banyan_app::AppError::Validation(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let ratings = e
        .current
        .ratings
        .iter()
        .map(|(r, n)| {
            // A person's rating (low / medium / high) or a company's grade (A to D).
            let family = if r.len() == 1 {
                "seg.credit_grade"
            } else {
                "seg.risk_rating"
            };
            format!("{} {n}", t.of(family, r))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let ageing = e
        .ageing
        .iter()
        .map(|l| AgeingRow {
            stage: t.of("lead_stage", l.stage.as_str()),
            cells: l
                .counts
                .iter()
                .zip(&e.bands)
                .map(|(n, b)| {
                    (
                        *n,
                        leads_href(l.stage.as_str(), b.entered_from.as_deref(), &b.entered_to),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(Some(EffectSection {
        rows: rows(t, &e),
        ratings: if ratings.is_empty() {
            t.get("effect.no_ratings").to_owned()
        } else {
            ratings
        },
        previous_period: t
            .get("effect.previous_period")
            .replace("{from}", &t.date(&e.previous_from))
            .replace("{to}", &t.date(&e.previous_to)),
        bands: e
            .bands
            .iter()
            .map(|b| match b.to_days {
                Some(to) => t
                    .get("effect.band")
                    .replace("{from}", &b.from_days.to_string())
                    .replace("{to}", &to.to_string()),
                None => t
                    .get("effect.band_open")
                    .replace("{from}", &b.from_days.to_string()),
            })
            .collect(),
        ageing,
    }))
}
