//! Reward schemes and honours (issue 18; seed 002 拓户专项奖励基金, 荣誉证书; seed 003 表彰和奖励; seed 004
//! 绩效奖金): a supervisor proposes a scheme for an ended period and a role — its awards computed from the
//! people's **closed** scorecards (the frozen figures, never live ones) by the scheme's rule — another
//! supervisor or senior manager approves or rejects it (four eyes: never the proposer), and an approved
//! scheme is exported for payroll (a CSV in the reader's words, every cell neutralised). Honours are
//! recorded per person. A branch supervisor reaches their branch's schemes; a senior manager every one.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, rewards as rw};
use banyan_domain::wealth::kpi::Period;
use banyan_store::customers::ScopeFilter;
use banyan_store::performance::rewards::{self as store, AwardRow, HonourRow, SchemeRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A scheme as proposed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeInput {
    /// Upper-case letters, digits and hyphens, 2-20 (`ACQ-2026Q3`).
    pub code: String,
    pub name: String,
    /// An ended quarter (`2026-Q3`) or year (`2026`).
    pub period: String,
    /// Whose scorecards it reads.
    pub role: Role,
    /// The branch whose people it rewards: a branch supervisor's own (the default); a senior manager's
    /// choice, none for the whole bank.
    #[serde(default)]
    pub branch_code: Option<String>,
    pub rule: rw::RewardRule,
    /// For `threshold` and `pool_share`: the composite to reach; for `team_pool`, the team's mean composite.
    #[serde(default)]
    pub min_composite: Option<f64>,
    /// For `threshold`: each person's award, in yuan.
    #[serde(default)]
    pub amount_yuan: Option<f64>,
    /// For `ranking`: the first rank's award, the second's …, in yuan.
    #[serde(default)]
    pub rank_amounts_yuan: Vec<f64>,
    /// For `pool_share`: the pool, in yuan; for `team_pool`, each qualifying team's pool.
    #[serde(default)]
    pub pool_yuan: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One award in a scheme.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RewardAward)]
pub struct AwardView {
    pub staff_id: StaffId,
    pub name: String,
    pub branch_code: Option<String>,
    pub rank: i32,
    pub composite: f64,
    /// Yuan.
    pub amount: f64,
}

/// A scheme with its awards.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RewardScheme)]
pub struct SchemeView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub period: String,
    pub role: Role,
    pub branch_code: Option<String>,
    pub rule: rw::RewardRule,
    pub min_composite: Option<f64>,
    pub state: rw::SchemeState,
    pub note: Option<String>,
    /// Yuan.
    pub total: f64,
    pub proposed_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub proposed_at: jiff::Timestamp,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub exported: bool,
    pub awards: Vec<AwardView>,
    /// Whether the reader may approve or reject it (proposed, and not theirs).
    pub may_decide: bool,
}

#[allow(clippy::cast_precision_loss)]
fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

fn fen(yuan: f64) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)]
    let f = (yuan * 100.0).round() as i64;
    (yuan.is_finite() && (f as f64 - yuan * 100.0).abs() < 1e-6).then_some(f)
}

/// Whether a scheme is the reader's to see: every one for a reader of every branch, their branch's for a
/// branch supervisor (a bank-wide scheme names other branches' people).
fn in_scope(scope: &ScopeFilter, s: &SchemeRow) -> bool {
    match scope {
        ScopeFilter::All => true,
        ScopeFilter::Branch(b) => s.branch_code.as_deref() == Some(b.as_str()),
        _ => false,
    }
}

fn view(
    s: &SchemeRow,
    awards: &[AwardRow],
    staff: &[banyan_store::access::StaffRow],
    reader: StaffId,
) -> Result<SchemeView> {
    let names = crate::access::names_of(staff);
    let name = |id: StaffId| {
        names.get(&id).cloned().ok_or_else(|| {
            AppError::internal(format!(
                "reward_schemes {} names staff {id} not on the staff",
                s.id
            ))
        })
    };
    Ok(SchemeView {
        id: s.id,
        code: s.code.clone(),
        name: s.name.clone(),
        period: s.period.clone(),
        role: s.role,
        branch_code: s.branch_code.clone(),
        rule: s.rule,
        min_composite: s.params.min_composite,
        state: s.state,
        note: s.note.clone(),
        total: yuan(s.total_fen),
        proposed_by: name(s.proposed_by)?,
        proposed_at: jiff::Timestamp::from_microsecond(s.proposed_at_us)
            .map_err(|e| AppError::internal_from("reward_schemes.proposed_at_us", e))?,
        decided_by: s.decided_by.map(name).transpose()?,
        decision_note: s.decision_note.clone(),
        exported: s.exported_at_us.is_some(),
        awards: awards
            .iter()
            .map(|a| {
                Ok(AwardView {
                    staff_id: a.staff_id,
                    name: name(a.staff_id)?,
                    branch_code: staff
                        .iter()
                        .find(|p| p.id == a.staff_id)
                        .and_then(|p| p.branch_code.clone()),
                    rank: a.rank,
                    #[allow(clippy::cast_precision_loss)]
                    composite: a.composite_milli as f64 / 1000.0,
                    amount: yuan(a.amount_fen),
                })
            })
            .collect::<Result<_>>()?,
        may_decide: s.state == rw::SchemeState::Proposed && s.proposed_by != reader,
    })
}

