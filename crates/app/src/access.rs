//! Staff, sign-in and the acting identity every use case checks.

use crate::App;
pub use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{random_bytes, sha256};
use crate::error::{AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use banyan_domain::access::{Permission, Role, ScopeKind};
use banyan_domain::ids::StaffId;
use banyan_store::access::{self as store, StaffRow, TokenRow};
use banyan_store::customers::ScopeFilter;
use banyan_store::{ConnectionTrait, now_us};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

mod id_token;
pub mod service;
pub mod sso;
pub mod totp;
pub use service::Call;

/// A staff member as shown to administrators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    /// The manager's team (coverage is reported per team).
    pub team: Option<String>,
    /// The department whose queue the staff member works (feedback cases are routed to departments).
    pub department: Option<String>,
    pub disabled: bool,
    /// Whether sign-ins need a code from an authenticator app besides the password.
    pub second_factor: bool,
    pub created_at: String,
}

impl From<StaffRow> for StaffView {
    fn from(r: StaffRow) -> Self {
        StaffView {
            id: r.id.uuid(),
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            branch_code: r.branch_code,
            team: r.team,
            department: r.department,
            disabled: r.disabled,
            second_factor: r.totp_enc.is_some(),
            created_at: crate::fmt_us(r.created_at_us),
        }
    }
}

/// A new token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginResult {
    pub token: String,
    pub expires_at: String,
    pub staff: StaffView,
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

pub(super) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Checks a password rule: 10 to 128 characters.
pub fn check_password(p: &str) -> Result<()> {
    let n = p.chars().count();
    if !(10..=128).contains(&n) {
        return Err(AppError::field(
            "password",
            "length",
            "must be 10 to 128 characters",
        ));
    }
    Ok(())
}

/// A hash of a random password, verified against when the username is unknown, so that unknown and
/// known usernames take the same time.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("banyan-dummy-password-for-timing").unwrap_or_default())
}

/// Whether a staff member may be sent to a record of `branch` and `rm` (a visit shows it to whoever goes):
/// active, holding `permission`, with the record in their scope.
pub(crate) fn may_be_sent(
    st: &StaffRow,
    permission: Permission,
    branch: &str,
    rm: Option<StaffId>,
) -> bool {
    !st.disabled
        && actor_of(st).is_ok_and(|a| a.require(permission).is_ok_and(|g| g.can_see(branch, rm)))
}

/// The staff who pass `fit` whose name or username contains `q`, for a form's picker: at most 20, by
/// username.
pub(crate) async fn pick_staff(
    app: &App,
    q: &str,
    fit: impl Fn(&StaffRow) -> bool,
) -> Result<Vec<StaffView>> {
    let q = q.trim().to_lowercase();
    let mut out: Vec<StaffView> = store::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .filter(|st| fit(st))
        .filter(|st| {
            q.is_empty()
                || st.username.to_lowercase().contains(&q)
                || st.display_name.to_lowercase().contains(&q)
        })
        .map(StaffView::from)
        .collect();
    out.sort_by(|a, b| a.username.cmp(&b.username));
    out.truncate(20);
    Ok(out)
}

pub(crate) fn actor_of(r: &StaffRow) -> Result<Actor> {
    Ok(Actor {
        id: r.id,
        username: r.username.clone(),
        role: r.role,
        branch_code: r.branch_code.clone(),
        department: r.department.clone(),
        // A service account that names a branch reaches that branch's customers only.
        scope_override: (r.role.is_service() && r.branch_code.is_some())
            .then_some(ScopeKind::Branch),
    })
}

