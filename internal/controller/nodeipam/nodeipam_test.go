package nodeipam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

func node(name string, cidrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: k8stypes.UID("uid-" + name)}}
	if len(cidrs) > 0 {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidrs[0], cidrs
	}
	return n
}

// harness drives Reconcile by hand: nodes live in the informer's indexer
// (what the controller sees) and in the fake API (what it writes to).
type harness struct {
	t        *testing.T
	c        *Controller
	client   *fake.Clientset
	indexer  cache.Indexer
	recorder *record.FakeRecorder
}

func newHarness(t *testing.T, o Options, nodes ...*corev1.Node) *harness {
	t.Helper()
	var objs []runtime.Object
	for _, n := range nodes {
		objs = append(objs, n)
	}
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, f, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	h := &harness{t: t, c: c, client: client, indexer: f.Core().V1().Nodes().Informer().GetIndexer(), recorder: record.NewFakeRecorder(10)}
	c.recorder = h.recorder
	for _, n := range nodes {
		h.indexer.Add(n)
	}
	if err := c.occupyExisting(); err != nil {
		t.Fatal(err)
	}
	return h
}

var defaultOpts = Options{ClusterCIDR: "10.244.0.0/16", NodeCIDRMaskSize: 24}

// add creates a node in the API and the cache.
func (h *harness) add(n *corev1.Node) {
	h.t.Helper()
	if _, err := h.client.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		h.t.Fatal(err)
	}
	h.indexer.Add(n)
}

