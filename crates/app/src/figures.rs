//! A customer's latest figures from the book (balances, overdue instalments, activity) as the policy engine
//! stored them: read by acquisition (targets, effectiveness, the risk watch) and care (the outcome
//! comparison), so neither reaches into the other for them; and each account's latest holding, read by the
//! customer's page (the book) and the care watch, which the book's loads call — so care does not reach back
//! into the book; and a customer's risk rating, whose measures the book's gate and a wealth plan weigh (so
//! neither reaches into the segments' use cases).

use crate::App;
use crate::error::{AppError, Result};
use banyan_domain::book::{AccountStatus, ProductKind, RiskLevel};
use banyan_domain::mask;
use banyan_store::book as store;
use jiff::ToSpan;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

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

/// [`latest_figures`] of every customer these managers manage, read by manager (a whole bank's scorecards
/// read millions of customers' figures).
pub(crate) async fn latest_figures_managed<C: ConnectionTrait>(
    c: &C,
    managers: &[banyan_domain::ids::StaffId],
    until: jiff::civil::Date,
) -> Result<Vec<(uuid::Uuid, banyan_domain::segments::Metrics)>> {
    let ids: Vec<uuid::Uuid> = managers.iter().map(|m| m.uuid()).collect();
    banyan_store::segments::latest_metrics_managed(c, &ids, &until.to_string())
        .await?
        .into_iter()
        .map(|(customer, data)| {
            let m = serde_json::from_str(&data).map_err(|e| {
                AppError::internal_from(format!("customer_metrics.data of {customer}"), e)
            })?;
            Ok((customer, m))
        })
        .collect()
}

/// One account as the customer's page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoldingLine {
    /// Masked: the last four characters (the full number stays in the core system).
    pub account_no: String,
    pub product_code: String,
    /// The product's names by language.
    pub product_names: BTreeMap<String, String>,
    pub kind: ProductKind,
    pub risk_level: Option<RiskLevel>,
    pub currency: String,
    /// The currency's minor-unit digits (2 for CNY, 0 for JPY).
    pub digits: u8,
    pub status: AccountStatus,
    #[schema(value_type = String)]
    pub opened_on: Date,
    /// Balance or market value in minor units of the account's currency, and in CNY fen.
    pub balance: i64,
    pub balance_cny: i64,
    pub credit_limit: Option<i64>,
    pub outstanding: Option<i64>,
    /// Outstanding in CNY fen.
    pub outstanding_cny: Option<i64>,
    pub days_past_due: i32,
    /// The business date of the figures.
    #[schema(value_type = String)]
    pub as_of: Date,
}

/// Each account's latest figures for a customer (the caller has proven it may read them): the latest
/// business date, the lines, and the accounts they come from. The customer's page and the care watch read
/// the book through this one piece.
pub(crate) async fn latest_lines<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    customer: banyan_domain::ids::CustomerId,
) -> Result<(Option<Date>, Vec<HoldingLine>, Vec<store::AccountRow>)> {
    // The accounts with their products and latest snapshots, one statement (the customer's page reads it).
    let rows = store::customer_book(c, customer).await?;
    let as_of = rows.iter().map(|(a, _, _)| a.last_as_of).max();
    let book = &app.policy().book;
    let mut holdings = Vec::new();
    if let Some(day) = as_of {
        // Each account's latest snapshot (an account the latest file no longer lists keeps its last one,
        // shown while it is at most 400 days older than the customer's latest).
        let since = day.checked_sub(400.days()).unwrap_or(Date::MIN);
        for (a, p, h) in &rows {
            let Some(h) = h.as_ref().filter(|h| h.as_of >= since) else {
                continue;
            };
            holdings.push(HoldingLine {
                account_no: mask::account(&a.account_no),
                product_code: p.code.clone(),
                product_names: p.names.0.clone(),
                kind: p.kind,
                risk_level: p.risk_level,
                currency: a.currency.as_str().to_owned(),
                digits: book.currency(a.currency).map_or(2, |c| c.digits),
                status: h.status,
                opened_on: a.opened_on,
                balance: h.balance,
                balance_cny: book.to_cny_minor(h.balance, a.currency).unwrap_or(0),
                credit_limit: h.credit_limit,
                outstanding: h.outstanding,
                outstanding_cny: h
                    .outstanding
                    .map(|o| book.to_cny_minor(o, a.currency).unwrap_or(0)),
                days_past_due: h.days_past_due,
                as_of: h.as_of,
            });
        }
    }
    Ok((
        as_of,
        holdings,
        rows.into_iter().map(|(a, _, _)| a).collect(),
    ))
}

/// The customer's risk rating (the dimension their kind is rated on), none when not rated: the book's gate
/// and a wealth plan weigh the rating's measures against each product.
pub(crate) async fn rating_of<C: banyan_store::ConnectionTrait>(
    c: &C,
    customer: &banyan_store::customers::CustomerRow,
) -> Result<Option<String>> {
    let dimension = banyan_domain::segments::rating_dimension(customer.kind.as_str());
    Ok(
        banyan_store::segments::assignments_for(c, &[customer.id.uuid()])
            .await?
            .into_iter()
            .find(|a| a.dimension == dimension)
            .map(|a| a.value),
    )
}
