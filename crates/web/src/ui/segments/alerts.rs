//! The alert queue on the workbench (告警): early warnings and monitoring alerts of the customers in the
//! user's scope, filtered and paged; an alert with its figures in words and the transactions behind it,
//! disposed of with a reason; the large-value report for the compliance team as a CSV file.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::listing::{Listing, SortHead};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::segments::alerts::{self as uc, AlertDetail, AlertKind, AlertQuery, AlertView};
use banyan_domain::book::monitoring::{AlertStatus, Disposition};
use serde::Deserialize;
use uuid::Uuid;

/// An alert as a row of the queue shows it.
pub(crate) struct AlertLine {
    pub(crate) id: Uuid,
    pub(crate) customer_id: Uuid,
    pub(crate) customer: String,
    pub(crate) title: String,
    /// A monitoring alert's day; "—" for an early warning.
    pub(crate) day: String,
    pub(crate) figures: String,
    pub(crate) opened: String,
    pub(crate) due: String,
    pub(crate) status: String,
    pub(crate) overdue: bool,
}

/// The figures of an alert in words (`当日合计 ¥60,000.00 ≥ ¥50,000.00`).
fn figures(t: Tr, v: &AlertView) -> String {
    v.checks
        .iter()
        .map(|c| super::check_text(t, c))
        .collect::<Vec<_>>()
        .join("；")
}

fn title(t: Tr, v: &AlertView) -> String {
    t.of("indicator", &v.indicator)
}

fn status(t: Tr, v: &AlertView) -> String {
    let s = t.of("alert", v.status.as_str());
    match (v.overdue, v.escalated_at.is_some()) {
        (true, true) => format!(
            "{s}（{}，{}）",
            t.get("alert.overdue"),
            t.get("alert.escalated")
        ),
        (true, false) => format!("{s}（{}）", t.get("alert.overdue")),
        _ => s,
    }
}

fn day(t: Tr, v: &AlertView) -> String {
    if v.subject.is_empty() {
        "—".into()
    } else {
        t.date(&v.subject)
    }
}

