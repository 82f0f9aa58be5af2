//! yaml.v3's strict decoding (`KnownFields(true)`) of a helmfile state document, replayed over
//! the composed YAML nodes: unknown keys and kind mismatches at any depth of the Go types in
//! [`super::schema`], reported with yaml.v3's texts (`line N: field x not found in type
//! state.ReleaseSpec`) and, for canon, the key's 1-based line and column.
//!
//! The values themselves are decoded by goyaml (`v3::unmarshal_all_spanned`); this walk only
//! decides what yaml.v3 would refuse, in the order yaml.v3 reports it (a mapping's own keys,
//! then the keys its `<<` merges bring, aliases decoded again at each use).

use std::collections::BTreeMap;

use gotmpl::Value;
use goyaml::resolve::{Tag, resolve_v3};
use goyaml::v3::{ComposedKind, SpannedDoc};

use super::schema;

/// A Go type helmfile decodes into, as far as yaml.v3's strictness can tell them apart.
#[derive(Debug)]
pub(crate) enum Ty {
    /// `interface{}`: anything.
    Any,
    Str,
    Bool,
    Int,
    /// A float type, by its Go name.
    Float(&'static str),
    Duration,
    /// A slice of the element type, with the slice's Go name.
    List(&'static Ty, &'static str),
    /// A `map[string]T`, with its Go name.
    Map(&'static Ty, &'static str),
    Struct(&'static Struct),
    /// `state.Inherits`: a list of `state.Inherit`, or (deprecated) one.
    Inherits,
    /// `state.DefaultInherits`: a list of strings, or one.
    DefaultInherits,
    /// `state.SubHelmfileSpec`: a path, or a map with `path`, `selectors`, `values`…
    SubHelmfile,
}

/// A Go struct: its type name as `reflect.Type.String()` prints it, and its yaml fields.
#[derive(Debug)]
pub(crate) struct Struct {
    pub go: &'static str,
    pub fields: &'static [(&'static str, Ty)],
}

/// The anonymous struct `SubHelmfileSpec.UnmarshalYAML` decodes a map entry into.
static SUB_HELMFILE: Struct = Struct {
    go: "struct { Path string \"yaml:\\\"path\\\"\"; Selectors []string \"yaml:\\\"selectors\\\"\"; SelectorsInherited bool \"yaml:\\\"selectorsInherited\\\"\"; Inherits []string \"yaml:\\\"inherits\\\"\"; Environment state.SubhelmfileEnvironmentSpec \"yaml:\\\",inline\\\"\" }",
    fields: &[
        ("path", Ty::Str),
        ("selectors", Ty::List(&Ty::Str, "[]string")),
        ("selectorsInherited", Ty::Bool),
        ("inherits", Ty::List(&Ty::Str, "[]string")),
        ("values", Ty::List(&Ty::Any, "[]interface {}")),
    ],
};

static HELMSTATE_TY: Ty = Ty::Struct(&schema::HELMSTATE);
static INHERIT_TY: Ty = Ty::Struct(&schema::INHERIT);
static SUB_HELMFILE_TY: Ty = Ty::Struct(&SUB_HELMFILE);

/// One strictness problem: yaml.v3's line text and canon's position (relative to the document).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub text: String,
    pub line: usize,
    pub col: usize,
}

/// The problems yaml.v3 with `KnownFields` reports decoding `doc` into a `state.HelmState`.
pub(crate) fn check_state(doc: &SpannedDoc) -> Vec<Problem> {
    let mut c = Checker {
        doc,
        problems: Vec::new(),
        depth: 0,
    };
    let root = c.deref(doc.root);
    let n = &doc.nodes[root];
    match &n.kind {
        ComposedKind::Map(_) => c.check(root, &HELMSTATE_TY),
        ComposedKind::Scalar { .. } if c.is_null(root) => {}
        _ => c.terror(root, "map[string]interface {}"),
    }
    c.problems
}

struct Checker<'a> {
    doc: &'a SpannedDoc,
    problems: Vec<Problem>,
    depth: usize,
}

