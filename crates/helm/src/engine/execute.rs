//! Executing a render's templates (the loop at the end of helm's `render`): one after another
//! in helm's order, or, for a big chart, on several threads with exactly the same result.
//!
//! helm executes every template against its chart's scope map, writing `.Template` into that
//! map first; the maps are shared (a parent reaches a subchart's through `.Subcharts`), and
//! Sprig's `set` may change `.Values` for every later template. So a template's output may
//! depend on the ones before it, and a render on several threads must prove it does not:
//! - each template runs isolated ([`gotmpl::isolation`]): a write to a map it did not make,
//!   or a number from the seeded random source, is not performed, and the run is marked as
//!   crossed;
//! - each runs against its own copy of its scope map, holding its own `.Template`, and of
//!   every subchart scope whose `.Template` is not yet the last one it gets (the copies hold
//!   the one helm's loop would have written by then); the shared maps hold the last ones;
//! - results are handed on in helm's order. The first template that crossed runs again alone,
//!   as helm's loop runs it, on shared maps that first get the `.Template` each would hold at
//!   that point; the templates after it then run in parallel again, from what it left in the
//!   maps (or one after another, when the crossing came within the round's first few: a chart
//!   whose every template writes shared state). The first that failed ends the render with its
//!   error, as helm's loop would at it.
//!
//! Anything else a template could share is per thread: `include`'s nesting count
//! (`funcs.rs`) and the executor's map lookup cache.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use foldhash::{HashMap, HashMapExt};
use gotmpl::{ElemType, Map, Template, Value};

use super::{EngineOptions, RenderError, reformat_exec_error, values_type_name};
use crate::releaseutil::SplitDocs;

/// Jobs a parallel round must hand on before a crossing for the jobs after the crossing one to
/// run in parallel again (see [`execute`]).
const RESUME_AFTER: usize = 4;

/// Work on a template's output that depends on its text alone, done by the thread that
/// executed it while the output is still in that core's cache (the action splits each output
/// into documents and reads their heads): given the template's path and its output.
pub(crate) type Prepare<'p> = &'p (dyn Fn(&str, &str) -> SplitDocs + Sync);

/// Where [`execute`] hands each output: the template's path, its output, and what
/// [`Prepare`] made of it when the output was prepared.
pub(crate) type Sink<'s> = &'s mut dyn FnMut(&str, String, Option<SplitDocs>);

/// A chart's scope map and its subcharts' (by their place in the tree's list).
pub(super) struct ScopeNode {
    pub(super) scope: Arc<Map>,
    pub(super) children: Vec<(String, usize)>,
}

/// A template to execute: its path, its chart's scope node, and its `.Template.BasePath`.
pub(super) struct Job<'a> {
    pub(super) name: &'a str,
    pub(super) chart: usize,
    pub(super) base_path: &'a str,
}

