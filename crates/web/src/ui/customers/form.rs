//! Creating and editing a customer: the forms, custom-field inputs, errors next to their fields.

use crate::AppState;
use crate::ui::forms::{form_version, kind_key};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc};
use banyan_app::view::CustomerView;
use banyan_domain::customer::CustomerKind;
use banyan_domain::fields::{FieldDefinition, FieldType};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One input for a custom field a bank defined.
#[derive(Debug)]
pub(crate) struct CustomInput {
    /// `custom.<key>`, which is also the path of its field errors.
    pub(crate) name: String,
    pub(crate) label: String,
    /// On the create form, the kind whose fields it belongs to.
    pub(crate) kind: &'static str,
    /// `text`, `number`, `date`, `boolean` or `choice`.
    pub(crate) input: &'static str,
    pub(crate) options: Vec<String>,
    pub(crate) max_length: Option<u32>,
    pub(crate) required: bool,
    pub(crate) value: String,
    pub(crate) error: Option<String>,
    /// After a conflict: the user's own value when the other person changed this field too.
    pub(crate) mine: Option<String>,
    /// After a conflict: the user's change is kept in the field (the other person did not touch it).
    pub(crate) kept: bool,
}

/// The inputs for the definitions of `kind` (all kinds when `None`), filled by `value`.
pub(crate) fn custom_inputs(
    defs: &[FieldDefinition],
    kind: Option<CustomerKind>,
    value: impl Fn(&FieldDefinition) -> String,
    errors: &HashMap<String, String>,
) -> Vec<CustomInput> {
    defs.iter()
        .filter(|d| kind.is_none_or(|k| d.kind == k))
        .map(|d| {
            let name = format!("custom.{}", d.key);
            CustomInput {
                label: d.label.clone(),
                kind: d.kind.as_str(),
                input: match d.field_type {
                    FieldType::Text => "text",
                    FieldType::Integer => "number",
                    FieldType::Date => "date",
                    FieldType::Boolean => "boolean",
                    FieldType::Choice => "choice",
                },
                options: d.options.clone(),
                max_length: d.max_length,
                required: d.required,
                value: value(d),
                error: errors.get(&name).cloned(),
                mine: None,
                kept: false,
                name,
            }
        })
        .collect()
}

/// A stored custom value as the form shows it.
pub(crate) fn custom_text(custom: &serde_json::Value, key: &str) -> String {
    match custom.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A form's text as the JSON value of a custom field; text that is not of the field's type is passed on
/// as text, so the one validator (the API's) names the field and the rule.
pub(crate) fn custom_json(d: &FieldDefinition, raw: &str) -> serde_json::Value {
    match d.field_type {
        FieldType::Integer => raw
            .parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| raw.into()),
        FieldType::Boolean => match raw {
            "true" => true.into(),
            "false" => false.into(),
            _ => raw.into(),
        },
        _ => raw.into(),
    }
}

/// One input of the create form.
#[derive(Debug)]
pub(crate) struct FieldView {
    pub(crate) name: &'static str,
    pub(crate) label_key: &'static str,
    /// CSS classes: which kinds show the field.
    pub(crate) kinds: &'static str,
    pub(crate) value: String,
    pub(crate) error: Option<String>,
    /// How the field is entered: `text`, `date` (a picker, ISO value) or `industry` (the GB/T 4754 sections
    /// by name).
    pub(crate) control: &'static str,
    pub(crate) required: bool,
    /// A line under the field saying the expected form ("例如 1990-01-01").
    pub(crate) hint_key: Option<&'static str>,
    /// After a conflict: the user's own value when the other person changed this field too.
    pub(crate) mine: Option<String>,
    /// After a conflict: the user's change is kept in the field (the other person did not touch it).
    pub(crate) kept: bool,
}

