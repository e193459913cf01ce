//! Reading customers: one (masked, or revealed with an audit record), search with filters and keyset
//! cursors, the review queue, versions.

use super::purpose_of;
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::{KeyRing, Purpose};
use crate::error::{AppError, Result};
use crate::view::*;
use banyan_domain::access::Permission;
use banyan_domain::customer::{
    self as dom, ContactKind, ContactValue, CustomerKind, CustomerStatus, Identifier,
};
use banyan_domain::ident::{CreditCode, IdDocument, IdDocumentType, PhoneNumber};
use banyan_store::ConnectionTrait;
use banyan_store::customers::search::{self, TermMatch, TermSearch};
use banyan_store::customers::{self as store, ContactRow, CustomerFilter, CustomerRow, Lookup};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Builds the full view of a stored customer (values masked unless `reveal`).
/// The customer as stored through `c` (the write's transaction, after a change), masked.
pub(crate) async fn stored_view<C: ConnectionTrait>(
    app: &App,
    c: &C,
    id: Uuid,
) -> Result<CustomerView> {
    build_view(app, c, store::get_customer(c, id.into()).await?, false).await
}

pub(crate) async fn build_view<C: ConnectionTrait>(
    app: &App,
    c: &C,
    row: CustomerRow,
    reveal: bool,
) -> Result<CustomerView> {
    let contacts = store::list_contacts(c, &[row.id.uuid()]).await?;
    view_of(app, c, row, contacts, reveal).await
}

/// The view of a customer whose contacts are already read.
pub(crate) async fn view_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    row: CustomerRow,
    contacts: Vec<ContactRow>,
    reveal: bool,
) -> Result<CustomerView> {
    let keys = app.keys();
    let consents = store::list_consents(c, row.id.uuid()).await?;
    let kind = row.kind;
    let status = row.status;
    let number = keys.decrypt(Purpose::Identifier, &row.id_enc)?;
    let identifier = Identifier::from_stored(&row.id_type, &number);
    let shown = if reveal {
        number.clone()
    } else {
        identifier
            .as_ref()
            .map(|i| i.masked())
            .unwrap_or_else(|| "****".into())
    };
    let mut contact_views = Vec::with_capacity(contacts.len());
    for ct in contacts {
        let k = ContactKind::parse(&ct.kind)
            .ok_or_else(|| AppError::internal("unknown contact kind"))?;
        let plain = keys.decrypt(purpose_of(k), &ct.value_enc)?;
        let value = if reveal {
            plain
        } else {
            ContactValue::parse(k, &plain)
                .map(|v| v.masked())
                .unwrap_or_else(|_| "****".into())
        };
        contact_views.push(ContactView {
            id: ct.id,
            kind: k,
            label: ct.label,
            value,
            revealed: reveal,
        });
    }
    let today = app.today().to_string();
    let review_overdue = status == CustomerStatus::Verified
        && row
            .review_due
            .as_deref()
            .is_some_and(|d| d < today.as_str());
    let return_note = row
        .return_note
        .as_deref()
        .map(|n| crate::json::stored(n, format_args!("customers.return_note of {}", row.id)))
        .transpose()?;
    let profile = crate::json::stored(
        &row.profile,
        format_args!("customers.profile of {}", row.id),
    )?;
    Ok(CustomerView {
        id: row.id.uuid(),
        customer_no: row.customer_no,
        kind,
        status,
        active: status.is_active(),
        branch_code: row.branch_code,
        rm_id: row.rm_id.map(Into::into),
        display_name: row.display_name,
        profile,
        identifier: IdentifierView {
            id_type: row.id_type,
            number: shown,
            revealed: reveal,
        },
        contacts: contact_views,
        consents: consents
            .into_iter()
            .filter_map(|c| {
                Some(ConsentView {
                    channel: dom::Channel::parse(&c.channel)?,
                    granted: c.granted,
                    source: c.source,
                    at: crate::fmt_us(c.at_us),
                    recorded_by: c.recorded_by,
                })
            })
            .collect(),
        preferred_channel: row.preferred_channel,
        custom: crate::json::stored(
            &row.custom,
            format_args!("customers.custom of row {}", row.id),
        )?,
        version: row.version,
        created_by: row.created_by.uuid(),
        created_at: crate::fmt_us(row.created_at_us),
        updated_by: row.updated_by.uuid(),
        updated_at: crate::fmt_us(row.updated_at_us),
        submitted_at: row.submitted_at_us.map(crate::fmt_us),
        verified_by: row.verified_by.map(Into::into),
        verified_at: row.verified_at_us.map(crate::fmt_us),
        review_due: row.review_due,
        review_overdue,
        return_note,
        warnings: Vec::new(),
    })
}