/// Executes `jobs` (helm's order, partials left out) and hands each output, `<no value>`
/// removed, to `sink` in that order; on `threads` threads when more than one, with the same
/// outputs and the same first error. On several threads each output is first given to
/// `prepare` on the thread that made it; one after another, outputs go to `sink` unprepared.
pub(super) fn execute(
    t: &Template,
    jobs: &[Job<'_>],
    nodes: &[ScopeNode],
    opts: &EngineOptions,
    threads: usize,
    prepare: Option<Prepare<'_>>,
    sink: Sink<'_>,
) -> Result<(), RenderError> {
    let mut buf = String::new();
    if threads > 1 && jobs.len() > 1 {
        let timeline = Timeline::new(jobs, nodes);
        let mut from = 0;
        while from < jobs.len() {
            for (c, node) in nodes.iter().enumerate() {
                set_template(node, timeline.last(c).map(|j| &jobs[j]), opts);
            }
            let Some(k) = parallel(
                t, jobs, from, nodes, &timeline, opts, threads, prepare, sink,
            )?
            else {
                return Ok(());
            };
            tracing::debug!(
                template = jobs[k].name,
                "template execution crossed another's: it runs alone, the rest after it"
            );
            // Job k runs as helm's loop would run it, on the shared maps holding the
            // `.Template`s of that point; what it writes there, the jobs after it see.
            for (c, node) in nodes.iter().enumerate() {
                set_template(node, timeline.before(c, k).map(|j| &jobs[j]), opts);
            }
            // A round that crossed within its first few jobs ends the parallel runs: a chart
            // whose templates all write shared state would otherwise run each twice.
            if k - from < RESUME_AFTER {
                return sequential(t, &jobs[k..], nodes, opts, &mut buf, sink);
            }
            sequential(t, &jobs[k..=k], nodes, opts, &mut buf, sink)?;
            // Views made before may hold scope entries job k replaced.
            timeline.settled().clear();
            from = k + 1;
        }
        return Ok(());
    }
    sequential(t, jobs, nodes, opts, &mut buf, sink)
}

/// Runs `jobs` one after another on the shared scope maps, as helm's loop does.
fn sequential(
    t: &Template,
    jobs: &[Job<'_>],
    nodes: &[ScopeNode],
    opts: &EngineOptions,
    buf: &mut String,
    sink: Sink<'_>,
) -> Result<(), RenderError> {
    for job in jobs {
        let node = &nodes[job.chart];
        set_template(node, Some(job), opts);
        let text = run_one(t, job, &Value::Map(node.scope.clone()), opts, buf)
            .map_err(RenderError::Message)?;
        sink(job.name, text, None);
    }
    Ok(())
}

/// `.Template` for `job` (helm's `chartutil.Values{"Name": ..., "BasePath": ...}`).
fn template_value(job: &Job<'_>, opts: &EngineOptions) -> Value {
    let tv = Map::from_entries(
        ElemType::Interface,
        [
            ("Name".to_string(), Value::string(job.name)),
            ("BasePath".to_string(), Value::string(job.base_path)),
        ],
    )
    .named(values_type_name(opts.compat));
    Value::Map(Arc::new(tv))
}

/// Puts `.Template` of `job` into `node`'s shared scope map, or takes it out for none.
fn set_template(node: &ScopeNode, job: Option<&Job<'_>>, opts: &EngineOptions) {
    let mut entries = node.scope.write();
    match job {
        Some(job) => entries.insert("Template".to_string(), template_value(job, opts)),
        None => entries.remove("Template"),
    };
}

/// Executes one template against `data`: its output with `<no value>` removed, or helm's error.
fn run_one(
    t: &Template,
    job: &Job<'_>,
    data: &Value,
    opts: &EngineOptions,
    buf: &mut String,
) -> Result<String, String> {
    buf.clear();
    if let Err(e) = t.execute_template(buf, job.name, data) {
        return Err(reformat_exec_error(job.name, &e, opts.compat));
    }
    // One searcher built once, where `str::contains` set one up for every file.
    static NO_VALUE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("<no value>"));
    // Copied out at its size, the buffer kept for the next template: an output grown from
    // nothing in a fresh buffer doubled its way up through fresh memory each time (the kernel
    // zeroing the pages), and kept up to twice its size.
    Ok(if NO_VALUE.find(buf.as_bytes()).is_some() {
        buf.replace("<no value>", "")
    } else {
        buf.as_str().to_owned()
    })
}

/// Which job of each chart helm's loop has executed last at each point.
struct Timeline {
    /// Each chart's jobs, in order.
    per_chart: Vec<Vec<usize>>,
    /// The last job of the chart or any chart below it.
    last_below: Vec<Option<usize>>,
    /// Views of subcharts none of whose own subcharts is in flux, by chart and the job whose
    /// `.Template` they hold: every template between two of that chart's sees the same one,
    /// as in helm's loop (made once, outside any isolated execution, so never written).
    settled: Mutex<HashMap<ChartState, Arc<Map>>>,
}

/// A chart and the job whose `.Template` its scope holds (none yet).
type ChartState = (usize, Option<usize>);

impl Timeline {
    fn new(jobs: &[Job<'_>], nodes: &[ScopeNode]) -> Timeline {
        let mut per_chart = vec![Vec::new(); nodes.len()];
        for (i, job) in jobs.iter().enumerate() {
            per_chart[job.chart].push(i);
        }
        let mut last_below = vec![None; nodes.len()];
        fn fill(
            c: usize,
            nodes: &[ScopeNode],
            per_chart: &[Vec<usize>],
            out: &mut [Option<usize>],
        ) -> Option<usize> {
            let mut last = per_chart[c].last().copied();
            for (_, d) in &nodes[c].children {
                last = last.max(fill(*d, nodes, per_chart, out));
            }
            out[c] = last;
            last
        }
        // Every node is some node's child but the root, which comes last (`rec_all_tpls`
        // numbers a chart after its subcharts).
        if let Some(root) = nodes.len().checked_sub(1) {
            fill(root, nodes, &per_chart, &mut last_below);
        }
        Timeline {
            per_chart,
            last_below,
            settled: Mutex::new(HashMap::new()),
        }
    }

    /// The settled views, locked (a poisoned lock is taken over: the cache holds no invariant).
    fn settled(&self) -> std::sync::MutexGuard<'_, HashMap<ChartState, Arc<Map>>> {
        self.settled.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn last(&self, c: usize) -> Option<usize> {
        self.per_chart[c].last().copied()
    }

    /// The chart's last job before job `i`.
    fn before(&self, c: usize, i: usize) -> Option<usize> {
        let jobs = &self.per_chart[c];
        jobs.partition_point(|&j| j < i)
            .checked_sub(1)
            .map(|p| jobs[p])
    }

    /// Whether the `.Template` of the chart or a chart below it changes at job `i` or later,
    /// so that its shared map does not show what job `i` would see.
    fn in_flux(&self, c: usize, i: usize) -> bool {
        self.last_below[c].is_some_and(|l| l >= i)
    }

    /// The scope map job `i` runs against (see the module doc): chart `c`'s, with the
    /// `.Template` helm's loop would have written into it by then, and with its subcharts'
    /// scopes likewise where they differ from the shared ones.
    fn view(
        &self,
        c: usize,
        i: usize,
        jobs: &[Job<'_>],
        nodes: &[ScopeNode],
        opts: &EngineOptions,
    ) -> Arc<Map> {
        let node = &nodes[c];
        let own = jobs[i].chart == c;
        let settled = !own && !node.children.iter().any(|(_, d)| self.in_flux(*d, i));
        let key = (c, self.before(c, i));
        if settled && let Some(view) = self.settled().get(&key) {
            return view.clone();
        }
        let mut entries = node
            .scope
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let at = if own { Some(i) } else { key.1 };
        match at {
            Some(j) => entries.insert("Template".to_string(), template_value(&jobs[j], opts)),
            None => entries.remove("Template"),
        };
        if node.children.iter().any(|(_, d)| self.in_flux(*d, i))
            && let Some(Value::Map(shared)) = entries.get("Subcharts")
        {
            let subcharts = node.children.iter().map(|(name, d)| {
                let scope = if self.in_flux(*d, i) {
                    self.view(*d, i, jobs, nodes, opts)
                } else {
                    nodes[*d].scope.clone()
                };
                (name.clone(), Value::Map(scope))
            });
            let copy = map_like(shared, subcharts.collect());
            entries.insert("Subcharts".to_string(), Value::Map(Arc::new(copy)));
        }
        let view = Arc::new(map_like(&node.scope, entries));
        if settled {
            self.settled().insert(key, view.clone());
        }
        view
    }
}

/// A new map of `like`'s Go type holding `entries` as they are (the scope's entries, cloned:
/// taken apart and collected again, they were sorted into a new tree for every template).
fn map_like(like: &Map, entries: BTreeMap<String, Value>) -> Map {
    let mut m = Map::from_map(like.elem.clone(), entries);
    m.type_name = like.type_name.clone();
    m
}

enum Outcome {
    /// The output, and what [`Prepare`] made of it.
    Done(String, Option<SplitDocs>),
    Failed(String),
    Crossed,
}

struct Board {
    outcomes: Vec<Option<Outcome>>,
    /// The handing-on thread waits for an outcome.
    waiting: bool,
}

/// Runs the jobs from `start` on `threads` threads, this one handing outputs on in order.
/// `None` when all were handed on; else the first job that crossed, none of it or after it
/// handed on.
#[allow(clippy::too_many_arguments)]
fn parallel(
    t: &Template,
    jobs: &[Job<'_>],
    start: usize,
    nodes: &[ScopeNode],
    timeline: &Timeline,
    opts: &EngineOptions,
    threads: usize,
    prepare: Option<Prepare<'_>>,
    sink: Sink<'_>,
) -> Result<Option<usize>, RenderError> {
    let n = jobs.len();
    let next = AtomicUsize::new(start);
    // Jobs from here on are not needed: one before failed or crossed.
    let limit = AtomicUsize::new(n);
    let board = Mutex::new(Board {
        outcomes: (0..n).map(|_| None).collect(),
        waiting: false,
    });
    let changed = Condvar::new();
    let lock = || board.lock().unwrap_or_else(|p| p.into_inner());
    // Takes and runs one job; `false` when none is left.
    let work = |buf: &mut String| -> bool {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= limit.load(Ordering::Acquire) {
            return false;
        }
        // Made outside the isolated run: the template did not make these maps.
        let data = Value::Map(timeline.view(jobs[i].chart, i, jobs, nodes, opts));
        let (result, crossed) =
            gotmpl::isolation::isolated(|| run_one(t, &jobs[i], &data, opts, buf));
        let outcome = match result {
            _ if crossed => Outcome::Crossed,
            Ok(text) => {
                let prepared = prepare.map(|f| f(jobs[i].name, &text));
                Outcome::Done(text, prepared)
            }
            Err(e) => Outcome::Failed(e),
        };
        if !matches!(outcome, Outcome::Done(..)) {
            limit.fetch_min(i, Ordering::AcqRel);
        }
        let mut b = lock();
        b.outcomes[i] = Some(outcome);
        if b.waiting {
            changed.notify_one();
        }
        true
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            gotmpl::threads::spawn_scoped(s, || {
                let mut buf = String::new();
                while work(&mut buf) {}
            });
        }
        let mut buf = String::new();
        let mut emitted = start;
        let end = loop {
            let mut ready = Vec::new();
            let mut end = None;
            {
                let mut b = lock();
                while emitted < n {
                    match b.outcomes[emitted].take() {
                        Some(Outcome::Done(text, prepared)) => {
                            ready.push((emitted, text, prepared));
                            emitted += 1;
                        }
                        Some(Outcome::Failed(e)) => {
                            end = Some(Err(RenderError::Message(e)));
                            break;
                        }
                        Some(Outcome::Crossed) => {
                            end = Some(Ok(Some(emitted)));
                            break;
                        }
                        None => break,
                    }
                }
            }
            for (i, text, prepared) in ready {
                sink(jobs[i].name, text, prepared);
            }
            if emitted == n {
                break Ok(None);
            }
            if let Some(end) = end {
                break end;
            }
            if !work(&mut buf) {
                let mut b = lock();
                while b.outcomes[emitted].is_none() {
                    b.waiting = true;
                    b = changed.wait(b).unwrap_or_else(|p| p.into_inner());
                }
                b.waiting = false;
            }
        };
        // The others finish the job they hold and stop.
        limit.store(0, Ordering::Release);
        end
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A render's outputs in order, then its error if any.
    type Run = (Vec<(String, String)>, Option<String>);

    /// Two charts, `top` (last node) and its subchart `sub` (first), with fresh maps; `jobs`
    /// are (name, in `sub`, text) in execution order; partials are `_` names.
    fn run(jobs: &[(String, bool, String)], threads: usize) -> Run {
        let opts = EngineOptions {
            sprig: sprig::Options {
                seed: Some(7),
                now: Some(0),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut t = super::super::new_set(&opts).expect("a set");
        for (name, _, text) in jobs {
            t.add_parsed(
                super::super::parse_one(&t, name, &text.as_bytes().into()).expect("parses"),
            );
        }
        let values = |n: i64| {
            Value::map([
                ("n".to_string(), Value::int(n)),
                (
                    "nested".to_string(),
                    Value::map([("k".to_string(), Value::string("v"))]),
                ),
            ])
        };
        let sub = Arc::new(Map::from_entries(
            ElemType::Interface,
            [("Values".to_string(), values(1))],
        ));
        let top = Arc::new(Map::from_entries(
            ElemType::Interface,
            [
                ("Values".to_string(), values(2)),
                (
                    "Subcharts".to_string(),
                    Value::map([("sub".to_string(), Value::Map(sub.clone()))]),
                ),
            ],
        ));
        let nodes = [
            ScopeNode {
                scope: sub,
                children: Vec::new(),
            },
            ScopeNode {
                scope: top,
                children: vec![("sub".to_string(), 0)],
            },
        ];
        let list: Vec<Job<'_>> = jobs
            .iter()
            .filter(|(name, _, _)| !name.starts_with('_'))
            .map(|(name, in_sub, _)| Job {
                name,
                chart: if *in_sub { 0 } else { 1 },
                base_path: if *in_sub {
                    "top/charts/sub/templates"
                } else {
                    "top/templates"
                },
            })
            .collect();
        let mut out = Vec::new();
        let split = |name: &str, text: &str| {
            crate::releaseutil::split_file(name, text, crate::HelmVersion::V4)
        };
        let r = execute(
            &t,
            &list,
            &nodes,
            &opts,
            threads,
            Some(&split),
            &mut |name, text, prepared| {
                // Prepared on the executing thread exactly as it would be after the hand-on.
                if let Some(docs) = prepared {
                    assert_eq!(docs, split(name, &text), "{name}");
                }
                out.push((name.to_string(), text))
            },
        );
        (out, r.err().map(|e| e.to_string()))
    }

    /// 40 templates alternating between the charts; `special` replaces some texts.
    fn jobs(special: &[(usize, &str)]) -> Vec<(String, bool, String)> {
        let mut jobs: Vec<(String, bool, String)> = (0..40)
            .map(|i| {
                let in_sub = i % 3 == 1;
                let text = if in_sub {
                    "{{.Template.Name}} {{.Values.n}} {{.Values.nested.k}} {{include \"h\" .}}"
                } else {
                    "{{.Template.Name}} {{.Template.BasePath}} {{.Values.n}} \
                     {{with (index .Subcharts \"sub\").Template}}{{.Name}}{{end}} \
                     {{(index .Subcharts \"sub\").Values.n}} {{.Values.x}} {{.Values.nested.k}}"
                };
                (format!("t{i:02}"), in_sub, text.to_string())
            })
            .collect();
        jobs.push((
            "_helpers".into(),
            false,
            "{{define \"h\"}}[{{.Values.n}}{{.Values.x}}]{{end}}".into(),
        ));
        for (i, text) in special {
            jobs[*i].2 = text.to_string();
        }
        jobs
    }

    fn same_in_parallel(jobs: &[(String, bool, String)]) -> Run {
        let sequential = run(jobs, 1);
        for threads in [2, 4] {
            for _ in 0..5 {
                assert_eq!(run(jobs, threads), sequential, "{threads} threads");
            }
        }
        sequential
    }

    #[test]
    fn templates_see_what_they_would_in_order() {
        let (out, err) = same_in_parallel(&jobs(&[]));
        assert_eq!(err, None);
        assert_eq!(out.len(), 40);
        // A subchart's `.Template` as the parent sees it moves on as its templates run.
        assert_eq!(out[0].1, "t00 top/templates 2  1  v");
        assert_eq!(out[3].1, "t03 top/templates 2 t01 1  v");
        assert_eq!(out[39].1, "t39 top/templates 2 t37 1  v");
    }

    #[test]
    fn writes_to_shared_maps_are_seen_by_later_templates() {
        for special in [
            vec![(9, "{{$_ := set .Values \"x\" \"X\"}}{{.Values.x}}")],
            vec![(10, "{{$_ := set .Values \"x\" \"X\"}}{{.Values.x}}")],
            vec![(5, "{{$_ := set .Values.nested \"k\" \"K\"}}")],
            vec![(
                12,
                "{{$_ := set $ \"Values\" (dict \"n\" 9 \"nested\" (dict \"k\" 0))}}",
            )],
            vec![(0, "{{$_ := unset .Values \"n\"}}")],
            vec![(
                30,
                "{{$_ := set (index .Subcharts \"sub\").Values \"x\" 3}}",
            )],
        ] {
            let (out, err) = same_in_parallel(&jobs(&special));
            assert_eq!(err, None);
            assert_eq!(out.len(), 40);
        }
        let (out, _) = same_in_parallel(&jobs(&[(
            9,
            "{{$_ := set .Values \"x\" \"X\"}}{{.Values.x}}",
        )]));
        assert_eq!(out[8].1, "t08 top/templates 2 t07 1  v");
        assert_eq!(out[11].1, "t11 top/templates 2 t10 1 X v");
    }

    #[test]
    fn parallel_runs_resume_after_a_crossing() {
        let set_x = |v: &str| format!("{{{{$_ := set .Values \"x\" \"{v}\"}}}}{{{{.Values.x}}}}");
        let (x1, x2, x3) = (set_x("X1"), set_x("X2"), set_x("X3"));
        for special in [
            // Far apart: each crossing runs alone, the rest in parallel again.
            vec![
                (6, x1.as_str()),
                (15, "{{$_ := set .Values.nested \"k\" \"K\"}}"),
                (27, x3.as_str()),
            ],
            // Close together: the rest runs in order.
            vec![(6, x1.as_str()), (7, x2.as_str()), (9, x3.as_str())],
            // A failure the write after a crossing causes.
            vec![
                (10, x1.as_str()),
                (25, "{{if eq .Values.x \"X1\"}}{{fail \"x1\"}}{{end}}"),
            ],
        ] {
            same_in_parallel(&jobs(&special));
        }
        let (out, _) = same_in_parallel(&jobs(&[(6, &x1), (27, &x3)]));
        assert_eq!(out[20].1, "t20 top/templates 2 t19 1 X1 v");
        assert_eq!(out[30].1, "t30 top/templates 2 t28 1 X3 v");
        // A subchart's scope written by a crossing template: the parent's later templates see
        // the new one, though views of the old may have been made in the round before.
        for reader in [11, 12, 14, 15] {
            let (out, err) = same_in_parallel(&jobs(&[
                (
                    9,
                    // Slow before its write: the other threads take the jobs after it,
                    // making their views, before it crosses.
                    "{{range until 20000}}{{end}}\
                     {{$_ := set (index .Subcharts \"sub\") \"Values\" \
                     (dict \"n\" 7 \"nested\" (dict \"k\" 1))}}",
                ),
                (reader, "{{(index .Subcharts \"sub\").Values.n}}"),
            ]));
            assert_eq!((out[reader].1.as_str(), err), ("7", None));
        }
    }

    #[test]
    fn storing_what_a_map_holds_is_no_write() {
        // The first `set` writes; the later ones store the same string again (as a chart's
        // password helper does), and a map stored over an equal map is still the one written
        // through afterwards.
        let again = "{{$_ := set .Values \"x\" \"X\"}}{{.Values.x}}";
        let (out, err) = same_in_parallel(&jobs(&[(9, again), (20, again), (30, again)]));
        assert_eq!(err, None);
        assert_eq!(out[30].1, "X");
        let alias = "{{$m := dict}}{{$_ := set .Values \"m\" $m}}\
                     {{$_ := set $m \"k\" 1}}{{.Values.m.k}}";
        let (out, _) = same_in_parallel(&jobs(&[
            (9, "{{$_ := set .Values \"m\" dict}}"),
            (20, alias),
        ]));
        assert_eq!(out[20].1, "1");
    }

    #[test]
    fn a_seeded_random_source_gives_its_numbers_in_order() {
        let (out, _) = same_in_parallel(&jobs(&[
            (3, "{{randAlphaNum 8}}"),
            (20, "{{randAlphaNum 8}} {{uuidv4}}"),
            (33, "{{randInt 0 1000}}"),
        ]));
        assert_eq!(out[3].1.len(), 8);
    }

    #[test]
    fn the_first_error_in_order_wins() {
        let (out, err) = same_in_parallel(&jobs(&[
            (30, "{{fail \"first\"}}"),
            (35, "{{fail \"second\"}}"),
        ]));
        assert_eq!(out.len(), 30);
        assert!(err.is_some_and(|e| e.contains("first")));
        let (out, err) = same_in_parallel(&jobs(&[
            (12, "{{$_ := set .Values \"x\" \"X\"}}"),
            (20, "{{if .Values.x}}{{fail \"after the write\"}}{{end}}"),
        ]));
        assert_eq!(out.len(), 20);
        assert!(err.is_some_and(|e| e.contains("after the write")));
        // Without the write, no error: the write is what later templates see.
        let (out, err) = same_in_parallel(&jobs(&[(
            20,
            "{{if .Values.x}}{{fail \"after the write\"}}{{end}}",
        )]));
        assert_eq!((out.len(), err), (40, None));
    }
}
