//! A client's wealth page on the workbench (财富规划, `/customers/{id}/wealth`): the financial picture — the
//! book's and the declared, by class — with the form that keeps it; the goals with how far the client's
//! assets fund them; the plan in force with its gap drawn (what the client holds against the target, by
//! class), its history and the form that adjusts it with a reason; the recommended actions with the
//! client's answers (the form offers only the products the gate lets through now); the reviews that draw
//! the trend and when the next is due; the advisory team, its notes and tasks. Every amount is in yuan,
//! every code in words.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, chrome, page_status};
use askama::Template;
use axum::response::Response;
use banyan_app::access::Session;
use banyan_app::wealth::workspace::WealthView;
use banyan_domain::wealth::picture::{
    AssetKind, GoalStatus, IncomeKind, LiabilityKind, MaritalStatus,
};
use banyan_domain::wealth::plan::{ActionDecision, AllocationClass, PlanReason};
use banyan_domain::wealth::team::{AdvisorRole, EntryKind};

/// An amount input: (field name, label, value in yuan or empty).
pub(super) type AmountField = (String, String, String);

pub(super) struct ClassRow {
    pub class: String,
    pub with_bank: String,
    pub declared: String,
    pub total: String,
    pub share: String,
}

pub(super) struct GoalRow {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub on: String,
    pub note: String,
    pub status: String,
    pub active: bool,
    pub progress: u8,
    pub funded: String,
    pub monthly: String,
    pub version: i32,
}

/// One class of the gap chart: bars of 300 pixels at most.
pub(super) struct GapRow {
    pub y: u32,
    pub class: String,
    pub current_w: u32,
    pub target_w: u32,
    pub current: String,
    pub share: String,
    pub target_pct: String,
    pub target: String,
    pub gap: String,
    pub add: bool,
}

pub(super) struct PlanLine {
    pub seq: i32,
    pub reason: String,
    pub note: String,
    pub ceiling: String,
    pub target: String,
    pub by: String,
}

pub(super) struct ActionLine {
    pub id: String,
    pub product: String,
    pub level: String,
    pub class: String,
    pub amount: String,
    pub rationale: String,
    pub plan: String,
    pub decision: String,
    pub decided: String,
    pub open: bool,
    pub refused: String,
    pub version: i32,
    /// An accepted one: the sale that carried it out, or that it waits for one (in words).
    pub carried: String,
}

pub(super) struct ReviewLine {
    pub on: String,
    pub by: String,
    pub invested: String,
    pub with_bank: String,
    pub net_worth: String,
    pub allocation: String,
    pub note: String,
}

pub(super) struct MemberLine {
    pub staff: String,
    pub name: String,
    pub role: String,
    pub added: String,
}

pub(super) struct EntryLine {
    pub id: String,
    pub head: String,
    pub body: String,
    pub done: bool,
    pub overdue: bool,
    pub can_finish: bool,
}

#[derive(Template)]
#[template(path = "wealth_client.html")]
pub(super) struct ClientPage {
    pub c: Chrome,
    pub title: String,
    pub id: String,
    pub error: Option<String>,
    pub can_plan: bool,
    pub team_basis: bool,
    pub book_as_of: String,
    pub facts: Vec<(String, String)>,
    pub classes: Vec<ClassRow>,
    pub picture_by: String,
    pub picture_version: String,
    pub assets: Vec<AmountField>,
    pub liabilities: Vec<AmountField>,
    pub income: Vec<AmountField>,
    pub maritals: Vec<(String, String, bool)>,
    pub dependants: u8,
    pub family_note: String,
    pub goals: Vec<GoalRow>,
    pub goal_kinds: Vec<(String, String)>,
    pub today: String,
    pub ceiling: String,
    pub has_ceiling: bool,
    pub plan: Option<PlanLine>,
    pub history: Vec<PlanLine>,
    pub gap: Vec<GapRow>,
    pub gap_height: u32,
    pub gap_words: String,
    pub reasons: Vec<(String, String)>,
    /// (field, class in words, percent)
    pub targets: Vec<(String, String, u8)>,
    pub actions: Vec<ActionLine>,
    /// How many accepted recommendations the client has bought since (in words).
    pub execution: Option<String>,
    pub answers: Vec<(String, String)>,
    pub options: Vec<(String, String)>,
    pub reviews: Vec<ReviewLine>,
    pub trend: Option<(String, String)>,
    pub next_review: String,
    pub review_due: bool,
    pub team: Vec<MemberLine>,
    pub advisors: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
    pub entries: Vec<EntryLine>,
    pub assignees: Vec<(String, String)>,
    /// (customer page, number and name, when, note)
    pub referrals: Vec<(String, String, String, String)>,
}