impl Checker<'_> {
    fn deref(&self, mut id: usize) -> usize {
        // An alias of an alias cannot loop: an anchor names a node read before it.
        while let ComposedKind::Alias(t) = self.doc.nodes[id].kind {
            id = t;
        }
        id
    }

    fn pos(&self, id: usize) -> (usize, usize) {
        let n = &self.doc.nodes[id];
        (n.line, n.column)
    }

    fn is_null(&self, id: usize) -> bool {
        match &self.doc.nodes[id].kind {
            ComposedKind::Scalar {
                value,
                tag,
                implicit,
            } => {
                tag == "tag:yaml.org,2002:null"
                    || tag == "!!null"
                    || (*implicit && resolve_v3(value).0 == Tag::Null)
            }
            _ => false,
        }
    }

    /// The short tag yaml.v3 names a node by, and its value text for scalars.
    fn tag_of(&self, id: usize) -> (String, Option<String>) {
        match &self.doc.nodes[id].kind {
            ComposedKind::Scalar {
                value,
                tag,
                implicit,
            } => {
                let t = if !tag.is_empty() && tag != "!" {
                    tag.replace("tag:yaml.org,2002:", "!!")
                } else if *implicit {
                    match resolve_v3(value).0 {
                        Tag::Str | Tag::Merge => "!!str",
                        Tag::Bool => "!!bool",
                        Tag::Int => "!!int",
                        Tag::Float => "!!float",
                        Tag::Null => "!!null",
                        Tag::Timestamp => "!!timestamp",
                    }
                    .to_string()
                } else {
                    "!!str".to_string()
                };
                (t, Some(value.clone()))
            }
            ComposedKind::Seq(_) => ("!!seq".into(), None),
            ComposedKind::Map(_) => ("!!map".into(), None),
            ComposedKind::Alias(_) => ("!!str".into(), None),
        }
    }

    /// yaml.v3's `d.terror`: `line N: cannot unmarshal !!tag `value` into T`.
    fn terror(&mut self, id: usize, go: &str) {
        let (tag, value) = self.tag_of(id);
        let value = match value {
            Some(v) if tag != "!!seq" && tag != "!!map" => {
                if v.len() > 10 {
                    let cut = (0..=7).rev().find(|&i| v.is_char_boundary(i)).unwrap_or(0);
                    format!(" `{}...`", &v[..cut])
                } else {
                    format!(" `{v}`")
                }
            }
            _ => String::new(),
        };
        let (line, col) = self.pos(id);
        self.problems.push(Problem {
            text: format!("line {line}: cannot unmarshal {tag}{value} into {go}"),
            line,
            col,
        });
    }

    /// The key/value pairs of a mapping as yaml.v3 visits them: its own (non-merge) pairs, then
    /// those of its `<<` merge (a map, an alias of one, or a sequence of those).
    fn pairs(&self, id: usize, out: &mut Vec<(usize, usize)>) {
        let doc = self.doc;
        let ComposedKind::Map(items) = &doc.nodes[id].kind else {
            return;
        };
        let mut merge = None;
        for kv in items.chunks(2) {
            let [k, v] = kv else { continue };
            if self.is_merge_key(*k) {
                merge = Some(*v);
            } else {
                out.push((*k, *v));
            }
        }
        if let Some(m) = merge {
            let m = self.deref(m);
            match &doc.nodes[m].kind {
                ComposedKind::Map(_) => self.pairs(m, out),
                ComposedKind::Seq(items) => {
                    for &it in items {
                        let it = self.deref(it);
                        self.pairs(it, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn is_merge_key(&self, id: usize) -> bool {
        matches!(&self.doc.nodes[id].kind, ComposedKind::Scalar { value, tag, implicit }
            if value == "<<" && (*implicit || tag == "tag:yaml.org,2002:merge"))
    }

    fn key_text(&self, id: usize) -> String {
        match &self.doc.nodes[self.deref(id)].kind {
            ComposedKind::Scalar { value, .. } => value.clone(),
            _ => String::new(),
        }
    }

    fn check(&mut self, id: usize, ty: &Ty) {
        let id = self.deref(id);
        if self.is_null(id) || matches!(ty, Ty::Any) {
            return;
        }
        // Deeply nested aliases are yaml.v3's own "excessive aliasing" error, reported elsewhere.
        if self.depth > 200 {
            return;
        }
        self.depth += 1;
        let doc = self.doc;
        let kind = &doc.nodes[id].kind;
        match ty {
            Ty::Any => {}
            Ty::Str => {
                if !matches!(kind, ComposedKind::Scalar { .. }) {
                    self.terror(id, "string");
                }
            }
            Ty::Bool => {
                if !self.scalar_is(id, |t, v| {
                    t == "!!bool"
                        || matches!(
                            v,
                            "y" | "Y"
                                | "yes"
                                | "Yes"
                                | "YES"
                                | "on"
                                | "On"
                                | "ON"
                                | "n"
                                | "N"
                                | "no"
                                | "No"
                                | "NO"
                                | "off"
                                | "Off"
                                | "OFF"
                        )
                }) {
                    self.terror(id, "bool");
                }
            }
            Ty::Int => {
                if !self.scalar_is(id, |t, v| {
                    t == "!!int"
                        || (t == "!!float" && v.parse::<f64>().is_ok_and(|f| f.fract() == 0.0))
                }) {
                    self.terror(id, "int");
                }
            }
            Ty::Float(go) => {
                if !self.scalar_is(id, |t, _| t == "!!int" || t == "!!float") {
                    self.terror(id, go);
                }
            }
            Ty::Duration => {
                if !self.scalar_is(id, |t, _| t == "!!int" || t == "!!str") {
                    self.terror(id, "time.Duration");
                }
            }
            Ty::List(elem, go) => match kind {
                ComposedKind::Seq(items) => {
                    for &it in items {
                        self.check(it, elem);
                    }
                }
                _ => self.terror(id, go),
            },
            Ty::Map(elem, go) => match kind {
                ComposedKind::Map(_) => {
                    let mut pairs = Vec::new();
                    self.pairs(id, &mut pairs);
                    for (k, v) in pairs {
                        self.check(k, &Ty::Str);
                        self.check(v, elem);
                    }
                }
                _ => self.terror(id, go),
            },
            Ty::Struct(s) => self.check_struct(id, s),
            Ty::Inherits => match kind {
                ComposedKind::Seq(items) => {
                    for &it in items {
                        self.check(it, &INHERIT_TY);
                    }
                }
                _ => self.check_struct(id, &schema::INHERIT),
            },
            Ty::DefaultInherits => match kind {
                ComposedKind::Seq(items) => {
                    for &it in items {
                        self.check(it, &Ty::Str);
                    }
                }
                ComposedKind::Scalar { .. } => {}
                _ => self.terror(id, "string"),
            },
            // Decoded into `interface{}` first: a scalar or a sequence is accepted here.
            Ty::SubHelmfile => {
                if let ComposedKind::Map(_) = kind {
                    self.check_struct(id, &SUB_HELMFILE)
                }
            }
        }
        self.depth -= 1;
    }

    fn scalar_is(&self, id: usize, ok: impl Fn(&str, &str) -> bool) -> bool {
        let (tag, value) = self.tag_of(id);
        match value {
            Some(v) if tag != "!!seq" && tag != "!!map" => ok(&tag, &v),
            _ => false,
        }
    }

    fn check_struct(&mut self, id: usize, s: &'static Struct) {
        if !matches!(self.doc.nodes[id].kind, ComposedKind::Map(_)) {
            self.terror(id, s.go);
            return;
        }
        let mut pairs = Vec::new();
        self.pairs(id, &mut pairs);
        for (k, v) in pairs {
            let name = self.key_text(k);
            match s.fields.iter().find(|(f, _)| *f == name) {
                Some((_, ty)) => self.check(v, ty),
                None => {
                    let (line, col) = self.pos(k);
                    self.problems.push(Problem {
                        text: format!("line {line}: field {name} not found in type {}", s.go),
                        line,
                        col,
                    });
                }
            }
        }
    }
}

/// Where a node starts, following `path` from the document root: map keys by name, sequence
/// items by index (for positions of releases and the like). `None` when the path is not there.
pub(crate) fn position(doc: &SpannedDoc, path: &[PathStep<'_>]) -> Option<(usize, usize)> {
    let c = Checker {
        doc,
        problems: Vec::new(),
        depth: 0,
    };
    let mut id = c.deref(doc.root);
    for step in path {
        id = match (step, &doc.nodes[id].kind) {
            (PathStep::Key(k), ComposedKind::Map(_)) => {
                let mut pairs = Vec::new();
                c.pairs(id, &mut pairs);
                let (_, v) = pairs.into_iter().find(|(kk, _)| c.key_text(*kk) == *k)?;
                c.deref(v)
            }
            (PathStep::Index(i), ComposedKind::Seq(items)) => c.deref(*items.get(*i)?),
            _ => return None,
        };
    }
    let (line, col) = c.pos(id);
    (line > 0).then_some((line, col))
}

/// One step of a [`position`] path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// The document as helmfile's Go structs hold it after decoding, back as a generic map: the
/// fields of [`schema::HELMSTATE`] typed as Go types them (a `string` field keeps the scalar's
/// text, so `version: 1.10` stays `"1.10"`; `bool` fields take yaml.v3's `yes`/`on`), `interface{}`
/// fields (values) as decoded. `null` scalars of typed fields are left out (Go's zero value).
/// `decoded` is goyaml's generic decoding of the same document.
pub(crate) fn typed_state(doc: &SpannedDoc, decoded: &Value) -> Value {
    let c = Checker {
        doc,
        problems: Vec::new(),
        depth: 0,
    };
    c.typed(doc.root, &HELMSTATE_TY, decoded)
        .unwrap_or_else(|| Value::map(BTreeMap::new()))
}

impl Checker<'_> {
    fn typed(&self, id: usize, ty: &Ty, decoded: &Value) -> Option<Value> {
        let id = self.deref(id);
        if matches!(ty, Ty::Any) {
            return Some(decoded.clone());
        }
        if self.is_null(id) {
            return None;
        }
        let doc = self.doc;
        let kind = &doc.nodes[id].kind;
        let text = match kind {
            ComposedKind::Scalar { value, .. } => Some(value.as_str()),
            _ => None,
        };
        let field = |d: &Value, k: &str| -> Value {
            match d {
                Value::Map(m) => m
                    .entries
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(k)
                    .cloned()
                    .unwrap_or(Value::Nil),
                _ => Value::Nil,
            }
        };
        let item = |d: &Value, i: usize| -> Value {
            match d {
                Value::List(l) => l.items.get(i).cloned().unwrap_or(Value::Nil),
                _ => Value::Nil,
            }
        };
        Some(match ty {
            Ty::Any => decoded.clone(),
            Ty::Str => Value::string(text?),
            Ty::Bool => Value::Bool(matches!(
                text?,
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE"
            )),
            Ty::Int | Ty::Float(_) | Ty::Duration => decoded.clone(),
            Ty::List(..) | Ty::Inherits | Ty::DefaultInherits
                if matches!(kind, ComposedKind::Seq(_)) =>
            {
                let elem: &Ty = match ty {
                    Ty::List(e, _) => e,
                    Ty::Inherits => &INHERIT_TY,
                    _ => &Ty::Str,
                };
                let ComposedKind::Seq(items) = kind else {
                    return None;
                };
                Value::list(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, &it)| {
                            self.typed(it, elem, &item(decoded, i))
                                .unwrap_or(Value::Nil)
                        })
                        .collect(),
                )
            }
            Ty::Inherits => Value::list(vec![self.typed(id, &INHERIT_TY, decoded)?]),
            Ty::DefaultInherits => Value::list(vec![Value::string(text?)]),
            Ty::List(..) => return None,
            Ty::SubHelmfile => match kind {
                ComposedKind::Map(_) => self.typed(id, &SUB_HELMFILE_TY, decoded)?,
                _ => Value::map([("path".to_string(), Value::string(text?))]),
            },
            Ty::Map(elem, _) => {
                let mut pairs = Vec::new();
                self.pairs(id, &mut pairs);
                let mut out = BTreeMap::new();
                for (k, v) in pairs {
                    let key = self.key_text(k);
                    if out.contains_key(&key) {
                        continue;
                    }
                    let d = field(decoded, &key);
                    let val = self.typed(v, elem, &d).unwrap_or(Value::Nil);
                    out.insert(key, val);
                }
                Value::map(out)
            }
            Ty::Struct(s) => {
                let mut pairs = Vec::new();
                self.pairs(id, &mut pairs);
                let mut out = BTreeMap::new();
                for (k, v) in pairs {
                    let key = self.key_text(k);
                    if out.contains_key(&key) {
                        continue;
                    }
                    let Some((_, fty)) = s.fields.iter().find(|(f, _)| *f == key) else {
                        continue;
                    };
                    if let Some(val) = self.typed(v, fty, &field(decoded, &key)) {
                        out.insert(key, val);
                    }
                }
                Value::map(out)
            }
        })
    }
}
