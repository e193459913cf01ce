//! The review queue as a checker works it: how many wait, who submitted each and when, how long it has
//! waited, filters by kind, oldest or newest first, pages; several records verified at once (only those this
//! checker may verify are offered).

use crate::AppState;
use crate::ui::customers::search::{Row, rm_names, rows};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page};
use crate::ui::paging;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::customers::{self as uc, ReviewQuery};
use banyan_domain::customer::CustomerKind;
use serde::Deserialize;

/// A row of the queue: the customer's row and the review facts.
#[derive(Debug)]
pub(crate) struct QueueRow {
    pub(crate) row: Row,
    pub(crate) submitter: String,
    pub(crate) submitted: String,
    /// "3 天" / "5 小时".
    pub(crate) waited: String,
    pub(crate) may_verify: bool,
    /// A care customer served first (never why).
    pub(crate) priority: bool,
    /// The checkbox's accessible name: "选择 王芳".
    pub(crate) pick_label: String,
    /// The version shown, sent with the tick: a record changed since is refused, not verified unseen.
    pub(crate) version: i64,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    c: Chrome,
    title: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    newest: bool,
    total: String,
    items: Vec<QueueRow>,
    any_verifiable: bool,
    next: Option<String>,
    prev: Option<String>,
    /// What the last bulk verification did, in words.
    outcome: Option<String>,
    refused: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    order: String,
    cursor: Option<String>,
    trail: Option<String>,
    /// After a bulk verification: how many were verified and refused.
    verified: Option<usize>,
    refused: Option<usize>,
    /// The bulk button was pressed with nothing ticked.
    none: Option<u8>,
}

const PER_PAGE: u64 = 50;

/// How long a record has waited, in the largest whole unit: days, else hours, else minutes.
fn waited(t: Tr, since: i64, now_us: i64) -> String {
    let mins = (now_us - since).max(0) / 60_000_000;
    let (n, key) = if mins >= 24 * 60 {
        (mins / (24 * 60), "unit.days")
    } else if mins >= 60 {
        (mins / 60, "unit.hours")
    } else {
        (mins, "unit.minutes")
    };
    t.get(key).replace("{n}", &n.to_string())
}

pub(crate) async fn queue(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let kind = CustomerKind::parse(&p.kind);
    let newest = p.order == "newest";
    let q = uc::review_queue(
        &s.app,
        &sess.actor,
        ReviewQuery {
            kind,
            newest_first: newest,
            cursor: p.cursor.clone(),
            limit: Some(PER_PAGE),
        },
    )
    .await
    .map_err(err)?;
    let rms = rm_names(&s, &sess).await;
    let now = jiff::Timestamp::now().as_microsecond();
    let tz = s.app.tz.clone();
    let mut items = Vec::with_capacity(q.items.len());
    for i in q.items {
        let version = i.customer.version;
        let facts = (
            i.submitter,
            t.datetime(&tz, &i.submitted_at),
            waited(t, i.submitted_at_us, now),
            i.may_verify,
            i.priority,
        );
        let row = rows(t, vec![i.customer], &rms).pop();
        if let Some(row) = row {
            items.push(QueueRow {
                pick_label: t
                    .get("review.pick_one")
                    .replace("{name}", &row.display_name),
                row,
                submitter: facts.0,
                submitted: facts.1,
                waited: facts.2,
                may_verify: facts.3,
                priority: facts.4,
                version,
            });
        }
    }
    let base = {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("kind", &p.kind)
            .append_pair("order", &p.order);
        u.finish()
    };
    let (next, prev) = paging::pages(
        "/review",
        &base,
        p.cursor.as_deref(),
        p.trail.as_deref(),
        q.next_cursor.as_deref(),
    );
    let page_no = paging::trail_len(p.trail.as_deref()) + 1;
    let total = paging::total_line(t, q.total, false, page_no, PER_PAGE);
    let outcome = match p.none {
        Some(_) => Some(t.get("review.none_picked").to_owned()),
        None => p
            .verified
            .map(|n| t.get("review.verified_n").replace("{n}", &n.to_string())),
    };
    let refused = p
        .refused
        .filter(|n| *n > 0)
        .map(|n| t.get("review.refused_n").replace("{n}", &n.to_string()));
    Ok(page(ReviewPage {
        title: t.get("nav.review").to_owned(),
        c: chrome(t, Some(&sess), "/review"),
        kinds: CustomerKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    crate::ui::forms::kind_key(*k),
                    k.as_str() == p.kind,
                )
            })
            .collect(),
        newest,
        total,
        any_verifiable: items.iter().any(|i| i.may_verify),
        items,
        next,
        prev,
        outcome,
        refused,
    }))
}

/// Verifies the ticked records (`pick.<id>` = the version shown), each on its own; says how many were
/// verified and refused.
pub(crate) async fn verify_many(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let picks: Vec<uc::Pick> = f
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("pick.")?.parse().ok()?;
            Some(uc::Pick {
                id,
                version: v.parse().ok(),
            })
        })
        .collect();
    if picks.is_empty() {
        return Ok(Redirect::to("/review?none=1").into_response());
    }
    let out = uc::verify_many(&s.app, &sess.actor, &picks)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(Redirect::to(&format!(
        "/review?verified={}&refused={}",
        out.verified.len(),
        out.refused.len()
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn the_wait_reads_in_the_largest_whole_unit() {
        let t = Tr::new(Lang::ZhCn);
        let h = 3_600_000_000i64;
        assert_eq!(waited(t, 0, 50 * h), "2 天");
        assert_eq!(waited(t, 0, 5 * h + 1), "5 小时");
        assert_eq!(waited(t, 0, 60_000_000 * 7), "7 分钟");
    }
}
