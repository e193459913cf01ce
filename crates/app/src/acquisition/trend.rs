//! The effectiveness report over time (seed 002 §七: monthly, quarterly and half-yearly evaluation): the
//! same figures — new customers, what they brought, their activity after 90 days, their satisfaction — for
//! each of the last months, quarters or half-years up to the current one, and the series as an XLSX file in
//! the reader's words (audited).

use super::effectiveness::{Figures, figures, surveys};
use super::funnel::day_start;
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::targets::TargetPeriod;
use banyan_store::acquisition::effectiveness as store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Periods a series shows when not asked (and at most).
const DEFAULT_COUNT: u8 = 6;
const MAX_COUNT: u8 = 12;

/// Which periods a series covers.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrendQuery {
    /// `month` (default), `quarter`, `half_year` or `year`.
    pub period: Option<String>,
    /// How many periods, ending with the current one: 1 to 12 (default 6).
    pub count: Option<u8>,
}

/// One period of the series: its first and last day (the current one ends today) and its figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub from: String,
    pub to: String,
    pub figures: Figures,
}

/// The series, oldest period first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Trend {
    pub period: TargetPeriod,
    pub points: Vec<TrendPoint>,
}

fn checked(q: &TrendQuery) -> Result<(TargetPeriod, u8)> {
    let mut e = banyan_domain::FieldErrors::new();
    let period = match q.period.as_deref().map(str::trim) {
        None | Some("") => Some(TargetPeriod::Month),
        Some(p) => {
            let parsed = TargetPeriod::parse(p);
            if parsed.is_none() {
                e.push(
                    "period",
                    "one_of",
                    "must be month, quarter, half_year or year",
                );
            }
            parsed
        }
    };
    let count = q.count.unwrap_or(DEFAULT_COUNT);
    if !(1..=MAX_COUNT).contains(&count) {
        e.push("count", "range", "must be 1 to 12");
    }
    e.into_result()?;
    let period = period.ok_or_else(|| AppError::internal("a checked period is missing"))?;
    Ok((period, count))
}

/// The series within the reader's scope (`lead.read`).
pub async fn trend(app: &App, actor: &Actor, q: TrendQuery) -> Result<Trend> {
    let grant = actor.require(Permission::LeadRead)?;
    let (period, count) = checked(&q)?;
    let scope = grant.scope();
    let today = app.today();
    let ranges = period
        .last(today, usize::from(count))
        .map_err(|e| AppError::internal(format!("the periods before {today}: {e}")))?;
    let mut points = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        // The current period ends today: its figures are the book's as of today.
        let last = end
            .yesterday()
            .map_err(|e| AppError::internal_from("a period's last day", e))?
            .min(today);
        let (from_us, to_us) = (day_start(app, start)?, day_start(app, end)?);
        let won = store::won_in(&app.db.conn, &scope, from_us, to_us).await?;
        let mut f = figures(app, &won, last).await?;
        surveys(app, &scope, from_us, to_us, &mut f).await?;
        points.push(TrendPoint {
            from: start.to_string(),
            to: last.to_string(),
            figures: f,
        });
    }
    Ok(Trend { period, points })
}

/// The columns of the series' file, in order (headed `effect.<column>` in the reader's words).
const COLUMNS: [&str; 13] = [
    "period",
    "new_customers",
    "new_individual",
    "new_corporate",
    "assets",
    "deposits",
    "loans",
    "fee_income",
    "mature",
    "active_after_90d",
    "surveys_sent",
    "surveys_answered",
    "satisfaction",
];

/// The series as an XLSX workbook in the reader's words: one row per period, amounts in yuan; audited as
/// `lead.effectiveness.export`.
pub async fn export_xlsx(
    app: &App,
    actor: &Actor,
    q: TrendQuery,
    words: &dyn crate::tabular::Words,
) -> Result<Vec<u8>> {
    let grant = actor.require(Permission::LeadRead)?;
    let t = trend(app, actor, q).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| {
        AppError::internal_from("writing the effectiveness report's XLSX", e)
    };
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string(0, col(c)?, words.heading(&format!("effect.{h}")))
            .map_err(x)?;
    }
    for (i, p) in t.points.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|e| AppError::internal_from("a row number", e))?;
        let f = &p.figures;
        let name = format!(
            "{}—{}",
            words.cell("date", &p.from),
            words.cell("date", &p.to)
        );
        ws.write_string(r, 0, name).map_err(x)?;
        let counts = [f.new_customers, f.new_individual, f.new_corporate];
        let money = [f.assets, f.deposits, f.loans, f.fee_income];
        let later = [
            f.mature,
            f.active_after_90d,
            f.surveys_sent,
            f.surveys_answered,
        ];
        #[allow(clippy::cast_precision_loss)] // counts, and fen far below 2^52
        let values = counts
            .iter()
            .map(|n| *n as f64)
            .chain(money.iter().map(|m| *m as f64 / 100.0))
            .chain(later.iter().map(|n| *n as f64))
            .chain(f.satisfaction_tenths.map(|s| s as f64 / 10.0));
        for (c, v) in values.enumerate() {
            ws.write_number(r, col(c + 1)?, v).map_err(x)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    crate::audit::record(
        app,
        &app.db.conn,
        &grant,
        vec![crate::audit::Entry {
            action: "lead.effectiveness.export",
            entity: "lead",
            entity_id: None,
            customer_id: None,
            detail: serde_json::json!({"period": t.period.as_str(), "periods": t.points.len()}),
        }],
    )
    .await?;
    Ok(bytes)
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|e| AppError::internal_from("a column number", e))
}
