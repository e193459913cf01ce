//! A person's rights over their data (PIPL Art. 44-47): the requests a bank receives — a copy of what it
//! holds, a correction, a deletion, a withdrawal of consent — their states and their deadline on the
//! working-day clock.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Working days the bank gives itself to answer. PIPL sets no number ("in a timely manner", Art. 45);
/// GB/T 35273-2020 practice is about 30 days (DOMAIN-DEFAULTS §3, unconfirmed). Fifteen working days stays
/// inside that and matches the complaint deadline the staff already work to.
pub const DUE_WORKING_DAYS: u32 = 15;

/// What the person asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightKind {
    /// Consult and copy what the bank holds (Art. 45).
    Access,
    /// Correct or complete it (Art. 46).
    Correction,
    /// Delete it (Art. 47).
    Deletion,
    /// Withdraw consent (Art. 15): marketing stops on every channel.
    Withdrawal,
}

impl RightKind {
    pub const ALL: [RightKind; 4] = [
        Self::Access,
        Self::Correction,
        Self::Deletion,
        Self::Withdrawal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Correction => "correction",
            Self::Deletion => "deletion",
            Self::Withdrawal => "withdrawal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightStatus {
    /// Received, being worked.
    Open,
    /// Answered: the copy given, the correction verified, the consent withdrawn.
    Done,
    /// Refused with the reason the person is told (Art. 50).
    Refused,
}

/// What may happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightStep {
    Complete,
    Refuse,
}

impl RightStatus {
    pub const ALL: [RightStatus; 3] = [Self::Open, Self::Done, Self::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The state after `step`, or `None` when it is not allowed from here (an answered request stays answered).
    pub fn apply(self, step: RightStep) -> Option<RightStatus> {
        match (self, step) {
            (Self::Open, RightStep::Complete) => Some(Self::Done),
            (Self::Open, RightStep::Refuse) => Some(Self::Refused),
            _ => None,
        }
    }
}

/// How the request reached the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightChannel {
    Branch,
    Phone,
    Online,
    Letter,
}

impl RightChannel {
    pub const ALL: [RightChannel; 4] = [Self::Branch, Self::Phone, Self::Online, Self::Letter];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Branch => "branch",
            Self::Phone => "phone",
            Self::Online => "online",
            Self::Letter => "letter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answered_request_stays_answered() {
        use RightStatus::*;
        use RightStep::*;
        assert_eq!(Open.apply(Complete), Some(Done));
        assert_eq!(Open.apply(Refuse), Some(Refused));
        assert_eq!(Done.apply(Refuse), None);
        assert_eq!(Refused.apply(Complete), None);
        for k in RightKind::ALL {
            assert_eq!(RightKind::parse(k.as_str()), Some(k));
        }
        for c in RightChannel::ALL {
            assert_eq!(RightChannel::parse(c.as_str()), Some(c));
        }
    }
}
