//! Content pushes on the workbench: the list (with what waits for the reader's approval), the form with
//! its preview step, and a second person's approve / refuse / cancel.

use crate::AppState;
use crate::ui::forms::{
    Choice, field_errors_text, form_text, local_instant, refusal, segment_choices,
};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::notify::{CampaignDecision, CampaignSummary};
use banyan_domain::notify::CampaignState;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A campaign as its row in the list shows it.
pub(crate) struct CampaignLine {
    pub(crate) id: Option<Uuid>,
    pub(crate) key: String,
    pub(crate) state: String,
    /// The state's code, for the row's style.
    pub(crate) state_code: &'static str,
    pub(crate) send_at: String,
    /// The send time as an instant, to sort by.
    pub(crate) send_at_key: String,
    pub(crate) created_by: String,
    pub(crate) decided_by: String,
    /// Why it was refused or cancelled.
    pub(crate) note: String,
    pub(crate) audience: u64,
    pub(crate) total: u64,
    pub(crate) queued: u64,
    pub(crate) sent: u64,
    pub(crate) failed: u64,
    pub(crate) suppressed: u64,
    pub(crate) can_approve: bool,
    pub(crate) can_cancel: bool,
    pub(crate) version: i32,
    /// The approve button's confirmation ("批准后将向 43 位客户发送……").
    pub(crate) confirm_approve: String,
}

fn line(s: &AppState, t: Tr, c: CampaignSummary) -> CampaignLine {
    let when = c.send_at.as_deref().unwrap_or(c.started_at.as_str());
    // A campaign cancelled by nobody was stopped by the system; its note is a reason code.
    let note = match (&c.note, &c.decided_by) {
        (Some(code), None) => t.of("camp.stopped", code),
        (Some(n), Some(_)) => n.clone(),
        (None, _) => String::new(),
    };
    CampaignLine {
        id: c.id,
        state: t.of("camp.state", c.state.as_str()),
        state_code: c.state.as_str(),
        send_at: t.datetime(&s.app.tz, when),
        send_at_key: when.to_owned(),
        created_by: c.created_by.clone().unwrap_or_default(),
        decided_by: c.decided_by.clone().unwrap_or_default(),
        note,
        audience: c.audience,
        total: c.total,
        queued: c.queued,
        sent: c.sent,
        failed: c.failed,
        suppressed: c.suppressed,
        can_approve: c.can_approve,
        can_cancel: c.can_cancel,
        version: c.version,
        confirm_approve: t
            .get("camp.confirm_approve")
            .replace("{n}", &c.audience.to_string()),
        key: c.key,
    }
}

