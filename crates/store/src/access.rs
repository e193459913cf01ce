//! Staff accounts and API tokens.

use crate::error::{Result, StoreError};
use crate::table;
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
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

pub async fn list_staff<C: ConnectionTrait>(c: &C) -> Result<Vec<StaffRow>> {
    let q = table::select::<StaffRow>()
        .order_by("username", Order::Asc)
        .to_owned();
    table::all(c, &q).await
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

/// Records a failed login: counts it, and locks the account until `lock_until_us` once `max` is reached.
pub async fn record_login_failure<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    max: i32,
    lock_until_us: i64,
) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("failed_logins", Expr::col("failed_logins").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    let q = Query::update()
        .table("staff")
        .value("locked_until_us", lock_until_us)
        .value("failed_logins", 0)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("failed_logins").gte(max))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn record_login_success<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<()> {
    let q = Query::update()
        .table("staff")
        .value("failed_logins", 0)
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

#[derive(Debug, Clone, FromQueryResult)]
pub struct TokenRow {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub staff_id: Uuid,
    pub created_at_us: i64,
    pub expires_at_us: i64,
    pub revoked_at_us: Option<i64>,
}

pub async fn insert_token<C: ConnectionTrait>(c: &C, t: &TokenRow) -> Result<()> {
    let q = Query::insert()
        .into_table("api_tokens")
        .columns([
            "id",
            "token_hash",
            "staff_id",
            "created_at_us",
            "expires_at_us",
            "revoked_at_us",
        ])
        .values_panic([
            t.id.into(),
            t.token_hash.clone().into(),
            t.staff_id.into(),
            t.created_at_us.into(),
            t.expires_at_us.into(),
            t.revoked_at_us.into(),
        ])
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn find_token<C: ConnectionTrait>(c: &C, hash: &[u8]) -> Result<Option<TokenRow>> {
    let q = Query::select()
        .columns([
            "id",
            "token_hash",
            "staff_id",
            "created_at_us",
            "expires_at_us",
            "revoked_at_us",
        ])
        .from("api_tokens")
        .and_where(Expr::col("token_hash").eq(hash.to_vec()))
        .to_owned();
    Ok(
        TokenRow::find_by_statement(c.get_database_backend().build(&q))
            .one(c)
            .await?,
    )
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

#[derive(Debug, Clone, FromQueryResult)]
pub struct SessionRow {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub staff_id: Uuid,
    pub csrf: String,
    pub lang: String,
    pub created_at_us: i64,
    pub last_seen_us: i64,
    pub expires_at_us: i64,
    pub revoked_at_us: Option<i64>,
}

const SESSION_COLS: [&str; 9] = [
    "id",
    "token_hash",
    "staff_id",
    "csrf",
    "lang",
    "created_at_us",
    "last_seen_us",
    "expires_at_us",
    "revoked_at_us",
];

pub async fn insert_session<C: ConnectionTrait>(c: &C, s: &SessionRow) -> Result<()> {
    let q = Query::insert()
        .into_table("web_sessions")
        .columns(SESSION_COLS)
        .values_panic([
            s.id.into(),
            s.token_hash.clone().into(),
            s.staff_id.into(),
            s.csrf.clone().into(),
            s.lang.clone().into(),
            s.created_at_us.into(),
            s.last_seen_us.into(),
            s.expires_at_us.into(),
            s.revoked_at_us.into(),
        ])
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn find_session<C: ConnectionTrait>(c: &C, hash: &[u8]) -> Result<Option<SessionRow>> {
    let q = Query::select()
        .columns(SESSION_COLS)
        .from("web_sessions")
        .and_where(Expr::col("token_hash").eq(hash.to_vec()))
        .to_owned();
    Ok(
        SessionRow::find_by_statement(c.get_database_backend().build(&q))
            .one(c)
            .await?,
    )
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
