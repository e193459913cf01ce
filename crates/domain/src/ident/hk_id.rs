//! Hong Kong identity card number (香港身份證號碼), as issued by the Immigration
//! Department under the Registration of Persons Regulations (Cap. 177A):
//! one or two letters, six digits and a mod-11 check digit.

use super::{IdentError, normalize};

const FORMAT: IdentError = IdentError::Format {
    expected: "1 or 2 letters, 6 digits and a check digit 0-9 or A, e.g. A123456(3)",
};

/// Value of the padding in front of a single-letter prefix.
const SPACE_VALUE: u32 = 36;
/// Weights for the 8 positions: 2 prefix positions then 6 digits.
const WEIGHTS: [u32; 8] = [9, 8, 7, 6, 5, 4, 3, 2];

/// A validated HKID, canonically written `A123456(3)` or `CA182361(1)`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HkId {
    /// Canonical form with the check digit in parentheses.
    value: String,
}

ident_string_impls!(HkId);

impl HkId {
    /// Parse and normalise. Accepts the check digit with or without
    /// parentheses (`A123456(3)`, `A1234563`), any case and spacing.
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let normalized = normalize(input)?;
        let compact = strip_check_parens(&normalized)?;
        let Some(check) = compact.chars().next_back() else {
            return Err(FORMAT);
        };
        let body = &compact[..compact.len() - check.len_utf8()];
        if !(check.is_ascii_digit() || check == 'A') {
            return Err(FORMAT);
        }
        let expected = Self::check_char(body).ok_or(FORMAT)?;
        if expected != check {
            return Err(IdentError::CheckDigit);
        }
        Ok(Self {
            value: format!("{body}({expected})"),
        })
    }

    /// The check character (`0-9` or `A`) for a body of 1–2 upper-case letters
    /// and 6 digits, or `None` if `body` does not have that shape.
    pub fn check_char(body: &str) -> Option<char> {
        let bytes = body.as_bytes();
        let (prefix, digits) = match bytes.len() {
            7 | 8 => bytes.split_at(bytes.len() - 6),
            _ => return None,
        };
        if !prefix.iter().all(u8::is_ascii_uppercase) || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let padded = (prefix.len() == 1).then_some(SPACE_VALUE);
        let values = padded
            .into_iter()
            .chain(prefix.iter().map(|b| u32::from(b - b'A') + 10))
            .chain(digits.iter().map(|b| u32::from(b - b'0')));
        let sum: u32 = values.zip(WEIGHTS).map(|(v, w)| v * w).sum();
        Some(match sum % 11 {
            0 => '0',
            1 => 'A',
            r => char::from(b'0' + (11 - r) as u8),
        })
    }

    /// Prefix letters and first digit kept, the rest hidden: `A1*****(*)`.
    pub fn masked(&self) -> String {
        let bytes = self.value.as_bytes();
        let prefix_len = bytes.len() - 9; // 6 digits + "(c)"
        let kept = &self.value[..=prefix_len];
        format!("{kept}*****(*)")
    }
}

