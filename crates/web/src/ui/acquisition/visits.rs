//! Visits to a lead on its page: the visits planned, held and cancelled with their preparation and record,
//! the plan's form (who goes is picked, not typed), and each planned visit's record and cancellation (the
//! use cases decide; the page offers only what the reader's role and the lead's stage allow).

use super::lead::{lead_view_drafted, redirect_or_refusal};
use crate::AppState;
use crate::ui::forms::{form_text, local_instant, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, Signed, SignedForm};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::{LeadView, LeadVisitInput, LeadVisitView, VisitWork, visits as uc};
use banyan_domain::acquisition::visits::{
    self as rules, LeadVisitState, VisitMethod, VisitOutcome,
};
use banyan_domain::ids::{LeadId, LeadVisitId};
use std::collections::HashMap;

/// A visit as its block shows it.
pub(crate) struct VisitLine {
    pub(crate) id: LeadVisitId,
    pub(crate) state: String,
    pub(crate) state_code: &'static str,
    pub(crate) when: String,
    pub(crate) method: String,
    pub(crate) staff: String,
    pub(crate) purpose: String,
    pub(crate) key_lead: bool,
    /// The preparation's parts that were written: (label, text).
    pub(crate) prep: Vec<(String, String)>,
    /// The record (held at, needs, opinions, outcome, next step) or the cancellation's reason.
    pub(crate) record: Vec<(String, String)>,
    pub(crate) can_record: bool,
    pub(crate) can_cancel: bool,
}

/// The visits' part of the lead's page.
#[derive(Default)]
pub(crate) struct VisitsSection {
    pub(crate) show: bool,
    pub(crate) lines: Vec<VisitLine>,
    pub(crate) can_plan: bool,
    /// Open the plan's form at once: a qualified lead waits for its first visit.
    pub(crate) plan_open: bool,
    pub(crate) methods: Vec<(&'static str, String)>,
    pub(crate) outcomes: Vec<(&'static str, String)>,
    /// The earliest time the plan's picker offers (`YYYY-MM-DDTHH:MM`, the bank's time zone).
    pub(crate) min_at: String,
    /// The latest time a record's picker offers: now.
    pub(crate) max_held: String,
    /// A refused plan's form as sent.
    pub(crate) draft: HashMap<String, String>,
}

impl VisitsSection {
    /// The plan form's field `k` as last sent (a refused plan keeps what was typed).
    pub(crate) fn draft_of(&self, k: &str) -> &str {
        self.draft.get(k).map_or("", String::as_str)
    }
}

fn line(s: &AppState, t: Tr, x: &LeadVisitView, may_write: bool, open_lead: bool) -> VisitLine {
    let when = |at: &str| t.datetime(&s.app.tz, at);
    let prep = [
        ("visit.background", &x.background),
        ("visit.competitors", &x.competitors),
        ("visit.materials", &x.materials),
        ("visit.talking_points", &x.talking_points),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (t.get(k).to_owned(), v.clone())))
    .collect();
    let mut record = Vec::new();
    if let (Some(at), Some(by)) = (&x.held_at, &x.recorded_by) {
        record.push((
            t.get("visit.held_at").to_owned(),
            format!("{} · {by}", when(at)),
        ));
    }
    if let Some(o) = x.outcome {
        record.push((
            t.get("visit.outcome").to_owned(),
            t.of("visit_outcome", o.as_str()),
        ));
    }
    for (k, v) in [
        ("visit.summary", &x.summary),
        ("visit.opinions", &x.opinions),
        ("visit.next_step", &x.next_step),
    ] {
        if let Some(v) = v {
            record.push((t.get(k).to_owned(), v.clone()));
        }
    }
    if x.state == LeadVisitState::Cancelled {
        let why = x
            .cancel_reason
            .clone()
            .unwrap_or_else(|| t.get("visit.cancelled_with_lead").to_owned());
        record.push((t.get("visit.cancel_reason").to_owned(), why));
    }
    let planned = x.state == LeadVisitState::Planned;
    VisitLine {
        id: x.id,
        state: t.of("lead_visit_state", x.state.as_str()),
        state_code: x.state.as_str(),
        when: when(&x.scheduled_at),
        method: t.of("lead_visit_method", x.method.as_str()),
        staff: x.staff.clone(),
        purpose: x.purpose.clone(),
        key_lead: x.key_lead,
        prep,
        record,
        can_record: may_write && planned && open_lead,
        can_cancel: may_write && planned,
    }
}

/// Now as a `datetime-local` value in the bank's time zone (the earliest plan, the latest record).
fn local_now(s: &AppState) -> String {
    jiff::Zoned::now()
        .with_time_zone(s.app.tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The visits' part of the page for this reader.
pub(crate) fn section(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: &LeadView,
    draft: HashMap<String, String>,
) -> VisitsSection {
    let may_write = sess.actor.offers().lead_write;
    let open = v.stage.is_open();
    let can_plan = may_write && rules::may_plan(v.stage) && v.contactable;
    VisitsSection {
        show: rules::may_plan(v.stage) || !v.visits.is_empty(),
        lines: v
            .visits
            .iter()
            .map(|x| line(s, t, x, may_write, open))
            .collect(),
        can_plan,
        plan_open: can_plan && (v.visits.is_empty() || !draft.is_empty()),
        methods: VisitMethod::ALL
            .iter()
            .map(|m| (m.as_str(), t.of("lead_visit_method", m.as_str())))
            .collect(),
        outcomes: VisitOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), t.of("visit_outcome", o.as_str())))
            .collect(),
        min_at: local_now(s),
        max_held: local_now(s),
        draft,
    }
}

