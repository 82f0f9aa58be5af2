//! Committed oracle cases (`tests/cases/inputs.jsonl` with Go's answers in `expected.jsonl`, written
//! by `scripts/goyaml-regen`), and the mapping from an oracle op to canon's API.

use std::sync::Arc;

use gotmpl::{ElemType, Field, FloatKind, IntKind, Map, Object, UintKind, Value};

use crate::oracle::{self, Answer};

/// Decodes the typed-JSON data encoding (tools/oracle's `decodeData`) into a Value.
pub fn untyped(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            let s = n.to_string();
            if s.contains(['.', 'e', 'E']) {
                Value::float(s.parse().expect("float"))
            } else {
                Value::int(s.parse().expect("int"))
            }
        }
        J::String(s) => Value::string(s),
        J::Array(a) => Value::list(a.iter().map(untyped).collect()),
        J::Object(o) => {
            if o.len() == 2
                && let (Some(J::String(t)), Some(v)) = (o.get("$type"), o.get("value"))
            {
                return typed_value(t, v);
            }
            Value::map(o.iter().map(|(k, v)| (k.clone(), untyped(v))))
        }
    }
}

fn num_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn go_float(s: &str) -> f64 {
    match s {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().expect("float text"),
    }
}

/// A host object standing in for a Go struct: tools/yaml-oracle builds the same struct type
/// with `reflect.StructOf` from the typed JSON `{"$type": "struct"|"*struct", "value": [fields]}`.
#[derive(Debug)]
pub struct StructObj {
    pub ptr: bool,
    pub nil: bool,
    pub fields: Vec<Field>,
}

impl Object for StructObj {
    fn type_name(&self) -> String {
        if self.ptr { "*main.T" } else { "main.T" }.to_string()
    }
    fn display(&self) -> String {
        let vals: Vec<Value> = self.fields.iter().map(|f| f.value.clone()).collect();
        let inner = gotmpl::fmt::sprint(&vals);
        if self.ptr {
            format!("&{{{inner}}}")
        } else {
            format!("{{{inner}}}")
        }
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
    }
    fn is_nil(&self) -> bool {
        self.nil
    }
    fn fields(&self) -> Option<Vec<Field>> {
        (!self.nil).then(|| self.fields.clone())
    }
}

fn struct_value(ptr: bool, v: &serde_json::Value) -> Value {
    let fields = v.as_array().map_or_else(Vec::new, |a| {
        a.iter()
            .map(|f| {
                Field::new(
                    f["name"].as_str().expect("field name"),
                    f["tag"].as_str().unwrap_or_default(),
                    untyped(&f["value"]),
                )
            })
            .collect()
    });
    Value::Object(Arc::new(StructObj {
        ptr,
        nil: ptr && v.is_null(),
        fields,
    }))
}

fn typed_value(t: &str, v: &serde_json::Value) -> Value {
    let s = num_text(v);
    match t {
        "struct" => struct_value(false, v),
        "*struct" => struct_value(true, v),
        "int" => Value::int(s.parse().expect("int")),
        "int8" => Value::Int(s.parse().expect("int"), IntKind::Int8),
        "int16" => Value::Int(s.parse().expect("int"), IntKind::Int16),
        "int32" => Value::Int(s.parse().expect("int"), IntKind::Int32),
        "int64" => Value::Int(s.parse().expect("int"), IntKind::Int64),
        "uint" => Value::Uint(s.parse().expect("uint"), UintKind::Uint),
        "uint8" => Value::Uint(s.parse().expect("uint"), UintKind::Uint8),
        "uint16" => Value::Uint(s.parse().expect("uint"), UintKind::Uint16),
        "uint32" => Value::Uint(s.parse().expect("uint"), UintKind::Uint32),
        "uint64" => Value::Uint(s.parse().expect("uint"), UintKind::Uint64),
        "float32" => Value::Float(go_float(&s) as f32 as f64, FloatKind::F32),
        "float64" => Value::Float(go_float(&s), FloatKind::F64),
        "string" => Value::string(s),
        "bool" => Value::Bool(v.as_bool().expect("bool")),
        "[]byte" => Value::Bytes(Arc::from(s.as_bytes())),
        "nil-map" => Value::nil_map(),
        "nil-slice" => Value::nil_list(),
        // A JSON null is the type's zero value: a nil slice or map.
        t if v.is_null() && t.starts_with("[]") => Value::nil_list(),
        t if v.is_null() && t.starts_with("map[string]") => Value::nil_map(),
        t if t.starts_with("[]") => Value::list(
            v.as_array()
                .expect("array")
                .iter()
                .map(|e| typed_value(&t[2..], e))
                .collect(),
        ),
        t if t.starts_with("map[string]") => {
            let inner = &t["map[string]".len()..];
            let o = v.as_object().expect("object");
            Value::Map(Arc::new(Map::from_entries(
                ElemType::Interface,
                o.iter().map(|(k, e)| (k.clone(), typed_value(inner, e))),
            )))
        }
        "interface {}" => untyped(v),
        other => panic!("unknown typed-JSON type {other}"),
    }
}

