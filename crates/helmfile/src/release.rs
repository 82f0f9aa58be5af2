//! From a loaded state to releases ready to render (helmfile's `state_exec_tmpl.go`,
//! `inherited.go`, `release_filters.go`, the values and flags of `helmx.go`/`state.go`, and the
//! `needs` DAG of `pkg/app`).
//!
//! Contract (owner: the `hf-release` helper): [`resolve`] types every [`RawRelease`], applies
//! `inherit` from `templates`, templates releases to a fixpoint, renders `.gotmpl` values
//! files and `valuesTemplate`/`setTemplate` with release data, builds the `--values` layers and
//! `--set*` flags exactly as helmfile passes them to helm, adds implicit and common labels,
//! filters by selectors, `installed` and `condition`, and orders what `helmfile template`
//! renders by `needs`; [`plan`] groups resolved releases into the batches helmfile runs.
//!
//! The steps follow `helmfile template` for one state file:
//! 1. `ExecuteTemplates` on every release: type it, merge its `inherit` templates (mergo's
//!    overwrite-and-append merge, pointer aliasing included), default `kubeContext` from
//!    `helmDefaults`, add `commonLabels`, default `apiVersions`/`kubeVersion` from the state,
//!    template it to a fixpoint, fail on an empty chart;
//! 2. `GetReleasesWithOverrides` (top-level `namespace`/`kubeContext`, `needs` normalized to
//!    `[kubecontext/][namespace/]name`) and `GetReleasesWithLabels`;
//! 3. `withNeeds`: selection (selectors, `condition`), duplicate IDs, then the DAG twice (the
//!    selection with its needs, then what is `installed`), releases in batch order;
//! 4. the values layers and `--set*` flags of each release to render (`namespaceAndValuesFlags`).
//!
//! The state's `defaultInherit` templates come before each release's own `inherit`; its
//! top-level `chart` replaces every release's chart after selection (helmfile's
//! `PrepareCharts`), so labels and selectors see the release's own.
//!
//! Not reproduced: `secrets` (an error: canon does not run
//! helm-secrets), remote (go-getter) values files, `vals` `ref+` expressions,
//! `--skip-needs=false` without `--include-needs`, the warnings helmfile logs about `needs` on
//! `installed: false` releases, and inline values maps with non-string keys (helmfile fails
//! on them; the loaded YAML no longer tells them apart, and canon writes the keys' text).
//!
//! [`RawRelease`]: crate::spec::RawRelease

mod dag;
mod select;
mod tmpl;
mod typed;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gotmpl::Value;

pub use select::{LabelFilter, condition_enabled, implicit_labels, parse_labels};

use crate::funcs::FuncContext;
use crate::spec::{HelmState, MissingFileHandler, ResolvedRelease};
use typed::Spec;

/// A release that cannot be typed, templated or selected, or a `needs` problem.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{0}")]
    Message(String),
    /// No release of any helmfile matched (helmfile exits 3 with this, not 1).
    #[error(
        "err: no releases found that matches specified selector({selectors}) and environment({env}), in any helmfile"
    )]
    NoMatch { selectors: String, env: String },
    /// A problem of one release, with helmfile's text and where the release (or the values
    /// entry, or the template in a values file) is.
    #[error("{message}")]
    At {
        pos: crate::spec::Pos,
        message: String,
    },
    /// An error of one state file as helmfile reports it (`in ./helmfile.yaml: …`), after
    /// the `file:line:col` it is about when there is one: what `canon render` prints.
    #[error("{}{context}: {inner}", at_prefix(.inner.pos()))]
    InState {
        context: String,
        inner: Box<ReleaseError>,
    },
}

fn at_prefix(pos: Option<&crate::spec::Pos>) -> String {
    pos.map(|p| format!("{p}: ")).unwrap_or_default()
}

impl ReleaseError {
    /// Where the release the error is about is declared (`file:line:col`), if it is about one.
    pub fn pos(&self) -> Option<&crate::spec::Pos> {
        match self {
            ReleaseError::At { pos, .. } => Some(pos),
            ReleaseError::InState { inner, .. } => inner.pos(),
            _ => None,
        }
    }

