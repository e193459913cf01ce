//! Bulk import of leads (seed 002 §三: lists from branch application forms and questionnaires, partner
//! institutions, market research). A file's rows become leads through the capture's own checks, duplicate
//! check, numbering, history and audit ([`leads::prepare`], [`leads::capture_in`]), chunk by chunk as an
//! import job ([`crate::imports`]: resumable, counted once, idempotent per file) with a report of every
//! refused row and why.

use super::{Position, RowError, cells_of, record_chunk};
use crate::App;
use crate::acquisition::leads::{self, LeadInput};
use crate::actor::Actor;
use crate::error::{AppError, Result};
use crate::io::{self, ImportWords, Rejected, SourceRow};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::{LawfulBasis, LeadChannel, LeadKind};
use banyan_domain::ids::{AcqCampaignId, PartnerId, StaffId};
use banyan_store::ConnectionTrait;
use serde_json::json;
use std::collections::HashMap;

/// The columns a lead file may have (the template's order), with the aliases each is also found by.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("kind", &[]),
    ("name", &["full_name"]),
    ("gender", &[]),
    ("birth_year", &[]),
    ("mobile", &["phone"]),
    ("email", &[]),
    ("address", &[]),
    ("id_number", &["credit_code"]),
    ("industry", &[]),
    ("business_scope", &[]),
    ("employees", &[]),
    ("income", &[]),
    ("assets", &[]),
    ("liabilities", &[]),
    ("products_wanted", &[]),
    ("expected_return", &["expected_return_bp"]),
    ("channel", &[]),
    ("partner", &["partner_id"]),
    ("campaign", &["campaign_id"]),
    ("basis", &[]),
    ("consent_on", &[]),
    ("consent_ref", &[]),
    ("credit_grade", &[]),
    ("credit_source", &[]),
    ("credit_on", &[]),
    ("branch_code", &["branch"]),
    ("rm", &["rm_id"]),
    ("note", &[]),
];

/// Refuses those who may not import leads (the right to capture them); the workbench hands out the
/// template only to the others.
pub fn may_import(actor: &Actor) -> Result<()> {
    actor.require(Permission::LeadWrite).map(drop)
}

/// The column names, in the template's order.
pub fn import_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(n, _)| *n)
}

/// Columns whose values are personal data: masked in the report unless its reader may reveal.
pub(crate) const SENSITIVE_COLUMNS: [&str; 4] = ["mobile", "email", "address", "id_number"];

/// The template's example rows: a person from a branch questionnaire and a company from market
/// research, both with a lawful basis; they import as they are (the branch is the demo's).
const TEMPLATE_ROWS: [&[(&str, &str)]; 2] = [
    &[
        ("kind", "individual"),
        ("name", "王芳"),
        ("gender", "female"),
        ("birth_year", "1985"),
        ("mobile", "13900139000"),
        ("address", "杭州市上城区解放路18号"),
        ("income", "360000"),
        ("assets", "1200000"),
        ("expected_return", "3.5"),
        ("channel", "branch"),
        ("basis", "consent"),
        ("consent_on", "2026-11-20"),
        ("consent_ref", "Q-2026-118"),
        ("branch_code", "BR0001"),
    ],
    &[
        ("kind", "corporate"),
        ("name", "杭州市云帆科技有限公司"),
        ("industry", "I"),
        ("business_scope", "软件开发、信息技术咨询"),
        ("employees", "85"),
        ("income", "32000000"),
        ("liabilities", "4000000"),
        ("channel", "market_research"),
        ("basis", "public_information"),
        ("branch_code", "BR0001"),
    ],
];

/// A lead import template: every column headed in the reader's words, and two example rows.
pub fn template(format: io::Format, words: &dyn crate::tabular::Words) -> Result<Vec<u8>> {
    let columns: Vec<&str> = import_columns().collect();
    io::template_of(&columns, &TEMPLATE_ROWS, format, words)
}

