//! One-line texts staff type beside a code (a hospital's name, a recording's reference, a review's reason):
//! trimmed, at most so many characters, without control characters — one check for the contexts that take
//! them, so each names the same rule (`length`) the same way; and the free texts of notes and reasons
//! (`required_text`, `optional_text`), which may run over lines.

use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;

/// The trimmed text of `v`, none when blank; a longer one or one with a control character is a `length` error on
/// `field` in `errs`.
pub(crate) fn one_line(errs: &mut FieldErrors, field: &str, v: &str, max: usize) -> Option<String> {
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > max || t.chars().any(char::is_control) {
        errs.push(
            field,
            "length",
            format!("at most {max} characters, one line"),
        );
        return None;
    }
    Some(t.to_owned())
}

/// [`one_line`] of an optional field, failing on its own.
pub(crate) fn optional_line(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    let mut errs = FieldErrors::new();
    let t = v.and_then(|v| one_line(&mut errs, field, v, max));
    if errs.is_empty() {
        Ok(t)
    } else {
        Err(AppError::Validation(errs))
    }
}

/// A required free text, trimmed, at most `max` characters; the error names the field.
pub(crate) fn required_text(field: &str, v: &str, max: usize) -> Result<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::field(field, "required", "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(AppError::field(
            field,
            "max_length",
            format!("at most {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// An optional free text: blank is none.
pub(crate) fn optional_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    match v.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => required_text(field, t, max).map(Some),
        None => Ok(None),
    }
}
