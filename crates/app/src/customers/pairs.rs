//! Duplicate candidates beyond the hard checks (the same ID number or mobile refuse a create): a scan finds
//! records that share a name and birth date, a name and address, an e-mail, or a registered name and legal
//! representative, scores each pair, and keeps the branch's queue of pairs to look at. A pair dismissed as
//! two parties stays dismissed; one no longer alike leaves the queue.

use super::read::summaries;
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::view::CustomerSummary;
use banyan_domain::access::Permission;
use banyan_domain::customer::merge::{PairStatus, Signal, name_key, score};
use banyan_store::customers::merge::{self as mstore, PairRow};
use banyan_store::customers::{self as store};
use banyan_store::now_us;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// A value more records share than this is not a sign of one party (a company's switchboard e-mail, a
/// building's address): its group is passed over rather than turned into hundreds of pairs.
const MAX_GROUP: usize = 20;

/// What a scan did.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct ScanReport {
    /// Pairs found alike by this scan.
    pub found: u64,
    /// Of those, pairs new to the queue.
    pub added: u64,
    /// Open pairs no longer alike, taken out of the queue.
    pub gone: u64,
}

type Pairs = BTreeMap<(Uuid, Uuid), BTreeSet<Signal>>;

fn add_group(pairs: &mut Pairs, ids: &[Uuid], signal: Signal) {
    if ids.len() < 2 || ids.len() > MAX_GROUP {
        return;
    }
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            if a == b {
                continue;
            }
            let key = if a < b { (*a, *b) } else { (*b, *a) };
            pairs.entry(key).or_default().insert(signal);
        }
    }
}

/// Ids grouped by a key, each group sorted and without repeats.
fn groups<K: Ord>(items: impl IntoIterator<Item = (K, Uuid)>) -> Vec<Vec<Uuid>> {
    let mut m: BTreeMap<K, BTreeSet<Uuid>> = BTreeMap::new();
    for (k, id) in items {
        m.entry(k).or_default().insert(id);
    }
    m.into_values().map(|s| s.into_iter().collect()).collect()
}

/// Everything alike in the book now, by pair.
async fn find(app: &App) -> Result<Pairs> {
    let c = &app.db.conn;
    let mut pairs = Pairs::new();
    let people = mstore::name_birth_groups(c).await?;
    for g in groups(
        people
            .iter()
            .map(|(id, n, b)| ((name_key(n), b.clone()), *id)),
    ) {
        add_group(&mut pairs, &g, Signal::NameBirth);
    }
    for g in groups(
        mstore::shared_contacts(c, "email")
            .await?
            .into_iter()
            .map(|(id, k)| (k, id)),
    ) {
        add_group(&mut pairs, &g, Signal::Email);
    }
    // Same address: a pair only when the names agree too (a household shares an address).
    let addressed = mstore::shared_contacts(c, "address").await?;
    let ids: Vec<Uuid> = addressed.iter().map(|(id, _)| *id).collect();
    let names: HashMap<Uuid, String> = store::rows_by_ids(c, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id.uuid(), name_key(&r.display_name)))
        .collect();
    let keyed = addressed
        .into_iter()
        .filter_map(|(id, bidx)| names.get(&id).map(|n| ((bidx, n.clone()), id)));
    for g in groups(keyed) {
        add_group(&mut pairs, &g, Signal::NameAddress);
    }
    let mut firms = Vec::new();
    // The profile read as the record stores it: one that does not parse is an error naming the record.
    for (id, profile) in mstore::organisations(c).await? {
        let p: banyan_domain::customer::OrganizationProfile =
            crate::json::stored(&profile, format_args!("customers.profile of {id}"))?;
        let Some(rep) = p.legal_representative.as_deref().map(name_key) else {
            continue;
        };
        if rep.is_empty() {
            continue;
        }
        firms.push(((name_key(&p.registered_name), rep), id));
    }
    for g in groups(firms) {
        add_group(&mut pairs, &g, Signal::CorporateRepresentative);
    }
    // A record merged (or restricted or erased on a deletion request) since its contact points were read is
    // no candidate; nor is one sharing a contact point with such a record.
    let all: Vec<Uuid> = pairs.keys().flat_map(|(a, b)| [*a, *b]).collect();
    let merged: BTreeSet<Uuid> = store::rows_by_ids(c, &all)
        .await?
        .into_iter()
        .filter(|r| !r.status.is_processed())
        .map(|r| r.id.uuid())
        .collect();
    pairs.retain(|(a, b), _| !merged.contains(a) && !merged.contains(b));
    Ok(pairs)
}

