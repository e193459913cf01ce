//! CRM-W1 closed-loop load generator for Banyan's JSON API (see /work/shared/bench/WORKLOAD.md).
//!
//! The same four phases as the shared Python driver, from a compiled client so that the client is not the
//! bottleneck. Prints one JSON line per phase (and appends it to `--results`).
//!
//!   banyan-loadgen --base-url http://127.0.0.1:8080 --username bench --password password123456 \
//!       --csv customers.csv --state state.json --phase load|read|search|update
//!
//! `load` writes `--state` (cust_no -> customer id, the same format as driver.py with adapter_banyan);
//! the other phases read it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

#[derive(Debug, Clone)]
struct Args {
    base_url: String,
    username: String,
    password: String,
    csv: String,
    phase: String,
    state: String,
    n: Option<usize>,
    clients: usize,
    batch: usize,
    duration: f64,
    warmup: f64,
    max_seconds: Option<f64>,
    seed: u64,
    run_tag: Option<u64>,
    threads: usize,
    results: Option<String>,
    label: String,
    /// What the search phase types (see `search_term`).
    terms: String,
    /// The mix phase's pace, requests a second over all clients (none: as fast as answered).
    rate: Option<f64>,
}

fn usage() -> ! {
    eprintln!(
        "usage: banyan-loadgen --base-url URL --username U --password P --csv FILE --state FILE \
         --phase load|read|search|update|mix [--rate R] [--n N] [--clients 8] [--batch 100] [--duration 20] \
         [--warmup 3] [--max-seconds S] [--seed 1] [--run-tag 0..99] [--threads 1] \
         [--results FILE] [--label TEXT] \
         [--terms prefix2|middle|pinyin|initials|tail4|mobile]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut m: HashMap<String, String> = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        if k == "-h" || k == "--help" {
            usage();
        }
        let Some(name) = k.strip_prefix("--") else {
            usage()
        };
        let Some(v) = it.next() else { usage() };
        m.insert(name.to_owned(), v);
    }
    let req = |k: &str| -> String {
        m.get(k).cloned().unwrap_or_else(|| {
            eprintln!("missing --{k}");
            usage()
        })
    };
    fn num<T: std::str::FromStr>(m: &HashMap<String, String>, k: &str, d: T) -> T {
        match m.get(k) {
            None => d,
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("--{k}: not a number: {v}");
                usage()
            }),
        }
    }
    let a = Args {
        base_url: req("base-url").trim_end_matches('/').to_owned(),
        username: req("username"),
        password: req("password"),
        csv: req("csv"),
        phase: req("phase"),
        state: req("state"),
        n: m.get("n").map(|v| v.parse().unwrap_or_else(|_| usage())),
        clients: num(&m, "clients", 8usize),
        batch: num(&m, "batch", 100usize),
        duration: num(&m, "duration", 20.0f64),
        warmup: num(&m, "warmup", 3.0f64),
        max_seconds: m
            .get("max-seconds")
            .map(|v| v.parse().unwrap_or_else(|_| usage())),
        seed: num(&m, "seed", 1u64),
        run_tag: m
            .get("run-tag")
            .map(|v| v.parse().unwrap_or_else(|_| usage())),
        threads: num(&m, "threads", 1usize).max(1),
        results: m.get("results").cloned(),
        label: m.get("label").cloned().unwrap_or_default(),
        terms: m.get("terms").cloned().unwrap_or_else(|| "prefix2".into()),
        rate: m.get("rate").map(|v| v.parse().unwrap_or_else(|_| usage())),
    };
    if !TERMS.contains(&a.terms.as_str()) {
        eprintln!("--terms must be one of {}", TERMS.join(", "));
        usage();
    }
    if !matches!(
        a.phase.as_str(),
        "load" | "read" | "search" | "update" | "mix"
    ) {
        eprintln!("--phase must be load, read, search, update or mix");
        usage();
    }
    a
}

const TERMS: [&str; 6] = ["prefix2", "middle", "pinyin", "initials", "tail4", "mobile"];

