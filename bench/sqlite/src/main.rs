//! SQLite's ceiling for CRM-W1 (issue 19: "measure its own ceiling the same way"): the workload's four phases
//! as raw statements on one table shaped like the CSV (the same shape and indexes as bench/pg/schema.sql), on
//! a file opened with Banyan's settings (WAL, full synchronous commits, 1 GiB mmap, 16 MiB cache), from the
//! same number of client threads, each with its own connection. What Banyan adds on top — HTTP,
//! authentication, scope, encryption, blind indexes, search terms, versions, audit — is what the ratio of
//! Banyan on SQLite to this measures.
//!
//!   banyan-sqlite-ceiling --db FILE --csv customers.csv [--n N] [--clients 8] [--duration 20] [--warmup 3]
//!                         [--batch 1000] [--label RUN/rawsqlite] [--results results.jsonl]
//!
//! Each phase appends one JSON line (the same fields as bench/loadgen's: customers_per_s for the load, rps,
//! p50_ms, p99_ms for the others).

use rand::{Rng, SeedableRng};
use rusqlite::{Connection, OpenFlags, params};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

struct Args {
    db: String,
    csv: String,
    n: Option<usize>,
    clients: usize,
    duration: u64,
    warmup: u64,
    batch: usize,
    label: String,
    results: Option<String>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        db: String::new(),
        csv: String::new(),
        n: None,
        clients: 8,
        duration: 20,
        warmup: 3,
        batch: 1000,
        label: "rawsqlite".into(),
        results: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        let num = |s: String| s.parse::<u64>().map_err(|e| format!("{k}: {e}"));
        match k.as_str() {
            "--db" => a.db = v()?,
            "--csv" => a.csv = v()?,
            "--n" => a.n = Some(num(v()?)? as usize),
            "--clients" => a.clients = num(v()?)? as usize,
            "--duration" => a.duration = num(v()?)?,
            "--warmup" => a.warmup = num(v()?)?,
            "--batch" => a.batch = num(v()?)? as usize,
            "--label" => a.label = v()?,
            "--results" => a.results = Some(v()?),
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    if a.db.is_empty() || a.csv.is_empty() {
        return Err("--db and --csv are required".into());
    }
    Ok(a)
}

/// The CSV's columns, in bench/pg/schema.sql's order.
const COLUMNS: [&str; 14] = [
    "cust_no",
    "full_name",
    "gender",
    "birth_date",
    "mobile",
    "email",
    "id_number",
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "address",
    "branch_code",
];

const SCHEMA: &str = "
CREATE TABLE customers (
    cust_no     TEXT PRIMARY KEY,
    full_name   TEXT NOT NULL,
    gender      TEXT NOT NULL,
    birth_date  TEXT NOT NULL,
    mobile      TEXT NOT NULL,
    email       TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    province    TEXT NOT NULL,
    city        TEXT NOT NULL,
    district    TEXT NOT NULL,
    street      TEXT NOT NULL,
    postcode    TEXT NOT NULL,
    address     TEXT NOT NULL,
    branch_code TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX customers_mobile ON customers (mobile);
CREATE UNIQUE INDEX customers_id_number ON customers (id_number);
CREATE INDEX customers_name ON customers (full_name, birth_date);
CREATE INDEX customers_branch ON customers (branch_code, cust_no);
";

/// A connection with Banyan's settings (crates/store/src/db.rs).
fn open(path: &str) -> Res<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{path}: {e}"))?;
    c.busy_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384;",
    )
    .map_err(|e| e.to_string())?;
    Ok(c)
}

fn rows(path: &str, n: Option<usize>) -> Res<Vec<Vec<String>>> {
    let mut rd = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let h = rd.headers().map_err(|e| e.to_string())?.clone();
    let idx: Vec<usize> = COLUMNS
        .iter()
        .map(|c| {
            h.iter()
                .position(|x| x == *c)
                .ok_or_else(|| format!("{path}: no column {c}"))
        })
        .collect::<Res<_>>()?;
    let mut out = Vec::new();
    for rec in rd.records() {
        let r = rec.map_err(|e| e.to_string())?;
        out.push(
            idx.iter()
                .map(|i| r.get(*i).unwrap_or("").to_owned())
                .collect(),
        );
        if n.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    Ok(out)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len() as f64;
    let k = ((p / 100.0 * n + 0.5).round() as i64 - 1).clamp(0, sorted.len() as i64 - 1);
    sorted[k as usize]
}

fn r2(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 100.0).round() / 100.0)
    } else {
        Value::Null
    }
}

