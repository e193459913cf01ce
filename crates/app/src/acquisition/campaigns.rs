//! Acquisition campaigns (seed 002 §二, 拓户策略): set by those who set targets (`target.manage`) — a
//! supervisor for their branch, a bank-wide role for the bank — with their strategy, target segment,
//! channels, partners, period and own targets. A lead captured through one of a campaign's channels while it
//! runs may name it; each campaign is read beside its actual (leads captured, qualified, won), from the
//! leads in the reader's scope, and the funnel breaks leads down by campaign.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::{Permission, ScopeKind};
use banyan_domain::acquisition::campaigns::{self as rules, CampaignDraft, Strategy};
use banyan_domain::acquisition::{LeadChannel, LeadKind, LeadStage};
use banyan_domain::ids::{AcqCampaignId, PartnerId};
use banyan_store::acquisition::FunnelBy;
use banyan_store::acquisition::campaigns::{self as store, CampaignRow};
use banyan_store::now_us;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A campaign to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = AcqCampaignInput)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub name: String,
    #[schema(value_type = String, example = "channel_expansion")]
    pub strategy: Option<Strategy>,
    /// The kind of customer targeted (none: both).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "individual")]
    pub kind: Option<LeadKind>,
    /// The target segment in words.
    #[serde(default)]
    pub segment: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub channels: Vec<LeadChannel>,
    #[serde(default)]
    pub partners: Vec<PartnerId>,
    /// `YYYY-MM-DD`, both days included.
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub leads_target: i64,
    #[serde(default)]
    pub won_target: i64,
}

/// A campaign beside its actual.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: AcqCampaignId,
    pub name: String,
    #[schema(value_type = String)]
    pub strategy: Strategy,
    #[schema(value_type = Option<String>)]
    pub kind: Option<LeadKind>,
    pub segment: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub channels: Vec<LeadChannel>,
    /// The partners' names.
    pub partners: Vec<String>,
    pub branch_code: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    /// Whether it runs today.
    pub running: bool,
    pub leads_target: i64,
    pub won_target: i64,
    /// Leads in the reader's scope that name it, those qualified or further, those won.
    pub captured: i64,
    pub qualified: i64,
    pub won: i64,
}

fn date(e: &mut banyan_domain::FieldErrors, field: &str, v: &str) -> Option<Date> {
    match v.trim().parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) if v.trim().is_empty() => None,
        Err(_) => {
            e.push(field, "format", "must be a date, YYYY-MM-DD");
            None
        }
    }
}

/// Creates a campaign (answered 201; idempotent with an Idempotency-Key): the branch's for a supervisor, the
/// bank's for a bank-wide role. A name is used once (`409 duplicate_campaign`).
pub async fn create(app: &App, actor: &Actor, i: CampaignInput) -> Result<CampaignView> {
    let grant = actor.require(Permission::TargetManage)?;
    let mut e = banyan_domain::FieldErrors::new();
    let starts_on = date(&mut e, "starts_on", &i.starts_on);
    let ends_on = date(&mut e, "ends_on", &i.ends_on);
    let segment = i.segment.as_deref().map_or("", str::trim);
    let mut channels = i.channels.clone();
    channels.dedup();
    let mut partners = i.partners.clone();
    partners.dedup();
    let known = banyan_store::acquisition::list_partners(&app.db.conn).await?;
    if partners.iter().any(|p| !known.iter().any(|k| k.id == *p)) {
        e.push("partners", "unknown", "no such partner");
    }
    e.0.extend(
        rules::check(&CampaignDraft {
            name: &i.name,
            strategy: i.strategy,
            segment,
            channels: &channels,
            partners: partners.len(),
            starts_on,
            ends_on,
            leads_target: i.leads_target,
            won_target: i.won_target,
        })
        .0,
    );
    e.into_result()?;
    let (Some(strategy), Some(starts_on), Some(ends_on)) = (i.strategy, starts_on, ends_on) else {
        return Err(AppError::internal(
            "a checked campaign without its strategy or days",
        ));
    };
    let r = CampaignRow {
        id: AcqCampaignId::new(),
        name: i.name.trim().to_owned(),
        strategy,
        kind: i.kind,
        segment: Some(segment.to_owned()).filter(|s| !s.is_empty()),
        channels,
        partners,
        branch_code: actor.branch_code().map(str::to_owned),
        starts_on: starts_on.to_string(),
        ends_on: ends_on.to_string(),
        leads_target: i.leads_target,
        won_target: i.won_target,
        created_by: actor.id(),
        created_at_us: now_us(),
    };
    let tx = app.db.begin_write().await?;
    store::insert(&*tx, &r)
        .await
        .map_err(AppError::unless_unique(
            "acq_campaigns_name",
            "duplicate_campaign",
            "a campaign of this name exists",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "acq.campaign.create",
            entity: "campaign",
            entity_id: Some(r.id.to_string()),
            customer_id: None,
            detail: json!({"strategy": r.strategy.as_str(), "branch": r.branch_code}),
        }],
    )
    .await?;
    let v = view(
        &r,
        &known,
        &counts(&*tx, &grant.scope()).await?,
        &app.today().to_string(),
    );
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Whether the actor reads a campaign: the bank's and their branch's (every one for a bank-wide reader).
fn visible(actor: &Actor, r: &CampaignRow) -> bool {
    match actor.scope_kind() {
        ScopeKind::All => true,
        ScopeKind::None => false,
        ScopeKind::Branch | ScopeKind::Own => {
            r.branch_code.is_none() || r.branch_code.as_deref() == actor.branch_code()
        }
    }
}

