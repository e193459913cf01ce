//! A campaign's life: made (sent at once, scheduled, or waiting for a second person when its audience is
//! above the policy's `campaign_approval_above` or its maker asks), approved or refused by someone else
//! who may approve campaigns of the maker's branch, cancelled before it goes, and sent at its time by the
//! `notify.campaigns` job. It is always sent as its maker: to the customers in the maker's scope at the
//! time it goes, and not at all if the maker can no longer send campaigns.

use super::campaigns::{Checked, audience_page, check, drafts};
use super::*;
use banyan_domain::ids::StaffId;
use banyan_domain::notify::{CampaignState, CampaignStep};
use banyan_store::access as store_access;
use banyan_store::notify::{CampaignRow, CampaignScope};

/// A campaign as its list and its page show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignSummary {
    /// `None` for a campaign sent before campaigns were kept as records (only its messages exist).
    pub id: Option<Uuid>,
    pub key: String,
    pub state: CampaignState,
    /// Customers it reaches (counted when it was made; once sent, those it was queued for).
    pub audience: u64,
    /// When it was made (or, for an old campaign, its first message).
    pub started_at: String,
    /// When it goes or went.
    pub send_at: Option<String>,
    /// Who made it and who approved, refused or cancelled it (display names).
    pub created_by: Option<String>,
    pub decided_by: Option<String>,
    /// The approver's reason for refusing, or why it was cancelled.
    pub note: Option<String>,
    /// Whether it needs (or needed) a second person.
    pub needs_approval: bool,
    /// What the caller may do with it now.
    pub can_approve: bool,
    pub can_cancel: bool,
    pub version: i32,
    /// Its messages to customers in the caller's scope, by delivery status.
    pub total: u64,
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
    pub suppressed: u64,
}

/// A second person's decision on a campaign, at the version they read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignDecision {
    pub version: i32,
    /// Why (required to refuse; kept with the campaign and told to its maker).
    #[serde(default)]
    pub note: Option<String>,
}

/// Makes a campaign: sent at once when it needs no approval and has no time, else scheduled or waiting
/// for a second person. The Idempotency-Key is claimed in the transaction that records it.
pub async fn campaign(app: &App, actor: &Actor, input: CampaignInput) -> Result<CampaignReport> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let Checked {
        segments,
        send_at_us,
    } = check(&input)?;
    let key = input.key.trim().to_owned();
    if store::find_campaign_by_key(&app.db.conn, &key)
        .await?
        .is_some()
    {
        return Err(key_taken());
    }
    let mut f = cstore::CustomerFilter::scoped(grant.scope(), 0);
    f.status = Some("verified".into());
    f.segments = segments;
    let audience = cstore::count_customers_matching(&app.db.conn, &f, 1_000_000_000).await?;
    let needs_approval = super::campaigns::needs_approval(app, input.ask_approval, audience);
    let now = now_us();
    let row = CampaignRow {
        id: Uuid::now_v7(),
        key: key.clone(),
        state: CampaignState::initial(needs_approval),
        content: input.content(),
        audience: count_i64(audience)?,
        needs_approval,
        created_by: actor.id(),
        branch_code: actor.branch_code().map(str::to_owned),
        created_at_us: now,
        send_at_us: send_at_us.unwrap_or(now),
        decided_by: None,
        decided_at_us: None,
        note: None,
        sent_at_us: None,
        queued: None,
        version: 1,
    };
    let goes_now = !needs_approval && send_at_us.is_none();
    let tx = app.db.begin_write().await?;
    store::insert_campaign(&*tx, &row).await.map_err(|e| {
        if e.is_conflict_on("campaigns_key") {
            key_taken()
        } else {
            e.into()
        }
    })?;
    crate::audit::record(
        app,
        &*tx,
        &grant,
        vec![entry(
            "campaign.create",
            &row,
            serde_json::json!({"audience": audience, "needs_approval": needs_approval,
                "segments": input.segments, "send_at": crate::fmt_us(row.send_at_us)}),
        )],
    )
    .await?;
    if !goes_now {
        let report = report_of(&row)?;
        crate::idempotency::commit(tx, actor, 201, &report).await?;
        return Ok(report);
    }
    // Sent here and now: the key is claimed with the record, answered once every page is queued.
    crate::idempotency::claim(&*tx, actor).await?;
    tx.commit().await?;
    let sent = send(app, row).await?;
    let report = report_of(&sent)?;
    crate::idempotency::finish(app, actor, 201, &report).await?;
    Ok(report)
}

