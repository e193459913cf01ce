//! Banyan's domain: the types and rules of a bank CRM, pure (no I/O, no async, no database).
//!
//! Everything a request carries becomes one of these types at the edge ("parse, don't validate"):
//! inside the application a value of the type is valid by construction.

/// An enum stored and sent as a snake_case code, with every value in `ALL` (the order pickers show).
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $code)] $v),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $code),*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }

        // Written by hand: the derive does not read a variant's rename given through a macro, and the
        // document would list the Rust names instead of the codes that go over the wire (schemathesis
        // found the difference).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([$($code),*]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub mod access;
pub mod acquisition;
pub mod book;
pub mod calendar;
pub mod care;
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
pub mod outbound;
pub mod performance;
pub mod policy;
pub mod rights;
pub mod search;
pub mod segments;
pub mod wealth;

pub use error::{FieldError, FieldErrors};
