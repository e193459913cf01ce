//! Case attachments: typed by extension and checked against the first bytes, stored encrypted with a
//! SHA-256, downloads audited.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
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
pub const ATTACHMENT_MAX_BYTES: usize = crate::files::FILE_MAX_BYTES;

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
    let crate::files::CheckedFile {
        name,
        ext,
        content_type,
    } = crate::files::check(filename, bytes)?;
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
