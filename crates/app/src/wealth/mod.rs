//! Wealth advisory (seed 004, seed 000 §4, DOMAIN-DEFAULTS §2): suitability at the moment of sale — the rules
//! the book's one gate asks of every investment sale, each decision stored with the facts it read, the
//! steps a sale then waits for (a senior reviewer, a cooling-off), and the suitability report for compliance
//! (`suitability`).

pub mod suitability;

pub use suitability::{CancelInput, SaleReview, SuitabilityReport, SuitabilityView};
