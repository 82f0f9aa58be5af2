//! The template set API, like Go's `*template.Template`: named templates sharing functions,
//! options and delimiters; parse once, execute many times, from many threads.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;
use crate::exec::State;
use crate::funcs::{Func, FuncMap, builtins};
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

/// A set of named templates sharing functions and options, like Go's `*template.Template`.
///
/// Cloning is cheap (shared trees) and gives an independent set: parsing more text into the
/// clone leaves the original untouched (Helm's `tpl`).
#[derive(Clone)]
pub struct Template {
    name: String,
    trees: HashMap<String, Arc<Tree>>,
    funcs: Arc<FuncMap>,
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
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: Arc::new(FuncMap::new()),
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
        let funcs = self.funcs.clone();
        let lookup = move |n: &str| funcs.get(n).cloned().or_else(|| builtins().get(n).cloned());
        let trees =
            crate::parse::parse(name, text, &self.left, &self.right, &lookup, self.funcs_gen)
                .map_err(Error::Parse)?;
        for tree in trees {
            // Go's associate: an empty redefinition does not replace an existing template.
            if let Some(old) = self.trees.get(&tree.name)
                && is_empty_list(&tree.root)
                && !is_empty_list(&old.root)
            {
                continue;
            }
            self.trees.insert(tree.name.clone(), Arc::new(tree));
        }
        Ok(self)
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
            .cloned()
            .or_else(|| builtins().get(name).cloned())
    }

    pub(crate) fn funcs_gen(&self) -> u64 {
        self.funcs_gen
    }

    pub(crate) fn missing_key(&self) -> MissingKey {
        self.missing_key
    }
}

trait MakeMut {
    fn make_mut_funcs(this: &mut Arc<FuncMap>) -> &mut FuncMap;
}

impl MakeMut for Arc<FuncMap> {
    fn make_mut_funcs(this: &mut Arc<FuncMap>) -> &mut FuncMap {
        if Arc::get_mut(this).is_none() {
            *this = Arc::new((**this).clone());
        }
        Arc::get_mut(this).expect("just made unique")
    }
}
