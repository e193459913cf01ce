//! The partner hospitals a green-channel referral goes to (seed 003 §四: 协调合作医院开通绿色通道): a list kept
//! by the care supervisors (`care.manage`), read by everyone who works care. A hospital no longer a partner
//! is set inactive, never deleted, so the referrals made to it still name it.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::care::hospitals::{self as store, HospitalRow};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A partner hospital as the list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HospitalView {
    pub id: Uuid,
    pub name: String,
    pub city: String,
    /// The desk or contact that takes the bank's referrals.
    pub green_channel: String,
    pub active: bool,
    pub updated_by: String,
    pub updated_at: String,
    pub version: i32,
}

/// A hospital to add, or its new state.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HospitalInput {
    pub name: String,
    pub city: String,
    pub green_channel: String,
    /// Still a partner (true when absent).
    #[serde(default)]
    pub active: Option<bool>,
    /// The version read (a change to a stale one is refused).
    #[serde(default)]
    pub version: Option<i32>,
}

fn view(
    names: &HashMap<banyan_domain::ids::StaffId, String>,
    h: HospitalRow,
) -> Result<HospitalView> {
    Ok(HospitalView {
        updated_by: super::name_of(names, h.updated_by, "hospital")?,
        updated_at: crate::fmt_us(h.updated_at_us),
        id: h.id,
        name: h.name,
        city: h.city,
        green_channel: h.green_channel,
        active: h.active,
        version: h.version,
    })
}

/// Every partner hospital, active first (any care permission).
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<HospitalView>> {
    super::any_care_permission(actor)?;
    let names = super::names(app).await?;
    store::all(&app.db.conn)
        .await?
        .into_iter()
        .map(|h| view(&names, h))
        .collect()
}

/// The hospitals' names by id (a measure's view names its hospital).
pub(crate) async fn names<C: ConnectionTrait>(c: &C) -> Result<HashMap<Uuid, String>> {
    Ok(store::all(c)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect())
}

/// The hospital `id` if it is an active partner; otherwise the field error a referral gets.
pub(crate) async fn active<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<HospitalRow> {
    match store::find(c, id).await? {
        Some(h) if h.active => Ok(h),
        _ => Err(AppError::field(
            "hospital",
            "not_partner",
            "must be an active partner hospital of the list",
        )),
    }
}

fn checked(i: &HospitalInput) -> Result<(String, String, String)> {
    let mut e = banyan_domain::FieldErrors::new();
    let mut take = |field: &'static str, v: &str, max: usize| {
        if v.trim().is_empty() {
            e.push(field, "required", "must not be empty");
        }
        crate::text::one_line(&mut e, field, v, max)
    };
    let name = take("name", &i.name, 100);
    let city = take("city", &i.city, 50);
    let channel = take("green_channel", &i.green_channel, 200);
    match (name, city, channel) {
        (Some(n), Some(c), Some(g)) if e.is_empty() => Ok((n, c, g)),
        _ => Err(AppError::Validation(e)),
    }
}

fn taken(e: banyan_store::StoreError) -> AppError {
    if e.is_conflict_on("care_hospitals_name") {
        AppError::field("name", "taken", "a hospital of this name is on the list")
    } else {
        e.into()
    }
}

async fn record<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &crate::actor::Granted<'_>,
    action: &'static str,
    h: &HospitalRow,
) -> Result<()> {
    audit::record(
        app,
        c,
        grant,
        vec![Entry {
            action,
            entity: "care_hospital",
            entity_id: Some(h.id.to_string()),
            customer_id: None,
            detail: json!({"active": h.active, "version": h.version}),
        }],
    )
    .await
}

/// Adds a partner hospital (`care.manage`); a name already listed is refused on `name`.
pub async fn add(app: &App, actor: &Actor, i: HospitalInput) -> Result<HospitalView> {
    let grant = actor.require(Permission::CareManage)?;
    let (name, city, green_channel) = checked(&i)?;
    let h = HospitalRow {
        id: Uuid::now_v7(),
        name,
        city,
        green_channel,
        active: i.active.unwrap_or(true),
        updated_by: actor.id(),
        updated_at_us: now_us(),
        version: 1,
    };
    let tx = app.db.begin_write().await?;
    store::insert(&*tx, &h).await.map_err(taken)?;
    record(app, &*tx, &grant, "care.hospital_add", &h).await?;
    let v = view(&super::names(app).await?, h)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Changes a partner hospital or sets it inactive (`care.manage`, at the version read).
pub async fn update(app: &App, actor: &Actor, id: Uuid, i: HospitalInput) -> Result<HospitalView> {
    let grant = actor.require(Permission::CareManage)?;
    let (name, city, green_channel) = checked(&i)?;
    let tx = app.db.begin_write().await?;
    let old = store::find(&*tx, id).await?.ok_or(AppError::NotFound)?;
    if i.version.is_some_and(|v| v != old.version) {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let h = HospitalRow {
        name,
        city,
        green_channel,
        active: i.active.unwrap_or(old.active),
        updated_by: actor.id(),
        updated_at_us: now_us(),
        version: old.version + 1,
        ..old.clone()
    };
    if !store::update(&*tx, &h, old.version).await.map_err(taken)? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    record(app, &*tx, &grant, "care.hospital_update", &h).await?;
    let v = view(&super::names(app).await?, h)?;
    tx.commit().await?;
    Ok(v)
}
