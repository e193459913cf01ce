//! Each person's training record — the sessions they were in, the hours, the scores, the certificates and
//! their expiry, the programmes they are enrolled in — and what they have due (seed 000 §7.1), for the
//! person themselves and for a supervisor over their people.

use super::{hours_of, reach};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::{
    self as tr, Attendance, Completion, DueState, DueWhy, Requirement,
};
use banyan_store::access::StaffRow;
use banyan_store::performance::training::{self as store, Attended, CourseRow, ProgrammeRow};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A session in a person's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingRecordLine)]
pub struct RecordLine {
    pub session_id: Uuid,
    pub course: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    pub attendance: Attendance,
    /// Hours credited (attended only).
    pub hours: f64,
    pub score: Option<i32>,
    pub completed: bool,
    pub certificate_no: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

/// Something a person has due, and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingDue)]
pub struct DueLine {
    pub course: String,
    pub title: String,
    pub why: DueWhy,
    /// The programme's code and title, for a programme's course.
    pub programme: Option<String>,
    pub programme_title: Option<String>,
    pub state: DueState,
    /// Due by, expiring on, or overdue since (none for a completion that never falls due again).
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

/// A programme a person is enrolled in.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingEnrolled)]
pub struct Enrolled {
    pub programme: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
    pub courses: usize,
    pub completed: usize,
}

/// A person's training record.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingRecord)]
pub struct PersonRecord {
    pub staff_id: StaffId,
    pub name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    /// Hours attended this calendar year.
    pub hours_this_year: f64,
    pub sessions: Vec<RecordLine>,
    pub due: Vec<DueLine>,
    pub enrolments: Vec<Enrolled>,
    /// Whether the reader manages the person (may enrol them).
    pub may_manage: bool,
}

/// Everything a set of people's records are computed from, read once for all of them.
pub(super) struct Books {
    courses: Vec<CourseRow>,
    programmes: Vec<ProgrammeRow>,
    attended: Vec<Attended>,
    enrolments: Vec<store::EnrolmentRow>,
}

pub(super) async fn books(app: &App, people: &[StaffId]) -> Result<Books> {
    let c = &app.db.conn;
    Ok(Books {
        courses: store::courses(c).await?,
        programmes: store::programmes(c).await?,
        attended: store::attended(c, people, None).await?,
        enrolments: store::enrolments_of(c, people).await?,
    })
}

impl Books {
    fn course(&self, id: Uuid) -> Result<&CourseRow> {
        self.courses.iter().find(|k| k.id == id).ok_or_else(|| {
            AppError::internal(format!("training_sessions course {id} is not a course"))
        })
    }

    /// A person's completions of each course (by course id).
    fn completions(&self, person: StaffId) -> Result<HashMap<Uuid, Vec<Completion>>> {
        let mut out: HashMap<Uuid, Vec<Completion>> = HashMap::new();
        for a in self.attended.iter().filter(|a| a.staff_id == person) {
            let k = self.course(a.course_id)?;
            if tr::completes(a.attendance, a.score, k.pass_score) {
                out.entry(k.id).or_default().push(Completion {
                    on: a.held_on,
                    expires: a.expires_on,
                });
            }
        }
        Ok(out)
    }

    /// What a person has due: the courses mandatory for their role, and their programmes' courses.
    pub(super) fn due(&self, app: &App, p: &StaffRow) -> Result<Vec<DueLine>> {
        let policy = &app.policy().performance.training;
        let joined = app.date_of_us(p.created_at_us);
        let done = self.completions(p.id)?;
        let today = app.today();
        let mut out = Vec::new();
        let mut line = |k: &CourseRow, req: Requirement, programme: Option<&ProgrammeRow>| {
            let (state, on) = tr::standing(
                &req,
                done.get(&k.id).map_or(&[][..], Vec::as_slice),
                today,
                policy.warn_days,
            );
            out.push(DueLine {
                course: k.code.clone(),
                title: k.title.clone(),
                why: req.why,
                programme: programme.map(|p| p.code.clone()),
                programme_title: programme.map(|p| p.title.clone()),
                state,
                on,
            });
        };
        for k in self.courses.iter().filter(|k| k.active) {
            let (true, Some(since)) = (k.mandatory_for.contains(&p.role), k.mandatory_since) else {
                continue;
            };
            let req = Requirement {
                course: k.code.clone(),
                why: DueWhy::Mandatory,
                by: tr::mandatory_by(since, joined, policy.grace_days),
                refresh_months: k.refresh_months,
            };
            line(k, req, None);
        }
        for e in self.enrolments.iter().filter(|e| e.staff_id == p.id) {
            let prog = self.programme(e.programme_id)?;
            for code in &prog.courses {
                let Some(k) = self.courses.iter().find(|k| &k.code == code) else {
                    continue; // a course removed from the catalogue is not due
                };
                let req = Requirement {
                    course: k.code.clone(),
                    why: DueWhy::Programme,
                    by: e.ends_on,
                    refresh_months: None,
                };
                line(k, req, Some(prog));
            }
        }
        // The most pressing first: overdue, expiring, due, done; then by day.
        let rank = |s: DueState| match s {
            DueState::Overdue => 0,
            DueState::Expiring => 1,
            DueState::Due => 2,
            DueState::Done => 3,
        };
        out.sort_by(|a, b| {
            rank(a.state)
                .cmp(&rank(b.state))
                .then(a.on.cmp(&b.on))
                .then(a.course.cmp(&b.course))
        });
        Ok(out)
    }

