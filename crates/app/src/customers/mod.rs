//! Customer use cases: create (single and batch), read with masking and audited reveal, search, update
//! with versions and optimistic concurrency, contacts, relationships, and the four-eyes workflow.
//!
//! Every function checks the actor's permission and scope first; out-of-scope customers are "not found".

mod contacts;
mod create;
pub(crate) mod duplicates;
pub mod merge;
pub mod pairs;
mod read;
mod review;
mod saved;
pub(crate) mod search;
mod update;

pub use contacts::{
    add_contact, add_relationship, contacts, delete_contact, delete_relationship, reencrypt_all,
    relationships, update_contact,
};
pub(crate) use create::{WithBatch, create_batch_with};
pub use create::{create, create_batch};
pub(crate) use create::{insert_draft, prepare_draft};
pub use read::{
    COUNT_CAP, ListQuery, SORTS, count, get, id_by_number, list, open, parse_sort, versions,
};
pub use review::{
    BulkOutcome, MAX_BULK, Pick, Refusal, ReviewItem, ReviewPage, ReviewQuery, review_queue,
    verify_many,
};
pub use saved::{
    MAX_SAVED, SaveSearch, SavedSearch, delete_saved_search, save_search, saved_searches,
};
pub use search::rebuild_if_stale as rebuild_search_index;
pub use update::{transition, update};

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use crate::view::*;
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::customer::{ContactKind, Identifier, Profile};
use banyan_domain::fields::FieldDefinition;
use banyan_store::customers::{self as store, CustomerRow, VersionRow};
use banyan_store::{ConnectionTrait, DatabaseTransaction, StoreError, misc, now_us};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// Largest batch accepted by one call.
pub const MAX_BATCH: usize = 1000;

pub(crate) fn purpose_of(k: ContactKind) -> Purpose {
    match k {
        ContactKind::Mobile => Purpose::Mobile,
        ContactKind::Email => Purpose::Email,
        ContactKind::Address => Purpose::Address,
    }
}

