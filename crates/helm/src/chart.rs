//! The in-memory chart tree, as helm's `chart/v2.Chart` holds it after loading.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;

/// A file of a chart: its path relative to the chart root (`/`-separated) and its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub data: Data,
}

/// A chart file's bytes, shared: `raw`, a subchart's own lists and `.Files` all hold the one
/// copy. A file of a chart directory that no template is made of (CRDs, dashboards, READMEs)
/// may be read from disk only when first used: most renders never look at most of them, and
/// a chart like kube-prometheus-stack carries megabytes of CRDs that `helm template` without
/// `--include-crds` never prints. Reading them cost a quarter of that chart's render, most of
/// it the kernel handing out fresh memory.
#[derive(Clone, Default)]
pub struct Data(Repr);

#[derive(Clone)]
enum Repr {
    Bytes(Arc<[u8]>),
    /// A template's bytes, checked to be UTF-8 when read: the parser's trees share this very
    /// buffer rather than a copy of their own (two megabytes of fresh memory on a big chart).
    Text(Arc<str>),
    Deferred(Arc<Deferred>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Bytes(Arc::from(&b""[..]))
    }
}

/// A file read on first use: where it is, and its bytes once read.
struct Deferred {
    path: std::path::PathBuf,
    len: u64,
    bytes: std::sync::OnceLock<Arc<[u8]>>,
}

impl Data {
    /// A file of `len` bytes (as `lstat` saw it) at `path`, read (BOM stripped) on first use.
    pub(crate) fn deferred(path: std::path::PathBuf, len: u64) -> Data {
        Data(Repr::Deferred(Arc::new(Deferred {
            path,
            len,
            bytes: std::sync::OnceLock::new(),
        })))
    }

    /// The bytes as a shared buffer (reading a deferred file now).
    pub fn shared(&self) -> Arc<[u8]> {
        match &self.0 {
            Repr::Bytes(b) => b.clone(),
            Repr::Text(s) => Arc::from(s.clone()),
            Repr::Deferred(d) => d.get().clone(),
        }
    }

    /// The text as a shared string, when the file was read as text (a template that is
    /// UTF-8); `None` for other files, whose bytes may be anything.
    pub fn shared_text(&self) -> Option<Arc<str>> {
        match &self.0 {
            Repr::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl Deferred {
    fn get(&self) -> &Arc<[u8]> {
        self.bytes.get_or_init(|| {
            // The loader opened the file when it listed it, so only a file removed or made
            // unreadable since fails here; the template then sees it empty, as a file that
            // vanished would be, and the failure is logged.
            crate::loader::read_shared(&self.path, self.len).unwrap_or_else(|e| {
                tracing::error!(path = %self.path.display(), error = %e, "cannot read a chart file");
                Arc::from(&b""[..])
            })
        })
    }
}

impl std::ops::Deref for Data {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Bytes(b) => b,
            Repr::Text(s) => s.as_bytes(),
            Repr::Deferred(d) => d.get(),
        }
    }
}

impl AsRef<[u8]> for Data {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        let same_buffer = match (&self.0, &other.0) {
            (Repr::Bytes(a), Repr::Bytes(b)) => Arc::ptr_eq(a, b),
            (Repr::Text(a), Repr::Text(b)) => Arc::ptr_eq(a, b),
            (Repr::Deferred(a), Repr::Deferred(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_buffer || **self == **other
    }
}

impl Eq for Data {}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::Bytes(b) => write!(f, "Data({} bytes)", b.len()),
            Repr::Text(s) => write!(f, "Data({} bytes of text)", s.len()),
            Repr::Deferred(d) => write!(f, "Data({}, {} bytes)", d.path.display(), d.len),
        }
    }
}

impl From<Arc<[u8]>> for Data {
    fn from(b: Arc<[u8]>) -> Data {
        Data(Repr::Bytes(b))
    }
}

impl From<Arc<str>> for Data {
    fn from(s: Arc<str>) -> Data {
        Data(Repr::Text(s))
    }
}

impl From<Vec<u8>> for Data {
    fn from(b: Vec<u8>) -> Data {
        Data(Repr::Bytes(Arc::from(b)))
    }
}

impl From<&[u8]> for Data {
    fn from(b: &[u8]) -> Data {
        Data(Repr::Bytes(Arc::from(b)))
    }
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
