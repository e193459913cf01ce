//! Demo requests of people exercising their rights over their data: a copy asked for by letter (open, due
//! fifteen working days after it came), a deletion carried out at once for a person who never held an
//! account, and one for a customer with accounts, restricted while the AML years run. Registered by
//! customer service, carried out by the branch supervisor (a second person).

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::rights::{self, RightDecision, RightInput};
use banyan_domain::access::Role;
use banyan_domain::customer::{CustomerInput, CustomerStatus};
use banyan_domain::ident::ResidentId;
use banyan_domain::rights::{RightChannel, RightKind};
use serde_json::json;
use uuid::Uuid;

fn person(name: &str, birth_seq: &str, mobile: &str) -> Result<CustomerInput> {
    let body = format!("330106{birth_seq}");
    let check = ResidentId::check_char(&body).unwrap_or('0');
    serde_json::from_value(json!({
        "kind": "individual",
        "branch_code": "BR0001",
        "individual": {"name_zh": name, "nationality": "CN", "id_type": "resident_id",
                       "id_number": format!("{body}{check}"), "occupation": "职员"},
        "contacts": [{"kind": "mobile", "value": mobile}],
        "consents": [{"channel": "sms", "granted": true, "source": "branch_form"}],
    }))
    .map_err(|e| anyhow!("demo person is malformed: {e}"))
}

async fn staff(app: &App, who: &str) -> Result<Actor> {
    banyan_app::access::actor_for(app, who)
        .await
        .map_err(|e| anyhow!("{e}"))
}

async fn request(
    app: &App,
    by: &Actor,
    customer: Uuid,
    kind: RightKind,
    channel: RightChannel,
    detail: &str,
) -> Result<rights::RightView> {
    rights::register(
        app,
        by,
        RightInput {
            customer_id: customer,
            kind,
            channel,
            received_on: None,
            detail: detail.to_owned(),
        },
    )
    .await
    .map_err(|e| anyhow!("demo rights request: {e}"))
}

async fn carry_out(app: &App, by: &Actor, r: &rights::RightView, note: &str) -> Result<()> {
    let d = RightDecision {
        version: r.version,
        note: Some(note.to_owned()),
    };
    rights::erase(app, by, r.id, d)
        .await
        .map_err(|e| anyhow!("demo erasure: {e}"))?;
    Ok(())
}

pub(crate) async fn demo_rights(app: &App, customers: &[Uuid]) -> Result<()> {
    let (rm, cs, sup) = (
        staff(app, "rm1").await?,
        staff(app, "cs1").await?,
        staff(app, "supervisor1").await?,
    );
    let made = banyan_app::customers::create_batch(
        app,
        &rm,
        vec![
            person("沈佳怡", "19910307052", "13957100011")?,
            person("韩立", "19770921063", "13957100012")?,
        ],
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let ids: Vec<Uuid> = made.items.iter().filter_map(|i| i.id).collect();
    let [copy_of, gone] = ids[..] else {
        return Err(anyhow!("demo rights customers refused: {:?}", made.items));
    };
    request(
        app,
        &cs,
        copy_of,
        RightKind::Access,
        RightChannel::Letter,
        "客户来信要求提供本行保存的其全部个人信息的副本",
    )
    .await?;
    let r = request(
        app,
        &cs,
        gone,
        RightKind::Deletion,
        RightChannel::Branch,
        "客户到网点书面要求删除其个人信息（未在本行开户）",
    )
    .await?;
    carry_out(app, &sup, &r, "已按您的要求删除本行保存的全部个人信息").await?;
    // A customer of the branch with accounts: the law keeps their records, so they are restricted.
    let reader = Actor::system_as("demo", Role::Supervisor).with_all_scope();
    for id in customers {
        let v = banyan_app::customers::get(app, &reader, *id, false)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        if v.branch_code != "BR0001" || v.status != CustomerStatus::Verified {
            continue;
        }
        let r = request(
            app,
            &cs,
            *id,
            RightKind::Deletion,
            RightChannel::Phone,
            "客户来电要求删除其全部个人信息",
        )
        .await?;
        carry_out(
            app,
            &sup,
            &r,
            "您的账户及交易记录须依反洗钱法保存，保存期间仅存储、不作他用，期满后删除",
        )
        .await?;
        break;
    }
    Ok(())
}
