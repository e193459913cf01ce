//! Passport number of any issuing state, as printed in the ICAO Doc 9303
//! machine-readable zone: upper-case letters and digits. There is no check
//! digit in the number itself (the MRZ check digit is not part of it), so only
//! the shape is validated.

use super::{IdentError, mask_middle, normalize};

const FORMAT: IdentError = IdentError::Format {
    expected: "5 to 20 letters A-Z or digits",
};

/// A passport number, e.g. `E12345678`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    value: String,
}

ident_string_impls!(Passport);

impl Passport {
    /// Parse and normalise (whitespace removed, upper-cased).
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let value = normalize(input)?;
        if !(5..=20).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FORMAT);
        }
        Ok(Self { value })
    }

    /// First character and last three kept: `E*****678`.
    pub fn masked(&self) -> String {
        mask_middle(&self.value, 1, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_examples() {
        assert_eq!(
            Passport::parse("E12345678").expect("valid").as_str(),
            "E12345678"
        );
        assert_eq!(
            Passport::parse(" e1234 5678 ").expect("valid").as_str(),
            "E12345678"
        );
        assert!(Passport::parse("AB123").is_ok());
        assert!(Passport::parse("A1234567890123456789").is_ok());
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(Passport::parse("  "), Err(IdentError::Empty));
        for bad in [
            "AB12",
            "A12345678901234567890",
            "E1234-5678",
            "E1234567é",
            "E１2345678",
        ] {
            assert_eq!(Passport::parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn masked_and_debug_redacted() {
        let p = Passport::parse("E12345678").expect("valid");
        assert_eq!(p.masked(), "E*****678");
        assert_eq!(Passport::parse("AB123").expect("valid").masked(), "A*123");
        let debug = format!("{p:?}");
        assert_eq!(debug, "Passport(E*****678)");
        assert!(!debug.contains("E12345678"));
    }

    #[test]
    fn serde_round_trip() {
        let p: Passport = serde_json::from_str("\"e12345678\"").expect("valid");
        assert_eq!(serde_json::to_string(&p).expect("ser"), "\"E12345678\"");
        assert!(serde_json::from_str::<Passport>("\"E1\"").is_err());
    }

    proptest! {
        #[test]
        fn generated_numbers_parse_and_round_trip(s in "[A-Za-z0-9]{5,20}") {
            let p = Passport::parse(&s).expect("generated number is valid");
            prop_assert_eq!(p.as_str(), s.to_ascii_uppercase());
            let again = Passport::parse(&format!("{p}")).expect("display re-parses");
            prop_assert_eq!(&again, &p);
            let masked = p.masked();
            prop_assert_eq!(masked.len(), s.len());
            prop_assert!(masked.contains('*'));
        }
    }
}
