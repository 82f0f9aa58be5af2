//! The parser: a port of Go's `text/template/parse/parse.go` (recursive descent over the lexer's
//! items with Go's three-token lookahead), producing [`Tree`]s with Go's error texts.

use std::sync::Arc;

use crate::funcs::{FastMap, Func};
use crate::lex::{Item, ItemType, Lexer, NO_POS};
use crate::node::*;
use crate::quote;
use crate::value::{FloatKind, IntKind, Value};

const MAX_STACK_DEPTH: usize = 10000;

/// Result of `textOrAction`: a node (pushed onto the parser's node stack), or the `{{end}}` /
/// `{{else}}` that ends a list. Pushed rather than returned: a node is too big for registers,
/// and reading it back from the return slot stalled on its field-by-field writes.
enum Parsed {
    Node,
    End,
    Else(Pos),
}

/// Per-tree parse state (Go keeps it in each `Tree`; `define` and `block` start a fresh one).
struct TreeState<'a> {
    /// Go's three-token lookahead, in four slots so that an index masked to two bits needs
    /// no bounds check (`peek_count` is at most 3; the fourth slot is never read).
    token: [Item; 4],
    peek_count: usize,
    vars: Vec<&'a str>,
    /// Where the action being parsed starts (its line is Go's `actionLine`), or `NO_POS`.
    action_pos: usize,
    range_depth: usize,
    stack_depth: usize,
}

impl<'a> TreeState<'a> {
    fn new() -> TreeState<'a> {
        let eof = Item::eof();
        TreeState {
            token: [eof; 4],
            peek_count: 0,
            vars: vec!["$"],
            action_pos: NO_POS,
            range_depth: 0,
            stack_depth: 0,
        }
    }
}

pub(crate) type FuncLookup<'f> = &'f dyn Fn(&str) -> Option<Func>;

pub(crate) struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    st: TreeState<'a>,
    parse_name: String,
    text: Arc<str>,
    funcs: FuncLookup<'f>,
    funcs_gen: u64,
    /// Go's treeSet, in insertion order of first definition.
    pub trees: Vec<Tree>,
    index: FastMap<String, usize>,
    /// Stacks the lists being parsed grow on: a list's nodes, a pipeline's commands and a
    /// command's arguments are pushed here and moved out when complete, into a vector of their
    /// exact size or (commands, arguments) inline storage (lists nest, so each is on top when
    /// it ends). Growing a vector per list cost
    /// reallocations, and their spare capacity was fresh memory for nothing.
    nodes: Vec<Node>,
    cmds: Vec<Command>,
    args: Vec<Arg>,
}

type PResult<T> = Result<T, String>;

/// Parses `text` as template `name`; returns every tree it defines (Go's `parse.Parse`).
pub(crate) fn parse(
    name: &str,
    shared: Arc<str>,
    left: &str,
    right: &str,
    funcs: FuncLookup<'_>,
    funcs_gen: u64,
) -> Result<Vec<Tree>, String> {
    // The lexer runs over the shared copy, so its items are slices of the text the nodes keep.
    let text: &str = &shared;
    if !crate::lex::fits(text) {
        return Err(format!("template: {name}: text too long"));
    }
    let mut lex = Lexer::new(text, left, right);
    lex.break_ok = funcs("break").is_none();
    lex.continue_ok = funcs("continue").is_none();
    let mut p = Parser {
        lex,
        st: TreeState::new(),
        parse_name: name.to_string(),
        text: shared.clone(),
        funcs,
        funcs_gen,
        trees: Vec::new(),
        index: FastMap::default(),
        nodes: Vec::new(),
        cmds: Vec::new(),
        args: Vec::new(),
    };
    let root = p.parse_top()?;
    p.add(name.to_string(), root)?;
    Ok(p.trees)
}

impl<'a, 'f> Parser<'a, 'f> {
    /// A token's text as a slice of the shared source. Inlined: returned from a call, the
    /// slice went through memory, and reading it back stalled on its field-by-field writes.
    #[inline(always)]
    fn src(&self, t: &Item) -> PResult<SrcStr> {
        SrcStr::new(&self.text, t.pos(), t.end())
            .ok_or_else(|| format!("template: {}: text too long", self.parse_name))
    }

    /// A token's text.
    fn val(&self, t: &Item) -> &'a str {
        self.lex.val(t)
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> PResult<T> {
        Err(format!(
            "template: {}:{}: {}",
            self.parse_name,
            self.lex.line_of(self.st.token[0].pos()),
            msg
        ))
    }

