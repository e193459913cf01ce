//! Staff accounts and API tokens.

use crate::error::{Result, StoreError};
use crate::table::{self, Table};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::table! {
    /// A staff member's account.
    pub struct StaffRow in "staff" {
        pub id: StaffId,
        pub username: String,
        pub display_name: String,
        pub role: Role,
        pub branch_code: Option<String>,
        pub team: Option<String>,
        pub department: Option<String>,
        pub password_hash: String,
        pub disabled: bool,
        pub failed_logins: i32,
        pub locked_until_us: Option<i64>,
        pub created_at_us: i64,
        /// A service account's allowed source addresses, space-separated (`None` for people).
        pub allowed_sources: Option<String>,
        /// The confirmed TOTP secret, encrypted (`None`: no second factor).
        pub totp_enc: Option<Vec<u8>>,
        /// A TOTP secret awaiting its first code, encrypted.
        pub totp_pending_enc: Option<Vec<u8>>,
        /// The last TOTP time step accepted: a code is good once.
        pub totp_step: Option<i64>,
        /// Wrong codes since the last good sign-in (migration 57).
        pub totp_failures: i32,
        /// Pauses of code entry in a row (migration 62): the next lasts twice the last.
        pub totp_pauses: i32,
        /// Code entry paused until then after too many wrong codes.
        pub totp_locked_until_us: Option<i64>,
        /// The identity provider's `issuer|subject` the account is bound to (migration 58).
        pub sso_subject: Option<String>,
    }
}

crate::enum_col!(Role);

pub async fn insert_staff<C: ConnectionTrait>(c: &C, s: &StaffRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(s)).await
}

pub async fn find_staff_by_username<C: ConnectionTrait>(
    c: &C,
    username: &str,
) -> Result<Option<StaffRow>> {
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("username").eq(username))
        .to_owned();
    table::one(c, &q).await
}

