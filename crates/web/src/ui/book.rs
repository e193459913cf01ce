//! The book on the workbench: the product catalogue (list, form, versions), the feed loads (upload, list,
//! report), and the section of a customer's page that shows what the customer holds.

use crate::AppState;
use crate::ui::forms::{Choice, field_errors_text, form_text, read_form_upload, rule_text};
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing, listing_keeping};
use crate::ui::page::{
    Chrome, PageError, Signed, SignedForm, check_csrf, chrome, page, page_status, session,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::{self as uc, CustomerBook, LoadView, ProductQuery, ProductView};
use banyan_domain::book::{ProductInput, ProductKind, ProductStatus, RiskLevel};
use banyan_domain::imports::ImportStatus;
use banyan_domain::money::{Currency, parse_major};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A product's name in the reader's language, else in simplified Chinese.
pub(crate) fn name_in(t: Tr, names: &BTreeMap<String, String>) -> String {
    names
        .get(t.code())
        .or_else(|| names.get("zh-CN"))
        .cloned()
        .unwrap_or_default()
}

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

/// Options of a select of codes, labelled, with `chosen` selected.
fn choices<T: Copy>(
    t: Tr,
    family: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    chosen: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            (c.to_owned(), t.of(family, c), c == chosen)
        })
        .collect()
}

async fn products_page(
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

async fn new_product(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    product_view(&s, sess, t, None, None, Said::default()).await
}

async fn product_page(
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

async fn create_product(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    save(s, sess, t, None, f).await
}

async fn save_product(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    save(s, sess, t, Some(id), f).await
}

/// A load as its row in the list shows it.
pub(crate) struct LoadLine {
    pub(crate) id: Uuid,
    pub(crate) started: String,
    pub(crate) started_key: String,
    pub(crate) file: String,
    pub(crate) feed: String,
    pub(crate) source: String,
    pub(crate) as_of: String,
    pub(crate) status: String,
    pub(crate) status_code: &'static str,
    pub(crate) rows: i64,
    pub(crate) loaded: i64,
    pub(crate) unchanged: i64,
    pub(crate) rejected: i64,
    pub(crate) refreshed: i64,
    pub(crate) by: String,
}

fn load_line(s: &AppState, t: Tr, l: &LoadView) -> LoadLine {
    LoadLine {
        id: l.id,
        started: t.datetime(&s.app.tz, &l.started_at),
        started_key: l.started_at.clone(),
        file: l.file_name.clone(),
        feed: t.of("feed", &l.kind),
        source: crate::ui::labels::code_label(t, &["book_source"], &l.source),
        as_of: t.date(&l.as_of.to_string()),
        status: t.of("import.status", l.status.as_str()),
        status_code: l.status.as_str(),
        rows: l.rows,
        loaded: l.loaded,
        unchanged: l.unchanged,
        rejected: l.rejected,
        refreshed: l.customers,
        by: l
            .by
            .clone()
            .unwrap_or_else(|| t.get("book.by_system").to_owned()),
    }
}

const LOAD_LIST: ListSpec = ListSpec {
    path: "/book/loads",
    total_key: "book.load_count",
    default_sort: "-started",
    per_page: 50,
};

fn load_columns() -> Vec<Column<LoadLine>> {
    vec![
        Column::sorted("book.started", "started", |a, b| {
            a.started_key.cmp(&b.started_key)
        }),
        Column::plain("field.file"),
        Column::plain("detail.feed"),
        Column::plain("field.source"),
        Column::plain("field.as_of"),
        Column::plain("field.status"),
        Column::plain("book.rows"),
        Column::plain("book.loaded"),
        Column::plain("book.unchanged"),
        Column::sorted("book.rejected", "rejected", |a, b| {
            a.rejected.cmp(&b.rejected)
        }),
        Column::plain("book.refreshed"),
        Column::plain("book.by"),
    ]
}

#[derive(Template)]
#[template(path = "book_loads.html")]
pub(crate) struct LoadsPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<LoadLine>,
    pub(crate) today: String,
    pub(crate) required: String,
    pub(crate) optional: String,
    pub(crate) error: Option<String>,
}

/// The most recent loads a page lists (older ones through the API's paging).
const LOADS_SHOWN: u64 = 500;

async fn loads_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: &ListParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (loads, _) = uc::holdings::loads(&s.app, &sess.actor, 0, LOADS_SHOWN)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let lines = loads.iter().map(|l| load_line(s, t, l)).collect();
    let cols = uc::holdings::COLUMNS;
    let failed = error.is_some();
    Ok(page_status(
        LoadsPage {
            title: t.get("book.loads").to_owned(),
            c: chrome(t, Some(&sess), "/book/loads"),
            list: listing(t, &LOAD_LIST, p, lines, &load_columns()),
            today: s.app.today().to_string(),
            required: cols[..7].join(", "),
            optional: cols[7..].join(", "),
            error,
        },
        failed,
    ))
}

