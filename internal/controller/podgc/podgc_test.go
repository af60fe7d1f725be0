package podgc

import (
	"context"
	"sort"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"orca/internal/controller/deps"
)

// A pass over a fake clientset: terminated pods beyond the threshold go
// oldest first; a pod on a missing node is left alone during quarantine,
// then marked Failed with DisruptionTarget and force-deleted.
func TestGCPass(t *testing.T) {
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	objs := []runtime.Object{node,
		mkPod("done-1", 40, phase(v1.PodSucceeded), onNode("n1")),
		mkPod("done-2", 30, phase(v1.PodFailed), onNode("n1")),
		mkPod("done-3", 20, phase(v1.PodSucceeded), onNode("n1")),
		mkPod("done-4", 10, phase(v1.PodSucceeded), onNode("n1")),
		mkPod("running", 50, onNode("n1")),
		mkPod("orphan", 5, onNode("ghost")),
	}
	client := fake.NewSimpleClientset(objs...)
	// The fake clientset loses events sent before an informer's watch is
	// registered: wait for the pods' watch, not only for the list.
	podWatch := make(chan struct{})
	client.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := client.Tracker().Watch(a.GetResource(), a.GetNamespace())
		if err == nil {
			close(podWatch)
		}
		return true, w, err
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(&deps.Deps{Client: client, Informers: factory, Options: deps.Options{TerminatedPodGCThreshold: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if c.period != 20*time.Second || c.wait != 40*time.Second {
		t.Errorf("period %v quarantine %v, want upstream's 20s and 40s", c.period, c.wait)
	}
	now := t0
	c.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	<-podWatch

	c.gc(ctx)
	if got := deleted(client); !equal(got, []string{"done-1", "done-2"}) {
		t.Errorf("first pass deleted %v, want the two oldest terminated pods", got)
	}
	// Let the informer see the deletions before the next pass.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if left, _ := c.podLister.List(labels.Everything()); len(left) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("informer did not see the deletions")
		}
	}
	client.ClearActions()
	now = now.Add(40 * time.Second)
	c.gc(ctx)
	if got := deleted(client); !equal(got, []string{"orphan"}) {
		t.Errorf("after quarantine deleted %v, want the orphan", got)
	}
	var patched bool
	for _, a := range client.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok && p.GetName() == "orphan" && p.GetSubresource() == "status" {
			patched = true
			want := `{"metadata":{"uid":"uid-orphan"},"status":{"conditions":[{"type":"DisruptionTarget","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-01-01T00:00:40Z","reason":"DeletionByPodGC","message":"PodGC: node no longer exists"}],"phase":"Failed"}}`
			if string(p.GetPatch()) != want {
				t.Errorf("status patch %s\nwant %s", p.GetPatch(), want)
			}
		}
	}
	if !patched {
		t.Error("orphan not marked Failed before deletion")
	}
	for _, a := range client.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok {
			if g := d.GetDeleteOptions().GracePeriodSeconds; g == nil || *g != 0 {
				t.Errorf("delete %s with grace %v, want 0", d.GetName(), g)
			}
		}
	}
}

func deleted(c *fake.Clientset) []string {
	var out []string
	for _, a := range c.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && d.GetResource().Resource == "pods" {
			out = append(out, d.GetName())
		}
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