/// The audit action a step of a campaign is recorded under.
fn audit_action(step: CampaignStep) -> &'static str {
    match step {
        CampaignStep::Approve => "campaign.approve",
        CampaignStep::Reject => "campaign.reject",
        CampaignStep::Cancel => "campaign.cancel",
        CampaignStep::Send => "campaign.sent",
    }
}

fn key_taken() -> AppError {
    AppError::field(
        "key",
        "taken",
        "a campaign of this name exists already; choose another name",
    )
}

fn count_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|e| AppError::internal_from("a customer count", e))
}

fn entry(
    action: &'static str,
    row: &CampaignRow,
    detail: serde_json::Value,
) -> crate::audit::Entry {
    crate::audit::Entry {
        action,
        entity: "campaign",
        entity_id: Some(row.key.clone()),
        customer_id: None,
        detail,
    }
}

fn report_of(r: &CampaignRow) -> Result<CampaignReport> {
    Ok(CampaignReport {
        id: r.id,
        state: r.state,
        customers: u64::try_from(r.audience)
            .map_err(|e| AppError::internal_from("campaigns.audience", e))?,
        queued: r
            .queued
            .map(u64::try_from)
            .transpose()
            .map_err(|e| AppError::internal_from("campaigns.queued", e))?
            .unwrap_or(0),
        send_at: crate::json::stored_instant(r.send_at_us, "campaigns.send_at_us")?,
    })
}

/// Queues the campaign's messages as its maker, page by page (each page commits with its audit record;
/// a message already queued for a customer is not queued twice, so a send cut short is finished by the
/// job), then records it sent. A maker who can no longer send campaigns (disabled, or another role) ends
/// it cancelled, by nobody.
async fn send(app: &App, row: CampaignRow) -> Result<CampaignRow> {
    let maker = match store_access::find_staff(&app.db.conn, row.created_by).await? {
        Some(s) if !s.disabled => Some(crate::access::actor_of(&s)?),
        _ => None,
    };
    let Some(maker) = maker.filter(|m| m.require(Permission::CustomerUpdate).is_ok()) else {
        return cancel_by_system(app, row, CANCEL_MAKER).await;
    };
    let grant = maker.require(Permission::CustomerUpdate)?;
    // A segment the policy no longer has would widen the audience if it were dropped: the campaign stops.
    let mut errs = banyan_domain::FieldErrors::new();
    let segments = banyan_domain::segments::segment_filter(&row.content.segments, &mut errs);
    if !errs.is_empty() {
        return cancel_by_system(app, row, CANCEL_SEGMENT).await;
    }
    let now = now_us();
    let (mut customers, mut queued) = (0i64, 0i64);
    let mut after = None;
    loop {
        let page = audience_page(app, &grant, &segments, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.uuid());
        let messages: Vec<MessageRow> = drafts(app, &row.key, &row.content, &page)
            .await?
            .into_iter()
            .map(|d| super::row(d, now))
            .collect();
        customers += count_i64(page.len() as u64)?;
        let tx = app.db.begin_write().await?;
        let n = store::enqueue(&*tx, &messages).await?;
        queued += count_i64(n)?;
        crate::audit::record(
            app,
            &*tx,
            &grant,
            vec![entry(
                "campaign.queue",
                &row,
                serde_json::json!({"customers": page.len(), "segments": row.content.segments}),
            )],
        )
        .await?;
        tx.commit().await?;
    }
    finish_as(app, row, CampaignStep::Send, |r| {
        r.sent_at_us = Some(now_us());
        r.audience = customers;
        r.queued = Some(queued);
    })
    .await
}

