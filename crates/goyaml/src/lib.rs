//! YAML and JSON exactly as Helm's Go code reads and writes them.
//!
//! Helm reads values with `sigs.k8s.io/yaml` (yaml.v2 then a JSON round trip), writes `toYaml` with
//! yaml.v2's emitter after a JSON round trip, and `toJson` with `encoding/json`. Every byte of those
//! paths is visible in rendered manifests: YAML 1.1 resolution (`yes`, `0777`, `1_000`), yaml.v2's
//! numeric-aware key order, its quoting and 80-column folding, Go's float formatting. No Rust crate
//! reproduces them (serde_yaml/yaml-rust2/saphyr follow YAML 1.2 and their own emitters), so the
//! scanner, parser, resolver and emitter here are ports of yaml.v2's libyaml-derived Go code.
mod error;
mod gofloat;
mod goquote;
pub mod json;

pub use error::Error;
use gotmpl::Value;

/// Helm's `toJson`: `json.Marshal(v)`.
pub fn to_json(v: &Value) -> Result<String, Error> {
    json::marshal(v)
}

/// Sprig's `toPrettyJson`: `json.MarshalIndent(v, "", "  ")`.
pub fn to_pretty_json(v: &Value) -> Result<String, Error> {
    json::marshal_indent(v, "", "  ")
}

/// Sprig's `toRawJson`: an Encoder with HTML escaping off (without the Encoder's trailing newline).
pub fn to_raw_json(v: &Value) -> Result<String, Error> {
    json::marshal_with(
        v,
        json::Options {
            escape_html: false,
            indent: None,
        },
    )
}

/// `json.Unmarshal` into `interface{}` (Sprig's `fromJson` target-free form): numbers are float64.
pub fn from_json_value(s: &str) -> Result<Value, Error> {
    json::unmarshal(s)
}

/// Helm's `fromJson`: a `map[string]interface{}`, or on error a map holding only `Error`.
pub fn from_json(s: &str) -> Value {
    json::unmarshal_map(s).unwrap_or_else(|e| error_map(&e))
}

/// Helm's `fromJsonArray`: a `[]interface{}`, or on error a list holding only the error text.
pub fn from_json_array(s: &str) -> Value {
    json::unmarshal_list(s).unwrap_or_else(|e| Value::list(vec![Value::string(&e.message)]))
}

fn error_map(e: &Error) -> Value {
    Value::map([("Error".to_string(), Value::string(&e.message))])
}
