//! Demo acquisition: two partner institutions and leads at every stage of the pipeline — new, screened
//! (passed, for the reviewer, and failed), qualified (one by a supervisor's override), visiting, proposal,
//! contract, account application, rejected and lost — captured by the demo managers through the same use
//! cases as the workbench, each carrying the visits and papers of its stage (`demo_visits`, `demo_papers`).

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::acquisition::{LeadInput, LeadWork, PartnerInput, TeamInput, board, leads, work};
use banyan_domain::acquisition::team::DealRole;
use banyan_domain::acquisition::{LawfulBasis, LeadChannel, LeadKind, PartnerKind};

use crate::{demo_papers, demo_visits};

const PEOPLE: [&str; 12] = [
    "林晓雯",
    "陈志强",
    "黄丽娟",
    "周建国",
    "吴婷婷",
    "郑海涛",
    "孙嘉怡",
    "马俊杰",
    "朱慧敏",
    "胡振宇",
    "郭雅琴",
    "何文博",
];
const COMPANIES: [&str; 12] = [
    "江南精工机械有限公司",
    "海川物流股份有限公司",
    "明德软件科技有限公司",
    "绿野农业发展有限公司",
    "华联商贸有限公司",
    "东方新材料科技有限公司",
    "长风建设工程有限公司",
    "金桥国际贸易有限公司",
    "云帆信息技术有限公司",
    "瑞丰食品有限公司",
    "恒信医疗器械有限公司",
    "远航船舶服务有限公司",
];
const INDUSTRIES: [&str; 6] = ["C", "G", "I", "A", "F", "K"];
const GRADES: [&str; 6] = ["AAA", "AA", "A", "BBB", "BB", "B"];

