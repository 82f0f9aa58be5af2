//! `canon diff`: the rendered-manifest diff of one environment between two source revisions.
//!
//! Each revision's tree is exported with the `git` CLI (`git archive REV | tar -x`, never the
//! work tree), rendered through [`crate::render::template`] into a temporary output dir (one
//! directory per release), and read back. Secret `data`/`stringData` values are masked on both
//! sides before diffing ([`mask_pair`]), so they are never printed. The diff itself is
//! [`similar`]'s Myers line diff, printed as `git diff` prints it ([`unified`]) or as a
//! size-limited PR comment ([`markdown`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use similar::TextDiff;

use crate::load::LoadOptions;
use crate::release::ReleaseOptions;
use crate::render::{RenderOptions, Sink};

/// Where each release's files go under the temporary output dir.
const OUTPUT_DIR_TEMPLATE: &str = "{{ .OutputDir }}/{{ .Release.Name }}";

/// GitHub's limit on the body of an issue or pull-request comment, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// A failure of `canon diff`, with its process exit code.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Not a git repository, an unknown revision, no helmfile at a revision: bad usage (2).
    #[error("{0}")]
    Usage(String),
    /// Rendering a revision failed (its own exit code: 2 for an unknown environment or a
    /// malformed helmfile, 1 for a failed chart render).
    #[error("rendering {rev}: {source}")]
    Render {
        rev: String,
        #[source]
        source: Box<crate::Error>,
    },
    /// git or the file system failed under us (1).
    #[error("{0}")]
    Io(String),
}

impl DiffError {
    /// The process exit code of ../shared/DESIGN.md.
    pub fn exit_code(&self) -> i32 {
        match self {
            DiffError::Usage(_) => 2,
            DiffError::Render { source, .. } => source.exit_code(),
            DiffError::Io(_) => 1,
        }
    }
}

/// The rendered files of one revision: release name → path under the release dir → content.
pub type Rendered = BTreeMap<String, BTreeMap<String, String>>;

/// What `canon diff` needs besides the revisions.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// The helmfile (file or helmfile.d dir) in the work tree; `None`: the default names in
    /// the current directory.
    pub file: Option<PathBuf>,
    pub load: LoadOptions,
    pub release: ReleaseOptions,
    pub render: RenderOptions,
    /// Downloaded charts (`None`: [`crate::repo::default_cache_dir`]).
    pub cache_dir: Option<PathBuf>,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, DiffError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| DiffError::Io(format!("running git: {e}")))
}

/// The top of the git work tree containing `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf, DiffError> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        return Err(DiffError::Usage(format!(
            "{} is not in a git repository: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out.stdout).trim_end_matches(['\n', '\r']),
    ))
}

