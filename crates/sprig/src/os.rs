//! Sprig's environment and network functions: `env`, `expandenv` (Go's `os.ExpandEnv`; both
//! removed in Helm's variant) and `getHostByName` (Helm: "" unless DNS is enabled).

use gotmpl::Value;

use crate::conv::as_str;
use crate::t::*;
use crate::{Env, Reg};

/// Go's `os.Expand` with `os.Getenv`.
fn expand_env(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            out.push_str(&s[last..i]);
            let (name, w) = shell_name(&s[i + 1..]);
            if name.is_none() && w > 0 {
                // Invalid syntax: Go eats the characters.
            } else if let Some(n) = name {
                out.push_str(&std::env::var(n).unwrap_or_default());
            } else {
                out.push('$');
            }
            i += w + 1;
            last = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[last..]);
    out
}

/// Go's `getShellName`: the variable name after `$` and the bytes it takes.
fn shell_name(s: &str) -> (Option<&str>, usize) {
    let b = s.as_bytes();
    if b[0] == b'{' {
        if b.len() > 2 && is_special(b[1]) && b[2] == b'}' {
            return (Some(&s[1..2]), 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return (None, 2);
                }
                return (Some(&s[1..i]), i + 1);
            }
        }
        return (None, 1);
    }
    if is_special(b[0]) {
        return (Some(&s[0..1]), 1);
    }
    let mut i = 0;
    while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
        i += 1;
    }
    if i == 0 {
        (None, 0)
    } else {
        (Some(&s[..i]), i)
    }
}

fn is_special(c: u8) -> bool {
    matches!(c, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || c.is_ascii_digit()
}

pub(crate) fn register(r: &mut Reg, env: &Env) {
    r.f("env", vec![S], None, |a| {
        Ok(Value::string(
            std::env::var(as_str(&a[0])).unwrap_or_default(),
        ))
    });
    r.f("expandenv", vec![S], None, |a| {
        Ok(Value::string(expand_env(as_str(&a[0]))))
    });
    let allow = !env.opts.helm || env.opts.allow_dns;
    let rng = env.rng.clone();
    r.f("getHostByName", vec![S], None, move |a| {
        if !allow {
            return Ok(Value::string(""));
        }
        use std::net::ToSocketAddrs;
        let addrs: Vec<String> = (as_str(&a[0]), 0)
            .to_socket_addrs()
            .map(|it| it.map(|sa| sa.ip().to_string()).collect())
            .unwrap_or_default();
        if addrs.is_empty() {
            return Err("invalid argument to Intn".into());
        }
        Ok(Value::string(
            &addrs[rng.below(addrs.len() as u64) as usize],
        ))
    });
}
