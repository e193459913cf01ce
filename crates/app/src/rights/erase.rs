//! Carrying out a deletion (PIPL Art. 47). A checker who did not register the request erases the person at
//! once when nothing obliges the bank to keep their records: every row of theirs in every context goes or
//! is blanked (the catalogue in `banyan_store::rights::erase`), records merged into them go with them, and
//! their own record is reduced to its number, kind and branch with the status `erased`. When the law still
//! obliges the bank to keep records (an account open, AML's ten years after the last activity, an alert or
//! a complaint still open) the person is **restricted** instead: consents withdrawn, tasks cancelled,
//! segments dropped, the record frozen, and the nightly job erases them on the first day nothing obliges
//! any longer. The audit log keeps that it happened and by whom, never the values; the ledger kept outside
//! the database (`ledger`) lets a restore of an older backup erase them again.

use super::{RightDecision, RightView, Said, answer, for_decision, four_eyes, note_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use crate::view::FieldChange;
use banyan_domain::access::Permission;
use banyan_domain::customer::{Channel, CustomerStatus};
use banyan_domain::ids::StaffId;
use banyan_domain::rights::{ErasureState, Obligation, RightKind, RightStep, kept_until};
use banyan_store::customers::{self as cstore, ConsentRow, CustomerRow, VersionRow};
use banyan_store::rights::erase::{self as store, ErasureRow, Holds};
use banyan_store::{ConnectionTrait, DatabaseTransaction, now_us};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

pub mod ledger;

/// What keeps the records of `ids` (a person and the records merged into them), and until when.
async fn kept<C: ConnectionTrait>(
    app: &App,
    c: &C,
    ids: &[Uuid],
) -> Result<(Vec<Obligation>, Option<jiff::civil::Date>)> {
    let Holds {
        open_account,
        any_records,
        last_activity,
        open_alert,
        open_complaint,
        recording_until,
    } = store::holds(c, ids).await?;
    let day = |d: String| {
        d.parse::<jiff::civil::Date>()
            .map_err(|e| AppError::internal(format!("a stored day `{d}` does not parse: {e}")))
    };
    let last = match last_activity {
        Some(d) => Some(day(d)?),
        // An account without any day in the book: the years run from today at least.
        None if any_records => Some(app.today()),
        None => None,
    };
    let years = app.policy().book.retention.transactions_years;
    let standing = banyan_store::rights::holds::standing(c, ids, &app.today().to_string()).await?;
    let legal_hold = match standing.iter().map(|h| h.until.clone()).collect::<Vec<_>>() {
        held if held.is_empty() => None,
        held if held.iter().any(Option::is_none) => Some(None),
        held => held
            .into_iter()
            .flatten()
            .max()
            .map(day)
            .transpose()?
            .map(Some),
    };
    Ok(kept_until(
        banyan_domain::rights::Holds {
            open_account,
            last_activity: last,
            open_alert,
            open_complaint,
            recording_until: recording_until.map(day).transpose()?,
            legal_hold,
        },
        years,
    ))
}

/// The person and every record merged into them (a merge of a merge included).
async fn with_merged<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Vec<Uuid>> {
    let mut ids = vec![id];
    let mut i = 0;
    while i < ids.len() && ids.len() < 64 {
        for m in store::merged_into(c, ids[i]).await? {
            if !ids.contains(&m) {
                ids.push(m);
            }
        }
        i += 1;
    }
    Ok(ids)
}

/// Every consent refused through the rights request, and the changes that makes to the record.
pub(super) async fn withdraw_consents<C: ConnectionTrait>(
    c: &C,
    customer: Uuid,
    by: Uuid,
    now: i64,
) -> Result<Vec<FieldChange>> {
    let before = cstore::list_consents(c, customer).await?;
    let rows: Vec<ConsentRow> = Channel::ALL
        .iter()
        .map(|ch| ConsentRow {
            customer_id: customer,
            channel: ch.as_str().to_owned(),
            granted: false,
            source: "rights_request".to_owned(),
            at_us: now,
            recorded_by: by,
        })
        .collect();
    let changes = rows
        .iter()
        .filter(|n| !before.iter().any(|b| b.channel == n.channel && !b.granted))
        .map(|n| FieldChange {
            field: format!("consents.{}", n.channel),
            old: before
                .iter()
                .find(|b| b.channel == n.channel)
                .map(|b| json!({"granted": b.granted, "source": b.source}))
                .unwrap_or(Value::Null),
            new: json!({"granted": false, "source": "rights_request"}),
        })
        .collect();
    cstore::upsert_consents(c, &rows).await?;
    Ok(changes)
}

/// Erases `ids` in the caller's transaction: every row the catalogue names, then each record reduced to its
/// number, kind, branch and manager, with one version that says only that it was erased. Answers the rows
/// removed per table.
async fn erase_now<C: ConnectionTrait>(
    app: &App,
    c: &C,
    ids: &[Uuid],
    by: StaffId,
) -> Result<BTreeMap<String, u64>> {
    let keys = app.keys();
    let mut counts = BTreeMap::new();
    let now = now_us();
    for id in ids {
        for (t, n) in store::erase(c, *id).await? {
            *counts.entry(t).or_insert(0) += n;
        }
        let old = cstore::get_customer(c, (*id).into()).await?;
        let was = old.status;
        let row = CustomerRow {
            display_name: old.customer_no.clone(),
            name_latin_lower: None,
            birth_date: None,
            id_enc: keys.encrypt(Purpose::Identifier, "")?,
            // Unique like every identifier's index, and no keyed hash of a real number can equal it.
            id_bidx: format!("erased:{id}").into_bytes(),
            profile: "{}".to_owned(),
            preferred_channel: None,
            custom: "{}".to_owned(),
            review_due: None,
            return_note: None,
            status: CustomerStatus::Erased,
            version: old.version + 1,
            updated_by: by,
            updated_at_us: now,
            ..old
        };
        if !cstore::update_customer(c, &row, row.version - 1).await? {
            return Err(AppError::internal(
                "an erased record changed under its lock",
            ));
        }
        cstore::insert_version(
            c,
            &VersionRow {
                id: Uuid::now_v7(),
                customer_id: *id,
                version: row.version,
                actor_id: by.uuid(),
                at_us: now,
                action: "erase".to_owned(),
                changes: serde_json::to_string(&[FieldChange {
                    field: "status".to_owned(),
                    old: json!(was),
                    new: json!(CustomerStatus::Erased),
                }])
                .map_err(|e| AppError::internal_from("internal step", e))?,
            },
        )
        .await?;
        crate::customers::search::reindex_rows(app, c, &[&row]).await?;
        crate::outbound::customers(c, "customer.changed", std::slice::from_ref(&row)).await?;
    }
    counts.insert("customers".to_owned(), ids.len() as u64);
    Ok(counts)
}

/// Rows removed in all (the audit record holds the total; the register keeps them per table).
fn rows_of(counts: &BTreeMap<String, u64>) -> u64 {
    counts
        .iter()
        .filter(|(t, _)| t.as_str() != "customers")
        .map(|(_, n)| n)
        .sum()
}

/// Carries out an open deletion request (a checker who did not register it): erased now, or restricted
/// while the law keeps the records. The request is answered either way, with what the person is told.
pub async fn erase(app: &App, actor: &Actor, id: Uuid, d: RightDecision) -> Result<RightView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = note_of(&d, false)?;
    let tx = app.db.begin_write().await?;
    let (mut r, _, next) = for_decision(&tx, &grant, id, d.version, RightStep::Complete).await?;
    four_eyes(actor, &r)?;
    super::of_kind(&r, RightKind::Deletion, "only a deletion is carried out so")?;
    let customer = crate::scope::lock_in_scope(&*tx, &grant, r.customer_id).await?;
    let ids = with_merged(&*tx, customer.id.uuid()).await?;
    let (why, until) = kept(app, &*tx, &ids).await?;
    let now = now_us();
    let mut register = ErasureRow {
        customer_id: customer.id.uuid(),
        request_id: r.id,
        state: ErasureState::Restricted,
        kept_for: why.clone(),
        erase_after: until.map(|d| d.to_string()),
        decided_by: actor.id.uuid(),
        restricted_at_us: now,
        erased_at_us: None,
        counts: BTreeMap::new(),
    };
    let action = if why.is_empty() {
        register.counts = erase_now(app, &*tx, &ids, actor.id).await?;
        // The catalogue blanked the person's words in every request; this one is written back below.
        r.detail = String::new();
        register.state = ErasureState::Erased;
        register.erased_at_us = Some(now);
        "rights.erase"
    } else {
        restrict(app, &tx, &grant, customer).await?;
        "rights.restrict"
    };
    store::insert(&*tx, &register).await?;
    let customer = cstore::get_customer(&*tx, r.customer_id.into()).await?;
    let detail = json!({"kept_for": why,
                        "erase_after": register.erase_after, "records": ids.len(),
                        "rows": rows_of(&register.counts)});
    let view = answer(
        app,
        tx,
        &grant,
        (r, customer),
        next,
        note,
        Said(action, Some(detail)),
    )
    .await?;
    if register.state == ErasureState::Erased {
        ledger::append(app, &ids).await;
    }
    Ok(view)
}

