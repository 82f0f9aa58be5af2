//! `values.schema.json` validation across the chart tree, listing every error as helm does.
//!
//! helm v4.2.4 and v3.21.4 both validate with `santhosh-tekuri/jsonschema/v6` (both go.mod
//! files pin v6.0.2), so one port serves both: each schema is first checked against its
//! draft's metaschema (drafts 4, 6, 7, 2019-09, 2020-12; 2020-12 when `$schema` names none or
//! an unknown one), then the chart's values against it, every chart of the tree against its
//! own values ([`validator`]'s doc lists what the port leaves out).

mod format;
mod json;
mod meta_fast;
mod validator;

use gotmpl::Value;

use crate::HelmVersion;
use crate::chart::Chart;
use crate::values::{get, go_type, table};

/// Values that violate a chart's schema, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("{0}")]
    Message(String),
}

/// Validates the coalesced values `vals` against the schemas of `chart` and its subcharts:
/// helm's `ValidateAgainstSchema`, wrapped as `ToRenderValuesWithSchemaValidation` wraps it.
pub fn validate(chart: &Chart, vals: &Value, compat: HelmVersion) -> Result<(), SchemaError> {
    let _ = compat;
    match validate_tree(chart, vals) {
        None => Ok(()),
        Some(e) => Err(SchemaError::Message(format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"
        ))),
    }
}

/// helm's `ValidateAgainstSchema`: every error of this chart and its subcharts, or `None`.
fn validate_tree(chart: &Chart, vals: &Value) -> Option<String> {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema
        && let Err(e) = validate_single(vals, schema)
    {
        sb.push_str(&format!("{}:\n{e}", chart.name()));
    }
    for sub in &chart.dependencies {
        let raw = table(vals).and_then(|m| get(m, sub.name()));
        match raw {
            None | Some(Value::Nil) => continue,
            Some(v) if table(&v).is_none() => {
                sb.push_str(&format!(
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    sub.name(),
                    go_type(&v)
                ));
            }
            Some(v) => {
                if let Some(e) = validate_tree(sub, &v) {
                    sb.push_str(&e);
                }
            }
        }
    }
    (!sb.is_empty()).then_some(sb)
}

/// The metaschema documents of a draft: the root's base URL, and every document by its URL.
fn metaschema_docs(draft: u32) -> (&'static str, Vec<(&'static str, &'static str)>) {
    macro_rules! meta {
        ($dir:literal, $base:literal, [$($name:literal),*]) => {
            vec![
                ($base, include_str!(concat!("schema/metaschemas/", $dir, "/schema.json"))),
                $((
                    concat!($base, "/../meta/", $name),
                    include_str!(concat!("schema/metaschemas/", $dir, "/", $name, ".json")),
                )),*
            ]
        };
    }
    match draft {
        4 => (
            "http://json-schema.org/draft-04/schema",
            vec![("", include_str!("schema/metaschemas/draft-04.json"))],
        ),
        6 => (
            "http://json-schema.org/draft-06/schema",
            vec![("", include_str!("schema/metaschemas/draft-06.json"))],
        ),
        7 => (
            "http://json-schema.org/draft-07/schema",
            vec![("", include_str!("schema/metaschemas/draft-07.json"))],
        ),
        2019 => (
            "https://json-schema.org/draft/2019-09/schema",
            meta!(
                "2019-09",
                "https://json-schema.org/draft/2019-09/schema",
                [
                    "core",
                    "applicator",
                    "validation",
                    "meta-data",
                    "format",
                    "content"
                ]
            ),
        ),
        _ => (
            "https://json-schema.org/draft/2020-12/schema",
            meta!(
                "2020-12",
                "https://json-schema.org/draft/2020-12/schema",
                [
                    "core",
                    "applicator",
                    "unevaluated",
                    "validation",
                    "meta-data",
                    "format-annotation",
                    "content"
                ]
            ),
        ),
    }
}

