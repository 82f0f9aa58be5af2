//! `helm::files` against the real helm binaries: a template exercising `.Files` (gobwas `Glob`
//! patterns, `Get`, `GetBytes`, `Lines`, `AsConfig`, `AsSecrets`, `range`, `len`, `%v`, `toJson`)
//! rendered by helm, and by gotmpl + Sprig over canon's `.Files` object.

use gotmpl::{Template, Value};

use super::loader::{BOTH, chart_dir, compat, run_helm};

const FILES: &[(&str, &[u8])] = &[
    ("files/a.txt", b"alpha\nbeta\n"),
    ("files/b.txt", b"no newline"),
    ("files/c.conf", b"key = value\n"),
    ("files/sub/c.txt", b"deep\n"),
    ("files/sub/more/d.txt", b"deeper\r\nline\n"),
    ("files/*", b"a star\n"),
    ("files/bin.dat", b"\x00\x01\xfe\xff"),
    ("conf/x.conf", b"x\n"),
    ("conf/x.txt", b"x txt\n"),
    ("top.txt", b"top\n"),
    ("uni/\u{e9}t\u{e9}.txt", b"\xc3\xa9\n"),
];

const PATTERNS: &[&str] = &[
    "files/*",
    "files/**",
    "**.txt",
    "*.txt",
    "*",
    "**",
    "files/?.txt",
    "files/[ab].txt",
    "files/[!a].txt",
    "files/[a-b].txt",
    "{files,conf}/*.{txt,conf}",
    "{files/sub/**,top.txt}",
    "files/\\*",
    "files/{a,b",
    "[",
    "files/[z-a].txt",
    "",
    "files",
    "**/c.txt",
    "files/*/c.txt",
    "files/**/d.txt",
    "uni/?t?.txt",
    "uni/*.txt",
    "{,a}{a,b}**[a-b]",
    "**a?***",
    "?{,a}*",
    "conf/x.{conf}",
    "files/[]",
];

fn template() -> String {
    let mut t = String::new();
    for (i, p) in PATTERNS.iter().enumerate() {
        let q = goyaml::to_json(&Value::string(p)).expect("a string marshals");
        t.push_str(&format!(
            "# GLOB{i} {{{{ .Files.Glob {q} | toJson }}}}\n\
             # LEN{i} {{{{ len (.Files.Glob {q}) }}}}\n\
             # CONFIG{i} {{{{ (.Files.Glob {q}).AsConfig | toJson }}}}\n\
             # SECRETS{i} {{{{ (.Files.Glob {q}).AsSecrets | toJson }}}}\n\
             # RANGE{i} {{{{ range $k, $v := .Files.Glob {q} }}}}{{{{ $k }}}}={{{{ len $v }}}};{{{{ end }}}}\n"
        ));
    }
    t.push_str(
        r#"# GET {{ .Files.Get "files/a.txt" | toJson }}
# GET-MISSING {{ .Files.Get "nope" | toJson }}
# GETBYTES {{ .Files.GetBytes "files/bin.dat" | toJson }}
# GETBYTES-MISSING {{ .Files.GetBytes "nope" | toJson }} {{ printf "%T" (.Files.GetBytes "nope") }}
# LINES {{ .Files.Lines "files/a.txt" | toJson }}
# LINES2 {{ .Files.Lines "files/b.txt" | toJson }}
# LINES3 {{ .Files.Lines "files/sub/more/d.txt" | toJson }}
# LINES-MISSING {{ .Files.Lines "nope" | toJson }}
# PRINT {{ printf "%v" (.Files.Glob "files/a.txt") }}
# TYPE {{ printf "%T" .Files }} {{ printf "%T" (.Files.Glob "x") }}
# ALL {{ .Files | toJson }}
# CONFIG-ALL {{ .Files.AsConfig | toJson }}
"#,
    );
    t
}

fn lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("# ") && !l.starts_with("# Source:"))
        .map(String::from)
        .collect()
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn files_object_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = template();
    let mut files: Vec<(&str, &[u8])> = FILES.to_vec();
    files.push((
        "Chart.yaml",
        b"apiVersion: v2\nname: files\nversion: 0.1.0\n",
    ));
    files.push(("templates/f.yaml", text.as_bytes()));
    let dir = chart_dir(tmp.path(), "files", &files);
    for v in BOTH {
        let run = run_helm(v, &["template", "x", dir.to_str().expect("utf-8")]);
        assert!(run.ok, "helm {v:?}: {}", run.stderr);
        let chart = helm::loader::load_for(&dir, compat(v)).expect("loads");
        let mut t = Template::new("f.yaml");
        t.funcs(sprig::funcs(&sprig::Options {
            helm: true,
            ..Default::default()
        }));
        // toJson of a host object goes through its marshal_json (what helm's json.Marshal of
        // the files map prints); the JSON encoder's own hook lands with the gotmpl/goyaml work.
        t.func(
            "objectJson",
            gotmpl::Func::fn1(|v: Value| match &v {
                Value::Object(o) => o.marshal_json().unwrap_or_default(),
                other => goyaml::to_json(other).unwrap_or_default(),
            }),
        );
        t.parse(&text.replace("| toJson", "| objectJson"))
            .expect("parses");
        let data = Value::map([(
            "Files".to_string(),
            helm::files::files_value_for(&chart.files, compat(v)),
        )]);
        let mut out = String::new();
        t.execute(&mut out, &data).expect("executes");
        let ours = lines(&out);
        let theirs = lines(&run.stdout);
        assert_eq!(ours.len(), theirs.len(), "helm {v:?}: line counts");
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o, t, "helm {v:?}");
        }
    }
}

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn lines_of_an_empty_file_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = "# {{ .Files.Lines \"files/empty.txt\" | len }}\n";
    let dir = chart_dir(
        tmp.path(),
        "empty",
        &[
            (
                "Chart.yaml",
                b"apiVersion: v2\nname: empty\nversion: 0.1.0\n",
            ),
            ("files/empty.txt", b""),
            ("templates/t.yaml", text.as_bytes()),
        ],
    );
    for v in BOTH {
        let run = run_helm(v, &["template", "x", dir.to_str().expect("utf-8")]);
        let chart = helm::loader::load_for(&dir, compat(v)).expect("loads");
        let mut t = Template::new("empty/templates/t.yaml");
        t.parse(text).expect("parses");
        let data = Value::map([(
            "Files".to_string(),
            helm::files::files_value_for(&chart.files, compat(v)),
        )]);
        let mut out = String::new();
        match t.execute(&mut out, &data) {
            // helm v3: an empty list.
            Ok(()) => {
                assert!(run.ok, "helm {v:?} fails: {}", run.stderr);
                assert_eq!(lines(&out), lines(&run.stdout), "helm {v:?}");
            }
            // helm v4: Go's index-out-of-range panic, reported as the call's error.
            Err(err) => {
                let ours = err.to_string();
                let call = ours
                    .split_once("error calling Lines: ")
                    .map(|(_, m)| m.to_string())
                    .expect("a call error");
                let theirs = run.error();
                assert!(
                    theirs.contains(&format!("error calling Lines: {call}")),
                    "helm {v:?}: {theirs} / canon: {ours}"
                );
            }
        }
    }
}