impl FieldView {
    /// A field of the customer forms, with its control, whether it is required and its hint, all decided
    /// by its name (one place for the create and the edit form).
    pub(crate) fn new(
        name: &'static str,
        label_key: &'static str,
        kinds: &'static str,
        value: String,
        error: Option<String>,
    ) -> Self {
        let (control, hint_key) = match name {
            "birth_date" => ("date", Some("hint.date")),
            "industry" => ("industry", None),
            "credit_code" => ("text", Some("hint.credit_code")),
            "mobile" => ("text", Some("hint.mobile")),
            _ => ("text", None),
        };
        FieldView {
            name,
            label_key,
            kinds,
            value,
            error,
            control,
            required: REQUIRED.contains(&name),
            hint_key,
            mine: None,
            kept: false,
        }
    }
}

/// The fields a record cannot be saved without (the API's rules; marked on the forms).
const REQUIRED: [&str; 4] = ["name_zh", "id_number", "registered_name", "credit_code"];

pub(crate) use banyan_domain::calendar::iso_date;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) branch_code: String,
    pub(crate) rest: HashMap<String, String>,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
pub(crate) struct FormPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) form: CreateForm,
    pub(crate) kinds: Vec<(&'static str, &'static str, bool)>,
    pub(crate) doc_types: Vec<(&'static str, &'static str)>,
    pub(crate) fields: Vec<FieldView>,
    pub(crate) customs: Vec<CustomInput>,
    pub(crate) errors: Vec<String>,
    pub(crate) general_error: Option<String>,
    pub(crate) duplicate: Option<Duplicate>,
}

/// A create refused because the ID number or mobile is already a customer's: said in the user's language,
/// with a link to that customer when the user may see it (otherwise the branch to ask).
pub(crate) struct Duplicate {
    pub(crate) text: String,
    pub(crate) link: Option<(String, String)>,
}

impl Duplicate {
    /// From the conflict's detail (`code`, and `customer_id` and `customer_no`, or `branch_code`).
    fn from_detail(t: Tr, detail: &serde_json::Value) -> Duplicate {
        let what = match detail["code"].as_str() {
            Some("duplicate_mobile") => t.get("dup.mobile"),
            _ => t.get("dup.id_number"),
        };
        match (
            detail["customer_id"].as_str(),
            detail["customer_no"].as_str(),
        ) {
            (Some(id), Some(no)) => Duplicate {
                text: what.to_owned(),
                link: Some((format!("/customers/{id}"), no.to_owned())),
            },
            _ => Duplicate {
                text: format!(
                    "{what}{}",
                    t.get("dup.outside").replace(
                        "{branch}",
                        &format!(
                            "{} {}",
                            t.get("field.branch"),
                            detail["branch_code"].as_str().unwrap_or("")
                        ),
                    )
                ),
                link: None,
            },
        }
    }
}

pub(crate) const FORM_FIELDS: &[(&str, &str, &str, &str)] = &[
    // (input name, label key, kinds, path in the API's field errors)
    (
        "name_zh",
        "field.name_zh",
        "individual",
        "individual.name_zh",
    ),
    (
        "name_latin",
        "field.name_latin",
        "individual",
        "individual.name_latin",
    ),
    (
        "id_type",
        "field.id_type",
        "individual",
        "individual.id_type",
    ),
    (
        "id_number",
        "field.id_number",
        "individual",
        "individual.id_number",
    ),
    (
        "birth_date",
        "field.birth_date",
        "individual",
        "individual.birth_date",
    ),
    (
        "occupation",
        "field.occupation",
        "individual",
        "individual.occupation",
    ),
    (
        "registered_name",
        "field.registered_name",
        "organization",
        "organization.registered_name",
    ),
    (
        "credit_code",
        "field.credit_code",
        "organization",
        "organization.credit_code",
    ),
    (
        "industry",
        "field.industry",
        "organization",
        "organization.industry",
    ),
    (
        "employees",
        "field.employees",
        "organization",
        "organization.employees",
    ),
    (
        "mobile",
        "field.mobile",
        "individual organization",
        "contacts.mobile",
    ),
    (
        "email",
        "field.email",
        "individual organization",
        "contacts.email",
    ),
    (
        "address",
        "field.address",
        "individual organization",
        "contacts.address",
    ),
];

