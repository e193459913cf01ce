//! Imports (customers, or leads: [`leads`]) as jobs on the server, independent of the
//! connection that started them.
//!
//! Starting one parses the file (a file that cannot be read is refused at once), stores it encrypted in a
//! job row and answers with the job: the same file posted again by the same staff member is the same job,
//! and the Idempotency-Key is claimed in the transaction that creates it. A runner then commits the rows in
//! chunks; each chunk's transaction also advances the job from the position it expects (so a chunk is
//! counted exactly once, even if two runners meet) and stores its rejected rows (encrypted: they are
//! personal data). A runner holds a lease on the job and renews it per chunk; if its process ends, the
//! `imports.resume` job hands the job to another runner, which goes on from the last committed chunk.

pub mod leads;

use crate::App;
use crate::access::actor_for;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{Purpose, sha256_hex};
use crate::customers;
use crate::error::{AppError, Result};
use crate::io::{self, Rejected, Source};
use crate::view::BatchResult;
use banyan_domain::access::Permission;
use banyan_domain::customer::CustomerInput;
use banyan_domain::imports::{ImportStatus, ImportStep, ImportTarget};
use banyan_store::imports::{self as store, ImportJobRow, ImportRejectRow};
use banyan_store::{ConnectionTrait, now_us};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

/// Rows per chunk (one transaction each).
const CHUNK: usize = 500;
/// How long a runner's claim on a job lasts without renewal (a chunk takes far less).
const LEASE_US: i64 = 20_000_000;

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    fn as_str(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    fn read(self, bytes: &[u8]) -> Result<Source> {
        match self {
            FileFormat::Csv => io::read_csv(bytes),
            FileFormat::Xlsx => io::read_xlsx(bytes),
        }
    }
}

/// Who may start and follow an import of this kind: customers need `customer.import`, leads the right to
/// capture leads.
fn permission(target: ImportTarget) -> Permission {
    match target {
        ImportTarget::Customers => Permission::CustomerImport,
        ImportTarget::Leads => Permission::LeadWrite,
    }
}

/// An import as its starter sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportView {
    pub id: Uuid,
    /// What the rows become.
    pub target: ImportTarget,
    pub status: ImportStatus,
    pub file_name: String,
    /// Data rows in the file.
    pub rows: i64,
    /// Rows processed so far (created or rejected).
    pub done: i64,
    pub created: i64,
    pub rejected: i64,
    /// Columns that were not recognised (ignored).
    pub ignored_columns: Vec<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Why a failed import stopped (the rows done before are kept and reported).
    pub error: Option<String>,
    /// Once the import has ended: each rejected row with its reason, and the rejected rows as a CSV file
    /// (the original columns plus `reason`) to correct and import again.
    pub report: Option<ImportReport>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub rejected_rows: Vec<RejectedRow>,
    pub rejected_csv: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRow {
    /// The line in the file (the header is line 1).
    pub line: i64,
    /// Every broken rule of the row as one English line (also the `reason` column of the CSV).
    pub reason: String,
    /// Every broken rule of the row, for a reader to put in its own language.
    pub errors: Vec<RowError>,
}

/// One broken rule of a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// The field (`individual.id_number`, `contacts[0].value`), empty for the row as a whole.
    pub field: String,
    /// The rule's code (`check_digit`, `duplicate_id_number`, `encoding`, ...).
    pub rule: String,
    pub message: String,
    /// For a duplicate: the existing customer's number (when the importer may see it) or its branch.
    pub detail: Option<String>,
}

impl RowError {
    pub(crate) fn whole(rule: &str, message: impl Into<String>) -> RowError {
        RowError {
            field: String::new(),
            rule: rule.to_owned(),
            message: message.into(),
            detail: None,
        }
    }

    /// The rules an error broke (a refusal such as a duplicate: its code, field and holder).
    pub(crate) fn of(e: &AppError) -> Vec<RowError> {
        match e {
            AppError::Validation(f) => {
                f.0.iter()
                    .map(|x| RowError {
                        field: x.field.clone(),
                        rule: x.rule.clone(),
                        message: x.message.clone(),
                        detail: None,
                    })
                    .collect()
            }
            AppError::Conflict { detail, .. } if detail.get("code").is_some() => {
                RowError::of_item(detail)
            }
            AppError::Forbidden { code, message } => vec![RowError::whole(code, message.clone())],
            other => vec![RowError::whole("invalid", other.to_string())],
        }
    }

