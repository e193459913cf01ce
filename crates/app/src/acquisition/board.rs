//! The pipeline's board (a column per stage with its count, its ageing and its longest-waiting leads) and
//! the partner institutions that bring leads.

use super::leads::{LeadQuery, LeadSummary, filter_of, summary};
use super::{days_since, note, staff_names};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::{LeadChannel, LeadKind, LeadStage, PartnerKind};
use banyan_domain::ids::PartnerId;
use banyan_store::acquisition::{self as store, PartnerRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Which leads the board shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// `true`: only leads you own.
    pub mine: Option<bool>,
    pub branch_code: Option<String>,
    pub kind: Option<LeadKind>,
    pub channel: Option<LeadChannel>,
    pub partner_id: Option<PartnerId>,
    /// A team's board: the leads its members own (the team as staff accounts carry it; with `branch_code`,
    /// that branch's team of the name).
    pub team: Option<String>,
}

/// A lead on the board.
pub type BoardCard = LeadSummary;

/// One stage of the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardColumn {
    pub stage: LeadStage,
    pub count: i64,
    /// Average whole days the leads have stood at the stage.
    pub avg_days: i64,
    /// Days the longest-waiting lead has stood at the stage.
    pub max_days: i64,
    /// The longest-waiting leads, oldest first (at most `cards` of the query).
    pub cards: Vec<BoardCard>,
}

/// The pipeline: a column per open stage and the won; the rejected and lost counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
    pub rejected: i64,
    pub lost: i64,
}

/// How many cards a column shows (the rest through the list, filtered by stage).
const CARDS: u64 = 20;

/// The pipeline's board within the caller's scope.
pub async fn board(app: &App, actor: &Actor, q: BoardQuery) -> Result<Board> {
    let grant = actor.require(Permission::LeadRead)?;
    let lq = LeadQuery {
        mine: q.mine,
        branch_code: q.branch_code.clone(),
        kind: q.kind,
        channel: q.channel,
        partner_id: q.partner_id,
        ..LeadQuery::default()
    };
    let mut f = filter_of(app, &grant, &lq, CARDS)?;
    if let Some(team) = q.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let branch = q
            .branch_code
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        f.owners = Some(
            banyan_store::access::list_staff(&app.db.conn)
                .await?
                .into_iter()
                .filter(|s| s.team.as_deref() == Some(team))
                .filter(|s| branch.is_none_or(|b| s.branch_code.as_deref() == Some(b)))
                .map(|s| s.id)
                .collect(),
        );
    }
    let counts = store::stage_counts(&app.db.conn, &f).await?;
    let names = staff_names(app).await?;
    let count_of = |s: LeadStage| counts.iter().find(|c| c.stage == s);
    let mut columns = Vec::new();
    for stage in LeadStage::BOARD {
        let c = count_of(stage);
        let cards = match c {
            Some(c) if c.count > 0 && stage != LeadStage::Won => {
                store::oldest_at_stage(&app.db.conn, &f, stage, CARDS).await?
            }
            _ => Vec::new(),
        };
        columns.push(BoardColumn {
            stage,
            count: c.map_or(0, |c| c.count),
            avg_days: c.map_or(0, |c| days_since(c.avg_us)),
            max_days: c.map_or(0, |c| days_since(c.oldest_us)),
            cards: cards.iter().map(|r| summary(r, &names)).collect(),
        });
    }
    Ok(Board {
        columns,
        rejected: count_of(LeadStage::Rejected).map_or(0, |c| c.count),
        lost: count_of(LeadStage::Lost).map_or(0, |c| c.count),
    })
}

/// The teams whose boards the reader may open: (branch, team) of the staff of the reader's branch (every
/// branch's for a bank-wide reader), for the board's picker.
pub async fn teams(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let grant = actor.require(Permission::LeadRead)?;
    let all = matches!(grant.scope(), banyan_store::customers::ScopeFilter::All);
    let mut out: Vec<(String, String)> = banyan_store::access::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .filter(|s| !s.disabled)
        .filter_map(|s| Some((s.branch_code?, s.team?)))
        .filter(|(b, _)| all || actor.branch_code() == Some(b.as_str()))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// A partner institution to record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    pub name: Option<String>,
    pub kind: Option<PartnerKind>,
    /// The branch that works with it (none: the whole bank).
    pub branch_code: Option<String>,
    pub note: Option<String>,
}

