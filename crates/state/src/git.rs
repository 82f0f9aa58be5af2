//! Git access for the state repo through git2: fetch a branch head, build trees and commits in
//! an object database without a work tree, and push with compare-and-swap of the remote ref.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{FileMode, Oid, Repository};

use crate::Error;

/// The result of a push attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// The remote ref now points at the new commit.
    Done,
    /// The remote ref was not at the expected commit (or the update was not a fast-forward):
    /// nothing changed on the remote.
    Rejected,
}

/// A state repo remote and the object database where new trees and commits are built.
pub trait Remote {
    /// The object database new objects are written to (and read from).
    fn repo(&self) -> &Repository;
    /// The remote's current head of `branch`, with its objects available in [`Remote::repo`];
    /// `None` when the branch does not exist yet.
    fn fetch(&mut self, branch: &str) -> Result<Option<Oid>, Error>;
    /// Moves the remote `branch` from `expected` (`None`: must not exist) to `new`, atomically:
    /// [`Push::Rejected`] and no change when the remote ref is elsewhere.
    fn push(&mut self, branch: &str, expected: Option<Oid>, new: Oid) -> Result<Push, Error>;
    /// The URL, for messages and provenance.
    fn url(&self) -> &str;
}

/// Opens the remote at `url`: a local path or `file://` URL is opened directly; anything else
/// (https, ssh, git) is fetched into a cache repository at `cache` (created if missing).
pub fn open(url: &str, cache: &Path) -> Result<Box<dyn Remote>, Error> {
    match local_path(url) {
        Some(path) => Ok(Box::new(LocalRemote::open(url, &path)?)),
        None => Ok(Box::new(NetworkRemote::open(url, cache)?)),
    }
}

/// The default root of canon's git caches: `$XDG_CACHE_HOME/canon/<what>`, else
/// `$HOME/.cache/canon/<what>` (as the chart cache), else a directory under the temp dir.
pub fn default_cache_root(what: &str) -> PathBuf {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(h) => PathBuf::from(h).join(".cache"),
            None => std::env::temp_dir(),
        },
    };
    base.join("canon").join(what)
}

/// The cache repository for `url` under `root`: one per URL (credentials stripped before
/// hashing, so a rotated token keeps its cache), named by a SHA-256 prefix of it.
pub fn cache_dir(root: &Path, url: &str) -> PathBuf {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(crate::source::strip_credentials(url).as_bytes());
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    root.join(hex)
}

/// An exclusive advisory lock (`flock`) on `<dir>.lock`, released when dropped or when the
/// process dies. A cache repository shared by several processes (or threads) on one machine
/// is only touched under it: concurrent fetches and pushes through one repository would race
/// on its refs and packs. (Local remotes need none: their ref moves by compare-and-swap.)
#[derive(Debug)]
pub struct CacheLock {
    _file: std::fs::File,
}

impl CacheLock {
    /// Blocks until the lock on `dir` is held.
    pub fn acquire(dir: &Path) -> Result<Self, Error> {
        let io = |e: std::io::Error| Error::Git {
            context: format!("lock {}", dir.display()),
            message: e.to_string(),
        };
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut name = dir.as_os_str().to_owned();
        name.push(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))
            .map_err(io)?;
        file.lock().map_err(io)?;
        Ok(Self { _file: file })
    }
}

/// [`open`] with a cache repository of its own under `cache_root` ([`cache_dir`]), locked for
/// as long as the returned [`CacheLock`] lives when the remote is a network one.
pub fn open_cached(
    url: &str,
    cache_root: &Path,
) -> Result<(Box<dyn Remote>, Option<CacheLock>), Error> {
    if local_path(url).is_some() {
        return Ok((open(url, cache_root)?, None));
    }
    let dir = cache_dir(cache_root, url);
    let lock = CacheLock::acquire(&dir)?;
    Ok((open(url, &dir)?, Some(lock)))
}

