//! The compartment's notes (ciphertext under the record's key), the grants that open it and the log of
//! who read it.

use crate::error::Result;
use crate::table;
use banyan_domain::care::compartment::{AccessBasis, GlassVerdict};
use banyan_domain::care::documents::{DocumentKind, SigningMethod};
use banyan_domain::ids::{CareGrantId, CareId, CareNoteId, StaffId};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(AccessBasis, GlassVerdict, DocumentKind, SigningMethod);

crate::table! {
    /// A note of the team, encrypted under the record's key.
    pub struct NoteRow in "care_notes" {
        pub id: CareNoteId,
        pub record_id: CareId,
        pub author_id: StaffId,
        pub at_us: i64,
        pub body_enc: Vec<u8>,
    }
}

crate::table! {
    /// Access to a compartment given to a named supervisor or taken by breaking the glass.
    pub struct GrantRow in "care_grants" {
        pub id: CareGrantId,
        pub record_id: CareId,
        pub staff_id: StaffId,
        pub basis: AccessBasis,
        pub purpose: String,
        pub granted_by: StaffId,
        pub from_us: i64,
        pub until_us: i64,
        pub revoked_at_us: Option<i64>,
        pub verdict: Option<GlassVerdict>,
        pub reviewed_by: Option<StaffId>,
        pub reviewed_at_us: Option<i64>,
        pub review_note: Option<String>,
    }
}

crate::table! {
    /// One read of a compartment, and on what basis.
    pub struct ReadRow in "care_reads" {
        pub id: Uuid,
        pub record_id: CareId,
        pub staff_id: StaffId,
        pub basis: AccessBasis,
        pub at_us: i64,
    }
}

pub async fn notes_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<NoteRow>> {
    let q = table::select::<NoteRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .order_by("at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_note<C: ConnectionTrait>(c: &C, r: &NoteRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Destroys the record's notes (end of retention).
pub async fn delete_notes<C: ConnectionTrait>(c: &C, id: CareId) -> Result<u64> {
    let q = Query::delete()
        .from_table("care_notes")
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

pub async fn grants_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<GrantRow>> {
    let q = table::select::<GrantRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .order_by("from_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find_grant<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    g: CareGrantId,
) -> Result<Option<GrantRow>> {
    let q = table::select::<GrantRow>()
        .and_where(Expr::col("id").eq(g.uuid()))
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_grant<C: ConnectionTrait>(c: &C, r: &GrantRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Withdraws a live grant; whether it was live.
pub async fn revoke<C: ConnectionTrait>(c: &C, g: CareGrantId, at_us: i64) -> Result<bool> {
    let q = Query::update()
        .table("care_grants")
        .value("revoked_at_us", at_us)
        .and_where(Expr::col("id").eq(g.uuid()))
        .and_where(Expr::col("revoked_at_us").is_null())
        .and_where(Expr::col("until_us").gt(at_us))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

/// Records the review of a break-glass access; false when it was reviewed already.
pub async fn review<C: ConnectionTrait>(
    c: &C,
    g: CareGrantId,
    verdict: GlassVerdict,
    by: StaffId,
    note: Option<&str>,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("care_grants")
        .value("verdict", verdict.as_str())
        .value("reviewed_by", by.uuid())
        .value("reviewed_at_us", at_us)
        .value("review_note", note.map(str::to_owned))
        .and_where(Expr::col("id").eq(g.uuid()))
        .and_where(Expr::col("basis").eq(AccessBasis::BreakGlass.as_str()))
        .and_where(Expr::col("reviewed_at_us").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}

pub async fn insert_read<C: ConnectionTrait>(c: &C, r: &ReadRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// The reads of the records in `ids` between two instants, newest first.
pub async fn reads_of<C: ConnectionTrait>(
    c: &C,
    ids: &[CareId],
    from_us: i64,
    to_us: i64,
) -> Result<Vec<ReadRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<ReadRow>()
            .and_where(Expr::col("record_id").is_in(chunk.iter().map(|i| i.uuid())))
            .and_where(Expr::col("at_us").gte(from_us))
            .and_where(Expr::col("at_us").lt(to_us))
            .order_by("at_us", Order::Desc)
            .to_owned();
        out.extend(table::all::<ReadRow, _>(c, &q).await?);
    }
    Ok(out)
}

/// The grants of the records in `ids` (the access review).
pub async fn grants_of_many<C: ConnectionTrait>(c: &C, ids: &[CareId]) -> Result<Vec<GrantRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = table::select::<GrantRow>()
            .and_where(Expr::col("record_id").is_in(chunk.iter().map(|i| i.uuid())))
            .order_by("from_us", Order::Desc)
            .to_owned();
        out.extend(table::all::<GrantRow, _>(c, &q).await?);
    }
    Ok(out)
}

crate::table! {
    /// A document of the compartment: its subject and file name sealed under the record's key like its bytes
    /// (`data`, read on its own), how it was signed in the clear.
    pub struct DocumentRow in "care_documents" {
        pub id: Uuid,
        pub record_id: CareId,
        pub kind: DocumentKind,
        pub signing: SigningMethod,
        pub signed_on: Option<Date>,
        pub reference: Option<String>,
        pub witness_id: Option<StaffId>,
        pub subject_enc: Vec<u8>,
        pub filename_enc: Vec<u8>,
        pub content_type: String,
        pub size_bytes: i64,
        pub sha256: String,
        pub uploaded_by: StaffId,
        pub uploaded_at_us: i64,
    }
}

pub async fn insert_document<C: ConnectionTrait>(
    c: &C,
    r: &DocumentRow,
    data: Vec<u8>,
) -> Result<()> {
    table::insert_with_data(c, r, data).await
}

/// The record's documents, newest first (without their bytes).
pub async fn documents_of<C: ConnectionTrait>(c: &C, id: CareId) -> Result<Vec<DocumentRow>> {
    let q = table::select::<DocumentRow>()
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .order_by("uploaded_at_us", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

/// One document of the record and its sealed bytes.
pub async fn find_document<C: ConnectionTrait>(
    c: &C,
    record: CareId,
    id: Uuid,
) -> Result<Option<(DocumentRow, Vec<u8>)>> {
    let q = table::select::<DocumentRow>()
        .and_where(Expr::col("record_id").eq(record.uuid()))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(d) = table::one::<DocumentRow, _>(c, &q).await? else {
        return Ok(None);
    };
    Ok(table::data_of::<DocumentRow, _>(c, id)
        .await?
        .map(|b| (d, b)))
}

/// Destroys the record's documents (end of retention).
pub async fn delete_documents<C: ConnectionTrait>(c: &C, id: CareId) -> Result<u64> {
    let q = Query::delete()
        .from_table("care_documents")
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

/// Destroys the record's documents of one kind (a withdrawn consent); how many.
pub async fn delete_documents_of_kind<C: ConnectionTrait>(
    c: &C,
    id: CareId,
    kind: DocumentKind,
) -> Result<u64> {
    let q = Query::delete()
        .from_table("care_documents")
        .and_where(Expr::col("record_id").eq(id.uuid()))
        .and_where(Expr::col("kind").eq(kind.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}
