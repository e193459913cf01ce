//! Roles, permissions and scopes: the one table in code that says who may do what to which customers.
//!
//! A role grants a set of [`Permission`]s and a [`ScopeKind`] that limits which customers they apply to.
//! `docs/security.md` is generated from the same table (see [`permission_table_markdown`]).

use serde::{Deserialize, Serialize};

pub mod sources;

/// Staff roles named by the bank's policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CustomerService,
    RelationshipManager,
    WealthManager,
    RiskOfficer,
    Operations,
    Reviewer,
    Supervisor,
    Auditor,
    Admin,
    /// A head-office senior manager: approves the second extension of a complaint deadline.
    SeniorManager,
    /// A service account of the core banking system: loads the book's feeds and the customers' figures.
    CoreFeed,
    /// A service account of the call-centre: reads customers and registers and works feedback cases.
    CallCentre,
    /// A service account of the data warehouse: reads and exports customers, cases and leads.
    DataWarehouse,
}

/// One action a role may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read customer records (masked).
    CustomerRead,
    /// Create customers (as maker).
    CustomerCreate,
    /// Edit customers, contacts and relationships (as maker).
    CustomerUpdate,
    /// Submit a record for review.
    CustomerSubmit,
    /// Verify or return a submitted record (as checker).
    CustomerVerify,
    /// See unmasked ID numbers, phones, e-mails and addresses (each reveal audited).
    CustomerReveal,
    /// Bulk import customers.
    CustomerImport,
    /// Export customer lists.
    CustomerExport,
    /// Query the audit log and verify its chain.
    AuditRead,
    /// Manage staff accounts.
    StaffManage,
    /// Define custom fields and read the loaded policy.
    ConfigManage,
    /// Load customer metrics (balances, transactions, financial statements) that drive segments and ratings.
    MetricsWrite,
    /// Read feedback cases (in scope, or routed to the staff member) and their analysis.
    CaseRead,
    /// Register feedback, investigate, resolve and reply.
    CaseWrite,
    /// Approve the first extension of a regulatory deadline (15 -> 30 days) and pauses for appraisal.
    CaseApprove,
    /// Approve the second extension (30 -> 60 days, customer told).
    CaseApproveSenior,
    /// Approve or refuse a campaign someone else made that needs a second person (four eyes).
    CampaignApprove,
    /// Define and change the product catalogue.
    ProductManage,
    /// Load the core system's daily feeds (holdings) for the whole bank.
    BookLoad,
    /// Export the large-value transaction report (compliance).
    MonitoringReport,
    /// Read leads (in scope) and the acquisition pipeline.
    LeadRead,
    /// Capture and work leads: edit, screen, move along the pipeline, mark lost.
    LeadWrite,
    /// Review a screened lead: accept, reject with a reason, ask for more (not one's own lead).
    LeadReview,
    /// Let on a lead the model failed or a reviewer rejected, with a reason (supervisors; audited).
    LeadOverride,
    /// Record and change the partner institutions that bring leads.
    PartnerManage,
    /// Set acquisition targets: a branch's, its teams' and its people's (supervisors), the bank's (senior
    /// managers).
    TargetManage,
    /// Report a customer who may be in critical illness or hardship (a care lead), and break the glass of a
    /// care record's compartment with a reason (reviewed afterwards).
    CareReport,
    /// Work a care record one is on the team of: its tasks, measures and notes.
    CareWork,
    /// Verify or reject care leads, register and end care records, name their teams and the supervisors
    /// who may read a compartment, approve measures, review break-glass access (supervisors).
    CareManage,
    /// Approve or decline an investment sale that waits for a senior reviewer (a client of the senior age
    /// and a high-risk product) — never one's own sale.
    WealthReview,
    /// Read the suitability report of a period: every investment sale's decision with what it read.
    WealthReport,
    /// Keep a client's financial picture, goals and plan, and name their advisory team (the customer in
    /// scope; a team member reads the client's wealth page and writes its notes by membership).
    WealthPlan,
    /// Read one's own scorecard (staff performance); with `performance.manage`, those of the people in
    /// one's scope.
    PerformanceRead,
    /// Set the people's targets in one's scope, and close their quarter's scorecards with an assessment
    /// (supervisors; senior managers bank-wide).
    PerformanceManage,
    /// Read the feed of changes other systems follow (customers created, verified, changed; cases; leads'
    /// stages; segments; alerts), in the reader's scope.
    OutboundRead,
    /// Register a person's request to exercise their rights over their data (PIPL Art. 44-47) as it
    /// arrives: at a branch, or through the channels the person uses (the call centre's system, online
    /// banking), which have no other right to change a customer.
    RightsRegister,
}