    /// This error with `state`'s [`HelmState::context`] in front, as helmfile prints it (a
    /// "no release matched" error is about no one state and stays as it is).
    pub fn in_state(self, state: &HelmState) -> ReleaseError {
        match self {
            e @ (ReleaseError::NoMatch { .. } | ReleaseError::InState { .. }) => e,
            e if state.context.is_empty() => e,
            e => ReleaseError::InState {
                context: state.context.clone(),
                inner: Box::new(e),
            },
        }
    }

    /// helmfile's `NoMatchingHelmfileError` for the CLI's selectors and environment: what
    /// `helmfile template` reports when no state file had a matching release.
    pub fn no_match(selectors: &[String], env: &str) -> ReleaseError {
        ReleaseError::NoMatch {
            selectors: selectors.join(", "),
            env: env.to_string(),
        }
    }
}

/// What the command line adds to release resolution.
#[derive(Clone, Debug, Default)]
pub struct ReleaseOptions {
    /// `-l/--selector`, each `k=v,k!=v` (AND within one, OR across several).
    pub selectors: Vec<String>,
    /// `--include-needs`: add the releases selected releases need.
    pub include_needs: bool,
    /// `--include-transitive-needs`.
    pub include_transitive_needs: bool,
}

/// One release of the state after templating, overrides and labels, before selection:
/// what `helmfile list` shows.
#[derive(Clone, Debug)]
pub struct ListedRelease {
    pub name: String,
    pub namespace: String,
    pub kube_context: String,
    /// `condition` holds (helmfile's `enabled`).
    pub enabled: bool,
    /// Not `installed: false`.
    pub installed: bool,
    /// With the implicit `name`, `namespace`, `chart` and `commonLabels`.
    pub labels: BTreeMap<String, String>,
    pub chart: String,
    pub version: String,
    /// `needs`, normalized.
    pub needs: Vec<String>,
}

/// A templated release with what selection needs.
struct Templated {
    spec: Spec,
    labels: BTreeMap<String, String>,
    pos: crate::spec::Pos,
    /// Where each entry of `spec.values` is written, where known (the release's own entries;
    /// those inherited from templates come first and are not placed).
    values_pos: Vec<Option<crate::spec::Pos>>,
    index: usize,
}

fn file_name(state: &HelmState) -> String {
    state
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| state.file.display().to_string())
}

fn helm_default(state: &HelmState, key: &str) -> Option<Value> {
    match &state.helm_defaults {
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned(),
        _ => None,
    }
}