/// What a lead file may name by words: partners and campaigns by name, staff by username, products by
/// name in any language (each also by its id or code).
pub(crate) struct Lookups {
    partners: HashMap<String, PartnerId>,
    campaigns: HashMap<String, AcqCampaignId>,
    staff: HashMap<String, StaffId>,
    products: HashMap<String, String>,
}

impl Lookups {
    pub(crate) async fn load<C: ConnectionTrait>(c: &C) -> Result<Lookups> {
        let key = |s: &str| s.trim().to_lowercase();
        let partners = banyan_store::acquisition::list_partners(c)
            .await?
            .into_iter()
            .map(|p| (key(&p.name), p.id))
            .collect();
        let campaigns = banyan_store::acquisition::campaigns::all(c)
            .await?
            .into_iter()
            .map(|p| (key(&p.name), p.id))
            .collect();
        let staff = banyan_store::access::list_staff(c)
            .await?
            .into_iter()
            .map(|s| (key(&s.username), s.id))
            .collect();
        let mut products = HashMap::new();
        for p in banyan_store::book::all_products(c).await? {
            for name in p.names.0.values() {
                products.insert(key(name), p.code.clone());
            }
            products.insert(key(&p.code), p.code);
        }
        Ok(Lookups {
            partners,
            campaigns,
            staff,
            products,
        })
    }
}

/// A record named by its id or by its name (case and surrounding spaces aside); unknown: a field error.
fn named<T: Copy + std::str::FromStr>(
    e: &mut FieldErrors,
    field: &str,
    v: Option<&str>,
    by_name: &HashMap<String, T>,
) -> Option<T> {
    let v = v?;
    let found = v
        .parse::<T>()
        .ok()
        .or_else(|| by_name.get(&v.to_lowercase()).copied());
    if found.is_none() {
        e.push(field, "not_found", "names no such record");
    }
    found
}

/// A cell that must be one of an enum's codes (its label in any language was made the code already).
fn code<T>(
    e: &mut FieldErrors,
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let v = v?;
    let p = parse(v);
    if p.is_none() {
        e.push(field, "one_of", "is not one of the allowed values");
    }
    p
}

/// A row's cells as the capture form: yuan as amounts, a percentage as basis points, names as ids. Every
/// cell that does not read names its column; the form's own rules are checked by the capture.
pub(crate) fn row_to_input(
    map: &HashMap<&'static str, String>,
    look: &Lookups,
) -> std::result::Result<LeadInput, FieldErrors> {
    let get = |k: &str| map.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let text = |k: &str| get(k).map(str::to_owned);
    let mut e = FieldErrors::new();
    let int = |e: &mut FieldErrors, k: &str| -> Option<i32> {
        let v = get(k)?;
        let n = v.parse().ok();
        if n.is_none() {
            e.push(k, "format", "must be a whole number");
        }
        n
    };
    let birth_year = int(&mut e, "birth_year");
    let employees = int(&mut e, "employees");
    let mut amount = |k: &str| -> Option<i64> {
        let v = get(k)?.replace([',', '，', ' '], "");
        let m = banyan_domain::money::parse_major(&v, 2).ok();
        if m.is_none() {
            e.push(k, "amount", "must be an amount in yuan");
        }
        m
    };
    let income = amount("income");
    let assets = amount("assets");
    let liabilities = amount("liabilities");
    let expected_return_bp = get("expected_return").and_then(|v| {
        let bp = banyan_domain::money::parse_major(v.trim_end_matches(['%', '％']).trim(), 2)
            .ok()
            .and_then(|bp| i32::try_from(bp).ok());
        if bp.is_none() {
            e.push("expected_return_bp", "format", "must be a percentage");
        }
        bp
    });
    let mut products_wanted = Vec::new();
    // An empty or missing cell wants nothing.
    for p in get("products_wanted")
        .into_iter()
        .flat_map(|v| v.split([',', '，', ';', '；', '、', '|']))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match look.products.get(&p.to_lowercase()) {
            Some(c) => products_wanted.push(c.clone()),
            None => e.push(
                "products_wanted",
                "not_found",
                "names a product not in the catalogue",
            ),
        }
    }
    let date = |k: &str| get(k).map(banyan_domain::calendar::iso_date);
    let input = LeadInput {
        // A file without the column lists people, as the capture form starts.
        kind: Some(
            code(&mut e, "kind", get("kind"), LeadKind::parse).unwrap_or(LeadKind::Individual),
        ),
        name: text("name"),
        gender: text("gender"),
        birth_year,
        mobile: text("mobile"),
        email: text("email"),
        address: text("address"),
        id_number: text("id_number"),
        industry: text("industry"),
        business_scope: text("business_scope"),
        employees,
        income,
        assets,
        liabilities,
        products_wanted,
        expected_return_bp,
        channel: code(&mut e, "channel", get("channel"), LeadChannel::parse),
        partner_id: named(&mut e, "partner_id", get("partner"), &look.partners),
        campaign_id: named(&mut e, "campaign_id", get("campaign"), &look.campaigns),
        basis: code(&mut e, "basis", get("basis"), LawfulBasis::parse),
        consent_on: date("consent_on"),
        consent_ref: text("consent_ref"),
        credit_grade: text("credit_grade"),
        credit_source: text("credit_source"),
        credit_on: date("credit_on"),
        branch_code: text("branch_code"),
        rm_id: named(&mut e, "rm_id", get("rm"), &look.staff),
        note: text("note"),
    };
    e.into_result().map(|()| input)
}

