//! Rewards on the workbench (奖励与表彰, `/performance/rewards`): the reward schemes in reach with the form to
//! propose one over an ended period's closed scorecards, and the honours with the form to record one; a
//! scheme's page (`/performance/rewards/{id}`) lists its awards, lets a second person approve or reject it
//! (asked first) and, once approved, hands out the payroll file in the reader's words.

use super::{app_err, quarter_words, uuid_of};
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::access::Session;
use banyan_app::performance::rewards::{self as uc, DecideInput, HonourInput, SchemeInput};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::rewards::{RewardRule, SchemeState};
use banyan_domain::wealth::kpi::Period;
use std::collections::HashMap;
use uuid::Uuid;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/performance/rewards", get(list_page).post(propose))
        .route("/performance/rewards/honours", post(honour))
        .route("/performance/rewards/{id}", get(scheme_page))
        .route("/performance/rewards/{id}/decision", post(decide))
        .route("/performance/rewards/{id}/payroll.csv", get(payroll))
}

fn money(t: Tr, yuan: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let fen = (yuan * 100.0).round() as i64;
    t.money(fen, "CNY")
}

struct SchemeRowView {
    href: String,
    name: String,
    period: String,
    role: String,
    branch: String,
    rule: String,
    total: String,
    state: String,
}

#[derive(Template)]
#[template(path = "rewards.html")]
struct ListPage {
    c: Chrome,
    title: String,
    schemes: Vec<SchemeRowView>,
    /// (person, title, period, reason, by)
    honours: Vec<(String, String, String, String, String)>,
    /// Ended periods: (code, words).
    periods: Vec<(String, String)>,
    roles: Vec<(&'static str, String)>,
    rules: Vec<(&'static str, String)>,
    people: Vec<(String, String)>,
    failed: Option<String>,
}

fn branch_words(t: Tr, b: Option<&str>) -> String {
    b.map_or_else(|| t.get("reward.whole_bank").to_owned(), str::to_owned)
}

/// The last four ended quarters and last year.
fn ended_periods(t: Tr, today: jiff::civil::Date) -> Vec<(String, String)> {
    let mut p = Period::quarter_of(today).previous();
    let mut out = Vec::new();
    for _ in 0..4 {
        out.push((p.code(), quarter_words(t, &p.code())));
        p = p.previous();
    }
    let year = (today.year() - 1).to_string();
    out.push((year.clone(), quarter_words(t, &year)));
    out
}

async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    render_list(&s, sess, t, None).await
}

async fn render_list(
    s: &AppState,
    sess: Session,
    t: Tr,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let schemes = uc::schemes(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let honours = uc::honours(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let people = banyan_app::performance::training::record::overview(&s.app, &sess.actor)
        .await
        .map_err(|e| app_err(e, t, &sess))?
        .people
        .into_iter()
        .map(|p| (p.staff_id.to_string(), p.name))
        .collect();
    let page = ListPage {
        title: t.get("reward.title").to_owned(),
        c: chrome(t, Some(&sess), "/performance"),
        schemes: schemes
            .iter()
            .map(|x| SchemeRowView {
                href: format!("/performance/rewards/{}", x.id),
                name: x.name.clone(),
                period: quarter_words(t, &x.period),
                role: t.of("role", x.role.as_str()),
                branch: branch_words(t, x.branch_code.as_deref()),
                rule: t.of("reward_rule", x.rule.as_str()),
                total: money(t, x.total),
                state: t.of("scheme_state", x.state.as_str()),
            })
            .collect(),
        honours: honours
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    h.title.clone(),
                    quarter_words(t, &h.period),
                    h.reason.clone().unwrap_or_default(),
                    h.awarded_by.clone(),
                )
            })
            .collect(),
        periods: ended_periods(t, s.app.today()),
        roles: [
            Role::RelationshipManager,
            Role::WealthManager,
            Role::CustomerService,
        ]
        .iter()
        .map(|r| (r.as_str(), t.of("role", r.as_str())))
        .collect(),
        rules: RewardRule::ALL
            .iter()
            .map(|r| (r.as_str(), t.of("reward_rule", r.as_str())))
            .collect(),
        people,
        failed: failed.clone(),
    };
    Ok(page_status(page, failed.is_some()))
}

fn number(f: &HashMap<String, String>, k: &str) -> Result<Option<f64>, &'static str> {
    match form_text(f, k) {
        None => Ok(None),
        Some(v) => v.replace(',', "").parse().map(Some).map_err(|_| "format"),
    }
}

