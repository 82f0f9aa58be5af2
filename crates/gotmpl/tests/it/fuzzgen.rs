//! A seeded, grammar-based generator of templates and typed data for the differential fuzzer:
//! actions, pipelines, builtins, control structures, variables, define/template/block, trim
//! markers, comments, random delimiters, nasty strings, and random byte-level mutations that
//! make parse errors. Deterministic for a seed so any mismatch can be replayed.

use serde_json::{Value as Json, json};

use crate::cases::Case;

/// splitmix64: small, fast, and good enough to spread cases; no dependency needed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const KEYS: &[&str] = &[
    "a", "b", "c", "x", "items", "name", "n", "m", "list", "s", "Name", "empty",
];
const TEXTS: &[&str] = &[
    "", " ", "\n", "a", "x y", "\t", "日本", "}", "-", "%", "\\", "\"", "<b>&", "\r\n", "  \n  ",
    "text ",
];
const NASTY: &[&str] = &[
    "",
    "a",
    "a b",
    "{{",
    "}}",
    "\u{0}",
    "\u{2028}",
    "日本語",
    "<script>alert('x')</script>",
    "'\"`",
    "%!d",
    "\t\n",
    "é",
    "-",
    "0",
    "true",
    "<no value>",
    "\\u0041",
    "a=b&c",
    "\u{7f}\u{80}",
    "\u{1F600}",
];
const NUMS: &[&str] = &[
    "0",
    "1",
    "-1",
    "3",
    "2.5",
    "-0.5",
    "1e2",
    "0x10",
    "'a'",
    "1_000",
    "0b11",
    "0o7",
    "017",
    "1.0",
    "100",
    "'\\n'",
    "9223372036854775807",
    "-9223372036854775808",
    "1e100",
    "0x1p-2",
    "+3",
    "1i",
];
const STRS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"%d\"",
    "\"<&>\"",
    "`raw`",
    "\"\\n\"",
    "\"x y\"",
    "\"日本\"",
    "`{{`",
    "\"a\\\"b\"",
];
const FORMATS: &[&str] = &[
    "%v",
    "%d",
    "%s",
    "%q",
    "%x",
    "%5.2f",
    "%T",
    "%v %v",
    "%-4s|",
    "%+v",
    "%#v",
    "%%",
    "%c",
    "%t",
    "%e",
    "%08.3f",
    "%x %X",
    "%6.2v",
    "%[2]v %[1]v",
    "%*d",
    "%U",
    "%o",
    "%b",
    "%g",
    "%10s|",
    "%!",
];
const DELIMS: &[(&str, &str)] = &[
    ("[[", "]]"),
    ("<%", "%>"),
    ("((", "))"),
    ("{%", "%}"),
    ("<<", ">>"),
    ("|", "|"),
];
/// Builtins with the argument counts the generator mostly respects.
const FUNCS: &[(&str, usize, usize)] = &[
    ("and", 1, 3),
    ("or", 1, 3),
    ("not", 1, 1),
    ("len", 1, 1),
    ("index", 1, 3),
    ("slice", 1, 3),
    ("eq", 2, 3),
    ("ne", 2, 2),
    ("lt", 2, 2),
    ("le", 2, 2),
    ("gt", 2, 2),
    ("ge", 2, 2),
    ("print", 0, 3),
    ("printf", 1, 3),
    ("println", 0, 2),
    ("html", 1, 2),
    ("js", 1, 2),
    ("urlquery", 1, 2),
    ("call", 1, 2),
];

struct Gen<'r> {
    rng: &'r mut Rng,
    left: String,
    right: String,
    /// Variables visible at this point, innermost last.
    vars: Vec<String>,
    var_counter: usize,
    in_range: usize,
    defined: Vec<String>,
    budget: usize,
}

