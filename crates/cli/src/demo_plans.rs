//! Demo wealth plans (issue 17): a private client's whole page — the declared picture, goals, a plan and its
//! adjustment, recommendations and answers, a review, an advisory team with notes and a task — and a first
//! plan for a balanced client.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::wealth::picture::{self, GoalChange, PictureInput, ReviewInput};
use banyan_app::wealth::plans::{self, ActionAnswer, ActionInput, PlanInput};
use banyan_app::wealth::team::{self, EntryInput, MemberInput};
use banyan_domain::wealth::picture::{
    AssetKind, Family, GoalInput, GoalKind, GoalStatus, IncomeKind, LiabilityKind, MaritalStatus,
};
use banyan_domain::wealth::plan::{ActionDecision, Allocation, AllocationClass, PlanReason};
use banyan_domain::wealth::team::{AdvisorRole, EntryKind};
use jiff::civil::Date;
use uuid::Uuid;

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

fn years(app: &App, n: i16) -> Result<Date> {
    let t = app.today();
    Date::new(t.year() + n, t.month(), 1).map_err(|e| anyhow!("{e}"))
}

async fn goal(
    app: &App,
    rm: &Actor,
    c: Uuid,
    kind: GoalKind,
    yuan: i64,
    n: i16,
    note: &str,
) -> Result<Uuid> {
    let g = picture::add_goal(
        app,
        rm,
        c,
        GoalInput {
            kind,
            target_amount: yuan * 100,
            target_on: years(app, n)?,
            note: Some(note.into()),
        },
    )
    .await
    .map_err(err)?;
    Ok(g.id)
}

/// Recommends a product; none when the gate would refuse it to this client (a demo client's rating is drawn
/// at random, and its measures may block high-risk products).
async fn recommend(
    app: &App,
    rm: &Actor,
    c: Uuid,
    product: &str,
    yuan: i64,
    why: &str,
) -> Result<Option<Uuid>> {
    let a = match plans::recommend(
        app,
        rm,
        c,
        ActionInput {
            product: product.into(),
            amount: yuan * 100,
            rationale: why.into(),
        },
    )
    .await
    {
        Ok(a) => a,
        Err(e) if e.refusal_code() == Some("unsuitable") => return Ok(None),
        Err(e) => return Err(err(e)),
    };
    Ok(Some(a.id))
}

