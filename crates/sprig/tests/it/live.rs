//! Live differential test: random inputs for every deterministic Sprig function, rendered by
//! canon and by the Go oracle (`tools/oracle`: real `text/template` + Sprig v3.3.0), which must
//! agree byte for byte (output, error text, phase). Ignored by plain `cargo test`; `scripts/test`
//! runs it. The oracle comes from `$CANON_ORACLE` or is built with `go build`; if neither works
//! the test fails saying why. `SPRIG_DIFF_SEED` replays a run (`random` for a fresh one; the
//! default is fixed so CI is reproducible), `SPRIG_DIFF_PER_FUNC` sizes it (default 60).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value as J, json};

use crate::data::{Outcome, run};

/// A small deterministic generator (xorshift64*), so a printed seed replays a run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const PIECES: &[&str] = &[
    "a", "B", "foo", "Bar", "HTTP", "x1", "42", "-", "_", " ", "  ", ".", "/", ",", ":", "é",
    "日本", "ß", "\n", "\t", "$", "{", "}", "(", ")", "*", "+", "?", "[", "]", "\\", "\"", "'",
    "0", "9z", "ǅ", "İ", "Ω", "v1.2.3", "-rc.1", "+b5", "..", "~", "^", "|", "=", "<", ">",
];

fn gen_str(g: &mut Gen) -> String {
    let n = g.below(6);
    (0..n).map(|_| *g.pick(PIECES)).collect()
}

fn gen_int(g: &mut Gen) -> i64 {
    match g.below(6) {
        0 => 0,
        1 => g.below(10) as i64,
        2 => -(g.below(10) as i64),
        3 => g.below(200) as i64 - 100,
        4 => g.below(300) as i64 - 50,
        _ => g.below(30) as i64,
    }
}

fn gen_scalar(g: &mut Gen) -> J {
    match g.below(12) {
        0 => J::Null,
        1 => json!(g.below(2) == 0),
        2 => json!(gen_int(g)),
        8 => json!(*g.pick(&[i64::MAX, i64::MIN, 1 << 40, -(1 << 31)])),
        3 => json!((g.below(2000) as f64 - 1000.0) / 8.0),
        4 => {
            json!({"$type": *g.pick(&["int8", "int32", "int64", "uint", "uint8", "uint64"]), "value": g.below(100)})
        }
        5 => json!({"$type": "float32", "value": (g.below(100) as f64) / 4.0}),
        6 => json!({"$type": "[]byte", "value": gen_str(g)}),
        7 => json!(gen_int(g).to_string()),
        _ => json!(gen_str(g)),
    }
}

fn gen_value(g: &mut Gen, depth: u32) -> J {
    if depth > 1 {
        return gen_scalar(g);
    }
    match g.below(9) {
        0 | 1 => J::Array((0..g.below(5)).map(|_| gen_value(g, depth + 1)).collect()),
        // Go's nil slices and maps (typed nulls), distinct from empty ones.
        8 => {
            json!({"$type": *g.pick(&["nil-map", "nil-slice", "[]string", "map[string]int"]), "value": null})
        }
        2 => {
            let m: serde_json::Map<String, J> = (0..g.below(4))
                .map(|_| (gen_str(g), gen_value(g, depth + 1)))
                .collect();
            J::Object(m)
        }
        3 => {
            json!({"$type": "[]string", "value": (0..g.below(4)).map(|_| gen_str(g)).collect::<Vec<_>>()})
        }
        4 => {
            json!({"$type": "[]int", "value": (0..g.below(4)).map(|_| g.below(9)).collect::<Vec<_>>()})
        }
        _ => gen_scalar(g),
    }
}

