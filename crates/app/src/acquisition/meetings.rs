//! The acquisition team's meetings (seed 002 团队协作): recorded by those who work leads, for their branch —
//! when, who attended (the branch's active staff), the topic, the minutes and the actions agreed, each
//! given to an attendee with its day. Those given an action are told; its owner or a supervisor marks it
//! done. A meeting is read by the branch's staff (every branch's by a bank-wide reader).

use super::staff_names;
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, ScopeKind};
use banyan_domain::acquisition::meetings::{self as rules, ActionDraft, ActionState};
use banyan_domain::ids::{MeetingActionId, MeetingId, StaffId};
use banyan_store::acquisition::meetings::{self as store, MeetingActionRow, MeetingRow};
use banyan_store::cases::NoticeRow;
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The furthest a list of meetings is paged.
const OFFSET_MAX: u64 = 100_000;

/// An action agreed at the meeting.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub what: String,
    /// An attendee.
    pub owner: StaffId,
    /// `YYYY-MM-DD`, on or after the meeting.
    pub due_on: String,
}

/// A meeting to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// When it took place (RFC 3339), not in the future.
    pub held_at: String,
    /// The branch (the recorder's own; a bank-wide role names one).
    #[serde(default)]
    pub branch_code: Option<String>,
    /// A team of the branch, when it was one team's meeting.
    #[serde(default)]
    pub team: Option<String>,
    pub topic: String,
    pub minutes: String,
    /// Staff of the branch who attended.
    pub attendees: Vec<StaffId>,
    #[serde(default)]
    pub actions: Vec<ActionInput>,
}

/// A staff member by name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub id: StaffId,
    pub name: String,
}

/// An action as the meeting's page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionView {
    pub id: MeetingActionId,
    pub meeting_id: MeetingId,
    pub what: String,
    pub owner: Named,
    pub due_on: String,
    #[schema(value_type = String, example = "open")]
    pub state: ActionState,
    /// Open past its day.
    pub overdue: bool,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
}

/// A meeting with its minutes and actions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: MeetingId,
    pub branch_code: String,
    pub team: Option<String>,
    pub held_at: String,
    pub topic: String,
    pub minutes: String,
    pub attendees: Vec<Named>,
    pub actions: Vec<ActionView>,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// A page of meetings, newest first, and the reader's own open actions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingPage {
    pub total: u64,
    pub items: Vec<MeetingView>,
    /// The reader's open actions from any meeting, the earliest due first.
    pub my_actions: Vec<ActionView>,
}

fn named(names: &HashMap<StaffId, String>, id: StaffId, what: &str) -> Result<Named> {
    let name = names
        .get(&id)
        .cloned()
        .ok_or_else(|| AppError::internal(format!("{what}: staff {id} unknown")))?;
    Ok(Named { id, name })
}

fn action_view(
    a: &MeetingActionRow,
    names: &HashMap<StaffId, String>,
    today: &str,
) -> Result<ActionView> {
    Ok(ActionView {
        id: a.id,
        meeting_id: a.meeting_id,
        what: a.what.clone(),
        owner: named(names, a.owner_id, "acq_meeting_actions.owner_id")?,
        due_on: a.due_on.clone(),
        state: a.state,
        overdue: a.state == ActionState::Open && a.due_on.as_str() < today,
        done_by: a.done_by.and_then(|d| names.get(&d).cloned()),
        done_at: a.done_at_us.map(crate::fmt_us),
    })
}

fn view(
    m: &MeetingRow,
    actions: &[MeetingActionRow],
    names: &HashMap<StaffId, String>,
    today: &str,
) -> Result<MeetingView> {
    Ok(MeetingView {
        id: m.id,
        branch_code: m.branch_code.clone(),
        team: m.team.clone(),
        held_at: crate::fmt_us(m.held_at_us),
        topic: m.topic.clone(),
        minutes: m.minutes.clone(),
        attendees: m
            .attendees
            .iter()
            .map(|a| named(names, *a, "acq_meetings.attendees"))
            .collect::<Result<_>>()?,
        actions: actions
            .iter()
            .filter(|a| a.meeting_id == m.id)
            .map(|a| action_view(a, names, today))
            .collect::<Result<_>>()?,
        created_by: names.get(&m.created_by).cloned(),
        created_at: crate::fmt_us(m.created_at_us),
    })
}

