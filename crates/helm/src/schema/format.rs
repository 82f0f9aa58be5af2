//! The `format` checks the Go library asserts for draft 4/6/7 schemas, with its messages:
//! ipv4, ipv6, hostname, email, uuid, json-pointer, relative-json-pointer, duration, date,
//! time, date-time, uri, iri, uri-reference, iri-reference (Go's `net/url.Parse` checks, the
//! common ones). Other formats (uri-template, regex, semver, period, ... ) pass, as unknown
//! formats do in Go.

use gotmpl::Value;

/// The Go library's error for `v` not being a valid `format`, or `None`.
pub(crate) fn check(format: &str, v: &Value) -> Option<String> {
    let Value::String(s) = v else {
        return None;
    };
    match format {
        "ipv4" => ipv4(s),
        "ipv6" => ipv6(s),
        "hostname" => hostname(s),
        "email" => email(s),
        "uuid" => uuid(s),
        "json-pointer" => json_pointer(s),
        "relative-json-pointer" => relative_json_pointer(s),
        "duration" => duration(s),
        "date" => date(s),
        "time" => time(s),
        "date-time" => date_time(s),
        "uri" | "iri" => uri(s),
        "uri-reference" | "iri-reference" => uri_reference(s),
        _ => None,
    }
}

/// Go's `%q` of a rune.
fn quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\t' => "'\\t'".into(),
        '\r' => "'\\r'".into(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("'\\x{:02x}'", c as u32),
        c if goyaml::go_is_print(c) => format!("'{c}'"),
        c if (c as u32) < 0x10000 => format!("'\\u{:04x}'", c as u32),
        c => format!("'\\U{:08x}'", c as u32),
    }
}

fn ipv4(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('.').collect();
    if groups.len() != 4 {
        return Some("expected four decimals".into());
    }
    for g in groups {
        if g.len() > 1 && g.starts_with('0') {
            return Some("leading zeros".into());
        }
        let digits = g.strip_prefix(['+', '-']).unwrap_or(g);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("strconv.Atoi: parsing {g:?}: invalid syntax"));
        }
        match g.parse::<i64>() {
            Ok(n) if (0..=255).contains(&n) => {}
            _ => return Some("decimal must be between 0 and 255".into()),
        }
    }
    None
}

fn ipv6(s: &str) -> Option<String> {
    if !s.contains(':') {
        return Some("missing colon".into());
    }
    if s.contains('%') {
        // netip accepts a zone; the library then refuses it.
        let (addr, _) = s.split_once('%').unwrap_or((s, ""));
        if addr.parse::<std::net::Ipv6Addr>().is_ok() {
            return Some("zone id is not a part of ipv6 address".into());
        }
    }
    // netip.ParseAddr's own texts are not reproduced; the verdict is.
    s.parse::<std::net::Ipv6Addr>()
        .is_err()
        .then(|| format!("ParseAddr({s:?}): invalid IPv6 address"))
}

fn hostname(s: &str) -> Option<String> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.len() > 253 {
        return Some("more than 253 characters long".into());
    }
    for label in s.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Some("label must be 1 to 63 characters long".into());
        }
        if label.starts_with('-') {
            return Some("label starts with hyphen".into());
        }
        if label.ends_with('-') {
            return Some("label ends with hyphen".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Some(format!("invalid character {}", quote_rune(c)));
        }
    }
    None
}

fn email(s: &str) -> Option<String> {
    if s.len() > 254 {
        return Some("more than 255 characters long".into());
    }
    let Some(at) = s.rfind('@') else {
        return Some("missing @".into());
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.len() > 64 {
        return Some("local part more than 64 characters long".into());
    }
    if local.len() > 1 && local.starts_with('"') {
        let inner = &local[1..local.len() - 1];
        if inner.contains(['\\', '"']) {
            return Some("backslash and quote are not allowed within quoted local part".into());
        }
    } else {
        if local.starts_with('.') {
            return Some("starts with dot".into());
        }
        if local.ends_with('.') {
            return Some("ends with dot".into());
        }
        if local.contains("..") {
            return Some("consecutive dots".into());
        }
        if let Some(c) = local
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ".!#$%&'*+-/=?^_`{|}~".contains(*c)))
        {
            return Some(format!("invalid character {}", quote_rune(c)));
        }
    }
    if domain.starts_with('[') && domain.ends_with(']') && domain.len() >= 2 {
        let d = &domain[1..domain.len() - 1];
        if let Some(rem) = d.strip_prefix("IPv6:") {
            return ipv6(rem).map(|e| format!("invalid ipv6 address: {e}"));
        }
        return ipv4(d).map(|e| format!("invalid ipv4 address: {e}"));
    }
    hostname(domain).map(|e| format!("invalid domain: {e}"))
}

