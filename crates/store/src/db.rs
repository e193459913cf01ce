//! Connecting to SQLite or PostgreSQL with the settings each needs.

use crate::error::Result;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;
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
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead of in SQLite's
    /// busy handler (which sleeps with back-off and gave p99 write latencies of ~0.4 s under 8 writers).
    write_queue: Option<Arc<tokio::sync::Mutex<()>>>,
    /// A standby that serves lag-tolerant reads (`database_read_url`), when configured.
    read: Option<crate::replica::Replica>,
}

/// A write transaction; on SQLite it also holds this process's place in the writer queue until it ends.
#[derive(Debug)]
pub struct WriteTx {
    tx: DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> std::result::Result<(), sea_orm::DbErr> {
        self.tx.commit().await
    }
    pub async fn rollback(self) -> std::result::Result<(), sea_orm::DbErr> {
        self.tx.rollback().await
    }
}

/// Microseconds since the Unix epoch: how instants are stored (portable, sortable, exact).
pub fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// SQLite: how much of the database file is read through a memory mapping (1 GiB; past it, reads are copied).
const MMAP_BYTES: u64 = 1 << 30;
/// SQLite: each connection's own page cache, in KiB (16 MiB; the default is 2 MiB). 2 MiB was measured against
/// it (docs/benchmarks.md, issue 19's memory): 168 MB less of the server's own memory at 100,000 customers, but
/// 13 % fewer reads a second in the same pair of runs, and still 384 MB — not the 150 MB aim — so it stays.
const CACHE_KIB: u64 = 16 * 1024;

impl Db {
    /// Lets SQLite refresh its planner statistics (`PRAGMA optimize`, cheap when nothing changed); without
    /// them it can pick a poor index on tables that grew since (bench/engagement). PostgreSQL analyses by
    /// itself (autovacuum).
    pub async fn optimize(&self) -> crate::error::Result<()> {
        if self.kind == DbKind::Sqlite {
            sea_orm::ConnectionTrait::execute_unprepared(&self.conn, "PRAGMA optimize").await?;
        }
        Ok(())
    }

    /// Opens `url` (`sqlite://path` or `postgres://...`). SQLite gets WAL, foreign keys, a busy timeout
    /// and full synchronous commits; PostgreSQL a pool sized for the server's cores.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            DbKind::Postgres
        };
        // Several hosts (a primary and its standbys): the pool reaches whichever is primary through a
        // forwarder (see `failover`).
        let url = match crate::failover::MultiHost::parse(url) {
            Some(m) if kind == DbKind::Postgres => crate::failover::start(m).await?,
            _ => url.to_owned(),
        };
        let mut opts = ConnectOptions::new(url);
        // Statements carry personal data as parameters; never log them.
        opts.sqlx_logging(false)
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(10))
            // No ping on every checkout (it was 30 % of the server's CPU on point reads, bench/out run 031121Z);
            // a connection idle for a while is still checked before use.
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
        if kind == DbKind::Sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .statement_cache_capacity(256)
                    // Pages read through a shared mapping of the file rather than copied into each
                    // connection's small cache (2 MiB by default): a bulk load into the search index's and
                    // blind indexes' random-order B-trees had spent most of its time in the kernel copying
                    // pages (bench/run.sh W1 profile, docs/benchmarks.md). The mapping is the page cache the
                    // kernel keeps anyway; each connection keeps its own cache for the pages it writes.
                    .pragma("mmap_size", MMAP_BYTES.to_string())
                    .pragma("cache_size", format!("-{}", CACHE_KIB))
            });
        }
        // Processes opening a new SQLite file together: one switches it to WAL while another opens it, and
        // SQLite answers "database is locked" at once rather than waiting. The open is tried again.
        let mut tries = 0;
        let conn = loop {
            match Database::connect(opts.clone()).await {
                Ok(c) => break c,
                Err(e)
                    if kind == DbKind::Sqlite
                        && tries < 10
                        && e.to_string().contains("database is locked") =>
                {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        let write_queue = (kind == DbKind::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            conn,
            kind,
            write_queue,
            read: None,
        })
    }

    /// Adds a PostgreSQL standby (`url`) that serves the reads which may lag by up to `max_lag` (lists,
    /// searches, reports) once it has replayed schema version `schema`: see `replica`. Reads go to the
    /// primary whenever the standby is further behind.
    pub async fn with_replica(
        mut self,
        url: &str,
        max_connections: u32,
        max_lag: Duration,
        schema: i64,
    ) -> Result<Db> {
        if self.kind != DbKind::Postgres || url.starts_with("sqlite:") {
            return Err(sea_orm::DbErr::Custom(
                "database_read_url: a read replica needs PostgreSQL for both database_url and database_read_url"
                    .to_owned(),
            )
            .into());
        }
        let standby = Db::connect(url, max_connections).await?;
        let r = crate::replica::Replica {
            conn: standby.conn,
            fresh: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        };
        crate::replica::watch(self.conn.clone(), r.clone(), max_lag, schema).await;
        self.read = Some(r);
        Ok(self)
    }

    /// Where a read that may lag (within the replica's bound) goes: the standby while it is close
    /// enough behind, else the primary. Never for a read that must see the caller's own write.
    pub fn reader(&self) -> &DatabaseConnection {
        match &self.read {
            Some(r) if r.fresh.load(std::sync::atomic::Ordering::Relaxed) => &r.conn,
            _ => &self.conn,
        }
    }

    /// Whether lag-tolerant reads go to the standby now.
    pub fn reads_from_replica(&self) -> bool {
        !std::ptr::eq(self.reader(), &self.conn)
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so that
    /// two writers queue on the busy timeout instead of failing when a read upgrades to a write.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let turn = match &self.write_queue {
            Some(q) => Some(q.clone().lock_owned().await),
            None => None,
        };
        let opts = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: (self.kind == DbKind::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
        };
        Ok(WriteTx {
            tx: self.conn.begin_with_options(opts).await?,
            _turn: turn,
        })
    }

    /// Starts a write transaction for one chunk of a bulk load (a feed file's rows, or the monitoring of
    /// the customers it touched). On PostgreSQL the
    /// transaction plans every statement for its own values (`plan_cache_mode = force_custom_plan`, for
    /// this transaction only): the connection's prepared statements otherwise settle on a generic plan
    /// made while the month's partition was new and empty — a sequential scan for "which of these 500 ids
    /// are known" — and keep it while the partition grows. Measured with `bench/book/run.sh` (50,000
    /// transactions): 59 s of that one statement with the cached plan, 0.6 s planned per call.
    pub async fn begin_bulk_write(&self) -> Result<WriteTx> {
        let tx = self.begin_write().await?;
        if self.kind == DbKind::Postgres {
            sea_orm::ConnectionTrait::execute_unprepared(
                &*tx,
                "SET LOCAL plan_cache_mode = force_custom_plan",
            )
            .await?;
        }
        Ok(tx)
    }

    /// Starts a read transaction (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> Result<DatabaseTransaction> {
        Ok(self.conn.begin().await?)
    }
}
