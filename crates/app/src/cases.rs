//! Feedback and complaint cases (issue 6): register from any channel, route to a department and owner, run
//! two clocks (the internal SLA and, for complaints, the regulatory deadline), escalate at a share of each
//! and at breach, resolve with a reply through the notification outbox, survey, reopen, learn; analyse.
//!
//! Clocks are recomputed from the facts on every change (receipt or restart time, the rule's span, pauses,
//! extensions, the working-day calendar), so a stored deadline is never edited by hand.

use crate::App;
use crate::access::Actor;
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::calendar::{self as cal, Extension, Pause, Span, Unit, WorkCalendar};
use banyan_domain::feedback::{self as fb, CaseFacts};
use banyan_store::cases::{
    self as store, CaseFilter, CaseLogRow, CaseRow, CaseScope, CaseTaskRow, NoticeRow,
};
use banyan_store::customers as cstore;
use banyan_store::now_us;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Calendars
// ---------------------------------------------------------------------------------------------

/// The working-day calendars in force: the shipped mainland China file, replaced or joined by calendars an
/// administrator loaded (stored in the database, so every node uses the same).
#[derive(Debug, Default)]
pub struct Calendars(std::sync::RwLock<BTreeMap<String, Arc<WorkCalendar>>>);

impl Calendars {
    pub(crate) async fn load(db: &banyan_store::Db) -> Result<Calendars> {
        let mut m = BTreeMap::new();
        m.insert("CN".to_owned(), Arc::new(WorkCalendar::china()));
        for r in store::list_calendars(&db.conn).await? {
            match WorkCalendar::from_toml(&r.body) {
                Ok(c) => {
                    m.insert(r.name, Arc::new(c));
                }
                // Checked when loaded; a row that no longer parses keeps the shipped one and says so.
                Err(e) => {
                    tracing::error!(calendar = %r.name, error = %e, "stored calendar unreadable")
                }
            }
        }
        Ok(Calendars(std::sync::RwLock::new(m)))
    }

    pub fn get(&self, name: &str) -> Option<Arc<WorkCalendar>> {
        self.0.read().ok().and_then(|m| m.get(name).cloned())
    }

    /// The calendar that lists `branch`, if one does.
    pub fn for_branch(&self, branch: &str) -> Option<Arc<WorkCalendar>> {
        self.0.read().ok().and_then(|m| {
            m.values()
                .find(|c| c.branches().iter().any(|b| b == branch))
                .cloned()
        })
    }

    fn put(&self, name: &str, c: WorkCalendar) {
        if let Ok(mut m) = self.0.write() {
            m.insert(name.to_owned(), Arc::new(c));
        }
    }

    /// Re-reads the stored calendars (other nodes may have loaded one); true if any changed.
    pub async fn refresh(&self, db: &banyan_store::Db) -> Result<bool> {
        let fresh = Calendars::load(db).await?;
        let new = fresh.0.into_inner().unwrap_or_default();
        let mut changed = false;
        if let Ok(mut m) = self.0.write()
            && *m != new
        {
            *m = new;
            changed = true;
        }
        Ok(changed)
    }

    fn names(&self) -> Vec<String> {
        self.0
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A loaded calendar as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    pub name: String,
    pub years: Vec<i16>,
    /// Branches counting in this calendar (empty: the policy's default serves every other branch).
    pub branches: Vec<String>,
    /// `shipped` or the time an administrator loaded it.
    pub source: String,
}

pub async fn calendars(app: &App, actor: &Actor) -> Result<Vec<CalendarView>> {
    if !actor.role.has(Permission::ConfigManage) {
        actor.require(Permission::CaseRead)?;
    }
    let stored: HashMap<String, i64> = store::list_calendars(&app.db.conn)
        .await?
        .into_iter()
        .map(|r| (r.name, r.updated_at_us))
        .collect();
    Ok(app
        .calendars
        .names()
        .into_iter()
        .filter_map(|n| {
            let c = app.calendars.get(&n)?;
            Some(CalendarView {
                years: c.years(),
                branches: c.branches().to_vec(),
                source: stored
                    .get(&n)
                    .map(|t| crate::fmt_us(*t))
                    .unwrap_or_else(|| "shipped".into()),
                name: n,
            })
        })
        .collect())
}

/// A calendar's file text (the loaded one, or the shipped China file), for an administrator to edit.
pub async fn calendar_text(app: &App, actor: &Actor, name: &str) -> Result<String> {
    actor.require(Permission::ConfigManage)?;
    if let Some(r) = store::list_calendars(&app.db.conn)
        .await?
        .into_iter()
        .find(|r| r.name == name)
    {
        return Ok(r.body);
    }
    if name == "CN" {
        return Ok(banyan_domain::calendar::CN_CALENDAR.to_owned());
    }
    Err(AppError::NotFound)
}

/// Loads (or replaces) a calendar from its TOML text; the error names the line or the date.
pub async fn put_calendar(
    app: &App,
    actor: &Actor,
    name: &str,
    body: &str,
) -> Result<CalendarView> {
    actor.require(Permission::ConfigManage)?;
    let name = name.trim();
    if name.is_empty()
        || name.len() > 32
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::field(
            "name",
            "format",
            "1-32 letters, digits, '-' or '_' (e.g. CN, HK, TW, US)",
        ));
    }
    let c = WorkCalendar::from_toml(body).map_err(|e| AppError::field("body", "calendar", e))?;
    let years = c.years();
    // A branch counts in one calendar only.
    for b in c.branches() {
        if let Some(other) = app.calendars.for_branch(b)
            && other.name != c.name
            && app
                .calendars
                .get(name)
                .is_none_or(|mine| !Arc::ptr_eq(&mine, &other))
        {
            return Err(AppError::field(
                "body",
                "branches",
                format!("branch {b} already counts in calendar {}", other.name),
            ));
        }
    }
    let branches = c.branches().to_vec();
    let tx = app.db.begin_write().await?;
    let now = now_us();
    store::upsert_calendar(
        &*tx,
        &store::CalendarRow {
            name: name.to_owned(),
            body: body.to_owned(),
            updated_by: actor.id,
            updated_at_us: now,
        },
    )
    .await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "calendar.load",
            entity: "calendar",
            entity_id: Some(name.to_owned()),
            customer_id: None,
            detail: json!({"years": years}),
        }],
    )
    .await?;
    tx.commit().await?;
    app.calendars.put(name, c);
    recompute_open(app).await?;
    Ok(CalendarView {
        name: name.to_owned(),
        years,
        branches,
        source: crate::fmt_us(now),
    })
}

