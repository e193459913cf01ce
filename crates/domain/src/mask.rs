//! Masking of free-text personal data (identifiers mask themselves in `ident`).

/// Keeps the first six characters of an address (province/city level) and hides the rest.
pub fn address(a: &str) -> String {
    let keep: String = a.chars().take(6).collect();
    if a.chars().count() <= 6 {
        return "*".repeat(a.chars().count().max(1));
    }
    format!("{keep}****")
}

/// Masks a personal name for logs and exports where names must not appear: first character kept.
pub fn name(n: &str) -> String {
    let mut chars = n.chars();
    match chars.next() {
        Some(c) => format!("{c}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// Masks a value that may not even be well formed (a rejected row's ID number, mobile or e-mail): a third
/// of it at most is shown, the first and last few characters; an e-mail keeps its first character and
/// domain.
pub fn loose(v: &str) -> String {
    let v = v.trim();
    if let Some((local, domain)) = v.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let n = v.chars().count();
    let keep = n / 6;
    let front: String = v.chars().take(keep).collect();
    let back: String = v.chars().skip(n - keep).collect();
    format!("{front}{}{back}", "*".repeat(n - 2 * keep))
}

/// Masks an account number: only its last four characters show (`****0001`); a number of four or fewer is
/// hidden whole.
pub fn account(no: &str) -> String {
    let n = no.chars().count();
    if n <= 4 {
        return "*".repeat(n.max(1));
    }
    let tail: String = no.chars().skip(n - 4).collect();
    format!("****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_number_shows_its_last_four() {
        assert_eq!(account("6222020200001234"), "****1234");
        assert_eq!(account("123"), "***");
    }

    #[test]
    fn a_loose_value_shows_a_third_at_most() {
        assert_eq!(loose("11010519850612123X"), "110************23X");
        assert_eq!(loose("1381234"), "1*****4");
        assert_eq!(loose("zhang.san@example.com"), "z***@example.com");
        assert_eq!(loose("12"), "**");
    }

    #[test]
    fn address_keeps_only_the_region() {
        assert_eq!(address("北京市朝阳区建国路88号"), "北京市朝阳区****");
        assert_eq!(address("短地址"), "***");
    }

    #[test]
    fn name_keeps_the_first_character() {
        assert_eq!(name("张三丰"), "张**");
    }
}
