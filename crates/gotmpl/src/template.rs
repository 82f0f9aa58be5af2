//! The template set API, like Go's `*template.Template`: named templates sharing functions,
//! options and delimiters; parse once, execute many times, from many threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::exec::State;
use crate::funcs::{FastMap, Func, FuncMap, builtins};
use crate::node::{Tree, is_empty_list};
use crate::quote::quote;
use crate::value::Value;

/// Go's `missingkey` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: a missing key yields no value (printed `<no value>`).
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type.
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

static FUNCS_GEN: AtomicU64 = AtomicU64::new(1);

/// The templates parsed from one text, not yet in a set (see [`Template::parse_detached`]).
pub struct Parsed(Vec<Tree>);

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&String> = self.0.iter().map(|t| &t.name).collect();
        f.debug_tuple("Parsed").field(&names).finish()
    }
}

/// The named trees of a set: a shared map plus the trees added since it was shared.
///
/// Helm's `tpl` clones the executing set (hundreds of templates) to parse one text into it;
/// copying the whole name map for that was a hashed copy of every name per call. The map is
/// shared instead, and a clone's additions go to a small map of its own; a set whose map is
/// not shared (the one being built) adds to it directly.
#[derive(Clone, Default)]
struct Trees {
    base: Arc<FastMap<String, Arc<Tree>>>,
    added: FastMap<String, Arc<Tree>>,
}

impl Trees {
    fn get(&self, name: &str) -> Option<&Arc<Tree>> {
        if !self.added.is_empty()
            && let Some(t) = self.added.get(name)
        {
            return Some(t);
        }
        self.base.get(name)
    }

    fn insert(&mut self, name: String, tree: Arc<Tree>) {
        if let Some(base) = Arc::get_mut(&mut self.base) {
            base.extend(self.added.drain());
            base.insert(name, tree);
        } else {
            self.added.insert(name, tree);
        }
    }

    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every name once.
    fn keys(&self) -> impl Iterator<Item = &String> {
        self.added.keys().chain(
            self.base
                .keys()
                .filter(|k| self.added.is_empty() || !self.added.contains_key(*k)),
        )
    }
}

/// A set of named templates sharing functions and options, like Go's `*template.Template`.
///
/// Cloning is cheap (shared trees) and gives an independent set: parsing more text into the
/// clone leaves the original untouched (Helm's `tpl`).
#[derive(Clone)]
pub struct Template {
    name: Arc<str>,
    trees: Trees,
    funcs: Arc<FastMap<String, Func>>,
    funcs_gen: u64,
    missing_key: MissingKey,
    left: String,
    right: String,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.trees.keys().collect();
        names.sort();
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("templates", &names)
            .finish()
    }
}

impl Template {
    /// A new empty set whose main template is `name`.
    pub fn new(name: &str) -> Template {
        Template {
            name: Arc::from(name),
            trees: Trees::default(),
            funcs: Arc::new(FastMap::default()),
            funcs_gen: 0,
            missing_key: MissingKey::Invalid,
            left: String::new(),
            right: String::new(),
        }
    }

    /// The main template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Action delimiters for later `parse` calls; empty strings mean `{{` and `}}`.
    pub fn delims(&mut self, left: &str, right: &str) -> &mut Self {
        self.left = left.to_string();
        self.right = right.to_string();
        self
    }

    /// Go's `Option`: `missingkey=default|invalid|zero|error`.
    pub fn option(&mut self, opt: &str) -> Result<&mut Self, Error> {
        if opt.is_empty() {
            return Err(Error::Option("empty option string".into()));
        }
        if let Some(("missingkey", v)) = opt.split_once('=') {
            let mk = match v {
                "invalid" | "default" => Some(MissingKey::Invalid),
                "zero" => Some(MissingKey::Zero),
                "error" => Some(MissingKey::Error),
                _ => None,
            };
            if let Some(mk) = mk {
                self.missing_key = mk;
                return Ok(self);
            }
        }
        Err(Error::Option(format!("unrecognized option: {opt}")))
    }

    /// Adds functions (replacing same-named ones). Later `parse` calls may use them.
    pub fn funcs(&mut self, funcs: FuncMap) -> &mut Self {
        let m = Arc::make_mut_funcs(&mut self.funcs);
        m.extend(funcs);
        self.funcs_gen = FUNCS_GEN.fetch_add(1, Ordering::Relaxed);
        self
    }

