//! Charts named `repo/chart` or `oci://…`: HTTP helm repositories (index.yaml + .tgz) and OCI
//! registries, with helmfile's lock file and a local cache (helmfile's `chart_dependency.go`,
//! helm's `repo` and `registry` packages).
//!
//! Contract (owner: the `hf-repo` helper): a [`ChartResolver`] turns the chart reference of a
//! release (with its version constraint) into a local chart path (directory or `.tgz`) that
//! `helm::loader` reads; local paths pass through; downloads are verified and cached by
//! digest outside the checkout; the lock file pins versions.
//!
//! How a reference is read (helmfile's `isLocalChart`/`resolveRemoteChart`, then helm's
//! `ChartDownloader.ResolveChartVersion`):
//! - `./x`, `../x`, absolute paths, names without `/` and paths of more than three segments
//!   are local directories or archives, relative to the helmfile's directory;
//! - `oci://host/path/name[:tag]` is pulled from that registry (credentials and TLS from a
//!   `repositories:` entry with `oci: true` whose URL prefixes it, if any);
//! - `http(s)://…/chart.tgz` is downloaded as is;
//! - `repo/name` names a `repositories:` entry: its `index.yaml`, or with `oci: true`
//!   `oci://<url>/name`; but an existing path of that name (relative to the helmfile's
//!   directory) wins, as in helm's `LocateChart` (`chart: charts/app` with no repository
//!   `charts` is a local chart).
//!
//! Versions: with a lock file, the locked version of the chart (helmfile's
//! `mergeLockedDependencies`); otherwise the release's constraint, resolved as helm does
//! (`IndexFile.Get`; for OCI, tags). Constraints are Masterminds/semver v3.5.0's (what helm
//! v4 and helmfile link; `sprig::semver_api::semver_compare_v3_5`): a prerelease in one
//! constraint of an AND group admits prereleases for the whole group.
//!
//! Network I/O is blocking (ureq + rustls): resolution happens once per release before
//! rendering, and a pinned version that is in the cache does no I/O at all. Indexes and
//! registry tokens are kept for the resolver's life (its clones share them), so a repository
//! is read once per render. Credentials: the entry's `username`/`password`, else
//! `<NAME>_USERNAME`/`<NAME>_PASSWORD` (helmfile's `gatherUsernamePassword`); sent to another
//! origin than the repository's only with `passCredentials` (helm's getter). The release's
//! `plainHttp`/`insecureSkipTLSVerify`/`devel` (or `helmDefaults`') go through
//! [`ChartResolver::resolve_with`].
//!
//! Not reproduced: helm's own repository and registry configuration (`helm repo add`,
//! `~/.config/helm/registry/config.json`, docker credential helpers) is not read, only the
//! helmfile's `repositories:`; an `oci://` reference takes the TLS, `plainHttp` and credentials
//! of the `oci: true` entry whose URL prefixes it (helmfile shares only the credentials, through
//! `helm registry login`); provenance (`.prov`) verification; chart URLs other than the first of
//! an index entry. The archive's digest is checked against the index (helm only uses it as a
//! cache key), and OCI blobs against their manifest digest.

mod cache;
mod http;
mod index;
mod lock;
mod oci;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use cache::{Cache, default_dir as default_cache_dir, sha256_hex};
pub use index::{ChartVersion, IndexFile};
pub use lock::{HELMFILE_VERSION, LockFile, LockedDependency, Requirement};

use crate::spec::{HelmState, Repository};

/// A chart that cannot be found, fetched or verified (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{0}")]
    Message(String),
    /// `repo/chart` whose `repo` has no `repositories:` entry.
    #[error("chart \"{chart}\": repo {repo} not found (no `repositories:` entry named \"{repo}\")")]
    UnknownRepo { repo: String, chart: String },
    /// No version of the chart matches (helm's text).
    #[error("chart \"{chart}\" matching {constraint} not found in {repo} index: {message}")]
    NoVersion {
        chart: String,
        constraint: String,
        repo: String,
        message: String,
    },
    /// The server could not be reached (DNS, connection, TLS handshake, timeout).
    #[error("repository unreachable: {url}: {message}")]
    Unreachable { url: String, message: String },
    /// A non-success HTTP status (helm's getter text).
    #[error("failed to fetch {url} : {status}")]
    Http { url: String, status: String },
    /// 401/403: missing or wrong credentials.
    #[error("failed to fetch {url} : {status} (check the repository's username and password)")]
    Unauthorized { url: String, status: String },
    #[error(
        "digest mismatch for {url}: the index says sha256 {expected}, the download is {actual}"
    )]
    Digest {
        url: String,
        expected: String,
        actual: String,
    },
    /// A malformed `index.yaml`; `at` is `URL[:line[:col]]`.
    #[error("{at}: {message}")]
    Index { at: String, message: String },
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("chart cache {path}: {message}")]
    Cache { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Lock { path: PathBuf, message: String },
    #[error("{0}")]
    Oci(String),
}

