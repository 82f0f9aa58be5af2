//! The in-memory chart tree, as helm's `chart/v2.Chart` holds it after loading.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;

/// A file of a chart: its path relative to the chart root (`/`-separated) and its bytes.
/// The bytes are shared: `raw`, a subchart's own lists and `.Files` all hold the one copy read
/// from disk (a chart like kube-prometheus-stack carries megabytes of CRDs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub data: Arc<[u8]>,
}

/// A loaded chart and, nested, its dependencies (helm's `chart.Chart`).
#[derive(Clone, Debug)]
pub struct Chart {
    /// `Chart.yaml` (for apiVersion v1 charts, with `requirements.yaml` merged in, as helm does).
    pub metadata: Metadata,
    /// `Chart.lock` (or `requirements.lock`).
    pub lock: Option<Lock>,
    /// Files under `templates/`, in the order helm's loader produced them.
    pub templates: Vec<File>,
    /// `values.yaml` as helm reads it (a `map[string]interface{}`; empty map when absent).
    pub values: Value,
    /// `values.schema.json`.
    pub schema: Option<Vec<u8>>,
    /// Every other file not excluded by `.helmignore` (what `.Files` sees).
    pub files: Vec<File>,
    /// Every file as read (helm's `Raw`).
    pub raw: Vec<File>,
    /// Subcharts (from `charts/`), in loader order.
    pub dependencies: Vec<Chart>,
}

impl Default for Chart {
    fn default() -> Chart {
        Chart {
            metadata: Metadata::default(),
            lock: None,
            templates: Vec::new(),
            values: Value::map(BTreeMap::new()),
            schema: None,
            files: Vec::new(),
            raw: Vec::new(),
            dependencies: Vec::new(),
        }
    }
}

impl Chart {
    /// The chart's name (`metadata.name`).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether `type: library`.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }
}

/// `Chart.yaml` (helm's `chart.Metadata`); field names follow its JSON tags.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub maintainers: Vec<Maintainer>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: BTreeMap<String, String>,
    pub kube_version: String,
    pub dependencies: Vec<Dependency>,
    /// `type` (`application`, `library` or empty).
    pub chart_type: String,
}

/// A maintainer entry of `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// A `dependencies:` entry (helm's `chart.Dependency`).
#[derive(Clone, Debug, Default)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    /// Each item a string or a `{child, parent}` map, as written.
    pub import_values: Vec<Value>,
    pub alias: String,
}

/// `Chart.lock` (helm's `chart.Lock`).
#[derive(Clone, Debug, Default)]
pub struct Lock {
    /// `generated`, as written.
    pub generated: String,
    pub digest: String,
    pub dependencies: Vec<Dependency>,
}