    fn next(&mut self) -> Item {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
            return self.st.token[self.st.peek_count & 3];
        }
        let t = self.lex.next_item();
        self.st.token[0] = t;
        t
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.st.peek_count > 0 {
            return self.st.token[(self.st.peek_count - 1) & 3];
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0]
    }

    fn peek_type(&mut self) -> ItemType {
        if self.st.peek_count > 0 {
            return self.st.token[(self.st.peek_count - 1) & 3].typ;
        }
        self.peek().typ
    }

    fn next_non_space(&mut self) -> Item {
        while self.st.peek_count > 0 {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
        // What `next` would leave in the lookahead after the last space.
        let t = self.lex.next_non_space_item();
        self.st.token[0] = t;
        t
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        let shown = self.lex.describe(token);
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            let action_line = self.lex.line_of(self.st.action_pos);
            if action_line != 0 && action_line != self.lex.line_of(token.pos()) {
                extra = format!(" in action started at {}:{}", self.parse_name, action_line);
                if self.lex.error_message().ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{shown}{extra}"));
        }
        self.errorf(format!("unexpected {shown} in {context}"))
    }

    /// Go's `Tree.add` into the tree set.
    fn add(&mut self, name: String, root: List) -> PResult<()> {
        let tree = Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
            funcs_gen: self.funcs_gen,
        };
        match self.index.get(&name) {
            None => {
                self.index.insert(name, self.trees.len());
                self.trees.push(tree);
            }
            Some(&i) => {
                if is_empty_list(&self.trees[i].root) {
                    self.trees[i] = tree;
                } else if !is_empty_list(&tree.root) {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        quote::quote(&name)
                    ));
                }
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<List> {
        let pos = self.peek().node_pos();
        let mark = self.nodes.len();
        while self.peek_type() != ItemType::Eof {
            if self.peek_type() == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let saved = std::mem::replace(&mut self.st, TreeState::new());
                    let r = self.parse_definition();
                    self.st = saved;
                    r?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::End => return self.errorf("unexpected {{end}}"),
                Parsed::Else(_) => return self.errorf("unexpected {{else}}"),
                Parsed::Node => {}
            }
        }
        Ok(List {
            pos,
            nodes: self.nodes.split_off(mark),
        })
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let name = self.next_non_space();
        if name.typ != ItemType::String && name.typ != ItemType::RawString {
            return self.unexpected(&name, context);
        }
        let tname = match quote::unquote(self.val(&name)) {
            Ok(s) => s,
            Err(e) => return self.errorf(e),
        };
        self.expect(ItemType::RightDelim, context)?;
        let (root, end) = self.item_list()?;
        if let Parsed::Else(_) = end {
            return self.errorf(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add(tname, root)
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let pos = self.peek_non_space().node_pos();
        let mark = self.nodes.len();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node => {}
                end => {
                    let nodes = self.nodes.split_off(mark);
                    return Ok((List { pos, nodes }, end));
                }
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => {
                let text = self.src(&token)?;
                self.nodes.push(Node::Text {
                    pos: token.node_pos(),
                    text,
                });
                Ok(Parsed::Node)
            }
            ItemType::LeftDelim => {
                self.st.action_pos = token.pos();
                let r = self.action();
                self.st.action_pos = NO_POS;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(|n| self.pushed(n)),
            ItemType::Break => return self.break_control(token.node_pos(), "{{break}}", true),
            ItemType::Continue => {
                return self.break_control(token.node_pos(), "{{continue}}", false);
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                let t = self.expect(ItemType::RightDelim, "end")?;
                let _ = t;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control("if").map(|n| self.pushed(n)),
            ItemType::Range => return self.branch_control("range").map(|n| self.pushed(n)),
            ItemType::Template => return self.template_control().map(|n| self.pushed(n)),
            ItemType::With => return self.branch_control("with").map(|n| self.pushed(n)),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline_boxed("command", ItemType::RightDelim)?;
        self.nodes.push(Node::Action {
            pos: token.node_pos(),
            pipe,
        });
        Ok(Parsed::Node)
    }

    /// `n` pushed onto the node stack.
    fn pushed(&mut self, n: Node) -> Parsed {
        self.nodes.push(n);
        Parsed::Node
    }

    fn break_control(&mut self, pos: Pos, ctx: &str, is_break: bool) -> PResult<Parsed> {
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, ctx);
        }
        if self.st.range_depth == 0 {
            return self.errorf(format!("{ctx} outside {{{{range}}}}"));
        }
        Ok(self.pushed(if is_break {
            Node::Break { pos }
        } else {
            Node::Continue { pos }
        }))
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let mut pipe = self.new_pipe();
        self.fill_pipeline(&mut pipe, context, end)?;
        Ok(pipe)
    }

    /// [`Parser::pipeline`] for the nodes that box it: built in its box, not moved there.
    fn pipeline_boxed(&mut self, context: &str, end: ItemType) -> PResult<Box<Pipe>> {
        let mut pipe = Box::new(self.new_pipe());
        self.fill_pipeline(&mut pipe, context, end)?;
        Ok(pipe)
    }

    fn new_pipe(&mut self) -> Pipe {
        let token = self.peek_non_space();
        Pipe {
            pos: token.node_pos(),
            is_assign: false,
            decl: vec![],
            cmds: Cmds::new(),
        }
    }

    /// Go's `pipeline` from its first token on.
    fn fill_pipeline(&mut self, pipe: &mut Pipe, context: &str, end: ItemType) -> PResult<()> {
        let mark = self.cmds.len();
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let token_after_variable = self.peek();
                let next = self.peek_non_space();
                if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    // A pipeline declares one variable, or two in a range: sized exactly,
                    // where a first push would make room for four.
                    if pipe.decl.is_empty() {
                        pipe.decl.reserve_exact(1);
                    }
                    pipe.decl.push(self.new_variable(&v)?);
                    self.st.vars.push(self.val(&v));
                } else if next.typ == ItemType::Char && self.val(&next) == "," {
                    self.next_non_space();
                    pipe.decl.reserve_exact(2);
                    pipe.decl.push(self.new_variable(&v)?);
                    self.st.vars.push(self.val(&v));
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue 'decls;
                            }
                            _ => return self.errorf("range can only initialize variables"),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                } else if token_after_variable.typ == ItemType::Space {
                    self.backup3(v, token_after_variable);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                pipe.cmds = take_tail(&mut self.cmds, mark);
                return self.check_pipeline(pipe, context);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    self.command()?;
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. }
                    | Arg::Dot { .. }
                    | Arg::Nil { .. }
                    | Arg::Number(_)
                    | Arg::String { .. }
            ) {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn branch_control(&mut self, context: &str) -> PResult<Node> {
        let nvars = self.st.vars.len();
        let r = grow(|| self.parse_control(context));
        self.st.vars.truncate(nvars);
        let (pipe, list, else_list) = r?;
        let b = Box::new(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        });
        Ok(match context {
            "if" => Node::If(b),
            "range" => Node::Range(b),
            _ => Node::With(b),
        })
    }

    fn parse_control(&mut self, context: &str) -> PResult<(Pipe, List, Option<List>)> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        if let Parsed::Else(else_pos) = next {
            if context == "if" && self.peek_type() == ItemType::If {
                self.next();
                let n = self.branch_control("if")?;
                else_list = Some(List {
                    pos: else_pos,
                    nodes: vec![n],
                });
            } else if context == "with" && self.peek_type() == ItemType::With {
                self.next();
                let n = self.branch_control("with")?;
                else_list = Some(List {
                    pos: else_pos,
                    nodes: vec![n],
                });
            } else {
                let (l, next) = self.item_list()?;
                if let Parsed::Else(_) = next {
                    return self.errorf("expected end; found {{else}}");
                }
                else_list = Some(l);
            }
        }
        Ok((pipe, list, else_list))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else(peek.node_pos()));
        }
        let token = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(token.node_pos()))
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let r = self.item_list();
        let r = match r {
            Ok((root, Parsed::Else(_))) => {
                drop(root);
                // Go reports this through the outer tree, whose token[0] is stale.
                let line = self.lex.line_of(saved.token[0].pos());
                Err(format!(
                    "template: {}:{}: unexpected {{{{else}}}} in {context}",
                    self.parse_name, line
                ))
            }
            Ok((root, _)) => self.add(name.clone(), root),
            Err(e) => Err(e),
        };
        self.st = saved;
        r?;
        Ok(Node::Template {
            pos: token.node_pos(),
            name: name.into(),
            pipe: Some(Box::new(pipe)),
        })
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline_boxed(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.node_pos(),
            name: name.into(),
            pipe,
        })
    }

    /// A variable token (`$x`; the lexer never puts a `.` in one) as a node.
    fn new_variable(&self, t: &Item) -> PResult<Variable> {
        Ok(Variable {
            pos: t.node_pos(),
            path: Path(self.src(t)?),
        })
    }

    fn parse_template_name(&self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match quote::unquote(self.val(token)) {
                Ok(s) => Ok(s),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    /// Go's `command`, onto the command stack (each node built where it is kept, not moved
    /// there through return values).
    fn command(&mut self) -> PResult<()> {
        let pos = self.peek_non_space().node_pos();
        let mark = self.args.len();
        loop {
            // A token that starts no term makes `term` back up and return nothing: skip
            // the call (`peek_non_space` has consumed the spaces `term` would have).
            if starts_term(self.peek_non_space().typ) {
                self.operand()?;
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if self.args.len() == mark {
            return self.errorf("empty command");
        }
        let args = take_tail(&mut self.args, mark);
        self.cmds.push(Command { pos, args });
        Ok(())
    }

    /// Go's `operand`, onto the argument stack.
    fn operand(&mut self) -> PResult<()> {
        if !self.term()? {
            return Ok(());
        }
        if self.peek_type() == ItemType::Field {
            let node = self.args.pop().expect("term pushed its node");
            // `.a.b`: the field tokens, each starting where the one before it ends (a field
            // token ends at a terminator, and the next token starts there), so one slice.
            let first = self.next();
            let pos = first.node_pos();
            let mut last = first;
            while self.peek_type() == ItemType::Field {
                last = self.next();
            }
            let fields = self.src(&first.through(last))?;
            let arg = match node {
                Arg::Field { path, .. } => Arg::Field {
                    pos,
                    path: Path(SrcStr::join(&path.0, &fields)),
                },
                Arg::Variable(mut v) => {
                    v.path = Path(SrcStr::join(&v.path.0, &fields));
                    v.pos = pos;
                    Arg::Variable(v)
                }
                Arg::Bool { .. }
                | Arg::String { .. }
                | Arg::Number(_)
                | Arg::Nil { .. }
                | Arg::Dot { .. } => {
                    return self.errorf(format!(
                        "unexpected . after term {}",
                        quote::quote(&node.to_string())
                    ));
                }
                other => Arg::Chain {
                    pos,
                    node: Box::new(other),
                    field: Path(fields.from(1)),
                },
            };
            self.args.push(arg);
        }
        Ok(())
    }

    /// Go's `term`, its node pushed onto the argument stack (`false`, nothing pushed, for a
    /// token that starts no term). Pushed here rather than returned: an argument is too big
    /// for registers, and reading it back from the return slot stalled on its field-by-field
    /// writes.
    fn term(&mut self) -> PResult<bool> {
        let token = self.next_non_space();
        let pos = token.node_pos();
        let arg = match token.typ {
            ItemType::Identifier => {
                let name = self.val(&token);
                let func = (self.funcs)(name);
                if func.is_none() {
                    return self.errorf(format!("function {} not defined", quote::quote(name)));
                }
                Arg::Identifier(Ident {
                    pos,
                    name: self.src(&token)?,
                    func,
                })
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                // The token is the variable's name alone: the lexer ends it at a `.`.
                let name = self.val(&token);
                if !self.st.vars.contains(&name) {
                    return self.errorf(format!("undefined variable {}", quote::quote(name)));
                }
                Arg::Variable(self.new_variable(&token)?)
            }
            ItemType::Field => Arg::Field {
                pos,
                path: Path(self.src(&token)?.from(1)),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                val: self.val(&token) == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(pos, self.src(&token)?, token.typ) {
                    Ok(n) => Arg::Number(Box::new(n)),
                    Err(e) => return self.errorf(e),
                }
            }
            ItemType::LeftParen => {
                if self.st.stack_depth >= MAX_STACK_DEPTH {
                    return self.errorf("max expression depth exceeded");
                }
                self.st.stack_depth += 1;
                let p =
                    grow(|| self.pipeline_boxed("parenthesized pipeline", ItemType::RightParen));
                self.st.stack_depth -= 1;
                Arg::Pipe(p?)
            }
            ItemType::String | ItemType::RawString => match quote::unquote_cow(self.val(&token)) {
                Ok(s) => Arg::String {
                    pos,
                    quoted: self.src(&token)?,
                    val: Arc::from(&*s),
                },
                Err(e) => return self.errorf(e),
            },
            _ => {
                self.backup();
                return Ok(false);
            }
        };
        self.args.push(arg);
        Ok(true)
    }
}

/// Whether `term` makes a node of a token of type `t` (else it backs up and returns none).
fn starts_term(t: ItemType) -> bool {
    matches!(
        t,
        ItemType::Identifier
            | ItemType::Dot
            | ItemType::Nil
            | ItemType::Variable
            | ItemType::Field
            | ItemType::Bool
            | ItemType::CharConstant
            | ItemType::Complex
            | ItemType::Number
            | ItemType::LeftParen
            | ItemType::String
            | ItemType::RawString
    )
}

/// Go's `Tree.newNumber` plus its `idealConstant`.
fn new_number(pos: Pos, src: SrcStr, typ: ItemType) -> Result<Number, String> {
    let text: &str = &src.clone();
    let mut n = Number {
        pos,
        text: src,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex: (0.0, 0.0),
        ideal: Ok(Value::Nil),
    };
    if typ == ItemType::CharConstant {
        let (r, _, tail) = quote::unquote_char(&text[1..], b'\'').map_err(|e| e.to_string())?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        n.int64 = r as i64;
        n.is_int = true;
        n.uint64 = r as u64;
        n.is_uint = true;
        n.float64 = r as f64;
        n.is_float = true;
    } else if typ == ItemType::Complex {
        // Go parses "1+2i" with fmt.Sscan.
        let (re, im) = parse_complex(text)
            .ok_or_else(|| "syntax error scanning complex number".to_string())?;
        n.is_complex = true;
        simplify_complex(&mut n, re, im);
    } else if text.ends_with('i') && quote::parse_float(&text[..text.len() - 1]).is_some() {
        let f = quote::parse_float(&text[..text.len() - 1]).unwrap_or(0.0);
        n.is_complex = true;
        simplify_complex(&mut n, 0.0, f);
    } else {
        let u = quote::parse_uint0(text);
        if let Some(u) = u {
            n.is_uint = true;
            n.uint64 = u;
        }
        if let Some(i) = quote::parse_int0(text) {
            n.is_int = true;
            n.int64 = i;
            if i == 0 {
                n.is_uint = true;
                n.uint64 = u.unwrap_or(0);
            }
        }
        if n.is_int {
            n.is_float = true;
            n.float64 = n.int64 as f64;
        } else if n.is_uint {
            n.is_float = true;
            n.float64 = n.uint64 as f64;
        } else if let Some(f) = quote::parse_float(text) {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!("integer overflow: {}", quote::quote(text)));
            }
            n.is_float = true;
            n.float64 = f;
            if !n.is_int && (f as i64) as f64 == f && f.fract() == 0.0 && f.abs() < 9.3e18 {
                n.is_int = true;
                n.int64 = f as i64;
            }
            if !n.is_uint && (f as u64) as f64 == f && (0.0..1.85e19).contains(&f) {
                n.is_uint = true;
                n.uint64 = f as u64;
            }
        }
        if !n.is_int && !n.is_uint && !n.is_float {
            return Err(format!("illegal number syntax: {}", quote::quote(text)));
        }
    }
    n.ideal = ideal_constant(&n);
    Ok(n)
}

fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let body = text.strip_suffix('i')?;
    let split = body.char_indices().skip(1).filter(|&(i, c)| {
        (c == '+' || c == '-') && !matches!(body.as_bytes()[i - 1], b'e' | b'E' | b'p' | b'P')
    });
    let (i, _) = split.last()?;
    let re = quote::parse_float(&body[..i])?;
    let im = quote::parse_float(&body[i..])?;
    Some((re, im))
}

