// health-oracle: prints the health canon must assess for each Kubernetes object file given, as
// Argo CD's gitops-engine `pkg/health` computes it, falling back to kstatus (sigs.k8s.io/cli-utils
// `pkg/kstatus/status`) for kinds gitops-engine has no rule for. That composition is canon's
// contract (crates/cluster/src/health.rs); this program only wires the real Go libraries together.
//
// usage: health-oracle FILE...   → one JSON line per file: {"file","status","message"}
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/argoproj/gitops-engine/pkg/health"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type result struct {
	File    string `json:"file"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// kstatusHealth maps kstatus's statuses onto Argo CD's health codes.
var kstatusHealth = map[status.Status]health.HealthStatusCode{
	status.CurrentStatus:     health.HealthStatusHealthy,
	status.InProgressStatus:  health.HealthStatusProgressing,
	status.FailedStatus:      health.HealthStatusDegraded,
	status.TerminatingStatus: health.HealthStatusProgressing,
	status.NotFoundStatus:    health.HealthStatusMissing,
	status.UnknownStatus:     health.HealthStatusUnknown,
}

func assess(obj *unstructured.Unstructured) (string, string) {
	h, err := health.GetResourceHealth(obj, nil)
	if err != nil {
		return string(health.HealthStatusUnknown), err.Error()
	}
	if h != nil {
		return string(h.Status), h.Message
	}
	res, err := status.Compute(obj)
	if err != nil {
		return string(health.HealthStatusUnknown), err.Error()
	}
	code, ok := kstatusHealth[res.Status]
	if !ok {
		code = health.HealthStatusUnknown
	}
	return string(code), res.Message
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: health-oracle FILE...")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// As gitops-engine's own tests read their fixtures.
		var obj unstructured.Unstructured
		if err := yaml.Unmarshal(data, &obj); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(1)
		}
		st, msg := assess(&obj)
		if err := enc.Encode(result{File: file, Status: st, Message: msg}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
