//! One gate for every sale or application recorded in Banyan (an account opened, a product sold, a loan
//! applied for, a credit limit raised): it reads which of the policy's blockable actions the request is and
//! refuses it when the customer's risk measures block that action (seed 000 §六.2: a high-risk customer or
//! a grade-D company may not take on new high-risk business or more credit), naming the rating and the
//! action. Suitability (the customer's risk appetite against the product's level) is the wealth issue's
//! and joins the same gate after the measures.

use super::{ProductKind, ProductStatus, RiskLevel};
use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What is being recorded.
    SaleKind {
        /// A deposit account, card or payments service opened.
        AccountOpening = "account_opening",
        /// An investment or insurance product sold (理财, funds, insurance, trust, precious metals, FX).
        ProductSale = "product_sale",
        /// A loan applied for.
        LoanApplication = "loan_application",
        /// A higher limit on a loan or card.
        CreditLimit = "credit_limit",
    }
);

code_enum!(
    /// What the gate decided.
    SaleDecision {
        Recorded = "recorded",
        Refused = "refused",
        /// Suitable, and waiting for what suitability asks next (a senior reviewer, the cooling-off).
        Pending = "pending",
        /// A pending sale the senior reviewer declined or the client cancelled during the cooling-off.
        Withdrawn = "withdrawn",
    }
);

impl SaleKind {
    /// Whether a product of this kind can be the subject of this sale.
    pub fn fits(self, p: ProductKind) -> bool {
        match self {
            Self::AccountOpening => {
                p.is_deposit() || matches!(p, ProductKind::Card | ProductKind::Payments)
            }
            Self::ProductSale => {
                p.needs_risk_level() || matches!(p, ProductKind::Insurance | ProductKind::Fx)
            }
            Self::LoanApplication => p.is_credit() && p != ProductKind::Card,
            Self::CreditLimit => p.is_credit(),
        }
    }
}

/// `[book.gate]`: which products are high-risk business (the measure `new_high_risk_business`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatePolicy {
    /// Kinds of product that are high-risk business whatever their level.
    pub high_risk_kinds: Vec<ProductKind>,
    /// Investment products at these levels are high-risk business.
    pub high_risk_levels: Vec<RiskLevel>,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            high_risk_kinds: vec![
                ProductKind::ProjectLoan,
                ProductKind::TradeFinance,
                ProductKind::Trust,
                ProductKind::PreciousMetals,
            ],
            high_risk_levels: vec![RiskLevel::R4, RiskLevel::R5],
        }
    }
}

/// The product as the gate reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateProduct {
    pub kind: ProductKind,
    pub risk_level: Option<RiskLevel>,
    pub status: ProductStatus,
    pub min_amount: i64,
}

/// The action of the policy's measures a blocked customer may not do: taking on more credit.
pub const CREDIT_INCREASE: &str = "credit_increase";
/// The action of the policy's measures a blocked customer may not do: new high-risk business.
pub const NEW_HIGH_RISK_BUSINESS: &str = "new_high_risk_business";

impl GatePolicy {
    /// The blockable actions a sale of this kind of this product is (each checked against the measures).
    pub fn actions(&self, kind: SaleKind, p: &GateProduct) -> Vec<&'static str> {
        let mut out = Vec::new();
        // More credit: a higher limit, a new loan, a new card.
        let credit = match kind {
            SaleKind::CreditLimit | SaleKind::LoanApplication => true,
            SaleKind::AccountOpening => p.kind.is_credit(),
            SaleKind::ProductSale => false,
        };
        if credit {
            out.push(CREDIT_INCREASE);
        }
        let high = self.high_risk_kinds.contains(&p.kind)
            || p.risk_level
                .is_some_and(|l| self.high_risk_levels.contains(&l));
        if high {
            out.push(NEW_HIGH_RISK_BUSINESS);
        }
        out
    }
}