fn uuid(s: &str) -> Option<String> {
    const HEX_GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = s.split('-').collect();
    if groups.len() != HEX_GROUPS.len() {
        return Some(format!("must have {} elements", HEX_GROUPS.len()));
    }
    for (i, g) in groups.iter().enumerate() {
        if g.len() != HEX_GROUPS[i] {
            return Some(format!(
                "element {} must be {} characters long",
                i + 1,
                HEX_GROUPS[i]
            ));
        }
        if let Some(c) = g.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Some(format!("non-hex character {}", quote_rune(c)));
        }
    }
    None
}

fn json_pointer(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if !s.starts_with('/') {
        return Some("not starting with /".into());
    }
    for tok in s.split('/').skip(1) {
        let mut escape = false;
        for c in tok.chars() {
            if escape {
                escape = false;
                if c != '0' && c != '1' {
                    return Some("~ must be followed by 0 or 1".into());
                }
                continue;
            }
            if c == '~' {
                escape = true;
                continue;
            }
            if c == '/' {
                return Some(format!("invalid character {}", quote_rune(c)));
            }
        }
        if escape {
            return Some("~ must be followed by 0 or 1".into());
        }
    }
    None
}

fn relative_json_pointer(s: &str) -> Option<String> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Some("must start with non-negative integer".into());
    }
    if digits > 1 && s.starts_with('0') {
        return Some("starts with zero".into());
    }
    let rest = &s[digits..];
    if rest == "#" {
        return None;
    }
    json_pointer(rest)
}

fn duration(s: &str) -> Option<String> {
    let Some(s) = s.strip_prefix('P') else {
        return Some("must start with P".into());
    };
    if s.is_empty() {
        return Some("nothing after P".into());
    }
    if let Some(w) = s.strip_suffix('W') {
        if w.is_empty() {
            return Some("no number in week".into());
        }
        if !w.bytes().all(|b| b.is_ascii_digit()) {
            return Some("invalid week".into());
        }
        return None;
    }
    let all_units = ["YMD", "HMS"];
    for (i, part) in s.split('T').enumerate() {
        if i != 0 && part.is_empty() {
            return Some("no time elements".into());
        }
        if i >= all_units.len() {
            return Some("more than one T".into());
        }
        let mut units = all_units[i];
        let mut rest = part;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Some("missing number".into());
            }
            rest = &rest[digits..];
            let Some(unit) = rest.chars().next() else {
                return Some("missing unit".into());
            };
            match units.find(unit) {
                Some(j) => units = &units[j + 1..],
                None if all_units[i].contains(unit) => {
                    return Some(format!("unit {} out of order", quote_rune(unit)));
                }
                None => return Some(format!("invalid unit {}", quote_rune(unit))),
            }
            rest = &rest[unit.len_utf8()..];
        }
    }
    None
}

