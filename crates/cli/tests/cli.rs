//! The `banyan` binary end to end, on SQLite and on PostgreSQL (one throwaway cluster for the binary,
//! a fresh database per test).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli_support/backup.rs"]
mod backup;
#[path = "cli_support/crash.rs"]
mod crash;
#[path = "cli_support/import_kill.rs"]
mod import_kill;
#[path = "cli_support/memory.rs"]
mod memory;
#[path = "cli_support/nodes.rs"]
mod nodes;
#[path = "cli_support/replica.rs"]
mod replica;

use banyan_testkit::Cluster;
use libtest_mimic::{Arguments, Failed, Trial};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// One test's environment: a data directory and, on PostgreSQL, a fresh database.
struct Env {
    dir: tempfile::TempDir,
    db_url: Option<String>,
    admin: Option<(String, String)>,
}

impl Env {
    fn new(cluster: Option<&Cluster>) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let (db_url, admin) = match cluster {
            None => (None, None),
            Some(c) => {
                let name = Cluster::new_db_name();
                sql(&c.admin_url(), &format!("CREATE DATABASE {name}"));
                (Some(c.url(&name)), Some((c.admin_url(), name)))
            }
        };
        Env { dir, db_url, admin }
    }

    /// A fresh, empty environment on the same engine (a new data directory; on PostgreSQL a new database
    /// in the same cluster): where a backup is restored.
    fn sibling(&self) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let (db_url, admin) = match (&self.db_url, &self.admin) {
            (Some(url), Some((admin, name))) => {
                let fresh = Cluster::new_db_name();
                sql(admin, &format!("CREATE DATABASE {fresh}"));
                let url = url.replacen(&format!("/{name}?"), &format!("/{fresh}?"), 1);
                assert!(url.contains(&fresh), "{url}");
                (Some(url), Some((admin.clone(), fresh)))
            }
            _ => (None, None),
        };
        Env { dir, db_url, admin }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_banyan"));
        c.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BANYAN_DATA_DIR", self.dir.path().join("data"))
            .env("BANYAN_MASTER_KEY", KEY)
            .env("BANYAN_LOG_LEVEL", "warn")
            .args(args);
        if let Some(u) = &self.db_url {
            c.env("BANYAN_DATABASE_URL", u);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// The URL of this test's database.
    fn url(&self) -> String {
        self.db_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.dir.path().join("data/banyan.db").display()
            )
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.admin {
            sql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// Runs `f` on a small runtime of its own (the test functions are synchronous).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn sql(url: &str, statement: &str) {
    block_on(async {
        use sea_orm::ConnectionTrait;
        let db = banyan_app::connect(url, 1).await.unwrap();
        db.conn.execute_unprepared(statement).await.unwrap();
        db.conn.close_by_ref().await.ok();
    });
}

/// The first column of the first row of `q` on `url`, as text (None: no row).
fn one_text(url: &str, q: impl Into<String>) -> Option<String> {
    block_on(async {
        use sea_orm::ConnectionTrait;
        let db = banyan_app::connect(url, 1).await.unwrap();
        let row = db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                db.conn.get_database_backend(),
                q.into(),
            ))
            .await
            .unwrap();
        db.conn.close_by_ref().await.ok();
        row.map(|r| r.try_get_by_index::<String>(0).unwrap())
    })
}

/// Runs a statement on the audit log with its append-only guard lifted (a tamper drill).
fn tamper(url: &str, statement: &str) {
    block_on(async {
        use sea_orm::ConnectionTrait;
        let db = banyan_app::connect(url, 1).await.unwrap();
        let mut all = banyan_app::audit::unguard_statements(db.kind);
        all.push(statement.to_owned());
        all.extend(banyan_app::audit::reguard_statements(db.kind));
        for s in all {
            db.conn.execute_unprepared(&s).await.unwrap();
        }
        db.conn.close_by_ref().await.ok();
    });
}

