//! `.Capabilities`: the Kubernetes version, API versions and helm version a render targets,
//! with the defaults of the pinned helm release, exposed to templates as Go objects.
//! (Skeleton: owned by the loader work; signatures are the contract.)

use gotmpl::Value;

use crate::HelmVersion;

/// helm's `common.Capabilities`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Capabilities {
    pub kube_version: KubeVersion,
    pub api_versions: Vec<String>,
    pub helm_version: HelmVersionInfo,
}

/// helm's `common.KubeVersion`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.33.0`.
    pub version: String,
    pub major: String,
    pub minor: String,
}

/// helm's `helmversion.BuildInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmVersionInfo {
    pub version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub go_version: String,
    pub kube_client_version: String,
}

impl Capabilities {
    /// What a release helm binary of `compat` uses with no `--kube-version`/`--api-versions`.
    pub fn defaults(compat: HelmVersion) -> Capabilities {
        let _ = compat;
        Capabilities::default()
    }

    /// `.Capabilities` as a template value.
    pub fn to_value(&self) -> Value {
        Value::Nil
    }
}
