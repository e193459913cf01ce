//! Case attachments: typed by extension and checked against the first bytes, stored encrypted with a
//! SHA-256, downloads audited.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::ids::CaseId;
use banyan_store::cases::{self as store};
use banyan_store::now_us;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

use super::staff_map;
use super::{load, log_row};

/// Largest attachment accepted.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Accepted file types: extension, content type, and the bytes such a file starts with (when it has any).
pub(crate) const ATTACHMENT_TYPES: [(&str, &str, &[u8]); 10] = [
    ("pdf", "application/pdf", b"%PDF"),
    ("png", "image/png", b"\x89PNG"),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("txt", "text/plain; charset=utf-8", b""),
    ("eml", "message/rfc822", b""),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK",
    ),
    ("mp3", "audio/mpeg", b""),
    ("wav", "audio/wav", b"RIFF"),
];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the file as uploaded (hex), so a copy can be checked against it.
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: String,
}

pub(crate) fn attachment_view(
    a: store::AttachmentMeta,
    staff: &HashMap<Uuid, banyan_store::access::StaffRow>,
) -> AttachmentView {
    AttachmentView {
        id: a.id,
        uploaded_by: staff.get(&a.uploaded_by).map(|s| s.display_name.clone()),
        filename: a.filename,
        content_type: a.content_type,
        size_bytes: a.size_bytes,
        sha256: a.sha256,
        uploaded_at: crate::fmt_us(a.uploaded_at_us),
    }
}

/// Attaches a file (letter, photo, recording) to a case: type from a fixed list checked against the
/// file's first bytes, at most 10 MiB, stored encrypted; logged on the case and audited (name, size and
/// hash, never the content).
pub async fn attach(
    app: &App,
    actor: &Actor,
    case_id: CaseId,
    filename: &str,
    bytes: &[u8],
) -> Result<AttachmentView> {
    let grant = actor.require(Permission::CaseWrite)?;
    let r = load(app, actor, case_id).await?;
    let name = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut errs = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        errs.push("filename", "format", "a file name of 1-200 characters");
    }
    let kind = ATTACHMENT_TYPES.iter().find(|(e, _, _)| *e == ext);
    match kind {
        None => errs.push(
            "filename",
            "file_type",
            format!(
                "must end in one of {}",
                ATTACHMENT_TYPES.map(|(e, _, _)| e).join(", ")
            ),
        ),
        Some((_, _, magic)) if !bytes.starts_with(magic) => errs.push(
            "file",
            "file_type",
            format!("the content is not a .{ext} file"),
        ),
        _ => {}
    }
    if bytes.is_empty() {
        errs.push("file", "required", "the file is empty");
    } else if bytes.len() > ATTACHMENT_MAX_BYTES {
        errs.push("file", "size", "must be at most 10 MiB");
    }
    errs.into_result()?;
    let content_type = kind.map(|(_, c, _)| (*c).to_owned()).unwrap_or_default();
    let now = now_us();
    let meta = store::AttachmentMeta {
        id: Uuid::now_v7(),
        case_id,
        filename: name,
        content_type,
        size_bytes: bytes.len() as i64,
        sha256: crate::crypto::sha256_hex(bytes),
        uploaded_by: actor.id.uuid(),
        uploaded_at_us: now,
    };
    let enc = app.keys().encrypt_bytes(Purpose::Attachment, bytes)?;
    let tx = app.db.begin_write().await?;
    store::insert_attachment(&*tx, &meta, enc).await?;
    // The file name can be personal ("张三的投诉信.pdf"): it stays in the case log, which only readers of
    // the case see; the audit log gets the type, size and hash.
    let detail =
        json!({"attachment": meta.id, "type": ext, "size": meta.size_bytes, "sha256": meta.sha256});
    store::insert_log(
        &*tx,
        &[log_row(
            case_id,
            Some(actor),
            "attach",
            Some(meta.filename.clone()),
            detail.clone(),
            now,
        )],
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "case.attach",
            entity: "case",
            entity_id: Some(case_id.to_string()),
            customer_id: r.customer_id.map(Into::into),
            detail,
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(attachment_view(meta, &staff_map(app).await?))
}

/// An attachment's bytes for someone who may read the case; every download is audited.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    case_id: CaseId,
    id: Uuid,
) -> Result<(AttachmentView, Vec<u8>)> {
    let grant = actor.require(Permission::CaseRead)?;
    let r = load(app, actor, case_id).await?;
    let (meta, enc) = store::find_attachment(&app.db.conn, case_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = app.keys().decrypt_bytes(Purpose::Attachment, &enc)?;
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "case.attachment.read",
            entity: "case",
            entity_id: Some(case_id.to_string()),
            customer_id: r.customer_id.map(Into::into),
            detail: json!({"attachment": id}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok((attachment_view(meta, &staff_map(app).await?), bytes))
}