/// Go's `time` package quoting of a value in a parse error.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && c >= ' ' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `time.Parse("2006-01-02", s)`'s error.
fn date(s: &str) -> Option<String> {
    let bad = |rest: &str, elem: &str| {
        Some(format!(
            "parsing time {} as \"2006-01-02\": cannot parse {} as \"{elem}\"",
            time_quote(s),
            time_quote(rest)
        ))
    };
    let digits =
        |t: &str, n: usize| t.len() >= n && t.as_bytes()[..n].iter().all(u8::is_ascii_digit);
    if !digits(s, 4) {
        return bad(s, "2006");
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let rest = &s[4..];
    let Some(rest) = rest.strip_prefix('-') else {
        return bad(rest, "-");
    };
    if !digits(rest, 2) {
        return bad(rest, "01");
    }
    let month: i64 = rest[..2].parse().unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Some(format!(
            "parsing time {}: month out of range",
            time_quote(s)
        ));
    }
    let rest = &rest[2..];
    let Some(rest) = rest.strip_prefix('-') else {
        return bad(rest, "-");
    };
    if !digits(rest, 2) {
        return bad(rest, "02");
    }
    let day: i64 = rest[..2].parse().unwrap_or(0);
    let rest = &rest[2..];
    if !rest.is_empty() {
        return Some(format!(
            "parsing time {}: extra text: {}",
            time_quote(s),
            time_quote(rest)
        ));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return Some(format!("parsing time {}: day out of range", time_quote(s)));
    }
    None
}

/// Go's `strconv.Atoi` verdict.
fn atoi(s: &str) -> Option<i64> {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn time(s: &str) -> Option<String> {
    let err = |m: &str| Some(m.to_string());
    if s.len() < 9 {
        return err("less than 9 characters long");
    }
    let b = s.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return err("missing colon in correct place");
    }
    let Some(head) = s.get(..8) else {
        return err("invalid hour/min/sec");
    };
    let mut hms = Vec::new();
    for tok in head.splitn(3, ':') {
        match atoi(tok) {
            None => return err("invalid hour/min/sec"),
            Some(i) if i < 0 => return err("non-positive hour/min/sec"),
            Some(i) => hms.push(i),
        }
    }
    if hms.len() != 3 {
        return err("missing hour/min/sec");
    }
    let (mut h, mut m, sec) = (hms[0], hms[1], hms[2]);
    if h > 23 || m > 59 || sec > 60 {
        return err("hour/min/sec out of range");
    }
    let mut rest = &s[8..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return err("no digits in second fraction");
        }
        rest = &r[n..];
    }
    if rest != "z" && rest != "Z" {
        if rest.len() != 6 {
            return err("offset must be 6 characters long");
        }
        let sign = match rest.as_bytes()[0] {
            b'+' => -1,
            b'-' => 1,
            _ => return err("offset must begin with plus/minus"),
        };
        let r = &rest[1..];
        if r.as_bytes()[2] != b':' {
            return err("missing colon in offset in correct place");
        }
        let mut zhm = Vec::new();
        for tok in r.splitn(2, ':') {
            match atoi(tok) {
                None => return err("invalid hour/min in offset"),
                Some(i) if i < 0 => return err("non-positive hour/min in offset"),
                Some(i) => zhm.push(i),
            }
        }
        let (zh, zm) = (zhm[0], zhm[1]);
        if zh > 23 || zm > 59 {
            return err("hour/min in offset out of range");
        }
        let mut hm = (h * 60 + m) + sign * (zh * 60 + zm);
        if hm < 0 {
            hm += 24 * 60;
        }
        h = hm / 60;
        m = hm % 60;
    }
    if sec >= 60 && (h != 23 || m != 59) {
        return err("invalid leap second");
    }
    None
}

fn date_time(s: &str) -> Option<String> {
    if s.len() < 20 {
        return Some("less than 20 characters long".into());
    }
    let b = s.as_bytes();
    if b[10] != b't' && b[10] != b'T' {
        return Some("11th character must be t or T".into());
    }
    let (Some(d), Some(t)) = (s.get(..10), s.get(11..)) else {
        return Some("11th character must be t or T".into());
    };
    if let Some(e) = date(d) {
        return Some(format!("invalid date element: {e}"));
    }
    time(t).map(|e| format!("invalid time element: {e}"))
}

