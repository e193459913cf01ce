//! Reactions to a change of a customer's facts, run in the writer's transaction: re-evaluate the segments,
//! then re-plan the contact tasks (a tier change moves the next due date). The customer use cases call this;
//! it calls the policy engine and the planner, neither of which calls back into customers. A lead that
//! became a customer gets its onboarding tasks the same way (acquisition calls this, not the planner).

use crate::App;
use crate::error::Result;
use crate::evaluation::{Mode, evaluate_rows};
use banyan_store::ConnectionTrait;
use banyan_store::customers::CustomerRow;

/// Re-evaluates customers whose facts just changed, and plans their contact tasks (a tier change moves
/// the next due date), in the writer's transaction.
pub(crate) async fn on_change<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
) -> Result<()> {
    react(app, c, rows, false).await
}

/// [`on_change`] for customers created in the caller's transaction: nothing is stored about them yet, so
/// their evaluation reads nothing back.
pub(crate) async fn on_create<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
) -> Result<()> {
    react(app, c, rows, true).await
}

async fn react<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
    fresh: bool,
) -> Result<()> {
    let policy = app.policy();
    evaluate_rows(
        app,
        c,
        rows,
        &policy,
        &policy.hash,
        Mode {
            write: true,
            refresh_reasons: true,
            warnings: false,
            fresh,
        },
    )
    .await?;
    crate::engagement::plan_rows(app, c, rows).await?;
    Ok(())
}

/// A lead became the customer `customer` (its draft just written in `c`): its owner's onboarding tasks —
/// the first-service guidance and the follow-ups — are planned from today.
pub(crate) async fn on_lead_won<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customer: uuid::Uuid,
    owner: Option<uuid::Uuid>,
) -> Result<()> {
    crate::engagement::plan_onboarding(app, c, customer, owner, app.today()).await
}
