//! A port of the validation half of `santhosh-tekuri/jsonschema/v6` (v6.0.2, what helm v4.2.4
//! and v3.21.4 both use): the same keywords per draft, the same error tree and messages.
//!
//! Written by hand because helm's error text is the library's error tree (`- at '/x': got
//! string, want integer`, nested causes indented, `$ref` wrappers skipped, English number
//! grouping from `x/text/message`), which no Rust validator reproduces.
//!
//! Not ported: references to documents canon does not have (helm loads `file://` and fetches
//! `http(s)://` refs; canon lets the value pass there, so values valid for helm render the
//! same), `$id`s of subschemas as new base URLs, content assertions (off in helm too), the
//! formats `format.rs` does not list (they pass), and Go's regexp engine itself (patterns are
//! compiled by the `regex` crate, whose syntax is RE2's, with Go's ASCII `\d \w \s \b`
//! spelled out; a pattern the crate refuses is skipped where Go would reject the schema).
//! Where Go iterates a map (an object's properties, so the order of several errors, and of
//! the names in `additional properties ... not allowed`) its order is random; canon uses key
//! order.

use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::cmp::Ordering;

use gotmpl::Value;

use super::json::J;
use crate::values::go_type;

/// One validation error: where, what, and its causes (the Go `ValidationError`).
#[derive(Debug)]
pub(crate) struct VErr {
    loc: Vec<String>,
    kind: Kind,
    msg: String,
    causes: Vec<VErr>,
}

#[derive(Debug, PartialEq)]
enum Kind {
    Plain,
    Group,
    Reference,
}

impl VErr {
    fn skip(&self) -> bool {
        self.kind == Kind::Reference && self.causes.len() == 1
    }

    fn display(&self, out: &mut String, mut indent: usize) {
        if !self.skip() {
            if indent > 0 {
                out.push('\n');
                for _ in 0..indent - 1 {
                    out.push_str("  ");
                }
                out.push_str("- ");
            }
            indent += 1;
            out.push_str(&format!("at {}: {}", quote(&json_ptr(&self.loc)), self.msg));
        }
        for c in &self.causes {
            c.display(out, indent);
        }
    }
}

/// The text helm prints for the errors of one schema (after helm trims the library's first
/// line), without helm's trailing newline.
pub(crate) fn render(root_causes: &[VErr]) -> String {
    let mut out = String::new();
    for c in root_causes {
        c.display(&mut out, 1);
    }
    out.strip_prefix('\n').unwrap_or(&out).to_string()
}

fn json_ptr(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        s.push('/');
        s.push_str(&ptr_tok(t));
    }
    s
}

/// The library's `quote`: Go's `%q`, then `\"` made `"` and `'` made `\'`, in single quotes
/// (so a string ending in a backslash loses one, as in Go).
pub(crate) fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            '\u{7}' => q.push_str("\\a"),
            '\u{8}' => q.push_str("\\b"),
            '\u{c}' => q.push_str("\\f"),
            '\u{b}' => q.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                q.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if goyaml::go_is_print(c) => q.push(c),
            c if (c as u32) < 0x10000 => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    q.push('"');
    // Only a `\"` or a `'` changes: most names have no backslash or `'` at all.
    let q = if q.contains(['\\', '\'']) {
        q.replace("\\\"", "\"").replace('\'', "\\'")
    } else {
        q
    };
    format!("'{}'", &q[1..q.len() - 1])
}

