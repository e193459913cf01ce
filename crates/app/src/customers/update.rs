//! Changing a customer: field updates with versions and optimistic concurrency, and the four-eyes workflow
//! (submit, verify, return).

use super::duplicates::{Taken, refuse};
use super::read::{build_view, get, stored_view};
use super::{
    Change, check_rm, check_version, commit_change, diff, enum_str, field_definitions, map_unique,
    scope_error, snapshot,
};
use crate::App;
use crate::actor::Actor;
use crate::crypto::KeyRing;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use crate::scope::lock_in_scope;
use crate::view::*;
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::customer::{
    self as dom, CustomerInput, CustomerKind, CustomerStatus, Identifier, NewCustomer, Profile,
    Transition,
};
use banyan_domain::fields::validate_custom;
use banyan_store::ConnectionTrait;
use banyan_store::cases::NoticeRow;
use banyan_store::customers::{self as store, ConsentRow, CustomerRow};
use banyan_store::now_us;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) const PATCHABLE: [&str; 8] = [
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
pub(crate) const IDENTITY_FIELDS: [&str; 7] = [
    "individual.name_zh",
    "individual.name_latin",
    "individual.birth_date",
    "individual.id_type",
    "individual.id_number",
    "organization.registered_name",
    "organization.credit_code",
];

/// RFC 7386 JSON merge patch.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
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
    let grant = actor.require(Permission::CustomerUpdate)?;
    let Value::Object(mut patch) = patch else {
        return Err(AppError::field(
            "",
            "type",
            "the body must be a JSON object",
        ));
    };
    check_patch_keys(&patch)?;
    let body_version = match patch.remove("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| AppError::field("version", "type", "must be an integer"))?,
        ),
    };
    let expected = if_match.or(body_version);
    let tx = app.db.begin_write().await?;
    let row = lock_in_scope(&*tx, &grant, id).await?;
    check_version(&*tx, &row, expected).await?;
    let expected = row.version;
    let status = row.status;
    if !status.is_editable() {
        return Err(AppError::conflict(
            "invalid_state",
            "the record is waiting for review and cannot be edited",
            json!({"current_status": row.status}),
        ));
    }
    let kind = row.kind;
    let keys = app.keys();
    let (old_identifier, old_profile, old_custom) = stored_state(&keys, &row)?;
    let mut current = as_create_request(&row, &old_profile, &old_identifier, &old_custom)?;
    let consents_patch = patch.remove("consents");
    let custom_touched = patch.contains_key("custom");
    merge(&mut current, &Value::Object(patch));
    let input: CustomerInput = crate::json::from_value(current)?;
    let requested_rm = input.rm_id;
    let mut new = input.parse(app.today())?;
    let mut errs = FieldErrors::new();
    if requested_rm != row.rm_id.map(Into::into) {
        new.rm_id = check_rm(app, actor, requested_rm, &mut HashMap::new(), &mut errs).await?;
    }
    scope_error(&mut errs, &grant, new.branch_code.as_str(), new.rm_id);
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
        row.rm_id.map(Into::into),
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
    let id_changed = identifier_change(kind, &old_identifier, &new.identifier, &mut changes);
    let now = now_us();
    let consent_rows = consent_changes(&*tx, actor, id, &consents, now, &mut changes).await?;
    if changes.is_empty() {
        tx.rollback().await?;
        return get(app, actor, id, false).await;
    }
    if id_changed {
        let bidx = keys.blind_index(Purpose::Identifier, new.identifier.number());
        if let Some(h) = store::find_by_id_bidx(&*tx, &bidx).await?
            && h.id.uuid() != id
        {
            tx.rollback().await?;
            let field = if kind == CustomerKind::Individual {
                "individual.id_number"
            } else {
                "organization.credit_code"
            };
            return Err(refuse(app, &grant, Taken::Identifier, field, &h).await);
        }
    }
    let mut row2 = edited_row(&keys, &row, &new, new_pref, &new_custom, id_changed)?;
    if status == CustomerStatus::Verified
        && changes
            .iter()
            .any(|c| IDENTITY_FIELDS.contains(&c.field.as_str()))
    {
        // Identity facts changed: the record must be verified again before it is active.
        row2.status = CustomerStatus::Draft;
        changes.push(FieldChange {
            field: "status".into(),
            old: json!("verified"),
            new: json!("draft"),
        });
    }
    store::upsert_consents(&*tx, &consent_rows).await?;
    let saved = commit_change(
        app,
        &tx,
        &grant,
        row2,
        expected,
        Change {
            action: "customer.update",
            fields: changes,
            touch_editor: true,
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Store(s) => map_unique(s),
        e => e,
    })?;
    crate::reactions::on_change(app, &*tx, std::slice::from_ref(&saved)).await?;
    // The answer is the row just written, in the actor's scope as a read would check it (a change that moves
    // the customer out of it answers not found, and nothing is written).
    if !grant.can_see(&saved.branch_code, saved.rm_id) {
        return Err(AppError::NotFound);
    }
    let view = build_view(app, &*tx, saved, false).await;
    tx.commit().await?;
    view
}

