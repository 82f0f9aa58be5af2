//! Manifest sorting and hooks (helm's `releaseutil`, `pkg/release/v1/util` in v4): split rendered
//! files into documents, separate hooks from plain manifests, order both by install kind order.
//!
//! Each document's head is read the way helm reads it, with `sigs.k8s.io/yaml` into its
//! `SimpleHead` struct: yaml.v2 parsing, numbers and booleans coerced to strings where the struct
//! wants a string, then `encoding/json`'s decoding with its type errors. Those errors surface as
//! `YAML parse error on <file>: ...`, so the conversion is written here to keep Go's texts.

use std::collections::BTreeMap;

use goyaml::Node;

use crate::HelmVersion;

/// A document that is not a valid manifest, with helm's message (`YAML parse error on ...`).
#[derive(Debug, thiserror::Error)]
#[error("YAML parse error on {path}: {message}")]
pub struct ManifestError {
    pub path: String,
    pub message: String,
}

/// The part of a document helm looks at (`SimpleHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleHead {
    /// `apiVersion`.
    pub version: String,
    pub kind: String,
    /// `metadata`; `None` when absent or null.
    pub metadata: Option<HeadMetadata>,
}

/// `SimpleHead.Metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadMetadata {
    pub name: String,
    /// `None` when absent or null (Go's nil map).
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A plain (non-hook) manifest: its source file, the document text and its head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub content: String,
    pub head: SimpleHead,
}

/// helm's `release.HookEvent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    Test,
}

impl HookEvent {
    /// The event named by a `helm.sh/hook` item (already lower-cased and trimmed).
    pub fn parse(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }
}

/// `helm.sh/hook`.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// `helm.sh/hook-weight`.
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// `helm.sh/hook-delete-policy`.
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// `helm.sh/hook-output-log-policy`.
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// helm's `release.Hook`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    /// The source file (`chart/templates/x.yaml`).
    pub path: String,
    pub manifest: String,
    pub events: Vec<HookEvent>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// Whether one of its events is `test` (what `--skip-tests` drops).
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

const INSTALL_ORDER_V3: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

const INSTALL_ORDER_V4: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// helm's `InstallOrder` (v4 added the two webhook configuration kinds at the end).
pub fn install_order(v: HelmVersion) -> &'static [&'static str] {
    match v {
        HelmVersion::V4 => INSTALL_ORDER_V4,
        HelmVersion::V3 => INSTALL_ORDER_V3,
    }
}

/// helm's `lessByKind`: known kinds by their position, unknown kinds after them, alphabetically.
fn less_by_kind(a: &str, b: &str, order: &[&str]) -> bool {
    let pos = |k: &str| order.iter().position(|o| *o == k);
    match (pos(a), pos(b)) {
        (None, None) => a < b,
        (None, Some(_)) => false,
        (Some(_), None) => true,
        (Some(x), Some(y)) => x < y,
    }
}

/// A stable sort by kind (Go's `sort.SliceStable` with `lessByKind`).
fn sort_by_kind<T>(items: &mut [T], kind: impl Fn(&T) -> &str, order: &[&str]) {
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        if less_by_kind(ka, kb, order) {
            std::cmp::Ordering::Less
        } else if less_by_kind(kb, ka, order) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

/// One rendered file cut into its documents, each with its head as [`parse_head`] reads it.
/// Partials and blank files have no documents; a file's documents stop at the first head that
/// fails to parse (helm reports that one; nothing after it in the file is looked at).
pub type SplitDocs = Vec<(String, Result<SimpleHead, String>)>;

/// [`SplitDocs`] of one rendered file (`path` is its template path, `text` its rendered text).
/// Depends on nothing but the text, so files are split as soon as they are rendered.
pub fn split_file(path: &str, text: &str, v: HelmVersion) -> SplitDocs {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with('_') || text.trim().is_empty() {
        return Vec::new();
    }
    let mut docs = Vec::new();
    for doc in goyaml::split_manifests(text, v) {
        let head = parse_head(&doc, v);
        let failed = head.is_err();
        docs.push((doc, head));
        if failed {
            break;
        }
    }
    docs
}

/// helm's `SortManifests(files, nil, InstallOrder)`: files in path order (partials `_*` and blank
/// files skipped), each split into documents; documents with a known `helm.sh/hook` become hooks,
/// documents with unknown hook events are dropped, the rest are manifests. Both lists are then
/// stably sorted by kind.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    v: HelmVersion,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    sort_split(split_all(files, v), v)
}