    /// The rules a batch item's refusal names (`{"code": "validation", "errors": [...]}` or a conflict).
    fn of_item(err: &serde_json::Value) -> Vec<RowError> {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        match err.get("errors").and_then(|e| e.as_array()) {
            Some(es) => es
                .iter()
                .map(|e| RowError {
                    field: text(&e["field"]).unwrap_or_default(),
                    rule: text(&e["rule"]).unwrap_or_default(),
                    message: text(&e["message"]).unwrap_or_default(),
                    detail: None,
                })
                .collect(),
            None => vec![RowError {
                field: text(&err["field"]).unwrap_or_default(),
                rule: text(&err["code"]).unwrap_or_else(|| "rejected".to_owned()),
                message: text(&err["message"]).unwrap_or_default(),
                detail: text(&err["customer_no"])
                    .or_else(|| text(&err["lead_no"]))
                    .or_else(|| text(&err["branch_code"])),
            }],
        }
    }
}

/// What starting an import gives: the job, and whether this call created it (else the same file was
/// already being imported, or was imported, by the same staff member).
#[derive(Debug)]
pub struct Started {
    pub job: ImportView,
    pub new: bool,
}

fn instant(us: i64, what: &str, id: Uuid) -> Result<String> {
    crate::json::stored_instant(us, format_args!("import_jobs.{what} of job {id}"))
}

fn view_of(j: &ImportJobRow) -> Result<ImportView> {
    Ok(ImportView {
        id: j.id,
        target: j.target,
        status: j.status,
        file_name: j.file_name.clone(),
        rows: j.rows,
        done: j.done_rows,
        created: j.created,
        rejected: j.rejected,
        ignored_columns: crate::json::stored(
            &j.ignored_columns,
            format_args!("import_jobs.ignored_columns of job {}", j.id),
        )?,
        started_at: instant(j.created_at_us, "created_at_us", j.id)?,
        finished_at: j
            .finished_at_us
            .map(|us| instant(us, "finished_at_us", j.id))
            .transpose()?,
        error: j.error.clone(),
        report: None,
    })
}

/// Starts an import of `bytes` (or finds the one already started for the same file) for the caller to
/// run: the web layer hands it to [`spawn`], the CLI runs it in the foreground with [`run`].
pub async fn start(
    app: &App,
    actor: &Actor,
    target: ImportTarget,
    file_name: &str,
    bytes: &[u8],
    format: FileFormat,
) -> Result<Started> {
    let grant = actor.require(permission(target))?;
    let src = format.read(bytes)?;
    let file_hash = sha256_hex(bytes);
    let tx = app.db.begin_write().await?;
    if let Some(j) = store::find_by_file(&*tx, actor.id.uuid(), target, &file_hash).await? {
        let job = view_of(&j)?;
        crate::idempotency::commit(tx, actor, 202, &job).await?;
        return Ok(Started { job, new: false });
    }
    let now = now_us();
    let words = app.import_words(target);
    let ignored: Vec<&String> = src
        .headers
        .iter()
        .filter(|h| words.column(h).is_none())
        .collect();
    let row = ImportJobRow {
        id: Uuid::now_v7(),
        actor_id: actor.id.uuid(),
        actor: actor.username.clone(),
        file_name: file_name.chars().take(200).collect(),
        file_hash,
        format: format.as_str().to_owned(),
        headers: json!(src.headers).to_string(),
        status: ImportStatus::Running,
        rows: src.rows.len() as i64,
        done_rows: 0,
        created: 0,
        rejected: 0,
        ignored_columns: json!(ignored).to_string(),
        error: None,
        // Unclaimed until a runner takes it (`spawn` or `run`, at once).
        node: String::new(),
        lease_until_us: 0,
        created_at_us: now,
        finished_at_us: None,
        target,
    };
    store::insert_job(&*tx, &row).await?;
    store::insert_file(
        &*tx,
        &store::ImportFileRow {
            job_id: row.id,
            data: app.keys().encrypt_bytes(Purpose::Import, bytes)?,
        },
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: match target {
                ImportTarget::Customers => "customer.import",
                ImportTarget::Leads => "lead.import",
            },
            entity: "import_job",
            entity_id: Some(row.id.to_string()),
            customer_id: None,
            detail: json!({"rows": row.rows, "format": row.format}),
        }],
    )
    .await?;
    let job = view_of(&row)?;
    crate::idempotency::commit(tx, actor, 202, &job).await?;
    Ok(Started { job, new: true })
}