/// Whether the identifier changed. Two numbers can share a mask, so the numbers themselves are compared, and
/// a change the masked diff missed is still listed.
fn identifier_change(
    kind: CustomerKind,
    old: &Identifier,
    new: &Identifier,
    changes: &mut Vec<FieldChange>,
) -> bool {
    let changed = new.number() != old.number() || new.type_code() != old.type_code();
    if changed
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
            old: Value::String(old.masked()),
            new: Value::String(new.masked()),
        });
    }
    changed
}

/// The stored row with the edited values written in; the identifier is re-encrypted (with a new blind
/// index) only when it changed.
pub(super) fn edited_row(
    keys: &KeyRing,
    row: &CustomerRow,
    new: &NewCustomer,
    preferred_channel: Option<String>,
    custom: &Value,
    id_changed: bool,
) -> Result<CustomerRow> {
    let mut row2 = row.clone();
    if id_changed {
        row2.id_type = new.identifier.type_code().to_owned();
        row2.id_enc = keys.encrypt(Purpose::Identifier, new.identifier.number())?;
        row2.id_bidx = keys.blind_index(Purpose::Identifier, new.identifier.number());
    }
    row2.branch_code = new.branch_code.as_str().to_owned();
    row2.rm_id = new.rm_id.map(Into::into);
    row2.display_name = new.display_name().to_owned();
    row2.name_latin_lower = dom::latin_name(&new.profile).map(str::to_lowercase);
    row2.birth_date = new.birth_date().map(|d| d.to_string());
    row2.profile = serde_json::to_string(&new.profile)
        .map_err(|e| AppError::internal_from("customer JSON", e))?;
    row2.preferred_channel = preferred_channel;
    row2.custom = custom.to_string();
    Ok(row2)
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
    let grant = actor.require(match t {
        Transition::Submit => Permission::CustomerSubmit,
        Transition::Verify | Transition::Return => Permission::CustomerVerify,
    })?;
    let tx = app.db.begin_write().await?;
    let row = lock_in_scope(&*tx, &grant, id).await?;
    if if_match.is_some() {
        check_version(&*tx, &row, if_match).await?;
    }
    let status = row.status;
    let next = status.apply(t).ok_or_else(|| {
        AppError::conflict(
            "invalid_state",
            format!(
                "cannot {} a record that is {}",
                transition_name(t),
                status.as_str()
            ),
            json!({"current_status": status.as_str()}),
        )
    })?;
    if matches!(t, Transition::Verify | Transition::Return) && is_maker(actor, &row) {
        return Err(AppError::forbidden(
            "four_eyes",
            "whoever created, last edited or submitted a record cannot verify or return it",
        ));
    }
    let now = now_us();
    let mut r = row.clone();
    r.status = next;
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
            let kind = row.kind;
            let today = app.today();
            let due = app.policy().review_due(kind, today).to_string();
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
                returned_by: actor.id.uuid(),
                returned_at: crate::fmt_us(now),
            };
            changes.push(FieldChange {
                field: "return_note".into(),
                old: Value::Null,
                new: serde_json::to_value(&n).unwrap_or(Value::Null),
            });
            r.return_note = Some(
                serde_json::to_string(&n)
                    .map_err(|e| AppError::internal_from("customer JSON", e))?,
            );
            "customer.return"
        }
    };
    let expected = row.version;
    let saved = commit_change(
        app,
        &tx,
        &grant,
        r,
        expected,
        Change {
            action,
            fields: changes,
            touch_editor: false,
        },
    )
    .await?;
    tell_makers(&*tx, actor, &row, action, now).await?;
    crate::reactions::on_change(app, &*tx, &[saved]).await?;
    let view = stored_view(app, &*tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// A checker's verdict is told to whoever waits for it: the customer's relationship manager and the
/// submitter (once each, never the checker), with a link to the customer.
async fn tell_makers<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    row: &CustomerRow,
    action: &str,
    now: i64,
) -> Result<()> {
    let kind = match action {
        "customer.verify" => "customer.verified",
        "customer.return" => "customer.returned",
        _ => return Ok(()),
    };
    let mut to: Vec<Uuid> = Vec::new();
    for s in [row.rm_id, row.submitted_by].into_iter().flatten() {
        if s != actor.id && !to.contains(&s.uuid()) {
            to.push(s.uuid());
        }
    }
    let notices: Vec<NoticeRow> = to
        .into_iter()
        .map(|staff_id| NoticeRow {
            id: Uuid::now_v7(),
            customer_id: Some(row.id.uuid()),
            staff_id,
            case_id: None,
            kind: kind.to_owned(),
            text: format!("{} {}", row.customer_no, row.display_name),
            created_at_us: now,
            read_at_us: None,
        })
        .collect();
    banyan_store::cases::insert_notices(c, &notices).await?;
    Ok(())
}