/// Which customers a role's permissions reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// Only customers whose relationship manager is the staff member.
    Own,
    /// Customers of the staff member's branch.
    Branch,
    /// Every customer.
    All,
    /// No customer at all (administration only).
    None,
}

use Permission as P;

const CS: &[Permission] = &[
    P::CustomerRead,
    P::CustomerCreate,
    P::CustomerUpdate,
    P::RightsRegister,
    P::CustomerSubmit,
    P::CaseRead,
    P::CaseWrite,
    P::LeadRead,
    P::LeadWrite,
    P::CareReport,
    P::CareWork,
    P::PerformanceRead,
];
const RM: &[Permission] = &[
    P::CustomerRead,
    P::CustomerCreate,
    P::CustomerUpdate,
    P::RightsRegister,
    P::CustomerSubmit,
    P::CustomerReveal,
    P::CaseRead,
    P::CaseWrite,
    P::LeadRead,
    P::LeadWrite,
    P::CareReport,
    P::CareWork,
    P::WealthPlan,
    P::PerformanceRead,
];
const WM: &[Permission] = &[
    P::CustomerRead,
    P::CustomerUpdate,
    P::RightsRegister,
    P::CustomerSubmit,
    P::CaseRead,
    P::CaseWrite,
    P::LeadRead,
    P::LeadWrite,
    P::CareReport,
    P::CareWork,
    P::WealthPlan,
    P::PerformanceRead,
];
const RISK: &[Permission] = &[
    P::CustomerRead,
    P::CustomerReveal,
    P::MetricsWrite,
    P::CaseRead,
    P::MonitoringReport,
    P::LeadRead,
    P::CareReport,
    P::CareWork,
    P::WealthReport,
    P::PerformanceRead,
];
const OPS: &[Permission] = &[
    P::CustomerRead,
    P::CustomerCreate,
    P::CustomerUpdate,
    P::RightsRegister,
    P::CustomerSubmit,
    P::CustomerImport,
    P::CustomerExport,
    P::MetricsWrite,
    P::BookLoad,
    P::CaseRead,
    P::CaseWrite,
    P::LeadRead,
    P::LeadWrite,
    P::PartnerManage,
    P::CareReport,
    P::CareWork,
    P::PerformanceRead,
];
const REVIEWER: &[Permission] = &[
    P::CustomerRead,
    P::CustomerVerify,
    P::CustomerReveal,
    P::LeadRead,
    P::LeadReview,
    P::PerformanceRead,
];
const SUPERVISOR: &[Permission] = &[
    P::CustomerRead,
    P::CustomerCreate,
    P::CustomerUpdate,
    P::RightsRegister,
    P::CustomerSubmit,
    P::CustomerVerify,
    P::CustomerReveal,
    P::CustomerExport,
    P::CaseRead,
    P::CaseWrite,
    P::CaseApprove,
    P::CampaignApprove,
    P::LeadRead,
    P::LeadWrite,
    P::LeadReview,
    P::LeadOverride,
    P::PartnerManage,
    P::TargetManage,
    P::CareReport,
    P::CareWork,
    P::CareManage,
    P::WealthReview,
    P::WealthReport,
    P::WealthPlan,
    P::PerformanceRead,
    P::PerformanceManage,
];
const AUDITOR: &[Permission] = &[
    P::CustomerRead,
    P::AuditRead,
    P::CaseRead,
    P::MonitoringReport,
    P::LeadRead,
    P::WealthReport,
    P::PerformanceRead,
];
const ADMIN: &[Permission] = &[P::StaffManage, P::ConfigManage, P::ProductManage];
const CORE_FEED: &[Permission] = &[P::BookLoad, P::MetricsWrite];
const CALL_CENTRE: &[Permission] = &[
    P::CustomerRead,
    P::CaseRead,
    P::CaseWrite,
    P::OutboundRead,
    P::RightsRegister,
];
const DATA_WAREHOUSE: &[Permission] = &[
    P::CustomerRead,
    P::CustomerExport,
    P::CaseRead,
    P::LeadRead,
    P::OutboundRead,
];
const SENIOR: &[Permission] = &[
    P::CustomerRead,
    P::CaseRead,
    P::CaseWrite,
    P::CaseApprove,
    P::CaseApproveSenior,
    P::CampaignApprove,
    P::LeadRead,
    P::TargetManage,
    P::WealthReview,
    P::WealthReport,
    P::PerformanceRead,
    P::PerformanceManage,
];

