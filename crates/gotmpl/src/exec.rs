//! The executor: a port of Go's `text/template/exec.go` over canon's [`Value`]s.
//!
//! Go's executor works on `reflect.Value`s whose static type may be `interface {}` (an element
//! of a `[]interface{}` or `map[string]interface{}`); that static type shows in error texts
//! (`can't evaluate field x in type interface {}`, `nil pointer evaluating interface {}.x`), so
//! values carry an `iface` flag while they travel between containers and pipelines.

use std::sync::Arc;

use crate::error::Error;
use crate::fmt as gofmt;
use crate::funcs::{ArgType, Builtin, Ctx, Func, Imp, html_escape, js_escape, query_escape};
use crate::node::*;
use crate::quote::quote;
use crate::template::{MissingKey, Template};
use crate::value::{ElemType, FloatKind, IntKind, List as VList, UintKind, Value};

const MAX_EXEC_DEPTH: usize = 100_000;

/// A value as the executor holds it: `iface` when its static Go type is `interface {}`.
#[derive(Clone, Debug)]
pub(crate) struct EV {
    pub v: Value,
    pub iface: bool,
}

impl EV {
    fn of(v: Value) -> EV {
        EV { v, iface: false }
    }
    fn nil() -> EV {
        EV {
            v: Value::Nil,
            iface: false,
        }
    }
    /// Go's `!v.IsValid()`.
    fn invalid(&self) -> bool {
        matches!(self.v, Value::Nil) && !self.iface
    }
    fn concrete(self) -> EV {
        EV {
            v: self.v,
            iface: false,
        }
    }
    fn type_name(&self) -> String {
        if self.iface {
            "interface {}".into()
        } else {
            gofmt::type_name(&self.v)
        }
    }
}

/// Control flow out of a walk: `{{break}}`, `{{continue}}` or an error.
pub(crate) enum Flow {
    Break,
    Continue,
    Err(Box<Error>),
}

impl From<Error> for Flow {
    fn from(e: Error) -> Flow {
        Flow::Err(Box::new(e))
    }
}

type R<T> = Result<T, Flow>;

#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
    Var(&'t Variable),
}

struct Var<'t> {
    name: &'t str,
    value: EV,
}

/// The variables in scope: a template rarely has more than a few (`$` and a range's `$k, $v`),
/// kept inline so that running a template (each `include`) allocates no vector for them.
type Vars<'t> = smallvec::SmallVec<[Var<'t>; 4]>;

/// A builtin's evaluated arguments, inline: `eq`, `not`, `index`, `len` take one to three.
type Argv = smallvec::SmallVec<[EV; 3]>;

pub(crate) struct State<'t> {
    tmpl: &'t Template,
    tree: &'t Tree,
    node: At<'t>,
    vars: Vars<'t>,
    depth: usize,
    dollar: &'t str,
}

/// Go's `isTrue`.
pub(crate) fn is_true(v: &Value) -> bool {
    match v {
        Value::Nil => false,
        Value::Bool(b) => *b,
        Value::Int(i, _) => *i != 0,
        Value::Uint(u, _) => *u != 0,
        Value::Float(f, _) => *f != 0.0,
        Value::String(s) => !s.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        Value::List(l) => !l.items.is_empty(),
        Value::Map(m) => !m.entries.read().map(|e| e.is_empty()).unwrap_or(true),
        Value::Object(o) => o.truth(),
    }
}

/// The zero value of a container element type.
fn zero_of(t: &ElemType) -> EV {
    let v = match t {
        ElemType::Interface => {
            return EV {
                v: Value::Nil,
                iface: true,
            };
        }
        ElemType::Bool => Value::Bool(false),
        ElemType::Int(k) => Value::Int(0, *k),
        ElemType::Uint(k) => Value::Uint(0, *k),
        ElemType::Float(k) => Value::Float(0.0, *k),
        ElemType::String => Value::String(Arc::from("")),
        ElemType::Slice(e) => Value::List(Arc::new(VList::nil((**e).clone()))),
        ElemType::Map(e) => Value::Map(Arc::new(crate::value::Map::nil((**e).clone()))),
    };
    EV::of(v)
}

fn type_matches(v: &Value, t: &ArgType) -> bool {
    match (v, t) {
        (_, ArgType::Any | ArgType::Reflect) => true,
        (Value::Bool(_), ArgType::Bool) => true,
        (Value::Int(_, k), ArgType::Int(k2)) => k == k2,
        (Value::Uint(_, k), ArgType::Uint(k2)) => k == k2,
        (Value::Float(_, k), ArgType::Float(k2)) => k == k2,
        (Value::String(_), ArgType::String) => true,
        (Value::Bytes(_), ArgType::Bytes) => true,
        (Value::Bytes(_), ArgType::Slice(ElemType::Uint(UintKind::Uint8))) => true,
        (Value::List(l), ArgType::Slice(e)) => l.elem == *e,
        (Value::Map(m), ArgType::Map(e)) => m.elem == *e,
        (Value::Object(o), ArgType::Object(n)) => o.type_name() == *n,
        _ => false,
    }
}

