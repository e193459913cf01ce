//! One description per table: the row struct, its table name and its columns are declared once by
//! [`table!`]; inserting, updating and reading go through the generic helpers here, so a column is named in
//! one place and read and written by the same code on both backends.
//!
//! Columns are typed by [`Col`]: plain values, domain enums (stored as their `as_str`) and JSON lists. A
//! stored value that does not parse is [`StoreError::Corrupt`] naming the table, the row and the column —
//! never a default: a deadline read from a silently emptied list of pauses would be wrong without a trace.

use crate::error::{Result, StoreError};
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, QueryResult, TryGetable};
use uuid::Uuid;

/// A column's Rust type: how it is written and read.
pub trait Col: Sized {
    fn value(&self) -> SimpleExpr;
    /// Reads column `col` of `row` of `table` (the names are for the error).
    fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self>;
}

/// A table described by [`table!`].
pub trait Table: Sized {
    const NAME: &'static str;
    const COLUMNS: &'static [&'static str];
    /// The row's values, in the order of `COLUMNS`.
    fn values(&self) -> Vec<SimpleExpr>;
    fn read(row: &QueryResult) -> Result<Self>;
    /// Reads the row from columns named with `prefix` before each name (a join's second table, selected
    /// by [`select_prefixed`]).
    fn read_prefixed(row: &QueryResult, prefix: &str) -> Result<Self>;
}

/// The error for a stored value that does not parse, naming where it is.
pub fn corrupt(
    row: &QueryResult,
    table: &str,
    col: &str,
    why: impl std::fmt::Display,
) -> StoreError {
    let id = row
        .try_get::<Uuid>("", "id")
        .map(|u| u.to_string())
        .or_else(|_| row.try_get::<String>("", "id"))
        .unwrap_or_else(|_| "?".into());
    StoreError::Corrupt(format!("{table}.{col} of row {id}: {why}"))
}

fn get<T: TryGetable>(row: &QueryResult, table: &str, col: &str) -> Result<T> {
    row.try_get::<T>("", col)
        .map_err(|e| corrupt(row, table, col, e))
}

macro_rules! plain_col {
    ($($t:ty),* $(,)?) => {$(
        impl Col for $t {
            fn value(&self) -> SimpleExpr {
                self.clone().into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                get(row, table, col)
            }
        }
        impl Col for Option<$t> {
            fn value(&self) -> SimpleExpr {
                self.clone().into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                get(row, table, col)
            }
        }
    )*};
}
plain_col!(bool, i32, i64, String, Uuid, Vec<u8>);

/// A domain enum stored as its `as_str`, read back with `parse`.
#[macro_export]
macro_rules! enum_col {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::table::Col for $t {
            fn value(&self) -> sea_orm::sea_query::SimpleExpr {
                self.as_str().into()
            }
            fn read(row: &sea_orm::QueryResult, table: &str, col: &str) -> $crate::error::Result<Self> {
                let s: String = $crate::table::Col::read(row, table, col)?;
                <$t>::parse(&s).ok_or_else(|| {
                    $crate::table::corrupt(row, table, col, format!("`{s}` is not a known value"))
                })
            }
        }
        impl $crate::table::Col for Option<$t> {
            fn value(&self) -> sea_orm::sea_query::SimpleExpr {
                self.map(|v| v.as_str()).into()
            }
            fn read(row: &sea_orm::QueryResult, table: &str, col: &str) -> $crate::error::Result<Self> {
                let s: Option<String> = $crate::table::Col::read(row, table, col)?;
                s.map(|s| {
                    <$t>::parse(&s).ok_or_else(|| {
                        $crate::table::corrupt(row, table, col, format!("`{s}` is not a known value"))
                    })
                })
                .transpose()
            }
        }
    )*};
}

