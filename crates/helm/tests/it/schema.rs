//! Schema validation against helm's own error texts: the `*schema*` cases of
//! `tests/fixtures/values` (fixture charts and the corpus charts nginx, redis, loki), see
//! `values.rs`. That the corpus schemas raise no false errors is `corpus_values_match_helm`.

use crate::values::{Area, check_goldens};
use helm::HelmVersion;

#[test]
fn cases_match_helm_goldens() {
    let n = check_goldens(Area::Schema);
    assert!(n >= 40, "only {n} schema cases found");
}

/// A random JSON schema over the keys the values generator uses.
fn random_schema(rng: &mut crate::values::Rng, depth: usize, draft: u32) -> String {
    let keys = ["a", "b", "c", "d"];
    let mut kws: Vec<String> = Vec::new();
    let n = 1 + rng.below(3);
    for _ in 0..n {
        let pick = match rng.below(if depth == 0 { 18 } else { 24 }) {
            // One pick in forty is invalid for the metaschema.
            _ if rng.below(40) == 0 => 24 + rng.below(3),
            // Keep the shallow picks to the leaf keywords and the 2020 ones.
            p @ 14..=17 if depth == 0 => p + 6,
            p => p,
        };
        kws.push(match pick {
            0 => {
                let t = [
                    "\"object\"",
                    "\"string\"",
                    "\"integer\"",
                    "\"number\"",
                    "[\"string\",\"null\"]",
                    "\"boolean\"",
                    "\"array\"",
                ];
                format!("\"type\": {}", t[rng.below(t.len() as u64) as usize])
            }
            1 => "\"enum\": [1, \"text\", null, 2.0, true]".into(),
            2 if draft >= 6 => format!(
                "\"const\": {}",
                ["1", "\"text\"", "null", "[1, \"x\"]"][rng.below(4) as usize]
            ),
            3 => format!("\"minimum\": {}", rng.below(60)),
            4 if draft == 4 => "\"maximum\": 50, \"exclusiveMaximum\": true".into(),
            4 => format!("\"exclusiveMaximum\": {}", 1000 + rng.below(2000)),
            5 => "\"minLength\": 5, \"maxLength\": 6".into(),
            6 => "\"pattern\": \"^t\"".into(),
            7 => {
                let i = rng.below(4) as usize;
                format!("\"required\": [\"{}\", \"{}\"]", keys[i], keys[(i + 1) % 4])
            }
            8 => "\"minProperties\": 2, \"maxProperties\": 3".into(),
            9 => "\"additionalProperties\": false, \"patternProperties\": {\"^a\": {}}".into(),
            10 => "\"multipleOf\": 0.5".into(),
            11 => "\"minItems\": 3, \"uniqueItems\": true".into(),
            12 if draft >= 6 => "\"propertyNames\": {\"maxLength\": 1}".into(),
            13 => "\"$ref\": \"#/definitions/d\"".into(),
            14 | 15 => {
                let mut props = Vec::new();
                for k in keys.iter().take(1 + rng.below(3) as usize) {
                    props.push(format!("\"{k}\": {}", random_schema(rng, depth - 1, draft)));
                }
                format!("\"properties\": {{{}}}", props.join(", "))
            }
            16 => format!("\"items\": {}", random_schema(rng, depth - 1, draft)),
            17 => {
                let op = ["allOf", "anyOf", "oneOf"][rng.below(3) as usize];
                format!(
                    "\"{op}\": [{}, {}]",
                    random_schema(rng, depth - 1, draft),
                    random_schema(rng, depth - 1, draft)
                )
            }
            18 => format!("\"not\": {}", random_schema(rng, depth - 1, draft)),
            19 if draft >= 7 => format!(
                "\"if\": {}, \"then\": {}, \"else\": {}",
                random_schema(rng, depth - 1, draft),
                random_schema(rng, depth - 1, draft),
                random_schema(rng, depth - 1, draft)
            ),
            20 if draft >= 2020 => "\"unevaluatedProperties\": false".into(),
            21 if draft >= 2020 => "\"unevaluatedItems\": {\"type\": \"integer\"}".into(),
            22 if draft >= 2020 => format!(
                "\"prefixItems\": [{}]",
                random_schema(rng, depth.saturating_sub(1), draft)
            ),
            23 if draft >= 2020 => "\"dependentRequired\": {\"a\": [\"b\"]}".into(),
            // Now and then a schema its metaschema rejects.
            24 => "\"minLength\": -1".into(),
            25 => "\"type\": \"int\"".into(),
            26 => "\"required\": [\"a\", \"a\"]".into(),
            _ => "\"title\": \"x\"".into(),
        });
    }
    // A keyword listed twice would make Go keep the last; keep the text simple instead.
    let mut seen = std::collections::HashSet::new();
    kws.retain(|k| seen.insert(k.split(':').next().unwrap_or_default().to_string()));
    format!("{{{}}}", kws.join(", "))
}

