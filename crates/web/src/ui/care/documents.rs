//! The compartment's documents on the workbench: the list with how each was signed, the form that files one
//! (what it is, how it was signed — on paper, electronically, by remote video before a witness of the team —
//! and the file), and the download, which is a read of the compartment like opening it.

use super::compartment::compartment_page;
use crate::AppState;
use crate::ui::forms::{form_raw, read_form_upload, refusal};
use crate::ui::page::{PageError, Signed, check_csrf, session};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::care::{self as uc, documents::DocumentMeta};
use banyan_domain::care::documents::{DocumentKind, SigningMethod};
use banyan_domain::ids::{CareId, StaffId};
use std::collections::HashMap;
use uuid::Uuid;

/// The form's fields as the use case takes them; a code that is not one of the choices is a field error.
fn meta(f: &HashMap<String, String>) -> Result<DocumentMeta, AppError> {
    let get = |k: &str| f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let kind = get("kind")
        .and_then(DocumentKind::parse)
        .ok_or_else(|| AppError::field("kind", "one_of", "pick what the document is"))?;
    let signing = get("signing")
        .and_then(SigningMethod::parse)
        .ok_or_else(|| AppError::field("signing", "one_of", "pick how it was signed"))?;
    let signed_on = match get("signed_on") {
        None => None,
        Some(d) => Some(
            d.parse()
                .map_err(|_| AppError::field("signed_on", "date", "a date"))?,
        ),
    };
    let witness = match get("witness") {
        None => None,
        Some(w) => Some(StaffId::from_uuid(w.parse::<Uuid>().map_err(|_| {
            AppError::field("witness", "not_on_team", "must be a member of the team")
        })?)),
    };
    Ok(DocumentMeta {
        kind,
        subject: form_raw(f, "subject"),
        signing,
        signed_on,
        reference: get("reference").map(str::to_owned),
        witness,
    })
}

/// Files a document (multipart: the CSRF token, the fields, the file); back to the compartment, or the
/// compartment again with the refusal in words.
pub(super) async fn upload(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let r = match read_form_upload(mp).await {
        None => Err(AppError::field("file", "required", "choose a file")),
        Some(up) => {
            check_csrf(&sess, t, up.csrf.as_deref())?;
            match meta(&up.fields) {
                Ok(m) => uc::documents::attach(&s.app, &sess.actor, id, m, &up.name, &up.bytes)
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
    };
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => {
            Ok(Redirect::to(&format!("/care/{id}/compartment#care-documents")).into_response())
        }
        Err(Ok(msg)) => match uc::compartment::open(&s.app, &sess.actor, id).await {
            Ok(v) => Ok(compartment_page(&s, &sess, t, v, Some(msg))),
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A document's file (the read recorded and audited).
pub(super) async fn download(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path((id, doc)): Path<(CareId, Uuid)>,
) -> Result<Response, PageError> {
    match uc::documents::download(&s.app, &sess.actor, id, doc).await {
        Ok((v, bytes)) => Ok(crate::extract::download(
            &v.filename,
            &v.content_type,
            bytes,
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}
