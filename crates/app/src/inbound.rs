//! Replies from customers, relayed by the bank's notification gateway: the answer to a satisfaction survey
//! (a score 1-5: a case's, a new customer's after the opening, a care customer's) and the reply to an event invitation (yes / no). The gateway signs each request like
//! Banyan signs its own (HMAC-SHA256 over `timestamp.body`); the web layer checks the signature, this
//! module finds what the reply answers (the message it replies to) and records it as the gateway.

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A customer's reply.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// The id of the message replied to (the `id` / `Idempotency-Key` Banyan sent it with).
    pub in_reply_to: Uuid,
    /// What the customer wrote back: `5` or `4 很满意` to a survey; `1` / `是` / `Y` or `2` / `否` / `N` to an
    /// invitation.
    pub text: String,
}

/// What a reply did.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(tag = "applied", rename_all = "snake_case")]
pub enum Applied {
    Survey {
        case_no: String,
        satisfaction: i32,
    },
    /// A new customer's answer to the satisfaction survey after their account opening.
    NewCustomerSurvey {
        lead_no: String,
        satisfaction: i32,
    },
    Rsvp {
        event_id: Uuid,
        status: String,
    },
    /// A care customer's answer to the programme's satisfaction survey.
    CareSurvey {
        customer_no: String,
        satisfaction: i32,
    },
}

/// The gateway acting for the customer: bank-wide, case and customer writes only, audited as `gateway`.
fn gateway() -> Actor {
    Actor {
        id: StaffId::nil(),
        username: "gateway".into(),
        role: Role::CustomerService,
        branch_code: None,
        department: None,
        scope_override: None,
    }
}

/// Reads a survey score: the first digit 1-5, the rest (if any) as the comment.
pub fn survey_score(text: &str) -> Option<(i32, Option<String>)> {
    let t = text.trim();
    let first = t.chars().next()?;
    let n = first.to_digit(10).filter(|n| (1..=5).contains(n))?;
    let rest = t[first.len_utf8()..].trim_start_matches([' ', ',', '，', '.', '。', ':', '：']);
    let rest = rest.trim();
    Some((n as i32, (!rest.is_empty()).then(|| rest.to_owned())))
}

/// A survey reply's score and words, or the field error that says what a reply must start with.
fn score_of(text: &str) -> Result<(i32, Option<String>)> {
    survey_score(text).ok_or_else(|| {
        AppError::field(
            "text",
            "survey_score",
            "must start with a score from 1 to 5",
        )
    })
}

/// Reads a yes / no answer to an invitation.
pub fn rsvp(text: &str) -> Option<&'static str> {
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "1" | "y" | "yes" | "是" | "参加" | "參加" | "报名" | "報名" | "好" => {
            Some("accept")
        }
        "2" | "n" | "no" | "否" | "不参加" | "不參加" | "不" => Some("decline"),
        _ => None,
    }
}

/// Applies a reply: 404 if the message is unknown or answers nothing that takes replies, 422 if the text
/// cannot be read, 409 if the case or invitation no longer takes it.
pub async fn receive(app: &App, reply: Reply) -> Result<Applied> {
    let m = banyan_store::notify::find(&app.db.conn, reply.in_reply_to)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = gateway();
    match m.cause.as_str() {
        "case.survey" => {
            // cause_key: case:<case id>:survey:<n>
            let case_id: banyan_domain::ids::CaseId = m
                .cause_key
                .split(':')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or(AppError::NotFound)?;
            let (satisfaction, comment) = score_of(&reply.text)?;
            let v = crate::cases::act(
                app,
                &actor,
                case_id,
                crate::cases::CaseAction::Survey {
                    satisfaction,
                    comment,
                },
                None,
            )
            .await?;
            Ok(Applied::Survey {
                case_no: v.summary.case_no,
                satisfaction,
            })
        }
        "lead.survey" => {
            let (satisfaction, comment) = score_of(&reply.text)?;
            let lead_no =
                crate::acquisition::survey::answer(app, m.id, satisfaction, comment).await?;
            Ok(Applied::NewCustomerSurvey {
                lead_no,
                satisfaction,
            })
        }
        "care.survey" => {
            let (satisfaction, comment) = score_of(&reply.text)?;
            let customer_no = crate::care::survey::answer(app, m.id, satisfaction, comment).await?;
            Ok(Applied::CareSurvey {
                customer_no,
                satisfaction,
            })
        }
        "event.invite" => {
            // cause_key: event:<event id>:<customer id>
            let event_id: Uuid = m
                .cause_key
                .split(':')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or(AppError::NotFound)?;
            let response = rsvp(&reply.text).ok_or_else(|| {
                AppError::field("text", "rsvp", "must be yes (1, Y, 是) or no (2, N, 否)")
            })?;
            let status = crate::events::respond(
                app,
                &actor,
                event_id,
                crate::events::ResponseInput {
                    customer: m.customer_id,
                    response: response.into(),
                },
            )
            .await?;
            Ok(Applied::Rsvp { event_id, status })
        }
        _ => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_in_the_customers_words() {
        assert_eq!(survey_score("5"), Some((5, None)));
        assert_eq!(
            survey_score(" 4，处理很及时"),
            Some((4, Some("处理很及时".into())))
        );
        assert_eq!(survey_score("6"), None);
        assert_eq!(survey_score("很好"), None);
        assert_eq!(rsvp("是"), Some("accept"));
        assert_eq!(rsvp(" Y "), Some("accept"));
        assert_eq!(rsvp("2"), Some("decline"));
        assert_eq!(rsvp("maybe"), None);
    }
}