fn helm_default_str(state: &HelmState, key: &str) -> String {
    match helm_default(state, key) {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn helm_default_bool(state: &HelmState, key: &str) -> Option<bool> {
    match helm_default(state, key) {
        Some(Value::Bool(b)) => Some(b),
        _ => None,
    }
}

/// `releaseWithInheritedTemplate`.
fn with_inherited(
    r: &Spec,
    path: &[String],
    templates: &BTreeMap<String, Spec>,
) -> Result<Spec, String> {
    let mut merged = Spec::default();
    for inherit in &r.inherit {
        let name = &inherit.template;
        if name.is_empty() {
            return Ok(r.clone());
        }
        let mut p = path.to_vec();
        p.push(name.clone());
        if path.contains(name) {
            return Err(format!("cyclic inheritance detected: {}", p.join("->")));
        }
        let Some(template) = templates.get(name) else {
            return Err(format!(
                "release {:?} tried to inherit inexistent release template {name:?}",
                r.name
            ));
        };
        let mut src = with_inherited(template, &p, templates)
            .map_err(|e| format!("unable to load release template {name:?}: {e}"))?;
        for k in &inherit.except {
            match k.as_str() {
                "labels" => src.labels = Some(BTreeMap::new()),
                "values" => src.values.clear(),
                "valuesTemplate" => src.values_template.clear(),
                "setTemplate" => src.set_template.clear(),
                "set" => src.set.clear(),
                "setString" => src.set_string.clear(),
                "secrets" => src.secrets.clear(),
                other => {
                    return Err(format!(
                        "{other:?} is not allowed under `inherit`. Allowed values are \"set\", \"setTemplate\", \"values\", \"valuesTemplate\", \"secrets\", and \"labels\""
                    ));
                }
            }
        }
        merged.merge_from(&src);
    }
    merged.merge_from(r);
    merged.inherit.clear();
    Ok(merged)
}

/// `applyDefaultInherit`: the state's default templates first (those the release does not
/// name itself), then the release's own non-blank entries.
fn with_default_inherit(defaults: &[String], own: &[typed::Inherit]) -> Vec<typed::Inherit> {
    if defaults.is_empty() {
        return own.to_vec();
    }
    let own: Vec<typed::Inherit> = own
        .iter()
        .filter(|i| !i.template.trim().is_empty())
        .cloned()
        .collect();
    let mut seen: std::collections::HashSet<String> =
        own.iter().map(|i| i.template.trim().to_string()).collect();
    let mut out = Vec::new();
    for name in defaults {
        let name = name.trim();
        if !name.is_empty() && seen.insert(name.to_string()) {
            out.push(typed::Inherit {
                template: name.to_string(),
                except: Vec::new(),
            });
        }
    }
    out.extend(own);
    out
}

/// `ExecuteTemplates` + `GetReleasesWithOverrides` + `GetReleasesWithLabels` over all releases.
fn execute_templates(state: &HelmState) -> Result<Vec<Templated>, ReleaseError> {
    let file = file_name(state);
    let wrap_at = |pos: &crate::spec::Pos, e: String| ReleaseError::At {
        pos: pos.clone(),
        message: format!("failed executing release templates in \"{file}\": {e}"),
    };
    let mut templates = BTreeMap::new();
    for (name, v) in &state.templates {
        let spec = Spec::from_value(v, 0).map_err(|e| {
            ReleaseError::Message(format!("{}: templates.{name}: {e}", state.file.display()))
        })?;
        templates.insert(name.clone(), spec);
    }
    let ctx = FuncContext {
        base_dir: state.base_dir.clone(),
    };
    let override_ns = state.namespace.clone().unwrap_or_default();
    let src = tmpl::DataSource {
        env: &state.env,
        namespace: &override_ns,
    };
    let default_kube_context = helm_default_str(state, "kubeContext");
    let mut out = Vec::new();
    for (index, raw) in state.releases.iter().enumerate() {
        let wrap = |e: String| wrap_at(&raw.pos, e);
        let mut rt = Spec::from_value(&raw.value, raw.pos.line)
            .map_err(|e| ReleaseError::Message(format!("{}: {e}", raw.pos)))?;
        rt.inherit = with_default_inherit(&state.default_inherit, &rt.inherit);
        let mut release = with_inherited(&rt, &[], &templates).map_err(|e| {
            // Go's `errors.As` digs the cyclic-inheritance error out of its wrapping.
            match e.find("cyclic inheritance detected") {
                Some(at) => wrap(format!(
                    "unable to load release {:?} with template: {}",
                    rt.name,
                    &e[at..]
                )),
                None => wrap(e),
            }
        })?;
        let values_pos = {
            let own = rt.values.len();
            let all = release.values.len();
            if raw.values_pos.len() == own && own <= all {
                let mut p = vec![None; all - own];
                p.extend(raw.values_pos.iter().cloned());
                p
            } else {
                Vec::new()
            }
        };
        if release.kube_context.is_empty() {
            release.kube_context = default_kube_context.clone();
        }
        let labels = release.labels.get_or_insert_with(BTreeMap::new);
        for (k, v) in &state.common_labels {
            labels.insert(k.clone(), v.clone());
        }
        if release.api_versions.is_empty() {
            release.api_versions = state.api_versions.clone();
        }
        if release.kube_version.is_empty() {
            release.kube_version = state.kube_version.clone().unwrap_or_default();
        }
        let mut spec = tmpl::to_fixpoint(&release, &ctx, &src, &file).map_err(wrap)?;
        if spec.chart.is_empty() {
            return Err(wrap(format!(
                "encountered empty chart while reading release {:?}",
                spec.name
            )));
        }
        // GetReleasesWithOverrides
        if let Some(kc) = state.kube_context.as_ref().filter(|s| !s.is_empty()) {
            spec.kube_context = kc.clone();
        }
        if !override_ns.is_empty() {
            spec.namespace = override_ns.clone();
        }
        spec.needs = normalize_needs(&spec);
        // GetReleasesWithLabels
        let labels = implicit_labels(
            &state.common_labels,
            spec.labels.as_ref(),
            &spec.name,
            &spec.namespace,
            &spec.chart,
        );
        out.push(Templated {
            spec,
            labels,
            pos: raw.pos.clone(),
            values_pos,
            index,
        });
    }
    Ok(out)
}

/// `HelmState.reformat`: each need as `[kubecontext/][namespace/]name`, missing parts from the
/// release itself.
fn normalize_needs(spec: &Spec) -> Vec<String> {
    spec.needs
        .iter()
        .map(|n| {
            let c: Vec<&str> = n.split('/').collect();
            let name = c[c.len() - 1];
            let ns = if c.len() > 1 {
                c[c.len() - 2].to_string()
            } else {
                spec.namespace.clone()
            };
            let kc = if c.len() > 2 {
                c[..c.len() - 2].join("/")
            } else {
                spec.kube_context.clone()
            };
            let mut parts = Vec::new();
            if !kc.is_empty() {
                parts.push(kc.clone());
            }
            if !kc.is_empty() || !ns.is_empty() {
                parts.push(ns);
            }
            parts.push(name.to_string());
            parts.join("/")
        })
        .collect()
}

/// `ReleaseToID`: `[kubecontext/][namespace/]name`, `kubecontext//name` without a namespace.
pub fn release_id(kube_context: &str, namespace: &str, name: &str) -> String {
    let mut id = String::new();
    if !kube_context.is_empty() {
        id.push_str(kube_context);
        id.push('/');
    }
    if !namespace.is_empty() {
        id.push_str(namespace);
        id.push('/');
    }
    if !kube_context.is_empty() && namespace.is_empty() {
        id.push('/');
    }
    id.push_str(name);
    id
}

fn spec_id(s: &Spec) -> String {
    release_id(&s.kube_context, &s.namespace, &s.name)
}

/// Every release of `state`, templated, with its labels, `enabled` and `installed`: what
/// `helmfile list` prints (selectors not applied; two releases with one name, namespace and
/// kube context are an error, as there).
pub fn list(state: &HelmState) -> Result<Vec<ListedRelease>, ReleaseError> {
    let all = execute_templates(state)?;
    check_duplicates(&(0..all.len()).collect::<Vec<_>>(), &all)?;
    all.into_iter()
        .map(|t| {
            let enabled = condition_enabled(&t.spec.condition, &state.env.values)
                .map_err(ReleaseError::Message)?;
            Ok(ListedRelease {
                name: t.spec.name.clone(),
                namespace: t.spec.namespace.clone(),
                kube_context: t.spec.kube_context.clone(),
                enabled,
                installed: t.spec.desired(),
                labels: t.labels,
                chart: t.spec.chart.clone(),
                version: t.spec.version.clone(),
                needs: t.spec.needs.clone(),
            })
        })
        .collect()
}

/// The releases of `state` that `opts` selects (with the needs `--include-needs` adds),
/// resolved, in the order `helmfile template` renders them: the `needs` batches in turn, each
/// in file order (file order when there are no `needs`). See [`resolve_state`] to tell "nothing
/// matched" from "only `installed: false` releases matched".
pub fn resolve(
    state: &HelmState,
    opts: &ReleaseOptions,
) -> Result<Vec<ResolvedRelease>, ReleaseError> {
    resolve_state(state, opts).map(|r| r.releases)
}

/// What [`resolve_state`] finds in one state file.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// The releases to render, as [`resolve`] returns them.
    pub releases: Vec<ResolvedRelease>,
    /// Some release matched the selectors (and its `condition`), even if none is to be
    /// rendered (all `installed: false`): helmfile then exits 0 without output. When no state
    /// file matched, the caller reports [`ReleaseError::no_match`] (helmfile exits 3).
    pub matched: bool,
    /// What helmfile logs as warnings meanwhile (skipped missing values files).
    pub warnings: Vec<String>,
}

/// [`resolve`], with whether anything matched and the warnings helmfile would log.
pub fn resolve_state(state: &HelmState, opts: &ReleaseOptions) -> Result<Resolution, ReleaseError> {
    let mut warnings = Vec::new();
    let (releases, matched) = resolve_inner(state, opts, &mut warnings)?;
    Ok(Resolution {
        releases,
        matched,
        warnings,
    })
}

fn resolve_inner(
    state: &HelmState,
    opts: &ReleaseOptions,
    warnings: &mut Vec<String>,
) -> Result<(Vec<ResolvedRelease>, bool), ReleaseError> {
    let all = execute_templates(state)?;
    let msg = ReleaseError::Message;

    // markExcludedReleases (its errors surface through helmfile's chart preparation, which
    // prints the error list in brackets).
    let mut filters = Vec::new();
    for s in &opts.selectors {
        filters.push(parse_labels(s).map_err(|e| msg(format!("[{e}]")))?);
    }
    let mut filtered = Vec::with_capacity(all.len());
    for t in &all {
        let matched = filters.iter().any(|f| f.matches(&t.labels));
        let cond = condition_enabled(&t.spec.condition, &state.env.values).map_err(|e| {
            ReleaseError::At {
                pos: t.pos.clone(),
                message: format!(
                    "[failed to parse condition in release {}: {e}]",
                    t.spec.name
                ),
            }
        })?;
        filtered.push((!filters.is_empty() && !matched) || !cond);
    }

    // getSelectedReleases: duplicates among the selected, then one release per ID.
    let ids: Vec<String> = all.iter().map(|t| spec_id(&t.spec)).collect();
    let mut selected_counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut selected_idx: BTreeMap<&str, usize> = BTreeMap::new();
    let mut selected: Vec<usize> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if filtered[i] {
            continue;
        }
        selected.push(i);
        let c = selected_counts.entry(id).or_default();
        *c += 1;
        if *c > 1 {
            return Err(msg(format!("found {c} duplicate releases with ID {id:?}")));
        }
        selected_idx.insert(id, i);
    }
    let mut group_sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &ids {
        *group_sizes.entry(id).or_default() += 1;
    }
    let mut deduplicated: Vec<usize> = Vec::new();
    let mut deduped_before = std::collections::BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if group_sizes[id.as_str()] == 1 {
            deduplicated.push(i);
            continue;
        }
        if deduped_before.contains(id.as_str()) {
            continue;
        }
        if let Some(&s) = selected_idx.get(id.as_str()) {
            deduplicated.push(s);
            deduped_before.insert(id.as_str());
        }
    }
    check_duplicates(&deduplicated, &all)?;
    if selected.is_empty() {
        return Ok((Vec::new(), false));
    }

    // withNeeds: plan the selection, keep what is installed, plan that again.
    let include_needs = opts.include_needs || opts.include_transitive_needs;
    let sort = dag::SortOptions {
        with_dependencies: include_needs,
        without_dependencies: !include_needs,
    };
    let nodes: Vec<dag::Node> = deduplicated
        .iter()
        .map(|&i| dag::Node {
            id: ids[i].clone(),
            needs: all[i].spec.needs.clone(),
        })
        .collect();
    let only: Vec<String> = selected.iter().map(|&i| ids[i].clone()).collect();
    // A cycle is placed at the first release it names.
    let dag_error = |e: String| {
        let first = e
            .strip_prefix("cycle detected: ")
            .and_then(|r| r.split(" -> ").next());
        match first.and_then(|id| ids.iter().position(|x| x == id)) {
            Some(i) => ReleaseError::At {
                pos: all[i].pos.clone(),
                message: e,
            },
            None => ReleaseError::Message(e),
        }
    };
    let batches = dag::group(&nodes, Some(&only), sort).map_err(dag_error)?;
    let to_render: Vec<String> = batches
        .iter()
        .flatten()
        .map(|&n| deduplicated[n])
        .filter(|&i| all[i].spec.desired())
        .map(|i| ids[i].clone())
        .collect();
    if to_render.is_empty() {
        return Ok((Vec::new(), true));
    }
    let batches = dag::group(&nodes, Some(&to_render), sort).map_err(dag_error)?;

    let mfh_state = match state.missing_file_handler {
        MissingFileHandler::Error => "Error",
        MissingFileHandler::Warn => "Warn",
        MissingFileHandler::Info => "Info",
        MissingFileHandler::Debug => "Debug",
    };
    let override_ns = state.namespace.clone().unwrap_or_default();
    let src = tmpl::DataSource {
        env: &state.env,
        namespace: &override_ns,
    };
    let devel_default = helm_default_bool(state, "devel").unwrap_or(false);
    let skip_schema_default = helm_default_bool(state, "skipSchemaValidation").unwrap_or(false);
    let enable_dns_default = helm_default_bool(state, "enableDNS").unwrap_or(false);
    let plain_http_default = helm_default_bool(state, "plainHttp").unwrap_or(false);
    let insecure_default = helm_default_bool(state, "insecureSkipTLSVerify").unwrap_or(false);
    let base_display = if state.file.parent() == Some(state.base_dir.as_path()) {
        ".".to_string()
    } else {
        state.base_dir.display().to_string()
    };
    let mut out = Vec::new();
    for &n in batches.iter().flatten() {
        let t = &all[deduplicated[n]];
        // TemplateReleases skips what is not installed (included only as someone's need).
        if !t.spec.desired() {
            continue;
        }
        let spec = &t.spec;
        let data = tmpl::data(&src, spec);
        let mut inputs = values::Inputs {
            base_dir: &state.base_dir,
            base_display: base_display.clone(),
            missing_file_handler: spec
                .missing_file_handler
                .as_ref()
                .map(|m| m.borrow().clone())
                .unwrap_or_else(|| mfh_state.to_string()),
            data: &data,
            warnings,
        };
        let at = |message: String| ReleaseError::At {
            pos: t.pos.clone(),
            message,
        };
        let layers =
            values::layers(spec, &format!("releases[{}]", t.index), &mut inputs).map_err(|e| {
                let entry = e.entry.and_then(|i| t.values_pos.get(i).cloned().flatten());
                ReleaseError::At {
                    pos: e.at.or(entry).unwrap_or_else(|| t.pos.clone()),
                    message: e.message,
                }
            })?;
        let set = values::set_flags(spec, &state.base_dir).map_err(|e| {
            at(format!(
                "Failed to render set value entry in {} for release {}: {e}",
                file_name(state),
                spec.name
            ))
        })?;
        let version = spec
            .version
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let devel = spec
            .devel
            .as_ref()
            .map(|d| *d.borrow())
            .unwrap_or(devel_default);
        let (chart, own_chart) = match state.chart.as_ref().filter(|c| !c.is_empty()) {
            Some(c) => (c.clone(), spec.chart.clone()),
            None => (spec.chart.clone(), String::new()),
        };
        out.push(ResolvedRelease {
            name: spec.name.clone(),
            namespace: spec.namespace.clone(),
            chart,
            own_chart,
            version: (!version.is_empty()).then_some(version),
            base_dir: state.base_dir.clone(),
            labels: t.labels.clone(),
            needs: spec.needs.clone(),
            values: layers,
            set,
            // `getKubeContext`: the release's (already defaulted from `helmDefaults`), else
            // the environment's.
            kube_context: if spec.kube_context.is_empty() {
                state.env.kube_context.clone()
            } else {
                spec.kube_context.clone()
            },
            kube_version: (!spec.kube_version.is_empty()).then(|| spec.kube_version.clone()),
            api_versions: spec.api_versions.clone(),
            // `shouldSkipSchemaValidation`: the release's `true`, else the default's `true`
            // (a release's `false` does not turn the default off).
            skip_schema_validation: spec
                .skip_schema_validation
                .as_ref()
                .is_some_and(|b| *b.borrow())
                || skip_schema_default,
            enable_dns: spec
                .enable_dns
                .as_ref()
                .map(|b| *b.borrow())
                .unwrap_or(enable_dns_default),
            id: ids[deduplicated[n]].clone(),
            devel,
            // `appendChartDownloadFlags`: `--plain-http`, else `--insecure-skip-tls-verify`.
            plain_http: spec.plain_http || plain_http_default,
            insecure_skip_tls_verify: !(spec.plain_http || plain_http_default)
                && (spec.insecure_skip_tls_verify || insecure_default),
            pos: t.pos.clone(),
        });
    }
    Ok((out, true))
}