/// Restricts the person: consents withdrawn, open tasks cancelled, segments dropped, the record frozen.
async fn restrict(
    app: &App,
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    mut customer: CustomerRow,
) -> Result<()> {
    let id = customer.id.uuid();
    let mut fields = withdraw_consents(tx, id, grant.actor().id.uuid(), now_us()).await?;
    fields.push(FieldChange {
        field: "status".to_owned(),
        old: json!(customer.status),
        new: json!(CustomerStatus::Restricted),
    });
    store::restrict(tx, id).await?;
    let version = customer.version;
    customer.status = CustomerStatus::Restricted;
    crate::customers::commit_change(
        app,
        tx,
        grant,
        customer,
        version,
        crate::customers::Change {
            action: "customer.restrict",
            fields,
            touch_editor: false,
        },
    )
    .await?;
    Ok(())
}

/// Why a job erased someone, as its audit record says.
#[derive(Clone, Copy)]
enum JobReason {
    /// A restricted person whose obligations ended.
    AfterRestriction,
    /// A relationship that ended longer ago than the AML years, without a request.
    RetentionEnded,
    /// Erased before, found again after a restore of an older backup.
    AfterRestore,
}

impl JobReason {
    fn key(self) -> &'static str {
        match self {
            Self::AfterRestriction => "after_restriction",
            Self::RetentionEnded => "retention_ended",
            Self::AfterRestore => "after_restore",
        }
    }
}