/// The commit id `rev` names in the repository at `repo`.
pub fn resolve_rev(repo: &Path, rev: &str) -> Result<String, DiffError> {
    if rev.starts_with('-') {
        return Err(DiffError::Usage(format!("unknown revision {rev:?}")));
    }
    let spec = format!("{rev}^{{commit}}");
    let out = git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )?;
    if !out.status.success() {
        return Err(DiffError::Usage(format!("unknown revision {rev:?}")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Writes the tree of `commit` into `dest` (`git archive | tar -x`): the committed files only.
pub fn export(repo: &Path, commit: &str, dest: &Path) -> Result<(), DiffError> {
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", commit])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| DiffError::Io(format!("running git archive: {e}")))?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| DiffError::Io("git archive: no stdout".into()))?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(stdout)
        .output()
        .map_err(|e| DiffError::Io(format!("running tar: {e}")))?;
    let git_out = archive
        .wait_with_output()
        .map_err(|e| DiffError::Io(format!("git archive: {e}")))?;
    if !git_out.status.success() {
        return Err(DiffError::Io(format!(
            "git archive {commit}: {}",
            String::from_utf8_lossy(&git_out.stderr).trim()
        )));
    }
    if !tar.status.success() {
        return Err(DiffError::Io(format!(
            "tar -x: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        )));
    }
    Ok(())
}

/// Discards `helmfile template`'s stdout (everything goes to the output dir) and its
/// `Templating release=…` log, which would only clutter the diff.
struct Quiet;

impl Sink for Quiet {
    fn stdout(&mut self, _bytes: &[u8]) {}
    fn stderr(&mut self, _text: &str) {}
}

/// Reads every file under `dir` (recursively), keyed by `/`-separated relative path.
fn read_tree(dir: &Path) -> Result<BTreeMap<String, String>, DiffError> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| DiffError::Io(format!("{}: {e}", d.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| DiffError::Io(format!("{}: {e}", d.display())))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .map_err(|e| DiffError::Io(format!("{}: {e}", path.display())))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&path)
                .map_err(|e| DiffError::Io(format!("{}: {e}", path.display())))?;
            out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(out)
}

/// Renders the helmfile at `helmfile` (inside an exported tree) into per-release files.
pub fn render_tree(helmfile: &Path, opts: &DiffOptions, rev: &str) -> Result<Rendered, DiffError> {
    let out_dir = tempfile::tempdir().map_err(|e| DiffError::Io(format!("temp dir: {e}")))?;
    let mut render = opts.render.clone();
    render.output_dir = Some(out_dir.path().to_path_buf());
    render.output_dir_template = Some(OUTPUT_DIR_TEMPLATE.into());
    let mut sink = Quiet;
    let result = crate::render::template(
        Some(helmfile),
        &opts.load,
        &opts.release,
        &render,
        opts.cache_dir.as_deref(),
        &mut sink,
    );
    result.map_err(|e| DiffError::Render {
        rev: rev.to_string(),
        source: Box::new(e),
    })?;
    let mut releases = Rendered::new();
    let entries = std::fs::read_dir(out_dir.path())
        .map_err(|e| DiffError::Io(format!("{}: {e}", out_dir.path().display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| DiffError::Io(format!("reading the output: {e}")))?;
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            releases.insert(name, read_tree(&entry.path())?);
        }
    }
    Ok(releases)
}

/// The helmfile inside an exported tree: `rel` (a file or dir relative to the repository top),
/// or, for `None`, helmfile's default names in `cwd_rel`.
fn locate_helmfile(
    tree: &Path,
    rel: Option<&Path>,
    cwd_rel: &Path,
    rev: &str,
) -> Result<PathBuf, DiffError> {
    if let Some(rel) = rel {
        let p = tree.join(rel);
        if !p.exists() {
            return Err(DiffError::Usage(format!(
                "{} does not exist at revision {rev}",
                rel.display()
            )));
        }
        return Ok(p);
    }
    let dir = tree.join(cwd_rel);
    for name in ["helmfile.yaml", "helmfile.yaml.gotmpl", "helmfile.d"] {
        let p = dir.join(name);
        if p.exists() {
            return Ok(p);
        }
    }
    Err(DiffError::Usage(format!(
        "no helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d in {} at revision {rev}",
        if cwd_rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            cwd_rel
        }
        .display()
    )))
}

/// Renders revisions `base` and `head` (default: `HEAD`) of the repository containing the
/// current directory (or `opts.file`) and returns their per-release diff.
pub fn diff_revisions(
    base: &str,
    head: Option<&str>,
    opts: &DiffOptions,
) -> Result<Vec<ReleaseDiff>, DiffError> {
    let cwd = std::env::current_dir().map_err(|e| DiffError::Io(format!("current dir: {e}")))?;
    let abs_file = opts.file.as_ref().map(|f| cwd.join(f));
    let probe = match &abs_file {
        Some(f) if f.is_dir() => f.clone(),
        Some(f) => f
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.clone()),
        None => cwd.clone(),
    };
    let top = toplevel(&probe)?;
    let canon_top = top.canonicalize().unwrap_or_else(|_| top.clone());
    let relative = |p: &Path| -> Result<PathBuf, DiffError> {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let canon = match (abs.parent(), abs.file_name()) {
            (Some(parent), Some(name)) if !abs.exists() || abs.is_file() => parent
                .canonicalize()
                .map(|c| c.join(name))
                .unwrap_or(abs.clone()),
            _ => abs.canonicalize().unwrap_or(abs.clone()),
        };
        canon
            .strip_prefix(&canon_top)
            .map(Path::to_path_buf)
            .map_err(|_| {
                DiffError::Usage(format!(
                    "{} is outside the repository {}",
                    p.display(),
                    top.display()
                ))
            })
    };
    let file_rel = abs_file.as_deref().map(relative).transpose()?;
    let cwd_rel = if file_rel.is_none() {
        relative(&cwd)?
    } else {
        PathBuf::new()
    };
    let base_id = resolve_rev(&top, base)?;
    let head_name = head.unwrap_or("HEAD");
    let head_id = resolve_rev(&top, head_name)?;
    let side = |rev: &str, id: &str| -> Result<Rendered, DiffError> {
        let tree = tempfile::tempdir().map_err(|e| DiffError::Io(format!("temp dir: {e}")))?;
        export(&top, id, tree.path())?;
        let hf = locate_helmfile(tree.path(), file_rel.as_deref(), &cwd_rel, rev)?;
        render_tree(&hf, opts, rev)
    };
    let a = side(base, &base_id)?;
    let b = side(head_name, &head_id)?;
    Ok(diff_rendered(&a, &b))
}

/// How a release changed between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One release's diff: its files' unified diffs, concatenated in path order.
#[derive(Clone, Debug)]
pub struct ReleaseDiff {
    pub release: String,
    pub change: Change,
    pub added_lines: usize,
    pub removed_lines: usize,
    /// `git diff`-style text (`--- a/<release>/<path>` / `+++ b/<release>/<path>` and hunks).
    pub text: String,
}

/// The diff of two renders, releases in name order; releases without changes are left out.
pub fn diff_rendered(base: &Rendered, head: &Rendered) -> Vec<ReleaseDiff> {
    let empty = BTreeMap::new();
    let names: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        let (a, b) = (base.get(name), head.get(name));
        let change = match (a, b) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            _ => Change::Changed,
        };
        let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
        let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let mut rd = ReleaseDiff {
            release: name.clone(),
            change,
            added_lines: 0,
            removed_lines: 0,
            text: String::new(),
        };
        for path in paths {
            let (old, new) = (a.get(path), b.get(path));
            let (old_m, new_m) = mask_pair(
                old.map(String::as_str).unwrap_or(""),
                new.map(String::as_str).unwrap_or(""),
            );
            if old.is_some() && new.is_some() && old_m == new_m {
                continue;
            }
            let old_name = match old {
                Some(_) => format!("a/{name}/{path}"),
                None => "/dev/null".into(),
            };
            let new_name = match new {
                Some(_) => format!("b/{name}/{path}"),
                None => "/dev/null".into(),
            };
            let diff = TextDiff::from_lines(&old_m, &new_m);
            for op in diff.ops() {
                for c in diff.iter_changes(op) {
                    match c.tag() {
                        similar::ChangeTag::Insert => rd.added_lines += 1,
                        similar::ChangeTag::Delete => rd.removed_lines += 1,
                        similar::ChangeTag::Equal => {}
                    }
                }
            }
            let body = diff
                .unified_diff()
                .context_radius(3)
                .header(&old_name, &new_name)
                .to_string();
            rd.text.push_str(&body);
        }
        if !rd.text.is_empty() || change != Change::Changed {
            out.push(rd);
        }
    }
    out
}

/// The whole diff as `git diff` prints it.
pub fn unified(diffs: &[ReleaseDiff]) -> String {
    diffs.iter().map(|d| d.text.as_str()).collect()
}

/// A code fence longer than any backtick run in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat(longest.max(2) + 1)
}