/// [`sort_manifests`] of files already split by [`split_file`], given in path order.
pub fn sort_split<'p>(
    files: impl IntoIterator<Item = (&'p String, SplitDocs)>,
    v: HelmVersion,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, docs) in files {
        for (doc, head) in docs {
            let head = head.map_err(|message| ManifestError {
                path: path.clone(),
                message,
            })?;
            sort_doc(path, doc, head, &mut hooks, &mut generic);
        }
    }
    let order = install_order(v);
    sort_by_kind(&mut hooks, |h| &h.kind, order);
    sort_by_kind(&mut generic, |m| &m.head.kind, order);
    Ok((hooks, generic))
}

/// One valid document into the hooks or the plain manifests (or nowhere: unknown hook events).
fn sort_doc(
    path: &str,
    doc: String,
    head: SimpleHead,
    hooks: &mut Vec<Hook>,
    generic: &mut Vec<Manifest>,
) {
    let annotations = head
        .metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref())
        .filter(|a| !a.is_empty());
    let Some(hook_types) = annotations.and_then(|a| a.get(HOOK_ANNOTATION)) else {
        generic.push(Manifest {
            name: path.to_string(),
            content: doc,
            head,
        });
        return;
    };
    let annotations = annotations.expect("a hook annotation implies annotations");
    let mut events = Vec::new();
    for t in hook_types.split(',') {
        match HookEvent::parse(&t.trim().to_lowercase()) {
            Some(e) => events.push(e),
            // helm logs "skipping unknown hooks" (v3 on stderr) and drops the document.
            None => return,
        }
    }
    let policies = |key: &str| -> Vec<String> {
        annotations
            .get(key)
            .map(|s| s.split(',').map(|p| p.trim().to_lowercase()).collect())
            .unwrap_or_default()
    };
    hooks.push(Hook {
        name: head
            .metadata
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        kind: head.kind.clone(),
        path: path.to_string(),
        weight: annotations
            .get(HOOK_WEIGHT_ANNOTATION)
            .and_then(|w| go_atoi(w))
            .unwrap_or(0),
        delete_policies: policies(HOOK_DELETE_ANNOTATION),
        output_log_policies: policies(HOOK_OUTPUT_LOG_ANNOTATION),
        manifest: doc,
        events,
    });
}

