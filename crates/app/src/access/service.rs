//! Service accounts: the bank's other systems (the core system feeding the book, the call-centre, the data
//! warehouse) calling the API under an account of their own.
//!
//! A service account is a staff row with a service role ([`Role::SERVICE`]): its rights come from the one
//! permission table, its scope is the whole bank or the one branch it names, and every write it makes is
//! audited under its name like a person's. What is its own: it never signs in with a password (only tokens
//! an administrator issues, each shown once and stored as a hash), tokens live at most a year and are
//! rotated with an overlap so the system can switch without a gap, a token works only from the addresses
//! on the account's allow-list, and every call it makes is audited (method, route and address) — not only
//! its writes.

use super::{StaffView, check_username};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{random_bytes, sha256};
use crate::error::{AppError, Result};
use banyan_domain::access::sources::AllowList;
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::StaffId;
use banyan_store::access::{self as store, StaffRow, TokenRow};
use banyan_store::now_us;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest a service token may live (the bank rotates them at least yearly).
pub const MAX_TOKEN_DAYS: u32 = 365;
/// The longest overlap a rotation may leave the old tokens (a week covers a release cycle).
pub const MAX_OVERLAP_HOURS: u32 = 168;
/// How often a token's last use is written (the page shows it to the minute).
const TOUCH_EVERY_US: i64 = 60_000_000;
const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// One API call as authentication sees it: where it came from and what it asks.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The client's address (the connection's, or the trusted proxy's header).
    pub source: &'a str,
    pub method: &'a str,
    /// The route's template (`/api/v1/customers/{id}`): what was called, without the values in it.
    pub route: &'a str,
}

/// Whether a token still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
}

/// A token as administrators see it (never its value).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub state: TokenState,
}

impl TokenView {
    fn of(t: &TokenRow, now: i64) -> TokenView {
        let state = if t.revoked_at_us.is_some() {
            TokenState::Revoked
        } else if t.expires_at_us <= now {
            TokenState::Expired
        } else {
            TokenState::Active
        };
        TokenView {
            id: t.id,
            created_at: crate::fmt_us(t.created_at_us),
            expires_at: crate::fmt_us(t.expires_at_us),
            last_used_at: t.last_used_us.map(crate::fmt_us),
            state,
        }
    }
}

/// A service account with its tokens, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceAccountView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The branch whose customers it reaches (none: the whole bank).
    pub branch_code: Option<String>,
    /// The addresses and networks it may call from.
    pub allowed_sources: Vec<String>,
    /// The rights its role grants, by their stable names.
    pub permissions: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    pub tokens: Vec<TokenView>,
}

impl ServiceAccountView {
    /// The tokens that still work.
    pub fn active_tokens(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| t.state == TokenState::Active)
            .count()
    }
}

/// A newly issued token: its value is in this answer and nowhere else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    /// The bearer token. `null` when the answer is the replay of an earlier request with the same
    /// Idempotency-Key: a token is shown once and never stored; issue another.
    pub token: Option<String>,
    pub expires_at: String,
    pub account: ServiceAccountView,
}

/// A new service account.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    pub allowed_sources: Vec<String>,
    /// How long its first token lives, in days (1-365).
    pub token_days: u32,
}

fn allow_list(s: &StaffRow) -> Result<AllowList> {
    let stored = s.allowed_sources.as_deref().ok_or_else(|| {
        AppError::internal(format!("service account {} has no allow-list", s.id.uuid()))
    })?;
    AllowList::from_stored(stored).map_err(|e| {
        AppError::internal(format!(
            "service account {}'s stored allow-list does not parse: {}",
            s.id.uuid(),
            e.message
        ))
    })
}

fn parse_sources(sources: &[String]) -> Result<AllowList> {
    AllowList::parse(sources.iter().map(String::as_str)).map_err(|e| {
        let field = match e.entry {
            Some(i) => format!("allowed_sources[{i}]"),
            None => "allowed_sources".to_owned(),
        };
        AppError::field(&field, e.rule, e.message)
    })
}

/// The live token and its account, or `None` for a token unknown, revoked, expired or of a disabled account.
async fn lookup(app: &App, token: &str) -> Result<Option<(TokenRow, StaffRow)>> {
    let h = sha256(token.as_bytes());
    Ok(store::find_token_with_staff(&app.db.conn, &h)
        .await?
        .filter(|(t, s)| t.revoked_at_us.is_none() && t.expires_at_us > now_us() && !s.disabled))
}

/// The actor of a token sent from `source`, writing nothing (see [`super::authenticate`]).
pub(super) async fn resolve(app: &App, token: &str, source: &str) -> Result<Actor> {
    let (_, s) = lookup(app, token).await?.ok_or(AppError::Unauthenticated)?;
    if s.role.is_service() && !allow_list(&s)?.allows(source) {
        return Err(AppError::Unauthenticated);
    }
    super::actor_of(&s)
}

