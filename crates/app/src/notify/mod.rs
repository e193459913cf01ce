//! The notification outbox and its dispatcher.
//!
//! A message is a row written in the transaction of its cause (a greeting job, a campaign, later a
//! complaint reply). The dispatcher claims due messages one by one (a claim is a row update with an
//! expiry, so several nodes can dispatch side by side and a crashed dispatcher's claims run out), checks
//! at send time what may have changed since (consent for marketing, the address, quiet hours, the weekly
//! cap), and delivers: e-mail over SMTP, SMS / app push / WeChat through a signed HTTP webhook to the
//! bank's gateway. Every attempt ends in a recorded status: `sent`, back to `queued` with a later attempt
//! (backoff, or after quiet hours), `failed` after the last attempt, or `suppressed` with the reason.
//! Nothing is dropped silently.
//!
//! Exactly once: the message id is the idempotency key (`Idempotency-Key` header for the gateway, the
//! `Message-ID` of an e-mail). If the dispatcher dies after the gateway accepted a message but before the
//! row says `sent`, the retry carries the same key and the gateway drops the duplicate.

use crate::App;
use crate::actor::Actor;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::notify::{honorific, pick, render, tier_label};
use banyan_store::customers as cstore;
use banyan_store::notify::{self as store, MessageRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

mod approval;
mod campaigns;
mod service;
pub use approval::{
    CANCEL_MAKER, CANCEL_SEGMENT, CampaignDecision, CampaignSummary, approve, awaiting_my_approval,
    campaign, campaigns, cancel, reject, send_due,
};
pub use campaigns::{
    CampaignInput, CampaignPreview, CampaignReport, PreviewText, approval_threshold,
    preview_campaign,
};
pub(crate) use service::{Content, customer_message};

/// The bank's notification gateway for SMS, app push and WeChat.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub url: String,
    /// HMAC-SHA256 key for the `X-Banyan-Signature` header.
    pub secret: Vec<u8>,
}

/// Where messages go. A channel without a transport is not delivered: its messages fail with the reason
/// after the retries, so a misconfiguration is visible instead of silent.
#[derive(Clone, Default)]
pub struct Delivery {
    smtp: Option<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>,
    from: Option<lettre::message::Mailbox>,
    gateway: Option<(Gateway, reqwest_tls::Client)>,
    /// Name used in greetings (`{bank}`).
    pub bank_name: String,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("smtp", &self.smtp.is_some())
            .field("gateway", &self.gateway.as_ref().map(|g| g.0.url.clone()))
            .finish()
    }
}

