//! Registering a case from any channel: the complainant, routing to a department and owner, the clocks, a
//! repeat merged into the open case.

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::feedback::{self as fb, CaseFacts};
use banyan_domain::ids::CaseId;
use banyan_store::cases::{self as store, CaseLogRow, CaseRow, NoticeRow};
use banyan_store::customers::CustomerRow;
use banyan_store::now_us;
use banyan_store::{ConnectionTrait, DatabaseTransaction};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

use super::clocks::{local, set_clocks, set_level};
use super::view::CaseView;
use super::{Reach, sees, staff_map};
use super::{changed, log_row, notice, one_of, opt_text, text, visible};
use banyan_domain::feedback::CaseStatus;

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

/// Picks the owner among those who may see the customer: the rule's named owner, else the active member of
/// the department with the fewest open cases (same branch first, then any), ties by username. `None` leaves
/// it in the department's queue (a supervisor assigns it).
pub(crate) async fn pick_owner<C: banyan_store::ConnectionTrait>(
    c: &C,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    department: &str,
    named: Option<&str>,
    reach: &Reach,
    branch: &str,
) -> Result<Option<Uuid>> {
    if let Some(u) = named
        && let Some(s) = super::named(staff.values(), u, |s| !s.disabled && sees(s, reach))
    {
        return Ok(Some(s.id.uuid()));
    }
    let load: HashMap<Uuid, i64> = store::open_load(c, department).await?.into_iter().collect();
    let mut members: Vec<&banyan_store::access::StaffRow> = staff
        .values()
        .filter(|s| {
            !s.disabled
                && s.department.as_deref() == Some(department)
                && s.role.has(Permission::CaseWrite)
                && sees(s, reach)
        })
        .collect();
    members.sort_by_key(|s| {
        (
            s.branch_code.as_deref() != Some(branch),
            load.get(&s.id.uuid()).copied().unwrap_or(0),
            s.username.clone(),
        )
    });
    Ok((members.first().map(|s| s.id)).map(Into::into))
}

/// Refuses those who may not register cases (the workbench shows the form only to the others).
pub fn may_register(actor: &Actor) -> Result<()> {
    actor.require(Permission::CaseWrite).map(drop)
}

/// The products and causes the bank's policy lists, offered on the form that registers a case.
pub fn form_choices(app: &App) -> (Vec<String>, Vec<String>) {
    let p = &app.policy().feedback;
    (p.products.clone(), p.causes.clone())
}

/// The next case number of the year the case was received in (`FB` + year + 7 digits), from the year's
/// counter in the registering transaction (concurrent registrations never share one).
async fn next_case_no<C: ConnectionTrait>(c: &C, year: i16) -> Result<String> {
    let seq = banyan_store::misc::next_counters(c, &[(format!("case_no:{year}"), 1)])
        .await?
        .first()
        .map(|(_, v)| *v)
        .ok_or_else(|| AppError::internal("the case number counter returned nothing"))?;
    Ok(format!("FB{year}{seq:07}"))
}

