//! The one gate every sale or application recorded in Banyan passes (an account opened, a product sold, a
//! loan applied for, a credit limit raised). The request is checked against the catalogue (the product
//! fits the kind of sale, is on sale, the amount reaches its minimum); then the customer's risk measures
//! (seed 000 §六.2) decide: an action the rating blocks is **refused**, recorded with the action and the
//! rating, audited and counted; otherwise suitability (`wealth::suitability`) decides an investment
//! product's sale: refused with its rule, recorded, or pending a senior reviewer or a cooling-off.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::book::sale::{self, GateProduct, GateRefusal, SaleDecision, SaleKind};
use banyan_domain::money::Currency;
use banyan_store::book::sales::{self as sstore, SaleRow};
use banyan_store::book::{self as store, ProductRow};
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A sale or application to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    pub kind: SaleKind,
    /// The product's catalogue code.
    pub product: String,
    /// Minor units of the product's currency (a credit limit: the new limit).
    pub amount: i64,
    /// At most 500 characters.
    #[serde(default)]
    pub note: Option<String>,
    /// An account opening: the account as the core system numbered it (6 to 34 letters, digits or
    /// hyphens). Only an opening carries one.
    #[serde(default)]
    pub account_no: Option<String>,
    /// An investment product's sale: where it is made (`branch` when absent).
    #[serde(default)]
    pub channel: Option<banyan_domain::wealth::suitability::SaleChannel>,
    /// An in-branch sale to an individual of a product the catalogue marks for it: the audio-video
    /// recording's (双录) reference.
    #[serde(default)]
    pub recording_ref: Option<String>,
    /// A client of the senior age buying a high-risk product: their extra confirmation (the signed form's
    /// reference, or their words).
    #[serde(default)]
    pub client_confirmation: Option<String>,
}

/// A recorded sale or application and the gate's decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SaleView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: SaleKind,
    pub product: String,
    /// The product's names by language (`zh-CN`, `zh-TW`, `en`).
    pub product_names: std::collections::BTreeMap<String, String>,
    pub amount: i64,
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
    pub decision: SaleDecision,
    /// What the customer's measures block, when refused.
    pub refusal: Option<GateRefusal>,
    pub note: Option<String>,
    /// An account opening's account, masked to its last four characters.
    pub account_no: Option<String>,
    pub recorded_by: Option<String>,
    pub at: String,
    /// An investment product's sale: what suitability read and decided, and where the sale stands.
    pub suitability: Option<crate::wealth::SuitabilityView>,
}

fn view_of(
    r: &SaleRow,
    p: &ProductRow,
    by: Option<String>,
    suitability: Option<crate::wealth::SuitabilityView>,
) -> Result<SaleView> {
    let refusal = match (r.decision, &r.action, &r.rating) {
        (SaleDecision::Recorded | SaleDecision::Pending | SaleDecision::Withdrawn, _, _) => None,
        (SaleDecision::Refused, Some(action), Some(rating)) => Some(GateRefusal {
            action: action.clone(),
            rating: rating.clone(),
        }),
        (SaleDecision::Refused, _, _) => {
            return Err(AppError::internal(format!(
                "sales {}: a refusal without its action and rating",
                r.id
            )));
        }
    };
    Ok(SaleView {
        id: r.id,
        customer_id: r.customer_id.uuid(),
        kind: r.kind,
        product: p.code.clone(),
        product_names: p.names.0.clone(),
        amount: r.amount,
        currency: p.currency,
        decision: r.decision,
        refusal,
        note: r.note.clone(),
        account_no: r.account_no.as_deref().map(banyan_domain::mask::account),
        recorded_by: by,
        at: crate::fmt_us(r.at_us),
        suitability,
    })
}

