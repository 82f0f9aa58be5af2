// Command gofmttab emits the cases of Go's fmt_test.go fmtTests whose operands canon's Value model can hold.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
)

var _ = math.Pi

type typed struct {
	Type  string `json:"$type"`
	Value any    `json:"value"`
}

func scalarText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	panic("not scalar")
}

var scalarKinds = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true}

var elemOK = map[string]bool{"interface {}": true, "string": true, "int": true, "int64": true, "float64": true, "bool": true}
var mapElemOK = map[string]bool{"interface {}": true, "string": true, "int": true}

// encode returns the oracle/test JSON for v, or ok=false when canon's model has no such value.
func encode(v reflect.Value, inIface bool) (any, bool) {
	if !v.IsValid() {
		return nil, true
	}
	t := v.Type()
	ts := t.String()
	switch {
	case ts == "bool":
		return v.Bool(), true
	case ts == "string":
		if !utf8Valid(v.String()) {
			return nil, false
		}
		return v.String(), true
	case scalarKinds[ts]:
		return typed{ts, scalarText(v)}, true
	case ts == "complex128" || ts == "complex64":
		bits := 64
		if ts == "complex64" {
			bits = 32
		}
		c := v.Complex()
		return typed{ts, strconv.FormatFloat(real(c), 'g', -1, bits) + " " + strconv.FormatFloat(imag(c), 'g', -1, bits)}, true
	case ts == "[]uint8":
		if v.IsNil() || !utf8Valid(string(v.Bytes())) {
			return nil, false
		}
		return typed{"[]byte", string(v.Bytes())}, true
	case ts == "interface {}":
		if v.IsNil() {
			return nil, inIface
		}
		return encode(v.Elem(), true)
	case t.Kind() == reflect.Slice && elemOK[t.Elem().String()]:
		if v.IsNil() {
			return nil, false
		}
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			e, ok := encode(v.Index(i), true)
			if !ok {
				return nil, false
			}
			out = append(out, raw(e, t.Elem().String()))
		}
		return typed{ts, out}, true
	case t.Kind() == reflect.Map && t.Key().String() == "string" && mapElemOK[t.Elem().String()]:
		if v.IsNil() {
			return nil, false
		}
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			e, ok := encode(v.MapIndex(k), true)
			if !ok {
				return nil, false
			}
			out[k.String()] = raw(e, t.Elem().String())
		}
		return typed{ts, out}, true
	}
	return nil, false
}

// raw strips the type wrapper of an element whose static type is not interface {}.
func raw(e any, elem string) any {
	if elem == "interface {}" {
		return e
	}
	if t, ok := e.(typed); ok {
		return t.Value
	}
	return e
}

func utf8Valid(s string) bool {
	for _, r := range s {
		if r == 0xFFFD {
			return false
		}
	}
	return true
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	n := 0
	for _, tt := range fmtTests {
		var arg any
		ok := true
		if tt.val != nil {
			arg, ok = encode(reflect.ValueOf(tt.val), false)
		}
		if !ok {
			continue
		}
		want := fmt.Sprintf(tt.fmt, tt.val)
		if want != tt.out && tt.out != "" {
			// Entries with PTR placeholders and the like: Go's own output is the truth anyway.
		}
		enc.Encode(map[string]any{"kind": "printf", "format": tt.fmt, "args": []any{arg}, "want": want})
		n++
	}
	fmt.Fprintln(os.Stderr, n, "of", len(fmtTests), "fmtTests cases usable")
}
