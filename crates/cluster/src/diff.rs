//! Field-level drift: what differs between what canon would apply and what is live, and who changed it.
//!
//! Contract (cluster helper): [`compare`] is pure. `desired` is what the server would store if canon
//! applied now ([`crate::apply::dry_run`]'s result, so server defaults and normalization are the
//! server's own), `live` the object as watched. Only the fields canon manages count: those in the
//! `managedFields` entry of manager [`crate::FIELD_MANAGER`] (operation Apply) of `desired`
//! (fieldsV1: `f:` keys, `k:` list-map keys, `v:` set values, `i:` indices); metadata.managedFields,
//! resourceVersion, generation, uid, creationTimestamp and status never count. Values compare after
//! normalization (quantities `1000m` = `1`, `"80"` vs `80` for int-or-string fields, `null` = absent)
//! as a second line of defence. Each difference is one [`FieldDiff`] with a JSONPath-like path
//! (`spec.replicas`, `spec.template.spec.containers[name=app].image`), the desired and live values,
//! and the manager that owns the live field (from the live object's managedFields, the manager other
//! than canon whose fieldsV1 covers the path; its operation and time), so an alert says who changed
//! it. A field canon manages that is missing live is a diff with `live: None`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDiff {
    pub path: String,
    pub desired: Option<Value>,
    pub live: Option<Value>,
    /// The field manager that set the live value, when managedFields says.
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    pub operation: Option<String>,
    /// RFC 3339 time of that manager's last write.
    pub time: Option<String>,
}

/// The fields canon manages that differ between `desired` and `live` (see the module doc).
pub fn compare(desired: &Value, live: &Value) -> Vec<FieldDiff> {
    let _ = (desired, live);
    todo!("cluster helper: diff::compare")
}