/// The customer's rating and the first action of the sale it blocks.
async fn measures_refuse<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    customer: &CustomerRow,
    actions: &[&str],
) -> Result<Option<GateRefusal>> {
    let rating = crate::figures::rating_of(c, customer).await?;
    for action in actions {
        if let Err(r) =
            banyan_domain::segments::permits(&app.policy().segments, rating.as_deref(), action)
        {
            return Ok(Some(GateRefusal {
                action: r.action,
                rating: r.rating,
            }));
        }
    }
    Ok(None)
}

/// Records a sale or application of a customer in the caller's scope (out of scope: not found), through
/// the gate: a request the customer's measures block is recorded as refused and named; either way the
/// record is audited and answered 201.
pub async fn record_sale(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    input: SaleInput,
) -> Result<SaleView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let row = crate::scope::load_in_scope(&*tx, &grant, customer).await?;
    crate::scope::refuse_closed(&row)?;
    let v = record_in(app, &tx, &grant, &row, input).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The gate inside a caller's transaction (the account opening and products of a won lead write their
/// lead's history in the same one): checks, decides, records and audits a sale of `customer`, read in
/// scope by the caller.
pub(crate) async fn record_in(
    app: &App,
    tx: &sea_orm::DatabaseTransaction,
    grant: &crate::actor::Granted<'_>,
    customer: &CustomerRow,
    input: SaleInput,
) -> Result<SaleView> {
    let note = super::note(input.note)?;
    let Some(product) = store::product_by_code(tx, input.product.trim()).await? else {
        return Err(AppError::field(
            "product",
            "unknown",
            "no product in the catalogue has this code",
        ));
    };
    let gp = GateProduct {
        kind: product.kind,
        risk_level: product.risk_level,
        status: product.status,
        min_amount: product.min_amount,
    };
    let account_no = input
        .account_no
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let errors: FieldErrors = sale::check(input.kind, &gp, input.amount, account_no.as_deref());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if let Some(no) = &account_no {
        account_unknown(tx, customer, no).await?;
    }
    let actions = app.policy().book.gate.actions(input.kind, &gp);
    // Suitability reads its facts for every investment sale, so the record says what they were even when
    // the measures refuse first.
    let facts = crate::wealth::suitability::SaleFacts {
        channel: input.channel,
        recording_ref: input.recording_ref,
        client_confirmation: input.client_confirmation,
    };
    let assessed =
        crate::wealth::suitability::assess(app, tx, customer, &product, input.kind, facts).await?;
    let refusal = match measures_refuse(app, tx, customer, &actions).await? {
        Some(r) => Some(r),
        None => assessed.as_ref().and_then(|a| a.refusal()),
    };
    let pending = refusal.is_none() && assessed.as_ref().is_some_and(|a| a.pending());
    let r = SaleRow {
        id: Uuid::now_v7(),
        customer_id: customer.id,
        kind: input.kind,
        product_id: product.id,
        amount: input.amount,
        decision: match (refusal.is_some(), pending) {
            (true, _) => SaleDecision::Refused,
            (false, true) => SaleDecision::Pending,
            (false, false) => SaleDecision::Recorded,
        },
        action: refusal.as_ref().map(|r| r.action.clone()),
        rating: refusal.as_ref().map(|r| r.rating.clone()),
        note,
        recorded_by: grant.actor().id(),
        at_us: now_us(),
        account_no,
    };
    if let Err(e) = sstore::insert_sale(tx, &r).await {
        // The unique index on recorded openings: the same account recorded at the same moment.
        return Err(if e.is_conflict_on("sales_account") {
            duplicate_account()
        } else {
            e.into()
        });
    }
    let by = super::staff_name(app, grant.actor().id()).await?;
    let suitability = match assessed {
        Some(a) => {
            let seller = by.as_deref().unwrap_or(grant.actor().username());
            Some(crate::wealth::suitability::record(app, tx, &r, &product, seller, a).await?)
        }
        None => None,
    };
    audit::record(
        app,
        tx,
        grant,
        vec![Entry::customer(
            match r.decision {
                SaleDecision::Recorded => "sale.record",
                SaleDecision::Refused => "sale.refuse",
                SaleDecision::Pending | SaleDecision::Withdrawn => "sale.pending",
            },
            customer.id.uuid(),
            json!({"kind": r.kind.as_str(), "product": product.code, "action": r.action, "rating": r.rating}),
        )],
    )
    .await?;
    view_of(&r, &product, by, suitability)
}

