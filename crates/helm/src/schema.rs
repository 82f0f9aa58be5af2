//! `values.schema.json` validation across the chart tree, listing every error as helm does.
//! (Skeleton: owned by the values work; signatures are the contract.)

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::Chart;

/// Values that violate a chart's schema, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("{0}")]
    Message(String),
}

/// Validates the coalesced values `vals` against the schemas of `chart` and its subcharts.
pub fn validate(chart: &Chart, vals: &Value, compat: HelmVersion) -> Result<(), SchemaError> {
    let _ = (chart, vals, compat);
    Err(SchemaError::Message(
        "validate is not implemented yet".into(),
    ))
}
