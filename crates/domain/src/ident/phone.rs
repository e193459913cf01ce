//! Telephone number: a mainland China mobile number (11 digits, numbering
//! plan of MIIT, prefixes 13–19) or an international number in ITU-T E.164
//! form (`+` and up to 15 digits).

use super::{IdentError, mask_middle};

const FORMAT: IdentError = IdentError::Format {
    expected: "a mainland mobile number (11 digits starting 13-19) or an E.164 number (+ and 8-15 digits)",
};

/// A validated phone number.
///
/// Canonical forms: mainland mobiles as the bare 11 digits (`13812345678`,
/// whatever `+86` / `0086` / `86` prefix was typed), everything else as E.164
/// (`+85291234567`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    value: String,
}

ident_string_impls!(PhoneNumber);

impl PhoneNumber {
    /// Parse and normalise: whitespace and hyphens are removed; a `+86`,
    /// `0086` or `86` prefix must be followed by a mainland mobile number.
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if s.is_empty() {
            return Err(IdentError::Empty);
        }
        let value = if let Some(digits) = s.strip_prefix('+') {
            if !is_digits(digits) {
                return Err(FORMAT);
            }
            match digits.strip_prefix("86") {
                Some(national) => mainland(national)?,
                None if (8..=15).contains(&digits.len()) && !digits.starts_with('0') => s,
                None => return Err(FORMAT),
            }
        } else if let Some(national) = s.strip_prefix("0086") {
            mainland(national)?
        } else if s.len() == 13
            && let Some(national) = s.strip_prefix("86")
        {
            mainland(national)?
        } else {
            mainland(&s)?
        };
        Ok(Self { value })
    }

    /// Whether this is a mainland China mobile number (canonical form without `+`).
    pub fn is_mainland_mobile(&self) -> bool {
        !self.value.starts_with('+')
    }

    /// Mainland: first 3 and last 4 digits (`138****5678`); E.164: `+`, the
    /// first 3 digits and the last 4 (`+852****4567`).
    pub fn masked(&self) -> String {
        if self.is_mainland_mobile() {
            mask_middle(&self.value, 3, 4)
        } else {
            mask_middle(&self.value, 4, 4)
        }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `^1[3-9]\d{9}$`, returned owned as the canonical form.
fn mainland(s: &str) -> Result<String, IdentError> {
    let b = s.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && is_digits(s) {
        Ok(s.to_owned())
    } else {
        Err(FORMAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mainland_forms_canonicalise() {
        for input in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "008613812345678",
            "0086-138-1234-5678",
            "86 13812345678",
            "8613812345678",
        ] {
            let p = PhoneNumber::parse(input).expect(input);
            assert_eq!(p.as_str(), "13812345678", "{input}");
            assert!(p.is_mainland_mobile());
        }
        assert!(PhoneNumber::parse("19912345678").is_ok());
    }

    #[test]
    fn e164_forms() {
        let p = PhoneNumber::parse("+852 9123 4567").expect("valid");
        assert_eq!(p.as_str(), "+85291234567");
        assert!(!p.is_mainland_mobile());
        assert_eq!(
            PhoneNumber::parse("+12025550123").expect("valid").as_str(),
            "+12025550123"
        );
        assert!(PhoneNumber::parse("+12345678").is_ok());
        assert!(PhoneNumber::parse("+123456789012345").is_ok());
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(PhoneNumber::parse(" "), Err(IdentError::Empty));
        assert_eq!(PhoneNumber::parse("- -"), Err(IdentError::Empty));
        for bad in [
            "12812345678",       // second digit 2
            "1381234567",        // 10 digits
            "138123456789",      // 12 digits
            "23812345678",       // not starting with 1
            "01012345678",       // landline
            "+86 10 1234 5678",  // +86 but not a mobile
            "+8612812345678",    // +86 with bad mobile
            "00861381234567",    // 0086 with 10 digits
            "+1234567",          // 7 digits
            "+1234567890123456", // 16 digits
            "+0123456789",       // leading 0
            "+",
            "+852 9123 456a",
            "(852) 91234567",
            "0085291234567",
            "138.1234.5678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn masked_and_debug_redacted() {
        let p = PhoneNumber::parse("13812345678").expect("valid");
        assert_eq!(p.masked(), "138****5678");
        let debug = format!("{p:?}");
        assert_eq!(debug, "PhoneNumber(138****5678)");
        assert!(!debug.contains("13812345678"));

        let p = PhoneNumber::parse("+85291234567").expect("valid");
        assert_eq!(p.masked(), "+852****4567");
        assert!(!format!("{p:?}").contains("91234567"));
        assert_eq!(
            PhoneNumber::parse("+12345678").expect("valid").masked(),
            "+123*5678"
        );
    }

    #[test]
    fn serde_round_trip() {
        let p: PhoneNumber = serde_json::from_str("\"+86 138 1234 5678\"").expect("valid");
        assert_eq!(serde_json::to_string(&p).expect("ser"), "\"13812345678\"");
        assert!(serde_json::from_str::<PhoneNumber>("\"12812345678\"").is_err());
    }

    fn mobile() -> impl Strategy<Value = String> {
        (b'3'..=b'9', proptest::collection::vec(b'0'..=b'9', 9)).prop_map(|(second, rest)| {
            [b'1', second]
                .into_iter()
                .chain(rest)
                .map(char::from)
                .collect()
        })
    }

    fn e164_digits() -> impl Strategy<Value = String> {
        (b'1'..=b'9', proptest::collection::vec(b'0'..=b'9', 7..=14))
            .prop_map(|(first, rest)| {
                std::iter::once(first)
                    .chain(rest)
                    .map(char::from)
                    .collect::<String>()
            })
            .prop_filter("+86 is the mainland rule", |d| !d.starts_with("86"))
    }

    proptest! {
        #[test]
        fn mainland_mobiles_with_any_prefix_and_separator(
            m in mobile(),
            prefix in proptest::sample::select(&["", "+86", "+86 ", "0086", "0086 ", "86 ", "86"][..]),
            sep in proptest::sample::select(&["", " ", "-"][..]),
        ) {
            let input = format!("{prefix}{}{sep}{}{sep}{}", &m[..3], &m[3..7], &m[7..]);
            let p = PhoneNumber::parse(&input).expect("valid mobile");
            prop_assert_eq!(p.as_str(), m.as_str());
            prop_assert!(p.is_mainland_mobile());
            let again = PhoneNumber::parse(&format!("{p}")).expect("display re-parses");
            prop_assert_eq!(&again, &p);
            let debug = format!("{p:?}");
            prop_assert!(!debug.contains(m.as_str()));
        }

        #[test]
        fn e164_numbers_round_trip(d in e164_digits()) {
            let canonical = format!("+{d}");
            let p = PhoneNumber::parse(&canonical).expect("valid E.164");
            prop_assert_eq!(p.as_str(), canonical.as_str());
            let again = PhoneNumber::parse(&format!("{p}")).expect("display re-parses");
            prop_assert_eq!(&again, &p);
            let masked = p.masked();
            prop_assert_eq!(masked.len(), canonical.len());
            prop_assert_eq!(&masked[..4], &canonical[..4]);
            prop_assert!(masked.contains('*'));
        }
    }
}
