//! What the use cases return about customers: masked by default, revealed only on request and permission.

use banyan_domain::customer::{
    Channel, ContactKind, CustomerKind, CustomerStatus, RelationshipKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The identifying document of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentifierView {
    /// `resident_id`, `passport`, `hk_id`, `tw_id` or `credit_code`.
    #[serde(rename = "type")]
    pub id_type: String,
    /// Masked (`110105********002X`) unless revealed.
    pub number: String,
    pub revealed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub id: Uuid,
    pub kind: ContactKind,
    pub label: Option<String>,
    /// Masked (`138****5678`) unless revealed.
    pub value: String,
    pub revealed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub channel: Channel,
    pub granted: bool,
    pub source: String,
    pub at: String,
    pub recorded_by: Uuid,
}

/// Why a record was returned to its maker.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnNote {
    pub reasons: Vec<String>,
    pub missing_items: Vec<String>,
    pub returned_by: Uuid,
    pub returned_at: String,
}

/// A possible duplicate found on create (same name and birth date): a warning, not an error.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DuplicateWarning)]
pub struct Warning {
    pub code: String,
    pub message: String,
    pub customer_nos: Vec<String>,
}

/// One customer, whole.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: Uuid,
    pub customer_no: String,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    /// Only verified customers are active.
    pub active: bool,
    pub branch_code: String,
    pub rm_id: Option<Uuid>,
    pub display_name: String,
    /// The kind's profile (individual or organisation fields).
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    pub identifier: IdentifierView,
    pub contacts: Vec<ContactView>,
    pub consents: Vec<ConsentView>,
    pub preferred_channel: Option<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    /// Send this back (If-Match or `version`) when you update.
    pub version: i64,
    pub created_by: Uuid,
    pub created_at: String,
    pub updated_by: Uuid,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub verified_by: Option<Uuid>,
    pub verified_at: Option<String>,
    /// Civil date of the next periodic review (set at verification).
    pub review_due: Option<String>,
    pub review_overdue: bool,
    pub return_note: Option<ReturnNote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// A row of a customer listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerSummary {
    pub id: Uuid,
    pub customer_no: String,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    pub branch_code: String,
    pub rm_id: Option<Uuid>,
    pub display_name: String,
    pub birth_date: Option<String>,
    /// Masked identifier.
    pub identifier: String,
    /// Masked first mobile number.
    pub mobile: Option<String>,
    pub review_due: Option<String>,
    pub version: i64,
}

/// A page of a listing; pass `next_cursor` as `cursor` for the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// How many items a listing holds: exact up to a cap; past it `more` is set and the count is a lower bound.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub struct Total {
    pub count: u64,
    /// True when there are more than `count`.
    pub more: bool,
}

/// A page of customers with the size of the whole listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerSummary>,
    pub next_cursor: Option<String>,
    pub total: Total,
}

/// A change of one field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldChange {
    pub field: String,
    /// Any JSON value: text, a number, a list, or null.
    #[schema(value_type = Value)]
    pub old: serde_json::Value,
    #[schema(value_type = Value)]
    pub new: serde_json::Value,
}

/// One version of a customer: who changed what, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub actor_id: Uuid,
    pub at: String,
    /// `create`, `update`, `submit`, `verify`, `return`, `contact_add`, ...
    pub action: String,
    pub changes: Vec<FieldChange>,
}

/// A relationship seen from one customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelationshipView {
    pub id: Uuid,
    /// The kind as seen from this customer (`guardian` here is `ward` on the other side).
    pub kind: RelationshipKind,
    pub other_id: Uuid,
    pub other_customer_no: Option<String>,
    pub other_name: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
}

/// Per-item outcome of a batch create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchItem {
    pub index: usize,
    pub id: Option<Uuid>,
    pub customer_no: Option<String>,
    /// Present when the item was rejected.
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResult {
    pub created: usize,
    pub rejected: usize,
    pub items: Vec<BatchItem>,
}

/// A list's page size: `default` when absent, else between 1 and `max`; anything else is a clear error
/// (a huge `limit` is not quietly shrunk).
pub fn page_limit(v: Option<u64>, default: u64, max: u64) -> crate::Result<u64> {
    match v {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(crate::AppError::field(
            "limit",
            "range",
            format!("must be between 1 and {max}"),
        )),
    }
}
