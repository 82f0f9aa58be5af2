//! A real local control plane: etcd, kube-apiserver and kube-controller-manager on loopback,
//! with generated certificates, token authentication and RBAC, in a data dir of its own.
//!
//! Every instance picks free ports and its own directory, so several test processes can run
//! control planes at once. Dropping the handle stops the processes (SIGTERM, then SIGKILL) and
//! removes a temporary data dir; that also happens when the test that owns it panics.

use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::{Error, Result};

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Port races between concurrent processes (a port found free, then taken) are retried.
const START_ATTEMPTS: usize = 3;

/// How to start a [`ControlPlane`].
#[derive(Debug, Clone)]
pub struct ControlPlaneOptions {
    /// Run kube-controller-manager too (Deployments get ReplicaSets, namespaces service accounts).
    pub controller_manager: bool,
    /// Use this directory (created if needed, kept on drop) instead of a temporary one.
    pub dir: Option<PathBuf>,
}

impl Default for ControlPlaneOptions {
    fn default() -> Self {
        ControlPlaneOptions {
            controller_manager: true,
            dir: None,
        }
    }
}

struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

/// A running control plane. Drop it to stop it.
pub struct ControlPlane {
    // Stopped in reverse start order by Drop.
    procs: Vec<Proc>,
    dir: PathBuf,
    kubeconfig: PathBuf,
    server: String,
    /// How kube-apiserver was started, so fault tests can restart it (same port, same etcd).
    apiserver_cmd: Option<(PathBuf, Vec<String>)>,
    // Last field: removed after the processes are gone.
    _tmp: Option<tempfile::TempDir>,
}

impl ControlPlane {
    /// Starts etcd, kube-apiserver and kube-controller-manager in a temporary dir and waits
    /// until the API server reports `/readyz`.
    pub async fn start() -> Result<ControlPlane> {
        Self::start_with(ControlPlaneOptions::default()).await
    }

    pub async fn start_with(opts: ControlPlaneOptions) -> Result<ControlPlane> {
        let etcd = crate::etcd()?;
        let apiserver = crate::kube_apiserver()?;
        let kcm = if opts.controller_manager {
            Some(crate::kube_controller_manager()?)
        } else {
            None
        };
        let (tmp, dir) = match &opts.dir {
            Some(dir) => {
                fs::create_dir_all(dir)
                    .map_err(Error::io(format!("creating {}", dir.display())))?;
                let dir = dir
                    .canonicalize()
                    .map_err(Error::io(format!("resolving {}", dir.display())))?;
                (None, dir)
            }
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("canon-controlplane-")
                    .tempdir()
                    .map_err(Error::io("creating a temporary dir"))?;
                let dir = tmp.path().to_path_buf();
                (Some(tmp), dir)
            }
        };
        let secrets = Secrets::write(&dir)?;

