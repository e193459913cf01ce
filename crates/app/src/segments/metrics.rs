//! Metrics in: by API (per-item report) or from a CSV/XLSX file; each customer is re-evaluated in the same
//! transaction and early warnings open when the figures call for them.

use super::Change;
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::Result;
use banyan_domain::access::Permission;
use banyan_domain::segments::Metrics;
use banyan_store::customers::{self as cstore, CustomerFilter, CustomerRow, Lookup, ScopeFilter};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// One customer's metrics: the customer by id or customer number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsInput {
    /// Customer id (UUID) or customer number (`P-BR0001-00000001`).
    pub customer: String,
    pub metrics: Metrics,
}

/// A rejected item of a metrics load.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsRejection {
    /// Position in the request (0-based) or line in the file.
    pub index: usize,
    pub customer: String,
    /// One entry per broken rule (field, rule, message).
    #[schema(value_type = Vec<Object>)]
    pub errors: serde_json::Value,
}

/// What a metrics load did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsReport {
    pub accepted: usize,
    pub rejected: Vec<MetricsRejection>,
    /// Segment changes the new figures caused.
    pub changes: Vec<Change>,
}

/// Loads metrics (validated per item; the valid ones are written with their re-evaluation in one
/// transaction per 500 items) and re-evaluates the customers they belong to.
pub async fn record_metrics(
    app: &App,
    actor: &Actor,
    items: Vec<MetricsInput>,
) -> Result<MetricsReport> {
    let grant = actor.require(Permission::MetricsWrite)?;
    let today = app.today();
    let mut rejected = Vec::new();
    let mut ok: Vec<(usize, CustomerRow, Metrics)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut errs = banyan_domain::FieldErrors::new();
        item.metrics.check(&mut errs, "metrics");
        if item.metrics.as_of > today {
            errs.push("metrics.as_of", "not_future", "must not be after today");
        }
        let row = find_customer(app, &grant, &item.customer).await?;
        if row.is_none() {
            errs.push("customer", "not_found", "no such customer in your scope");
        }
        match (row, errs.into_result()) {
            (Some(r), Ok(())) => ok.push((i, r, item.metrics)),
            (_, Err(e)) => rejected.push(MetricsRejection {
                index: i,
                customer: item.customer,
                errors: serde_json::to_value(&e.0).unwrap_or_default(),
            }),
            (None, Ok(())) => {}
        }
    }
    let accepted = ok.len();
    let mut changes = Vec::new();
    for chunk in ok.chunks(500) {
        let tx = app.db.begin_write().await?;
        let mut items: Vec<(CustomerRow, Metrics)> = chunk
            .iter()
            .map(|(_, r, m)| (r.clone(), m.clone()))
            .collect();
        // For customers the book holds, its figures prevail over posted ones for the same things.
        crate::book::figures::overlay(app, &*tx, &mut items).await?;
        changes.extend(crate::evaluation::write_figures(app, &*tx, actor.id.uuid(), &items).await?);
        let entries = chunk
            .iter()
            .map(|(_, r, m)| Entry {
                action: "metrics.record",
                entity: "customer_metrics",
                entity_id: Some(format!("{}:{}", r.id, m.as_of)),
                customer_id: Some(r.id.uuid()),
                detail: json!({"as_of": m.as_of.to_string(), "aum": m.aum()}),
            })
            .collect();
        audit::record(app, &*tx, &grant, entries).await?;
        tx.commit().await?;
    }
    Ok(MetricsReport {
        accepted,
        rejected,
        changes,
    })
}

/// A customer by id or number, within the actor's scope.
async fn find_customer(app: &App, grant: &Granted<'_>, key: &str) -> Result<Option<CustomerRow>> {
    let key = key.trim();
    let row = match key.parse::<Uuid>() {
        Ok(id) => cstore::find_customer(&app.db.conn, id.into()).await?,
        Err(_) => {
            let f = CustomerFilter {
                lookups: vec![Lookup::CustomerNo(key.to_ascii_uppercase())],
                ..CustomerFilter::scoped(ScopeFilter::All, 1)
            };
            cstore::list_customers(&app.db.conn, &f).await?.pop()
        }
    };
    // An erased person is gone for figures too (a file still naming them is refused, not stored again).
    Ok(row.filter(|r| {
        grant.can_see(&r.branch_code, r.rm_id)
            && r.status != banyan_domain::customer::CustomerStatus::Erased
    }))
}

/// Money columns of a metrics file, in CNY (yuan, up to two decimals).
const MONEY_COLUMNS: [&str; 13] = [
    "avg_deposits",
    "loans",
    "fee_income",
    "contribution",
    "income",
    "debts",
    "total_assets",
    "total_liabilities",
    "current_assets",
    "current_liabilities",
    "revenue",
    "net_profit",
    "assets.*",
];

const COUNT_COLUMNS: [&str; 6] = [
    "investment_count",
    "transactions_90d",
    "product_count",
    "overdue_count",
    "qualitative_points",
    "employees",
];

/// Yuan with up to two decimals (`1234.5`, `1,234.56`) as minor units.
fn yuan(s: &str) -> std::result::Result<i64, &'static str> {
    banyan_domain::money::parse_major(s, 2)
        .map_err(|_| "must be an amount in CNY with at most two decimals")
}

/// What a metrics file held: the items to load (with their file line) and the rows that could not be read.
#[derive(Debug, Default)]
pub struct MetricsFile {
    pub items: Vec<(usize, MetricsInput)>,
    pub rejected: Vec<crate::tabular::Rejected>,
    pub ignored_columns: Vec<String>,
}

