//! What commands share: logging, the master key, opening the application, the server with its jobs,
//! reading files, progress bars and error texts.

use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use banyan_app::access::Actor;
use banyan_app::crypto::MasterKey;
use banyan_app::{App, AppError};
use banyan_domain::access::Role;
use banyan_domain::policy::Policy;
use std::sync::Arc;

pub(crate) fn init_logging(cfg: &Config) {
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
/// Whether this server runs a demonstration: no master key configured, the demo's key in the data directory.
pub(crate) fn is_demo(cfg: &Config) -> Result<bool> {
    Ok(cfg.resolve_master_key()?.is_none() && cfg.data_dir.join("demo-master.key").exists())
}

pub(crate) fn master_key(cfg: &Config, demo: bool) -> Result<MasterKey> {
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

/// Opens the application for a command: the policy in force is used, whatever `policy_file` this host has
/// (a command run from another host must not change the bank's policy).
pub(crate) async fn open(cfg: &Config, demo: bool) -> Result<Arc<App>> {
    open_as(cfg, demo, banyan_app::segments::Starting::Command).await
}

/// Opens the application to serve: a `policy_file` never seen before is put in force on every node.
pub(crate) async fn open_serving(cfg: &Config, demo: bool) -> Result<Arc<App>> {
    open_as(cfg, demo, banyan_app::segments::Starting::Server).await
}

async fn open_as(
    cfg: &Config,
    demo: bool,
    starting: banyan_app::segments::Starting,
) -> Result<Arc<App>> {
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
    let mut db = banyan_app::connect(&url, cfg.db_max_connections)
        .await
        .map_err(|e| anyhow!("database: {e}"))?;
    if let Some(read) = cfg.database_read_url.as_deref().filter(|u| !u.is_empty()) {
        db = banyan_app::with_replica(
            db,
            read,
            cfg.db_max_connections,
            std::time::Duration::from_millis(cfg.read_max_lag_ms),
        )
        .await
        .map_err(|e| anyhow!("database_read_url: {e}"))?;
    }
    let tz = jiff::tz::TimeZone::get(&cfg.time_zone)?;
    let app = App::open_as(db, key, policy, tz, cfg.audit_anchor(), starting)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    app.keep_erasure_ledger(Some(cfg.erasure_ledger()));
    Ok(app)
}

/// Who an import is recorded under: `--as-user`, or a system import with operations' permissions.
pub(crate) async fn import_actor(app: &App, as_user: Option<String>) -> Result<Actor> {
    Ok(match as_user {
        Some(u) => banyan_app::access::actor_for(app, &u)
            .await
            .map_err(|_| anyhow!("--as-user: no staff member {u}"))?,
        None => Actor::system_as("system-import", Role::Operations).with_all_scope(),
    })
}

pub(crate) fn read_source(file: &std::path::Path) -> Result<banyan_app::io::Source> {
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

pub(crate) fn delivery(cfg: &Config) -> Result<banyan_app::notify::Delivery> {
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

/// Single sign-on, when an issuer is configured (checked: a bad setting stops the server at start).
pub(crate) fn sso(cfg: &Config) -> Result<Option<banyan_app::access::sso::SsoConfig>> {
    let some = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let Some(issuer) = some(&cfg.sso_issuer) else {
        return Ok(None);
    };
    let role_map =
        banyan_app::access::sso::parse_role_map(cfg.sso_role_map.as_deref().unwrap_or(""))
            .map_err(app_err)?;
    // With an issuer, the client's settings are required: a missing one stops the start, named.
    let required = |v: &Option<String>, name: &str| {
        some(v).ok_or_else(|| anyhow!("{name}: must be set with sso_issuer"))
    };
    let cfg = banyan_app::access::sso::SsoConfig {
        issuer,
        client_id: required(&cfg.sso_client_id, "sso_client_id")?,
        client_secret: required(&cfg.sso_client_secret, "sso_client_secret")?,
        redirect_url: required(&cfg.sso_redirect_url, "sso_redirect_url")?,
        username_claim: cfg.sso_username_claim.trim().to_owned(),
        roles_claim: some(&cfg.sso_roles_claim),
        role_map,
        branch_claim: some(&cfg.sso_branch_claim),
    };
    cfg.check().map_err(app_err)?;
    Ok(Some(cfg))
}

/// The holiday list: `<data_dir>/holidays.toml` if the bank put one there, else the shipped one.
pub(crate) fn holidays(cfg: &Config) -> Result<String> {
    let p = cfg.data_dir.join("holidays.toml");
    if p.exists() {
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    } else {
        Ok(banyan_app::notify::DEFAULT_HOLIDAYS.to_owned())
    }
}

pub(crate) fn read_policy(file: &std::path::Path) -> Result<Policy> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Policy::from_toml(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

pub(crate) fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what}  {{per_sec}}  eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

pub(crate) fn print_batch(report: &banyan_app::segments::BatchReport, verb: &str) {
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

pub(crate) fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => anyhow!("{f}"),
        other => anyhow!("{other}"),
    }
}

pub(crate) async fn serve(app: Arc<App>, cfg: &Config, listen: &str) -> Result<()> {
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
        secure_cookies: match cfg.cookie_secure.as_str() {
            "never" => banyan_web::SecureCookies::Never,
            _ if Config {
                listen: listen.to_owned(),
                ..cfg.clone()
            }
            .cookies_always_secure() =>
            {
                banyan_web::SecureCookies::Always
            }
            _ => banyan_web::SecureCookies::BehindHttps,
        },
        metrics_token: cfg
            .metrics_token
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.clone().into_bytes()),
        client_ip_header: cfg
            .trusted_proxy_header
            .as_deref()
            .filter(|h| !h.is_empty())
            .map(str::to_ascii_lowercase),
        demo: is_demo(cfg)?.then(crate::demo::login),
    };
    app.configure_sso(sso(cfg)?).map_err(app_err)?;
    let holiday_list = holidays(cfg)?;
    banyan_app::notify::check_holidays(&app, &holiday_list)
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
            checkpoint_every: std::time::Duration::from_secs(cfg.audit_checkpoint_secs),
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
