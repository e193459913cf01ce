//! Test harness: a real server per test on a fresh database (SQLite file or a new database in one
//! throwaway PostgreSQL cluster per test binary), plus one helper per endpoint.

use banyan_app::App;
use banyan_app::access::{Actor, NewStaff};
use banyan_app::crypto::MasterKey;
use banyan_domain::access::Role;
use banyan_domain::policy::Policy;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub use banyan_testkit::Cluster;

/// The gateway secret the test server checks customer replies with.
pub const GATEWAY_SECRET: &[u8] = b"gateway-secret";

/// A running server with its in-process application.
pub struct TestApp {
    pub base: String,
    /// The database's URL (PostgreSQL tests connect as other roles with it).
    pub url: String,
    pub app: Arc<App>,
    pub client: reqwest::Client,
    pub backend: Backend,
    _dir: tempfile::TempDir,
    cleanup: Option<(String, String)>,
    server: tokio::task::JoinHandle<()>,
}

/// A response: status, headers and the body as JSON (Null when not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
    }
    /// The field errors as (field, rule) pairs.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_owned(),
                            e["rule"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub const PASSWORD: &str = "correct-horse-battery";

impl TestApp {
    pub async fn spawn(backend: Backend, cluster: Option<&Cluster>) -> TestApp {
        // reqwest is built with rustls but no provider (see Cargo.toml): install ring once per process.
        banyan_app::notify::install_tls_provider();
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, cleanup) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("banyan.db").display()),
                None,
            ),
            Backend::Postgres => {
                let c = cluster.expect("PostgreSQL cluster");
                let name = Cluster::new_db_name();
                let admin = banyan_app::connect(&c.admin_url(), 1)
                    .await
                    .expect("admin connection");
                use sea_orm::ConnectionTrait;
                admin
                    .conn
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.conn.close_by_ref().await.ok();
                (c.url(&name), Some((c.admin_url(), name)))
            }
        };
        let db = banyan_app::connect(&url, 8).await.expect("connect");
        let key = MasterKey::generate().expect("key");
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz");
        let anchor = banyan_app::audit::Anchor {
            file: Some(dir.path().join("audit-checkpoints.jsonl")),
            webhook: None,
        };
        let app = App::open(db, key, Policy::default_policy(), tz, anchor)
            .await
            .expect("open app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = banyan_web::AppState {
            app: app.clone(),
            body_limit: 256 * 1024,
            import_limit: 4 * 1024 * 1024,
            metrics: banyan_web::metrics_handle(),
            gateway_secret: Some(GATEWAY_SECRET.to_vec()),
            secure_cookies: banyan_web::SecureCookies::BehindHttps,
            metrics_token: Some(METRICS_TOKEN.to_vec()),
            // Tests stand for clients at several addresses by sending this header.
            client_ip_header: Some("x-forwarded-for".into()),
            demo: None,
        };
        let router = banyan_web::router(state);
        let server = tokio::spawn(async move {
            banyan_web::serve(listener, router, std::future::pending())
                .await
                .expect("serve");
        });
        TestApp {
            url: url.clone(),
            base,
            app,
            client: reqwest::Client::new(),
            backend,
            _dir: dir,
            cleanup,
            server,
        }
    }

    /// Stops the server and drops a PostgreSQL test database (kept when BANYAN_KEEP_TEST_DB=1).
    pub async fn finish(self) {
        self.server.abort();
        let _ = self.app.db().conn.close_by_ref().await;
        if let Some((admin_url, name)) = self.cleanup
            && std::env::var("BANYAN_KEEP_TEST_DB").ok().as_deref() != Some("1")
        {
            use sea_orm::ConnectionTrait;
            if let Ok(admin) = banyan_app::connect(&admin_url, 1).await {
                let _ = admin
                    .conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.conn.close_by_ref().await;
            }
        }
    }

    /// Creates a staff member (as the system) and returns their id.
    pub async fn staff(&self, username: &str, role: Role, branch: Option<&str>) -> uuid::Uuid {
        banyan_app::access::add_staff(
            &self.app,
            &Actor::system("test"),
            NewStaff {
                username: username.into(),
                display_name: None,
                role,
                branch_code: branch.map(Into::into),
                team: None,
                department: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("add staff")
        .id
    }

    /// The id of a staff member, as text.
    pub async fn staff_id(&self, username: &str) -> String {
        banyan_app::access::actor_for(&self.app, username)
            .await
            .expect("staff")
            .id()
            .to_string()
    }

    /// Creates a staff member (unless they exist) and signs in: returns the token.
    pub async fn login_as(&self, username: &str, role: Role, branch: Option<&str>) -> String {
        if banyan_app::access::actor_for(&self.app, username)
            .await
            .is_err()
        {
            self.staff(username, role, branch).await;
        }
        self.login(username, PASSWORD).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .req(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["token"].as_str().expect("token").to_owned()
    }

    pub async fn req(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.req_h(method, path, token, body, &[]).await
    }

    pub async fn req_h(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        into_resp(rb.send().await.expect("request")).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        into_resp(rb.send().await.expect("request")).await
    }

    /// A request with raw bytes and the given headers, without a bearer token (gateway callbacks).
    /// Posts a customer file as an import job (202 with the job), then follows the job until it has
    /// ended and returns it as the API shows it.
    pub async fn import(&self, token: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let r = self
            .raw(
                Method::POST,
                "/api/v1/customers/import",
                Some(token),
                content_type,
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        self.follow_import(token, r.body["id"].as_str().unwrap())
            .await
    }

    /// Posts a feed file (holdings, transactions, events) as a load job (202 with the load, running, and
    /// its address), then follows the load until it has ended and returns its report as the API shows it.
    pub async fn feed_file(&self, token: &str, url: &str, body: Vec<u8>) -> Resp {
        let r = self
            .raw(Method::POST, url, Some(token), "text/csv", body)
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        assert_eq!(r.body["status"], "running", "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let l = self.get(&format!("/api/v1/book/loads/{id}"), token).await;
            assert_eq!(l.status, StatusCode::OK, "{}", l.text);
            if l.body["load"]["status"] != "running" {
                return l;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "load {id} never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Polls an import job until it is no longer running (a bound on waiting, not a claim about speed).
    pub async fn follow_import(&self, token: &str, id: &str) -> Resp {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let j = self.get(&format!("/api/v1/imports/{id}"), token).await;
            assert_eq!(j.status, StatusCode::OK, "{}", j.text);
            if j.body["status"] != "running" {
                return j;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "import {id} never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn raw_h(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .body(body);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        into_resp(rb.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.req(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.req(Method::POST, path, Some(token), Some(body)).await
    }

    /// Creates a customer and asserts 201.
    pub async fn create(&self, token: &str, body: Value) -> Value {
        let r = self.post("/api/v1/customers", token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body
    }

    /// PATCH with If-Match.
    pub async fn patch(&self, path: &str, token: &str, version: i64, body: Value) -> Resp {
        let v = format!("\"{version}\"");
        self.req_h(
            Method::PATCH,
            path,
            Some(token),
            Some(body),
            &[("if-match", &v)],
        )
        .await
    }

    /// Seals pending audit records (what the server's background sealer does).
    /// Seals pending audit records and writes a checkpoint, as the server's jobs do.
    pub async fn seal(&self) {
        banyan_app::audit::seal_pending(&self.app)
            .await
            .expect("seal");
        banyan_app::audit::checkpoint(&self.app)
            .await
            .expect("checkpoint");
    }

    /// Runs a raw SQL statement that may be refused; returns the database's error text.
    pub async fn try_sql(&self, sql: &str) -> Result<(), String> {
        use sea_orm::ConnectionTrait;
        self.app
            .db()
            .conn
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Runs SQL on the audit log as someone with the database owner's rights would: the append-only
    /// guard lifted around it, then restored.
    pub async fn tamper(&self, sql: &[&str]) {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        // One transaction on one connection: a pooled SQLite connection must not see the guard half-lifted.
        let kind = self.app.db().kind;
        let tx = self.app.db().conn.begin().await.expect("begin");
        let all = banyan_app::audit::unguard_statements(kind)
            .into_iter()
            .chain(sql.iter().map(|s| (*s).to_owned()))
            .chain(banyan_app::audit::reguard_statements(kind));
        for s in all {
            tx.execute_unprepared(&s).await.expect("tamper");
        }
        tx.commit().await.expect("commit");
    }

    /// Runs a raw SQL statement against the test database (to simulate tampering and the passage of time).
    pub async fn sql(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.app
            .db()
            .conn
            .execute_unprepared(sql)
            .await
            .expect("sql");
    }

    /// The first column of every row of a query, as text.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        use sea_orm::ConnectionTrait;
        self.app
            .db()
            .conn
            .query_all_raw(sea_orm::Statement::from_string(
                self.app.db().conn.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("text"))
            .collect()
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::ConnectionTrait;
        let r = self
            .app
            .db()
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                self.app.db().conn.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        r.try_get_by_index::<i64>(0).expect("int")
    }
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: valid identifiers made with the domain's own check algorithms.
// ---------------------------------------------------------------------------------------------

pub use banyan_testkit::fixtures::{credit_code, individual, resident_id};

/// The bearer token `GET /metrics` wants in the test server.
pub const METRICS_TOKEN: &[u8] = b"metrics-token-for-tests";

/// A verified individual of rm1 (born 1980-01-01) and its id.
pub async fn verified_individual(app: &TestApp, rm: &str, mobile: &str, seq: u32) -> String {
    let c = app
        .create(
            rm,
            individual("王五", &resident_id("19800101", seq), mobile),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/submit"),
            rm,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.text);
    let rev = app
        .login_as("rev1", banyan_domain::access::Role::Reviewer, None)
        .await;
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/verify"),
            &rev,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.text);
    id
}

/// Puts staff member `username` in `department` (as an admin).
pub async fn put_org(app: &TestApp, username: &str, department: &str) {
    let admin = app.login_as("admin1", Role::Admin, None).await;
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/staff/{username}/org"),
            Some(&admin),
            Some(serde_json::json!({"department": department})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A queued service SMS to `customer` under `cause_key`, due when made (no consent or cap applies to
/// service), for the store's enqueue.
pub fn queued_message(
    customer: uuid::Uuid,
    cause_key: &str,
    body: &str,
    created_at_us: i64,
) -> banyan_store::notify::MessageRow {
    banyan_store::notify::MessageRow {
        id: uuid::Uuid::now_v7(),
        customer_id: customer,
        channel: "sms".into(),
        purpose: "service".into(),
        cause: "test".into(),
        cause_key: cause_key.into(),
        lang: "zh-CN".into(),
        subject: None,
        body: body.into(),
        status: "queued".into(),
        reason: None,
        attempts: 0,
        next_attempt_at_us: created_at_us,
        claimed_until_us: None,
        created_at_us,
        sent_at_us: None,
    }
}
