//! The product catalogue on the workbench: the list with its filters, a product's form (read-only for those
//! who may not change it) and its saved versions.

use super::{choices, name_in};
use crate::AppState;
use crate::ui::forms::{Choice, field_errors_text, form_text};
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing_keeping};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::{self as uc, ProductQuery, ProductView};
use banyan_domain::book::{ProductInput, ProductKind, ProductStatus, RiskLevel};
use banyan_domain::money::{Currency, parse_major};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A product as its row in the catalogue shows it.
pub(crate) struct ProductLine {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) kind_code: ProductKind,
    pub(crate) risk: String,
    pub(crate) risk_code: Option<RiskLevel>,
    pub(crate) currency: String,
    pub(crate) term: String,
    pub(crate) min_amount: String,
    pub(crate) status: String,
    pub(crate) status_code: &'static str,
    pub(crate) launch: String,
    pub(crate) launch_key: String,
}

fn product_line(t: Tr, v: &ProductView) -> ProductLine {
    let p = &v.product;
    ProductLine {
        id: v.id,
        code: p.code.clone(),
        name: name_in(t, &p.names),
        kind: t.of("product_kind", p.kind.as_str()),
        kind_code: p.kind,
        risk: p
            .risk_level
            .map_or_else(String::new, |r| t.of("risk_level", r.as_str())),
        risk_code: p.risk_level,
        currency: p.currency.as_str().to_owned(),
        term: term_text(t, p.term_months),
        min_amount: if p.min_amount == 0 {
            String::new()
        } else {
            t.money(p.min_amount, p.currency.as_str())
        },
        status: t.of("product_status", p.status.as_str()),
        status_code: p.status.as_str(),
        launch: t.date(&p.launch_on.to_string()),
        launch_key: p.launch_on.to_string(),
    }
}

fn term_text(t: Tr, months: Option<u32>) -> String {
    match months {
        Some(m) => t.get("book.term_n").replace("{n}", &m.to_string()),
        None => t.get("book.open_ended").to_owned(),
    }
}

const PRODUCT_LIST: ListSpec = ListSpec {
    path: "/products",
    total_key: "book.product_count",
    default_sort: "code",
    per_page: 50,
};

fn product_columns() -> Vec<Column<ProductLine>> {
    vec![
        Column::sorted("field.code", "code", |a, b| a.code.cmp(&b.code)),
        Column::sorted("book.product_name", "name", |a, b| a.name.cmp(&b.name)),
        Column::sorted("field.kind", "kind", |a, b| a.kind_code.cmp(&b.kind_code)),
        Column::sorted("field.risk_level", "risk", |a, b| {
            a.risk_code.cmp(&b.risk_code)
        }),
        Column::plain("field.currency"),
        Column::plain("book.term"),
        Column::plain("field.min_amount"),
        Column::sorted("field.status", "status", |a, b| {
            a.status_code.cmp(b.status_code)
        }),
        Column::sorted("field.launch_on", "launch", |a, b| {
            a.launch_key.cmp(&b.launch_key)
        }),
    ]
}

#[derive(Template)]
#[template(path = "products.html")]
pub(crate) struct ProductsPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<ProductLine>,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) statuses: Vec<Choice>,
    pub(crate) risks: Vec<Choice>,
    pub(crate) q: String,
    pub(crate) can_manage: bool,
}

/// The catalogue's filters and order as the address carries them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProductParams {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    risk_level: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