/// Seeded random patterns over a tree of similar names: gobwas' optimized matchers (Row, BTree,
/// Prefix/Suffix, EveryOf…) and their misses (`{,a}`, `***`, multi-byte runes) as helm has them.
#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn glob_random_patterns_like_helm() {
    let names = [
        "é",
        "aé",
        "é/a",
        "aéb",
        "a",
        "b",
        "ab",
        "ba",
        "aa",
        "a.b",
        "a/b",
        "a/a",
        "b/a",
        "a/b/a",
        "ab/ba",
        "a.a/b.b",
        "aab",
        "abb",
        "a/ab/b",
        "b/b/b",
        "a..b",
        ".a",
        "a/.b",
        "x",
        "ax/xb",
        "a/b.x",
        "{a}",
        "a,b",
        "a*b",
        "a]b",
        "[a]",
        "a-b",
        "ab/",
        "b.a/a.b/ab",
    ];
    let atoms = [
        "{,a}",
        "é",
        "[é]",
        "a",
        "b",
        "/",
        "*",
        "**",
        "?",
        "[ab]",
        "[!a]",
        "[a-b]",
        "{a,b}",
        "{a/,b*}",
        ".",
        "x",
        "\\*",
        "]",
        "}",
        ",",
        "{a,{b,ab}}",
        "[!/]",
        "{ab,a*}",
        "{a?,*b/}",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut patterns = Vec::new();
    for _ in 0..1000 {
        let n = 1 + next() % 5;
        let mut p = String::new();
        for _ in 0..n {
            p.push_str(atoms[next() % atoms.len()]);
        }
        patterns.push(p);
    }
    let mut text = String::new();
    for (i, p) in patterns.iter().enumerate() {
        let q = goyaml::to_json(&Value::string(p)).expect("marshals");
        text.push_str(&format!(
            "# P{i} {{{{ range $k, $_ := .Files.Glob {q} }}}}{{{{ $k }}}}|{{{{ end }}}}\n"
        ));
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (format!("g/{n}"), b"x".to_vec()))
        .collect();
    // Names relative to the chart root: the patterns above see them under g/ only via `**`;
    // put the same names at the root too (apart from those that clash with chart files).
    for n in names {
        if !n.ends_with('/') {
            files.push((n.to_string(), b"y".to_vec()));
        }
    }
    files.retain(|(n, _)| !n.ends_with('/'));
    files.push((
        "Chart.yaml".into(),
        b"apiVersion: v2\nname: g\nversion: 0.1.0\n".to_vec(),
    ));
    files.push(("templates/g.yaml".into(), text.clone().into_bytes()));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    // A directory and a file cannot share a name: drop root files that are also directories.
    let dirs: std::collections::BTreeSet<String> = refs
        .iter()
        .filter_map(|(n, _)| n.rsplit_once('/').map(|(d, _)| d.to_string()))
        .collect();
    let refs: Vec<(&str, &[u8])> = refs
        .into_iter()
        .filter(|(n, _)| !dirs.contains(*n))
        .collect();
    let dir = chart_dir(tmp.path(), "g", &refs);
    let run = run_helm(
        testenv::HelmVersion::V4,
        &["template", "x", dir.to_str().expect("utf-8")],
    );
    assert!(run.ok, "{}", run.stderr);
    let chart = helm::loader::load_for(&dir, helm::HelmVersion::V4).expect("loads the glob chart");
    let mut t = Template::new("g.yaml");
    t.parse(&text).expect("parses");
    let data = Value::map([("Files".to_string(), helm::files::files_value(&chart.files))]);
    let mut out = String::new();
    t.execute(&mut out, &data).expect("executes");
    let ours = lines(&out);
    let theirs = lines(&run.stdout);
    assert_eq!(ours.len(), theirs.len());
    let mut bad = Vec::new();
    for ((o, t), p) in ours.iter().zip(&theirs).zip(&patterns) {
        // helm trims the document's trailing whitespace (the last line's space).
        if o.trim_end() != t.trim_end() {
            bad.push(format!("pattern {p:?}:\n  canon {o}\n  helm  {t}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} patterns differ:\n{}",
        bad.len(),
        patterns.len(),
        bad.join("\n")
    );
}
