//! The command line: global flags and every command with its arguments (clap).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "banyan",
    version,
    about = "Banyan: customer-relationship management for banks"
)]
pub(crate) struct Cli {
    /// Configuration file (default: ./banyan.toml if present).
    #[arg(long, global = true, env = "BANYAN_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Data directory (SQLite database, demo key).
    #[arg(long, global = true)]
    pub(crate) data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://...); SQLite in the data directory when absent.
    #[arg(long, global = true)]
    pub(crate) database_url: Option<String>,
    /// Policy file (default: the shipped policy).
    #[arg(long, global = true)]
    pub(crate) policy: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// The bank's book: load the core system's feeds.
    Book {
        #[command(subcommand)]
        command: crate::book::BookCommand,
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
    /// Back up the database and the audit checkpoints into a new directory, online (the bank keeps working).
    /// The master key is not in the backup: keep it apart, a restore needs the same key.
    Backup {
        /// A new (or empty) directory to write the backup into.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into this configuration's database (a fresh data directory or an empty PostgreSQL
    /// database), then verify the audit chain.
    Restore {
        /// The backup directory (`banyan backup --to`).
        #[arg(long)]
        from: PathBuf,
    },
    /// Erase again every person the erasure ledger names whose record stands un-erased (done by `restore`;
    /// run it when the ledger was put in place after a restore).
    ReapplyErasures,
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
pub(crate) enum CasesCommand {
    /// Raise the escalation level of cases past 80% of a deadline or past it, once (the server does this
    /// every minute).
    Escalate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// Check a calendar file; exits 1 naming the line or date.
    Check { file: PathBuf },
    /// Load (or replace) calendar NAME from FILE into the database, for every node.
    Load { name: String, file: PathBuf },
    /// List the calendars in force and the years they cover.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Queue today's birthday and holiday greetings (idempotent: once per customer, occasion and year).
    Greetings,
    /// Deliver the messages due now, once (the server does this continuously).
    Dispatch,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TasksCommand {
    /// Plan contact tasks from the contact plans (idempotent: creates missing, moves changed, cancels stale).
    Plan {
        /// Every customer (required).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Validate a policy file; exits 1 naming the line or key and the reason.
    Check { file: PathBuf },
    /// Dry run: how many customers would change tier, rating or stage under FILE, and which. Writes nothing.
    Diff { file: PathBuf },
    /// Put FILE's policy in force on every node (each takes it up within 30 s; also an older one, to go
    /// back), audited, then re-evaluate every customer under it once every node has taken it up.
    Apply {
        file: PathBuf,
        /// Re-evaluate at once instead of waiting 30 s for the nodes: no server is running.
        #[arg(long)]
        now: bool,
    },
    /// Re-evaluate customers under the policy in force (only changes are written).
    Evaluate {
        /// Every customer (the only mode; required so the command is never run by accident).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
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
    /// Remove an account's second factor (a lost phone, or the last administrator's own): it signs in with
    /// its password alone and enrols again; its sessions and tokens end. Audited.
    ResetTotp { username: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportWhat {
    /// Import customers; rejected rows are written to FILE.rejected.csv with their reasons.
    Customers {
        file: PathBuf,
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
pub(crate) enum ExportWhat {
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
pub(crate) enum AuditCommand {
    /// Seal pending records, write a checkpoint and verify the whole keyed chain against the checkpoints;
    /// exits 1 if broken.
    Verify {
        /// The directory `audit archive` wrote: check the archived months' records from their files too
        /// (without it they are stepped over by the chain values the database holds for them).
        #[arg(long)]
        archive: Option<PathBuf>,
    },
    /// Move every ended month before `--before` out of the database into compressed files with their
    /// checksums and the checkpoints (AML records are kept ten years and more: keep the directory so).
    Archive {
        /// The first month kept in the database, as YYYY-MM (at the latest this month).
        #[arg(long)]
        before: String,
        /// The archive directory (created if missing; months archived before may be in it).
        #[arg(long)]
        to: PathBuf,
    },
    /// Print the SQL (PostgreSQL) that lets the role the server connects as write audit records but never
    /// change or remove them; run it as the schema's owner after `banyan migrate`.
    Grants {
        /// The role the server connects as.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Add a new data key and re-encrypt every stored value under it.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration (secrets redacted).
    Show,
}
