//! Test support shared by the integration suites: one throwaway PostgreSQL cluster per test binary,
//! started from the installed server binaries, with a fresh database per test; and the fixtures every
//! suite builds its customers from ([`fixtures`]).

pub mod fixtures;
pub mod oidc;

use std::path::PathBuf;

/// Whether the PostgreSQL half of the suites is deliberately skipped (`BANYAN_SKIP_POSTGRES=1`).
pub fn skip_postgres() -> bool {
    std::env::var("BANYAN_SKIP_POSTGRES").ok().as_deref() == Some("1")
}

/// Finds `initdb` and `postgres`: PATH, `pg_config --bindir`, then `/usr/lib/postgresql/*/bin` (newest).
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let has = |d: &std::path::Path| d.join("initdb").exists() && d.join("postgres").exists();
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has(&d) {
                return Some(d);
            }
        }
    }
    if let Ok(out) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has(&d) {
            return Some(d);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|d| has(d))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop()
}

/// A running throwaway cluster; dropping it stops the server and removes its directory.
pub struct Cluster {
    db: pgtemp::PgTempDB,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cluster(port {})", self.db.db_port())
    }
}

impl Cluster {
    /// Starts the cluster (as root, through `sudo -u postgres`), or explains what to install.
    pub fn start() -> Result<Cluster, String> {
        let bin = postgres_bin_dir().ok_or_else(|| {
            "PostgreSQL server binaries (initdb, postgres) were not found on PATH, via pg_config, or in \
             /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql; as root also \
             apt-get install sudo) or set BANYAN_SKIP_POSTGRES=1 to run the SQLite half only"
                .to_owned()
        })?;
        // pgtemp pipes the server's stdout and stderr and never reads them: once its log fills the pipe
        // (64 KiB: a checkpoint line per dropped test database, an ERROR line per refused statement), every
        // process that logs blocks — a DROP DATABASE then waits for a checkpoint for ever. The logging
        // collector writes the log to files in the data directory instead.
        let start = || {
            pgtemp::PgTempDB::builder()
                .with_bin_path(&bin)
                .with_config_param("logging_collector", "on")
                .with_config_param("log_checkpoints", "off")
                .start()
        };
        let db = std::panic::catch_unwind(start).map_err(|e| {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            format!("starting PostgreSQL from {} failed (as root it needs sudo and the postgres user): {why}", bin.display())
        })?;
        // pgtemp returns once the server process is started; on a loaded machine its socket can appear a
        // moment later, and the first connection then fails with "No such file or directory". Wait for it.
        let socket = db.data_dir().join(format!(".s.PGSQL.{}", db.db_port()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !socket.exists() {
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "PostgreSQL started but its socket {} did not appear within 60 s",
                    socket.display()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(Cluster { db })
    }

    /// A URL for database `name`, over the cluster's unix socket in its temporary directory.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{}:{}@localhost:{}/{}?host={}",
            self.db.db_user(),
            self.db.db_pass(),
            self.db.db_port(),
            name,
            self.db.data_dir().display()
        )
    }

    /// The URL of the cluster's maintenance database (to create and drop test databases).
    pub fn admin_url(&self) -> String {
        self.url(self.db.db_name())
    }

    /// A fresh, unique database name.
    pub fn new_db_name() -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        format!(
            "t_{}_{}_{}",
            std::process::id(),
            nanos,
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    }
}

/// Runs a PostgreSQL tool as the `postgres` user when this process is root (PostgreSQL refuses root).
fn as_postgres(tool: &std::path::Path) -> std::process::Command {
    // Whether this process runs as root, as `id -u` says (no unsafe call for it).
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if root {
        let mut c = std::process::Command::new("sudo");
        c.args(["-u", "postgres"]).arg(tool);
        c
    } else {
        std::process::Command::new(tool)
    }
}

/// A hot standby of a [`Cluster`]: a base backup streamed from it (`pg_basebackup -R`), started on a port of
/// its own and replaying the cluster's WAL. Dropping it stops the server and removes its directory.
#[derive(Debug)]
pub struct Standby {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    user: String,
    pass: String,
}

impl Cluster {
    /// Starts a hot standby of this cluster.
    pub fn standby(&self) -> Result<Standby, String> {
        // The directory the server binaries really live in: `initdb` may be a link from a directory on PATH
        // that holds no `pg_basebackup` (as on the CI machine's /usr/local/bin).
        let bin = postgres_bin_dir()
            .map(|d| d.join("initdb"))
            .and_then(|p| std::fs::canonicalize(p).ok())
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .ok_or("PostgreSQL binaries not found")?;
        let dir =
            std::env::temp_dir().join(Cluster::new_db_name().replacen("t_", "banyan-standby-", 1));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let out = as_postgres(&bin.join("pg_basebackup"))
            .arg("-h")
            .arg(self.db.data_dir())
            .args([
                "-p",
                &self.db.db_port().to_string(),
                "-U",
                self.db.db_user(),
            ])
            .arg("-D")
            .arg(&dir)
            .args(["-R", "-X", "stream", "-c", "fast"])
            .output()
            .map_err(|e| format!("pg_basebackup: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "pg_basebackup: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let s = Standby {
            dir,
            bin,
            port,
            user: self.db.db_user().to_owned(),
            pass: self.db.db_pass().to_owned(),
        };
        let opts = format!(
            "-p {port} -c unix_socket_directories={} -c hot_standby=on -c fsync=off",
            s.dir.display()
        );
        let out = as_postgres(&s.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&s.dir)
            .args(["-o", &opts, "-l"])
            .arg(s.dir.join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "starting the standby: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(s)
    }
}

impl Standby {
    /// A URL for database `name` on the standby.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{}:{}@localhost:{}/{}?host={}",
            self.user,
            self.pass,
            self.port,
            name,
            self.dir.display()
        )
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