/// A request's authentication: the token's actor. A service account's call is audited (method, route,
/// address) and its token's last use noted; a call from outside its allow-list is refused as if the token
/// did not exist, and the refusal audited (a leaked token is being tried).
pub async fn authenticate_call(app: &App, token: &str, call: Call<'_>) -> Result<Actor> {
    let (t, s) = lookup(app, token).await?.ok_or(AppError::Unauthenticated)?;
    if !s.role.is_service() {
        return super::actor_of(&s);
    }
    let allowed = allow_list(&s)?.allows(call.source);
    let now = now_us();
    let tx = app.db.begin_write().await?;
    if allowed && t.last_used_us.is_none_or(|at| now - at >= TOUCH_EVERY_US) {
        store::touch_token(&*tx, t.id, now).await?;
    }
    let entry = Entry {
        action: if allowed {
            "service.call"
        } else {
            "auth.source_refused"
        },
        entity: "staff",
        entity_id: Some(s.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"call": format!("{} {}", call.method, call.route), "source": call.source}),
    };
    audit::record_as(app, &*tx, Some(s.id.uuid()), &s.username, vec![entry]).await?;
    tx.commit().await?;
    if !allowed {
        return Err(AppError::Unauthenticated);
    }
    super::actor_of(&s)
}

/// Audits a service account's call answered before its handler ran (an idempotent replay); nothing for a
/// person's.
pub async fn record_call(app: &App, actor: &Actor, call: Call<'_>) -> Result<()> {
    if !actor.role.is_service() {
        return Ok(());
    }
    let tx = app.db.begin_write().await?;
    audit::record_as(app, &*tx, Some(actor.id.uuid()), &actor.username, vec![Entry {
        action: "service.call",
        entity: "staff",
        entity_id: Some(actor.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"call": format!("{} {}", call.method, call.route), "source": call.source, "replayed": true}),
    }])
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn view_of(app: &App, s: StaffRow) -> Result<ServiceAccountView> {
    let tokens = store::tokens_of(&app.db.conn, s.id.uuid()).await?;
    view_with(s, &tokens, now_us())
}

/// Every service account with its tokens (administrators).
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<ServiceAccountView>> {
    actor.require(Permission::StaffManage)?;
    let mut out = Vec::new();
    for s in store::list_service_accounts(&app.db.conn).await? {
        out.push(view_of(app, s).await?);
    }
    Ok(out)
}

/// The service account of this username; a person's username is not found here.
async fn find(app: &App, username: &str) -> Result<StaffRow> {
    store::find_staff_by_username(&app.db.conn, &super::username_key(username))
        .await?
        .filter(|s| s.role.is_service())
        .ok_or(AppError::NotFound)
}

/// One service account with its tokens (administrators).
pub async fn get(app: &App, actor: &Actor, username: &str) -> Result<ServiceAccountView> {
    actor.require(Permission::StaffManage)?;
    view_of(app, find(app, username).await?).await
}

fn check_days(days: u32) -> Result<i64> {
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(AppError::field(
            "token_days",
            "range",
            "must be 1 to 365 days",
        ));
    }
    Ok(i64::from(days) * DAY_US)
}

/// A fresh token: its value (prefixed, so secret scanners recognise a leaked one) and its row.
fn new_token(staff: StaffId, now: i64, life_us: i64) -> Result<(String, TokenRow)> {
    let token = format!("banyan_sa_{}", hex::encode(random_bytes::<32>()?));
    let row = TokenRow {
        id: Uuid::now_v7(),
        token_hash: sha256(token.as_bytes()),
        staff_id: staff.uuid(),
        created_at_us: now,
        expires_at_us: now + life_us,
        revoked_at_us: None,
        last_used_us: None,
    };
    Ok((token, row))
}

/// Creates a service account with its first token (administrators).
pub async fn create(app: &App, actor: &Actor, n: NewServiceAccount) -> Result<IssuedToken> {
    let grant = actor.require(Permission::StaffManage)?;
    let username = check_username(&n.username)?;
    let display_name = n.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(AppError::field(
            "display_name",
            "length",
            "must be 1 to 64 characters",
        ));
    }
    if !n.role.is_service() {
        return Err(AppError::field(
            "role",
            "one_of",
            "must be core_feed, call_centre or data_warehouse",
        ));
    }
    let branch_code = n
        .branch_code
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty());
    if let Some(b) = &branch_code {
        banyan_domain::customer::BranchCode::parse(b)
            .map_err(|m| AppError::field("branch_code", "format", m))?;
    }
    let sources = parse_sources(&n.allowed_sources)?;
    let life = check_days(n.token_days)?;
    let now = now_us();
    let row = StaffRow {
        created_at_us: now,
        allowed_sources: Some(sources.to_stored()),
        // No password: an empty hash never verifies, and the sign-in refuses service roles anyway.
        ..super::new_account(display_name, username, n.role, branch_code, String::new())
    };
    let (token, t) = new_token(row.id, now, life)?;
    let tx = app.db.begin_write().await?;
    super::insert_account(&*tx, &row).await?;
    store::insert_token(&*tx, &t).await?;
    audit::record(app, &*tx, &grant, vec![Entry::staff("service.create", row.id, serde_json::json!({"username": row.username, "role": row.role, "branch_code": row.branch_code,
            "sources": sources.entries(), "expires_at": crate::fmt_us(t.expires_at_us)}))])
    .await?;
    let account = view_with(row, std::slice::from_ref(&t), now)?;
    let issued = IssuedToken {
        token: None,
        expires_at: crate::fmt_us(t.expires_at_us),
        account,
    };
    // The stored answer (for a retry with the same key) never holds the token.
    crate::idempotency::commit(tx, actor, 201, &issued).await?;
    Ok(IssuedToken {
        token: Some(token),
        ..issued
    })
}