/// Reads one customer. With `reveal`, identifiers and contacts are shown in full and the reveal audited.
pub async fn get(app: &App, actor: &Actor, id: Uuid, reveal: bool) -> Result<CustomerView> {
    Ok(open(app, actor, id, reveal).await?.0)
}

/// [`get`], with the proof that the customer is in the actor's scope for the rest of the request: the page that
/// shows the customer hands it to its other reads (contacts, tasks, the book …), which then need not read the
/// customer's row again.
pub async fn open(
    app: &App,
    actor: &Actor,
    id: Uuid,
    reveal: bool,
) -> Result<(CustomerView, crate::scope::Seen)> {
    let grant = actor.require(Permission::CustomerRead)?;
    if reveal {
        actor.require(Permission::CustomerReveal)?;
    }
    // One round trip for the customer and its contacts: this is the hot read.
    let (row, contacts) = match store::find_customer_with_contacts(&app.db.conn, id).await? {
        Some((r, c)) if grant.can_see(&r.branch_code, r.rm_id) => (r, c),
        _ => return Err(AppError::NotFound),
    };
    let seen = crate::scope::Seen::new(&grant, row.clone());
    let view = view_of(app, &app.db.conn, row, contacts, reveal).await?;
    if reveal {
        let tx = app.db.begin_write().await?;
        let mut fields = vec!["identifier".to_owned()];
        fields.extend(
            view.contacts
                .iter()
                .map(|c| format!("contacts.{}", c.kind.as_str())),
        );
        audit::record(
            app,
            &*tx,
            &grant,
            vec![Entry::customer(
                "customer.reveal",
                id,
                json!({"fields": fields}),
            )],
        )
        .await?;
        tx.commit().await?;
    }
    Ok((view, seen))
}

/// Search and filters for a customer listing.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Name prefix (Chinese or Latin), customer number, exact ID number or mobile number.
    pub q: Option<String>,
    pub kind: Option<CustomerKind>,
    pub status: Option<CustomerStatus>,
    pub branch_code: Option<String>,
    pub rm_id: Option<Uuid>,
    /// Only verified customers past their periodic review date.
    pub review_overdue: bool,
    /// Current segments the customer must have: (dimension, value), e.g. (`wealth_tier`, `platinum`).
    pub segments: Vec<(String, String)>,
    /// The order; name searches default to name order, everything else to creation order.
    pub sort: Option<Sort>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

pub use banyan_store::customers::{Sort, SortKey};

/// The sort names the API and the workbench accept: a key, `-` in front for descending.
pub const SORTS: [&str; 5] = ["created", "name", "customer_no", "review_due", "updated"];

/// Reads `name`, `-review_due`, ...; `None` for anything else.
pub fn parse_sort(s: &str) -> Option<Sort> {
    let (desc, k) = match s.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, s),
    };
    let key = match k {
        "created" => SortKey::Id,
        "name" => SortKey::Name,
        "customer_no" => SortKey::CustomerNo,
        "review_due" => SortKey::ReviewDue,
        "updated" => SortKey::Updated,
        _ => return None,
    };
    Some(Sort { key, desc })
}

