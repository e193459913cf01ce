//! Contact points and relationships of a customer; re-encryption of every stored value under a new key.

use super::duplicates::{Taken, refuse};
use super::read::{get, stored_view};
use super::{Change, check_version, commit_change, map_unique, purpose_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::{KeyRing, Purpose};
use crate::error::{AppError, Result};
use crate::scope::{load_in_scope, lock_in_scope};
use crate::view::*;
use banyan_domain::access::Permission;
use banyan_domain::care::IdentityCheck;
use banyan_domain::customer::{ContactInput, ContactKind, ContactValue, RelationshipKind};
use banyan_store::customers::{self as store, ContactRow, CustomerRow, Holder, RelationshipRow};
use banyan_store::{ConnectionTrait, DatabaseTransaction, StoreError, now_us};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Contact points of a customer (masked).
pub async fn contacts(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<ContactView>> {
    Ok(get(app, actor, id, false).await?.contacts)
}

/// Whether another customer holds this mobile number (the customer itself holding it is a 409 here).
pub(crate) async fn mobile_holder<C: ConnectionTrait>(
    c: &C,
    keys: &KeyRing,
    v: &ContactValue,
    own: Uuid,
) -> Result<Option<Holder>> {
    let ContactValue::Mobile(p) = v else {
        return Ok(None);
    };
    let b = keys.blind_index(Purpose::Mobile, p.as_str());
    match store::find_by_mobile_bidx(c, &b).await? {
        Some(h) if h.id.uuid() == own => Err(AppError::conflict(
            "duplicate_mobile",
            "this customer already has this mobile number",
            json!({"customer_no": h.customer_no}),
        )),
        other => Ok(other),
    }
}

/// The customer locked for an edit under `grant` (which must be `CustomerUpdate`), if its version still
/// matches and its status allows editing.
pub(crate) async fn editable_row(
    tx: &DatabaseTransaction,
    grant: &Granted<'_>,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<CustomerRow> {
    let row = lock_in_scope(tx, grant, id).await?;
    check_version(tx, &row, if_match).await?;
    if !row.status.is_editable() {
        return Err(AppError::conflict(
            "invalid_state",
            "the record is waiting for review and cannot be edited",
            json!({"current_status": row.status}),
        ));
    }
    Ok(row)
}

pub(crate) fn parse_contact(c: &ContactInput) -> Result<ContactValue> {
    ContactValue::parse(c.kind, &c.value).map_err(|(rule, msg)| AppError::field("value", rule, msg))
}

/// Adds a contact point. A customer registered in the care programme with stronger authentication needs
/// `identity` (how staff confirmed it was them), for this and every other change of their contacts.
pub async fn add_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    c: ContactInput,
    if_match: Option<i64>,
    identity: Option<IdentityCheck>,
) -> Result<CustomerView> {
    let v = parse_contact(&c)?;
    let keys = app.keys();
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, &grant, id, if_match).await?;
    crate::care::identity_confirmed(app, &*tx, &grant, row.id, identity).await?;
    if let Some(h) = mobile_holder(&*tx, &keys, &v, id).await? {
        tx.rollback().await?;
        return Err(refuse(app, &grant, Taken::Mobile, "value", &h).await);
    }
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
    commit_change(
        app,
        &tx,
        &grant,
        row,
        expected,
        Change {
            action: "customer.contact_add",
            fields: ch,
            touch_editor: true,
        },
    )
    .await?;
    let view = stored_view(app, &*tx, id).await?;
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// One stored contact point of a customer, decrypted: `(row, kind, value)`.
pub(crate) async fn stored_contact<C: ConnectionTrait>(
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
        .ok_or_else(|| AppError::internal("unknown contact kind"))?;
    let plain = keys.decrypt(purpose_of(kind), &existing.value_enc)?;
    let value = ContactValue::parse(kind, &plain)
        .map_err(|_| AppError::internal("stored contact unreadable"))?;
    Ok((existing, kind, value))
}

/// Changes a contact point's value and/or label (`identity` as for [`add_contact`]).
#[allow(clippy::too_many_arguments)]
pub async fn update_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    contact_id: Uuid,
    value: Option<String>,
    label: Option<String>,
    if_match: Option<i64>,
    identity: Option<IdentityCheck>,
) -> Result<CustomerView> {
    let keys = app.keys();
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, &grant, id, if_match).await?;
    crate::care::identity_confirmed(app, &*tx, &grant, row.id, identity).await?;
    let (existing, kind, old_v) = stored_contact(&*tx, &keys, id, contact_id).await?;
    let p = purpose_of(kind);
    let mut updated = existing.clone();
    let mut changes = Vec::new();
    if let Some(val) = value {
        let v = ContactValue::parse(kind, &val)
            .map_err(|(rule, msg)| AppError::field("value", rule, msg))?;
        if v.canonical() != old_v.canonical() {
            if let Some(h) = mobile_holder(&*tx, &keys, &v, id).await? {
                tx.rollback().await?;
                return Err(refuse(app, &grant, Taken::Mobile, "value", &h).await);
            }
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
            app,
            &tx,
            &grant,
            row,
            expected,
            Change {
                action: "customer.contact_update",
                fields: changes,
                touch_editor: true,
            },
        )
        .await?;
    }
    let view = stored_view(app, &*tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// Removes a contact point (`identity` as for [`add_contact`]).
pub async fn delete_contact(
    app: &App,
    actor: &Actor,
    id: Uuid,
    contact_id: Uuid,
    if_match: Option<i64>,
    identity: Option<IdentityCheck>,
) -> Result<CustomerView> {
    let keys = app.keys();
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let row = editable_row(&tx, &grant, id, if_match).await?;
    crate::care::identity_confirmed(app, &*tx, &grant, row.id, identity).await?;
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
        app,
        &tx,
        &grant,
        row,
        expected,
        Change {
            action: "customer.contact_delete",
            fields: ch,
            touch_editor: true,
        },
    )
    .await?;
    let view = stored_view(app, &*tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// Relationships of a customer, each as seen from this customer. Names of related customers outside the
/// actor's scope are withheld.
pub async fn relationships(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<RelationshipView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
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
            .ok_or_else(|| AppError::internal("unknown relationship kind"))?;
        let (kind, other) = if r.from_id == id {
            (k, r.to_id)
        } else {
            (k.inverse(), r.from_id)
        };
        let visible = briefs
            .get(&other)
            .filter(|(_, _, b, rm)| grant.can_see(b, (*rm).map(Into::into)));
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
    let grant = actor.require(Permission::CustomerUpdate)?;
    if other == id {
        return Err(AppError::field(
            "to_id",
            "not_self",
            "a customer cannot be related to itself",
        ));
    }
    let tx = app.db.begin_write().await?;
    let from = load_in_scope(&*tx, &grant, id).await?;
    crate::scope::refuse_closed(&from)?;
    let to = load_in_scope(&*tx, &grant, other)
        .await
        .map_err(|_| AppError::field("to_id", "exists", "no such customer in your scope"))?;
    crate::scope::refuse_closed(&to)?;
    if !kind.allows(from.kind, to.kind) {
        return Err(AppError::field(
            "kind",
            "kinds",
            format!(
                "{} does not link a {} to a {}",
                kind.as_str(),
                from.kind.as_str(),
                to.kind.as_str()
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
        created_by: actor.id.uuid(),
        created_at_us: now_us(),
    };
    store::insert_relationship(&*tx, &row)
        .await
        .map_err(AppError::unless_unique(
            "relationships",
            "duplicate_relationship",
            "these customers are already linked this way",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
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
    let view = RelationshipView {
        id: row.id,
        kind,
        other_id: other,
        other_customer_no: Some(to.customer_no),
        other_name: Some(to.display_name),
        note,
        created_at: crate::fmt_us(row.created_at_us),
    };
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// Removes a link.
pub async fn delete_relationship(app: &App, actor: &Actor, id: Uuid, rel_id: Uuid) -> Result<()> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    load_in_scope(&*tx, &grant, id).await?;
    let r = store::delete_relationship(&*tx, id, rel_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    let other = if r.from_id == id { r.to_id } else { r.from_id };
    audit::record(
        app,
        &*tx,
        &grant,
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
                        .ok_or_else(|| AppError::internal("unknown contact kind"))?;
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

pub(crate) async fn contacts_by_ids<C: ConnectionTrait>(
    c: &C,
    ids: &HashSet<Uuid>,
) -> Result<Vec<ContactRow>> {
    Ok(store::page_contact_rows(c, ids.iter().copied().collect()).await?)
}
