//! Merging two records of one party, with four eyes: a maker proposes which record survives and, field by
//! field, whose value it keeps; a second person approves (or refuses) it. Approval moves every dependent
//! record (contacts, relationships, tasks, interactions, cases, accounts with their holdings and
//! transactions, leads, care records, messages, wealth records...) to the survivor in one transaction, keeps
//! the merged record as a redirect with its history, and records each moved row so that an undo within
//! [`UNDO_DAYS`] moves exactly those back. The audit log is append-only and is not rewritten: the merged
//! record keeps its own trail and history, and each record's page links to the other.

use super::update::{as_create_request, edited_row, stored_state};
use super::{Change, commit_change, diff, enum_str, snapshot};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::scope::{load_in_scope, lock_in_scope};
use crate::view::{CustomerSummary, FieldChange};
use banyan_domain::access::Permission;
use banyan_domain::customer::merge::{MergeStatus, MergeStep, PairStatus, Side, UNDO_DAYS};
use banyan_domain::customer::{CustomerInput, CustomerStatus};
use banyan_store::customers::merge::{self as mstore, MergeRow, Moved};
use banyan_store::customers::{self as store, ConsentRow, CustomerRow};
use banyan_store::{ConnectionTrait, DatabaseTransaction, WriteTx, now_us};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

mod read;
mod undo;
pub use read::{MAX_MERGES, MergeLink, MergePage, Redirect, get, links, list, redirect_of};
pub use undo::undo;

const DAY_US: i64 = 86_400_000_000;

/// Fields that never come from the merged record: the survivor's identity document stands (the maker picks
/// as survivor the record whose identity was verified).
const IDENTITY: [&str; 3] = ["id_number", "id_type", "credit_code"];

/// A proposal to merge `merged_id` into `survivor_id`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MergeInput {
    pub survivor_id: Uuid,
    pub merged_id: Uuid,
    /// Whose value each differing field keeps (`survivor` or `merged`); a field not named keeps the default
    /// the preview shows (the survivor's, unless it has none).
    #[serde(default)]
    pub choices: BTreeMap<String, Side>,
    /// Why the two are one party (for the checker).
    pub note: Option<String>,
}

/// A field the two records disagree on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldOption {
    /// The field (`individual.occupation`, `rm_id`, `custom.hobby`...).
    pub field: String,
    #[schema(value_type = Value)]
    pub survivor: Value,
    #[schema(value_type = Value)]
    pub merged: Value,
    /// Whose value the survivor keeps.
    pub chosen: Side,
}

/// What a merge of two records would do: the fields they disagree on and the records that would move.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergePreview {
    pub survivor: CustomerSummary,
    pub merged: CustomerSummary,
    pub fields: Vec<FieldOption>,
    /// The merged record's dependent rows by table (`table.column`).
    pub records: BTreeMap<String, u64>,
}

/// A merge as the API and the workbench show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergeView {
    pub id: Uuid,
    pub status: MergeStatus,
    pub survivor: CustomerSummary,
    pub merged: CustomerSummary,
    pub fields: Vec<FieldOption>,
    pub note: Option<String>,
    pub proposed_by: Uuid,
    pub proposed_at: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// What the merge moved and what stayed with the merged record, per table (`table.column`).
    pub moved: Option<BTreeMap<String, u64>>,
    pub kept: Option<BTreeMap<String, u64>>,
    /// Until when the merge can be undone (RFC 3339).
    pub undo_until: Option<String>,
    pub undone_by: Option<Uuid>,
    pub undone_at: Option<String>,
    /// Whether this reader may approve or refuse it (a checker who did not propose it).
    pub may_decide: bool,
    /// Whether this reader may undo it now.
    pub may_undo: bool,
    pub version: i32,
}

/// A decision on a merge: the version read, and a note (required to refuse or undo).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MergeDecision {
    pub version: i32,
    pub note: Option<String>,
}

