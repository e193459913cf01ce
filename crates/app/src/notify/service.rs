//! Service messages to one customer (answers to their own request: a case's reply and survey, a new
//! customer's satisfaction survey): in the customer's language, from a policy template or staff's text, on
//! the channel asked for or the customer's own.

use crate::App;
use crate::error::{AppError, Result};
use banyan_store::customers as cstore;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a message to a customer says: a policy template with variables (`{name}` is added), or a text
/// written by staff.
pub(crate) enum Content<'a> {
    Template(&'a str, &'a [(&'static str, String)]),
    Text { subject: String, body: String },
}

/// A service message to a customer (a case's reply or survey, a new customer's survey), in the customer's language, on `channel` or their
/// preferred one; `None` when the policy has no such template (or none in that language).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn customer_message<C: banyan_store::ConnectionTrait>(
    app: &App,
    c: &C,
    customer_id: Uuid,
    channel: Option<String>,
    cause: &str,
    content: Content<'_>,
    cause_key: String,
    now: i64,
) -> Result<Option<banyan_store::notify::MessageRow>> {
    let cust = cstore::find_customer(c, customer_id.into())
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = crate::notify::language_of(&cust)?;
    let (subject, body) = match content {
        Content::Text { subject, body } => (Some(subject), body),
        Content::Template(name, vars) => {
            let policy = app.policy();
            let Some(t) = policy.notify.templates.get(name) else {
                return Ok(None);
            };
            let mut v: BTreeMap<&str, String> = vars.iter().cloned().collect();
            v.insert("name", cust.display_name.clone());
            let Some(body) = banyan_domain::notify::pick(&t.body, &lang) else {
                return Ok(None);
            };
            (
                banyan_domain::notify::pick(&t.subject, &lang)
                    .map(|s| banyan_domain::notify::render(s, &v)),
                banyan_domain::notify::render(body, &v),
            )
        }
    };
    let channel = match channel {
        Some(ch) => ch,
        None => {
            let consents = cstore::list_consents(c, customer_id).await?;
            crate::notify::channel_for(cust.preferred_channel.as_deref(), &consents, false)
        }
    };
    Ok(Some(crate::notify::row(
        crate::notify::Draft {
            customer_id,
            channel,
            purpose: "service",
            cause: cause.to_owned(),
            cause_key,
            subject,
            body,
            lang,
        },
        now,
    )))
}
