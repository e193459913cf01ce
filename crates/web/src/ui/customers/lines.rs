//! The lines of the customer 360 page's activity sections (contacts, messages, events, cases, versions),
//! as the sections and the one timeline show them.

use banyan_domain::ids::CaseId;
use uuid::Uuid;

/// A version row as shown.
#[derive(Debug)]
pub(crate) struct HistoryRow {
    pub(crate) version: i64,
    pub(crate) at: String,
    /// The instant as stored (RFC 3339, UTC): orders the merged timeline.
    pub(crate) key: String,
    /// Who made the change.
    pub(crate) who: String,
    pub(crate) action: String,
    pub(crate) changes: Vec<String>,
}

/// A logged contact on the timeline.
#[derive(Debug)]
pub(crate) struct ContactLine {
    pub(crate) at: String,
    pub(crate) key: String,
    pub(crate) method: String,
    pub(crate) who: String,
    pub(crate) outcome: String,
    pub(crate) needs: String,
    pub(crate) satisfaction: String,
    pub(crate) next_step: String,
}

/// A message sent (or held back) to the customer.
#[derive(Debug)]
pub(crate) struct MessageLine {
    pub(crate) at: String,
    pub(crate) key: String,
    pub(crate) channel: String,
    pub(crate) cause: String,
    pub(crate) status: String,
    pub(crate) reason: String,
    pub(crate) body: String,
}

/// An event the customer was invited to.
#[derive(Debug)]
pub(crate) struct EventLine {
    pub(crate) id: Uuid,
    pub(crate) at: String,
    pub(crate) key: String,
    pub(crate) title: String,
    pub(crate) status: String,
}

/// One of the customer's feedback cases.
#[derive(Debug)]
pub(crate) struct CaseLine {
    pub(crate) id: CaseId,
    pub(crate) no: String,
    pub(crate) received: String,
    pub(crate) key: String,
    pub(crate) kind: String,
    pub(crate) subject: String,
    pub(crate) status: String,
    /// Still being worked (not resolved, closed or merged).
    pub(crate) open: bool,
}
