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

/// Like [`load_in_scope`] for a customer named in a request body rather than the path: an unknown or
/// out-of-scope customer is a field error (422) naming `field`, so a client is not told that the
/// resource in the path is missing.
pub(crate) async fn field_in_scope<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: Uuid,
    field: &str,
) -> Result<CustomerRow> {
    match load_in_scope(c, grant, id).await {
        Err(AppError::NotFound) => Err(AppError::field(
            field,
            "not_found",
            "no such customer in your scope",
        )),
        r => r,
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
