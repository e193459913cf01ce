//! The copy of everything Banyan holds on a person (PIPL Art. 45): the record with its values unmasked, its
//! contact points and consents, the contacts logged and messages sent, and how many records of every other
//! kind name them. Produced only by someone allowed to reveal, for an access request, and audited.

use super::*;
use crate::engagement::InteractionView;
use crate::notify::MessageView;
use crate::view::CustomerView;
use std::collections::BTreeMap;

/// The copy, machine-readable; the workbench prints it in the person's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RightsCopy {
    pub request_no: String,
    /// When the copy was produced (RFC 3339).
    pub produced_at: String,
    /// The record, unmasked (it is the person's own).
    pub customer: CustomerView,
    pub interactions: Vec<InteractionView>,
    pub messages: Vec<MessageView>,
    /// Every other record naming the person, by kind (`table.column`): counts.
    pub records: BTreeMap<String, u64>,
}

/// Produces the copy for an open access request and records that it was produced (after it was built: a copy
/// that failed is not one).
pub async fn copy(app: &App, actor: &Actor, id: Uuid) -> Result<RightsCopy> {
    let grant = actor.require(Permission::CustomerReveal)?;
    let (r, _) = in_scope(&app.db.conn, &grant, id).await?;
    super::of_kind(&r, RightKind::Access, "a copy answers an access request")?;
    if r.status != RightStatus::Open {
        return Err(AppError::conflict(
            "rights_state",
            format!("the request is {}", r.status.as_str()),
            json!({"rights_status": r.status}),
        ));
    }
    let customer = crate::customers::get(app, actor, r.customer_id, true).await?;
    let interactions = crate::engagement::interactions(app, actor, r.customer_id).await?;
    let messages = crate::notify::customer_messages(app, actor, r.customer_id).await?;
    let records =
        banyan_store::customers::merge::dependent_counts(&app.db.conn, r.customer_id).await?;
    let tx = app.db.begin_write().await?;
    let (mut r, _) = in_scope(&*tx, &grant, id).await?;
    let now = now_us();
    r.copy_at_us = Some(now);
    let r = save(&tx, r).await?;
    audit::record(app, &*tx, &grant, vec![entry("rights.copy", &r, json!({}))]).await?;
    tx.commit().await?;
    Ok(RightsCopy {
        request_no: r.request_no,
        produced_at: crate::fmt_us(now),
        customer,
        interactions,
        messages,
        records,
    })
}