/// Release names may hold characters that break a table cell or HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

/// A pull-request comment: a summary table (release, change, +/- lines), then one collapsible
/// section per release with a `diff` block. Kept within `limit` characters: release bodies are
/// dropped from the largest down (saying so) until it fits, falling back to the summary alone.
pub fn markdown(diffs: &[ReleaseDiff], limit: usize) -> String {
    if diffs.is_empty() {
        return "No changes in the rendered manifests.\n".into();
    }
    let mut summary = String::from("| Release | Change | + | - |\n|---|---|---:|---:|\n");
    for d in diffs {
        let _ = writeln!(
            summary,
            "| {} | {} | {} | {} |",
            escape(&d.release),
            d.change.as_str(),
            d.added_lines,
            d.removed_lines
        );
    }
    let sections: Vec<String> = diffs
        .iter()
        .map(|d| {
            let f = fence(&d.text);
            format!(
                "<details><summary>{} ({}, +{} -{})</summary>\n\n{f}diff\n{}{}{f}\n\n</details>\n",
                escape(&d.release),
                d.change.as_str(),
                d.added_lines,
                d.removed_lines,
                d.text,
                if d.text.ends_with('\n') || d.text.is_empty() {
                    ""
                } else {
                    "\n"
                },
            )
        })
        .collect();
    let omitted_note = |d: &ReleaseDiff| {
        format!(
            "<details><summary>{} ({}, +{} -{})</summary>\n\nDiff omitted: too large for one comment.\n\n</details>\n",
            escape(&d.release),
            d.change.as_str(),
            d.added_lines,
            d.removed_lines
        )
    };
    let mut bodies: Vec<Option<&String>> = sections.iter().map(Some).collect();
    let assemble = |bodies: &[Option<&String>], dropped: usize| {
        let mut s = summary.clone();
        if dropped > 0 {
            let _ = writeln!(
                s,
                "\n{dropped} release diff(s) omitted to stay within {limit} characters; run `canon diff` locally for the full diff."
            );
        }
        for (i, b) in bodies.iter().enumerate() {
            s.push('\n');
            match b {
                Some(b) => s.push_str(b),
                None => s.push_str(&omitted_note(&diffs[i])),
            }
        }
        s
    };
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sections[i].chars().count()));
    let mut dropped = 0;
    let mut text = assemble(&bodies, dropped);
    for &i in &order {
        if text.chars().count() <= limit {
            return text;
        }
        bodies[i] = None;
        dropped += 1;
        text = assemble(&bodies, dropped);
    }
    if text.chars().count() <= limit {
        return text;
    }
    // Even the omission notes do not fit: the summary alone, cut to the limit if need be.
    let note = format!(
        "\nAll release diffs omitted to stay within {limit} characters; run `canon diff` locally for the full diff.\n"
    );
    let mut s = summary;
    if s.chars().count() + note.chars().count() > limit {
        let cut = "| … | (summary truncated) | | |\n";
        let keep = limit.saturating_sub(note.chars().count() + cut.chars().count());
        let mut kept = String::new();
        for line in s.split_inclusive('\n') {
            if kept.chars().count() + line.chars().count() > keep {
                break;
            }
            kept.push_str(line);
        }
        s = kept + cut;
    }
    s + &note
}

