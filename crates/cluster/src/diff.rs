//! Field-level drift: what differs between what canon would apply and what is live, and who changed it.
//!
//! Contract (cluster helper): [`compare`] is pure. `desired` is what the server would store if canon
//! applied now ([`crate::apply::dry_run`]'s result, so server defaults and normalization are the
//! server's own), `live` the object as watched. Only the fields canon manages count: those in the
//! `managedFields` entry of manager [`crate::FIELD_MANAGER`] (operation Apply) of `desired`
//! (fieldsV1: `f:` keys, `k:` list-map keys, `v:` set values, `i:` indices); metadata.managedFields,
//! resourceVersion, generation, uid, creationTimestamp and status never count. Values compare after
//! normalization (quantities `1000m` = `1`, `"80"` vs `80` for int-or-string fields, `null` = absent)
//! as a second line of defence. Each difference is one [`FieldDiff`] with a JSONPath-like path
//! (`spec.replicas`, `spec.template.spec.containers[name=app].image`), the desired and live values,
//! and the manager that owns the live field (from the live object's managedFields, the manager other
//! than canon whose fieldsV1 covers the path; its operation and time), so an alert says who changed
//! it. A field canon manages that is missing live is a diff with `live: None`.
//!
//! A field canon's entry lists but `desired` lacks (the server moved it, as `stringData` to `data`)
//! carries no opinion and is skipped. Quantity normalization applies only under resource-like
//! fields (`resources`, `limits`, `requests`, `hard`, `capacity`, ...), so `"1.0"` and `"1"` stay
//! different in, say, a label. When no other manager owns a differing live field, the attribution
//! falls back to canon's own live entry (the state changed and has not been applied yet).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDiff {
    pub path: String,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    /// The field manager that set the live value, when managedFields says.
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    pub operation: Option<String>,
    /// RFC 3339 time of that manager's last write.
    pub time: Option<String>,
}

/// The fields canon manages that differ between `desired` and `live` (see the module doc).
pub fn compare(desired: &Value, live: &Value) -> Vec<FieldDiff> {
    let Some(fields) = managed_fields(desired)
        .into_iter()
        .find(|e| e.manager == crate::FIELD_MANAGER && e.operation == "Apply")
        .map(|e| e.fields)
    else {
        return Vec::new();
    };
    let owners = managed_fields(live);
    let mut walker = Walker {
        owners: &owners,
        path: Vec::new(),
        out: Vec::new(),
    };
    walker.walk(fields, Some(desired), Some(live));
    walker.out
}

/// One `metadata.managedFields` entry.
struct Entry<'a> {
    manager: &'a str,
    operation: &'a str,
    time: Option<&'a str>,
    fields: &'a Map<String, Value>,
}

