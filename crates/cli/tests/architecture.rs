//! The house rules of docs/architecture.md, checked against the source tree: the layers point one way,
//! permissions are decided in `app` alone, no import circle joins two use-case modules, and every room stays
//! small enough to hold in one's head. A change that breaks one fails here, naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out.sort();
    out
}

/// The `[dependencies]` section of a crate's manifest (not its dev-dependencies: tests may look inside).
fn dependencies(krate: &str) -> String {
    let toml = std::fs::read_to_string(crates().join(krate).join("Cargo.toml")).unwrap();
    let start = toml.find("[dependencies]").unwrap();
    let rest = &toml[start + 1..];
    let end = rest.find("\n[").map_or(rest.len(), |i| i + 1);
    rest[..end].to_owned()
}

#[test]
fn web_and_cli_reach_the_database_only_through_use_cases() {
    for krate in ["web", "cli"] {
        assert!(
            !dependencies(krate).contains("banyan-store"),
            "crates/{krate} depends on banyan-store: call a use case in app instead"
        );
        for (path, text) in sources(&crates().join(krate).join("src")) {
            assert!(
                !text.contains("banyan_store"),
                "{} uses banyan_store: call a use case in app instead",
                path.display()
            );
        }
    }
}

#[test]
fn permissions_are_decided_in_app_only() {
    for krate in ["web", "cli", "store"] {
        for (path, text) in sources(&crates().join(krate).join("src")) {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                assert!(
                    !(code.contains(".require(")
                        || code.contains("role.has(")
                        || code.contains("Permission::")),
                    "{}:{}: a permission check outside app: `{}`",
                    path.display(),
                    n + 1,
                    line.trim()
                );
            }
        }
    }
}

/// The top-level module of an `app/src` file (`cases/act.rs` -> `cases`).
fn app_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn no_two_use_case_modules_import_each_other_even_around_a_circle() {
    let src = crates().join("app").join("src");
    let files = sources(&src);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(p, _)| app_module(&src, p))
        .filter(|m| m != "lib")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in &files {
        let from = app_module(&src, path);
        if from == "lib" {
            continue;
        }
        for m in &modules {
            if *m != from && text.contains(&format!("crate::{m}::")) {
                edges.entry(from.clone()).or_default().insert(m.clone());
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(i) = path.iter().position(|p| p == m) {
            panic!(
                "app modules import each other in a circle: {} -> {m}",
                path[i..].join(" -> ")
            );
        }
        if done.contains(m) {
            return;
        }
        path.push(m.to_owned());
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(m.to_owned());
    }
    let mut done = BTreeSet::new();
    for m in &modules {
        visit(m, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn every_room_stays_small_enough_to_hold_in_ones_head() {
    // The word tables of the workbench are data, not code.
    const EXEMPT: [&str; 1] = ["i18n.rs"];
    let mut big = Vec::new();
    for krate in ["domain", "store", "app", "web", "cli", "testkit"] {
        for (path, text) in sources(&crates().join(krate).join("src")) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let lines = text.lines().count();
            if lines > 1_100 && !EXEMPT.contains(&name.as_str()) {
                big.push(format!("{} ({lines} lines)", path.display()));
            }
        }
    }
    assert!(big.is_empty(), "split by concern: {big:?}");
}

/// The SQL stays portable to PostgreSQL-compatible distributed engines (Citus, YugabyteDB; docs/scaling.md):
/// no advisory locks (not shared across a distributed engine's nodes), no LISTEN/NOTIFY (work is found by
/// polling tables, so nothing depends on a notification arriving), and no sequences (a sequence shared by
/// every writer is one point all of them serialise on; ids are UUIDv7 made by the application, counters are
/// rows of `counters`).
#[test]
fn the_sql_stays_portable_to_distributed_postgresql() {
    let banned = [
        "pg_advisory",
        "pg_try_advisory",
        "listen ",
        "notify ",
        "pg_notify",
        "create sequence",
        "nextval(",
        "bigserial",
        "smallserial",
        " serial ",
        " serial,",
        "generated always as identity",
        "generated by default as identity",
    ];
    for (path, text) in sources(&crates().join("store").join("src")) {
        let lower = text.to_lowercase();
        for b in banned {
            assert!(
                !lower.contains(b),
                "{} uses `{b}`: keep the SQL portable (docs/scaling.md)",
                path.display()
            );
        }
    }
}
