//! Template functions: the [`Func`] type host code registers (with a Go-like signature the executor
//! checks and converts arguments against, exactly as Go's reflection-based `evalCall` does), the
//! call context that lets a function run other templates (Helm's `include`, `tpl`), and Go's
//! builtins (`and`, `eq`, `index`, `html`, ...) from `text/template/funcs.go`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::Error;
use crate::template::Template;
use crate::value::{ElemType, FloatKind, IntKind, UintKind, Value};

/// The Go type of a function parameter: what the executor converts or checks an argument to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `interface {}`: anything, untyped constants take their default type (int, float64, string, bool).
    Any,
    /// `reflect.Value`: anything, unconverted (Go's builtins take this).
    Reflect,
    Bool,
    Int(IntKind),
    Uint(UintKind),
    Float(FloatKind),
    String,
    /// `[]T`
    Slice(ElemType),
    /// `[]byte`
    Bytes,
    /// `map[string]T`
    Map(ElemType),
    /// A host object type, by its Go type name (as [`crate::Object::type_name`] returns it).
    Object(String),
}

impl ArgType {
    /// Go's `canBeNil` for the type.
    pub(crate) fn can_be_nil(&self) -> bool {
        match self {
            // A struct type (`time.Time`) cannot be nil; pointers (`*semver.Version`) can.
            ArgType::Object(n) => n.starts_with('*'),
            _ => matches!(
                self,
                ArgType::Any
                    | ArgType::Reflect
                    | ArgType::Slice(_)
                    | ArgType::Bytes
                    | ArgType::Map(_)
            ),
        }
    }
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgType::Any => f.write_str("interface {}"),
            ArgType::Reflect => f.write_str("reflect.Value"),
            ArgType::Bool => f.write_str("bool"),
            ArgType::Int(k) => f.write_str(&crate::fmt::elem_type_name(&ElemType::Int(*k))),
            ArgType::Uint(k) => f.write_str(&crate::fmt::elem_type_name(&ElemType::Uint(*k))),
            ArgType::Float(k) => f.write_str(&crate::fmt::elem_type_name(&ElemType::Float(*k))),
            ArgType::String => f.write_str("string"),
            ArgType::Slice(e) => write!(f, "[]{}", crate::fmt::elem_type_name(e)),
            ArgType::Bytes => f.write_str("[]uint8"),
            ArgType::Map(e) => write!(f, "map[string]{}", crate::fmt::elem_type_name(e)),
            ArgType::Object(n) => f.write_str(n),
        }
    }
}

/// What a host function returns on failure; the executor reports it as `error calling NAME: MSG`.
pub type FuncError = String;

type HostFn = dyn Fn(&Ctx<'_>, Vec<Value>) -> Result<Value, FuncError> + Send + Sync;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Call,
    Html,
    Index,
    Slice,
    Js,
    Len,
    Not,
    Print,
    Printf,
    Println,
    Urlquery,
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
    Ne,
}

pub(crate) enum Imp {
    Builtin(Builtin),
    Host(Box<HostFn>),
}

pub(crate) struct FuncInner {
    pub params: Vec<ArgType>,
    pub variadic: Option<ArgType>,
    pub imp: Imp,
}

/// A template function: a Go-like signature (fixed parameters, optional variadic tail) and a body.
///
/// Like Go's, arguments are checked against the signature before the body runs: wrong arity,
/// `wrong type for value; expected string; got int`, untyped constants converted to the
/// parameter's type. The body gets the converted arguments in order (variadic ones flattened).
#[derive(Clone)]
pub struct Func(pub(crate) Arc<FuncInner>);

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Func({:?}, {:?})", self.0.params, self.0.variadic)
    }
}

impl Func {
    /// A function with fixed parameters `params` and, if `variadic` is set, a `...T` tail.
    pub fn new<F>(params: Vec<ArgType>, variadic: Option<ArgType>, body: F) -> Func
    where
        F: Fn(&Ctx<'_>, Vec<Value>) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Func(Arc::new(FuncInner {
            params,
            variadic,
            imp: Imp::Host(Box::new(body)),
        }))
    }

    /// A function of fixed arity that cannot fail and needs no context.
    pub fn simple<F>(params: Vec<ArgType>, body: F) -> Func
    where
        F: Fn(Vec<Value>) -> Value + Send + Sync + 'static,
    {
        Func::new(params, None, move |_, args| Ok(body(args)))
    }

    fn builtin(b: Builtin, params: Vec<ArgType>, variadic: Option<ArgType>) -> Func {
        Func(Arc::new(FuncInner {
            params,
            variadic,
            imp: Imp::Builtin(b),
        }))
    }

    pub(crate) fn as_builtin(&self) -> Option<Builtin> {
        match self.0.imp {
            Imp::Builtin(b) => Some(b),
            Imp::Host(_) => None,
        }
    }
}