/// Erases `ids` (the first is the person) in `tx` for one of the system's jobs: the register row written
/// (`reg` when the person has one), the audit record under the job, the ledger after the commit.
async fn job_erase(
    app: &App,
    tx: banyan_store::WriteTx,
    ids: &[Uuid],
    reg: Option<ErasureRow>,
    why: JobReason,
) -> Result<()> {
    let id = ids[0];
    let counts = erase_now(app, &*tx, ids, StaffId::nil()).await?;
    let now = now_us();
    let existed = reg.is_some() || store::find(&*tx, id).await?.is_some();
    let reg = ErasureRow {
        state: ErasureState::Erased,
        kept_for: Vec::new(),
        erased_at_us: Some(now),
        counts: counts.clone(),
        ..reg.unwrap_or(ErasureRow {
            customer_id: id,
            request_id: Uuid::nil(),
            state: ErasureState::Erased,
            kept_for: Vec::new(),
            erase_after: None,
            decided_by: Uuid::nil(),
            restricted_at_us: now,
            erased_at_us: Some(now),
            counts: BTreeMap::new(),
        })
    };
    if existed {
        store::update(&*tx, &reg).await?;
    } else {
        store::insert(&*tx, &reg).await?;
    }
    audit::record_system(
        app,
        &*tx,
        "rights.erasure",
        vec![Entry {
            action: "rights.erase",
            entity: "customer",
            entity_id: Some(id.to_string()),
            customer_id: Some(id),
            detail: json!({"records": ids.len(), "rows": rows_of(&counts), why.key(): true}),
        }],
    )
    .await?;
    tx.commit().await?;
    ledger::append(app, ids).await;
    Ok(())
}

/// Whether nothing keeps the records of `ids` on `today`.
async fn free<C: ConnectionTrait>(
    app: &App,
    c: &C,
    ids: &[Uuid],
    today: jiff::civil::Date,
) -> Result<(bool, Vec<Obligation>, Option<jiff::civil::Date>)> {
    let (why, until) = kept(app, c, ids).await?;
    let due = why.is_empty() || until.is_some_and(|d| d <= today);
    Ok((due, why, until))
}

