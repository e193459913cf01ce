//! Referrals (seed 004 §客户忠诚度: 转介绍): a planner records that a client introduced someone who became a
//! customer — both in the planner's scope, once per pair — which the referral rate of the managers' KPIs
//! counts.

use super::{audit, planner};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_store::now_us;
use banyan_store::wealth::kpis::{self as store, ReferralRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    /// The customer number of the one introduced.
    pub introduced: String,
    /// At most 200 characters.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub introduced_id: Uuid,
    pub introduced_no: String,
    pub introduced_name: String,
    pub note: Option<String>,
    pub at: String,
}

/// Records that the client `customer` introduced the customer numbered `introduced` (`wealth.plan`, both in
/// scope; an unknown or out-of-scope number is a field error; the same pair twice `409 already_recorded`).
pub async fn record(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: ReferralInput,
) -> Result<ReferralView> {
    let note = crate::text::optional_text("note", i.note.as_deref(), 200)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let no = i.introduced.trim();
    let found = banyan_store::customers::rows_by_numbers(&*tx, &[no.to_owned()])
        .await?
        .into_iter()
        .find(|c| grant.can_see(&c.branch_code, c.rm_id) && c.status.is_processed());
    let Some(new) = found.filter(|c| c.id != cust.id) else {
        return Err(AppError::field(
            "introduced",
            "not_found",
            "no other customer in your scope has this number",
        ));
    };
    let r = ReferralRow {
        id: Uuid::now_v7(),
        referrer_id: cust.id,
        referred_id: new.id,
        note,
        recorded_by: actor.id(),
        at_us: now_us(),
    };
    if let Err(e) = store::insert_referral(&*tx, &r).await {
        return Err(if e.is_conflict_on("wealth_referrals") {
            AppError::conflict(
                "already_recorded",
                "this referral is already recorded",
                json!({}),
            )
        } else {
            e.into()
        });
    }
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.referral",
        json!({"introduced": new.customer_no}),
    )
    .await?;
    let v = ReferralView {
        id: r.id,
        introduced_id: new.id.uuid(),
        introduced_no: new.customer_no,
        introduced_name: new.display_name,
        note: r.note,
        at: crate::fmt_us(r.at_us),
    };
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The client's referrals, oldest first (the caller has proven it may read the client).
pub(crate) async fn of<C: sea_orm::ConnectionTrait>(
    c: &C,
    customer: Uuid,
) -> Result<Vec<ReferralView>> {
    let rows = store::referrals_by(c, &[customer], i64::MIN, i64::MAX).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.referred_id.uuid()).collect();
    let people: std::collections::HashMap<Uuid, banyan_store::customers::CustomerRow> =
        banyan_store::customers::rows_by_ids(c, &ids)
            .await?
            .into_iter()
            .map(|c| (c.id.uuid(), c))
            .collect();
    rows.into_iter()
        .map(|r| {
            let p = people.get(&r.referred_id.uuid()).ok_or_else(|| {
                AppError::internal(format!("wealth_referrals {}: customer unknown", r.id))
            })?;
            Ok(ReferralView {
                id: r.id,
                introduced_id: p.id.uuid(),
                introduced_no: p.customer_no.clone(),
                introduced_name: p.display_name.clone(),
                note: r.note,
                at: crate::fmt_us(r.at_us),
            })
        })
        .collect()
}