pub(super) async fn products_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ProductParams>,
) -> Result<Response, PageError> {
    let q = ProductQuery {
        kind: ProductKind::parse(&p.kind),
        status: ProductStatus::parse(&p.status),
        risk_level: RiskLevel::parse(&p.risk_level),
        q: Some(p.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let lines: Vec<ProductLine> = uc::products(&s.app, &sess.actor, &q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .iter()
        .map(|v| product_line(t, v))
        .collect();
    let keep = [
        ("kind", p.kind.clone()),
        ("status", p.status.clone()),
        ("risk_level", p.risk_level.clone()),
        ("q", p.q.clone()),
    ];
    let params = ListParams {
        sort: p.sort.clone(),
        page: p.page,
    };
    Ok(page(ProductsPage {
        title: t.get("book.products").to_owned(),
        c: chrome(t, Some(&sess), "/products"),
        list: listing_keeping(t, &PRODUCT_LIST, &params, lines, &product_columns(), &keep),
        kinds: choices(
            t,
            "product_kind",
            ProductKind::ALL,
            ProductKind::as_str,
            &p.kind,
        ),
        statuses: choices(
            t,
            "product_status",
            ProductStatus::ALL,
            ProductStatus::as_str,
            &p.status,
        ),
        risks: choices(
            t,
            "risk_level",
            RiskLevel::ALL,
            RiskLevel::as_str,
            &p.risk_level,
        ),
        q: p.q,
        can_manage: sess.actor.offers().products,
    }))
}

/// A saved state of a product as its history lists it.
pub(crate) struct VersionLine {
    pub(crate) version: String,
    pub(crate) at: String,
    pub(crate) by: String,
    pub(crate) summary: String,
}

#[derive(Template)]
#[template(path = "product.html")]
pub(crate) struct ProductPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    /// None: a new product.
    pub(crate) id: Option<Uuid>,
    pub(crate) version: i32,
    /// The form's values (as typed, or as stored).
    pub(crate) f: HashMap<String, String>,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) statuses: Vec<Choice>,
    pub(crate) risks: Vec<Choice>,
    pub(crate) currencies: Vec<Choice>,
    /// (dimension label, [(dimension:value, label, chosen)]).
    pub(crate) targets: Vec<(String, Vec<Choice>)>,
    pub(crate) names: Vec<(&'static str, &'static str)>,
    pub(crate) versions: Vec<VersionLine>,
    pub(crate) can_manage: bool,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<String>,
}

impl ProductPage {
    /// A value of the form (empty when none).
    pub(crate) fn v(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }

    /// The product's name in one language, as the form holds it.
    pub(crate) fn name_value(&self, lang: &str) -> &str {
        self.f
            .get(&format!("name_{lang}"))
            .map_or("", String::as_str)
    }
}

/// A product's values as the form holds them (money in yuan).
fn form_of(p: &ProductInput) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("code".into(), p.code.clone());
    f.insert("kind".into(), p.kind.as_str().into());
    for (l, n) in &p.names {
        f.insert(format!("name_{l}"), n.clone());
    }
    f.insert("currency".into(), p.currency.as_str().into());
    if let Some(m) = p.term_months {
        f.insert("term_months".into(), m.to_string());
    }
    f.insert(
        "min_amount".into(),
        format!("{}.{:02}", p.min_amount / 100, p.min_amount % 100),
    );
    if let Some(r) = p.risk_level {
        f.insert("risk_level".into(), r.as_str().into());
    }
    if p.private {
        f.insert("private".into(), "1".into());
    }
    if p.dual_recording {
        f.insert("dual_recording".into(), "1".into());
    }
    for tg in &p.targets {
        f.insert(format!("target:{tg}"), "1".into());
    }
    f.insert("status".into(), p.status.as_str().into());
    f.insert("launch_on".into(), p.launch_on.to_string());
    if let Some(d) = p.end_on {
        f.insert("end_on".into(), d.to_string());
    }
    f
}

/// The form as a product, or the fields it cannot read (each named, in the user's words).
fn input_of(f: &HashMap<String, String>) -> Result<ProductInput, banyan_domain::FieldErrors> {
    let mut e = banyan_domain::FieldErrors::new();
    let text = |k: &str| form_text(f, k).unwrap_or_default();
    let kind = ProductKind::parse(&text("kind"));
    if kind.is_none() {
        e.push("kind", "required", "choose a kind");
    }
    let status = ProductStatus::parse(&text("status"));
    if status.is_none() {
        e.push("status", "required", "choose a status");
    }
    let currency = Currency::parse(&text("currency")).ok();
    if currency.is_none() {
        e.push("currency", "required", "choose a currency");
    }
    let term_months = match form_text(f, "term_months") {
        None => None,
        Some(v) => match v.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                e.push("term_months", "whole_number", "must be a whole number");
                None
            }
        },
    };
    let min_amount = match form_text(f, "min_amount") {
        None => 0,
        Some(v) => parse_major(&v, 2).unwrap_or_else(|m| {
            e.push("min_amount", "amount", m);
            0
        }),
    };
    let date = |e: &mut banyan_domain::FieldErrors, k: &str| match form_text(f, k) {
        None => None,
        Some(v) => match v.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(k, "date", "must be a date YYYY-MM-DD");
                None
            }
        },
    };
    let launch_on = date(&mut e, "launch_on");
    if launch_on.is_none() && form_text(f, "launch_on").is_none() {
        e.push("launch_on", "required", "is required");
    }
    let end_on = date(&mut e, "end_on");
    let (Some(kind), Some(status), Some(currency), Some(launch_on), true) =
        (kind, status, currency, launch_on, e.is_empty())
    else {
        return Err(e);
    };
    let mut targets: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix("target:").map(str::to_owned))
        .collect();
    targets.sort();
    Ok(ProductInput {
        code: text("code").to_ascii_uppercase(),
        kind,
        names: banyan_domain::book::NAME_LANGS
            .iter()
            .filter_map(|l| form_text(f, &format!("name_{l}")).map(|n| ((*l).to_owned(), n)))
            .collect(),
        currency,
        term_months,
        min_amount,
        risk_level: RiskLevel::parse(&text("risk_level")),
        private: f.contains_key("private"),
        dual_recording: f.contains_key("dual_recording"),
        targets,
        status,
        launch_on,
        end_on,
    })
}

/// What the product page says after a step.
#[derive(Default)]
struct Said {
    error: Option<String>,
    notice: Option<String>,
}