/// A partner and what its leads became.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
    pub branch_code: Option<String>,
    pub note: Option<String>,
    pub active: bool,
    /// Leads it brought.
    pub leads: i64,
    pub won: i64,
    pub rejected: i64,
    /// Rejected leads per thousand it brought.
    pub rejected_permille: i64,
}

/// Records a partner institution (`partner.manage`).
pub async fn create_partner(app: &App, actor: &Actor, i: PartnerInput) -> Result<PartnerView> {
    let grant = actor.require(Permission::PartnerManage)?;
    let mut e = FieldErrors::new();
    let name = i
        .name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    match &name {
        None => e.push("name", "required", "is required"),
        Some(n) if n.chars().count() > 100 => {
            e.push("name", "max_length", "must be at most 100 characters")
        }
        Some(_) => {}
    }
    if i.kind.is_none() {
        e.push("kind", "required", "is required");
    }
    let branch = i
        .branch_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(b) = &branch
        && let Err(m) = banyan_domain::customer::BranchCode::parse(b)
    {
        e.push("branch_code", "format", m);
    }
    // A branch records its own partners; a bank-wide partner is recorded by a bank-wide role.
    let own = match &branch {
        Some(b) => grant.can_see(b, None),
        None => actor.scope_kind() == banyan_domain::access::ScopeKind::All,
    };
    if !own {
        e.push(
            "branch_code",
            "scope",
            "the partner would be outside your own scope",
        );
    }
    e.into_result()?;
    let r = PartnerRow {
        id: PartnerId::new(),
        name: name.unwrap_or_default(),
        kind: i.kind.unwrap_or(PartnerKind::ThirdParty),
        branch_code: branch,
        note: note("note", i.note)?,
        active: true,
        created_by: actor.id(),
        created_at_us: now_us(),
    };
    let tx = app.db.begin_write().await?;
    if store::list_partners(&*tx)
        .await?
        .iter()
        .any(|p| p.name == r.name)
    {
        return Err(duplicate_partner());
    }
    // The check above reads committed rows: a partner of the same name recorded at the same moment meets the
    // unique index instead, and is refused alike.
    store::insert_partner(&*tx, &r).await.map_err(|e| {
        if e.is_conflict_on("acq_partners_name") {
            duplicate_partner()
        } else {
            e.into()
        }
    })?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "partner.create",
            entity: "partner",
            entity_id: Some(r.id.to_string()),
            customer_id: None,
            detail: json!({"kind": r.kind.as_str()}),
        }],
    )
    .await?;
    let v = partner_view(&r, &[]);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

fn duplicate_partner() -> AppError {
    AppError::conflict(
        "duplicate_partner",
        "a partner with this name exists",
        json!({"field": "name"}),
    )
}

fn partner_view(r: &PartnerRow, counts: &[(PartnerId, LeadStage, i64)]) -> PartnerView {
    let mine = counts.iter().filter(|(p, _, _)| *p == r.id);
    let (mut leads, mut won, mut rejected) = (0, 0, 0);
    for (_, s, n) in mine {
        leads += n;
        match s {
            LeadStage::Won => won += n,
            LeadStage::Rejected => rejected += n,
            _ => {}
        }
    }
    PartnerView {
        id: r.id,
        name: r.name.clone(),
        kind: r.kind,
        branch_code: r.branch_code.clone(),
        note: r.note.clone(),
        active: r.active,
        leads,
        won,
        rejected,
        rejected_permille: if leads > 0 {
            rejected * 1000 / leads
        } else {
            0
        },
    }
}

/// Every partner (a partner's record is the bank's) with what its leads in the reader's scope became.
pub async fn partners(app: &App, actor: &Actor) -> Result<Vec<PartnerView>> {
    let grant = actor.require(Permission::LeadRead)?;
    let rows = store::list_partners(&app.db.conn).await?;
    let counts = store::partner_counts(&app.db.conn, &grant.scope()).await?;
    Ok(rows.iter().map(|r| partner_view(r, &counts)).collect())
}
