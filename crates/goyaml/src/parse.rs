//! yaml.v2's parser (`parserc.go`) and composer/decoder (`decode.go`) for `Unmarshal` into
//! `interface{}`: the first document becomes a [`Node`] tree, with anchors, aliases, `<<` merges,
//! duplicate keys last-wins, explicit tags and the `yaml: ...` errors Go prints.

// foldhash, not std's SipHash: every key of a big values file is hashed, and nothing here
// is a long-lived table an attacker could fill.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::node::Node;
use crate::resolve::{self, Tag};
use crate::scan::{Mark, R, ScalarStyle, Scanner, Stage, Tok, YamlError};

pub mod pruned;

const LONG: &str = "tag:yaml.org,2002:";

enum Raw {
    Scalar {
        value: String,
        tag: String,
        implicit: bool,
    },
    Seq(Vec<usize>),
    Map(Vec<usize>),
    /// Anchor name and target node.
    Alias(String, usize),
}

/// A failure outside the scanner and parser (`failf` in yaml.v2): no position in the message.
fn fail(msg: String) -> YamlError {
    YamlError {
        stage: Stage::Reader,
        problem: msg,
        problem_mark: Mark::default(),
        context_mark: Mark::default(),
    }
}

fn parser_err(problem: &str, problem_mark: Mark, context_mark: Mark) -> YamlError {
    YamlError {
        stage: Stage::Parser,
        problem: problem.to_string(),
        problem_mark,
        context_mark,
    }
}

struct Parser<'a> {
    sc: Scanner<'a>,
    nodes: Vec<Raw>,
    anchors: HashMap<String, usize>,
    tag_directives: Vec<(String, String)>,
    /// 1-based start line of each node read by `node` (yaml.v3's `Node.Line`, for its errors),
    /// indexed by node id; 0 for a node `node` did not read. A vector, not a map: ids are dense
    /// and hashing every node showed in profiles.
    lines: Vec<usize>,
    /// 1-based start column of each node read by `node` (for [`parse_all_v3_spanned`]).
    cols: Vec<usize>,
}

impl Parser<'_> {
    fn new(sc: Scanner<'_>) -> Parser<'_> {
        Parser {
            sc,
            nodes: Vec::new(),
            anchors: HashMap::new(),
            tag_directives: Vec::new(),
            lines: Vec::new(),
            cols: Vec::new(),
        }
    }
}

/// Parses the first document of `input` the way `yaml.Unmarshal(input, &v)` with `v interface{}`
/// does; `None` when the stream holds no document.
pub fn parse_first(input: &str) -> R<Option<Node>> {
    // Non-ASCII characters only in comments (em dashes in a values file's notes) would send
    // the whole input down the scanner's character-by-character path: the same input with
    // them replaced is read instead, and kept where they all turned out to be in comments.
    if let Some(sub) = crate::scan::Substituted::new(input) {
        let mut sc = Scanner::new(&sub.text)?;
        sc.track_comments();
        let mut p = Parser::new(sc);
        if let Ok(root) = p.document()
            && p.sc.comments_cover(&sub.at)
        {
            let Some(root) = root else {
                return Ok(None);
            };
            let mut d = Decoder::new(&p, false);
            if let Ok(node) = d.decode(root) {
                return Ok(Some(node));
            }
        }
    }
    parse_first_as_is(input)
}

/// [`parse_first`] without replacing anything.
fn parse_first_as_is(input: &str) -> R<Option<Node>> {
    let mut p = Parser::new(Scanner::new(input)?);
    let Some(root) = p.document()? else {
        return Ok(None);
    };
    let mut d = Decoder::new(&p, false);
    Ok(Some(d.decode(root)?))
}

/// yaml.v3's `Unmarshal(input, &v)` with `v interface{}` over the same event stream: YAML 1.2 core
/// schema resolution, duplicate keys as errors, v3's merge rules. `Ok(Err(msg))` carries v3's
/// collected type errors (`unmarshal errors:` ...), which Go returns beside a partial value.
pub fn parse_first_v3(input: &str) -> R<Result<Option<Node>, String>> {
    let mut sc = Scanner::new(input)?;
    sc.v3 = true;
    let mut p = Parser::new(sc);
    let Some(root) = p.document()? else {
        return Ok(Ok(None));
    };
    let mut d = Decoder::new(&p, true);
    let node = d.decode(root)?;
    if !d.terrors.is_empty() {
        return Ok(Err(format!(
            "unmarshal errors:\n  {}",
            d.terrors.join("\n  ")
        )));
    }
    Ok(Ok(Some(node)))
}

/// One node of a composed yaml.v3 document, before resolution: what a strict decoder walks to
/// name the `line:col` of a key (yaml.v3's `yaml.Node` with its `Line` and `Column`).
#[derive(Clone, Debug)]
pub struct Composed {
    pub kind: ComposedKind,
    /// 1-based; 0 for an empty node (a key without value), which has no token of its own.
    pub line: usize,
    pub column: usize,
}

/// The shape of a [`Composed`] node; children are indexes into the document's node list.
#[derive(Clone, Debug)]
pub enum ComposedKind {
    Scalar {
        value: String,
        tag: String,
        /// Plain and untagged (or tagged `!`): resolved by its text.
        implicit: bool,
    },
    Seq(Vec<usize>),
    /// Keys and values alternating, in source order.
    Map(Vec<usize>),
    /// An alias and the node its anchor names.
    Alias(usize),
}

/// One document of a yaml.v3 stream: its composed nodes with positions and, as yaml.v3's
/// `Decoder.Decode` into `interface{}` gives it, its decoded value (or the collected
/// `unmarshal errors:` text).
#[derive(Clone, Debug)]
pub struct SpannedDoc {
    pub nodes: Vec<Composed>,
    pub root: usize,
    pub value: Result<Node, String>,
}

