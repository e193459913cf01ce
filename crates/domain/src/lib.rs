//! Banyan's domain: the types and rules of a bank CRM, pure (no I/O, no async, no database).
//!
//! Everything a request carries becomes one of these types at the edge ("parse, don't validate"):
//! inside the application a value of the type is valid by construction.

pub mod access;
pub mod book;
pub mod calendar;
pub mod customer;
pub mod engagement;
pub mod error;
pub mod feedback;
pub mod fields;
pub mod ident;
pub mod ids;
pub mod imports;
pub mod mask;
pub mod money;
pub mod notify;
pub mod policy;
pub mod search;
pub mod segments;

pub use error::{FieldError, FieldErrors};
