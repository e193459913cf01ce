//! Working a lead: screening by the policy's model, the reviewer's decision, a supervisor's override, the
//! steps along the pipeline, and marking it lost or taking it up again. Each move is checked against the
//! stage machine of the domain, recorded in the lead's history and audited.

use super::leads::{event, lead_entry};
use super::{LeadView, lead_in_scope, note, view_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::screening::{self, Facts};
use banyan_domain::acquisition::{
    LeadAction, LeadKind, LeadMove, LeadStage, ScreeningOutcome, check_reason,
};
use banyan_domain::book::ProductStatus;
use banyan_domain::ids::LeadId;
use banyan_store::acquisition::{self as store, LeadRow};
use banyan_store::now_us;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// What to do with a lead (`{"action": "reject", "reason": "poor_credit"}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum LeadWork {
    /// Score it with the policy's model (again).
    Screen,
    /// Accept a screened lead the model did not fail (a reviewer, not its owner).
    Accept {
        #[serde(default)]
        note: Option<String>,
    },
    /// Reject a screened lead, with a reason from the policy's list.
    Reject {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Ask for more information (the note says what): the lead goes back to `new`.
    AskMore {
        #[serde(default)]
        note: Option<String>,
    },
    /// Let on a lead the model failed or a reviewer rejected (supervisors), saying why.
    Override {
        #[serde(default)]
        note: Option<String>,
    },
    /// One step further along the pipeline (from `qualified` on; contacting needs a lawful basis).
    Advance {
        #[serde(default)]
        note: Option<String>,
    },
    /// Lost, with a reason from the policy's list.
    Lose {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Take a lost lead up again (back to `new`).
    Reopen {
        #[serde(default)]
        note: Option<String>,
    },
    /// The account-opening application is made: the lead's data become a customer draft in the registry
    /// (through its identification review) and the lead is won (`customer.create` too).
    Win {
        #[serde(default)]
        note: Option<String>,
        /// Values of the bank's custom fields for the customer's kind, which a lead does not hold (the
        /// registry's rules apply: a required one missing is refused, naming it).
        #[serde(default)]
        #[schema(value_type = Object)]
        custom: serde_json::Map<String, serde_json::Value>,
    },
}

impl LeadWork {
    fn permission(&self) -> Permission {
        match self {
            Self::Accept { .. } | Self::Reject { .. } | Self::AskMore { .. } => {
                Permission::LeadReview
            }
            Self::Override { .. } => Permission::LeadOverride,
            _ => Permission::LeadWrite,
        }
    }

    fn step(&self) -> (LeadMove, LeadAction, &'static str) {
        match self {
            Self::Screen => (LeadMove::Screen, LeadAction::Screened, "lead.screen"),
            Self::Accept { .. } => (LeadMove::Accept, LeadAction::Accepted, "lead.accept"),
            Self::Reject { .. } => (LeadMove::Reject, LeadAction::Rejected, "lead.reject"),
            Self::AskMore { .. } => (LeadMove::AskMore, LeadAction::AskedMore, "lead.ask_more"),
            Self::Override { .. } => (LeadMove::Override, LeadAction::Overridden, "lead.override"),
            Self::Advance { .. } => (LeadMove::Advance, LeadAction::Advanced, "lead.advance"),
            Self::Lose { .. } => (LeadMove::Lose, LeadAction::Lost, "lead.lose"),
            Self::Reopen { .. } => (LeadMove::Reopen, LeadAction::Reopened, "lead.reopen"),
            Self::Win { .. } => (LeadMove::Win, LeadAction::Won, "lead.win"),
        }
    }
}

/// What the model reads of a lead: its own data, the industry's risk from the segments policy, and which
/// of the products it wants the catalogue has on sale.
async fn facts_of(app: &App, r: &LeadRow) -> Result<Facts> {
    let credit = credit_of(r)?;
    let industry_risk = industry_risk_of(app, r);
    let mut matched = 0;
    for code in &r.products_wanted {
        if let Some(p) = banyan_store::book::product_by_code(&app.db.conn, code).await?
            && p.status == ProductStatus::OnSale
        {
            matched += 1;
        }
    }
    Ok(Facts {
        kind: r.kind,
        credit,
        industry_risk,
        income: r.income,
        assets: r.assets,
        liabilities: r.liabilities,
        wanted: u32::try_from(r.products_wanted.len()).unwrap_or(u32::MAX),
        matched,
    })
}

/// The lead's credit grade and the day of the result, when both are recorded.
pub(super) fn credit_of(r: &LeadRow) -> Result<Option<(String, jiff::civil::Date)>> {
    match (&r.credit_grade, &r.credit_on) {
        (Some(g), Some(on)) => Ok(Some((
            g.clone(),
            on.parse::<jiff::civil::Date>()
                .map_err(|e| AppError::internal_from(format!("leads {}: credit_on", r.id), e))?,
        ))),
        _ => Ok(None),
    }
}

/// A company lead's industry risk (0–100) from the segments policy (`other` for an unlisted industry).
pub(super) fn industry_risk_of(app: &App, r: &LeadRow) -> Option<u8> {
    let risk = &app.policy().segments.risk_rating.industry_risk;
    match (r.kind, &r.industry) {
        (LeadKind::Corporate, Some(i)) => risk
            .get(i)
            .or_else(|| risk.get("other"))
            // Industry risk is 0–100 in the policy; the clamp keeps a cast from wrapping.
            .map(|v| v.clamp(0.0, 100.0).round() as u8),
        _ => None,
    }
}

fn refuse_state(r: &LeadRow) -> AppError {
    AppError::conflict(
        "invalid_state",
        format!("not possible while the lead is {}", r.stage.as_str()),
        json!({"current_status": r.stage.as_str()}),
    )
}

/// The reason and note a move needs, checked (each missing or unknown one names its field).
fn reasons(app: &App, w: &LeadWork) -> Result<(Option<String>, Option<String>)> {
    let p = &app.policy().acquisition;
    let mut e = FieldErrors::new();
    let (reason, n) = match w {
        LeadWork::Screen => (None, None),
        LeadWork::Reject { reason, note } => (
            check_reason(&mut e, "reason", reason.as_deref(), &p.reject_reasons),
            note.clone(),
        ),
        LeadWork::Lose { reason, note } => (
            check_reason(&mut e, "reason", reason.as_deref(), &p.lost_reasons),
            note.clone(),
        ),
        LeadWork::AskMore { note } | LeadWork::Override { note } => {
            if note.as_deref().map(str::trim).is_none_or(str::is_empty) {
                e.push("note", "required", "say what is missing, or why");
            }
            (None, note.clone())
        }
        LeadWork::Accept { note }
        | LeadWork::Advance { note }
        | LeadWork::Reopen { note }
        | LeadWork::Win { note, .. } => (None, note.clone()),
    };
    e.into_result()?;
    Ok((reason, note("note", n)?))
}

/// The rules a move must meet beyond the stage machine: four eyes on a review and an override (not by the
/// lead's owner, its capturer, or anyone who edited its data: `edited`), an override only of a failed or
/// rejected lead, no contact without a lawful basis.
fn guard(grant: &Granted<'_>, w: &LeadWork, r: &LeadRow, edited: bool) -> Result<()> {
    let me = grant.actor().id();
    match w {
        LeadWork::Accept { .. }
        | LeadWork::Reject { .. }
        | LeadWork::AskMore { .. }
        | LeadWork::Override { .. }
            if r.rm_id == Some(me) || r.created_by == me || edited =>
        {
            Err(AppError::forbidden(
                "own_lead",
                "a lead is reviewed by someone other than its owner, its capturer and whoever edited its data",
            ))
        }
        LeadWork::Accept { .. } if r.outcome == Some(ScreeningOutcome::Fail) => {
            Err(AppError::conflict(
                "model_failed",
                "the model failed this lead: only a supervisor's override lets it on",
                json!({"score": r.score}),
            ))
        }
        LeadWork::Override { .. }
            if r.stage == LeadStage::Screened && r.outcome != Some(ScreeningOutcome::Fail) =>
        {
            Err(AppError::conflict(
                "not_needed",
                "the model did not fail this lead: a reviewer accepts it",
                json!({"stage": r.stage.as_str()}),
            ))
        }
        LeadWork::Advance { .. } if r.basis.is_none() => Err(super::no_lawful_basis()),
        _ => Ok(()),
    }
}

/// Works a lead (send the version you read to refuse acting on a changed lead).
pub async fn act(
    app: &App,
    actor: &Actor,
    id: LeadId,
    w: LeadWork,
    version: Option<i32>,
) -> Result<LeadView> {
    if let LeadWork::Win { note, custom } = w {
        return super::convert::convert(app, actor, id, version, note, custom).await;
    }
    let grant = actor.require(w.permission())?;
    let (reason, n) = reasons(app, &w)?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    if let Some(v) = version
        && v != old.version
    {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let (mv, action, audit_action) = w.step();
    let Some(to) = old.stage.apply(mv) else {
        return Err(refuse_state(&old));
    };
    let edited = store::events_of(&*tx, id)
        .await?
        .iter()
        .any(|e| e.by_id == actor.id() && e.action == LeadAction::Edited);
    guard(&grant, &w, &old, edited)?;
    super::visits::ready_to_move(&*tx, &old, mv).await?;
    super::papers::ready_to_move(&*tx, &old, mv).await?;
    let mut r = old.clone();
    let now = now_us();
    let mut detail = json!({"from": old.stage.as_str(), "to": to.as_str()});
    match &w {
        LeadWork::Screen => {
            let facts = facts_of(app, &r).await?;
            let s = screening::screen(&app.policy().acquisition.screening, &facts, app.today());
            r.score = Some(i32::from(s.score));
            r.outcome = Some(s.outcome);
            r.factors = s.factors;
            detail["score"] = json!(s.score);
            detail["outcome"] = json!(s.outcome.as_str());
        }
        LeadWork::Reject { .. } | LeadWork::Lose { .. } => {
            r.reason = reason.clone();
            detail["reason"] = json!(reason);
        }
        LeadWork::Reopen { .. } | LeadWork::AskMore { .. } => {
            r.reason = None;
            r.score = None;
            r.outcome = None;
            r.factors.clear();
        }
        LeadWork::Override { .. } => {
            detail["score"] = json!(r.score);
            detail["rejected_for"] = json!(r.reason);
            r.reason = None;
        }
        LeadWork::Accept { .. } | LeadWork::Advance { .. } | LeadWork::Win { .. } => {}
    }
    // A lead taken up again (reopened, or let on after a rejection) is checked for duplicates as a capture
    // is: a customer or another open lead may hold its number by now.
    if !old.stage.is_open()
        && to.is_open()
        && let Some(refusal) = super::leads::duplicate_of(&*tx, &grant, &r).await?
    {
        return super::leads::refuse(app, &grant, tx, refusal).await;
    }
    if to != old.stage {
        r.stage = to;
        r.stage_at_us = now;
        r.reached = old.reached.furthest(to);
    }
    if to == LeadStage::Lost {
        super::visits::cancel_planned(&*tx, &old).await?;
    }
    r.updated_at_us = now;
    r.version = old.version + 1;
    if !store::update_lead(&*tx, &r, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    store::insert_events(
        &*tx,
        &[event(
            r.id,
            actor.id(),
            action,
            Some(old.stage),
            Some(to),
            reason,
            n,
        )],
    )
    .await?;
    if to != old.stage {
        super::announce_stage(&*tx, &r, old.stage).await?;
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![lead_entry(audit_action, &r, detail)],
    )
    .await?;
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// What dropping a card on the board's next column did.
#[derive(Debug, Clone)]
pub enum BoardDrop {
    /// The lead moved (scored, accepted or one step along).
    Moved(Box<LeadView>),
    /// A win needs its form (the customer's draft and the bank's own fields): the lead's page asks for it.
    OpenToWin,
}

/// Moves a lead whose card the actor dropped on the board from the column `from` on the column `to`: only
/// the next column, by the move that leads there ([`LeadStage::board_move`]: `422 to: not_next` otherwise),
/// with every rule of that move as if asked on the lead's page. A lead that has left `from` since the board
/// was drawn is not moved (`409 invalid_state` with its stage), so a stale board never moves a lead twice.
pub async fn drop_on_board(
    app: &App,
    actor: &Actor,
    id: LeadId,
    from: LeadStage,
    to: LeadStage,
) -> Result<BoardDrop> {
    let Some(mv) = from.board_move(to) else {
        return Err(AppError::field(
            "to",
            "not_next",
            "a card moves only to the next column",
        ));
    };
    let Some(w) = board_work(mv) else {
        return Ok(BoardDrop::OpenToWin);
    };
    let grant = actor.require(w.permission())?;
    let now = lead_in_scope(&app.db.conn, &grant, id).await?;
    if now.stage != from {
        return Err(refuse_state(&now));
    }
    act(app, actor, id, w, Some(now.version))
        .await
        .map(|v| BoardDrop::Moved(Box::new(v)))
}

/// The work a drop does (none for a win: its form is on the lead's page).
fn board_work(mv: LeadMove) -> Option<LeadWork> {
    match mv {
        LeadMove::Screen => Some(LeadWork::Screen),
        LeadMove::Accept => Some(LeadWork::Accept { note: None }),
        LeadMove::Win => None,
        _ => Some(LeadWork::Advance { note: None }),
    }
}

/// The column a card at `from` may be dropped on by this actor: the next one, when the actor may do the
/// move that leads there (a manager does not accept leads: a reviewer does). The board offers no other.
pub fn drop_target(actor: &Actor, from: LeadStage) -> Option<LeadStage> {
    let to = from.board_next()?;
    let permission = match board_work(from.board_move(to)?) {
        Some(w) => w.permission(),
        None => Permission::LeadWrite,
    };
    actor.require(permission).ok().map(|_| to)
}
