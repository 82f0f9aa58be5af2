// Helm's changes to Sprig's function map (helm.sh/helm/v3 pkg/engine/funcs.go and engine.go,
// v3.22), copied so the oracle can render canon's Helm variant: no env/expandenv, Helm's
// toJson/fromJson/fromJsonArray, getHostByName disabled (Helm's default, DNS off). Helm's own
// functions outside Sprig (toYaml, include, tpl, required, lookup...) are not part of this mode.
package main

import (
	"encoding/json"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

func helmFuncMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(str string) map[string]interface{} {
		m := make(map[string]interface{})
		if err := json.Unmarshal([]byte(str), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJsonArray"] = func(str string) []interface{} {
		a := []interface{}{}
		if err := json.Unmarshal([]byte(str), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["getHostByName"] = func(_ string) string { return "" }
	return f
}
