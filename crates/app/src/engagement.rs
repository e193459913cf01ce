//! Relationship maintenance: contact plans by segment, follow-up tasks, interactions and coverage.
//!
//! Every verified customer with a manager and a matching plan has exactly one open contact task, due
//! `every_months` after the last contact (or after verification). The planner is idempotent: it inserts a
//! missing task, moves one whose due date, owner or plan changed (a tier change), cancels one whose plan no
//! longer applies, and otherwise writes nothing. A unique index (one open contact task per customer) makes
//! duplicates impossible even when two planners race. Logging an interaction completes the open task (on
//! time or late) and plans the next one in the same transaction.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::customer::CustomerStatus;
use banyan_domain::engagement::next_due;
use banyan_store::customers::{self as cstore, CustomerFilter, CustomerRow, ScopeFilter};
use banyan_store::engagement::{self as store, InteractionRow, TaskRow};
use banyan_store::{ConnectionTrait, misc, now_us};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

fn civil(app: &App, us: i64) -> Option<Date> {
    jiff::Timestamp::from_microsecond(us)
        .ok()
        .map(|t| t.to_zoned(app.tz.clone()).date())
}

/// What a planning run did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PlanReport {
    /// Contact cycles closed as missed (one per cycle that passed without a contact).
    pub missed: u64,
    pub customers: u64,
    pub created: u64,
    pub moved: u64,
    pub cancelled: u64,
}

impl PlanReport {
    fn add(&mut self, o: &PlanReport) {
        self.customers += o.customers;
        self.created += o.created;
        self.moved += o.moved;
        self.cancelled += o.cancelled;
        self.missed += o.missed;
    }
}

/// Plans the contact tasks of these customers in the caller's transaction (idempotent).
pub(crate) async fn plan_rows<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
) -> Result<PlanReport> {
    let mut report = PlanReport {
        customers: rows.len() as u64,
        ..Default::default()
    };
    if rows.is_empty() {
        return Ok(report);
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.uuid()).collect();
    // Only a verified customer with a manager has a plan: the segments and last contacts of the others are
    // not read (a bulk load's new customers await review).
    let planned: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.status == CustomerStatus::Verified && r.rm_id.is_some())
        .map(|r| r.id.uuid())
        .collect();
    let mut segments: HashMap<Uuid, BTreeMap<String, String>> = HashMap::new();
    let mut last: HashMap<Uuid, i64> = HashMap::new();
    if !planned.is_empty() {
        for a in banyan_store::segments::assignments_for(c, &planned).await? {
            segments
                .entry(a.customer_id)
                .or_default()
                .insert(a.dimension, a.value);
        }
        last = store::last_contacts(c, &planned)
            .await?
            .into_iter()
            .collect();
    }
    let open: HashMap<Uuid, TaskRow> = store::open_contact_tasks(c, &ids)
        .await?
        .into_iter()
        .map(|t| (t.customer_id, t))
        .collect();
    let empty = BTreeMap::new();
    let now = now_us();
    let today = app.today();
    let mut inserts = Vec::new();
    let policy = app.policy();
    for r in rows {
        let kind = Some(r.kind);
        let verified = r.status == CustomerStatus::Verified;
        let plan = match (kind, verified, r.rm_id) {
            (Some(k), true, Some(_)) => policy
                .engagement
                .plan_for(k, segments.get(&r.id.uuid()).unwrap_or(&empty)),
            _ => None,
        };
        let existing = open.get(&r.id.uuid());
        let Some(plan) = plan else {
            if let Some(t) = existing {
                store::close_task(c, t.id, "cancelled", now, None, None).await?;
                report.cancelled += 1;
            }
            continue;
        };
        let since = r
            .verified_at_us
            .and_then(|us| civil(app, us))
            .unwrap_or(today);
        let due = next_due(
            last.get(&r.id.uuid()).and_then(|us| civil(app, *us)),
            since,
            plan.every_months,
        )
        .to_string();
        // An overdue contact stays overdue: a tier change or a new manager must not move a missed due date
        // into the future and erase the miss from coverage (it can only bring it earlier).
        let today_s = today.to_string();
        let mut due = match existing {
            Some(t) if t.due_on < today_s && t.due_on < due => t.due_on.clone(),
            _ => due,
        };
        // Every cycle that passed without a contact is a miss of its own: the open task is closed as
        // `missed`, one `missed` row is kept per further cycle, and the current cycle gets the open task.
        let mut existing = existing;
        if let Some(t) = existing
            && let Ok(d) = t.due_on.parse::<Date>()
        {
            let (missed, current) =
                banyan_domain::engagement::missed_cycles(d, plan.every_months, today);
            if !missed.is_empty() {
                store::close_task(c, t.id, "missed", now, None, Some(false)).await?;
                for m in &missed[1..] {
                    inserts.push(TaskRow {
                        id: Uuid::now_v7(),
                        customer_id: r.id.uuid(),
                        owner_id: t.owner_id,
                        kind: "contact".into(),
                        plan_key: t.plan_key.clone(),
                        method: t.method.clone(),
                        due_on: m.to_string(),
                        status: "missed".into(),
                        note: None,
                        purpose: None,
                        scheduled_at_us: None,
                        key_customer: false,
                        created_at_us: now,
                        done_at_us: Some(now),
                        interaction_id: None,
                        on_time: Some(false),
                    });
                }
                report.missed += missed.len() as u64;
                due = current.to_string();
                existing = None;
            }
        }
        match existing {
            Some(t)
                if t.due_on == due
                    && t.owner_id == r.rm_id.map(Into::into)
                    && t.plan_key.as_deref() == Some(plan.key.as_str()) => {}
            Some(t) => {
                store::replan_task(
                    c,
                    t.id,
                    r.rm_id.map(Into::into),
                    &plan.key,
                    &plan.method,
                    &due,
                )
                .await?;
                report.moved += 1;
            }
            None => {
                inserts.push(open_task(
                    r.id.uuid(),
                    r.rm_id.map(Into::into),
                    "contact",
                    plan.key.clone(),
                    &plan.method,
                    due,
                    now,
                ));
                report.created += 1;
            }
        }
    }
    store::insert_tasks(c, &inserts).await?;
    Ok(report)
}

