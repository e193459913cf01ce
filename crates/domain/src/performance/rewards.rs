//! Reward schemes (seed 002 拓户专项奖励基金; seed 000 §7 and seed 004: results tied to bonuses; seed 003:
//! 表彰和奖励): a scheme for a period and a role pays awards by a rule over the **closed** scorecards — a fixed
//! amount to everyone at or over a composite, amounts by rank, a pool shared in proportion to the composite
//! among those at or over it, or a pool per team for every team whose people's mean composite reaches it (seed
//! 002's team reward: the acquisition team is rewarded as a team) — proposed by one supervisor and approved (or
//! rejected) by another before it goes to payroll.

use crate::ids::StaffId;
use serde::{Deserialize, Serialize};

code_enum!(
    /// How a scheme turns composites into awards.
    RewardRule {
        /// Everyone at or over `min_composite` gets `amount`.
        Threshold = "threshold",
        /// The first, second … by composite get the amounts listed (ties share a rank and its amount).
        Ranking = "ranking",
        /// A pool shared among those at or over `min_composite` in proportion to their composite.
        PoolShare = "pool_share",
        /// A pool for each team whose people's mean composite is at or over `min_composite`, shared among the
        /// team's people in proportion to their composite (people without a team are in none).
        TeamPool = "team_pool",
    }
);

code_enum!(
    /// A scheme's life: proposed, then approved or rejected by a second person.
    SchemeState {
        Proposed = "proposed",
        Approved = "approved",
        Rejected = "rejected",
    }
);

impl SchemeState {
    /// Only a proposed scheme is decided.
    pub fn decide(self, approve: bool) -> Option<Self> {
        match self {
            Self::Proposed if approve => Some(Self::Approved),
            Self::Proposed => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// A rule's figures, all money in fen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleParams {
    pub min_composite: Option<f64>,
    pub amount_fen: Option<i64>,
    pub rank_amounts_fen: Vec<i64>,
    pub pool_fen: Option<i64>,
}

/// What a rule needs, each missing or out-of-range figure named: a composite from 0 to 120, amounts above
/// nothing and at most 10 million yuan, at most 20 ranks.
pub fn check(rule: RewardRule, p: &RuleParams) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut e = Vec::new();
    let money = |v: i64| (1..=1_000_000_000).contains(&v);
    let composite = |v: Option<f64>| v.is_some_and(|c| (0.0..=120.0).contains(&c));
    match rule {
        RewardRule::Threshold => {
            if !composite(p.min_composite) {
                e.push(("min_composite", "range", "a composite from 0 to 120"));
            }
            if !p.amount_fen.is_some_and(money) {
                e.push(("amount_yuan", "range", "from 0.01 to 10,000,000 yuan"));
            }
        }
        RewardRule::Ranking => {
            if p.rank_amounts_fen.is_empty() || p.rank_amounts_fen.len() > 20 {
                e.push((
                    "rank_amounts_yuan",
                    "items",
                    "from 1 to 20 amounts, the first rank's first",
                ));
            } else if !p.rank_amounts_fen.iter().all(|v| money(*v)) {
                e.push((
                    "rank_amounts_yuan",
                    "range",
                    "each from 0.01 to 10,000,000 yuan",
                ));
            }
        }
        RewardRule::PoolShare | RewardRule::TeamPool => {
            if !composite(p.min_composite) {
                e.push(("min_composite", "range", "a composite from 0 to 120"));
            }
            if !p.pool_fen.is_some_and(money) {
                e.push(("pool_yuan", "range", "from 0.01 to 10,000,000 yuan"));
            }
        }
    }
    e
}

/// A person a scheme reads: their closed composite and their team (none: in no team).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub staff_id: StaffId,
    pub team: Option<String>,
    pub composite: f64,
}

/// One award: the person, their rank by composite among the scheme's people, their composite and the amount.
#[derive(Debug, Clone, PartialEq)]
pub struct Award {
    pub staff_id: StaffId,
    pub rank: u32,
    pub composite: f64,
    pub amount_fen: i64,
}