/// A campaign's subject and body in one language, as typed so far.
pub(crate) struct CampaignText {
    pub(crate) lang: &'static str,
    pub(crate) name: &'static str,
    pub(crate) subject: String,
    pub(crate) body: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
pub(crate) struct CampaignsPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<CampaignLine>,
    /// How many wait for the caller's approval.
    pub(crate) awaiting: usize,
    pub(crate) seg_filters: Vec<(&'static str, String, Vec<Choice>)>,
    /// What was typed, shown again after an error.
    pub(crate) key: String,
    pub(crate) channel: String,
    /// The `datetime-local` value typed for the send time.
    pub(crate) send_at: String,
    pub(crate) ask_approval: bool,
    /// "超过 1000 位客户的推送需主管审批后发送".
    pub(crate) approval_rule: String,
    /// (language, its name, subject, text).
    pub(crate) texts: Vec<CampaignText>,
    pub(crate) can_send: bool,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
    /// After 预览: who and what the push would send, and the fingerprint the send must match.
    pub(crate) preview: Option<PreviewView>,
}

/// A campaign's preview as the page shows it.
pub(crate) struct PreviewView {
    /// "将发送给 43 位客户".
    pub(crate) audience: String,
    /// "简体中文 40 · English 3".
    pub(crate) languages: String,
    /// "短信 30 · 电子邮件 13".
    pub(crate) channels: String,
    /// (language name, subject, text).
    pub(crate) samples: Vec<(&'static str, String, String)>,
    /// The send button's words and its confirmation, with the count (and the time, or the approval).
    pub(crate) button: String,
    pub(crate) confirm: String,
    /// Of the inputs previewed: a send whose inputs differ is previewed again instead.
    pub(crate) fingerprint: String,
    pub(crate) empty: bool,
}

/// How a previewed campaign would go: at once, at a time (as the page shows it), or to an approver first.
enum Going {
    Now,
    At(String),
    ToApprover,
}

fn preview_view(
    t: Tr,
    p: &banyan_app::notify::CampaignPreview,
    going: Going,
    fingerprint: String,
) -> PreviewView {
    let lang_name = |code: &str| Lang::parse(code).map_or("", Lang::name);
    let n = p.audience.to_string();
    let (button, confirm) = match going {
        Going::Now => (
            t.get("camp.send"),
            t.get("camp.confirm_send").replace("{n}", &n),
        ),
        Going::At(when) => (
            t.get("camp.schedule"),
            t.get("camp.confirm_schedule")
                .replace("{n}", &n)
                .replace("{when}", &when),
        ),
        Going::ToApprover => (
            t.get("camp.submit_approval"),
            t.get("camp.confirm_approval").replace("{n}", &n),
        ),
    };
    PreviewView {
        audience: t.get("camp.audience").replace("{n}", &n),
        languages: p
            .by_language
            .iter()
            .map(|(l, k)| format!("{} {k}", lang_name(l)))
            .collect::<Vec<_>>()
            .join(" · "),
        channels: p
            .by_channel
            .iter()
            .map(|(c, k)| format!("{} {k}", t.of("channel", c)))
            .collect::<Vec<_>>()
            .join(" · "),
        samples: p
            .samples
            .iter()
            .map(|x| {
                (
                    lang_name(&x.lang),
                    x.subject.clone().unwrap_or_default(),
                    x.body.clone(),
                )
            })
            .collect(),
        button: button.to_owned(),
        confirm,
        fingerprint,
        empty: p.audience == 0,
    }
}

/// A fingerprint of what a campaign form says (everything but the CSRF token and the step), so that a send
/// goes out only as it was previewed.
fn fingerprint(f: &HashMap<String, String>) -> String {
    use std::hash::{Hash, Hasher};
    let fields: BTreeMap<&String, &str> = f
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "_csrf" | "step" | "previewed"))
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    // DefaultHasher::new() is the same on every node of one build: a preview on one node matches a send on
    // another.
    let mut h = std::hash::DefaultHasher::new();
    fields.hash(&mut h);
    format!("{:016x}", h.finish())
}

const CAMPAIGN_LIST: ListSpec = ListSpec {
    path: "/campaigns",
    total_key: "camp.count",
    default_sort: "-send_at",
    per_page: 50,
};

/// The campaign list's columns; states sort in the order a campaign moves through them.
fn campaign_columns() -> Vec<Column<CampaignLine>> {
    fn rank(l: &CampaignLine) -> Option<usize> {
        CampaignState::ALL
            .iter()
            .position(|s| s.as_str() == l.state_code)
    }
    vec![
        Column::sorted("camp.key", "key", |a, b| a.key.cmp(&b.key)),
        Column::sorted("camp.state", "state", |a, b| rank(a).cmp(&rank(b))),
        Column::sorted("camp.send_at", "send_at", |a, b| {
            a.send_at_key.cmp(&b.send_at_key)
        }),
        Column::sorted("camp.maker", "maker", |a, b| {
            a.created_by.cmp(&b.created_by)
        }),
        Column::plain("camp.decider"),
        Column::sorted("camp.customers", "customers", |a, b| {
            a.audience.cmp(&b.audience)
        }),
        Column::sorted("camp.total", "messages", |a, b| a.total.cmp(&b.total)),
        Column::plain("msg.queued"),
        Column::sorted("msg.sent", "sent", |a, b| a.sent.cmp(&b.sent)),
        Column::sorted("msg.failed", "failed", |a, b| a.failed.cmp(&b.failed)),
        Column::plain("msg.suppressed"),
        Column::plain("camp.actions"),
    ]
}