/// Templates per function: `s` string, `i` int, `v` any value, `r` regex, `p` duration,
/// `c` semver constraint, `e` version, `t` a date layout (each an argument `.aN`).
const FUNCS: &[(&str, &str)] = &[
    ("abbrev", "is"),
    ("abbrevboth", "iis"),
    ("trunc", "is"),
    ("trim", "s"),
    ("upper", "s"),
    ("lower", "s"),
    ("title", "s"),
    ("untitle", "s"),
    ("substr", "iis"),
    ("repeat", "is"),
    ("trimAll", "ss"),
    ("trimSuffix", "ss"),
    ("trimPrefix", "ss"),
    ("nospace", "s"),
    ("initials", "s"),
    ("swapcase", "s"),
    ("snakecase", "s"),
    ("camelcase", "s"),
    ("kebabcase", "s"),
    ("wrap", "is"),
    ("wrapWith", "iss"),
    ("contains", "ss"),
    ("hasPrefix", "ss"),
    ("hasSuffix", "ss"),
    ("quote", "vv"),
    ("squote", "vv"),
    ("cat", "vvv"),
    ("indent", "is"),
    ("nindent", "is"),
    ("replace", "sss"),
    ("plural", "ssi"),
    ("sha1sum", "s"),
    ("sha256sum", "s"),
    ("sha512sum", "s"),
    ("adler32sum", "s"),
    ("toString", "v"),
    ("atoi", "s"),
    ("int64", "v"),
    ("int", "v"),
    ("float64", "v"),
    ("toDecimal", "v"),
    ("split", "ss"),
    ("splitList", "ss"),
    ("splitn", "sis"),
    ("toStrings", "v"),
    ("until", "i"),
    ("untilStep", "iii"),
    ("add1", "v"),
    ("add", "vvv"),
    ("sub", "vv"),
    ("div", "vv"),
    ("mod", "vv"),
    ("mul", "vvv"),
    ("add1f", "v"),
    ("addf", "vv"),
    ("subf", "vv"),
    ("divf", "vv"),
    ("mulf", "vv"),
    ("max", "vvv"),
    ("min", "vv"),
    ("maxf", "vv"),
    ("minf", "vvv"),
    ("ceil", "v"),
    ("floor", "v"),
    ("round", "vi"),
    ("seq", "ii"),
    ("join", "sv"),
    ("sortAlpha", "v"),
    ("default", "vv"),
    ("empty", "v"),
    ("coalesce", "vvv"),
    ("all", "vv"),
    ("any", "vv"),
    ("compact", "v"),
    ("mustCompact", "v"),
    ("fromJson", "s"),
    ("toJson", "v"),
    ("toPrettyJson", "v"),
    ("toRawJson", "v"),
    ("mustToJson", "v"),
    ("ternary", "vvv"),
    ("deepCopy", "v"),
    ("typeOf", "v"),
    ("typeIs", "sv"),
    ("typeIsLike", "sv"),
    ("kindOf", "v"),
    ("kindIs", "sv"),
    ("deepEqual", "vv"),
    ("base", "s"),
    ("dir", "s"),
    ("clean", "s"),
    ("ext", "s"),
    ("isAbs", "s"),
    ("osBase", "s"),
    ("osDir", "s"),
    ("osClean", "s"),
    ("osExt", "s"),
    ("osIsAbs", "s"),
    ("b64enc", "s"),
    ("b64dec", "s"),
    ("b32enc", "s"),
    ("b32dec", "s"),
    ("list", "vvv"),
    ("tuple", "vv"),
    ("dict", "vvvv"),
    ("append", "vv"),
    ("push", "vv"),
    ("prepend", "vv"),
    ("mustPrepend", "vv"),
    ("first", "v"),
    ("mustFirst", "v"),
    ("rest", "v"),
    ("last", "v"),
    ("initial", "v"),
    ("reverse", "v"),
    ("uniq", "v"),
    ("without", "vv"),
    ("has", "vv"),
    ("slice", "v"),
    ("concat", "vv"),
    ("chunk", "iv"),
    ("keys", "v"),
    ("values", "v"),
    ("semver", "e"),
    ("semverCompare", "ce"),
    ("fail", "s"),
    ("regexMatch", "rs"),
    ("mustRegexMatch", "rs"),
    ("regexFindAll", "rsi"),
    ("regexFind", "rs"),
    ("regexReplaceAll", "rss"),
    ("regexReplaceAllLiteral", "rss"),
    ("regexSplit", "rsi"),
    ("regexQuoteMeta", "s"),
    ("durationRound", "p"),
    ("duration", "v"),
    ("dateInZone", "tiz"),
    ("htmlDateInZone", "iz"),
    ("derivePassword", "usss"),
    ("decryptAES", "ss"),
    ("mustDateModify", "p"),
    ("urlParse", "U"),
    ("urlJoin", "v"),
    ("toDate", "tT"),
    ("mustToDate", "tT"),
    ("regexReplaceAll", "rsR"),
];

