//! Staff training (seed 000 §7.1 培训体系: new staff trained in the basics for a set number of weeks,
//! serving staff in advanced courses taught by experts and senior colleagues, external courses and
//! seminars encouraged; seed 003: the care team trained in illness, communication and policy; seed 000 §3:
//! regular information-security training): courses with their hours and assessment, programmes of a set
//! number of weeks, sessions with attendance and scores, certificates with an expiry, and what each person
//! has due.
//!
//! What is due, for a person:
//! - a course **mandatory** for their role: due within the policy's grace days of the later of the day it
//!   became mandatory and the day the person joined, until completed; once completed, due again when its
//!   certificate expires or its refresh interval has run (whichever comes first), if either is set;
//! - each course of a **programme** they are enrolled in: due by the enrolment's end (its start plus the
//!   programme's weeks).
//!
//! A session counts as completed when the person attended it and, for an assessed course, scored at least
//! its pass mark.

use crate::access::Role;
use crate::error::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// How a course is given (seed 000 §7.1).
    CourseKind {
        /// New-staff basics: customer classification and identification, information, service standards.
        Induction = "induction",
        /// Advanced courses for serving staff, taught in-house.
        InService = "in_service",
        /// Taught by an invited expert (a physician, a counsellor, an industry expert).
        Expert = "expert",
        /// Given outside the bank: an external course or an industry seminar.
        External = "external",
    }
);

code_enum!(
    /// What a course is about.
    CourseTopic {
        Basics = "basics",
        Products = "products",
        Service = "service",
        Risk = "risk",
        InfoSecurity = "info_security",
        Care = "care",
        Marketing = "marketing",
        Compliance = "compliance",
    }
);

code_enum!(
    /// A person's place in a session: enrolled until the session is recorded, then attended, absent or
    /// excused.
    Attendance {
        Enrolled = "enrolled",
        Attended = "attended",
        Absent = "absent",
        Excused = "excused",
    }
);

code_enum!(
    /// Where a requirement stands today.
    DueState {
        /// Completed and valid beyond the warning window.
        Done = "done",
        /// Not yet completed, its day not yet passed.
        Due = "due",
        /// Completed, but its certificate expires (or its refresh falls) within the warning window.
        Expiring = "expiring",
        /// Its day has passed without a (valid) completion.
        Overdue = "overdue",
    }
);

code_enum!(
    /// Why something is due.
    DueWhy {
        /// Mandatory for the person's role.
        Mandatory = "mandatory",
        /// A course of a programme the person is enrolled in.
        Programme = "programme",
    }
);

/// The `[performance.training]` section of the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingPolicy {
    /// Days a person has to complete a course once it is mandatory for them.
    pub grace_days: u16,
    /// Days before a certificate expires (or a refresh falls) that it shows as expiring.
    pub warn_days: u16,
    /// The nightly reminder tells a person of a course due within `warn_days`, expiring or overdue, and again
    /// every this many days while it stays so. A policy written before reminders existed gets the default.
    #[serde(default = "default_remind_days")]
    pub remind_days: u16,
}

fn default_remind_days() -> u16 {
    30
}

impl Default for TrainingPolicy {
    fn default() -> Self {
        Self {
            grace_days: 90,
            warn_days: 60,
            remind_days: default_remind_days(),
        }
    }
}

impl TrainingPolicy {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(1..=365).contains(&self.grace_days) {
            return Err(("grace_days".into(), "from 1 to 365 (days)".into()));
        }
        if !(1..=365).contains(&self.warn_days) {
            return Err(("warn_days".into(), "from 1 to 365 (days)".into()));
        }
        if !(1..=365).contains(&self.remind_days) {
            return Err(("remind_days".into(), "from 1 to 365 (days)".into()));
        }
        Ok(())
    }
}