/// Recomputes the deadlines of every open case (after a calendar changed): stages stay as reached.
pub async fn recompute_open(app: &App) -> Result<u64> {
    let now = now_us();
    let mut n = 0;
    let mut f = CaseFilter::scoped(CaseScope::All, 500);
    f.eq.push(("status", "open".into()));
    loop {
        let page = store::list_cases(&app.db.conn, &f).await?;
        let Some(last) = page.last() else { break };
        f.before = Some((last.received_at_us, last.id));
        let full = page.len() as u64 == f.limit;
        let tx = app.db.begin_write().await?;
        for mut r in page {
            let expected = r.version;
            let (sla, reg) = (r.sla_due_at_us, r.reg_due_at_us);
            set_clocks(app, &mut r, now)?;
            if (sla, reg) != (r.sla_due_at_us, r.reg_due_at_us) {
                r.version += 1;
                r.updated_at_us = now;
                if store::update_case(&*tx, &r, expected).await? {
                    n += 1;
                }
            }
        }
        tx.commit().await?;
        if !full {
            break;
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Clocks
// ---------------------------------------------------------------------------------------------

fn local(app: &App, us: i64) -> jiff::civil::DateTime {
    Timestamp::from_microsecond(us)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(app.tz.clone())
        .datetime()
}

fn instant(app: &App, dt: jiff::civil::DateTime) -> Option<i64> {
    dt.to_zoned(app.tz.clone())
        .ok()
        .map(|z| z.timestamp().as_microsecond())
}

fn unit_str(u: Unit) -> &'static str {
    match u {
        Unit::Hours => "hours",
        Unit::CalendarDays => "calendar_days",
        Unit::WorkingDays => "working_days",
    }
}

fn unit_of(s: &str) -> Unit {
    match s {
        "hours" => Unit::Hours,
        "working_days" => Unit::WorkingDays,
        _ => Unit::CalendarDays,
    }
}

/// The deadlines and the next escalation point of a case, from its facts.
struct Clocks {
    sla_due: i64,
    reg_due: Option<i64>,
    next_check: Option<i64>,
    /// The calendar did not cover the deadline's year: weekends only were skipped.
    calendar_gap: bool,
}

fn clocks(app: &App, r: &CaseRow, now: i64) -> Result<Clocks> {
    let name = &app.policy.feedback.calendar;
    let calendar = app
        .calendars
        .for_branch(&r.branch_code)
        .or_else(|| app.calendars.get(name))
        .ok_or_else(|| {
            AppError::conflict(
                "calendar_missing",
                format!("the working-day calendar `{name}` is not loaded"),
                json!({"calendar": name}),
            )
        })?;
    let pauses: Vec<Pause> = serde_json::from_str(&r.pauses).unwrap_or_default();
    let start = local(app, r.clock_start_us);
    let now_local = local(app, now);
    let mut gap = false;
    let mut due = |span: Span| -> Result<i64> {
        let at = match cal::due_with_pauses(start, span, &pauses, now_local, &calendar) {
            Some(d) => d,
            None => {
                // Past the calendar's years (next year's holidays not yet published): count weekends
                // only, and say so on the case rather than refusing to register it.
                gap = true;
                cal::due_with_pauses(start, span, &pauses, now_local, &calendar.lenient())
                    .ok_or_else(|| AppError::Internal("deadline out of range".into()))?
            }
        };
        instant(app, at).ok_or_else(|| AppError::Internal("deadline out of range".into()))
    };
    let sla_due = due(Span {
        amount: r.sla_amount.max(0) as u32,
        unit: unit_of(&r.sla_unit),
    })?;
    let reg_due = match (r.reg_amount, &r.reg_unit) {
        (Some(a), Some(u)) => Some(due(Span {
            amount: a.max(0) as u32,
            unit: unit_of(u),
        })?),
        _ => None,
    };
    let pct = app.policy.feedback.escalate_at_pct;
    // Each clock escalates on its own: the next point is the earliest stage either has not reached.
    let mut points = Vec::new();
    let mut add = |due: i64, stage: i32| {
        if stage < 1 {
            points.push(fb::warn_at(r.clock_start_us, due, pct));
        }
        if stage < 2 {
            points.push(due);
        }
    };
    add(sla_due, r.sla_stage);
    if let Some(d) = reg_due {
        add(d, r.reg_stage);
    }
    let next_check = if r.paused || r.status != "open" {
        None
    } else {
        points.into_iter().min()
    };
    Ok(Clocks {
        sla_due,
        reg_due,
        next_check,
        calendar_gap: gap,
    })
}

/// Applies the clocks to the row; returns whether the calendar had a gap.
fn set_clocks(app: &App, r: &mut CaseRow, now: i64) -> Result<bool> {
    let c = clocks(app, r, now)?;
    r.sla_due_at_us = c.sla_due;
    r.reg_due_at_us = c.reg_due;
    r.next_check_at_us = c.next_check;
    Ok(c.calendar_gap)
}

/// The stage each clock has reached at `now` (SLA, regulatory; 0 without a regulatory clock).
fn stages_at(app: &App, r: &CaseRow, now: i64) -> (i32, i32) {
    let pct = app.policy.feedback.escalate_at_pct;
    let sla = fb::stage(r.clock_start_us, r.sla_due_at_us, pct, now);
    let reg = r
        .reg_due_at_us
        .map(|d| fb::stage(r.clock_start_us, d, pct, now))
        .unwrap_or(0);
    (i32::from(sla), i32::from(reg))
}

/// Sets the displayed level from the two stages (see [`fb::level`]).
fn set_level(r: &mut CaseRow) {
    let reg = (r.reg_amount.is_some()).then_some(r.reg_stage.clamp(0, 2) as u8);
    r.escalation_level = i32::from(fb::level(r.sla_stage.clamp(0, 2) as u8, reg));
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/// A deadline as shown: amount and unit as the rule states it, and when it falls.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockView {
    pub amount: i32,
    /// `hours`, `calendar_days` or `working_days`.
    pub unit: String,
    pub due_at: String,
    /// Whether the case met it (once resolved).
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub case_no: String,
    pub kind: String,
    pub channel: String,
    pub severity: String,
    pub status: String,
    pub subject: String,
    pub customer_id: Option<Uuid>,
    /// The customer's display name, or the non-customer's masked name.
    pub complainant: String,
    pub branch_code: String,
    pub department: String,
    pub owner_id: Option<Uuid>,
    pub owner: Option<String>,
    pub received_at: String,
    pub escalation_level: i32,
    pub sla: ClockView,
    pub regulatory: Option<ClockView>,
    pub paused: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLogView {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub note: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseTaskView {
    pub id: Uuid,
    pub department: String,
    pub owner_id: Option<Uuid>,
    pub owner: Option<String>,
    pub title: String,
    pub due_at: String,
    pub status: String,
    pub result: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub product: Option<String>,
    pub cause: Option<String>,
    pub complex: bool,
    /// `individual`, `organization` or `non_customer`.
    pub party: String,
    /// A non-customer's contact, masked.
    pub contact: Option<String>,
    pub content: String,
    pub route_rule: String,
    pub sla_rule: String,
    pub linked_case: Option<String>,
    /// Extensions granted (reason, approver, customer told).
    pub extensions: Vec<Extension>,
    pub solution: Option<String>,
    pub reply: Option<String>,
    pub reply_via: Option<String>,
    pub resolved_at: Option<String>,
    pub satisfaction: Option<i32>,
    pub survey_comment: Option<String>,
    pub reopen_until: Option<String>,
    pub reopen_count: i32,
    pub lessons: Option<String>,
    pub improvement: Option<String>,
    pub version: i32,
    pub tasks: Vec<CaseTaskView>,
    pub attachments: Vec<AttachmentView>,
    pub log: Vec<CaseLogView>,
}

async fn staff_map(app: &App) -> Result<HashMap<Uuid, banyan_store::access::StaffRow>> {
    Ok(banyan_store::access::list_staff(&app.db.conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

fn summary(
    r: &CaseRow,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    names: &HashMap<Uuid, String>,
) -> CaseSummary {
    CaseSummary {
        id: r.id,
        case_no: r.case_no.clone(),
        kind: r.kind.clone(),
        channel: r.channel.clone(),
        severity: r.severity.clone(),
        status: r.status.clone(),
        subject: r.subject.clone(),
        customer_id: r.customer_id,
        complainant: r
            .customer_id
            .and_then(|c| names.get(&c).cloned())
            .or_else(|| r.complainant_masked.clone())
            .unwrap_or_default(),
        branch_code: r.branch_code.clone(),
        department: r.department.clone(),
        owner_id: r.owner_id,
        owner: r
            .owner_id
            .and_then(|o| staff.get(&o))
            .map(|s| s.display_name.clone()),
        received_at: crate::fmt_us(r.received_at_us),
        escalation_level: r.escalation_level,
        sla: ClockView {
            amount: r.sla_amount,
            unit: r.sla_unit.clone(),
            due_at: crate::fmt_us(r.sla_due_at_us),
            met: r.sla_met,
        },
        regulatory: match (r.reg_amount, &r.reg_unit, r.reg_due_at_us) {
            (Some(a), Some(u), Some(d)) => Some(ClockView {
                amount: a,
                unit: u.clone(),
                due_at: crate::fmt_us(d),
                met: r.reg_met,
            }),
            _ => None,
        },
        paused: r.paused,
    }
}

/// Display names of the cases' customers, in one query.
async fn customer_names(app: &App, rows: &[CaseRow]) -> Result<HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.customer_id).collect();
    ids.sort();
    ids.dedup();
    Ok(cstore::list_brief(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|(id, _, name, _, _)| (id, name))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

async fn scope(app: &App, actor: &Actor) -> Result<CaseScope> {
    actor.require(Permission::CaseRead)?;
    let department = banyan_store::access::find_staff(&app.db.conn, actor.id)
        .await?
        .and_then(|s| s.department);
    Ok(match actor.scope() {
        cstore::ScopeFilter::All => CaseScope::All,
        cstore::ScopeFilter::Branch(b) => CaseScope::Branch {
            branch: b,
            me: actor.id,
            department,
        },
        cstore::ScopeFilter::Rm(_) => CaseScope::Own {
            me: actor.id,
            department,
            branch: actor.branch_code.clone(),
        },
        // No customer scope (a branch role without a branch): only what the staff member owns.
        cstore::ScopeFilter::Nothing => CaseScope::Own {
            me: actor.id,
            department: None,
            branch: None,
        },
    })
}

async fn visible(app: &App, actor: &Actor, r: &CaseRow) -> Result<bool> {
    let s = scope(app, actor).await?;
    Ok(match &s {
        CaseScope::All => true,
        CaseScope::Branch { branch, me, .. } => {
            r.branch_code == *branch || r.owner_id == Some(*me) || r.created_by == *me
        }
        CaseScope::Own {
            me,
            department,
            branch,
        } => {
            let queue = department.as_deref() == Some(r.department.as_str())
                && branch.as_deref() == Some(r.branch_code.as_str());
            if r.owner_id == Some(*me) || r.created_by == *me || queue {
                true
            } else if let Some(c) = r.customer_id {
                cstore::find_customer(&app.db.conn, c)
                    .await?
                    .is_some_and(|c| c.rm_id == Some(*me))
            } else {
                false
            }
        }
    })
}

async fn load(app: &App, actor: &Actor, id: Uuid) -> Result<CaseRow> {
    match store::find_case(&app.db.conn, id).await? {
        Some(r) if visible(app, actor, &r).await? => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/// Someone who is not a customer: name and a way to reach them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    pub name: String,
    /// A phone number, an e-mail address or a postal address.
    pub contact: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// `inquiry`, `suggestion`, `complaint`, `praise`.
    pub kind: String,
    /// `hotline`, `online`, `app`, `branch`, `email`, `suggestion_box`, `letter`.
    pub channel: String,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
    /// `low`, `medium` (default), `high`, `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// A complex matter (corporate cases then get 5 working days instead of 3).
    #[serde(default)]
    pub complex: bool,
    /// The customer (id or customer number), or omitted with `complainant`.
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub complainant: Option<Complainant>,
    /// Branch of a non-customer case (a customer's case belongs to the customer's branch).
    #[serde(default)]
    pub branch_code: Option<String>,
    pub subject: String,
    pub content: String,
    /// When the bank received it (RFC 3339; default now; a letter may have arrived earlier).
    #[serde(default)]
    pub received_at: Option<String>,
    /// The case number this repeats.
    #[serde(default)]
    pub repeat_of: Option<String>,
    /// With `repeat_of`: the repeat brings new facts, so the open case's clocks restart.
    #[serde(default)]
    pub new_facts: bool,
}

fn one_of(errs: &mut FieldErrors, field: &str, v: &str, allowed: &[&str]) {
    if !allowed.contains(&v) {
        errs.push(
            field,
            "one_of",
            format!("must be one of {}", allowed.join(", ")),
        );
    }
}

fn text(errs: &mut FieldErrors, field: &str, v: &str, max: usize) -> String {
    let t = v.trim();
    if t.is_empty() {
        errs.push(field, "required", "is required");
    } else if t.chars().count() > max {
        errs.push(field, "length", format!("must be at most {max} characters"));
    }
    t.to_owned()
}

fn opt_text(errs: &mut FieldErrors, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| text(errs, field, t, max))
}

fn log_row(
    case_id: Uuid,
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
        actor_id: actor.map(|a| a.id).filter(|id| !id.is_nil()),
        action: action.to_owned(),
        note,
        detail: detail.to_string(),
    }
}

/// Picks the owner: the rule's named owner, else the active member of the department with the fewest open
/// cases (same branch first, then any), ties by username. `None` leaves it in the department's queue.
async fn pick_owner<C: banyan_store::ConnectionTrait>(
    c: &C,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    department: &str,
    named: Option<&str>,
    branch: &str,
) -> Result<Option<Uuid>> {
    if let Some(u) = named
        && let Some(s) = staff.values().find(|s| s.username == u && !s.disabled)
    {
        return Ok(Some(s.id));
    }
    let load: HashMap<Uuid, i64> = store::open_load(c, department).await?.into_iter().collect();
    let mut members: Vec<&banyan_store::access::StaffRow> = staff
        .values()
        .filter(|s| {
            !s.disabled
                && s.department.as_deref() == Some(department)
                && Role::parse(&s.role).is_some_and(|r| r.has(Permission::CaseWrite))
        })
        .collect();
    members.sort_by_key(|s| {
        (
            s.branch_code.as_deref() != Some(branch),
            load.get(&s.id).copied().unwrap_or(0),
            s.username.clone(),
        )
    });
    Ok(members.first().map(|s| s.id))
}

/// Supervisors to tell about a case: those of its branch (their scope shows it to them), the ones of its
/// department first; all of the branch's supervisors when none is of that department.
fn supervisors(staff: &HashMap<Uuid, banyan_store::access::StaffRow>, r: &CaseRow) -> Vec<Uuid> {
    let of_branch: Vec<&banyan_store::access::StaffRow> = staff
        .values()
        .filter(|s| {
            !s.disabled
                && s.role == Role::Supervisor.as_str()
                && s.branch_code.as_deref() == Some(r.branch_code.as_str())
        })
        .collect();
    let of_dept: Vec<Uuid> = of_branch
        .iter()
        .filter(|s| s.department.as_deref() == Some(r.department.as_str()))
        .map(|s| s.id)
        .collect();
    if of_dept.is_empty() {
        of_branch.iter().map(|s| s.id).collect()
    } else {
        of_dept
    }
}

fn notice(staff_id: Uuid, r: &CaseRow, kind: &str, text: String, at: i64) -> NoticeRow {
    NoticeRow {
        id: Uuid::now_v7(),
        staff_id,
        case_id: Some(r.id),
        kind: kind.to_owned(),
        text,
        created_at_us: at,
        read_at_us: None,
    }
}

/// Registers a case: validates, routes, starts the clocks, tells the owner; merges a repeat into the open
/// case it repeats (restarting its clocks when it brings new facts).
pub async fn register(app: &App, actor: &Actor, input: CaseInput) -> Result<CaseView> {
    actor.require(Permission::CaseWrite)?;
    let p = &app.policy.feedback;
    let mut errs = FieldErrors::new();
    one_of(&mut errs, "kind", &input.kind, &fb::KINDS);
    one_of(&mut errs, "channel", &input.channel, &fb::CHANNELS);
    let severity = input.severity.clone().unwrap_or_else(|| "medium".into());
    one_of(&mut errs, "severity", &severity, &fb::SEVERITIES);
    if let Some(x) = &input.product {
        let v: Vec<&str> = p.products.iter().map(String::as_str).collect();
        one_of(&mut errs, "product", x, &v);
    }
    if let Some(x) = &input.cause {
        let v: Vec<&str> = p.causes.iter().map(String::as_str).collect();
        one_of(&mut errs, "cause", x, &v);
    }
    let subject = text(&mut errs, "subject", &input.subject, 200);
    let content = text(&mut errs, "content", &input.content, 10_000);
    let now = now_us();
    let received = match input.received_at.as_deref().map(str::trim) {
        None | Some("") => now,
        Some(t) => match t.parse::<Timestamp>() {
            Ok(ts) if ts.as_microsecond() > now + 60_000_000 => {
                errs.push("received_at", "not_future", "must not be in the future");
                now
            }
            Ok(ts) => ts.as_microsecond(),
            Err(_) => {
                errs.push(
                    "received_at",
                    "format",
                    "must be an RFC 3339 time, e.g. 2026-11-23T09:30:00+08:00",
                );
                now
            }
        },
    };
    // The complainant: a customer in scope, or a non-customer with name and contact.
    let mut customer = None;
    match (&input.customer, &input.complainant) {
        (Some(c), None) => {
            let id = match c.trim().parse::<Uuid>() {
                Ok(id) => Some(id),
                Err(_) => crate::customers::id_by_number(app, actor, c).await?,
            };
            match id {
                Some(id) => match crate::customers::load_in_scope(&app.db.conn, actor, id).await {
                    Ok(row) => customer = Some(row),
                    Err(AppError::NotFound) => {
                        errs.push("customer", "not_found", "no such customer in your scope")
                    }
                    Err(e) => return Err(e),
                },
                None => errs.push("customer", "not_found", "no such customer in your scope"),
            }
        }
        (None, Some(c)) => {
            text(&mut errs, "complainant.name", &c.name, 100);
            text(&mut errs, "complainant.contact", &c.contact, 200);
        }
        (Some(_), Some(_)) => errs.push(
            "complainant",
            "exclusive",
            "give either `customer` or `complainant`, not both",
        ),
        (None, None) => errs.push(
            "customer",
            "required",
            "name the customer, or give the complainant's name and contact",
        ),
    }
    let branch = match (
        &customer,
        opt_text(&mut errs, "branch_code", &input.branch_code, 16),
    ) {
        (Some(c), _) => c.branch_code.clone(),
        (None, Some(b)) => b,
        (None, None) => actor.branch_code.clone().unwrap_or_else(|| "HQ".into()),
    };
    let repeat = match input
        .repeat_of
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(no) => match store::find_case_by_no(&app.db.conn, no).await? {
            Some(r) if visible(app, actor, &r).await? => Some(r),
            _ => {
                errs.push("repeat_of", "not_found", "no such case in your scope");
                None
            }
        },
        None => None,
    };
    errs.into_result()?;

    let segments: BTreeMap<String, String> = match &customer {
        Some(c) => banyan_store::segments::assignment_values_for(&app.db.conn, &[c.id])
            .await?
            .into_iter()
            .map(|a| (a.dimension, a.value))
            .collect(),
        None => BTreeMap::new(),
    };
    let party = match &customer {
        Some(c) if c.kind == "individual" => "individual",
        Some(_) => "organization",
        None => "non_customer",
    };
    let facts = CaseFacts {
        kind: input.kind.clone(),
        party: party.into(),
        complex: input.complex,
        product: input.product.clone(),
        branch: branch.clone(),
        severity: severity.clone(),
        segments: segments.clone(),
    };
    let (sla_rule, sla) = p.sla_for(&facts).ok_or_else(|| {
        AppError::Internal("no SLA rule matches (policy ends with a catch-all)".into())
    })?;
    let reg = p.regulatory_for(&facts);
    let route = p.route(&facts);
    let staff = staff_map(app).await?;
    let (complainant_enc, complainant_masked) = match &input.complainant {
        Some(c) => (
            Some(app.keys().encrypt(
                Purpose::Complainant,
                &json!({"name": c.name.trim(), "contact": c.contact.trim()}).to_string(),
            )?),
            Some(banyan_domain::mask::name(c.name.trim())),
        ),
        None => (None, None),
    };

    let tx = app.db.begin_write().await?;
    let year = local(app, received).year();
    let seq = banyan_store::misc::next_counters(&*tx, &[(format!("case_no:{year}"), 1)])
        .await?
        .first()
        .map(|(_, v)| *v)
        .unwrap_or(1);
    let owner = pick_owner(
        &*tx,
        &staff,
        &route.department,
        route.owner.as_deref(),
        &branch,
    )
    .await?;
    let mut row = CaseRow {
        id: Uuid::now_v7(),
        case_no: format!("FB{year}{seq:07}"),
        kind: input.kind.clone(),
        channel: input.channel.clone(),
        product: input.product.clone(),
        cause: input.cause.clone(),
        severity,
        complex: input.complex,
        party: party.into(),
        customer_id: customer.as_ref().map(|c| c.id),
        complainant_enc,
        complainant_masked,
        branch_code: branch,
        segment: segments.get("wealth_tier").cloned(),
        subject,
        content,
        received_at_us: received,
        clock_start_us: received,
        created_by: actor.id,
        created_at_us: now,
        department: route.department.clone(),
        owner_id: owner,
        route_rule: route.rule.clone(),
        status: "open".into(),
        escalation_level: 0,
        sla_rule,
        sla_amount: sla.amount as i32,
        sla_unit: unit_str(sla.unit).into(),
        sla_due_at_us: 0,
        reg_amount: reg.map(|s| s.amount as i32),
        reg_unit: reg.map(|s| unit_str(s.unit).to_owned()),
        reg_due_at_us: None,
        next_check_at_us: None,
        pauses: "[]".into(),
        extensions: "[]".into(),
        paused: false,
        linked_case_id: repeat.as_ref().map(|r| r.id),
        resolved_at_us: None,
        solution: None,
        reply: None,
        reply_via: None,
        satisfaction: None,
        survey_comment: None,
        surveyed_at_us: None,
        sla_met: None,
        reg_met: None,
        reopen_until_us: None,
        reopen_count: 0,
        lessons: None,
        improvement: None,
        version: 1,
        updated_at_us: now,
        sla_stage: 0,
        reg_stage: 0,
    };
    let mut logs = Vec::new();
    let mut notices = Vec::new();
    // A repeat of an open case is merged into it, and new facts restart its clocks; but a case whose
    // regulatory deadline has passed keeps its breach: new facts then open a new case linked to it.
    match repeat.filter(|r| r.status == "open" && !(input.new_facts && r.reg_stage >= 2)) {
        Some(mut target) => {
            row.status = "merged".into();
            row.sla_due_at_us = target.sla_due_at_us;
            row.reg_due_at_us = target.reg_due_at_us;
            row.department = target.department.clone();
            row.owner_id = target.owner_id;
            logs.push(log_row(
                row.id,
                Some(actor),
                "register",
                None,
                json!({"merged_into": target.case_no}),
                now,
            ));
            let expected = target.version;
            if input.new_facts {
                // The clocks start again from the new material: stages, pauses and extensions with them.
                target.clock_start_us = received;
                target.sla_stage = 0;
                target.reg_stage = 0;
                target.pauses = "[]".into();
                target.paused = false;
                target.extensions = "[]".into();
                if target.reg_amount.is_some() {
                    target.reg_amount = Some(p.regulatory.base.amount as i32);
                }
                set_level(&mut target);
                set_clocks(app, &mut target, now)?;
            }
            target.version += 1;
            target.updated_at_us = now;
            logs.push(log_row(
                target.id,
                Some(actor),
                if input.new_facts { "restart" } else { "repeat" },
                None,
                json!({"repeat": row.case_no, "new_facts": input.new_facts}),
                now,
            ));
            store::insert_case(&*tx, &row).await?;
            if !store::update_case(&*tx, &target, expected).await? {
                return Err(changed());
            }
            if let Some(o) = target.owner_id {
                notices.push(notice(
                    o,
                    &target,
                    "case.repeat",
                    format!("{} {}", target.case_no, row.subject),
                    now,
                ));
            }
        }
        None => {
            // Level 0 even for a letter that arrived long ago: the escalation job then raises it at once,
            // telling owner and supervisor, instead of the case starting escalated with nobody told.
            let gap = set_clocks(app, &mut row, now)?;
            store::insert_case(&*tx, &row).await?;
            logs.push(log_row(
                row.id,
                Some(actor),
                "register",
                None,
                json!({"department": row.department, "route_rule": row.route_rule, "sla_rule": row.sla_rule, "owner": owner, "calendar_gap": gap}),
                now,
            ));
            if let Some(o) = owner {
                notices.push(notice(
                    o,
                    &row,
                    "case.assigned",
                    format!("{} {}", row.case_no, row.subject),
                    now,
                ));
            }
        }
    }
    store::insert_log(&*tx, &logs).await?;
    store::insert_notices(&*tx, &notices).await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "case.register",
            entity: "case",
            entity_id: Some(row.id.to_string()),
            customer_id: row.customer_id,
            detail: json!({"case_no": row.case_no, "kind": row.kind, "channel": row.channel, "department": row.department, "status": row.status}),
        }],
    )
    .await?;
    tx.commit().await?;
    // What was written, as written (no second read; the registering staff member can see it).
    view(app, row).await
}

/// A department must be one somebody works in (a queue nobody has would swallow the case), and a named
/// owner must be an active member of it.
fn check_department(
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
        && !members.iter().any(|s| s.username == u)
    {
        errs.push(
            "owner",
            "not_in_department",
            "must be an active member of the department",
        );
    }
}

/// What a message to a customer says: a policy template with variables (`{name}` is added), or a text
/// written by staff.
enum Content<'a> {
    Template(&'a str, &'a [(&'static str, String)]),
    Text { subject: String, body: String },
}

/// A service message about a case to its customer, in the customer's language, on `channel` or their
/// preferred one; `None` when the policy has no such template (or none in that language).
#[allow(clippy::too_many_arguments)]
async fn customer_message<C: banyan_store::ConnectionTrait>(
    app: &App,
    c: &C,
    customer_id: Uuid,
    channel: Option<String>,
    cause: &str,
    content: Content<'_>,
    cause_key: String,
    now: i64,
) -> Result<Option<banyan_store::notify::MessageRow>> {
    let cust = cstore::find_customer(c, customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = crate::notify::language_of(&cust);
    let (subject, body) = match content {
        Content::Text { subject, body } => (Some(subject), body),
        Content::Template(name, vars) => {
            let Some(t) = app.policy.notify.templates.get(name) else {
                return Ok(None);
            };
            let mut v: BTreeMap<&str, String> = vars.iter().cloned().collect();
            v.insert("name", cust.display_name.clone());
            let Some(body) = banyan_domain::notify::pick(&t.body, &lang) else {
                return Ok(None);
            };
            (
                banyan_domain::notify::pick(&t.subject, &lang)
                    .map(|s| banyan_domain::notify::render(s, &v)),
                banyan_domain::notify::render(body, &v),
            )
        }
    };
    let channel = match channel {
        Some(ch) => ch,
        None => {
            let consents = cstore::list_consents(c, customer_id).await?;
            crate::notify::channel_for(cust.preferred_channel.as_deref(), &consents, false)
        }
    };
    Ok(Some(crate::notify::row(
        crate::notify::Draft {
            customer_id,
            channel,
            purpose: "service",
            cause: cause.to_owned(),
            cause_key,
            subject,
            body,
            lang,
        },
        now,
    )))
}

fn changed() -> AppError {
    AppError::conflict(
        "case_changed",
        "the case was changed by someone else; reload it",
        json!({}),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<CaseView> {
    let r = load(app, actor, id).await?;
    view(app, r).await
}

pub async fn get_by_no(app: &App, actor: &Actor, no: &str) -> Result<CaseView> {
    match store::find_case_by_no(&app.db.conn, no.trim()).await? {
        Some(r) if visible(app, actor, &r).await? => view(app, r).await,
        _ => Err(AppError::NotFound),
    }
}

/// A non-customer case with the complainant's name and contact in full, for staff entitled to reveal
/// (to call or write back); the reveal is audited.
pub async fn reveal(app: &App, actor: &Actor, id: Uuid) -> Result<CaseView> {
    actor.require(Permission::CustomerReveal)?;
    let r = load(app, actor, id).await?;
    if r.complainant_enc.is_some() {
        let tx = app.db.begin_write().await?;
        audit::record(
            &*tx,
            actor,
            vec![Entry {
                action: "case.reveal",
                entity: "case",
                entity_id: Some(id.to_string()),
                customer_id: None,
                detail: json!({"fields": ["complainant.name", "complainant.contact"]}),
            }],
        )
        .await?;
        tx.commit().await?;
    }
    view_as(app, r, true).await
}

async fn view(app: &App, r: CaseRow) -> Result<CaseView> {
    view_as(app, r, false).await
}

async fn view_as(app: &App, r: CaseRow, revealed: bool) -> Result<CaseView> {
    let staff = staff_map(app).await?;
    let names = customer_names(app, std::slice::from_ref(&r)).await?;
    let mut full_name = None;
    let contact = match &r.complainant_enc {
        Some(enc) => {
            let v: serde_json::Value =
                serde_json::from_str(&app.keys().decrypt(Purpose::Complainant, enc)?)
                    .unwrap_or_default();
            let contact = v.get("contact").and_then(|c| c.as_str());
            if revealed {
                full_name = v.get("name").and_then(|n| n.as_str()).map(str::to_owned);
                contact.map(str::to_owned)
            } else {
                contact.map(mask_contact)
            }
        }
        None => None,
    };
    let linked_case = match r.linked_case_id {
        Some(l) => store::find_case(&app.db.conn, l).await?.map(|c| c.case_no),
        None => None,
    };
    let now = now_us();
    let name_of = |id: Option<Uuid>| {
        id.and_then(|o| staff.get(&o))
            .map(|s| s.display_name.clone())
    };
    let tasks = store::tasks_for(&app.db.conn, r.id)
        .await?
        .into_iter()
        .map(|t| CaseTaskView {
            id: t.id,
            owner: name_of(t.owner_id),
            department: t.department,
            owner_id: t.owner_id,
            title: t.title,
            due_at: crate::fmt_us(t.due_at_us),
            overdue: t.status == "open" && t.due_at_us < now,
            status: t.status,
            result: t.result,
        })
        .collect();
    let log = store::log_for(&app.db.conn, r.id)
        .await?
        .into_iter()
        .map(|l| CaseLogView {
            at: crate::fmt_us(l.at_us),
            actor: name_of(l.actor_id),
            action: l.action,
            note: l.note,
            detail: serde_json::from_str(&l.detail).unwrap_or_default(),
        })
        .collect();
    let attachments = store::attachments_for(&app.db.conn, r.id)
        .await?
        .into_iter()
        .map(|a| attachment_view(a, &staff))
        .collect();
    let mut summary = summary(&r, &staff, &names);
    if let Some(n) = full_name {
        summary.complainant = n;
    }
    Ok(CaseView {
        attachments,
        summary,
        product: r.product,
        cause: r.cause,
        complex: r.complex,
        party: r.party,
        contact,
        content: r.content,
        route_rule: r.route_rule,
        sla_rule: r.sla_rule,
        linked_case,
        extensions: serde_json::from_str(&r.extensions).unwrap_or_default(),
        solution: r.solution,
        reply: r.reply,
        reply_via: r.reply_via,
        resolved_at: r.resolved_at_us.map(crate::fmt_us),
        satisfaction: r.satisfaction,
        survey_comment: r.survey_comment,
        reopen_until: r.reopen_until_us.map(crate::fmt_us),
        reopen_count: r.reopen_count,
        lessons: r.lessons,
        improvement: r.improvement,
        version: r.version,
        tasks,
        log,
    })
}

/// A contact masked for display the way the registry masks contact points (a phone number or an e-mail
/// address by its own rule), or as an address.
fn mask_contact(c: &str) -> String {
    use banyan_domain::ident::{Email, PhoneNumber};
    if let Ok(p) = PhoneNumber::parse(c) {
        return p.masked();
    }
    if let Ok(e) = Email::parse(c) {
        return e.masked();
    }
    banyan_domain::mask::address(c)
}

/// Query of the case list (all optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub product: Option<String>,
    pub cause: Option<String>,
    pub branch_code: Option<String>,
    pub segment: Option<String>,
    /// `true`: only cases owned by the caller.
    pub mine: Option<bool>,
    /// Only cases at or above this escalation level (1 = SLA warning ... 4 = regulatory breach).
    pub min_level: Option<i32>,
    /// `true`: only cases with a deadline breached (the SLA or the regulatory one).
    pub breached: Option<bool>,
    /// Analysis only: the dimension whose values get a daily series (`kind` by default; `cause`, `product`,
    /// `channel`, `branch_code`, `segment`, `department`).
    pub trend_by: Option<String>,
    /// Received on or after this day (bank's time zone).
    pub from: Option<String>,
    /// Received on or before this day.
    pub to: Option<String>,
    pub customer: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub next_cursor: Option<String>,
}

/// The bank-local day range `[from, to]` as microseconds `[start, end)`.
fn day_range(
    app: &App,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>)> {
    let mut errs = FieldErrors::new();
    let mut day = |field: &str, v: Option<&str>, next: bool| -> Option<i64> {
        let v = v.map(str::trim).filter(|v| !v.is_empty())?;
        match v.parse::<jiff::civil::Date>() {
            Ok(d) => {
                let d = if next { d.tomorrow().ok()? } else { d };
                d.to_zoned(app.tz.clone())
                    .ok()
                    .map(|z| z.timestamp().as_microsecond())
            }
            Err(_) => {
                errs.push(field, "format", "must be a date, YYYY-MM-DD");
                None
            }
        }
    };
    let a = day("from", from, false);
    let b = day("to", to, true);
    errs.into_result()?;
    if let (Some(a), Some(b)) = (a, b)
        && b <= a
    {
        return Err(AppError::field("to", "range", "must not be before `from`"));
    }
    Ok((a, b))
}

fn filter_of(
    app: &App,
    actor: &Actor,
    q: &CaseQuery,
    scope: CaseScope,
    limit: u64,
) -> Result<CaseFilter> {
    let mut errs = FieldErrors::new();
    let mut f = CaseFilter::scoped(scope, limit);
    let mut eq = |col: &'static str, v: &Option<String>, allowed: Option<&[&str]>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            // `-` is the analysis's bucket of cases without a value (no cause, product or segment).
            if v == "-" && matches!(col, "product" | "cause" | "segment") {
                f.null.push(col);
                return;
            }
            if let Some(a) = allowed
                && !a.contains(&v)
            {
                errs.push(col, "one_of", format!("must be one of {}", a.join(", ")));
            }
            f.eq.push((col, v.to_owned()));
        }
    };
    eq(
        "status",
        &q.status,
        Some(&["open", "resolved", "closed", "merged"]),
    );
    eq("kind", &q.kind, Some(&fb::KINDS));
    eq("channel", &q.channel, Some(&fb::CHANNELS));
    eq("department", &q.department, None);
    eq("product", &q.product, None);
    eq("cause", &q.cause, None);
    eq("branch_code", &q.branch_code, None);
    eq("segment", &q.segment, None);
    if q.mine == Some(true) {
        f.owner = Some(actor.id);
    }
    // Merged repeats count once, in the case they joined: listed only when asked for by status.
    if q.status.as_deref().is_none_or(|s| s.trim().is_empty()) {
        f.not_status = Some("merged".into());
    }
    f.breached = q.breached == Some(true);
    f.min_level = q.min_level;
    f.customer = q.customer;
    if let Some(c) = &q.cursor {
        match c
            .split_once('_')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        {
            Some(k) => f.before = Some(k),
            None => errs.push("cursor", "format", "is not a cursor this list gave"),
        }
    }
    errs.into_result()?;
    let (a, b) = day_range(app, q.from.as_deref(), q.to.as_deref())?;
    f.received_from_us = a;
    f.received_to_us = b;
    Ok(f)
}

/// Cases in the caller's scope (and their department's queue), newest first.
pub async fn list(app: &App, actor: &Actor, q: CaseQuery) -> Result<CasePage> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let s = scope(app, actor).await?;
    let f = filter_of(app, actor, &q, s, limit + 1)?;
    let mut rows = store::list_cases(&app.db.conn, &f).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let staff = staff_map(app).await?;
    let names = customer_names(app, &rows).await?;
    let next_cursor = if more {
        rows.last()
            .map(|r| format!("{}_{}", r.received_at_us, r.id))
    } else {
        None
    };
    Ok(CasePage {
        items: rows.iter().map(|r| summary(r, &staff, &names)).collect(),
        next_cursor,
    })
}

// ---------------------------------------------------------------------------------------------
// Working a case
// ---------------------------------------------------------------------------------------------

/// What to do with a case (`{"action": "note", "text": "..."}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseAction {
    /// An investigation note.
    Note { text: String },
    /// Move to another department (and owner by username, or the least-loaded member).
    Assign {
        department: String,
        #[serde(default)]
        owner: Option<String>,
    },
    /// Stop the clocks while an external appraisal runs (supervisor approval).
    Pause { reason: String },
    /// Restart the clocks after the appraisal.
    Resume {
        #[serde(default)]
        note: Option<String>,
    },
    /// Extend the regulatory deadline: to 30 days (supervisor), then to 60 (senior manager, customer told).
    Extend {
        reason: String,
        #[serde(default)]
        customer_notified: bool,
    },
    /// A task for another department.
    Task {
        department: String,
        #[serde(default)]
        owner: Option<String>,
        title: String,
        /// Due date (YYYY-MM-DD, end of that day in the bank's time zone).
        due: String,
    },
    /// Completes a task with its result.
    CompleteTask { task: Uuid, result: String },
    /// The solution and the reply to the complainant (sent through the outbox for customers on their
    /// preferred channel, recorded otherwise). A satisfaction survey follows.
    Resolve {
        solution: String,
        reply: String,
        /// `email`, `sms`, `app`, `wechat`; default: the customer's preferred channel.
        #[serde(default)]
        channel: Option<String>,
    },
    /// The complainant's satisfaction (1-5) from the survey; closes the case.
    Survey {
        satisfaction: i32,
        #[serde(default)]
        comment: Option<String>,
    },
    /// Reopens a resolved case within the policy's window.
    Reopen { reason: String },
    /// Lessons learned and improvement actions.
    Lessons {
        lessons: String,
        #[serde(default)]
        improvement: Option<String>,
    },
}

impl CaseAction {
    fn name(&self) -> &'static str {
        match self {
            CaseAction::Note { .. } => "note",
            CaseAction::Assign { .. } => "assign",
            CaseAction::Pause { .. } => "pause",
            CaseAction::Resume { .. } => "resume",
            CaseAction::Extend { .. } => "extend",
            CaseAction::Task { .. } => "task",
            CaseAction::CompleteTask { .. } => "complete_task",
            CaseAction::Resolve { .. } => "resolve",
            CaseAction::Survey { .. } => "survey",
            CaseAction::Reopen { .. } => "reopen",
            CaseAction::Lessons { .. } => "lessons",
        }
    }
}

fn state(r: &CaseRow, allowed: &[&str], action: &str) -> Result<()> {
    if allowed.contains(&r.status.as_str()) {
        Ok(())
    } else {
        Err(AppError::conflict(
            "invalid_state",
            format!("cannot {action} a case that is {}", r.status),
            json!({"status": r.status}),
        ))
    }
}

/// Applies one action; every action is logged on the case and audited.
/// `read_version` is the version the caller saw (If-Match, or the form's hidden field): when given and no
/// longer current, nothing is done (409) so a stale page cannot act on a case someone else just changed.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: Uuid,
    action: CaseAction,
    read_version: Option<i32>,
) -> Result<CaseView> {
    actor.require(Permission::CaseWrite)?;
    let mut r = load(app, actor, id).await?;
    let expected = r.version;
    if let Some(v) = read_version
        && v != r.version
    {
        return Err(AppError::VersionConflict {
            current_version: i64::from(r.version),
            since: json!({"case_no": r.case_no, "status": r.status}),
        });
    }
    let now = now_us();
    let staff = staff_map(app).await?;
    let mut errs = FieldErrors::new();
    let mut note = None;
    let mut detail = json!({});
    let mut notices = Vec::new();
    let mut messages = Vec::new();
    // The regulatory stage is recomputed after an extension (a longer deadline may no longer be at 80%).
    let mut restage = false;
    let tx = app.db.begin_write().await?;
    match &action {
        CaseAction::Note { text: t } => {
            note = Some(text(&mut errs, "text", t, 4000));
        }
        CaseAction::Assign { department, owner } => {
            state(&r, &["open"], "reassign")?;
            let d = text(&mut errs, "department", department, 64);
            let named = owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
            check_department(&mut errs, &staff, &d, named);
            errs.clone().into_result()?;
            let o = pick_owner(&*tx, &staff, &d, named, &r.branch_code).await?;
            detail = json!({"from": r.department, "to": d, "owner": o});
            r.department = d;
            r.owner_id = o;
            if let Some(o) = o {
                notices.push(notice(
                    o,
                    &r,
                    "case.assigned",
                    format!("{} {}", r.case_no, r.subject),
                    now,
                ));
            }
        }
        CaseAction::Pause { reason } => {
            actor.require(Permission::CaseApprove)?;
            state(&r, &["open"], "pause")?;
            note = Some(text(&mut errs, "reason", reason, 1000));
            if r.paused {
                return Err(AppError::conflict(
                    "already_paused",
                    "the clocks are already paused",
                    json!({}),
                ));
            }
            let mut pauses: Vec<Pause> = serde_json::from_str(&r.pauses).unwrap_or_default();
            pauses.push(Pause {
                from: local(app, now),
                until: None,
            });
            r.pauses =
                serde_json::to_string(&pauses).map_err(|e| AppError::Internal(e.to_string()))?;
            r.paused = true;
        }
        CaseAction::Resume { note: n } => {
            state(&r, &["open"], "resume")?;
            note = opt_text(&mut errs, "note", n, 1000);
            if !r.paused {
                return Err(AppError::conflict(
                    "not_paused",
                    "the clocks are running",
                    json!({}),
                ));
            }
            let mut pauses: Vec<Pause> = serde_json::from_str(&r.pauses).unwrap_or_default();
            if let Some(p) = pauses.last_mut() {
                p.until = Some(local(app, now));
            }
            r.pauses =
                serde_json::to_string(&pauses).map_err(|e| AppError::Internal(e.to_string()))?;
            r.paused = false;
        }
        CaseAction::Extend {
            reason,
            customer_notified,
        } => {
            state(&r, &["open"], "extend")?;
            if r.reg_amount.is_none() {
                return Err(AppError::conflict(
                    "no_regulatory_deadline",
                    "only complaints have a regulatory deadline to extend",
                    json!({}),
                ));
            }
            if r.reg_stage >= 2 || r.reg_due_at_us.is_some_and(|d| now > d) {
                return Err(AppError::conflict(
                    "deadline_passed",
                    "the regulatory deadline has passed: an extension must be granted before it",
                    json!({"due_at": r.reg_due_at_us.map(crate::fmt_us)}),
                ));
            }
            let reason = text(&mut errs, "reason", reason, 1000);
            errs.clone().into_result()?;
            let mut ext: Vec<Extension> = serde_json::from_str(&r.extensions).unwrap_or_default();
            let approver = if ext.is_empty() {
                actor.require(Permission::CaseApprove)?;
                cal::Approver::Supervisor
            } else {
                actor.require(Permission::CaseApproveSenior)?;
                cal::Approver::Senior
            };
            // The second extension needs the customer told: a customer's notice goes through the outbox
            // in this transaction; someone who is not a customer is told by the handler, who says so.
            let second = !ext.is_empty();
            let notify_customer = second && r.customer_id.is_some();
            ext.push(Extension {
                reason: reason.clone(),
                approver,
                customer_notified: *customer_notified || notify_customer,
            });
            let span = cal::extended(&app.policy.feedback.regulatory, &ext).map_err(|m| {
                AppError::conflict("extension_refused", m, json!({"extensions": ext.len() - 1}))
            })?;
            detail = json!({"to": span.amount, "unit": unit_str(span.unit), "approver": approver, "customer_notified": customer_notified, "notice_queued": notify_customer});
            r.reg_amount = Some(span.amount as i32);
            r.extensions =
                serde_json::to_string(&ext).map_err(|e| AppError::Internal(e.to_string()))?;
            note = Some(reason);
            restage = true;
            if notify_customer && let Some(cid) = r.customer_id {
                set_clocks(app, &mut r, now)?;
                let due = local(app, r.reg_due_at_us.unwrap_or(now))
                    .date()
                    .to_string();
                if let Some(m) = customer_message(
                    app,
                    &*tx,
                    cid,
                    None,
                    "case.extension",
                    Content::Template(
                        "case_extension",
                        &[("case_no", r.case_no.clone()), ("due", due)],
                    ),
                    format!("case:{}:extension:{}", r.id, ext.len()),
                    now,
                )
                .await?
                {
                    messages.push(m);
                }
            }
        }
        CaseAction::Task {
            department,
            owner,
            title,
            due,
        } => {
            state(&r, &["open"], "add a task to")?;
            let d = text(&mut errs, "department", department, 64);
            check_department(
                &mut errs,
                &staff,
                &d,
                owner.as_deref().map(str::trim).filter(|o| !o.is_empty()),
            );
            let t = text(&mut errs, "title", title, 300);
            let due_us = match due.trim().parse::<jiff::civil::Date>() {
                Ok(day) => instant(app, day.to_datetime(jiff::civil::time(23, 59, 59, 0))),
                Err(_) => {
                    errs.push("due", "format", "must be a date, YYYY-MM-DD");
                    None
                }
            };
            let named = owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
            let owner_id = match named {
                Some(u) => match staff.values().find(|s| s.username == u && !s.disabled) {
                    Some(s) => Some(s.id),
                    None => {
                        errs.push("owner", "not_found", "no such active staff member");
                        None
                    }
                },
                None => pick_owner(&*tx, &staff, &d, None, &r.branch_code).await?,
            };
            errs.clone().into_result()?;
            let task = CaseTaskRow {
                id: Uuid::now_v7(),
                case_id: r.id,
                department: d.clone(),
                owner_id,
                title: t.clone(),
                due_at_us: due_us.unwrap_or(now),
                status: "open".into(),
                result: None,
                created_at_us: now,
                done_at_us: None,
            };
            store::insert_task(&*tx, &task).await?;
            if let Some(o) = owner_id {
                notices.push(notice(
                    o,
                    &r,
                    "case.task",
                    format!("{} {}", r.case_no, t),
                    now,
                ));
            }
            detail = json!({"task": task.id, "department": d, "owner": owner_id});
            note = Some(t);
        }
        CaseAction::CompleteTask { task, result } => {
            state(&r, &["open"], "complete a task of")?;
            let res = text(&mut errs, "result", result, 2000);
            errs.clone().into_result()?;
            if !store::complete_task(&*tx, r.id, *task, &res, now).await? {
                return Err(AppError::conflict(
                    "task_not_open",
                    "no open task with this id on the case",
                    json!({"task": task}),
                ));
            }
            detail = json!({"task": task});
            note = Some(res);
        }
        CaseAction::Resolve {
            solution,
            reply,
            channel,
        } => {
            state(&r, &["open"], "resolve")?;
            let solution = text(&mut errs, "solution", solution, 4000);
            let reply = text(&mut errs, "reply", reply, 2000);
            if let Some(c) = channel
                && !["email", "sms", "app", "wechat"].contains(&c.as_str())
            {
                errs.push(
                    "channel",
                    "one_of",
                    "must be one of email, sms, app, wechat",
                );
            }
            errs.clone().into_result()?;
            if r.paused {
                return Err(AppError::conflict(
                    "paused",
                    "resume the clocks before resolving",
                    json!({}),
                ));
            }
            let open_tasks = store::tasks_for(&*tx, r.id)
                .await?
                .iter()
                .filter(|t| t.status == "open")
                .count();
            if open_tasks > 0 {
                return Err(AppError::conflict(
                    "open_tasks",
                    format!("{open_tasks} cross-department task(s) still open"),
                    json!({"open_tasks": open_tasks}),
                ));
            }
            r.status = "resolved".into();
            r.resolved_at_us = Some(now);
            r.sla_met = Some(now <= r.sla_due_at_us);
            r.reg_met = r.reg_due_at_us.map(|d| now <= d);
            r.solution = Some(solution);
            r.reply = Some(reply.clone());
            r.reopen_until_us =
                Some(now + i64::from(app.policy.feedback.reopen_days) * 86_400_000_000);
            match r.customer_id {
                Some(cid) => {
                    // The reply on the channel asked for (or the customer's), the survey after it.
                    let reply = customer_message(
                        app,
                        &*tx,
                        cid,
                        channel.clone(),
                        "case.reply",
                        Content::Text {
                            subject: format!("{} {}", r.case_no, r.subject),
                            body: reply,
                        },
                        format!("case:{}:reply:{}", r.id, r.reopen_count),
                        now,
                    )
                    .await?
                    .ok_or_else(|| AppError::Internal("reply not built".into()))?;
                    let ch = reply.channel.clone();
                    messages.push(reply);
                    if let Some(m) = customer_message(
                        app,
                        &*tx,
                        cid,
                        Some(ch.clone()),
                        "case.survey",
                        Content::Template("case_survey", &[("case_no", r.case_no.clone())]),
                        format!("case:{}:survey:{}", r.id, r.reopen_count),
                        now,
                    )
                    .await?
                    {
                        messages.push(m);
                    }
                    r.reply_via = Some(format!("outbox:{ch}"));
                }
                None => r.reply_via = Some("recorded".into()),
            }
            detail = json!({"sla_met": r.sla_met, "regulatory_met": r.reg_met, "reply_via": r.reply_via});
        }
        CaseAction::Survey {
            satisfaction,
            comment,
        } => {
            state(&r, &["resolved", "closed"], "record a survey on")?;
            if r.surveyed_at_us.is_some() {
                return Err(AppError::conflict(
                    "already_surveyed",
                    "the survey answer is recorded; reopen the case to survey again",
                    json!({"satisfaction": r.satisfaction}),
                ));
            }
            if !(1..=5).contains(satisfaction) {
                errs.push("satisfaction", "range", "must be 1 to 5");
            }
            let comment = opt_text(&mut errs, "comment", comment, 2000);
            errs.clone().into_result()?;
            r.satisfaction = Some(*satisfaction);
            r.survey_comment = comment;
            r.surveyed_at_us = Some(now);
            r.status = "closed".into();
            detail = json!({"satisfaction": satisfaction});
        }
        CaseAction::Reopen { reason } => {
            state(&r, &["resolved", "closed"], "reopen")?;
            let reason = text(&mut errs, "reason", reason, 1000);
            errs.clone().into_result()?;
            if r.reopen_until_us.is_none_or(|u| now > u) {
                return Err(AppError::conflict(
                    "reopen_window_passed",
                    format!(
                        "a case can be reopened within {} days of its resolution",
                        app.policy.feedback.reopen_days
                    ),
                    json!({"reopen_until": r.reopen_until_us.map(crate::fmt_us)}),
                ));
            }
            r.status = "open".into();
            r.reopen_count += 1;
            r.resolved_at_us = None;
            r.sla_met = None;
            r.reg_met = None;
            r.satisfaction = None;
            r.surveyed_at_us = None;
            note = Some(reason);
            if let Some(o) = r.owner_id {
                notices.push(notice(
                    o,
                    &r,
                    "case.reopened",
                    format!("{} {}", r.case_no, r.subject),
                    now,
                ));
            }
        }
        CaseAction::Lessons {
            lessons,
            improvement,
        } => {
            let l = text(&mut errs, "lessons", lessons, 4000);
            let i = opt_text(&mut errs, "improvement", improvement, 4000);
            errs.clone().into_result()?;
            r.lessons = Some(l);
            r.improvement = i;
        }
    }
    errs.into_result()?;
    if r.status == "open" {
        set_clocks(app, &mut r, now)?;
        if restage {
            r.reg_stage = stages_at(app, &r, now).1;
            set_level(&mut r);
            set_clocks(app, &mut r, now)?;
        }
    } else {
        r.next_check_at_us = None;
    }
    r.version += 1;
    r.updated_at_us = now;
    if !store::update_case(&*tx, &r, expected).await? {
        return Err(changed());
    }
    store::insert_log(
        &*tx,
        &[log_row(
            r.id,
            Some(actor),
            action.name(),
            note,
            detail.clone(),
            now,
        )],
    )
    .await?;
    store::insert_notices(&*tx, &notices).await?;
    banyan_store::notify::enqueue(&*tx, &messages).await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "case.update",
            entity: "case",
            entity_id: Some(r.id.to_string()),
            customer_id: r.customer_id,
            detail: json!({"case_no": r.case_no, "action": action.name(), "detail": detail}),
        }],
    )
    .await?;
    tx.commit().await?;
    // The case as it now is: shown even if the action moved it out of the actor's sight (reassigned).
    view(app, r).await
}

