//! Creating customers, one or a batch: parse, check duplicates, allocate numbers, insert with contacts and
//! consents, the first version and the audit record, in one transaction; a retry with the same
//! Idempotency-Key answers the first result.

use super::duplicates::{self, Probe, Taken, record_probes, told};
use super::read::build_view;
use super::{
    MAX_BATCH, check_rm, enum_str, field_definitions, map_unique, purpose_of, scope_error, snapshot,
};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::{KeyRing, Purpose};
use crate::error::{AppError, Result};
use crate::view::*;
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::customer::{
    self as dom, ContactKind, CustomerInput, CustomerStatus, NewCustomer,
};
use banyan_domain::fields::{FieldDefinition, validate_custom};
use banyan_store::customers::{
    self as store, ConsentRow, ContactRow, CustomerRow, Holder, VersionRow,
};
use banyan_store::{DatabaseTransaction, misc, now_us};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// A customer ready to insert, with its contacts, consents and the facts for duplicate checks.
pub(crate) struct Prepared {
    pub(crate) row: CustomerRow,
    pub(crate) contacts: Vec<ContactRow>,
    pub(crate) consents: Vec<ConsentRow>,
    pub(crate) mobiles: Vec<Vec<u8>>,
    pub(crate) new: NewCustomer,
}

/// Builds the stored rows of a parsed customer.
pub(crate) fn build_rows(
    keys: &KeyRing,
    actor: &Actor,
    new: &NewCustomer,
    id: Uuid,
    now: i64,
) -> Result<Prepared> {
    let profile = serde_json::to_string(&new.profile)
        .map_err(|e| AppError::internal_from("customer JSON", e))?;
    let id_number = new.identifier.number();
    let row = CustomerRow {
        id: id.into(),
        customer_no: String::new(),
        kind: new.kind,
        status: CustomerStatus::Draft,
        branch_code: new.branch_code.as_str().to_owned(),
        rm_id: new.rm_id.map(Into::into),
        display_name: new.display_name().to_owned(),
        name_latin_lower: dom::latin_name(&new.profile).map(str::to_lowercase),
        birth_date: new.birth_date().map(|d| d.to_string()),
        id_type: new.identifier.type_code().to_owned(),
        id_enc: keys.encrypt(Purpose::Identifier, id_number)?,
        id_bidx: keys.blind_index(Purpose::Identifier, id_number),
        profile,
        preferred_channel: new.preferred_channel.map(|c| enum_str(&c)),
        custom: Value::Object(new.custom.clone()).to_string(),
        version: 1,
        created_by: actor.id,
        created_at_us: now,
        updated_by: actor.id,
        updated_at_us: now,
        submitted_by: None,
        submitted_at_us: None,
        verified_by: None,
        verified_at_us: None,
        review_due: None,
        return_note: None,
    };
    let mut contacts = Vec::with_capacity(new.contacts.len());
    let mut mobiles = Vec::new();
    for c in &new.contacts {
        let p = purpose_of(c.value.kind());
        let bidx = keys.blind_index(p, c.value.canonical());
        if c.value.kind() == ContactKind::Mobile {
            mobiles.push(bidx.clone());
        }
        contacts.push(ContactRow {
            id: Uuid::now_v7(),
            customer_id: id,
            kind: c.value.kind().as_str().to_owned(),
            label: c.label.clone(),
            value_enc: keys.encrypt(p, c.value.canonical())?,
            bidx,
            created_at_us: now,
        });
    }
    let consents = new
        .consents
        .iter()
        .map(|c| ConsentRow {
            customer_id: id,
            channel: c.channel.as_str().to_owned(),
            granted: c.granted,
            source: c.source.trim().to_owned(),
            at_us: now,
            recorded_by: actor.id.uuid(),
        })
        .collect();
    Ok(Prepared {
        row,
        contacts,
        consents,
        mobiles,
        new: new.clone(),
    })
}

