package storage

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"

	"orca/internal/etcd"
)

var testClient *clientv3.Client

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orca-storage-test")
	if err != nil {
		panic(err)
	}
	e, err := etcd.StartEmbedded(context.Background(), dir)
	if err != nil {
		panic(err)
	}
	testClient = e.Client
	code := m.Run()
	e.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

var storeSeq int

// newTestStore returns a ConfigMap store under a fresh prefix with its cache running.
func newTestStore(t *testing.T, copts CacheOptions) *Store {
	t.Helper()
	storeSeq++
	return newTestStoreAt(t, fmt.Sprintf("/registry/test%d/configmaps/", storeSeq), copts)
}

// newTestStoreAt starts a store (and its cache) on prefix.
func newTestStoreAt(t *testing.T, prefix string, copts CacheOptions) *Store {
	t.Helper()
	s := newConfigMapStore(prefix, copts)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go s.Run(ctx)
	<-s.Ready()
	return s
}

// newConfigMapStore is a ConfigMap store on prefix whose cache is not
// running yet.
func newConfigMapStore(prefix string, copts CacheOptions) *Store {
	return NewStore(testClient, NewCodec(scheme.Scheme), Config{
		GR:     schema.GroupResource{Resource: "configmaps"},
		Prefix: prefix,
		NewObj: func() runtime.Object { return &corev1.ConfigMap{} },
		Attrs: func(obj runtime.Object) (labels.Set, fields.Set) {
			cm := obj.(*corev1.ConfigMap)
			return cm.Labels, fields.Set{"metadata.name": cm.Name, "metadata.namespace": cm.Namespace}
		},
	}, copts)
}

func cm(ns, name string, lbl map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbl}, Data: map[string]string{"n": "0"}}
}

func rvOf(t *testing.T, obj runtime.Object) uint64 {
	t.Helper()
	rv, err := strconv.ParseUint(obj.(metav1.Object).GetResourceVersion(), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

func TestCreateGetUpdateDelete(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "a")
	created, err := s.Create(ctx, key, cm("ns", "a", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, key, cm("ns", "a", nil), 0); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: got %v, want AlreadyExists", err)
	}
	got, err := s.Get(ctx, key, "")
	if err != nil || rvOf(t, got) != rvOf(t, created) {
		t.Fatalf("get: %v %v", got, err)
	}
	upd, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.ConfigMap).Data["n"] = "1"
		return cur, nil
	})
	if err != nil || rvOf(t, upd) <= rvOf(t, created) {
		t.Fatalf("update: %v %v", upd, err)
	}
	// A no-op update keeps the resourceVersion.
	same, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) { return cur, nil })
	if err != nil || rvOf(t, same) != rvOf(t, upd) {
		t.Fatalf("no-op update changed rv: %v -> %v (%v)", upd, same, err)
	}
	if _, err := s.Delete(ctx, key, func(runtime.Object) error { return apierrors.NewConflict(s.GR, "a", errModified) }); !apierrors.IsConflict(err) {
		t.Fatalf("delete with failing precondition: %v", err)
	}
	if _, err := s.Delete(ctx, key, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, key, ""); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "counter")
	if _, err := s.Create(ctx, key, cm("ns", "counter", nil), 0); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				_, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
					c := cur.(*corev1.ConfigMap)
					n, _ := strconv.Atoi(c.Data["n"])
					c.Data["n"] = strconv.Itoa(n + 1)
					return c, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, _ := s.Get(ctx, key, "")
	if n := got.(*corev1.ConfigMap).Data["n"]; n != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", n, workers*each)
	}
}

