//! Feedback and complaint cases (issue 6): register from any channel, route to a department and owner, run
//! two clocks (the internal SLA and, for complaints, the regulatory deadline), escalate at a share of each
//! and at breach, resolve with a reply through the notification outbox, survey, reopen, learn; analyse.
//!
//! Clocks are recomputed from the facts on every change (receipt or restart time, the rule's span, pauses,
//! extensions, the working-day calendar), so a stored deadline is never edited by hand.

mod act;
mod analytics;
mod attachments;
mod calendars;
mod clocks;
mod escalate;
mod register;
mod view;

pub use act::{CaseAction, act};
pub use analytics::{Analytics, Attainment, Count, Series, analytics, export_xlsx};
pub use attachments::{ATTACHMENT_MAX_BYTES, AttachmentView, attach, attachment};
pub use calendars::{
    CalendarView, Calendars, calendar_text, calendars, next_year_missing, put_calendar,
    recompute_open,
};
pub use escalate::{NoticeView, escalate_due, escalate_tick, mark_notices_read, my_notices};
pub use register::{CaseInput, Complainant, form_choices, may_register, register};
pub use view::{
    CaseLogView, CasePage, CaseQuery, CaseSummary, CaseTaskView, CaseView, ClockView, get,
    get_by_no, list, reveal,
};

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::ids::CaseId;
use banyan_store::cases::{self as store, CaseLogRow, CaseRow, CaseScope, NoticeRow};
use banyan_store::customers as cstore;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) fn scope(actor: &Actor) -> Result<CaseScope> {
    let grant = actor.require(Permission::CaseRead)?;
    let department = actor.department.clone();
    Ok(match grant.scope() {
        cstore::ScopeFilter::All => CaseScope::All,
        cstore::ScopeFilter::Branch(b) => CaseScope::Branch {
            branch: b,
            me: actor.id.uuid(),
            department,
        },
        cstore::ScopeFilter::Rm(_) => CaseScope::Own {
            me: actor.id.uuid(),
            department,
            branch: actor.branch_code.clone(),
        },
        // No customer scope (a branch role without a branch): only what the staff member owns.
        cstore::ScopeFilter::Nothing => CaseScope::Own {
            me: actor.id.uuid(),
            department: None,
            branch: None,
        },
    })
}

pub(crate) async fn visible(app: &App, actor: &Actor, r: &CaseRow) -> Result<bool> {
    let s = scope(actor)?;
    Ok(match &s {
        CaseScope::All => true,
        CaseScope::Branch { branch, me, .. } => {
            r.branch_code == *branch
                || r.owner_id == Some((*me).into())
                || r.created_by == (*me).into()
        }
        CaseScope::Own {
            me,
            department,
            branch,
        } => {
            let queue = department.as_deref() == Some(r.department.as_str())
                && branch.as_deref() == Some(r.branch_code.as_str());
            if r.owner_id == Some((*me).into()) || r.created_by == (*me).into() || queue {
                true
            } else if let Some(c) = r.customer_id {
                cstore::find_customer(&app.db.conn, c)
                    .await?
                    .is_some_and(|c| c.rm_id == Some((*me).into()))
            } else {
                false
            }
        }
    })
}

pub(crate) async fn load(app: &App, actor: &Actor, id: CaseId) -> Result<CaseRow> {
    match store::find_case(&app.db.conn, id).await? {
        Some(r) if visible(app, actor, &r).await? => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

pub(crate) fn one_of(errs: &mut FieldErrors, field: &str, v: &str, allowed: &[&str]) {
    if !allowed.contains(&v) {
        errs.push(
            field,
            "one_of",
            format!("must be one of {}", allowed.join(", ")),
        );
    }
}

pub(crate) fn text(errs: &mut FieldErrors, field: &str, v: &str, max: usize) -> String {
    let t = v.trim();
    if t.is_empty() {
        errs.push(field, "required", "is required");
    } else if t.chars().count() > max {
        errs.push(field, "length", format!("must be at most {max} characters"));
    }
    t.to_owned()
}

pub(crate) fn opt_text(
    errs: &mut FieldErrors,
    field: &str,
    v: &Option<String>,
    max: usize,
) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| text(errs, field, t, max))
}

pub(crate) fn log_row(
    case_id: CaseId,
    actor: Option<&Actor>,
    action: &str,
    note: Option<String>,
    detail: serde_json::Value,
    at: i64,
) -> CaseLogRow {
    CaseLogRow {
        id: Uuid::now_v7(),
        case_id,
        at_us: at,
        actor_id: (actor.map(|a| a.id).filter(|id| !id.is_nil())).map(Into::into),
        action: action.to_owned(),
        note,
        detail: detail.to_string(),
    }
}

