//! Banyan's use cases. Each opens a transaction, checks the actor's permission and scope, calls the
//! domain, writes through the store and appends the audit record. The API, the workbench, the jobs and
//! the CLI all call these functions; none of them talks to the store directly.

pub mod access;
pub mod acquisition;
pub mod actor;
pub mod audit;
pub mod backup;
pub mod book;
pub mod care;
pub mod cases;
pub mod crypto;
pub mod customers;
pub mod engagement;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod figures;
pub mod files;
pub mod idempotency;
pub mod imports;
pub mod inbound;
pub mod io;
pub mod jobs;
pub mod json;
pub mod notify;
pub mod outbound;
pub mod performance;
pub mod reactions;
pub mod rights;
pub mod scope;
pub mod segments;
pub mod tabular;
mod text;
pub mod throttle;
pub mod view;
pub mod wealth;

pub use banyan_store::Db;
pub use error::{AppError, Result};

use banyan_domain::policy::Policy;
use crypto::{KeyRing, MasterKey};
use std::sync::{Arc, RwLock};

/// Everything a use case needs: the database, the keys, the policy and the bank's time zone.
#[derive(Debug)]
pub struct App {
    pub(crate) db: Db,
    keys: RwLock<Arc<KeyRing>>,
    /// The audit key (derived from the master key) and where checkpoints go.
    pub(crate) audit: audit::AuditKeeper,
    master: MasterKey,
    /// The policy in force with its content hash (a node follows the one the database says is in force).
    policy: RwLock<Arc<segments::InForce>>,
    pub tz: jiff::tz::TimeZone,
    /// Identifies this process as a lease holder.
    pub node_id: String,
    pub(crate) logins: throttle::LoginThrottle,
    /// Working-day calendars (shipped and loaded by administrators).
    pub calendars: cases::Calendars,
    /// How import files may name their columns and values besides the column names: the workbench's
    /// labels in every language, given by the web layer ([`App::accept_import_words`]).
    pub(crate) import_words: RwLock<Arc<io::ImportWords>>,
    /// The same for lead files ([`App::accept_lead_import_words`]).
    pub(crate) lead_import_words: RwLock<Arc<io::ImportWords>>,
    /// Set once any transaction has been seen ([`book::figures::feeds_transactions`]): a bank that feeds
    /// transactions does not stop, so a page asks the database only until the first one arrives.
    pub(crate) feeds_transactions: std::sync::atomic::AtomicBool,
    /// What follows a contact once it is logged (engagement announces it; who listens is wired here, so the
    /// contacts' use case does not depend on them): the insights' rules over contacts.
    pub(crate) on_contact: CustomerHook,
    /// What follows a customer's risk assessment once it is recorded (the same way): the insights' rules
    /// that weigh holdings against it.
    pub(crate) on_assessment: CustomerHook,
    /// The bank's identity provider for staff sign-in, when configured ([`App::configure_sso`]).
    pub(crate) sso: RwLock<Option<Arc<access::sso::Provider>>>,
    /// Where the erasure ledger is kept, if anywhere ([`App::keep_erasure_ledger`]).
    erasure_ledger: RwLock<Option<std::path::PathBuf>>,
}

/// A reaction to something recorded of a customer (the customer's id); it handles its own failures.
pub(crate) type CustomerHook =
    for<'a> fn(
        &'a App,
        uuid::Uuid,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

fn after_contact(
    app: &App,
    customer: uuid::Uuid,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(crate::book::insights::after_contact(app, customer))
}

fn after_assessment(
    app: &App,
    customer: uuid::Uuid,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(crate::book::insights::after_assessment(app, customer))
}

impl App {
    /// The version the loaded policy names (shown by the CLI beside its content hash).
    /// The minor-unit digits of a currency the book accepts (2 for one it does not: such an amount is
    /// refused later anyway), for reading an amount a person typed.
    pub fn currency_digits(&self, c: banyan_domain::money::Currency) -> u8 {
        self.policy().book.currency(c).map_or(2, |r| r.digits)
    }

    /// The `[care]` section of the policy (the pages say how long break-glass access lasts).
    pub fn care_policy(&self) -> banyan_domain::care::CarePolicy {
        self.policy().care.clone()
    }

