//! Configuration: defaults -> `banyan.toml` -> `BANYAN_*` environment (`_FILE` variants for secrets) -> flags.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The effective configuration. Every field can be set in `banyan.toml`, as `BANYAN_<FIELD>` (upper case),
/// or by a flag where one exists.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the SQLite database and the demo master key.
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; empty means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// A PostgreSQL standby that serves customer lists and searches while it is at most `read_max_lag_ms`
    /// behind the primary (reads of a record by its id and every write's reads stay on the primary); empty:
    /// every read from the primary.
    pub database_read_url: Option<String>,
    /// How far behind the standby may be and still serve reads, in milliseconds.
    pub read_max_lag_ms: u64,
    /// Address the server listens on.
    pub listen: String,
    /// 256-bit master key as 64 hex characters (prefer `master_key_file`).
    pub master_key: Option<String>,
    /// File holding the master key.
    pub master_key_file: Option<PathBuf>,
    /// Policy file; the shipped `policy/default.toml` when absent.
    pub policy_file: Option<PathBuf>,
    /// The bank's time zone for business dates.
    pub time_zone: String,
    /// `json` (default, for log collectors) or `text`.
    pub log_format: String,
    /// `error`, `warn`, `info`, `debug`.
    pub log_level: String,
    /// Database connections in the pool.
    pub db_max_connections: u32,
    /// Largest JSON request body (bytes).
    pub body_limit_bytes: usize,
    /// Largest import upload (bytes).
    pub import_limit_bytes: usize,
    /// Local time (`HH:MM`, bank time zone) of the nightly re-evaluation of every customer; empty turns it
    /// off. Several nodes may run it: a database lease lets only one do the work.
    pub nightly_evaluation: String,
    /// SMTP server for e-mail: `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://host:465` (TLS). Empty: e-mail is not delivered (messages fail with that reason).
    pub smtp_url: Option<String>,
    /// Sender of e-mails, e.g. `Banyan Bank <crm@bank.example>`.
    pub smtp_from: Option<String>,
    /// The bank's gateway for SMS, app push and WeChat (signed JSON POSTs).
    pub gateway_url: Option<String>,
    /// Key of the gateway's HMAC-SHA256 signature.
    pub gateway_secret: Option<String>,
    /// The bank's name in greetings.
    pub bank_name: String,
    /// Workbench session cookies carry `Secure`: `auto` (whenever `listen` is not a loopback address, or a
    /// proxy says the request came over HTTPS), `always` or `never` (local testing over plain HTTP only).
    pub cookie_secure: String,
    /// Bearer token for `GET /metrics` (at least 16 characters); empty: the endpoint is off (404).
    pub metrics_token: Option<String>,
    /// The header in which the proxy in front puts the client's address (e.g. `X-Forwarded-For`; its last
    /// entry is used). Empty: the connection's peer is the client. Set it only behind a proxy that sets it.
    pub trusted_proxy_header: Option<String>,
    /// File the audit chain's checkpoints are appended to (outside the database, so removing the newest
    /// records is caught); empty: `<data_dir>/audit-checkpoints.jsonl`. Keep it on another disk or ship it
    /// off the machine.
    pub audit_checkpoint_file: Option<PathBuf>,
    /// File every erasure of a person is appended to (outside the database: a restore of an older backup
    /// erases them again); empty: `<data_dir>/erasure-ledger.jsonl`. Holds no personal data; keep it apart
    /// from the backups, like the master key.
    pub erasure_ledger: Option<PathBuf>,
    /// A URL every audit checkpoint is POSTed to as JSON (a log collector or SIEM); empty: none.
    pub audit_checkpoint_url: Option<String>,
    /// Seconds between audit checkpoints (when the chain grew).
    pub audit_checkpoint_secs: u64,
    /// Single sign-on for staff: the bank's OpenID Connect issuer URL (`https://idp.bank.example/realms/staff`);
    /// empty: local accounts only. See docs/sso.md.
    pub sso_issuer: Option<String>,
    /// The client id Banyan is registered under at the provider.
    pub sso_client_id: Option<String>,
    /// The client's secret (prefer `BANYAN_SSO_CLIENT_SECRET_FILE`).
    pub sso_client_secret: Option<String>,
    /// Banyan's callback as registered at the provider: `https://crm.bank.example/sso/callback`.
    pub sso_redirect_url: Option<String>,
    /// The claim holding the Banyan username.
    pub sso_username_claim: String,
    /// The claim listing the person's groups at the provider; set it (with `sso_role_map`) to take roles
    /// from the provider and create accounts at first sign-in; empty: roles are kept in Banyan.
    pub sso_roles_claim: Option<String>,
    /// `provider-group:role` pairs, space-separated, first match wins: `crm-rm:relationship_manager crm-sup:supervisor`.
    pub sso_role_map: Option<String>,
    /// The claim holding the person's branch code (roles scoped to a branch need one).
    pub sso_branch_claim: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./banyan-data"),
            database_url: None,
            database_read_url: None,
            read_max_lag_ms: 1000,
            listen: "127.0.0.1:8080".into(),
            master_key: None,
            master_key_file: None,
            policy_file: None,
            time_zone: "Asia/Shanghai".into(),
            log_format: "json".into(),
            log_level: "info".into(),
            db_max_connections: 16,
            body_limit_bytes: 2 * 1024 * 1024,
            import_limit_bytes: 64 * 1024 * 1024,
            nightly_evaluation: "02:00".into(),
            smtp_url: None,
            smtp_from: None,
            gateway_url: None,
            gateway_secret: None,
            bank_name: "榕树银行".into(),
            cookie_secure: "auto".into(),
            metrics_token: None,
            trusted_proxy_header: None,
            audit_checkpoint_file: None,
            erasure_ledger: None,
            audit_checkpoint_url: None,
            audit_checkpoint_secs: 10,
            sso_issuer: None,
            sso_client_id: None,
            sso_client_secret: None,
            sso_redirect_url: None,
            sso_username_claim: "preferred_username".into(),
            sso_roles_claim: None,
            sso_role_map: None,
            sso_branch_claim: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted_toml())
    }
}