/// A course as an administrator drafts it (the API's body; checked by [`CourseDraft::check`]).
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseDraft {
    /// Upper-case letters, digits and hyphens, 2-20 (`SEC-2026`).
    pub code: String,
    /// The title in simplified Chinese.
    pub title: String,
    /// In traditional Chinese (the simplified title where absent).
    #[serde(default)]
    pub title_tw: Option<String>,
    /// In English (the simplified title where absent).
    #[serde(default)]
    pub title_en: Option<String>,
    pub kind: CourseKind,
    pub topic: CourseTopic,
    /// Hours credited for attending: from 0.5 to 200, in half hours.
    pub hours: f64,
    /// Who gives it: the expert, the external organiser (required for an external course).
    #[serde(default)]
    pub provider: Option<String>,
    /// The assessment's pass mark out of 100; none for a course without an assessment.
    #[serde(default)]
    pub pass_score: Option<u8>,
    /// Months a certificate earned on the course stays valid; none for no certificate or one that never
    /// expires.
    #[serde(default)]
    pub valid_months: Option<u16>,
    /// The roles that must complete it.
    #[serde(default)]
    pub mandatory_for: Vec<Role>,
    /// Months after which a mandatory course is due again (information security, yearly).
    #[serde(default)]
    pub refresh_months: Option<u16>,
    /// Whether it is offered (a retired course keeps its history).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A course code: upper-case ASCII letters, digits and hyphens, 2-20 long, starting with a letter.
pub fn check_course_code(code: &str) -> bool {
    (2..=20).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// Hours in tenths (1.5 → 15): a positive number of half hours up to 200.
pub fn hours_tenths(hours: f64) -> Option<i32> {
    let halves = hours * 2.0;
    if !(1.0..=400.0).contains(&halves) || (halves - halves.round()).abs() > 1e-9 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let tenths = (hours * 10.0).round() as i32;
    Some(tenths)
}

impl CourseDraft {
    /// Every rule the draft breaks, each naming its field (texts are checked for length in `app`).
    pub fn check(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !check_course_code(self.code.trim()) {
            e.push(
                "code",
                "format",
                "upper-case letters, digits and hyphens, 2-20, starting with a letter",
            );
        }
        if self.title.trim().is_empty() {
            e.push("title", "required", "must not be empty");
        }
        if hours_tenths(self.hours).is_none() {
            e.push("hours", "range", "from 0.5 to 200 hours, in half hours");
        }
        let no_provider = self.provider.as_deref().is_none_or(|p| p.trim().is_empty());
        if self.kind == CourseKind::External && no_provider {
            e.push(
                "provider",
                "required",
                "an external course names who gives it",
            );
        }
        if self.pass_score.is_some_and(|s| !(1..=100).contains(&s)) {
            e.push("pass_score", "range", "from 1 to 100");
        }
        if self.valid_months.is_some_and(|m| !(1..=120).contains(&m)) {
            e.push("valid_months", "range", "from 1 to 120 months");
        }
        if self.refresh_months.is_some_and(|m| !(1..=60).contains(&m)) {
            e.push("refresh_months", "range", "from 1 to 60 months");
        }
        if self.refresh_months.is_some() && self.mandatory_for.is_empty() {
            e.push(
                "refresh_months",
                "needs_mandatory",
                "only a course mandatory for some role is due again",
            );
        }
        for (i, r) in self.mandatory_for.iter().enumerate() {
            if self.mandatory_for[..i].contains(r) {
                e.push(format!("mandatory_for[{i}]"), "duplicate", "each role once");
            }
        }
        e
    }
}

/// A score out of 100.
pub fn check_score(score: i32) -> bool {
    (0..=100).contains(&score)
}

/// Whether an attendance completes its course: attended, and at or over the pass mark where assessed (a
/// missing score on an assessed course does not complete it).
pub fn completes(attendance: Attendance, score: Option<i32>, pass_score: Option<i32>) -> bool {
    attendance == Attendance::Attended
        && match pass_score {
            None => true,
            Some(p) => score.is_some_and(|s| s >= p),
        }
}

/// The day a certificate earned on `on` expires (the day after its last valid day), if the course's
/// certificates expire.
pub fn expires_on(on: Date, valid_months: Option<i32>) -> Option<Date> {
    let m = valid_months?;
    on.checked_add(jiff::Span::new().months(m)).ok()
}

/// What a person must complete, and by when it first fell due.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub course: String,
    pub why: DueWhy,
    /// Due by this day when never completed.
    pub by: Date,
    /// For a mandatory course: months after a completion that it is due again.
    pub refresh_months: Option<i32>,
}

/// A completion of a course: the day, and when its certificate expires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    pub on: Date,
    pub expires: Option<Date>,
}