/// W1: the rows in batches, one durable commit each (as Banyan commits each batch).
fn load(a: &Args, data: &[Vec<String>]) -> Res<Value> {
    let c = open(&a.db)?;
    c.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
    let sql = format!(
        "INSERT INTO customers ({}) VALUES ({})",
        COLUMNS.join(", "),
        vec!["?"; COLUMNS.len()].join(", ")
    );
    let mut lat = Vec::new();
    let start = Instant::now();
    for batch in data.chunks(a.batch) {
        let t = Instant::now();
        let tx = c.unchecked_transaction().map_err(|e| e.to_string())?;
        {
            let mut st = tx.prepare_cached(&sql).map_err(|e| e.to_string())?;
            for r in batch {
                st.execute(rusqlite::params_from_iter(r.iter()))
                    .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().map_err(|e| e.to_string())?;
        lat.push(t.elapsed().as_secs_f64());
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    Ok(json!({
        "phase": "load",
        "wall_s": (wall * 1000.0).round() / 1000.0,
        "loaded": data.len(),
        "customers_per_s": (data.len() as f64 / wall * 10.0).round() / 10.0,
        "batch": a.batch,
        "batch_p50_ms": r2(pct(&lat, 50.0) * 1e3),
        "batch_p99_ms": r2(pct(&lat, 99.0) * 1e3),
        "errors": 0,
    }))
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Read,
    Search,
    Update,
}

const READ: &str = "SELECT * FROM customers WHERE cust_no = ?1";
/// W3 as bench/pg/search.sql: the first two characters of a random customer's name (one primary-key probe in
/// the same statement), then at most 20 customers whose name starts with them.
const SEARCH: &str =
    "SELECT c.* FROM (SELECT substr(full_name, 1, 2) AS t FROM customers WHERE cust_no = ?1) s
    JOIN customers c ON c.full_name >= s.t AND c.full_name < s.t || char(1114111)
    ORDER BY c.full_name LIMIT 20";
const UPDATE: &str = "UPDATE customers SET mobile = ?1 WHERE cust_no = ?2";

/// W2-W4: `clients` threads, each with its own connection, for the warm-up and then the measured seconds.
fn run(a: &Args, n: usize, phase: Phase, seq: &Arc<AtomicU64>) -> Res<Value> {
    let record = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for t in 0..a.clients {
        let (db, record, stop, seq) = (a.db.clone(), record.clone(), stop.clone(), seq.clone());
        threads.push(std::thread::spawn(
            move || -> Res<(Vec<f64>, usize, u64)> {
                let c = open(&db)?;
                let mut rng = rand::rngs::StdRng::seed_from_u64(20240601 + t as u64);
                let (mut lat, mut hits, mut errors) = (Vec::new(), 0usize, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let k = format!("{:08}", rng.random_range(1..=n));
                    let s = Instant::now();
                    let got = match phase {
                        Phase::Read => c.prepare_cached(READ).and_then(|mut st| {
                            st.query_map(params![k], |_| Ok(())).map(|r| r.count())
                        }),
                        Phase::Search => c.prepare_cached(SEARCH).and_then(|mut st| {
                            st.query_map(params![k], |_| Ok(())).map(|r| r.count())
                        }),
                        Phase::Update => {
                            let mobile = format!("192{:08}", seq.fetch_add(1, Ordering::Relaxed));
                            c.prepare_cached(UPDATE)
                                .and_then(|mut st| st.execute(params![mobile, k]))
                        }
                    };
                    let dt = s.elapsed().as_secs_f64();
                    if record.load(Ordering::Relaxed) {
                        match got {
                            Ok(h) => {
                                lat.push(dt);
                                hits += h;
                            }
                            Err(_) => errors += 1,
                        }
                    }
                }
                Ok((lat, hits, errors))
            },
        ));
    }
    std::thread::sleep(Duration::from_secs(a.warmup));
    record.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(a.duration));
    record.store(false, Ordering::Relaxed);
    let measured = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (mut lat, mut hits, mut errors) = (Vec::new(), 0usize, 0u64);
    for t in threads {
        let (l, h, e) = t
            .join()
            .map_err(|_| "a client thread panicked".to_owned())??;
        lat.extend(l);
        hits += h;
        errors += e;
    }
    lat.sort_by(f64::total_cmp);
    let name = match phase {
        Phase::Read => "read",
        Phase::Search => "search",
        Phase::Update => "update",
    };
    let mut res = json!({
        "phase": name,
        "requests": lat.len(),
        "errors": errors,
        "seconds": r2(measured),
        "rps": (lat.len() as f64 / measured * 10.0).round() / 10.0,
        "p50_ms": r2(pct(&lat, 50.0) * 1e3),
        "p99_ms": r2(pct(&lat, 99.0) * 1e3),
    });
    if phase == Phase::Search && !lat.is_empty() {
        res["mean_hits"] = r2(hits as f64 / lat.len() as f64);
    }
    Ok(res)
}

fn emit(a: &Args, n: usize, mut v: Value) -> Res<()> {
    v["adapter"] = json!("rawsqlite");
    v["tool"] = json!("rusqlite");
    v["label"] = json!(a.label);
    v["n"] = json!(n);
    v["clients"] = json!(if v["phase"] == "load" { 1 } else { a.clients });
    let line = v.to_string();
    println!("{line}");
    if let Some(p) = &a.results {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .map_err(|e| format!("{p}: {e}"))?;
        writeln!(f, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = (|| -> Res<()> {
        let a = args()?;
        let data = rows(&a.csv, a.n)?;
        let n = data.len();
        emit(&a, n, load(&a, &data)?)?;
        drop(data);
        let seq = Arc::new(AtomicU64::new(0));
        for phase in [Phase::Read, Phase::Search, Phase::Update] {
            emit(&a, n, run(&a, n, phase, &seq)?)?;
        }
        Ok(())
    })() {
        eprintln!("banyan-sqlite-ceiling: {e}");
        std::process::exit(1);
    }
}
