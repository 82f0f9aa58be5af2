//! A partial yaml.v2 `Unmarshal` for readers that need a few values near the top of a document
//! (helm's `SimpleHead`: apiVersion, kind, metadata.name and annotations): the document is
//! scanned and parsed in full, with the same scanner and the same parser states, but only the
//! entries the reader asks for become nodes; everything else is walked token by token without a
//! node or a string. Whatever could make the skipped parts change the result or the error of a
//! full parse (a syntax error, an anchor, alias or tag, a `<<` merge key, a key that is not a
//! scalar, a scalar that resolves to a non-finite float) stops the walk, and the caller falls
//! back to the full parse, which stays the reference.

use super::{Decoder, Parser, empty_scalar, fail};
use crate::node::Node;
use crate::resolve;
use crate::scan::{R, ScalarStyle, Scanner, Tok};

/// What the reader wants of a mapping entry's value, given the entry's depth (0 for the root
/// mapping) and its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Not needed: the entry is left out of the tree.
    Skip,
    /// Needed whole.
    Build,
    /// Needed as a mapping whose own entries are asked about at the next depth (a value that is
    /// not a mapping is built whole).
    Descend,
}

/// The decision on one entry's key, by depth and decoded key.
pub type KeepFn<'a> = dyn Fn(usize, &Node) -> Keep + 'a;

/// The first document of `input` as `yaml.Unmarshal` into `interface{}` decodes it, with only the
/// entries `keep` asks for: `Some(None)` for an empty stream, `None` when only the full parse can
/// tell the answer (see the module doc), including every input the full parse rejects.
pub fn parse_first_pruned(input: &str, keep: &KeepFn<'_>) -> Option<Option<Node>> {
    let mut p = Parser::new(Scanner::new(input).ok()?);
    let root = p.document_with(&mut |p| p.pruned_root(keep)).ok()?;
    let Some(root) = root else {
        return Some(None);
    };
    let mut d = Decoder::new(&p, false);
    d.decode(root).ok().map(Some)
}

/// The walk cannot decide: the caller parses in full.
fn give_up() -> super::YamlError {
    fail(String::new())
}

/// Whether a plain scalar's text could make the full parse differ from the walk: a merge key, or
/// a value that resolves to NaN or an infinity (which json.Marshal refuses). Those need a `.nan`
/// or `.inf` spelling, or an exponent or more digits than a finite float64 holds, so most
/// scalars are told apart without resolving them.
fn plain_is_special(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(b'<') => s == "<<",
        Some(b'.' | b'+' | b'-' | b'0'..=b'9') => {
            (b.len() > 300 || b.iter().any(|c| b"eEnNiI".contains(c)))
                && matches!(resolve::resolve(s).1, Node::Float(f) if !f.is_finite())
        }
        _ => false,
    }
}

