//! The account and the products of a won lead (seed 002 §六.1): recorded from the lead's page, each through
//! the book's one gate (`book::sales::record_in`: the catalogue, the customer's risk measures, then
//! suitability) in the same transaction as the lead's history, so the lead and the book never disagree.
//! The rules (after the win; the account before any product) are `domain::acquisition::opening`.

use super::lead_in_scope;
use super::papers::record;
use crate::App;
use crate::actor::Actor;
use crate::book::sales::{self as gate, SaleInput, SaleView};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::LeadAction;
use banyan_domain::acquisition::opening::{self as rules, OpeningRefusal};
use banyan_domain::book::sale::{SaleDecision, SaleKind};
use banyan_domain::customer::CustomerStatus;
use banyan_domain::ids::{CustomerId, LeadId};
use banyan_store::acquisition::LeadRow;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// A won lead's customer as the book knows it: the registry's review, the gate's records and the accounts
/// the core system's feed brought.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Opening {
    /// The registry's identification state of the customer (`draft`, `submitted`, `verified`,
    /// `returned`): accounts and products wait for `verified`.
    #[schema(value_type = String, example = "verified")]
    pub customer_status: CustomerStatus,
    /// Whether an account is opened (recorded here or in the book's feed): products may follow.
    pub account_opened: bool,
    /// The account openings and products recorded through the gate (refusals named), newest first.
    pub sales: Vec<SaleView>,
    /// Accounts of the customer the core system's feed brought.
    pub accounts: Vec<crate::book::view::FeedAccount>,
}

/// A refusal, naming the state it met: the customer's review state when the review is what is missing,
/// the lead's stage otherwise.
fn refused(r: OpeningRefusal, lead: &LeadRow, customer: Option<CustomerStatus>) -> AppError {
    let current = match (r, customer) {
        (OpeningRefusal::NotVerified, Some(c)) => c.as_str(),
        _ => lead.stage.as_str(),
    };
    AppError::conflict(r.code(), r.message(), json!({"current_status": current}))
}

/// The opening of a won lead's customer, read in `c` (for the lead's page).
pub(crate) async fn opening_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: CustomerId,
) -> Result<Opening> {
    let Some(row) = banyan_store::customers::find_customer(c, customer).await? else {
        return Err(AppError::internal(format!(
            "a won lead names customer {customer} the registry does not hold"
        )));
    };
    let sales = gate::sales_in(app, c, customer).await?;
    let accounts = crate::book::view::feed_accounts(c, customer).await?;
    let account_opened = !accounts.is_empty() || sales.iter().any(opened);
    Ok(Opening {
        customer_status: row.status,
        account_opened,
        sales,
        accounts,
    })
}

fn opened(s: &SaleView) -> bool {
    s.kind == SaleKind::AccountOpening && s.decision == SaleDecision::Recorded
}

/// Whether the customer has an account: an opening recorded through the gate, or one the feed brought.
async fn has_account<C: ConnectionTrait>(c: &C, customer: CustomerId) -> Result<bool> {
    Ok(banyan_store::book::sales::has_opening(c, customer).await?
        || !banyan_store::book::customer_accounts(c, &[customer])
            .await?
            .is_empty())
}

/// Records the account opening or a product of a won lead's customer through the gate (answered 201 with
/// the gate's record, a refusal named in it; a retry with the same Idempotency-Key writes nothing twice).
/// Needs `lead.write` on the lead and `customer.update` on its customer; the registry must have verified
/// the customer (`409 customer_not_verified`), and a product needs an account (`409 account_not_opened`).
pub async fn record_sale(
    app: &App,
    actor: &Actor,
    id: LeadId,
    input: SaleInput,
) -> Result<SaleView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let cgrant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let lead = lead_in_scope(&*tx, &grant, id).await?;
    let Some(cid) = lead.customer_id else {
        return Err(refused(OpeningRefusal::NotWon, &lead, None));
    };
    let customer = crate::scope::load_in_scope(&*tx, &cgrant, cid.uuid()).await?;
    crate::scope::refuse_closed(&customer)?;
    let has_account = has_account(&*tx, cid).await?;
    rules::may_record(
        lead.stage,
        input.kind,
        customer.status == CustomerStatus::Verified,
        has_account,
    )
    .map_err(|r| refused(r, &lead, Some(customer.status)))?;
    let sale = gate::record_in(app, &tx, &cgrant, &customer, input).await?;
    let action = match (sale.decision, sale.kind) {
        (SaleDecision::Refused | SaleDecision::Withdrawn, _) => LeadAction::SaleRefused,
        (SaleDecision::Recorded, SaleKind::AccountOpening) => LeadAction::AccountOpened,
        // Signed, and waiting for a senior reviewer or its cooling-off (the sale's page says which).
        (SaleDecision::Recorded | SaleDecision::Pending, _) => LeadAction::ProductSigned,
    };
    // The history names the product (code and its name in the bank's first language, as the catalogue
    // lists it) and, for an opening, the account's last four characters.
    let mut line = sale.product.clone();
    for part in [sale.product_names.get("zh-CN"), sale.account_no.as_ref()]
        .into_iter()
        .flatten()
    {
        line.push(' ');
        line.push_str(part);
    }
    record(
        app,
        &*tx,
        &grant,
        &lead,
        (action, None, Some(line)),
        "lead.sale",
        json!({"sale": sale.id, "kind": sale.kind.as_str(), "decision": sale.decision.as_str()}),
    )
    .await?;
    crate::idempotency::commit(tx, actor, 201, &sale).await?;
    Ok(sale)
}