/// `A123456(3)` → `A1234563`; input without parentheses is returned as is.
fn strip_check_parens(s: &str) -> Result<String, IdentError> {
    if !s.contains(['(', ')']) {
        return Ok(s.to_owned());
    }
    let inner = s
        .strip_suffix(')')
        .and_then(|rest| {
            let (body, check) = rest.split_at_checked(rest.len().checked_sub(2)?)?;
            Some((body, check.strip_prefix('(')?))
        })
        .filter(|(body, check)| !body.contains(['(', ')']) && !check.contains(['(', ')']));
    match inner {
        Some((body, check)) => Ok(format!("{body}{check}")),
        None => Err(FORMAT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_examples() {
        let id = HkId::parse("CA182361(1)").expect("valid");
        assert_eq!(id.as_str(), "CA182361(1)");
        let id = HkId::parse("A123456(3)").expect("valid");
        assert_eq!(id.as_str(), "A123456(3)");
        assert_eq!(HkId::parse("A1234563").expect("valid"), id);
        assert_eq!(HkId::parse(" a 123456 (3) ").expect("valid"), id);
        assert_eq!(id.to_string(), "A123456(3)");
    }

    #[test]
    fn check_char_helper() {
        assert_eq!(HkId::check_char("A123456"), Some('3'));
        assert_eq!(HkId::check_char("CA182361"), Some('1'));
        assert_eq!(HkId::check_char("A12345"), None);
        assert_eq!(HkId::check_char("a123456"), None);
        assert_eq!(HkId::check_char("ABC12345"), None);
        // Some body whose check digit is A (sum ≡ 1 mod 11).
        let with_a = (0..1_000_000)
            .map(|n| format!("B{n:06}"))
            .find(|b| HkId::check_char(b) == Some('A'))
            .expect("some body has check A");
        let id = HkId::parse(&format!("{with_a}(a)")).expect("A check accepted");
        assert_eq!(id.as_str(), format!("{with_a}(A)"));
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(HkId::parse(" "), Err(IdentError::Empty));
        assert_eq!(HkId::parse("A123456(4)"), Err(IdentError::CheckDigit));
        assert_eq!(HkId::parse("A1234564"), Err(IdentError::CheckDigit));
        assert_eq!(HkId::parse("CA182361(2)"), Err(IdentError::CheckDigit));
        for bad in [
            "A12345(3)",
            "A1234567(3)",
            "ABC123456(3)",
            "123456(3)",
            "A123456(B)",
            "A123456(33)",
            "A123456()",
            "A123456(3",
            "A123(456)3",
            "(A123456(3)",
            "A12345X(3)",
            "()",
            "(",
        ] {
            assert_eq!(HkId::parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn masked_and_debug_redacted() {
        let id = HkId::parse("A123456(3)").expect("valid");
        assert_eq!(id.masked(), "A1*****(*)");
        let id = HkId::parse("CA182361(1)").expect("valid");
        assert_eq!(id.masked(), "CA1*****(*)");
        let debug = format!("{id:?}");
        assert_eq!(debug, "HkId(CA1*****(*))");
        assert!(!debug.contains("182361"));
    }

    #[test]
    fn serde_round_trip() {
        let id: HkId = serde_json::from_str("\"A1234563\"").expect("valid");
        assert_eq!(serde_json::to_string(&id).expect("ser"), "\"A123456(3)\"");
        assert!(serde_json::from_str::<HkId>("\"A1234564\"").is_err());
    }

    /// Known blind spot of the HKID checksum: letter values run 10..=35, a
    /// range wider than the modulus, so two letters whose values differ by 11
    /// or 22 (A/L/W, B/M/X, C/N/Y, D/O/Z, E/P, F/Q, ...) contribute the same
    /// amount mod 11 and substituting one for the other is undetectable.
    #[test]
    fn letter_substitution_blind_spot_is_real() {
        assert!(HkId::parse("A123456(3)").is_ok());
        assert!(HkId::parse("L123456(3)").is_ok());
        assert!(HkId::parse("W123456(3)").is_ok());
    }

    const DIGITS: &[u8] = b"0123456789";
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const CHECKS: &[u8] = b"0123456789A";

    fn valid_body() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(proptest::sample::select(LETTERS), 1..=2),
            proptest::collection::vec(proptest::sample::select(DIGITS), 6),
        )
            .prop_map(|(prefix, digits)| prefix.into_iter().chain(digits).map(char::from).collect())
    }

    fn valid_compact() -> impl Strategy<Value = String> {
        valid_body().prop_map(|body| {
            let check = HkId::check_char(&body).expect("valid body");
            format!("{body}{check}")
        })
    }

    fn letter_value(b: u8) -> i32 {
        i32::from(b - b'A') + 10
    }

    proptest! {
        #[test]
        fn generated_ids_parse_and_round_trip(s in valid_compact(), parens in any::<bool>()) {
            let (body, check) = s.split_at(s.len() - 1);
            let canonical = format!("{body}({check})");
            let input = if parens { canonical.clone() } else { s.clone() };
            let id = HkId::parse(&input).expect("generated id is valid");
            prop_assert_eq!(id.as_str(), canonical.as_str());
            let again = HkId::parse(&format!("{id}")).expect("display re-parses");
            prop_assert_eq!(again, id);
        }

        /// Weights 9..2 are all non-zero mod the prime 11 and digit
        /// differences are 1..=9, so every digit substitution is detected; the
        /// check digit is unique, so substituting it is detected too. For
        /// letters only substitutions whose value difference is not a multiple
        /// of 11 are guaranteed to be caught (see the blind-spot test above);
        /// the others are accepted, and we assert that too.
        #[test]
        fn single_substitutions_are_rejected(s in valid_compact()) {
            let original = s.as_bytes();
            let prefix_len = original.len() - 7;
            for pos in 0..original.len() {
                let alphabet = if pos < prefix_len {
                    LETTERS
                } else if pos == original.len() - 1 {
                    CHECKS
                } else {
                    DIGITS
                };
                for &c in alphabet.iter().filter(|&&c| c != original[pos]) {
                    let mut mutated = original.to_vec();
                    mutated[pos] = c;
                    let mutated = String::from_utf8(mutated).expect("ascii");
                    let result = HkId::parse(&mutated);
                    let undetectable = pos < prefix_len
                        && (letter_value(c) - letter_value(original[pos])) % 11 == 0;
                    if undetectable {
                        prop_assert!(result.is_ok(), "{} rejected (from {})", mutated, s);
                    } else {
                        prop_assert_eq!(
                            result,
                            Err(IdentError::CheckDigit),
                            "{} (from {})", mutated, s
                        );
                    }
                }
            }
        }
    }
}
