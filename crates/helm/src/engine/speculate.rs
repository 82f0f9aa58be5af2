//! Template parsing started while the chart is still loading: parsing a template needs only its
//! name, its text and the names of the functions, not the values, the dependencies or the
//! coalescing that come between loading and rendering. On a big chart (kube-prometheus-stack)
//! the parse is the largest phase; started on a worker as soon as the loader has read each
//! template, most of it is done by the time the main thread reaches the render, which then
//! parses what is left together with the worker instead of alone or waiting.
//!
//! The guesses are checked, never trusted: a speculative result is used only for a template the
//! render asks for under exactly that name and with exactly that text (an alias renames a
//! subchart, so its templates' names change; a disabled subchart's templates are not asked
//! for), everything else is parsed at the render. Errors are per file, so the render reports
//! the first error in helm's order among the templates it renders, and the error of a
//! template it does not render never shows.
//!
//! The worker parses against the very set the render then executes (its functions already
//! installed), so the trees resolve their functions exactly as if the render had parsed them.
//!
//! The worker also prepares each `values.schema.json` (its parse and metaschema check, which do
//! not depend on the values: [`crate::schema::prepared`]) ahead of the templates, as the
//! schema is validated before anything is rendered: read from disk as soon as the chart's
//! `Chart.yaml` is seen, long before the walk reaches it. The main thread, when it reaches the
//! validation first, parses templates until the schemas are ready. What is prepared is keyed
//! by the schema's bytes, so a file that changed or was ignored since is merely not used.
//!
//! Each chart's `values.yaml` is decoded ahead of everything, also read from disk when its
//! `Chart.yaml` is seen: the loader needs it first, and the top chart's comes last in the walk
//! (kube-prometheus-stack's is 200 KB of YAML, two milliseconds of the main thread's load).
//! The loader takes a decoded file only for that path with exactly those bytes
//! ([`crate::loader::Observer::values`]), waits for one being decoded, and decodes itself one
//! not yet started (which then is not decoded twice).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use gotmpl::{Parsed, Template};

use super::EngineOptions;
use crate::chart::Data;
use gotmpl::Value;

/// Template text offered before a worker is started: below it, a chart parses faster on the
/// main thread at the render than a new thread (and its fresh heap) would pay back.
const SPAWN_BYTES: usize = 64 * 1024;

/// How much more a schema byte costs to prepare than a template byte to parse (about 170 and
/// 40 instructions).
const SCHEMA_WEIGHT: usize = 4;

/// A speculative parse of a chart's templates, fed by the loader (see the module doc).
pub(crate) struct Speculation {
    shared: Arc<Shared>,
    /// Chart directories of the walk (`""`, `charts/sub/`) → the chart's full template path
    /// (`top`, `top/charts/sub`), from each directory's `Chart.yaml`.
    charts: HashMap<String, String>,
    compat: crate::HelmVersion,
    /// Whether the values will be validated against the schemas (no `--skip-schema-validation`).
    schemas: bool,
    /// The top chart's directory.
    root: PathBuf,
    /// Chart directories whose schema is queued.
    schema_dirs: HashSet<String>,
    spawned: bool,
}

struct Shared {
    compat: crate::HelmVersion,
    /// The render's set: its functions and options are installed, no template is in it yet.
    set: Template,
    state: Mutex<State>,
    /// Signalled when work is queued, a parse ends, or the queue is closed.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    jobs: Vec<Job>,
    by_name: HashMap<String, usize>,
    /// Jobs not yet taken, in the order they will be.
    queue: VecDeque<usize>,
    /// Parses taken but not finished.
    running: usize,
    /// No more jobs will be queued: a worker with nothing left to take ends.
    closed: bool,
    /// Work queued so far, in template text bytes.
    bytes: usize,
    /// Schema jobs queued or running.
    schemas_pending: usize,
    /// Threads waiting on `changed`.
    waiting: usize,
    /// Template text bytes queued and not yet taken.
    unclaimed: usize,
    /// The `values.yaml` jobs by path from the top chart's directory.
    values: HashMap<String, usize>,
}

/// Queued template bytes that wake a waiting worker: a wake-up costs system calls on both
/// threads, so while the load outpaces it the worker takes templates in batches.
const WAKE_BYTES: usize = 16 * 1024;