/// The filesystem path of a local URL (`/x`, `./x`, `../x`, `file:///x`), or `None`.
pub fn local_path(url: &str) -> Option<PathBuf> {
    if let Some(rest) = url.strip_prefix("file://") {
        return Some(PathBuf::from(rest));
    }
    if url.contains("://") {
        return None;
    }
    // scp-like ssh syntax `host:path` (but not a Windows-free absolute path with a colon later).
    if let Some((host, _)) = url.split_once(':')
        && !host.contains('/')
    {
        return None;
    }
    Some(PathBuf::from(url))
}

fn branch_ref(branch: &str) -> String {
    format!("refs/heads/{branch}")
}

/// A repository on this machine: objects go straight into its database, the ref moves with
/// libgit2's compare-and-swap under the ref lock, so a killed process leaves at most
/// unreachable objects behind.
pub struct LocalRemote {
    url: String,
    repo: Repository,
}

impl LocalRemote {
    pub fn open(url: &str, path: &Path) -> Result<Self, Error> {
        let repo = Repository::open_bare(path)
            .or_else(|_| Repository::open(path))
            .map_err(|e| Error::git(format!("open state repo {url}"), &e))?;
        Ok(Self {
            url: url.to_string(),
            repo,
        })
    }
}

impl Remote for LocalRemote {
    fn repo(&self) -> &Repository {
        &self.repo
    }

    fn fetch(&mut self, branch: &str) -> Result<Option<Oid>, Error> {
        match self.repo.find_reference(&branch_ref(branch)) {
            Ok(r) => {
                let c = r
                    .peel_to_commit()
                    .map_err(|e| Error::git(format!("read {branch} of {}", self.url), &e))?;
                Ok(Some(c.id()))
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(Error::git(format!("read {branch} of {}", self.url), &e)),
        }
    }

    fn push(&mut self, branch: &str, expected: Option<Oid>, new: Oid) -> Result<Push, Error> {
        let name = branch_ref(branch);
        let msg = "canon: hydrate";
        let res = match expected {
            Some(old) => self.repo.reference_matching(&name, new, true, old, msg),
            None => self.repo.reference(&name, new, false, msg),
        };
        match res {
            Ok(_) => Ok(Push::Done),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified | git2::ErrorCode::Exists | git2::ErrorCode::Locked
                ) =>
            {
                Ok(Push::Rejected)
            }
            Err(e) => Err(Error::git(format!("update {branch} of {}", self.url), &e)),
        }
    }

    fn url(&self) -> &str {
        &self.url
    }
}

/// A remote reached over the network, mirrored into a bare cache repository.
pub struct NetworkRemote {
    url: String,
    repo: Repository,
}

impl NetworkRemote {
    pub fn open(url: &str, cache: &Path) -> Result<Self, Error> {
        let repo = match Repository::open_bare(cache) {
            Ok(r) => r,
            Err(_) => Repository::init_bare(cache)
                .map_err(|e| Error::git(format!("create cache {}", cache.display()), &e))?,
        };
        Ok(Self {
            url: url.to_string(),
            repo,
        })
    }

    fn tracking_ref(branch: &str) -> String {
        format!("refs/canon/remote/{branch}")
    }
}

/// Credentials from the environment, then git's credential helper, then (ssh) the agent. Each
/// source is offered once: libgit2 asks again after a refusal, and looping would hang.
pub(crate) fn callbacks<'a>(url: &'a str, tried: &'a Cell<u32>) -> git2::RemoteCallbacks<'a> {
    let mut cb = git2::RemoteCallbacks::new();
    cb.credentials(move |_u, username, allowed| {
        let n = tried.get();
        tried.set(n + 1);
        let user = std::env::var("CANON_GIT_USERNAME").ok();
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
            if n == 0 {
                if let Ok(token) = std::env::var("CANON_GIT_TOKEN") {
                    let u = user.as_deref().unwrap_or("x-access-token");
                    return git2::Cred::userpass_plaintext(u, &token);
                }
                if let (Some(u), Ok(p)) = (&user, std::env::var("CANON_GIT_PASSWORD")) {
                    return git2::Cred::userpass_plaintext(u, &p);
                }
            }
            if n <= 1
                && let Ok(cfg) = git2::Config::open_default()
                && let Ok(c) = git2::Cred::credential_helper(&cfg, url, username)
            {
                return Ok(c);
            }
            return Err(git2::Error::new(
                git2::ErrorCode::Auth,
                git2::ErrorClass::Http,
                "credentials were refused or none are configured (CANON_GIT_TOKEN, CANON_GIT_USERNAME/CANON_GIT_PASSWORD, or a git credential helper)",
            ));
        }
        let ssh_user = username.or(user.as_deref()).unwrap_or("git").to_string();
        if allowed.contains(git2::CredentialType::USERNAME) {
            return git2::Cred::username(&ssh_user);
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            if n == 0
                && let Ok(key) = std::env::var("CANON_GIT_SSH_KEY")
            {
                let pass = std::env::var("CANON_GIT_SSH_PASSPHRASE").ok();
                return git2::Cred::ssh_key(&ssh_user, None, Path::new(&key), pass.as_deref());
            }
            if n <= 1 {
                return git2::Cred::ssh_key_from_agent(&ssh_user);
            }
        }
        Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Ssh,
            "credentials were refused or none are available (CANON_GIT_SSH_KEY or an ssh agent)",
        ))
    });
    cb
}

