//! Escalation at a share of each clock and at breach, with notices to the owner and supervisors; the job that
//! runs it and the notices staff read.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::Result;
use banyan_domain::access::Role;
use banyan_domain::ids::CaseId;
use banyan_store::cases::{self as store, CaseRow};
use banyan_store::now_us;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

use super::calendars::recompute_open;
use super::clocks::{set_clocks, set_level, stages_at};
use super::staff_map;
use super::{log_row, notice, supervisors};

/// Raises the escalation level of every open case whose next threshold has passed at `now_us`: the owner
/// and the supervisors get a notice in the same transaction, the case log and the audit log say why.
/// Returns how many cases escalated.
pub async fn escalate_due(app: &App, now_us: i64) -> Result<u64> {
    let staff = staff_map(app).await?;
    let mut n = 0;
    let mut done: std::collections::HashSet<CaseId> = std::collections::HashSet::new();
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
        let mut events = Vec::new();
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
            let mut to: Vec<Uuid> = r.owner_id.map(Uuid::from).into_iter().collect();
            to.extend(supervisors(&staff, &r));
            if reached.iter().any(|(_, w)| *w == "regulatory_breach") {
                to.extend(
                    staff
                        .values()
                        .filter(|s| !s.disabled && s.role == Role::SeniorManager)
                        .map(|s| s.id.uuid()),
                );
            }
            to.sort();
            to.dedup();
            // One notice per person per pass, of the gravest point reached (a case found late may pass
            // several at once; `reached` runs from the least to the most grave). The kind says what
            // happened; the workbench words it in the reader's language.
            if let Some((kind, _)) = reached.last() {
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
            let customer = r.customer_id.map(|c| c.uuid());
            events.push(crate::outbound::event(
                "case.escalated",
                customer,
                json!({"case_id": r.id.uuid(), "case_no": r.case_no, "reached": what,
                       "level": r.escalation_level, "customer_id": customer}),
            ));
            audits.push(Entry {
                action: "case.escalate",
                entity: "case",
                entity_id: Some(r.id.to_string()),
                customer_id: r.customer_id.map(Into::into),
                detail: json!({"case_no": r.case_no, "reached": what}),
            });
        }
        store::insert_log(&*tx, &logs).await?;
        store::insert_notices(&*tx, &notices).await?;
        crate::outbound::emit(&*tx, &events).await?;
        audit::record_system(app, &*tx, "escalation", audits).await?;
        tx.commit().await?;
    }
    Ok(n)
}

/// One tick of the escalator: reload calendars changed on another node (the lease holder then moves the
/// open cases' deadlines), and escalate what is due if this node holds the lease `cases.escalate`.
pub async fn escalate_tick(app: Arc<App>, every: std::time::Duration) {
    let now = now_us();
    let held = banyan_store::misc::take_lease(
        &app.db.conn,
        "cases.escalate",
        &app.node_id,
        now,
        now + every.as_micros() as i64 * 3,
    )
    .await;
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub case_id: Option<CaseId>,
    /// The customer it is about, if any.
    pub customer_id: Option<Uuid>,
    pub kind: String,
    pub text: String,
    pub created_at: String,
    pub read: bool,
}

/// The caller's notices, newest first. A notice keeps its words, but names its customer only while the
/// customer is in the caller's scope: a customer since handed to another manager is not linked (nor found);
/// a client's advisory team's notices name the client while the caller is on the team (whose page, and only
/// that, opens to them).
pub async fn my_notices(app: &App, actor: &Actor, limit: u64) -> Result<Vec<NoticeView>> {
    let notices = store::notices_for(&app.db.conn, actor.id.uuid(), limit.clamp(1, 200)).await?;
    let ids: Vec<Uuid> = notices.iter().filter_map(|n| n.customer_id).collect();
    let visible: std::collections::HashSet<Uuid> =
        match actor.require(banyan_domain::access::Permission::CustomerRead) {
            Ok(grant) if !ids.is_empty() => banyan_store::customers::list_brief(&app.db.conn, &ids)
                .await?
                .into_iter()
                .filter(|(_, _, _, branch, rm)| grant.can_see(branch, rm.map(Into::into)))
                .map(|(id, ..)| id)
                .collect(),
            _ => Default::default(),
        };
    let advised: std::collections::HashSet<Uuid> =
        if notices.iter().any(|n| n.kind.starts_with("wealth.")) {
            banyan_store::wealth::team::clients_of_member(&app.db.conn, actor.id)
                .await?
                .into_iter()
                .collect()
        } else {
            Default::default()
        };
    Ok(notices
        .into_iter()
        .map(|n| NoticeView {
            id: n.id,
            case_id: n.case_id,
            customer_id: n.customer_id.filter(|c| {
                visible.contains(c) || (n.kind.starts_with("wealth.") && advised.contains(c))
            }),
            kind: n.kind,
            text: n.text,
            created_at: crate::fmt_us(n.created_at_us),
            read: n.read_at_us.is_some(),
        })
        .collect())
}

pub async fn mark_notices_read(app: &App, actor: &Actor) -> Result<u64> {
    let tx = app.db.begin_write().await?;
    let n = store::mark_notices_read(&*tx, actor.id.uuid(), now_us()).await?;
    tx.commit().await?;
    Ok(n)
}
