//! The client's plan (seed 004 §资产配置): a version with its target allocation — by default the policy's
//! for the highest level the client's assessment buys, else the planner's within the same bounds — and the
//! reason it was made (the first, the market, a life event, a revisit, a new assessment); the actions it
//! recommends, each a product of the catalogue that the book's gate would let through **now**
//! ([`PlanGate`]: the rating's measures and suitability, read once for the client and weighed against each
//! product), and the client's answer on each. An accepted action is asked of the gate again: a plan never
//! carries the client to a sale the gate would refuse.

use super::suitability::{ClientFacts, client_facts};
use super::{audit, check_version, planner};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::book::sale::{self, GateProduct, GateRefusal, SaleKind};
use banyan_domain::book::{ProductStatus, RiskLevel};
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::plan::{ActionDecision, Allocation, AllocationClass, PlanReason};
use banyan_domain::wealth::suitability::{self as rules, SaleChannel};
use banyan_store::book::ProductRow;
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use banyan_store::wealth::plans::{self as store, ActionRow, PlanRow};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// The book's gate as a plan asks it: the client's facts and rating read once.
pub(crate) struct PlanGate {
    client: ClientFacts,
    rating: Option<String>,
}

impl PlanGate {
    pub async fn read<C: ConnectionTrait>(
        app: &App,
        c: &C,
        cust: &CustomerRow,
    ) -> Result<PlanGate> {
        Ok(PlanGate {
            client: client_facts(app, c, cust).await?,
            rating: crate::figures::rating_of(c, cust).await?,
        })
    }

    /// The highest level the client's valid assessment may buy (none: no valid assessment).
    pub fn ceiling(&self, app: &App) -> Option<RiskLevel> {
        self.client.ceiling(app)
    }

    /// What the gate would refuse of a sale of `p` to the client now — the rating's measures, then
    /// suitability — with the sale's own steps (the recording, the client's confirmation) taken as given at
    /// the sale; none when it would let it through.
    pub fn refuses(&self, app: &App, p: &ProductRow) -> Option<GateRefusal> {
        let gp = GateProduct {
            kind: p.kind,
            risk_level: p.risk_level,
            status: p.status,
            min_amount: p.min_amount,
        };
        for action in app.policy().book.gate.actions(SaleKind::ProductSale, &gp) {
            if let Err(r) = banyan_domain::segments::permits(
                &app.policy().segments,
                self.rating.as_deref(),
                action,
            ) {
                return Some(GateRefusal {
                    action: r.action,
                    rating: r.rating,
                });
            }
        }
        let level = p.risk_level?;
        let f = self.client.facts(level, p, SaleChannel::Branch, true, true);
        let v = rules::decide(&app.policy().wealth, &f);
        v.refused.map(|rule| GateRefusal {
            action: format!("suitability.{}", rule.as_str()),
            rating: match &f.assessment {
                None => "none".to_owned(),
                Some(a) if a.expires_on < f.today => "expired".to_owned(),
                Some(a) => a.level.clone(),
            },
        })
    }
}

/// A product a plan may recommend: on sale, invested (it has an allocation class), let through by the gate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductOption {
    pub code: String,
    pub names: BTreeMap<String, String>,
    pub kind: banyan_domain::book::ProductKind,
    pub risk_level: Option<RiskLevel>,
    pub class: AllocationClass,
    pub currency: String,
    /// Minor units of the product's currency.
    pub min_amount: i64,
}

/// The catalogue's products a plan may recommend to the client now.
pub(crate) fn options(app: &App, gate: &PlanGate, products: &[ProductRow]) -> Vec<ProductOption> {
    products
        .iter()
        .filter(|p| p.status == ProductStatus::OnSale)
        .filter_map(|p| {
            let class = AllocationClass::of_product(p.kind, p.risk_level)?;
            gate.refuses(app, p).is_none().then(|| ProductOption {
                code: p.code.clone(),
                names: p.names.0.clone(),
                kind: p.kind,
                risk_level: p.risk_level,
                class,
                currency: p.currency.as_str().to_owned(),
                min_amount: p.min_amount,
            })
        })
        .collect()
}

/// A new version of the plan: why, and the target (the policy's for the client's level when absent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// `initial` for the first version; an adjustment says why (`market_change`, `life_event`, `revisit`,
    /// `reassessed`).
    pub reason: PlanReason,
    /// What changed (required for an adjustment; at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
    /// Percent by class (`cash`, `deposits`, `fixed_income`, `mixed`, `equity`, `alternatives`), summing to
    /// 100, no class above the client's level.
    #[serde(default)]
    pub target: Option<Allocation>,
}

/// A version of the plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub seq: i32,
    pub reason: PlanReason,
    pub reason_note: Option<String>,
    /// The highest level the client's assessment bought then.
    #[schema(value_type = String)]
    pub ceiling: RiskLevel,
    pub target: Allocation,
    pub created_by: String,
    pub created_at: String,
}

