//! Dependency processing before rendering (helm's `ProcessDependenciesWithMerge`): conditions
//! and tags drop disabled subcharts, aliases rename, `import-values` pull child values up.
//!
//! A port of helm's `chart/v2/util/dependencies.go` (v4 `ProcessDependencies`, v3
//! `ProcessDependenciesWithMerge`: both import values in merge mode, nulls kept). Charts are
//! values here, copied where Go copies them; where Go shares structs between copies and the
//! sharing shows, the sharing is modelled: helm v3's shared `dependencies:` entries of a chart
//! aliased twice (see [`Renamed`]). Not modelled: helm v4 shares the metadata of a copied
//! chart's subcharts that are not listed in its Chart.yaml, which shows only for such an
//! unlisted subchart with aliased dependencies of its own under a chart aliased twice.

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::{Chart, Dependency};
use crate::values::{self, ValuesError, get, go_fmt_v, table, warn};

/// Processes `chart`'s dependencies in place against the user values `vals`, as helm's install
/// action does (its errors carry helm v4's `chart dependencies processing failed: ` prefix).
pub fn process_dependencies(
    chart: &mut Chart,
    vals: &Value,
    compat: HelmVersion,
) -> Result<(), ValuesError> {
    process_dependencies_logged(chart, vals, compat, &mut |_| {})
}