/// Supervisors to tell about a case: those of its branch (their scope shows it to them), the ones of its
/// department first; all of the branch's supervisors when none is of that department.
pub(crate) fn supervisors(
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    r: &CaseRow,
) -> Vec<Uuid> {
    let of_branch: Vec<&banyan_store::access::StaffRow> = staff
        .values()
        .filter(|s| {
            !s.disabled
                && s.role == Role::Supervisor
                && s.branch_code.as_deref() == Some(r.branch_code.as_str())
        })
        .collect();
    let of_dept: Vec<Uuid> = of_branch
        .iter()
        .filter(|s| s.department.as_deref() == Some(r.department.as_str()))
        .map(|s| s.id.uuid())
        .collect();
    if of_dept.is_empty() {
        of_branch.iter().map(|s| s.id.uuid()).collect()
    } else {
        of_dept
    }
}

pub(crate) fn notice(staff_id: Uuid, r: &CaseRow, kind: &str, text: String, at: i64) -> NoticeRow {
    NoticeRow {
        id: Uuid::now_v7(),
        customer_id: None,
        staff_id,
        case_id: Some(r.id),
        kind: kind.to_owned(),
        text,
        created_at_us: at,
        read_at_us: None,
    }
}

/// A department must be one somebody works in (a queue nobody has would swallow the case), and a named
/// owner must be an active member of it.
pub(crate) fn check_department(
    errs: &mut FieldErrors,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    department: &str,
    owner: Option<&str>,
) {
    if department.is_empty() {
        return;
    }
    let members: Vec<&banyan_store::access::StaffRow> = staff
        .values()
        .filter(|s| !s.disabled && s.department.as_deref() == Some(department))
        .collect();
    if members.is_empty() {
        errs.push(
            "department",
            "unknown",
            "no active staff member works in this department",
        );
    } else if let Some(u) = owner
        && named(members.iter().copied(), u, |_| true).is_none()
    {
        errs.push(
            "owner",
            "not_in_department",
            "must be an active member of the department",
        );
    }
}

// The service message to a case's customer is the outbox's (`notify::service`), shared with others.
pub(crate) use crate::notify::{Content, customer_message};

/// The staff member among `staff` whose user name is `username` (as typed: its key is made once, not
/// per member) and who passes `keep`.
pub(crate) fn named<'a>(
    staff: impl IntoIterator<Item = &'a banyan_store::access::StaffRow>,
    username: &str,
    keep: impl Fn(&banyan_store::access::StaffRow) -> bool,
) -> Option<&'a banyan_store::access::StaffRow> {
    let key = crate::access::username_key(username);
    staff.into_iter().find(|s| s.username == key && keep(s))
}

pub(crate) fn changed() -> AppError {
    AppError::conflict(
        "case_changed",
        "the case was changed by someone else; reload it",
        json!({}),
    )
}

/// Every account by id, to name who did what (service accounts included: the call-centre's system registers
/// cases).
pub(crate) async fn staff_map(app: &App) -> Result<HashMap<Uuid, banyan_store::access::StaffRow>> {
    Ok(banyan_store::access::list_accounts(&app.db.conn)
        .await?
        .into_iter()
        .map(|s| (s.id.uuid(), s))
        .collect())
}

/// Whose customer a case is about, as scope sees it: its branch and relationship manager (`None`: a
/// non-customer complainant, whom every case handler may see).
pub(crate) type Reach = Option<(String, Option<banyan_domain::ids::StaffId>)>;

/// The reach of a stored case's customer.
pub(crate) async fn reach_of<C: banyan_store::ConnectionTrait>(
    c: &C,
    case: &banyan_store::cases::CaseRow,
) -> crate::error::Result<Reach> {
    let Some(id) = case.customer_id else {
        return Ok(None);
    };
    let row = banyan_store::customers::find_customer(c, id)
        .await?
        .ok_or_else(|| {
            crate::error::AppError::internal("a case names a customer that does not exist")
        })?;
    Ok(Some((row.branch_code, row.rm_id)))
}

/// Whether a staff member may open the case's customer record (an owner who could not would meet a 404).
pub(crate) fn sees(s: &banyan_store::access::StaffRow, reach: &Reach) -> bool {
    match reach {
        None => true,
        Some((branch, rm)) => crate::access::actor_of(s).is_ok_and(|a| a.sees(branch, *rm)),
    }
}
