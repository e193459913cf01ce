//! The party master: customer kinds, profiles, contact points, consents, relationships and the
//! four-eyes identification states, with the parsing that turns client input into valid values.

use crate::error::FieldErrors;
use crate::ident::{CreditCode, Email, IdDocument, IdDocumentType, PhoneNumber};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod merge;
mod profile;

pub use profile::{
    BeneficialOwner, ContactPerson, IndividualProfile, MESSAGE_LANGUAGES, OrganizationProfile,
    Profile,
};

/// Individual, corporate or institution (government body, public institution, association).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Individual,
    Corporate,
    Institution,
}

impl CustomerKind {
    pub const ALL: [CustomerKind; 3] = [Self::Individual, Self::Corporate, Self::Institution];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Corporate => "corporate",
            Self::Institution => "institution",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Customer-number prefix: P(erson), C(orporate), G(overnment/institution).
    pub fn number_prefix(self) -> char {
        match self {
            Self::Individual => 'P',
            Self::Corporate => 'C',
            Self::Institution => 'G',
        }
    }
}

/// Identification state (seed 000: entry, then a review team verifies). Only `verified` is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Draft,
    Submitted,
    Verified,
    Returned,
    /// Merged into another record, which it now points to; kept with its history, never edited again.
    Merged,
    /// The person asked for deletion but the law obliges the bank to keep records for now (AML retention, an
    /// open complaint or alert): kept and stored only, never edited, contacted or evaluated, and erased when
    /// the obligation ends (PIPL Art. 47).
    Restricted,
    /// Erased on the person's request: only the number, kind, branch and the fact remain.
    Erased,
}

/// A state transition of the four-eyes workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Verify,
    Return,
}

impl CustomerStatus {
    pub const ALL: [CustomerStatus; 7] = [
        Self::Draft,
        Self::Submitted,
        Self::Verified,
        Self::Returned,
        Self::Merged,
        Self::Restricted,
        Self::Erased,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Verified => "verified",
            Self::Returned => "returned",
            Self::Merged => "merged",
            Self::Restricted => "restricted",
            Self::Erased => "erased",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The state after `t`, or `None` when `t` is not allowed from here.
    pub fn apply(self, t: Transition) -> Option<CustomerStatus> {
        match (self, t) {
            (Self::Draft | Self::Returned, Transition::Submit) => Some(Self::Submitted),
            (Self::Submitted, Transition::Verify) => Some(Self::Verified),
            (Self::Submitted, Transition::Return) => Some(Self::Returned),
            _ => None,
        }
    }

    /// Whether the customer may be served (only verified customers are active).
    pub fn is_active(self) -> bool {
        self == Self::Verified
    }

    /// Whether makers may still edit the record. A submitted record is frozen while a checker looks at it.
    pub fn is_editable(self) -> bool {
        !matches!(
            self,
            Self::Submitted | Self::Merged | Self::Restricted | Self::Erased
        )
    }

    /// Whether the record still stands as a customer the bank processes: a merged, restricted or erased
    /// record holds no segments, figures or plans.
    pub fn is_processed(self) -> bool {
        !matches!(self, Self::Merged | Self::Restricted | Self::Erased)
    }
}

/// Channels a customer can consent to for marketing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Phone,
    App,
    Wechat,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Self::Sms, Self::Email, Self::Phone, Self::App, Self::Wechat];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::App => "app",
            Self::Wechat => "wechat",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How the customer prefers to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreferredChannel {
    Sms,
    Email,
    Phone,
    App,
    Wechat,
    Branch,
    Visit,
}

/// Annual income band in CNY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncomeBand {
    /// Below 50,000.
    Lt50k,
    /// 50,000 to below 100,000.
    From50kTo100k,
    /// 100,000 to below 300,000.
    From100kTo300k,
    /// 300,000 to below 1,000,000.
    From300kTo1m,
    /// 1,000,000 and above.
    Gte1m,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FamilyStatus {
    Single,
    Married,
    Divorced,
    Widowed,
    Other,
}

/// Legal form of a corporate or institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    LimitedLiability,
    JointStock,
    SoleProprietorship,
    Partnership,
    StateOwned,
    ForeignInvested,
    PublicInstitution,
    SocialOrganization,
    GovernmentAgency,
    Other,
}

/// GB/T 4754-2017 industry section (门类), A to T.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "C")]
pub struct IndustrySection(char);

