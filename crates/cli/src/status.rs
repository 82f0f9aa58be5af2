//! `canon status [-e ENV] [--output table|json] [--server URL]`: what the agent sees, read from its
//! HTTP API (`/api/v1/environments`, `/api/v1/apps`), as a `kubectl get`-style table or as JSON.
//!
//! The server defaults to `$CANON_AGENT_URL`, else `http://127.0.0.1:8080` (the agent's default
//! `listen`). An unreachable agent exits 1 naming the URL; an environment the agent does not know
//! exits 2. LAST SYNC is an age in kubectl's format (apimachinery's `HumanDuration`), so the table
//! reads like `kubectl get`; `--output json` keeps the RFC 3339 times.

use std::process::ExitCode;
use std::time::Duration;

use agent::api::{AppPage, AppSummary, EnvironmentSummary, MAX_PER_PAGE};
use clap::{Args, ValueEnum};
use serde::Serialize;

/// The environment variable naming the agent's URL.
pub const SERVER_ENV: &str = "CANON_AGENT_URL";
/// The agent's default `listen` address.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Only this environment.
    #[arg(short = 'e', long = "environment", value_name = "ENV")]
    environment: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Table)]
    output: Output,
    /// The agent's URL [default: $CANON_AGENT_URL, else http://127.0.0.1:8080].
    #[arg(long = "server", value_name = "URL")]
    server: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

/// What `--output json` prints.
#[derive(Serialize)]
struct StatusJson<'a> {
    server: &'a str,
    environments: &'a [EnvironmentSummary],
    apps: &'a [AppSummary],
}

/// Why the command failed: the message, and whether it is bad usage (exit 2) or not (exit 1).
struct Failure {
    message: String,
    usage: bool,
}

impl Failure {
    fn op(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            usage: false,
        }
    }
}

pub fn run(args: StatusArgs) -> ExitCode {
    let server = args
        .server
        .clone()
        .or_else(|| std::env::var(SERVER_ENV).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string());
    let server = server.trim_end_matches('/').to_string();
    match status(&args, &server) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("Error: {}", f.message);
            ExitCode::from(if f.usage { 2 } else { 1 })
        }
    }
}