/// The record in the shape of a create request (identifier decrypted, never shown).
fn request_of(app: &App, row: &CustomerRow) -> Result<Value> {
    let (identifier, profile, custom) = stored_state(&app.keys(), row)?;
    as_create_request(row, &profile, &identifier, &custom)
}

/// The fields a merge can choose, flattened: `branch_code`, `rm_id`, `preferred_channel`,
/// `individual.*` or `organization.*` (but the identity document) and `custom.*`.
fn choosable(req: &Value) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    for top in ["branch_code", "rm_id", "preferred_channel"] {
        m.insert(top.to_owned(), req[top].clone());
    }
    for part in ["individual", "organization", "custom"] {
        if let Value::Object(o) = &req[part] {
            for (k, v) in o {
                if !IDENTITY.contains(&k.as_str()) {
                    m.insert(format!("{part}.{k}"), v.clone());
                }
            }
        }
    }
    m
}

fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The fields the two records disagree on, each with the side chosen (`choices`, else the default).
fn options(
    s_req: &Value,
    m_req: &Value,
    choices: &BTreeMap<String, Side>,
) -> Result<Vec<FieldOption>> {
    let s = choosable(s_req);
    let m = choosable(m_req);
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&String> = s.keys().chain(m.keys()).collect();
    for k in keys {
        let sv = s.get(k).cloned().unwrap_or(Value::Null);
        let mv = m.get(k).cloned().unwrap_or(Value::Null);
        if sv == mv || empty(&mv) && empty(&sv) {
            continue;
        }
        let default = if empty(&sv) {
            Side::Merged
        } else {
            Side::Survivor
        };
        out.push(FieldOption {
            field: k.clone(),
            chosen: choices.get(k).copied().unwrap_or(default),
            survivor: sv,
            merged: mv,
        });
    }
    if let Some(bad) = choices.keys().find(|k| !out.iter().any(|o| &o.field == *k)) {
        return Err(AppError::field(
            &format!("choices.{bad}"),
            "unknown",
            "is not a field the two records disagree on",
        ));
    }
    Ok(out)
}

/// The survivor's request with the chosen values of the merged record written in.
fn applied(s_req: &Value, fields: &[FieldOption]) -> Value {
    let mut out = s_req.clone();
    for f in fields.iter().filter(|f| f.chosen == Side::Merged) {
        match f.field.split_once('.') {
            Some((part, k)) => {
                if !out[part].is_object() {
                    out[part] = json!({});
                }
                if let Value::Object(o) = &mut out[part] {
                    if f.merged.is_null() {
                        o.remove(k);
                    } else {
                        o.insert(k.to_owned(), f.merged.clone());
                    }
                }
            }
            None => out[f.field.as_str()] = f.merged.clone(),
        }
    }
    out
}

/// Every kind of record a merge moves (`table.column`), as the outcome and the person's copy name them.
pub fn record_kinds() -> Vec<String> {
    mstore::dependent_tables()
        .into_iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .collect()
}

/// Both records checked for a merge: in the actor's scope, neither merged already nor waiting for review,
/// of one kind, and two records.
fn check_pair(s: &CustomerRow, m: &CustomerRow) -> Result<()> {
    if s.id == m.id {
        return Err(AppError::field(
            "merged_id",
            "same",
            "must be another record than the survivor",
        ));
    }
    if s.kind != m.kind {
        return Err(AppError::field(
            "merged_id",
            "kind",
            "must be of the same kind as the survivor (a person with a person, a company with a company)",
        ));
    }
    for r in [s, m] {
        if r.status == CustomerStatus::Submitted {
            return Err(AppError::conflict(
                "invalid_state",
                format!(
                    "{} is waiting for review; merge it once reviewed",
                    r.customer_no
                ),
                json!({"customer_no": r.customer_no, "current_status": r.status}),
            ));
        }
    }
    Ok(())
}

