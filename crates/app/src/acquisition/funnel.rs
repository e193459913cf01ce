//! The conversion funnel (seed 002 §七, effectiveness): of the leads captured in a period, how many reached
//! each stage of the pipeline — counted at the furthest stage they reached, so a lead lost at the proposal
//! still counts as having been visited — how many were won, rejected and lost, broken down by channel,
//! partner, owner or branch, within the reader's scope.

use super::staff_names;
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::LeadStage;
use banyan_store::acquisition::{self as store, FunnelBy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Which period and breakdown the funnel shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FunnelQuery {
    /// First day of capture, `YYYY-MM-DD` (default: 90 days before `to`).
    pub from: Option<String>,
    /// Last day of capture (default: today).
    pub to: Option<String>,
    /// `channel` (default), `partner`, `owner`, `branch` or `campaign`.
    pub by: Option<String>,
}

/// One row of the funnel: the leads of one channel, partner, owner or branch.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FunnelLine {
    /// The channel or branch code, the partner's or owner's id; none: leads without one.
    pub key: Option<String>,
    /// The partner's or owner's name.
    pub name: Option<String>,
    pub captured: i64,
    /// How many reached each stage (or went beyond it), from `screened` to `won`, in pipeline order.
    pub reached: Vec<i64>,
    pub won: i64,
    pub rejected: i64,
    pub lost: i64,
    /// Won per thousand captured.
    pub conversion_permille: i64,
}

/// The funnel of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Funnel {
    pub from: String,
    pub to: String,
    pub by: String,
    /// The stages `reached` counts, in order.
    pub stages: Vec<LeadStage>,
    pub lines: Vec<FunnelLine>,
    pub total: FunnelLine,
    /// The period of the same length just before (`previous_from`..=`previous_to`), its totals, and the
    /// growth of the leads captured and won over it, per thousand (none when the period before had none).
    pub previous_from: String,
    pub previous_to: String,
    pub previous: FunnelLine,
    pub growth_captured_permille: Option<i64>,
    pub growth_won_permille: Option<i64>,
}

fn add(l: &mut FunnelLine, reached: LeadStage, stage: LeadStage, n: i64) {
    l.captured += n;
    let rank = usize::from(reached.rank().unwrap_or(0));
    if l.reached.len() < 7 {
        l.reached.resize(7, 0);
    }
    for slot in l.reached.iter_mut().take(rank) {
        *slot += n;
    }
    match stage {
        LeadStage::Won => l.won += n,
        LeadStage::Rejected => l.rejected += n,
        LeadStage::Lost => l.lost += n,
        _ => {}
    }
}

fn finish(l: &mut FunnelLine) {
    l.reached.resize(7, 0);
    l.conversion_permille = if l.captured > 0 {
        l.won * 1000 / l.captured
    } else {
        0
    };
}

/// A report's period: its days, the period of the same length just before, and the bank's instants that
/// bound them (the start of `from`, of the day after `to`, of `before`).
pub(super) struct Period {
    pub(super) from: jiff::civil::Date,
    pub(super) to: jiff::civil::Date,
    pub(super) before: jiff::civil::Date,
    pub(super) from_us: i64,
    pub(super) after_us: i64,
    pub(super) before_us: i64,
}

/// The period `from`..=`to` as asked (`to` defaults to today, `from` to 90 days before it; at most 366
/// days), each bad date named.
pub(super) fn period(app: &App, from: Option<&str>, to: Option<&str>) -> Result<Period> {
    let day = |field: &str, v: &str| {
        v.parse::<jiff::civil::Date>()
            .map_err(|_| AppError::field(field, "format", "must be a date, YYYY-MM-DD"))
    };
    let to = match to.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => day("to", t)?,
        None => app.today(),
    };
    let from = match from.map(str::trim).filter(|s| !s.is_empty()) {
        Some(f) => day("from", f)?,
        None => to
            .checked_sub(jiff::Span::new().days(90))
            .map_err(|e| AppError::internal_from("90 days before `to`", e))?,
    };
    if to < from {
        return Err(AppError::field("to", "range", "must not be before `from`"));
    }
    if (to - from).get_days() > 366 {
        return Err(AppError::field(
            "to",
            "range",
            "a report covers at most 366 days",
        ));
    }
    let after = to
        .tomorrow()
        .map_err(|e| AppError::internal_from("the day after `to`", e))?;
    // The period of the same length just before, for the growth.
    let days = (to - from).get_days() + 1;
    let before = from
        .checked_sub(jiff::Span::new().days(days))
        .map_err(|e| AppError::internal_from("the period before", e))?;
    Ok(Period {
        from,
        to,
        before,
        from_us: day_start(app, from)?,
        after_us: day_start(app, after)?,
        before_us: day_start(app, before)?,
    })
}