impl Remote for NetworkRemote {
    fn repo(&self) -> &Repository {
        &self.repo
    }

    fn fetch(&mut self, branch: &str) -> Result<Option<Oid>, Error> {
        let ctx = format!("fetch {branch} from {}", self.url);
        let tried = Cell::new(0);
        let mut remote = self
            .repo
            .remote_anonymous(&self.url)
            .map_err(|e| Error::git(&ctx, &e))?;
        remote
            .connect_auth(
                git2::Direction::Fetch,
                Some(callbacks(&self.url, &tried)),
                None,
            )
            .map_err(|e| Error::git(&ctx, &e))?;
        let name = branch_ref(branch);
        let head = remote
            .list()
            .map_err(|e| Error::git(&ctx, &e))?
            .iter()
            .find(|h| h.name() == name)
            .map(|h| h.oid());
        remote.disconnect().map_err(|e| Error::git(&ctx, &e))?;
        let Some(head) = head else { return Ok(None) };
        if self.repo.find_commit(head).is_err() {
            let tried = Cell::new(0);
            let mut fo = git2::FetchOptions::new();
            fo.remote_callbacks(callbacks(&self.url, &tried));
            let spec = format!("+{name}:{}", Self::tracking_ref(branch));
            remote
                .fetch(&[spec.as_str()], Some(&mut fo), None)
                .map_err(|e| Error::git(&ctx, &e))?;
            // The branch may have moved since the listing: report what was fetched.
            let r = self
                .repo
                .find_reference(&Self::tracking_ref(branch))
                .map_err(|e| Error::git(&ctx, &e))?;
            return Ok(r.target());
        }
        Ok(Some(head))
    }

    fn push(&mut self, branch: &str, expected: Option<Oid>, new: Oid) -> Result<Push, Error> {
        let ctx = format!("push {branch} to {}", self.url);
        let tried = Cell::new(0);
        let mut remote = self
            .repo
            .remote_anonymous(&self.url)
            .map_err(|e| Error::git(&ctx, &e))?;
        let name = branch_ref(branch);
        // A scratch local ref to push from: refspecs name refs, not object ids.
        let local = format!("refs/canon/push/{branch}");
        self.repo
            .reference(&local, new, true, "canon: push")
            .map_err(|e| Error::git(&ctx, &e))?;
        let rejected = Cell::new(false);
        let stale = Cell::new(false);
        {
            let mut cb = callbacks(&self.url, &tried);
            let want = expected.unwrap_or_else(Oid::zero);
            cb.push_negotiation(|updates| {
                // Compare-and-swap: the remote must still be where we built on. receive-pack
                // checks the same old id again under its ref lock.
                if updates.iter().any(|u| u.src() != want) {
                    stale.set(true);
                    return Err(git2::Error::from_str("remote ref moved"));
                }
                Ok(())
            });
            cb.push_update_reference(|_r, status| {
                if status.is_some() {
                    rejected.set(true);
                }
                Ok(())
            });
            let mut po = git2::PushOptions::new();
            po.remote_callbacks(cb);
            let spec = format!("{local}:{name}");
            let res = remote.push(&[spec.as_str()], Some(&mut po));
            if let Err(e) = res {
                let m = e.message();
                if stale.get() || m.contains("non-fastforward") || m.contains("not present locally")
                {
                    return Ok(Push::Rejected);
                }
                return Err(Error::git(&ctx, &e));
            }
        }
        if rejected.get() {
            return Ok(Push::Rejected);
        }
        let _ = self
            .repo
            .reference(&Self::tracking_ref(branch), new, true, "canon: pushed");
        Ok(Push::Done)
    }

