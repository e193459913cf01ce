//! Customers the suites create: valid identifiers (with their check characters) and request bodies, so
//! the API tests, the CLI tests and the browser walk start from the same people.

use serde_json::Value;

/// A valid resident ID for birth date `yyyymmdd` and sequence `seq` (odd = male), district 110105.
pub fn resident_id(yyyymmdd: &str, seq: u32) -> String {
    let body = format!("110105{yyyymmdd}{seq:03}");
    let c = banyan_domain::ident::ResidentId::check_char(&body).expect("a valid ID body");
    format!("{body}{c}")
}

/// A valid unified social credit code with a 9-character organisation code.
pub fn credit_code(org: &str) -> String {
    let body = format!("91110000{org}");
    let c = banyan_domain::ident::CreditCode::check_char(&body).expect("a valid code body");
    format!("{body}{c}")
}

/// A create body for an individual of branch BR0001 with a mobile, an e-mail, an address and SMS consent.
pub fn individual(name: &str, id: &str, mobile: &str) -> Value {
    serde_json::json!({
        "kind": "individual",
        "branch_code": "BR0001",
        "individual": {"name_zh": name, "id_type": "resident_id", "id_number": id, "occupation": "教师"},
        "contacts": [{"kind": "mobile", "value": mobile}, {"kind": "email", "value": "zhang@example.cn"}, {"kind": "address", "value": "北京市朝阳区建国路88号"}],
        "consents": [{"channel": "sms", "granted": true, "source": "branch_form"}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_are_valid_identifiers() {
        let id = resident_id("19800101", 123);
        assert!(banyan_domain::ident::ResidentId::parse(&id).is_ok(), "{id}");
        let code = credit_code("MA01AB2C3");
        assert!(
            banyan_domain::ident::CreditCode::parse(&code).is_ok(),
            "{code}"
        );
        assert_eq!(
            individual("张三", &id, "13812345678")["individual"]["id_number"],
            id
        );
    }
}
