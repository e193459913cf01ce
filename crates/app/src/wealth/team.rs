//! A high-net-worth client's advisory team (seed 000 §4): the planner names the bank's investment experts,
//! lawyers, accountants, tax advisers and insurance specialists beside the wealth manager — from any branch:
//! membership opens the client's wealth page to them (and only that page) — and the team keeps its notes
//! and tasks there, sealed. A task is given to a member (or the client's manager) with a day; they are told,
//! and they or a planner mark it done.

use super::{Basis, audit, open, planner, reader, seal};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::team::{AdvisorRole, EntryKind};
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use banyan_store::wealth::team::{self as store, EntryRow, MemberRow};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A member to name and their part.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub staff: StaffId,
    pub role: AdvisorRole,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AdvisorView)]
pub struct MemberView {
    pub staff_id: StaffId,
    pub name: String,
    pub role: AdvisorRole,
    pub added_by: String,
    pub added_at: String,
}

fn name(names: &HashMap<StaffId, String>, id: StaffId) -> Result<String> {
    super::staff_name(names, id, "wealth team")
}

pub(crate) fn member_view(names: &HashMap<StaffId, String>, m: &MemberRow) -> Result<MemberView> {
    Ok(MemberView {
        staff_id: m.staff_id,
        name: name(names, m.staff_id)?,
        role: m.role,
        added_by: name(names, m.added_by)?,
        added_at: crate::fmt_us(m.added_at_us),
    })
}

/// Who may be named: active staff who read customers (every role but the administrator).
pub(crate) fn may_advise(s: &banyan_store::access::StaffRow) -> bool {
    !s.disabled && s.role.has(Permission::CustomerRead) && s.role != Role::Admin
}

/// A notice to a member about the client: its number only.
fn notice(
    staff: StaffId,
    kind: &str,
    cust: &CustomerRow,
    at: i64,
) -> banyan_store::cases::NoticeRow {
    banyan_store::cases::NoticeRow::about_customer(
        staff.uuid(),
        kind,
        cust.id.uuid(),
        cust.customer_no.clone(),
        at,
    )
}

