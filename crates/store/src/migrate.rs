//! The one migration set for both backends. Each step runs in its own transaction and is recorded in
//! `schema_migrations`; a released step is never edited, only followed by a new one.

use crate::db::{Db, DbKind, now_us};
use crate::error::Result;
use sea_orm::sea_query::{
    ColumnDef, Expr, ExprTrait, Func, Index, IndexCreateStatement, Query, Table,
    TableCreateStatement,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};
// The columns, indexes and keys the steps are made of (the steps' modules reach them as `super::…`).
use parts::{
    alter, bigint, bigint_null, blob, boolean, fk, id, idx, int, int_null, text, text_null, uidx,
    uuid, uuid_null,
};

mod access;
mod acquisition;
mod activity;
mod archive;
mod audit_keyed;
mod book;
mod campaigns;
mod care;
mod followups;
mod imports;
mod insights;
mod loadjobs;
mod merge;
mod monitoring;
mod months;
mod outbound;
mod parts;
mod performance;
mod policy;
mod rights;
mod sales;
mod saved;
mod search;
mod sso;
mod steps;
mod totp_lock;
mod wealth;
pub use audit_keyed::GUARDED as AUDIT_GUARDED;

/// One migration step.
struct Step {
    version: i64,
    name: &'static str,
    run: fn(&mut Vec<Stmt>, DbKind),
}

/// A statement of a step: built by sea-query, or raw SQL that is the same on both backends.
enum Stmt {
    Table(Box<TableCreateStatement>),
    Index(Box<IndexCreateStatement>),
    Raw(String),
}

use steps::STEPS;

/// The schema version this build migrates to (its last step).
pub fn latest() -> i64 {
    STEPS.last().map_or(0, |s| s.version)
}

