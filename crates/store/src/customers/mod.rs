//! Customers, contact points, consents, relationships and versions.

use crate::error::{Result, StoreError};
use crate::table::{self, Table};
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use banyan_domain::ids::{CustomerId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, OnConflict, Order, Query, SelectStatement, UnionType,
};
use uuid::Uuid;

pub mod merge;
mod review;
mod saved;
pub mod search;
pub use review::{SubmittedFilter, count_submitted, list_submitted};
pub use saved::{SavedSearchRow, delete_saved_search, put_saved_search, saved_searches};

crate::table! {
    /// A stored customer, as read.
    pub struct CustomerRow in "customers" {
        pub id: CustomerId,
        pub customer_no: String,
        pub kind: CustomerKind,
        pub status: CustomerStatus,
        pub branch_code: String,
        pub rm_id: Option<StaffId>,
        pub display_name: String,
        pub name_latin_lower: Option<String>,
        pub birth_date: Option<String>,
        pub id_type: String,
        pub id_enc: Vec<u8>,
        pub id_bidx: Vec<u8>,
        pub profile: String,
        pub preferred_channel: Option<String>,
        pub custom: String,
        pub version: i64,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub updated_by: StaffId,
        pub updated_at_us: i64,
        pub submitted_by: Option<StaffId>,
        pub submitted_at_us: Option<i64>,
        pub verified_by: Option<StaffId>,
        pub verified_at_us: Option<i64>,
        pub review_due: Option<String>,
        pub return_note: Option<String>,
    }
}

crate::enum_col!(CustomerKind, CustomerStatus);

/// Columns an update never rewrites: the number and who created the record when.
const CUSTOMER_IMMUTABLE: [&str; 3] = ["customer_no", "created_by", "created_at_us"];

crate::table! {
    /// A contact point as stored.
    pub struct ContactRow in "customer_contacts" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub kind: String,
        pub label: Option<String>,
        pub value_enc: Vec<u8>,
        pub bidx: Vec<u8>,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// A consent as stored.
    pub struct ConsentRow in "customer_consents" {
        pub customer_id: Uuid,
        pub channel: String,
        pub granted: bool,
        pub source: String,
        pub at_us: i64,
        pub recorded_by: Uuid,
    }
}

crate::table! {
    /// A relationship as stored (from -> to).
    pub struct RelationshipRow in "customer_relationships" {
        pub id: Uuid,
        pub from_id: Uuid,
        pub to_id: Uuid,
        pub kind: String,
        pub note: Option<String>,
        pub created_by: Uuid,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// A version record.
    pub struct VersionRow in "customer_versions" {
        pub id: Uuid,
        pub customer_id: Uuid,
        pub version: i64,
        pub actor_id: Uuid,
        pub at_us: i64,
        pub action: String,
        pub changes: String,
    }
}

/// Which customers a query may see; built by the app layer from the actor's role, never by a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeFilter {
    All,
    Branch(String),
    Rm(Uuid),
    Nothing,
}

impl ScopeFilter {
    fn cond(&self) -> Cond {
        match self {
            ScopeFilter::All => Cond::all(),
            ScopeFilter::Branch(b) => Cond::all().add(Expr::col("branch_code").eq(b.clone())),
            ScopeFilter::Rm(id) => Cond::all().add(Expr::col("rm_id").eq(*id)),
            ScopeFilter::Nothing => Cond::all().add(Expr::val(1).eq(0)),
        }
    }

    /// The same condition on the customers table under another name (in joins).
    pub fn cond_on(&self, table: &'static str) -> Cond {
        match self {
            ScopeFilter::All => Cond::all(),
            ScopeFilter::Branch(b) => {
                Cond::all().add(Expr::col((table, "branch_code")).eq(b.clone()))
            }
            ScopeFilter::Rm(id) => Cond::all().add(Expr::col((table, "rm_id")).eq(*id)),
            ScopeFilter::Nothing => Cond::all().add(Expr::val(1).eq(0)),
        }
    }
}

