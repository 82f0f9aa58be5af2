// canon agent UI: environments → apps table, app page with objects, drift and history; live via SSE.
//
// Built for 1,000 apps: the server pages, filters and coalesces its change events; this page draws
// the list's frame (filters, table, pager) once and then only swaps the cards, the rows of one page
// and the pager text, refreshes at most every REFRESH_MS however many events arrive, and on an app's
// page re-reads the app only when that app changed.
"use strict";

const view = document.getElementById("view");
const crumb = document.getElementById("crumb");
const live = document.getElementById("live");
const state = { q: "", environment: "", sync: "", health: "", page: 1, perPage: 50 };
const REFRESH_MS = 500;
const SYNCS = ["Synced", "OutOfSync", "Unknown"];
const HEALTHS = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"];

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function badge(v) { return `<span class="badge ${esc(v)}" data-status="${esc(v)}">${esc(v)}</span>`; }
function short(sha) { return sha ? esc(sha.slice(0, 7)) : ""; }
function ago(t) {
  if (!t) return "never";
  const s = Math.max(0, (Date.now() - Date.parse(t)) / 1000);
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
function val(v) { return v === null || v === undefined ? "<span class=muted>(absent)</span>" : esc(JSON.stringify(v)); }
function objName(id) {
  let s = id.kind + (id.group ? "." + id.group : "");
  if (id.namespace) s += "/" + id.namespace;
  return s + "/" + id.name;
}
function appHash(env, app) { return `#/apps/${encodeURIComponent(env)}/${encodeURIComponent(app)}`; }
async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}
const $ = id => document.getElementById(id);

let lastRows = null;

// The list's frame: drawn once per visit of the list, so the filter input keeps its focus, caret
// and IME state while rows are swapped under it.
function listFrame() {
  const opt = (list, all) => ["", ...list].map(n => `<option value="${n}">${n || all}</option>`).join("");
  view.innerHTML = `<div class="cards" id="cards"></div>
    <div class="filters">
      <input id="q" placeholder="filter apps (name, environment, namespace, chart)" autocomplete="off" spellcheck="false">
      <select id="environment"><option value="">all environments</option></select>
      <select id="sync">${opt(SYNCS, "any sync")}</select>
      <select id="health">${opt(HEALTHS, "any health")}</select>
      <div class="pager"><button id="first" title="first page">«</button><button id="prev">‹ prev</button>
        <span id="page-info"></span><button id="next">next ›</button><button id="last" title="last page">»</button></div>
    </div>
    <table id="apps"><thead><tr><th>Environment</th><th>App</th><th>Sync</th><th>Health</th><th>Source</th><th>Last sync</th><th>Drift</th><th>Error</th></tr></thead>
    <tbody></tbody></table>`;
  view.dataset.view = "list";
  lastRows = null;
  const q = $("q");
  q.value = state.q;
  $("sync").value = state.sync;
  $("health").value = state.health;
  q.oninput = () => { state.q = q.value.trim(); state.page = 1; typing(); };
  for (const k of ["environment", "sync", "health"]) {
    $(k).onchange = ev => { state[k] = ev.target.value; state.page = 1; refresh(); };
  }
  const go = p => () => { state.page = p(); refresh(); };
  $("first").onclick = go(() => 1);
  $("prev").onclick = go(() => Math.max(1, state.page - 1));
  $("next").onclick = go(() => state.page + 1);
  $("last").onclick = go(() => state.pages || 1);
  view.querySelector("#apps tbody").onclick = ev => {
    const tr = ev.target.closest("tr.row");
    if (tr && !ev.target.closest("a")) location.hash = appHash(tr.dataset.environment, tr.dataset.app);
  };
  // A card filters by its environment; one of its counts by that environment and that status.
  $("cards").onclick = ev => {
    const card = ev.target.closest(".card[data-environment]");
    if (!card) return;
    const env = card.dataset.environment;
    const count = ev.target.closest(".count[data-filter]");
    if (count) {
      state.environment = env; state.sync = ""; state.health = "";
      state[count.dataset.filter] = count.dataset.value;
    } else {
      state.environment = state.environment === env ? "" : env;
    }
    state.page = 1;
    refresh();
  };
}

function counts(map, order, filter) {
  return order.filter(k => map && map[k]).map(k => `<span class="count ${esc(k)}" data-filter="${filter}" data-value="${esc(k)}"
    title="show only ${esc(k)} apps">${map[k]} ${esc(k)}</span>`).join(" ");
}