/// What a search term can match, by its shape.
pub(crate) fn lookups(keys: &KeyRing, q: &str) -> Vec<Lookup> {
    let t = q.trim();
    let mut out = Vec::new();
    let upper = t.to_ascii_uppercase();
    let looks_like_no = upper.len() >= 3 && ["P-", "C-", "G-"].iter().any(|p| upper.starts_with(p));
    if looks_like_no {
        out.push(Lookup::CustomerNo(upper.clone()));
        return out;
    }
    let mut exact = false;
    for t2 in IdDocumentType::ALL {
        if let Ok(d) = IdDocument::parse(t2, t) {
            out.push(Lookup::IdBidx(
                keys.blind_index(Purpose::Identifier, d.number()),
            ));
            exact |= t2 != IdDocumentType::Passport;
        }
    }
    if let Ok(c) = CreditCode::parse(t) {
        out.push(Lookup::IdBidx(
            keys.blind_index(Purpose::Identifier, c.as_str()),
        ));
        exact = true;
    }
    if let Ok(p) = PhoneNumber::parse(t) {
        out.push(Lookup::MobileBidx(
            keys.blind_index(Purpose::Mobile, p.as_str()),
        ));
        exact = true;
    }
    if !exact {
        out.extend(super::search::term_lookup(keys, t));
    }
    out
}

/// A term that may be a passport number and a name at once (`sunshuhua`): a customer holding that passport
/// in the caller's scope answers it alone; otherwise the name search does, through the term index in its
/// own order. Both at once would be a union read in name order across the bank (measured at 1,000,000
/// customers: pinyin p99 279 ms that way, docs/benchmarks.md).
async fn exact_first(app: &App, grant: &Granted<'_>, lookups: Vec<Lookup>) -> Result<Vec<Lookup>> {
    let by_term = |l: &Lookup| matches!(l, Lookup::TermPrefix(_) | Lookup::Term(_));
    if !lookups.iter().any(by_term) {
        return Ok(lookups);
    }
    let (terms, exact): (Vec<Lookup>, Vec<Lookup>) = lookups.into_iter().partition(by_term);
    for l in &exact {
        if let Lookup::IdBidx(b) = l
            && let Some(h) = store::find_by_id_bidx(&app.db.conn, b).await?
            && grant.can_see(&h.branch_code, h.rm_id)
        {
            return Ok(exact);
        }
    }
    Ok(terms)
}

/// The store's filter for a listing in the grant's scope (no cursor yet); sorted by name for a name search
/// unless a sort was asked for.
async fn filter_of(
    app: &App,
    grant: &Granted<'_>,
    q: &ListQuery,
    limit: u64,
) -> Result<CustomerFilter> {
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::field(
            "q",
            "max_length",
            "must be at most 100 characters",
        ));
    }
    let lookups = search.map(|s| lookups(&app.keys(), s)).unwrap_or_default();
    let lookups = exact_first(app, grant, lookups).await?;
    let by_name = lookups.iter().any(|l| matches!(l, Lookup::TermPrefix(_)));
    Ok(CustomerFilter {
        scope: grant.scope(),
        lookups,
        kind: q.kind.map(|k| k.as_str().to_owned()),
        status: q.status.map(|s| s.as_str().to_owned()),
        branch_code: q.branch_code.clone(),
        rm_id: q.rm_id,
        review_before: q.review_overdue.then(|| app.today().to_string()),
        segments: q.segments.clone(),
        after: None,
        sort: q.sort.unwrap_or(Sort {
            key: if by_name { SortKey::Name } else { SortKey::Id },
            desc: false,
        }),
        limit,
    })
}

