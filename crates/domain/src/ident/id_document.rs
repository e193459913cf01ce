//! A customer's identity document: its type (mainland resident ID per
//! GB 11643-1999, passport per ICAO Doc 9303, Hong Kong ID, Taiwan ID) and
//! the validated number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{HkId, IdentError, Passport, ResidentId, TwId};

/// Which kind of identity document a number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdDocumentType {
    /// Mainland resident identity card.
    ResidentId,
    /// Passport of any country.
    Passport,
    /// Hong Kong identity card.
    HkId,
    /// Taiwan national identity card.
    TwId,
}

impl IdDocumentType {
    /// Every variant, in declaration order.
    pub const ALL: [IdDocumentType; 4] = [
        IdDocumentType::ResidentId,
        IdDocumentType::Passport,
        IdDocumentType::HkId,
        IdDocumentType::TwId,
    ];

    /// The snake_case code, matching the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            IdDocumentType::ResidentId => "resident_id",
            IdDocumentType::Passport => "passport",
            IdDocumentType::HkId => "hk_id",
            IdDocumentType::TwId => "tw_id",
        }
    }
}

impl fmt::Display for IdDocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdDocumentType {
    type Err = IdentError;

    /// Accepts exactly the snake_case codes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(IdentError::Format {
                expected: "one of resident_id, passport, hk_id, tw_id",
            })
    }
}

/// A validated identity document number together with its type.
///
/// Serialises as `{"type": "hk_id", "number": "A123456(3)"}`; deserialising
/// validates the number for the given type.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "number", rename_all = "snake_case")]
pub enum IdDocument {
    /// Mainland resident identity card.
    ResidentId(ResidentId),
    /// Passport of any country.
    Passport(Passport),
    /// Hong Kong identity card.
    HkId(HkId),
    /// Taiwan national identity card.
    TwId(TwId),
}

impl IdDocument {
    /// Parse `number` according to `doc_type`.
    pub fn parse(doc_type: IdDocumentType, number: &str) -> Result<Self, IdentError> {
        Ok(match doc_type {
            IdDocumentType::ResidentId => IdDocument::ResidentId(ResidentId::parse(number)?),
            IdDocumentType::Passport => IdDocument::Passport(Passport::parse(number)?),
            IdDocumentType::HkId => IdDocument::HkId(HkId::parse(number)?),
            IdDocumentType::TwId => IdDocument::TwId(TwId::parse(number)?),
        })
    }

    /// The document's type.
    pub fn doc_type(&self) -> IdDocumentType {
        match self {
            IdDocument::ResidentId(_) => IdDocumentType::ResidentId,
            IdDocument::Passport(_) => IdDocumentType::Passport,
            IdDocument::HkId(_) => IdDocumentType::HkId,
            IdDocument::TwId(_) => IdDocumentType::TwId,
        }
    }

    /// The canonical number.
    pub fn number(&self) -> &str {
        match self {
            IdDocument::ResidentId(id) => id.as_str(),
            IdDocument::Passport(p) => p.as_str(),
            IdDocument::HkId(id) => id.as_str(),
            IdDocument::TwId(id) => id.as_str(),
        }
    }

    /// The number masked as its type masks it.
    pub fn masked(&self) -> String {
        match self {
            IdDocument::ResidentId(id) => id.masked(),
            IdDocument::Passport(p) => p.masked(),
            IdDocument::HkId(id) => id.masked(),
            IdDocument::TwId(id) => id.masked(),
        }
    }
}

/// Redacted: `IdDocument(hk_id, A1*****(*))`.
impl fmt::Debug for IdDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdDocument({}, {})", self.doc_type(), self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_type_codes_round_trip() {
        for t in IdDocumentType::ALL {
            assert_eq!(t.as_str().parse::<IdDocumentType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
            let json = serde_json::to_string(&t).expect("ser");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(
                serde_json::from_str::<IdDocumentType>(&json).expect("de"),
                t
            );
        }
        assert!(matches!(
            "HK_ID".parse::<IdDocumentType>(),
            Err(IdentError::Format { .. })
        ));
        assert!("".parse::<IdDocumentType>().is_err());
    }

    #[test]
    fn parse_dispatches_on_type() {
        let cases = [
            (
                IdDocumentType::ResidentId,
                "11010519491231002x",
                "11010519491231002X",
                "110105********002X",
            ),
            (
                IdDocumentType::Passport,
                "e12345678",
                "E12345678",
                "E*****678",
            ),
            (IdDocumentType::HkId, "A1234563", "A123456(3)", "A1*****(*)"),
            (
                IdDocumentType::TwId,
                "A123456789",
                "A123456789",
                "A1******89",
            ),
        ];
        for (t, input, canonical, masked) in cases {
            let doc = IdDocument::parse(t, input).expect("valid");
            assert_eq!(doc.doc_type(), t);
            assert_eq!(doc.number(), canonical);
            assert_eq!(doc.masked(), masked);
            let debug = format!("{doc:?}");
            assert_eq!(debug, format!("IdDocument({}, {masked})", t.as_str()));
            assert!(!debug.contains(canonical));
        }
    }

    #[test]
    fn parse_errors_come_from_the_type() {
        assert_eq!(
            IdDocument::parse(IdDocumentType::ResidentId, "110105194912310021"),
            Err(IdentError::CheckDigit)
        );
        assert_eq!(
            IdDocument::parse(IdDocumentType::HkId, ""),
            Err(IdentError::Empty)
        );
        // A valid TW ID is not a valid HKID.
        assert!(IdDocument::parse(IdDocumentType::HkId, "A123456789").is_err());
    }

    #[test]
    fn serde_is_adjacently_tagged_and_validates() {
        let doc = IdDocument::parse(IdDocumentType::HkId, "A1234563").expect("valid");
        let json = serde_json::to_string(&doc).expect("ser");
        assert_eq!(json, r#"{"type":"hk_id","number":"A123456(3)"}"#);
        let back: IdDocument = serde_json::from_str(&json).expect("de");
        assert_eq!(back, doc);
        assert!(
            serde_json::from_str::<IdDocument>(r#"{"type":"hk_id","number":"A123456(4)"}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<IdDocument>(r#"{"type":"tw_id","number":"A123456(3)"}"#)
                .is_err()
        );
    }
}
