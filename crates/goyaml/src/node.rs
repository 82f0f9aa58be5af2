//! The YAML value tree between parsing, resolution and emission: what yaml.v2 decodes into `interface{}`.

/// A yaml.v2 value as Go holds it after `yaml.Unmarshal(data, &v)` with `v interface{}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// Go `int` (yaml.v2 picks `int` when the value fits, which it always does on 64-bit).
    Int(i64),
    /// Go `uint64`: integers above `math.MaxInt64`.
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// `map[interface{}]interface{}`, entries in source order (duplicates already resolved last-wins).
    Map(Vec<(Node, Node)>),
}
