//! Staff performance (issue 18; seed 000 §7, seeds 002-004): each person's scorecard for a quarter — the
//! KPIs of their role's card in the policy, each figure counted from Banyan's own records against its
//! target (the person's own where a supervisor set it), the attainment, the weighted score, the composite
//! and the rank within the team — drilling down to the records; supervisors set targets and close a
//! quarter's scorecards with their assessment (frozen with the policy version; closing again is a
//! corrected version, audited).
//!
//! Who reads: everyone with a card reads their own (`performance.read`); a supervisor the people of their
//! branch and a senior manager everyone (`performance.manage`). Anyone else's scorecard is not found.

pub mod decision;
pub mod figures;
pub mod groups;
pub mod rewards;
pub mod targets;
pub mod training;

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{self as perf, KpiLine, PerfRating, StaffKpi};
use banyan_domain::wealth::kpi::Period;
use banyan_store::access::StaffRow;
use banyan_store::performance::{self as store, ScorecardRow, TargetRow};
use figures::Record;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// A quarter (`2026-Q4`) or a year (`2026`); the current quarter when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// Only this team's people.
    #[serde(default)]
    pub team: Option<String>,
}

/// Where a scorecard stands: open while its quarter runs (or until a supervisor closes it), closed once
/// frozen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Closing {
    pub version: i32,
    pub rating: PerfRating,
    pub comment: Option<String>,
    pub closed_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub closed_at: jiff::Timestamp,
    pub policy_version: String,
}

/// One person's scorecard of a quarter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffCard {
    pub staff_id: StaffId,
    pub name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub lines: Vec<KpiLine>,
    /// The weighted attainments summed: 100 at every target met.
    pub composite: f64,
    /// 1 for the highest composite within the team (the branch for people without a team).
    pub rank: u32,
    pub team_size: u32,
    /// Closed (frozen): the figures are those of the closing, not recomputed.
    pub closed: Option<Closing>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScorecardReport {
    pub period: String,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Whether the quarter has ended (its scorecards may be closed).
    pub ended: bool,
    pub cards: Vec<StaffCard>,
    /// Whether the reader may set targets and close.
    pub may_manage: bool,
    /// The cards summed per team, branch (and, for a reader of every branch, the bank) and role — for those who
    /// manage; empty for one's own card.
    pub groups: Vec<groups::GroupCard>,
}

/// The people a reader reaches, with the grant that proves it: the people with a card in the reader's
/// scope (`performance.manage`), or the reader alone.
fn people_in_reach<'a>(
    app: &App,
    actor: &'a Actor,
    staff: &[StaffRow],
) -> Result<(Granted<'a>, bool, Vec<StaffRow>)> {
    let has_card = |s: &StaffRow| !s.disabled && app.policy().performance.card(s.role).is_some();
    if let Ok(g) = actor.require(Permission::PerformanceManage) {
        let reach = staff
            .iter()
            .filter(|s| has_card(s))
            .filter(|s| crate::access::staff_in_scope(&g.scope(), s))
            .cloned()
            .collect();
        return Ok((g, true, reach));
    }
    let g = actor.require(Permission::PerformanceRead)?;
    let me = staff
        .iter()
        .filter(|s| s.id == actor.id() && has_card(s))
        .cloned()
        .collect();
    Ok((g, false, me))
}

fn period_of(app: &App, p: Option<&str>) -> Result<Period> {
    // A quarter, or a year (seed 000 §7: 按季度和年度).
    Ok(match p {
        Some(p) => Period::parse(p).map_err(AppError::Validation)?,
        None => Period::quarter_of(app.today()),
    })
}

fn milli(v: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let m = (v * 1000.0).round() as i64;
    m
}

#[allow(clippy::cast_precision_loss)]
fn from_milli(m: i64) -> f64 {
    m as f64 / 1000.0
}