/// How the search term of a listing matches (decided by the app from the shape of the term).
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Prefix of a search term (a suffix of the name, its pinyin or initials): a substring of the name.
    TermPrefix(String),
    /// A whole search term (the keyed tail of a mobile number).
    Term(String),
    CustomerNo(String),
    /// Blind index of an identifier.
    IdBidx(Vec<u8>),
    /// Blind index of a mobile number.
    MobileBidx(Vec<u8>),
}

/// A customer listing: always scoped, optionally searched and filtered, cursor-paginated by id.
#[derive(Debug, Clone)]
pub struct CustomerFilter {
    pub scope: ScopeFilter,
    pub lookups: Vec<Lookup>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub branch_code: Option<String>,
    pub rm_id: Option<Uuid>,
    /// Verified customers whose review date is before this civil date (`YYYY-MM-DD`).
    pub review_before: Option<String>,
    /// Current segment assignments the customer must have: (dimension, value).
    pub segments: Vec<(String, String)>,
    /// Where the previous page ended.
    pub after: Option<Cursor>,
    /// The listing's order; ties (and the default) go by id, so every order is total and pages never
    /// repeat or skip a row.
    pub sort: Sort,
    pub limit: u64,
}

/// What a listing is ordered by. Name order is what name searches use, so the `(display_name, id)` index
/// serves both the prefix filter and the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Creation order (ids are time-ordered UUIDv7).
    #[default]
    Id,
    Name,
    CustomerNo,
    /// Periodic review date; customers without one sort last.
    ReviewDue,
    /// Time of the last change.
    Updated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub desc: bool,
}

impl CustomerFilter {
    /// Every customer in `scope`, in creation order, `limit` at a time; set other fields with struct update.
    pub fn scoped(scope: ScopeFilter, limit: u64) -> Self {
        CustomerFilter {
            scope,
            lookups: Vec::new(),
            kind: None,
            status: None,
            branch_code: None,
            rm_id: None,
            review_before: None,
            segments: Vec::new(),
            after: None,
            sort: Sort::default(),
            limit,
        }
    }
}

/// The last row of the previous page, in the listing's order: its id and, for keyed orders, its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Id(Uuid),
    Text(String, Uuid),
    Int(i64, Uuid),
}

/// A review date that sorts after every real one, standing in for "none".
pub const NO_REVIEW_DATE: &str = "9999-12-31";

/// The expression a sort key orders by.
fn sort_expr(k: SortKey) -> Option<Expr> {
    Some(match k {
        SortKey::Id => return None,
        SortKey::Name => Expr::col("display_name"),
        SortKey::CustomerNo => Expr::col("customer_no"),
        SortKey::ReviewDue => Expr::expr(Func::coalesce([
            Expr::col("review_due"),
            Expr::val(NO_REVIEW_DATE),
        ])),
        SortKey::Updated => Expr::col("updated_at_us"),
    })
}

fn select_customers() -> SelectStatement {
    table::select::<CustomerRow>()
}

/// Upper bound of a prefix range: every string starting with `p` sorts below it in byte order.
pub(crate) fn prefix_end(p: &str) -> String {
    format!("{p}\u{10FFFF}")
}

pub async fn insert_customer<C: ConnectionTrait>(c: &C, row: &CustomerRow) -> Result<()> {
    insert_customers(c, std::slice::from_ref(row)).await
}

/// Inserts many customers in one statement (bulk import path).
pub async fn insert_customers<C: ConnectionTrait>(c: &C, rows: &[CustomerRow]) -> Result<()> {
    table::insert_many(c, rows).await
}

pub async fn find_customer<C: ConnectionTrait>(
    c: &C,
    id: CustomerId,
) -> Result<Option<CustomerRow>> {
    let mut q = select_customers();
    q.and_where(Expr::col("id").eq(id.uuid()));
    table::one(c, &q).await
}

/// The customers with these ids (in no particular order).
pub async fn rows_by_ids<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<CustomerRow>> {
    let mut out = Vec::new();
    // In chunks: a caller may name more ids than a statement may bind (a duplicate scan of a large book).
    for chunk in ids.chunks(5_000) {
        let mut q = select_customers();
        q.and_where(Expr::col("id").is_in(chunk.iter().copied()));
        out.extend(table::all::<CustomerRow, _>(c, &q).await?);
    }
    Ok(out)
}