async fn product_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Option<Uuid>,
    form: Option<HashMap<String, String>>,
    said: Said,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let stored = match id {
        Some(id) => Some(uc::product(&s.app, &sess.actor, id).await.map_err(err)?),
        None => None,
    };
    let versions = match id {
        Some(id) => uc::product_versions(&s.app, &sess.actor, id)
            .await
            .map_err(err)?
            .into_iter()
            .map(|v| VersionLine {
                version: t
                    .get("book.version_n")
                    .replace("{n}", &v.version.to_string()),
                at: t.datetime(&s.app.tz, &v.changed_at),
                by: v
                    .changed_by
                    .unwrap_or_else(|| t.get("book.by_system").to_owned()),
                summary: format!(
                    "{} · {} · {}",
                    name_in(t, &v.product.names),
                    t.of("product_status", v.product.status.as_str()),
                    t.money(v.product.min_amount, "CNY")
                ),
            })
            .collect(),
        None => Vec::new(),
    };
    let f = form.unwrap_or_else(|| {
        stored
            .as_ref()
            .map(|v| form_of(&v.product))
            .unwrap_or_default()
    });
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let failed = said.error.is_some();
    let title = match &stored {
        Some(v) => format!("{} {}", v.product.code, name_in(t, &v.product.names)),
        None => t.get("book.new_product").to_owned(),
    };
    let targets = banyan_app::segments::dimension_values(&s.app)
        .into_iter()
        .filter(|(d, _)| crate::ui::forms::SEGMENT_FILTERS.contains(d))
        .map(|(d, values)| {
            let opts = values
                .iter()
                .map(|v| {
                    let key = format!("{d}:{v}");
                    let chosen = f.contains_key(&format!("target:{key}"));
                    (key, t.of(&format!("seg.{d}"), v), chosen)
                })
                .collect();
            (t.of("dim", d), opts)
        })
        .collect();
    Ok(page_status(
        ProductPage {
            title,
            c: chrome(t, Some(&sess), "/products"),
            id,
            version: stored.as_ref().map_or(0, |v| v.version),
            kinds: choices(
                t,
                "product_kind",
                ProductKind::ALL,
                ProductKind::as_str,
                &get("kind"),
            ),
            statuses: choices(
                t,
                "product_status",
                ProductStatus::ALL,
                ProductStatus::as_str,
                &get("status"),
            ),
            risks: choices(
                t,
                "risk_level",
                RiskLevel::ALL,
                RiskLevel::as_str,
                &get("risk_level"),
            ),
            currencies: banyan_app::book::currencies(&s.app)
                .into_iter()
                .map(|c| {
                    let chosen = get("currency") == c || (get("currency").is_empty() && c == "CNY");
                    (c.clone(), c, chosen)
                })
                .collect(),
            targets,
            names: crate::ui::i18n::Lang::ALL
                .iter()
                .map(|l| (l.code(), l.name()))
                .collect(),
            versions,
            can_manage: sess.actor.offers().products,
            error: said.error,
            notice: said.notice,
            f,
        },
        failed,
    ))
}

pub(super) async fn new_product(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    product_view(&s, sess, t, None, None, Said::default()).await
}

pub(super) async fn product_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let notice = match q.get("msg").map(String::as_str) {
        Some("created") => Some(t.get("book.created").to_owned()),
        Some("saved") => Some(t.get("book.saved").to_owned()),
        _ => None,
    };
    product_view(
        &s,
        sess,
        t,
        Some(id),
        None,
        Said {
            error: None,
            notice,
        },
    )
    .await
}

/// Saves the form: a new product, or a change to one at the version the form was read.
async fn save(
    s: AppState,
    sess: Session,
    t: Tr,
    id: Option<Uuid>,
    f: HashMap<String, String>,
) -> Result<Response, PageError> {
    let form: HashMap<String, String> = f
        .iter()
        .filter(|(k, _)| *k != "_csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(e) => {
            let msg = field_errors_text(t, &e);
            return product_view(
                &s,
                sess,
                t,
                id,
                Some(form),
                Said {
                    error: Some(msg),
                    notice: None,
                },
            )
            .await;
        }
    };
    let r = match id {
        None => uc::create_product(&s.app, &sess.actor, input).await,
        Some(id) => {
            let version = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
            uc::update_product(
                &s.app,
                &sess.actor,
                id,
                uc::ProductChange {
                    version,
                    product: input,
                },
            )
            .await
        }
    };
    match r {
        Ok(v) => {
            let msg = if id.is_none() { "created" } else { "saved" };
            Ok(Redirect::to(&format!("/products/{}?msg={msg}", v.id)).into_response())
        }
        Err(AppError::NotFound) => Err(PageError::App(AppError::NotFound, t, Some(sess))),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => {
                product_view(
                    &s,
                    sess,
                    t,
                    id,
                    Some(form),
                    Said {
                        error: Some(msg),
                        notice: None,
                    },
                )
                .await
            }
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

pub(super) async fn create_product(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    save(s, sess, t, None, f).await
}

pub(super) async fn save_product(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    save(s, sess, t, Some(id), f).await
}
