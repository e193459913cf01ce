//! Custom attributes: field definitions per customer kind and the validation of values against them.

use crate::customer::CustomerKind;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The value type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Integer,
    Boolean,
    Date,
    Choice,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Choice => "choice",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Text,
            Self::Integer,
            Self::Boolean,
            Self::Date,
            Self::Choice,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A custom field a bank defined for one kind of customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDefinition {
    pub kind: CustomerKind,
    /// Key in `custom`: lower-case letters, digits and `_`, starting with a letter.
    pub key: String,
    /// Label shown to staff.
    pub label: String,
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Allowed values for `choice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Longest allowed text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

impl FieldDefinition {
    /// Checks the definition itself.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let k = self.key.as_bytes();
        let ok = !k.is_empty()
            && k.len() <= 40
            && k[0].is_ascii_lowercase()
            && k.iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        if !ok {
            e.push(
                "key",
                "format",
                "must be 1-40 lower-case letters, digits or _, starting with a letter",
            );
        }
        if self.label.trim().is_empty() {
            e.push("label", "required", "must not be empty");
        }
        if self.field_type == FieldType::Choice && self.options.is_empty() {
            e.push(
                "options",
                "required",
                "a choice field needs at least one option",
            );
        }
        e.into_result()
    }
}

/// Validates `custom` against the definitions for its kind: unknown keys, missing required fields and
/// values of the wrong type are each reported as `custom.<key>`.
pub fn validate_custom(
    custom: &serde_json::Map<String, Value>,
    defs: &[FieldDefinition],
    kind: CustomerKind,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    let defs: Vec<&FieldDefinition> = defs.iter().filter(|d| d.kind == kind).collect();
    for key in custom.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            e.push(
                format!("custom.{key}"),
                "unknown_field",
                format!("no custom field `{key}` is defined for this kind"),
            );
        }
    }
    for d in defs {
        let field = format!("custom.{}", d.key);
        match custom.get(&d.key) {
            None | Some(Value::Null) => {
                if d.required {
                    e.push(field, "required", "is required");
                }
            }
            Some(v) => {
                let ok = match d.field_type {
                    FieldType::Text => v.as_str().is_some_and(|s| {
                        d.max_length.is_none_or(|m| s.chars().count() <= m as usize)
                    }),
                    FieldType::Integer => v.as_i64().is_some(),
                    FieldType::Boolean => v.is_boolean(),
                    FieldType::Date => v
                        .as_str()
                        .is_some_and(|s| s.parse::<jiff::civil::Date>().is_ok()),
                    FieldType::Choice => {
                        v.as_str().is_some_and(|s| d.options.iter().any(|o| o == s))
                    }
                };
                if !ok {
                    let msg = match d.field_type {
                        FieldType::Text => match d.max_length {
                            Some(m) => format!("must be text of at most {m} characters"),
                            None => "must be text".to_owned(),
                        },
                        FieldType::Integer => "must be a whole number".to_owned(),
                        FieldType::Boolean => "must be true or false".to_owned(),
                        FieldType::Date => "must be a date YYYY-MM-DD".to_owned(),
                        FieldType::Choice => format!("must be one of: {}", d.options.join(", ")),
                    };
                    e.push(field, d.field_type.as_str(), msg);
                }
            }
        }
    }
    e.into_result()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDefinition> {
        vec![
            FieldDefinition {
                kind: CustomerKind::Individual,
                key: "vip_card".into(),
                label: "VIP card".into(),
                field_type: FieldType::Choice,
                required: true,
                options: vec!["gold".into(), "black".into()],
                max_length: None,
            },
            FieldDefinition {
                kind: CustomerKind::Individual,
                key: "children".into(),
                label: "Children".into(),
                field_type: FieldType::Integer,
                required: false,
                options: vec![],
                max_length: None,
            },
        ]
    }

    #[test]
    fn custom_values_are_checked_against_definitions() {
        let ok = json!({"vip_card": "gold", "children": 2});
        assert!(
            validate_custom(ok.as_object().unwrap(), &defs(), CustomerKind::Individual).is_ok()
        );
        let bad = json!({"vip_card": "silver", "children": "two", "pet": "cat"});
        let e = validate_custom(bad.as_object().unwrap(), &defs(), CustomerKind::Individual)
            .unwrap_err();
        let fields: Vec<_> =
            e.0.iter()
                .map(|e| (e.field.as_str(), e.rule.as_str()))
                .collect();
        assert!(fields.contains(&("custom.pet", "unknown_field")));
        assert!(fields.contains(&("custom.vip_card", "choice")));
        assert!(fields.contains(&("custom.children", "integer")));
    }

    #[test]
    fn a_required_custom_field_must_be_present() {
        let e = validate_custom(&serde_json::Map::new(), &defs(), CustomerKind::Individual)
            .unwrap_err();
        assert_eq!(e.0[0].field, "custom.vip_card");
        // Definitions of another kind do not apply.
        assert!(validate_custom(&serde_json::Map::new(), &defs(), CustomerKind::Corporate).is_ok());
    }
}