/// [`split_file`] of every file, in path order. Splitting is a full YAML parse of every
/// rendered manifest (a tenth of a large chart's render), so many bytes are split in two halves
/// by size on two threads; [`sort_split`] still reports the first error in order.
fn split_all(files: &BTreeMap<String, String>, v: HelmVersion) -> Vec<(&String, SplitDocs)> {
    const PARALLEL_BYTES: usize = 64 * 1024;
    let files: Vec<(&String, &String)> = files.iter().collect();
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    let split = |range: &[(&'_ String, &String)]| -> Vec<SplitDocs> {
        range.iter().map(|(p, t)| split_file(p, t, v)).collect()
    };
    let docs = if crate::cores() < 2 || total < PARALLEL_BYTES {
        split(&files)
    } else {
        let mut acc = 0;
        let mid = files
            .iter()
            .position(|(_, t)| {
                acc += t.len();
                acc * 2 >= total
            })
            .map_or(files.len(), |i| i + 1);
        let (first, second) = files.split_at(mid);
        std::thread::scope(|s| {
            let later = gotmpl::threads::spawn_scoped(s, || split(second));
            let mut docs = split(first);
            docs.extend(later.join().expect("splitting a manifest does not panic"));
            docs
        })
    };
    files.into_iter().map(|(p, _)| p).zip(docs).collect()
}

/// Rendered files with their [`SplitDocs`], by path: what [`sort_split`] and the output need.
pub type SplitFiles = BTreeMap<String, (String, SplitDocs)>;

/// Runs `produce`, which hands rendered files (`path`, text, and the file's [`split_file`]
/// when the producer already made it) to its sink, and splits each file that comes without one
/// as soon as it arrives: with `parallel`, on a worker thread while `produce` goes on (this
/// thread helps with what is left once `produce` returns). The worker starts when
/// [`WAKE_BYTES`] of such files wait: a small chart's few files are split faster here than a
/// new thread (and its fresh heap) would start (podinfo, metrics-server: 7-9% less wall time).
/// Splitting depends only on each file's text, so the result is the same either way. When
/// `produce` fails its error is returned and the splits are dropped (the worker stops at the
/// next file).
pub fn split_while<T, E>(
    v: HelmVersion,
    parallel: bool,
    produce: impl FnOnce(&mut dyn FnMut(&str, String, Option<SplitDocs>)) -> Result<T, E>,
) -> Result<(T, SplitFiles), E> {
    let mut done = SplitFiles::new();
    if !parallel {
        let t = produce(&mut |path, text, split| {
            let docs = split.unwrap_or_else(|| split_file(path, &text, v));
            done.insert(path.to_string(), (text, docs));
        })?;
        crate::phase("templates executed");
        return Ok((t, done));
    }
    let queue = SplitQueue::default();
    std::thread::scope(|s| {
        let mut worker = None;
        let produced = produce(&mut |path, text, split| match split {
            Some(docs) => {
                done.insert(path.to_string(), (text, docs));
            }
            None => {
                if queue.push(path.to_string(), text) >= WAKE_BYTES && worker.is_none() {
                    worker = Some(gotmpl::threads::spawn_scoped(s, || {
                        let mut done = Vec::new();
                        while let Some((path, text)) = queue.next(true) {
                            let docs = split_file(&path, &text, v);
                            done.push((path, (text, docs)));
                        }
                        done
                    }));
                }
            }
        });
        queue.close(produced.is_err());
        let t = produced?;
        crate::phase("templates executed");
        while let Some((path, text)) = queue.next(false) {
            let docs = split_file(&path, &text, v);
            done.insert(path, (text, docs));
        }
        if let Some(worker) = worker {
            done.extend(worker.join().expect("splitting a manifest does not panic"));
        }
        Ok((t, done))
    })
}

/// The files waiting for [`split_while`]'s worker.
#[derive(Default)]
struct SplitQueue {
    state: std::sync::Mutex<QueueState>,
    ready: std::sync::Condvar,
}

#[derive(Default)]
struct QueueState {
    files: std::collections::VecDeque<(String, String)>,
    /// The bytes of `files`.
    bytes: usize,
    /// The worker waits for files.
    waiting: bool,
    /// No more files will come.
    closed: bool,
    /// The files are not wanted any more.
    cancelled: bool,
}

/// Queued bytes that wake a waiting worker: waking it costs system calls on both threads, so
/// it takes a batch of files at a time (what is left at the end is split by both threads).
const WAKE_BYTES: usize = 32 * 1024;

impl SplitQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a file; the bytes now queued.
    fn push(&self, path: String, text: String) -> usize {
        let mut st = self.lock();
        st.bytes += text.len();
        st.files.push_back((path, text));
        let queued = st.bytes;
        let wake = st.waiting && queued >= WAKE_BYTES;
        drop(st);
        if wake {
            self.ready.notify_one();
        }
        queued
    }

    fn close(&self, cancel: bool) {
        let mut st = self.lock();
        st.closed = true;
        st.cancelled = cancel;
        let wake = st.waiting;
        drop(st);
        if wake {
            self.ready.notify_all();
        }
    }

    /// The next file; with `wait`, blocks until a batch comes or the queue is closed.
    fn next(&self, wait: bool) -> Option<(String, String)> {
        let mut st = self.lock();
        loop {
            if st.cancelled {
                return None;
            }
            if (!wait || st.closed || st.bytes >= WAKE_BYTES)
                && let Some(f) = st.files.pop_front()
            {
                st.bytes -= f.1.len();
                return Some(f);
            }
            if st.closed || !wait {
                return None;
            }
            st.waiting = true;
            st = self.ready.wait(st).unwrap_or_else(|p| p.into_inner());
            st.waiting = false;
        }
    }
}

/// Go's `strconv.Atoi` (64-bit `int`): optional sign, decimal digits, no spaces.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The Go type of the head struct as `encoding/json` names it in errors.
fn head_type(v: HelmVersion) -> &'static str {
    match v {
        HelmVersion::V4 => "util.SimpleHead",
        HelmVersion::V3 => "releaseutil.SimpleHead",
    }
}

const METADATA_TYPE: &str = "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }";

