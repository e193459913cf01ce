//! The satisfaction survey of new customers (seed 002 §七, 新客户满意度): the policy's days after a lead is
//! won (`[acquisition.onboarding] survey_days`), its customer — once verified by the registry's review — is
//! asked through the outbox, on their channel and in their language, to reply with a score from 1 to 5; the
//! reply comes back through the gateway (`inbound`) and is kept with the lead, in its history, and in the
//! effectiveness report beside the funnel.

use crate::App;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::notify::{Content, customer_message};
use banyan_domain::acquisition::{LeadAction, LeadStage};
use banyan_domain::customer::CustomerStatus;
use banyan_domain::ids::{LeadId, StaffId};
use banyan_store::acquisition::survey::{self as store, SurveyRow};
use banyan_store::now_us;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// Surveys sent per run at most (the next night sends the rest).
const BATCH: u64 = 500;

/// A lead's survey as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SurveyView {
    pub sent_at: String,
    /// 1 to 5, once the customer replied.
    pub satisfaction: Option<i32>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
}

pub(crate) fn view_of(r: &SurveyRow) -> SurveyView {
    SurveyView {
        sent_at: crate::fmt_us(r.sent_at_us),
        satisfaction: r.satisfaction,
        comment: r.comment.clone(),
        answered_at: r.answered_at_us.map(crate::fmt_us),
    }
}

/// How many days after the win the survey goes out (the policy's `survey_days`).
pub fn survey_days(app: &App) -> u16 {
    app.policy().acquisition.onboarding.survey_days
}

/// Sends the survey to every customer won `survey_days` or more before `as_of` who has none yet (the
/// nightly job passes today); returns how many were sent. A customer still in the registry's review is
/// asked once verified; a policy without the `acq_survey` template sends nothing. Each survey is recorded
/// with its message in one transaction, and at most once per lead (another node's run finds it sent).
pub async fn send_due(app: &App, as_of: jiff::civil::Date) -> Result<usize> {
    let days = i64::from(survey_days(app));
    let cutoff = as_of
        .checked_sub(jiff::Span::new().days(days - 1))
        .map_err(|e| AppError::internal_from("the survey's cut-off day", e))?;
    let won_before = super::funnel::day_start(app, cutoff)?;
    let mut sent = 0;
    for (lead, customer) in store::due(&app.db.conn, won_before, BATCH).await? {
        let c = banyan_store::customers::find_customer(&app.db.conn, customer).await?;
        if c.is_none_or(|c| c.status != CustomerStatus::Verified) {
            continue;
        }
        let now = now_us();
        let tx = app.db.begin_write().await?;
        let Some(lead_row) = banyan_store::acquisition::find_lead(&*tx, lead).await? else {
            continue;
        };
        let Some(m) = customer_message(
            app,
            &*tx,
            customer.uuid(),
            None,
            "lead.survey",
            // The message says how long ago the opening was from the policy's own days, so that a
            // bank changing `survey_days` need not change the template's words.
            Content::Template(
                "acq_survey",
                &[
                    ("lead_no", lead_row.lead_no.clone()),
                    ("days", survey_days(app).to_string()),
                ],
            ),
            format!("lead:{lead}:survey"),
            now,
        )
        .await?
        else {
            return Ok(sent);
        };
        let row = SurveyRow {
            id: Uuid::now_v7(),
            lead_id: lead,
            customer_id: customer,
            message_id: m.id,
            sent_at_us: now,
            satisfaction: None,
            comment: None,
            answered_at_us: None,
        };
        if !store::insert_once(&*tx, &row).await? {
            continue;
        }
        banyan_store::notify::enqueue(&*tx, std::slice::from_ref(&m)).await?;
        banyan_store::acquisition::insert_events(
            &*tx,
            &[super::leads::event(
                lead,
                StaffId::nil(),
                LeadAction::SurveySent,
                None,
                None,
                None,
                None,
            )],
        )
        .await?;
        audit::record_system(
            app,
            &*tx,
            "acquisition.survey",
            vec![Entry {
                action: "lead.survey_sent",
                entity: "lead",
                entity_id: Some(lead.to_string()),
                customer_id: Some(customer.uuid()),
                detail: json!({"channel": m.channel}),
            }],
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Records a customer's reply to their survey (the message it answers): the score and the words after it,
/// in the lead's history and the audit (as the gateway). 404 when the message asked no survey; 409 when
/// the survey was answered already.
pub(crate) async fn answer(
    app: &App,
    message_id: Uuid,
    satisfaction: i32,
    comment: Option<String>,
) -> Result<String> {
    if !(1..=5).contains(&satisfaction) {
        return Err(AppError::field("text", "range", "must be 1 to 5"));
    }
    let comment = comment.map(|c| c.chars().take(2000).collect::<String>());
    let tx = app.db.begin_write().await?;
    let s = store::find_by_message(&*tx, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lead = banyan_store::acquisition::find_lead(&*tx, s.lead_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("survey {} of a missing lead", s.id)))?;
    let now = now_us();
    if !store::answer(&*tx, s.id, satisfaction, comment.as_deref(), now).await? {
        return Err(AppError::conflict(
            "already_surveyed",
            "this survey has been answered",
            json!({"satisfaction": s.satisfaction}),
        ));
    }
    banyan_store::acquisition::insert_events(
        &*tx,
        &[super::leads::event(
            s.lead_id,
            StaffId::nil(),
            LeadAction::Surveyed,
            None,
            None,
            None,
            Some(format!("{satisfaction}")),
        )],
    )
    .await?;
    audit::record_system(
        app,
        &*tx,
        "gateway",
        vec![Entry {
            action: "lead.survey",
            entity: "lead",
            entity_id: Some(s.lead_id.to_string()),
            customer_id: Some(s.customer_id.uuid()),
            detail: json!({"satisfaction": satisfaction}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(lead.lead_no)
}

/// The survey of a lead, if one was sent.
pub(crate) async fn of_lead<C: banyan_store::ConnectionTrait>(
    c: &C,
    lead: LeadId,
    stage: LeadStage,
) -> Result<Option<SurveyView>> {
    if stage != LeadStage::Won {
        return Ok(None);
    }
    Ok(store::of_lead(c, lead).await?.as_ref().map(view_of))
}