/// Every document of `input`, as successive yaml.v3 `Decoder.Decode` calls read them.
pub fn parse_all_v3_spanned(input: &str) -> R<Vec<SpannedDoc>> {
    let mut sc = Scanner::new(input)?;
    sc.v3 = true;
    let mut p = Parser::new(sc);
    let mut docs = Vec::new();
    loop {
        let first = p.nodes.len();
        p.anchors.clear();
        let Some(root) = p.document()? else {
            return Ok(docs);
        };
        let mut d = Decoder::new(&p, true);
        let node = d.decode(root)?;
        let value = if d.terrors.is_empty() {
            Ok(node)
        } else {
            Err(format!("unmarshal errors:\n  {}", d.terrors.join("\n  ")))
        };
        let nodes = (first..p.nodes.len())
            .map(|id| {
                let kind = match &p.nodes[id] {
                    Raw::Scalar {
                        value,
                        tag,
                        implicit,
                    } => ComposedKind::Scalar {
                        value: value.clone(),
                        tag: tag.clone(),
                        implicit: *implicit,
                    },
                    Raw::Seq(items) => ComposedKind::Seq(items.iter().map(|i| i - first).collect()),
                    Raw::Map(items) => ComposedKind::Map(items.iter().map(|i| i - first).collect()),
                    Raw::Alias(_, t) => ComposedKind::Alias(t - first),
                };
                Composed {
                    kind,
                    line: p.lines.get(id).copied().unwrap_or(0),
                    column: p.cols.get(id).copied().unwrap_or(0),
                }
            })
            .collect();
        docs.push(SpannedDoc {
            nodes,
            root: root - first,
            value,
        });
    }
}

fn empty_scalar(nodes: &mut Vec<Raw>) -> usize {
    nodes.push(Raw::Scalar {
        value: String::new(),
        tag: String::new(),
        implicit: true,
    });
    nodes.len() - 1
}