/// The start of a day in the bank's time zone.
pub(super) fn day_start(app: &App, d: jiff::civil::Date) -> Result<i64> {
    d.to_zoned(app.tz.clone())
        .map(|z| z.timestamp().as_microsecond())
        .map_err(|e| AppError::internal_from("the start of a day", e))
}

/// The growth of `now` over `then`, per thousand (none when `then` had none).
pub(super) fn growth(now: i64, then: i64) -> Option<i64> {
    (then > 0).then(|| (now - then) * 1000 / then)
}

/// The funnel of the leads captured in the period, within the reader's scope.
pub async fn funnel(app: &App, actor: &Actor, q: FunnelQuery) -> Result<Funnel> {
    let grant = actor.require(Permission::LeadRead)?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rd = app.db.reader();
    let (by, by_code) = match q.by.as_deref().map(str::trim).unwrap_or("channel") {
        "" | "channel" => (FunnelBy::Channel, "channel"),
        "partner" => (FunnelBy::Partner, "partner"),
        "owner" => (FunnelBy::Owner, "owner"),
        "branch" => (FunnelBy::Branch, "branch"),
        "campaign" => (FunnelBy::Campaign, "campaign"),
        _ => {
            return Err(AppError::field(
                "by",
                "one_of",
                "must be one of channel, partner, owner, branch, campaign",
            ));
        }
    };
    let Period {
        from,
        to,
        before,
        from_us,
        after_us,
        before_us,
    } = period(app, q.from.as_deref(), q.to.as_deref())?;
    let rows = store::funnel(rd, &grant.scope(), by, from_us, after_us).await?;
    let mut previous = FunnelLine::default();
    for r in store::funnel(rd, &grant.scope(), by, before_us, from_us).await? {
        add(&mut previous, r.reached, r.stage, r.count);
    }
    finish(&mut previous);
    let mut lines: BTreeMap<Option<String>, FunnelLine> = BTreeMap::new();
    let mut total = FunnelLine::default();
    for r in &rows {
        let l = lines.entry(r.key.clone()).or_insert_with(|| FunnelLine {
            key: r.key.clone(),
            ..FunnelLine::default()
        });
        add(l, r.reached, r.stage, r.count);
        add(&mut total, r.reached, r.stage, r.count);
    }
    let names: BTreeMap<String, String> = match by {
        FunnelBy::Owner => staff_names(app)
            .await?
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        FunnelBy::Partner => store::list_partners(rd)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name))
            .collect(),
        FunnelBy::Campaign => store::campaigns::all(rd)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect(),
        _ => BTreeMap::new(),
    };
    let mut lines: Vec<FunnelLine> = lines.into_values().collect();
    for l in &mut lines {
        finish(l);
        l.name = l.key.as_ref().and_then(|k| names.get(k).cloned());
    }
    lines.sort_by(|a, b| b.captured.cmp(&a.captured).then(a.key.cmp(&b.key)));
    finish(&mut total);
    Ok(Funnel {
        from: from.to_string(),
        to: to.to_string(),
        by: by_code.to_owned(),
        stages: LeadStage::BOARD[1..].to_vec(),
        lines,
        growth_captured_permille: growth(total.captured, previous.captured),
        growth_won_permille: growth(total.won, previous.won),
        total,
        previous_from: before.to_string(),
        previous_to: from
            .yesterday()
            .map_err(|e| AppError::internal_from("the day before `from`", e))?
            .to_string(),
        previous,
    })
}

/// The funnel's columns in an export: the breakdown's value, then the counts.
const EXPORT_COUNTS: [&str; 5] = ["captured", "won", "rejected", "lost", "conversion"];