// ---------------------------------------------------------------------------------------------
// Escalation (a job under a lease)
// ---------------------------------------------------------------------------------------------

/// Raises the escalation level of every open case whose next threshold has passed at `now_us`: the owner
/// and the supervisors get a notice in the same transaction, the case log and the audit log say why.
/// Returns how many cases escalated.
pub async fn escalate_due(app: &App, now_us: i64) -> Result<u64> {
    let staff = staff_map(app).await?;
    let system = Actor::system("escalation");
    let mut n = 0;
    let mut done: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    loop {
        let due: Vec<CaseRow> = store::due_checks(&app.db.conn, now_us, 200)
            .await?
            .into_iter()
            .filter(|r| !done.contains(&r.id))
            .collect();
        if due.is_empty() {
            break;
        }
        let tx = app.db.begin_write().await?;
        let mut logs = Vec::new();
        let mut notices = Vec::new();
        let mut audits = Vec::new();
        for mut r in due {
            // Each case once per call: its stages at `now_us` are reached in one step.
            done.insert(r.id);
            let expected = r.version;
            let (sla, reg) = stages_at(app, &r, now_us);
            let reached: Vec<(&str, &str)> = [
                (
                    r.sla_stage < 1 && sla >= 1,
                    ("case.sla_warning", "sla_warning"),
                ),
                (
                    r.sla_stage < 2 && sla >= 2,
                    ("case.sla_breach", "sla_breach"),
                ),
                (
                    r.reg_stage < 1 && reg >= 1,
                    ("case.regulatory_warning", "regulatory_warning"),
                ),
                (
                    r.reg_stage < 2 && reg >= 2,
                    ("case.regulatory_breach", "regulatory_breach"),
                ),
            ]
            .into_iter()
            .filter(|(hit, _)| *hit)
            .map(|(_, what)| what)
            .collect();
            r.sla_stage = r.sla_stage.max(sla);
            r.reg_stage = r.reg_stage.max(reg);
            set_level(&mut r);
            if let Err(e) = set_clocks(app, &mut r, now_us) {
                // One case that cannot be computed (a calendar removed) must not stop the others.
                tracing::error!(case = %r.id, error = %e, "case clocks failed");
                continue;
            }
            if !reached.is_empty() {
                r.version += 1;
                r.updated_at_us = now_us;
            }
            if !store::update_case(&*tx, &r, expected).await? {
                continue; // changed meanwhile: the next pass reads the new version
            }
            if reached.is_empty() {
                continue;
            }
            n += 1;
            // Owner and supervisors; senior managers too when the regulatory deadline is breached.
            let mut to: Vec<Uuid> = r.owner_id.into_iter().collect();
            to.extend(supervisors(&staff, &r));
            if reached.iter().any(|(_, w)| *w == "regulatory_breach") {
                to.extend(
                    staff
                        .values()
                        .filter(|s| !s.disabled && s.role == Role::SeniorManager.as_str())
                        .map(|s| s.id),
                );
            }
            to.sort();
            to.dedup();
            // The kind says what happened (the workbench words it in the reader's language).
            for (kind, _) in &reached {
                let text = format!("{} {}", r.case_no, r.subject);
                for s in &to {
                    notices.push(notice(*s, &r, kind, text.clone(), now_us));
                }
            }
            let what: Vec<&str> = reached.iter().map(|(_, w)| *w).collect();
            logs.push(log_row(
                r.id,
                None,
                "escalate",
                None,
                json!({"reached": what, "level": r.escalation_level, "notified": to.len()}),
                now_us,
            ));
            audits.push(Entry {
                action: "case.escalate",
                entity: "case",
                entity_id: Some(r.id.to_string()),
                customer_id: r.customer_id,
                detail: json!({"case_no": r.case_no, "reached": what}),
            });
        }
        store::insert_log(&*tx, &logs).await?;
        store::insert_notices(&*tx, &notices).await?;
        audit::record(&*tx, &system, audits).await?;
        tx.commit().await?;
    }
    Ok(n)
}

