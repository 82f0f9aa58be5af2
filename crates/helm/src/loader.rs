//! Loading a chart directory or `.tgz` archive into a [`Chart`] tree, as helm's `chart/loader`
//! (v4.2.4's `pkg/chart/loader` and `pkg/chart/v2/loader`; v3.21.4's `pkg/chart/loader`).
//!
//! A directory is walked like helm's `sympath.Walk` (names sorted per directory, symlinks
//! followed) with the top chart's `.helmignore` (plus helm's default `templates/.?*`) applied to
//! every path, subcharts' included; an archive is read with its top directory stripped and helm's
//! path and size checks. `Chart.yaml`, `Chart.lock` and `requirements.*` are decoded with
//! sigs.k8s.io/yaml's typed semantics ([`typed`]), `values.yaml` as helm reads it (v4: one map
//! merged from every YAML document; v3: the first document), and the metadata is validated at
//! load as helm does. Error texts are helm's.

mod typed;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use gotmpl::Value;

use crate::HelmVersion;
use crate::capabilities::KubeVersion;
use crate::chart::{Chart, Data, File, Metadata};
use crate::ignore::{HELM_IGNORE, Rules};

/// A chart that cannot be loaded, with helm's message.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Message(String),
}

impl From<String> for LoadError {
    fn from(s: String) -> LoadError {
        LoadError::Message(s)
    }
}

/// helm's `MaxDecompressedChartSize` (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// helm's `MaxDecompressedFileSize` (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Loads the chart at `path` (a directory or a `.tgz` archive) as helm v4 does, subcharts
/// included.
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    load_for(path, HelmVersion::V4)
}

/// Loads the chart at `path` as the given helm does (they differ in how `values.yaml` is read
/// and in some error texts).
pub fn load_for(path: &Path, compat: HelmVersion) -> Result<Chart, LoadError> {
    load_observed(path, compat, &mut Unobserved)
}

/// Whoever watches a chart directory load: the render, which starts on the templates and the
/// values files while the rest loads ([`crate::engine::Speculation`]).
pub(crate) trait Observer {
    /// A file read at load, as it is read and in helm's walk order: its path from the top
    /// chart's directory, and its bytes.
    fn seen(&mut self, rel: &str, data: &Data);

    /// `values.yaml` at `rel` (from the top chart's directory) with exactly the bytes `data`,
    /// already decoded by [`decode_values`] elsewhere; `None` to have the loader decode it.
    fn values(&mut self, rel: &str, data: &Data) -> Option<Result<Value, String>>;
}

/// No one watches: archives, and loads outside a render.
pub(crate) struct Unobserved;

impl Observer for Unobserved {
    fn seen(&mut self, _: &str, _: &Data) {}

    fn values(&mut self, _: &str, _: &Data) -> Option<Result<Value, String>> {
        None
    }
}

/// [`load_for`], with `obs` watching a chart directory's load ([`Observer`]).
pub(crate) fn load_observed(
    path: &Path,
    compat: HelmVersion,
    obs: &mut dyn Observer,
) -> Result<Chart, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| go_path_error("stat", path, &e))?;
    if meta.is_dir() {
        load_dir(path, compat, obs)
    } else {
        load_file(path, compat)
    }
}

/// The name a chart whose `Chart.yaml` is `chart_yaml` gets once loaded, if that file decodes;
/// a guess for work started early (the load itself validates the metadata).
pub(crate) fn chart_name(chart_yaml: &[u8], compat: HelmVersion) -> Option<String> {
    if let Some(name) = plain_chart_name(chart_yaml) {
        return Some(name.to_string());
    }
    let pkg = match compat {
        HelmVersion::V4 => "v2",
        HelmVersion::V3 => "chart",
    };
    let fields = typed::unmarshal(chart_yaml, &typed::CHART_NAME, pkg).ok()??;
    fields.into_iter().find_map(|(name, d)| match (name, d) {
        ("name", typed::Decoded::Str(s)) => Some(sanitize(&s)),
        _ => None,
    })
}

/// helm's `LoadArchive`: a chart from the bytes of a `.tgz`.
pub fn load_archive(data: &[u8], compat: HelmVersion) -> Result<Chart, LoadError> {
    let files = load_archive_files(data, compat)?;
    Ok(load_files(files, compat, "", &mut Unobserved)?)
}

struct Buffered {
    name: String,
    data: Data,
}

fn load_dir(dir: &Path, compat: HelmVersion, obs: &mut dyn Observer) -> Result<Chart, LoadError> {
    let topdir = absolute(dir);
    if compat == HelmVersion::V4 {
        // v4's version-dispatching loader reads `Chart.yaml` first, for its apiVersion.
        let name = topdir.join("Chart.yaml");
        let data = std::fs::read(&name).map_err(|e| {
            format!(
                "unable to detect chart at {}: {}",
                name.display(),
                go_path_error("open", &name, &e)
            )
        })?;
        check_api_version(&data)?;
    }
    let mut rules = Rules::empty();
    let ifile = topdir.join(HELM_IGNORE);
    if ifile.exists() {
        let data = std::fs::read(&ifile).map_err(|e| go_path_error("open", &ifile, &e))?;
        rules = Rules::parse(&data).map_err(|e| e.0)?;
    }
    rules.add_defaults();
    let mut files = Vec::new();
    walk(&topdir, "", &rules, &mut files, obs)?;
    crate::phase("chart files read");
    Ok(load_files(files, compat, "", obs)?)
}

