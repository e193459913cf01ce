//! Actions on a case: notes, tasks, reassignment, pauses, extensions with approvals, resolution with reply and
//! survey, reopening, lessons.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::calendar::{self as cal, Extension, Pause};
use banyan_domain::ids::CaseId;
use banyan_store::DatabaseTransaction;
use banyan_store::access::StaffRow;
use banyan_store::cases::{self as store, CaseRow, CaseTaskRow, NoticeRow};
use banyan_store::notify::MessageRow;
use banyan_store::now_us;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

use super::clocks::{instant, local, set_clocks, set_level, stages_at};
use super::register::pick_owner;
use super::staff_map;
use super::view::{CaseView, view};
use super::{
    Content, changed, check_department, customer_message, load, log_row, notice, opt_text, text,
};
use super::{reach_of, sees};
use banyan_domain::feedback::{CaseStatus, CaseTransition};

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

/// The status `t` leads to from the case's, or 409 naming the action and the status.
fn step(r: &CaseRow, t: CaseTransition, action: &str) -> Result<CaseStatus> {
    r.status.apply(t).ok_or_else(|| {
        AppError::conflict(
            "invalid_state",
            format!("cannot {action} a case that is {}", r.status),
            json!({"current_status": r.status}),
        )
    })
}

/// What every action works with: the use case's inputs, the staff directory and the open write transaction.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    app: &'a App,
    actor: &'a Actor,
    tx: &'a DatabaseTransaction,
    staff: &'a HashMap<Uuid, StaffRow>,
    now: i64,
}

/// What an action leaves besides the changed case: the log note and detail, and the notices and messages
/// written in the same transaction.
struct Outcome {
    note: Option<String>,
    detail: serde_json::Value,
    notices: Vec<NoticeRow>,
    messages: Vec<MessageRow>,
    /// The regulatory stage is recomputed (an extension: a longer deadline may no longer be at 80%).
    restage: bool,
}

impl Default for Outcome {
    /// No note, an empty detail object (what the log and the audit record show for a plain action).
    fn default() -> Self {
        Outcome {
            note: None,
            detail: json!({}),
            notices: Vec::new(),
            messages: Vec::new(),
            restage: false,
        }
    }
}

/// Applies one action; every action is logged on the case and audited.
/// `read_version` is the version the caller saw (If-Match, or the form's hidden field): when given and no
/// longer current, nothing is done (409) so a stale page cannot act on a case someone else just changed.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: CaseId,
    action: CaseAction,
    read_version: Option<i32>,
) -> Result<CaseView> {
    let grant = actor.require(Permission::CaseWrite)?;
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
    let tx = app.db.begin_write().await?;
    let c = Ctx {
        app,
        actor,
        tx: &tx,
        staff: &staff,
        now,
    };
    let o = match &action {
        CaseAction::Note { text: t } => add_note(t)?,
        CaseAction::Assign { department, owner } => reassign(&c, &mut r, department, owner).await?,
        CaseAction::Pause { reason } => pause(&c, &mut r, reason).await?,
        CaseAction::Resume { note: n } => resume(&c, &mut r, n).await?,
        CaseAction::Extend {
            reason,
            customer_notified,
        } => extend(&c, &mut r, reason, customer_notified).await?,
        CaseAction::Task {
            department,
            owner,
            title,
            due,
        } => add_task(&c, &mut r, department, owner, title, due).await?,
        CaseAction::CompleteTask { task, result } => {
            complete_task(&c, &mut r, task, result).await?
        }
        CaseAction::Resolve {
            solution,
            reply,
            channel,
        } => resolve(&c, &mut r, solution, reply, channel).await?,
        CaseAction::Survey {
            satisfaction,
            comment,
        } => record_survey(&c, &mut r, satisfaction, comment).await?,
        CaseAction::Reopen { reason } => reopen(&c, &mut r, reason).await?,
        CaseAction::Lessons {
            lessons,
            improvement,
        } => record_lessons(&mut r, lessons, improvement)?,
    };
    if r.status.is_open() {
        set_clocks(app, &mut r, now)?;
        if o.restage {
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
            o.note,
            o.detail.clone(),
            now,
        )],
    )
    .await?;
    store::insert_notices(&*tx, &o.notices).await?;
    banyan_store::notify::enqueue(&*tx, &o.messages).await?;
    if matches!(action, CaseAction::Resolve { .. }) {
        let customer = r.customer_id.map(|c| c.uuid());
        crate::outbound::emit(
            &*tx,
            &[crate::outbound::event(
                "case.resolved",
                customer,
                json!({"case_id": r.id.uuid(), "case_no": r.case_no, "status": r.status.as_str(),
                       "customer_id": customer}),
            )],
        )
        .await?;
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "case.update",
            entity: "case",
            entity_id: Some(r.id.to_string()),
            customer_id: r.customer_id.map(Into::into),
            detail: json!({"case_no": r.case_no, "action": action.name(), "detail": o.detail}),
        }],
    )
    .await?;
    tx.commit().await?;
    // The case as it now is: shown even if the action moved it out of the actor's sight (reassigned).
    view(app, r).await
}