const REGEXES: &[&str] = &[
    r"a+",
    r"\d+",
    r"\w+",
    r"(\w)(\d)",
    r"\b\w",
    r"[a-z]*",
    r"x*",
    r"(?i)foo",
    r"^.",
    r".$",
    r"[[:punct:]]",
    r"\s+",
    r"(?P<n>.)\.",
    r"é|日",
    r"a{2}",
    r"[^a]+",
    r"(",
    r"*a",
    r"a**",
    r"a{1001}",
    r"[z-a]",
    r"(?<n>x)",
    r"\Qa.b\E",
    r"(?i:x)+",
    r"\pZ",
    r"[[:foo:]]",
    r"x{2,1}",
    r"a\z",
    r"(?U)a+",
    r"a{,3}",
    r"[\d-z]",
    r"\x41",
    r"\x{e9}|\x{65E5}",
    r"@sha.*",
    r"(?s).+",
    r"(?i)k[^}]*",
    r"(?x)a b",
    r"[a-]",
    r"(?m)$",
    r"\C",
    r"a|*",
    r"())",
];
const VERSIONS: &[&str] = &[
    "1.2.3",
    "v1.0",
    "2",
    "1.2.3-rc.1",
    "0.0.1+b",
    "1.19.0-0",
    "x",
    "1.2.3-01",
];
const CONSTRAINTS: &[&str] = &[
    ">=1.0", "^1.2", "~1.2.3", "<2 || >3", "1.x", ">=1.19-0", "!=1.2.3", "1 - 2", "*", "bad",
    "<=1.2",
];
const DURATIONS: &[&str] = &[
    "1h", "-3m2s", "1.5s", "300ms", "2h3m4.5s", "bad", "", "0", "5µs", "1d",
];
const LAYOUTS: &[&str] = &[
    "2006-01-02",
    "Mon Jan _2 15:04:05 MST 2006",
    "3:04PM -07:00",
    ".000 Z07:00",
    "x",
];
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Local",
    "Nope/Zone",
];

fn arg(g: &mut Gen, kind: char) -> (J, Option<&'static str>) {
    match kind {
        's' => (json!(gen_str(g)), None),
        'i' => (json!(gen_int(g)), None),
        'u' => (json!({"$type": "uint32", "value": g.below(5)}), None),
        'r' => (json!(*g.pick(REGEXES)), None),
        'e' => (json!(*g.pick(VERSIONS)), None),
        'c' => (json!(*g.pick(CONSTRAINTS)), None),
        'p' => (json!(*g.pick(DURATIONS)), None),
        't' => (json!(*g.pick(LAYOUTS)), None),
        'z' => (json!(*g.pick(ZONES)), None),
        'U' => (
            json!(format!(
                "{}{}{}",
                g.pick(&["http://", "https://", "", "mailto:", "//", "s3:"]),
                gen_str(g),
                g.pick(&["/a b", "?q=1", "#f%20", "@h:80", "", "%zz", "[::1]"])
            )),
            None,
        ),
        'T' => (
            json!(format!(
                "{}-{:02}-{:02}{}",
                1990 + g.below(50),
                g.below(14),
                g.below(33),
                g.pick(&["", " 10:00:00", "T01:02:03Z", " x"])
            )),
            None,
        ),
        'R' => (
            json!(*g.pick(&["$1", "${1}x", "$1x", "$$", "[$0]", "${n}", "$"])),
            None,
        ),
        _ => (gen_value(g, 0), None),
    }
}