/// One directory level of helm's `sympath.Walk` with its loader's callback.
///
/// A file's type comes from the directory listing (`d_type`) and the files the loader reads are
/// read without asking their size first: on the VMs charts are rendered on, a system call costs
/// microseconds and a big chart has hundreds of files, so `lstat` is left to symlinks and to the
/// files that are only listed (whose size [`Data`] keeps).
fn walk(
    dir: &Path,
    rel: &str,
    rules: &Rules,
    files: &mut Vec<Buffered>,
    obs: &mut dyn Observer,
) -> Result<(), LoadError> {
    let mut names = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| go_path_error("open", dir, &e))?;
    for e in entries {
        let e = e.map_err(|e| go_path_error("readdirent", dir, &e))?;
        let path = e.path();
        let kind = e
            .file_type()
            .map_err(|e| go_path_error("lstat", &path, &e))?;
        names.push((e.file_name().to_string_lossy().into_owned(), path, kind));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, kind) in names {
        let n = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        // The type after following a symlink, and its metadata when that took a `stat`.
        let (is_dir, is_file, meta) = if kind.is_symlink() {
            let meta = std::fs::metadata(&path).map_err(|_| {
                LoadError::Message(format!(
                    "error evaluating symlink {}: {}",
                    path.display(),
                    eval_symlinks_error(&path)
                ))
            })?;
            (meta.is_dir(), meta.is_file(), Some(meta))
        } else {
            (kind.is_dir(), kind.is_file(), None)
        };
        if is_dir {
            if rules.ignore(&n, true) {
                continue;
            }
            walk(&path, &n, rules, files, obs)?;
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        if !is_file {
            return Err(LoadError::Message(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            )));
        }
        let too_large = || {
            LoadError::Message(format!(
                "chart file {} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}",
                go_quote(&name)
            ))
        };
        let read_error = |e| format!("error reading {n}: {}", go_path_error("open", &path, &e));
        let data = if read_at_load(&n) {
            let read = read_limited(&path, MAX_DECOMPRESSED_FILE_SIZE, is_template(&n));
            let Some(data) = read.map_err(|e| {
                // helm checks the size it listed before it reads.
                match std::fs::metadata(&path) {
                    Ok(m) if m.len() > MAX_DECOMPRESSED_FILE_SIZE => too_large(),
                    _ => LoadError::Message(read_error(e)),
                }
            })?
            else {
                return Err(too_large());
            };
            obs.seen(&n, &data);
            data
        } else {
            let meta = match meta {
                Some(m) => m,
                None => std::fs::symlink_metadata(&path)
                    .map_err(|e| go_path_error("lstat", &path, &e))?,
            };
            if meta.len() > MAX_DECOMPRESSED_FILE_SIZE {
                return Err(too_large());
            }
            // Opened now, so that a file helm could not read fails the load as in helm.
            std::fs::File::open(&path).map_err(read_error)?;
            Data::deferred(path, meta.len())
        };
        files.push(Buffered { name: n, data });
    }
    Ok(())
}

/// Whether the loader needs a file's bytes (a chart's metadata, values, schema, templates, a
/// subchart archive) rather than only `.Files`, which reads it when a template asks
/// ([`Data`]). `name` is relative to the top chart, so a subchart's files are under
/// `charts/NAME/`; a name that only looks special is read at load, which is merely early.
fn read_at_load(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    matches!(
        base,
        "Chart.yaml"
            | "Chart.lock"
            | "requirements.yaml"
            | "requirements.lock"
            | "values.yaml"
            | "values.schema.json"
            | HELM_IGNORE
    ) || base.ends_with(".tgz")
        || is_template(name)
}

/// Whether `name` (relative to the top chart) is under a chart's `templates/`.
fn is_template(name: &str) -> bool {
    name.starts_with("templates/") || name.contains("/templates/")
}

/// The error of Go's `filepath.EvalSymlinks` for a link that does not resolve: the `lstat` of
/// the first missing component of the (lexically cleaned) target.
fn eval_symlinks_error(link: &Path) -> String {
    let mut current = link.to_path_buf();
    for _ in 0..255 {
        let target = match std::fs::read_link(&current) {
            Ok(t) => t,
            Err(e) => return go_path_error("lstat", &current, &e).to_string(),
        };
        let resolved = match current.parent() {
            Some(dir) if target.is_relative() => absolute(&dir.join(&target)),
            _ => absolute(&target),
        };
        let mut prefix = PathBuf::new();
        let mut next_link = None;
        for c in resolved.components() {
            prefix.push(c);
            match std::fs::symlink_metadata(&prefix) {
                Err(e) => return go_path_error("lstat", &prefix, &e).to_string(),
                Ok(m) if m.file_type().is_symlink() => {
                    next_link = Some(prefix.clone());
                    break;
                }
                Ok(_) => {}
            }
        }
        match next_link {
            Some(l) => current = l,
            None => return format!("lstat {}: no such file or directory", resolved.display()),
        }
    }
    "EvalSymlinks: too many links".into()
}

fn strip_bom(data: Vec<u8>) -> Arc<[u8]> {
    match data.strip_prefix(UTF8_BOM) {
        Some(rest) => Arc::from(rest),
        None => Arc::from(data),
    }
}