/// What canon answers for an oracle request.
pub fn canon_answer(req: &serde_json::Value) -> Answer {
    let op = req["op"].as_str().expect("op");
    let data = || untyped(&req["data"]);
    let text = req["text"].as_str().unwrap_or_default();
    let ok = |output: String| Answer {
        output,
        error: String::new(),
    };
    let res = |r: Result<String, goyaml::Error>| match r {
        Ok(output) => Answer {
            output,
            error: String::new(),
        },
        Err(e) => Answer {
            output: String::new(),
            error: e.message,
        },
    };
    match op {
        "toYaml" => ok(goyaml::to_yaml(&data()).unwrap_or_default()),
        "mustToYaml" => res(goyaml::to_yaml(&data())),
        "toToml" => ok(goyaml::to_toml(&data()).unwrap_or_else(|e| e.message)),
        "toYamlPretty" => ok(goyaml::to_yaml_pretty(&data()).unwrap_or_default()),
        "toJson" => ok(goyaml::to_json(&data()).unwrap_or_default()),
        "toPrettyJson" => ok(goyaml::to_pretty_json(&data()).unwrap_or_default()),
        "toRawJson" => ok(goyaml::to_raw_json(&data()).unwrap_or_default()),
        "fromYaml" => ok(oracle::dump(&goyaml::from_yaml(text))),
        "fromYamlArray" => ok(oracle::dump(&goyaml::from_yaml_array(text))),
        "fromJson" => ok(oracle::dump(&goyaml::from_json(text))),
        "fromJsonArray" => ok(oracle::dump(&goyaml::from_json_array(text))),
        "readValues" => {
            let (v, e) = goyaml::read_values_lenient(text);
            Answer {
                output: oracle::dump(&v),
                error: e.map(|e| e.message).unwrap_or_default(),
            }
        }
        "yamlToJson" => res(goyaml::yaml_to_json(text)),
        "valuesToYaml" => res(goyaml::read_values(text).and_then(|v| goyaml::to_yaml(&v))),
        "splitManifests" | "splitManifestsV3" => {
            let v = if op == "splitManifests" {
                goyaml::HelmVersion::V4
            } else {
                goyaml::HelmVersion::V3
            };
            let docs = goyaml::split_manifests(text, v)
                .into_iter()
                .map(Value::string)
                .collect();
            ok(goyaml::to_json(&Value::list(docs)).expect("json"))
        }
        "strvalsV3" => {
            let (v, e) = goyaml::strvals::parse_set_for(text, false, goyaml::HelmVersion::V3);
            Answer {
                output: oracle::dump(&v),
                error: e.map(|e| e.message).unwrap_or_default(),
            }
        }
        "strvals" | "strvalsString" => {
            let (v, e) = if op == "strvals" {
                goyaml::strvals::parse_set(text)
            } else {
                goyaml::strvals::parse_set_string(text)
            };
            Answer {
                output: oracle::dump(&v),
                error: e.map(|e| e.message).unwrap_or_default(),
            }
        }
        "yamlV2" => match goyaml::parse_yaml_v2(text) {
            Ok(n) => ok(n.as_ref().map_or("nil".to_string(), oracle::dump_node)),
            Err(e) => Answer {
                output: "nil".into(),
                error: e.message,
            },
        },
        "yamlV3" => match goyaml::v3::unmarshal(text) {
            Ok(n) => ok(n.as_ref().map_or("nil".to_string(), oracle::dump_node_v3)),
            Err(e) => Answer {
                output: "nil".into(),
                error: e.message,
            },
        },
        other => panic!("canon has no op {other}"),
    }
}