/// Registers a case: validates, routes, starts the clocks, tells the owner; merges a repeat into the open
/// case it repeats (restarting its clocks when it brings new facts).
pub async fn register(app: &App, actor: &Actor, input: CaseInput) -> Result<CaseView> {
    let grant = actor.require(Permission::CaseWrite)?;
    let p = &app.policy().feedback;
    let Checked {
        severity,
        subject,
        content,
        now,
        received,
        customer,
        branch,
        repeat,
    } = check_input(app, &grant, &input).await?;

    let (facts, sla_rule, sla) =
        case_facts(app, &input, customer.as_ref(), &branch, &severity).await?;
    let (party, segments) = (facts.party.clone(), &facts.segments);
    let reg = p.regulatory_for(&facts);
    let route = p.route(&facts);
    let staff = staff_map(app).await?;
    let (complainant_enc, complainant_masked) =
        sealed_complainant(app, input.complainant.as_ref())?;

    let tx = app.db.begin_write().await?;
    let case_no = next_case_no(&*tx, local(app, received).year()).await?;
    let reach: Reach = customer.as_ref().map(|c| (c.branch_code.clone(), c.rm_id));
    let owner = pick_owner(
        &*tx,
        &staff,
        &route.department,
        route.owner.as_deref(),
        &reach,
        &branch,
    )
    .await?;
    let mut row = CaseRow {
        id: CaseId::new(),
        case_no,
        kind: input.kind.clone(),
        channel: input.channel.clone(),
        product: input.product.clone(),
        cause: input.cause.clone(),
        severity,
        complex: input.complex,
        party,
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
        owner_id: owner.map(Into::into),
        route_rule: route.rule.clone(),
        status: CaseStatus::Open,
        escalation_level: 0,
        sla_rule,
        sla_amount: sla.amount as i32,
        sla_unit: sla.unit,
        sla_due_at_us: 0,
        reg_amount: reg.map(|s| s.amount as i32),
        reg_unit: reg.map(|s| s.unit),
        reg_due_at_us: None,
        next_check_at_us: None,
        pauses: Vec::new(),
        extensions: Vec::new(),
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
    match repeat.filter(|r| r.status.is_open() && !(input.new_facts && r.reg_stage >= 2)) {
        Some(target) => {
            (logs, notices) = merge_repeat(
                app,
                actor,
                &tx,
                &mut row,
                target,
                input.new_facts,
                received,
                now,
            )
            .await?;
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
            // The customer's relationship manager hears of a case about their customer.
            if let Some(rm) = customer.as_ref().and_then(|c| c.rm_id).map(|r| r.uuid())
                && rm != actor.id.uuid()
                && Some(rm) != owner
            {
                let mut n = notice(
                    rm,
                    &row,
                    "case.about_customer",
                    format!("{} {}", row.case_no, row.subject),
                    now,
                );
                n.customer_id = row.customer_id.map(|c| c.uuid());
                notices.push(n);
            }
        }
    }
    store::insert_log(&*tx, &logs).await?;
    store::insert_notices(&*tx, &notices).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "case.register",
            entity: "case",
            entity_id: Some(row.id.to_string()),
            customer_id: row.customer_id.map(Into::into),
            detail: json!({"case_no": row.case_no, "kind": row.kind, "channel": row.channel, "department": row.department, "status": row.status.as_str()}),
        }],
    )
    .await?;
    let customer = row.customer_id.map(|c| c.uuid());
    crate::outbound::emit(
        &*tx,
        &[crate::outbound::event(
            "case.registered",
            customer,
            json!({"case_id": row.id.uuid(), "case_no": row.case_no, "kind": row.kind,
                   "channel": row.channel, "status": row.status.as_str(), "customer_id": customer}),
        )],
    )
    .await?;
    // What was written, read through the write's transaction (the registering staff member can see it),
    // and stored with it as the answer to a retry.
    let v = super::view::view_on(app, &*tx, row, false).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// A registration's input, checked: every refusal named by field, nothing written.
struct Checked {
    severity: String,
    subject: String,
    content: String,
    now: i64,
    received: i64,
    customer: Option<CustomerRow>,
    branch: String,
    repeat: Option<CaseRow>,
}

/// Checks a registration's input against the policy's lists and the actor's scope.
async fn check_input(app: &App, grant: &Granted<'_>, input: &CaseInput) -> Result<Checked> {
    let actor = grant.actor();
    let p = &app.policy().feedback;
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
    let customer = complainant(app, grant, input, &mut errs).await?;
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
    Ok(Checked {
        severity,
        subject,
        content,
        now,
        received,
        customer,
        branch,
        repeat,
    })
}