/// strconv.Quote for the URL errors.
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
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// net/url's `unescape` checks: `%` escapes, and in a host the characters it allows.
fn url_unescape_check(s: &str, host: bool) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                let end = (i + 3).min(b.len());
                return Err(format!(
                    "invalid URL escape {}",
                    go_quote(&String::from_utf8_lossy(&b[i..end]))
                ));
            }
            i += 3;
            continue;
        }
        if host
            && b[i] < 0x80
            && !(b[i].is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&b[i]))
        {
            return Err(format!(
                "invalid character {} in host name",
                go_quote(&(b[i] as char).to_string())
            ));
        }
        i += 1;
    }
    Ok(())
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// `net/url.Parse` as the library's `parseURL` uses it: the scheme, or Go's error text.
fn parse_url(raw: &str) -> Result<String, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let wrap = |what: &str, e: String| format!("parse {}: {e}", go_quote(what));
    if u.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(wrap(u, "net/url: invalid control character in URL".into()));
    }
    let mut scheme = String::new();
    let mut rest = u;
    if u != "*" {
        for (i, c) in u.char_indices() {
            match c {
                'a'..='z' | 'A'..='Z' => {}
                '0'..='9' | '+' | '-' | '.' if i > 0 => {}
                ':' if i == 0 => return Err(wrap(u, "missing protocol scheme".into())),
                ':' => {
                    scheme = u[..i].to_ascii_lowercase();
                    rest = &u[i + 1..];
                    break;
                }
                _ => break,
            }
        }
        rest = if rest.ends_with('?') && rest.matches('?').count() == 1 {
            &rest[..rest.len() - 1]
        } else {
            rest.split_once('?').map_or(rest, |(p, _)| p)
        };
        let opaque = !rest.starts_with('/') && !scheme.is_empty();
        if !opaque {
            if !rest.starts_with('/')
                && let Some(colon) = rest.find(':')
                && !rest[..colon].contains('/')
            {
                return Err(wrap(
                    u,
                    "first path segment in URL cannot contain colon".into(),
                ));
            }
            if (!scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
                let after = &rest[2..];
                let (authority, path) = match after.find('/') {
                    Some(i) => (&after[..i], &after[i..]),
                    None => (after, ""),
                };
                let host = match authority.rfind('@') {
                    Some(i) => {
                        let userinfo = &authority[..i];
                        if !userinfo.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b)
                        }) {
                            return Err(wrap(u, "net/url: invalid userinfo".into()));
                        }
                        url_unescape_check(userinfo, false).map_err(|e| wrap(u, e))?;
                        &authority[i + 1..]
                    }
                    None => authority,
                };
                let hostname = if host.starts_with('[') {
                    let Some(end) = host.rfind(']') else {
                        return Err(wrap(u, "missing ']' in host".into()));
                    };
                    let port = &host[end + 1..];
                    if !valid_optional_port(port) {
                        return Err(wrap(
                            u,
                            format!("invalid port {} after host", go_quote(port)),
                        ));
                    }
                    host[1..end].to_string()
                } else {
                    if let Some(i) = host.find(':') {
                        let port = &host[i..];
                        if !valid_optional_port(port) {
                            return Err(wrap(
                                u,
                                format!("invalid port {} after host", go_quote(port)),
                            ));
                        }
                    }
                    host.split_once(':').map_or(host, |(h, _)| h).to_string()
                };
                url_unescape_check(host, true).map_err(|e| wrap(u, e))?;
                url_unescape_check(path, false).map_err(|e| wrap(u, e))?;
                // The library: an IPv6 host must be bracketed and valid.
                if hostname.contains(':') {
                    if !host.contains('[') || !host.contains(']') {
                        return Err("ipv6 address not enclosed in brackets".into());
                    }
                    if let Some(e) = ipv6(&hostname) {
                        return Err(format!("invalid ipv6 address: {e}"));
                    }
                }
            } else {
                url_unescape_check(rest, false).map_err(|e| wrap(u, e))?;
            }
        }
    }
    if !frag.is_empty() {
        url_unescape_check(frag, false).map_err(|e| wrap(raw, e))?;
    }
    Ok(scheme)
}

fn uri(s: &str) -> Option<String> {
    match parse_url(s) {
        Err(e) => Some(e),
        Ok(scheme) if scheme.is_empty() => Some("relative url".into()),
        Ok(_) => None,
    }
}

fn uri_reference(s: &str) -> Option<String> {
    if s.contains('\\') {
        return Some("contains \\".into());
    }
    parse_url(s).err()
}
