//! The acting identity: who a use case runs for, what the role grants and which customers are in scope.
//! It has no dependencies on other use cases, so every module can take an `Actor` without tying itself to
//! the access module (sign-in, staff) or the audit log.
//!
//! Its fields are private to `app`: an `Actor` is made only by authentication (`access`) or, for the CLI
//! and jobs, by the explicit system constructors here, so no outer layer can make up an identity.

use crate::error::{AppError, Result};
use banyan_domain::access::{Permission, Role, ScopeKind};
use banyan_domain::ids::StaffId;
use banyan_store::customers::ScopeFilter;

/// The authenticated staff member on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub(crate) id: StaffId,
    pub(crate) username: String,
    pub(crate) role: Role,
    pub(crate) branch_code: Option<String>,
    /// The department whose case queue the staff member works, as the staff row said when the request
    /// began (a case list scopes by it without reading the row again).
    pub(crate) department: Option<String>,
    /// Widens the role's scope (CLI imports and exports run bank-wide).
    pub(crate) scope_override: Option<ScopeKind>,
}

impl Actor {
    /// The staff member's id (the system actor's is nil).
    pub fn id(&self) -> StaffId {
        self.id
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The permissions the role grants, by their stable names (for `GET /me`).
    pub fn permissions(&self) -> Vec<String> {
        self.role
            .permissions()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect()
    }

    /// The branch the staff member works at (none for bank-wide roles).
    pub fn branch_code(&self) -> Option<&str> {
        self.branch_code.as_deref()
    }

    /// The same actor with bank-wide scope (CLI only; never reachable from HTTP).
    pub fn with_all_scope(mut self) -> Self {
        self.scope_override = Some(ScopeKind::All);
        self
    }

    /// Fails with 403 unless the role grants `p`; otherwise the proof that it does. Only this function makes a
    /// [`Granted`], and the customer scope and the audit log are reached only through one, so a use case that
    /// forgets its permission check does not compile.
    pub fn require(&self, p: Permission) -> Result<Granted<'_>> {
        if self.role.has(p) {
            Ok(Granted {
                actor: self,
                permission: p,
            })
        } else {
            Err(AppError::forbidden(
                "permission_denied",
                format!("role {} lacks permission {}", self.role, p.as_str()),
            ))
        }
    }

    /// Which customers the role (or the CLI's override) reaches.
    pub(crate) fn scope_kind(&self) -> ScopeKind {
        self.scope_override.unwrap_or(self.role.scope())
    }

    /// The customers this actor may see, as a store filter.
    fn scope_filter(&self) -> ScopeFilter {
        match self.scope_kind() {
            ScopeKind::All => ScopeFilter::All,
            ScopeKind::Own => ScopeFilter::Rm(self.id.uuid()),
            ScopeKind::Branch => match &self.branch_code {
                Some(b) => ScopeFilter::Branch(b.clone()),
                None => ScopeFilter::Nothing,
            },
            ScopeKind::None => ScopeFilter::Nothing,
        }
    }

    /// Whether a customer of this branch and RM is within the actor's scope.
    pub(crate) fn sees(&self, branch_code: &str, rm_id: Option<StaffId>) -> bool {
        match self.scope_filter() {
            ScopeFilter::All => true,
            ScopeFilter::Branch(b) => b == branch_code,
            ScopeFilter::Rm(id) => rm_id.map(StaffId::uuid) == Some(id),
            ScopeFilter::Nothing => false,
        }
    }

    /// A system actor in a given role: the CLI acts as the role whose work a command does (verifying the
    /// audit chain is an auditor's work, which administrators may not do).
    pub fn system_as(username: &str, role: Role) -> Actor {
        Actor {
            role,
            ..Actor::system(username)
        }
    }

    /// The actor used by the CLI and jobs: full scope, audited under `system`.
    pub fn system(username: &str) -> Actor {
        Actor {
            id: StaffId::nil(),
            username: username.to_owned(),
            role: Role::Admin,
            branch_code: None,
            department: None,
            scope_override: None,
        }
    }
}

