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

/// Migration 53: a second factor for local accounts (TOTP): the confirmed secret, one awaiting its first
/// code, and the last time step accepted (a code is good once); and the outbox's events from before the
/// feed retired (see `outbound::v53_retire_old_events`).
pub(super) fn v53(s: &mut Vec<Stmt>, kind: DbKind) {
    super::outbound::v53_retire_old_events(s);
    use sea_orm::sea_query::{ColumnDef, Table};
    let blob_null = |n: &'static str| ColumnDef::new(n).var_binary(4096).null().to_owned();
    for col in [
        blob_null("totp_enc"),
        blob_null("totp_pending_enc"),
        ColumnDef::new("totp_step").big_integer().null().to_owned(),
    ] {
        s.push(super::alter(
            kind,
            Table::alter().table("staff").add_column(col).to_owned(),
        ));
    }
}