/// What merging `merged` into `survivor` would do (nothing is written).
pub async fn preview(
    app: &App,
    actor: &Actor,
    survivor: Uuid,
    merged: Uuid,
) -> Result<MergePreview> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let c = &app.db.conn;
    let s = crate::scope::field_in_scope(c, &grant, survivor, "survivor_id").await?;
    let m = crate::scope::field_in_scope(c, &grant, merged, "merged_id").await?;
    check_pair(&s, &m)?;
    let fields = options(
        &request_of(app, &s)?,
        &request_of(app, &m)?,
        &BTreeMap::new(),
    )?;
    let records = mstore::dependent_counts(c, merged).await?;
    Ok(MergePreview {
        survivor: super::summary_of(app, c, s).await?,
        merged: super::summary_of(app, c, m).await?,
        fields,
        records,
    })
}

/// Proposes a merge (the maker). It waits for a second person; neither record can be in another merge.
pub async fn propose(app: &App, actor: &Actor, input: MergeInput) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::field(
            "note",
            "length",
            "must be at most 500 characters",
        ));
    }
    let tx = app.db.begin_write().await?;
    // Locked in id order, so two proposals naming the same two records the other way round queue rather
    // than deadlock.
    let (s, m) = if input.survivor_id <= input.merged_id {
        let s = field_locked(&tx, &grant, input.survivor_id, "survivor_id").await?;
        (
            s,
            field_locked(&tx, &grant, input.merged_id, "merged_id").await?,
        )
    } else {
        let m = field_locked(&tx, &grant, input.merged_id, "merged_id").await?;
        (
            field_locked(&tx, &grant, input.survivor_id, "survivor_id").await?,
            m,
        )
    };
    check_pair(&s, &m)?;
    refuse_recent(&tx, &m).await?;
    // Checked now for the answer; the choices are applied to the values as they are at approval.
    options(&request_of(app, &s)?, &request_of(app, &m)?, &input.choices)?;
    if let Some(other) = mstore::live_merges_of(&*tx, &[s.id.uuid(), m.id.uuid()])
        .await?
        .first()
    {
        return Err(AppError::conflict(
            "merge_pending",
            "one of the records is already in a merge waiting for approval",
            json!({"merge_id": other.id}),
        ));
    }
    let now = now_us();
    let row = MergeRow {
        id: Uuid::now_v7(),
        survivor_id: s.id.uuid(),
        merged_id: m.id.uuid(),
        status: MergeStatus::Proposed,
        choices: serde_json::to_string(&input.choices)
            .map_err(|e| AppError::internal_from("merge choices", e))?,
        note: note.map(str::to_owned),
        proposed_by: actor.id.uuid(),
        proposed_at_us: now,
        decided_by: None,
        decided_at_us: None,
        decision_note: None,
        before: None,
        outcome: None,
        undo_until_us: None,
        undone_by: None,
        undone_at_us: None,
        version: 1,
    };
    mstore::insert_merge(&*tx, &row).await?;
    if let Some(p) = mstore::pair_of(&*tx, row.survivor_id, row.merged_id).await? {
        mstore::set_pair_status(
            &*tx,
            p.id,
            &[PairStatus::Open],
            PairStatus::Proposed,
            Some(actor.id.uuid()),
            now,
            Some(row.id),
        )
        .await?;
    }
    audit::record(
        app,
        &*tx,
        &grant,
        entries("customer.merge_propose", &row, json!({})),
    )
    .await?;
    let view = view_of(app, &*tx, actor, row).await?;
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// A customer named in the body, locked, in scope (else a field error naming it).
async fn field_locked(
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    id: Uuid,
    field: &str,
) -> Result<CustomerRow> {
    match lock_in_scope(tx, grant, id).await {
        Err(AppError::NotFound) => Err(AppError::field(
            field,
            "not_found",
            "no such customer in your scope",
        )),
        Err(AppError::Conflict {
            code: "customer_merged",
            ..
        }) => Err(AppError::field(
            field,
            "merged",
            "this customer was merged into another record; name that record",
        )),
        r => r,
    }
}

