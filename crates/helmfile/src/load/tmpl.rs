//! Rendering a helmfile part or an environment values file: helmfile's `FileRenderer` (a
//! `text/template` named `stringTemplate` with `missingkey=error` and helmfile's functions).
//! The functions come from [`crate::funcs::func_map`]; once `funcs::render` (helper templates,
//! `include`) is in place this delegates the whole rendering to it.

use gotmpl::{Template, Value};

use crate::funcs::{FuncContext, func_map};

/// Renders `text` with `data`, relative paths of its functions resolving against `base_dir`;
/// errors carry Go's `template: stringTemplate:LINE:COL: ...` text.
pub(crate) fn render(base_dir: &str, text: &str, data: &Value) -> Result<String, String> {
    let ctx = FuncContext {
        base_dir: base_dir.into(),
    };
    let mut t = Template::new("stringTemplate");
    t.option("missingkey=error").map_err(|e| e.to_string())?;
    t.funcs(func_map(&ctx));
    t.parse(text).map_err(|e| e.to_string())?;
    let mut out = String::new();
    t.execute(&mut out, data).map_err(|e| e.to_string())?;
    Ok(out)
}