fn name(names: &HashMap<StaffId, String>, id: StaffId) -> Result<String> {
    super::staff_name(names, id, "wealth plan")
}

pub(crate) fn plan_view(names: &HashMap<StaffId, String>, r: &PlanRow) -> Result<PlanView> {
    Ok(PlanView {
        seq: r.seq,
        reason: r.reason,
        reason_note: r.reason_note.clone(),
        ceiling: r.ceiling,
        target: r.target.clone(),
        created_by: name(names, r.created_by)?,
        created_at: crate::fmt_us(r.created_at_us),
    })
}

/// Makes the client's plan or adjusts it (`wealth.plan`, in scope): a new version from the client's valid
/// assessment, the earlier ones kept as its history.
pub async fn make_plan(app: &App, actor: &Actor, customer: Uuid, i: PlanInput) -> Result<PlanView> {
    let note = crate::text::optional_text("note", i.note.as_deref(), 500)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let gate = PlanGate::read(app, &*tx, &cust).await?;
    let Some(ceiling) = gate.ceiling(app) else {
        return Err(AppError::conflict(
            "no_assessment",
            "a plan starts from a valid risk assessment: record the client's questionnaire first",
            json!({}),
        ));
    };
    let last = store::plans(&*tx, cust.id)
        .await?
        .last()
        .map_or(0, |p| p.seq);
    match (last, i.reason, &note) {
        (0, PlanReason::Initial, _) => {}
        (0, _, _) => {
            return Err(AppError::field(
                "reason",
                "initial",
                "the client's first plan is the initial one",
            ));
        }
        (_, PlanReason::Initial, _) => {
            return Err(AppError::field(
                "reason",
                "adjustment",
                "the client has a plan: a new version is an adjustment with its reason",
            ));
        }
        (_, _, None) => {
            return Err(AppError::field(
                "note",
                "required",
                "an adjustment says what changed",
            ));
        }
        _ => {}
    }
    let target = match i.target {
        Some(t) => {
            t.check("target", ceiling).map_err(AppError::Validation)?;
            Allocation(t.0.into_iter().filter(|(_, p)| *p > 0).collect())
        }
        None => app.policy().wealth.target_for(ceiling),
    };
    let r = PlanRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        seq: last + 1,
        reason: i.reason,
        reason_note: note,
        ceiling,
        target,
        created_by: actor.id(),
        created_at_us: now_us(),
    };
    if let Err(e) = store::insert_plan(&*tx, &r).await {
        return Err(if e.is_conflict_on("wealth_plans") {
            AppError::VersionConflict {
                current_version: i64::from(last + 1),
                since: json!([]),
            }
        } else {
            e.into()
        });
    }
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.plan",
        json!({"seq": r.seq, "reason": r.reason.as_str(), "ceiling": ceiling.as_str()}),
    )
    .await?;
    let v = plan_view(&crate::access::names_by_id(app).await?, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// An action to recommend: a product of the catalogue, an amount, and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RecommendationInput)]
pub struct ActionInput {
    /// The product's catalogue code.
    pub product: String,
    /// Minor units of the product's currency (at least its minimum).
    pub amount: i64,
    /// Why it serves the plan (at most 500 characters).
    pub rationale: String,
}

/// A recommended action and the client's answer; `gate` says what the gate would refuse of it now (an
/// assessment run out, a rating changed).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RecommendationView)]
pub struct ActionView {
    pub id: Uuid,
    pub plan_seq: i32,
    pub product: String,
    pub product_names: BTreeMap<String, String>,
    pub risk_level: Option<RiskLevel>,
    pub class: Option<AllocationClass>,
    pub currency: String,
    pub amount: i64,
    pub rationale: String,
    pub decision: ActionDecision,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub gate: Option<GateRefusal>,
    pub version: i32,
    /// An accepted recommendation the client has since bought: the sale the book recorded for it (the
    /// earliest of the same product after the acceptance that no other recommendation took).
    pub carried_out: Option<CarriedOut>,
}

/// The sale that carried out an accepted recommendation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarriedOut {
    /// When the sale was recorded (RFC 3339).
    pub at: String,
    /// Minor units of the product's currency.
    pub amount: i64,
}

pub(crate) fn action_view(
    app: &App,
    names: &HashMap<StaffId, String>,
    gate: &PlanGate,
    p: &ProductRow,
    r: &ActionRow,
) -> Result<ActionView> {
    Ok(ActionView {
        id: r.id,
        plan_seq: r.plan_seq,
        product: p.code.clone(),
        product_names: p.names.0.clone(),
        risk_level: p.risk_level,
        class: AllocationClass::of_product(p.kind, p.risk_level),
        currency: p.currency.as_str().to_owned(),
        amount: r.amount,
        rationale: r.rationale.clone(),
        decision: r.decision,
        decided_by: r.decided_by.map(|s| name(names, s)).transpose()?,
        decided_at: r.decided_at_us.map(crate::fmt_us),
        decision_note: r.decision_note.clone(),
        created_by: name(names, r.created_by)?,
        created_at: crate::fmt_us(r.created_at_us),
        gate: if r.decision.is_open() {
            gate.refuses(app, p)
        } else {
            None
        },
        version: r.version,
        carried_out: None,
    })
}