struct Job {
    /// The template's name; empty for a schema and a values file.
    name: String,
    text: Data,
    kind: Kind,
    /// Not needed by the render: not parsed if not yet taken.
    dropped: bool,
    /// Taken by a thread, and done (with or without a result).
    taken: bool,
    done: bool,
    result: Option<Result<Parsed, gotmpl::Error>>,
    values: Option<Result<Value, String>>,
}

impl Job {
    fn new(name: String, text: Data, kind: Kind) -> Job {
        Job {
            name,
            text,
            kind,
            dropped: false,
            taken: false,
            done: false,
            result: None,
            values: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Template,
    Schema,
    Values,
}

impl Speculation {
    /// A speculation for a render with `opts`; `None` if its set cannot be built (the render
    /// then reports why).
    pub(crate) fn new(opts: &EngineOptions, schemas: bool, root: PathBuf) -> Option<Speculation> {
        let set = super::new_set(opts).ok()?;
        Some(Speculation {
            shared: Arc::new(Shared {
                compat: opts.compat,
                set,
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
            }),
            charts: HashMap::new(),
            compat: opts.compat,
            schemas,
            root,
            schema_dirs: HashSet::new(),
            spawned: false,
        })
    }

    /// A file the loader read: `rel` is its path from the top chart's directory. Chart.yaml
    /// files name the charts; templates are queued under the name the render will give them
    /// if nothing renames their chart.
    pub(crate) fn offer(&mut self, rel: &str, data: &Data) {
        let (dir, base) = match rel.rfind('/') {
            Some(i) => rel.split_at(i + 1),
            None => ("", rel),
        };
        if base == "Chart.yaml" {
            self.offer_chart(dir, data);
        } else if base == "values.schema.json" {
            if self.schemas && self.charts.contains_key(dir) && self.schema_dirs.insert(dir.into())
            {
                self.queue_schema(data.clone(), data.len());
            }
        } else if let Some(name) = self.template_name(rel) {
            self.queue(name, data.clone());
        }
    }

    fn offer_chart(&mut self, dir: &str, data: &Data) {
        let full = if dir.is_empty() {
            crate::loader::chart_name(data, self.compat)
        } else {
            // A subchart directory is `PARENT/charts/NAME/` with PARENT a chart directory;
            // `_` and `.` directories are not loaded.
            let Some(inner) = dir.strip_suffix('/') else {
                return;
            };
            let Some((parent, sub)) = inner.rsplit_once('/') else {
                return;
            };
            let Some(parent_dir) = parent.strip_suffix("charts") else {
                return;
            };
            if sub.starts_with('_') || sub.starts_with('.') {
                return;
            }
            if !(parent_dir.is_empty() || parent_dir.ends_with('/')) {
                return;
            }
            let Some(parent_full) = self.charts.get(parent_dir) else {
                return;
            };
            let parent_full = parent_full.clone();
            crate::loader::chart_name(data, self.compat)
                .map(|name| format!("{parent_full}/charts/{name}"))
        };
        if let Some(full) = full {
            self.charts.insert(dir.to_string(), full);
            let values = self.root.join(dir).join("values.yaml");
            // Not a directory, a device or a pipe (which would block the worker), nor a file
            // the loader refuses.
            if let Ok(meta) = std::fs::metadata(&values)
                && meta.is_file()
                && meta.len() <= crate::loader::MAX_DECOMPRESSED_FILE_SIZE
            {
                let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
                let text = Data::deferred(values, meta.len());
                self.queue_values(format!("{dir}values.yaml"), text, len);
            }
            if self.schemas {
                let path = self.root.join(dir).join("values.schema.json");
                if let Ok(meta) = std::fs::metadata(&path)
                    && meta.is_file()
                {
                    self.schema_dirs.insert(dir.to_string());
                    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
                    self.queue_schema(Data::deferred(path, meta.len()), len);
                }
            }
        }
    }

    /// The render's name of the file at `rel` if it is a template of a chart seen so far: the
    /// first `templates/` directory whose parent is a chart directory (a chart's files under
    /// `templates/` are all templates, even ones under a nested `charts/`).
    fn template_name(&self, rel: &str) -> Option<String> {
        let mut from = 0;
        while let Some(i) = rel[from..].find("templates/") {
            let at = from + i;
            if at == 0 || rel.as_bytes()[at - 1] == b'/' {
                let dir = &rel[..at];
                if let Some(full) = self.charts.get(dir) {
                    // The walk's names are clean (no `.`, `..` or empty parts), so this is
                    // the render's cleaned `path.Join` without the cleaning.
                    return Some(format!("{full}/{}", &rel[at..]));
                }
            }
            from = at + 1;
        }
        None
    }

    fn queue(&mut self, name: String, text: Data) {
        let mut st = self.shared.lock();
        if st.closed || st.by_name.contains_key(&name) {
            return;
        }
        let len = text.len();
        st.bytes += len;
        let i = st.jobs.len();
        st.by_name.insert(name.clone(), i);
        st.jobs.push(Job::new(name, text, Kind::Template));
        st.queue.push_back(i);
        st.unclaimed += len;
        let start = !self.spawned && st.bytes >= SPAWN_BYTES;
        if st.unclaimed >= WAKE_BYTES {
            self.shared.wake(st);
        } else {
            drop(st);
        }
        if start {
            self.spawn();
        }
    }

    /// Queues a schema's preparation ahead of the templates: it is needed first.
    /// `len` is the file's size: a schema to read is not read here.
    fn queue_schema(&mut self, text: Data, len: usize) {
        let mut st = self.shared.lock();
        if st.closed {
            return;
        }
        st.schemas_pending += 1;
        let weight = len.saturating_mul(SCHEMA_WEIGHT);
        if self.shared.push_front(st, text, Kind::Schema, weight) {
            self.spawn();
        }
    }

    /// Queues the decoding of the `values.yaml` at `rel` in front of all: the loader needs it
    /// before anything else is done. `len` is the file's size: the file is not read here.
    fn queue_values(&mut self, rel: String, text: Data, len: usize) {
        let mut st = self.shared.lock();
        if st.closed || st.values.contains_key(&rel) {
            return;
        }
        let i = st.jobs.len();
        st.values.insert(rel, i);
        if self.shared.push_front(st, text, Kind::Values, len) {
            self.spawn();
        }
    }

    /// Starts the worker (at most one: the machine this is tuned for has two cores, and the
    /// main thread parses too once it reaches the render).
    fn spawn(&mut self) {
        if self.spawned || crate::cores() < 2 {
            return;
        }
        let shared = self.shared.clone();
        let started =
            gotmpl::threads::spawn_named(c"helm-parse", move || shared.work(Until::Closed));
        // Without a thread, the render parses everything itself.
        self.spawned = started.is_ok();
    }

    /// Waits until the schemas queued so far are prepared, parsing templates meanwhile: the
    /// values are validated next.
    pub(crate) fn prepare_schemas(&self) {
        {
            // The load is over: a values file it did not ask for (ignored) is not needed.
            let mut st = self.shared.lock();
            for job in st.jobs.iter_mut().filter(|j| j.kind == Kind::Values) {
                job.dropped = true;
            }
        }
        self.shared.work(Until::Schemas);
    }

    /// The render's parse: every `(name, text)` in helm's order (`big`: their total reaches the
    /// size where a second thread pays), from speculation where it guessed exactly, parsed now
    /// otherwise. Returns the set to execute (functions installed) and each file's result.
    pub(crate) fn finish(
        mut self,
        texts: &[(&str, &Data)],
        big: bool,
    ) -> (Template, Vec<Result<Parsed, gotmpl::Error>>) {
        let mut slots = Vec::with_capacity(texts.len());
        {
            let mut st = self.shared.lock();
            st.closed = true;
            let mut needed = vec![false; st.jobs.len()];
            for (name, text) in texts {
                let known = st.by_name.get(*name).copied();
                let i = match known {
                    Some(i) if st.jobs[i].text == **text => i,
                    _ => {
                        // Not guessed, or guessed with another text: a job of its own.
                        let i = st.jobs.len();
                        st.jobs
                            .push(Job::new(name.to_string(), (*text).clone(), Kind::Template));
                        st.queue.push_back(i);
                        needed.push(false);
                        i
                    }
                };
                needed[i] = true;
                slots.push(i);
            }
            for (job, needed) in st.jobs.iter_mut().zip(needed) {
                job.dropped = !needed;
            }
            // Every job is known now and this thread joins the worker: the biggest templates go
            // first, so that the two finish together (a big template left to one thread at the
            // end kept the other waiting for it, up to a millisecond on kube-prometheus-stack).
            // Schemas stay in front, unmeasured: a schema's text may not be read yet.
            let State { queue, jobs, .. } = &mut *st;
            queue
                .make_contiguous()
                .sort_by_key(|&i| match jobs[i].kind {
                    Kind::Template => (true, std::cmp::Reverse(jobs[i].text.len())),
                    Kind::Schema | Kind::Values => (false, std::cmp::Reverse(0)),
                });
            let left = !st.queue.is_empty();
            self.shared.wake(st);
            if left && big && !self.spawned {
                self.spawn();
            }
        }
        self.shared.work(Until::Empty);
        let mut st = self.shared.lock();
        while st.running > 0 {
            st = self.shared.wait(st);
        }
        let results: Vec<_> = slots.iter().map(|&i| st.jobs[i].result.take()).collect();
        drop(st);
        let results = results
            .into_iter()
            .zip(texts)
            .map(|(r, (name, text))| {
                r.unwrap_or_else(|| super::parse_one(&self.shared.set, name, text))
            })
            .collect();
        (self.shared.set.clone(), results)
    }
}

impl crate::loader::Observer for Speculation {
    fn seen(&mut self, rel: &str, data: &Data) {
        self.offer(rel, data);
    }

    fn values(&mut self, rel: &str, data: &Data) -> Option<Result<Value, String>> {
        let mut st = self.shared.lock();
        let i = *st.values.get(rel)?;
        loop {
            let job = &mut st.jobs[i];
            if !job.taken {
                // Faster decoded here than waited for.
                job.dropped = true;
                return None;
            }
            if job.done {
                // The bytes the worker read are those the loader read, or its result is not
                // for this file (which changed in between).
                return match job.text == *data {
                    true => job.values.take(),
                    false => None,
                };
            }
            st = self.shared.wait(st);
        }
    }
}

impl Drop for Speculation {
    /// A load or check failed, or the render found its set cached: nothing more is needed.
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.closed = true;
        st.queue.clear();
        self.shared.wake(st);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a change, counted in `st.waiting` so that [`Shared::wake`] knows whether to
    /// wake anyone: a condition variable's signal is a system call even with no waiter, and
    /// there is one change per template.
    fn wait<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        st.waiting += 1;
        let mut st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        st.waiting -= 1;
        st
    }

    /// Puts a job of `kind` for `text` in front of the queue, `weight` bytes of work, and wakes
    /// the worker; whether the work queued so far is enough to start one.
    fn push_front(
        &self,
        mut st: MutexGuard<'_, State>,
        text: Data,
        kind: Kind,
        weight: usize,
    ) -> bool {
        st.bytes = st.bytes.saturating_add(weight);
        let i = st.jobs.len();
        st.jobs.push(Job::new(String::new(), text, kind));
        st.queue.push_front(i);
        let enough = st.bytes >= SPAWN_BYTES;
        self.wake(st);
        enough
    }

    /// Releases `st` after a change and wakes whoever waits for one.
    fn wake(&self, st: MutexGuard<'_, State>) {
        let waiting = st.waiting > 0;
        drop(st);
        if waiting {
            self.changed.notify_all();
        }
    }

    /// Takes queued jobs until there are none (`Until::Empty`), until the queue is closed and
    /// empty (the worker, which waits for more), or until no schema is pending.
    fn work(&self, until: Until) {
        loop {
            let (i, name, text, kind) = {
                let mut st = self.lock();
                loop {
                    if until == Until::Schemas && st.schemas_pending == 0 {
                        return;
                    }
                    if let Some(i) = st.queue.pop_front() {
                        // Only templates count (and are read): other files are read when done.
                        if st.jobs[i].kind == Kind::Template {
                            st.unclaimed = st.unclaimed.saturating_sub(st.jobs[i].text.len());
                        }
                        if st.jobs[i].dropped {
                            continue;
                        }
                        st.running += 1;
                        let job = &mut st.jobs[i];
                        job.taken = true;
                        break (i, job.name.clone(), job.text.clone(), job.kind);
                    }
                    match until {
                        Until::Empty => return,
                        Until::Closed if st.closed => return,
                        _ => {}
                    }
                    st = self.wait(st);
                }
            };
            // A job that panics (a bug) leaves no result, never a waiter that waits forever:
            // the render parses a template without a result itself, and fails there as
            // it would have without speculation.
            let (result, values) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match kind {
                    Kind::Schema => {
                        crate::schema::prepared(&text);
                        (None, None)
                    }
                    Kind::Values => (None, Some(crate::loader::decode_values(&text, self.compat))),
                    Kind::Template => (Some(super::parse_one(&self.set, &name, &text)), None),
                }))
                .unwrap_or((None, None));
            let mut st = self.lock();
            let job = &mut st.jobs[i];
            job.result = result;
            job.values = values;
            job.done = true;
            st.running -= 1;
            if kind == Kind::Schema {
                st.schemas_pending -= 1;
            }
            self.wake(st);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Until {
    Empty,
    Closed,
    Schemas,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Speculation {
        Speculation::new(
            &EngineOptions::default(),
            true,
            PathBuf::from("/nonexistent"),
        )
        .expect("default options build a set")
    }

    #[test]
    fn names_templates_by_chart_names_not_directories() {
        let mut s = spec();
        s.offer(
            "Chart.yaml",
            &Data::from(&b"name: top\nversion: 1.0.0\n"[..]),
        );
        s.offer(
            "charts/dir/Chart.yaml",
            &Data::from(&b"name: sub\nversion: 1.0.0\n"[..]),
        );
        s.offer(
            "charts/_skip/Chart.yaml",
            &Data::from(&b"name: skip\nversion: 1.0.0\n"[..]),
        );
        s.offer(
            "charts/dir/templates/charts/x/Chart.yaml",
            &Data::from(&b"name: x\nversion: 1.0.0\n"[..]),
        );
        assert_eq!(
            s.template_name("templates/a.yaml").as_deref(),
            Some("top/templates/a.yaml")
        );
        assert_eq!(
            s.template_name("charts/dir/templates/b.yaml").as_deref(),
            Some("top/charts/sub/templates/b.yaml")
        );
        assert_eq!(
            s.template_name("charts/dir/templates/charts/x/templates/c.yaml")
                .as_deref(),
            Some("top/charts/sub/templates/charts/x/templates/c.yaml")
        );
        assert_eq!(s.template_name("charts/_skip/templates/d.yaml"), None);
        assert_eq!(s.template_name("files/templates/e.yaml"), None);
        assert_eq!(s.template_name("charts/other/templates/f.yaml"), None);
    }

    /// Guesses with another name or text are parsed anew, unneeded ones are never reported,
    /// and every result is the one a plain parse gives.
    #[test]
    fn uses_only_exact_guesses() {
        let mut s = spec();
        s.offer(
            "Chart.yaml",
            &Data::from(&b"name: top\nversion: 1.0.0\n"[..]),
        );
        let good = Data::from(&b"{{ define \"d\" }}x{{ end }}a"[..]);
        let broken = Data::from(&b"{{ if }}"[..]);
        s.offer("templates/a.yaml", &good);
        s.offer("templates/broken.yaml", &broken);
        s.offer("templates/changed.yaml", &Data::from(&b"{{ end }}"[..]));
        let changed = Data::from(&b"c{{ template \"d\" }}"[..]);
        let renamed = Data::from(&b"{{ .Values.x }}"[..]);
        let texts: Vec<(&str, &Data)> = vec![
            ("top/templates/changed.yaml", &changed),
            ("top/templates/a.yaml", &good),
            ("alias/templates/r.yaml", &renamed),
        ];
        let (set, results) = s.finish(&texts, false);
        assert_eq!(results.len(), 3);
        let mut set = set;
        for r in results {
            set.add_parsed(r.expect("only the unneeded broken template fails"));
        }
        let mut out = String::new();
        set.execute_template(&mut out, "top/templates/changed.yaml", &gotmpl::Value::Nil)
            .expect("executes");
        assert_eq!(out, "cx");
        assert!(set.has_template("alias/templates/r.yaml"));
        assert!(!set.has_template("top/templates/broken.yaml"));
    }

    const TOP: &str = "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n  condition: sub.enabled\n- name: lib2\n  alias: renamed\n  version: 0.1.0\n";

    /// A chart with a disabled subchart whose template does not parse, an aliased subchart,
    /// `extra` files, and (`big`) enough template text to parse on two threads.
    fn chart(dir: &std::path::Path, extra: &[(&str, &str)], big: bool) {
        let mut files: Vec<(String, String)> = [
            ("Chart.yaml", TOP),
            ("values.yaml", "sub:\n  enabled: false\nx: 1\n"),
            (
                "templates/a.yaml",
                "a: {{ .Values.x }} {{ include \"h\" . }}\n",
            ),
            ("templates/_h.tpl", "{{ define \"h\" }}top-h{{ end }}"),
            (
                "charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
            ),
            ("charts/sub/templates/bad.yaml", "{{ if }}\n"),
            (
                "charts/lib2/Chart.yaml",
                "apiVersion: v2\nname: lib2\nversion: 0.1.0\n",
            ),
            (
                "charts/lib2/templates/cm.yaml",
                "name: {{ .Chart.Name }} {{ template \"h\" . }} {{ .Template.Name }}\n",
            ),
            (
                "charts/lib2/templates/_h.tpl",
                "{{ define \"h\" }}lib-h{{ end }}",
            ),
        ]
        .iter()
        .chain(extra)
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
        if big {
            let pad = "# padding {{ \"x\" }}\n".repeat(400);
            for i in 0..40 {
                files.push((format!("templates/pad{i:02}.yaml"), pad.clone()));
            }
        }
        for (rel, text) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
    }

    /// `helm template` of `dir` loaded from disk (speculating) and preloaded (not).
    fn both(dir: &std::path::Path) -> (Result<String, String>, Result<String, String>) {
        let path = dir.to_string_lossy().into_owned();
        let mut opts = crate::action::TemplateOptions::new(vec![path]);
        opts.kube_version = Some("1.33.0".into());
        let spec = crate::action::template(&opts).map_err(|e| e.to_string());
        let chart = crate::loader::load(dir).expect("loads");
        opts.chart = Some(Arc::new(chart));
        let plain = crate::action::template(&opts).map_err(|e| e.to_string());
        (spec, plain)
    }

    #[test]
    fn disabled_broken_and_aliased_subcharts_render_as_without_speculation() {
        for big in [false, true] {
            let tmp = tempfile::tempdir().expect("tempdir");
            chart(tmp.path(), &[], big);
            let (spec, plain) = both(tmp.path());
            let out = spec.expect("a disabled subchart's broken template is not parsed");
            assert!(
                out.contains("name: renamed top-h top/charts/renamed/templates/cm.yaml"),
                "{out}"
            );
            assert!(out.contains("a: 1 top-h"), "{out}");
            assert_eq!(Ok(out), plain, "big: {big}");
        }
    }

    #[test]
    fn first_parse_error_in_helm_order() {
        for big in [false, true] {
            let tmp = tempfile::tempdir().expect("tempdir");
            // helm parses deepest first, then names in reverse byte order: b-bad before a-bad.
            chart(
                tmp.path(),
                &[
                    ("templates/a-bad.yaml", "{{ end }}\n"),
                    ("templates/b-bad.yaml", "ok\n{{ if }}\n"),
                ],
                big,
            );
            let (spec, plain) = both(tmp.path());
            let err = spec.expect_err("b-bad.yaml does not parse");
            assert!(err.contains("top/templates/b-bad.yaml:2"), "{err}");
            assert_eq!(Err(err), plain, "big: {big}");
        }
    }

    /// Enabling the broken subchart makes its template the first error (deepest first).
    #[test]
    fn enabled_broken_subchart_fails_first() {
        for big in [false, true] {
            let tmp = tempfile::tempdir().expect("tempdir");
            chart(
                tmp.path(),
                &[
                    ("values.yaml", "sub:\n  enabled: true\n"),
                    ("templates/b-bad.yaml", "{{ if }}\n"),
                ],
                big,
            );
            let (spec, plain) = both(tmp.path());
            let err = spec.expect_err("sub's bad.yaml does not parse");
            assert!(err.contains("top/charts/sub/templates/bad.yaml:1"), "{err}");
            assert_eq!(Err(err), plain, "big: {big}");
        }
    }

    /// Values files decoded ahead render as decoded by the loader: the top chart's (big enough
    /// to start the worker), a subchart's, one that does not decode, one `.helmignore`d.
    #[test]
    fn values_decoded_ahead_render_alike() {
        let big_values = format!(
            "sub:\n  enabled: false\nx: 1\n{}",
            "pad: [1, 2]\n".repeat(8000)
        );
        let cases: [&[(&str, &str)]; 4] = [
            &[("values.yaml", &big_values)],
            &[("charts/lib2/values.yaml", "y: {z: 2}\n")],
            &[("values.yaml", "x: [1\n")],
            &[
                ("values.yaml", &big_values),
                (".helmignore", "values.yaml\n"),
            ],
        ];
        for (i, extra) in cases.iter().enumerate() {
            for big in [false, true] {
                let tmp = tempfile::tempdir().expect("tempdir");
                chart(tmp.path(), extra, big);
                if i == 2 {
                    let plain = crate::loader::load(tmp.path()).expect_err("no YAML");
                    let path = tmp.path().to_string_lossy().into_owned();
                    let opts = crate::action::TemplateOptions::new(vec![path]);
                    let spec = crate::action::template(&opts).expect_err("no YAML");
                    let (plain, spec) = (plain.to_string(), spec.to_string());
                    assert!(plain.contains("cannot load values.yaml"), "{plain}");
                    assert!(spec.ends_with(&plain), "{spec}\n{plain}");
                    continue;
                }
                let (spec, plain) = both(tmp.path());
                assert_eq!(spec, plain, "{i} big: {big}");
                if i == 3 {
                    // Without the values that disable it, the broken subchart renders.
                    let err = spec.expect_err("values.yaml is ignored");
                    assert!(err.contains("top/charts/sub/templates/bad.yaml:1"), "{err}");
                } else {
                    let out = spec.expect("renders");
                    assert!(out.contains("a: 1 top-h"), "{out}");
                }
            }
        }
    }

    /// A values file is taken only with the bytes it was decoded from, and only once.
    #[test]
    fn values_taken_only_for_the_same_bytes() {
        use crate::loader::Observer;
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("values.yaml"), "a: 1\n").expect("write");
        let chart_yaml = Data::from(&b"name: top\nversion: 1.0.0\n"[..]);
        let new = || {
            let opts = EngineOptions::default();
            let mut s = Speculation::new(&opts, true, tmp.path().to_path_buf()).expect("a set");
            s.offer("Chart.yaml", &chart_yaml);
            // What the worker would do, here and now.
            s.shared.work(Until::Empty);
            s
        };
        let same = Data::from(&b"a: 1\n"[..]);
        let show = |v: Option<Result<Value, String>>| format!("{v:?}");
        let mut s = new();
        assert!(s.values("charts/x/values.yaml", &same).is_none());
        let decoded = s.values("values.yaml", &same);
        assert!(decoded.is_some(), "decoded ahead");
        let plain = crate::loader::decode_values(&same, opts_compat());
        assert_eq!(show(decoded), show(Some(plain)));
        assert!(s.values("values.yaml", &same).is_none(), "taken once");
        let mut s = new();
        assert!(
            s.values("values.yaml", &Data::from(&b"a: 2\n"[..]))
                .is_none()
        );
    }

    fn opts_compat() -> crate::HelmVersion {
        EngineOptions::default().compat
    }

    /// Schemas prepared on the worker validate as those prepared at the render: a violation,
    /// a schema that is not JSON, and a schema the metaschema refuses fail alike, big or not.
    #[test]
    fn schemas_prepared_ahead_fail_alike() {
        let schemas = [
            (
                "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"}}}",
                "x",
            ),
            ("{\"type\":", "unexpected EOF"),
            (
                "{\"type\":\"object\",\"minProperties\":\"two\"}",
                "metaschema",
            ),
        ];
        for big in [false, true] {
            for (i, (schema, what)) in schemas.iter().enumerate() {
                let tmp = tempfile::tempdir().expect("tempdir");
                // Padding in the schema itself: it is a big schema that starts the worker.
                let pad = format!("{{\"$comment\":\"{}\",", "p".repeat(100_000));
                let schema = if big {
                    schema.replacen('{', &pad, 1)
                } else {
                    schema.to_string()
                };
                chart(
                    tmp.path(),
                    &[
                        ("values.schema.json", &schema),
                        ("charts/lib2/values.schema.json", &schema),
                    ],
                    big,
                );
                let (spec, plain) = both(tmp.path());
                let err = spec.expect_err("the schema fails");
                assert!(err.contains(what), "{i} {big}: {err}");
                assert_eq!(Err(err), plain, "{i} big: {big}");
            }
        }
    }
}
