//! Demo data: staff for every role and realistic customers (Chinese names, valid resident IDs and credit
//! codes), spread over branches and relationship managers, some of them verified by a reviewer.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::{Actor, NewStaff};
use banyan_domain::access::Role;
use banyan_domain::customer::{CustomerInput, Transition};
use banyan_domain::ident::{CreditCode, ResidentId};
use banyan_domain::segments::Metrics;
use rand::Rng;
use serde_json::json;

/// The demo password of every demo account (printed; never use demo mode for real data).
pub const DEMO_PASSWORD: &str = "banyan-demo-2026";

/// Demo staff: username, role, branch, team (coverage), department (feedback queues).
type DemoStaff = (
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const STAFF: &[DemoStaff] = &[
    ("admin", Role::Admin, None, None, None),
    (
        "rm1",
        Role::RelationshipManager,
        Some("BR0001"),
        Some("零售一组"),
        Some("retail"),
    ),
    (
        "rm2",
        Role::RelationshipManager,
        Some("BR0001"),
        Some("零售二组"),
        Some("retail"),
    ),
    (
        "rm3",
        Role::RelationshipManager,
        Some("BR0002"),
        Some("公司一组"),
        Some("corporate"),
    ),
    (
        "wm1",
        Role::WealthManager,
        Some("BR0001"),
        Some("财富一组"),
        Some("wealth"),
    ),
    (
        "cs1",
        Role::CustomerService,
        Some("BR0001"),
        None,
        Some("service"),
    ),
    ("risk1", Role::RiskOfficer, None, None, Some("risk")),
    (
        "ops1",
        Role::Operations,
        Some("BR0001"),
        None,
        Some("operations"),
    ),
    ("reviewer1", Role::Reviewer, None, None, None),
    ("reviewer2", Role::Reviewer, None, None, None),
    (
        "supervisor1",
        Role::Supervisor,
        Some("BR0001"),
        None,
        Some("service"),
    ),
    (
        "supervisor2",
        Role::Supervisor,
        Some("BR0002"),
        None,
        Some("corporate"),
    ),
    ("auditor1", Role::Auditor, None, None, None),
    ("senior1", Role::SeniorManager, None, None, None),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "建国", "晓燕", "子涵", "浩然",
    "欣怡",
];
const AREAS: &[(&str, &str)] = &[
    ("110105", "北京市朝阳区"),
    ("310104", "上海市徐汇区"),
    ("440305", "深圳市南山区"),
    ("330106", "杭州市西湖区"),
    ("510107", "成都市武侯区"),
];
const STREETS: &[&str] = &[
    "建国路",
    "人民路",
    "中山路",
    "解放路",
    "和平街",
    "科技园路",
    "滨江大道",
];
const OCCUPATIONS: &[&str] = &[
    "教师",
    "工程师",
    "医生",
    "会计",
    "个体经营",
    "公务员",
    "退休",
    "销售经理",
];
/// The two halves of a trade name (字号): 24 × 24 names, so that a demo's companies rarely share one.
const COMPANIES: &[&str] = &[
    "华", "宏", "鼎", "恒", "瑞", "金", "德", "天", "嘉", "永", "博", "兴", "盛", "安", "远", "泰",
    "信", "达", "丰", "润", "成", "通", "隆", "昌",
];
const TRADES: &[(&str, &str)] = &[
    ("科技", "I"),
    ("贸易", "F"),
    ("制造", "C"),
    ("建筑", "E"),
    ("物流", "G"),
];

pub(crate) fn resident_id(rng: &mut impl Rng, area: &str, male: bool) -> String {
    let year = rng.random_range(1950..=2004);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let mut seq = rng.random_range(0..1000);
    if (seq % 2 == 1) != male {
        seq = (seq + 1) % 1000;
    }
    let body = format!("{area}{year:04}{month:02}{day:02}{seq:03}");
    let check = ResidentId::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

pub(crate) fn credit_code(rng: &mut impl Rng, area: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let org: String = (0..9)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let body = format!("91{area}{org}");
    let check = CreditCode::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn individual(rng: &mut impl Rng, branch: &str, n: usize) -> CustomerInput {
    let male = rng.random_bool(0.5);
    let name = format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    );
    let (code, city) = AREAS[rng.random_range(0..AREAS.len())];
    let mobile = format!(
        "13{}{:08}",
        rng.random_range(0..10),
        10_000_000 + n * 7919 % 89_999_999
    );
    let v = json!({
        "kind": "individual",
        "branch_code": branch,
        "individual": {
            "name_zh": name,
            "nationality": "CN",
            "id_type": "resident_id",
            "id_number": resident_id(rng, code, male),
            "occupation": OCCUPATIONS[rng.random_range(0..OCCUPATIONS.len())],
            "income_band": (["lt50k", "from50k_to100k", "from100k_to300k", "from300k_to1m", "gte1m"][rng.random_range(0..5)]),
            "family_status": (["single", "married", "married", "divorced"][rng.random_range(0..4)]),
        },
        "contacts": [
            {"kind": "mobile", "value": mobile},
            {"kind": "email", "value": format!("customer{n}@example.cn")},
            {"kind": "address", "value": format!("{city}{}{}号", STREETS[rng.random_range(0..STREETS.len())], rng.random_range(1..300))}
        ],
        "preferred_channel": (["sms", "phone", "wechat", "app"][rng.random_range(0..4)]),
        "consents": [{"channel": "sms", "granted": rng.random_bool(0.7), "source": "branch_form"}],
    });
    serde_json::from_value(v).unwrap_or_else(|e| panic!("demo individual is malformed: {e}"))
}

fn corporate(rng: &mut impl Rng, branch: &str) -> CustomerInput {
    let (code, city) = AREAS[rng.random_range(0..AREAS.len())];
    let (trade, section) = TRADES[rng.random_range(0..TRADES.len())];
    let brand = |rng: &mut dyn rand::RngCore| COMPANIES[rng.random_range(0..COMPANIES.len())];
    let (first, mut second) = (brand(rng), brand(rng));
    while second == first {
        second = brand(rng);
    }
    let name = format!("{}{first}{second}{trade}有限公司", &city[..9]);
    let employees = rng.random_range(5..2000);
    let v = json!({
        "kind": "corporate",
        "branch_code": branch,
        "organization": {
            "registered_name": name,
            "credit_code": credit_code(rng, code),
            "legal_form": "limited_liability",
            "industry": section,
            "employees": employees,
            "annual_revenue": {"minor": rng.random_range(1_000_000i64..5_000_000_000) * 100, "currency": "CNY"},
            "total_assets": {"minor": rng.random_range(1_000_000i64..9_000_000_000) * 100, "currency": "CNY"},
            "legal_representative": format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]),
        },
        "contacts": [{"kind": "address", "value": format!("{city}{}{}号", STREETS[rng.random_range(0..STREETS.len())], rng.random_range(1..300)), "label": "注册地址"}],
        "preferred_channel": "visit",
    });
    serde_json::from_value(v).unwrap_or_else(|e| panic!("demo corporate is malformed: {e}"))
}

