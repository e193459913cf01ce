//! The audit log at scale (issue 20, `bench/audit/run.sh`): `N` records spread over ten years of months,
//! written through the writers' own path (each with its MAC), sealed by the sealer, verified end to end, and a
//! customer's audit page read; beside it, raw PostgreSQL in the same run: the same rows in the same batches
//! into one plain table with the same indexes (no MAC, no chain, no partitions), and the same page query.
//!
//! `DATABASE_URL=postgres://… N=10000000 cargo run --release --features test-support --example audit_scale`
//! Prints one JSON line per measurement.

use banyan_app::App;
use banyan_app::audit::Entry;
use banyan_store::ConnectionTrait;
use std::time::Instant;
use uuid::Uuid;

const BATCH: usize = 1000;
const YEAR_US: i64 = 365 * 86_400 * 1_000_000;
const ACTIONS: [&str; 6] = [
    "customer.viewed",
    "customer.updated",
    "customer.revealed",
    "task.completed",
    "interaction.recorded",
    "case.registered",
];

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (the same customers and actions for both sides of the run).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn say(v: serde_json::Value) {
    println!("{v}");
}

/// The `i`-th record: its time (ten years up to now, in order), customer and action.
fn shape(
    i: u64,
    n: u64,
    start: i64,
    customers: &[Uuid],
    rng: &mut Rng,
) -> (i64, Uuid, &'static str) {
    let at = start + ((i as i128 * (10 * YEAR_US) as i128) / n as i128) as i64;
    let c = customers[(rng.next() % customers.len() as u64) as usize];
    (at, c, ACTIONS[(rng.next() % ACTIONS.len() as u64) as usize])
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let n = env("N", 1_000_000);
    let ncust = env("CUSTOMERS", 200_000) as usize;
    let steps = env("STEPS", 10);
    let db = banyan_app::connect(&url, 4).await?;
    let app = App::open(
        db,
        banyan_app::crypto::MasterKey::generate()?,
        banyan_domain::policy::Policy::default_policy(),
        jiff::tz::TimeZone::UTC,
        banyan_app::audit::Anchor::default(),
    )
    .await?;
    let conn = &app.db().conn;
    let now = banyan_store::now_us();
    let start = now - 10 * YEAR_US;
    let t = Instant::now();
    let months = banyan_store::misc::add_months(conn, "audit_log", start, now).await?;
    say(serde_json::json!({"phase": "months", "created": months, "s": t.elapsed().as_secs_f64()}));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let customers: Vec<Uuid> = (0..ncust)
        .map(|_| Uuid::from_u64_pair(rng.next(), rng.next()))
        .collect();

    // Banyan: written batch by batch and sealed every SEAL_EVERY records, as the server's sealer keeps up
    // (a backlog of millions makes each pass skip the sealed entries of the unsealed index until vacuum:
    // not what a running bank sees). Insert and seal are timed apart; each tenth reports its rates, which
    // show whether they fall as the log grows.
    let seal_every = env("SEAL_EVERY", 20_000);
    let per_step = n.div_ceil(steps);
    let mut i = 0;
    let mut draws = Rng(42);
    while i < n {
        let end = (i + per_step).min(n);
        let (mut ins, mut seal, mut sealed, mut pending) = (0.0, 0.0, 0, 0);
        while i < end {
            let b = (end - i).min(BATCH as u64);
            let t = Instant::now();
            // A batch is written at its first record's time (a batch spans hours of the ten years).
            let mut at0 = None;
            let entries: Vec<Entry> = (i..i + b)
                .map(|k| {
                    let (at, c, action) = shape(k, n, start, &customers, &mut draws);
                    at0.get_or_insert(at);
                    Entry {
                        action,
                        entity: "customer",
                        entity_id: Some(c.to_string()),
                        customer_id: Some(c),
                        detail: serde_json::json!({"fields": ["mobile"]}),
                    }
                })
                .collect();
            let at0 = at0.unwrap_or(start);
            banyan_app::audit::record_backdated(&app, at0, entries).await?;
            ins += t.elapsed().as_secs_f64();
            i += b;
            pending += b;
            if pending >= seal_every || i == end {
                let t = Instant::now();
                sealed += banyan_app::audit::seal_pending(&app).await?;
                seal += t.elapsed().as_secs_f64();
                pending = 0;
            }
        }
        say(
            serde_json::json!({"phase": "banyan.step", "records": end, "insert_per_s": per_step as f64 / ins,
            "sealed": sealed, "seal_per_s": sealed as f64 / seal}),
        );
    }

    let auditor =
        banyan_app::actor::Actor::system_as("bench", banyan_domain::access::Role::Auditor);
    let mut r = Rng(7);
    let mut times = Vec::new();
    for _ in 0..1000 {
        let c = customers[(r.next() % customers.len() as u64) as usize];
        let t = Instant::now();
        let page = banyan_app::audit::search(
            &app,
            &auditor,
            banyan_app::audit::AuditQuery {
                customer_id: Some(c),
                ..Default::default()
            },
        )
        .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(page);
    }
    say(
        serde_json::json!({"phase": "banyan.customer_page", "p50_ms": percentile(times.clone(), 0.5),
        "p99_ms": percentile(times, 0.99)}),
    );
    let t = Instant::now();
    let r = banyan_app::audit::verify(&app, &auditor).await?;
    let s = t.elapsed().as_secs_f64();
    say(
        serde_json::json!({"phase": "banyan.verify", "ok": r.ok, "checked": r.checked, "per_s": r.checked as f64 / s}),
    );

    raw(conn, n, start, &customers).await?;
    Ok(())
}