impl Parser<'_> {
    /// The next token's kind and marks. A scalar comes with an empty text (its text is taken
    /// with [`Parser::take_scalar`] when consumed): the parser peeks each token several times,
    /// and cloning every scalar's text showed in profiles.
    #[inline(always)]
    fn peek(&mut self) -> R<(Tok, Mark, Mark)> {
        let t = self.sc.peek()?;
        let tok = match &t.tok {
            Tok::Scalar(_, style) => Tok::Scalar(String::new(), *style),
            other => other.clone(),
        };
        Ok((tok, t.start, t.end))
    }

    /// [`Parser::peek`] without the marks, for the many places that look at the kind alone.
    #[inline(always)]
    fn peek_tok(&mut self) -> R<Tok> {
        let t = self.sc.peek()?;
        Ok(match &t.tok {
            Tok::Scalar(_, style) => Tok::Scalar(String::new(), *style),
            other => other.clone(),
        })
    }

    /// The text of the scalar token [`Parser::peek`] just returned, moved out of the scanner.
    fn take_scalar(&mut self) -> R<String> {
        Ok(match &mut self.sc.peek_mut()?.tok {
            Tok::Scalar(value, _) => std::mem::take(value),
            _ => String::new(),
        })
    }

    fn skip(&mut self) {
        self.sc.skip_token();
    }

    fn process_directives(&mut self) -> R<()> {
        let mut seen_version = false;
        loop {
            let (tok, start, _) = self.peek()?;
            match tok {
                Tok::VersionDirective(major, minor) => {
                    if seen_version {
                        return Err(parser_err(
                            "found duplicate %YAML directive",
                            start,
                            Mark::default(),
                        ));
                    }
                    if major != 1 || minor != 1 {
                        return Err(parser_err(
                            "found incompatible YAML document",
                            start,
                            Mark::default(),
                        ));
                    }
                    seen_version = true;
                }
                Tok::TagDirective(handle, prefix) => {
                    if self.tag_directives.iter().any(|(h, _)| *h == handle) {
                        return Err(parser_err(
                            "found duplicate %TAG directive",
                            start,
                            Mark::default(),
                        ));
                    }
                    self.tag_directives.push((handle, prefix));
                }
                _ => break,
            }
            self.skip();
        }
        for (h, p) in [("!", "!"), ("!!", LONG)] {
            if !self.tag_directives.iter().any(|(x, _)| x == h) {
                self.tag_directives.push((h.to_string(), p.to_string()));
            }
        }
        Ok(())
    }

    fn document(&mut self) -> R<Option<usize>> {
        self.document_with(&mut |p| p.node(true, false))
    }

    /// yaml.v2's document states, with `read_root` reading the document's node (the full tree, or
    /// [`pruned`]'s partial one).
    fn document_with(
        &mut self,
        read_root: &mut dyn FnMut(&mut Self) -> R<usize>,
    ) -> R<Option<usize>> {
        let tok = self.peek_tok()?;
        if matches!(tok, Tok::StreamStart) {
            self.skip();
        }
        let (tok, start, _) = self.peek()?;
        let root = match tok {
            Tok::StreamEnd => return Ok(None),
            Tok::VersionDirective(..) | Tok::TagDirective(..) | Tok::DocumentStart => {
                self.process_directives()?;
                let (tok, s, _) = self.peek()?;
                if !matches!(tok, Tok::DocumentStart) {
                    return Err(parser_err(
                        "did not find expected <document start>",
                        s,
                        Mark::default(),
                    ));
                }
                let _ = start;
                self.skip();
                let (tok, m, _) = self.peek()?;
                match tok {
                    Tok::VersionDirective(..)
                    | Tok::TagDirective(..)
                    | Tok::DocumentStart
                    | Tok::DocumentEnd
                    | Tok::StreamEnd => {
                        let _ = m;
                        empty_scalar(&mut self.nodes)
                    }
                    _ => read_root(self)?,
                }
            }
            _ => {
                self.process_directives()?;
                read_root(self)?
            }
        };
        // DOCUMENT-END: peeks (and so scans) the next token, which may fail.
        let tok = self.peek_tok()?;
        if matches!(tok, Tok::DocumentEnd) {
            self.skip();
        }
        Ok(Some(root))
    }

    fn node(&mut self, block: bool, indentless: bool) -> R<usize> {
        let (tok, start, _) = self.peek()?;
        let id = self.node_inner(tok, start, block, indentless)?;
        if self.lines.len() <= id {
            self.lines.resize(id + 1, 0);
            self.cols.resize(id + 1, 0);
        }
        self.lines[id] = start.line + 1;
        self.cols[id] = start.column + 1;
        Ok(id)
    }

    /// A node from its first token `tok` (peeked, at `start`).
    fn node_inner(&mut self, tok: Tok, start: Mark, block: bool, indentless: bool) -> R<usize> {
        if let Tok::Alias(name) = tok {
            let Some(&target) = self.anchors.get(&name) else {
                return Err(fail(format!("unknown anchor '{name}' referenced")));
            };
            self.skip();
            self.nodes.push(Raw::Alias(name, target));
            return Ok(self.nodes.len() - 1);
        }
        let start_mark = start;
        let mut anchor: Option<String> = None;
        let mut tag_tok: Option<(String, String, Mark)> = None;
        let (mut tok, mut cur_start, _) = (tok, start, ());
        if let Tok::Anchor(a) = &tok {
            anchor = Some(a.clone());
            self.skip();
            let (t, s, _) = self.peek()?;
            tok = t;
            cur_start = s;
            if let Tok::Tag(h, sfx) = &tok {
                tag_tok = Some((h.clone(), sfx.clone(), s));
                self.skip();
                let (t, s, _) = self.peek()?;
                tok = t;
                cur_start = s;
            }
        } else if let Tok::Tag(h, sfx) = &tok {
            tag_tok = Some((h.clone(), sfx.clone(), start));
            self.skip();
            let (t, s, _) = self.peek()?;
            tok = t;
            cur_start = s;
            if let Tok::Anchor(a) = &tok {
                anchor = Some(a.clone());
                self.skip();
                let (t, s, _) = self.peek()?;
                tok = t;
                cur_start = s;
            }
        }
        let mut tag = String::new();
        if let Some((handle, suffix, tag_mark)) = tag_tok {
            if handle.is_empty() {
                tag = suffix;
            } else {
                match self.tag_directives.iter().find(|(h, _)| *h == handle) {
                    Some((_, prefix)) => tag = format!("{prefix}{suffix}"),
                    None => {
                        return Err(parser_err(
                            "found undefined tag handle",
                            tag_mark,
                            start_mark,
                        ));
                    }
                }
            }
        }
        // The start of the token after any anchor and tag (no token was consumed since).
        let tok_start = cur_start;
        // Reserve the node so an anchor names it before its children are read (yaml.v2 order).
        let reserve = |p: &mut Parser, anchor: &Option<String>| -> usize {
            p.nodes.push(Raw::Seq(Vec::new()));
            let id = p.nodes.len() - 1;
            if let Some(a) = anchor {
                p.anchors.insert(a.clone(), id);
            }
            id
        };
        if indentless && matches!(tok, Tok::BlockEntry) {
            let id = reserve(self, &anchor);
            let items = self.indentless_sequence()?;
            self.nodes[id] = Raw::Seq(items);
            return Ok(id);
        }
        match tok {
            Tok::Scalar(_, style) => {
                let implicit = (tag.is_empty() && style == ScalarStyle::Plain) || tag == "!";
                let value = self.take_scalar()?;
                self.skip();
                self.nodes.push(Raw::Scalar {
                    value,
                    tag,
                    implicit,
                });
                let id = self.nodes.len() - 1;
                if let Some(a) = anchor {
                    self.anchors.insert(a, id);
                }
                Ok(id)
            }
            Tok::FlowSequenceStart => {
                let id = reserve(self, &anchor);
                let items = self.flow_sequence()?;
                self.nodes[id] = Raw::Seq(items);
                Ok(id)
            }
            Tok::FlowMappingStart => {
                let id = reserve(self, &anchor);
                let items = self.flow_mapping()?;
                self.nodes[id] = Raw::Map(items);
                Ok(id)
            }
            Tok::BlockSequenceStart if block => {
                let id = reserve(self, &anchor);
                let items = self.block_sequence()?;
                self.nodes[id] = Raw::Seq(items);
                Ok(id)
            }
            Tok::BlockMappingStart if block => {
                let id = reserve(self, &anchor);
                let items = self.block_mapping()?;
                self.nodes[id] = Raw::Map(items);
                Ok(id)
            }
            _ if anchor.is_some() || !tag.is_empty() => {
                let implicit = tag.is_empty();
                self.nodes.push(Raw::Scalar {
                    value: String::new(),
                    tag,
                    implicit,
                });
                let id = self.nodes.len() - 1;
                if let Some(a) = anchor {
                    self.anchors.insert(a, id);
                }
                Ok(id)
            }
            _ => Err(parser_err(
                "did not find expected node content",
                tok_start,
                start_mark,
            )),
        }
    }

    fn block_sequence(&mut self) -> R<Vec<usize>> {
        let (_, context, _) = self.peek()?;
        self.skip();
        let mut items = Vec::new();
        loop {
            let (tok, start, end) = self.peek()?;
            match tok {
                Tok::BlockEntry => {
                    self.skip();
                    let t = self.peek_tok()?;
                    if !matches!(t, Tok::BlockEntry) && !matches!(t, Tok::BlockEnd) {
                        items.push(self.node(true, false)?);
                    } else {
                        let _ = end;
                        items.push(empty_scalar(&mut self.nodes));
                    }
                }
                Tok::BlockEnd => {
                    self.skip();
                    return Ok(items);
                }
                _ => {
                    return Err(parser_err(
                        "did not find expected '-' indicator",
                        start,
                        context,
                    ));
                }
            }
        }
    }

    fn indentless_sequence(&mut self) -> R<Vec<usize>> {
        let mut items = Vec::new();
        loop {
            let tok = self.peek_tok()?;
            if !matches!(tok, Tok::BlockEntry) {
                return Ok(items);
            }
            self.skip();
            let t = self.peek_tok()?;
            if !matches!(t, Tok::BlockEntry | Tok::Key | Tok::Value | Tok::BlockEnd) {
                items.push(self.node(true, false)?);
            } else {
                items.push(empty_scalar(&mut self.nodes));
            }
        }
    }

    fn block_mapping(&mut self) -> R<Vec<usize>> {
        let (_, context, _) = self.peek()?;
        self.skip();
        let mut items = Vec::new();
        loop {
            let (tok, start, _) = self.peek()?;
            match tok {
                Tok::Key => {
                    self.skip();
                    let t = self.peek_tok()?;
                    if !matches!(t, Tok::Key | Tok::Value | Tok::BlockEnd) {
                        items.push(self.node(true, true)?);
                    } else {
                        items.push(empty_scalar(&mut self.nodes));
                    }
                }
                Tok::BlockEnd => {
                    self.skip();
                    return Ok(items);
                }
                _ => {
                    return Err(parser_err("did not find expected key", start, context));
                }
            }
            // The value.
            let tok = self.peek_tok()?;
            if matches!(tok, Tok::Value) {
                self.skip();
                let t = self.peek_tok()?;
                if !matches!(t, Tok::Key | Tok::Value | Tok::BlockEnd) {
                    items.push(self.node(true, true)?);
                } else {
                    items.push(empty_scalar(&mut self.nodes));
                }
            } else {
                items.push(empty_scalar(&mut self.nodes));
            }
        }
    }

    fn flow_sequence(&mut self) -> R<Vec<usize>> {
        let (_, context, _) = self.peek()?;
        self.skip();
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let (mut tok, mut start, _) = self.peek()?;
            if !matches!(tok, Tok::FlowSequenceEnd) {
                if !first {
                    if matches!(tok, Tok::FlowEntry) {
                        self.skip();
                        (tok, start, _) = self.peek()?;
                    } else {
                        return Err(parser_err(
                            "did not find expected ',' or ']'",
                            start,
                            context,
                        ));
                    }
                }
                let _ = start;
                if matches!(tok, Tok::Key) {
                    // A single-pair mapping inside a flow sequence.
                    self.skip();
                    self.nodes.push(Raw::Map(Vec::new()));
                    let id = self.nodes.len() - 1;
                    let mut pair = Vec::new();
                    let t = self.peek_tok()?;
                    if !matches!(t, Tok::Value | Tok::FlowEntry | Tok::FlowSequenceEnd) {
                        pair.push(self.node(false, false)?);
                    } else {
                        self.skip();
                        pair.push(empty_scalar(&mut self.nodes));
                    }
                    let t = self.peek_tok()?;
                    if matches!(t, Tok::Value) {
                        self.skip();
                        let t2 = self.peek_tok()?;
                        if !matches!(t2, Tok::FlowEntry) && !matches!(t2, Tok::FlowSequenceEnd) {
                            pair.push(self.node(false, false)?);
                        } else {
                            pair.push(empty_scalar(&mut self.nodes));
                        }
                    } else {
                        pair.push(empty_scalar(&mut self.nodes));
                    }
                    self.nodes[id] = Raw::Map(pair);
                    items.push(id);
                    first = false;
                    continue;
                } else if !matches!(tok, Tok::FlowSequenceEnd) {
                    items.push(self.node(false, false)?);
                    first = false;
                    continue;
                }
            }
            self.skip();
            return Ok(items);
        }
    }

    fn flow_mapping(&mut self) -> R<Vec<usize>> {
        let (_, context, _) = self.peek()?;
        self.skip();
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let (mut tok, _, _) = self.peek()?;
            if !matches!(tok, Tok::FlowMappingEnd) {
                if !first {
                    if matches!(tok, Tok::FlowEntry) {
                        self.skip();
                        tok = self.peek_tok()?;
                    } else {
                        let (_, start, _) = self.peek()?;
                        return Err(parser_err(
                            "did not find expected ',' or '}'",
                            start,
                            context,
                        ));
                    }
                }
                first = false;
                if matches!(tok, Tok::Key) {
                    self.skip();
                    let t = self.peek_tok()?;
                    if !matches!(t, Tok::Value | Tok::FlowEntry | Tok::FlowMappingEnd) {
                        items.push(self.node(false, false)?);
                    } else {
                        items.push(empty_scalar(&mut self.nodes));
                    }
                    // Value state.
                    let t = self.peek_tok()?;
                    if matches!(t, Tok::Value) {
                        self.skip();
                        let t2 = self.peek_tok()?;
                        if !matches!(t2, Tok::FlowEntry) && !matches!(t2, Tok::FlowMappingEnd) {
                            items.push(self.node(false, false)?);
                        } else {
                            items.push(empty_scalar(&mut self.nodes));
                        }
                    } else {
                        items.push(empty_scalar(&mut self.nodes));
                    }
                    continue;
                } else if !matches!(tok, Tok::FlowMappingEnd) {
                    items.push(self.node(false, false)?);
                    // Empty value state.
                    items.push(empty_scalar(&mut self.nodes));
                    continue;
                }
            }
            self.skip();
            return Ok(items);
        }
    }
}