/// A record that received a merge it can still undo is not merged away until then: the undo would look for
/// the rows it moved on this record and find them on a third.
async fn refuse_recent(tx: &DatabaseTransaction, merged: &CustomerRow) -> Result<()> {
    if let Some(r) = mstore::undoable_into(tx, merged.id.uuid(), now_us()).await? {
        return Err(AppError::conflict(
            "merge_recent",
            "this record received a merge that can still be undone; merge it away after that",
            json!({"merge_id": r.id, "undo_until": r.undo_until_us.map(crate::fmt_us)}),
        ));
    }
    Ok(())
}

/// One audit entry on each of the two records.
fn entries(action: &'static str, m: &MergeRow, detail: Value) -> Vec<Entry> {
    [m.survivor_id, m.merged_id]
        .into_iter()
        .map(|c| {
            let mut d = json!({"merge": m.id, "survivor": m.survivor_id, "merged": m.merged_id});
            if let (Value::Object(o), Value::Object(extra)) = (&mut d, &detail) {
                o.extend(extra.clone());
            }
            Entry {
                action,
                entity: "customer_merge",
                entity_id: Some(m.id.to_string()),
                customer_id: Some(c),
                detail: d,
            }
        })
        .collect()
}

fn choices_of(m: &MergeRow) -> Result<BTreeMap<String, Side>> {
    crate::json::stored(
        &m.choices,
        format_args!("customer_merges.choices of {}", m.id),
    )
}

/// The merge as `actor` may read it (both records in scope), else not found.
async fn view_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    actor: &Actor,
    m: MergeRow,
) -> Result<MergeView> {
    let s = store::get_customer(c, m.survivor_id.into()).await?;
    let g = store::get_customer(c, m.merged_id.into()).await?;
    let fields = match m.status {
        // While proposed, the options as the records are now; once decided, as they were recorded.
        MergeStatus::Proposed => {
            let mut choices = choices_of(&m)?;
            let (sr, gr) = (request_of(app, &s)?, request_of(app, &g)?);
            let now = options(&sr, &gr, &BTreeMap::new())?;
            choices.retain(|k, _| now.iter().any(|o| &o.field == k));
            options(&sr, &gr, &choices)?
        }
        _ => match &m.before {
            Some(b) => {
                let b: Before =
                    crate::json::stored(b, format_args!("customer_merges.before of {}", m.id))?;
                b.fields
            }
            None => Vec::new(),
        },
    };
    let outcome: Option<Moved> = m
        .outcome
        .as_deref()
        .map(|o| crate::json::stored(o, format_args!("customer_merges.outcome of {}", m.id)))
        .transpose()?;
    let checker = actor.require(Permission::CustomerVerify).is_ok();
    let now = now_us();
    Ok(MergeView {
        id: m.id,
        status: m.status,
        survivor: super::summary_of(app, c, s).await?,
        merged: super::summary_of(app, c, g).await?,
        fields,
        note: m.note,
        proposed_by: m.proposed_by,
        proposed_at: crate::fmt_us(m.proposed_at_us),
        decided_by: m.decided_by,
        decided_at: m.decided_at_us.map(crate::fmt_us),
        decision_note: m.decision_note,
        moved: outcome.as_ref().map(|o| o.moved.clone()),
        kept: outcome.map(|o| o.kept),
        undo_until: m.undo_until_us.map(crate::fmt_us),
        undone_by: m.undone_by,
        undone_at: m.undone_at_us.map(crate::fmt_us),
        may_decide: checker
            && m.status == MergeStatus::Proposed
            && m.proposed_by != actor.id.uuid(),
        may_undo: checker
            && m.status == MergeStatus::Done
            && m.undo_until_us.is_some_and(|u| now <= u),
        version: m.version,
    })
}

