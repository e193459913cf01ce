//! Files staff attach (a case's letters and recordings, a lead's signed contract and documents): typed by
//! extension and checked against their first bytes, at most 10 MiB. One check for every context that keeps
//! files, so that what one accepts the others accept too.

use crate::error::Result;
use banyan_domain::FieldErrors;

/// Largest file accepted.
pub const FILE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Accepted file types: extension, content type, and the bytes such a file starts with (when it has any).
pub(crate) const FILE_TYPES: [(&str, &str, &[u8]); 10] = [
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

/// A file that passed the checks: its name without any path, its extension and its content type.
#[derive(Debug, Clone)]
pub(crate) struct CheckedFile {
    pub name: String,
    pub ext: String,
    pub content_type: String,
}

/// Checks an uploaded file's name, type and size; each failure names `filename` or `file`.
pub(crate) fn check(filename: &str, bytes: &[u8]) -> Result<CheckedFile> {
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
    let kind = FILE_TYPES.iter().find(|(e, _, _)| *e == ext);
    match kind {
        None => errs.push(
            "filename",
            "file_type",
            format!(
                "must end in one of {}",
                FILE_TYPES.map(|(e, _, _)| e).join(", ")
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
    } else if bytes.len() > FILE_MAX_BYTES {
        errs.push("file", "size", "must be at most 10 MiB");
    }
    errs.into_result()?;
    let content_type = kind.map(|(_, c, _)| (*c).to_owned()).unwrap_or_default();
    Ok(CheckedFile {
        name,
        ext,
        content_type,
    })
}