fn load(name: &str) -> Vec<serde_json::Value> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("case line is JSON"))
        .collect()
}

fn check(reqs: &[serde_json::Value], want: &[Answer]) -> usize {
    let mut bad = 0;
    for (req, want) in reqs.iter().zip(want) {
        let got = canon_answer(req);
        // yaml.v2 leaves a partly decoded value beside an error; canon returns only the error.
        let partial_ok = (req["op"] == "yamlV2" || req["op"] == "yamlV3")
            && !want.error.is_empty()
            && got.error == want.error;
        // Known gap (goyaml::v3::unmarshal's doc): yaml.v3 gives a timestamp as `time.Time`,
        // canon keeps the text. Shown, not counted, so the gap stays visible.
        let timestamp_gap = req["op"] == "yamlV3" && want.output.contains("time.Time:");
        // Known gap: a key with a local tag makes yaml.v3 build a map[interface{}]interface{}.
        let general_map_gap = req["op"] == "yamlV3"
            && got.error == want.error
            && crate::oracle::v3_general_maps_as_string_maps(&want.output).as_ref()
                == Some(&got.output);
        if &got != want && !partial_ok {
            if general_map_gap {
                eprintln!(
                    "KNOWN GAP (v3 string-keyed general map) {req}\n  go:    {want:?}\n  canon: {got:?}"
                );
                continue;
            }
            if timestamp_gap {
                eprintln!("KNOWN GAP (v3 timestamp) {req}\n  go:    {want:?}\n  canon: {got:?}");
                continue;
            }
            bad += 1;
            eprintln!("MISMATCH {req}\n  go:    {want:?}\n  canon: {got:?}");
        }
    }
    bad
}

/// Committed cases against the committed oracle answers.
#[test]
fn committed_cases() {
    let reqs = load("inputs.jsonl");
    let want: Vec<Answer> = load("expected.jsonl")
        .iter()
        .map(|a| Answer {
            output: a["output"].as_str().unwrap_or_default().to_string(),
            error: a["error"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    assert_eq!(
        reqs.len(),
        want.len(),
        "expected.jsonl is stale: run scripts/goyaml-regen"
    );
    let bad = check(&reqs, &want);
    eprintln!("{} committed cases, {bad} mismatches", reqs.len());
    assert_eq!(bad, 0);
}

/// Every YAML file of the shared corpus (real charts' values, templates' fixtures, helm's goldens)
/// read as values and written back with toYaml, against the live oracle.
#[test]
#[ignore = "needs the Go YAML oracle and ../shared/corpus beside the repository (scripts/test)"]
fn corpus_values() {
    // The corpus sits beside the repository (`../shared/corpus`), in CI's clone as here.
    let root = std::env::var("CANON_CORPUS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus").to_string()
    });
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&root)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("corpus {}: {e}", d.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let reqs: Vec<serde_json::Value> = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| oracle::text_req("valuesToYaml", &t))
        .collect();
    let want = oracle::run(&reqs);
    let bad = check(&reqs, &want);
    eprintln!("{} corpus YAML files, {bad} mismatches", reqs.len());
    assert_eq!(bad, 0);
}

/// The same inputs against the live oracle (catches a stale expected.jsonl).
#[test]
#[ignore = "needs the Go YAML oracle (scripts/test)"]
fn live_cases() {
    let reqs = load("inputs.jsonl");
    let want = oracle::run(&reqs);
    assert_eq!(check(&reqs, &want), 0);
}