/// `os.ReadFile` with the BOM stripped, read straight into the shared buffer the chart keeps
/// (no second copy of every file: fresh memory is most of a big chart's load time). `len` is
/// the size `lstat` saw; a file that changed size since is read again the plain way.
pub(crate) fn read_shared(path: &Path, len: u64) -> std::io::Result<Arc<[u8]>> {
    let mut f = std::fs::File::open(path)?;
    let Ok(len) = usize::try_from(len) else {
        return std::fs::read(path).map(strip_bom);
    };
    let mut data: Arc<[u8]> = std::iter::repeat_n(0u8, len).collect();
    let buf = Arc::get_mut(&mut data).expect("a fresh Arc has no other owner");
    let mut filled = 0;
    while filled < len {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut probe = [0u8; 1];
    if filled < len || f.read(&mut probe)? != 0 {
        return std::fs::read(path).map(strip_bom);
    }
    if data.starts_with(UTF8_BOM) {
        return Ok(Arc::from(&data[UTF8_BOM.len()..]));
    }
    Ok(data)
}

/// `os.ReadFile` with the BOM stripped, for a regular file whose size was not asked: `None`
/// when it holds more than `limit` bytes. Read through a per-thread buffer, then copied once
/// into the shared buffer the chart keeps (a copy costs less than the `lstat` it saves). Read
/// until a read returns nothing, as Go does: a short read is not the end on every file system.
///
/// A template (`text`) that is UTF-8 is kept as a string ([`Data::from`] an `Arc<str>`), which the
/// parser then shares instead of copying; the check is the one the parser would make anyway.
fn read_limited(path: &Path, limit: u64, text: bool) -> std::io::Result<Option<Data>> {
    const FIRST: usize = 256 * 1024;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut f = std::fs::File::open(path)?;
    BUF.with_borrow_mut(|buf| {
        if buf.is_empty() {
            buf.resize(FIRST, 0);
        }
        let mut filled = 0;
        loop {
            if filled == buf.len() {
                if filled as u64 > limit {
                    return Ok(None);
                }
                buf.resize(buf.len() * 2, 0);
            }
            match f.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled as u64 > limit {
            return Ok(None);
        }
        let data = &buf[..filled];
        let data = data.strip_prefix(UTF8_BOM).unwrap_or(data);
        if text && let Ok(s) = std::str::from_utf8(data) {
            return Ok(Some(Data::from(Arc::<str>::from(s))));
        }
        Ok(Some(Data::from(data)))
    })
}

fn load_file(path: &Path, compat: HelmVersion) -> Result<Chart, LoadError> {
    let name = path.display().to_string();
    let data = std::fs::read(path).map_err(|e| go_path_error("open", path, &e))?;
    ensure_archive(&name, &data)?;
    if compat == HelmVersion::V4 {
        // v4's version-dispatching loader reads the archive once to find Chart.yaml.
        let files = match load_archive_files(&data, compat) {
            Ok(f) => f,
            Err(GzipHeader(e)) => {
                return Err(LoadError::Message(format!(
                    "file '{name}' does not appear to be a valid chart file (details: {e})"
                )));
            }
            Err(_) => return Err(LoadError::Message("unable to load chart archive".into())),
        };
        let Some(chart_yaml) = files.iter().find(|f| f.name == "Chart.yaml") else {
            return Err(LoadError::Message(
                "unable to detect chart version, no Chart.yaml found".into(),
            ));
        };
        check_api_version(&chart_yaml.data)?;
        return Ok(load_files(files, compat, "", &mut Unobserved)?);
    }
    match load_archive_files(&data, compat) {
        Ok(files) => Ok(load_files(files, compat, "", &mut Unobserved)?),
        Err(GzipHeader(e)) => Err(LoadError::Message(format!(
            "file '{name}' does not appear to be a valid chart file (details: {e})"
        ))),
        Err(ArchiveError(e)) => Err(LoadError::Message(e)),
    }
}

/// helm v4's `chartBase` check: charts of apiVersion v1, v2 (or none) load as `chart/v2`.
fn check_api_version(chart_yaml: &[u8]) -> Result<(), LoadError> {
    let fields = typed::unmarshal(chart_yaml, &typed::CHART_BASE, "loader")
        .map_err(|e| format!("cannot load Chart.yaml: {e}"))?;
    let mut api = String::new();
    for (name, d) in fields.unwrap_or_default() {
        if let ("apiVersion", typed::Decoded::Str(s)) = (name, d) {
            api = s;
        }
    }
    match api.as_str() {
        "v1" | "v2" | "" => Ok(()),
        "v3" => Err(LoadError::Message(
            "charts of apiVersion v3 (helm v4's experimental chart format) are not supported"
                .into(),
        )),
        _ => Err(LoadError::Message("unsupported chart version".into())),
    }
}

/// helm's `EnsureArchive`: a useful error when the file is not gzip data.
fn ensure_archive(name: &str, data: &[u8]) -> Result<(), LoadError> {
    // helm sniffs its whole 512-byte buffer, zero padding included.
    let mut head = data[..data.len().min(512)].to_vec();
    head.resize(512, 0);
    let head = head.as_slice();
    if head.starts_with(b"\x1F\x8B\x08") {
        return Ok(());
    }
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        return Err(LoadError::Message(format!(
            "file '{name}' seems to be a YAML file, but expected a gzipped archive"
        )));
    }
    Err(LoadError::Message(format!(
        "file '{name}' does not appear to be a gzipped archive; got '{}'",
        detect_content_type(head)
    )))
}

/// The few answers of Go's `http.DetectContentType` a non-gzip chart file plausibly gets.
fn detect_content_type(data: &[u8]) -> &'static str {
    let sigs: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "application/zip"),
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"BZh", "application/x-bzip2"),
        (b"\xFD7zXZ\x00", "application/x-xz"),
        (b"7z\xBC\xAF\x27\x1C", "application/x-7z-compressed"),
        (b"\x7FELF", "application/octet-stream"),
    ];
    let ws = |b: &u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    let first = data.iter().position(|b| !ws(b)).unwrap_or(data.len());
    let trimmed = &data[first..];
    let lower: Vec<u8> = trimmed
        .iter()
        .take(16)
        .map(u8::to_ascii_lowercase)
        .collect();
    if lower.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    for tag in [&b"<!doctype html"[..], b"<html", b"<head", b"<body"] {
        if lower.starts_with(tag) {
            return "text/html; charset=utf-8";
        }
    }
    for (sig, ty) in sigs {
        if data.starts_with(sig) {
            return ty;
        }
    }
    if data.starts_with(b"\xFE\xFF") || data.starts_with(b"\xFF\xFE") {
        return "text/plain; charset=utf-16be";
    }
    if data.starts_with(UTF8_BOM) {
        return "text/plain; charset=utf-8";
    }
    let binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F);
    if data.iter().any(binary) {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

enum ArchiveFail {
    /// `gzip.ErrHeader`, which helm reports with the file name.
    GzipHeader(String),
    ArchiveError(String),
}
use ArchiveFail::{ArchiveError, GzipHeader};

impl From<ArchiveFail> for LoadError {
    fn from(f: ArchiveFail) -> LoadError {
        match f {
            GzipHeader(e) | ArchiveError(e) => LoadError::Message(e),
        }
    }
}

/// helm's `LoadArchiveFiles`: the files of a gzipped tar, top directory stripped, checked.
fn load_archive_files(data: &[u8], compat: HelmVersion) -> Result<Vec<Buffered>, ArchiveFail> {
    // Go's gzip.NewReader reads a 10-byte header first.
    if data.is_empty() {
        return Err(ArchiveError("EOF".into()));
    }
    if data.len() < 10 {
        return Err(ArchiveError("unexpected EOF".into()));
    }
    if data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err(GzipHeader("gzip: invalid header".into()));
    }
    let gz = flate2::read::MultiGzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError(go_io_text(&e)))?;
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    let too_big = match compat {
        HelmVersion::V4 => format!(
            "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
        ),
        HelmVersion::V3 => format!(
            "decompressed chart is larger than the maximum file size {MAX_DECOMPRESSED_CHART_SIZE}"
        ),
    };
    for entry in entries {
        let mut entry = entry.map_err(|e| ArchiveError(go_io_text(&e)))?;
        let header_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let et = entry.header().entry_type();
        let mode_dir = entry
            .header()
            .mode()
            .map(|m| m & 0o40000 != 0)
            .unwrap_or(false);
        if et.is_dir() || mode_dir {
            continue;
        }
        if et.is_pax_global_extensions() || et.is_pax_local_extensions() {
            continue;
        }
        let delimiter = if header_name.contains('\\') {
            '\\'
        } else {
            '/'
        };
        let parts: Vec<&str> = header_name.split(delimiter).collect();
        let n = parts[1..]
            .join(&delimiter.to_string())
            .replace(delimiter, "/");
        if n.starts_with('/') {
            return Err(ArchiveError(
                "chart illegally contains absolute paths".into(),
            ));
        }
        let n = sprig::path_clean(&n);
        if n == "." {
            return Err(ArchiveError(format!(
                "chart illegally contains content outside the base directory: {}",
                go_quote(&header_name)
            )));
        }
        if n.starts_with("..") {
            return Err(ArchiveError(
                "chart illegally references parent directory".into(),
            ));
        }
        let nb = n.as_bytes();
        if nb.len() >= 3 && nb[0].is_ascii_alphabetic() && nb[1] == b':' && nb[2] == b'/' {
            return Err(ArchiveError("chart contains illegally named files".into()));
        }
        if parts[0] == "Chart.yaml" {
            return Err(ArchiveError("chart yaml not in base directory".into()));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > remaining {
            return Err(ArchiveError(too_big));
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(ArchiveError(format!(
                "decompressed chart file {} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}",
                go_quote(&header_name)
            )));
        }
        let mut buf = Vec::new();
        let written = (&mut entry)
            .take(remaining)
            .read_to_end(&mut buf)
            .map_err(|e| ArchiveError(go_io_text(&e)))? as u64;
        remaining -= written;
        if written < size || remaining == 0 {
            return Err(ArchiveError(too_big));
        }
        files.push(Buffered {
            name: n,
            data: strip_bom(buf).into(),
        });
    }
    if files.is_empty() {
        return Err(ArchiveError("no files in chart archive".into()));
    }
    Ok(files)
}

