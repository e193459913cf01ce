//! Store errors, typed at the boundary: not found, conflict on a named constraint, or other.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write; `constraint` names it (index or column).
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DbErr),
}

/// Known unique constraints, matched against the backend's message (PostgreSQL names the index,
/// SQLite the columns), so callers can turn them into field errors.
const CONSTRAINTS: &[(&str, &[&str])] = &[
    (
        "customers_id_bidx",
        &["ux_customers_id_bidx", "customers.id_bidx"],
    ),
    (
        "customers_customer_no",
        &["ux_customers_customer_no", "customers.customer_no"],
    ),
    (
        "contacts_mobile",
        &["ux_contacts_mobile", "customer_contacts.bidx"],
    ),
    ("staff_username", &["ux_staff_username", "staff.username"]),
    (
        "relationships",
        &["ux_relationships", "customer_relationships.from_id"],
    ),
    (
        "field_definitions",
        &["ux_field_definitions", "field_definitions.kind"],
    ),
    (
        "idempotency",
        &["idempotency_keys_pkey", "idempotency_keys.staff_id"],
    ),
    (
        "customer_versions",
        &["ux_customer_versions", "customer_versions.customer_id"],
    ),
    ("audit_seq", &["ux_audit_seq", "audit_log.seq"]),
    ("campaigns_key", &["ux_campaigns_key", "campaigns.key"]),
    ("products_code", &["ux_products_code", "products.code"]),
    (
        "acq_partners_name",
        &["ux_acq_partners_name", "acq_partners.name"],
    ),
    (
        "care_hospitals_name",
        &["ux_care_hospitals_name", "care_hospitals.name"],
    ),
    ("acq_targets", &["ux_acq_targets", "acq_targets.period"]),
    ("acq_market", &["ux_acq_market", "acq_market.period"]),
    ("perf_targets", &["ux_perf_targets", "perf_targets.period"]),
    (
        "perf_scorecards",
        &["ux_perf_scorecards", "perf_scorecards.staff_id"],
    ),
    (
        "perf_decisions",
        &["ux_perf_decisions", "perf_decisions.staff_id"],
    ),
    (
        "perf_group_targets",
        &["ux_perf_group_targets", "perf_group_targets.period"],
    ),
    (
        "lead_proposals_round",
        &["ux_lead_proposals_round", "lead_proposals.lead_id"],
    ),
    ("sales_account", &["ux_sales_account", "sales.account_no"]),
    ("lead_team", &["ux_lead_team", "lead_team.lead_id"]),
    (
        "acq_campaigns_name",
        &["ux_acq_campaigns_name", "acq_campaigns.name"],
    ),
    (
        "lead_papers_kind",
        &["ux_lead_papers_kind", "lead_papers.lead_id"],
    ),
    (
        "wealth_plans",
        &["ux_wealth_plans_seq", "wealth_plans.customer_id"],
    ),
    (
        "wealth_team",
        &["ux_wealth_team_member", "wealth_team.customer_id"],
    ),
    (
        "wealth_referrals",
        &["ux_wealth_referrals_pair", "wealth_referrals.referrer_id"],
    ),
    (
        "training_courses",
        &["ux_training_courses", "training_courses.code"],
    ),
    (
        "training_programmes",
        &["ux_training_programmes", "training_programmes.code"],
    ),
    (
        "training_enrolments",
        &["ux_training_enrolments", "training_enrolments.programme_id"],
    ),
    (
        "reward_schemes",
        &["ux_reward_schemes", "reward_schemes.code"],
    ),
    (
        "training_attendance",
        &["ux_training_attendance", "training_attendance.session_id"],
    ),
];

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(msg)) => {
                let constraint = CONSTRAINTS
                    .iter()
                    .find(|(_, pats)| pats.iter().any(|p| msg.contains(p)))
                    .map(|(name, _)| (*name).to_owned())
                    .unwrap_or_else(|| "unique".to_owned());
                StoreError::Conflict { constraint }
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => StoreError::Conflict {
                constraint: "foreign_key".to_owned(),
            },
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    pub fn is_conflict_on(&self, name: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint == name)
    }

    /// Whether retrying the whole transaction may succeed (SQLite busy, PostgreSQL serialization).
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(e) => {
                let s = e.to_string();
                s.contains("database is locked")
                    || s.contains("could not serialize")
                    || s.contains("deadlock")
            }
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