/// Random schemas (drafts 4, 7, 2020-12) against random values, validated by canon and by
/// real helm: the error text (siblings in any order, as Go's map walk gives them) or success.
#[test]
#[ignore = "runs real helm v4 and v3 (scripts/test)"]
fn schema_differential_vs_live_helm() {
    use crate::values::{Rng, diff, helm_outcome, normalize, random_yaml, tag};
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let mut rng = Rng(env("CANON_DIFF_SEED", 0x2545_f491_4f6c_dd1d) | 1);
    let cases = env("CANON_DIFF_CASES", 60);
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for i in 0..cases {
        let chart = tmp.path().join(format!("c{i}/top"));
        std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: top\nversion: 1.0.0\n",
        )
        .expect("write");
        std::fs::write(
            chart.join("templates/values.yaml"),
            "{{ toJson .Values }}\n",
        )
        .expect("write");
        let draft = [4, 7, 2020][rng.below(3) as usize];
        let schema_url = match draft {
            4 => "http://json-schema.org/draft-04/schema#",
            7 => "http://json-schema.org/draft-07/schema#",
            _ => "https://json-schema.org/draft/2020-12/schema",
        };
        let body = random_schema(&mut rng, 3, draft);
        let def = random_schema(&mut rng, 1, draft);
        let schema = format!(
            "{{\"$schema\": \"{schema_url}\", \"definitions\": {{\"d\": {def}}}, {}",
            &body[1..]
        );
        let schema = schema.replace(", }", "}");
        std::fs::write(chart.join("values.schema.json"), &schema).expect("write");
        let mut values = String::new();
        random_yaml(&mut rng, 3, 0, &mut values);
        std::fs::write(chart.join("values.yaml"), &values).expect("write");
        for compat in [HelmVersion::V4, HelmVersion::V3] {
            let bin = testenv::helm(match compat {
                HelmVersion::V4 => testenv::HelmVersion::V4,
                HelmVersion::V3 => testenv::HelmVersion::V3,
            })
            .unwrap_or_else(|e| panic!("{e}"));
            let out = std::process::Command::new(bin)
                .args(["template", "rel"])
                .arg(&chart)
                .output()
                .expect("helm runs");
            let text = if out.status.success() {
                String::from_utf8_lossy(&out.stdout).into_owned()
            } else {
                let err = String::from_utf8_lossy(&out.stderr).into_owned();
                err.find("Error: ")
                    .map(|i| err[i..].to_string())
                    .unwrap_or(err)
            };
            let want = normalize(helm_outcome(&text));
            let c = crate::values::load_fixture(&chart, compat);
            let got = normalize(
                helm::values::to_render_values(&c, &gotmpl::Value::map([]), compat, false)
                    .map(|top| {
                        let mut m = std::collections::BTreeMap::new();
                        m.insert(
                            "top/templates/values.yaml".to_string(),
                            goyaml::to_json(&top).expect("json"),
                        );
                        m
                    })
                    .map_err(|e| e.to_string()),
            );
            if want != got {
                failures.push(format!(
                    "case {i} ({}):\nschema: {schema}\nvalues:\n{values}\n{}",
                    tag(compat),
                    diff(&want, &got)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases * 2,
        failures.join("\n")
    );
}
