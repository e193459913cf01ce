//! One lead on the workbench: its page (data, screening with each factor's share, history, the work its
//! stage and the reader's role allow), and the form that captures or edits it.

use super::options;
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::{LeadInput, LeadView, LeadWork, leads as uc, work};
use banyan_domain::acquisition::{LawfulBasis, LeadChannel, LeadKind, LeadStage, ScreeningOutcome};
use banyan_domain::ids::LeadId;
use std::collections::HashMap;

/// A factor of the screening as its row shows it.
struct FactorLine {
    factor: String,
    basis: String,
    weight: u8,
    points: u8,
    contribution: String,
}

/// An entry of the history as its row shows it.
struct HistoryLine {
    at: String,
    by: String,
    action: String,
    stages: String,
    reason: String,
    note: String,
}

/// What the reader may do with the lead now (each flag: the stage allows it and the role grants it).
#[derive(Default)]
struct Can {
    edit: bool,
    screen: bool,
    review: bool,
    override_: bool,
    advance: bool,
    lose: bool,
    reopen: bool,
    win: bool,
    reveal: bool,
}

#[derive(Template)]
#[template(path = "lead.html")]
struct LeadPage {
    c: Chrome,
    title: String,
    v: LeadView,
    kind: String,
    stage: String,
    gender: String,
    industry: String,
    channel: String,
    basis: String,
    money: Vec<(String, String)>,
    products: String,
    expected_return: String,
    outcome: String,
    score_line: String,
    factors: Vec<FactorLine>,
    history: Vec<HistoryLine>,
    reason: String,
    can: Can,
    reject_reasons: Vec<(String, String)>,
    lost_reasons: Vec<(String, String)>,
    /// The visits planned, held and cancelled.
    vs: super::visits::VisitsSection,
    /// A won lead's onboarding: (step, method, due day, state in words, open).
    onboarding: Vec<(String, String, String, String, bool)>,
    /// The new customer's satisfaction survey, once sent.
    survey: Option<String>,
    /// The proposal, the contract and the application.
    pp: super::papers::PapersSection,
    /// A won lead's account and products.
    op: super::opening::OpeningSection,
    /// The deal's team.
    tm: super::team::TeamSection,
    /// The deal's risks and the responses to them.
    rk: super::risk::RiskSection,
    /// The bank's custom fields of the customer's kind, asked for when the lead becomes a customer.
    customs: Vec<crate::ui::customers::form::CustomInput>,
    error: Option<String>,
}

fn money(t: Tr, v: Option<i64>) -> String {
    v.map(|m| t.money(m, "CNY")).unwrap_or_default()
}

fn can(sess: &Session, v: &LeadView) -> Can {
    let o = sess.actor.offers();
    let s = v.stage;
    Can {
        edit: o.lead_write && s.is_open(),
        screen: o.lead_write && matches!(s, LeadStage::New | LeadStage::Screened),
        review: o.lead_review && s == LeadStage::Screened,
        override_: o.lead_override
            && (s == LeadStage::Rejected
                || (s == LeadStage::Screened && v.outcome == Some(ScreeningOutcome::Fail))),
        advance: o.lead_write
            && matches!(
                s,
                LeadStage::Visiting | LeadStage::Proposal | LeadStage::Contract
            )
            && super::visits::may_advance_by_hand(v),
        lose: o.lead_write && s.is_open(),
        reopen: o.lead_write && s == LeadStage::Lost,
        win: o.lead_write && o.create && s == LeadStage::Application,
        reveal: o.reveal && !v.revealed,
    }
}

fn reasons(t: Tr, family: &str, list: &[String]) -> Vec<(String, String)> {
    list.iter().map(|r| (r.clone(), t.of(family, r))).collect()
}

pub(super) async fn lead_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    v: LeadView,
    error: Option<String>,
) -> Result<Response, PageError> {
    lead_view_drafted(s, sess, t, v, error, HashMap::new()).await
}