/// What the campaigns page says above its list after a step: an error, a notice, or a preview.
#[derive(Default)]
pub(crate) struct Said {
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
    pub(crate) preview: Option<PreviewView>,
}

impl Said {
    fn error(e: String) -> Said {
        Said {
            error: Some(e),
            ..Said::default()
        }
    }
    fn notice(n: String) -> Said {
        Said {
            notice: Some(n),
            ..Said::default()
        }
    }
}

pub(crate) async fn campaigns_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    params: &ListParams,
    form: HashMap<String, String>,
    said: Said,
) -> Result<Response, PageError> {
    let Said {
        error,
        notice,
        preview,
    } = said;
    let campaigns: Vec<CampaignLine> = banyan_app::notify::campaigns(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .into_iter()
        .map(|c| line(s, t, c))
        .collect();
    let awaiting = campaigns.iter().filter(|c| c.can_approve).count();
    let list = listing(t, &CAMPAIGN_LIST, params, campaigns, &campaign_columns());
    let chosen: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| k.starts_with("seg_"))
        .map(|(k, v)| (k.trim_start_matches("seg_").to_owned(), v.clone()))
        .collect();
    let failed = error.is_some();
    Ok(page_status(
        CampaignsPage {
            title: t.get("camp.title").to_owned(),
            c: chrome(t, Some(&sess), "/campaigns"),
            list,
            awaiting,
            seg_filters: segment_choices(&s.app, t, &chosen),
            key: form.get("key").cloned().unwrap_or_default(),
            channel: form.get("channel").cloned().unwrap_or_default(),
            send_at: form.get("send_at").cloned().unwrap_or_default(),
            ask_approval: form.contains_key("ask_approval"),
            approval_rule: t.get("camp.approval_rule").replace(
                "{n}",
                &banyan_app::notify::approval_threshold(&s.app).to_string(),
            ),
            texts: Lang::ALL
                .into_iter()
                .map(|l| {
                    let v = |k: &str| form.get(&format!("{k}_{}", l.code())).cloned();
                    CampaignText {
                        lang: l.code(),
                        name: l.name(),
                        subject: v("subject").unwrap_or_default(),
                        body: v("body").unwrap_or_default(),
                    }
                })
                .collect(),
            can_send: sess.actor.offers().update,
            error,
            notice,
            preview,
        },
        failed,
    ))
}

pub(crate) async fn campaigns_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    campaigns_view(&s, sess, t, &p, HashMap::new(), Said::default()).await
}

