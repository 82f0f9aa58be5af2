//! The release DAG (`github.com/variantdev/dag` as helmfile's `GroupReleasesByDependency` uses
//! it): nodes are release IDs, `needs` are edges; releases are grouped by depth, a selection
//! (`Only`) pulls in or rejects what it needs, cycles and undefined needs are errors with
//! helmfile's texts.
//!
//! Go walks some maps in random order here (which cycle path is printed when several nodes
//! have edges left, which undefined need is reported first); canon takes the sorted order.

use std::collections::{BTreeMap, BTreeSet};

/// One node to plan: its ID and the IDs it needs.
pub(crate) struct Node {
    pub id: String,
    pub needs: Vec<String>,
}

/// `PlanOptions` that matter to the DAG.
#[derive(Clone, Copy, Default)]
pub(crate) struct SortOptions {
    pub with_dependencies: bool,
    pub without_dependencies: bool,
}

/// `GroupReleasesByDependency`: batches of indexes into `nodes`, each batch in definition order.
/// `only` are the selected IDs (`None`: every node).
pub(crate) fn group(
    nodes: &[Node],
    only: Option<&[String]>,
    opts: SortOptions,
) -> Result<Vec<Vec<usize>>, String> {
    // idToReleases / idToIndex (the last index of an ID wins for ordering).
    let mut id_to_indexes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut id_to_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    // outputs[dep] = dependents; num_inputs[node] = number of needs.
    let mut outputs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut num_inputs: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        id_to_indexes.entry(&n.id).or_default().push(i);
        id_to_index.insert(&n.id, i);
        if !num_inputs.contains_key(n.id.as_str()) && !order.contains(&n.id.as_str()) {
            order.push(&n.id);
            outputs.entry(&n.id).or_default();
        }
        for d in &n.needs {
            outputs.entry(d).or_default().insert(&n.id);
            *num_inputs.entry(&n.id).or_default() += 1;
        }
    }
    let defined: BTreeSet<&str> = order.iter().copied().collect();
    for (dep, dependents) in &outputs {
        if !defined.contains(dep) {
            let ids: Vec<String> = dependents.iter().map(|d| format!("{d:?}")).collect();
            let name = dep.rsplit('/').next().unwrap_or_default();
            return Err(format!(
                "release(s) {} depend(s) on an undefined release {dep:?}. Perhaps you made a typo in \"needs\" or forgot defining a release named {name:?} with appropriate \"namespace\" and \"kubeContext\"?",
                ids.join(", ")
            ));
        }
    }
    let all_outputs = outputs.clone();
    let mut inputs = num_inputs.clone();
    let mut sorted_sets: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = order
        .iter()
        .copied()
        .filter(|n| inputs.get(n).copied().unwrap_or(0) == 0)
        .collect();
    let mut next: Vec<&str> = Vec::new();
    let mut depth = 0;
    while !current.is_empty() {
        let n = current.remove(0);
        if sorted_sets.len() <= depth {
            sorted_sets.resize(depth + 1, Vec::new());
        }
        sorted_sets[depth].push(n);
        let ms: Vec<&str> = outputs
            .get(n)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for m in ms {
            if let Some(o) = outputs.get_mut(n) {
                o.remove(m);
            }
            let c = inputs.entry(m).or_default();
            *c = c.saturating_sub(1);
            if *c == 0 {
                next.push(m);
            }
        }
        if current.is_empty() {
            current = std::mem::take(&mut next);
            depth += 1;
        }
    }
    if inputs.values().any(|&v| v > 0) {
        let mut invalid: Vec<&str> = inputs
            .iter()
            .filter(|(_, v)| **v > 0)
            .map(|(k, _)| *k)
            .collect();
        invalid.sort();
        let start = invalid
            .iter()
            .copied()
            .find(|id| outputs.get(id).is_some_and(|o| !o.is_empty()));
        let Some(mut cur) = start else {
            return Err(format!(
                "invalid state: no nodes have remaining edges: nodes={invalid:?}"
            ));
        };
        let mut seen = BTreeSet::new();
        let mut path = Vec::new();
        while seen.insert(cur) {
            path.push(cur);
            if let Some(k) = outputs.get(cur).and_then(|o| o.iter().next()) {
                cur = k;
            }
        }
        path.push(cur);
        return Err(format!("cycle detected: {}", path.join(" -> ")));
    }

    let mut only_set: Option<BTreeSet<String>> =
        only.map(|o| o.iter().cloned().collect::<BTreeSet<_>>());
    let mut result: Vec<Vec<&str>> = vec![Vec::new(); sorted_sets.len()];
    for k in (0..sorted_sets.len()).rev() {
        let mut included: Vec<&str> = Vec::new();
        for &node in &sorted_sets[k] {
            let Some(only) = only_set.as_mut() else {
                included.push(node);
                continue;
            };
            if only.contains(node) {
                included.push(node);
                continue;
            }
            if opts.without_dependencies {
                continue;
            }
            let dependents: Vec<&str> = all_outputs
                .get(node)
                .map(|o| o.iter().copied().filter(|t| only.contains(*t)).collect())
                .unwrap_or_default();
            if !dependents.is_empty() {
                if !opts.with_dependencies {
                    return Err(unhandled(node, &dependents));
                }
                only.insert(node.to_string());
                included.push(node);
            }
        }
        included.sort();
        result[k] = included;
    }
    Ok(result
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|mut g| {
            g.sort_by_key(|id| id_to_index.get(id).copied().unwrap_or(0));
            g.iter()
                .flat_map(|id| id_to_indexes.get(id).cloned().unwrap_or_default())
                .collect()
        })
        .collect())
}