/// Runs the job in the background of the server (its answer is the job, not the rows).
pub fn spawn(app: Arc<App>, id: Uuid, actor: Actor) {
    tokio::spawn(async move {
        if let Err(e) = run(&app, id, &actor, |_, _| {}).await {
            tracing::error!(error = %e.chain(), job = %id, "import job stopped");
        }
    });
}

/// Runs the job from where it stands to its end, calling `progress(done, rows)` after each chunk. Returns
/// quietly when another runner holds it. An error that stops it marks it failed, with the rows done kept.
pub async fn run(
    app: &App,
    id: Uuid,
    actor: &Actor,
    mut progress: impl FnMut(i64, i64),
) -> Result<()> {
    match run_chunks(app, id, actor, &mut progress).await {
        Ok(()) => Ok(()),
        // Another runner moved it on (this one's lease had lapsed): it finishes the job.
        Err(AppError::Conflict {
            code: "import_taken_over",
            ..
        }) => Ok(()),
        Err(e) => {
            let text = match &e {
                AppError::Internal { .. } => "internal error (see the server log)".to_owned(),
                other => other.to_string(),
            };
            end(app, id, ImportStep::Fail, Some(&text)).await?;
            Err(e)
        }
    }
}

async fn take(app: &App, id: Uuid) -> Result<bool> {
    let now = now_us();
    Ok(store::take(&app.db.conn, id, &app.node_id, now, now + LEASE_US).await?)
}