/// The awards of a rule over the people's composites (everyone ranked; those the rule pays nothing are left
/// out). A pool is shared down to the fen; what rounding leaves stays in the fund.
pub fn awards(rule: RewardRule, p: &RuleParams, people: &[Scored]) -> Vec<Award> {
    if rule == RewardRule::TeamPool {
        return team_awards(p, people);
    }
    let mut ranked: Vec<(StaffId, f64)> =
        people.iter().map(|s| (s.staff_id, s.composite)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let rank_of = |c: f64| {
        let better = ranked.iter().filter(|(_, x)| *x > c).count();
        u32::try_from(better + 1).unwrap_or(u32::MAX)
    };
    let min = p.min_composite.unwrap_or(f64::INFINITY);
    let eligible_total: f64 = ranked
        .iter()
        .filter(|(_, c)| *c >= min)
        .map(|(_, c)| c)
        .sum();
    ranked
        .iter()
        .filter_map(|&(staff_id, composite)| {
            let rank = rank_of(composite);
            let amount_fen = match rule {
                RewardRule::Threshold => (composite >= min).then_some(p.amount_fen?)?,
                RewardRule::Ranking => *p.rank_amounts_fen.get(usize::try_from(rank - 1).ok()?)?,
                RewardRule::PoolShare => {
                    if composite < min || eligible_total <= 0.0 {
                        return None;
                    }
                    share_of(p.pool_fen?, composite, eligible_total)
                }
                RewardRule::TeamPool => return None, // by team, above
            };
            (amount_fen > 0).then_some(Award {
                staff_id,
                rank,
                composite,
                amount_fen,
            })
        })
        .collect()
}

/// A composite's share of a pool, down to the fen.
fn share_of(pool_fen: i64, composite: f64, total: f64) -> i64 {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let share = (pool_fen as f64 * composite / total).floor() as i64;
    share
}

/// A team pool: each team whose people's mean composite reaches the minimum gets the pool, shared among its
/// people by composite; a person's rank is their team's, by mean composite among the teams (ties share).
fn team_awards(p: &RuleParams, people: &[Scored]) -> Vec<Award> {
    let (Some(min), Some(pool)) = (p.min_composite, p.pool_fen) else {
        return Vec::new();
    };
    let mut teams: std::collections::BTreeMap<&str, Vec<&Scored>> =
        std::collections::BTreeMap::new();
    for s in people {
        if let Some(t) = s.team.as_deref() {
            teams.entry(t).or_default().push(s);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let means: Vec<(&str, f64)> = teams
        .iter()
        .map(|(t, m)| {
            (
                *t,
                m.iter().map(|s| s.composite).sum::<f64>() / m.len() as f64,
            )
        })
        .collect();
    let mut out = Vec::new();
    for (team, mean) in &means {
        if *mean < min {
            continue;
        }
        let better = means.iter().filter(|(_, x)| x > mean).count();
        let rank = u32::try_from(better + 1).unwrap_or(u32::MAX);
        let members = &teams[team];
        let total: f64 = members.iter().map(|s| s.composite).sum();
        if total <= 0.0 {
            continue;
        }
        for s in members {
            let amount_fen = share_of(pool, s.composite, total);
            if amount_fen > 0 {
                out.push(Award {
                    staff_id: s.staff_id,
                    rank,
                    composite: s.composite,
                    amount_fen,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use uuid::Uuid;

    fn people() -> Vec<Scored> {
        [(90.0, "A"), (75.0, "B"), (75.0, "A"), (40.0, "B")]
            .iter()
            .enumerate()
            .map(|(i, (c, t))| Scored {
                staff_id: StaffId::from_uuid(Uuid::from_u128(i as u128 + 1)),
                team: Some((*t).to_owned()),
                composite: *c,
            })
            .collect()
    }

    fn params() -> RuleParams {
        RuleParams {
            min_composite: Some(70.0),
            amount_fen: Some(100_000),
            rank_amounts_fen: vec![300_000, 200_000],
            pool_fen: Some(1_000_000),
        }
    }

    #[test]
    fn a_threshold_pays_everyone_over_it_and_a_ranking_pays_by_rank_with_ties_sharing() {
        let t = awards(RewardRule::Threshold, &params(), &people());
        assert_eq!(t.len(), 3);
        assert!(t.iter().all(|a| a.amount_fen == 100_000));
        let r = awards(RewardRule::Ranking, &params(), &people());
        let got: Vec<(u32, i64)> = r.iter().map(|a| (a.rank, a.amount_fen)).collect();
        // 90 first; the two at 75 share second; 40 is fourth and unpaid.
        assert_eq!(got, [(1, 300_000), (2, 200_000), (2, 200_000)]);
    }

    #[test]
    fn a_pool_is_shared_by_composite_down_to_the_fen() {
        let a = awards(RewardRule::PoolShare, &params(), &people());
        let amounts: Vec<i64> = a.iter().map(|a| a.amount_fen).collect();
        // 90 / 240 and 75 / 240 of 10,000 yuan.
        assert_eq!(amounts, [375_000, 312_500, 312_500]);
        assert!(amounts.iter().sum::<i64>() <= 1_000_000);
    }

    #[test]
    fn a_team_pool_pays_each_team_over_the_mean_its_pool_shared_by_composite() {
        // Team A (90, 75: mean 82.5) reaches 70 and shares 10,000 yuan 90:75; team B (75, 40: mean 57.5) does
        // not; a person without a team is in none.
        let mut all = people();
        all.push(Scored {
            staff_id: StaffId::from_uuid(Uuid::from_u128(9)),
            team: None,
            composite: 100.0,
        });
        let a = awards(RewardRule::TeamPool, &params(), &all);
        let got: Vec<(u128, u32, i64)> = a
            .iter()
            .map(|a| (a.staff_id.uuid().as_u128(), a.rank, a.amount_fen))
            .collect();
        assert_eq!(got, [(1, 1, 545_454), (3, 1, 454_545)]);
        let mut low = params();
        low.min_composite = Some(50.0);
        let both = awards(RewardRule::TeamPool, &low, &people());
        assert_eq!(both.len(), 4);
        assert_eq!(
            both.iter()
                .filter(|a| a.rank == 2)
                .map(|a| a.amount_fen)
                .sum::<i64>(),
            652_173 + 347_826
        );
    }

    #[test]
    fn a_rule_names_what_it_lacks_and_only_a_proposal_is_decided() {
        let none = RuleParams {
            min_composite: None,
            amount_fen: None,
            rank_amounts_fen: vec![],
            pool_fen: None,
        };
        let fields: Vec<&str> = check(RewardRule::Threshold, &none)
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(fields, ["min_composite", "amount_yuan"]);
        assert_eq!(check(RewardRule::Ranking, &none)[0].0, "rank_amounts_yuan");
        assert!(check(RewardRule::PoolShare, &params()).is_empty());
        assert_eq!(
            SchemeState::Proposed.decide(true),
            Some(SchemeState::Approved)
        );
        assert_eq!(SchemeState::Approved.decide(false), None);
    }
}
