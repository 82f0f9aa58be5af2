//! A minimal W3C WebDriver client for the UI's browser test: drives Debian's headless Chromium through
//! chromedriver over HTTP on loopback (no npm, no browser download; `scripts/testenv chromium` installs
//! both from Debian's packages).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

pub struct Browser {
    base: String,
    session: String,
    agent: ureq::Agent,
    driver: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn tool(env: &str, default: &str) -> Result<String, String> {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_string());
    if Path::new(&path).exists() {
        Ok(path)
    } else {
        Err(format!(
            "{path} not found: the browser test needs Chromium and chromedriver \
             (run `scripts/testenv chromium`, or set {env})"
        ))
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a 1280×900 window.
    pub fn start() -> Result<Browser, String> {
        let chromium = tool("CANON_CHROMIUM", "/usr/bin/chromium")?;
        let chromedriver = tool("CANON_CHROMEDRIVER", "/usr/bin/chromedriver")?;
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting chromedriver: {e}"))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            if Instant::now() > deadline {
                return Err("chromedriver did not answer within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"]
            }
        }}});
        let mut b = Browser {
            base,
            session: String::new(),
            agent,
            driver,
        };
        let v = b.call("POST", "/session", Some(caps))?;
        b.session = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_string();
        Ok(b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        }
        .map_err(|e| format!("webdriver {method} {path}: {e}"))?;
        let status = resp.status().as_u16();
        let v: Value = resp
            .body_mut()
            .read_json()
            .map_err(|e| format!("webdriver {method} {path}: {e}"))?;
        if status >= 400 {
            return Err(format!("webdriver {method} {path}: HTTP {status}: {v}"));
        }
        Ok(v["value"].clone())
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.call(
            "POST",
            &self.session_path("/url"),
            Some(json!({ "url": url })),
        )
        .map(drop)
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub fn eval(&self, script: &str) -> Result<Value, String> {
        self.call(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Polls `script` until it returns `true`; false after `timeout`.
    pub fn wait_until(&self, script: &str, timeout: Duration) -> Result<bool, String> {
        self.wait_until_every(script, timeout, Duration::from_millis(100))
    }

    /// [`Browser::wait_until`] polling every `every` (finer when the wait is being timed).
    pub fn wait_until_every(
        &self,
        script: &str,
        timeout: Duration,
        every: Duration,
    ) -> Result<bool, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval(script)? == Value::Bool(true) {
                return Ok(true);
            }
            if Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::sleep(every);
        }
    }

    /// The first element matching a CSS selector (its WebDriver reference).
    pub fn find(&self, css: &str) -> Result<String, String> {
        let v = self.call(
            "POST",
            &self.session_path("/element"),
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        // The W3C element reference key.
        v["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element reference for {css:?} in {v}"))
    }

    /// Clicks the element matching `css` as a user would (scrolled into view first).
    pub fn click(&self, css: &str) -> Result<(), String> {
        let id = self.find(css)?;
        self.call(
            "POST",
            &self.session_path(&format!("/element/{id}/click")),
            None,
        )
        .map(drop)
    }

    /// Types `text` into the element matching `css`, key by key (input events fire per key).
    pub fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.find(css)?;
        self.call(
            "POST",
            &self.session_path(&format!("/element/{id}/value")),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    /// Saves a PNG screenshot of the viewport.
    pub fn screenshot(&self, path: &Path) -> Result<(), String> {
        let v = self.call("GET", &self.session_path("/screenshot"), None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().ok_or("screenshot is not a string")?)
            .map_err(|e| format!("screenshot: {e}"))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &self.session_path(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