pub(crate) fn form_page(
    t: Tr,
    sess: &Session,
    defs: &[FieldDefinition],
    form: CreateForm,
    errors: &HashMap<String, String>,
    general_error: Option<String>,
    duplicate: Option<Duplicate>,
) -> Response {
    let customs = custom_inputs(
        defs,
        None,
        |d| {
            form.rest
                .get(&format!("custom.{}", d.key))
                .cloned()
                .unwrap_or_default()
        },
        errors,
    );
    let fields = FORM_FIELDS
        .iter()
        .map(|(name, label, kinds, _)| {
            FieldView::new(
                name,
                label,
                kinds,
                form.rest.get(*name).cloned().unwrap_or_else(|| {
                    if *name == "id_type" {
                        "resident_id".into()
                    } else {
                        String::new()
                    }
                }),
                errors.get(*name).cloned(),
            )
        })
        .collect();
    let has_errors = !errors.is_empty() || general_error.is_some() || duplicate.is_some();
    let mut r = page(FormPage {
        title: t.get("nav.new").to_owned(),
        c: chrome(t, Some(sess), "/customers/new"),
        kinds: CustomerKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k), k.as_str() == form.kind))
            .collect(),
        doc_types: vec![
            ("resident_id", "doc.resident_id"),
            ("passport", "doc.passport"),
            ("hk_id", "doc.hk_id"),
            ("tw_id", "doc.tw_id"),
        ],
        form,
        fields,
        customs,
        errors: errors.values().cloned().collect(),
        general_error,
        duplicate,
    });
    if has_errors {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub(crate) async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let defs = uc::field_definitions(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let form = CreateForm {
        kind: "individual".into(),
        branch_code: sess.actor.branch_code().unwrap_or_default().to_owned(),
        ..Default::default()
    };
    Ok(form_page(
        t,
        &sess,
        &defs,
        form,
        &HashMap::new(),
        None,
        None,
    ))
}

/// The create request the form describes (the same JSON the API takes, so the same rules apply).
pub(crate) fn form_to_input(f: &CreateForm, defs: &[FieldDefinition]) -> serde_json::Value {
    let get = |k: &str| {
        f.rest
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut contacts = Vec::new();
    for k in ["mobile", "email", "address"] {
        if let Some(v) = get(k) {
            contacts.push(serde_json::json!({"kind": k, "value": v}));
        }
    }
    let mut body = serde_json::json!({"kind": f.kind, "branch_code": f.branch_code.trim(), "contacts": contacts});
    let custom: serde_json::Map<String, serde_json::Value> = defs
        .iter()
        .filter(|d| d.kind.as_str() == f.kind)
        .filter_map(|d| {
            Some((
                d.key.clone(),
                custom_json(d, &get(&format!("custom.{}", d.key))?),
            ))
        })
        .collect();
    if !custom.is_empty() {
        body["custom"] = serde_json::Value::Object(custom);
    }
    if f.kind == "individual" {
        let mut p = serde_json::Map::new();
        for k in ["name_zh", "name_latin", "birth_date", "occupation"] {
            if let Some(v) = get(k) {
                let v = if k == "birth_date" { iso_date(&v) } else { v };
                p.insert(k.into(), v.into());
            }
        }
        p.insert(
            "id_type".into(),
            get("id_type")
                .unwrap_or_else(|| "resident_id".into())
                .into(),
        );
        p.insert(
            "id_number".into(),
            get("id_number").unwrap_or_default().into(),
        );
        body["individual"] = serde_json::Value::Object(p);
    } else {
        let mut o = serde_json::Map::new();
        o.insert(
            "registered_name".into(),
            get("registered_name").unwrap_or_default().into(),
        );
        o.insert(
            "credit_code".into(),
            get("credit_code").unwrap_or_default().into(),
        );
        if let Some(v) = get("industry") {
            o.insert("industry".into(), v.into());
        }
        if let Some(v) = get("employees") {
            o.insert(
                "employees".into(),
                v.parse::<u64>()
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::String(v)),
            );
        }
        body["organization"] = serde_json::Value::Object(o);
    }
    body
}

/// Maps an API field path (`contacts[0].value`, `individual.id_number`) to the form input it came from.
pub(crate) fn input_for(path: &str, f: &CreateForm) -> &'static str {
    if let Some(rest) = path.strip_prefix("contacts[") {
        let idx: usize = rest
            .split(']')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let present: Vec<&str> = ["mobile", "email", "address"]
            .into_iter()
            .filter(|k| f.rest.get(*k).is_some_and(|v| !v.trim().is_empty()))
            .collect();
        return match present.get(idx) {
            Some(&"mobile") => "mobile",
            Some(&"email") => "email",
            _ => "address",
        };
    }
    FORM_FIELDS
        .iter()
        .find(|(_, _, _, p)| *p == path)
        .map(|(n, ..)| *n)
        .unwrap_or(match path {
            "branch_code" | "rm_id" => "branch_code",
            _ => "",
        })
}