/// The onboarding of a customer won from a lead (seed 002 §六.2): a task of its owner for the first-service
/// guidance and one per follow-up, due at the policy's days from `opened`, in the caller's transaction. They
/// are carried out like any task, by logging the contact with its `task_id`; after the last, the customer's
/// contact plan carries on alone.
pub(crate) async fn plan_onboarding<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer_id: Uuid,
    owner: Option<Uuid>,
    opened: Date,
) -> Result<()> {
    let now = now_us();
    let rows: Vec<TaskRow> = app
        .policy()
        .acquisition
        .onboarding
        .schedule(opened)
        .into_iter()
        .map(|(step, method, due)| {
            open_task(
                customer_id,
                owner,
                ONBOARDING,
                step.key(),
                method,
                due.to_string(),
                now,
            )
        })
        .collect();
    store::insert_tasks(c, &rows).await?;
    Ok(())
}

/// A new open task of `kind` for the customer's owner, due on `due` (a contact plan's or an onboarding
/// step's, named by `plan_key`).
fn open_task(
    customer_id: Uuid,
    owner_id: Option<Uuid>,
    kind: &str,
    plan_key: String,
    method: &str,
    due_on: String,
    now: i64,
) -> TaskRow {
    TaskRow {
        id: Uuid::now_v7(),
        customer_id,
        owner_id,
        kind: kind.to_owned(),
        plan_key: Some(plan_key),
        method: method.to_owned(),
        due_on,
        status: "open".into(),
        note: None,
        purpose: None,
        scheduled_at_us: None,
        key_customer: false,
        created_at_us: now,
        done_at_us: None,
        interaction_id: None,
        on_time: None,
    }
}

/// The kind of an onboarding task.
pub const ONBOARDING: &str = "onboarding";

