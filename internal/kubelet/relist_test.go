package kubelet

import (
	"context"
	"errors"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/kubelet/sim"
)

// failingList makes the runtime's listings fail while fail is set.
type failingList struct {
	*sim.Runtime
	fail bool
}

func (f *failingList) ListContainers(ctx context.Context, filter *runtimeapi.ContainerFilter) ([]*runtimeapi.Container, error) {
	if f.fail {
		return nil, errors.New("runtime down")
	}
	return f.Runtime.ListContainers(ctx, filter)
}

func TestRelistReportsChangedPods(t *testing.T) {
	ctx := context.Background()
	rt := &failingList{Runtime: sim.New(sim.Options{PodCIDR: "10.244.9.0/24"})}
	k := &Kubelet{rt: rt}
	var r relister
	run := func(uid string) string {
		t.Helper()
		id, err := rt.RunPodSandbox(ctx, &runtimeapi.PodSandboxConfig{
			Metadata: &runtimeapi.PodSandboxMetadata{Name: uid, Namespace: "default", Uid: uid},
			Labels:   map[string]string{labelPodUID: uid},
		}, "")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	want := func(step string, uids ...types.UID) {
		t.Helper()
		if got := r.relist(ctx, k); !slices.Equal(got, uids) {
			t.Fatalf("%s: relist reported %v, want %v", step, got, uids)
		}
	}
	a := run("a")
	run("b")
	if _, err := rt.RunPodSandbox(ctx, &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "x", Uid: "x"}}, ""); err != nil {
		t.Fatal(err)
	}
	want("first relist", "a", "b") // the unlabelled sandbox is no pod's
	want("nothing changed")
	if err := rt.StopPodSandbox(ctx, a); err != nil {
		t.Fatal(err)
	}
	rt.fail = true
	want("listing fails")
	rt.fail = false
	want("a stopped, seen after the failure", "a")
	run("c")
	if err := rt.RemovePodSandbox(ctx, a); err != nil {
		t.Fatal(err)
	}
	want("a removed, c created", "a", "c")
	want("nothing changed again")
}