/// An account number as the core system gives it: 6 to 34 letters, digits or hyphens (34: the longest
/// IBAN), without spaces.
pub fn account_no_ok(no: &str) -> bool {
    (6..=34).contains(&no.len()) && no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Every broken rule of a sale request itself (before the customer's measures are read). An account
/// opening names the account the core system opened; no other kind carries one.
pub fn check(
    kind: SaleKind,
    p: &GateProduct,
    amount: i64,
    account_no: Option<&str>,
) -> FieldErrors {
    let mut e = FieldErrors::new();
    match (kind, account_no) {
        (SaleKind::AccountOpening, None) => e.push(
            "account_no",
            "required",
            "an account opening names the account the core system opened",
        ),
        (SaleKind::AccountOpening, Some(no)) if !account_no_ok(no) => e.push(
            "account_no",
            "account_format",
            "must be 6 to 34 letters, digits or hyphens",
        ),
        (SaleKind::AccountOpening, Some(_)) | (_, None) => {}
        (_, Some(_)) => e.push(
            "account_no",
            "not_allowed",
            "only an account opening names an account",
        ),
    }
    if !kind.fits(p.kind) {
        e.push(
            "product",
            "kind",
            "is not a product this kind of sale is for",
        );
    }
    if p.status != ProductStatus::OnSale {
        e.push("product", "not_on_sale", "is not on sale");
    }
    if amount <= 0 {
        e.push("amount", "min", "must be more than 0");
    } else if amount < p.min_amount {
        e.push(
            "amount",
            "below_minimum",
            "is below the product's minimum amount",
        );
    }
    e
}

/// A refused request: the action the customer's rating blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateRefusal {
    pub action: String,
    /// The rating (`high`, `D`) whose measures block it.
    pub rating: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(kind: ProductKind, risk: Option<RiskLevel>) -> GateProduct {
        GateProduct {
            kind,
            risk_level: risk,
            status: ProductStatus::OnSale,
            min_amount: 100,
        }
    }

    #[test]
    fn a_sale_is_the_actions_its_product_and_kind_make_it() {
        let g = GatePolicy::default();
        let fund = product(ProductKind::Fund, Some(RiskLevel::R2));
        assert!(g.actions(SaleKind::ProductSale, &fund).is_empty());
        // More credit: a new loan, a new card.
        let loan = product(ProductKind::PersonalLoan, None);
        assert_eq!(
            g.actions(SaleKind::LoanApplication, &loan),
            vec![CREDIT_INCREASE]
        );
        let card = product(ProductKind::Card, None);
        assert_eq!(
            g.actions(SaleKind::AccountOpening, &card),
            vec![CREDIT_INCREASE]
        );
        let deposit = product(ProductKind::DemandDeposit, None);
        assert!(g.actions(SaleKind::AccountOpening, &deposit).is_empty());
        let risky = product(ProductKind::Fund, Some(RiskLevel::R5));
        assert_eq!(
            g.actions(SaleKind::ProductSale, &risky),
            vec![NEW_HIGH_RISK_BUSINESS]
        );
        let trade = product(ProductKind::TradeFinance, None);
        assert_eq!(
            g.actions(SaleKind::CreditLimit, &trade),
            vec![CREDIT_INCREASE, NEW_HIGH_RISK_BUSINESS]
        );
    }

    #[test]
    fn a_request_names_what_is_wrong_with_it() {
        let mut card = product(ProductKind::Card, None);
        let no = Some("6222020200001234");
        assert!(check(SaleKind::AccountOpening, &card, 100, no).is_empty());
        assert!(check(SaleKind::CreditLimit, &card, 100, None).is_empty());
        let rules = |e: FieldErrors| -> Vec<String> { e.0.into_iter().map(|x| x.rule).collect() };
        assert_eq!(
            rules(check(SaleKind::LoanApplication, &card, 100, None)),
            vec!["kind"]
        );
        card.status = ProductStatus::Suspended;
        assert_eq!(
            rules(check(SaleKind::AccountOpening, &card, 50, no)),
            vec!["not_on_sale", "below_minimum"]
        );
        assert_eq!(
            rules(check(SaleKind::AccountOpening, &card, 0, no))[1],
            "min"
        );
    }

    #[test]
    fn an_opening_names_its_account_and_nothing_else_does() {
        let card = product(ProductKind::Card, None);
        let rules = |k, no| -> Vec<String> {
            check(k, &card, 100, no)
                .0
                .into_iter()
                .map(|x| format!("{}:{}", x.field, x.rule))
                .collect()
        };
        assert_eq!(
            rules(SaleKind::AccountOpening, None),
            vec!["account_no:required"]
        );
        let too_long = "9".repeat(35);
        for bad in ["12345", "6222 0202 0000", "账户123456", &too_long] {
            assert_eq!(
                rules(SaleKind::AccountOpening, Some(bad)),
                vec!["account_no:account_format"],
                "{bad}"
            );
        }
        assert!(rules(SaleKind::AccountOpening, Some("DE89-3704004405")).is_empty());
        assert_eq!(
            rules(SaleKind::CreditLimit, Some("6222020200001234")),
            vec!["account_no:not_allowed"]
        );
    }
}
