// Command oracle runs Go's text/template (optionally with Sprig v3) on cases given as JSON lines
// and prints, for each, the exact output or error Go produces. canon's tests use it as the
// reference its own template engine must match byte for byte.
//
// Input, one JSON object per line on stdin:
//
//	{"id": "x", "template": "{{.a}}", "data": {...}, "funcs": "go"|"sprig"|"helm",
//	 "missingkey": "default"|"zero"|"error", "delims": ["[[", "]]"], "name": "t"}
//
// Output, one JSON object per line on stdout, in input order:
//
//	{"id": "x", "output": "...", "error": "...", "phase": "parse"|"exec"|""}
//
// "oracle bench" reads the same requests (plus optional "min_ms", default 1000) and, for each,
// parses once and executes repeatedly into a reused buffer for at least min_ms, printing
//
//	{"id": "x", "ns_per_op": 1234.5, "iters": 1000, "output_len": 42, "error": ""}
//
// "data" is JSON with Go types made explicit where JSON cannot say them:
// an integer literal is an int, a number with '.', 'e' or 'E' is a float64,
// an object {"$type": T, "value": V} is V converted to Go type T (see decodeTyped),
// any other object is a map[string]interface{}, an array a []interface{}.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
)

type request struct {
	ID         json.RawMessage `json:"id"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	Funcs      string          `json:"funcs"`
	MissingKey string          `json:"missingkey"`
	Delims     []string        `json:"delims"`
	Name       string          `json:"name"`
	MinMs      int             `json:"min_ms"`
}

type response struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Output string          `json:"output"`
	Error  string          `json:"error"`
	Phase  string          `json:"phase"`
}

func main() {
	bench := len(os.Args) > 1 && os.Args[1] == "bench"
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if bench {
				enc.Encode(runBench(line))
			} else {
				enc.Encode(run(line))
			}
			// Each answer goes out as soon as it is known, so that a caller timing cases out
			// (a template can loop forever) knows which case is stuck.
			out.Flush()
		}
		if err != nil {
			return
		}
	}
}

// prepare decodes a request's data and parses its template, or returns the response to print.
func prepare(line []byte) (req request, t *template.Template, data interface{}, fail *response) {
	if err := json.Unmarshal(line, &req); err != nil {
		return req, nil, nil, &response{Error: "oracle: bad request: " + err.Error(), Phase: "request"}
	}
	data, err := decodeData(req.Data)
	if err != nil {
		return req, nil, nil, &response{ID: req.ID, Error: "oracle: bad data: " + err.Error(), Phase: "request"}
	}
	name := req.Name
	if name == "" {
		name = "t"
	}
	t = template.New(name)
	switch req.Funcs {
	case "", "go":
	case "sprig":
		t.Funcs(sprig.TxtFuncMap())
	case "helm":
		t.Funcs(helmFuncMap())
	default:
		return req, nil, nil, &response{ID: req.ID, Error: "oracle: unknown funcs " + req.Funcs, Phase: "request"}
	}
	if len(req.Delims) == 2 {
		t.Delims(req.Delims[0], req.Delims[1])
	}
	if req.MissingKey != "" {
		t.Option("missingkey=" + req.MissingKey)
	}
	if _, err := t.Parse(req.Template); err != nil {
		return req, nil, nil, &response{ID: req.ID, Error: err.Error(), Phase: "parse"}
	}
	return req, t, data, nil
}

func run(line []byte) (resp response) {
	defer func() {
		if r := recover(); r != nil {
			resp.Error = fmt.Sprintf("oracle: panic: %v", r)
			resp.Phase = "panic"
		}
	}()
	req, t, data, fail := prepare(line)
	if fail != nil {
		return *fail
	}
	resp.ID = req.ID
	var buf strings.Builder
	err := t.Execute(&buf, data)
	resp.Output = buf.String()
	if err != nil {
		resp.Error = err.Error()
		resp.Phase = "exec"
	}
	return
}

type benchResponse struct {
	ID        json.RawMessage `json:"id,omitempty"`
	NsPerOp   float64         `json:"ns_per_op"`
	Iters     int             `json:"iters"`
	OutputLen int             `json:"output_len"`
	Error     string          `json:"error"`
}

func runBench(line []byte) (resp benchResponse) {
	defer func() {
		if r := recover(); r != nil {
			resp.Error = fmt.Sprintf("oracle: panic: %v", r)
		}
	}()
	req, t, data, fail := prepare(line)
	if fail != nil {
		return benchResponse{ID: fail.ID, Error: fail.Error}
	}
	resp.ID = req.ID
	minDur := time.Duration(req.MinMs) * time.Millisecond
	if minDur <= 0 {
		minDur = time.Second
	}
	var buf bytes.Buffer
	// One untimed execution checks the case and warms caches and the buffer's capacity.
	if err := t.Execute(&buf, data); err != nil {
		resp.Error = err.Error()
		return
	}
	resp.OutputLen = buf.Len()
	iters := 1
	for {
		start := time.Now()
		for i := 0; i < iters; i++ {
			buf.Reset()
			if err := t.Execute(&buf, data); err != nil {
				resp.Error = err.Error()
				return
			}
		}
		elapsed := time.Since(start)
		if elapsed >= minDur {
			resp.Iters = iters
			resp.NsPerOp = float64(elapsed.Nanoseconds()) / float64(iters)
			return
		}
		// Aim past minDur in one more round, as Go's testing package does.
		next := iters * 2
		if elapsed > 0 {
			if guess := int(float64(iters) * 1.2 * float64(minDur) / float64(elapsed)); guess > next {
				next = guess
			}
		}
		iters = next
	}
}

func decodeData(raw json.RawMessage) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return convert(v)
}

func convert(v interface{}) (interface{}, error) {
	switch x := v.(type) {
	case json.Number:
		return number(string(x))
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]interface{}:
		if t, ok := x["$type"].(string); ok && len(x) == 2 {
			if val, ok := x["value"]; ok {
				return decodeTyped(t, val)
			}
		}
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

func number(s string) (interface{}, error) {
	if strings.ContainsAny(s, ".eE") {
		return strconv.ParseFloat(s, 64)
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, err
	}
	return int(i), nil
}

// decodeTyped converts a JSON value to the named Go type.
// Scalars: int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64 string bool;
// "interface {}" (or "any"); "[]byte" (value: a string); "[]T" and "map[string]T" for any T of these,
// nested ("[]map[string]int"). A JSON null value gives T's zero value (a nil slice or map).
// "nil-map" and "nil-slice" are a nil map[string]interface{} and a nil []interface{}.
// Numbers may be given as strings ("NaN", "-Inf", "1e400" for floats; big integers).
func decodeTyped(t string, v interface{}) (interface{}, error) {
	switch t {
	case "nil-map":
		return map[string]interface{}(nil), nil
	case "nil-slice":
		return []interface{}(nil), nil
	}
	typ, err := parseType(t)
	if err != nil {
		return nil, err
	}
	rv, err := build(typ, v)
	if err != nil {
		return nil, err
	}
	if typ.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil, nil
		}
		return rv.Elem().Interface(), nil
	}
	return rv.Interface(), nil
}

var scalarTypes = map[string]reflect.Type{
	"int": reflect.TypeFor[int](), "int8": reflect.TypeFor[int8](), "int16": reflect.TypeFor[int16](),
	"int32": reflect.TypeFor[int32](), "int64": reflect.TypeFor[int64](),
	"uint": reflect.TypeFor[uint](), "uint8": reflect.TypeFor[uint8](), "uint16": reflect.TypeFor[uint16](),
	"uint32": reflect.TypeFor[uint32](), "uint64": reflect.TypeFor[uint64](), "uintptr": reflect.TypeFor[uintptr](),
	"float32": reflect.TypeFor[float32](), "float64": reflect.TypeFor[float64](),
	"string": reflect.TypeFor[string](), "bool": reflect.TypeFor[bool](),
	"interface {}": reflect.TypeFor[interface{}](), "any": reflect.TypeFor[interface{}](),
	"byte": reflect.TypeFor[byte](), "rune": reflect.TypeFor[rune](),
}

func parseType(t string) (reflect.Type, error) {
	if s, ok := scalarTypes[t]; ok {
		return s, nil
	}
	if strings.HasPrefix(t, "[]") {
		e, err := parseType(t[2:])
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(e), nil
	}
	if strings.HasPrefix(t, "map[string]") {
		e, err := parseType(t[len("map[string]"):])
		if err != nil {
			return nil, err
		}
		return reflect.MapOf(reflect.TypeFor[string](), e), nil
	}
	return nil, fmt.Errorf("unknown type %q", t)
}

func build(t reflect.Type, v interface{}) (reflect.Value, error) {
	if v == nil {
		return reflect.Zero(t), nil
	}
	switch t.Kind() {
	case reflect.Interface:
		c, err := convert(v)
		if err != nil {
			return reflect.Value{}, err
		}
		rv := reflect.New(t).Elem()
		if c != nil {
			rv.Set(reflect.ValueOf(c))
		}
		return rv, nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return reflect.Value{}, fmt.Errorf("%s wants a string", t)
		}
		return reflect.ValueOf(s).Convert(t), nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return reflect.Value{}, fmt.Errorf("%s wants a bool", t)
		}
		return reflect.ValueOf(b), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if s, ok := v.(string); ok {
				// make+copy, not []byte(s): the conversion rounds the capacity up to the
				// allocator's size class, which `slice` would then expose.
				b := make([]byte, len(s))
				copy(b, s)
				return reflect.ValueOf(b).Convert(t), nil
			}
		}
		arr, ok := v.([]interface{})
		if !ok {
			return reflect.Value{}, fmt.Errorf("%s wants an array", t)
		}
		out := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			c, err := build(t.Elem(), e)
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(c)
		}
		return out, nil
	case reflect.Map:
		m, ok := v.(map[string]interface{})
		if !ok {
			return reflect.Value{}, fmt.Errorf("%s wants an object", t)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			c, err := build(t.Elem(), e)
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(reflect.ValueOf(k), c)
		}
		return out, nil
	}
	var s string
	switch n := v.(type) {
	case json.Number:
		s = string(n)
	case string:
		s = n
	default:
		return reflect.Value{}, fmt.Errorf("%s wants a number", t)
	}
	out := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 0, t.Bits())
		if err != nil {
			return reflect.Value{}, err
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(s, 0, t.Bits())
		if err != nil {
			return reflect.Value{}, err
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return reflect.Value{}, err
		}
		out.SetFloat(f)
	default:
		return reflect.Value{}, fmt.Errorf("unsupported type %s", t)
	}
	return out, nil
}