/// The value of a top-level `key: value` line of a YAML document, if `line` is one.
fn top_level<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some(rest.trim())
}

fn unquote(s: &str) -> &str {
    let s = s.split(" #").next().unwrap_or(s).trim();
    s.trim_matches(|c| c == '"' || c == '\'')
}

/// One secret value found in a document: the line range it spans, its key and text.
struct SecretValue {
    start: usize,
    end: usize,
    /// `(document identity, section, key)`: values are paired across the two sides by it.
    id: (String, String, String),
    indent: String,
    key: String,
    value: String,
}

/// Finds the `data`/`stringData` values of the `kind: Secret` documents in a rendered file.
/// Line based, so the rest of the file is diffed exactly as rendered.
fn secret_values(lines: &[&str]) -> Vec<SecretValue> {
    let mut out = Vec::new();
    let mut doc_start = 0;
    let mut i = 0;
    while i <= lines.len() {
        if i == lines.len() || lines[i].trim_end() == "---" || lines[i].starts_with("--- ") {
            secret_doc(lines, doc_start, i, &mut out);
            doc_start = i + 1;
        }
        i += 1;
    }
    out
}

fn secret_doc(lines: &[&str], start: usize, end: usize, out: &mut Vec<SecretValue>) {
    let doc = &lines[start.min(end)..end];
    let is_secret = doc
        .iter()
        .any(|l| top_level(l, "kind").is_some_and(|v| unquote(v) == "Secret"));
    if !is_secret {
        // A Secret written in flow style (JSON) is not parsed: the whole document is masked
        // rather than risk printing its values.
        let flow_secret = doc.iter().any(|l| {
            let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            compact.contains("\"kind\":\"Secret\"")
        });
        if flow_secret && end > start {
            let body: Vec<&str> = doc
                .iter()
                .copied()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect();
            let first = doc
                .iter()
                .position(|l| !l.trim_start().starts_with('#'))
                .unwrap_or(0);
            out.push(SecretValue {
                start: start + first,
                end,
                id: (String::new(), "flow".into(), String::new()),
                indent: String::new(),
                key: "# Secret in flow style, masked".into(),
                value: body.join("\n"),
            });
        }
        return;
    }
    let mut name = String::new();
    let mut namespace = String::new();
    let mut in_meta = false;
    for l in doc {
        if !l.starts_with([' ', '\t']) && !l.is_empty() {
            in_meta = top_level(l, "metadata").is_some();
            continue;
        }
        if in_meta {
            let t = l.trim_start();
            let indent = l.len() - t.len();
            if indent == 2 {
                if let Some(v) = top_level(t, "name") {
                    name = unquote(v).to_string();
                } else if let Some(v) = top_level(t, "namespace") {
                    namespace = unquote(v).to_string();
                }
            }
        }
    }
    let ident = format!("{namespace}/{name}");
    let mut j = 0;
    while j < doc.len() {
        let l = doc[j];
        let section = ["data", "stringData"]
            .into_iter()
            .find(|s| top_level(l, s).is_some());
        let Some(section) = section else {
            j += 1;
            continue;
        };
        let inline = top_level(l, section).unwrap_or("");
        if !inline.is_empty()
            && !inline.starts_with('#')
            && inline != "{}"
            && inline != "null"
            && inline != "~"
        {
            // A flow mapping (or anything else) on the key's line: masked as one value.
            out.push(SecretValue {
                start: start + j,
                end: start + j + 1,
                id: (ident.clone(), section.into(), String::new()),
                indent: String::new(),
                key: section.into(),
                value: inline.to_string(),
            });
            j += 1;
            continue;
        }
        j += 1;
        let mut child_indent: Option<usize> = None;
        while j < doc.len() {
            let l = doc[j];
            let t = l.trim_start();
            if t.is_empty() || t.starts_with('#') {
                j += 1;
                continue;
            }
            let indent = l.len() - t.len();
            if indent == 0 {
                break;
            }
            let ci = *child_indent.get_or_insert(indent);
            if indent != ci {
                j += 1;
                continue;
            }
            // `key: value`, possibly quoted key, possibly a block scalar continuing below.
            let (key, value) = split_entry(t);
            let entry_start = j;
            let mut value = value.to_string();
            j += 1;
            while j < doc.len() {
                let n = doc[j];
                let nt = n.trim_start();
                let nind = n.len() - nt.len();
                if !nt.is_empty() && nind <= ci {
                    break;
                }
                value.push('\n');
                value.push_str(n);
                j += 1;
            }
            out.push(SecretValue {
                start: start + entry_start,
                end: start + j,
                id: (ident.clone(), section.into(), key.to_string()),
                indent: " ".repeat(ci),
                key: key.to_string(),
                value,
            });
        }
    }
}