/// An identifier newtype of `domain::ids`, stored as its UUID.
macro_rules! id_col {
    ($($t:ty),* $(,)?) => {$(
        impl Col for $t {
            fn value(&self) -> SimpleExpr {
                self.uuid().into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                get::<Uuid>(row, table, col).map(<$t>::from_uuid)
            }
        }
        impl Col for Option<$t> {
            fn value(&self) -> SimpleExpr {
                self.map(|v| v.uuid()).into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                get::<Option<Uuid>>(row, table, col).map(|o| o.map(<$t>::from_uuid))
            }
        }
    )*};
}
id_col!(
    banyan_domain::ids::CaseId,
    banyan_domain::ids::CustomerId,
    banyan_domain::ids::StaffId,
    banyan_domain::ids::LeadId,
    banyan_domain::ids::PartnerId,
    banyan_domain::ids::ProposalId,
    banyan_domain::ids::PaperId,
    banyan_domain::ids::LeadFileId,
    banyan_domain::ids::LeadVisitId,
    banyan_domain::ids::MeetingId,
    banyan_domain::ids::MeetingActionId,
    banyan_domain::ids::AcqCampaignId,
    banyan_domain::ids::CareId,
    banyan_domain::ids::CareTaskId,
    banyan_domain::ids::CareMeasureId,
    banyan_domain::ids::CareNoteId,
    banyan_domain::ids::CareGrantId
);

/// A list stored as JSON text.
#[macro_export]
macro_rules! json_col {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::table::Col for $t {
            fn value(&self) -> sea_orm::sea_query::SimpleExpr {
                // Serialising plain data structs cannot fail; an empty list is written if it ever did.
                serde_json::to_string(self).unwrap_or_else(|_| "[]".into()).into()
            }
            fn read(row: &sea_orm::QueryResult, table: &str, col: &str) -> $crate::error::Result<Self> {
                let s: String = $crate::table::Col::read(row, table, col)?;
                serde_json::from_str(&s).map_err(|e| $crate::table::corrupt(row, table, col, e))
            }
        }
    )*};
}

