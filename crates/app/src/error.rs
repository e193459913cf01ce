//! The app layer's one error type; the web layer maps each variant to a status and a stable code.

use banyan_domain::FieldErrors;
use banyan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No or an invalid/expired token.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password (one message for both, so usernames cannot be probed).
    #[error("username or password is wrong")]
    BadCredentials,
    /// Too many failed logins; retry after the given number of seconds.
    #[error("too many failed logins; try again in {retry_after_s} seconds")]
    Throttled { retry_after_s: i64 },
    /// The actor's role lacks the permission, or a rule such as four eyes forbids the action.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Does not exist, or is outside the actor's scope (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Validation(FieldErrors),
    /// The record changed since the client read it.
    #[error("the record was changed by someone else (now at version {current_version})")]
    VersionConflict {
        current_version: i64,
        /// The change(s) made since the client's version, for the client to show.
        since: serde_json::Value,
    },
    /// An update without the version it was read at.
    #[error("the version read is required (If-Match header or `version` field)")]
    VersionRequired,
    /// A uniqueness or state rule; `code` is stable (`duplicate_id_number`, `invalid_state`, ...).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        detail: serde_json::Value,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not happen: what was being done, and the error that stopped it (kept as the
    /// source, so the log line at the edge shows the whole chain).
    #[error("internal error: {what}")]
    Internal {
        what: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// The stable code of a refusal of one record (a rule, a state, a missing record), for reporting it
    /// beside the others of a batch; `None` for failures that should stop the batch.
    pub fn refusal_code(&self) -> Option<&'static str> {
        match self {
            AppError::Forbidden { code, .. } | AppError::Conflict { code, .. } => Some(code),
            AppError::NotFound => Some("not_found"),
            AppError::VersionConflict { .. } => Some("version_conflict"),
            _ => None,
        }
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Forbidden {
            code,
            message: message.into(),
        }
    }
    pub fn conflict(
        code: &'static str,
        message: impl Into<String>,
        detail: serde_json::Value,
    ) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            detail,
        }
    }
    /// A store error as the use case answers it: a write that met the unique index `constraint` (the same
    /// thing written by two people at once) is the conflict `code`; anything else stays what it was.
    pub(crate) fn unless_unique(
        constraint: &'static str,
        code: &'static str,
        message: &'static str,
    ) -> impl FnOnce(StoreError) -> AppError {
        move |e| {
            if e.is_conflict_on(constraint) {
                AppError::conflict(code, message, serde_json::json!({}))
            } else {
                e.into()
            }
        }
    }
    /// An internal error with no underlying cause (an invariant that did not hold).
    pub fn internal(what: impl Into<String>) -> Self {
        AppError::Internal {
            what: what.into(),
            source: None,
        }
    }
    /// An internal error caused by `source` while doing `what`.
    pub fn internal_from(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        AppError::Internal {
            what: what.into(),
            source: Some(Box::new(source)),
        }
    }
    /// A file operation's failure as an internal error naming what was being done (`map_err(AppError::io(…))`).
    pub(crate) fn io(what: String) -> impl FnOnce(std::io::Error) -> AppError {
        move |e| AppError::internal_from(what, e)
    }
    /// A command refused in the state things are in (a conflict without details).
    pub(crate) fn refused(code: &'static str, message: String) -> AppError {
        AppError::conflict(code, message, serde_json::json!({}))
    }
    /// The error and its causes, outermost first, as one line (for the log at the edge).
    pub fn chain(&self) -> String {
        let mut s = self.to_string();
        let mut cur = std::error::Error::source(self);
        while let Some(e) = cur {
            s.push_str(": ");
            s.push_str(&e.to_string());
            cur = e.source();
        }
        s
    }
    pub fn field(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.push(field, rule, message);
        AppError::Validation(e)
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Store(StoreError::from(e))
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
