//! Content pushes to a segment: the preview (how many customers, in which languages, by which channels, and
//! the message each language reads), the queueing of one message per customer, and how they fared.

use super::*;
use banyan_domain::notify::{CampaignContent, CampaignState};

/// A content push to a segment (market news, a rate change explained).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// Names the push; with the customer id it makes re-sending the same campaign a no-op.
    pub key: String,
    /// Segment filters: dimension -> value (`{"wealth_tier": "platinum"}`); empty means everyone in scope.
    #[serde(default)]
    pub segments: BTreeMap<String, String>,
    /// `email`, `sms`, `app`, `wechat`, or omitted for each customer's preferred channel.
    #[serde(default)]
    pub channel: Option<String>,
    /// Language code -> subject / body (`zh-CN` required).
    #[serde(default)]
    pub subject: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    /// When to send it (RFC 3339, within 90 days); omitted: at once (or once approved).
    #[serde(default)]
    pub send_at: Option<String>,
    /// Ask a second person to approve it although its audience is under the policy's threshold.
    #[serde(default)]
    pub ask_approval: bool,
}

impl CampaignInput {
    pub(crate) fn content(&self) -> CampaignContent {
        CampaignContent {
            segments: self.segments.clone(),
            channel: self.channel.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
        }
    }
}

/// What became of a new campaign: sent at once (with its counts), scheduled, or waiting for approval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignReport {
    pub id: Uuid,
    pub state: CampaignState,
    /// Customers it reaches (as counted when it was made; once sent, those it was queued for).
    pub customers: u64,
    /// Messages queued (0 until it is sent).
    pub queued: u64,
    /// When it goes (RFC 3339).
    pub send_at: String,
}

/// Whether a campaign waits for a second person: its maker asks, or it reaches more customers than the
/// policy lets go without one.
pub(super) fn needs_approval(app: &App, asked: bool, audience: u64) -> bool {
    above(app.policy().notify.campaign_approval_above, asked, audience)
}

fn above(limit: u32, asked: bool, audience: u64) -> bool {
    asked || audience > u64::from(limit)
}

/// The number of customers above which a campaign needs a second person's approval (for the form's hint).
pub fn approval_threshold(app: &App) -> u32 {
    app.policy().notify.campaign_approval_above
}

/// How far ahead a campaign may be scheduled.
const MAX_AHEAD_DAYS: i64 = 90;

const CHANNELS: [&str; 4] = ["email", "sms", "app", "wechat"];

/// A checked campaign: the segment filter to apply and when it goes (`None`: at once).
pub(super) struct Checked {
    pub(super) segments: Vec<(String, String)>,
    pub(super) send_at_us: Option<i64>,
}

/// The campaign's rules, checked before a preview or a send: its name, the Chinese text, the channel, the
/// variables, the segment filters, the time it goes.
pub(super) fn check(input: &CampaignInput) -> Result<Checked> {
    let mut errs = banyan_domain::FieldErrors::new();
    if input.key.trim().is_empty() || input.key.len() > 100 {
        errs.push(
            "key",
            "required",
            "name the campaign (at most 100 characters)",
        );
    }
    if !input.body.contains_key("zh-CN") {
        errs.push("body.zh-CN", "required", "is required");
    }
    if let Some(c) = &input.channel
        && !CHANNELS.contains(&c.as_str())
    {
        errs.push(
            "channel",
            "one_of",
            format!("must be one of {}", CHANNELS.join(", ")),
        );
    }
    // Pushes know the customer's name, honorific and tier; anything else in braces is a mistake.
    const PUSH_VARS: [&str; 3] = ["name", "honorific", "tier"];
    for (part, texts) in [("subject", &input.subject), ("body", &input.body)] {
        for (lang, text) in texts {
            let unknown = banyan_domain::notify::unknown_variables(text, &PUSH_VARS);
            if !unknown.is_empty() {
                errs.push(
                    format!("{part}.{lang}"),
                    "unknown_variable",
                    format!(
                        "unknown variable {{{}}}; use {{name}}, {{honorific}} or {{tier}}",
                        unknown.join("}, {")
                    ),
                );
            }
        }
    }
    let segments = banyan_domain::segments::segment_filter(&input.segments, &mut errs);
    let send_at_us = input
        .send_at
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .and_then(|t| match t.parse::<jiff::Timestamp>() {
            Ok(at) => {
                let us = at.as_microsecond();
                let now = now_us();
                if us <= now {
                    errs.push("send_at", "future", "must be in the future");
                } else if us > now + MAX_AHEAD_DAYS * 86_400_000_000 {
                    errs.push(
                        "send_at",
                        "max_days",
                        format!("must be within {MAX_AHEAD_DAYS} days"),
                    );
                }
                Some(us)
            }
            Err(_) => {
                errs.push("send_at", "format", "must be an RFC 3339 time");
                None
            }
        });
    errs.into_result()?;
    Ok(Checked {
        segments,
        send_at_us,
    })
}

