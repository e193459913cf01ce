//! One function per command of `banyan` (`main` parses the command line and the configuration, then
//! calls one of these).

use crate::args::*;
use crate::config::Config;
use crate::demo;
use crate::setup::*;
use anyhow::{Context, Result, anyhow, bail};
use banyan_app::access::{Actor, NewStaff};
use banyan_domain::access::Role;
use std::path::PathBuf;

/// `banyan config show`: the effective configuration, secrets redacted.
pub(crate) async fn config_cmd(cfg: &Config, command: ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::Show => {
            print!("{}", cfg.redacted_toml());
        }
    }
    Ok(())
}

/// `banyan migrate`: brings the database to the current schema.
pub(crate) async fn migrate_cmd(cfg: &Config) -> Result<()> {
    let app = open(cfg, false).await?;
    println!(
        "database at schema version {}",
        app.schema_version().await.map_err(app_err)?
    );
    Ok(())
}

/// `banyan demo`: demo staff and customers (and `--serve`).
pub(crate) async fn demo_cmd(cfg: &Config, customers: usize, and_serve: bool) -> Result<()> {
    // A taken port is said before anything is built, in one line.
    if and_serve && let Err(e) = std::net::TcpListener::bind(&cfg.listen) {
        bail!(
            "cannot listen on {}: {e} (another program uses it; stop it or pass --listen 127.0.0.1:8081)",
            cfg.listen
        );
    }
    let app = open_serving(cfg, true).await?;
    demo::seed(&app, customers).await?;
    println!(
        "Open http://{}/ (API: http://{}/api/v1/openapi.json)",
        cfg.listen, cfg.listen
    );
    if and_serve {
        serve(app, cfg, &cfg.listen).await?;
    }
    Ok(())
}