async fn propose(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let bad = |field: &str| crate::ui::forms::rule_text(t, field, "format", "", None);
    let role = f.get("role").and_then(|v| Role::parse(v));
    let rule = f.get("rule").and_then(|v| RewardRule::parse(v));
    let (Some(role), Some(rule)) = (role, rule) else {
        let msg = crate::ui::forms::rule_text(t, "rule", "required", "", None);
        return render_list(&s, sess, t, Some(msg)).await;
    };
    let mut nums = HashMap::new();
    for k in ["min_composite", "amount_yuan", "pool_yuan"] {
        match number(&f, k) {
            Ok(v) => {
                nums.insert(k, v);
            }
            Err(_) => return render_list(&s, sess, t, Some(bad(k))).await,
        }
    }
    // The ranks' amounts typed as a list: 3000、2000、1000 or 3000, 2000, 1000.
    let mut ranks = Vec::new();
    for part in form_text(&f, "rank_amounts_yuan")
        .unwrap_or_default()
        .split([',', '，', '、', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        match part.trim().parse::<f64>() {
            Ok(v) => ranks.push(v),
            Err(_) => return render_list(&s, sess, t, Some(bad("rank_amounts_yuan"))).await,
        }
    }
    let input = SchemeInput {
        code: form_text(&f, "code").unwrap_or_default().to_uppercase(),
        name: form_text(&f, "name").unwrap_or_default(),
        period: form_text(&f, "period").unwrap_or_default(),
        role,
        branch_code: None,
        rule,
        min_composite: nums.get("min_composite").copied().flatten(),
        amount_yuan: nums.get("amount_yuan").copied().flatten(),
        rank_amounts_yuan: ranks,
        pool_yuan: nums.get("pool_yuan").copied().flatten(),
        note: form_text(&f, "note"),
    };
    match uc::propose(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(v) => Ok(Redirect::to(&format!("/performance/rewards/{}", v.id)).into_response()),
        Err(Ok(msg)) => render_list(&s, sess, t, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn honour(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(staff_id) = form_text(&f, "staff_id").and_then(|v| v.parse::<StaffId>().ok()) else {
        let msg = crate::ui::forms::rule_text(t, "staff_id", "required", "", None);
        return render_list(&s, sess, t, Some(msg)).await;
    };
    let input = HonourInput {
        staff_id,
        title: form_text(&f, "title").unwrap_or_default(),
        period: form_text(&f, "period").unwrap_or_default(),
        reason: form_text(&f, "reason"),
    };
    match uc::honour(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to("/performance/rewards#reward-honours").into_response()),
        Err(Ok(msg)) => render_list(&s, sess, t, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

#[derive(Template)]
#[template(path = "reward_scheme.html")]
struct SchemePage {
    c: Chrome,
    title: String,
    id: String,
    facts: Vec<(String, String)>,
    /// (rank, person, branch, composite, amount)
    awards: Vec<(String, String, String, String, String)>,
    may_decide: bool,
    approved: bool,
    confirm_approve: String,
    confirm_reject: String,
    failed: Option<String>,
}

async fn scheme_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let id = uuid_of(&id, t, &sess)?;
    render_scheme(&s, sess, t, id, None).await
}

async fn render_scheme(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let v = uc::scheme(&s.app, &sess.actor, id)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    let mut facts = vec![
        (t.get("kpi.period").to_owned(), quarter_words(t, &v.period)),
        (
            t.get("field.role").to_owned(),
            t.of("role", v.role.as_str()),
        ),
        (
            t.get("field.branch_code").to_owned(),
            branch_words(t, v.branch_code.as_deref()),
        ),
        (
            t.get("reward.rule").to_owned(),
            t.of("reward_rule", v.rule.as_str()),
        ),
    ];
    if let Some(m) = v.min_composite {
        facts.push((t.get("reward.min_composite").to_owned(), format!("{m:.1}")));
    }
    facts.push((t.get("reward.total").to_owned(), money(t, v.total)));
    facts.push((
        t.get("perf.status").to_owned(),
        t.of("scheme_state", v.state.as_str()),
    ));
    facts.push((
        t.get("reward.proposed_by").to_owned(),
        v.proposed_by.clone(),
    ));
    if let Some(by) = &v.decided_by {
        facts.push((t.get("reward.decided_by").to_owned(), by.clone()));
    }
    if let Some(n) = &v.note {
        facts.push((t.get("field.note").to_owned(), n.clone()));
    }
    let total = money(t, v.total);
    let page = SchemePage {
        title: format!("{} · {}", t.get("reward.scheme"), v.name),
        c: chrome(t, Some(&sess), "/performance"),
        id: v.id.to_string(),
        facts,
        awards: v
            .awards
            .iter()
            .map(|a| {
                (
                    a.rank.to_string(),
                    a.name.clone(),
                    a.branch_code.clone().unwrap_or_default(),
                    format!("{:.1}", a.composite),
                    money(t, a.amount),
                )
            })
            .collect(),
        may_decide: v.may_decide,
        approved: v.state == SchemeState::Approved,
        confirm_approve: t
            .get("reward.approve_confirm")
            .replace("{name}", &v.name)
            .replace("{total}", &total),
        confirm_reject: t.get("reward.reject_confirm").replace("{name}", &v.name),
        failed: failed.clone(),
    };
    Ok(page_status(page, failed.is_some()))
}

async fn decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let id = uuid_of(&id, t, &sess)?;
    let input = DecideInput {
        approve: f.get("approve").map(String::as_str) == Some("yes"),
        note: form_text(&f, "note"),
    };
    match uc::decide(&s.app, &sess.actor, id, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to(&format!("/performance/rewards/{id}")).into_response()),
        Err(Ok(msg)) => render_scheme(&s, sess, t, id, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn payroll(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let id = uuid_of(&id, t, &sess)?;
    let words = crate::ui::labels::ReaderWords(t);
    match uc::payroll_csv(&s.app, &sess.actor, id, &words)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(bytes) => Ok(crate::api::performance::rewards::payroll_file(bytes)),
        Err(Ok(msg)) => render_scheme(&s, sess, t, id, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