impl Gen<'_> {
    fn open(&mut self) -> String {
        let trim = if self.rng.chance(20) { "- " } else { "" };
        format!("{}{trim}", self.left)
    }
    fn close(&mut self) -> String {
        let trim = if self.rng.chance(20) { " -" } else { "" };
        format!("{trim}{}", self.right)
    }
    fn act(&mut self, body: &str) -> String {
        let (o, c) = (self.open(), self.close());
        let sp = if self.rng.chance(50) { " " } else { "" };
        format!("{o}{sp}{body}{sp}{c}")
    }

    fn operand(&mut self, depth: usize) -> String {
        match self.rng.below(if depth > 2 { 6 } else { 9 }) {
            0 | 1 => {
                let mut s = String::new();
                for _ in 0..=self.rng.below(3) {
                    s.push('.');
                    s.push_str(self.rng.pick::<&str>(KEYS));
                }
                s
            }
            2 => ".".into(),
            3 => {
                let base = if !self.vars.is_empty() && self.rng.chance(85) {
                    self.rng.pick(&self.vars).clone()
                } else if self.rng.chance(98) {
                    "$".into()
                } else {
                    "$undefined".into()
                };
                if self.rng.chance(40) {
                    format!("{base}.{}", self.rng.pick(KEYS))
                } else {
                    base
                }
            }
            4 => (*self.rng.pick(NUMS)).to_string(),
            5 => {
                if self.rng.chance(70) {
                    (*self.rng.pick(STRS)).to_string()
                } else {
                    (*self.rng.pick(&["true", "false", "nil"])).to_string()
                }
            }
            6 | 7 => format!("({})", self.command(depth + 1)),
            _ => {
                let p = self.pipeline(depth + 1, false);
                if self.rng.chance(50) {
                    format!("({p}).{}", self.rng.pick(KEYS))
                } else {
                    format!("({p})")
                }
            }
        }
    }

    fn command(&mut self, depth: usize) -> String {
        if depth > 3 || self.rng.chance(35) {
            return self.operand(depth + 1);
        }
        let (name, lo, hi) = *self.rng.pick(FUNCS);
        let mut n = lo + self.rng.below(hi - lo + 1);
        if self.rng.chance(5) {
            n += 1;
        }
        let mut parts = vec![name.to_string()];
        for i in 0..n {
            if name == "printf" && i == 0 {
                parts.push(format!("{:?}", self.rng.pick(FORMATS)));
            } else {
                parts.push(self.operand(depth + 1));
            }
        }
        parts.join(" ")
    }

    fn pipeline(&mut self, depth: usize, allow_decl: bool) -> String {
        // The command is generated before its variable is declared: Go scopes the variable
        // from the end of its declaring pipeline.
        let mut s = self.command(depth);
        while depth < 3 && self.rng.chance(20) {
            let (name, lo, _) = *self.rng.pick(FUNCS);
            let mut cmd = name.to_string();
            if name == "printf" {
                cmd.push_str(&format!(" {:?}", self.rng.pick(FORMATS)));
            }
            for _ in 1..lo {
                cmd.push(' ');
                cmd.push_str(&self.operand(depth + 1));
            }
            s.push_str(" | ");
            s.push_str(&cmd);
        }
        if allow_decl && self.rng.chance(15) {
            let v = self.new_var();
            s = format!("{v} := {s}");
        }
        s
    }

    fn new_var(&mut self) -> String {
        self.var_counter += 1;
        let v = format!("$v{}", self.var_counter);
        self.vars.push(v.clone());
        v
    }

    fn text(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..=self.rng.below(2) {
            s.push_str(self.rng.pick::<&str>(TEXTS));
        }
        s
    }

    fn body(&mut self) -> String {
        let scope = self.vars.len();
        let mut s = String::new();
        for _ in 0..=self.rng.below(3) {
            s.push_str(&self.node(false));
        }
        self.vars.truncate(scope);
        s
    }

    fn node(&mut self, top: bool) -> String {
        if self.budget == 0 {
            return self.text();
        }
        self.budget -= 1;
        match self.rng.below(16) {
            0..=2 => self.text(),
            3..=5 => {
                let p = self.pipeline(0, true);
                self.act(&p)
            }
            6 => {
                let o = self.left.clone();
                let c = self.right.clone();
                match self.rng.below(3) {
                    0 => format!("{o}/* c */{c}"),
                    1 => format!("{o}- /*\n*/ -{c}"),
                    _ => format!("{o}/*{c}*/{c}"),
                }
            }
            7 => {
                let (kw, elsekw) = *self.rng.pick(&[("if", "else if"), ("with", "else with")]);
                // A variable declared in the control pipeline lives until its {{end}}.
                let scope = self.vars.len();
                let p = self.pipeline(0, true);
                let mut s = self.act(&format!("{kw} {p}"));
                s.push_str(&self.body());
                if self.rng.chance(30) {
                    let p2 = self.pipeline(0, false);
                    s.push_str(&self.act(&format!("{elsekw} {p2}")));
                    s.push_str(&self.body());
                }
                if self.rng.chance(40) {
                    s.push_str(&self.act("else"));
                    s.push_str(&self.body());
                }
                s.push_str(&self.act("end"));
                self.vars.truncate(scope);
                s
            }
            8 | 9 => {
                let scope = self.vars.len();
                let mut target = if self.rng.chance(30) {
                    (*self.rng.pick(&["3", "0", "-1", "2"])).to_string()
                } else {
                    self.operand(1)
                };
                // Ranging over a huge integer never ends in Go either: keep the run bounded.
                if ["9223372036854775807", "1_000", "100"].contains(&target.as_str()) {
                    target = "3".into();
                }
                let decl = match self.rng.below(3) {
                    0 => String::new(),
                    1 => format!("{} := ", self.new_var()),
                    _ => {
                        let (a, b) = (self.new_var(), self.new_var());
                        format!("{a}, {b} := ")
                    }
                };
                let mut s = self.act(&format!("range {decl}{target}"));
                self.in_range += 1;
                s.push_str(&self.body());
                if self.rng.chance(40) {
                    let p = self.pipeline(1, false);
                    let bc = *self.rng.pick(&["break", "continue"]);
                    s.push_str(&self.act(&format!("if {p}")));
                    s.push_str(&self.act(bc));
                    s.push_str(&self.act("end"));
                    s.push_str(&self.body());
                }
                self.in_range -= 1;
                self.vars.truncate(scope);
                if self.rng.chance(30) {
                    s.push_str(&self.act("else"));
                    s.push_str(&self.body());
                }
                s.push_str(&self.act("end"));
                s
            }
            10 if top => {
                let name = format!("d{}", self.defined.len());
                let saved = std::mem::take(&mut self.vars);
                let mut s = self.act(&format!("define {name:?}"));
                s.push_str(&self.body());
                s.push_str(&self.act("end"));
                self.vars = saved;
                self.defined.push(name);
                s
            }
            11 if !self.defined.is_empty() || self.rng.chance(10) => {
                let name = if !self.defined.is_empty() && self.rng.chance(95) {
                    self.rng.pick(&self.defined).clone()
                } else {
                    "nope".into()
                };
                let arg = if self.rng.chance(70) {
                    format!(" {}", self.pipeline(1, false))
                } else {
                    String::new()
                };
                self.act(&format!("template {name:?}{arg}"))
            }
            12 if top => {
                let name = format!("b{}", self.defined.len());
                let p = self.pipeline(1, false);
                let saved = std::mem::take(&mut self.vars);
                let mut s = self.act(&format!("block {name:?} {p}"));
                s.push_str(&self.body());
                s.push_str(&self.act("end"));
                self.vars = saved;
                self.defined.push(name);
                s
            }
            13 => {
                if !self.vars.is_empty() && self.rng.chance(60) {
                    let v = self.rng.pick(&self.vars).clone();
                    let p = self.pipeline(0, false);
                    self.act(&format!("{v} = {p}"))
                } else {
                    let p = self.pipeline(0, false);
                    let v = self.new_var();
                    self.act(&format!("{v} := {p}"))
                }
            }
            14 if self.in_range > 0 || self.rng.chance(10) => {
                let bc = *self.rng.pick(&["break", "continue"]);
                let p = self.pipeline(1, false);
                format!(
                    "{}{}{}",
                    self.act(&format!("if {p}")),
                    self.act(bc),
                    self.act("end")
                )
            }
            _ => {
                let p = self.pipeline(0, false);
                self.act(&p)
            }
        }
    }
}