fn signals_text(s: &BTreeSet<Signal>) -> String {
    s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

const LEASE: &str = "customers.duplicates";

/// Scans the whole book and brings the queue up to date (nightly, and on request); `None` when another
/// node is scanning.
pub async fn scan(app: &App) -> Result<Option<ScanReport>> {
    let now = now_us();
    let c = &app.db.conn;
    if !banyan_store::misc::take_lease(c, LEASE, &app.node_id, now, now + 30 * 60 * 1_000_000)
        .await?
    {
        return Ok(None);
    }
    let report = scan_held(app).await;
    banyan_store::misc::release_lease(c, LEASE, &app.node_id).await?;
    report.map(Some)
}

/// Scans the book once, its lease held by the caller.
async fn scan_held(app: &App) -> Result<ScanReport> {
    let found = find(app).await?;
    let tx = app.db.begin_write().await?;
    let stored: HashMap<(Uuid, Uuid), PairRow> = mstore::all_pairs(&*tx)
        .await?
        .into_iter()
        .map(|p| ((p.first_id, p.second_id), p))
        .collect();
    let now = now_us();
    let mut report = ScanReport {
        found: found.len() as u64,
        ..Default::default()
    };
    let mut new = Vec::new();
    for (key, signals) in &found {
        let list: Vec<Signal> = signals.iter().copied().collect();
        let text = signals_text(signals);
        let points = i32::try_from(score(&list)).unwrap_or(100);
        match stored.get(key) {
            None => new.push(PairRow {
                id: Uuid::now_v7(),
                first_id: key.0,
                second_id: key.1,
                signals: text,
                score: points,
                status: PairStatus::Open,
                found_at_us: now,
                decided_by: None,
                decided_at_us: None,
                merge_id: None,
            }),
            Some(p) if p.status == PairStatus::Open && (p.signals != text || p.score != points) => {
                mstore::refresh_pair(&*tx, p.id, &text, points).await?;
            }
            Some(_) => {}
        }
    }
    let gone: Vec<Uuid> = stored
        .iter()
        .filter(|(k, p)| p.status == PairStatus::Open && !found.contains_key(*k))
        .map(|(_, p)| p.id)
        .collect();
    report.added = new.len() as u64;
    report.gone = gone.len() as u64;
    mstore::insert_pairs(&*tx, &new).await?;
    mstore::delete_open_pairs(&*tx, &gone).await?;
    tx.commit().await?;
    Ok(report)
}

/// A pair in the queue: the two records (masked, as any listing shows them), what they share, the score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PairItem {
    pub id: Uuid,
    pub score: u32,
    pub signals: Vec<Signal>,
    pub status: PairStatus,
    pub first: CustomerSummary,
    pub second: CustomerSummary,
    /// When the scan first found it (RFC 3339).
    pub found_at: String,
}

/// A page of the queue with the size of the whole queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PairPage {
    pub items: Vec<PairItem>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// Largest page of the queue.
pub const MAX_PAIRS: u64 = 200;

fn parse_signals(p: &PairRow) -> Result<Vec<Signal>> {
    p.signals
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| {
            Signal::parse(s).ok_or_else(|| {
                AppError::internal(format!("duplicate_pairs.signals of {}: `{s}`", p.id))
            })
        })
        .collect()
}

/// The pairs in a state whose two records are both in the actor's scope, best score first.
pub async fn queue(
    app: &App,
    actor: &Actor,
    status: PairStatus,
    offset: u64,
    limit: u64,
) -> Result<PairPage> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    if !(1..=MAX_PAIRS).contains(&limit) {
        return Err(AppError::field(
            "limit",
            "range",
            format!("must be 1 to {MAX_PAIRS}"),
        ));
    }
    let c = &app.db.conn;
    let scope = grant.scope();
    let rows = mstore::list_pairs(c, &scope, status, offset, limit).await?;
    let total = mstore::count_pairs(c, &scope, status).await?;
    items_of(app, rows, total, offset, limit).await
}