/// `sigs.k8s.io/yaml.Unmarshal(doc, &SimpleHead{})`, with Go's error text.
///
/// Most of a manifest is not in its head: the document is read with
/// [`goyaml::parse_yaml_v2_pruned`], which builds only the root entries that select a
/// `SimpleHead` field (and, under `metadata`, those selecting `name` and `annotations`) and
/// walks past the rest; on anything the walk cannot vouch for, the full parse decides
/// ([`parse_head_full`], the reference the walk is tested against).
pub fn parse_head(doc: &str, v: HelmVersion) -> Result<SimpleHead, String> {
    parse_head_pruned(doc, v).unwrap_or_else(|| parse_head_full(doc, v))
}

/// [`parse_head`]'s fast path alone: `None` when it leaves the answer to the full parse.
#[doc(hidden)]
pub fn parse_head_pruned(doc: &str, v: HelmVersion) -> Option<Result<SimpleHead, String>> {
    goyaml::parse_yaml_v2_pruned(doc, &head_keep).map(|node| head_of(node, v))
}

/// Which entries the head needs: the ones json's field matching gives to a `SimpleHead` or
/// metadata field (exact name or ASCII case-insensitive); others are ignored by the decoding,
/// as are keys without a string form.
fn head_keep(depth: usize, key: &Node) -> goyaml::Keep {
    let target = if depth == 0 {
        HeadTarget::Head
    } else {
        HeadTarget::Metadata
    };
    let Some(k) = key_string(key) else {
        return goyaml::Keep::Skip;
    };
    match field_of(&k, target) {
        Some("metadata") if depth == 0 => goyaml::Keep::Descend,
        Some(_) => goyaml::Keep::Build,
        None => goyaml::Keep::Skip,
    }
}

/// [`parse_head`] over the whole parsed document.
#[doc(hidden)]
pub fn parse_head_full(doc: &str, v: HelmVersion) -> Result<SimpleHead, String> {
    let node = goyaml::parse_yaml_v2(doc)
        .map_err(|e| format!("error converting YAML to JSON: {}", e.message))?;
    head_of(node, v)
}

/// The head of a parsed document (`None`: an empty one), or json's error.
fn head_of(node: Option<Node>, v: HelmVersion) -> Result<SimpleHead, String> {
    let Some(node) = node else {
        return Ok(SimpleHead::default());
    };
    // Which non-finite float json.Marshal trips on first needs a sorted walk; most
    // manifests hold none, which an allocation-free walk tells.
    if has_non_finite(&node)
        && let Some(f) = first_non_finite(&node, HeadTarget::Head)
    {
        return Err(format!(
            "error converting YAML to JSON: json: unsupported value: {}",
            goyaml::format_float_g(f)
        ));
    }
    let mut d = Decoder { err: None };
    let head = d.head(&node, v);
    match d.err {
        Some(e) => Err(format!("error unmarshaling JSON: while decoding JSON: {e}")),
        None => Ok(head),
    }
}

/// Where a value lands in `SimpleHead`, which decides sigs.k8s.io/yaml's string coercion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeadTarget {
    Head,
    Metadata,
    Annotations,
    Str,
    Other,
}

fn key_string(k: &Node) -> Option<String> {
    Some(match k {
        Node::Str(s) => s.clone(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => u.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Float(f) => float32_g(*f),
        _ => return None,
    })
}

/// `strconv.FormatFloat(f, 'g', -1, 32)` with yaml's spellings of the non-finite values.
fn float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    // The shortest decimal that reads back as the same float32, in Go's %g layout.
    goyaml::format_float_g((f as f32).to_string().parse::<f64>().unwrap_or(f))
}

/// The struct field a JSON key selects: exact name first, else ASCII case-insensitive.
fn field_of(key: &str, target: HeadTarget) -> Option<&'static str> {
    let fields: &[&'static str] = match target {
        HeadTarget::Head => &["apiVersion", "kind", "metadata"],
        HeadTarget::Metadata => &["name", "annotations"],
        _ => return None,
    };
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

/// Whether any float in the tree is NaN or infinite.
fn has_non_finite(n: &Node) -> bool {
    match n {
        Node::Float(f) => !f.is_finite(),
        Node::Seq(items) => items.iter().any(has_non_finite),
        Node::Map(entries) => entries
            .iter()
            .any(|(k, v)| has_non_finite(k) || has_non_finite(v)),
        _ => false,
    }
}

