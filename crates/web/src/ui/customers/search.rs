//! Customer search: filters, sortable columns, keyset paging; the four-eyes review queue.

use crate::AppState;
use crate::ui::forms::{Choice, SEGMENT_FILTERS, kind_key, segment_choices, status_key};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page};
use crate::ui::paging;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc, ListQuery};
use banyan_app::view::CustomerSummary;
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A row of a customer table.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) customer_no: String,
    pub(crate) display_name: String,
    pub(crate) kind_key: &'static str,
    pub(crate) status: &'static str,
    pub(crate) status_key: &'static str,
    pub(crate) branch_code: String,
    pub(crate) identifier: String,
    pub(crate) mobile: String,
    pub(crate) review_due: String,
    /// The relationship manager's name.
    pub(crate) rm: String,
}

/// A column heading of a customer table; sortable ones link to the same search in their order.
#[derive(Debug)]
pub(crate) struct Heading {
    pub(crate) label_key: &'static str,
    pub(crate) href: Option<String>,
    /// `aria-sort`: ascending, descending or none.
    pub(crate) aria_sort: &'static str,
    pub(crate) arrow: &'static str,
}

/// The table's headings; with a search, the sortable ones link to it sorted by that column (a second click
/// reverses the order).
pub(crate) fn headings(search: Option<&SearchQuery>) -> Vec<Heading> {
    [
        ("field.customer_no", Some("customer_no")),
        ("field.name", Some("name")),
        ("field.kind", None),
        ("field.status", None),
        ("field.branch", None),
        ("field.rm", None),
        ("field.identifier", None),
        ("field.mobile", None),
        ("field.review_due", Some("review_due")),
    ]
    .into_iter()
    .map(|(label_key, key)| {
        let (Some(key), Some(q)) = (key, search) else {
            return Heading {
                label_key,
                href: None,
                aria_sort: "none",
                arrow: "",
            };
        };
        let desc_key = format!("-{key}");
        let (aria_sort, arrow, next) = if q.sort == key {
            ("ascending", " ▲", desc_key.as_str())
        } else if q.sort == desc_key {
            ("descending", " ▼", key)
        } else {
            ("none", "", key)
        };
        let sorted = SearchQuery {
            sort: next.to_owned(),
            ..q.clone()
        };
        Heading {
            label_key,
            href: Some(format!("/customers?{}", sorted.link(None))),
            aria_sort,
            arrow,
        }
    })
    .collect()
}

/// Names of the relationship managers this actor can see, by id.
pub(crate) async fn rm_names(s: &AppState, sess: &Session) -> HashMap<Uuid, String> {
    banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map(|l| l.into_iter().map(|r| (r.id, r.display_name)).collect())
        .unwrap_or_default()
}

pub(crate) fn rows(t: Tr, items: Vec<CustomerSummary>, rms: &HashMap<Uuid, String>) -> Vec<Row> {
    items
        .into_iter()
        .map(|i| Row {
            rm: i
                .rm_id
                .and_then(|r| rms.get(&r).cloned())
                .unwrap_or_default(),
            id: i.id,
            customer_no: i.customer_no,
            display_name: i.display_name,
            kind_key: kind_key(i.kind),
            status: i.status.as_str(),
            status_key: status_key(i.status),
            branch_code: i.branch_code,
            identifier: i.identifier,
            mobile: i.mobile.unwrap_or_default(),
            review_due: i.review_due.map(|d| t.date(&d)).unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "customers.html")]
pub(crate) struct SearchPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) q: String,
    pub(crate) branch_code: String,
    pub(crate) overdue: bool,
    pub(crate) kinds: Vec<(&'static str, &'static str, bool)>,
    pub(crate) statuses: Vec<(&'static str, &'static str, bool)>,
    /// Relationship managers for the filter: (id, name, selected).
    pub(crate) rms: Vec<(String, String, bool)>,
    pub(crate) headings: Vec<Heading>,
    pub(crate) sort: String,
    /// Segment filters: (dimension, label, options).
    pub(crate) seg_filters: Vec<(&'static str, String, Vec<Choice>)>,
    pub(crate) items: Vec<Row>,
    pub(crate) next: Option<String>,
    pub(crate) prev: Option<String>,
    /// The size of the listing and the page: "共 120 位客户 · 第 1 页，共 3 页".
    pub(crate) total: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) can_export: bool,
    pub(crate) export_query: String,
    /// The searcher's saved searches, and whether this search has a filter worth saving.
    pub(crate) saved: Vec<banyan_app::customers::SavedSearch>,
    pub(crate) savable: bool,
    /// What became of saving this search.
    pub(crate) save_note: Option<(bool, String)>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
    /// Relationship manager id.
    #[serde(default)]
    pub(crate) rm: String,
    /// A sort name (`name`, `-review_due`, ...).
    #[serde(default)]
    pub(crate) sort: String,
    /// Segment filters: dimension -> value (`wealth_tier=platinum`).
    #[serde(flatten)]
    pub(crate) segments: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) branch_code: String,
    pub(crate) review: Option<String>,
    pub(crate) cursor: Option<String>,
    /// The cursors of the pages before this one, oldest first, comma-separated (`~` for the first page):
    /// what "previous page" goes back through, since a cursor only leads forward.
    pub(crate) trail: Option<String>,
    /// Export only: `csv` or `xlsx`.
    #[serde(default)]
    pub(crate) format: String,
    /// After saving this search: `ok`, or `invalid` (no name, too long, too many saved).
    pub(crate) saved: Option<String>,
}

