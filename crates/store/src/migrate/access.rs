//! Migration 50: service accounts. They are staff rows with a service role (so tokens, audit and every
//! permission check work as for people) plus the addresses they may call from; tokens say when they were
//! last used, so an administrator sees which one a system still runs on before revoking the old one.

use super::{Stmt, idx};
use crate::db::DbKind;

pub(super) fn v50(s: &mut Vec<Stmt>, _: DbKind) {
    for sql in [
        "ALTER TABLE staff ADD COLUMN allowed_sources TEXT NULL",
        "ALTER TABLE api_tokens ADD COLUMN last_used_us BIGINT NULL",
    ] {
        s.push(Stmt::Raw(sql.into()));
    }
    // A service account's page lists its tokens.
    s.push(idx(
        "ix_api_tokens_staff",
        "api_tokens",
        &["staff_id", "created_at_us"],
    ));
}