/// One page of the campaign's audience: verified customers in the segment and the actor's scope, after
/// the customer `after` (by id).
pub(super) async fn audience_page(
    app: &App,
    grant: &crate::actor::Granted<'_>,
    segments: &[(String, String)],
    after: Option<Uuid>,
) -> Result<Vec<cstore::CustomerRow>> {
    let f = cstore::CustomerFilter {
        status: Some("verified".into()),
        segments: segments.to_vec(),
        after: after.map(cstore::Cursor::Id),
        ..cstore::CustomerFilter::scoped(grant.scope(), 500)
    };
    Ok(cstore::list_customers(&app.db.conn, &f).await?)
}

/// The message each customer of a page of the audience would get: in their language (the Chinese text
/// when theirs is missing, which `check` guarantees), by the campaign's channel or their own preferred
/// one among those they consented to. One read of tiers and one of consents per page.
pub(super) async fn drafts(
    app: &App,
    key: &str,
    input: &CampaignContent,
    page: &[cstore::CustomerRow],
) -> Result<Vec<Draft>> {
    let ids: Vec<Uuid> = page.iter().map(|r| r.id.uuid()).collect();
    let tiers = wealth_tiers(app, &ids).await?;
    let mut consents: std::collections::HashMap<Uuid, Vec<cstore::ConsentRow>> =
        std::collections::HashMap::new();
    if input.channel.is_none() {
        for c in cstore::consents_of(&app.db.conn, &ids).await? {
            consents.entry(c.customer_id).or_default().push(c);
        }
    }
    let key = key.trim();
    let mut out = Vec::with_capacity(page.len());
    for r in page {
        let id = r.id.uuid();
        let (lang, vars) = customer_vars(r, tiers.get(&id).map(String::as_str), "")?;
        let body = pick(&input.body, &lang).ok_or_else(|| {
            AppError::internal("a checked campaign has no text in Chinese to fall back on")
        })?;
        out.push(Draft {
            customer_id: id,
            channel: input.channel.clone().unwrap_or_else(|| {
                let theirs = consents.get(&id).map_or(&[][..], Vec::as_slice);
                channel_for(r.preferred_channel.as_deref(), theirs, true)
            }),
            purpose: "marketing",
            cause: format!("campaign:{key}"),
            cause_key: format!("campaign:{key}:{}", r.id),
            subject: pick(&input.subject, &lang).map(|s| render(s, &vars)),
            body: render(body, &vars),
            lang,
        });
    }
    Ok(out)
}

/// What a campaign would do if sent now: how many customers it reaches, in which languages and by which
/// channels, and each language's message as its first customer would read it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CampaignPreview {
    pub audience: u64,
    /// Customers by the language their message is written in (`zh-CN`, `zh-TW`, `en`).
    pub by_language: BTreeMap<String, u64>,
    /// Customers by the channel the message would go by (`email`, `sms`, `app`, `wechat`).
    pub by_channel: BTreeMap<String, u64>,
    /// One rendered message per language of the audience.
    pub samples: Vec<PreviewText>,
    /// Whether it would wait for a second person's approval (audience above `approval_above`, or asked).
    pub needs_approval: bool,
    /// The policy's threshold (`notify.campaign_approval_above`).
    pub approval_above: u32,
}

/// A language's message as one of its customers would read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewText {
    pub lang: String,
    pub subject: Option<String>,
    pub body: String,
}

/// The campaign's audience and messages, without sending anything (nothing is written).
pub async fn preview_campaign(
    app: &App,
    actor: &Actor,
    input: &CampaignInput,
) -> Result<CampaignPreview> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let checked = check(input)?;
    let content = input.content();
    let mut out = CampaignPreview::default();
    let mut after = None;
    loop {
        let page = audience_page(app, &grant, &checked.segments, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.uuid());
        for d in drafts(app, &input.key, &content, &page).await? {
            *out.by_channel.entry(d.channel).or_default() += 1;
            *out.by_language.entry(d.lang.clone()).or_default() += 1;
            if !out.samples.iter().any(|s| s.lang == d.lang) {
                out.samples.push(PreviewText {
                    subject: d.subject,
                    body: d.body,
                    lang: d.lang,
                });
            }
        }
        out.audience += page.len() as u64;
    }
    out.samples.sort_by(|a, b| a.lang.cmp(&b.lang));
    out.approval_above = app.policy().notify.campaign_approval_above;
    out.needs_approval = needs_approval(app, input.ask_approval, out.audience);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_campaign_above_the_threshold_or_asked_for_waits_for_approval() {
        assert!(
            !super::above(1000, false, 1000),
            "the threshold itself goes"
        );
        assert!(super::above(1000, false, 1001));
        assert!(super::above(1000, true, 3), "its maker may ask at any size");
        assert!(
            super::above(0, false, 1),
            "0: every campaign needs a second person"
        );
        assert!(!super::above(0, false, 0));
    }
}
