//! Rendering a helmfile part or an environment values file: helmfile's `FileRenderer` through
//! [`crate::funcs::render`] (its `stringTemplate` with `missingkey=error`, `_*.tpl` helpers and
//! helmfile's functions), relative paths of the functions resolving against the file's
//! directory.

use gotmpl::Value;

use crate::funcs::{self, FuncContext, TEMPLATE_NAME};

/// Where a Go template error points (`template: stringTemplate:LINE:COL: ...`, or only a line
/// for parse errors), 1-based.
pub(crate) fn error_pos(err: &str) -> Option<(usize, usize)> {
    let key = format!("template: {TEMPLATE_NAME}:");
    let rest = &err[err.find(&key)? + key.len()..];
    let mut nums = rest.split(':').map_while(|s| s.parse::<usize>().ok());
    let line = nums.next()?;
    Some((line, nums.next().unwrap_or(1)))
}

/// Renders `text` with `data` (from [`crate::funcs::env_data`]); errors carry Go's
/// `template: stringTemplate:LINE:COL: ...` text.
pub(crate) fn render(base_dir: &str, text: &str, data: &Value) -> Result<String, String> {
    let ctx = FuncContext {
        base_dir: base_dir.into(),
    };
    funcs::render(&ctx, TEMPLATE_NAME, text, data).map_err(|e| e.to_string())
}