/// Reads a metrics table: a `customer` column (customer number or id), `as_of` (`YYYY-MM-DD`), `assets.<class>`
/// columns and any of the named money (CNY) and count columns. Each bad cell rejects its row, naming the
/// column and the rule.
pub fn metrics_from_table(src: crate::tabular::Source) -> MetricsFile {
    let col = |name: &str| src.headers.iter().position(|h| h.trim() == name);
    let mut out = MetricsFile {
        ignored_columns: src
            .headers
            .iter()
            .filter(|h| {
                let h = h.trim();
                !(h == "customer"
                    || h == "as_of"
                    || h == "income_unstable"
                    || h.starts_with("assets.")
                    || MONEY_COLUMNS.contains(&h)
                    || COUNT_COLUMNS.contains(&h))
            })
            .cloned()
            .collect(),
        ..Default::default()
    };
    let (Some(customer_col), Some(as_of_col)) = (col("customer"), col("as_of")) else {
        out.rejected.push(crate::tabular::Rejected {
            line: 1,
            reason: "the header row needs `customer` and `as_of` columns".into(),
            cells: Vec::new(),
        });
        return out;
    };
    for row in src.rows {
        let cells = match row.cells {
            Ok(c) => c,
            Err(reason) => {
                out.rejected.push(crate::tabular::Rejected {
                    line: row.line,
                    reason,
                    cells: Vec::new(),
                });
                continue;
            }
        };
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
        let mut errors = Vec::new();
        let mut m = Metrics::default();
        match cell(as_of_col).parse::<Date>() {
            Ok(d) => m.as_of = d,
            Err(_) => errors.push("as_of: must be a date YYYY-MM-DD".to_owned()),
        }
        for (i, h) in src.headers.iter().enumerate() {
            let h = h.trim();
            let v = cell(i);
            if v.is_empty() || i == customer_col || i == as_of_col {
                continue;
            }
            if let Some(class) = h.strip_prefix("assets.") {
                match yuan(v) {
                    Ok(x) => {
                        m.assets.insert(class.to_owned(), x);
                    }
                    Err(e) => errors.push(format!("{h}: {e}")),
                }
            } else if MONEY_COLUMNS.contains(&h) {
                match yuan(v) {
                    Ok(x) => match h {
                        "avg_deposits" => m.avg_deposits = x,
                        "loans" => m.loans = x,
                        "fee_income" => m.fee_income = x,
                        "contribution" => m.contribution = x,
                        "income" => m.income = x,
                        "debts" => m.debts = x,
                        "total_assets" => m.total_assets = Some(x),
                        "total_liabilities" => m.total_liabilities = Some(x),
                        "current_assets" => m.current_assets = Some(x),
                        "current_liabilities" => m.current_liabilities = Some(x),
                        "revenue" => m.revenue = Some(x),
                        _ => m.net_profit = Some(x),
                    },
                    Err(e) => errors.push(format!("{h}: {e}")),
                }
            } else if COUNT_COLUMNS.contains(&h) {
                match v.parse::<u32>() {
                    Ok(x) => match h {
                        "investment_count" => m.investment_count = x,
                        "transactions_90d" => m.transactions_90d = x,
                        "product_count" => m.product_count = x,
                        "overdue_count" => m.overdue_count = x,
                        "qualitative_points" => m.qualitative_points = x,
                        _ => m.employees = Some(x),
                    },
                    Err(_) => errors.push(format!("{h}: must be a whole number of at least 0")),
                }
            } else if h == "income_unstable" {
                match v.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "是" => m.income_unstable = true,
                    "false" | "0" | "no" | "否" => m.income_unstable = false,
                    _ => errors.push(format!("{h}: must be true or false")),
                }
            }
        }
        if cell(customer_col).is_empty() {
            errors.push("customer: is required".into());
        }
        if errors.is_empty() {
            out.items.push((
                row.line,
                MetricsInput {
                    customer: cell(customer_col).to_owned(),
                    metrics: m,
                },
            ));
        } else {
            out.rejected.push(crate::tabular::Rejected {
                line: row.line,
                reason: errors.join("; "),
                cells: cells.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn yuan_amounts_become_minor_units() {
        assert_eq!(yuan("1,234.5"), Ok(123_450));
        assert_eq!(yuan("3200000"), Ok(320_000_000));
        assert_eq!(yuan("-0.05"), Ok(-5));
        assert!(yuan("1.234").is_err());
        assert!(yuan("abc").is_err());
    }

    #[test]
    fn a_metrics_file_names_the_bad_cell() {
        let csv = "customer,as_of,assets.deposits,investment_count,contribution,colour\n\
                   P-BR0001-00000001,2026-11-20,3200000,6,12000,blue\n\
                   P-BR0001-00000002,2026-13-01,x,-1,5,red\n";
        let f = metrics_from_table(crate::tabular::read_csv(csv.as_bytes()).unwrap());
        assert_eq!(f.ignored_columns, vec!["colour"]);
        assert_eq!(f.items.len(), 1);
        let (line, item) = &f.items[0];
        assert_eq!(*line, 2);
        assert_eq!(item.metrics.aum(), 320_000_000);
        assert_eq!(item.metrics.contribution, 1_200_000);
        assert_eq!(f.rejected.len(), 1);
        let r = &f.rejected[0].reason;
        assert!(
            r.contains("as_of") && r.contains("assets.deposits") && r.contains("investment_count"),
            "{r}"
        );
    }
}