/// `x/text/message`'s English formatting of an integer (`%d`): digits grouped by commas.
fn group_int(i: i64) -> String {
    let s = i.unsigned_abs().to_string();
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n > 0 && (s.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if i < 0 { format!("-{out}") } else { out }
}

/// `x/text/message`'s English `%v` of a float64: `%g`'s shortest digits, the integer part
/// grouped by commas, an exponent written `×10⁰⁶`.
fn group_float(f: f64) -> String {
    let g = goyaml::format_float_g(f);
    if g.contains(['I', 'N']) {
        return g;
    }
    if let Some((mant, exp)) = g.split_once('e') {
        let sup = |c: char| match c {
            '-' => "⁻",
            '0' => "⁰",
            '1' => "¹",
            '2' => "²",
            '3' => "³",
            '4' => "⁴",
            '5' => "⁵",
            '6' => "⁶",
            '7' => "⁷",
            '8' => "⁸",
            '9' => "⁹",
            _ => "",
        };
        return format!("{mant}×10{}", exp.chars().map(sup).collect::<String>());
    }
    let (neg, rest) = match g.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, g.as_str()),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    for (n, c) in int.chars().enumerate() {
        if n > 0 && (int.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An exact decimal `m × 10^e` (Go compares numbers as `big.Rat`s of their `%v` text).
#[derive(Clone, Copy, Debug)]
struct Dec {
    m: i128,
    e: i32,
    f: f64,
}

fn parse_dec(s: &str) -> Option<Dec> {
    let f: f64 = s.parse().ok()?;
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(p) => (&body[..p], body[p + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let mut e = exp - frac.len() as i32;
    if digits.is_empty() {
        return Some(Dec { m: 0, e: 0, f });
    }
    let trimmed = digits.trim_end_matches('0');
    e += (digits.len() - trimmed.len()) as i32;
    if trimmed.len() > 36 {
        return Some(Dec {
            m: 0,
            e: i32::MAX,
            f,
        });
    }
    let m: i128 = trimmed.parse().ok()?;
    Some(Dec {
        m: if neg { -m } else { m },
        e,
        f,
    })
}

fn pow10(n: i32) -> Option<i128> {
    10i128.checked_pow(u32::try_from(n).ok()?)
}

impl Dec {
    fn exact(&self) -> bool {
        self.e != i32::MAX
    }

    fn cmp(&self, o: &Dec) -> Ordering {
        if self.exact() && o.exact() {
            let e = self.e.min(o.e);
            if let (Some(a), Some(b)) = (
                pow10(self.e - e).and_then(|p| self.m.checked_mul(p)),
                pow10(o.e - e).and_then(|p| o.m.checked_mul(p)),
            ) {
                return a.cmp(&b);
            }
        }
        self.f.partial_cmp(&o.f).unwrap_or(Ordering::Equal)
    }

    fn is_int(&self) -> bool {
        if self.exact() {
            return self.m == 0 || self.e >= 0;
        }
        self.f.fract() == 0.0
    }

    /// Whether `self / o` is an integer.
    fn multiple_of(&self, o: &Dec) -> bool {
        if o.m == 0 && o.exact() {
            return true;
        }
        if self.exact() && o.exact() {
            let r = if self.e >= o.e {
                pow10(self.e - o.e)
                    .and_then(|p| self.m.checked_mul(p))
                    .map(|a| a % o.m == 0)
            } else {
                pow10(o.e - self.e)
                    .and_then(|p| o.m.checked_mul(p))
                    .map(|b| self.m % b == 0)
            };
            if let Some(r) = r {
                return r;
            }
        }
        (self.f / o.f).fract() == 0.0
    }
}

/// A value's number as `fmt.Sprint` writes it.
fn num_text(v: &Value) -> Option<String> {
    Some(match v {
        Value::Int(i, _) => i.to_string(),
        Value::Uint(u, _) => u.to_string(),
        Value::Float(f, _) => goyaml::format_float_g(*f),
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum T {
    Null = 1,
    Boolean = 2,
    Number = 4,
    Integer = 8,
    String = 16,
    Array = 32,
    Object = 64,
}

const ALL_TYPES: [(T, &str); 7] = [
    (T::Null, "null"),
    (T::Boolean, "boolean"),
    (T::Number, "number"),
    (T::Integer, "integer"),
    (T::String, "string"),
    (T::Array, "array"),
    (T::Object, "object"),
];

fn type_of(v: &Value) -> Option<T> {
    Some(match v {
        Value::Nil => T::Null,
        Value::Bool(_) => T::Boolean,
        Value::Int(..) | Value::Uint(..) | Value::Float(..) => T::Number,
        Value::String(_) => T::String,
        Value::List(_) => T::Array,
        Value::Map(_) => T::Object,
        _ => return None,
    })
}

fn type_name(t: T) -> &'static str {
    ALL_TYPES
        .iter()
        .find(|(x, _)| *x == t)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

fn type_bits(j: &J) -> u32 {
    let one = |s: &str| {
        ALL_TYPES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(t, _)| *t as u32)
            .unwrap_or(0)
    };
    match j {
        J::Str(s) => one(s),
        J::Arr(a) => a
            .iter()
            .filter_map(J::as_str)
            .map(one)
            .fold(0, |x, y| x | y),
        _ => 0,
    }
}

fn type_of_j(j: &J) -> T {
    match j {
        J::Null => T::Null,
        J::Bool(_) => T::Boolean,
        J::Num(_) => T::Number,
        J::Str(_) => T::String,
        J::Arr(_) => T::Array,
        J::Obj(_) => T::Object,
    }
}

/// The library's `equals` between an instance value and a schema value.
fn equals(v: &Value, j: &J) -> bool {
    match (v, j) {
        (Value::Map(m), J::Obj(o)) => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
            let keys: std::collections::BTreeSet<&str> =
                o.iter().map(|(k, _)| k.as_str()).collect();
            entries.len() == keys.len()
                && entries
                    .iter()
                    .all(|(k, val)| j.get(k).is_some_and(|jv| equals(val, jv)))
        }
        (Value::List(l), J::Arr(a)) => {
            l.items.len() == a.len() && l.items.iter().zip(a).all(|(x, y)| equals(x, y))
        }
        (Value::Nil, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::String(a), J::Str(b)) => **a == **b,
        (v, J::Num(n)) => match (num_text(v).and_then(|t| parse_dec(&t)), parse_dec(n)) {
            (Some(a), Some(b)) => a.cmp(&b) == Ordering::Equal,
            _ => false,
        },
        _ => false,
    }
}

/// Equality between two instance values (for `uniqueItems`).
fn equals_vv(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (
                x.entries.read().unwrap_or_else(|p| p.into_inner()),
                y.entries.read().unwrap_or_else(|p| p.into_inner()),
            );
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equals_vv(v, w)))
        }
        (Value::List(x), Value::List(y)) => {
            x.items.len() == y.items.len()
                && x.items.iter().zip(&y.items).all(|(p, q)| equals_vv(p, q))
        }
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => match (
            num_text(a).and_then(|t| parse_dec(&t)),
            num_text(b).and_then(|t| parse_dec(&t)),
        ) {
            (Some(x), Some(y)) => x.cmp(&y) == Ordering::Equal,
            _ => false,
        },
    }
}

/// The library's `display` of a schema value (enum and const messages).
fn display_j(j: &J) -> String {
    match j {
        J::Str(s) => quote(s),
        J::Arr(_) | J::Obj(_) => "value".into(),
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        J::Num(n) => n.clone(),
    }
}

fn display_v(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::List(_) | Value::Map(_) => "value".into(),
        other => crate::values::go_fmt_v(other),
    }
}

fn int_val(j: Option<&J>) -> Option<i64> {
    match j {
        Some(J::Num(n)) => {
            let d = parse_dec(n)?;
            d.is_int().then_some(d.f as i64)
        }
        _ => None,
    }
}

/// Go's validation `scope`: the schema being applied (by its JSON pointer in the document), the
/// keyword that jumped to it (`$ref`), which instance value it validates, and its parent.
pub(crate) struct Scope<'p> {
    /// Which document (0: the chart's schema; then the metaschema documents).
    doc: usize,
    sloc: String,
    kw: &'static str,
    vid: usize,
    depth: usize,
    parent: Option<&'p Scope<'p>>,
}

impl<'p> Scope<'p> {
    fn root(doc: usize, sloc: String) -> Scope<'static> {
        Scope {
            doc,
            sloc,
            kw: "",
            vid: 0,
            depth: 0,
            parent: None,
        }
    }

    /// `validateSelf`: a subschema at `suffix` on the same value.
    fn sub(&'p self, suffix: &str) -> Scope<'p> {
        Scope {
            doc: self.doc,
            sloc: format!("{}{suffix}", self.sloc),
            kw: "",
            vid: self.vid,
            depth: self.depth + 1,
            parent: Some(self),
        }
    }

    /// `validateVal`: a subschema at `suffix` on a child value.
    fn val_child(&'p self, suffix: &str) -> Scope<'p> {
        Scope {
            vid: self.vid + 1,
            ..self.sub(suffix)
        }
    }

    /// A reference jump to the schema at `sloc`.
    fn jump(&'p self, doc: usize, sloc: &str, kw: &'static str) -> Scope<'p> {
        Scope {
            doc,
            sloc: sloc.to_string(),
            kw,
            vid: self.vid,
            depth: self.depth + 1,
            parent: Some(self),
        }
    }

    /// `checkCycle`: an enclosing scope applying the same schema to the same value.
    fn check_cycle(&self) -> Option<&Scope<'p>> {
        let mut p = self.parent;
        while let Some(sc) = p {
            if sc.vid != self.vid {
                break;
            }
            if sc.doc == self.doc && sc.sloc == self.sloc {
                return Some(sc);
            }
            p = sc.parent;
        }
        None
    }

    /// `kwLoc`: the keyword path from the root to this scope.
    fn kw_loc(&self) -> String {
        let mut loc = String::new();
        let mut sc = self;
        while let Some(p) = sc.parent {
            if !sc.kw.is_empty() {
                loc = format!("/{}{loc}", sc.kw);
            } else {
                let rel = sc.sloc.strip_prefix(p.sloc.as_str()).unwrap_or(&sc.sloc);
                loc = format!("{rel}{loc}");
            }
            sc = p;
        }
        loc
    }
}

