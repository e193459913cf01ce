//! Demo visits to leads: a plan made from the screening result (every other one a key lead's special plan,
//! prepared in full) and, for leads past the visit, its record with the customer's needs — made through the
//! same use cases as the workbench, so that the planned ones stand on their owner's calendar.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::acquisition::{LeadVisitInput, VisitWork, visits};
use banyan_domain::acquisition::visits::{VisitMethod, VisitOutcome};
use banyan_domain::ids::LeadId;

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Plans a visit `days` days from today at 10:00 (the bank's time zone), which moves a qualified lead to
/// `visiting`; `key`: a key lead's special plan.
pub async fn plan(app: &App, owner: &Actor, id: LeadId, days: i64, key: bool) -> Result<()> {
    let day = app
        .today()
        .checked_add(jiff::Span::new().days(days))
        .map_err(|e| anyhow!("demo visit day: {e}"))?;
    let at = day
        .at(10, 0, 0, 0)
        .to_zoned(app.tz.clone())
        .map_err(|e| anyhow!("demo visit time: {e}"))?
        .timestamp();
    let input = LeadVisitInput {
        purpose: Some(if key {
            "高层会谈：综合金融服务方案".into()
        } else {
            "初次拜访：了解结算与理财需求".into()
        }),
        scheduled_at: Some(at.to_string()),
        method: Some(if key {
            VisitMethod::Visit
        } else {
            VisitMethod::Meeting
        }),
        staff: None,
        key_lead: key,
        background: Some("经营稳健，现于他行办理结算，有扩大融资的打算".into()),
        competitors: key.then(|| "两家股份制银行报出结算手续费减免".into()),
        materials: Some("产品手册、同业案例、开户资料清单".into()),
        talking_points: key.then(|| "结算时效与费率；供应链融资额度；专属服务团队".into()),
    };
    visits::plan(app, owner, id, input, None)
        .await
        .map(|_| ())
        .map_err(err)
}

/// Records the lead's planned visit: the customer wants to go on (which moves a visited lead to
/// `proposal`).
pub async fn record(app: &App, owner: &Actor, id: LeadId) -> Result<()> {
    let lead = banyan_app::acquisition::leads::get(app, owner, id)
        .await
        .map_err(err)?;
    let Some(v) = lead
        .visits
        .iter()
        .find(|v| v.state == banyan_domain::acquisition::visits::LeadVisitState::Planned)
    else {
        return Err(anyhow!("demo lead {}: no planned visit", lead.lead_no));
    };
    let w = VisitWork::Record {
        held_at: None,
        summary: Some("客户希望整合结算账户，并了解流动资金贷款与代发工资".into()),
        opinions: Some("关注手续费水平和审批时效".into()),
        outcome: Some(VisitOutcome::Proceed),
        next_step: None,
    };
    visits::act(app, owner, id, v.id, w, None)
        .await
        .map(|_| ())
        .map_err(err)
}