fn unsuitable(r: &GateRefusal) -> AppError {
    AppError::conflict(
        "unsuitable",
        format!(
            "the book's gate would refuse this product to the client ({}, {})",
            r.action, r.rating
        ),
        json!({"action": r.action, "rating": r.rating}),
    )
}

/// Recommends a product to the client under their plan (`wealth.plan`, in scope): on sale, invested, at
/// least its minimum, and let through by the gate now (else `409 unsuitable` naming the rule).
pub async fn recommend(
    app: &App,
    actor: &Actor,
    customer: Uuid,
    i: ActionInput,
) -> Result<ActionView> {
    let rationale = crate::text::required_text("rationale", &i.rationale, 500)?;
    let tx = app.db.begin_write().await?;
    let (grant, cust) = planner(&*tx, actor, customer).await?;
    let Some(plan) = store::plans(&*tx, cust.id).await?.pop() else {
        return Err(AppError::conflict(
            "no_plan",
            "an action is recommended under the client's plan: make the plan first",
            json!({}),
        ));
    };
    let Some(p) = banyan_store::book::product_by_code(&*tx, i.product.trim()).await? else {
        return Err(AppError::field(
            "product",
            "unknown",
            "no product in the catalogue has this code",
        ));
    };
    let gp = GateProduct {
        kind: p.kind,
        risk_level: p.risk_level,
        status: p.status,
        min_amount: p.min_amount,
    };
    let mut errs = sale::check(SaleKind::ProductSale, &gp, i.amount, None);
    if AllocationClass::of_product(p.kind, p.risk_level).is_none() {
        errs.push(
            "product",
            "not_invested",
            "a plan recommends deposits and investment products",
        );
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let gate = PlanGate::read(app, &*tx, &cust).await?;
    if let Some(r) = gate.refuses(app, &p) {
        return Err(unsuitable(&r));
    }
    let open = store::actions(&*tx, cust.id)
        .await?
        .iter()
        .filter(|a| a.decision.is_open())
        .count();
    if open >= 30 {
        return Err(AppError::conflict(
            "too_many_actions",
            "a client has at most 30 open recommendations; have the client answer some first",
            json!({}),
        ));
    }
    let r = ActionRow {
        id: Uuid::now_v7(),
        customer_id: cust.id,
        plan_seq: plan.seq,
        product_id: p.id,
        amount: i.amount,
        rationale,
        decision: ActionDecision::Proposed,
        decided_by: None,
        decided_at_us: None,
        decision_note: None,
        created_by: actor.id(),
        created_at_us: now_us(),
        version: 1,
    };
    store::insert_action(&*tx, &r).await?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.recommend",
        json!({"product": p.code, "plan_seq": plan.seq}),
    )
    .await?;
    let v = action_view(app, &crate::access::names_by_id(app).await?, &gate, &p, &r)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The client's answer to a recommended action.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionAnswer {
    /// `accepted`, `declined` or `deferred`.
    pub decision: ActionDecision,
    /// What the client said (at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// Records the client's answer (`wealth.plan`, the customer in scope). Acceptance asks the gate again: what
/// it would refuse now is refused (`409 unsuitable`).
pub async fn answer(app: &App, actor: &Actor, id: Uuid, i: ActionAnswer) -> Result<ActionView> {
    let note = crate::text::optional_text("note", i.note.as_deref(), 500)?;
    let tx = app.db.begin_write().await?;
    let old = store::action(&*tx, id).await?.ok_or(AppError::NotFound)?;
    let (grant, cust) = planner(&*tx, actor, old.customer_id.uuid()).await?;
    check_version(old.version, i.version)?;
    let Some(to) = old.decision.answer(i.decision) else {
        return Err(AppError::conflict(
            "invalid_state",
            "the client already answered this recommendation",
            json!({"current_status": old.decision.as_str()}),
        ));
    };
    let p = banyan_store::book::find_product(&*tx, old.product_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("wealth action {id}: product unknown")))?;
    let gate = PlanGate::read(app, &*tx, &cust).await?;
    if to == ActionDecision::Accepted
        && let Some(r) = gate.refuses(app, &p)
    {
        return Err(unsuitable(&r));
    }
    let new = ActionRow {
        decision: to,
        decided_by: Some(actor.id()),
        decided_at_us: Some(now_us()),
        decision_note: note,
        version: old.version + 1,
        ..old.clone()
    };
    super::written(
        store::update_action(&*tx, &new, old.version).await?,
        new.version,
    )?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.answer",
        json!({"product": p.code, "decision": to.as_str()}),
    )
    .await?;
    tx.commit().await?;
    action_view(
        app,
        &crate::access::names_by_id(app).await?,
        &gate,
        &p,
        &new,
    )
}