/// Four eyes: whoever created, last edited or submitted a record is its maker and may not check it.
pub(crate) fn is_maker(actor: &Actor, row: &CustomerRow) -> bool {
    actor.id == row.created_by || actor.id == row.updated_by || Some(actor.id) == row.submitted_by
}

pub(crate) fn transition_name(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "submit",
        Transition::Verify => "verify",
        Transition::Return => "return",
    }
}

/// Refuses keys a patch may not carry, each named.
fn check_patch_keys(patch: &Map<String, Value>) -> Result<()> {
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
    Ok(())
}

/// The stored identifier (decrypted), profile and custom values of a customer. Unreadable stored values are
/// errors naming what could not be read.
pub(super) fn stored_state(
    keys: &KeyRing,
    row: &CustomerRow,
) -> Result<(Identifier, Profile, Value)> {
    let number = keys.decrypt(Purpose::Identifier, &row.id_enc)?;
    let old_identifier = Identifier::from_stored(&row.id_type, &number)
        .ok_or_else(|| AppError::internal("stored identifier unreadable"))?;
    let old_profile: Profile = match row.kind {
        CustomerKind::Individual => Profile::Individual(
            serde_json::from_str(&row.profile)
                .map_err(|e| AppError::internal_from("customer JSON", e))?,
        ),
        _ => Profile::Organization(
            serde_json::from_str(&row.profile)
                .map_err(|e| AppError::internal_from("customer JSON", e))?,
        ),
    };
    let old_custom: Value = serde_json::from_str(&row.custom)
        .map_err(|e| AppError::internal_from(format!("custom values of customer {}", row.id), e))?;
    Ok((old_identifier, old_profile, old_custom))
}

/// The current record in the shape of a create request, so the patched result goes through the same rules.
pub(super) fn as_create_request(
    row: &CustomerRow,
    old_profile: &Profile,
    old_identifier: &Identifier,
    old_custom: &Value,
) -> Result<Value> {
    let mut current = json!({
        "kind": row.kind,
        "branch_code": row.branch_code,
        "rm_id": row.rm_id,
        "preferred_channel": row.preferred_channel,
        "custom": old_custom,
    });
    let mut part = serde_json::to_value(old_profile)
        .map_err(|e| AppError::internal_from("customer JSON", e))?;
    match old_identifier {
        Identifier::Organization(c) => {
            part["credit_code"] = Value::String(c.as_str().to_owned());
            current["organization"] = part;
        }
        Identifier::Person(d) => {
            part["id_number"] = Value::String(d.number().to_owned());
            current["individual"] = part;
        }
    }
    Ok(current)
}

/// The consents a patch changes: a change entry for each, and the rows to write.
async fn consent_changes<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    id: Uuid,
    consents: &[dom::ConsentInput],
    now: i64,
    changes: &mut Vec<FieldChange>,
) -> Result<Vec<ConsentRow>> {
    let existing_consents: HashMap<String, ConsentRow> = store::list_consents(c, id)
        .await?
        .into_iter()
        .map(|c| (c.channel.clone(), c))
        .collect();
    let mut consent_rows = Vec::new();
    for c in consents {
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
                recorded_by: actor.id.uuid(),
            });
        }
    }
    Ok(consent_rows)
}
