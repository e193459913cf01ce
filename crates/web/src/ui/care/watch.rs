//! What the book tells of a care customer's capacity, on the record's page (理财与还款关注): the capacity the
//! hardship left, the investment holdings above it, credit in arrears or near its limit, and who handles
//! arrears in person when collection is gentle. Amounts in the customer's currency and words, never codes.

use crate::ui::book::name_in;
use crate::ui::i18n::Tr;
use banyan_app::book::view::HoldingLine;
use banyan_app::care::watch::CareWatch;

/// One holding of the panel: product, account (masked), and what makes it watched.
pub(super) struct WatchLine {
    pub(super) product: String,
    pub(super) account: String,
    pub(super) why: String,
}

pub(super) struct WatchPanel {
    pub(super) capacity: String,
    pub(super) as_of: String,
    pub(super) above: Vec<WatchLine>,
    pub(super) credit: Vec<WatchLine>,
    pub(super) collection: Option<String>,
}

fn product(t: Tr, h: &HoldingLine) -> String {
    let name = name_in(t, &h.product_names);
    match h.risk_level {
        Some(r) => format!("{name}（{}）", r.as_str()),
        None => name,
    }
}

pub(super) fn panel(t: Tr, w: &CareWatch) -> WatchPanel {
    let above = w
        .above_capacity
        .iter()
        .map(|h| WatchLine {
            product: product(t, h),
            account: h.account_no.clone(),
            why: t.money(h.balance, &h.currency),
        })
        .collect();
    let arrears = w.arrears.iter().map(|h| WatchLine {
        product: product(t, h),
        account: h.account_no.clone(),
        why: t
            .get("care.watch_arrears")
            .replace("{days}", &h.days_past_due.to_string())
            .replace(
                "{amount}",
                &t.money(h.outstanding.unwrap_or(0), &h.currency),
            ),
    });
    let stretched = w.stretched.iter().map(|h| {
        let (out, limit) = (h.outstanding.unwrap_or(0), h.credit_limit.unwrap_or(0));
        let pct = if limit > 0 {
            i128::from(out) * 100 / i128::from(limit)
        } else {
            0
        };
        WatchLine {
            product: product(t, h),
            account: h.account_no.clone(),
            why: t
                .get("care.watch_stretched")
                .replace("{pct}", &pct.to_string())
                .replace("{limit}", &t.money(limit, &h.currency)),
        }
    });
    WatchPanel {
        capacity: t
            .get("care.watch_capacity")
            .replace("{level}", w.capacity.as_str()),
        as_of: match w.as_of {
            Some(d) => t
                .get("care.watch_as_of")
                .replace("{day}", &t.date(&d.to_string())),
            None => t.get("care.watch_no_book").to_owned(),
        },
        above,
        credit: arrears.chain(stretched).collect(),
        collection: w.gentle_collection.then(|| {
            let who = w
                .named_person
                .clone()
                .unwrap_or_else(|| t.get("care.vacant").to_owned());
            t.get("care.watch_gentle").replace("{who}", &who)
        }),
    }
}