fn ptr_tok(s: &str) -> String {
    // Nearly every name has neither: one copy instead of two searches and copies.
    if !s.contains(['~', '/']) {
        return s.to_string();
    }
    s.replace('~', "~0").replace('/', "~1")
}

/// Go's `uneval`: the properties and items no keyword has evaluated yet (tracked only where an
/// `unevaluatedProperties`/`unevaluatedItems` needs them).
#[derive(Default)]
pub(crate) struct Uneval {
    props: std::collections::BTreeSet<String>,
    items: std::collections::BTreeSet<usize>,
}

impl Uneval {
    fn is_empty(&self) -> bool {
        self.props.is_empty() && self.items.is_empty()
    }

    /// What a successful subschema left unevaluated, intersected in.
    fn merge(&mut self, other: &Uneval) {
        self.props.retain(|k| other.props.contains(k));
        self.items.retain(|i| other.items.contains(i));
    }
}

/// A compiled-enough schema document (its root and draft), with the documents its references
/// may name (the metaschemas' vocabularies), each by its base URL.
pub(crate) struct Validator<'a> {
    root: &'a J,
    draft: u32,
    /// The root document's URL (as Go loads it) and its `$id`, if any.
    base: String,
    alias: Option<String>,
    others: &'a [(String, J)],
    /// What [`Validator::resolve`] gave for each reference from each document: a schema's
    /// `$ref`s are followed again for every value they apply to (the metaschema's for every
    /// subschema of a big schema).
    resolved: RefCell<Vec<HashMap<String, Resolved<'a>>>>,
}

type Resolved<'a> = Result<Option<(usize, &'a J, String)>, String>;

const MAX_DEPTH: usize = 200;

impl<'a> Validator<'a> {
    pub(crate) fn new(root: &'a J) -> Result<Validator<'a>, String> {
        let draft = match root.get("$schema").and_then(J::as_str) {
            None => 2020,
            Some(s) => {
                let u = s.split('#').next().unwrap_or(s);
                let u = u
                    .strip_prefix("http://")
                    .or_else(|| u.strip_prefix("https://"))
                    .unwrap_or(u);
                match u {
                    "json-schema.org/draft-04/schema" => 4,
                    "json-schema.org/draft-06/schema" => 6,
                    "json-schema.org/draft-07/schema" => 7,
                    "json-schema.org/draft/2019-09/schema" => 2019,
                    _ => 2020,
                }
            }
        };
        let alias = root
            .get(if draft == 4 { "id" } else { "$id" })
            .and_then(J::as_str)
            .map(|id| id.split('#').next().unwrap_or(id).to_string());
        Ok(Validator {
            root,
            draft,
            base: "file:///values.schema.json".into(),
            alias,
            others: &[],
            resolved: RefCell::new(Vec::new()),
        })
    }

    /// A validator whose root document lives at `base`, with `others` it may reference.
    pub(crate) fn with_docs(
        root: &'a J,
        base: &str,
        others: &'a [(String, J)],
    ) -> Result<Validator<'a>, String> {
        let mut v = Validator::new(root)?;
        v.base = base.to_string();
        v.others = others;
        Ok(v)
    }

    /// Document `i`: its root and base URL.
    fn doc(&self, i: usize) -> (&'a J, &str) {
        match i {
            0 => (self.root, self.base.as_str()),
            i => {
                let (u, j) = &self.others[i - 1];
                (j, u.as_str())
            }
        }
    }

    /// The document at `url`, if canon has it.
    fn doc_at(&self, url: &str) -> Option<usize> {
        if url == self.base || Some(url) == self.alias.as_deref() {
            return Some(0);
        }
        self.others
            .iter()
            .position(|(u, _)| u == url)
            .map(|i| i + 1)
    }

    /// The draft the document declares (2020-12 when it names none or an unknown one).
    pub(crate) fn draft(&self) -> u32 {
        self.draft
    }

    /// `Schema.Validate`: the root causes, or `Ok`.
    pub(crate) fn validate(&self, v: &Value) -> Result<(), Vec<VErr>> {
        match self.val(
            self.root,
            v,
            &mut Vec::new(),
            &Scope::root(0, String::new()),
        ) {
            Ok(()) => Ok(()),
            Err(e) if e.kind == Kind::Group => Err(e.causes),
            Err(e) => Err(vec![e]),
        }
    }

    fn err(loc: &[String], msg: String) -> VErr {
        VErr {
            loc: loc.to_vec(),
            kind: Kind::Plain,
            msg,
            causes: Vec::new(),
        }
    }

