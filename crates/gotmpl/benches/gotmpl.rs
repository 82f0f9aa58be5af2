//! Benchmark: the same templates and data executed by canon's engine and by Go's text/template
//! (the oracle's `bench` mode) in one run, printing ns/op for both, the ratio Go/canon per case and
//! the geometric mean. Run by `scripts/bench-gotmpl` (`cargo bench -p canon-gotmpl --bench gotmpl`).
//!
//! Workloads: Helm-like chart templates (Go builtins only: define/template, range over lists and
//! maps, with/if/else, index, printf, nested fields on a values map of a few hundred keys) and
//! micro cases. Each case's output is checked equal to Go's before timing means anything.
//! `CANON_BENCH_MS` sets the minimum measuring time per case and engine (default 1000).

#[allow(dead_code)]
#[path = "../tests/it/cases.rs"]
mod cases;
#[allow(dead_code)]
#[path = "../tests/it/oracle.rs"]
mod oracle;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gotmpl::Template;
use serde_json::{Value as Json, json};

use cases::Case;

const HELPERS: &str = r#"{{- define "app.name" -}}
{{- if .Values.nameOverride }}{{ .Values.nameOverride }}{{ else }}{{ .Chart.Name }}{{ end -}}
{{- end -}}
{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{ .Values.fullnameOverride }}
{{- else -}}
{{- $name := .Chart.Name -}}
{{- if eq .Release.Name $name }}{{ .Release.Name }}{{ else }}{{ printf "%s-%s" .Release.Name $name }}{{ end -}}
{{- end -}}
{{- end -}}
{{- define "app.selectorLabels" }}
    app.kubernetes.io/name: {{ template "app.name" . }}
    app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "app.labels" }}
    helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
    {{- template "app.selectorLabels" . }}
    app.kubernetes.io/version: {{ .Chart.AppVersion | printf "%q" }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ template "app.fullname" . }}
  labels:{{ template "app.labels" . }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:{{ template "app.selectorLabels" . }}
  template:
    metadata:
      {{- with .Values.podAnnotations }}
      annotations:
        {{- range $k, $v := . }}
        {{ $k }}: {{ printf "%q" $v }}
        {{- end }}
      {{- end }}
    spec:
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ .name }}
        {{- end }}
      {{- end }}
      serviceAccountName: {{ if .Values.serviceAccount.create }}{{ template "app.fullname" . }}{{ else }}default{{ end }}
      containers:
        {{- range $i, $c := .Values.containers }}
        - name: {{ $c.name }}
          image: "{{ $c.image.repository }}:{{ if $c.image.tag }}{{ $c.image.tag }}{{ else }}{{ $.Chart.AppVersion }}{{ end }}"
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          {{- if $c.args }}
          args:
            {{- range $c.args }}
            - {{ printf "%q" . }}
            {{- end }}
          {{- end }}
          ports:
            {{- range $.Values.service.ports }}
            - name: {{ .name }}
              containerPort: {{ .targetPort }}
              protocol: {{ .protocol }}
            {{- end }}
          env:
            - name: POD_INDEX
              value: {{ printf "%d" $i | printf "%q" }}
            {{- range $k, $v := $.Values.env }}
            - name: {{ $k }}
              value: {{ printf "%q" $v }}
            {{- end }}
          resources:
            limits:
              cpu: {{ index $.Values.resources.limits "cpu" }}
              memory: {{ index $.Values.resources.limits "memory" }}
            requests:
              cpu: {{ index $.Values.resources.requests "cpu" }}
              memory: {{ index $.Values.resources.requests "memory" }}
          {{- with $c.probe }}
          livenessProbe:
            httpGet:
              path: {{ .path }}
              port: {{ .port }}
            initialDelaySeconds: {{ .delay }}
          {{- end }}
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- range $k, $v := . }}
        {{ $k }}: {{ $v }}
        {{- end }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- range . }}
        - key: {{ .key | printf "%q" }}
          operator: {{ .operator }}
          {{- if .value }}
          value: {{ .value | printf "%q" }}
          {{- end }}
          effect: {{ .effect }}
        {{- end }}
      {{- end }}
"#;

const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: {{ template "app.fullname" . }}
  labels:{{ template "app.labels" . }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- range $k, $v := . }}
    {{ $k }}: {{ $v | printf "%q" }}
    {{- end }}
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  ports:
    {{- range .Values.service.ports }}
    - port: {{ .port }}
      targetPort: {{ .targetPort }}
      protocol: {{ .protocol }}
      name: {{ .name }}
      {{- if and (eq $.Values.service.type "NodePort") .nodePort }}
      nodePort: {{ .nodePort }}
      {{- end }}
    {{- end }}
  selector:{{ template "app.selectorLabels" . }}
"#;

const CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ template "app.fullname" . }}-config
  labels:{{ template "app.labels" . }}
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ printf "%q" $v }}
  {{- end }}
  keys: {{ len .Values.config | printf "%d" | printf "%q" }}
  {{- range $i, $h := .Values.ingress.hosts }}
  host-{{ $i }}: {{ $h.host }}{{ range $h.paths }} {{ .path }}({{ .pathType }}){{ end }}
  {{- end }}