fn managed_fields(object: &Value) -> Vec<Entry<'_>> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["fieldsType"].as_str().unwrap_or("FieldsV1") == "FieldsV1")
                // `kubectl scale` writes spec.replicas through the scale subresource: that entry
                // says who changed it. Status writers never own a field that counts.
                .filter(|e| e["subresource"].as_str().unwrap_or("") != "status")
                .filter_map(|e| {
                    Some(Entry {
                        manager: e["manager"].as_str().unwrap_or(""),
                        operation: e["operation"].as_str().unwrap_or(""),
                        time: e["time"].as_str(),
                        fields: e.get("fieldsV1")?.as_object()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fields that never count, whoever owns them.
fn ignored(path: &[String], field: &str) -> bool {
    match path {
        [] => field == "status",
        [only] if only == "f:metadata" => matches!(
            field,
            "managedFields" | "resourceVersion" | "generation" | "uid" | "creationTimestamp"
        ),
        _ => false,
    }
}

/// Field names under which string values are Kubernetes quantities.
const QUANTITY_PARENTS: &[&str] = &[
    "resources",
    "limits",
    "requests",
    "hard",
    "capacity",
    "allocatable",
    "overhead",
    "sizeLimit",
    "storage",
    "min",
    "max",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
];

struct Walker<'a> {
    owners: &'a [Entry<'a>],
    /// The fieldsV1 keys from the root to the current node (`f:spec`, `k:{"name":"app"}`).
    path: Vec<String>,
    out: Vec<FieldDiff>,
}

impl Walker<'_> {
    fn walk(&mut self, node: &Map<String, Value>, desired: Option<&Value>, live: Option<&Value>) {
        for (key, child) in node {
            let (d, l) = if let Some(field) = key.strip_prefix("f:") {
                if ignored(&self.path, field) {
                    continue;
                }
                (
                    desired.and_then(|v| v.get(field)),
                    live.and_then(|v| v.get(field)),
                )
            } else if let Some(json) = key.strip_prefix("k:") {
                let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(json) else {
                    continue;
                };
                (
                    desired.and_then(|v| find_keyed(v, &keys)),
                    live.and_then(|v| find_keyed(v, &keys)),
                )
            } else if let Some(json) = key.strip_prefix("v:") {
                let Ok(want) = serde_json::from_str::<Value>(json) else {
                    continue;
                };
                (
                    desired.and_then(|v| find_value(v, &want)),
                    live.and_then(|v| find_value(v, &want)),
                )
            } else if let Some(index) = key.strip_prefix("i:") {
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                (
                    desired.and_then(|v| v.get(index)),
                    live.and_then(|v| v.get(index)),
                )
            } else {
                continue;
            };
            self.path.push(key.clone());
            self.visit(child, d, l);
            self.path.pop();
        }
    }

    fn visit(&mut self, child: &Value, desired: Option<&Value>, live: Option<&Value>) {
        let desired = desired.filter(|v| !v.is_null());
        let live = live.filter(|v| !v.is_null());
        let Some(d) = desired else {
            // Listed by canon's entry but not in what the server would store: no opinion.
            return;
        };
        let sub = child.as_object().filter(|m| m.keys().any(|k| k != "."));
        let composite = d.is_object() || d.is_array();
        match (sub, live) {
            (Some(sub), Some(l)) if composite => self.walk(sub, Some(d), Some(l)),
            _ => {
                if !equal(Some(d), live, self.quantities()) {
                    self.report(d, live);
                }
            }
        }
    }

    fn quantities(&self) -> bool {
        self.path.iter().any(|k| {
            k.strip_prefix("f:")
                .is_some_and(|f| QUANTITY_PARENTS.contains(&f))
        })
    }

    fn report(&mut self, desired: &Value, live: Option<&Value>) {
        let (manager, operation, time) = match self.owner() {
            Some(e) => (
                Some(e.manager.to_string()),
                Some(e.operation.to_string()),
                e.time.map(str::to_string),
            ),
            None => (None, None, None),
        };
        self.out.push(FieldDiff {
            path: display_path(&self.path),
            desired: Some(desired.clone()),
            live: live.cloned(),
            manager,
            operation,
            time,
        });
    }

    /// The live entry that owns the current path: another manager's (the latest if several),
    /// else canon's own.
    fn owner(&self) -> Option<&Entry<'_>> {
        let covering = |e: &&Entry<'_>| covers(e.fields, &self.path);
        let others = self
            .owners
            .iter()
            .filter(|e| e.manager != crate::FIELD_MANAGER)
            .filter(covering)
            .max_by(|a, b| a.time.cmp(&b.time));
        others.or_else(|| {
            self.owners
                .iter()
                .filter(|e| e.manager == crate::FIELD_MANAGER)
                .find(covering)
        })
    }
}

/// Whether a fieldsV1 set holds `path` (or an atomic prefix of it).
fn covers(fields: &Map<String, Value>, path: &[String]) -> bool {
    let mut node = fields;
    for (i, key) in path.iter().enumerate() {
        let Some(child) = node.get(key).and_then(Value::as_object) else {
            return false;
        };
        let leaf = child.keys().all(|k| k == ".");
        if leaf {
            // The owner holds this field whole (atomic), so it holds everything below too.
            return i + 1 == path.len() || child.is_empty();
        }
        node = child;
    }
    // Reaching the path's node: owned when it is marked as a whole or holds fields below it.
    true
}

fn find_keyed<'v>(list: &'v Value, keys: &Map<String, Value>) -> Option<&'v Value> {
    list.as_array()?.iter().find(|item| {
        keys.iter()
            .all(|(k, want)| equal(item.get(k), Some(want), false))
    })
}

fn find_value<'v>(list: &'v Value, want: &Value) -> Option<&'v Value> {
    list.as_array()?
        .iter()
        .find(|item| equal(Some(item), Some(want), false))
}

/// Values equal after normalization (see the module doc).
fn equal(a: Option<&Value>, b: Option<&Value>, quantities: bool) -> bool {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    match (a, b) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(a), Some(b)) => match (a, b) {
            // Each key once (a key of both maps compared twice would be exponential in depth).
            (Value::Object(x), Value::Object(y)) => {
                x.iter().all(|(k, v)| equal(Some(v), y.get(k), quantities))
                    && y.iter()
                        .filter(|(k, _)| !x.contains_key(*k))
                        .all(|(_, v)| v.is_null())
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|(p, q)| equal(Some(p), Some(q), quantities))
            }
            (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
            (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
                // int-or-string: "80" and 80 (and quantities given as numbers: 1 and "1000m").
                let as_number = s.parse::<f64>().ok().filter(|_| !s.contains(['e', 'E']));
                as_number.is_some_and(|x| Some(x) == n.as_f64())
                    || (quantities
                        && quantity(s)
                            .zip(n.as_f64())
                            .is_some_and(|(x, y)| close(x, y)))
            }
            (Value::String(x), Value::String(y)) => {
                x == y
                    || (quantities
                        && quantity(x)
                            .zip(quantity(y))
                            .is_some_and(|(p, q)| close(p, q)))
            }
            _ => a == b,
        },
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// The value of a Kubernetes quantity (`1000m`, `1Gi`, `1e3`, `0.5`), or `None` if `s` is not one.
fn quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let body_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(body_end);
    let base: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp => {
            let digits = exp.strip_prefix(['e', 'E'])?;
            10f64.powi(digits.parse().ok()?)
        }
    };
    Some(base * factor)
}

