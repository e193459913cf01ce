//! A high-net-worth client's advisory team (seed 000 §4 私人银行: investment experts, lawyers, accountants
//! alongside the wealth manager): who serves the client in which part, and the team's notes and tasks.

use serde::{Deserialize, Serialize};

code_enum!(
    /// A part on a client's advisory team.
    AdvisorRole {
        InvestmentExpert = "investment_expert",
        Lawyer = "lawyer",
        Accountant = "accountant",
        TaxAdviser = "tax_adviser",
        InsuranceSpecialist = "insurance_specialist",
    }
);

code_enum!(
    /// What the team writes down.
    EntryKind {
        Note = "note",
        /// Something to do, given to a member, by a day.
        Task = "task",
    }
);