struct Decoder<'a> {
    nodes: &'a [Raw],
    active_aliases: Vec<usize>,
    decode_count: u64,
    alias_count: u64,
    /// yaml.v3's decoding rules instead of yaml.v2's.
    v3: bool,
    /// yaml.v3's collected type errors (duplicate keys).
    terrors: Vec<String>,
    lines: &'a [usize],
}

impl<'a> Decoder<'a> {
    /// A decoder of `p`'s nodes with yaml.v3's rules or yaml.v2's. The document node counts as
    /// yaml.v2's first unmarshal call.
    fn new(p: &'a Parser<'_>, v3: bool) -> Decoder<'a> {
        Decoder {
            nodes: &p.nodes,
            active_aliases: Vec::new(),
            decode_count: 1,
            alias_count: 0,
            v3,
            terrors: Vec::new(),
            lines: &p.lines,
        }
    }
}

/// yaml.v2's `allowedAliasRatio`: how much of a document may come from aliases (billion laughs).
fn allowed_alias_ratio(decode_count: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(LONG) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

fn tag_of(t: Tag) -> String {
    let s = match t {
        Tag::Str => "str",
        Tag::Bool => "bool",
        Tag::Int => "int",
        Tag::Float => "float",
        Tag::Null => "null",
        Tag::Timestamp => "timestamp",
        Tag::Merge => "merge",
    };
    format!("{LONG}{s}")
}

/// A key identity for Go map semantics (type and value): a string key is its text (most keys
/// are strings, and formatting each showed in profiles of big values files), any other key its
/// `Debug` form, which names the type.
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyId {
    Str(String),
    Other(String),
}

fn key_id(n: &Node) -> KeyId {
    match n {
        Node::Str(s) => KeyId::Str(s.clone()),
        n => KeyId::Other(format!("{n:?}")),
    }
}

/// Whether two keys have the same [`key_id`], without formatting them: floats by their bits
/// (every NaN alike, as its text is), the rest by value.
fn same_key(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::Float(x), Node::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Node::Float(_), _) | (_, Node::Float(_)) => false,
        _ => a == b,
    }
}

