//! Identifiers of the entities, one newtype each, made by one macro: a `CustomerId` cannot be passed where a
//! `StaffId` or a `CaseId` is expected, so arguments cannot be swapped silently. They are UUIDv7 (time-
//! ordered, so keyset paging by id follows creation), serialise as the plain UUID string and print as it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// The identifier of a stored row or a request path.
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }
            pub const fn uuid(self) -> Uuid {
                self.0
            }
            /// The nil identifier (the system actor's staff id).
            pub const fn nil() -> Self {
                Self(Uuid::nil())
            }
            pub fn is_nil(self) -> bool {
                self.0.is_nil()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::nil()
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

id_type!(
    /// A customer (individual, corporate or institution).
    CustomerId,
    /// A staff member.
    StaffId,
    /// A feedback or complaint case.
    CaseId,
    /// A prospective customer in the acquisition pipeline.
    LeadId,
    /// A partner institution that brings leads.
    PartnerId,
    /// One round of a lead's proposal.
    ProposalId,
    /// A lead's contract or account-opening application.
    PaperId,
    /// A document attached to a lead (a signed contract, an application's document).
    LeadFileId,
    /// A visit to a lead (planned, then recorded or cancelled).
    LeadVisitId,
    /// A team meeting of the acquisition team, with its minutes.
    MeetingId,
    /// An action a team meeting gave someone.
    MeetingActionId,
    /// An acquisition campaign with its strategy.
    AcqCampaignId,
    /// A care record: a customer in critical illness or hardship, from the lead to the end.
    CareId,
    /// A task of a care team's member.
    CareTaskId,
    /// A measure taken for a care customer.
    CareMeasureId,
    /// A note in a care record's compartment.
    CareNoteId,
    /// A grant of access to a care record's compartment.
    CareGrantId,
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_uuid() {
        let id = CustomerId::new();
        let text = id.to_string();
        assert_eq!(text.parse::<CustomerId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<CustomerId>(&format!("\"{text}\"")).unwrap(),
            id
        );
        assert!("not-a-uuid".parse::<CaseId>().is_err());
    }
}
