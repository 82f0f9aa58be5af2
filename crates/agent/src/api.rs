//! The agent's HTTP interface: the JSON API, the git webhook, metrics and probes (and, later, the UI).
//!
//! Contract (api helper): an axum router over [`crate::store::Store`]:
//! - `GET /api/v1/environments` → `[EnvironmentStatus + app counts by sync/health]`;
//! - `GET /api/v1/apps?environment=&sync=&health=&q=&page=&perPage=` → paged app summaries
//!   (`{items, total, page, perPage}`; summary = AppStatus without objects/history + driftCount);
//! - `GET /api/v1/apps/{env}/{app}` → the full AppStatus (objects, drift diff, history); 404 JSON
//!   error when unknown;
//! - `POST /api/v1/webhook/git` → verifies `X-Hub-Signature-256` / `X-Canon-Signature-256`
//!   (HMAC-SHA256 over the raw body, constant time, body ≤ 1 MiB) with `webhookSecret`, then asks for
//!   an immediate fetch (202); 401 on a bad or missing signature, 413 when too big;
//! - `GET /metrics` (OpenMetrics text from [`crate::metrics`]), `GET /healthz` (200 while the process
//!   runs), `GET /readyz` (200 once the first snapshot has been synced or failed, else 503).