/// The branch whose meetings the actor reads (none: every branch's).
fn read_branch(actor: &Actor) -> Result<Option<String>> {
    match actor.scope_kind() {
        ScopeKind::All => Ok(None),
        ScopeKind::None => Err(AppError::NotFound),
        ScopeKind::Branch | ScopeKind::Own => actor
            .branch_code()
            .map(|b| Some(b.to_owned()))
            .ok_or(AppError::NotFound),
    }
}

/// Records a meeting (answered 201; a retry with the same Idempotency-Key writes nothing twice).
pub async fn record(app: &App, actor: &Actor, i: MeetingInput) -> Result<MeetingView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let mut e = FieldErrors::new();
    let branch = match (actor.branch_code(), i.branch_code.as_deref().map(str::trim)) {
        (Some(own), Some(b)) if b != own && !b.is_empty() => {
            e.push(
                "branch_code",
                "not_allowed",
                "a branch records its own meetings",
            );
            own.to_owned()
        }
        (Some(own), _) => own.to_owned(),
        (None, Some(b)) if !b.is_empty() => b.to_owned(),
        (None, _) => {
            e.push(
                "branch_code",
                "required",
                "a bank-wide role names the branch",
            );
            String::new()
        }
    };
    let held_at = super::visits::time(&mut e, "held_at", Some(&i.held_at));
    let held_on = held_at.map(|us| app.date_of_us(us));
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let of_branch = |id: &StaffId| {
        staff
            .iter()
            .any(|s| s.id == *id && !s.disabled && s.branch_code.as_deref() == Some(&branch))
    };
    let mut attendees = i.attendees.clone();
    attendees.dedup();
    if attendees.iter().any(|a| !of_branch(a)) {
        e.push(
            "attendees",
            "not_allowed",
            "attendees are active staff of the branch",
        );
    }
    let mut drafts = Vec::with_capacity(i.actions.len());
    for (k, a) in i.actions.iter().enumerate() {
        match a.due_on.trim().parse::<jiff::civil::Date>() {
            Ok(d) => drafts.push(ActionDraft {
                what: a.what.trim().to_owned(),
                owner: a.owner,
                due_on: d,
            }),
            Err(_) => e.push(
                format!("actions[{k}].due_on"),
                "format",
                "must be YYYY-MM-DD",
            ),
        }
    }
    e.0.extend(
        rules::check(
            held_on,
            app.today(),
            &i.topic,
            &i.minutes,
            &attendees,
            &drafts,
        )
        .0,
    );
    e.into_result()?;
    let (Some(held_at_us), true) = (held_at, drafts.len() == i.actions.len()) else {
        return Err(AppError::internal("a checked meeting without its time"));
    };
    let now = now_us();
    let m = MeetingRow {
        id: MeetingId::new(),
        branch_code: branch,
        team: i
            .team
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
        held_at_us,
        topic: i.topic.trim().to_owned(),
        minutes: i.minutes.trim().to_owned(),
        attendees,
        created_by: actor.id(),
        created_at_us: now,
    };
    let actions: Vec<MeetingActionRow> = drafts
        .into_iter()
        .enumerate()
        .map(|(k, a)| MeetingActionRow {
            id: MeetingActionId::new(),
            meeting_id: m.id,
            pos: i32::try_from(k).unwrap_or(i32::MAX),
            what: a.what,
            owner_id: a.owner,
            due_on: a.due_on.to_string(),
            state: ActionState::Open,
            done_by: None,
            done_at_us: None,
        })
        .collect();
    let tx = app.db.begin_write().await?;
    store::insert_meeting(&*tx, &m, &actions).await?;
    let notices: Vec<NoticeRow> = actions
        .iter()
        .filter(|a| a.owner_id != actor.id())
        .map(|a| NoticeRow {
            id: uuid::Uuid::now_v7(),
            staff_id: a.owner_id.uuid(),
            case_id: None,
            customer_id: None,
            kind: "lead.meeting_action".to_owned(),
            text: format!("{} · {}", m.topic, a.due_on),
            created_at_us: now,
            read_at_us: None,
        })
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "acq.meeting.record",
            entity: "meeting",
            entity_id: Some(m.id.to_string()),
            customer_id: None,
            detail: json!({"branch": m.branch_code, "attendees": m.attendees.len(), "actions": actions.len()}),
        }],
    )
    .await?;
    let names = staff_names(app).await?;
    let v = view(&m, &actions, &names, &app.today().to_string())?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The meetings the reader may read, newest first (`offset`, at most `limit`), with the reader's open
