//! The client's wealth page: the financial picture (the book's and the declared), the goals and how far the
//! client's assets fund them, the plan in force with its gap and history, the recommended actions (each
//! asked of the gate again), the reviews that draw the trend and when the next is due, and the advisory
//! team with its notes and tasks. Every opening is audited with its basis (scope or team membership).

use super::picture::{
    GoalView, PictureView, ReviewView, Snapshot, cadence_months, goal_view, held, picture_of,
    picture_view, review_view,
};
use super::plans::{
    ActionView, PlanGate, PlanView, ProductOption, action_view, options, plan_view,
};
use super::team::{EntryView, MemberView, entry_view, may_advise, member_view};
use super::{Basis, audit, reader};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::book::RiskLevel;
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::picture::{GoalAmount, GoalStatus, fund};
use banyan_domain::wealth::plan::{AllocationClass, GapLine, gap};
use banyan_store::wealth::plans as pstore;
use banyan_store::wealth::team as tstore;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// Someone a planner may name on the team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvisorOption {
    pub staff_id: StaffId,
    pub name: String,
    #[schema(value_type = String)]
    pub role: banyan_domain::access::Role,
    pub branch_code: Option<String>,
}

/// The client's wealth page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WealthView {
    pub customer_id: Uuid,
    pub customer_no: String,
    pub customer_name: String,
    pub basis: Basis,
    /// The reader plans (writes the picture, the goals, the plan, the team).
    pub can_plan: bool,
    /// The business day of the book's figures.
    #[schema(value_type = Option<String>, format = Date)]
    pub book_as_of: Option<Date>,
    /// Invested with the bank, CNY fen by class.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub with_bank: BTreeMap<AllocationClass, i64>,
    /// Declared invested elsewhere, CNY fen by class.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub declared: BTreeMap<AllocationClass, i64>,
    pub invested: i64,
    pub other_assets: i64,
    pub liabilities: i64,
    pub income: i64,
    pub net_worth: i64,
    pub picture: Option<PictureView>,
    pub goals: Vec<GoalView>,
    /// The level the client's valid assessment buys up to (none: no valid assessment).
    #[schema(value_type = Option<String>)]
    pub ceiling: Option<RiskLevel>,
    /// The target a new plan starts from: the policy's for the client's level (none without a valid
    /// assessment).
    pub default_target: Option<banyan_domain::wealth::plan::Allocation>,
    /// The plan in force, then its earlier versions (newest first).
    pub plan: Option<PlanView>,
    pub history: Vec<PlanView>,
    /// The plan's gap against what the client holds (empty without a plan).
    pub gap: Vec<GapLine>,
    pub actions: Vec<ActionView>,
    /// How far the plan is carried out: the accepted recommendations, and how many of them the client has
    /// bought since (a sale the book recorded).
    pub execution: Execution,
    /// Products the plan may recommend now (a planner's page only).
    pub options: Vec<ProductOption>,
    /// The reviews, the oldest first: the trend.
    pub reviews: Vec<ReviewView>,
    pub cadence_months: u32,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<Date>,
    pub review_due: bool,
    /// The client's manager (a task may be given to them as to a member).
    pub manager_id: Option<StaffId>,
    pub manager: Option<String>,
    pub team: Vec<MemberView>,
    pub entries: Vec<EntryView>,
    /// The customers the client introduced.
    pub referrals: Vec<super::referrals::ReferralView>,
    /// Staff a planner may name on the team (a planner's page only).
    pub advisors: Vec<AdvisorOption>,
}