impl IndustrySection {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let t = s.trim();
        let mut chars = t.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if ('A'..='T').contains(&c.to_ascii_uppercase()) => {
                Ok(Self(c.to_ascii_uppercase()))
            }
            _ => Err("must be a GB/T 4754-2017 section letter A to T"),
        }
    }
    pub fn letter(self) -> char {
        self.0
    }
}

impl TryFrom<String> for IndustrySection {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<IndustrySection> for String {
    fn from(s: IndustrySection) -> String {
        s.0.to_string()
    }
}

/// Kinds of contact point. Values of all three are personal data: encrypted at rest, masked in responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Mobile,
    Email,
    Address,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Email => "email",
            Self::Address => "address",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Mobile, Self::Email, Self::Address]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A parsed contact value.
#[derive(Clone, PartialEq, Eq)]
pub enum ContactValue {
    Mobile(PhoneNumber),
    Email(Email),
    Address(String),
}

impl std::fmt::Debug for ContactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContactValue({:?}, {})", self.kind(), self.masked())
    }
}

impl ContactValue {
    pub fn parse(kind: ContactKind, raw: &str) -> Result<Self, (&'static str, String)> {
        match kind {
            ContactKind::Mobile => PhoneNumber::parse(raw)
                .map(Self::Mobile)
                .map_err(|e| (e.rule(), e.to_string())),
            ContactKind::Email => Email::parse(raw)
                .map(Self::Email)
                .map_err(|e| (e.rule(), e.to_string())),
            ContactKind::Address => {
                let t = raw.trim();
                if t.is_empty() {
                    Err(("required", "must not be empty".into()))
                } else if t.chars().count() > 300 {
                    Err(("max_length", "must be at most 300 characters".into()))
                } else {
                    Ok(Self::Address(t.to_owned()))
                }
            }
        }
    }
    pub fn kind(&self) -> ContactKind {
        match self {
            Self::Mobile(_) => ContactKind::Mobile,
            Self::Email(_) => ContactKind::Email,
            Self::Address(_) => ContactKind::Address,
        }
    }
    /// Canonical plaintext (what is encrypted and what the blind index is computed over).
    pub fn canonical(&self) -> &str {
        match self {
            Self::Mobile(p) => p.as_str(),
            Self::Email(e) => e.as_str(),
            Self::Address(a) => a,
        }
    }
    pub fn masked(&self) -> String {
        match self {
            Self::Mobile(p) => p.masked(),
            Self::Email(e) => e.masked(),
            Self::Address(a) => crate::mask::address(a),
        }
    }
}

/// Relationship types between customers. Each has an inverse so a link is visible from both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    HouseholdMember,
    Spouse,
    /// `from` is the guardian of `to`.
    Guardian,
    /// `from` is under the guardianship of `to`.
    Ward,
    /// `from` (a person) is an officer of `to` (an organisation).
    Officer,
    /// `from` (an organisation) employs `to` as an officer.
    HasOfficer,
    /// `from` is a beneficial owner of `to`.
    BeneficialOwner,
    /// `from` is beneficially owned by `to`.
    OwnedBy,
    /// `from` is the legal representative of `to`.
    LegalRepresentative,
    /// `from` is legally represented by `to`.
    RepresentedBy,
    /// `from` is the parent company of `to`.
    ParentCompany,
    /// `from` is a subsidiary of `to`.
    Subsidiary,
}