/// Whether the lead's owner may move it on by hand: a qualified lead moves by its first plan, a visited
/// one once a visit is recorded.
pub(crate) fn may_advance_by_hand(v: &LeadView) -> bool {
    use banyan_domain::acquisition::LeadStage as S;
    match v.stage {
        S::Qualified => false,
        S::Visiting => v.visits.iter().any(|x| x.state == LeadVisitState::Done),
        _ => true,
    }
}

/// A staff member picked by username (empty: the lead's owner goes).
pub(super) async fn picked_staff(
    s: &AppState,
    f: &std::collections::HashMap<String, String>,
) -> Result<Option<banyan_domain::ids::StaffId>, AppError> {
    match form_text(f, "staff") {
        None => Ok(None),
        Some(u) => match banyan_app::access::actor_for(&s.app, &u).await {
            Ok(a) => Ok(Some(a.id())),
            Err(AppError::NotFound) => Err(AppError::field(
                "staff",
                "not_found",
                "no such staff member",
            )),
            Err(e) => Err(e),
        },
    }
}

/// Plans a visit from the page's form.
pub(super) async fn plan(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let staff = match picked_staff(&s, &f).await {
        Ok(x) => x,
        Err(e) => return redirect_or_refusal(&s, sess, t, id, Err(e)).await,
    };
    let input = LeadVisitInput {
        purpose: form_text(&f, "purpose"),
        scheduled_at: form_text(&f, "scheduled_at").map(|v| local_instant(&s, &v)),
        method: f.get("method").and_then(|m| VisitMethod::parse(m)),
        staff,
        key_lead: f.contains_key("key_lead"),
        background: form_text(&f, "background"),
        competitors: form_text(&f, "competitors"),
        materials: form_text(&f, "materials"),
        talking_points: form_text(&f, "talking_points"),
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = uc::plan(&s.app, &sess.actor, id, input, version)
        .await
        .map(|_| ());
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => Ok(Redirect::to(&format!("/leads/{id}#lead-visits")).into_response()),
        Err(Ok(msg)) => match banyan_app::acquisition::leads::get(&s.app, &sess.actor, id).await {
            Ok(v) => lead_view_drafted(&s, sess, t, v, Some(msg), f).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Records a planned visit or cancels it.
pub(super) async fn act(
    State(s): State<AppState>,
    Path((id, visit)): Path<(LeadId, LeadVisitId)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let w = match f.get("action").map(String::as_str).unwrap_or_default() {
        "record" => VisitWork::Record {
            held_at: form_text(&f, "held_at").map(|v| local_instant(&s, &v)),
            summary: form_text(&f, "summary"),
            opinions: form_text(&f, "opinions"),
            outcome: f.get("outcome").and_then(|o| VisitOutcome::parse(o)),
            next_step: form_text(&f, "next_step"),
        },
        "cancel" => VisitWork::Cancel {
            reason: form_text(&f, "reason"),
        },
        _ => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = uc::act(&s.app, &sess.actor, id, visit, w, version)
        .await
        .map(|_| ());
    redirect_or_refusal(&s, sess, t, id, r).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PickQuery {
    #[serde(default)]
    q: String,
}

/// The plan's staff picker: who may go to this lead (active, with the lead in scope).
pub(super) async fn staff(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    Signed { sess, t }: Signed,
    Query(p): Query<PickQuery>,
) -> Result<Response, PageError> {
    let staff = uc::visit_staff(&s.app, &sess.actor, id, &p.q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::ui::page::fresh_page(
        crate::ui::forms::staff_suggestions(t, staff),
    ))
}
