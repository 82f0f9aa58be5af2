//! Integration tests of canon-serve: real HTTP over loopback (ureq against the axum server),
//! a real queue with worker threads, and a counting Hydrator as the collaborator.

mod command;
mod config;
mod queue;
mod server;

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use serve::config::{Secrets, Settings};
use serve::rules::Rules;
use serve::{App, HydrateError, HydrationRequest, Hydrator};

pub const GH_SECRET: &str = "gh-secret";
pub const GITLAB_TOKEN: &str = "gl-token";
pub const GITEA_SECRET: &str = "gitea-secret";
pub const GENERIC_SECRET: &str = "generic-secret";

/// Records every hydration; optionally holds them at a gate until the test opens it.
#[derive(Default)]
pub struct Counting {
    pub calls: Mutex<Vec<HydrationRequest>>,
    gate: Mutex<bool>,
    cond: Condvar,
    gated: bool,
}

impl Counting {
    pub fn gated() -> Arc<Self> {
        Arc::new(Counting {
            gated: true,
            ..Default::default()
        })
    }

    pub fn open(&self) {
        *self.gate.lock().expect("gate lock") = true;
        self.cond.notify_all();
    }

    pub fn calls(&self) -> Vec<HydrationRequest> {
        self.calls.lock().expect("calls lock").clone()
    }
}

impl Hydrator for Counting {
    fn hydrate(&self, req: HydrationRequest) -> Result<(), HydrateError> {
        self.calls.lock().expect("calls lock").push(req);
        if self.gated {
            let mut open = self.gate.lock().expect("gate lock");
            while !*open {
                open = self.cond.wait(open).expect("gate wait");
            }
        }
        Ok(())
    }
}

pub fn settings(max_body_bytes: usize) -> Settings {
    Settings {
        listen: "127.0.0.1:0".into(),
        max_body_bytes,
        workers: 2,
        secrets: Secrets {
            github: Some(GH_SECRET.into()),
            gitlab: Some(GITLAB_TOKEN.into()),
            gitea: Some(GITEA_SECRET.into()),
            generic: Some(GENERIC_SECRET.into()),
        },
        source_repo: PathBuf::from("."),
        rules: Rules::default(),
        hydrate_command: Vec::new(),
        hydrator: serve::config::HydratorKind::Command,
        source_url: ".".into(),
        helmfile: None,
        state_repo: None,
    }
}

/// A receiver listening on a loopback port, served by its own tokio runtime.
pub struct Running {
    pub base: String,
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    rt: tokio::runtime::Runtime,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub agent: ureq::Agent,
}

impl Running {
    pub fn start(settings: Settings, hydrator: Arc<dyn Hydrator>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let app = App::new(settings, hydrator);
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = rt.spawn(serve::serve(listener, Arc::clone(&app), async move {
            let _ = rx.await;
        }));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Running {
            base: format!("http://{addr}"),
            app,
            stop: Some(tx),
            rt,
            task: Some(task),
            agent,
        }
    }

    /// POSTs `body` to `path` with `headers`; returns status and body text.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req.send(body).expect("HTTP request");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("response body");
        (status, text)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("HTTP request");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("response body");
        (status, text)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = self.rt.block_on(task);
        }
    }
}

pub fn push_body(git_ref: &str, after: &str) -> Vec<u8> {
    serde_json::json!({
        "ref": git_ref,
        "before": "0123456789abcdef0123456789abcdef01234567",
        "after": after,
        "repository": {"full_name": "acme/app"},
    })
    .to_string()
    .into_bytes()
}

/// A GitHub push delivery: body plus the headers GitHub sends.
pub fn github_push(r: &Running, git_ref: &str, after: &str) -> (u16, String) {
    let body = push_body(git_ref, after);
    let sig = serve::signature::sign(GH_SECRET.as_bytes(), &body);
    r.post(
        "/hooks/github",
        &[
            ("X-GitHub-Event", "push"),
            ("X-Hub-Signature-256", &sig),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
}