impl RelationshipKind {
    pub const ALL: [RelationshipKind; 12] = [
        Self::HouseholdMember,
        Self::Spouse,
        Self::Guardian,
        Self::Ward,
        Self::Officer,
        Self::HasOfficer,
        Self::BeneficialOwner,
        Self::OwnedBy,
        Self::LegalRepresentative,
        Self::RepresentedBy,
        Self::ParentCompany,
        Self::Subsidiary,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HouseholdMember => "household_member",
            Self::Spouse => "spouse",
            Self::Guardian => "guardian",
            Self::Ward => "ward",
            Self::Officer => "officer",
            Self::HasOfficer => "has_officer",
            Self::BeneficialOwner => "beneficial_owner",
            Self::OwnedBy => "owned_by",
            Self::LegalRepresentative => "legal_representative",
            Self::RepresentedBy => "represented_by",
            Self::ParentCompany => "parent_company",
            Self::Subsidiary => "subsidiary",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// The same link seen from the other customer.
    pub fn inverse(self) -> Self {
        match self {
            Self::HouseholdMember => Self::HouseholdMember,
            Self::Spouse => Self::Spouse,
            Self::Guardian => Self::Ward,
            Self::Ward => Self::Guardian,
            Self::Officer => Self::HasOfficer,
            Self::HasOfficer => Self::Officer,
            Self::BeneficialOwner => Self::OwnedBy,
            Self::OwnedBy => Self::BeneficialOwner,
            Self::LegalRepresentative => Self::RepresentedBy,
            Self::RepresentedBy => Self::LegalRepresentative,
            Self::ParentCompany => Self::Subsidiary,
            Self::Subsidiary => Self::ParentCompany,
        }
    }
    /// Which kinds of customer may stand on each side (`from`, `to`): individuals for person-to-person links,
    /// an organisation on the far side of officer and ownership links.
    pub fn allows(self, from: CustomerKind, to: CustomerKind) -> bool {
        let person = |k: CustomerKind| k == CustomerKind::Individual;
        match self {
            Self::HouseholdMember | Self::Spouse | Self::Guardian | Self::Ward => {
                person(from) && person(to)
            }
            Self::Officer | Self::LegalRepresentative => person(from) && !person(to),
            Self::HasOfficer | Self::RepresentedBy => !person(from) && person(to),
            Self::BeneficialOwner => !person(to),
            Self::OwnedBy => !person(from),
            Self::ParentCompany | Self::Subsidiary => !person(from) && !person(to),
        }
    }
}

/// The identifying document of a customer: a personal document or a unified social credit code.
#[derive(Clone, PartialEq, Eq)]
pub enum Identifier {
    Person(IdDocument),
    Organization(CreditCode),
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identifier({}, {})", self.type_code(), self.masked())
    }
}

impl Identifier {
    /// Stable code of the identifier type, stored beside the encrypted number.
    pub fn type_code(&self) -> &'static str {
        match self {
            Self::Person(d) => d.doc_type().as_str(),
            Self::Organization(_) => "credit_code",
        }
    }
    pub fn number(&self) -> &str {
        match self {
            Self::Person(d) => d.number(),
            Self::Organization(c) => c.as_str(),
        }
    }
    pub fn masked(&self) -> String {
        match self {
            Self::Person(d) => d.masked(),
            Self::Organization(c) => c.masked(),
        }
    }
    /// Parses a stored (type code, number) pair.
    pub fn from_stored(type_code: &str, number: &str) -> Option<Self> {
        if type_code == "credit_code" {
            return CreditCode::parse(number).ok().map(Self::Organization);
        }
        let t: IdDocumentType = type_code.parse().ok()?;
        IdDocument::parse(t, number).ok().map(Self::Person)
    }
}

// ---------------------------------------------------------------------------------------------
// Input: what a client sends to create a customer, and its parsing.
// ---------------------------------------------------------------------------------------------

/// Individual part of a create request: the profile with its `id_number`.
pub type IndividualInput = IndividualProfile;
/// Organisation part of a create request: the profile with its `credit_code`.
pub type OrganizationInput = OrganizationProfile;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub kind: ContactKind,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub channel: Channel,
    pub granted: bool,
    /// Where the consent was given: `branch_form`, `app`, `call_recording`, ...
    pub source: String,
}

/// A request to create a customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub kind: CustomerKind,
    /// Branch code, e.g. `BR0001`.
    pub branch_code: String,
    /// Relationship manager (staff id); defaults to the creator when the creator is an RM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rm_id: Option<uuid::Uuid>,
    /// Required when `kind` is `individual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual: Option<IndividualInput>,
    /// Required when `kind` is `corporate` or `institution`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationInput>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_channel: Option<PreferredChannel>,
    #[serde(default)]
    pub consents: Vec<ConsentInput>,
    /// Custom attributes, validated against the field definitions for this kind.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom: serde_json::Map<String, serde_json::Value>,
}

/// A parsed contact point.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub value: ContactValue,
    pub label: Option<String>,
}

/// A valid customer, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub kind: CustomerKind,
    pub branch_code: BranchCode,
    pub rm_id: Option<uuid::Uuid>,
    pub profile: Profile,
    pub identifier: Identifier,
    pub contacts: Vec<NewContact>,
    pub preferred_channel: Option<PreferredChannel>,
    pub consents: Vec<ConsentInput>,
    pub custom: serde_json::Map<String, serde_json::Value>,
}