/// Runs [`escalate_due`] every `every` under the lease `cases.escalate` (one node at a time).
pub fn spawn_escalator(app: Arc<App>, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = now_us();
            let held = banyan_store::misc::take_lease(
                &app.db.conn,
                "cases.escalate",
                &app.node_id,
                now,
                now + every.as_micros() as i64 * 3,
            )
            .await;
            // A calendar loaded on another node reaches this one within a tick; the lease holder then moves
            // the open cases' deadlines.
            match app.calendars.refresh(&app.db).await {
                Ok(true) if matches!(held, Ok(true)) => {
                    if let Err(e) = recompute_open(&app).await {
                        tracing::error!(error = %e, "recomputing case deadlines failed");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reloading calendars failed"),
            }
            match held {
                Ok(true) => {
                    if let Err(e) = escalate_due(&app, now).await {
                        tracing::error!(error = %e, "case escalation failed");
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "case escalation lease failed"),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Notices
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub case_id: Option<Uuid>,
    pub kind: String,
    pub text: String,
    pub created_at: String,
    pub read: bool,
}

/// The caller's notices, newest first.
pub async fn my_notices(app: &App, actor: &Actor, limit: u64) -> Result<Vec<NoticeView>> {
    Ok(
        store::notices_for(&app.db.conn, actor.id, limit.clamp(1, 200))
            .await?
            .into_iter()
            .map(|n| NoticeView {
                id: n.id,
                case_id: n.case_id,
                kind: n.kind,
                text: n.text,
                created_at: crate::fmt_us(n.created_at_us),
                read: n.read_at_us.is_some(),
            })
            .collect(),
    )
}

pub async fn mark_notices_read(app: &App, actor: &Actor) -> Result<u64> {
    let tx = app.db.begin_write().await?;
    let n = store::mark_notices_read(&*tx, actor.id, now_us()).await?;
    tx.commit().await?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

/// A count under a key (kind, cause, channel ...).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// A daily series for one value of a dimension.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Series {
    pub key: String,
    pub counts: Vec<u64>,
}

/// The dimensions the analysis breaks down by, in the order of its counts.
const TREND_DIMS: [&str; 7] = [
    "kind",
    "cause",
    "product",
    "channel",
    "branch_code",
    "segment",
    "department",
];

/// Deadlines met: among the resolved cases that had one, plus the open cases already past it (missed
/// whatever happens next).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Attainment {
    pub resolved: u64,
    pub met: u64,
    /// Open and already past the deadline.
    pub open_breached: u64,
    /// `met / (resolved + open_breached)`.
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Analytics {
    pub from: String,
    pub to: String,
    /// Cases received in the period (merged repeats excluded: they count once, in the case they joined).
    pub total: u64,
    pub open: u64,
    /// Open cases at escalation level 2 or more (a deadline breached).
    pub breached_open: u64,
    pub by_kind: Vec<Count>,
    pub by_cause: Vec<Count>,
    pub by_product: Vec<Count>,
    pub by_channel: Vec<Count>,
    pub by_branch: Vec<Count>,
    pub by_segment: Vec<Count>,
    pub by_department: Vec<Count>,
    /// Received per day (bank's time zone), for the trend.
    pub by_day: Vec<Count>,
    /// The dimension of `trend`.
    pub trend_by: String,
    /// Per value of `trend_by`: cases received on each day of `by_day` (same order).
    pub trend: Vec<Series>,
    /// Received per weekday (0 = Monday) and hour: peak hours and days.
    pub heat: Vec<Vec<u64>>,
    pub sla: Attainment,
    pub regulatory: Attainment,
    /// Mean hours from receipt to resolution.
    pub avg_handling_hours: Option<f64>,
    pub satisfaction_responses: u64,
    pub satisfaction_avg: Option<f64>,
    /// Responses per score 1..5.
    pub satisfaction_dist: Vec<u64>,
}

fn pct(met: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| (met as f64 * 1000.0 / of as f64).round() / 10.0)
}

fn counts(m: BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v
}

/// The period's cases in scope (all pages), for analysis and export.
async fn period_rows(app: &App, actor: &Actor, q: &CaseQuery) -> Result<Vec<CaseRow>> {
    let s = scope(app, actor).await?;
    let mut f = filter_of(app, actor, q, s, 1000)?;
    // Always the whole period: a list cursor would start it mid-way.
    f.before = None;
    let mut out = Vec::new();
    loop {
        let page = store::list_cases(&app.db.conn, &f).await?;
        let Some(last) = page.last() else { break };
        f.before = Some((last.received_at_us, last.id));
        let full = page.len() as u64 == f.limit;
        out.extend(page);
        if !full {
            break;
        }
    }
    Ok(out)
}

/// Counts, trends, peaks, deadline attainment, handling time and satisfaction for cases received in the
/// period (`from`/`to` days, other filters as in the list: the list with the same filters is the
/// drill-down of every figure).
pub async fn analytics(app: &App, actor: &Actor, q: CaseQuery) -> Result<Analytics> {
    // The list's filter already leaves merged repeats out (unless a status asks for them).
    let rows: Vec<CaseRow> = period_rows(app, actor, &q).await?;
    let trend_by = q.trend_by.clone().unwrap_or_else(|| "kind".into());
    let Some(trend_ix) = TREND_DIMS.iter().position(|d| *d == trend_by) else {
        return Err(AppError::field(
            "trend_by",
            "one_of",
            format!("must be one of {}", TREND_DIMS.join(", ")),
        ));
    };
    // value of the trend dimension -> day -> count
    let mut per_day: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut by: [BTreeMap<String, u64>; 8] = Default::default();
    let mut heat = vec![vec![0u64; 24]; 7];
    let (mut sla, mut reg) = (Attainment::default(), Attainment::default());
    let (mut handled_us, mut handled) = (0i128, 0u64);
    let mut dist = vec![0u64; 5];
    let (mut open, mut breached) = (0, 0);
    for r in &rows {
        let keys = [
            Some(r.kind.clone()),
            r.cause.clone(),
            r.product.clone(),
            Some(r.channel.clone()),
            Some(r.branch_code.clone()),
            r.segment.clone(),
            Some(r.department.clone()),
            Some(local(app, r.received_at_us).date().to_string()),
        ];
        let day = keys[7].clone().unwrap_or_default();
        let tkey = keys[trend_ix].clone().unwrap_or_else(|| "-".into());
        *per_day.entry(tkey).or_default().entry(day).or_default() += 1;
        for (m, k) in by.iter_mut().zip(keys) {
            *m.entry(k.unwrap_or_else(|| "-".into())).or_default() += 1;
        }
        let at = local(app, r.received_at_us);
        let wd = at.weekday().to_monday_zero_offset() as usize;
        heat[wd][at.hour() as usize] += 1;
        if r.status == "open" {
            open += 1;
            if r.sla_stage >= 2 || r.reg_stage >= 2 {
                breached += 1;
            }
            sla.open_breached += u64::from(r.sla_stage >= 2);
            reg.open_breached += u64::from(r.reg_stage >= 2);
        }
        if let Some(m) = r.sla_met {
            sla.resolved += 1;
            sla.met += u64::from(m);
        }
        if let Some(m) = r.reg_met {
            reg.resolved += 1;
            reg.met += u64::from(m);
        }
        if let Some(t) = r.resolved_at_us {
            handled_us += i128::from(t - r.received_at_us);
            handled += 1;
        }
        if let Some(s) = r.satisfaction
            && (1..=5).contains(&s)
        {
            dist[(s - 1) as usize] += 1;
        }
    }
    sla.pct = pct(sla.met, sla.resolved + sla.open_breached);
    reg.pct = pct(reg.met, reg.resolved + reg.open_breached);
    let responses: u64 = dist.iter().sum();
    let score: u64 = dist
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u64 + 1) * n)
        .sum();
    let [
        kind,
        cause,
        product,
        channel,
        branch,
        segment,
        department,
        day,
    ] = by;
    let mut by_day: Vec<Count> = counts(day.clone());
    by_day.sort_by(|a, b| a.key.cmp(&b.key));
    // Every day of a bounded period, zeros included, so the trend line has its quiet days.
    let parse = |v: &Option<String>| {
        v.as_deref()
            .and_then(|d| d.trim().parse::<jiff::civil::Date>().ok())
    };
    if let (Some(a), Some(b)) = (parse(&q.from), parse(&q.to))
        && (b - a).get_days() <= 366
    {
        by_day = a
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= b)
            .map(|d| {
                let key = d.to_string();
                Count {
                    count: day.get(&key).copied().unwrap_or(0),
                    key,
                }
            })
            .collect();
    }
    let mut trend: Vec<Series> = per_day
        .into_iter()
        .map(|(key, days)| Series {
            counts: by_day
                .iter()
                .map(|d| days.get(&d.key).copied().unwrap_or(0))
                .collect(),
            key,
        })
        .collect();
    trend.sort_by_key(|s| std::cmp::Reverse(s.counts.iter().sum::<u64>()));
    Ok(Analytics {
        trend_by,
        trend,
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        total: rows.len() as u64,
        open,
        breached_open: breached,
        by_kind: counts(kind),
        by_cause: counts(cause),
        by_product: counts(product),
        by_channel: counts(channel),
        by_branch: counts(branch),
        by_segment: counts(segment),
        by_department: counts(department),
        by_day,
        heat,
        sla,
        regulatory: reg,
        avg_handling_hours: (handled > 0)
            .then(|| ((handled_us / i128::from(handled)) as f64 / 3.6e9 * 10.0).round() / 10.0),
        satisfaction_responses: responses,
        satisfaction_avg: (responses > 0)
            .then(|| (score as f64 * 100.0 / responses as f64).round() / 100.0),
        satisfaction_dist: dist,
    })
}