/// The lead's page with a refused visit plan's values kept in its form (`draft`: the form as sent).
pub(super) async fn lead_view_drafted(
    s: &AppState,
    sess: Session,
    t: Tr,
    v: LeadView,
    error: Option<String>,
    draft: HashMap<String, String>,
) -> Result<Response, PageError> {
    let policy = banyan_app::acquisition::choices(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let defs = banyan_app::customers::field_definitions(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let factors = v
        .factors
        .iter()
        .map(|f| FactorLine {
            factor: t.of("factor", f.factor.as_str()),
            basis: t.of("factor_basis", f.basis.as_str()),
            weight: f.weight,
            points: f.points,
            contribution: format!("{}.{:02}", f.contribution / 100, f.contribution % 100),
        })
        .collect();
    let history = v
        .history
        .iter()
        .map(|h| HistoryLine {
            at: t.datetime(&s.app.tz, &h.at),
            by: h.by.clone().unwrap_or_default(),
            action: t.of("lead_action", h.action.as_str()),
            stages: match (h.from_stage, h.to_stage) {
                (Some(a), Some(b)) if a != b => format!(
                    "{} → {}",
                    t.of("lead_stage", a.as_str()),
                    t.of("lead_stage", b.as_str())
                ),
                _ => String::new(),
            },
            reason: h
                .reason
                .as_deref()
                .map(|r| {
                    crate::ui::labels::code_label(
                        t,
                        &[
                            "reject_reason",
                            "lost_reason",
                            "lead_doc",
                            "visit_outcome",
                            "deal_role",
                            "risk_kind",
                        ],
                        r,
                    )
                })
                .unwrap_or_default(),
            note: h.note.clone().unwrap_or_default(),
        })
        .collect();
    let score_line = match v.score {
        Some(score) => t
            .get("lead.score_line")
            .replace("{score}", &score.to_string())
            .replace("{pass}", &v.pass.to_string())
            .replace("{floor}", &v.floor.to_string()),
        None => t.get("lead.not_screened").to_owned(),
    };
    let products = v
        .products_wanted
        .iter()
        .map(|code| {
            policy
                .product_names
                .get(code)
                .map(|n| crate::ui::book::name_in(t, n))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| code.clone())
        })
        .collect::<Vec<_>>()
        .join("、");
    // The app checked each onboarding task's step: one that names none is an error, not a blank row.
    let mut onboarding = Vec::with_capacity(v.onboarding.len());
    for x in &v.onboarding {
        let Some(step) = x
            .plan_key
            .as_deref()
            .and_then(|k| crate::ui::labels::onboarding_step(t, k))
        else {
            let e = AppError::internal(format!(
                "tasks {}: an onboarding task without its step",
                x.id
            ));
            return Err(PageError::App(e, t, Some(sess)));
        };
        onboarding.push((
            step,
            t.of("method", &x.method),
            t.date(&x.due_on),
            crate::ui::engagement::task_state(t, x),
            x.status == "open",
        ));
    }
    let op = super::opening::section(s, &sess, t, &v)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let page = LeadPage {
        title: format!("{} {}", v.lead_no, v.name),
        c: chrome(t, Some(&sess), &format!("/leads/{}", v.id)),
        kind: t.of("lead_kind", v.kind.as_str()),
        stage: t.of("lead_stage", v.stage.as_str()),
        gender: v
            .gender
            .map(|g| t.of("gender", g.as_str()))
            .unwrap_or_default(),
        industry: v
            .industry
            .as_deref()
            .map(|i| t.of("industry", i))
            .unwrap_or_default(),
        channel: t.of("lead_channel", v.channel.as_str()),
        basis: v
            .basis
            .map(|b| t.of("lawful_basis", b.as_str()))
            .unwrap_or_default(),
        money: [
            ("field.income", v.income),
            ("field.assets", v.assets),
            ("field.liabilities", v.liabilities),
        ]
        .iter()
        .filter(|(_, m)| m.is_some())
        .map(|(k, m)| (t.get(k).to_owned(), money(t, *m)))
        .collect(),
        products,
        expected_return: v
            .expected_return_bp
            .map(|bp| format!("{}.{:02} %", bp / 100, bp % 100))
            .unwrap_or_default(),
        outcome: v
            .outcome
            .map(|o| t.of("outcome", o.as_str()))
            .unwrap_or_default(),
        score_line,
        factors,
        history,
        reason: v
            .reason
            .as_deref()
            .map(|r| crate::ui::labels::code_label(t, &["reject_reason", "lost_reason"], r))
            .unwrap_or_default(),
        can: can(&sess, &v),
        pp: super::papers::section(s, &sess, t, &v, &policy),
        vs: super::visits::section(s, &sess, t, &v, draft),
        tm: super::team::section(s, &sess, t, &v),
        rk: super::risk::section(s, &sess, t, &v),
        op,
        survey: super::opening::survey_line(&s.app, t, &v),
        onboarding,
        customs: crate::ui::customers::form::custom_inputs(
            &defs,
            Some(customer_kind(v.kind)),
            |_| String::new(),
            &HashMap::new(),
        ),
        reject_reasons: reasons(t, "reject_reason", &policy.reject_reasons),
        lost_reasons: reasons(t, "lost_reason", &policy.lost_reasons),
        v,
        error,
    };
    let failed = page.error.is_some();
    Ok(page_status(page, failed))
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct ShowParams {
    #[serde(default)]
    reveal: String,
}

pub(super) async fn show(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<LeadId>,
    Query(p): Query<ShowParams>,
) -> Result<Response, PageError> {
    let r = if p.reveal.is_empty() {
        uc::get(&s.app, &sess.actor, id).await
    } else {
        uc::reveal(&s.app, &sess.actor, id).await
    };
    match r {
        Ok(v) => lead_view(&s, sess, t, v, None).await,
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(super) async fn act(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let note = form_text(&f, "note");
    let reason = form_text(&f, "reason");
    let w = match f.get("action").map(String::as_str).unwrap_or_default() {
        "screen" => LeadWork::Screen,
        "accept" => LeadWork::Accept { note },
        "reject" => LeadWork::Reject { reason, note },
        "ask_more" => LeadWork::AskMore { note },
        "override" => LeadWork::Override { note },
        "advance" => LeadWork::Advance { note },
        "lose" => LeadWork::Lose { reason, note },
        "reopen" => LeadWork::Reopen { note },
        "win" => LeadWork::Win {
            note,
            custom: custom_of(&s, &f)
                .await
                .map_err(|e| PageError::App(e, t, Some(sess.clone())))?,
        },
        _ => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
    };
    // The version the page showed: acting on a lead changed since is refused and the page shows it anew.
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = work::act(&s.app, &sess.actor, id, w, version)
        .await
        .map(|_| ());
    // A custom field the registry refused (the win's draft) is named by the label the bank gave it.
    if let Err(AppError::Validation(v)) = &r
        && v.0.iter().any(|e| e.field.starts_with("custom."))
    {
        let named = banyan_app::customers::field_definitions(&s.app)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
            .into_iter()
            .map(|d| (format!("custom.{}", d.key), d.label))
            .collect();
        let msg = crate::ui::forms::field_errors_named(t, v, &named);
        return page_with(&s, sess, t, id, msg).await;
    }
    redirect_or_refusal(&s, sess, t, id, r).await
}

/// The customer kind a lead of this kind becomes.
fn customer_kind(k: LeadKind) -> banyan_domain::customer::CustomerKind {
    match k {
        LeadKind::Individual => banyan_domain::customer::CustomerKind::Individual,
        LeadKind::Corporate => banyan_domain::customer::CustomerKind::Corporate,
    }
}

/// The custom fields' values the win form carries (`custom.<key>`), typed by their definitions; blank
/// ones are left out, so that the registry names a required one.
async fn custom_of(
    s: &AppState,
    f: &HashMap<String, String>,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    let defs = banyan_app::customers::field_definitions(&s.app).await?;
    Ok(defs
        .iter()
        .filter_map(|d| {
            let raw = form_text(f, &format!("custom.{}", d.key))?;
            Some((
                d.key.clone(),
                crate::ui::customers::form::custom_json(d, &raw),
            ))
        })
        .collect())
}

/// After a write on the lead: back to its page, or the page again with the refusal in words.
pub(super) async fn redirect_or_refusal(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: LeadId,
    r: Result<(), AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => Ok(Redirect::to(&format!("/leads/{id}")).into_response()),
        Err(Ok(msg)) => page_with(s, sess, t, id, msg).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The lead's page read afresh, with `msg` (a refusal in words) at its top.
pub(super) async fn page_with(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: LeadId,
    msg: String,
) -> Result<Response, PageError> {
    match uc::get(&s.app, &sess.actor, id).await {
        Ok(v) => lead_view(s, sess, t, v, Some(msg)).await,
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "lead_form.html")]
struct FormPage {
    c: Chrome,
    title: String,
    /// Where the form posts.
    action: String,
    f: HashMap<String, String>,
    kinds: Vec<(&'static str, String)>,
    genders: Vec<(&'static str, String)>,
    industries: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    bases: Vec<(&'static str, String)>,
    partners: Vec<(String, String)>,
    /// The campaigns running today: (id, name with its channels).
    campaigns: Vec<(String, String)>,
    grades: Vec<String>,
    /// (code, name, chosen) of the catalogue's products on sale.
    products: Vec<(String, String, bool)>,
    today: String,
    error: Option<String>,
}

impl FormPage {
    /// Whether the form's `field` holds `value` (a select's chosen option).
    fn is(&self, field: &str, value: &str) -> bool {
        self.f.get(field).is_some_and(|v| v == value)
    }
}

async fn form_view(
    s: &AppState,
    sess: &Session,
    t: Tr,
    action: String,
    f: HashMap<String, String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let policy = banyan_app::acquisition::choices(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let partners = banyan_app::acquisition::board::partners(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    // The campaigns running today, and the lead's own if it has ended since (an edit keeps it).
    let kept = f.get("campaign_id").cloned().unwrap_or_default();
    let campaigns = banyan_app::acquisition::campaigns::list(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .into_iter()
        .filter(|c| c.running || c.id.to_string() == kept)
        .map(|c| {
            let via: Vec<String> = c
                .channels
                .iter()
                .map(|ch| t.of("lead_channel", ch.as_str()))
                .collect();
            (
                c.id.to_string(),
                format!("{}（{}）", c.name, via.join("、")),
            )
        })
        .collect();
    let products = policy
        .on_sale
        .iter()
        .map(|code| {
            let name = policy
                .product_names
                .get(code)
                .map(|n| crate::ui::book::name_in(t, n))
                .unwrap_or_else(|| code.clone());
            (code.clone(), name, f.contains_key(&format!("want.{code}")))
        })
        .collect();
    let title = if action.ends_with("/new") {
        t.get("lead.new")
    } else {
        t.get("lead.edit")
    }
    .to_owned();
    let failed = error.is_some();
    Ok(page_status(
        FormPage {
            c: chrome(t, Some(sess), &action),
            title,
            action,
            f,
            kinds: options(t, "lead_kind", LeadKind::ALL, LeadKind::as_str),
            genders: ["male", "female"]
                .iter()
                .map(|g| (*g, t.of("gender", g)))
                .collect(),
            industries: ('A'..='T')
                .map(|c| {
                    let code: &'static str = INDUSTRY_CODES[(c as u8 - b'A') as usize];
                    (code, t.of("industry", code))
                })
                .collect(),
            channels: options(t, "lead_channel", LeadChannel::ALL, LeadChannel::as_str),
            bases: options(t, "lawful_basis", LawfulBasis::ALL, LawfulBasis::as_str),
            partners,
            campaigns,
            grades: policy.credit_grades.clone(),
            products,
            today: s.app.today().to_string(),
            error,
        },
        failed,
    ))
}

/// GB/T 4754 section letters, for the industry select.
const INDUSTRY_CODES: [&str; 20] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T",
];

pub(super) async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let mut f = HashMap::new();
    f.insert("kind".into(), "individual".into());
    f.insert("channel".into(), "branch".into());
    form_view(&s, &sess, t, "/leads/new".into(), f, None).await
}

/// Yuan as typed (`1,250,000.50`) in fen; a field that does not read as an amount is named.
fn amount(f: &HashMap<String, String>, k: &str, errs: &mut Vec<String>, t: Tr) -> Option<i64> {
    let v = form_text(f, k)?.replace([',', '，', ' '], "");
    match banyan_domain::money::parse_major(&v, 2) {
        Ok(m) => Some(m),
        Err(_) => {
            errs.push(crate::ui::forms::rule_text(t, k, "amount", "", None));
            None
        }
    }
}

/// The form's fields as the use case's input; amounts and numbers that do not read are named in `errs`.
fn input_of(f: &HashMap<String, String>, t: Tr, errs: &mut Vec<String>) -> LeadInput {
    let mut number = |k: &str| -> Option<i32> {
        let v = form_text(f, k)?;
        match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(crate::ui::forms::rule_text(t, k, "format", "", None));
                None
            }
        }
    };
    let birth_year = number("birth_year");
    let employees = number("employees");
    let expected_return_bp = form_text(f, "expected_return").and_then(|v| {
        match banyan_domain::money::parse_major(v.trim_end_matches('%').trim(), 2) {
            Ok(bp) => i32::try_from(bp).ok(),
            Err(_) => {
                errs.push(crate::ui::forms::rule_text(
                    t,
                    "expected_return_bp",
                    "format",
                    "",
                    None,
                ));
                None
            }
        }
    });
    let mut products_wanted: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix("want."))
        .map(str::to_owned)
        .collect();
    products_wanted.sort();
    LeadInput {
        kind: f.get("kind").and_then(|k| LeadKind::parse(k)),
        name: form_text(f, "name"),
        gender: form_text(f, "gender"),
        birth_year,
        mobile: form_text(f, "mobile"),
        email: form_text(f, "email"),
        address: form_text(f, "address"),
        id_number: form_text(f, "id_number"),
        industry: form_text(f, "industry"),
        business_scope: form_text(f, "business_scope"),
        employees,
        income: amount(f, "income", errs, t),
        assets: amount(f, "assets", errs, t),
        liabilities: amount(f, "liabilities", errs, t),
        products_wanted,
        expected_return_bp,
        channel: f.get("channel").and_then(|k| LeadChannel::parse(k)),
        partner_id: f.get("partner_id").and_then(|p| p.trim().parse().ok()),
        campaign_id: f.get("campaign_id").and_then(|p| p.trim().parse().ok()),
        basis: f.get("basis").and_then(|k| LawfulBasis::parse(k)),
        consent_on: form_text(f, "consent_on"),
        consent_ref: form_text(f, "consent_ref"),
        credit_grade: form_text(f, "credit_grade"),
        credit_source: form_text(f, "credit_source"),
        credit_on: form_text(f, "credit_on"),
        branch_code: form_text(f, "branch_code"),
        rm_id: None,
        note: form_text(f, "note"),
    }
}

pub(super) async fn create(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let mut errs = Vec::new();
    let input = input_of(&f, t, &mut errs);
    if !errs.is_empty() {
        return form_view(&s, &sess, t, "/leads/new".into(), f, Some(errs.join("; "))).await;
    }
    match uc::create(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(v) => Ok(Redirect::to(&format!("/leads/{}", v.id)).into_response()),
        Err(Ok(msg)) => form_view(&s, &sess, t, "/leads/new".into(), f, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The form's fields of a stored lead (contact data as the masked values it shows: sent back unchanged,
/// they keep what is stored).
fn fields_of(v: &LeadView) -> HashMap<String, String> {
    let mut f = HashMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            f.insert(k.to_owned(), v);
        }
    };
    let yuan = |m: Option<i64>| m.map(|m| format!("{}.{:02}", m / 100, m % 100));
    put("kind", Some(v.kind.as_str().to_owned()));
    put("name", Some(v.name.clone()));
    put("gender", v.gender.map(|g| g.as_str().to_owned()));
    put("birth_year", v.birth_year.map(|y| y.to_string()));
    put("mobile", v.mobile.clone());
    put("email", v.email.clone());
    put("address", v.address.clone());
    put("id_number", v.id_number.clone());
    put("industry", v.industry.clone());
    put("business_scope", v.business_scope.clone());
    put("employees", v.employees.map(|e| e.to_string()));
    put("income", yuan(v.income));
    put("assets", yuan(v.assets));
    put("liabilities", yuan(v.liabilities));
    put(
        "expected_return",
        v.expected_return_bp
            .map(|bp| format!("{}.{:02}", bp / 100, bp % 100)),
    );
    put("channel", Some(v.channel.as_str().to_owned()));
    put("partner_id", v.partner_id.map(|p| p.to_string()));
    put("campaign_id", v.campaign_id.map(|p| p.to_string()));
    put("basis", v.basis.map(|b| b.as_str().to_owned()));
    put("consent_on", v.consent_on.clone());
    put("consent_ref", v.consent_ref.clone());
    put("credit_grade", v.credit_grade.clone());
    put("credit_source", v.credit_source.clone());
    put("credit_on", v.credit_on.clone());
    put("branch_code", Some(v.branch_code.clone()));
    put("note", v.note.clone());
    put("version", Some(v.version.to_string()));
    for p in &v.products_wanted {
        f.insert(format!("want.{p}"), "1".into());
    }
    f
}

pub(super) async fn edit_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<LeadId>,
) -> Result<Response, PageError> {
    let v = uc::get(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    form_view(
        &s,
        &sess,
        t,
        format!("/leads/{id}/edit"),
        fields_of(&v),
        None,
    )
    .await
}

pub(super) async fn save(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let mut errs = Vec::new();
    let mut input = input_of(&f, t, &mut errs);
    let action = format!("/leads/{id}/edit");
    if !errs.is_empty() {
        return form_view(&s, &sess, t, action, f, Some(errs.join("; "))).await;
    }
    // The owner is kept: the form does not change it.
    let current = uc::get(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    input.rm_id = current.rm_id;
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    match uc::update(&s.app, &sess.actor, id, input, version)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(v) => Ok(Redirect::to(&format!("/leads/{}", v.id)).into_response()),
        Err(Ok(msg)) => form_view(&s, &sess, t, action, f, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
