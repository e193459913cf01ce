//! The market's figures (seed 002 §七, 市场占有率): for a period, the bank records the market's total of what
//! it also counts of itself — new individual and corporate customers, new deposits and loans — for its whole
//! market and for a branch's area, from the central bank's or the banking association's statistics. The
//! market-share targets are read against them ([`super::targets`]). Who sets targets records them, with the
//! same reach: a supervisor their branch's area, a bank-wide role the bank's market.

use super::targets::period_of;
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, ScopeKind};
use banyan_domain::acquisition::targets::{MarketMeasure, TargetPeriod};
use banyan_store::acquisition::market::{self as store, MarketRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A figure of the market to record (recording it again replaces its value and source).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketInput {
    pub period: TargetPeriod,
    /// The period's first day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// The branch whose area it is; none for the bank's whole market.
    #[serde(default)]
    pub branch_code: Option<String>,
    pub measure: MarketMeasure,
    /// A count of customers, or an amount in CNY fen; more than 0.
    pub value: i64,
    /// Where the figure comes from (1-100 characters), e.g. 人民银行杭州中心支行 2026 年三季度金融统计.
    pub source: String,
}

/// A recorded figure of the market.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketLine {
    pub period: TargetPeriod,
    pub starts_on: String,
    /// None: the bank's whole market.
    pub branch_code: Option<String>,
    pub measure: MarketMeasure,
    pub value: i64,
    pub source: String,
    /// Who recorded it (display name) and when (RFC 3339).
    pub set_by: String,
    pub set_at: String,
}

fn may_reach(actor: &Actor, branch: Option<&str>) -> bool {
    match (actor.scope_kind(), branch) {
        (ScopeKind::All, _) => true,
        (_, None) => false,
        (_, Some(b)) => actor.branch_code() == Some(b),
    }
}

/// Whether the actor may record the bank's whole market beside the branches' (a bank-wide role that sets
/// targets): the workbench offers the choice only then.
pub fn may_record_bank_market(actor: &Actor) -> bool {
    actor.require(Permission::TargetManage).is_ok() && may_reach(actor, None)
}

/// Records a figure of the market (`target.manage`): a supervisor for the branch's area, only a bank-wide
/// role for the bank's market (`403 target_scope`).
pub async fn set_market(app: &App, actor: &Actor, i: MarketInput) -> Result<MarketLine> {
    let grant = actor.require(Permission::TargetManage)?;
    let mut e = FieldErrors::new();
    let range = period_of(&mut e, i.period, &i.starts_on);
    let branch = i
        .branch_code
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned);
    if let Some(b) = &branch
        && !banyan_store::access::list_staff(&app.db.conn)
            .await?
            .iter()
            .any(|s| s.branch_code.as_ref() == Some(b))
    {
        e.push(
            "branch_code",
            "unknown",
            "no staff member works at this branch",
        );
    }
    if i.value <= 0 {
        e.push("value", "min", "must be more than 0");
    }
    let source = i.source.trim().to_owned();
    if source.is_empty() {
        e.push("source", "required", "say where the figure comes from");
    } else if source.chars().count() > 100 {
        e.push("source", "length", "must be at most 100 characters");
    }
    e.into_result()?;
    if !may_reach(actor, branch.as_deref()) {
        return Err(AppError::forbidden(
            "target_scope",
            "the market is recorded for your own branch's area (the bank's by a bank-wide role)",
        ));
    }
    let Some((start, _)) = range else {
        return Err(AppError::internal("a checked period without its range"));
    };
    let r = MarketRow {
        id: uuid::Uuid::now_v7(),
        period: i.period,
        starts_on: start.to_string(),
        region_key: store::region_key(branch.as_deref()),
        branch_code: branch,
        measure: i.measure,
        value: i.value,
        source,
        set_by: actor.id(),
        set_at_us: now_us(),
    };
    // Two people recording the same figure at once: the second insert meets the unique index and is made
    // again — it then finds the first's row and replaces its value.
    match write(app, actor, &grant, &r).await {
        Err(AppError::Store(e)) if e.is_conflict_on("acq_market") => {
            write(app, actor, &grant, &r).await
        }
        other => other,
    }
}

async fn write(
    app: &App,
    actor: &Actor,
    grant: &crate::actor::Granted<'_>,
    r: &MarketRow,
) -> Result<MarketLine> {
    let tx = app.db.begin_write().await?;
    let before = store::put_market(&*tx, r).await?;
    audit::record(
        app,
        &*tx,
        grant,
        vec![Entry {
            action: "market.set",
            entity: "market",
            entity_id: Some(r.region_key.clone()),
            customer_id: None,
            detail: json!({"period": r.period.as_str(), "starts_on": r.starts_on,
                "measure": r.measure.as_str(), "value": r.value, "previous": before}),
        }],
    )
    .await?;
    let names = crate::access::names_of(&banyan_store::access::list_staff(&*tx).await?);
    let line = line_of(r, &names)?;
    crate::idempotency::commit(tx, actor, 201, &line).await?;
    Ok(line)
}

fn line_of(
    r: &MarketRow,
    names: &std::collections::HashMap<banyan_domain::ids::StaffId, String>,
) -> Result<MarketLine> {
    let Some(by) = names.get(&r.set_by) else {
        return Err(AppError::internal(format!(
            "acq_market {}: recorded by {} who has no staff row",
            r.id, r.set_by
        )));
    };
    Ok(MarketLine {
        period: r.period,
        starts_on: r.starts_on.clone(),
        branch_code: r.branch_code.clone(),
        measure: r.measure,
        value: r.value,
        source: r.source.clone(),
        set_by: by.clone(),
        set_at: crate::fmt_us(r.set_at_us),
    })
}

/// The market's figures of a period the reader may see (`lead.read`): a bank-wide reader all of them, the
/// others their branch's area's.
pub async fn market(
    app: &App,
    actor: &Actor,
    period: TargetPeriod,
    starts_on: &str,
) -> Result<Vec<MarketLine>> {
    actor.require(Permission::LeadRead)?;
    let rows = store::market_of(&app.db.conn, period, starts_on).await?;
    let rows: Vec<&MarketRow> = rows
        .iter()
        .filter(|r| match actor.scope_kind() {
            ScopeKind::All => true,
            ScopeKind::Branch | ScopeKind::Own => {
                r.branch_code.is_some() && r.branch_code.as_deref() == actor.branch_code()
            }
            ScopeKind::None => false,
        })
        .collect();
    let names = crate::access::names_of(&banyan_store::access::list_staff(&app.db.conn).await?);
    rows.into_iter().map(|r| line_of(r, &names)).collect()
}