/// actions.
pub async fn list(app: &App, actor: &Actor, offset: u64, limit: u64) -> Result<MeetingPage> {
    actor.require(Permission::LeadRead)?;
    // Pages are read from the newest; past this many meetings nobody pages (and the database's offset is
    // signed).
    if offset > OFFSET_MAX {
        return Err(AppError::field("offset", "max", "must be at most 100000"));
    }
    let branch = read_branch(actor)?;
    let (rows, total) =
        store::meetings(&app.db.conn, branch.as_deref(), offset, limit.clamp(1, 100)).await?;
    let ids: Vec<MeetingId> = rows.iter().map(|m| m.id).collect();
    let actions = store::actions_of(&app.db.conn, &ids).await?;
    let names = staff_names(app).await?;
    let today = app.today().to_string();
    let items = rows
        .iter()
        .map(|m| view(m, &actions, &names, &today))
        .collect::<Result<_>>()?;
    let my_actions = store::open_actions_of(&app.db.conn, actor.id())
        .await?
        .iter()
        .map(|a| action_view(a, &names, &today))
        .collect::<Result<_>>()?;
    Ok(MeetingPage {
        total,
        items,
        my_actions,
    })
}

/// Marks an action done: its owner, or a supervisor of the meeting's branch (`lead.override`). A meeting the
/// reader may not read is not found; an action already done is `409 invalid_state`.
pub async fn done(
    app: &App,
    actor: &Actor,
    meeting: MeetingId,
    action: MeetingActionId,
) -> Result<MeetingView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let branch = read_branch(actor)?;
    let tx = app.db.begin_write().await?;
    let m = store::find_meeting(&*tx, meeting)
        .await?
        .filter(|m| branch.as_deref().is_none_or(|b| b == m.branch_code))
        .ok_or(AppError::NotFound)?;
    let actions = store::actions_of(&*tx, &[m.id]).await?;
    let a = actions
        .iter()
        .find(|a| a.id == action)
        .ok_or(AppError::NotFound)?;
    if a.owner_id != actor.id() && actor.require(Permission::LeadOverride).is_err() {
        return Err(AppError::Forbidden {
            code: "not_action_owner",
            message: "an action is marked done by its owner or a supervisor".into(),
        });
    }
    if a.state.done().is_none() || !store::mark_done(&*tx, a.id, actor.id(), now_us()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "the action is done already",
            json!({"current_status": ActionState::Done.as_str()}),
        ));
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "acq.meeting.action_done",
            entity: "meeting",
            entity_id: Some(m.id.to_string()),
            customer_id: None,
            detail: json!({"action": a.id}),
        }],
    )
    .await?;
    let actions = store::actions_of(&*tx, &[m.id]).await?;
    let names = staff_names(app).await?;
    let v = view(&m, &actions, &names, &app.today().to_string())?;
    tx.commit().await?;
    Ok(v)
}

/// Who may attend a meeting the actor records: the active staff of the actor's branch, by name (none for a
/// bank-wide role, which names a branch through the API).
pub async fn branch_staff(app: &App, actor: &Actor) -> Result<Vec<Named>> {
    actor.require(Permission::LeadWrite)?;
    let Some(branch) = actor.branch_code() else {
        return Ok(Vec::new());
    };
    let names = staff_names(app).await?;
    let mut out: Vec<Named> = banyan_store::access::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .filter(|s| !s.disabled && s.branch_code.as_deref() == Some(branch))
        .map(|s| named(&names, s.id, "staff"))
        .collect::<Result<_>>()?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