/// The first float json.Marshal refuses (NaN, ±Inf) outside string-coerced positions.
fn first_non_finite(n: &Node, target: HeadTarget) -> Option<f64> {
    match n {
        Node::Float(f) if !f.is_finite() && target != HeadTarget::Str => Some(*f),
        Node::Seq(items) => items
            .iter()
            .find_map(|i| first_non_finite(i, HeadTarget::Other)),
        Node::Map(entries) => {
            let mut sorted: Vec<(String, &Node)> = entries
                .iter()
                .filter_map(|(k, v)| Some((key_string(k)?, v)))
                .collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            sorted.iter().find_map(|(k, v)| {
                let t = match (target, field_of(k, target)) {
                    (HeadTarget::Head, Some("metadata")) => HeadTarget::Metadata,
                    (HeadTarget::Metadata, Some("annotations")) => HeadTarget::Annotations,
                    (HeadTarget::Head | HeadTarget::Metadata, Some(_)) => HeadTarget::Str,
                    (HeadTarget::Annotations, _) => HeadTarget::Str,
                    _ => HeadTarget::Other,
                };
                first_non_finite(v, t)
            })
        }
        _ => None,
    }
}

/// `encoding/json` decoding into `SimpleHead`: the first type error wins, decoding goes on.
struct Decoder {
    err: Option<String>,
}

fn json_kind(n: &Node) -> &'static str {
    match n {
        Node::Null => "null",
        Node::Bool(_) => "bool",
        Node::Int(_) | Node::Uint(_) | Node::Float(_) => "number",
        Node::Str(_) => "string",
        Node::Seq(_) => "array",
        Node::Map(_) => "object",
    }
}

/// The entries of a map node with string keys, in the order `json.Marshal` writes them.
fn sorted_entries(entries: &[(Node, Node)]) -> Vec<(String, &Node)> {
    let mut out: BTreeMap<String, &Node> = BTreeMap::new();
    for (k, v) in entries {
        if let Some(k) = key_string(k) {
            out.insert(k, v);
        }
    }
    out.into_iter().collect()
}

impl Decoder {
    fn fail(&mut self, msg: String) {
        if self.err.is_none() {
            self.err = Some(msg);
        }
    }

    fn head(&mut self, n: &Node, v: HelmVersion) -> SimpleHead {
        let mut head = SimpleHead::default();
        let entries = match n {
            Node::Map(e) => e,
            Node::Null => return head,
            other => {
                self.fail(format!(
                    "json: cannot unmarshal {} into Go value of type {}",
                    json_kind(other),
                    head_type(v)
                ));
                return head;
            }
        };
        for (k, val) in sorted_entries(entries) {
            match field_of(&k, HeadTarget::Head) {
                Some("apiVersion") => {
                    if let Some(s) = self.string(val, "SimpleHead", "apiVersion") {
                        head.version = s;
                    }
                }
                Some("kind") => {
                    if let Some(s) = self.string(val, "SimpleHead", "kind") {
                        head.kind = s;
                    }
                }
                Some(_) => match val {
                    Node::Null => head.metadata = None,
                    Node::Map(m) => {
                        let md = head.metadata.get_or_insert_with(HeadMetadata::default);
                        let mut md = std::mem::take(md);
                        self.metadata(m, &mut md);
                        head.metadata = Some(md);
                    }
                    other => self.fail(format!(
                        "json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type {METADATA_TYPE}",
                        json_kind(other)
                    )),
                },
                None => {}
            }
        }
        head
    }

    fn metadata(&mut self, entries: &[(Node, Node)], md: &mut HeadMetadata) {
        for (k, val) in sorted_entries(entries) {
            match field_of(&k, HeadTarget::Metadata) {
                Some("name") => {
                    if let Some(s) = self.string(val, "", "metadata.name") {
                        md.name = s;
                    }
                }
                Some(_) => match val {
                    Node::Null => md.annotations = None,
                    Node::Map(m) => {
                        let ann = md.annotations.get_or_insert_with(BTreeMap::new);
                        for (ak, av) in sorted_entries(m) {
                            let s = match av {
                                Node::Null => Some(String::new()),
                                _ => self.string(av, "", "metadata.annotations"),
                            };
                            if let Some(s) = s {
                                ann.insert(ak, s);
                            }
                        }
                    }
                    other => self.fail(format!(
                        "json: cannot unmarshal {} into Go struct field .metadata.annotations of type map[string]string",
                        json_kind(other)
                    )),
                },
                None => {}
            }
        }
    }

