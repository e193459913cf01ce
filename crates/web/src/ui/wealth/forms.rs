//! The forms of a client's wealth page: each posts to its use case and comes back to the page at its
//! section, or shows the page again with the refusal in words (422). Amounts are typed in yuan; codes are
//! picked.

use super::client::render;
use crate::AppState;
use crate::ui::forms::{form_raw, form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, Signed, SignedForm};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::wealth::picture::{GoalChange, PictureInput, ReviewInput};
use banyan_app::wealth::plans::{ActionAnswer, ActionInput, PlanInput};
use banyan_app::wealth::team::{EntryInput, MemberInput};
use banyan_app::wealth::{picture, plans, team, workspace};
use banyan_domain::FieldErrors;
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::picture::{
    AssetKind, Family, GoalInput, GoalKind, GoalStatus, IncomeKind, LiabilityKind, MaritalStatus,
};
use banyan_domain::wealth::plan::{ActionDecision, Allocation, AllocationClass, PlanReason};
use banyan_domain::wealth::team::{AdvisorRole, EntryKind};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

type Form = HashMap<String, String>;

pub(super) async fn page(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    match workspace::open(&s.app, &sess.actor, id).await {
        Ok(v) => Ok(render(&s, &sess, t, v, None)),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Back to the page at `anchor`, or the page with the refusal in words.
async fn after(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    anchor: &str,
    r: Result<(), AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| words(t, e)) {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{id}/wealth#{anchor}")).into_response()),
        Err(Ok(msg)) => match workspace::open(&s.app, &sess.actor, id).await {
            Ok(v) => Ok(render(s, &sess, t, v, Some(msg))),
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A refusal in words; the gate's refusal of a recommendation names its rule as the sales list does.
fn words(t: Tr, e: AppError) -> Result<String, AppError> {
    if let AppError::Conflict {
        code: "unsuitable",
        detail,
        ..
    } = &e
    {
        let field = |k: &str| {
            detail
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let r = banyan_domain::book::sale::GateRefusal {
            action: field("action"),
            rating: field("rating"),
        };
        return Ok(t
            .get("refusal.unsuitable")
            .replace("{why}", &crate::ui::book::sales::refusal_words(t, &r)));
    }
    if let AppError::Validation(v) = &e {
        return Ok(crate::ui::forms::field_errors_named(t, v, &named(t)));
    }
    refusal(t, e)
}

/// The picture's and the target's fields by their labels on the form: `assets.stocks` → 他行资产（股票）,
/// `target.equity` → 目标配置（权益类）.
fn named(t: Tr) -> HashMap<String, String> {
    let mut m = HashMap::new();
    let mut add = |list: &str, head: &str, family: &str, codes: Vec<&'static str>| {
        for c in codes {
            m.insert(
                format!("{list}.{c}"),
                format!("{}（{}）", t.get(head), t.of(family, c)),
            );
        }
    };
    add(
        "assets",
        "wealth.declared_assets",
        "asset_kind",
        AssetKind::ALL.iter().map(|k| k.as_str()).collect(),
    );
    add(
        "liabilities",
        "wealth.declared_liabilities",
        "liability_kind",
        LiabilityKind::ALL.iter().map(|k| k.as_str()).collect(),
    );
    add(
        "income",
        "wealth.declared_income",
        "income_kind",
        IncomeKind::ALL.iter().map(|k| k.as_str()).collect(),
    );
    add(
        "target",
        "wealth.target",
        "alloc_class",
        AllocationClass::ALL.iter().map(|k| k.as_str()).collect(),
    );
    m
}

/// The amounts of one list of the picture form (`assets.cash` …), in fen; blank is none.
fn amounts<K: Ord + Copy>(
    errs: &mut FieldErrors,
    f: &Form,
    list: &str,
    all: &[K],
    code: fn(K) -> &'static str,
) -> BTreeMap<K, i64> {
    let mut out = BTreeMap::new();
    for k in all {
        let field = format!("{list}.{}", code(*k));
        let Some(v) = form_text(f, &field) else {
            continue;
        };
        match banyan_domain::money::parse_major(&v, 2) {
            Ok(m) => {
                out.insert(*k, m);
            }
            Err(m) => errs.push(field, "amount", m),
        }
    }
    out
}

fn version(f: &Form) -> Option<i32> {
    f.get("version").and_then(|v| v.trim().parse().ok())
}

fn picture_input(f: &Form) -> Result<PictureInput, AppError> {
    let mut e = FieldErrors::new();
    let assets = amounts(&mut e, f, "assets", AssetKind::ALL, AssetKind::as_str);
    let liabilities = amounts(
        &mut e,
        f,
        "liabilities",
        LiabilityKind::ALL,
        LiabilityKind::as_str,
    );
    let income = amounts(&mut e, f, "income", IncomeKind::ALL, IncomeKind::as_str);
    let dependants = match form_text(f, "dependants") {
        None => 0,
        Some(d) => d.parse().unwrap_or_else(|_| {
            e.push("family.dependants", "range", "from 0 to 20");
            0
        }),
    };
    let marital = form_text(f, "marital").and_then(|m| MaritalStatus::parse(&m));
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok(PictureInput {
        assets,
        liabilities,
        income,
        family: Family {
            marital,
            dependants,
            note: form_text(f, "family_note"),
        },
        version: version(f),
    })
}

pub(super) async fn save_picture(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match picture_input(&f) {
        Ok(i) => picture::save_picture(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, sess, t, id, "picture", r).await
}

fn goal_input(f: &Form) -> Result<GoalInput, AppError> {
    let kind = GoalKind::parse(&form_raw(f, "kind"))
        .ok_or_else(|| AppError::field("kind", "one_of", "pick what the goal is for"))?;
    let target_amount = banyan_domain::money::parse_major(&form_raw(f, "target_amount"), 2)
        .map_err(|m| AppError::field("target_amount", "amount", m))?;
    let target_on = form_raw(f, "target_on")
        .trim()
        .parse()
        .map_err(|_| AppError::field("target_on", "date", "a day (YYYY-MM-DD)"))?;
    Ok(GoalInput {
        kind,
        target_amount,
        target_on,
        note: form_text(f, "note"),
    })
}

pub(super) async fn add_goal(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match goal_input(&f) {
        Ok(i) => picture::add_goal(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, sess, t, id, "goals", r).await
}

pub(super) async fn change_goal(
    State(s): State<AppState>,
    Path((id, goal)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match GoalStatus::parse(&form_raw(&f, "status")) {
        Some(status) => picture::change_goal(
            &s.app,
            &sess.actor,
            goal,
            GoalChange {
                status,
                version: version(&f),
            },
        )
        .await
        .map(|_| ()),
        None => Err(AppError::field(
            "status",
            "one_of",
            "pick the goal's status",
        )),
    };
    after(&s, sess, t, id, "goals", r).await
}

pub(super) async fn add_review(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = ReviewInput {
        note: form_text(&f, "note"),
    };
    let r = picture::add_review(&s.app, &sess.actor, id, i)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "reviews", r).await
}

fn plan_input(f: &Form) -> Result<PlanInput, AppError> {
    let reason = PlanReason::parse(&form_raw(f, "reason"))
        .ok_or_else(|| AppError::field("reason", "one_of", "pick why the plan is made"))?;
    let mut e = FieldErrors::new();
    let mut target = BTreeMap::new();
    for c in AllocationClass::ALL {
        let field = format!("target.{}", c.as_str());
        match form_text(f, &field).map(|v| v.parse::<u8>()) {
            None => {}
            Some(Ok(p)) => {
                target.insert(*c, p);
            }
            Some(Err(_)) => e.push(field, "range", "a whole percent from 0 to 100"),
        }
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok(PlanInput {
        reason,
        note: form_text(f, "note"),
        target: Some(Allocation(target)),
    })
}

pub(super) async fn make_plan(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match plan_input(&f) {
        Ok(i) => plans::make_plan(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, sess, t, id, "plan", r).await
}

pub(super) async fn recommend(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let code = form_raw(&f, "product");
    let digits = banyan_app::book::products(&s.app, &sess.actor, &Default::default())
        .await
        .ok()
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.product.code == code)
                .map(|p| s.app.currency_digits(p.product.currency))
        })
        .unwrap_or(2);
    let r = match banyan_domain::money::parse_major(&form_raw(&f, "amount"), digits) {
        Ok(amount) => plans::recommend(
            &s.app,
            &sess.actor,
            id,
            ActionInput {
                product: code,
                amount,
                rationale: form_raw(&f, "rationale"),
            },
        )
        .await
        .map(|_| ()),
        Err(m) => Err(AppError::field("amount", "amount", m)),
    };
    after(&s, sess, t, id, "actions", r).await
}

pub(super) async fn answer(
    State(s): State<AppState>,
    Path((id, action)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match ActionDecision::parse(&form_raw(&f, "decision")) {
        Some(decision) => plans::answer(
            &s.app,
            &sess.actor,
            action,
            ActionAnswer {
                decision,
                note: form_text(&f, "note"),
                version: version(&f),
            },
        )
        .await
        .map(|_| ()),
        None => Err(AppError::field(
            "decision",
            "one_of",
            "pick the client's answer",
        )),
    };
    after(&s, sess, t, id, "actions", r).await
}

fn staff(f: &Form, field: &str) -> Result<StaffId, AppError> {
    form_raw(f, field)
        .trim()
        .parse::<Uuid>()
        .map(StaffId::from)
        .map_err(|_| AppError::field(field, "required", "pick a staff member"))
}

pub(super) async fn add_member(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match (
        staff(&f, "staff"),
        AdvisorRole::parse(&form_raw(&f, "role")),
    ) {
        (Ok(staff), Some(role)) => {
            team::add_member(&s.app, &sess.actor, id, MemberInput { staff, role })
                .await
                .map(|_| ())
        }
        (Err(e), _) => Err(e),
        (_, None) => Err(AppError::field("role", "one_of", "pick the member's part")),
    };
    after(&s, sess, t, id, "team", r).await
}

pub(super) async fn remove_member(
    State(s): State<AppState>,
    Path((id, member)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = team::remove_member(&s.app, &sess.actor, id, StaffId::from(member)).await;
    after(&s, sess, t, id, "team", r).await
}

fn entry_input(f: &Form) -> Result<EntryInput, AppError> {
    let kind = EntryKind::parse(&form_raw(f, "kind"))
        .ok_or_else(|| AppError::field("kind", "one_of", "a note or a task"))?;
    let (assignee, due_on) = match kind {
        EntryKind::Note => (None, None),
        EntryKind::Task => (
            Some(staff(f, "assignee")?),
            Some(
                form_raw(f, "due_on")
                    .trim()
                    .parse()
                    .map_err(|_| AppError::field("due_on", "date", "a day (YYYY-MM-DD)"))?,
            ),
        ),
    };
    Ok(EntryInput {
        kind,
        body: form_raw(f, "body"),
        assignee,
        due_on,
    })
}

pub(super) async fn add_entry(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match entry_input(&f) {
        Ok(i) => team::add_entry(&s.app, &sess.actor, id, i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, sess, t, id, "notes", r).await
}

pub(super) async fn finish_task(
    State(s): State<AppState>,
    Path((id, entry)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = team::finish_task(&s.app, &sess.actor, entry)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "notes", r).await
}

pub(super) async fn add_referral(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = banyan_app::wealth::referrals::ReferralInput {
        introduced: form_raw(&f, "introduced"),
        note: form_text(&f, "note"),
    };
    let r = banyan_app::wealth::referrals::record(&s.app, &sess.actor, id, i)
        .await
        .map(|_| ());
    after(&s, sess, t, id, "referrals", r).await
}
