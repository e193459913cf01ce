//! The compartment's documents (seed 003 §六 文件; §四 电子签名、远程视频见证): a confirmed member of the team
//! files one with what it is and how it was signed; its subject, file name and bytes are sealed under the
//! record's own key, so they go when the key does. A medical certificate names the diagnosis, so it is
//! accepted only under the separate consent covering it (and destroyed when that is withdrawn). Reading a
//! document's bytes is a read of the compartment: its basis is decided at the read, logged and audited.

use super::{audit, load, name_of, reader, record_key, shut};
use crate::App;
use crate::actor::Actor;
use crate::crypto::RecordKey;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::care::ConsentScope;
use banyan_domain::care::compartment::AccessBasis;
use banyan_domain::care::documents::{DocumentKind, Signing, SigningMethod, check_signing};
use banyan_domain::ids::{CareId, StaffId};
use banyan_store::care::compartment::{self as cstore, DocumentRow, ReadRow};
use banyan_store::now_us;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A document as the compartment lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub subject: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the file as filed (hex), so a copy can be checked against it.
    pub sha256: String,
    pub signing: SigningMethod,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<Date>,
    /// The signing platform's or the video recording's reference.
    pub reference: Option<String>,
    /// Who witnessed a video signing.
    pub witness: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// What a document is and how it was signed (the file comes beside it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    pub kind: DocumentKind,
    /// What the document is about, in a line (sealed like the file).
    pub subject: String,
    pub signing: SigningMethod,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<Date>,
    #[serde(default)]
    pub reference: Option<String>,
    /// The member of the team who witnessed a video signing.
    #[serde(default)]
    pub witness: Option<StaffId>,
}

fn view(
    key: &RecordKey,
    names: &HashMap<StaffId, String>,
    d: &DocumentRow,
) -> Result<DocumentView> {
    Ok(DocumentView {
        id: d.id,
        kind: d.kind,
        subject: key.open("document.subject", &d.subject_enc)?,
        filename: key.open("document.filename", &d.filename_enc)?,
        content_type: d.content_type.clone(),
        size_bytes: d.size_bytes,
        sha256: d.sha256.clone(),
        signing: d.signing,
        signed_on: d.signed_on,
        reference: d.reference.clone(),
        witness: super::opt_name(names, d.witness_id, "document")?,
        uploaded_by: name_of(names, d.uploaded_by, "document")?,
        uploaded_at: crate::fmt_us(d.uploaded_at_us),
    })
}

/// The record's documents, opened with its key (the compartment's view lists them).
pub(crate) async fn views<C: ConnectionTrait>(
    c: &C,
    key: &RecordKey,
    names: &HashMap<StaffId, String>,
    id: CareId,
) -> Result<Vec<DocumentView>> {
    cstore::documents_of(c, id)
        .await?
        .iter()
        .map(|d| view(key, names, d))
        .collect()
}

/// Files a document in the compartment (`care.work`, a confirmed member of the team; the record open): typed
/// and sized like every file Banyan keeps, its signing checked (a day; a reference for an electronic or video
/// signature; a witness from the team for a video one). The team is told; audited without its subject or name.
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: CareId,
    meta: DocumentMeta,
    filename: &str,
    bytes: &[u8],
) -> Result<DocumentView> {
    let grant = actor.require(Permission::CareWork)?;
    let subject = super::required_text("subject", &meta.subject, 200)?;
    let reference = super::optional_text("reference", meta.reference.as_deref(), 100)?;
    let mut errs = banyan_domain::FieldErrors::new();
    let signing = Signing {
        method: meta.signing,
        signed_on: meta.signed_on,
        reference: reference.clone(),
        witnessed: meta.witness.is_some(),
    };
    for (field, rule, msg) in check_signing(&signing, app.today()) {
        errs.push(field, rule, msg);
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let file = crate::files::check(filename, bytes)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    if reader(&*tx, actor, &r, &cust, &team).await?.basis != Some(AccessBasis::Team) {
        return Err(shut());
    }
    if !r.status.is_open() {
        return Err(AppError::conflict(
            "invalid_state",
            "documents are filed while the record is open",
            json!({"current_status": r.status.as_str()}),
        ));
    }
    if meta.kind == DocumentKind::MedicalCertificate
        && !r.consent_scopes.contains(&ConsentScope::Diagnosis)
    {
        return Err(AppError::field(
            "kind",
            "consent",
            "a medical certificate is kept only under the customer's separate consent to the diagnosis",
        ));
    }
    if let Some(w) = meta.witness
        && !team.iter().any(|m| m.staff_id == w)
    {
        return Err(AppError::field(
            "witness",
            "not_on_team",
            "must be a member of the team",
        ));
    }
    let key = record_key(app, &r)?
        .ok_or_else(|| AppError::internal(format!("care record {id}: document without a key")))?;
    let d = DocumentRow {
        id: Uuid::now_v7(),
        record_id: id,
        kind: meta.kind,
        signing: meta.signing,
        signed_on: meta.signed_on,
        reference,
        witness_id: meta.witness,
        subject_enc: key.seal("document.subject", &subject)?,
        filename_enc: key.seal("document.filename", &file.name)?,
        content_type: file.content_type,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: crate::crypto::sha256_hex(bytes),
        uploaded_by: actor.id(),
        uploaded_at_us: now_us(),
    };
    cstore::insert_document(&*tx, &d, key.seal_bytes("document", bytes)?).await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.document",
        json!({
            "kind": d.kind.as_str(),
            "signing": d.signing.as_str(),
            "type": file.ext,
            "size": d.size_bytes,
            "sha256": d.sha256,
        }),
    )
    .await?;
    let notices: Vec<_> = team
        .iter()
        .filter(|m| m.staff_id != actor.id())
        .map(|m| super::notice(m.staff_id, "care.document", &cust, d.uploaded_at_us))
        .collect();
    banyan_store::cases::insert_notices(&*tx, &notices).await?;
    let v = view(&key, &super::names(app).await?, &d)?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// A document's bytes for a reader with a need to know (any basis the compartment grants; else 403
/// `need_to_know`): the read is logged for the access review and audited, in one transaction.
pub async fn download(
    app: &App,
    actor: &Actor,
    id: CareId,
    document: Uuid,
) -> Result<(DocumentView, Vec<u8>)> {
    let grant = super::any_care_permission(actor)?;
    let tx = app.db.begin_write().await?;
    let (r, cust, team) = load(&*tx, actor, id).await?;
    let Some(basis) = reader(&*tx, actor, &r, &cust, &team).await?.basis else {
        return Err(shut());
    };
    let (d, sealed) = cstore::find_document(&*tx, id, document)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = record_key(app, &r)?.ok_or(AppError::NotFound)?;
    let bytes = key.open_bytes("document", &sealed)?;
    cstore::insert_read(
        &*tx,
        &ReadRow {
            id: Uuid::now_v7(),
            record_id: id,
            staff_id: actor.id(),
            basis,
            at_us: now_us(),
        },
    )
    .await?;
    audit(
        app,
        &*tx,
        &grant,
        &r,
        "care.document_read",
        json!({"kind": d.kind.as_str(), "basis": basis.as_str()}),
    )
    .await?;
    let v = view(&key, &super::names(app).await?, &d)?;
    tx.commit().await?;
    Ok((v, bytes))
}
