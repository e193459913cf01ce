//! The conversion funnel (seed 002 §七, effectiveness): of the leads captured in a period, how many reached
//! each stage of the pipeline — counted at the furthest stage they reached, so a lead lost at the proposal
//! still counts as having been visited — how many were won, rejected and lost, broken down by channel,
//! partner, owner or branch, within the reader's scope.

use super::staff_names;
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::LeadStage;
use banyan_store::acquisition::{self as store, FunnelBy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Which period and breakdown the funnel shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FunnelQuery {
    /// First day of capture, `YYYY-MM-DD` (default: 90 days before `to`).
    pub from: Option<String>,
    /// Last day of capture (default: today).
    pub to: Option<String>,
    /// `channel` (default), `partner`, `owner`, `branch` or `campaign`.
    pub by: Option<String>,
}

/// One row of the funnel: the leads of one channel, partner, owner or branch.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FunnelLine {
    /// The channel or branch code, the partner's or owner's id; none: leads without one.
    pub key: Option<String>,
    /// The partner's or owner's name.
    pub name: Option<String>,
    pub captured: i64,
    /// How many reached each stage (or went beyond it), from `screened` to `won`, in pipeline order.
    pub reached: Vec<i64>,
    pub won: i64,
    pub rejected: i64,
    pub lost: i64,
    /// Won per thousand captured.
    pub conversion_permille: i64,
}

/// The funnel of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Funnel {
    pub from: String,
    pub to: String,
    pub by: String,
    /// The stages `reached` counts, in order.
    pub stages: Vec<LeadStage>,
    pub lines: Vec<FunnelLine>,
    pub total: FunnelLine,
}

fn add(l: &mut FunnelLine, reached: LeadStage, stage: LeadStage, n: i64) {
    l.captured += n;
    let rank = usize::from(reached.rank().unwrap_or(0));
    if l.reached.len() < 7 {
        l.reached.resize(7, 0);
    }
    for slot in l.reached.iter_mut().take(rank) {
        *slot += n;
    }
    match stage {
        LeadStage::Won => l.won += n,
        LeadStage::Rejected => l.rejected += n,
        LeadStage::Lost => l.lost += n,
        _ => {}
    }
}

fn finish(l: &mut FunnelLine) {
    l.reached.resize(7, 0);
    l.conversion_permille = if l.captured > 0 {
        l.won * 1000 / l.captured
    } else {
        0
    };
}

/// The funnel of the leads captured in the period, within the reader's scope.
pub async fn funnel(app: &App, actor: &Actor, q: FunnelQuery) -> Result<Funnel> {
    let grant = actor.require(Permission::LeadRead)?;
    let (by, by_code) = match q.by.as_deref().map(str::trim).unwrap_or("channel") {
        "" | "channel" => (FunnelBy::Channel, "channel"),
        "partner" => (FunnelBy::Partner, "partner"),
        "owner" => (FunnelBy::Owner, "owner"),
        "branch" => (FunnelBy::Branch, "branch"),
        "campaign" => (FunnelBy::Campaign, "campaign"),
        _ => {
            return Err(AppError::field(
                "by",
                "one_of",
                "must be one of channel, partner, owner, branch, campaign",
            ));
        }
    };
    let to = match q.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => t
            .parse::<jiff::civil::Date>()
            .map_err(|_| AppError::field("to", "format", "must be a date, YYYY-MM-DD"))?,
        None => app.today(),
    };
    let from = match q.from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(f) => f
            .parse::<jiff::civil::Date>()
            .map_err(|_| AppError::field("from", "format", "must be a date, YYYY-MM-DD"))?,
        None => to
            .checked_sub(jiff::Span::new().days(90))
            .map_err(|e| AppError::internal_from("90 days before `to`", e))?,
    };
    if to < from {
        return Err(AppError::field("to", "range", "must not be before `from`"));
    }
    if (to - from).get_days() > 366 {
        return Err(AppError::field(
            "to",
            "range",
            "a funnel covers at most 366 days",
        ));
    }
    // The bank's days: from the start of `from` to the start of the day after `to`, in its time zone.
    let start = |d: jiff::civil::Date| -> Result<i64> {
        d.to_zoned(app.tz.clone())
            .map(|z| z.timestamp().as_microsecond())
            .map_err(|e| AppError::internal_from("the start of a day", e))
    };
    let after = to
        .tomorrow()
        .map_err(|e| AppError::internal_from("the day after `to`", e))?;
    let rows = store::funnel(
        &app.db.conn,
        &grant.scope(),
        by,
        start(from)?,
        start(after)?,
    )
    .await?;
    let mut lines: BTreeMap<Option<String>, FunnelLine> = BTreeMap::new();
    let mut total = FunnelLine::default();
    for r in &rows {
        let l = lines.entry(r.key.clone()).or_insert_with(|| FunnelLine {
            key: r.key.clone(),
            ..FunnelLine::default()
        });
        add(l, r.reached, r.stage, r.count);
        add(&mut total, r.reached, r.stage, r.count);
    }
    let names: BTreeMap<String, String> = match by {
        FunnelBy::Owner => staff_names(app)
            .await?
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        FunnelBy::Partner => store::list_partners(&app.db.conn)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name))
            .collect(),
        FunnelBy::Campaign => store::campaigns::all(&app.db.conn)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect(),
        _ => BTreeMap::new(),
    };
    let mut lines: Vec<FunnelLine> = lines.into_values().collect();
    for l in &mut lines {
        finish(l);
        l.name = l.key.as_ref().and_then(|k| names.get(k).cloned());
    }
    lines.sort_by(|a, b| b.captured.cmp(&a.captured).then(a.key.cmp(&b.key)));
    finish(&mut total);
    Ok(Funnel {
        from: from.to_string(),
        to: to.to_string(),
        by: by_code.to_owned(),
        stages: LeadStage::BOARD[1..].to_vec(),
        lines,
        total,
    })
}
