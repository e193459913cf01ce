//! Demo satisfaction survey of new customers: the demo's won customers are a month from their survey, so
//! the demo sends it as the nightly job will on that day, and the verified customer's reply comes back
//! through the gateway — the lead's page and the funnel page's effectiveness report show the answer.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::acquisition::{LeadQuery, leads};
use banyan_app::inbound::{self, Reply};
use banyan_domain::acquisition::LeadStage;

pub async fn demo_survey(app: &App) -> Result<()> {
    let err = |e: banyan_app::AppError| anyhow!("{e}");
    let days = i64::from(banyan_app::acquisition::survey::survey_days(app));
    let due = app
        .today()
        .checked_add(jiff::Span::new().days(days))
        .map_err(|e| anyhow!("{e}"))?;
    banyan_app::acquisition::survey::send_due(app, due)
        .await
        .map_err(err)?;
    let sup = banyan_app::access::actor_for(app, "risk1")
        .await
        .map_err(err)?;
    let won = leads::list(
        app,
        &sup,
        LeadQuery {
            stage: Some(LeadStage::Won),
            ..Default::default()
        },
    )
    .await
    .map_err(err)?;
    for l in won.items {
        let v = leads::get(app, &sup, l.id).await.map_err(err)?;
        let Some(customer) = v.customer_id else {
            continue;
        };
        let messages = banyan_app::notify::customer_messages(app, &sup, customer.uuid())
            .await
            .map_err(err)?;
        if let Some(m) = messages.iter().find(|m| m.cause == "lead.survey") {
            inbound::receive(
                app,
                Reply {
                    in_reply_to: m.id,
                    text: "5 开户当天就办好了，客户经理很专业".into(),
                },
            )
            .await
            .map_err(err)?;
        }
    }
    Ok(())
}