impl<'t> State<'t> {
    pub(crate) fn new(tmpl: &'t Template, tree: &'t Tree, data: &Value, depth: usize) -> State<'t> {
        State {
            tmpl,
            tree,
            node: At::None,
            vars: smallvec::smallvec![Var {
                name: "$",
                value: EV::of(data.clone()),
            }],
            depth,
            dollar: "$",
        }
    }

    fn at(&mut self, a: At<'t>) {
        self.node = a;
    }

    /// Go's `state.errorf`.
    fn err(&self, msg: impl Into<String>) -> Flow {
        let msg = msg.into();
        let name = &self.tree.name;
        let (pos, ctx) = match self.node {
            At::None => {
                return Flow::Err(Box::new(Error::Exec(format!("template: {name}: {msg}"))));
            }
            At::Node(n) => (n.pos(), n.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Var(v) => (v.pos, v.to_string()),
        };
        let loc = self.tree.location(pos);
        Flow::Err(Box::new(Error::Exec(format!(
            "template: {loc}: executing {} at <{ctx}>: {msg}",
            quote(name)
        ))))
    }

    fn errf<T>(&self, msg: impl Into<String>) -> R<T> {
        Err(self.err(msg))
    }

    pub(crate) fn run(&mut self, data: &Value, out: &mut String) -> Result<(), Error> {
        if self.depth >= MAX_EXEC_DEPTH {
            return Err(Error::Exec(format!(
                "template: {}: exceeded maximum template depth ({MAX_EXEC_DEPTH})",
                self.tree.name
            )));
        }
        let dot = EV::of(data.clone());
        match self.walk_list(&dot, &self.tree.root, out) {
            Ok(()) => Ok(()),
            Err(Flow::Err(e)) => Err(*e),
            // The parser only allows break/continue inside range.
            Err(_) => Ok(()),
        }
    }

    fn set_var(&mut self, name: &str, value: EV) -> R<()> {
        for v in self.vars.iter_mut().rev() {
            if v.name == name {
                v.value = value;
                return Ok(());
            }
        }
        self.errf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, value: EV) {
        let l = self.vars.len();
        self.vars[l - n].value = value;
    }

    fn var_value(&self, name: &str) -> R<EV> {
        for v in self.vars.iter().rev() {
            if v.name == name {
                return Ok(v.value.clone());
            }
        }
        self.errf(format!("undefined variable: {name}"))
    }

    fn walk_list(&mut self, dot: &EV, list: &'t List, out: &mut String) -> R<()> {
        for n in &list.nodes {
            self.walk(dot, n, out)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &EV, node: &'t Node, out: &mut String) -> R<()> {
        self.at(At::Node(node));
        match node {
            Node::Text { text, .. } => {
                out.push_str(text);
                Ok(())
            }
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node));
                    self.print_value(&val.v, out);
                }
                Ok(())
            }
            Node::If(b) => stacker_grow(|| self.walk_if_or_with(false, dot, b, out)),
            Node::With(b) => stacker_grow(|| self.walk_if_or_with(true, dot, b, out)),
            Node::Range(b) => stacker_grow(|| self.walk_range(dot, node, b, out)),
            Node::Template { name, pipe, .. } => {
                self.walk_template(dot, node, name, pipe.as_deref(), out)
            }
            Node::Break { .. } => Err(Flow::Break),
            Node::Continue { .. } => Err(Flow::Continue),
        }
    }

    fn print_value(&self, v: &Value, out: &mut String) {
        match v {
            Value::Nil => out.push_str("<no value>"),
            Value::String(s) => out.push_str(s),
            Value::Int(i, _) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::Uint(u, _) => out.push_str(itoa::Buffer::new().format(*u)),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Object(o) if o.is_nil() => out.push_str("<nil>"),
            v => gofmt::write_value(out, v),
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &EV, b: &'t Branch, out: &mut String) -> R<()> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if is_true(&val.v) {
                if with {
                    self.walk_list(&val, &b.list, out)
                } else {
                    self.walk_list(dot, &b.list, out)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e, out)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &EV, node: &'t Node, r: &'t Branch, out: &mut String) -> R<()> {
        self.at(At::Node(node));
        let outer = self.vars.len();
        let res = self.walk_range_inner(dot, r, out);
        self.vars.truncate(outer);
        match res {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn one_iteration(
        &mut self,
        r: &'t Branch,
        mark: usize,
        index: EV,
        elem: EV,
        out: &mut String,
    ) -> R<()> {
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(decl[0].path.first(), index.clone())?;
                } else {
                    self.set_var(decl[0].path.first(), elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(decl[1].path.first(), elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let res = self.walk_list(&elem, &r.list, out);
        self.vars.truncate(mark);
        match res {
            Err(Flow::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &EV, r: &'t Branch, out: &mut String) -> R<()> {
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let mark = self.vars.len();
        match &val.v {
            Value::Int(n, k) => {
                if r.pipe.decl.len() > 1 {
                    return self.errf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::sprint(std::slice::from_ref(&val.v))
                    ));
                }
                if *n > 0 {
                    for i in 0..*n {
                        self.one_iteration(r, mark, EV::nil(), EV::of(Value::Int(i, *k)), out)?;
                    }
                    return Ok(());
                }
            }
            Value::Uint(n, k) => {
                if r.pipe.decl.len() > 1 {
                    return self.errf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::sprint(std::slice::from_ref(&val.v))
                    ));
                }
                if *n > 0 {
                    for i in 0..*n {
                        self.one_iteration(r, mark, EV::nil(), EV::of(Value::Uint(i, *k)), out)?;
                    }
                    return Ok(());
                }
            }
            Value::List(l) => {
                if !l.items.is_empty() {
                    let iface = l.elem == ElemType::Interface;
                    for (i, e) in l.items.iter().enumerate() {
                        let idx = EV::of(Value::Int(i as i64, IntKind::Int));
                        self.one_iteration(
                            r,
                            mark,
                            idx,
                            EV {
                                v: e.clone(),
                                iface,
                            },
                            out,
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Bytes(b) => {
                if !b.is_empty() {
                    for (i, e) in b.iter().enumerate() {
                        let idx = EV::of(Value::Int(i as i64, IntKind::Int));
                        self.one_iteration(
                            r,
                            mark,
                            idx,
                            EV::of(Value::Uint(*e as u64, UintKind::Uint8)),
                            out,
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Map(m) => {
                let iface = m.elem == ElemType::Interface;
                // A snapshot, so the body may mutate the map (Sprig's set) without deadlock.
                // The keys are values only if a variable takes them.
                let keys = r.pipe.decl.len() > 1;
                let entries: Vec<(Value, Value)> = match m.entries.read() {
                    Ok(e) => e
                        .iter()
                        .map(|(k, v)| {
                            let k = if keys {
                                Value::String(Arc::from(k.as_str()))
                            } else {
                                Value::Nil
                            };
                            (k, v.clone())
                        })
                        .collect(),
                    Err(_) => vec![],
                };
                if !entries.is_empty() {
                    for (k, v) in entries {
                        self.one_iteration(r, mark, EV::of(k), EV { v, iface }, out)?;
                    }
                    return Ok(());
                }
            }
            Value::Nil => {}
            Value::Object(o) if o.is_nil() => {}
            Value::Object(o) if o.map_entries().is_some() => {
                let entries = o.map_entries().unwrap_or_default();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        self.one_iteration(r, mark, EV::of(Value::string(k)), EV::of(v), out)?;
                    }
                    return Ok(());
                }
            }
            v => {
                return self.errf(format!(
                    "range can't iterate over {}",
                    gofmt::sprint(std::slice::from_ref(v))
                ));
            }
        }
        if let Some(e) = &r.else_list {
            self.walk_list(dot, e, out)?;
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &EV,
        node: &'t Node,
        name: &str,
        pipe: Option<&'t Pipe>,
        out: &mut String,
    ) -> R<()> {
        self.at(At::Node(node));
        let Some(tree) = self.tmpl.lookup_tree(name) else {
            return self.errf(format!("template {} not defined", quote(name)));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        let dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => EV::nil(),
        };
        let saved_vars = std::mem::replace(
            &mut self.vars,
            smallvec::smallvec![Var {
                name: self.dollar,
                value: dot.clone(),
            }],
        );
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        self.depth += 1;
        let r = stacker_grow(|| self.walk_list(&dot, &tree.root, out));
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        r
    }

    fn eval_pipeline(&mut self, dot: &EV, pipe: &'t Pipe) -> R<EV> {
        self.at(At::Pipe(pipe));
        let mut value: Option<EV> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.concrete());
        }
        let value = value.unwrap_or_else(EV::nil);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(var.path.first(), value.clone())?;
            } else {
                self.vars.push(Var {
                    name: var.path.first(),
                    value: value.clone(),
                });
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'t [Arg], fin: &Option<EV>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &EV, cmd: &'t Command, fin: Option<EV>) -> R<EV> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { path, .. } => {
                self.at(At::Arg(first));
                return self.eval_field_chain(
                    dot,
                    dot,
                    At::Arg(first),
                    path.as_str(),
                    Some(&cmd.args[..]),
                    fin,
                );
            }
            Arg::Chain { node, field, .. } => {
                return self.eval_chain_node(
                    dot,
                    first,
                    node,
                    field.as_str(),
                    Some(&cmd.args[..]),
                    fin,
                );
            }
            Arg::Identifier(id) => {
                return self.eval_function(dot, id, first, At::Cmd(cmd), Some(&cmd.args[..]), fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return stacker_grow(|| self.eval_pipeline(dot, p));
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, v, Some(&cmd.args[..]), fin),
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(EV::of(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errf("nil is not a command"),
            Arg::Number(n) => match &n.ideal {
                Ok(v) => Ok(EV::of(v.clone())),
                Err(e) => self.errf(e.clone()),
            },
            Arg::String { val, .. } => Ok(EV::of(Value::String(val.clone()))),
            _ => self.errf(format!(
                "can't evaluate command {}",
                quote(&first.to_string())
            )),
        }
    }

    fn eval_chain_node(
        &mut self,
        dot: &EV,
        chain: &'t Arg,
        node: &'t Arg,
        field: &'t str,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
    ) -> R<EV> {
        self.at(At::Arg(chain));
        if field.is_empty() {
            return self.errf("internal error: no fields in evalChainNode");
        }
        if let Arg::Nil { .. } = node {
            return self.errf(format!("indirection through explicit nil in {chain}"));
        }
        let pipe = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, &pipe, At::Arg(chain), field, args, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &EV,
        v: &'t Variable,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
    ) -> R<EV> {
        self.at(At::Var(v));
        let value = self.var_value(v.path.first())?;
        let Some(rest) = v.path.rest() else {
            if let Some(a) = args {
                self.not_a_function(a, &fin)?;
            } else if fin.is_some() {
                return self.errf(format!("can't give argument to non-function {v}"));
            }
            return Ok(value);
        };
        self.eval_field_chain(dot, &value, At::Var(v), rest, args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &EV,
        receiver: &EV,
        node: At<'t>,
        path: &'t str,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
    ) -> R<EV> {
        // The names of `a.b.c`: every one but the last is evaluated without arguments.
        let Some(i) = memchr::memchr(b'.', path.as_bytes()) else {
            return self.eval_field(dot, path, node, args, fin, receiver);
        };
        let mut cur = self.eval_field(dot, &path[..i], node, None, None, receiver)?;
        let mut rest = &path[i + 1..];
        while let Some(j) = memchr::memchr(b'.', rest.as_bytes()) {
            cur = self.eval_field(dot, &rest[..j], node, None, None, &cur)?;
            rest = &rest[j + 1..];
        }
        self.eval_field(dot, rest, node, args, fin, &cur)
    }

    fn eval_function(
        &mut self,
        dot: &EV,
        id: &'t Ident,
        id_arg: &'t Arg,
        node: At<'t>,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
    ) -> R<EV> {
        self.at(At::Arg(id_arg));
        // The function the parser resolved, unless the set's functions changed since.
        if self.tree.funcs_gen == self.tmpl.funcs_gen()
            && let Some(f) = &id.func
        {
            return self.eval_call(dot, f, node, &id.name, args, fin);
        }
        let func = match self.tmpl.find_func(&id.name) {
            Some(f) => f,
            None => return self.errf(format!("{} is not a defined function", quote(&id.name))),
        };
        self.eval_call(dot, &func, node, &id.name, args, fin)
    }

    fn eval_field(
        &mut self,
        dot: &EV,
        name: &str,
        node: At<'t>,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
        receiver: &EV,
    ) -> R<EV> {
        if receiver.invalid() {
            if self.tmpl.missing_key() == MissingKey::Error {
                return self.errf(format!("nil data; no entry for key {}", quote(name)));
            }
            return Ok(EV::nil());
        }
        if receiver.iface && matches!(receiver.v, Value::Nil) {
            return self.errf(format!("nil pointer evaluating interface {{}}.{name}"));
        }
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        match &receiver.v {
            Value::Object(o) => {
                if let Some(m) = o.method(name) {
                    return self.eval_call(dot, &m, node, name, args, fin);
                }
                if let Some(f) = o.field(name) {
                    if has_args {
                        return self.errf(format!(
                            "{name} has arguments but cannot be invoked as function"
                        ));
                    }
                    return Ok(EV::of(f));
                }
                if o.is_nil() && o.has_field(name) {
                    return self.errf(format!(
                        "nil pointer evaluating {}.{name}",
                        receiver.type_name()
                    ));
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.errf(format!("{name} is not a method but has arguments"));
                }
                let iface = m.elem == ElemType::Interface;
                if let Some(v) = field_cache::get(m, name) {
                    return Ok(EV { v, iface });
                }
                let writes = m.writes();
                let found = m.entries.read().ok().and_then(|e| e.get(name).cloned());
                return match found {
                    Some(v) => {
                        field_cache::put(m, writes, name, &v);
                        Ok(EV { v, iface })
                    }
                    None => match self.tmpl.missing_key() {
                        MissingKey::Invalid => Ok(EV::nil()),
                        MissingKey::Zero => Ok(zero_of(&m.elem)),
                        MissingKey::Error => {
                            self.errf(format!("map has no entry for key {}", quote(name)))
                        }
                    },
                };
            }
            _ => {}
        }
        self.errf(format!(
            "can't evaluate field {name} in type {}",
            receiver.type_name()
        ))
    }

    fn eval_call(
        &mut self,
        dot: &EV,
        fun: &Func,
        node: At<'t>,
        name: &str,
        args: Option<&'t [Arg]>,
        fin: Option<EV>,
    ) -> R<EV> {
        let args: &'t [Arg] = match args {
            Some(a) => &a[1..],
            None => &[],
        };
        let sig = &fun.0;
        let num_in = args.len() + usize::from(fin.is_some());
        let nparams = sig.params.len() + usize::from(sig.variadic.is_some());
        let num_fixed = if sig.variadic.is_some() {
            if num_in < sig.params.len() {
                return self.errf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.params.len(),
                    args.len()
                ));
            }
            sig.params.len()
        } else {
            if num_in != nparams {
                return self.errf(format!(
                    "wrong number of args for {name}: want {nparams} got {num_in}"
                ));
            }
            args.len()
        };
        let builtin = fun.as_builtin();
        if let Some(b @ (Builtin::And | Builtin::Or)) = builtin {
            let want = b == Builtin::Or;
            let mut v = EV::nil();
            for a in args {
                v = self.eval_arg(dot, Some(&ArgType::Reflect), a)?;
                if is_true(&v.v) == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        // A host function takes plain values: they are collected as such, saving a second
        // vector per call; builtins look at the static types too.
        let host = matches!(sig.imp, Imp::Host(_));
        let mut argv = Argv::new();
        let mut hargs: Vec<Value> = Vec::with_capacity(if host { num_in } else { 0 });
        let mut push = |a: EV| {
            if host {
                hargs.push(a.v);
            } else {
                argv.push(a);
            }
        };
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            let a = self.eval_arg(dot, Some(&sig.params[i]), &args[i])?;
            push(a);
            i += 1;
        }
        if let Some(vt) = &sig.variadic {
            while i < args.len() {
                let a = self.eval_arg(dot, Some(vt), &args[i])?;
                push(a);
                i += 1;
            }
        }
        if let Some(f) = fin {
            let t = match &sig.variadic {
                Some(vt) => {
                    if num_in - 1 < num_fixed {
                        &sig.params[num_in - 1]
                    } else {
                        vt
                    }
                }
                None => &sig.params[sig.params.len() - 1],
            };
            let f = self.validate_type(f, Some(t))?;
            push(f);
        }
        let result = match &sig.imp {
            Imp::Builtin(b) => self.call_builtin(*b, args, argv),
            Imp::Host(h) => {
                let ctx = Ctx {
                    tmpl: self.tmpl,
                    depth: self.depth,
                };
                // Go's safeCall turns a panicking function into an error; so do we.
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h(&ctx, hargs))) {
                    // A crossed isolated execution is discarded: ending it is all that matters.
                    Ok(_) if crate::isolation::crossed() => {
                        Err("isolated execution crossed".to_string())
                    }
                    Ok(r) => r.map(EV::of),
                    Err(p) => Err(panic_message(p.as_ref())),
                }
            }
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at(node);
                self.errf(format!("error calling {name}: {e}"))
            }
        }
    }

    fn validate_type(&self, value: EV, typ: Option<&ArgType>) -> R<EV> {
        let Some(typ) = typ else { return Ok(value) };
        if value.invalid() {
            if typ.can_be_nil() {
                return Ok(EV::nil());
            }
            return self.errf(format!("invalid value; expected {typ}"));
        }
        match typ {
            ArgType::Reflect => Ok(value),
            ArgType::Any => Ok(value),
            t => {
                if matches!(value.v, Value::Nil) {
                    // A nil inside an interface: Go sees the static type interface {}.
                    return self.errf(format!(
                        "wrong type for value; expected {t}; got interface {{}}"
                    ));
                }
                if type_matches(&value.v, t) {
                    return Ok(value.concrete());
                }
                self.errf(format!(
                    "wrong type for value; expected {t}; got {}",
                    gofmt::type_name(&value.v)
                ))
            }
        }
    }

    fn eval_arg(&mut self, dot: &EV, typ: Option<&ArgType>, n: &'t Arg) -> R<EV> {
        self.at(At::Arg(n));
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), typ),
            Arg::Nil { .. } => {
                let t = typ.unwrap_or(&ArgType::Any);
                if t.can_be_nil() {
                    return Ok(EV::nil());
                }
                return self.errf(format!("cannot assign nil to {t}"));
            }
            Arg::Field { path, .. } => {
                let v = self.eval_field_chain(
                    dot,
                    dot,
                    At::Arg(n),
                    path.as_str(),
                    Some(std::slice::from_ref(n)),
                    None,
                )?;
                return self.validate_type(v, typ);
            }
            Arg::Variable(v) => {
                let v = self.eval_variable_node(dot, v, None, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = stacker_grow(|| self.eval_pipeline(dot, p))?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier(id) => {
                let v = self.eval_function(dot, id, n, At::Arg(n), None, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { node, field, .. } => {
                let v = self.eval_chain_node(dot, n, node, field.as_str(), None, None)?;
                return self.validate_type(v, typ);
            }
            _ => {}
        }
        let Some(typ) = typ else {
            return self.errf(format!("can't handle {n} for arg of type <nil>"));
        };
        match typ {
            ArgType::Bool => match n {
                Arg::Bool { val, .. } => Ok(EV::of(Value::Bool(*val))),
                _ => self.errf(format!("expected bool; found {n}")),
            },
            ArgType::Float(k) => match n {
                Arg::Number(num) if num.is_float => {
                    let f = if *k == FloatKind::F32 {
                        num.float64 as f32 as f64
                    } else {
                        num.float64
                    };
                    Ok(EV::of(Value::Float(f, *k)))
                }
                _ => self.errf(format!("expected float; found {n}")),
            },
            ArgType::Int(k) => match n {
                Arg::Number(num) if num.is_int => {
                    Ok(EV::of(Value::Int(truncate_int(num.int64, *k), *k)))
                }
                _ => self.errf(format!("expected integer; found {n}")),
            },
            ArgType::Uint(k) => match n {
                Arg::Number(num) if num.is_uint => {
                    Ok(EV::of(Value::Uint(truncate_uint(num.uint64, *k), *k)))
                }
                _ => self.errf(format!("expected unsigned integer; found {n}")),
            },
            ArgType::String => match n {
                Arg::String { val, .. } => Ok(EV::of(Value::String(val.clone()))),
                _ => self.errf(format!("expected string; found {n}")),
            },
            ArgType::Any | ArgType::Reflect => match n {
                Arg::Bool { val, .. } => Ok(EV::of(Value::Bool(*val))),
                Arg::Number(num) => match &num.ideal {
                    Ok(v) => Ok(EV::of(v.clone())),
                    Err(e) => self.errf(e.clone()),
                },
                Arg::String { val, .. } => Ok(EV::of(Value::String(val.clone()))),
                _ => self.errf(format!(
                    "can't handle assignment of {n} to empty interface argument"
                )),
            },
            t => self.errf(format!("can't handle {n} for arg of type {t}")),
        }
    }

    fn call_builtin(&mut self, b: Builtin, args: &'t [Arg], argv: Argv) -> Result<EV, String> {
        match b {
            Builtin::Not => Ok(EV::of(Value::Bool(!is_true(&argv[0].v)))),
            Builtin::Len => builtin_len(&argv[0]),
            Builtin::Index => builtin_index(&argv[0], &argv[1..]),
            Builtin::Slice => builtin_slice(&argv[0], &argv[1..]),
            Builtin::Eq => builtin_eq(&argv[0].v, &argv[1..]).map(|b| EV::of(Value::Bool(b))),
            Builtin::Ne => builtin_eq(&argv[0].v, &argv[1..2]).map(|b| EV::of(Value::Bool(!b))),
            Builtin::Lt => builtin_lt(&argv[0].v, &argv[1].v).map(|b| EV::of(Value::Bool(b))),
            Builtin::Le => builtin_le(&argv[0].v, &argv[1].v).map(|b| EV::of(Value::Bool(b))),
            Builtin::Gt => builtin_le(&argv[0].v, &argv[1].v).map(|b| EV::of(Value::Bool(!b))),
            Builtin::Ge => builtin_lt(&argv[0].v, &argv[1].v).map(|b| EV::of(Value::Bool(!b))),
            Builtin::Print => Ok(EV::of(Value::String(Arc::from(gofmt::sprint(&values(
                argv,
            )))))),
            Builtin::Println => Ok(EV::of(Value::String(Arc::from(gofmt::sprintln(&values(
                argv,
            )))))),
            Builtin::Printf => {
                let mut it = argv.into_iter();
                let f = it.next().map(|e| e.v).unwrap_or(Value::Nil);
                let rest: Vec<Value> = it.map(|e| e.v).collect();
                let fs = match &f {
                    Value::String(s) => s.clone(),
                    _ => Arc::from(""),
                };
                Ok(EV::of(Value::String(Arc::from(gofmt::sprintf(&fs, &rest)))))
            }
            Builtin::Html => Ok(EV::of(Value::String(Arc::from(html_escape(&eval_args(
                argv,
            )))))),
            Builtin::Js => Ok(EV::of(Value::String(Arc::from(js_escape(&eval_args(
                argv,
            )))))),
            Builtin::Urlquery => Ok(EV::of(Value::String(Arc::from(query_escape(&eval_args(
                argv,
            )))))),
            Builtin::Call => {
                // Go names the callee by its node, or by reflect.Value.String() of a piped value.
                let callee = match (args.first(), &argv[0].v) {
                    (Some(a), _) => a.to_string(),
                    (None, Value::String(s)) => s.to_string(),
                    (None, v) => format!("<{} Value>", gofmt::type_name(v)),
                };
                match &argv[0].v {
                    Value::Nil => Err("call of nil".into()),
                    v => Err(format!(
                        "non-function {callee} of type {}",
                        gofmt::type_name(v)
                    )),
                }
            }
            Builtin::And | Builtin::Or => Err("unreachable".into()),
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic in template function".into()
    }
}

fn values(argv: Argv) -> Vec<Value> {
    argv.into_iter().map(|e| e.v).collect()
}

fn truncate_int(i: i64, k: IntKind) -> i64 {
    match k {
        IntKind::Int8 => i as i8 as i64,
        IntKind::Int16 => i as i16 as i64,
        IntKind::Int32 => i as i32 as i64,
        _ => i,
    }
}

fn truncate_uint(u: u64, k: UintKind) -> u64 {
    match k {
        UintKind::Uint8 => u as u8 as u64,
        UintKind::Uint16 => u as u16 as u64,
        UintKind::Uint32 => u as u32 as u64,
        _ => u,
    }
}

/// Go's `evalArgs` for the escapers.
fn eval_args(argv: Argv) -> String {
    if argv.len() == 1
        && let Value::String(s) = &argv[0].v
    {
        return s.to_string();
    }
    let vals: Vec<Value> = argv
        .into_iter()
        .map(|e| match e.v {
            Value::Nil => Value::String(Arc::from("<no value>")),
            v => v,
        })
        .collect();
    gofmt::sprint(&vals)
}

fn builtin_len(item: &EV) -> Result<EV, String> {
    let n = match &item.v {
        Value::Nil if item.iface => return Err("len of nil pointer".into()),
        Value::Nil => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::String(s) => crate::gostr::go_len(s),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.items.len(),
        Value::Map(m) => m.entries.read().map(|e| e.len()).unwrap_or(0),
        Value::Object(o) if o.is_nil() => return Err("len of nil pointer".into()),
        Value::Object(o) if o.map_entries().is_some() => {
            o.map_entries().map(|e| e.len()).unwrap_or(0)
        }
        v => return Err(format!("len of type {}", gofmt::type_name(v))),
    };
    Ok(EV::of(Value::Int(n as i64, IntKind::Int)))
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        v => {
            return Err(format!(
                "cannot index slice/array with type {}",
                gofmt::type_name(v)
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn builtin_index(item: &EV, indexes: &[EV]) -> Result<EV, String> {
    if matches!(item.v, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone().concrete();
    for index in indexes {
        match &item.v {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::Object(o) if o.is_nil() => return Err("index of nil pointer".into()),
            _ => {}
        }
        let next = match &item.v {
            Value::List(l) => {
                let x = index_arg(&index.v, l.items.len())?;
                let Some(e) = l.items.get(x) else {
                    return Err("reflect: slice index out of range".into());
                };
                EV {
                    v: e.clone(),
                    iface: l.elem == ElemType::Interface,
                }
            }
            Value::Bytes(b) => {
                let x = index_arg(&index.v, b.len())?;
                let Some(e) = b.get(x) else {
                    return Err("reflect: slice index out of range".into());
                };
                EV::of(Value::Uint(*e as u64, UintKind::Uint8))
            }
            Value::String(s) => {
                let bytes = crate::gostr::to_go_bytes(s);
                let x = index_arg(&index.v, bytes.len())?;
                let Some(e) = bytes.get(x) else {
                    return Err("reflect: string index out of range".into());
                };
                EV::of(Value::Uint(*e as u64, UintKind::Uint8))
            }
            Value::Map(m) => {
                let key = match &index.v {
                    Value::String(k) => k.clone(),
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    v => {
                        return Err(format!(
                            "value has type {}; should be string",
                            gofmt::type_name(v)
                        ));
                    }
                };
                let found = m.entries.read().ok().and_then(|e| e.get(&*key).cloned());
                match found {
                    Some(v) => EV {
                        v,
                        iface: m.elem == ElemType::Interface,
                    },
                    None => zero_of(&m.elem),
                }
            }
            v => return Err(format!("can't index item of type {}", gofmt::type_name(v))),
        };
        item = next;
    }
    Ok(item)
}

fn builtin_slice(item: &EV, indexes: &[EV]) -> Result<EV, String> {
    if matches!(item.v, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let (len, cap) = match &item.v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            let n = crate::gostr::go_len(s);
            (n, n)
        }
        Value::List(l) => (l.items.len(), l.items.len()),
        Value::Bytes(b) => (b.len(), b.len()),
        Value::Object(o) if o.is_nil() => return Err("slice of nil pointer".into()),
        v => return Err(format!("can't slice item of type {}", gofmt::type_name(v))),
    };
    let mut idx = [0usize, len, cap];
    for (i, index) in indexes.iter().enumerate() {
        // Unlike index, slice does not look through interfaces: reflect sees kind Interface.
        if index.iface {
            return Err("cannot index slice/array with type interface {}".into());
        }
        idx[i] = index_arg(&index.v, cap)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (a, b) = (idx[0], idx[1]);
    Ok(EV::of(match &item.v {
        Value::String(s) => Value::String(Arc::from(crate::gostr::from_go_bytes(
            &crate::gostr::to_go_bytes(s)[a..b],
        ))),
        // reflect's Slice keeps the base pointer: slicing a nil slice gives nil.
        Value::List(l) if l.is_nil() => item.v.clone(),
        Value::List(l) => Value::List(Arc::new(VList::new(l.elem.clone(), l.items[a..b].to_vec()))),
        Value::Bytes(bs) => Value::Bytes(Arc::from(&bs[a..b])),
        _ => Value::Nil,
    }))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
    Uint,
    Complex,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Uint(..) => Kind::Uint,
        Value::Float(..) => Kind::Float,
        Value::String(_) => Kind::String,
        Value::Object(o) if o.complex().is_some() => Kind::Complex,
        _ => Kind::Invalid,
    }
}

/// The reflect kind as far as `canCompare` cares.
fn reflect_kind(v: &Value) -> u8 {
    match v {
        Value::Nil => 0,
        Value::List(_) | Value::Bytes(_) => 1,
        Value::Map(_) => 2,
        Value::Object(_) => 3,
        _ => 4,
    }
}

fn sprintf1(f: &str, args: &[Value]) -> String {
    gofmt::sprintf(f, args)
}

fn builtin_eq(a1: &Value, rest: &[EV]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a1);
    for arg in rest {
        let a = &arg.v;
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            match (a1, a) {
                (Value::Int(i, _), Value::Uint(u, _)) => *i >= 0 && *i as u64 == *u,
                (Value::Uint(u, _), Value::Int(i, _)) => *i >= 0 && *u == *i as u64,
                _ => {
                    if !matches!(a1, Value::Nil) && !matches!(a, Value::Nil) {
                        return Err(format!(
                            "incompatible types for comparison: {} and {}",
                            gofmt::type_name(a1),
                            gofmt::type_name(a)
                        ));
                    }
                    false
                }
            }
        } else {
            match (a1, a) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x, _), Value::Float(y, _)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
                (Value::Object(x), Value::Object(y)) if k1 == Kind::Complex => {
                    x.complex() == y.complex()
                }
                _ => {
                    let (r1, r2) = (reflect_kind(a1), reflect_kind(a));
                    if r1 != r2 && r1 != 0 && r2 != 0 {
                        return Err(sprintf1(
                            "non-comparable types %s: %v, %s: %v",
                            &[
                                a1.clone(),
                                Value::String(Arc::from(gofmt::type_name(a1))),
                                Value::String(Arc::from(gofmt::type_name(a))),
                                a.clone(),
                            ],
                        ));
                    }
                    let n1 = is_nil_value(a1);
                    let n2 = is_nil_value(a);
                    if n1 || n2 {
                        n1 == n2
                    } else {
                        match (a1, a) {
                            (Value::Object(x), Value::Object(y)) => Arc::ptr_eq(x, y),
                            _ => {
                                return Err(sprintf1(
                                    "non-comparable type %s: %v",
                                    &[a.clone(), Value::String(Arc::from(gofmt::type_name(a)))],
                                ));
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn is_nil_value(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::List(l) => l.is_nil(),
        Value::Map(m) => m.is_nil(),
        Value::Object(o) => o.is_nil(),
        _ => false,
    }
}

fn builtin_lt(a1: &Value, a2: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a1);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let k2 = basic_kind(a2);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (a1, a2) {
            (Value::Int(i, _), Value::Uint(u, _)) => Ok(*i < 0 || (*i as u64) < *u),
            (Value::Uint(u, _), Value::Int(i, _)) => Ok(*i >= 0 && *u < *i as u64),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                gofmt::type_name(a1),
                gofmt::type_name(a2)
            )),
        };
    }
    match (a1, a2) {
        (Value::Bool(_), _) => Err("invalid type for comparison".into()),
        (Value::Float(x, _), Value::Float(y, _)) => Ok(x < y),
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x.as_bytes() < y.as_bytes()),
        (Value::Uint(x, _), Value::Uint(y, _)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

fn builtin_le(a1: &Value, a2: &Value) -> Result<bool, String> {
    let lt = builtin_lt(a1, a2)?;
    if lt {
        return Ok(true);
    }
    builtin_eq(a1, &[EV::of(a2.clone())])
}

/// Runs `f` with enough stack for deep template recursion.
pub(crate) fn stacker_grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

/// Map field lookups (`.Values.a.b`) remembered per thread: a chart's templates read the same
/// few entries of the same maps over and over, and a `BTreeMap` search with a string comparison
/// per key visited was a fifth of kube-prometheus-stack's execution. An entry is served only for
/// the same map (by address: the slot's `Weak` keeps the address from being reused), the same
/// key (compared in full) and the same write count ([`Map::writes`]), so the map holds exactly
/// what was remembered. Missing keys are not remembered.
mod field_cache {
    use std::cell::RefCell;
    use std::sync::{Arc, Weak};

    use crate::value::{Map, Value};

    const SLOTS: usize = 512;

    /// Keys up to this long are remembered (in the slot itself: no allocation per miss).
    const KEY_MAX: usize = 30;

    struct Slot {
        map: Weak<Map>,
        writes: u64,
        key: [u8; KEY_MAX],
        key_len: u8,
        value: Value,
    }

    thread_local! {
        static SLOTS_OF_THREAD: RefCell<Vec<Option<Slot>>> = const { RefCell::new(Vec::new()) };
    }

    fn index(m: &Arc<Map>, key: &str) -> usize {
        // Addresses only spread the slots; a hit is checked in full.
        let h = (Arc::as_ptr(m) as usize >> 4)
            ^ (key.as_ptr() as usize).rotate_left(17)
            ^ key.len().wrapping_mul(0x9E37_79B9);
        (h ^ (h >> 11)) % SLOTS
    }

    pub(super) fn get(m: &Arc<Map>, key: &str) -> Option<Value> {
        SLOTS_OF_THREAD.with_borrow(|slots| {
            let slot = slots.get(index(m, key))?.as_ref()?;
            (std::ptr::eq(slot.map.as_ptr(), Arc::as_ptr(m))
                && slot.writes == m.writes()
                && slot.key.get(..usize::from(slot.key_len)) == Some(key.as_bytes()))
            .then(|| slot.value.clone())
        })
    }

    /// Remembers `value` as `m[key]` when `m` had been written `writes` times.
    pub(super) fn put(m: &Arc<Map>, writes: u64, key: &str, value: &Value) {
        if key.len() > KEY_MAX {
            return;
        }
        let key_len = u8::try_from(key.len()).expect("KEY_MAX fits in a byte");
        let mut bytes = [0u8; KEY_MAX];
        bytes[..key.len()].copy_from_slice(key.as_bytes());
        SLOTS_OF_THREAD.with_borrow_mut(|slots| {
            if slots.is_empty() {
                slots.resize_with(SLOTS, || None);
            }
            slots[index(m, key)] = Some(Slot {
                map: Arc::downgrade(m),
                writes,
                key: bytes,
                key_len,
                value: value.clone(),
            });
        });
    }
}