/// The customers with these customer numbers (in no particular order).
pub async fn rows_by_numbers<C: ConnectionTrait>(
    c: &C,
    numbers: &[String],
) -> Result<Vec<CustomerRow>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select_customers();
    q.and_where(Expr::col("customer_no").is_in(numbers.iter().cloned()));
    table::all(c, &q).await
}

pub async fn get_customer<C: ConnectionTrait>(c: &C, id: CustomerId) -> Result<CustomerRow> {
    find_customer(c, id).await?.ok_or(StoreError::NotFound)
}

/// The ids one way of matching a search term finds.
fn lookup_ids(scope: &ScopeFilter, l: &Lookup) -> SelectStatement {
    let ids = |table: &str, col: &str, c: Cond| {
        Query::select()
            .column(col.to_owned())
            .from(table.to_owned())
            .cond_where(c)
            .to_owned()
    };
    match l {
        Lookup::TermPrefix(p) => ids(
            "customer_terms",
            "customer_id",
            scope
                .cond()
                .add(Expr::col("term").gte(p.clone()))
                .add(Expr::col("term").lt(prefix_end(p))),
        ),
        Lookup::Term(t) => ids(
            "customer_terms",
            "customer_id",
            scope.cond().add(Expr::col("term").eq(t.clone())),
        ),
        Lookup::CustomerNo(n) => ids(
            "customers",
            "id",
            Cond::all().add(Expr::col("customer_no").eq(n.clone())),
        ),
        Lookup::IdBidx(b) => ids(
            "customers",
            "id",
            Cond::all().add(Expr::col("id_bidx").eq(b.clone())),
        ),
        Lookup::MobileBidx(b) => ids(
            "customer_contacts",
            "customer_id",
            Cond::all()
                .add(Expr::col("kind").eq("mobile"))
                .add(Expr::col("bidx").eq(b.clone())),
        ),
    }
}

/// What a listing keeps, before paging: scope, search and filters.
fn filter_cond(f: &CustomerFilter) -> Cond {
    let mut cond = f.scope.cond();
    if !f.lookups.is_empty() {
        // One set of ids from every way the term matched, each read through its own index, so that no OR
        // across columns turns the lookup into a scan.
        let mut parts = f.lookups.iter().map(|l| lookup_ids(&f.scope, l));
        if let Some(mut ids) = parts.next() {
            for p in parts {
                ids.union(UnionType::All, p);
            }
            cond = cond.add(Expr::col("id").in_subquery(ids));
        }
    }
    if let Some(more) = narrowing(f) {
        cond = cond.add(more);
    }
    cond
}

/// The filters of a listing beyond scope and search (kind, status, branch, RM, segments, review), on the
/// customers table; `None` when there are none.
pub fn narrowing(f: &CustomerFilter) -> Option<Cond> {
    let mut cond = Cond::all();
    let mut any = false;
    let mut add = |c: Cond, cond: &mut Cond| {
        *cond = std::mem::replace(cond, Cond::all()).add(c);
        any = true;
    };
    if let Some(k) = &f.kind {
        add(Cond::all().add(Expr::col("kind").eq(k.clone())), &mut cond);
    }
    if let Some(s) = &f.status {
        add(
            Cond::all().add(Expr::col("status").eq(s.clone())),
            &mut cond,
        );
    }
    if let Some(b) = &f.branch_code {
        add(
            Cond::all().add(Expr::col("branch_code").eq(b.clone())),
            &mut cond,
        );
    }
    if let Some(r) = f.rm_id {
        add(Cond::all().add(Expr::col("rm_id").eq(r)), &mut cond);
    }
    for (dim, value) in &f.segments {
        add(
            Cond::all().add(
                Expr::col("id").in_subquery(
                    Query::select()
                        .column("customer_id")
                        .from("segment_assignments")
                        .and_where(Expr::col("dimension").eq(dim.clone()))
                        .and_where(Expr::col("value").eq(value.clone()))
                        .to_owned(),
                ),
            ),
            &mut cond,
        );
    }
    if let Some(d) = &f.review_before {
        add(
            Cond::all()
                .add(Expr::col("status").eq("verified"))
                .add(Expr::col("review_due").lt(d.clone())),
            &mut cond,
        );
    }
    any.then_some(cond)
}

