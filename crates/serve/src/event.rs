//! Push events of each provider, read only after the body's signature was verified.

use serde::Deserialize;

/// The webhook providers the receiver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    Gitea,
    Generic,
}

impl Provider {
    pub fn from_path(s: &str) -> Option<Self> {
        match s {
            "github" => Some(Provider::GitHub),
            "gitlab" => Some(Provider::GitLab),
            "gitea" => Some(Provider::Gitea),
            "generic" => Some(Provider::Generic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Gitea => "gitea",
            Provider::Generic => "generic",
        }
    }

    /// The header naming the event kind, if the provider sends one.
    fn event_header(self) -> Option<&'static str> {
        match self {
            Provider::GitHub => Some("x-github-event"),
            Provider::GitLab => Some("x-gitlab-event"),
            Provider::Gitea => Some("x-gitea-event"),
            Provider::Generic => None,
        }
    }
}

/// What a verified delivery asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// GitHub's `ping` on hook creation.
    Ping,
    /// A push of `git_ref` (`refs/heads/…` or `refs/tags/…`) to `after`.
    Push { git_ref: String, after: String },
    /// Anything else (other event kinds, branch deletions): acknowledged, nothing runs.
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
#[error("invalid {provider} push payload: {source}")]
pub struct EventError {
    provider: &'static str,
    #[source]
    source: serde_json::Error,
}

#[derive(Deserialize)]
struct PushPayload {
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    after: Option<String>,
    /// The generic hook may say `sha` instead of `after`.
    #[serde(default)]
    sha: Option<String>,
}

/// Reads the event from the (already verified) body. `event_kind` looks up a header by its
/// lowercase name.
pub fn parse(
    provider: Provider,
    event_kind: impl Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<Event, EventError> {
    if let Some(header) = provider.event_header() {
        let kind = event_kind(header).unwrap_or_default();
        let is_push = match provider {
            Provider::GitHub if kind == "ping" => return Ok(Event::Ping),
            Provider::GitHub | Provider::Gitea => kind == "push",
            // GitLab sends "Push Hook" and "Tag Push Hook" (System Hooks: "Push Hook" too).
            Provider::GitLab => kind == "Push Hook" || kind == "Tag Push Hook",
            Provider::Generic => true,
        };
        if !is_push {
            return Ok(Event::Ignored(format!("event {kind:?}")));
        }
    }
    let p: PushPayload = serde_json::from_slice(body).map_err(|source| EventError {
        provider: provider.name(),
        source,
    })?;
    let after = p.after.or(p.sha).unwrap_or_default();
    if after.is_empty() || after.bytes().all(|b| b == b'0') {
        return Ok(Event::Ignored(format!("deletion of {}", p.git_ref)));
    }
    Ok(Event::Push {
        git_ref: p.git_ref,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |h| (h == name).then(|| value.to_string())
    }

    #[test]
    fn github_push_and_ping() {
        let body = br#"{"ref":"refs/heads/master","before":"a","after":"3f2a1c9","repository":{}}"#;
        assert_eq!(
            parse(Provider::GitHub, hdr("x-github-event", "push"), body).expect("push"),
            Event::Push {
                git_ref: "refs/heads/master".into(),
                after: "3f2a1c9".into()
            }
        );
        assert_eq!(
            parse(
                Provider::GitHub,
                hdr("x-github-event", "ping"),
                b"{\"zen\":\"x\"}"
            )
            .expect("ping"),
            Event::Ping
        );
        assert!(matches!(
            parse(Provider::GitHub, hdr("x-github-event", "issues"), b"{}"),
            Ok(Event::Ignored(_))
        ));
        assert!(parse(Provider::GitHub, hdr("x-github-event", "push"), b"{").is_err());
    }

    #[test]
    fn deletion_is_ignored() {
        let body =
            br#"{"ref":"refs/heads/master","after":"0000000000000000000000000000000000000000"}"#;
        assert!(matches!(
            parse(Provider::GitHub, hdr("x-github-event", "push"), body),
            Ok(Event::Ignored(_))
        ));
    }

    #[test]
    fn gitlab_tag_push() {
        let body = br#"{"object_kind":"tag_push","ref":"refs/tags/v1.0.0","after":"abc"}"#;
        assert_eq!(
            parse(
                Provider::GitLab,
                hdr("x-gitlab-event", "Tag Push Hook"),
                body
            )
            .expect("tag"),
            Event::Push {
                git_ref: "refs/tags/v1.0.0".into(),
                after: "abc".into()
            }
        );
    }

    #[test]
    fn generic_sha() {
        let body = br#"{"ref":"refs/heads/master","sha":"def"}"#;
        assert_eq!(
            parse(Provider::Generic, |_| None, body).expect("generic"),
            Event::Push {
                git_ref: "refs/heads/master".into(),
                after: "def".into()
            }
        );
    }
}
