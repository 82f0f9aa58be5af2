//! `.Capabilities`: the Kubernetes version, API versions and helm version a render targets,
//! with the defaults of the pinned helm release, exposed to templates as Go objects.
//!
//! The defaults are what the release binaries report with no flags: Kubernetes `v1.36.0` (helm
//! derives it from its client-go module version, v0.36.x, in both v4.2.4 and v3.21.4), helm's
//! `DefaultVersionSet` (stored in `data/api-versions.txt`, taken from the binaries), and the
//! `BuildInfo` the binaries print. `--kube-version` is parsed as helm's `ParseKubeVersion`
//! (k8s.io/apimachinery's `ParseGeneric`), `--api-versions` appended to the defaults.

use std::sync::Arc;

use gotmpl::{ArgType, Func, Object, Value};

use crate::HelmVersion;

/// `--kube-version` that helm rejects, with helm's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CapabilitiesError(pub String);

/// helm's `common.Capabilities` (v3: `chartutil.Capabilities`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Capabilities {
    pub kube_version: KubeVersion,
    pub api_versions: Vec<String>,
    pub helm_version: HelmVersionInfo,
    /// Which helm's types and printing the template objects mimic.
    pub compat: HelmVersion,
}

/// helm's `common.KubeVersion`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.33.0` (v4: as given, `v`-prefixed, e.g. `v1.33.4-gke.1`; v3: normalized).
    pub version: String,
    pub major: String,
    pub minor: String,
    /// v4's `normalizedVersion` (used by `String()` and constraint checks); empty in v3.
    pub normalized: String,
}

/// helm's `helmversion.BuildInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmVersionInfo {
    pub version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub go_version: String,
    /// v4 only (`KubeClientVersion`).
    pub kube_client_version: String,
}

/// helm's `DefaultVersionSet`, from the release binaries.
const API_VERSIONS: &str = include_str!("../data/api-versions.txt");

/// The Kubernetes version a release binary defaults to: its client-go minor, major 1.
const DEFAULT_KUBE_MAJOR: u64 = 1;
const DEFAULT_KUBE_MINOR: u64 = 36;
/// The Go toolchain `scripts/testenv` builds the pinned helm binaries with (`GoVersion`).
const GO_VERSION: &str = "go1.26.8";

