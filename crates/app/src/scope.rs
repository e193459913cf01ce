//! Scope: loading a customer only when the actor may see it. Every use case that touches one customer goes
//! through here, so "out of scope" always reads as "not found" (no existence leak). It takes the proof of a
//! permission check ([`Granted`]), never a bare actor.

use crate::actor::Granted;
use crate::error::{AppError, Result};
use banyan_domain::customer::CustomerStatus;
use banyan_domain::ids::StaffId;
use banyan_store::ConnectionTrait;
use banyan_store::customers::{self as store, CustomerRow};
use banyan_store::segments::AssignmentRow;
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

/// A customer read in an actor's scope by this request, handed to the same page's other reads so that each does
/// not read the customer's row again (the 360 page had read it eleven times). Only `app` makes one — the fields
/// are private — and it remembers whom it was proved for: a read for another actor proves again. Held no longer
/// than one request, so it is never staler than the page it draws.
#[derive(Debug, Clone)]
pub struct Seen {
    row: CustomerRow,
    actor: StaffId,
    /// The customer's segment assignments once a read of this request has read them: the page's segments and
    /// the book's services (what the segments entitle the customer to) both need them.
    assignments: std::sync::Arc<tokio::sync::OnceCell<Vec<AssignmentRow>>>,
}

impl Seen {
    pub(crate) fn new(grant: &Granted<'_>, row: CustomerRow) -> Self {
        Seen {
            row,
            actor: grant.actor().id(),
            assignments: Default::default(),
        }
    }

    /// The customer's id.
    pub fn id(&self) -> Uuid {
        self.row.id.uuid()
    }
}

/// Which customer a read is about: an id (read and checked against the actor's scope), or a customer this
/// request has already read in the actor's scope ([`Seen`]).
#[derive(Debug, Clone, Copy)]
pub enum Customer<'a> {
    Id(Uuid),
    Seen(&'a Seen),
}

impl Customer<'_> {
    /// The customer's id.
    pub fn id(&self) -> Uuid {
        match self {
            Customer::Id(id) => *id,
            Customer::Seen(s) => s.id(),
        }
    }
}

impl From<Uuid> for Customer<'_> {
    fn from(id: Uuid) -> Self {
        Customer::Id(id)
    }
}

impl From<banyan_domain::ids::CustomerId> for Customer<'_> {
    fn from(id: banyan_domain::ids::CustomerId) -> Self {
        Customer::Id(id.uuid())
    }
}

impl<'a> From<&'a Seen> for Customer<'a> {
    fn from(s: &'a Seen) -> Self {
        Customer::Seen(s)
    }
}

/// [`load_in_scope`] for a read: a customer already seen by this request for the same actor is checked against
/// the grant in memory, anything else is read. Not for writes — they lock the row ([`lock_in_scope`]).
pub(crate) async fn read_in_scope<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    who: Customer<'_>,
) -> Result<CustomerRow> {
    match who {
        Customer::Seen(s) if s.actor == grant.actor().id() => {
            if grant.can_see(&s.row.branch_code, s.row.rm_id) {
                Ok(s.row.clone())
            } else {
                Err(AppError::NotFound)
            }
        }
        other => load_in_scope(c, grant, other.id()).await,
    }
}

/// The segment assignments of a customer whose row `read_in_scope` has just returned for `who`: read once for a
/// customer this request has seen, shared by the page's reads that need them.
pub(crate) async fn assignments_of<C: ConnectionTrait>(
    c: &C,
    who: Customer<'_>,
) -> Result<Vec<AssignmentRow>> {
    let read = || async {
        Ok::<_, AppError>(banyan_store::segments::assignments_for(c, &[who.id()]).await?)
    };
    match who {
        Customer::Seen(s) => Ok(s.assignments.get_or_try_init(read).await?.clone()),
        Customer::Id(_) => read().await,
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
    field_in_scope_as(c, grant, id, field, false).await
}

/// [`field_in_scope`] that also accepts a restricted record when `restricted_too` (a person whose records
/// are only stored keeps their rights over them).
pub(crate) async fn field_in_scope_as<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    id: Uuid,
    field: &str,
    restricted_too: bool,
) -> Result<CustomerRow> {
    match load_in_scope(c, grant, id).await {
        Ok(r) if restricted_too && r.status == CustomerStatus::Restricted => Ok(r),
        Err(AppError::NotFound) => Err(AppError::field(
            field,
            "not_found",
            "no such customer in your scope",
        )),
        Ok(r) if r.status == CustomerStatus::Merged => Err(AppError::field(
            field,
            "merged",
            "this customer was merged into another record; name that record",
        )),
        Ok(r)
            if matches!(
                r.status,
                CustomerStatus::Restricted | CustomerStatus::Erased
            ) =>
        {
            Err(AppError::field(
                field,
                r.status.as_str(),
                "this customer's data may no longer be processed (a deletion request)",
            ))
        }
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
        Some(r) if grant.can_see(&r.branch_code, r.rm_id) => {
            refuse_closed(&r)?;
            Ok(r)
        }
        _ => Err(AppError::NotFound),
    }
}

/// A merged record is kept for its history and points to the survivor; nothing is written to it again (the
/// write belongs on the survivor, which the client can follow from the merged record).
///
/// A restricted or erased record (a deletion request) is not processed any more: nothing is written to it.
pub(crate) fn refuse_closed(r: &CustomerRow) -> Result<()> {
    match r.status {
        CustomerStatus::Merged => Err(AppError::conflict(
            "customer_merged",
            "this customer was merged into another record; write to that record",
            serde_json::json!({"customer_id": r.id, "customer_no": r.customer_no}),
        )),
        CustomerStatus::Restricted => Err(AppError::conflict(
            "customer_restricted",
            "the person asked for deletion and the law keeps their records for now: they are stored only",
            serde_json::json!({"customer_id": r.id, "customer_no": r.customer_no}),
        )),
        CustomerStatus::Erased => Err(AppError::conflict(
            "customer_erased",
            "the person's data were erased on their request",
            serde_json::json!({"customer_id": r.id, "customer_no": r.customer_no}),
        )),
        _ => Ok(()),
    }
}
