//! Personal and company identifiers: parsed, normalised newtypes.
//!
//! Every type here follows "parse, don't validate": the only way to obtain a
//! value is through `parse` (or `FromStr` / `TryFrom<String>` / serde
//! `Deserialize`, which all call `parse`), so holding one means the number is
//! well formed and its check character is right. Values serialise as their
//! canonical string.
//!
//! These are personal data. `Debug` prints only the masked form, so a stray
//! `{:?}` in a log line does not leak a full ID number; use `as_str()` or
//! `Display` deliberately when the full value is needed.

use serde::{Deserialize, Serialize};

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    /// Wrong length or characters.
    #[error("must be {expected}")]
    Format {
        /// Human-readable description of the accepted shape.
        expected: &'static str,
    },
    /// Well formed, but the check character does not match.
    #[error("check digit is wrong")]
    CheckDigit,
    /// A resident ID whose birth date is not a real calendar date (or is before 1900).
    #[error("birth date is not a real date")]
    BirthDate,
    /// Nothing left after trimming.
    #[error("must not be empty")]
    Empty,
}

impl IdentError {
    /// Stable machine-readable code for API responses and metrics.
    pub fn rule(&self) -> &'static str {
        match self {
            IdentError::Format { .. } => "format",
            IdentError::CheckDigit => "check_digit",
            IdentError::BirthDate => "birth_date",
            IdentError::Empty => "empty",
        }
    }
}

/// Gender as encoded in a mainland resident ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Odd sequence digit.
    Male,
    /// Even sequence digit.
    Female,
}

impl Gender {
    /// `"male"` or `"female"`, matching the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Gender::Male, Gender::Female]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// Shared normalisation for document numbers: drop all whitespace (including
/// the full-width U+3000 space common in CJK input) and upper-case ASCII letters.
fn normalize(input: &str) -> Result<String, IdentError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if s.is_empty() {
        Err(IdentError::Empty)
    } else {
        Ok(s)
    }
}

/// `keep_front` chars, then `*` for the rest except the last `keep_back`.
/// Never reveals more than the input length; works on chars, not bytes.
fn mask_middle(s: &str, keep_front: usize, keep_back: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let front = keep_front.min(n);
    let back = keep_back.min(n - front);
    let mut out = String::with_capacity(n);
    out.extend(&chars[..front]);
    out.extend(std::iter::repeat_n('*', n - front - back));
    out.extend(&chars[n - back..]);
    out
}

/// Boilerplate for a newtype whose canonical string lives in `self.value`
/// and which has `parse(&str)` and `masked()`: accessors, `Display`, redacting
/// `Debug`, `FromStr`, `TryFrom`, `Into<String>`, and string serde.
macro_rules! ident_string_impls {
    ($ty:ident) => {
        impl $ty {
            /// The canonical form.
            pub fn as_str(&self) -> &str {
                &self.value
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.value)
            }
        }

        /// Redacted: prints the masked form only (personal data).
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self.masked())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::ident::IdentError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::ident::IdentError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::ident::IdentError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.value
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.value
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.value)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                // The error message never echoes the input: it is personal data.
                Self::parse(&s).map_err(|e| {
                    ::serde::de::Error::custom(format_args!(
                        concat!("invalid ", stringify!($ty), ": {}"),
                        e
                    ))
                })
            }
        }
    };
}

mod credit_code;
mod email;
mod hk_id;
mod id_document;
mod passport;
mod phone;
mod resident_id;
mod tw_id;

pub use credit_code::CreditCode;
pub use email::Email;
pub use hk_id::HkId;
pub use id_document::{IdDocument, IdDocumentType};
pub use passport::Passport;
pub use phone::PhoneNumber;
pub use resident_id::ResidentId;
pub use tw_id::TwId;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_stable() {
        assert_eq!(IdentError::Format { expected: "x" }.rule(), "format");
        assert_eq!(IdentError::CheckDigit.rule(), "check_digit");
        assert_eq!(IdentError::BirthDate.rule(), "birth_date");
        assert_eq!(IdentError::Empty.rule(), "empty");
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            IdentError::Format {
                expected: "18 characters"
            }
            .to_string(),
            "must be 18 characters"
        );
        assert_eq!(IdentError::CheckDigit.to_string(), "check digit is wrong");
    }

    #[test]
    fn gender_serde_is_snake_case() {
        assert_eq!(
            serde_json::to_string(&Gender::Female).expect("serialise"),
            "\"female\""
        );
        let g: Gender = serde_json::from_str("\"male\"").expect("deserialise");
        assert_eq!(g, Gender::Male);
        assert_eq!(g.as_str(), "male");
    }

    #[test]
    fn normalize_strips_all_whitespace_and_uppercases() {
        assert_eq!(normalize(" a1\u{3000}b 2\t").as_deref(), Ok("A1B2"));
        assert_eq!(normalize(" \u{3000} "), Err(IdentError::Empty));
    }

    #[test]
    fn mask_middle_is_safe_for_short_input() {
        assert_eq!(mask_middle("abcdef", 2, 2), "ab**ef");
        assert_eq!(mask_middle("abc", 2, 2), "abc");
        assert_eq!(mask_middle("", 2, 2), "");
    }
}
