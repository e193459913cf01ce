//! Content pushes to a segment: the preview (how many customers, in which languages, by which channels, and
//! the message each language reads), the queueing of one message per customer, and how they fared.

use super::*;

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
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignReport {
    pub customers: u64,
    pub queued: u64,
}

const CHANNELS: [&str; 4] = ["email", "sms", "app", "wechat"];

/// The campaign's rules, checked before a preview or a send: its name, the Chinese text, the channel, the
/// variables, the segment filters. The segment filter to apply.
fn check(input: &CampaignInput) -> Result<Vec<(String, String)>> {
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
    let segments = crate::segments::segment_filter(&input.segments, &mut errs);
    errs.into_result()?;
    Ok(segments)
}

/// One page of the campaign's audience: verified customers in the segment and the actor's scope, after
/// the customer `after` (by id).
async fn audience_page(
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
async fn drafts(
    app: &App,
    input: &CampaignInput,
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
    let key = input.key.trim();
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

/// Queues a marketing message for every verified customer in the segment (within the actor's scope).
pub async fn campaign(app: &App, actor: &Actor, input: CampaignInput) -> Result<CampaignReport> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let segments = check(&input)?;
    let now = now_us();
    let mut report = CampaignReport {
        customers: 0,
        queued: 0,
    };
    let mut after = None;
    loop {
        let page = audience_page(app, &grant, &segments, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.uuid());
        let drafts: Vec<MessageRow> = drafts(app, &input, &page)
            .await?
            .into_iter()
            .map(|d| row(d, now))
            .collect();
        report.customers += page.len() as u64;
        let tx = app.db.begin_write().await?;
        // Pages commit one by one: the Idempotency-Key is claimed with the first, answered after the last.
        crate::idempotency::claim(&*tx, actor).await?;
        report.queued += store::enqueue(&*tx, &drafts).await?;
        crate::audit::record(
            app,
            &*tx,
            &grant,
            vec![crate::audit::Entry {
                action: "campaign.queue",
                entity: "campaign",
                entity_id: Some(input.key.clone()),
                customer_id: None,
                detail: serde_json::json!({"customers": page.len(), "segments": input.segments}),
            }],
        )
        .await?;
        tx.commit().await?;
    }
    crate::idempotency::finish(app, actor, 201, &report).await?;
    Ok(report)
}

/// One campaign's messages by delivery status (customers in the actor's scope).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CampaignSummary {
    pub key: String,
    /// When its first message was queued.
    pub started_at: String,
    pub total: u64,
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
    pub suppressed: u64,
}

/// Campaigns, newest first, with how their messages fared.
pub async fn campaigns(app: &App, actor: &Actor) -> Result<Vec<CampaignSummary>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let mut by: BTreeMap<String, (i64, CampaignSummary)> = BTreeMap::new();
    for c in store::campaign_counts(&app.db.conn, &grant.scope()).await? {
        let key = c.cause.trim_start_matches("campaign:").to_owned();
        let e = by.entry(key.clone()).or_insert_with(|| {
            (
                c.first_us,
                CampaignSummary {
                    key,
                    ..Default::default()
                },
            )
        });
        e.0 = e.0.min(c.first_us);
        let n = c.n.max(0) as u64;
        e.1.total += n;
        match c.status.as_str() {
            "queued" => e.1.queued += n,
            "sent" => e.1.sent += n,
            "failed" => e.1.failed += n,
            _ => e.1.suppressed += n,
        }
    }
    let mut out: Vec<(i64, CampaignSummary)> = by.into_values().collect();
    out.sort_by_key(|o| std::cmp::Reverse(o.0));
    Ok(out
        .into_iter()
        .map(|(first, mut s)| {
            s.started_at = crate::fmt_us(first);
            s
        })
        .collect())
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
    let segments = check(input)?;
    let mut out = CampaignPreview::default();
    let mut after = None;
    loop {
        let page = audience_page(app, &grant, &segments, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.uuid());
        for d in drafts(app, input, &page).await? {
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
    Ok(out)
}