/// The rule's figures from the input, each missing or bad one named.
fn params_of(input: &SchemeInput, e: &mut FieldErrors) -> rw::RuleParams {
    let money = |e: &mut FieldErrors, field: &str, v: f64| {
        let f = fen(v);
        if f.is_none() {
            e.push(field, "format", "yuan, to the fen");
        }
        f
    };
    let p = rw::RuleParams {
        min_composite: input.min_composite,
        amount_fen: input.amount_yuan.and_then(|v| money(e, "amount_yuan", v)),
        rank_amounts_fen: input
            .rank_amounts_yuan
            .iter()
            .filter_map(|v| money(e, "rank_amounts_yuan", *v))
            .collect(),
        pool_fen: input.pool_yuan.and_then(|v| money(e, "pool_yuan", v)),
    };
    for (field, rule, message) in rw::check(input.rule, &p) {
        e.push(field, rule, message);
    }
    p
}

/// Proposes a scheme: its awards computed from the period's closed scorecards of the role in the branch
/// (`performance.manage`; audited `performance.reward_propose`; Idempotency-Key).
pub async fn propose(app: &App, actor: &Actor, input: SchemeInput) -> Result<SchemeView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let staff = banyan_store::access::list_staff(c).await?;
    let mut e = FieldErrors::new();
    if !perf::training::check_course_code(input.code.trim()) {
        e.push(
            "code",
            "format",
            "upper-case letters, digits and hyphens, 2-20, starting with a letter",
        );
    }
    let name = crate::text::one_line(&mut e, "name", &input.name, 100);
    if input.name.trim().is_empty() {
        e.push("name", "required", "must not be empty");
    }
    let period = Period::parse(&input.period);
    match &period {
        Err(_) => e.push("period", "period", "a quarter (2026-Q3) or a year (2026)"),
        Ok(p) if !perf::closable(*p, app.today()) => {
            e.push(
                "period",
                "not_ended",
                "a period is rewarded once it has ended",
            );
        }
        Ok(_) => {}
    }
    let branch = match grant.scope() {
        ScopeFilter::Branch(b) => {
            if input.branch_code.as_deref().is_some_and(|x| x != b) {
                e.push("branch_code", "unknown", "not a branch in your scope");
            }
            Some(b)
        }
        _ => {
            let b = input.branch_code.clone().filter(|b| !b.trim().is_empty());
            if let Some(b) = &b
                && !staff.iter().any(|s| s.branch_code.as_deref() == Some(b))
            {
                e.push("branch_code", "unknown", "not a branch of the bank");
            }
            b
        }
    };
    if app.policy().performance.card(input.role).is_none() {
        e.push("role", "no_card", "the role has no scorecard");
    }
    let params = params_of(&input, &mut e);
    let note = input
        .note
        .as_deref()
        .and_then(|v| crate::text::one_line(&mut e, "note", v, 500));
    e.into_result().map_err(AppError::Validation)?;
    let period = period.map_err(AppError::Validation)?;
    // The people of the role there, and their latest closed scorecards of the period.
    let people: Vec<StaffId> = staff
        .iter()
        .filter(|s| !s.disabled && s.role == input.role)
        .filter(|s| branch.is_none() || s.branch_code == branch)
        .map(|s| s.id)
        .collect();
    let mut closed: HashMap<StaffId, i64> = HashMap::new();
    for r in banyan_store::performance::closed_of(c, &period.code(), &people).await? {
        closed.insert(r.staff_id, r.composite_milli); // versions ascending: the latest stays
    }
    if closed.is_empty() {
        return Err(AppError::conflict(
            "nothing_closed",
            "no scorecard of the role is closed for the period there",
            json!({}),
        ));
    }
    // A team pool reads the team each person is in when the scheme is proposed.
    #[allow(clippy::cast_precision_loss)]
    let composites: Vec<rw::Scored> = closed
        .iter()
        .map(|(id, m)| rw::Scored {
            staff_id: *id,
            team: staff
                .iter()
                .find(|s| s.id == *id)
                .and_then(|s| s.team.clone()),
            composite: *m as f64 / 1000.0,
        })
        .collect();
    let id = Uuid::now_v7();
    let awards: Vec<AwardRow> = rw::awards(input.rule, &params, &composites)
        .into_iter()
        .map(|a| AwardRow {
            id: Uuid::now_v7(),
            scheme_id: id,
            staff_id: a.staff_id,
            rank: i32::try_from(a.rank).unwrap_or(i32::MAX),
            #[allow(clippy::cast_possible_truncation)]
            composite_milli: (a.composite * 1000.0).round() as i64,
            amount_fen: a.amount_fen,
        })
        .collect();
    let row = SchemeRow {
        id,
        code: input.code.trim().to_owned(),
        name: name.unwrap_or_default(),
        period: period.code(),
        role: input.role,
        branch_code: branch,
        rule: input.rule,
        params,
        state: rw::SchemeState::Proposed,
        note,
        total_fen: awards.iter().map(|a| a.amount_fen).sum(),
        proposed_by: actor.id(),
        proposed_at_us: banyan_store::now_us(),
        decided_by: None,
        decided_at_us: None,
        decision_note: None,
        exported_at_us: None,
    };
    let tx = app.db.begin_write().await?;
    store::insert_scheme(&*tx, &row, &awards)
        .await
        .map_err(AppError::unless_unique(
            "reward_schemes",
            "duplicate_code",
            "a scheme with this code exists",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.reward_propose",
            entity: "reward_scheme",
            entity_id: Some(row.code.clone()),
            customer_id: None,
            detail: json!({"period": row.period, "rule": row.rule.as_str(), "awards": awards.len(),
                "total_yuan": yuan(row.total_fen)}),
        }],
    )
    .await?;
    let v = view(&row, &awards, &staff, actor.id())?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The schemes in reach, newest first, without their awards (`performance.manage`).
