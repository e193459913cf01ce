//! A customer's latest figures from the book (balances, overdue instalments, activity) as the policy engine
//! stored them: read by acquisition (targets, effectiveness, the risk watch) and care (the outcome
//! comparison), so neither reaches into the other for them.

use crate::error::{AppError, Result};
use sea_orm::ConnectionTrait;

/// The book's latest figures of each customer on or before `until`, read in chunks of 500; a stored row that
/// does not read as figures is an error. Customers the book has no figures for yet are left out.
pub(crate) async fn latest_figures<C: ConnectionTrait>(
    c: &C,
    customers: &[uuid::Uuid],
    until: jiff::civil::Date,
) -> Result<Vec<(uuid::Uuid, banyan_domain::segments::Metrics)>> {
    let until = until.to_string();
    let mut out = Vec::with_capacity(customers.len());
    for chunk in customers.chunks(500) {
        for r in banyan_store::segments::latest_metrics(c, chunk, &until).await? {
            let m = serde_json::from_str(&r.data).map_err(|e| {
                AppError::internal_from(
                    format!("customer_metrics.data of {} {}", r.customer_id, r.as_of),
                    e,
                )
            })?;
            out.push((r.customer_id, m));
        }
    }
    Ok(out)
}
