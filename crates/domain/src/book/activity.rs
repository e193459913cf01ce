//! What moves through the accounts and the digital channels: transactions and channel events as the core
//! system and digital banking report them. Both are append-only and idempotent per (source, id).

use crate::FieldErrors;
use crate::money::Currency;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// Money in or out of the account.
    Direction {
        Credit = "credit",
        Debit = "debit",
    }
);

code_enum!(
    /// Where a transaction was made.
    TxChannel {
        Branch = "branch",
        Atm = "atm",
        Online = "online",
        Mobile = "mobile",
        Pos = "pos",
        /// Interbank and cross-border wires.
        Wire = "wire",
        /// Batch runs: payroll, standing orders, interest.
        Batch = "batch",
    }
);

code_enum!(
    /// Who is on the other side.
    Counterparty {
        Individual = "individual",
        Company = "company",
        Government = "government",
        /// Another bank or financial institution.
        Financial = "financial",
        /// The customer's own account or the bank itself.
        Internal = "internal",
        Unknown = "unknown",
    }
);

code_enum!(
    /// What a transaction is for, as the core system classifies it.
    TxCategory {
        Salary = "salary",
        Transfer = "transfer",
        LoanRepayment = "loan_repayment",
        MortgagePayment = "mortgage_payment",
        CardRepayment = "card_repayment",
        Medical = "medical",
        Insurance = "insurance",
        Investment = "investment",
        Fx = "fx",
        Utilities = "utilities",
        Tax = "tax",
        Retail = "retail",
        Interest = "interest",
        /// What the bank charges: account and card fees, a wealth product's subscription fee. Debits of it
        /// are the customer's fee contribution.
        Fee = "fee",
        Other = "other",
    }
);

code_enum!(
    /// A digital-banking event.
    EventKind {
        Login = "login",
        /// An exchange-rate look-up (seed 001: a sign of a cross-border need).
        FxRateLookup = "fx_rate_lookup",
        ProductView = "product_view",
        AppOpen = "app_open",
    }
);

/// A valid source id: 1-64 printable ASCII characters without spaces.
pub fn valid_source_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic())
}

/// One transaction as the core system reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionRecord {
    /// The source's id of the transaction (1-64 characters): a second record with it is the same one.
    pub id: String,
    /// The account as the book knows it.
    pub account_no: String,
    /// When it was booked (RFC 3339 with an offset, e.g. `2026-12-01T09:30:00+08:00`).
    #[schema(value_type = String, example = "2026-12-01T09:30:00+08:00")]
    pub at: jiff::Timestamp,
    /// Minor units of the currency, more than 0 (the direction says which way).
    pub amount: i64,
    #[schema(value_type = String, example = "CNY")]
    pub currency: Currency,
    pub direction: Direction,
    pub channel: TxChannel,
    pub counterparty: Counterparty,
    #[serde(default)]
    pub category: Option<TxCategory>,
    /// Cash in or out (not a transfer).
    #[serde(default)]
    pub cash: bool,
    #[serde(default)]
    pub cross_border: bool,
    /// The core system's description (at most 200 characters).
    #[serde(default)]
    pub description: Option<String>,
}

impl TransactionRecord {
    /// Every broken rule of the record itself (the account and its currency are checked against the book).
    pub fn check(&self, now: jiff::Timestamp) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !valid_source_id(&self.id) {
            e.push("id", "format", "must be 1-64 characters without spaces");
        }
        if self.amount <= 0 {
            e.push("amount", "min", "must be more than 0");
        }
        if self.at > now {
            e.push("at", "not_future", "must not be in the future");
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > 200)
        {
            e.push("description", "length", "must be at most 200 characters");
        }
        if self.cash && self.cross_border {
            e.push(
                "cross_border",
                "not_allowed",
                "a cash transaction is not a cross-border transfer",
            );
        }
        e
    }
}

/// One digital-banking event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelEventRecord {
    /// The source's id of the event (1-64 characters).
    pub id: String,
    /// The customer's number or id.
    pub customer: String,
    #[schema(value_type = String, example = "2026-12-01T09:30:00+08:00")]
    pub at: jiff::Timestamp,
    pub kind: EventKind,
    /// The product looked at (`product_view`): a catalogue code.
    #[serde(default)]
    pub product: Option<String>,
}