/// Per-resolver memory shared by its clones: indexes fetched and HTTP clients built, so a
/// repository is read once per render however many releases use it.
#[derive(Clone, Debug, Default)]
pub struct Session {
    inner: Arc<SessionInner>,
}

#[derive(Debug, Default)]
struct SessionInner {
    indexes: Mutex<HashMap<String, Arc<IndexFile>>>,
    registries: Mutex<HashMap<String, Arc<oci::Registry>>>,
    /// Network requests made (indexes, archives, registry calls), for tests and `--debug`.
    fetches: std::sync::atomic::AtomicUsize,
}

/// Resolves chart references against a state's repositories.
#[derive(Clone, Debug, Default)]
pub struct ChartResolver {
    pub repositories: Vec<Repository>,
    /// The chart cache root (see [`default_cache_dir`]); empty means the default.
    pub cache_dir: PathBuf,
    /// The state's lock file, when it has one: versions of remote charts come from it.
    pub lock: Option<LockFile>,
    pub session: Session,
}

/// Per-release download flags helmfile passes to helm (`releases[].plainHttp`,
/// `insecureSkipTLSVerify`, `devel`, or the same keys of `helmDefaults`; a repository entry's
/// own `plainHttp`/`skipTLSVerify` apply in any case).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// `--plain-http`: OCI registries over HTTP.
    pub plain_http: bool,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `--devel`: with no version, prereleases count (helm uses the constraint `>0.0.0-0`).
    pub devel: bool,
}

impl FetchOptions {
    /// A repository entry with these flags applied (or a bare one for `oci://` references
    /// no entry covers).
    fn apply(&self, spec: Option<&Repository>) -> Option<Repository> {
        if *self == FetchOptions::default() {
            return spec.cloned();
        }
        let mut r = spec.cloned().unwrap_or_default();
        r.plain_http |= self.plain_http;
        r.skip_tls_verify |= self.insecure_skip_tls_verify;
        Some(r)
    }
}

/// How helmfile classifies a chart reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRef {
    Local(String),
    Oci(String),
    Url(String),
    /// `repo/name` (`name` may hold one more `/`).
    Remote {
        repo: String,
        name: String,
    },
}

/// helmfile's `isLocalChart` (with `/` as the path separator).
pub fn is_local_chart(chart: &str) -> bool {
    if chart.starts_with("./") || chart.starts_with("../") {
        return true;
    }
    if chart.contains("://") {
        return false;
    }
    let segments = chart.split('/').count();
    chart.is_empty()
        || chart.starts_with('/')
        || !chart.contains('/')
        || (segments != 2 && segments != 3)
}

impl ChartRef {
    pub fn parse(chart: &str) -> ChartRef {
        if is_local_chart(chart) {
            return ChartRef::Local(chart.to_string());
        }
        if chart.starts_with("oci://") {
            return ChartRef::Oci(chart.to_string());
        }
        if chart.contains("://") {
            return ChartRef::Url(chart.to_string());
        }
        let (repo, name) = chart.split_once('/').unwrap_or((chart, ""));
        ChartRef::Remote {
            repo: repo.to_string(),
            name: name.to_string(),
        }
    }
}