/// helm's `LoadFiles`: a chart (and its subcharts) from its files. `dir` is the chart's
/// directory from the top chart's (`""`, `charts/sub/`) for `obs`.
fn load_files(
    files: Vec<Buffered>,
    compat: HelmVersion,
    dir: &str,
    obs: &mut dyn Observer,
) -> Result<Chart, String> {
    let pkg = match compat {
        HelmVersion::V4 => "v2",
        HelmVersion::V3 => "chart",
    };
    let mut c = Chart::default();
    let mut metadata: Option<Metadata> = None;
    let mut nil = typed::NilEntries::default();
    for f in &files {
        c.raw.push(File {
            name: f.name.clone(),
            data: f.data.clone(),
        });
        if f.name == "Chart.yaml" {
            let md = metadata.get_or_insert_with(Metadata::default);
            let fields = typed::unmarshal(&f.data, &typed::METADATA, pkg)
                .map_err(|e| format!("cannot load Chart.yaml: {e}"))?;
            if let Some(fields) = fields {
                typed::apply_metadata(md, fields, &mut nil);
            }
            if md.api_version.is_empty() {
                md.api_version = "v1".into();
            }
        }
    }
    let mut subcharts: BTreeMap<String, Vec<Buffered>> = BTreeMap::new();
    for f in files {
        // Each file is moved into its place: `raw` above already holds the copy helm keeps.
        let file = |f: Buffered| File {
            name: f.name,
            data: f.data,
        };
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                let what = f.name.clone();
                let fields = typed::unmarshal(&f.data, &typed::LOCK, pkg)
                    .map_err(|e| format!("cannot load {what}: {e}"))?;
                c.lock = Some(fields.map(typed::lock).unwrap_or_default());
                if what == "requirements.lock" {
                    let md = metadata.get_or_insert_with(Metadata::default);
                    if md.api_version == "v1" {
                        c.files.push(file(f));
                    }
                }
            }
            "values.yaml" => {
                let decoded = obs
                    .values(&format!("{dir}values.yaml"), &f.data)
                    .unwrap_or_else(|| decode_values(&f.data, compat));
                c.values = decoded.map_err(|e| format!("cannot load values.yaml: {e}"))?;
            }
            "values.schema.json" => c.schema = Some(f.data.to_vec()),
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(Metadata::default);
                let fields = typed::unmarshal(&f.data, &typed::METADATA, pkg)
                    .map_err(|e| format!("cannot load requirements.yaml: {e}"))?;
                if let Some(fields) = fields {
                    typed::apply_metadata(md, fields, &mut nil);
                }
                if md.api_version == "v1" {
                    c.files.push(file(f));
                }
            }
            name if name.starts_with("templates/") => c.templates.push(file(f)),
            name if name.starts_with("charts/") => {
                if ext(name) == ".prov" {
                    c.files.push(file(f));
                    continue;
                }
                let fname = &name["charts/".len()..];
                let cname = fname.split('/').next().unwrap_or_default().to_string();
                subcharts.entry(cname).or_default().push(Buffered {
                    name: fname.to_string(),
                    data: f.data,
                });
            }
            _ => c.files.push(file(f)),
        }
    }
    let Some(md) = metadata else {
        return Err("Chart.yaml file is missing".into());
    };
    c.metadata = md;
    validate(&mut c.metadata, &nil).map_err(|e| format!("validation: {e}"))?;

    // helm ranges over a Go map here (random order); sorted keeps canon deterministic.
    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sc = if ext(&n) == ".tgz" {
            let file = &files[0];
            if file.name != n {
                return Err(format!(
                    "error unpacking subchart tar in {}: expected {n}, got {}",
                    c.name(),
                    file.name
                ));
            }
            load_archive_files(&file.data, compat)
                .map_err(|e| match e {
                    GzipHeader(e) | ArchiveError(e) => e,
                })
                .and_then(|files| load_files(files, compat, "", &mut Unobserved))
        } else {
            let buff: Vec<Buffered> = files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(Buffered {
                        name: rest.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            load_files(buff, compat, &format!("{dir}charts/{n}/"), obs)
        };
        let sc = sc.map_err(|e| format!("error unpacking subchart {n} in {}: {e}", c.name()))?;
        c.dependencies.push(sc);
    }
    Ok(c)
}

