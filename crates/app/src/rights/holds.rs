//! Legal holds (PIPL Art. 47: what the law obliges the bank to keep is kept): a checker places a hold on a
//! person's records for litigation or a regulator's inquiry, with the reason and, when known, its last day.
//! While a hold stands a deletion restricts instead of erasing; once every hold is lifted or past its day
//! the nightly job erases. Placing and lifting are audited.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::customer::CustomerStatus;
use banyan_store::now_us;
use banyan_store::rights::holds::{self as store, LegalHoldRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A hold to place.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// Why the records are kept (1-500 characters): the case, the authority, the reference.
    pub reason: String,
    /// Its last day (`YYYY-MM-DD`, not before today); none: until it is lifted.
    pub until: Option<String>,
}

/// Lifting a hold: why it no longer stands.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftInput {
    /// 1-500 characters.
    pub note: String,
}

/// A hold as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoldView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub reason: String,
    pub until: Option<String>,
    pub placed_by: Uuid,
    pub placed_at: String,
    pub lifted_by: Option<Uuid>,
    pub lifted_at: Option<String>,
    pub lift_note: Option<String>,
    /// It keeps the records today.
    pub standing: bool,
}

fn view(app: &App, r: LegalHoldRow) -> HoldView {
    let today = app.today().to_string();
    HoldView {
        standing: r.lifted_at_us.is_none()
            && r.until.as_deref().is_none_or(|u| u >= today.as_str()),
        id: r.id,
        customer_id: r.customer_id,
        reason: r.reason,
        until: r.until,
        placed_by: r.placed_by,
        placed_at: crate::fmt_us(r.placed_at_us),
        lifted_by: r.lifted_by,
        lifted_at: r.lifted_at_us.map(crate::fmt_us),
        lift_note: r.lift_note,
    }
}

fn words(field: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 500 {
        return Err(AppError::field(
            field,
            "length",
            "must be 1 to 500 characters",
        ));
    }
    Ok(v.to_owned())
}

fn entry(action: &'static str, r: &LegalHoldRow) -> Entry {
    Entry {
        action,
        entity: "legal_hold",
        entity_id: Some(r.id.to_string()),
        customer_id: Some(r.customer_id),
        detail: json!({"until": r.until}),
    }
}

/// Places a hold on a customer in the actor's scope (a checker; a merged or erased record has nothing to
/// keep).
pub async fn place(app: &App, actor: &Actor, customer: Uuid, i: HoldInput) -> Result<HoldView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let reason = words("reason", &i.reason)?;
    let until = match i.until.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => {
            let d: jiff::civil::Date = u
                .parse()
                .map_err(|_| AppError::field("until", "date", "must be a date (YYYY-MM-DD)"))?;
            if d < app.today() {
                return Err(AppError::field("until", "past", "cannot be before today"));
            }
            Some(d.to_string())
        }
    };
    let tx = app.db.begin_write().await?;
    let row = crate::scope::load_in_scope(&*tx, &grant, customer).await?;
    if matches!(row.status, CustomerStatus::Merged | CustomerStatus::Erased) {
        crate::scope::refuse_closed(&row)?;
    }
    let r = LegalHoldRow {
        id: Uuid::now_v7(),
        customer_id: customer,
        reason,
        until,
        placed_by: actor.id.uuid(),
        placed_at_us: now_us(),
        lifted_by: None,
        lifted_at_us: None,
        lift_note: None,
    };
    store::insert(&*tx, &r).await?;
    audit::record(app, &*tx, &grant, vec![entry("rights.hold_place", &r)]).await?;
    let v = view(app, r);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Lifts a standing hold (a checker, with the reason). `of`: the customer the caller took it for (a page's
/// address); a hold of another customer is not found.
pub async fn lift(
    app: &App,
    actor: &Actor,
    id: Uuid,
    of: Option<Uuid>,
    i: LiftInput,
) -> Result<HoldView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = words("note", &i.note)?;
    let tx = app.db.begin_write().await?;
    let r = store::find(&*tx, id)
        .await?
        .filter(|r| of.is_none_or(|c| c == r.customer_id))
        .ok_or(AppError::NotFound)?;
    crate::scope::load_in_scope(&*tx, &grant, r.customer_id).await?;
    let now = now_us();
    if !store::lift(&*tx, id, actor.id.uuid(), now, &note).await? {
        return Err(AppError::conflict(
            "hold_lifted",
            "the hold was lifted already",
            json!({}),
        ));
    }
    let r = store::find(&*tx, id).await?.ok_or(AppError::NotFound)?;
    audit::record(app, &*tx, &grant, vec![entry("rights.hold_lift", &r)]).await?;
    let v = view(app, r);
    crate::idempotency::commit(tx, actor, 200, &v).await?;
    Ok(v)
}

/// The holds on a customer in the actor's scope, newest first.
pub async fn list(app: &App, actor: &Actor, customer: Uuid) -> Result<Vec<HoldView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    crate::scope::load_in_scope(&app.db.conn, &grant, customer).await?;
    Ok(store::of_customer(&app.db.conn, customer)
        .await?
        .into_iter()
        .map(|r| view(app, r))
        .collect())
}