/// The scorecards of the people in reach for a quarter: live while open, frozen once closed.
pub async fn scorecards(app: &App, actor: &Actor, q: ScorecardQuery) -> Result<ScorecardReport> {
    let period = period_of(app, q.period.as_deref())?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (grant, may_manage, mut people) = people_in_reach(app, actor, &staff)?;
    if let Some(team) = q.team.as_deref().filter(|t| !t.is_empty()) {
        people.retain(|s| s.team.as_deref() == Some(team));
    }
    let cards = ranked(app, period, &people, &staff).await?.0;
    let (from, to) = period.days();
    let groups = if may_manage {
        let bank = matches!(grant.scope(), banyan_store::customers::ScopeFilter::All);
        let wholes: groups::Wholes =
            banyan_store::performance::group_targets_of(&app.db.conn, &period.code(), None)
                .await?
                .into_iter()
                .filter(|g| g.whole)
                .map(|g| ((g.branch_code, g.team, g.kpi), from_milli(g.target_milli)))
                .collect();
        groups::summed(
            &cards,
            bank,
            app.policy().performance.attainment_cap_pct,
            &wholes,
        )
    } else {
        Vec::new()
    };
    Ok(ScorecardReport {
        period: period.code(),
        from,
        to,
        ended: perf::closable(period, app.today()),
        cards,
        may_manage,
        groups,
    })
}

/// The cards of these people, each ranked among its peers — the active people of the same branch, team and
/// role, whether or not the reader reaches them (only the rank is shown of them) — with their records.
async fn ranked(
    app: &App,
    period: Period,
    people: &[StaffRow],
    staff: &[StaffRow],
) -> Result<(Vec<StaffCard>, HashMap<StaffId, Vec<Record>>)> {
    let group = |s: &StaffRow| (s.branch_code.clone(), s.team.clone(), s.role);
    let groups: std::collections::HashSet<_> = people.iter().map(group).collect();
    let peers: Vec<StaffRow> = staff
        .iter()
        .filter(|s| !s.disabled && app.policy().performance.card(s.role).is_some())
        .filter(|s| groups.contains(&group(s)))
        .cloned()
        .collect();
    let (cards, mut records) = cards_of(app, period, &peers, staff).await?;
    let shown: std::collections::HashSet<StaffId> = people.iter().map(|s| s.id).collect();
    records.retain(|id, _| shown.contains(id));
    Ok((
        cards
            .into_iter()
            .filter(|c| shown.contains(&c.staff_id))
            .collect(),
        records,
    ))
}

/// The cards of these people (ranked within their teams) and the records behind them.
async fn cards_of(
    app: &App,
    period: Period,
    people: &[StaffRow],
    staff: &[StaffRow],
) -> Result<(Vec<StaffCard>, HashMap<StaffId, Vec<Record>>)> {
    let ids: Vec<StaffId> = people.iter().map(|s| s.id).collect();
    let code = period.code();
    let c = &app.db.conn;
    let mut targets = targets::resolved(app, &code, people).await?;
    let mut closed: HashMap<StaffId, ScorecardRow> = HashMap::new();
    for r in store::closed_of(c, &code, &ids).await? {
        closed.insert(r.staff_id, r); // versions ascending: the latest stays
    }
    let mut read = figures::read(app, period, &ids).await?;
    let names = crate::access::names_of(staff);
    let mut cards = Vec::new();
    let policy = app.policy();
    for s in people {
        let Some(card) = policy.performance.card(s.role) else {
            continue;
        };
        // Nobody's records: a person with none in the period (their figures are counts of nothing).
        let mut records = read.records.remove(&s.id).unwrap_or_else(Vec::new);
        // The records are read for every card's KPIs at once; a person's are those of their own card.
        records.retain(|r| card.kpis.iter().any(|k| k.kpi == r.kpi));
        let (lines, composite, closing) = match closed.remove(&s.id) {
            Some(r) => (
                r.lines.clone(),
                from_milli(r.composite_milli),
                Some(closing_of(&r, &names)?),
            ),
            None => {
                let lines = figures::lines(
                    app,
                    card,
                    period,
                    &records,
                    &targets.remove(&s.id).unwrap_or_default(),
                );
                let composite = lines.iter().map(|l| l.score).sum();
                (lines, composite, None)
            }
        };
        cards.push((
            StaffCard {
                staff_id: s.id,
                name: names
                    .get(&s.id)
                    .cloned()
                    .unwrap_or_else(|| s.username.clone()),
                role: s.role,
                branch_code: s.branch_code.clone(),
                team: s.team.clone(),
                lines,
                composite,
                rank: 0,
                team_size: 0,
                closed: closing,
            },
            records,
        ));
    }
    rank(&mut cards);
    let mut records = HashMap::with_capacity(cards.len());
    let cards = cards
        .into_iter()
        .map(|(c, r)| {
            records.insert(c.staff_id, r);
            c
        })
        .collect();
    Ok((cards, records))
}

