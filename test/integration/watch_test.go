package integration

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"

	"orca/internal/storage"
)

func rvOf(t *testing.T, obj any) uint64 {
	t.Helper()
	var s string
	if m, err := meta.Accessor(obj); err == nil {
		s = m.GetResourceVersion()
	} else if l, err := meta.ListAccessor(obj); err == nil {
		s = l.GetResourceVersion()
	} else {
		t.Fatalf("%T has no resourceVersion", obj)
	}
	rv, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", s, err)
	}
	return rv
}

func TestWatchResume(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	a := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{}))(t)

	// Changes a watcher that saw only "a" missed.
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{}))(t)
	a.Data = map[string]string{"k": "v"}
	must(cms.Update(ctx, a, metav1.UpdateOptions{}))(t)
	if err := cms.Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	want := []struct {
		typ  watch.EventType
		name string
	}{{watch.Added, "b"}, {watch.Modified, "a"}, {watch.Deleted, "b"}}
	last := rvOf(t, a)
	for _, wn := range want {
		e := nextNonBookmark(t, w, 10*time.Second)
		if e.Type != wn.typ || metaName(t, e.Object) != wn.name {
			t.Fatalf("event %s %s, want %s %s", e.Type, metaName(t, e.Object), wn.typ, wn.name)
		}
		if rv := rvOf(t, e.Object); rv <= last {
			t.Fatalf("event resourceVersions not increasing: %d after %d", rv, last)
		} else {
			last = rv
		}
	}
}

// TestWatchResumeNoReplay: a watch from a list's resourceVersion starts
// with the changes after the list, not the listed objects.
func TestWatchFromListResourceVersion(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	for i := 0; i < 3; i++ {
		must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("old%d", i)}}, metav1.CreateOptions{}))(t)
	}
	list := must(cms.List(ctx, metav1.ListOptions{}))(t)
	w := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion}))(t)
	defer w.Stop()
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, metav1.CreateOptions{}))(t)
	e := nextNonBookmark(t, w, 10*time.Second)
	if e.Type != watch.Added || metaName(t, e.Object) != "new" {
		t.Fatalf("first event %s %s, want ADDED new", e.Type, metaName(t, e.Object))
	}

	// "" and "0" begin with the current state as ADDED events.
	for _, rv := range []string{"", "0"} {
		w := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: rv}))(t)
		seen := map[string]bool{}
		for len(seen) < 4 {
			e := nextNonBookmark(t, w, 10*time.Second)
			if e.Type != watch.Added {
				t.Fatalf("rv=%q: %s before the initial state was complete", rv, e.Type)
			}
			seen[metaName(t, e.Object)] = true
		}
		w.Stop()
	}
}

// TestWatchSelectors: objects moving in and out of a selector's view are
// ADDED and DELETED for the watcher.
func TestWatchSelectors(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	w := must(cms.Watch(ctx, metav1.ListOptions{LabelSelector: "color=blue"}))(t)
	defer w.Stop()
	byName := must(cms.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=x"}))(t)
	defer byName.Stop()

	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{"color": "red"}}}, metav1.CreateOptions{}))(t)
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "y", Labels: map[string]string{"color": "blue"}}}, metav1.CreateOptions{}))(t)
	must(cms.Patch(ctx, "x", types.MergePatchType, []byte(`{"metadata":{"labels":{"color":"blue"}}}`), metav1.PatchOptions{}))(t)
	must(cms.Patch(ctx, "x", types.MergePatchType, []byte(`{"data":{"k":"v"}}`), metav1.PatchOptions{}))(t)
	must(cms.Patch(ctx, "y", types.MergePatchType, []byte(`{"metadata":{"labels":{"color":"green"}}}`), metav1.PatchOptions{}))(t)
	if err := cms.Delete(ctx, "x", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	var lastRV uint64
	for _, want := range []string{"ADDED y", "ADDED x", "MODIFIED x", "DELETED y", "DELETED x"} {
		e := nextNonBookmark(t, w, 10*time.Second)
		if got := string(e.Type) + " " + metaName(t, e.Object); got != want {
			t.Fatalf("label-selected watch: %s, want %s", got, want)
		}
		// An object leaving the selection is DELETED with the content that
		// matched, at the revision of the change (as upstream).
		if cm := e.Object.(*corev1.ConfigMap); cm.Labels["color"] != "blue" || rvOf(t, cm) <= lastRV {
			t.Fatalf("%s: labels %v at %s after %d", want, cm.Labels, cm.ResourceVersion, lastRV)
		}
		lastRV = rvOf(t, e.Object)
	}
	for _, want := range []string{"ADDED", "MODIFIED", "MODIFIED", "DELETED"} {
		e := nextNonBookmark(t, byName, 10*time.Second)
		if string(e.Type) != want || metaName(t, e.Object) != "x" {
			t.Fatalf("name-selected watch: %s %s, want %s x", e.Type, metaName(t, e.Object), want)
		}
	}
	// The watch of one object by URL (GET .../configmaps/x?watch=true) too.
	r := doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/configmaps/y?watch=true&timeoutSeconds=1", nil)
	if r.Code != 200 || !containsAll(string(r.Body), `"type":"ADDED"`, `"name":"y"`) || containsAll(string(r.Body), `"name":"x"`) {
		t.Fatalf("watch of one object: %d %s", r.Code, r.Body)
	}
}

