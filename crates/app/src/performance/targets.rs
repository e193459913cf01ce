//! Targets for a team and for a whole branch (seed 000 §7; issue 18: targets per KPI per period for a person,
//! a team, a branch): a supervisor sets them for their branch, a senior manager for any. A target for a group is
//! either for each of its people — a person's line reads the nearest target set: their own, their team's, their
//! branch's, else the policy card's — or for the group as a whole (`whole`): the team's or branch's summary line
//! reads it against the group's summed figure, and the people's own lines do not.

use super::{from_milli, milli, people_in_reach, period_of};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, StaffKpi, TargetSource};
use banyan_store::access::StaffRow;
use banyan_store::customers::ScopeFilter;
use banyan_store::performance::{self as store, GroupTargetRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The targets each of these people's lines read in a period, by KPI, with where each comes from (a KPI
/// without one reads the policy's).
pub(crate) async fn resolved(
    app: &App,
    period: &str,
    people: &[StaffRow],
) -> Result<HashMap<StaffId, HashMap<StaffKpi, (f64, TargetSource)>>> {
    let c = &app.db.conn;
    let ids: Vec<StaffId> = people.iter().map(|s| s.id).collect();
    let mut branches: Vec<String> = people
        .iter()
        .filter_map(|s| s.branch_code.clone())
        .collect();
    branches.sort();
    branches.dedup();
    let groups = if branches.is_empty() {
        Vec::new()
    } else {
        store::group_targets_of(c, period, Some(&branches)).await?
    };
    let own = store::targets_of(c, period, &ids).await?;
    let mut out: HashMap<StaffId, HashMap<StaffKpi, (f64, TargetSource)>> = HashMap::new();
    for s in people {
        let mut mine: HashMap<StaffKpi, (f64, TargetSource)> = HashMap::new();
        let Some(branch) = s.branch_code.as_deref() else {
            // A bank-wide post has no team or branch target.
            out.insert(s.id, mine);
            continue;
        };
        // The branch's first, then the team's over it; a target for the group as a whole is not a person's.
        for g in groups
            .iter()
            .filter(|g| !g.whole && g.branch_code == branch && g.team.is_empty())
        {
            mine.insert(g.kpi, (from_milli(g.target_milli), TargetSource::Branch));
        }
        if let Some(team) = s.team.as_deref() {
            for g in groups
                .iter()
                .filter(|g| !g.whole && g.branch_code == branch && g.team == team)
            {
                mine.insert(g.kpi, (from_milli(g.target_milli), TargetSource::Team));
            }
        }
        out.insert(s.id, mine);
    }
    for t in own {
        out.entry(t.staff_id)
            .or_default()
            .insert(t.kpi, (from_milli(t.target_milli), TargetSource::Own));
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupTargetInput {
    /// A quarter (`2026-Q4`) or a year (`2026`).
    pub period: String,
    pub branch_code: String,
    /// The team within the branch; absent for the whole branch.
    #[serde(default)]
    pub team: Option<String>,
    pub kpi: StaffKpi,
    /// On the KPI's scale.
    pub target_value: f64,
    /// For the team or branch as a whole (its summary line reads it against the group's summed figure), not
    /// for each of its people; false when absent.
    #[serde(default)]
    pub whole: bool,
}

/// A team's or branch's target as set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupTarget {
    pub period: String,
    pub branch_code: String,
    /// None for the whole branch.
    pub team: Option<String>,
    pub kpi: StaffKpi,
    pub target: f64,
    /// For the group as a whole rather than each of its people.
    pub whole: bool,
    /// The value before, when one was set (only in the answer to setting it).
    pub before: Option<f64>,
}

fn view(r: &GroupTargetRow, before: Option<f64>) -> GroupTarget {
    GroupTarget {
        period: r.period.clone(),
        branch_code: r.branch_code.clone(),
        team: Some(r.team.clone()).filter(|t| !t.is_empty()),
        kpi: r.kpi,
        target: from_milli(r.target_milli),
        whole: r.whole,
        before,
    }
}

/// The team and branch targets of a period in the reader's reach (their branch, or every branch).
pub async fn group_targets(app: &App, actor: &Actor, period: &str) -> Result<Vec<GroupTarget>> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let period = period_of(app, Some(period))?;
    let rows = match grant.scope() {
        ScopeFilter::All => store::group_targets_of(&app.db.conn, &period.code(), None).await?,
        ScopeFilter::Branch(b) => {
            store::group_targets_of(&app.db.conn, &period.code(), Some(&[b])).await?
        }
        ScopeFilter::Rm(_) | ScopeFilter::Nothing => Vec::new(),
    };
    Ok(rows.iter().map(|r| view(r, None)).collect())
}

/// Sets a team's or a whole branch's target for a KPI in a period (audited; idempotent per key): the
/// branch within the reader's scope and staffed by people with a card, the team one of its teams, the KPI on
/// a card, the value on its scale.
pub async fn set_group_target(
    app: &App,
    actor: &Actor,
    input: GroupTargetInput,
) -> Result<GroupTarget> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let period = period_of(app, Some(&input.period))?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (_, _, people) = people_in_reach(app, actor, &staff)?;
    let branch = input.branch_code.trim().to_owned();
    let team = input
        .team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let mut e = FieldErrors::new();
    let there: Vec<&StaffRow> = people
        .iter()
        .filter(|s| s.branch_code.as_deref() == Some(branch.as_str()))
        .collect();
    if there.is_empty() {
        // Another branch than one's own reads as unknown: no existence leak.
        e.push("branch_code", "unknown", "no branch with people to assess");
    } else if let Some(t) = &team
        && !there.iter().any(|s| s.team.as_deref() == Some(t.as_str()))
    {
        e.push("team", "unknown", "no such team in the branch");
    }
    let on_a_card = app
        .policy()
        .performance
        .cards
        .iter()
        .any(|c| c.kpis.iter().any(|k| k.kpi == input.kpi));
    if !on_a_card {
        e.push("kpi", "not_on_card", "is not a KPI of any scorecard");
    } else if let Err(m) = perf::check_target(input.kpi, input.target_value) {
        e.push("target_value", "scale", m);
    }
    e.into_result().map_err(AppError::Validation)?;
    let row = GroupTargetRow {
        id: Uuid::now_v7(),
        period: period.code(),
        branch_code: branch,
        team: team.unwrap_or_default(),
        kpi: input.kpi,
        target_milli: milli(input.target_value),
        set_by: actor.id(),
        set_at_us: banyan_store::now_us(),
        whole: input.whole,
    };
    let tx = app.db.begin_write().await?;
    let before = store::put_group_target(&*tx, &row).await?.map(from_milli);
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.group_target",
            entity: "branch",
            entity_id: Some(row.branch_code.clone()),
            customer_id: None,
            detail: json!({"period": row.period, "team": Some(&row.team).filter(|t| !t.is_empty()),
                "kpi": row.kpi.as_str(), "whole": row.whole,
                "target_value": input.target_value, "before": before}),
        }],
    )
    .await?;
    let out = view(&row, before);
    crate::idempotency::commit(tx, actor, 201, &out).await?;
    Ok(out)
}
