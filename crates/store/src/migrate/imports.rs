//! Migration 11: customer imports as jobs on the server (the file kept encrypted until the job ends, its
//! progress advanced in each chunk's own transaction, the rejected rows beside it).

use super::{Stmt, bigint, bigint_null, id, idx, text, text_null, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

pub(super) fn v11(s: &mut Vec<Stmt>, _kind: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("import_jobs")
            .col(id("id"))
            .col(uuid("actor_id"))
            .col(text("actor"))
            .col(text("file_name"))
            .col(text("file_hash"))
            .col(text("format"))
            .col(text("headers"))
            .col(text("status"))
            .col(bigint("rows"))
            .col(bigint("done_rows"))
            .col(bigint("created"))
            .col(bigint("rejected"))
            .col(text("ignored_columns"))
            .col(text_null("error"))
            .col(text("node"))
            .col(bigint("lease_until_us"))
            .col(bigint("created_at_us"))
            .col(bigint_null("finished_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_import_jobs_file",
        "import_jobs",
        &["actor_id", "file_hash"],
    ));
    // The file apart from the job, so listing jobs never reads files; removed when the job ends.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("import_files")
            .col(id("job_id"))
            .col(ColumnDef::new("data").blob().not_null().to_owned())
            .to_owned(),
    )));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("import_rejects")
            .col(id("id"))
            .col(uuid("job_id"))
            .col(bigint("line"))
            .col(text("reason"))
            .col(text("errors"))
            .col(ColumnDef::new("cells").blob().not_null().to_owned())
            .to_owned(),
    )));
    s.push(idx(
        "ix_import_rejects_job",
        "import_rejects",
        &["job_id", "line"],
    ));
}

/// Migration 33: an import job says what its rows become (customers, or leads since this version); the
/// jobs before it imported customers.
pub(super) fn v33(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(super::alter(
        kind,
        Table::alter()
            .table("import_jobs")
            .add_column(
                ColumnDef::new("target")
                    .text()
                    .not_null()
                    .default("customers")
                    .to_owned(),
            )
            .to_owned(),
    ));
    s.push(idx(
        "ix_import_jobs_actor_target",
        "import_jobs",
        &["actor_id", "target", "created_at_us"],
    ));
}