/// The library validates a schema against its draft's metaschema before using it, with the
/// metaschema's error tree. A schema [`meta_fast`] finds valid needs no more.
fn check_metaschema(doc: &json::J, draft: u32) -> Result<(), String> {
    if meta_fast::valid(doc, draft) {
        return Ok(());
    }
    check_metaschema_full(doc, draft)
}

/// [`check_metaschema`] as the library does it: the metaschema applied as a schema.
fn check_metaschema_full(doc: &json::J, draft: u32) -> Result<(), String> {
    let (base, docs) = metaschema_docs(draft);
    let mut parsed = Vec::with_capacity(docs.len());
    for (url, text) in &docs {
        // "…/schema/../meta/x" names "…/meta/x".
        let url = url.replace("/schema/../", "/");
        parsed.push((url, json::parse(text)?));
    }
    let (_, root) = parsed.remove(0);
    let mv = validator::Validator::with_docs(&root, base, &parsed)?;
    match mv.validate(&json::to_value(doc)) {
        Ok(()) => Ok(()),
        Err(causes) => Err(format!(
            "\"file:///values.schema.json#\" is not valid against metaschema: jsonschema validation failed with '{base}#'\n{}",
            validator::render(&causes)
        )),
    }
}

/// A schema file's checks that do not depend on the values: its parse, its draft and the
/// metaschema check, as [`validate_single`] makes them (the first error of the three, or the
/// parsed document). Most of a big schema's validation is here: `loki`'s 570 KB schema costs
/// 100M instructions in these checks and 7M in validating the values.
type Prepared = Result<json::J, String>;

fn prepare_uncached(schema: &[u8]) -> Prepared {
    // Valid UTF-8 (nearly always) is borrowed; lossy decoding walks the bytes slowly.
    let text = std::str::from_utf8(schema)
        .map(std::borrow::Cow::Borrowed)
        .unwrap_or_else(|_| String::from_utf8_lossy(schema));
    let doc = json::parse(&text)?;
    let draft = validator::Validator::new(&doc)?.draft();
    check_metaschema(&doc, draft)?;
    Ok(doc)
}

/// [`prepare_uncached`], remembered for the life of the process by the schema's bytes: it
/// depends on them alone. The loader starts it on a worker as soon as it has read the file,
/// and `canon render` validates a chart's values once per release. Whoever asks while another
/// thread prepares the same schema waits for that result instead of repeating the work.
pub(crate) fn prepared(schema: &[u8]) -> std::sync::Arc<std::sync::OnceLock<Prepared>> {
    // foldhash, not SipHash: the key is the whole schema (redis's is 150 KB), hashed at every
    // lookup; with SipHash a redis render measured 8.5 ms against 8.0 (100 alternated rounds).
    type Cells = foldhash::HashMap<Vec<u8>, std::sync::Arc<std::sync::OnceLock<Prepared>>>;
    static CELLS: std::sync::Mutex<Option<Cells>> = std::sync::Mutex::new(None);
    let cell = {
        let mut cells = CELLS.lock().unwrap_or_else(|p| p.into_inner());
        let cells = cells.get_or_insert_default();
        match cells.get(schema) {
            Some(c) => c.clone(),
            None => {
                if cells.len() >= 64 {
                    cells.clear();
                }
                let c = std::sync::Arc::new(std::sync::OnceLock::new());
                cells.insert(schema.to_vec(), c.clone());
                c
            }
        }
    };
    cell.get_or_init(|| prepare_uncached(schema));
    cell
}

/// helm's `ValidateAgainstSingleSchema`: the error text (a validation error ends in a
/// newline, as helm's `JSONSchemaValidationError` adds one), if any.
fn validate_single(vals: &Value, schema: &[u8]) -> Result<(), String> {
    let prepared = prepared(schema);
    let doc = match prepared.get().expect("prepared() initialises the cell") {
        Ok(doc) => doc,
        Err(e) => return Err(e.clone()),
    };
    let v = validator::Validator::new(doc)?;
    match v.validate(vals) {
        Ok(()) => Ok(()),
        Err(causes) => Err(format!("{}\n", validator::render(&causes))),
    }
}
