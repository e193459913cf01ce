//! The effectiveness report beside the funnel (seed 002 §七, 拓户效果评估): of the customers won in a
//! period within the reader's scope — how many, of which kind, what they brought by the book's latest
//! figures (assets, deposits, loans, fee income), their risk ratings, and how many of those won 90 days or
//! more ago are active, and how satisfied the new customers said they were (the survey) — against the period of the same length before, with the growth; and how long the
//! open leads have stood at their stage (ageing), each count a link to the leads it counts.

use super::funnel::{Period, day_start, growth, period};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::acquisition::targets::TargetMetric;
use banyan_domain::acquisition::{LeadKind, LeadStage};
use banyan_store::acquisition::effectiveness::{self as store, Won};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Which period the report covers.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EffectQuery {
    /// First day, `YYYY-MM-DD` (default: 90 days before `to`).
    pub from: Option<String>,
    /// Last day (default: today).
    pub to: Option<String>,
}

/// What the customers won in one period brought.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub new_customers: i64,
    pub new_individual: i64,
    pub new_corporate: i64,
    /// Minor units of CNY, the book's latest figures on or before the period's last day.
    pub assets: i64,
    pub deposits: i64,
    pub loans: i64,
    pub fee_income: i64,
    /// New customers per risk rating (`low`, `medium`, `high`; `A`–`D` for companies).
    pub ratings: BTreeMap<String, i64>,
    /// New customers won 90 days or more before the period's last day …
    pub mature: i64,
    /// … and of them, those with transactions in their latest 90 days.
    pub active_after_90d: i64,
    /// New customers' satisfaction surveys sent in the period …
    pub surveys_sent: i64,
    /// … the answers received in it …
    pub surveys_answered: i64,
    /// … and their average score in tenths (43 = 4.3 of 5; none without answers).
    pub satisfaction_tenths: Option<i64>,
}

/// The growth of each figure over the period before, per thousand (none when it had none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Growth {
    pub new_customers: Option<i64>,
    pub assets: Option<i64>,
    pub deposits: Option<i64>,
    pub loans: Option<i64>,
    pub fee_income: Option<i64>,
}

/// The open leads of one stage by how long they have stood there.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgeingLine {
    pub stage: LeadStage,
    /// Counts per band of [`AGEING_BANDS`], in order.
    pub counts: Vec<i64>,
}

/// The policy engine's rating of a person and of a company.
pub(crate) const RATING_DIMENSIONS: [&str; 2] = ["risk_rating", "credit_grade"];

/// The ageing bands: days at the stage from (inclusive) and to (inclusive; none: no end).
pub const AGEING_BANDS: [(i64, Option<i64>); 4] =
    [(0, Some(7)), (8, Some(30)), (31, Some(90)), (91, None)];

/// An ageing band: its first and last day at the stage (none: open-ended), and the days on which its leads
/// entered their stage (the lead list's `entered_from`, `entered_to`: its drill-down).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Band {
    pub from_days: i64,
    pub to_days: Option<i64>,
    pub entered_from: Option<String>,
    pub entered_to: String,
}

/// The effectiveness report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Effectiveness {
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub current: Figures,
    pub previous: Figures,
    pub growth: Growth,
    /// The ageing bands.
    pub bands: Vec<Band>,
    /// The open leads of each open pipeline stage (`new` to `application`), by band.
    pub ageing: Vec<AgeingLine>,
}

/// The report over `from`..=`to` within the reader's scope (`lead.read`).
pub async fn report(app: &App, actor: &Actor, q: EffectQuery) -> Result<Effectiveness> {
    let grant = actor.require(Permission::LeadRead)?;
    let Period {
        from,
        to,
        before,
        from_us,
        after_us,
        before_us,
    } = period(app, q.from.as_deref(), q.to.as_deref())?;
    let scope = grant.scope();
    let before_to = from
        .yesterday()
        .map_err(|e| AppError::internal_from("the day before `from`", e))?;
    let won = store::won_in(&app.db.conn, &scope, from_us, after_us).await?;
    let mut current = figures(app, &won, to).await?;
    surveys(app, &scope, from_us, after_us, &mut current).await?;
    let won = store::won_in(&app.db.conn, &scope, before_us, from_us).await?;
    let mut previous = figures(app, &won, before_to).await?;
    surveys(app, &scope, before_us, from_us, &mut previous).await?;
    let growth = Growth {
        new_customers: growth(current.new_customers, previous.new_customers),
        assets: growth(current.assets, previous.assets),
        deposits: growth(current.deposits, previous.deposits),
        loans: growth(current.loans, previous.loans),
        fee_income: growth(current.fee_income, previous.fee_income),
    };
    Ok(Effectiveness {
        from: from.to_string(),
        to: to.to_string(),
        previous_from: before.to_string(),
        previous_to: before_to.to_string(),
        current,
        previous,
        growth,
        bands: bands(app.today())?,
        ageing: ageing(app, &scope).await?,
    })
}

