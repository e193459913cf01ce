//! The scorecards summed for a team, a branch and the bank (issue 18 views: my team's, the branch's and the
//! bank's), per role — a role's people share one card, so their lines add up: each KPI's numerator and
//! denominator summed over the people, the figure read from the sums on its unit, against the people's
//! targets (summed for a count or an amount, their mean otherwise), and the people's mean composite. A
//! supervisor reads their branch and its teams; a senior manager every branch and the bank.

use super::{StaffCard, col};
use crate::error::{AppError, Result};
use banyan_domain::access::Role;
use banyan_domain::performance::{self as perf, GroupLevel, KpiUnit, StaffKpi};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One KPI summed over a group's people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupLine {
    pub kpi: StaffKpi,
    pub numerator: i64,
    pub denominator: i64,
    pub figure: Option<f64>,
    pub target: f64,
    /// The target was set for the group as a whole (else the people's targets, summed or averaged).
    pub whole_target: bool,
    pub attainment: Option<f64>,
}

/// The scorecards of a team, a branch or the bank, for one role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupCard {
    pub level: GroupLevel,
    /// None at the bank's level (and for bank-wide posts at the branch's).
    pub branch_code: Option<String>,
    /// Only at the team's level.
    pub team: Option<String>,
    pub role: Role,
    pub people: u32,
    /// The people's mean composite.
    pub composite: f64,
    /// How many people's composites fall in each band of 20 (0-20, 20-40, 40-60, 60-80, 80-100, 100 and over).
    pub distribution: [u32; 6],
    pub lines: Vec<GroupLine>,
}

/// (level, branch, team, role code): a role is not ordered, its code is.
type Key = (GroupLevel, Option<String>, Option<String>, &'static str);

/// The targets set for a team or a branch as a whole, by (branch, team — empty for the branch, KPI).
pub(crate) type Wholes = BTreeMap<(String, String, StaffKpi), f64>;

/// The groups of these cards: the teams (people with one), the branches, and the bank when `bank`; a team's or
/// branch's line reads the target set for it as a whole, where one is.
pub(crate) fn summed(cards: &[StaffCard], bank: bool, cap: u16, wholes: &Wholes) -> Vec<GroupCard> {
    let mut groups: BTreeMap<Key, Vec<&StaffCard>> = BTreeMap::new();
    for c in cards {
        if let Some(team) = &c.team {
            groups
                .entry((
                    GroupLevel::Team,
                    c.branch_code.clone(),
                    Some(team.clone()),
                    c.role.as_str(),
                ))
                .or_default()
                .push(c);
        }
        groups
            .entry((
                GroupLevel::Branch,
                c.branch_code.clone(),
                None,
                c.role.as_str(),
            ))
            .or_default()
            .push(c);
        if bank {
            groups
                .entry((GroupLevel::Bank, None, None, c.role.as_str()))
                .or_default()
                .push(c);
        }
    }
    groups
        .into_iter()
        .filter_map(|((level, branch_code, team, _), people)| {
            let role = people.first()?.role;
            let whole = |kpi: StaffKpi| match (level, &branch_code) {
                (GroupLevel::Bank, _) | (_, None) => None,
                (_, Some(b)) => wholes
                    .get(&(b.clone(), team.clone().unwrap_or_default(), kpi))
                    .copied(),
            };
            Some(GroupCard {
                lines: lines_of(&people, cap, whole),
                composite: mean(people.iter().map(|c| c.composite)),
                distribution: distribution(&people),
                people: u32::try_from(people.len()).unwrap_or(u32::MAX),
                level,
                branch_code,
                team,
                role,
            })
        })
        .collect()
}

#[allow(clippy::cast_precision_loss)]
fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn distribution(people: &[&StaffCard]) -> [u32; 6] {
    let mut bands = [0u32; 6];
    for c in people {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let band = ((c.composite.max(0.0) / 20.0).floor() as usize).min(5);
        bands[band] += 1;
    }
    bands
}

/// The card's KPIs in its order (the first person's), each summed over everyone, against the group's own
/// target for the KPI (`whole`) where one is set.
fn lines_of(
    people: &[&StaffCard],
    cap: u16,
    whole: impl Fn(StaffKpi) -> Option<f64>,
) -> Vec<GroupLine> {
    let Some(first) = people.first() else {
        return Vec::new();
    };
    first
        .lines
        .iter()
        .map(|l| {
            let mine = people
                .iter()
                .filter_map(|c| c.lines.iter().find(|x| x.kpi == l.kpi));
            let (numerator, denominator) = mine.clone().fold((0i64, 0i64), |(n, d), x| {
                (n + x.numerator, d + x.denominator)
            });
            let own = whole(l.kpi);
            let target = match (own, l.kpi.unit()) {
                (Some(t), _) => t,
                (None, KpiUnit::Count | KpiUnit::Amount) => mine.map(|x| x.target).sum(),
                (None, _) => mean(mine.map(|x| x.target)),
            };
            let figure = l.kpi.figure(numerator, denominator);
            GroupLine {
                kpi: l.kpi,
                numerator,
                denominator,
                figure,
                target,
                whole_target: own.is_some(),
                attainment: perf::attainment(l.kpi, figure, target, cap),
            }
        })
        .collect()
}

/// The summaries as a second worksheet of the scorecards' export, in the reader's words: one row per group
/// and KPI (level, place, role, people, the mean composite, the KPI's summed figure, target and attainment).
pub(crate) fn write_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    groups: &[GroupCard],
    words: &dyn crate::tabular::Words,
) -> Result<()> {
    let x =
        |e: rust_xlsxwriter::XlsxError| AppError::internal_from("writing the summaries' XLSX", e);
    let ws = wb.add_worksheet();
    ws.set_name(words.heading("perf.groups")).map_err(x)?;
    let heads = [
        "perf.level",
        "perf.group",
        "role",
        "perf.people",
        "perf.mean_composite",
        "perf.kpi",
        "perf.unit",
        "perf.figure",
        "kpi.target",
        "perf.attainment",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, col(c)?, words.heading(h)).map_err(x)?;
    }
    let mut row = 0u32;
    for g in groups {
        let place = match (&g.branch_code, &g.team) {
            (Some(b), Some(t)) => format!("{b} {t}"),
            (Some(b), None) => b.clone(),
            (None, _) => words.cell("perf", "bank"),
        };
        for l in &g.lines {
            row += 1;
            let text = [
                words.cell("group_level", g.level.as_str()),
                place.clone(),
                words.cell("role", g.role.as_str()),
            ];
            for (c, v) in text.iter().enumerate() {
                ws.write_string(row, col(c)?, crate::tabular::neutralise(v))
                    .map_err(x)?;
            }
            ws.write_number(row, col(3)?, f64::from(g.people))
                .map_err(x)?;
            ws.write_number(row, col(4)?, (g.composite * 100.0).round() / 100.0)
                .map_err(x)?;
            ws.write_string(row, col(5)?, words.cell("staff_kpi", l.kpi.as_str()))
                .map_err(x)?;
            ws.write_string(row, col(6)?, words.cell("kpi_unit", l.kpi.unit().as_str()))
                .map_err(x)?;
            for (c, v) in [l.figure, Some(l.target), l.attainment].iter().enumerate() {
                if let Some(v) = v {
                    ws.write_number(row, col(7 + c)?, (v * 100.0).round() / 100.0)
                        .map_err(x)?;
                }
            }
        }
    }
    Ok(())
}