/// A customer's onboarding tasks by due date (the lead it came from shows them), read in `c`.
pub(crate) async fn onboarding_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer_id: Uuid,
) -> Result<Vec<TaskView>> {
    let mut tasks: Vec<TaskRow> = store::tasks_of_customer(c, customer_id)
        .await?
        .into_iter()
        .filter(|t| t.kind == ONBOARDING)
        .collect();
    // Each names its step: a stored key that does not read is an error, never a blank row.
    if let Some(t) = tasks.iter().find(|t| {
        t.plan_key
            .as_deref()
            .and_then(banyan_domain::acquisition::onboarding::OnboardingStep::parse)
            .is_none()
    }) {
        return Err(AppError::internal(format!(
            "tasks {}: an onboarding task without its step",
            t.id
        )));
    }
    tasks.sort_by(|a, b| a.due_on.cmp(&b.due_on));
    views(app, tasks, app.today()).await
}

const LEASE: &str = "engagement.plan";

/// Plans every customer, a page per transaction, under a lease (`None` when another node holds it).
pub async fn plan_all(app: &App, progress: impl Fn(u64, u64)) -> Result<Option<PlanReport>> {
    let lease_for = |now: i64| now + 10 * 60 * 1_000_000;
    let now = now_us();
    if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_for(now)).await? {
        return Ok(None);
    }
    let total = u64::try_from(cstore::count_customers(&app.db.conn).await?).unwrap_or(0);
    let mut report = PlanReport::default();
    let mut after = None;
    let result: Result<()> = async {
        loop {
            let f = CustomerFilter {
                status: Some("verified".into()),
                after: after.map(cstore::Cursor::Id),
                ..CustomerFilter::scoped(ScopeFilter::All, 1000)
            };
            let page = cstore::list_customers(&app.db.conn, &f).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.uuid());
            let tx = app.db.begin_write().await?;
            let r = plan_rows(app, &*tx, &page).await?;
            tx.commit().await?;
            report.add(&r);
            progress(report.customers, total);
            let now = now_us();
            if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_for(now)).await? {
                return Err(AppError::internal("the planning lease was lost"));
            }
        }
        Ok(())
    }
    .await;
    misc::release_lease(&app.db.conn, LEASE, &app.node_id).await?;
    result?;
    Ok(Some(report))
}

// ---------------------------------------------------------------------------------------------
// Interactions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionInput {
    /// `call`, `visit`, `meeting` or `message`.
    pub method: String,
    /// When it happened (RFC 3339); default now.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// What came of it.
    pub outcome: String,
    /// The customer's needs noted.
    #[serde(default)]
    pub needs: Option<String>,
    /// 1 (very unhappy) to 5 (very happy).
    #[serde(default)]
    pub satisfaction: Option<i32>,
    #[serde(default)]
    pub next_step: Option<String>,
    /// A planned visit (or other task) this contact carries out; the open contact-plan task is completed
    /// as well.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InteractionView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub staff_id: Uuid,
    pub method: String,
    pub occurred_at: String,
    pub outcome: String,
    pub needs: Option<String>,
    pub satisfaction: Option<i32>,
    pub next_step: Option<String>,
    /// The task this contact completed, if any.
    pub task_id: Option<Uuid>,
}