/// Opens the client's wealth page (a planner in scope, or a member of the team; else not found).
pub async fn open(app: &App, actor: &Actor, customer: Uuid) -> Result<WealthView> {
    let tx = app.db.begin_write().await?;
    let (grant, cust, basis) = reader(&*tx, actor, customer).await?;
    audit(
        app,
        &*tx,
        &grant,
        &cust,
        "wealth.read",
        json!({"read_as": match basis { Basis::Scope => "scope", Basis::Team => "team" }}),
    )
    .await?;
    let c = &*tx;
    let staff = banyan_store::access::list_staff(c).await?;
    let names = crate::access::names_of(&staff);
    let (picture, prow) = picture_of(app, c, cust.id).await?;
    let h = held(app, c, cust.id).await?;
    let snap = Snapshot::of(&h, &picture);
    let invested = snap.invested();
    let invested_total: i64 = invested.values().sum();
    let today = app.today();
    let mut goals = pstore::goals(c, cust.id)
        .await?
        .iter()
        .map(|g| goal_view(&names, g))
        .collect::<Result<Vec<_>>>()?;
    let active: Vec<usize> = (0..goals.len())
        .filter(|i| goals[*i].status == GoalStatus::Active)
        .collect();
    let amounts: Vec<GoalAmount> = active
        .iter()
        .map(|i| GoalAmount {
            target: goals[*i].target_amount,
            due: goals[*i].target_on,
        })
        .collect();
    for (i, f) in active.iter().zip(fund(&amounts, invested_total, today)) {
        goals[*i].funding = Some(f);
    }
    let gate = PlanGate::read(app, c, &cust).await?;
    let mut history = pstore::plans(c, cust.id)
        .await?
        .iter()
        .rev()
        .map(|p| plan_view(&names, p))
        .collect::<Result<Vec<_>>>()?;
    let plan = (!history.is_empty()).then(|| history.remove(0));
    let products: HashMap<Uuid, banyan_store::book::ProductRow> =
        banyan_store::book::all_products(c)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let rows = pstore::actions(c, cust.id).await?;
    let mut actions = rows
        .iter()
        .map(|a| {
            let p = products.get(&a.product_id).ok_or_else(|| {
                AppError::internal(format!("wealth action {}: product unknown", a.id))
            })?;
            action_view(app, &names, &gate, p, a)
        })
        .collect::<Result<Vec<_>>>()?;
    let execution = carried_out(c, cust.id, &rows, &mut actions).await?;
    let can_plan = basis == Basis::Scope;
    let mut catalogue: Vec<_> = products.into_values().collect();
    catalogue.sort_by(|a, b| a.code.cmp(&b.code));
    let reviews = pstore::reviews(c, cust.id)
        .await?
        .iter()
        .map(|r| review_view(app, &names, r))
        .collect::<Result<Vec<_>>>()?;
    let cadence = cadence_months(app, c, &cust).await?;
    let next_review_on = reviews
        .last()
        .and_then(|r| r.reviewed_on.checked_add(i64::from(cadence).months()).ok());
    let team = tstore::team(c, cust.id)
        .await?
        .iter()
        .map(|m| member_view(&names, m))
        .collect::<Result<Vec<_>>>()?;
    let entries = tstore::entries(c, cust.id)
        .await?
        .iter()
        .map(|e| entry_view(app, &names, e))
        .collect::<Result<Vec<_>>>()?;
    let advisors = if can_plan {
        advisor_options(&staff, &names, &team)
    } else {
        Vec::new()
    };
    let v = WealthView {
        customer_id: cust.id.uuid(),
        customer_no: cust.customer_no.clone(),
        customer_name: cust.display_name.clone(),
        basis,
        can_plan,
        book_as_of: h.as_of,
        with_bank: h.book.clone(),
        declared: snap.declared.clone(),
        invested: invested_total,
        other_assets: snap.other_assets,
        liabilities: snap.liabilities,
        income: snap.income,
        net_worth: snap.net_worth(),
        picture: prow
            .as_ref()
            .map(|r| picture_view(&names, picture, r))
            .transpose()?,
        goals,
        ceiling: gate.ceiling(app),
        default_target: gate.ceiling(app).map(|c| app.policy().wealth.target_for(c)),
        gap: plan
            .as_ref()
            .map(|p| gap(&p.target, &invested))
            .unwrap_or_default(),
        plan,
        history,
        actions,
        execution,
        options: if can_plan {
            options(app, &gate, &catalogue)
        } else {
            Vec::new()
        },
        review_due: next_review_on.is_none_or(|d| d <= today),
        reviews,
        cadence_months: cadence,
        next_review_on,
        manager_id: cust.rm_id,
        manager: cust
            .rm_id
            .map(|m| super::staff_name(&names, m, "customer's manager"))
            .transpose()?,
        team,
        entries,
        referrals: super::referrals::of(c, cust.id.uuid()).await?,
        advisors,
    };
    tx.commit().await?;
    Ok(v)
}

fn advisor_options(
    staff: &[banyan_store::access::StaffRow],
    names: &HashMap<StaffId, String>,
    team: &[MemberView],
) -> Vec<AdvisorOption> {
    staff
        .iter()
        .filter(|s| may_advise(s) && !team.iter().any(|m| m.staff_id == s.id))
        .filter_map(|s| {
            Some(AdvisorOption {
                name: names.get(&s.id)?.clone(),
                staff_id: s.id,
                role: s.role,
                branch_code: s.branch_code.clone(),
            })
        })
        .collect()
}

/// The accepted recommendations and how many of them a recorded sale has carried out.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Execution {
    pub accepted: u32,
    pub carried_out: u32,
}

/// Marks each accepted recommendation with the sale that carried it out (the book's recorded sales since
/// the earliest acceptance) and counts them.
async fn carried_out<C: banyan_store::ConnectionTrait>(
    c: &C,
    customer: banyan_domain::ids::CustomerId,
    rows: &[banyan_store::wealth::plans::ActionRow],
    views: &mut [ActionView],
) -> Result<Execution> {
    use banyan_domain::wealth::plan::{Accepted, Sold, carried_out};
    let accepted: Vec<(usize, Accepted<Uuid>)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.decision == banyan_domain::wealth::plan::ActionDecision::Accepted)
        .filter_map(|(i, r)| {
            r.decided_at_us.map(|at| {
                (
                    i,
                    Accepted {
                        product: r.product_id,
                        accepted_at_us: at,
                    },
                )
            })
        })
        .collect();
    let Some(since) = accepted.iter().map(|(_, a)| a.accepted_at_us).min() else {
        return Ok(Execution::default());
    };
    let sold: Vec<Sold<Uuid>> = banyan_store::book::sales::recorded_since(c, customer, since)
        .await?
        .iter()
        .map(|s| Sold {
            product: s.product_id,
            at_us: s.at_us,
            amount: s.amount,
        })
        .collect();
    let only: Vec<Accepted<Uuid>> = accepted.iter().map(|(_, a)| *a).collect();
    let mut done = 0u32;
    for ((i, _), sale) in accepted.iter().zip(carried_out(&only, &sold)) {
        if let (Some(s), Some(v)) = (sale, views.get_mut(*i)) {
            done += 1;
            v.carried_out = Some(super::plans::CarriedOut {
                at: crate::fmt_us(s.at_us),
                amount: s.amount,
            });
        }
    }
    Ok(Execution {
        accepted: u32::try_from(accepted.len()).unwrap_or(u32::MAX),
        carried_out: done,
    })
}