/// helm's `repo.ResolveReferenceURL`: `reference` against a repository URL that is taken as
/// a directory (a trailing `/` added); the repository URL's query is kept.
pub fn resolve_reference_url(base: &str, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_string();
    }
    let (base, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("", base));
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (reference, ref_query) = match reference.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (reference, None),
    };
    let joined = if let Some(r) = reference.strip_prefix("//") {
        format!("{scheme}://{r}")
    } else {
        let path = if reference.starts_with('/') {
            reference.to_string()
        } else {
            format!("{}/{reference}", path.trim_end_matches('/'))
        };
        // RFC 3986 dot-segment removal, as Go's `ResolveReference` does.
        let mut out: Vec<&str> = Vec::new();
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        for (i, s) in segs.iter().enumerate() {
            match *s {
                "." => {
                    if i + 1 == segs.len() {
                        out.push("");
                    }
                }
                ".." => {
                    out.pop();
                    if i + 1 == segs.len() {
                        out.push("");
                    }
                }
                s => out.push(s),
            }
        }
        format!("{scheme}://{host}/{}", out.join("/"))
    };
    match query.or(ref_query) {
        Some(q) => format!("{joined}?{q}"),
        None => joined,
    }
}

/// helmfile's `gatherUsernamePassword`: the entry's `username`/`password`, each falling back
/// to `<NAME>_USERNAME`/`<NAME>_PASSWORD` (the repository name upper-cased, `-` → `_`) from
/// `env`; credentials are used only when both are non-empty (helm's getter rule).
fn credentials_with(
    spec: &Repository,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    let prefix = spec.name.replace('-', "_").to_uppercase();
    let pick = |given: &Option<String>, suffix: &str| match given.as_deref() {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => env(&format!("{prefix}_{suffix}")).unwrap_or_default(),
    };
    let user = pick(&spec.username, "USERNAME");
    let pass = pick(&spec.password, "PASSWORD");
    (!user.is_empty() && !pass.is_empty()).then_some((user, pass))
}

fn credentials(spec: &Repository) -> Option<(String, String)> {
    credentials_with(spec, |k| std::env::var(k).ok())
}

/// A constraint that is also an exact version (`1.2.3`, `v1.2.3`): what the index's exact
/// string match returns, so a cached archive of it is the answer without the index.
fn exact_version(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-+.".contains(&b))
        && sprig::semver_api::Version::parse(v).is_ok()
}

impl ChartResolver {
    /// A resolver for `repositories` with the default cache and no lock file.
    pub fn new(repositories: Vec<Repository>) -> ChartResolver {
        ChartResolver {
            repositories,
            ..ChartResolver::default()
        }
    }

    /// The resolver of a loaded state: its repositories and its lock file (`lockFilePath`,
    /// default `<helmfile name without .yaml/.yml/.gotmpl>.lock` beside the helmfile).
    /// Relative `caFile`/`certFile`/`keyFile` paths are the helmfile's directory's (helmfile
    /// runs helm there).
    pub fn for_state(state: &HelmState) -> Result<ChartResolver, RepoError> {
        let path = lock_path(state);
        let at_base = |p: &Option<String>| {
            p.as_ref().map(|f| {
                if f.is_empty() || Path::new(f).is_absolute() {
                    f.clone()
                } else {
                    state.base_dir.join(f).to_string_lossy().into_owned()
                }
            })
        };
        let repositories = state
            .repositories
            .iter()
            .map(|r| Repository {
                ca_file: at_base(&r.ca_file),
                cert_file: at_base(&r.cert_file),
                key_file: at_base(&r.key_file),
                ..r.clone()
            })
            .collect();
        Ok(ChartResolver {
            repositories,
            lock: LockFile::read(&path)?,
            ..ChartResolver::default()
        })
    }

    fn cache(&self) -> Cache {
        if self.cache_dir.as_os_str().is_empty() {
            Cache::new(default_cache_dir())
        } else {
            Cache::new(&self.cache_dir)
        }
    }

