//! The render engine (helm's `pkg/engine`): one template namespace across the chart tree,
//! helm's function map (`include`, `tpl`, `required`, `toYaml`...), per-chart scoped values.
//!
//! Like helm, every template of the tree is parsed once into one set (deepest paths first, so
//! a parent's `define` replaces a subchart's), then every non-partial template is executed in
//! that same order against its chart's scope map (`.Values`, `.Chart`, `.Release`, `.Files`,
//! `.Capabilities`, `.Subcharts`, `.Template`). Go's engine shares one mutable scope map per
//! chart (`.Template` is written into it before each template runs, Sprig's `set` mutates
//! `.Values` in place) and charts observe that order; a big chart's templates run on several
//! threads only under a check that gives exactly that order's result (`execute.rs`).

mod chart_value;
mod errors;
mod execute;
mod funcs;
mod parse_cache;
mod speculate;

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{ElemType, Map, Template, Value};

use crate::HelmVersion;
use crate::capabilities::Capabilities;
use crate::chart::{Chart, Data};

pub use errors::{cleanup_parse_error, reformat_exec_error};
pub(crate) use speculate::Speculation;

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
    let mut rendered = BTreeMap::new();
    render_each(chart, input, opts, &mut |name, text| {
        rendered.insert(name.to_string(), text);
    })?;
    Ok(rendered)
}

/// [`render`], handing each rendered template (`path`, text with `<no value>` removed) to
/// `sink` as soon as it is executed, in execution order (helm's: deepest paths first), so that
/// work on the output can overlap the execution of the rest. After an error nothing more is
/// handed over, but what was handed over stays valid output of templates helm also executed.
pub fn render_each(
    chart: &Chart,
    input: &RenderInput,
    opts: &EngineOptions,
    sink: &mut dyn FnMut(&str, String),
) -> Result<(), RenderError> {
    render_speculated(chart, input, opts, None, None, &mut |name, text, _| {
        sink(name, text)
    })
}

/// [`render_each`] with the templates the loader already started parsing (`spec`, made with the
/// same `opts`; see [`Speculation`]), and outputs executed on several threads first given to
/// `prepare` on the thread that made them ([`execute::Prepare`]).
pub(crate) fn render_speculated(
    chart: &Chart,
    input: &RenderInput,
    opts: &EngineOptions,
    spec: Option<Speculation>,
    prepare: Option<execute::Prepare<'_>>,
    sink: execute::Sink<'_>,
) -> Result<(), RenderError> {
    let release = release_value(&input.release);
    let capabilities = input.capabilities.to_value();
    let mut tpls: BTreeMap<String, Renderable<'_>> = BTreeMap::new();
    let root_values = match &input.values {
        Value::Nil => empty_values(opts.compat),
        v => as_values(v, opts.compat),
    };
    let common = Common {
        release,
        capabilities,
        compat: opts.compat,
    };
    let mut nodes = Vec::new();
    rec_all_tpls(chart, None, &root_values, &common, &mut tpls, &mut nodes);
    render_templates(&tpls, &nodes, opts, spec, prepare, sink)
}

/// A template to parse and, unless a partial, execute (helm's `renderable`).
struct Renderable<'c> {
    text: &'c crate::chart::Data,
    /// The chart's scope node (in `rec_all_tpls`' list), whose map all its templates share
    /// (Go's `next`).
    chart: usize,
    base_path: String,
}

/// What every chart's scope shares.
struct Common {
    release: Value,
    capabilities: Value,
    compat: HelmVersion,
}

/// The type name helm gives `.Values` tables and `.Template` (`common.Values` / `chartutil.Values`).
pub(crate) fn values_type_name(compat: HelmVersion) -> &'static str {
    match compat {
        HelmVersion::V3 => "chartutil.Values",
        _ => "common.Values",
    }
}

