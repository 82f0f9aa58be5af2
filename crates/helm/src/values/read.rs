//! Reading `-f` files and `--set-file` values as helm's `readFile` does: `-` is stdin, a URL
//! with a scheme helm fetches (`http`, `https`, `oci`) is refused (canon does not fetch values
//! over the network), anything else is a local path (`ftp://x` included, as in helm).

use std::io::Read;

/// helm's `readFile`, with Go's error texts.
pub(crate) fn read_file(
    path: &str,
    stdin: &mut dyn FnMut() -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    if path.trim() == "-" {
        return stdin();
    }
    let scheme = url_scheme(path)?;
    if matches!(scheme.as_str(), "http" | "https" | "oci") {
        return Err(format!(
            "canon does not fetch values from {scheme} URLs ({path}): download the file and pass its path"
        ));
    }
    read_local(path)
}

/// The standard input, read once.
pub(crate) fn read_stdin() -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| format!("read /dev/stdin: {}", errno_text(&e)))?;
    Ok(buf)
}

/// `os.ReadFile(path)` with Go's `*PathError` text.
fn read_local(path: &str) -> Result<Vec<u8>, String> {
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("open {path}: {}", errno_text(&e)))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| format!("read {path}: {}", errno_text(&e)))?;
    Ok(buf)
}

/// Go's `syscall.Errno` text for the errors a file read meets.
fn errno_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(2) => "no such file or directory".into(),
        Some(13) => "permission denied".into(),
        Some(20) => "not a directory".into(),
        Some(21) => "is a directory".into(),
        Some(36) => "file name too long".into(),
        Some(40) => "too many levels of symbolic links".into(),
        _ => {
            let s = e.to_string();
            // Rust appends " (os error N)" and capitalizes; Go does neither.
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// The scheme `net/url.Parse` finds (lower-cased), or its error for what canon checks: a
/// leading `:`, control characters, bad `%` escapes.
fn url_scheme(raw: &str) -> Result<String, String> {
    let quoted = go_quote(raw);
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(format!(
            "parse {quoted}: net/url: invalid control character in URL"
        ));
    }
    let mut scheme = String::new();
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err(format!("parse {quoted}: missing protocol scheme")),
            ':' => {
                scheme = raw[..i].to_ascii_lowercase();
                break;
            }
            _ => break,
        }
    }
    // Escapes are checked in the path (and fragment) as Go's unescape does.
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                let end = (i + 3).min(b.len());
                let bad = String::from_utf8_lossy(&b[i..end]);
                return Err(format!(
                    "parse {quoted}: invalid URL escape {}",
                    go_quote(&bad)
                ));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(scheme)
}

fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// k8s `YAMLReader.Read` over a whole text: the documents helm v4's `LoadValues` unmarshals,
/// or the separator error.
pub(crate) fn yaml_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!("invalid Yaml document separator: {trimmed}"));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
                continue;
            }
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_like_yaml_reader() {
        assert_eq!(
            yaml_documents("a: 1\n---\nb: 2\n").unwrap(),
            ["a: 1\n", "b: 2\n"]
        );
        // A leading separator stays in the first document; a trailing one ends nothing.
        assert_eq!(yaml_documents("---\na: 1\n---\n").unwrap(), ["---\na: 1\n"]);
        assert_eq!(
            yaml_documents("a: 1\n---x\n").unwrap_err(),
            "invalid Yaml document separator: x"
        );
        assert_eq!(
            yaml_documents("a: 1\n--- # c\nb: 2").unwrap(),
            ["a: 1\n", "b: 2"]
        );
    }

    #[test]
    fn url_errors_read_like_go() {
        assert_eq!(url_scheme("values.yaml").unwrap(), "");
        assert_eq!(url_scheme("HTTP://x/y").unwrap(), "http");
        assert_eq!(
            url_scheme(":x").unwrap_err(),
            "parse \":x\": missing protocol scheme"
        );
        assert_eq!(
            url_scheme("a%zz.yaml").unwrap_err(),
            "parse \"a%zz.yaml\": invalid URL escape \"%zz\""
        );
    }
}