/// The first released schema. It stays one function, longer than the rule, on purpose: it is a released
/// migration, read top to bottom against the databases it created, and it is never edited (later changes
/// are new versions).
fn v1(s: &mut Vec<Stmt>, kind: DbKind) {
    // Staff accounts. Passwords are argon2id PHC strings; failures count toward a temporary lock.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("staff")
            .col(id("id"))
            .col(text("username"))
            .col(text("display_name"))
            .col(text("role"))
            .col(text_null("branch_code"))
            .col(text("password_hash"))
            .col(boolean("disabled"))
            .col(int("failed_logins"))
            .col(bigint_null("locked_until_us"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx("ux_staff_username", "staff", &["username"]));

    // Bearer tokens: only the SHA-256 of the token is stored, so a database leak yields no session.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("api_tokens")
            .col(id("id"))
            .col(blob("token_hash"))
            .col(uuid("staff_id"))
            .col(bigint("created_at_us"))
            .col(bigint("expires_at_us"))
            .col(bigint_null("revoked_at_us"))
            .foreign_key(&mut fk("api_tokens", "staff_id", "staff"))
            .to_owned(),
    )));
    s.push(uidx("ux_api_tokens_hash", "api_tokens", &["token_hash"]));

    // Data-encryption keys, each wrapped (AES-256-GCM) under the master key. `purpose` is `field`
    // (encrypts values; rotates) or `blind_index` (HMAC key for exact lookups; stable).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("data_keys")
            .col(ColumnDef::new("id").integer().not_null().primary_key())
            .col(text("purpose"))
            .col(blob("wrapped"))
            .col(boolean("active"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));

    // Named counters for human-readable numbers (customer numbers per kind and branch).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("counters")
            .col(ColumnDef::new("name").text().not_null().primary_key())
            .col(bigint("value"))
            .to_owned(),
    )));

    // The party master. Names stay in clear (they are searched); identifiers are encrypted with an
    // HMAC blind index for exact lookup and duplicate checks. `profile` and `custom` are JSON text.
    let mut name_col = text("display_name");
    if kind == DbKind::Postgres {
        // Byte-order collation so that prefix ranges (name >= 'ab' AND name < 'ab\u{10FFFF}') use the index.
        name_col.extra("COLLATE \"C\"");
    }
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customers")
            .col(id("id"))
            .col(text("customer_no"))
            .col(text("kind"))
            .col(text("status"))
            .col(text("branch_code"))
            .col(uuid_null("rm_id"))
            .col(name_col)
            .col(text_null("name_latin_lower"))
            .col(text_null("birth_date"))
            .col(text("id_type"))
            .col(blob("id_enc"))
            .col(blob("id_bidx"))
            .col(text("profile"))
            .col(text_null("preferred_channel"))
            .col(text("custom"))
            .col(bigint("version"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .col(uuid_null("submitted_by"))
            .col(bigint_null("submitted_at_us"))
            .col(uuid_null("verified_by"))
            .col(bigint_null("verified_at_us"))
            .col(text_null("review_due"))
            .col(text_null("return_note"))
            .foreign_key(&mut fk("customers", "rm_id", "staff"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_customers_customer_no",
        "customers",
        &["customer_no"],
    ));
    s.push(uidx("ux_customers_id_bidx", "customers", &["id_bidx"]));
    // Name searches filter by a prefix range and page in (name, id) order: one index serves both.
    s.push(idx(
        "ix_customers_name",
        "customers",
        &["display_name", "id"],
    ));
    s.push(idx(
        "ix_customers_latin",
        "customers",
        &["name_latin_lower"],
    ));
    s.push(idx("ix_customers_rm", "customers", &["rm_id", "id"]));
    s.push(idx(
        "ix_customers_branch",
        "customers",
        &["branch_code", "id"],
    ));
    s.push(idx(
        "ix_customers_status",
        "customers",
        &["status", "submitted_at_us"],
    ));
    s.push(idx("ix_customers_review_due", "customers", &["review_due"]));

    // Contact points, encrypted; `bidx` is the blind index of the canonical value.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_contacts")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("kind"))
            .col(text_null("label"))
            .col(blob("value_enc"))
            .col(blob("bidx"))
            .col(bigint("created_at_us"))
            .foreign_key(&mut fk("customer_contacts", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_contacts_customer",
        "customer_contacts",
        &["customer_id"],
    ));
    // One customer per mobile number, enforced by the database even under concurrent creates.
    s.push(Stmt::Raw(
        "CREATE UNIQUE INDEX ux_contacts_mobile ON customer_contacts (bidx) WHERE kind = 'mobile'"
            .into(),
    ));
    s.push(idx("ix_contacts_bidx", "customer_contacts", &["bidx"]));

    // Marketing consent per channel, with when and where it was given.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_consents")
            .col(uuid("customer_id"))
            .col(text("channel"))
            .col(boolean("granted"))
            .col(text("source"))
            .col(bigint("at_us"))
            .col(uuid("recorded_by"))
            .primary_key(Index::create().col("customer_id").col("channel"))
            .foreign_key(&mut fk("customer_consents", "customer_id", "customers"))
            .to_owned(),
    )));

    // Typed links between customers; stored once, shown from both sides with the inverse kind.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_relationships")
            .col(id("id"))
            .col(uuid("from_id"))
            .col(uuid("to_id"))
            .col(text("kind"))
            .col(text_null("note"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .foreign_key(&mut fk("customer_relationships", "from_id", "customers"))
            .foreign_key(&mut fk("customer_relationships", "to_id", "customers"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_relationships",
        "customer_relationships",
        &["from_id", "to_id", "kind"],
    ));
    s.push(idx(
        "ix_relationships_to",
        "customer_relationships",
        &["to_id"],
    ));

    // Every change keeps a version: who, when, and each field old -> new (sensitive values masked).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_versions")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(bigint("version"))
            .col(uuid("actor_id"))
            .col(bigint("at_us"))
            .col(text("action"))
            .col(text("changes"))
            .foreign_key(&mut fk("customer_versions", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_customer_versions",
        "customer_versions",
        &["customer_id", "version"],
    ));

    // Custom attributes a bank defines per customer kind.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("field_definitions")
            .col(id("id"))
            .col(text("kind"))
            .col(text("key"))
            .col(text("definition"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_field_definitions",
        "field_definitions",
        &["kind", "key"],
    ));

    // Idempotency keys of creating POSTs: a retry returns the first answer.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("idempotency_keys")
            .col(uuid("staff_id"))
            .col(text("key"))
            .col(text("request_hash"))
            .col(int("status"))
            .col(text("response"))
            .col(bigint("created_at_us"))
            .primary_key(
                Index::create()
                    .name("idempotency_keys_pkey")
                    .col("staff_id")
                    .col("key"),
            )
            .to_owned(),
    )));

    // The audit log: append-only, hash-chained. Writers insert unsealed rows inside their own
    // transaction; a sealer assigns `seq` and the chain hash in the background, so no writer waits
    // on one global lock.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("audit_log")
            .col(id("id"))
            .col(bigint_null("seq"))
            .col(bigint("at_us"))
            .col(uuid_null("actor_id"))
            .col(text("actor"))
            .col(text("action"))
            .col(text("entity"))
            .col(text_null("entity_id"))
            .col(uuid_null("customer_id"))
            .col(text("detail"))
            .col(text_null("prev_hash"))
            .col(text_null("hash"))
            .to_owned(),
    )));
    s.push(uidx("ux_audit_seq", "audit_log", &["seq"]));
    s.push(idx(
        "ix_audit_customer",
        "audit_log",
        &["customer_id", "at_us"],
    ));
    s.push(idx("ix_audit_actor", "audit_log", &["actor_id", "at_us"]));
    s.push(idx("ix_audit_at", "audit_log", &["at_us"]));
    // The sealer's queue: only unsealed rows, in the order they are chained (a partial index stays tiny, so
    // finding work costs nothing however long the log grows).
    s.push(Stmt::Raw(
        "CREATE INDEX ix_audit_unsealed ON audit_log (at_us, id) WHERE seq IS NULL".into(),
    ));

    // Leases for background work, so several server nodes can run side by side.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("leases")
            .col(ColumnDef::new("name").text().not_null().primary_key())
            .col(text("holder"))
            .col(bigint("expires_at_us"))
            .to_owned(),
    )));
}