pub async fn find_staff<C: ConnectionTrait>(c: &C, id: StaffId) -> Result<Option<StaffRow>> {
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// The people: every staff account but the service accounts (which no picker, queue, scorecard or
/// notice may ever name).
pub async fn list_staff<C: ConnectionTrait>(c: &C) -> Result<Vec<StaffRow>> {
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("role").is_not_in(Role::SERVICE.map(Role::as_str)))
        .order_by("username", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Every account, people's and services' (to name whoever wrote something: a call-centre's system
/// registers cases too).
pub async fn list_accounts<C: ConnectionTrait>(c: &C) -> Result<Vec<StaffRow>> {
    let q = table::select::<StaffRow>()
        .order_by("username", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// The service accounts, by username.
pub async fn list_service_accounts<C: ConnectionTrait>(c: &C) -> Result<Vec<StaffRow>> {
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("role").is_in(Role::SERVICE.map(Role::as_str)))
        .order_by("username", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Sets a staff member's TOTP columns: the confirmed secret, the one awaiting confirmation, the last step.
pub async fn set_totp<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    secret: Option<&[u8]>,
    pending: Option<&[u8]>,
    step: Option<i64>,
) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("totp_enc", secret.map(<[u8]>::to_vec))
        .value("totp_pending_enc", pending.map(<[u8]>::to_vec))
        .value("totp_step", step)
        // A new factor (or none) starts without the old one's wrong codes and pauses.
        .value("totp_failures", 0)
        .value("totp_pauses", 0)
        .value("totp_locked_until_us", Option::<i64>::None)
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Keeps a new TOTP secret as pending (the confirmed one, if any, stays in force).
pub async fn set_totp_pending<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    pending: &[u8],
) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("totp_pending_enc", pending.to_vec())
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Puts the pending secret in force with the step its first code used — only if the pending secret is still
/// the one that was checked (another enrolment begun meanwhile, or a reset, leaves it alone); false then.
pub async fn confirm_totp<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    pending: &[u8],
    step: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("staff")
        .value("totp_enc", pending.to_vec())
        .value("totp_pending_enc", Option::<Vec<u8>>::None)
        .value("totp_step", step)
        .value("totp_failures", 0)
        .value("totp_pauses", 0)
        .value("totp_locked_until_us", Option::<i64>::None)
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("totp_pending_enc").eq(pending.to_vec()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Ends every workbench session of a staff member (a second factor turned on or reset: sessions signed in
/// without it end).
pub async fn revoke_sessions_of<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    at_us: i64,
) -> Result<()> {
    let q = Query::update()
        .table("web_sessions")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("revoked_at_us").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Records the TOTP step a sign-in used, unless a later one was recorded meanwhile; false when the step was
/// used already (a concurrent sign-in with the same code).
pub async fn use_totp_step<C: ConnectionTrait>(c: &C, id: StaffId, step: i64) -> Result<bool> {
    let q = Query::update()
        .table("staff")
        .value("totp_step", step)
        .and_where(Expr::col("id").eq(id.uuid()))
        .cond_where(
            sea_orm::sea_query::Cond::any()
                .add(Expr::col("totp_step").is_null())
                .add(Expr::col("totp_step").lt(step)),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Whether the account's code entry is not paused, decided in the caller's transaction (the row is locked
/// on PostgreSQL until it ends): a sign-in checked before a pause began does not pass once it has.
pub async fn code_entry_open<C: ConnectionTrait>(c: &C, id: StaffId, now_us: i64) -> Result<bool> {
    let q = Query::update()
        .table("staff")
        .value("totp_failures", Expr::col("totp_failures"))
        .and_where(Expr::col("id").eq(id.uuid()))
        .cond_where(
            sea_orm::sea_query::Cond::any()
                .add(Expr::col("totp_locked_until_us").is_null())
                .add(Expr::col("totp_locked_until_us").lte(now_us)),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Sets a service account's allowed sources.
pub async fn set_allowed_sources<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    sources: &str,
) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("allowed_sources", sources)
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// The staff with these ids (a list names the people it shows, not everyone).
pub async fn staff_by_ids<C: ConnectionTrait>(c: &C, ids: &[StaffId]) -> Result<Vec<StaffRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("id").is_in(ids.iter().map(|i| i.uuid())))
        .to_owned();
    table::all(c, &q).await
}

/// The active administrators, locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's write
/// transactions are exclusive), so two administrators disabling each other at once cannot both succeed.
pub async fn lock_active_admins<C: ConnectionTrait>(c: &C) -> Result<Vec<StaffId>> {
    let q = table::select::<StaffRow>()
        .and_where(Expr::col("role").eq(Role::Admin.as_str()))
        .and_where(Expr::col("disabled").eq(false))
        .lock_exclusive()
        .to_owned();
    Ok(table::all::<StaffRow, _>(c, &q)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// Sets a staff member's team and department.
pub async fn set_staff_org<C: ConnectionTrait>(
    c: &C,
    username: &str,
    team: Option<&str>,
    department: Option<&str>,
) -> Result<StaffRow> {
    let q = Query::update()
        .table("staff")
        .value("team", team)
        .value("department", department)
        .and_where(Expr::col("username").eq(username))
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    find_staff_by_username(c, username)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Counts a failed sign-in (shown to administrators). The account is not locked by it: throttling is by
/// source address, in the app, so a stranger cannot lock its owner out.
pub async fn record_login_failure<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("failed_logins", Expr::col("failed_logins").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn record_login_success<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("failed_logins", 0)
        .value("totp_failures", 0)
        .value("totp_pauses", 0)
        .value("locked_until_us", Option::<i64>::None)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn set_staff_disabled<C: ConnectionTrait>(
    c: &C,
    username: &str,
    disabled: bool,
) -> Result<StaffRow> {
    let q = Query::update()
        .table("staff")
        .value("disabled", disabled)
        .and_where(Expr::col("username").eq(username))
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    find_staff_by_username(c, username)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn set_password_hash<C: ConnectionTrait>(c: &C, id: Uuid, hash: &str) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("password_hash", hash)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    pub struct TokenRow in "api_tokens" {
        pub id: Uuid,
        pub token_hash: Vec<u8>,
        pub staff_id: Uuid,
        pub created_at_us: i64,
        pub expires_at_us: i64,
        pub revoked_at_us: Option<i64>,
        /// When the token last authenticated a call (kept for service accounts, to the minute).
        pub last_used_us: Option<i64>,
    }
}

/// A staff member's tokens, newest first.
pub async fn tokens_of<C: ConnectionTrait>(c: &C, staff_id: Uuid) -> Result<Vec<TokenRow>> {
    let q = table::select::<TokenRow>()
        .and_where(Expr::col("staff_id").eq(staff_id))
        .order_by("created_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

/// Records that a token was used now.
pub async fn touch_token<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("api_tokens")
        .value("last_used_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Shortens the life of a staff member's live tokens to `until_us` (a rotation's overlap), leaving those
/// that end sooner alone; returns how many were shortened.
pub async fn expire_tokens_of<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    until_us: i64,
    except: Uuid,
) -> Result<u64> {
    let q = Query::update()
        .table("api_tokens")
        .value("expires_at_us", until_us)
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("id").ne(except))
        .and_where(Expr::col("revoked_at_us").is_null())
        .and_where(Expr::col("expires_at_us").gt(until_us))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

/// Revokes one of a staff member's tokens; false when it is not theirs or was revoked already.
pub async fn revoke_token_of<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    id: Uuid,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("api_tokens")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("revoked_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn insert_token<C: ConnectionTrait>(c: &C, t: &TokenRow) -> Result<()> {
    let q = Query::insert()
        .into_table("api_tokens")
        .columns(TokenRow::COLUMNS.iter().copied())
        .values_panic(t.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// An API token by its hash with its staff member, in one statement (every API request begins with it).
pub async fn find_token_with_staff<C: ConnectionTrait>(
    c: &C,
    hash: &[u8],
) -> Result<Option<(TokenRow, StaffRow)>> {
    let mut q = table::select::<TokenRow>();
    table::select_prefixed::<StaffRow>(&mut q, "s_");
    q.inner_join(
        StaffRow::NAME,
        Expr::col((StaffRow::NAME, "id")).equals((TokenRow::NAME, "staff_id")),
    )
    .and_where(Expr::col((TokenRow::NAME, "token_hash")).eq(hash.to_vec()));
    let Some(r) = c.query_one(&q).await? else {
        return Ok(None);
    };
    Ok(Some((
        TokenRow::read(&r)?,
        StaffRow::read_prefixed(&r, "s_")?,
    )))
}

pub async fn revoke_token<C: ConnectionTrait>(c: &C, hash: &[u8], at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("api_tokens")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("token_hash").eq(hash.to_vec()))
        .and_where(Expr::col("revoked_at_us").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Revokes every live token of a staff member (on disable).
pub async fn revoke_tokens_of<C: ConnectionTrait>(c: &C, staff_id: Uuid, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("api_tokens")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("revoked_at_us").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    pub struct SessionRow in "web_sessions" {
        pub id: Uuid,
        pub token_hash: Vec<u8>,
        pub staff_id: Uuid,
        pub csrf: String,
        pub lang: String,
        pub created_at_us: i64,
        pub last_seen_us: i64,
        pub expires_at_us: i64,
        pub revoked_at_us: Option<i64>,
        /// Signed in through the bank's identity provider (migration 58).
        pub via_sso: bool,
    }
}

pub async fn insert_session<C: ConnectionTrait>(c: &C, s: &SessionRow) -> Result<()> {
    let q = Query::insert()
        .into_table("web_sessions")
        .columns(SessionRow::COLUMNS.iter().copied())
        .values_panic(s.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// A session by its token's hash with its staff member and how many of their notices are unread, in one
/// statement: every workbench page begins with it (it had been three).
pub async fn find_session_with_staff<C: ConnectionTrait>(
    c: &C,
    hash: &[u8],
) -> Result<Option<(SessionRow, StaffRow, u64)>> {
    let mut q = table::select::<SessionRow>();
    table::select_prefixed::<StaffRow>(&mut q, "s_");
    q.expr_as(
        Expr::cust(
            "(SELECT COUNT(*) FROM staff_notices WHERE staff_notices.staff_id = web_sessions.staff_id \
             AND staff_notices.read_at_us IS NULL)",
        ),
        "unread_notices",
    )
    .inner_join(
        StaffRow::NAME,
        Expr::col((StaffRow::NAME, "id")).equals((SessionRow::NAME, "staff_id")),
    )
    .and_where(Expr::col((SessionRow::NAME, "token_hash")).eq(hash.to_vec()));
    let Some(r) = c.query_one(&q).await? else {
        return Ok(None);
    };
    let unread: i64 = r.try_get("", "unread_notices")?;
    let unread = u64::try_from(unread)
        .map_err(|_| StoreError::Corrupt(format!("a count of {unread} unread notices")))?;
    Ok(Some((
        SessionRow::read(&r)?,
        StaffRow::read_prefixed(&r, "s_")?,
        unread,
    )))
}

pub async fn touch_session<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("web_sessions")
        .value("last_seen_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn set_session_lang<C: ConnectionTrait>(c: &C, id: Uuid, lang: &str) -> Result<()> {
    let q = Query::update()
        .table("web_sessions")
        .value("lang", lang)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn revoke_session<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("web_sessions")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// The account bound to the identity provider's `issuer|subject`.
pub async fn find_staff_by_sso_subject<C: ConnectionTrait>(
    c: &C,
    subject: &str,
) -> Result<Option<StaffRow>> {
    let mut q = table::select::<StaffRow>();
    q.and_where(Expr::col((StaffRow::NAME, "sso_subject")).eq(subject));
    table::one(c, &q).await
}

/// Binds an account to the identity provider's `issuer|subject` (once: an account bound already keeps
/// its binding). True when bound now.
pub async fn bind_sso_subject<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    subject: &str,
) -> Result<bool> {
    let q = Query::update()
        .table("staff")
        .value("sso_subject", subject)
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("sso_subject").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Sets a staff member's role and branch (a single sign-on that maps them from the identity provider's
/// claims keeps Banyan's record in step with the bank's directory).
pub async fn set_staff_role_branch<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    role: Role,
    branch_code: Option<&str>,
) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("role", role.as_str())
        .value("branch_code", branch_code)
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    /// A single sign-on begun in a browser and not yet come back (migration 56).
    pub struct SsoAttemptRow in "sso_attempts" {
        pub id: Uuid,
        pub state_hash: Vec<u8>,
        pub nonce: String,
        pub verifier: String,
        pub lang: String,
        pub created_at_us: i64,
        pub used_at_us: Option<i64>,
    }
}

/// Records a sign-on begun, and forgets those begun before `stale_before_us` (used or abandoned).
pub async fn insert_sso_attempt<C: ConnectionTrait>(
    c: &C,
    a: &SsoAttemptRow,
    stale_before_us: i64,
) -> Result<()> {
    let purge = Query::delete()
        .from_table("sso_attempts")
        .and_where(Expr::col("created_at_us").lt(stale_before_us))
        .to_owned();
    c.execute(&purge).await?;
    let q = Query::insert()
        .into_table("sso_attempts")
        .columns(SsoAttemptRow::COLUMNS.iter().copied())
        .values_panic(a.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Takes the attempt whose state hashes to `state_hash`, once: marks it used, unless it already was or
/// was begun before `not_before_us`. Two browsers (or two nodes) coming back with the same state cannot
/// both take it: the update's condition decides.
pub async fn take_sso_attempt<C: ConnectionTrait>(
    c: &C,
    state_hash: &[u8],
    now_us: i64,
    not_before_us: i64,
) -> Result<Option<SsoAttemptRow>> {
    let q = Query::update()
        .table("sso_attempts")
        .value("used_at_us", now_us)
        .and_where(Expr::col("state_hash").eq(state_hash.to_vec()))
        .and_where(Expr::col("used_at_us").is_null())
        .and_where(Expr::col("created_at_us").gte(not_before_us))
        .to_owned();
    if c.execute(&q).await?.rows_affected() != 1 {
        return Ok(None);
    }
    let mut s = table::select::<SsoAttemptRow>();
    s.and_where(Expr::col("state_hash").eq(state_hash.to_vec()));
    table::one(c, &s).await
}

/// Counts a wrong second-factor code; at `max` the account's code entry pauses until `lock_until_us` and
/// the count starts again. True when this one paused it.
pub async fn record_totp_failure<C: ConnectionTrait>(
    c: &C,
    id: StaffId,
    max: i32,
    now_us: i64,
    pause_until: impl Fn(i32) -> i64,
) -> Result<Option<i64>> {
    // A code checked before a pause began and refused during it does not count towards the next: a burst
    // in flight would otherwise pause twice at once and double the next pause.
    let q = Query::update()
        .table("staff")
        .value("totp_failures", Expr::col("totp_failures").add(1))
        .and_where(Expr::col("id").eq(id.uuid()))
        .cond_where(
            sea_orm::sea_query::Cond::any()
                .add(Expr::col("totp_locked_until_us").is_null())
                .add(Expr::col("totp_locked_until_us").lte(now_us)),
        )
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        return Ok(None);
    }
    // The row is the caller's (locked by the update above on PostgreSQL, the writer's on SQLite) until
    // its transaction ends: the pauses read here are the ones the pause below follows.
    let q = Query::select()
        .column("totp_pauses")
        .from("staff")
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("totp_failures").gte(max))
        .to_owned();
    let Some(row) = c.query_one(&q).await? else {
        return Ok(None);
    };
    let pauses: i32 = row.try_get("", "totp_pauses")?;
    let until = pause_until(pauses);
    let lock = Query::update()
        .table("staff")
        .value("totp_failures", 0)
        .value("totp_pauses", pauses.saturating_add(1))
        .value("totp_locked_until_us", until)
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("totp_failures").gte(max))
        .to_owned();
    Ok((c.execute(&lock).await?.rows_affected() == 1).then_some(until))
}

crate::table! {
    /// A single-use recovery code of a staff member's second factor, by its hash (migration 59).
    pub struct RecoveryCodeRow in "staff_recovery_codes" {
        pub id: Uuid,
        pub staff_id: Uuid,
        pub code_hash: Vec<u8>,
        pub created_at_us: i64,
        pub used_at_us: Option<i64>,
    }
}

/// Replaces a staff member's recovery codes with `rows` (none: the codes are gone).
pub async fn replace_recovery_codes<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    rows: &[RecoveryCodeRow],
) -> Result<()> {
    let q = Query::delete()
        .from_table("staff_recovery_codes")
        .and_where(Expr::col("staff_id").eq(staff_id))
        .to_owned();
    c.execute(&q).await?;
    if !rows.is_empty() {
        table::insert(c, rows).await?;
    }
    Ok(())
}

/// Uses the staff member's unused code with this hash; false when there is none (wrong, or used already
/// — two sign-ins with one code cannot both pass: the update's condition decides).
pub async fn use_recovery_code<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    code_hash: &[u8],
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("staff_recovery_codes")
        .value("used_at_us", at_us)
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("code_hash").eq(code_hash.to_vec()))
        .and_where(Expr::col("used_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// How many unused recovery codes the staff member has.
pub async fn recovery_codes_left<C: ConnectionTrait>(c: &C, staff_id: Uuid) -> Result<u64> {
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("staff_recovery_codes")
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("used_at_us").is_null())
        .to_owned();
    let n: i64 = match c.query_one(&q).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Whether the staff member has an unused recovery code with this hash.
pub async fn recovery_code_unused<C: ConnectionTrait>(
    c: &C,
    staff_id: Uuid,
    code_hash: &[u8],
) -> Result<bool> {
    let q = Query::select()
        .column("id")
        .from("staff_recovery_codes")
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("code_hash").eq(code_hash.to_vec()))
        .and_where(Expr::col("used_at_us").is_null())
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}