    fn url(&self) -> &str {
        &self.url
    }
}

/// One file of a tree: its blob and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub oid: Oid,
    pub mode: i32,
}

/// Every file under `prefix` (a directory path, or `""` for the whole tree) of `tree`, by path
/// relative to the tree root.
pub fn files_under(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    prefix: &str,
) -> Result<BTreeMap<String, Entry>, Error> {
    let mut out = BTreeMap::new();
    let sub;
    let (root, base) = if prefix.is_empty() {
        (tree, String::new())
    } else {
        let e = match tree.get_path(Path::new(prefix)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(out),
            Err(e) => return Err(Error::git(format!("read {prefix}"), &e)),
        };
        if e.kind() != Some(git2::ObjectType::Tree) {
            out.insert(
                prefix.to_string(),
                Entry {
                    oid: e.id(),
                    mode: e.filemode(),
                },
            );
            return Ok(out);
        }
        sub = repo
            .find_tree(e.id())
            .map_err(|e| Error::git(format!("read {prefix}"), &e))?;
        (&sub, format!("{prefix}/"))
    };
    root.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        if e.kind() == Some(git2::ObjectType::Blob)
            && let Some(n) = e.name()
        {
            out.insert(
                format!("{base}{dir}{n}"),
                Entry {
                    oid: e.id(),
                    mode: e.filemode(),
                },
            );
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(|e| Error::git(format!("walk {prefix}"), &e))?;
    Ok(out)
}

/// Reads a blob at `path` of `tree`, `None` when absent.
pub fn read_blob(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    path: &str,
) -> Result<Option<Vec<u8>>, Error> {
    match tree.get_path(Path::new(path)) {
        Ok(e) => {
            let b = repo
                .find_blob(e.id())
                .map_err(|e| Error::git(format!("read {path}"), &e))?;
            Ok(Some(b.content().to_vec()))
        }
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::git(format!("read {path}"), &e)),
    }
}

/// `base` (or the empty tree) with the `remove` paths (files or whole directories) taken out,
/// then the `upsert` blobs written; directories left empty disappear.
pub fn update_tree(
    repo: &Repository,
    base: Option<&git2::Tree<'_>>,
    remove: &[String],
    upsert: &BTreeMap<String, Oid>,
) -> Result<Oid, Error> {
    let empty;
    let base = match base {
        Some(t) => t,
        None => {
            let oid = repo
                .treebuilder(None)
                .and_then(|b| b.write())
                .map_err(|e| Error::git("write empty tree", &e))?;
            empty = repo
                .find_tree(oid)
                .map_err(|e| Error::git("read empty tree", &e))?;
            &empty
        }
    };
    // Two passes: libgit2 rejects a removal and an insertion under the same path in one update.
    let mut rm = git2::build::TreeUpdateBuilder::new();
    let mut any = false;
    for p in remove {
        if base.get_path(Path::new(p)).is_ok() {
            rm.remove(p.as_str());
            any = true;
        }
    }
    let stage = if any {
        let oid = rm
            .create_updated(repo, base)
            .map_err(|e| Error::git("remove old paths", &e))?;
        repo.find_tree(oid)
            .map_err(|e| Error::git("read tree", &e))?
    } else {
        base.clone()
    };
    if upsert.is_empty() {
        return Ok(stage.id());
    }
    let mut up = git2::build::TreeUpdateBuilder::new();
    for (p, oid) in upsert {
        up.upsert(p.as_str(), *oid, FileMode::Blob);
    }
    up.create_updated(repo, &stage)
        .map_err(|e| Error::git("write new paths", &e))
}