/// What an undo restores: the survivor's fields and consents and the merged record's state before the merge,
/// and the field options as decided (for the merge's page).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Before {
    profile: String,
    custom: String,
    display_name: String,
    name_latin_lower: Option<String>,
    birth_date: Option<String>,
    branch_code: String,
    rm_id: Option<Uuid>,
    preferred_channel: Option<String>,
    merged_status: CustomerStatus,
    consents: Vec<StoredConsent>,
    #[serde(default)]
    fields: Vec<FieldOption>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredConsent {
    channel: String,
    granted: bool,
    source: String,
    at_us: i64,
    recorded_by: Uuid,
}

/// Reads a merge for a decision: present, both records in the actor's scope, at the version the client read.
async fn for_decision(
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    id: Uuid,
    version: i32,
) -> Result<MergeRow> {
    let m = mstore::find_merge(tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    for c in [m.survivor_id, m.merged_id] {
        load_in_scope(tx, grant, c).await?;
    }
    if m.version != version {
        return Err(AppError::conflict(
            "version_conflict",
            "the merge changed since it was read; read it again",
            json!({"current_version": m.version}),
        ));
    }
    Ok(m)
}

fn step(m: &MergeRow, s: MergeStep) -> Result<MergeStatus> {
    m.status.apply(s).ok_or_else(|| {
        AppError::conflict(
            "merge_state",
            format!("the merge is {}", m.status.as_str()),
            json!({"merge_status": m.status}),
        )
    })
}

async fn save(tx: &DatabaseTransaction, mut m: MergeRow) -> Result<MergeRow> {
    let expected = m.version;
    m.version += 1;
    if !mstore::update_merge(tx, &m, expected).await? {
        return Err(AppError::conflict(
            "version_conflict",
            "the merge changed since it was read; read it again",
            json!({}),
        ));
    }
    Ok(m)
}

/// Approves a proposed merge and carries it out (a checker who did not propose it).
pub async fn approve(app: &App, actor: &Actor, id: Uuid, d: MergeDecision) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let tx = app.db.begin_write().await?;
    let mut m = for_decision(&tx, &grant, id, d.version).await?;
    let next = step(&m, MergeStep::Approve)?;
    if m.proposed_by == actor.id.uuid() {
        return Err(AppError::forbidden(
            "merge_four_eyes",
            "whoever proposed a merge cannot approve it",
        ));
    }
    let s = lock_in_scope(&*tx, &grant, m.survivor_id).await?;
    let g = lock_in_scope(&*tx, &grant, m.merged_id).await?;
    check_pair(&s, &g)?;
    refuse_recent(&tx, &g).await?;
    let now = now_us();
    let (s_req, g_req) = (request_of(app, &s)?, request_of(app, &g)?);
    let mut choices = choices_of(&m)?;
    let now_options = options(&s_req, &g_req, &BTreeMap::new())?;
    choices.retain(|k, _| now_options.iter().any(|o| &o.field == k));
    let fields = options(&s_req, &g_req, &choices)?;
    let consents = store::list_consents(&*tx, s.id.uuid()).await?;
    let before = Before {
        profile: s.profile.clone(),
        custom: s.custom.clone(),
        display_name: s.display_name.clone(),
        name_latin_lower: s.name_latin_lower.clone(),
        birth_date: s.birth_date.clone(),
        branch_code: s.branch_code.clone(),
        rm_id: s.rm_id.map(|r| r.uuid()),
        preferred_channel: s.preferred_channel.clone(),
        merged_status: g.status,
        consents: consents.iter().map(stored_consent).collect(),
        fields: fields.clone(),
    };
    let survivor = survivor_row(app, &s, &s_req, &fields)?;
    let keys = app.keys();
    let (old_i, old_p, old_c) = stored_state(&keys, &s)?;
    let (new_i, new_p, new_c) = stored_state(&keys, &survivor)?;
    let mut changes = diff(
        &snapshot(
            &old_p,
            &old_i,
            &s.branch_code,
            s.rm_id.map(Into::into),
            &s.preferred_channel,
            &old_c,
        ),
        &snapshot(
            &new_p,
            &new_i,
            &survivor.branch_code,
            survivor.rm_id.map(Into::into),
            &survivor.preferred_channel,
            &new_c,
        ),
    );
    changes.push(FieldChange {
        field: "merged".into(),
        old: Value::Null,
        new: json!(g.customer_no),
    });
    let expected = s.version;
    let saved = commit_change(
        app,
        &tx,
        &grant,
        survivor,
        expected,
        Change {
            action: "customer.merge",
            fields: changes,
            touch_editor: true,
        },
    )
    .await?;
    let mut gone = g.clone();
    gone.status = CustomerStatus::Merged;
    commit_change(
        app,
        &tx,
        &grant,
        gone,
        g.version,
        Change {
            action: "customer.merged_into",
            fields: vec![
                FieldChange {
                    field: "status".into(),
                    old: json!(g.status),
                    new: json!(CustomerStatus::Merged),
                },
                FieldChange {
                    field: "merged_into".into(),
                    old: Value::Null,
                    new: json!(s.customer_no),
                },
            ],
            touch_editor: false,
        },
    )
    .await?;
    let moved = mstore::move_rows(&*tx, m.id, s.id.uuid(), g.id.uuid()).await?;
    stricter_consents(&tx, &s, &g, now).await?;
    mstore::drop_assignments(&*tx, g.id.uuid()).await?;
    crate::reactions::on_change(app, &*tx, std::slice::from_ref(&saved)).await?;
    if let Some(p) = mstore::pair_of(&*tx, m.survivor_id, m.merged_id).await? {
        mstore::set_pair_status(
            &*tx,
            p.id,
            &[PairStatus::Open, PairStatus::Proposed],
            PairStatus::Merged,
            Some(actor.id.uuid()),
            now,
            Some(m.id),
        )
        .await?;
    }
    m.status = next;
    m.decided_by = Some(actor.id.uuid());
    m.decided_at_us = Some(now);
    m.decision_note = d
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    m.before = Some(
        serde_json::to_string(&before).map_err(|e| AppError::internal_from("merge state", e))?,
    );
    m.outcome = Some(
        serde_json::to_string(&moved).map_err(|e| AppError::internal_from("merge outcome", e))?,
    );
    m.undo_until_us = Some(now + UNDO_DAYS * DAY_US);
    let m = save(&tx, m).await?;
    crate::outbound::emit(
        &*tx,
        &[crate::outbound::event(
            "customer.merged",
            Some(m.survivor_id),
            json!({"merge_id": m.id, "customer_id": m.survivor_id, "customer_no": s.customer_no,
               "merged_id": m.merged_id, "merged_no": g.customer_no}),
        )],
    )
    .await?;
    audit::record(app, &*tx, &grant, entries("customer.merge_approve", &m, json!({"moved": moved.moved.values().sum::<u64>(), "kept": moved.kept.values().sum::<u64>()}))).await?;
    let view = view_of(app, &*tx, actor, m).await?;
    crate::idempotency::commit(tx, actor, 200, &view).await?;
    Ok(view)
}

