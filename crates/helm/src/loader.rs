//! Loading a chart directory or `.tgz` archive into a [`Chart`] tree, as helm's `chart/loader`.
//! (Skeleton: owned by the loader work; signatures are the contract.)

use std::path::Path;

use crate::chart::Chart;

/// A chart that cannot be loaded, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Message(String),
}

/// Loads the chart at `path` (a directory or a `.tgz` archive), subcharts included.
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    Err(LoadError::Message(format!(
        "loading {} is not implemented yet",
        path.display()
    )))
}

/// helm's `action.CheckDependencies`: every `dependencies:` entry of `chart` is present under
/// `charts/` (by name or alias), else helm's "found in Chart.yaml, but missing in charts/
/// directory" error.
pub fn check_dependencies(chart: &Chart) -> Result<(), LoadError> {
    let _ = chart;
    Err(LoadError::Message(
        "check_dependencies is not implemented yet".into(),
    ))
}
