//! The spanned AST, mirroring Go's `text/template/parse/node.go`, with `Display` printing nodes the
//! way Go's `Node.String()` does (exec errors quote nodes in that form).

use std::fmt::{self, Display, Write};
use std::sync::Arc;

use crate::funcs::Func;
use crate::value::Value;

/// Byte offset of a node in the text it was parsed from (`u32::MAX` for none). Four bytes, not
/// eight: a big chart parses into hundreds of thousands of nodes, and a smaller tree is less
/// fresh memory to fill and fewer cache lines for the executor to miss (texts of 4 GiB or more
/// are refused by the lexer).
pub type Pos = u32;

/// One parsed template: its root list and the text its positions refer to.
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: String,
    pub parse_name: String,
    pub text: Arc<str>,
    pub root: List,
    /// Generation of the func map the identifiers were resolved against.
    pub funcs_gen: u64,
}

impl Tree {
    /// Go's `Tree.ErrorContext`: "NAME:LINE:COL" and the node's text.
    pub fn location(&self, pos: Pos) -> String {
        let pos = (pos as usize).min(self.text.len());
        let text = &self.text[..pos];
        let byte_num = match text.rfind('\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        let line = 1 + text.matches('\n').count();
        format!("{}:{}:{}", self.parse_name, line, byte_num)
    }
}

#[derive(Debug, Default)]
pub(crate) struct List {
    #[allow(dead_code, reason = "part of the spanned AST, like Go's ListNode.Pos")]
    pub pos: Pos,
    pub nodes: Vec<Node>,
}

/// A slice of the text a tree was parsed from, sharing that text: text nodes are most of a
/// chart's nodes, and copying each into an allocation of its own was most of their parsing cost.
#[derive(Debug, Clone)]
pub(crate) struct SrcStr {
    src: Arc<str>,
    start: u32,
    end: u32,
}

impl SrcStr {
    /// `src[start..end]`; `None` when the text is too long for the offsets (over 4 GiB).
    #[inline]
    pub fn new(src: &Arc<str>, start: usize, end: usize) -> Option<SrcStr> {
        src.get(start..end)?;
        Some(SrcStr {
            src: src.clone(),
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        })
    }
}

impl SrcStr {
    /// The part from byte `from` on (`from` on a character boundary, as after an ASCII `.`).
    pub fn from(&self, from: usize) -> SrcStr {
        let start = (self.start as usize + from).min(self.end as usize);
        SrcStr {
            src: self.src.clone(),
            start: start as u32,
            end: self.end,
        }
    }

    /// `a` then `b`: one slice when `b` follows `a` in the same text (the names of a chain
    /// always do), a copy otherwise.
    pub fn join(a: &SrcStr, b: &SrcStr) -> SrcStr {
        if Arc::ptr_eq(&a.src, &b.src) && a.end == b.start {
            return SrcStr {
                src: a.src.clone(),
                start: a.start,
                end: b.end,
            };
        }
        SrcStr::owned(&format!("{}{}", &**a, &**b))
    }

    /// A text of its own, for the rare name that is not a slice of the parsed source.
    pub fn owned(s: &str) -> SrcStr {
        SrcStr {
            src: Arc::from(s),
            start: 0,
            end: u32::try_from(s.len()).unwrap_or(u32::MAX),
        }
    }
}

/// A dotted name chain as one slice of the source, `Values.a.b` (a field chain, its leading
/// dot dropped) or `$x.a.b`: the names of a chain are adjacent in the text, so one shared
/// slice replaces a vector and an allocation per name.
#[derive(Debug, Clone)]
pub(crate) struct Path(pub SrcStr);

impl Path {
    /// The first name (the variable of `$x.a.b`).
    pub fn first(&self) -> &str {
        let s: &str = &self.0;
        match memchr::memchr(b'.', s.as_bytes()) {
            Some(i) => &s[..i],
            None => s,
        }
    }

    /// The names after the first one, dotted (`a.b` of `$x.a.b`), if any.
    pub fn rest(&self) -> Option<&str> {
        let s: &str = &self.0;
        memchr::memchr(b'.', s.as_bytes()).map(|i| &s[i + 1..])
    }

    /// The whole dotted text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SrcStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.src[self.start as usize..self.end as usize]
    }
}