/// `key: value` → (`key`, `value`); a line without `: ` is all key.
fn split_entry(t: &str) -> (&str, &str) {
    if let Some(rest) = t.strip_prefix('"').or_else(|| t.strip_prefix('\'')) {
        let q = &t[..1];
        if let Some(end) = rest.find(q) {
            let after = &rest[end + 1..];
            let value = after.strip_prefix(':').unwrap_or(after).trim();
            return (&t[..end + 2], value);
        }
    }
    match t.find(": ") {
        Some(k) => (&t[..k], t[k + 2..].trim()),
        None => (t.trim_end_matches(':'), ""),
    }
}

/// Masks the Secret `data`/`stringData` values of two versions of one rendered file, as Argo CD
/// does: a value becomes a run of `+`, equal values of one key on both sides get the same run
/// and different values different runs, so a diff shows that a value changed but never what it
/// is. Block-scalar values are folded into their key's line.
pub fn mask_pair(old: &str, new: &str) -> (String, String) {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let strip = |v: &[&str]| -> Vec<String> {
        v.iter()
            .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
            .collect()
    };
    let (ol, nl) = (strip(&old_lines), strip(&new_lines));
    let ol_ref: Vec<&str> = ol.iter().map(String::as_str).collect();
    let nl_ref: Vec<&str> = nl.iter().map(String::as_str).collect();
    let (ov, nv) = (secret_values(&ol_ref), secret_values(&nl_ref));
    if ov.is_empty() && nv.is_empty() {
        return (old.to_string(), new.to_string());
    }
    // Per key, each distinct value (base side first) gets the next longer run of `+`.
    let mut tokens: HashMap<&(String, String, String), Vec<&str>> = HashMap::new();
    for v in ov.iter().chain(nv.iter()) {
        let seen = tokens.entry(&v.id).or_default();
        if !seen.contains(&v.value.as_str()) {
            seen.push(&v.value);
        }
    }
    let apply = |lines: &[&str], values: &[SecretValue]| -> String {
        let mut out = String::new();
        let mut k = 0;
        let mut i = 0;
        while i < lines.len() {
            if let Some(v) = values.get(k).filter(|v| v.start == i) {
                let n = tokens[&v.id]
                    .iter()
                    .position(|x| *x == v.value)
                    .unwrap_or(0);
                let mask = "+".repeat(8 + n);
                let _ = write!(out, "{}{}: {}", v.indent, v.key, mask);
                let last = lines[v.end - 1];
                if last.ends_with('\n') {
                    out.push('\n');
                }
                i = v.end;
                k += 1;
                continue;
            }
            out.push_str(lines[i]);
            i += 1;
        }
        out
    };
    (apply(&old_lines, &ov), apply(&new_lines, &nv))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: c2VjcmV0\n  token: |\n    line1\n    line2\nstringData:\n  plain: hunter2\ntype: Opaque\n";

    #[test]
    fn masks_every_value_and_keeps_the_rest() {
        let (a, b) = mask_pair(SECRET, SECRET);
        assert_eq!(a, b);
        for secret in ["c2VjcmV0", "line1", "line2", "hunter2"] {
            assert!(!a.contains(secret), "{secret} leaked: {a}");
        }
        assert!(a.contains("  password: ++++++++\n"));
        assert!(a.contains("  token: ++++++++\n"));
        assert!(a.contains("  plain: ++++++++\n"));
        assert!(a.contains("type: Opaque\n"));
        assert!(a.contains("kind: Secret\n"));
    }

    #[test]
    fn changed_values_get_different_masks() {
        let new = SECRET.replace("hunter2", "hunter3");
        let (a, b) = mask_pair(SECRET, &new);
        assert!(a.contains("  plain: ++++++++\n"));
        assert!(b.contains("  plain: +++++++++\n"));
        assert!(b.contains("  password: ++++++++\n"));
        assert!(!b.contains("hunter"));
    }

    #[test]
    fn other_kinds_are_untouched() {
        let cm = SECRET.replace("kind: Secret", "kind: ConfigMap");
        let (a, _) = mask_pair(&cm, "");
        assert_eq!(a, cm);
    }

    #[test]
    fn flow_and_quoted_entries_are_masked() {
        let s = "kind: Secret\nmetadata:\n  name: x\ndata: {a: b3Blbg==}\n---\nkind: \"Secret\"\nstringData:\n  \"k: 1\": \"v\"\n";
        let (a, _) = mask_pair(s, "");
        assert!(!a.contains("b3Blbg=="), "{a}");
        assert!(!a.contains("\"v\""), "{a}");
        assert!(a.contains("data: ++++++++\n"));
    }

    #[test]
    fn json_secrets_are_masked_whole() {
        let s = "---\n# Source: c/templates/j.yaml\n{\"apiVersion\": \"v1\", \"kind\": \"Secret\",\n \"data\": {\"k\": \"dG9wc2VjcmV0\"}}\n";
        let t = s.replace("dG9wc2VjcmV0", "b3RoZXI=");
        let (a, b) = mask_pair(s, &t);
        assert!(
            !a.contains("dG9wc2VjcmV0") && !b.contains("b3RoZXI="),
            "{a}{b}"
        );
        assert!(a.contains("# Source: c/templates/j.yaml\n"), "{a}");
        assert_ne!(a, b);
    }

    fn rd(name: &str, lines: usize) -> ReleaseDiff {
        ReleaseDiff {
            release: name.into(),
            change: Change::Changed,
            added_lines: lines,
            removed_lines: 0,
            text: "+x\n".repeat(lines),
        }
    }

    #[test]
    fn markdown_drops_the_largest_bodies_first() {
        let diffs = vec![rd("big", 1000), rd("small", 2)];
        let full = markdown(&diffs, usize::MAX);
        assert!(full.contains("<details><summary>big"));
        let limited = markdown(&diffs, 1000);
        assert!(limited.chars().count() <= 1000, "{}", limited.len());
        assert!(limited.contains("| big | changed | 1000 | 0 |"));
        assert!(limited.contains("Diff omitted"));
        assert!(limited.contains("```diff\n+x\n+x\n```"));
        let tiny = markdown(&diffs, 200);
        assert!(tiny.chars().count() <= 200, "{tiny}");
        assert!(tiny.contains("All release diffs omitted"));
    }
}