impl Role {
    /// The roles of people (a staff account); service accounts hold one of [`Role::SERVICE`].
    pub const ALL: [Role; 10] = [
        Role::CustomerService,
        Role::RelationshipManager,
        Role::WealthManager,
        Role::RiskOfficer,
        Role::Operations,
        Role::Reviewer,
        Role::Supervisor,
        Role::Auditor,
        Role::Admin,
        Role::SeniorManager,
    ];

    /// The roles of service accounts: other bank systems calling the API, each with a narrow set of rights.
    /// They never sign in with a password and never appear among the people (pickers, scorecards).
    pub const SERVICE: [Role; 3] = [Role::CoreFeed, Role::CallCentre, Role::DataWarehouse];

    /// Whether the role belongs to a service account.
    pub fn is_service(self) -> bool {
        Role::SERVICE.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CustomerService => "customer_service",
            Role::RelationshipManager => "relationship_manager",
            Role::WealthManager => "wealth_manager",
            Role::RiskOfficer => "risk_officer",
            Role::Operations => "operations",
            Role::Reviewer => "reviewer",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::SeniorManager => "senior_manager",
            Role::CoreFeed => "core_feed",
            Role::CallCentre => "call_centre",
            Role::DataWarehouse => "data_warehouse",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .chain(Role::SERVICE)
            .find(|r| r.as_str() == s)
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Role::CustomerService => CS,
            Role::RelationshipManager => RM,
            Role::WealthManager => WM,
            Role::RiskOfficer => RISK,
            Role::Operations => OPS,
            Role::Reviewer => REVIEWER,
            Role::Supervisor => SUPERVISOR,
            Role::Auditor => AUDITOR,
            Role::Admin => ADMIN,
            Role::SeniorManager => SENIOR,
            Role::CoreFeed => CORE_FEED,
            Role::CallCentre => CALL_CENTRE,
            Role::DataWarehouse => DATA_WAREHOUSE,
        }
    }

    /// Which customers the permissions reach. Wealth managers and RMs work their own portfolio;
    /// operations and supervisors their branch; customer service, risk, review and audit the whole bank.
    /// Service accounts reach the whole bank unless the account names a branch (the app narrows it then).
    pub fn scope(self) -> ScopeKind {
        match self {
            Role::RelationshipManager | Role::WealthManager => ScopeKind::Own,
            Role::Operations | Role::Supervisor => ScopeKind::Branch,
            Role::CustomerService
            | Role::RiskOfficer
            | Role::Reviewer
            | Role::Auditor
            | Role::SeniorManager
            | Role::CoreFeed
            | Role::CallCentre
            | Role::DataWarehouse => ScopeKind::All,
            Role::Admin => ScopeKind::None,
        }
    }

    pub fn has(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Permission {
    pub const ALL: [Permission; 36] = [
        P::CustomerRead,
        P::CustomerCreate,
        P::CustomerUpdate,
        P::CustomerSubmit,
        P::CustomerVerify,
        P::CustomerReveal,
        P::CustomerImport,
        P::CustomerExport,
        P::AuditRead,
        P::StaffManage,
        P::ConfigManage,
        P::MetricsWrite,
        P::CaseRead,
        P::CaseWrite,
        P::CaseApprove,
        P::CaseApproveSenior,
        P::CampaignApprove,
        P::ProductManage,
        P::BookLoad,
        P::MonitoringReport,
        P::LeadRead,
        P::LeadWrite,
        P::LeadReview,
        P::LeadOverride,
        P::PartnerManage,
        P::TargetManage,
        P::CareReport,
        P::CareWork,
        P::CareManage,
        P::WealthReview,
        P::WealthReport,
        P::WealthPlan,
        P::PerformanceRead,
        P::PerformanceManage,
        P::OutboundRead,
        P::RightsRegister,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            P::CustomerRead => "customer.read",
            P::CustomerCreate => "customer.create",
            P::CustomerUpdate => "customer.update",
            P::CustomerSubmit => "customer.submit",
            P::CustomerVerify => "customer.verify",
            P::CustomerReveal => "customer.reveal",
            P::CustomerImport => "customer.import",
            P::CustomerExport => "customer.export",
            P::AuditRead => "audit.read",
            P::StaffManage => "staff.manage",
            P::ConfigManage => "config.manage",
            P::MetricsWrite => "metrics.write",
            P::CaseRead => "case.read",
            P::CaseWrite => "case.write",
            P::CaseApprove => "case.approve",
            P::CaseApproveSenior => "case.approve_senior",
            P::CampaignApprove => "campaign.approve",
            P::ProductManage => "product.manage",
            P::BookLoad => "book.load",
            P::MonitoringReport => "monitoring.report",
            P::LeadRead => "lead.read",
            P::LeadWrite => "lead.write",
            P::LeadReview => "lead.review",
            P::LeadOverride => "lead.override",
            P::PartnerManage => "partner.manage",
            P::TargetManage => "target.manage",
            P::CareReport => "care.report",
            P::CareWork => "care.work",
            P::CareManage => "care.manage",
            P::WealthReview => "wealth.review",
            P::WealthReport => "wealth.report",
            P::WealthPlan => "wealth.plan",
            P::PerformanceRead => "performance.read",
            P::PerformanceManage => "performance.manage",
            P::OutboundRead => "outbound.read",
            P::RightsRegister => "rights.register",
        }
    }
}