fn stored_consent(c: &ConsentRow) -> StoredConsent {
    StoredConsent {
        channel: c.channel.clone(),
        granted: c.granted,
        source: c.source.clone(),
        at_us: c.at_us,
        recorded_by: c.recorded_by,
    }
}

/// The survivor row with the chosen values of the merged record, through the same rules as an edit.
fn survivor_row(
    app: &App,
    s: &CustomerRow,
    s_req: &Value,
    fields: &[FieldOption],
) -> Result<CustomerRow> {
    let req = applied(s_req, fields);
    let input: CustomerInput = crate::json::from_value(req)?;
    let new = input.parse(app.today())?;
    let pref = new.preferred_channel.map(|c| enum_str(&c));
    let custom = Value::Object(new.custom.clone());
    edited_row(&app.keys(), s, &new, pref, &custom, false)
}

/// A refusal of marketing on either record holds for the survivor: the customer said no on one of them.
async fn stricter_consents(
    tx: &DatabaseTransaction,
    s: &CustomerRow,
    g: &CustomerRow,
    now: i64,
) -> Result<()> {
    let mine: BTreeMap<String, ConsentRow> = store::list_consents(tx, s.id.uuid())
        .await?
        .into_iter()
        .map(|c| (c.channel.clone(), c))
        .collect();
    let mut rows = Vec::new();
    for c in store::list_consents(tx, g.id.uuid()).await? {
        let take = match mine.get(&c.channel) {
            None => true,
            Some(o) => o.granted && !c.granted,
        };
        if take {
            rows.push(ConsentRow {
                customer_id: s.id.uuid(),
                at_us: now,
                ..c
            });
        }
    }
    store::upsert_consents(tx, &rows).await?;
    Ok(())
}