/// The name of the common `Chart.yaml`, without decoding it: the one top-level `name: NAME`
/// line, NAME plain (letters, digits, `-`, `_`, `.`), optionally followed by a comment. Anything
/// else (quotes, flow style, a second `name` line) is left to the real decoder.
fn plain_chart_name(chart_yaml: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(chart_yaml).ok()?;
    let mut found = None;
    for line in text.split('\n') {
        let Some(rest) = line.strip_prefix("name:") else {
            if line.starts_with('{') || line.starts_with("\"name") || line.starts_with("'name") {
                return None;
            }
            continue;
        };
        if found.is_some() {
            return None;
        }
        let rest = rest.strip_suffix('\r').unwrap_or(rest);
        let value = match rest.find(" #") {
            Some(i) => &rest[..i],
            None => rest,
        };
        let value = value.trim_matches(|c| c == ' ' || c == '\t');
        let plain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
        if value.is_empty() || !value.bytes().all(plain) || !rest.starts_with([' ', '\t']) {
            return None;
        }
        found = Some(value);
    }
    found
}

/// `filepath.Ext`.
fn ext(name: &str) -> &str {
    let base_start = name.rfind('/').map_or(0, |i| i + 1);
    match name[base_start..].rfind('.') {
        Some(i) => &name[base_start + i..],
        None => "",
    }
}

/// `data` as text, invalid UTF-8 replaced. Valid text (nearly always) is checked by the fast
/// validator: `from_utf8_lossy` walks a big values file several times slower.
pub(crate) fn lossy(data: &[u8]) -> std::borrow::Cow<'_, str> {
    std::str::from_utf8(data)
        .map(std::borrow::Cow::Borrowed)
        .unwrap_or_else(|_| String::from_utf8_lossy(data))
}

/// `values.yaml` as the chart loader reads it (the message without the loader's prefix).
pub(crate) fn decode_values(data: &[u8], compat: HelmVersion) -> Result<Value, String> {
    let text = lossy(data);
    let target = goyaml::Target::Map("map[string]interface {}");
    match compat {
        HelmVersion::V3 => goyaml::sigs_unmarshal(&text, target).map_err(|e| e.message),
        HelmVersion::V4 => {
            let mut values = Value::map(BTreeMap::new());
            for doc in yaml_documents(&text)? {
                let doc: &str = &doc;
                let current = goyaml::sigs_unmarshal(doc, target)
                    .map_err(|e| format!("cannot unmarshal yaml document: {}", e.message))?;
                values = merge_maps(&values, &current);
            }
            Ok(values)
        }
    }
}

