//! The analysis dashboard of feedback cases (server-rendered SVG) and its XLSX export.

use super::*;

// ---------------------------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "case_dashboard.html")]
struct DashboardPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    a: Option<uc::Analytics>,
    /// (title, chart, drill-down parameter, (value, label) links).
    charts: Vec<ChartSection>,
    /// Heat map cells: (x, y, opacity, count, label).
    heat: Vec<HeatCell>,
    weekdays: Vec<String>,
    trend: String,
    trend_max: u64,
    /// Per value of the trend dimension: (points, colour, label, total).
    series: Vec<SeriesLine>,
    trend_by: String,
    trend_dims: Vec<(&'static str, String)>,
    export: String,
    total_link: String,
    breached_link: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PeriodForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    trend_by: String,
}

/// Line colours of the trend chart (one per series, the six largest).
const LINE_COLOURS: [&str; 6] = [
    "#0b5394", "#cc4125", "#6aa84f", "#e69138", "#674ea7", "#45818e",
];

/// The queue filtered to the period and one more condition (built encoded: departments and branches are
/// free text).
fn drill(from: &str, to: &str, extra: &[(&str, &str)]) -> String {
    let mut u = form_urlencoded::Serializer::new(String::new());
    u.append_pair("from", from);
    u.append_pair("to", to);
    for (k, v) in extra {
        u.append_pair(k, v);
    }
    format!("/cases?{}", u.finish())
}

fn chart(
    counts: &[uc::Count],
    label: impl Fn(&str) -> String,
    link: impl Fn(&str) -> String,
) -> (Chart, Vec<(String, String)>) {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    (
        Chart::new(counts.iter().map(|c| {
            (
                label(&c.key),
                (c.count * 300 / max) as u32,
                c.count.to_string(),
            )
        })),
        counts
            .iter()
            .map(|c| (link(&c.key), label(&c.key)))
            .collect(),
    )
}

/// One hour of the weekday-by-hour heat map: where it is drawn, how dark (by count) and its tooltip.
struct HeatCell {
    x: u32,
    y: u32,
    opacity: String,
    label: String,
}

/// One line of the trend chart: its points, colour, label and total.
struct SeriesLine {
    points: String,
    colour: &'static str,
    label: String,
    total: u64,
}

/// The weekday-by-hour heat map: one cell per hour.
fn heat_cells(t: Tr, heat: &[Vec<u64>]) -> Vec<HeatCell> {
    let max = heat.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut cells = Vec::new();
    for (d, hours) in heat.iter().enumerate() {
        for (h, n) in hours.iter().enumerate() {
            cells.push(HeatCell {
                x: 40 + h as u32 * 20,
                y: d as u32 * 20,
                opacity: format!("{:.2}", 0.08 + 0.92 * (*n as f64 / max as f64)),
                label: format!("{} {:02}:00 — {n}", t.of("weekday", &d.to_string()), h),
            });
        }
    }
    cells
}

