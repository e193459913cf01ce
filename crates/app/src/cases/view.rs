//! Reading cases: one case (masked, or revealed to the entitled with an audit record), and the queue with its
//! filters.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::calendar::Extension;
use banyan_domain::feedback::CaseStatus;
use banyan_domain::feedback::{self as fb};
use banyan_domain::ids::CaseId;
use banyan_store::cases::{self as store, CaseFilter, CaseRow, CaseScope};
use banyan_store::customers as cstore;
use banyan_store::{ConnectionTrait, now_us};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

use super::attachments::{AttachmentView, attachment_view};
use super::{load, scope, staff_map, visible};

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
    pub id: CaseId,
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
    /// The customer is in the care programme with priority service (seed 003): every queue shows it first
    /// to the eye. Never why.
    pub priority: bool,
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
    /// Whether the caller may open the customer's record (a case can reach staff who may not: a
    /// department's handler outside the customer's branch), so a link to it is offered only then.
    pub customer_open: bool,
}

pub(crate) fn summary(
    r: &CaseRow,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
    names: &HashMap<Uuid, String>,
    priority: &std::collections::HashSet<banyan_domain::ids::CustomerId>,
) -> CaseSummary {
    CaseSummary {
        priority: r.customer_id.is_some_and(|c| priority.contains(&c)),
        id: r.id,
        case_no: r.case_no.clone(),
        kind: r.kind.clone(),
        channel: r.channel.clone(),
        severity: r.severity.clone(),
        status: r.status.as_str().to_owned(),
        subject: r.subject.clone(),
        customer_id: r.customer_id.map(Into::into),
        complainant: r
            .customer_id
            .and_then(|c| names.get(&c.uuid()).cloned())
            .or_else(|| r.complainant_masked.clone())
            .unwrap_or_default(),
        branch_code: r.branch_code.clone(),
        department: r.department.clone(),
        owner_id: r.owner_id.map(Into::into),
        owner: r
            .owner_id
            .and_then(|o| staff.get(&o.uuid()))
            .map(|s| s.display_name.clone()),
        received_at: crate::fmt_us(r.received_at_us),
        escalation_level: r.escalation_level,
        sla: ClockView {
            amount: r.sla_amount,
            unit: r.sla_unit.as_str().to_owned(),
            due_at: crate::fmt_us(r.sla_due_at_us),
            met: r.sla_met,
        },
        regulatory: match (r.reg_amount, &r.reg_unit, r.reg_due_at_us) {
            (Some(a), Some(u), Some(d)) => Some(ClockView {
                amount: a,
                unit: u.as_str().to_owned(),
                due_at: crate::fmt_us(d),
                met: r.reg_met,
            }),
            _ => None,
        },
        paused: r.paused,
    }
}

/// Display names of the cases' customers, in one query.
pub(crate) async fn customer_names(app: &App, rows: &[CaseRow]) -> Result<HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.customer_id.map(Uuid::from))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(cstore::list_brief(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|(id, _, name, _, _)| (id, name))
        .collect())
}

pub async fn get(app: &App, actor: &Actor, id: CaseId) -> Result<CaseView> {
    let r = load(app, actor, id).await?;
    for_actor(app, actor, &r, view(app, r.clone()).await?).await
}

/// The view as `actor` sees it: whether they may open the customer's record.
async fn for_actor(app: &App, actor: &Actor, r: &CaseRow, mut v: CaseView) -> Result<CaseView> {
    v.customer_open = match super::reach_of(&app.db.conn, r).await? {
        Some((branch, rm)) => {
            actor.require(Permission::CustomerRead).is_ok() && actor.sees(&branch, rm)
        }
        None => false,
    };
    Ok(v)
}

pub async fn get_by_no(app: &App, actor: &Actor, no: &str) -> Result<CaseView> {
    match store::find_case_by_no(&app.db.conn, no.trim()).await? {
        Some(r) if visible(app, actor, &r).await? => {
            for_actor(app, actor, &r, view(app, r.clone()).await?).await
        }
        _ => Err(AppError::NotFound),
    }
}

