//! Audit search for auditors, and the audit rows of a customer.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::listing::SortHead;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page_status};
use crate::ui::paging::{pages, total_line_of, trail_len};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use banyan_app::AppError;
use banyan_app::customers::{self as uc};
use serde::Deserialize;
use uuid::Uuid;

/// One audit record as the audit pages show it.
pub(crate) struct AuditLine {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) detail: String,
}

pub(crate) fn audit_rows(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    page: banyan_app::audit::AuditPage,
) -> Vec<AuditLine> {
    page.items
        .into_iter()
        .map(|a| AuditLine {
            at: t.datetime(tz, &a.at),
            // A system actor (no staff ID) is named by what it does; staff by their username.
            actor: match a.actor_id.filter(|id| !id.is_nil()) {
                Some(_) => a.actor,
                None => crate::ui::labels::code_label(t, &["actor"], &a.actor),
            },
            action: crate::ui::labels::code_label(t, &["audit.action"], &a.action),
            detail: crate::ui::labels::detail_text(t, tz, &a.detail),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPageT {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) q: AuditForm,
    pub(crate) audit: Vec<AuditLine>,
    /// The time heading: a click turns the order (newest first, oldest first).
    pub(crate) audit_sort: Option<SortHead>,
    /// "共 1,234 条记录 · 第 1 页，共 13 页".
    pub(crate) total: Option<String>,
    pub(crate) prev: Option<String>,
    pub(crate) next: Option<String>,
    pub(crate) error: Option<String>,
}

/// The audit search form: a customer (number or id), a staff member (username), an action and a date range
/// in the bank's time zone.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct AuditForm {
    #[serde(default)]
    pub(crate) customer: String,
    #[serde(default)]
    pub(crate) staff: String,
    #[serde(default)]
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
    /// `oldest` for oldest first; anything else is newest first.
    #[serde(default)]
    pub(crate) order: String,
    pub(crate) cursor: Option<String>,
    /// The cursors of the pages before (for "previous").
    pub(crate) trail: Option<String>,
}

impl AuditForm {
    fn oldest(&self) -> bool {
        self.order == "oldest"
    }

    /// The search's query string in `order` (the cursor and trail aside).
    fn query(&self, oldest: bool) -> String {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("customer", &self.customer)
            .append_pair("staff", &self.staff)
            .append_pair("action", &self.action)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to);
        if oldest {
            u.append_pair("order", "oldest");
        }
        u.finish()
    }

    /// The time heading: sorted one way, linking to the other (from the first page).
    fn time_head(&self, t: Tr) -> SortHead {
        let oldest = self.oldest();
        SortHead {
            label: t.get("field.time").to_owned(),
            href: Some(format!("/audit?{}", self.query(!oldest))),
            aria_sort: if oldest { "ascending" } else { "descending" },
            arrow: if oldest { " ▲" } else { " ▼" },
        }
    }
}

/// The start of a civil date (`2026-11-01`) in the bank's time zone; `days` later for an end bound.
pub(crate) fn day_start(tz: &jiff::tz::TimeZone, d: &str, days: i64) -> Option<jiff::Timestamp> {
    let date: jiff::civil::Date = d.trim().parse().ok()?;
    let date = date.checked_add(jiff::Span::new().days(days)).ok()?;
    date.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
}

/// Audit records a page.
const PER_PAGE: u64 = 100;

pub(crate) async fn audit_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<AuditForm>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let mut errors = Vec::new();
    let mut bad = |field: &str, v: &str| errors.push(format!("{}: {v}", t.get(field)));
    let customer_id = match p.customer.trim() {
        "" => None,
        c => match c.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                match uc::id_by_number(&s.app, &sess.actor, c)
                    .await
                    .ok()
                    .flatten()
                {
                    Some(i) => Some(i),
                    None => {
                        bad("field.customer_no", c);
                        None
                    }
                }
            }
        },
    };
    let staff_id = match p.staff.trim() {
        "" => None,
        u => match banyan_app::access::actor_for(&s.app, u).await {
            Ok(a) => Some(a.id()),
            Err(AppError::NotFound) => {
                bad("audit.actor", u);
                None
            }
            Err(e) => return Err(err(e)),
        },
    };
    let mut date = |field: &str, v: &str, days: i64| match v.trim() {
        "" => None,
        d => {
            let r = day_start(&s.app.tz, d, days);
            if r.is_none() {
                bad(field, d);
            }
            r
        }
    };
    let from = date("audit.from", &p.from, 0);
    let to = date("audit.to", &p.to, 1);
    let (audit, total, prev, next) = if errors.is_empty() {
        let q = banyan_app::audit::AuditQuery {
            customer_id,
            staff_id: staff_id.map(Into::into),
            from,
            to,
            action: Some(p.action.trim().to_owned()).filter(|a| !a.is_empty()),
            cursor: p.cursor.clone(),
            limit: Some(PER_PAGE),
            order: if p.oldest() {
                banyan_app::audit::AuditOrder::Oldest
            } else {
                banyan_app::audit::AuditOrder::Newest
            },
        };
        let page = banyan_app::audit::search(&s.app, &sess.actor, q)
            .await
            .map_err(err)?;
        let (next, prev) = pages(
            "/audit",
            &p.query(p.oldest()),
            p.cursor.as_deref(),
            p.trail.as_deref(),
            page.next_cursor.as_deref(),
        );
        let total = total_line_of(
            t,
            ("audit.total", "audit.total_more"),
            page.total,
            page.total_more,
            trail_len(p.trail.as_deref()) + 1,
            PER_PAGE,
        );
        (audit_rows(t, &s.app.tz, page), Some(total), prev, next)
    } else {
        (Vec::new(), None, None, None)
    };
    let failed = !errors.is_empty();
    Ok(page_status(
        AuditPageT {
            title: t.get("home.audit").to_owned(),
            audit,
            audit_sort: Some(p.time_head(t)),
            total,
            prev,
            next,
            c: chrome(t, Some(&sess), "/audit"),
            q: p,
            error: (!errors.is_empty())
                .then(|| format!("{} {}", t.get("audit.not_found"), errors.join("; "))),
        },
        failed,
    ))
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
pub(crate) struct VerifyPageT {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) intact: bool,
    pub(crate) checked: i64,
    pub(crate) unsealed: i64,
    /// The last checkpoint outside the database: its position and time.
    pub(crate) checkpoint: Option<String>,
    /// The first broken record in words: its position (if it has one) and why.
    pub(crate) broken: Option<String>,
}

/// The chain verified for an auditor, in words: intact or where and why it breaks.
pub(crate) async fn verify_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let r = banyan_app::audit::verify(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let position = |seq: i64| t.get("audit.position").replace("{n}", &seq.to_string());
    let broken = r.first_broken.as_ref().map(|b| {
        let reason = t.of("audit.reason", &b.reason);
        match b.seq {
            Some(seq) => format!("{}: {reason}", position(seq)),
            None => reason,
        }
    });
    let checkpoint = r
        .checkpoint
        .as_ref()
        .map(|cp| format!("{} · {}", position(cp.seq), t.datetime(&s.app.tz, &cp.at)));
    Ok(page_status(
        VerifyPageT {
            title: t.get("audit.verify").to_owned(),
            intact: r.ok,
            checked: r.checked,
            unsealed: r.unsealed,
            checkpoint,
            broken,
            c: chrome(t, Some(&sess), "/audit"),
        },
        false,
    ))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/audit", axum::routing::get(audit_page))
        .route("/audit/verify", axum::routing::get(verify_page))
}