/// Refuses a proposed merge (a checker who did not propose it); a note says why.
pub async fn reject(app: &App, actor: &Actor, id: Uuid, d: MergeDecision) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = required_note(&d)?;
    let tx = app.db.begin_write().await?;
    let mut m = for_decision(&tx, &grant, id, d.version).await?;
    m.status = step(&m, MergeStep::Reject)?;
    if m.proposed_by == actor.id.uuid() {
        return Err(AppError::forbidden(
            "merge_four_eyes",
            "whoever proposed a merge cannot decide on it; withdraw it instead",
        ));
    }
    close(app, tx, &grant, m, note, "customer.merge_reject").await
}

/// Takes back one's own proposal before a decision.
pub async fn withdraw(app: &App, actor: &Actor, id: Uuid, d: MergeDecision) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let mut m = for_decision(&tx, &grant, id, d.version).await?;
    m.status = step(&m, MergeStep::Withdraw)?;
    if m.proposed_by != actor.id.uuid() {
        return Err(AppError::forbidden(
            "not_proposer",
            "only whoever proposed a merge can withdraw it",
        ));
    }
    let note = d
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    close(app, tx, &grant, m, note, "customer.merge_withdraw").await
}

fn required_note(d: &MergeDecision) -> Result<Option<String>> {
    match d.note.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() && n.chars().count() <= 500 => Ok(Some(n.to_owned())),
        Some(n) if !n.is_empty() => Err(AppError::field(
            "note",
            "length",
            "must be at most 500 characters",
        )),
        _ => Err(AppError::field("note", "required", "say why")),
    }
}

/// A proposal ended without a merge: the pair goes back to the queue.
async fn close(
    app: &App,
    tx: WriteTx,
    grant: &Granted<'_>,
    mut m: MergeRow,
    note: Option<String>,
    action: &'static str,
) -> Result<MergeView> {
    let actor = grant.actor();
    let now = now_us();
    m.decided_by = Some(actor.id.uuid());
    m.decided_at_us = Some(now);
    m.decision_note = note;
    let m = save(&tx, m).await?;
    if let Some(p) = mstore::pair_of(&*tx, m.survivor_id, m.merged_id).await? {
        mstore::set_pair_status(
            &*tx,
            p.id,
            &[PairStatus::Proposed],
            PairStatus::Open,
            None,
            now,
            None,
        )
        .await?;
    }
    audit::record(app, &*tx, grant, entries(action, &m, json!({}))).await?;
    let view = view_of(app, &*tx, actor, m).await?;
    crate::idempotency::commit(tx, actor, 200, &view).await?;
    Ok(view)
}
