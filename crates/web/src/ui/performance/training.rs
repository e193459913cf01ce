//! Staff training on the workbench (培训管理, `/performance/training`): for a supervisor, their people
//! with the hours of the year and what is overdue or expiring, the sessions with a form to schedule one,
//! the course catalogue and the new-staff programmes with forms to add them; a person's record
//! (`/performance/training/people/{staff}`: what is due, programmes, sessions, certificates) with the form
//! to enrol them; a session (`/performance/training/sessions/{id}`) with the form to record attendance,
//! scores and certificates (asked first). Anyone else sees their own record.

use super::{app_err, uuid_of};
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::access::Session;
use banyan_app::performance::training::record::{self as rec, DueLine, PersonRecord};
use banyan_app::performance::training::sessions::{self as ses, AttendanceInput, SessionInput};
use banyan_app::performance::training::{self as uc, CourseView, EnrolInput, ProgrammeInput};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::{
    Attendance, CourseDraft, CourseKind, CourseTopic, DueState,
};
use std::collections::HashMap;
use uuid::Uuid;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/performance/training", get(overview_page))
        .route("/performance/training/courses", post(add_course))
        .route("/performance/training/programmes", post(add_programme))
        .route("/performance/training/sessions", post(schedule))
        .route("/performance/training/sessions/{id}", get(session_page))
        .route(
            "/performance/training/sessions/{id}/attendance",
            post(record),
        )
        .route("/performance/training/people/{staff}", get(person_page))
        .route("/performance/training/people/{staff}/enrol", post(enrol))
}

/// A course's title in the reader's language (the simplified title where no other is given).
pub(super) fn course_title(t: Tr, c: &CourseView) -> String {
    let other = match t.lang {
        Lang::ZhCn => None,
        Lang::ZhTw => c.title_tw.as_ref(),
        Lang::En => c.title_en.as_ref(),
    };
    other.unwrap_or(&c.title).clone()
}

/// Every course's title by code, in the reader's words (for the scorecard's training records).
pub(super) async fn titles(
    s: &AppState,
    sess: &Session,
    t: Tr,
) -> Result<HashMap<String, String>, PageError> {
    Ok(uc::courses(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, sess))?
        .iter()
        .map(|c| (c.code.clone(), course_title(t, c)))
        .collect())
}

fn hours_words(t: Tr, h: f64) -> String {
    t.get("train.hours_v").replace("{v}", &format!("{h:.1}"))
}

/// The roles in words; `none` (a key) when there are none.
fn roles_words(t: Tr, roles: &[Role], none: &str) -> String {
    if roles.is_empty() {
        return t.get(none).to_owned();
    }
    roles
        .iter()
        .map(|r| t.of("role", r.as_str()))
        .collect::<Vec<_>>()
        .join("、")
}

struct PersonRow {
    href: String,
    name: String,
    role: String,
    team: String,
    hours: String,
    overdue: usize,
    expiring: usize,
    due: usize,
    certificates: usize,
}

struct SessionRowView {
    href: String,
    day: String,
    title: String,
    hours: String,
    place: String,
    people: usize,
    status: String,
}

struct CourseRowView {
    code: String,
    title: String,
    kind: String,
    topic: String,
    hours: String,
    assessment: String,
    validity: String,
    mandatory: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "training.html")]
