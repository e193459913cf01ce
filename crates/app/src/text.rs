//! One-line texts staff type beside a code (a hospital's name, a recording's reference, a review's reason):
//! trimmed, at most so many characters, without control characters — one check for the contexts that take
//! them, so each names the same rule (`length`) the same way.

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