fn scalar(rng: &mut Rng) -> Json {
    match rng.below(16) {
        0 => json!(rng.below(7) as i64 - 2),
        1 => json!(*rng.pick(&[0, 1, 3, 17, 100, -7])),
        2 => json!(*rng.pick(&[2.5, 0.0, -1.5, 1e21, 0.1, 3.0, 1e-7])),
        3 => {
            json!({"$type": *rng.pick(&["int64", "int8", "int32", "uint", "uint8", "uint64"]), "value": rng.below(100)})
        }
        4 => {
            json!({"$type": *rng.pick(&["float32", "float64"]), "value": *rng.pick(&[0.5, 0.1, 16777217.0, -2.0])})
        }
        5 | 6 => json!(*rng.pick(NASTY)),
        7 => json!(rng.chance(50)),
        8 => Json::Null,
        9 => json!({"$type": "[]byte", "value": *rng.pick(NASTY)}),
        10 => json!({"$type": "float64", "value": *rng.pick(&["NaN", "+Inf", "-Inf"])}),
        _ => json!(*rng.pick(KEYS)),
    }
}

fn value(rng: &mut Rng, depth: usize) -> Json {
    if depth >= 3 || rng.chance(55) {
        return scalar(rng);
    }
    match rng.below(13) {
        0 => Json::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        // Go's nil slices and maps (typed nulls), distinct from empty ones.
        11 | 12 => {
            json!({"$type": *rng.pick(&["nil-map", "nil-slice", "[]string", "map[string]int", "[]int"]), "value": null})
        }
        // Edge integers only inside lists: ranging over a huge integer would never end.
        4 => {
            json!({"$type": "[]int64", "value": ["9223372036854775807", "-9223372036854775808", "0"]})
        }
        5 => json!({"$type": "[]uint64", "value": ["18446744073709551615", "1"]}),
        6 => json!({"$type": "[]float64", "value": [1.5, -0.0, 1e300, "NaN"]}),
        7 => json!({"$type": "map[string]int", "value": {"a": 1, "b": -2, "Name": 3}}),
        8 => json!({"$type": "[]bool", "value": [true, false]}),
        9 => json!({"$type": "[][]string", "value": [["a"], [], ["b", "c"]]}),
        1 => {
            json!({"$type": "[]string", "value": (0..rng.below(4)).map(|_| *rng.pick(NASTY)).collect::<Vec<_>>()})
        }
        2 => {
            json!({"$type": "[]int", "value": (0..rng.below(4)).map(|_| rng.below(10)).collect::<Vec<_>>()})
        }
        3 => {
            let m: serde_json::Map<String, Json> = (0..rng.below(3))
                .map(|_| (rng.pick(KEYS).to_string(), json!(*rng.pick(NASTY))))
                .collect();
            json!({"$type": "map[string]string", "value": m})
        }
        _ => object(rng, depth + 1),
    }
}

