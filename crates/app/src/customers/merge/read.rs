//! Reading merges: one, a page of them, and the links a customer's page shows.

use super::*;

/// One merge, when both records are in the actor's scope.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerRead)?;
    let c = &app.db.conn;
    let m = mstore::find_merge(c, id).await?.ok_or(AppError::NotFound)?;
    for cid in [m.survivor_id, m.merged_id] {
        load_in_scope(c, &grant, cid).await?;
    }
    view_of(app, c, actor, m).await
}

/// A page of merges whose records are in the actor's scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergePage {
    pub items: Vec<MergeView>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// Largest page of merges.
pub const MAX_MERGES: u64 = 100;

/// The merges in a state (all when `None`), newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    status: Option<MergeStatus>,
    offset: u64,
    limit: u64,
) -> Result<MergePage> {
    let grant = actor.require(Permission::CustomerRead)?;
    if !(1..=MAX_MERGES).contains(&limit) {
        return Err(AppError::field(
            "limit",
            "range",
            format!("must be 1 to {MAX_MERGES}"),
        ));
    }
    let c = &app.db.conn;
    let scope = grant.scope();
    let rows = mstore::list_merges(c, &scope, status, offset, limit).await?;
    let total = mstore::count_merges(c, &scope, status).await?;
    let mut items = Vec::with_capacity(rows.len());
    for m in rows {
        items.push(view_of(app, c, actor, m).await?);
    }
    Ok(MergePage {
        items,
        total,
        offset,
        limit,
    })
}

/// Where a merged record points: the merge and the survivor (when the reader may see the survivor).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Redirect {
    pub merge_id: Uuid,
    pub survivor_id: Uuid,
    pub survivor_no: String,
    pub merged_at: Option<String>,
}

/// The merge that took this record away, if any, for a reader who may see the record.
pub async fn redirect_of(app: &App, actor: &Actor, customer: Uuid) -> Result<Option<Redirect>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let c = &app.db.conn;
    load_in_scope(c, &grant, customer).await?;
    let Some(m) = mstore::merged_away(c, customer).await? else {
        return Ok(None);
    };
    // The survivor outside the reader's scope: the reader learns only that the record was merged (its status).
    let s = match load_in_scope(c, &grant, m.survivor_id).await {
        Ok(s) => s,
        Err(AppError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Redirect {
        merge_id: m.id,
        survivor_id: m.survivor_id,
        survivor_no: s.customer_no,
        merged_at: m.decided_at_us.map(crate::fmt_us),
    }))
}

/// A record on the other side of a carried-out merge, for the customer's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergeLink {
    pub merge_id: Uuid,
    pub customer_id: Uuid,
    pub customer_no: String,
    /// When the merge was carried out (RFC 3339).
    pub at: String,
}

/// The customer's carried-out merges: the record it was merged into, if any, and the records merged into it
/// (only those the reader may see). The customer itself was proved in scope by the page's read (`seen`).
pub async fn links(
    app: &App,
    actor: &Actor,
    seen: &crate::scope::Seen,
) -> Result<(Option<MergeLink>, Vec<MergeLink>)> {
    let grant = actor.require(Permission::CustomerRead)?;
    let c = &app.db.conn;
    let me = seen.id();
    let merges = mstore::done_merges_of(c, me).await?;
    if merges.is_empty() {
        return Ok((None, Vec::new()));
    }
    let others: Vec<Uuid> = merges
        .iter()
        .map(|m| {
            if m.survivor_id == me {
                m.merged_id
            } else {
                m.survivor_id
            }
        })
        .collect();
    let rows: std::collections::HashMap<Uuid, CustomerRow> = store::rows_by_ids(c, &others)
        .await?
        .into_iter()
        .filter(|r| grant.can_see(&r.branch_code, r.rm_id))
        .map(|r| (r.id.uuid(), r))
        .collect();
    let mut into = None;
    let mut from = Vec::new();
    for m in merges {
        let other = if m.survivor_id == me {
            m.merged_id
        } else {
            m.survivor_id
        };
        let Some(r) = rows.get(&other) else { continue };
        let link = MergeLink {
            merge_id: m.id,
            customer_id: other,
            customer_no: r.customer_no.clone(),
            at: crate::fmt_us(m.decided_at_us.ok_or_else(|| {
                AppError::internal(format!("merge {} was carried out without its time", m.id))
            })?),
        };
        if m.merged_id == me {
            into = Some(link);
        } else {
            from.push(link);
        }
    }
    Ok((into, from))
}