impl From<InteractionRow> for InteractionView {
    fn from(r: InteractionRow) -> Self {
        InteractionView {
            id: r.id,
            customer_id: r.customer_id,
            staff_id: r.staff_id,
            method: r.method,
            occurred_at: crate::fmt_us(r.occurred_at_us),
            outcome: r.outcome,
            needs: r.needs,
            satisfaction: r.satisfaction,
            next_step: r.next_step,
            task_id: r.task_id,
        }
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Logs a contact with a customer: completes the open contact task (on time if it happened by the due
/// date plus the grace days) and plans the next one, all in one transaction.
pub async fn log_interaction(
    app: &App,
    actor: &Actor,
    customer_id: Uuid,
    input: InteractionInput,
) -> Result<InteractionView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let mut errs = banyan_domain::FieldErrors::new();
    banyan_domain::engagement::check_method(&mut errs, "method", &input.method);
    if input.outcome.trim().is_empty() {
        errs.push("outcome", "required", "say what came of the contact");
    }
    if input.outcome.chars().count() > 2000 {
        errs.push("outcome", "max_length", "must be at most 2000 characters");
    }
    if input.satisfaction.is_some_and(|s| !(1..=5).contains(&s)) {
        errs.push("satisfaction", "range", "must be between 1 and 5");
    }
    let now = now_us();
    let occurred = match input.occurred_at.as_deref().map(str::trim) {
        None | Some("") => now,
        Some(t) => match t.parse::<jiff::Timestamp>() {
            Ok(ts) if ts.as_microsecond() <= now + 60_000_000 => ts.as_microsecond(),
            Ok(_) => {
                errs.push("occurred_at", "not_future", "must not be in the future");
                now
            }
            Err(_) => {
                errs.push(
                    "occurred_at",
                    "format",
                    "must be an RFC 3339 time, e.g. 2026-11-23T09:30:00+08:00",
                );
                now
            }
        },
    };
    errs.into_result()?;
    let tx = app.db.begin_write().await?;
    let row = crate::scope::lock_in_scope(&*tx, &grant, customer_id).await?;
    // The seller of a private product may not contact the client during its cooling-off.
    crate::wealth::suitability::seller_may_contact(&*tx, row.id, actor.id()).await?;
    let contact_task = store::open_contact_tasks(&*tx, &[customer_id])
        .await?
        .into_iter()
        .next();
    let chosen = match input.task_id {
        None => None,
        Some(t) => Some(
            store::open_task(&*tx, customer_id, t)
                .await?
                .ok_or_else(|| {
                    AppError::field("task_id", "not_found", "no open task of this customer")
                })?,
        ),
    };
    let mut to_close: Vec<TaskRow> = chosen.into_iter().collect();
    if let Some(ct) = contact_task
        && !to_close.iter().any(|t| t.id == ct.id)
    {
        to_close.push(ct);
    }
    let task = to_close.first().cloned();
    let id = Uuid::now_v7();
    let occurred_on = civil(app, occurred).unwrap_or_else(|| app.today());
    let grace = i64::from(app.policy().engagement.on_time_grace_days);
    let i = InteractionRow {
        id,
        customer_id,
        staff_id: actor.id.uuid(),
        method: input.method.clone(),
        occurred_at_us: occurred,
        outcome: input.outcome.trim().to_owned(),
        needs: clean(input.needs),
        satisfaction: input.satisfaction,
        next_step: clean(input.next_step),
        task_id: task.as_ref().map(|t| t.id),
        created_at_us: now,
    };
    store::insert_interaction(&*tx, &i).await?;
    for t in &to_close {
        let due: Option<Date> = t.due_on.parse().ok();
        let on_time =
            due.map(|d| occurred_on <= d.checked_add(jiff::Span::new().days(grace)).unwrap_or(d));
        store::close_task(&*tx, t.id, "done", now, Some(id), on_time).await?;
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "interaction.log",
            entity: "interaction",
            entity_id: Some(id.to_string()),
            customer_id: Some(customer_id),
            detail: json!({"method": i.method, "task_id": i.task_id, "satisfaction": i.satisfaction}),
        }],
    )
    .await?;
    plan_rows(app, &*tx, &[row]).await?;
    let view: InteractionView = i.into();
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    (app.on_contact)(app, customer_id).await;
    Ok(view)
}

pub async fn interactions(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<InteractionView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let customer_id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
    Ok(store::interactions_of(&app.db.conn, customer_id, 200)
        .await?
        .into_iter()
        .map(InteractionView::from)
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Tasks and coverage
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_no: String,
    pub customer_name: String,
    pub kind: String,
    pub plan_key: Option<String>,
    pub method: String,
    pub due_on: String,
    pub status: String,
    pub overdue: bool,
    pub on_time: Option<bool>,
    /// A visit's purpose, time, preparation notes and key-customer flag.
    pub purpose: Option<String>,
    pub scheduled_at: Option<String>,
    pub preparation: Option<String>,
    pub key_customer: bool,
}

/// Which of my open tasks: due today (and overdue), this week, overdue only, or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    Today,
    Week,
    Overdue,
    All,
}