struct OverviewPage {
    c: Chrome,
    title: String,
    people: Vec<PersonRow>,
    sessions: Vec<SessionRowView>,
    courses: Vec<CourseRowView>,
    /// (code, title, weeks, roles, courses)
    programmes: Vec<(String, String, String, String, String)>,
    /// The active courses a form may pick: (code, title).
    pick_courses: Vec<(String, String)>,
    /// The people a session may enrol: (id, name).
    pick_people: Vec<(String, String)>,
    /// The form adding a course (blank).
    form: CourseForm,
    roles: Vec<(&'static str, String)>,
    today: String,
    failed: Option<String>,
}

/// The fields of a course's form (`training_course_fields.html`): blank to add one, filled to change one.
pub(super) struct CourseForm {
    pub editing: bool,
    pub code: String,
    pub title: String,
    pub title_tw: String,
    pub title_en: String,
    pub hours: String,
    pub provider: String,
    pub pass_score: String,
    pub valid_months: String,
    pub refresh_months: String,
    /// (code, words, picked)
    pub kinds: Vec<(&'static str, String, bool)>,
    pub topics: Vec<(&'static str, String, bool)>,
    pub roles: Vec<(&'static str, String, bool)>,
}

/// The roles a course may be mandatory for, in the order the forms show them.
const MANDATORY_ROLES: [Role; 6] = [
    Role::RelationshipManager,
    Role::WealthManager,
    Role::CustomerService,
    Role::RiskOfficer,
    Role::Operations,
    Role::Supervisor,
];

impl CourseForm {
    /// The form for `course` (blank without one).
    pub(super) fn of(t: Tr, course: Option<&CourseView>) -> Self {
        let text = |v: Option<String>| v.unwrap_or_default();
        let num = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
        Self {
            editing: course.is_some(),
            code: text(course.map(|k| k.code.clone())),
            title: text(course.map(|k| k.title.clone())),
            title_tw: text(course.and_then(|k| k.title_tw.clone())),
            title_en: text(course.and_then(|k| k.title_en.clone())),
            hours: text(course.map(|k| format!("{}", k.hours))),
            provider: text(course.and_then(|k| k.provider.clone())),
            pass_score: num(course.and_then(|k| k.pass_score)),
            valid_months: num(course.and_then(|k| k.valid_months)),
            refresh_months: num(course.and_then(|k| k.refresh_months)),
            kinds: CourseKind::ALL
                .iter()
                .map(|k| {
                    let on = course.is_some_and(|c| c.kind == *k);
                    (k.as_str(), t.of("course_kind", k.as_str()), on)
                })
                .collect(),
            topics: CourseTopic::ALL
                .iter()
                .map(|k| {
                    let on = course.is_some_and(|c| c.topic == *k);
                    (k.as_str(), t.of("course_topic", k.as_str()), on)
                })
                .collect(),
            roles: MANDATORY_ROLES
                .iter()
                .map(|r| {
                    let on = course.is_some_and(|c| c.mandatory_for.contains(r));
                    (r.as_str(), t.of("role", r.as_str()), on)
                })
                .collect(),
        }
    }
}

/// A course as its form was filled (`active` as given), or the first missing pick or malformed number in
/// words.
pub(super) fn course_draft(
    t: Tr,
    f: &HashMap<String, String>,
    active: bool,
) -> Result<CourseDraft, String> {
    let kind = f.get("kind").and_then(|v| CourseKind::parse(v));
    let topic = f.get("topic").and_then(|v| CourseTopic::parse(v));
    let hours = number::<f64>(f, "hours");
    let (Some(kind), Some(topic), Some(hours)) = (kind, topic, hours) else {
        let (field, rule) = match (kind, topic) {
            (None, _) => ("kind", "required"),
            (_, None) => ("topic", "required"),
            _ => ("hours", "format"),
        };
        return Err(crate::ui::forms::rule_text(t, field, rule, "", None));
    };
    Ok(CourseDraft {
        code: form_text(f, "code").unwrap_or_default().to_uppercase(),
        title: form_text(f, "title").unwrap_or_default(),
        title_tw: form_text(f, "title_tw"),
        title_en: form_text(f, "title_en"),
        kind,
        topic,
        hours,
        provider: form_text(f, "provider"),
        pass_score: number(f, "pass_score"),
        valid_months: number(f, "valid_months"),
        mandatory_for: checked(f, "role_")
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect(),
        refresh_months: number(f, "refresh_months"),
        active,
    })
}

async fn overview_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    render_overview(&s, sess, t, None).await
}

async fn render_overview(
    s: &AppState,
    sess: Session,
    t: Tr,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let o = rec::overview(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    if !o.may_manage {
        // One's own record is the page for those who manage no one.
        return Ok(
            Redirect::to(&format!("/performance/training/people/{}", sess.actor.id()))
                .into_response(),
        );
    }
    let catalogue = uc::courses(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let programmes = uc::programmes(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let sessions = ses::sessions(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let titles: HashMap<String, String> = catalogue
        .iter()
        .map(|c| (c.code.clone(), course_title(t, c)))
        .collect();
    let title_of = |code: &str| titles.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let page = OverviewPage {
        title: t.get("train.title").to_owned(),
        c: chrome(t, Some(&sess), "/performance"),
        people: o
            .people
            .iter()
            .map(|p| PersonRow {
                href: format!("/performance/training/people/{}", p.staff_id),
                name: p.name.clone(),
                role: t.of("role", p.role.as_str()),
                team: p
                    .team
                    .clone()
                    .unwrap_or_else(|| t.get("perf.no_team").to_owned()),
                hours: hours_words(t, p.hours_this_year),
                overdue: p.overdue,
                expiring: p.expiring,
                due: p.due,
                certificates: p.certificates,
            })
            .collect(),
        sessions: sessions
            .iter()
            .map(|x| SessionRowView {
                href: format!("/performance/training/sessions/{}", x.id),
                day: t.date(&x.held_on.to_string()),
                title: title_of(&x.course),
                hours: hours_words(t, x.hours),
                place: x.place.clone().unwrap_or_default(),
                people: x.people,
                status: t
                    .get(if x.recorded {
                        "train.recorded"
                    } else {
                        "train.not_recorded"
                    })
                    .to_owned(),
            })
            .collect(),
        courses: catalogue
            .iter()
            .map(|k| CourseRowView {
                code: k.code.clone(),
                title: course_title(t, k),
                kind: t.of("course_kind", k.kind.as_str()),
                topic: t.of("course_topic", k.topic.as_str()),
                hours: hours_words(t, k.hours),
                assessment: k.pass_score.map_or_else(
                    || t.get("train.no_assessment").to_owned(),
                    |p| t.get("train.pass_at").replace("{v}", &p.to_string()),
                ),
                validity: k.valid_months.map_or_else(
                    || t.get("train.no_expiry").to_owned(),
                    |m| t.get("train.months").replace("{v}", &m.to_string()),
                ),
                mandatory: match k.refresh_months {
                    Some(m) => format!(
                        "{}（{}）",
                        roles_words(t, &k.mandatory_for, "train.none_mandatory"),
                        t.get("train.every_months").replace("{v}", &m.to_string())
                    ),
                    None => roles_words(t, &k.mandatory_for, "train.none_mandatory"),
                },
                active: k.active,
            })
            .collect(),
        programmes: programmes
            .iter()
            .map(|p| {
                (
                    p.code.clone(),
                    p.title.clone(),
                    t.get("train.weeks_v").replace("{v}", &p.weeks.to_string()),
                    roles_words(t, &p.roles, "train.all_roles"),
                    p.courses
                        .iter()
                        .map(|c| title_of(c))
                        .collect::<Vec<_>>()
                        .join("、"),
                )
            })
            .collect(),
        pick_courses: catalogue
            .iter()
            .filter(|k| k.active)
            .map(|k| (k.code.clone(), course_title(t, k)))
            .collect(),
        pick_people: o
            .people
            .iter()
            .map(|p| (p.staff_id.to_string(), p.name.clone()))
            .collect(),
        form: CourseForm::of(t, None),
        roles: MANDATORY_ROLES
            .iter()
            .map(|r| (r.as_str(), t.of("role", r.as_str())))
            .collect(),
        today: s.app.today().to_string(),
        failed: failed.clone(),
    };
    Ok(page_status(page, failed.is_some()))
}

/// After a form on the overview: back to it, or the page again with the refusal in words.
async fn after_overview<T>(
    s: &AppState,
    sess: Session,
    t: Tr,
    result: Result<T, banyan_app::AppError>,
    anchor: &str,
) -> Result<Response, PageError> {
    let named = if anchor == "train-programmes" {
        "train.programme_name"
    } else {
        "train.course_name"
    };
    match result.map_err(|e| refusal_named(t, e, named)) {
        Ok(_) => Ok(Redirect::to(&format!("/performance/training#{anchor}")).into_response()),
        Err(Ok(msg)) => render_overview(s, sess, t, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// [`refusal`], naming a course's or a programme's `title` by `name` (a key) rather than the registry's
/// `field.title` (a person's title, 职务).
pub(super) fn refusal_named(
    t: Tr,
    e: banyan_app::AppError,
    name: &str,
) -> Result<String, banyan_app::AppError> {
    match e {
        banyan_app::AppError::Validation(v) => {
            let named = HashMap::from([
                ("title".to_owned(), t.get(name).to_owned()),
                (
                    "title_tw".to_owned(),
                    t.get(&format!("{name}_tw")).to_owned(),
                ),
                (
                    "title_en".to_owned(),
                    t.get(&format!("{name}_en")).to_owned(),
                ),
            ]);
            Ok(crate::ui::forms::field_errors_named(t, &v, &named))
        }
        e => refusal(t, e),
    }
}

/// A number typed in a form: none when blank or not a number (the use case names the rule).
pub(super) fn number<T: std::str::FromStr>(f: &HashMap<String, String>, k: &str) -> Option<T> {
    form_text(f, k).and_then(|v| v.replace(',', "").parse().ok())
}

/// The codes of the checked boxes named `prefix` + code.
pub(super) fn checked(f: &HashMap<String, String>, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
        .collect();
    out.sort();
    out
}

async fn add_course(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let draft = match course_draft(t, &f, true) {
        Ok(d) => d,
        Err(msg) => return render_overview(&s, sess, t, Some(msg)).await,
    };
    let result = uc::add_course(&s.app, &sess.actor, draft).await;
    after_overview(&s, sess, t, result, "train-courses").await
}

async fn add_programme(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(weeks) = number::<i32>(&f, "weeks") else {
        let msg = crate::ui::forms::rule_text(t, "weeks", "format", "", None);
        return render_overview(&s, sess, t, Some(msg)).await;
    };
    let input = ProgrammeInput {
        code: form_text(&f, "code").unwrap_or_default().to_uppercase(),
        title: form_text(&f, "title").unwrap_or_default(),
        weeks,
        roles: checked(&f, "role_")
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect(),
        courses: checked(&f, "course_"),
    };
    let result = uc::add_programme(&s.app, &sess.actor, input).await;
    after_overview(&s, sess, t, result, "train-programmes").await
}

async fn schedule(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let held = form_text(&f, "held_on").and_then(|v| v.parse::<jiff::civil::Date>().ok());
    let (Some(course), Some(held_on)) = (form_text(&f, "course"), held) else {
        let field = if form_text(&f, "course").is_none() {
            "course"
        } else {
            "held_on"
        };
        let msg = crate::ui::forms::rule_text(t, field, "required", "", None);
        return render_overview(&s, sess, t, Some(msg)).await;
    };
    let input = SessionInput {
        course,
        held_on,
        place: form_text(&f, "place"),
        trainer: form_text(&f, "trainer"),
        people: checked(&f, "person_")
            .iter()
            .filter_map(|p| p.parse::<StaffId>().ok())
            .collect(),
    };
    match ses::schedule(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(v) => {
            Ok(Redirect::to(&format!("/performance/training/sessions/{}", v.id)).into_response())
        }
        Err(Ok(msg)) => render_overview(&s, sess, t, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

struct AttendeeRow {
    id: String,
    name: String,
    attendance: String,
    /// (code, words, chosen)
    choices: Vec<(&'static str, String, bool)>,
    score: String,
    completed: String,
    certificate: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "training_session.html")]
struct SessionPage {
    c: Chrome,
    title: String,
    facts: Vec<(String, String)>,
    people: Vec<AttendeeRow>,
    may_record: bool,
    assessed: bool,
    action: String,
    confirm: String,
    failed: Option<String>,
}

async fn session_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let id = uuid_of(&id, t, &sess)?;
    render_session(&s, sess, t, id, None).await
}

async fn render_session(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let v = ses::session(&s.app, &sess.actor, id)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let k = &v.course;
    let name = course_title(t, k);
    let mut facts = vec![
        (
            t.get("train.held_on").to_owned(),
            t.date(&v.held_on.to_string()),
        ),
        (
            t.get("train.kind").to_owned(),
            t.of("course_kind", k.kind.as_str()),
        ),
        (t.get("train.hours").to_owned(), hours_words(t, k.hours)),
    ];
    if let Some(p) = &v.place {
        facts.push((t.get("train.place").to_owned(), p.clone()));
    }
    if let Some(p) = &v.trainer {
        facts.push((t.get("train.trainer").to_owned(), p.clone()));
    }
    facts.push((
        t.get("train.assessment").to_owned(),
        k.pass_score.map_or_else(
            || t.get("train.no_assessment").to_owned(),
            |p| t.get("train.pass_at").replace("{v}", &p.to_string()),
        ),
    ));
    facts.push((
        t.get("perf.status").to_owned(),
        t.get(if v.recorded {
            "train.recorded"
        } else {
            "train.not_recorded"
        })
        .to_owned(),
    ));
    let choices = |chosen: Attendance| {
        [
            Attendance::Attended,
            Attendance::Absent,
            Attendance::Excused,
        ]
        .iter()
        .map(|a| (a.as_str(), t.of("attendance", a.as_str()), *a == chosen))
        .collect()
    };
    let page = SessionPage {
        title: format!("{} · {}", t.get("train.session"), name),
        c: chrome(t, Some(&sess), "/performance"),
        facts,
        people: v
            .people
            .iter()
            .map(|p| AttendeeRow {
                id: p.staff_id.to_string(),
                name: p.name.clone(),
                attendance: t.of("attendance", p.attendance.as_str()),
                choices: choices(p.attendance),
                score: p.score.map(|x| x.to_string()).unwrap_or_default(),
                completed: t
                    .get(if p.completed {
                        "train.completed"
                    } else {
                        "train.not_completed"
                    })
                    .to_owned(),
                certificate: p.certificate_no.clone().unwrap_or_default(),
                expires: p
                    .expires_on
                    .map(|d| t.date(&d.to_string()))
                    .unwrap_or_default(),
            })
            .collect(),
        may_record: v.may_record,
        assessed: k.pass_score.is_some(),
        action: format!("/performance/training/sessions/{}/attendance", v.id),
        confirm: t.get("train.record_confirm").replace("{course}", &name),
        failed: failed.clone(),
    };
    Ok(page_status(page, failed.is_some()))
}

async fn record(
    State(s): State<AppState>,
    Path(id): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let id = uuid_of(&id, t, &sess)?;
    let mut people = Vec::new();
    for raw in checked(&f, "att_") {
        let Ok(staff_id) = raw.parse::<StaffId>() else {
            continue;
        };
        let Some(attendance) = f
            .get(&format!("att_{raw}"))
            .and_then(|v| Attendance::parse(v))
        else {
            continue;
        };
        let score = form_text(&f, &format!("score_{raw}"));
        let parsed = score.as_deref().map(str::parse::<i32>);
        if let Some(Err(_)) = parsed {
            let msg = crate::ui::forms::rule_text(t, "score", "format", "", None);
            return render_session(&s, sess, t, id, Some(msg)).await;
        }
        people.push(AttendanceInput {
            staff_id,
            attendance,
            score: parsed.and_then(Result::ok),
            certificate_no: form_text(&f, &format!("cert_{raw}")),
        });
    }
    let result = ses::record(&s.app, &sess.actor, id, ses::RecordInput { people }).await;
    match result.map_err(|e| refusal(t, e)) {
        Ok(_) => Ok(Redirect::to(&format!("/performance/training/sessions/{id}")).into_response()),
        Err(Ok(msg)) => render_session(&s, sess, t, id, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A session in a person's record, in words.
struct RecordRowView {
    href: String,
    day: String,
    course: String,
    attendance: String,
    hours: String,
    score: String,
    certificate: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "training_person.html")]
struct PersonPage {
    c: Chrome,
    title: String,
    staff: String,
    facts: Vec<(String, String)>,
    /// (course, why, state code, state words, day)
    due: Vec<(String, String, &'static str, String, String)>,
    /// (programme, from – to, completed of all)
    enrolments: Vec<(String, String, String)>,
    sessions: Vec<RecordRowView>,
    may_manage: bool,
    programmes: Vec<(String, String)>,
    /// On one's own record: the sessions ahead one may join.
    own: bool,
    open: Vec<OpenRow>,
    today: String,
    failed: Option<String>,
}

struct OpenRow {
    id: String,
    day: String,
    title: String,
    hours: String,
    place: String,
    people: usize,
    mine: bool,
    /// Signed up by themselves: they may withdraw (asked first).
    own_place: bool,
    confirm: String,
    withdraw_confirm: String,
}

fn due_row(
    t: Tr,
    d: &DueLine,
    titles: &HashMap<String, String>,
) -> (String, String, &'static str, String, String) {
    let why = match &d.programme_title {
        Some(p) => format!("{}（{p}）", t.of("due_why", d.why.as_str())),
        None => t.of("due_why", d.why.as_str()),
    };
    let key = match d.state {
        DueState::Done => "train.valid_until",
        DueState::Due => "train.due_by",
        DueState::Expiring => "train.expires_on",
        DueState::Overdue => "train.overdue_since",
    };
    let day =
        d.on.map(|x| t.get(key).replace("{d}", &t.date(&x.to_string())))
            .unwrap_or_else(|| t.get("train.no_expiry").to_owned());
    (
        titles
            .get(&d.course)
            .cloned()
            .unwrap_or_else(|| d.title.clone()),
        why,
        d.state.as_str(),
        t.of("due_state", d.state.as_str()),
        day,
    )
}

async fn person_page(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let staff = staff
        .parse::<StaffId>()
        .map_err(|_| app_err(banyan_app::AppError::NotFound, t, &sess))?;
    render_person(&s, sess, t, staff, None).await
}

pub(super) async fn render_person(
    s: &AppState,
    sess: Session,
    t: Tr,
    staff: StaffId,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let r: PersonRecord = rec::person(&s.app, &sess.actor, staff)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let titles = titles(s, &sess, t).await?;
    let title_of = |c: &str, fallback: &str| {
        titles
            .get(c)
            .cloned()
            .unwrap_or_else(|| fallback.to_owned())
    };
    let programmes = if r.may_manage {
        uc::programmes(&s.app, &sess.actor)
            .await
            .map_err(|e| app_err(e, t, &sess))?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.code, p.title))
            .collect()
    } else {
        Vec::new()
    };
    let own = r.staff_id == sess.actor.id();
    let open = if own {
        banyan_app::performance::training::signup::open_sessions(&s.app, &sess.actor)
            .await
            .map_err(|e| app_err(e, t, &sess))?
            .into_iter()
            .map(|x| {
                let title = title_of(&x.course, &x.title);
                let day = t.date(&x.held_on.to_string());
                OpenRow {
                    id: x.id.to_string(),
                    confirm: t
                        .get("train.sign_up_confirm")
                        .replace("{course}", &title)
                        .replace("{day}", &day),
                    withdraw_confirm: t
                        .get("train.withdraw_confirm")
                        .replace("{course}", &title)
                        .replace("{day}", &day),
                    own_place: x.self_signed,
                    day,
                    title,
                    hours: hours_words(t, x.hours),
                    place: x.place.unwrap_or_default(),
                    people: x.people,
                    mine: x.signed_up,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = PersonPage {
        own,
        open,
        title: format!("{} · {}", t.get("train.record_title"), r.name),
        c: chrome(t, Some(&sess), "/performance"),
        staff: r.staff_id.to_string(),
        facts: vec![
            (
                t.get("field.role").to_owned(),
                t.of("role", r.role.as_str()),
            ),
            (
                t.get("train.hours_year").to_owned(),
                hours_words(t, r.hours_this_year),
            ),
        ],
        due: r.due.iter().map(|d| due_row(t, d, &titles)).collect(),
        enrolments: r
            .enrolments
            .iter()
            .map(|e| {
                (
                    e.title.clone(),
                    format!(
                        "{} – {}",
                        t.date(&e.starts_on.to_string()),
                        t.date(&e.ends_on.to_string())
                    ),
                    t.get("train.completed_of")
                        .replace("{n}", &e.completed.to_string())
                        .replace("{d}", &e.courses.to_string()),
                )
            })
            .collect(),
        sessions: r
            .sessions
            .iter()
            .map(|l| RecordRowView {
                href: format!("/performance/training/sessions/{}", l.session_id),
                day: t.date(&l.held_on.to_string()),
                course: title_of(&l.course, &l.title),
                attendance: t.of("attendance", l.attendance.as_str()),
                hours: hours_words(t, l.hours),
                score: l
                    .score
                    .map(|v| t.get("perf.points").replace("{v}", &v.to_string()))
                    .unwrap_or_default(),
                certificate: l.certificate_no.clone().unwrap_or_default(),
                expires: l
                    .expires_on
                    .map(|d| t.date(&d.to_string()))
                    .unwrap_or_default(),
            })
            .collect(),
        may_manage: r.may_manage,
        programmes,
        today: s.app.today().to_string(),
        failed: failed.clone(),
    };
    Ok(page_status(page, failed.is_some()))
}

async fn enrol(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let staff = staff
        .parse::<StaffId>()
        .map_err(|_| app_err(banyan_app::AppError::NotFound, t, &sess))?;
    let starts = form_text(&f, "starts_on").and_then(|v| v.parse::<jiff::civil::Date>().ok());
    let (Some(programme), Some(starts_on)) = (form_text(&f, "programme"), starts) else {
        let msg = crate::ui::forms::rule_text(t, "starts_on", "required", "", None);
        return render_person(&s, sess, t, staff, Some(msg)).await;
    };
    let input = EnrolInput {
        programme,
        staff_id: staff,
        starts_on,
    };
    match uc::enrol(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to(&format!("/performance/training/people/{staff}")).into_response()),
        Err(Ok(msg)) => render_person(&s, sess, t, staff, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
