//! The hydrate core: one atomic commit per environment render on top of the remote head,
//! replacing exactly the paths the environment owns, pushed with compare-and-swap and retried
//! on a lost race.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use git2::Oid;

use crate::Error;
use crate::git::{self, Push, Remote};
use crate::index::{
    self, Chart, INDEX_DIR, Index, Release, SCHEMA_VERSION, Source, TemplateData, index_path,
};

/// One rendered release: its metadata and its files, relative to the release directory, as
/// `helmfile template --output-dir-template '{{ .OutputDir }}/{{ .Release.Name }}'` writes them
/// (e.g. `monochart/templates/deployment.yaml`).
#[derive(Debug, Clone, Default)]
pub struct RenderedRelease {
    pub name: String,
    pub namespace: String,
    pub chart_name: String,
    pub chart_version: String,
    pub kube_context: Option<String>,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Every release of one environment, rendered from one source commit.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentRender {
    pub environment: String,
    pub releases: Vec<RenderedRelease>,
}

/// Where a render came from.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub source_repo: String,
    /// Full hex id of the source commit.
    pub source_commit: String,
    /// The source commit's subject line, for the summary.
    pub source_subject: String,
    /// The source commit's committer time, Unix seconds.
    pub source_commit_time: i64,
    pub source_ref: String,
    pub canon_version: String,
}

/// Where an environment goes in the state repo.
#[derive(Debug, Clone)]
pub struct Target {
    pub branch: String,
    pub path_template: String,
}

/// How to tell whether a render is older than what the state repo holds.
pub enum SourceOrder<'a> {
    /// By ancestry in this source repository; unrelated or unknown commits by commit time.
    Ancestry(&'a git2::Repository),
    /// By the source commit's committer time alone.
    CommitTime,
}

/// Knobs of [`hydrate`].
pub struct HydrateOptions<'a> {
    /// Push attempts before giving up with [`Error::Contention`].
    pub max_attempts: u32,
    /// The first retry waits up to this long (jittered), doubling each time, capped at 2 s.
    pub backoff: Duration,
    pub author_name: String,
    pub author_email: String,
    pub order: SourceOrder<'a>,
}

impl Default for HydrateOptions<'_> {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            backoff: Duration::from_millis(50),
            author_name: "canon".into(),
            author_email: "canon@localhost".into(),
            order: SourceOrder::CommitTime,
        }
    }
}

/// How a release changed in a hydration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Updated(String),
    Removed(String),
}

/// Time spent per phase, for benchmarks and logs.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Writing blobs (once) and trees and the commit (per attempt).
    pub build: Duration,
    pub fetch: Duration,
    pub push: Duration,
}

/// What a hydration did.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A new commit is on the remote branch.
    Committed {
        commit: Oid,
        attempts: u32,
        changes: Vec<Change>,
        timings: Timings,
    },
    /// The remote already holds exactly this render: no commit.
    Unchanged { head: Oid, timings: Timings },
    /// The remote holds a render of a newer source commit: nothing written.
    Stale {
        current_source: String,
        timings: Timings,
    },
}

struct Prepared {
    index: Index,
    /// Release path → file path → blob.
    blobs: BTreeMap<String, Oid>,
    index_blob: Oid,
}

