//! The web UI in a real browser: headless Chromium (Debian's, through chromedriver) against the agent
//! on loopback, synced to the real control plane. The page lists the demo app; a live change by
//! another field manager shows up as drift on the page without a reload. At scale, 1,000 apps: the
//! table pages and filters, and drift still shows live. Screenshots are saved under
//! `target/tmp/ui-screenshots/` as test artifacts; timings are printed, never asserted.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use agent::api::{ApiState, AppPage, serve};
use agent::metrics::Metrics;
use agent::store::{Store, SyncStatus};
use agent::{Agent, AgentConfig};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use crate::webdriver::Browser;
use crate::{bare, configmap, hydrate, release, render_demo};

const PATIENCE: Duration = Duration::from_secs(60);

fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots")
}

/// Runs blocking browser calls on this multi-threaded runtime's worker.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the control plane and Chromium (scripts/test)"]
async fn the_page_lists_apps_and_shows_live_drift_without_a_reload() {
    let tc = testenv::cluster()
        .await
        .unwrap_or_else(|e| panic!("this test needs the control plane: {e}"));
    let client = tc.client();
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let agent_ns = testenv::namespace(&client).await.expect("a namespace");
    let env = format!("e-{ns}");
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    let mut releases = render_demo("staging", &tmp.path().join("render"));
    for r in &mut releases {
        r.namespace = ns.clone();
    }
    hydrate(&remote, &env, releases, 1);

    // The real agent (detect-only), and its HTTP API + UI on a loopback port.
    let config = AgentConfig::parse(
        &format!(
            "state: {{ repo: {}, branch: main, pollInterval: 1s }}\nlisten: 127.0.0.1:0\nnamespace: {agent_ns}\nenvironments:\n  {env}:\n    sync: auto\n",
            remote.display()
        ),
        "ui-test.yaml",
    )
    .expect("agent.yaml");
    let agent = Agent::new(config).with_client(&env, client.clone());
    let store = agent.store();
    let (stop_agent, agent_stopped) = tokio::sync::oneshot::channel::<()>();
    let agent_task = tokio::spawn(agent.run(async {
        let _ = agent_stopped.await;
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let state = ApiState::new(store.clone(), Metrics::new(store.clone()), None);
    let api_task = tokio::spawn(serve(listener, state, async {
        let _ = api_stopped.await;
    }));

    let browser = blocking(Browser::start).unwrap_or_else(|e| panic!("{e}"));
    let shots = artifacts();
    blocking(|| browser.goto(&format!("{base}/"))).expect("open the UI");
    // A marker on the page's window: it survives only if the page is never reloaded.
    blocking(|| browser.eval("window.__canonMarker = 42; return true;")).expect("set marker");
    let row = format!(
        "document.querySelector('#apps tr.row[data-app=\"demo--staging\"][data-environment=\"{env}\"]')"
    );
    let listed = blocking(|| {
        browser.wait_until(
            &format!("const r = {row}; return !!r && r.querySelector('.sync').innerText.trim() === 'Synced';"),
            PATIENCE,
        )
    })
    .expect("poll the page");
    blocking(|| browser.screenshot(&shots.join("1-apps-synced.png"))).expect("screenshot");
    assert!(
        listed,
        "the page never listed demo--staging as Synced: {:?}",
        blocking(|| browser.eval("return document.body.innerText;"))
    );

    // A person scales the Deployment with another field manager.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let name = deployments
        .list(&Default::default())
        .await
        .expect("list deployments")
        .items
        .first()
        .and_then(|d| d.metadata.name.clone())
        .expect("the demo has a Deployment");
    deployments
        .patch(
            &name,
            &PatchParams {
                field_manager: Some("kubectl-edit".into()),
                ..Default::default()
            },
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .expect("patch replicas");

    let drifted = blocking(|| {
        browser.wait_until(
            &format!(
                "const r = {row}; return !!r && r.querySelector('.sync').innerText.trim() === 'OutOfSync' \
                 && Number(r.querySelector('.drift-count').innerText) > 0;"
            ),
            PATIENCE,
        )
    })
    .expect("poll the page");
    blocking(|| browser.screenshot(&shots.join("2-apps-drifted.png"))).expect("screenshot");
    assert!(
        drifted,
        "the page never showed the drift: {:?}",
        blocking(|| browser.eval("return document.body.innerText;"))
    );
    let marker = blocking(|| browser.eval("return window.__canonMarker === 42;")).expect("eval");
    assert_eq!(marker, json!(true), "the page was reloaded");

    // The app page (a hash change, not a reload) shows the field, both values and who changed it.
    blocking(|| {
        browser.eval(&format!(
            "location.hash = '#/apps/{env}/demo--staging'; return true;"
        ))
    })
    .expect("open the app page");
    let detail = blocking(|| {
        browser.wait_until(
            "const t = document.querySelector('#drift'); return !!t && t.innerText.includes('spec.replicas') \
             && t.innerText.includes('kubectl-edit') && t.innerText.includes('3');",
            PATIENCE,
        )
    })
    .expect("poll the page");
    blocking(|| browser.screenshot(&shots.join("3-app-drift.png"))).expect("screenshot");
    assert!(
        detail,
        "the app page never showed the drifted field: {:?}",
        blocking(|| browser.eval("return document.body.innerText;"))
    );
    let marker = blocking(|| browser.eval("return window.__canonMarker === 42;")).expect("eval");
    assert_eq!(marker, json!(true), "the page was reloaded");
    eprintln!("screenshots in {}", shots.display());

    drop(browser);
    let _ = stop_api.send(());
    let _ = stop_agent.send(());
    let _ = api_task.await;
    let _ = agent_task.await;
}

/// Apps in the scale test.
const SCALE: usize = 1000;
/// Rows per page (the UI's and the API's default).
const PER_PAGE: usize = 50;
/// The initial sync of 1,000 apps on 2 shared cores, debug build.
const SYNC_PATIENCE: Duration = Duration::from_secs(900);

fn name(i: usize) -> String {
    format!("app-{i:04}")
}

/// Median and minimum of `runs` timed calls of `f`.
fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    (samples[samples.len() / 2], samples[0])
}

fn count(store: &Store, pred: impl Fn(&agent::store::AppStatus) -> bool) -> usize {
    store.with_apps(|apps| apps.values().filter(|a| pred(a)).count())
}

/// Patches the `value` of app `i`'s ConfigMap as another field manager (a person with kubectl).
async fn edit_configmap(client: &kube::Client, ns: &str, i: usize, value: &str) {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    api.patch(
        &name(i),
        &PatchParams {
            field_manager: Some("kubectl-edit".into()),
            ..Default::default()
        },
        &Patch::Merge(json!({"data": {"value": value}})),
    )
    .await
    .expect("patch the ConfigMap");
}

/// Clicks an element that a live update may redraw between finding and clicking it (rows, cards):
/// tries again on a stale reference.
fn click_redrawn(browser: &Browser, css: &str) {
    let clicked = (0..10).any(|_| {
        blocking(|| browser.click(css)).is_ok() || {
            std::thread::sleep(Duration::from_millis(200));
            false
        }
    });
    assert!(clicked, "could not click {css}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the control plane and Chromium (scripts/test)"]
async fn a_thousand_apps_page_filter_and_show_live_drift() {
    let tc = testenv::cluster()
        .await
        .unwrap_or_else(|e| panic!("this test needs the control plane: {e}"));
    let client = tc.client();
    let ns = testenv::namespace(&client).await.expect("a namespace");
    let agent_ns = testenv::namespace(&client).await.expect("a namespace");
    let env = format!("e-{ns}");
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = bare(tmp.path());
    // 1,000 small apps (one ConfigMap each), written by the real hydrate pipeline in one commit.
    let releases = (0..SCALE)
        .map(|i| {
            release(
                &name(i),
                &ns,
                &[("t/cm.yaml", configmap(&name(i), "from-git"))],
            )
        })
        .collect();
    let t = Instant::now();
    hydrate(&remote, &env, releases, 1);
    eprintln!("scale: hydrated {SCALE} apps in {:?}", t.elapsed());

    let config = AgentConfig::parse(
        &format!(
            "state: {{ repo: {}, branch: main, pollInterval: 5s }}\nlisten: 127.0.0.1:0\nnamespace: {agent_ns}\nenvironments:\n  {env}:\n    sync: auto\n",
            remote.display()
        ),
        "ui-scale.yaml",
    )
    .expect("agent.yaml");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let agent = Agent::new(config).with_client(&env, client.clone());
    let store = agent.store();
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let state = ApiState::new(store.clone(), Metrics::new(store.clone()), None);
    let api_task = tokio::spawn(serve(listener, state, async {
        let _ = api_stopped.await;
    }));

    // The page is open while the 1,000 apps sync: it must keep up with the stream, and a second
    // listener in the page counts the events the stream sends.
    let browser = blocking(Browser::start).unwrap_or_else(|e| panic!("{e}"));
    let shots = artifacts();
    blocking(|| browser.goto(&format!("{base}/"))).expect("open the UI");
    blocking(|| {
        browser.eval(
            "window.__events = 0; window.__keys = 0; \
             new EventSource('/api/v1/stream').addEventListener('change', e => { \
               window.__events++; window.__keys += (JSON.parse(e.data).keys || []).length; }); \
             return true;",
        )
    })
    .expect("count the stream's events");
    let (stop_agent, agent_stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let agent_task = tokio::spawn(agent.run(async {
        let _ = agent_stopped.await;
    }));
    let mut last_report = Instant::now();
    loop {
        let synced = count(&store, |a| {
            a.sync == SyncStatus::Synced && a.error.is_none()
        });
        if synced == SCALE {
            break;
        }
        assert!(
            started.elapsed() < SYNC_PATIENCE,
            "only {synced} of {SCALE} apps synced after {SYNC_PATIENCE:?}"
        );
        if last_report.elapsed() > Duration::from_secs(30) {
            eprintln!(
                "scale: {synced}/{SCALE} synced after {:?}",
                started.elapsed()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sync_took = started.elapsed();
    eprintln!("scale: agent synced {SCALE} apps in {sync_took:?}");
    let page_done = format!(
        "return document.getElementById('page-info')?.innerText.includes('{SCALE} apps') \
         && [...document.querySelectorAll('#apps tr.row .sync')].filter(s => s.innerText.trim() === 'Synced').length === {PER_PAGE};"
    );
    let kept_up = blocking(|| browser.wait_until(&page_done, PATIENCE)).expect("poll the page");
    let (events, keys): (u64, u64) = blocking(|| {
        let v = browser.eval("return [window.__events, window.__keys];")?;
        Ok::<_, String>((v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0)))
    })
    .expect("read the event count");
    eprintln!(
        "scale: the stream sent {events} change events ({keys} app keys, the rest 'refresh all') \
         during the initial sync of {SCALE} apps ({sync_took:?})"
    );
    assert!(
        kept_up,
        "the live page never showed {SCALE} synced apps: {:?}",
        blocking(|| browser.eval("return document.body.innerText;"))
    );

    // Idle: the reconcile loop passes over every app each poll; nothing changed, nothing is sent.
    let before: u64 = blocking(|| browser.eval("return window.__events;"))
        .expect("eval")
        .as_u64()
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle: u64 = blocking(|| browser.eval("return window.__events;"))
        .expect("eval")
        .as_u64()
        .unwrap_or(0)
        - before;
    eprintln!(
        "scale: the stream sent {idle} change events in 10 s of idle (2 poll passes over {SCALE} apps)"
    );

    // The API at scale.
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| -> String {
        http.get(format!("{base}{path}"))
            .call()
            .expect("GET")
            .body_mut()
            .read_to_string()
            .expect("body")
    };
    let page: AppPage = serde_json::from_str(&get("/api/v1/apps?page=1")).expect("an AppPage");
    assert_eq!((page.total, page.items.len()), (SCALE, PER_PAGE));
    assert_eq!(page.items[0].key.app, name(0));
    for path in [
        "/api/v1/apps?page=1",
        "/api/v1/apps?page=20",
        "/api/v1/apps?q=app-0999",
        "/api/v1/apps?sync=OutOfSync",
        "/api/v1/environments",
    ] {
        let (median, min) = blocking(|| timed(20, || drop(get(path))));
        eprintln!("scale: GET {path} with {SCALE} apps: median {median:?}, min {min:?} (20 runs)");
    }

    // A fresh load: how long until the first page shows all its rows.
    let t = Instant::now();
    blocking(|| browser.goto(&format!("{base}/"))).expect("reload the UI");
    let shown =
        blocking(|| browser.wait_until_every(&page_done, PATIENCE, Duration::from_millis(10)))
            .expect("poll the page");
    let first_page = t.elapsed();
    assert!(shown, "the first page never showed {PER_PAGE} rows");
    eprintln!("scale: first page showed all {PER_PAGE} rows {first_page:?} after navigation");
    blocking(|| browser.screenshot(&shots.join("scale-1-first-page.png"))).expect("screenshot");
    blocking(|| browser.eval("window.__canonMarker = 42; return true;")).expect("set marker");
    let text = |js: &str| -> String {
        blocking(|| browser.eval(&format!("return {js};")))
            .expect("eval")
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let rows_are = |first: usize, n: usize| {
        format!(
            "const r = [...document.querySelectorAll('#apps tr.row')].map(r => r.dataset.app); \
             return r.length === {n} && r[0] === '{}' && r[{n} - 1] === '{}';",
            name(first),
            name(first + n - 1)
        )
    };
    assert_eq!(
        text("document.getElementById('page-info').innerText"),
        format!("page 1 of {} · {SCALE} apps", SCALE / PER_PAGE)
    );

    // Paging: next, last, first.
    blocking(|| browser.click("#next")).expect("click next");
    let ok =
        blocking(|| browser.wait_until(&rows_are(PER_PAGE, PER_PAGE), PATIENCE)).expect("poll");
    assert!(ok, "page 2: {}", text("document.body.innerText"));
    assert!(text("document.getElementById('page-info').innerText").starts_with("page 2 of 20"));
    blocking(|| browser.click("#last")).expect("click last");
    let ok = blocking(|| browser.wait_until(&rows_are(SCALE - PER_PAGE, PER_PAGE), PATIENCE))
        .expect("poll");
    assert!(ok, "last page: {}", text("document.body.innerText"));
    assert!(text("document.getElementById('page-info').innerText").starts_with("page 20 of 20"));
    let next_disabled =
        blocking(|| browser.eval("return document.getElementById('next').disabled;"))
            .expect("eval");
    assert_eq!(
        next_disabled,
        json!(true),
        "next is disabled on the last page"
    );
    blocking(|| browser.click("#first")).expect("click first");
    let ok = blocking(|| browser.wait_until(&rows_are(0, PER_PAGE), PATIENCE)).expect("poll");
    assert!(ok, "back to page 1: {}", text("document.body.innerText"));

    // Typing a filter narrows the table to that app, without a reload.
    let t = Instant::now();
    blocking(|| browser.type_into("#q", "app-0999")).expect("type the filter");
    let ok = blocking(|| {
        browser.wait_until_every(&rows_are(999, 1), PATIENCE, Duration::from_millis(10))
    })
    .expect("poll");
    assert!(
        ok,
        "the filter did not narrow to app-0999: {}",
        text("document.body.innerText")
    );
    eprintln!(
        "scale: typing app-0999 narrowed the table in {:?}",
        t.elapsed()
    );
    assert!(text("document.getElementById('page-info').innerText").ends_with("· 1 apps"));
    blocking(|| browser.screenshot(&shots.join("scale-2-filtered.png"))).expect("screenshot");
    // A prefix matches ten apps.
    blocking(|| browser.type_into("#q", "\u{E003}")).expect("backspace");
    let ok = blocking(|| browser.wait_until(&rows_are(990, 10), PATIENCE)).expect("poll");
    assert!(
        ok,
        "app-099 should match 10 apps: {}",
        text("document.body.innerText")
    );
    // Clear the filter (select all, delete: input events, as a person would).
    blocking(|| browser.type_into("#q", "\u{E009}a\u{E000}\u{E003}")).expect("clear the filter");
    let ok = blocking(|| browser.wait_until(&page_done, PATIENCE)).expect("poll");
    assert!(
        ok,
        "clearing the filter: {}",
        text("document.body.innerText")
    );

    // The sync and health filters agree with the store.
    let check_filter = |select: &str, value: &str, expected: usize| {
        blocking(|| browser.click(&format!("#{select} option[value=\"{value}\"]")))
            .expect("choose a filter");
        let rows = expected.min(PER_PAGE);
        let script = format!(
            "const rows = [...document.querySelectorAll('#apps tr.row')]; \
             return document.getElementById('page-info').innerText.endsWith('· {expected} apps') \
             && rows.length === {rows} && rows.every(r => r.querySelector('.{select}').innerText.trim() === '{value}');"
        );
        let ok = blocking(|| browser.wait_until(&script, PATIENCE)).expect("poll");
        assert!(
            ok,
            "{select}={value} should list {expected} apps: {}",
            text("document.body.innerText")
        );
        blocking(|| browser.click(&format!("#{select} option[value=\"\"]"))).expect("reset");
    };
    let healthy = count(&store, |a| a.health == cluster::Health::Healthy);
    check_filter("sync", "Synced", SCALE);
    check_filter("sync", "OutOfSync", 0);
    check_filter("health", "Healthy", healthy);
    let ok = blocking(|| browser.wait_until(&page_done, PATIENCE)).expect("poll");
    assert!(ok, "filters reset: {}", text("document.body.innerText"));

    // A live change to one app's object shows drift on its row, without a reload.
    let drifted = 7;
    let row = format!(
        "document.querySelector('#apps tr.row[data-app=\"{}\"]')",
        name(drifted)
    );
    let t = Instant::now();
    edit_configmap(&client, &ns, drifted, "edited-1").await;
    let shown = blocking(|| {
        browser.wait_until_every(
            &format!(
                "const r = {row}; return !!r && r.querySelector('.sync').innerText.trim() === 'OutOfSync' \
                 && Number(r.querySelector('.drift-count').innerText) > 0;"
            ),
            PATIENCE,
            Duration::from_millis(10),
        )
    })
    .expect("poll the page");
    let row_latency = t.elapsed();
    assert!(
        shown,
        "the row never showed the drift: {}",
        text("document.body.innerText")
    );
    eprintln!(
        "scale: drift shown on the row {row_latency:?} after the patch ({SCALE} apps present)"
    );
    // The sync filter now finds exactly that app, and so does the environment card's count.
    check_filter("sync", "OutOfSync", 1);
    click_redrawn(
        &browser,
        &format!(
            ".card[data-environment=\"{env}\"] .count[data-filter=\"sync\"][data-value=\"OutOfSync\"]"
        ),
    );
    let ok = blocking(|| {
        browser.wait_until(
            &format!(
                "{} && document.getElementById('sync').value === 'OutOfSync'",
                rows_are(drifted, 1).trim_end_matches(';')
            ),
            PATIENCE,
        )
    })
    .expect("poll");
    assert!(
        ok,
        "the card's count did not filter: {}",
        text("document.body.innerText")
    );
    blocking(|| browser.click("#sync option[value=\"\"]")).expect("reset sync");
    blocking(|| browser.click("#environment option[value=\"\"]")).expect("reset environment");
    let ok = blocking(|| browser.wait_until(&rows_are(0, PER_PAGE), PATIENCE)).expect("poll");
    assert!(ok, "filters reset: {}", text("document.body.innerText"));

    // The app page (a link click, not a reload) shows the field, both values and who changed it.
    click_redrawn(
        &browser,
        &format!("#apps tr.row[data-app=\"{}\"] a", name(drifted)),
    );
    let detail = |value: &str| {
        format!(
            "const t = document.querySelector('#drift'); return !!t && t.innerText.includes('data.value') \
             && t.innerText.includes('kubectl-edit') && t.innerText.includes('\"from-git\"') \
             && t.innerText.includes('\"{value}\"');"
        )
    };
    let ok = blocking(|| browser.wait_until(&detail("edited-1"), PATIENCE)).expect("poll");
    assert!(
        ok,
        "the app page never showed the drift: {}",
        text("document.body.innerText")
    );
    // A second change while the app page is open shows up there live.
    let t = Instant::now();
    edit_configmap(&client, &ns, drifted, "edited-2").await;
    let ok = blocking(|| {
        browser.wait_until_every(&detail("edited-2"), PATIENCE, Duration::from_millis(10))
    })
    .expect("poll");
    let page_latency = t.elapsed();
    assert!(
        ok,
        "the app page never showed the second change: {}",
        text("document.body.innerText")
    );
    eprintln!("scale: drift shown on the app page {page_latency:?} after the patch");
    blocking(|| browser.screenshot(&shots.join("scale-3-app-drift.png"))).expect("screenshot");
    let marker = blocking(|| browser.eval("return window.__canonMarker === 42;")).expect("eval");
    assert_eq!(marker, json!(true), "the page was reloaded");
    eprintln!("screenshots in {}", shots.display());

    drop(browser);
    let _ = stop_api.send(());
    let _ = stop_agent.send(());
    let _ = api_task.await;
    let _ = agent_task.await;
}
