//! Duplicate customers on the workbench: the branch's queue of look-alike pairs (scored, with what they
//! share), the comparison that proposes a merge field by field, the merges waiting for a second person, and
//! one merge's page with its decision, what it moved, and its undo.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::labels::{field_label, profile_value};
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing_keeping};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::merge::{
    self, FieldOption, MergeDecision, MergeInput, MergePreview, MergeView,
};
use banyan_app::customers::pairs::{self, PairItem};
use banyan_app::view::CustomerSummary;
use banyan_domain::customer::merge::{MergeStatus, PairStatus, Side, Signal};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// One side of a pair or a merge as a line: number, name, branch, masked identifier, link.
pub(crate) struct Party {
    href: String,
    no: String,
    name: String,
    branch: String,
    identifier: String,
    status: String,
}

fn party(t: Tr, c: &CustomerSummary) -> Party {
    Party {
        href: format!("/customers/{}", c.id),
        no: c.customer_no.clone(),
        name: c.display_name.clone(),
        branch: c.branch_code.clone(),
        identifier: c.identifier.clone(),
        status: t.get(crate::ui::forms::status_key(c.status)).to_owned(),
    }
}

/// A pair in the queue, in words.
pub(crate) struct PairRow {
    id: String,
    score: u32,
    signals: String,
    first: Party,
    second: Party,
    merge_href: String,
    open: bool,
}

fn signals_text(t: Tr, s: &[Signal]) -> String {
    s.iter()
        .map(|s| t.of("signal", s.as_str()))
        .collect::<Vec<_>>()
        .join(t.get("list.sep"))
}

fn pair_row(t: Tr, p: &PairItem) -> PairRow {
    PairRow {
        id: p.id.to_string(),
        score: p.score,
        signals: signals_text(t, &p.signals),
        first: party(t, &p.first),
        second: party(t, &p.second),
        merge_href: format!(
            "/customers/merge?survivor={}&merged={}",
            p.first.id, p.second.id
        ),
        open: p.status == PairStatus::Open,
    }
}

fn pair_columns() -> Vec<Column<PairRow>> {
    vec![
        Column::sorted("dup.score", "score", |a, b| b.score.cmp(&a.score)),
        Column::plain("dup.first"),
        Column::plain("dup.second"),
        Column::sorted("dup.signals", "signals", |a, b| a.signals.cmp(&b.signals)),
        Column::plain("dup.actions"),
    ]
}

