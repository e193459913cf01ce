//! Staff performance (seed 000 §7 考核: 客户满意度、客户忠诚度、业务增长、风险控制; seeds 002-004 for the
//! acquisition, care and wealth teams): the KPI library, each KPI a formula over Banyan's own records with a
//! unit and a direction; the scorecard of a role (which KPIs, their default targets and weights) in the
//! policy; attainment, the weighted score and the composite; the scorecard's life (open while its quarter
//! runs, then closed: frozen with the policy version, a correction a new version).
//!
//! The formulas (docs/performance.md lists them with their sources):
//! - `new_customers`: leads the person owns won as customers in the period (count; higher is better);
//! - `lead_conversion`: of the leads the person owns that ended in the period (won, lost or rejected), the
//!   percent won (percent; higher);
//! - `contact_coverage`: of the person's contact tasks due in the period up to today, the percent done on
//!   time (percent; higher);
//! - `case_sla`: of the cases the person owns received in the period, those resolved within their SLA over
//!   those resolved plus those open past it (percent; higher);
//! - `case_satisfaction`: the mean rating (1-5) of those cases' satisfaction surveys (score; higher);
//! - `overdue_alerts`: alerts the person owns due in the period and not closed by the end of their due day
//!   (count; lower is better);
//! - `aum_growth`, `deposit_growth`, `loan_growth`: the AUM, deposits and loans of the customers the person
//!   manages at the period's end (today while it runs) against the day before it began, from the figures
//!   the book derives (growth in percent; higher);
//! - `fee_income`: fees debited from those customers' accounts in the period (yuan; higher);
//! - `repeat_purchase`: of those customers who bought an investment product in the period, the percent who
//!   had bought one before (percent; higher — seed 004 客户忠诚度);
//! - `referrals`: customers those customers introduced in the period (count; higher — seed 004 转介绍);
//! - `care_on_time`: of the care tasks given to the person due in the period up to today, the percent done
//!   by the end of their due day (percent; higher — seed 003 逾期率);
//! - `care_handling_days`: the mean days from a care measure's request to its completion, of the measures
//!   the person owns completed in the period (days; lower — seed 003 处理时长);
//! - `training_hours`: the hours of the training sessions the person attended in the period (hours;
//!   higher — seed 000 §7.1);
//! - `assessment_score`: the mean score (out of 100) of the course assessments the person took in the
//!   period (points; higher);
//! - `customer_satisfaction`: the mean rating (1-5) customers gave in the period — at the contacts the
//!   person logged (a phone follow-up, a visit) and in the outbox's survey of the new customers of the
//!   leads the person won (score; higher — seed 000 §7 客户满意度);
//! - `complaint_satisfaction`: `case_satisfaction` of the complaints alone (score; higher — seed 004
//!   投诉处理满意度);
//! - `alerts_on_time`: of the alerts the person owns due in the period up to today, the percent closed by
//!   the end of their due day (percent; higher — risk measures carried out on time);
//! - `risk_events`: alerts raised in the period on the customers the person manages — early warnings and
//!   the monitoring's hits (count; lower — risk events in the portfolio);
//! - `acquisition_targets`: of the acquisition targets set for the person whose period lies within this
//!   one, the percent met — one met early counts at once, one not yet met once its period has ended
//!   (percent; higher — seed 002 §七 目标完成);
//! - `case_regulatory`: of the cases the person owns received in the period that carry the regulator's
//!   deadline, the percent resolved within it — open past it counts as missed (percent; higher — seed 000 §5
//!   监管时限);
//! - `care_satisfaction`: the mean rating (1-5) the care customers gave in the outbox's care survey, answered
//!   in the period, of the care records whose team the person is on (score; higher — seed 003 关爱团队
//!   满意度; the record names the person's role on the team, never the customer).

pub mod rewards;
pub mod training;

