//! `values.schema.json` validation across the chart tree, listing every error as helm does.
//!
//! helm v4.2.4 and v3.21.4 both validate with `santhosh-tekuri/jsonschema/v6` (both go.mod
//! files pin v6.0.2), so one port serves both ([`validator`]'s doc lists what it leaves out).

mod format;
mod json;
mod validator;

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::Chart;
use crate::values::{get, go_type, table};

/// Values that violate a chart's schema, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("{0}")]
    Message(String),
}

/// Validates the coalesced values `vals` against the schemas of `chart` and its subcharts:
/// helm's `ValidateAgainstSchema`, wrapped as `ToRenderValuesWithSchemaValidation` wraps it.
pub fn validate(chart: &Chart, vals: &Value, compat: HelmVersion) -> Result<(), SchemaError> {
    let _ = compat;
    match validate_tree(chart, vals) {
        None => Ok(()),
        Some(e) => Err(SchemaError::Message(format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"
        ))),
    }
}

/// helm's `ValidateAgainstSchema`: every error of this chart and its subcharts, or `None`.
fn validate_tree(chart: &Chart, vals: &Value) -> Option<String> {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema
        && let Err(e) = validate_single(vals, schema)
    {
        sb.push_str(&format!("{}:\n{e}", chart.name()));
    }
    for sub in &chart.dependencies {
        let raw = table(vals).and_then(|m| get(m, sub.name()));
        match raw {
            None | Some(Value::Nil) => continue,
            Some(v) if table(&v).is_none() => {
                sb.push_str(&format!(
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    sub.name(),
                    go_type(&v)
                ));
            }
            Some(v) => {
                if let Some(e) = validate_tree(sub, &v) {
                    sb.push_str(&e);
                }
            }
        }
    }
    (!sb.is_empty()).then_some(sb)
}

/// helm's `ValidateAgainstSingleSchema`: the error text (a validation error ends in a
/// newline, as helm's `JSONSchemaValidationError` adds one), if any.
fn validate_single(vals: &Value, schema: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(schema);
    let doc = json::parse(&text)?;
    let v = validator::Validator::new(&doc)?;
    match v.validate(vals) {
        Ok(()) => Ok(()),
        Err(causes) => Err(format!("{}\n", validator::render(&causes))),
    }
}