/// Where a requirement stands today: the state and the day it turns on (due by, expires on, overdue
/// since; none for a completion that never falls due again).
pub fn standing(
    req: &Requirement,
    completions: &[Completion],
    today: Date,
    warn_days: u16,
) -> (DueState, Option<Date>) {
    let latest = completions.iter().max_by_key(|c| c.on);
    let Some(last) = latest else {
        let state = if today > req.by {
            DueState::Overdue
        } else {
            DueState::Due
        };
        return (state, Some(req.by));
    };
    // A programme's course counts once completed at all; a mandatory one falls due again when its refresh
    // runs or its certificate expires, whichever is first.
    let again = match req.why {
        DueWhy::Programme => None,
        DueWhy::Mandatory => {
            let refresh = req
                .refresh_months
                .and_then(|m| last.on.checked_add(jiff::Span::new().months(m)).ok());
            match (refresh, last.expires) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
    };
    match again {
        None => (DueState::Done, None),
        Some(d) if today >= d => (DueState::Overdue, Some(d)),
        Some(d) => {
            let warn = d
                .checked_sub(jiff::Span::new().days(i64::from(warn_days)))
                .unwrap_or(d);
            let state = if today >= warn {
                DueState::Expiring
            } else {
                DueState::Done
            };
            (state, Some(d))
        }
    }
}

/// The day a mandatory course is first due for a person: the grace days after the later of the day it
/// became mandatory and the day they joined.
pub fn mandatory_by(since: Date, joined: Date, grace_days: u16) -> Date {
    let from = since.max(joined);
    from.checked_add(jiff::Span::new().days(i64::from(grace_days)))
        .unwrap_or(from)
}

/// A programme's weeks: from 1 to 52.
pub fn check_weeks(weeks: i32) -> bool {
    (1..=52).contains(&weeks)
}

/// The last day of an enrolment: its start plus the programme's weeks, less a day.
pub fn programme_ends(starts: Date, weeks: i32) -> Date {
    starts
        .checked_add(jiff::Span::new().days(i64::from(weeks) * 7 - 1))
        .unwrap_or(starts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn draft() -> CourseDraft {
        CourseDraft {
            code: "SEC-2026".into(),
            title: "信息安全年度培训".into(),
            title_tw: None,
            title_en: None,
            kind: CourseKind::InService,
            topic: CourseTopic::InfoSecurity,
            hours: 2.5,
            provider: None,
            pass_score: Some(80),
            valid_months: Some(12),
            mandatory_for: vec![Role::RelationshipManager],
            refresh_months: Some(12),
            active: true,
        }
    }

    #[test]
    fn a_draft_names_each_broken_rule() {
        assert!(draft().check().is_empty());
        let bad = CourseDraft {
            code: "sec".into(),
            hours: 0.3,
            kind: CourseKind::External,
            pass_score: Some(0),
            mandatory_for: vec![],
            ..draft()
        };
        let fields: Vec<String> = bad.check().0.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["code", "hours", "provider", "pass_score", "refresh_months"]
        );
        assert_eq!(hours_tenths(1.5), Some(15));
        assert_eq!(hours_tenths(1.2), None);
        assert_eq!(hours_tenths(200.5), None);
    }

    #[test]
    fn an_assessed_course_completes_at_its_pass_mark() {
        assert!(completes(Attendance::Attended, Some(80), Some(80)));
        assert!(!completes(Attendance::Attended, Some(79), Some(80)));
        assert!(!completes(Attendance::Attended, None, Some(80)));
        assert!(completes(Attendance::Attended, None, None));
        assert!(!completes(Attendance::Absent, Some(100), None));
    }

    #[test]
    fn a_requirement_turns_due_overdue_done_and_expiring() {
        let req = Requirement {
            course: "SEC-2026".into(),
            why: DueWhy::Mandatory,
            by: date(2026, 3, 31),
            refresh_months: Some(12),
        };
        let d = |y, m, dd| date(y, m, dd);
        assert_eq!(
            standing(&req, &[], d(2026, 3, 1), 60),
            (DueState::Due, Some(d(2026, 3, 31)))
        );
        assert_eq!(standing(&req, &[], d(2026, 4, 1), 60).0, DueState::Overdue);
        let done = Completion {
            on: d(2026, 2, 10),
            expires: Some(d(2027, 1, 10)),
        };
        // The certificate (10 January) falls before the refresh (10 February).
        assert_eq!(
            standing(&req, &[done], d(2026, 6, 1), 60),
            (DueState::Done, Some(d(2027, 1, 10)))
        );
        assert_eq!(
            standing(&req, &[done], d(2026, 11, 20), 60).0,
            DueState::Expiring
        );
        assert_eq!(
            standing(&req, &[done], d(2027, 1, 10), 60).0,
            DueState::Overdue
        );
        // A programme's course, once completed, stays done.
        let prog = Requirement {
            why: DueWhy::Programme,
            ..req
        };
        assert_eq!(
            standing(&prog, &[done], d(2030, 1, 1), 60),
            (DueState::Done, None)
        );
    }

    #[test]
    fn a_mandatory_course_is_due_after_the_grace_from_the_later_start() {
        assert_eq!(
            mandatory_by(date(2026, 1, 1), date(2026, 6, 1), 90),
            date(2026, 8, 30)
        );
        assert_eq!(programme_ends(date(2026, 11, 2), 4), date(2026, 11, 29));
        assert_eq!(
            expires_on(date(2026, 1, 31), Some(1)),
            Some(date(2026, 2, 28))
        );
    }
}
