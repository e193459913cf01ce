//! The deal's team (seed 002 团队协作: 客户经理负责客户拓展和关系维护, 产品经理负责提供产品支持和解决方案,
//! 运营人员负责开户及后续服务): beside the lead's owner — its relationship manager — a product manager
//! and an operations person named on each deal, one of each, never the owner again.

use serde::{Deserialize, Serialize};

code_enum!(
    /// A part on a deal's team besides its relationship manager (the lead's owner).
    DealRole {
        /// Product support and the solution (the proposal's products).
        ProductManager = "product_manager",
        /// The account opening and the service after it.
        Operations = "operations",
    }
);

/// Why a staff member may not take a part on the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRefusal {
    /// The owner is the deal's relationship manager already.
    Owner,
    /// The lead is lost or rejected: its team is kept as it was.
    Closed,
}

/// Whether `staff` may take a part on a deal owned by `owner` whose lead is open or won.
pub fn may_join(
    staff: crate::ids::StaffId,
    owner: Option<crate::ids::StaffId>,
    lead_live: bool,
) -> Result<(), TeamRefusal> {
    if !lead_live {
        return Err(TeamRefusal::Closed);
    }
    if owner == Some(staff) {
        return Err(TeamRefusal::Owner);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::StaffId;

    #[test]
    fn the_owner_is_not_named_twice_and_a_closed_deal_keeps_its_team() {
        let (a, b) = (StaffId::new(), StaffId::new());
        assert_eq!(may_join(a, Some(a), true), Err(TeamRefusal::Owner));
        assert_eq!(may_join(b, Some(a), false), Err(TeamRefusal::Closed));
        assert_eq!(may_join(b, Some(a), true), Ok(()));
        assert_eq!(DealRole::parse("operations"), Some(DealRole::Operations));
    }
}