/// The role/permission matrix as a Markdown table, so that `docs/security.md` can never drift from the code
/// (a test compares the two).
pub fn permission_table_markdown() -> String {
    let mut out = String::from("| role | scope |");
    for p in Permission::ALL {
        out.push_str(&format!(" {} |", p.as_str()));
    }
    out.push_str("\n|---|---|");
    for _ in Permission::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for r in Role::ALL.into_iter().chain(Role::SERVICE) {
        let scope = match r.scope() {
            ScopeKind::Own => "own",
            ScopeKind::Branch => "branch",
            ScopeKind::All => "all",
            ScopeKind::None => "none",
        };
        out.push_str(&format!("| {} | {} |", r.as_str(), scope));
        for p in Permission::ALL {
            out.push_str(if r.has(p) { " yes |" } else { " |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditor_reads_everything_and_writes_nothing() {
        let a = Role::Auditor;
        assert_eq!(a.scope(), ScopeKind::All);
        for p in [
            P::CustomerCreate,
            P::CustomerUpdate,
            P::CustomerSubmit,
            P::CustomerVerify,
            P::CustomerImport,
            P::StaffManage,
        ] {
            assert!(!a.has(p), "auditor must not have {}", p.as_str());
        }
        assert!(a.has(P::AuditRead));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL.into_iter().chain(Role::SERVICE) {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn service_roles_are_narrow_and_never_manage() {
        for r in Role::SERVICE {
            assert!(r.is_service());
            assert!(r.permissions().len() <= 5, "{r} grants too much");
            for p in [
                P::StaffManage,
                P::ConfigManage,
                P::AuditRead,
                P::CustomerReveal,
            ] {
                assert!(!r.has(p), "{r} must not have {}", p.as_str());
            }
        }
        assert!(Role::ALL.iter().all(|r| !r.is_service()));
    }

    #[test]
    fn relationship_managers_see_only_their_own_portfolio() {
        assert_eq!(Role::RelationshipManager.scope(), ScopeKind::Own);
        assert_eq!(Role::Supervisor.scope(), ScopeKind::Branch);
        assert_eq!(Role::Admin.scope(), ScopeKind::None);
    }
}

#[cfg(test)]
mod docs_tests {
    /// `docs/security.md` shows the same permission table as the code (regenerate it from
    /// `permission_table_markdown()` when roles change).
    #[test]
    fn the_security_document_shows_the_permission_table_of_the_code() {
        let doc = include_str!("../../../docs/security.md");
        let table = super::permission_table_markdown();
        assert!(
            doc.contains(&table),
            "docs/security.md is out of date; the table must read:\n{table}"
        );
    }
}