use crate::access::Role;
use crate::wealth::kpi::Period;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// A KPI of the library.
    StaffKpi {
        NewCustomers = "new_customers",
        LeadConversion = "lead_conversion",
        ContactCoverage = "contact_coverage",
        CaseSla = "case_sla",
        CaseSatisfaction = "case_satisfaction",
        OverdueAlerts = "overdue_alerts",
        AumGrowth = "aum_growth",
        DepositGrowth = "deposit_growth",
        LoanGrowth = "loan_growth",
        FeeIncome = "fee_income",
        RepeatPurchase = "repeat_purchase",
        Referrals = "referrals",
        CareOnTime = "care_on_time",
        CareHandlingDays = "care_handling_days",
        TrainingHours = "training_hours",
        AssessmentScore = "assessment_score",
        CustomerSatisfaction = "customer_satisfaction",
        ComplaintSatisfaction = "complaint_satisfaction",
        AlertsOnTime = "alerts_on_time",
        RiskEvents = "risk_events",
        AcquisitionTargets = "acquisition_targets",
        CareSatisfaction = "care_satisfaction",
        CaseRegulatory = "case_regulatory",
    }
);

code_enum!(
    /// How a KPI's figure reads.
    KpiUnit {
        Count = "count",
        Percent = "percent",
        Score = "score",
        /// The end over the start, in percent above it (the numerator the end, the denominator the start).
        Growth = "growth",
        /// Yuan (the numerator in fen).
        Amount = "amount",
        /// Days (the numerator in hours, the denominator what is counted).
        Days = "days",
        /// Hours (the numerator in minutes).
        Hours = "hours",
        /// A mean out of 100 (the numerator the scores summed, the denominator how many).
        Points = "points",
    }
);

code_enum!(
    /// The seeds' four pillars of an assessment, and service.
    KpiPillar {
        Growth = "growth",
        Service = "service",
        Satisfaction = "satisfaction",
        RiskControl = "risk_control",
        Loyalty = "loyalty",
        Care = "care",
        Training = "training",
        Acquisition = "acquisition",
    }
);

impl StaffKpi {
    pub fn unit(self) -> KpiUnit {
        match self {
            Self::NewCustomers | Self::OverdueAlerts | Self::Referrals | Self::RiskEvents => {
                KpiUnit::Count
            }
            Self::LeadConversion
            | Self::ContactCoverage
            | Self::CaseSla
            | Self::CaseRegulatory
            | Self::RepeatPurchase
            | Self::CareOnTime
            | Self::AlertsOnTime
            | Self::AcquisitionTargets => KpiUnit::Percent,
            Self::CaseSatisfaction
            | Self::CustomerSatisfaction
            | Self::ComplaintSatisfaction
            | Self::CareSatisfaction => KpiUnit::Score,
            Self::AumGrowth | Self::DepositGrowth | Self::LoanGrowth => KpiUnit::Growth,
            Self::FeeIncome => KpiUnit::Amount,
            Self::CareHandlingDays => KpiUnit::Days,
            Self::TrainingHours => KpiUnit::Hours,
            Self::AssessmentScore => KpiUnit::Points,
        }
    }