/// helm's `DefaultVersionSet`.
pub fn default_api_versions() -> Vec<String> {
    API_VERSIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

impl KubeVersion {
    /// helm's `ParseKubeVersion` (`--kube-version`): `1.33.0`, `v1.33`, `1.33.4-gke.1`.
    pub fn parse(version: &str, compat: HelmVersion) -> Result<KubeVersion, CapabilitiesError> {
        let (components, _extra) = parse_generic(version)?;
        let joined = components
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let normalized = format!("v{joined}");
        let major = components[0].to_string();
        let minor = components[1].to_string();
        Ok(match compat {
            HelmVersion::V4 => KubeVersion {
                version: if version.starts_with('v') {
                    version.to_string()
                } else {
                    format!("v{version}")
                },
                major,
                minor,
                normalized,
            },
            HelmVersion::V3 => KubeVersion {
                version: normalized,
                major,
                minor,
                normalized: String::new(),
            },
        })
    }

    /// `String()`: the normalized version where there is one.
    pub fn string(&self) -> &str {
        if self.normalized.is_empty() {
            &self.version
        } else {
            &self.normalized
        }
    }

    /// Go's `%v` of the struct value (`{v1.36.0 v1.36.0 1 36}`; v3 has no normalized field).
    fn go_struct(&self, compat: HelmVersion) -> String {
        match compat {
            HelmVersion::V4 => format!(
                "{{{} {} {} {}}}",
                self.version, self.normalized, self.major, self.minor
            ),
            HelmVersion::V3 => format!("{{{} {} {}}}", self.version, self.major, self.minor),
        }
    }

    fn json(&self) -> String {
        format!(
            "{{\"Version\":{},\"Major\":{},\"Minor\":{}}}",
            json_str(&self.version),
            json_str(&self.major),
            json_str(&self.minor)
        )
    }
}

/// k8s.io/apimachinery `version.ParseGeneric`: the numeric components (at least two).
fn parse_generic(s: &str) -> Result<(Vec<u64>, String), CapabilitiesError> {
    let q = go_quote(s);
    let bad = || CapabilitiesError(format!("could not parse {q} as version"));
    // ^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$
    let t = s.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    let t = t.strip_prefix('v').unwrap_or(t);
    let end = t
        .char_indices()
        .scan(false, |prev_dot, (i, c)| {
            let ok = c.is_ascii_digit() || (c == '.' && !*prev_dot && i > 0);
            *prev_dot = c == '.';
            ok.then_some(i + c.len_utf8())
        })
        .last()
        .ok_or_else(bad)?;
    let mut numbers = &t[..end];
    // The regex backtracks off a trailing dot.
    while let Some(n) = numbers.strip_suffix('.') {
        numbers = n;
    }
    if numbers.is_empty() || !numbers.as_bytes()[0].is_ascii_digit() {
        return Err(bad());
    }
    let extra = t[numbers.len()..].to_string();
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() < 2 {
        return Err(CapabilitiesError(format!("illegal version string {q}")));
    }
    let mut out = Vec::new();
    for (i, comp) in parts.iter().enumerate() {
        if i == 0 && comp.starts_with('0') && *comp != "0" {
            return Err(CapabilitiesError(format!(
                "illegal zero-prefixed version component {} in {q}",
                go_quote(comp)
            )));
        }
        let n: u64 = comp.parse().map_err(|_| {
            CapabilitiesError(format!(
                "illegal non-numeric version component {} in {q}: strconv.ParseUint: parsing {}: value out of range",
                go_quote(comp),
                go_quote(comp)
            ))
        })?;
        out.push(n);
    }
    Ok((out, extra))
}

impl HelmVersionInfo {
    /// `version.Get()` of the pinned release binary.
    pub fn defaults(compat: HelmVersion) -> HelmVersionInfo {
        match compat {
            HelmVersion::V4 => HelmVersionInfo {
                version: "v4.2.4".into(),
                git_commit: String::new(),
                git_tree_state: "clean".into(),
                go_version: GO_VERSION.into(),
                kube_client_version: format!("v{DEFAULT_KUBE_MAJOR}.{DEFAULT_KUBE_MINOR}"),
            },
            HelmVersion::V3 => HelmVersionInfo {
                version: "v3.21.4".into(),
                git_commit: String::new(),
                git_tree_state: "clean".into(),
                go_version: GO_VERSION.into(),
                kube_client_version: String::new(),
            },
        }
    }

    fn go_struct(&self, compat: HelmVersion) -> String {
        match compat {
            HelmVersion::V4 => format!(
                "{{{} {} {} {} {}}}",
                self.version,
                self.git_commit,
                self.git_tree_state,
                self.go_version,
                self.kube_client_version
            ),
            HelmVersion::V3 => format!(
                "{{{} {} {} {}}}",
                self.version, self.git_commit, self.git_tree_state, self.go_version
            ),
        }
    }

    /// `json.Marshal`: every field `omitempty`.
    fn json(&self, compat: HelmVersion) -> String {
        let mut fields = vec![
            ("version", &self.version),
            ("git_commit", &self.git_commit),
            ("git_tree_state", &self.git_tree_state),
            ("go_version", &self.go_version),
        ];
        if compat == HelmVersion::V4 {
            fields.push(("kube_client_version", &self.kube_client_version));
        }
        let body: Vec<String> = fields
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("\"{k}\":{}", json_str(v)))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}

impl Capabilities {
    /// What a release helm binary of `compat` uses with no `--kube-version`/`--api-versions`.
    pub fn defaults(compat: HelmVersion) -> Capabilities {
        let version = format!("v{DEFAULT_KUBE_MAJOR}.{DEFAULT_KUBE_MINOR}.0");
        Capabilities {
            kube_version: KubeVersion {
                normalized: match compat {
                    HelmVersion::V4 => version.clone(),
                    HelmVersion::V3 => String::new(),
                },
                version,
                major: DEFAULT_KUBE_MAJOR.to_string(),
                minor: DEFAULT_KUBE_MINOR.to_string(),
            },
            api_versions: default_api_versions(),
            helm_version: HelmVersionInfo::defaults(compat),
            compat,
        }
    }

    /// The defaults with helm's `--kube-version` and `--api-versions` applied (the API versions
    /// are appended to the default set, as `helm template` does).
    pub fn with_flags(
        compat: HelmVersion,
        kube_version: Option<&str>,
        api_versions: &[String],
    ) -> Result<Capabilities, CapabilitiesError> {
        let mut caps = Capabilities::defaults(compat);
        if let Some(v) = kube_version.filter(|v| !v.is_empty()) {
            caps.kube_version = KubeVersion::parse(v, compat)
                .map_err(|e| CapabilitiesError(format!("invalid kube version '{v}': {}", e.0)))?;
        }
        caps.api_versions.extend(api_versions.iter().cloned());
        Ok(caps)
    }

    /// `.Capabilities` as a template value.
    pub fn to_value(&self) -> Value {
        Value::Object(Arc::new(CapabilitiesObj(Arc::new(self.clone()))))
    }

    fn pkg(&self) -> &'static str {
        match self.compat {
            HelmVersion::V4 => "common",
            HelmVersion::V3 => "chartutil",
        }
    }
}