fn release_value(r: &ReleaseInfo) -> Value {
    Value::map([
        ("Name".to_string(), Value::string(&r.name)),
        ("Namespace".to_string(), Value::string(&r.namespace)),
        ("IsUpgrade".to_string(), Value::Bool(r.is_upgrade)),
        ("IsInstall".to_string(), Value::Bool(r.is_install)),
        ("Revision".to_string(), Value::int(r.revision)),
        ("Service".to_string(), Value::string(&r.service)),
    ])
}

/// helm's `Values.Table`: the nested map at the `.`-separated `path`, if every step is a map.
fn table(values: &Value, path: &str) -> Option<Value> {
    let mut cur = values.clone();
    for key in path.split('.') {
        let next = match &cur {
            Value::Map(m) => m
                .entries
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(key)
                .cloned(),
            _ => None,
        };
        match next {
            Some(v @ Value::Map(_)) => cur = v,
            _ => return None,
        }
    }
    Some(cur)
}

/// helm's `recAllTpls`: builds the chart's scope, recurses into subcharts, collects templates.
/// `parent` is the parent's full path and scope values. Adds this chart's scope to `nodes`
/// after its subcharts' and returns its index there.
fn rec_all_tpls<'c>(
    chart: &'c Chart,
    parent: Option<(&str, &Value)>,
    root_values: &Value,
    common: &Common,
    tpls: &mut BTreeMap<String, Renderable<'c>>,
    nodes: &mut Vec<execute::ScopeNode>,
) -> usize {
    let is_root = parent.is_none();
    let values = match parent {
        None => root_values.clone(),
        Some((_, parent_values)) => table(parent_values, chart.name())
            .map(|t| as_values(&t, common.compat))
            .unwrap_or_else(|| empty_values(common.compat)),
    };
    let full_path = match parent {
        None => chart.name().to_string(),
        Some((p, _)) => format!("{p}/charts/{}", chart.name()),
    };
    let mut subcharts = BTreeMap::new();
    let mut children = Vec::new();
    for child in &chart.dependencies {
        let index = rec_all_tpls(
            child,
            Some((&full_path, &values)),
            root_values,
            common,
            tpls,
            nodes,
        );
        let name = child.name().to_string();
        subcharts.insert(name.clone(), Value::Map(nodes[index].scope.clone()));
        children.push((name, index));
    }
    let scope = Arc::new(Map::from_entries(
        ElemType::Interface,
        [
            (
                "Chart".to_string(),
                chart_value::chart_value(&chart.metadata, is_root, common.compat),
            ),
            (
                "Files".to_string(),
                crate::files::files_value_for(&chart.files, common.compat),
            ),
            ("Release".to_string(), common.release.clone()),
            ("Capabilities".to_string(), common.capabilities.clone()),
            ("Values".to_string(), values),
            ("Subcharts".to_string(), Value::map(subcharts)),
        ],
    ));
    let index = nodes.len();
    nodes.push(execute::ScopeNode { scope, children });
    let base_path = path_join(&full_path, "templates");
    let library = chart.metadata.chart_type.eq_ignore_ascii_case("library");
    for t in &chart.templates {
        // Library charts contribute only their partials.
        if library && !base_name(&t.name).starts_with('_') {
            continue;
        }
        tpls.insert(
            path_join(&full_path, &t.name),
            Renderable {
                text: &t.data,
                chart: index,
                base_path: base_path.clone(),
            },
        );
    }
    index
}

/// `v` as helm's `Values` type (`%T` is `common.Values`), as Go's `Values.Table` converts a
/// `map[string]interface{}`. gotmpl keeps the type name on the map itself, so this is a shallow
/// copy: nested maps stay shared (Sprig's `set` on them is seen everywhere), only a `set` of a
/// top-level key of a subchart's `.Values` is not seen through the parent's `.Values.sub`.
fn as_values(v: &Value, compat: HelmVersion) -> Value {
    let name = values_type_name(compat);
    match v {
        Value::Map(m) if m.type_name.as_deref() != Some(name) => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner()).clone();
            let mut copy = Map::from_map(m.elem.clone(), entries);
            copy.type_name = Some(Arc::from(name));
            Value::Map(Arc::new(copy))
        }
        v => v.clone(),
    }
}