/// The queue's filters as the page's form sends them (empty: no filter).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    mine: String,
    /// One indicator (the acquisition risk page links to its new customers' warnings).
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "alerts.html")]
pub(crate) struct AlertsPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<AlertLine>,
    /// (code, label, chosen) of each filter's choices.
    pub(crate) statuses: Vec<(&'static str, String, bool)>,
    pub(crate) kinds: Vec<(&'static str, String, bool)>,
    pub(crate) overdue: bool,
    pub(crate) mine: bool,
    /// The indicator filtered on: its code and its name.
    pub(crate) indicator: Option<(String, String)>,
    /// The large-value report's form, for those who may export it: (first day, last day).
    pub(crate) report: Option<(String, String)>,
    /// Partners' open warnings (acquisition risk: a partner's leads rejected above the rate), in words, for
    /// those who dispose of them: they stand in the queue beside the customers' alerts and are disposed of on
    /// the risk page.
    pub(crate) partners: Option<String>,
}

const PER_PAGE: u64 = 50;

pub(crate) async fn alerts_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(f): Query<QueueForm>,
) -> Result<Response, PageError> {
    let chosen = AlertStatus::parse(&f.status);
    let kind = match f.kind.as_str() {
        "monitoring" => Some(AlertKind::Monitoring),
        "warning" => Some(AlertKind::Warning),
        _ => None,
    };
    let (overdue, mine) = (f.overdue == "1", f.mine == "1");
    let page_no = f.page.unwrap_or(1).clamp(1, 20_000);
    let q = AlertQuery {
        status: chosen,
        kind,
        indicator: Some(f.indicator.clone()).filter(|i| !i.is_empty()),
        overdue: Some(overdue),
        mine: Some(mine),
        offset: Some((page_no - 1) * PER_PAGE),
        limit: Some(PER_PAGE),
    };
    let p = uc::queue(&s.app, &sess.actor, q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rows: Vec<AlertLine> = p
        .items
        .into_iter()
        .map(|i| AlertLine {
            id: i.alert.id,
            customer_id: i.alert.customer_id,
            customer: format!("{} {}", i.customer_no, i.customer_name),
            title: title(t, &i.alert),
            day: day(t, &i.alert),
            figures: figures(t, &i.alert),
            opened: t.datetime(&s.app.tz, &i.alert.created_at),
            due: t.date(&i.alert.due_on),
            status: status(t, &i.alert),
            overdue: i.alert.overdue,
        })
        .collect();
    let link = |page: u64| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", f.status.as_str()),
            ("kind", f.kind.as_str()),
            ("overdue", f.overdue.as_str()),
            ("mine", f.mine.as_str()),
            ("indicator", f.indicator.as_str()),
        ] {
            if !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        u.append_pair("page", &page.to_string());
        format!("/alerts?{}", u.finish())
    };
    let pages = p.total.div_ceil(PER_PAGE).max(1);
    let heads = [
        "field.customer",
        "alert.what",
        "alert.day",
        "alert.figures",
        "alert.opened",
        "seg.due",
        "field.status",
    ]
    .iter()
    .map(|k| SortHead {
        label: t.get(k).to_owned(),
        href: None,
        aria_sort: "none",
        arrow: "",
    })
    .collect();
    let list = Listing {
        rows,
        heads,
        total: crate::ui::paging::total_line_of(
            t,
            ("alert.count", "alert.count"),
            p.total,
            false,
            usize::try_from(page_no).unwrap_or(1),
            PER_PAGE,
        ),
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
    };
    let today = s.app.today();
    let month_ago = today
        .checked_sub(jiff::Span::new().days(30))
        .unwrap_or(today);
    // A reader who may not read leads has no partners' warnings to see.
    let partners = match banyan_app::acquisition::risk::partner_alerts(
        &s.app,
        &sess.actor,
        banyan_app::acquisition::risk::PartnerAlertQuery {
            status: Some(AlertStatus::Open),
            offset: None,
            limit: Some(1),
        },
    )
    .await
    {
        // Shown to those who dispose of them (partner managers, compliance).
        Ok(p) if p.total > 0 && p.may_handle => Some(
            t.get("alert.partner_warnings")
                .replace("{n}", &p.total.to_string()),
        ),
        Ok(_) | Err(banyan_app::AppError::Forbidden { .. }) => None,
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    Ok(page(AlertsPage {
        partners,
        title: t.get("nav.alerts").to_owned(),
        c: chrome(t, Some(&sess), "/alerts"),
        list,
        statuses: [
            ("", "alert.all"),
            ("open", "alert.open"),
            ("closed", "alert.closed"),
        ]
        .into_iter()
        .map(|(v, k)| (v, t.get(k).to_owned(), v == f.status))
        .collect(),
        kinds: [
            ("", "alert.all"),
            ("monitoring", "alert.kind_monitoring"),
            ("warning", "alert.kind_warning"),
        ]
        .into_iter()
        .map(|(v, k)| (v, t.get(k).to_owned(), v == f.kind))
        .collect(),
        overdue,
        mine,
        indicator: Some(f.indicator.clone())
            .filter(|i| !i.is_empty())
            .map(|i| (i.clone(), t.of("indicator", &i))),
        report: sess
            .actor
            .offers()
            .monitoring_report
            .then(|| (month_ago.to_string(), today.to_string())),
    }))
}

/// A transaction behind an alert, in words.
pub(crate) struct HitLine {
    pub(crate) at: String,
    pub(crate) direction: String,
    pub(crate) amount: String,
}

#[derive(Template)]
#[template(path = "alert.html")]
pub(crate) struct AlertPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) id: Uuid,
    pub(crate) customer_id: Uuid,
    pub(crate) customer: String,
    pub(crate) day: String,
    pub(crate) figures: Vec<String>,
    pub(crate) status: String,
    /// Open, and the reader may dispose of it (else the form is not offered).
    pub(crate) may_close: bool,
    /// Open, large-value, and the reader may not dispose of it: compliance does.
    pub(crate) compliance_only: bool,
    pub(crate) opened: String,
    pub(crate) due: String,
    pub(crate) escalated: Option<String>,
    /// How it was closed: disposition, what was done, when.
    pub(crate) closed: Option<String>,
    pub(crate) hits: Vec<HitLine>,
    /// (code, label) of the dispositions offered.
    pub(crate) dispositions: Vec<(&'static str, String)>,
    pub(crate) monitoring: bool,
    pub(crate) error: Option<String>,
    pub(crate) saved: bool,
}

