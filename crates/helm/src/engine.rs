//! The render engine (helm's `pkg/engine`): one template namespace across the chart tree,
//! helm's function map (`include`, `tpl`, `required`, `toYaml`...), per-chart scoped values.
//! (Skeleton: owned by the engine work; signatures are the contract.)

use std::collections::BTreeMap;

use gotmpl::Value;

use crate::HelmVersion;
use crate::capabilities::Capabilities;
use crate::chart::Chart;

/// A template error, with helm's message (`template: NAME:LINE:COL: ...`).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Message(String),
}

/// `.Release`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    pub is_install: bool,
    pub service: String,
}

/// Everything a render sees besides the chart.
#[derive(Clone, Debug)]
pub struct RenderInput {
    /// Coalesced values of the whole tree (`.Values` of the top chart).
    pub values: Value,
    pub release: ReleaseInfo,
    pub capabilities: Capabilities,
}

/// Engine switches.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    pub compat: HelmVersion,
    /// `missingkey=error` (helm's `--strict` lint mode).
    pub strict: bool,
    /// helm's `LintMode` (`required` and `fail` do not abort).
    pub lint_mode: bool,
    /// Seed and clock for Sprig's random and date functions.
    pub sprig: sprig::Options,
}

/// Renders every template of `chart` and its subcharts: path (`chart/templates/x.yaml`,
/// `chart/charts/sub/templates/y.yaml`) → rendered text, `<no value>` removed; partials
/// (`_*`) are not in the result.
pub fn render(
    chart: &Chart,
    input: &RenderInput,
    opts: &EngineOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let _ = (chart, input, opts);
    Err(RenderError::Message("render is not implemented yet".into()))
}