    /// Network requests this resolver (and its clones) made so far.
    pub fn fetch_count(&self) -> usize {
        self.session
            .inner
            .fetches
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count_fetch(&self) {
        self.session
            .inner
            .fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn repository(&self, name: &str) -> Option<&Repository> {
        self.repositories.iter().find(|r| r.name == name)
    }

    /// A local chart path for `chart` (`./path`, `repo/name`, `oci://host/path/name`) at `version`.
    pub fn resolve(
        &self,
        chart: &str,
        version: Option<&str>,
        base_dir: &Path,
    ) -> Result<PathBuf, RepoError> {
        self.resolve_with(chart, version, base_dir, &FetchOptions::default())
    }

    /// [`ChartResolver::resolve`] with a release's download flags.
    pub fn resolve_with(
        &self,
        chart: &str,
        version: Option<&str>,
        base_dir: &Path,
        fetch: &FetchOptions,
    ) -> Result<PathBuf, RepoError> {
        let version = match version.unwrap_or("") {
            "" if fetch.devel => ">0.0.0-0",
            v => v,
        };
        match ChartRef::parse(chart) {
            ChartRef::Local(p) => Ok(if Path::new(&p).is_absolute() {
                PathBuf::from(p)
            } else {
                base_dir.join(p)
            }),
            ChartRef::Oci(r) => {
                let repo = fetch.apply(self.oci_repository_for(&r));
                self.pull_oci(&r, version, repo.as_ref())
            }
            ChartRef::Url(u) => self.download_url(&u),
            ChartRef::Remote { repo, name } => {
                // helm's `LocateChart` takes an existing path (relative to the helmfile's
                // directory, where helmfile runs helm) before any repository.
                let local = base_dir.join(chart);
                let Some(spec) = self.repository(&repo) else {
                    if local.exists() {
                        return Ok(local);
                    }
                    return Err(RepoError::UnknownRepo {
                        repo,
                        chart: chart.to_string(),
                    });
                };
                let version = self.locked_version(spec, &name, version)?;
                if local.exists() {
                    return Ok(local);
                }
                let with_flags = fetch.apply(Some(spec));
                let spec = with_flags.as_ref().unwrap_or(spec);
                if spec.oci {
                    let url = spec.url.trim_start_matches("oci://").trim_end_matches('/');
                    self.pull_oci(&format!("oci://{url}/{name}"), &version, Some(spec))
                } else {
                    self.pull_http(spec, &name, &version)
                }
            }
        }
    }

    /// The version the lock file pins for a remote chart (helmfile's `resolveDependencies`),
    /// or the constraint as written when there is no lock file.
    fn locked_version(
        &self,
        spec: &Repository,
        name: &str,
        constraint: &str,
    ) -> Result<String, RepoError> {
        let Some(lock) = &self.lock else {
            return Ok(constraint.to_string());
        };
        if spec.oci {
            let base = name.rsplit('/').next().unwrap_or(name);
            match lock.get(base, constraint) {
                Err(_) if base != name => lock.get(name, constraint),
                r => r,
            }
        } else {
            lock.get(name, constraint)
        }
    }

    fn oci_repository_for(&self, oci_ref: &str) -> Option<&Repository> {
        let target = oci_ref.trim_start_matches("oci://");
        self.repositories
            .iter()
            .filter(|r| r.oci)
            .filter(|r| {
                let u = r.url.trim_start_matches("oci://").trim_end_matches('/');
                !u.is_empty() && (target == u || target.starts_with(&format!("{u}/")))
            })
            .max_by_key(|r| r.url.len())
    }

    fn client(&self, repo: Option<&Repository>) -> Result<http::Client, RepoError> {
        http::Client::new(repo)
    }

    /// GETs a repository URL with helm's credential rules; non-2xx statuses are errors.
    fn fetch(
        &self,
        client: &http::Client,
        url: &str,
        repo: Option<&Repository>,
        accept: Option<&str>,
    ) -> Result<Vec<u8>, RepoError> {
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = accept {
            headers.push(("Accept", a));
        }
        let auth;
        if let Some(r) = repo
            && let Some((u, p)) = credentials(r)
            && (r.pass_credentials || http::origin(&r.url) == http::origin(url))
        {
            auth = http::basic_auth(&u, &p);
            headers.push(("Authorization", &auth));
        }
        self.count_fetch();
        let resp = client.get(url, &headers)?;
        match resp.status {
            401 | 403 => Err(RepoError::Unauthorized {
                url: url.to_string(),
                status: resp.status_line(),
            }),
            s if (200..300).contains(&s) => Ok(resp.body),
            _ => Err(RepoError::Http {
                url: url.to_string(),
                status: resp.status_line(),
            }),
        }
    }

    /// The repository's index, fetched once per session.
    pub fn index(&self, spec: &Repository) -> Result<Arc<IndexFile>, RepoError> {
        let url = resolve_reference_url(&spec.url, "index.yaml");
        // Keyed by entry too: two entries for one URL may carry different credentials.
        let key = format!("{}|{}|{url}", spec.name, spec.skip_tls_verify);
        if let Ok(m) = self.session.inner.indexes.lock()
            && let Some(i) = m.get(&key)
        {
            return Ok(i.clone());
        }
        let client = self.client(Some(spec))?;
        let data = self.fetch(&client, &url, Some(spec), None)?;
        let index = IndexFile::parse(&data).map_err(|e| {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{url}:{l}:{c}"),
                (Some(l), None) => format!("{url}:{l}"),
                _ => url.clone(),
            };
            RepoError::Index {
                at,
                message: e.message,
            }
        })?;
        let index = Arc::new(index);
        if let Ok(mut m) = self.session.inner.indexes.lock() {
            m.insert(key, index.clone());
        }
        Ok(index)
    }

    /// The chart version the repository's index picks for `constraint` (helm's rules).
    pub fn pick_version(
        &self,
        spec: &Repository,
        name: &str,
        constraint: &str,
    ) -> Result<ChartVersion, RepoError> {
        let index = self.index(spec)?;
        index
            .get(name, constraint)
            .cloned()
            .map_err(|message| RepoError::NoVersion {
                chart: name.to_string(),
                constraint: constraint.to_string(),
                repo: spec.name.clone(),
                message,
            })
    }

    fn pull_http(
        &self,
        spec: &Repository,
        name: &str,
        constraint: &str,
    ) -> Result<PathBuf, RepoError> {
        let cache = self.cache();
        if exact_version(constraint) {
            let dir = cache.version_dir(&spec.url, name, constraint);
            if let Some(p) = cache.lookup(&dir, None) {
                return Ok(p);
            }
        }
        let cv = self.pick_version(spec, name, constraint)?;
        let dir = cache.version_dir(&spec.url, name, &cv.version);
        if let Some(p) = cache.lookup(&dir, cv.digest.as_deref()) {
            return Ok(p);
        }
        let Some(first) = cv.urls.first() else {
            return Err(RepoError::Message(format!(
                "chart \"{}/{name}\" has no downloadable URLs",
                spec.name
            )));
        };
        let url = resolve_reference_url(&spec.url, first);
        let client = self.client(Some(spec))?;
        let data = self.fetch(
            &client,
            &url,
            Some(spec),
            Some("application/gzip,application/octet-stream"),
        )?;
        let actual = sha256_hex(&data);
        if let Some(expected) = &cv.digest
            && !expected
                .trim_start_matches("sha256:")
                .eq_ignore_ascii_case(&actual)
        {
            return Err(RepoError::Digest {
                url,
                expected: expected.clone(),
                actual,
            });
        }
        cache.store(&dir, &data, &actual)
    }

    fn download_url(&self, url: &str) -> Result<PathBuf, RepoError> {
        let cache = self.cache();
        let dir = cache.version_dir(url, "url", "archive");
        if let Some(p) = cache.lookup(&dir, None) {
            return Ok(p);
        }
        let client = self.client(None)?;
        let data = self.fetch(
            &client,
            url,
            None,
            Some("application/gzip,application/octet-stream"),
        )?;
        cache.store(&dir, &data, &sha256_hex(&data))
    }

    fn registry(
        &self,
        host: &str,
        spec: Option<&Repository>,
    ) -> Result<Arc<oci::Registry>, RepoError> {
        let key = format!(
            "{host}|{}|{}|{}",
            spec.map(|s| s.name.as_str()).unwrap_or(""),
            spec.is_some_and(|s| s.plain_http),
            spec.is_some_and(|s| s.skip_tls_verify)
        );
        if let Ok(m) = self.session.inner.registries.lock()
            && let Some(r) = m.get(&key)
        {
            return Ok(r.clone());
        }
        let credentials = spec.and_then(credentials);
        let plain = spec.is_some_and(|s| s.plain_http);
        let r = Arc::new(oci::Registry::new(
            self.client(spec)?,
            host,
            plain,
            credentials,
        ));
        if let Ok(mut m) = self.session.inner.registries.lock() {
            m.insert(key, r.clone());
        }
        Ok(r)
    }

    /// The tag helm pulls for an `oci://` reference at `version` (helm's `ValidateReference`).
    pub fn pick_oci_tag(
        &self,
        oci_ref: &str,
        version: &str,
        spec: Option<&Repository>,
    ) -> Result<String, RepoError> {
        let r = oci::Reference::parse(oci_ref)?;
        let version = if version.is_empty() {
            r.tag.clone().unwrap_or_default()
        } else {
            if let Some(t) = &r.tag
                && t != version
            {
                return Err(RepoError::Oci(format!(
                    "chart reference and version mismatch: {version} is not {t}"
                )));
            }
            version.to_string()
        };
        if sprig::semver_api::Version::parse(&version).is_ok() {
            return Ok(version);
        }
        let registry = self.registry(&r.registry, spec)?;
        self.count_fetch();
        let tags = registry.tags(&r.repository)?;
        if tags.is_empty() {
            return Err(RepoError::Oci(format!(
                "unable to locate any tags in provided repository: {oci_ref}"
            )));
        }
        oci::pick_tag(&tags, &version)
    }

    fn pull_oci(
        &self,
        oci_ref: &str,
        version: &str,
        spec: Option<&Repository>,
    ) -> Result<PathBuf, RepoError> {
        let r = oci::Reference::parse(oci_ref)?;
        let cache = self.cache();
        let source = format!("oci://{}/{}", r.registry, r.repository);
        let registry_reference = if let Some(d) = &r.digest {
            d.clone()
        } else {
            let tag = self.pick_oci_tag(oci_ref, version, spec)?;
            if tag.is_empty() {
                return Err(RepoError::Oci(format!(
                    "{oci_ref}: no version given and the reference has no tag"
                )));
            }
            tag
        };
        let dir = cache.version_dir(&source, r.chart_name(), &registry_reference);
        if let Some(p) = cache.lookup(&dir, None) {
            return Ok(p);
        }
        let registry = self.registry(&r.registry, spec)?;
        self.count_fetch();
        let layer = registry.chart_layer(&r.repository, &registry_reference)?;
        self.count_fetch();
        let data = registry.blob(&r.repository, &layer)?;
        cache.store(&dir, &data, &sha256_hex(&data))
    }

    /// What `helmfile deps` locks for these remote charts (`(chart, version constraint,
    /// namespace, release name)` per release; local charts and charts of unknown repositories
    /// are skipped, as helmfile skips them): every chart resolved against its repository now.
    pub fn lock_dependencies(
        &self,
        releases: &[(String, String, String, String)],
        previous: Option<&LockFile>,
    ) -> Result<Option<LockFile>, RepoError> {
        let mut reqs = Vec::new();
        let mut resolved = Vec::new();
        for (chart, constraint, namespace, release) in releases {
            let ChartRef::Remote { repo, name } = ChartRef::parse(chart) else {
                continue;
            };
            let Some(spec) = self.repository(&repo) else {
                continue;
            };
            let constraint = if constraint.is_empty() {
                "*".to_string()
            } else {
                constraint.clone()
            };
            let (dep_name, repository, version) = if spec.oci {
                let url = spec.url.trim_start_matches("oci://").trim_end_matches('/');
                let base = format!("oci://{url}");
                let (prefix, chart_name) = match name.rsplit_once('/') {
                    Some((p, n)) => (format!("{base}/{p}"), n.to_string()),
                    None => (base, name.clone()),
                };
                let tag = self.pick_oci_tag(
                    &format!("{prefix}/{chart_name}"),
                    if constraint == "*" { "" } else { &constraint },
                    Some(spec),
                )?;
                (chart_name, prefix, tag)
            } else {
                let cv = self.pick_version(spec, &name, &constraint)?;
                (name.clone(), spec.url.clone(), cv.version)
            };
            reqs.push(Requirement {
                name: dep_name.clone(),
                repository: repository.clone(),
                version: constraint,
                alias: format!("{namespace}-{release}"),
            });
            resolved.push(LockedDependency {
                name: dep_name,
                repository,
                version,
            });
        }
        if reqs.is_empty() {
            return Ok(None);
        }
        Ok(Some(LockFile::generate(
            &reqs,
            &resolved,
            previous,
            std::time::SystemTime::now(),
        )))
    }
}

/// The lock file of a state (helmfile: `lockFilePath` relative to the helmfile's directory,
/// else `<name>.lock` with `.gotmpl`, `.yaml`, `.yml` stripped from the helmfile's name).
pub fn lock_path(state: &HelmState) -> PathBuf {
    if let Some(p) = &state.lock_file {
        return if p.is_absolute() {
            p.clone()
        } else {
            state.base_dir.join(p)
        };
    }
    let file = state
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "helmfile".into());
    let stem = file.strip_suffix(".gotmpl").unwrap_or(&file);
    let stem = stem
        .strip_suffix(".yaml")
        .or_else(|| stem.strip_suffix(".yml"))
        .unwrap_or(stem);
    state.base_dir.join(format!("{stem}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_helmfile() {
        assert_eq!(ChartRef::parse("./c"), ChartRef::Local("./c".into()));
        assert_eq!(ChartRef::parse("c"), ChartRef::Local("c".into()));
        assert_eq!(ChartRef::parse("/abs/c"), ChartRef::Local("/abs/c".into()));
        assert_eq!(
            ChartRef::parse("a/b/c/d"),
            ChartRef::Local("a/b/c/d".into())
        );
        assert_eq!(
            ChartRef::parse("stable/nginx"),
            ChartRef::Remote {
                repo: "stable".into(),
                name: "nginx".into()
            }
        );
        assert_eq!(
            ChartRef::parse("r/sub/nginx"),
            ChartRef::Remote {
                repo: "r".into(),
                name: "sub/nginx".into()
            }
        );
        assert_eq!(
            ChartRef::parse("oci://h/a/b"),
            ChartRef::Oci("oci://h/a/b".into())
        );
        assert_eq!(
            ChartRef::parse("https://h/a.tgz"),
            ChartRef::Url("https://h/a.tgz".into())
        );
    }

    #[test]
    fn resolves_urls_like_helm() {
        let r = resolve_reference_url;
        assert_eq!(
            r("http://h/charts", "index.yaml"),
            "http://h/charts/index.yaml"
        );
        assert_eq!(
            r("http://h/charts/", "index.yaml"),
            "http://h/charts/index.yaml"
        );
        assert_eq!(r("http://h", "index.yaml"), "http://h/index.yaml");
        assert_eq!(r("http://h/a/b", "../x.tgz"), "http://h/a/x.tgz");
        assert_eq!(r("http://h/a/b", "/x.tgz"), "http://h/x.tgz");
        assert_eq!(r("http://h/a", "https://o/x.tgz"), "https://o/x.tgz");
        assert_eq!(r("http://h/a?t=1", "x.tgz"), "http://h/a/x.tgz?t=1");
    }

    #[test]
    fn credentials_fall_back_to_the_environment() {
        let env = |k: &str| match k {
            "MY_REPO_USERNAME" => Some("env-user".to_string()),
            "MY_REPO_PASSWORD" => Some("env-pass".to_string()),
            _ => None,
        };
        let mut spec = Repository {
            name: "my-repo".into(),
            ..Repository::default()
        };
        assert_eq!(
            credentials_with(&spec, env),
            Some(("env-user".into(), "env-pass".into()))
        );
        spec.username = Some("alice".into());
        assert_eq!(
            credentials_with(&spec, env),
            Some(("alice".into(), "env-pass".into()))
        );
        spec.name = "other".into();
        assert_eq!(credentials_with(&spec, env), None);
    }

    #[test]
    fn lock_paths() {
        let state = |file: &str, lock: Option<&str>| HelmState {
            file: PathBuf::from(format!("/w/{file}")),
            base_dir: PathBuf::from("/w"),
            env: crate::spec::Environment {
                name: "default".into(),
                kube_context: String::new(),
                values: gotmpl::Value::Nil,
                ..Default::default()
            },
            repositories: vec![],
            helm_defaults: gotmpl::Value::Nil,
            releases: vec![],
            templates: Default::default(),
            common_labels: Default::default(),
            kube_version: None,
            api_versions: vec![],
            namespace: None,
            kube_context: None,
            missing_file_handler: Default::default(),
            lock_file: lock.map(PathBuf::from),
            chart: None,
            default_inherit: vec![],
            sub_states: vec![],
            context: String::new(),
            warnings: vec![],
        };
        assert_eq!(
            lock_path(&state("helmfile.yaml", None)),
            Path::new("/w/helmfile.lock")
        );
        assert_eq!(
            lock_path(&state("helmfile.yaml.gotmpl", None)),
            Path::new("/w/helmfile.lock")
        );
        assert_eq!(
            lock_path(&state("apps.yml", None)),
            Path::new("/w/apps.lock")
        );
        assert_eq!(
            lock_path(&state("helmfile.yaml", Some("locks/x.lock"))),
            Path::new("/w/locks/x.lock")
        );
    }
}