async fn answer(
    app: &App,
    rm: &Actor,
    id: Option<Uuid>,
    d: ActionDecision,
    note: &str,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    plans::answer(
        app,
        rm,
        id,
        ActionAnswer {
            decision: d,
            note: Some(note.into()),
            version: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The private client (aggressive, bought the family trust): everything the wealth page shows.
pub async fn private_client(app: &App, rm: &Actor, c: Uuid) -> Result<()> {
    picture::save_picture(
        app,
        rm,
        c,
        PictureInput {
            assets: [
                (AssetKind::Deposits, 80_000_000),
                (AssetKind::Stocks, 120_000_000),
                (AssetKind::Funds, 30_000_000),
                (AssetKind::Property, 1_200_000_000),
                (AssetKind::Business, 500_000_000),
            ]
            .into(),
            liabilities: [(LiabilityKind::Mortgage, 300_000_000)].into(),
            income: [
                (IncomeKind::BusinessIncome, 150_000_000),
                (IncomeKind::Investment, 20_000_000),
            ]
            .into(),
            family: Family {
                marital: Some(MaritalStatus::Married),
                dependants: 3,
                note: Some("两个孩子在读中学，父亲同住".into()),
            },
            version: None,
        },
    )
    .await
    .map_err(err)?;
    goal(
        app,
        rm,
        c,
        GoalKind::Education,
        1_500_000,
        4,
        "两个孩子出国读本科",
    )
    .await?;
    goal(
        app,
        rm,
        c,
        GoalKind::Retirement,
        8_000_000,
        15,
        "60 岁退休，维持现有生活水平",
    )
    .await?;
    let house = goal(
        app,
        rm,
        c,
        GoalKind::Housing,
        3_000_000,
        2,
        "为父母在老家购房",
    )
    .await?;
    picture::change_goal(
        app,
        rm,
        house,
        GoalChange {
            status: GoalStatus::Dropped,
            version: None,
        },
    )
    .await
    .map_err(err)?;
    plans::make_plan(
        app,
        rm,
        c,
        PlanInput {
            reason: PlanReason::Initial,
            note: None,
            target: None,
        },
    )
    .await
    .map_err(err)?;
    let bond = recommend(app, rm, c, "WM-R2-90D", 500_000, "补足子女教育金的稳健部分").await?;
    answer(
        app,
        rm,
        bond,
        ActionDecision::Accepted,
        "同意，下周到网点办理",
    )
    .await?;
    // The client buys it online: the recommendation is carried out (a gate that now refuses it leaves it
    // waiting, as it would at the bank).
    if bond.is_some() {
        let sale = banyan_app::book::sales::SaleInput {
            kind: banyan_domain::book::sale::SaleKind::ProductSale,
            product: "WM-R2-90D".into(),
            amount: 500_000 * 100,
            note: None,
            account_no: None,
            channel: Some(banyan_domain::wealth::suitability::SaleChannel::Online),
            recording_ref: None,
            client_confirmation: None,
        };
        banyan_app::book::sales::record_sale(app, rm, c, sale)
            .await
            .map_err(err)?;
    }
    let fund = recommend(app, rm, c, "FD-EQ-R4", 300_000, "权益配置低于目标").await?;
    answer(
        app,
        rm,
        fund,
        ActionDecision::Deferred,
        "等年底奖金到账再定",
    )
    .await?;
    plans::make_plan(
        app,
        rm,
        c,
        PlanInput {
            reason: PlanReason::LifeEvent,
            note: Some("父亲同住后医疗支出增加，提高现金与固收比例".into()),
            target: Some(Allocation(
                [
                    (AllocationClass::Cash, 10),
                    (AllocationClass::Deposits, 15),
                    (AllocationClass::FixedIncome, 35),
                    (AllocationClass::Mixed, 20),
                    (AllocationClass::Equity, 15),
                    (AllocationClass::Alternatives, 5),
                ]
                .into(),
            )),
        },
    )
    .await
    .map_err(err)?;
    recommend(app, rm, c, "WM-R3-1Y", 200_000, "调整后混合类仍有缺口").await?;
    picture::add_review(
        app,
        rm,
        c,
        ReviewInput {
            note: Some("季度回访：客户关注子女留学费用，家族信托已进入冷静期".into()),
        },
    )
    .await
    .map_err(err)?;
    let wm1 = banyan_app::access::actor_for(app, "wm1")
        .await
        .map_err(err)?;
    let rm3 = banyan_app::access::actor_for(app, "rm3")
        .await
        .map_err(err)?;
    for (who, role) in [
        (&wm1, AdvisorRole::InvestmentExpert),
        (&rm3, AdvisorRole::TaxAdviser),
    ] {
        team::add_member(
            app,
            rm,
            c,
            MemberInput {
                staff: who.id(),
                role,
            },
        )
        .await
        .map_err(err)?;
    }
    let note = |body: &str| EntryInput {
        kind: EntryKind::Note,
        body: body.into(),
        assignee: None,
        due_on: None,
    };
    team::add_entry(
        app,
        &rm3,
        c,
        note("境外教育金汇出需关注个人年度便利化额度，建议分年安排"),
    )
    .await
    .map_err(err)?;
    team::add_entry(
        app,
        rm,
        c,
        EntryInput {
            kind: EntryKind::Task,
            body: "准备权益类基金组合的回撤分析，年底回访时与客户讨论".into(),
            assignee: Some(wm1.id()),
            due_on: Some(
                years(app, 0)?
                    .checked_add(jiff::Span::new().months(1))
                    .map_err(|e| anyhow!("{e}"))?,
            ),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The balanced client's first plan: a picture, a goal, the policy's target for R3.
pub async fn first_plan(app: &App, rm: &Actor, c: Uuid) -> Result<()> {
    picture::save_picture(
        app,
        rm,
        c,
        PictureInput {
            assets: [(AssetKind::Cash, 5_000_000), (AssetKind::Funds, 10_000_000)].into(),
            liabilities: [(LiabilityKind::CarLoan, 8_000_000)].into(),
            income: [(IncomeKind::Salary, 36_000_000)].into(),
            family: Family {
                marital: Some(MaritalStatus::Single),
                dependants: 0,
                note: None,
            },
            version: None,
        },
    )
    .await
    .map_err(err)?;
    goal(app, rm, c, GoalKind::Housing, 1_000_000, 5, "首套房首付").await?;
    plans::make_plan(
        app,
        rm,
        c,
        PlanInput {
            reason: PlanReason::Initial,
            note: None,
            target: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// `by` introduced `whom` (the referral rate of rm1's KPIs counts it).
pub async fn referral(app: &App, rm: &Actor, by: Uuid, whom: Uuid) -> Result<()> {
    let no = banyan_app::customers::get(app, rm, whom, false)
        .await
        .map_err(err)?
        .customer_no;
    banyan_app::wealth::referrals::record(
        app,
        rm,
        by,
        banyan_app::wealth::referrals::ReferralInput {
            introduced: no,
            note: Some("同一公司的同事".into()),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}
