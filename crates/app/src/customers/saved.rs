//! Customer searches saved by name, per member of staff: the filters a person runs every morning ("my
//! platinum customers due for review") one click away. A saved search is only its query: it runs, like
//! any search, within the person's scope at the time it runs.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::customers::{self as store, SavedSearchRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most searches one person keeps.
pub const MAX_SAVED: usize = 20;

/// A saved search: run it as `GET /api/v1/customers?{query}` (or `/customers?{query}` in the workbench).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedSearch {
    pub id: Uuid,
    pub name: String,
    /// The search's query string: `q=王&status=verified&wealth_tier=platinum`.
    pub query: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSearch {
    /// 1 to 40 characters; saving under a name already used replaces that search.
    pub name: String,
    pub query: String,
}

fn view(r: SavedSearchRow) -> SavedSearch {
    SavedSearch {
        id: r.id,
        name: r.name,
        query: r.query,
        created_at: crate::fmt_us(r.created_at_us),
    }
}

/// The caller's saved searches, by name.
pub async fn saved_searches(app: &App, actor: &Actor) -> Result<Vec<SavedSearch>> {
    actor.require(Permission::CustomerRead)?;
    Ok(store::saved_searches(&app.db.conn, actor.id.uuid())
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// The query kept: the search's own filters (`q`, `kind`, `status`, `branch_code`, `rm`, `review`, `sort`
/// and segment dimensions), never a page position or an export format.
fn clean_query(query: &str) -> Option<String> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        if matches!(k.as_ref(), "cursor" | "trail" | "format" | "msg") || v.trim().is_empty() {
            continue;
        }
        let key_ok =
            !k.is_empty() && k.len() <= 40 && k.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if !key_ok || v.chars().count() > 200 {
            return None;
        }
        out.append_pair(&k, v.trim());
        any = true;
    }
    any.then(|| out.finish())
}

/// Saves (or, under a name already used, replaces) a search of the caller's.
pub async fn save_search(app: &App, actor: &Actor, input: SaveSearch) -> Result<SavedSearch> {
    let grant = actor.require(Permission::CustomerRead)?;
    let mut errs = banyan_domain::FieldErrors::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 40 {
        errs.push("name", "length", "give a name of 1 to 40 characters");
    }
    let query = clean_query(&input.query);
    if query.is_none() {
        errs.push(
            "query",
            "search",
            "must be a customer search with at least one filter",
        );
    }
    // Read in the write's transaction: two saves at once cannot both take the last place.
    let tx = app.db.begin_write().await?;
    let existing = store::saved_searches(&*tx, actor.id.uuid()).await?;
    if existing.len() >= MAX_SAVED && !existing.iter().any(|e| e.name == name) {
        errs.push(
            "name",
            "max_items",
            format!("at most {MAX_SAVED} saved searches: delete one first"),
        );
    }
    errs.into_result()?;
    let row = SavedSearchRow {
        id: existing
            .iter()
            .find(|e| e.name == name)
            .map_or_else(Uuid::now_v7, |e| e.id),
        staff_id: actor.id.uuid(),
        name,
        query: query.unwrap_or_default(),
        created_at_us: now_us(),
    };
    store::put_saved_search(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "search.save",
            entity: "saved_search",
            entity_id: Some(row.id.to_string()),
            customer_id: None,
            detail: json!({"name": row.name}),
        }],
    )
    .await?;
    let v = view(row);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Deletes one of the caller's saved searches (another's: not found).
pub async fn delete_saved_search(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    let grant = actor.require(Permission::CustomerRead)?;
    let tx = app.db.begin_write().await?;
    if !store::delete_saved_search(&*tx, actor.id.uuid(), id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "search.delete",
            entity: "saved_search",
            entity_id: Some(id.to_string()),
            customer_id: None,
            detail: json!({}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