// TestWatchTooOld: a watch from a resourceVersion older than the watch
// cache's window of events gets a 410 Gone (Expired) ERROR event, so clients relist.
func TestWatchTooOld(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	leases := client.CoordinationV1().Leases(ns)
	first := must(leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "first"}}, metav1.CreateOptions{}))(t)

	// Push the event window past first's revision: the cache keeps at most
	// 100Ki events per resource, so write more than that. Through the API
	// that would take minutes; write straight to etcd, 128 objects per
	// transaction (etcd's limit), as the apiserver itself would store them.
	cli := etcdClient(t)
	codec := storage.NewCodec(scheme.Scheme)
	prefix := storage.ResourcePrefix("coordination.k8s.io", "leases") + ns + "/"
	const perTxn, txns = 128, 830
	var last int64
	for i := 0; i < txns; i++ {
		ops := make([]clientv3.Op, 0, perTxn)
		for j := 0; j < perTxn; j++ {
			l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("l%d", j), Namespace: ns, UID: types.UID(fmt.Sprintf("uid-%d", j))},
				Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptrTo(int32(i))}}
			data, err := codec.Encode(l)
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, clientv3.OpPut(prefix+l.Name, string(data)))
		}
		resp, err := cli.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
	}
	t.Cleanup(func() { cli.Delete(context.Background(), prefix+"l", clientv3.WithPrefix()) })

	// Wait until the cache has seen the last write.
	eventually(t, 60*time.Second, "the watch cache to catch up", func() (bool, error) {
		_, err := leases.Get(ctx, "l0", metav1.GetOptions{ResourceVersion: strconv.FormatInt(last, 10)})
		return err == nil, err
	})

	// As upstream's watch cache, the answer is a 200 stream whose one event
	// is an ERROR carrying the 410 Status.
	old, err := leases.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatalf("watch from a too old resourceVersion: %v, want an ERROR event", err)
	}
	select {
	case ev := <-old.ResultChan():
		if ev.Type != watch.Error {
			t.Fatalf("first event %s, want ERROR", ev.Type)
		}
		err = apierrors.FromObject(ev.Object)
	case <-time.After(10 * time.Second):
		t.Fatal("no event on a watch from a too old resourceVersion")
	}
	old.Stop()
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from a too old resourceVersion: %v, want 410 Expired/Gone", err)
	}
	if statusCode(err) != 410 {
		t.Fatalf("code %d, want 410", statusCode(err))
	}

	// A recent resourceVersion is still inside the window.
	w, err := leases.Watch(ctx, metav1.ListOptions{ResourceVersion: strconv.FormatInt(last-1, 10)})
	if err != nil {
		t.Fatalf("watch from a recent resourceVersion: %v", err)
	}
	defer w.Stop()
	e := nextNonBookmark(t, w, 10*time.Second)
	if e.Type != watch.Modified || rvOf(t, e.Object) != uint64(last) {
		t.Fatalf("resumed watch: %s at %d, want MODIFIED at %d", e.Type, rvOf(t, e.Object), last)
	}
}

func TestWatchBookmarks(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{}))(t)
	w := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: cm.ResourceVersion, AllowWatchBookmarks: true}))(t)
	defer w.Stop()
	e := nextEvent(t, w, 10*time.Second) // the server's bookmark interval is 1s
	if e.Type != watch.Bookmark {
		t.Fatalf("got %s, want BOOKMARK", e.Type)
	}
	bm, ok := e.Object.(*corev1.ConfigMap)
	if !ok {
		t.Fatalf("bookmark object is %T, want *v1.ConfigMap", e.Object)
	}
	if rvOf(t, bm) < rvOf(t, cm) || bm.Name != "" {
		t.Fatalf("bookmark %+v: want only a resourceVersion >= %s", bm.ObjectMeta, cm.ResourceVersion)
	}
	// Without allowWatchBookmarks there are none.
	w2 := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: cm.ResourceVersion}))(t)
	defer w2.Stop()
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-bookmarks"}}, metav1.CreateOptions{}))(t)
	// Wait for two bookmark intervals' worth on the first watch, then check w2.
	for n := 0; n < 2; {
		if ev := nextEvent(t, w, 10*time.Second); ev.Type == watch.Bookmark {
			n++
		}
	}
	e2 := nextEvent(t, w2, 10*time.Second)
	if e2.Type != watch.Added || metaName(t, e2.Object) != "after-bookmarks" {
		t.Fatalf("watch without bookmarks: %s", e2.Type)
	}
	select {
	case ev := <-w2.ResultChan():
		t.Fatalf("unexpected event %s on a watch without bookmarks", ev.Type)
	default:
	}
}