/// What a person types to find this customer, by kind: the first two characters of the name (CRM-W1's W3),
/// the name without its first character (a substring from the middle), the full pinyin of the name, its
/// initials, the last four digits of the mobile, or the whole mobile.
/// The mix phase's request kind for a draw in 0..100: 60 % reads, 30 % searches, 10 % updates — a
/// workbench's day (pages and look-ups, one save in ten).
fn mix_kind(draw: u32) -> &'static str {
    match draw {
        0..60 => "read",
        60..90 => "search",
        _ => "update",
    }
}

fn op_kind(op: &str) -> &'static str {
    match op {
        "read" => "read",
        "search" => "search",
        _ => "update",
    }
}

fn search_term(kind: &str, r: &Row) -> String {
    use pinyin::ToPinyin;
    let chars: Vec<char> = r.full_name.chars().collect();
    let syllables = || {
        r.full_name
            .as_str()
            .to_pinyin()
            .flatten()
            .map(|p| p.plain())
            .collect::<Vec<_>>()
    };
    match kind {
        "middle" => chars.iter().skip(1).collect(),
        "pinyin" => syllables().concat(),
        "initials" => syllables()
            .iter()
            .filter_map(|s| s.chars().next())
            .collect(),
        "tail4" => r.mobile[r.mobile.len().saturating_sub(4)..].to_owned(),
        "mobile" => r.mobile.clone(),
        _ => chars.iter().take(2).collect(),
    }
}

/// One workload row (only the columns Banyan stores and the driver needs).
#[derive(Debug, Clone)]
struct Row {
    cust_no: String,
    full_name: String,
    gender: String,
    birth_date: String,
    mobile: String,
    email: String,
    id_number: String,
    address: String,
    branch_code: String,
}

fn load_rows(path: &str, n: Option<usize>) -> Res<Vec<Row>> {
    let mut rd = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
    let h = rd.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| -> Res<usize> {
        h.iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("{path}: no column {name}"))
    };
    let idx = [
        col("cust_no")?,
        col("full_name")?,
        col("gender")?,
        col("birth_date")?,
        col("mobile")?,
        col("email")?,
        col("id_number")?,
        col("address")?,
        col("branch_code")?,
    ];
    let mut out = Vec::new();
    for rec in rd.records() {
        let r = rec.map_err(|e| e.to_string())?;
        let g = |i: usize| r.get(idx[i]).unwrap_or("").to_owned();
        out.push(Row {
            cust_no: g(0),
            full_name: g(1),
            gender: g(2),
            birth_date: g(3),
            mobile: g(4),
            email: g(5),
            id_number: g(6),
            address: g(7),
            branch_code: g(8),
        });
        if n.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    Ok(out)
}

/// The CustomerInput of a CSV row (the same mapping as adapter_banyan.py).
fn customer_input(r: &Row) -> Value {
    json!({
        "kind": "individual",
        "branch_code": r.branch_code,
        "individual": {
            "name_zh": r.full_name,
            "gender": if r.gender == "M" { "male" } else { "female" },
            "birth_date": r.birth_date,
            "id_type": "resident_id",
            "id_number": r.id_number,
        },
        "contacts": [
            {"kind": "mobile", "value": r.mobile},
            {"kind": "email", "value": r.email},
            {"kind": "address", "value": r.address},
        ],
    })
}

/// The same percentile rule as driver.py.
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

struct Api {
    http: reqwest::Client,
    base: String,
    auth: String,
}

async fn body_json(resp: reqwest::Response, what: &str) -> Res<Value> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("{what}: reading body: {e}"))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!(
            "{what}: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{what}: bad JSON: {e}"))
}

