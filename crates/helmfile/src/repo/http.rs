//! Blocking HTTP(S) for chart repositories and registries (ureq with rustls): one agent per
//! repository TLS setup (`caFile`, `certFile`/`keyFile`, `skipTLSVerify`), basic auth sent
//! only where helm's getter sends it, and helm's error texts for failed fetches.

use std::time::Duration;

use base64::Engine as _;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::RepoError;
use crate::spec::Repository;

/// Bodies larger than this are refused (large public indexes are tens of MiB).
const BODY_LIMIT: u64 = 1 << 30;

/// What a GET returned: any status (the caller decides), a few headers, the body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub status_text: String,
    pub www_authenticate: Option<String>,
    pub link: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Go's `resp.Status`, e.g. `404 Not Found`.
    pub fn status_line(&self) -> String {
        if self.status_text.is_empty() {
            self.status.to_string()
        } else {
            format!("{} {}", self.status, self.status_text)
        }
    }
}

/// An HTTP client configured for one repository's TLS settings.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    agent: ureq::Agent,
}

fn read_file(path: &str, what: &str) -> Result<Vec<u8>, RepoError> {
    std::fs::read(path).map_err(|e| RepoError::Tls(format!("can't read {what} {path}: {e}")))
}

fn pem_certs(pem: &[u8], path: &str) -> Result<Vec<Certificate<'static>>, RepoError> {
    let mut out = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => out.push(c),
            Ok(_) => {}
            Err(e) => return Err(RepoError::Tls(format!("{path}: {e}"))),
        }
    }
    if out.is_empty() {
        return Err(RepoError::Tls(format!("{path}: no certificate found")));
    }
    Ok(out)
}

impl Client {
    /// A client for `repo`'s TLS options (none: the default client).
    pub fn new(repo: Option<&Repository>) -> Result<Client, RepoError> {
        let mut tls = TlsConfig::builder();
        if let Some(r) = repo {
            if let Some(ca) = r.ca_file.as_deref().filter(|s| !s.is_empty()) {
                let certs = pem_certs(&read_file(ca, "CA file")?, ca)?;
                tls = tls.root_certs(RootCerts::new_with_certs(&certs));
            }
            let cert = r.cert_file.as_deref().filter(|s| !s.is_empty());
            let key = r.key_file.as_deref().filter(|s| !s.is_empty());
            if let (Some(cert), Some(key)) = (cert, key) {
                let chain = pem_certs(&read_file(cert, "certificate file")?, cert)?;
                let key = PrivateKey::from_pem(&read_file(key, "key file")?)
                    .map_err(|e| RepoError::Tls(format!("{key}: {e}")))?;
                tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
            }
            if r.skip_tls_verify {
                tls = tls.disable_verification(true);
            }
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(600)))
            .user_agent(concat!("canon/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: config.into(),
        })
    }

    /// GET `url` with extra headers; any HTTP status is a response, transport failures are
    /// [`RepoError::Unreachable`].
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, RepoError> {
        let mut req = self.agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.call().map_err(|e| RepoError::Unreachable {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let www_authenticate = header("www-authenticate");
        let link = header("link");
        let status = resp.status();
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| RepoError::Unreachable {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        Ok(Response {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            www_authenticate,
            link,
            body,
        })
    }
}

/// `Authorization: Basic …`.
pub(crate) fn basic_auth(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// `scheme://host[:port]` of a URL, lowercased scheme and host (what helm's getter compares
/// before sending credentials).
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://Example.com:8443/a/b?x").as_deref(),
            Some("https://example.com:8443")
        );
        assert_eq!(origin("http://u:p@h/x").as_deref(), Some("http://h"));
        assert_eq!(origin("nope"), None);
        assert_eq!(basic_auth("a", "b"), "Basic YTpi");
    }
}