    /// Adds one function.
    pub fn func(&mut self, name: &str, f: Func) -> &mut Self {
        let mut m = FuncMap::new();
        m.insert(name.to_string(), f);
        self.funcs(m)
    }

    /// Parses `text` as the body of the main template (plus any `define`d templates in it).
    pub fn parse(&mut self, text: &str) -> Result<&mut Self, Error> {
        let name = self.name.clone();
        self.parse_named(&name, text)
    }

    /// Go's `t.New(name).Parse(text)`: parses `text` as template `name` into this set,
    /// leaving the other templates as they are.
    pub fn parse_named(&mut self, name: &str, text: &str) -> Result<&mut Self, Error> {
        let parsed = self.parse_detached(name, text)?;
        self.add_parsed(parsed);
        Ok(self)
    }

    /// Parses `text` as template `name` against this set's functions and delimiters without
    /// adding it: [`Template::add_parsed`] adds it later. Parsing depends on nothing else in the
    /// set, so many texts can be parsed in parallel and added in order, which is exactly
    /// [`Template::parse_named`] in that order.
    pub fn parse_detached(&self, name: &str, text: &str) -> Result<Parsed, Error> {
        self.parse_shared(name, Arc::from(text))
    }

    /// [`Template::parse_detached`] of a text the caller already holds shared: the trees keep
    /// that buffer (their nodes are slices of it) rather than a copy.
    pub fn parse_shared(&self, name: &str, text: Arc<str>) -> Result<Parsed, Error> {
        let funcs = &self.funcs;
        let lookup = move |n: &str| funcs.get(n).or_else(|| builtins().get(n)).cloned();
        crate::parse::parse(name, text, &self.left, &self.right, &lookup, self.funcs_gen)
            .map(Parsed)
            .map_err(Error::Parse)
    }

    /// Adds what [`Template::parse_detached`] parsed, as [`Template::parse_named`] would.
    pub fn add_parsed(&mut self, parsed: Parsed) {
        for tree in parsed.0 {
            // Go's associate: an empty redefinition does not replace an existing template.
            if let Some(old) = self.trees.get(&tree.name)
                && is_empty_list(&tree.root)
                && !is_empty_list(&old.root)
            {
                continue;
            }
            self.trees.insert(tree.name.clone(), Arc::new(tree));
        }
    }

    /// Whether template `name` is defined in the set.
    pub fn has_template(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of the templates in the set, sorted.
    pub fn template_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.trees.keys().cloned().collect();
        v.sort();
        v
    }

    /// Runs the main template on `data`, appending to `out` (which keeps what was written
    /// before an error, as Go's writer would).
    pub fn execute(&self, out: &mut String, data: &Value) -> Result<(), Error> {
        match self.trees.get(&self.name) {
            Some(tree) => State::new(self, tree, data, 0).run(data, out),
            None => Err(Error::Exec(format!(
                "template: {}: {} is an incomplete or empty template",
                self.name,
                quote(&self.name)
            ))),
        }
    }

    /// Runs template `name` of the set on `data`.
    pub fn execute_template(
        &self,
        out: &mut String,
        name: &str,
        data: &Value,
    ) -> Result<(), Error> {
        self.execute_template_at_depth(out, name, data, 0)
    }

    pub(crate) fn execute_template_at_depth(
        &self,
        out: &mut String,
        name: &str,
        data: &Value,
        depth: usize,
    ) -> Result<(), Error> {
        match self.trees.get(name) {
            Some(tree) => State::new(self, tree, data, depth).run(data, out),
            None => Err(Error::Exec(format!(
                "template: no template {} associated with template {}",
                quote(name),
                quote(&self.name)
            ))),
        }
    }