fn prepare(
    repo: &git2::Repository,
    target: &Target,
    render: &EnvironmentRender,
    prov: &Provenance,
) -> Result<Prepared, Error> {
    let env = &render.environment;
    if !git2::Reference::is_valid_name(&format!("refs/heads/{env}"))
        || env.contains('/')
        || env.is_empty()
    {
        return Err(Error::Config(format!(
            "environment name {env:?} is not usable as a file name"
        )));
    }
    let mut releases = Vec::new();
    let mut blobs = BTreeMap::new();
    let mut names = BTreeSet::new();
    for r in &render.releases {
        if !names.insert(&r.name) {
            return Err(Error::PathConflict(format!(
                "release {:?} appears twice in {env}",
                r.name
            )));
        }
        let path = index::render_template(
            &target.path_template,
            &TemplateData {
                environment: env,
                release_name: &r.name,
                release_namespace: &r.namespace,
                release_chart: &r.chart_name,
                release_kube_context: r.kube_context.as_deref().unwrap_or(""),
            },
        )?;
        index::check_release_path(&path).map_err(|message| Error::PathTemplate {
            template: target.path_template.clone(),
            message: format!("release {}: {message}", r.name),
        })?;
        for (f, content) in &r.files {
            index::check_release_path(f)
                .map_err(|m| Error::Config(format!("release {}: file {f:?}: {m}", r.name)))?;
            let oid = repo
                .blob(content)
                .map_err(|e| Error::git(format!("write {path}/{f}"), &e))?;
            blobs.insert(format!("{path}/{f}"), oid);
        }
        releases.push(Release {
            name: r.name.clone(),
            namespace: r.namespace.clone(),
            chart: Chart {
                name: r.chart_name.clone(),
                version: r.chart_version.clone(),
            },
            path,
            kube_context: r.kube_context.clone(),
            digest: index::digest(&r.files),
        });
    }
    releases.sort_by(|a, b| a.name.cmp(&b.name));
    index::check_disjoint(releases.iter().map(|r| r.path.as_str())).map_err(Error::PathConflict)?;
    let index = Index {
        schema_version: SCHEMA_VERSION,
        environment: env.clone(),
        source: Source {
            repo: prov.source_repo.clone(),
            commit: prov.source_commit.clone(),
            reference: prov.source_ref.clone(),
            commit_time: prov.source_commit_time,
        },
        canon_version: prov.canon_version.clone(),
        releases,
    };
    let index_blob = repo
        .blob(index.to_yaml().as_bytes())
        .map_err(|e| Error::git(format!("write {}", index_path(env)), &e))?;
    Ok(Prepared {
        index,
        blobs,
        index_blob,
    })
}

/// Reads every environment index in `tree`.
pub fn read_indexes(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
) -> Result<BTreeMap<String, Index>, Error> {
    let mut out = BTreeMap::new();
    for (p, e) in git::files_under(repo, tree, INDEX_DIR)? {
        let Some(env) = p
            .strip_prefix(&format!("{INDEX_DIR}/"))
            .and_then(|n| n.strip_suffix(".yaml"))
        else {
            continue;
        };
        let blob = repo
            .find_blob(e.oid)
            .map_err(|e| Error::git(format!("read {p}"), &e))?;
        let text = String::from_utf8_lossy(blob.content());
        out.insert(env.to_string(), Index::parse(&text, &p)?);
    }
    Ok(out)
}

/// True when the state's `current` source is newer than `new` (so `new` must not land).
fn is_stale(order: &SourceOrder<'_>, current: &Source, new: &Provenance) -> bool {
    if current.commit == new.source_commit {
        return false;
    }
    if let SourceOrder::Ancestry(repo) = order
        && let (Ok(cur), Ok(new_id)) = (
            Oid::from_str(&current.commit),
            Oid::from_str(&new.source_commit),
        )
        && repo.find_commit(cur).is_ok()
        && repo.find_commit(new_id).is_ok()
    {
        if repo.graph_descendant_of(cur, new_id).unwrap_or(false) {
            return true;
        }
        if repo.graph_descendant_of(new_id, cur).unwrap_or(false) {
            return false;
        }
    }
    new.source_commit_time < current.commit_time
}

