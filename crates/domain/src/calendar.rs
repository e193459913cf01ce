//! Working days and deadlines (complaint SLAs and regulatory limits, DOMAIN-DEFAULTS §1 and §6).
//!
//! Every deadline is an amount and a unit: hours (clock time), calendar days, or working days (weekends
//! and public holidays skipped, make-up working days counted). Day deadlines end at the end of the last day
//! in the bank's time zone; the day of receipt is not counted. A pause (an external appraisal) stops the
//! clock: the deadline moves by the paused time, counted in the deadline's own unit.

use jiff::civil::{Date, DateTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// A working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    pub name: String,
    weekend: Vec<Weekday>,
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
    years: BTreeSet<i16>,
    /// Counts years the file does not cover with weekends only (see [`WorkCalendar::lenient`]).
    lenient: bool,
    /// Branches whose deadlines count in this calendar (a Hong Kong branch on `HK`); others use the
    /// policy's calendar.
    branches: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    name: String,
    weekend: Vec<String>,
    holidays: Vec<Date>,
    workdays: Vec<Date>,
    years: Vec<i16>,
    #[serde(default)]
    branches: Vec<String>,
}

/// The shipped mainland China calendar (2025, 2026).
pub const CN_CALENDAR: &str = include_str!("../../../data/calendars/CN.toml");

impl WorkCalendar {
    /// Reads a calendar file; errors give the line or the offending date.
    pub fn from_toml(text: &str) -> Result<WorkCalendar, String> {
        let f: CalendarFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            format!("line {line}: {}", e.message().trim())
        })?;
        let mut weekend = Vec::new();
        for w in &f.weekend {
            weekend.push(match w.as_str() {
                "monday" => Weekday::Monday,
                "tuesday" => Weekday::Tuesday,
                "wednesday" => Weekday::Wednesday,
                "thursday" => Weekday::Thursday,
                "friday" => Weekday::Friday,
                "saturday" => Weekday::Saturday,
                "sunday" => Weekday::Sunday,
                other => return Err(format!("weekend: `{other}` is not a weekday name")),
            });
        }
        let holidays: BTreeSet<Date> = f.holidays.into_iter().collect();
        let workdays: BTreeSet<Date> = f.workdays.into_iter().collect();
        if let Some(d) = holidays.intersection(&workdays).next() {
            return Err(format!(
                "{d} is listed both as a holiday and as a working day"
            ));
        }
        let years: BTreeSet<i16> = f.years.into_iter().collect();
        if let Some(d) = holidays
            .iter()
            .chain(workdays.iter())
            .find(|d| !years.contains(&d.year()))
        {
            return Err(format!("{d} is outside the years the file says it covers"));
        }
        Ok(WorkCalendar {
            name: f.name,
            weekend,
            holidays,
            workdays,
            years,
            lenient: false,
            branches: f.branches,
        })
    }

    /// The branches that use this calendar.
    pub fn branches(&self) -> &[String] {
        &self.branches
    }

    /// The years the file covers.
    pub fn years(&self) -> Vec<i16> {
        self.years.iter().copied().collect()
    }

    /// The year an administrator must load now: next year, from 1 November (official holiday calendars
    /// are published in the autumn), when this file does not cover it yet; `None` otherwise.
    pub fn next_year_missing(&self, today: Date) -> Option<i16> {
        let next = today.year() + 1;
        (today.month() >= 11 && !self.years.contains(&next)).then_some(next)
    }

    /// The same calendar counting years it does not cover with weekends only: for a deadline that runs
    /// into a year whose holidays are not yet published, flagged by the caller as provisional.
    pub fn lenient(&self) -> WorkCalendar {
        WorkCalendar {
            lenient: true,
            ..self.clone()
        }
    }

    pub fn china() -> WorkCalendar {
        // The shipped file is checked by a unit test, so this cannot fail in a released binary.
        Self::from_toml(CN_CALENDAR).unwrap_or_else(|e| panic!("shipped calendar invalid: {e}"))
    }

    pub fn covers(&self, d: Date) -> bool {
        self.lenient || self.years.contains(&d.year())
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !(self.holidays.contains(&d) || self.weekend.contains(&d.weekday()))
    }

    /// The `n`-th working day after `d` (`d` itself not counted); `None` past the calendar's years.
    pub fn add_working_days(&self, d: Date, n: u32) -> Option<Date> {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.tomorrow().ok()?;
            if !self.covers(day) {
                return None;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// Working days in `(from, to]`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            match day.tomorrow() {
                Ok(t) => day = t,
                Err(_) => break,
            }
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

/// The unit of a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Self::Hours, Self::CalendarDays, Self::WorkingDays];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hours => "hours",
            Self::CalendarDays => "calendar_days",
            Self::WorkingDays => "working_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// An amount of time as the rule states it: `{amount: 15, unit: calendar_days}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub amount: u32,
    pub unit: Unit,
}