/// Checks a username and password, with throttling; records and audits failures. On success the
/// failure count is reset and the staff row returned (the caller issues a token or a session).
async fn check_password_login(
    app: &App,
    username: &str,
    password: &str,
    code: Option<&str>,
    source: &str,
) -> Result<(StaffRow, Option<Proof>)> {
    let now = now_us();
    let policy = &app.policy().access;
    // One spelling for the throttle and the lookup: a principal name's capitals are not new tries.
    let key = username_key(username);
    let username = key.as_str();
    app.logins.check(username, source, now)?;
    let staff = store::find_staff_by_username(&app.db.conn, username).await?;
    let hash = staff
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &pw))
        .await
        .map_err(|e| AppError::internal_from("password hashing", e))?;
    // A service account has no password (its hash is empty and never verifies); the filter says so too.
    let mut second_refused = None;
    if let Some(s) = staff
        .as_ref()
        .filter(|s| ok && !s.disabled && !s.role.is_service())
    {
        // The second factor is asked only once the password is right, and a refusal counts as a failed
        // sign-in like a wrong password (the answer does not say which was wrong).
        match totp::check_sign_in(app, s, code)? {
            totp::Second::NotEnrolled => {
                app.logins.succeeded(username, source)?;
                return Ok((s.clone(), None));
            }
            totp::Second::Good(step) => {
                app.logins.succeeded(username, source)?;
                return Ok((s.clone(), Some(Proof::Step(step))));
            }
            // A recovery code is looked up before the sign-in counts as good: a wrong one is a failure
            // like a wrong code (counted, audited, pausing code entry).
            totp::Second::Recovery(hash)
                if store::recovery_code_unused(&app.db.conn, s.id.uuid(), &hash).await? =>
            {
                app.logins.succeeded(username, source)?;
                return Ok((s.clone(), Some(Proof::Recovery(hash))));
            }
            totp::Second::Recovery(_) => second_refused = Some("recovery_wrong"),
            totp::Second::Refused(why) => second_refused = Some(why),
        }
    }
    let failure = app.logins.failed(
        username,
        source,
        now,
        policy.max_failed_logins,
        policy.lockout_minutes,
    )?;
    let tx = app.db.begin_write().await?;
    let reason = match &staff {
        _ if let Some(why) = second_refused => why,
        Some(s) if s.disabled => "disabled",
        Some(s) if s.role.is_service() => "service_account",
        Some(_) => "bad_password",
        None => "unknown_user",
    };
    let mut code_paused = None;
    let (actor_id, actor) = match &staff {
        Some(s) => {
            // Counted for administrators to see; the account itself is never locked for a wrong password
            // (a stranger could lock its owner out): throttling is per source (`throttle`). A wrong code
            // is another matter: whoever typed it had the password, so code entry pauses for the account.
            store::record_login_failure(&*tx, s.id.uuid()).await?;
            if reason == "totp_wrong" || reason == "recovery_wrong" {
                code_paused = totp::count_wrong_code(app, &*tx, s.id, now).await?;
            }
            (Some(s.id.uuid()), s.username.as_str())
        }
        // The attempted username is recorded (it is not customer data and helps spot attacks).
        None => (None, username),
    };
    let mut entries = vec![Entry {
        action: "auth.login_failed",
        entity: "staff",
        entity_id: staff.as_ref().map(|s| s.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"reason": reason, "source": source}),
    }];
    if let Some(minutes) = code_paused {
        entries.push(Entry {
            action: "auth.totp_locked",
            entity: "staff",
            entity_id: staff.as_ref().map(|s| s.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({"minutes": minutes, "source": source}),
        });
    }
    if failure.spray {
        entries.push(Entry {
            action: "auth.spray_suspected",
            entity: "source",
            entity_id: Some(source.to_owned()),
            customer_id: None,
            detail: serde_json::json!({"blocked_minutes": policy.lockout_minutes}),
        });
        tell_admins(&*tx, source, now).await?;
    }
    audit::record_as(app, &*tx, actor_id, actor, entries).await?;
    tx.commit().await?;
    Err(AppError::BadCredentials)
}

/// Tells every active administrator that a source address was blocked for failures across accounts.
async fn tell_admins<C: ConnectionTrait>(c: &C, source: &str, now: i64) -> Result<()> {
    let notices: Vec<banyan_store::cases::NoticeRow> = store::list_staff(c)
        .await?
        .into_iter()
        .filter(|s| s.role == Role::Admin && !s.disabled)
        .map(|s| banyan_store::cases::NoticeRow {
            id: Uuid::now_v7(),
            customer_id: None,
            staff_id: s.id.uuid(),
            case_id: None,
            kind: "auth.spray_suspected".into(),
            text: source.to_owned(),
            created_at_us: now,
            read_at_us: None,
        })
        .collect();
    banyan_store::cases::insert_notices(c, &notices).await?;
    Ok(())
}