fn v2(s: &mut Vec<Stmt>, _kind: DbKind) {
    // Browser sessions of the workbench: the cookie's SHA-256, its CSRF token, idle and absolute expiry.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("web_sessions")
            .col(id("id"))
            .col(blob("token_hash"))
            .col(uuid("staff_id"))
            .col(text("csrf"))
            .col(text("lang"))
            .col(bigint("created_at_us"))
            .col(bigint("last_seen_us"))
            .col(bigint("expires_at_us"))
            .col(bigint_null("revoked_at_us"))
            .foreign_key(&mut fk("web_sessions", "staff_id", "staff"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_web_sessions_hash",
        "web_sessions",
        &["token_hash"],
    ));
}

fn v3(s: &mut Vec<Stmt>, _kind: DbKind) {
    // Every policy file the system has run with, so each assignment can name the figures behind it.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("policy_versions")
            .col(ColumnDef::new("hash").text().not_null().primary_key())
            .col(text("version"))
            .col(text("content"))
            .col(bigint("loaded_at_us"))
            .to_owned(),
    )));
    // Daily metrics per customer (one row per business date); `data` is the metrics document, `aum` is
    // copied out for SQL (filters, the benchmark's single-statement comparison).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_metrics")
            .col(uuid("customer_id"))
            .col(text("as_of"))
            .col(bigint("aum"))
            .col(text("data"))
            .col(bigint("recorded_at_us"))
            .col(uuid("recorded_by"))
            .primary_key(Index::create().col("customer_id").col("as_of"))
            .foreign_key(&mut fk("customer_metrics", "customer_id", "customers"))
            .to_owned(),
    )));
    // The current value of each dimension for each customer, with its reason and the policy that decided.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("segment_assignments")
            .col(uuid("customer_id"))
            .col(text("dimension"))
            .col(text("value"))
            .col(text("reason"))
            .col(text("checks"))
            .col(text("policy_hash"))
            .col(bigint("assigned_at_us"))
            .primary_key(Index::create().col("customer_id").col("dimension"))
            .foreign_key(&mut fk("segment_assignments", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_segment_assignments_value",
        "segment_assignments",
        &["dimension", "value", "customer_id"],
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("segment_history")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("dimension"))
            .col(text_null("old_value"))
            .col(text_null("new_value"))
            .col(text("reason"))
            .col(text("policy_hash"))
            .col(bigint("at_us"))
            .foreign_key(&mut fk("segment_history", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_segment_history_customer",
        "segment_history",
        &["customer_id", "at_us"],
    ));
    // Events for later modules (notifications, tasks), written in the transaction that caused them.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("outbox")
            .col(id("id"))
            .col(text("topic"))
            .col(uuid_null("customer_id"))
            .col(text("payload"))
            .col(bigint("created_at_us"))
            .col(bigint_null("published_at_us"))
            .to_owned(),
    )));
    s.push(Stmt::Raw(
        "CREATE INDEX ix_outbox_pending ON outbox (created_at_us, id) WHERE published_at_us IS NULL"
            .into(),
    ));
    // Early-warning alerts: one open alert per customer and indicator.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("alerts")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("indicator"))
            .col(text("status"))
            .col(uuid_null("owner_id"))
            .col(text("reason"))
            .col(text("checks"))
            .col(text("due_on"))
            .col(bigint("created_at_us"))
            .col(bigint_null("closed_at_us"))
            .col(uuid_null("closed_by"))
            .col(text_null("resolution"))
            .foreign_key(&mut fk("alerts", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(Stmt::Raw(
        "CREATE UNIQUE INDEX ux_alerts_open ON alerts (customer_id, indicator) WHERE status = 'open'"
            .into(),
    ));
    s.push(idx("ix_alerts_owner", "alerts", &["owner_id", "status"]));
    // Risk-appetite questionnaires as answered; the latest valid one decides the appetite.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("risk_assessments")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("answers"))
            .col(int("score"))
            .col(text("level"))
            .col(text("assessed_on"))
            .col(text("expires_on"))
            .col(text("channel"))
            .col(uuid("assessed_by"))
            .col(bigint("at_us"))
            .foreign_key(&mut fk("risk_assessments", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_risk_assessments_customer",
        "risk_assessments",
        &["customer_id", "at_us"],
    ));
}

fn v4(s: &mut Vec<Stmt>, _kind: DbKind) {
    // Follow-up work for staff: contact-plan tasks (one open per customer), visits and others.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("tasks")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(uuid_null("owner_id"))
            .col(text("kind"))
            .col(text_null("plan_key"))
            .col(text("method"))
            .col(text("due_on"))
            .col(text("status"))
            .col(text_null("note"))
            .col(text_null("purpose"))
            .col(bigint_null("scheduled_at_us"))
            .col(boolean("key_customer"))
            .col(bigint("created_at_us"))
            .col(bigint_null("done_at_us"))
            .col(uuid_null("interaction_id"))
            .col(ColumnDef::new("on_time").boolean().null().to_owned())
            .foreign_key(&mut fk("tasks", "customer_id", "customers"))
            .to_owned(),
    )));
    // At most one open contact-plan task per customer: re-running the planner can never duplicate.
    s.push(Stmt::Raw(
        "CREATE UNIQUE INDEX ux_tasks_open_contact ON tasks (customer_id) WHERE status = 'open' AND kind = 'contact'"
            .into(),
    ));
    s.push(idx(
        "ix_tasks_owner",
        "tasks",
        &["owner_id", "status", "due_on"],
    ));
    // Not (kind, due_on): without statistics both databases then answered the planner's
    // `customer_id IN (...) AND kind = 'contact'` from it, reading every contact task per page
    // (bench/engagement: 606 ms a page at 500,000 tasks on SQLite, 2.7 ms by customer).
    s.push(idx("ix_tasks_due", "tasks", &["due_on"]));
    s.push(idx(
        "ix_tasks_customer",
        "tasks",
        &["customer_id", "due_on"],
    ));
    // What staff did with a customer: calls, visits, meetings, messages.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("interactions")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(uuid("staff_id"))
            .col(text("method"))
            .col(bigint("occurred_at_us"))
            .col(text("outcome"))
            .col(text_null("needs"))
            .col(ColumnDef::new("satisfaction").integer().null().to_owned())
            .col(text_null("next_step"))
            .col(uuid_null("task_id"))
            .col(bigint("created_at_us"))
            .foreign_key(&mut fk("interactions", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_interactions_customer",
        "interactions",
        &["customer_id", "occurred_at_us"],
    ));
    s.push(idx(
        "ix_interactions_staff",
        "interactions",
        &["staff_id", "occurred_at_us"],
    ));
    // The notification outbox: each message written in the transaction of its cause, delivered by the
    // dispatcher. `cause_key` makes enqueueing idempotent (one birthday greeting per customer and year).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("messages")
            .col(id("id"))
            .col(uuid("customer_id"))
            .col(text("channel"))
            .col(text("purpose"))
            .col(text("cause"))
            .col(text("cause_key"))
            .col(text("lang"))
            .col(text_null("subject"))
            .col(text("body"))
            .col(text("status"))
            .col(text_null("reason"))
            .col(int("attempts"))
            .col(bigint("next_attempt_at_us"))
            .col(bigint_null("claimed_until_us"))
            .col(bigint("created_at_us"))
            .col(bigint_null("sent_at_us"))
            .foreign_key(&mut fk("messages", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(uidx("ux_messages_cause", "messages", &["cause_key"]));
    s.push(idx(
        "ix_messages_due",
        "messages",
        &["status", "next_attempt_at_us"],
    ));
    s.push(idx(
        "ix_messages_customer",
        "messages",
        &["customer_id", "created_at_us"],
    ));
    // Client events (seed 004: lectures, exchange meetings, outdoor activities) and who was invited.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("events")
            .col(id("id"))
            .col(text("title"))
            .col(text("kind"))
            .col(text_null("description"))
            .col(text("location"))
            .col(bigint("starts_at_us"))
            .col(int("capacity"))
            .col(text("branch_code"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .to_owned(),
    )));
    s.push(idx("ix_events_starts", "events", &["starts_at_us"]));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("event_invitations")
            .col(uuid("event_id"))
            .col(uuid("customer_id"))
            .col(text("status"))
            .col(uuid("invited_by"))
            .col(bigint("invited_at_us"))
            .col(bigint_null("responded_at_us"))
            .col(ColumnDef::new("rating").integer().null().to_owned())
            .col(text_null("feedback"))
            .primary_key(Index::create().col("event_id").col("customer_id"))
            .foreign_key(&mut fk("event_invitations", "event_id", "events"))
            .foreign_key(&mut fk("event_invitations", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_event_invitations_customer",
        "event_invitations",
        &["customer_id"],
    ));
}