impl Parser<'_> {
    /// The document's root: a mapping read with [`Parser::pruned_mapping`]; any other root is
    /// left to the full parse.
    fn pruned_root(&mut self, keep: &KeepFn<'_>) -> R<usize> {
        let tok = self.peek_tok()?;
        match tok {
            Tok::BlockMappingStart | Tok::FlowMappingStart => self.pruned_mapping(keep, 0),
            _ => Err(give_up()),
        }
    }

    /// A key of a mapping being pruned: a scalar without anchor or tag, read as a node. Its
    /// decoded value is what `keep` decides on.
    fn pruned_key(&mut self) -> R<(usize, Node)> {
        let tok = self.peek_tok()?;
        let Tok::Scalar(_, style) = tok else {
            return Err(give_up());
        };
        let value = self.take_scalar()?;
        self.skip();
        let plain = style == ScalarStyle::Plain;
        if plain && plain_is_special(&value) {
            return Err(give_up());
        }
        let key = if plain {
            resolve::resolve(&value).1
        } else {
            Node::Str(value.clone())
        };
        self.nodes.push(super::Raw::Scalar {
            value,
            tag: String::new(),
            implicit: plain,
        });
        Ok((self.nodes.len() - 1, key))
    }

    /// A mapping (block or flow) at `depth`, with only the entries `keep` asks for: the parser
    /// states of `block_mapping` and `flow_mapping`, keys read by [`Parser::pruned_key`].
    fn pruned_mapping(&mut self, keep: &KeepFn<'_>, depth: usize) -> R<usize> {
        let (tok, context, _) = self.peek()?;
        let block = matches!(tok, Tok::BlockMappingStart);
        self.nodes.push(super::Raw::Map(Vec::new()));
        let id = self.nodes.len() - 1;
        self.skip();
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let (mut tok, start, _) = self.peek()?;
            let end = if block {
                Tok::BlockEnd
            } else {
                Tok::FlowMappingEnd
            };
            if tok == end {
                self.skip();
                self.nodes[id] = super::Raw::Map(items);
                return Ok(id);
            }
            if block {
                if !matches!(tok, Tok::Key) {
                    return Err(super::parser_err(
                        "did not find expected key",
                        start,
                        context,
                    ));
                }
            } else {
                if !first {
                    if !matches!(tok, Tok::FlowEntry) {
                        return Err(give_up());
                    }
                    self.skip();
                    tok = self.peek_tok()?;
                    if matches!(tok, Tok::FlowMappingEnd) {
                        continue;
                    }
                }
                first = false;
                if !matches!(tok, Tok::Key) {
                    // A lone key (`{a}`): its value is empty.
                    let (k, key) = self.pruned_key()?;
                    if keep(depth, &key) != Keep::Skip {
                        items.push(k);
                        items.push(empty_scalar(&mut self.nodes));
                    }
                    continue;
                }
            }
            // KEY: an empty key is left to the full parse.
            self.skip();
            let t = self.peek_tok()?;
            let stops_key = if block {
                matches!(t, Tok::Key | Tok::Value | Tok::BlockEnd)
            } else {
                matches!(t, Tok::Value | Tok::FlowEntry | Tok::FlowMappingEnd)
            };
            if stops_key {
                return Err(give_up());
            }
            let (k, key) = self.pruned_key()?;
            let want = keep(depth, &key);
            // VALUE.
            let t = self.peek_tok()?;
            let mut value = None;
            if matches!(t, Tok::Value) {
                self.skip();
                let t2 = self.peek_tok()?;
                let empty = if block {
                    matches!(t2, Tok::Key | Tok::Value | Tok::BlockEnd)
                } else {
                    matches!(t2, Tok::FlowEntry | Tok::FlowMappingEnd)
                };
                if !empty {
                    value = Some(self.pruned_value(keep, want, depth, block)?);
                }
            }
            if want != Keep::Skip {
                let v = match value {
                    Some(Some(v)) => v,
                    _ => empty_scalar(&mut self.nodes),
                };
                items.push(k);
                items.push(v);
            }
        }
    }

    /// A mapping entry's value (in a block mapping when `block`, else in a flow mapping), as
    /// `want` says: `None` when skipped.
    fn pruned_value(
        &mut self,
        keep: &KeepFn<'_>,
        want: Keep,
        depth: usize,
        block: bool,
    ) -> R<Option<usize>> {
        let tok = self.peek_tok()?;
        match want {
            Keep::Skip => {
                self.skip_node(block, block)?;
                Ok(None)
            }
            Keep::Descend
                if matches!(tok, Tok::FlowMappingStart)
                    || (block && matches!(tok, Tok::BlockMappingStart)) =>
            {
                Ok(Some(self.pruned_mapping(keep, depth + 1)?))
            }
            _ => {
                let from = self.nodes.len();
                let id = self.node(block, block)?;
                let plain_only = self.anchors.is_empty()
                    && self.nodes[from..].iter().all(|n| match n {
                        super::Raw::Scalar { value, tag, .. } => tag.is_empty() && value != "<<",
                        super::Raw::Alias(..) => false,
                        _ => true,
                    });
                if !plain_only {
                    return Err(give_up());
                }
                Ok(Some(id))
            }
        }
    }

    /// A scalar being walked past: its text goes back to the scanner.
    fn skip_scalar(&mut self, style: ScalarStyle) -> R<()> {
        let value = self.take_scalar()?;
        self.skip();
        if style == ScalarStyle::Plain && plain_is_special(&value) {
            return Err(give_up());
        }
        self.sc.recycle(value);
        Ok(())
    }

    /// A key being walked past: a scalar (no anchor, tag or alias), else the full parse decides.
    fn skip_key(&mut self) -> R<()> {
        match self.peek_tok()? {
            Tok::Scalar(_, style) => self.skip_scalar(style),
            _ => Err(give_up()),
        }
    }

    /// `node_inner` without the node: the same tokens consumed in the same states.
    fn skip_node(&mut self, block: bool, indentless: bool) -> R<()> {
        let tok = self.peek_tok()?;
        match tok {
            Tok::BlockEntry if indentless => self.skip_indentless_sequence(),
            Tok::Scalar(_, style) => self.skip_scalar(style),
            Tok::FlowSequenceStart => self.skip_flow_sequence(),
            Tok::FlowMappingStart => self.skip_flow_mapping(),
            Tok::BlockSequenceStart if block => self.skip_block_sequence(),
            Tok::BlockMappingStart if block => self.skip_block_mapping(),
            // Anchors, aliases, tags, and "did not find expected node content".
            _ => Err(give_up()),
        }
    }

    fn skip_block_sequence(&mut self) -> R<()> {
        self.skip();
        loop {
            let tok = self.peek_tok()?;
            match tok {
                Tok::BlockEntry => {
                    self.skip();
                    let t = self.peek_tok()?;
                    if !matches!(t, Tok::BlockEntry) && !matches!(t, Tok::BlockEnd) {
                        self.skip_node(true, false)?;
                    }
                }
                Tok::BlockEnd => {
                    self.skip();
                    return Ok(());
                }
                _ => return Err(give_up()),
            }
        }
    }

    fn skip_indentless_sequence(&mut self) -> R<()> {
        loop {
            let tok = self.peek_tok()?;
            if !matches!(tok, Tok::BlockEntry) {
                return Ok(());
            }
            self.skip();
            let t = self.peek_tok()?;
            if !matches!(t, Tok::BlockEntry | Tok::Key | Tok::Value | Tok::BlockEnd) {
                self.skip_node(true, false)?;
            }
        }
    }

    fn skip_block_mapping(&mut self) -> R<()> {
        self.skip();
        loop {
            let tok = self.peek_tok()?;
            match tok {
                Tok::Key => {
                    self.skip();
                    let t = self.peek_tok()?;
                    if matches!(t, Tok::Key | Tok::Value | Tok::BlockEnd) {
                        // An empty key.
                        return Err(give_up());
                    }
                    self.skip_key()?;
                }
                Tok::BlockEnd => {
                    self.skip();
                    return Ok(());
                }
                _ => return Err(give_up()),
            }
            let tok = self.peek_tok()?;
            if matches!(tok, Tok::Value) {
                self.skip();
                let t = self.peek_tok()?;
                if !matches!(t, Tok::Key | Tok::Value | Tok::BlockEnd) {
                    self.skip_node(true, true)?;
                }
            }
        }
    }

    fn skip_flow_sequence(&mut self) -> R<()> {
        self.skip();
        let mut first = true;
        loop {
            let (mut tok, _, _) = self.peek()?;
            if !matches!(tok, Tok::FlowSequenceEnd) {
                if !first {
                    if !matches!(tok, Tok::FlowEntry) {
                        return Err(give_up());
                    }
                    self.skip();
                    tok = self.peek_tok()?;
                }
                if matches!(tok, Tok::Key) {
                    // A single-pair mapping.
                    self.skip_flow_pair(Tok::FlowSequenceEnd)?;
                    first = false;
                    continue;
                } else if !matches!(tok, Tok::FlowSequenceEnd) {
                    self.skip_node(false, false)?;
                    first = false;
                    continue;
                }
            }
            self.skip();
            return Ok(());
        }
    }

    /// A `? key : value` pair inside a flow collection that ends with `end`, from its `Key`
    /// token; the value may be absent.
    fn skip_flow_pair(&mut self, end: Tok) -> R<()> {
        self.skip();
        let t = self.peek_tok()?;
        if matches!(t, Tok::Value) || matches!(t, Tok::FlowEntry) || t == end {
            return Err(give_up());
        }
        self.skip_key()?;
        let t = self.peek_tok()?;
        if matches!(t, Tok::Value) {
            self.skip();
            let t2 = self.peek_tok()?;
            if !matches!(t2, Tok::FlowEntry) && t2 != end {
                self.skip_node(false, false)?;
            }
        }
        Ok(())
    }

    fn skip_flow_mapping(&mut self) -> R<()> {
        self.skip();
        let mut first = true;
        loop {
            let (mut tok, _, _) = self.peek()?;
            if !matches!(tok, Tok::FlowMappingEnd) {
                if !first {
                    if !matches!(tok, Tok::FlowEntry) {
                        return Err(give_up());
                    }
                    self.skip();
                    tok = self.peek_tok()?;
                }
                first = false;
                if matches!(tok, Tok::Key) {
                    self.skip_flow_pair(Tok::FlowMappingEnd)?;
                    continue;
                } else if !matches!(tok, Tok::FlowMappingEnd) {
                    self.skip_key()?;
                    continue;
                }
            }
            self.skip();
            return Ok(());
        }
    }
}
