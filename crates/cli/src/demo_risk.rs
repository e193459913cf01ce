//! Demo acquisition risk: the managers answer a deal's high risks before its contract goes to review (as
//! the gate asks); a third-party partner whose six leads the reviewer all rejected; a complaint from the
//! customer just won; then the watch, so the risk page shows a partner's warning and the alert queue a new
//! customer's.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::acquisition::risk::{self, RiskInput};
use banyan_app::acquisition::{LeadInput, LeadWork, PartnerInput, board, leads, work};
use banyan_domain::acquisition::risk::{DealRiskLevel, RiskKind, RiskResponse};
use banyan_domain::acquisition::{LawfulBasis, LeadChannel, LeadKind, LeadStage, PartnerKind};
use banyan_domain::ids::LeadId;

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Records a response to each of the lead's risks rated high that has none yet.
pub async fn answer_high(app: &App, owner: &Actor, id: LeadId) -> Result<()> {
    let v = leads::get(app, owner, id).await.map_err(err)?;
    for l in v.risks.lines {
        if l.rating.level != DealRiskLevel::High || l.response.is_some() {
            continue;
        }
        let (response, note) = match l.rating.kind {
            RiskKind::Credit => (
                RiskResponse::Reduce,
                "追加房产抵押并由股东提供连带责任保证，首期授信额度压降三成",
            ),
            RiskKind::Market => (
                RiskResponse::Reduce,
                "分期投放，设置行业集中度上限，按季复核行业景气度",
            ),
            RiskKind::Operational => (
                RiskResponse::Reduce,
                "补齐客户授权与联系方式，合同由运营复核后再送审",
            ),
            RiskKind::Reputational => (
                RiskResponse::Accept,
                "合作机构已约谈整改，本笔业务经支行行长审批接受",
            ),
        };
        let input = RiskInput {
            kind: l.rating.kind,
            response,
            note: note.into(),
        };
        risk::respond(app, owner, id, input, None)
            .await
            .map_err(err)?;
    }
    Ok(())
}

pub async fn demo_risk(app: &App) -> Result<()> {
    let actor = |name: &'static str| async move {
        banyan_app::access::actor_for(app, name).await.map_err(err)
    };
    let (ops, rm, reviewer) = (
        actor("ops1").await?,
        actor("rm1").await?,
        actor("reviewer1").await?,
    );
    let p = board::create_partner(
        app,
        &ops,
        PartnerInput {
            name: Some("速融信息咨询服务有限公司".into()),
            kind: Some(PartnerKind::ThirdParty),
            branch_code: Some("BR0001".into()),
            note: Some("线上导流合作，按成交收费".into()),
        },
    )
    .await
    .map_err(err)?;
    let names = ["钱多多", "赵一鸣", "钱小丽", "孙立伟", "李佳琪", "周子航"];
    for (i, name) in names.iter().enumerate() {
        let input = LeadInput {
            kind: Some(LeadKind::Individual),
            name: Some((*name).into()),
            mobile: Some(format!("1377700{i:04}")),
            channel: Some(LeadChannel::Partner),
            partner_id: Some(p.id),
            basis: Some(LawfulBasis::Consent),
            consent_on: Some(app.today().to_string()),
            consent_ref: Some(format!("SR-2026-{i:03}")),
            income: Some(6_000_000),
            ..LeadInput::default()
        };
        let v = leads::create(app, &rm, input).await.map_err(err)?;
        work::act(app, &rm, v.id, LeadWork::Screen, None)
            .await
            .map_err(err)?;
        let reject = LeadWork::Reject {
            reason: Some("poor_credit".into()),
            note: Some("征信报告显示多头借贷，近期多次逾期".into()),
        };
        work::act(app, &reviewer, v.id, reject, None)
            .await
            .map_err(err)?;
    }
    complaint_from_the_newest_customer(app).await?;
    risk::watch(app).await.map_err(err)?;
    Ok(())
}

/// A complaint from the customer of the newest won lead (its first days with the bank).
async fn complaint_from_the_newest_customer(app: &App) -> Result<()> {
    use banyan_app::cases::CaseInput;
    let rm3 = banyan_app::access::actor_for(app, "rm3")
        .await
        .map_err(err)?;
    let q = banyan_app::acquisition::LeadQuery {
        stage: Some(LeadStage::Won),
        ..Default::default()
    };
    let won = leads::list(app, &rm3, q).await.map_err(err)?;
    let Some(lead) = won.items.first() else {
        return Err(anyhow!("demo risk: no won lead of rm3's"));
    };
    let Some(customer) = leads::get(app, &rm3, lead.id)
        .await
        .map_err(err)?
        .customer_id
    else {
        return Err(anyhow!("demo risk: a won lead without its customer"));
    };
    let cs = banyan_app::access::actor_for(app, "cs1")
        .await
        .map_err(err)?;
    let (products, causes) = banyan_app::cases::form_choices(app);
    let input = CaseInput {
        kind: "complaint".into(),
        channel: banyan_domain::feedback::CHANNELS[0].into(),
        product: products.first().cloned(),
        cause: causes.first().cloned(),
        severity: Some("medium".into()),
        complex: false,
        customer: Some(customer.to_string()),
        complainant: None,
        branch_code: None,
        subject: "开户后网银证书无法使用".into(),
        content: "新开户客户反映网银证书下载后无法登录，已两次到网点处理未果。".into(),
        received_at: None,
        repeat_of: None,
        new_facts: false,
    };
    banyan_app::cases::register(app, &cs, input)
        .await
        .map_err(err)?;
    Ok(())
}