/// The actor's open tasks, soonest first.
pub async fn my_tasks(app: &App, actor: &Actor, due: Due) -> Result<Vec<TaskView>> {
    actor.require(Permission::CustomerRead)?;
    let today = app.today();
    let until = match due {
        Due::Today => Some(today),
        Due::Week => today.checked_add(jiff::Span::new().days(7)).ok(),
        Due::Overdue => today.yesterday().ok(),
        Due::All => None,
    }
    .map(|d| d.to_string());
    let tasks = store::open_tasks_of(&app.db.conn, actor.id.uuid(), until.as_deref(), 500).await?;
    views(app, tasks, today).await
}

async fn views(app: &App, tasks: Vec<TaskRow>, today: Date) -> Result<Vec<TaskView>> {
    let ids: Vec<Uuid> = tasks.iter().map(|t| t.customer_id).collect();
    let names: HashMap<Uuid, (String, String)> = cstore::list_brief(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|(id, no, name, _, _)| (id, (no, name)))
        .collect();
    Ok(tasks
        .into_iter()
        .map(|t| {
            let (no, name) = names.get(&t.customer_id).cloned().unwrap_or_default();
            TaskView {
                overdue: t.status == "open" && t.due_on.parse::<Date>().is_ok_and(|d| d < today),
                id: t.id,
                customer_id: t.customer_id,
                customer_no: no,
                customer_name: name,
                kind: t.kind,
                plan_key: t.plan_key,
                method: t.method,
                due_on: t.due_on,
                status: t.status,
                on_time: t.on_time,
                purpose: t.purpose,
                scheduled_at: t.scheduled_at_us.map(crate::fmt_us),
                preparation: t.note,
                key_customer: t.key_customer,
            }
        })
        .collect())
}

/// The longest stretch the calendar shows at once: a month grid of six weeks.
pub const AGENDA_MAX_DAYS: i64 = 42;

/// The actor's calendar for the days `[from, to]`: contact tasks due on those days (open, done or
/// cancelled) and visits planned on them, each with its customer. Events come from `events`.
pub async fn agenda(app: &App, actor: &Actor, from: Date, to: Date) -> Result<Vec<TaskView>> {
    actor.require(Permission::CustomerRead)?;
    let days = from.until(to).ok().map(|s| i64::from(s.get_days()));
    if !days.is_some_and(|d| (0..AGENDA_MAX_DAYS).contains(&d)) {
        return Err(AppError::field(
            "to",
            "range",
            format!(
                "give a day from `from` to {} days after it",
                AGENDA_MAX_DAYS - 1
            ),
        ));
    }
    let (from_us, to_us) = app.day_bounds(from, to)?;
    let owner = actor.id.uuid();
    let mut rows = store::tasks_due_between(
        &app.db.conn,
        owner,
        &from.to_string(),
        &to.to_string(),
        2_000,
    )
    .await?;
    rows.extend(store::visits_of(&app.db.conn, owner, from_us, to_us).await?);
    views(app, rows, app.today()).await
}

/// The contact tasks of one customer (open and done), newest due first.
pub async fn customer_tasks(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<TaskView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let customer_id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
    let tasks = store::tasks_of_customer(&app.db.conn, customer_id).await?;
    views(app, tasks, app.today()).await
}

