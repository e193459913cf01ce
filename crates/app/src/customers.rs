//! Customer use cases: create (single and batch), read with masking and audited reveal, search, update
//! with versions and optimistic concurrency, contacts, relationships, and the four-eyes workflow.
//!
//! Every function checks the actor's permission and scope first; out-of-scope customers are "not found".

use crate::App;
use crate::access::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{KeyRing, Purpose};
use crate::error::{AppError, Result};
use crate::view::*;
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::customer::{
    self as dom, ContactInput, ContactKind, ContactValue, CustomerInput, CustomerKind,
    CustomerStatus, Identifier, NewCustomer, Profile, RelationshipKind, Transition,
};
use banyan_domain::fields::{FieldDefinition, validate_custom};
use banyan_domain::ident::{CreditCode, IdDocument, IdDocumentType, PhoneNumber};
use banyan_store::customers::{
    self as store, ConsentRow, ContactRow, CustomerFilter, CustomerRow, Lookup, RelationshipRow,
    VersionRow,
};
use banyan_store::{ConnectionTrait, DatabaseTransaction, StoreError, misc, now_us};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Largest batch accepted by one call.
pub const MAX_BATCH: usize = 1000;

fn purpose_of(k: ContactKind) -> Purpose {
    match k {
        ContactKind::Mobile => Purpose::Mobile,
        ContactKind::Email => Purpose::Email,
        ContactKind::Address => Purpose::Address,
    }
}

fn parse_status(s: &str) -> Result<CustomerStatus> {
    CustomerStatus::parse(s).ok_or_else(|| AppError::Internal(format!("unknown status {s}")))
}
fn parse_kind(s: &str) -> Result<CustomerKind> {
    CustomerKind::parse(s).ok_or_else(|| AppError::Internal(format!("unknown kind {s}")))
}

