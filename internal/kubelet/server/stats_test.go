package server

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestStatsSummary(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web", "app", "sidecar")
	code, body := e.get("/stats/summary")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	// Decode generically: the JSON names are the contract, as upstream's.
	var doc struct {
		Node struct {
			NodeName  string `json:"nodeName"`
			StartTime string `json:"startTime"`
			CPU       struct {
				UsageCoreNanoSeconds *uint64 `json:"usageCoreNanoSeconds"`
			} `json:"cpu"`
			Memory struct {
				WorkingSetBytes *uint64 `json:"workingSetBytes"`
				AvailableBytes  *uint64 `json:"availableBytes"`
			} `json:"memory"`
		} `json:"node"`
		Pods []struct {
			PodRef struct{ Name, Namespace, UID string } `json:"podRef"`
			CPU    struct {
				UsageNanoCores *uint64 `json:"usageNanoCores"`
			} `json:"cpu"`
			Memory struct {
				WorkingSetBytes *uint64 `json:"workingSetBytes"`
			} `json:"memory"`
			Containers []struct {
				Name string `json:"name"`
				CPU  struct {
					Time           string  `json:"time"`
					UsageNanoCores *uint64 `json:"usageNanoCores"`
				} `json:"cpu"`
				Memory struct {
					WorkingSetBytes *uint64 `json:"workingSetBytes"`
				} `json:"memory"`
			} `json:"containers"`
		} `json:"pods"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	n := doc.Node
	if n.NodeName != "node-1" || n.StartTime == "" || n.CPU.UsageCoreNanoSeconds == nil || n.Memory.WorkingSetBytes == nil || n.Memory.AvailableBytes == nil {
		t.Fatalf("node stats: %s", body)
	}
	if len(doc.Pods) != 1 {
		t.Fatalf("pods: %s", body)
	}
	p := doc.Pods[0]
	if p.PodRef.Name != "web" || p.PodRef.Namespace != "default" || p.PodRef.UID != "uid-default-web" {
		t.Fatalf("podRef: %+v", p.PodRef)
	}
	// The sim's defaults: 1m CPU and 4Mi working set per running container.
	const milli, fourMi = 1_000_000, 4 << 20
	if len(p.Containers) != 2 || p.Containers[0].Name != "app" || p.Containers[1].Name != "sidecar" {
		t.Fatalf("containers: %s", body)
	}
	for _, c := range p.Containers {
		if c.CPU.Time == "" || c.CPU.UsageNanoCores == nil || *c.CPU.UsageNanoCores != milli || c.Memory.WorkingSetBytes == nil || *c.Memory.WorkingSetBytes != fourMi {
			t.Fatalf("container %s: %s", c.Name, body)
		}
	}
	if p.CPU.UsageNanoCores == nil || *p.CPU.UsageNanoCores != 2*milli || p.Memory.WorkingSetBytes == nil || *p.Memory.WorkingSetBytes != 2*fourMi {
		t.Fatalf("pod totals: %s", body)
	}
}