/// Makes ring the process's TLS provider (reqwest and lettre are built without one). Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Delivery {
    /// `smtp_url`: `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465`
    /// (TLS), with optional `user:password@`.
    pub fn new(
        smtp_url: Option<&str>,
        smtp_from: Option<&str>,
        gateway: Option<Gateway>,
        bank_name: &str,
    ) -> Result<Delivery> {
        install_tls_provider();
        let smtp = match smtp_url.filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => Some(
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(u)
                    .map_err(|e| AppError::field("smtp_url", "format", e.to_string()))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
        };
        let from = match smtp_from.filter(|f| !f.is_empty()) {
            None => None,
            Some(f) => Some(
                f.parse::<lettre::message::Mailbox>()
                    .map_err(|e| AppError::field("smtp_from", "format", e.to_string()))?,
            ),
        };
        let gateway = match gateway {
            None => None,
            Some(g) => {
                let client = reqwest_tls::Client::builder()
                    .timeout(std::time::Duration::from_secs(20))
                    .build()
                    .map_err(|e| AppError::internal(format!("http client: {e}")))?;
                Some((g, client))
            }
        };
        Ok(Delivery {
            smtp,
            from,
            gateway,
            bank_name: bank_name.to_owned(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Enqueueing
// ---------------------------------------------------------------------------------------------

/// A message to enqueue (rendered already).
#[derive(Debug, Clone)]
pub struct Draft {
    pub customer_id: Uuid,
    pub channel: String,
    pub purpose: &'static str,
    pub cause: String,
    pub cause_key: String,
    pub lang: String,
    pub subject: Option<String>,
    pub body: String,
}

pub(crate) fn row(d: Draft, now: i64) -> MessageRow {
    MessageRow {
        id: Uuid::now_v7(),
        customer_id: d.customer_id,
        channel: d.channel,
        purpose: d.purpose.into(),
        cause: d.cause,
        cause_key: d.cause_key,
        lang: d.lang,
        subject: d.subject,
        body: d.body,
        status: "queued".into(),
        reason: None,
        attempts: 0,
        next_attempt_at_us: now,
        claimed_until_us: None,
        created_at_us: now,
        sent_at_us: None,
    }
}

/// The channel for a message: for marketing the preferred channel if the customer consented to it, else the
/// first channel with a consent (a greeting goes where it may go); for service the preferred channel. SMS
/// when nothing says otherwise.
pub(crate) fn channel_for(
    preferred: Option<&str>,
    consents: &[cstore::ConsentRow],
    marketing: bool,
) -> String {
    let consented = |ch: &str| consents.iter().any(|c| c.granted && c.channel == ch);
    match preferred {
        Some(p) if !marketing || consented(p) => p.to_owned(),
        _ => consents
            .iter()
            .find(|c| c.granted)
            .map(|c| c.channel.clone())
            .or_else(|| preferred.map(str::to_owned))
            .unwrap_or_else(|| "sms".into()),
    }
}

/// Birthday greetings for today's birthdays (individuals, verified), on the preferred channel, in the
/// language of the customer's profile (zh-CN by default). Idempotent: one greeting per customer and year.
pub async fn birthday_greetings(app: &App, bank: &str) -> Result<u64> {
    let today = app.today();
    let policy = app.policy();
    let Some(t) = policy.notify.templates.get("birthday") else {
        return Ok(0);
    };
    let mut suffixes = vec![format!("-{:02}-{:02}", today.month(), today.day())];
    // Born on 29 February: greeted on 28 February in common years.
    if today.month() == 2 && today.day() == 28 && !today.in_leap_year() {
        suffixes.push("-02-29".into());
    }
    let born = cstore::birthdays(&app.db.conn, &suffixes).await?;
    let now = now_us();
    let mut drafts = Vec::new();
    let tiers = wealth_tiers(app, &born.iter().map(|r| r.id.uuid()).collect::<Vec<_>>()).await?;
    for r in born {
        let consents = cstore::list_consents(&app.db.conn, r.id.uuid()).await?;
        let key = format!("birthday:{}:{}", today.year(), r.id);
        let tier = tiers.get(&r.id.uuid()).map(String::as_str);
        if let Some(d) = greeting(t, &r, &consents, tier, bank, key, "greeting.birthday")? {
            drafts.push(row(d, now));
        }
    }
    let tx = app.db.begin_write().await?;
    let n = store::enqueue(&*tx, &drafts).await?;
    tx.commit().await?;
    Ok(n)
}

/// The shipped holiday list (`data/holidays/zh-CN.toml`); a bank's own copy replaces it.
pub const DEFAULT_HOLIDAYS: &str = include_str!("../../../../data/holidays/zh-CN.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Holidays {
    greetings: Vec<HolidayGreeting>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayGreeting {
    key: String,
    dates: Vec<jiff::civil::Date>,
    /// The message languages (locales) whose customers are greeted; empty: everyone.
    #[serde(default)]
    languages: Vec<String>,
}

/// Checks a holiday list: the line and reason of a syntax error, or a key without its template.
pub fn check_holidays(app: &App, text: &str) -> Result<()> {
    let policy = &app.policy();
    let h: Holidays = toml::from_str(text)
        .map_err(|e| AppError::field("holidays", "format", e.message().trim().to_owned()))?;
    for g in &h.greetings {
        if !policy
            .notify
            .templates
            .contains_key(&format!("holiday_{}", g.key))
        {
            return Err(AppError::field(
                "holidays",
                "template",
                format!(
                    "no template notify.templates.holiday_{} in the policy",
                    g.key
                ),
            ));
        }
        if let Some(l) = g
            .languages
            .iter()
            .find(|l| !banyan_domain::customer::MESSAGE_LANGUAGES.contains(&l.as_str()))
        {
            return Err(AppError::field(
                "holidays",
                "language",
                format!(
                    "{}: `{l}` is not one of {}",
                    g.key,
                    banyan_domain::customer::MESSAGE_LANGUAGES.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Holiday greetings for today (from the holiday list), to every verified individual (or those whose message
/// language the greeting names: a festival of one locale), on a consented channel. Idempotent: one greeting
/// per customer, holiday and year.
pub async fn holiday_greetings(app: &App, holidays: &str, bank: &str) -> Result<u64> {
    check_holidays(app, holidays)?;
    let h: Holidays = toml::from_str(holidays)
        .map_err(|e| AppError::field("holidays", "format", e.message().trim().to_owned()))?;
    let today = app.today();
    let mut queued = 0;
    for g in h.greetings.iter().filter(|g| g.dates.contains(&today)) {
        let policy = app.policy();
        let Some(t) = policy.notify.templates.get(&format!("holiday_{}", g.key)) else {
            continue;
        };
        let mut after = None;
        loop {
            let f = cstore::CustomerFilter {
                kind: Some("individual".into()),
                status: Some("verified".into()),
                after: after.map(cstore::Cursor::Id),
                ..cstore::CustomerFilter::scoped(cstore::ScopeFilter::All, 500)
            };
            let page = cstore::list_customers(&app.db.conn, &f).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.uuid());
            let now = now_us();
            let mut drafts = Vec::new();
            let tiers =
                wealth_tiers(app, &page.iter().map(|r| r.id.uuid()).collect::<Vec<_>>()).await?;
            for r in &page {
                if !g.languages.is_empty() && !g.languages.contains(&language_of(r)?) {
                    continue;
                }
                let consents = cstore::list_consents(&app.db.conn, r.id.uuid()).await?;
                if let Some(d) = greeting(
                    t,
                    r,
                    &consents,
                    tiers.get(&r.id.uuid()).map(String::as_str),
                    bank,
                    format!("holiday:{}:{}:{}", g.key, today.year(), r.id),
                    "greeting.holiday",
                )? {
                    drafts.push(row(d, now));
                }
            }
            let tx = app.db.begin_write().await?;
            queued += store::enqueue(&*tx, &drafts).await?;
            tx.commit().await?;
        }
    }
    Ok(queued)
}

/// The language a customer's messages are written in (profile, zh-CN by default).
pub(crate) fn language_of(r: &cstore::CustomerRow) -> Result<String> {
    Ok(profile_of(r)?
        .get("language")
        .and_then(|l| l.as_str())
        .unwrap_or("zh-CN")
        .to_owned())
}

/// The customer's stored profile; one that does not parse is an error naming the customer (a message in a
/// guessed language or with a guessed honorific must not go out).
fn profile_of(r: &cstore::CustomerRow) -> Result<serde_json::Value> {
    crate::json::stored(
        &r.profile,
        format_args!("customers.profile of customer {}", r.id),
    )
}

/// The customer's language (profile, zh-CN by default) and the template variables for them: `{name}`,
/// `{honorific}` (from the gender), `{tier}` (wealth tier, in that language) and `{bank}`.
fn customer_vars(
    r: &cstore::CustomerRow,
    tier: Option<&str>,
    bank: &str,
) -> Result<(String, BTreeMap<&'static str, String>)> {
    let profile = profile_of(r)?;
    let lang = language_of(r)?;
    let vars = BTreeMap::from([
        ("name", r.display_name.clone()),
        (
            "honorific",
            honorific(profile.get("gender").and_then(|g| g.as_str()), &lang).to_owned(),
        ),
        (
            "tier",
            tier.map(|t| tier_label(t, &lang)).unwrap_or_default(),
        ),
        ("bank", bank.to_owned()),
    ]);
    Ok((lang, vars))
}

/// Wealth tiers of these customers (those that have one).
async fn wealth_tiers(app: &App, ids: &[Uuid]) -> Result<BTreeMap<Uuid, String>> {
    Ok(
        banyan_store::segments::assignment_values_for(&app.db.conn, ids)
            .await?
            .into_iter()
            .filter(|a| a.dimension == "wealth_tier")
            .map(|a| (a.customer_id, a.value))
            .collect(),
    )
}

/// A greeting for a customer from a template, in the customer's language.
fn greeting(
    t: &banyan_domain::notify::Template,
    r: &cstore::CustomerRow,
    consents: &[cstore::ConsentRow],
    tier: Option<&str>,
    bank: &str,
    cause_key: String,
    cause: &str,
) -> Result<Option<Draft>> {
    let (lang, vars) = customer_vars(r, tier, bank)?;
    let Some(body) = pick(&t.body, &lang) else {
        return Ok(None);
    };
    let body = render(body, &vars);
    Ok(Some(Draft {
        customer_id: r.id.uuid(),
        channel: channel_for(r.preferred_channel.as_deref(), consents, true),
        purpose: "marketing",
        cause: cause.into(),
        cause_key,
        subject: pick(&t.subject, &lang).map(|s| render(s, &vars)),
        body,
        lang,
    }))
}

// ---------------------------------------------------------------------------------------------
// Dispatching
// ---------------------------------------------------------------------------------------------

/// What one dispatch pass did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DispatchReport {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub suppressed: u64,
    /// Marketing held until quiet hours end.
    pub deferred: u64,
}

/// How long one attempt may take before another dispatcher may take the message again.
const CLAIM_US: i64 = 120 * 1_000_000;

enum Outcome {
    Sent,
    Suppressed(String),
    /// Not now: the reason (`quiet_hours`, `cap_pending`) and when to try again.
    Deferred(&'static str, i64),
    Error(String),
}

/// Messages being delivered at the same time by one dispatcher: sending is mostly waiting (the gateway,
/// the SMTP server, commits), so a few in flight keep both the database and the network busy
/// (bench/engagement: one at a time left a core idle).
const IN_FLIGHT: usize = 8;
/// Messages claimed per statement: four rounds of `IN_FLIGHT`. A claimed message waits at most for the
/// batch before it and the sends in flight (five rounds): even if every send waits for its 20 s timeout that
/// is 100 s, before its claim runs out (`CLAIM_US`, 120 s), so no other node can take a message this one is
/// still going to send.
const CLAIM_BATCH: usize = IN_FLIGHT * 4;

/// What became of one message.
enum Settled {
    Sent,
    Retried,
    Failed,
    Suppressed,
    Deferred,
}

/// Delivers the messages due now (at most `limit`, up to [`IN_FLIGHT`] at a time). `clock` is the time
/// quiet hours are judged by (the dispatcher passes the current time; tests pass a fixed one).
pub async fn dispatch_once(
    app: &App,
    d: &Delivery,
    limit: u64,
    clock: jiff::Timestamp,
) -> Result<DispatchReport> {
    use futures_util::StreamExt;
    // One marketing message per customer per pass: the weekly cap is checked against what was sent, so
    // two of a customer's marketing messages in flight together could both pass it. The others go in the
    // next pass; service messages are not capped.
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<store::MessageAt> = store::due(&app.db.conn, now_us(), limit)
        .await?
        .into_iter()
        .filter(|(_, customer, purpose)| purpose != "marketing" || seen.insert(*customer))
        .map(|(at, _, _)| at)
        .collect();
    let mut report = DispatchReport::default();
    // Claimed a batch at a time, in one statement, when the senders run out of claimed messages: the
    // next batch is claimed while the last of the previous one are still in flight, so the pipeline does
    // not drain between batches, and no claim is made long before its message is sent (a crash leaves at
    // most one batch waiting for its claims to expire).
    let mut batches = ids.chunks(CLAIM_BATCH);
    let mut claimed: std::collections::VecDeque<MessageRow> = std::collections::VecDeque::new();
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    loop {
        while in_flight.len() < IN_FLIGHT {
            if claimed.is_empty() {
                let Some(chunk) = batches.next() else { break };
                claimed.extend(claim_chunk(app, chunk).await?);
                continue;
            }
            if let Some(m) = claimed.pop_front() {
                in_flight.push(deliver(app, d, m, clock));
            }
        }
        let Some(r) = in_flight.next().await else {
            break;
        };
        match r? {
            Settled::Sent => report.sent += 1,
            Settled::Retried => report.retried += 1,
            Settled::Failed => report.failed += 1,
            Settled::Suppressed => report.suppressed += 1,
            Settled::Deferred => report.deferred += 1,
        }
    }
    Ok(report)
}

/// Claims one batch (see `dispatch_once`).
async fn claim_chunk(app: &App, chunk: &[store::MessageAt]) -> Result<Vec<MessageRow>> {
    let now = now_us();
    Ok(store::claim_batch(&app.db.conn, chunk, now, now + CLAIM_US).await?)
}

/// Attempts and records one claimed message.
async fn deliver(
    app: &App,
    d: &Delivery,
    m: MessageRow,
    clock: jiff::Timestamp,
) -> Result<Settled> {
    let c = &app.db.conn;
    let id = m.at();
    // The claim this dispatcher made: the outcome is recorded only while it still holds the message.
    let claim = m.claimed_until_us;
    let outcome = match attempt(app, d, &m, clock).await {
        Ok(o) => o,
        Err(e) => Outcome::Error(e.to_string()),
    };
    let now = now_us();
    Ok(match outcome {
        Outcome::Sent => {
            store::settle(c, id, claim, "sent", None, None, Some(now)).await?;
            Settled::Sent
        }
        Outcome::Suppressed(reason) => {
            store::settle(c, id, claim, "suppressed", Some(&reason), None, None).await?;
            Settled::Suppressed
        }
        Outcome::Deferred(reason, until) => {
            // Waiting (for quiet hours to end, for another message's outcome) is not an attempt.
            store::defer(c, id, claim, reason, until).await?;
            Settled::Deferred
        }
        Outcome::Error(reason) => {
            // `attempts` already counts this one (the claim added it).
            let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
            if attempts >= app.policy().notify.max_attempts {
                store::settle(c, id, claim, "failed", Some(&reason), None, None).await?;
                Settled::Failed
            } else {
                let next = now + app.policy().notify.backoff_seconds(attempts) * 1_000_000;
                store::settle(c, id, claim, "queued", Some(&reason), Some(next), None).await?;
                Settled::Retried
            }
        }
    })
}

async fn attempt(
    app: &App,
    d: &Delivery,
    m: &MessageRow,
    clock: jiff::Timestamp,
) -> Result<Outcome> {
    let c = &app.db.conn;
    let policy = &app.policy().notify;
    // A person who asked for deletion is contacted no more while their records are only stored (restricted)
    // nor after: whatever was queued for them stays unsent, whatever its purpose.
    if let Some(row) = cstore::find_customer(c, m.customer_id.into()).await? {
        use banyan_domain::customer::CustomerStatus::{Erased, Restricted};
        if matches!(row.status, Restricted | Erased) {
            return Ok(Outcome::Suppressed(
                "restricted: the customer asked for deletion; their records are only stored".into(),
            ));
        }
    }
    if m.purpose == "marketing" {
        // A customer in the care programme gets no marketing while registered (seed 003 §五), unless the
        // registration dropped the pause at their request; decided at send time, so a registration after
        // a campaign was queued still holds it back.
        let customer = banyan_domain::ids::CustomerId::from_uuid(m.customer_id);
        let pause = banyan_domain::care::Adjustment::NoMarketing;
        if !banyan_store::care::registered_with(c, &[customer], pause)
            .await?
            .is_empty()
        {
            return Ok(Outcome::Suppressed(
                "care_pause: marketing is paused while the customer is in the care programme"
                    .into(),
            ));
        }
        let consents = cstore::list_consents(c, m.customer_id).await?;
        let granted = consents.iter().any(|x| x.channel == m.channel && x.granted);
        if !granted {
            return Ok(Outcome::Suppressed(format!(
                "no_consent: the customer has not consented to marketing by {}",
                m.channel
            )));
        }
        let local = clock.to_zoned(app.tz.clone());
        if let Some(until) = policy.quiet_until(local.datetime()) {
            let until_us = until
                .to_zoned(app.tz.clone())
                .map(|z| z.timestamp().as_microsecond())
                .unwrap_or_else(|_| now_us() + 3_600_000_000);
            return Ok(Outcome::Deferred("quiet_hours", until_us));
        }
        let week_ago = now_us() - 7 * 24 * 3_600_000_000;
        let sent = store::marketing_sent_since(c, m.customer_id, week_ago).await?;
        if sent >= i64::from(policy.marketing_per_week) {
            return Ok(Outcome::Suppressed(format!(
                "frequency_cap: {sent} marketing messages in the last 7 days (cap {})",
                policy.marketing_per_week
            )));
        }
        // Another dispatcher may be sending this customer a marketing message right now: if both went out
        // the cap could be passed, so this one waits for that outcome (then counts it as sent, or not).
        let in_flight = store::marketing_in_flight(c, m.customer_id, m.id, now_us()).await?;
        if in_flight > 0 && sent + in_flight >= i64::from(policy.marketing_per_week) {
            // A little later, spread by id so two waiting messages do not keep meeting.
            let spread = i64::from(m.id.as_bytes()[15]) * 100_000;
            return Ok(Outcome::Deferred(
                "cap_pending",
                now_us() + 30_000_000 + spread,
            ));
        }
    }
    let to = match address(app, m).await? {
        Some(a) => a,
        None => {
            return Ok(Outcome::Suppressed(format!(
                "no_address: the customer has no {} contact",
                m.channel
            )));
        }
    };
    let sent = match m.channel.as_str() {
        "email" => send_email(d, m, &to).await,
        _ => send_webhook(d, m, &to).await,
    };
    Ok(match sent {
        Ok(()) => Outcome::Sent,
        Err(e) => Outcome::Error(e),
    })
}

/// The recipient at send time (contacts may have changed since the message was queued).
async fn address(app: &App, m: &MessageRow) -> Result<Option<String>> {
    let kind = match m.channel.as_str() {
        "email" => "email",
        "sms" => "mobile",
        // App push and WeChat are addressed by customer; the gateway knows the device or OpenID.
        _ => return Ok(Some(m.customer_id.to_string())),
    };
    let purpose = if kind == "email" {
        Purpose::Email
    } else {
        Purpose::Mobile
    };
    let keys = app.keys();
    for ct in cstore::list_contacts(&app.db.conn, &[m.customer_id]).await? {
        if ct.kind == kind {
            return Ok(Some(keys.decrypt(purpose, &ct.value_enc)?));
        }
    }
    Ok(None)
}

async fn send_email(d: &Delivery, m: &MessageRow, to: &str) -> std::result::Result<(), String> {
    use lettre::AsyncTransport;
    let (Some(smtp), Some(from)) = (&d.smtp, &d.from) else {
        return Err("no SMTP server configured (smtp_url, smtp_from)".into());
    };
    let to: lettre::message::Mailbox = to.parse().map_err(|e| format!("address: {e}"))?;
    let email = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        // The message id is the idempotency key: a retry after a crash carries the same Message-ID.
        .message_id(Some(format!("<{}@banyan>", m.id)))
        .subject(m.subject.clone().unwrap_or_default())
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| format!("message: {e}"))?;
    smtp.send(email)
        .await
        .map(|_| ())
        .map_err(|e| format!("smtp: {e}"))
}

/// The signature the gateway checks: hex HMAC-SHA256 over `timestamp.body`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a gateway request's signature (`v1=<hex>` over `timestamp.body`), in constant time, and that its
/// timestamp is within five minutes of now (a captured request cannot be replayed later).
pub fn verify_signature(secret: &[u8], timestamp: &str, body: &[u8], header: &str) -> bool {
    use hmac::{KeyInit, Mac};
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (jiff::Timestamp::now().as_second() - ts).abs() > 300 {
        return false;
    }
    let Some(Ok(sig)) = header.trim().strip_prefix("v1=").map(hex::decode) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(ts.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

async fn send_webhook(d: &Delivery, m: &MessageRow, to: &str) -> std::result::Result<(), String> {
    let Some((g, client)) = &d.gateway else {
        return Err("no notification gateway configured (gateway_url)".into());
    };
    let body = serde_json::to_vec(&serde_json::json!({
        "id": m.id,
        "channel": m.channel,
        "to": to,
        "customer_id": m.customer_id,
        "purpose": m.purpose,
        "lang": m.lang,
        "subject": m.subject,
        "body": m.body,
    }))
    .map_err(|e| e.to_string())?;
    let ts = jiff::Timestamp::now().as_second();
    let r = client
        .post(&g.url)
        .header("content-type", "application/json")
        .header("idempotency-key", m.id.to_string())
        .header("x-banyan-timestamp", ts.to_string())
        .header(
            "x-banyan-signature",
            format!("v1={}", signature(&g.secret, ts, &body)),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| format!("gateway: {e}"))?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(format!("gateway answered {}", r.status()))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub channel: String,
    pub purpose: String,
    pub cause: String,
    /// The language it was written in.
    pub lang: String,
    pub subject: Option<String>,
    pub body: String,
    /// `queued`, `sent`, `failed`, `suppressed`.
    pub status: String,
    /// Why it was suppressed, failed or is waiting.
    pub reason: Option<String>,
    pub attempts: i32,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// The customer's messages with their status, newest first.
pub async fn customer_messages(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<MessageView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
    Ok(store::of_customer(&app.db.conn, id, 200)
        .await?
        .into_iter()
        .map(|m| MessageView {
            id: m.id,
            channel: m.channel,
            purpose: m.purpose,
            cause: m.cause,
            lang: m.lang,
            subject: m.subject,
            body: m.body,
            status: m.status,
            reason: m.reason,
            attempts: m.attempts,
            created_at: crate::fmt_us(m.created_at_us),
            sent_at: m.sent_at_us.map(crate::fmt_us),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(channel: &str, granted: bool) -> cstore::ConsentRow {
        cstore::ConsentRow {
            customer_id: Uuid::nil(),
            channel: channel.into(),
            granted,
            source: "branch_form".into(),
            at_us: 0,
            recorded_by: Uuid::nil(),
        }
    }

    #[test]
    fn marketing_goes_where_the_customer_consented_service_where_they_prefer() {
        let consents = [consent("email", false), consent("sms", true)];
        // Preferred e-mail without consent: a greeting goes by SMS, a reply to their complaint by e-mail.
        assert_eq!(channel_for(Some("email"), &consents, true), "sms");
        assert_eq!(channel_for(Some("email"), &consents, false), "email");
        assert_eq!(channel_for(Some("sms"), &consents, true), "sms");
        assert_eq!(channel_for(None, &[], true), "sms");
        assert_eq!(channel_for(Some("app"), &[], true), "app");
    }
}
