//! `.Files`: a chart's non-template files with helm's `Get`, `GetBytes`, `Glob`, `Lines`,
//! `AsConfig` and `AsSecrets`, as a Go object for templates.
//! (Skeleton: owned by the loader work; signatures are the contract.)

use gotmpl::Value;

use crate::chart::File;

/// `.Files` of one chart as a template value.
pub fn files_value(files: &[File]) -> Value {
    let _ = files;
    Value::Nil
}