pub async fn schemes(app: &App, actor: &Actor) -> Result<Vec<SchemeView>> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let staff = banyan_store::access::list_staff(c).await?;
    let scope = grant.scope();
    store::schemes(c)
        .await?
        .iter()
        .filter(|s| in_scope(&scope, s))
        .map(|s| view(s, &[], &staff, actor.id()))
        .collect()
}

/// A scheme with its awards; out of reach is not found.
pub async fn scheme(app: &App, actor: &Actor, id: Uuid) -> Result<SchemeView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let s = store::scheme(c, id).await?.ok_or(AppError::NotFound)?;
    if !in_scope(&grant.scope(), &s) {
        return Err(AppError::NotFound);
    }
    let staff = banyan_store::access::list_staff(c).await?;
    view(&s, &store::awards_of(c, id).await?, &staff, actor.id())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    pub approve: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// Approves or rejects a proposed scheme: a second person, never the proposer (`performance.manage`;
/// audited `performance.reward_decide`).
pub async fn decide(app: &App, actor: &Actor, id: Uuid, input: DecideInput) -> Result<SchemeView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let s = store::scheme(c, id).await?.ok_or(AppError::NotFound)?;
    if !in_scope(&grant.scope(), &s) {
        return Err(AppError::NotFound);
    }
    if s.proposed_by == actor.id() {
        return Err(AppError::forbidden(
            "same_person",
            "a reward scheme is approved by a second person, not its proposer",
        ));
    }
    let Some(state) = s.state.decide(input.approve) else {
        return Err(AppError::conflict(
            "invalid_state",
            "only a proposed scheme is approved or rejected",
            json!({"current_status": s.state.as_str()}),
        ));
    };
    let note = crate::text::optional_line("note", input.note.as_deref(), 500)?;
    let now = banyan_store::now_us();
    let tx = app.db.begin_write().await?;
    if !store::decide(&*tx, id, state, actor.id(), now, note.clone()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "someone decided the scheme first",
            json!({}),
        ));
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.reward_decide",
            entity: "reward_scheme",
            entity_id: Some(s.code.clone()),
            customer_id: None,
            detail: json!({"state": state.as_str(), "total_yuan": yuan(s.total_fen)}),
        }],
    )
    .await?;
    tx.commit().await?;
    scheme(app, actor, id).await
}