/// Loads a customer the actor may see, else NotFound (no existence leak).
pub(crate) async fn load_in_scope<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<CustomerRow> {
    match store::find_customer(c, id).await? {
        Some(r) if actor.can_see(&r.branch_code, r.rm_id) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// Like [`load_in_scope`], locking the row for the rest of the write transaction.
pub(crate) async fn lock_in_scope<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<CustomerRow> {
    match store::lock_customer(c, id).await? {
        Some(r) if actor.can_see(&r.branch_code, r.rm_id) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// A customer ready to insert, with its contacts, consents and the facts for duplicate checks.
struct Prepared {
    row: CustomerRow,
    contacts: Vec<ContactRow>,
    consents: Vec<ConsentRow>,
    mobiles: Vec<Vec<u8>>,
    new: NewCustomer,
}

/// Resolves and checks the relationship manager: defaults to the actor when the actor works a portfolio.
async fn check_rm(
    app: &App,
    actor: &Actor,
    requested: Option<Uuid>,
    cache: &mut HashMap<Uuid, bool>,
    errs: &mut FieldErrors,
) -> Result<Option<Uuid>> {
    let rm = match requested {
        None if matches!(actor.role, Role::RelationshipManager | Role::WealthManager) => {
            return Ok(Some(actor.id));
        }
        None => return Ok(None),
        Some(id) => id,
    };
    let ok = match cache.get(&rm) {
        Some(ok) => *ok,
        None => {
            let ok = crate::access::find_staff(app, rm).await?.is_some_and(|s| {
                !s.disabled
                    && matches!(
                        Role::parse(&s.role),
                        Some(Role::RelationshipManager | Role::WealthManager)
                    )
            });
            cache.insert(rm, ok);
            ok
        }
    };
    if !ok {
        errs.push(
            "rm_id",
            "staff",
            "must be an active relationship or wealth manager",
        );
    }
    Ok(Some(rm))
}

fn scope_error(errs: &mut FieldErrors, actor: &Actor, branch: &str, rm: Option<Uuid>) {
    if !actor.can_see(branch, rm) {
        match actor.role.scope() {
            banyan_domain::access::ScopeKind::Own => errs.push(
                "rm_id",
                "scope",
                "you may only create and assign customers in your own portfolio",
            ),
            _ => errs.push("branch_code", "scope", "is outside your branch"),
        }
    }
}

/// Builds the stored rows of a parsed customer.
fn build_rows(
    keys: &KeyRing,
    actor: &Actor,
    new: &NewCustomer,
    id: Uuid,
    now: i64,
) -> Result<Prepared> {
    let profile =
        serde_json::to_string(&new.profile).map_err(|e| AppError::Internal(e.to_string()))?;
    let id_number = new.identifier.number();
    let row = CustomerRow {
        id,
        customer_no: String::new(),
        kind: new.kind.as_str().to_owned(),
        status: CustomerStatus::Draft.as_str().to_owned(),
        branch_code: new.branch_code.as_str().to_owned(),
        rm_id: new.rm_id,
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
            recorded_by: actor.id,
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

/// The serde name of a unit enum value.
fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses, scopes and encrypts inputs; each is either prepared or rejected with its field errors.
async fn prepare(
    app: &App,
    actor: &Actor,
    inputs: Vec<CustomerInput>,
    defs: &[FieldDefinition],
) -> Result<Vec<std::result::Result<Prepared, FieldErrors>>> {
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
                scope_error(&mut errs, actor, new.branch_code.as_str(), rm);
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

fn duplicate(code: &'static str, what: &str, field: &str, customer_no: &str) -> Value {
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
async fn allocate_numbers(app: &App, items: &mut [(usize, Prepared)]) -> Result<()> {
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (pos, (_, p)) in items.iter().enumerate() {
        let prefix = parse_kind(&p.row.kind)?.number_prefix();
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
            .ok_or_else(|| AppError::Internal(format!("counter {g} not returned")))?;
        let first = end - members.len() as i64 + 1;
        for (k, pos) in members.iter().enumerate() {
            items[*pos].1.row.customer_no = format!("{g}-{:08}", first + k as i64);
        }
    }
    Ok(())
}

/// Inserts prepared (and numbered) customers in the transaction; returns per-item rejections for duplicates.
async fn insert_prepared(
    app: &App,
    tx: &DatabaseTransaction,
    actor: &Actor,
    items: &mut [(usize, Prepared)],
) -> Result<HashMap<usize, Value>> {
    let mut rejected: HashMap<usize, Value> = HashMap::new();
    // Duplicates against the database.
    let id_bidx: Vec<Vec<u8>> = items.iter().map(|(_, p)| p.row.id_bidx.clone()).collect();
    let taken_ids: HashMap<Vec<u8>, String> = store::find_id_bidx_in(tx, &id_bidx)
        .await?
        .into_iter()
        .collect();
    let mobiles: Vec<Vec<u8>> = items.iter().flat_map(|(_, p)| p.mobiles.clone()).collect();
    let taken_mobiles: HashMap<Vec<u8>, String> = store::find_mobile_bidx_in(tx, &mobiles)
        .await?
        .into_iter()
        .collect();
    // Duplicates within the batch: the first one wins.
    let mut seen_ids: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut seen_mobiles: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, p) in items.iter() {
        let field = if p.row.kind == "individual" {
            "individual.id_number"
        } else {
            "organization.credit_code"
        };
        if let Some(no) = taken_ids.get(&p.row.id_bidx) {
            rejected.insert(
                *i,
                duplicate("duplicate_id_number", "identifier", field, no),
            );
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
        if let Some((m, no)) = p
            .mobiles
            .iter()
            .find_map(|m| taken_mobiles.get(m).map(|no| (m, no)))
        {
            let _ = m;
            rejected.insert(
                *i,
                duplicate("duplicate_mobile", "mobile number", "contacts", no),
            );
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
        let consents: Vec<ConsentRow> = chunk.iter().flat_map(|p| p.consents.clone()).collect();
        store::upsert_consents(tx, &consents).await?;
        let versions: Vec<VersionRow> = chunk
            .iter()
            .map(|p| VersionRow {
                id: Uuid::now_v7(),
                customer_id: p.row.id,
                version: 1,
                actor_id: actor.id,
                at_us: now,
                action: "create".into(),
                changes: serde_json::to_string(&creation_changes(p))
                    .unwrap_or_else(|_| "[]".into()),
            })
            .collect();
        store::insert_versions(tx, &versions).await?;
        let entries = chunk
            .iter()
            .map(|p| {
                Entry::customer(
                    "customer.create",
                    p.row.id,
                    json!({"customer_no": p.row.customer_no, "kind": p.row.kind}),
                )
            })
            .collect();
        audit::record(tx, actor, entries).await?;
        crate::segments::on_change(app, tx, &rows).await?;
    }
    Ok(rejected)
}

/// A unique violation that slipped past the checks (a concurrent insert) becomes a 409.
fn map_unique(e: StoreError) -> AppError {
    if e.is_conflict_on("customers_id_bidx") {
        AppError::conflict(
            "duplicate_id_number",
            "a customer with this identifier was just created",
            json!({}),
        )
    } else if e.is_conflict_on("contacts_mobile") {
        AppError::conflict(
            "duplicate_mobile",
            "a customer with this mobile number was just created",
            json!({}),
        )
    } else {
        e.into()
    }
}

/// The fields of a new customer, as the changes of version 1 (sensitive values masked).
fn creation_changes(p: &Prepared) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let snap = snapshot(
        &p.new.profile,
        &p.new.identifier,
        p.row.branch_code.as_str(),
        p.row.rm_id,
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

/// A flat map of the reviewable fields (identifier masked), for field-level diffs.
fn snapshot(
    profile: &Profile,
    identifier: &Identifier,
    branch: &str,
    rm: Option<Uuid>,
    preferred: &Option<String>,
    custom: &Value,
) -> std::collections::BTreeMap<String, Value> {
    let mut m = std::collections::BTreeMap::new();
    let (prefix, pv) = match profile {
        Profile::Individual(p) => ("individual", serde_json::to_value(p)),
        Profile::Organization(o) => ("organization", serde_json::to_value(o)),
    };
    if let Ok(Value::Object(obj)) = pv {
        for (k, v) in obj {
            m.insert(format!("{prefix}.{k}"), v);
        }
    }
    let id_field = if matches!(identifier, Identifier::Organization(_)) {
        "organization.credit_code"
    } else {
        "individual.id_number"
    };
    m.insert(id_field.to_owned(), Value::String(identifier.masked()));
    m.insert("branch_code".into(), Value::String(branch.to_owned()));
    m.insert(
        "rm_id".into(),
        rm.map(|u| Value::String(u.to_string()))
            .unwrap_or(Value::Null),
    );
    m.insert(
        "preferred_channel".into(),
        preferred.clone().map(Value::String).unwrap_or(Value::Null),
    );
    if let Value::Object(c) = custom {
        for (k, v) in c {
            m.insert(format!("custom.{k}"), v.clone());
        }
    }
    m
}

fn diff(
    old: &std::collections::BTreeMap<String, Value>,
    new: &std::collections::BTreeMap<String, Value>,
) -> Vec<FieldChange> {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let o = old.get(k).cloned().unwrap_or(Value::Null);
            let n = new.get(k).cloned().unwrap_or(Value::Null);
            (o != n).then(|| FieldChange {
                field: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// Result of a create: the customer, or (for an idempotent retry) the first answer replayed.
#[derive(Debug)]
pub enum Created {
    New(Box<CustomerView>),
    Replayed { status: u16, body: Value },
}

/// Creates one customer. `idempotency` is `(key, hash of the request body)`.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: CustomerInput,
    idempotency: Option<(String, String)>,
) -> Result<Created> {
    actor.require(Permission::CustomerCreate)?;
    if let Some((key, hash)) = &idempotency
        && let Some(r) = misc::find_idempotency(&app.db.conn, actor.id, key).await?
    {
        return replay(r, hash);
    }
    let defs = field_definitions(app).await?;
    let mut prepared = prepare(app, actor, vec![input], &defs).await?;
    let p = match prepared.pop() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Err(AppError::Validation(e)),
        None => return Err(AppError::Internal("nothing prepared".into())),
    };
    let mut items = vec![(0, p)];
    allocate_numbers(app, &mut items).await?;
    let tx = app.db.begin_write().await?;
    let rejected = insert_prepared(app, &tx, actor, &mut items).await?;
    if let Some(v) = rejected.get(&0) {
        let code = if v["code"] == "duplicate_mobile" {
            "duplicate_mobile"
        } else {
            "duplicate_id_number"
        };
        return Err(AppError::conflict(
            code,
            v["message"].as_str().unwrap_or_default().to_owned(),
            v.clone(),
        ));
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
    if let Some((key, hash)) = idempotency {
        let body = serde_json::to_string(&view).map_err(|e| AppError::Internal(e.to_string()))?;
        misc::insert_idempotency(
            &*tx,
            &misc::IdempotencyRow {
                staff_id: actor.id,
                key: key.clone(),
                request_hash: hash.clone(),
                status: 201,
                response: body,
                created_at_us: now_us(),
            },
        )
        .await
        .map_err(|e| {
            if e.is_conflict_on("idempotency") {
                AppError::conflict(
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is being processed; retry",
                    json!({}),
                )
            } else {
                e.into()
            }
        })?;
    }
    tx.commit().await?;
    Ok(Created::New(Box::new(view)))
}

fn replay(r: misc::IdempotencyRow, hash: &str) -> Result<Created> {
    if r.request_hash != hash {
        return Err(AppError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
            json!({}),
        ));
    }
    let body = serde_json::from_str(&r.response).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Created::Replayed {
        status: r.status as u16,
        body,
    })
}

/// Creates many customers in one transaction; invalid or duplicate items are reported, valid ones kept.
pub async fn create_batch(
    app: &App,
    actor: &Actor,
    inputs: Vec<CustomerInput>,
) -> Result<BatchResult> {
    actor.require(Permission::CustomerCreate)?;
    if inputs.len() > MAX_BATCH {
        return Err(AppError::field(
            "customers",
            "max_items",
            format!("at most {MAX_BATCH} customers per batch"),
        ));
    }
    let defs = field_definitions(app).await?;
    let n = inputs.len();
    let prepared = prepare(app, actor, inputs, &defs).await?;
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
    let rejected = loop {
        let tx = app.db.begin_write().await?;
        match insert_prepared(app, &tx, actor, &mut items).await {
            Ok(r) => {
                tx.commit().await?;
                break r;
            }
            // A concurrent create took the same identifier or mobile between our check and our insert:
            // run the checks again, which now report it per item.
            Err(AppError::Conflict { .. }) if attempt < 2 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    errors.extend(rejected);
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
                id: Some(p.row.id),
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
    Ok(BatchResult {
        created: n - rejected,
        rejected,
        items: out,
    })
}

/// The custom field definitions in force.
pub async fn field_definitions(app: &App) -> Result<Vec<FieldDefinition>> {
    let rows = misc::list_field_definitions(&app.db.conn).await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str(&r.definition)
                .map_err(|e| AppError::Internal(format!("field definition {}: {e}", r.key)))
        })
        .collect()
}

/// Defines a custom field.
pub async fn define_field(
    app: &App,
    actor: &Actor,
    def: FieldDefinition,
) -> Result<FieldDefinition> {
    actor.require(Permission::ConfigManage)?;
    def.check()?;
    let tx = app.db.begin_write().await?;
    misc::insert_field_definition(
        &*tx,
        &misc::FieldDefinitionRow {
            id: Uuid::now_v7(),
            kind: def.kind.as_str().to_owned(),
            key: def.key.clone(),
            definition: serde_json::to_string(&def)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            created_at_us: now_us(),
        },
    )
    .await
    .map_err(|e| {
        if e.is_conflict_on("field_definitions") {
            AppError::conflict(
                "duplicate_field",
                "this kind already has a field with this key",
                json!({}),
            )
        } else {
            e.into()
        }
    })?;
    audit::record(&*tx, actor, vec![Entry {
        action: "field.define",
        entity: "field_definition",
        entity_id: Some(format!("{}.{}", def.kind.as_str(), def.key)),
        customer_id: None,
        detail: json!({"key": def.key, "kind": def.kind.as_str(), "type": def.field_type.as_str()}),
    }])
    .await?;
    tx.commit().await?;
    Ok(def)
}

/// Builds the full view of a stored customer (values masked unless `reveal`).
async fn build_view<C: ConnectionTrait>(
    app: &App,
    c: &C,
    row: CustomerRow,
    reveal: bool,
) -> Result<CustomerView> {
    let contacts = store::list_contacts(c, &[row.id]).await?;
    view_of(app, c, row, contacts, reveal).await
}

/// The view of a customer whose contacts are already read.
async fn view_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    row: CustomerRow,
    contacts: Vec<ContactRow>,
    reveal: bool,
) -> Result<CustomerView> {
    let keys = app.keys();
    let consents = store::list_consents(c, row.id).await?;
    let kind = parse_kind(&row.kind)?;
    let status = parse_status(&row.status)?;
    let number = keys.decrypt(Purpose::Identifier, &row.id_enc)?;
    let identifier = Identifier::from_stored(&row.id_type, &number);
    let shown = if reveal {
        number.clone()
    } else {
        identifier
            .as_ref()
            .map(|i| i.masked())
            .unwrap_or_else(|| "****".into())
    };
    let mut contact_views = Vec::with_capacity(contacts.len());
    for ct in contacts {
        let k = ContactKind::parse(&ct.kind)
            .ok_or_else(|| AppError::Internal("unknown contact kind".into()))?;
        let plain = keys.decrypt(purpose_of(k), &ct.value_enc)?;
        let value = if reveal {
            plain
        } else {
            ContactValue::parse(k, &plain)
                .map(|v| v.masked())
                .unwrap_or_else(|_| "****".into())
        };
        contact_views.push(ContactView {
            id: ct.id,
            kind: k,
            label: ct.label,
            value,
            revealed: reveal,
        });
    }
    let today = app.today().to_string();
    let review_overdue = status == CustomerStatus::Verified
        && row
            .review_due
            .as_deref()
            .is_some_and(|d| d < today.as_str());
    Ok(CustomerView {
        id: row.id,
        customer_no: row.customer_no,
        kind,
        status,
        active: status.is_active(),
        branch_code: row.branch_code,
        rm_id: row.rm_id,
        display_name: row.display_name,
        profile: serde_json::from_str(&row.profile)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        identifier: IdentifierView {
            id_type: row.id_type,
            number: shown,
            revealed: reveal,
        },
        contacts: contact_views,
        consents: consents
            .into_iter()
            .filter_map(|c| {
                Some(ConsentView {
                    channel: dom::Channel::parse(&c.channel)?,
                    granted: c.granted,
                    source: c.source,
                    at: crate::fmt_us(c.at_us),
                    recorded_by: c.recorded_by,
                })
            })
            .collect(),
        preferred_channel: row.preferred_channel,
        custom: serde_json::from_str(&row.custom).unwrap_or(Value::Object(Map::new())),
        version: row.version,
        created_by: row.created_by,
        created_at: crate::fmt_us(row.created_at_us),
        updated_by: row.updated_by,
        updated_at: crate::fmt_us(row.updated_at_us),
        submitted_at: row.submitted_at_us.map(crate::fmt_us),
        verified_by: row.verified_by,
        verified_at: row.verified_at_us.map(crate::fmt_us),
        review_due: row.review_due,
        review_overdue,
        return_note: row.return_note.and_then(|n| serde_json::from_str(&n).ok()),
        warnings: Vec::new(),
    })
}

/// Reads one customer. With `reveal`, identifiers and contacts are shown in full and the reveal audited.
pub async fn get(app: &App, actor: &Actor, id: Uuid, reveal: bool) -> Result<CustomerView> {
    actor.require(Permission::CustomerRead)?;
    if reveal {
        actor.require(Permission::CustomerReveal)?;
    }
    // One round trip for the customer and its contacts: this is the hot read.
    let (row, contacts) = match store::find_customer_with_contacts(&app.db.conn, id).await? {
        Some((r, c)) if actor.can_see(&r.branch_code, r.rm_id) => (r, c),
        _ => return Err(AppError::NotFound),
    };
    let view = view_of(app, &app.db.conn, row, contacts, reveal).await?;
    if reveal {
        let tx = app.db.begin_write().await?;
        let mut fields = vec!["identifier".to_owned()];
        fields.extend(
            view.contacts
                .iter()
                .map(|c| format!("contacts.{}", c.kind.as_str())),
        );
        audit::record(
            &*tx,
            actor,
            vec![Entry::customer(
                "customer.reveal",
                id,
                json!({"fields": fields}),
            )],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(view)
}

/// Search and filters for a customer listing.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Name prefix (Chinese or Latin), customer number, exact ID number or mobile number.
    pub q: Option<String>,
    pub kind: Option<CustomerKind>,
    pub status: Option<CustomerStatus>,
    pub branch_code: Option<String>,
    pub rm_id: Option<Uuid>,
    /// Only verified customers past their periodic review date.
    pub review_overdue: bool,
    /// Current segments the customer must have: (dimension, value), e.g. (`wealth_tier`, `platinum`).
    pub segments: Vec<(String, String)>,
    /// The order; name searches default to name order, everything else to creation order.
    pub sort: Option<Sort>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

pub use banyan_store::customers::{Sort, SortKey};

/// The sort names the API and the workbench accept: a key, `-` in front for descending.
pub const SORTS: [&str; 5] = ["created", "name", "customer_no", "review_due", "updated"];

/// Reads `name`, `-review_due`, ...; `None` for anything else.
pub fn parse_sort(s: &str) -> Option<Sort> {
    let (desc, k) = match s.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, s),
    };
    let key = match k {
        "created" => SortKey::Id,
        "name" => SortKey::Name,
        "customer_no" => SortKey::CustomerNo,
        "review_due" => SortKey::ReviewDue,
        "updated" => SortKey::Updated,
        _ => return None,
    };
    Some(Sort { key, desc })
}

/// What a search term can match, by its shape.
fn lookups(keys: &KeyRing, q: &str) -> Vec<Lookup> {
    let t = q.trim();
    let mut out = Vec::new();
    let upper = t.to_ascii_uppercase();
    let looks_like_no = upper.len() >= 3 && ["P-", "C-", "G-"].iter().any(|p| upper.starts_with(p));
    if looks_like_no {
        out.push(Lookup::CustomerNo(upper.clone()));
        return out;
    }
    let mut exact = false;
    for t2 in IdDocumentType::ALL {
        if let Ok(d) = IdDocument::parse(t2, t) {
            out.push(Lookup::IdBidx(
                keys.blind_index(Purpose::Identifier, d.number()),
            ));
            exact |= t2 != IdDocumentType::Passport;
        }
    }
    if let Ok(c) = CreditCode::parse(t) {
        out.push(Lookup::IdBidx(
            keys.blind_index(Purpose::Identifier, c.as_str()),
        ));
        exact = true;
    }
    if let Ok(p) = PhoneNumber::parse(t) {
        out.push(Lookup::MobileBidx(
            keys.blind_index(Purpose::Mobile, p.as_str()),
        ));
        exact = true;
    }
    if !exact && !t.is_empty() {
        out.push(Lookup::NamePrefix(t.to_owned()));
    }
    out
}

/// Lists customers in the actor's scope.
pub async fn list(app: &App, actor: &Actor, q: ListQuery) -> Result<Page<CustomerSummary>> {
    actor.require(Permission::CustomerRead)?;
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let keys = app.keys();
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::field(
            "q",
            "max_length",
            "must be at most 100 characters",
        ));
    }
    let filter = CustomerFilter {
        scope: actor.scope(),
        lookups: search.map(|s| lookups(&keys, s)).unwrap_or_default(),
        kind: q.kind.map(|k| k.as_str().to_owned()),
        status: q.status.map(|s| s.as_str().to_owned()),
        branch_code: q.branch_code.clone(),
        rm_id: q.rm_id,
        review_before: q.review_overdue.then(|| app.today().to_string()),
        segments: q.segments.clone(),
        after,
        sort: Sort::default(),
        limit: limit + 1,
    };
    let by_name = filter
        .lookups
        .iter()
        .any(|l| matches!(l, Lookup::NamePrefix(_)));
    let filter = CustomerFilter {
        sort: q.sort.unwrap_or(Sort {
            key: if by_name { SortKey::Name } else { SortKey::Id },
            desc: false,
        }),
        ..filter
    };
    let rows = store::list_customers(&app.db.conn, &filter).await?;
    let last_updated = rows.get(limit as usize - 1).map(|r| r.updated_at_us);
    let mut page = summaries(app, &app.db.conn, rows, limit).await?;
    if page.next_cursor.is_some() {
        page.next_cursor = page
            .items
            .last()
            .map(|i| cursor_after(filter.sort.key, i, last_updated.unwrap_or_default()));
    }
    Ok(page)
}

/// The id of the customer with this number (any case), if the actor may see it.
pub async fn id_by_number(app: &App, actor: &Actor, number: &str) -> Result<Option<Uuid>> {
    let no = number.trim().to_uppercase();
    let page = list(
        app,
        actor,
        ListQuery {
            q: Some(no.clone()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .find(|c| c.customer_no == no)
        .map(|c| c.id))
}

/// The cursor after a row in a listing's order: the id itself in creation order,
/// `k.<base64url(text key)>.<id>` or `i.<integer key>.<id>` in keyed orders.
fn cursor_after(key: SortKey, i: &CustomerSummary, updated_at_us: i64) -> String {
    use base64::Engine;
    let text = |t: &str| {
        format!(
            "k.{}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t),
            i.id
        )
    };
    match key {
        SortKey::Id => i.id.to_string(),
        SortKey::Name => text(&i.display_name),
        SortKey::CustomerNo => text(&i.customer_no),
        SortKey::ReviewDue => text(i.review_due.as_deref().unwrap_or(store::NO_REVIEW_DATE)),
        SortKey::Updated => format!("i.{updated_at_us}.{}", i.id),
    }
}

fn parse_cursor(c: &str) -> Result<store::Cursor> {
    use base64::Engine;
    let bad = || AppError::field("cursor", "format", "is not a cursor this API returned");
    let Some((tag, rest)) = c.split_once('.') else {
        return c.parse::<Uuid>().map(store::Cursor::Id).map_err(|_| bad());
    };
    let (v, id) = rest.split_once('.').ok_or_else(bad)?;
    let id: Uuid = id.parse().map_err(|_| bad())?;
    match tag {
        // `n.` is the name cursor of earlier releases; it has the same shape.
        "k" | "n" => {
            let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(v)
                .map_err(|_| bad())?;
            Ok(store::Cursor::Text(
                String::from_utf8(text).map_err(|_| bad())?,
                id,
            ))
        }
        "i" => Ok(store::Cursor::Int(v.parse().map_err(|_| bad())?, id)),
        _ => Err(bad()),
    }
}

async fn summaries<C: ConnectionTrait>(
    app: &App,
    c: &C,
    mut rows: Vec<CustomerRow>,
    limit: u64,
) -> Result<Page<CustomerSummary>> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let keys = app.keys();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut mobiles: HashMap<Uuid, String> = HashMap::new();
    for ct in store::list_contacts(c, &ids).await? {
        if ct.kind == "mobile" && !mobiles.contains_key(&ct.customer_id) {
            let plain = keys.decrypt(Purpose::Mobile, &ct.value_enc)?;
            let masked = PhoneNumber::parse(&plain)
                .map(|p| p.masked())
                .unwrap_or_else(|_| "****".into());
            mobiles.insert(ct.customer_id, masked);
        }
    }
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let number = keys.decrypt(Purpose::Identifier, &r.id_enc)?;
        let identifier = Identifier::from_stored(&r.id_type, &number)
            .map(|i| i.masked())
            .unwrap_or_else(|| "****".into());
        items.push(CustomerSummary {
            id: r.id,
            customer_no: r.customer_no,
            kind: parse_kind(&r.kind)?,
            status: parse_status(&r.status)?,
            branch_code: r.branch_code,
            rm_id: r.rm_id,
            display_name: r.display_name,
            birth_date: r.birth_date,
            identifier,
            mobile: mobiles.remove(&r.id),
            review_due: r.review_due,
            version: r.version,
        });
    }
    let next_cursor = if more {
        items.last().map(|i| i.id.to_string())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Submitted customers waiting for a checker.
pub async fn review_queue(
    app: &App,
    actor: &Actor,
    cursor: Option<String>,
    limit: Option<u64>,
) -> Result<Page<CustomerSummary>> {
    actor.require(Permission::CustomerVerify)?;
    let limit = limit.unwrap_or(50).clamp(1, 200);
    let after = match cursor {
        Some(c) => Some(c.parse::<Uuid>().map_err(|_| {
            AppError::field("cursor", "format", "is not a cursor this API returned")
        })?),
        None => None,
    };
    let rows = store::list_submitted(&app.db.conn, &actor.scope(), after, limit + 1).await?;
    summaries(app, &app.db.conn, rows, limit).await
}

/// Checks the version the client read; a mismatch answers with what changed since.
async fn check_version<C: ConnectionTrait>(
    c: &C,
    row: &CustomerRow,
    expected: Option<i64>,
) -> Result<()> {
    let expected = expected.ok_or(AppError::VersionRequired)?;
    if expected != row.version {
        let since = store::list_versions_after(c, row.id, expected).await?;
        let since: Vec<Value> = since.into_iter().map(|v| version_json(&v)).collect();
        return Err(AppError::VersionConflict {
            current_version: row.version,
            since: Value::Array(since),
        });
    }
    Ok(())
}

fn version_json(v: &VersionRow) -> Value {
    json!({
        "version": v.version,
        "actor_id": v.actor_id,
        "at": crate::fmt_us(v.at_us),
        "action": v.action,
        "changes": serde_json::from_str::<Value>(&v.changes).unwrap_or(Value::Null),
    })
}

/// Writes the changed row (version + 1), its version record and its audit record.
async fn commit_change(
    tx: &DatabaseTransaction,
    actor: &Actor,
    mut row: CustomerRow,
    expected: i64,
    action: &'static str,
    changes: Vec<FieldChange>,
    touch_editor: bool,
) -> Result<CustomerRow> {
    let now = now_us();
    row.version = expected + 1;
    if touch_editor {
        row.updated_by = actor.id;
    }
    row.updated_at_us = now;
    if !store::update_customer(tx, &row, expected).await? {
        return Err(AppError::VersionConflict {
            current_version: expected + 1,
            since: Value::Array(vec![]),
        });
    }
    store::insert_version(
        tx,
        &VersionRow {
            id: Uuid::now_v7(),
            customer_id: row.id,
            version: row.version,
            actor_id: actor.id,
            at_us: now,
            action: action.trim_start_matches("customer.").to_owned(),
            changes: serde_json::to_string(&changes)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        },
    )
    .await?;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    audit::record(
        tx,
        actor,
        vec![Entry::customer(
            action,
            row.id,
            json!({"version": row.version, "fields": fields}),
        )],
    )
    .await?;
    Ok(row)
}

const PATCHABLE: [&str; 8] = [
    "version",
    "branch_code",
    "rm_id",
    "individual",
    "organization",
    "preferred_channel",
    "consents",
    "custom",
];
/// Fields whose change needs the record verified again.
const IDENTITY_FIELDS: [&str; 7] = [
    "individual.name_zh",
    "individual.name_latin",
    "individual.birth_date",
    "individual.id_type",
    "individual.id_number",
    "organization.registered_name",
    "organization.credit_code",
];

/// RFC 7386 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

/// Applies a merge patch to a customer. `version` comes from If-Match or the body.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    patch: Value,
    if_match: Option<i64>,
) -> Result<CustomerView> {
    actor.require(Permission::CustomerUpdate)?;
    let Value::Object(mut patch) = patch else {
        return Err(AppError::field(
            "",
            "type",
            "the body must be a JSON object",
        ));
    };
    let mut errs = FieldErrors::new();
    for k in patch.keys() {
        if k == "contacts" {
            errs.push(
                "contacts",
                "not_allowed",
                "change contact points under /customers/{id}/contacts",
            );
        } else if k == "kind" {
            errs.push("kind", "immutable", "the kind of a customer cannot change");
        } else if !PATCHABLE.contains(&k.as_str()) {
            errs.push(k.clone(), "unknown_field", "is not a field of a customer");
        }
    }
    errs.into_result()?;
    let body_version = match patch.remove("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| AppError::field("version", "type", "must be an integer"))?,
        ),
    };
    let expected = if_match.or(body_version);
    let tx = app.db.begin_write().await?;
    let row = lock_in_scope(&*tx, actor, id).await?;
    check_version(&*tx, &row, expected).await?;
    let expected = row.version;
    let status = parse_status(&row.status)?;
    if !status.is_editable() {
        return Err(AppError::conflict(
            "invalid_state",
            "the record is waiting for review and cannot be edited",
            json!({"status": row.status}),
        ));
    }
    let kind = parse_kind(&row.kind)?;
    let keys = app.keys();
    let number = keys.decrypt(Purpose::Identifier, &row.id_enc)?;
    let old_identifier = Identifier::from_stored(&row.id_type, &number)
        .ok_or_else(|| AppError::Internal("stored identifier unreadable".into()))?;
    let old_profile: Profile = match kind {
        CustomerKind::Individual => Profile::Individual(
            serde_json::from_str(&row.profile).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
        _ => Profile::Organization(
            serde_json::from_str(&row.profile).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    };
    let old_custom: Value = serde_json::from_str(&row.custom).unwrap_or(Value::Object(Map::new()));
    // The current record in the shape of a create request, so the patched result goes through the same rules.
    let mut current = json!({
        "kind": row.kind,
        "branch_code": row.branch_code,
        "rm_id": row.rm_id,
        "preferred_channel": row.preferred_channel,
        "custom": old_custom,
    });
    let mut part =
        serde_json::to_value(&old_profile).map_err(|e| AppError::Internal(e.to_string()))?;
    match &old_identifier {
        Identifier::Organization(c) => {
            part["credit_code"] = Value::String(c.as_str().to_owned());
            current["organization"] = part;
        }
        Identifier::Person(d) => {
            part["id_number"] = Value::String(d.number().to_owned());
            current["individual"] = part;
        }
    }
    let consents_patch = patch.remove("consents");
    let custom_touched = patch.contains_key("custom");
    merge(&mut current, &Value::Object(patch));
    let input: CustomerInput = crate::json::from_value(current)?;
    let requested_rm = input.rm_id;
    let mut new = input.parse(app.today())?;
    let mut errs = FieldErrors::new();
    if requested_rm != row.rm_id {
        new.rm_id = check_rm(app, actor, requested_rm, &mut HashMap::new(), &mut errs).await?;
    }
    scope_error(&mut errs, actor, new.branch_code.as_str(), new.rm_id);
    // Custom values are checked when they are edited. A field the bank defined (or made required) after
    // the customer was stored must not block unrelated work such as recording a consent; it is enforced
    // the next time anyone edits the customer's custom fields.
    if custom_touched
        && let Err(e) = validate_custom(&new.custom, &field_definitions(app).await?, kind)
    {
        errs.0.extend(e.0);
    }
    let consents: Vec<dom::ConsentInput> = match consents_patch {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => crate::json::from_value_at(v, "consents")?,
    };
    dom::check_consents(&consents, &mut errs);
    errs.into_result()?;

    let old_snap = snapshot(
        &old_profile,
        &old_identifier,
        &row.branch_code,
        row.rm_id,
        &row.preferred_channel,
        &old_custom,
    );
    let new_pref = new.preferred_channel.map(|c| enum_str(&c));
    let new_custom = Value::Object(new.custom.clone());
    let new_snap = snapshot(
        &new.profile,
        &new.identifier,
        new.branch_code.as_str(),
        new.rm_id,
        &new_pref,
        &new_custom,
    );
    let mut changes = diff(&old_snap, &new_snap);
    // Two numbers can share a mask, so compare the numbers themselves.
    let id_changed = new.identifier.number() != old_identifier.number()
        || new.identifier.type_code() != old_identifier.type_code();
    if id_changed
        && !changes
            .iter()
            .any(|c| c.field.ends_with("id_number") || c.field.ends_with("credit_code"))
    {
        let f = if kind == CustomerKind::Individual {
            "individual.id_number"
        } else {
            "organization.credit_code"
        };
        changes.push(FieldChange {
            field: f.into(),
            old: Value::String(old_identifier.masked()),
            new: Value::String(new.identifier.masked()),
        });
    }
    let existing_consents: HashMap<String, ConsentRow> = store::list_consents(&*tx, id)
        .await?
        .into_iter()
        .map(|c| (c.channel.clone(), c))
        .collect();
    let now = now_us();
    let mut consent_rows = Vec::new();
    for c in &consents {
        let ch = c.channel.as_str().to_owned();
        let old = existing_consents.get(&ch);
        if old.is_none_or(|o| o.granted != c.granted || o.source != c.source.trim()) {
            changes.push(FieldChange {
                field: format!("consents.{ch}"),
                old: old
                    .map(|o| json!({"granted": o.granted, "source": o.source}))
                    .unwrap_or(Value::Null),
                new: json!({"granted": c.granted, "source": c.source.trim()}),
            });
            consent_rows.push(ConsentRow {
                customer_id: id,
                channel: ch,
                granted: c.granted,
                source: c.source.trim().to_owned(),
                at_us: now,
                recorded_by: actor.id,
            });
        }
    }
    if changes.is_empty() {
        tx.rollback().await?;
        return get(app, actor, id, false).await;
    }
    let mut row2 = row.clone();
    if id_changed {
        let bidx = keys.blind_index(Purpose::Identifier, new.identifier.number());
        if let Some((other, no)) = store::find_by_id_bidx(&*tx, &bidx).await?
            && other != id
        {
            return Err(AppError::conflict(
                "duplicate_id_number",
                format!("a customer with this identifier already exists: {no}"),
                json!({"customer_no": no}),
            ));
        }
        row2.id_type = new.identifier.type_code().to_owned();
        row2.id_enc = keys.encrypt(Purpose::Identifier, new.identifier.number())?;
        row2.id_bidx = bidx;
    }
    row2.branch_code = new.branch_code.as_str().to_owned();
    row2.rm_id = new.rm_id;
    row2.display_name = new.display_name().to_owned();
    row2.name_latin_lower = dom::latin_name(&new.profile).map(str::to_lowercase);
    row2.birth_date = new.birth_date().map(|d| d.to_string());
    row2.profile =
        serde_json::to_string(&new.profile).map_err(|e| AppError::Internal(e.to_string()))?;
    row2.preferred_channel = new_pref;
    row2.custom = new_custom.to_string();
    if status == CustomerStatus::Verified
        && changes
            .iter()
            .any(|c| IDENTITY_FIELDS.contains(&c.field.as_str()))
    {
        // Identity facts changed: the record must be verified again before it is active.
        row2.status = CustomerStatus::Draft.as_str().to_owned();
        changes.push(FieldChange {
            field: "status".into(),
            old: json!("verified"),
            new: json!("draft"),
        });
    }
    store::upsert_consents(&*tx, &consent_rows).await?;
    let saved = commit_change(&tx, actor, row2, expected, "customer.update", changes, true)
        .await
        .map_err(|e| match e {
            AppError::Store(s) => map_unique(s),
            e => e,
        })?;
    crate::segments::on_change(app, &*tx, &[saved]).await?;
    let view = build_view(app, &*tx, load_in_scope(&*tx, actor, id).await?, false).await;
    tx.commit().await?;
    view
}

/// The four-eyes workflow: submit (maker), verify or return (checker).
pub async fn transition(
    app: &App,
    actor: &Actor,
    id: Uuid,
    t: Transition,
    note: Option<(Vec<String>, Vec<String>)>,
    if_match: Option<i64>,
) -> Result<CustomerView> {
    actor.require(match t {
        Transition::Submit => Permission::CustomerSubmit,
        Transition::Verify | Transition::Return => Permission::CustomerVerify,
    })?;
    let tx = app.db.begin_write().await?;
    let row = lock_in_scope(&*tx, actor, id).await?;
    if if_match.is_some() {
        check_version(&*tx, &row, if_match).await?;
    }
    let status = parse_status(&row.status)?;
    let next = status.apply(t).ok_or_else(|| {
        AppError::conflict(
            "invalid_state",
            format!(
                "cannot {} a record that is {}",
                transition_name(t),
                status.as_str()
            ),
            json!({"status": status.as_str()}),
        )
    })?;
    if matches!(t, Transition::Verify | Transition::Return)
        && (actor.id == row.created_by
            || actor.id == row.updated_by
            || Some(actor.id) == row.submitted_by)
    {
        return Err(AppError::forbidden(
            "four_eyes",
            "whoever created, last edited or submitted a record cannot verify or return it",
        ));
    }
    let now = now_us();
    let mut r = row.clone();
    r.status = next.as_str().to_owned();
    let mut changes = vec![FieldChange {
        field: "status".into(),
        old: json!(status.as_str()),
        new: json!(next.as_str()),
    }];
    let action = match t {
        Transition::Submit => {
            r.submitted_by = Some(actor.id);
            r.submitted_at_us = Some(now);
            r.return_note = None;
            "customer.submit"
        }
        Transition::Verify => {
            let kind = parse_kind(&row.kind)?;
            let today = app.today();
            let due = app.policy.review_due(kind, today).to_string();
            r.verified_by = Some(actor.id);
            r.verified_at_us = Some(now);
            changes.push(FieldChange {
                field: "review_due".into(),
                old: json!(row.review_due),
                new: json!(due),
            });
            r.review_due = Some(due);
            "customer.verify"
        }
        Transition::Return => {
            let (reasons, missing) = note.unwrap_or_default();
            let reasons: Vec<String> = reasons
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if reasons.is_empty() {
                return Err(AppError::field(
                    "reasons",
                    "required",
                    "give at least one reason for returning the record",
                ));
            }
            let missing: Vec<String> = missing
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            let n = ReturnNote {
                reasons,
                missing_items: missing,
                returned_by: actor.id,
                returned_at: crate::fmt_us(now),
            };
            changes.push(FieldChange {
                field: "return_note".into(),
                old: Value::Null,
                new: serde_json::to_value(&n).unwrap_or(Value::Null),
            });
            r.return_note =
                Some(serde_json::to_string(&n).map_err(|e| AppError::Internal(e.to_string()))?);
            "customer.return"
        }
    };
    let expected = row.version;
    let saved = commit_change(&tx, actor, r, expected, action, changes, false).await?;
    crate::segments::on_change(app, &*tx, &[saved]).await?;
    let view = build_view(app, &*tx, store::get_customer(&*tx, id).await?, false).await?;
    tx.commit().await?;
    Ok(view)
}

fn transition_name(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "submit",
        Transition::Verify => "verify",
        Transition::Return => "return",
    }
}

/// The version history, newest first.
pub async fn versions(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<VersionView>> {
    actor.require(Permission::CustomerRead)?;
    load_in_scope(&app.db.conn, actor, id).await?;
    Ok(store::list_versions(&app.db.conn, id)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            actor_id: v.actor_id,
            at: crate::fmt_us(v.at_us),
            action: v.action,
            changes: serde_json::from_str(&v.changes).unwrap_or_default(),
        })
        .collect())
}

/// Contact points of a customer (masked).
pub async fn contacts(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<ContactView>> {
    Ok(get(app, actor, id, false).await?.contacts)
}

async fn check_mobile_free<C: ConnectionTrait>(
    c: &C,
    keys: &KeyRing,
    v: &ContactValue,
    own: Uuid,
) -> Result<()> {
    if let ContactValue::Mobile(p) = v {
        let b = keys.blind_index(Purpose::Mobile, p.as_str());
        if let Some((other, no)) = store::find_by_mobile_bidx(c, &b).await? {
            let msg = if other == own {
                "this customer already has this mobile number".to_owned()
            } else {
                format!("a customer with this mobile number already exists: {no}")
            };
            return Err(AppError::conflict(
                "duplicate_mobile",
                msg,
                json!({"customer_no": no}),
            ));
        }
    }
    Ok(())
}

async fn editable_row(
    tx: &DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<CustomerRow> {
    actor.require(Permission::CustomerUpdate)?;
    let row = lock_in_scope(tx, actor, id).await?;
    check_version(tx, &row, if_match).await?;
    if !parse_status(&row.status)?.is_editable() {
        return Err(AppError::conflict(
            "invalid_state",
            "the record is waiting for review and cannot be edited",
            json!({"status": row.status}),
        ));
    }
    Ok(row)
}

fn parse_contact(c: &ContactInput) -> Result<ContactValue> {
    ContactValue::parse(c.kind, &c.value).map_err(|(rule, msg)| AppError::field("value", rule, msg))
}

/// Adds a contact point.
pub async fn add_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    c: ContactInput,
    if_match: Option<i64>,
) -> Result<CustomerView> {
    let v = parse_contact(&c)?;
    let keys = app.keys();
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, actor, id, if_match).await?;
    check_mobile_free(&*tx, &keys, &v, id).await?;
    let p = purpose_of(v.kind());
    let cid = Uuid::now_v7();
    store::insert_contacts(
        &*tx,
        &[ContactRow {
            id: cid,
            customer_id: id,
            kind: v.kind().as_str().to_owned(),
            label: c.label.clone().filter(|l| !l.trim().is_empty()),
            value_enc: keys.encrypt(p, v.canonical())?,
            bidx: keys.blind_index(p, v.canonical()),
            created_at_us: now_us(),
        }],
    )
    .await
    .map_err(map_unique)?;
    let ch = vec![FieldChange {
        field: format!("contacts.{}.{cid}", v.kind().as_str()),
        old: Value::Null,
        new: Value::String(v.masked()),
    }];
    let expected = row.version;
    commit_change(&tx, actor, row, expected, "customer.contact_add", ch, true).await?;
    let view = build_view(app, &*tx, store::get_customer(&*tx, id).await?, false).await?;
    tx.commit().await?;
    Ok(view)
}

/// One stored contact point of a customer, decrypted: `(row, kind, value)`.
async fn stored_contact<C: ConnectionTrait>(
    c: &C,
    keys: &KeyRing,
    id: Uuid,
    contact_id: Uuid,
) -> Result<(ContactRow, ContactKind, ContactValue)> {
    let existing = store::list_contacts(c, &[id])
        .await?
        .into_iter()
        .find(|c| c.id == contact_id)
        .ok_or(AppError::NotFound)?;
    let kind = ContactKind::parse(&existing.kind)
        .ok_or_else(|| AppError::Internal("unknown contact kind".into()))?;
    let plain = keys.decrypt(purpose_of(kind), &existing.value_enc)?;
    let value = ContactValue::parse(kind, &plain)
        .map_err(|_| AppError::Internal("stored contact unreadable".into()))?;
    Ok((existing, kind, value))
}

/// Changes a contact point's value and/or label.
pub async fn update_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    contact_id: Uuid,
    value: Option<String>,
    label: Option<String>,
    if_match: Option<i64>,
) -> Result<CustomerView> {
    let keys = app.keys();
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, actor, id, if_match).await?;
    let (existing, kind, old_v) = stored_contact(&*tx, &keys, id, contact_id).await?;
    let p = purpose_of(kind);
    let mut updated = existing.clone();
    let mut changes = Vec::new();
    if let Some(val) = value {
        let v = ContactValue::parse(kind, &val)
            .map_err(|(rule, msg)| AppError::field("value", rule, msg))?;
        if v.canonical() != old_v.canonical() {
            check_mobile_free(&*tx, &keys, &v, id).await?;
            updated.value_enc = keys.encrypt(p, v.canonical())?;
            updated.bidx = keys.blind_index(p, v.canonical());
            changes.push(FieldChange {
                field: format!("contacts.{}.{contact_id}", kind.as_str()),
                old: Value::String(old_v.masked()),
                new: Value::String(v.masked()),
            });
        }
    }
    if let Some(l) = label {
        let l = Some(l.trim().to_owned()).filter(|l| !l.is_empty());
        if l != existing.label {
            changes.push(FieldChange {
                field: format!("contacts.{}.{contact_id}.label", kind.as_str()),
                old: json!(existing.label),
                new: json!(l),
            });
            updated.label = l;
        }
    }
    if !changes.is_empty() {
        store::update_contact(&*tx, &updated)
            .await
            .map_err(map_unique)?;
        let expected = row.version;
        commit_change(
            &tx,
            actor,
            row,
            expected,
            "customer.contact_update",
            changes,
            true,
        )
        .await?;
    }
    let view = build_view(app, &*tx, store::get_customer(&*tx, id).await?, false).await?;
    tx.commit().await?;
    Ok(view)
}

/// Removes a contact point.
pub async fn delete_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    contact_id: Uuid,
    if_match: Option<i64>,
) -> Result<CustomerView> {
    let keys = app.keys();
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, actor, id, if_match).await?;
    let (_, kind, old) = stored_contact(&*tx, &keys, id, contact_id).await?;
    let masked = old.masked();
    store::delete_contact(&*tx, id, contact_id).await?;
    let ch = vec![FieldChange {
        field: format!("contacts.{}.{contact_id}", kind.as_str()),
        old: Value::String(masked),
        new: Value::Null,
    }];
    let expected = row.version;
    commit_change(
        &tx,
        actor,
        row,
        expected,
        "customer.contact_delete",
        ch,
        true,
    )
    .await?;
    let view = build_view(app, &*tx, store::get_customer(&*tx, id).await?, false).await?;
    tx.commit().await?;
    Ok(view)
}

/// Relationships of a customer, each as seen from this customer. Names of related customers outside the
/// actor's scope are withheld.
pub async fn relationships(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<RelationshipView>> {
    actor.require(Permission::CustomerRead)?;
    load_in_scope(&app.db.conn, actor, id).await?;
    let rows = store::list_relationships(&app.db.conn, id).await?;
    let others: Vec<Uuid> = rows
        .iter()
        .map(|r| if r.from_id == id { r.to_id } else { r.from_id })
        .collect();
    let briefs: HashMap<Uuid, (String, String, String, Option<Uuid>)> =
        store::list_brief(&app.db.conn, &others)
            .await?
            .into_iter()
            .map(|(i, no, name, b, rm)| (i, (no, name, b, rm)))
            .collect();
    let mut out = Vec::new();
    for r in rows {
        let k = RelationshipKind::parse(&r.kind)
            .ok_or_else(|| AppError::Internal("unknown relationship kind".into()))?;
        let (kind, other) = if r.from_id == id {
            (k, r.to_id)
        } else {
            (k.inverse(), r.from_id)
        };
        let visible = briefs
            .get(&other)
            .filter(|(_, _, b, rm)| actor.can_see(b, *rm));
        out.push(RelationshipView {
            id: r.id,
            kind,
            other_id: other,
            other_customer_no: visible.map(|v| v.0.clone()),
            other_name: visible.map(|v| v.1.clone()),
            note: r.note,
            created_at: crate::fmt_us(r.created_at_us),
        });
    }
    Ok(out)
}

/// Links two customers. Both must be within the actor's scope.
pub async fn add_relationship(
    app: &App,
    actor: &Actor,
    id: Uuid,
    other: Uuid,
    kind: RelationshipKind,
    note: Option<String>,
) -> Result<RelationshipView> {
    actor.require(Permission::CustomerUpdate)?;
    if other == id {
        return Err(AppError::field(
            "to_id",
            "not_self",
            "a customer cannot be related to itself",
        ));
    }
    let tx = app.db.begin_write().await?;
    let from = load_in_scope(&*tx, actor, id).await?;
    let to = load_in_scope(&*tx, actor, other)
        .await
        .map_err(|_| AppError::field("to_id", "exists", "no such customer in your scope"))?;
    if !kind.allows(parse_kind(&from.kind)?, parse_kind(&to.kind)?) {
        return Err(AppError::field(
            "kind",
            "kinds",
            format!(
                "{} does not link a {} to a {}",
                kind.as_str(),
                from.kind,
                to.kind
            ),
        ));
    }
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(AppError::field(
            "note",
            "max_length",
            "must be at most 200 characters",
        ));
    }
    // The inverse link stored the other way round is the same relationship.
    let existing = store::list_relationships(&*tx, id).await?;
    if existing.iter().any(|r| {
        (r.from_id == id && r.to_id == other && r.kind == kind.as_str())
            || (r.from_id == other && r.to_id == id && r.kind == kind.inverse().as_str())
    }) {
        return Err(AppError::conflict(
            "duplicate_relationship",
            "these customers are already linked this way",
            json!({}),
        ));
    }
    let row = RelationshipRow {
        id: Uuid::now_v7(),
        from_id: id,
        to_id: other,
        kind: kind.as_str().to_owned(),
        note: note.clone(),
        created_by: actor.id,
        created_at_us: now_us(),
    };
    store::insert_relationship(&*tx, &row).await.map_err(|e| {
        if e.is_conflict_on("relationships") {
            AppError::conflict(
                "duplicate_relationship",
                "these customers are already linked this way",
                json!({}),
            )
        } else {
            e.into()
        }
    })?;
    audit::record(
        &*tx,
        actor,
        vec![
            Entry::customer(
                "customer.relationship_add",
                id,
                json!({"relationship_id": row.id, "kind": kind.as_str(), "other_id": other}),
            ),
            Entry::customer(
                "customer.relationship_add",
                other,
                json!({"relationship_id": row.id, "kind": kind.inverse().as_str(), "other_id": id}),
            ),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(RelationshipView {
        id: row.id,
        kind,
        other_id: other,
        other_customer_no: Some(to.customer_no),
        other_name: Some(to.display_name),
        note,
        created_at: crate::fmt_us(row.created_at_us),
    })
}

/// Removes a link.
pub async fn delete_relationship(app: &App, actor: &Actor, id: Uuid, rel_id: Uuid) -> Result<()> {
    actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    load_in_scope(&*tx, actor, id).await?;
    let r = store::delete_relationship(&*tx, id, rel_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    let other = if r.from_id == id { r.to_id } else { r.from_id };
    audit::record(
        &*tx,
        actor,
        vec![
            Entry::customer(
                "customer.relationship_delete",
                id,
                json!({"relationship_id": rel_id, "kind": r.kind}),
            ),
            Entry::customer(
                "customer.relationship_delete",
                other,
                json!({"relationship_id": rel_id, "kind": r.kind}),
            ),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Re-encrypts every identifier and contact value under the active key; returns how many were rewritten.
pub async fn reencrypt_all(app: &App) -> Result<u64> {
    let keys = app.keys();
    let active = keys.active_key_id();
    let mut n = 0;
    for table in ["customers", "customer_contacts"] {
        let mut after = None;
        loop {
            let page = if table == "customers" {
                store::page_identifier_ciphertexts(&app.db.conn, after, 1000).await?
            } else {
                store::page_contact_ciphertexts(&app.db.conn, after, 1000).await?
            };
            let Some(last) = page.last().map(|p| p.0) else {
                break;
            };
            after = Some(last);
            let mut rewrite = Vec::new();
            if table == "customers" {
                for (id, enc) in &page {
                    if KeyRing::key_id_of(enc) != Some(active) {
                        let plain = keys.decrypt(Purpose::Identifier, enc)?;
                        rewrite.push((*id, keys.encrypt(Purpose::Identifier, &plain)?));
                    }
                }
            } else {
                let ids: HashSet<Uuid> = page
                    .iter()
                    .filter(|(_, e)| KeyRing::key_id_of(e) != Some(active))
                    .map(|(i, _)| *i)
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                // Purposes differ per contact kind: read the kinds of this page.
                for c in contacts_by_ids(&app.db.conn, &ids).await? {
                    let k = ContactKind::parse(&c.kind)
                        .ok_or_else(|| AppError::Internal("unknown contact kind".into()))?;
                    let plain = keys.decrypt(purpose_of(k), &c.value_enc)?;
                    rewrite.push((c.id, keys.encrypt(purpose_of(k), &plain)?));
                }
            }
            if rewrite.is_empty() {
                continue;
            }
            let tx = app.db.begin_write().await?;
            if table == "customers" {
                store::set_identifier_ciphertexts(&*tx, &rewrite).await?;
            } else {
                store::set_contact_ciphertexts(&*tx, &rewrite).await?;
            }
            tx.commit().await?;
            n += rewrite.len() as u64;
        }
    }
    Ok(n)
}

async fn contacts_by_ids<C: ConnectionTrait>(
    c: &C,
    ids: &HashSet<Uuid>,
) -> Result<Vec<ContactRow>> {
    Ok(store::page_contact_rows(c, ids.iter().copied().collect()).await?)
}