/// The end of a civil day (the last second).
fn end_of(d: Date) -> DateTime {
    d.to_datetime(jiff::civil::time(23, 59, 59, 0))
}

/// When a span starting at `received` (local time) runs out; `None` when a working-day deadline reaches
/// past the calendar.
pub fn due(received: DateTime, span: Span, cal: &WorkCalendar) -> Option<DateTime> {
    match span.unit {
        Unit::Hours => received
            .checked_add(jiff::SignedDuration::from_hours(i64::from(span.amount)))
            .ok(),
        Unit::CalendarDays => received
            .date()
            .checked_add(jiff::Span::new().days(i64::from(span.amount)))
            .ok()
            .map(end_of),
        Unit::WorkingDays => cal
            .add_working_days(received.date(), span.amount)
            .map(end_of),
    }
}

/// A pause of the clock (e.g. while an external appraisal runs): from, and until (open while running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime,
    pub until: Option<DateTime>,
}

/// The deadline after pauses: it moves by the paused time in its own unit (hours: the paused duration;
/// calendar days: the days paused; working days: the working days paused). An open pause counts up to
/// `now`. A pause that starts after the deadline (as moved by earlier pauses) does not move it: a missed
/// deadline stays missed.
pub fn due_with_pauses(
    received: DateTime,
    span: Span,
    pauses: &[Pause],
    now: DateTime,
    cal: &WorkCalendar,
) -> Option<DateTime> {
    let base = due(received, span, cal)?;
    let mut shifted = base;
    for p in pauses {
        // Time paused after the deadline had already passed does not bring it back.
        if p.from > shifted {
            continue;
        }
        let until = p.until.unwrap_or(now).max(p.from);
        shifted = match span.unit {
            Unit::Hours => shifted.checked_add(until.duration_since(p.from)).ok()?,
            Unit::CalendarDays => {
                let days = (until.date() - p.from.date()).get_days();
                end_of(
                    shifted
                        .date()
                        .checked_add(jiff::Span::new().days(days))
                        .ok()?,
                )
            }
            Unit::WorkingDays => {
                let n = cal.working_days_between(p.from.date(), until.date());
                end_of(cal.add_working_days(shifted.date(), n)?)
            }
        };
    }
    Some(shifted)
}