/// An investigation note.
fn add_note(t: &str) -> Result<Outcome> {
    let mut errs = FieldErrors::new();
    let note = Some(text(&mut errs, "text", t, 4000));
    errs.into_result()?;
    Ok(Outcome {
        note,
        ..Outcome::default()
    })
}

/// Refuses a named owner who could not open the case's customer record.
fn check_sees(
    errs: &mut FieldErrors,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    named: Option<&str>,
    reach: &super::Reach,
) {
    if let Some(s) = named.and_then(|u| super::named(staff.values(), u, |_| true))
        && !sees(s, reach)
    {
        errs.push(
            "owner",
            "scope",
            "may not see this case's customer record: choose a colleague who may",
        );
    }
}

/// Moves the case to another department and owner (named, or the least-loaded member); the new owner is told.
async fn reassign(
    c: &Ctx<'_>,
    r: &mut CaseRow,
    department: &str,
    owner: &Option<String>,
) -> Result<Outcome> {
    let Ctx { staff, now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    step(r, CaseTransition::Work, "reassign")?;
    let d = text(&mut errs, "department", department, 64);
    let named = owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
    check_department(&mut errs, staff, &d, named);
    let reach = reach_of(c.tx, r).await?;
    check_sees(&mut errs, staff, named, &reach);
    errs.clone().into_result()?;
    let o = pick_owner(c.tx, staff, &d, named, &reach, &r.branch_code).await?;
    out.detail = json!({"from": r.department, "to": d, "owner": o});
    r.department = d;
    r.owner_id = o.map(Into::into);
    if let Some(o) = o {
        out.notices.push(notice(
            o,
            r,
            "case.assigned",
            format!("{} {}", r.case_no, r.subject),
            now,
        ));
    }
    errs.into_result()?;
    Ok(out)
}

/// Stops the clocks (supervisor approval) while an external appraisal runs.
async fn pause(c: &Ctx<'_>, r: &mut CaseRow, reason: &str) -> Result<Outcome> {
    let Ctx {
        app, actor, now, ..
    } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    actor.require(Permission::CaseApprove)?;
    step(r, CaseTransition::Work, "pause")?;
    out.note = Some(text(&mut errs, "reason", reason, 1000));
    if r.paused {
        return Err(AppError::conflict(
            "already_paused",
            "the clocks are already paused",
            json!({}),
        ));
    }
    r.pauses.push(Pause {
        from: local(app, now),
        until: None,
    });
    r.paused = true;
    errs.into_result()?;
    Ok(out)
}

/// Restarts the clocks.
async fn resume(c: &Ctx<'_>, r: &mut CaseRow, n: &Option<String>) -> Result<Outcome> {
    let Ctx { app, now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    step(r, CaseTransition::Work, "resume")?;
    out.note = opt_text(&mut errs, "note", n, 1000);
    if !r.paused {
        return Err(AppError::conflict(
            "not_paused",
            "the clocks are running",
            json!({}),
        ));
    }
    if let Some(p) = r.pauses.last_mut() {
        p.until = Some(local(app, now));
    }
    r.paused = false;
    errs.into_result()?;
    Ok(out)
}

/// Extends the regulatory deadline: the first extension by a supervisor, the second by a senior manager with the customer told in this transaction.
async fn extend(
    c: &Ctx<'_>,
    r: &mut CaseRow,
    reason: &str,
    customer_notified: &bool,
) -> Result<Outcome> {
    let Ctx {
        app, actor, now, ..
    } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    step(r, CaseTransition::Work, "extend")?;
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
    let mut ext = r.extensions.clone();
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
    let span = cal::extended(&app.policy().feedback.regulatory, &ext).map_err(|m| {
        AppError::conflict("extension_refused", m, json!({"extensions": ext.len() - 1}))
    })?;
    out.detail = json!({"to": span.amount, "unit": span.unit.as_str(), "approver": approver, "customer_notified": customer_notified, "notice_queued": notify_customer});
    r.reg_amount = Some(span.amount as i32);
    r.extensions = ext;
    out.note = Some(reason);
    out.restage = true;
    if notify_customer && let Some(cid) = r.customer_id {
        set_clocks(app, r, now)?;
        let due = local(app, r.reg_due_at_us.unwrap_or(now))
            .date()
            .to_string();
        if let Some(m) = customer_message(
            app,
            c.tx,
            cid.uuid(),
            None,
            "case.extension",
            Content::Template(
                "case_extension",
                &[("case_no", r.case_no.clone()), ("due", due)],
            ),
            format!("case:{}:extension:{}", r.id, r.extensions.len()),
            now,
        )
        .await?
        {
            out.messages.push(m);
        }
    }
    errs.into_result()?;
    Ok(out)
}

/// A task for another department, with owner and due date; the owner is told.
async fn add_task(
    c: &Ctx<'_>,
    r: &mut CaseRow,
    department: &str,
    owner: &Option<String>,
    title: &str,
    due: &str,
) -> Result<Outcome> {
    let Ctx {
        app, staff, now, ..
    } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    step(r, CaseTransition::Work, "add a task to")?;
    let d = text(&mut errs, "department", department, 64);
    check_department(
        &mut errs,
        staff,
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
    let reach = reach_of(c.tx, r).await?;
    check_sees(&mut errs, staff, named, &reach);
    let owner_id = match named {
        Some(u) => match super::named(staff.values(), u, |s| !s.disabled) {
            Some(s) => Some(s.id),
            None => {
                errs.push("owner", "not_found", "no such active staff member");
                None
            }
        },
        None => (pick_owner(c.tx, staff, &d, None, &reach, &r.branch_code).await?).map(Into::into),
    };
    errs.clone().into_result()?;
    let task = CaseTaskRow {
        id: Uuid::now_v7(),
        case_id: r.id,
        department: d.clone(),
        owner_id: owner_id.map(Into::into),
        title: t.clone(),
        due_at_us: due_us.unwrap_or(now),
        status: "open".into(),
        result: None,
        created_at_us: now,
        done_at_us: None,
    };
    store::insert_task(c.tx, &task).await?;
    if let Some(o) = owner_id {
        out.notices.push(notice(
            o.uuid(),
            r,
            "case.task",
            format!("{} {}", r.case_no, t),
            now,
        ));
    }
    out.detail = json!({"task": task.id, "department": d, "owner": owner_id});
    out.note = Some(t);
    errs.into_result()?;
    Ok(out)
}

/// Completes an open task with its result.
async fn complete_task(c: &Ctx<'_>, r: &mut CaseRow, task: &Uuid, result: &str) -> Result<Outcome> {
    let Ctx { now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    step(r, CaseTransition::Work, "complete a task of")?;
    let res = text(&mut errs, "result", result, 2000);
    errs.clone().into_result()?;
    if !store::complete_task(c.tx, r.id, *task, &res, now).await? {
        return Err(AppError::conflict(
            "task_not_open",
            "no open task with this id on the case",
            json!({"task": task}),
        ));
    }
    out.detail = json!({"task": task});
    out.note = Some(res);
    errs.into_result()?;
    Ok(out)
}

/// Resolves the case: solution, reply through the outbox (customers) or recorded, the survey after it; refused while paused or with open tasks.
async fn resolve(
    c: &Ctx<'_>,
    r: &mut CaseRow,
    solution: &str,
    reply: &str,
    channel: &Option<String>,
) -> Result<Outcome> {
    let Ctx { app, now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    let next = step(r, CaseTransition::Resolve, "resolve")?;
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
    let open_tasks = store::tasks_for(c.tx, r.id)
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
    r.status = next;
    r.resolved_at_us = Some(now);
    r.sla_met = Some(now <= r.sla_due_at_us);
    r.reg_met = r.reg_due_at_us.map(|d| now <= d);
    r.solution = Some(solution);
    r.reply = Some(reply.clone());
    r.reopen_until_us = Some(now + i64::from(app.policy().feedback.reopen_days) * 86_400_000_000);
    match r.customer_id {
        Some(cid) => {
            // The reply on the channel asked for (or the customer's), the survey after it.
            let reply = customer_message(
                app,
                c.tx,
                cid.uuid(),
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
            .ok_or_else(|| AppError::internal("reply not built"))?;
            let ch = reply.channel.clone();
            out.messages.push(reply);
            if let Some(m) = customer_message(
                app,
                c.tx,
                cid.uuid(),
                Some(ch.clone()),
                "case.survey",
                Content::Template("case_survey", &[("case_no", r.case_no.clone())]),
                format!("case:{}:survey:{}", r.id, r.reopen_count),
                now,
            )
            .await?
            {
                out.messages.push(m);
            }
            r.reply_via = Some(format!("outbox:{ch}"));
        }
        None => r.reply_via = Some("recorded".into()),
    }
    out.detail =
        json!({"sla_met": r.sla_met, "regulatory_met": r.reg_met, "reply_via": r.reply_via});
    errs.into_result()?;
    Ok(out)
}

/// Records the complainant's satisfaction, which closes the case (once per resolution).
async fn record_survey(
    c: &Ctx<'_>,
    r: &mut CaseRow,
    satisfaction: &i32,
    comment: &Option<String>,
) -> Result<Outcome> {
    let Ctx { now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    let next = step(r, CaseTransition::Survey, "record a survey on")?;
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
    r.status = next;
    out.detail = json!({"satisfaction": satisfaction});
    errs.into_result()?;
    Ok(out)
}

/// Reopens the case within the policy's window; the owner is told.
async fn reopen(c: &Ctx<'_>, r: &mut CaseRow, reason: &str) -> Result<Outcome> {
    let Ctx { app, now, .. } = *c;
    let mut out = Outcome::default();
    let mut errs = FieldErrors::new();
    let next = step(r, CaseTransition::Reopen, "reopen")?;
    let reason = text(&mut errs, "reason", reason, 1000);
    errs.clone().into_result()?;
    if r.reopen_until_us.is_none_or(|u| now > u) {
        return Err(AppError::conflict(
            "reopen_window_passed",
            format!(
                "a case can be reopened within {} days of its resolution",
                app.policy().feedback.reopen_days
            ),
            json!({"reopen_until": r.reopen_until_us.map(crate::fmt_us)}),
        ));
    }
    r.status = next;
    r.reopen_count += 1;
    r.resolved_at_us = None;
    r.sla_met = None;
    r.reg_met = None;
    r.satisfaction = None;
    r.surveyed_at_us = None;
    out.note = Some(reason);
    if let Some(o) = r.owner_id {
        out.notices.push(notice(
            o.uuid(),
            r,
            "case.reopened",
            format!("{} {}", r.case_no, r.subject),
            now,
        ));
    }
    errs.into_result()?;
    Ok(out)
}

/// Lessons learned and improvement actions (any status).
fn record_lessons(r: &mut CaseRow, lessons: &str, improvement: &Option<String>) -> Result<Outcome> {
    let mut errs = FieldErrors::new();
    let l = text(&mut errs, "lessons", lessons, 4000);
    let i = opt_text(&mut errs, "improvement", improvement, 4000);
    errs.into_result()?;
    r.lessons = Some(l);
    r.improvement = i;
    Ok(Outcome::default())
}