/// Ranks each card among the people of its team (its branch for people without one) with the same role —
/// the same card, so composites compare: 1 for the highest, ties sharing a rank; the cards end ordered by
/// team, role, then rank.
fn rank(cards: &mut [(StaffCard, Vec<Record>)]) {
    let key = |c: &StaffCard| (c.branch_code.clone(), c.team.clone(), c.role.as_str());
    cards.sort_by(|(a, _), (b, _)| {
        key(a)
            .cmp(&key(b))
            .then(b.composite.total_cmp(&a.composite))
            .then(a.name.cmp(&b.name))
    });
    let mut i = 0;
    while i < cards.len() {
        let k = key(&cards[i].0);
        let end = cards[i..]
            .iter()
            .position(|(c, _)| key(c) != k)
            .map_or(cards.len(), |p| i + p);
        let size = u32::try_from(end - i).unwrap_or(u32::MAX);
        for j in i..end {
            let better = cards[i..end]
                .iter()
                .filter(|(c, _)| c.composite > cards[j].0.composite)
                .count();
            cards[j].0.rank = u32::try_from(better + 1).unwrap_or(u32::MAX);
            cards[j].0.team_size = size;
        }
        i = end;
    }
}

fn closing_of(r: &ScorecardRow, names: &HashMap<StaffId, String>) -> Result<Closing> {
    Ok(Closing {
        version: r.version,
        rating: r.rating,
        comment: r.comment.clone(),
        closed_by: names.get(&r.closed_by).cloned().ok_or_else(|| {
            AppError::internal(format!(
                "perf_scorecards {} closed by {}, who is not on the staff",
                r.id, r.closed_by
            ))
        })?,
        closed_at: jiff::Timestamp::from_microsecond(r.closed_at_us)
            .map_err(|e| AppError::internal_from("perf_scorecards.closed_at_us", e))?,
        policy_version: r.policy_version.clone(),
    })
}

/// One person's scorecard with the records behind every figure and the composites of the quarters closed
/// before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardDetail {
    pub period: String,
    pub ended: bool,
    pub may_manage: bool,
    pub card: StaffCard,
    /// The records each figure counts (the live records; a closed card's figures are those frozen).
    pub records: Vec<Record>,
    /// Closed quarters, newest first: (quarter, composite).
    pub trend: Vec<QuarterScore>,
    /// The bonus and promotion decision on a closed year (the latest version).
    pub decision: Option<decision::DecisionView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarterScore {
    pub period: String,
    pub composite: f64,
}