/// A node of a list. Kept small (pipelines and branches boxed): a big chart parses into
/// hundreds of thousands of nodes, mostly text, and fresh memory is most of parsing's cost.
#[derive(Debug)]
pub(crate) enum Node {
    Text {
        pos: Pos,
        text: SrcStr,
    },
    Action {
        pos: Pos,
        pipe: Box<Pipe>,
    },
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template {
        pos: Pos,
        name: Box<str>,
        pipe: Option<Box<Pipe>>,
    },
    Break {
        pos: Pos,
    },
    Continue {
        pos: Pos,
    },
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: Pos,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// A pipeline's commands: most pipelines have one (`{{.Values.x}}`, `{{if .a}}`), kept inline
/// rather than in an allocation of its own.
pub(crate) type Cmds = smallvec::SmallVec<[Command; 1]>;

/// A command's arguments: many commands have one (`.Values.x`, `quote`), kept inline rather
/// than in an allocation of their own. (Two inline made every command bigger to move and cost
/// more than the allocations it saved.)
pub(crate) type Args = smallvec::SmallVec<[Arg; 1]>;

/// The items of `stack` from `mark` on, moved out: inline when there is one, else the vector
/// `split_off` makes (SmallVec's generic `collect` moved them one by one with checks).
pub(crate) fn take_tail<T>(stack: &mut Vec<T>, mark: usize) -> smallvec::SmallVec<[T; 1]> {
    if stack.len() == mark + 1
        && let Some(one) = stack.pop()
    {
        return smallvec::SmallVec::from_buf([one]);
    }
    smallvec::SmallVec::from_vec(stack.split_off(mark))
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: Pos,
    pub is_assign: bool,
    pub decl: Vec<Variable>,
    pub cmds: Cmds,
}

#[derive(Debug)]
pub(crate) struct Variable {
    pub pos: Pos,
    /// Variable name then field names: `$x.a.b`.
    pub path: Path,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: Pos,
    pub args: Args,
}

#[derive(Debug)]
pub(crate) struct Number {
    pub pos: Pos,
    pub text: SrcStr,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    /// Real and imaginary parts when `is_complex`.
    pub complex: (f64, f64),
    /// The value as an untyped constant becomes when nothing types it (Go's `idealConstant`),
    /// or the error executing it gives.
    pub ideal: Result<Value, String>,
}

#[derive(Debug)]
pub(crate) struct Ident {
    pub pos: Pos,
    pub name: SrcStr,
    /// Resolved at parse time; re-resolved at exec if the set's funcs changed since.
    pub func: Option<Func>,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Identifier(Ident),
    /// `.a.b`, its path `a.b`.
    Field {
        pos: Pos,
        path: Path,
    },
    Variable(Variable),
    Dot {
        pos: Pos,
    },
    Nil {
        pos: Pos,
    },
    Bool {
        pos: Pos,
        val: bool,
    },
    Number(Box<Number>),
    /// A string constant: its text as written and its value (an `Arc<str>` rather than a
    /// [`Value`], whose tag would make every argument a word bigger).
    String {
        pos: Pos,
        quoted: SrcStr,
        val: Arc<str>,
    },
    Chain {
        pos: Pos,
        node: Box<Arg>,
        /// The fields after the node, `a.b` of `(x).a.b`.
        field: Path,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Identifier(i) => i.pos,
            Arg::Field { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Variable(v) => v.pos,
            Arg::Number(n) => n.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Text { pos, .. }
            | Node::Action { pos, .. }
            | Node::Template { pos, .. }
            | Node::Break { pos }
            | Node::Continue { pos } => *pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        }
    }
}

/// Go's `IsEmptyTree`.
pub(crate) fn is_empty_list(l: &List) -> bool {
    l.nodes.iter().all(|n| match n {
        Node::Text { text, .. } => text.trim_matches(|c: char| c.is_whitespace()).is_empty(),
        _ => false,
    })
}

impl Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.nodes {
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text { text, .. } => f.write_str(text),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(b) => b.write(f, "if"),
            Node::Range(b) => b.write(f, "range"),
            Node::With(b) => b.write(f, "with"),
            Node::Template { name, pipe, .. } => {
                write!(f, "{{{{template {}", crate::quote::quote(name))?;
                if let Some(p) = pipe {
                    write!(f, " {p}")?;
                }
                f.write_str("}}")
            }
            Node::Break { .. } => f.write_str("{{break}}"),
            Node::Continue { .. } => f.write_str("{{continue}}"),
        }
    }
}

impl Branch {
    fn write(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        write!(f, "{{{{{name} {}}}}}{}", self.pipe, self.list)?;
        if let Some(e) = &self.else_list {
            write!(f, "{{{{else}}}}{e}")?;
        }
        f.write_str("{{end}}")
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path.as_str())
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier(i) => f.write_str(&i.name),
            Arg::Field { path, .. } => write!(f, ".{}", path.as_str()),
            Arg::Variable(v) => write!(f, "{v}"),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => f.write_str(if *val { "true" } else { "false" }),
            Arg::Number(n) => f.write_str(&n.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Chain { node, field, .. } => {
                if let Arg::Pipe(p) = &**node {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                write!(f, ".{}", field.as_str())
            }
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}