/// The funnel as an XLSX workbook headed and coded in `words` (the reader's language): one row per channel,
/// partner, owner, branch or campaign, then the total and the period before with the growth; audited
/// (`lead.funnel.export`, counts only).
pub async fn export_xlsx(
    app: &App,
    actor: &Actor,
    q: FunnelQuery,
    words: &dyn crate::tabular::Words,
) -> Result<Vec<u8>> {
    let grant = actor.require(Permission::LeadRead)?;
    let f = funnel(app, actor, q).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal_from("writing the funnel's XLSX", e);
    let by = format!("funnel_by.{}", f.by);
    let mut headings = vec![words.heading(&by)];
    headings.extend(
        f.stages
            .iter()
            .map(|s| words.cell("lead_stage", s.as_str())),
    );
    headings.extend(
        EXPORT_COUNTS
            .iter()
            .map(|c| words.heading(&format!("funnel.{c}"))),
    );
    // Headings: the breakdown, captured, each stage reached, won, rejected, lost, conversion.
    let order: Vec<String> = std::iter::once(headings[0].clone())
        .chain(std::iter::once(headings[1 + f.stages.len()].clone()))
        .chain(headings[1..=f.stages.len()].iter().cloned())
        .chain(headings[2 + f.stages.len()..].iter().cloned())
        .collect();
    for (c, h) in order.iter().enumerate() {
        ws.write_string(0, col(c)?, h).map_err(x)?;
    }
    let label = |l: &FunnelLine| -> String {
        match (&l.name, &l.key) {
            (Some(n), _) => n.clone(),
            (None, Some(k)) if f.by == "channel" => words.cell("lead_channel", k),
            (None, Some(k)) => k.clone(),
            (None, None) => words.cell("funnel", "none"),
        }
    };
    let mut rows: Vec<(String, &FunnelLine)> = f.lines.iter().map(|l| (label(l), l)).collect();
    rows.push((words.cell("funnel", "total"), &f.total));
    let previous = format!(
        "{} {}—{}",
        words.cell("funnel", "previous"),
        words.cell("date", &f.previous_from),
        words.cell("date", &f.previous_to)
    );
    rows.push((previous, &f.previous));
    for (i, (name, l)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|e| AppError::internal_from("a row number", e))?;
        ws.write_string(r, 0, name).map_err(x)?;
        let mut numbers = vec![l.captured];
        numbers.extend(l.reached.iter().copied());
        numbers.extend([l.won, l.rejected, l.lost]);
        for (c, n) in numbers.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)] // counts of leads, far below 2^52
            ws.write_number(r, col(c + 1)?, *n as f64).map_err(x)?;
        }
        let pct = format!(
            "{}.{} %",
            l.conversion_permille / 10,
            l.conversion_permille % 10
        );
        ws.write_string(r, col(numbers.len() + 1)?, &pct)
            .map_err(x)?;
    }
    // A growth without a period before to compare with is an empty cell, not 0 %.
    let growth = |g: Option<i64>| {
        g.map_or_else(String::new, |g| {
            format!(
                "{}{}.{} %",
                if g < 0 { "-" } else { "" },
                g.abs() / 10,
                g.abs() % 10
            )
        })
    };
    let r =
        u32::try_from(rows.len() + 1).map_err(|e| AppError::internal_from("a row number", e))?;
    ws.write_string(r, 0, words.cell("funnel", "growth"))
        .map_err(x)?;
    ws.write_string(r, 1, growth(f.growth_captured_permille))
        .map_err(x)?;
    ws.write_string(r, col(2 + f.stages.len())?, growth(f.growth_won_permille))
        .map_err(x)?;
    let bytes = wb.save_to_buffer().map_err(x)?;
    crate::audit::record(
        app,
        &app.db.conn,
        &grant,
        vec![crate::audit::Entry {
            action: "lead.funnel.export",
            entity: "lead",
            entity_id: None,
            customer_id: None,
            detail: serde_json::json!({"by": f.by, "from": f.from, "to": f.to, "rows": f.lines.len()}),
        }],
    )
    .await?;
    Ok(bytes)
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|e| AppError::internal_from("a column number", e))
}