/// A non-customer case with the complainant's name and contact in full, for staff entitled to reveal
/// (to call or write back); the reveal is audited.
pub async fn reveal(app: &App, actor: &Actor, id: CaseId) -> Result<CaseView> {
    let grant = actor.require(Permission::CustomerReveal)?;
    let r = load(app, actor, id).await?;
    if r.complainant_enc.is_some() {
        let tx = app.db.begin_write().await?;
        audit::record(
            app,
            &*tx,
            &grant,
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
    for_actor(app, actor, &r, view_as(app, r.clone(), true).await?).await
}

pub(crate) async fn view(app: &App, r: CaseRow) -> Result<CaseView> {
    view_as(app, r, false).await
}

pub(crate) async fn view_as(app: &App, r: CaseRow, revealed: bool) -> Result<CaseView> {
    view_on(app, &app.db.conn, r, revealed).await
}

/// The case as shown, read through `c` (the write's own transaction when the answer is stored with it).
pub(crate) async fn view_on<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: CaseRow,
    revealed: bool,
) -> Result<CaseView> {
    let staff = staff_map(app).await?;
    let names = customer_names(app, std::slice::from_ref(&r)).await?;
    let mut full_name = None;
    let contact = match &r.complainant_enc {
        Some(enc) => {
            let v: serde_json::Value = crate::json::stored(
                &app.keys().decrypt(Purpose::Complainant, enc)?,
                format_args!("cases.complainant_enc of case {}", r.id),
            )?;
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
        Some(l) => store::find_case(c, l).await?.map(|c| c.case_no),
        None => None,
    };
    let now = now_us();
    let name_of = |id: Option<Uuid>| {
        id.and_then(|o| staff.get(&o))
            .map(|s| s.display_name.clone())
    };
    let tasks = store::tasks_for(c, r.id)
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
    // Every entry is written at or after the case was received or registered, whichever came first (the
    // jobs act on a received time in the past at their own clock); a day's margin covers nodes whose
    // clocks disagree.
    let since = r.received_at_us.min(r.created_at_us) - 86_400_000_000;
    let log = store::log_for(c, r.id, since)
        .await?
        .into_iter()
        .map(|l| {
            let mut detail: serde_json::Value =
                crate::json::stored(&l.detail, format_args!("case_log.detail of row {}", l.id))?;
            // People are named beside their IDs, so a reader of the log needs no lookup.
            if let Some(m) = detail.as_object_mut() {
                for key in ["owner", "approver"] {
                    let id = m
                        .get(key)
                        .and_then(|v| v.as_str())
                        .and_then(|v| v.parse().ok());
                    if let Some(name) = name_of(id) {
                        m.insert(format!("{key}_name"), name.into());
                    }
                }
            }
            Ok(CaseLogView {
                at: crate::fmt_us(l.at_us),
                actor: name_of(l.actor_id),
                action: l.action,
                note: l.note,
                detail,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let attachments = store::attachments_for(c, r.id)
        .await?
        .into_iter()
        .map(|a| attachment_view(a, &staff))
        .collect();
    let priority =
        crate::care::priority_among(c, &r.customer_id.into_iter().collect::<Vec<_>>()).await?;
    let mut summary = summary(&r, &staff, &names, &priority);
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
        extensions: r.extensions,
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
        customer_open: false,
    })
}

/// A contact masked for display the way the registry masks contact points (a phone number or an e-mail
/// address by its own rule), or as an address.
pub(crate) fn mask_contact(c: &str) -> String {
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
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// `urgent` (default: open critical cases first, then newest), `oldest` (received first) or `due`
    /// (the internal deadline soonest first).
    pub sort: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub next_cursor: Option<String>,
    /// How many cases the filters hold (counted up to 10,000).
    pub total: crate::view::Total,
}

/// Counting the cases of a list stops here: past it, "more than 10,000".
const COUNT_CAP: u64 = 10_000;

/// The sorts a case list offers.
pub const SORTS: [&str; 3] = ["urgent", "oldest", "due"];

/// The bank-local day range `[from, to]` as microseconds `[start, end)`.
pub(crate) fn day_range(
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

pub(crate) fn filter_of(
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
    eq("kind", &q.kind, Some(&fb::KINDS));
    eq("channel", &q.channel, Some(&fb::CHANNELS));
    eq("department", &q.department, None);
    eq("product", &q.product, None);
    eq("cause", &q.cause, None);
    eq("branch_code", &q.branch_code, None);
    eq("segment", &q.segment, None);
    if q.mine == Some(true) {
        f.owner = Some(actor.id.uuid());
    }
    // Merged repeats count once, in the case they joined: listed only when asked for by status.
    match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => f.not_status = Some(CaseStatus::Merged),
        Some(s) => match CaseStatus::parse(s) {
            Some(st) => f.status = Some(st),
            None => errs.push(
                "status",
                "one_of",
                format!(
                    "must be one of {}",
                    CaseStatus::ALL.map(CaseStatus::as_str).join(", ")
                ),
            ),
        },
    }
    f.breached = q.breached == Some(true);
    f.min_level = q.min_level;
    f.customer = q.customer;
    f.order = match q.sort.as_deref().map(str::trim).unwrap_or("") {
        "" | "urgent" => store::CaseOrder::Urgent,
        "oldest" => store::CaseOrder::Oldest,
        "due" => store::CaseOrder::DueSoonest,
        _ => {
            errs.push(
                "sort",
                "one_of",
                format!("must be one of {}", SORTS.join(", ")),
            );
            store::CaseOrder::Urgent
        }
    };
    if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        let parsed = match f.order {
            store::CaseOrder::Urgent => store::CaseKey::parse(c).map(|k| f.before = Some(k)),
            _ => keyset(c).map(|k| f.after = Some(k)),
        };
        if parsed.is_none() {
            errs.push("cursor", "format", "is not a cursor this list gave");
        }
    }
    errs.into_result()?;
    let (a, b) = day_range(app, q.from.as_deref(), q.to.as_deref())?;
    f.received_from_us = a;
    f.received_to_us = b;
    Ok(f)
}

/// The keyset cursor of the `oldest` and `due` orders: `value.id`.
fn keyset(c: &str) -> Option<(i64, Uuid)> {
    let (v, id) = c.split_once('.')?;
    Some((v.parse().ok()?, id.parse().ok()?))
}

/// Cases in the caller's scope (and their department's queue) in the order asked, with how many there are.
pub async fn list(app: &App, actor: &Actor, q: CaseQuery) -> Result<CasePage> {
    let limit = crate::view::page_limit(q.limit, 50, 500)?;
    let s = scope(actor)?;
    let f = filter_of(app, actor, &q, s, limit + 1)?;
    let mut rows = store::list_cases(&app.db.conn, &f).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    // A first page that holds every case needs no count (a customer's page lists their few cases).
    let first = f.before.is_none() && f.after.is_none();
    let counted = if first && !more {
        rows.len() as u64
    } else {
        store::count_cases(&app.db.conn, &f, COUNT_CAP).await?
    };
    // Only the owners of the cases on this page: the staff list is the bank's, the page is 50 cases.
    let mut owners: Vec<_> = rows.iter().filter_map(|r| r.owner_id).collect();
    owners.sort_unstable_by_key(|o| o.uuid());
    owners.dedup();
    let staff: HashMap<Uuid, banyan_store::access::StaffRow> =
        banyan_store::access::staff_by_ids(&app.db.conn, &owners)
            .await?
            .into_iter()
            .map(|s| (s.id.uuid(), s))
            .collect();
    let names = customer_names(app, &rows).await?;
    let customers: Vec<_> = rows.iter().filter_map(|r| r.customer_id).collect();
    let priority = crate::care::priority_among(&app.db.conn, &customers).await?;
    let next_cursor = if more {
        rows.last().map(|r| match f.order.key_of(r) {
            None => store::CaseKey::of(r).cursor(),
            Some((v, id)) => format!("{v}.{id}"),
        })
    } else {
        None
    };
    Ok(CasePage {
        items: rows
            .iter()
            .map(|r| summary(r, &staff, &names, &priority))
            .collect(),
        next_cursor,
        total: crate::view::Total {
            count: counted.min(COUNT_CAP),
            more: counted > COUNT_CAP,
        },
    })
}
