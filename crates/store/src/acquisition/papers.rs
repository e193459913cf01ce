//! A deal's papers: the proposal's rounds, the contract and the account-opening application (one row each
//! per lead), and the documents attached to a lead (bytes encrypted, in a `data` column beside the row).

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::papers::{PaperKind, PaperState};
use banyan_domain::ids::{LeadFileId, LeadId, PaperId, ProposalId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order};

crate::enum_col!(PaperKind, PaperState);

crate::table! {
    /// One round of a lead's proposal: what the bank offers, on what terms and at what price. A later round
    /// names what changed from the one before; the customer agrees to one round.
    pub struct ProposalRow in "lead_proposals" {
        pub id: ProposalId,
        pub lead_id: LeadId,
        /// 1, 2, … per lead (unique with the lead: two rounds cannot take one number).
        pub round: i32,
        pub content: String,
        pub terms: Option<String>,
        pub pricing: Option<String>,
        pub obligations: Option<String>,
        /// Catalogue codes of the products offered.
        pub products: Vec<String>,
        /// The parts that changed from the round before (empty for the first).
        pub changes: Vec<String>,
        pub agreed_at_us: Option<i64>,
        pub agreed_by: Option<StaffId>,
        pub created_by: StaffId,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// A lead's contract or account-opening application, with its review by a second person.
    pub struct PaperRow in "lead_papers" {
        pub id: PaperId,
        pub lead_id: LeadId,
        pub kind: PaperKind,
        pub state: PaperState,
        /// The agreed proposal round a contract is drawn from.
        pub proposal_id: Option<ProposalId>,
        /// The items the reviewer confirmed (codes of the policy's check list or document list).
        pub checked: Vec<String>,
        pub submitted_by: Option<StaffId>,
        pub submitted_at_us: Option<i64>,
        pub reviewed_by: Option<StaffId>,
        pub reviewed_at_us: Option<i64>,
        /// What the reviewer asked to fix (returned) or remarked (approved).
        pub review_note: Option<String>,
        /// `YYYY-MM-DD`: the day both sides signed (a contract).
        pub signed_on: Option<String>,
        pub signatories: Option<String>,
        pub created_at_us: i64,
        pub updated_at_us: i64,
        pub version: i32,
    }
}

crate::table! {
    /// A document attached to a lead, without its bytes; `doc` is the code of what it is (the signed
    /// contract, or an item of the application's document list).
    pub struct LeadFileRow in "lead_files" {
        pub id: LeadFileId,
        pub lead_id: LeadId,
        pub doc: String,
        pub filename: String,
        pub content_type: String,
        pub size_bytes: i64,
        pub sha256: String,
        pub uploaded_by: StaffId,
        pub uploaded_at_us: i64,
    }
}

pub async fn insert_proposal<C: ConnectionTrait>(c: &C, r: &ProposalRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// A lead's proposal rounds, first to last.
pub async fn proposals_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<ProposalRow>> {
    let q = table::select::<ProposalRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("round", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Marks a round agreed, if no round of the lead is agreed yet; false otherwise.
pub async fn agree_proposal<C: ConnectionTrait>(
    c: &C,
    lead: LeadId,
    id: ProposalId,
    by: StaffId,
    at_us: i64,
) -> Result<bool> {
    let any_agreed = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from("lead_proposals")
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .and_where(Expr::col("agreed_at_us").is_not_null())
        .to_owned();
    let q = sea_orm::sea_query::Query::update()
        .table("lead_proposals")
        .value("agreed_at_us", at_us)
        .value("agreed_by", by.uuid())
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .and_where(Expr::exists(any_agreed).not())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn insert_paper<C: ConnectionTrait>(c: &C, r: &PaperRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// The lead's paper of this kind, if it has one.
pub async fn paper_of<C: ConnectionTrait>(
    c: &C,
    lead: LeadId,
    kind: PaperKind,
) -> Result<Option<PaperRow>> {
    let q = table::select::<PaperRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .and_where(Expr::col("kind").eq(kind.as_str()))
        .to_owned();
    table::one(c, &q).await
}

/// Writes a changed paper if it is still at `expected`; false when someone else changed it first.
pub async fn update_paper<C: ConnectionTrait>(c: &C, r: &PaperRow, expected: i32) -> Result<bool> {
    table::update_versioned(
        c,
        r,
        r.id.uuid(),
        &["lead_id", "kind", "created_at_us"],
        "version",
        expected,
    )
    .await
}

pub async fn insert_file<C: ConnectionTrait>(c: &C, r: &LeadFileRow, data: Vec<u8>) -> Result<()> {
    table::insert_with_data(c, r, data).await
}

/// A lead's documents, oldest first.
pub async fn files_of<C: ConnectionTrait>(c: &C, lead: LeadId) -> Result<Vec<LeadFileRow>> {
    let q = table::select::<LeadFileRow>()
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .order_by("uploaded_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// One of a lead's documents with its (encrypted) bytes.
pub async fn find_file<C: ConnectionTrait>(
    c: &C,
    lead: LeadId,
    id: LeadFileId,
) -> Result<Option<(LeadFileRow, Vec<u8>)>> {
    let q = table::select::<LeadFileRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("lead_id").eq(lead.uuid()))
        .to_owned();
    let Some(r) = table::one::<LeadFileRow, _>(c, &q).await? else {
        return Ok(None);
    };
    Ok(table::data_of::<LeadFileRow, _>(c, id.uuid())
        .await?
        .map(|d| (r, d)))
}