/// Proof that an actor holds a permission, made only by [`Actor::require`] (its fields are private to this
/// module). Use cases reach the customer scope ([`Granted::scope`], `scope::load_in_scope`) and the audit log
/// (`audit::record`) only through it.
#[derive(Debug, Clone, Copy)]
pub struct Granted<'a> {
    actor: &'a Actor,
    permission: Permission,
}

impl<'a> Granted<'a> {
    /// The actor the permission was granted to.
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The permission that was checked.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// The customers this actor may see, as a store filter. Every customer query takes one.
    pub fn scope(&self) -> ScopeFilter {
        self.actor.scope_filter()
    }

    /// Whether a customer of this branch and RM is within the actor's scope.
    pub fn can_see(&self, branch_code: &str, rm_id: Option<StaffId>) -> bool {
        self.actor.sees(branch_code, rm_id)
    }
}

/// What the workbench offers an actor: each flag is a permission of the actor's role. Pages show a menu, a
/// button or a section only when its flag is set; the use case behind it checks again. Decided here, so no
/// outer layer reads the permission matrix itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offers {
    pub read: bool,
    pub create: bool,
    pub update: bool,
    pub submit: bool,
    pub verify: bool,
    pub reveal: bool,
    pub import: bool,
    pub export: bool,
    pub audit: bool,
    pub staff: bool,
    pub config: bool,
    pub cases: bool,
    pub case_write: bool,
    pub case_approve: bool,
    pub campaign_approve: bool,
    /// Define and change the product catalogue.
    pub products: bool,
    /// Load the core system's feeds.
    pub book_load: bool,
    /// Export the large-value report.
    pub monitoring_report: bool,
    /// Read leads and the acquisition pipeline.
    pub leads: bool,
    /// Capture and work leads.
    pub lead_write: bool,
    /// Review screened leads.
    pub lead_review: bool,
    /// Override the model's or a reviewer's rejection.
    pub lead_override: bool,
    /// Record partner institutions.
    pub partners: bool,
    /// Set acquisition targets.
    pub targets: bool,
    /// Report care leads (and break a compartment's glass).
    pub care_report: bool,
    /// Work care records one is on the team of.
    pub care_work: bool,
    /// Verify, register and supervise care records.
    pub care_manage: bool,
    pub wealth_review: bool,
    pub wealth_report: bool,
    /// One's scorecard (staff performance); `performance_manage`: the people's in one's scope.
    pub performance: bool,
    pub performance_manage: bool,
    pub wealth_plan: bool,
}

impl Actor {
    /// What the workbench offers this actor.
    pub fn offers(&self) -> Offers {
        let has = |p| self.role.has(p);
        Offers {
            read: has(Permission::CustomerRead),
            create: has(Permission::CustomerCreate),
            update: has(Permission::CustomerUpdate),
            submit: has(Permission::CustomerSubmit),
            verify: has(Permission::CustomerVerify),
            reveal: has(Permission::CustomerReveal),
            import: has(Permission::CustomerImport),
            export: has(Permission::CustomerExport),
            audit: has(Permission::AuditRead),
            staff: has(Permission::StaffManage),
            config: has(Permission::ConfigManage),
            cases: has(Permission::CaseRead),
            case_write: has(Permission::CaseWrite),
            leads: has(Permission::LeadRead),
            lead_write: has(Permission::LeadWrite),
            lead_review: has(Permission::LeadReview),
            lead_override: has(Permission::LeadOverride),
            partners: has(Permission::PartnerManage),
            targets: has(Permission::TargetManage),
            case_approve: has(Permission::CaseApprove),
            campaign_approve: has(Permission::CampaignApprove),
            products: has(Permission::ProductManage),
            book_load: has(Permission::BookLoad),
            monitoring_report: has(Permission::MonitoringReport),
            care_report: has(Permission::CareReport),
            care_work: has(Permission::CareWork),
            care_manage: has(Permission::CareManage),
            wealth_review: has(Permission::WealthReview),
            wealth_report: has(Permission::WealthReport),
            performance: has(Permission::PerformanceRead),
            performance_manage: has(Permission::PerformanceManage),
            wealth_plan: has(Permission::WealthPlan),
        }
    }
}