    fn programme(&self, id: Uuid) -> Result<&ProgrammeRow> {
        self.programmes.iter().find(|p| p.id == id).ok_or_else(|| {
            AppError::internal(format!(
                "training_enrolments programme {id} is not a programme"
            ))
        })
    }

    fn lines(&self, person: StaffId) -> Result<Vec<RecordLine>> {
        let mut out = Vec::new();
        for a in self.attended.iter().filter(|a| a.staff_id == person) {
            let k = self.course(a.course_id)?;
            out.push(RecordLine {
                session_id: a.session_id,
                course: k.code.clone(),
                title: k.title.clone(),
                held_on: a.held_on,
                attendance: a.attendance,
                hours: if a.attendance == Attendance::Attended {
                    hours_of(k.hours_tenths)
                } else {
                    0.0
                },
                score: a.score,
                completed: tr::completes(a.attendance, a.score, k.pass_score),
                certificate_no: a.certificate_no.clone(),
                expires_on: a.expires_on,
            });
        }
        out.reverse(); // newest first
        Ok(out)
    }

    fn enrolled(
        &self,
        person: StaffId,
        done: &HashMap<Uuid, Vec<Completion>>,
    ) -> Result<Vec<Enrolled>> {
        let mut out = Vec::new();
        for e in self.enrolments.iter().filter(|e| e.staff_id == person) {
            let p = self.programme(e.programme_id)?;
            let completed = p
                .courses
                .iter()
                .filter(|code| {
                    self.courses
                        .iter()
                        .any(|k| &&k.code == code && done.contains_key(&k.id))
                })
                .count();
            out.push(Enrolled {
                programme: p.code.clone(),
                title: p.title.clone(),
                starts_on: e.starts_on,
                ends_on: e.ends_on,
                courses: p.courses.len(),
                completed,
            });
        }
        Ok(out)
    }
}

fn hours_in_year(lines: &[RecordLine], year: i16) -> f64 {
    // Folded from +0.0: an empty `sum` of floats is -0.0, which reads as "-0.0 hours".
    lines
        .iter()
        .filter(|l| l.held_on.year() == year)
        .fold(0.0, |a, l| a + l.hours)
}

/// A person's training record: one's own (`performance.read`), or a person a supervisor reaches; anyone
/// else is not found.
pub async fn person(app: &App, actor: &Actor, id: StaffId) -> Result<PersonRecord> {
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (manages, people) = reach(actor, &staff)?;
    let p = people
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let b = books(app, &[p.id]).await?;
    let sessions = b.lines(p.id)?;
    let done = b.completions(p.id)?;
    let names = crate::access::names_of(&staff);
    Ok(PersonRecord {
        staff_id: p.id,
        name: names
            .get(&p.id)
            .cloned()
            .unwrap_or_else(|| p.username.clone()),
        role: p.role,
        branch_code: p.branch_code.clone(),
        hours_this_year: hours_in_year(&sessions, app.today().year()),
        due: b.due(app, &p)?,
        enrolments: b.enrolled(p.id, &done)?,
        sessions,
        may_manage: manages,
    })
}

/// One person in a supervisor's overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingPersonSummary)]
pub struct PersonSummary {
    pub staff_id: StaffId,
    pub name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub hours_this_year: f64,
    pub overdue: usize,
    pub expiring: usize,
    pub due: usize,
    /// Valid certificates held.
    pub certificates: usize,
}

/// The people in reach with their hours this year and what they have due, the most overdue first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingOverview)]
pub struct Overview {
    pub people: Vec<PersonSummary>,
    pub may_manage: bool,
}

pub async fn overview(app: &App, actor: &Actor) -> Result<Overview> {
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (manages, people) = reach(actor, &staff)?;
    let ids: Vec<StaffId> = people.iter().map(|s| s.id).collect();
    let b = books(app, &ids).await?;
    let names = crate::access::names_of(&staff);
    let today = app.today();
    let mut out = Vec::new();
    for p in &people {
        let due = b.due(app, p)?;
        let lines = b.lines(p.id)?;
        let count = |s: DueState| due.iter().filter(|d| d.state == s).count();
        out.push(PersonSummary {
            staff_id: p.id,
            name: names
                .get(&p.id)
                .cloned()
                .unwrap_or_else(|| p.username.clone()),
            role: p.role,
            branch_code: p.branch_code.clone(),
            team: p.team.clone(),
            hours_this_year: hours_in_year(&lines, today.year()),
            overdue: count(DueState::Overdue),
            expiring: count(DueState::Expiring),
            due: count(DueState::Due),
            certificates: lines
                .iter()
                .filter(|l| l.certificate_no.is_some() && l.expires_on.is_none_or(|d| d > today))
                .count(),
        });
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.expiring.cmp(&a.expiring))
            .then(a.name.cmp(&b.name))
    });
    Ok(Overview {
        people: out,
        may_manage: manages,
    })
}
