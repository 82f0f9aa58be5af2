//! The source side of a hydration: provenance of a source commit, the dirty-work-tree check,
//! and reading a release directory that `helmfile template --output-dir` (or `canon render`)
//! wrote, so that `canon hydrate` stays a thin composition of render and [`crate::hydrate()`].

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Provenance};

/// Provenance of `rev` (a commit-ish) in the source repository `repo`, recorded under `reference`
/// (e.g. `refs/heads/master`); the repo URL is `origin`'s, with any credentials removed.
pub fn provenance(
    repo: &git2::Repository,
    rev: &str,
    reference: &str,
    canon_version: &str,
) -> Result<Provenance, Error> {
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| Error::git(format!("resolve {rev} in the source repo"), &e))?;
    let url = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(strip_credentials))
        .unwrap_or_else(|| {
            // libgit2 reports directories with a trailing `/`; the repo's path is without.
            let p = repo
                .workdir()
                .unwrap_or_else(|| repo.path())
                .display()
                .to_string();
            match p.trim_end_matches('/') {
                "" => p,
                t => t.to_string(),
            }
        });
    Ok(Provenance {
        source_repo: url,
        source_commit: commit.id().to_string(),
        source_subject: commit.summary().unwrap_or("").to_string(),
        source_commit_time: commit.committer().when().seconds(),
        source_ref: reference.to_string(),
        canon_version: canon_version.to_string(),
    })
}

/// `https://user:token@host/x` → `https://host/x`: provenance must never carry a secret.
pub fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && !auth.contains('/')
    {
        return format!("{scheme}://{host}");
    }
    url.to_string()
}

/// Paths of the work tree that differ from HEAD (modified, staged, or untracked and not
/// ignored): a hydration renders a commit, so a dirty tree must be refused or reported.
pub fn dirty_paths(repo: &git2::Repository) -> Result<Vec<String>, Error> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let st = repo
        .statuses(Some(&mut opts))
        .map_err(|e| Error::git("read the source repo status", &e))?;
    Ok(st
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().map(str::to_string))
        .collect())
}

/// Makes `dir` a checkout of `commit` from the repository at `url` (created on first use,
/// fetched when the commit is missing), with the work tree forced to exactly that commit:
/// local changes and untracked files are removed. For the webhook receiver, which renders
/// pushed commits from a cache checkout; the caller holds a [`crate::git::CacheLock`] on `dir`.
pub fn checkout(url: &str, dir: &Path, commit: &str) -> Result<git2::Repository, Error> {
    let ctx = format!("check out {commit} of {url} in {}", dir.display());
    let repo = match git2::Repository::open(dir) {
        Ok(r) => r,
        Err(_) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::Git {
                context: ctx.clone(),
                message: e.to_string(),
            })?;
            let r = git2::Repository::init(dir).map_err(|e| Error::git(&ctx, &e))?;
            r.remote("origin", url).map_err(|e| Error::git(&ctx, &e))?;
            r
        }
    };
    if repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(str::to_string))
        .as_deref()
        != Some(url)
    {
        repo.remote_set_url("origin", url)
            .map_err(|e| Error::git(&ctx, &e))?;
    }
    let want = git2::Oid::from_str(commit).ok();
    let have = want.is_some_and(|id| repo.find_commit(id).is_ok());
    if !have {
        let mut remote = repo
            .find_remote("origin")
            .map_err(|e| Error::git(&ctx, &e))?;
        let tried = std::cell::Cell::new(0);
        let mut fo = git2::FetchOptions::new();
        fo.remote_callbacks(crate::git::callbacks(url, &tried));
        // Branches and tags: a pushed commit is reachable from one of them (by id alone
        // only where the server allows fetching unadvertised objects).
        remote
            .fetch(
                &[
                    "+refs/heads/*:refs/remotes/origin/*",
                    "+refs/tags/*:refs/tags/*",
                ],
                Some(&mut fo),
                None,
            )
            .map_err(|e| Error::git(&ctx, &e))?;
    }
    let id = {
        let obj = repo
            .revparse_single(commit)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| Error::git(&ctx, &e))?;
        obj.id()
    };
    {
        let c = repo.find_commit(id).map_err(|e| Error::git(&ctx, &e))?;
        let mut co = git2::build::CheckoutBuilder::new();
        co.force().remove_untracked(true).remove_ignored(true);
        repo.checkout_tree(c.as_object(), Some(&mut co))
            .map_err(|e| Error::git(&ctx, &e))?;
        repo.set_head_detached(id)
            .map_err(|e| Error::git(&ctx, &e))?;
    }
    Ok(repo)
}

/// Every file below `dir`, by `/`-separated path relative to it: one release's rendered files.
pub fn read_release_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut out = BTreeMap::new();
    let io = |p: &Path, e: std::io::Error| Error::Git {
        context: format!("read {}", p.display()),
        message: e.to_string(),
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let entry = entry.map_err(|e| io(&d, e))?;
            let p = entry.path();
            let ty = entry.file_type().map_err(|e| io(&p, e))?;
            if ty.is_dir() {
                stack.push(p);
            } else if ty.is_file() {
                let rel = p
                    .strip_prefix(dir)
                    .expect("walked below dir")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&p).map_err(|e| io(&p, e))?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped() {
        assert_eq!(
            strip_credentials("https://u:t@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
        assert_eq!(strip_credentials("ssh://git@host/a@b"), "ssh://host/a@b");
        assert_eq!(strip_credentials("https://host/a@b"), "https://host/a@b");
    }
}
