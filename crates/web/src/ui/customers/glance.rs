//! The customer at a glance: the facts a relationship manager looks for first, in one band at the top of
//! the 360 page, each linking to where its detail is on the page.

use crate::ui::i18n::Tr;
use crate::ui::segments::Segs;

/// One fact: its label, its value, where its detail is, and whether it asks for attention.
#[derive(Debug)]
pub(crate) struct Glance {
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) href: Option<&'static str>,
    pub(crate) warn: bool,
}

/// What the band is made of (borrowed from the page being built).
pub(crate) struct Facts<'a> {
    pub(crate) rm_name: &'a str,
    pub(crate) review_due: &'a str,
    pub(crate) review_overdue: bool,
    pub(crate) segs: &'a Segs,
    /// The earliest open task in words, and whether it is overdue.
    pub(crate) next_task: Option<(String, bool)>,
    /// How many of the customer's cases are still being worked.
    pub(crate) open_cases: usize,
    /// The channels the customer agreed to be contacted on, in words.
    pub(crate) granted: Vec<&'a str>,
}

pub(crate) fn glance(t: Tr, f: Facts<'_>) -> Vec<Glance> {
    let none = || t.get("glance.none").to_owned();
    let fact = |key: &str, value: String, href, warn| Glance {
        label: t.get(key).to_owned(),
        value,
        href,
        warn,
    };
    let mut out = vec![fact(
        "field.rm",
        Some(f.rm_name.to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(none),
        None,
        f.rm_name.is_empty(),
    )];
    // Tier, risk rating, lifecycle...: the segments the policy put the customer in, as they are named.
    out.extend(f.segs.rows.iter().map(|r| Glance {
        label: r.dimension.clone(),
        value: r.value.clone(),
        href: Some("#segments"),
        warn: false,
    }));
    out.push(fact(
        "field.review_due",
        Some(f.review_due.to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(none),
        None,
        f.review_overdue,
    ));
    let overdue = f.next_task.as_ref().is_some_and(|n| n.1);
    out.push(fact(
        "glance.next_task",
        f.next_task.map(|n| n.0).unwrap_or_else(none),
        Some("#contacts-log"),
        overdue,
    ));
    let open_cases = f.open_cases;
    out.push(fact(
        "glance.open_cases",
        t.get("glance.count")
            .replace("{n}", &open_cases.to_string()),
        Some("#customer-cases"),
        open_cases > 0,
    ));
    let open_alerts = f.segs.alerts.iter().filter(|a| a.open).count();
    out.push(fact(
        "glance.open_alerts",
        t.get("glance.count")
            .replace("{n}", &open_alerts.to_string()),
        Some("#segments"),
        open_alerts > 0,
    ));
    let granted = f.granted;
    out.push(fact(
        "glance.consent",
        if granted.is_empty() {
            t.get("glance.no_consent").to_owned()
        } else {
            granted.join("、")
        },
        Some("#consents"),
        false,
    ));
    out
}