/// An approved scheme's awards for payroll: a CSV in the reader's words (every cell neutralised); audited
/// `performance.reward_export` and marked exported.
pub async fn payroll_csv(
    app: &App,
    actor: &Actor,
    id: Uuid,
    words: &dyn crate::tabular::Words,
) -> Result<Vec<u8>> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let v = scheme(app, actor, id).await?;
    if v.state != rw::SchemeState::Approved {
        return Err(AppError::conflict(
            "not_approved",
            "only an approved scheme goes to payroll",
            json!({"current_status": v.state.as_str()}),
        ));
    }
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    // An award names someone on the staff list; one who is not is corrupt data, never an empty payroll row.
    let username = |sid: StaffId| {
        staff
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.username.clone())
            .ok_or_else(|| {
                AppError::internal(format!("reward_awards of {} name staff {sid}", v.code))
            })
    };
    let columns = [
        "username",
        "perf.person",
        "branch_code",
        "reward.scheme",
        "kpi.period",
        "perf.rank",
        "perf.composite",
        "reward.amount",
    ];
    let rows: Vec<Vec<String>> = v
        .awards
        .iter()
        .map(|a| {
            Ok(vec![
                username(a.staff_id)?,
                a.name.clone(),
                a.branch_code.clone().unwrap_or_default(),
                v.name.clone(),
                v.period.clone(),
                a.rank.to_string(),
                format!("{:.1}", a.composite),
                format!("{:.2}", a.amount),
            ])
        })
        .collect::<Result<_>>()?;
    let bytes = crate::tabular::write_csv_for(words, &columns, rows)?;
    let tx = app.db.begin_write().await?;
    store::mark_exported(&*tx, id, banyan_store::now_us()).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.reward_export",
            entity: "reward_scheme",
            entity_id: Some(v.code.clone()),
            customer_id: None,
            detail: json!({"awards": v.awards.len(), "total_yuan": v.total}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// An honour to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HonourInput {
    pub staff_id: StaffId,
    /// 拓户之星, 优秀关爱服务团队成员 …
    pub title: String,
    /// The quarter or year it recognises.
    pub period: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HonourView {
    pub staff_id: StaffId,
    pub name: String,
    pub title: String,
    pub period: String,
    pub reason: Option<String>,
    pub awarded_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub awarded_at: jiff::Timestamp,
}

fn honour_view(h: &HonourRow, names: &HashMap<StaffId, String>) -> Result<HonourView> {
    let name = |id: StaffId| {
        names
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("honours {} names staff {id}", h.id)))
    };
    Ok(HonourView {
        staff_id: h.staff_id,
        name: name(h.staff_id)?,
        title: h.title.clone(),
        period: h.period.clone(),
        reason: h.reason.clone(),
        awarded_by: name(h.awarded_by)?,
        awarded_at: jiff::Timestamp::from_microsecond(h.awarded_at_us)
            .map_err(|e| AppError::internal_from("honours.awarded_at_us", e))?,
    })
}

/// Records an honour for a person in reach (`performance.manage`; audited `performance.honour`;
/// Idempotency-Key).
pub async fn honour(app: &App, actor: &Actor, input: HonourInput) -> Result<HonourView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let person = super::training::managed(actor, &staff, input.staff_id)?;
    let mut e = FieldErrors::new();
    let title = crate::text::one_line(&mut e, "title", &input.title, 60);
    if input.title.trim().is_empty() {
        e.push("title", "required", "must not be empty");
    }
    if Period::parse(&input.period).is_err() {
        e.push("period", "period", "a quarter (2026-Q3) or a year (2026)");
    }
    let reason = input
        .reason
        .as_deref()
        .and_then(|v| crate::text::one_line(&mut e, "reason", v, 500));
    e.into_result().map_err(AppError::Validation)?;
    let row = HonourRow {
        id: Uuid::now_v7(),
        staff_id: person.id,
        title: title.unwrap_or_default(),
        period: input.period.trim().to_owned(),
        reason,
        awarded_by: actor.id(),
        awarded_at_us: banyan_store::now_us(),
    };
    let tx = app.db.begin_write().await?;
    store::insert_honour(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.honour",
            entity: "staff",
            entity_id: Some(person.username.clone()),
            customer_id: None,
            detail: json!({"title": row.title, "period": row.period}),
        }],
    )
    .await?;
    let v = honour_view(&row, &crate::access::names_of(&staff))?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The honours of the people in reach (one's own for someone who manages no one), newest first.
pub async fn honours(app: &App, actor: &Actor) -> Result<Vec<HonourView>> {
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (_, people) = super::training::reach(actor, &staff)?;
    let ids: Vec<StaffId> = people.iter().map(|s| s.id).collect();
    let names = crate::access::names_of(&staff);
    store::honours_of(&app.db.conn, &ids)
        .await?
        .iter()
        .map(|h| honour_view(h, &names))
        .collect()
}