/// The person's scorecard for a quarter; not found outside the reader's reach.
pub async fn scorecard(
    app: &App,
    actor: &Actor,
    staff_id: StaffId,
    period: Option<&str>,
) -> Result<CardDetail> {
    let period = period_of(app, period)?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let (_, may_manage, people) = people_in_reach(app, actor, &staff)?;
    let Some(person) = people.iter().find(|s| s.id == staff_id).cloned() else {
        return Err(AppError::NotFound);
    };
    let (cards, mut records) = ranked(app, period, std::slice::from_ref(&person), &staff).await?;
    let card = cards
        .into_iter()
        .find(|c| c.staff_id == staff_id)
        .ok_or(AppError::NotFound)?;
    let trend = store::history_of(&app.db.conn, staff_id)
        .await?
        .into_iter()
        // The same kind of period: quarters beside a quarter, years beside a year.
        .filter(|r| {
            r.period != period.code() && r.period.contains("-Q") == period.quarter.is_some()
        })
        .take(8)
        .map(|r| QuarterScore {
            period: r.period,
            composite: from_milli(r.composite_milli),
        })
        .collect();
    let decision = decision::latest(
        app,
        &period.code(),
        staff_id,
        &crate::access::names_of(&staff),
    )
    .await?;
    Ok(CardDetail {
        period: period.code(),
        ended: perf::closable(period, app.today()),
        may_manage,
        records: records.remove(&staff_id).unwrap_or_else(Vec::new),
        card,
        trend,
        decision,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerfTargetInput {
    /// `2026-Q4`.
    pub period: String,
    pub staff_id: StaffId,
    pub kpi: StaffKpi,
    /// On the KPI's scale: a count, a percent (0-100) or a score (1-5).
    pub target_value: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerfTargetSet {
    pub period: String,
    pub staff_id: StaffId,
    pub kpi: StaffKpi,
    pub target: f64,
    /// The person's own target before, if one was set.
    pub before: Option<f64>,
}

/// The person, if a manager of performance reaches them: a scorecard outside one's scope is not found.
fn reached(app: &App, actor: &Actor, staff: &[StaffRow], id: StaffId) -> Result<StaffRow> {
    let (_, may_manage, people) = people_in_reach(app, actor, staff)?;
    let person = people
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    if !may_manage {
        return Err(AppError::forbidden(
            "permission_denied",
            "only a supervisor sets targets and closes scorecards",
        ));
    }
    Ok(person)
}

/// Another person a manager of performance reaches, for a decision about them — never oneself (`own`: the
/// refusal's code and words) — with the staff list read for it (their names).
async fn other_reached(
    app: &App,
    actor: &Actor,
    id: StaffId,
    own: (&'static str, &'static str),
) -> Result<(Vec<StaffRow>, StaffRow)> {
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let person = reached(app, actor, &staff, id)?;
    if person.id == actor.id() {
        return Err(AppError::forbidden(own.0, own.1));
    }
    Ok((staff, person))
}

/// Sets a person's own target for a KPI of their card in a quarter (audited; idempotent per key).
pub async fn set_target(app: &App, actor: &Actor, input: PerfTargetInput) -> Result<PerfTargetSet> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let period = period_of(app, Some(&input.period))?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let person = reached(app, actor, &staff, input.staff_id)?;
    let mut e = FieldErrors::new();
    let policy = app.policy();
    let card = policy.performance.card(person.role);
    if !card.is_some_and(|c| c.kpis.iter().any(|k| k.kpi == input.kpi)) {
        e.push(
            "kpi",
            "not_on_card",
            "is not a KPI of this person's scorecard",
        );
    } else if let Err(m) = perf::check_target(input.kpi, input.target_value) {
        e.push("target_value", "scale", m);
    }
    e.into_result().map_err(AppError::Validation)?;
    let row = TargetRow {
        id: Uuid::now_v7(),
        period: period.code(),
        staff_id: person.id,
        kpi: input.kpi,
        target_milli: milli(input.target_value),
        set_by: actor.id(),
        set_at_us: banyan_store::now_us(),
    };
    let tx = app.db.begin_write().await?;
    let before = store::put_target(&*tx, &row).await?.map(from_milli);
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.target",
            entity: "staff",
            entity_id: Some(person.username.clone()),
            customer_id: None,
            detail: json!({"period": row.period, "kpi": row.kpi.as_str(), "target_value": input.target_value,
                "before": before}),
        }],
    )
    .await?;
    let out = PerfTargetSet {
        period: row.period,
        staff_id: person.id,
        kpi: row.kpi,
        target: from_milli(row.target_milli),
        before,
    };
    crate::idempotency::commit(tx, actor, 201, &out).await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// The quarter (`2026-Q3`), once ended.
    pub period: String,
    pub rating: PerfRating,
    /// The supervisor's assessment beside the numbers.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Closes a person's scorecard for an ended quarter: its figures frozen with the policy version and the
/// supervisor's rating and comment. Closing a closed one again is a correction: a new version, recomputed
/// from today's records, the earlier kept. Never one's own.
pub async fn close(
    app: &App,
    actor: &Actor,
    staff_id: StaffId,
    input: CloseInput,
) -> Result<StaffCard> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let period = period_of(app, Some(&input.period))?;
    let (staff, person) = other_reached(
        app,
        actor,
        staff_id,
        (
            "own_scorecard",
            "one's own scorecard is closed by one's own supervisor",
        ),
    )
    .await?;
    if !perf::closable(period, app.today()) {
        return Err(AppError::field(
            "period",
            "not_ended",
            "a period is closed once it has ended",
        ));
    }
    let comment = crate::text::optional_text("comment", input.comment.as_deref(), 2000)?;
    // Recomputed live: the frozen figures are those of this closing.
    let code = period.code();
    let policy = app.policy();
    let card = policy
        .performance
        .card(person.role)
        .ok_or(AppError::NotFound)?;
    let read = figures::read(app, period, &[person.id]).await?;
    let targets = targets::resolved(app, &code, std::slice::from_ref(&person))
        .await?
        .remove(&person.id)
        .unwrap_or_default();
    let records = read.records.get(&person.id).map_or(&[][..], Vec::as_slice);
    let lines = figures::lines(app, card, period, records, &targets);
    let composite: f64 = lines.iter().map(|l| l.score).sum();
    let tx = app.db.begin_write().await?;
    let version = store::closed_of(&*tx, &code, &[person.id])
        .await?
        .last()
        .map_or(1, |r| r.version + 1);
    let row = ScorecardRow {
        id: Uuid::now_v7(),
        staff_id: person.id,
        period: code.clone(),
        version,
        lines,
        composite_milli: milli(composite),
        policy_version: policy.version.clone(),
        rating: input.rating,
        comment,
        closed_by: actor.id(),
        closed_at_us: banyan_store::now_us(),
    };
    store::insert_scorecard(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "performance.close",
            entity: "staff",
            entity_id: Some(person.username.clone()),
            customer_id: None,
            detail: json!({"period": code, "version": version, "rating": row.rating.as_str(),
                "composite": composite}),
        }],
    )
    .await?;
    tx.commit().await?;
    ranked(app, period, std::slice::from_ref(&person), &staff)
        .await?
        .0
        .pop()
        .ok_or(AppError::NotFound)
}