impl ChannelEventRecord {
    pub fn check(&self, now: jiff::Timestamp) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !valid_source_id(&self.id) {
            e.push("id", "format", "must be 1-64 characters without spaces");
        }
        if self.at > now {
            e.push("at", "not_future", "must not be in the future");
        }
        match (self.kind, &self.product) {
            (EventKind::ProductView, None) => {
                e.push("product", "required", "a product view names the product")
            }
            (k, Some(_)) if k != EventKind::ProductView => e.push(
                "product",
                "not_allowed",
                "only a product view names a product",
            ),
            _ => {}
        }
        e
    }
}

/// What a customer's transactions give the policy engine: the figures the segments read as `fee_income`,
/// `investment_count` and `transactions_90d`, derived from the book instead of posted by hand once the
/// bank feeds transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = BookActivityFigures)]
pub struct ActivityFigures {
    /// Fees the bank charged (debits of category `fee`) in the [`YEAR_DAYS`] ending on the business date,
    /// CNY fen.
    pub fee_income: i64,
    /// Investment purchases (debits of category `investment`) in the same window.
    pub investment_count: u32,
    /// Transactions of any kind in the [`RECENT_DAYS`] ending on the business date.
    pub transactions_90d: u32,
}

/// The window of the fee contribution and the investment frequency (12 months).
pub const YEAR_DAYS: i32 = 365;
/// The window of the recent activity.
pub const RECENT_DAYS: i32 = 90;

impl ActivityFigures {
    /// The transactions that are fees and investments: what the core system books against the customer.
    pub const FEE: (TxCategory, Direction) = (TxCategory::Fee, Direction::Debit);
    pub const INVESTMENT: (TxCategory, Direction) = (TxCategory::Investment, Direction::Debit);
}

/// How long the book keeps activity (the AML rules keep transaction records at least ten years).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    pub transactions_years: u32,
    pub events_days: u32,
    /// Whether the nightly job erases, without a request, a former customer whose accounts all closed more
    /// than `transactions_years` ago (PIPL Art. 47(1)(ii): the retention period ended). On by default; a bank
    /// whose records office erases by its own procedure turns it off.
    #[serde(default = "yes")]
    pub erase_former_customers: bool,
    /// Days a feed's rejected rows are kept for the core system's team to correct the feed (they name
    /// account numbers, possibly of a person erased since, whom the bank can no longer tell apart).
    #[serde(default = "ninety")]
    pub rejects_days: u32,
}

fn ninety() -> u32 {
    90
}

fn yes() -> bool {
    true
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            transactions_years: 10,
            events_days: 400,
            erase_former_customers: true,
            rejects_days: 90,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tx() -> TransactionRecord {
        TransactionRecord {
            id: "T-1".into(),
            account_no: "6222000000000001".into(),
            at: "2026-12-01T01:30:00Z".parse().unwrap(),
            amount: 100,
            currency: Currency::CNY,
            direction: Direction::Credit,
            channel: TxChannel::Online,
            counterparty: Counterparty::Company,
            category: Some(TxCategory::Salary),
            cash: false,
            cross_border: false,
            description: None,
        }
    }

    #[test]
    fn a_transaction_names_each_broken_rule() {
        let now: jiff::Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        assert!(tx().check(now).is_empty());
        let mut t = tx();
        t.id = "has space".into();
        t.amount = 0;
        t.at = "2027-01-01T00:00:00Z".parse().unwrap();
        t.cash = true;
        t.cross_border = true;
        let rules: Vec<(String, String)> = t
            .check(now)
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect();
        assert_eq!(
            rules,
            vec![
                ("id".into(), "format".into()),
                ("amount".into(), "min".into()),
                ("at".into(), "not_future".into()),
                ("cross_border".into(), "not_allowed".into()),
            ]
        );
    }

    #[test]
    fn only_a_product_view_names_a_product() {
        let now: jiff::Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        let mut e = ChannelEventRecord {
            id: "E-1".into(),
            customer: "P-BR0001-00000001".into(),
            at: "2026-12-01T00:00:00Z".parse().unwrap(),
            kind: EventKind::ProductView,
            product: None,
        };
        assert_eq!(e.check(now).0[0].rule, "required");
        e.kind = EventKind::Login;
        e.product = Some("FD-EQ-R4".into());
        assert_eq!(e.check(now).0[0].rule, "not_allowed");
    }
}
