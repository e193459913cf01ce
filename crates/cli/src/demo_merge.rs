//! Demo duplicates: a person registered twice (a second record with a mistyped ID number, the same name,
//! birth date and e-mail), a company registered twice under one legal representative, and two namesakes at
//! one address who are two people. The night's scan is run once so the queue is full; the person's two
//! records wait as a proposed merge for a reviewer's approval.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::customers::merge::MergeInput;
use banyan_domain::customer::CustomerInput;
use banyan_domain::ident::{CreditCode, ResidentId};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn id_number(area_birth: &str, seq: u32) -> String {
    let body = format!("{area_birth}{seq:03}");
    let check = ResidentId::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn credit(org: &str) -> String {
    let body = format!("91330100{org}");
    let check = CreditCode::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn person(
    name: &str,
    id: &str,
    mobile: &str,
    email: &str,
    address: &str,
    occupation: &str,
) -> Value {
    json!({
        "kind": "individual",
        "branch_code": "BR0001",
        "individual": {"name_zh": name, "nationality": "CN", "id_type": "resident_id", "id_number": id,
                       "occupation": occupation},
        "contacts": [{"kind": "mobile", "value": mobile}, {"kind": "email", "value": email},
                     {"kind": "address", "value": address}],
        "consents": [{"channel": "sms", "granted": true, "source": "branch_form"}],
    })
}

fn company(org: &str, address: &str) -> Value {
    json!({
        "kind": "corporate",
        "branch_code": "BR0001",
        "organization": {"registered_name": "杭州市恒远贸易有限公司", "credit_code": credit(org),
                         "legal_form": "limited_liability", "industry": "F", "employees": 85,
                         "legal_representative": "周海"},
        "contacts": [{"kind": "address", "value": address, "label": "注册地址"}],
        "preferred_channel": "visit",
    })
}

pub(crate) async fn demo_duplicates(app: &App) -> Result<()> {
    let rm = banyan_app::access::actor_for(app, "rm1")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let bodies = [
        person(
            "陈建国",
            &id_number("33010619680412", 31),
            "13957100001",
            "chen.jg@example.cn",
            "杭州市西湖区文三路12号",
            "工程师",
        ),
        person(
            "陈 建国",
            &id_number("33010619680412", 37),
            "13957100002",
            "chen.jg@example.cn",
            "杭州市西湖区文三路12号",
            "高级工程师",
        ),
        company("MA2H7K3L1", "杭州市拱墅区莫干山路100号"),
        company("MA2H7K3L9", "杭州市拱墅区莫干山路102号"),
        person(
            "刘洋",
            &id_number("33010219850301", 11),
            "13957100003",
            "liuyang85@example.cn",
            "杭州市上城区解放路8号",
            "教师",
        ),
        person(
            "刘洋",
            &id_number("33010220120715", 12),
            "13957100004",
            "liuyang12@example.cn",
            "杭州市上城区解放路8号",
            "学生",
        ),
    ];
    let inputs: Vec<CustomerInput> = bodies
        .into_iter()
        .map(|b| serde_json::from_value(b).map_err(|e| anyhow!("demo duplicate is malformed: {e}")))
        .collect::<Result<_>>()?;
    let made = banyan_app::customers::create_batch(app, &rm, inputs)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if made.rejected > 0 {
        return Err(anyhow!("demo duplicates refused: {:?}", made.items));
    }
    let ids: Vec<uuid::Uuid> = made.items.iter().filter_map(|i| i.id).collect();
    banyan_app::customers::pairs::scan(app)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if let [first, second, ..] = ids[..] {
        banyan_app::customers::merge::propose(
            app,
            &rm,
            MergeInput {
                survivor_id: first,
                merged_id: second,
                choices: BTreeMap::from([(
                    "individual.occupation".to_owned(),
                    banyan_domain::customer::merge::Side::Merged,
                )]),
                note: Some("同一客户：第二条记录的身份证号末位录错，客户已到柜面核实".to_owned()),
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}