/// k8s.io/apimachinery's `YAMLReader`: documents split at lines starting with `---`.
fn yaml_documents(text: &str) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
    // The common case, one document with `\n` line ends, is the text itself (a big chart's
    // values.yaml is hundreds of kilobytes).
    if text.ends_with('\n')
        && !text.starts_with("---")
        && !text.contains("\n---")
        && !text.contains('\r')
    {
        return Ok(vec![std::borrow::Cow::Borrowed(text)]);
    }
    split_yaml_documents(text)
}

/// [`yaml_documents`] line by line.
fn split_yaml_documents(text: &str) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') || text.is_empty() {
        lines.pop();
    }
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim_matches(|c: char| c.is_whitespace());
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buf.is_empty() {
                // The separator line ends this document and belongs to none.
                docs.push(std::mem::take(&mut buf).into());
                continue;
            }
        }
        buf.push_str(line);
        buf.push('\n');
    }
    if !buf.is_empty() {
        docs.push(buf.into());
    }
    Ok(docs)
}

/// helm's `MergeMaps`: `b` over `a`, maps merged recursively.
fn merge_maps(a: &Value, b: &Value) -> Value {
    let (Value::Map(am), Value::Map(bm)) = (a, b) else {
        return b.clone();
    };
    let mut out = am.entries.read().unwrap_or_else(|p| p.into_inner()).clone();
    for (k, v) in bm.entries.read().unwrap_or_else(|p| p.into_inner()).iter() {
        if let (Value::Map(_), Some(existing @ Value::Map(_))) = (v, out.get(k)) {
            let merged = merge_maps(existing, v);
            out.insert(k.clone(), merged);
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    Value::map(out)
}

/// helm's `Metadata.Validate` (the `validation: ` prefix is added by the caller).
fn validate(md: &mut Metadata, nil: &typed::NilEntries) -> Result<(), String> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        *s = sanitize(s);
    }
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err("chart.metadata.apiVersion is required".into());
    }
    if md.name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if md.name == "." || md.name == ".." {
        return Err(format!(
            "chart.metadata.name {} is not allowed",
            go_quote(&md.name)
        ));
    }
    if md.name != go_base(&md.name) {
        return Err(format!(
            "chart.metadata.name {} is invalid",
            go_quote(&md.name)
        ));
    }
    if md.version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    // Masterminds v3.5.0 (helm's) also refuses versions over 256 bytes.
    if md.version.len() > 256 || sprig::semver_api::Version::parse(&md.version).is_err() {
        return Err(format!(
            "chart.metadata.version {} is invalid",
            go_quote(&md.version)
        ));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err("chart.metadata.type must be application or library".into());
    }
    if nil.maintainers {
        return Err("maintainers must not contain empty or null nodes".into());
    }
    for m in &mut md.maintainers {
        m.name = sanitize(&m.name);
        m.email = sanitize(&m.email);
        m.url = sanitize(&m.url);
    }
    let mut seen = std::collections::HashSet::new();
    if nil.dependencies {
        // helm validates in order and stops at the nil entry; earlier entries were fine or
        // would have failed first, which the alias check below reproduces.
        for d in &md.dependencies {
            check_alias(d)?;
        }
        return Err("dependencies must not contain empty or null nodes".into());
    }
    for d in &mut md.dependencies {
        d.name = sanitize(&d.name);
        d.version = sanitize(&d.version);
        d.repository = sanitize(&d.repository);
        d.condition = sanitize(&d.condition);
        for t in &mut d.tags {
            *t = sanitize(t);
        }
        check_alias(d)?;
        let key = if d.alias.is_empty() {
            d.name.clone()
        } else {
            d.alias.clone()
        };
        if !seen.insert(key.clone()) {
            return Err(format!(
                "more than one dependency with name or alias {}",
                go_quote(&key)
            ));
        }
    }
    Ok(())
}

fn check_alias(d: &crate::chart::Dependency) -> Result<(), String> {
    let ok = d
        .alias
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !d.alias.is_empty() && !ok {
        return Err(format!(
            "dependency {} has disallowed characters in the alias",
            go_quote(&d.name)
        ));
    }
    Ok(())
}

/// helm's `sanitizeString`: whitespace becomes a space, unprintable runes are dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || is_format_char(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Unicode Cf (format) runes, which Go's `unicode.IsPrint` rejects.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// Go's `filepath.Base`.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// `filepath.Abs`: joined with the working directory and cleaned lexically.
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn go_quote(s: &str) -> String {
    gotmpl::fmt::sprintf("%q", &[Value::string(s)])
}

/// The text Go's `syscall.Errno` prints for an I/O error (`no such file or directory`).
fn go_io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => s,
    }
}

/// Go's `*fs.PathError` text: `open PATH: no such file or directory`.
fn go_path_error(op: &str, path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Message(format!("{op} {}: {}", path.display(), go_io_text(e)))
}