/// `checkDuplicates`: two releases with one name, namespace and kube context.
fn check_duplicates(idx: &[usize], all: &[Templated]) -> Result<(), ReleaseError> {
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for &i in idx {
        let s = &all[i].spec;
        *counts
            .entry((&s.namespace, &s.name, &s.kube_context))
            .or_default() += 1;
    }
    for ((ns, name, kc), c) in counts {
        if c > 1 {
            let mut m = String::new();
            if !ns.is_empty() {
                m.push_str(&format!(" in namespace {ns:?}"));
            }
            if !kc.is_empty() {
                m.push_str(&format!(" in kubecontext {kc:?}"));
            }
            return Err(ReleaseError::Message(format!(
                "duplicate release {name:?} found{m}: there were {c} releases named \"{name}\" matching specified selector"
            )));
        }
    }
    Ok(())
}

/// Batches of indexes into `releases` in the order helmfile processes them (`needs` first),
/// each batch in the order of `releases`. Needs naming a release outside `releases` (skipped
/// with `--skip-needs`, or not installed) are ignored: [`resolve`] already checked them.
pub fn plan(releases: &[ResolvedRelease]) -> Result<Vec<Vec<usize>>, ReleaseError> {
    // Releases built by hand (tests) may leave `id` empty: derive it as helmfile would.
    let ids: Vec<String> = releases
        .iter()
        .map(|r| {
            if r.id.is_empty() {
                release_id(&r.kube_context, &r.namespace, &r.name)
            } else {
                r.id.clone()
            }
        })
        .collect();
    let nodes: Vec<dag::Node> = releases
        .iter()
        .zip(&ids)
        .map(|(r, id)| dag::Node {
            id: id.clone(),
            needs: r
                .needs
                .iter()
                .filter(|n| ids.contains(n))
                .cloned()
                .collect(),
        })
        .collect();
    dag::group(&nodes, None, dag::SortOptions::default()).map_err(ReleaseError::Message)
}

