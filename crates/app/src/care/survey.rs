//! The care programme's satisfaction survey (seed 003 §七 满意度): the policy's `survey_days` after a
//! registration — or when the record ends, if sooner — the customer is asked through the outbox, on their
//! channel and in their language, for a score from 1 to 5 (template `care_survey`, which says nothing of
//! their situation; a service message, so the marketing pause does not hold it). The reply comes back
//! through the gateway (`inbound`): the score is kept for the report, the customer's words sealed in the
//! compartment, and the team's lead contact is told.

use crate::App;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::notify::{Content, customer_message};
use banyan_domain::care::team::CareRole;
use banyan_domain::ids::CareId;
use banyan_store::care::survey::{self as store, SurveyRow};
use banyan_store::care::{self as cstore};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// Surveys sent per run at most (the next night sends the rest).
const BATCH: u64 = 500;

/// A record's survey as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CareSurveyView {
    pub sent_at: String,
    /// 1 to 5, once the customer replied.
    pub satisfaction: Option<i32>,
    pub answered_at: Option<String>,
}

pub(crate) async fn view_of<C: ConnectionTrait>(
    c: &C,
    id: CareId,
) -> Result<Option<CareSurveyView>> {
    Ok(store::of_records(c, &[id])
        .await?
        .first()
        .map(|s| CareSurveyView {
            sent_at: crate::fmt_us(s.sent_at_us),
            satisfaction: s.satisfaction,
            answered_at: s.answered_at_us.map(crate::fmt_us),
        }))
}

/// Sends the survey of every record due one (see the module); returns how many were sent. A policy without
/// the `care_survey` template sends nothing; each survey is recorded with its message in one transaction, at
/// most once per record (another node's run finds it sent).
pub async fn send_due(app: &App) -> Result<usize> {
    let days = i64::from(app.policy().care.survey_days);
    let registered_before = now_us() - days * 86_400_000_000;
    let mut sent = 0;
    for id in store::due(&app.db.conn, registered_before, BATCH).await? {
        let tx = app.db.begin_write().await?;
        let Some(r) = cstore::find(&*tx, id).await? else {
            continue;
        };
        let now = now_us();
        let Some(m) = customer_message(
            app,
            &*tx,
            r.customer_id.uuid(),
            None,
            "care.survey",
            Content::Template("care_survey", &[]),
            format!("care:{id}:survey"),
            now,
        )
        .await?
        else {
            return Ok(sent);
        };
        let row = SurveyRow {
            record_id: id,
            message_id: m.id,
            sent_at_us: now,
            satisfaction: None,
            comment_enc: None,
            answered_at_us: None,
        };
        if !store::insert_once(&*tx, &row).await? {
            continue;
        }
        banyan_store::notify::enqueue(&*tx, std::slice::from_ref(&m)).await?;
        audit::record_system(
            app,
            &*tx,
            "care.survey",
            vec![Entry {
                action: "care.survey_sent",
                entity: "care",
                entity_id: Some(id.to_string()),
                customer_id: Some(r.customer_id.uuid()),
                detail: json!({"channel": m.channel}),
            }],
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Records a customer's reply to their survey (the message it answers): the score, and their words sealed
/// under the record's key (dropped when the key is already destroyed); the lead contact is told; audited as
/// the gateway. 404 when the message asked no care survey; 409 when it was answered already. Returns the
/// customer's number.
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
    let s = store::of_message(&*tx, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = cstore::find(&*tx, s.record_id).await?.ok_or_else(|| {
        AppError::internal(format!("care survey of a missing record {}", s.record_id))
    })?;
    let cust = banyan_store::customers::find_customer(&*tx, r.customer_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("care record {}: customer missing", r.id)))?;
    let sealed = match (super::record_key(app, &r)?, comment.as_deref()) {
        (Some(key), Some(words)) => Some(key.seal("survey", words)?),
        _ => None,
    };
    let now = now_us();
    if !store::answer(&*tx, r.id, satisfaction, sealed, now).await? {
        return Err(AppError::conflict(
            "already_surveyed",
            "this survey has been answered",
            json!({"satisfaction": s.satisfaction}),
        ));
    }
    let team = cstore::team_of(&*tx, r.id).await?;
    let notices: Vec<_> = team
        .iter()
        .filter(|m| m.role == CareRole::RelationshipManager)
        .map(|m| super::notice(m.staff_id, "care.surveyed", &cust, now))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    audit::record_system(
        app,
        &*tx,
        "gateway",
        vec![Entry {
            action: "care.survey",
            entity: "care",
            entity_id: Some(r.id.to_string()),
            customer_id: Some(r.customer_id.uuid()),
            detail: json!({"satisfaction": satisfaction}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(cust.customer_no)
}
