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