/// The view of an account whose tokens the caller holds already (inside a write, before it commits).
fn view_with(s: StaffRow, tokens: &[TokenRow], now: i64) -> Result<ServiceAccountView> {
    Ok(ServiceAccountView {
        id: s.id.uuid(),
        allowed_sources: allow_list(&s)?.entries(),
        permissions: s
            .role
            .permissions()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        tokens: tokens.iter().map(|t| TokenView::of(t, now)).collect(),
        username: s.username,
        display_name: s.display_name,
        role: s.role,
        branch_code: s.branch_code,
        disabled: s.disabled,
        created_at: crate::fmt_us(s.created_at_us),
    })
}

/// Rotates: issues a new token and shortens every other live one to end `overlap_hours` from now (0: at
/// once), so the system switches to the new token without a gap and the old one cannot linger.
pub async fn rotate(
    app: &App,
    actor: &Actor,
    username: &str,
    token_days: u32,
    overlap_hours: u32,
) -> Result<IssuedToken> {
    let grant = actor.require(Permission::StaffManage)?;
    let life = check_days(token_days)?;
    if overlap_hours > MAX_OVERLAP_HOURS {
        return Err(AppError::field(
            "overlap_hours",
            "range",
            "must be 0 to 168 hours",
        ));
    }
    let s = find(app, username).await?;
    if s.disabled {
        return Err(AppError::conflict(
            "account_disabled",
            "this service account is disabled; it gets no new token",
            serde_json::json!({}),
        ));
    }
    let now = now_us();
    let (token, t) = new_token(s.id, now, life)?;
    let tx = app.db.begin_write().await?;
    store::insert_token(&*tx, &t).await?;
    let shortened = store::expire_tokens_of(
        &*tx,
        s.id.uuid(),
        now + i64::from(overlap_hours) * HOUR_US,
        t.id,
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry::staff(
            "service.rotate",
            s.id,
            serde_json::json!({"username": s.username, "expires_at": crate::fmt_us(t.expires_at_us),
            "overlap_hours": overlap_hours, "shortened": shortened}),
        )],
    )
    .await?;
    let tokens = store::tokens_of(&*tx, s.id.uuid()).await?;
    let issued = IssuedToken {
        token: None,
        expires_at: crate::fmt_us(t.expires_at_us),
        account: view_with(s, &tokens, now)?,
    };
    crate::idempotency::commit(tx, actor, 201, &issued).await?;
    Ok(IssuedToken {
        token: Some(token),
        ..issued
    })
}

/// Revokes one token of the account at once.
pub async fn revoke(
    app: &App,
    actor: &Actor,
    username: &str,
    token_id: Uuid,
) -> Result<ServiceAccountView> {
    let grant = actor.require(Permission::StaffManage)?;
    let s = find(app, username).await?;
    let now = now_us();
    let tx = app.db.begin_write().await?;
    if !store::revoke_token_of(&*tx, s.id.uuid(), token_id, now).await? {
        // Not this account's, or revoked already: nothing to do, and nothing to tell about other accounts.
        return Err(AppError::NotFound);
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry::staff(
            "service.revoke",
            s.id,
            serde_json::json!({"username": s.username}),
        )],
    )
    .await?;
    tx.commit().await?;
    view_of(app, s).await
}

/// Replaces the account's allow-list.
pub async fn set_sources(
    app: &App,
    actor: &Actor,
    username: &str,
    sources: &[String],
) -> Result<ServiceAccountView> {
    let grant = actor.require(Permission::StaffManage)?;
    let list = parse_sources(sources)?;
    let mut s = find(app, username).await?;
    let before = allow_list(&s)?.entries();
    let tx = app.db.begin_write().await?;
    store::set_allowed_sources(&*tx, s.id, &list.to_stored()).await?;
    audit::record(app, &*tx, &grant, vec![Entry::staff("service.sources", s.id, serde_json::json!({"username": s.username, "previous_sources": before, "sources": list.entries()}))])
    .await?;
    tx.commit().await?;
    s.allowed_sources = Some(list.to_stored());
    view_of(app, s).await
}

/// Disables the account (its tokens revoked with it), as for a person.
pub async fn disable(app: &App, actor: &Actor, username: &str) -> Result<ServiceAccountView> {
    actor.require(Permission::StaffManage)?;
    let s = find(app, username).await?;
    let _: StaffView = super::disable_staff(app, actor, &s.username).await?;
    get(app, actor, &s.username).await
}