    /// A string field: scalars coerced as sigs.k8s.io/yaml does, null leaves it unset.
    fn string(&mut self, n: &Node, strukt: &str, field: &str) -> Option<String> {
        Some(match n {
            Node::Null => return None,
            Node::Str(s) => s.clone(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::Uint(u) => u.to_string(),
            Node::Float(f) => {
                if f.is_finite() {
                    float32_g(*f)
                } else if f.is_nan() {
                    "NaN".into()
                } else if *f > 0.0 {
                    "+Inf".into()
                } else {
                    "-Inf".into()
                }
            }
            other => {
                self.fail(format!(
                    "json: cannot unmarshal {} into Go struct field {strukt}.{field} of type string",
                    json_kind(other)
                ));
                return None;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_order_puts_unknown_kinds_last_alphabetically() {
        let o = install_order(HelmVersion::V4);
        let mut kinds = vec!["Zeta", "Deployment", "Alpha", "Namespace", "Service"];
        sort_by_kind(&mut kinds, |k| k, o);
        assert_eq!(
            kinds,
            ["Namespace", "Service", "Deployment", "Alpha", "Zeta"]
        );
    }

    #[test]
    fn webhook_kinds_are_known_only_in_v4() {
        let mut v4 = vec!["ValidatingWebhookConfiguration", "Aardvark"];
        sort_by_kind(&mut v4, |k| k, install_order(HelmVersion::V4));
        assert_eq!(v4, ["ValidatingWebhookConfiguration", "Aardvark"]);
        let mut v3 = vec!["ValidatingWebhookConfiguration", "Aardvark"];
        sort_by_kind(&mut v3, |k| k, install_order(HelmVersion::V3));
        assert_eq!(v3, ["Aardvark", "ValidatingWebhookConfiguration"]);
    }

    /// The worker's splits are the sequential ones; a failing producer's error comes back
    /// whatever was split before it. Files with a long comment make enough text for the worker
    /// to start ([`WAKE_BYTES`]); without, this thread splits them all.
    #[test]
    fn split_while_matches_sequential_and_keeps_the_producer_error() {
        for pad in [0, 2048] {
            let files: Vec<(String, String)> = (0..50)
                .map(|i| {
                    let text = match i % 7 {
                        0 => "kind: [\n".to_string(),
                        1 => "  \n".to_string(),
                        _ => format!(
                            "# {}\nkind: K{i}\n---\nmetadata:\n  name: n{i}\n",
                            "x".repeat(pad)
                        ),
                    };
                    (format!("c/templates/f{i:02}.yaml"), text)
                })
                .collect();
            let run = |parallel: bool, fail_at: Option<usize>| {
                split_while(HelmVersion::V4, parallel, |sink| {
                    for (i, (p, t)) in files.iter().enumerate().rev() {
                        if fail_at == Some(i) {
                            return Err(format!("render failed at {i}"));
                        }
                        // Every third file comes split already, as from the parallel executor.
                        let split = (i % 3 == 0).then(|| split_file(p, t, HelmVersion::V4));
                        sink(p, t.clone(), split);
                    }
                    Ok(7)
                })
            };
            let seq = run(false, None).expect("no failure");
            assert_eq!(seq.0, 7);
            assert_eq!(seq.1.len(), 50);
            assert_eq!(seq.1["c/templates/f01.yaml"].1, Vec::new());
            assert!(seq.1["c/templates/f00.yaml"].1[0].1.is_err());
            assert_eq!(seq.1["c/templates/f02.yaml"].1.len(), 2);
            let par = run(true, None).expect("no failure");
            assert_eq!(par, seq, "pad {pad}");
            for parallel in [false, true] {
                assert_eq!(
                    run(parallel, Some(3)).expect_err("fails"),
                    "render failed at 3"
                );
            }
        }
    }

    #[test]
    fn atoi_follows_go() {
        assert_eq!(go_atoi("-5"), Some(-5));
        assert_eq!(go_atoi("+7"), Some(7));
        assert_eq!(go_atoi(" 7"), None);
        assert_eq!(go_atoi("1_0"), None);
        assert_eq!(go_atoi(""), None);
    }

    #[test]
    fn head_coerces_scalars_to_strings() {
        let h = parse_head(
            "apiVersion: v1\nKind: 5\nmetadata:\n  name: true\n  annotations:\n    w: 1.5\n    x: null\n",
            HelmVersion::V4,
        )
        .expect("valid head");
        assert_eq!(h.kind, "5");
        let md = h.metadata.expect("metadata");
        assert_eq!(md.name, "true");
        let ann = md.annotations.expect("annotations");
        assert_eq!(ann["w"], "1.5");
        assert_eq!(ann["x"], "");
    }
}