fn yuan(minor: i64) -> String {
    if minor == 0 {
        return String::new();
    }
    let (y, f) = (minor / 100, (minor % 100).abs());
    if f == 0 {
        y.to_string()
    } else {
        format!("{y}.{f:02}")
    }
}

fn permille(t: Tr, p: i64) -> String {
    t.get("wealth.share")
        .replace("{n}", &format!("{}.{}", p / 10, p % 10))
}

fn share(part: i64, total: i64) -> i64 {
    if total <= 0 {
        0
    } else {
        i64::try_from(i128::from(part) * 1000 / i128::from(total)).unwrap_or(0)
    }
}

fn allocation_words(t: Tr, m: &std::collections::BTreeMap<AllocationClass, u16>) -> String {
    m.iter()
        .map(|(c, p)| {
            format!(
                "{} {}",
                t.of("alloc_class", c.as_str()),
                permille(t, i64::from(*p))
            )
        })
        .collect::<Vec<_>>()
        .join("，")
}

fn plan_line(s: &AppState, t: Tr, p: &banyan_app::wealth::plans::PlanView) -> PlanLine {
    PlanLine {
        seq: p.seq,
        reason: t.of("plan_reason", p.reason.as_str()),
        note: p.reason_note.clone().unwrap_or_default(),
        ceiling: t
            .get("wealth.ceiling_is")
            .replace("{level}", p.ceiling.as_str()),
        target: p
            .target
            .0
            .iter()
            .map(|(c, v)| format!("{} {v}%", t.of("alloc_class", c.as_str())))
            .collect::<Vec<_>>()
            .join("，"),
        by: format!(
            "{} · {}",
            p.created_by,
            t.datetime(&s.app.tz, &p.created_at)
        ),
    }
}

/// The trend of the reviews and today: (polyline points of invested assets, the words).
fn trend(t: Tr, v: &WealthView) -> Option<(String, String)> {
    if v.reviews.is_empty() {
        return None;
    }
    let mut points: Vec<(String, i64)> = v
        .reviews
        .iter()
        .map(|r| (t.date(&r.reviewed_on.to_string()), r.invested))
        .collect();
    points.push((t.get("wealth.now").to_owned(), v.invested));
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let n = i64::try_from(points.len().saturating_sub(1))
        .unwrap_or(1)
        .max(1);
    let line = points
        .iter()
        .zip(0i64..)
        .map(|((_, v), i)| format!("{},{}", i * 480 / n, 55 - v * 50 / max))
        .collect::<Vec<_>>()
        .join(" ");
    let words = points
        .iter()
        .map(|(d, v)| format!("{d} {}", t.money(*v, "CNY")))
        .collect::<Vec<_>>()
        .join("；");
    Some((line, words))
}

fn amount_fields<K: Copy>(
    t: Tr,
    list: &str,
    family: &str,
    all: &[K],
    code: fn(K) -> &'static str,
    has: impl Fn(K) -> i64,
) -> Vec<AmountField> {
    all.iter()
        .map(|k| {
            (
                format!("{list}.{}", code(*k)),
                t.of(family, code(*k)),
                yuan(has(*k)),
            )
        })
        .collect()
}