/// Plausible metrics: most customers modest, some wealthy, a few with overdue loans or heavy debts.
fn demo_metrics(rng: &mut impl rand::Rng, today: jiff::civil::Date, i: usize) -> Metrics {
    let wealth: i64 = match i % 10 {
        0 => rng.random_range(6_000_000..20_000_000),
        1 | 2 => rng.random_range(2_000_000..6_000_000),
        3..=5 => rng.random_range(500_000..2_000_000),
        _ => rng.random_range(5_000..500_000),
    };
    let yuan = |v: i64| v * 100;
    let deposits = wealth * rng.random_range(30..80) / 100;
    let income = rng.random_range(80_000..800_000);
    let risky = i % 7 == 3;
    Metrics {
        as_of: today.yesterday().unwrap_or(today),
        assets: [
            ("deposits".to_owned(), yuan(deposits)),
            ("wealth_products".to_owned(), yuan(wealth - deposits)),
        ]
        .into_iter()
        .collect(),
        avg_deposits: yuan(deposits),
        loans: yuan(if risky {
            income * 3
        } else {
            rng.random_range(0..200_000)
        }),
        fee_income: yuan(wealth / 2_000),
        contribution: yuan(wealth / 200),
        investment_count: u32::try_from(wealth / 400_000).unwrap_or(30).min(30),
        transactions_90d: rng.random_range(0..60),
        product_count: rng.random_range(1..6),
        overdue_count: if risky { rng.random_range(1..5) } else { 0 },
        income: yuan(income),
        income_unstable: i % 11 == 5,
        debts: yuan(if risky { income } else { income / 5 }),
        qualitative_points: rng.random_range(0..8),
        ..Default::default()
    }
}