        let mut last_err = None;
        for attempt in 1..=START_ATTEMPTS {
            let mut cp = ControlPlane {
                procs: Vec::new(),
                dir: dir.clone(),
                kubeconfig: dir.join("kubeconfig"),
                server: String::new(),
                apiserver_cmd: None,
                _tmp: None,
            };
            match cp
                .boot(&etcd, &apiserver, kcm.as_deref(), &secrets, attempt)
                .await
            {
                Ok(()) => {
                    cp._tmp = tmp;
                    return Ok(cp);
                }
                Err(err) => {
                    let port_race = matches!(&err, Error::ProcessExited { log_tail, .. }
                        if log_tail.contains("address already in use"));
                    cp.stop();
                    if !port_race {
                        return Err(err);
                    }
                    last_err = Some(err);
                }
            }
        }
        Err(last_err.expect("the loop ran at least once"))
    }

    async fn boot(
        &mut self,
        etcd: &Path,
        apiserver: &Path,
        kcm: Option<&Path>,
        secrets: &Secrets,
        attempt: usize,
    ) -> Result<()> {
        let dir = self.dir.clone();
        let pki = dir.join("pki");
        let [etcd_client, etcd_peer, api_port] = free_ports()?;
        let etcd_url = format!("http://127.0.0.1:{etcd_client}");
        let peer_url = format!("http://127.0.0.1:{etcd_peer}");
        let etcd_data = dir.join(format!("etcd-{attempt}"));
        self.spawn(
            "etcd",
            Command::new(etcd).args([
                "--name=default".to_string(),
                format!("--data-dir={}", etcd_data.display()),
                format!("--listen-client-urls={etcd_url}"),
                format!("--advertise-client-urls={etcd_url}"),
                format!("--listen-peer-urls={peer_url}"),
                format!("--initial-advertise-peer-urls={peer_url}"),
                format!("--initial-cluster=default={peer_url}"),
                // A throwaway store: durability only costs time here.
                "--unsafe-no-fsync=true".to_string(),
                "--log-level=warn".to_string(),
            ]),
        )?;

        let p = |name: &str| pki.join(name).display().to_string();
        let apiserver_args = vec![
            format!("--etcd-servers={etcd_url}"),
            "--bind-address=127.0.0.1".to_string(),
            "--advertise-address=127.0.0.1".to_string(),
            format!("--secure-port={api_port}"),
            format!("--cert-dir={}", pki.display()),
            format!("--tls-cert-file={}", p("apiserver.crt")),
            format!("--tls-private-key-file={}", p("apiserver.key")),
            format!("--client-ca-file={}", p("ca.crt")),
            format!("--token-auth-file={}", p("tokens.csv")),
            "--authorization-mode=RBAC".to_string(),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".to_string(),
            format!("--service-account-key-file={}", p("sa.pub")),
            format!("--service-account-signing-key-file={}", p("sa.key")),
            "--service-cluster-ip-range=10.0.0.0/16".to_string(),
            "--allow-privileged=true".to_string(),
            // No kubelets, no nodes: the `kubernetes` service endpoint would be a loopback IP.
            "--endpoint-reconciler-type=none".to_string(),
            "--profiling=false".to_string(),
        ];
        self.spawn(
            "kube-apiserver",
            Command::new(apiserver).args(&apiserver_args),
        )?;
        self.apiserver_cmd = Some((apiserver.to_path_buf(), apiserver_args));
        self.server = format!("https://127.0.0.1:{api_port}");
        let ca_pem = secrets.ca_pem.as_str();
        write_kubeconfig(
            &self.kubeconfig,
            &self.server,
            ca_pem,
            "canon-admin",
            &secrets.admin_token,
        )?;
        let client = crate::client_from_kubeconfig(&self.kubeconfig).await?;
        self.wait_ready(&client).await?;

        if let Some(kcm) = kcm {
            let kcm_kubeconfig = dir.join("kube-controller-manager.kubeconfig");
            write_kubeconfig(
                &kcm_kubeconfig,
                &self.server,
                ca_pem,
                "system:kube-controller-manager",
                &secrets.kcm_token,
            )?;
            let kc = kcm_kubeconfig.display().to_string();
            self.spawn(
                "kube-controller-manager",
                Command::new(kcm).args([
                    format!("--kubeconfig={kc}"),
                    "--leader-elect=false".to_string(),
                    // No serving endpoint: nothing scrapes it, and it would need a fourth port.
                    "--secure-port=0".to_string(),
                    "--use-service-account-credentials=true".to_string(),
                    format!("--service-account-private-key-file={}", p("sa.key")),
                    format!("--root-ca-file={}", p("ca.crt")),
                    format!("--cluster-signing-cert-file={}", p("ca.crt")),
                    format!("--cluster-signing-key-file={}", p("ca.key")),
                    "--cluster-name=canon-test".to_string(),
                ]),
            )?;
            // It has started its controllers once it holds its own service accounts; a namespace
            // test helper waits for the `default` service account anyway, so only check it is up.
            tokio::time::sleep(Duration::from_millis(200)).await;
            self.check_alive()?;
        }
        Ok(())
    }

    fn spawn(&mut self, name: &'static str, cmd: &mut Command) -> Result<()> {
        let log = self.dir.join(format!("{name}.log"));
        let out =
            fs::File::create(&log).map_err(Error::io(format!("creating {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(Error::io("duplicating a log handle"))?;
        let child = cmd
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(Error::io(format!("starting {name}")))?;
        self.procs.push(Proc { name, child, log });
        Ok(())
    }

    fn check_alive(&mut self) -> Result<()> {
        for proc in &mut self.procs {
            if let Ok(Some(status)) = proc.child.try_wait() {
                return Err(Error::ProcessExited {
                    name: proc.name,
                    status: status.to_string(),
                    log_tail: tail(&proc.log, 30),
                });
            }
        }
        Ok(())
    }

    async fn wait_ready(&mut self, client: &kube::Client) -> Result<()> {
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            self.check_alive()?;
            let req = http::Request::get("/readyz")
                .body(Vec::new())
                .expect("a constant request is well formed");
            let last = match client.request_text(req).await {
                Ok(body) if body.trim() == "ok" => return Ok(()),
                Ok(body) => body,
                Err(err) => err.to_string(),
            };
            if tokio::time::Instant::now() > deadline {
                let apiserver_log = self
                    .procs
                    .iter()
                    .find(|p| p.name == "kube-apiserver")
                    .map(|p| tail(&p.log, 30))
                    .unwrap_or_default();
                return Err(Error::NotReady {
                    what: format!("{}/readyz (last answer: {last})", self.server),
                    log_tail: format!("; kube-apiserver log:\n{apiserver_log}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A client authenticated as a cluster admin (group `system:masters`).
    pub async fn client(&self) -> Result<kube::Client> {
        crate::client_from_kubeconfig(&self.kubeconfig).await
    }

    /// The admin kubeconfig (JSON, which kubectl and kube-rs read as YAML).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Stops kube-apiserver (etcd and the controller manager keep running), for fault tests:
    /// clients see connection errors until [`ControlPlane::start_apiserver`].
    pub fn stop_apiserver(&mut self) {
        if let Some(i) = self.procs.iter().position(|p| p.name == "kube-apiserver") {
            let mut proc = self.procs.remove(i);
            stop_process(&mut proc.child);
        }
    }

    /// Starts kube-apiserver again with the same flags (same port, same etcd) and waits until
    /// it is ready; existing clients reconnect.
    pub async fn start_apiserver(&mut self) -> Result<()> {
        let (path, args) = self
            .apiserver_cmd
            .clone()
            .expect("boot recorded how kube-apiserver was started");
        self.spawn("kube-apiserver", Command::new(path).args(&args))?;
        let client = self.client().await?;
        self.wait_ready(&client).await
    }

    /// [`ControlPlane::stop_apiserver`] then [`ControlPlane::start_apiserver`].
    pub async fn restart_apiserver(&mut self) -> Result<()> {
        self.stop_apiserver();
        self.start_apiserver().await
    }

    /// Process ids of the running processes, for scripts that must be sure nothing outlives them.
    pub fn pids(&self) -> Vec<u32> {
        self.procs.iter().map(|p| p.child.id()).collect()
    }

    fn stop(&mut self) {
        while let Some(mut proc) = self.procs.pop() {
            stop_process(&mut proc.child);
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.stop();
    }
}

fn stop_process(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
        let deadline = std::time::Instant::now() + STOP_TIMEOUT;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn free_ports<const N: usize>() -> Result<[u16; N]> {
    // Hold all listeners until every port is chosen, so the N ports differ.
    let listeners = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(Error::io("finding a free loopback port"))?;
    let mut ports = [0u16; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener
            .local_addr()
            .map_err(Error::io("reading a listener address"))?
            .port();
    }
    Ok(ports)
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

struct Secrets {
    ca_pem: String,
    admin_token: String,
    kcm_token: String,
}

impl Secrets {
    /// Writes the CA, the serving certificate, the service-account key pair and the token file.
    fn write(dir: &Path) -> Result<Secrets> {
        let pki = dir.join("pki");
        fs::create_dir_all(&pki).map_err(Error::io(format!("creating {}", pki.display())))?;
        let put = |name: &str, data: &str| {
            let path = pki.join(name);
            fs::write(&path, data).map_err(Error::io(format!("writing {}", path.display())))
        };

        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "canon-testenv-ca");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        put("ca.crt", &ca_cert.pem())?;
        put("ca.key", &ca_key.serialize_pem())?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let mut server_params = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "10.0.0.1".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
            "kubernetes.default.svc.cluster.local".to_string(),
        ])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &issuer)?;
        put("apiserver.crt", &server_cert.pem())?;
        put("apiserver.key", &server_key.serialize_pem())?;

        let sa_key = KeyPair::generate()?;
        put("sa.key", &sa_key.serialize_pem())?;
        put("sa.pub", &sa_key.public_key_pem())?;

        let admin_token = random_token()?;
        let kcm_token = random_token()?;
        let mut tokens = String::new();
        // token,user,uid,"group1,group2" (kube-apiserver's static token file format)
        let _ = writeln!(
            tokens,
            "{admin_token},canon-admin,canon-admin,\"system:masters\""
        );
        let _ = writeln!(
            tokens,
            "{kcm_token},system:kube-controller-manager,system:kube-controller-manager"
        );
        put("tokens.csv", &tokens)?;
        Ok(Secrets {
            ca_pem: ca_cert.pem(),
            admin_token,
            kcm_token,
        })
    }
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 24];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(Error::io("reading /dev/urandom"))?;
    Ok(bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

fn write_kubeconfig(
    path: &Path,
    server: &str,
    ca_pem: &str,
    user: &str,
    token: &str,
) -> Result<()> {
    let ca_b64 = base64(ca_pem.as_bytes());
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "canon-test", "cluster": {
            "server": server, "certificate-authority-data": ca_b64}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "canon-test", "context": {"cluster": "canon-test", "user": user}}],
        "current-context": "canon-test",
    });
    let text = serde_json::to_string_pretty(&config).expect("a JSON value always serializes");
    fs::write(path, text).map_err(Error::io(format!("writing {}", path.display())))
}

/// Standard base64 with padding (kubeconfig `*-data` fields); small enough not to need a crate.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn free_ports_are_distinct() {
        let [a, b, c] = free_ports().expect("loopback ports");
        assert!(a != b && b != c && a != c);
    }

    #[test]
    fn secrets_are_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Secrets::write(dir.path()).expect("secrets");
        for f in [
            "ca.crt",
            "ca.key",
            "apiserver.crt",
            "apiserver.key",
            "sa.key",
            "sa.pub",
            "tokens.csv",
        ] {
            assert!(dir.path().join("pki").join(f).is_file(), "{f}");
        }
        assert_ne!(s.admin_token, s.kcm_token);
        assert!(s.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