fn json_str(s: &str) -> String {
    goyaml::to_json(&Value::string(s)).unwrap_or_else(|_| format!("{s:?}"))
}

fn go_quote(s: &str) -> String {
    gotmpl::fmt::sprintf("%q", &[Value::string(s)])
}

fn api_json(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| json_str(s)).collect();
    format!("[{}]", items.join(","))
}

/// `*Capabilities`.
#[derive(Debug)]
struct CapabilitiesObj(Arc<Capabilities>);

impl Object for CapabilitiesObj {
    fn type_name(&self) -> String {
        format!("*{}.Capabilities", self.0.pkg())
    }
    /// What `{{ .Capabilities }}` prints: text/template dereferences the pointer before
    /// printing (`printf "%v"` would add Go's `&`).
    fn display(&self) -> String {
        let c = &self.0;
        format!(
            "{{{} [{}] {}}}",
            c.kube_version.go_struct(c.compat),
            c.api_versions.join(" "),
            c.helm_version.go_struct(c.compat)
        )
    }
    fn field(&self, name: &str) -> Option<Value> {
        let c = &self.0;
        Some(match name {
            "KubeVersion" => Value::Object(Arc::new(KubeVersionObj(c.clone()))),
            "APIVersions" => Value::Object(Arc::new(VersionSetObj(c.clone()))),
            "HelmVersion" => Value::Object(Arc::new(BuildInfoObj(c.clone()))),
            _ => return None,
        })
    }
    fn has_field(&self, name: &str) -> bool {
        matches!(name, "KubeVersion" | "APIVersions" | "HelmVersion")
    }
    fn method(&self, name: &str) -> Option<Func> {
        match name {
            "Copy" => {
                let c = self.0.clone();
                Some(Func::simple(vec![], move |_| c.to_value()))
            }
            _ => None,
        }
    }
    fn marshal_json(&self) -> Option<String> {
        let c = &self.0;
        Some(format!(
            "{{\"KubeVersion\":{},\"APIVersions\":{},\"HelmVersion\":{}}}",
            c.kube_version.json(),
            api_json(&c.api_versions),
            c.helm_version.json(c.compat)
        ))
    }
}

/// `.Capabilities.KubeVersion` (an addressable `KubeVersion`: its pointer methods apply).
#[derive(Debug)]
struct KubeVersionObj(Arc<Capabilities>);

