//! Labels, selectors and conditions (helmfile's `release_filters.go`, `GetReleasesWithLabels`,
//! `ConditionEnabled`, `markExcludedReleases`).

use std::collections::BTreeMap;

use gotmpl::Value;

/// One `-l` selector: all of its `k=v` must hold and none of its `k!=v` (a missing key
/// satisfies `k!=v`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelFilter {
    pub positive: Vec<(String, String)>,
    pub negative: Vec<(String, String)>,
}

fn label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '+' | '-')
}

fn word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(label_char)
}

/// `ParseLabels`: `k=v,k!=v`, each key and value of `[a-zA-Z0-9_./+-]+`.
pub fn parse_labels(l: &str) -> Result<LabelFilter, String> {
    let mut f = LabelFilter::default();
    for label in l.split(',') {
        if let Some((k, v)) = label.split_once("!=")
            && word(k)
            && word(v)
        {
            f.negative.push((k.to_string(), v.to_string()));
        } else if let Some((k, v)) = label.split_once('=')
            && word(k)
            && word(v)
        {
            f.positive.push((k.to_string(), v.to_string()));
        } else {
            return Err(format!(
                "malformed label: {label}. Expected label in form k=v or k!=v"
            ));
        }
    }
    Ok(f)
}

impl LabelFilter {
    /// `LabelFilter.Match`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.positive
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|x| x == v))
            && self
                .negative
                .iter()
                .all(|(k, v)| labels.get(k).is_none_or(|x| x != v))
    }
}

/// The labels selectors see (`GetReleasesWithLabels`): `commonLabels`, the release's own, then
/// `name`, `namespace` and `chart` (the chart's last path element).
pub fn implicit_labels(
    common: &BTreeMap<String, String>,
    own: Option<&BTreeMap<String, String>>,
    name: &str,
    namespace: &str,
    chart: &str,
) -> BTreeMap<String, String> {
    let mut labels = common.clone();
    if let Some(own) = own {
        labels.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    labels.insert("name".into(), name.into());
    labels.insert("namespace".into(), namespace.into());
    let last = chart.rsplit('/').next().unwrap_or_default();
    labels.insert("chart".into(), last.into());
    labels
}

/// `ConditionEnabled`: `true`/`false`, or `a.b.enabled` looked up in the environment values.
pub fn condition_enabled(condition: &str, values: &Value) -> Result<bool, String> {
    if condition.is_empty() {
        return Ok(true);
    }
    match condition.to_lowercase().as_str() {
        "true" => return Ok(true),
        "false" => return Ok(false),
        _ => {}
    }
    let keys: Vec<&str> = condition.split('.').collect();
    if keys.last() != Some(&"enabled") {
        return Err("Condition value must be in the form 'foo.enabled' where 'foo' can be modified as necessary".into());
    }
    let mut cur = values.clone();
    let mut current_key = String::new();
    for key in &keys[..keys.len() - 1] {
        current_key = format!("{current_key}.{key}");
        let next = match &cur {
            Value::Map(m) => m
                .entries
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(*key)
                .cloned(),
            _ => None,
        };
        let Some(next) = next else {
            return Err(format!(
                "environment values field '{current_key}' not found"
            ));
        };
        if !matches!(next, Value::Map(_)) {
            return Err(format!(
                "environment values field '{current_key}' is not a map"
            ));
        }
        cur = next;
    }
    let enabled = match &cur {
        Value::Map(m) => m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get("enabled")
            .cloned(),
        _ => None,
    };
    Ok(matches!(enabled, Some(Value::Bool(true))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_selectors_like_helmfile() {
        let f = parse_labels("tier=web,name!=b").expect("valid");
        assert_eq!(f.positive, [("tier".to_string(), "web".to_string())]);
        assert_eq!(f.negative, [("name".to_string(), "b".to_string())]);
        assert_eq!(
            parse_labels("name=z z").unwrap_err(),
            "malformed label: name=z z. Expected label in form k=v or k!=v"
        );
        assert!(parse_labels("a==b").is_err());
        assert!(parse_labels("").is_err());
    }

    #[test]
    fn negative_labels_match_missing_keys() {
        let f = parse_labels("x!=1").expect("valid");
        assert!(f.matches(&BTreeMap::new()));
        let l = BTreeMap::from([("x".to_string(), "1".to_string())]);
        assert!(!f.matches(&l));
    }

    #[test]
    fn conditions_read_env_values() {
        let v = Value::map([(
            "a".to_string(),
            Value::map([("enabled".to_string(), Value::bool(true))]),
        )]);
        assert!(condition_enabled("a.enabled", &v).expect("found"));
        assert!(!condition_enabled("FALSE", &v).expect("literal"));
        assert_eq!(
            condition_enabled("b.enabled", &v).unwrap_err(),
            "environment values field '.b' not found"
        );
        assert!(condition_enabled("a.x", &v).is_err());
    }
}