/// A date as people type it (`1990/01/01`, `1990.1.1`, `19900101`) in the form the API reads
/// (`1990-01-01`); anything else is left for the API to refuse with its rule.
pub fn iso_date(input: &str) -> String {
    fn digits(p: &str) -> bool {
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())
    }
    let t = input.trim();
    let parts: Vec<&str> = t
        .split(['/', '.', '-', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d]
            if digits(y)
                && digits(m)
                && digits(d)
                && y.len() == 4
                && m.len() <= 2
                && d.len() <= 2 =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        [ymd] if ymd.len() == 8 && digits(ymd) => {
            format!("{}-{}-{}", &ymd[..4], &ymd[4..6], &ymd[6..])
        }
        _ => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn wd(n: u32) -> Span {
        Span {
            amount: n,
            unit: Unit::WorkingDays,
        }
    }

    #[test]
    fn next_years_calendar_is_asked_for_from_november() {
        let file = |years: &str| {
            format!(
                "name = \"X\"\nweekend = [\"saturday\", \"sunday\"]\nholidays = []\nworkdays = []\nyears = {years}\n"
            )
        };
        let cal = WorkCalendar::from_toml(&file("[2026]")).unwrap();
        assert_eq!(cal.next_year_missing(date(2026, 10, 31)), None);
        assert_eq!(cal.next_year_missing(date(2026, 11, 1)), Some(2027));
        assert_eq!(cal.next_year_missing(date(2026, 12, 2)), Some(2027));
        let loaded = WorkCalendar::from_toml(&file("[2026, 2027]")).unwrap();
        assert_eq!(loaded.next_year_missing(date(2026, 12, 2)), None);
    }

    #[test]
    fn a_pause_after_the_deadline_does_not_revive_it() {
        let cal = WorkCalendar::china();
        let received = date(2026, 11, 2).at(9, 0, 0, 0);
        let span = Span {
            amount: 24,
            unit: Unit::Hours,
        };
        let late = Pause {
            from: date(2026, 11, 4).at(9, 0, 0, 0),
            until: Some(date(2026, 11, 6).at(9, 0, 0, 0)),
        };
        assert_eq!(
            due_with_pauses(received, span, &[late], late.from, &cal),
            due(received, span, &cal)
        );
        // A pause before the deadline still moves it by its length.
        let early = Pause {
            from: date(2026, 11, 2).at(12, 0, 0, 0),
            until: Some(date(2026, 11, 2).at(15, 0, 0, 0)),
        };
        assert_eq!(
            due_with_pauses(received, span, &[early], early.from, &cal),
            Some(date(2026, 11, 3).at(12, 0, 0, 0))
        );
    }

    /// The example: a corporate complex case received on 30 September 2026 counts 3-5 working days
    /// skipping 1-7 October and counting the make-up working day Saturday 10 October.
    #[test]
    fn national_day_is_skipped_and_the_make_up_saturday_counts() {
        let cal = WorkCalendar::china();
        let received = date(2026, 9, 30).at(16, 30, 0, 0);
        assert_eq!(
            due(received, wd(1), &cal).unwrap().date(),
            date(2026, 10, 8)
        );
        assert_eq!(
            due(received, wd(3), &cal).unwrap(),
            date(2026, 10, 10).at(23, 59, 59, 0)
        );
        assert_eq!(
            due(received, wd(5), &cal).unwrap().date(),
            date(2026, 10, 13)
        );
        assert!(cal.is_working_day(date(2026, 10, 10)));
        assert!(!cal.is_working_day(date(2026, 10, 11)));
    }

    /// An individual's 24-hour reply received on a Friday evening is due on Saturday evening: hours are
    /// clock hours; the regulatory 15 days are calendar days.
    #[test]
    fn hours_and_calendar_days_ignore_working_days() {
        let cal = WorkCalendar::china();
        let friday = date(2026, 11, 20).at(19, 45, 0, 0);
        assert_eq!(friday.date().weekday(), Weekday::Friday);
        let h = Span {
            amount: 24,
            unit: Unit::Hours,
        };
        assert_eq!(
            due(friday, h, &cal).unwrap(),
            date(2026, 11, 21).at(19, 45, 0, 0)
        );
        let d = Span {
            amount: 15,
            unit: Unit::CalendarDays,
        };
        assert_eq!(
            due(friday, d, &cal).unwrap(),
            date(2026, 12, 5).at(23, 59, 59, 0)
        );
    }

    #[test]
    fn spring_festival_2026_and_its_make_up_days() {
        let cal = WorkCalendar::china();
        for d in 15..=23 {
            assert!(!cal.is_working_day(date(2026, 2, d)), "Feb {d}");
        }
        assert!(cal.is_working_day(date(2026, 2, 14)));
        assert!(cal.is_working_day(date(2026, 2, 28)));
        // Received Friday 13 February: the next working day is Saturday 14 February (make-up), then 24.
        let r = date(2026, 2, 13).at(10, 0, 0, 0);
        assert_eq!(due(r, wd(1), &cal).unwrap().date(), date(2026, 2, 14));
        assert_eq!(due(r, wd(2), &cal).unwrap().date(), date(2026, 2, 24));
    }

    #[test]
    fn a_pause_moves_the_deadline_in_its_unit() {
        let cal = WorkCalendar::china();
        let r = date(2026, 11, 2).at(9, 0, 0, 0); // Monday
        let five = wd(5);
        assert_eq!(due(r, five, &cal).unwrap().date(), date(2026, 11, 9));
        // Paused Wednesday to Friday: two working days (Thursday, Friday) paused.
        let p = Pause {
            from: date(2026, 11, 4).at(12, 0, 0, 0),
            until: Some(date(2026, 11, 6).at(12, 0, 0, 0)),
        };
        let now = date(2026, 11, 6).at(13, 0, 0, 0);
        assert_eq!(
            due_with_pauses(r, five, &[p], now, &cal).unwrap().date(),
            date(2026, 11, 11)
        );
        // An open pause counts up to now.
        let open = Pause {
            from: date(2026, 11, 4).at(12, 0, 0, 0),
            until: None,
        };
        assert_eq!(
            due_with_pauses(r, five, &[open], now, &cal).unwrap().date(),
            date(2026, 11, 11)
        );
    }

    #[test]
    fn past_the_calendar_a_working_day_deadline_is_refused_not_guessed() {
        let cal = WorkCalendar::china();
        assert_eq!(due(date(2026, 12, 30).at(9, 0, 0, 0), wd(5), &cal), None);
    }

    #[test]
    fn a_bad_calendar_file_says_why() {
        let bad = CN_CALENDAR.replace("\"2026-10-10\",", "\"2026-10-01\",");
        assert!(
            WorkCalendar::from_toml(&bad)
                .unwrap_err()
                .contains("2026-10-01")
        );
        let bad = CN_CALENDAR.replace("years = [2025, 2026]", "years = [2026]");
        assert!(
            WorkCalendar::from_toml(&bad)
                .unwrap_err()
                .contains("outside")
        );
    }

    proptest! {
        /// A working-day deadline ends on a working day, after the day of receipt, and one more day never
        /// ends earlier.
        #[test]
        fn working_day_deadlines_land_on_working_days(day in 0i64..600, n in 1u32..10) {
            let cal = WorkCalendar::china();
            let r = date(2025, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap().at(10, 0, 0, 0);
            if let (Some(a), Some(b)) = (due(r, wd(n), &cal), due(r, wd(n + 1), &cal)) {
                prop_assert!(cal.is_working_day(a.date()));
                prop_assert!(a.date() > r.date());
                prop_assert!(b > a);
                prop_assert_eq!(cal.working_days_between(r.date(), a.date()), n);
            }
        }

        /// A pause never brings a deadline forward.
        #[test]
        fn pauses_never_shorten(day in 0i64..500, len in 0i64..20, n in 1u32..30, unit in 0u8..3) {
            let cal = WorkCalendar::china();
            let r = date(2025, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap().at(9, 0, 0, 0);
            let span = Span { amount: n, unit: [Unit::Hours, Unit::CalendarDays, Unit::WorkingDays][unit as usize] };
            let from = r.checked_add(jiff::SignedDuration::from_hours(5)).unwrap();
            let p = Pause { from, until: Some(from.checked_add(jiff::Span::new().days(len)).unwrap()) };
            if let (Some(a), Some(b)) = (due(r, span, &cal), due_with_pauses(r, span, &[p], from, &cal)) {
                prop_assert!(b >= a);
            }
        }
    }
}

/// The China profile of the regulatory complaint deadline (CBIRC 2020, DOMAIN-DEFAULTS §1): 15 days;
/// extendable to 30 with a recorded reason and a supervisor's approval; a further extension to 60 with a
/// senior manager's approval and a notice to the customer; never more than 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulatoryProfile {
    pub base: Span,
    pub first_extension_to: u32,
    pub second_extension_to: u32,
}

impl Default for RegulatoryProfile {
    fn default() -> Self {
        RegulatoryProfile {
            base: Span {
                amount: 15,
                unit: Unit::CalendarDays,
            },
            first_extension_to: 30,
            second_extension_to: 60,
        }
    }
}

/// Who approved an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    Supervisor,
    Senior,
}