    /// The schema a reference from document `doc` names: its document, itself and its JSON
    /// pointer; `None` for a document canon does not have (helm loads `file://` and fetches
    /// `http(s)://` references; canon lets the value pass there).
    fn resolve(&self, r: &str, doc: usize) -> Resolved<'a> {
        if let Some(hit) = self.resolved.borrow().get(doc).and_then(|m| m.get(r)) {
            return hit.clone();
        }
        let found = self.resolve_uncached(r, doc);
        let mut resolved = self.resolved.borrow_mut();
        if resolved.len() <= doc {
            resolved.resize_with(doc + 1, HashMap::new);
        }
        resolved[doc].insert(r.to_string(), found.clone());
        found
    }

    fn resolve_uncached(&self, r: &str, doc: usize) -> Resolved<'a> {
        let (url, frag) = r.split_once('#').unwrap_or((r, ""));
        let d = if url.is_empty() {
            doc
        } else {
            let abs = join_url(self.doc(doc).1, url);
            match self.doc_at(&abs) {
                Some(d) => d,
                None => return Ok(None),
            }
        };
        let root = self.doc(d).0;
        let frag = percent_decode(frag);
        if frag.is_empty() {
            return Ok(Some((d, root, String::new())));
        }
        let Some(path) = frag.strip_prefix('/') else {
            return Ok(find_anchor(root, &frag, self.draft, String::new()).map(|(j, p)| (d, j, p)));
        };
        let mut cur = root;
        for tok in path.split('/') {
            let tok = if tok.contains('~') {
                std::borrow::Cow::Owned(tok.replace("~1", "/").replace("~0", "~"))
            } else {
                std::borrow::Cow::Borrowed(tok)
            };
            cur = match cur {
                J::Obj(_) => cur.get(&tok),
                J::Arr(a) => tok.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            }
            .ok_or_else(|| format!("invalid jsonPointer {r}"))?;
        }
        Ok(Some((d, cur, frag)))
    }

    fn val(&self, s: &J, v: &Value, loc: &mut Vec<String>, sc: &Scope<'_>) -> Result<(), VErr> {
        self.val_ue(s, v, loc, sc, false).map(|_| ())
    }

    /// `validateSelf`: the subschema on the same value; what it evaluated counts for `ue`.
    fn val_self(
        &self,
        s: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
    ) -> Result<(), VErr> {
        let sub = self.val_ue(s, v, loc, sc, !ue.is_empty())?;
        ue.merge(&sub);
        Ok(())
    }

    /// `unevalFrom`: what `s` leaves to track on `v`.
    fn uneval_from(&self, s: &J, v: &Value, needs: bool) -> Uneval {
        let mut ue = Uneval::default();
        let o = match s {
            J::Obj(_) => Some(s),
            _ => None,
        };
        let has = |k: &str| o.and_then(|o| o.get(k)).is_some();
        let tracked = |k: &str| self.draft >= 2019 && has(k);
        match v {
            Value::Map(m)
                if !has("additionalProperties") && (needs || tracked("unevaluatedProperties")) =>
            {
                ue.props = m
                    .entries
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .keys()
                    .cloned()
                    .collect();
            }
            Value::List(l) => {
                let items = o.and_then(|o| o.get("items"));
                let (all, num) = if self.draft < 2020 {
                    match items {
                        Some(J::Arr(a)) => (has("additionalItems"), a.len()),
                        Some(_) => (true, 0),
                        None => (false, 0),
                    }
                } else {
                    let prefix = match o.and_then(|o| o.get("prefixItems")) {
                        Some(J::Arr(a)) => a.len(),
                        _ => 0,
                    };
                    (items.is_some(), prefix)
                };
                if !all && (needs || tracked("unevaluatedItems")) && num < l.items.len() {
                    ue.items = (num..l.items.len()).collect();
                }
            }
            _ => {}
        }
        ue
    }

    fn val_ue(
        &self,
        s: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        needs: bool,
    ) -> Result<Uneval, VErr> {
        if sc.depth > MAX_DEPTH {
            return Err(Self::err(loc, "schema nesting too deep".into()));
        }
        let mut ue = self.uneval_from(s, v, needs);
        let o = match s {
            J::Bool(true) => return Ok(ue),
            J::Bool(false) => return Err(Self::err(loc, "false schema".into())),
            J::Obj(_) => s,
            _ => return Ok(ue),
        };
        if let Some(prev) = sc.check_cycle() {
            return Err(Self::err(
                loc,
                format!(
                    "both {} and {} resolve to \"{}#{}\" causing reference cycle",
                    sc.kw_loc(),
                    prev.kw_loc(),
                    self.doc(sc.doc).1,
                    sc.sloc
                ),
            ));
        }
        let Some(t) = type_of(v) else {
            return Err(Self::err(loc, format!("invalid jsonType {}", go_type(v))));
        };
        let draft = self.draft;
        let mut errors: Vec<VErr> = Vec::new();

        if draft < 2019
            && let Some(r) = o.get("$ref").and_then(J::as_str)
        {
            // Before 2019 a `$ref` hides its siblings, but the Go library still compiles the
            // draft 6 keywords beside it, and checks `const` before following the reference.
            if draft >= 6
                && let Some(c) = o.get("const")
                && !equals(v, c)
            {
                return Err(Self::err(loc, const_msg(c)));
            }
            return self.val_ref(r, "$ref", v, loc, sc, &mut ue).map(|()| ue);
        }

        // type --
        if let Some(tj) = o.get("type") {
            let bits = type_bits(tj);
            if bits != 0 {
                let matched = bits & t as u32 != 0
                    || (bits & T::Integer as u32 != 0
                        && t == T::Number
                        && num_text(v)
                            .and_then(|n| parse_dec(&n))
                            .is_some_and(|d| d.is_int()));
                if !matched {
                    let want: Vec<&str> = ALL_TYPES
                        .iter()
                        .filter(|(x, _)| bits & *x as u32 != 0)
                        .map(|(_, n)| *n)
                        .collect();
                    return Err(Self::err(
                        loc,
                        format!("got {}, want {}", type_name(t), want.join(" or ")),
                    ));
                }
            }
        }
        // const --
        if draft >= 6
            && let Some(c) = o.get("const")
            && !equals(v, c)
        {
            return Err(Self::err(loc, const_msg(c)));
        }
        // enum --
        if let Some(J::Arr(items)) = o.get("enum") {
            let types: u32 = items
                .iter()
                .map(|i| type_of_j(i) as u32)
                .fold(0, |a, b| a | b);
            let matched = types & t as u32 != 0 && items.iter().any(|i| equals(v, i));
            if !matched {
                let primitive = !items.iter().any(|i| matches!(i, J::Arr(_) | J::Obj(_)));
                let msg = if !primitive {
                    "'enum' failed".to_string()
                } else if items.len() == 1 {
                    format!("value must be {}", display_j(&items[0]))
                } else {
                    format!(
                        "value must be one of {}",
                        items.iter().map(display_j).collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(Self::err(loc, msg));
            }
        }
        // format --
        if draft < 2019
            && let Some(f) = o.get("format").and_then(J::as_str)
            && let Some(e) = super::format::check(f, v)
        {
            return Err(Self::err(
                loc,
                format!("{} is not valid {f}: {e}", display_v(v)),
            ));
        }
        // $ref (2019+) --
        if let Some(r) = o.get("$ref").and_then(J::as_str)
            && let Err(e) = self.val_ref(r, "$ref", v, loc, sc, &mut ue)
        {
            errors.push(e);
        }

        match v {
            Value::Map(_) => self.obj(o, v, loc, sc, &mut ue, &mut errors),
            Value::List(l) => self.arr(o, &l.items, loc, sc, &mut ue, &mut errors),
            Value::String(st) => self.str(o, st, loc, &mut errors),
            _ if t == T::Number => self.num(o, v, loc, &mut errors),
            _ => {}
        }
        if draft >= 2019 {
            self.dynamic_refs(o, v, loc, sc, &mut ue, &mut errors);
        }
        self.cond(o, v, loc, sc, &mut ue, &mut errors);
        if draft >= 2019 {
            self.uneval_validate(o, v, loc, sc, &mut ue, &mut errors);
        }

        match errors.len() {
            0 => Ok(ue),
            1 => Err(errors.pop().expect("one error")),
            _ => Err(VErr {
                loc: loc.to_vec(),
                kind: Kind::Group,
                msg: "validation failed".into(),
                causes: errors,
            }),
        }
    }

    fn val_ref(
        &self,
        r: &str,
        kw: &'static str,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
    ) -> Result<(), VErr> {
        let Some((d, target, tloc)) = self.resolve(r, sc.doc).map_err(|e| Self::err(loc, e))?
        else {
            return Ok(());
        };
        self.val_target(target, v, loc, &sc.jump(d, &tloc, kw), ue)
    }

    /// `validateRef`: the target's errors under a reference error.
    fn val_target(
        &self,
        target: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
    ) -> Result<(), VErr> {
        match self.val_self(target, v, loc, sc, ue) {
            Ok(()) => Ok(()),
            Err(e) => {
                let causes = if e.kind == Kind::Group {
                    e.causes
                } else {
                    vec![e]
                };
                Err(VErr {
                    loc: loc.to_vec(),
                    kind: Kind::Reference,
                    msg: "validation failed".into(),
                    causes,
                })
            }
        }
    }

    /// `validateVal`: the child value at `tok` against the subschema at `suffix`.
    fn child(
        &self,
        s: &J,
        v: &Value,
        loc: &mut Vec<String>,
        tok: &str,
        sc: &Scope<'_>,
        suffix: &str,
    ) -> Result<(), VErr> {
        loc.push(tok.to_string());
        let r = self.val(s, v, loc, &sc.val_child(suffix));
        loc.pop();
        r
    }

    /// The object keywords, `_v` being a map.
    fn obj(
        &self,
        o: &J,
        _v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
        errors: &mut Vec<VErr>,
    ) {
        let Value::Map(m) = _v else {
            return;
        };
        let entries: Vec<(String, Value)> = m
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let has = |k: &str| entries.iter().any(|(n, _)| n == k);
        if let Some(n) = int_val(o.get("minProperties"))
            && (entries.len() as i64) < n
        {
            errors.push(Self::err(
                loc,
                format!(
                    "minProperties: got {}, want {}",
                    group_int(entries.len() as i64),
                    group_int(n)
                ),
            ));
        }
        if let Some(n) = int_val(o.get("maxProperties"))
            && (entries.len() as i64) > n
        {
            errors.push(Self::err(
                loc,
                format!(
                    "maxProperties: got {}, want {}",
                    group_int(entries.len() as i64),
                    group_int(n)
                ),
            ));
        }
        if let Some(J::Arr(req)) = o.get("required") {
            let missing: Vec<&str> = req
                .iter()
                .filter_map(J::as_str)
                .filter(|k| !has(k))
                .collect();
            if !missing.is_empty() {
                errors.push(Self::err(loc, missing_msg(&missing)));
            }
        }
        // dependencies --
        if let Some(J::Obj(deps)) = o.get("dependencies") {
            for (pname, dep) in deps {
                if !has(pname) {
                    continue;
                }
                match dep {
                    J::Arr(a) => {
                        let missing: Vec<&str> =
                            a.iter().filter_map(J::as_str).filter(|k| !has(k)).collect();
                        if !missing.is_empty() {
                            errors.push(Self::err(
                                loc,
                                format!(
                                    "properties {} required, if {} exists",
                                    join_quoted(&missing),
                                    quote(pname)
                                ),
                            ));
                        }
                    }
                    s => {
                        if let Err(e) = self.val_self(
                            s,
                            _v,
                            loc,
                            &sc.sub(&format!("/dependencies/{}", ptr_tok(pname))),
                            ue,
                        ) {
                            errors.push(e);
                        }
                    }
                }
            }
        }
        let props = o.get("properties");
        let pattern_props: Vec<(regex::Regex, &J)> = match o.get("patternProperties") {
            Some(J::Obj(pp)) => pp
                .iter()
                .filter_map(|(k, s)| go_regex(k).map(|r| (r, s)))
                .collect(),
            _ => Vec::new(),
        };
        let additional = o.get("additionalProperties");
        let mut additional_props: Vec<&str> = Vec::new();
        for (pname, pvalue) in &entries {
            let mut evaluated = false;
            if let Some(s) = props.and_then(|p| p.get(pname)) {
                evaluated = true;
                if let Err(e) = self.child(
                    s,
                    pvalue,
                    loc,
                    pname,
                    sc,
                    &format!("/properties/{}", ptr_tok(pname)),
                ) {
                    errors.push(e);
                }
            }
            for (re, s) in &pattern_props {
                if re.is_match(pname) {
                    evaluated = true;
                    let suffix = format!("/patternProperties/{}", ptr_tok(re.as_str()));
                    if let Err(e) = self.child(s, pvalue, loc, pname, sc, &suffix) {
                        errors.push(e);
                    }
                }
            }
            if !evaluated && let Some(a) = additional {
                evaluated = true;
                match a {
                    J::Bool(false) => additional_props.push(pname),
                    J::Bool(true) => {}
                    s => {
                        if let Err(e) =
                            self.child(s, pvalue, loc, pname, sc, "/additionalProperties")
                        {
                            errors.push(e);
                        }
                    }
                }
            }
            if evaluated {
                ue.props.remove(pname);
            }
        }
        if !additional_props.is_empty() {
            errors.push(Self::err(
                loc,
                format!(
                    "additional properties {} not allowed",
                    join_quoted(&additional_props)
                ),
            ));
        }
        if self.draft == 4 {
            return;
        }
        if let Some(pn) = o.get("propertyNames") {
            for (pname, _) in &entries {
                let key = Value::string(pname);
                let root = Scope::root(sc.doc, format!("{}/propertyNames", sc.sloc));
                if let Err(e) = self.val(pn, &key, &mut Vec::new(), &root) {
                    let causes = if e.kind == Kind::Group {
                        e.causes
                    } else {
                        vec![e]
                    };
                    errors.push(VErr {
                        loc: Vec::new(),
                        kind: Kind::Plain,
                        msg: format!("invalid propertyName {}", quote(pname)),
                        causes,
                    });
                }
            }
        }
        if self.draft < 2019 {
            return;
        }
        if let Some(J::Obj(ds)) = o.get("dependentSchemas") {
            for (pname, s) in ds {
                if has(pname)
                    && let Err(e) = self.val_self(
                        s,
                        _v,
                        loc,
                        &sc.sub(&format!("/dependentSchemas/{}", ptr_tok(pname))),
                        ue,
                    )
                {
                    errors.push(e);
                }
            }
        }
        if let Some(J::Obj(dr)) = o.get("dependentRequired") {
            for (pname, reqd) in dr {
                if !has(pname) {
                    continue;
                }
                if let J::Arr(a) = reqd {
                    let missing: Vec<&str> =
                        a.iter().filter_map(J::as_str).filter(|k| !has(k)).collect();
                    if !missing.is_empty() {
                        errors.push(Self::err(
                            loc,
                            format!(
                                "properties {} required, if {} exists",
                                join_quoted(&missing),
                                quote(pname)
                            ),
                        ));
                    }
                }
            }
        }
    }

    fn arr(
        &self,
        o: &J,
        arr: &[Value],
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
        errors: &mut Vec<VErr>,
    ) {
        let n = arr.len() as i64;
        if let Some(w) = int_val(o.get("minItems"))
            && n < w
        {
            errors.push(Self::err(
                loc,
                format!("minItems: got {}, want {}", group_int(n), group_int(w)),
            ));
        }
        if let Some(w) = int_val(o.get("maxItems"))
            && n > w
        {
            errors.push(Self::err(
                loc,
                format!("maxItems: got {}, want {}", group_int(n), group_int(w)),
            ));
        }
        if matches!(o.get("uniqueItems"), Some(J::Bool(true))) && arr.len() > 1 {
            'outer: for i in 1..arr.len() {
                for j in 0..i {
                    if equals_vv(&arr[i], &arr[j]) {
                        errors.push(Self::err(loc, format!("items at {j} and {i} are equal")));
                        break 'outer;
                    }
                }
            }
        }
        if self.draft < 2020 {
            let mut evaluated = 0;
            match o.get("items") {
                Some(J::Arr(items)) => {
                    let min = items.len().min(arr.len());
                    for (i, item) in arr[..min].iter().enumerate() {
                        if let Err(e) = self.child(
                            &items[i],
                            item,
                            loc,
                            &i.to_string(),
                            sc,
                            &format!("/items/{i}"),
                        ) {
                            errors.push(e);
                        }
                    }
                    evaluated = min;
                    match o.get("additionalItems") {
                        Some(J::Bool(false)) if evaluated != arr.len() => errors.push(Self::err(
                            loc,
                            format!(
                                "last {} additionalItem(s) not allowed",
                                group_int((arr.len() - evaluated) as i64)
                            ),
                        )),
                        Some(J::Bool(_)) | None => {}
                        Some(s) => {
                            // Go numbers these from 0 again (its index into the rest).
                            for (i, item) in arr[evaluated..].iter().enumerate() {
                                if let Err(e) =
                                    self.child(s, item, loc, &i.to_string(), sc, "/additionalItems")
                                {
                                    errors.push(e);
                                }
                            }
                        }
                    }
                }
                Some(s) => {
                    for (i, item) in arr.iter().enumerate() {
                        if let Err(e) = self.child(s, item, loc, &i.to_string(), sc, "/items") {
                            errors.push(e);
                        }
                    }
                    evaluated = arr.len();
                }
                None => {}
            }
            let _ = evaluated;
        } else {
            let prefix: &[J] = match o.get("prefixItems") {
                Some(J::Arr(p)) => p,
                _ => &[],
            };
            let evaluated = prefix.len().min(arr.len());
            for (i, item) in arr[..evaluated].iter().enumerate() {
                if let Err(e) = self.child(
                    &prefix[i],
                    item,
                    loc,
                    &i.to_string(),
                    sc,
                    &format!("/prefixItems/{i}"),
                ) {
                    errors.push(e);
                }
            }
            if let Some(s) = o.get("items") {
                for (i, item) in arr[evaluated..].iter().enumerate() {
                    if let Err(e) = self.child(s, item, loc, &i.to_string(), sc, "/items") {
                        errors.push(e);
                    }
                }
            }
        }
        if self.draft >= 6
            && let Some(c) = o.get("contains")
        {
            let mut errs = Vec::new();
            let mut matched = Vec::new();
            for (i, item) in arr.iter().enumerate() {
                match self.child(c, item, loc, &i.to_string(), sc, "/contains") {
                    Err(e) => errs.push(e),
                    Ok(()) => {
                        matched.push(i);
                        if self.draft >= 2020 {
                            ue.items.remove(&i);
                        }
                    }
                }
            }
            let list = |m: &[usize]| m.iter().map(usize::to_string).collect::<Vec<_>>().join(" ");
            let min_c = if self.draft >= 2019 {
                int_val(o.get("minContains"))
            } else {
                None
            };
            let max_c = if self.draft >= 2019 {
                int_val(o.get("maxContains"))
            } else {
                None
            };
            if let Some(w) = min_c {
                if (matched.len() as i64) < w {
                    let msg = if matched.is_empty() {
                        format!(
                            "min {} items required to match contains schema, but none matched",
                            group_int(w)
                        )
                    } else {
                        format!(
                            "min {} items required to match contains schema, but matched {} items at {}",
                            group_int(w),
                            group_int(matched.len() as i64),
                            list(&matched)
                        )
                    };
                    errors.push(VErr {
                        loc: loc.to_vec(),
                        kind: Kind::Plain,
                        msg,
                        causes: errs,
                    });
                }
            } else if matched.is_empty() {
                errors.push(VErr {
                    loc: loc.to_vec(),
                    kind: Kind::Plain,
                    msg: "no items match contains schema".into(),
                    causes: errs,
                });
            }
            if let Some(w) = max_c
                && matched.len() as i64 > w
            {
                errors.push(Self::err(
                    loc,
                    format!(
                        "max {} items required to match contains schema, but matched {} items at {}",
                        group_int(w),
                        group_int(matched.len() as i64),
                        list(&matched)
                    ),
                ));
            }
        }
    }

    fn str(&self, o: &J, s: &str, loc: &[String], errors: &mut Vec<VErr>) {
        let len = s.chars().count() as i64;
        if let Some(w) = int_val(o.get("minLength"))
            && len < w
        {
            errors.push(Self::err(
                loc,
                format!("minLength: got {}, want {}", group_int(len), group_int(w)),
            ));
        }
        if let Some(w) = int_val(o.get("maxLength"))
            && len > w
        {
            errors.push(Self::err(
                loc,
                format!("maxLength: got {}, want {}", group_int(len), group_int(w)),
            ));
        }
        if let Some(p) = o.get("pattern").and_then(J::as_str)
            && let Some(re) = go_regex(p)
            && !re.is_match(s)
        {
            errors.push(Self::err(
                loc,
                format!("{} does not match pattern {}", quote(s), quote(p)),
            ));
        }
    }

    fn num(&self, o: &J, v: &Value, loc: &[String], errors: &mut Vec<VErr>) {
        let Some(n) = num_text(v).and_then(|t| parse_dec(&t)) else {
            return;
        };
        let get_num = |k: &str| match o.get(k) {
            Some(J::Num(x)) => parse_dec(x),
            _ => None,
        };
        let mut minimum = get_num("minimum");
        let mut maximum = get_num("maximum");
        let mut ex_min = get_num("exclusiveMinimum");
        let mut ex_max = get_num("exclusiveMaximum");
        if matches!(o.get("exclusiveMaximum"), Some(J::Bool(true))) {
            ex_max = maximum.take();
        }
        if matches!(o.get("exclusiveMinimum"), Some(J::Bool(true))) {
            ex_min = minimum.take();
        }
        let msg =
            |k: &str, w: &Dec| format!("{k}: got {}, want {}", group_float(n.f), group_float(w.f));
        if let Some(w) = minimum
            && n.cmp(&w) == Ordering::Less
        {
            errors.push(Self::err(loc, msg("minimum", &w)));
        }
        if let Some(w) = maximum
            && n.cmp(&w) == Ordering::Greater
        {
            errors.push(Self::err(loc, msg("maximum", &w)));
        }
        if let Some(w) = ex_min
            && n.cmp(&w) != Ordering::Greater
        {
            errors.push(Self::err(loc, msg("exclusiveMinimum", &w)));
        }
        if let Some(w) = ex_max
            && n.cmp(&w) != Ordering::Less
        {
            errors.push(Self::err(loc, msg("exclusiveMaximum", &w)));
        }
        if let Some(w) = get_num("multipleOf")
            && !n.multiple_of(&w)
        {
            errors.push(Self::err(loc, msg("multipleOf", &w)));
        }
    }

    /// `validateRefs` (2019+): `$recursiveRef` and `$dynamicRef`, resolved against the
    /// outermost document of the dynamic scope that carries the anchor (the metaschemas'
    /// documents carry theirs at their roots).
    fn dynamic_refs(
        &self,
        o: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
        errors: &mut Vec<VErr>,
    ) {
        let outermost = |pred: &dyn Fn(&J) -> bool| {
            let mut found = None;
            let mut cur = Some(sc);
            while let Some(s) = cur {
                if pred(self.doc(s.doc).0) {
                    found = Some(s.doc);
                }
                cur = s.parent;
            }
            found
        };
        if let Some(r) = o.get("$recursiveRef").and_then(J::as_str) {
            match self.resolve(r, sc.doc) {
                Ok(Some((mut d, mut target, mut tloc))) => {
                    let anchored = |j: &J| matches!(j.get("$recursiveAnchor"), Some(J::Bool(true)));
                    if anchored(target)
                        && let Some(od) = outermost(&|j: &J| anchored(j))
                    {
                        (d, target, tloc) = (od, self.doc(od).0, String::new());
                    }
                    if let Err(e) =
                        self.val_target(target, v, loc, &sc.jump(d, &tloc, "$recursiveRef"), ue)
                    {
                        errors.push(e);
                    }
                }
                Ok(None) => {}
                Err(e) => errors.push(Self::err(loc, e)),
            }
        }
        if let Some(r) = o.get("$dynamicRef").and_then(J::as_str) {
            match self.resolve(r, sc.doc) {
                Ok(Some((mut d, mut target, mut tloc))) => {
                    let anchor = r.split_once('#').map_or("", |(_, f)| f);
                    let dynamic =
                        |j: &J| j.get("$dynamicAnchor").and_then(J::as_str) == Some(anchor);
                    if !anchor.is_empty()
                        && !anchor.starts_with('/')
                        && dynamic(target)
                        && let Some(od) = outermost(&|j: &J| dynamic(j))
                    {
                        (d, target, tloc) = (od, self.doc(od).0, String::new());
                    }
                    if let Err(e) =
                        self.val_target(target, v, loc, &sc.jump(d, &tloc, "$dynamicRef"), ue)
                    {
                        errors.push(e);
                    }
                }
                Ok(None) => {}
                Err(e) => errors.push(Self::err(loc, e)),
            }
        }
    }

    /// `unevalValidate` (2019+): what no keyword evaluated, against `unevaluatedProperties` /
    /// `unevaluatedItems`.
    fn uneval_validate(
        &self,
        o: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
        errors: &mut Vec<VErr>,
    ) {
        if let (Value::Map(m), Some(s)) = (v, o.get("unevaluatedProperties")) {
            let props = std::mem::take(&mut ue.props);
            for pname in props {
                let pv = m
                    .entries
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&pname)
                    .cloned();
                if let Some(pv) = pv
                    && let Err(e) = self.child(s, &pv, loc, &pname, sc, "/unevaluatedProperties")
                {
                    errors.push(e);
                }
            }
        }
        if let (Value::List(l), Some(s)) = (v, o.get("unevaluatedItems")) {
            let items = std::mem::take(&mut ue.items);
            for i in items {
                if let Some(item) = l.items.get(i)
                    && let Err(e) =
                        self.child(s, item, loc, &i.to_string(), sc, "/unevaluatedItems")
                {
                    errors.push(e);
                }
            }
        }
    }

    fn cond(
        &self,
        o: &J,
        v: &Value,
        loc: &mut Vec<String>,
        sc: &Scope<'_>,
        ue: &mut Uneval,
        errors: &mut Vec<VErr>,
    ) {
        let group = |loc: &[String], msg: &str, causes: Vec<VErr>| VErr {
            loc: loc.to_vec(),
            kind: Kind::Plain,
            msg: msg.to_string(),
            causes,
        };
        if let Some(n) = o.get("not")
            && self.val_self(n, v, loc, &sc.sub("/not"), ue).is_ok()
        {
            errors.push(Self::err(loc, "'not' failed".into()));
        }
        if let Some(J::Arr(all)) = o.get("allOf") {
            let errs: Vec<VErr> = all
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    self.val_self(s, v, loc, &sc.sub(&format!("/allOf/{i}")), ue)
                        .err()
                })
                .collect();
            if !errs.is_empty() {
                errors.push(group(loc, "'allOf' failed", errs));
            }
        }
        if let Some(J::Arr(any)) = o.get("anyOf") {
            let mut errs = Vec::new();
            let mut matched = false;
            for (i, s) in any.iter().enumerate() {
                match self.val_self(s, v, loc, &sc.sub(&format!("/anyOf/{i}")), ue) {
                    Ok(()) => {
                        matched = true;
                        // Go evaluates every subschema while it tracks unevaluated ones.
                        if ue.is_empty() {
                            break;
                        }
                    }
                    Err(e) => errs.push(e),
                }
            }
            if !matched {
                errors.push(group(loc, "'anyOf' failed", errs));
            }
        }
        if let Some(J::Arr(one)) = o.get("oneOf") {
            let mut matched: Option<usize> = None;
            let mut errs = Vec::new();
            for (i, s) in one.iter().enumerate() {
                match self.val_self(s, v, loc, &sc.sub(&format!("/oneOf/{i}")), ue) {
                    Err(e) => {
                        if matched.is_none() {
                            errs.push(e);
                        }
                    }
                    Ok(()) => match matched {
                        None => matched = Some(i),
                        Some(m) => {
                            errors.push(Self::err(
                                loc,
                                format!("'oneOf' failed, subschemas {m}, {i} matched"),
                            ));
                            break;
                        }
                    },
                }
            }
            if matched.is_none() {
                errors.push(group(loc, "'oneOf' failed, none matched", errs));
            }
        }
        if self.draft >= 7
            && let Some(i) = o.get("if")
        {
            let branch = if self.val_self(i, v, loc, &sc.sub("/if"), ue).is_ok() {
                if matches!(i, J::Bool(false)) {
                    None
                } else {
                    o.get("then").map(|t| (t, "/then"))
                }
            } else if matches!(i, J::Bool(true)) {
                None
            } else {
                o.get("else").map(|e| (e, "/else"))
            };
            if let Some((b, suffix)) = branch
                && let Err(e) = self.val_self(b, v, loc, &sc.sub(suffix), ue)
            {
                errors.push(e);
            }
        }
    }
}

