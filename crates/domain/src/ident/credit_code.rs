//! Unified social credit code (统一社会信用代码) for companies and other
//! organisations, GB 32100-2015: 18 characters with a mod-31 check character.

use super::{IdentError, normalize};

const FORMAT: IdentError = IdentError::Format {
    expected: "18 characters from 0-9 and A-Y without I, O, S, V, Z, with digits in positions 3-8",
};

/// The 31 code symbols; a symbol's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights 3^i mod 31 for the first 17 characters.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A validated unified social credit code, e.g. `91110000600037341L`.
///
/// Layout: registration authority and organisation type (positions 1–2, any
/// code symbol), 6-digit administrative division code (positions 3–8),
/// 9-character organisation code (positions 9–17), check character.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode {
    value: String,
}

ident_string_impls!(CreditCode);

impl CreditCode {
    /// Parse and normalise (whitespace removed, upper-cased).
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let value = normalize(input)?;
        let bytes = value.as_bytes();
        if bytes.len() != 18
            || !bytes.iter().all(|b| symbol_value(*b).is_some())
            || !bytes[2..8].iter().all(u8::is_ascii_digit)
        {
            return Err(FORMAT);
        }
        if Self::check_char(&value[..17]) != Some(char::from(bytes[17])) {
            return Err(IdentError::CheckDigit);
        }
        Ok(Self { value })
    }

    /// The check character for the first 17 characters, or `None` if `first17`
    /// is not exactly 17 code symbols (upper case).
    pub fn check_char(first17: &str) -> Option<char> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (b, w) in bytes.iter().zip(WEIGHTS) {
            sum += symbol_value(*b)? * w;
        }
        let check = (31 - sum % 31) % 31;
        ALPHABET.get(check as usize).map(|b| char::from(*b))
    }

    /// Returns the code unchanged: credit codes identify organisations and are
    /// published in the national enterprise credit registry, so they are not
    /// personal data and masking them would only hinder operators.
    pub fn masked(&self) -> String {
        self.value.clone()
    }
}

fn symbol_value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_example() {
        let code = CreditCode::parse("91110000600037341L").expect("valid");
        assert_eq!(code.as_str(), "91110000600037341L");
        assert_eq!(CreditCode::check_char("91110000600037341"), Some('L'));
        let code = CreditCode::parse(" 9111 0000 6000 3734 1l ").expect("normalised");
        assert_eq!(code.to_string(), "91110000600037341L");
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(CreditCode::parse(""), Err(IdentError::Empty));
        assert_eq!(CreditCode::parse("91110000600037341"), Err(FORMAT));
        assert_eq!(CreditCode::parse("91110000600037341LL"), Err(FORMAT));
        // I, O, S, V, Z are not code symbols.
        for bad in ["I", "O", "S", "V", "Z"] {
            assert_eq!(
                CreditCode::parse(&format!("91110000600037341{bad}")),
                Err(FORMAT)
            );
        }
        // Letters in the administrative division code.
        assert_eq!(CreditCode::parse("911A0000600037341L"), Err(FORMAT));
        assert_eq!(
            CreditCode::parse("91110000600037341K"),
            Err(IdentError::CheckDigit)
        );
        assert_eq!(
            CreditCode::parse("91110000600037342L"),
            Err(IdentError::CheckDigit)
        );
    }

    #[test]
    fn check_char_helper_rejects_bad_input() {
        assert_eq!(CreditCode::check_char("9111000060003734"), None);
        assert_eq!(CreditCode::check_char("9111000060003734I"), None);
        assert_eq!(CreditCode::check_char("9111000060003734l"), None);
    }

    #[test]
    fn masked_is_unchanged_and_debug_shows_it() {
        let code = CreditCode::parse("91110000600037341L").expect("valid");
        assert_eq!(code.masked(), "91110000600037341L");
        assert_eq!(format!("{code:?}"), "CreditCode(91110000600037341L)");
    }

    #[test]
    fn serde_round_trip() {
        let code = CreditCode::parse("91110000600037341L").expect("valid");
        let json = serde_json::to_string(&code).expect("serialise");
        assert_eq!(json, "\"91110000600037341L\"");
        let back: CreditCode = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, code);
        assert!(serde_json::from_str::<CreditCode>("\"91110000600037341K\"").is_err());
    }

    const DIGITS: &[u8] = b"0123456789";

    fn symbol() -> impl Strategy<Value = u8> {
        proptest::sample::select(ALPHABET.as_slice())
    }

    fn valid_code() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(symbol(), 2),
            proptest::collection::vec(proptest::sample::select(DIGITS), 6),
            proptest::collection::vec(symbol(), 9),
        )
            .prop_map(|(head, area, org)| {
                let first17: String = head
                    .into_iter()
                    .chain(area)
                    .chain(org)
                    .map(char::from)
                    .collect();
                let check = CreditCode::check_char(&first17).expect("17 symbols");
                format!("{first17}{check}")
            })
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_round_trip(s in valid_code()) {
            let code = CreditCode::parse(&s).expect("generated code is valid");
            prop_assert_eq!(code.as_str(), s.as_str());
            let again = CreditCode::parse(&format!("{code}")).expect("display re-parses");
            prop_assert_eq!(again, code);
        }

        /// 31 is prime and every weight 3^i mod 31 is non-zero, so any change
        /// of one symbol (value difference 1..=30) changes the sum mod 31:
        /// every single substitution is detected.
        #[test]
        fn every_single_substitution_is_rejected(s in valid_code()) {
            let original = s.as_bytes();
            for pos in 0..original.len() {
                let alphabet: &[u8] = if (2..8).contains(&pos) { DIGITS } else { ALPHABET };
                for &c in alphabet.iter().filter(|&&c| c != original[pos]) {
                    let mut mutated = original.to_vec();
                    mutated[pos] = c;
                    let mutated = String::from_utf8(mutated).expect("ascii");
                    prop_assert_eq!(
                        CreditCode::parse(&mutated),
                        Err(IdentError::CheckDigit),
                        "{} (from {})", mutated, s
                    );
                }
            }
        }
    }
}
