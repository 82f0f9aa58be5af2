//! Go values as `text/template` sees them: basic kinds that keep their Go type, slices, maps and host objects.
//!
//! Go's templates are dynamically typed over Go's static types: `%T`, `typeOf`, comparison errors
//! and argument conversion all depend on the exact Go type, so every value carries it.

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
#[derive(Debug)]
pub struct Map {
    pub elem: ElemType,
    /// Go type name when the map is a named type (Helm's `chartutil.Values`), for `%T`.
    pub type_name: Option<Arc<str>>,
    pub entries: RwLock<BTreeMap<String, Value>>,
    nil: bool,
}

/// A host object: a Go struct or pointer with fields and methods.
pub trait Object: Send + Sync + fmt::Debug {
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
    /// tags, `omitempty`), for `toJson`/`toYaml` of host objects such as `.Chart`; `None` where
    /// Go's encoder would reject the type.
    fn marshal_json(&self) -> Option<String> {
        None
    }
    /// The value if this is a Go `complex128` (used for template complex constants).
    #[doc(hidden)]
    fn complex(&self) -> Option<(f64, f64)> {
        None
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
        Map {
            elem,
            type_name: None,
            entries: RwLock::new(BTreeMap::new()),
            nil: false,
        }
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
        Map {
            elem,
            type_name: None,
            entries: RwLock::new(entries.into_iter().collect()),
            nil: false,
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
