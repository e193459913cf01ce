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

/// Where a person's erasure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErasureState {
    /// Kept and stored only while an obligation lasts, then erased by the nightly job.
    Restricted,
    Erased,
}

impl ErasureState {
    pub const ALL: [ErasureState; 2] = [Self::Restricted, Self::Erased];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::Erased => "erased",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What obliges the bank to keep a person's records after they asked for deletion (PIPL Art. 47: the
/// retention period the law sets has not ended).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Obligation {
    /// An account still open: the relationship has not ended.
    OpenAccount,
    /// Account and transaction records, kept the policy's years (AML law: at least ten) after the last.
    AmlRecords,
    /// An alert not yet disposed of (an investigation in progress).
    OpenAlert,
    /// A complaint not yet resolved, or resolved and still open to be reopened (a dispute in progress).
    OpenComplaint,
    /// The audio-video recording of a wealth product sale, kept until the day the rules set (the sale's
    /// `recording_keep_until`).
    SalesRecording,
    /// A legal hold placed by hand (litigation, a regulator's inquiry), until it is lifted or its day passes.
    LegalHold,
}

impl Obligation {
    pub const ALL: [Obligation; 6] = [
        Self::OpenAccount,
        Self::AmlRecords,
        Self::OpenAlert,
        Self::OpenComplaint,
        Self::SalesRecording,
        Self::LegalHold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAccount => "open_account",
            Self::AmlRecords => "aml_records",
            Self::OpenAlert => "open_alert",
            Self::OpenComplaint => "open_complaint",
            Self::SalesRecording => "sales_recording",
            Self::LegalHold => "legal_hold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a person's records are held by, as the book and the open work show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holds {
    pub open_account: bool,
    /// The last day the book saw an account move or stand.
    pub last_activity: Option<jiff::civil::Date>,
    pub open_alert: bool,
    pub open_complaint: bool,
    /// The last day a sale's recording must be kept.
    pub recording_until: Option<jiff::civil::Date>,
    /// A legal hold stands: `Some(None)` until it is lifted, `Some(Some(day))` to its last day.
    pub legal_hold: Option<Option<jiff::civil::Date>>,
}

/// What keeps a person's records, and the first day they may go when it is known: the AML years run from
/// the last day the book saw an account move or stand; a sale's recording is kept to its day; an open
/// account, alert or complaint keeps them with no day yet. Nothing kept: erase now.
pub fn kept_until(h: Holds, aml_years: u32) -> (Vec<Obligation>, Option<jiff::civil::Date>) {
    let Holds {
        open_account,
        last_activity,
        open_alert,
        open_complaint,
        recording_until,
        legal_hold,
    } = h;
    let mut why = Vec::new();
    let mut until = None;
    if open_account {
        why.push(Obligation::OpenAccount);
    }
    if let Some(last) = last_activity {
        let end = last
            .checked_add(jiff::Span::new().years(i64::from(aml_years)))
            .unwrap_or(jiff::civil::Date::MAX);
        why.push(Obligation::AmlRecords);
        until = Some(end);
    }
    if open_alert {
        why.push(Obligation::OpenAlert);
    }
    if open_complaint {
        why.push(Obligation::OpenComplaint);
    }
    if let Some(d) = recording_until {
        why.push(Obligation::SalesRecording);
        until = Some(until.map_or(d, |u: jiff::civil::Date| u.max(d)));
    }
    let mut open_ended = open_account || open_alert || open_complaint;
    match legal_hold {
        Some(Some(d)) => {
            why.push(Obligation::LegalHold);
            // Erasable the day after the hold's last day.
            let after = d.tomorrow().unwrap_or(d);
            until = Some(until.map_or(after, |u: jiff::civil::Date| u.max(after)));
        }
        Some(None) => {
            why.push(Obligation::LegalHold);
            open_ended = true;
        }
        None => {}
    }
    if open_ended {
        until = None;
    }
    (why, until)
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
    #![allow(clippy::unwrap_used)]
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

    #[test]
    fn records_are_kept_while_the_law_obliges_and_no_longer() {
        let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        let none = Holds::default();
        // Nothing kept: erase now.
        assert_eq!(kept_until(none, 10), (vec![], None));
        // Ten years after the last activity, to the day.
        let aml = Holds {
            last_activity: Some(day("2026-03-31")),
            ..none
        };
        assert_eq!(
            kept_until(aml, 10),
            (vec![Obligation::AmlRecords], Some(day("2036-03-31")))
        );
        // A sale's recording kept longer than that moves the day.
        let (why, until) = kept_until(
            Holds {
                recording_until: Some(day("2046-01-01")),
                ..aml
            },
            10,
        );
        assert_eq!(
            why,
            vec![Obligation::AmlRecords, Obligation::SalesRecording]
        );
        assert_eq!(until, Some(day("2046-01-01")));
        // An open account or complaint keeps them with no day yet.
        let (why, until) = kept_until(
            Holds {
                open_account: true,
                open_complaint: true,
                ..aml
            },
            10,
        );
        assert_eq!(
            why,
            vec![
                Obligation::OpenAccount,
                Obligation::AmlRecords,
                Obligation::OpenComplaint
            ]
        );
        assert_eq!(until, None);
        // A legal hold with a last day keeps them to the day after; one without, until it is lifted.
        let held = |d| Holds {
            legal_hold: Some(d),
            ..none
        };
        assert_eq!(
            kept_until(held(Some(day("2027-06-30"))), 10),
            (vec![Obligation::LegalHold], Some(day("2027-07-01")))
        );
        assert_eq!(
            kept_until(held(None), 10),
            (vec![Obligation::LegalHold], None)
        );
        let (why, until) = kept_until(
            Holds {
                open_alert: true,
                ..none
            },
            10,
        );
        assert_eq!((why, until), (vec![Obligation::OpenAlert], None));
        for o in Obligation::ALL {
            assert_eq!(Obligation::parse(o.as_str()), Some(o));
        }
        for s in ErasureState::ALL {
            assert_eq!(ErasureState::parse(s.as_str()), Some(s));
        }
    }
}