/// helmfile's message for `dag.UnhandledDependencyError`.
fn unhandled(id: &str, dependents: &[&str]) -> String {
    let ds: Vec<String> = dependents.iter().map(|d| format!("{d:?}")).collect();
    let humanized = if ds.len() < 3 {
        ds.join(" and ")
    } else {
        format!(
            "{}, and {}",
            ds[..ds.len() - 1].join(", "),
            ds[ds.len() - 1]
        )
    };
    let verb = if ds.len() == 1 { "depends" } else { "depend" };
    let name = id.rsplit('/').next().unwrap_or_default();
    format!(
        "release {humanized} {verb} on {id:?} which does not match the selectors. Please add a selector like \"--selector name={name}\", or indicate whether to skip (--skip-needs) or include (--include-needs) these dependencies"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(id: &str, needs: &[&str]) -> Node {
        Node {
            id: id.into(),
            needs: needs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn groups_by_depth_in_definition_order() {
        let nodes = [n("c", &["a"]), n("b", &[]), n("a", &[])];
        let g = group(&nodes, None, SortOptions::default()).expect("acyclic");
        assert_eq!(g, vec![vec![1, 2], vec![0]]);
    }

    #[test]
    fn cycles_and_undefined_needs_are_errors() {
        let e = group(
            &[n("a", &["b"]), n("b", &["a"])],
            None,
            SortOptions::default(),
        );
        assert_eq!(e.unwrap_err(), "cycle detected: a -> b -> a");
        let e = group(&[n("a", &["b"])], None, SortOptions::default()).unwrap_err();
        assert!(e.starts_with("release(s) \"a\" depend(s) on an undefined release \"b\"."));
    }

    #[test]
    fn selection_rejects_skips_or_includes_needs() {
        let nodes = [n("a", &[]), n("b", &["a"]), n("c", &["b"])];
        let only = ["c".to_string()];
        let e = group(&nodes, Some(&only), SortOptions::default()).unwrap_err();
        assert!(e.starts_with("release \"c\" depends on \"b\" which does not match"));
        let skip = SortOptions {
            without_dependencies: true,
            ..Default::default()
        };
        assert_eq!(group(&nodes, Some(&only), skip).expect("ok"), vec![vec![2]]);
        let with = SortOptions {
            with_dependencies: true,
            ..Default::default()
        };
        assert_eq!(
            group(&nodes, Some(&only), with).expect("ok"),
            vec![vec![0], vec![1], vec![2]]
        );
    }
}