/// What the leads in the reader's scope that name each campaign became: (captured, qualified or further,
/// won) by campaign — the funnel's own grouped count over every capture day.
type Counts = std::collections::HashMap<String, (i64, i64, i64)>;

async fn counts<C: ConnectionTrait>(
    c: &C,
    scope: &banyan_store::customers::ScopeFilter,
) -> Result<Counts> {
    let rows = banyan_store::acquisition::funnel(c, scope, FunnelBy::Campaign, 0, i64::MAX).await?;
    let qualified = LeadStage::Qualified.rank().unwrap_or(0);
    let mut out = Counts::new();
    for r in rows {
        let Some(key) = r.key else { continue };
        let e = out.entry(key).or_default();
        e.0 += r.count;
        if r.reached.rank().is_some_and(|k| k >= qualified) {
            e.1 += r.count;
        }
        if r.stage == LeadStage::Won {
            e.2 += r.count;
        }
    }
    Ok(out)
}

fn view(
    r: &CampaignRow,
    partners: &[banyan_store::acquisition::PartnerRow],
    counts: &Counts,
    today: &str,
) -> CampaignView {
    let (captured, qualified, won) = counts.get(&r.id.to_string()).copied().unwrap_or((0, 0, 0));
    CampaignView {
        id: r.id,
        name: r.name.clone(),
        strategy: r.strategy,
        kind: r.kind,
        segment: r.segment.clone(),
        channels: r.channels.clone(),
        partners: r
            .partners
            .iter()
            .filter_map(|p| partners.iter().find(|k| k.id == *p).map(|k| k.name.clone()))
            .collect(),
        branch_code: r.branch_code.clone(),
        starts_on: r.starts_on.clone(),
        ends_on: r.ends_on.clone(),
        running: r.starts_on.as_str() <= today && today <= r.ends_on.as_str(),
        leads_target: r.leads_target,
        won_target: r.won_target,
        captured,
        qualified,
        won,
    }
}

/// The campaigns the reader may read, the latest first, each beside its actual (one grouped count for all).
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<CampaignView>> {
    let grant = actor.require(Permission::LeadRead)?;
    let c = &app.db.conn;
    let partners = banyan_store::acquisition::list_partners(c).await?;
    let counts = counts(c, &grant.scope()).await?;
    let today = app.today().to_string();
    Ok(store::all(c)
        .await?
        .iter()
        .filter(|r| visible(actor, r))
        .map(|r| view(r, &partners, &counts, &today))
        .collect())
}

/// The campaign a lead captured through `channel` on `day` may name, checked: one the actor reads, running
/// that day, working through that channel (`422 campaign_id …` otherwise).
pub(super) async fn for_lead<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    id: Option<AcqCampaignId>,
    channel: LeadChannel,
    day: Date,
) -> Result<Option<AcqCampaignId>> {
    let Some(id) = id else { return Ok(None) };
    let Some(r) = store::find(c, id).await?.filter(|r| visible(actor, r)) else {
        return Err(AppError::field(
            "campaign_id",
            "unknown",
            "no such campaign",
        ));
    };
    let day_of = |s: &str| {
        s.parse::<Date>()
            .map_err(|e| AppError::internal_from(format!("acq_campaigns {}: a day", r.id), e))
    };
    if !rules::accepts(
        &r.channels,
        day_of(&r.starts_on)?,
        day_of(&r.ends_on)?,
        channel,
        day,
    ) {
        return Err(AppError::field(
            "campaign_id",
            "not_running",
            "the campaign does not run through this channel on the lead's day",
        ));
    }
    Ok(Some(id))
}