/// What a sign-in's second factor was.
#[derive(Debug, Clone)]
pub(crate) enum Proof {
    /// The authenticator app's code of this step.
    Step(i64),
    /// A recovery code, by its hash.
    Recovery(Vec<u8>),
}

/// Uses up the second factor a sign-in gave: the app's step (a step another sign-in used first — the same
/// code twice at once — refuses this one), or the recovery code (good once; a wrong one refuses). The
/// audit entries it adds to the sign-in's.
async fn use_step<C: ConnectionTrait>(
    c: &C,
    s: &StaffRow,
    step: Option<Proof>,
) -> Result<Vec<Entry>> {
    if step.is_some() && !store::code_entry_open(c, s.id, now_us()).await? {
        return Err(AppError::BadCredentials);
    }
    match step {
        Some(Proof::Step(step)) if !store::use_totp_step(c, s.id, step).await? => {
            Err(AppError::BadCredentials)
        }
        Some(Proof::Recovery(hash)) => {
            if !store::use_recovery_code(c, s.id.uuid(), &hash, now_us()).await? {
                return Err(AppError::BadCredentials);
            }
            let left = store::recovery_codes_left(c, s.id.uuid()).await?;
            Ok(vec![Entry {
                action: "auth.recovery_code_used",
                entity: "staff",
                entity_id: Some(s.id.to_string()),
                customer_id: None,
                detail: serde_json::json!({"left": left}),
            }])
        }
        _ => Ok(Vec::new()),
    }
}

fn login_entry(s: &StaffRow, channel: &str) -> Entry {
    Entry {
        action: "auth.login",
        entity: "staff",
        entity_id: Some(s.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"channel": channel}),
    }
}

/// Signs in with username and password; returns a bearer token. Repeated failures lock the account.
/// `source` is the client's address (from the connection, or the trusted proxy's header): failures are
/// throttled per account and source, and per source across accounts.
pub async fn login(
    app: &App,
    username: &str,
    password: &str,
    code: Option<&str>,
    source: &str,
) -> Result<LoginResult> {
    let (s, step) = check_password_login(app, username, password, code, source).await?;
    if must_enrol(app, &s, false) {
        return Err(AppError::Forbidden {
            code: "second_factor_required",
            message: "this account must set up a second factor in the workbench (account security) before it may use the API".into(),
        });
    }
    let now = now_us();
    let token_bytes: [u8; 32] = random_bytes()?;
    let token = hex::encode(token_bytes);
    let expires = now + i64::from(app.policy().access.token_ttl_minutes) * 60_000_000;
    let tx = app.db.begin_write().await?;
    let mut entries = use_step(&*tx, &s, step).await?;
    store::record_login_success(&*tx, s.id.uuid()).await?;
    store::insert_token(
        &*tx,
        &TokenRow {
            id: Uuid::now_v7(),
            token_hash: sha256(token.as_bytes()),
            staff_id: s.id.uuid(),
            created_at_us: now,
            expires_at_us: expires,
            revoked_at_us: None,
            last_used_us: None,
        },
    )
    .await?;
    audit::record_as(app, &*tx, Some(s.id.uuid()), &s.username, {
        entries.push(login_entry(&s, "api"));
        entries
    })
    .await?;
    tx.commit().await?;
    Ok(LoginResult {
        token,
        expires_at: crate::fmt_us(expires),
        staff: s.into(),
    })
}

/// Whether the account must enrol a second factor before it may work: its role is one the policy lists,
/// it signed in with a local password (through single sign-on the bank's provider asked its own second
/// factor; an account made by single sign-on has no password at all), and it has none yet.
pub(crate) fn must_enrol(app: &App, s: &StaffRow, via_sso: bool) -> bool {
    !via_sso
        && s.totp_enc.is_none()
        && !s.password_hash.is_empty()
        && app.policy().access.second_factor_roles.contains(&s.role)
}

/// A workbench session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub actor: Actor,
    /// The synchronizer token every form of this session must send back.
    pub csrf: String,
    /// `zh-CN`, `zh-TW` or `en`.
    pub lang: String,
    /// How many of the staff member's notices are unread (the header's count).
    pub unread_notices: u64,
    /// The policy asks this account for a second factor it has not set up: until it does, the workbench
    /// opens only the page where it does ([`must_enrol`]).
    pub must_enrol: bool,
}

