//! Validation errors that name the field and the rule, so every client can show them next to the input.

use serde::{Deserialize, Serialize};

/// One broken rule on one field. `field` is a JSON-pointer-like path (`individual.id_number`),
/// `rule` a stable machine code (`check_digit`, `required`, `format`, ...), `message` English text;
/// the workbench localises by `rule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub message: String,
}

/// All broken rules of one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, rule: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            rule: rule.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` if nothing was pushed, else the collected errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Records the error of a parse under `field` and returns the value, if any.
    pub fn take<T, E: ErrorRule>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e.rule(), e.to_string());
                None
            }
        }
    }

    /// Appends another set of errors with their fields prefixed by `prefix.`.
    pub fn extend_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for mut e in other.0 {
            e.field = format!("{prefix}.{}", e.field);
            self.0.push(e);
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {} ({})", e.field, e.message, e.rule))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// An error that knows its stable rule code.
pub trait ErrorRule: std::fmt::Display {
    fn rule(&self) -> &'static str;
}

impl ErrorRule for crate::ident::IdentError {
    fn rule(&self) -> &'static str {
        crate::ident::IdentError::rule(self)
    }
}