"#;

fn values() -> Json {
    let env: serde_json::Map<String, Json> = (0..100)
        .map(|i| {
            (
                format!("APP_SETTING_{i:03}"),
                json!(format!("value-{i}-{}", "x".repeat(i % 7))),
            )
        })
        .collect();
    let config: serde_json::Map<String, Json> = (0..150)
        .map(|i| {
            (
                format!("config.key{i:03}"),
                json!(format!("line one {i}\nline \"two\" {}", i * 7)),
            )
        })
        .collect();
    let annotations: serde_json::Map<String, Json> = (0..20)
        .map(|i| {
            (
                format!("example.com/annotation-{i}"),
                json!(format!("true-{i}")),
            )
        })
        .collect();
    let ports: Vec<Json> = (0..5)
        .map(|i| json!({"name": format!("port-{i}"), "port": 8000 + i, "targetPort": 9000 + i, "protocol": "TCP", "nodePort": 30000 + i}))
        .collect();
    let containers: Vec<Json> = (0..3)
        .map(|i| {
            json!({"name": format!("container-{i}"),
                   "image": {"repository": format!("registry.example.com/team/app-{i}"), "tag": if i == 1 { "" } else { "2.4.1" }},
                   "args": (0..(i * 3)).map(|a| format!("--flag-{a}=v{a}")).collect::<Vec<_>>(),
                   "probe": if i == 2 { Json::Null } else { json!({"path": "/healthz", "port": 9000 + i, "delay": 10 * (i + 1)}) }})
        })
        .collect();
    json!({
        "Values": {
            "nameOverride": "", "fullnameOverride": "", "replicaCount": 3,
            "autoscaling": {"enabled": false, "minReplicas": 1, "maxReplicas": 10},
            "image": {"repository": "registry.example.com/team/app", "tag": "", "pullPolicy": "IfNotPresent"},
            "imagePullSecrets": [{"name": "regcred"}, {"name": "other"}],
            "serviceAccount": {"create": true, "name": "", "annotations": {}},
            "podAnnotations": annotations,
            "service": {"type": "NodePort", "ports": ports, "annotations": {"a.example.com/x": "1", "b.example.com/y": "two"}},
            "ingress": {"enabled": true, "hosts": (0..4).map(|h| json!({"host": format!("h{h}.example.com"),
                "paths": [{"path": "/", "pathType": "Prefix"}, {"path": "/api", "pathType": "Exact"}]})).collect::<Vec<_>>()},
            "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
            "env": env, "config": config, "containers": containers,
            "nodeSelector": {"kubernetes.io/os": "linux", "node-role": "worker"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "app", "effect": "NoSchedule"},
                            {"key": "spot", "operator": "Exists", "value": "", "effect": "NoExecute"}]
        },
        "Release": {"Name": "my-release", "Namespace": "default", "Service": "Helm", "IsInstall": true},
        "Chart": {"Name": "app", "Version": "0.1.0", "AppVersion": "1.2.3"}
    })
}

fn workloads() -> Vec<Case> {
    let helm = values();
    let mut out = Vec::new();
    let mut add = |id: &str, template: String, data: Json| {
        out.push(Case {
            id: id.into(),
            template,
            data: Some(data),
            funcs: String::new(),
            missingkey: String::new(),
            delims: None,
            name: String::new(),
            note: None,
            want: None,
        });
    };
    add(
        "helm/deployment",
        format!("{HELPERS}{DEPLOYMENT}"),
        helm.clone(),
    );
    add("helm/service", format!("{HELPERS}{SERVICE}"), helm.clone());
    add(
        "helm/configmap",
        format!("{HELPERS}{CONFIGMAP}"),
        helm.clone(),
    );
    add(
        "helm/all",
        format!("{HELPERS}{DEPLOYMENT}---\n{SERVICE}---\n{CONFIGMAP}"),
        helm,
    );
    add(
        "micro/field-chain",
        "{{.a.b.c.d.e}} ".repeat(200),
        json!({"a": {"b": {"c": {"d": {"e": "x"}, "z": 1}, "y": 2}, "x": 3}}),
    );
    add(
        "micro/range-10k-list",
        "{{range .ints}}{{.}} {{end}}".into(),
        json!({"ints": (0..10_000).collect::<Vec<_>>()}),
    );
    add(
        "micro/range-10k-int",
        "{{range $i := 10000}}{{$i}},{{end}}".into(),
        Json::Null,
    );
    let items: Vec<Json> = (0..500)
        .map(|i| json!({"name": format!("item-{i}"), "n": i * 37 - 5000, "f": f64::from(i) / 7.0, "s": format!("s\t{i}\"q\"")}))
        .collect();
    add(
        "micro/printf-heavy",
        "{{range .items}}{{printf \"%-12s|%6d|%8.3f|%q|%x\\n\" .name .n .f .s .n}}{{end}}".into(),
        json!({"items": items}),
    );
    add(
        "micro/conditionals",
        "{{range $i, $e := .items}}{{if and (gt $e.n 0) (lt $e.n 1000)}}a{{else if eq $e.name \"item-3\"}}b{{else if or (eq $e.n -5000) (not $e.s)}}c{{else}}d{{end}}{{end}}".into(),
        json!({"items": items}),
    );
    add(
        "micro/variables-with",
        "{{range .items}}{{$x := .name}}{{with .s}}{{$x}}={{.}}{{end}}{{$y := $x}}{{$y}};{{end}}"
            .into(),
        json!({"items": items}),
    );
    out
}

