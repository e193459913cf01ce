//! Migration 56: single sign-on attempts. A sign-in through the bank's identity provider leaves here
//! what it must find again when the browser comes back (the nonce the ID token must carry, the PKCE
//! verifier), keyed by the hash of the `state` the browser holds; an attempt is used once and only for
//! ten minutes, on whichever node the browser comes back to.

use super::{Stmt, bigint, bigint_null, blob, id, idx, text, uidx};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v56(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("sso_attempts")
            .col(id("id"))
            .col(blob("state_hash"))
            .col(text("nonce"))
            .col(text("verifier"))
            .col(text("lang"))
            .col(bigint("created_at_us"))
            .col(bigint_null("used_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_sso_attempts_state",
        "sso_attempts",
        &["state_hash"],
    ));
    s.push(idx(
        "ix_sso_attempts_created",
        "sso_attempts",
        &["created_at_us"],
    ));
}

/// Migration 58: the provider's identity an account is bound to (`issuer|subject`), so that a username the
/// provider later hands to someone else does not open the account; and whether a session came through the
/// provider (its second factor then stands for Banyan's).
pub(super) fn v58(s: &mut Vec<Stmt>, kind: DbKind) {
    use sea_orm::sea_query::ColumnDef;
    s.push(super::alter(
        kind,
        Table::alter()
            .table("staff")
            .add_column(ColumnDef::new("sso_subject").text().null().to_owned())
            .to_owned(),
    ));
    s.push(uidx("ux_staff_sso_subject", "staff", &["sso_subject"]));
    s.push(super::alter(
        kind,
        Table::alter()
            .table("web_sessions")
            .add_column(
                ColumnDef::new("via_sso")
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            )
            .to_owned(),
    ));
}