fn alert_view(s: &AppState, sess: &Session, t: Tr, d: AlertDetail) -> AlertPage {
    let v = &d.alert;
    let monitoring = v.criterion.is_some();
    // A closed alert always has what was done and when (the app refuses a stored one without); alerts
    // closed before dispositions existed say only that they were closed.
    let closed = match (&v.resolution, &v.closed_at) {
        (Some(r), Some(at)) => Some(format!(
            "{}：{r}（{}）",
            v.disposition.map_or_else(
                || t.get("alert.closed").to_owned(),
                |d| t.of("disposition", d.as_str())
            ),
            t.datetime(&s.app.tz, at)
        )),
        _ => None,
    };
    AlertPage {
        title: title(t, v),
        c: chrome(t, Some(sess), "/alerts"),
        id: v.id,
        customer_id: v.customer_id,
        customer: format!("{} {}", d.customer_no, d.customer_name),
        day: day(t, v),
        figures: v.checks.iter().map(|c| super::check_text(t, c)).collect(),
        status: status(t, v),
        may_close: d.may_close,
        compliance_only: v.status == AlertStatus::Open
            && !d.may_close
            && v.criterion.is_some_and(|c| c.large_value()),
        opened: t.datetime(&s.app.tz, &v.created_at),
        due: t.date(&v.due_on),
        escalated: v.escalated_at.as_deref().map(|a| t.datetime(&s.app.tz, a)),
        closed,
        hits: d
            .transactions
            .iter()
            .map(|h| HitLine {
                at: t.datetime(&s.app.tz, &h.at),
                direction: t.of("direction", h.direction.as_str()),
                amount: t.money(h.amount_cny, "CNY"),
            })
            .collect(),
        dispositions: Disposition::ALL
            .iter()
            .filter(|d| d.fits(v.criterion))
            .map(|d| (d.as_str(), t.of("disposition", d.as_str())))
            .collect(),
        monitoring,
        error: None,
        saved: false,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Msg {
    #[serde(default)]
    msg: String,
}

pub(crate) async fn alert_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
    Query(m): Query<Msg>,
) -> Result<Response, PageError> {
    let d = uc::detail(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let mut p = alert_view(&s, &sess, t, d);
    p.saved = m.msg == "saved";
    Ok(page(p))
}

/// What a close form asks: a disposition that is not one of the codes is refused, not taken as none.
pub(crate) fn close_input(
    f: &std::collections::HashMap<String, String>,
) -> Result<uc::AlertClose, AppError> {
    let disposition = match f.get("disposition").map(|d| d.trim()) {
        None | Some("") => None,
        Some(d) => Some(Disposition::parse(d).ok_or_else(|| {
            AppError::field("disposition", "one_of", "is not one of the dispositions")
        })?),
    };
    Ok(uc::AlertClose {
        resolution: f.get("resolution").cloned().unwrap_or_default(),
        disposition,
    })
}

/// Closes an alert from its page; a refused close shows the page again with the reason.
pub(crate) async fn close(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match close_input(&f) {
        Ok(input) => uc::close(&s.app, &sess.actor, id, input).await,
        Err(e) => Err(e),
    };
    let e = match r {
        Ok(()) => return Ok(Redirect::to(&format!("/alerts/{id}?msg=saved")).into_response()),
        Err(e) => e,
    };
    let msg = match &e {
        AppError::Validation(errs) => crate::ui::forms::field_errors_text(t, errs),
        other => match crate::ui::labels::refusal_text(t, other) {
            Some(m) => m,
            None => return Err(PageError::App(e, t, Some(sess))),
        },
    };
    let d = uc::detail(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let mut p = alert_view(&s, &sess, t, d);
    p.error = Some(msg);
    Ok(page_status(p, true))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReportForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The large-value report of the days asked for, as a CSV file in the reader's words.
pub(crate) async fn large_value_csv(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(r): Query<ReportForm>,
) -> Result<Response, PageError> {
    let day = |field: &'static str, v: &str| {
        v.parse::<jiff::civil::Date>().map_err(|_| {
            let e = AppError::field(field, "date", "must be a date (2026-12-01)");
            PageError::App(e, t, Some(sess.clone()))
        })
    };
    let (from, to) = (day("from", &r.from)?, day("to", &r.to)?);
    let money = |fen: i64| t.money(fen, "CNY");
    let file = banyan_app::book::monitoring::large_value_file(
        &s.app,
        &sess.actor,
        from,
        to,
        &crate::ui::labels::ReaderWords(t),
        &money,
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let name = format!("attachment; filename=\"large-value-{from}-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        file,
    )
        .into_response())
}