async fn items_of(
    app: &App,
    rows: Vec<PairRow>,
    total: u64,
    offset: u64,
    limit: u64,
) -> Result<PairPage> {
    let c = &app.db.conn;
    let ids: Vec<Uuid> = rows
        .iter()
        .flat_map(|p| [p.first_id, p.second_id])
        .collect();
    let customers = store::rows_by_ids(c, &ids).await?;
    let n = customers.len() as u64;
    let by_id: HashMap<Uuid, CustomerSummary> = summaries(app, c, customers, n)
        .await?
        .items
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for p in rows {
        let (Some(first), Some(second)) = (by_id.get(&p.first_id), by_id.get(&p.second_id)) else {
            return Err(AppError::internal(format!(
                "duplicate pair {} names a missing customer",
                p.id
            )));
        };
        items.push(PairItem {
            id: p.id,
            score: u32::try_from(p.score).map_err(|_| {
                AppError::internal(format!("duplicate_pairs.score of {}: {}", p.id, p.score))
            })?,
            signals: parse_signals(&p)?,
            status: p.status,
            first: first.clone(),
            second: second.clone(),
            found_at: crate::fmt_us(p.found_at_us),
        });
    }
    Ok(PairPage {
        items,
        total,
        offset,
        limit,
    })
}

/// One pair, when both its records are in the actor's scope.
pub async fn pair(app: &App, actor: &Actor, id: Uuid) -> Result<PairItem> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let c = &app.db.conn;
    let p = mstore::find_pair(c, id).await?.ok_or(AppError::NotFound)?;
    for cid in [p.first_id, p.second_id] {
        crate::scope::load_in_scope(c, &grant, cid).await?;
    }
    let mut page = items_of(app, vec![p], 1, 0, 1).await?;
    page.items.pop().ok_or(AppError::NotFound)
}

/// Marks an open pair as two parties after all: it leaves the queue and later scans leave it out.
pub async fn dismiss(app: &App, actor: &Actor, id: Uuid) -> Result<PairItem> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let p = mstore::find_pair(&*tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    for cid in [p.first_id, p.second_id] {
        crate::scope::load_in_scope(&*tx, &grant, cid).await?;
    }
    let now = now_us();
    if !mstore::set_pair_status(
        &*tx,
        id,
        &[PairStatus::Open],
        PairStatus::Dismissed,
        Some(actor.id.uuid()),
        now,
        None,
    )
    .await?
    {
        return Err(AppError::conflict(
            "pair_state",
            format!("this pair is {}, not open", p.status.as_str()),
            json!({"pair_status": p.status}),
        ));
    }
    let entries = [p.first_id, p.second_id]
        .into_iter()
        .map(|cid| {
            Entry::customer(
                "customer.duplicate_dismiss",
                cid,
                json!({"pair": p.id, "score": p.score}),
            )
        })
        .collect();
    audit::record(app, &*tx, &grant, entries).await?;
    let mut answer = p.clone();
    answer.status = PairStatus::Dismissed;
    let item = items_of(app, vec![answer], 1, 0, 1)
        .await?
        .items
        .pop()
        .ok_or(AppError::NotFound)?;
    crate::idempotency::commit(tx, actor, 200, &item).await?;
    Ok(item)
}

/// Scans the book now, for a supervisor who does not want to wait for the night.
pub async fn scan_now(app: &App, actor: &Actor) -> Result<ScanReport> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let report = scan(app).await?.ok_or_else(|| {
        AppError::conflict(
            "scan_running",
            "a scan is running; its pairs will be in the queue shortly",
            json!({}),
        )
    })?;
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "customer.duplicate_scan",
            entity: "duplicate_pairs",
            entity_id: None,
            customer_id: None,
            detail: json!({"found": report.found, "added": report.added, "gone": report.gone}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}
