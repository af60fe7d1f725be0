package server

import (
	"encoding/json"
	"net/http"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestPods(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	code, body := e.get("/pods")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var list v1.PodList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "PodList" || list.APIVersion != "v1" || len(list.Items) != 1 || list.Items[0].Name != "web" {
		t.Fatalf("list %s", body)
	}
}
