//! Go values as `text/template` sees them: basic kinds that keep their Go type, slices, maps and host objects.
//!
//! Go's templates are dynamically typed over Go's static types: `%T`, `typeOf`, comparison errors
//! and argument conversion all depend on the exact Go type, so every value carries it.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

/// A Go value. Cloning is cheap (reference counts), like copying a Go interface value.
#[derive(Clone)]
pub enum Value {
    /// No value: Go's invalid `reflect.Value`, or a nil interface.
    Nil,
    Bool(bool),
    /// A signed integer of the given Go kind.
    Int(i64, IntKind),
    /// An unsigned integer of the given Go kind.
    Uint(u64, UintKind),
    /// A float of the given Go kind (a float32 holds a value already rounded to f32).
    Float(f64, FloatKind),
    String(Arc<str>),
    /// Go `[]byte`.
    Bytes(Arc<[u8]>),
    /// A Go slice.
    List(Arc<List>),
    /// A Go map with string keys. Shared and mutable, like a Go map: Sprig's `set` mutates in place.
    Map(Arc<Map>),
    /// A host value with fields and methods (Helm's `.Files`, `.Capabilities`, `*semver.Version`...).
    Object(Arc<dyn Object>),
}

/// Go's signed integer kinds (`rune` is `Int32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
}

/// Go's unsigned integer kinds (`byte` is `Uint8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UintKind {
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
}

/// Go's float kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatKind {
    F32,
    F64,
}

/// The Go type of a slice's elements or a map's values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// `interface {}`
    Interface,
    Bool,
    Int(IntKind),
    Uint(UintKind),
    Float(FloatKind),
    String,
    /// `[]T`
    Slice(Box<ElemType>),
    /// `map[string]T`
    Map(Box<ElemType>),
}

/// A Go slice: element type and items. Immutable once built (Sprig's list functions copy).
///
/// A slice may be nil (Go's `[]T(nil)`, what `var x []T` holds), which is not the same as an
/// empty one although both have no items: `toJson` writes `null` for nil and `[]` for empty,
/// `reflect.DeepEqual` (Sprig's `deepEqual`) tells them apart, `%#v` prints `[]T(nil)`, and
/// `eq` compares nil slices (to each other, or to nil) where non-nil slices are an error.
/// Build with [`List::new`] or [`List::nil`]; a nil list with items pushed into it is no longer nil.
#[derive(Clone, Debug)]
pub struct List {
    pub elem: ElemType,
    pub items: Vec<Value>,
    nil: bool,
}

/// A Go `map[string]T`. Keys iterate in Go's sorted order (byte-wise), as `range` and `fmt` see them.
///
/// A map may be nil (Go's `map[string]T(nil)`), distinct from an empty one as for [`List`]:
/// reading it gives zero values, storing into it is Go's "assignment to entry in nil map" panic.
///
/// Read `entries` directly; write through [`Map::write`], which counts the writes so that the
/// executor's field cache (`exec.rs`) never serves an entry the map no longer holds.
#[derive(Debug)]
pub struct Map {
    pub elem: ElemType,
    /// Go type name when the map is a named type (Helm's `chartutil.Values`), for `%T`.
    pub type_name: Option<Arc<str>>,
    pub entries: RwLock<BTreeMap<String, Value>>,
    nil: bool,
    /// Writes through [`Map::write`] so far.
    writes: std::sync::atomic::AtomicU64,
    /// The isolated execution that made the map (0: none; see [`crate::isolation`]).
    maker: u64,
}

/// The entries of a [`Map`] locked for writing; the map's write count moves on when it is
/// dropped, while the lock is still held.
pub struct MapWriteGuard<'a> {
    map: &'a Map,
    target: WriteTarget<'a>,
}

enum WriteTarget<'a> {
    Entries(std::sync::RwLockWriteGuard<'a, BTreeMap<String, Value>>),
    /// A private copy, for an isolated execution that may not write the map: the execution
    /// has crossed and its result is discarded, so what it writes only has to go somewhere.
    Discarded(BTreeMap<String, Value>),
}

impl std::ops::Deref for MapWriteGuard<'_> {
    type Target = BTreeMap<String, Value>;

    fn deref(&self) -> &BTreeMap<String, Value> {
        match &self.target {
            WriteTarget::Entries(g) => g,
            WriteTarget::Discarded(m) => m,
        }
    }
}

