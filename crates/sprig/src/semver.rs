//! `semver` and `semverCompare`: a port of Masterminds/semver v3.3.0 (the version Sprig v3.3.0
//! pins): its loose version regex, constraint grammar (`||`, commas, hyphen ranges, `~`, `^`,
//! x-ranges, `>=1.19-0`), the "dirty" x-range rules and prerelease exclusion, and its error texts.
//! The `semver` crate implements Cargo's rules, which differ, so this is written out.

use std::cmp::Ordering;
use std::sync::Arc;

use gotmpl::{ArgType, Func, Object, UintKind, Value};

use crate::conv::{as_str, parse_uint};
use crate::t::*;
use crate::{Env, Reg};

mod grammar;

/// A Masterminds `*semver.Version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

fn contains_only(s: &str, extra_letters: bool) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_digit() || extra_letters && (c.is_ascii_alphabetic() || c == b'-'))
}

fn seg(s: &str) -> Result<u64, String> {
    parse_uint(s, 10).ok_or_else(|| {
        let q = gotmpl::fmt::sprintf("%q", &[Value::string(s)]);
        let why = if s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty() {
            "value out of range"
        } else {
            "invalid syntax"
        };
        format!("Error parsing version segment: strconv.ParseUint: parsing {q}: {why}")
    })
}

impl Version {
    /// `semver.NewVersion`.
    pub fn parse(v: &str) -> Result<Version, String> {
        let Some(m) = grammar::version(v) else {
            return Err("Invalid Semantic Version".into());
        };
        let g = |(a, b): (usize, usize)| &v[a..b];
        // The prerelease and metadata without their `-` and `+` (groups 5 and 8).
        let tail = |r: (usize, usize)| g(r).get(1..).unwrap_or("");
        let mut sv = Version {
            major: seg(g(m.major))?,
            minor: 0,
            patch: 0,
            pre: tail(m.pre).to_string(),
            metadata: tail(m.meta).to_string(),
            original: v.to_string(),
        };
        if !g(m.minor).is_empty() {
            sv.minor = seg(&g(m.minor)[1..])?;
        }
        if !g(m.patch).is_empty() {
            sv.patch = seg(&g(m.patch)[1..])?;
        }
        if !sv.pre.is_empty() {
            for p in sv.pre.split('.') {
                if contains_only(p, false) {
                    if p.len() > 1 && p.starts_with('0') {
                        return Err("Version segment starts with 0".into());
                    }
                } else if !contains_only(p, true) {
                    return Err("Invalid Prerelease string".into());
                }
            }
        }
        if !sv.metadata.is_empty() && !sv.metadata.split('.').all(|p| contains_only(p, true)) {
            return Err("Invalid Metadata string".into());
        }
        Ok(sv)
    }