fn duplicate_account() -> AppError {
    AppError::conflict(
        "duplicate_account",
        "an opening of this account is already recorded, or the book holds it for another customer",
        json!({}),
    )
}

/// An account is opened once: not already recorded, and not in the book (the core system's feed) as
/// another customer's. Which customer holds it is not said.
async fn account_unknown<C: sea_orm::ConnectionTrait>(
    c: &C,
    customer: &CustomerRow,
    no: &str,
) -> Result<()> {
    if sstore::account_recorded(c, no).await? {
        return Err(duplicate_account());
    }
    let held = banyan_store::book::accounts_with_number(c, no).await?;
    if held.iter().any(|a| a.customer_id != customer.id) {
        return Err(duplicate_account());
    }
    Ok(())
}

/// A customer's sales and applications, newest first (at most 100; out of scope: not found).
pub async fn customer_sales(app: &App, actor: &Actor, customer: Uuid) -> Result<Vec<SaleView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let row = crate::scope::load_in_scope(&app.db.conn, &grant, customer).await?;
    sales_in(app, &app.db.conn, row.id).await
}

/// A customer's sales, newest first (at most 100), read in `c` by a caller that has proven it may.
pub(crate) async fn sales_in<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    customer: banyan_domain::ids::CustomerId,
) -> Result<Vec<SaleView>> {
    let rows = sstore::sales_of(c, customer, 100).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let suitability_rows = banyan_store::wealth::of_sales(c, &ids).await?;
    // Only the products and the people the list names are read (a customer's page, not the catalogue
    // and the staff list); a system-recorded sale names nobody.
    let mut product_ids: Vec<Uuid> = rows.iter().map(|r| r.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let products: std::collections::HashMap<Uuid, ProductRow> =
        store::products_by_ids(c, &product_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let people: Vec<banyan_domain::ids::StaffId> = rows
        .iter()
        .map(|r| r.recorded_by)
        .chain(suitability_rows.iter().flat_map(|w| {
            [Some(w.sold_by), w.reviewed_by, w.cancelled_by]
                .into_iter()
                .flatten()
        }))
        .collect();
    let names = crate::access::names_for(app, &people).await?;
    let mut suitability: std::collections::HashMap<Uuid, _> = suitability_rows
        .iter()
        .map(|w| Ok((w.sale_id, crate::wealth::suitability::view(&names, w)?)))
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for r in rows {
        let p = products
            .get(&r.product_id)
            .ok_or_else(|| AppError::internal(format!("sales {}: its product is gone", r.id)))?;
        let by = names.get(&r.recorded_by).cloned();
        out.push(view_of(&r, p, by, suitability.remove(&r.id))?);
    }
    Ok(out)
}

/// How many requests the gate refused, per blocked action and rating.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefusalCount {
    pub action: String,
    pub rating: String,
    pub count: i64,
}

/// The gate's refusals on the days `from..=to` (at most 366 days) within the caller's scope.
pub async fn refusal_counts(
    app: &App,
    actor: &Actor,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<RefusalCount>> {
    let grant = actor.require(Permission::CustomerRead)?;
    super::report_days(from, to)?;
    let (since, until) = app.day_bounds(from, to)?;
    Ok(
        sstore::refusal_counts(&app.db.conn, &grant.scope(), since, until)
            .await?
            .into_iter()
            .map(|(action, rating, count)| RefusalCount {
                action,
                rating,
                count,
            })
            .collect(),
    )
}