/// Signs in to the workbench: a new session (a fresh id at every login) whose cookie value is returned once.
pub async fn web_login(
    app: &App,
    username: &str,
    password: &str,
    code: Option<&str>,
    lang: &str,
    source: &str,
) -> Result<(String, Session)> {
    let (s, step) = check_password_login(app, username, password, code, source).await?;
    open_session(app, &s, lang, "web", step).await
}

/// Opens a workbench session for a staff member whose identity was proven (a password and second
/// factor, or the bank's identity provider): a fresh id, recorded and audited with the `channel` of the
/// sign-in.
pub(crate) async fn open_session(
    app: &App,
    s: &StaffRow,
    lang: &str,
    channel: &str,
    step: Option<Proof>,
) -> Result<(String, Session)> {
    let now = now_us();
    let token = hex::encode(random_bytes::<32>()?);
    let csrf = hex::encode(random_bytes::<24>()?);
    let row = store::SessionRow {
        id: Uuid::now_v7(),
        token_hash: sha256(token.as_bytes()),
        staff_id: s.id.uuid(),
        csrf: csrf.clone(),
        lang: lang.to_owned(),
        created_at_us: now,
        last_seen_us: now,
        expires_at_us: now + i64::from(app.policy().access.session_absolute_minutes) * 60_000_000,
        revoked_at_us: None,
        via_sso: channel == "sso",
    };
    let tx = app.db.begin_write().await?;
    let mut entries = use_step(&*tx, s, step).await?;
    store::record_login_success(&*tx, s.id.uuid()).await?;
    store::insert_session(&*tx, &row).await?;
    audit::record_as(app, &*tx, Some(s.id.uuid()), &s.username, {
        entries.push(login_entry(s, channel));
        entries
    })
    .await?;
    tx.commit().await?;
    Ok((
        token,
        Session {
            id: row.id,
            actor: actor_of(s)?,
            csrf,
            lang: lang.to_owned(),
            unread_notices: 0,
            must_enrol: must_enrol(app, s, row.via_sso),
        },
    ))
}

/// Resolves a session cookie: refused when revoked, past its absolute lifetime, or idle too long.
pub async fn web_session(app: &App, token: &str) -> Result<Session> {
    let now = now_us();
    let (row, s, unread_notices) =
        store::find_session_with_staff(&app.db.conn, &sha256(token.as_bytes()))
            .await?
            .ok_or(AppError::Unauthenticated)?;
    let idle = i64::from(app.policy().access.session_idle_minutes) * 60_000_000;
    if row.revoked_at_us.is_some() || row.expires_at_us <= now || row.last_seen_us + idle <= now {
        return Err(AppError::Unauthenticated);
    }
    if s.disabled {
        return Err(AppError::Unauthenticated);
    }
    // Record activity at most once a minute: the idle clock needs no finer grain.
    if now - row.last_seen_us > 60_000_000 {
        store::touch_session(&app.db.conn, row.id, now).await?;
    }
    Ok(Session {
        id: row.id,
        actor: actor_of(&s)?,
        csrf: row.csrf,
        lang: row.lang,
        unread_notices,
        must_enrol: must_enrol(app, &s, row.via_sso),
    })
}