fn empty_values(compat: HelmVersion) -> Value {
    let mut m = Map::new(ElemType::Interface);
    m.type_name = Some(Arc::from(values_type_name(compat)));
    Value::Map(Arc::new(m))
}

fn base_name(p: &str) -> &str {
    let p = p.trim_end_matches('/');
    p.rsplit('/').next().unwrap_or(p)
}

/// Go's `path.Join(a, b)` for the relative, slash-separated names charts use.
fn path_join(a: &str, b: &str) -> String {
    let joined = if a.is_empty() {
        b.to_string()
    } else if b.is_empty() {
        a.to_string()
    } else {
        format!("{a}/{b}")
    };
    sprig::path_clean(&joined)
}

/// helm's `sortTemplates`: deepest paths first, then names in reverse byte order, so that
/// later-parsed (shallower) templates redefine what deeper ones defined.
fn sort_templates<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    // Depths counted once, not in every comparison: a big chart has hundreds of long paths.
    let mut keys: Vec<(usize, &String)> = names
        .map(|n| (bytecount_slashes(n.as_bytes()), n))
        .collect();
    keys.sort_by(|(da, a), (db, b)| db.cmp(da).then_with(|| b.as_bytes().cmp(a.as_bytes())));
    keys.into_iter().map(|(_, n)| n).collect()
}

fn bytecount_slashes(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'/').count()
}

/// A set for a render with `opts`: helm's `missingkey` option and function map, no templates.
fn new_set(opts: &EngineOptions) -> Result<Template, RenderError> {
    let mut t = Template::new("gotpl");
    t.option(if opts.strict {
        "missingkey=error"
    } else {
        "missingkey=zero"
    })
    .map_err(|e| RenderError::Message(e.to_string()))?;
    t.funcs(funcs::func_map(opts));
    Ok(t)
}

/// helm's `render`: one set, parse everything, execute the non-partials (each result to `sink`).
fn render_templates(
    tpls: &BTreeMap<String, Renderable<'_>>,
    nodes: &[execute::ScopeNode],
    opts: &EngineOptions,
    spec: Option<Speculation>,
    prepare: Option<execute::Prepare<'_>>,
    sink: execute::Sink<'_>,
) -> Result<(), RenderError> {
    let keys = sort_templates(tpls.keys());
    let key = parse_cache::key(
        keys.iter().map(|k| (k.as_str(), tpls[*k].text)),
        opts.compat,
    );
    // A cached set shares its trees; this render's functions (its own `include` counters, Sprig
    // seed, lint switches) replace the ones they were resolved against, by name.
    let t = match parse_cache::get(&key) {
        Some(mut cached) => {
            drop(spec);
            cached
                .option(if opts.strict {
                    "missingkey=error"
                } else {
                    "missingkey=zero"
                })
                .map_err(|e| RenderError::Message(e.to_string()))?;
            cached.funcs(funcs::func_map(opts));
            cached
        }
        None => {
            let t = parse_set(&keys, tpls, opts, spec)?;
            parse_cache::put(key, &t);
            t
        }
    };
    crate::phase("templates parsed");

    let jobs: Vec<execute::Job<'_>> = keys
        .iter()
        .filter(|name| !base_name(name).starts_with('_'))
        .map(|name| {
            let r = &tpls[*name];
            execute::Job {
                name,
                chart: r.chart,
                base_path: &r.base_path,
            }
        })
        .collect();
    // Threads pay off only for a big chart: each costs a start and a fresh heap.
    let bytes: usize = tpls.values().map(|r| r.text.len()).sum();
    let threads = if bytes >= BIG_SET_BYTES {
        crate::cores().min(4)
    } else {
        1
    };
    execute::execute(&t, &jobs, nodes, opts, threads, prepare, sink)
}

