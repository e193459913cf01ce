//! The deal's team on a lead (seed 002 团队协作): its owner is the relationship manager; a product manager and
//! an operations person are named beside them — one of each, picked among the staff who may work the lead
//! (active, `lead.write`, the lead in their scope), never the owner again. Naming someone is written with
//! the lead's next version, its history and its audit record in one transaction, and tells them.

use super::papers::{check_version, record};
use super::{LeadView, lead_in_scope, staff_names, view_of};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::LeadAction;
use banyan_domain::acquisition::team::{self as rules, DealRole, TeamRefusal};
use banyan_domain::ids::{LeadId, StaffId};
use banyan_store::acquisition::team::{self as store, LeadTeamRow};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Who holds a part on the deal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamMember {
    #[schema(value_type = String, example = "operations")]
    pub role: DealRole,
    pub staff_id: StaffId,
    pub name: String,
    pub assigned_at: String,
}

/// Names someone for a part, or takes the part off the team (`staff` absent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    #[schema(value_type = String, example = "product_manager")]
    pub role: DealRole,
    #[serde(default)]
    pub staff: Option<StaffId>,
}

/// A lead's team, read in `c`: each part's holder by name.
pub(crate) async fn team_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    lead: LeadId,
) -> Result<Vec<TeamMember>> {
    let names = staff_names(app).await?;
    store::team_of(c, lead)
        .await?
        .into_iter()
        .map(|r| {
            let name = names.get(&r.staff_id).cloned().ok_or_else(|| {
                AppError::internal(format!("lead_team of {lead}: staff {} unknown", r.staff_id))
            })?;
            Ok(TeamMember {
                role: r.role,
                staff_id: r.staff_id,
                name,
                assigned_at: crate::fmt_us(r.assigned_at_us),
            })
        })
        .collect()
}

/// Names a product manager or an operations person on the lead, or takes the part off (`lead.write`; at the
/// version read when one is sent). The one named must be able to work the lead; not the owner
/// (`422 staff owner`); a lost or rejected lead keeps its team (`409 invalid_state`).
pub async fn assign(
    app: &App,
    actor: &Actor,
    id: LeadId,
    i: TeamInput,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    let live = old.stage.is_open() || old.stage == banyan_domain::acquisition::LeadStage::Won;
    let now = now_us();
    let had = store::team_of(&*tx, id)
        .await?
        .into_iter()
        .find(|m| m.role == i.role);
    let line = match i.staff {
        Some(staff) => {
            match rules::may_join(staff, old.rm_id, live) {
                Err(TeamRefusal::Closed) => return Err(closed(&old)),
                Err(TeamRefusal::Owner) => {
                    return Err(AppError::field(
                        "staff",
                        "owner",
                        "the lead's owner is the deal's relationship manager already",
                    ));
                }
                Ok(()) => {}
            }
            let Some(st) = banyan_store::access::find_staff(&*tx, staff).await? else {
                return Err(AppError::field(
                    "staff",
                    "not_found",
                    "no such staff member",
                ));
            };
            if !super::visits::may_go(&st, &old) {
                return Err(AppError::field(
                    "staff",
                    "not_allowed",
                    "may not work this lead (inactive, or the lead is not in their scope)",
                ));
            }
            if had.as_ref().is_some_and(|h| h.staff_id == staff) {
                return view_of(app, &*tx, &old, None).await;
            }
            store::clear(&*tx, id, i.role).await?;
            let row = LeadTeamRow {
                lead_id: id,
                role: i.role,
                staff_id: st.id,
                assigned_by: actor.id(),
                assigned_at_us: now,
            };
            store::insert(&*tx, &row).await.map_err(|e| {
                if e.is_conflict_on("lead_team") {
                    AppError::VersionConflict {
                        current_version: i64::from(old.version + 1),
                        since: json!([]),
                    }
                } else {
                    e.into()
                }
            })?;
            let name = staff_names(app).await?.remove(&st.id);
            (
                LeadAction::TeamJoined,
                Some(i.role.as_str().to_owned()),
                name,
            )
        }
        None => {
            if !live {
                return Err(closed(&old));
            }
            if !store::clear(&*tx, id, i.role).await? {
                return view_of(app, &*tx, &old, None).await;
            }
            (LeadAction::TeamLeft, Some(i.role.as_str().to_owned()), None)
        }
    };
    let detail = json!({"role": i.role.as_str(), "staff": i.staff});
    let r = record(app, &*tx, &grant, &old, line, "lead.team", detail).await?;
    if let Some(staff) = i.staff.filter(|s| *s != actor.id()) {
        let n = super::visits::notice(staff, "lead.team_joined", &r, now);
        banyan_store::cases::insert_notices(&*tx, &[n]).await?;
    }
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}

fn closed(r: &banyan_store::acquisition::LeadRow) -> AppError {
    AppError::conflict(
        "invalid_state",
        "a lost or rejected lead keeps its team as it was",
        json!({"current_status": r.stage.as_str()}),
    )
}