/// `json.Marshal` of helm's `*chart.Metadata` (what `{{ .Chart | toJson }}` prints): fields in
/// the struct's order, `omitempty` as tagged.
pub fn metadata_json(md: &Metadata) -> String {
    let s = json_string;
    let list = |l: &[String]| format!("[{}]", l.iter().map(|x| s(x)).collect::<Vec<_>>().join(","));
    let mut out = Vec::new();
    for (k, v) in [("name", &md.name), ("home", &md.home)] {
        if !v.is_empty() {
            out.push(format!("\"{k}\":{}", s(v)));
        }
    }
    if !md.sources.is_empty() {
        out.push(format!("\"sources\":{}", list(&md.sources)));
    }
    for (k, v) in [("version", &md.version), ("description", &md.description)] {
        if !v.is_empty() {
            out.push(format!("\"{k}\":{}", s(v)));
        }
    }
    if !md.keywords.is_empty() {
        out.push(format!("\"keywords\":{}", list(&md.keywords)));
    }
    if !md.maintainers.is_empty() {
        let items: Vec<String> = md
            .maintainers
            .iter()
            .map(|m| {
                let f: Vec<String> = [("name", &m.name), ("email", &m.email), ("url", &m.url)]
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| format!("\"{k}\":{}", s(v)))
                    .collect();
                format!("{{{}}}", f.join(","))
            })
            .collect();
        out.push(format!("\"maintainers\":[{}]", items.join(",")));
    }
    for (k, v) in [
        ("icon", &md.icon),
        ("apiVersion", &md.api_version),
        ("condition", &md.condition),
        ("tags", &md.tags),
        ("appVersion", &md.app_version),
    ] {
        if !v.is_empty() {
            out.push(format!("\"{k}\":{}", s(v)));
        }
    }
    if md.deprecated {
        out.push("\"deprecated\":true".into());
    }
    if !md.annotations.is_empty() {
        let items: Vec<String> = md
            .annotations
            .iter()
            .map(|(k, v)| format!("{}:{}", s(k), s(v)))
            .collect();
        out.push(format!("\"annotations\":{{{}}}", items.join(",")));
    }
    if !md.kube_version.is_empty() {
        out.push(format!("\"kubeVersion\":{}", s(&md.kube_version)));
    }
    if !md.dependencies.is_empty() {
        let items: Vec<String> = md.dependencies.iter().map(dependency_json).collect();
        out.push(format!("\"dependencies\":[{}]", items.join(",")));
    }
    if !md.chart_type.is_empty() {
        out.push(format!("\"type\":{}", s(&md.chart_type)));
    }
    format!("{{{}}}", out.join(","))
}

/// `json.Marshal` of helm's `*chart.Dependency`.
pub fn dependency_json(d: &crate::chart::Dependency) -> String {
    let s = json_string;
    let mut f = vec![format!("\"name\":{}", s(&d.name))];
    if !d.version.is_empty() {
        f.push(format!("\"version\":{}", s(&d.version)));
    }
    f.push(format!("\"repository\":{}", s(&d.repository)));
    if !d.condition.is_empty() {
        f.push(format!("\"condition\":{}", s(&d.condition)));
    }
    if !d.tags.is_empty() {
        let t: Vec<String> = d.tags.iter().map(|x| s(x)).collect();
        f.push(format!("\"tags\":[{}]", t.join(",")));
    }
    if d.enabled {
        f.push("\"enabled\":true".into());
    }
    if !d.import_values.is_empty() {
        let v = goyaml::to_json(&Value::list(d.import_values.clone())).unwrap_or_default();
        f.push(format!("\"import-values\":{v}"));
    }
    if !d.alias.is_empty() {
        f.push(format!("\"alias\":{}", s(&d.alias)));
    }
    format!("{{{}}}", f.join(","))
}

fn json_string(v: &str) -> String {
    goyaml::to_json(&Value::string(v)).unwrap_or_default()
}

