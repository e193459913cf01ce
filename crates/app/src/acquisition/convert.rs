//! A lead becomes a customer without re-keying (seed 002 §六): from the account-opening application, the
//! lead's data — name, identifier, contact data, industry and figures — make a customer **draft** in the
//! registry, which then goes through the registry's own identification review (submit, verify: four eyes).
//! The draft and the lead's move to `won` are written in one transaction: neither is ever left without the
//! other.

use super::leads::{event, lead_entry};
use super::{LeadView, lead_in_scope, note, view_of};
use crate::App;
use crate::actor::Actor;
use crate::audit;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::{LeadAction, LeadKind, LeadMove, LeadStage};
use banyan_domain::customer::CustomerInput;
use banyan_domain::ids::LeadId;
use banyan_store::acquisition::{self as store, LeadRow};
use banyan_store::now_us;
use serde_json::{Value, json};

/// The customer draft a lead makes: every datum the lead holds, decrypted only to be encrypted again by the
/// registry. An account is opened with the customer's identifier: a lead without one is refused, naming it.
fn customer_input(
    app: &App,
    r: &LeadRow,
    custom: serde_json::Map<String, Value>,
) -> Result<CustomerInput> {
    let keys = app.keys();
    let dec = |p: Purpose, v: &Option<Vec<u8>>| -> Result<Option<String>> {
        v.as_deref().map(|b| keys.decrypt(p, b)).transpose()
    };
    let Some(id_number) = dec(Purpose::Identifier, &r.id_enc)? else {
        return Err(AppError::field(
            "id_number",
            "required_for_opening",
            "an account is opened with the customer's identifier: record it on the lead first",
        ));
    };
    let mut contacts = Vec::new();
    for (kind, p, v) in [
        ("mobile", Purpose::Mobile, &r.mobile_enc),
        ("email", Purpose::Email, &r.email_enc),
        ("address", Purpose::Address, &r.address_enc),
    ] {
        if let Some(value) = dec(p, v)? {
            contacts.push(json!({"kind": kind, "value": value}));
        }
    }
    let cny = |m: Option<i64>| m.map(|minor| json!({"minor": minor, "currency": "CNY"}));
    let mut v = json!({
        "branch_code": r.branch_code,
        "rm_id": r.rm_id,
        "contacts": contacts,
    });
    match r.kind {
        LeadKind::Individual => {
            v["kind"] = json!("individual");
            v["individual"] = json!({
                "name_zh": r.name,
                "gender": r.gender.map(|g| g.as_str()),
                "id_type": "resident_id",
                "id_number": id_number,
            });
        }
        LeadKind::Corporate => {
            v["kind"] = json!("corporate");
            let mut o = json!({"registered_name": r.name, "credit_code": id_number});
            if let Some(i) = &r.industry {
                o["industry"] = json!(i);
            }
            if let Some(e) = r.employees.and_then(|e| u32::try_from(e).ok()) {
                o["employees"] = json!(e);
            }
            if let Some(m) = cny(r.income) {
                o["annual_revenue"] = m;
            }
            if let Some(m) = cny(r.assets) {
                o["total_assets"] = m;
            }
            v["organization"] = o;
        }
    }
    strip_nulls(&mut v);
    if !custom.is_empty() {
        v["custom"] = Value::Object(custom);
    }
    serde_json::from_value(v)
        .map_err(|e| AppError::internal_from("the customer draft of a lead", e))
}

fn strip_nulls(v: &mut Value) {
    if let Value::Object(m) = v {
        m.retain(|_, x| !x.is_null());
        m.values_mut().for_each(strip_nulls);
    }
}

/// Makes the customer draft of a lead at its account-opening application and marks the lead won
/// (`lead.write` and `customer.create`; at the version read when one is sent).
pub async fn convert(
    app: &App,
    actor: &Actor,
    id: LeadId,
    version: Option<i32>,
    n: Option<String>,
    custom: serde_json::Map<String, Value>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let cgrant = actor.require(Permission::CustomerCreate)?;
    let n = note("note", n)?;
    let refuse = |r: &LeadRow| {
        AppError::conflict(
            "invalid_state",
            "a lead becomes a customer from its account-opening application",
            json!({"current_status": r.stage.as_str()}),
        )
    };
    let lead = lead_in_scope(&app.db.conn, &grant, id).await?;
    if lead.stage.apply(LeadMove::Win).is_none() {
        return Err(refuse(&lead));
    }
    super::papers::ready_to_move(&app.db.conn, &lead, LeadMove::Win).await?;
    let draft =
        crate::customers::prepare_draft(app, &cgrant, customer_input(app, &lead, custom)?).await?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    if version.is_some_and(|v| v != old.version) || old.version != lead.version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let (customer, customer_no) =
        match crate::customers::insert_draft(app, &tx, &cgrant, draft).await? {
            Ok(c) => c,
            Err((e, probes)) => {
                tx.rollback().await?;
                crate::customers::duplicates::record_probes(app, &cgrant, &probes).await?;
                return Err(e);
            }
        };
    // The new customer's onboarding (first service, follow-ups) in the same transaction: a won lead is
    // never without it.
    crate::reactions::on_lead_won(app, &*tx, customer.uuid(), old.rm_id.map(|s| s.uuid())).await?;
    let mut r = old.clone();
    let now = now_us();
    r.stage = LeadStage::Won;
    r.stage_at_us = now;
    r.reached = LeadStage::Won;
    r.customer_id = Some(customer);
    r.updated_at_us = now;
    r.version = old.version + 1;
    if !store::update_lead(&*tx, &r, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    store::insert_events(
        &*tx,
        &[event(
            r.id,
            actor.id(),
            LeadAction::Won,
            Some(old.stage),
            Some(LeadStage::Won),
            None,
            Some(n.unwrap_or_else(|| customer_no.clone())),
        )],
    )
    .await?;
    super::announce_stage(&*tx, &r, old.stage).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![lead_entry(
            "lead.win",
            &r,
            json!({"customer_no": customer_no}),
        )],
    )
    .await?;
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}