/// A search the index answers alone (a name, pinyin, initials or a mobile's tail, in the default order):
/// the index's own order, each customer once, so a page reads a page of the index and nothing more.
fn term_search(filter: &CustomerFilter, q: &ListQuery) -> Option<TermSearch> {
    let term = match filter.lookups.as_slice() {
        [Lookup::TermPrefix(p)] => TermMatch::Prefix(p.clone()),
        [Lookup::Term(x)] => TermMatch::Exact(x.clone()),
        _ => return None,
    };
    if q.sort.is_some() {
        return None; // a column the user sorted by: the general listing orders by it
    }
    Some(TermSearch {
        scope: filter.scope.clone(),
        term,
        narrowing: store::narrowing(filter),
        after: None,
        limit: filter.limit,
    })
}

/// Lists customers in the actor's scope (from the read replica when one is configured and close enough
/// behind: a customer saved a moment ago may show a moment later).
pub async fn list(app: &App, actor: &Actor, q: ListQuery) -> Result<Page<CustomerSummary>> {
    let grant = actor.require(Permission::CustomerRead)?;
    // One source for the whole page (the standby may catch up or fall behind between two statements).
    let rd = app.db.reader();
    let limit = crate::view::page_limit(q.limit, 20, 200)?;
    let mut filter = filter_of(app, &grant, &q, limit + 1).await?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    if let Some(mut ts) = term_search(&filter, &q) {
        ts.after = match after {
            Some(store::Cursor::Text(term, id)) => Some((term, id)),
            _ => None,
        };
        let hits = search::search_terms(rd, &ts).await?;
        let ids: Vec<Uuid> = hits.iter().map(|h| h.1).collect();
        let mut by_id: HashMap<Uuid, CustomerRow> = store::rows_by_ids(rd, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.uuid(), r))
            .collect();
        let rows: Vec<CustomerRow> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
        let mut page = summaries(app, rd, rows, limit).await?;
        if page.next_cursor.is_some() {
            page.next_cursor = hits.get(limit as usize - 1).map(|(term, id)| {
                use base64::Engine;
                let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(term);
                format!("t.{b}.{id}")
            });
        }
        return Ok(page);
    }
    filter.after = after;
    let rows = store::list_customers(rd, &filter).await?;
    let last_updated = rows.get(limit as usize - 1).map(|r| r.updated_at_us);
    let mut page = summaries(app, rd, rows, limit).await?;
    if page.next_cursor.is_some() {
        page.next_cursor = page
            .items
            .last()
            .map(|i| cursor_after(filter.sort.key, i, last_updated.unwrap_or_default()));
    }
    Ok(page)
}

/// A listing's count is exact up to this many; beyond it the listing says "more than".
pub const COUNT_CAP: u64 = 10_000;
/// A search's count is exact up to this many: past it, the searcher narrows the search rather than reads
/// on, and counting further would cost more than answering.
pub const SEARCH_COUNT_CAP: u64 = 1_000;

/// How many customers a listing holds in the actor's scope (cursor and limit aside).
pub async fn count(app: &App, actor: &Actor, q: &ListQuery) -> Result<Total> {
    let grant = actor.require(Permission::CustomerRead)?;
    let rd = app.db.reader();
    let filter = filter_of(app, &grant, q, 1).await?;
    if let Some(ts) = term_search(&filter, q) {
        let (count, more) = search::count_terms(rd, &ts, SEARCH_COUNT_CAP).await?;
        return Ok(Total {
            count: count.min(SEARCH_COUNT_CAP),
            more,
        });
    }
    let n = store::count_customers_matching(rd, &filter, COUNT_CAP).await?;
    Ok(Total {
        count: n.min(COUNT_CAP),
        more: n > COUNT_CAP,
    })
}