/// [`process_dependencies`], handing helm's log warnings (non-bool conditions and tags, missing
/// import tables) to `warn`; helm writes them to stderr.
pub fn process_dependencies_logged(
    chart: &mut Chart,
    vals: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<(), ValuesError> {
    let r = process_enabled(chart, vals, "", compat, warn)
        .and_then(|()| process_import_values_tree(chart, compat, warn));
    match (r, compat) {
        // helm v4's install action wraps the error; v3's returns it as is.
        (Err(ValuesError::Message(m)), HelmVersion::V4) => Err(ValuesError::Message(format!(
            "chart dependencies processing failed: {m}"
        ))),
        (r, _) => r,
    }
}

/// helm's `IsCompatibleRange(constraint, version)`.
fn is_compatible_range(constraint: &str, version: &str) -> bool {
    sprig::semver_compare(constraint, version).unwrap_or(false)
}

/// `getAliasDependency`: the first chart matching `dep` by name and version range (its index;
/// the caller makes the copy, renamed to the alias).
fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<usize> {
    charts.iter().position(|c| {
        c.name() == dep.name && is_compatible_range(&dep.version, &c.metadata.version)
    })
}

/// The charts whose `dependencies:` entries helm v3 has already renamed to their aliases, by
/// their place in the loaded tree (`/i/j`: the j-th subchart of the i-th subchart).
///
/// helm v3 copies an aliased chart's metadata shallowly, so every copy of one loaded chart
/// shares its `Dependency` structs: once one copy has been processed (renaming the entries to
/// their aliases), the next copy no longer finds its subcharts by name and keeps them,
/// unaliased, as charts not listed in Chart.yaml. v4 copies the entries, so each copy starts
/// afresh.
type Renamed = std::collections::HashSet<String>;

/// `processDependencyEnabled`.
fn process_enabled(
    c: &mut Chart,
    v: &Value,
    path: &str,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<(), ValuesError> {
    process_enabled_at(c, v, path, "", &mut Renamed::new(), compat, warn)
}

fn process_enabled_at(
    c: &mut Chart,
    v: &Value,
    path: &str,
    origin: &str,
    renamed: &mut Renamed,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<(), ValuesError> {
    // Go tests `Metadata.Dependencies == nil`; an empty list reads the same here.
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    if compat == HelmVersion::V3 && !renamed.insert(origin.to_string()) {
        for req in &mut c.metadata.dependencies {
            if !req.alias.is_empty() {
                req.name = req.alias.clone();
            }
        }
    }
    // Each subchart (its index among the loaded ones, its alias) with its place in the tree.
    let mut picks: Vec<(usize, Option<String>)> = Vec::new();
    for (i, existing) in c.dependencies.iter().enumerate() {
        let listed = c.metadata.dependencies.iter().any(|req| {
            existing.name() == req.name
                && is_compatible_range(&req.version, &existing.metadata.version)
        });
        if !listed {
            picks.push((i, None));
        }
    }
    for req in &mut c.metadata.dependencies {
        if let Some(i) = alias_dependency(&c.dependencies, req) {
            picks.push((i, Some(req.alias.clone()).filter(|a| !a.is_empty())));
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    // helm copies each picked chart; a deep copy of a subchart tree is costly, so a loaded chart
    // picked once is moved and only one picked again (several aliases) is cloned.
    let mut uses = vec![0usize; c.dependencies.len()];
    for (i, _) in &picks {
        uses[*i] += 1;
    }
    let mut loaded: Vec<Option<Chart>> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .map(Some)
        .collect();
    let mut chart_deps: Vec<(Chart, String)> = Vec::with_capacity(picks.len());
    for (i, alias) in picks {
        uses[i] -= 1;
        let slot = &mut loaded[i];
        let mut cd = if uses[i] == 0 {
            slot.take()
        } else {
            slot.clone()
        }
        .expect("a loaded chart is taken at its last use only");
        if let Some(alias) = alias {
            cd.metadata.name = alias;
        }
        chart_deps.push((cd, format!("{origin}/{i}")));
    }
    let origins: Vec<String> = chart_deps.iter().map(|(_, o)| o.clone()).collect();
    c.dependencies = chart_deps.into_iter().map(|(c, _)| c).collect();
    for req in &mut c.metadata.dependencies {
        req.enabled = true;
    }
    let cvals = values::coalesce_values_logged(c, v, compat, warn)?;
    process_tags(&mut c.metadata.dependencies, &cvals, compat, warn);
    process_conditions(&mut c.metadata.dependencies, &cvals, path, compat, warn);
    let rm: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let mut cd: Vec<(Chart, String)> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .zip(origins)
        .filter(|(n, _)| !rm.contains(&n.metadata.name))
        .collect();
    let cd_metadata: Vec<Dependency> = std::mem::take(&mut c.metadata.dependencies)
        .into_iter()
        .filter(|n| !rm.contains(&n.name))
        .collect();
    for (t, o) in &mut cd {
        let subpath = format!("{path}{}.", t.metadata.name);
        process_enabled_at(t, &cvals, &subpath, o, renamed, compat, warn)?;
    }
    c.metadata.dependencies = cd_metadata;
    c.dependencies = cd.into_iter().map(|(c, _)| c).collect();
    Ok(())
}

/// `Values.PathValue`: a non-table value at a dotted path.
fn path_value(v: &Value, path: &str) -> Option<Value> {
    let parts: Vec<&str> = path.split('.').collect();
    let (key, tables) = parts.split_last()?;
    let mut cur = v.clone();
    for t in tables {
        let next = table(&cur).and_then(|m| get(m, t))?;
        table(&next)?;
        cur = next;
    }
    let val = get(table(&cur)?, key)?;
    if table(&val).is_some() {
        return None;
    }
    Some(val)
}

fn process_conditions(
    reqs: &mut [Dependency],
    cvals: &Value,
    cpath: &str,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{cpath}{c}")) {
                Some(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Some(_) => warn(match compat {
                    HelmVersion::V4 => warn::slog_warn(
                        "returned non-bool value",
                        &[("path", c), ("chart", &r.name)],
                    ),
                    HelmVersion::V3 => warn::logf(
                        compat,
                        "dependencies.go:64",
                        &format!(
                            "Warning: Condition path '{c}' for chart {} returned non-bool value",
                            r.name
                        ),
                    ),
                }),
                None => {}
            }
        }
    }
}

fn process_tags(
    reqs: &mut [Dependency],
    cvals: &Value,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) {
    let Some(vt) = table(cvals)
        .and_then(|m| get(m, "tags"))
        .filter(|t| table(t).is_some())
    else {
        return;
    };
    let vt = table(&vt).expect("checked to be a table").clone();
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match get(&vt, k) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warn(match compat {
                    HelmVersion::V4 => warn::slog_warn(
                        "returned non-bool value",
                        &[("tag", k), ("chart", &r.name)],
                    ),
                    HelmVersion::V3 => warn::logf(
                        compat,
                        "dependencies.go:95",
                        &format!(
                            "Warning: Tag '{k}' for chart {} returned non-bool value",
                            r.name
                        ),
                    ),
                }),
                None => {}
            }
        }
        // helm: disabled only when some tag is false and none is true.
        r.enabled = has_true || !has_false;
    }
}