pub(crate) async fn create(
    State(s): State<AppState>,
    SignedForm {
        sess,
        t,
        f: mut fields,
    }: SignedForm,
) -> Result<Response, PageError> {
    let f = CreateForm {
        kind: fields.remove("kind").unwrap_or_default(),
        branch_code: fields.remove("branch_code").unwrap_or_default(),
        rest: fields,
    };
    let defs = uc::field_definitions(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let input = match banyan_app::json::from_value(form_to_input(&f, &defs)) {
        Ok(i) => i,
        Err(AppError::Validation(errs)) => {
            return Ok(with_field_errors(t, &sess, &defs, f, errs));
        }
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    match uc::create(&s.app, &sess.actor, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/customers/{}?msg=created", v.id)).into_response()),
        Err(AppError::Validation(errs)) => Ok(with_field_errors(t, &sess, &defs, f, errs)),
        Err(AppError::Conflict { detail, .. }) => {
            let dup = Duplicate::from_detail(t, &detail);
            // The clashing input is marked too: the ID number, or the mobile.
            let input = if detail["code"] == "duplicate_mobile" {
                "mobile"
            } else {
                "id_number"
            };
            let said = match &dup.link {
                Some((_, no)) => format!("{}{no}", dup.text),
                None => dup.text.clone(),
            };
            let errors = HashMap::from([(input.to_owned(), said)]);
            Ok(form_page(t, &sess, &defs, f, &errors, None, Some(dup)))
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) fn with_field_errors(
    t: Tr,
    sess: &Session,
    defs: &[FieldDefinition],
    f: CreateForm,
    errs: banyan_domain::FieldErrors,
) -> Response {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut general = Vec::new();
    for e in errs.0 {
        let msg = t.rule(&e.rule, &e.message).into_owned();
        if e.field.starts_with("custom.") {
            map.entry(e.field).or_insert(msg);
            continue;
        }
        match input_for(&e.field, &f) {
            "" => general.push(format!("{}: {msg}", e.field)),
            name => {
                map.entry(name.to_owned()).or_insert(msg);
            }
        }
    }
    let general = (!general.is_empty()).then(|| general.join("; "));
    form_page(t, sess, defs, f, &map, general, None)
}

#[derive(Template)]
#[template(path = "customer_edit.html")]
pub(crate) struct EditPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) customer_no: String,
    pub(crate) version: i64,
    pub(crate) fields: Vec<FieldView>,
    pub(crate) customs: Vec<CustomInput>,
    /// Relationship managers to reassign to: (id, name, selected); empty when not offered.
    pub(crate) rms: Vec<(String, String, bool)>,
    pub(crate) rm_error: Option<String>,
    pub(crate) conflict: Vec<String>,
    pub(crate) general_error: Option<String>,
    /// The stored value of every field as the form was drawn (`orig.<name>`): what the user changed is
    /// what differs from these, which a conflict needs to tell the user's changes from the other's.
    pub(crate) origs: Vec<(String, String)>,
}

/// Editable profile fields per kind: (input name, label key, path in the API's field errors).
pub(crate) fn edit_fields(
    kind: CustomerKind,
) -> &'static [(&'static str, &'static str, &'static str)] {
    match kind {
        CustomerKind::Individual => &[
            ("name_zh", "field.name_zh", "individual.name_zh"),
            ("name_latin", "field.name_latin", "individual.name_latin"),
            ("occupation", "field.occupation", "individual.occupation"),
            ("employer", "field.employer", "individual.employer"),
            ("nationality", "field.nationality", "individual.nationality"),
        ],
        _ => &[
            (
                "registered_name",
                "field.registered_name",
                "organization.registered_name",
            ),
            (
                "legal_representative",
                "field.legal_representative",
                "organization.legal_representative",
            ),
            ("industry", "field.industry", "organization.industry"),
            ("employees", "field.employees", "organization.employees"),
        ],
    }
}