impl std::ops::DerefMut for MapWriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut BTreeMap<String, Value> {
        match &mut self.target {
            WriteTarget::Entries(g) => g,
            WriteTarget::Discarded(m) => m,
        }
    }
}

impl Drop for MapWriteGuard<'_> {
    fn drop(&mut self) {
        if matches!(self.target, WriteTarget::Entries(_)) {
            self.map
                .writes
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
    }
}

/// A host object: a Go struct or pointer with fields and methods.
///
/// `Any` is a supertrait so that a library can read its own objects back with
/// [`downcast_ref`](trait.Object.html#method.downcast_ref) (Sprig's `time.Time` arguments).
pub trait Object: Any + Send + Sync + fmt::Debug {
    /// The Go type as `%T` prints it, e.g. `*chart.Metadata`.
    fn type_name(&self) -> String;
    /// How `%v` prints it (a Stringer's `String()`, or Go's `{a b}` struct form).
    fn display(&self) -> String;
    /// The exported field `name` (`.Name` in a template), if the type has it.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    /// The method `name` bound to this object, with its Go signature; methods win over fields,
    /// as in Go.
    fn method(&self, _name: &str) -> Option<crate::funcs::Func> {
        None
    }
    /// Whether this is a nil pointer (Go prints `<nil>`, field access errors).
    fn is_nil(&self) -> bool {
        false
    }
    /// Whether the type has a field `name` even if this value is nil (for Go's nil pointer error).
    fn has_field(&self, _name: &str) -> bool {
        false
    }
    /// Go's truth of the value: a non-nil pointer or a struct is true.
    fn truth(&self) -> bool {
        !self.is_nil()
    }
    /// The object as Go's `json.Marshal` writes it (struct fields in declaration order, JSON
    /// tags, `omitempty`), for `toJson`/`toYaml` of host objects such as `.Chart`; `None` to
    /// let the encoder walk [`fields`](Object::fields) instead (or reject the type if that is
    /// `None` too). Any valid JSON text will do: encoders compact it and re-escape its strings
    /// in their own mode (`toRawJson` does not HTML-escape, as Go's encoder does not for the
    /// fields of a struct), keeping key order and number texts. A Go type with its own
    /// `MarshalJSON` (e.g. `time.Time`) returns that method's output here.
    fn marshal_json(&self) -> Option<String> {
        None
    }
    /// The exported fields of the Go struct (through a pointer: of the struct it points to), in
    /// declaration order, with their Go names and struct tags: what reflection-based encoders
    /// walk. Each encoder applies its own rules: `encoding/json` the `json` tag (when
    /// [`marshal_json`](Object::marshal_json) is `None`), yaml.v3 (`toYamlPretty`) the `yaml`
    /// tag or else the lowercased field name, BurntSushi/toml (`toToml`) the `toml` tag or else
    /// the field name. `None`: not a struct, the encoders reject it as Go would.
    fn fields(&self) -> Option<Vec<Field>> {
        None
    }
    /// The entries, in Go's sorted key order, if this is a Go map type with methods (helm's
    /// `.Files`): `range` and `len` treat it as that map.
    fn map_entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// The value if this is a Go `complex128` (used for template complex constants).
    #[doc(hidden)]
    fn complex(&self) -> Option<(f64, f64)> {
        None
    }
}

/// One exported field of a Go struct, as reflection sees it (see [`Object::fields`]).
#[derive(Clone, Debug)]
pub struct Field {
    /// The Go field name, e.g. `APIVersion`.
    pub name: String,
    /// The struct tag as written between backquotes in Go, e.g. `json:"apiVersion,omitempty"`.
    pub tag: String,
    pub value: Value,
}

impl Field {
    /// A field with its Go name, struct tag and value.
    pub fn new(name: impl Into<String>, tag: impl Into<String>, value: Value) -> Field {
        Field {
            name: name.into(),
            tag: tag.into(),
            value,
        }
    }

    /// Go's `reflect.StructTag.Lookup(key)`: the value of `key:"..."` in the tag.
    pub fn tag_lookup(&self, key: &str) -> Option<String> {
        struct_tag_lookup(&self.tag, key)
    }
}

