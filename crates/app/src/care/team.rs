//! The care team (seed 003 §三): five parts named by a supervisor, each member confirming the
//! confidentiality terms before the compartment opens to them; the team's tasks, done by their holder (a
//! check-in done sets the next), shown on each member's home page.

use super::{CareView, audit, check_version, load, view_of};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::CareStatus;
use banyan_domain::care::team::{CareRole, CareTaskKind};
use banyan_domain::ids::{CareId, CareTaskId, CustomerId, StaffId};
use banyan_store::care::{self as store, CareTaskRow, CareTeamRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Names someone for a part, or takes the part off the team (`staff` absent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CareTeamInput {
    pub role: CareRole,
    #[serde(default)]
    pub staff: Option<StaffId>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// One of the reader's open care tasks (their home page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyCareTask {
    pub id: CareTaskId,
    pub care_id: CareId,
    pub customer_id: CustomerId,
    pub customer_no: String,
    pub customer_name: String,
    pub kind: CareTaskKind,
    #[schema(value_type = String, format = Date)]
    pub due_on: jiff::civil::Date,
    pub overdue: bool,
}

/// Names a member for a part or takes the part off (`care.manage`, the customer in scope). The one named must
/// be active and work care (`care.work`); their part's open tasks go to them; they are told, and must confirm
/// the confidentiality terms before the compartment opens to them.
pub async fn assign(app: &App, actor: &Actor, id: CareId, i: CareTeamInput) -> Result<CareView> {
    let grant = actor.require(Permission::CareManage)?;
    let tx = app.db.begin_write().await?;
    let (old, cust, _) = load(&*tx, actor, id).await?;
    if !grant.can_see(&cust.branch_code, cust.rm_id) {
        return Err(AppError::NotFound);
    }
    check_version(&old, i.version)?;
    if !matches!(old.status, CareStatus::Verified | CareStatus::Registered) {
        return Err(AppError::conflict(
            "invalid_state",
            "a team is named for a verified or registered record",
            json!({"current_status": old.status.as_str()}),
        ));
    }
    let now = now_us();
    let had = store::team_of(&*tx, id)
        .await?
        .into_iter()
        .find(|m| m.role == i.role);
    match i.staff {
        Some(staff) => {
            let Some(st) = banyan_store::access::find_staff(&*tx, staff).await? else {
                return Err(AppError::field(
                    "staff",
                    "not_found",
                    "no such staff member",
                ));
            };
            if st.disabled || !st.role.has(Permission::CareWork) {
                return Err(AppError::field(
                    "staff",
                    "not_allowed",
                    "may not work care records (inactive, or the role does not)",
                ));
            }
            if had.as_ref().is_some_and(|h| h.staff_id == staff) {
                let team = store::team_of(&*tx, id).await?;
                return view_of(app, &*tx, actor, &old, &cust, &team).await;
            }
            let team = store::team_of(&*tx, id).await?;
            if team.iter().any(|m| m.staff_id == staff) {
                return Err(AppError::field(
                    "staff",
                    "already_on_team",
                    "holds another part on this team",
                ));
            }
            store::clear_role(&*tx, id, i.role).await?;
            store::insert_member(
                &*tx,
                &CareTeamRow {
                    record_id: id,
                    role: i.role,
                    staff_id: staff,
                    assigned_by: actor.id(),
                    assigned_at_us: now,
                    confirmed_at_us: None,
                },
            )
            .await?;
            if staff != actor.id() {
                let n = super::notice(staff, "care.team_joined", &cust, now);
                banyan_store::cases::insert_notices(&*tx, &[n]).await?;
            }
        }
        None => {
            if !store::clear_role(&*tx, id, i.role).await? {
                let team = store::team_of(&*tx, id).await?;
                return view_of(app, &*tx, actor, &old, &cust, &team).await;
            }
        }
    }
    store::reassign_tasks(&*tx, id, i.role, i.staff).await?;
    // The record's version moves with its team, so a stale page's change of the team is refused.
    let r = super::save(
        app,
        &*tx,
        &grant,
        &old,
        old.clone(),
        "care.team",
        json!({"role": i.role.as_str(), "staff": i.staff}),
    )
    .await?;
    let team = store::team_of(&*tx, id).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// The member confirms the confidentiality terms (`care.work`, on the team): from now the compartment opens to
/// them. Confirming twice changes nothing.
pub async fn confirm_terms(app: &App, actor: &Actor, id: CareId) -> Result<CareView> {
    let grant = actor.require(Permission::CareWork)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    if !team.iter().any(|m| m.staff_id == actor.id()) {
        return Err(AppError::forbidden(
            "not_on_team",
            "only the record's team confirms its terms",
        ));
    }
    if store::confirm(&*tx, id, actor.id(), now_us()).await? {
        audit(app, &*tx, &grant, &r, "care.confirm_terms", json!({})).await?;
    }
    let team = store::team_of(&*tx, id).await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// Marks a task done (`care.work`): its holder, or a supervisor of the record. A check-in done sets the next
/// one while the record is registered.
pub async fn task_done(app: &App, actor: &Actor, id: CareId, task: CareTaskId) -> Result<CareView> {
    let grant = actor.require(Permission::CareWork)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    let tasks = store::tasks_of(&*tx, id).await?;
    let Some(t) = tasks.iter().find(|t| t.id == task) else {
        return Err(AppError::NotFound);
    };
    let supervises = actor.role().has(Permission::CareManage);
    if t.staff_id != Some(actor.id()) && !supervises {
        return Err(AppError::forbidden(
            "not_your_task",
            "the task is another member's",
        ));
    }
    if t.done_at_us.is_some() {
        return Err(AppError::conflict(
            "invalid_state",
            "the task is done already",
            json!({}),
        ));
    }
    let now = now_us();
    store::finish_task(&*tx, id, task, actor.id(), now).await?;
    if t.kind == CareTaskKind::CheckIn && r.status == CareStatus::Registered {
        let next = CareTaskRow {
            id: CareTaskId::new(),
            record_id: id,
            kind: CareTaskKind::CheckIn,
            role: t.role,
            staff_id: team.iter().find(|m| m.role == t.role).map(|m| m.staff_id),
            due_on: app.policy().care.tasks.next_check_in(app.today()),
            done_at_us: None,
            done_by: None,
        };
        store::insert_tasks(&*tx, &[next]).await?;
    }
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.task_done",
        json!({"kind": t.kind.as_str()}),
    )
    .await?;
    let v = view_of(app, &*tx, actor, &r, &cust, &team).await?;
    tx.commit().await?;
    Ok(v)
}

/// The reader's open care tasks, soonest first (`care.work`).
pub async fn my_tasks(app: &App, actor: &Actor) -> Result<Vec<MyCareTask>> {
    actor.require(Permission::CareWork)?;
    let c = &app.db.conn;
    let rows = store::open_tasks_of(c, actor.id(), 50).await?;
    let today = app.today();
    let ids: Vec<CareId> = rows.iter().map(|t| t.record_id).collect();
    let records = store::find_many(c, &ids).await?;
    let customers = banyan_store::customers::rows_by_ids(
        c,
        &records
            .iter()
            .map(|r| r.customer_id.uuid())
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let r = records
            .iter()
            .find(|r| r.id == t.record_id)
            .ok_or_else(|| AppError::internal(format!("care task {}: record missing", t.id)))?;
        let cust = customers
            .iter()
            .find(|x| x.id == r.customer_id)
            .ok_or_else(|| AppError::internal(format!("care {}: customer missing", r.id)))?;
        out.push(MyCareTask {
            id: t.id,
            care_id: r.id,
            customer_id: r.customer_id,
            customer_no: cust.customer_no.clone(),
            customer_name: cust.display_name.clone(),
            kind: t.kind,
            due_on: t.due_on,
            overdue: t.due_on < today,
        });
    }
    Ok(out)
}

/// Who a picker offers on a record's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Members for the team (active, `care.work`).
    Team,
    /// Supervisors to name to the compartment (active, `care.manage`).
    Supervisor,
    /// A home visit's second staff member (any active staff member who serves customers).
    Staff,
}

/// The staff a record's pickers offer, matching `q` (`care.manage` for the team and supervisors, `care.work`
/// for a visit's second person; the record visible to the reader).
pub async fn candidates(
    app: &App,
    actor: &Actor,
    id: CareId,
    q: &str,
    pick: Pick,
) -> Result<Vec<crate::access::StaffView>> {
    match pick {
        Pick::Team | Pick::Supervisor => actor.require(Permission::CareManage)?,
        Pick::Staff => actor.require(Permission::CareWork)?,
    };
    load(&app.db.conn, actor, id).await?;
    let need = match pick {
        Pick::Team | Pick::Staff => Permission::CareWork,
        Pick::Supervisor => Permission::CareManage,
    };
    crate::access::pick_staff(app, q, |st| !st.disabled && st.role.has(need)).await
}