/// Parses, scopes and encrypts inputs; each is either prepared or rejected with its field errors.
pub(crate) async fn prepare(
    app: &App,
    grant: &Granted<'_>,
    inputs: Vec<CustomerInput>,
    defs: &[FieldDefinition],
) -> Result<Vec<std::result::Result<Prepared, FieldErrors>>> {
    let actor = grant.actor();
    let today = app.today();
    let now = now_us();
    let mut rm_cache = HashMap::new();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let requested_rm = input.rm_id;
        let mut errs = FieldErrors::new();
        let rm = check_rm(app, actor, requested_rm, &mut rm_cache, &mut errs).await?;
        let parsed = input.parse(today);
        match parsed {
            Err(e) => {
                errs.0.extend(e.0);
                out.push(Err(errs));
            }
            Ok(mut new) => {
                new.rm_id = rm;
                scope_error(&mut errs, grant, new.branch_code.as_str(), rm);
                if let Err(e) = validate_custom(&new.custom, defs, new.kind) {
                    errs.0.extend(e.0);
                }
                if errs.is_empty() {
                    out.push(Ok(build_rows(
                        &app.keys(),
                        actor,
                        &new,
                        Uuid::now_v7(),
                        now,
                    )?));
                } else {
                    out.push(Err(errs));
                }
            }
        }
    }
    Ok(out)
}

pub(crate) fn duplicate(code: &'static str, what: &str, field: &str, customer_no: &str) -> Value {
    json!({
        "code": code,
        "message": format!("a customer with this {what} already exists: {customer_no}"),
        "field": field,
        "customer_no": customer_no,
    })
}

/// Hands out customer numbers (`P-BR0001-00000042`: kind, branch, sequence) for prepared customers, in one
/// statement and in a transaction of its own, so that the counter rows are locked only for that moment and
/// concurrent creates in the same branch do not queue behind each other's inserts. A number given to a
/// customer that is then refused (a duplicate) is not reused: numbers may have gaps, never repeats.
pub(crate) async fn allocate_numbers(app: &App, items: &mut [(usize, Prepared)]) -> Result<()> {
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (pos, (_, p)) in items.iter().enumerate() {
        let prefix = p.row.kind.number_prefix();
        groups
            .entry(format!("{prefix}-{}", p.row.branch_code))
            .or_default()
            .push(pos);
    }
    // A fixed (sorted) order, so concurrent allocations lock counter rows in the same order.
    let increments: Vec<(String, i64)> = groups
        .iter()
        .map(|(g, m)| (format!("customer_no:{g}"), m.len() as i64))
        .collect();
    let tx = app.db.begin_write().await?;
    let last: HashMap<String, i64> = misc::next_counters(&*tx, &increments)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    for (g, members) in &groups {
        let end = *last
            .get(&format!("customer_no:{g}"))
            .ok_or_else(|| AppError::internal(format!("counter {g} not returned")))?;
        let first = end - members.len() as i64 + 1;
        for (k, pos) in members.iter().enumerate() {
            items[*pos].1.row.customer_no = format!("{g}-{:08}", first + k as i64);
        }
    }
    Ok(())
}