func TestListSemantics(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	for i := 0; i < 25; i++ {
		lbl := map[string]string{"parity": strconv.Itoa(i % 2)}
		if _, err := s.Create(ctx, Key(s.Prefix, "ns", fmt.Sprintf("o%02d", i)), cm("ns", fmt.Sprintf("o%02d", i), lbl), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, Key(s.Prefix, "other", "x"), cm("other", "x", nil), 0); err != nil {
		t.Fatal(err)
	}
	ns := NamespacePrefix(s.Prefix, "ns")
	// Consistent list from the cache sees every write just made.
	all, err := s.List(ctx, ns, ListOptions{})
	if err != nil || len(all.Items) != 25 {
		t.Fatalf("consistent list: %d items, %v", len(all.Items), err)
	}
	sel, _ := labels.Parse("parity=1")
	odd, err := s.List(ctx, ns, ListOptions{ResourceVersion: "0", Predicate: Predicate{Label: sel}})
	if err != nil || len(odd.Items) != 12 {
		t.Fatalf("label selector: %d items, %v", len(odd.Items), err)
	}
	// Pages of 10 walk all 25, in key order, at one revision.
	var names []string
	opts := ListOptions{Limit: 10}
	for page := 0; ; page++ {
		res, err := s.List(ctx, ns, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			names = append(names, it.(*corev1.ConfigMap).Name)
		}
		if page == 0 && (res.RemainingItemCount == nil || *res.RemainingItemCount != 15) {
			t.Fatalf("remainingItemCount = %v, want 15", res.RemainingItemCount)
		}
		if res.Continue == "" {
			break
		}
		opts.Continue = res.Continue
	}
	if len(names) != 25 || names[0] != "o00" || names[24] != "o24" {
		t.Fatalf("paged names %v", names)
	}
	// Exact reads see history.
	exact, err := s.List(ctx, ns, ListOptions{ResourceVersion: strconv.FormatUint(all.ResourceVersion, 10), ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if err != nil || len(exact.Items) != 25 {
		t.Fatalf("exact: %v %v", exact, err)
	}
	if _, err := s.List(ctx, ns, ListOptions{ResourceVersionMatch: metav1.ResourceVersionMatchExact}); !apierrors.IsBadRequest(err) {
		t.Fatalf("match without rv: %v", err)
	}
	if _, err := s.List(ctx, ns, ListOptions{Continue: "garbage"}); !apierrors.IsBadRequest(err) {
		t.Fatalf("bad continue: %v", err)
	}
	if _, err := s.List(ctx, ns, ListOptions{ResourceVersion: strconv.FormatUint(all.ResourceVersion+1000, 10), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}); !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) {
		t.Fatalf("future rv: %v", err)
	}
}

// next returns the watcher's next event, buffering what Drain hands over.
func next(t *testing.T, w *Watch) WatchEvent {
	t.Helper()
	if q := queued[w]; len(q) > 0 {
		queued[w] = q[1:]
		return q[0]
	}
	select {
	case <-w.Ready():
		queued[w] = w.Drain(nil)
		return next(t, w)
	case <-w.Done():
		t.Fatal("watch ended")
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event in 5s")
	}
	return WatchEvent{}
}

var queued = map[*Watch][]WatchEvent{}

func TestWatchResumeAndSelectors(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "w")
	c0, _ := s.Create(ctx, key, cm("ns", "w", map[string]string{"app": "x"}), 0)
	sel, _ := labels.Parse("app=x")
	w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, c0), 10), Predicate: Predicate{Label: sel}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if len(w.Initial) != 0 {
		t.Fatalf("resume from current rv replayed %d events", len(w.Initial))
	}
	// Label leaves the selection: the watcher sees DELETED; returns: ADDED.
	for _, step := range []struct {
		app  string
		want watch.EventType
	}{{"y", watch.Deleted}, {"x", watch.Added}, {"x2", watch.Deleted}} {
		if _, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.ConfigMap).Labels["app"] = step.app
			return cur, nil
		}); err != nil {
			t.Fatal(err)
		}
		if e := next(t, w); e.Type != step.want {
			t.Fatalf("app=%s: got %s, want %s", step.app, e.Type, step.want)
		}
	}
	// A second watcher resuming from c0 replays the three changes unfiltered.
	w2, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, c0), 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	if len(w2.Initial) != 3 || w2.Initial[0].Type != watch.Modified {
		t.Fatalf("replay: %+v", w2.Initial)
	}
	// Watch with rv "0" starts with the current state.
	w3, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w3.Stop()
	if len(w3.Initial) != 1 || w3.Initial[0].Type != watch.Added {
		t.Fatalf("rv=0 initial: %+v", w3.Initial)
	}
	if _, err := s.Delete(ctx, key, nil); err != nil {
		t.Fatal(err)
	}
	if e := next(t, w3); e.Type != watch.Deleted || e.Object.Get().(*corev1.ConfigMap).Name != "w" {
		t.Fatalf("delete event: %+v", e)
	}
}

func TestWatchTooOldIsGone(t *testing.T) {
	s := newTestStore(t, CacheOptions{MinEvents: 4, MaxEvents: 4})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "g")
	first, _ := s.Create(ctx, key, cm("ns", "g", nil), 0)
	var last runtime.Object
	for i := 0; i < 10; i++ {
		last, _ = s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.ConfigMap).Data["n"] = strconv.Itoa(i + 1)
			return cur, nil
		})
	}
	if _, err := s.List(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, last), 10), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, first), 10)})
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from evicted rv: got %v, want 410 Expired", err)
	}
}