impl NewCustomer {
    /// The name shown in lists: Chinese legal name, else Latin, else the registered name.
    pub fn display_name(&self) -> &str {
        display_name(&self.profile)
    }
    pub fn birth_date(&self) -> Option<Date> {
        match &self.profile {
            Profile::Individual(p) => p.birth_date,
            Profile::Organization(_) => None,
        }
    }
}

/// The name shown in lists.
pub fn display_name(p: &Profile) -> &str {
    match p {
        Profile::Individual(i) => i
            .name_zh
            .as_deref()
            .or(i.name_latin.as_deref())
            .unwrap_or(""),
        Profile::Organization(o) => &o.registered_name,
    }
}

/// The Latin name, if any (searched case-insensitively).
pub fn latin_name(p: &Profile) -> Option<&str> {
    match p {
        Profile::Individual(i) => i.name_latin.as_deref(),
        Profile::Organization(_) => None,
    }
}

/// Branch code: `BR` and four digits, or 2-12 capitals/digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BranchCode(String);

impl BranchCode {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let t = s.trim();
        if (2..=12).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            Ok(Self(t.to_owned()))
        } else {
            Err("must be 2-12 capital letters or digits, e.g. BR0001")
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_text(errs: &mut FieldErrors, field: &str, v: &Option<String>, max: usize) {
    if let Some(s) = v {
        if s.trim().is_empty() {
            errs.push(field, "required", "must not be blank when given");
        } else if s.chars().count() > max {
            errs.push(
                field,
                "max_length",
                format!("must be at most {max} characters"),
            );
        }
    }
}

fn trim_opt(v: &mut Option<String>) {
    if let Some(s) = v {
        let t = s.trim();
        if t.is_empty() {
            *v = None;
        } else if t.len() != s.len() {
            *s = t.to_owned();
        }
    }
}

/// Validates an individual profile against its ID number; returns the identifier.
pub fn check_individual(
    p: &mut IndividualProfile,
    errs: &mut FieldErrors,
    today: Date,
) -> Option<Identifier> {
    let id_number = p.id_number.take().unwrap_or_default();
    trim_opt(&mut p.name_zh);
    trim_opt(&mut p.name_latin);
    trim_opt(&mut p.occupation);
    trim_opt(&mut p.employer);
    if p.name_zh.is_none() && p.name_latin.is_none() {
        errs.push(
            "individual.name_zh",
            "required",
            "a Chinese or a Latin legal name is required",
        );
    }
    check_text(errs, "individual.name_zh", &p.name_zh, 60);
    check_text(errs, "individual.name_latin", &p.name_latin, 120);
    check_text(errs, "individual.occupation", &p.occupation, 100);
    check_text(errs, "individual.employer", &p.employer, 200);
    if let Some(l) = &p.language
        && !MESSAGE_LANGUAGES.contains(&l.as_str())
    {
        errs.push(
            "individual.language",
            "one_of",
            format!("must be one of {}", MESSAGE_LANGUAGES.join(", ")),
        );
    }
    if let Some(n) = &mut p.nationality {
        let up = n.trim().to_ascii_uppercase();
        if up.len() == 2 && up.bytes().all(|b| b.is_ascii_uppercase()) {
            *n = up;
        } else {
            errs.push(
                "individual.nationality",
                "format",
                "must be an ISO 3166-1 alpha-2 code, e.g. CN",
            );
        }
    }
    if let Some(b) = p.birth_date
        && b > today
    {
        errs.push(
            "individual.birth_date",
            "not_future",
            "must not be in the future",
        );
    }
    let doc = errs.take(
        "individual.id_number",
        IdDocument::parse(p.id_type, &id_number),
    )?;
    if let IdDocument::ResidentId(rid) = &doc {
        // The resident ID encodes birth date and gender: a record that contradicts it is wrong.
        match p.birth_date {
            None => p.birth_date = Some(rid.birth_date()),
            Some(b) if b != rid.birth_date() => errs.push(
                "individual.birth_date",
                "matches_id",
                "must match the birth date in the resident ID",
            ),
            Some(_) => {}
        }
        match p.gender {
            None => p.gender = Some(rid.gender()),
            Some(g) if g != rid.gender() => errs.push(
                "individual.gender",
                "matches_id",
                "must match the gender in the resident ID",
            ),
            Some(_) => {}
        }
    }
    Some(Identifier::Person(doc))
}

/// Validates an organisation profile and its credit code.
pub fn check_organization(
    p: &mut OrganizationProfile,
    errs: &mut FieldErrors,
) -> Option<Identifier> {
    let credit_code = p.credit_code.take().unwrap_or_default();
    p.registered_name = p.registered_name.trim().to_owned();
    if p.registered_name.is_empty() {
        errs.push(
            "organization.registered_name",
            "required",
            "must not be empty",
        );
    } else if p.registered_name.chars().count() > 200 {
        errs.push(
            "organization.registered_name",
            "max_length",
            "must be at most 200 characters",
        );
    }
    trim_opt(&mut p.legal_representative);
    check_text(
        errs,
        "organization.legal_representative",
        &p.legal_representative,
        60,
    );
    for (name, m) in [
        ("annual_revenue", p.annual_revenue),
        ("total_assets", p.total_assets),
    ] {
        if let Some(m) = m
            && m.minor < 0
        {
            errs.push(
                format!("organization.{name}.minor"),
                "min",
                "must not be negative",
            );
        }
    }
    let mut total = 0u64;
    for (i, o) in p.beneficial_owners.iter().enumerate() {
        if o.name.trim().is_empty() {
            errs.push(
                format!("organization.beneficial_owners[{i}].name"),
                "required",
                "must not be empty",
            );
        }
        if o.share_bp == 0 || o.share_bp > 10_000 {
            errs.push(
                format!("organization.beneficial_owners[{i}].share_bp"),
                "range",
                "must be between 1 and 10000 basis points",
            );
        }
        total += u64::from(o.share_bp);
    }
    if total > 10_000 {
        errs.push(
            "organization.beneficial_owners",
            "sum",
            "shares must not add up to more than 100%",
        );
    }
    for (i, c) in p.contact_persons.iter().enumerate() {
        if c.name.trim().is_empty() {
            errs.push(
                format!("organization.contact_persons[{i}].name"),
                "required",
                "must not be empty",
            );
        }
    }
    errs.take("organization.credit_code", CreditCode::parse(&credit_code))
        .map(Identifier::Organization)
}

/// Parses contact inputs; errors are reported as `contacts[i].value`.
pub fn parse_contacts(input: &[ContactInput], errs: &mut FieldErrors) -> Vec<NewContact> {
    let mut out = Vec::with_capacity(input.len());
    for (i, c) in input.iter().enumerate() {
        match ContactValue::parse(c.kind, &c.value) {
            Ok(value) => out.push(NewContact {
                value,
                label: c
                    .label
                    .as_ref()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty()),
            }),
            Err((rule, msg)) => errs.push(format!("contacts[{i}].value"), rule, msg),
        }
        if c.label.as_ref().is_some_and(|l| l.chars().count() > 40) {
            errs.push(
                format!("contacts[{i}].label"),
                "max_length",
                "must be at most 40 characters",
            );
        }
    }
    out
}