/// An extension as requested: its reason, the approver and whether the customer was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Extension {
    pub reason: String,
    pub approver: Approver,
    pub customer_notified: bool,
}

/// The regulatory span after the extensions granted so far, or why the next one is refused.
pub fn extended(profile: &RegulatoryProfile, extensions: &[Extension]) -> Result<Span, String> {
    let mut span = profile.base;
    for (i, e) in extensions.iter().enumerate() {
        if e.reason.trim().is_empty() {
            return Err(format!("extension {}: a reason must be recorded", i + 1));
        }
        span.amount = match i {
            // Approved by a supervisor or anyone above (both variants qualify).
            0 => profile.first_extension_to,
            1 => {
                if e.approver != Approver::Senior {
                    return Err("the second extension needs a senior manager's approval".into());
                }
                if !e.customer_notified {
                    return Err("the customer must be told before the second extension".into());
                }
                profile.second_extension_to
            }
            _ => {
                return Err(format!(
                    "no extension beyond {} days",
                    profile.second_extension_to
                ));
            }
        };
    }
    Ok(span)
}

#[cfg(test)]
mod extension_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ext(approver: Approver, notified: bool) -> Extension {
        Extension {
            reason: "需调取外部鉴定".into(),
            approver,
            customer_notified: notified,
        }
    }

    /// 15 days, 30 with a supervisor, 60 with a senior manager and a notice, never more.
    #[test]
    fn extensions_follow_the_china_profile() {
        let p = RegulatoryProfile::default();
        assert_eq!(extended(&p, &[]).unwrap().amount, 15);
        assert_eq!(
            extended(&p, &[ext(Approver::Supervisor, false)])
                .unwrap()
                .amount,
            30
        );
        assert!(
            extended(
                &p,
                &[
                    ext(Approver::Supervisor, false),
                    ext(Approver::Supervisor, true)
                ]
            )
            .unwrap_err()
            .contains("senior")
        );
        assert!(
            extended(
                &p,
                &[
                    ext(Approver::Supervisor, false),
                    ext(Approver::Senior, false)
                ]
            )
            .unwrap_err()
            .contains("told")
        );
        assert_eq!(
            extended(
                &p,
                &[
                    ext(Approver::Supervisor, false),
                    ext(Approver::Senior, true)
                ]
            )
            .unwrap()
            .amount,
            60
        );
        assert!(
            extended(
                &p,
                &[
                    ext(Approver::Supervisor, false),
                    ext(Approver::Senior, true),
                    ext(Approver::Senior, true)
                ]
            )
            .unwrap_err()
            .contains("60")
        );
        let mut no_reason = ext(Approver::Supervisor, false);
        no_reason.reason = " ".into();
        assert!(extended(&p, &[no_reason]).unwrap_err().contains("reason"));
    }
}