pub(super) async fn dashboard(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let today = s.app.today();
    let from = blank(&p.from).unwrap_or_else(|| {
        today
            .checked_sub(jiff::Span::new().days(29))
            .unwrap_or(today)
            .to_string()
    });
    let to = blank(&p.to).unwrap_or_else(|| today.to_string());
    let trend_by = blank(&p.trend_by).unwrap_or_else(|| "kind".into());
    let q = CaseQuery {
        from: Some(from.clone()),
        to: Some(to.clone()),
        trend_by: Some(trend_by.clone()),
        ..Default::default()
    };
    let (a, error) = match uc::analytics(&s.app, &sess.actor, q).await {
        Ok(a) => (Some(a), None),
        Err(AppError::Validation(e)) => (None, Some(field_errors_text(t, &e))),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    let mut charts = Vec::new();
    let mut heat = Vec::new();
    let mut trend = String::new();
    let mut trend_max = 0;
    let mut series = Vec::new();
    if let Some(a) = &a {
        let dims: [(&str, &Vec<uc::Count>, &'static str, &str); 7] = [
            ("case.by_kind", &a.by_kind, "kind", "fb.kind"),
            ("case.by_cause", &a.by_cause, "cause", "fb.cause"),
            ("case.by_product", &a.by_product, "product", "fb.product"),
            ("case.by_channel", &a.by_channel, "channel", "fb.channel"),
            ("case.by_branch", &a.by_branch, "branch_code", ""),
            (
                "case.by_segment",
                &a.by_segment,
                "segment",
                "seg.wealth_tier",
            ),
            (
                "case.by_department",
                &a.by_department,
                "department",
                "department",
            ),
        ];
        for (title, counts, param, family) in dims {
            let (c, keys) = chart(
                counts,
                |k| {
                    if k == "-" {
                        t.get("case.none").to_owned()
                    } else if family.is_empty() {
                        k.to_owned()
                    } else {
                        t.of(family, k)
                    }
                },
                |k| drill(&from, &to, &[(param, k)]),
            );
            charts.push(ChartSection {
                title: t.get(title).to_owned(),
                chart: c,
                param,
                keys,
            });
        }
        heat = heat_cells(t, &a.heat);
        trend_max = a.by_day.iter().map(|c| c.count).max().unwrap_or(0);
        let w = 560.0 / (a.by_day.len().max(2) - 1) as f64;
        let points = |counts: &mut dyn Iterator<Item = u64>| {
            counts
                .enumerate()
                .map(|(i, n)| {
                    format!(
                        "{:.1},{:.1}",
                        i as f64 * w,
                        100.0 - 90.0 * n as f64 / trend_max.max(1) as f64
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        trend = points(&mut a.by_day.iter().map(|c| c.count));
        let family = match a.trend_by.as_str() {
            "kind" => "fb.kind",
            "cause" => "fb.cause",
            "product" => "fb.product",
            "channel" => "fb.channel",
            "segment" => "seg.wealth_tier",
            _ => "",
        };
        series = a
            .trend
            .iter()
            .take(LINE_COLOURS.len())
            .zip(LINE_COLOURS)
            .map(|(sr, colour)| {
                let label = if sr.key == "-" {
                    t.get("case.none").to_owned()
                } else if family.is_empty() {
                    sr.key.clone()
                } else {
                    t.of(family, &sr.key)
                };
                SeriesLine {
                    points: points(&mut sr.counts.iter().copied()),
                    colour,
                    label,
                    total: sr.counts.iter().sum::<u64>(),
                }
            })
            .collect();
    }
    let mut u = form_urlencoded::Serializer::new(String::new());
    u.append_pair("from", &from);
    u.append_pair("to", &to);
    let export = format!("/cases/export.xlsx?{}", u.finish());
    let total_link = drill(&from, &to, &[]);
    let breached_link = drill(&from, &to, &[("status", "open"), ("breached", "1")]);
    Ok(page(DashboardPage {
        title: t.get("case.dashboard").to_owned(),
        c: chrome(t, Some(&sess), "/cases/analytics"),
        weekdays: (0..7).map(|d| t.of("weekday", &d.to_string())).collect(),
        from,
        to,
        a,
        charts,
        heat,
        trend,
        trend_max,
        series,
        trend_dims: [
            ("kind", "case.by_kind"),
            ("cause", "case.by_cause"),
            ("product", "case.by_product"),
            ("channel", "case.by_channel"),
            ("branch_code", "case.by_branch"),
            ("segment", "case.by_segment"),
            ("department", "case.by_department"),
        ]
        .iter()
        .map(|(k, l)| (*k, t.get(l).to_owned()))
        .collect(),
        trend_by,
        export,
        total_link,
        breached_link,
        error,
    }))
}

pub(super) async fn export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let q = CaseQuery {
        from: blank(&p.from),
        to: blank(&p.to),
        ..Default::default()
    };
    let (bytes, _) = uc::export_xlsx(&s.app, &sess.actor, q, &crate::ui::labels::ReaderWords(t))
        .await
        .map_err(app_err(t, &sess))?;
    Ok(crate::api::cases::xlsx(bytes))
}
