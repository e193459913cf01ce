//! Banyan's storage: one migration set and one query path for SQLite and PostgreSQL.
//!
//! Statements are built with sea-query (through SeaORM's connection), so the same code runs on both
//! backends; where a backend needs its own SQL (collations, partial indexes) it stays in this crate.
//! Rows are plain structs (`*Row`); they never serialise themselves to JSON.

pub mod access;
pub mod acquisition;
pub mod audit;
pub mod book;
pub mod care;
pub mod cases;
pub mod customers;
pub mod db;
pub mod engagement;
pub mod error;
pub mod events;
mod failover;
pub mod imports;
pub mod migrate;
pub mod misc;
pub mod notify;
pub mod outbound;
pub mod performance;
mod replica;
pub mod rights;
pub mod segments;
pub mod table;
pub mod wealth;

pub use db::{Db, DbKind, WriteTx, now_us};
pub use error::StoreError;
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
