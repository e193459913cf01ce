//! Scope: loading a customer only when the actor may see it. Every use case that touches one customer goes
//! through here, so "out of scope" always reads as "not found" (no existence leak). It takes the proof of a
//! permission check ([`Granted`]), never a bare actor.

use crate::actor::Granted;
use crate::error::{AppError, Result};
use banyan_store::ConnectionTrait;
use banyan_store::customers::{self as store, CustomerRow};
use uuid::Uuid;

/// Loads a customer the actor may see, else NotFound (no existence leak).
pub(crate) async fn load_in_scope<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: Uuid,
) -> Result<CustomerRow> {
    match store::find_customer(c, id.into()).await? {
        Some(r) if grant.can_see(&r.branch_code, r.rm_id) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// Like [`load_in_scope`], locking the row for the rest of the write transaction.
pub(crate) async fn lock_in_scope<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: Uuid,
) -> Result<CustomerRow> {
    match store::lock_customer(c, id.into()).await? {
        Some(r) if grant.can_see(&r.branch_code, r.rm_id) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}