fn status(args: &StatusArgs, server: &str) -> Result<(), Failure> {
    let client = Client::new(server);
    let mut environments: Vec<EnvironmentSummary> = client.get_json("/api/v1/environments")?;
    if let Some(env) = &args.environment {
        if !environments.iter().any(|e| &e.status.name == env) {
            let known: Vec<&str> = environments
                .iter()
                .map(|e| e.status.name.as_str())
                .collect();
            return Err(Failure {
                message: format!(
                    "environment {env:?} is not synced by the agent at {server} (it knows: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                usage: true,
            });
        }
        environments.retain(|e| &e.status.name == env);
    }
    let apps = client.all_apps(args.environment.as_deref())?;
    let mut out = String::new();
    match args.output {
        Output::Json => {
            let doc = StatusJson {
                server,
                environments: &environments,
                apps: &apps,
            };
            out = serde_json::to_string_pretty(&doc)
                .map_err(|e| Failure::op(format!("encoding JSON: {e}")))?;
            out.push('\n');
        }
        Output::Table => {
            let now = std::time::SystemTime::now();
            for env in &environments {
                // An environment the agent cannot read is worth a line even without apps.
                if let Some(e) = &env.status.error {
                    eprintln!("Warning: environment {}: {e}", env.status.name);
                }
            }
            if apps.is_empty() {
                eprintln!("No apps found.");
            } else {
                out = table(&apps, now);
            }
        }
    }
    print!("{out}");
    Ok(())
}

/// The table, columns padded to their widest cell and separated by three spaces, as kubectl
/// prints them.
fn table(apps: &[AppSummary], now: std::time::SystemTime) -> String {
    let header = [
        "ENVIRONMENT",
        "APP",
        "SYNC",
        "HEALTH",
        "REVISION",
        "LAST SYNC",
        "DRIFT",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for a in apps {
        let revision = short_revision(&a.revision);
        let last_sync = a
            .last_sync
            .as_deref()
            .map_or_else(|| "<none>".to_string(), |t| age(t, now));
        rows.push(vec![
            a.key.environment.clone(),
            a.key.app.clone(),
            agent::metrics::sync_str(a.sync).to_string(),
            a.health.as_str().to_string(),
            revision,
            last_sync,
            a.drift_count.to_string(),
        ]);
    }
    columns(&rows)
}

/// A state commit as kubectl-style tables show it: seven characters, `<none>` when unknown.
pub(crate) fn short_revision(revision: &str) -> String {
    if revision.is_empty() {
        "<none>".to_string()
    } else {
        revision.chars().take(7).collect()
    }
}

/// Rows (the first is the header) as kubectl prints a table: columns left-aligned, three spaces
/// apart, no trailing blanks.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..n)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The age of an RFC 3339 time at `now`, as kubectl prints ages; the text itself when it does not
/// parse.
fn age(rfc3339: &str, now: std::time::SystemTime) -> String {
    let Ok(then) = rfc3339.parse::<jiff::Timestamp>() else {
        return rfc3339.to_string();
    };
    let Ok(now) = jiff::Timestamp::try_from(now) else {
        return rfc3339.to_string();
    };
    let nanos = now.as_nanosecond() - then.as_nanosecond();
    human_duration(nanos)
}

/// apimachinery's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration), over
/// nanoseconds as Go's `time.Duration` is.
fn human_duration(nanos: i128) -> String {
    const S: i128 = 1_000_000_000;
    const M: i128 = 60 * S;
    const H: i128 = 60 * M;
    // Go's int(d.Seconds()) truncates toward zero.
    let seconds = nanos / S;
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / M;
    if minutes < 10 {
        let s = (nanos / S) % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / H;
    if hours < 8 {
        let m = (nanos / M) % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

/// A blocking client of the agent's API.
struct Client {
    server: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(server: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Client {
            server: server.to_string(),
            agent,
        }
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path_and_query: &str) -> Result<T, Failure> {
        let url = format!("{}{path_and_query}", self.server);
        let mut response = self.agent.get(&url).call().map_err(|e| {
            Failure::op(format!(
                "cannot reach the canon agent at {}: {e} (is `canon agent` running? set --server \
                 or ${SERVER_ENV})",
                self.server
            ))
        })?;
        let status = response.status();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| Failure::op(format!("reading {url}: {e}")))?;
        if !status.is_success() {
            let message = serde_json::from_str::<agent::api::ApiError>(&body)
                .map(|e| e.error)
                .unwrap_or(body);
            return Err(Failure::op(format!("{url}: {status}: {}", message.trim())));
        }
        serde_json::from_str(&body).map_err(|e| {
            Failure::op(format!(
                "{url}: not a canon agent response ({e}); is {} a canon agent?",
                self.server
            ))
        })
    }

    /// Every app (of `environment`), following the pages.
    fn all_apps(&self, environment: Option<&str>) -> Result<Vec<AppSummary>, Failure> {
        let mut apps = Vec::new();
        let mut page = 1;
        loop {
            let mut query = format!("/api/v1/apps?page={page}&perPage={MAX_PER_PAGE}");
            if let Some(env) = environment {
                query.push_str("&environment=");
                query.push_str(&percent_encode(env));
            }
            let p: AppPage = self.get_json(&query)?;
            let got = p.items.len();
            apps.extend(p.items);
            if got == 0 || apps.len() >= p.total {
                return Ok(apps);
            }
            page += 1;
        }
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i128 = 1_000_000_000;
    const MS: i128 = 1_000_000;
    const MIN: i128 = 60 * S;
    const HOUR: i128 = 60 * MIN;
    const DAY: i128 = 24 * HOUR;

    /// apimachinery's TestHumanDuration and TestHumanDurationBoundaries
    /// (k8s.io/apimachinery v0.36.3, pkg/util/duration/duration_test.go).
    #[test]
    fn columns_align_three_spaces_apart_without_trailing_blanks() {
        let rows: Vec<Vec<String>> = [["NAME", "SYNC", "X"], ["a-long-name", "", "1"]]
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            columns(&rows),
            "NAME          SYNC   X\na-long-name          1\n"
        );
        assert_eq!(short_revision(""), "<none>");
        assert_eq!(short_revision("0123456789abcdef"), "0123456");
    }

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases: &[(i128, &str)] = &[
            (S, "1s"),
            (70 * S, "70s"),
            (190 * S, "3m10s"),
            (70 * MIN, "70m"),
            (47 * HOUR, "47h"),
            (49 * HOUR, "2d1h"),
            ((8 * 24 + 2) * HOUR, "8d"),
            (367 * 24 * HOUR, "367d"),
            ((365 * 2 * 24 + 25) * HOUR, "2y1d"),
            ((365 * 8 * 24 + 2) * HOUR, "8y"),
            (-2 * S, "<invalid>"),
            (-2 * S + 1, "0s"),
            (0, "0s"),
            (S - MS, "0s"),
            (2 * MIN - MS, "119s"),
            (2 * MIN, "2m"),
            (2 * MIN + S, "2m1s"),
            (10 * MIN - MS, "9m59s"),
            (10 * MIN, "10m"),
            (10 * MIN + S, "10m"),
            (3 * HOUR - MS, "179m"),
            (3 * HOUR, "3h"),
            (3 * HOUR + MIN, "3h1m"),
            (8 * HOUR - MS, "7h59m"),
            (8 * HOUR, "8h"),
            (8 * HOUR + 59 * MIN, "8h"),
            (2 * DAY - MS, "47h"),
            (2 * DAY, "2d"),
            (2 * DAY + HOUR, "2d1h"),
            (8 * DAY - MS, "7d23h"),
            (8 * DAY, "8d"),
            (8 * DAY + 23 * HOUR, "8d"),
            (2 * 365 * DAY - MS, "729d"),
            (2 * 365 * DAY, "2y"),
            (2 * 365 * DAY + 23 * HOUR, "2y"),
            (2 * 365 * DAY + 23 * HOUR + 59 * MIN, "2y"),
            (2 * 365 * DAY + DAY - MS, "2y"),
            (2 * 365 * DAY + DAY, "2y1d"),
            (3 * 365 * DAY, "3y"),
            (7 * 365 * DAY, "7y"),
            (8 * 365 * DAY - MS, "7y364d"),
            (8 * 365 * DAY, "8y"),
            (8 * 365 * DAY + 364 * DAY, "8y"),
            (9 * 365 * DAY, "9y"),
        ];
        for (nanos, want) in cases {
            assert_eq!(human_duration(*nanos), *want, "{nanos} ns");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(percent_encode("prod-eu_1.x~"), "prod-eu_1.x~");
        assert_eq!(percent_encode("a b&c=d"), "a%20b%26c%3Dd");
    }
}
