//! The `format` checks the Go library asserts for draft 4/6/7 schemas, for the formats charts
//! use; unknown formats pass, as in Go.

use gotmpl::Value;

/// The Go library's error for `v` not being a valid `format`, or `None`.
pub(crate) fn check(format: &str, v: &Value) -> Option<String> {
    let Value::String(s) = v else {
        return None;
    };
    match format {
        "ipv4" => ipv4(s),
        "ipv6" if !s.contains(':') => Some("missing colon".into()),
        // netip.ParseAddr's own texts are not reproduced; the verdict is.
        "ipv6" => s
            .parse::<std::net::Ipv6Addr>()
            .is_err()
            .then(|| format!("ParseAddr({s:?}): invalid IPv6 address")),
        _ => None,
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