/// Erases a restricted person whose obligations ended; otherwise keeps the day they may go up to date.
async fn erase_restricted(
    app: &App,
    mut reg: ErasureRow,
    today: jiff::civil::Date,
) -> Result<bool> {
    let tx = app.db.begin_write().await?;
    let Some(locked) = cstore::lock_customer(&*tx, reg.customer_id.into()).await? else {
        return Ok(false);
    };
    if locked.status != CustomerStatus::Restricted {
        return Ok(false);
    }
    let ids = with_merged(&*tx, reg.customer_id).await?;
    let (due, why, until) = free(app, &*tx, &ids, today).await?;
    if !due {
        let after = until.map(|d| d.to_string());
        if after != reg.erase_after || why != reg.kept_for {
            reg.erase_after = after;
            reg.kept_for = why;
            store::update(&*tx, &reg).await?;
            tx.commit().await?;
        }
        return Ok(false);
    }
    job_erase(app, tx, &ids, Some(reg), JobReason::AfterRestriction).await?;
    Ok(true)
}

/// Most relationships that ended erased in one night (the rest the next).
const ENDED_PER_NIGHT: u64 = 1000;

/// The nightly job (PIPL Art. 47): every restricted person whose obligations have ended is erased, and so is
/// every former customer whose accounts all closed longer ago than the AML years (the retention period
/// ended: erased without a request); each in its own transaction with its audit record under the job's
/// name. The day a restricted person's records may go is kept up to date. Answers how many were erased.
pub async fn erase_due(app: &App) -> Result<u64> {
    let today = app.today();
    let mut n = 0;
    // One person's failure is logged and the others go on (the next night tries them again).
    for reg in store::restricted(&app.db.conn).await? {
        let id = reg.customer_id;
        match erase_restricted(app, reg, today).await {
            Ok(true) => n += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(customer = %id, error = %e, "erasing a restricted customer failed")
            }
        }
    }
    let retention = app.policy().book.retention.clone();
    if !retention.erase_former_customers {
        return Ok(n);
    }
    let years = retention.transactions_years;
    let before = today
        .checked_sub(jiff::Span::new().years(i64::from(years)))
        .map_err(|e| AppError::internal(format!("the retention's first day: {e}")))?;
    let before_us = before
        .to_zoned(app.tz.clone())
        .map(|z| z.timestamp().as_microsecond())
        .map_err(|e| AppError::internal(format!("the retention's first day: {e}")))?;
    let ended = store::relationships_ended(
        &app.db.conn,
        &before.to_string(),
        before_us,
        ENDED_PER_NIGHT,
    )
    .await?;
    for id in ended {
        match erase_ended(app, id, today).await {
            Ok(true) => n += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(customer = %id, error = %e, "erasing a former customer failed")
            }
        }
    }
    Ok(n)
}

/// Erases a former customer whose retention ended, if nothing keeps them after all.
async fn erase_ended(app: &App, id: Uuid, today: jiff::civil::Date) -> Result<bool> {
    let tx = app.db.begin_write().await?;
    let Some(locked) = cstore::lock_customer(&*tx, id.into()).await? else {
        return Ok(false);
    };
    if !locked.status.is_processed() {
        return Ok(false);
    }
    let ids = with_merged(&*tx, id).await?;
    if !free(app, &*tx, &ids, today).await?.0 {
        return Ok(false);
    }
    job_erase(app, tx, &ids, None, JobReason::RetentionEnded).await?;
    Ok(true)
}

/// Erases again every person the ledger names whose record stands un-erased (a restore of a backup taken
/// before their erasure). Answers how many.
pub async fn reapply(app: &App) -> Result<u64> {
    let listed = ledger::read(app)?;
    let mut n = 0;
    for id in listed {
        let tx = app.db.begin_write().await?;
        let Some(row) = cstore::lock_customer(&*tx, id.into()).await? else {
            continue;
        };
        if row.status == CustomerStatus::Erased {
            continue;
        }
        job_erase(app, tx, &[id], None, JobReason::AfterRestore).await?;
        n += 1;
    }
    Ok(n)
}