/// `banyan user add|list|disable`.
pub(crate) async fn user_cmd(cfg: &Config, system: &Actor, command: UserCommand) -> Result<()> {
    let app = open(cfg, false).await?;
    match command {
        UserCommand::Add {
            username,
            role,
            branch,
            team,
            department,
            display_name,
            password_stdin,
        } => {
            if !password_stdin {
                bail!("pass --password-stdin and give the password on standard input");
            }
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!(
                    "--role: unknown role `{role}`; one of: {}",
                    Role::ALL.map(|r| r.as_str()).join(", ")
                )
            })?;
            let mut pw = String::new();
            std::io::stdin().read_line(&mut pw)?;
            let pw = pw.trim_end_matches(['\n', '\r']).to_owned();
            let v = banyan_app::access::add_staff(
                &app,
                system,
                NewStaff {
                    username,
                    display_name,
                    role,
                    branch_code: branch,
                    team,
                    department,
                    password: pw,
                },
            )
            .await
            .map_err(app_err)?;
            println!("added {} ({}) id {}", v.username, v.role, v.id);
        }
        UserCommand::List => {
            for s in banyan_app::access::list_staff(&app, system)
                .await
                .map_err(app_err)?
            {
                println!(
                    "{:<20} {:<22} {:<8} {}",
                    s.username,
                    s.role.as_str(),
                    s.branch_code.as_deref().unwrap_or("-"),
                    if s.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::Disable { username } => {
            let v = banyan_app::access::disable_staff(&app, system, &username)
                .await
                .map_err(app_err)?;
            println!("disabled {}", v.username);
        }
        UserCommand::ResetTotp { username } => {
            banyan_app::access::totp::reset(&app, system, &username)
                .await
                .map_err(app_err)?;
            println!(
                "second factor of {} removed; it enrols again at its next sign-in",
                username.trim()
            );
        }
    }
    Ok(())
}

/// Imports a customer file as an import job run here (or waits for the one already running it) and
/// prints its report; the rejected rows go beside the file.
async fn import_customers(
    app: &std::sync::Arc<banyan_app::App>,
    actor: &Actor,
    file: &std::path::Path,
) -> Result<()> {
    use banyan_app::imports::{self, FileFormat};
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let format = match file.extension() {
        Some(e) if e.eq_ignore_ascii_case("xlsx") => FileFormat::Xlsx,
        _ => FileFormat::Csv,
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    app.accept_import_words(banyan_web::ui::import_words());
    let started = imports::start(
        app,
        actor,
        banyan_domain::imports::ImportTarget::Customers,
        &name,
        &bytes,
        format,
    )
    .await
    .map_err(app_err)?;
    let id = started.job.id;
    if !started.new {
        println!(
            "this file was imported before (or is being imported) by the same account: job {id}"
        );
    }
    let bar = indicatif::ProgressBar::new(started.job.rows.max(0) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let clock = std::time::Instant::now();
    // Runs it here unless another runner (a server) holds it; then follows it to its end.
    if let Err(e) = imports::run(app, id, actor, |done, _| {
        bar.set_position(done.max(0) as u64)
    })
    .await
    {
        // Marked failed with the rows done kept: the report below says which.
        eprintln!("{}", app_err(e));
    }
    let job = loop {
        let j = imports::get(app, actor, id).await.map_err(app_err)?;
        if j.report.is_some() {
            break j;
        }
        bar.set_position(j.done.max(0) as u64);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    bar.finish_and_clear();
    let secs = clock.elapsed().as_secs_f64();
    println!(
        "{} rows: {} created, {} rejected in {:.1} s ({:.0} customers/s)",
        job.rows,
        job.created,
        job.rejected,
        secs,
        job.created as f64 / secs.max(1e-9)
    );
    if let Some(e) = &job.error {
        println!("the import stopped: {e}");
    }
    if !job.ignored_columns.is_empty() {
        println!("ignored columns: {}", job.ignored_columns.join(", "));
    }
    if let Some(report) = job.report.filter(|r| !r.rejected_rows.is_empty()) {
        let out = file.with_extension("rejected.csv");
        std::fs::write(&out, report.rejected_csv)?;
        for r in report.rejected_rows.iter().take(20) {
            println!("  line {}: {}", r.line, r.reason);
        }
        println!("rejected rows with reasons: {}", out.display());
    }
    if job.error.is_some() {
        bail!("import job {id} stopped before its end");
    }
    Ok(())
}

/// `banyan import customers|metrics FILE`: a report per row, the rejected rows beside the file.
pub(crate) async fn import_cmd(cfg: &Config, what: ImportWhat) -> Result<()> {
    match what {
        ImportWhat::Customers { file, as_user } => {
            let app = open(cfg, false).await?;
            let actor = import_actor(&app, as_user).await?;
            import_customers(&app, &actor, &file).await?;
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
        ImportWhat::Metrics { file, as_user } => {
            let app = open(cfg, false).await?;
            let actor = import_actor(&app, as_user).await?;
            let src = read_source(&file)?;
            let headers = src.headers.clone();
            // The original cells by line, for the rejected-rows file.
            let raw: std::collections::HashMap<usize, Vec<String>> = src
                .rows
                .iter()
                .filter_map(|r| r.cells.as_ref().ok().map(|c| (r.line, c.clone())))
                .collect();
            let parsed = banyan_app::segments::metrics_from_table(src);
            let lines: Vec<usize> = parsed.items.iter().map(|(l, _)| *l).collect();
            let items: Vec<_> = parsed.items.into_iter().map(|(_, i)| i).collect();
            let n = items.len() + parsed.rejected.len();
            let report = banyan_app::segments::record_metrics(&app, &actor, items)
                .await
                .map_err(app_err)?;
            let mut rejected = parsed.rejected;
            for r in report.rejected {
                let line = lines.get(r.index).copied().unwrap_or(0);
                rejected.push(banyan_app::io::Rejected {
                    line,
                    reason: r
                        .errors
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| {
                            format!(
                                "{}: {}",
                                e["field"].as_str().unwrap_or(""),
                                e["message"].as_str().unwrap_or("")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    cells: raw.get(&line).cloned().unwrap_or_default(),
                });
            }
            rejected.sort_by_key(|r| r.line);
            let mut changes: std::collections::BTreeMap<String, usize> = Default::default();
            for c in &report.changes {
                *changes.entry(c.dimension.clone()).or_default() += 1;
            }
            println!(
                "{n} rows: {} loaded, {} rejected; segment changes: {}",
                report.accepted,
                rejected.len(),
                if changes.is_empty() {
                    "none".to_owned()
                } else {
                    changes
                        .iter()
                        .map(|(d, n)| format!("{d} {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            if !parsed.ignored_columns.is_empty() {
                println!("ignored columns: {}", parsed.ignored_columns.join(", "));
            }
            if !rejected.is_empty() {
                let out = file.with_extension("rejected.csv");
                std::fs::write(
                    &out,
                    banyan_app::io::rejected_csv(&headers, &rejected).map_err(app_err)?,
                )?;
                for r in rejected.iter().take(20) {
                    println!("  line {}: {}", r.line, r.reason);
                }
                println!("rejected rows with reasons: {}", out.display());
            }
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
    }
    Ok(())
}

/// `banyan export customers`.
pub(crate) async fn export_cmd(cfg: &Config, what: ExportWhat) -> Result<()> {
    match what {
        ExportWhat::Customers { format, out } => {
            let app = open(cfg, false).await?;
            let f = match format.as_str() {
                "csv" => banyan_app::io::Format::Csv,
                "xlsx" => banyan_app::io::Format::Xlsx,
                other => bail!("--format: `{other}` must be csv or xlsx"),
            };
            let actor = Actor::system_as("system-export", Role::Operations).with_all_scope();
            let (bytes, n) = banyan_app::io::export(
                &app,
                &actor,
                Default::default(),
                f,
                &banyan_app::tabular::Codes,
            )
            .await
            .map_err(app_err)?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("customers.{format}")));
            std::fs::write(&out, bytes)?;
            println!("exported {n} customers to {}", out.display());
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
    }
    Ok(())
}

/// `banyan audit verify`: seals what is pending, then checks the whole chain.
pub(crate) async fn audit_cmd(cfg: &Config, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Grants { role } => {
            if role.is_empty() || !role.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                bail!("--role: a role name of letters, digits and _");
            }
            for stmt in banyan_app::audit::app_role_grants(&role) {
                println!("{stmt};");
            }
        }
        AuditCommand::Archive { before, to } => {
            let app = open(cfg, false).await?;
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            banyan_app::audit::checkpoint(&app).await.map_err(app_err)?;
            let done = banyan_app::audit::archive(
                &app,
                &Actor::system_as("cli", Role::Admin),
                &before,
                &to,
            )
            .await
            .map_err(app_err)?;
            for m in &done {
                println!(
                    "{}: {} records -> {} (sha256 {})",
                    m.month,
                    m.records,
                    to.join(&m.file).display(),
                    m.sha256
                );
            }
            println!("archived {} months before {before}", done.len());
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
        AuditCommand::Verify { archive } => {
            let app = open(cfg, false).await?;
            let sealed = banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            banyan_app::audit::checkpoint(&app).await.map_err(app_err)?;
            let r = banyan_app::audit::verify_with_archive(
                &app,
                &Actor::system_as("cli", Role::Auditor),
                archive.as_deref(),
            )
            .await
            .map_err(app_err)?;
            println!(
                "sealed now: {sealed}; checked: {}; unsealed: {}",
                r.checked, r.unsealed
            );
            if r.archived > 0 {
                match archive {
                    Some(_) => println!("archived: {} (checked from their files)", r.archived),
                    None => println!(
                        "archived: {} (stepped over; give --archive DIR to check them)",
                        r.archived
                    ),
                }
            }
            if let Some(cp) = &r.checkpoint {
                println!("last checkpoint: seq {} at {}", cp.seq, cp.at);
            }
            match r.first_broken {
                None => println!("audit chain OK"),
                Some(b) => {
                    let at = b.seq.map_or("-".into(), |s| s.to_string());
                    let id = b.id.map_or("-".into(), |s| s.to_string());
                    println!("audit chain BROKEN at seq {at} (record {id}): {}", b.reason);
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

/// `banyan policy check|diff|evaluate`.
pub(crate) async fn policy_cmd(cfg: &Config, command: PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Check { file } => match read_policy(&file) {
            Ok(p) => println!(
                "{}: valid (version {}, hash {})",
                file.display(),
                p.version,
                banyan_app::segments::policy_hash(&p)
            ),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        PolicyCommand::Diff { file } => {
            let other = read_policy(&file)?;
            let app = open(cfg, false).await?;
            let bar = progress_bar(0, "customers");
            let report = banyan_app::segments::diff(&app, &other, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            println!(
                "dry run: {} (in force: {}) -> {} ({})",
                app.policy_version(),
                app.policy_hash(),
                other.version,
                banyan_app::segments::policy_hash(&other)
            );
            print_batch(&report, "would change");
        }
        PolicyCommand::Apply { file, now } => {
            let policy = read_policy(&file)?;
            let app = open(cfg, false).await?;
            let was = (app.policy_version(), app.policy_hash());
            banyan_app::segments::apply(&app, &Actor::system_as("cli", Role::Admin), policy)
                .await
                .map_err(app_err)?;
            println!(
                "in force: {} ({}); was {} ({})",
                app.policy_version(),
                app.policy_hash(),
                was.0,
                was.1
            );
            if !now {
                // Nodes still on the old policy would write assignments under it meanwhile: evaluate after
                // all of them have taken the new one up. `--now` is for a single node (or tests).
                let wait = banyan_app::segments::FOLLOW_EVERY + std::time::Duration::from_secs(2);
                println!(
                    "waiting {} s for every node to take it up, then every customer is re-evaluated",
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
            }
            evaluate_every_customer(&app).await?;
        }
        PolicyCommand::Evaluate { all } => {
            if !all {
                bail!("say --all to re-evaluate every customer");
            }
            let app = open(cfg, false).await?;
            evaluate_every_customer(&app).await?;
        }
    }
    Ok(())
}

/// Re-evaluates every customer under the policy in force, with a progress bar; exits 2 when another node
/// holds the evaluation's lease.
async fn evaluate_every_customer(app: &banyan_app::App) -> Result<()> {
    let bar = progress_bar(0, "customers");
    let started = std::time::Instant::now();
    let report = banyan_app::segments::evaluate_all(app, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(app_err)?;
    bar.finish_and_clear();
    match report {
        None => {
            eprintln!(
                "another node is evaluating now (lease policy.evaluate held): customers were not re-evaluated by this command; run `banyan policy evaluate --all` once it is done"
            );
            std::process::exit(2);
        }
        Some(r) => {
            let secs = started.elapsed().as_secs_f64();
            print_batch(&r, "changed");
            println!(
                "in {secs:.1} s ({:.0} customers/s)",
                r.customers as f64 / secs.max(1e-9)
            );
        }
    }
    Ok(())
}

/// `banyan notify greetings|dispatch`.
pub(crate) async fn notify_cmd(cfg: &Config, command: NotifyCommand) -> Result<()> {
    match command {
        NotifyCommand::Greetings => {
            let app = open(cfg, false).await?;
            let n = banyan_app::notify::birthday_greetings(&app, &cfg.bank_name)
                .await
                .map_err(app_err)?;
            let h = banyan_app::notify::holiday_greetings(&app, &holidays(cfg)?, &cfg.bank_name)
                .await
                .map_err(app_err)?;
            println!("{n} birthday greetings and {h} holiday greetings queued");
        }
        NotifyCommand::Dispatch => {
            let app = open(cfg, false).await?;
            let d = delivery(cfg)?;
            // Until nothing is due (retries and quiet hours wait for later runs).
            let mut r = banyan_app::notify::DispatchReport::default();
            loop {
                let pass =
                    banyan_app::notify::dispatch_once(&app, &d, 10_000, jiff::Timestamp::now())
                        .await
                        .map_err(app_err)?;
                if pass == banyan_app::notify::DispatchReport::default() {
                    break;
                }
                r.sent += pass.sent;
                r.retried += pass.retried;
                r.failed += pass.failed;
                r.suppressed += pass.suppressed;
                r.deferred += pass.deferred;
            }
            println!(
                "{} sent, {} retried later, {} failed, {} suppressed, {} held for quiet hours",
                r.sent, r.retried, r.failed, r.suppressed, r.deferred
            );
        }
    }
    Ok(())
}

/// `banyan cases escalate`.
pub(crate) async fn cases_cmd(cfg: &Config, command: CasesCommand) -> Result<()> {
    match command {
        CasesCommand::Escalate => {
            let app = open(cfg, false).await?;
            let n = banyan_app::cases::escalate_due(&app, jiff::Timestamp::now().as_microsecond())
                .await
                .map_err(app_err)?;
            println!("{n} cases escalated");
        }
    }
    Ok(())
}

/// `banyan calendar check|load|list`.
pub(crate) async fn calendar_cmd(cfg: &Config, command: CalendarCommand) -> Result<()> {
    match command {
        CalendarCommand::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match banyan_domain::calendar::WorkCalendar::from_toml(&text) {
                Ok(c) => println!(
                    "{}: calendar {} for {:?} is valid",
                    file.display(),
                    c.name,
                    c.years()
                ),
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    std::process::exit(1);
                }
            }
        }
        CalendarCommand::Load { name, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = open(cfg, false).await?;
            let v = banyan_app::cases::put_calendar(&app, &Actor::system("cli"), &name, &text)
                .await
                .map_err(app_err)?;
            println!("calendar {} loaded for {:?}", v.name, v.years);
        }
        CalendarCommand::List => {
            let app = open(cfg, false).await?;
            for c in banyan_app::cases::calendars(&app, &Actor::system("cli"))
                .await
                .map_err(app_err)?
            {
                println!("{:<8} {:?} {}", c.name, c.years, c.source);
            }
        }
    }
    Ok(())
}

/// `banyan tasks plan`.
pub(crate) async fn tasks_cmd(cfg: &Config, command: TasksCommand) -> Result<()> {
    match command {
        TasksCommand::Plan { all } => {
            if !all {
                bail!("say --all to plan every customer");
            }
            let app = open(cfg, false).await?;
            let bar = progress_bar(0, "customers");
            let r = banyan_app::engagement::plan_all(&app, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            match r {
                None => {
                    eprintln!(
                        "another node is planning now (lease engagement.plan held); nothing done"
                    );
                    std::process::exit(2);
                }
                Some(r) => println!(
                    "{} customers: {} tasks created, {} moved, {} cancelled, {} missed cycles closed",
                    r.customers, r.created, r.moved, r.cancelled, r.missed
                ),
            }
        }
    }
    Ok(())
}

/// `banyan keys rotate`.
pub(crate) async fn keys_cmd(cfg: &Config, system: &Actor, command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Rotate => {
            let app = open(cfg, false).await?;
            let (id, n) = app.rotate_keys(system).await.map_err(app_err)?;
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            println!("data key {id} is now active; {n} values re-encrypted");
        }
    }
    Ok(())
}