/// Environment variables Banyan reads besides the config fields (tests, tooling).
const OTHER_ENV: &[&str] = &[
    "BANYAN_SKIP_POSTGRES",
    "BANYAN_CONFIG",
    "BANYAN_KEEP_TEST_DB",
];

const FIELDS: &[&str] = &[
    "data_dir",
    "database_url",
    "database_read_url",
    "read_max_lag_ms",
    "listen",
    "master_key",
    "master_key_file",
    "policy_file",
    "time_zone",
    "log_format",
    "log_level",
    "db_max_connections",
    "body_limit_bytes",
    "import_limit_bytes",
    "nightly_evaluation",
    "smtp_url",
    "smtp_from",
    "gateway_url",
    "gateway_secret",
    "bank_name",
    "cookie_secure",
    "metrics_token",
    "trusted_proxy_header",
    "audit_checkpoint_file",
    "erasure_ledger",
    "audit_checkpoint_url",
    "audit_checkpoint_secs",
    "sso_issuer",
    "sso_client_id",
    "sso_client_secret",
    "sso_redirect_url",
    "sso_username_claim",
    "sso_roles_claim",
    "sso_role_map",
    "sso_branch_claim",
];
/// Secrets that may also come from `<NAME>_FILE`.
const SECRETS: &[&str] = &[
    "master_key",
    "database_url",
    "database_read_url",
    "smtp_url",
    "gateway_secret",
    "metrics_token",
    "sso_client_secret",
];

/// Flags that override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub policy_file: Option<PathBuf>,
}

