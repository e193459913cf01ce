//! A duplicate found while creating or editing a customer: the bank must not get two records for one person,
//! and the refusal must not tell a stranger who the person is.
//!
//! A record the caller may see is named (its number and id, for a link). One outside the caller's scope is
//! not: the caller learns only that a record exists elsewhere and which branch to ask. That probe is
//! audited, and the owning branch's supervisors get a notice, in a transaction of its own (the refused write
//! rolls back, the trace of the attempt does not).

use crate::App;
use crate::actor::Granted;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Role;
use banyan_store::cases::{self as cstore, NoticeRow};
use banyan_store::customers::Holder;
use banyan_store::now_us;
use serde_json::{Value, json};
use uuid::Uuid;

/// What was duplicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    Identifier,
    Mobile,
}

impl Taken {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Taken::Identifier => "duplicate_id_number",
            Taken::Mobile => "duplicate_mobile",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Taken::Identifier => "identifier",
            Taken::Mobile => "mobile number",
        }
    }
}

/// A duplicate outside the caller's scope, to be recorded with [`record_probes`].
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub(crate) taken: Taken,
    pub(crate) holder: Holder,
}

/// The refusal as the caller may read it (`field` names the input that clashed), and the probe to record
/// when the existing record is outside the caller's scope.
pub(crate) fn told(
    grant: &Granted<'_>,
    taken: Taken,
    field: &str,
    holder: &Holder,
) -> (Value, Option<Probe>) {
    if grant.can_see(&holder.branch_code, holder.rm_id) {
        let v = json!({
            "code": taken.code(),
            "message": format!("a customer with this {} already exists: {}", taken.what(), holder.customer_no),
            "field": field,
            "customer_no": holder.customer_no,
            "customer_id": holder.id,
        });
        (v, None)
    } else {
        let v = json!({
            "code": taken.code(),
            "message": format!(
                "a customer with this {} already exists outside your scope; ask branch {} (it has been told)",
                taken.what(),
                holder.branch_code
            ),
            "field": field,
            "branch_code": holder.branch_code,
        });
        let probe = Probe {
            taken,
            holder: holder.clone(),
        };
        (v, Some(probe))
    }
}

/// The refusal of a single write as an error (after [`record_probes`] for one outside the caller's scope).
pub(crate) fn conflict(taken: Taken, told: Value) -> AppError {
    let message = told["message"].as_str().unwrap_or_default().to_owned();
    AppError::conflict(taken.code(), message, told)
}

/// Refuses a single write that clashed with `holder`: records the probe when the record is out of the
/// caller's scope, then answers the conflict. Call it after the write's transaction was dropped.
pub(crate) async fn refuse(
    app: &App,
    grant: &Granted<'_>,
    taken: Taken,
    field: &str,
    holder: &Holder,
) -> AppError {
    let (v, probe) = told(grant, taken, field, holder);
    if let Some(p) = probe
        && let Err(e) = record_probes(app, grant, &[p]).await
    {
        return e;
    }
    conflict(taken, v)
}

/// Audits each probe and tells the supervisors of the branch holding the record, in one transaction.
pub(crate) async fn record_probes(app: &App, grant: &Granted<'_>, probes: &[Probe]) -> Result<()> {
    if probes.is_empty() {
        return Ok(());
    }
    let actor = grant.actor();
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let now = now_us();
    let mut notices = Vec::new();
    let mut entries = Vec::new();
    for p in probes {
        let h = &p.holder;
        entries.push(Entry {
            action: "customer.duplicate_probe",
            entity: "customer",
            entity_id: Some(h.id.to_string()),
            customer_id: Some(h.id.uuid()),
            detail: json!({"duplicate": p.taken.code(), "from_branch": actor.branch_code()}),
        });
        let text = format!(
            "{} ← {} ({})",
            h.customer_no,
            actor.username(),
            actor.branch_code().unwrap_or("-")
        );
        for s in staff.iter().filter(|s| {
            !s.disabled
                && s.role == Role::Supervisor
                && s.branch_code.as_deref() == Some(h.branch_code.as_str())
        }) {
            notices.push(NoticeRow {
                id: Uuid::now_v7(),
                customer_id: Some(h.id.uuid()),
                staff_id: s.id.uuid(),
                case_id: None,
                kind: "customer.duplicate_probe".into(),
                text: text.clone(),
                created_at_us: now,
                read_at_us: None,
            });
        }
    }
    let tx = app.db.begin_write().await?;
    cstore::insert_notices(&*tx, &notices).await?;
    audit::record(app, &*tx, grant, entries).await?;
    tx.commit().await?;
    Ok(())
}