impl CustomerInput {
    /// Parses the whole request, collecting every broken rule (not only the first).
    /// `today` is the bank's civil date (for "birth date not in the future").
    pub fn parse(mut self, today: Date) -> Result<NewCustomer, FieldErrors> {
        let mut errs = FieldErrors::new();
        let branch_code = errs.take(
            "branch_code",
            BranchCode::parse(&self.branch_code).map_err(Msg),
        );
        let (profile, identifier) = match self.kind {
            CustomerKind::Individual => {
                if self.organization.is_some() {
                    errs.push(
                        "organization",
                        "not_allowed",
                        "must be absent for an individual",
                    );
                }
                match self.individual.take() {
                    None => {
                        errs.push("individual", "required", "is required for an individual");
                        (None, None)
                    }
                    Some(mut i) => {
                        let id = check_individual(&mut i, &mut errs, today);
                        (Some(Profile::Individual(i)), id)
                    }
                }
            }
            CustomerKind::Corporate | CustomerKind::Institution => {
                if self.individual.is_some() {
                    errs.push(
                        "individual",
                        "not_allowed",
                        "must be absent for a corporate or institution",
                    );
                }
                match self.organization.take() {
                    None => {
                        errs.push(
                            "organization",
                            "required",
                            "is required for a corporate or institution",
                        );
                        (None, None)
                    }
                    Some(mut o) => {
                        let id = check_organization(&mut o, &mut errs);
                        (Some(Profile::Organization(o)), id)
                    }
                }
            }
        };
        let contacts = parse_contacts(&self.contacts, &mut errs);
        check_consents(&self.consents, &mut errs);
        match (branch_code, profile, identifier, errs.is_empty()) {
            (Some(branch_code), Some(profile), Some(identifier), true) => Ok(NewCustomer {
                kind: self.kind,
                branch_code,
                rm_id: self.rm_id,
                profile,
                identifier,
                contacts,
                preferred_channel: self.preferred_channel,
                consents: self.consents,
                custom: self.custom,
            }),
            _ => Err(errs),
        }
    }
}