    pub(crate) fn lookup_tree(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    pub(crate) fn find_func(&self, name: &str) -> Option<Func> {
        self.funcs
            .get(name)
            .or_else(|| builtins().get(name))
            .cloned()
    }

    pub(crate) fn funcs_gen(&self) -> u64 {
        self.funcs_gen
    }

    pub(crate) fn missing_key(&self) -> MissingKey {
        self.missing_key
    }
}

trait MakeMut {
    fn make_mut_funcs(this: &mut Self) -> &mut FastMap<String, Func>;
}

impl MakeMut for Arc<FastMap<String, Func>> {
    fn make_mut_funcs(this: &mut Self) -> &mut FastMap<String, Func> {
        if Arc::get_mut(this).is_none() {
            *this = Arc::new((**this).clone());
        }
        Arc::get_mut(this).expect("just made unique")
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts come from Go (the oracle in tools/oracle, Go 1.26) or Go's own test tables.
    use super::*;
    use crate::funcs::{ArgType, Ctx, Func};
    use crate::value::{IntKind, Object};

    fn helm_data() -> Value {
        let m =
            |kv: Vec<(&str, Value)>| Value::map(kv.into_iter().map(|(k, v)| (k.to_string(), v)));
        m(vec![(
            "Values",
            m(vec![
                (
                    "image",
                    m(vec![
                        ("repository", Value::string("nginx")),
                        ("tag", Value::string("1.2")),
                    ]),
                ),
                (
                    "list",
                    Value::list(vec![
                        Value::int(1),
                        Value::string("a"),
                        Value::Nil,
                        Value::float(2.5),
                    ]),
                ),
                ("nilval", Value::Nil),
                ("n", Value::int(3)),
                ("s", Value::string("str")),
            ]),
        )])
    }

    fn run(t: &str, mk: &str) -> (String, String) {
        let mut tm = Template::new("t");
        if !mk.is_empty() {
            tm.option(&format!("missingkey={mk}"))
                .expect("valid option");
        }
        let mut out = String::new();
        let err = match tm.parse(t) {
            Err(e) => e.to_string(),
            Ok(tm) => tm
                .execute(&mut out, &helm_data())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
        };
        (out, err)
    }

    #[test]
    fn matches_go_outputs_and_errors() {
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "{{.Values.image.tag.x}}",
                "",
                "",
                "template: t:1:9: executing \"t\" at <.Values.image.tag.x>: can't evaluate field x in type interface {}",
            ),
            (
                "{{.Values.missing.x}}",
                "zero",
                "",
                "template: t:1:9: executing \"t\" at <.Values.missing.x>: nil pointer evaluating interface {}.x",
            ),
            (
                "{{.Values.missing.x}}",
                "error",
                "",
                "template: t:1:9: executing \"t\" at <.Values.missing.x>: map has no entry for key \"missing\"",
            ),
            ("{{.Values.missing.x}}", "", "<no value>", ""),
            (
                "{{.Values.nilval.x}}",
                "",
                "",
                "template: t:1:9: executing \"t\" at <.Values.nilval.x>: nil pointer evaluating interface {}.x",
            ),
            (
                "{{index .Values.list 5}}",
                "",
                "",
                "template: t:1:2: executing \"t\" at <index .Values.list 5>: error calling index: index out of range: 5",
            ),
            ("{{and 1 2}}", "", "2", ""),
            ("{{with .Values.image}}{{.tag}}{{end}}", "", "1.2", ""),
            ("{{if $x := .Values.n}}{{$x}}{{end}}", "", "3", ""),
            (
                "{{range $k, $v := .Values.image}}{{$k}}={{$v}};{{end}}",
                "",
                "repository=nginx;tag=1.2;",
                "",
            ),
            (
                "{{range .Values.list}}{{.x}}{{end}}",
                "",
                "",
                "template: t:1:24: executing \"t\" at <.x>: can't evaluate field x in type interface {}",
            ),
            ("{{$x := 1}}{{$x = 2}}{{$x}}", "", "2", ""),
            (
                "{{template \"y\" .Values.n}}{{define \"y\"}}{{.}}{{$}}{{end}}",
                "",
                "33",
                "",
            ),
            (
                "{{call .Values.missing}}",
                "",
                "",
                "template: t:1:2: executing \"t\" at <call .Values.missing>: error calling call: call of nil",
            ),
            (
                "{{/* c */ .x}}",
                "",
                "",
                "template: t:1: comment ends before closing delimiter",
            ),
            ("{{-3}}", "", "-3", ""),
            (
                "line1\n{{.Values.s.a}}",
                "",
                "line1\n",
                "template: t:2:9: executing \"t\" at <.Values.s.a>: can't evaluate field a in type interface {}",
            ),
            (
                "{{ 1e400 }}",
                "",
                "",
                "template: t:1: illegal number syntax: \"1e400\"",
            ),
            (
                "{{define \"a\"}}a{{end}}{{define \"a\"}}b{{end}}",
                "",
                "",
                "template: t:1: template: multiple definition of template \"a\"",
            ),
            (
                "{{$x := 1}}{{end}}",
                "",
                "",
                "template: t:1: unexpected {{end}}",
            ),
            (
                "{{$x := }}",
                "",
                "",
                "template: t:1: missing value for command",
            ),
        ];
        for (t, mk, out, err) in cases {
            assert_eq!(
                run(t, mk),
                (out.to_string(), err.to_string()),
                "template {t:?} missingkey={mk:?}"
            );
        }
    }

