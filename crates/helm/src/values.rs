//! Values: user values from `-f`/`--set*` (helm's `values.Options.MergeValues`) and their
//! coalescing with chart defaults across the chart tree (helm's `CoalesceValues`).
//! (Skeleton: owned by the values work; signatures are the contract.)

use std::path::PathBuf;

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::Chart;

/// Values that cannot be read or merged, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    #[error("{0}")]
    Message(String),
}

/// helm's `values.Options`: flags in the order helm applies them.
#[derive(Clone, Debug, Default)]
pub struct ValueOptions {
    pub values_files: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub set_file: Vec<String>,
    pub set_json: Vec<String>,
    pub set_literal: Vec<String>,
}

/// helm's `MergeValues`: the user-supplied values map.
pub fn merge_values(opts: &ValueOptions, compat: HelmVersion) -> Result<Value, ValuesError> {
    let _ = (opts, compat);
    Err(ValuesError::Message(
        "merge_values is not implemented yet".into(),
    ))
}

/// helm's `CoalesceValues(chart, vals)`: user values over chart defaults, subcharts included.
pub fn coalesce_values(
    chart: &Chart,
    vals: &Value,
    compat: HelmVersion,
) -> Result<Value, ValuesError> {
    let _ = (chart, vals, compat);
    Err(ValuesError::Message(
        "coalesce_values is not implemented yet".into(),
    ))
}
