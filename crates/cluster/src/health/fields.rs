//! Reading fields of a live object the two ways the Go health rules do: as a typed Go struct
//! (`runtime.DefaultUnstructuredConverter.FromUnstructured`: absent or null is the zero value, a
//! value of the wrong type is an error) and as kstatus's lenient `Get*Field` (anything unusable is
//! the default).

use serde_json::Value;

/// A field whose value has the wrong type for the Go struct it would be converted into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub expected: &'static str,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, ".{}: expected {}", self.path, self.expected)
    }
}

/// The value at `path`, `None` when a step is missing, null or not an object.
pub fn get<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = obj;
    for key in path {
        cur = cur.as_object()?.get(*key)?;
    }
    if cur.is_null() { None } else { Some(cur) }
}

fn err(path: &[&str], expected: &'static str) -> FieldError {
    FieldError {
        path: path.join("."),
        expected,
    }
}

/// An integer as a typed field reads it: `None` when absent or null (a Go pointer left nil).
pub fn int(obj: &Value, path: &[&str]) -> Result<Option<i64>, FieldError> {
    match get(obj, path) {
        None => Ok(None),
        Some(v) => as_int(v).map(Some).ok_or_else(|| err(path, "an integer")),
    }
}

/// An integer field of a Go struct (not a pointer): absent is 0.
pub fn int0(obj: &Value, path: &[&str]) -> Result<i64, FieldError> {
    Ok(int(obj, path)?.unwrap_or(0))
}

/// A string field of a Go struct: absent is "".
pub fn string<'a>(obj: &'a Value, path: &[&str]) -> Result<&'a str, FieldError> {
    match get(obj, path) {
        None => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(err(path, "a string")),
    }
}

/// A bool field of a Go struct: absent is false.
pub fn boolean(obj: &Value, path: &[&str]) -> Result<bool, FieldError> {
    match get(obj, path) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(path, "a boolean")),
    }
}

/// A list field of a Go struct: absent is empty.
pub fn list<'a>(obj: &'a Value, path: &[&str]) -> Result<&'a [Value], FieldError> {
    match get(obj, path) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(err(path, "a list")),
    }
}

/// Whether a pointer-to-struct field is set (present, not null).
pub fn is_set(obj: &Value, path: &[&str]) -> bool {
    get(obj, path).is_some()
}

/// JSON numbers decode to int64 when integral (as apimachinery's JSON decoding does).
fn as_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // An integral float converts; FromUnstructured rejects a fraction.
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// kstatus's `GetStringField`: the string at `path`, else `default`.
pub fn string_or<'a>(obj: &'a Value, path: &[&str], default: &'a str) -> &'a str {
    get(obj, path).and_then(Value::as_str).unwrap_or(default)
}

/// One entry of `status.conditions`, as the common condition shape reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition<'a> {
    pub type_: &'a str,
    pub status: &'a str,
    pub reason: &'a str,
    pub message: &'a str,
}

/// `status.conditions` of an object, converted as a typed struct would be.
pub fn conditions(obj: &Value) -> Result<Vec<Condition<'_>>, FieldError> {
    list(obj, &["status", "conditions"])?
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let at = |field: &'static str| -> Result<&str, FieldError> {
                match get(c, &[field]) {
                    None => Ok(""),
                    Some(Value::String(s)) => Ok(s),
                    Some(_) => Err(FieldError {
                        path: format!("status.conditions[{i}].{field}"),
                        expected: "a string",
                    }),
                }
            };
            if !c.is_object() {
                return Err(FieldError {
                    path: format!("status.conditions[{i}]"),
                    expected: "an object",
                });
            }
            Ok(Condition {
                type_: at("type")?,
                status: at("status")?,
                reason: at("reason")?,
                message: at("message")?,
            })
        })
        .collect()
}

/// Go's `%q` of a string (`strconv.Quote`): double quotes, Go escapes for `"`, `\` and
/// non-printable characters. Object names are DNS names, so the escapes are for robustness only.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_reads() {
        let o =
            json!({"spec": {"replicas": 3, "paused": true, "bad": "x", "null": null, "f": 2.0}});
        assert_eq!(int(&o, &["spec", "replicas"]), Ok(Some(3)));
        assert_eq!(int(&o, &["spec", "missing"]), Ok(None));
        assert_eq!(int(&o, &["spec", "null"]), Ok(None));
        assert_eq!(int(&o, &["spec", "f"]), Ok(Some(2)));
        assert!(int(&o, &["spec", "bad"]).is_err());
        assert_eq!(boolean(&o, &["spec", "paused"]), Ok(true));
        assert_eq!(string(&o, &["spec", "none"]), Ok(""));
        assert_eq!(string_or(&o, &["spec", "replicas"], "d"), "d");
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("guestbook-ui"), "\"guestbook-ui\"");
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("\x01"), "\"\\x01\"");
    }
}
