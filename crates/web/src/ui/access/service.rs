//! Service accounts on the workbench: the list with its form, one account's page with its tokens, the
//! rotation that shows a new token once, revocation, the allow-list and disabling (administrators).

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::access::service::{self, NewServiceAccount, ServiceAccountView};
use banyan_domain::access::Role;

/// A service account as the list shows it: every value in the reader's words.
pub(crate) struct Row {
    username: String,
    name: String,
    role: String,
    reach: String,
    sources: String,
    active_tokens: usize,
    last_used: String,
    disabled: bool,
    role_rank: usize,
}

fn row(t: Tr, tz: &jiff::tz::TimeZone, v: &ServiceAccountView) -> Row {
    let last = v
        .tokens
        .iter()
        .filter_map(|k| k.last_used_at.as_deref())
        .max()
        .map_or_else(
            || t.get("sa.never_used").to_owned(),
            |at| t.datetime(tz, at),
        );
    Row {
        username: v.username.clone(),
        name: v.display_name.clone(),
        role: t.of("role", v.role.as_str()),
        reach: reach(t, v),
        sources: v.allowed_sources.join("、"),
        active_tokens: v.active_tokens(),
        last_used: last,
        disabled: v.disabled,
        role_rank: Role::SERVICE
            .iter()
            .position(|r| *r == v.role)
            .unwrap_or(usize::MAX),
    }
}

/// Which customers the account reaches: one branch, or the whole bank.
fn reach(t: Tr, v: &ServiceAccountView) -> String {
    match &v.branch_code {
        Some(b) => t.get("sa.reach_branch").replace("{branch}", b),
        None => t.get("sa.reach_all").to_owned(),
    }
}

fn columns() -> Vec<Column<Row>> {
    vec![
        Column::sorted("sa.name", "name", |a, b| a.name.cmp(&b.name)),
        Column::sorted("login.username", "username", |a, b| {
            a.username.cmp(&b.username)
        }),
        Column::sorted("admin.role", "role", |a, b| a.role_rank.cmp(&b.role_rank)),
        Column::sorted("sa.reach", "reach", |a, b| a.reach.cmp(&b.reach)),
        Column::sorted("sa.sources", "sources", |a, b| a.sources.cmp(&b.sources)),
        Column::sorted("sa.active_tokens", "tokens", |a, b| {
            a.active_tokens.cmp(&b.active_tokens)
        }),
        Column::sorted("sa.last_used", "used", |a, b| a.last_used.cmp(&b.last_used)),
        Column::sorted("field.status", "status", |a, b| a.disabled.cmp(&b.disabled)),
    ]
}

const LIST: ListSpec = ListSpec {
    path: "/admin/service-accounts",
    total_key: "sa.count",
    default_sort: "name",
    per_page: 50,
};

#[derive(Template)]
#[template(path = "service_accounts.html")]
pub(crate) struct ListPage {
    c: Chrome,
    title: String,
    list: Listing<Row>,
    /// The service roles: (code, label, what it may do).
    roles: Vec<(&'static str, String, String)>,
    branches: Vec<String>,
    error: Option<String>,
}

/// What a role lets a system do, in words (its permissions' labels).
fn rights(t: Tr, role: Role) -> String {
    role.permissions()
        .iter()
        .map(|p| t.of("perm", p.as_str()))
        .collect::<Vec<_>>()
        .join("、")
}

async fn list_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: &ListParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let fail = |e: AppError| PageError::App(e, t, Some(sess.clone()));
    let accounts = service::list(&s.app, &sess.actor).await.map_err(fail)?;
    let mut branches: Vec<String> = banyan_app::access::list_staff(&s.app, &sess.actor)
        .await
        .map_err(fail)?
        .into_iter()
        .filter_map(|p| p.branch_code)
        .collect();
    branches.sort();
    branches.dedup();
    let rows = accounts.iter().map(|v| row(t, &s.app.tz, v)).collect();
    let failed = error.is_some();
    Ok(page_status(
        ListPage {
            title: t.get("sa.title").to_owned(),
            c: chrome(t, Some(&sess), "/admin/service-accounts"),
            list: listing(t, &LIST, p, rows, &columns()),
            roles: Role::SERVICE
                .iter()
                .map(|r| (r.as_str(), t.of("role", r.as_str()), rights(t, *r)))
                .collect(),
            branches,
            error,
        },
        failed,
    ))
}

pub(crate) async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    list_view(&s, sess, t, &p, None).await
}