pub(crate) fn oracle() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("CANON_ORACLE") {
        return Ok(PathBuf::from(p));
    }
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/oracle");
    let out = std::env::temp_dir().join(format!("canon-sprig-oracle-{}", std::process::id()));
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(&src)
        .status()
        .map_err(|e| format!("CANON_ORACLE is not set and `go build` could not run: {e}"))?;
    if !status.success() {
        return Err(format!(
            "CANON_ORACLE is not set and `go build` of {} failed",
            src.display()
        ));
    }
    Ok(out)
}

#[test]
#[ignore = "needs the Go oracle (CANON_ORACLE or a Go toolchain); run by scripts/test"]
fn live_differential_against_go() {
    let bin = oracle().unwrap_or_else(|e| panic!("live differential test cannot run: {e}"));
    // A fixed default keeps CI reproducible; SPRIG_DIFF_SEED=random explores new inputs.
    let seed: u64 = match std::env::var("SPRIG_DIFF_SEED").as_deref() {
        Ok("random") => {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        }
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("SPRIG_DIFF_SEED={s}: not a number or `random`")),
        Err(_) => 20_261_128,
    };
    let per: usize = std::env::var("SPRIG_DIFF_PER_FUNC")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    eprintln!("sprig live differential: SPRIG_DIFF_SEED={seed} SPRIG_DIFF_PER_FUNC={per}");
    let mut g = Gen(seed);
    let mut cases = Vec::new();
    for (name, kinds) in FUNCS {
        for n in 0..per {
            let mut data = serde_json::Map::new();
            let mut tpl = format!("{{{{ {name}");
            // Some calls drop trailing arguments to exercise arity errors and variadics.
            let take = if n % 17 == 16 {
                kinds.len().saturating_sub(1)
            } else {
                kinds.len()
            };
            for (i, k) in kinds.chars().take(take).enumerate() {
                let (v, _) = arg(&mut g, k);
                data.insert(format!("a{i}"), v);
                tpl.push_str(&format!(" .a{i}"));
            }
            // Go ranges over maps in random order: sort what keys/values return.
            tpl.push_str(if matches!(*name, "keys" | "values") {
                " | sortAlpha }}"
            } else {
                " }}"
            });
            if *name == "mustDateModify" {
                tpl = "{{ mustDateModify .a0 (toDate \"2006-01-02\" \"2020-02-29\") | date \"2006-01-02 15:04:05\" }}".into();
            }
            cases.push(json!({"id": format!("{name}/{n}"), "template": tpl, "data": J::Object(data), "funcs": "sprig"}));
        }
    }
    let answers = oracle_answers(&bin, &cases);
    let funcs = sprig::funcs(&sprig::Options::default());
    let mut bad = Vec::new();
    let mut compared = 0;
    for (c, a) in cases.iter().zip(&answers) {
        if a["phase"] == "panic" || a["phase"] == "request" {
            continue;
        }
        let want = Outcome {
            output: a["output"].as_str().unwrap_or("").into(),
            error: a["error"].as_str().unwrap_or("").into(),
            phase: a["phase"].as_str().unwrap_or("").into(),
        };
        let got = run(c, &funcs);
        compared += 1;
        if got != want {
            bad.push(format!(
                "{}\n  template: {}\n  data: {}\n  want: {want:?}\n  got:  {got:?}",
                c["id"], c["template"], c["data"]
            ));
        }
    }
    if std::env::var("CANON_ORACLE").is_err() {
        let _ = std::fs::remove_file(&bin);
    }
    if std::env::var("SPRIG_CASES_VERBOSE").is_ok() {
        for b in &bad {
            eprintln!("{b}");
        }
    }
    eprintln!(
        "sprig live differential: {compared} cases compared, {} mismatches",
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "seed {seed}: {} of {compared} differ from Go:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The oracle's answers to `cases` (JSON requests), in order.
pub(crate) fn oracle_answers(bin: &std::path::Path, cases: &[J]) -> Vec<J> {
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start oracle {}: {e}", bin.display()));
    let mut input = String::new();
    for c in cases {
        input.push_str(&c.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("oracle runs");
    writer
        .join()
        .expect("writer thread")
        .expect("oracle reads its input");
    let answers: Vec<J> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle writes JSON"))
        .collect();
    assert_eq!(answers.len(), cases.len(), "oracle answered every case");
    answers
}