/// A refused row for the report: its line, its cells and every rule it broke.
fn refused(line: usize, cells: &[String], e: &AppError) -> (Rejected, Vec<RowError>) {
    (
        Rejected {
            line,
            reason: io::reason_of(e),
            cells: cells.to_vec(),
        },
        RowError::of(e),
    )
}

/// Whether an error refuses one row (a rule, a duplicate, a scope) rather than stopping the import.
fn refuses_row(e: &AppError) -> bool {
    matches!(e, AppError::Validation(_)) || e.refusal_code().is_some()
}

/// Imports one chunk of a lead file: each row read and checked as the capture form is, then every ready
/// row captured (numbered, duplicate-checked — against the file's earlier rows too — stored, audited) in
/// one transaction with the job's advance and the chunk's refused rows. Duplicates held outside the
/// importer's scope are recorded as probes after it commits, as a single capture does.
pub(crate) async fn chunk(
    app: &App,
    actor: &Actor,
    at: Position,
    cols: &[Option<&'static str>],
    words: &ImportWords,
    look: &Lookups,
    rows: &[SourceRow],
) -> Result<()> {
    let grant = actor.require(Permission::LeadWrite)?;
    let mut rejected = Vec::new();
    let mut ready = Vec::new();
    for row in rows {
        let cells = match cells_of(row) {
            Err(r) => {
                rejected.push(r);
                continue;
            }
            Ok(cells) => cells,
        };
        let map: HashMap<&'static str, String> = cols
            .iter()
            .zip(cells)
            .filter_map(|(c, v)| c.map(|name| (name, words.value(name, v))))
            .collect();
        let prepared = match row_to_input(&map, look) {
            Ok(input) => leads::prepare(app, &grant, &input).await,
            Err(e) => Err(AppError::Validation(e)),
        };
        match prepared {
            Ok(r) => ready.push((row.line, cells, r)),
            Err(e) if refuses_row(&e) => rejected.push(refused(row.line, cells, &e)),
            Err(e) => return Err(e),
        }
    }
    let tx = app.db.begin_write().await?;
    let mut created = 0;
    let (mut probes, mut probed) = (Vec::new(), Vec::new());
    for (line, cells, mut r) in ready {
        let more = json!({"import_job": at.job});
        match leads::capture_in(app, &*tx, &grant, &mut r, more).await? {
            None => created += 1,
            Some((e, p, lead)) => {
                probes.extend(p);
                probed.extend(lead);
                rejected.push(refused(line, cells, &e));
            }
        }
    }
    rejected.sort_by_key(|(r, _)| r.line);
    record_chunk(app, &*tx, at, created, &rejected).await?;
    tx.commit().await?;
    leads::record_probes(app, &grant, &probes, &probed).await
}