/// A Go (RE2) pattern for the `regex` crate: Perl classes and word boundaries are ASCII in Go
/// (`\d` is `[0-9]`), Unicode-aware in Rust, so they are spelled out.
fn go_regex(p: &str) -> Option<regex::Regex> {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let rep = match (n, in_class) {
                    ('d', false) => Some("[0-9]"),
                    ('D', false) => Some("[^0-9]"),
                    ('w', false) => Some("[0-9A-Za-z_]"),
                    ('W', false) => Some("[^0-9A-Za-z_]"),
                    ('s', false) => Some("[\\t\\n\\f\\r ]"),
                    ('S', false) => Some("[^\\t\\n\\f\\r ]"),
                    ('b', false) => Some("(?-u:\\b)"),
                    ('B', false) => Some("(?-u:\\B)"),
                    ('d', true) => Some("0-9"),
                    ('w', true) => Some("0-9A-Za-z_"),
                    ('s', true) => Some("\\t\\n\\f\\r "),
                    _ => None,
                };
                match rep {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A leading `^` and a leading `]` belong to the class.
                let rest = chars.as_str();
                let skip = if rest.starts_with("^]") {
                    2
                } else if rest.starts_with('^') || rest.starts_with(']') {
                    1
                } else {
                    0
                };
                for _ in 0..skip {
                    if let Some(x) = chars.next() {
                        out.push(x);
                    }
                }
            }
            '[' if in_class && chars.as_str().starts_with(':') => {
                // `[:alpha:]` inside a class.
                out.push('[');
                for x in chars.by_ref() {
                    out.push(x);
                    if x == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c => out.push(c),
        }
    }
    regex::Regex::new(&out).ok()
}

