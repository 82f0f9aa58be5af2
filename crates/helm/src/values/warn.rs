//! helm's warning lines, as it writes them to stderr: helm v3's `log.Printf` with its
//! `file.go:line: ` prefix (helm sets `log.Lshortfile`), helm v4's `log.Printf` and `slog`
//! calls through its default slog text handler (`level=INFO msg="..."`).

use crate::HelmVersion;

/// A `log.Printf` line from `site` (`coalesce.go:316`, v3's call site).
pub(crate) fn logf(compat: HelmVersion, site: &str, text: &str) -> String {
    match compat {
        HelmVersion::V3 => format!("{site}: {text}"),
        HelmVersion::V4 => format!("level=INFO msg={}", slog_value(text)),
    }
}

/// A v4 `slog.Warn(msg, key, value, ...)` line.
pub(crate) fn slog_warn(msg: &str, attrs: &[(&str, &str)]) -> String {
    let mut out = format!("level=WARN msg={}", slog_value(msg));
    for (k, v) in attrs {
        out.push_str(&format!(" {k}={}", slog_value(v)));
    }
    out
}

/// slog's text handler: a value quoted (`strconv.Quote`) when it needs quoting.
fn slog_value(s: &str) -> String {
    let needs = s.is_empty()
        || s.chars().any(|c| {
            c == ' '
                || c == '='
                || c == '"'
                || (c as u32) < 0x20
                || c as u32 == 0x7f
                || (!c.is_ascii() && (c.is_whitespace() || !goyaml::go_is_print(c)))
        });
    if !needs {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `ErrNoTable`'s text: the first path element that is missing or not a table.
pub(crate) fn no_table(key: &str) -> String {
    format!("{} is not a table", slog_quote(key))
}

fn slog_quote(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_like_helm() {
        // As helm v4.2.4 and v3.21.4 print them (see the fixture cases).
        assert_eq!(
            logf(HelmVersion::V4, "coalesce.go:145", "warning: x y."),
            "level=INFO msg=\"warning: x y.\""
        );
        assert_eq!(
            logf(HelmVersion::V3, "coalesce.go:145", "warning: x y."),
            "coalesce.go:145: warning: x y."
        );
        assert_eq!(
            slog_warn(
                "ImportValues missing table",
                &[("error", &no_table("missing"))]
            ),
            "level=WARN msg=\"ImportValues missing table\" error=\"\\\"missing\\\" is not a table\""
        );
        assert_eq!(
            slog_warn(
                "returned non-bool value",
                &[("path", "sub.enabled"), ("chart", "sub")]
            ),
            "level=WARN msg=\"returned non-bool value\" path=sub.enabled chart=sub"
        );
    }
}