/// Creates the demo staff (if missing) and `customers` customers; prints the sign-in details.
/// What the sign-in page of a demonstration shows: every demo account and the shared password.
pub fn login() -> banyan_web::DemoLogin {
    banyan_web::DemoLogin {
        password: DEMO_PASSWORD.to_owned(),
        accounts: STAFF
            .iter()
            .map(|(u, role, ..)| ((*u).to_owned(), role.as_str().to_owned()))
            .collect(),
    }
}

pub async fn seed(app: &App, customers: usize) -> Result<()> {
    let system = Actor::system("demo");
    let existing = banyan_app::access::list_staff(app, &system)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let fresh = existing.is_empty();
    if fresh {
        for (u, role, branch, team, department) in STAFF {
            banyan_app::access::add_staff(
                app,
                &system,
                NewStaff {
                    username: (*u).to_owned(),
                    display_name: None,
                    role: *role,
                    branch_code: branch.map(str::to_owned),
                    team: team.map(str::to_owned),
                    department: department.map(str::to_owned),
                    password: DEMO_PASSWORD.to_owned(),
                },
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
        }
        demo_service_accounts(app, &system).await?;
    }
    if fresh && customers > 0 {
        let mut rng = rand::rng();
        // Relationship managers register customers (wealth managers cannot create them).
        let makers = [("rm1", "BR0001"), ("rm2", "BR0001"), ("rm3", "BR0002")];
        let reviewer = banyan_app::access::actor_for(app, "reviewer1")
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let mut made = 0;
        let mut round = 0;
        let mut some: Vec<uuid::Uuid> = Vec::new();
        while made < customers {
            let (maker, branch) = makers[round % makers.len()];
            let actor = banyan_app::access::actor_for(app, maker)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let take = (customers - made).min(50);
            let inputs: Vec<CustomerInput> = (0..take)
                .map(|i| {
                    let n = made + i;
                    if n % 5 == 4 {
                        corporate(&mut rng, branch)
                    } else {
                        individual(&mut rng, branch, n)
                    }
                })
                .collect();
            let res = banyan_app::customers::create_batch(app, &actor, inputs)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            for item in res.items.iter() {
                let Some(id) = item.id else { continue };
                if some.len() < 200 {
                    some.push(id);
                }
                // Two in three go to review; half of those are verified, so every state is on show.
                if item.index % 3 != 2 {
                    banyan_app::customers::transition(
                        app,
                        &actor,
                        id,
                        Transition::Submit,
                        None,
                        None,
                    )
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                    if item.index % 2 == 0 {
                        banyan_app::customers::transition(
                            app,
                            &reviewer,
                            id,
                            Transition::Verify,
                            None,
                            None,
                        )
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                    }
                }
            }
            // Metrics for every created customer, so segments, ratings and alerts are on show.
            let today = app.today();
            let metrics: Vec<banyan_app::segments::MetricsInput> = res
                .items
                .iter()
                .filter_map(|item| item.id.map(|id| (id, item.index)))
                .map(|(id, i)| banyan_app::segments::MetricsInput {
                    customer: id.to_string(),
                    metrics: demo_metrics(&mut rng, today, i),
                })
                .collect();
            let ops = banyan_app::access::actor_for(app, "risk1")
                .await
                .map_err(|e| anyhow!("{e}"))?;
            banyan_app::segments::record_metrics(app, &ops, metrics)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            made += res.created.max(1);
            round += 1;
        }
        demo_cases(app, &some, &mut rng).await?;
        demo_calendar(app, &some).await?;
        demo_wealth_book(app, &some).await?;
        demo_campaigns(app).await?;
        demo_contacts(app, &some).await?;
        crate::demo_book::demo_book(app, &some).await?;
        crate::demo_leads::demo_leads(app).await?;
        crate::demo_risk::demo_risk(app).await?;
        crate::demo_import::demo_import(app).await?;
        crate::demo_survey::demo_survey(app).await?;
        crate::demo_care::demo_care(app, &some).await?;
        crate::demo_wealth::demo_wealth(app, &some).await?;
        crate::demo_performance::demo_performance(app).await?;
        crate::demo_merge::demo_duplicates(app).await?;
        crate::demo_rights::demo_rights(app, &some).await?;
    }
    banyan_app::audit::seal_pending(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!();
    println!("Demo staff (password for every account: {DEMO_PASSWORD}):");
    for (u, role, branch, _, _) in STAFF {
        println!(
            "  {:<12} {:<22} {}",
            u,
            role.as_str(),
            branch.unwrap_or("all branches")
        );
    }
    if !fresh {
        println!("(demo data already present: nothing added)");
    }
    Ok(())
}

/// The bank's other systems: as service accounts — the core system's feed (from this machine, so a
/// demonstration can call the API with a token an administrator rotates on the page), the call-centre's
/// network, and a branch's data mart narrowed to its branch. Their first tokens are not kept.
async fn demo_service_accounts(app: &App, system: &Actor) -> Result<()> {
    use banyan_app::access::service::{self, NewServiceAccount};
    use banyan_domain::access::Role;
    let accounts = [
        (
            "core-feed",
            "核心系统数据馈送",
            Role::CoreFeed,
            None,
            vec!["127.0.0.1", "::1"],
            90,
        ),
        (
            "call-centre",
            "95xxx 客服中心",
            Role::CallCentre,
            None,
            vec!["10.20.0.0/16"],
            180,
        ),
        (
            "mart-br2",
            "二分行数据集市",
            Role::DataWarehouse,
            Some("BR0002"),
            vec!["10.30.1.15"],
            30,
        ),
    ];
    for (username, name, role, branch, sources, days) in accounts {
        service::create(
            app,
            system,
            NewServiceAccount {
                username: username.to_owned(),
                display_name: name.to_owned(),
                role,
                branch_code: branch.map(str::to_owned),
                allowed_sources: sources.into_iter().map(str::to_owned).collect(),
                token_days: days,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    }
    // A subscription whose receiver is not running in a demonstration: its page shows a failing delivery
    // waiting for its retry, and pausing, resuming and sending again can be tried.
    banyan_app::outbound::webhooks::create(
        app,
        system,
        "数据仓库（演示：接收方未运行）",
        "http://127.0.0.1:9/banyan/events",
        &[
            "customer.created".to_owned(),
            "customer.verified".to_owned(),
            "case.registered".to_owned(),
        ],
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// Open cases at the stages staff meet: one waiting on another department's task, one paused for an
/// appraisal, one whose regulatory deadline was extended (supervisor1 approves those two), one moved to the
/// wealth department; the others wait (and escalate by age).
async fn open_case_stage(app: &App, i: usize, id: banyan_domain::ids::CaseId) -> Result<()> {
    use banyan_app::cases::CaseAction;
    let action = match i {
        3 => CaseAction::Task {
            department: "operations".into(),
            owner: None,
            title: "核对当日汇款处理记录".into(),
            due: app
                .today()
                .checked_add(jiff::Span::new().days(3))
                .map_err(|e| anyhow!("{e}"))?
                .to_string(),
        },
        6 => CaseAction::Pause {
            reason: "等待第三方司法鉴定结果".into(),
        },
        12 => CaseAction::Extend {
            reason: "需调取多家分行录音，情况复杂".into(),
            customer_notified: false,
        },
        18 => CaseAction::Assign {
            department: "wealth".into(),
            owner: None,
        },
        _ => return Ok(()),
    };
    let who = if matches!(i, 6 | 12) {
        "supervisor1"
    } else {
        "cs1"
    };
    let actor = banyan_app::access::actor_for(app, who)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    banyan_app::cases::act(app, &actor, id, action, None)
        .await
        .map_err(|e| anyhow!("demo case stage {i}: {e}"))?;
    Ok(())
}

/// A year of contact history, so that the first morning has contacts due today, overdue and later this
/// month, and the coverage report (this month by default) has done and open tasks: every verified
/// customer is planned; of every three, one is given its last contact a cycle ago (so its next falls near
/// today), and of those, some were contacted again this morning.
async fn demo_contacts(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    banyan_app::engagement::plan_all(app, |_, _| {})
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let today = app.today();
    let mut rms = Vec::new();
    for u in ["rm1", "rm2", "rm3"] {
        rms.push(
            banyan_app::access::actor_for(app, u)
                .await
                .map_err(|e| anyhow!("{e}"))?,
        );
    }
    // Days from today the next contact falls due: some overdue, some today, most later this month.
    const OFFSETS: [i64; 10] = [-12, -4, 0, 0, 2, 5, 8, 13, 19, 26];
    let mut n = 0usize;
    for id in customers.iter().step_by(3) {
        for rm in &rms {
            let Ok(tasks) = banyan_app::engagement::customer_tasks(app, rm, *id).await else {
                continue; // another manager's customer
            };
            let Some(due) = tasks
                .iter()
                .find(|t| t.kind == "contact" && t.status == "open")
                .and_then(|t| t.due_on.parse::<jiff::civil::Date>().ok())
            else {
                break;
            };
            // The plan's cycle, in months: the task is due one cycle after today (planned from now).
            let months = today
                .until((jiff::Unit::Month, due))
                .map_err(|e| anyhow!("{e}"))?
                .get_months();
            let offset = OFFSETS[n % OFFSETS.len()];
            let last = today
                .checked_sub(jiff::Span::new().months(months))
                .and_then(|d| d.checked_add(jiff::Span::new().days(offset)))
                .map_err(|e| anyhow!("{e}"))?;
            let at = |d: jiff::civil::Date, h: i8| -> Result<String> {
                Ok(d.at(h, 0, 0, 0)
                    .to_zoned(app.tz.clone())
                    .map_err(|e| anyhow!("{e}"))?
                    .timestamp()
                    .to_string())
            };
            let contact = |when: String, outcome: &str, method: &str| {
                banyan_app::engagement::InteractionInput {
                    method: method.to_owned(),
                    occurred_at: Some(when),
                    outcome: outcome.to_owned(),
                    needs: None,
                    satisfaction: Some(4),
                    next_step: None,
                    task_id: None,
                }
            };
            banyan_app::engagement::log_interaction(
                app,
                rm,
                *id,
                contact(at(last, 10)?, "电话回访，客户对现有产品满意", "call"),
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
            // One in four of those due this month were already reached this morning.
            if n % 4 == 1 && offset >= 0 {
                let now = jiff::Timestamp::now().to_string();
                banyan_app::engagement::log_interaction(
                    app,
                    rm,
                    *id,
                    contact(now, "网点面谈，介绍了新发行的理财产品", "meeting"),
                )
                .await
                .map_err(|e| anyhow!("{e}"))?;
            }
            // What customers said at a contact, for the insights read from contacts: one mentions a child's
            // studies abroad (a possible cross-border need), one rated two recent contacts 2 (a caring
            // follow-up).
            let days_ago = |d: i64| {
                today
                    .checked_sub(jiff::Span::new().days(d))
                    .map_err(|e| anyhow!("{e}"))
            };
            let said: Vec<(i64, &str, Option<&str>, i32)> = match n {
                2 => vec![(
                    2,
                    "电话回访，客户提到家庭安排",
                    Some("孩子明年出国留学，想了解换汇和境外汇款"),
                    5,
                )],
                5 => vec![
                    (20, "电话回访，客户对理财收益不满意", None, 2),
                    (6, "网点面谈，客户反映排队时间长", None, 2),
                ],
                _ => Vec::new(),
            };
            for (ago, outcome, needs, rating) in said {
                let input = banyan_app::engagement::InteractionInput {
                    needs: needs.map(str::to_owned),
                    satisfaction: Some(rating),
                    ..contact(at(days_ago(ago)?, 15)?, outcome, "call")
                };
                banyan_app::engagement::log_interaction(app, rm, *id, input)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
            }
            n += 1;
            break;
        }
    }
    Ok(())
}

/// Content pushes in every state a newcomer meets: one sent by operations to the branch, one rm1 scheduled
/// for next Saturday morning, and one rm1 asked a supervisor to approve (supervisor1 sees it waiting).
async fn demo_campaigns(app: &App) -> Result<()> {
    let as_ = |u: &'static str| async move {
        banyan_app::access::actor_for(app, u)
            .await
            .map_err(|e| anyhow!("{e}"))
    };
    let text = |zh: &str, tw: &str, en: &str| {
        std::collections::BTreeMap::from([
            ("zh-CN".to_owned(), zh.to_owned()),
            ("zh-TW".to_owned(), tw.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ])
    };
    let today = app.today();
    let saturday = (1..=7)
        .filter_map(|d| today.checked_add(jiff::Span::new().days(d)).ok())
        .find(|d| d.weekday() == jiff::civil::Weekday::Saturday)
        .ok_or_else(|| anyhow!("no Saturday in the next week"))?
        .at(9, 30, 0, 0)
        .to_zoned(app.tz.clone())
        .map_err(|e| anyhow!("{e}"))?
        .timestamp()
        .to_string();
    let pushes = [
        (
            "ops1",
            "2026年存款利率调整说明",
            None,
            false,
            text(
                "{name}{honorific}您好：本行自下月起调整人民币存款挂牌利率，详情请咨询您的客户经理。",
                "{name}{honorific}您好：本行自下月起調整人民幣存款掛牌利率，詳情請諮詢您的客戶經理。",
                "Dear {honorific}{name}, our deposit rates change from next month; your relationship manager can tell you more.",
            ),
        ),
        (
            "rm1",
            "周六理财讲座邀请",
            Some(saturday),
            false,
            text(
                "{name}{honorific}您好：本周六上午在网点举办养老理财讲座，欢迎您参加。",
                "{name}{honorific}您好：本週六上午在網點舉辦養老理財講座，歡迎您參加。",
                "Dear {honorific}{name}, join our retirement planning talk at the branch this Saturday morning.",
            ),
        ),
        (
            "rm1",
            "{tier}客户专属新品预约",
            None,
            true,
            text(
                "{name}{honorific}您好：作为{tier}客户，您可优先预约本月新发理财产品。",
                "{name}{honorific}您好：作為{tier}客戶，您可優先預約本月新發理財產品。",
                "Dear {honorific}{name}, as a {tier} client you may reserve this month's new product first.",
            ),
        ),
    ];
    for (who, key, send_at, ask_approval, body) in pushes {
        let input = banyan_app::notify::CampaignInput {
            key: key.replace("{tier}", "贵宾"),
            segments: Default::default(),
            channel: None,
            subject: Default::default(),
            body,
            send_at,
            ask_approval,
        };
        banyan_app::notify::campaign(app, &as_(who).await?, input)
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// The wealth manager's book: a supervisor of BR0001 hands wm1 eight of the branch's customers, so wm1's
/// home, calendar and customer list are not empty on the first morning.
async fn demo_wealth_book(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    let sup = banyan_app::access::actor_for(app, "supervisor1")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let wm1 = banyan_app::access::actor_for(app, "wm1")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let patch = json!({ "rm_id": wm1.id().uuid() });
    let mut handed = 0;
    // From the end: the first customers carry rm1's planned visits.
    for id in customers.iter().rev() {
        if handed == 8 {
            break;
        }
        // Customers of the other branch are not the supervisor's to hand over: skipped.
        let Ok(c) = banyan_app::customers::get(app, &sup, *id, false).await else {
            continue;
        };
        // A record waiting for review cannot be edited: it stays with its maker.
        match banyan_app::customers::update(app, &sup, *id, patch.clone(), Some(c.version)).await {
            Ok(_) => handed += 1,
            Err(e) if e.refusal_code().is_some() => continue,
            Err(e) => return Err(anyhow!("{e}")),
        }
    }
    Ok(())
}

/// Visits rm1 planned over the next weeks and client events of branch BR0001 this month and next, so the
/// calendar has something on it on the first morning.
async fn demo_calendar(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    let rm1 = banyan_app::access::actor_for(app, "rm1")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let today = app.today();
    let at = |days: i64, hour: i8, minute: i8| -> Result<String> {
        let d = today
            .checked_add(jiff::Span::new().days(days))
            .map_err(|e| anyhow!("{e}"))?;
        let z = d
            .at(hour, minute, 0, 0)
            .to_zoned(app.tz.clone())
            .map_err(|e| anyhow!("{e}"))?;
        Ok(z.timestamp().to_string())
    };
    let visits = [
        (
            1,
            10,
            0,
            "visit",
            "年度资产配置回顾",
            Some("带上产品清单与上年度收益报告"),
        ),
        (
            2,
            15,
            0,
            "meeting",
            "房贷续贷面谈",
            Some("准备收入证明复印件清单"),
        ),
        (3, 10, 30, "visit", "养老规划沟通", None),
        (
            6,
            14,
            0,
            "meeting",
            "企业结算账户开立",
            Some("营业执照、法人证件"),
        ),
        (9, 9, 30, "visit", "投诉回访", None),
        (13, 16, 0, "meeting", "子女教育金方案", None),
    ];
    // rm1 manages every third demo customer; the others are not in rm1's book and are skipped.
    let mut planned = 0;
    for id in customers {
        let Some((days, h, m, method, purpose, prep)) = visits.get(planned) else {
            break;
        };
        let input = banyan_app::engagement::VisitInput {
            purpose: (*purpose).into(),
            scheduled_at: at(*days, *h, *m)?,
            method: (*method).into(),
            preparation: prep.map(str::to_owned),
            staff: None,
            key_customer: planned == 0,
        };
        if banyan_app::engagement::plan_visit(app, &rm1, *id, input)
            .await
            .is_ok()
        {
            planned += 1;
        }
    }
    let events = [
        (5, 14, 0, "lecture", "年末宏观经济讲座", "三楼会议室", 40),
        (
            11,
            19,
            0,
            "exchange",
            "私行客户新年交流会",
            "滨江酒店宴会厅",
            60,
        ),
        (30, 9, 0, "outdoor", "亲子徒步活动", "西山森林公园", 30),
    ];
    for (days, h, m, kind, title, location, capacity) in events {
        banyan_app::events::create_event(
            app,
            &rm1,
            banyan_app::events::EventInput {
                title: title.into(),
                kind: kind.into(),
                description: None,
                location: location.into(),
                starts_at: at(days, h, m)?,
                capacity,
                branch_code: None,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// Feedback cases of the last 30 days (registered by customer service, some resolved and surveyed), so the
/// queue, the clocks and the dashboard have something to show.
async fn demo_cases(app: &App, customers: &[uuid::Uuid], rng: &mut impl Rng) -> Result<()> {
    use banyan_app::cases::{CaseAction, CaseInput, Complainant};
    let cs = banyan_app::access::actor_for(app, "cs1")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let (products, causes) = banyan_app::cases::form_choices(app);
    let subjects = [
        (
            "complaint",
            "柜台排队时间过长",
            "客户反映网点排队超过一小时，叫号系统异常。",
        ),
        (
            "complaint",
            "理财产品风险揭示不清",
            "客户称购买时未被充分告知产品风险等级。",
        ),
        (
            "complaint",
            "信用卡年费争议",
            "客户对年费扣收有异议，要求退还。",
        ),
        (
            "inquiry",
            "跨境汇款到账时间",
            "询问跨境汇款到账时间及手续费。",
        ),
        (
            "suggestion",
            "手机银行增加夜间模式",
            "建议手机银行增加夜间模式。",
        ),
        (
            "praise",
            "表扬大堂经理",
            "大堂经理耐心细致，帮助老人办理业务。",
        ),
    ];
    let now = jiff::Timestamp::now();
    for i in 0..customers.len().min(40) {
        let (kind, subject, content) = subjects[i % subjects.len()];
        // The first open complaint arrived this morning (nothing escalated yet); the rest over a month.
        // Those given a stage below arrived two days ago, inside every deadline (an extension is granted
        // before the regulatory deadline passes, never after).
        let hours_ago = match i {
            0 => 2,
            3 | 6 | 12 | 18 => 48,
            _ => rng.random_range(1..30 * 24),
        };
        let received = now
            .checked_sub(jiff::SignedDuration::from_hours(hours_ago))
            .map_err(|e| anyhow!("{e}"))?;
        let non_customer = i % 7 == 3;
        let input = CaseInput {
            kind: kind.into(),
            channel: banyan_domain::feedback::CHANNELS[i % 7].into(),
            product: Some(products[i % products.len()].clone()),
            cause: Some(causes[i % causes.len()].clone()),
            severity: Some(banyan_domain::feedback::SEVERITIES[i % 4].into()),
            complex: i % 5 == 0,
            customer: (!non_customer).then(|| customers[i].to_string()),
            complainant: non_customer.then(|| Complainant {
                name: "赵六".into(),
                contact: "13900001111".into(),
            }),
            branch_code: non_customer.then(|| "BR0001".into()),
            subject: subject.into(),
            content: content.into(),
            received_at: Some(received.to_string()),
            repeat_of: None,
            new_facts: false,
        };
        let c = match banyan_app::cases::register(app, &cs, input).await {
            Ok(c) => c,
            // A customer outside customer service's reach would be skipped; all are bank-wide today.
            Err(e) => return Err(anyhow!("demo case: {e}")),
        };
        if i % 3 == 0 {
            open_case_stage(app, i, c.summary.id).await?;
        } else {
            let id = c.summary.id;
            let resolve = CaseAction::Resolve {
                solution: "已核实并处理，向客户说明处理结果。".into(),
                reply: "您好，您反映的问题已处理完毕，感谢您的反馈。".into(),
                channel: None,
            };
            banyan_app::cases::act(app, &cs, id, resolve, None)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if i % 2 == 0 {
                let survey = CaseAction::Survey {
                    satisfaction: rng.random_range(3..=5),
                    comment: None,
                };
                banyan_app::cases::act(app, &cs, id, survey, None)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
    }
    banyan_app::cases::escalate_due(app, now.as_microsecond())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