async fn actor(app: &App, name: &str) -> Result<Actor> {
    banyan_app::access::actor_for(app, name)
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// The `i`-th demo lead: people and companies alternate; every third has no credit result; market
/// research leads have no lawful basis for contact.
fn lead(
    i: usize,
    partner: Option<banyan_domain::ids::PartnerId>,
    today: jiff::civil::Date,
) -> LeadInput {
    let corporate = i % 2 == 1;
    let channel = match i % 7 {
        0 => LeadChannel::Branch,
        1 => LeadChannel::TradeFair,
        2 => LeadChannel::Website,
        3 if partner.is_some() => LeadChannel::Partner,
        3 => LeadChannel::SocialMedia,
        4 => LeadChannel::MobileApp,
        5 => LeadChannel::CommunityEvent,
        _ => LeadChannel::MarketResearch,
    };
    let recent = |days: i64| {
        today
            .checked_sub(jiff::Span::new().days(days))
            .unwrap_or(today)
            .to_string()
    };
    let has_credit = i % 3 != 2;
    let wealthy = i.is_multiple_of(4);
    LeadInput {
        kind: Some(if corporate {
            LeadKind::Corporate
        } else {
            LeadKind::Individual
        }),
        name: Some(if corporate {
            COMPANIES[(i / 2) % COMPANIES.len()].to_owned()
        } else {
            PEOPLE[(i / 2) % PEOPLE.len()].to_owned()
        }),
        gender: (!corporate).then(|| {
            if i.is_multiple_of(4) {
                "female"
            } else {
                "male"
            }
            .to_owned()
        }),
        birth_year: (!corporate).then(|| 1965 + i32::try_from(i % 30).unwrap_or(0)),
        mobile: Some(format!("1990001{:04}", i)),
        address: Some(format!("上海市浦东新区张江路 {} 号", 100 + i)),
        industry: corporate.then(|| INDUSTRIES[i % INDUSTRIES.len()].to_owned()),
        business_scope: corporate.then(|| "生产、销售及技术服务".to_owned()),
        employees: corporate.then(|| 20 + i32::try_from(i * 13 % 400).unwrap_or(0)),
        income: Some(if corporate {
            (30_000_000 + (i as i64) * 7_000_000) * 100
        } else if wealthy {
            1_200_000 * 100
        } else {
            (120_000 + (i as i64) * 15_000) * 100
        }),
        assets: Some(if corporate {
            80_000_000 * 100
        } else {
            3_000_000 * 100
        }),
        liabilities: Some(if i % 5 == 3 {
            if corporate {
                90_000_000 * 100
            } else {
                3_600_000 * 100
            }
        } else if corporate {
            25_000_000 * 100
        } else {
            600_000 * 100
        }),
        products_wanted: if corporate {
            vec!["WC-CNY".into(), "PAY-CORP".into()]
        } else if wealthy {
            vec!["WM-R3-1Y".into(), "TD-1Y-CNY".into()]
        } else {
            vec!["DD-CNY".into()]
        },
        expected_return_bp: (!corporate).then_some(300),
        channel: Some(channel),
        partner_id: (channel == LeadChannel::Partner)
            .then_some(partner)
            .flatten(),
        basis: match channel {
            LeadChannel::MarketResearch => None,
            LeadChannel::Partner => Some(LawfulBasis::Contract),
            _ => Some(LawfulBasis::Consent),
        },
        consent_on: (channel != LeadChannel::MarketResearch && channel != LeadChannel::Partner)
            .then(|| recent(3 + (i as i64 % 20))),
        consent_ref: Some(format!("登记表 {:04}", 200 + i)),
        credit_grade: has_credit.then(|| GRADES[i % GRADES.len()].to_owned()),
        credit_source: has_credit.then(|| {
            if corporate {
                "中诚信国际"
            } else {
                "人民银行征信中心"
            }
            .to_owned()
        }),
        credit_on: has_credit.then(|| recent(10 + (i as i64 % 60))),
        note: None,
        ..LeadInput::default()
    }
}

/// Moves a lead as far as `to` steps of the demo's script allow; a step the rules refuse (the model failed
/// it, no lawful basis) ends the walk there, as it would for staff.
async fn walk(app: &App, i: usize, id: banyan_domain::ids::LeadId, owner: &Actor) -> Result<()> {
    let reviewer = actor(app, "reviewer1").await?;
    // The supervisor of the lead's branch lets a failed lead on.
    let supervisor = actor(
        app,
        if owner.branch_code() == Some("BR0002") {
            "supervisor2"
        } else {
            "supervisor1"
        },
    )
    .await?;
    let step = |w: LeadWork| async {
        work::act(app, owner, id, w, None)
            .await
            .map(|_| ())
            .map_err(|e| anyhow!("{e}"))
    };
    let script = i % 12;
    if script < 2 {
        return Ok(()); // new
    }
    step(LeadWork::Screen).await?;
    let view = leads::get(app, owner, id)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let failed = view.outcome == Some(banyan_domain::acquisition::ScreeningOutcome::Fail);
    match script {
        2 | 3 => return Ok(()), // waiting for a reviewer
        9 => {
            return work::act(
                app,
                &reviewer,
                id,
                LeadWork::Reject {
                    reason: Some("poor_credit".into()),
                    note: Some("近两年有多笔逾期".into()),
                },
                None,
            )
            .await
            .map(|_| ())
            .map_err(|e| anyhow!("{e}"));
        }
        _ => {}
    }
    let decided = if failed || script == 11 {
        work::act(
            app,
            &supervisor,
            id,
            LeadWork::Override {
                note: Some("战略合作单位推荐，支行行长同意准入".into()),
            },
            None,
        )
        .await
    } else {
        work::act(
            app,
            &reviewer,
            id,
            LeadWork::Accept {
                note: Some("资料齐全，同意准入".into()),
            },
            None,
        )
        .await
    };
    decided.map_err(|e| anyhow!("{e}"))?;
    if script == 10 {
        return step(LeadWork::Lose {
            reason: Some("competitor".into()),
            note: Some("客户选择了他行的优惠利率".into()),
        })
        .await;
    }
    let advances = match script {
        5 => 1,
        6 => 2,
        7 => 3,
        8 => 4,
        _ => 0,
    };
    let even = (i / 12).is_multiple_of(2);
    for k in 0..advances {
        if view.basis.is_none() {
            return Ok(());
        }
        // A visit planned moves the qualified lead on, its record (the customer wants to go on) the
        // visited one; each later stage's paper comes before the lead moves past it: the proposal agreed,
        // the contract signed.
        match k {
            0 => demo_visits::plan(app, owner, id, 1 + i64::try_from(i % 5)?, even).await?,
            1 => demo_visits::record(app, owner, id).await?,
            2 => demo_papers::propose(app, owner, id, if even { 2 } else { 1 }, true).await?,
            3 => demo_papers::contract(app, owner, &reviewer, id, true, true).await?,
            _ => {}
        }
        if k >= 2 {
            step(LeadWork::Advance { note: None }).await?;
        }
    }
    if view.basis.is_none() {
        return Ok(());
    }
    // Deals of branch BR0001 from the proposal on have their team: ops1 for the account and the service
    // after it, supervisor1 for the products once the contract is drawn.
    if script >= 6 && view.branch_code == "BR0001" {
        let mut parts = vec![(DealRole::Operations, "ops1")];
        if script >= 7 {
            parts.push((DealRole::ProductManager, "supervisor1"));
        }
        for (role, who) in parts {
            let staff = Some(actor(app, who).await?.id());
            banyan_app::acquisition::team::assign(app, owner, id, TeamInput { role, staff }, None)
                .await
                .map_err(|e| anyhow!("demo lead {i}'s team: {e}"))?;
        }
    }
    match script {
        // In negotiation: one or two rounds, not yet agreed.
        6 => demo_papers::propose(app, owner, id, if even { 2 } else { 1 }, false).await?,
        // A contract with the reviewer (odd), or approved and waiting for the signatures (even).
        7 => demo_papers::contract(app, owner, &reviewer, id, even, false).await?,
        // Every other application is reviewed and the lead became a customer draft for review; the rest
        // are still collecting their documents.
        8 if even && view.id_number.is_some() => {
            demo_papers::application(app, owner, &reviewer, id, true, true).await?;
            step(LeadWork::Win {
                note: None,
                custom: Default::default(),
            })
            .await?;
            // The first won lead's customer is verified, its account opened and a product signed; the
            // other's draft waits for its review.
            if i < 12 {
                opened(app, owner, &reviewer, id, i).await?;
            }
        }
        8 => demo_papers::application(app, owner, &reviewer, id, false, false).await?,
        _ => {}
    }
    Ok(())
}

/// A won lead's customer through the registry's review (submitted by its owner, verified by the reviewer),
/// then its account as the core system numbered it and a product the proposal agreed, through the gate.
async fn opened(
    app: &App,
    owner: &Actor,
    reviewer: &Actor,
    id: banyan_domain::ids::LeadId,
    i: usize,
) -> Result<()> {
    use banyan_app::book::sales::SaleInput;
    use banyan_domain::book::sale::SaleKind;
    use banyan_domain::customer::Transition;
    let lead = leads::get(app, owner, id)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let customer = lead
        .customer_id
        .ok_or_else(|| anyhow!("demo lead {i}: won without its customer"))?
        .uuid();
    for (who, t) in [(owner, Transition::Submit), (reviewer, Transition::Verify)] {
        banyan_app::customers::transition(app, who, customer, t, None, None)
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    let (product, kind, amount) = match lead.kind {
        LeadKind::Corporate => ("WC-CNY", SaleKind::LoanApplication, 300_000_000),
        LeadKind::Individual => ("WM-R2-90D", SaleKind::ProductSale, 10_000_000),
    };
    if lead.kind == LeadKind::Individual {
        // A first purchase of a wealth product: the risk questionnaire face to face at the branch first
        // (balanced: R1-R3 products suit).
        let answers = [
            ("horizon", "1_3y"),
            ("experience", "funds"),
            ("loss_tolerance", "up_to_10"),
            ("objective", "steady"),
            ("income_share", "20_50"),
        ]
        .iter()
        .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
        .collect();
        banyan_app::segments::record_assessment(
            app,
            owner,
            customer,
            banyan_app::segments::AssessmentInput {
                answers,
                channel: "branch".into(),
            },
        )
        .await
        .map_err(|e| anyhow!("demo lead {i}: {e}"))?;
    }
    for input in [
        SaleInput {
            kind: SaleKind::AccountOpening,
            product: "DD-CNY".into(),
            amount: 5_000_000,
            note: None,
            account_no: Some(format!("6222{:012}", 310_115_000_000 + i)),
            channel: None,
            recording_ref: None,
            client_confirmation: None,
        },
        SaleInput {
            kind,
            product: product.into(),
            amount,
            note: Some("按约定方案签约".into()),
            account_no: None,
            // In the branch's sales zone, recorded (双录) when the catalogue asks for it.
            channel: None,
            recording_ref: Some(format!("SZ-BR0001-{:06}", 4_100 + i)),
            client_confirmation: None,
        },
    ] {
        banyan_app::acquisition::opening::record_sale(app, owner, id, input)
            .await
            .map_err(|e| anyhow!("demo lead {i}: {e}"))?;
    }
    Ok(())
}

pub async fn demo_leads(app: &App) -> Result<()> {
    let ops = actor(app, "ops1").await?;
    let mut partner = None;
    for (name, kind) in [
        ("张江高科技园区管委会", PartnerKind::Government),
        ("浦东新区工商业联合会", PartnerKind::Association),
    ] {
        let p = board::create_partner(
            app,
            &ops,
            PartnerInput {
                name: Some(name.into()),
                kind: Some(kind),
                branch_code: Some("BR0001".into()),
                note: None,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        partner.get_or_insert(p.id);
    }
    let today = app.today();
    let mut rng = rand::rng();
    let owners = [
        actor(app, "rm1").await?,
        actor(app, "rm2").await?,
        actor(app, "rm3").await?,
    ];
    let (community, joint) = demo_campaigns(app, partner).await?;
    for i in 0..48 {
        let owner = &owners[i % owners.len()];
        let mut input = lead(i, partner, today);
        // Leads of the campaigns' channels name them (the branch's only for its own managers).
        input.campaign_id = match input.channel {
            Some(LeadChannel::CommunityEvent | LeadChannel::Website) => Some(community),
            Some(LeadChannel::Partner) if owner.branch_code() == Some("BR0001") => Some(joint),
            _ => None,
        };
        // Leads near their account opening carry the identifier an account needs.
        if i % 12 == 8 {
            input.id_number = Some(if input.kind == Some(LeadKind::Corporate) {
                crate::demo::credit_code(&mut rng, "310115")
            } else {
                crate::demo::resident_id(&mut rng, "310115", i % 3 == 0)
            });
        }
        let v = leads::create(app, owner, input)
            .await
            .map_err(|e| anyhow!("demo lead {i}: {e}"))?;
        walk(app, i, v.id, owner).await?;
    }
    demo_meeting(app).await?;
    demo_targets(app).await
}

/// This quarter's campaigns: the bank's community campaign (senior1) through community events and the
/// website, and branch BR0001's partnership campaign with the high-tech park (supervisor1).
async fn demo_campaigns(
    app: &App,
    partner: Option<banyan_domain::ids::PartnerId>,
) -> Result<(
    banyan_domain::ids::AcqCampaignId,
    banyan_domain::ids::AcqCampaignId,
)> {
    use banyan_app::acquisition::campaigns::{self, CampaignInput};
    use banyan_domain::acquisition::campaigns::Strategy;
    let today = app.today();
    let q = (today.month() - 1) / 3 * 3 + 1;
    let start = jiff::civil::Date::new(today.year(), q, 1).map_err(|e| anyhow!("{e}"))?;
    let end = start
        .checked_add(jiff::Span::new().months(3))
        .and_then(|d| d.yesterday())
        .map_err(|e| anyhow!("{e}"))?;
    let make = |who: &'static str, input: CampaignInput| async move {
        let a = actor(app, who).await?;
        campaigns::create(app, &a, input)
            .await
            .map(|c| c.id)
            .map_err(|e| anyhow!("demo campaign: {e}"))
    };
    let community = make(
        "senior1",
        CampaignInput {
            name: "社区养老金融季".into(),
            strategy: Some(Strategy::ChannelExpansion),
            kind: Some(LeadKind::Individual),
            segment: Some("社区 50 岁以上居民及其子女，关注养老规划与稳健理财".into()),
            channels: vec![LeadChannel::CommunityEvent, LeadChannel::Website],
            partners: Vec::new(),
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            leads_target: 60,
            won_target: 10,
        },
    )
    .await?;
    let joint = make(
        "supervisor1",
        CampaignInput {
            name: "张江园区科技企业结算合作".into(),
            strategy: Some(Strategy::Partnership),
            kind: Some(LeadKind::Corporate),
            segment: Some("园区内成立 5 年以内的科技型中小企业".into()),
            channels: vec![LeadChannel::Partner],
            partners: partner.into_iter().collect(),
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            leads_target: 20,
            won_target: 4,
        },
    )
    .await?;
    Ok((community, joint))
}

/// Last week's team meeting of branch BR0001 (supervisor1 with the managers and operations): the minutes
/// and three actions, one of them done.
async fn demo_meeting(app: &App) -> Result<()> {
    use banyan_app::acquisition::meetings::{self, ActionInput, MeetingInput};
    let sup = actor(app, "supervisor1").await?;
    let who = |u: &'static str| async move { Ok::<_, anyhow::Error>(actor(app, u).await?.id()) };
    let (rm1, rm2, ops1) = (who("rm1").await?, who("rm2").await?, who("ops1").await?);
    let today = app.today();
    let day = |n: i64| -> Result<String> {
        Ok(today
            .checked_add(jiff::Span::new().days(n))
            .map_err(|e| anyhow!("{e}"))?
            .to_string())
    };
    let held = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 6))
        .map_err(|e| anyhow!("{e}"))?;
    let m = meetings::record(
        app,
        &sup,
        MeetingInput {
            held_at: held.to_string(),
            branch_code: None,
            team: Some("零售一组".into()),
            topic: "拓户周例会：社区活动获客与对公结算方案".into(),
            minutes: "1. 林晓雯等三位客户经社区活动登记，资料齐全，已进入准入评分。\n2. 两家制造企业关注跨境结算时效，产品经理准备结算套餐对比。\n3. 开户资料退回率偏高，运营提醒住址证明须为近三个月。".into(),
            attendees: vec![sup.id(), rm1, rm2, ops1],
            actions: vec![
                ActionInput { what: "整理社区活动登记名单并逐一回访".into(), owner: rm1, due_on: day(1)? },
                ActionInput { what: "准备对公结算套餐与他行报价对比".into(), owner: rm2, due_on: day(5)? },
                ActionInput { what: "更新开户资料清单说明（住址证明时限）".into(), owner: ops1, due_on: day(-2)? },
            ],
        },
    )
    .await
    .map_err(|e| anyhow!("demo meeting: {e}"))?;
    let ops = actor(app, "ops1").await?;
    meetings::done(app, &ops, m.id, m.actions[2].id)
        .await
        .map_err(|e| anyhow!("demo meeting's action: {e}"))?;
    Ok(())
}

/// This quarter's targets: the bank's (senior1), branch BR0001's, its retail team's and rm1's (supervisor1).
async fn demo_targets(app: &App) -> Result<()> {
    use banyan_app::acquisition::targets::{self, TargetInput, TargetQuery};
    use banyan_domain::acquisition::targets::{TargetLevel as L, TargetMetric as M, TargetPeriod};
    let sup = actor(app, "supervisor1").await?;
    let senior = actor(app, "senior1").await?;
    let rm1 = actor(app, "rm1").await?;
    let starts_on = targets::report(app, &sup, TargetQuery::default())
        .await
        .map_err(|e| anyhow!("{e}"))?
        .starts_on;
    let set =
        |who: &Actor, level, branch: Option<&str>, team: Option<&str>, staff, metric, value| {
            let input = TargetInput {
                period: TargetPeriod::Quarter,
                starts_on: starts_on.clone(),
                level,
                branch_code: branch.map(str::to_owned),
                team: team.map(str::to_owned),
                staff,
                metric,
                value,
            };
            let who = who.clone();
            async move {
                targets::set_target(app, &who, input)
                    .await
                    .map(|_| ())
                    .map_err(|e| anyhow!("demo target: {e}"))
            }
        };
    set(&senior, L::Bank, None, None, None, M::LeadsCaptured, 400).await?;
    set(&senior, L::Bank, None, None, None, M::NewCorporate, 30).await?;
    set(&senior, L::Bank, None, None, None, M::NewIndividual, 60).await?;
    // What the quarter's new customers bring (CNY fen): 50 million yuan of deposits, 200 million of loans.
    set(
        &senior,
        L::Bank,
        None,
        None,
        None,
        M::NewDeposits,
        5_000_000_000,
    )
    .await?;
    set(
        &senior,
        L::Bank,
        None,
        None,
        None,
        M::NewLoans,
        20_000_000_000,
    )
    .await?;
    set(
        &sup,
        L::Branch,
        Some("BR0001"),
        None,
        None,
        M::LeadsCaptured,
        120,
    )
    .await?;
    set(
        &sup,
        L::Branch,
        Some("BR0001"),
        None,
        None,
        M::NewIndividual,
        20,
    )
    .await?;
    set(
        &sup,
        L::Team,
        Some("BR0001"),
        Some("零售一组"),
        None,
        M::LeadsQualified,
        40,
    )
    .await?;
    set(
        &sup,
        L::Person,
        None,
        None,
        Some(rm1.id()),
        M::LeadsCaptured,
        50,
    )
    .await?;
    // The market's figures of the quarter (the bank's whole market and BR0001's area) and the shares the
    // bank and the branch aim for: 1.50 % of new individual customers, 2.00 % of new corporate ones.
    set(
        &senior,
        L::Bank,
        None,
        None,
        None,
        M::ShareNewIndividual,
        150,
    )
    .await?;
    set(
        &sup,
        L::Branch,
        Some("BR0001"),
        None,
        None,
        M::ShareNewCorporate,
        200,
    )
    .await?;
    use banyan_app::acquisition::market::{self, MarketInput};
    use banyan_domain::acquisition::targets::MarketMeasure;
    for (who, branch, measure, value) in [
        (&senior, None, MarketMeasure::NewIndividual, 12_000),
        (&senior, None, MarketMeasure::NewCorporate, 2_400),
        (&sup, Some("BR0001"), MarketMeasure::NewCorporate, 350),
    ] {
        let input = MarketInput {
            period: TargetPeriod::Quarter,
            starts_on: starts_on.clone(),
            branch_code: branch.map(str::to_owned),
            measure,
            value,
            source: "人民银行杭州中心支行金融统计（季度）".into(),
        };
        market::set_market(app, who, input)
            .await
            .map_err(|e| anyhow!("demo market figure: {e}"))?;
    }
    Ok(())
}