    #[derive(Debug)]
    struct Caps;

    impl Object for Caps {
        fn type_name(&self) -> String {
            "*chartutil.Capabilities".into()
        }
        fn display(&self) -> String {
            "&{}".into()
        }
        fn field(&self, name: &str) -> Option<Value> {
            (name == "Name").then(|| Value::string("caps"))
        }
        fn method(&self, name: &str) -> Option<Func> {
            (name == "Has").then(|| {
                Func::simple(vec![ArgType::String], |a| {
                    Value::Bool(matches!(&a[0], Value::String(s) if &**s == "v1"))
                })
            })
        }
    }

    fn obj_run(t: &str) -> (String, String) {
        let data = Value::map([("Caps".to_string(), Value::Object(Arc::new(Caps)))]);
        let mut tm = Template::new("t");
        let mut out = String::new();
        let err = match tm.parse(t) {
            Err(e) => e.to_string(),
            Ok(tm) => tm
                .execute(&mut out, &data)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
        };
        (out, err)
    }

    #[test]
    fn host_objects_have_fields_and_methods() {
        assert_eq!(
            obj_run("{{.Caps.Has \"v1\"}} {{.Caps.Has \"v2\"}} {{.Caps.Name}}"),
            ("true false caps".into(), String::new())
        );
        // Go's exec_test: "wrong number of args for Method1: want 1 got 0", "can't evaluate field".
        assert_eq!(
            obj_run("{{.Caps.Has}}").1,
            "template: t:1:7: executing \"t\" at <.Caps.Has>: wrong number of args for Has: want 1 got 0"
        );
        // Reached through a map[string]interface{}, the static type Go names is interface {}.
        assert_eq!(
            obj_run("{{.Caps.Nope}}").1,
            "template: t:1:7: executing \"t\" at <.Caps.Nope>: can't evaluate field Nope in type interface {}"
        );
        let mut tm = Template::new("t");
        let mut out = String::new();
        let err = tm
            .parse("{{.Nope}}")
            .expect("parses")
            .execute(&mut out, &Value::Object(Arc::new(Caps)));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("template: t:1:2: executing \"t\" at <.Nope>: can't evaluate field Nope in type *chartutil.Capabilities".into())
        );
        assert_eq!(
            obj_run("{{.Caps.Name 1}}").1,
            "template: t:1:7: executing \"t\" at <.Caps.Name>: Name has arguments but cannot be invoked as function"
        );
    }

    /// The executor remembers map lookups (`exec.rs`'s field cache): a map written between two
    /// reads of a key, by a function or from outside between executions, is read anew, as Go
    /// reads its map every time.
    #[test]
    fn map_reads_follow_writes() {
        let mut tm = Template::new("t");
        tm.func(
            "put",
            Func::new(
                vec![ArgType::Any, ArgType::String, ArgType::Any],
                None,
                |_: &Ctx<'_>, a| {
                    let (Value::Map(m), Value::String(k)) = (&a[0], &a[1]) else {
                        return Err("bad arguments".into());
                    };
                    match &a[2] {
                        Value::Nil => m.write().remove(&**k),
                        v => m.write().insert(k.to_string(), v.clone()),
                    };
                    Ok(Value::string(""))
                },
            ),
        );
        tm.parse(
            "{{.Values.n}} {{put .Values \"n\" 7}}{{.Values.n}} {{put .Values \"n\" nil}}{{.Values.n}} \
             {{put . \"Values\" .Values.image}}{{.Values.tag}} {{.Values.n}}",
        )
        .expect("parses");
        let data = helm_data();
        let mut out = String::new();
        tm.execute(&mut out, &data).expect("executes");
        assert_eq!(out, "3 7 <no value> 1.2 <no value>");
        // Between executions, from outside; and a fresh map of the same content.
        let Value::Map(top) = &data else {
            panic!("a map")
        };
        top.write().insert("Values".into(), helm_data());
        let Some(Value::Map(values)) = top.entries.read().expect("lock").get("Values").cloned()
        else {
            panic!("a map")
        };
        let mut out = String::new();
        tm.parse("{{.Values.Values.n}}").expect("parses");
        tm.execute(&mut out, &data).expect("executes");
        values.write().insert(
            "Values".into(),
            Value::map([("n".to_string(), Value::int(9))]),
        );
        tm.execute(&mut out, &data).expect("executes");
        assert_eq!(out, "39");
    }

    #[test]
    fn functions_reach_the_set_for_include_and_tpl() {
        let mut tm = Template::new("main");
        tm.func(
            "include",
            Func::new(
                vec![ArgType::String, ArgType::Any],
                None,
                |ctx: &Ctx<'_>, a| {
                    let Value::String(name) = &a[0] else {
                        return Err("bad name".into());
                    };
                    ctx.execute_template(name, &a[1])
                        .map(Value::string)
                        .map_err(|e| e.to_string())
                },
            ),
        );
        tm.func(
            "tpl",
            Func::new(
                vec![ArgType::String, ArgType::Any],
                None,
                |ctx: &Ctx<'_>, a| {
                    let Value::String(text) = &a[0] else {
                        return Err("bad text".into());
                    };
                    let mut clone = ctx.template().clone();
                    clone.parse_named("tpl", text).map_err(|e| e.to_string())?;
                    ctx.execute_in(&clone, "tpl", &a[1])
                        .map(Value::string)
                        .map_err(|e| e.to_string())
                },
            ),
        );
        tm.parse("{{define \"x\"}}<{{.}}>{{end}}{{include \"x\" 1 | len}} {{tpl \"{{include `x` .}}\" 2}} {{include \"y\" 3}}")
            .expect("parses");
        let mut out = String::new();
        let err = tm
            .execute(&mut out, &Value::Nil)
            .expect_err("y is not defined");
        assert_eq!(out, "3 <2> ");
        assert_eq!(
            err.to_string(),
            "template: main:1:84: executing \"main\" at <include \"y\" 3>: error calling include: template: no template \"y\" associated with template \"main\""
        );
        // tpl parsed into a clone: the original set is unchanged.
        assert!(!tm.has_template("tpl"));
    }

    #[test]
    fn typed_parameters_convert_constants_like_go() {
        let mut tm = Template::new("t");
        tm.func(
            "repeat",
            Func::simple(
                vec![ArgType::Int(IntKind::Int), ArgType::String],
                |a| match (&a[0], &a[1]) {
                    (Value::Int(n, _), Value::String(s)) => Value::string(s.repeat(*n as usize)),
                    _ => Value::Nil,
                },
            ),
        );
        let run = |tm: &mut Template, t: &str| {
            let mut out = String::new();
            match tm.parse(t) {
                Err(e) => e.to_string(),
                Ok(tm) => match tm.execute(&mut out, &helm_data()) {
                    Ok(()) => out,
                    Err(e) => e.to_string(),
                },
            }
        };
        // Expected texts from the oracle with Sprig's repeat(count int, str string).
        assert_eq!(run(&mut tm, "{{repeat 2 \"ab\"}}"), "abab");
        assert_eq!(
            run(&mut tm, "{{repeat \"a\" 2}}"),
            "template: t:1:9: executing \"t\" at <\"a\">: expected integer; found \"a\""
        );
        assert_eq!(
            run(&mut tm, "{{.Values.n | repeat 2}}"),
            "template: t:1:21: executing \"t\" at <2>: wrong type for value; expected string; got int"
        );
        assert_eq!(
            run(&mut tm, "{{repeat 1}}"),
            "template: t:1:2: executing \"t\" at <repeat>: wrong number of args for repeat: want 2 got 1"
        );
    }

    #[test]
    fn plain_rust_functions_register_with_go_signatures() {
        let mut tm = Template::new("t");
        tm.func("upper", Func::fn1(|s: String| s.to_uppercase()));
        tm.func(
            "trunc",
            Func::fn2(|n: i64, s: String| s.chars().take(n.max(0) as usize).collect::<String>()),
        );
        tm.func(
            "fail",
            Func::fn1(|s: String| -> Result<String, String> { Err(s) }),
        );
        tm.func("join", Func::variadic(|v: Vec<String>| v.join("-")));
        let run = |tm: &mut Template, t: &str| {
            let mut out = String::new();
            match tm.parse(t) {
                Err(e) => e.to_string(),
                Ok(tm) => match tm.execute(&mut out, &Value::Nil) {
                    Ok(()) => out,
                    Err(e) => format!("{out}|{e}"),
                },
            }
        };
        assert_eq!(
            run(
                &mut tm,
                "{{upper \"ab\"}} {{trunc 2 \"abc\"}} {{join \"a\" \"b\"}}"
            ),
            "AB ab a-b"
        );
        // Expected texts from the oracle with Sprig's upper(string) and fail(string) (string, error).
        assert_eq!(
            run(&mut tm, "{{upper 1}}"),
            "|template: t:1:8: executing \"t\" at <1>: expected string; found 1"
        );
        assert_eq!(
            run(&mut tm, "x{{fail \"boom\"}}"),
            "x|template: t:1:3: executing \"t\" at <fail \"boom\">: error calling fail: boom"
        );
    }

    #[test]
    fn a_panicking_function_is_an_error_like_go_safecall() {
        let mut tm = Template::new("t");
        tm.func("boom", Func::fn1(|_: Value| -> Value { panic!("kaboom") }));
        tm.parse("a{{boom 1}}b").expect("parses");
        let mut out = String::new();
        let err = tm.execute(&mut out, &Value::Nil).expect_err("boom panics");
        assert_eq!(out, "a");
        assert_eq!(
            err.to_string(),
            "template: t:1:3: executing \"t\" at <boom 1>: error calling boom: kaboom"
        );
    }

    #[test]
    fn later_parses_add_and_redefine_like_go() {
        // Expected results from Go 1.26 running the same sequence of Parse / New(name).Parse calls.
        let show = |t: &Template, name: &str| {
            let mut out = String::new();
            let data = Value::map([("v".to_string(), Value::int(1))]);
            match t.execute_template(&mut out, name, &data) {
                Ok(()) => out,
                Err(e) => format!("{out}|{e}"),
            }
        };
        let mut t = Template::new("main");
        t.parse(r#"{{define "x"}}1{{end}}main{{template "x"}}"#)
            .expect("parses");
        t.parse(r#"{{define "x"}}2{{end}}"#).expect("parses");
        assert_eq!(show(&t, "main"), "main2");
        assert_eq!(show(&t, "x"), "2");
        t.parse("  ").expect("parses");
        assert_eq!(show(&t, "main"), "main2");
        t.parse(r#"new{{block "b" .}}B{{end}}"#).expect("parses");
        assert_eq!(show(&t, "main"), "newB");
        t.parse_named("other", r#"o{{template "x"}}{{template "b"}}"#)
            .expect("parses");
        assert_eq!(show(&t, "other"), "o2B");
        t.parse(r#"{{define "b"}}{{end}}"#).expect("parses");
        assert_eq!(show(&t, "b"), "B");
        let dup = t
            .parse(r#"{{define "y"}}y{{end}}{{define "y"}}z{{end}}"#)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(
            dup,
            Err("template: main:1: template: multiple definition of template \"y\"".into())
        );
        assert_eq!(
            show(&t, "y"),
            "|template: no template \"y\" associated with template \"main\""
        );
        let bad = t
            .parse_named("bad", "{{.v")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(bad, Err("template: bad:1: unclosed action".into()));
        assert_eq!(
            show(&t, "bad"),
            "|template: no template \"bad\" associated with template \"main\""
        );
        let mut c = t.clone();
        c.parse_named("tpl", r#"T{{template "x"}}{{.v}}"#)
            .expect("parses");
        assert_eq!(show(&c, "tpl"), "T21");
        assert_eq!(
            show(&t, "tpl"),
            "|template: no template \"tpl\" associated with template \"main\""
        );
    }

    #[test]
    fn a_parsed_set_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Template>();
        check::<Value>();
        let mut t = Template::new("t");
        t.parse("{{range $k, $v := .Values.image}}{{$k}}={{$v}};{{end}}")
            .expect("parses");
        let data = helm_data();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let mut out = String::new();
                        for _ in 0..100 {
                            out.clear();
                            t.execute(&mut out, &data).expect("executes");
                        }
                        out
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().expect("thread ran"), "repository=nginx;tag=1.2;");
            }
        });
    }
}