func TestWatchSendInitialEvents(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	var maxRV uint64
	for i := 0; i < 3; i++ {
		cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i)}}, metav1.CreateOptions{}))(t)
		maxRV = max(maxRV, rvOf(t, cm))
	}
	for _, rv := range []string{"", strconv.FormatUint(maxRV, 10)} {
		t.Run("rv="+rv, func(t *testing.T) {
			w, err := cms.Watch(ctx, metav1.ListOptions{
				SendInitialEvents: ptrTo(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
				ResourceVersion: rv, AllowWatchBookmarks: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			seen := map[string]bool{}
			for {
				e := nextEvent(t, w, 10*time.Second)
				if e.Type == watch.Bookmark {
					m, _ := meta.Accessor(e.Object)
					if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] != "true" {
						continue // a periodic bookmark before the end of the initial events
					}
					if len(seen) != 3 {
						t.Fatalf("initial-events-end bookmark after %d objects, want 3", len(seen))
					}
					if rvOf(t, e.Object) < maxRV {
						t.Fatalf("initial-events-end bookmark at %d, before the objects (%d)", rvOf(t, e.Object), maxRV)
					}
					break
				}
				if e.Type != watch.Added {
					t.Fatalf("initial event %s", e.Type)
				}
				seen[metaName(t, e.Object)] = true
			}
		})
	}
}

func TestInformers(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before"}}, metav1.CreateOptions{}))(t)

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().ConfigMaps()
	var mu sync.Mutex
	var got []string
	events := make(chan struct{}, 100)
	record := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
		events <- struct{}{}
	}
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { record("add " + obj.(*corev1.ConfigMap).Name) },
		UpdateFunc: func(old, cur any) {
			record("update " + cur.(*corev1.ConfigMap).Name + " " + cur.(*corev1.ConfigMap).Data["k"])
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			record("delete " + obj.(*corev1.ConfigMap).Name)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	factory.Start(stop)
	for typ, ok := range factory.WaitForCacheSync(ctxTimeout(t, 30*time.Second).Done()) {
		if !ok {
			t.Fatalf("informer for %v did not sync", typ)
		}
	}
	if _, err := inf.Lister().ConfigMaps(ns).Get("before"); err != nil {
		t.Fatalf("lister after sync: %v", err)
	}

	cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "live"}}, metav1.CreateOptions{}))(t)
	cm.Data = map[string]string{"k": "1"}
	must(cms.Update(ctx, cm, metav1.UpdateOptions{}))(t)
	if err := cms.Delete(ctx, "live", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"add before", "add live", "update live 1", "delete live"}
	deadline := time.After(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) {
			break
		}
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("informer saw %v, want %v", got, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("informer saw %v, want %v", got, want)
	}
	if _, err := inf.Lister().ConfigMaps(ns).Get("live"); !apierrors.IsNotFound(err) {
		t.Fatalf("lister still has the deleted object: %v", err)
	}
}

// TestWatchWithoutInitialEvents: sendInitialEvents=false from "" or "0"
// starts at the present, with no replay and no 410.
func TestWatchWithoutInitialEvents(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "old"}}, metav1.CreateOptions{}))(t)
	for i, rv := range []string{"", "0"} {
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: rv, SendInitialEvents: ptrTo(false),
			ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
		if err != nil {
			t.Fatalf("rv=%q without initial events: %v", rv, err)
		}
		name := fmt.Sprintf("new%d", i)
		must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}))(t)
		if e := nextNonBookmark(t, w, 10*time.Second); e.Type != watch.Added || metaName(t, e.Object) != name {
			t.Fatalf("rv=%q without initial events: first event %s %s, want ADDED %s", rv, e.Type, metaName(t, e.Object), name)
		}
		w.Stop()
	}
}

// TestReadAtAnotherResourcesRevision: a resourceVersion is a revision of
// the whole store. Reads and watches of one resource at a revision written
// by another resource (which that resource's cache saw no event at) are
// served at once, not refused as too large.
func TestReadAtAnotherResourcesRevision(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{}))(t)
	lease := must(client.CoordinationV1().Leases(ns).Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "l"}}, metav1.CreateOptions{}))(t)
	rv := lease.ResourceVersion

	start := time.Now()
	l, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: rv, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
	if err != nil || len(l.Items) != 1 || rvOf(t, l) < rvOf(t, lease) {
		t.Fatalf("list at another resource's revision: %v", err)
	}
	if _, err := cms.Get(ctx, "c", metav1.GetOptions{ResourceVersion: rv}); err != nil {
		t.Fatalf("get at another resource's revision: %v", err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		t.Fatalf("watch at another resource's revision: %v", err)
	}
	defer w.Stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("reads at another resource's revision took %v", d)
	}
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{}))(t)
	if e := nextNonBookmark(t, w, 10*time.Second); e.Type != watch.Added || metaName(t, e.Object) != "after" {
		t.Fatalf("watch from another resource's revision: %s %s", e.Type, metaName(t, e.Object))
	}
}