/// The chart directory `helm template` is given for a local chart (helmfile's
/// `normalizeChart` when that directory exists), `None` for a repository or OCI chart.
pub fn local_chart_dir(base_dir: &Path, chart: &str) -> Option<PathBuf> {
    if !is_local_chart(chart) {
        return None;
    }
    let p = if Path::new(chart).is_absolute() {
        PathBuf::from(chart)
    } else {
        values::clean_join(base_dir, chart)
    };
    p.is_dir().then_some(p)
}

/// helmfile's `isLocalChart`.
fn is_local_chart(chart: &str) -> bool {
    if chart.starts_with("./") || chart.starts_with("../") {
        return true;
    }
    if chart.contains("://") {
        return false;
    }
    let n = chart.split('/').count();
    chart.is_empty() || Path::new(chart).is_absolute() || !chart.contains('/') || (n != 2 && n != 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_ids_like_helmfile() {
        assert_eq!(release_id("", "", "a"), "a");
        assert_eq!(release_id("", "ns", "a"), "ns/a");
        assert_eq!(release_id("kc", "", "a"), "kc//a");
        assert_eq!(release_id("kc", "ns", "a"), "kc/ns/a");
    }

    #[test]
    fn needs_take_missing_parts_from_the_release() {
        let s = Spec {
            namespace: "ns".into(),
            needs: vec!["a".into(), "other/b".into(), "kc/x/c".into()],
            ..Spec::default()
        };
        assert_eq!(normalize_needs(&s), ["ns/a", "other/b", "kc/x/c"]);
        let s = Spec {
            kube_context: "kc".into(),
            needs: vec!["a".into()],
            ..Spec::default()
        };
        assert_eq!(normalize_needs(&s), ["kc//a"]);
    }

    #[test]
    fn plan_orders_by_needs_and_ignores_needs_outside() {
        let r = |name: &str, ns: &str, needs: &[&str]| ResolvedRelease {
            name: name.into(),
            namespace: ns.into(),
            needs: needs.iter().map(|s| s.to_string()).collect(),
            ..ResolvedRelease::default()
        };
        let rs = [
            r("b", "", &["x/a"]),
            r("a", "x", &[]),
            r("c", "", &["gone"]),
        ];
        assert_eq!(plan(&rs).expect("acyclic"), vec![vec![1, 2], vec![0]]);
        let cyc = [r("a", "", &["b"]), r("b", "", &["a"])];
        assert_eq!(
            plan(&cyc).unwrap_err().to_string(),
            "cycle detected: a -> b -> a"
        );
    }

    #[test]
    fn local_charts_like_helmfile() {
        assert!(is_local_chart("./chart"));
        assert!(is_local_chart("chart"));
        assert!(!is_local_chart("repo/chart"));
        assert!(!is_local_chart("oci://r/c"));
        assert!(is_local_chart("a/b/c/d"));
    }
}
