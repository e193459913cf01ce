//! Analysis: counts by dimension, trends, heat map, attainment, satisfaction; the XLSX export.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::cases::{self as store, CaseRow};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::clocks::local;
use super::scope;
use super::view::{CaseQuery, filter_of};

/// A count under a key (kind, cause, channel ...).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// A daily series for one value of a dimension.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Series {
    pub key: String,
    pub counts: Vec<u64>,
}

/// The dimensions the analysis breaks down by, in the order of its counts.
pub(crate) const TREND_DIMS: [&str; 7] = [
    "kind",
    "cause",
    "product",
    "channel",
    "branch_code",
    "segment",
    "department",
];

/// Deadlines met: among the resolved cases that had one, plus the open cases already past it (missed
/// whatever happens next).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Attainment {
    pub resolved: u64,
    pub met: u64,
    /// Open and already past the deadline.
    pub open_breached: u64,
    /// `met / (resolved + open_breached)`.
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Analytics {
    pub from: String,
    pub to: String,
    /// Cases received in the period (merged repeats excluded: they count once, in the case they joined).
    pub total: u64,
    pub open: u64,
    /// Open cases at escalation level 2 or more (a deadline breached).
    pub breached_open: u64,
    pub by_kind: Vec<Count>,
    pub by_cause: Vec<Count>,
    pub by_product: Vec<Count>,
    pub by_channel: Vec<Count>,
    pub by_branch: Vec<Count>,
    pub by_segment: Vec<Count>,
    pub by_department: Vec<Count>,
    /// Received per day (bank's time zone), for the trend.
    pub by_day: Vec<Count>,
    /// The dimension of `trend`.
    pub trend_by: String,
    /// Per value of `trend_by`: cases received on each day of `by_day` (same order).
    pub trend: Vec<Series>,
    /// Received per weekday (0 = Monday) and hour: peak hours and days.
    pub heat: Vec<Vec<u64>>,
    pub sla: Attainment,
    pub regulatory: Attainment,
    /// Mean hours from receipt to resolution.
    pub avg_handling_hours: Option<f64>,
    pub satisfaction_responses: u64,
    pub satisfaction_avg: Option<f64>,
    /// Responses per score 1..5.
    pub satisfaction_dist: Vec<u64>,
}

pub(crate) fn pct(met: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| (met as f64 * 1000.0 / of as f64).round() / 10.0)
}

pub(crate) fn counts(m: BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v
}

/// The period's cases in scope (all pages), for analysis and export.
pub(crate) async fn period_rows(app: &App, actor: &Actor, q: &CaseQuery) -> Result<Vec<CaseRow>> {
    let s = scope(actor)?;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rd = app.db.reader();
    let mut f = filter_of(app, actor, q, s, 1000)?;
    // Always the whole period: a list cursor would start it mid-way.
    f.before = None;
    let mut out = Vec::new();
    loop {
        let page = store::list_cases(rd, &f).await?;
        let Some(last) = page.last() else { break };
        f.before = Some(banyan_store::cases::CaseKey::of(last));
        let full = page.len() as u64 == f.limit;
        out.extend(page);
        if !full {
            break;
        }
    }
    Ok(out)
}