/// How many customers a listing holds (cursor and limit aside), counted up to `cap`: a count past the cap
/// is reported as `cap + 1` ("more than cap"), so that a broad search costs no more than a bounded scan.
pub async fn count_customers_matching<C: ConnectionTrait>(
    c: &C,
    f: &CustomerFilter,
    cap: u64,
) -> Result<u64> {
    table::count_capped(c, "customers", filter_cond(f), cap).await
}

pub async fn list_customers<C: ConnectionTrait>(
    c: &C,
    f: &CustomerFilter,
) -> Result<Vec<CustomerRow>> {
    let mut q = select_customers();
    let mut cond = filter_cond(f);
    let key = sort_expr(f.sort.key);
    let desc = f.sort.desc;
    let beyond = |e: Expr, v: sea_orm::sea_query::Value| if desc { e.lt(v) } else { e.gt(v) };
    let after_key = |v: sea_orm::sea_query::Value, a: Uuid| match &key {
        // A cursor from another order (the user changed the sort): restart from the top.
        None => Cond::all(),
        Some(k) => Cond::any().add(beyond(k.clone(), v.clone())).add(
            Cond::all()
                .add(k.clone().eq(v))
                .add(beyond(Expr::col("id"), a.into())),
        ),
    };
    match &f.after {
        None => {}
        Some(Cursor::Id(a)) if key.is_none() => {
            cond = cond.add(beyond(Expr::col("id"), (*a).into()))
        }
        Some(Cursor::Id(_)) => {}
        Some(Cursor::Text(v, a)) => cond = cond.add(after_key(v.clone().into(), *a)),
        Some(Cursor::Int(v, a)) => cond = cond.add(after_key((*v).into(), *a)),
    }
    q.cond_where(cond);
    let order = if desc { Order::Desc } else { Order::Asc };
    if let Some(k) = key {
        q.order_by_expr(k, order.clone());
    }
    q.order_by("id", order).limit(f.limit);
    table::all(c, &q).await
}

/// The customer already holding an identifier or a mobile number: enough to tell the caller whom to ask
/// (its number if the caller may see it, else only its branch) and to tell that branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    pub id: CustomerId,
    pub customer_no: String,
    pub branch_code: String,
    pub rm_id: Option<StaffId>,
}

const HOLDER_COLS: [&str; 4] = ["id", "customer_no", "branch_code", "rm_id"];

fn holder_at(r: &sea_orm::QueryResult, first: usize) -> Result<Holder> {
    Ok(Holder {
        id: CustomerId::from_uuid(r.try_get_by_index(first)?),
        customer_no: r.try_get_by_index(first + 1)?,
        branch_code: r.try_get_by_index(first + 2)?,
        rm_id: r
            .try_get_by_index::<Option<Uuid>>(first + 3)?
            .map(StaffId::from_uuid),
    })
}

/// The customer holding this identifier blind index, if any.
pub async fn find_by_id_bidx<C: ConnectionTrait>(c: &C, bidx: &[u8]) -> Result<Option<Holder>> {
    let q = Query::select()
        .columns(HOLDER_COLS)
        .from("customers")
        .and_where(Expr::col("id_bidx").eq(bidx.to_vec()))
        .to_owned();
    c.query_one(&q).await?.map(|r| holder_at(&r, 0)).transpose()
}

/// The customer holding this mobile number (by blind index), if any.
pub async fn find_by_mobile_bidx<C: ConnectionTrait>(c: &C, bidx: &[u8]) -> Result<Option<Holder>> {
    let q = Query::select()
        .columns(HOLDER_COLS.map(|col| ("customers", col)))
        .from("customer_contacts")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("customer_contacts", "customer_id")),
        )
        .and_where(Expr::col(("customer_contacts", "kind")).eq("mobile"))
        .and_where(Expr::col(("customer_contacts", "bidx")).eq(bidx.to_vec()))
        .to_owned();
    c.query_one(&q).await?.map(|r| holder_at(&r, 0)).transpose()
}

