//! Turning JSON into typed input with errors that name the field (`individual.birth_date`) and the rule.

use crate::error::AppError;
use banyan_domain::FieldErrors;
use serde::de::DeserializeOwned;

/// Deserialises `v`, reporting the path of the first bad field.
/// A JSON document read back from the database. One that does not parse is an error naming `what` (the
/// table, row and column), never a default.
pub fn stored<T: DeserializeOwned>(
    text: &str,
    what: impl std::fmt::Display,
) -> Result<T, AppError> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal_from(format!("{what} is unreadable"), e))
}

/// A value written to the database as JSON text; one that does not serialise is an error naming `what`, never
/// an empty document in its place.
pub fn to_stored<T: serde::Serialize + ?Sized>(
    v: &T,
    what: impl std::fmt::Display,
) -> Result<String, AppError> {
    serde_json::to_string(v)
        .map_err(|e| AppError::internal_from(format!("{what} does not serialise"), e))
}

/// A stored instant (microseconds since the epoch) as RFC 3339; one outside the representable range is an
/// error naming `what`, never an empty text.
pub fn stored_instant(us: i64, what: impl std::fmt::Display) -> Result<String, AppError> {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| t.to_string())
        .map_err(|e| AppError::internal_from(format!("{what} is not an instant"), e))
}

pub fn from_value<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, AppError> {
    from_value_at(v, "")
}

/// Like [`from_value`], with paths prefixed by `prefix`.
pub fn from_value_at<T: DeserializeOwned>(
    v: serde_json::Value,
    prefix: &str,
) -> Result<T, AppError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        AppError::Validation(field_error(prefix, &path, &inner))
    })
}

/// Deserialises JSON text (a request body).
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            // Some shapes (a tagged object with a wrong-typed tag) fail inside serde as if the text were
            // broken. If the text is valid JSON, read it as a value first so the error names the field.
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
                return match from_value::<T>(v) {
                    Err(e) => e,
                    Ok(_) => AppError::Validation(field_error("", &path, &inner.to_string())),
                };
            }
            let mut f = FieldErrors::new();
            f.push(
                "",
                "json_syntax",
                format!("the body is not valid JSON: {inner}"),
            );
            return AppError::Validation(f);
        }
        AppError::Validation(field_error("", &path, &inner.to_string()))
    })
}

/// Classifies serde's message into a rule code.
fn field_error(prefix: &str, path: &str, message: &str) -> FieldErrors {
    let path = if path == "." { "" } else { path };
    let mut field = match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{path}"),
    };
    // serde names the field in the message; the path may or may not end with it already.
    let name_field = |field: &mut String| {
        if let Some(name) = message.split('`').nth(1)
            && field.rsplit('.').next() != Some(name)
        {
            *field = if field.is_empty() {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            };
        }
    };
    let rule = if message.starts_with("unknown field") {
        name_field(&mut field);
        "unknown_field"
    } else if message.starts_with("missing field") {
        name_field(&mut field);
        "required"
    } else if message.starts_with("unknown variant") {
        "one_of"
    } else if message.starts_with("invalid type") {
        "type"
    } else {
        "format"
    };
    // Strip everything after " at line" (position info is noise for a field error).
    let msg = message
        .split(" at line")
        .next()
        .unwrap_or(message)
        .to_owned();
    let mut f = FieldErrors::new();
    f.push(field, rule, msg);
    f
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use banyan_domain::customer::CustomerInput;

    fn err(v: serde_json::Value) -> (String, String) {
        match from_value::<CustomerInput>(v) {
            Err(AppError::Validation(f)) => (f.0[0].field.clone(), f.0[0].rule.clone()),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_fields_name_their_path() {
        let (f, r) =
            err(serde_json::json!({"kind": "individual", "branch_code": "BR1", "nick": 1}));
        assert_eq!((f.as_str(), r.as_str()), ("nick", "unknown_field"));
    }

    #[test]
    fn wrong_types_name_their_path() {
        let (f, r) = err(serde_json::json!({"kind": "individual", "branch_code": 5}));
        assert_eq!((f.as_str(), r.as_str()), ("branch_code", "type"));
    }

    #[test]
    fn bad_enum_values_name_their_path() {
        let (f, r) = err(serde_json::json!({"kind": "alien", "branch_code": "BR1"}));
        assert_eq!((f.as_str(), r.as_str()), ("kind", "one_of"));
    }

    #[test]
    fn bad_dates_name_their_path() {
        let (f, _) = err(
            serde_json::json!({"kind": "individual", "branch_code": "BR1",
            "individual": {"name_zh": "张三", "id_type": "resident_id", "id_number": "x", "birth_date": "1990-13-45"}}),
        );
        assert_eq!(f, "individual.birth_date");
    }

    #[test]
    fn a_wrong_type_in_a_body_names_the_field_and_the_type() {
        match from_slice::<CustomerInput>(br#"{"kind": 5}"#) {
            Err(AppError::Validation(f)) => {
                assert_eq!(
                    (f.0[0].field.as_str(), f.0[0].rule.as_str()),
                    ("kind", "type"),
                    "{f:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_reported_as_such() {
        match from_slice::<CustomerInput>(b"{not json") {
            Err(AppError::Validation(f)) => assert_eq!(f.0[0].rule, "json_syntax"),
            other => panic!("{other:?}"),
        }
    }
}
