//! Demo staff performance (issue 18): supervisor1 sets last quarter's acquisition targets of rm1 and rm2,
//! then closes the last quarter's scorecards of BR0001's
//! relationship managers with an assessment (rm1 良好, rm2 称职, each with a comment) — frozen with the
//! policy version — and sets rm1's own target of new customers for the running quarter, whose scorecards
//! stay live; closes rm1's scorecard of last year (优秀) and records the year's bonus (115 % of the standard)
//! and promotion advice (列入晋升考察); proposes the quarter's ranking reward for BR0001's relationship
//! managers, which senior1 approves, and honours rm1 as 拓户之星. Log in as supervisor1 for the branch's
//! scorecards (绩效考核) and 奖励与表彰, as rm1 for one's own.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::performance::{self as perf, CloseInput, PerfTargetInput};
use banyan_domain::performance::{PerfRating, PromotionAdvice, StaffKpi};
use banyan_domain::wealth::kpi::Period;

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

pub async fn demo_performance(app: &App) -> Result<()> {
    // Training first: last quarter's sessions count on the scorecards closed below.
    crate::demo_training::demo_training(app).await?;
    let sup = banyan_app::access::actor_for(app, "supervisor1")
        .await
        .map_err(err)?;
    let now = Period::quarter_of(app.today());
    let last = now.previous();
    let report = perf::scorecards(
        app,
        &sup,
        perf::ScorecardQuery {
            period: Some(last.code()),
            team: None,
        },
    )
    .await
    .map_err(err)?;
    let rm1 = staff_id(app, "rm1").await?;
    last_quarters_targets(app, &sup, last).await?;
    for card in &report.cards {
        let (rating, comment) = if card.staff_id == rm1 {
            (PerfRating::Good, "客户拓展达标，联系计划按时率需继续提升。")
        } else {
            (PerfRating::Adequate, "服务规范，下季度加强新客户拓展。")
        };
        perf::close(
            app,
            &sup,
            card.staff_id,
            CloseInput {
                period: last.code(),
                rating,
                comment: Some(comment.into()),
            },
        )
        .await
        .map_err(err)?;
    }
    rewards(app, &sup, &last.code(), rm1).await?;
    perf::set_target(
        app,
        &sup,
        PerfTargetInput {
            period: now.code(),
            staff_id: rm1,
            kpi: StaffKpi::NewCustomers,
            target_value: 4.0,
        },
    )
    .await
    .map_err(err)?;
    let year = (app.today().year() - 1).to_string();
    perf::close(
        app,
        &sup,
        rm1,
        CloseInput {
            period: year.clone(),
            rating: PerfRating::Excellent,
            comment: Some("全年客户拓展与资产增长突出。".into()),
        },
    )
    .await
    .map_err(err)?;
    perf::decision::decide(
        app,
        &sup,
        rm1,
        perf::decision::DecisionInput {
            period: year,
            bonus_pct: 115,
            promotion: PromotionAdvice::Consider,
            note: Some("年度综合得分居团队首位，列入明年晋升考察。".into()),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Last quarter's acquisition targets of BR0001's relationship managers (set before their cards close, so
/// the closed cards show how many were met): new individual customers and leads captured.
async fn last_quarters_targets(
    app: &App,
    sup: &banyan_app::actor::Actor,
    last: Period,
) -> Result<()> {
    use banyan_app::acquisition::targets::{self, TargetInput};
    use banyan_domain::acquisition::targets::{TargetLevel, TargetMetric, TargetPeriod};
    for (who, metric, value) in [
        ("rm1", TargetMetric::NewIndividual, 2),
        ("rm1", TargetMetric::LeadsCaptured, 8),
        ("rm2", TargetMetric::LeadsCaptured, 6),
    ] {
        let staff = staff_id(app, who).await?;
        targets::set_target(
            app,
            sup,
            TargetInput {
                period: TargetPeriod::Quarter,
                starts_on: last.days().0.to_string(),
                level: TargetLevel::Person,
                branch_code: None,
                team: None,
                staff: Some(staff),
                metric,
                value,
            },
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

/// The quarter's ranking reward over the closed cards, approved by a second person; an honour for rm1.
async fn rewards(
    app: &App,
    sup: &banyan_app::actor::Actor,
    quarter: &str,
    rm1: banyan_domain::ids::StaffId,
) -> Result<()> {
    use banyan_app::performance::rewards as rw;
    let scheme = rw::propose(
        app,
        sup,
        rw::SchemeInput {
            code: "ACQ-STAR".into(),
            name: "拓户专项奖励（季度排名）".into(),
            period: quarter.into(),
            role: banyan_domain::access::Role::RelationshipManager,
            branch_code: None,
            rule: banyan_domain::performance::rewards::RewardRule::Ranking,
            min_composite: None,
            amount_yuan: None,
            rank_amounts_yuan: vec![3000.0, 1500.0],
            pool_yuan: None,
            note: Some("由拓户专项奖励基金列支。".into()),
        },
    )
    .await
    .map_err(err)?;
    let senior = banyan_app::access::actor_for(app, "senior1")
        .await
        .map_err(err)?;
    rw::decide(
        app,
        &senior,
        scheme.id,
        rw::DecideInput {
            approve: true,
            note: Some("同意按排名发放。".into()),
        },
    )
    .await
    .map_err(err)?;
    rw::honour(
        app,
        sup,
        rw::HonourInput {
            staff_id: rm1,
            title: "拓户之星".into(),
            period: quarter.into(),
            reason: Some("本季度新增客户与转化率居团队首位。".into()),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

async fn staff_id(app: &App, username: &str) -> Result<banyan_domain::ids::StaffId> {
    Ok(banyan_app::access::actor_for(app, username)
        .await
        .map_err(err)?
        .id())
}
