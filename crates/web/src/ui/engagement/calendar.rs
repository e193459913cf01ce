//! The calendar: a month or week grid of the visits a member of staff planned (to customers and to leads),
//! the contact tasks due and the client events of their branch, each linking to where it is done.

use crate::AppState;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{Chrome, PageError, Signed, chrome, page_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use banyan_app::access::Session;
use banyan_app::engagement::TaskView;
use banyan_app::events::EventView;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How many entries a day of the month grid shows before "N more" (the week shows them all).
const MONTH_CELL: usize = 4;

#[derive(Debug, Deserialize)]
pub(crate) struct CalendarQuery {
    /// `month` (default) or `week`.
    view: Option<String>,
    /// A day in the month or week shown (`YYYY-MM-DD`); today by default.
    at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Month,
    Week,
}

impl Span {
    fn code(self) -> &'static str {
        match self {
            Span::Month => "month",
            Span::Week => "week",
        }
    }
}

/// One thing on a day: a visit, a contact task or an event.
pub(crate) struct Entry {
    /// `visit`, `task` or `event` (a CSS class, never shown).
    pub(crate) kind: &'static str,
    pub(crate) href: String,
    /// The local time (`14:30`) of visits and events; empty for tasks, which are due on a day.
    pub(crate) time: String,
    pub(crate) text: String,
    /// The task's state in words (按时, 待办, 已逾期), empty for events.
    pub(crate) state: String,
    pub(crate) done: bool,
    pub(crate) overdue: bool,
    /// Sorts a day: timed entries by time first, then tasks.
    order: String,
}

pub(crate) struct Day {
    /// `YYYY-MM-DD`, for the page's own links and tests.
    pub(crate) date: String,
    pub(crate) number: i8,
    /// The day in words, for a phone where the grid reads as a list.
    pub(crate) long: String,
    /// CSS classes: `today`, `other` (outside the month shown), `empty`.
    pub(crate) class: String,
    pub(crate) entries: Vec<Entry>,
    /// "另 3 项" and the week that shows them, when a month cell is full.
    pub(crate) more: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub(crate) struct CalendarPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) view: &'static str,
    pub(crate) heading: String,
    pub(crate) count_line: String,
    pub(crate) weekdays: Vec<&'static str>,
    pub(crate) weeks: Vec<Vec<Day>>,
    pub(crate) prev: (String, String),
    pub(crate) next: (String, String),
    pub(crate) today_href: String,
    pub(crate) month_href: String,
    pub(crate) week_href: String,
    pub(crate) kinds: Vec<(&'static str, String)>,
    pub(crate) can_create: bool,
    pub(crate) error: Option<String>,
}

fn href(span: Span, at: Date) -> String {
    format!("/calendar?view={}&at={at}", span.code())
}

/// Days since the Monday of `d`'s week.
fn from_monday(d: Date) -> i32 {
    i32::from(d.weekday().to_monday_zero_offset())
}

/// The days shown: whole weeks from Monday covering the month of `at`, or the week of `at`.
fn days_shown(span: Span, at: Date) -> Option<(Date, Date)> {
    let first = match span {
        Span::Month => at.first_of_month(),
        Span::Week => at,
    };
    let start = first
        .checked_sub(jiff::Span::new().days(from_monday(first)))
        .ok()?;
    let end = match span {
        Span::Month => {
            let last = at.last_of_month();
            last.checked_add(jiff::Span::new().days(6 - from_monday(last)))
                .ok()?
        }
        Span::Week => start.checked_add(jiff::Span::new().days(6)).ok()?,
    };
    Some((start, end))
}

fn local(tz: &jiff::tz::TimeZone, at: &str) -> Option<jiff::Zoned> {
    at.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.to_zoned(tz.clone()))
}

