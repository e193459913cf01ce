//! The customer search index: kept in step with every write (same transaction), rebuilt when the term
//! scheme changes, and counted for listings.
//!
//! Why this engine: the index is a table beside the customers, read with the B-tree prefix range both
//! databases already serve (see `docs/architecture.md`). It commits with the write it describes, so every
//! node sees it at once with nothing to replicate; the scope (branch, RM) is inside the index, so an RM's
//! search never reads other books. The figures are in `docs/benchmarks.md`.

use crate::App;
use crate::crypto::{KeyRing, Purpose};
use crate::error::Result;
use banyan_domain::search::{self as terms, QueryShape};
use banyan_store::ConnectionTrait;
use banyan_store::customers::search::{self as store, TermRow};
use banyan_store::customers::{self as cstore, ContactRow, CustomerRow};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The term scheme; raise it when `banyan_domain::search` changes what a name is indexed by, and every
/// node's start rebuilds the index once.
pub const TERMS_VERSION: i64 = 2;

const LEASE: &str = "search_rebuild";

/// The term a mobile number's last four digits are found by: keyed, so the index never holds digits.
pub(crate) fn mobile_tail_term(keys: &KeyRing, tail: &str) -> String {
    format!(
        "#{}",
        hex::encode(&keys.blind_index(Purpose::MobileTail, tail)[..12])
    )
}

/// Brings the index rows of these customers in line with their stored rows, inside the caller's
/// transaction: only the rows that differ are deleted and added (an edit of an occupation changes none, a
/// new mobile one), since every index row costs four index writes.
pub(crate) async fn reindex<C: ConnectionTrait>(app: &App, c: &C, ids: &[Uuid]) -> Result<()> {
    let customers = cstore::rows_by_ids(c, ids).await?;
    reindex_rows(app, c, &customers.iter().collect::<Vec<_>>()).await
}

/// [`reindex`] for customers whose rows the caller has just written (nothing to read back but their
/// contacts and stored terms).
pub(crate) async fn reindex_rows<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customers: &[&CustomerRow],
) -> Result<()> {
    let ids: Vec<Uuid> = customers.iter().map(|r| r.id.uuid()).collect();
    let ids = &ids[..];
    let contacts = cstore::list_contacts(c, ids).await?;
    let wanted = term_rows(app, customers, &contacts)?;
    let stored = store::terms_of(c, ids).await?;
    let (gone, new) = difference(stored, wanted);
    store::delete_terms(c, &gone).await?;
    store::insert_terms(c, &new).await?;
    Ok(())
}

/// The stored rows no longer wanted, and the wanted rows not stored yet (a row whose branch or RM changed
/// is both).
fn difference(stored: Vec<TermRow>, wanted: Vec<TermRow>) -> (Vec<TermRow>, Vec<TermRow>) {
    type Key = (Uuid, String, String, Option<Uuid>);
    let key = |r: &TermRow| -> Key {
        (
            r.customer_id,
            r.term.clone(),
            r.branch_code.clone(),
            r.rm_id,
        )
    };
    let has: std::collections::HashSet<Key> = stored.iter().map(key).collect();
    let want: std::collections::HashSet<Key> = wanted.iter().map(key).collect();
    let gone = stored
        .into_iter()
        .filter(|r| !want.contains(&key(r)))
        .collect();
    let new = wanted
        .into_iter()
        .filter(|r| !has.contains(&key(r)))
        .collect();
    (gone, new)
}

/// Indexes customers created in the caller's transaction, from the rows in hand (nothing to read back,
/// nothing to delete).
pub(crate) async fn index_new<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customers: &[&CustomerRow],
    contacts: &[ContactRow],
) -> Result<()> {
    let rows = term_rows(app, customers, contacts)?;
    store::insert_terms(c, &rows).await?;
    Ok(())
}

/// The index rows of customers: their name terms and the keyed tails of their mobile numbers.
fn term_rows(
    app: &App,
    customers: &[&CustomerRow],
    contacts: &[ContactRow],
) -> Result<Vec<TermRow>> {
    let keys = app.keys();
    let mut rows = Vec::new();
    for r in customers {
        let id = r.id.uuid();
        let mut set: BTreeSet<String> =
            terms::name_terms(&r.display_name, r.name_latin_lower.as_deref());
        for k in contacts
            .iter()
            .filter(|k| k.customer_id == id && k.kind == "mobile")
        {
            let number = keys.decrypt(Purpose::Mobile, &k.value_enc)?;
            let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 4 {
                let tail: String = digits[digits.len() - 4..].iter().collect();
                set.insert(mobile_tail_term(&keys, &tail));
            }
        }
        rows.extend(set.into_iter().map(|term| TermRow {
            customer_id: id,
            term,
            branch_code: r.branch_code.clone(),
            rm_id: r.rm_id.map(|s| s.uuid()),
        }));
    }
    Ok(rows)
}

/// Builds the index when it was built with an older term scheme (or never), in batches of customers, each
/// in its own transaction; the old terms of a customer go in its batch, so searches keep working meanwhile.
/// One node rebuilds (a lease); writes during the rebuild index their own customers. Returns how many
/// customers were indexed.
pub async fn rebuild_if_stale(app: &App) -> Result<u64> {
    let db = &app.db;
    if store::index_version(&db.conn).await? >= TERMS_VERSION {
        return Ok(0);
    }
    let now = banyan_store::now_us();
    let lease = 30 * 60 * 1_000_000;
    if !banyan_store::misc::take_lease(&db.conn, LEASE, &app.node_id, now, now + lease).await? {
        return Ok(0);
    }
    let mut after = None;
    let mut n = 0u64;
    loop {
        let ids = store::customer_ids_after(&db.conn, after, 500).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        let tx = db.begin_write().await?;
        reindex(app, &*tx, &ids).await?;
        tx.commit().await?;
        n += ids.len() as u64;
        after = Some(last);
    }
    let tx = db.begin_write().await?;
    store::set_index_version(&*tx, TERMS_VERSION).await?;
    tx.commit().await?;
    banyan_store::misc::release_lease(&db.conn, LEASE, &app.node_id).await?;
    Ok(n)
}

/// How a search box query is matched in a listing.
pub(crate) fn term_lookup(keys: &KeyRing, q: &str) -> Option<cstore::Lookup> {
    match terms::query_shape(q) {
        QueryShape::MobileTail(t) => Some(cstore::Lookup::Term(mobile_tail_term(keys, &t))),
        QueryShape::Term(t) => Some(cstore::Lookup::TermPrefix(t)),
        QueryShape::Empty => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u128, term: &str, rm: Option<u128>) -> TermRow {
        TermRow {
            customer_id: Uuid::from_u128(id),
            term: term.into(),
            branch_code: "BR0001".into(),
            rm_id: rm.map(Uuid::from_u128),
        }
    }

    #[test]
    fn only_the_rows_that_differ_are_rewritten() {
        let stored = vec![row(1, "wang", None), row(1, "#aa", None)];
        let wanted = vec![row(1, "wang", None), row(1, "#bb", None)];
        let (gone, new) = difference(stored, wanted);
        assert_eq!(gone, vec![row(1, "#aa", None)]);
        assert_eq!(new, vec![row(1, "#bb", None)]);
        // A new RM moves every row.
        let (gone, new) = difference(vec![row(1, "wang", None)], vec![row(1, "wang", Some(9))]);
        assert_eq!((gone.len(), new.len()), (1, 1));
        let (gone, new) = difference(vec![row(1, "wang", None)], vec![row(1, "wang", None)]);
        assert!(gone.is_empty() && new.is_empty());
    }
}
