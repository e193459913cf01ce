//! The deal's team on a lead's page (拓户团队): the owner as relationship manager, the product manager and the
//! operations person with who named them, and the form that names one (picked, not typed) or takes a part
//! off the team (asks first). The use case decides; the page offers it to those who may work the lead.

use super::lead::redirect_or_refusal;
use super::visits::picked_staff;
use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, SignedForm};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::{LeadView, TeamInput, team as uc};
use banyan_domain::acquisition::LeadStage;
use banyan_domain::acquisition::team::DealRole;
use banyan_domain::ids::LeadId;

/// The team's part of the lead's page.
#[derive(Default)]
pub(crate) struct TeamSection {
    /// (role code, role in words, name, since) — the owner first.
    pub(crate) members: Vec<(&'static str, String, String, String)>,
    pub(crate) can_edit: bool,
    pub(crate) roles: Vec<(&'static str, String)>,
}

pub(super) fn section(s: &AppState, sess: &Session, t: Tr, v: &LeadView) -> TeamSection {
    let mut members = Vec::new();
    if let Some(owner) = &v.owner {
        members.push((
            "relationship_manager",
            t.get("team.relationship_manager").to_owned(),
            owner.clone(),
            String::new(),
        ));
    }
    for m in &v.team {
        members.push((
            m.role.as_str(),
            t.of("deal_role", m.role.as_str()),
            m.name.clone(),
            t.datetime(&s.app.tz, &m.assigned_at),
        ));
    }
    let live = v.stage.is_open() || v.stage == LeadStage::Won;
    TeamSection {
        members,
        can_edit: sess.actor.offers().lead_write && live,
        roles: DealRole::ALL
            .iter()
            .map(|r| (r.as_str(), t.of("deal_role", r.as_str())))
            .collect(),
    }
}

/// Names someone for a part, or takes the part off (the form's `staff` left empty with `remove`).
pub(super) async fn assign(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(role) = f.get("role").and_then(|r| DealRole::parse(r)) else {
        let e = AppError::field("role", "one_of", "pick a part on the team");
        return redirect_or_refusal(&s, sess, t, id, Err(e)).await;
    };
    let staff = if f.contains_key("remove") {
        None
    } else {
        match picked_staff(&s, &f).await {
            Ok(Some(x)) => Some(x),
            Ok(None) => {
                let e = AppError::field("staff", "required", "pick who takes the part");
                return redirect_or_refusal(&s, sess, t, id, Err(e)).await;
            }
            Err(e) => return redirect_or_refusal(&s, sess, t, id, Err(e)).await,
        }
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    match uc::assign(&s.app, &sess.actor, id, TeamInput { role, staff }, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{id}#lead-team")).into_response()),
        Err(e) => redirect_or_refusal(&s, sess, t, id, Err(e)).await,
    }
}