fn object(rng: &mut Rng, depth: usize) -> Json {
    let mut m = serde_json::Map::new();
    for _ in 0..rng.below(6) {
        m.insert(rng.pick(KEYS).to_string(), value(rng, depth));
    }
    if m.len() == 2 && m.contains_key("$type") {
        m.remove("$type");
    }
    Json::Object(m)
}

/// Case `index` of the run seeded with `seed`.
pub fn case(seed: u64, index: usize) -> Case {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    let (left, right, delims) = if rng.chance(10) {
        let (l, r) = *rng.pick(DELIMS);
        (
            l.to_string(),
            r.to_string(),
            Some(vec![l.to_string(), r.to_string()]),
        )
    } else {
        ("{{".to_string(), "}}".to_string(), None)
    };
    let budget = 3 + rng.below(12);
    let mut g = Gen {
        rng: &mut rng,
        left,
        right,
        vars: Vec::new(),
        var_counter: 0,
        in_range: 0,
        defined: Vec::new(),
        budget,
    };
    let mut template = String::new();
    while g.budget > 0 {
        template.push_str(&g.node(true));
    }
    if rng.chance(12) && !template.is_empty() {
        mutate(&mut rng, &mut template);
    }
    let data = if rng.chance(85) {
        object(&mut rng, 0)
    } else {
        value(&mut rng, 1)
    };
    let missingkey = if rng.chance(20) {
        (*rng.pick(&["zero", "error", "default"])).to_string()
    } else {
        String::new()
    };
    let name = if rng.chance(10) {
        "fuzz.tpl".to_string()
    } else {
        String::new()
    };
    Case {
        id: format!("fuzz/{seed}/{index}"),
        template,
        data: Some(data),
        funcs: String::new(),
        missingkey,
        delims,
        name,
        note: None,
        want: None,
    }
}

fn mutate(rng: &mut Rng, t: &mut String) {
    let bounds: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
    let at = *rng.pick(&bounds);
    match rng.below(3) {
        0 if at < t.len() => {
            let c = t[at..].chars().next().expect("char at boundary");
            t.replace_range(at..at + c.len_utf8(), "");
        }
        _ => {
            let ins = *rng.pick(&[
                "{", "}", "(", ")", "|", "$", "\"", "`", "-", " ", "\n", ".", "'", "/*", ":=",
            ]);
            t.insert_str(at, ins);
        }
    }
}