    /// Lower is better only for what should not happen and for how long it takes.
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Self::OverdueAlerts | Self::CareHandlingDays | Self::RiskEvents
        )
    }

    pub fn pillar(self) -> KpiPillar {
        match self {
            Self::NewCustomers
            | Self::AumGrowth
            | Self::DepositGrowth
            | Self::LoanGrowth
            | Self::FeeIncome => KpiPillar::Growth,
            Self::ContactCoverage | Self::CaseSla | Self::CaseRegulatory => KpiPillar::Service,
            Self::CaseSatisfaction | Self::CustomerSatisfaction | Self::ComplaintSatisfaction => {
                KpiPillar::Satisfaction
            }
            Self::OverdueAlerts | Self::AlertsOnTime | Self::RiskEvents => KpiPillar::RiskControl,
            Self::LeadConversion | Self::AcquisitionTargets => KpiPillar::Acquisition,
            Self::RepeatPurchase | Self::Referrals => KpiPillar::Loyalty,
            Self::CareOnTime | Self::CareHandlingDays | Self::CareSatisfaction => KpiPillar::Care,
            Self::TrainingHours | Self::AssessmentScore => KpiPillar::Training,
        }
    }

    /// The figure from its numerator and denominator: a count is the numerator; a percent and a mean score
    /// need a denominator (none without).
    pub fn figure(self, numerator: i64, denominator: i64) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        let (n, d) = (numerator as f64, denominator as f64);
        match self.unit() {
            KpiUnit::Count => Some(n),
            KpiUnit::Percent => (denominator > 0).then(|| n * 100.0 / d),
            KpiUnit::Score => (denominator > 0).then(|| n / d),
            KpiUnit::Growth => (denominator > 0).then(|| (n - d) * 100.0 / d),
            KpiUnit::Amount => Some(n / 100.0),
            KpiUnit::Days => (denominator > 0).then(|| n / d / 24.0),
            KpiUnit::Hours => Some(n / 60.0),
            KpiUnit::Points => (denominator > 0).then(|| n / d),
        }
    }
}

/// One KPI of a role's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardKpi {
    pub kpi: StaffKpi,
    /// The quarter's target unless a supervisor set the person's own.
    pub target: f64,
    /// Its share of the composite (a card's weights add up to 100).
    pub weight: u8,
}

/// The scorecard of a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleCard {
    pub role: Role,
    pub kpis: Vec<CardKpi>,
}

/// The `[performance]` section of the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformancePolicy {
    /// Attainment counts up to this percent (over-achievement on one KPI cannot hide another).
    pub attainment_cap_pct: u16,
    pub cards: Vec<RoleCard>,
    /// Training's due days (seed 000 §7.1).
    #[serde(default)]
    pub training: training::TrainingPolicy,
}

impl PerformancePolicy {
    /// Each role once, each KPI once per card, targets on their scale, weights adding up to 100.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(100..=200).contains(&self.attainment_cap_pct) {
            return Err((
                "attainment_cap_pct".into(),
                "from 100 to 200 (percent)".into(),
            ));
        }
        if let Err((k, m)) = self.training.validate() {
            return Err((format!("training.{k}"), m));
        }
        for (i, c) in self.cards.iter().enumerate() {
            if self.cards[..i].iter().any(|o| o.role == c.role) {
                return Err((format!("cards[{i}].role"), "each role once".into()));
            }
            for (j, k) in c.kpis.iter().enumerate() {
                let key = format!("cards[{i}].kpis[{j}]");
                if c.kpis[..j].iter().any(|o| o.kpi == k.kpi) {
                    return Err((format!("{key}.kpi"), "each KPI once".into()));
                }
                if let Err(m) = check_target(k.kpi, k.target) {
                    return Err((format!("{key}.target"), m.into()));
                }
            }
            let sum: u32 = c.kpis.iter().map(|k| u32::from(k.weight)).sum();
            if sum != 100 {
                return Err((
                    format!("cards[{i}].kpis"),
                    format!("the weights add up to {sum}, not 100"),
                ));
            }
        }
        Ok(())
    }

    pub fn card(&self, role: Role) -> Option<&RoleCard> {
        self.cards.iter().find(|c| c.role == role)
    }
}