/// Coverage of one manager or branch: required contacts (tasks due in the period) and how many were
/// done on time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageRow {
    /// Staff id (by manager) or branch code (by branch).
    pub key: String,
    /// The manager's name, or the branch code.
    pub label: String,
    pub due: u64,
    pub on_time: u64,
    pub late: u64,
    /// Open and past their due date, or a cycle that passed without any contact (`missed`).
    pub overdue: u64,
    /// Open, not yet due.
    pub pending: u64,
    /// On-time share of the contacts already due (0 to 100), `None` when nothing was due yet.
    pub coverage_pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageBy {
    Manager,
    /// The owner's team (staff without a team are grouped under `-`).
    Team,
    Branch,
}

/// Coverage per manager, team or branch for contacts due in `[from, to]`, within the actor's scope.
pub async fn coverage(
    app: &App,
    actor: &Actor,
    from: Date,
    to: Date,
    by: CoverageBy,
) -> Result<Vec<CoverageRow>> {
    let grant = actor.require(Permission::CustomerRead)?;
    if to < from {
        return Err(AppError::field("to", "range", "must not be before `from`"));
    }
    let today = app.today().to_string();
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rows = store::coverage_rows(
        app.db.reader(),
        &from.to_string(),
        &to.to_string(),
        &grant.scope(),
    )
    .await?;
    let staff: HashMap<Uuid, banyan_store::access::StaffRow> =
        banyan_store::access::list_staff(&app.db.conn)
            .await?
            .into_iter()
            .map(|s| (s.id.uuid(), s))
            .collect();
    let mut out: BTreeMap<String, CoverageRow> = BTreeMap::new();
    for r in rows {
        let (key, label) = match by {
            CoverageBy::Manager => match r.owner_id {
                Some(o) => (
                    o.to_string(),
                    staff
                        .get(&o)
                        .map(|s| s.display_name.clone())
                        .unwrap_or_else(|| o.to_string()),
                ),
                None => ("-".into(), "-".into()),
            },
            CoverageBy::Team => {
                let team = r
                    .owner_id
                    .and_then(|o| staff.get(&o))
                    .and_then(|s| s.team.clone())
                    .unwrap_or_else(|| "-".into());
                (team.clone(), team)
            }
            CoverageBy::Branch => (r.branch_code.clone(), r.branch_code.clone()),
        };
        let e = out.entry(key.clone()).or_insert_with(|| CoverageRow {
            key,
            label,
            due: 0,
            on_time: 0,
            late: 0,
            overdue: 0,
            pending: 0,
            coverage_pct: None,
        });
        match (r.status.as_str(), r.on_time) {
            ("done", Some(true)) => e.on_time += 1,
            ("done", _) => e.late += 1,
            _ if r.due_on < today => e.overdue += 1,
            _ => e.pending += 1,
        }
    }
    Ok(out
        .into_values()
        .map(|mut r| {
            r.due = r.on_time + r.late + r.overdue;
            r.coverage_pct =
                (r.due > 0).then(|| (r.on_time as f64 * 1000.0 / r.due as f64).round() / 10.0);
            r
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Visit plans (seed 002)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// Why: a review of the portfolio, a loan renewal, a complaint follow-up...
    pub purpose: String,
    /// When (RFC 3339), in the future.
    pub scheduled_at: String,
    /// `visit` (at the customer's) or `meeting` (at the bank).
    pub method: String,
    /// Preparation notes: documents, products, questions.
    #[serde(default)]
    pub preparation: Option<String>,
    /// Who goes; default the customer's manager.
    #[serde(default)]
    pub staff: Option<Uuid>,
    /// A special plan for a key customer.
    #[serde(default)]
    pub key_customer: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub scheduled_at: Option<String>,
    pub method: String,
    pub preparation: Option<String>,
    pub key_customer: bool,
    pub status: String,
}

fn visit_view(t: TaskRow) -> VisitView {
    VisitView {
        id: t.id,
        customer_id: t.customer_id,
        owner_id: t.owner_id,
        purpose: t.purpose,
        scheduled_at: t.scheduled_at_us.map(crate::fmt_us),
        method: t.method,
        preparation: t.note,
        key_customer: t.key_customer,
        status: t.status,
    }
}

/// Whether a staff member may be sent to this customer: active, able to read customers, and with this
/// one in their scope (a visit task shows the customer to its owner).
fn may_attend(st: &banyan_store::access::StaffRow, c: &cstore::CustomerRow) -> bool {
    crate::access::may_be_sent(st, Permission::CustomerRead, &c.branch_code, c.rm_id)
}

/// The staff who may carry out a visit to this customer (see [`may_attend`]) whose name or username
/// contains `q`, for the visit form's picker: at most 20, by username. Out of scope is not found.
pub async fn visit_owners(
    app: &App,
    actor: &Actor,
    customer_id: Uuid,
    q: &str,
) -> Result<Vec<crate::access::StaffView>> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let row = crate::scope::load_in_scope(&app.db.conn, &grant, customer_id).await?;
    crate::access::pick_staff(app, q, |st| may_attend(st, &row)).await
}

/// Plans a visit: a task of kind `visit` for the staff member, carried out by logging an interaction
/// with its `task_id`.
pub async fn plan_visit(
    app: &App,
    actor: &Actor,
    customer_id: Uuid,
    v: VisitInput,
) -> Result<VisitView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let mut errs = banyan_domain::FieldErrors::new();
    if v.purpose.trim().is_empty() {
        errs.push("purpose", "required", "say what the visit is for");
    }
    if !["visit", "meeting"].contains(&v.method.as_str()) {
        errs.push("method", "one_of", "must be visit or meeting");
    }
    let at = match v.scheduled_at.trim().parse::<jiff::Timestamp>() {
        Ok(t) if t.as_microsecond() > now_us() => Some(t),
        Ok(_) => {
            errs.push("scheduled_at", "future", "must be in the future");
            None
        }
        Err(_) => {
            errs.push("scheduled_at", "format", "must be an RFC 3339 time");
            None
        }
    };
    errs.into_result()?;
    let tx = app.db.begin_write().await?;
    let row = crate::scope::lock_in_scope(&*tx, &grant, customer_id).await?;
    // A named staff member must be active and able to see this customer (a visit task shows the customer
    // to its owner).
    if let Some(sid) = v.staff {
        let ok = banyan_store::access::find_staff(&*tx, sid.into())
            .await?
            .is_some_and(|st| may_attend(&st, &row));
        if !ok {
            return Err(AppError::field(
                "staff",
                "not_allowed",
                "must be an active staff member who can see this customer",
            ));
        }
    }
    let owner = v
        .staff
        .or(row.rm_id.map(Into::into))
        .or(Some(actor.id.uuid()));
    let when = at.map(|t| t.as_microsecond()).unwrap_or_default();
    let t = TaskRow {
        id: Uuid::now_v7(),
        customer_id,
        owner_id: owner,
        kind: "visit".into(),
        plan_key: None,
        method: v.method,
        due_on: civil(app, when).unwrap_or_else(|| app.today()).to_string(),
        status: "open".into(),
        note: clean(v.preparation),
        purpose: Some(v.purpose.trim().to_owned()),
        scheduled_at_us: Some(when),
        key_customer: v.key_customer,
        created_at_us: now_us(),
        done_at_us: None,
        interaction_id: None,
        on_time: None,
    };
    store::insert_tasks(&*tx, std::slice::from_ref(&t)).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "visit.plan",
            entity: "task",
            entity_id: Some(t.id.to_string()),
            customer_id: Some(customer_id),
            detail: json!({"purpose": t.purpose, "scheduled_at": crate::fmt_us(when), "owner_id": owner, "key_customer": t.key_customer}),
        }],
    )
    .await?;
    let view = visit_view(t);
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// My visits from yesterday to `days` days ahead (the calendar).
pub async fn my_visits(app: &App, actor: &Actor, days: i64) -> Result<Vec<VisitView>> {
    actor.require(Permission::CustomerRead)?;
    let day = 24 * 3_600_000_000;
    let now = now_us();
    Ok(
        store::visits_of(&app.db.conn, actor.id.uuid(), now - day, now + days * day)
            .await?
            .into_iter()
            .map(visit_view)
            .collect(),
    )
}