async fn loads_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    loads_view(&s, sess, t, &p, None).await
}

/// Loads the uploaded holdings file (multipart: CSRF token, source, business date, then the file) and shows
/// its report.
async fn upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some(up) = read_form_upload(mp).await else {
        let msg = rule_text(t, "file", "required", "choose a file", None);
        return loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await;
    };
    check_csrf(&sess, t, up.csrf.as_deref())?;
    let source = up
        .fields
        .get("source")
        .map_or("core", |v| v.trim())
        .to_owned();
    let Some(as_of) = up.fields.get("as_of").and_then(|v| v.trim().parse().ok()) else {
        let msg = rule_text(t, "as_of", "date", "must be a date YYYY-MM-DD", None);
        return loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await;
    };
    match uc::holdings::load_holdings_file(&s.app, &sess.actor, &source, as_of, &up.name, &up.bytes)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/book/loads/{}", r.load.id)).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A rejected row as the report shows it.
pub(crate) struct RejectLine {
    pub(crate) line: i64,
    pub(crate) account: String,
    pub(crate) reasons: String,
}

#[derive(Template)]
#[template(path = "book_load.html")]
pub(crate) struct LoadPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) l: LoadLine,
    pub(crate) failed: Option<String>,
    pub(crate) rejects: Vec<RejectLine>,
    pub(crate) more: bool,
}

async fn load_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = uc::holdings::load(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let reasons = |errors: &[banyan_domain::FieldError]| {
        errors
            .iter()
            .map(|e| rule_text(t, &e.field, &e.rule, &e.message, None))
            .collect::<Vec<_>>()
            .join("；")
    };
    let failed = (r.load.status == ImportStatus::Failed)
        .then(|| reasons(r.load.error.as_deref().unwrap_or_default()));
    Ok(page(LoadPage {
        title: t.get("book.load_title").to_owned(),
        c: chrome(t, Some(&sess), "/book/loads"),
        l: load_line(&s, t, &r.load),
        failed,
        more: i64::try_from(r.rejected.len()).unwrap_or(i64::MAX) < r.load.rejected,
        rejects: r
            .rejected
            .iter()
            .map(|x| RejectLine {
                line: x.line,
                account: banyan_domain::mask::account(&x.account_no),
                reasons: reasons(&x.errors),
            })
            .collect(),
    }))
}

/// An account as the customer's page lists it.
pub(crate) struct HoldingView {
    pub(crate) account: String,
    pub(crate) product: String,
    pub(crate) kind: String,
    pub(crate) risk: String,
    pub(crate) status: String,
    pub(crate) closed: bool,
    pub(crate) opened: String,
    pub(crate) amount: String,
    pub(crate) credit: String,
    pub(crate) overdue: String,
}

/// What the customer's page shows of the book.
pub(crate) struct BookSection {
    pub(crate) empty: bool,
    pub(crate) as_of: String,
    pub(crate) aum: String,
    pub(crate) loans: String,
    pub(crate) since: String,
    pub(crate) services: Vec<String>,
    /// (kind, accounts, total in CNY).
    pub(crate) kinds: Vec<(String, u32, String)>,
    pub(crate) risks: Vec<(String, String)>,
    pub(crate) lines: Vec<HoldingView>,
    /// The AUM line: SVG points ("x,y x,y"), its words for screen readers, and the months shown.
    pub(crate) spark: Option<(String, String)>,
}

fn amount_text(t: Tr, minor: i64, currency: &str, digits: u8) -> String {
    // `money` writes two decimals: a currency without minor units is scaled to match.
    let scaled = match digits {
        0 => minor.saturating_mul(100),
        _ => minor,
    };
    t.money(scaled, currency)
}

