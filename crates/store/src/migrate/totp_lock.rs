//! Migration 57: wrong second-factor codes counted per account. Whoever types codes has the password
//! already, so after a few wrong ones the account's code entry pauses, from every address: a thief with
//! the password and many addresses cannot try the million codes one address at a time.

use super::{Stmt, alter};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

pub(super) fn v57(s: &mut Vec<Stmt>, kind: DbKind) {
    for col in [
        ColumnDef::new("totp_failures")
            .integer()
            .not_null()
            .default(0)
            .to_owned(),
        ColumnDef::new("totp_locked_until_us")
            .big_integer()
            .null()
            .to_owned(),
    ] {
        s.push(alter(
            kind,
            Table::alter().table("staff").add_column(col).to_owned(),
        ));
    }
}

/// Migration 59: recovery codes of the second factor — ten single-use codes given when it is turned on,
/// for a lost phone; only their hashes are kept.
pub(super) fn v59(s: &mut Vec<Stmt>, _: DbKind) {
    use super::{bigint, bigint_null, blob, id, idx, uuid};
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("staff_recovery_codes")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(blob("code_hash"))
            .col(bigint("created_at_us"))
            .col(bigint_null("used_at_us"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_staff_recovery_codes_staff",
        "staff_recovery_codes",
        &["staff_id"],
    ));
}

/// Migration 62: how many pauses of code entry came in a row (none since a good code or a new factor). Each
/// pause lasts twice the one before (up to a day): a thief with the password no longer gets the same number
/// of tries every quarter of an hour for ever.
pub(super) fn v62(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(alter(
        kind,
        Table::alter()
            .table("staff")
            .add_column(
                ColumnDef::new("totp_pauses")
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            )
            .to_owned(),
    ));
}
