//! The acquisition team's meetings on the workbench (团队会议): the reader's open actions, the meetings of
//! the branch newest first with their count and pages, and the form that records one — attendees ticked
//! among the branch's staff, actions given to one of them with a day (picked, not typed).

use crate::AppState;
use crate::ui::forms::{form_text, local_instant, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::Session;
use banyan_app::acquisition::meetings::{
    self as uc, ActionInput, ActionView, MeetingInput, MeetingView, Named,
};
use banyan_domain::ids::{MeetingActionId, MeetingId};

const PER_PAGE: u64 = 10;
/// Action rows the form offers.
const ACTION_ROWS: usize = 3;

/// An action as the page lists it.
struct ActionLine {
    meeting: MeetingId,
    id: MeetingActionId,
    what: String,
    owner: String,
    due: String,
    state: String,
    overdue: bool,
    /// The reader may mark it done (its owner, or a supervisor).
    can_done: bool,
}

struct MeetingLine {
    when: String,
    team: Option<String>,
    topic: String,
    minutes: String,
    attendees: String,
    actions: Vec<ActionLine>,
}

#[derive(Template)]
#[template(path = "lead_meetings.html")]
struct MeetingsPage {
    c: Chrome,
    title: String,
    total: String,
    items: Vec<MeetingLine>,
    mine: Vec<ActionLine>,
    prev: Option<String>,
    next: Option<String>,
    can_record: bool,
    staff: Vec<Named>,
    rows: Vec<usize>,
    max_held: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: u64,
}

fn action_line(s: &AppState, sess: &Session, t: Tr, a: &ActionView) -> ActionLine {
    let open = a.state.as_str() == "open";
    let o = sess.actor.offers();
    ActionLine {
        meeting: a.meeting_id,
        id: a.id,
        what: a.what.clone(),
        owner: a.owner.name.clone(),
        due: t.date(&a.due_on),
        state: match (&a.done_by, &a.done_at) {
            (Some(by), Some(at)) => t
                .get("meeting.done_by")
                .replace("{by}", by)
                .replace("{at}", &t.datetime(&s.app.tz, at)),
            _ => t.of("action_state", a.state.as_str()),
        },
        overdue: a.overdue,
        can_done: open && o.lead_write && (a.owner.id == sess.actor.id() || o.lead_override),
    }
}

fn meeting_line(s: &AppState, sess: &Session, t: Tr, m: &MeetingView) -> MeetingLine {
    MeetingLine {
        when: t.datetime(&s.app.tz, &m.held_at),
        team: m.team.clone(),
        topic: m.topic.clone(),
        minutes: m.minutes.clone(),
        attendees: m
            .attendees
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        actions: m
            .actions
            .iter()
            .map(|a| action_line(s, sess, t, a))
            .collect(),
    }
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    page: u64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let fail = |e, sess: &Session| PageError::App(e, t, Some(sess.clone()));
    let p = uc::list(&s.app, &sess.actor, page.saturating_mul(PER_PAGE), PER_PAGE)
        .await
        .map_err(|e| fail(e, &sess))?;
    let can_record = sess.actor.offers().lead_write;
    let staff = if can_record {
        uc::branch_staff(&s.app, &sess.actor)
            .await
            .map_err(|e| fail(e, &sess))?
    } else {
        Vec::new()
    };
    let pages = p.total.div_ceil(PER_PAGE).max(1);
    let total = t
        .get("meeting.total")
        .replace("{n}", &p.total.to_string())
        .replace("{k}", &page.saturating_add(1).to_string())
        .replace("{p}", &pages.to_string());
    let failed = error.is_some();
    Ok(page_status(
        MeetingsPage {
            title: t.get("meeting.title").to_owned(),
            c: chrome(t, Some(&sess), "/leads/meetings"),
            total,
            items: p
                .items
                .iter()
                .map(|m| meeting_line(s, &sess, t, m))
                .collect(),
            mine: p
                .my_actions
                .iter()
                .map(|a| action_line(s, &sess, t, a))
                .collect(),
            prev: (page > 0).then(|| format!("/leads/meetings?page={}", page - 1)),
            next: (page.saturating_add(1) < pages)
                .then(|| format!("/leads/meetings?page={}", page + 1)),
            can_record: can_record && !staff.is_empty(),
            staff,
            rows: (0..ACTION_ROWS).collect(),
            max_held: jiff::Timestamp::now()
                .to_zoned(s.app.tz.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string(),
            error,
        },
        failed,
    ))
}

pub(super) async fn meetings_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    view(&s, sess, t, q.page, None).await
}

/// Records a meeting from the page's form: an action row counts when its text is filled.
pub(super) async fn record(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let attendees = f
        .keys()
        .filter_map(|k| k.strip_prefix("attendee."))
        .filter_map(|id| id.parse().ok())
        .collect();
    let mut actions = Vec::new();
    for k in 0..ACTION_ROWS {
        let Some(what) = form_text(&f, &format!("what{k}")) else {
            continue;
        };
        let owner = f.get(&format!("owner{k}")).and_then(|v| v.parse().ok());
        let Some(owner) = owner else {
            let msg = crate::ui::forms::rule_text(t, "owner", "required", "", None);
            return view(&s, sess, t, 0, Some(msg)).await;
        };
        actions.push(ActionInput {
            what,
            owner,
            due_on: form_text(&f, &format!("due{k}")).unwrap_or_default(),
        });
    }
    let input = MeetingInput {
        held_at: form_text(&f, "held_at")
            .map(|v| local_instant(&s, &v))
            .unwrap_or_default(),
        branch_code: None,
        team: form_text(&f, "team"),
        topic: f.get("topic").cloned().unwrap_or_default(),
        minutes: f.get("minutes").cloned().unwrap_or_default(),
        attendees,
        actions,
    };
    match uc::record(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to("/leads/meetings").into_response()),
        Err(Ok(msg)) => view(&s, sess, t, 0, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Marks an action done.
pub(super) async fn done(
    State(s): State<AppState>,
    Path((meeting, action)): Path<(MeetingId, MeetingActionId)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match uc::done(&s.app, &sess.actor, meeting, action)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to("/leads/meetings").into_response()),
        Err(Ok(msg)) => view(&s, sess, t, 0, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