/// The complainant: a customer in scope (by id or number), or a non-customer with name and contact.
async fn complainant(
    app: &App,
    grant: &Granted<'_>,
    input: &CaseInput,
    errs: &mut FieldErrors,
) -> Result<Option<CustomerRow>> {
    let actor = grant.actor();
    let mut customer = None;
    match (&input.customer, &input.complainant) {
        (Some(c), None) => {
            let id = match c.trim().parse::<Uuid>() {
                Ok(id) => Some(id),
                Err(_) => crate::customers::id_by_number(app, actor, c).await?,
            };
            match id {
                Some(id) => match crate::scope::load_in_scope(&app.db.conn, grant, id).await {
                    // An erased person's record holds nothing to file against; a restricted one may still
                    // complain (handling it is what the law keeps the records for).
                    Ok(row) if row.status == banyan_domain::customer::CustomerStatus::Erased => {
                        errs.push("customer", "erased", "the customer's data were erased")
                    }
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
            text(errs, "complainant.name", &c.name, 100);
            text(errs, "complainant.contact", &c.contact, 200);
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
    Ok(customer)
}

/// A repeat of an open case: stored as merged into it; with new facts the target's clocks start again.
#[allow(clippy::too_many_arguments)]
async fn merge_repeat(
    app: &App,
    actor: &Actor,
    tx: &DatabaseTransaction,
    row: &mut CaseRow,
    mut target: CaseRow,
    new_facts: bool,
    received: i64,
    now: i64,
) -> Result<(Vec<CaseLogRow>, Vec<NoticeRow>)> {
    let p = &app.policy().feedback;
    let mut logs = Vec::new();
    let mut notices = Vec::new();
    row.status = CaseStatus::Merged;
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
    if new_facts {
        // The clocks start again from the new material: stages, pauses and extensions with them.
        target.clock_start_us = received;
        target.sla_stage = 0;
        target.reg_stage = 0;
        target.pauses = Vec::new();
        target.paused = false;
        target.extensions = Vec::new();
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
        if new_facts { "restart" } else { "repeat" },
        None,
        json!({"repeat": row.case_no, "new_facts": new_facts}),
        now,
    ));
    store::insert_case(tx, row).await?;
    if !store::update_case(tx, &target, expected).await? {
        return Err(changed());
    }
    if let Some(o) = target.owner_id {
        notices.push(notice(
            o.uuid(),
            &target,
            "case.repeat",
            format!("{} {}", target.case_no, row.subject),
            now,
        ));
    }
    Ok((logs, notices))
}

/// What routing and the deadlines are decided by: the case's facts (with the customer's segments and
/// party), and the internal SLA rule that applies.
async fn case_facts(
    app: &App,
    input: &CaseInput,
    customer: Option<&CustomerRow>,
    branch: &str,
    severity: &str,
) -> Result<(CaseFacts, String, banyan_domain::calendar::Span)> {
    let p = &app.policy().feedback;
    let segments: BTreeMap<String, String> = match customer {
        Some(c) => banyan_store::segments::assignment_values_for(&app.db.conn, &[c.id.uuid()])
            .await?
            .into_iter()
            .map(|a| (a.dimension, a.value))
            .collect(),
        None => BTreeMap::new(),
    };
    let party = match customer {
        Some(c) if c.kind == banyan_domain::customer::CustomerKind::Individual => "individual",
        Some(_) => "organization",
        None => "non_customer",
    };
    let facts = CaseFacts {
        kind: input.kind.clone(),
        party: party.into(),
        complex: input.complex,
        product: input.product.clone(),
        branch: branch.to_owned(),
        severity: severity.to_owned(),
        segments,
    };
    let (sla_rule, sla) = p
        .sla_for(&facts)
        .ok_or_else(|| AppError::internal("no SLA rule matches (policy ends with a catch-all)"))?;
    Ok((facts, sla_rule, sla))
}

/// A non-customer complainant's name and contact, encrypted, and the masked name shown in lists.
fn sealed_complainant(
    app: &App,
    c: Option<&Complainant>,
) -> Result<(Option<Vec<u8>>, Option<String>)> {
    Ok(match c {
        Some(c) => (
            Some(app.keys().encrypt(
                Purpose::Complainant,
                &json!({"name": c.name.trim(), "contact": c.contact.trim()}).to_string(),
            )?),
            Some(banyan_domain::mask::name(c.name.trim())),
        ),
        None => (None, None),
    })
}
