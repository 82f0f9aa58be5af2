//! The web UI in a real browser: headless Chromium (Debian's, through chromedriver) against the agent
//! on loopback, synced to the real control plane. The page lists the demo app; a live change by
//! another field manager shows up as drift on the page without a reload. Screenshots are saved
//! under `target/tmp/ui-screenshots/` as test artifacts.

use std::path::PathBuf;
use std::time::Duration;

use agent::api::{ApiState, serve};
use agent::metrics::Metrics;
use agent::{Agent, AgentConfig};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use crate::webdriver::Browser;
use crate::{bare, hydrate, render_demo};

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
