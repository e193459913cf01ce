//! A care record's page (关怀记录): its facts, the supervisor's verification and registration forms, the team
//! with its confirmations and the picker that names a member, the team's tasks, the measures with their
//! approvals and outcomes, and the supervisor's part (named access, break-glass reviews, a withdrawn
//! consent, the end). Risky actions ask first; codes are picked, never typed.

use super::options;
use crate::AppState;
use crate::ui::forms::{form_raw, form_text, local_instant, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::care::compartment::WithdrawInput;
use banyan_app::care::hospitals::HospitalView;
use banyan_app::care::team::Pick;
use banyan_app::care::{
    self as uc, CareTeamInput, CareView, DecisionInput, EndInput, GrantInput, MeasureAction,
    MeasureInput, RegistrationInput, ReviewInput,
};
use banyan_domain::care::compartment::GlassVerdict;
use banyan_domain::care::measures::{MeasureKind, MeasureState};
use banyan_domain::care::team::CareRole;
use banyan_domain::care::{Adjustment, CareStatus, ConsentScope, FinancialImpact, Situation};
use banyan_domain::ids::{CareGrantId, CareId, CareMeasureId, CareTaskId, StaffId};
use std::collections::HashMap;

struct Member {
    code: &'static str,
    role: String,
    name: String,
    since: String,
    confirmed: bool,
    held: bool,
}

struct Task {
    id: String,
    kind: String,
    role: String,
    holder: String,
    due: String,
    overdue: bool,
    done: String,
    can_done: bool,
}

struct Measure {
    id: String,
    kind: String,
    what: String,
    owner: String,
    state: String,
    dates: Vec<String>,
    amount: Option<String>,
    account: Option<String>,
    result: String,
    version: i32,
    can_decide: bool,
    /// Its owner (or a supervisor) records the outcome of a running measure.
    can_complete: bool,
    can_cancel: bool,
}

struct GrantLine {
    id: String,
    staff: String,
    basis: String,
    purpose: String,
    period: String,
    live: bool,
    review: String,
    can_revoke: bool,
    can_review: bool,
}

#[derive(Template)]
#[template(path = "care.html")]
struct RecordPage {
    c: Chrome,
    title: String,
    v: CareView,
    status: String,
    facts: Vec<(String, String)>,
    adjustments: Vec<String>,
    members: Vec<Member>,
    tasks: Vec<Task>,
    measures: Vec<Measure>,
    grants: Vec<GrantLine>,
    can_decide: bool,
    can_register: bool,
    can_team: bool,
    can_confirm: bool,
    can_measure: bool,
    can_supervise: bool,
    can_open: bool,
    roles: Vec<(&'static str, String)>,
    situations: Vec<(&'static str, String)>,
    impacts: Vec<(&'static str, String)>,
    consents: Vec<(&'static str, String)>,
    given: Vec<(&'static str, String)>,
    adjustment_choices: Vec<(&'static str, String, bool)>,
    kinds: Vec<(&'static str, String)>,
    /// The active partner hospitals a referral picks from: (id, name · city).
    hospitals: Vec<(String, String)>,
    watch: Option<super::watch::WatchPanel>,
    today: String,
    error: Option<String>,
}

/// Who did it and when, in words (the time left out when there is none).
fn by_at(s: &AppState, t: Tr, by: &str, at: &Option<String>) -> String {
    match at {
        Some(a) => format!("{by} · {}", t.datetime(&s.app.tz, a)),
        None => by.to_owned(),
    }
}

fn facts(s: &AppState, t: Tr, v: &CareView) -> Vec<(String, String)> {
    let mut out = vec![
        (
            t.get("care.customer").to_owned(),
            format!("{} {}", v.customer_no, v.customer_name),
        ),
        (
            t.get("field.source").to_owned(),
            t.of("care_source", v.source.as_str()),
        ),
        (
            t.get("field.discovered_on").to_owned(),
            t.date(&v.discovered_on.to_string()),
        ),
        (
            t.get("care.reported").to_owned(),
            format!(
                "{} · {}",
                v.reported_by,
                t.datetime(&s.app.tz, &v.reported_at)
            ),
        ),
    ];
    if let Some(by) = &v.decided_by {
        let mut d = by_at(s, t, by, &v.decided_at);
        if let Some(n) = &v.decision_note {
            d.push_str(&format!(" · {n}"));
        }
        out.push((t.get("care.decided").to_owned(), d));
    }
    if let Some(x) = v.situation {
        out.push((
            t.get("field.situation").to_owned(),
            t.of("care_situation", x.as_str()),
        ));
    }
    if let Some(x) = v.impact {
        out.push((
            t.get("field.impact").to_owned(),
            t.of("care_impact", x.as_str()),
        ));
    }
    if let Some(by) = &v.registered_by {
        out.push((
            t.get("care.registered").to_owned(),
            by_at(s, t, by, &v.registered_at),
        ));
    }
    if let Some(d) = v.review_on {
        let mut d = t.date(&d.to_string());
        if v.review_due {
            d.push_str(&format!("（{}）", t.get("care.review_due")));
        }
        out.push((t.get("care.review_on").to_owned(), d));
    }
    if let Some(a) = &v.advice_line {
        out.push((t.get("care.advice_line").to_owned(), a.clone()));
    }
    if v.status == CareStatus::Registered || v.status == CareStatus::Ended {
        let mut c = if v.consent.scopes.is_empty() {
            t.get("care.consent_none").to_owned()
        } else {
            let scopes: Vec<String> = v
                .consent
                .scopes
                .iter()
                .map(|x| t.of("care_consent", x.as_str()))
                .collect();
            match v.consent.given_on {
                Some(d) => format!("{}（{}）", scopes.join("、"), t.date(&d.to_string())),
                None => scopes.join("、"),
            }
        };
        if let Some(w) = &v.consent.withdrawn_at {
            c.push_str(&format!(
                " · {}",
                t.get("care.consent_withdrawn")
                    .replace("{at}", &t.datetime(&s.app.tz, w))
            ));
        }
        out.push((t.get("care.consent").to_owned(), c));
    }
    if let Some(x) = &v.survey {
        let said = match x.satisfaction {
            Some(n) => t
                .get("care.survey_answered")
                .replace("{score}", &n.to_string()),
            None => t.get("care.survey_waiting").to_owned(),
        };
        out.push((
            t.get("care.survey").to_owned(),
            format!("{} · {said}", t.datetime(&s.app.tz, &x.sent_at)),
        ));
    }
    if let Some(at) = &v.ended_at {
        let mut e = t.datetime(&s.app.tz, at);
        if let Some(r) = &v.end_reason {
            e.push_str(&format!(" · {r}"));
        }
        out.push((t.get("care.ended").to_owned(), e));
    }
    if v.purged {
        out.push((
            t.get("care.purge_on").to_owned(),
            t.get("care.purged").to_owned(),
        ));
    } else if let Some(d) = v.purge_on {
        out.push((t.get("care.purge_on").to_owned(), t.date(&d.to_string())));
    }
    out
}

fn measure_line(s: &AppState, t: Tr, sess: &Session, v: &CareView, m: &uc::MeasureView) -> Measure {
    let supervises = sess.actor.offers().care_manage;
    let mut dates = vec![t.datetime(&s.app.tz, &m.requested_at)];
    if let Some(d) = &m.due_at
        && m.state == MeasureState::Requested
    {
        let mut due = t
            .get("care.due_at")
            .replace("{at}", &t.datetime(&s.app.tz, d));
        if m.overdue {
            due.push_str(&format!("（{}）", t.get("care.overdue")));
        }
        dates.push(due);
    }
    if let Some(a) = &m.scheduled_at {
        dates.push(
            t.get("care.scheduled")
                .replace("{at}", &t.datetime(&s.app.tz, a)),
        );
    }
    if let (Some(a), Some(b)) = (m.starts_on, m.ends_on) {
        dates.push(format!(
            "{} — {}",
            t.date(&a.to_string()),
            t.date(&b.to_string())
        ));
    }
    let mut result = Vec::new();
    if let Some(h) = &m.hospital {
        result.push(format!("{}：{h}", t.get("field.hospital")));
    }
    if let Some(x) = &m.second_staff {
        result.push(format!("{}：{x}", t.get("field.second_staff")));
    }
    if let Some(d) = &m.decided_by {
        result.push(by_at(s, t, d, &m.decided_at));
    }
    if let Some(r) = &m.reason {
        result.push(r.clone());
    }
    if let Some(o) = &m.outcome {
        result.push(o.clone());
    }
    let open = v.status == CareStatus::Registered;
    let mover = (m.owner_id == sess.actor.id() || supervises) && sess.actor.offers().care_work;
    Measure {
        id: m.id.to_string(),
        kind: t.of("care_measure", m.kind.as_str()),
        what: m.what.clone(),
        owner: m.owner.clone(),
        state: t.of("care_measure_state", m.state.as_str()),
        dates,
        amount: m.amount.map(|a| t.money(a, "CNY")),
        account: m.account_no.clone(),
        result: result.join(" · "),
        version: m.version,
        can_decide: open && supervises && m.state == MeasureState::Requested,
        can_complete: open && mover && m.state == MeasureState::Active,
        can_cancel: open && mover && m.state.is_open(),
    }
}

fn view(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: CareView,
    hospitals: Vec<HospitalView>,
    error: Option<String>,
) -> Response {
    let o = sess.actor.offers();
    let me = sess.actor.id();
    let supervises = v.supervisor;
    let members = CareRole::ALL
        .iter()
        .map(|r| match v.team.iter().find(|m| m.role == *r) {
            Some(m) => Member {
                code: r.as_str(),
                role: t.of("care_role", r.as_str()),
                name: m.name.clone(),
                since: t.datetime(&s.app.tz, &m.assigned_at),
                confirmed: m.confirmed_at.is_some(),
                held: true,
            },
            None => Member {
                code: r.as_str(),
                role: t.of("care_role", r.as_str()),
                name: t.get("care.vacant").to_owned(),
                since: String::new(),
                confirmed: false,
                held: false,
            },
        })
        .collect();
    let on_team = v.team.iter().find(|m| m.staff_id == me);
    let tasks = v
        .tasks
        .iter()
        .map(|x| Task {
            id: x.id.to_string(),
            kind: t.of("care_task", x.kind.as_str()),
            role: t.of("care_role", x.role.as_str()),
            holder: x
                .staff
                .clone()
                .unwrap_or_else(|| t.get("care.vacant").to_owned()),
            due: t.date(&x.due_on.to_string()),
            overdue: x.overdue,
            done: match (&x.done_at, &x.done_by) {
                (Some(at), Some(by)) => format!("{by} · {}", t.datetime(&s.app.tz, at)),
                (Some(at), None) => t.datetime(&s.app.tz, at),
                _ => String::new(),
            },
            can_done: x.done_at.is_none()
                && o.care_work
                && (on_team.is_some_and(|m| m.role == x.role) || o.care_manage),
        })
        .collect();
    let measures = v
        .measures
        .iter()
        .map(|m| measure_line(s, t, sess, &v, m))
        .collect();
    let grants = v
        .grants
        .iter()
        .map(|g| GrantLine {
            id: g.id.to_string(),
            staff: g.staff.clone(),
            basis: t.of("care_basis", g.basis.as_str()),
            purpose: g.purpose.clone(),
            period: format!(
                "{} — {}",
                t.datetime(&s.app.tz, &g.from),
                t.datetime(&s.app.tz, &g.until)
            ),
            live: g.live,
            review: match (&g.verdict, &g.reviewed_by) {
                (Some(x), Some(by)) => {
                    let verdict = format!("{} · {by}", t.of("care_verdict", x.as_str()));
                    match &g.review_note {
                        Some(n) => format!("{verdict} · {n}"),
                        None => verdict,
                    }
                }
                _ if g.basis == banyan_domain::care::compartment::AccessBasis::BreakGlass => {
                    t.get("care.unreviewed").to_owned()
                }
                _ => String::new(),
            },
            can_revoke: g.live && g.basis == banyan_domain::care::compartment::AccessBasis::Named,
            can_review: g.basis == banyan_domain::care::compartment::AccessBasis::BreakGlass
                && g.verdict.is_none()
                && g.staff_id != me,
        })
        .collect();
    let adjustments = v
        .adjustments
        .iter()
        .map(|a| t.of("care_adjustment", a.as_str()))
        .collect();
    let open = v.status.is_open();
    let failed = error.is_some();
    page_status(
        RecordPage {
            title: format!("{} · {}", t.get("care.title"), v.customer_no),
            c: chrome(t, Some(sess), &format!("/care/{}", v.id)),
            status: t.of("care_status", v.status.as_str()),
            facts: facts(s, t, &v),
            adjustments,
            members,
            tasks,
            measures,
            grants,
            can_decide: supervises && v.status == CareStatus::Reported,
            can_register: supervises && v.status == CareStatus::Verified,
            can_team: supervises
                && matches!(v.status, CareStatus::Verified | CareStatus::Registered),
            can_confirm: open && on_team.is_some_and(|m| m.confirmed_at.is_none()),
            can_measure: v.status == CareStatus::Registered
                && o.care_work
                && (on_team.is_some() || o.care_manage),
            can_supervise: supervises && open,
            can_open: v.my_access.is_some(),
            roles: options(t, "care_role", CareRole::ALL, CareRole::as_str),
            situations: options(t, "care_situation", Situation::ALL, Situation::as_str),
            impacts: options(
                t,
                "care_impact",
                FinancialImpact::ALL,
                FinancialImpact::as_str,
            ),
            consents: options(t, "care_consent", ConsentScope::ALL, ConsentScope::as_str),
            given: v
                .consent
                .scopes
                .iter()
                .map(|x| (x.as_str(), t.of("care_consent", x.as_str())))
                .collect(),
            adjustment_choices: Adjustment::ALL
                .iter()
                .map(|a| {
                    (
                        a.as_str(),
                        t.of("care_adjustment", a.as_str()),
                        Adjustment::DEFAULT.contains(a),
                    )
                })
                .collect(),
            kinds: options(t, "care_measure", MeasureKind::ALL, MeasureKind::as_str),
            hospitals: hospitals
                .into_iter()
                .filter(|h| h.active)
                .map(|h| (h.id.to_string(), format!("{} · {}", h.name, h.city)))
                .collect(),
            watch: v.watch.as_ref().map(|w| super::watch::panel(t, w)),
            today: s.app.today().to_string(),
            v,
            error,
        },
        failed,
    )
}

pub(super) async fn show(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    match read(&s, &sess, id).await {
        Ok((v, h)) => Ok(view(&s, &sess, t, v, h, None)),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The record and the partner hospitals its measure form offers.
async fn read(
    s: &AppState,
    sess: &Session,
    id: CareId,
) -> Result<(CareView, Vec<HospitalView>), AppError> {
    let v = uc::get(&s.app, &sess.actor, id).await?;
    let h = uc::hospitals::list(&s.app, &sess.actor).await?;
    Ok((v, h))
}

/// After a form: back to the record at `anchor`, or the record again with the refusal in words.
async fn after(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: CareId,
    anchor: &str,
    r: Result<(), AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => Ok(Redirect::to(&format!("/care/{id}#{anchor}")).into_response()),
        Err(Ok(msg)) => match read(s, &sess, id).await {
            Ok((v, h)) => Ok(view(s, &sess, t, v, h, Some(msg))),
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

fn version(f: &HashMap<String, String>) -> Option<i32> {
    f.get("version").and_then(|v| v.trim().parse().ok())
}

fn date(f: &HashMap<String, String>, k: &str) -> Result<Option<jiff::civil::Date>, AppError> {
    match form_text(f, k) {
        None => Ok(None),
        Some(d) => d
            .parse()
            .map(Some)
            .map_err(|_| AppError::field(k, "date", "a date")),
    }
}

async fn staff_of(
    s: &AppState,
    f: &HashMap<String, String>,
    k: &str,
) -> Result<Option<StaffId>, AppError> {
    match form_text(f, k) {
        None => Ok(None),
        Some(u) => match banyan_app::access::actor_for(&s.app, &u).await {
            Ok(a) => Ok(Some(a.id())),
            Err(AppError::NotFound) => Err(AppError::field(k, "not_found", "no such staff member")),
            Err(e) => Err(e),
        },
    }
}

pub(super) async fn decide(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = DecisionInput {
        decision: form_raw(&f, "decision"),
        note: form_text(&f, "note"),
        version: version(&f),
    };
    let r = uc::identify::decide(&s.app, &sess.actor, id, i)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-facts", r).await
}

pub(super) async fn register(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = async {
        let situation = f
            .get("situation")
            .and_then(|v| Situation::parse(v))
            .ok_or_else(|| AppError::field("situation", "one_of", "pick the category"))?;
        let impact = f
            .get("impact")
            .and_then(|v| FinancialImpact::parse(v))
            .ok_or_else(|| AppError::field("impact", "one_of", "pick the financial impact"))?;
        let i = RegistrationInput {
            situation,
            impact,
            detail: form_raw(&f, "detail"),
            diagnosis: form_text(&f, "diagnosis"),
            consent_scopes: ConsentScope::ALL
                .iter()
                .copied()
                .filter(|c| f.contains_key(&format!("consent.{}", c.as_str())))
                .collect(),
            consent_on: date(&f, "consent_on")?,
            adjustments: Some(
                Adjustment::ALL
                    .iter()
                    .copied()
                    .filter(|a| f.contains_key(&format!("adj.{}", a.as_str())))
                    .collect(),
            ),
            advice_line: form_text(&f, "advice_line"),
            review_on: date(&f, "review_on")?,
            version: version(&f),
        };
        uc::identify::register(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ())
    }
    .await;
    after(&s, sess, t, id, "care-facts", r).await
}

pub(super) async fn end(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = EndInput {
        reason: form_raw(&f, "reason"),
        version: version(&f),
    };
    let r = uc::identify::end(&s.app, &sess.actor, id, i)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-facts", r).await
}

pub(super) async fn team(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = async {
        let role = f
            .get("role")
            .and_then(|v| CareRole::parse(v))
            .ok_or_else(|| AppError::field("role", "one_of", "pick a part on the team"))?;
        let staff =
            if f.contains_key("remove") {
                None
            } else {
                Some(staff_of(&s, &f, "staff").await?.ok_or_else(|| {
                    AppError::field("staff", "required", "pick who takes the part")
                })?)
            };
        uc::team::assign(
            &s.app,
            &sess.actor,
            id,
            CareTeamInput {
                role,
                staff,
                version: version(&f),
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&s, sess, t, id, "care-team", r).await
}

pub(super) async fn confirm(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::team::confirm_terms(&s.app, &sess.actor, id)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-team", r).await
}

pub(super) async fn task_done(
    State(s): State<AppState>,
    Path((id, task)): Path<(CareId, CareTaskId)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::team::task_done(&s.app, &sess.actor, id, task)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-tasks", r).await
}

/// An amount typed in yuan (`30,000` or `30000.50`) in fen.
fn yuan(f: &HashMap<String, String>) -> Result<Option<i64>, AppError> {
    match form_text(f, "amount") {
        None => Ok(None),
        Some(v) => banyan_domain::money::parse_major(&v.replace([',', '，', ' '], ""), 2)
            .map(Some)
            .map_err(|_| AppError::field("amount", "amount", "an amount in yuan")),
    }
}

pub(super) async fn add_measure(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = async {
        let kind = f
            .get("kind")
            .and_then(|v| MeasureKind::parse(v))
            .ok_or_else(|| AppError::field("kind", "one_of", "pick the measure"))?;
        let i = MeasureInput {
            kind,
            what: form_raw(&f, "what"),
            owner: None,
            second_staff: staff_of(&s, &f, "second_staff").await?,
            account_no: form_text(&f, "account_no"),
            amount: yuan(&f)?,
            starts_on: date(&f, "starts_on")?,
            ends_on: date(&f, "ends_on")?,
            scheduled_at: form_text(&f, "scheduled_at").map(|v| local_instant(&s, &v)),
            hospital: match form_text(&f, "hospital") {
                None => None,
                Some(h) => Some(h.parse().map_err(|_| {
                    AppError::field("hospital", "not_partner", "pick a partner hospital")
                })?),
            },
        };
        uc::measures::add(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ())
    }
    .await;
    after(&s, sess, t, id, "care-measures", r).await
}

pub(super) async fn move_measure(
    State(s): State<AppState>,
    Path((id, measure)): Path<(CareId, CareMeasureId)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = MeasureAction {
        action: form_raw(&f, "action"),
        reason: form_text(&f, "reason"),
        outcome: form_text(&f, "outcome"),
        version: version(&f),
    };
    let r = uc::measures::act(&s.app, &sess.actor, id, measure, i)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-measures", r).await
}

pub(super) async fn grant(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = async {
        let staff = staff_of(&s, &f, "staff")
            .await?
            .ok_or_else(|| AppError::field("staff", "required", "pick the supervisor"))?;
        let until = date(&f, "until")?
            .ok_or_else(|| AppError::field("until", "required", "the last day of access"))?;
        let purpose = form_raw(&f, "purpose");
        uc::compartment::grant(
            &s.app,
            &sess.actor,
            id,
            GrantInput {
                staff,
                purpose,
                until,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&s, sess, t, id, "care-supervise", r).await
}

pub(super) async fn revoke(
    State(s): State<AppState>,
    Path((id, g)): Path<(CareId, CareGrantId)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::compartment::revoke(&s.app, &sess.actor, id, g)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "care-supervise", r).await
}

pub(super) async fn review(
    State(s): State<AppState>,
    Path((id, g)): Path<(CareId, CareGrantId)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match f.get("verdict").and_then(|v| GlassVerdict::parse(v)) {
        None => Err(AppError::field("verdict", "one_of", "justified or not")),
        Some(verdict) => uc::compartment::review(
            &s.app,
            &sess.actor,
            id,
            g,
            ReviewInput {
                verdict,
                note: form_text(&f, "note"),
            },
        )
        .await
        .map(|_| ()),
    };
    after(&s, sess, t, id, "care-supervise", r).await
}

pub(super) async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let scopes = ConsentScope::ALL
        .iter()
        .copied()
        .filter(|c| f.contains_key(&format!("withdraw.{}", c.as_str())))
        .collect();
    let r = uc::compartment::withdraw(
        &s.app,
        &sess.actor,
        id,
        WithdrawInput {
            scopes,
            version: version(&f),
        },
    )
    .await
    .map(|_| ());
    after(&s, sess, t, id, "care-supervise", r).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PickQuery {
    #[serde(default)]
    q: String,
}

async fn pick(
    s: AppState,
    id: CareId,
    sess: Session,
    t: Tr,
    q: &str,
    who: Pick,
) -> Result<Response, PageError> {
    match uc::team::candidates(&s.app, &sess.actor, id, q, who).await {
        Ok(staff) => Ok(crate::ui::page::fresh_page(
            crate::ui::forms::staff_suggestions(t, staff),
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The team picker: active staff who work care.
pub(super) async fn pick_team(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
    Query(p): Query<PickQuery>,
) -> Result<Response, PageError> {
    pick(s, id, sess, t, &p.q, Pick::Team).await
}

/// The named-access picker: active supervisors of care.
pub(super) async fn pick_supervisor(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
    Query(p): Query<PickQuery>,
) -> Result<Response, PageError> {
    pick(s, id, sess, t, &p.q, Pick::Supervisor).await
}

/// A home visit's second staff member.
pub(super) async fn pick_colleague(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
    Query(p): Query<PickQuery>,
) -> Result<Response, PageError> {
    pick(s, id, sess, t, &p.q, Pick::Staff).await
}