async function renderList() {
  crumb.textContent = "";
  if (view.dataset.view !== "list") listFrame();
  const params = new URLSearchParams();
  for (const k of ["q", "environment", "sync", "health"]) if (state[k]) params.set(k, state[k]);
  params.set("page", state.page); params.set("perPage", state.perPage);
  const [envs, apps] = await Promise.all([getJSON("/api/v1/environments"), getJSON("/api/v1/apps?" + params)]);
  if (view.dataset.view !== "list") return; // navigated away while loading
  const pages = Math.max(1, Math.ceil(apps.total / apps.perPage));
  state.pages = pages;
  if (state.page > pages) { state.page = pages; again = true; } // the list shrank under us
  $("cards").innerHTML = envs.map(e => `<div class="card${e.name === state.environment ? " selected" : ""}" data-environment="${esc(e.name)}"><h2>${esc(e.name)}</h2>
      <div class="meta">${e.apps} apps · state ${short(e.revision)} · fetched ${ago(e.lastFetch)}</div>
      <div class="meta">${counts(e.sync, SYNCS, "sync")}</div><div class="meta">${counts(e.health, HEALTHS, "health")}</div>
      ${e.error ? `<div class="err">${esc(e.error)}</div>` : ""}</div>`).join("");
  const envSel = $("environment");
  const envOpts = ["", ...envs.map(e => e.name)];
  if (envSel.options.length !== envOpts.length || envOpts.some((n, i) => envSel.options[i].value !== n)) {
    envSel.innerHTML = envOpts.map(n => `<option value="${esc(n)}">${n ? esc(n) : "all environments"}</option>`).join("");
  }
  envSel.value = state.environment;
  $("sync").value = state.sync;
  $("health").value = state.health;
  const rows = apps.items.map(a => `<tr class="row" data-app="${esc(a.key.app)}" data-environment="${esc(a.key.environment)}">
      <td>${esc(a.key.environment)}</td><td><a href="${appHash(a.key.environment, a.key.app)}">${esc(a.key.app)}</a></td>
      <td class="sync">${badge(a.sync)}</td><td class="health">${badge(a.health)}</td>
      <td class="mono">${short(a.sourceCommit)} <span class="muted">${esc(a.sourceRef)}</span></td>
      <td>${ago(a.lastSync)}</td><td class="drift-count">${a.driftCount || 0}</td>
      <td class="muted">${esc(a.error || "")}</td></tr>`).join("");
  // Unchanged rows are left alone: no DOM churn under the pointer, selection or a hover.
  const body = rows || `<tr><td colspan=8 class=muted>No apps match.</td></tr>`;
  const tbody = view.querySelector("#apps tbody");
  if (lastRows !== body) { tbody.innerHTML = body; lastRows = body; }
  $("page-info").textContent = `page ${apps.page} of ${pages} · ${apps.total} apps`;
  $("first").disabled = $("prev").disabled = state.page <= 1;
  $("next").disabled = $("last").disabled = state.page >= pages;
}

