//! `helm::ignore` against the real helm binaries: one chart tree, many `.helmignore` rule sets;
//! what helm keeps (its `.Files`, through the loader probe) or the error it reports.

use super::loader::{BOTH, chart_dir, compare_with_helm, compat, run_helm};

const TREE: &[(&str, &[u8])] = &[
    ("Chart.yaml", b"apiVersion: v2\nname: ig\nversion: 0.1.0\n"),
    ("templates/t.yaml", b"t: 1\n"),
    ("templates/.dot.yaml", b"dot: 1\n"),
    ("a.txt", b"a\n"),
    ("b.md", b"b\n"),
    ("c.txt.bak", b"c\n"),
    (".hidden", b"h\n"),
    ("#hash.txt", b"#\n"),
    ("ru[d]der.txt", b"r\n"),
    ("spaced.txt", b"s\n"),
    ("dir/a.txt", b"da\n"),
    ("dir/b.md", b"db\n"),
    ("dir/sub/c.txt", b"dsc\n"),
    ("other/dir/x.txt", b"odx\n"),
    ("other/sub", b"a file named sub\n"),
    ("sub/y.txt", b"sy\n"),
];

#[test]
#[ignore = "runs the helm binaries (scripts/test)"]
fn helmignore_rules_like_helm() {
    let rules: &[&str] = &[
        "",
        "*.txt",
        "*.txt\n!a.txt",
        "!*.txt\n",
        "dir/",
        "/a.txt",
        "dir/*.txt",
        "*/*.txt",
        "?.txt",
        "[ab].*",
        "[!a].txt",
        "dir/sub",
        "sub",
        "sub/",
        "other/*/x.txt",
        "   spaced.txt   \n\n# a comment\n",
        "\\#hash.txt",
        "ru\\[d\\]der.txt",
        ".*",
        "*.bak\n*.md",
        "templates/.dot.yaml\n",
        "dir\n",
        "/dir/sub/",
        "a.txt/",
        "\u{feff}a.txt",
        "*.txt\r\nb.md\r\n",
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, r) in rules.iter().enumerate() {
        let mut files: Vec<(&str, &[u8])> = TREE.to_vec();
        files.push((".helmignore", r.as_bytes()));
        let dir = chart_dir(tmp.path(), &format!("ig{i}"), &files);
        for v in BOTH {
            let run = run_helm(v, &["template", "x", dir.to_str().expect("utf-8")]);
            if run.ok {
                compare_with_helm(v, &dir, &[]);
            } else {
                let ours = helm::loader::load_for(&dir, compat(v))
                    .err()
                    .map(|e| e.to_string());
                assert_eq!(ours, Some(run.error()), "helm {v:?}, rules {r:?}");
            }
        }
    }
}