/// A Rust type that stands for a Go parameter type: the executor checks and converts the
/// argument to [`FromArg::TYPE`] before the function body sees it.
pub trait FromArg: Sized {
    /// The Go parameter type.
    fn arg_type() -> ArgType;
    /// The converted argument (already of [`FromArg::arg_type`], or nil where Go allows nil).
    fn from_value(v: Value) -> Self;
}

impl FromArg for Value {
    fn arg_type() -> ArgType {
        ArgType::Any
    }
    fn from_value(v: Value) -> Self {
        v
    }
}

impl FromArg for String {
    fn arg_type() -> ArgType {
        ArgType::String
    }
    fn from_value(v: Value) -> Self {
        match v {
            Value::String(s) => s.to_string(),
            _ => String::new(),
        }
    }
}

impl FromArg for bool {
    fn arg_type() -> ArgType {
        ArgType::Bool
    }
    fn from_value(v: Value) -> Self {
        matches!(v, Value::Bool(true))
    }
}

/// Go `int`.
impl FromArg for i64 {
    fn arg_type() -> ArgType {
        ArgType::Int(IntKind::Int)
    }
    fn from_value(v: Value) -> Self {
        match v {
            Value::Int(i, _) => i,
            _ => 0,
        }
    }
}

/// Go `float64`.
impl FromArg for f64 {
    fn arg_type() -> ArgType {
        ArgType::Float(FloatKind::F64)
    }
    fn from_value(v: Value) -> Self {
        match v {
            Value::Float(f, _) => f,
            _ => 0.0,
        }
    }
}

/// What a function body may return: a value, or a value or a Go-style error.
pub trait IntoRet {
    /// The result as the executor takes it.
    fn into_ret(self) -> Result<Value, FuncError>;
}

impl IntoRet for Value {
    fn into_ret(self) -> Result<Value, FuncError> {
        Ok(self)
    }
}

impl IntoRet for String {
    fn into_ret(self) -> Result<Value, FuncError> {
        Ok(Value::String(Arc::from(self)))
    }
}

impl IntoRet for bool {
    fn into_ret(self) -> Result<Value, FuncError> {
        Ok(Value::Bool(self))
    }
}

impl<T: IntoRet> IntoRet for Result<T, FuncError> {
    fn into_ret(self) -> Result<Value, FuncError> {
        self.and_then(IntoRet::into_ret)
    }
}

impl Func {
    /// `func(A) R` from a Rust closure; parameter types come from [`FromArg`].
    pub fn fn1<A: FromArg, R: IntoRet>(f: impl Fn(A) -> R + Send + Sync + 'static) -> Func {
        Func::new(vec![A::arg_type()], None, move |_, args| {
            let mut it = args.into_iter();
            f(A::from_value(it.next().unwrap_or(Value::Nil))).into_ret()
        })
    }

    /// `func(A, B) R` from a Rust closure.
    pub fn fn2<A: FromArg, B: FromArg, R: IntoRet>(
        f: impl Fn(A, B) -> R + Send + Sync + 'static,
    ) -> Func {
        Func::new(vec![A::arg_type(), B::arg_type()], None, move |_, args| {
            let mut it = args.into_iter();
            let a = A::from_value(it.next().unwrap_or(Value::Nil));
            let b = B::from_value(it.next().unwrap_or(Value::Nil));
            f(a, b).into_ret()
        })
    }

    /// `func(A, B, C) R` from a Rust closure.
    pub fn fn3<A: FromArg, B: FromArg, C: FromArg, R: IntoRet>(
        f: impl Fn(A, B, C) -> R + Send + Sync + 'static,
    ) -> Func {
        Func::new(
            vec![A::arg_type(), B::arg_type(), C::arg_type()],
            None,
            move |_, args| {
                let mut it = args.into_iter();
                let a = A::from_value(it.next().unwrap_or(Value::Nil));
                let b = B::from_value(it.next().unwrap_or(Value::Nil));
                let c = C::from_value(it.next().unwrap_or(Value::Nil));
                f(a, b, c).into_ret()
            },
        )
    }

