//! A list held whole in memory — staff, campaigns, imports: sorted by the column a person picks (a second
//! click on it reverses the order), cut into pages, with the total line and the links to the pages around.
//! The headings and navigation look and read like the customer search's (`list_heads.html`,
//! `list_nav.html`); these lists are short enough to sort here rather than in the database.

use crate::ui::i18n::Tr;
use crate::ui::paging::total_line_of;
use serde::Deserialize;
use std::cmp::Ordering;

/// How the user asked to see a list: `?sort=name` (or `-name` for descending) and `?page=2`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ListParams {
    #[serde(default)]
    pub(crate) sort: String,
    #[serde(default)]
    pub(crate) page: Option<usize>,
}

/// How two rows of a list compare in a column.
pub(crate) type Order<T> = fn(&T, &T) -> Ordering;

/// A column of a list: its heading, and the key and order it sorts by (none: not sortable).
pub(crate) struct Column<T> {
    pub(crate) label_key: &'static str,
    pub(crate) sort: Option<(&'static str, Order<T>)>,
}

impl<T> Column<T> {
    pub(crate) fn plain(label_key: &'static str) -> Self {
        Column {
            label_key,
            sort: None,
        }
    }

    pub(crate) fn sorted(label_key: &'static str, key: &'static str, by: Order<T>) -> Self {
        Column {
            label_key,
            sort: Some((key, by)),
        }
    }
}

/// A heading: its words, the link that sorts by it (or reverses), and what screen readers are told.
pub(crate) struct SortHead {
    pub(crate) label: String,
    pub(crate) href: Option<String>,
    /// `aria-sort`: ascending, descending or none.
    pub(crate) aria_sort: &'static str,
    pub(crate) arrow: &'static str,
}

/// One page of a sorted list, its headings, "共 N … · 第 k 页，共 p 页" and the links around it.
pub(crate) struct Listing<T> {
    pub(crate) rows: Vec<T>,
    pub(crate) heads: Vec<SortHead>,
    pub(crate) total: String,
    pub(crate) prev: Option<String>,
    pub(crate) next: Option<String>,
}

/// What a list is called and how it starts: its page's path, the words of its total ("共 {n} 名员工"),
/// the sort it opens with, and its page size.
pub(crate) struct ListSpec {
    pub(crate) path: &'static str,
    pub(crate) total_key: &'static str,
    pub(crate) default_sort: &'static str,
    pub(crate) per_page: usize,
}

/// Sorts `rows` as asked (an unknown sort falls back to the list's own) and cuts out the page asked for
/// (a page past the end shows the last).
pub(crate) fn listing<T>(
    t: Tr,
    spec: &ListSpec,
    p: &ListParams,
    rows: Vec<T>,
    cols: &[Column<T>],
) -> Listing<T> {
    listing_keeping(t, spec, p, rows, cols, &[])
}

/// [`listing`] of a filtered list: the links to other pages and orders keep the filters (`keep`).
pub(crate) fn listing_keeping<T>(
    t: Tr,
    spec: &ListSpec,
    p: &ListParams,
    mut rows: Vec<T>,
    cols: &[Column<T>],
    keep: &[(&str, String)],
) -> Listing<T> {
    let find = |s: &str| {
        let key = s.trim_start_matches('-');
        cols.iter()
            .filter_map(|c| c.sort)
            .find(|(k, _)| *k == key)
            .map(|(k, by)| (k, by, s.starts_with('-')))
    };
    let chosen = find(&p.sort).or_else(|| find(spec.default_sort));
    if let Some((_, by, desc)) = chosen {
        rows.sort_by(|a, b| if desc { by(b, a) } else { by(a, b) });
    }
    let current = chosen.map(|(k, _, desc)| if desc { format!("-{k}") } else { k.to_owned() });
    let per_page = spec.per_page.max(1);
    let total = rows.len();
    let pages = total.div_ceil(per_page).max(1);
    let page = p.page.unwrap_or(1).clamp(1, pages);
    let link = |sort: &str, page: usize| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        for (k, v) in keep.iter().filter(|(_, v)| !v.is_empty()) {
            u.append_pair(k, v);
        }
        u.append_pair("sort", sort);
        if page > 1 {
            u.append_pair("page", &page.to_string());
        }
        format!("{}?{}", spec.path, u.finish())
    };
    let heads = cols
        .iter()
        .map(|c| {
            let label = t.get(c.label_key).to_owned();
            let Some((key, _)) = c.sort else {
                return SortHead {
                    label,
                    href: None,
                    aria_sort: "none",
                    arrow: "",
                };
            };
            let desc = format!("-{key}");
            let (aria_sort, arrow, next) = match current.as_deref() {
                Some(k) if k == key => ("ascending", " ▲", desc.as_str()),
                Some(k) if k == desc => ("descending", " ▼", key),
                _ => ("none", "", key),
            };
            SortHead {
                label,
                href: Some(link(next, 1)),
                aria_sort,
                arrow,
            }
        })
        .collect();
    let sort = current.unwrap_or_default();
    let rows: Vec<T> = rows
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    Listing {
        rows,
        heads,
        total: total_line_of(
            t,
            (spec.total_key, spec.total_key),
            total as u64,
            false,
            page,
            per_page as u64,
        ),
        prev: (page > 1).then(|| link(&sort, page - 1)),
        next: (page < pages).then(|| link(&sort, page + 1)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ui::i18n::Lang;

    fn cols() -> Vec<Column<(&'static str, u32)>> {
        vec![
            Column::sorted("field.name", "name", |a, b| a.0.cmp(b.0)),
            Column::sorted("field.time", "n", |a, b| a.1.cmp(&b.1)),
            Column::plain("field.status"),
        ]
    }

    const SPEC: ListSpec = ListSpec {
        path: "/admin/staff",
        total_key: "staff.count",
        default_sort: "name",
        per_page: 2,
    };

    #[test]
    fn a_list_sorts_by_the_column_asked_and_pages_with_its_total() {
        let t = Tr::new(Lang::ZhCn);
        let rows = vec![("c", 1), ("a", 3), ("b", 2)];
        let l = listing(t, &SPEC, &ListParams::default(), rows.clone(), &cols());
        assert_eq!(l.rows, vec![("a", 3), ("b", 2)]);
        assert_eq!(l.heads[0].aria_sort, "ascending");
        assert_eq!(l.heads[0].href.as_deref(), Some("/admin/staff?sort=-name"));
        assert_eq!(l.heads[1].href.as_deref(), Some("/admin/staff?sort=n"));
        assert!(l.heads[2].href.is_none(), "not sortable");
        assert_eq!(l.total, "共 3 名员工 · 第 1 页，共 2 页");
        assert_eq!(l.prev, None);
        assert_eq!(l.next.as_deref(), Some("/admin/staff?sort=name&page=2"));
        let p = ListParams {
            sort: "-n".into(),
            page: Some(2),
        };
        let l = listing(t, &SPEC, &p, rows.clone(), &cols());
        assert_eq!(l.rows, vec![("c", 1)]);
        assert_eq!(l.heads[1].aria_sort, "descending");
        assert_eq!(l.prev.as_deref(), Some("/admin/staff?sort=-n"));
        // Nonsense is the list's own order, and a page past the end is the last.
        let p = ListParams {
            sort: "password".into(),
            page: Some(99),
        };
        let l = listing(t, &SPEC, &p, rows, &cols());
        assert_eq!(l.rows, vec![("c", 1)]);
        assert_eq!(l.heads[0].aria_sort, "ascending");
    }
}
