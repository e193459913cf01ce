//! Several nodes on one database: three `banyan serve` processes share it as a load balancer would spread
//! requests over them. A token signed in on one works on the others and its sign-out holds on all of them
//! at once; one Idempotency-Key sent to all three at once makes one customer and one answer; two updates
//! of one version through two nodes make one change and one conflict; the audit sealer's lease is held by
//! one node, and when that node is killed another takes it within the lease's 30 s and seals what the
//! others wrote: the chain verifies with nothing left unsealed.

use crate::crash::{Server, body, login, ready, rm_and_runtime};
use crate::{Env, ok, one_text};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const NODES: usize = 3;

/// The audit sealer's lease holder (`<pid>-<uuid>`), if any.
fn seal_holder(url: &str) -> Option<String> {
    one_text(
        url,
        "SELECT holder FROM leases WHERE name = 'audit-sealer'".to_owned(),
    )
}

fn unsealed(url: &str) -> i64 {
    one_text(
        url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE seq IS NULL \
         AND id NOT IN (SELECT id FROM audit_quarantine)"
            .to_owned(),
    )
    .and_then(|t| t.parse().ok())
    .unwrap_or(-1)
}

async fn create(
    http: &reqwest::Client,
    s: &Server,
    token: &str,
    key: &str,
    n: usize,
) -> (StatusCode, serde_json::Value) {
    let r = http
        .post(format!("{}/api/v1/customers", s.base))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body(n))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