/// The quarter's scorecards in reach as an XLSX workbook in the reader's words: one row per person and KPI
/// (figure, target, attainment, weight, score), with the person's composite, rank and status; audited.
pub async fn export_xlsx(
    app: &App,
    actor: &Actor,
    q: ScorecardQuery,
    words: &dyn crate::tabular::Words,
) -> Result<Vec<u8>> {
    let r = scorecards(app, actor, q).await?;
    let grant = actor.require(Permission::PerformanceRead)?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x =
        |e: rust_xlsxwriter::XlsxError| AppError::internal_from("writing the scorecards' XLSX", e);
    let heads = [
        "perf.person",
        "role",
        "kpi.team",
        "perf.kpi",
        "perf.pillar",
        "perf.unit",
        "perf.figure",
        "kpi.target",
        "perf.attainment",
        "perf.weight",
        "perf.score",
        "perf.composite",
        "perf.rank",
        "perf.status",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, col(c)?, words.heading(h)).map_err(x)?;
    }
    let mut row = 0u32;
    for card in &r.cards {
        let status = match &card.closed {
            Some(k) => words.cell("perf_rating", k.rating.as_str()),
            None => words.cell("perf", "open"),
        };
        for l in &card.lines {
            row += 1;
            let text = [
                card.name.clone(),
                words.cell("role", card.role.as_str()),
                card.team
                    .clone()
                    .unwrap_or_else(|| words.cell("perf", "no_team")),
                words.cell("staff_kpi", l.kpi.as_str()),
                words.cell("kpi_pillar", l.kpi.pillar().as_str()),
                words.cell("kpi_unit", l.kpi.unit().as_str()),
            ];
            for (c, v) in text.iter().enumerate() {
                ws.write_string(row, col(c)?, crate::tabular::neutralise(v))
                    .map_err(x)?;
            }
            let numbers = [
                l.figure,
                Some(l.target),
                l.attainment,
                Some(f64::from(l.weight)),
                Some(l.score),
                Some(card.composite),
                Some(f64::from(card.rank)),
            ];
            for (c, v) in numbers.iter().enumerate() {
                if let Some(v) = v {
                    ws.write_number(row, col(c + text.len())?, (v * 100.0).round() / 100.0)
                        .map_err(x)?;
                }
            }
            ws.write_string(row, col(heads.len() - 1)?, &status)
                .map_err(x)?;
        }
    }
    if !r.groups.is_empty() {
        groups::write_sheet(&mut wb, &r.groups, words)?;
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    audit::record(
        app,
        &app.db.conn,
        &grant,
        vec![Entry {
            action: "performance.export",
            entity: "staff",
            entity_id: None,
            customer_id: None,
            detail: json!({"period": r.period, "people": r.cards.len()}),
        }],
    )
    .await?;
    Ok(bytes)
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|e| AppError::internal_from("a column number", e))
}