/// Rows in a table.
fn count(url: &str, table: &str) -> i64 {
    block_on(async {
        use sea_orm::ConnectionTrait;
        let db = banyan_app::connect(url, 1).await.unwrap();
        let q = format!("SELECT COUNT(*) FROM {table}");
        let row = db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                db.conn.get_database_backend(),
                q,
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get_by_index(0).unwrap();
        db.conn.close_by_ref().await.ok();
        n
    })
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(o.status.success(), "command failed: {}", text(o));
    text(o)
}

use banyan_testkit::fixtures::resident_id;

// ---------------------------------------------------------------------------------------------

fn config_show_prints_the_effective_configuration_with_secrets_redacted(e: &Env) {
    let out = ok(&e.run(&["config", "show"]));
    assert!(out.contains("listen = \"127.0.0.1:8080\""), "{out}");
    assert!(!out.contains(KEY), "{out}");
    assert!(out.contains("master_key = \"<redacted>\""), "{out}");
    if e.db_url.is_some() {
        assert!(out.contains(":<redacted>@"), "{out}");
    }
    let warned = e
        .cmd(&["config", "show"])
        .env("BANYAN_LISTN", "x")
        .output()
        .unwrap();
    assert!(text(&warned).contains("unknown environment variable BANYAN_LISTN"));
}

fn users_are_added_with_a_password_from_stdin_listed_and_disabled(e: &Env) {
    let out = e.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "ops1",
            "--role",
            "operations",
            "--branch",
            "BR0001",
            "--password-stdin",
        ],
        "a-long-password\n",
    );
    assert!(ok(&out).contains("added ops1"));
    let bad = e.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "wizard",
            "--password-stdin",
        ],
        "a-long-password\n",
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("--role: unknown role `wizard`"),
        "{}",
        text(&bad)
    );
    let short = e.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "y",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(text(&short).contains("password"), "{}", text(&short));
    let list = ok(&e.run(&["user", "list"]));
    assert!(
        list.contains("ops1") && list.contains("operations") && list.contains("active"),
        "{list}"
    );
    // The break-glass path for a lost phone when no other administrator is at hand.
    let reset = ok(&e.run(&["user", "reset-totp", "ops1"]));
    assert!(reset.contains("second factor of ops1 removed"), "{reset}");
    let unknown = e.run(&["user", "reset-totp", "nobody-here"]);
    assert!(!unknown.status.success());
    ok(&e.run(&["user", "disable", "ops1"]));
    assert!(ok(&e.run(&["user", "list"])).contains("disabled"));
}