async fn run_chunks(
    app: &App,
    id: Uuid,
    actor: &Actor,
    progress: &mut impl FnMut(i64, i64),
) -> Result<()> {
    let job = store::find_job(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if job.status.apply(ImportStep::Chunk).is_none() || !take(app, id).await? {
        return Ok(());
    }
    let enc = store::file_of(&app.db.conn, id).await?.ok_or_else(|| {
        AppError::internal(format!("import job {id} is running without its file"))
    })?;
    let format = match job.format.as_str() {
        "xlsx" => FileFormat::Xlsx,
        "csv" => FileFormat::Csv,
        other => {
            return Err(AppError::internal(format!(
                "import job {id} has the unknown format `{other}`"
            )));
        }
    };
    let src = format.read(&app.keys().decrypt_bytes(Purpose::Import, &enc)?)?;
    let words = app.import_words(job.target);
    let cols: Vec<Option<&'static str>> = src.headers.iter().map(|h| words.column(h)).collect();
    let reader = match job.target {
        ImportTarget::Customers => {
            // A row may name its relationship manager by username (`rm1`) as well as by id.
            let staff: HashMap<String, String> = banyan_store::access::list_staff(&app.db.conn)
                .await?
                .into_iter()
                .map(|s| (s.username.to_lowercase(), s.id.to_string()))
                .collect();
            Reader::Customers(staff)
        }
        ImportTarget::Leads => Reader::Leads(leads::Lookups::load(&app.db.conn).await?),
    };
    let total = src.rows.len() as i64;
    let mut done = job.done_rows;
    let start = usize::try_from(done).map_err(|e| AppError::internal_from("done_rows", e))?;
    let rest = src.rows.get(start..).ok_or_else(|| {
        AppError::internal(format!(
            "import job {id} counts {done} rows done of a file of {total}"
        ))
    })?;
    for rows in rest.chunks(CHUNK) {
        if !take(app, id).await? {
            return Ok(());
        }
        let at = Position {
            job: id,
            from: done,
            to: done + rows.len() as i64,
        };
        match &reader {
            Reader::Customers(staff) => {
                let cells = RowWords {
                    words: &words,
                    staff,
                };
                let chunk = Chunk::of(at, &cols, &cells, rows);
                if chunk.inputs.is_empty() {
                    let tx = app.db.begin_write().await?;
                    chunk.record(app, &*tx, None).await?;
                    tx.commit().await?;
                } else {
                    customers::create_batch_with(app, actor, chunk.inputs.clone(), Some(&chunk))
                        .await?;
                }
            }
            Reader::Leads(names) => {
                leads::chunk(app, actor, at, &cols, &words, names, rows).await?
            }
        }
        done = at.to;
        progress(done, total);
    }
    end(app, id, ImportStep::Finish, None).await
}

/// How a job's rows are read: a customer file names managers by username (username -> id), a lead file
/// also partners and campaigns by name.
enum Reader {
    Customers(HashMap<String, String>),
    Leads(leads::Lookups),
}

/// Where a chunk stands in its job: the position it moves the job from and to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position {
    pub(crate) job: Uuid,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

/// Records a chunk in the transaction that wrote its rows: the job advances from the position the chunk
/// expects (else another runner did it, and the transaction must roll back), and its rejected rows are
/// stored (encrypted: they are personal data).
pub(crate) async fn record_chunk<C: ConnectionTrait>(
    app: &App,
    c: &C,
    at: Position,
    created: i64,
    rejected: &[(Rejected, Vec<RowError>)],
) -> Result<()> {
    if !store::advance(c, at.job, at.from, at.to, created, rejected.len() as i64).await? {
        return Err(AppError::conflict(
            "import_taken_over",
            "another runner committed this part of the import",
            json!({}),
        ));
    }
    let keys = app.keys();
    let rows = rejected
        .iter()
        .map(|(r, errors)| {
            Ok(ImportRejectRow {
                id: Uuid::now_v7(),
                job_id: at.job,
                line: r.line as i64,
                reason: r.reason.clone(),
                errors: json!(errors).to_string(),
                cells: keys.encrypt(Purpose::Import, &json!(r.cells).to_string())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    store::insert_rejects(c, &rows).await?;
    Ok(())
}

async fn end(app: &App, id: Uuid, step: ImportStep, error: Option<&str>) -> Result<()> {
    let Some(status) = ImportStatus::Running.apply(step) else {
        return Ok(());
    };
    let tx = app.db.begin_write().await?;
    store::end(&*tx, id, status, error, now_us()).await?;
    tx.commit().await?;
    Ok(())
}

/// One chunk of an import: its rows turned into create requests, the rows refused before that, and the
/// job position it moves from and to.
pub(crate) struct Chunk {
    at: Position,
    inputs: Vec<CustomerInput>,
    /// Line and cells of each input, by its index.
    lines: Vec<(usize, Vec<String>)>,
    refused: Vec<(Rejected, Vec<RowError>)>,
}

/// How a file's cells become the API's values: labels to codes, a manager's username to their id.
pub(crate) struct RowWords<'a> {
    words: &'a io::ImportWords,
    /// Username (lower case) -> staff id.
    staff: &'a HashMap<String, String>,
}

impl RowWords<'_> {
    fn cell(&self, column: &'static str, v: &str) -> String {
        match column {
            "birth_date" | "id_expiry" => banyan_domain::calendar::iso_date(v),
            "rm_id" if Uuid::parse_str(v.trim()).is_err() => self
                .staff
                .get(&v.trim().to_lowercase())
                .cloned()
                .unwrap_or_else(|| v.to_owned()),
            _ => self.words.value(column, v),
        }
    }
}

/// A row's cells, or the row refused because its bytes do not read as text.
pub(crate) fn cells_of(
    row: &io::SourceRow,
) -> std::result::Result<&Vec<String>, (Rejected, Vec<RowError>)> {
    row.cells.as_ref().map_err(|e| {
        (
            Rejected {
                line: row.line,
                reason: e.clone(),
                cells: Vec::new(),
            },
            vec![RowError::whole("encoding", e.clone())],
        )
    })
}

impl Chunk {
    fn of(
        at: Position,
        cols: &[Option<&'static str>],
        words: &RowWords<'_>,
        rows: &[io::SourceRow],
    ) -> Chunk {
        let mut c = Chunk {
            at,
            inputs: Vec::new(),
            lines: Vec::new(),
            refused: Vec::new(),
        };
        for row in rows {
            let cells = match cells_of(row) {
                Err(refused) => {
                    c.refused.push(refused);
                    continue;
                }
                Ok(cells) => cells,
            };
            let map = cols
                .iter()
                .zip(cells)
                .filter_map(|(c, v)| c.map(|name| (name, words.cell(name, v))))
                .collect();
            match io::row_to_input(&map) {
                Ok(input) => {
                    c.inputs.push(input);
                    c.lines.push((row.line, cells.clone()));
                }
                Err(e) => c.refused.push((
                    Rejected {
                        line: row.line,
                        reason: io::reason_of(&e),
                        cells: cells.clone(),
                    },
                    RowError::of(&e),
                )),
            }
        }
        c
    }

    /// Records the chunk in the transaction that created its customers ([`record_chunk`]).
    pub(crate) async fn record<C: ConnectionTrait>(
        &self,
        app: &App,
        c: &C,
        result: Option<&BatchResult>,
    ) -> Result<()> {
        let mut rejected = self.refused.clone();
        for item in result.map(|r| r.items.as_slice()).unwrap_or_default() {
            if let (Some(err), Some((line, cells))) = (&item.error, self.lines.get(item.index)) {
                rejected.push((
                    Rejected {
                        line: *line,
                        reason: io::item_reason(err),
                        cells: cells.clone(),
                    },
                    RowError::of_item(err),
                ));
            }
        }
        let created = result.map_or(0, |r| r.created as i64);
        record_chunk(app, c, self.at, created, &rejected).await
    }
}

impl customers::WithBatch for Chunk {
    async fn record(
        &self,
        app: &App,
        tx: &banyan_store::DatabaseTransaction,
        result: &BatchResult,
    ) -> Result<()> {
        Chunk::record(self, app, tx, Some(result)).await
    }
}

/// How the rejected rows' cells are shown: personal data (ID numbers, mobiles, e-mails, addresses, credit
/// codes) masked like any export, unless `reveal`.
fn masking<'a>(
    app: &App,
    target: ImportTarget,
    headers: &[String],
    reveal: bool,
) -> impl Fn(Vec<String>) -> Vec<String> + 'a {
    let words = app.import_words(target);
    let sensitive: &[&str] = match target {
        ImportTarget::Customers => &io::SENSITIVE_COLUMNS,
        ImportTarget::Leads => &leads::SENSITIVE_COLUMNS,
    };
    let hide: Vec<bool> = headers
        .iter()
        .map(|h| words.column(h).is_some_and(|c| sensitive.contains(&c)))
        .collect();
    move |cells: Vec<String>| {
        cells
            .into_iter()
            .enumerate()
            .map(|(i, v)| match hide.get(i) {
                Some(true) if !reveal && !v.trim().is_empty() => banyan_domain::mask::loose(&v),
                _ => v,
            })
            .collect()
    }
}

/// An ended import's rejected rows as a CSV file for a reader: the line, the file's own columns, and every
/// broken rule of the row in `reasons`' words; the `line` and `reason` headings and the byte-order mark
/// from `words`. Only its starter gets it (anyone else: not found); a running import has none yet.
pub async fn rejected_file(
    app: &App,
    actor: &Actor,
    id: Uuid,
    words: &dyn crate::tabular::Words,
    reasons: &(dyn Fn(&[RowError]) -> String + Sync),
) -> Result<Vec<u8>> {
    let j = match store::find_job(&app.db.conn, id).await? {
        Some(j) if j.actor_id == actor.id.uuid() && j.status != ImportStatus::Running => j,
        _ => return Err(AppError::NotFound),
    };
    actor.require(permission(j.target))?;
    let headers: Vec<String> =
        crate::json::stored(&j.headers, format_args!("import_jobs.headers of job {id}"))?;
    // Someone who may reveal customers' data gets the file as it was (to correct and import again), and
    // that is audited as a reveal; anyone else gets it masked.
    let reveal = match actor.require(Permission::CustomerReveal) {
        Ok(grant) => {
            let tx = app.db.begin_write().await?;
            audit::record(
                app,
                &*tx,
                &grant,
                vec![Entry {
                    action: "import.reveal",
                    entity: "import_job",
                    entity_id: Some(id.to_string()),
                    customer_id: None,
                    detail: json!({"rows": j.rejected}),
                }],
            )
            .await?;
            tx.commit().await?;
            true
        }
        Err(_) => false,
    };
    let masked = masking(app, j.target, &headers, reveal);
    // The file's own headings stay as they were, so the corrected file imports again.
    let mut heading = vec![words.heading("line")];
    heading.extend(headers.iter().cloned());
    heading.push(words.heading("reason"));
    let rows = rejected_rows(app, &j)
        .await?
        .into_iter()
        .map(|(r, errors)| {
            let mut rec = vec![r.line.to_string()];
            rec.extend(masked(r.cells));
            rec.resize(headers.len() + 1, String::new());
            rec.push(reasons(&errors));
            rec
        });
    let body = crate::tabular::write_csv(&heading, rows)?;
    Ok(crate::tabular::with_bom(words, body))
}

/// The import as its starter sees it (anyone else: not found), with the report once it has ended.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<ImportView> {
    let j = match store::find_job(&app.db.conn, id).await? {
        Some(j) if j.actor_id == actor.id.uuid() => j,
        _ => return Err(AppError::NotFound),
    };
    actor.require(permission(j.target))?;
    let mut view = view_of(&j)?;
    if j.status != ImportStatus::Running {
        let rejected = rejected_rows(app, &j).await?;
        let headers: Vec<String> =
            crate::json::stored(&j.headers, format_args!("import_jobs.headers of job {id}"))?;
        let masked = masking(app, j.target, &headers, false);
        let rows: Vec<Rejected> = rejected
            .iter()
            .map(|(r, _)| Rejected {
                cells: masked(r.cells.clone()),
                ..r.clone()
            })
            .collect();
        let csv = io::rejected_csv(&headers, &rows)?;
        view.report = Some(ImportReport {
            rejected_rows: rejected
                .into_iter()
                .map(|(r, errors)| RejectedRow {
                    line: r.line as i64,
                    reason: r.reason,
                    errors,
                })
                .collect(),
            rejected_csv: String::from_utf8(csv)
                .map_err(|e| AppError::internal_from("the rejected rows as UTF-8", e))?,
        });
    }
    Ok(view)
}

/// A page of the caller's imports, newest first (without reports: open one for its report).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportPage {
    pub items: Vec<ImportView>,
    pub next_cursor: Option<String>,
}