/// Every template of `keys` parsed into one set in helm's order, or helm's first parse error
/// in that order: from what `spec` parsed ahead where it guessed exactly, on this thread and
/// its worker otherwise; without `spec`, on this thread and, for a big chart, more.
fn parse_set(
    keys: &[&String],
    tpls: &BTreeMap<String, Renderable<'_>>,
    opts: &EngineOptions,
    spec: Option<Speculation>,
) -> Result<Template, RenderError> {
    let fail = |name: &str, e: gotmpl::Error| {
        RenderError::Message(cleanup_parse_error(name, &e.to_string()))
    };
    if let Some(spec) = spec {
        let texts: Vec<(&str, &Data)> = keys.iter().map(|k| (k.as_str(), tpls[*k].text)).collect();
        let total: usize = texts.iter().map(|(_, t)| t.len()).sum();
        let (mut t, results) = spec.finish(&texts, total >= BIG_SET_BYTES);
        for ((name, _), parsed) in texts.iter().zip(results) {
            t.add_parsed(parsed.map_err(|e| fail(name, e))?);
        }
        return Ok(t);
    }
    let mut t = new_set(opts)?;
    let texts: Vec<(&str, &Data)> = keys.iter().map(|k| (k.as_str(), tpls[*k].text)).collect();
    for parsed in parse_all(&t, &texts, BIG_SET_BYTES) {
        match parsed {
            Ok(p) => t.add_parsed(p),
            Err((name, e)) => return Err(fail(name, e)),
        }
    }
    Ok(t)
}

/// One template file parsed against `t`'s functions, as helm's `t.New(name).Parse(text)`.
fn parse_one(t: &Template, name: &str, text: &Data) -> Result<gotmpl::Parsed, gotmpl::Error> {
    // A template the loader read as text is parsed in place; other bytes are checked (valid
    // UTF-8, nearly always, is borrowed: lossy decoding walks the bytes slowly) and copied.
    if let Some(shared) = text.shared_text() {
        return t.parse_shared(name, shared);
    }
    let text = std::str::from_utf8(text)
        .map(std::borrow::Cow::Borrowed)
        .unwrap_or_else(|_| String::from_utf8_lossy(text));
    t.parse_detached(name, &text)
}

/// Template text size above which parsing is spread over threads.
const BIG_SET_BYTES: usize = 256 * 1024;