impl Config {
    /// Builds the effective configuration; returns it with warnings about unknown variables.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        flags: &Overrides,
    ) -> Result<(Config, Vec<String>)> {
        let mut warnings = Vec::new();
        let mut table = toml::Table::new();
        let path = file.map(Path::to_path_buf).or_else(|| {
            let p = PathBuf::from("banyan.toml");
            p.exists().then_some(p)
        });
        if let Some(p) = &path {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            table = text
                .parse::<toml::Table>()
                .with_context(|| format!("{} is not valid TOML", p.display()))?;
        }
        for (k, v) in env {
            let Some(name) = k.strip_prefix("BANYAN_") else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if FIELDS.contains(&lower.as_str()) {
                table.insert(lower.clone(), env_value(&lower, v));
            } else if let Some(base) = lower.strip_suffix("_file").filter(|b| SECRETS.contains(b)) {
                let secret =
                    std::fs::read_to_string(v).with_context(|| format!("reading {k}={v}"))?;
                table.insert(
                    base.to_owned(),
                    toml::Value::String(secret.trim().to_owned()),
                );
            } else if !OTHER_ENV.contains(&k.as_str()) {
                warnings.push(format!(
                    "unknown environment variable {k} is ignored (known: {})",
                    known_env()
                ));
            }
        }
        let mut cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| anyhow::anyhow!("configuration: {}", e.message()))?;
        if let Some(v) = &flags.data_dir {
            cfg.data_dir = v.clone();
        }
        if let Some(v) = &flags.database_url {
            cfg.database_url = Some(v.clone());
        }
        if let Some(v) = &flags.listen {
            cfg.listen = v.clone();
        }
        if let Some(v) = &flags.policy_file {
            cfg.policy_file = Some(v.clone());
        }
        cfg.validate()?;
        Ok((cfg, warnings))
    }

    fn validate(&self) -> Result<()> {
        if jiff::tz::TimeZone::get(&self.time_zone).is_err() {
            bail!(
                "time_zone: `{}` is not a known IANA time zone (e.g. Asia/Shanghai)",
                self.time_zone
            );
        }
        if !matches!(self.log_format.as_str(), "json" | "text") {
            bail!("log_format: must be json or text");
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "listen: `{}` is not an address like 127.0.0.1:8080",
                self.listen
            );
        }
        if let Some(u) = &self.database_url
            && !u.starts_with("postgres://")
            && !u.starts_with("postgresql://")
            && !u.starts_with("sqlite:")
        {
            bail!("database_url: must start with postgres:// or sqlite:");
        }
        if let Some(u) = self.database_read_url.as_deref().filter(|u| !u.is_empty())
            && !u.starts_with("postgres://")
            && !u.starts_with("postgresql://")
        {
            bail!("database_read_url: must start with postgres:// (a PostgreSQL standby)");
        }
        // Two at least: a feed load checks its next chunk on one connection while it writes on another.
        if !(2..=512).contains(&self.db_max_connections) {
            bail!("db_max_connections: must be between 2 and 512");
        }
        if let Some(h) = &self.trusted_proxy_header
            && !h.is_empty()
            && !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            bail!("trusted_proxy_header: `{h}` is not a header name");
        }
        if let Some(u) = &self.audit_checkpoint_url
            && !u.is_empty()
            && !u.starts_with("https://")
            && !u.starts_with("http://")
        {
            bail!("audit_checkpoint_url: must start with https:// or http://");
        }
        if !(100..=600_000).contains(&self.read_max_lag_ms) {
            bail!("read_max_lag_ms: must be between 100 and 600000 (ten minutes)");
        }
        if !(1..=3600).contains(&self.audit_checkpoint_secs) {
            bail!("audit_checkpoint_secs: must be between 1 and 3600");
        }
        if !matches!(self.cookie_secure.as_str(), "auto" | "always" | "never") {
            bail!("cookie_secure: must be auto, always or never");
        }
        if let Some(t) = &self.metrics_token
            && !t.is_empty()
            && t.len() < 16
        {
            bail!("metrics_token: must be at least 16 characters (or empty to turn /metrics off)");
        }
        Ok(())
    }

    /// The master key text from `master_key` or `master_key_file`, if configured.
    pub fn resolve_master_key(&self) -> Result<Option<String>> {
        if let Some(k) = &self.master_key {
            return Ok(Some(k.trim().to_owned()));
        }
        match &self.master_key_file {
            Some(f) => Ok(Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("reading master_key_file {}", f.display()))?
                    .trim()
                    .to_owned(),
            )),
            None => Ok(None),
        }
    }

    /// Whether session cookies are always `Secure` (`auto`: unless Banyan listens on a loopback address).
    pub fn cookies_always_secure(&self) -> bool {
        match self.cookie_secure.as_str() {
            "always" => true,
            "never" => false,
            _ => self
                .listen
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|a| !a.ip().is_loopback()),
        }
    }

    /// Where the audit chain's checkpoints go.
    pub fn audit_anchor(&self) -> banyan_app::audit::Anchor {
        banyan_app::audit::Anchor {
            file: Some(
                self.audit_checkpoint_file
                    .clone()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or_else(|| self.data_dir.join("audit-checkpoints.jsonl")),
            ),
            webhook: self.audit_checkpoint_url.clone().filter(|u| !u.is_empty()),
        }
    }

    /// Where the erasure ledger is kept.
    pub fn erasure_ledger(&self) -> PathBuf {
        self.erasure_ledger
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| self.data_dir.join("erasure-ledger.jsonl"))
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.is_empty() => u.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("banyan.db").display()),
        }
    }

    /// The configuration as TOML with secrets replaced by `<redacted>`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        if c.master_key.is_some() {
            c.master_key = Some("<redacted>".into());
        }
        if let Some(u) = &c.database_url {
            c.database_url = Some(redact_url(u));
        }
        if let Some(u) = &c.database_read_url {
            c.database_read_url = Some(redact_url(u));
        }
        if let Some(u) = &c.smtp_url {
            c.smtp_url = Some(redact_url(u));
        }
        if c.gateway_secret.is_some() {
            c.gateway_secret = Some("<redacted>".into());
        }
        if c.sso_client_secret.is_some() {
            c.sso_client_secret = Some("<redacted>".into());
        }
        toml::to_string(&c).unwrap_or_default()
    }
}