func (h *harness) remove(name string) {
	h.t.Helper()
	h.client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
	h.indexer.Delete(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

func (h *harness) reconcile(name string) time.Duration {
	h.t.Helper()
	d, err := h.c.Reconcile(context.Background(), name)
	if err != nil {
		h.t.Fatalf("Reconcile(%s): %v", name, err)
	}
	return d
}

// sync copies a node from the API into the cache, as the informer would.
func (h *harness) sync(name string) {
	h.t.Helper()
	n, err := h.client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.indexer.Update(n)
}

// cidrs reads a node's spec from the API.
func (h *harness) cidrs(name string) (string, []string) {
	h.t.Helper()
	n, err := h.client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return n.Spec.PodCIDR, n.Spec.PodCIDRs
}

func (h *harness) wantCIDR(name, want string) {
	h.t.Helper()
	single, list := h.cidrs(name)
	if want == "" {
		if single != "" || len(list) != 0 {
			h.t.Errorf("%s: podCIDR %q podCIDRs %v, want none", name, single, list)
		}
		return
	}
	if single != want || !slices.Equal(list, []string{want}) {
		h.t.Errorf("%s: podCIDR %q podCIDRs %v, want %s", name, single, list, want)
	}
}

func (h *harness) patches() int {
	n := 0
	for _, a := range h.client.Actions() {
		if a.GetVerb() == "patch" {
			n++
		}
	}
	return n
}

func TestAllocatesLowestFree(t *testing.T) {
	h := newHarness(t, defaultOpts, node("a", "10.244.0.0/24"), node("b", "10.244.2.0/24"))
	h.add(node("c"))
	h.reconcile("c")
	h.wantCIDR("c", "10.244.1.0/24")
	h.add(node("d"))
	h.reconcile("d")
	h.wantCIDR("d", "10.244.3.0/24")
	// Nodes that have a block are not patched.
	before := h.patches()
	h.reconcile("a")
	h.reconcile("b")
	if h.patches() != before {
		t.Error("patched a node that already had a CIDR")
	}
}

func TestReconcileIsIdempotent(t *testing.T) {
	h := newHarness(t, defaultOpts)
	h.add(node("a"))
	h.reconcile("a")
	// The cache has not seen the patch yet: the same block is written again.
	h.reconcile("a")
	h.wantCIDR("a", "10.244.0.0/24")
	h.sync("a")
	h.reconcile("a")
	h.add(node("b"))
	h.reconcile("b")
	h.wantCIDR("b", "10.244.1.0/24")
}

func TestDeleteReleases(t *testing.T) {
	h := newHarness(t, defaultOpts, node("a", "10.244.0.0/24"), node("b", "10.244.1.0/24"))
	h.remove("a")
	h.reconcile("a")
	h.reconcile("a") // twice: nothing more to free
	h.add(node("c"))
	h.reconcile("c")
	h.wantCIDR("c", "10.244.0.0/24")
	h.add(node("d"))
	h.reconcile("d")
	h.wantCIDR("d", "10.244.2.0/24")
}

func TestOutOfRangeLeftAlone(t *testing.T) {
	h := newHarness(t, defaultOpts, node("manual", "192.168.5.0/24"), node("v6", "fd00::/64"))
	h.reconcile("manual")
	h.reconcile("v6")
	if h.patches() != 0 {
		t.Error("patched a node with a foreign CIDR")
	}
	h.wantCIDR("manual", "192.168.5.0/24")
	h.add(node("n"))
	h.reconcile("n")
	h.wantCIDR("n", "10.244.0.0/24")
}

func TestExhausted(t *testing.T) {
	h := newHarness(t, Options{ClusterCIDR: "10.0.0.0/30", NodeCIDRMaskSize: 31}, node("a", "10.0.0.0/31"), node("b", "10.0.0.2/31"))
	h.add(node("c"))
	if d := h.reconcile("c"); d <= 0 {
		t.Errorf("requeue = %v, want a retry", d)
	}
	h.wantCIDR("c", "")
	select {
	case e := <-h.recorder.Events:
		if e != "Normal CIDRNotAvailable Node c status is now: CIDRNotAvailable" {
			t.Errorf("event %q", e)
		}
	default:
		t.Error("no CIDRNotAvailable event")
	}
	// Deleting a node frees its block and wakes the waiter.
	h.remove("b")
	h.reconcile("b")
	if h.c.queue.Len() != 1 {
		t.Fatalf("queue length %d, want the waiting node", h.c.queue.Len())
	}
	key, _ := h.c.queue.Get()
	h.c.queue.Done(key)
	if key != "c" {
		t.Fatalf("woke %q", key)
	}
	h.reconcile("c")
	h.wantCIDR("c", "10.0.0.2/31")
}

func TestPatchErrorKeepsBlock(t *testing.T) {
	h := newHarness(t, defaultOpts)
	h.add(node("a"))
	fail := true
	h.client.PrependReactor("patch", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		if fail {
			return true, nil, errors.New("etcd leader changed")
		}
		return false, nil, nil
	})
	if _, err := h.c.Reconcile(context.Background(), "a"); err == nil {
		t.Fatal("want the patch error")
	}
	h.add(node("b"))
	fail = false
	h.reconcile("b")
	h.reconcile("a")
	h.wantCIDR("a", "10.244.0.0/24")
	h.wantCIDR("b", "10.244.1.0/24")
}

func TestLostRaceAdoptsNodeCIDR(t *testing.T) {
	h := newHarness(t, defaultOpts)
	h.add(node("a"))
	h.client.PrependReactor("patch", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("conflict")
	})
	h.c.Reconcile(context.Background(), "a") // holds 10.244.0.0/24, patch failed
	// Meanwhile someone else set a CIDR on the node.
	h.indexer.Update(node("a", "10.244.7.0/24"))
	h.reconcile("a")
	got, err := h.c.set.Allocate()
	if err != nil || got.String() != "10.244.0.0/24" {
		t.Errorf("next block %v, %v: want the released 10.244.0.0/24", got, err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	client := fake.NewClientset()
	for _, o := range []Options{
		{ClusterCIDR: "not-a-cidr", NodeCIDRMaskSize: 24},
		{ClusterCIDR: "10.244.0.0/16", NodeCIDRMaskSize: 8},
		{ClusterCIDR: "10.0.0.0/8", NodeCIDRMaskSize: 30},
	} {
		if _, err := New(client, informers.NewSharedInformerFactory(client, 0), nil, o); err == nil {
			t.Errorf("New(%+v): want error", o)
		}
	}
}

// TestRun drives the whole loop: informer, queue, workers.
func TestRun(t *testing.T) {
	client := fake.NewClientset(node("old", "10.244.0.0/24"))
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, f, nil, defaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.Start(ctx.Done())
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; f.Shutdown() }()

	for _, name := range []string{"a", "b", "c"} {
		client.CoreV1().Nodes().Create(ctx, node(name), metav1.CreateOptions{})
	}
	got := map[string]bool{}
	for _, name := range []string{"a", "b", "c"} {
		got[waitCIDR(t, client, name)] = true
	}
	for _, want := range []string{"10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"} {
		if !got[want] {
			t.Errorf("allocated %v, want %s among them", got, want)
		}
	}
	client.CoreV1().Nodes().Delete(ctx, "old", metav1.DeleteOptions{})
	// Wait until the controller has freed the block.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		_, held := c.byNode["old"]
		c.mu.Unlock()
		if !held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("old node's block never released")
		}
	}
	client.CoreV1().Nodes().Create(ctx, node("d"), metav1.CreateOptions{})
	if cidr := waitCIDR(t, client, "d"); cidr != "10.244.0.0/24" {
		t.Errorf("d got %s, want the freed 10.244.0.0/24", cidr)
	}
}

func waitCIDR(t *testing.T, client *fake.Clientset, name string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" {
			if !strings.HasPrefix(n.Spec.PodCIDR, "10.244.") || len(n.Spec.PodCIDRs) != 1 {
				t.Errorf("%s: %q %v", name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
			}
			return n.Spec.PodCIDR
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s got no pod CIDR", name)
	return ""
}