/// Why the system cancelled a campaign (its `note`, with nobody as `decided_by`): its maker can no longer
/// send campaigns, or one of its segments is gone from the policy.
pub const CANCEL_MAKER: &str = "maker_cannot_send";
pub const CANCEL_SEGMENT: &str = "segment_gone";

async fn cancel_by_system(app: &App, row: CampaignRow, why: &str) -> Result<CampaignRow> {
    finish_as(app, row, CampaignStep::Cancel, |r| {
        r.decided_at_us = Some(now_us());
        r.note = Some(why.to_owned());
    })
    .await
}

/// Moves a campaign by a step nobody in particular takes (sending, or cancelling for a maker who can no
/// longer send), if nobody moved it first.
async fn finish_as(
    app: &App,
    mut row: CampaignRow,
    step: CampaignStep,
    set: impl FnOnce(&mut CampaignRow),
) -> Result<CampaignRow> {
    let Some(next) = row.state.apply(step) else {
        return Ok(row);
    };
    let expected = row.version;
    row.state = next;
    row.version += 1;
    set(&mut row);
    let tx = app.db.begin_write().await?;
    if store::update_campaign(&*tx, &row, expected).await? {
        let system = Actor::system("campaigns");
        let grant = system.require(Permission::ConfigManage)?;
        crate::audit::record(
            app,
            &*tx,
            &grant,
            vec![entry(
                audit_action(step),
                &row,
                serde_json::json!({"queued": row.queued}),
            )],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(row)
}

/// Sends the scheduled campaigns whose time has come (the `notify.campaigns` job; one node at a time).
pub async fn send_due(app: &App) -> Result<usize> {
    const LEASE: &str = "notify.campaigns";
    let now = now_us();
    let until = now + 10 * 60 * 1_000_000;
    if !banyan_store::misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, until).await? {
        return Ok(0);
    }
    let due = store::due_campaigns(&app.db.conn, now).await?;
    let n = due.len();
    let mut result = Ok(n);
    for row in due {
        if let Err(e) = send(app, row).await {
            result = Err(e);
            break;
        }
    }
    banyan_store::misc::release_lease(&app.db.conn, LEASE, &app.node_id).await?;
    result
}

/// Whose campaigns the actor sees as records: their own; an approver also those made in their branch
/// (or, bank-wide, all).
fn campaign_scope(actor: &Actor) -> CampaignScope {
    if actor.require(Permission::CampaignApprove).is_err() {
        return CampaignScope::Mine(actor.id());
    }
    match (actor.scope_kind(), actor.branch_code()) {
        (banyan_domain::access::ScopeKind::All, _) => CampaignScope::All,
        (banyan_domain::access::ScopeKind::Branch, Some(b)) => {
            CampaignScope::MineOrBranch(actor.id(), b.to_owned())
        }
        _ => CampaignScope::Mine(actor.id()),
    }
}

/// Whether `actor` may approve or refuse `row`: an approver who is not its maker and whose reach covers
/// the maker's branch.
fn may_decide(actor: &Actor, row: &CampaignRow) -> bool {
    actor.require(Permission::CampaignApprove).is_ok()
        && row.created_by != actor.id()
        && in_reach(actor, row)
}

/// The campaign is the actor's own, or an approver's of its branch.
fn in_reach(actor: &Actor, row: &CampaignRow) -> bool {
    match campaign_scope(actor) {
        CampaignScope::All => true,
        CampaignScope::MineOrBranch(me, b) => {
            row.created_by == me || row.branch_code.as_deref() == Some(b.as_str())
        }
        CampaignScope::Mine(me) => row.created_by == me,
    }
}

/// Approves a campaign waiting for a second person: it goes at its time, or now if that has passed.
pub async fn approve(
    app: &App,
    actor: &Actor,
    id: Uuid,
    d: CampaignDecision,
) -> Result<CampaignSummary> {
    let row = decide(app, actor, id, d, CampaignStep::Approve).await?;
    let row = if row.send_at_us <= now_us() {
        send(app, row).await?
    } else {
        row
    };
    summary_one(app, actor, row).await
}

/// Refuses a campaign waiting for a second person, with the reason its maker is told.
pub async fn reject(
    app: &App,
    actor: &Actor,
    id: Uuid,
    d: CampaignDecision,
) -> Result<CampaignSummary> {
    let row = decide(app, actor, id, d, CampaignStep::Reject).await?;
    summary_one(app, actor, row).await
}

/// Withdraws a campaign before it goes: its maker, or an approver of its branch.
pub async fn cancel(
    app: &App,
    actor: &Actor,
    id: Uuid,
    d: CampaignDecision,
) -> Result<CampaignSummary> {
    let row = decide(app, actor, id, d, CampaignStep::Cancel).await?;
    summary_one(app, actor, row).await
}

/// A person's step on a campaign: who may take it, from which state, at the version they read.
async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    d: CampaignDecision,
    step: CampaignStep,
) -> Result<CampaignRow> {
    let grant = match step {
        CampaignStep::Cancel if actor.require(Permission::CampaignApprove).is_err() => {
            actor.require(Permission::CustomerUpdate)?
        }
        _ => actor.require(Permission::CampaignApprove)?,
    };
    let note = d.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if step == CampaignStep::Reject && note.is_none() {
        return Err(AppError::field(
            "note",
            "required",
            "say why the campaign is refused (its maker is told)",
        ));
    }
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::field(
            "note",
            "max_length",
            "at most 500 characters",
        ));
    }
    let tx = app.db.begin_write().await?;
    // Out of reach is not found: another branch's campaigns are not confirmed to exist.
    let mut row = store::find_campaign(&*tx, id)
        .await?
        .filter(|r| in_reach(actor, r))
        .ok_or(AppError::NotFound)?;
    if step != CampaignStep::Cancel && row.created_by == actor.id() {
        return Err(AppError::forbidden(
            "campaign_four_eyes",
            "a campaign is approved or refused by someone other than its maker",
        ));
    }
    let Some(next) = row.state.apply(step) else {
        return Err(AppError::conflict(
            "campaign_state",
            format!(
                "a campaign that is {} cannot take this step ({step:?})",
                row.state.as_str()
            ),
            serde_json::json!({"current_status": row.state}),
        ));
    };
    if row.version != d.version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(row.version),
            since: serde_json::json!([]),
        });
    }
    row.state = next;
    row.version += 1;
    row.decided_by = Some(actor.id());
    row.decided_at_us = Some(now_us());
    row.note = note.map(str::to_owned);
    if !store::update_campaign(&*tx, &row, d.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(d.version) + 1,
            since: serde_json::json!([]),
        });
    }
    crate::audit::record(
        app,
        &*tx,
        &grant,
        vec![entry(
            audit_action(step),
            &row,
            serde_json::json!({"note": row.note.is_some()}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// How many campaigns wait for the actor's approval (made by someone else in their reach).
pub async fn awaiting_my_approval(app: &App, actor: &Actor) -> Result<usize> {
    actor.require(Permission::CampaignApprove)?;
    Ok(store::campaigns(&app.db.conn, &campaign_scope(actor), 500)
        .await?
        .iter()
        .filter(|r| r.state == CampaignState::AwaitingApproval && may_decide(actor, r))
        .count())
}

/// Campaigns, newest first: those the actor may see as records (their own; an approver's branch) and
/// those whose messages reached customers in their scope, each with its messages by delivery status.
pub async fn campaigns(app: &App, actor: &Actor) -> Result<Vec<CampaignSummary>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let mut counts = message_counts(app, &grant).await?;
    let mut rows = store::campaigns(&app.db.conn, &campaign_scope(actor), 500).await?;
    for key in counts.keys() {
        if !rows.iter().any(|r| &r.key == key)
            && let Some(r) = store::find_campaign_by_key(&app.db.conn, key).await?
        {
            rows.push(r);
        }
    }
    let mut names = Names::default();
    let mut out = Vec::with_capacity(rows.len() + counts.len());
    for r in rows {
        let c = counts.remove(&r.key).map(|c| c.1).unwrap_or([0; 4]);
        out.push((
            r.created_at_us,
            summary(app, actor, &mut names, r, c).await?,
        ));
    }
    // Messages of campaigns sent before campaigns were records: their counts alone.
    for (key, (first, c)) in counts {
        out.push((
            first,
            CampaignSummary {
                id: None,
                key,
                state: CampaignState::Sent,
                audience: c.iter().sum(),
                started_at: crate::json::stored_instant(first, "messages.created_at_us")?,
                send_at: None,
                created_by: None,
                decided_by: None,
                note: None,
                needs_approval: false,
                can_approve: false,
                can_cancel: false,
                version: 0,
                total: c.iter().sum(),
                queued: c[0],
                sent: c[1],
                failed: c[2],
                suppressed: c[3],
            },
        ));
    }
    out.sort_by_key(|o| std::cmp::Reverse(o.0));
    Ok(out.into_iter().map(|o| o.1).collect())
}

/// Each campaign's messages to customers in scope (by `campaign:KEY` cause): the first one's time and the
/// counts by status (queued, sent, failed, suppressed).
async fn message_counts(
    app: &App,
    grant: &crate::actor::Granted<'_>,
) -> Result<BTreeMap<String, (i64, [u64; 4])>> {
    let mut counts: BTreeMap<String, (i64, [u64; 4])> = BTreeMap::new();
    for c in store::campaign_counts(&app.db.conn, &grant.scope()).await? {
        let key = c.cause.trim_start_matches("campaign:").to_owned();
        let e = counts.entry(key).or_insert((c.first_us, [0; 4]));
        e.0 = e.0.min(c.first_us);
        let n = u64::try_from(c.n).map_err(|e| AppError::internal_from("a message count", e))?;
        let slot = match c.status.as_str() {
            "queued" => 0,
            "sent" => 1,
            "failed" => 2,
            "suppressed" => 3,
            other => {
                return Err(AppError::internal(format!(
                    "messages.status `{other}` is not a known status"
                )));
            }
        };
        e.1[slot] += n;
    }
    Ok(counts)
}

/// Staff display names, read once each.
#[derive(Default)]
struct Names(BTreeMap<StaffId, String>);

impl Names {
    async fn of(&mut self, app: &App, id: StaffId) -> Result<String> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let n = store_access::find_staff(&app.db.conn, id)
            .await?
            .map(|s| s.display_name)
            .ok_or_else(|| {
                AppError::internal(format!("campaign staff {id} is not on the staff list"))
            })?;
        self.0.insert(id, n.clone());
        Ok(n)
    }
}

async fn summary_one(app: &App, actor: &Actor, r: CampaignRow) -> Result<CampaignSummary> {
    let grant = actor.require(Permission::CustomerRead)?;
    let c = message_counts(app, &grant)
        .await?
        .remove(&r.key)
        .map_or([0; 4], |c| c.1);
    summary(app, actor, &mut Names::default(), r, c).await
}

async fn summary(
    app: &App,
    actor: &Actor,
    names: &mut Names,
    r: CampaignRow,
    c: [u64; 4],
) -> Result<CampaignSummary> {
    let open = matches!(
        r.state,
        CampaignState::AwaitingApproval | CampaignState::Scheduled
    );
    Ok(CampaignSummary {
        id: Some(r.id),
        can_approve: r.state == CampaignState::AwaitingApproval && may_decide(actor, &r),
        can_cancel: open && in_reach(actor, &r),
        audience: u64::try_from(r.audience)
            .map_err(|e| AppError::internal_from("campaigns.audience", e))?,
        started_at: crate::json::stored_instant(r.created_at_us, "campaigns.created_at_us")?,
        send_at: Some(crate::json::stored_instant(
            r.send_at_us,
            "campaigns.send_at_us",
        )?),
        created_by: Some(names.of(app, r.created_by).await?),
        decided_by: match r.decided_by {
            Some(d) => Some(names.of(app, d).await?),
            None => None,
        },
        needs_approval: r.needs_approval,
        note: r.note,
        key: r.key,
        state: r.state,
        version: r.version,
        total: c.iter().sum(),
        queued: c[0],
        sent: c[1],
        failed: c[2],
        suppressed: c[3],
    })
}