/// The addresses typed one per line (or separated by spaces or commas).
fn sources_of(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A number picked from a form's select; a missing or unreadable one is 0, which the use case refuses
/// with the field named.
fn number(f: &std::collections::HashMap<String, String>, k: &str) -> u32 {
    f.get(k).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

pub(crate) async fn create(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let Some(role) = Role::parse(&get("role")).filter(|r| r.is_service()) else {
        let msg = crate::ui::forms::rule_text(t, "role", "required", "pick a role", None);
        return list_view(&s, sess, t, &ListParams::default(), Some(msg)).await;
    };
    let n = NewServiceAccount {
        username: get("username"),
        display_name: get("display_name"),
        role,
        branch_code: Some(get("branch_code")).filter(|b| !b.is_empty()),
        allowed_sources: sources_of(&get("allowed_sources")),
        token_days: number(&f, "token_days"),
    };
    match service::create(&s.app, &sess.actor, n).await {
        Ok(issued) => account_view(&s, sess, t, issued.account, issued.token, None).await,
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => list_view(&s, sess, t, &ListParams::default(), Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

/// A token as the account's page shows it.
pub(crate) struct TokenRow {
    id: String,
    created: String,
    expires: String,
    last_used: String,
    state: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "service_account.html")]
pub(crate) struct AccountPage {
    c: Chrome,
    title: String,
    username: String,
    role: String,
    rights: String,
    reach: String,
    sources: String,
    created: String,
    disabled: bool,
    tokens: Vec<TokenRow>,
    tokens_total: String,
    /// A token just issued: shown on this one answer, never again.
    new_token: Option<String>,
    error: Option<String>,
}

async fn account_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    v: ServiceAccountView,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tz = &s.app.tz;
    let tokens: Vec<TokenRow> = v
        .tokens
        .iter()
        .map(|k| TokenRow {
            id: k.id.to_string(),
            created: t.datetime(tz, &k.created_at),
            expires: t.datetime(tz, &k.expires_at),
            last_used: k.last_used_at.as_deref().map_or_else(
                || t.get("sa.never_used").to_owned(),
                |at| t.datetime(tz, at),
            ),
            state: t.of("token_state", k.state.as_str()),
            active: k.state == service::TokenState::Active,
        })
        .collect();
    let failed = error.is_some();
    let p = AccountPage {
        title: v.display_name.clone(),
        c: chrome(t, Some(&sess), "/admin/service-accounts"),
        role: t.of("role", v.role.as_str()),
        rights: rights(t, v.role),
        reach: reach(t, &v),
        sources: v.allowed_sources.join("\n"),
        created: t.datetime(tz, &v.created_at),
        disabled: v.disabled,
        tokens_total: t
            .get("sa.tokens_count")
            .replace("{n}", &tokens.len().to_string()),
        tokens,
        username: v.username,
        new_token,
        error,
    };
    Ok(if failed {
        page_status(p, true)
    } else {
        page(p)
    })
}

pub(crate) async fn account_page(
    State(s): State<AppState>,
    Path(username): Path<String>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let v = service::get(&s.app, &sess.actor, &username)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    account_view(&s, sess, t, v, None, None).await
}

/// Shows the account again with a refusal, or fails the page for anything that is not one.
async fn refused(
    s: &AppState,
    sess: Session,
    t: Tr,
    username: &str,
    e: AppError,
) -> Result<Response, PageError> {
    let msg =
        crate::ui::forms::refusal(t, e).map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let v = service::get(&s.app, &sess.actor, username)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    account_view(s, sess, t, v, None, Some(msg)).await
}

pub(crate) async fn rotate(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let days = number(&f, "token_days");
    let overlap = number(&f, "overlap_hours");
    match service::rotate(&s.app, &sess.actor, &username, days, overlap).await {
        Ok(issued) => account_view(&s, sess, t, issued.account, issued.token, None).await,
        Err(e) => refused(&s, sess, t, &username, e).await,
    }
}

pub(crate) async fn revoke(
    State(s): State<AppState>,
    Path((username, id)): Path<(String, uuid::Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match service::revoke(&s.app, &sess.actor, &username, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/service-accounts/{username}")).into_response()),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) async fn set_sources(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let list = sources_of(f.get("allowed_sources").map_or("", String::as_str));
    match service::set_sources(&s.app, &sess.actor, &username, &list).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/service-accounts/{username}")).into_response()),
        Err(e) => refused(&s, sess, t, &username, e).await,
    }
}

pub(crate) async fn disable(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match service::disable(&s.app, &sess.actor, &username).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/service-accounts/{username}")).into_response()),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/service-accounts", get(list_page).post(create))
        .route("/admin/service-accounts/{username}", get(account_page))
        .route("/admin/service-accounts/{username}/tokens", post(rotate))
        .route(
            "/admin/service-accounts/{username}/tokens/{id}/revoke",
            post(revoke),
        )
        .route(
            "/admin/service-accounts/{username}/sources",
            post(set_sources),
        )
        .route("/admin/service-accounts/{username}/disable", post(disable))
}
