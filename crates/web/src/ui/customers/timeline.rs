//! The 360 page's one timeline: everything that happened to the customer — contacts, feedback cases,
//! events, messages and changes to the record — newest first, from the lines the page already shows.

use super::lines::{CaseLine, ContactLine, EventLine, HistoryRow, MessageLine};
use crate::ui::i18n::Tr;

/// The most moments the timeline shows (the sections below it hold the rest).
const SHOWN: usize = 100;

/// One thing that happened, as the timeline shows it.
#[derive(Debug)]
pub(crate) struct Moment {
    /// Sorts the timeline (the instant as stored, RFC 3339 in UTC).
    key: String,
    pub(crate) at: String,
    /// 联系 / 反馈 / 活动 / 消息 / 资料变更.
    pub(crate) kind: String,
    /// A CSS class per kind (never shown).
    pub(crate) class: &'static str,
    pub(crate) who: String,
    pub(crate) text: String,
    /// Where it is worked or read, when it has its own page.
    pub(crate) href: Option<String>,
}

/// The page's lines the timeline is made of.
pub(crate) struct Sources<'a> {
    pub(crate) contacts: &'a [ContactLine],
    pub(crate) cases: &'a [CaseLine],
    pub(crate) events: &'a [EventLine],
    pub(crate) messages: &'a [MessageLine],
    pub(crate) history: &'a [HistoryRow],
}

pub(crate) fn merged(t: Tr, s: Sources<'_>) -> Vec<Moment> {
    let mut out = Vec::new();
    for c in s.contacts {
        out.push(Moment {
            key: c.key.clone(),
            at: c.at.clone(),
            kind: format!("{} · {}", t.get("timeline.contact"), c.method),
            class: "contact",
            who: c.who.clone(),
            text: c.outcome.clone(),
            href: None,
        });
    }
    for c in s.cases {
        out.push(Moment {
            key: c.key.clone(),
            at: c.received.clone(),
            kind: format!("{} · {}", t.get("timeline.case"), c.kind),
            class: "case",
            who: String::new(),
            text: format!("{} {} · {}", c.no, c.subject, c.status),
            href: Some(format!("/cases/{}", c.id)),
        });
    }
    for e in s.events {
        out.push(Moment {
            key: e.key.clone(),
            at: e.at.clone(),
            kind: t.get("timeline.event").to_owned(),
            class: "event",
            who: String::new(),
            text: format!("{} · {}", e.title, e.status),
            href: Some(format!("/events/{}", e.id)),
        });
    }
    for m in s.messages {
        out.push(Moment {
            key: m.key.clone(),
            at: m.at.clone(),
            kind: format!("{} · {}", t.get("timeline.message"), m.channel),
            class: "message",
            who: String::new(),
            text: format!("{} · {}", m.cause, m.status),
            href: None,
        });
    }
    for h in s.history {
        let mut text = h.action.clone();
        if let Some(first) = h.changes.first() {
            text.push_str(&format!(" · {first}"));
            if h.changes.len() > 1 {
                let more = t
                    .get("timeline.more_changes")
                    .replace("{n}", &(h.changes.len() - 1).to_string());
                text.push_str(&format!(" {more}"));
            }
        }
        out.push(Moment {
            key: h.key.clone(),
            at: h.at.clone(),
            kind: t.get("timeline.change").to_owned(),
            class: "change",
            who: h.who.clone(),
            text,
            href: None,
        });
    }
    // Newest first, by the instants as stored.
    out.sort_by_cached_key(|m| std::cmp::Reverse(m.key.parse::<jiff::Timestamp>().ok()));
    out.truncate(SHOWN);
    out
}