/// Inserts prepared (and numbered) customers in the transaction; returns per-item rejections for duplicates.
pub(crate) async fn insert_prepared(
    app: &App,
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    items: &mut [(usize, Prepared)],
) -> Result<(HashMap<usize, Value>, Vec<Probe>)> {
    let actor = grant.actor();
    let mut rejected: HashMap<usize, Value> = HashMap::new();
    let mut probes = Vec::new();
    // Duplicates against the database.
    let id_bidx: Vec<Vec<u8>> = items.iter().map(|(_, p)| p.row.id_bidx.clone()).collect();
    let taken_ids: HashMap<Vec<u8>, Holder> = store::find_id_bidx_in(tx, &id_bidx)
        .await?
        .into_iter()
        .collect();
    let mobiles: Vec<Vec<u8>> = items.iter().flat_map(|(_, p)| p.mobiles.clone()).collect();
    let taken_mobiles: HashMap<Vec<u8>, Holder> = store::find_mobile_bidx_in(tx, &mobiles)
        .await?
        .into_iter()
        .collect();
    // Duplicates within the batch: the first one wins.
    let mut seen_ids: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut seen_mobiles: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, p) in items.iter() {
        let field = if p.row.kind == dom::CustomerKind::Individual {
            "individual.id_number"
        } else {
            "organization.credit_code"
        };
        if let Some(h) = taken_ids.get(&p.row.id_bidx) {
            let (v, probe) = told(grant, Taken::Identifier, field, h);
            rejected.insert(*i, v);
            probes.extend(probe);
            continue;
        }
        if let Some(first) = seen_ids.get(&p.row.id_bidx) {
            rejected.insert(
                *i,
                duplicate(
                    "duplicate_id_number",
                    "identifier",
                    field,
                    &format!("row {first} of this batch"),
                ),
            );
            continue;
        }
        if let Some(h) = p.mobiles.iter().find_map(|m| taken_mobiles.get(m)) {
            let (v, probe) = told(grant, Taken::Mobile, "contacts", h);
            rejected.insert(*i, v);
            probes.extend(probe);
            continue;
        }
        if let Some(first) = p.mobiles.iter().find_map(|m| seen_mobiles.get(m)) {
            rejected.insert(
                *i,
                duplicate(
                    "duplicate_mobile",
                    "mobile number",
                    "contacts",
                    &format!("row {first} of this batch"),
                ),
            );
            continue;
        }
        seen_ids.insert(p.row.id_bidx.clone(), *i);
        for m in &p.mobiles {
            seen_mobiles.insert(m.clone(), *i);
        }
    }
    let ok: Vec<&Prepared> = items
        .iter()
        .filter(|(i, _)| !rejected.contains_key(i))
        .map(|(_, p)| p)
        .collect();
    let now = now_us();
    for chunk in ok.chunks(200) {
        let rows: Vec<CustomerRow> = chunk.iter().map(|p| p.row.clone()).collect();
        store::insert_customers(tx, &rows)
            .await
            .map_err(map_unique)?;
        let contacts: Vec<ContactRow> = chunk.iter().flat_map(|p| p.contacts.clone()).collect();
        for cc in contacts.chunks(500) {
            store::insert_contacts(tx, cc).await.map_err(map_unique)?;
        }
        let new_rows: Vec<&CustomerRow> = chunk.iter().map(|p| &p.row).collect();
        super::search::index_new(app, tx, &new_rows, &contacts).await?;
        let consents: Vec<ConsentRow> = chunk.iter().flat_map(|p| p.consents.clone()).collect();
        store::upsert_consents(tx, &consents).await?;
        let versions: Vec<VersionRow> = chunk
            .iter()
            .map(|p| {
                Ok(VersionRow {
                    id: Uuid::now_v7(),
                    customer_id: p.row.id.uuid(),
                    version: 1,
                    actor_id: actor.id.uuid(),
                    at_us: now,
                    action: "create".into(),
                    changes: crate::json::to_stored(
                        &creation_changes(p),
                        "the changes of a new customer's first version",
                    )?,
                })
            })
            .collect::<Result<_>>()?;
        store::insert_versions(tx, &versions).await?;
        let entries = chunk
            .iter()
            .map(|p| {
                Entry::customer(
                    "customer.create",
                    p.row.id.uuid(),
                    json!({"customer_no": p.row.customer_no, "kind": p.row.kind}),
                )
            })
            .collect();
        audit::record(app, tx, grant, entries).await?;
        crate::reactions::on_create(app, tx, &rows).await?;
        crate::outbound::customers(tx, "customer.created", &rows).await?;
    }
    Ok((rejected, probes))
}