fn changes(prev: Option<&Index>, new: &Index) -> Vec<Change> {
    let old: BTreeMap<&str, &Release> = prev
        .map(|i| i.releases.iter().map(|r| (r.name.as_str(), r)).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for r in &new.releases {
        match old.get(r.name.as_str()) {
            None => out.push(Change::Added(r.name.clone())),
            Some(o) if *o != r => out.push(Change::Updated(r.name.clone())),
            Some(_) => {}
        }
    }
    let names: BTreeSet<&str> = new.releases.iter().map(|r| r.name.as_str()).collect();
    for n in old.keys() {
        if !names.contains(n) {
            out.push(Change::Removed((*n).to_string()));
        }
    }
    out
}

enum Step {
    Stale(String),
    Unchanged(Oid),
    Commit(Oid, Vec<Change>),
}

/// One attempt's tree and commit on top of `head`.
fn build_on(
    repo: &git2::Repository,
    head: Option<Oid>,
    target: &Target,
    env: &str,
    prepared: &Prepared,
    prov: &Provenance,
    opts: &HydrateOptions<'_>,
) -> Result<Step, Error> {
    let base = match head {
        Some(h) => Some(
            repo.find_commit(h)
                .and_then(|c| c.tree())
                .map_err(|e| Error::git(format!("read {}", target.branch), &e))?,
        ),
        None => None,
    };
    let indexes = match &base {
        Some(tree) => read_indexes(repo, tree)?,
        None => BTreeMap::new(),
    };
    let prev = indexes.get(env);
    if let Some(p) = prev
        && is_stale(&opts.order, &p.source, prov)
    {
        return Ok(Step::Stale(p.source.commit.clone()));
    }
    for (other, idx) in &indexes {
        if other == env {
            continue;
        }
        for r in &idx.releases {
            for mine in &prepared.index.releases {
                if index::overlaps(&r.path, &mine.path) {
                    return Err(Error::PathConflict(format!(
                        "release {} of {env} at {} overlaps release {} of {other} at {}",
                        mine.name, mine.path, r.name, r.path
                    )));
                }
            }
        }
    }
    let remove: Vec<String> = prev
        .map(|p| p.releases.iter().map(|r| r.path.clone()).collect())
        .unwrap_or_default();
    let mut upsert = prepared.blobs.clone();
    upsert.insert(index_path(env), prepared.index_blob);
    let tree_id = git::update_tree(repo, base.as_ref(), &remove, &upsert)?;
    if let (Some(h), Some(b)) = (head, &base)
        && b.id() == tree_id
    {
        return Ok(Step::Unchanged(h));
    }
    let changes = changes(prev, &prepared.index);
    let msg = commit_message(prov, env, &changes);
    let sig = git2::Signature::now(&opts.author_name, &opts.author_email)
        .map_err(|e| Error::git("make signature", &e))?;
    let tree = repo
        .find_tree(tree_id)
        .map_err(|e| Error::git("read new tree", &e))?;
    let parent = match head {
        Some(h) => Some(
            repo.find_commit(h)
                .map_err(|e| Error::git("read head", &e))?,
        ),
        None => None,
    };
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit = repo
        .commit(None, &sig, &sig, &msg, &tree, &parents)
        .map_err(|e| Error::git("write commit", &e))?;
    Ok(Step::Commit(commit, changes))
}

/// Writes the objects held in memory to the repository as one pack.
fn flush(
    repo: &git2::Repository,
    odb: &git2::Odb<'_>,
    mempack: &git2::Mempack<'_>,
) -> Result<(), Error> {
    use std::io::Write as _;
    let err = |e: &git2::Error| Error::git("write the pack of new objects", e);
    let mut buf = git2::Buf::new();
    mempack.dump(repo, &mut buf).map_err(|e| err(&e))?;
    let mut w = odb.packwriter().map_err(|e| err(&e))?;
    w.write_all(&buf).map_err(|e| Error::Git {
        context: "write the pack of new objects".into(),
        message: e.to_string(),
    })?;
    w.commit().map_err(|e| err(&e))?;
    mempack.reset().map_err(|e| err(&e))
}

/// The commit message: summary, changed releases, provenance trailers.
pub fn commit_message(prov: &Provenance, env: &str, changes: &[Change]) -> String {
    let short: String = prov.source_commit.chars().take(7).collect();
    let mut subject = prov.source_subject.lines().next().unwrap_or("").to_string();
    if subject.chars().count() > 60 {
        subject = subject.chars().take(59).collect::<String>() + "…";
    }
    let mut m = if subject.is_empty() {
        format!("{env}: render {short}\n\n")
    } else {
        format!("{env}: render {short} ({subject})\n\n")
    };
    if changes.is_empty() {
        m.push_str("No release changed (provenance only).\n");
    } else {
        m.push_str("Changed releases:\n");
        for c in changes {
            let line = match c {
                Change::Added(n) => format!("- added {n}\n"),
                Change::Updated(n) => format!("- updated {n}\n"),
                Change::Removed(n) => format!("- removed {n}\n"),
            };
            m.push_str(&line);
        }
    }
    let one = |s: &str| s.replace('\n', " ");
    m.push_str(&format!(
        "\nCanon-Environment: {env}\nCanon-Source-Repo: {}\nCanon-Source-Commit: {}\nCanon-Source-Ref: {}\nCanon-Version: {}\n",
        one(&prov.source_repo),
        one(&prov.source_commit),
        one(&prov.source_ref),
        one(&prov.canon_version)
    ));
    m
}

/// Commits `render` to `target.branch` of `remote`: starting from the remote head, removes the
/// paths the environment's previous index owned, writes the new releases and index, and pushes
/// with compare-and-swap; a lost race fetches the new head and re-applies. Returns without a
/// commit when the tree would not change, or when the remote holds a newer source commit.
pub fn hydrate(
    remote: &mut dyn Remote,
    target: &Target,
    render: &EnvironmentRender,
    prov: &Provenance,
    opts: &HydrateOptions<'_>,
) -> Result<Outcome, Error> {
    let mut timings = Timings::default();
    let t = Instant::now();
    // New objects are built in memory and land as one pack: thousands of loose-object files
    // cost seconds, and a killed process leaves no partial objects behind.
    let work = git2::Repository::open_bare(remote.repo().path())
        .map_err(|e| Error::git("open the object database", &e))?;
    let odb = work
        .odb()
        .map_err(|e| Error::git("open the object database", &e))?;
    let mempack = odb
        .add_new_mempack_backend(1000)
        .map_err(|e| Error::git("create an in-memory object store", &e))?;
    let prepared = prepare(&work, target, render, prov)?;
    timings.build += t.elapsed();
    let env = &render.environment;
    let mut backoff = opts.backoff;
    for attempt in 1..=opts.max_attempts.max(1) {
        let t = Instant::now();
        let head = remote.fetch(&target.branch)?;
        timings.fetch += t.elapsed();
        let t = Instant::now();
        let step = build_on(&work, head, target, env, &prepared, prov, opts)?;
        if let Step::Commit(..) = step {
            flush(&work, &odb, &mempack)?;
        }
        timings.build += t.elapsed();
        let (commit, changes) = match step {
            Step::Stale(current_source) => {
                return Ok(Outcome::Stale {
                    current_source,
                    timings,
                });
            }
            Step::Unchanged(head) => return Ok(Outcome::Unchanged { head, timings }),
            Step::Commit(c, ch) => (c, ch),
        };
        let t = Instant::now();
        let pushed = remote.push(&target.branch, head, commit)?;
        timings.push += t.elapsed();
        if pushed == Push::Done {
            return Ok(Outcome::Committed {
                commit,
                attempts: attempt,
                changes,
                timings,
            });
        }
        if attempt < opts.max_attempts {
            let ms = backoff.as_millis().max(1) as u64;
            std::thread::sleep(Duration::from_millis(ms / 2 + fastrand::u64(0..=ms)));
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }
    Err(Error::Contention {
        branch: target.branch.clone(),
        attempts: opts.max_attempts,
    })
}
