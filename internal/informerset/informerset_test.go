package informerset

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

func pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// A component's term ends: its handlers stop getting events, the shared
// informer keeps running for the others, and a new term's handler gets
// the objects already cached.
func TestSharedOutlivesComponent(t *testing.T) {
	client := fake.NewClientset(pod("a"))
	stop := make(chan struct{})
	defer close(stop)
	f := Shared(client, stop)
	inf := f.Core().V1().Pods().Informer()

	var first, other atomic.Int32
	term := make(chan struct{})
	hs := &Handlers{}
	if _, err := hs.Add(inf, cache.ResourceEventHandlerFuncs{AddFunc: func(any) { first.Add(1) }}); err != nil {
		t.Fatal(err)
	}
	if _, err := (*Handlers)(nil).Add(inf, cache.ResourceEventHandlerFuncs{AddFunc: func(any) { other.Add(1) }}); err != nil {
		t.Fatal(err)
	}
	f.Start(term) // the component's own stop channel
	waitFor(t, "the first add", func() bool { return first.Load() == 1 && other.Load() == 1 })

	close(term)
	f.Shutdown() // what a component does when it stops: a no-op here
	if err := hs.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	if hs.Len() != 0 {
		t.Fatalf("%d handlers left", hs.Len())
	}
	if _, err := client.CoreV1().Pods("default").Create(context.Background(), pod("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other handler to see b", func() bool { return other.Load() == 2 })
	if n := first.Load(); n != 1 {
		t.Fatalf("removed handler got %d adds, want 1", n)
	}

	var second atomic.Int32
	next := &Handlers{}
	reg, err := next.AddNoResync(inf, cache.ResourceEventHandlerFuncs{AddFunc: func(any) { second.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new term's handler to sync", reg.HasSynced)
	if n := second.Load(); n != 2 {
		t.Fatalf("new handler got %d adds, want the 2 cached pods", n)
	}
}

func TestAddIndexersTwice(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	f := Shared(fake.NewClientset(pod("a")), stop)
	inf := f.Core().V1().Pods().Informer()
	byName := cache.Indexers{"name": func(o any) ([]string, error) { return []string{o.(*corev1.Pod).Name}, nil }}
	if err := AddIndexers(inf, byName); err != nil {
		t.Fatal(err)
	}
	f.Start(nil)
	waitFor(t, "sync", inf.HasSynced)
	// A second term adds the same index to the running informer.
	if err := AddIndexers(inf, byName); err != nil {
		t.Fatalf("second AddIndexers: %v", err)
	}
	if err := inf.AddIndexers(byName); err == nil {
		t.Fatal("client-go accepted a duplicate index: AddIndexers is not needed")
	}
	objs, err := inf.GetIndexer().ByIndex("name", "a")
	if err != nil || len(objs) != 1 {
		t.Fatalf("ByIndex: %v, %d objects", err, len(objs))
	}
}