/// Customer numbers of customers with the same display name and birth date (possible duplicates).
pub async fn find_same_name_and_birth<C: ConnectionTrait>(
    c: &C,
    name: &str,
    birth_date: &str,
) -> Result<Vec<String>> {
    let q = Query::select()
        .column("customer_no")
        .from("customers")
        .and_where(Expr::col("display_name").eq(name))
        .and_where(Expr::col("birth_date").eq(birth_date))
        .limit(10)
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter().map(|r| Ok(r.try_get_by_index(0)?)).collect()
}

/// Writes the whole row back if its version is still `expected_version`; the stored version
/// becomes `row.version`. Returns false when someone else saved first.
pub async fn update_customer<C: ConnectionTrait>(
    c: &C,
    row: &CustomerRow,
    expected_version: i64,
) -> Result<bool> {
    table::update_versioned(
        c,
        row,
        row.id.uuid(),
        &CUSTOMER_IMMUTABLE,
        "version",
        expected_version,
    )
    .await
}

pub async fn insert_contacts<C: ConnectionTrait>(c: &C, rows: &[ContactRow]) -> Result<()> {
    table::insert_many(c, rows).await
}

/// Contacts of the given customers, in creation order.
pub async fn list_contacts<C: ConnectionTrait>(
    c: &C,
    customer_ids: &[Uuid],
) -> Result<Vec<ContactRow>> {
    if customer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<ContactRow>()
        .and_where(Expr::col("customer_id").is_in(customer_ids.iter().copied()))
        .order_by("created_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all::<ContactRow, _>(c, &q).await
}

pub async fn update_contact<C: ConnectionTrait>(c: &C, row: &ContactRow) -> Result<()> {
    let q = Query::update()
        .table("customer_contacts")
        .value("label", row.label.clone())
        .value("value_enc", row.value_enc.clone())
        .value("bidx", row.bidx.clone())
        .and_where(Expr::col("id").eq(row.id))
        .and_where(Expr::col("customer_id").eq(row.customer_id))
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn delete_contact<C: ConnectionTrait>(c: &C, customer_id: Uuid, id: Uuid) -> Result<()> {
    let q = Query::delete()
        .from_table("customer_contacts")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("customer_id").eq(customer_id))
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Re-encrypts contact values in place (key rotation): `(id, value_enc)` pairs.
pub async fn set_contact_ciphertexts<C: ConnectionTrait>(
    c: &C,
    rows: &[(Uuid, Vec<u8>)],
) -> Result<()> {
    for (id, enc) in rows {
        let q = Query::update()
            .table("customer_contacts")
            .value("value_enc", enc.clone())
            .and_where(Expr::col("id").eq(*id))
            .to_owned();
        c.execute(&q).await?;
    }
    Ok(())
}

/// Re-encrypts identifiers in place (key rotation): `(id, id_enc)` pairs.
pub async fn set_identifier_ciphertexts<C: ConnectionTrait>(
    c: &C,
    rows: &[(Uuid, Vec<u8>)],
) -> Result<()> {
    for (id, enc) in rows {
        let q = Query::update()
            .table("customers")
            .value("id_enc", enc.clone())
            .and_where(Expr::col("id").eq(*id))
            .to_owned();
        c.execute(&q).await?;
    }
    Ok(())
}

/// A page of `(id, ciphertext)` of identifiers, for key rotation.
pub async fn page_identifier_ciphertexts<C: ConnectionTrait>(
    c: &C,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(Uuid, Vec<u8>)>> {
    page_pairs(c, "customers", "id_enc", after, limit).await
}

/// A page of `(id, ciphertext)` of contact values, for key rotation.
pub async fn page_contact_ciphertexts<C: ConnectionTrait>(
    c: &C,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(Uuid, Vec<u8>)>> {
    page_pairs(c, "customer_contacts", "value_enc", after, limit).await
}

async fn page_pairs<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    col: &'static str,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(Uuid, Vec<u8>)>> {
    let mut q = Query::select();
    q.columns(["id", col])
        .from(table)
        .order_by("id", Order::Asc)
        .limit(limit);
    if let Some(a) = after {
        q.and_where(Expr::col("id").gt(a));
    }
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Sets (inserts or replaces) consents.
pub async fn upsert_consents<C: ConnectionTrait>(c: &C, rows: &[ConsentRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("customer_consents")
        .columns(ConsentRow::COLUMNS.iter().copied());
    for r in rows {
        q.values_panic(r.values());
    }
    q.on_conflict(
        OnConflict::columns(["customer_id", "channel"])
            .update_columns(["granted", "source", "at_us", "recorded_by"])
            .to_owned(),
    );
    c.execute(&q).await?;
    Ok(())
}

pub async fn list_consents<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
) -> Result<Vec<ConsentRow>> {
    let q = table::select::<ConsentRow>()
        .and_where(Expr::col("customer_id").eq(customer_id))
        .order_by("channel", Order::Asc)
        .to_owned();
    table::all::<ConsentRow, _>(c, &q).await
}

/// The consents of several customers in one read (a campaign's page of audience).
pub async fn consents_of<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<ConsentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<ConsentRow>()
        .and_where(Expr::col("customer_id").is_in(ids.iter().copied()))
        .order_by("customer_id", Order::Asc)
        .order_by("channel", Order::Asc)
        .to_owned();
    table::all::<ConsentRow, _>(c, &q).await
}

pub async fn insert_relationship<C: ConnectionTrait>(c: &C, r: &RelationshipRow) -> Result<()> {
    let q = Query::insert()
        .into_table("customer_relationships")
        .columns(RelationshipRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Relationships where the customer stands on either side.
pub async fn list_relationships<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
) -> Result<Vec<RelationshipRow>> {
    let q = table::select::<RelationshipRow>()
        .cond_where(
            Cond::any()
                .add(Expr::col("from_id").eq(customer_id))
                .add(Expr::col("to_id").eq(customer_id)),
        )
        .order_by("created_at_us", Order::Asc)
        .to_owned();
    table::all::<RelationshipRow, _>(c, &q).await
}

pub async fn delete_relationship<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    id: Uuid,
) -> Result<RelationshipRow> {
    let rows = list_relationships(c, customer_id).await?;
    let row = rows
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(StoreError::NotFound)?;
    let q = Query::delete()
        .from_table("customer_relationships")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(row)
}

pub async fn insert_version<C: ConnectionTrait>(c: &C, v: &VersionRow) -> Result<()> {
    insert_versions(c, std::slice::from_ref(v)).await
}

/// Inserts many version rows in one statement (bulk import path).
pub async fn insert_versions<C: ConnectionTrait>(c: &C, rows: &[VersionRow]) -> Result<()> {
    table::insert_many(c, rows).await
}

/// The version history, newest first.
pub async fn list_versions<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
) -> Result<Vec<VersionRow>> {
    select_versions(c, customer_id, None).await
}

/// Versions of a customer: all (newest first), or those after `after` (oldest first).
async fn select_versions<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    after: Option<i64>,
) -> Result<Vec<VersionRow>> {
    let mut q = table::select::<VersionRow>();
    q.and_where(Expr::col("customer_id").eq(customer_id));
    match after {
        None => q.order_by("version", Order::Desc),
        Some(v) => q
            .and_where(Expr::col("version").gt(v))
            .order_by("version", Order::Asc),
    };
    table::all::<VersionRow, _>(c, &q).await
}

/// Number of customers (for metrics and the demo).
pub async fn count_customers<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let q = Query::select()
        .expr_as(Func::count(Expr::col("id")), Alias::new("n"))
        .from("customers")
        .to_owned();
    let r = c.query_one(&q).await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// Which of these identifier blind indexes are taken, and by whom.
pub async fn find_id_bidx_in<C: ConnectionTrait>(
    c: &C,
    bidx: &[Vec<u8>],
) -> Result<Vec<(Vec<u8>, Holder)>> {
    if bidx.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .column("id_bidx")
        .columns(HOLDER_COLS)
        .from("customers")
        .and_where(Expr::col("id_bidx").is_in(bidx.iter().cloned()))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, holder_at(r, 1)?)))
        .collect()
}