/// Declares a row struct and its table in one place: `table! { /// doc  pub struct Row in "table" { ... } }`.
/// Field names are the column names.
#[macro_export]
macro_rules! table {
    (
        $(#[$m:meta])*
        pub struct $name:ident in $table:literal {
            $( $(#[$fm:meta])* pub $f:ident : $t:ty ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fm])* pub $f: $t ),*
        }

        impl $crate::table::Table for $name {
            const NAME: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($f)),*];
            fn values(&self) -> Vec<sea_orm::sea_query::SimpleExpr> {
                vec![$( $crate::table::Col::value(&self.$f) ),*]
            }
            fn read(row: &sea_orm::QueryResult) -> $crate::error::Result<Self> {
                Ok(Self {
                    $( $f: $crate::table::Col::read(row, $table, stringify!($f))? ),*
                })
            }
            fn read_prefixed(row: &sea_orm::QueryResult, prefix: &str) -> $crate::error::Result<Self> {
                Ok(Self {
                    $( $f: $crate::table::Col::read(
                        row,
                        $table,
                        &format!("{prefix}{}", stringify!($f)),
                    )? ),*
                })
            }
        }
    };
}

/// `SELECT <every column> FROM <table>`, columns qualified by the table (so joins may be added).
pub fn select<T: Table>() -> SelectStatement {
    Query::select()
        .columns(T::COLUMNS.iter().map(|c| (T::NAME, *c)))
        .from(T::NAME)
        .to_owned()
}

/// Adds every column of `T` to `q`, each named `<prefix><column>` (so a join's tables do not clash).
pub fn select_prefixed<T: Table>(q: &mut SelectStatement, prefix: &str) {
    for c in T::COLUMNS {
        q.expr_as(
            Expr::col((T::NAME, *c)),
            sea_orm::sea_query::Alias::new(format!("{prefix}{c}")),
        );
    }
}

/// The first row of `q`, read as `T`.
pub async fn one<T: Table, C: ConnectionTrait>(c: &C, q: &SelectStatement) -> Result<Option<T>> {
    c.query_one(q).await?.as_ref().map(T::read).transpose()
}

/// Every row of `q`, read as `T`.
pub async fn all<T: Table, C: ConnectionTrait>(c: &C, q: &SelectStatement) -> Result<Vec<T>> {
    c.query_all(q).await?.iter().map(T::read).collect()
}

/// Inserts rows (one statement).
pub async fn insert<T: Table, C: ConnectionTrait>(c: &C, rows: &[T]) -> Result<()> {
    insert_values(c, rows, None).await.map(|_| ())
}

/// A multi-row `VALUES` insert; with `keep_first`, a row whose key those columns already hold is skipped.
/// Returns the rows written.
async fn insert_values<T: Table, C: ConnectionTrait>(
    c: &C,
    rows: &[T],
    keep_first: Option<&[&'static str]>,
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut q = Query::insert();
    q.into_table(T::NAME).columns(T::COLUMNS.iter().copied());
    for r in rows {
        q.values(r.values())
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", T::NAME)))?;
    }
    if let Some(cols) = keep_first {
        q.on_conflict(
            OnConflict::columns(cols.iter().copied())
                .do_nothing()
                .to_owned(),
        );
    }
    Ok(c.execute(&q).await?.rows_affected())
}

/// Fewer rows than this are inserted as a VALUES list on PostgreSQL too (see [`insert_many`]).
const JSON_MIN_ROWS: usize = 16;

/// Inserts many rows (a feed's, a bulk load's). On PostgreSQL the rows travel as one JSON parameter read by
/// `json_populate_recordset` into the table's own row type: one statement text for every chunk (prepared
/// once) instead of a `VALUES` list of 16,000 parameters parsed and planned per chunk — measured on a day's
/// 1,000,000 transactions, see docs/benchmarks.md "The book: a day of transactions", and on the customers'
/// bulk load. On SQLite, and for a row with a value JSON cannot carry, the multi-row [`insert`].
pub async fn insert_many<T: Table, C: ConnectionTrait>(c: &C, rows: &[T]) -> Result<()> {
    insert_rows(c, rows, None).await.map(|_| ())
}

/// [`insert_many`] for records that may already be there: a row whose key (`key`, the columns of a unique
/// index) is already held is skipped, whoever wrote it — two writers racing with the same records write each
/// once. Returns the rows written.
pub async fn insert_many_new<T: Table, C: ConnectionTrait>(
    c: &C,
    rows: &[T],
    key: &[&'static str],
) -> Result<u64> {
    insert_rows(c, rows, Some(key)).await
}

async fn insert_rows<T: Table, C: ConnectionTrait>(
    c: &C,
    rows: &[T],
    keep_first: Option<&[&'static str]>,
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    // A few rows (one customer's update) stay a plain VALUES list: its text repeats, so it is prepared once,
    // and PostgreSQL's JSON parsing cost more per statement than it saved (bench/run.sh W4, pg_stat_statements:
    // 0.126 against 0.106 ms an audit insert).
    if c.get_database_backend() != sea_orm::DbBackend::Postgres || rows.len() < JSON_MIN_ROWS {
        return insert_values(c, rows, keep_first).await;
    }
    let Some(json) = rows_as_json(rows) else {
        return insert_values(c, rows, keep_first).await;
    };
    let cols = T::COLUMNS.join(", ");
    let conflict = keep_first.map_or(String::new(), |k| {
        format!(" ON CONFLICT ({}) DO NOTHING", k.join(", "))
    });
    let sql = format!(
        "INSERT INTO {t} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{t}, $1::json){conflict}",
        t = T::NAME
    );
    let done = c
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            sql,
            [json.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// The rows as a JSON array of objects keyed by column, written straight into one buffer (a load writes
/// millions of values: no map or `serde_json::Value` per row); `None` when a value is not plain (an expression,
/// a kind not listed), which JSON would not carry faithfully. Bytes travel as PostgreSQL's hex text (`\x…`),
/// which `json_populate_recordset` reads back into `bytea` as they were.
fn rows_as_json<T: Table>(rows: &[T]) -> Option<String> {
    use sea_orm::sea_query::Value as V;
    use std::io::Write as _;
    fn number(out: &mut Vec<u8>, n: Option<impl std::fmt::Display>) -> Option<()> {
        match n {
            Some(n) => write!(out, "{n}").ok(),
            None => {
                out.extend_from_slice(b"null");
                Some(())
            }
        }
    }
    fn value(out: &mut Vec<u8>, v: &V) -> Option<()> {
        match v {
            V::Bool(b) => out.extend_from_slice(match b {
                Some(true) => b"true",
                Some(false) => b"false",
                None => b"null",
            }),
            V::TinyInt(n) => number(out, *n)?,
            V::SmallInt(n) => number(out, *n)?,
            V::Int(n) => number(out, *n)?,
            V::BigInt(n) => number(out, *n)?,
            V::TinyUnsigned(n) => number(out, *n)?,
            V::SmallUnsigned(n) => number(out, *n)?,
            V::Unsigned(n) => number(out, *n)?,
            V::BigUnsigned(n) => number(out, *n)?,
            V::String(Some(s)) => serde_json::to_writer(&mut *out, s.as_str()).ok()?,
            V::Uuid(Some(u)) => write!(out, "\"{u}\"").ok()?,
            V::Bytes(Some(b)) => {
                out.extend_from_slice(b"\"\\\\x");
                for byte in b.iter() {
                    write!(out, "{byte:02x}").ok()?;
                }
                out.push(b'"');
            }
            V::String(None) | V::Uuid(None) | V::Bytes(None) => out.extend_from_slice(b"null"),
            _ => return None,
        }
        Some(())
    }
    let mut out: Vec<u8> = Vec::with_capacity(rows.len() * 48 * T::COLUMNS.len());
    out.push(b'[');
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        for (k, (col, e)) in T::COLUMNS.iter().zip(r.values()).enumerate() {
            let sea_orm::sea_query::Expr::Value(v) = e else {
                return None;
            };
            if k > 0 {
                out.push(b',');
            }
            // Column names are the table's own identifiers: nothing to escape.
            write!(out, "\"{col}\":").ok()?;
            value(&mut out, &v)?;
        }
        out.push(b'}');
    }
    out.push(b']');
    String::from_utf8(out).ok()
}

/// Inserts one row with its (encrypted) bytes in a `data` column beside the row's own columns: files are
/// listed by their row alone and their bytes read only when opened ([`data_of`]).
pub async fn insert_with_data<T: Table, C: ConnectionTrait>(
    c: &C,
    r: &T,
    data: Vec<u8>,
) -> Result<()> {
    let mut cols = T::COLUMNS.to_vec();
    cols.push("data");
    let mut values = r.values();
    values.push(data.into());
    let mut q = Query::insert();
    q.into_table(T::NAME).columns(cols);
    q.values(values)
        .map_err(|e| StoreError::Corrupt(format!("{}: {e}", T::NAME)))?;
    c.execute(&q).await?;
    Ok(())
}

/// The `data` column of the row of `T` whose key (first column) is `key`.
pub async fn data_of<T: Table, C: ConnectionTrait>(
    c: &C,
    key: impl Into<sea_orm::Value>,
) -> Result<Option<Vec<u8>>> {
    let q = Query::select()
        .column("data")
        .from(T::NAME)
        .and_where(Expr::col(T::COLUMNS[0]).eq(key.into()))
        .to_owned();
    Ok(match c.query_one(&q).await? {
        Some(r) => Some(r.try_get_by_index::<Vec<u8>>(0)?),
        None => None,
    })
}

/// Replaces every column but the first (the key) and those in `keep` of the row whose key is `key` and
/// whose `version_col` is still `expected`; false when someone else changed it first.
pub async fn update_versioned<T: Table, C: ConnectionTrait>(
    c: &C,
    r: &T,
    key: impl Into<sea_orm::Value>,
    keep: &[&str],
    version_col: &'static str,
    expected: impl Into<sea_orm::Value>,
) -> Result<bool> {
    let mut q = Query::update();
    q.table(T::NAME);
    for (col, v) in T::COLUMNS.iter().zip(r.values()).skip(1) {
        if !keep.contains(col) {
            q.value(*col, v);
        }
    }
    q.and_where(Expr::col(T::COLUMNS[0]).eq(key.into()))
        .and_where(Expr::col(version_col).eq(expected.into()));
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// The first column of a one-row answer as a count (`SELECT COUNT(*) ...`); a negative count is corrupt data.
pub async fn count<C: ConnectionTrait>(c: &C, q: &SelectStatement) -> Result<u64> {
    let n: i64 = match c.query_one(q).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("a count of {n}")))
}

/// How many rows of `table` match `cond`, counted up to `cap`: past it the answer is `cap + 1` ("more than
/// cap"), so that a broad search costs no more than a bounded scan.
pub async fn count_capped<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    cond: Cond,
    cap: u64,
) -> Result<u64> {
    let inner = Query::select()
        .expr(Expr::val(1))
        .from(table)
        .cond_where(cond)
        .limit(cap + 1)
        .to_owned();
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(inner, "m")
        .to_owned();
    count(c, &q).await
}

/// A domain value stored as text and read back with its own parser; a stored text that does not parse is
/// corrupt data.
macro_rules! text_col {
    ($($t:ty => $write:expr, $parse:expr);* $(;)?) => {$(
        impl Col for $t {
            fn value(&self) -> SimpleExpr {
                let w: fn(&$t) -> String = $write;
                w(self).into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                let s: String = get(row, table, col)?;
                let p: fn(&str) -> Option<$t> = $parse;
                p(&s).ok_or_else(|| corrupt(row, table, col, format!("`{s}` does not parse")))
            }
        }
        impl Col for Option<$t> {
            fn value(&self) -> SimpleExpr {
                let w: fn(&$t) -> String = $write;
                self.as_ref().map(w).into()
            }
            fn read(row: &QueryResult, table: &str, col: &str) -> Result<Self> {
                let s: Option<String> = get(row, table, col)?;
                let p: fn(&str) -> Option<$t> = $parse;
                s.map(|s| p(&s).ok_or_else(|| corrupt(row, table, col, format!("`{s}` does not parse"))))
                    .transpose()
            }
        }
    )*};
}
text_col!(
    jiff::civil::Date => |d| d.to_string(), |s| s.parse().ok();
    banyan_domain::money::Currency => |c| c.as_str().to_owned(), |s| banyan_domain::money::Currency::parse(s).ok();
);

// A list of codes (catalogue codes, reasons) stored as a JSON array.
json_col!(Vec<String>);

/// `q` (which must not have a limit of its own) with `LIMIT n` written into the SQL as a number, its filters
/// still bound. PostgreSQL plans a prepared statement generically after five runs, and a generic plan reads
/// a bound `LIMIT $n` as a tenth of the rows: a capped count then scanned the whole table instead of an index
/// (37 ms against 0.7 ms at 100,000 leads; bench/acquisition run 20261204T121122Z).
fn with_limit<C: ConnectionTrait>(c: &C, q: &SelectStatement, n: u64) -> sea_orm::Statement {
    let mut st = c.get_database_backend().build(q);
    st.sql = format!("{} LIMIT {n}", st.sql);
    st
}

/// Every row of `q` (without a limit of its own) up to `n`, the limit a literal (see [`with_limit`]).
pub async fn all_limited<T: Table, C: ConnectionTrait>(
    c: &C,
    q: &SelectStatement,
    n: u64,
) -> Result<Vec<T>> {
    c.query_all_raw(with_limit(c, q, n))
        .await?
        .iter()
        .map(T::read)
        .collect()
}

/// How many rows `inner` (a `SELECT 1 ...` without a limit) holds, counted up to `cap` (past it `cap + 1`),
/// the cap a literal (see [`with_limit`]).
pub async fn count_limited<C: ConnectionTrait>(
    c: &C,
    inner: &SelectStatement,
    cap: u64,
) -> Result<u64> {
    let mut st = with_limit(c, inner, cap + 1);
    st.sql = format!("SELECT COUNT(*) FROM ({}) m", st.sql);
    let n: i64 = match c.query_one_raw(st).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("a count of {n}")))
}

#[cfg(test)]
mod tests {
    crate::table! {
        pub struct Probe in "probe" {
            pub id: uuid::Uuid,
            pub text: String,
            pub note: Option<String>,
            pub n: i64,
            pub flag: bool,
            pub data: Vec<u8>,
        }
    }

    /// What PostgreSQL's `json_populate_recordset` reads: every value as written, text escaped, bytes as
    /// `\x` hex (bytea's text form), absent values as null.
    #[test]
    fn rows_travel_as_json_as_they_were() {
        let id = uuid::Uuid::now_v7();
        let rows = [Probe {
            id,
            text: "王\"秀\\英\n=1+1".into(),
            note: None,
            n: -42,
            flag: true,
            data: vec![0, 1, 0xab, 0xff],
        }];
        let json = super::rows_as_json(&rows).expect("plain values");
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(
            back,
            serde_json::json!([{
                "id": id.to_string(),
                "text": "王\"秀\\英\n=1+1",
                "note": null,
                "n": -42,
                "flag": true,
                "data": "\\x0001abff",
            }])
        );
    }
}