    /// `func(...T) R` from a Rust closure over the variadic arguments.
    pub fn variadic<T: FromArg, R: IntoRet>(
        f: impl Fn(Vec<T>) -> R + Send + Sync + 'static,
    ) -> Func {
        Func::new(vec![], Some(T::arg_type()), move |_, args| {
            f(args.into_iter().map(T::from_value).collect()).into_ret()
        })
    }
}

/// Name to function, as Go's `template.FuncMap`.
pub type FuncMap = HashMap<String, Func>;

/// A hash map for the engine's own name lookups (functions, templates): foldhash's fixed-seed
/// hasher instead of SipHash, whose per-lookup cost showed in every parsed identifier. Names come
/// from chart authors, not from an attacker who could pick colliding keys against a live process.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// What a running function can reach: the executing template set, to run another named template
/// (`include`) or parse text into a clone of the set and run it (`tpl`).
pub struct Ctx<'a> {
    pub(crate) tmpl: &'a Template,
    pub(crate) depth: usize,
}

impl<'a> Ctx<'a> {
    /// The template set being executed.
    pub fn template(&self) -> &'a Template {
        self.tmpl
    }

    /// How many template invocations deep this call is (for recursion limits such as Helm's).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Runs template `name` of the executing set on `data` and returns its output.
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, Error> {
        self.execute_in(self.tmpl, name, data)
    }

    /// Runs template `name` of `set` (typically a clone of [`Ctx::template`] with more text
    /// parsed in) on `data`, counting the nesting from this call.
    pub fn execute_in(&self, set: &Template, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        crate::exec::stacker_grow(|| {
            set.execute_template_at_depth(&mut out, name, data, self.depth + 1)
        })?;
        Ok(out)
    }
}

/// Go's builtin function table with its reflect signatures.
pub(crate) fn builtins() -> &'static FastMap<&'static str, Func> {
    static B: OnceLock<FastMap<&'static str, Func>> = OnceLock::new();
    B.get_or_init(|| {
        use ArgType::{Any, Reflect};
        let r = || vec![Reflect];
        let mut m = FastMap::default();
        m.insert("and", Func::builtin(Builtin::And, r(), Some(Reflect)));
        m.insert("or", Func::builtin(Builtin::Or, r(), Some(Reflect)));
        m.insert("call", Func::builtin(Builtin::Call, r(), Some(Reflect)));
        m.insert("html", Func::builtin(Builtin::Html, vec![], Some(Any)));
        m.insert("index", Func::builtin(Builtin::Index, r(), Some(Reflect)));
        m.insert("slice", Func::builtin(Builtin::Slice, r(), Some(Reflect)));
        m.insert("js", Func::builtin(Builtin::Js, vec![], Some(Any)));
        m.insert("len", Func::builtin(Builtin::Len, r(), None));
        m.insert("not", Func::builtin(Builtin::Not, r(), None));
        m.insert("print", Func::builtin(Builtin::Print, vec![], Some(Any)));
        m.insert(
            "printf",
            Func::builtin(Builtin::Printf, vec![ArgType::String], Some(Any)),
        );
        m.insert(
            "println",
            Func::builtin(Builtin::Println, vec![], Some(Any)),
        );
        m.insert(
            "urlquery",
            Func::builtin(Builtin::Urlquery, vec![], Some(Any)),
        );
        m.insert("eq", Func::builtin(Builtin::Eq, r(), Some(Reflect)));
        m.insert(
            "ge",
            Func::builtin(Builtin::Ge, vec![Reflect, Reflect], None),
        );
        m.insert(
            "gt",
            Func::builtin(Builtin::Gt, vec![Reflect, Reflect], None),
        );
        m.insert(
            "le",
            Func::builtin(Builtin::Le, vec![Reflect, Reflect], None),
        );
        m.insert(
            "lt",
            Func::builtin(Builtin::Lt, vec![Reflect, Reflect], None),
        );
        m.insert(
            "ne",
            Func::builtin(Builtin::Ne, vec![Reflect, Reflect], None),
        );
        m
    })
}

/// Go's `HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if crate::quote::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapers_match_go() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>\0"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}"
        );
        assert_eq!(
            js_escape("'a'=\"b\"\n<é>"),
            "\\'a\\'\\u003D\\\"b\\\"\\u000A\\u003Cé\\u003E"
        );
        assert_eq!(query_escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