/// `url` resolved against the base URL `base` (RFC 3986, for the relative references the
/// metaschemas use).
fn join_url(base: &str, url: &str) -> String {
    if url.contains("://") || url.starts_with("urn:") {
        return url.to_string();
    }
    let base = base.split('#').next().unwrap_or(base);
    if let Some(rest) = url.strip_prefix('/') {
        let origin = base
            .find("://")
            .and_then(|i| base[i + 3..].find('/').map(|j| &base[..i + 3 + j]))
            .unwrap_or(base);
        return format!("{origin}/{rest}");
    }
    let dir = base.rfind('/').map_or(base, |i| &base[..=i]);
    format!("{dir}{url}")
}

/// The subschema carrying the anchor `name` (`$anchor`, or before 2019 an `$id` of `#name`),
/// and its JSON pointer.
fn find_anchor<'j>(j: &'j J, name: &str, draft: u32, ptr: String) -> Option<(&'j J, String)> {
    match j {
        J::Obj(m) => {
            let hit = if draft >= 2019 {
                j.get("$anchor").and_then(J::as_str) == Some(name)
                    || j.get("$dynamicAnchor").and_then(J::as_str) == Some(name)
            } else {
                let id = j
                    .get(if draft == 4 { "id" } else { "$id" })
                    .and_then(J::as_str);
                id.and_then(|i| i.strip_prefix('#')) == Some(name)
            };
            if hit {
                return Some((j, ptr));
            }
            m.iter()
                .find_map(|(k, v)| find_anchor(v, name, draft, format!("{ptr}/{}", ptr_tok(k))))
        }
        J::Arr(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_anchor(v, name, draft, format!("{ptr}/{i}"))),
        _ => None,
    }
}