/// A target on its KPI's scale: a count from 0, a percent from 0 to 100, a score from 1 to 5, a growth from
/// -100 to 1,000 percent, an amount from 0 yuan, days from 0 to 365.
pub fn check_target(kpi: StaffKpi, target: f64) -> Result<(), &'static str> {
    let ok = match kpi.unit() {
        KpiUnit::Count => (0.0..=1_000_000.0).contains(&target),
        KpiUnit::Percent => (0.0..=100.0).contains(&target),
        KpiUnit::Score => (1.0..=5.0).contains(&target),
        KpiUnit::Growth => (-100.0..=1_000.0).contains(&target),
        KpiUnit::Amount => (0.0..=1_000_000_000_000.0).contains(&target),
        KpiUnit::Days => (0.0..=365.0).contains(&target),
        KpiUnit::Hours => (0.0..=2_000.0).contains(&target),
        KpiUnit::Points => (0.0..=100.0).contains(&target),
    };
    if ok {
        Ok(())
    } else {
        Err(match kpi.unit() {
            KpiUnit::Count => "a count from 0",
            KpiUnit::Percent => "a percent from 0 to 100",
            KpiUnit::Score => "a score from 1 to 5",
            KpiUnit::Growth => "a growth from -100 to 1000 percent",
            KpiUnit::Amount => "an amount in yuan from 0",
            KpiUnit::Days => "days from 0 to 365",
            KpiUnit::Hours => "hours from 0 to 2000",
            KpiUnit::Points => "a score from 0 to 100",
        })
    }
}

/// Attainment in percent, up to `cap`: the figure over the target where higher is better (a target of 0 or
/// below — a growth of at least -2 % — is met in full by any figure reaching it, and not at all by one
/// below); where lower is better, `(target + 1) / (figure + 1)` — 100 at or under the target,
/// halving as the figure doubles past it. None without a figure.
pub fn attainment(kpi: StaffKpi, figure: Option<f64>, target: f64, cap: u16) -> Option<f64> {
    let f = figure?;
    let a = if kpi.higher_is_better() {
        if target <= 0.0 {
            if f >= target { 100.0 } else { 0.0 }
        } else {
            f * 100.0 / target
        }
    } else if f <= target {
        100.0
    } else {
        (target + 1.0) * 100.0 / (f + 1.0)
    };
    Some(a.clamp(0.0, f64::from(cap)))
}

/// The composite: each KPI's attainment weighed (a KPI without a figure scores 0 — nothing to show is not
/// full marks), out of 100 at full attainment.
pub fn composite(parts: &[(Option<f64>, u8)]) -> f64 {
    parts
        .iter()
        .map(|(a, w)| a.unwrap_or(0.0) * f64::from(*w) / 100.0)
        .sum()
}

/// One KPI of a person's scorecard as computed, and as frozen when the quarter is closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpiLine {
    pub kpi: StaffKpi,
    /// What the figure counts: won customers; contacts on time; cases within SLA; ratings summed; alerts
    /// overdue.
    pub numerator: i64,
    /// Over what: contacts due; cases resolved or open past their SLA; ratings given (0 for a count).
    pub denominator: i64,
    pub figure: Option<f64>,
    pub target: f64,
    /// Whether the target is the person's own (set by a supervisor) rather than the policy's.
    pub own_target: bool,
    /// Where the target comes from: the person's own, their team's, their branch's, or the policy's (a
    /// scorecard closed before group targets existed reads as the policy's or, with `own_target`, its own).
    #[serde(default = "TargetSource::policy")]
    pub target_source: TargetSource,
    pub weight: u8,
    pub attainment: Option<f64>,
    /// The attainment weighed: its part of the composite.
    pub score: f64,
}

code_enum!(
    /// The supervisor's qualitative assessment beside the numbers (seed 000 §7: 定量与定性相结合).
    PerfRating {
        Excellent = "excellent",
        Good = "good",
        Adequate = "adequate",
        NeedsImprovement = "needs_improvement",
    }
);

code_enum!(
    /// Where a scorecard line's target comes from, the nearest first: the person's own, the team's, the
    /// branch's, else the policy's card (seed 000 §7 targets for a person, a team, a branch).
    TargetSource {
        Own = "own",
        Team = "team",
        Branch = "branch",
        Policy = "policy",
    }
);

impl TargetSource {
    pub fn policy() -> Self {
        Self::Policy
    }
}

code_enum!(
    /// The level a summary of scorecards is read at (issue 18: my team's, the branch's and the bank's).
    GroupLevel {
        Team = "team",
        Branch = "branch",
        Bank = "bank",
    }
);

