//! Connecting to SQLite or PostgreSQL with the settings each needs.

use crate::error::Result;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Which backend a database is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A connection pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub kind: DbKind,
}

/// Microseconds since the Unix epoch: how instants are stored (portable, sortable, exact).
pub fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

impl Db {
    /// Opens `url` (`sqlite://path` or `postgres://...`). SQLite gets WAL, foreign keys, a busy timeout
    /// and full synchronous commits; PostgreSQL a pool sized for the server's cores.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            DbKind::Postgres
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        // Statements carry personal data as parameters; never log them.
        opts.sqlx_logging(false)
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(10));
        if kind == DbKind::Sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .statement_cache_capacity(256)
            });
        }
        let conn = Database::connect(opts).await?;
        Ok(Db { conn, kind })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so that
    /// two writers queue on the busy timeout instead of failing when a read upgrades to a write.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction> {
        let opts = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: (self.kind == DbKind::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
        };
        Ok(self.conn.begin_with_options(opts).await?)
    }

    /// Starts a read transaction (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> Result<DatabaseTransaction> {
        Ok(self.conn.begin().await?)
    }
}
