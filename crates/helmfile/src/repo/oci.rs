//! Charts in OCI registries, as helm's `registry` client pulls them: the distribution HTTP API
//! (`/v2/<repo>/tags/list`, `/manifests/<tag>`, `/blobs/<digest>`), anonymous or basic
//! credentials through the registry token flow (`WWW-Authenticate: Bearer realm=…` → a token
//! from the realm) or plain basic auth, the tag picked as helm's `ValidateReference` and
//! `GetTagMatchingVersionOrConstraint` do (tags read as strict semver with `_` for `+`, newest
//! first), and the chart layer (`application/vnd.cncf.helm.chart.content.v1.tar+gzip`, or the
//! legacy `application/tar+gzip`) verified against its digest.

use std::collections::HashMap;
use std::sync::Mutex;

use sprig::semver_api::{Version, semver_compare_v3_5 as semver_compare};

use super::RepoError;
use super::http::{Client, Response, basic_auth};

pub(crate) const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
pub(crate) const LEGACY_CHART_LAYER: &str = "application/tar+gzip";
const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// `host[:port]/path/name[:tag][@digest]` after `oci://`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    pub fn parse(oci_ref: &str) -> Result<Reference, RepoError> {
        let s = oci_ref.strip_prefix("oci://").unwrap_or(oci_ref);
        let bad = || RepoError::Oci(format!("invalid reference: {oci_ref}"));
        let (registry, rest) = s.split_once('/').ok_or_else(bad)?;
        let (rest, digest) = match rest.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (rest, None),
        };
        let last = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last..].rfind(':') {
            Some(i) => (&rest[..last + i], Some(rest[last + i + 1..].to_string())),
            None => (rest, None),
        };
        if registry.is_empty() || repository.is_empty() || repository.ends_with('/') {
            return Err(bad());
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.filter(|t| !t.is_empty()),
            digest,
        })
    }

    /// The chart name: the repository's last path segment.
    pub fn chart_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }
}

/// Masterminds `StrictNewVersion`: `X.Y.Z` without a `v`, no leading zeros.
fn strict_version(v: &str) -> Option<Version> {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    let ok = parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        });
    if !ok {
        return None;
    }
    Version::parse(v).ok()
}

/// helm's `Client.Tags` + `GetTagMatchingVersionOrConstraint`.
pub(crate) fn pick_tag(tags: &[String], version: &str) -> Result<String, RepoError> {
    let mut versions: Vec<Version> = tags
        .iter()
        .filter_map(|t| strict_version(&t.replace('_', "+")))
        .collect();
    versions.sort_by(|a, b| b.compare(a));
    let tags: Vec<String> = versions.iter().map(Version::to_string).collect();
    let constraint = if version.is_empty() {
        "*"
    } else {
        if let Some(t) = tags.iter().find(|t| *t == version) {
            return Ok(t.clone());
        }
        version
    };
    semver_compare(constraint, "0.0.0").map_err(RepoError::Oci)?;
    for t in &tags {
        if semver_compare(constraint, t) == Ok(true) {
            return Ok(t.clone());
        }
    }
    Err(RepoError::Oci(format!(
        "could not locate a version matching provided version string {version}"
    )))
}

/// Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`).
fn challenge(h: &str) -> (String, HashMap<String, String>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let mut end = q.len();
            let mut escaped = false;
            for (i, c) in q.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            (q[..end].replace("\\\"", "\""), &q[(end + 1).min(q.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.insert(key, value);
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_ascii_lowercase(), params)
}

fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A registry session: the client, how to reach the registry, and the authorization that
/// worked last (a bearer token, or basic credentials), reused for later requests.
#[derive(Debug)]
pub(crate) struct Registry {
    client: Client,
    base: String,
    credentials: Option<(String, String)>,
    auth: Mutex<Option<String>>,
}

impl Registry {
    pub fn new(
        client: Client,
        registry: &str,
        plain_http: bool,
        credentials: Option<(String, String)>,
    ) -> Registry {
        let scheme = if plain_http { "http" } else { "https" };
        Registry {
            client,
            base: format!("{scheme}://{registry}"),
            credentials,
            auth: Mutex::new(None),
        }
    }

    fn authorize(&self, resp: &Response, url: &str) -> Result<Option<String>, RepoError> {
        let Some(h) = resp.www_authenticate.as_deref() else {
            return Ok(None);
        };
        let (scheme, params) = challenge(h);
        match scheme.as_str() {
            "basic" => Ok(self.credentials.as_ref().map(|(u, p)| basic_auth(u, p))),
            "bearer" => {
                let realm = params.get("realm").ok_or_else(|| {
                    RepoError::Oci(format!("{url}: bearer challenge without a realm: {h}"))
                })?;
                let mut token_url = realm.clone();
                let mut sep = if realm.contains('?') { '&' } else { '?' };
                for key in ["service", "scope"] {
                    if let Some(v) = params.get(key) {
                        token_url.push(sep);
                        token_url.push_str(&format!("{key}={}", query_escape(v)));
                        sep = '&';
                    }
                }
                let auth = self.credentials.as_ref().map(|(u, p)| basic_auth(u, p));
                let headers: Vec<(&str, &str)> =
                    auth.iter().map(|a| ("Authorization", a.as_str())).collect();
                let tr = self.client.get(&token_url, &headers)?;
                if tr.status == 401 || tr.status == 403 {
                    return Err(RepoError::Unauthorized {
                        url: token_url,
                        status: tr.status_line(),
                    });
                }
                if !tr.is_success() {
                    return Err(RepoError::Http {
                        url: token_url,
                        status: tr.status_line(),
                    });
                }
                let v: serde_json::Value = serde_json::from_slice(&tr.body).map_err(|e| {
                    RepoError::Oci(format!("{token_url}: malformed token response: {e}"))
                })?;
                let token = v
                    .get("token")
                    .or_else(|| v.get("access_token"))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        RepoError::Oci(format!("{token_url}: token response without a token"))
                    })?;
                Ok(Some(format!("Bearer {token}")))
            }
            _ => Ok(None),
        }
    }

    /// GET `path` (under `/v2/`) with the registry's authorization, answering one challenge.
    fn get(&self, path: &str, accept: Option<&str>) -> Result<Response, RepoError> {
        let url = format!("{}/v2/{path}", self.base);
        let send = |auth: Option<&str>| {
            let mut headers: Vec<(&str, &str)> = Vec::new();
            if let Some(a) = accept {
                headers.push(("Accept", a));
            }
            if let Some(a) = auth {
                headers.push(("Authorization", a));
            }
            self.client.get(&url, &headers)
        };
        let current = self.auth.lock().map(|a| a.clone()).unwrap_or_default();
        let mut resp = send(current.as_deref())?;
        if resp.status == 401
            && let Some(auth) = self.authorize(&resp, &url)?
        {
            resp = send(Some(&auth))?;
            if resp.is_success()
                && let Ok(mut a) = self.auth.lock()
            {
                *a = Some(auth);
            }
        }
        match resp.status {
            401 | 403 => Err(RepoError::Unauthorized {
                url,
                status: resp.status_line(),
            }),
            s if (200..300).contains(&s) => Ok(resp),
            _ => Err(RepoError::Http {
                url,
                status: resp.status_line(),
            }),
        }
    }

    /// All tags of a repository (following `Link: <…>; rel="next"` pages).
    pub fn tags(&self, repository: &str) -> Result<Vec<String>, RepoError> {
        let mut out = Vec::new();
        let mut path = format!("{repository}/tags/list");
        loop {
            let resp = self.get(&path, None)?;
            let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
                RepoError::Oci(format!("{}/v2/{path}: malformed tag list: {e}", self.base))
            })?;
            if let Some(tags) = v.get("tags").and_then(|t| t.as_array()) {
                out.extend(tags.iter().filter_map(|t| t.as_str().map(str::to_string)));
            }
            let next = resp.link.as_deref().and_then(|l| {
                let (target, rel) = l.split_once(';')?;
                rel.contains("next").then(|| {
                    target
                        .trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string()
                })
            });
            match next {
                Some(n) => {
                    let n = n.strip_prefix(&self.base).unwrap_or(&n).to_string();
                    path = n.trim_start_matches("/v2/").to_string();
                }
                None => return Ok(out),
            }
        }
    }

    /// The chart layer's descriptor (digest) of `repository:tag`.
    pub fn chart_layer(&self, repository: &str, reference: &str) -> Result<String, RepoError> {
        let resp = self.get(
            &format!("{repository}/manifests/{}", reference.replace('+', "_")),
            Some(MANIFEST_TYPES),
        )?;
        let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
            RepoError::Oci(format!("{repository}:{reference}: malformed manifest: {e}"))
        })?;
        let layers = v
            .get("layers")
            .and_then(|l| l.as_array())
            .cloned()
            .unwrap_or_default();
        let pick = |mt: &str| {
            layers.iter().find_map(|l| {
                (l.get("mediaType").and_then(|m| m.as_str()) == Some(mt))
                    .then(|| l.get("digest").and_then(|d| d.as_str()).map(str::to_string))
                    .flatten()
            })
        };
        pick(CHART_LAYER)
            .or_else(|| pick(LEGACY_CHART_LAYER))
            .ok_or_else(|| {
                RepoError::Oci(format!(
                    "manifest does not contain a layer with mediatype {CHART_LAYER}"
                ))
            })
    }

    /// A blob, verified against its `sha256:` digest.
    pub fn blob(&self, repository: &str, digest: &str) -> Result<Vec<u8>, RepoError> {
        let resp = self.get(&format!("{repository}/blobs/{digest}"), None)?;
        let expected = digest
            .strip_prefix("sha256:")
            .ok_or_else(|| RepoError::Oci(format!("unsupported digest algorithm: {digest}")))?;
        let actual = super::cache::sha256_hex(&resp.body);
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(RepoError::Digest {
                url: format!("{}/v2/{repository}/blobs/{digest}", self.base),
                expected: expected.to_string(),
                actual,
            });
        }
        Ok(resp.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = Reference::parse("oci://localhost:5000/charts/app:1.2.3").expect("parses");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "charts/app");
        assert_eq!(r.tag.as_deref(), Some("1.2.3"));
        assert_eq!(r.chart_name(), "app");
        let r = Reference::parse("oci://ghcr.io/a/b/c@sha256:00").expect("parses");
        assert_eq!((r.repository.as_str(), r.tag.as_deref()), ("a/b/c", None));
        assert_eq!(r.digest.as_deref(), Some("sha256:00"));
        assert!(Reference::parse("oci://hostonly").is_err());
    }

    #[test]
    fn tags_as_helm_picks_them() {
        let tags: Vec<String> = [
            "0.9.0",
            "1.0.0",
            "1.1.0-rc.1",
            "v1.2.0",
            "1.0.1_build.5",
            "latest",
            "01.0.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(pick_tag(&tags, "").expect("newest"), "1.0.1+build.5");
        assert_eq!(pick_tag(&tags, "~0.9").expect("0.9"), "0.9.0");
        assert_eq!(pick_tag(&tags, ">=1.1.0-0").expect("rc"), "1.1.0-rc.1");
        assert!(pick_tag(&tags, "^3").is_err());
    }

    #[test]
    fn challenges() {
        let (s, p) = challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["scope"], "repository:a/b:pull");
        let (s, p) = challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(
            (s.as_str(), p["realm"].as_str()),
            ("basic", "Registry Realm")
        );
        assert_eq!(
            query_escape("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