/// The customer's book for their page.
pub(crate) async fn book_section(
    s: &AppState,
    sess: &Session,
    t: Tr,
    id: Uuid,
) -> Result<BookSection, AppError> {
    let b: CustomerBook = uc::customer_book(&s.app, &sess.actor, id).await?;
    let spark = spark(t, &b);
    Ok(BookSection {
        empty: b.holdings.is_empty(),
        as_of: b.as_of.map(|d| t.date(&d.to_string())).unwrap_or_default(),
        aum: t.money(b.aum, "CNY"),
        loans: t.money(b.loans, "CNY"),
        since: b
            .customer_since
            .map(|d| t.date(&d.to_string()))
            .unwrap_or_default(),
        services: b.services.iter().map(|c| t.of("service", c)).collect(),
        kinds: b
            .by_kind
            .iter()
            .map(|k| {
                (
                    t.of("product_kind", k.kind.as_str()),
                    k.accounts,
                    t.money(k.total_cny, "CNY"),
                )
            })
            .collect(),
        risks: b
            .by_risk
            .iter()
            .map(|r| {
                (
                    t.of("risk_level", r.risk_level.as_str()),
                    t.money(r.total_cny, "CNY"),
                )
            })
            .collect(),
        lines: b
            .holdings
            .iter()
            .map(|h| HoldingView {
                account: h.account_no.clone(),
                product: format!("{} {}", h.product_code, name_in(t, &h.product_names)),
                kind: t.of("product_kind", h.kind.as_str()),
                risk: h
                    .risk_level
                    .map_or_else(String::new, |r| t.of("risk_level", r.as_str())),
                status: t.of("account_status", h.status.as_str()),
                closed: h.status == banyan_domain::book::AccountStatus::Closed,
                opened: t.date(&h.opened_on.to_string()),
                amount: if h.kind.is_credit() {
                    String::new()
                } else {
                    amount_text(t, h.balance, &h.currency, h.digits)
                },
                credit: match (h.credit_limit, h.outstanding) {
                    (Some(l), Some(o)) => format!(
                        "{} / {}",
                        amount_text(t, l, &h.currency, h.digits),
                        amount_text(t, o, &h.currency, h.digits)
                    ),
                    _ => String::new(),
                },
                overdue: if h.days_past_due > 0 {
                    t.get("book.overdue")
                        .replace("{n}", &h.days_past_due.to_string())
                } else {
                    String::new()
                },
            })
            .collect(),
        spark,
    })
}

/// A month (`2026-01`) in the reader's words (`2026年01月`, `Jan 2026`).
fn month_text(t: Tr, month: &str) -> String {
    match format!("{month}-01").parse::<jiff::civil::Date>() {
        Ok(d) => match t.lang {
            crate::ui::i18n::Lang::En => d.strftime("%b %Y").to_string(),
            _ => d.strftime("%Y年%m月").to_string(),
        },
        Err(_) => month.to_owned(),
    }
}

/// The AUM line as SVG points in a 240×48 box, and what it says in words.
fn spark(t: Tr, b: &CustomerBook) -> Option<(String, String)> {
    let (first, last) = (b.aum_line.first()?, b.aum_line.last()?);
    if b.aum_line.len() < 2 {
        return None;
    }
    // Scaled between the year's lowest and highest figures, so that a change shows as a slope.
    let max = b.aum_line.iter().map(|p| p.aum).max().unwrap_or(0);
    let min = b.aum_line.iter().map(|p| p.aum).min().unwrap_or(0);
    let span = (max - min).max(1);
    let step = 240.0 / (b.aum_line.len() - 1) as f64;
    let points = b
        .aum_line
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // Display only: a pixel position, not money.
            let y = 44.0 - 40.0 * ((p.aum - min) as f64 / span as f64);
            format!("{:.1},{:.1}", i as f64 * step, y)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let words = t
        .get("book.aum_line_text")
        .replace("{from}", &month_text(t, &first.month))
        .replace("{a}", &t.money(first.aum, "CNY"))
        .replace("{to}", &month_text(t, &last.month))
        .replace("{b}", &t.money(last.aum, "CNY"));
    Some((points, words))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/products", get(products_page))
        .route("/products/new", get(new_product).post(create_product))
        .route("/products/{id}", get(product_page).post(save_product))
        .route("/book/loads", get(loads_page).post(upload))
        .route("/book/loads/{id}", get(load_page))
}