const EXPORT_HEADERS: [&str; 20] = [
    "case_no",
    "received_at",
    "kind",
    "channel",
    "product",
    "cause",
    "severity",
    "party",
    "branch_code",
    "segment",
    "department",
    "status",
    "escalation_level",
    "sla_due_at",
    "sla_met",
    "regulatory_due_at",
    "regulatory_met",
    "resolved_at",
    "handling_hours",
    "satisfaction",
];

/// The period's cases as an XLSX workbook (one row per case; no complainant names or contents), audited.
pub async fn export_xlsx(app: &App, actor: &Actor, q: CaseQuery) -> Result<(Vec<u8>, usize)> {
    let rows = period_rows(app, actor, &q).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(x)?;
    }
    let yes_no = |b: Option<bool>| b.map(|b| if b { "yes" } else { "no" }).unwrap_or("");
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let t = |us: Option<i64>| us.map(|u| local(app, u).to_string()).unwrap_or_default();
        let cells = [
            r.case_no.clone(),
            t(Some(r.received_at_us)),
            r.kind.clone(),
            r.channel.clone(),
            r.product.clone().unwrap_or_default(),
            r.cause.clone().unwrap_or_default(),
            r.severity.clone(),
            r.party.clone(),
            r.branch_code.clone(),
            r.segment.clone().unwrap_or_default(),
            r.department.clone(),
            r.status.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v).map_err(x)?;
        }
        ws.write_number(row, 12, f64::from(r.escalation_level))
            .map_err(x)?;
        ws.write_string(row, 13, t(Some(r.sla_due_at_us)))
            .map_err(x)?;
        ws.write_string(row, 14, yes_no(r.sla_met)).map_err(x)?;
        ws.write_string(row, 15, t(r.reg_due_at_us)).map_err(x)?;
        ws.write_string(row, 16, yes_no(r.reg_met)).map_err(x)?;
        ws.write_string(row, 17, t(r.resolved_at_us)).map_err(x)?;
        if let Some(done) = r.resolved_at_us {
            let h = ((done - r.received_at_us) as f64 / 3.6e8).round() / 10.0;
            ws.write_number(row, 18, h).map_err(x)?;
        }
        if let Some(s) = r.satisfaction {
            ws.write_number(row, 19, f64::from(s)).map_err(x)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    let tx = app.db.begin_write().await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "case.export",
            entity: "case",
            entity_id: None,
            customer_id: None,
            detail: json!({"rows": rows.len(), "from": q.from, "to": q.to}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok((bytes, rows.len()))
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

/// Largest attachment accepted.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Accepted file types: extension, content type, and the bytes such a file starts with (when it has any).
const ATTACHMENT_TYPES: [(&str, &str, &[u8]); 10] = [
    ("pdf", "application/pdf", b"%PDF"),
    ("png", "image/png", b"\x89PNG"),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("txt", "text/plain; charset=utf-8", b""),
    ("eml", "message/rfc822", b""),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK",
    ),
    ("mp3", "audio/mpeg", b""),
    ("wav", "audio/wav", b"RIFF"),
];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the file as uploaded (hex), so a copy can be checked against it.
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: String,
}

