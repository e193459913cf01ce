//! Crash safety of creating requests: the real server process is killed with SIGKILL while requests with
//! Idempotency-Keys are in flight, restarted, and every key is retried until it is answered. Each key must
//! end with exactly one customer (no duplicates), and every answer given before a crash must still hold
//! afterwards (no lost acknowledged write): a retry answers the same customer.

use crate::{Env, count, ok, resident_id};
use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Kill cycles per database (the issue asks for at least 20).
const CYCLES: usize = 20;
/// New keys sent in each cycle, all at once.
const PER_CYCLE: usize = 6;
pub(crate) const PASSWORD: &str = "a-long-password";

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Server {
    pub(crate) fn start(e: &Env) -> Server {
        Server::start_with(e, &[])
    }

    /// A server with settings of its own besides the test's (`BANYAN_*` variables).
    pub(crate) fn start_with(e: &Env, settings: &[(&str, &str)]) -> Server {
        Server::spawn(e, settings, Stdio::null())
    }

    /// [`Server::start_with`], its log written to `log` (for a test that reads what the jobs said).
    pub(crate) fn start_logged(
        e: &Env,
        settings: &[(&str, &str)],
        log: &std::path::Path,
    ) -> Server {
        let f = std::fs::File::create(log).unwrap();
        Server::spawn(e, settings, Stdio::from(f))
    }

    fn spawn(e: &Env, settings: &[(&str, &str)], stderr: Stdio) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = e
            .cmd(&["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("BANYAN_NIGHTLY_EVALUATION", "")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGKILL: no shutdown hook runs, in-flight transactions are cut off.
    pub(crate) fn kill(self) {
        drop(self);
    }
}

/// A server is killed when its test lets go of it, also when the test fails part way (a failed test had
/// left its servers running, sealing and polling beside later runs).
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn ready(http: &reqwest::Client, s: &Server) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{}/readyz", s.base)).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn login(http: &reqwest::Client, s: &Server) -> String {
    login_as(http, s, "rm1").await
}

pub(crate) async fn login_as(http: &reqwest::Client, s: &Server, username: &str) -> String {
    let r = http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "login: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

pub(crate) fn body(n: usize) -> serde_json::Value {
    banyan_testkit::fixtures::individual(
        "测试",
        &resident_id("19800101", n as u32),
        &format!("139{n:08}"),
    )
}

/// Sends key `n`; the created customer's id if the server answered 201 (a first answer or a replay), none
/// if the connection was cut by the kill.
async fn send(http: &reqwest::Client, base: &str, token: &str, n: usize) -> Option<String> {
    let r = http
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(token)
        .header("idempotency-key", format!("crash-{n}"))
        .json(&body(n))
        .send()
        .await
        .ok()?;
    if r.status() != reqwest::StatusCode::CREATED {
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        // A crash may leave nothing to replay yet: the retry writes. Anything else is a defect.
        panic!("key crash-{n}: {status} {text}");
    }
    let v: serde_json::Value = r.json().await.ok()?;
    v["id"].as_str().map(str::to_owned)
}

/// Adds `rm1` (with [`PASSWORD`]) and makes the runtime the HTTP client runs on.
pub(crate) fn rm_and_runtime(e: &Env) -> tokio::runtime::Runtime {
    staff_and_runtime(e, "rm1", "relationship_manager")
}

/// Adds a staff member of `role` in branch BR0001 (with [`PASSWORD`]) and makes the runtime.
pub(crate) fn staff_and_runtime(e: &Env, username: &str, role: &str) -> tokio::runtime::Runtime {
    ok(&e.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            username,
            "--role",
            role,
            "--branch",
            "BR0001",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    ));
    // The workspace's reqwest brings no TLS provider of its own; the app installs the one it ships.
    banyan_app::notify::install_tls_provider();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn killed_servers_never_duplicate_or_lose_an_acknowledged_create(e: &Env) {
    let rt = rm_and_runtime(e);
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        // What the server acknowledged for each key.
        let mut acked: BTreeMap<usize, String> = BTreeMap::new();
        let mut sent = 0;
        // Requests the kill cut off (no answer): the retries that prove nothing was half-done.
        let mut cut = 0;
        for cycle in 0..CYCLES {
            let s = Server::start(e);
            ready(&http, &s).await;
            let token = login(&http, &s).await;
            // New keys, plus a retry of every key not acknowledged yet, all at once; the kill lands while
            // some are in flight (a different moment each cycle).
            let keys: Vec<usize> = (0..sent + PER_CYCLE)
                .filter(|k| *k >= sent || !acked.contains_key(k))
                .collect();
            sent += PER_CYCLE;
            let mut tasks = Vec::new();
            for n in keys {
                let (http, base, token) = (http.clone(), s.base.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    (n, send(&http, &base, &token, n).await)
                }));
            }
            // From 10 ms (nearly everything in flight) to 580 ms (most answered), a different moment each time.
            tokio::time::sleep(Duration::from_millis(10 + (cycle as u64 * 97) % 571)).await;
            s.kill();
            for t in tasks {
                let (n, id) = t.await.unwrap();
                match id {
                    Some(id) => {
                        if let Some(before) = acked.get(&n) {
                            assert_eq!(before, &id, "key crash-{n} answered two customers");
                        }
                        acked.insert(n, id);
                    }
                    None => cut += 1,
                }
            }
        }
        // After the last crash: every key, acknowledged or not, answers, and with its first answer.
        let s = Server::start(e);
        ready(&http, &s).await;
        let token = login(&http, &s).await;
        for n in 0..sent {
            let id = send(&http, &s.base, &token, n).await.expect("an answer");
            if let Some(before) = acked.get(&n) {
                assert_eq!(
                    before, &id,
                    "key crash-{n}: an acknowledged create was lost"
                );
            }
        }
        s.kill();
        eprintln!(
            "{CYCLES} kills: {} of {sent} keys answered before a kill, {cut} requests cut off",
            acked.len()
        );
        assert!(
            !acked.is_empty(),
            "no request was ever answered before a kill"
        );
        assert!(cut > 0, "no kill ever cut a request off");
    });
    // One customer per key: nothing written twice.
    assert_eq!(count(&e.url(), "customers"), (CYCLES * PER_CYCLE) as i64);
}
