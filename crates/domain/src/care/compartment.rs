//! The information compartment (seed 003 §六 信息保密, PIPL Art. 28–29): the condition detail, the diagnosis
//! (only with the customer's separate consent), documents and notes, readable only by those with a need to
//! know, each for a purpose and a period that end:
//! - the care team's members, while the record is open, once they confirmed the confidentiality terms;
//! - a supervisor verifying a reported lead, while it waits for the verification;
//! - a supervisor named by the registering supervisor, for a purpose, until a day;
//! - anyone who may serve the customer breaking the glass with a reason, for the policy's hours (the team
//!   lead is told and a supervisor reviews it afterwards).
//!
//! Everyone else — administrators and auditors included — sees only the adjustments.

use super::CareStatus;
use crate::ids::StaffId;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Why someone may read a compartment.
    AccessBasis {
        /// A member of the care team.
        Team = "team",
        /// The supervisor verifying a reported lead.
        Verification = "verification",
        /// A supervisor named for a purpose and a period.
        Named = "named",
        /// Break-glass, with a reason, reviewed afterwards.
        BreakGlass = "break_glass",
    }
);

code_enum!(
    /// How a reviewer judged a break-glass access.
    GlassVerdict {
        /// The need was real.
        Justified = "justified",
        /// It was not: taken up with the staff member.
        Unjustified = "unjustified",
    }
);

/// A grant as the decision needs it: who, how, until when (microseconds), withdrawn or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub staff: StaffId,
    pub basis: AccessBasis,
    pub until_us: i64,
    pub revoked: bool,
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub staff: StaffId,
    /// The staff member verifies care leads (a supervisor) and the customer is in their scope.
    pub verifier: bool,
    /// Team members who confirmed the confidentiality terms.
    pub team: &'a [StaffId],
    pub grants: &'a [Grant],
}

/// Why `h` may read a compartment of a record in `status` at `now_us`, or `None`. A team member who has not
/// confirmed the terms is not let in yet; a record that ended keeps its detail only for retention, read by
/// no one.
pub fn access(status: CareStatus, h: &Holder<'_>, now_us: i64) -> Option<AccessBasis> {
    if !status.is_open() {
        return None;
    }
    if h.team.contains(&h.staff) {
        return Some(AccessBasis::Team);
    }
    if status == CareStatus::Reported && h.verifier {
        return Some(AccessBasis::Verification);
    }
    h.grants
        .iter()
        .filter(|g| g.staff == h.staff && !g.revoked && g.until_us > now_us)
        .map(|g| g.basis)
        .min_by_key(|b| *b != AccessBasis::Named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_team_the_verifier_and_live_grants_open_the_compartment() {
        let (a, b, c) = (StaffId::new(), StaffId::new(), StaffId::new());
        let grants = [
            Grant {
                staff: b,
                basis: AccessBasis::Named,
                until_us: 100,
                revoked: false,
            },
            Grant {
                staff: c,
                basis: AccessBasis::BreakGlass,
                until_us: 100,
                revoked: true,
            },
        ];
        let team = [a];
        let h = |staff, verifier| Holder {
            staff,
            verifier,
            team: &team,
            grants: &grants,
        };
        let reg = CareStatus::Registered;
        assert_eq!(access(reg, &h(a, false), 50), Some(AccessBasis::Team));
        assert_eq!(access(reg, &h(b, false), 50), Some(AccessBasis::Named));
        // The period ended.
        assert_eq!(access(reg, &h(b, false), 100), None);
        // Withdrawn.
        assert_eq!(access(reg, &h(c, false), 50), None);
        // A supervisor reads a lead to verify it, not a registered record.
        assert_eq!(
            access(CareStatus::Reported, &h(c, true), 50),
            Some(AccessBasis::Verification)
        );
        assert_eq!(access(reg, &h(c, true), 50), None);
        // An ended record is kept for retention only.
        assert_eq!(access(CareStatus::Ended, &h(a, false), 50), None);
    }
}