fn simplify_complex(n: &mut Number, re: f64, im: f64) {
    n.complex = (re, im);
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        n.is_int = (re as i64) as f64 == re;
        if n.is_int {
            n.int64 = re as i64;
        }
        n.is_uint = re >= 0.0 && (re as u64) as f64 == re;
        if n.is_uint {
            n.uint64 = re as u64;
        }
    }
}

fn ideal_constant(n: &Number) -> Result<Value, String> {
    let t = &*n.text;
    let is_hex_int = t.len() > 2
        && t.as_bytes()[0] == b'0'
        && (t.as_bytes()[1] == b'x' || t.as_bytes()[1] == b'X')
        && !t.contains(['p', 'P']);
    let is_rune = t.starts_with('\'');
    if n.is_complex {
        let (re, im) = n.complex;
        return Ok(Value::Object(Arc::new(crate::complex::Complex { re, im })));
    }
    if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
        return Ok(Value::Float(n.float64, FloatKind::F64));
    }
    if n.is_int {
        return Ok(Value::Int(n.int64, IntKind::Int));
    }
    if n.is_uint {
        return Err(format!("{t} overflows int"));
    }
    Ok(Value::Nil)
}

/// Runs `f` with stack to spare: Go's parser recurses as deep as the template nests (parenthesized
/// pipelines up to 10000 levels, control structures without limit), on a growable stack.
pub(crate) fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}