const QUEUE: ListSpec = ListSpec {
    path: "/customers/duplicates",
    total_key: "dup.count",
    default_sort: "score",
    per_page: 25,
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
    /// After a scan: pairs found, added, gone.
    #[serde(default)]
    scanned: Option<String>,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
pub(crate) struct QueuePage {
    c: Chrome,
    title: String,
    list: Listing<PairRow>,
    /// (code, label, selected).
    statuses: Vec<(&'static str, String, bool)>,
    /// More pairs than the page holds: "the best 200 of N".
    capped: Option<String>,
    can_scan: bool,
    waiting: String,
    message: Option<String>,
    error: Option<String>,
}

async fn queue_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    q: QueueQuery,
    error: Option<String>,
) -> Result<Response, PageError> {
    let status = q
        .status
        .as_deref()
        .and_then(PairStatus::parse)
        .unwrap_or(PairStatus::Open);
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let page = pairs::queue(&s.app, &sess.actor, status, 0, pairs::MAX_PAIRS)
        .await
        .map_err(err)?;
    let waiting = merge::list(&s.app, &sess.actor, Some(MergeStatus::Proposed), 0, 1)
        .await
        .map_err(err)?
        .total;
    let rows: Vec<PairRow> = page.items.iter().map(|p| pair_row(t, p)).collect();
    let shown = rows.len() as u64;
    let p = ListParams {
        sort: q.sort.clone(),
        page: q.page,
    };
    let keep = [("status", status.as_str().to_owned())];
    let message = q.scanned.as_deref().and_then(|v| {
        let n: Vec<&str> = v.split(',').collect();
        (n.len() == 3).then(|| {
            t.get("dup.scanned")
                .replace("{found}", n[0])
                .replace("{added}", n[1])
                .replace("{gone}", n[2])
        })
    });
    let failed = error.is_some();
    Ok(page_status(
        QueuePage {
            title: t.get("dup.title").to_owned(),
            c: chrome(t, Some(&sess), "/customers/duplicates"),
            list: listing_keeping(t, &QUEUE, &p, rows, &pair_columns(), &keep),
            statuses: PairStatus::ALL
                .iter()
                .map(|s| (s.as_str(), t.of("pair_status", s.as_str()), *s == status))
                .collect(),
            capped: (page.total > shown).then(|| {
                t.get("dup.capped")
                    .replace("{shown}", &shown.to_string())
                    .replace("{n}", &page.total.to_string())
            }),
            can_scan: sess.actor.offers().verify,
            waiting: t.get("merge.waiting").replace("{n}", &waiting.to_string()),
            message,
            error,
        },
        failed,
    ))
}

pub(crate) async fn queue(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    queue_view(&s, sess, t, q, None).await
}

pub(crate) async fn scan(
    State(s): State<AppState>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match pairs::scan_now(&s.app, &sess.actor).await {
        Ok(r) => Ok(Redirect::to(&format!(
            "/customers/duplicates?scanned={},{},{}",
            r.found, r.added, r.gone
        ))
        .into_response()),
        Err(e) => refused(&s, sess, t, e).await,
    }
}

/// A refusal shown above the queue (a rule the user can read), else the error page.
async fn refused(s: &AppState, sess: Session, t: Tr, e: AppError) -> Result<Response, PageError> {
    match crate::ui::forms::refusal(t, e) {
        Ok(msg) => queue_view(s, sess, t, QueueQuery::default(), Some(msg)).await,
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) async fn dismiss(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match pairs::dismiss(&s.app, &sess.actor, id).await {
        Ok(_) => Ok(Redirect::to("/customers/duplicates").into_response()),
        Err(e) => refused(&s, sess, t, e).await,
    }
}

/// A field the two records disagree on, in words, with whose value is chosen.
pub(crate) struct FieldLine {
    field: String,
    label: String,
    survivor: String,
    merged: String,
    from_merged: bool,
}

/// A value of a field in words: the manager by name, codes by their labels, dates and money as the locale
/// writes them.
fn value_text(t: Tr, names: &HashMap<Uuid, String>, field: &str, v: &Value) -> String {
    if field == "rm_id" {
        return match v.as_str().and_then(|s| s.parse::<Uuid>().ok()) {
            Some(id) => names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| t.get("history.unknown_staff").to_owned()),
            None => t.get("rm.none").to_owned(),
        };
    }
    let key = field.rsplit('.').next().unwrap_or(field);
    profile_value(t, key, v)
}

async fn field_lines(
    s: &AppState,
    sess: &Session,
    t: Tr,
    fields: &[FieldOption],
) -> Result<Vec<FieldLine>, AppError> {
    let ids: Vec<Uuid> = fields
        .iter()
        .filter(|f| f.field == "rm_id")
        .flat_map(|f| [&f.survivor, &f.merged])
        .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
        .collect();
    let names = banyan_app::access::staff_names(&s.app, &sess.actor, &ids).await?;
    Ok(fields
        .iter()
        .map(|f| FieldLine {
            field: f.field.clone(),
            label: field_label(t, &f.field),
            survivor: value_text(t, &names, &f.field, &f.survivor),
            merged: value_text(t, &names, &f.field, &f.merged),
            from_merged: f.chosen == Side::Merged,
        })
        .collect())
}

/// Per table, how many records, in words ("任务 3 条").
fn records_text(t: Tr, m: &BTreeMap<String, u64>) -> Vec<String> {
    m.iter()
        .map(|(k, n)| {
            t.get("merge.records_line")
                .replace("{what}", &t.of("merge_table", k))
                .replace("{n}", &n.to_string())
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    survivor: Uuid,
    merged: Uuid,
}

#[derive(Template)]
#[template(path = "merge_form.html")]
pub(crate) struct ComparePage {
    c: Chrome,
    title: String,
    survivor: Party,
    merged: Party,
    survivor_id: String,
    merged_id: String,
    swap_href: String,
    fields: Vec<FieldLine>,
    records: Vec<String>,
    error: Option<String>,
}

async fn compare_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: MergePreview,
    error: Option<String>,
) -> Result<Response, PageError> {
    let fields = field_lines(s, &sess, t, &p.fields)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    Ok(page_status(
        ComparePage {
            title: t.get("merge.compare").to_owned(),
            c: chrome(t, Some(&sess), "/customers/duplicates"),
            swap_href: format!(
                "/customers/merge?survivor={}&merged={}",
                p.merged.id, p.survivor.id
            ),
            survivor_id: p.survivor.id.to_string(),
            merged_id: p.merged.id.to_string(),
            survivor: party(t, &p.survivor),
            merged: party(t, &p.merged),
            fields,
            records: records_text(t, &p.records),
            error,
        },
        failed,
    ))
}

pub(crate) async fn compare(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    match merge::preview(&s.app, &sess.actor, q.survivor, q.merged).await {
        Ok(p) => compare_view(&s, sess, t, p, None).await,
        Err(e) => refused(&s, sess, t, e).await,
    }
}

pub(crate) async fn propose(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let id = |k: &str| f.get(k).and_then(|v| v.parse::<Uuid>().ok());
    let (Some(survivor), Some(merged)) = (id("survivor_id"), id("merged_id")) else {
        return Err(PageError::App(
            AppError::field("survivor_id", "required", "pick the two records"),
            t,
            Some(sess),
        ));
    };
    let choices: BTreeMap<String, Side> = f
        .iter()
        .filter_map(|(k, v)| {
            let field = k.strip_prefix("choice.")?;
            let side = match v.as_str() {
                "merged" => Side::Merged,
                _ => Side::Survivor,
            };
            Some((field.to_owned(), side))
        })
        .collect();
    let input = MergeInput {
        survivor_id: survivor,
        merged_id: merged,
        choices,
        note: f.get("note").cloned(),
    };
    match merge::propose(&s.app, &sess.actor, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/customers/merges/{}", v.id)).into_response()),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => {
                let p = merge::preview(&s.app, &sess.actor, survivor, merged)
                    .await
                    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
                compare_view(&s, sess, t, p, Some(msg)).await
            }
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

/// A merge in the list, in words.
pub(crate) struct MergeRow {
    href: String,
    survivor: Party,
    merged: Party,
    status: String,
    proposed: String,
    proposed_us: String,
}

fn merge_columns() -> Vec<Column<MergeRow>> {
    vec![
        Column::sorted("merge.proposed_at", "proposed", |a, b| {
            b.proposed_us.cmp(&a.proposed_us)
        }),
        Column::plain("merge.survivor"),
        Column::plain("merge.merged"),
        Column::sorted("field.status", "status", |a, b| a.status.cmp(&b.status)),
    ]
}

const MERGES: ListSpec = ListSpec {
    path: "/customers/merges",
    total_key: "merge.count",
    default_sort: "proposed",
    per_page: 25,
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MergesQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

#[derive(Template)]
#[template(path = "merges.html")]
pub(crate) struct MergesPage {
    c: Chrome,
    title: String,
    list: Listing<MergeRow>,
    statuses: Vec<(&'static str, String, bool)>,
    capped: Option<String>,
}

pub(crate) async fn merges(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<MergesQuery>,
) -> Result<Response, PageError> {
    let status = q.status.as_deref().and_then(MergeStatus::parse);
    let page = merge::list(&s.app, &sess.actor, status, 0, merge::MAX_MERGES)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let tz = &s.app.tz;
    let rows: Vec<MergeRow> = page
        .items
        .iter()
        .map(|m| MergeRow {
            href: format!("/customers/merges/{}", m.id),
            survivor: party(t, &m.survivor),
            merged: party(t, &m.merged),
            status: t.of("merge_status", m.status.as_str()),
            proposed: t.datetime(tz, &m.proposed_at),
            proposed_us: m.proposed_at.clone(),
        })
        .collect();
    let shown = rows.len() as u64;
    let p = ListParams {
        sort: q.sort.clone(),
        page: q.page,
    };
    let keep = [(
        "status",
        status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
    )];
    Ok(page_status(
        MergesPage {
            title: t.get("merge.title").to_owned(),
            c: chrome(t, Some(&sess), "/customers/duplicates"),
            list: listing_keeping(t, &MERGES, &p, rows, &merge_columns(), &keep),
            statuses: MergeStatus::ALL
                .iter()
                .map(|s| {
                    (
                        s.as_str(),
                        t.of("merge_status", s.as_str()),
                        Some(*s) == status,
                    )
                })
                .collect(),
            capped: (page.total > shown).then(|| {
                t.get("merge.capped")
                    .replace("{shown}", &shown.to_string())
                    .replace("{n}", &page.total.to_string())
            }),
        },
        false,
    ))
}

#[derive(Template)]
#[template(path = "merge.html")]
pub(crate) struct MergePage {
    c: Chrome,
    title: String,
    id: String,
    version: i32,
    status: String,
    done: bool,
    survivor: Party,
    merged: Party,
    fields: Vec<FieldLine>,
    note: Option<String>,
    proposed: String,
    decided: Option<String>,
    decision_note: Option<String>,
    moved: Vec<String>,
    kept: Vec<String>,
    undo_until: Option<String>,
    undone: Option<String>,
    may_decide: bool,
    may_withdraw: bool,
    may_undo: bool,
    error: Option<String>,
}

async fn merge_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    v: MergeView,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let fields = field_lines(s, &sess, t, &v.fields).await.map_err(err)?;
    let people: Vec<Uuid> = [Some(v.proposed_by), v.decided_by, v.undone_by]
        .into_iter()
        .flatten()
        .collect();
    let names = crate::ui::page::StaffNames::of(&s.app, &sess.actor, t, &people)
        .await
        .map_err(err)?;
    let who = |id: Uuid| names.name(id);
    let tz = &s.app.tz;
    let by = |id: Uuid, at: &str| t.by_at(&who(id), &t.datetime(tz, at));
    let failed = error.is_some();
    let p = MergePage {
        title: t
            .get("merge.heading")
            .replace("{merged}", &v.merged.customer_no)
            .replace("{survivor}", &v.survivor.customer_no),
        c: chrome(t, Some(&sess), "/customers/duplicates"),
        id: v.id.to_string(),
        version: v.version,
        status: t.of("merge_status", v.status.as_str()),
        done: v.status == MergeStatus::Done,
        survivor: party(t, &v.survivor),
        merged: party(t, &v.merged),
        fields,
        note: v.note.clone(),
        proposed: by(v.proposed_by, &v.proposed_at),
        decided: v
            .decided_by
            .zip(v.decided_at.as_deref())
            .map(|(id, at)| by(id, at)),
        decision_note: v.decision_note.clone(),
        // None until the merge is carried out: nothing moved yet.
        moved: v
            .moved
            .as_ref()
            .map_or_else(Vec::new, |m| records_text(t, m)),
        // None until the merge is carried out: nothing moved yet.
        kept: v
            .kept
            .as_ref()
            .map_or_else(Vec::new, |m| records_text(t, m)),
        undo_until: v.undo_until.as_deref().map(|u| t.datetime(tz, u)),
        undone: v
            .undone_by
            .zip(v.undone_at.as_deref())
            .map(|(id, at)| by(id, at)),
        may_decide: v.may_decide,
        may_withdraw: v.status == MergeStatus::Proposed && v.proposed_by == sess.actor.id().uuid(),
        may_undo: v.may_undo,
        error,
    };
    Ok(page_status(p, failed))
}

pub(crate) async fn show(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let v = merge::get(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    merge_view(&s, sess, t, v, None).await
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    Path((id, step)): Path<(Uuid, String)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let d = MergeDecision {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        note: f.get("note").cloned(),
    };
    let a = &sess.actor;
    let done = match step.as_str() {
        "approve" => merge::approve(&s.app, a, id, d).await,
        "reject" => merge::reject(&s.app, a, id, d).await,
        "withdraw" => merge::withdraw(&s.app, a, id, d).await,
        "undo" => merge::undo(&s.app, a, id, d).await,
        _ => Err(AppError::NotFound),
    };
    let back = format!("/customers/merges/{id}");
    crate::ui::page::after_step(t, sess, done, back, |sess, msg| async move {
        let v = merge::get(&s.app, &sess.actor, id)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
        merge_view(&s, sess, t, v, Some(msg)).await
    })
    .await
}

pub(crate) fn routes(r: axum::Router<AppState>) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    r.route("/customers/duplicates", get(queue))
        .route("/customers/duplicates/scan", post(scan))
        .route("/customers/duplicates/{id}/dismiss", post(dismiss))
        .route("/customers/merge", get(compare).post(propose))
        .route("/customers/merges", get(merges))
        .route("/customers/merges/{id}", get(show))
        .route("/customers/merges/{id}/{step}", post(decide))
}