fn const_msg(c: &J) -> String {
    match c {
        J::Arr(_) | J::Obj(_) => "'const' failed".to_string(),
        c => format!("value must be {}", display_j(c)),
    }
}

fn missing_msg(missing: &[&str]) -> String {
    if missing.len() == 1 {
        format!("missing property {}", quote(missing[0]))
    } else {
        format!("missing properties {}", join_quoted(missing))
    }
}

fn join_quoted(a: &[&str]) -> String {
    a.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(x) = u8::from_str_radix(&String::from_utf8_lossy(h), 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_the_library() {
        assert_eq!(quote("a'b"), "'a\\'b'");
        assert_eq!(quote("a\"b"), "'a\"b'");
        // Go's replacement eats the backslash before the closing quote.
        assert_eq!(quote("x\\"), "'x\\'");
    }

    #[test]
    fn go_patterns_keep_ascii_classes() {
        let re = go_regex(r"^\d+\s\w$").unwrap();
        assert!(re.is_match("12 x"));
        assert!(!re.is_match("١٢ x"));
        assert!(go_regex(r"^[\d\w-]+$").unwrap().is_match("a-1"));
        assert!(!go_regex(r"^[\d]+$").unwrap().is_match("٣"));
        assert!(go_regex(r"^[]a]+$").unwrap().is_match("]a"));
        assert!(go_regex(r"^[[:alpha:]]+$").unwrap().is_match("ab"));
    }

    #[test]
    fn numbers_group_like_x_text() {
        assert_eq!(group_int(1234567), "1,234,567");
        assert_eq!(group_int(-1000), "-1,000");
        assert_eq!(group_int(999), "999");
        assert_eq!(group_float(1500.5), "1,500.5");
        assert_eq!(group_float(1e21), "1×10²¹");
        assert_eq!(group_float(2000000.005), "2.000000005×10⁰⁶");
        assert_eq!(group_float(-1e-7), "-1×10⁻⁰⁷");
        assert_eq!(group_float(70000.0), "70,000");
    }

    #[test]
    fn decimals_compare_exactly() {
        let d = |s| parse_dec(s).unwrap();
        assert!(d("0.3").multiple_of(&d("0.1")));
        assert!(!d("0.35").multiple_of(&d("0.1")));
        assert_eq!(d("1.0").cmp(&d("1")), Ordering::Equal);
        assert_eq!(d("1e2").cmp(&d("99.5")), Ordering::Greater);
        assert!(d("2.0").is_int());
        assert!(!d("2.5").is_int());
    }
}
