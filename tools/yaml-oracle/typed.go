// Typed-JSON data decoding, copied from tools/oracle/main.go so both oracles read values the same way.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

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

// buildStruct makes a value of a struct type built at run time (reflect.StructOf), standing in
// for a host object such as Helm's *chart.Metadata: v is a list of fields
// {"name": "APIVersion", "tag": "json:\"apiVersion\"", "value": <typed JSON>, "iface": false},
// each of the Go type of its decoded value (interface {} when "iface" is true or the value is nil).
// "*struct" gives a pointer to it; "*struct" with a null value a nil *struct {}.
func buildStruct(ptr bool, v interface{}) (interface{}, error) {
	if v == nil {
		if ptr {
			return (*struct{})(nil), nil
		}
		return struct{}{}, nil
	}
	list, ok := v.([]interface{})
	if !ok {
		return nil, fmt.Errorf("struct wants an array of fields")
	}
	var fields []reflect.StructField
	var vals []reflect.Value
	for _, e := range list {
		f, ok := e.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("struct field wants an object")
		}
		name, _ := f["name"].(string)
		tag, _ := f["tag"].(string)
		iface, _ := f["iface"].(bool)
		val, err := convert(f["value"])
		if err != nil {
			return nil, err
		}
		typ := reflect.TypeFor[interface{}]()
		rv := reflect.New(typ).Elem()
		if val != nil {
			rv = reflect.ValueOf(val)
			if iface {
				w := reflect.New(typ).Elem()
				w.Set(rv)
				rv = w
			} else {
				typ = rv.Type()
			}
		}
		fields = append(fields, reflect.StructField{Name: name, Type: typ, Tag: reflect.StructTag(tag)})
		vals = append(vals, rv)
	}
	st := reflect.New(reflect.StructOf(fields)).Elem()
	for i, rv := range vals {
		st.Field(i).Set(rv)
	}
	if ptr {
		return st.Addr().Interface(), nil
	}
	return st.Interface(), nil
}

// decodeTyped converts a JSON value to the named Go type.
// Scalars: int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64 string bool;
// "[]byte" (value: a string); "[]T" and "map[string]T" for those scalars and "interface {}"
// (a null value: the nil slice or map); "struct" and "*struct" (see buildStruct).
func decodeTyped(t string, v interface{}) (interface{}, error) {
	switch {
	case t == "[]byte":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("[]byte wants a string")
		}
		return []byte(s), nil
	case t == "nil-map":
		return map[string]interface{}(nil), nil
	case t == "nil-slice":
		return []interface{}(nil), nil
	case t == "struct" || t == "*struct":
		return buildStruct(t == "*struct", v)
	case v == nil && (strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "map[string]")):
		// A typed null is the type's zero value: a nil slice or map of that type.
		var empty interface{}
		var err error
		if strings.HasPrefix(t, "[]") {
			empty, err = slice(t[2:], []interface{}{})
		} else {
			empty, err = mapOf(t[len("map[string]"):], map[string]interface{}{})
		}
		if err != nil {
			return nil, err
		}
		return reflect.Zero(reflect.TypeOf(empty)).Interface(), nil
	case strings.HasPrefix(t, "[]"):
		arr, ok := v.([]interface{})
		if !ok {
			return nil, fmt.Errorf("%s wants an array", t)
		}
		return slice(t[2:], arr)
	case strings.HasPrefix(t, "map[string]"):
		m, ok := v.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("%s wants an object", t)
		}
		return mapOf(t[len("map[string]"):], m)
	}
	return scalar(t, v)
}

func scalar(t string, v interface{}) (interface{}, error) {
	switch t {
	case "interface {}":
		return convert(v)
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("string wants a string")
		}
		return s, nil
	case "bool":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("bool wants a bool")
		}
		return b, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		if s, isStr := v.(string); isStr {
			n = json.Number(s)
		} else {
			return nil, fmt.Errorf("%s wants a number", t)
		}
	}
	s := string(n)
	var err error
	switch t {
	case "int", "int8", "int16", "int32", "int64":
		var i int64
		i, err = strconv.ParseInt(s, 10, 64)
		switch t {
		case "int":
			return int(i), err
		case "int8":
			return int8(i), err
		case "int16":
			return int16(i), err
		case "int32":
			return int32(i), err
		}
		return i, err
	case "uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
		var u uint64
		u, err = strconv.ParseUint(s, 10, 64)
		switch t {
		case "uint":
			return uint(u), err
		case "uint8":
			return uint8(u), err
		case "uint16":
			return uint16(u), err
		case "uint32":
			return uint32(u), err
		case "uintptr":
			return uintptr(u), err
		}
		return u, err
	case "float32":
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	case "float64":
		return strconv.ParseFloat(s, 64)
	}
	return nil, fmt.Errorf("unknown type %q", t)
}

func slice(elem string, arr []interface{}) (interface{}, error) {
	switch elem {
	case "interface {}":
		return convert(arr)
	case "string":
		out := make([]string, len(arr))
		for i, e := range arr {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c.(string)
		}
		return out, nil
	case "int":
		out := make([]int, len(arr))
		for i, e := range arr {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c.(int)
		}
		return out, nil
	case "int64":
		out := make([]int64, len(arr))
		for i, e := range arr {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c.(int64)
		}
		return out, nil
	case "float64":
		out := make([]float64, len(arr))
		for i, e := range arr {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c.(float64)
		}
		return out, nil
	case "bool":
		out := make([]bool, len(arr))
		for i, e := range arr {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c.(bool)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported slice type []%s", elem)
}

func mapOf(elem string, m map[string]interface{}) (interface{}, error) {
	switch elem {
	case "interface {}":
		return convert(m)
	case "string":
		out := make(map[string]string, len(m))
		for k, e := range m {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[k] = c.(string)
		}
		return out, nil
	case "int":
		out := make(map[string]int, len(m))
		for k, e := range m {
			c, err := scalar(elem, e)
			if err != nil {
				return nil, err
			}
			out[k] = c.(int)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported map type map[string]%s", elem)
}
