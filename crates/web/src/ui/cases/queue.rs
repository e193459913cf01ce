//! The queue of feedback cases: filters, the drill-down from the dashboard, count, pages and order.

use super::*;
use crate::ui::paging;

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cases.html")]
struct QueuePage {
    c: Chrome,
    title: String,
    rows: Vec<CaseLine>,
    status: String,
    kind: String,
    mine: bool,
    escalated: bool,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    next: Option<String>,
    prev: Option<String>,
    /// "共 52 件 · 第 1 页，共 2 页".
    total: String,
    /// The sortable headings: (label, link, current sort's direction mark).
    sort_received: (String, String),
    sort_due: (String, String),
    /// The sort in force, kept when the filters change.
    sort: String,
    can_write: bool,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct QueueForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    escalated: String,
    #[serde(default)]
    cursor: String,
    /// Drill-down from the dashboard: the period and one dimension.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    branch_code: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    breached: String,
    /// `urgent` (default), `oldest` or `due`.
    #[serde(default)]
    sort: String,
    trail: Option<String>,
}

const PER_PAGE: u64 = 50;

pub(super) async fn queue(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<QueueForm>,
) -> Result<Response, PageError> {
    let q = CaseQuery {
        status: blank(&p.status),
        kind: blank(&p.kind),
        mine: Some(!p.mine.is_empty()),
        min_level: (!p.escalated.is_empty()).then_some(1),
        cursor: blank(&p.cursor),
        limit: Some(PER_PAGE),
        from: blank(&p.from),
        to: blank(&p.to),
        channel: blank(&p.channel),
        product: blank(&p.product),
        cause: blank(&p.cause),
        branch_code: blank(&p.branch_code),
        segment: blank(&p.segment),
        department: blank(&p.department),
        breached: Some(!p.breached.is_empty()),
        sort: blank(&p.sort),
        ..Default::default()
    };
    let (rows, next, total, error) = match uc::list(&s.app, &sess.actor, q).await {
        Ok(page) => (
            page.items.iter().map(|c| line(t, &s, c)).collect(),
            page.next_cursor,
            Some(page.total),
            None,
        ),
        Err(AppError::Validation(e)) => (Vec::new(), None, None, Some(field_errors_text(t, &e))),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    // The filters as a query, with or without the sort (the headings set their own).
    let query = |sort: Option<&str>| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &p.status),
            ("kind", &p.kind),
            ("mine", &p.mine),
            ("escalated", &p.escalated),
            ("from", &p.from),
            ("to", &p.to),
            ("channel", &p.channel),
            ("product", &p.product),
            ("cause", &p.cause),
            ("branch_code", &p.branch_code),
            ("segment", &p.segment),
            ("department", &p.department),
            ("breached", &p.breached),
        ] {
            if !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        if let Some(s) = sort.filter(|s| !s.is_empty()) {
            u.append_pair("sort", s);
        }
        u.finish()
    };
    let (next, prev) = paging::pages(
        "/cases",
        &query(Some(&p.sort)),
        blank(&p.cursor).as_deref(),
        p.trail.as_deref(),
        next.as_deref(),
    );
    let page_no = paging::trail_len(p.trail.as_deref()) + 1;
    let total = total
        .map(|n| {
            paging::total_line_of(
                t,
                ("case.count", "case.count_more"),
                n.count,
                n.more,
                page_no,
                PER_PAGE,
            )
        })
        .unwrap_or_default();
    // 受理时间: newest first (with open critical cases on top) or oldest first; 内部时限到期: soonest first.
    let heading = |key: &str, sort: &str, mark: Option<&str>| {
        let label = match mark {
            Some(m) => format!("{} {m}", t.get(key)),
            None => t.get(key).to_owned(),
        };
        (label, format!("/cases?{}", query(Some(sort))))
    };
    let sort_received = match p.sort.as_str() {
        "oldest" => heading("case.received", "urgent", Some("↑")),
        "due" => heading("case.received", "urgent", None),
        _ => heading("case.received", "oldest", Some("↓")),
    };
    let sort_due = match p.sort.as_str() {
        "due" => heading("case.sla_due", "urgent", Some("↑")),
        _ => heading("case.sla_due", "due", None),
    };
    Ok(page(QueuePage {
        title: t.get("case.queue").to_owned(),
        c: chrome(t, Some(&sess), "/cases"),
        rows,
        kinds: fb::KINDS.iter().map(|k| (*k, t.of("fb.kind", k))).collect(),
        statuses: ["open", "resolved", "closed", "merged"]
            .iter()
            .map(|k| (*k, t.of("case.status", k)))
            .collect(),
        status: p.status,
        kind: p.kind,
        mine: !p.mine.is_empty(),
        escalated: !p.escalated.is_empty(),
        next,
        prev,
        total,
        sort_received,
        sort_due,
        sort: p.sort.clone(),
        can_write: sess.actor.offers().case_write,
        error,
    }))
}
