//! Money in minor units (never floats) with an ISO 4217 currency.

use serde::{Deserialize, Serialize};

/// An amount in minor units (fen for CNY, cents for USD) and its currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in minor units; never negative for balances held here.
    pub minor: i64,
    /// Three upper-case letters, e.g. `CNY`.
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
}

/// ISO 4217 alphabetic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");
    /// The currency of the foreign large-value thresholds.
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let b = s.trim().as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_uppercase()) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err("must be a three-letter ISO 4217 code in capitals, e.g. CNY")
        }
    }

    pub fn as_str(&self) -> &str {
        // The bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl Money {
    /// Validates that the amount is not negative.
    pub fn non_negative(self) -> Result<Self, &'static str> {
        if self.minor < 0 {
            Err("must not be negative")
        } else {
            Ok(self)
        }
    }

    /// Whole major units (for thresholds expressed in yuan), rounding toward zero.
    pub fn major(&self) -> i64 {
        self.minor / 100
    }
}

/// An amount written in major units (`1,234.56`, `-0.05`) as minor units of a currency with `digits`
/// decimals: commas are thousands separators, at most `digits` decimals, an optional leading minus.
pub fn parse_major(s: &str, digits: u8) -> Result<i64, &'static str> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > usize::from(digits)
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(if digits == 0 {
            "must be a whole amount"
        } else {
            "must be an amount with at most two decimals"
        });
    }
    let whole: i64 = int.parse().map_err(|_| "is too large")?;
    let scale = 10i64.pow(u32::from(digits));
    let cents: i64 = if digits == 0 {
        0
    } else {
        format!("{frac:0<width$}", width = usize::from(digits))
            .parse()
            .map_err(|_| "is too large")?
    };
    let v = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(cents))
        .ok_or("is too large")?;
    Ok(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_amounts_become_minor_units() {
        assert_eq!(parse_major("1,234.5", 2), Ok(123_450));
        assert_eq!(parse_major("-0.05", 2), Ok(-5));
        assert_eq!(parse_major("10000", 0), Ok(10_000));
        assert!(parse_major("1.5", 0).is_err());
        assert!(parse_major("1.234", 2).is_err());
        assert!(parse_major("", 2).is_err());
        assert!(parse_major("99999999999999999999", 2).is_err());
    }

    #[test]
    fn currency_parses_three_capitals_only() {
        assert_eq!(
            Currency::parse("CNY").map(|c| c.as_str().to_owned()),
            Ok("CNY".into())
        );
        assert!(Currency::parse("cny").is_err());
        assert!(Currency::parse("CN").is_err());
    }

    #[test]
    fn money_rejects_negative() {
        let m = Money {
            minor: -1,
            currency: Currency::CNY,
        };
        assert!(m.non_negative().is_err());
    }
}

/// Minor units as major units with thousands separators and two decimals: `-1,234,567.89`.
pub fn grouped(minor: i64) -> String {
    let abs = minor.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if minor < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(&format!(".{:02}", abs % 100));
    out
}

#[cfg(test)]
mod grouped_tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::grouped(123456789), "1,234,567.89");
        assert_eq!(super::grouped(-5), "-0.05");
        assert_eq!(super::grouped(100000), "1,000.00");
    }
}
