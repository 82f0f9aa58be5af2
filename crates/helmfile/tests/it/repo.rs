//! Integration tests of `helmfile::repo` against real servers on loopback: a static HTTP
//! server (std `TcpListener`, below) serving an `index.yaml` and archives that the real
//! `helm package`/`helm repo index` made (`tests/fixtures/repo/make.sh`), and, in the
//! `#[ignore]`d tests, the CNCF distribution registry that `scripts/testenv registry` builds,
//! with charts pushed by the real `helm push`. The oracle tests check that canon picks the
//! version helm pulls and gets the same bytes, and writes the lock file `helmfile deps` writes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use helmfile::repo::{ChartResolver, LockFile, RepoError};
use helmfile::spec::Repository;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repo/http")
}

/// A request as the test servers see it.
struct Request {
    path: String,
    /// The raw query string.
    query: String,
    authorization: Option<String>,
}

/// What a handler answers: status line, extra header lines (each ending in `\r\n`), body.
type Reply = (&'static str, String, Vec<u8>);
type Handler = dyn Fn(&Request, SocketAddr) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server (one connection at a time, `Connection: close`) answering with
/// a handler; counts requests.
struct TestServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    fn start(handler: Arc<Handler>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (reqs, stopping) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                reqs.fetch_add(1, Ordering::Relaxed);
                let _ = serve(stream, addr, &*handler);
            }
        });
        TestServer {
            addr,
            requests,
            stop,
        }
    }

    /// A static file server: GET `/path` serves `root/path` (with `BASE_URL` in `.yaml` files
    /// replaced by the server's `host:port`), optionally behind basic auth.
    fn files(root: PathBuf, auth: Option<(&str, &str)>) -> TestServer {
        let expected = auth.map(|(u, p)| basic(u, p));
        TestServer::start(Arc::new(move |req: &Request, addr: SocketAddr| {
            if let Some(expected) = &expected
                && req.authorization.as_deref() != Some(expected)
            {
                return (
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"charts\"\r\n".into(),
                    b"unauthorized\n".to_vec(),
                );
            }
            let rel = req.path.trim_start_matches('/');
            if rel.split('/').any(|s| s == "..") {
                return ("400 Bad Request", String::new(), Vec::new());
            }
            match std::fs::read(root.join(rel)) {
                Ok(mut body) => {
                    if rel.ends_with(".yaml") {
                        body = String::from_utf8_lossy(&body)
                            .replace("BASE_URL", &addr.to_string())
                            .into_bytes();
                    }
                    ("200 OK", String::new(), body)
                }
                Err(_) => ("404 Not Found", String::new(), b"not found\n".to_vec()),
            }
        }))
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(stream: TcpStream, addr: SocketAddr, handler: &Handler) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(v.trim().to_string());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let req = Request {
        path: percent_decode(path),
        query: query.to_string(),
        authorization,
    };
    let (status, extra, body) = handler(&req, addr);
    let mut out = stream;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    out.write_all(&body)?;
    out.flush()
}

fn repo(name: &str, url: &str) -> Repository {
    Repository {
        name: name.into(),
        url: url.into(),
        ..Repository::default()
    }
}

fn resolver(repos: Vec<Repository>, cache: &Path) -> ChartResolver {
    ChartResolver {
        repositories: repos,
        cache_dir: cache.to_path_buf(),
        ..ChartResolver::default()
    }
}

/// The archive's version: the loaded chart's own `Chart.yaml` version.
fn chart_version(path: &Path) -> String {
    let chart = helm::loader::load(path).expect("helm::loader reads the resolved chart");
    chart.metadata.version.clone()
}

fn fixture_bytes(file: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("charts").join(file)).expect("fixture archive")
}