/// The caller's own imports of one kind, newest first.
pub async fn mine(
    app: &App,
    actor: &Actor,
    target: ImportTarget,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> Result<ImportPage> {
    actor.require(permission(target))?;
    let limit = crate::view::page_limit(limit, 20, 200)?;
    let before = match cursor {
        None => None,
        Some(c) => Some(
            c.split_once('_')
                .and_then(|(a, i)| Some((a.parse::<i64>().ok()?, i.parse::<Uuid>().ok()?)))
                .ok_or_else(|| {
                    AppError::field("cursor", "format", "is not a cursor this API returned")
                })?,
        ),
    };
    let mut rows =
        store::list_for(&app.db.conn, actor.id.uuid(), target, before, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last() {
        Some(l) if more => Some(format!("{}_{}", l.created_at_us, l.id)),
        _ => None,
    };
    Ok(ImportPage {
        items: rows.iter().map(view_of).collect::<Result<_>>()?,
        next_cursor,
    })
}

async fn rejected_rows(app: &App, j: &ImportJobRow) -> Result<Vec<(Rejected, Vec<RowError>)>> {
    let keys = app.keys();
    store::list_rejects(&app.db.conn, j.id)
        .await?
        .into_iter()
        .map(|r| {
            let cells: Vec<String> = crate::json::stored(
                &keys.decrypt(Purpose::Import, &r.cells)?,
                format_args!("import_rejects.cells of row {}", r.id),
            )?;
            let errors: Vec<RowError> = crate::json::stored(
                &r.errors,
                format_args!("import_rejects.errors of row {}", r.id),
            )?;
            let line = usize::try_from(r.line)
                .map_err(|e| AppError::internal_from("import_rejects.line", e))?;
            Ok((
                Rejected {
                    line,
                    reason: r.reason,
                    cells,
                },
                errors,
            ))
        })
        .collect()
}

/// Hands every running import whose runner stopped (its process ended) to a runner here; returns how
/// many. Run by the `imports.resume` job.
pub async fn resume_orphaned(app: &Arc<App>) -> Result<usize> {
    let ids = store::orphaned(&app.db.conn, now_us()).await?;
    for &id in &ids {
        let Some(job) = store::find_job(&app.db.conn, id).await? else {
            continue;
        };
        match actor_for(app, &job.actor).await {
            Ok(actor) => spawn(app.clone(), id, actor),
            Err(AppError::NotFound) => {
                // Imported by a process without a staff account (the CLI's system import): nobody to go
                // on as. The rows done are kept and reported; importing the file again finishes it.
                end(
                    app,
                    id,
                    ImportStep::Fail,
                    Some("the process that ran this import ended; import the file again to finish it"),
                )
                .await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ids.len())
}