/// Resolves and checks the relationship manager: defaults to the actor when the actor works a portfolio.
pub(crate) async fn check_rm(
    app: &App,
    actor: &Actor,
    requested: Option<Uuid>,
    cache: &mut HashMap<Uuid, bool>,
    errs: &mut FieldErrors,
) -> Result<Option<Uuid>> {
    let rm = match requested {
        None if matches!(actor.role, Role::RelationshipManager | Role::WealthManager) => {
            return Ok(Some(actor.id.uuid()));
        }
        None => return Ok(None),
        Some(id) => id,
    };
    let ok = match cache.get(&rm) {
        Some(ok) => *ok,
        None => {
            let ok = crate::access::find_staff(app, rm).await?.is_some_and(|s| {
                !s.disabled && matches!(s.role, Role::RelationshipManager | Role::WealthManager)
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

pub(crate) fn scope_error(
    errs: &mut FieldErrors,
    grant: &Granted<'_>,
    branch: &str,
    rm: Option<Uuid>,
) {
    let actor = grant.actor();
    if !grant.can_see(branch, rm.map(Into::into)) {
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

/// The serde name of a unit enum value.
pub(crate) fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A unique violation that slipped past the checks (a concurrent insert) becomes a 409.
pub(crate) fn map_unique(e: StoreError) -> AppError {
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

/// A flat map of the reviewable fields (identifier masked), for field-level diffs.
pub(crate) fn snapshot(
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

pub(crate) fn diff(
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

/// The custom field definitions in force.
pub async fn field_definitions(app: &App) -> Result<Vec<FieldDefinition>> {
    let rows = misc::list_field_definitions(&app.db.conn).await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str(&r.definition)
                .map_err(|e| AppError::internal(format!("field definition {}: {e}", r.key)))
        })
        .collect()
}

/// Defines a custom field.
pub async fn define_field(
    app: &App,
    actor: &Actor,
    def: FieldDefinition,
) -> Result<FieldDefinition> {
    let grant = actor.require(Permission::ConfigManage)?;
    def.check()?;
    let tx = app.db.begin_write().await?;
    misc::insert_field_definition(
        &*tx,
        &misc::FieldDefinitionRow {
            id: Uuid::now_v7(),
            kind: def.kind.as_str().to_owned(),
            key: def.key.clone(),
            definition: serde_json::to_string(&def)
                .map_err(|e| AppError::internal_from("internal step", e))?,
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
    audit::record(app, &*tx, &grant, vec![Entry {
        action: "field.define",
        entity: "field_definition",
        entity_id: Some(format!("{}.{}", def.kind.as_str(), def.key)),
        customer_id: None,
        detail: json!({"key": def.key, "kind": def.kind.as_str(), "type": def.field_type.as_str()}),
    }])
    .await?;
    crate::idempotency::commit(tx, actor, 201, &def).await?;
    Ok(def)
}

/// Checks the version the client read; a mismatch answers with what changed since.
pub(crate) async fn check_version<C: ConnectionTrait>(
    c: &C,
    row: &CustomerRow,
    expected: Option<i64>,
) -> Result<()> {
    let expected = expected.ok_or(AppError::VersionRequired)?;
    if expected != row.version {
        let since = store::list_versions_after(c, row.id.uuid(), expected).await?;
        let since = since
            .iter()
            .map(version_json)
            .collect::<Result<Vec<Value>>>()?;
        return Err(AppError::VersionConflict {
            current_version: row.version,
            since: Value::Array(since),
        });
    }
    Ok(())
}

/// A version record as the API shows it; a change list that does not parse is an error naming the row.
pub(crate) fn version_json(v: &VersionRow) -> Result<Value> {
    let changes: Value = crate::json::stored(
        &v.changes,
        format_args!("customer_versions.changes of {}", v.id),
    )?;
    Ok(json!({
        "version": v.version,
        "actor_id": v.actor_id,
        "at": crate::fmt_us(v.at_us),
        "action": v.action,
        "changes": changes,
    }))
}

/// What a change to a customer record is: its audit action, the fields changed, and whether it counts as
/// an edit (review transitions do not make the reviewer an editor).
pub(crate) struct Change {
    pub action: &'static str,
    pub fields: Vec<FieldChange>,
    pub touch_editor: bool,
}

/// Writes the changed row (version + 1), its version record, its audit record and its outbound event
/// (`customer.verified` for a verification, else `customer.changed`): every change of a customer's record
/// comes through here.
pub(crate) async fn commit_change(
    app: &App,
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    mut row: CustomerRow,
    expected: i64,
    change: Change,
) -> Result<CustomerRow> {
    let Change {
        action,
        fields: changes,
        touch_editor,
    } = change;
    let actor = grant.actor();
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
            customer_id: row.id.uuid(),
            version: row.version,
            actor_id: actor.id.uuid(),
            at_us: now,
            action: action.trim_start_matches("customer.").to_owned(),
            changes: serde_json::to_string(&changes)
                .map_err(|e| AppError::internal_from("internal step", e))?,
        },
    )
    .await?;
    search::reindex_rows(app, tx, &[&row]).await?;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    audit::record(
        app,
        tx,
        grant,
        vec![Entry::customer(
            action,
            row.id.uuid(),
            json!({"version": row.version, "fields": fields}),
        )],
    )
    .await?;
    let topic = if action == "customer.verify" {
        "customer.verified"
    } else {
        "customer.changed"
    };
    crate::outbound::customers(tx, topic, std::slice::from_ref(&row)).await?;
    Ok(row)
}

/// One customer as a listing shows it (masked).
pub(crate) async fn summary_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    row: CustomerRow,
) -> Result<crate::view::CustomerSummary> {
    read::summaries(app, c, vec![row], 1)
        .await?
        .items
        .pop()
        .ok_or_else(|| AppError::internal("summary of one customer"))
}

/// Records a withdrawal of every consent on the customer's record (a rights request): a new version with
/// the consents changed, audited, announced.
pub(crate) async fn commit_consent_withdrawal(
    app: &App,
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    row: CustomerRow,
    expected: i64,
    fields: Vec<FieldChange>,
) -> Result<CustomerRow> {
    commit_change(
        app,
        tx,
        grant,
        row,
        expected,
        Change {
            action: "customer.consents_withdraw",
            fields,
            touch_editor: false,
        },
    )
    .await
}