/// Which of these mobile blind indexes are taken, and by whom.
pub async fn find_mobile_bidx_in<C: ConnectionTrait>(
    c: &C,
    bidx: &[Vec<u8>],
) -> Result<Vec<(Vec<u8>, Holder)>> {
    if bidx.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .column(("customer_contacts", "bidx"))
        .columns(HOLDER_COLS.map(|col| ("customers", col)))
        .from("customer_contacts")
        .inner_join(
            "customers",
            Expr::col(("customers", "id")).equals(("customer_contacts", "customer_id")),
        )
        .and_where(Expr::col(("customer_contacts", "kind")).eq("mobile"))
        .and_where(Expr::col(("customer_contacts", "bidx")).is_in(bidx.iter().cloned()))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, holder_at(r, 1)?)))
        .collect()
}

/// `(id, customer_no, display_name, branch_code, rm_id)` of the given customers.
pub async fn list_brief<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String, String, String, Option<Uuid>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "customer_no", "display_name", "branch_code", "rm_id"])
        .from("customers")
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
                r.try_get_by_index(4)?,
            ))
        })
        .collect()
}

/// Versions after `version`, oldest first (what changed since a client read).
pub async fn list_versions_after<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
    version: i64,
) -> Result<Vec<VersionRow>> {
    select_versions(c, customer_id, Some(version)).await
}