/// Ends a workbench session.
pub async fn web_logout(app: &App, session: &Session) -> Result<()> {
    let tx = app.db.begin_write().await?;
    store::revoke_session(&*tx, session.id, now_us()).await?;
    audit::record_as(
        app,
        &*tx,
        Some(session.actor.id.uuid()),
        &session.actor.username,
        vec![Entry {
            action: "auth.logout",
            entity: "staff",
            entity_id: Some(session.actor.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({"channel": "web"}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the language of a session.
pub async fn set_session_lang(app: &App, session: &Session, lang: &str) -> Result<()> {
    store::set_session_lang(&app.db.conn, session.id, lang).await?;
    Ok(())
}

/// Resolves a bearer token sent from `source` to its actor: one statement, read on every request and never
/// cached, so that a sign-out, a disabled account or a new role holds on every node at once (a cache per
/// process would keep a revoked token alive on the other nodes until it expired). A service account's token
/// from an address outside its allow-list does not exist. Writes nothing: [`service::authenticate_call`]
/// is the request's own authentication, which audits a service account's call.
pub async fn authenticate(app: &App, token: &str, source: &str) -> Result<Actor> {
    service::resolve(app, token, source).await
}

/// Revokes the token.
pub async fn logout(app: &App, actor: &Actor, token: &str) -> Result<()> {
    let h = sha256(token.as_bytes());
    let tx = app.db.begin_write().await?;
    store::revoke_token(&*tx, &h, now_us()).await?;
    audit::record_as(
        app,
        &*tx,
        Some(actor.id.uuid()),
        &actor.username,
        vec![Entry {
            action: "auth.logout",
            entity: "staff",
            entity_id: Some(actor.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new staff account.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub branch_code: Option<String>,
    pub team: Option<String>,
    pub department: Option<String>,
    pub password: String,
}

/// Creates a staff account (administrators, or the CLI as `system`).
pub async fn add_staff(app: &App, actor: &Actor, n: NewStaff) -> Result<StaffView> {
    let grant = actor.require(Permission::StaffManage)?;
    let uname = check_username(&n.username)?;
    check_password(&n.password)?;
    let (team, department) = org_names(n.team.as_deref(), n.department.as_deref())?;
    if let Some(b) = &n.branch_code {
        banyan_domain::customer::BranchCode::parse(b)
            .map_err(|m| AppError::field("branch_code", "format", m))?;
    }
    if n.role.is_service() {
        return Err(AppError::field(
            "role",
            "one_of",
            "a person holds a staff role; service roles belong to service accounts",
        ));
    }
    if matches!(n.role.scope(), ScopeKind::Branch) && n.branch_code.is_none() {
        return Err(AppError::field(
            "branch_code",
            "required",
            "a branch-scoped role needs a branch",
        ));
    }
    let pw = n.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AppError::internal_from("password hashing", e))??;
    let row = StaffRow {
        team,
        department,
        ..new_account(
            n.display_name.unwrap_or_else(|| uname.clone()),
            uname,
            n.role,
            n.branch_code,
            hash,
        )
    };
    let tx = app.db.begin_write().await?;
    insert_account(&*tx, &row).await?;
    audit::record(app, &*tx, &grant, vec![Entry {
        action: "staff.create",
        entity: "staff",
        entity_id: Some(row.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"username": row.username, "role": row.role, "branch_code": row.branch_code}),
    }])
    .await?;
    let view: StaffView = row.into();
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// A new account's row: active, no second factor, no failures, in no team, bound to no provider.
pub(crate) fn new_account(
    display_name: String,
    username: String,
    role: Role,
    branch_code: Option<String>,
    password_hash: String,
) -> StaffRow {
    StaffRow {
        id: StaffId::new(),
        username,
        display_name,
        role,
        branch_code,
        team: None,
        department: None,
        password_hash,
        disabled: false,
        failed_logins: 0,
        locked_until_us: None,
        created_at_us: now_us(),
        allowed_sources: None,
        totp_enc: None,
        totp_pending_enc: None,
        totp_step: None,
        totp_failures: 0,
        totp_pauses: 0,
        totp_locked_until_us: None,
        sso_subject: None,
    }
}

/// Inserts a new account (a person's or a service's); a taken username is a 409 `duplicate_username`.
pub(crate) async fn insert_account<C: ConnectionTrait>(c: &C, row: &StaffRow) -> Result<()> {
    store::insert_staff(c, row).await.map_err(|e| {
        if e.is_conflict_on("staff_username") {
            AppError::conflict(
                "duplicate_username",
                "this username is taken",
                serde_json::json!({}),
            )
        } else {
            e.into()
        }
    })
}

/// A username as stored and looked up: trimmed; a principal name (with '@') in lower case, as directories
/// compare them without regard to case (Entra ID may send `Li.Xin@Bank.Example` for `li.xin@bank.example`).
pub(crate) fn username_key(u: &str) -> String {
    let u = u.trim();
    if u.contains('@') {
        u.to_lowercase()
    } else {
        u.to_owned()
    }
}

/// Checks a new account's username (people's and service accounts' alike): trimmed, 1-128 letters, digits,
/// '.', '_' or '-', with at most one '@' neither first nor last — a directory's user principal name
/// (`li.wei@bank.example`, what Entra ID and Okta give as `preferred_username`). Never beginning with '@'
/// keeps a username out of a spreadsheet's formula reading as well.
pub(crate) fn check_username(u: &str) -> Result<String> {
    let uname = username_key(u);
    let ats = uname.bytes().filter(|b| *b == b'@').count();
    if uname.is_empty()
        || uname.len() > 128
        || ats > 1
        || uname.starts_with('@')
        || uname.ends_with('@')
        || !uname
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-' || b == b'@')
    {
        return Err(AppError::field(
            "username",
            "format",
            "must be 1-128 letters, digits, '.', '_' or '-', with at most one '@' inside",
        ));
    }
    Ok(uname)
}

/// Checks team and department names: trimmed, 1-64 characters, blank meaning none.
fn org_names(
    team: Option<&str>,
    department: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let check = |field: &str, v: Option<&str>| -> Result<Option<String>> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) if v.chars().count() > 64 => Err(AppError::field(
                field,
                "length",
                "must be at most 64 characters",
            )),
            Some(v) => Ok(Some(v.to_owned())),
        }
    };
    Ok((check("team", team)?, check("department", department)?))
}

/// Moves a staff member to a team and department (administrators); audited.
pub async fn set_staff_org(
    app: &App,
    actor: &Actor,
    username: &str,
    team: Option<&str>,
    department: Option<&str>,
) -> Result<StaffView> {
    let grant = actor.require(Permission::StaffManage)?;
    let (team, department) = org_names(team, department)?;
    let tx = app.db.begin_write().await?;
    let row = store::set_staff_org(
        &*tx,
        &username_key(username),
        team.as_deref(),
        department.as_deref(),
    )
    .await
    .map_err(|e| match e {
        banyan_store::StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    })?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "staff.organise",
            entity: "staff",
            entity_id: Some(row.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({"username": row.username, "team": row.team, "department": row.department}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn list_staff(app: &App, actor: &Actor) -> Result<Vec<StaffView>> {
    actor.require(Permission::StaffManage)?;
    Ok(store::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .map(StaffView::from)
        .collect())
}

/// The relationship and wealth managers whose customers this actor can see: for the workbench's
/// relationship-manager filter and for showing who looks after a customer. Staff tables are small (one row
/// per employee), so the scope is applied in memory.
pub async fn relationship_managers(app: &App, actor: &Actor) -> Result<Vec<StaffView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let scope = grant.scope();
    Ok(store::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .map(StaffView::from)
        .filter(|s| {
            !s.disabled && matches!(s.role, Role::RelationshipManager | Role::WealthManager)
        })
        .filter(|s| match &scope {
            ScopeFilter::All => true,
            ScopeFilter::Branch(b) => s.branch_code.as_deref() == Some(b.as_str()),
            ScopeFilter::Rm(id) => s.id == *id,
            ScopeFilter::Nothing => false,
        })
        .collect())
}

/// The staff who may own a feedback case or an assist task (active, with case work among their rights),
/// whose name or username contains `q`, for the case page's owner picker: at most 20, by username.
pub async fn case_owners(app: &App, actor: &Actor, q: &str) -> Result<Vec<StaffView>> {
    actor.require(Permission::CaseWrite)?;
    let q = q.trim().to_lowercase();
    let mut out: Vec<StaffView> = store::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .map(StaffView::from)
        .filter(|s| !s.disabled && s.role.has(Permission::CaseWrite))
        .filter(|s| {
            q.is_empty()
                || s.username.to_lowercase().contains(&q)
                || s.display_name.to_lowercase().contains(&q)
        })
        .collect();
    out.sort_by(|a, b| a.username.cmp(&b.username));
    out.truncate(20);
    Ok(out)
}

/// Display names of staff members (who logged a contact, who owns a task): names only, for anyone who
/// reads customers.
pub async fn staff_names(app: &App, actor: &Actor, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
    Ok(staff_named(app, actor, ids)
        .await?
        .into_iter()
        .map(|(id, s)| (id, s.display_name))
        .collect())
}

/// How a page names a staff member.
#[derive(Debug, Clone)]
pub struct StaffName {
    pub display_name: String,
    pub username: String,
}

/// The staff members with these ids (one bounded read — not the whole staff list — for a page that names a
/// few people), for anyone who reads customers.
pub async fn staff_named(
    app: &App,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, StaffName>> {
    actor.require(Permission::CustomerRead)?;
    let mut ids: Vec<StaffId> = ids.iter().map(|i| StaffId::from_uuid(*i)).collect();
    ids.sort_unstable_by_key(|i| i.uuid());
    ids.dedup();
    Ok(store::staff_by_ids(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|s| {
            let name = StaffName {
                display_name: s.display_name,
                username: s.username,
            };
            (s.id.uuid(), name)
        })
        .collect())
}

/// Disables an account and revokes its tokens.
pub async fn disable_staff(app: &App, actor: &Actor, username: &str) -> Result<StaffView> {
    let grant = actor.require(Permission::StaffManage)?;
    let key = username_key(username);
    let username = key.as_str();
    if username == actor.username {
        return Err(AppError::conflict(
            "cannot_disable_self",
            "you cannot disable your own account; ask another administrator",
            serde_json::json!({}),
        ));
    }
    let tx = app.db.begin_write().await?;
    let admins = store::lock_active_admins(&*tx).await?;
    let row = store::set_staff_disabled(&*tx, username, true)
        .await
        .map_err(|e| match e {
            banyan_store::StoreError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    if admins == [row.id] {
        // Nobody could manage staff any more. The transaction rolls back when it is dropped.
        return Err(AppError::conflict(
            "last_admin",
            "this is the last active administrator; add another before disabling this one",
            serde_json::json!({}),
        ));
    }
    store::revoke_tokens_of(&*tx, row.id.uuid(), now_us()).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "staff.disable",
            entity: "staff",
            entity_id: Some(row.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({"username": row.username}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// The actor for a staff username (CLI and jobs acting as a named staff member).
pub async fn actor_for(app: &App, username: &str) -> Result<Actor> {
    let s = store::find_staff_by_username(&app.db.conn, &username_key(username))
        .await?
        .ok_or(AppError::NotFound)?;
    actor_of(&s)
}

/// Finds a staff member by id (for RM assignment checks).
pub async fn find_staff(app: &App, id: Uuid) -> Result<Option<StaffRow>> {
    Ok(store::find_staff(&app.db.conn, id.into()).await?)
}

/// Every staff member's name by id, as pages and views show them: the display name, else the username.
pub(crate) async fn names_by_id(
    app: &App,
) -> Result<std::collections::HashMap<banyan_domain::ids::StaffId, String>> {
    Ok(names_of(
        &banyan_store::access::list_accounts(&app.db.conn).await?,
    ))
}

/// The names of these staff members only (one bounded read, for a list that names a few people).
pub(crate) async fn names_for(
    app: &App,
    ids: &[banyan_domain::ids::StaffId],
) -> Result<std::collections::HashMap<banyan_domain::ids::StaffId, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable_by_key(|i| i.uuid());
    ids.dedup();
    Ok(names_of(
        &banyan_store::access::staff_by_ids(&app.db.conn, &ids).await?,
    ))
}

/// Whether a staff member is within a reader's scope: everyone, the people of the reader's branch, or the
/// reader alone (the reports on people — KPIs, scorecards — read them by this).
pub(crate) fn staff_in_scope(scope: &banyan_store::customers::ScopeFilter, s: &StaffRow) -> bool {
    use banyan_store::customers::ScopeFilter;
    match scope {
        ScopeFilter::All => true,
        ScopeFilter::Branch(b) => s.branch_code.as_deref() == Some(b.as_str()),
        ScopeFilter::Rm(id) => s.id.uuid() == *id,
        ScopeFilter::Nothing => false,
    }
}

/// [`names_by_id`] of a staff list the caller has read already (one read of the staff, not two).
pub(crate) fn names_of(
    staff: &[StaffRow],
) -> std::collections::HashMap<banyan_domain::ids::StaffId, String> {
    staff
        .iter()
        .map(|s| {
            let name = if s.display_name.trim().is_empty() {
                s.username.clone()
            } else {
                s.display_name.clone()
            };
            (s.id, name)
        })
        .collect()
}