impl Api {
    async fn login(a: &Args) -> Res<Api> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(a.clients * 2)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = http
            .post(format!("{}/api/v1/auth/login", a.base_url))
            .json(&json!({"username": a.username, "password": a.password}))
            .send()
            .await
            .map_err(|e| format!("login: {e}"))?;
        let v = body_json(resp, "login").await?;
        let token = v["token"].as_str().ok_or("login: no token")?;
        Ok(Api {
            http,
            base: format!("{}/api/v1", a.base_url),
            auth: format!("Bearer {token}"),
        })
    }

    /// W1: one batch; the ids in row order. Any rejected item fails the batch (like the adapter).
    async fn create_batch(&self, rows: &[Row]) -> Res<(Vec<Option<String>>, usize)> {
        let body = json!({"customers": rows.iter().map(customer_input).collect::<Vec<_>>()});
        let resp = self
            .http
            .post(format!("{}/customers/batch", self.base))
            .header("authorization", &self.auth)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("batch: {e}"))?;
        let v = body_json(resp, "batch").await?;
        let items = v["items"].as_array().ok_or("batch: no items")?;
        let mut ids = vec![None; rows.len()];
        let mut rejected = 0;
        for it in items {
            let i = it["index"].as_u64().unwrap_or(u64::MAX) as usize;
            match (it["id"].as_str(), it["error"].is_null()) {
                (Some(id), true) if i < ids.len() => ids[i] = Some(id.to_owned()),
                _ => rejected += 1,
            }
        }
        Ok((ids, rejected))
    }

    async fn get(&self, id: &str) -> Res<Value> {
        let resp = self
            .http
            .get(format!("{}/customers/{id}", self.base))
            .header("authorization", &self.auth)
            .send()
            .await
            .map_err(|e| format!("get: {e}"))?;
        body_json(resp, "get").await
    }

    async fn search(&self, term: &str) -> Res<usize> {
        let mut url =
            reqwest::Url::parse(&format!("{}/customers", self.base)).map_err(|e| e.to_string())?;
        url.query_pairs_mut()
            .append_pair("q", term)
            .append_pair("limit", "20");
        let resp = self
            .http
            .get(url)
            .header("authorization", &self.auth)
            .send()
            .await
            .map_err(|e| format!("search: {e}"))?;
        let v = body_json(resp, "search").await?;
        Ok(v["items"].as_array().map(|a| a.len()).unwrap_or(0))
    }

    /// W4: GET for the mobile contact's id and the version, then PATCH with If-Match; on 409 once more.
    async fn update_mobile(&self, id: &str, mobile: &str) -> Res<()> {
        for attempt in 0..2 {
            let v = self.get(id).await?;
            let version = v["version"].as_i64().ok_or("update: no version")?;
            let cid = v["contacts"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["kind"] == "mobile"))
                .and_then(|c| c["id"].as_str())
                .ok_or("update: no mobile contact")?
                .to_owned();
            let resp = self
                .http
                .patch(format!("{}/customers/{id}/contacts/{cid}", self.base))
                .header("authorization", &self.auth)
                .header("if-match", format!("\"{version}\""))
                .json(&json!({"value": mobile}))
                .send()
                .await
                .map_err(|e| format!("patch: {e}"))?;
            if resp.status() == reqwest::StatusCode::CONFLICT && attempt == 0 {
                let _ = resp.bytes().await;
                continue;
            }
            body_json(resp, "patch").await?;
            return Ok(());
        }
        Err("update: 409 twice".into())
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// UTC now as `YYYY-MM-DDTHH:MM:SS+0000` (no date crate needed).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn phase_load(a: &Args, api: Arc<Api>, rows: Arc<Vec<Row>>) -> Res<Value> {
    let batches: Vec<(usize, usize)> = (0..rows.len())
        .step_by(a.batch)
        .map(|s| (s, (s + a.batch).min(rows.len())))
        .collect();
    let batches = Arc::new(batches);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.clients {
        let (api, rows, batches, next) = (api.clone(), rows.clone(), batches.clone(), next.clone());
        let cap = a.max_seconds;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut got: Vec<(usize, Vec<Option<String>>)> = Vec::new();
            let (mut errors, mut rejected) = (0usize, 0usize);
            loop {
                if cap.is_some_and(|c| start.elapsed().as_secs_f64() > c) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(s, e)) = batches.get(i) else { break };
                let t0 = Instant::now();
                match api.create_batch(&rows[s..e]).await {
                    Ok((ids, rej)) => {
                        lat.push(t0.elapsed().as_secs_f64());
                        rejected += rej;
                        if rej > 0 {
                            errors += 1;
                            if errors <= 5 {
                                eprintln!("load: batch {i}: {rej} rejected items");
                            }
                        }
                        got.push((s, ids));
                    }
                    Err(e) => {
                        errors += 1;
                        if errors <= 5 {
                            eprintln!("load error batch {i}: {}", &e[..e.len().min(500)]);
                        }
                    }
                }
            }
            (lat, got, errors, rejected)
        }));
    }
    let mut lat = Vec::new();
    let mut map = serde_json::Map::new();
    let (mut errors, mut rejected) = (0, 0);
    for t in tasks {
        let (l, got, e, r) = t.await.map_err(|e| e.to_string())?;
        lat.extend(l);
        errors += e;
        rejected += r;
        for (s, ids) in got {
            for (k, id) in ids.into_iter().enumerate() {
                if let Some(id) = id {
                    map.insert(rows[s + k].cust_no.clone(), Value::String(id));
                }
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let loaded = map.len();
    std::fs::write(&a.state, Value::Object(map).to_string())
        .map_err(|e| format!("{}: {e}", a.state))?;
    let mut res = json!({
        "wall_s": (wall * 1000.0).round() / 1000.0,
        "loaded": loaded,
        "customers_per_s": (loaded as f64 / wall * 10.0).round() / 10.0,
        "batch": a.batch,
        "batch_p50_ms": r2(pct(&lat, 50.0) * 1e3),
        "batch_p99_ms": r2(pct(&lat, 99.0) * 1e3),
        "errors": errors,
        "rejected_items": rejected,
        "post_load_untimed_s": 0.0,
    });
    if loaded < rows.len() {
        res["capped_at_s"] = json!(a.max_seconds);
    }
    Ok(res)
}

async fn phase_timed(a: &Args, api: Arc<Api>, rows: Arc<Vec<Row>>) -> Res<Value> {
    let text = std::fs::read_to_string(&a.state).map_err(|e| format!("{}: {e}", a.state))?;
    let handles: HashMap<String, String> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", a.state))?;
    // Keys in CSV order (as driver.py), each with its id and search term.
    let mut keys: Vec<(String, String)> = Vec::new(); // (id, term)
    for r in rows.iter() {
        if let Some(id) = handles.get(&r.cust_no) {
            let term = search_term(&a.terms, r);
            if !term.is_empty() {
                keys.push((id.clone(), term));
            }
        }
    }
    if keys.is_empty() {
        return Err("no loaded customers in --state".into());
    }
    let keys = Arc::new(keys);
    let record = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let run_tag = a.run_tag.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() % 100)
            .unwrap_or(0)
    }) % 100;
    let mut tasks = Vec::new();
    for w in 0..a.clients {
        let (api, keys, record, stop) = (api.clone(), keys.clone(), record.clone(), stop.clone());
        let op = a.phase.clone();
        let (pace, clients) = (a.rate, a.clients);
        let seed = a.seed * 1000 + w as u64;
        tasks.push(tokio::spawn(async move {
            let mut rnd = StdRng::seed_from_u64(seed);
            let mut counter: u64 = 0;
            let mut lat: Vec<(&'static str, f64)> = Vec::new();
            let mut hits: Vec<usize> = Vec::new();
            let mut errors = 0usize;
            // Paced: this client's requests are due every `gap`, staggered across clients; a request's
            // time counts from when it was due, so a slow answer that delays the next is not hidden
            // (coordinated omission).
            let gap = pace.map(|r| Duration::from_secs_f64(clients as f64 / r));
            let mut due = Instant::now()
                + gap
                    .map(|g| g.mul_f64(w as f64 / clients as f64))
                    .unwrap_or_default();
            while !stop.load(Ordering::Relaxed) {
                let (id, term) = &keys[rnd.random_range(0..keys.len())];
                let kind = if op == "mix" {
                    mix_kind(rnd.random_range(0..100))
                } else {
                    op_kind(&op)
                };
                let t0 = match gap {
                    Some(g) => {
                        tokio::time::sleep_until(due.into()).await;
                        let at = due;
                        due += g;
                        at
                    }
                    None => Instant::now(),
                };
                let r: Res<usize> = match kind {
                    "read" => api.get(id).await.map(|_| 1),
                    "search" => api.search(term).await,
                    _ => {
                        counter += 1;
                        let mobile = format!("192{:02}{}{:05}", run_tag, w % 10, counter % 100_000);
                        api.update_mobile(id, &mobile).await.map(|_| 1)
                    }
                };
                let dt = t0.elapsed().as_secs_f64();
                if record.load(Ordering::Relaxed) {
                    match r {
                        Ok(h) => {
                            lat.push((kind, dt));
                            if kind == "search" {
                                hits.push(h);
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            if errors <= 5 {
                                eprintln!("{kind} error: {}", &e[..e.len().min(500)]);
                            }
                        }
                    }
                }
            }
            (lat, hits, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
    record.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.duration)).await;
    stop.store(true, Ordering::Relaxed);
    let measured = t0.elapsed().as_secs_f64();
    record.store(false, Ordering::Relaxed);
    let (mut all, mut hits, mut errors) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        let (l, h, e) = t.await.map_err(|e| e.to_string())?;
        all.extend(l);
        hits.extend(h);
        errors += e;
    }
    let mut lat: Vec<f64> = all.iter().map(|(_, d)| *d).collect();
    lat.sort_by(f64::total_cmp);
    let mean = if lat.is_empty() {
        f64::NAN
    } else {
        lat.iter().sum::<f64>() / lat.len() as f64
    };
    let mut res = json!({
        "requests": lat.len(),
        "errors": errors,
        "seconds": r2(measured),
        "rps": (lat.len() as f64 / measured * 10.0).round() / 10.0,
        "p50_ms": r2(pct(&lat, 50.0) * 1e3),
        "p99_ms": r2(pct(&lat, 99.0) * 1e3),
        "mean_ms": r2(mean * 1e3),
    });
    if a.phase == "search" && !hits.is_empty() {
        res["mean_hits"] = r2(hits.iter().sum::<usize>() as f64 / hits.len() as f64);
    }
    if a.phase == "update" {
        res["requests_per_update"] = json!("GET + PATCH");
    }
    if a.phase == "mix" {
        // Each kind's own share and times (an update is a GET and a PATCH, timed together).
        for kind in ["read", "search", "update"] {
            let mut l: Vec<f64> = all
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, d)| *d)
                .collect();
            l.sort_by(f64::total_cmp);
            res[kind] = json!({
                "requests": l.len(),
                "p50_ms": r2(pct(&l, 50.0) * 1e3),
                "p99_ms": r2(pct(&l, 99.0) * 1e3),
            });
        }
        res["mix"] = json!("60 % read, 30 % search, 10 % update");
        if let Some(r) = a.rate {
            res["paced_rps"] = json!(r);
        }
    }
    Ok(res)
}

async fn run(a: Args) -> Res<()> {
    let rows = Arc::new(load_rows(&a.csv, a.n)?);
    let api = Arc::new(Api::login(&a).await?);
    let mut out = json!({
        "adapter": "banyan",
        "tool": "loadgen",
        "phase": if a.phase == "search" && a.terms != "prefix2" {
            format!("search:{}", a.terms)
        } else if let (Some(r), "mix") = (a.rate, a.phase.as_str()) {
            format!("mix@{r}")
        } else {
            a.phase.clone()
        },
        "n": rows.len(),
        "clients": a.clients,
        "host": hostname(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "started": utc_now(),
        "label": a.label,
        "client_threads": a.threads,
    });
    let res = if a.phase == "load" {
        phase_load(&a, api, rows).await?
    } else {
        phase_timed(&a, api, rows).await?
    };
    if let (Some(o), Value::Object(r)) = (out.as_object_mut(), res) {
        o.extend(r);
    }
    let line = out.to_string();
    println!("{line}");
    if let Some(p) = &a.results {
        use std::io::Write;
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
    let a = parse_args();
    let rt = if a.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(a.threads)
            .enable_all()
            .build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1)
        }
    };
    if let Err(e) = rt.block_on(run(a)) {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}