fn v5(s: &mut Vec<Stmt>, _kind: DbKind) {
    // A team (a group of managers under one lead, for coverage) and a department (for routing feedback
    // cases to a queue): free text, chosen by the bank.
    s.push(Stmt::Raw(
        "ALTER TABLE staff ADD COLUMN team TEXT NULL".into(),
    ));
    s.push(Stmt::Raw(
        "ALTER TABLE staff ADD COLUMN department TEXT NULL".into(),
    ));
    // Campaign reports count messages per `campaign:KEY` cause.
    s.push(idx("ix_messages_cause", "messages", &["cause", "status"]));
}

fn v6(s: &mut Vec<Stmt>, _kind: DbKind) {
    // Feedback cases: registration, routing, two clocks (internal SLA and regulatory), resolution, survey.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("cases")
            .col(id("id"))
            .col(text("case_no"))
            .col(text("kind"))
            .col(text("channel"))
            .col(text_null("product"))
            .col(text_null("cause"))
            .col(text("severity"))
            .col(boolean("complex"))
            .col(text("party"))
            .col(uuid_null("customer_id"))
            .col(
                ColumnDef::new("complainant_enc")
                    .var_binary(4096)
                    .null()
                    .to_owned(),
            )
            .col(text_null("complainant_masked"))
            .col(text("branch_code"))
            .col(text_null("segment"))
            .col(text("subject"))
            .col(text("content"))
            .col(bigint("received_at_us"))
            .col(bigint("clock_start_us"))
            .col(uuid("created_by"))
            .col(bigint("created_at_us"))
            .col(text("department"))
            .col(uuid_null("owner_id"))
            .col(text("route_rule"))
            .col(text("status"))
            .col(int("escalation_level"))
            .col(text("sla_rule"))
            .col(int("sla_amount"))
            .col(text("sla_unit"))
            .col(bigint("sla_due_at_us"))
            .col(ColumnDef::new("reg_amount").integer().null().to_owned())
            .col(text_null("reg_unit"))
            .col(bigint_null("reg_due_at_us"))
            .col(bigint_null("next_check_at_us"))
            .col(text("pauses"))
            .col(text("extensions"))
            .col(boolean("paused"))
            .col(uuid_null("linked_case_id"))
            .col(bigint_null("resolved_at_us"))
            .col(text_null("solution"))
            .col(text_null("reply"))
            .col(text_null("reply_via"))
            .col(ColumnDef::new("satisfaction").integer().null().to_owned())
            .col(text_null("survey_comment"))
            .col(bigint_null("surveyed_at_us"))
            .col(ColumnDef::new("sla_met").boolean().null().to_owned())
            .col(ColumnDef::new("reg_met").boolean().null().to_owned())
            .col(bigint_null("reopen_until_us"))
            .col(int("reopen_count"))
            .col(text_null("lessons"))
            .col(text_null("improvement"))
            .col(int("version"))
            .col(bigint("updated_at_us"))
            .foreign_key(&mut fk("cases", "customer_id", "customers"))
            .to_owned(),
    )));
    s.push(uidx("ux_cases_no", "cases", &["case_no"]));
    // The escalation job reads open cases whose next threshold has passed.
    s.push(idx(
        "ix_cases_check",
        "cases",
        &["status", "next_check_at_us"],
    ));
    s.push(idx("ix_cases_owner", "cases", &["owner_id", "status"]));
    s.push(idx(
        "ix_cases_department",
        "cases",
        &["department", "status"],
    ));
    s.push(idx("ix_cases_received", "cases", &["received_at_us"]));
    s.push(idx("ix_cases_customer", "cases", &["customer_id"]));
    // What happened to a case, in order (the case's own timeline; the audit log has the same writes).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("case_log")
            .col(id("id"))
            .col(uuid("case_id"))
            .col(bigint("at_us"))
            .col(uuid_null("actor_id"))
            .col(text("action"))
            .col(text_null("note"))
            .col(text("detail"))
            .foreign_key(&mut fk("case_log", "case_id", "cases"))
            .to_owned(),
    )));
    s.push(idx("ix_case_log_case", "case_log", &["case_id", "at_us"]));
    // Cross-department work on a case.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("case_tasks")
            .col(id("id"))
            .col(uuid("case_id"))
            .col(text("department"))
            .col(uuid_null("owner_id"))
            .col(text("title"))
            .col(bigint("due_at_us"))
            .col(text("status"))
            .col(text_null("result"))
            .col(bigint("created_at_us"))
            .col(bigint_null("done_at_us"))
            .foreign_key(&mut fk("case_tasks", "case_id", "cases"))
            .to_owned(),
    )));
    s.push(idx("ix_case_tasks_case", "case_tasks", &["case_id"]));
    // Notices to staff (escalations, assignments), written in the transaction of their cause.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("staff_notices")
            .col(id("id"))
            .col(uuid("staff_id"))
            .col(uuid_null("case_id"))
            .col(text("kind"))
            .col(text("text"))
            .col(bigint("created_at_us"))
            .col(bigint_null("read_at_us"))
            .foreign_key(&mut fk("staff_notices", "staff_id", "staff"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_staff_notices_staff",
        "staff_notices",
        &["staff_id", "created_at_us"],
    ));
    // Working-day calendars loaded by an administrator (they replace the shipped file of the same name).
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("calendars")
            .col(
                ColumnDef::new("name")
                    .text()
                    .not_null()
                    .primary_key()
                    .to_owned(),
            )
            .col(text("body"))
            .col(uuid("updated_by"))
            .col(bigint("updated_at_us"))
            .to_owned(),
    )));
}