/// The page of `v` for the reader, with `error` in words when a form was refused.
pub(super) fn render(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: WealthView,
    error: Option<String>,
) -> Response {
    let failed = error.is_some();
    let pic = v.picture.as_ref().map(|p| &p.picture);
    let money = |m: i64| t.money(m, "CNY");
    let with_bank: i64 = v.with_bank.values().sum();
    let facts = vec![
        (t.get("wealth.with_bank").to_owned(), money(with_bank)),
        (
            t.get("wealth.declared").to_owned(),
            money(v.invested - with_bank),
        ),
        (t.get("wealth.invested").to_owned(), money(v.invested)),
        (
            t.get("wealth.other_assets").to_owned(),
            money(v.other_assets),
        ),
        (t.get("wealth.liabilities").to_owned(), money(v.liabilities)),
        (t.get("wealth.income").to_owned(), money(v.income)),
        (t.get("wealth.net_worth").to_owned(), money(v.net_worth)),
    ];
    let classes = AllocationClass::ALL
        .iter()
        .filter(|c| v.with_bank.contains_key(c) || v.declared.contains_key(c))
        .map(|c| {
            let b = v.with_bank.get(c).copied().unwrap_or(0);
            let d = v.declared.get(c).copied().unwrap_or(0);
            ClassRow {
                class: t.of("alloc_class", c.as_str()),
                with_bank: money(b),
                declared: money(d),
                total: money(b + d),
                share: permille(t, share(b + d, v.invested)),
            }
        })
        .collect();
    let gap_max = v
        .gap
        .iter()
        .flat_map(|g| [g.current, g.target])
        .max()
        .unwrap_or(0)
        .max(1);
    let width = |m: i64| u32::try_from(m.max(0) * 300 / gap_max).unwrap_or(300);
    let gap: Vec<GapRow> = v
        .gap
        .iter()
        .zip(0u32..)
        .map(|(g, i)| GapRow {
            y: 30 * i + 4,
            class: t.of("alloc_class", g.class.as_str()),
            current_w: width(g.current),
            target_w: width(g.target),
            current: money(g.current),
            share: permille(t, i64::from(g.current_permille)),
            target_pct: format!("{}%", g.target_percent),
            target: money(g.target),
            gap: match g.gap {
                0 => t.get("wealth.on_target").to_owned(),
                x if x > 0 => t.get("wealth.to_add").replace("{amount}", &money(x)),
                x => t.get("wealth.to_reduce").replace("{amount}", &money(-x)),
            },
            add: g.gap > 0,
        })
        .collect();
    let gap_words = v
        .gap
        .iter()
        .map(|g| {
            format!(
                "{} {} / {}%",
                t.of("alloc_class", g.class.as_str()),
                permille(t, i64::from(g.current_permille)),
                g.target_percent
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    let target_now = v
        .plan
        .as_ref()
        .map(|p| p.target.0.clone())
        .or_else(|| v.default_target.as_ref().map(|d| d.0.clone()))
        .unwrap_or_default();
    let has_plan = v.plan.is_some();
    let name_in = |n: &std::collections::BTreeMap<String, String>| crate::ui::book::name_in(t, n);
    let page = ClientPage {
        title: format!(
            "{} {} · {}",
            v.customer_no,
            v.customer_name,
            t.get("wealth.page")
        ),
        c: chrome(t, Some(sess), "/customers"),
        id: v.customer_id.to_string(),
        error,
        can_plan: v.can_plan,
        team_basis: v.basis == banyan_app::wealth::Basis::Team,
        book_as_of: v
            .book_as_of
            .map(|d| t.date(&d.to_string()))
            .unwrap_or_default(),
        facts,
        classes,
        picture_by: v
            .picture
            .as_ref()
            .map(|p| {
                format!(
                    "{} · {}",
                    p.updated_by,
                    t.datetime(&s.app.tz, &p.updated_at)
                )
            })
            .unwrap_or_default(),
        picture_version: v
            .picture
            .as_ref()
            .map(|p| p.version.to_string())
            .unwrap_or_default(),
        assets: amount_fields(
            t,
            "assets",
            "asset_kind",
            AssetKind::ALL,
            AssetKind::as_str,
            |k| pic.and_then(|p| p.assets.get(&k).copied()).unwrap_or(0),
        ),
        liabilities: amount_fields(
            t,
            "liabilities",
            "liability_kind",
            LiabilityKind::ALL,
            LiabilityKind::as_str,
            |k| {
                pic.and_then(|p| p.liabilities.get(&k).copied())
                    .unwrap_or(0)
            },
        ),
        income: amount_fields(
            t,
            "income",
            "income_kind",
            IncomeKind::ALL,
            IncomeKind::as_str,
            |k| pic.and_then(|p| p.income.get(&k).copied()).unwrap_or(0),
        ),
        maritals: MaritalStatus::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str().to_owned(),
                    t.of("marital", m.as_str()),
                    pic.and_then(|p| p.family.marital) == Some(*m),
                )
            })
            .collect(),
        dependants: pic.map_or(0, |p| p.family.dependants),
        family_note: pic.and_then(|p| p.family.note.clone()).unwrap_or_default(),
        goals: v
            .goals
            .iter()
            .map(|g| GoalRow {
                id: g.id.to_string(),
                kind: t.of("goal_kind", g.kind.as_str()),
                target: money(g.target_amount),
                on: t.date(&g.target_on.to_string()),
                note: g.note.clone().unwrap_or_default(),
                status: t.of("goal_status", g.status.as_str()),
                active: g.status == GoalStatus::Active,
                progress: g.funding.as_ref().map_or(0, |f| f.progress),
                funded: g
                    .funding
                    .as_ref()
                    .map(|f| money(f.funded))
                    .unwrap_or_default(),
                monthly: g
                    .funding
                    .as_ref()
                    .filter(|f| f.monthly_needed > 0)
                    .map(|f| {
                        t.get("wealth.monthly")
                            .replace("{amount}", &money(f.monthly_needed))
                    })
                    .unwrap_or_default(),
                version: g.version,
            })
            .collect(),
        goal_kinds: codes(
            t,
            "goal_kind",
            banyan_domain::wealth::picture::GoalKind::ALL
                .iter()
                .map(|k| k.as_str()),
        ),
        today: s.app.today().to_string(),
        ceiling: v
            .ceiling
            .map(|c| t.get("wealth.ceiling_is").replace("{level}", c.as_str()))
            .unwrap_or_else(|| t.get("wealth.no_ceiling").to_owned()),
        has_ceiling: v.ceiling.is_some(),
        plan: v.plan.as_ref().map(|p| plan_line(s, t, p)),
        history: v.history.iter().map(|p| plan_line(s, t, p)).collect(),
        gap_height: 30 * u32::try_from(gap.len()).unwrap_or(0) + 8,
        gap,
        gap_words,
        reasons: codes(
            t,
            "plan_reason",
            PlanReason::ALL
                .iter()
                .filter(|r| (**r == PlanReason::Initial) != has_plan)
                .map(|r| r.as_str()),
        ),
        targets: AllocationClass::ALL
            .iter()
            .map(|c| {
                (
                    format!("target.{}", c.as_str()),
                    t.of("alloc_class", c.as_str()),
                    target_now.get(c).copied().unwrap_or(0),
                )
            })
            .collect(),
        actions: v
            .actions
            .iter()
            .map(|a| ActionLine {
                id: a.id.to_string(),
                product: format!("{} {}", a.product, name_in(&a.product_names)),
                level: a
                    .risk_level
                    .map(|l| l.as_str().to_owned())
                    .unwrap_or_default(),
                class: a
                    .class
                    .map(|c| t.of("alloc_class", c.as_str()))
                    .unwrap_or_default(),
                amount: t.money(a.amount, &a.currency),
                rationale: a.rationale.clone(),
                plan: t
                    .get("wealth.plan_seq")
                    .replace("{n}", &a.plan_seq.to_string()),
                decision: t.of("action_decision", a.decision.as_str()),
                decided: match (&a.decided_by, &a.decided_at) {
                    (Some(b), Some(at)) => format!(
                        "{b} · {}{}",
                        t.datetime(&s.app.tz, at),
                        a.decision_note
                            .as_ref()
                            .map(|n| format!("：{n}"))
                            .unwrap_or_default()
                    ),
                    _ => String::new(),
                },
                open: a.decision.is_open(),
                refused: a
                    .gate
                    .as_ref()
                    .map(|r| crate::ui::book::sales::refusal_words(t, r))
                    .unwrap_or_default(),
                version: a.version,
                carried: match (&a.carried_out, a.decision) {
                    (Some(c), _) => t
                        .get("wealth.carried_out")
                        .replace("{at}", &t.datetime(&s.app.tz, &c.at))
                        .replace("{amount}", &t.money(c.amount, &a.currency)),
                    (None, ActionDecision::Accepted) => t.get("wealth.not_carried_out").to_owned(),
                    _ => String::new(),
                },
            })
            .collect(),
        execution: (v.execution.accepted > 0).then(|| {
            t.get("wealth.execution")
                .replace("{done}", &v.execution.carried_out.to_string())
                .replace("{accepted}", &v.execution.accepted.to_string())
        }),
        answers: codes(
            t,
            "action_decision",
            [
                ActionDecision::Accepted,
                ActionDecision::Declined,
                ActionDecision::Deferred,
            ]
            .iter()
            .map(|d| d.as_str()),
        ),
        options: v
            .options
            .iter()
            .map(|o| {
                (
                    o.code.clone(),
                    format!(
                        "{} {}（{}{}）",
                        o.code,
                        name_in(&o.names),
                        t.of("alloc_class", o.class.as_str()),
                        o.risk_level
                            .map(|l| format!(" · {}", l.as_str()))
                            .unwrap_or_default()
                    ),
                )
            })
            .collect(),
        trend: trend(t, &v),
        reviews: v
            .reviews
            .iter()
            .rev()
            .map(|r| ReviewLine {
                on: t.date(&r.reviewed_on.to_string()),
                by: r.reviewed_by.clone(),
                invested: money(r.invested),
                with_bank: money(r.with_bank),
                net_worth: money(r.net_worth),
                allocation: allocation_words(t, &r.allocation),
                note: r.note.clone().unwrap_or_default(),
            })
            .collect(),
        next_review: match v.next_review_on {
            Some(d) => t
                .get("wealth.next_review")
                .replace("{date}", &t.date(&d.to_string()))
                .replace("{months}", &v.cadence_months.to_string()),
            None => t.get("wealth.first_review").to_owned(),
        },
        review_due: v.review_due,
        team: v
            .team
            .iter()
            .map(|m| MemberLine {
                staff: m.staff_id.to_string(),
                name: m.name.clone(),
                role: t.of("advisor_role", m.role.as_str()),
                added: format!("{} · {}", m.added_by, t.datetime(&s.app.tz, &m.added_at)),
            })
            .collect(),
        advisors: v
            .advisors
            .iter()
            .map(|a| {
                (
                    a.staff_id.to_string(),
                    format!(
                        "{}（{}{}）",
                        a.name,
                        t.of("role", a.role.as_str()),
                        a.branch_code
                            .as_ref()
                            .map(|b| format!(" · {b}"))
                            .unwrap_or_default()
                    ),
                )
            })
            .collect(),
        roles: codes(
            t,
            "advisor_role",
            AdvisorRole::ALL.iter().map(|r| r.as_str()),
        ),
        entries: v
            .entries
            .iter()
            .map(|e| EntryLine {
                id: e.id.to_string(),
                head: entry_head(s, t, e),
                body: e.body.clone(),
                done: e.done_at.is_some(),
                overdue: e.overdue,
                can_finish: e.kind == EntryKind::Task
                    && e.done_at.is_none()
                    && (v.can_plan || e.assignee_id == Some(sess.actor.id())),
            })
            .collect(),
        assignees: v
            .manager_id
            .zip(v.manager.clone())
            .filter(|(m, _)| !v.team.iter().any(|x| x.staff_id == *m))
            .map(|(m, n)| (m.to_string(), format!("{n}（{}）", t.get("wealth.manager"))))
            .into_iter()
            .chain(
                v.team
                    .iter()
                    .map(|m| (m.staff_id.to_string(), m.name.clone())),
            )
            .collect(),
        referrals: v
            .referrals
            .iter()
            .map(|r| {
                (
                    format!("/customers/{}", r.introduced_id),
                    format!("{} {}", r.introduced_no, r.introduced_name),
                    t.datetime(&s.app.tz, &r.at),
                    r.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
    };
    page_status(page, failed)
}

fn entry_head(s: &AppState, t: Tr, e: &banyan_app::wealth::team::EntryView) -> String {
    let mut head = format!(
        "{} · {} · {}",
        t.of("entry_kind", e.kind.as_str()),
        e.author,
        t.datetime(&s.app.tz, &e.at)
    );
    if let (Some(a), Some(d)) = (&e.assignee, e.due_on) {
        head.push_str(
            &t.get("wealth.task_for")
                .replace("{name}", a)
                .replace("{date}", &t.date(&d.to_string())),
        );
    }
    if let (Some(b), Some(at)) = (&e.done_by, &e.done_at) {
        head.push_str(
            &t.get("wealth.task_done_by")
                .replace("{name}", b)
                .replace("{at}", &t.datetime(&s.app.tz, at)),
        );
    }
    head
}

fn codes<'a>(t: Tr, family: &str, all: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    all.map(|c| (c.to_owned(), t.of(family, c))).collect()
}
