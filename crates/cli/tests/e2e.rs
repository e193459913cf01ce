//! Browser tests of the workbench: a real `banyan serve` on SQLite, driven by headless Chromium through
//! playwright-core (`e2e/run.mjs`). Needs Debian's `chromium` and `npm ci --prefix e2e`; fails saying so
//! when they are missing, unless BANYAN_SKIP_BROWSER=1 is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const PASSWORD: &str = "e2e-password-2026";

fn banyan(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_banyan"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BANYAN_DATA_DIR", data)
        .env("BANYAN_MASTER_KEY", KEY)
        .env("BANYAN_LOG_LEVEL", "warn");
    c
}

fn add_user(data: &std::path::Path, name: &str, role: &str, branch: Option<&str>) {
    add_user_in(data, name, role, branch, None);
}

fn add_user_in(
    data: &std::path::Path,
    name: &str,
    role: &str,
    branch: Option<&str>,
    department: Option<&str>,
) {
    let mut args = vec![
        "user",
        "add",
        "--username",
        name,
        "--role",
        role,
        "--password-stdin",
    ];
    if let Some(b) = branch {
        args.extend(["--branch", b]);
    }
    if let Some(d) = department {
        args.extend(["--department", d]);
    }
    let mut child = banyan(data)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user add {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stops the server when the test ends, however it ends.
struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where the browser tests live and the Chromium they drive; `None` when they are skipped on purpose.
fn browser() -> Option<(PathBuf, PathBuf, String)> {
    if std::env::var("BANYAN_SKIP_BROWSER").ok().as_deref() == Some("1") {
        eprintln!("browser tests skipped: BANYAN_SKIP_BROWSER=1");
        return None;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let e2e = root.join("e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "headless Chromium not found at {chromium}: install Debian's chromium (apt-get install chromium) or set BANYAN_SKIP_BROWSER=1"
    );
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci --prefix e2e` (or set BANYAN_SKIP_BROWSER=1)"
    );
    Some((root, e2e, chromium))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Serves `data` on a free local port until dropped; the base URL.
fn serve(data: &std::path::Path) -> (Server, String) {
    serve_on(data, free_port(), &[])
}

/// Serves `data` on `port` with extra settings until dropped; the base URL.
fn serve_on(data: &std::path::Path, port: u16, env: &[(&str, &str)]) -> (Server, String) {
    let listen = format!("127.0.0.1:{port}");
    let server = Server(
        banyan(data)
            .args(["serve", "--listen", &listen])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&listen).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "banyan serve did not start on {listen}");
    (server, format!("http://{listen}"))
}

/// Every page of the demo, as every role, in every language: no code, key, UUID, JSON or English sentence
/// on a Chinese page, no broken link, every CSV with a byte-order mark and headings in the page's language,
/// and no serious or critical WCAG 2.2 AA violation (axe-core) on any page shape for any role.
#[test]
fn every_page_reads_in_words_for_every_role_and_language() {
    let Some((root, e2e, chromium)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = banyan(&data)
        .args(["demo", "--customers", "60"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The demo prints its staff: the crawl signs in as each of them.
    let listing = String::from_utf8_lossy(&out.stdout);
    let users: Vec<&str> = listing
        .lines()
        .skip_while(|l| !l.starts_with("Demo staff"))
        .skip(1)
        .map_while(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .collect();
    assert!(users.len() >= 10, "demo staff: {listing}");
    let (_server, base) = serve(&data);
    let (ok, report) = node(
        &e2e,
        "crawl.mjs",
        &[
            ("BASE_URL", &base),
            ("PASSWORD", "banyan-demo-2026"),
            ("USERS", &users.join(",")),
            ("SHOT_DIR", &root.join("target/e2e").to_string_lossy()),
            ("CHROMIUM", &chromium),
        ],
    );
    assert!(ok, "pages a reader would stumble over:\n{report}");
    assert!(report.contains("), 0 findings"), "{report}");
    // The downloads were opened, not only fetched: every XLSX's cells were read like a page.
    let xlsx = report
        .split(" XLSX files read")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse::<u32>().ok());
    assert!(xlsx.is_some_and(|n| n > 0), "{report}");
}

/// Runs a browser script of `e2e/` with its settings: whether it passed, and what it printed.
fn node(e2e: &std::path::Path, script: &str, env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new("node")
        .arg(e2e.join(script))
        .current_dir(e2e)
        .envs(env.iter().copied())
        .output()
        .expect("node is needed for the browser tests (Debian: apt-get install nodejs npm)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    (out.status.success(), report)
}

#[test]
fn the_workbench_works_in_a_real_browser() {
    let Some((root, e2e, chromium)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "rm1", "relationship_manager", Some("BR0001"));
    add_user(&data, "rm2", "relationship_manager", Some("BR0001"));
    add_user(&data, "sup1", "supervisor", Some("BR0001"));
    add_user(&data, "sen1", "senior_manager", None);
    add_user(&data, "rev1", "reviewer", None);
    add_user(&data, "ops1", "operations", Some("BR0001"));
    add_user(&data, "admin1", "admin", None);
    add_user(&data, "aud1", "auditor", None);
    add_user(&data, "risk1", "risk_officer", None);
    add_user_in(
        &data,
        "cs1",
        "customer_service",
        Some("BR0001"),
        Some("service"),
    );
    // Staff may also sign in through the bank's identity provider (a real one, started here).
    let port = free_port();
    let idp = banyan_testkit::oidc::start(
        &format!("http://127.0.0.1:{port}/sso/callback"),
        &[banyan_testkit::oidc::Person {
            username: "sup1",
            name: "孙主管",
            groups: &[],
            branch: "BR0001",
        }],
    );
    let (_server, base) = serve_on(
        &data,
        port,
        &[
            ("BANYAN_SSO_ISSUER", &idp.issuer),
            ("BANYAN_SSO_CLIENT_ID", banyan_testkit::oidc::CLIENT_ID),
            (
                "BANYAN_SSO_CLIENT_SECRET",
                banyan_testkit::oidc::CLIENT_SECRET,
            ),
            (
                "BANYAN_SSO_REDIRECT_URL",
                &format!("http://127.0.0.1:{port}/sso/callback"),
            ),
        ],
    );
    let shots = root.join("target/e2e");
    let (ok, report) = node(
        &e2e,
        "run.mjs",
        &[
            ("BASE_URL", &base),
            ("PASSWORD", PASSWORD),
            ("IDP_PASSWORD", banyan_testkit::oidc::PASSWORD),
            ("SHOT_DIR", &shots.to_string_lossy()),
            ("CHROMIUM", &chromium),
        ],
    );
    assert!(ok, "browser tests failed:\n{report}");
    assert!(shots.join("customer.png").exists());
}
