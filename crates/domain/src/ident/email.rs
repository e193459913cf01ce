//! Email address (`local@domain`, after RFC 5321 / RFC 5322), validated
//! conservatively: a simple local part and an ASCII DNS domain name.

use super::IdentError;

const FORMAT: IdentError = IdentError::Format {
    expected: "an email address like name@example.com",
};

/// Maximum length of the local part in octets (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL: usize = 64;
/// Maximum length of a DNS label (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;
/// Maximum length of a whole address (RFC 5321 path limit minus the brackets).
const MAX_TOTAL: usize = 254;

/// A validated email address. The domain is lower-cased; the local part is
/// kept as typed, since it may legally be case-sensitive.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email {
    value: String,
}

ident_string_impls!(Email);

impl Email {
    /// Parse: trimmed; exactly one `@`; local part 1–64 octets without
    /// whitespace or control characters; domain of at least two dot-separated
    /// labels of `A-Z a-z 0-9 -`, none starting or ending with `-`; at most
    /// 254 octets in all.
    pub fn parse(input: &str) -> Result<Self, IdentError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(IdentError::Empty);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(FORMAT);
        };
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if !local_ok || !domain_ok(domain) || s.len() > MAX_TOTAL {
            return Err(FORMAT);
        }
        Ok(Self {
            value: format!("{local}@{}", domain.to_ascii_lowercase()),
        })
    }

    /// The part before `@`, as typed.
    pub fn local_part(&self) -> &str {
        self.value.split_once('@').map_or("", |(local, _)| local)
    }

    /// The domain, lower-cased.
    pub fn domain(&self) -> &str {
        self.value.split_once('@').map_or("", |(_, domain)| domain)
    }

    /// First character of the local part, then `***@` and the domain:
    /// `z***@example.com`.
    pub fn masked(&self) -> String {
        let first = self.local_part().chars().next().unwrap_or('*');
        format!("{first}***@{}", self.domain())
    }
}

fn domain_ok(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_examples() {
        let e = Email::parse("  Zhang.San@Example.COM ").expect("valid");
        assert_eq!(e.as_str(), "Zhang.San@example.com");
        assert_eq!(e.local_part(), "Zhang.San");
        assert_eq!(e.domain(), "example.com");
        assert!(Email::parse("a+tag@mail.example-bank.cn").is_ok());
        assert!(Email::parse("x@a.b").is_ok());
        assert!(Email::parse("张三@example.com").is_ok());
    }

    #[test]
    fn invalid_examples() {
        assert_eq!(Email::parse(" "), Err(IdentError::Empty));
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!("a@{}.com", vec!["c".repeat(60); 5].join("."));
        for bad in [
            "plainaddress",
            "@example.com",
            "a@",
            "a@@example.com",
            "a@b@example.com",
            "a@localhost",
            "a@example..com",
            "a@.example.com",
            "a@example.com.",
            "a@-example.com",
            "a@example-.com",
            "a@exam_ple.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@例子.com",
            long_local.as_str(),
            long_label.as_str(),
            long_total.as_str(),
        ] {
            assert_eq!(Email::parse(bad), Err(FORMAT), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
    }

    #[test]
    fn masked_and_debug_redacted() {
        let e = Email::parse("zhangsan@example.com").expect("valid");
        assert_eq!(e.masked(), "z***@example.com");
        let debug = format!("{e:?}");
        assert_eq!(debug, "Email(z***@example.com)");
        assert!(!debug.contains("zhangsan"));
        assert_eq!(
            Email::parse("张三@example.com").expect("valid").masked(),
            "张***@example.com"
        );
    }

    #[test]
    fn serde_round_trip() {
        let e: Email = serde_json::from_str("\"Li@Example.com\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&e).expect("ser"),
            "\"Li@example.com\""
        );
        assert!(serde_json::from_str::<Email>("\"li@example\"").is_err());
    }

    proptest! {
        #[test]
        fn generated_addresses_round_trip(
            local in "[A-Za-z0-9._%+-]{1,64}",
            labels in proptest::collection::vec("[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", 2..5),
        ) {
            let domain = labels.join(".");
            let input = format!(" {local}@{domain} ");
            let e = Email::parse(&input).expect("generated address is valid");
            prop_assert_eq!(e.local_part(), local.as_str());
            prop_assert_eq!(e.domain(), domain.to_ascii_lowercase());
            let again = Email::parse(&format!("{e}")).expect("display re-parses");
            prop_assert_eq!(&again, &e);
        }
    }
}