fn import_reports_rejected_rows_export_is_masked_and_audit_verifies(e: &Env) {
    let csv = format!(
        "full_name,gender,mobile,email,id_number,address,branch_code\n\
         张三,M,13800000001,a@example.cn,{},北京市朝阳区建国路1号,BR0001\n\
         李四,F,13800000002,b@example.cn,110105198001012451,北京市朝阳区建国路2号,BR0001\n\
         王五,M,13800000003,c@example.cn,{},北京市朝阳区建国路3号,BR0002\n",
        resident_id("19800101", 123),
        resident_id("19800101", 345)
    );
    std::fs::write(e.path("in.csv"), csv).unwrap();
    let out = ok(&e.run(&["import", "customers", "in.csv"]));
    assert!(out.contains("3 rows: 2 created, 1 rejected"), "{out}");
    assert!(out.contains("line 3"), "{out}");
    let rejected = std::fs::read_to_string(e.path("in.rejected.csv")).unwrap();
    assert!(rejected.contains("individual.id_number"), "{rejected}");
    ok(&e.run(&["export", "customers", "--format", "csv", "--out", "out.csv"]));
    let exported = std::fs::read_to_string(e.path("out.csv")).unwrap();
    assert_eq!(exported.lines().count(), 3, "{exported}");
    assert!(
        exported.contains("138****0001") && !exported.contains("13800000001"),
        "{exported}"
    );
    ok(&e.run(&[
        "export",
        "customers",
        "--format",
        "xlsx",
        "--out",
        "out.xlsx",
    ]));
    assert_eq!(&std::fs::read(e.path("out.xlsx")).unwrap()[..2], b"PK");
    assert!(ok(&e.run(&["audit", "verify"])).contains("audit chain OK"));
    // The chain is anchored outside the database, in the data directory.
    let anchored = std::fs::read_to_string(e.path("data/audit-checkpoints.jsonl")).unwrap();
    assert!(anchored.contains("\"seq\":"), "{anchored}");
    let grants = ok(&e.run(&["audit", "grants", "--role", "banyan_app"]));
    assert!(
        grants.contains("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM banyan_app;"),
        "{grants}"
    );
    // Archiving: no month that has ended holds records yet; one that has not is refused, naming the field.
    let this_month = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string();
    let said = ok(&e.run(&[
        "audit",
        "archive",
        "--before",
        &this_month,
        "--to",
        "archive",
    ]));
    assert!(said.contains("archived 0 months"), "{said}");
    let v = e.run(&["audit", "archive", "--before", "2999-01", "--to", "archive"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("before") && text(&v).contains(&this_month),
        "{}",
        text(&v)
    );
    let said = ok(&e.run(&["audit", "verify", "--archive", "archive"]));
    assert!(said.contains("audit chain OK"), "{said}");
    // Tampering with a sealed record is found and named.
    tamper(&e.url(), "UPDATE audit_log SET detail = '{}' WHERE seq = 1");
    let v = e.run(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(text(&v).contains("BROKEN at seq 1"), "{}", text(&v));
}

fn policy_check_diff_evaluate_and_metrics_import(e: &Env) {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policy/default.toml");
    let default = std::fs::read_to_string(&shipped).unwrap();
    let out = ok(&e.run(&["policy", "check", shipped.to_str().unwrap()]));
    assert!(out.contains("valid (version 2026.1"), "{out}");
    // A bad file is refused with its line and reason, by `policy check` and by the server at start.
    let bad = default.replace("at_risk_drop = 0.3", "at_risk_drop = \"lots\"");
    std::fs::write(e.path("bad.toml"), &bad).unwrap();
    let line = bad.lines().position(|l| l.contains("\"lots\"")).unwrap() + 1;
    let r = e.run(&["policy", "check", "bad.toml"]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(text(&r).contains(&format!("line {line}")), "{}", text(&r));
    let r = e.run(&["--policy", "bad.toml", "serve", "--listen", "127.0.0.1:0"]);
    assert!(!r.status.success());
    assert!(text(&r).contains(&format!("line {line}")), "{}", text(&r));

    std::fs::write(
        e.path("in.csv"),
        format!(
            "full_name,mobile,id_number,branch_code\n张三,13800000001,{},BR0001\n李四,13800000002,{},BR0001\n",
            resident_id("19800101", 123),
            resident_id("19800101", 345)
        ),
    )
    .unwrap();
    ok(&e.run(&["import", "customers", "in.csv"]));
    std::fs::write(
        e.path("metrics.csv"),
        "customer,as_of,assets.deposits,assets.funds,investment_count,contribution,transactions_90d\n\
         P-BR0001-00000001,2026-11-20,2000000,1200000.50,6,12000,30\n\
         P-BR0001-00000002,2026-11-31,100,0,0,0,1\n\
         P-BR0001-99999999,2026-11-20,100,0,0,0,1\n",
    )
    .unwrap();
    let out = ok(&e.run(&["import", "metrics", "metrics.csv"]));
    assert!(out.contains("3 rows: 1 loaded, 2 rejected"), "{out}");
    assert!(out.contains("wealth_tier 1"), "{out}");
    assert!(
        out.contains("line 3: as_of") && out.contains("line 4: customer"),
        "{out}"
    );
    let rejected = std::fs::read_to_string(e.path("metrics.rejected.csv")).unwrap();
    assert!(rejected.contains("P-BR0001-99999999"), "{rejected}");

    // Nothing to do under the policy in force; a stricter platinum would downgrade the customer.
    let out = ok(&e.run(&["policy", "evaluate", "--all"]));
    assert!(out.contains("2 customers; 0 changed"), "{out}");
    let stricter = default.replace(
        "name = \"platinum\"\nmin_aum = 2_000_000",
        "name = \"platinum\"\nmin_aum = 4_000_000",
    );
    assert_ne!(stricter, default);
    std::fs::write(e.path("stricter.toml"), &stricter).unwrap();
    let out = ok(&e.run(&["policy", "diff", "stricter.toml"]));
    assert!(out.contains("2 customers; 1 would change"), "{out}");
    assert!(
        out.contains("P-BR0001-00000001 wealth_tier: platinum -> gold"),
        "{out}"
    );
    // The dry run wrote nothing; running under the new file does.
    let out = ok(&e.run(&["policy", "evaluate", "--all"]));
    assert!(out.contains("0 changed"), "{out}");
    // A command's own file does not change the policy in force; `apply` does (`--now`: no server runs).
    let out = ok(&e.run(&["--policy", "stricter.toml", "policy", "evaluate", "--all"]));
    assert!(out.contains("0 changed"), "{out}");
    let out = ok(&e.run(&["policy", "apply", "stricter.toml", "--now"]));
    assert!(out.contains("2 customers; 1 changed"), "{out}");
    assert!(out.contains("wealth_tier: 1"), "{out}");
    // Imported customers are drafts: nothing to plan yet, and re-running plans nothing twice.
    let out = ok(&e.run(&["tasks", "plan", "--all"]));
    assert!(out.contains("0 customers: 0 tasks created"), "{out}");
}

fn keys_rotate_reencrypts_every_value(e: &Env) {
    std::fs::write(
        e.path("in.csv"),
        format!(
            "full_name,mobile,id_number,branch_code\n张三,13800000001,{},BR0001\n",
            resident_id("19800101", 123)
        ),
    )
    .unwrap();
    ok(&e.run(&["import", "customers", "in.csv"]));
    let out = ok(&e.run(&["keys", "rotate"]));
    assert!(
        out.contains("data key 3 is now active; 2 values re-encrypted"),
        "{out}"
    );
    // Still readable: the export decrypts to mask.
    ok(&e.run(&["export", "customers", "--out", "out.csv"]));
    assert!(
        std::fs::read_to_string(e.path("out.csv"))
            .unwrap()
            .contains("138****0001")
    );
    // A wrong master key is refused with a clear message.
    let wrong = e
        .cmd(&["migrate"])
        .env("BANYAN_MASTER_KEY", "ff".repeat(32))
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("BANYAN_MASTER_KEY"),
        "{}",
        text(&wrong)
    );
}

fn demo_creates_staff_for_every_role_and_customers(e: &Env) {
    // The default count: what the README's run command does (it once failed past 150 customers).
    let out = e
        .cmd(&["demo"])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap();
    let out = ok(&out);
    assert!(out.contains("DEMO MODE"), "{out}");
    assert!(
        out.contains("banyan-demo-2026") && out.contains("reviewer1"),
        "{out}"
    );
    let list = e
        .cmd(&["user", "list"])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap();
    assert_eq!(
        ok(&list).lines().filter(|l| l.contains("active")).count(),
        14
    );
    // The demo's feedback cases were escalated as they were registered: a second pass finds nothing.
    let esc = ok(&e
        .cmd(&["cases", "escalate"])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap());
    assert!(esc.contains("0 cases escalated"), "{esc}");
    let again = ok(&e
        .cmd(&["demo", "--customers", "30"])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap());
    assert!(again.contains("already present"), "{again}");
    // `demo --serve` on a taken port says so in one line, before building anything.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let busy = e
        .cmd(&["demo", "--serve", "--listen", &addr])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap();
    assert!(!busy.status.success());
    let said = String::from_utf8_lossy(&busy.stderr).to_string();
    assert!(
        said.trim().lines().count() == 1 && said.contains(&addr) && !said.contains("panicked"),
        "{said}"
    );
    drop(taken);
    // A demo's sign-in page lists the demo accounts, their roles in words and the password.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let mut server = e
        .cmd(&["serve", "--listen", &addr])
        .env_remove("BANYAN_MASTER_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let page = (0..100).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut s = std::net::TcpStream::connect(&addr).ok()?;
        s.write_all(b"GET /login HTTP/1.0\r\nHost: x\r\n\r\n")
            .ok()?;
        let mut body = String::new();
        std::io::Read::read_to_string(&mut s, &mut body).ok()?;
        Some(body)
    });
    let _ = server.kill();
    let _ = server.wait();
    let page = page.expect("the demo server answered");
    assert!(
        page.contains("id=\"demo-accounts\"")
            && page.contains("banyan-demo-2026")
            && page.contains("reviewer1")
            && page.contains("复核岗"),
        "{page}"
    );
}

fn serving_without_a_master_key_is_refused_clearly(e: &Env) {
    let out = e
        .cmd(&["serve"])
        .env_remove("BANYAN_MASTER_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("BANYAN_MASTER_KEY_FILE"),
        "{}",
        text(&out)
    );
    // The version of the last migration step (crates/store/src/migrate.rs).
    assert!(ok(&e.run(&["migrate"])).contains("schema version 63"));
}

fn calendars_are_checked_loaded_and_listed(e: &Env) {
    std::fs::write(
        e.path("bad.toml"),
        "name = \"HK\"\nweekend = [\"sunday\"]\nholidays = [\"2026-02-30\"]\nworkdays = []\nyears = [2026]\n",
    )
    .unwrap();
    let bad = e.run(&[
        "calendar",
        "check",
        &e.path("bad.toml").display().to_string(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("line 3"), "{}", text(&bad));
    std::fs::write(
        e.path("hk.toml"),
        "name = \"HK\"\nweekend = [\"saturday\", \"sunday\"]\nholidays = [\"2026-12-25\", \"2026-12-26\"]\nworkdays = []\nyears = [2026]\n",
    )
    .unwrap();
    let hk = e.path("hk.toml").display().to_string();
    assert!(ok(&e.run(&["calendar", "check", &hk])).contains("valid"));
    assert!(ok(&e.run(&["calendar", "load", "HK", &hk])).contains("calendar HK loaded"));
    let list = ok(&e.run(&["calendar", "list"]));
    assert!(list.contains("CN") && list.contains("HK"), "{list}");
    assert!(
        ok(&e.run(&["audit", "verify"])).contains("audit chain OK"),
        "the chain holds after loading"
    );
}

fn book_load_reports_its_rows_and_writes_the_rejected_beside_the_file(e: &Env) {
    let demo = |args: &[&str]| {
        e.cmd(args)
            .env_remove("BANYAN_MASTER_KEY")
            .output()
            .unwrap()
    };
    ok(&demo(&["demo", "--customers", "3"]));
    // The first demo customer's first account is a demand deposit in CNY.
    std::fs::write(
        e.path("tx.csv"),
        "id,account_no,at,amount,currency,direction,channel,counterparty\n\
         CLI-T1,6222000000010001,2026-11-30 10:00:00,100.00,CNY,credit,mobile,individual\n\
         CLI-T2,6222999999999999,2026-11-30 10:00:00,5.00,CNY,credit,mobile,individual\n",
    )
    .unwrap();
    let file = e.path("tx.csv").display().to_string();
    let load = [
        "book",
        "load",
        "transactions",
        &file,
        "--as-of",
        "2026-11-30",
    ];
    let first = ok(&demo(&load));
    assert!(
        first.contains("2 rows — 1 loaded, 0 unchanged, 1 rejected"),
        "{first}"
    );
    let rejected = std::fs::read_to_string(e.path("tx.rejected.txt")).unwrap();
    assert!(
        rejected.starts_with("line 3: account_no:"),
        "the unknown account is named: {rejected}"
    );
    // The same file again: the known row is unchanged, nothing is written twice.
    let again = ok(&demo(&load));
    assert!(
        again.contains("2 rows — 0 loaded, 1 unchanged, 1 rejected"),
        "{again}"
    );
    // A file without the columns a feed needs fails whole, naming them.
    std::fs::write(e.path("bad.csv"), "id,account_no\nX,1\n").unwrap();
    let bad = e.path("bad.csv").display().to_string();
    let failed = ok(&demo(&[
        "book",
        "load",
        "transactions",
        &bad,
        "--as-of",
        "2026-11-30",
    ]));
    assert!(
        failed.contains("(failed)") && failed.contains("file.amount"),
        "{failed}"
    );
    // A business day after today is refused before anything is recorded.
    let future = demo(&[
        "book",
        "load",
        "transactions",
        &file,
        "--as-of",
        "2999-01-01",
    ]);
    assert_eq!(future.status.code(), Some(1), "{}", text(&future));
    assert!(text(&future).contains("as_of"), "{}", text(&future));
    assert!(ok(&demo(&["audit", "verify"])).contains("audit chain OK"));
}

type Test = fn(&Env);

fn main() {
    let args = Arguments::from_args();
    let tests: Vec<(&str, Test)> = vec![
        (
            "config_show_prints_the_effective_configuration_with_secrets_redacted",
            config_show_prints_the_effective_configuration_with_secrets_redacted,
        ),
        (
            "users_are_added_with_a_password_from_stdin_listed_and_disabled",
            users_are_added_with_a_password_from_stdin_listed_and_disabled,
        ),
        (
            "import_reports_rejected_rows_export_is_masked_and_audit_verifies",
            import_reports_rejected_rows_export_is_masked_and_audit_verifies,
        ),
        (
            "keys_rotate_reencrypts_every_value",
            keys_rotate_reencrypts_every_value,
        ),
        (
            "policy_check_diff_evaluate_and_metrics_import",
            policy_check_diff_evaluate_and_metrics_import,
        ),
        (
            "demo_creates_staff_for_every_role_and_customers",
            demo_creates_staff_for_every_role_and_customers,
        ),
        (
            "serving_without_a_master_key_is_refused_clearly",
            serving_without_a_master_key_is_refused_clearly,
        ),
        (
            "calendars_are_checked_loaded_and_listed",
            calendars_are_checked_loaded_and_listed,
        ),
        (
            "book_load_reports_its_rows_and_writes_the_rejected_beside_the_file",
            book_load_reports_its_rows_and_writes_the_rejected_beside_the_file,
        ),
        (
            "killed_servers_never_duplicate_or_lose_an_acknowledged_create",
            crash::killed_servers_never_duplicate_or_lose_an_acknowledged_create,
        ),
        (
            "a_killed_import_goes_on_and_counts_every_row_once",
            import_kill::a_killed_import_goes_on_and_counts_every_row_once,
        ),
        (
            "a_backup_under_write_load_restores_every_acknowledged_write",
            backup::a_backup_under_write_load_restores_every_acknowledged_write,
        ),
        (
            "nodes_started_together_migrate_once_and_all_start",
            nodes::nodes_started_together_migrate_once_and_all_start,
        ),
        (
            "lists_come_from_a_replica_within_its_lag",
            replica::lists_come_from_a_replica_within_its_lag,
        ),
        (
            "three_nodes_share_one_database",
            nodes::three_nodes_share_one_database,
        ),
        (
            "three_nodes_share_the_background_work",
            nodes::three_nodes_share_the_background_work,
        ),
        (
            "a_policy_put_in_force_reaches_every_node",
            nodes::a_policy_put_in_force_reaches_every_node,
        ),
        (
            "oversized_bodies_are_refused_without_being_buffered",
            memory::oversized_bodies_are_refused_without_being_buffered,
        ),
    ];
    let skip_pg = banyan_testkit::skip_postgres();
    let wants_pg = !skip_pg
        && !args
            .filter
            .as_deref()
            .is_some_and(|f| f.starts_with("sqlite::"));
    let cluster: Option<Result<Arc<Cluster>, String>> =
        wants_pg.then(|| Cluster::start().map(Arc::new));
    let mut trials = Vec::new();
    for (name, f) in tests {
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            f(&Env::new(None));
            Ok(())
        }));
        if !skip_pg {
            let c = cluster.clone();
            trials.push(Trial::test(format!("postgres::{name}"), move || match &c {
                Some(Ok(c)) => {
                    f(&Env::new(Some(c)));
                    Ok(())
                }
                Some(Err(e)) => Err(Failed::from(e.clone())),
                None => Ok(()),
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(cluster);
    conclusion.exit();
}