/// `spec.template.spec.containers[name=app].image` from fieldsV1 keys.
fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for key in path {
        if let Some(field) = key.strip_prefix("f:") {
            let plain = !field.is_empty()
                && field
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if plain {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(field);
            } else {
                out.push_str(&format!("[{}]", Value::String(field.to_string())));
            }
        } else if let Some(json) = key.strip_prefix("k:") {
            let parts: Vec<String> = match serde_json::from_str::<Value>(json) {
                Ok(Value::Object(keys)) => keys
                    .iter()
                    .map(|(k, v)| format!("{k}={}", scalar(v)))
                    .collect(),
                _ => vec![json.to_string()],
            };
            out.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(json) = key.strip_prefix("v:") {
            let v = serde_json::from_str::<Value>(json).unwrap_or(Value::Null);
            out.push_str(&format!("[={}]", scalar(&v)));
        } else if let Some(index) = key.strip_prefix("i:") {
            out.push_str(&format!("[{index}]"));
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_normalize() {
        assert_eq!(quantity("1000m"), Some(1.0));
        assert_eq!(quantity("1Gi"), Some(1073741824.0));
        assert_eq!(quantity("1e3"), Some(1000.0));
        assert_eq!(quantity("1k"), Some(1000.0));
        assert_eq!(quantity("abc"), None);
        assert_eq!(quantity("1Qi"), None);
        assert!(equal(Some(&json!("1000m")), Some(&json!("1")), true));
        assert!(!equal(Some(&json!("1000m")), Some(&json!("1")), false));
        assert!(equal(Some(&json!("80")), Some(&json!(80)), false));
        assert!(!equal(Some(&json!("81")), Some(&json!(80)), false));
        assert!(equal(Some(&json!({"a": null})), Some(&json!({})), false));
        assert!(equal(None, Some(&Value::Null), false));
    }

    #[test]
    fn paths_read_like_jsonpath() {
        let p =
            |keys: &[&str]| display_path(&keys.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["f:spec", "f:replicas"]), "spec.replicas");
        assert_eq!(
            p(&[
                "f:spec",
                "f:template",
                "f:spec",
                "f:containers",
                r#"k:{"name":"app"}"#,
                "f:image"
            ]),
            "spec.template.spec.containers[name=app].image"
        );
        assert_eq!(
            p(&["f:metadata", "f:labels", "f:app.kubernetes.io/name"]),
            r#"metadata.labels["app.kubernetes.io/name"]"#
        );
        assert_eq!(
            p(&[
                "f:spec",
                "f:ports",
                r#"k:{"port":80,"protocol":"TCP"}"#,
                "f:targetPort"
            ]),
            "spec.ports[port=80,protocol=TCP].targetPort"
        );
        assert_eq!(
            p(&["f:metadata", "f:finalizers", r#"v:"a/b""#]),
            "metadata.finalizers[=a/b]"
        );
    }

    #[test]
    fn covers_follows_keys_and_atomic_leaves() {
        let fields =
            json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {}}}}});
        let fields = fields.as_object().expect("object");
        let path = |keys: &[&str]| keys.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(covers(fields, &path(&["f:spec", "f:replicas"])));
        assert!(!covers(fields, &path(&["f:spec", "f:paused"])));
        assert!(covers(
            fields,
            &path(&[
                "f:spec",
                "f:template",
                "f:spec",
                "f:containers",
                r#"k:{"name":"a"}"#
            ])
        ));
    }

    #[test]
    fn without_canon_entry_nothing_counts() {
        let d = json!({"metadata": {"managedFields": [
            {"manager": "helm", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}}
        ]}, "data": {"a": "1"}});
        assert!(compare(&d, &json!({"data": {"a": "2"}})).is_empty());
    }

    #[test]
    fn a_scale_subresource_writer_is_named() {
        // What the API server records for `kubectl scale` after canon applied replicas: 1.
        let desired = json!({"metadata": {"managedFields": [
            {"manager": "canon", "operation": "Apply", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]}, "spec": {"replicas": 1}});
        let live = json!({"metadata": {"managedFields": [
            {"manager": "canon", "operation": "Apply", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:selector": {}}}},
            {"manager": "kubectl", "operation": "Update", "subresource": "scale",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]}, "spec": {"replicas": 3}});
        let diffs = compare(&desired, &live);
        assert_eq!(diffs.len(), 1, "{diffs:?}");
        assert_eq!(diffs[0].path, "spec.replicas");
        assert_eq!(diffs[0].manager.as_deref(), Some("kubectl"));
    }
}