/// Parses every `(name, text)` against `t`'s functions, in order: each file's trees, or the
/// first error (everything after it is not needed, as helm stops there). Files parse
/// independently of each other, so big charts parse on several threads; adding the results in
/// order is exactly helm's sequential `t.New(name).Parse(text)` loop.
fn parse_all<'n>(
    t: &Template,
    texts: &[(&'n str, &Data)],
    min_parallel: usize,
) -> Vec<Result<gotmpl::Parsed, (&'n str, gotmpl::Error)>> {
    let parse_range = |range: &[(&'n str, &Data)]| {
        let mut out = Vec::with_capacity(range.len());
        for (name, text) in range {
            let r = parse_one(t, name, text);
            let failed = r.is_err();
            out.push(r.map_err(|e| (*name, e)));
            if failed {
                break;
            }
        }
        out
    };
    let total: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let threads = crate::cores().min(8);
    if total < min_parallel || threads < 2 {
        return parse_range(texts);
    }
    // Contiguous ranges of about equal bytes.
    let per = total / threads + 1;
    let mut ranges = Vec::new();
    let (mut start, mut acc) = (0, 0);
    for (i, (_, text)) in texts.iter().enumerate() {
        acc += text.len();
        if acc >= per {
            ranges.push(&texts[start..=i]);
            start = i + 1;
            acc = 0;
        }
    }
    if start < texts.len() {
        ranges.push(&texts[start..]);
    }
    // The last range is parsed on this thread, which would otherwise only wait: one thread
    // fewer to start, and one fewer set of fresh allocator pages.
    let results: Vec<Vec<_>> = std::thread::scope(|s| {
        let (last, rest) = ranges
            .split_last()
            .expect("a non-empty text list has a range");
        let handles: Vec<_> = rest
            .iter()
            .map(|r| gotmpl::threads::spawn_scoped(s, || parse_range(r)))
            .collect();
        let mine = parse_range(last);
        let mut results: Vec<Vec<_>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        results.push(mine);
        results
    });
    let mut out = Vec::with_capacity(texts.len());
    for (range, res) in ranges.iter().zip(results) {
        let complete = res.len() == range.len() && res.iter().all(Result::is_ok);
        out.extend(res);
        if !complete {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_helm_by_path_len_reversed() {
        // helm's byPathLen reversed: more slashes first, ties in reverse byte order.
        let names: Vec<String> = [
            "a/templates/b.yaml",
            "a/charts/s/templates/x.yaml",
            "a/templates/_h.tpl",
            "a/templates/a.yaml",
            "a/templates/sub/c.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let sorted: Vec<&str> = sort_templates(names.iter())
            .into_iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            sorted,
            [
                "a/charts/s/templates/x.yaml",
                "a/templates/sub/c.yaml",
                "a/templates/b.yaml",
                "a/templates/a.yaml",
                "a/templates/_h.tpl",
            ]
        );
    }

    /// The threaded parse adds exactly what helm's sequential loop would, and stops at the
    /// same (first) error.
    #[test]
    fn parallel_parse_matches_sequential() {
        let mut texts: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("c/templates/t{i:02}.yaml"),
                    format!("{{{{define \"d\"}}}}{i}{{{{end}}}}t{i}:{{{{template \"d\"}}}}"),
                )
            })
            .collect();
        let run = |texts: &[(String, String)], min: usize| {
            // Read as text (shared by the trees) and as bytes (copied), alternately.
            let data: Vec<Data> = texts
                .iter()
                .enumerate()
                .map(|(i, (_, t))| match i % 2 {
                    0 => Data::from(Arc::<str>::from(t.as_str())),
                    _ => Data::from(t.as_bytes()),
                })
                .collect();
            let refs: Vec<(&str, &Data)> = texts
                .iter()
                .zip(&data)
                .map(|((n, _), d)| (n.as_str(), d))
                .collect();
            let mut t = Template::new("gotpl");
            let mut err = None;
            for p in parse_all(&t.clone(), &refs, min) {
                match p {
                    Ok(p) => t.add_parsed(p),
                    Err((n, e)) => {
                        err = Some(format!("{n}: {e}"));
                        break;
                    }
                }
            }
            let mut out = String::new();
            for (n, _) in texts.iter().take(3) {
                let _ = t.execute_template(&mut out, n, &Value::Nil);
            }
            (t.template_names(), out, err)
        };
        let seq = run(&texts, usize::MAX);
        assert_eq!(seq.1, "t0:39t1:39t2:39");
        assert_eq!(run(&texts, 0), seq);
        texts[25].1 = "{{ if }}".into();
        texts[31].1 = "{{ end }}".into();
        let seq = run(&texts, usize::MAX);
        assert_eq!(
            seq.2.as_deref(),
            Some("c/templates/t25.yaml: template: c/templates/t25.yaml:1: missing value for if")
        );
        assert_eq!(run(&texts, 0), seq);
    }

    #[test]
    fn cleans_paths_like_go() {
        assert_eq!(path_join("c", "templates/x.yaml"), "c/templates/x.yaml");
        assert_eq!(
            path_join("c", "templates/./a/../x.yaml"),
            "c/templates/x.yaml"
        );
        assert_eq!(path_join("c", "/x"), "c/x");
        assert_eq!(sprig::path_clean(""), ".");
    }
}