/// Queues a content push from the campaign form.
pub(crate) async fn send_campaign(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let texts = |prefix: &str| -> BTreeMap<String, String> {
        ["zh-CN", "zh-TW", "en"]
            .into_iter()
            .filter_map(|l| form_text(&f, &format!("{prefix}_{l}")).map(|v| (l.to_owned(), v)))
            .collect()
    };
    let input = banyan_app::notify::CampaignInput {
        key: f.get("key").cloned().unwrap_or_default(),
        segments: f
            .iter()
            .filter(|(k, v)| k.starts_with("seg_") && !v.trim().is_empty())
            .map(|(k, v)| (k.trim_start_matches("seg_").to_owned(), v.clone()))
            .collect(),
        channel: form_text(&f, "channel"),
        subject: texts("subject"),
        body: texts("body"),
        send_at: form_text(&f, "send_at").map(|v| local_instant(&s, &v)),
        ask_approval: f.contains_key("ask_approval"),
    };
    // 预览 first: the send goes only as previewed (the same inputs), and asks with the audience count.
    let print = fingerprint(&f);
    let previewed = f.get("previewed").map(String::as_str) == Some(print.as_str());
    if f.get("step").map(String::as_str) != Some("send") || !previewed {
        let stale = f.get("step").map(String::as_str) == Some("send");
        return match banyan_app::notify::preview_campaign(&s.app, &sess.actor, &input).await {
            Ok(p) => {
                let going = if p.needs_approval {
                    Going::ToApprover
                } else {
                    match form_text(&f, "send_at") {
                        Some(v) => Going::At(t.datetime(&s.app.tz, &local_instant(&s, &v))),
                        None => Going::Now,
                    }
                };
                let preview = preview_view(t, &p, going, print);
                let notice = stale.then(|| t.get("camp.stale").to_owned());
                let form = f.into_iter().filter(|(k, _)| k != "_csrf").collect();
                campaigns_view(
                    &s,
                    sess,
                    t,
                    &ListParams::default(),
                    form,
                    Said {
                        error: None,
                        notice,
                        preview: Some(preview),
                    },
                )
                .await
            }
            Err(AppError::Validation(e)) => {
                let msg = field_errors_text(t, &e);
                let form = f.into_iter().filter(|(k, _)| k != "_csrf").collect();
                campaigns_view(&s, sess, t, &ListParams::default(), form, Said::error(msg)).await
            }
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        };
    }
    match banyan_app::notify::campaign(&s.app, &sess.actor, input).await {
        Ok(r) => {
            let notice = match r.state {
                CampaignState::AwaitingApproval => t.get("camp.awaiting_notice").to_owned(),
                CampaignState::Scheduled => t
                    .get("camp.scheduled_notice")
                    .replace("{when}", &t.datetime(&s.app.tz, &r.send_at)),
                _ => t
                    .get("camp.queued")
                    .replace("{customers}", &r.customers.to_string())
                    .replace("{queued}", &r.queued.to_string()),
            };
            campaigns_view(
                &s,
                sess,
                t,
                &ListParams::default(),
                HashMap::new(),
                Said::notice(notice),
            )
            .await
        }
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            let form = f.into_iter().filter(|(k, _)| k != "_csrf").collect();
            campaigns_view(&s, sess, t, &ListParams::default(), form, Said::error(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A second person's approval, refusal, or a cancellation, from the list's buttons.
async fn decide(
    s: AppState,
    sess: Session,
    t: Tr,
    f: HashMap<String, String>,
    id: Uuid,
    step: &'static str,
) -> Result<Response, PageError> {
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let Some(version) = version else {
        return Err(PageError::App(AppError::VersionRequired, t, Some(sess)));
    };
    let d = CampaignDecision {
        version,
        note: form_text(&f, "note"),
    };
    let (app, actor) = (&s.app, &sess.actor);
    let r = match step {
        "approve" => banyan_app::notify::approve(app, actor, id, d).await,
        "reject" => banyan_app::notify::reject(app, actor, id, d).await,
        _ => banyan_app::notify::cancel(app, actor, id, d).await,
    };
    match r {
        Ok(c) => {
            let notice = t.get(&format!("camp.done_{step}")).replace("{key}", &c.key);
            campaigns_view(
                &s,
                sess,
                t,
                &ListParams::default(),
                HashMap::new(),
                Said::notice(notice),
            )
            .await
        }
        Err(AppError::NotFound) => Err(PageError::App(AppError::NotFound, t, Some(sess))),
        Err(e) => match refusal(t, e) {
            Ok(msg) => {
                campaigns_view(
                    &s,
                    sess,
                    t,
                    &ListParams::default(),
                    HashMap::new(),
                    Said::error(msg),
                )
                .await
            }
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

pub(crate) async fn approve_campaign(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide(s, sess, t, f, id, "approve").await
}

pub(crate) async fn reject_campaign(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide(s, sess, t, f, id, "reject").await
}

pub(crate) async fn cancel_campaign(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide(s, sess, t, f, id, "cancel").await
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/campaigns", get(campaigns_page).post(send_campaign))
        .route("/campaigns/{id}/approve", post(approve_campaign))
        .route("/campaigns/{id}/reject", post(reject_campaign))
        .route("/campaigns/{id}/cancel", post(cancel_campaign))
}
