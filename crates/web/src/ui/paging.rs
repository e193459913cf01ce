//! Previous and next pages over keyset cursors, and the line that says how many there are. A cursor only
//! leads forward, so a page's link carries the trail of the cursors before it (`~` for the first page);
//! "previous" goes back along it.

use crate::ui::i18n::Tr;
use crate::ui::labels::thousands;

/// The first page in a trail.
const FIRST: &str = "~";

/// The previous pages' cursors, oldest first (`None` for the first page).
pub(crate) fn trail(t: Option<&str>) -> Vec<Option<String>> {
    t.filter(|t| !t.is_empty())
        .map(|t| {
            t.split(',')
                .map(|c| Some(c.to_owned()).filter(|c| c != FIRST))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn trail_len(t: Option<&str>) -> usize {
    trail(t).len()
}

/// Links to the next page (after `next`) and to the previous one: `path?query&cursor=..&trail=..`.
pub(crate) fn pages(
    path: &str,
    query: &str,
    cursor: Option<&str>,
    trail_text: Option<&str>,
    next: Option<&str>,
) -> (Option<String>, Option<String>) {
    let mut back = trail(trail_text);
    let link = |cursor: Option<&str>, t: &[Option<String>]| {
        let mut u = form_urlencoded::Serializer::new(query.to_owned());
        if let Some(c) = cursor {
            u.append_pair("cursor", c);
        }
        if !t.is_empty() {
            let joined: Vec<&str> = t.iter().map(|c| c.as_deref().unwrap_or(FIRST)).collect();
            u.append_pair("trail", &joined.join(","));
        }
        format!("{path}?{}", u.finish())
    };
    let next = next.map(|n| {
        let mut t = back.clone();
        t.push(cursor.map(str::to_owned));
        link(Some(n), &t)
    });
    let prev = back.pop().map(|c| link(c.as_deref(), &back));
    (next, prev)
}

/// "共 1,234 位客户 · 第 2 页，共 25 页"; past a cap, "超过 10,000 位客户… · 第 1 页".
pub(crate) fn total_line(t: Tr, count: u64, more: bool, page_no: usize, per_page: u64) -> String {
    total_line_of(
        t,
        ("search.total", "search.total_more"),
        count,
        more,
        page_no,
        per_page,
    )
}

/// [`total_line`] for a list of other things: `(total, more)` are the keys of "共 {n} 件" and of
/// "超过 {n} 件…".
pub(crate) fn total_line_of(
    t: Tr,
    (total_key, more_key): (&str, &str),
    count: u64,
    more: bool,
    page_no: usize,
    per_page: u64,
) -> String {
    let n = thousands(count);
    if more {
        let more = t.get(more_key).replace("{n}", &n);
        let page = t
            .get("search.page_open")
            .replace("{k}", &page_no.to_string());
        return format!("{more} · {page}");
    }
    let pages = count.div_ceil(per_page).max(1);
    let line = t.get(total_key).replace("{n}", &n);
    let page = t
        .get("search.page")
        .replace("{k}", &page_no.to_string())
        .replace("{p}", &pages.to_string());
    format!("{line} · {page}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn previous_pages_go_back_through_the_trail_of_cursors() {
        let (next, prev) = pages("/customers", "q=%E7%8E%8B", None, None, Some("c1"));
        assert_eq!(prev, None);
        assert_eq!(next.unwrap(), "/customers?q=%E7%8E%8B&cursor=c1&trail=%7E");
        let (next, prev) = pages("/customers", "q=x", Some("c1"), Some("~"), Some("c2"));
        assert_eq!(next.unwrap(), "/customers?q=x&cursor=c2&trail=%7E%2Cc1");
        assert_eq!(prev.unwrap(), "/customers?q=x");
        let (next, prev) = pages("/customers", "q=x", Some("c2"), Some("~,c1"), None);
        assert_eq!(next, None);
        assert_eq!(prev.unwrap(), "/customers?q=x&cursor=c1&trail=%7E");
        assert_eq!(trail_len(Some("~,c1")) + 1, 3);
    }

    #[test]
    fn totals_say_how_many_and_which_page() {
        let t = Tr::new(Lang::ZhCn);
        assert_eq!(
            total_line(t, 1234, false, 2, 50),
            "共 1,234 位客户 · 第 2 页，共 25 页"
        );
        assert_eq!(
            total_line(t, 10_000, true, 1, 50),
            "超过 10,000 位客户，请加条件缩小范围 · 第 1 页"
        );
        assert_eq!(
            total_line(t, 0, false, 1, 50),
            "共 0 位客户 · 第 1 页，共 1 页"
        );
    }
}