/// The fields of a new customer, as the changes of version 1 (sensitive values masked).
pub(crate) fn creation_changes(p: &Prepared) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let snap = snapshot(
        &p.new.profile,
        &p.new.identifier,
        p.row.branch_code.as_str(),
        p.row.rm_id.map(Into::into),
        &p.row.preferred_channel,
        &Value::Object(p.new.custom.clone()),
    );
    for (k, v) in snap {
        out.push(FieldChange {
            field: k,
            old: Value::Null,
            new: v,
        });
    }
    for c in &p.new.contacts {
        out.push(FieldChange {
            field: format!("contacts.{}", c.value.kind().as_str()),
            old: Value::Null,
            new: Value::String(c.value.masked()),
        });
    }
    out
}

/// Creates one customer (with the request's Idempotency-Key, if any, in the same transaction).
pub async fn create(app: &App, actor: &Actor, input: CustomerInput) -> Result<CustomerView> {
    let grant = actor.require(Permission::CustomerCreate)?;
    let defs = field_definitions(app).await?;
    let mut prepared = prepare(app, &grant, vec![input], &defs).await?;
    let p = match prepared.pop() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Err(AppError::Validation(e)),
        None => return Err(AppError::internal("nothing prepared")),
    };
    let mut items = vec![(0, p)];
    allocate_numbers(app, &mut items).await?;
    let tx = app.db.begin_write().await?;
    let (rejected, probes) = insert_prepared(app, &tx, &grant, &mut items).await?;
    if let Some(v) = rejected.get(&0) {
        // Nothing is written; the probe of a record outside the caller's scope is still recorded.
        tx.rollback().await?;
        record_probes(app, &grant, &probes).await?;
        let taken = if v["code"] == "duplicate_mobile" {
            Taken::Mobile
        } else {
            Taken::Identifier
        };
        return Err(duplicates::conflict(taken, v.clone()));
    }
    let (_, p) = items.remove(0);
    let mut warnings = Vec::new();
    if let Some(b) = &p.row.birth_date {
        let same: Vec<String> = store::find_same_name_and_birth(&*tx, &p.row.display_name, b)
            .await?
            .into_iter()
            .filter(|n| n != &p.row.customer_no)
            .collect();
        if !same.is_empty() {
            warnings.push(Warning {
                code: "possible_duplicate".into(),
                message: "customers with the same name and birth date exist".into(),
                customer_nos: same,
            });
        }
    }
    let mut view = build_view(app, &*tx, p.row.clone(), false).await?;
    view.warnings = warnings;
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// Creates many customers in one transaction; invalid or duplicate items are reported, valid ones kept.
pub async fn create_batch(
    app: &App,
    actor: &Actor,
    inputs: Vec<CustomerInput>,
) -> Result<BatchResult> {
    create_batch_with(app, actor, inputs, None::<&Nothing>).await
}

/// Work that commits in the same transaction as a batch's customers (an import's chunk records its rows
/// and the job's progress so: both commit or neither does).
pub(crate) trait WithBatch {
    fn record(
        &self,
        app: &App,
        tx: &DatabaseTransaction,
        result: &BatchResult,
    ) -> impl std::future::Future<Output = Result<()>> + Send;
}

/// No work beside the batch.
pub(crate) struct Nothing;

impl WithBatch for Nothing {
    async fn record(&self, _: &App, _: &DatabaseTransaction, _: &BatchResult) -> Result<()> {
        Ok(())
    }
}