/// helm's `action.CheckDependencies`: every `dependencies:` entry of `chart` is present under
/// `charts/` (a loaded subchart whose `name` equals the entry's `name`; aliases do not count),
/// else helm's "found in Chart.yaml, but missing in charts/ directory" error.
pub fn check_dependencies(chart: &Chart) -> Result<(), LoadError> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(LoadError::Message(format!(
            "found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        )))
    }
}

/// [`check_dependencies`] with the text `helm template`/`helm install` wrap it in (its
/// `--dependency-update` hint), as each helm prints it.
pub fn check_dependencies_for(chart: &Chart, compat: HelmVersion) -> Result<(), LoadError> {
    check_dependencies(chart).map_err(|LoadError::Message(m)| {
        LoadError::Message(match compat {
            HelmVersion::V4 => format!(
                "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: {m}"
            ),
            HelmVersion::V3 => format!(
                "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: {m}"
            ),
        })
    })
}

/// helm's check of the chart's `kubeVersion` constraint against the target Kubernetes
/// (`chartutil.IsCompatibleRange` in `action.renderResources`): helm's error when it does not
/// hold (an unparsable constraint never holds).
pub fn check_kube_version(chart: &Chart, kube: &KubeVersion) -> Result<(), LoadError> {
    let constraint = &chart.metadata.kube_version;
    if constraint.is_empty() || is_compatible_range(constraint, kube.string()) {
        return Ok(());
    }
    Err(LoadError::Message(format!(
        "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {}",
        kube.version
    )))
}

/// helm's `chartutil.IsCompatibleRange`: `ver` satisfies the Masterminds semver `constraint`.
pub fn is_compatible_range(constraint: &str, ver: &str) -> bool {
    // Masterminds v3.5.0 (helm's; Sprig's port follows v3.3.0) refuses constraints over 512
    // bytes or 32 `||` groups and versions over 256 bytes. Its other change, prereleases
    // allowed per `||` group, cannot show here: helm passes a normalized version, no prerelease.
    if constraint.len() > 512 || constraint.split("||").count() > 32 || ver.len() > 256 {
        return false;
    }
    sprig::semver_api::semver_compare(constraint, ver).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        assert_eq!(sprig::path_clean("a/../../b"), "../b");
        assert_eq!(sprig::path_clean("a/./b/"), "a/b");
        assert_eq!(sprig::path_clean(""), ".");
        assert_eq!(sprig::path_clean("a/.."), ".");
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(ext("charts/x.tgz"), ".tgz");
        assert_eq!(ext("a.b/c"), "");
    }

    #[test]
    fn templates_are_read_as_text_when_they_are_utf8() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("templates")).expect("mkdir");
        std::fs::write(
            root.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        )
        .expect("write");
        std::fs::write(root.join("templates/a.yaml"), b"\xEF\xBB\xBFa: {{ 1 }}\n").expect("write");
        std::fs::write(root.join("templates/b.yaml"), b"b: \xff\n").expect("write");
        std::fs::write(root.join("notes.txt"), "n\n").expect("write");
        let chart = load(root).expect("loads");
        let template = |name: &str| {
            chart
                .templates
                .iter()
                .find(|f| f.name == name)
                .expect("a template")
                .data
                .clone()
        };
        // UTF-8, BOM stripped: shared as text, and the same bytes through every view.
        let a = template("templates/a.yaml");
        assert_eq!(a.shared_text().as_deref(), Some("a: {{ 1 }}\n"));
        assert_eq!(&*a, b"a: {{ 1 }}\n");
        assert_eq!(&*a.shared(), b"a: {{ 1 }}\n");
        // Not UTF-8: kept as bytes, for the parser's lossy decoding.
        let b = template("templates/b.yaml");
        assert_eq!(b.shared_text(), None);
        assert_eq!(&*b, b"b: \xff\n");
        // Other files are never text.
        let notes = chart
            .files
            .iter()
            .find(|f| f.name == "notes.txt")
            .expect("a file");
        assert_eq!(notes.data.shared_text(), None);
    }

    #[test]
    fn yaml_reader_splits_like_apimachinery() {
        assert_eq!(
            yaml_documents("a: 1\n---\nb: 2\n--- # c\nc: 3").expect("splits"),
            vec!["a: 1\n", "b: 2\n", "c: 3\n"]
        );
        assert_eq!(
            yaml_documents("a: 1\n---x\n"),
            Err("error reading yaml document: invalid Yaml document separator: x".into())
        );
        for text in [
            "a: 1\nb: 2\n",
            "\n",
            "a:\n  - x\n  ---y\n",
            "a: \"--- x\"\n",
        ] {
            assert_eq!(yaml_documents(text), split_yaml_documents(text), "{text:?}");
        }
    }

    #[test]
    fn only_files_no_template_is_made_of_wait_for_their_first_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, text: &[u8]| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        write("Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\n");
        write("templates/cm.yaml", b"a");
        write("crds/x.yaml", b"\xEF\xBB\xBFkind: X\n");
        write(
            "charts/sub/Chart.yaml",
            b"apiVersion: v2\nname: sub\nversion: 1.0.0\n",
        );
        write("charts/sub/templates/t.yaml", b"b");
        write("charts/sub/README.md", b"old");
        let c = load_dir(dir.path(), HelmVersion::V4, &mut Unobserved).expect("loads");
        // Rewritten after the load: templates keep what was read, the others show the new
        // bytes (BOM stripped), read when first asked for.
        write("templates/cm.yaml", b"changed");
        write("crds/x.yaml", b"\xEF\xBB\xBFkind: Y\n");
        write("charts/sub/README.md", b"new");
        assert_eq!(&*c.templates[0].data, b"a");
        let crd = c
            .files
            .iter()
            .find(|f| f.name == "crds/x.yaml")
            .expect("crd");
        assert_eq!(&*crd.data, b"kind: Y\n");
        let sub = &c.dependencies[0];
        assert_eq!(&*sub.templates[0].data, b"b");
        assert_eq!(&*sub.files[0].data, b"new");
        assert!(read_at_load("charts/sub/values.yaml") && read_at_load("charts/x-1.0.0.tgz"));
        assert!(!read_at_load("files/templates.txt") && !read_at_load("crds/a.yaml"));
    }

    #[test]
    fn reads_plain_chart_names_and_leaves_the_rest_to_the_decoder() {
        let name = |s: &str| chart_name(s.as_bytes(), HelmVersion::V4);
        assert_eq!(
            name("apiVersion: v2\nname: kps # c\nversion: 1\n").as_deref(),
            Some("kps")
        );
        assert_eq!(name("name:\tkps.x_1\r\n").as_deref(), Some("kps.x_1"));
        assert_eq!(plain_chart_name(b"name: \"q\"\n"), None);
        assert_eq!(name("name: \"q\"\n").as_deref(), Some("q"));
        assert_eq!(plain_chart_name(b"name: a\nname: b\n"), None);
        assert_eq!(plain_chart_name(b"{name: a}\n"), None);
        assert_eq!(plain_chart_name(b"name: a b\n"), None);
        assert_eq!(name("name: a b\n").as_deref(), Some("a b"));
        assert_eq!(plain_chart_name(b"version: 1\n"), None);
        assert_eq!(plain_chart_name(b"name:x\n"), None);
    }

    #[test]
    fn sanitizes_like_helm() {
        assert_eq!(sanitize("a\tb\u{200b}c\u{7}"), "a bc");
    }
}