impl SearchQuery {
    /// The use-case query this search form describes.
    pub(crate) fn list_query(&self) -> ListQuery {
        ListQuery {
            q: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            kind: CustomerKind::parse(&self.kind),
            status: CustomerStatus::parse(&self.status),
            branch_code: Some(self.branch_code.trim().to_uppercase()).filter(|b| !b.is_empty()),
            review_overdue: self.review.as_deref() == Some("overdue"),
            rm_id: self.rm.parse().ok(),
            segments: self
                .segments
                .iter()
                .filter(|(k, v)| SEGMENT_FILTERS.contains(&k.as_str()) && !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            sort: uc::parse_sort(&self.sort),
            cursor: self.cursor.clone(),
            ..Default::default()
        }
    }

    /// The filters as a query string (for the next-page and export links), with an optional cursor.
    fn link(&self, cursor: Option<&str>) -> String {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("q", &self.q)
            .append_pair("kind", &self.kind)
            .append_pair("status", &self.status)
            .append_pair("branch_code", &self.branch_code)
            .append_pair("rm", &self.rm)
            .append_pair("sort", &self.sort);
        for (k, v) in &self.segments {
            if SEGMENT_FILTERS.contains(&k.as_str()) && !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        if self.review.is_some() {
            u.append_pair("review", "overdue");
        }
        if let Some(c) = cursor {
            u.append_pair("cursor", c);
        }
        u.finish()
    }
}

const PER_PAGE: u64 = 50;

pub(crate) async fn search(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let query = ListQuery {
        limit: Some(PER_PAGE),
        ..p.list_query()
    };
    let rm_list = banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rms: HashMap<Uuid, String> = rm_list
        .iter()
        .map(|r| (r.id, r.display_name.clone()))
        .collect();
    let saved = uc::saved_searches(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let savable = form_urlencoded::parse(p.link(None).as_bytes()).any(|(_, v)| !v.is_empty());
    let counted = uc::count(&s.app, &sess.actor, &query).await;
    let listed = uc::list(&s.app, &sess.actor, query).await;
    let (items, next, prev, total, error) = match (listed, counted) {
        (Ok(page), Ok(total)) => {
            let (next, prev) = paging::pages(
                "/customers",
                &p.link(None),
                p.cursor.as_deref(),
                p.trail.as_deref(),
                page.next_cursor.as_deref(),
            );
            let page_no = paging::trail_len(p.trail.as_deref()) + 1;
            let line = paging::total_line(t, total.count, total.more, page_no, PER_PAGE);
            (rows(t, page.items, &rms), next, prev, Some(line), None)
        }
        (Err(AppError::Validation(f)), _) | (_, Err(AppError::Validation(f))) => (
            Vec::new(),
            None,
            None,
            None,
            Some(crate::ui::forms::field_errors_text(t, &f)),
        ),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::App(e, t, Some(sess))),
    };
    Ok(page(SearchPage {
        title: t.get("search.title").to_owned(),
        c: chrome(t, Some(&sess), "/customers"),
        overdue: p.review.is_some(),
        kinds: CustomerKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k), k.as_str() == p.kind))
            .collect(),
        statuses: CustomerStatus::ALL
            .iter()
            .map(|k| (k.as_str(), status_key(*k), k.as_str() == p.status))
            .collect(),
        rms: rm_list
            .into_iter()
            .map(|r| {
                let id = r.id.to_string();
                let sel = id == p.rm;
                (id, format!("{} ({})", r.display_name, r.username), sel)
            })
            .collect(),
        headings: headings(Some(&p)),
        sort: p.sort.clone(),
        seg_filters: segment_choices(&s.app, t, &p.segments),
        can_export: sess.actor.offers().export,
        export_query: p.link(None),
        saved,
        savable,
        save_note: match p.saved.as_deref() {
            Some("ok") => Some((true, t.get("saved.done").to_owned())),
            Some(_) => Some((false, t.get("saved.invalid").to_owned())),
            None => None,
        },
        q: p.q,
        branch_code: p.branch_code,
        items,
        next,
        prev,
        total,
        error,
    }))
}

