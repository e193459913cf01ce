//! Wealth advisory (seed 004, seed 000 §4, DOMAIN-DEFAULTS §2): suitability at the moment of sale — the rules
//! the book's one gate asks of every investment sale, each decision stored with the facts it read, the
//! steps a sale then waits for (a senior reviewer, a cooling-off), and the suitability report for compliance
//! (`suitability`); the client's financial picture, goals and reviews (`picture`); their plan, its gap and
//! the actions it recommends, each passing the gate (`plans`); a high-net-worth client's advisory team with
//! its notes and tasks (`team`); the referrals clients make (`referrals`); the client's wealth page that
//! shows them together (`workspace`); the wealth managers' KPIs per manager and team (`kpis`).
//!
//! Who reads a client's wealth page: a planner (`wealth.plan`) who has the customer in scope, or a member of
//! the client's advisory team (by membership: the bank's experts may sit in another branch). Every opening
//! of the page is audited with its basis; the picture, the reviews' figures and the team's notes are sealed.

pub mod kpis;
pub mod picture;
pub mod plans;
pub mod referrals;
pub mod suitability;
pub mod team;
pub mod workspace;

pub use suitability::{CancelInput, SaleReview, SuitabilityReport, SuitabilityView};

use crate::App;
use crate::actor::{Actor, Granted};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::ConnectionTrait;
use banyan_store::customers::CustomerRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Why a reader may open a client's wealth page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = WealthBasis)]
pub enum Basis {
    /// A planner with the customer in scope.
    Scope,
    /// A member of the client's advisory team.
    Team,
}

/// The customer `id` for a reader of its wealth page (out of reach: not found).
pub(crate) async fn reader<'a, C: ConnectionTrait>(
    c: &C,
    actor: &'a Actor,
    id: Uuid,
) -> Result<(Granted<'a>, CustomerRow, Basis)> {
    if let Ok(g) = actor.require(Permission::WealthPlan) {
        match crate::scope::load_in_scope(c, &g, id).await {
            Ok(row) => return Ok((g, row, Basis::Scope)),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let g = actor.require(Permission::CustomerRead)?;
    let row = banyan_store::customers::find_customer(c, id.into())
        .await?
        .ok_or(AppError::NotFound)?;
    if banyan_store::wealth::team::is_member(c, row.id, actor.id()).await? {
        Ok((g, row, Basis::Team))
    } else {
        Err(AppError::NotFound)
    }
}

/// The customer `id` for a planner's write (`wealth.plan`, in scope; locked for the transaction).
pub(crate) async fn planner<'a, C: ConnectionTrait>(
    c: &C,
    actor: &'a Actor,
    id: Uuid,
) -> Result<(Granted<'a>, CustomerRow)> {
    let g = actor.require(Permission::WealthPlan)?;
    let row = crate::scope::lock_in_scope(c, &g, id).await?;
    Ok((g, row))
}

/// Seals a value of the client's wealth (JSON under the wealth key).
pub(crate) fn seal<T: Serialize>(app: &App, v: &T) -> Result<Vec<u8>> {
    let s = serde_json::to_string(v).map_err(|e| AppError::internal_from("wealth seal", e))?;
    app.keys().encrypt(Purpose::Wealth, &s)
}

/// Opens what [`seal`] sealed; what does not open or read is an error naming `what`.
pub(crate) fn open<T: serde::de::DeserializeOwned>(app: &App, what: &str, b: &[u8]) -> Result<T> {
    let s = app.keys().decrypt(Purpose::Wealth, b)?;
    serde_json::from_str(&s).map_err(|e| AppError::internal_from(what.to_owned(), e))
}

/// One audit record about a client's wealth: the action and non-personal detail.
pub(crate) async fn audit<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    customer: &CustomerRow,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<()> {
    crate::audit::record(
        app,
        c,
        grant,
        vec![crate::audit::Entry::customer(
            action,
            customer.id.uuid(),
            detail,
        )],
    )
    .await
}

/// The version the client read, when it sent one, against the stored one.
pub(crate) fn check_version(stored: i32, sent: Option<i32>) -> Result<()> {
    match sent {
        Some(v) if v != stored => Err(AppError::VersionConflict {
            current_version: i64::from(stored),
            since: serde_json::json!([]),
        }),
        _ => Ok(()),
    }
}

/// The answer of a versioned write: `Ok` when it wrote, else the version conflict (someone moved it first;
/// `next` is the version they made).
pub(crate) fn written(wrote: bool, next: i32) -> Result<()> {
    if wrote {
        Ok(())
    } else {
        Err(AppError::VersionConflict {
            current_version: i64::from(next),
            since: serde_json::json!([]),
        })
    }
}

/// A staff member's name as the views show it; an id no staff row has is an error naming `what` (staff are
/// disabled, never deleted).
pub(crate) fn staff_name(
    names: &std::collections::HashMap<banyan_domain::ids::StaffId, String>,
    id: banyan_domain::ids::StaffId,
    what: &str,
) -> Result<String> {
    names
        .get(&id)
        .cloned()
        .ok_or_else(|| AppError::internal(format!("{what}: staff {id} unknown")))
}