fn task_entry(t: Tr, tz: &jiff::tz::TimeZone, x: TaskView) -> Option<(Date, Entry)> {
    let who = if x.customer_name.is_empty() {
        x.customer_no.clone()
    } else {
        x.customer_name.clone()
    };
    let state = super::task_state(t, &x);
    let href = format!("/customers/{}#log-contact", x.customer_id);
    let done = x.status != "open";
    if x.kind == "visit" {
        let at = local(tz, x.scheduled_at.as_deref()?)?;
        let time = at.strftime("%H:%M").to_string();
        let purpose = x.purpose.unwrap_or_default();
        let text = format!("{} · {who} · {purpose}", t.get("cal.visit"));
        return Some((
            at.date(),
            Entry {
                kind: "visit",
                href,
                order: time.clone(),
                time,
                text: text.trim_end_matches(" · ").to_owned(),
                state,
                done,
                overdue: x.overdue,
            },
        ));
    }
    let due = x.due_on.parse::<Date>().ok()?;
    let what = super::task_what(t, &x);
    let mut text = format!("{} · {who}", t.of("method", &x.method));
    if !what.is_empty() {
        text.push_str(&format!(" · {what}"));
    }
    Some((
        due,
        Entry {
            kind: "task",
            href,
            time: String::new(),
            order: "~".into(),
            text,
            state,
            done,
            overdue: x.overdue,
        },
    ))
}

fn event_entry(tz: &jiff::tz::TimeZone, e: EventView) -> Option<(Date, Entry)> {
    let at = local(tz, &e.starts_at)?;
    let time = at.strftime("%H:%M").to_string();
    Some((
        at.date(),
        Entry {
            kind: "event",
            href: format!("/events/{}", e.id),
            order: time.clone(),
            time,
            text: format!("{} · {}", e.title, e.location),
            state: String::new(),
            done: false,
            overdue: false,
        },
    ))
}

/// A visit to a lead (the acquisition pipeline's), beside the customers' visits.
fn lead_visit_entry(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    x: banyan_app::acquisition::CalendarVisit,
) -> Option<(Date, Entry)> {
    use banyan_domain::acquisition::visits::LeadVisitState;
    // A held visit stands when it was held (a visit may take place before its planned time).
    let at = local(
        tz,
        x.visit.held_at.as_deref().unwrap_or(&x.visit.scheduled_at),
    )?;
    let time = at.strftime("%H:%M").to_string();
    let done = x.visit.state == LeadVisitState::Done;
    let overdue = !done && at.timestamp() < jiff::Timestamp::now();
    let state = if overdue {
        t.get("task.overdue").to_owned()
    } else {
        t.of("lead_visit_state", x.visit.state.as_str())
    };
    Some((
        at.date(),
        Entry {
            kind: "visit",
            href: format!("/leads/{}#lead-visits", x.lead_id),
            order: time.clone(),
            time,
            text: format!(
                "{} · {} · {}",
                t.get("cal.lead_visit"),
                x.lead_name,
                x.visit.purpose
            ),
            state,
            done,
            overdue,
        },
    ))
}

fn month_heading(t: Tr, at: Date) -> String {
    match t.lang {
        Lang::En => at.strftime("%B %Y").to_string(),
        _ => at.strftime("%Y年%m月").to_string(),
    }
}

fn day_long(t: Tr, d: Date) -> String {
    let wd = WEEKDAYS[usize::from(d.weekday().to_monday_zero_offset().unsigned_abs())];
    format!("{} {}", t.date(&d.to_string()), t.get(wd))
}

const WEEKDAYS: [&str; 7] = [
    "cal.wd.mon",
    "cal.wd.tue",
    "cal.wd.wed",
    "cal.wd.thu",
    "cal.wd.fri",
    "cal.wd.sat",
    "cal.wd.sun",
];

/// Every entry of the days shown, by day, each day in time order.
fn by_day(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    tasks: Vec<TaskView>,
    events: Vec<EventView>,
    lead_visits: Vec<banyan_app::acquisition::CalendarVisit>,
) -> (BTreeMap<Date, Vec<Entry>>, [usize; 3]) {
    let mut days: BTreeMap<Date, Vec<Entry>> = BTreeMap::new();
    let mut counts = [0; 3];
    let tasks = tasks.into_iter().filter_map(|x| task_entry(t, tz, x));
    let events = events.into_iter().filter_map(|e| event_entry(tz, e));
    let leads = lead_visits
        .into_iter()
        .filter_map(|x| lead_visit_entry(t, tz, x));
    for (d, e) in tasks.chain(events).chain(leads) {
        counts[match e.kind {
            "visit" => 0,
            "task" => 1,
            _ => 2,
        }] += 1;
        days.entry(d).or_default().push(e);
    }
    for v in days.values_mut() {
        v.sort_by(|a, b| a.order.cmp(&b.order));
    }
    (days, counts)
}