func TestBookmarks(t *testing.T) {
	s := newTestStore(t, CacheOptions{BookmarkInterval: 50 * time.Millisecond})
	ctx := context.Background()
	c0, _ := s.Create(ctx, Key(s.Prefix, "ns", "b"), cm("ns", "b", nil), 0)
	w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, c0), 10), AllowBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if e := next(t, w); e.Type != watch.Bookmark || e.RV < rvOf(t, c0) {
		t.Fatalf("got %+v, want bookmark at >= %d", e, rvOf(t, c0))
	}
}

func TestManyWatchersAllNotified(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	var ws []*Watch
	for i := 0; i < 200; i++ {
		w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		ws = append(ws, w)
	}
	if _, err := s.Create(ctx, Key(s.Prefix, "ns", "m"), cm("ns", "m", nil), 0); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if e := next(t, w); e.Type != watch.Added {
			t.Fatalf("got %s", e.Type)
		}
	}
}

// Objects with a TTL share a lease, and etcd still removes them.
func TestTTLObjectsShareALease(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	for _, name := range []string{"e1", "e2"} {
		if _, err := s.Create(ctx, Key(s.Prefix, "ns", name), cm("ns", name, nil), 3600); err != nil {
			t.Fatal(err)
		}
	}
	r1, _ := testClient.Get(ctx, Key(s.Prefix, "ns", "e1"))
	r2, _ := testClient.Get(ctx, Key(s.Prefix, "ns", "e2"))
	if r1.Kvs[0].Lease == 0 || r1.Kvs[0].Lease != r2.Kvs[0].Lease {
		t.Fatalf("leases %d and %d, want one shared non-zero lease", r1.Kvs[0].Lease, r2.Kvs[0].Lease)
	}
	ttl, err := testClient.TimeToLive(ctx, clientv3.LeaseID(r1.Kvs[0].Lease))
	if err != nil || ttl.GrantedTTL != 3600+60 {
		t.Fatalf("granted TTL %d (%v), want 3660", ttl.GrantedTTL, err)
	}
	if _, err := testClient.Revoke(ctx, clientv3.LeaseID(r1.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, Key(s.Prefix, "ns", "e2"), ""); !apierrors.IsNotFound(err) {
		t.Fatalf("object outlived its lease: %v", err)
	}
}

// A stale watch cache is only the first guess of an update: updates and
// deletes still act on etcd's newest state, and what the guess got wrong
// (an error, a no-op) is checked against it. The store's own writes are
// never guessed from before them.
func TestUpdatesFromStaleCache(t *testing.T) {
	storeSeq++
	prefix := fmt.Sprintf("/registry/test%d/configmaps/", storeSeq)
	stale := newConfigMapStore(prefix, CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { stale.Run(ctx); close(done) }()
	defer cancel()
	<-stale.Ready()
	live := newTestStoreAt(t, prefix, CacheOptions{})
	bg := context.Background()
	key := func(name string) string { return Key(prefix, "ns", name) }
	var last runtime.Object
	names := []string{"a", "b", "c", "gone"}
	for _, name := range names {
		var err error
		if last, err = live.Create(bg, key(name), cm("ns", name, nil), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stale.Get(bg, key("gone"), strconv.FormatUint(rvOf(t, last), 10)); err != nil {
		t.Fatal(err) // the stale store's cache has them all
	}
	cancel()
	<-done // from here its cache no longer follows etcd
	bump := func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*corev1.ConfigMap)
		n, _ := strconv.Atoi(c.Data["n"])
		c.Data["n"] = strconv.Itoa(n + 1)
		return c, nil
	}
	for _, name := range names[:3] { // n = 1 in etcd, 0 in the stale cache
		if _, err := live.Update(bg, key(name), bump); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := live.Delete(bg, key("gone"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Create(bg, key("new"), cm("ns", "new", nil), 0); err != nil {
		t.Fatal(err)
	}
	update := func(name string, fn UpdateFunc) (runtime.Object, []string, error) {
		var seen []string
		out, err := stale.Update(bg, key(name), func(cur runtime.Object) (runtime.Object, error) {
			seen = append(seen, cur.(*corev1.ConfigMap).Data["n"])
			return fn(cur)
		})
		return out, seen, err
	}
	n := func(obj runtime.Object) string { return obj.(*corev1.ConfigMap).Data["n"] }

	got, seen, err := update("a", bump)
	if err != nil || n(got) != "2" || !slices.Equal(seen, []string{"0", "1"}) {
		t.Fatalf("update from the stale guess: %v %v, saw %v (want the cached 0, then etcd's 1)", got, err, seen)
	}
	// Its own write is not guessed from the version before it.
	if got, seen, err = update("a", bump); err != nil || n(got) != "3" || !slices.Equal(seen, []string{"2"}) {
		t.Fatalf("update after the store's own write: %v %v, saw %v (want etcd's 2 only)", got, err, seen)
	}
	// An error on the stale guess is retried on the newest state.
	got, seen, err = update("b", func(cur runtime.Object) (runtime.Object, error) {
		if n(cur) != "1" {
			return nil, apierrors.NewConflict(stale.GR, "b", errModified)
		}
		return bump(cur)
	})
	if err != nil || n(got) != "2" || !slices.Equal(seen, []string{"0", "1"}) {
		t.Fatalf("precondition failing only on the stale guess: %v %v, saw %v", got, err, seen)
	}
	// So is a no-op: the answer is the newest state and its version.
	newest, err := live.Get(bg, key("c"), "")
	if err != nil {
		t.Fatal(err)
	}
	got, seen, err = update("c", func(cur runtime.Object) (runtime.Object, error) { return cur, nil })
	if err != nil || rvOf(t, got) != rvOf(t, newest) || n(got) != "1" || !slices.Equal(seen, []string{"0", "1"}) {
		t.Fatalf("no-op on the stale guess: %v (%v), saw %v, want rv %d", got, err, seen, rvOf(t, newest))
	}
	if _, _, err := update("gone", bump); !apierrors.IsNotFound(err) {
		t.Fatalf("update of an object deleted since the cache stopped: %v, want NotFound", err)
	}
	if _, err := stale.Delete(bg, key("gone"), nil); !apierrors.IsNotFound(err) {
		t.Fatalf("delete of an object deleted since the cache stopped: %v, want NotFound", err)
	}
	if got, _, err := update("new", bump); err != nil || n(got) != "1" {
		t.Fatalf("update of an object the cache never saw: %v %v", got, err)
	}
	if _, err := stale.Delete(bg, key("b"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Get(bg, key("b"), ""); !apierrors.IsNotFound(err) {
		t.Fatalf("delete from the stale guess left the object: %v", err)
	}
}

// Updates of one object back to back: the worst case for the cache's first
// guess, which may not have seen the previous write yet.
func BenchmarkUpdateSameObject(b *testing.B) {
	ctx, s := benchStore(b)
	key := Key(s.Prefix, "ns", "a")
	if _, err := s.Create(ctx, key, cm("ns", "a", nil), 0); err != nil {
		b.Fatal(err)
	}
	attempts := 0
	b.ReportAllocs()
	for b.Loop() {
		attempts += countUp(ctx, b, s, key)
	}
	b.ReportMetric(float64(attempts)/float64(b.N), "attempts/op")
}

// Updates going round many objects, each last written long enough ago for
// the cache to have it: the usual case (a kubelet's status writes, a
// controller's), where the first guess saves the etcd read.
func BenchmarkUpdateManyObjects(b *testing.B) {
	ctx, s := benchStore(b)
	const objects = 1000
	keys := make([]string, objects)
	var last runtime.Object
	for i := range keys {
		keys[i] = Key(s.Prefix, "ns", fmt.Sprintf("cm-%d", i))
		var err error
		if last, err = s.Create(ctx, keys[i], cm("ns", fmt.Sprintf("cm-%d", i), map[string]string{"app": "a"}), 0); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, keys[objects-1], strconv.FormatUint(rvOf(&testing.T{}, last), 10)); err != nil {
		b.Fatal(err)
	}
	attempts, i := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		attempts += countUp(ctx, b, s, keys[i%objects])
		i++
	}
	b.ReportMetric(float64(attempts)/float64(b.N), "attempts/op")
}

// benchStore is a fresh ConfigMap store with its cache running until the
// benchmark ends.
func benchStore(b *testing.B) (context.Context, *Store) {
	storeSeq++
	s := newConfigMapStore(fmt.Sprintf("/registry/bench%d/configmaps/", storeSeq), CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go s.Run(ctx)
	<-s.Ready()
	return ctx, s
}

// countUp increments the ConfigMap's data["n"] and returns how many
// attempts the update took.
func countUp(ctx context.Context, b *testing.B, s *Store, key string) int {
	attempts := 0
	if _, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
		attempts++
		c := cur.(*corev1.ConfigMap)
		n, _ := strconv.Atoi(c.Data["n"])
		c.Data["n"] = strconv.Itoa(n + 1)
		return c, nil
	}); err != nil {
		b.Fatal(err)
	}
	return attempts
}
