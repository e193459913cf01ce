//! Duplicate customers and their merge: the signals that make two records look like one person or one
//! company, the score they add up to, and the merge's four-eyes states (proposed by one person, carried out
//! or refused by another, undone within a period).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How long a carried-out merge can be undone, in days (a mistaken merge is usually noticed at the next
/// contact; after a month the survivor's record has moved on too far to split it back safely).
pub const UNDO_DAYS: i64 = 30;

/// What two records share that suggests they are one party.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The same name and the same birth date.
    NameBirth,
    /// The same name and the same address.
    NameAddress,
    /// The same e-mail address.
    Email,
    /// The same registered name and the same legal representative (companies and institutions).
    CorporateRepresentative,
}

impl Signal {
    pub const ALL: [Signal; 4] = [
        Self::NameBirth,
        Self::NameAddress,
        Self::Email,
        Self::CorporateRepresentative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameBirth => "name_birth",
            Self::NameAddress => "name_address",
            Self::Email => "email",
            Self::CorporateRepresentative => "corporate_representative",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How strongly the signal alone says "one party", in percent. A shared e-mail is weakest (families
    /// share one); name and birth date is strong but namesakes born the same day exist in a large book.
    pub fn weight(self) -> u32 {
        match self {
            Self::NameBirth => 85,
            Self::NameAddress => 80,
            Self::Email => 60,
            Self::CorporateRepresentative => 90,
        }
    }
}

/// The score of a candidate pair, 0-100: the chance that at least one signal is right, taking each as an
/// independent witness (1 − Π(1 − wᵢ)), so two weak signals together outrank one.
pub fn score(signals: &[Signal]) -> u32 {
    let mut miss = 1.0_f64;
    for s in signals {
        miss *= 1.0 - f64::from(s.weight()) / 100.0;
    }
    // Bounded to 0..=100 by construction; the cast cannot truncate.
    ((1.0 - miss) * 100.0).round().clamp(0.0, 100.0) as u32
}

/// A name as compared for duplicates: spaces of every width and the middle dot of transliterated names
/// removed, full-width Latin letters and digits folded to ASCII, lower case. `张 三` and `张三` are one name;
/// `Zhang San` and `ZHANG  SAN` too.
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '·' && *c != '・')
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A candidate pair's state in the branch's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    /// Waiting for someone to look at it.
    Open,
    /// Looked at: two parties after all. A later scan does not bring it back.
    Dismissed,
    /// A merge of the two was proposed and is waiting for approval.
    Proposed,
    /// Merged.
    Merged,
}

impl PairStatus {
    pub const ALL: [PairStatus; 4] = [Self::Open, Self::Dismissed, Self::Proposed, Self::Merged];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Dismissed => "dismissed",
            Self::Proposed => "proposed",
            Self::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A merge's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeStatus {
    /// Proposed by a maker, waiting for a second person.
    Proposed,
    /// Approved and carried out: the merged record redirects to the survivor.
    Done,
    /// Refused by the checker.
    Rejected,
    /// Taken back by the maker before a decision.
    Withdrawn,
    /// Carried out, then undone: both records stand again as before.
    Undone,
}

/// What may happen to a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStep {
    Approve,
    Reject,
    Withdraw,
    Undo,
}

impl MergeStatus {
    pub const ALL: [MergeStatus; 5] = [
        Self::Proposed,
        Self::Done,
        Self::Rejected,
        Self::Withdrawn,
        Self::Undone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Done => "done",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Undone => "undone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The state after `step`, or `None` when it is not allowed from here.
    pub fn apply(self, step: MergeStep) -> Option<MergeStatus> {
        match (self, step) {
            (Self::Proposed, MergeStep::Approve) => Some(Self::Done),
            (Self::Proposed, MergeStep::Reject) => Some(Self::Rejected),
            (Self::Proposed, MergeStep::Withdraw) => Some(Self::Withdrawn),
            (Self::Done, MergeStep::Undo) => Some(Self::Undone),
            _ => None,
        }
    }

    /// Whether the merge still holds its two customers (no other merge of either may be proposed).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Proposed | Self::Done)
    }
}

/// Whose value a field of the survivor takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Survivor,
    Merged,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_signals_outrank_one() {
        assert_eq!(score(&[Signal::Email]), 60);
        assert_eq!(score(&[Signal::NameBirth]), 85);
        assert_eq!(score(&[Signal::NameBirth, Signal::Email]), 94);
        assert!(score(&[Signal::Email, Signal::NameAddress]) > score(&[Signal::NameBirth]));
        assert_eq!(score(&[]), 0);
    }

    #[test]
    fn names_compare_without_spacing_width_or_case() {
        assert_eq!(name_key("张 三"), name_key("张三"));
        assert_eq!(name_key("Zhang  San"), name_key("ZHANG SAN"));
        assert_eq!(name_key("ＡＢＣ公司"), "abc公司");
        assert_eq!(name_key("阿依古丽·买买提"), "阿依古丽买买提");
        assert_ne!(name_key("张三"), name_key("张山"));
    }

    #[test]
    fn a_merge_moves_only_forward_and_undoes_only_once_done() {
        use MergeStatus::*;
        use MergeStep::*;
        assert_eq!(Proposed.apply(Approve), Some(Done));
        assert_eq!(Proposed.apply(Reject), Some(Rejected));
        assert_eq!(Proposed.apply(Withdraw), Some(Withdrawn));
        assert_eq!(Proposed.apply(Undo), None);
        assert_eq!(Done.apply(Undo), Some(Undone));
        assert_eq!(Done.apply(Approve), None);
        assert_eq!(Undone.apply(Undo), None);
        assert_eq!(Rejected.apply(Approve), None);
        for s in MergeStatus::ALL {
            assert_eq!(MergeStatus::parse(s.as_str()), Some(s));
        }
    }
}