#[test]
fn http_repository_picks_versions_as_helm_and_caches() {
    let server = TestServer::files(fixtures(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let base = Path::new("/nonexistent");
    for (constraint, want) in [
        (None, "6.10.0"),
        (Some("~6.1"), "6.1.1"),
        (Some("6.1.0"), "6.1.0"),
        (Some("^6.0.0"), "6.10.0"),
        (Some(">=6.2.0-0 <7.0.0"), "7.0.0-beta.1"),
        (Some(">=6.2.0-0 <6.3.0"), "6.2.0-rc.1"),
        (Some(">=7.0.0-0"), "7.0.0-beta.1"),
    ] {
        let path = r.resolve("fx/podinfo", constraint, base).expect("resolves");
        assert_eq!(chart_version(&path), want, "constraint {constraint:?}");
        assert_eq!(
            std::fs::read(&path).expect("cached archive"),
            fixture_bytes(&format!("podinfo-{want}.tgz")),
            "the cached archive is the served archive"
        );
        assert!(path.starts_with(cache.path()));
    }
    let devel = helmfile::repo::FetchOptions {
        devel: true,
        ..Default::default()
    };
    let path = r
        .resolve_with("fx/podinfo", None, base, &devel)
        .expect("devel");
    assert_eq!(chart_version(&path), "7.0.0-beta.1");
    let path = r
        .resolve_with("fx/podinfo", Some("~6.1"), base, &devel)
        .expect("devel with a version");
    assert_eq!(chart_version(&path), "6.1.1");
    let path = r
        .resolve("fx/metrics-server", None, base)
        .expect("resolves");
    assert_eq!(chart_version(&path), "3.13.2+build.7");

    // A second resolver (a second render) with exact versions does no network I/O.
    let before = server.requests();
    let again = resolver(vec![repo("fx", &server.url())], cache.path());
    let p = again
        .resolve("fx/podinfo", Some("6.1.0"), base)
        .expect("from cache");
    assert_eq!(chart_version(&p), "6.1.0");
    assert_eq!(
        server.requests(),
        before,
        "pinned version served from the cache"
    );
    assert_eq!(again.fetch_count(), 0);
}

#[test]
fn absolute_urls_in_the_index() {
    let root = tempfile::tempdir().expect("tempdir");
    // The same repository with `index-absolute.yaml` as its index.
    std::fs::create_dir_all(root.path().join("abs")).expect("mkdir");
    std::fs::copy(
        fixtures().join("index-absolute.yaml"),
        root.path().join("abs/index.yaml"),
    )
    .expect("copy index");
    copy_dir(&fixtures().join("charts"), &root.path().join("charts"));
    let server = TestServer::files(root.path().to_path_buf(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(
        vec![repo("abs", &format!("{}/abs", server.url()))],
        cache.path(),
    );
    let path = r
        .resolve("abs/podinfo", Some("~6.0"), Path::new("."))
        .expect("resolves");
    assert_eq!(chart_version(&path), "6.0.0");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

#[test]
fn basic_auth_and_401() {
    let server = TestServer::files(fixtures(), Some(("alice", "s3cret")));
    let cache = tempfile::tempdir().expect("tempdir");
    let mut good = repo("private", &server.url());
    good.username = Some("alice".into());
    good.password = Some("s3cret".into());
    let path = resolver(vec![good.clone()], cache.path())
        .resolve("private/podinfo", Some("6.0.0"), Path::new("."))
        .expect("authenticated");
    assert_eq!(chart_version(&path), "6.0.0");

    let anonymous = repo("private", &server.url());
    let e = resolver(vec![anonymous], cache.path())
        .resolve("private/podinfo", Some("~6.1"), Path::new("."))
        .expect_err("401");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("401 Unauthorized"), "{e}");
    assert!(e.to_string().contains("/index.yaml"), "{e}");

    let mut wrong = good;
    wrong.password = Some("nope".into());
    let e = resolver(vec![wrong], cache.path())
        .resolve("private/podinfo", Some("~6.1"), Path::new("."))
        .expect_err("401");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
}

#[test]
fn credentials_go_to_other_hosts_only_with_pass_credentials() {
    // The index on one server names archives on another (another port: another origin).
    let charts = TestServer::files(fixtures(), Some(("alice", "s3cret")));
    let root = tempfile::tempdir().expect("tempdir");
    let index = std::fs::read_to_string(fixtures().join("index-absolute.yaml"))
        .expect("index")
        .replace("BASE_URL", &charts.addr.to_string());
    std::fs::write(root.path().join("index.yaml"), index).expect("write");
    let server = TestServer::files(root.path().to_path_buf(), Some(("alice", "s3cret")));
    let cache = tempfile::tempdir().expect("tempdir");
    let mut spec = repo("split", &server.url());
    spec.username = Some("alice".into());
    spec.password = Some("s3cret".into());
    let e = resolver(vec![spec.clone()], cache.path())
        .resolve("split/podinfo", Some("6.0.0"), Path::new("."))
        .expect_err("credentials withheld from the other origin");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains(&charts.url()), "{e}");
    spec.pass_credentials = true;
    let p = resolver(vec![spec], cache.path())
        .resolve("split/podinfo", Some("6.0.0"), Path::new("."))
        .expect("passCredentials sends them");
    assert_eq!(chart_version(&p), "6.0.0");
}

#[test]
fn resolver_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ChartResolver>();
    let server = TestServer::files(fixtures(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let versions: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = ["6.0.0", "~6.1", "6.10.0", "6.0.0"]
            .into_iter()
            .map(|v| {
                let r = &r;
                s.spawn(move || {
                    chart_version(
                        &r.resolve("fx/podinfo", Some(v), Path::new("."))
                            .expect("resolves"),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(versions, ["6.0.0", "6.1.1", "6.10.0", "6.0.0"]);
}

#[test]
fn errors_name_what_failed() {
    let server = TestServer::files(fixtures(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let dot = Path::new(".");

    // `charts/app` with no repository `charts` is a path, when it exists.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("charts/app")).expect("mkdir");
    assert_eq!(
        r.resolve("charts/app", None, dir.path()).expect("local"),
        dir.path().join("charts/app")
    );

    let e = r
        .resolve("nope/podinfo", None, dot)
        .expect_err("unknown repo");
    assert!(matches!(e, RepoError::UnknownRepo { .. }), "{e:?}");
    assert!(e.to_string().contains("repo nope not found"), "{e}");

    let e = r
        .resolve("fx/podinfo", Some("9.9.9"), dot)
        .expect_err("no version");
    assert_eq!(
        e.to_string(),
        "chart \"podinfo\" matching 9.9.9 not found in fx index: no chart version found for podinfo-9.9.9"
    );
    let e = r.resolve("fx/absent", None, dot).expect_err("no chart");
    assert!(e.to_string().ends_with("no chart name found"), "{e}");

    // A closed port.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let r2 = resolver(
        vec![repo("down", &format!("http://127.0.0.1:{port}"))],
        cache.path(),
    );
    let e = r2
        .resolve("down/podinfo", None, dot)
        .expect_err("unreachable");
    assert!(matches!(e, RepoError::Unreachable { .. }), "{e:?}");

    // A repository URL with no index.
    let r3 = resolver(
        vec![repo("missing", &format!("{}/nothing-here", server.url()))],
        cache.path(),
    );
    let e = r3.resolve("missing/podinfo", None, dot).expect_err("404");
    assert_eq!(
        e.to_string(),
        format!(
            "failed to fetch {}/nothing-here/index.yaml : 404 Not Found",
            server.url()
        )
    );
}

#[test]
fn malformed_index_and_digest_mismatch() {
    let root = tempfile::tempdir().expect("tempdir");
    let bad = root.path().join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(
        bad.join("index.yaml"),
        "apiVersion: v1\nentries:\n  podinfo:\n  - name: podinfo\n    version: [1.0.0\n",
    )
    .expect("write");
    let tampered = root.path().join("tampered");
    copy_dir(&fixtures().join("charts"), &tampered.join("charts"));
    let index = std::fs::read_to_string(fixtures().join("index.yaml")).expect("index");
    // Swap the two archives' bytes: the index's digest no longer matches what is served.
    std::fs::copy(
        fixtures().join("charts/podinfo-6.0.0.tgz"),
        tampered.join("charts/podinfo-6.1.0.tgz"),
    )
    .expect("copy");
    std::fs::write(tampered.join("index.yaml"), index).expect("write");

    let server = TestServer::files(root.path().to_path_buf(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(
        vec![
            repo("bad", &format!("{}/bad", server.url())),
            repo("tampered", &format!("{}/tampered", server.url())),
        ],
        cache.path(),
    );
    let e = r
        .resolve("bad/podinfo", None, Path::new("."))
        .expect_err("malformed");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("{}/bad/index.yaml:", server.url())),
        "{text}"
    );
    assert!(matches!(e, RepoError::Index { .. }), "{e:?}");
    assert!(text.contains("yaml:"), "{text}");

    let e = r
        .resolve("tampered/podinfo", Some("6.1.0"), Path::new("."))
        .expect_err("digest mismatch");
    assert!(matches!(e, RepoError::Digest { .. }), "{e:?}");
    // Nothing was cached for it.
    let e2 = r
        .resolve("tampered/podinfo", Some("6.1.0"), Path::new("."))
        .expect_err("still a mismatch");
    assert!(matches!(e2, RepoError::Digest { .. }), "{e2:?}");
}

#[test]
fn lock_file_pins_versions_and_skips_the_network() {
    let server = TestServer::files(fixtures(), None);
    let cache = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let releases = vec![(
        "fx/podinfo".to_string(),
        "~6.1".to_string(),
        "default".to_string(),
        "web".to_string(),
    )];
    let lock = r
        .lock_dependencies(&releases, None)
        .expect("locks")
        .expect("one remote chart");
    assert_eq!(lock.dependencies.len(), 1);
    assert_eq!(lock.dependencies[0].version, "6.1.1");
    let path = dir.path().join("helmfile.lock");
    std::fs::write(&path, lock.to_yaml()).expect("write lock");

    // Populate the cache once, then render again with the lock: no request at all.
    let read = LockFile::read(&path).expect("reads").expect("exists");
    let locked = ChartResolver {
        lock: Some(read.clone()),
        ..resolver(vec![repo("fx", &server.url())], cache.path())
    };
    let p = locked
        .resolve("fx/podinfo", Some("~6.1"), Path::new("."))
        .expect("resolves");
    assert_eq!(chart_version(&p), "6.1.1");
    let before = server.requests();
    let second = ChartResolver {
        lock: Some(read.clone()),
        ..resolver(vec![repo("fx", &server.url())], cache.path())
    };
    let p = second
        .resolve("fx/podinfo", Some("~6.1"), Path::new("."))
        .expect("resolves from cache");
    assert_eq!(chart_version(&p), "6.1.1");
    assert_eq!(server.requests(), before);
    // A constraint the lock does not satisfy is helmfile's error.
    let e = second
        .resolve("fx/podinfo", Some("^7"), Path::new("."))
        .expect_err("not locked");
    assert!(
        e.to_string()
            .contains("running \"helmfile deps\" may resolve the issue"),
        "{e}"
    );
    // Regenerating with nothing changed keeps `generated`.
    let again = r
        .lock_dependencies(&releases, Some(&read))
        .expect("locks")
        .expect("one");
    assert_eq!(again.generated, read.generated);
    assert_eq!(again.digest, read.digest);
}

// ---- oracle tests: real helm, helmfile and the distribution registry (#[ignore]) ----

fn tool(r: Result<PathBuf, testenv::Error>) -> PathBuf {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// A helm with a private HOME and config (so tests never touch the user's repositories).
struct Helm {
    bin: PathBuf,
    home: tempfile::TempDir,
}

impl Helm {
    fn new() -> Helm {
        Helm {
            bin: tool(testenv::helm(testenv::HelmVersion::V4)),
            home: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        let h = self.home.path();
        c.env("HOME", h)
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env_remove("HELM_REPOSITORY_CONFIG")
            .env_remove("HELM_REGISTRY_CONFIG");
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("run helm");
        assert!(
            out.status.success(),
            "helm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn single_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
#[ignore = "needs helm v4 (scripts/testenv)"]
fn oracle_helm_pulls_the_same_http_chart() {
    let server = TestServer::files(fixtures(), None);
    let helm = Helm::new();
    helm.run(&["repo", "add", "fx", &server.url()]);
    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let (mut matched, mut failed_both) = (0, 0);
    for chart in ["podinfo", "metrics-server"] {
        for constraint in [
            "",
            "~6.1",
            "6.1.0",
            "^6",
            ">=6.2.0-0 <7.0.0",
            ">=6.2.0-0 <6.3.0",
            ">=7.0.0-0",
            "6",
            "6.1",
            "~3.12",
            "3.13.2+build.7",
            ">3.12.0",
            "3.x",
        ] {
            let dest = tempfile::tempdir().expect("tempdir");
            let mut args = vec!["pull", "--destination"];
            let d = dest.path().to_str().expect("utf-8 path").to_string();
            args.push(&d);
            let full = format!("fx/{chart}");
            args.push(&full);
            if !constraint.is_empty() {
                args.extend(["--version", constraint]);
            }
            let out = helm.cmd().args(&args).output().expect("helm pull");
            let ours = r.resolve(
                &full,
                Some(constraint).filter(|c| !c.is_empty()),
                Path::new("."),
            );
            if !out.status.success() {
                failed_both += 1;
                assert!(
                    ours.is_err(),
                    "helm failed ({}) for {full} {constraint:?} but canon resolved {ours:?}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            let ours = ours.unwrap_or_else(|e| panic!("{full} {constraint:?}: {e}"));
            let theirs = single_file(dest.path());
            eprintln!(
                "{full} {constraint:?}: helm pulled {}",
                theirs
                    .file_name()
                    .map(|f| f.to_string_lossy())
                    .unwrap_or_default()
            );
            matched += 1;
            assert_eq!(
                std::fs::read(&ours).expect("ours"),
                std::fs::read(&theirs).expect("theirs"),
                "{full} {constraint:?}: canon resolved {} (chart {}), helm pulled {}",
                ours.display(),
                chart_version(&ours),
                theirs.display()
            );
        }
    }
    // `--devel` (helmfile's `devel: true`) with and without a version.
    let devel = helmfile::repo::FetchOptions {
        devel: true,
        ..Default::default()
    };
    for constraint in [None, Some("~6.1")] {
        let dest = tempfile::tempdir().expect("tempdir");
        let d = dest.path().display().to_string();
        let mut args = vec!["pull", "fx/podinfo", "--devel", "--destination", &d];
        if let Some(c) = constraint {
            args.extend(["--version", c]);
        }
        helm.run(&args);
        let ours = r
            .resolve_with("fx/podinfo", constraint, Path::new("."), &devel)
            .expect("devel");
        assert_eq!(
            std::fs::read(&ours).expect("ours"),
            std::fs::read(single_file(dest.path())).expect("theirs"),
            "--devel {constraint:?}"
        );
    }
    eprintln!("{matched} pulls identical, {failed_both} refused by both");
    assert!(
        matched >= 14 && failed_both >= 5,
        "{matched} / {failed_both}"
    );
}

/// helmfile with a private HOME, using helm v4.
fn helmfile_cmd(home: &Path) -> Command {
    let helm = tool(testenv::helm(testenv::HelmVersion::V4));
    let mut c = Command::new(tool(testenv::helmfile()));
    c.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("--helm-binary")
        .arg(helm);
    c
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn oracle_helmfile_deps_writes_the_same_lock() {
    let server = TestServer::files(fixtures(), None);
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("helmfile.yaml"),
        format!(
            "repositories:\n- name: fx\n  url: {}\nreleases:\n- name: web\n  namespace: apps\n  chart: fx/podinfo\n  version: ~6.1\n",
            server.url()
        ),
    )
    .expect("write helmfile");
    let out = helmfile_cmd(home.path())
        .current_dir(dir.path())
        .arg("deps")
        .output()
        .expect("helmfile deps");
    assert!(
        out.status.success(),
        "helmfile deps: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("helmfile.lock")).expect("lock written");
    let theirs = LockFile::parse(&text, Path::new("helmfile.lock")).expect("parses");

    let cache = tempfile::tempdir().expect("tempdir");
    let r = resolver(vec![repo("fx", &server.url())], cache.path());
    let ours = r
        .lock_dependencies(
            &[(
                "fx/podinfo".into(),
                "~6.1".into(),
                "apps".into(),
                "web".into(),
            )],
            None,
        )
        .expect("locks")
        .expect("one");
    assert_eq!(ours.dependencies, theirs.dependencies);
    assert_eq!(ours.digest, theirs.digest, "helm's HashReq");
    assert_eq!(ours.version, theirs.version);
    // Byte for byte, but for the generation time.
    let ours_text = LockFile {
        generated: theirs.generated.clone(),
        ..ours
    }
    .to_yaml();
    assert_eq!(ours_text, text);
}

/// The distribution registry on a loopback port, storage in a temp dir, optionally with
/// htpasswd basic auth.
struct Registry {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Server and client certificates from one test CA (files in a temp dir).
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let put = |name: &str, data: String| {
            std::fs::write(dir.path().join(name), data).expect("write pki file")
        };
        let ca_key = KeyPair::generate().expect("key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "canon-test-ca");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        put("ca.crt", ca.self_signed(&ca_key).expect("ca").pem());
        let issuer = Issuer::new(ca, ca_key);
        for (name, sans, usage) in [
            (
                "server",
                vec!["127.0.0.1".to_string(), "localhost".to_string()],
                ExtendedKeyUsagePurpose::ServerAuth,
            ),
            ("client", vec![], ExtendedKeyUsagePurpose::ClientAuth),
        ] {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(sans).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            let cert = params.signed_by(&key, &issuer).expect("sign");
            put(&format!("{name}.crt"), cert.pem());
            put(&format!("{name}.key"), key.serialize_pem());
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Registry {
    fn start(htpasswd: Option<&str>) -> Registry {
        Registry::start_with(htpasswd, None, "")
    }

    /// With `pki`, the registry serves TLS and requires a client certificate from the CA;
    /// `auth` is an `auth:` section of its own (token auth).
    fn start_with(htpasswd: Option<&str>, pki: Option<&Pki>, auth: &str) -> Registry {
        let bin = tool(testenv::registry());
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let auth = match htpasswd {
            Some(line) => {
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, format!("{line}\n")).expect("htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: canon-test\n    path: {}\n",
                    file.display()
                )
            }
            None => auth.to_string(),
        };
        let tls = match pki {
            Some(p) => format!(
                "  tls:\n    certificate: {}\n    key: {}\n    clientcas:\n      - {}\n",
                p.path("server.crt"),
                p.path("server.key"),
                p.path("ca.crt")
            ),
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{tls}{auth}",
            dir.path().join("data").display()
        );
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).expect("config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log");
        let child = Command::new(bin)
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start registry");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let mut reg = Registry {
            child,
            addr,
            _dir: dir,
        };
        for _ in 0..200 {
            if let Ok(mut s) = TcpStream::connect(addr) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut b = Vec::new();
                let _ = s.read_to_end(&mut b);
                if b.starts_with(b"HTTP/1") {
                    return reg;
                }
            }
            if let Ok(Some(status)) = reg.child.try_wait() {
                let log = std::fs::read_to_string(reg._dir.path().join("registry.log"))
                    .unwrap_or_default();
                panic!("registry exited ({status}): {log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("registry did not come up on {addr}");
    }
}

fn push_all(helm: &Helm, host: &str) {
    push_all_with(helm, host, &["--plain-http"]);
}

fn push_all_with(helm: &Helm, host: &str, flags: &[&str]) {
    for e in std::fs::read_dir(fixtures().join("charts")).expect("charts") {
        let p = e.expect("entry").path();
        let dest = format!("oci://{host}/charts");
        let mut args = vec!["push", p.to_str().expect("utf-8"), &dest];
        args.extend(flags);
        helm.run(&args);
    }
}

#[test]
#[ignore = "needs the distribution registry and helm v4 (scripts/testenv registry helm4)"]
fn oracle_oci_registry_pull_matches_helm() {
    let registry = Registry::start(None);
    let host = registry.addr.to_string();
    let helm = Helm::new();
    push_all(&helm, &host);
    let cache = tempfile::tempdir().expect("tempdir");
    let spec = Repository {
        name: "reg".into(),
        url: format!("{host}/charts"),
        oci: true,
        plain_http: true,
        ..Repository::default()
    };
    let r = resolver(vec![spec], cache.path());
    for (chart, constraint) in [
        ("podinfo", ""),
        ("podinfo", "~6.1"),
        ("podinfo", "6.1.0"),
        ("podinfo", ">=6.2.0-0 <7.0.0"),
        ("podinfo", ">=6.2.0-0 <6.3.0"),
        ("metrics-server", ""),
        ("metrics-server", "3.13.2+build.7"),
        ("metrics-server", "~3.12"),
    ] {
        let dest = tempfile::tempdir().expect("tempdir");
        let oci = format!("oci://{host}/charts/{chart}");
        let mut args = vec![
            "pull".to_string(),
            oci.clone(),
            "--plain-http".into(),
            "--destination".into(),
            dest.path().display().to_string(),
        ];
        if !constraint.is_empty() {
            args.extend(["--version".to_string(), constraint.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        helm.run(&args);
        let theirs = std::fs::read(single_file(dest.path())).expect("helm's pull");
        let v = Some(constraint).filter(|c| !c.is_empty());
        // Both spellings: the repository entry, and the `oci://` reference it prefixes.
        let by_repo = r
            .resolve(&format!("reg/{chart}"), v, Path::new("."))
            .unwrap_or_else(|e| panic!("reg/{chart} {constraint:?}: {e}"));
        let by_ref = r
            .resolve(&oci, v, Path::new("."))
            .unwrap_or_else(|e| panic!("{oci} {constraint:?}: {e}"));
        assert_eq!(
            std::fs::read(&by_repo).expect("ours"),
            theirs,
            "{chart} {constraint:?}"
        );
        assert_eq!(
            std::fs::read(&by_ref).expect("ours"),
            theirs,
            "{chart} {constraint:?}"
        );
    }
    // An `oci://` reference no entry covers, with the release's `plainHttp`.
    let bare = resolver(vec![], cache.path());
    let oci = format!("oci://{host}/charts/podinfo");
    let e = bare
        .resolve(&oci, Some("~6.0"), Path::new("."))
        .expect_err("https to a plain-HTTP registry");
    assert!(matches!(e, RepoError::Unreachable { .. }), "{e:?}");
    let plain = helmfile::repo::FetchOptions {
        plain_http: true,
        ..Default::default()
    };
    let p = bare
        .resolve_with(&oci, Some("~6.0"), Path::new("."), &plain)
        .expect("plainHttp");
    assert_eq!(chart_version(&p), "6.0.0");
    // `devel` with no version admits prereleases.
    let devel = helmfile::repo::FetchOptions {
        devel: true,
        ..plain
    };
    let p = bare
        .resolve_with(&oci, None, Path::new("."), &devel)
        .expect("devel");
    assert_eq!(chart_version(&p), "7.0.0-beta.1");

    // Pinned versions come from the cache without contacting the registry.
    let again = resolver(r.repositories.clone(), cache.path());
    again
        .resolve("reg/podinfo", Some("6.1.0"), Path::new("."))
        .expect("cached");
    assert_eq!(again.fetch_count(), 0);
    let e = again
        .resolve("reg/podinfo", Some("^9"), Path::new("."))
        .expect_err("no such version");
    assert!(
        e.to_string()
            .contains("could not locate a version matching provided version string ^9"),
        "{e}"
    );
}

#[test]
#[ignore = "needs the distribution registry and helm v4 (scripts/testenv registry helm4)"]
fn oracle_oci_registry_with_basic_auth() {
    // distribution's htpasswd accepts only bcrypt entries.
    let hash = bcrypt::hash("s3cret", 5).expect("bcrypt");
    let registry = Registry::start(Some(&format!("alice:{hash}")));
    let host = registry.addr.to_string();
    let helm = Helm::new();
    helm.run(&[
        "registry",
        "login",
        &host,
        "--username",
        "alice",
        "--password",
        "s3cret",
        "--plain-http",
    ]);
    push_all(&helm, &host);
    let cache = tempfile::tempdir().expect("tempdir");
    let mut spec = Repository {
        name: "reg".into(),
        url: format!("{host}/charts"),
        oci: true,
        plain_http: true,
        username: Some("alice".into()),
        password: Some("s3cret".into()),
        ..Repository::default()
    };
    let p = resolver(vec![spec.clone()], cache.path())
        .resolve("reg/podinfo", Some("~6.1"), Path::new("."))
        .expect("authenticated pull");
    assert_eq!(chart_version(&p), "6.1.1");
    spec.password = Some("wrong".into());
    let e = resolver(vec![spec], cache.path())
        .resolve("reg/podinfo", Some("~6.1"), Path::new("."))
        .expect_err("401");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
}

#[test]
#[ignore = "needs the distribution registry and helm v4 (scripts/testenv registry helm4)"]
fn oracle_oci_registry_over_mutual_tls() {
    let pki = Pki::new();
    let registry = Registry::start_with(None, Some(&pki), "");
    let host = registry.addr.to_string();
    let helm = Helm::new();
    let (ca, cert, key) = (
        pki.path("ca.crt"),
        pki.path("client.crt"),
        pki.path("client.key"),
    );
    let tls_flags = ["--ca-file", &ca, "--cert-file", &cert, "--key-file", &key];
    push_all_with(&helm, &host, &tls_flags);
    let dest = tempfile::tempdir().expect("tempdir");
    let d = dest.path().display().to_string();
    let oci = format!("oci://{host}/charts/podinfo");
    let mut args = vec!["pull", &oci, "--version", "~6.1", "--destination", &d];
    args.extend(tls_flags);
    helm.run(&args);
    let theirs = std::fs::read(single_file(dest.path())).expect("helm's pull");

    let cache = tempfile::tempdir().expect("tempdir");
    let spec = Repository {
        name: "reg".into(),
        url: format!("{host}/charts"),
        oci: true,
        ca_file: Some(ca.clone()),
        cert_file: Some(cert.clone()),
        key_file: Some(key.clone()),
        ..Repository::default()
    };
    let ours = resolver(vec![spec.clone()], cache.path())
        .resolve("reg/podinfo", Some("~6.1"), Path::new("."))
        .expect("pull over mutual TLS");
    assert_eq!(std::fs::read(&ours).expect("ours"), theirs);

    // No CA: the server is not trusted.
    let untrusted = Repository {
        ca_file: None,
        ..spec.clone()
    };
    let e = resolver(vec![untrusted], cache.path())
        .resolve("reg/podinfo", Some("~6.0"), Path::new("."))
        .expect_err("unknown issuer");
    assert!(matches!(e, RepoError::Unreachable { .. }), "{e:?}");
    // skipTLSVerify: trusted without the CA.
    let skip = Repository {
        ca_file: None,
        skip_tls_verify: true,
        ..spec.clone()
    };
    let p = resolver(vec![skip], cache.path())
        .resolve("reg/podinfo", Some("~6.0"), Path::new("."))
        .expect("skipTLSVerify");
    assert_eq!(chart_version(&p), "6.0.0");
    // No client certificate: the registry refuses the handshake.
    let anonymous = Repository {
        cert_file: None,
        key_file: None,
        ..spec
    };
    let e = resolver(vec![anonymous], cache.path())
        .resolve("reg/podinfo", Some("~6.1"), Path::new("."))
        .expect_err("client certificate required");
    assert!(matches!(e, RepoError::Unreachable { .. }), "{e:?}");
}

const TOKEN_SERVICE: &str = "canon-test-registry";
const TOKEN_ISSUER: &str = "canon-test-issuer";

fn b64url(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// A registry token issuer speaking the docker token protocol (`GET /token?service=…&scope=…`
/// → `{"token": JWT}`), whose ES256 tokens carry their certificate in `x5c`; the real
/// registry verifies them against `rootcertbundle`. Grants what is asked to `user:password`,
/// answers 401 to wrong credentials and grants nothing to anonymous callers. Returns the
/// server and the certificate file the registry trusts.
fn token_issuer(user: &str, password: &str, dir: &Path) -> (TestServer, PathBuf) {
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::DecodePrivateKey as _;
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, TOKEN_ISSUER);
    let cert = params.self_signed(&key).expect("certificate");
    let cert_file = dir.join("token-issuer.crt");
    std::fs::write(&cert_file, cert.pem()).expect("write certificate");
    let signer = p256::ecdsa::SigningKey::from_pkcs8_der(&key.serialize_der()).expect("P-256 key");
    let x5c = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(cert.der())
    };
    let expected = basic(user, password);
    let user = user.to_string();
    let server = TestServer::start(Arc::new(move |req: &Request, _| {
        if req.path != "/token" {
            return ("404 Not Found", String::new(), Vec::new());
        }
        let subject = match &req.authorization {
            Some(a) if *a == expected => user.clone(),
            Some(_) => {
                return (
                    "401 Unauthorized",
                    String::new(),
                    b"bad credentials".to_vec(),
                );
            }
            None => String::new(),
        };
        let mut access = Vec::new();
        for pair in req.query.split('&') {
            let Some(scope) = pair.strip_prefix("scope=") else {
                continue;
            };
            let scope = percent_decode(&scope.replace('+', " "));
            for one in scope.split(' ') {
                let parts: Vec<&str> = one.split(':').collect();
                if parts.len() == 3 && !subject.is_empty() {
                    access.push(serde_json::json!({
                        "type": parts[0],
                        "name": parts[1],
                        "actions": parts[2].split(',').collect::<Vec<_>>(),
                    }));
                }
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "x5c": [x5c]});
        let claims = serde_json::json!({
            "iss": TOKEN_ISSUER, "sub": subject, "aud": TOKEN_SERVICE,
            "exp": now + 600, "nbf": now - 10, "iat": now - 10, "jti": format!("{now}"),
            "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let sig: p256::ecdsa::Signature = signer.sign(signing_input.as_bytes());
        let token = format!("{signing_input}.{}", b64url(&sig.to_bytes()));
        let body = serde_json::json!({"token": token, "access_token": token}).to_string();
        (
            "200 OK",
            "Content-Type: application/json\r\n".into(),
            body.into_bytes(),
        )
    }));
    (server, cert_file)
}

#[test]
#[ignore = "needs the distribution registry and helm v4 (scripts/testenv registry helm4)"]
fn oracle_oci_registry_with_token_auth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (issuer, cert) = token_issuer("alice", "s3cret", dir.path());
    let auth = format!(
        "auth:\n  token:\n    realm: {}/token\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
        issuer.url(),
        cert.display()
    );
    let registry = Registry::start_with(None, None, &auth);
    let host = registry.addr.to_string();
    let helm = Helm::new();
    helm.run(&[
        "registry",
        "login",
        &host,
        "--username",
        "alice",
        "--password",
        "s3cret",
        "--plain-http",
    ]);
    push_all(&helm, &host);
    let dest = tempfile::tempdir().expect("tempdir");
    let d = dest.path().display().to_string();
    let oci = format!("oci://{host}/charts/podinfo");
    helm.run(&[
        "pull",
        &oci,
        "--version",
        "~6.1",
        "--plain-http",
        "--destination",
        &d,
    ]);
    let theirs = std::fs::read(single_file(dest.path())).expect("helm's pull");

    let cache = tempfile::tempdir().expect("tempdir");
    let spec = Repository {
        name: "reg".into(),
        url: format!("{host}/charts"),
        oci: true,
        plain_http: true,
        username: Some("alice".into()),
        password: Some("s3cret".into()),
        ..Repository::default()
    };
    let before = issuer.requests();
    let ours = resolver(vec![spec.clone()], cache.path())
        .resolve("reg/podinfo", Some("~6.1"), Path::new("."))
        .expect("pull with a bearer token");
    assert_eq!(std::fs::read(&ours).expect("ours"), theirs);
    assert!(issuer.requests() > before, "a token was fetched");

    let anonymous = Repository {
        username: None,
        password: None,
        ..spec.clone()
    };
    let e = resolver(vec![anonymous], cache.path())
        .resolve("reg/podinfo", Some("~6.0"), Path::new("."))
        .expect_err("anonymous token grants nothing");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
    let wrong = Repository {
        password: Some("nope".into()),
        ..spec
    };
    let e = resolver(vec![wrong], cache.path())
        .resolve("reg/podinfo", Some("~6.0"), Path::new("."))
        .expect_err("token endpoint refuses");
    assert!(matches!(e, RepoError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("/token"), "{e}");
}

/// Collects what `render::template` streams.
#[derive(Default)]
struct Collect {
    stdout: Vec<u8>,
    stderr: String,
}

impl helmfile::render::Sink for Collect {
    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
    }
    fn stderr(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
}

/// `helmfile template --skip-tests` and canon's `render::template` on the same helmfile.
fn template_both(dir: &Path, home: &Path) -> (String, String) {
    let out = helmfile_cmd(home)
        .current_dir(dir)
        .args(["template", "--skip-tests"])
        .output()
        .expect("helmfile template");
    assert!(
        out.status.success(),
        "helmfile template: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let mut sink = Collect::default();
    helmfile::render::template(
        Some(&dir.join("helmfile.yaml")),
        &helmfile::load::LoadOptions::default(),
        &helmfile::release::ReleaseOptions::default(),
        &helmfile::render::RenderOptions {
            skip_tests: true,
            ..helmfile::render::RenderOptions::default()
        },
        Some(cache.path()),
        &mut sink,
    )
    .unwrap_or_else(|e| panic!("canon render: {e}\n{}", sink.stderr));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&sink.stdout).into_owned(),
    )
}

#[test]
#[ignore = "needs helmfile and helm v4 (scripts/testenv)"]
fn oracle_helmfile_template_with_repository_charts_and_a_lock() {
    let server = TestServer::files(fixtures(), None);
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("helmfile.yaml"),
        format!(
            "repositories:\n- name: fx\n  url: {}\nreleases:\n- name: web\n  namespace: apps\n  chart: fx/podinfo\n  version: ~6.1\n- name: metrics\n  namespace: kube-system\n  chart: fx/metrics-server\n  version: \">=3.12.0\"\n",
            server.url()
        ),
    )
    .expect("write helmfile");
    let (theirs, ours) = template_both(dir.path(), home.path());
    assert!(
        ours.contains("helm.sh/chart: metrics-server-3.13.2_build.7"),
        "{ours}"
    );
    assert_eq!(ours, theirs);

    // A lock pinning older versions than the constraints allow: both render the locked ones.
    let lock = format!(
        "version: v1.8.0\ndependencies:\n  - name: metrics-server\n    repository: {0}\n    version: 3.12.0\n  - name: podinfo\n    repository: {0}\n    version: 6.1.0\ndigest: sha256:0000\ngenerated: \"2026-01-01T00:00:00Z\"\n",
        server.url()
    );
    std::fs::write(dir.path().join("helmfile.lock"), lock).expect("write lock");
    let (theirs, ours) = template_both(dir.path(), home.path());
    assert!(
        ours.contains("helm.sh/chart: metrics-server-3.12.0"),
        "{ours}"
    );
    assert!(ours.contains("helm.sh/chart: podinfo-6.1.0"), "{ours}");
    assert_eq!(ours, theirs);
}

/// `canon render` (the library's `render::template`) of `file`, with a fresh chart cache.
fn canon_render(file: &Path) -> (Collect, Result<(), helmfile::Error>) {
    let cache = tempfile::tempdir().expect("tempdir");
    let mut sink = Collect::default();
    let r = helmfile::render::template(
        Some(file),
        &helmfile::load::LoadOptions::default(),
        &helmfile::release::ReleaseOptions::default(),
        &helmfile::render::RenderOptions {
            skip_tests: true,
            ..Default::default()
        },
        Some(cache.path()),
        &mut sink,
    );
    (sink, r)
}

/// `helmfile template --skip-tests` (without `--skip-deps`: helmfile then logs in to
/// registries with the credentials of their `repositories:` entries) and canon's render of
/// the same helmfile: identical stdout.
fn render_like_helmfile(f: &Path) {
    let home = tempfile::tempdir().expect("tempdir");
    let o = helmfile_cmd(home.path())
        .arg("-f")
        .arg(f)
        .args(["template", "--skip-tests"])
        .output()
        .expect("run helmfile");
    assert!(
        o.status.success(),
        "helmfile on {}: {}",
        f.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let (ours, r) = canon_render(f);
    if let Err(e) = r {
        panic!("canon on {}: {e}\n{}", f.display(), ours.stderr);
    }
    assert!(!ours.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&o.stdout),
        "{}",
        f.display()
    );
}

#[test]
#[ignore = "needs the distribution registry, helmfile and helm v4 (scripts/testenv registry helmfile helm4)"]
fn oracle_render_fetches_over_plain_http_where_the_helmfile_says() {
    // A plain-HTTP registry: reached through a `repositories:` entry's `plainHttp`, a
    // release's `plainHttp` on an `oci://` reference, and `helmDefaults.plainHttp`.
    let registry = Registry::start(None);
    let host = registry.addr.to_string();
    let helm = Helm::new();
    push_all(&helm, &host);
    let project = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: String| {
        let f = project.path().join(name);
        std::fs::write(&f, text).expect("write helmfile");
        f
    };
    let release_flag = write(
        "release.yaml",
        format!(
            "repositories:\n  - name: reg\n    url: {host}/charts\n    oci: true\n    plainHttp: true\nreleases:\n  - name: by-repo\n    chart: reg/podinfo\n    version: ~6.1\n  - name: by-ref\n    chart: oci://{host}/charts/podinfo\n    version: 6.0.0\n    plainHttp: true\n"
        ),
    );
    let defaults_flag = write(
        "defaults.yaml",
        format!(
            "helmDefaults:\n  plainHttp: true\nreleases:\n  - name: by-ref\n    chart: oci://{host}/charts/metrics-server\n    version: ~3.12\n"
        ),
    );
    render_like_helmfile(&release_flag);
    render_like_helmfile(&defaults_flag);
    // Without the flag, the same chart is out of reach (HTTPS to a plain-HTTP registry).
    let no_flag = write(
        "no-flag.yaml",
        format!(
            "releases:\n  - name: by-ref\n    chart: oci://{host}/charts/podinfo\n    version: 6.0.0\n"
        ),
    );
    let e = canon_render(&no_flag)
        .1
        .expect_err("https to a plain-HTTP registry");
    assert_eq!(e.exit_code(), 1, "{e}");
}

#[test]
#[ignore = "needs the distribution registry, helmfile and helm v4 (scripts/testenv registry helmfile helm4)"]
fn oracle_render_uses_the_entrys_credentials_and_tls_files_relative_to_the_helmfile() {
    // A registry over mutual TLS that also wants a password. The entry's `caFile`/`certFile`/
    // `keyFile` are relative to the helmfile (helmfile runs helm in its directory; canon runs
    // elsewhere), its `username`/`password` are what helmfile logs in with.
    let pki = Pki::new();
    let hash = bcrypt::hash("s3cret", 5).expect("bcrypt");
    let registry = Registry::start_with(Some(&format!("alice:{hash}")), Some(&pki), "");
    let host = registry.addr.to_string();
    let helm = Helm::new();
    let (ca, cert, key) = (
        pki.path("ca.crt"),
        pki.path("client.crt"),
        pki.path("client.key"),
    );
    let tls_flags = ["--ca-file", &ca, "--cert-file", &cert, "--key-file", &key];
    let mut login = vec![
        "registry",
        "login",
        &host,
        "--username",
        "alice",
        "--password",
        "s3cret",
    ];
    login.extend(tls_flags);
    helm.run(&login);
    push_all_with(&helm, &host, &tls_flags);

    let project = tempfile::tempdir().expect("tempdir");
    let tls_dir = project.path().join("tls");
    std::fs::create_dir_all(&tls_dir).expect("mkdir");
    for f in ["ca.crt", "client.crt", "client.key"] {
        std::fs::copy(pki.dir.path().join(f), tls_dir.join(f)).expect("copy pki file");
    }
    let entry = |password: &str| {
        format!(
            "repositories:\n  - name: reg\n    url: {host}/charts\n    oci: true\n    caFile: tls/ca.crt\n    certFile: tls/client.crt\n    keyFile: tls/client.key\n    username: alice\n    password: {password}\nreleases:\n  - name: secure\n    chart: reg/podinfo\n    version: ~6.1\n"
        )
    };
    let file = project.path().join("helmfile.yaml");
    std::fs::write(&file, entry("s3cret")).expect("write helmfile");
    render_like_helmfile(&file);
    // A wrong password is refused: the entry's credentials are what got the chart.
    let wrong = project.path().join("wrong.yaml");
    std::fs::write(&wrong, entry("wrong")).expect("write helmfile");
    let e = canon_render(&wrong).1.expect_err("401");
    assert!(e.to_string().contains("401"), "{e}");
    assert_eq!(e.exit_code(), 1, "{e}");
}