fn min_time() -> Duration {
    Duration::from_millis(
        std::env::var("CANON_BENCH_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1000),
    )
}

/// Go's ns/op per case, from the oracle's bench mode (one process for all cases).
fn go_bench(cases: &[Case]) -> Vec<Result<f64, String>> {
    let mut child = Command::new(oracle::path())
        .arg("bench")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the oracle in bench mode");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let ms = min_time().as_millis();
    for c in cases {
        let mut req: Json = serde_json::from_str(&oracle::request(c)).expect("request is JSON");
        req["min_ms"] = json!(ms);
        writeln!(stdin, "{req}").expect("write to oracle");
    }
    drop(stdin);
    let lines: Vec<String> = BufReader::new(child.stdout.take().expect("oracle stdout"))
        .lines()
        .map(|l| l.expect("oracle output"))
        .collect();
    child.wait().expect("oracle exit");
    lines
        .iter()
        .map(|l| {
            let v: Json = serde_json::from_str(l).expect("oracle prints JSON");
            match v["error"].as_str() {
                Some(e) if !e.is_empty() => Err(e.to_string()),
                _ => Ok(v["ns_per_op"].as_f64().expect("ns_per_op")),
            }
        })
        .collect()
}

/// canon's ns/op: parse once, execute into a reused String until `min_time` has passed, doubling
/// the iteration count as Go's testing package does.
fn canon_bench(case: &Case) -> Result<f64, String> {
    let data = cases::to_value(case.data.as_ref().unwrap_or(&Json::Null))?;
    let mut t = Template::new("t");
    t.parse(&case.template).map_err(|e| e.to_string())?;
    let mut out = String::new();
    t.execute(&mut out, &data).map_err(|e| e.to_string())?;
    let min = min_time();
    let mut iters: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..iters {
            out.clear();
            t.execute(&mut out, &data).map_err(|e| e.to_string())?;
        }
        let el = start.elapsed();
        if el >= min {
            return Ok(el.as_nanos() as f64 / iters as f64);
        }
        let guess =
            (iters as f64 * 1.2 * min.as_nanos() as f64 / el.as_nanos().max(1) as f64) as u64;
        iters = guess.max(iters * 2);
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this with no flag: then just check
    // that every workload renders like Go, without timing.
    let timing = std::env::args().any(|a| a == "--bench");
    let cases = workloads();
    let wants = oracle::run_batch(&cases);
    let mut same = Vec::new();
    for (c, w) in cases.iter().zip(&wants) {
        let got = cases::run_engine(c);
        let ok = &got == w;
        if !ok {
            let at = w
                .output
                .bytes()
                .zip(got.output.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let snip = |s: &str| {
                s.get(at.saturating_sub(20)..(at + 40).min(s.len()))
                    .unwrap_or("")
                    .to_string()
            };
            eprintln!(
                "{}: canon differs from Go at byte {at}: want {:?} got {:?} (want error {:?}, got error {:?})",
                c.id,
                snip(&w.output),
                snip(&got.output),
                w.error,
                got.error
            );
        }
        same.push(ok);
    }
    if !timing {
        let bad = same.iter().filter(|s| !**s).count();
        println!(
            "bench workloads: {} cases, {bad} render differently from Go",
            cases.len()
        );
        return;
    }
    println!("measuring Go (text/template via tools/oracle bench mode)...");
    let go = go_bench(&cases);
    println!("measuring canon...");
    let canon: Vec<Result<f64, String>> = cases.iter().map(canon_bench).collect();
    println!();
    println!(
        "{:<24} {:>14} {:>14} {:>10}  output",
        "case", "go ns/op", "canon ns/op", "go/canon"
    );
    let mut logs = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let fmt = |r: &Result<f64, String>| match r {
            Ok(ns) => format!("{ns:.0}"),
            Err(_) => "error".into(),
        };
        let ratio = match (&go[i], &canon[i]) {
            (Ok(g), Ok(k)) if *k > 0.0 => {
                logs.push((g / k).ln());
                format!("{:.2}x", g / k)
            }
            _ => "-".into(),
        };
        let out = if same[i] {
            "same as Go"
        } else {
            "DIFFERS from Go"
        };
        println!(
            "{:<24} {:>14} {:>14} {:>10}  {out}",
            c.id,
            fmt(&go[i]),
            fmt(&canon[i]),
            ratio
        );
        for e in [&go[i], &canon[i]]
            .into_iter()
            .filter_map(|r| r.as_ref().err())
        {
            println!("    error: {e}");
        }
    }
    if !logs.is_empty() {
        let geo = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
        println!(
            "\ngeometric mean go/canon: {geo:.2}x over {} cases (goal: >= 3x)",
            logs.len()
        );
    }
}
