//! Acquisition campaigns (seed 002 §二, 拓户策略): a campaign carries its strategy — market segmentation,
//! channel expansion, partnership marketing, or referrals through existing relationships — the segment it
//! targets, the channels it works through, the partners it works with, its period, and its own targets
//! (leads to capture, customers to win). A lead captured through one of its channels while it runs may name
//! it; the funnel then breaks the leads down by campaign.

use super::LeadChannel;
use crate::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// The seed's four acquisition strategies.
    Strategy {
        /// 市场细分: a segment of the market with its own approach.
        Segmentation = "segmentation",
        /// 渠道拓展: more ways to reach customers (online, events, fairs).
        ChannelExpansion = "channel_expansion",
        /// 合作营销: joint marketing with partner institutions.
        Partnership = "partnership",
        /// 客户关系管理: referrals and second sales through existing relationships.
        Referral = "referral",
    }
);

/// A campaign as entered.
#[derive(Debug, Clone)]
pub struct CampaignDraft<'a> {
    pub name: &'a str,
    pub strategy: Option<Strategy>,
    pub segment: &'a str,
    pub channels: &'a [LeadChannel],
    pub partners: usize,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub leads_target: i64,
    pub won_target: i64,
}

/// Every broken rule of a campaign as entered.
pub fn check(d: &CampaignDraft<'_>) -> FieldErrors {
    let mut e = FieldErrors::new();
    let name = d.name.trim();
    if name.is_empty() {
        e.push("name", "required", "a campaign has a name");
    } else if name.chars().count() > 100 {
        e.push("name", "max_length", "must be at most 100 characters");
    }
    if d.strategy.is_none() {
        e.push(
            "strategy",
            "required",
            "which strategy the campaign follows",
        );
    }
    if d.segment.chars().count() > 500 {
        e.push("segment", "max_length", "must be at most 500 characters");
    }
    if d.channels.is_empty() {
        e.push(
            "channels",
            "required",
            "the channels the campaign works through",
        );
    }
    if d.strategy == Some(Strategy::Partnership) && d.partners == 0 {
        e.push(
            "partners",
            "required_for_partnership",
            "a partnership campaign names its partners",
        );
    }
    match (d.starts_on, d.ends_on) {
        (None, _) => e.push("starts_on", "required", "the campaign's first day"),
        (_, None) => e.push("ends_on", "required", "the campaign's last day"),
        (Some(s), Some(t)) if t < s => {
            e.push("ends_on", "range", "must not be before the first day")
        }
        (Some(s), Some(t)) if (t - s).get_days() > 366 => {
            e.push("ends_on", "range", "a campaign runs at most a year")
        }
        _ => {}
    }
    for (f, v) in [
        ("leads_target", d.leads_target),
        ("won_target", d.won_target),
    ] {
        if v < 0 {
            e.push(f, "min", "must not be negative");
        }
    }
    e
}

/// Whether a lead captured on `day` through `channel` may name a campaign running `[starts_on, ends_on]`
/// through `channels`.
pub fn accepts(
    channels: &[LeadChannel],
    starts_on: Date,
    ends_on: Date,
    channel: LeadChannel,
    day: Date,
) -> bool {
    channels.contains(&channel) && starts_on <= day && day <= ends_on
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn draft<'a>(channels: &'a [LeadChannel]) -> CampaignDraft<'a> {
        CampaignDraft {
            name: "社区养老金融季",
            strategy: Some(Strategy::ChannelExpansion),
            segment: "社区 55 岁以上居民",
            channels,
            partners: 0,
            starts_on: Some(date(2026, 10, 1)),
            ends_on: Some(date(2026, 12, 31)),
            leads_target: 120,
            won_target: 20,
        }
    }

    #[test]
    fn a_campaign_names_its_strategy_channels_and_period() {
        let ch = [LeadChannel::CommunityEvent];
        assert!(check(&draft(&ch)).is_empty());
        let mut d = draft(&[]);
        d.strategy = Some(Strategy::Partnership);
        d.ends_on = Some(date(2026, 9, 1));
        d.won_target = -1;
        let rules: Vec<String> = check(&d)
            .0
            .into_iter()
            .map(|x| format!("{}:{}", x.field, x.rule))
            .collect();
        assert_eq!(
            rules,
            vec![
                "channels:required",
                "partners:required_for_partnership",
                "ends_on:range",
                "won_target:min"
            ]
        );
        let (s, t) = (date(2026, 10, 1), date(2026, 12, 31));
        assert!(accepts(
            &ch,
            s,
            t,
            LeadChannel::CommunityEvent,
            date(2026, 12, 4)
        ));
        assert!(!accepts(&ch, s, t, LeadChannel::Website, date(2026, 12, 4)));
        assert!(!accepts(
            &ch,
            s,
            t,
            LeadChannel::CommunityEvent,
            date(2027, 1, 1)
        ));
    }
}