fn attachment_view(
    a: store::AttachmentMeta,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
) -> AttachmentView {
    AttachmentView {
        id: a.id,
        uploaded_by: staff.get(&a.uploaded_by).map(|s| s.display_name.clone()),
        filename: a.filename,
        content_type: a.content_type,
        size_bytes: a.size_bytes,
        sha256: a.sha256,
        uploaded_at: crate::fmt_us(a.uploaded_at_us),
    }
}

/// Attaches a file (letter, photo, recording) to a case: type from a fixed list checked against the
/// file's first bytes, at most 10 MiB, stored encrypted; logged on the case and audited (name, size and
/// hash, never the content).
pub async fn attach(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    filename: &str,
    bytes: &[u8],
) -> Result<AttachmentView> {
    actor.require(Permission::CaseWrite)?;
    let r = load(app, actor, case_id).await?;
    let name = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut errs = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        errs.push("filename", "format", "a file name of 1-200 characters");
    }
    let kind = ATTACHMENT_TYPES.iter().find(|(e, _, _)| *e == ext);
    match kind {
        None => errs.push(
            "filename",
            "file_type",
            format!(
                "must end in one of {}",
                ATTACHMENT_TYPES.map(|(e, _, _)| e).join(", ")
            ),
        ),
        Some((_, _, magic)) if !bytes.starts_with(magic) => errs.push(
            "file",
            "file_type",
            format!("the content is not a .{ext} file"),
        ),
        _ => {}
    }
    if bytes.is_empty() {
        errs.push("file", "required", "the file is empty");
    } else if bytes.len() > ATTACHMENT_MAX_BYTES {
        errs.push("file", "size", "must be at most 10 MiB");
    }
    errs.into_result()?;
    let content_type = kind.map(|(_, c, _)| (*c).to_owned()).unwrap_or_default();
    let now = now_us();
    let meta = store::AttachmentMeta {
        id: Uuid::now_v7(),
        case_id,
        filename: name,
        content_type,
        size_bytes: bytes.len() as i64,
        sha256: crate::crypto::sha256_hex(bytes),
        uploaded_by: actor.id,
        uploaded_at_us: now,
    };
    let enc = app.keys().encrypt_bytes(Purpose::Attachment, bytes)?;
    let tx = app.db.begin_write().await?;
    store::insert_attachment(&*tx, &meta, enc).await?;
    // The file name can be personal ("张三的投诉信.pdf"): it stays in the case log, which only readers of
    // the case see; the audit log gets the type, size and hash.
    let detail =
        json!({"attachment": meta.id, "type": ext, "size": meta.size_bytes, "sha256": meta.sha256});
    store::insert_log(
        &*tx,
        &[log_row(
            case_id,
            Some(actor),
            "attach",
            Some(meta.filename.clone()),
            detail.clone(),
            now,
        )],
    )
    .await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "case.attach",
            entity: "case",
            entity_id: Some(case_id.to_string()),
            customer_id: r.customer_id,
            detail,
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(attachment_view(meta, &staff_map(app).await?))
}

/// An attachment's bytes for someone who may read the case; every download is audited.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    id: Uuid,
) -> Result<(AttachmentView, Vec<u8>)> {
    let r = load(app, actor, case_id).await?;
    let (meta, enc) = store::find_attachment(&app.db.conn, case_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = app.keys().decrypt_bytes(Purpose::Attachment, &enc)?;
    let tx = app.db.begin_write().await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "case.attachment.read",
            entity: "case",
            entity_id: Some(case_id.to_string()),
            customer_id: r.customer_id,
            detail: json!({"attachment": id}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok((attachment_view(meta, &staff_map(app).await?), bytes))
}
