//! Mainland China resident identity card number (居民身份证号码), GB 11643-1999,
//! with its check character computed per ISO 7064 MOD 11-2.

use jiff::civil::Date;

use super::{Gender, IdentError, mask_middle, normalize};

const FORMAT: IdentError = IdentError::Format {
    expected: "18 characters: 17 digits then a digit or X",
};

/// ISO 7064 MOD 11-2 weights (2^(17-i) mod 11) for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by the weighted sum mod 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A validated 18-character mainland resident ID, e.g. `11010519491231002X`.
///
/// Layout: 6-digit area code, 8-digit birth date `YYYYMMDD`, 3-digit sequence
/// (last digit odd for men, even for women), check character `0-9` or `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    value: String,
    birth_date: Date,
}

ident_string_impls!(ResidentId);

impl ResidentId {
    /// Parse and normalise (whitespace removed, `x` upper-cased).
    ///
    /// Checks the shape, then that the birth date is a real date in or after
    /// 1900, then the check character.
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let value = normalize(input)?;
        let bytes = value.as_bytes();
        if bytes.len() != 18
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(FORMAT);
        }
        let birth_date = birth_date_of(bytes).ok_or(IdentError::BirthDate)?;
        if Self::check_char(&value[..17]) != Some(char::from(bytes[17])) {
            return Err(IdentError::CheckDigit);
        }
        Ok(Self { value, birth_date })
    }

    /// The check character (`0-9` or `X`) for 17 leading digits, or `None` if
    /// `first17` is not exactly 17 ASCII digits.
    pub fn check_char(first17: &str) -> Option<char> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = bytes
            .iter()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        CHECK_CHARS.get((sum % 11) as usize).copied()
    }

    /// Birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Gender encoded by the parity of the 17th digit.
    pub fn gender(&self) -> Gender {
        if (self.value.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Area code and last four kept, birth date and sequence hidden:
    /// `110105********002X`.
    pub fn masked(&self) -> String {
        mask_middle(&self.value, 6, 4)
    }
}

/// Birth date from positions 7–14 if it is a real calendar date with year >= 1900.
/// `bytes` must already be known to hold ASCII digits there.
fn birth_date_of(bytes: &[u8]) -> Option<Date> {
    let num = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0i16, |acc, b| acc * 10 + i16::from(b - b'0'))
    };
    let year = num(6..10);
    if year < 1900 {
        return None;
    }
    let month = i8::try_from(num(10..12)).ok()?;
    let day = i8::try_from(num(12..14)).ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_examples() {
        let id = ResidentId::parse("360426199101010071").expect("valid");
        assert_eq!(id.as_str(), "360426199101010071");
        assert_eq!(id.birth_date(), jiff::civil::date(1991, 1, 1));
        assert_eq!(id.gender(), Gender::Male);

        let id = ResidentId::parse("11010519491231002X").expect("valid");
        assert_eq!(id.birth_date(), jiff::civil::date(1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
    }

    #[test]
    fn normalises_lowercase_x_and_spaces() {
        let id = ResidentId::parse("  110105 19491231 002x ").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.to_string(), "11010519491231002X");
    }

    #[test]
    fn check_char_helper() {
        assert_eq!(ResidentId::check_char("11010519491231002"), Some('X'));
        assert_eq!(ResidentId::check_char("36042619910101007"), Some('1'));
        assert_eq!(ResidentId::check_char("1101051949123100"), None);
        assert_eq!(ResidentId::check_char("1101051949123100A"), None);
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(ResidentId::parse(""), Err(IdentError::Empty));
        assert_eq!(ResidentId::parse("   "), Err(IdentError::Empty));
        assert_eq!(ResidentId::parse("11010519491231002"), Err(FORMAT));
        assert_eq!(ResidentId::parse("11010519491231002XX"), Err(FORMAT));
        assert_eq!(ResidentId::parse("1101051949123100XX"), Err(FORMAT));
        assert_eq!(ResidentId::parse("11010519491231002Y"), Err(FORMAT));
        assert_eq!(ResidentId::parse("１10105194912310021"), Err(FORMAT));
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(IdentError::CheckDigit)
        );
        assert_eq!(
            ResidentId::parse("360426199101010070"),
            Err(IdentError::CheckDigit)
        );
        // 1991-02-30, 1991-13-01, 1991-00-10, 1899-12-31: check characters
        // are correct so the date is the only problem.
        for first17 in [
            "36042619910230007",
            "36042619911301007",
            "36042619910010007",
            "36042618991231007",
        ] {
            let check = ResidentId::check_char(first17).expect("17 digits");
            assert_eq!(
                ResidentId::parse(&format!("{first17}{check}")),
                Err(IdentError::BirthDate),
                "{first17}"
            );
        }
        // 2000-02-29 is real (leap year), 1900-02-29 is not.
        let first17 = "36042620000229007";
        let ok = format!("{first17}{}", ResidentId::check_char(first17).expect("17"));
        assert!(ResidentId::parse(&ok).is_ok());
        let first17 = "36042619000229007";
        let bad = format!("{first17}{}", ResidentId::check_char(first17).expect("17"));
        assert_eq!(ResidentId::parse(&bad), Err(IdentError::BirthDate));
    }

    #[test]
    fn masked_and_debug_redacted() {
        let id = ResidentId::parse("11010519491231002X").expect("valid");
        assert_eq!(id.masked(), "110105********002X");
        let debug = format!("{id:?}");
        assert_eq!(debug, "ResidentId(110105********002X)");
        assert!(!debug.contains("11010519491231002X"));
        assert!(!debug.contains("19491231"));
    }

    #[test]
    fn serde_round_trip_and_rejects_invalid() {
        let id = ResidentId::parse("11010519491231002X").expect("valid");
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, "\"11010519491231002X\"");
        let back: ResidentId = serde_json::from_str("\"11010519491231002x\"").expect("valid");
        assert_eq!(back, id);
        let err = serde_json::from_str::<ResidentId>("\"110105194912310021\"")
            .expect_err("bad check digit");
        assert!(!err.to_string().contains("110105194912310021"));
    }

    /// A random valid ID: any area code, a real date 1900..=2099, any sequence.
    fn valid_id() -> impl Strategy<Value = String> {
        (
            100_000u32..=999_999,
            1900i16..=2099,
            1i8..=12,
            1i8..=31,
            0u32..=999,
        )
            .prop_filter_map("real date", |(area, y, m, d, seq)| {
                Date::new(y, m, d).ok()?;
                let first17 = format!("{area:06}{y:04}{m:02}{d:02}{seq:03}");
                let check = ResidentId::check_char(&first17)?;
                Some(format!("{first17}{check}"))
            })
    }

    proptest! {
        #[test]
        fn generated_ids_parse_and_round_trip(s in valid_id()) {
            let id = ResidentId::parse(&s).expect("generated id is valid");
            prop_assert_eq!(id.as_str(), s.as_str());
            let again = ResidentId::parse(&format!("{id}")).expect("display re-parses");
            prop_assert_eq!(&again, &id);
            prop_assert_eq!(again.birth_date(), id.birth_date());
            let lower = ResidentId::parse(&s.to_lowercase()).expect("lowercase x accepted");
            prop_assert_eq!(lower, id);
        }

        /// MOD 11-2 uses a prime modulus and weights that are all non-zero
        /// mod 11, so every single-character substitution changes the sum
        /// and is detected. (Substitutions in the birth date may instead be
        /// rejected as `BirthDate`; either way parsing must fail.)
        #[test]
        fn every_single_substitution_is_rejected(s in valid_id()) {
            let original: Vec<char> = s.chars().collect();
            for pos in 0..original.len() {
                let alphabet: &[char] = if pos == 17 { &CHECK_CHARS } else { &DIGITS };
                for &c in alphabet.iter().filter(|&&c| c != original[pos]) {
                    let mut mutated = original.clone();
                    mutated[pos] = c;
                    let mutated: String = mutated.into_iter().collect();
                    let result = ResidentId::parse(&mutated);
                    prop_assert!(
                        matches!(result, Err(IdentError::CheckDigit | IdentError::BirthDate)),
                        "{} gave {:?} (from {})", mutated, result, s
                    );
                }
            }
        }
    }

    const DIGITS: [char; 10] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
}
