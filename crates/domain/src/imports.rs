//! An import (customers or leads) as a job on the server: it runs chunk by chunk, independent of the connection that
//! started it, and ends done (every row created or rejected with its reason) or failed (an error that
//! stopped it, with the rows done so far kept and reported).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What a file's rows become: customers (through the registry's identification review) or leads.
    ImportTarget {
        Customers = "customers",
        Leads = "leads",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Running,
    Done,
    Failed,
}

/// What moves an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// One more chunk committed (the job stays running).
    Chunk,
    /// The last row is in.
    Finish,
    /// An error stopped it.
    Fail,
}

impl ImportStatus {
    pub const ALL: [ImportStatus; 3] = [Self::Running, Self::Done, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The status after `step`, or `None` when an ended import is asked to move.
    pub fn apply(self, step: ImportStep) -> Option<ImportStatus> {
        match (self, step) {
            (Self::Running, ImportStep::Chunk) => Some(Self::Running),
            (Self::Running, ImportStep::Finish) => Some(Self::Done),
            (Self::Running, ImportStep::Fail) => Some(Self::Failed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_running_import_moves() {
        assert_eq!(
            ImportStatus::Running.apply(ImportStep::Finish),
            Some(ImportStatus::Done)
        );
        for ended in [ImportStatus::Done, ImportStatus::Failed] {
            for step in [ImportStep::Chunk, ImportStep::Finish, ImportStep::Fail] {
                assert_eq!(ended.apply(step), None);
            }
        }
        for s in ImportStatus::ALL {
            assert_eq!(ImportStatus::parse(s.as_str()), Some(s));
        }
    }
}