fn v7(s: &mut Vec<Stmt>, _kind: DbKind) {
    // Files attached to a case (letters, photos, call recordings), encrypted like other personal data.
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("case_attachments")
            .col(id("id"))
            .col(uuid("case_id"))
            .col(text("filename"))
            .col(text("content_type"))
            .col(bigint("size_bytes"))
            .col(text("sha256"))
            .col(ColumnDef::new("data").blob().not_null().to_owned())
            .col(uuid("uploaded_by"))
            .col(bigint("uploaded_at_us"))
            .foreign_key(&mut fk("case_attachments", "case_id", "cases"))
            .to_owned(),
    )));
    s.push(idx(
        "ix_case_attachments_case",
        "case_attachments",
        &["case_id"],
    ));
}

fn v8(s: &mut Vec<Stmt>, _kind: DbKind) {
    // One stage per clock (0 running, 1 warned, 2 breached): a single combined level hid an SLA breach
    // once the regulatory clock had warned first.
    s.push(Stmt::Raw(
        "ALTER TABLE cases ADD COLUMN sla_stage INTEGER NOT NULL DEFAULT 0".into(),
    ));
    s.push(Stmt::Raw(
        "ALTER TABLE cases ADD COLUMN reg_stage INTEGER NOT NULL DEFAULT 0".into(),
    ));
}