/// Checks that each channel appears at most once and every consent names its source.
pub fn check_consents(consents: &[ConsentInput], errs: &mut FieldErrors) {
    let mut seen = std::collections::HashSet::new();
    for (i, c) in consents.iter().enumerate() {
        if !seen.insert(c.channel) {
            errs.push(
                format!("consents[{i}].channel"),
                "unique",
                "each channel may appear once",
            );
        }
        if c.source.trim().is_empty() {
            errs.push(
                format!("consents[{i}].source"),
                "required",
                "must say where the consent was given",
            );
        }
    }
}

/// A plain message that reports the rule `format`.
#[derive(Debug)]
pub struct Msg(pub &'static str);
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl crate::error::ErrorRule for Msg {
    fn rule(&self) -> &'static str {
        "format"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ident::Gender;

    fn today() -> Date {
        jiff::civil::date(2026, 11, 23)
    }

    fn individual(id: &str) -> CustomerInput {
        serde_json::from_value(serde_json::json!({
            "kind": "individual",
            "branch_code": "BR0001",
            "individual": {"name_zh": "张三", "id_type": "resident_id", "id_number": id},
            "contacts": [{"kind": "mobile", "value": "13812345678"}]
        }))
        .unwrap()
    }

    #[test]
    fn a_valid_individual_takes_birth_date_and_gender_from_the_resident_id() {
        let c = individual("11010519491231002X").parse(today()).unwrap();
        assert_eq!(c.birth_date(), Some(jiff::civil::date(1949, 12, 31)));
        match c.profile {
            Profile::Individual(p) => assert_eq!(p.gender, Some(Gender::Female)),
            Profile::Organization(_) => panic!("wrong kind"),
        }
    }

    #[test]
    fn a_wrong_check_digit_names_the_field_and_the_rule() {
        let e = individual("110105194912310021").parse(today()).unwrap_err();
        assert_eq!(e.0[0].field, "individual.id_number");
        assert_eq!(e.0[0].rule, "check_digit");
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let mut i = individual("110105194912310021");
        i.branch_code = "x".into();
        i.contacts[0].value = "12345".into();
        let e = i.parse(today()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"branch_code"));
        assert!(fields.contains(&"individual.id_number"));
        assert!(fields.contains(&"contacts[0].value"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<CustomerInput, _> = serde_json::from_value(serde_json::json!({
            "kind": "individual", "branch_code": "BR0001", "nickname": "x"
        }));
        assert!(r.is_err());
    }

    #[test]
    fn status_transitions_follow_four_eyes() {
        use CustomerStatus::*;
        assert_eq!(Draft.apply(Transition::Submit), Some(Submitted));
        assert_eq!(Submitted.apply(Transition::Verify), Some(Verified));
        assert_eq!(Submitted.apply(Transition::Return), Some(Returned));
        assert_eq!(Returned.apply(Transition::Submit), Some(Submitted));
        assert_eq!(Draft.apply(Transition::Verify), None);
        assert_eq!(Verified.apply(Transition::Return), None);
        assert!(Verified.is_active() && !Submitted.is_active());
    }

    #[test]
    fn every_relationship_has_an_inverse_that_inverts_back() {
        for k in RelationshipKind::ALL {
            assert_eq!(k.inverse().inverse(), k);
            assert_eq!(RelationshipKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn organizations_need_a_valid_credit_code() {
        let c: CustomerInput = serde_json::from_value(serde_json::json!({
            "kind": "corporate", "branch_code": "BR0001",
            "organization": {"registered_name": "北京测试有限公司", "credit_code": "91110000600037341L",
                             "industry": "C", "employees": 120,
                             "annual_revenue": {"minor": 120000000, "currency": "CNY"}}
        }))
        .unwrap();
        assert!(c.clone().parse(today()).is_ok());
        let mut bad = c;
        if let Some(o) = bad.organization.as_mut() {
            o.credit_code = Some("91110000600037341M".into());
        }
        let e = bad.parse(today()).unwrap_err();
        assert_eq!(e.0[0].field, "organization.credit_code");
    }
}
