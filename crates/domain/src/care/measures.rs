//! The measures taken for a care customer (seed 003 §四 服务措施), each with its owner, state, dates and
//! outcome. Some need one approver before they run (the emergency small loan on its fast track, a fee
//! waiver, a repayment plan); the others start when their owner starts them.

use crate::calendar::WorkCalendar;
use jiff::civil::{DateTime, Time};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What the bank does for the customer.
    MeasureKind {
        /// An emergency small loan: requested with simplified documents, decided by one approver on a short
        /// clock in working hours; the loan itself is booked in the core system.
        EmergencyLoan = "emergency_loan",
        /// Account fees waived for a period, against an account.
        FeeWaiver = "fee_waiver",
        /// A change, a loss report or an unfreezing with simplified documents.
        AccountHelp = "account_help",
        /// A home visit: the time agreed with the customer, two staff, the outcome recorded.
        HomeVisit = "home_visit",
        /// Holdings above the customer's current capacity reviewed and rebalanced.
        WealthReview = "wealth_review",
        /// A repayment plan renegotiated.
        RepaymentPlan = "repayment_plan",
        /// A green-channel referral to a partner hospital.
        HospitalReferral = "hospital_referral",
        /// Help with medical bills and insurance claims.
        ClaimsHelp = "claims_help",
        /// A referral to counselling.
        Counselling = "counselling",
        /// A volunteer visit.
        VolunteerVisit = "volunteer_visit",
    }
);

impl MeasureKind {
    /// Whether one approver decides it before it runs.
    pub fn needs_approval(self) -> bool {
        matches!(
            self,
            Self::EmergencyLoan | Self::FeeWaiver | Self::RepaymentPlan
        )
    }

    /// Whether it is held against one of the customer's accounts.
    pub fn needs_account(self) -> bool {
        matches!(self, Self::FeeWaiver)
    }

    /// Whether it carries an amount (minor units).
    pub fn has_amount(self) -> bool {
        matches!(self, Self::EmergencyLoan)
    }
}

code_enum!(
    /// Where a measure stands.
    MeasureState {
        /// Waiting for its approver (only kinds that need one).
        Requested = "requested",
        /// Approved or started: being carried out.
        Active = "active",
        /// Carried out, its outcome recorded.
        Done = "done",
        /// The approver said no (with a reason).
        Declined = "declined",
        /// Called off (with a reason).
        Cancelled = "cancelled",
    }
);

/// What moves a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureMove {
    Approve,
    Decline,
    Complete,
    Cancel,
}

impl MeasureState {
    /// The state a new measure of `kind` starts in.
    pub fn initial(kind: MeasureKind) -> MeasureState {
        if kind.needs_approval() {
            Self::Requested
        } else {
            Self::Active
        }
    }

    pub fn apply(self, m: MeasureMove) -> Option<MeasureState> {
        match (self, m) {
            (Self::Requested, MeasureMove::Approve) => Some(Self::Active),
            (Self::Requested, MeasureMove::Decline) => Some(Self::Declined),
            (Self::Active, MeasureMove::Complete) => Some(Self::Done),
            (Self::Requested | Self::Active, MeasureMove::Cancel) => Some(Self::Cancelled),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Active)
    }
}

/// `[care.emergency_loan]`: the fast track's clock, counted in working hours between `opens` and `closes`
/// on the bank's working days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanPolicy {
    pub decision_hours: u16,
    /// The working day's first hour (24-hour clock).
    pub opens: u8,
    /// The working day's end (24-hour clock).
    pub closes: u8,
    /// The largest amount on the fast track, in yuan.
    pub max_amount_yuan: u32,
}

impl LoanPolicy {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.decision_hours == 0 {
            return Err(("decision_hours".into(), "must be at least 1".into()));
        }
        if self.opens >= self.closes || self.closes > 24 {
            return Err((
                "closes".into(),
                "the working day must close after it opens, by 24".into(),
            ));
        }
        Ok(())
    }
}

/// When `hours` working hours after `from` run out: only the time between `opens` and `closes` on working
/// days counts (a request on Friday evening starts counting on Monday morning). `None` past the calendar.
pub fn add_working_hours(
    cal: &WorkCalendar,
    from: DateTime,
    hours: u16,
    opens: u8,
    closes: u8,
) -> Option<DateTime> {
    let open = Time::new(i8::try_from(opens).ok()?, 0, 0, 0).ok()?;
    let close = if closes >= 24 {
        Time::MAX
    } else {
        Time::new(i8::try_from(closes).ok()?, 0, 0, 0).ok()?
    };
    let mut left = jiff::SignedDuration::from_hours(i64::from(hours));
    let mut day = from.date();
    let mut at = from.time();
    // At most one step per calendar day; a working day is found within a year in any real calendar.
    for _ in 0..(366 * 5) {
        if !cal.covers(day) {
            return None;
        }
        if cal.is_working_day(day) {
            let start = at.max(open);
            if start < close {
                let room = close.duration_since(start);
                if left <= room {
                    return day.to_datetime(start).checked_add(left).ok();
                }
                left -= room;
            }
        }
        day = day.tomorrow().ok()?;
        at = Time::MIN;
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn only_kinds_that_need_an_approver_wait_for_one() {
        assert_eq!(
            MeasureState::initial(MeasureKind::EmergencyLoan),
            MeasureState::Requested
        );
        assert_eq!(
            MeasureState::initial(MeasureKind::HomeVisit),
            MeasureState::Active
        );
        assert_eq!(MeasureState::Active.apply(MeasureMove::Approve), None);
        assert_eq!(
            MeasureState::Requested.apply(MeasureMove::Decline),
            Some(MeasureState::Declined)
        );
        assert_eq!(MeasureState::Done.apply(MeasureMove::Cancel), None);
    }

    #[test]
    fn the_loan_clock_counts_working_hours_only() {
        let cal = WorkCalendar::china();
        // Friday 2026-12-04 16:00, 8 working hours of 9-17: 1 h on Friday, 7 h on Monday → Monday 16:00.
        let fri = date(2026, 12, 4).at(16, 0, 0, 0);
        assert_eq!(
            add_working_hours(&cal, fri, 8, 9, 17),
            Some(date(2026, 12, 7).at(16, 0, 0, 0))
        );
        // Before opening the clock starts at opening; exactly a day's hours end at closing.
        let early = date(2026, 12, 1).at(7, 30, 0, 0);
        assert_eq!(
            add_working_hours(&cal, early, 8, 9, 17),
            Some(date(2026, 12, 1).at(17, 0, 0, 0))
        );
        // After closing on a Saturday: Monday.
        let sat = date(2026, 12, 5).at(20, 0, 0, 0);
        assert_eq!(
            add_working_hours(&cal, sat, 2, 9, 17),
            Some(date(2026, 12, 7).at(11, 0, 0, 0))
        );
    }
}
