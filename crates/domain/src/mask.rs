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

#[cfg(test)]
mod tests {
    use super::*;

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