/// The id of the customer with this number (any case), if the actor may see it.
pub async fn id_by_number(app: &App, actor: &Actor, number: &str) -> Result<Option<Uuid>> {
    let no = number.trim().to_uppercase();
    let page = list(
        app,
        actor,
        ListQuery {
            q: Some(no.clone()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .find(|c| c.customer_no == no)
        .map(|c| c.id))
}

/// The cursor after a row in a listing's order: the id itself in creation order,
/// `k.<base64url(text key)>.<id>` or `i.<integer key>.<id>` in keyed orders.
pub(crate) fn cursor_after(key: SortKey, i: &CustomerSummary, updated_at_us: i64) -> String {
    use base64::Engine;
    let text = |t: &str| {
        format!(
            "k.{}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t),
            i.id
        )
    };
    match key {
        SortKey::Id => i.id.to_string(),
        SortKey::Name => text(&i.display_name),
        SortKey::CustomerNo => text(&i.customer_no),
        SortKey::ReviewDue => text(i.review_due.as_deref().unwrap_or(store::NO_REVIEW_DATE)),
        SortKey::Updated => format!("i.{updated_at_us}.{}", i.id),
    }
}

pub(crate) fn parse_cursor(c: &str) -> Result<store::Cursor> {
    use base64::Engine;
    let bad = || AppError::field("cursor", "format", "is not a cursor this API returned");
    let Some((tag, rest)) = c.split_once('.') else {
        return c.parse::<Uuid>().map(store::Cursor::Id).map_err(|_| bad());
    };
    let (v, id) = rest.split_once('.').ok_or_else(bad)?;
    let id: Uuid = id.parse().map_err(|_| bad())?;
    match tag {
        // `n.` is the name cursor of earlier releases; it has the same shape.
        // `t.` is a search through the index: (term, id), the same shape.
        "k" | "n" | "t" => {
            let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(v)
                .map_err(|_| bad())?;
            Ok(store::Cursor::Text(
                String::from_utf8(text).map_err(|_| bad())?,
                id,
            ))
        }
        "i" => Ok(store::Cursor::Int(v.parse().map_err(|_| bad())?, id)),
        _ => Err(bad()),
    }
}

pub(crate) async fn summaries<C: ConnectionTrait>(
    app: &App,
    c: &C,
    mut rows: Vec<CustomerRow>,
    limit: u64,
) -> Result<Page<CustomerSummary>> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let keys = app.keys();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.uuid()).collect();
    let mut mobiles: HashMap<Uuid, String> = HashMap::new();
    for ct in store::list_contacts(c, &ids).await? {
        if ct.kind == "mobile" && !mobiles.contains_key(&ct.customer_id) {
            let plain = keys.decrypt(Purpose::Mobile, &ct.value_enc)?;
            let masked = PhoneNumber::parse(&plain)
                .map(|p| p.masked())
                .unwrap_or_else(|_| "****".into());
            mobiles.insert(ct.customer_id, masked);
        }
    }
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let number = keys.decrypt(Purpose::Identifier, &r.id_enc)?;
        let identifier = Identifier::from_stored(&r.id_type, &number)
            .map(|i| i.masked())
            .unwrap_or_else(|| "****".into());
        items.push(CustomerSummary {
            id: r.id.uuid(),
            customer_no: r.customer_no,
            kind: r.kind,
            status: r.status,
            branch_code: r.branch_code,
            rm_id: r.rm_id.map(Into::into),
            display_name: r.display_name,
            birth_date: r.birth_date,
            identifier,
            mobile: mobiles.remove(&r.id.uuid()),
            review_due: r.review_due,
            version: r.version,
        });
    }
    let next_cursor = if more {
        items.last().map(|i| i.id.to_string())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// The version history, newest first.
pub async fn versions(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<VersionView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
    store::list_versions(&app.db.conn, id)
        .await?
        .into_iter()
        .map(|v| {
            Ok(VersionView {
                changes: crate::json::stored(
                    &v.changes,
                    format_args!(
                        "customer_versions.changes of customer {id} version {}",
                        v.version
                    ),
                )?,
                version: v.version,
                actor_id: v.actor_id,
                at: crate::fmt_us(v.at_us),
                action: v.action,
            })
        })
        .collect()
}
