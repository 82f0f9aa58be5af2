// canon agent UI: environments → apps table, app page with objects, drift and history; live via SSE.
"use strict";

const view = document.getElementById("view");
const crumb = document.getElementById("crumb");
const live = document.getElementById("live");
const state = { q: "", environment: "", sync: "", health: "", page: 1, perPage: 50 };

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
async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function renderList() {
  crumb.textContent = "";
  const params = new URLSearchParams();
  for (const k of ["q", "environment", "sync", "health"]) if (state[k]) params.set(k, state[k]);
  params.set("page", state.page); params.set("perPage", state.perPage);
  const [envs, apps] = await Promise.all([getJSON("/api/v1/environments"), getJSON("/api/v1/apps?" + params)]);
  const cards = envs.map(e => `<div class="card" data-environment="${esc(e.name)}"><h2>${esc(e.name)}</h2>
      <div class="meta">state ${short(e.revision)} · fetched ${ago(e.lastFetch)}</div>
      ${e.error ? `<div class="err">${esc(e.error)}</div>` : ""}</div>`).join("");
  const rows = apps.items.map(a => `<tr class="row" data-app="${esc(a.key.app)}" data-environment="${esc(a.key.environment)}"
      onclick="location.hash='#/apps/${encodeURIComponent(a.key.environment)}/${encodeURIComponent(a.key.app)}'">
      <td>${esc(a.key.environment)}</td><td><a href="#/apps/${encodeURIComponent(a.key.environment)}/${encodeURIComponent(a.key.app)}">${esc(a.key.app)}</a></td>
      <td class="sync">${badge(a.sync)}</td><td class="health">${badge(a.health)}</td>
      <td class="mono">${short(a.sourceCommit)} <span class="muted">${esc(a.sourceRef)}</span></td>
      <td>${ago(a.lastSync)}</td><td class="drift-count">${a.driftCount || 0}</td>
      <td class="muted">${esc(a.error || "")}</td></tr>`).join("");
  const pages = Math.max(1, Math.ceil(apps.total / apps.perPage));
  const envOpts = ["", ...envs.map(e => e.name)].map(n => `<option value="${esc(n)}" ${n === state.environment ? "selected" : ""}>${n ? esc(n) : "all environments"}</option>`).join("");
  const opt = (list, cur, all) => ["", ...list].map(n => `<option value="${n}" ${n === cur ? "selected" : ""}>${n || all}</option>`).join("");
  view.innerHTML = `<div class="cards">${cards}</div>
    <div class="filters">
      <input id="q" placeholder="filter apps" value="${esc(state.q)}">
      <select id="environment">${envOpts}</select>
      <select id="sync">${opt(["Synced", "OutOfSync", "Unknown"], state.sync, "any sync")}</select>
      <select id="health">${opt(["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"], state.health, "any health")}</select>
    </div>
    <table id="apps"><thead><tr><th>Environment</th><th>App</th><th>Sync</th><th>Health</th><th>Source</th><th>Last sync</th><th>Drift</th><th>Error</th></tr></thead>
    <tbody>${rows || `<tr><td colspan=8 class=muted>No apps match.</td></tr>`}</tbody></table>
    <div class="pager"><button id="prev" ${state.page <= 1 ? "disabled" : ""}>‹ prev</button>
      page ${apps.page} of ${pages} · ${apps.total} apps <button id="next" ${state.page >= pages ? "disabled" : ""}>next ›</button></div>`;
  const q = document.getElementById("q");
  q.oninput = () => { state.q = q.value; state.page = 1; debounce(refresh, 200); };
  for (const k of ["environment", "sync", "health"]) {
    document.getElementById(k).onchange = ev => { state[k] = ev.target.value; state.page = 1; refresh(); };
  }
  document.getElementById("prev").onclick = () => { state.page--; refresh(); };
  document.getElementById("next").onclick = () => { state.page++; refresh(); };
  if (document.activeElement !== q && state.q) { q.focus(); q.setSelectionRange(q.value.length, q.value.length); }
}

async function renderApp(env, name) {
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

let timer = null;
function debounce(f, ms) { clearTimeout(timer); timer = setTimeout(f, ms); }

let rendering = false, again = false;
async function refresh() {
  // One render at a time; a change during a render schedules exactly one more.
  if (rendering) { again = true; return; }
  rendering = true;
  try {
    const m = location.hash.match(/^#\/apps\/([^/]+)\/([^/]+)$/);
    if (m) await renderApp(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    else await renderList();
  } catch (e) {
    view.innerHTML = `<div class="error-box">${esc(e.message)}</div>`;
  } finally {
    rendering = false;
    if (again) { again = false; refresh(); }
  }
}

function connect() {
  const es = new EventSource("/api/v1/stream");
  es.onopen = () => { live.className = "live on"; live.textContent = "live"; };
  es.onmessage = () => debounce(refresh, 100);
  es.addEventListener("change", () => debounce(refresh, 100));
  es.onerror = () => { live.className = "live off"; live.textContent = "reconnecting"; };
}

window.addEventListener("hashchange", refresh);
refresh();
connect();