/// [`create_batch`], with `with` recorded in the batch's transaction.
pub(crate) async fn create_batch_with<W: WithBatch + Sync>(
    app: &App,
    actor: &Actor,
    inputs: Vec<CustomerInput>,
    with: Option<&W>,
) -> Result<BatchResult> {
    let grant = actor.require(Permission::CustomerCreate)?;
    if inputs.len() > MAX_BATCH {
        return Err(AppError::field(
            "customers",
            "max_items",
            format!("at most {MAX_BATCH} customers per batch"),
        ));
    }
    let defs = field_definitions(app).await?;
    let n = inputs.len();
    let prepared = prepare(app, &grant, inputs, &defs).await?;
    let mut items = Vec::new();
    let mut errors: HashMap<usize, Value> = HashMap::new();
    for (i, p) in prepared.into_iter().enumerate() {
        match p {
            Ok(p) => items.push((i, p)),
            Err(e) => {
                errors.insert(i, json!({"code": "validation", "errors": e.0}));
            }
        }
    }
    allocate_numbers(app, &mut items).await?;
    let mut attempt = 0;
    loop {
        let tx = app.db.begin_write().await?;
        match insert_prepared(app, &tx, &grant, &mut items).await {
            Ok((rejected, probes)) => {
                let mut errors = errors.clone();
                errors.extend(rejected);
                let result = batch_result(n, errors, &items);
                if let Some(w) = with {
                    w.record(app, &tx, &result).await?;
                }
                crate::idempotency::commit(tx, actor, 200, &result).await?;
                record_probes(app, &grant, &probes).await?;
                return Ok(result);
            }
            // A concurrent create took the same identifier or mobile between our check and our insert:
            // run the checks again, which now report it per item.
            Err(AppError::Conflict { .. }) if attempt < 2 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// The per-item answer of a batch: each input's new customer, or why it was rejected.
fn batch_result(
    n: usize,
    mut errors: HashMap<usize, Value>,
    items: &[(usize, Prepared)],
) -> BatchResult {
    let mut out = Vec::with_capacity(n);
    let by_index: HashMap<usize, &Prepared> = items.iter().map(|(i, p)| (*i, p)).collect();
    for i in 0..n {
        match (errors.remove(&i), by_index.get(&i)) {
            (Some(e), _) => out.push(BatchItem {
                index: i,
                id: None,
                customer_no: None,
                error: Some(e),
            }),
            (None, Some(p)) => out.push(BatchItem {
                index: i,
                id: Some(p.row.id.uuid()),
                customer_no: Some(p.row.customer_no.clone()),
                error: None,
            }),
            (None, None) => out.push(BatchItem {
                index: i,
                id: None,
                customer_no: None,
                error: Some(json!({"code": "internal"})),
            }),
        }
    }
    let rejected = out.iter().filter(|i| i.error.is_some()).count();
    BatchResult {
        created: n - rejected,
        rejected,
        items: out,
    }
}

/// A customer draft made from another context's record (a lead becoming a customer), checked and numbered
/// before the caller's write transaction begins: numbering takes a transaction of its own, which must not
/// wait behind the caller's.
pub(crate) struct Draft(Prepared);

/// Checks and numbers a draft (the input's errors name the customer's fields).
pub(crate) async fn prepare_draft(
    app: &App,
    grant: &Granted<'_>,
    input: CustomerInput,
) -> Result<Draft> {
    let defs = field_definitions(app).await?;
    let p = match prepare(app, grant, vec![input], &defs).await?.pop() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Err(AppError::Validation(e)),
        None => return Err(AppError::internal("nothing prepared")),
    };
    let mut items = vec![(0, p)];
    allocate_numbers(app, &mut items).await?;
    let (_, p) = items.remove(0);
    Ok(Draft(p))
}

/// Inserts a draft in the caller's transaction (versioned, indexed, audited as `customer.create`): its id
/// and number, or the duplicate's refusal with the probes to record once the caller has rolled back.
pub(crate) async fn insert_draft(
    app: &App,
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    d: Draft,
) -> Result<std::result::Result<(banyan_domain::ids::CustomerId, String), (AppError, Vec<Probe>)>> {
    let mut items = vec![(0, d.0)];
    let (rejected, probes) = insert_prepared(app, tx, grant, &mut items).await?;
    if let Some(v) = rejected.get(&0) {
        let taken = if v["code"] == "duplicate_mobile" {
            Taken::Mobile
        } else {
            Taken::Identifier
        };
        return Ok(Err((duplicates::conflict(taken, v.clone()), probes)));
    }
    let row = &items[0].1.row;
    Ok(Ok((row.id, row.customer_no.clone())))
}