fn known_env() -> String {
    FIELDS
        .iter()
        .map(|f| format!("BANYAN_{}", f.to_ascii_uppercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn env_value(field: &str, v: &str) -> toml::Value {
    match field {
        "db_max_connections"
        | "body_limit_bytes"
        | "import_limit_bytes"
        | "audit_checkpoint_secs"
        | "read_max_lag_ms" => v
            .parse::<i64>()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(v.to_owned())),
        _ => toml::Value::String(v.to_owned()),
    }
}

/// Hides the password of a connection URL.
pub fn redact_url(u: &str) -> String {
    match (u.find("://"), u.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &u[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:<redacted>{}", &u[..s + 3], user, &u[at..])
        }
        _ => u.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn cookies_are_secure_whenever_banyan_is_reachable_beyond_this_machine() {
        let at = |listen: &str, mode: &str| Config {
            listen: listen.into(),
            cookie_secure: mode.into(),
            ..Config::default()
        };
        assert!(!at("127.0.0.1:8080", "auto").cookies_always_secure());
        assert!(!at("[::1]:8080", "auto").cookies_always_secure());
        assert!(at("0.0.0.0:8080", "auto").cookies_always_secure());
        assert!(at("10.1.2.3:8080", "auto").cookies_always_secure());
        assert!(at("127.0.0.1:8080", "always").cookies_always_secure());
        assert!(!at("0.0.0.0:8080", "never").cookies_always_secure());
        assert!(at("0.0.0.0:8080", "sometimes").validate().is_err());
        let short = Config {
            metrics_token: Some("short".into()),
            ..Config::default()
        };
        assert!(short.validate().is_err());
    }

    #[test]
    fn environment_overrides_file_and_flags_override_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("banyan.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9000\"\ntime_zone = \"Asia/Hong_Kong\"\n",
        )
        .unwrap();
        let (c, w) = Config::load(
            Some(&f),
            &env(&[("BANYAN_LISTEN", "127.0.0.1:9100")]),
            &Overrides::default(),
        )
        .unwrap();
        assert!(w.is_empty());
        assert_eq!(c.listen, "127.0.0.1:9100");
        assert_eq!(c.time_zone, "Asia/Hong_Kong");
        let flags = Overrides {
            listen: Some("127.0.0.1:9200".into()),
            ..Default::default()
        };
        let (c, _) = Config::load(
            Some(&f),
            &env(&[("BANYAN_LISTEN", "127.0.0.1:9100")]),
            &flags,
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9200");
    }

    #[test]
    fn unknown_variables_are_warned_about() {
        let (_, w) =
            Config::load(None, &env(&[("BANYAN_LISTN", "x")]), &Overrides::default()).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("BANYAN_LISTN"));
    }

    #[test]
    fn secrets_come_from_files_and_are_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let k = dir.path().join("key");
        std::fs::write(&k, format!("{}\n", "ab".repeat(32))).unwrap();
        let (c, _) = Config::load(
            None,
            &env(&[
                ("BANYAN_MASTER_KEY_FILE", k.to_str().unwrap()),
                ("BANYAN_DATABASE_URL", "postgres://bank:s3cret@db/banyan"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            c.resolve_master_key().unwrap().as_deref(),
            Some("ab".repeat(32).as_str())
        );
        let shown = c.redacted_toml();
        assert!(!shown.contains("abab"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://bank:<redacted>@db/banyan"));
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::load(
            None,
            &env(&[("BANYAN_TIME_ZONE", "Mars/Base")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("time_zone"));
    }
}
