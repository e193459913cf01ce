//! Profiles: what is stored (as JSON) for each kind of customer, besides the encrypted identifiers and
//! contacts.

use super::{FamilyStatus, IncomeBand, IndustrySection, LegalForm};
use crate::ident::{Gender, IdDocumentType};
use crate::money::Money;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Non-sensitive profile of an individual. The ID number is not here: it is encrypted separately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndividualProfile {
    /// Legal name in Chinese characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Legal name in Latin letters (pinyin or as in the passport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_latin: Option<String>,
    /// `male` or `female`; taken from a resident ID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "female")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<Date>,
    /// ISO 3166-1 alpha-2 code, e.g. `CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// `resident_id`, `passport`, `hk_id` or `tw_id`.
    #[schema(value_type = String, example = "resident_id")]
    pub id_type: IdDocumentType,
    /// The document number, validated by its type's check algorithm. Input only: it is taken out and
    /// encrypted on its own, never stored in the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub id_expiry: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_band: Option<IncomeBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_status: Option<FamilyStatus>,
    /// The language messages are written in: `zh-CN` (default), `zh-TW` or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "zh-CN")]
    pub language: Option<String>,
}

/// A beneficial owner recorded on an organisation (by name; linked customers use relationships).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficialOwner {
    pub name: String,
    /// Share in basis points (10000 = 100%).
    pub share_bp: u32,
}

/// A contact person at an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPerson {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Profile of a corporate or institution. The credit code is stored with the identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationProfile {
    pub registered_name: String,
    /// Unified social credit code (GB 32100-2015). Input only, like `id_number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<LegalForm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<IndustrySection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_revenue: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_assets: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beneficial_owners: Vec<BeneficialOwner>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_persons: Vec<ContactPerson>,
}

/// Languages customer messages are written in.
pub const MESSAGE_LANGUAGES: [&str; 3] = ["zh-CN", "zh-TW", "en"];

/// The stored profile, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Profile {
    Individual(IndividualProfile),
    Organization(OrganizationProfile),
}
