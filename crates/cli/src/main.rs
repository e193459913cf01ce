//! `banyan`: the one binary. Serves the API, migrates, seeds demo data, imports and exports, manages
//! staff, verifies the audit chain, rotates keys and shows the configuration.

mod config;
mod demo;

use anyhow::{Context, Result, anyhow, bail};
use banyan_app::access::{Actor, NewStaff};
use banyan_app::crypto::MasterKey;
use banyan_app::{App, AppError};
use banyan_domain::access::Role;
use banyan_domain::policy::Policy;
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "banyan",
    version,
    about = "Banyan: customer-relationship management for banks"
)]
struct Cli {
    /// Configuration file (default: ./banyan.toml if present).
    #[arg(long, global = true, env = "BANYAN_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, demo key).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://...); SQLite in the data directory when absent.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Policy file (default: the shipped policy).
    #[arg(long, global = true)]
    policy: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations.
    Migrate,
    /// Create demo staff and customers (generates a master key in the data directory if none is set).
    Demo {
        /// Number of customers to create.
        #[arg(long, default_value_t = 200)]
        customers: usize,
        /// Serve afterwards.
        #[arg(long)]
        serve: bool,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import customers from CSV or XLSX.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export customers.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The policy file: check it, compare it with the one in force, re-evaluate every customer.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Follow-up tasks.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// Notifications.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Feedback and complaint cases.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Working-day calendars (mainland China ships; load others: HK, TW, US ...).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CasesCommand {
    /// Raise the escalation level of cases past 80% of a deadline or past it, once (the server does this
    /// every minute).
    Escalate,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Check a calendar file; exits 1 naming the line or date.
    Check { file: PathBuf },
    /// Load (or replace) calendar NAME from FILE into the database, for every node.
    Load { name: String, file: PathBuf },
    /// List the calendars in force and the years they cover.
    List,
}

#[derive(Debug, Subcommand)]
enum NotifyCommand {
    /// Queue today's birthday and holiday greetings (idempotent: once per customer, occasion and year).
    Greetings,
    /// Deliver the messages due now, once (the server does this continuously).
    Dispatch,
}

#[derive(Debug, Subcommand)]
enum TasksCommand {
    /// Plan contact tasks from the contact plans (idempotent: creates missing, moves changed, cancels stale).
    Plan {
        /// Every customer (required).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate a policy file; exits 1 naming the line or key and the reason.
    Check { file: PathBuf },
    /// Dry run: how many customers would change tier, rating or stage under FILE, and which. Writes nothing.
    Diff { file: PathBuf },
    /// Re-evaluate customers under the policy in force (only changes are written).
    Evaluate {
        /// Every customer (the only mode; required so the command is never run by accident).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// customer_service, relationship_manager, wealth_manager, risk_officer, operations, reviewer, supervisor, auditor, admin
        #[arg(long)]
        role: String,
        #[arg(long)]
        branch: Option<String>,
        /// The manager's team (coverage per team).
        #[arg(long)]
        team: Option<String>,
        /// The department whose feedback queue the account works.
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List staff accounts.
    List,
    /// Disable an account and revoke its tokens.
    Disable { username: String },
}

#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// Import customers; rejected rows are written to FILE.rejected.csv with their reasons.
    Customers {
        file: PathBuf,
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Staff member the import is recorded under (needs customer.import); default: a system import.
        #[arg(long)]
        as_user: Option<String>,
    },
    /// Import daily metrics: columns `customer` (number or id), `as_of` (YYYY-MM-DD), `assets.<class>`
    /// and any of avg_deposits, loans, fee_income, contribution, income, debts, total_assets,
    /// total_liabilities, current_assets, current_liabilities, revenue, net_profit (CNY, two decimals),
    /// investment_count, transactions_90d, product_count, overdue_count, qualitative_points, employees,
    /// income_unstable (true/false). Rejected rows go to FILE.rejected.csv with their reasons.
    Metrics {
        file: PathBuf,
        /// Staff member the load is recorded under (needs metrics.write); default: a system load.
        #[arg(long)]
        as_user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// Export customers (masked).
    Customers {
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file (default: customers.csv / customers.xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Seal pending records and verify the whole hash chain; exits 1 if broken.
    Verify,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new data key and re-encrypt every stored value under it.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets redacted).
    Show,
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(format!("{},sqlx=warn,sea_orm=warn", cfg.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    if cfg.log_format == "text" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
}

/// The master key from configuration, or the demo key file in the data directory.
fn master_key(cfg: &Config, demo: bool) -> Result<MasterKey> {
    if let Some(k) = cfg.resolve_master_key()? {
        return MasterKey::parse(&k).map_err(|e| anyhow!("master key: {e}"));
    }
    let path = cfg.data_dir.join("demo-master.key");
    if path.exists() {
        eprintln!(
            "WARNING: using the DEMO master key in {} — set BANYAN_MASTER_KEY_FILE for real data.",
            path.display()
        );
        let k = std::fs::read_to_string(&path)?;
        return MasterKey::parse(&k).map_err(|e| anyhow!("{}: {e}", path.display()));
    }
    if !demo {
        bail!(
            "no master key: set BANYAN_MASTER_KEY_FILE (or BANYAN_MASTER_KEY) to 64 hex characters, or run `banyan demo`"
        );
    }
    let k = MasterKey::generate().map_err(|e| anyhow!("{e}"))?;
    std::fs::create_dir_all(&cfg.data_dir)?;
    std::fs::write(&path, k.to_hex())?;
    eprintln!("################################################################################");
    eprintln!(
        "# DEMO MODE: generated a master key into {}",
        path.display()
    );
    eprintln!("# Anyone with this file can read the encrypted data. Never use it for real data.");
    eprintln!("################################################################################");
    Ok(k)
}

async fn open(cfg: &Config, demo: bool) -> Result<Arc<App>> {
    let key = master_key(cfg, demo)?;
    let policy = match &cfg.policy_file {
        Some(p) => Policy::from_toml(
            &std::fs::read_to_string(p)
                .with_context(|| format!("reading policy {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display()))?,
        None => Policy::default_policy(),
    };
    let url = cfg.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    }
    let db = banyan_app::connect(&url, cfg.db_max_connections)
        .await
        .map_err(|e| anyhow!("database: {e}"))?;
    let tz = jiff::tz::TimeZone::get(&cfg.time_zone)?;
    App::open(db, key, policy, tz)
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// Who an import is recorded under: `--as-user`, or a system import with operations' permissions.
async fn import_actor(app: &App, as_user: Option<String>) -> Result<Actor> {
    Ok(match as_user {
        Some(u) => banyan_app::access::actor_for(app, &u)
            .await
            .map_err(|_| anyhow!("--as-user: no staff member {u}"))?,
        None => Actor {
            role: Role::Operations,
            branch_code: None,
            ..Actor::system("system-import")
        }
        .with_all_scope(),
    })
}

fn read_source(file: &std::path::Path) -> Result<banyan_app::io::Source> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let is_xlsx = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        banyan_app::io::read_xlsx(&bytes)
    } else {
        banyan_app::io::read_csv(&bytes)
    }
    .map_err(app_err)
}

fn delivery(cfg: &Config) -> Result<banyan_app::notify::Delivery> {
    let has_url = cfg.gateway_url.as_deref().is_some_and(|u| !u.is_empty());
    let secret_len = cfg.gateway_secret.as_deref().map_or(0, str::len);
    // An unsigned (empty-key) webhook would let anyone forge Banyan's messages to the gateway.
    if has_url && secret_len < 16 {
        bail!(
            "gateway_secret: set a shared secret of at least 16 characters with gateway_url (BANYAN_GATEWAY_SECRET or _FILE)"
        );
    }
    let gateway = cfg
        .gateway_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|url| banyan_app::notify::Gateway {
            url: url.to_owned(),
            secret: cfg.gateway_secret.clone().unwrap_or_default().into_bytes(),
        });
    banyan_app::notify::Delivery::new(
        cfg.smtp_url.as_deref(),
        cfg.smtp_from.as_deref(),
        gateway,
        &cfg.bank_name,
    )
    .map_err(app_err)
}

/// The holiday list: `<data_dir>/holidays.toml` if the bank put one there, else the shipped one.
fn holidays(cfg: &Config) -> Result<String> {
    let p = cfg.data_dir.join("holidays.toml");
    if p.exists() {
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    } else {
        Ok(banyan_app::notify::DEFAULT_HOLIDAYS.to_owned())
    }
}

fn read_policy(file: &std::path::Path) -> Result<Policy> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Policy::from_toml(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what}  {{per_sec}}  eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn print_batch(report: &banyan_app::segments::BatchReport, verb: &str) {
    println!(
        "{} customers; {} {verb}",
        report.customers, report.customers_changed
    );
    for (dim, n) in &report.changed {
        println!("  {dim}: {n}");
    }
    for c in report.sample.iter().take(20) {
        println!(
            "  {} {}: {} -> {} ({})",
            c.customer_no,
            c.dimension,
            c.old.as_deref().unwrap_or("-"),
            c.new.as_deref().unwrap_or("-"),
            c.reason
        );
    }
}

fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => anyhow!("{f}"),
        other => anyhow!("{other}"),
    }
}

async fn serve(app: Arc<App>, cfg: &Config, listen: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let state = banyan_web::AppState {
        app: app.clone(),
        body_limit: cfg.body_limit_bytes,
        import_limit: cfg.import_limit_bytes,
        metrics: banyan_web::metrics_handle(),
        gateway_secret: cfg
            .gateway_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.clone().into_bytes()),
    };
    let holiday_list = holidays(cfg)?;
    banyan_app::notify::check_holidays(&holiday_list, &app.policy)
        .map_err(|e| anyhow!("holiday list: {}", app_err(e)))?;
    let nightly_at = match cfg.nightly_evaluation.trim() {
        "" => None,
        at => Some(
            format!("{at}:00")
                .parse::<jiff::civil::Time>()
                .map_err(|_| {
                    anyhow!("nightly_evaluation: `{at}` must be HH:MM (or empty to turn it off)")
                })?,
        ),
    };
    let jobs = banyan_app::jobs::start(
        app,
        delivery(cfg)?,
        banyan_app::jobs::Schedule {
            seal_every: std::time::Duration::from_millis(500),
            dispatch_every: std::time::Duration::from_secs(5),
            escalate_every: std::time::Duration::from_secs(60),
            nightly_at,
            bank: cfg.bank_name.clone(),
            holidays: holiday_list,
        },
    );
    tracing::info!(%addr, "listening");
    eprintln!("Banyan is listening on http://{addr}  (API: http://{addr}/api/v1/openapi.json)");
    banyan_web::serve(listener, banyan_web::router(state), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    jobs.stop();
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let listen_flag = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let flags = Overrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen: listen_flag,
        policy_file: cli.policy.clone(),
    };
    let (cfg, warnings) = Config::load(cli.config.as_deref(), &env, &flags)?;
    init_logging(&cfg);
    for w in &warnings {
        tracing::warn!("{w}");
        eprintln!("warning: {w}");
    }
    let system = Actor::system("system");
    match cli.command {
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            print!("{}", cfg.redacted_toml());
        }
        Command::Migrate => {
            let app = open(&cfg, false).await?;
            println!(
                "database at schema version {}",
                app.schema_version().await.map_err(app_err)?
            );
        }
        Command::Serve { .. } => {
            let app = open(&cfg, false).await?;
            serve(app, &cfg, &cfg.listen).await?;
        }
        Command::Demo {
            customers,
            serve: and_serve,
            ..
        } => {
            let app = open(&cfg, true).await?;
            demo::seed(&app, customers).await?;
            println!(
                "Open http://{}/ (API: http://{}/api/v1/openapi.json)",
                cfg.listen, cfg.listen
            );
            if and_serve {
                serve(app, &cfg, &cfg.listen).await?;
            }
        }
        Command::User { command } => {
            let app = open(&cfg, false).await?;
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
                        &system,
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
                    for s in banyan_app::access::list_staff(&app, &system)
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
                    let v = banyan_app::access::disable_staff(&app, &system, &username)
                        .await
                        .map_err(app_err)?;
                    println!("disabled {}", v.username);
                }
            }
        }
        Command::Import {
            what:
                ImportWhat::Customers {
                    file,
                    batch,
                    as_user,
                },
        } => {
            let app = open(&cfg, false).await?;
            let actor = import_actor(&app, as_user).await?;
            let src = read_source(&file)?;
            let headers = src.headers.clone();
            let bar = indicatif::ProgressBar::new(src.rows.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let report = banyan_app::io::import(&app, &actor, src, batch, |done, _| {
                bar.set_position(done as u64)
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{} rows: {} created, {} rejected in {:.1} s ({:.0} customers/s)",
                report.rows,
                report.created,
                report.rejected.len(),
                secs,
                report.created as f64 / secs.max(1e-9)
            );
            if !report.ignored_columns.is_empty() {
                println!("ignored columns: {}", report.ignored_columns.join(", "));
            }
            if !report.rejected.is_empty() {
                let out = file.with_extension("rejected.csv");
                std::fs::write(
                    &out,
                    banyan_app::io::rejected_csv(&headers, &report.rejected).map_err(app_err)?,
                )?;
                for r in report.rejected.iter().take(20) {
                    println!("  line {}: {}", r.line, r.reason);
                }
                println!("rejected rows with reasons: {}", out.display());
            }
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
        Command::Export {
            what: ExportWhat::Customers { format, out },
        } => {
            let app = open(&cfg, false).await?;
            let f = match format.as_str() {
                "csv" => banyan_app::io::Format::Csv,
                "xlsx" => banyan_app::io::Format::Xlsx,
                other => bail!("--format: `{other}` must be csv or xlsx"),
            };
            let actor = Actor {
                role: Role::Operations,
                ..Actor::system("system-export")
            }
            .with_all_scope();
            let (bytes, n) = banyan_app::io::export(&app, &actor, Default::default(), f)
                .await
                .map_err(app_err)?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("customers.{format}")));
            std::fs::write(&out, bytes)?;
            println!("exported {n} customers to {}", out.display());
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let app = open(&cfg, false).await?;
            let sealed = banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            let r = banyan_app::audit::verify(&app, &Actor::system_as("cli", Role::Auditor))
                .await
                .map_err(app_err)?;
            println!(
                "sealed now: {sealed}; checked: {}; unsealed: {}",
                r.checked, r.unsealed
            );
            match r.first_broken {
                None => println!("audit chain OK"),
                Some(b) => {
                    println!(
                        "audit chain BROKEN at seq {} (record {}): {}",
                        b.seq, b.id, b.reason
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Policy {
            command: PolicyCommand::Check { file },
        } => match read_policy(&file) {
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
        Command::Policy {
            command: PolicyCommand::Diff { file },
        } => {
            let other = read_policy(&file)?;
            let app = open(&cfg, false).await?;
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
                app.policy.version,
                app.policy_hash,
                other.version,
                banyan_app::segments::policy_hash(&other)
            );
            print_batch(&report, "would change");
        }
        Command::Policy {
            command: PolicyCommand::Evaluate { all },
        } => {
            if !all {
                bail!("say --all to re-evaluate every customer");
            }
            let app = open(&cfg, false).await?;
            let bar = progress_bar(0, "customers");
            let started = std::time::Instant::now();
            let report = banyan_app::segments::evaluate_all(&app, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            match report {
                None => {
                    eprintln!(
                        "another node is evaluating now (lease policy.evaluate held); nothing done"
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
        }
        Command::Notify {
            command: NotifyCommand::Greetings,
        } => {
            let app = open(&cfg, false).await?;
            let n = banyan_app::notify::birthday_greetings(&app, &cfg.bank_name)
                .await
                .map_err(app_err)?;
            let h = banyan_app::notify::holiday_greetings(&app, &holidays(&cfg)?, &cfg.bank_name)
                .await
                .map_err(app_err)?;
            println!("{n} birthday greetings and {h} holiday greetings queued");
        }
        Command::Notify {
            command: NotifyCommand::Dispatch,
        } => {
            let app = open(&cfg, false).await?;
            let d = delivery(&cfg)?;
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
        Command::Cases {
            command: CasesCommand::Escalate,
        } => {
            let app = open(&cfg, false).await?;
            let n = banyan_app::cases::escalate_due(&app, jiff::Timestamp::now().as_microsecond())
                .await
                .map_err(app_err)?;
            println!("{n} cases escalated");
        }
        Command::Calendar {
            command: CalendarCommand::Check { file },
        } => {
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
        Command::Calendar {
            command: CalendarCommand::Load { name, file },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let app = open(&cfg, false).await?;
            let v = banyan_app::cases::put_calendar(&app, &Actor::system("cli"), &name, &text)
                .await
                .map_err(app_err)?;
            println!("calendar {} loaded for {:?}", v.name, v.years);
        }
        Command::Calendar {
            command: CalendarCommand::List,
        } => {
            let app = open(&cfg, false).await?;
            for c in banyan_app::cases::calendars(&app, &Actor::system("cli"))
                .await
                .map_err(app_err)?
            {
                println!("{:<8} {:?} {}", c.name, c.years, c.source);
            }
        }
        Command::Tasks {
            command: TasksCommand::Plan { all },
        } => {
            if !all {
                bail!("say --all to plan every customer");
            }
            let app = open(&cfg, false).await?;
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
        Command::Import {
            what: ImportWhat::Metrics { file, as_user },
        } => {
            let app = open(&cfg, false).await?;
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
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let app = open(&cfg, false).await?;
            let (id, n) = app.rotate_keys(&system).await.map_err(app_err)?;
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            println!("data key {id} is now active; {n} values re-encrypted");
        }
    }
    Ok(())
}