pub(crate) fn profile_text(v: &CustomerView, key: &str) -> String {
    match v.profile.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// What an edit page shows besides the record: the user's input, errors, or someone else's change.
#[derive(Debug, Default)]
pub(crate) struct EditOutcome<'a> {
    pub(crate) values: Option<&'a HashMap<String, String>>,
    pub(crate) errors: HashMap<String, String>,
    pub(crate) conflict: Vec<String>,
    pub(crate) general_error: Option<String>,
    /// After a conflict: the user's values of fields the other person changed too, by input name.
    pub(crate) mine: HashMap<String, String>,
}

pub(crate) async fn edit_page(
    s: &AppState,
    t: Tr,
    sess: &Session,
    v: &CustomerView,
    o: EditOutcome<'_>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let rm_list = banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map_err(err)?;
    let value = |name: &str, stored: String| {
        o.values
            .and_then(|m| m.get(name).cloned())
            .unwrap_or(stored)
    };
    let mut origs = Vec::new();
    // After a conflict, a value of the user's that is kept in the field (not the stored one).
    let kept = |name: &str, stored: &str| {
        !o.conflict.is_empty()
            && o.values
                .and_then(|m| m.get(name))
                .is_some_and(|v| v != stored)
    };
    let fields = edit_fields(v.kind)
        .iter()
        .map(|(name, label, _)| {
            let stored = profile_text(v, name);
            let mut f = FieldView::new(
                name,
                label,
                "",
                value(name, stored.clone()),
                o.errors.get(*name).cloned(),
            );
            f.mine = o.mine.get(*name).cloned();
            f.kept = kept(name, &stored);
            origs.push(((*name).to_owned(), stored));
            f
        })
        .collect();
    let mut customs = custom_inputs(
        &defs,
        Some(v.kind),
        |d| value(&format!("custom.{}", d.key), custom_text(&v.custom, &d.key)),
        &o.errors,
    );
    for ci in &mut customs {
        let key = ci.name.trim_start_matches("custom.");
        let stored = custom_text(&v.custom, key);
        ci.mine = o.mine.get(&ci.name).cloned();
        ci.kept = kept(&ci.name, &stored);
        origs.push((ci.name.clone(), stored));
    }
    let stored_rm = v.rm_id.map(|r| r.to_string()).unwrap_or_default();
    origs.push(("rm_id".to_owned(), stored_rm.clone()));
    let current_rm = value("rm_id", stored_rm);
    let status = if !o.conflict.is_empty() {
        StatusCode::CONFLICT
    } else if !o.errors.is_empty() || o.general_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = page(EditPage {
        title: t.get("action.edit").to_owned(),
        c: chrome(t, Some(sess), &format!("/customers/{}/edit", v.id)),
        id: v.id,
        name: v.display_name.clone(),
        customer_no: v.customer_no.clone(),
        version: v.version,
        fields,
        customs,
        // Reassigning is offered to those who see more than their own customers.
        rms: if sess.actor.role().scope() == banyan_domain::access::ScopeKind::Own {
            Vec::new()
        } else {
            rm_list
                .into_iter()
                .map(|r| {
                    let id = r.id.to_string();
                    let sel = id == current_rm;
                    (id, format!("{} ({})", r.display_name, r.username), sel)
                })
                .collect()
        },
        rm_error: o.errors.get("rm_id").cloned(),
        conflict: o.conflict,
        general_error: o.general_error,
        origs,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub(crate) async fn edit_post(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    edit(&s, sess, t, id, f).await
}

pub(crate) async fn edit_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let v = uc::get(&s.app, &sess.actor, id, false)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    edit_page(&s, t, &sess, &v, EditOutcome::default()).await
}

/// Saves an edit as a merge patch of what changed, at the version the form was read at. If someone else
/// saved first, the form comes back with the latest values and a list of their changes, and nothing is
/// overwritten.
pub(crate) async fn edit(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    f: HashMap<String, String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let current = uc::get(&s.app, &sess.actor, id, false).await.map_err(err)?;
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let section = if current.kind == CustomerKind::Individual {
        "individual"
    } else {
        "organization"
    };
    let mut part = serde_json::Map::new();
    for (name, _, _) in edit_fields(current.kind) {
        let Some(mut new) = f.get(*name).map(|v| v.trim().to_owned()) else {
            continue;
        };
        if *name == "birth_date" {
            new = iso_date(&new);
        }
        if new == profile_text(&current, name) {
            continue;
        }
        let value = if new.is_empty() {
            serde_json::Value::Null
        } else if *name == "employees" {
            new.parse::<u64>()
                .map(serde_json::Value::from)
                .unwrap_or(serde_json::Value::String(new))
        } else {
            serde_json::Value::String(new)
        };
        part.insert((*name).to_owned(), value);
    }
    let mut patch = serde_json::json!({ section: part });
    let mut custom = serde_json::Map::new();
    for d in defs.iter().filter(|d| d.kind == current.kind) {
        let Some(new) = f.get(&format!("custom.{}", d.key)).map(|v| v.trim()) else {
            continue;
        };
        if new != custom_text(&current.custom, &d.key) {
            let value = if new.is_empty() {
                serde_json::Value::Null
            } else {
                custom_json(d, new)
            };
            custom.insert(d.key.clone(), value);
        }
    }
    if !custom.is_empty() {
        patch["custom"] = serde_json::Value::Object(custom);
    }
    if let Some(rm) = f.get("rm_id").map(|v| v.trim())
        && rm != current.rm_id.map(|r| r.to_string()).unwrap_or_default()
    {
        patch["rm_id"] = if rm.is_empty() {
            serde_json::Value::Null
        } else {
            rm.into()
        };
    }
    match uc::update(&s.app, &sess.actor, id, patch, form_version(&f)).await {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}?msg=saved")).into_response()),
        Err(AppError::VersionConflict { since, .. }) => {
            let changes = changes_since(&since).map_err(err)?;
            let conflict: Vec<String> = changes
                .iter()
                .map(|(field, old, new)| {
                    crate::ui::labels::change_line(
                        t,
                        field,
                        &crate::ui::labels::field_value(t, field, old),
                        &crate::ui::labels::field_value(t, field, new),
                    )
                })
                .collect();
            // Nothing is overwritten and nothing typed is lost: a field only the user changed keeps the
            // user's value; a field both changed shows the other person's value with the user's beside it.
            let theirs = conflicting_inputs(current.kind, &changes);
            let (values, mine) = own_changes(&f, &theirs);
            let o = EditOutcome {
                values: Some(&values),
                conflict,
                mine,
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(AppError::Validation(errs)) => {
            let mut errors = HashMap::new();
            let mut general = Vec::new();
            for e in errs.0 {
                let msg = t.rule(&e.rule, &e.message).into_owned();
                let input = edit_fields(current.kind)
                    .iter()
                    .find(|(_, _, p)| *p == e.field)
                    .map(|(name, _, _)| (*name).to_owned())
                    .or_else(|| {
                        (e.field.starts_with("custom.") || e.field == "rm_id")
                            .then(|| e.field.clone())
                    });
                match input {
                    Some(name) => {
                        errors.entry(name).or_insert(msg);
                    }
                    None => general.push(format!("{}: {msg}", e.field)),
                }
            }
            let o = EditOutcome {
                values: Some(&f),
                errors,
                general_error: (!general.is_empty()).then(|| general.join("; ")),
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let o = EditOutcome {
                values: Some(&f),
                general_error: crate::ui::labels::refusal_text(t, &e),
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The changes a version conflict reports (the versions saved since the form was read): (field, old, new).
/// The app writes them; one that does not read so is an error, not an empty list.
fn changes_since(
    since: &serde_json::Value,
) -> Result<Vec<(String, serde_json::Value, serde_json::Value)>, AppError> {
    let bad = || AppError::internal("a version conflict whose changes do not read as versions");
    let mut out = Vec::new();
    for v in since.as_array().ok_or_else(bad)? {
        for c in v["changes"].as_array().ok_or_else(bad)? {
            let field = c["field"].as_str().ok_or_else(bad)?;
            out.push((field.to_owned(), c["old"].clone(), c["new"].clone()));
        }
    }
    Ok(out)
}

/// The form inputs whose fields changed in the versions saved since the form was read.
fn conflicting_inputs(
    kind: CustomerKind,
    changes: &[(String, serde_json::Value, serde_json::Value)],
) -> HashSet<String> {
    changes
        .iter()
        .map(|(path, _, _)| path.as_str())
        .filter_map(|path| {
            edit_fields(kind)
                .iter()
                .find(|(_, _, p)| *p == path)
                .map(|(name, _, _)| (*name).to_owned())
                .or_else(|| {
                    (path.starts_with("custom.") || path == "rm_id").then(|| path.to_owned())
                })
        })
        .collect()
}

/// What the user changed in a form that arrived stale (its value differs from the `orig.` value the form
/// was drawn with): the changes no one else touched, kept as the field's value; and the user's values of
/// fields the other person changed too, shown beside the other's.
fn own_changes(
    f: &HashMap<String, String>,
    theirs: &HashSet<String>,
) -> (HashMap<String, String>, HashMap<String, String>) {
    let mut keep = HashMap::new();
    let mut mine = HashMap::new();
    for (name, typed) in f {
        let Some(orig) = f.get(&format!("orig.{name}")) else {
            continue;
        };
        if typed.trim() == orig.trim() {
            continue;
        }
        if theirs.contains(name) {
            mine.insert(name.clone(), typed.clone());
        } else {
            keep.insert(name.clone(), typed.clone());
        }
    }
    (keep, mine)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn dates_as_people_type_them_are_read() {
        for typed in [
            "1990/01/01",
            "1990.1.1",
            "19900101",
            "1990年1月1日",
            " 1990-01-01 ",
        ] {
            assert_eq!(super::iso_date(typed), "1990-01-01", "{typed}");
        }
        assert_eq!(super::iso_date("01/01/1990"), "01/01/1990");
        assert_eq!(super::iso_date("昨天"), "昨天");
    }
}
