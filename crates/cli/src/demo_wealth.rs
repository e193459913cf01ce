//! Demo suitability (issue 17): among rm1's verified individual customers, one assessed online and then at
//! the branch, refused a first purchase without the face-to-face assessment and a product above their level
//! before a suitable one is recorded; one buying the family trust (private, recorded in the sales zone) in
//! its cooling-off; and a client of 65 or more whose R4 fund waits for supervisor1's senior review after
//! being refused without the client's confirmation. Log in as rm1 for the customers' sales, as supervisor1
//! to review, as risk1 or auditor1 for the suitability report.
//!
//! The trust's buyer is planned for (财富规划): a declared picture, three goals, a plan adjusted once with its
//! reason, recommendations the client answered and one still open, a review, and an advisory team — wm1 as
//! investment expert and rm3 of the other branch as tax adviser, who open the page by membership (log in
//! as wm1 or rm3) — with notes and a task; they introduced the first client, who has a picture, a goal and a
//! plan. The managers' KPIs (理财经理考核指标) count these for rm1. One more client, assessed balanced, already
//! holds an R4 fund in the book: a suitability review on their page (需求洞察).

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::book::sales::{SaleInput, record_sale};
use banyan_domain::book::sale::SaleKind;
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use banyan_domain::wealth::suitability::{SaleChannel, age_on};

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

async fn assess(
    app: &App,
    rm: &banyan_app::access::Actor,
    customer: uuid::Uuid,
    aggressive: bool,
    channel: &str,
) -> Result<()> {
    let answers: &[(&str, &str)] = if aggressive {
        &[
            ("horizon", "over_5y"),
            ("experience", "equities"),
            ("loss_tolerance", "over_30"),
            ("objective", "growth"),
            ("income_share", "under_20"),
        ]
    } else {
        &[
            ("horizon", "1_3y"),
            ("experience", "funds"),
            ("loss_tolerance", "up_to_10"),
            ("objective", "steady"),
            ("income_share", "20_50"),
        ]
    };
    banyan_app::segments::record_assessment(
        app,
        rm,
        customer,
        banyan_app::segments::AssessmentInput {
            answers: answers
                .iter()
                .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
                .collect(),
            channel: channel.into(),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

fn sale(product: &str, yuan: i64, channel: SaleChannel) -> SaleInput {
    SaleInput {
        kind: SaleKind::ProductSale,
        product: product.into(),
        amount: yuan * 100,
        note: None,
        account_no: None,
        channel: Some(channel),
        recording_ref: None,
        client_confirmation: None,
    }
}

pub async fn demo_wealth(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    let rm = banyan_app::access::actor_for(app, "rm1")
        .await
        .map_err(err)?;
    let today = app.today();
    let (mut young, mut old) = (Vec::new(), None);
    for id in customers {
        let Ok(c) = banyan_app::customers::get(app, &rm, *id, false).await else {
            continue;
        };
        if c.kind != CustomerKind::Individual || c.status != CustomerStatus::Verified {
            continue;
        }
        let Some(born) = c
            .profile
            .get("birth_date")
            .and_then(|b| b.as_str())
            .and_then(|b| b.parse().ok())
        else {
            continue;
        };
        match age_on(born, today) {
            a if a >= 65 && old.is_none() => old = Some(c.id),
            a if a < 60 && young.len() < 2 => young.push(c.id),
            _ => {}
        }
    }
    if let Some(b) = young.first() {
        assess(app, &rm, *b, false, "online").await?;
        record_sale(app, &rm, *b, sale("WM-R3-1Y", 50_000, SaleChannel::Online))
            .await
            .map_err(err)?;
        assess(app, &rm, *b, false, "branch").await?;
        record_sale(app, &rm, *b, sale("FD-EQ-R4", 20_000, SaleChannel::Online))
            .await
            .map_err(err)?;
        record_sale(
            app,
            &rm,
            *b,
            sale("WM-R2-90D", 100_000, SaleChannel::Online),
        )
        .await
        .map_err(err)?;
    }
    if let Some(a) = young.get(1) {
        assess(app, &rm, *a, true, "branch").await?;
        let mut trust = sale("TR-FAM-R3", 10_000_000, SaleChannel::Branch);
        trust.recording_ref = Some("SZ-BR0001-2026-0815".into());
        record_sale(app, &rm, *a, trust).await.map_err(err)?;
        crate::demo_plans::private_client(app, &rm, *a).await?;
    }
    if let Some(b) = young.first() {
        crate::demo_plans::first_plan(app, &rm, *b).await?;
        if let Some(a) = young.get(1) {
            crate::demo_plans::referral(app, &rm, *a, *b).await?;
        }
    }
    if let Some(o) = old {
        assess(app, &rm, o, true, "branch").await?;
        let mut fund = sale("FD-EQ-R4", 50_000, SaleChannel::Branch);
        fund.recording_ref = Some("SZ-BR0001-2026-0816".into());
        record_sale(app, &rm, o, fund.clone()).await.map_err(err)?;
        fund.client_confirmation = Some("客户签署《高风险产品购买确认书》CF-2026-0042".into());
        fund.recording_ref = Some("SZ-BR0001-2026-0817".into());
        record_sale(app, &rm, o, fund).await.map_err(err)?;
    }
    let picked: Vec<uuid::Uuid> = young.iter().copied().chain(old).collect();
    held_above_appetite(app, &rm, customers, &picked).await?;
    Ok(())
}

/// One more of rm1's verified individuals, assessed balanced (up to R3) online, who already holds an R4 or R5
/// product in the book: the assessment reads the book's suitability rule at once, and the customer's page
/// shows the review (持有产品风险等级高于客户风险承受能力).
async fn held_above_appetite(
    app: &App,
    rm: &banyan_app::access::Actor,
    customers: &[uuid::Uuid],
    picked: &[uuid::Uuid],
) -> Result<()> {
    use banyan_domain::book::RiskLevel;
    for id in customers.iter().filter(|c| !picked.contains(c)) {
        let Ok(c) = banyan_app::customers::get(app, rm, *id, false).await else {
            continue;
        };
        if c.kind != CustomerKind::Individual || c.status != CustomerStatus::Verified {
            continue;
        }
        let book = banyan_app::book::view::customer_book(app, rm, *id)
            .await
            .map_err(err)?;
        if book
            .by_risk
            .iter()
            .any(|r| r.risk_level > RiskLevel::R3 && r.total_cny > 0)
        {
            return assess(app, rm, *id, false, "online").await;
        }
    }
    Ok(())
}