/// Go's `reflect.StructTag.Lookup`: conventional `key:"value"` pairs separated by spaces.
fn struct_tag_lookup(tag: &str, key: &str) -> Option<String> {
    let mut t = tag.as_bytes();
    while !t.is_empty() {
        let mut i = 0;
        while i < t.len() && t[i] == b' ' {
            i += 1;
        }
        t = &t[i..];
        if t.is_empty() {
            break;
        }
        i = 0;
        while i < t.len() && t[i] > b' ' && t[i] != b':' && t[i] != b'"' && t[i] != 0x7f {
            i += 1;
        }
        if i == 0 || i + 1 >= t.len() || t[i] != b':' || t[i + 1] != b'"' {
            break;
        }
        let name = &t[..i];
        t = &t[i + 1..];
        i = 1;
        while i < t.len() && t[i] != b'"' {
            if t[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        if i >= t.len() {
            break;
        }
        let quoted = &t[..=i];
        t = &t[i + 1..];
        if name == key.as_bytes() {
            return unquote(quoted);
        }
    }
    None
}

/// `strconv.Unquote` of a double-quoted tag value (the escapes struct tags use).
fn unquote(q: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(q.get(1..q.len() - 1)?).ok()?;
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            c @ ('\\' | '"') => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

impl dyn Object {
    /// The host object as its concrete type `T`, if it is one (a library reading back its own
    /// objects, e.g. Sprig's `time.Time` passed to `date`).
    pub fn downcast_ref<T: Object>(&self) -> Option<&T> {
        let any: &dyn Any = self;
        any.downcast_ref::<T>()
    }
}

impl List {
    /// A non-nil `[]elem` holding `items` (Go's `[]T{...}`, even when empty).
    pub fn new(elem: ElemType, items: Vec<Value>) -> List {
        List {
            elem,
            items,
            nil: false,
        }
    }

    /// A nil `[]elem` (Go's `[]T(nil)`).
    pub fn nil(elem: ElemType) -> List {
        List {
            elem,
            items: Vec::new(),
            nil: true,
        }
    }

    /// Whether this is a nil slice (never true once it holds items).
    pub fn is_nil(&self) -> bool {
        self.nil && self.items.is_empty()
    }
}

impl Map {
    /// An empty, non-nil `map[string]elem` (Go's `map[string]T{}`).
    pub fn new(elem: ElemType) -> Map {
        Map::from_entries(elem, [])
    }

    /// The entries, locked for writing (a poisoned lock is taken over: a map holds no
    /// invariant a panic could break). Inside an isolated execution that did not make the map,
    /// a private copy instead, and the execution has crossed ([`crate::isolation`]).
    pub fn write(&self) -> MapWriteGuard<'_> {
        let target = if crate::isolation::may_write(self.maker) {
            WriteTarget::Entries(self.entries.write().unwrap_or_else(|p| p.into_inner()))
        } else {
            WriteTarget::Discarded(
                self.entries
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            )
        };
        MapWriteGuard { map: self, target }
    }

    /// How many times [`Map::write`] has been released: equal counts, equal entries.
    pub fn writes(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// A nil `map[string]elem` (Go's `map[string]T(nil)`).
    pub fn nil(elem: ElemType) -> Map {
        Map {
            nil: true,
            ..Map::new(elem)
        }
    }

    /// A `map[string]elem` holding `entries`.
    pub fn from_entries(elem: ElemType, entries: impl IntoIterator<Item = (String, Value)>) -> Map {
        Map::from_map(elem, entries.into_iter().collect())
    }

    /// A map holding `entries` as they are: a `BTreeMap` given to [`Map::from_entries`] would
    /// be taken apart and sorted into a new one.
    pub fn from_map(elem: ElemType, entries: BTreeMap<String, Value>) -> Map {
        Map {
            elem,
            type_name: None,
            entries: RwLock::new(entries),
            nil: false,
            writes: std::sync::atomic::AtomicU64::new(0),
            maker: crate::isolation::current(),
        }
    }

    /// The same map as the named Go type `name` (e.g. `chartutil.Values`), for `%T`.
    pub fn named(mut self, name: impl Into<Arc<str>>) -> Map {
        self.type_name = Some(name.into());
        self
    }

    /// Whether this is a nil map. Go cannot store into one; callers that mutate check this.
    pub fn is_nil(&self) -> bool {
        self.nil
    }
}

impl Value {
    /// A Go `string`.
    pub fn string(s: impl AsRef<str>) -> Value {
        Value::String(Arc::from(s.as_ref()))
    }

    /// A Go `int`.
    pub fn int(i: i64) -> Value {
        Value::Int(i, IntKind::Int)
    }

    /// A Go `float64`.
    pub fn float(f: f64) -> Value {
        Value::Float(f, FloatKind::F64)
    }

    /// A Go `bool`.
    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    /// A Go `[]interface {}` (non-nil, even when empty).
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List::new(ElemType::Interface, items)))
    }

    /// A nil Go `[]interface {}`.
    pub fn nil_list() -> Value {
        Value::List(Arc::new(List::nil(ElemType::Interface)))
    }

    /// A nil Go `map[string]interface {}`.
    pub fn nil_map() -> Value {
        Value::Map(Arc::new(Map::nil(ElemType::Interface)))
    }

    /// A Go `map[string]interface {}` (non-nil, even when empty).
    pub fn map(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
        Value::Map(Arc::new(Map::from_entries(ElemType::Interface, entries)))
    }

    /// Go's `template.IsTrue`: the truth of a value in `if`, `with`, `and`, `or`, `not`.
    pub fn is_true(&self) -> bool {
        crate::exec::is_true(self)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i, k) => write!(f, "Int({i}, {k:?})"),
            Value::Uint(u, k) => write!(f, "Uint({u}, {k:?})"),
            Value::Float(x, k) => write!(f, "Float({x}, {k:?})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::Bytes(b) => write!(f, "Bytes({b:?})"),
            Value::List(l) if l.is_nil() => write!(f, "List({:?}, nil)", l.elem),
            Value::List(l) => write!(f, "List({:?}, {:?})", l.elem, l.items),
            Value::Map(m) if m.is_nil() => write!(f, "Map({:?}, nil)", m.elem),
            Value::Map(m) => write!(f, "Map({:?})", m.elem),
            Value::Object(o) => write!(f, "Object({o:?})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every write to a map's entries goes through [`Map::write`] (the executor's field cache
    /// trusts its write count): no source file of the workspace locks `entries` for writing
    /// itself.
    #[test]
    fn maps_are_written_only_through_write() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).expect("readable source tree") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    if !p.ends_with("target") {
                        walk(&p, found);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).expect("utf-8 source");
                    let squeezed: String = text.split_whitespace().collect();
                    let own = p.ends_with("gotmpl/src/value.rs");
                    // Spelled in two pieces, so that this test is not a match itself.
                    let n = squeezed.matches(&["entries", ".write()"].concat()).count();
                    if n > usize::from(own) {
                        found.push(p.display().to_string());
                    }
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("crates/");
        let mut found = Vec::new();
        walk(crates, &mut found);
        assert!(found.is_empty(), "entries written directly in {found:?}");
    }

    #[test]
    fn struct_tag_lookup_reads_like_go() {
        // Cases from Go's reflect.StructTag documentation and tests (all_test.go TestStructTagLookup).
        let f = |tag: &str| Field::new("F", tag, Value::Nil);
        let t = f(r#"species:"gopher" color:"blue""#);
        assert_eq!(t.tag_lookup("color").as_deref(), Some("blue"));
        assert_eq!(t.tag_lookup("species").as_deref(), Some("gopher"));
        assert_eq!(t.tag_lookup("size"), None);
        let t = f(r#"json:"apiVersion,omitempty" yaml:"-""#);
        assert_eq!(
            t.tag_lookup("json").as_deref(),
            Some("apiVersion,omitempty")
        );
        assert_eq!(t.tag_lookup("yaml").as_deref(), Some("-"));
        assert_eq!(f(r#"json:"""#).tag_lookup("json").as_deref(), Some(""));
        assert_eq!(f(r#"a:"\"x\"""#).tag_lookup("a").as_deref(), Some("\"x\""));
        // Malformed: parsing stops.
        assert_eq!(f(r#"bad json:"x""#).tag_lookup("json"), None);
        assert_eq!(f(r#"json:"x"#).tag_lookup("json"), None);
    }

    #[test]
    fn objects_downcast_to_their_type() {
        #[derive(Debug)]
        struct A(u8);
        impl Object for A {
            fn type_name(&self) -> String {
                "main.A".into()
            }
            fn display(&self) -> String {
                "{1}".into()
            }
        }
        let o: Arc<dyn Object> = Arc::new(A(7));
        assert_eq!(o.downcast_ref::<A>().map(|a| a.0), Some(7));
        assert!(o.downcast_ref::<crate::complex::Complex>().is_none());
    }
}