    /// `Version.Compare`: precedence by major, minor, patch, then prerelease (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        self.major
            .cmp(&o.major)
            .then(self.minor.cmp(&o.minor))
            .then(self.patch.cmp(&o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }

    fn inc(&self, which: u8) -> Version {
        let mut n = self.clone();
        n.metadata.clear();
        match which {
            0 => {
                n.major += 1;
                n.minor = 0;
                n.patch = 0;
            }
            1 => {
                n.minor += 1;
                n.patch = 0;
            }
            _ => {
                if self.pre.is_empty() {
                    n.patch += 1;
                }
            }
        }
        n.pre.clear();
        let v = if self.original.starts_with('v') {
            "v"
        } else {
            ""
        };
        n.original = format!("{v}{n}");
        n
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let s: Vec<&str> = v.split('.').collect();
    let t: Vec<&str> = o.split('.').collect();
    for i in 0..s.len().max(t.len()) {
        let d = compare_pre_part(
            s.get(i).copied().unwrap_or(""),
            t.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (parse_uint(s, 10), parse_uint(o, 10)) {
        (None, None) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (_, None) => Ordering::Less,
        (None, _) => Ordering::Greater,
        (Some(a), Some(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::parse("0.0.0").map_err(|_| "constraint Parser Error".to_string())?,
            op: String::new(),
            minor_dirty: false,
            dirty: true,
            patch_dirty: false,
        });
    }
    let Some((op, m)) = grammar::constraint(c) else {
        return Err(format!("improper constraint: {c}"));
    };
    // Masterminds' capture groups: 1 the operator, 2 the version, 3-5 its segments (minor and
    // patch with their dots), 6 the prerelease with its dash.
    let g = |(a, b): (usize, usize)| &c[a..b];
    let (major, minor, patch, pre) = (g(m.major), g(m.minor), g(m.patch), g(m.pre));
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let mut ver = g((m.start, m.end)).to_string();
    if is_x(major) || major.is_empty() {
        ver = format!("0.0.0{pre}");
        dirty = true;
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        ver = format!("{major}.0.0{pre}");
    } else if is_x(patch.strip_prefix('.').unwrap_or(patch)) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        ver = format!("{major}{minor}.0{pre}");
    }
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint {
        con,
        op: g(op).to_string(),
        minor_dirty,
        dirty,
        patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        self.check_with(v, None)
    }

    /// `group_pre`: `None` for v3.3.0's per-constraint prerelease rule; `Some(p)` for v3.5.0's,
    /// where a prerelease version is admitted iff some constraint of its AND group names a
    /// prerelease (`p`).
    fn check_with(&self, v: &Version, group_pre: Option<bool>) -> bool {
        let c = self;
        match group_pre {
            None => {
                if v.pre.is_empty() || !c.con.pre.is_empty() {
                    // fall through to the operator
                } else if c.op != "!=" {
                    return false;
                }
            }
            Some(include) => {
                if !v.pre.is_empty() && !include {
                    return false;
                }
            }
        }
        match c.op.as_str() {
            "" | "=" => {
                if c.dirty {
                    return tilde(v, c);
                }
                v.compare(&c.con) == Ordering::Equal
            }
            "!=" => not_equal(v, c, group_pre.is_some()),
            ">" => {
                if !c.dirty {
                    return v.compare(&c.con) == Ordering::Greater;
                }
                if v.major > c.con.major {
                    true
                } else if v.major < c.con.major || c.minor_dirty {
                    false
                } else if c.patch_dirty {
                    v.minor > c.con.minor
                } else {
                    v.compare(&c.con) == Ordering::Greater
                }
            }
            "<" => v.compare(&c.con) == Ordering::Less,
            ">=" | "=>" => v.compare(&c.con) != Ordering::Less,
            "<=" | "=<" => {
                if !c.dirty {
                    return v.compare(&c.con) != Ordering::Greater;
                }
                !(v.major > c.con.major
                    || v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty)
            }
            "~" | "~>" => tilde(v, c),
            "^" => caret(v, c),
            _ => false,
        }
    }
}

fn not_equal(v: &Version, c: &Constraint, v3_5: bool) -> bool {
    if c.dirty {
        if !v3_5 && !v.pre.is_empty() && c.con.pre.is_empty() {
            return false;
        }
        if c.con.major != v.major {
            return true;
        }
        if c.con.minor != v.minor && !c.minor_dirty {
            return true;
        } else if c.minor_dirty {
            return false;
        } else if c.con.patch != v.patch && !c.patch_dirty {
            return true;
        } else if c.patch_dirty {
            if !v.pre.is_empty() || !c.con.pre.is_empty() {
                return compare_prerelease(&v.pre, &c.con.pre) != Ordering::Equal;
            }
            return false;
        }
    }
    v.compare(&c.con) != Ordering::Equal
}

fn tilde(v: &Version, c: &Constraint) -> bool {
    if !v.pre.is_empty() && c.con.pre.is_empty() {
        return false;
    }
    if v.compare(&c.con) == Ordering::Less {
        return false;
    }
    if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty
    {
        return true;
    }
    if v.major != c.con.major {
        return false;
    }
    v.minor == c.con.minor || c.minor_dirty
}

fn caret(v: &Version, c: &Constraint) -> bool {
    if v.compare(&c.con) == Ordering::Less {
        return false;
    }
    if c.con.major > 0 || c.minor_dirty {
        return v.major == c.con.major;
    }
    if c.con.major == 0 && v.major > 0 {
        return false;
    }
    if c.con.minor > 0 || c.patch_dirty {
        return v.minor == c.con.minor;
    }
    if c.con.minor == 0 && v.minor > 0 {
        return false;
    }
    c.con.patch == v.patch
}

/// Masterminds' `rewriteRange`: `1 - 2` becomes `>= 1, <= 2 `.
fn rewrite_range(i: &str) -> String {
    let mut o = i.to_string();
    for ((a, b), lo, hi) in grammar::ranges(i) {
        let t = format!(">= {}, <= {} ", &i[lo.start..lo.end], &i[hi.start..hi.end]);
        o = o.replacen(&i[a..b], &t, 1);
    }
    o
}

/// `semver.NewConstraint`: OR groups of AND-ed constraints.
fn new_constraints(c: &str) -> Result<Vec<Vec<Constraint>>, String> {
    let c = rewrite_range(c);
    let mut out = Vec::new();
    for v in c.split("||") {
        if !grammar::valid(v) {
            return Err(format!("improper constraint: {v}"));
        }
        let found: Vec<&str> = crate::regex::find_all_with(|at| grammar::find_at(v, at), v, -1)
            .into_iter()
            .map(|(a, b)| &v[a..b])
            .collect();
        let found = if found.is_empty() { vec![v] } else { found };
        let mut group = Vec::new();
        for s in found {
            group.push(parse_constraint(s)?);
        }
        out.push(group);
    }
    Ok(out)
}

/// Sprig's `semverCompare`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let cs = new_constraints(constraint)?;
    let v = Version::parse(version)?;
    Ok(cs.iter().any(|g| g.iter().all(|c| c.check(&v))))
}

/// `Constraints.Check` of Masterminds/semver v3.5.0 (what helm v4 links: chart repository and
/// registry version picking): as [`semver_compare`], but a prerelease version is admitted for
/// an AND group when any constraint of that group names a prerelease.
pub fn semver_compare_v3_5(constraint: &str, version: &str) -> Result<bool, String> {
    let cs = new_constraints(constraint)?;
    let v = Version::parse(version)?;
    Ok(cs.iter().any(|g| {
        let pre = g.iter().any(|c| !c.con.pre.is_empty());
        g.iter().all(|c| c.check_with(&v, Some(pre)))
    }))
}

/// A `*semver.Version` in a template: methods as Masterminds defines them.
#[derive(Debug)]
struct VersionObj(Version);

const TYPE: &str = "*semver.Version";

fn obj(v: Version) -> Value {
    Value::Object(Arc::new(VersionObj(v)))
}

/// The version inside another `*semver.Version` argument.
fn other(v: &Value) -> Option<Version> {
    match v {
        Value::Object(o) => o.downcast_ref::<VersionObj>().map(|x| x.0.clone()),
        _ => None,
    }
}

impl Object for VersionObj {
    fn type_name(&self) -> String {
        TYPE.into()
    }
    fn display(&self) -> String {
        self.0.to_string()
    }
    /// Masterminds' `MarshalJSON`: the version string.
    fn marshal_json(&self) -> Option<String> {
        let mut out = String::new();
        goyaml::json::string(&self.0.to_string(), false, &mut out);
        Some(out)
    }
    fn method(&self, name: &str) -> Option<Func> {
        let v = self.0.clone();
        let u = move |x: u64| Value::Uint(x, UintKind::Uint64);
        let f = match name {
            "Major" => Func::simple(vec![], move |_| u(v.major)),
            "Minor" => Func::simple(vec![], move |_| u(v.minor)),
            "Patch" => Func::simple(vec![], move |_| u(v.patch)),
            "Prerelease" => Func::simple(vec![], move |_| Value::string(&v.pre)),
            "Metadata" => Func::simple(vec![], move |_| Value::string(&v.metadata)),
            "Original" => Func::simple(vec![], move |_| Value::string(&v.original)),
            "String" => Func::simple(vec![], move |_| Value::string(v.to_string())),
            "IncMajor" | "IncMinor" | "IncPatch" => {
                let which = match name {
                    "IncMajor" => 0,
                    "IncMinor" => 1,
                    _ => 2,
                };
                Func::simple(vec![], move |_| obj(v.inc(which)))
            }
            "Compare" | "LessThan" | "GreaterThan" | "Equal" | "LessThanEqual"
            | "GreaterThanEqual" => {
                let n = name.to_string();
                Func::new(vec![ArgType::Object(TYPE.into())], None, move |_, a| {
                    let Some(o) = other(&a[0]) else {
                        return Err(
                            "runtime error: invalid memory address or nil pointer dereference"
                                .into(),
                        );
                    };
                    let c = v.compare(&o);
                    Ok(match n.as_str() {
                        "Compare" => Value::int(c as i64),
                        "LessThan" => Value::Bool(c == Ordering::Less),
                        "GreaterThan" => Value::Bool(c == Ordering::Greater),
                        "LessThanEqual" => Value::Bool(c != Ordering::Greater),
                        "GreaterThanEqual" => Value::Bool(c != Ordering::Less),
                        _ => Value::Bool(c == Ordering::Equal),
                    })
                })
            }
            _ => return None,
        };
        Some(f)
    }
}

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("semver", vec![S], None, |a| {
        Ok(obj(Version::parse(as_str(&a[0]))?))
    });
    r.f("semverCompare", vec![S, S], None, |a| {
        Ok(Value::Bool(semver_compare(as_str(&a[0]), as_str(&a[1]))?))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masterminds_rules() {
        assert_eq!(semver_compare(">=1.19-0", "1.20.0-rc.1"), Ok(true));
        assert_eq!(semver_compare(">=1.19", "1.20.0-rc.1"), Ok(false));
        assert_eq!(semver_compare("^1.2", "1.9.9"), Ok(true));
        assert_eq!(semver_compare("~1.2.3", "1.3.0"), Ok(false));
        assert_eq!(semver_compare("1.2 - 1.4.5", "1.4.5"), Ok(true));
        assert_eq!(semver_compare("<1.0 || >=2.0", "1.5.0"), Ok(false));
        assert_eq!(
            Version::parse("v1.2").map(|v| v.to_string()),
            Ok("1.2.0".into())
        );
    }
}