/// The ageing bands as of `today`.
fn bands(today: jiff::civil::Date) -> Result<Vec<Band>> {
    let ago = |n: i64| {
        today
            .checked_sub(jiff::Span::new().days(n))
            .map(|d| d.to_string())
            .map_err(|e| AppError::internal_from("an ageing band's day", e))
    };
    AGEING_BANDS
        .iter()
        .map(|(from_days, to_days)| {
            Ok(Band {
                from_days: *from_days,
                to_days: *to_days,
                entered_from: to_days.map(ago).transpose()?,
                entered_to: ago(*from_days)?,
            })
        })
        .collect()
}

/// The figures of the customers won, by the book's latest figures on or before `until`.
pub(super) async fn figures(app: &App, won: &[Won], until: jiff::civil::Date) -> Result<Figures> {
    let mut f = Figures {
        new_customers: won.len() as i64,
        new_individual: won
            .iter()
            .filter(|w| w.kind == LeadKind::Individual)
            .count() as i64,
        new_corporate: won.iter().filter(|w| w.kind == LeadKind::Corporate).count() as i64,
        ..Figures::default()
    };
    let ids: Vec<uuid::Uuid> = won.iter().map(|w| w.customer_id).collect();
    // Won 90 days or more before the period's last day: old enough to tell whether they stayed active.
    let mature_before = day_start(app, until)? - 90 * 86_400_000_000;
    let mature: std::collections::HashSet<uuid::Uuid> = won
        .iter()
        .filter(|w| w.won_at_us <= mature_before)
        .map(|w| w.customer_id)
        .collect();
    f.mature = mature.len() as i64;
    for (id, m) in super::latest_figures(&app.db.conn, &ids, until).await? {
        f.assets = f.assets.saturating_add(TargetMetric::NewAssets.figure(&m));
        f.deposits = f
            .deposits
            .saturating_add(TargetMetric::NewDeposits.figure(&m));
        f.loans = f.loans.saturating_add(TargetMetric::NewLoans.figure(&m));
        f.fee_income = f
            .fee_income
            .saturating_add(TargetMetric::NewFeeIncome.figure(&m));
        if m.transactions_90d > 0 && mature.contains(&id) {
            f.active_after_90d += 1;
        }
    }
    f.ratings = ratings_of(&app.db.conn, &ids).await?;
    Ok(f)
}

/// How many of these customers the policy engine rates with each rating: people low / medium / high
/// (`risk_rating`), companies A to D (`credit_grade`).
pub(super) async fn ratings_of<C: banyan_store::ConnectionTrait>(
    c: &C,
    customers: &[uuid::Uuid],
) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for chunk in customers.chunks(500) {
        for a in banyan_store::segments::assignment_values_for(c, chunk).await? {
            if RATING_DIMENSIONS.contains(&a.dimension.as_str()) {
                *out.entry(a.value).or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// The new customers' surveys sent and answered in `[from_us, to_us)`, and the average answer.
pub(super) async fn surveys(
    app: &App,
    scope: &banyan_store::customers::ScopeFilter,
    from_us: i64,
    to_us: i64,
    f: &mut Figures,
) -> Result<()> {
    let (sent, answered, sum) =
        banyan_store::acquisition::survey::counts(&app.db.conn, scope, from_us, to_us).await?;
    f.surveys_sent = sent;
    f.surveys_answered = answered;
    // Rounded to the nearest tenth.
    f.satisfaction_tenths = (answered > 0).then(|| (sum * 20 + answered) / (answered * 2));
    Ok(())
}

/// The open leads of each pipeline stage by band of days at the stage.
async fn ageing(
    app: &App,
    scope: &banyan_store::customers::ScopeFilter,
) -> Result<Vec<AgeingLine>> {
    let today = day_start(app, app.today())?;
    let tomorrow = today + 86_400_000_000;
    let mut lines: Vec<AgeingLine> = LeadStage::BOARD
        .iter()
        .filter(|s| s.is_open())
        .map(|s| AgeingLine {
            stage: *s,
            counts: vec![0; AGEING_BANDS.len()],
        })
        .collect();
    for (i, (first, last)) in AGEING_BANDS.iter().enumerate() {
        // At the stage `first` to `last` days: entered after the start of the day `last` days ago and
        // before the end of the day `first` days ago.
        let from = last.map(|l| today - l * 86_400_000_000);
        let to = Some(tomorrow - first * 86_400_000_000);
        for (stage, n) in store::open_by_stage(&app.db.conn, scope, from, to).await? {
            if let Some(l) = lines.iter_mut().find(|l| l.stage == stage) {
                l.counts[i] = n;
            }
        }
    }
    Ok(lines)
}
