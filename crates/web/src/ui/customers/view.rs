//! One customer (the 360 page) and the writes made from it: status transitions, contact points, consents,
//! relationships.

use crate::AppState;
use crate::ui::audit::audit_rows;
use crate::ui::engagement::TaskRow;
use crate::ui::engagement::task_rows;
use crate::ui::forms::{Pair, kind_key, status_key};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::labels::field_label;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page};
use crate::ui::segments::Segs;
use crate::ui::segments::segs;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc};
use banyan_app::view::CustomerView;
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) use super::lines::{CaseLine, ContactLine, EventLine, HistoryRow, MessageLine};

#[derive(Template)]
#[template(path = "customer.html")]
pub(crate) struct CustomerPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    /// Why the record is not served (a deletion request: restricted or erased), in words.
    pub(crate) closed_note: Option<String>,
    pub(crate) v: CustomerView,
    pub(crate) kind_key: &'static str,
    pub(crate) status: &'static str,
    pub(crate) status_key: &'static str,
    pub(crate) id_type_key: String,
    pub(crate) review_due: String,
    pub(crate) profile: Vec<(String, String)>,
    pub(crate) rm_name: String,
    /// (channel label key, granted, source, when).
    pub(crate) consents: Vec<ConsentLine>,
    pub(crate) channels: Vec<(&'static str, String)>,
    pub(crate) contact_kinds: Vec<(&'static str, &'static str)>,
    pub(crate) rel_kinds: Vec<(&'static str, String)>,
    pub(crate) relationships: Vec<RelRow>,
    /// Contacts, newest first.
    pub(crate) timeline: Vec<ContactLine>,
    pub(crate) customer_tasks: Vec<TaskRow>,
    pub(crate) messages: Vec<MessageLine>,
    /// Open tasks a logged contact can complete: (task id, label).
    pub(crate) open_tasks: Vec<(Uuid, String)>,
    /// Events the customer was invited to.
    pub(crate) events: Vec<EventLine>,
    /// The customer's feedback cases.
    pub(crate) cases: Vec<CaseLine>,
    pub(crate) methods: Vec<(&'static str, String)>,
    pub(crate) segs: Segs,
    /// The questionnaire for individuals: (key, question, [(answer key, answer)]).
    pub(crate) questionnaire: Vec<(String, String, Vec<Pair>)>,
    pub(crate) history: Vec<HistoryRow>,
    /// Everything that happened to the customer, newest first: contacts, cases, events, messages, changes.
    pub(crate) moments: Vec<super::timeline::Moment>,
    pub(crate) audit: Vec<crate::ui::audit::AuditLine>,
    /// The audit table's time heading sorts only on the audit search page.
    pub(crate) audit_sort: Option<crate::ui::listing::SortHead>,
    pub(crate) can_reveal: bool,
    /// The actor plans clients' wealth (the page 财富规划 is linked).
    pub(crate) can_plan: bool,
    pub(crate) can_edit: bool,
    pub(crate) can_submit: bool,
    pub(crate) can_verify: bool,
    /// The actor may place legal holds (the page 法律保全 is linked).
    pub(crate) can_hold: bool,
    /// The actor may register a feedback case (the action at the top links to the form).
    pub(crate) can_register_case: bool,
    /// The band of facts at the top.
    pub(crate) glance: Vec<super::glance::Glance>,
    /// What the customer holds (the bank's book).
    pub(crate) book: crate::ui::book::BookSection,
    /// Needs read from behaviour (需求洞察).
    pub(crate) insights: Vec<crate::ui::book::InsightLine>,
    /// "Needs adjustments" and which (care, seed 003), never why.
    pub(crate) care: crate::ui::care::Banner,
    /// The record this one was merged into (its page is then read-only), and the records merged into it.
    pub(crate) merged_into: Option<MergeLine>,
    pub(crate) merged_from: Vec<MergeLine>,
    pub(crate) message: Option<String>,
    pub(crate) error: Option<String>,
}

/// The other side of a carried-out merge: its page, its number, when, and the merge's page.
#[derive(Debug)]
pub(crate) struct MergeLine {
    pub(crate) href: String,
    pub(crate) no: String,
    pub(crate) at: String,
    pub(crate) merge_href: String,
}

fn merge_line(s: &AppState, t: Tr, l: &banyan_app::customers::merge::MergeLink) -> MergeLine {
    MergeLine {
        href: format!("/customers/{}", l.customer_id),
        no: l.customer_no.clone(),
        at: t.datetime(&s.app.tz, &l.at),
        merge_href: format!("/customers/merges/{}", l.merge_id),
    }
}

/// A relationship as shown: the kind's label key and the other side.
#[derive(Debug)]
pub(crate) struct RelRow {
    pub(crate) id: Uuid,
    pub(crate) kind_key: String,
    pub(crate) other_id: Uuid,
    pub(crate) other_no: Option<String>,
    pub(crate) other_name: Option<String>,
    pub(crate) note: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ShowQuery {
    pub(crate) reveal: Option<String>,
    pub(crate) msg: Option<String>,
}

pub(crate) async fn customer_page(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    reveal: bool,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let a = &sess.actor;
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    // The customer is read once, in the actor's scope; the page's other reads take that proof (`seen`) rather
    // than reading the customer's row again each.
    let (v, seen) = uc::open(&s.app, a, id, reveal).await.map_err(err)?;
    let seen = &seen;
    let relationships = relationship_rows(s, a, seen).await.map_err(err)?;
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let contacts_logged = banyan_app::engagement::interactions(&s.app, a, seen)
        .await
        .map_err(err)?;
    let versions = uc::versions(&s.app, a, seen).await.map_err(err)?;
    // Everyone the page names — the manager, who logged each contact, who made each version and the managers
    // a reassignment names — in one read.
    let mut named = people_in_history(&versions);
    named.extend(v.rm_id);
    named.extend(contacts_logged.iter().map(|i| i.staff_id));
    let named: Vec<Uuid> = named.into_iter().collect();
    let staff = banyan_app::access::staff_named(&s.app, a, &named)
        .await
        .map_err(err)?;
    // No manager is an empty name (the page says unassigned); a manager whose
    // staff row cannot be read is named as history names one, never blank.
    let rm_name = match v.rm_id.map(|rm| staff.get(&rm)) {
        None => String::new(),
        Some(Some(st)) => staff_name(&st.display_name, &st.username),
        Some(None) => t.get("history.unknown_staff").to_owned(),
    };
    let timeline = timeline_lines(s, t, contacts_logged, &staff);
    let messages = message_lines(s, a, t, seen).await.map_err(err)?;
    let events = event_lines(s, a, t, seen).await.map_err(err)?;
    let cases = customer_cases(s, a, t, id).await.map_err(err)?;
    let all_tasks = banyan_app::engagement::customer_tasks(&s.app, a, seen)
        .await
        .map_err(err)?;
    let open_tasks = open_task_choices(t, &all_tasks);
    // The earliest open task (choices are in the tasks' order; pick by due date).
    let next_task = all_tasks
        .iter()
        .filter(|x| x.status == "open")
        .min_by(|a, b| a.due_on.cmp(&b.due_on))
        .and_then(|x| {
            open_tasks
                .iter()
                .find(|(id, _)| *id == x.id)
                .map(|o| (o.1.clone(), x.overdue))
        });
    let customer_tasks = task_rows(t, all_tasks);
    let segments = segs(
        t,
        &s.app.tz,
        banyan_app::segments::segments(&s.app, a, seen)
            .await
            .map_err(err)?,
    );
    let people: HashMap<String, String> = staff
        .iter()
        .map(|(id, st)| (id.to_string(), staff_name(&st.display_name, &st.username)))
        .collect();
    let history = history_rows(t, &s.app.tz, versions, &people);
    let profile = profile_lines(t, &v, &defs);
    let consents: Vec<ConsentLine> = v
        .consents
        .iter()
        .map(|c| ConsentLine {
            channel_key: format!("channel.{}", c.channel.as_str()),
            granted: c.granted,
            source: crate::ui::labels::code_label(t, &["consent_source"], &c.source),
            at: t.datetime(&s.app.tz, &c.at),
        })
        .collect();
    // The audit trail, the book and its insights are read side by side: the page waits for the slowest of
    // the three, not their sum (bench/book/page360.sh, docs/benchmarks.md).
    let can_edit = a.offers().update && v.status.is_editable();
    let (audit, book, insights, (into, from)) = tokio::try_join!(
        customer_audit(s, a, t, id),
        crate::ui::book::book_section(s, &sess, t, seen, can_edit),
        crate::ui::book::insight_lines(s, &sess, t, seen),
        uc::merge::links(&s.app, a, seen),
    )
    .map_err(err)?;
    let mut care = crate::ui::care::banner(s, &sess, t, seen, &v.customer_no)
        .await
        .map_err(err)?;
    // A merged, restricted or erased record is not served: nothing is offered on it.
    let serving = v.status.is_processed();
    if !serving {
        care.links.clear();
    }
    let closed_note = match v.status {
        CustomerStatus::Restricted => Some(t.get("customer.restricted_banner").to_owned()),
        CustomerStatus::Erased => Some(
            t.get("customer.erased_banner")
                .replace("{at}", &t.datetime(&s.app.tz, &v.updated_at)),
        ),
        _ => None,
    };
    let mine = v.created_by == a.id().uuid() || v.updated_by == a.id().uuid();
    let review_due = v
        .review_due
        .as_deref()
        .map(|d| t.date(d))
        .unwrap_or_default();
    let glance = super::glance::glance(
        t,
        super::glance::Facts {
            rm_name: &rm_name,
            review_due: &review_due,
            review_overdue: v.review_overdue,
            segs: &segments,
            next_task,
            open_cases: cases.iter().filter(|c| c.open).count(),
            granted: consents
                .iter()
                .filter(|c| c.granted)
                .map(|c| t.get(c.channel_key.as_str()))
                .collect(),
        },
    );
    let moments = super::timeline::merged(
        t,
        super::timeline::Sources {
            contacts: &timeline,
            cases: &cases,
            events: &events,
            messages: &messages,
            history: &history,
        },
    );
    let page_v = CustomerPage {
        care,
        title: if v.status == CustomerStatus::Erased {
            t.get("customer.erased_title").to_owned()
        } else {
            v.display_name.clone()
        },
        closed_note,
        kind_key: kind_key(v.kind),
        status: v.status.as_str(),
        status_key: status_key(v.status),
        id_type_key: format!("doc.{}", v.identifier.id_type),
        review_due,
        glance,
        book,
        insights,
        can_register_case: banyan_app::cases::may_register(a).is_ok() && serving,
        can_reveal: a.offers().reveal && v.status != CustomerStatus::Erased,
        can_plan: a.offers().wealth_plan && serving,
        can_edit,
        merged_into: into.as_ref().map(|l| merge_line(s, t, l)),
        merged_from: from.iter().map(|l| merge_line(s, t, l)).collect(),
        can_submit: a.offers().submit
            && matches!(v.status, CustomerStatus::Draft | CustomerStatus::Returned),
        can_verify: a.offers().verify && v.status == CustomerStatus::Submitted && !mine,
        can_hold: a.offers().verify
            && !matches!(v.status, CustomerStatus::Merged | CustomerStatus::Erased),
        message: if reveal {
            Some(t.get("form.revealed").to_owned())
        } else {
            message
        },
        error,
        profile,
        rm_name,
        consents,
        channels: banyan_domain::customer::Channel::ALL
            .iter()
            .map(|c| (c.as_str(), format!("channel.{}", c.as_str())))
            .collect(),
        contact_kinds: vec![
            ("mobile", "field.mobile"),
            ("email", "field.email"),
            ("address", "field.address"),
        ],
        // Only the links this kind of customer can have (a company has no spouse).
        rel_kinds: banyan_domain::customer::RelationshipKind::ALL
            .iter()
            .filter(|k| CustomerKind::ALL.iter().any(|to| k.allows(v.kind, *to)))
            .map(|k| (k.as_str(), format!("rel.{}", k.as_str())))
            .collect(),
        relationships,
        timeline,
        customer_tasks,
        messages,
        events,
        cases,
        open_tasks,
        methods: banyan_domain::engagement::METHODS
            .iter()
            .map(|m| (*m, t.of("method", m)))
            .collect(),
        segs: segments,
        questionnaire: if v.kind == CustomerKind::Individual {
            questionnaire_choices(
                t,
                &banyan_app::segments::questionnaire(&s.app, a).map_err(err)?,
            )
        } else {
            Vec::new()
        },
        history,
        moments,
        audit,
        audit_sort: None,
        c: chrome(t, Some(&sess), &format!("/customers/{id}")),
        v,
    };
    Ok(page(page_v))
}

pub(crate) async fn show(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let msg = q.msg.as_deref().and_then(|m| match m {
        "created" => Some(t.get("form.created").to_owned()),
        "saved" => Some(t.get("form.saved").to_owned()),
        "logged" => Some(t.get("ix.saved").to_owned()),
        "insight" => Some(t.get("insight.saved").to_owned()),
        "insight_task" => Some(t.get("insight.task_opened").to_owned()),
        "sale" => Some(t.get("sale.recorded").to_owned()),
        "sale_refused" => Some(t.get("sale.refused_notice").to_owned()),
        _ => None,
    });
    customer_page(&s, sess, t, id, q.reveal.is_some(), msg, None).await
}

/// The contacts logged with the customer, with the names of the staff who logged them.
fn timeline_lines(
    s: &AppState,
    t: Tr,
    logged: Vec<banyan_app::engagement::InteractionView>,
    staff: &HashMap<Uuid, banyan_app::access::StaffName>,
) -> Vec<ContactLine> {
    logged
        .into_iter()
        .map(|i| ContactLine {
            at: t.datetime(&s.app.tz, &i.occurred_at),
            key: i.occurred_at.clone(),
            method: t.of("method", &i.method),
            who: staff
                .get(&i.staff_id)
                .map(|st| st.display_name.clone())
                .unwrap_or_else(|| t.get("history.unknown_staff").to_owned()),
            outcome: i.outcome,
            needs: i.needs.unwrap_or_default(),
            satisfaction: i.satisfaction.map(|x| x.to_string()).unwrap_or_default(),
            next_step: i.next_step.unwrap_or_default(),
        })
        .collect()
}

type Actor = banyan_app::access::Actor;

/// A channel's consent as the customer page shows it.
pub(crate) struct ConsentLine {
    pub(crate) channel_key: String,
    pub(crate) granted: bool,
    pub(crate) source: String,
    pub(crate) at: String,
}

/// The customer's relationships to other customers.
async fn relationship_rows(
    s: &AppState,
    a: &Actor,
    seen: &banyan_app::scope::Seen,
) -> Result<Vec<RelRow>, banyan_app::AppError> {
    Ok(uc::relationships(&s.app, a, seen)
        .await?
        .into_iter()
        .map(|r| RelRow {
            id: r.id,
            kind_key: format!("rel.{}", r.kind.as_str()),
            other_id: r.other_id,
            other_no: r.other_customer_no,
            other_name: r.other_name,
            note: r.note,
        })
        .collect())
}

/// Messages sent (or held) to the customer.
async fn message_lines(
    s: &AppState,
    a: &Actor,
    t: Tr,
    seen: &banyan_app::scope::Seen,
) -> Result<Vec<MessageLine>, banyan_app::AppError> {
    Ok(banyan_app::notify::customer_messages(&s.app, a, seen)
        .await?
        .into_iter()
        .map(|m| MessageLine {
            at: t.datetime(&s.app.tz, &m.created_at),
            key: m.created_at.clone(),
            channel: t.of("channel", &m.channel),
            cause: crate::ui::labels::message_cause(t, &m.cause),
            status: t.of("msg", &m.status),
            reason: m
                .reason
                .map(|r| crate::ui::labels::message_reason(t, &r))
                .unwrap_or_default(),
            body: m.body,
        })
        .collect())
}

/// The events the customer was invited to.
async fn event_lines(
    s: &AppState,
    a: &Actor,
    t: Tr,
    seen: &banyan_app::scope::Seen,
) -> Result<Vec<EventLine>, banyan_app::AppError> {
    Ok(banyan_app::events::customer_events(&s.app, a, seen)
        .await?
        .into_iter()
        .map(|e| EventLine {
            id: e.event_id,
            at: t.datetime(&s.app.tz, &e.starts_at),
            key: e.starts_at.clone(),
            title: e.title,
            status: t.of("inv", &e.status),
        })
        .collect())
}

/// The customer's last 20 cases, for those who read cases.
async fn customer_cases(
    s: &AppState,
    a: &banyan_app::access::Actor,
    t: Tr,
    id: Uuid,
) -> Result<Vec<CaseLine>, banyan_app::AppError> {
    if !a.offers().cases {
        return Ok(Vec::new());
    }
    let q = banyan_app::cases::CaseQuery {
        customer: Some(id),
        limit: Some(20),
        ..Default::default()
    };
    Ok(banyan_app::cases::list(&s.app, a, q)
        .await?
        .items
        .into_iter()
        .map(|c| CaseLine {
            id: c.id,
            no: c.case_no,
            received: t.datetime(&s.app.tz, &c.received_at),
            key: c.received_at.clone(),
            kind: t.of("fb.kind", &c.kind),
            subject: c.subject,
            open: c.status == "open",
            status: t.of("case.status", &c.status),
        })
        .collect())
}

/// Open tasks a logged contact can carry out (the planned visit, the due contact): (task id, label).
fn open_task_choices(t: Tr, tasks: &[banyan_app::engagement::TaskView]) -> Vec<(Uuid, String)> {
    tasks
        .iter()
        .filter(|x| x.status == "open")
        .map(|x| {
            let what = crate::ui::engagement::task_what(t, x);
            (
                x.id,
                format!(
                    "{} · {} · {}",
                    t.of("method", &x.method),
                    what,
                    t.date(&x.due_on)
                ),
            )
        })
        .collect()
}

/// A staff member as the workbench names them: the display name, with the username when they differ.
pub(crate) fn staff_name(display: &str, username: &str) -> String {
    if display == username {
        username.to_owned()
    } else {
        format!("{display} ({username})")
    }
}

/// The staff a record's history mentions (by ID), for its sentences: who made each version, and the managers a
/// reassignment names.
fn people_in_history(
    versions: &[banyan_app::view::VersionView],
) -> std::collections::BTreeSet<Uuid> {
    // Who made each version, and the managers a reassignment names.
    let mut ids: std::collections::BTreeSet<Uuid> = versions.iter().map(|v| v.actor_id).collect();
    for c in versions.iter().flat_map(|v| &v.changes) {
        if c.field != "rm_id" {
            continue;
        }
        for v in [&c.old, &c.new] {
            if let Some(id) = v.as_str().and_then(|x| x.parse::<Uuid>().ok()) {
                ids.insert(id);
            }
        }
    }
    ids
}

/// The record's versions, each change as a sentence: `手机号 由 139****0000 改为 139****1111`.
fn history_rows(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    versions: Vec<banyan_app::view::VersionView>,
    people: &HashMap<String, String>,
) -> Vec<HistoryRow> {
    let shown = |field: &str, v: &serde_json::Value| match (field, v.as_str()) {
        ("rm_id", Some(id)) => people
            .get(id)
            .cloned()
            .unwrap_or_else(|| t.get("history.unknown_staff").to_owned()),
        _ => crate::ui::labels::field_value(t, field, v),
    };
    versions
        .into_iter()
        .map(|h| HistoryRow {
            version: h.version,
            at: t.datetime(tz, &h.at),
            key: h.at.clone(),
            who: people
                .get(&h.actor_id.to_string())
                .cloned()
                .unwrap_or_else(|| t.get("history.unknown_staff").to_owned()),
            action: crate::ui::labels::code_label(t, &["history.action"], &h.action),
            changes: h
                .changes
                .iter()
                .map(|c| {
                    crate::ui::labels::change_line(
                        t,
                        &c.field,
                        &shown(&c.field, &c.old),
                        &shown(&c.field, &c.new),
                    )
                })
                .collect(),
        })
        .collect()
}

/// The profile as (label, value) in the user's language: standard fields, custom fields by their labels,
/// the preferred channel.
fn profile_lines(
    t: Tr,
    v: &CustomerView,
    defs: &[banyan_domain::fields::FieldDefinition],
) -> Vec<(String, String)> {
    let mut profile = Vec::new();
    if let serde_json::Value::Object(m) = &v.profile {
        for (k, val) in m {
            let label = field_label(t, k);
            let shown = crate::ui::labels::profile_value(t, k, val);
            profile.push((label, shown));
        }
    }
    if let serde_json::Value::Object(m) = &v.custom {
        for (k, val) in m {
            let label = defs
                .iter()
                .find(|d| d.kind == v.kind && &d.key == k)
                .map(|d| d.label.clone())
                .unwrap_or_else(|| k.clone());
            let shown = crate::ui::labels::profile_value(t, k, val);
            profile.push((label, shown));
        }
    }
    if let Some(ch) = &v.preferred_channel {
        profile.push((
            t.get("field.preferred_channel").to_owned(),
            t.get(&format!("channel.{ch}")).to_owned(),
        ));
    }
    profile
}

/// The risk questionnaire in the user's language: (key, question, [(answer key, answer)]).
fn questionnaire_choices(
    t: Tr,
    q: &banyan_domain::segments::Questionnaire,
) -> Vec<(String, String, Vec<Pair>)> {
    let en = t.lang == Lang::En;
    q.questions
        .iter()
        .map(|q| {
            (
                q.key.clone(),
                if en {
                    q.text_en.clone()
                } else {
                    q.text.clone()
                },
                q.answers
                    .iter()
                    .map(|a| {
                        (
                            a.key.clone(),
                            if en {
                                a.text_en.clone()
                            } else {
                                a.text.clone()
                            },
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The audit trail of the customer, for auditors.
async fn customer_audit(
    s: &AppState,
    a: &banyan_app::access::Actor,
    t: Tr,
    id: Uuid,
) -> Result<Vec<crate::ui::audit::AuditLine>, banyan_app::AppError> {
    if !a.offers().audit {
        return Ok(Vec::new());
    }
    let q = banyan_app::audit::AuditQuery {
        customer_id: Some(id),
        limit: Some(100),
        ..Default::default()
    };
    Ok(audit_rows(
        t,
        &s.app.tz,
        banyan_app::audit::search(&s.app, a, q).await?,
    ))
}