/// Contact rows by their ids (key rotation).
pub async fn page_contact_rows<C: ConnectionTrait>(
    c: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<ContactRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<ContactRow>()
        .and_where(Expr::col("id").is_in(ids))
        .to_owned();
    table::all::<ContactRow, _>(c, &q).await
}

/// Reads a customer and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
/// write transactions are already exclusive), so concurrent writers of one customer queue instead of
/// both reading the same version.
pub async fn lock_customer<C: ConnectionTrait>(
    c: &C,
    id: CustomerId,
) -> Result<Option<CustomerRow>> {
    let mut q = select_customers();
    q.and_where(Expr::col("id").eq(id.uuid())).lock_exclusive();
    table::one(c, &q).await
}

/// A customer and its contact points in one round trip (the point read).
pub async fn find_customer_with_contacts<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
) -> Result<Option<(CustomerRow, Vec<ContactRow>)>> {
    let mut q = Query::select();
    for col in CustomerRow::COLUMNS {
        q.column(("customers", *col));
    }
    for (col, alias) in [
        ("id", "k_id"),
        ("kind", "k_kind"),
        ("label", "k_label"),
        ("value_enc", "k_value_enc"),
        ("bidx", "k_bidx"),
        ("created_at_us", "k_created_at_us"),
    ] {
        q.expr_as(Expr::col(("customer_contacts", col)), Alias::new(alias));
    }
    q.from("customers")
        .left_join(
            "customer_contacts",
            Expr::col(("customer_contacts", "customer_id")).equals(("customers", "id")),
        )
        .and_where(Expr::col(("customers", "id")).eq(id))
        .order_by(("customer_contacts", "created_at_us"), Order::Asc)
        .order_by(("customer_contacts", "id"), Order::Asc);
    let rows = c.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let customer = CustomerRow::read(first)?;
    let mut contacts = Vec::new();
    for r in &rows {
        let Some(kid) = r.try_get::<Option<Uuid>>("", "k_id")? else {
            continue;
        };
        contacts.push(ContactRow {
            id: kid,
            customer_id: id,
            kind: r.try_get("", "k_kind")?,
            label: r.try_get("", "k_label")?,
            value_enc: r.try_get("", "k_value_enc")?,
            bidx: r.try_get("", "k_bidx")?,
            created_at_us: r.try_get("", "k_created_at_us")?,
        });
    }
    Ok(Some((customer, contacts)))
}

/// Verified individuals born on a given day of the year (`birth_date` ending in `suffix`, e.g. `-11-23`).
pub async fn birthdays<C: ConnectionTrait>(c: &C, suffixes: &[String]) -> Result<Vec<CustomerRow>> {
    let mut any = Cond::any();
    for s in suffixes {
        any = any.add(Expr::col("birth_date").like(format!("%{s}")));
    }
    let mut q = select_customers();
    q.and_where(Expr::col("kind").eq(CustomerKind::Individual.as_str()))
        .and_where(Expr::col("status").eq(CustomerStatus::Verified.as_str()))
        .cond_where(any)
        .order_by("id", Order::Asc);
    table::all(c, &q).await
}