/// The entries of a mapping being decoded, found by key for yaml.v2's duplicate keys (the
/// last wins). Mappings are mostly small: those are searched linearly, as formatting and
/// hashing every key showed in profiles; big ones get a hash index, built when first needed.
#[derive(Default)]
struct KeyIndex {
    /// `key_id` → entry, for the first `by_id.len()` entries (each entry has its own key).
    by_id: HashMap<KeyId, usize>,
}

impl KeyIndex {
    const LINEAR: usize = 16;

    fn find(&mut self, entries: &[(Node, Node)], key: &Node) -> Option<usize> {
        if entries.len() <= Self::LINEAR {
            return entries.iter().position(|(k, _)| same_key(k, key));
        }
        for (i, (k, _)) in entries.iter().enumerate().skip(self.by_id.len()) {
            self.by_id.insert(key_id(k), i);
        }
        self.by_id.get(&key_id(key)).copied()
    }
}

impl Decoder<'_> {
    /// yaml.v2's per-node accounting in `unmarshal`.
    fn count(&mut self) -> R<()> {
        self.decode_count += 1;
        if !self.active_aliases.is_empty() {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(fail("document contains excessive aliasing".to_string()));
        }
        Ok(())
    }

    fn decode(&mut self, id: usize) -> R<Node> {
        self.count()?;
        // The node list outlives `self`'s borrow: children are walked without copying them.
        let nodes = self.nodes;
        match &nodes[id] {
            Raw::Alias(name, target) => {
                if self.active_aliases.contains(&id) {
                    return Err(fail(format!("anchor '{name}' value contains itself")));
                }
                self.active_aliases.push(id);
                let r = self.decode(*target);
                self.active_aliases.pop();
                r
            }
            Raw::Scalar {
                value,
                tag,
                implicit,
                ..
            } if self.v3 => self.scalar_v3(value, tag, *implicit),
            Raw::Scalar {
                value,
                tag,
                implicit,
                ..
            } => self.scalar(value, tag, *implicit),
            Raw::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &i in items {
                    out.push(self.decode(i)?);
                }
                Ok(Node::Seq(out))
            }
            Raw::Map(_) if self.v3 => {
                let mut entries = Vec::new();
                let mut index = HashMap::new();
                self.mapping_v3(id, &mut entries, &mut index, None, None)?;
                Ok(Node::Map(entries))
            }
            Raw::Map(children) => {
                let mut entries = Vec::with_capacity(children.len() / 2);
                let mut index = KeyIndex::default();
                self.mapping_into(id, &mut entries, &mut index)?;
                Ok(Node::Map(entries))
            }
        }
    }

    fn scalar(&self, value: &str, tag: &str, implicit: bool) -> R<Node> {
        if tag.is_empty() && !implicit {
            return Ok(Node::Str(value.to_string()));
        }
        let resolvable = matches!(
            tag.strip_prefix(LONG),
            Some("str" | "bool" | "int" | "float" | "null" | "timestamp")
        ) || tag.is_empty();
        if !resolvable {
            if tag.strip_prefix(LONG) == Some("binary") {
                return match base64_decode(value) {
                    Some(b) => Ok(Node::Str(String::from_utf8_lossy(&b).into_owned())),
                    None => Err(fail(
                        "!!binary value contains invalid base64 data".to_string(),
                    )),
                };
            }
            return Ok(Node::Str(value.to_string()));
        }
        if tag.strip_prefix(LONG) == Some("str") {
            return Ok(Node::Str(value.to_string()));
        }
        let (rtag, v) = resolve::resolve(value);
        if tag.is_empty() || tag == tag_of(rtag) {
            return Ok(v);
        }
        if tag.strip_prefix(LONG) == Some("float") && rtag == Tag::Int {
            // A uint64 is not converted by yaml.v2's deferred fix-up.
            if let Node::Int(i) = v {
                return Ok(Node::Float(i as f64));
            }
        }
        if rtag == Tag::Merge {
            // "<<" resolves to the merge tag; as a value it is the string.
            if tag == tag_of(Tag::Merge) {
                return Ok(v);
            }
        }
        Err(fail(format!(
            "cannot decode {} `{}` as a {}",
            short_tag(&tag_of(rtag)),
            value,
            short_tag(tag)
        )))
    }

    /// yaml.v3's `scalar` into `interface{}`: quoted and `!!str` scalars are strings, unknown tags
    /// keep the text, `!!binary` is decoded, the rest resolves by the YAML 1.2 core schema (plus
    /// 1.1 octals); a tag that disagrees with the resolution is an error (`!!float` takes ints).
    /// Timestamps stay text here (Go makes them `time.Time`).
    fn scalar_v3(&self, value: &str, tag: &str, implicit: bool) -> R<Node> {
        if (tag.is_empty() && !implicit) || tag.strip_prefix(LONG) == Some("str") {
            return Ok(Node::Str(value.to_string()));
        }
        // yaml.v3's parser drops the non-specific tag `!`: the scalar resolves as if untagged.
        let tag = if tag == "!" { "" } else { tag };
        let resolvable = matches!(
            tag.strip_prefix(LONG),
            Some("str" | "bool" | "int" | "float" | "null" | "timestamp")
        ) || tag.is_empty();
        if !resolvable {
            if tag.strip_prefix(LONG) == Some("binary") {
                return match base64_decode(value) {
                    Some(b) => Ok(Node::Str(String::from_utf8_lossy(&b).into_owned())),
                    None => Err(fail(
                        "!!binary value contains invalid base64 data".to_string(),
                    )),
                };
            }
            return Ok(Node::Str(value.to_string()));
        }
        let (rtag, v) = resolve::resolve_v3(value);
        if tag.is_empty() || tag == tag_of(rtag) {
            return Ok(v);
        }
        if tag.strip_prefix(LONG) == Some("float") && rtag == Tag::Int {
            // v3 converts only int and int64, not uint64.
            if let Node::Int(i) = v {
                return Ok(Node::Float(i as f64));
            }
        }
        Err(fail(format!(
            "cannot decode {} `{}` as a {}",
            short_tag(&tag_of(rtag)),
            value,
            short_tag(tag)
        )))
    }

    /// yaml.v3's `Node.Kind` and `Value` of a key, for its duplicate-key check, and its line.
    fn key_ident(&self, id: usize) -> (u8, String, usize) {
        let line = self.lines.get(id).copied().unwrap_or(0);
        match &self.nodes[id] {
            Raw::Scalar { value, .. } => (0, value.clone(), line),
            Raw::Alias(name, _) => (1, name.clone(), line),
            Raw::Seq(_) => (2, String::new(), line),
            Raw::Map(_) => (3, String::new(), line),
        }
    }

    /// yaml.v3's `Node.ShortTag()` is `!!str` (or the key is `<<`): `isStringMap` over a
    /// mapping's keys decides between `map[string]interface{}` and `map[interface{}]interface{}`.
    fn is_string_key(&self, id: usize) -> bool {
        if self.is_merge(id) {
            return true;
        }
        match &self.nodes[id] {
            Raw::Scalar {
                value,
                tag,
                implicit,
                ..
            } => {
                if (tag.is_empty() && !implicit) || tag.strip_prefix(LONG) == Some("str") {
                    true
                } else if tag.is_empty() || tag == "!" {
                    resolve::resolve_v3(value).0 == Tag::Str
                } else {
                    false
                }
            }
            Raw::Alias(_, t) => self.is_string_key(*t),
            _ => false,
        }
    }

    /// A key decoded into a Go `string` (merging into a `map[string]interface{}`): a scalar
    /// gives its text, null gives nothing (the entry is skipped), a map or sequence is a type
    /// error (`cannot unmarshal !!map into string`).
    fn string_key(&mut self, id: usize) -> R<Option<Node>> {
        match &self.nodes[id] {
            Raw::Scalar {
                value,
                tag,
                implicit,
                ..
            } => {
                let (value, tag, implicit) = (value.clone(), tag.clone(), *implicit);
                let n = self.scalar_v3(&value, &tag, implicit)?;
                Ok(match n {
                    Node::Null => None,
                    _ if tag.strip_prefix(LONG) == Some("binary") => Some(n),
                    _ => Some(Node::Str(value)),
                })
            }
            Raw::Alias(_, t) => {
                let t = *t;
                self.count()?;
                self.string_key(t)
            }
            Raw::Seq(_) | Raw::Map(_) => {
                let what = if matches!(self.nodes[id], Raw::Map(_)) {
                    "!!map"
                } else {
                    "!!seq"
                };
                let line = self.lines.get(id).copied().unwrap_or(0);
                self.terrors
                    .push(format!("line {line}: cannot unmarshal {what} into string"));
                Ok(None)
            }
        }
    }

    /// yaml.v3's `mapping` into a map: duplicate keys are collected errors; explicit keys are set
    /// in order; then the (last) `<<` merge adds only keys not yet set (`mergedFields`), so the
    /// map's own keys and earlier merged maps win.
    fn mapping_v3(
        &mut self,
        id: usize,
        entries: &mut Vec<(Node, Node)>,
        index: &mut HashMap<KeyId, usize>,
        mut merged: Option<&mut HashSet<KeyId>>,
        string_keys: Option<bool>,
    ) -> R<()> {
        let Raw::Map(children) = &self.nodes[id] else {
            return Ok(());
        };
        let children = children.clone();
        let keys: Vec<(u8, String, usize)> = children
            .iter()
            .step_by(2)
            .map(|&k| self.key_ident(k))
            .collect();
        let nerrs = self.terrors.len();
        for i in 0..keys.len() {
            for j in i + 1..keys.len() {
                let (ki, kj) = (&keys[i], &keys[j]);
                if ki.0 == kj.0 && ki.1 == kj.1 {
                    self.terrors.push(format!(
                        "line {}: mapping key {} already defined at line {}",
                        kj.2,
                        crate::goquote::quote(&kj.1),
                        ki.2
                    ));
                }
            }
        }
        // A mapping with duplicate keys is not decoded at all.
        if self.terrors.len() > nerrs {
            return Ok(());
        }
        // The Go map being filled: this mapping's own type, or (merging) the target's.
        let string_keys = match string_keys {
            Some(b) => b,
            None => children.iter().step_by(2).all(|&k| self.is_string_key(k)),
        };
        let mut merge_node = None;
        let mut i = 0;
        while i + 1 < children.len() {
            let (k, v) = (children[i], children[i + 1]);
            i += 2;
            if self.is_merge(k) {
                merge_node = Some(v);
                continue;
            }
            let key = if string_keys {
                match self.string_key(k)? {
                    Some(key) => key,
                    None => continue,
                }
            } else {
                self.decode(k)?
            };
            let kid = key_id(&key);
            if let Some(set) = merged.as_deref_mut() {
                if set.contains(&kid) {
                    continue;
                }
                set.insert(kid.clone());
            }
            if matches!(key, Node::Map(_) | Node::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", sharp_v(&key, true))));
            }
            let val = self.decode(v)?;
            match index.get(&kid) {
                Some(&at) => entries[at].1 = val,
                None => {
                    index.insert(kid, entries.len());
                    entries.push((key, val));
                }
            }
        }
        if let Some(m) = merge_node {
            match merged {
                Some(set) => self.merge_v3(m, entries, index, set, string_keys)?,
                None => {
                    let mut set = HashSet::new();
                    let mut i = 0;
                    while i + 1 < children.len() {
                        let k = children[i];
                        i += 2;
                        if !self.is_merge(k) {
                            let key = if string_keys {
                                self.string_key(k)?
                            } else {
                                Some(self.decode(k)?)
                            };
                            if let Some(key) = key {
                                set.insert(key_id(&key));
                            }
                        }
                    }
                    self.merge_v3(m, entries, index, &mut set, string_keys)?;
                }
            }
        }
        Ok(())
    }

    /// yaml.v3's `merge`: a map, an alias of a map, or a sequence of those, merged in order.
    fn merge_v3(
        &mut self,
        id: usize,
        entries: &mut Vec<(Node, Node)>,
        index: &mut HashMap<KeyId, usize>,
        set: &mut HashSet<KeyId>,
        string_keys: bool,
    ) -> R<()> {
        let want_map = || fail("map merge requires map or sequence of maps as the value".into());
        let items = match &self.nodes[id] {
            Raw::Map(_) | Raw::Alias(..) => vec![id],
            Raw::Seq(items) => items.clone(),
            _ => return Err(want_map()),
        };
        for it in items {
            let target = match &self.nodes[it] {
                Raw::Map(_) => it,
                Raw::Alias(name, t) => {
                    if !matches!(self.nodes[*t], Raw::Map(_)) {
                        return Err(want_map());
                    }
                    if self.active_aliases.contains(&it) {
                        return Err(fail(format!("anchor '{name}' value contains itself")));
                    }
                    *t
                }
                _ => return Err(want_map()),
            };
            self.count()?;
            self.active_aliases.push(it);
            let r = self.mapping_v3(target, entries, index, Some(set), Some(string_keys));
            self.active_aliases.pop();
            r?;
        }
        Ok(())
    }

    fn is_merge(&self, id: usize) -> bool {
        match &self.nodes[id] {
            Raw::Scalar {
                value,
                tag,
                implicit,
                ..
            } => value == "<<" && (*implicit || tag.strip_prefix(LONG) == Some("merge")),
            _ => false,
        }
    }

    fn mapping_into(
        &mut self,
        id: usize,
        entries: &mut Vec<(Node, Node)>,
        index: &mut KeyIndex,
    ) -> R<()> {
        let nodes = self.nodes;
        let Raw::Map(children) = &nodes[id] else {
            return Ok(());
        };
        let mut i = 0;
        while i + 1 < children.len() {
            let (k, v) = (children[i], children[i + 1]);
            i += 2;
            if self.is_merge(k) {
                self.merge(v, entries, index)?;
                continue;
            }
            let key = self.decode(k)?;
            if matches!(key, Node::Map(_) | Node::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", go_sharp_v(&key))));
            }
            let val = self.decode(v)?;
            match index.find(entries, &key) {
                Some(at) => entries[at].1 = val,
                None => entries.push((key, val)),
            }
        }
        Ok(())
    }

    fn target_kind(&self, id: usize) -> usize {
        // Follows an alias to what it names.
        match &self.nodes[id] {
            Raw::Alias(_, t) => *t,
            _ => id,
        }
    }

    fn merge_one(
        &mut self,
        id: usize,
        entries: &mut Vec<(Node, Node)>,
        index: &mut KeyIndex,
    ) -> R<()> {
        let want_map = || fail("map merge requires map or sequence of maps as the value".into());
        match &self.nodes[id] {
            Raw::Map(_) => {
                self.count()?;
                self.mapping_into(id, entries, index)
            }
            Raw::Alias(name, target) => {
                let (name, target) = (name.clone(), *target);
                if !matches!(self.nodes[target], Raw::Map(_)) {
                    return Err(want_map());
                }
                self.count()?;
                if self.active_aliases.contains(&id) {
                    return Err(fail(format!("anchor '{name}' value contains itself")));
                }
                self.active_aliases.push(id);
                self.count()?;
                let r = self.mapping_into(target, entries, index);
                self.active_aliases.pop();
                r
            }
            _ => Err(want_map()),
        }
    }

    fn merge(&mut self, id: usize, entries: &mut Vec<(Node, Node)>, index: &mut KeyIndex) -> R<()> {
        match &self.nodes[id] {
            Raw::Seq(items) => {
                let items = items.clone();
                for &it in items.iter().rev() {
                    let t = self.target_kind(it);
                    if !matches!(self.nodes[t], Raw::Map(_)) {
                        return Err(fail(
                            "map merge requires map or sequence of maps as the value".into(),
                        ));
                    }
                    self.merge_one(it, entries, index)?;
                }
                Ok(())
            }
            _ => self.merge_one(id, entries, index),
        }
    }
}