/// Names a member of the client's advisory team (`wealth.plan`, in scope); they are told.
pub async fn add_member(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: MemberInput,
) -> Result<MemberView> {
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let staff = banyan_store::access::find_staff(&*tx, i.staff).await?;
    let Some(staff) = staff.filter(may_advise) else {
        return Err(AppError::field(
            "staff",
            "unknown",
            "no active staff member who reads customers has this id",
        ));
    };
    let now = now_us();
    let r = MemberRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        staff_id: i.staff,
        role: i.role,
        added_by: actor.id(),
        added_at_us: now,
    };
    if let Err(e) = store::insert_member(&*tx, &r).await {
        return Err(if e.is_conflict_on("wealth_team") {
            AppError::conflict(
                "already_member",
                "this staff member is already on the client's team",
                json!({}),
            )
        } else {
            e.into()
        });
    }
    if i.staff != actor.id() {
        banyan_store::cases::insert_notices(&*tx, &[notice(i.staff, "wealth.team", &cust, now)])
            .await?;
    }
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.team_add",
        json!({"staff": i.staff.to_string(), "staff_name": staff.display_name, "role": i.role.as_str()}),
    )
    .await?;
    let v = member_view(&crate::access::names_by_id(app).await?, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Takes a member off the team (`wealth.plan`, in scope); the page no longer opens to them.
pub async fn remove_member(app: &App, actor: &Actor, customer: Uuid, staff: StaffId) -> Result<()> {
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    if !store::remove_member(&*tx, cust.id, staff).await? {
        return Err(AppError::NotFound);
    }
    let name = banyan_store::access::find_staff(&*tx, staff)
        .await?
        .ok_or_else(|| AppError::internal(format!("wealth team: staff {staff} unknown")))?
        .display_name;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.team_remove",
        json!({"staff": staff.to_string(), "staff_name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A note, or a task for a member by a day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub kind: EntryKind,
    /// At most 1,000 characters.
    pub body: String,
    /// A task's member (on the team, or the client's manager).
    #[serde(default)]
    pub assignee: Option<StaffId>,
    /// A task's day (today or later).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AdvisoryEntryView)]
pub struct EntryView {
    pub id: Uuid,
    pub kind: EntryKind,
    pub author: String,
    pub body: String,
    pub assignee: Option<String>,
    pub assignee_id: Option<StaffId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
    /// An open task past its day.
    pub overdue: bool,
    pub at: String,
    pub version: i32,
}

pub(crate) fn entry_view(
    app: &App,
    names: &HashMap<StaffId, String>,
    r: &EntryRow,
) -> Result<EntryView> {
    Ok(EntryView {
        id: r.id,
        kind: r.kind,
        author: name(names, r.author)?,
        body: open(app, &format!("wealth_entries {}", r.id), &r.body_enc)?,
        assignee: r.assignee.map(|a| name(names, a)).transpose()?,
        assignee_id: r.assignee,
        due_on: r.due_on,
        done_by: r.done_by.map(|a| name(names, a)).transpose()?,
        done_at: r.done_at_us.map(crate::fmt_us),
        overdue: r.kind == EntryKind::Task
            && r.done_at_us.is_none()
            && r.due_on.is_some_and(|d| d < app.today()),
        at: crate::fmt_us(r.at_us),
        version: r.version,
    })
}

/// Writes a note or gives a task on the client's team (a planner in scope, or a member). A task names a
/// member (or the client's manager) and a day; they are told.
pub async fn add_entry(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: EntryInput,
) -> Result<EntryView> {
    let body = crate::text::required_text("body", &i.body, 1000)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust, _) = reader(&*tx, actor, customer).await?;
    match (i.kind, i.assignee, i.due_on) {
        (EntryKind::Note, None, None) => {}
        (EntryKind::Note, _, _) => {
            return Err(AppError::field(
                "assignee",
                "not_allowed",
                "a note gives nobody a task or a day",
            ));
        }
        (EntryKind::Task, None, _) => {
            return Err(AppError::field(
                "assignee",
                "required",
                "a task names its member",
            ));
        }
        (EntryKind::Task, _, None) => {
            return Err(AppError::field("due_on", "required", "a task has a day"));
        }
        (EntryKind::Task, Some(a), Some(d)) => {
            if d < app.today() {
                return Err(AppError::field("due_on", "future", "today or later"));
            }
            if cust.rm_id != Some(a) && !store::is_member(&*tx, cust.id, a).await? {
                return Err(AppError::field(
                    "assignee",
                    "member",
                    "a task is given to a member of the team or the client's manager",
                ));
            }
        }
    }
    let now = now_us();
    let r = EntryRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        kind: i.kind,
        author: actor.id(),
        body_enc: seal(app, &body)?,
        assignee: i.assignee,
        due_on: i.due_on,
        done_by: None,
        done_at_us: None,
        at_us: now,
        version: 1,
    };
    store::insert_entry(&*tx, &r).await?;
    if let Some(a) = r.assignee.filter(|a| *a != actor.id()) {
        banyan_store::cases::insert_notices(&*tx, &[notice(a, "wealth.task", &cust, now)]).await?;
    }
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.entry",
        json!({"kind": r.kind.as_str()}),
    )
    .await?;
    let v = entry_view(app, &crate::access::names_by_id(app).await?, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Marks a task done: its member, or a planner with the client in scope.
pub async fn finish_task(app: &App, actor: &Actor, id: Uuid) -> Result<EntryView> {
    let tx = app.db.begin_write().await?;
    let old = store::entry(&*tx, id).await?.ok_or(AppError::NotFound)?;
    let (grant, cust, basis) = reader(&*tx, actor, old.customer_id.uuid()).await?;
    if old.kind != EntryKind::Task || old.done_at_us.is_some() {
        return Err(AppError::conflict(
            "invalid_state",
            "only an open task is marked done",
            json!({}),
        ));
    }
    if basis != Basis::Scope && old.assignee != Some(actor.id()) {
        return Err(AppError::forbidden(
            "not_assignee",
            "a task is marked done by its member or the client's planner",
        ));
    }
    let new = EntryRow {
        done_by: Some(actor.id()),
        done_at_us: Some(now_us()),
        version: old.version + 1,
        ..old.clone()
    };
    super::written(
        store::update_entry(&*tx, &new, old.version).await?,
        new.version,
    )?;
    audit(app, &*tx, &grant, &cust, "wealth.task_done", json!({})).await?;
    tx.commit().await?;
    entry_view(app, &crate::access::names_by_id(app).await?, &new)
}