pub(crate) async fn calendar_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    q: CalendarQuery,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let today = s.app.today();
    let span = match q.view.as_deref() {
        Some("week") => Span::Week,
        _ => Span::Month,
    };
    let (at, bad_day) = match q.at.as_deref().filter(|a| !a.is_empty()) {
        None => (today, None),
        Some(a) => match a.parse::<Date>() {
            Ok(d) => (d, None),
            Err(_) => (today, Some(t.get("cal.bad_day").to_owned())),
        },
    };
    let error = error.or(bad_day);
    let Some((start, end)) = days_shown(span, at) else {
        return Err(err(banyan_app::AppError::internal("calendar days")));
    };
    let tasks = banyan_app::engagement::agenda(&s.app, &sess.actor, start, end)
        .await
        .map_err(err)?;
    let (from_us, to_us) = s.app.day_bounds(start, end).map_err(err)?;
    let events = banyan_app::events::events_between(&s.app, &sess.actor, from_us, to_us)
        .await
        .map_err(err)?;
    // Visits to leads, for staff who may read leads (others are sent on none).
    let lead_visits =
        match banyan_app::acquisition::visits::my_visits(&s.app, &sess.actor, from_us, to_us).await
        {
            Ok(v) => v,
            Err(banyan_app::AppError::Forbidden { .. }) => Vec::new(),
            Err(e) => return Err(err(e)),
        };
    let (mut entries, counts) = by_day(t, &s.app.tz, tasks, events, lead_visits);
    let mut weeks = Vec::new();
    let mut day = start;
    while day <= end {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            let mut list = entries.remove(&day).unwrap_or_default();
            let mut more = None;
            if span == Span::Month && list.len() > MONTH_CELL {
                let hidden = list.len() - MONTH_CELL;
                list.truncate(MONTH_CELL);
                more = Some((
                    t.get("cal.more").replace("{n}", &hidden.to_string()),
                    href(Span::Week, day),
                ));
            }
            let mut class = Vec::new();
            if day == today {
                class.push("today");
            }
            if span == Span::Month && day.month() != at.month() {
                class.push("other");
            }
            if list.is_empty() {
                class.push("empty");
            }
            week.push(Day {
                date: day.to_string(),
                number: day.day(),
                long: day_long(t, day),
                class: class.join(" "),
                entries: list,
                more,
            });
            day = day
                .tomorrow()
                .map_err(|e| err(banyan_app::AppError::internal_from("calendar day", e)))?;
        }
        weeks.push(week);
    }
    let step = match span {
        Span::Month => jiff::Span::new().months(1),
        Span::Week => jiff::Span::new().weeks(1),
    };
    let (prev_at, next_at) = (
        at.checked_sub(step).unwrap_or(at),
        at.checked_add(step).unwrap_or(at),
    );
    let (prev_word, next_word, heading) = match span {
        Span::Month => ("cal.prev_month", "cal.next_month", month_heading(t, at)),
        Span::Week => (
            "cal.prev_week",
            "cal.next_week",
            format!(
                "{} – {}",
                t.date(&start.to_string()),
                t.date(&end.to_string())
            ),
        ),
    };
    let count_line = t
        .get("cal.counts")
        .replace("{visits}", &counts[0].to_string())
        .replace("{tasks}", &counts[1].to_string())
        .replace("{events}", &counts[2].to_string());
    let failed = error.is_some();
    Ok(page_status(
        CalendarPage {
            title: t.get("cal.title").to_owned(),
            view: span.code(),
            heading,
            count_line,
            weekdays: WEEKDAYS.iter().map(|k| t.get(k)).collect(),
            weeks,
            prev: (href(span, prev_at), t.get(prev_word).to_owned()),
            next: (href(span, next_at), t.get(next_word).to_owned()),
            today_href: href(span, today),
            month_href: href(Span::Month, at),
            week_href: href(Span::Week, at),
            kinds: ["lecture", "exchange", "outdoor"]
                .iter()
                .map(|k| (*k, t.of("event.kind", k)))
                .collect(),
            can_create: sess.actor.offers().update,
            c: chrome(t, Some(&sess), "/calendar"),
            error,
        },
        failed,
    ))
}

pub(crate) async fn calendar_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    calendar_view(&s, sess, t, q, None).await
}

/// The calendar of this month with a refusal (the event form's).
pub(crate) async fn calendar_with_error(
    s: &AppState,
    sess: Session,
    t: Tr,
    error: String,
) -> Result<Response, PageError> {
    let q = CalendarQuery {
        view: None,
        at: None,
    };
    calendar_view(s, sess, t, q, Some(error)).await
}