async fn exec(tx: &DatabaseTransaction, st: &Stmt) -> Result<()> {
    match st {
        Stmt::Table(t) => {
            tx.execute(t.as_ref()).await?;
        }
        Stmt::Index(i) => {
            tx.execute(i.as_ref()).await?;
        }
        Stmt::Raw(sql) => {
            tx.execute_raw(Statement::from_string(
                tx.get_database_backend(),
                sql.clone(),
            ))
            .await?;
        }
    }
    Ok(())
}

/// Applies every step not applied yet; returns the versions applied now.
pub async fn run(db: &Db) -> Result<Vec<i64>> {
    run_through(db, i64::MAX).await
}

/// Applies the steps not applied yet up to and including `last`.
pub async fn run_through(db: &Db, last: i64) -> Result<Vec<i64>> {
    let ledger = Table::create()
        .table("schema_migrations")
        .if_not_exists()
        .col(
            ColumnDef::new("version")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(text("name"))
        .col(bigint("applied_at_us"))
        .to_owned();
    if let Err(e) = db.conn.execute(&ledger).await {
        // Nodes started together on an empty PostgreSQL database: IF NOT EXISTS does not stop a second
        // CREATE from meeting the first one's catalog row (a unique violation). The ledger is there then.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        db.conn.execute(&ledger).await.map_err(|_| e)?;
    }
    let mut applied = Vec::new();
    for step in STEPS.iter().filter(|s| s.version <= last) {
        let tx = db.conn.begin().await?;
        // Nodes started together migrate one at a time: each step's transaction first takes the write
        // lock on the ledger, so a second node waits, then finds the step done (instead of failing on a
        // table the first one created).
        tx.execute_unprepared(match db.kind {
            DbKind::Postgres => "LOCK TABLE schema_migrations IN SHARE ROW EXCLUSIVE MODE",
            DbKind::Sqlite => "DELETE FROM schema_migrations WHERE version < 0",
        })
        .await?;
        let done = tx
            .query_one(
                Query::select()
                    .expr(Expr::val(1))
                    .from("schema_migrations")
                    .and_where(Expr::col("version").eq(step.version)),
            )
            .await?;
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        let mut stmts = Vec::new();
        (step.run)(&mut stmts, db.kind);
        for st in &stmts {
            exec(&tx, st).await?;
        }
        tx.execute(
            Query::insert()
                .into_table("schema_migrations")
                .columns(["version", "name", "applied_at_us"])
                .values_panic([step.version.into(), step.name.into(), now_us().into()]),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = step.version,
            name = step.name,
            "migration applied"
        );
        applied.push(step.version);
    }
    Ok(applied)
}

/// The highest applied version (0 when none).
pub async fn current_version(db: &Db) -> Result<i64> {
    let row = db
        .conn
        .query_one(
            Query::select()
                .expr(Func::max(Expr::col("version")))
                .from("schema_migrations"),
        )
        .await?;
    Ok(row
        .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten())
        .unwrap_or(0))
}
