// Command yaml-oracle runs the exact Go code paths Helm uses for YAML, JSON and TOML (sigs.k8s.io/yaml
// over yaml.v2, yaml.v3 for toYamlPretty, encoding/json, BurntSushi/toml, helm's own ReadValues and
// strvals) on cases given as JSON lines, and prints what Go produces. canon's crates/goyaml tests
// compare against it byte for byte.
//
// Input, one JSON object per line on stdin:
//
//	{"id": "x", "op": "toYaml", "data": <typed JSON, as tools/oracle>, "text": "..."}
//
// ops taking "data": toYaml, mustToYaml, toYamlPretty, toJson, toPrettyJson, toRawJson, toToml.
// ops taking "text": valuesToYaml (ReadValues then toYaml), fromYaml, fromYamlArray, fromJson, fromJsonArray, readValues, yamlToJson,
// yamlV2 (yaml.v2 Unmarshal into interface{}, natively typed), yamlV3 (same with yaml.v3),
// strvals (helm --set), strvalsV3 (helm v3's), strvalsString (--set-string), splitManifests / splitManifestsV3 (helm v4's
// and v3's releaseutil.SplitManifests; output: the documents in order, as a JSON array).
//
// Output, one JSON object per line, in input order:
//
//	{"id": "x", "output": "...", "error": "..."}
//
// For the from*/read ops "output" is the resulting Go value in the dump format (see dump).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	yamlv2 "go.yaml.in/yaml/v2"
	yamlv3 "go.yaml.in/yaml/v3"
	releaseutilv3 "helm.sh/helm/v3/pkg/releaseutil"
	strvalsv3 "helm.sh/helm/v3/pkg/strvals"
	"helm.sh/helm/v4/pkg/chart/common"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"helm.sh/helm/v4/pkg/strvals"
	"sigs.k8s.io/yaml"
	goYaml "sigs.k8s.io/yaml/goyaml.v3"
)

type request struct {
	ID   json.RawMessage `json:"id"`
	Op   string          `json:"op"`
	Data json.RawMessage `json:"data"`
	Text string          `json:"text"`
}

type response struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Output string          `json:"output"`
	Error  string          `json:"error"`
}

var sprigFuncs = sprig.TxtFuncMap()

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			enc.Encode(run(line))
		}
		if err != nil {
			return
		}
	}
}

func run(line []byte) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{Error: "oracle: bad request: " + err.Error()}
	}
	resp.ID = req.ID
	defer func() {
		if r := recover(); r != nil {
			resp.Error = fmt.Sprintf("oracle: panic: %v", r)
		}
	}()
	var data interface{}
	if len(req.Data) > 0 {
		var err error
		data, err = decodeData(req.Data)
		if err != nil {
			resp.Error = "oracle: bad data: " + err.Error()
			return
		}
	}
	switch req.Op {
	case "toYaml":
		resp.Output = toYAML(data)
	case "mustToYaml":
		b, err := yaml.Marshal(data)
		resp.Output, resp.Error = strings.TrimSuffix(string(b), "\n"), errString(err)
	case "toYamlPretty":
		resp.Output = toYAMLPretty(data)
	case "toJson":
		resp.Output = toJSON(data)
	case "toPrettyJson":
		resp.Output = sprigFuncs["toPrettyJson"].(func(interface{}) string)(data)
	case "toRawJson":
		resp.Output = sprigFuncs["toRawJson"].(func(interface{}) string)(data)
	case "toToml":
		resp.Output = toTOML(data)
	case "fromYaml":
		resp.Output = dump(fromYAML(req.Text))
	case "fromYamlArray":
		resp.Output = dump(fromYAMLArray(req.Text))
	case "fromJson":
		resp.Output = dump(fromJSON(req.Text))
	case "fromJsonArray":
		resp.Output = dump(fromJSONArray(req.Text))
	case "readValues":
		v, err := common.ReadValues([]byte(req.Text))
		resp.Output, resp.Error = dump(map[string]interface{}(v)), errString(err)
	case "valuesToYaml":
		// A values file read as helm reads it, then written by toYaml: the common template path.
		v, err := common.ReadValues([]byte(req.Text))
		if err != nil {
			resp.Error = err.Error()
		} else {
			resp.Output = toYAML(map[string]interface{}(v))
		}
	case "yamlToJson":
		b, err := yaml.YAMLToJSON([]byte(req.Text))
		resp.Output, resp.Error = string(b), errString(err)
	case "yamlV2":
		var v interface{}
		err := yamlv2.Unmarshal([]byte(req.Text), &v)
		resp.Output, resp.Error = dump(v), errString(err)
	case "yamlV3":
		var v interface{}
		err := yamlv3.Unmarshal([]byte(req.Text), &v)
		resp.Output, resp.Error = dump(v), errString(err)
	case "splitManifests":
		resp.Output = splitDump(releaseutil.SplitManifests(req.Text))
	case "splitManifestsV3":
		resp.Output = splitDump(releaseutilv3.SplitManifests(req.Text))
	case "strvals":
		v, err := strvals.Parse(req.Text)
		resp.Output, resp.Error = dump(v), errString(err)
	case "strvalsV3":
		v, err := strvalsv3.Parse(req.Text)
		resp.Output, resp.Error = dump(v), errString(err)
	case "strvalsString":
		v, err := strvals.ParseString(req.Text)
		resp.Output, resp.Error = dump(v), errString(err)
	default:
		resp.Error = "oracle: unknown op " + req.Op
	}
	return
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The functions below are helm v4.2.4's pkg/engine/funcs.go, verbatim (unexported there).

func toYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func toYAMLPretty(v any) string {
	var data bytes.Buffer
	encoder := goYaml.NewEncoder(&data)
	encoder.SetIndent(2)
	err := encoder.Encode(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(data.String(), "\n")
}

func fromYAML(str string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []any {
	a := []any{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

func toTOML(v any) string {
	b := bytes.NewBuffer(nil)
	e := toml.NewEncoder(b)
	err := e.Encode(v)
	if err != nil {
		return err.Error()
	}
	return b.String()
}

func toJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]any {
	m := make(map[string]any)
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []any {
	a := []any{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

// dump prints a decoded Go value with its types, in a form crates/goyaml's tests print too:
// nil, true/false, int:N, int64:N, uint64:N, float64:G (strconv 'g' -1), strings JSON-quoted
// without HTML escaping (exact on both sides, unlike strconv.Quote's unicode.IsPrint tables),
// [a, b] for []interface{} (nil-slice for a nil one), {"k": v} for map[string]interface{} (sorted;
// nil-map for a nil one), map[k: v] for
// map[interface{}]interface{} (keys dumped, in sorted dump order), and %T:%v for anything else.
func dump(v interface{}) string {
	var b strings.Builder
	dumpTo(&b, v)
	return b.String()
}

func dumpTo(b *strings.Builder, v interface{}) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString("int:" + strconv.Itoa(x))
	case int64:
		b.WriteString("int64:" + strconv.FormatInt(x, 10))
	case uint64:
		b.WriteString("uint64:" + strconv.FormatUint(x, 10))
	case float64:
		b.WriteString("float64:" + strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		b.WriteString(quote(x))
	case []interface{}:
		if x == nil {
			b.WriteString("nil-slice")
			return
		}
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			dumpTo(b, e)
		}
		b.WriteString("]")
	case map[string]interface{}:
		if x == nil {
			b.WriteString("nil-map")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k) + ": ")
			dumpTo(b, x[k])
		}
		b.WriteString("}")
	case map[interface{}]interface{}:
		type kv struct{ k, v string }
		var items []kv
		for k, e := range x {
			items = append(items, kv{dump(k), dump(e)})
		}
		sort.Slice(items, func(i, j int) bool { return items[i].k < items[j].k })
		b.WriteString("map[")
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(it.k + ": " + it.v)
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%T:%v", v, v)
	}
}

// splitDump lists SplitManifests' documents in their manifest-N order, as a JSON array.
func splitDump(m map[string]string) string {
	docs := make([]string, len(m))
	for k, v := range m {
		n, _ := strconv.Atoi(strings.TrimPrefix(k, "manifest-"))
		docs[n] = v
	}
	b, _ := json.Marshal(docs)
	return string(b)
}

// quote is encoding/json's string form without HTML escaping.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}