impl Object for KubeVersionObj {
    fn type_name(&self) -> String {
        format!("{}.KubeVersion", self.0.pkg())
    }
    /// What `{{ .Capabilities.KubeVersion }}` prints: text/template calls `String()` on an
    /// addressable value whose pointer is a Stringer. (Passed to `printf "%v"`, Go prints the
    /// struct form instead; the object model has one display, and this is the common case.)
    fn display(&self) -> String {
        self.0.kube_version.string().to_string()
    }
    fn field(&self, name: &str) -> Option<Value> {
        let k = &self.0.kube_version;
        Some(Value::string(match name {
            "Version" => &k.version,
            "Major" => &k.major,
            "Minor" => &k.minor,
            _ => return None,
        }))
    }
    fn has_field(&self, name: &str) -> bool {
        matches!(name, "Version" | "Major" | "Minor")
    }
    fn method(&self, name: &str) -> Option<Func> {
        let k = self.0.kube_version.clone();
        match name {
            "String" => Some(Func::simple(vec![], move |_| Value::string(k.string()))),
            "GitVersion" => Some(Func::simple(vec![], move |_| Value::string(&k.version))),
            _ => None,
        }
    }
    fn marshal_json(&self) -> Option<String> {
        Some(self.0.kube_version.json())
    }
}

/// `.Capabilities.APIVersions` (`VersionSet`, a `[]string` with `Has`).
#[derive(Debug)]
struct VersionSetObj(Arc<Capabilities>);

impl Object for VersionSetObj {
    fn type_name(&self) -> String {
        format!("{}.VersionSet", self.0.pkg())
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.api_versions.join(" "))
    }
    fn method(&self, name: &str) -> Option<Func> {
        let c = self.0.clone();
        match name {
            "Has" => Some(Func::new(vec![ArgType::String], None, move |_, a| {
                let want = match &a[0] {
                    Value::String(s) => s.to_string(),
                    _ => String::new(),
                };
                Ok(Value::Bool(c.api_versions.contains(&want)))
            })),
            _ => None,
        }
    }
    fn marshal_json(&self) -> Option<String> {
        Some(api_json(&self.0.api_versions))
    }
}

/// `.Capabilities.HelmVersion` (`version.BuildInfo`).
#[derive(Debug)]
struct BuildInfoObj(Arc<Capabilities>);

impl Object for BuildInfoObj {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn display(&self) -> String {
        self.0.helm_version.go_struct(self.0.compat)
    }
    fn field(&self, name: &str) -> Option<Value> {
        let h = &self.0.helm_version;
        Some(Value::string(match name {
            "Version" => &h.version,
            "GitCommit" => &h.git_commit,
            "GitTreeState" => &h.git_tree_state,
            "GoVersion" => &h.go_version,
            "KubeClientVersion" if self.0.compat == HelmVersion::V4 => &h.kube_client_version,
            _ => return None,
        }))
    }
    fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
    fn marshal_json(&self) -> Option<String> {
        Some(self.0.helm_version.json(self.0.compat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_kube_version_like_helm() {
        let k = KubeVersion::parse("1.33", HelmVersion::V4).expect("valid");
        assert_eq!(
            (
                k.version.as_str(),
                k.string(),
                k.major.as_str(),
                k.minor.as_str()
            ),
            ("v1.33", "v1.33", "1", "33")
        );
        let k = KubeVersion::parse("v1.33.4-gke.1245000", HelmVersion::V4).expect("valid");
        assert_eq!(
            (k.version.as_str(), k.string()),
            ("v1.33.4-gke.1245000", "v1.33.4")
        );
        let k = KubeVersion::parse("v1.33.4-gke.1245000", HelmVersion::V3).expect("valid");
        assert_eq!((k.version.as_str(), k.string()), ("v1.33.4", "v1.33.4"));
        assert_eq!(
            KubeVersion::parse("abc", HelmVersion::V4),
            Err(CapabilitiesError(
                "could not parse \"abc\" as version".into()
            ))
        );
        assert_eq!(
            KubeVersion::parse("1", HelmVersion::V4),
            Err(CapabilitiesError("illegal version string \"1\"".into()))
        );
        assert_eq!(
            KubeVersion::parse("01.2", HelmVersion::V4),
            Err(CapabilitiesError(
                "illegal zero-prefixed version component \"01\" in \"01.2\"".into()
            ))
        );
    }

    #[test]
    fn defaults_have_the_binary_version_set() {
        let c = Capabilities::defaults(HelmVersion::V4);
        assert_eq!(c.api_versions.len(), 55);
        assert_eq!(c.api_versions[0], "v1");
        assert_eq!(c.kube_version.string(), "v1.36.0");
    }
}