/// `processDependencyImportValues`: children first, then the chart itself.
fn process_import_values_tree(
    c: &mut Chart,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<(), ValuesError> {
    for d in &mut c.dependencies {
        process_import_values_tree(d, compat, warn)?;
    }
    process_import_values(c, compat, warn)
}

/// `Values.Table(path)`, or the first path element that is missing or not a table.
fn table_at(v: &Value, path: &str) -> Result<Value, String> {
    let mut cur = v.clone();
    for n in path.split('.') {
        match table(&cur).and_then(|m| get(m, n)) {
            Some(next) if table(&next).is_some() => cur = next,
            _ => return Err(n.to_string()),
        }
    }
    Ok(cur)
}

/// `pathToMap(path, data)`.
fn path_to_map(path: &str, data: Value) -> Value {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for p in path.split('.').rev() {
        cur = values::map_of(vec![(p.to_string(), cur)]);
    }
    cur
}

/// `processImportValues(c, merge=true)`.
fn process_import_values(
    c: &mut Chart,
    compat: HelmVersion,
    warn: &mut dyn FnMut(String),
) -> Result<(), ValuesError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = values::merge_chart_values(c, &Value::Nil, compat, warn)?;
    let mut b = values::map_of(Vec::new());
    for r in &mut c.metadata.dependencies {
        let mut outiv = Vec::new();
        for riv in &r.import_values {
            let (child, parent) = match riv {
                Value::Map(m) => {
                    let field = |k: &str| go_fmt_v(&get(m, k).unwrap_or(Value::Nil));
                    (field("child"), field("parent"))
                }
                Value::String(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            outiv.push(values::map_of(vec![
                ("child".to_string(), Value::string(&child)),
                ("parent".to_string(), Value::string(&parent)),
            ]));
            let Some(vv) = table_at(&cvals, &format!("{}.{child}", r.name))
                .map_err(|missing| {
                    let err = warn::no_table(&missing);
                    warn(match (compat, matches!(riv, Value::Map(_))) {
                        (HelmVersion::V4, true) => warn::slog_warn(
                            "ImportValues missing table from chart",
                            &[("chart", &r.name), ("error", &err)],
                        ),
                        (HelmVersion::V4, false) => {
                            warn::slog_warn("ImportValues missing table", &[("error", &err)])
                        }
                        (HelmVersion::V3, true) => warn::logf(
                            compat,
                            "dependencies.go:270",
                            &format!(
                                "Warning: ImportValues missing table from chart {}: {err}",
                                r.name
                            ),
                        ),
                        (HelmVersion::V3, false) => warn::logf(
                            compat,
                            "dependencies.go:287",
                            &format!("Warning: ImportValues missing table: {err}"),
                        ),
                    })
                })
                .ok()
            else {
                continue;
            };
            let src = if matches!(riv, Value::Map(_)) {
                path_to_map(&parent, vv)
            } else {
                vv
            };
            b = values::merge_tables(&b, &src, compat, warn);
        }
        r.import_values = outiv;
    }
    let cvals = values::deep_copy(&cvals);
    c.values = values::merge_tables(&cvals, &b, compat, warn);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_value_skips_tables() {
        let v = goyaml::read_values("a:\n  b: true\n  c: {d: 1}\n").unwrap();
        assert!(matches!(path_value(&v, "a.b"), Some(Value::Bool(true))));
        assert!(path_value(&v, "a.c").is_none());
        assert!(path_value(&v, "a.x").is_none());
        assert!(path_value(&v, "a").is_none());
    }
}