/// The type-ahead list under the header's search box: a few matches, masked, and a link to all of them.
#[derive(Template)]
#[template(path = "suggest.html")]
struct Suggestions {
    t: Tr,
    /// The full search page for the same query.
    all_href: String,
    /// A form's picker (choosing fills a field) rather than the header's search (choosing opens).
    pick: bool,
    /// The options' id prefix.
    prefix: &'static str,
    items: Vec<Row>,
    total: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SuggestQuery {
    #[serde(default)]
    q: String,
    /// Set by a form's picker.
    pick: Option<String>,
}

/// How many matches the type-ahead shows.
const SUGGESTED: u64 = 8;

pub(crate) async fn suggest(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<SuggestQuery>,
) -> Result<Response, PageError> {
    let query = ListQuery {
        q: Some(p.q.clone()).filter(|q| !q.trim().is_empty()),
        limit: Some(SUGGESTED),
        ..Default::default()
    };
    let (items, total) = if query.q.is_none() {
        (Vec::new(), None)
    } else {
        let counted = uc::count(&s.app, &sess.actor, &query).await;
        match (uc::list(&s.app, &sess.actor, query).await, counted) {
            (Ok(page), Ok(total)) => {
                let n = crate::ui::labels::thousands(total.count);
                let key = if total.more {
                    "search.total_more"
                } else {
                    "search.total"
                };
                (
                    rows(t, page.items, &HashMap::new()),
                    Some(t.get(key).replace("{n}", &n)),
                )
            }
            // A query the search refuses (too long) simply finds nothing here; the full page says why.
            (Err(AppError::Validation(_)), _) | (_, Err(AppError::Validation(_))) => {
                (Vec::new(), None)
            }
            (Err(e), _) | (_, Err(e)) => return Err(PageError::App(e, t, Some(sess))),
        }
    };
    let all_href = format!(
        "/customers?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &p.q)
            .finish()
    );
    let pick = p.pick.is_some();
    let mut r = page(Suggestions {
        t,
        all_href,
        pick,
        prefix: if pick { "pick" } else { "quick" },
        items,
        total,
    });
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// Saves the search on the page under the name typed (from the search page's "保存此查询").
pub(crate) async fn save_search(
    State(s): State<AppState>,
    crate::ui::page::SignedForm { sess, t, f }: crate::ui::page::SignedForm,
) -> Result<Response, PageError> {
    let query = f.get("query").cloned().unwrap_or_default();
    let input = uc::SaveSearch {
        name: f.get("name").cloned().unwrap_or_default(),
        query: query.clone(),
    };
    // Back to the search, saying whether it was saved (the page says why not in the user's words).
    let outcome = match uc::save_search(&s.app, &sess.actor, input).await {
        Ok(_) => "ok",
        Err(AppError::Validation(_)) => "invalid",
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    Ok(
        axum::response::Redirect::to(&format!("/customers?{query}&saved={outcome}"))
            .into_response(),
    )
}

/// Deletes one of the searcher's saved searches, after they agreed.
pub(crate) async fn delete_search(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    crate::ui::page::SignedForm { sess, t, .. }: crate::ui::page::SignedForm,
) -> Result<Response, PageError> {
    uc::delete_saved_search(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess)))?;
    Ok(axum::response::Redirect::to("/customers").into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ui::i18n::Lang;

    fn row(name: &str) -> Row {
        Row {
            id: Uuid::nil(),
            customer_no: "P-BR0001-00000001".into(),
            display_name: name.to_owned(),
            kind_key: "kind.individual",
            status: "draft",
            status_key: "status.draft",
            branch_code: "BR0001".into(),
            identifier: "110105********002X".into(),
            mobile: String::new(),
            review_due: String::new(),
            rm: String::new(),
        }
    }

    fn search_page(names: &[&str], q: &str) -> String {
        SearchPage {
            title: "t".into(),
            c: chrome(Tr::new(Lang::En), None, "/customers"),
            q: q.into(),
            branch_code: String::new(),
            overdue: false,
            kinds: vec![],
            statuses: vec![],
            rms: vec![],
            headings: headings(None),
            sort: String::new(),
            seg_filters: vec![],
            items: names.iter().map(|n| row(n)).collect(),
            next: None,
            prev: None,
            total: None,
            error: None,
            can_export: false,
            export_query: String::new(),
            saved: Vec::new(),
            savable: false,
            save_note: None,
        }
        .render()
        .unwrap()
    }

    #[test]
    fn a_customer_named_script_renders_as_text() {
        let html = search_page(
            &["<script>alert(1)</script>"],
            "\"><img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script>alert(1)</script>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<img src=x"), "{html}");
    }

    #[test]
    fn pages_are_in_the_chosen_language() {
        assert!(search_page(&[], "").contains("Customer search"));
        let cn = SearchPage {
            title: "t".into(),
            c: chrome(Tr::new(Lang::ZhCn), None, "/customers"),
            q: String::new(),
            branch_code: String::new(),
            overdue: false,
            kinds: vec![],
            statuses: vec![],
            rms: vec![],
            headings: headings(None),
            sort: String::new(),
            seg_filters: vec![],
            items: vec![],
            next: None,
            prev: None,
            total: None,
            error: None,
            can_export: false,
            export_query: String::new(),
            saved: Vec::new(),
            savable: false,
            save_note: None,
        }
        .render()
        .unwrap();
        assert!(cn.contains("客户查询") && cn.contains("lang=\"zh-CN\""));
    }
}