/// Go's `%#v` of a decoded value, for yaml.v2's "invalid map key" message.
pub fn go_sharp_v(n: &Node) -> String {
    sharp_v(n, false)
}

/// Go's `%#v` of a value as yaml.v2 (`v3` false) or yaml.v3 decodes it: yaml.v3 makes a mapping
/// with only string keys a `map[string]interface {}`.
fn sharp_v(n: &Node, v3: bool) -> String {
    let go_sharp_v = |n: &Node| sharp_v(n, v3);
    match n {
        Node::Null => "interface {}(nil)".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Uint(u) => format!("0x{u:x}"),
        Node::Float(f) => crate::gofloat::g64(*f),
        Node::Str(s) => crate::goquote::quote(s),
        Node::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(&go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => {
            // fmt prints maps with sorted keys: nil first, then by type, then by value.
            let mut sorted: Vec<&(Node, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| {
                sort_key(&a.0)
                    .partial_cmp(&sort_key(&b.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let ty = if v3 && entries.iter().all(|(k, _)| matches!(k, Node::Str(_))) {
                "map[string]interface {}"
            } else {
                "map[interface {}]interface {}"
            };
            format!(
                "{ty}{{{}}}",
                sorted
                    .iter()
                    .map(|(k, v)| format!("{}:{}", go_sharp_v(k), go_sharp_v(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

fn sort_key(n: &Node) -> (u8, f64, String) {
    match n {
        // fmt orders interface keys by type descriptor address (as Go lays them out: string,
        // uint64, int, float64, bool), then by value.
        Node::Null => (0, 0.0, String::new()),
        Node::Str(s) => (1, 0.0, s.clone()),
        Node::Uint(u) => (2, *u as f64, String::new()),
        Node::Int(i) => (3, *i as f64, String::new()),
        Node::Float(f) => (4, *f, String::new()),
        Node::Bool(b) => (5, if *b { 1.0 } else { 0.0 }, String::new()),
        _ => (6, 0.0, String::new()),
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    // Go's StdEncoding.DecodeString ignores '\r' and '\n'; padding is required.
    let clean: Vec<u8> = s.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    for (ci, chunk) in clean.chunks(4).enumerate() {
        let last = ci == clean.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut v = 0u32;
        for &c in &chunk[..4 - pad] {
            v = (v << 6) | val(c)?;
        }
        v <<= 6 * pad as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading a non-ASCII input through its ASCII stand-in gives what reading it as is gives,
    /// node or error, wherever the non-ASCII characters are.
    #[test]
    fn replaced_characters_change_nothing() {
        let base = "%YAML 1.1\n---\n# a note\nkey: value # trailing\nlist:\n  - a\n  - \"q s\" # c\n\
                    block: |\n  text\n  more\nflow: {a: 1, b: [x, y]}\nanchor: &an v\nref: *an\n\
                    tagged: !t x\nplain: multi\n  line\n#end\n";
        let mut cases = 0;
        for c in ['é', '—', '😀', '\u{2028}', '\u{85}', '\u{feff}', '\u{fffe}'] {
            for i in 0..=base.len() {
                let text = format!("{}{c}{}", &base[..i], &base[i..]);
                let got = parse_first(&text).map_err(|e| e.message());
                let want = parse_first_as_is(&text).map_err(|e| e.message());
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{text:?}");
                cases += 1;
            }
        }
        // Several, in comments and elsewhere.
        let text = "# — x\na: é # — y\nb: 1 # 😀\n";
        assert_eq!(
            format!("{:?}", parse_first(text).map_err(|e| e.message())),
            format!("{:?}", parse_first_as_is(text).map_err(|e| e.message()))
        );
        assert!(cases > 1000);
        assert!(crate::scan::Substituted::new("# — only in a comment\na: 1\n").is_some());
        assert!(crate::scan::Substituted::new("a: 1\n").is_none());
        assert!(crate::scan::Substituted::new("# \u{2028}\na: 1\n").is_none());
    }
}
