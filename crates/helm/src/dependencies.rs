//! Dependency processing before rendering (helm's `ProcessDependenciesWithMerge`): conditions
//! and tags drop disabled subcharts, aliases rename, `import-values` pull child values up.
//! (Skeleton: owned by the values work; signatures are the contract.)

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::Chart;
use crate::values::ValuesError;

/// Processes `chart`'s dependencies in place against the user values `vals`.
pub fn process_dependencies(
    chart: &mut Chart,
    vals: &Value,
    compat: HelmVersion,
) -> Result<(), ValuesError> {
    let _ = (chart, vals, compat);
    Err(ValuesError::Message(
        "process_dependencies is not implemented yet".into(),
    ))
}
