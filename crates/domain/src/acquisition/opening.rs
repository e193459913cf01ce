//! The account and the products of a won lead (seed 002 §六.1, 开户与产品签约): once the lead has become a
//! customer and the registry has verified it (its four-eyes identification review), the account the core system opened is recorded, then the
//! products the customer signs — each through the book's one gate (the customer's risk measures, then
//! suitability). A product needs an account to be held in, so it comes after one.

use super::LeadStage;
use crate::book::sale::SaleKind;

/// Why a won lead's sale may not be recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpeningRefusal {
    /// The lead has not become a customer.
    NotWon,
    /// The registry's identification review of the new customer has not passed.
    NotVerified,
    /// A product before any account is opened.
    NoAccount,
}

impl OpeningRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotWon => "invalid_state",
            Self::NotVerified => "customer_not_verified",
            Self::NoAccount => "account_not_opened",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::NotWon => {
                "a lead's account and products are recorded once it has become a customer"
            }
            Self::NotVerified => "the registry has not verified the customer's identification yet",
            Self::NoAccount => {
                "a product is signed into an account: record the account opening first"
            }
        }
    }
}

/// Whether a lead at `stage` may have a sale of `kind` recorded, given whether the registry verified its
/// customer (identification comes before any account) and whether the customer has an account (recorded
/// here or brought by the book's feed).
pub fn may_record(
    stage: LeadStage,
    kind: SaleKind,
    verified: bool,
    has_account: bool,
) -> Result<(), OpeningRefusal> {
    if stage != LeadStage::Won {
        return Err(OpeningRefusal::NotWon);
    }
    if !verified {
        return Err(OpeningRefusal::NotVerified);
    }
    if kind != SaleKind::AccountOpening && !has_account {
        return Err(OpeningRefusal::NoAccount);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_comes_first_and_only_after_the_win() {
        use SaleKind::{AccountOpening, LoanApplication, ProductSale};
        assert_eq!(
            may_record(LeadStage::Application, AccountOpening, true, false),
            Err(OpeningRefusal::NotWon)
        );
        assert_eq!(
            may_record(LeadStage::Won, AccountOpening, false, false),
            Err(OpeningRefusal::NotVerified)
        );
        assert_eq!(
            may_record(LeadStage::Won, ProductSale, true, false),
            Err(OpeningRefusal::NoAccount)
        );
        assert_eq!(
            may_record(LeadStage::Won, AccountOpening, true, false),
            Ok(())
        );
        assert_eq!(
            may_record(LeadStage::Won, LoanApplication, true, true),
            Ok(())
        );
    }
}
