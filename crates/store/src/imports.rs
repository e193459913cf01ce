//! Import jobs (customers or leads): the job row, its encrypted file until it ends, its progress advanced only
//! by the chunk that holds the expected position, and its rejected rows.

use crate::error::Result;
use crate::table;
use banyan_domain::imports::{ImportStatus, ImportTarget};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(ImportStatus);
crate::enum_col!(ImportTarget);

crate::table! {
    pub struct ImportJobRow in "import_jobs" {
        pub id: Uuid,
        pub actor_id: Uuid,
        pub actor: String,
        pub file_name: String,
        /// SHA-256 of the file: the same file posted again is the same job.
        pub file_hash: String,
        /// `csv` or `xlsx`.
        pub format: String,
        /// JSON array of the file's header row (the rejected-rows file repeats it).
        pub headers: String,
        pub status: ImportStatus,
        pub rows: i64,
        pub done_rows: i64,
        pub created: i64,
        pub rejected: i64,
        /// JSON array of the column names that were not recognised.
        pub ignored_columns: String,
        pub error: Option<String>,
        /// The process running it, and until when (another takes over after).
        pub node: String,
        pub lease_until_us: i64,
        pub created_at_us: i64,
        pub finished_at_us: Option<i64>,
        /// What the rows become.
        pub target: ImportTarget,
    }
}

crate::table! {
    /// The file being imported, encrypted; removed when its job ends.
    pub struct ImportFileRow in "import_files" {
        pub job_id: Uuid,
        pub data: Vec<u8>,
    }
}

crate::table! {
    pub struct ImportRejectRow in "import_rejects" {
        pub id: Uuid,
        pub job_id: Uuid,
        pub line: i64,
        pub reason: String,
        /// JSON array of the broken rules (field, rule, message, detail).
        pub errors: String,
        /// The row's cells as a JSON array, encrypted (they are personal data).
        pub cells: Vec<u8>,
    }
}

pub async fn insert_job<C: ConnectionTrait>(c: &C, j: &ImportJobRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(j)).await
}

pub async fn insert_file<C: ConnectionTrait>(c: &C, f: &ImportFileRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(f)).await
}

/// The file of a job that has not ended.
pub async fn file_of<C: ConnectionTrait>(c: &C, job_id: Uuid) -> Result<Option<Vec<u8>>> {
    let q = table::select::<ImportFileRow>()
        .and_where(Expr::col("job_id").eq(job_id))
        .to_owned();
    Ok(table::one::<ImportFileRow, _>(c, &q).await?.map(|f| f.data))
}

pub async fn find_job<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<ImportJobRow>> {
    let q = table::select::<ImportJobRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one::<ImportJobRow, _>(c, &q).await
}

/// A staff member's jobs of one target, newest first; keyset after `before` (created_at_us, id).
pub async fn list_for<C: ConnectionTrait>(
    c: &C,
    actor_id: Uuid,
    target: ImportTarget,
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<ImportJobRow>> {
    let mut q = table::select::<ImportJobRow>()
        .and_where(Expr::col("actor_id").eq(actor_id))
        .and_where(Expr::col("target").eq(target.as_str()))
        .to_owned();
    if let Some((at, id)) = before {
        q.and_where(
            Expr::col("created_at_us")
                .lt(at)
                .or(Expr::col("created_at_us")
                    .eq(at)
                    .and(Expr::col("id").lt(id))),
        );
    }
    q.order_by("created_at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit);
    table::all::<ImportJobRow, _>(c, &q).await
}

/// The staff member's job for this file and target that did not fail (running or done), if any.
pub async fn find_by_file<C: ConnectionTrait>(
    c: &C,
    actor_id: Uuid,
    target: ImportTarget,
    file_hash: &str,
) -> Result<Option<ImportJobRow>> {
    let q = table::select::<ImportJobRow>()
        .and_where(Expr::col("actor_id").eq(actor_id))
        .and_where(Expr::col("target").eq(target.as_str()))
        .and_where(Expr::col("file_hash").eq(file_hash))
        .and_where(Expr::col("status").ne(ImportStatus::Failed.as_str()))
        .order_by("created_at_us", Order::Desc)
        .limit(1)
        .to_owned();
    table::one::<ImportJobRow, _>(c, &q).await
}

/// Moves a running job from `from` rows done to `to`, adding what the chunk created and rejected; false
/// when another runner got there first (the chunk's transaction must then roll back).
pub async fn advance<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    from: i64,
    to: i64,
    created: i64,
    rejected: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("import_jobs")
        .value("done_rows", to)
        .value("created", Expr::col("created").add(created))
        .value("rejected", Expr::col("rejected").add(rejected))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("done_rows").eq(from))
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Ends a running job (done or failed) and removes its file.
pub async fn end<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    status: ImportStatus,
    error: Option<&str>,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("import_jobs")
        .value("status", status.as_str())
        .value("error", error)
        .value("finished_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .to_owned();
    let ended = c.execute(&q).await?.rows_affected() == 1;
    let q = Query::delete()
        .from_table("import_files")
        .and_where(Expr::col("job_id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(ended)
}

/// Takes (or renews) the lease of a running job for `node` until `until_us`: when it is this node's, or
/// the holder's lease ran out.
pub async fn take<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    node: &str,
    now_us: i64,
    until_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("import_jobs")
        .value("node", node)
        .value("lease_until_us", until_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .and_where(
            Expr::col("node")
                .eq(node)
                .or(Expr::col("lease_until_us").lt(now_us)),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Running jobs whose runner stopped renewing its lease (its process ended).
pub async fn orphaned<C: ConnectionTrait>(c: &C, now_us: i64) -> Result<Vec<Uuid>> {
    let q = Query::select()
        .column("id")
        .from("import_jobs")
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .and_where(Expr::col("lease_until_us").lt(now_us))
        .to_owned();
    let rows = c.query_all(&q).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get_by_index::<Uuid>(0))
        .collect::<std::result::Result<_, _>>()?)
}

pub async fn insert_rejects<C: ConnectionTrait>(c: &C, rows: &[ImportRejectRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    table::insert(c, rows).await
}

/// A job's rejected rows in file order.
pub async fn list_rejects<C: ConnectionTrait>(c: &C, job_id: Uuid) -> Result<Vec<ImportRejectRow>> {
    let q = table::select::<ImportRejectRow>()
        .and_where(Expr::col("job_id").eq(job_id))
        .order_by("line", Order::Asc)
        .to_owned();
    table::all::<ImportRejectRow, _>(c, &q).await
}