async function renderApp(env, name) {
  view.dataset.view = "app";
  crumb.textContent = `/ ${env} / ${name}`;
  let a;
  try { a = await getJSON(`/api/v1/apps/${encodeURIComponent(env)}/${encodeURIComponent(name)}`); }
  catch (e) { view.innerHTML = `<div class="error-box">${esc(e.message)}</div><a href="#/">back</a>`; return; }
  const objects = a.objects.map(o => `<tr data-object="${esc(objName(o.id))}"><td class="mono">${esc(objName(o.id))}</td>
      <td>${badge(o.sync)}</td><td>${badge(o.health.status)} <span class="muted">${esc(o.health.message)}</span></td>
      <td class="muted mono">${esc(o.source)}</td></tr>`).join("");
  const drift = a.objects.flatMap(o => o.drift.map(d => `<tr class="drift"><td class="mono">${esc(objName(o.id))}</td>
      <td class="path mono">${esc(d.path)}</td>
      <td class="mono"><span class="desired">${val(d.desired)}</span><span class="arrow">→</span><span class="livev">${val(d.live)}</span></td>
      <td>${esc(d.manager || "unknown")} <span class="muted">${esc(d.operation || "")}</span></td><td>${d.time ? esc(d.time) + " (" + ago(d.time) + ")" : ""}</td></tr>`)).join("");
  const hist = (a.history || []).map(h => `<tr><td>${esc(h.time)}</td><td>${esc(h.kind)}</td><td class="mono">${short(h.revision)}</td>
      <td>${esc(h.message)}${(h.diff || []).map(d => `<div class="mono muted">${esc(d.path)}: ${val(d.desired)} → ${val(d.live)} by ${esc(d.manager || "unknown")}</div>`).join("")}</td></tr>`).join("");
  view.innerHTML = `<p><a href="#/">‹ all apps</a></p>
    <div class="cards"><div class="card"><h2 id="app-name">${esc(a.key.app)}</h2>
      <div>${badge(a.sync)} ${badge(a.health)}</div>
      <div class="meta">environment ${esc(a.key.environment)} · namespace ${esc(a.namespace)} · chart ${esc(a.chart)} ${esc(a.chartVersion)}</div>
      <div class="meta">source <span class="mono">${short(a.sourceCommit)}</span> ${esc(a.sourceRef)} · state <span class="mono">${short(a.revision)}</span> · synced ${ago(a.lastSync)}</div>
    </div></div>
    ${a.error ? `<div class="error-box">${esc(a.error)}</div>` : ""}
    <div class="section"><h3>Drift (${a.objects.reduce((n, o) => n + o.drift.length, 0)})</h3>
      <table id="drift"><thead><tr><th>Object</th><th>Field</th><th>Desired → live</th><th>Changed by</th><th>When</th></tr></thead>
      <tbody>${drift || `<tr><td colspan=5 class=muted>In sync with git.</td></tr>`}</tbody></table></div>
    <div class="section"><h3>Objects (${a.objects.length})</h3>
      <table id="objects"><thead><tr><th>Object</th><th>Sync</th><th>Health</th><th>Source</th></tr></thead><tbody>${objects}</tbody></table></div>
    <div class="section"><h3>History</h3>
      <table id="history"><thead><tr><th>Time</th><th>Event</th><th>Revision</th><th>What</th></tr></thead><tbody>${hist || `<tr><td colspan=4 class=muted>Nothing yet.</td></tr>`}</tbody></table></div>`;
}

function route() {
  const m = location.hash.match(/^#\/apps\/([^/]+)\/([^/]+)$/);
  return m ? { env: decodeURIComponent(m[1]), app: decodeURIComponent(m[2]) } : null;
}

let rendering = false, again = false;
async function refresh() {
  // One render at a time; a change during a render schedules exactly one more.
  if (rendering) { again = true; return; }
  rendering = true;
  try {
    const r = route();
    if (r) await renderApp(r.env, r.app);
    else await renderList();
  } catch (e) {
    view.dataset.view = "error";
    view.innerHTML = `<div class="error-box">${esc(e.message)}</div>`;
  } finally {
    rendering = false;
    if (again) { again = false; refresh(); }
  }
}

// Typing narrows the list after a short pause (one request per pause, not per key).
let typingTimer = null;
function typing() { clearTimeout(typingTimer); typingTimer = setTimeout(refresh, 150); }

// Live updates: a throttle, not a debounce, so a steady stream of changes (an initial sync of
// 1,000 apps) still refreshes every REFRESH_MS instead of never.
let lastRefresh = 0, scheduled = null, dirtyAll = false;
const dirty = new Set();
function changed(batch) {
  if (batch.all) dirtyAll = true;
  else for (const k of batch.keys || []) dirty.add(k.environment + "/" + k.app);
  if (scheduled) return;
  scheduled = setTimeout(() => {
    scheduled = null;
    const r = route();
    // An app's page only cares about that app; the list (counts, cards, rows) about everything.
    const relevant = !r || dirtyAll || dirty.has(r.env + "/" + r.app);
    dirty.clear(); dirtyAll = false;
    if (!relevant) return;
    lastRefresh = Date.now();
    refresh();
  }, Math.max(0, lastRefresh + REFRESH_MS - Date.now()));
}

function connect() {
  const es = new EventSource("/api/v1/stream");
  // (Re)connected: whatever changed while the stream was down is unknown.
  es.onopen = () => { live.className = "live on"; live.textContent = "live"; changed({ all: true }); };
  es.addEventListener("change", ev => {
    let batch;
    try { batch = JSON.parse(ev.data); } catch { batch = { all: true }; }
    changed(batch);
  });
  es.onerror = () => { live.className = "live off"; live.textContent = "reconnecting"; };
}

window.addEventListener("hashchange", () => { view.dataset.view = ""; refresh(); });
refresh();
connect();