/// Raw PostgreSQL: the same rows, in the same batches, into one plain table with the same indexes.
async fn raw(
    conn: &sea_orm::DatabaseConnection,
    n: u64,
    start: i64,
    customers: &[Uuid],
) -> Result<(), Box<dyn std::error::Error>> {
    let pg = sea_orm::DbBackend::Postgres;
    for sql in [
        "DROP TABLE IF EXISTS raw_audit",
        "CREATE TABLE raw_audit (LIKE audit_log INCLUDING DEFAULTS)",
        "ALTER TABLE raw_audit ADD PRIMARY KEY (id)",
        "CREATE UNIQUE INDEX ON raw_audit (seq)",
        "CREATE INDEX ON raw_audit (customer_id, at_us)",
        "CREATE INDEX ON raw_audit (actor_id, at_us)",
        "CREATE INDEX ON raw_audit (at_us)",
    ] {
        conn.execute_unprepared(sql).await?;
    }
    let mut draws = Rng(42);
    let t = Instant::now();
    let mut i = 0u64;
    while i < n {
        let b = (n - i).min(BATCH as u64);
        let rows: Vec<serde_json::Value> = (i..i + b)
            .map(|k| {
                let (at, c, action) = shape(k, n, start, customers, &mut draws);
                serde_json::json!({"id": Uuid::now_v7(), "seq": k + 1, "at_us": at, "actor": "history",
                    "action": action, "entity": "customer", "entity_id": c.to_string(), "customer_id": c,
                    "detail": "{\"fields\":[\"mobile\"]}", "prev_hash": "0".repeat(64), "hash": "0".repeat(64),
                    "mac": "0".repeat(64)})
            })
            .collect();
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            pg,
            "INSERT INTO raw_audit SELECT * FROM json_populate_recordset(NULL::raw_audit, $1::json)",
            [serde_json::Value::Array(rows).to_string().into()],
        ))
        .await?;
        i += b;
    }
    let s = t.elapsed().as_secs_f64();
    say(serde_json::json!({"phase": "raw.insert", "records": n, "insert_per_s": n as f64 / s}));
    // The same page query on the plain table, and on Banyan's partitioned log without Banyan around it.
    for (phase, table) in [
        ("raw.customer_page", "raw_audit"),
        ("raw.customer_page_partitioned", "audit_log"),
    ] {
        let times = page_sql(conn, table, customers).await?;
        say(
            serde_json::json!({"phase": phase, "p50_ms": percentile(times.clone(), 0.5),
            "p99_ms": percentile(times, 0.99)}),
        );
    }
    Ok(())
}

/// 1,000 customers' newest 51 records and their count up to 10,001, as the page asks them, in milliseconds.
async fn page_sql(
    conn: &sea_orm::DatabaseConnection,
    table: &str,
    customers: &[Uuid],
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let pg = sea_orm::DbBackend::Postgres;
    let mut r = Rng(7);
    let mut times = Vec::new();
    for _ in 0..1000 {
        let c = customers[(r.next() % customers.len() as u64) as usize];
        let t = Instant::now();
        let rows = conn
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                pg,
                format!(
                    "SELECT * FROM {table} WHERE customer_id = $1 ORDER BY at_us DESC, id DESC LIMIT 51"
                ),
                [c.into()],
            ))
            .await?;
        let count = conn
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                pg,
                format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE customer_id = $1 LIMIT 10001) t"
                ),
                [c.into()],
            ))
            .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box((rows, count));
    }
    Ok(times)
}