    pub fn policy_version(&self) -> String {
        self.policy().version.clone()
    }

    /// The policy in force (cheap: an `Arc` clone). A use case takes it once and reads that one throughout:
    /// another node may put a new one in force meanwhile.
    pub(crate) fn policy(&self) -> Arc<segments::InForce> {
        match self.policy.read() {
            Ok(p) => p.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The content hash of the policy in force, recorded with every assignment it makes.
    pub fn policy_hash(&self) -> String {
        self.policy().hash.clone()
    }

    pub(crate) fn swap_policy(&self, p: segments::InForce) {
        match self.policy.write() {
            Ok(mut slot) => *slot = Arc::new(p),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(p),
        }
    }

    /// The database under the use cases, for integration tests that tamper with stored rows.
    #[cfg(feature = "test-support")]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Migrates the database, loads (or creates) the data keys and returns the application, as a server
    /// (its policy file is put in force when never seen before: [`segments::Starting`]).
    pub async fn open(
        db: Db,
        master: MasterKey,
        policy: Policy,
        tz: jiff::tz::TimeZone,
        anchor: audit::Anchor,
    ) -> Result<Arc<App>> {
        Self::open_as(db, master, policy, tz, anchor, segments::Starting::Server).await
    }

    /// [`App::open`] for a server or for a command.
    pub async fn open_as(
        db: Db,
        master: MasterKey,
        policy: Policy,
        tz: jiff::tz::TimeZone,
        anchor: audit::Anchor,
        starting: segments::Starting,
    ) -> Result<Arc<App>> {
        notify::install_tls_provider();
        use banyan_store::migrate;
        // Records written before the chain was keyed get their MACs between the step that adds the column
        // and the step that makes the log append-only.
        migrate::run_through(&db, migrate::AUDIT_GUARDED - 1).await?;
        let audit = audit::AuditKeeper::new(&master, anchor)?;
        if migrate::current_version(&db).await? < migrate::AUDIT_GUARDED {
            audit::key_unkeyed_records(&db, &audit).await?;
        }
        migrate::run(&db).await?;
        db.optimize().await?;
        let keys = KeyRing::load_or_init(&db, &master).await?;
        let policy = segments::in_force::settle(&db, &audit, policy, starting).await?;
        let calendars = cases::Calendars::load(&db).await?;
        let app = Arc::new(App {
            calendars,
            audit,
            db,
            keys: RwLock::new(Arc::new(keys)),
            master,
            policy: RwLock::new(Arc::new(policy)),
            tz,
            node_id: format!("{}-{}", std::process::id(), uuid::Uuid::now_v7()),
            logins: Default::default(),
            import_words: Default::default(),
            lead_import_words: RwLock::new(Arc::new(io::ImportWords::of(imports::leads::COLUMNS))),
            feeds_transactions: std::sync::atomic::AtomicBool::new(false),
            on_contact: after_contact,
            on_assessment: after_assessment,
            sso: RwLock::new(None),
            erasure_ledger: RwLock::new(None),
        });
        customers::search::rebuild_if_stale(&app).await?;
        // Months are made ahead; a failure here must not keep the bank from starting (a record without its
        // month lands in the default partition, and the daily job tries again).
        if let Err(e) = audit::prepare_months(&app).await {
            tracing::error!(error = %e, "preparing month partitions failed");
        }
        Ok(app)
    }

    /// Keeps the erasure ledger in `path` (outside the database, apart from the backups): every erasure is
    /// written there, and a restore erases again whoever it names.
    pub fn keep_erasure_ledger(&self, path: Option<std::path::PathBuf>) {
        match self.erasure_ledger.write() {
            Ok(mut g) => *g = path,
            Err(p) => *p.into_inner() = path,
        }
    }

    pub(crate) fn erasure_ledger(&self) -> Option<std::path::PathBuf> {
        match self.erasure_ledger.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The current key ring (cheap: an `Arc` clone).
    pub fn keys(&self) -> Arc<KeyRing> {
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Adds a new data key and re-encrypts every stored value under it. Returns `(key id, values rewritten)`.
    pub async fn rotate_keys(&self, actor: &access::Actor) -> Result<(i32, u64)> {
        let grant = actor.require(banyan_domain::access::Permission::ConfigManage)?;
        let (ring, id) = KeyRing::rotate(&self.db, &self.master).await?;
        match self.keys.write() {
            Ok(mut k) => *k = Arc::new(ring),
            Err(p) => *p.into_inner() = Arc::new(ring),
        }
        let n = customers::reencrypt_all(self).await?;
        let tx = self.db.begin_write().await?;
        audit::record(
            self,
            &*tx,
            &grant,
            vec![audit::Entry {
                action: "keys.rotate",
                entity: "data_key",
                entity_id: Some(id.to_string()),
                customer_id: None,
                detail: serde_json::json!({"rewritten": n}),
            }],
        )
        .await?;
        tx.commit().await?;
        Ok((id, n))
    }

    /// The applied schema version (readiness: the database answers and is migrated).
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(banyan_store::migrate::current_version(&self.db).await?)
    }

    /// Lets import files name columns and values as the workbench's labels do (the web layer's registry of
    /// display labels, in every language): `客户经理`, `證件類型`, `Document number`; `个人`, `居民身份证`.
    pub fn accept_import_words(&self, words: io::ImportWords) {
        Self::swap_words(&self.import_words, words);
    }

    /// Lets lead files name columns and values as the workbench's labels do (see
    /// [`App::accept_import_words`]).
    pub fn accept_lead_import_words(&self, words: io::ImportWords) {
        Self::swap_words(&self.lead_import_words, words);
    }

    fn swap_words(slot: &RwLock<Arc<io::ImportWords>>, words: io::ImportWords) {
        // A lock poisoned by a panic elsewhere still holds whole words (they are swapped, never edited).
        let mut w = slot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *w = Arc::new(words);
    }

    /// The words of a kind of import file.
    pub(crate) fn import_words(
        &self,
        target: banyan_domain::imports::ImportTarget,
    ) -> Arc<io::ImportWords> {
        let slot = match target {
            banyan_domain::imports::ImportTarget::Customers => &self.import_words,
            banyan_domain::imports::ImportTarget::Leads => &self.lead_import_words,
        };
        let w = slot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&w)
    }

    /// Today's civil date in the bank's time zone.
    pub fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now().to_zoned(self.tz.clone()).date()
    }

    /// The bank's calendar day of an instant stored as microseconds (out of jiff's range: the last day it
    /// knows, which no stored instant reaches).
    pub fn date_of_us(&self, us: i64) -> jiff::civil::Date {
        jiff::Timestamp::from_microsecond(us)
            .unwrap_or(jiff::Timestamp::MAX)
            .to_zoned(self.tz.clone())
            .date()
    }

    /// The first instant of `from` and of the day after `to` in the bank's time zone, in microseconds:
    /// the half-open span of those days, for reading times stored as instants.
    pub fn day_bounds(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> error::Result<(i64, i64)> {
        let start = |d: jiff::civil::Date| {
            d.to_zoned(self.tz.clone())
                .map(|z| z.timestamp().as_microsecond())
                .map_err(|e| AppError::internal_from(format!("calendar day {d}"), e))
        };
        let after = to
            .tomorrow()
            .map_err(|e| AppError::internal_from(format!("calendar day {to}"), e))?;
        Ok((start(from)?, start(after)?))
    }
}

/// Opens the database (`sqlite://...` or `postgres://...`).
pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
    Ok(Db::connect(url, max_connections).await?)
}

/// Adds a PostgreSQL standby that serves customer lists and searches while at most `max_lag` behind
/// (`database_read_url`).
pub async fn with_replica(
    db: Db,
    url: &str,
    max_connections: u32,
    max_lag: std::time::Duration,
) -> Result<Db> {
    // The standby serves nothing before it has replayed the migrations this build runs on the primary.
    let schema = banyan_store::migrate::latest();
    Ok(db
        .with_replica(url, max_connections, max_lag, schema)
        .await?)
}

/// Formats stored microseconds as an RFC 3339 UTC instant.
pub fn fmt_us(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