code_enum!(
    /// The promotion advice the yearly decision records (seed 000 §7: the yearly assessment feeds promotion).
    PromotionAdvice {
        Recommend = "recommend",
        Consider = "consider",
        NotYet = "not_yet",
    }
);

/// The bonus the yearly decision grants, in percent of the role's standard bonus: from 0 to 200.
pub fn check_bonus_pct(pct: i32) -> Result<(), &'static str> {
    if (0..=200).contains(&pct) {
        Ok(())
    } else {
        Err("a percent of the standard bonus from 0 to 200")
    }
}

/// A period a scorecard may be closed for (a quarter or a year): one that has ended by `today`.
pub fn closable(period: Period, today: jiff::civil::Date) -> bool {
    period.days().1 < today
}

/// The policy's target (set per quarter) for a period: a count, an amount or a growth over a year is four
/// quarters' worth (growth added, not compounded: a year's target the bank reads at a glance); a percent, a
/// score or days are the same for any period.
pub fn period_target(kpi: StaffKpi, quarter_target: f64, period: Period) -> f64 {
    match (kpi.unit(), period.quarter) {
        (KpiUnit::Count | KpiUnit::Amount | KpiUnit::Growth | KpiUnit::Hours, None) => {
            quarter_target * 4.0
        }
        _ => quarter_target,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn attainment_reads_the_direction_and_stops_at_the_cap() {
        let a = |k, f, t| attainment(k, f, t, 120);
        assert_eq!(a(StaffKpi::NewCustomers, Some(6.0), 10.0), Some(60.0));
        assert_eq!(a(StaffKpi::NewCustomers, Some(30.0), 10.0), Some(120.0));
        assert_eq!(a(StaffKpi::NewCustomers, Some(0.0), 0.0), Some(100.0));
        assert_eq!(a(StaffKpi::CaseSla, None, 90.0), None);
        assert_eq!(a(StaffKpi::OverdueAlerts, Some(0.0), 0.0), Some(100.0));
        assert_eq!(a(StaffKpi::OverdueAlerts, Some(1.0), 0.0), Some(50.0));
        assert_eq!(a(StaffKpi::OverdueAlerts, Some(3.0), 1.0), Some(50.0));
        assert_eq!(a(StaffKpi::OverdueAlerts, Some(1.0), 2.0), Some(100.0));
        // A growth target at or below zero: reached in full, missed not at all.
        assert_eq!(a(StaffKpi::AumGrowth, Some(-1.0), -2.0), Some(100.0));
        assert_eq!(a(StaffKpi::AumGrowth, Some(-3.0), -2.0), Some(0.0));
        assert_eq!(a(StaffKpi::AumGrowth, Some(1.5), 3.0), Some(50.0));
        // Risk events: lower is better; a portfolio at or under its allowance scores in full.
        assert_eq!(a(StaffKpi::RiskEvents, Some(2.0), 2.0), Some(100.0));
        assert_eq!(a(StaffKpi::RiskEvents, Some(5.0), 2.0), Some(50.0));
        assert_eq!(StaffKpi::LeadConversion.pillar(), KpiPillar::Acquisition);
        // Days: lower is better.
        assert_eq!(a(StaffKpi::CareHandlingDays, Some(2.0), 3.0), Some(100.0));
        assert_eq!(a(StaffKpi::CareHandlingDays, Some(7.0), 3.0), Some(50.0));
    }

    #[test]
    fn the_composite_weighs_each_attainment_and_a_missing_figure_scores_nothing() {
        assert_eq!(composite(&[(Some(100.0), 60), (Some(50.0), 40)]), 80.0);
        assert_eq!(composite(&[(Some(100.0), 60), (None, 40)]), 60.0);
    }

    #[test]
    fn a_figure_is_its_numerator_over_its_denominator_on_its_unit() {
        assert_eq!(StaffKpi::NewCustomers.figure(3, 0), Some(3.0));
        assert_eq!(StaffKpi::CaseSla.figure(3, 4), Some(75.0));
        assert_eq!(StaffKpi::CaseSla.figure(0, 0), None);
        assert_eq!(StaffKpi::CaseSatisfaction.figure(9, 2), Some(4.5));
        // Growth: the end (numerator) over the start (denominator); none without a start.
        assert_eq!(StaffKpi::AumGrowth.figure(110_000, 100_000), Some(10.0));
        assert_eq!(StaffKpi::LoanGrowth.figure(90, 100), Some(-10.0));
        assert_eq!(StaffKpi::DepositGrowth.figure(500, 0), None);
        // An amount in fen shown in yuan; days from hours.
        assert_eq!(StaffKpi::FeeIncome.figure(123_450, 0), Some(1_234.5));
        assert_eq!(StaffKpi::CareHandlingDays.figure(144, 2), Some(3.0));
        // Hours from minutes; a mean score out of 100.
        assert_eq!(StaffKpi::TrainingHours.figure(150, 0), Some(2.5));
        assert_eq!(StaffKpi::AssessmentScore.figure(170, 2), Some(85.0));
        assert_eq!(StaffKpi::AssessmentScore.figure(0, 0), None);
    }

    #[test]
    fn a_card_weighs_each_kpi_once_to_100() {
        let card = |kpis: Vec<(StaffKpi, f64, u8)>| PerformancePolicy {
            attainment_cap_pct: 120,
            cards: vec![RoleCard {
                role: Role::RelationshipManager,
                kpis: kpis
                    .into_iter()
                    .map(|(kpi, target, weight)| CardKpi {
                        kpi,
                        target,
                        weight,
                    })
                    .collect(),
            }],
            training: Default::default(),
        };
        let ok = card(vec![
            (StaffKpi::NewCustomers, 10.0, 60),
            (StaffKpi::CaseSla, 90.0, 40),
        ]);
        assert!(ok.validate().is_ok());
        let twice = card(vec![
            (StaffKpi::CaseSla, 10.0, 60),
            (StaffKpi::CaseSla, 90.0, 40),
        ]);
        assert_eq!(twice.validate().unwrap_err().0, "cards[0].kpis[1].kpi");
        let score = card(vec![(StaffKpi::CaseSatisfaction, 7.0, 100)]);
        assert_eq!(score.validate().unwrap_err().0, "cards[0].kpis[0].target");
        let short = card(vec![(StaffKpi::CaseSla, 90.0, 90)]);
        assert_eq!(short.validate().unwrap_err().0, "cards[0].kpis");
    }

    #[test]
    fn a_bonus_is_a_share_of_the_standard_from_nothing_to_double() {
        assert!(check_bonus_pct(0).is_ok() && check_bonus_pct(200).is_ok());
        assert!(check_bonus_pct(-1).is_err() && check_bonus_pct(201).is_err());
    }

    #[test]
    fn only_an_ended_period_closes_and_a_years_count_target_is_four_quarters() {
        let year = Period::parse("2026").unwrap();
        assert_eq!(period_target(StaffKpi::NewCustomers, 6.0, year), 24.0);
        assert_eq!(period_target(StaffKpi::CaseSla, 95.0, year), 95.0);
        assert_eq!(
            period_target(StaffKpi::FeeIncome, 50_000.0, year),
            200_000.0
        );
        assert_eq!(period_target(StaffKpi::CareHandlingDays, 3.0, year), 3.0);
        let q3 = Period::parse("2026-Q3").unwrap();
        assert!(closable(q3, date(2026, 10, 1)));
        assert!(!closable(q3, date(2026, 9, 30)));
        assert!(closable(Period::parse("2026").unwrap(), date(2027, 1, 1)));
        assert!(!closable(
            Period::parse("2026").unwrap(),
            date(2026, 12, 31)
        ));
    }
}