async fn status_of(http: &reqwest::Client, s: &Server, token: &str) -> StatusCode {
    http.get(format!("{}/api/v1/customers?limit=1", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

pub(crate) fn three_nodes_share_one_database(e: &Env) {
    let rt = rm_and_runtime(e);
    let url = e.url();
    let mut nodes: Vec<Server> = (0..NODES).map(|_| Server::start(e)).collect();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        for s in &nodes {
            ready(&http, s).await;
        }
        // A token from one node works on every node; a sign-out on one holds on the others at once.
        let token = login(&http, &nodes[0]).await;
        for s in &nodes {
            assert_eq!(status_of(&http, s, &token).await, StatusCode::OK);
        }
        let spare = login(&http, &nodes[1]).await;
        let r = http
            .post(format!("{}/api/v1/auth/logout", nodes[1].base))
            .bearer_auth(&spare)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "logout: {}", r.status());
        for s in &nodes {
            assert_eq!(
                status_of(&http, s, &spare).await,
                StatusCode::UNAUTHORIZED,
                "a signed-out token still worked on {}",
                s.base
            );
        }

        // Creates spread over the nodes, and each of five keys sent to all three nodes at once.
        for n in 0..12 {
            let (st, _) = create(&http, &nodes[n % NODES], &token, &format!("rr-{n}"), n).await;
            assert_eq!(st, StatusCode::CREATED);
        }
        for k in 0..5 {
            let n = 100 + k;
            let key = format!("same-{k}");
            let (a, b, c) = tokio::join!(
                create(&http, &nodes[0], &token, &key, n),
                create(&http, &nodes[1], &token, &key, n),
                create(&http, &nodes[2], &token, &key, n),
            );
            let answers = [a, b, c];
            let ids: Vec<&str> = answers
                .iter()
                .filter(|(st, _)| *st == StatusCode::CREATED)
                .map(|(_, v)| v["id"].as_str().unwrap())
                .collect();
            assert!(!ids.is_empty(), "key {key}: {answers:?}");
            assert!(
                ids.iter().all(|id| *id == ids[0]),
                "key {key} answered differently by two nodes: {answers:?}"
            );
            for (st, v) in &answers {
                // A request still running on another node is said as such, never answered otherwise.
                assert!(
                    *st == StatusCode::CREATED || *st == StatusCode::CONFLICT,
                    "key {key}: {st} {v}"
                );
            }
        }
        let r = http
            .get(format!("{}/api/v1/customers?limit=1", nodes[2].base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["total"]["count"], 17, "one customer per key: {v}");

        // One version updated through two nodes at once: one change, one conflict.
        let (_, c) = create(&http, &nodes[0], &token, "race", 200).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let patch = |s: &Server, job: &'static str| {
            http.patch(format!("{}/api/v1/customers/{id}", s.base))
                .bearer_auth(&token)
                .header("if-match", "\"1\"")
                .json(&serde_json::json!({"individual": {"occupation": job}}))
                .send()
        };
        let (a, b) = tokio::join!(patch(&nodes[1], "医生"), patch(&nodes[2], "律师"));
        let mut st = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        st.sort();
        assert_eq!(st, [200, 409]);
    });

    // The sealer's lease: one holder; killed, another node takes it within the lease and seals on.
    let deadline = Instant::now() + Duration::from_secs(20);
    while unsealed(&url) != 0 {
        assert!(Instant::now() < deadline, "the sealer did not keep up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let holder = seal_holder(&url).expect("a sealer's lease");
    let pid = holder.split('-').next().unwrap().to_owned();
    let at = nodes
        .iter()
        .position(|s| s.child.id().to_string() == pid)
        .expect("the lease holder is one of the nodes");
    nodes.remove(at).kill();
    let killed = Instant::now();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token = login(&http, &nodes[0]).await;
        for n in 0..4 {
            let (st, _) =
                create(&http, &nodes[n % 2], &token, &format!("after-{n}"), 300 + n).await;
            assert_eq!(st, StatusCode::CREATED);
        }
    });
    let deadline = killed + Duration::from_secs(45);
    loop {
        let now_holder = seal_holder(&url);
        if unsealed(&url) == 0 && now_holder.as_deref() != Some(holder.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the lease did not move within 45 s of the kill (holder {now_holder:?}, {} unsealed)",
            unsealed(&url)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let moved_in = killed.elapsed();
    let new_holder = seal_holder(&url).unwrap();
    assert!(
        nodes
            .iter()
            .any(|s| new_holder.starts_with(&format!("{}-", s.child.id()))),
        "{new_holder}"
    );
    eprintln!(
        "three nodes: the sealer's lease moved {:.1} s after its holder was killed",
        moved_in.as_secs_f64()
    );
    for s in nodes {
        s.kill();
    }
    let said = ok(&e.run(&["audit", "verify"]));
    assert!(said.contains("unsealed: 0"), "{said}");
    assert!(said.contains("audit chain OK"), "{said}");
}

/// Nodes of a new release started together: each migrates, one at a time, and all of them start.
pub(crate) fn nodes_started_together_migrate_once_and_all_start(e: &Env) {
    let children: Vec<_> = (0..3)
        .map(|_| {
            e.cmd(&["migrate"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let said: Vec<String> = children
        .into_iter()
        .map(|c| ok(&c.wait_with_output().unwrap()))
        .collect();
    let version = said[0].clone();
    assert!(version.contains("schema version"), "{version}");
    assert!(said.iter().all(|s| *s == version), "{said:?}");
    // One set of data keys, which every node loaded (two would leave each node unable to read the other's).
    assert_eq!(crate::count(&e.url(), "data_keys"), 2);
}

/// The gateway the nodes send SMS to: every request's idempotency key (the message's id), in order.
async fn gateway() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let got: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let state = got.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let state = state.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                state.lock().unwrap().push(key);
                axum::http::StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

/// A fixed-offset zone where it is about noon now: marketing waits out quiet hours (21:00–08:00), and the
/// test must not depend on when it runs.
fn noon_zone() -> String {
    let hour = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour();
    let east = 12 - i32::from(hour);
    // POSIX-style names: Etc/GMT-8 is eight hours east of UTC.
    match east {
        0 => "Etc/GMT".to_owned(),
        e if e > 0 => format!("Etc/GMT-{e}"),
        e => format!("Etc/GMT+{}", -e),
    }
}

fn add_user(e: &Env, username: &str, role: &str) {
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
        &format!("{}\n", crate::crash::PASSWORD),
    ));
}

async fn post(
    http: &reqwest::Client,
    s: &Server,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let r = http
        .post(format!("{}{path}", s.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{path}: {status} answered {text:?}, not JSON: {e}"));
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

/// The minute (`HH:MM` in `zone`) that begins at least a minute from now: when the nodes' nightly job runs.
fn next_minute(zone: &str) -> (String, Instant) {
    let tz = jiff::tz::TimeZone::get(zone).unwrap();
    let now = jiff::Timestamp::now().to_zoned(tz);
    let at =
        (now.timestamp() + jiff::SignedDuration::from_secs(60)).to_zoned(now.time_zone().clone());
    let secs_left = 60 - u64::from(at.second().unsigned_abs());
    let runs = Instant::now() + Duration::from_secs(60 + secs_left);
    let next = (at.timestamp() + jiff::SignedDuration::from_secs(secs_left as i64))
        .to_zoned(now.time_zone().clone());
    (format!("{:02}:{:02}", next.hour(), next.minute()), runs)
}

/// How many of the nodes' logs say `what`, in all.
fn said_by_nodes(logs: &[std::path::PathBuf], what: &str) -> usize {
    logs.iter()
        .map(|l| {
            // Each node writes its log from its start: a missing file is a broken test, said so.
            std::fs::read_to_string(l)
                .unwrap_or_else(|e| panic!("{}: {e}", l.display()))
                .matches(what)
                .count()
        })
        .sum()
}

/// The background work three nodes share: an import posted to one is followed on another and creates
/// each row once; two campaigns scheduled through two nodes are queued once each (lease
/// `notify.campaigns`) and every message is delivered once although all three dispatchers run; a case
/// past its deadline is escalated once though every node's escalator ticks; the nightly job, due on all
/// three at the same minute, evaluates and plans on one while the others say another node has; the chain
/// seals what all of them wrote.
pub(crate) fn three_nodes_share_the_background_work(e: &Env) {
    let rt = rm_and_runtime(e);
    add_user(e, "rev1", "reviewer");
    add_user(e, "ops1", "operations");
    let (gateway_url, got) = rt.block_on(gateway());
    let zone = noon_zone();
    let (nightly_at, nightly_runs) = next_minute(&zone);
    let settings = [
        ("BANYAN_GATEWAY_URL", gateway_url.as_str()),
        ("BANYAN_GATEWAY_SECRET", "gateway-secret-for-tests"),
        ("BANYAN_TIME_ZONE", zone.as_str()),
        ("BANYAN_NIGHTLY_EVALUATION", nightly_at.as_str()),
        ("BANYAN_LOG_LEVEL", "info"),
    ];
    let logs: Vec<std::path::PathBuf> = (0..NODES)
        .map(|n| e.dir.path().join(format!("node-{n}.log")))
        .collect();
    let nodes: Vec<Server> = logs
        .iter()
        .map(|log| Server::start_logged(e, &settings, log))
        .collect();
    let url = e.url();
    let mut first = String::new();
    let mut case_no = String::new();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        for s in &nodes {
            ready(&http, s).await;
        }
        let rm = login(&http, &nodes[0]).await;
        let rev = crate::crash::login_as(&http, &nodes[1], "rev1").await;
        let ops = crate::crash::login_as(&http, &nodes[2], "ops1").await;
        // Six verified customers, each made on one node, submitted on the next and verified on the third.
        for n in 0..6 {
            let (st, c) = create(&http, &nodes[n % NODES], &rm, &format!("mn-{n}"), 400 + n).await;
            assert_eq!(st, StatusCode::CREATED, "{c}");
            let id = c["id"].as_str().unwrap();
            if n == 0 {
                first = id.to_owned();
            }
            let submit = format!("/api/v1/customers/{id}/submit");
            post(
                &http,
                &nodes[(n + 1) % NODES],
                &rm,
                &submit,
                serde_json::json!({}),
            )
            .await;
            let verify = format!("/api/v1/customers/{id}/verify");
            post(
                &http,
                &nodes[(n + 2) % NODES],
                &rev,
                &verify,
                serde_json::json!({}),
            )
            .await;
        }
        // An import posted to one node, followed on another: each row once.
        let mut csv = String::from("full_name,gender,mobile,email,id_number,address,branch_code\n");
        for n in 0..10u32 {
            csv.push_str(&format!(
                "导入{n},M,1370000{n:04},,{},北京市朝阳区建国路{n}号,BR0001\n",
                crate::resident_id("19850101", 501 + 2 * n)
            ));
        }
        let r = http
            .post(format!("{}/api/v1/customers/import", nodes[2].base))
            .bearer_auth(&ops)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        let job: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("import: {status} answered {text:?}, not JSON: {e}"));
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        let job_id = job["id"].as_str().unwrap().to_owned();
        let deadline = Instant::now() + Duration::from_secs(60);
        let done = loop {
            let j: serde_json::Value = http
                .get(format!("{}/api/v1/imports/{job_id}", nodes[0].base))
                .bearer_auth(&ops)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if j["status"] != "running" {
                break j;
            }
            assert!(Instant::now() < deadline, "the import never ended: {j}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(done["status"], "done", "{done}");
        assert_eq!(done["created"], 10, "{done}");

        // A complaint received 30 hours ago: past its 24-hour deadline on arrival.
        let received = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30)).to_string();
        let case = post(
            &http,
            &nodes[1],
            &rm,
            "/api/v1/cases",
            serde_json::json!({"kind": "complaint", "channel": "branch", "product": "deposits",
                "cause": "waiting_time", "severity": "high", "customer": first,
                "subject": "排队超过一小时", "content": "客户反映在网点排队超过一小时。",
                "received_at": received}),
        )
        .await;
        case_no = case["case_no"].as_str().unwrap().to_owned();

        // Two campaigns, scheduled through two nodes for a moment from now.
        let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2)).to_string();
        for (k, s) in [("mn-a", &nodes[0]), ("mn-b", &nodes[1])] {
            let c = post(
                &http,
                s,
                &rm,
                "/api/v1/campaigns",
                serde_json::json!({"key": k, "channel": "sms", "send_at": soon,
                    "body": {"zh-CN": "{name}您好，理财讲座本周六举行。"}}),
            )
            .await;
            assert_eq!(c["state"], "scheduled", "{c}");
        }
    });
    // The campaign job runs every 30 s on each node and the dispatchers every 5 s: wait for every
    // message, then one more round of every dispatcher, and count what the gateway got.
    let deadline = Instant::now() + Duration::from_secs(120);
    while got.lock().unwrap().len() < 12 {
        assert!(
            Instant::now() < deadline,
            "the gateway got {} of 12 messages",
            got.lock().unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(7));
    let sent = got.lock().unwrap().clone();
    let distinct: std::collections::BTreeSet<&String> = sent.iter().collect();
    assert_eq!(sent.len(), 12, "a message was delivered twice: {sent:?}");
    assert_eq!(distinct.len(), 12);
    let queued = one_text(
        &url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM messages WHERE cause LIKE 'campaign:mn-%' AND status = 'sent'"
            .to_owned(),
    );
    assert_eq!(
        queued.as_deref(),
        Some("12"),
        "each campaign queued once per customer"
    );
    let customers = one_text(
        &url,
        "SELECT CAST(COUNT(*) AS TEXT) FROM customers".to_owned(),
    );
    assert_eq!(customers.as_deref(), Some("16"));

    // The nightly job: due on every node at the same minute, run by one, in order.
    let deadline = nightly_runs + Duration::from_secs(90);
    while said_by_nodes(&logs, "nightly task planning done")
        + said_by_nodes(&logs, "nightly job run by another node")
        < NODES
    {
        assert!(
            Instant::now() < deadline,
            "the nightly job did not run on every node by {nightly_at} ({zone})"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(said_by_nodes(&logs, "nightly evaluation done"), 1);
    assert_eq!(said_by_nodes(&logs, "nightly task planning done"), 1);
    assert_eq!(
        said_by_nodes(&logs, "nightly job run by another node"),
        NODES - 1
    );
    assert_eq!(said_by_nodes(&logs, "run by another node") - (NODES - 1), 0);
    // The escalator ticks every minute on each node (the first tick came before the case): by now the
    // lease holder has escalated it, once.
    let escalations = format!(
        "SELECT CAST(COUNT(*) AS TEXT) FROM case_log l JOIN cases c ON c.id = l.case_id \
         WHERE l.action = 'escalate' AND c.case_no = '{case_no}'"
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    while one_text(&url, escalations.clone()).as_deref() == Some("0") {
        assert!(Instant::now() < deadline, "the case was never escalated");
        std::thread::sleep(Duration::from_millis(500));
    }
    // Every node's escalator ticks again meanwhile: nothing more.
    std::thread::sleep(Duration::from_secs(65));
    assert_eq!(one_text(&url, escalations).as_deref(), Some("1"));
    for s in nodes {
        s.kill();
    }
    let said = ok(&e.run(&["audit", "verify"]));
    assert!(said.contains("audit chain OK"), "{said}");
}

/// The policy version and hash a node serves.
async fn policy_of(http: &reqwest::Client, s: &Server, token: &str) -> (String, String) {
    let v: serde_json::Value = http
        .get(format!("{}/api/v1/policy", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        v["version"].as_str().unwrap_or("").to_owned(),
        v["hash"].as_str().unwrap_or("").to_owned(),
    )
}

/// A policy put in force with `banyan policy apply` reaches every running node, and a node started later
/// with the old file serves the one in force: two nodes never assign by two policies for longer than the
/// follow interval.
pub(crate) fn a_policy_put_in_force_reaches_every_node(e: &Env) {
    let rt = rm_and_runtime(e);
    let mut nodes: Vec<Server> = (0..2).map(|_| Server::start(e)).collect();
    let shipped = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policy/default.toml"),
    )
    .unwrap();
    let changed = shipped.replacen("version = \"2026.1\"", "version = \"2026.2-test\"", 1);
    assert_ne!(changed, shipped);
    std::fs::write(e.path("changed.toml"), changed).unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        for s in &nodes {
            ready(&http, s).await;
        }
        let token = login(&http, &nodes[0]).await;
        for s in &nodes {
            assert_eq!(policy_of(&http, s, &token).await.0, "2026.1");
        }
        // A command run with another file (from any host) changes nothing: only a server or `apply` does.
        ok(&e.run(&["--policy", "changed.toml", "audit", "verify"]));
        let url = e.url();
        // A thread of its own: the query helper runs its own runtime.
        let changes = std::thread::spawn(move || {
            one_text(
                &url,
                "SELECT CAST(COUNT(*) AS TEXT) FROM policy_changes".to_owned(),
            )
        })
        .join()
        .unwrap();
        assert_eq!(changes.as_deref(), Some("1"));
        let said = ok(&e.run(&["policy", "apply", "changed.toml"]));
        assert!(said.contains("2026.2-test"), "{said}");
        let deadline = Instant::now() + Duration::from_secs(45);
        for s in &nodes {
            loop {
                let (version, _) = policy_of(&http, s, &token).await;
                if version == "2026.2-test" {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{} still serves {version} 45 s after the apply",
                    s.base
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        // A node started with the old file (the shipped default) serves the policy in force.
        nodes.push(Server::start(e));
        ready(&http, &nodes[2]).await;
        let (version, hash) = policy_of(&http, &nodes[2], &token).await;
        assert_eq!(version, "2026.2-test");
        assert_eq!(policy_of(&http, &nodes[0], &token).await.1, hash);
    });
    drop(nodes);
    let recorded = one_text(
        &e.url(),
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'policy.in_force'".to_owned(),
    );
    // The first node's start put the shipped policy in force; the apply put the changed one.
    assert_eq!(recorded.as_deref(), Some("2"));
}
