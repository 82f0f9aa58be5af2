//! helm's rewriting of template errors: `cleanupParseError`, v3's `cleanupExecError` and v4's
//! `reformatExecErrorMsg` (which walks Go's `errors.Unwrap` chain of nested `include` failures
//! and prints one location block per template).
//!
//! gotmpl's errors are flat texts, so the Go error chain is rebuilt from the text: in Go's
//! `text/template` the only wrapping (`%w`) error is `error calling NAME: %w`, whose wrapped
//! error is what the function returned, so each link is the text after `error calling NAME: `.

use gotmpl::Error;

use crate::HelmVersion;

const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

/// helm's `warnWrap`: how `required` and `fail` mark their message.
pub(crate) fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// helm's `warnRegex` (`HELM_ERR_START((?s).*)HELM_ERR_END`): greedy, so from the first start
/// marker to the last end marker.
fn warn_match(s: &str) -> Option<&str> {
    let start = s.find(WARN_START)? + WARN_START.len();
    let end = s.rfind(WARN_END)?;
    (end >= start).then(|| &s[start..end])
}

/// helm's `cleanupParseError`.
pub fn cleanup_parse_error(filename: &str, err: &str) -> String {
    let tokens: Vec<&str> = err.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {err}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// helm's error rewriting after a failed `ExecuteTemplate` of `filename`: v3's
/// `cleanupExecError` or v4's `reformatExecErrorMsg`.
pub fn reformat_exec_error(filename: &str, err: &Error, compat: HelmVersion) -> String {
    let msg = err.to_string();
    // Go's errors.As(err, &ExecError): gotmpl reports "no template" lookups as Exec too, but
    // for a file name helm just parsed that cannot happen.
    if !matches!(err, Error::Exec(_)) {
        return msg;
    }
    let tokens: Vec<&str> = msg.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {msg}");
    }
    let location = tokens[1];
    if let Some(w) = warn_match(tokens[2]) {
        return format!("execution error at ({location}): {w}");
    }
    if compat == HelmVersion::V3 {
        return msg;
    }
    let mut links: Vec<Traceable> = Vec::new();
    let mut current = msg.as_str();
    loop {
        let Some(tr) = parse_exec_error_string(current) else {
            return msg;
        };
        if links.last() != Some(&tr) {
            links.push(tr);
        }
        match wrapped(current) {
            Some(next) => current = next,
            None => break,
        }
    }
    let mut out = String::new();
    for l in &links {
        l.write(&mut out);
    }
    out.trim().to_string()
}

/// The error a Go `error calling NAME: %w` wraps, if `s` is one.
fn wrapped(s: &str) -> Option<&str> {
    let remainder = s.strip_prefix("template: ")?;
    let (_, after) = remainder.split_once(": executing ")?;
    let after = after.strip_prefix('"')?;
    let end = after.find('"')?;
    let after_at = after[end + 1..].strip_prefix(" at <")?;
    let (_, msg) = after_at.split_once(">: ")?;
    let rest = msg.strip_prefix("error calling ")?;
    let (_, inner) = rest.split_once(": ")?;
    Some(inner)
}

/// helm's `TraceableError`.
#[derive(Debug, PartialEq, Eq)]
struct Traceable {
    location: String,
    message: String,
    executed_function: String,
}

impl Traceable {
    fn write(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed_function.is_empty() {
            out.push_str(&self.executed_function);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }
}

/// helm's `parseTemplateExecErrorString`.
fn parse_exec_error_string(s: &str) -> Option<Traceable> {
    let remainder = s.strip_prefix("template: ")?;
    if remainder.starts_with("no template ") {
        return Some(Traceable {
            location: String::new(),
            message: s.to_string(),
            executed_function: String::new(),
        });
    }
    if let Some((name, after)) = remainder.split_once(": executing ") {
        // helm gives up on the whole chain when the executing form is malformed.
        let after = after.strip_prefix('"')?;
        let end = after.find('"')?;
        let function = &after[..end];
        let after_at = after[end + 1..].strip_prefix(" at <")?;
        let (location, msg) = after_at.split_once(">: ")?;
        let msg = cut_template(msg);
        return Some(Traceable {
            location: name.to_string(),
            message: msg.to_string(),
            executed_function: format!("executing \"{function}\" at <{location}>:"),
        });
    }
    let sep = remainder.rfind(": ")?;
    Some(Traceable {
        location: remainder[..sep].to_string(),
        message: cut_template(&remainder[sep + 2..]).to_string(),
        executed_function: String::new(),
    })
}

/// Trims a chained error starting with ` template:`.
fn cut_template(msg: &str) -> &str {
    match msg.find(" template:") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_keep_location_and_last_message() {
        assert_eq!(
            cleanup_parse_error(
                "c/templates/x.yaml",
                "template: c/templates/x.yaml:3: function \"nope\" not defined"
            ),
            "parse error at (c/templates/x.yaml:3): function \"nope\" not defined"
        );
        assert_eq!(
            cleanup_parse_error("f", "weird"),
            "parse error in (f): weird"
        );
    }

    #[test]
    fn warn_markers_are_greedy() {
        assert_eq!(
            warn_match("x HELM_ERR_STARTaHELM_ERR_END b HELM_ERR_END"),
            Some("aHELM_ERR_END b ")
        );
        assert_eq!(warn_match("HELM_ERR_END HELM_ERR_START"), None);
    }
}