/// Counts, trends, peaks, deadline attainment, handling time and satisfaction for cases received in the
/// period (`from`/`to` days, other filters as in the list: the list with the same filters is the
/// drill-down of every figure).
pub async fn analytics(app: &App, actor: &Actor, q: CaseQuery) -> Result<Analytics> {
    // The list's filter already leaves merged repeats out (unless a status asks for them).
    let rows: Vec<CaseRow> = period_rows(app, actor, &q).await?;
    let trend_by = q.trend_by.clone().unwrap_or_else(|| "kind".into());
    let Some(trend_ix) = TREND_DIMS.iter().position(|d| *d == trend_by) else {
        return Err(AppError::field(
            "trend_by",
            "one_of",
            format!("must be one of {}", TREND_DIMS.join(", ")),
        ));
    };
    // value of the trend dimension -> day -> count
    let mut per_day: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut by: [BTreeMap<String, u64>; 8] = Default::default();
    let mut heat = vec![vec![0u64; 24]; 7];
    let (mut sla, mut reg) = (Attainment::default(), Attainment::default());
    let (mut handled_us, mut handled) = (0i128, 0u64);
    let mut dist = vec![0u64; 5];
    let (mut open, mut breached) = (0, 0);
    for r in &rows {
        let keys = [
            Some(r.kind.clone()),
            r.cause.clone(),
            r.product.clone(),
            Some(r.channel.clone()),
            Some(r.branch_code.clone()),
            r.segment.clone(),
            Some(r.department.clone()),
            Some(local(app, r.received_at_us).date().to_string()),
        ];
        let day = keys[7].clone().unwrap_or_default();
        let tkey = keys[trend_ix].clone().unwrap_or_else(|| "-".into());
        *per_day.entry(tkey).or_default().entry(day).or_default() += 1;
        for (m, k) in by.iter_mut().zip(keys) {
            *m.entry(k.unwrap_or_else(|| "-".into())).or_default() += 1;
        }
        let at = local(app, r.received_at_us);
        let wd = at.weekday().to_monday_zero_offset() as usize;
        heat[wd][at.hour() as usize] += 1;
        if r.status.is_open() {
            open += 1;
            if r.sla_stage >= 2 || r.reg_stage >= 2 {
                breached += 1;
            }
            sla.open_breached += u64::from(r.sla_stage >= 2);
            reg.open_breached += u64::from(r.reg_stage >= 2);
        }
        if let Some(m) = r.sla_met {
            sla.resolved += 1;
            sla.met += u64::from(m);
        }
        if let Some(m) = r.reg_met {
            reg.resolved += 1;
            reg.met += u64::from(m);
        }
        if let Some(t) = r.resolved_at_us {
            handled_us += i128::from(t - r.received_at_us);
            handled += 1;
        }
        if let Some(s) = r.satisfaction
            && (1..=5).contains(&s)
        {
            dist[(s - 1) as usize] += 1;
        }
    }
    sla.pct = pct(sla.met, sla.resolved + sla.open_breached);
    reg.pct = pct(reg.met, reg.resolved + reg.open_breached);
    let responses: u64 = dist.iter().sum();
    let score: u64 = dist
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u64 + 1) * n)
        .sum();
    let [
        kind,
        cause,
        product,
        channel,
        branch,
        segment,
        department,
        day,
    ] = by;
    let mut by_day: Vec<Count> = counts(day.clone());
    by_day.sort_by(|a, b| a.key.cmp(&b.key));
    // Every day of a bounded period, zeros included, so the trend line has its quiet days.
    let parse = |v: &Option<String>| {
        v.as_deref()
            .and_then(|d| d.trim().parse::<jiff::civil::Date>().ok())
    };
    if let (Some(a), Some(b)) = (parse(&q.from), parse(&q.to))
        && (b - a).get_days() <= 366
    {
        by_day = a
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= b)
            .map(|d| {
                let key = d.to_string();
                Count {
                    count: day.get(&key).copied().unwrap_or(0),
                    key,
                }
            })
            .collect();
    }
    let mut trend: Vec<Series> = per_day
        .into_iter()
        .map(|(key, days)| Series {
            counts: by_day
                .iter()
                .map(|d| days.get(&d.key).copied().unwrap_or(0))
                .collect(),
            key,
        })
        .collect();
    trend.sort_by_key(|s| std::cmp::Reverse(s.counts.iter().sum::<u64>()));
    Ok(Analytics {
        trend_by,
        trend,
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        total: rows.len() as u64,
        open,
        breached_open: breached,
        by_kind: counts(kind),
        by_cause: counts(cause),
        by_product: counts(product),
        by_channel: counts(channel),
        by_branch: counts(branch),
        by_segment: counts(segment),
        by_department: counts(department),
        by_day,
        heat,
        sla,
        regulatory: reg,
        avg_handling_hours: (handled > 0)
            .then(|| ((handled_us / i128::from(handled)) as f64 / 3.6e9 * 10.0).round() / 10.0),
        satisfaction_responses: responses,
        satisfaction_avg: (responses > 0)
            .then(|| (score as f64 * 100.0 / responses as f64).round() / 100.0),
        satisfaction_dist: dist,
    })
}

pub(crate) const EXPORT_HEADERS: [&str; 20] = [
    "case_no",
    "received_at",
    "kind",
    "channel",
    "product",
    "cause",
    "severity",
    "party",
    "branch_code",
    "segment",
    "department",
    "status",
    "escalation_level",
    "sla_due_at",
    "sla_met",
    "regulatory_due_at",
    "regulatory_met",
    "resolved_at",
    "handling_hours",
    "satisfaction",
];

/// The period's cases as an XLSX workbook (one row per case; no complainant names or contents), headed and
/// coded in `words` (the API's codes, or the reader's language), times to the minute in the bank's zone;
/// audited.
pub async fn export_xlsx(
    app: &App,
    actor: &Actor,
    q: CaseQuery,
    words: &dyn crate::tabular::Words,
) -> Result<(Vec<u8>, usize)> {
    let grant = actor.require(Permission::CaseRead)?;
    let rows = period_rows(app, actor, &q).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal_from("writing the XLSX export", e);
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, words.heading(h)).map_err(x)?;
    }
    let yes_no = |column: &str, b: Option<bool>| {
        b.map(|b| words.cell(column, if b { "yes" } else { "no" }))
            .unwrap_or_default()
    };
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let t = |us: Option<i64>| {
            us.map(|u| local(app, u).strftime("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        let cells = [
            r.case_no.clone(),
            t(Some(r.received_at_us)),
            r.kind.clone(),
            r.channel.clone(),
            r.product.clone().unwrap_or_default(),
            r.cause.clone().unwrap_or_default(),
            r.severity.clone(),
            r.party.clone(),
            r.branch_code.clone(),
            r.segment.clone().unwrap_or_default(),
            r.department.clone(),
            r.status.as_str().to_owned(),
        ];
        for (c, (v, h)) in cells.iter().zip(EXPORT_HEADERS).enumerate() {
            ws.write_string(row, c as u16, words.cell(h, v))
                .map_err(x)?;
        }
        ws.write_number(row, 12, f64::from(r.escalation_level))
            .map_err(x)?;
        ws.write_string(row, 13, t(Some(r.sla_due_at_us)))
            .map_err(x)?;
        ws.write_string(row, 14, yes_no("sla_met", r.sla_met))
            .map_err(x)?;
        ws.write_string(row, 15, t(r.reg_due_at_us)).map_err(x)?;
        ws.write_string(row, 16, yes_no("regulatory_met", r.reg_met))
            .map_err(x)?;
        ws.write_string(row, 17, t(r.resolved_at_us)).map_err(x)?;
        if let Some(done) = r.resolved_at_us {
            let h = ((done - r.received_at_us) as f64 / 3.6e8).round() / 10.0;
            ws.write_number(row, 18, h).map_err(x)?;
        }
        if let Some(s) = r.satisfaction {
            ws.write_number(row, 19, f64::from(s)).map_err(x)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "case.export",
            entity: "case",
            entity_id: None,
            customer_id: None,
            detail: json!({"rows": rows.len(), "from": q.from, "to": q.to}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok((bytes, rows.len()))
}
