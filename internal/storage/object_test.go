package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Superseded versions far back in the event window are compacted to their
// storage bytes; a watcher resuming from before them still gets every
// version, with its content and resourceVersion.
func TestCompactedVersionsReplayExactly(t *testing.T) {
	s := newTestStore(t, CacheOptions{compactBehind: 3})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "c")
	first, err := s.Create(ctx, key, cm("ns", "c", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	var rvs []uint64
	for i := 1; i <= 8; i++ {
		o, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.ConfigMap).Data["n"] = strconv.Itoa(i)
			return cur, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rvs = append(rvs, rvOf(t, o))
	}
	if _, err := s.Delete(ctx, key, nil); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, first), 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	events := w.Initial
	for len(events) < 9 { // the cache may not have seen the last writes yet
		events = append(events, next(t, w))
	}
	compacted := 0
	for i, e := range events[:8] {
		if e.Object.obj == nil {
			compacted++
		}
		got := e.Object.Get().(*corev1.ConfigMap)
		if got.Data["n"] != strconv.Itoa(i+1) || got.ResourceVersion != strconv.FormatUint(rvs[i], 10) || e.Type != watch.Modified {
			t.Errorf("event %d: %s n=%s rv=%s, want MODIFIED n=%d rv=%d", i, e.Type, got.Data["n"], got.ResourceVersion, i+1, rvs[i])
		}
		// Encoding a compacted version works and is not kept.
		b, err := e.Object.Encoded("test", func(o runtime.Object) ([]byte, error) { return []byte(o.(*corev1.ConfigMap).Data["n"]), nil })
		if err != nil || string(b) != strconv.Itoa(i+1) {
			t.Errorf("event %d encoded %q, %v", i, b, err)
		}
	}
	if compacted < 5 {
		t.Errorf("%d of the 8 superseded versions are compacted, want those more than 3 events back", compacted)
	}
	if last := events[8]; last.Type != watch.Deleted || last.Object.Get().(*corev1.ConfigMap).Data["n"] != "8" {
		t.Errorf("last event %s %+v, want the deleted object's last state", last.Type, last.Object.Get())
	}
}

// A current version far back in the window goes cold: it drops its
// decoded form and encodings, and reads decode it again, with its content
// and resourceVersion.
func TestCurrentVersionsGoColdFarBack(t *testing.T) {
	s := newTestStore(t, CacheOptions{compactBehind: 3})
	ctx := context.Background()
	keyA, keyB := Key(s.Prefix, "ns", "a"), Key(s.Prefix, "ns", "b")
	created, err := s.Create(ctx, keyA, cm("ns", "a", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := cachedObject(t, s, keyA, "")
	encodes := 0
	enc := func(runtime.Object) ([]byte, error) { encodes++; return []byte("a"), nil }
	a.Encoded("test", enc)
	a.Encoded("test", enc)
	if encodes != 1 {
		t.Fatalf("encoded %d times before compaction, want once (memoised)", encodes)
	}
	b, err := s.Create(ctx, keyB, cm("ns", "b", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if b, err = s.Update(ctx, keyB, func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.ConfigMap).Data["n"] = strconv.Itoa(i)
			return cur, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	cachedObject(t, s, keyB, b.(*corev1.ConfigMap).ResourceVersion) // the cache has seen every write
	if !a.cold() {
		t.Fatal("the current version four events back is still decoded")
	}
	a.Encoded("test", enc)
	a.Encoded("test", enc)
	if encodes != 3 {
		t.Errorf("encoded %d times, want the encoding dropped and made on every use while cold", encodes)
	}
	got, err := s.Get(ctx, keyA, "1")
	if err != nil {
		t.Fatal(err)
	}
	if c := got.(*corev1.ConfigMap); c.Name != "a" || c.Data["n"] != "0" || c.ResourceVersion != created.(*corev1.ConfigMap).ResourceVersion {
		t.Errorf("cold object read back as %+v, want a, n=0, rv %s", c, created.(*corev1.ConfigMap).ResourceVersion)
	}
	// A cold object deleted: its watchers get its last state at the
	// delete's revision.
	w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: b.(*corev1.ConfigMap).ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := s.Delete(ctx, keyA, nil); err != nil {
		t.Fatal(err)
	}
	ev := next(t, w)
	if c := ev.Object.Get().(*corev1.ConfigMap); ev.Type != watch.Deleted || c.Name != "a" || c.Data["n"] != "0" || rvOf(t, c) <= rvOf(t, b) {
		t.Errorf("delete event %s %+v, want DELETED a n=0 at a newer revision", ev.Type, c)
	}
}

// Objects a (re)list found go cold once a bookmark interval has passed,
// even if they never change, and read back the same.
func TestListedObjectsGoCold(t *testing.T) {
	first := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	var want []string
	for _, name := range []string{"x", "y"} {
		o, err := first.Create(ctx, Key(first.Prefix, "ns", name), cm("ns", name, map[string]string{"app": name}), 0)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, name+"@"+o.(*corev1.ConfigMap).ResourceVersion)
	}
	s := newTestStoreAt(t, first.Prefix, CacheOptions{BookmarkInterval: 20 * time.Millisecond})
	x := cachedObject(t, s, Key(s.Prefix, "ns", "x"), "")
	deadline := time.Now().Add(5 * time.Second)
	for !x.cold() {
		if time.Now().After(deadline) {
			t.Fatal("a listed object is still decoded after many bookmark intervals")
		}
		time.Sleep(5 * time.Millisecond)
	}
	res, err := s.List(ctx, s.Prefix, ListOptions{ResourceVersion: "0", Predicate: Predicate{Label: labels.SelectorFromSet(labels.Set{"app": "y"})}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Items {
		got = append(got, o.(*corev1.ConfigMap).Name+"@"+o.(*corev1.ConfigMap).ResourceVersion)
	}
	if len(got) != 1 || got[0] != want[1] {
		t.Errorf("list app=y from cold objects: %v, want [%s]", got, want[1])
	}
}

// cachedObject waits until the cache holds key (at rv, if given).
func cachedObject(t *testing.T, s *Store, key, rv string) *Object {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.cache.mu.Lock()
		e := s.cache.objs[key]
		s.cache.mu.Unlock()
		if e != nil && (rv == "" || e.obj.Get().(*corev1.ConfigMap).ResourceVersion == rv) {
			return e.obj
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s at rv %q never reached the cache", key, rv)
	return nil
}

// Once its compacted versions reach MaxWindowBytes the window stops
// growing: a watcher resuming from before it relists (410), while one
// within it still resumes.
func TestWindowStopsGrowingAtByteBudget(t *testing.T) {
	for _, budget := range []int{1, 1 << 20} {
		s := newTestStore(t, CacheOptions{MinEvents: 4, MaxWindowBytes: budget, compactBehind: 2})
		ctx := context.Background()
		key := Key(s.Prefix, "ns", "w")
		first, err := s.Create(ctx, key, cm("ns", "w", nil), 0)
		if err != nil {
			t.Fatal(err)
		}
		var last runtime.Object
		for i := 1; i <= 12; i++ {
			if last, err = s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
				cur.(*corev1.ConfigMap).Data["n"] = strconv.Itoa(i)
				return cur, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		cachedObject(t, s, key, last.(*corev1.ConfigMap).ResourceVersion)
		w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rvOf(t, first), 10)})
		if budget == 1 {
			if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
				t.Errorf("budget 1 byte: watch from the first version: %v, want 410", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("budget 1 MiB: watch from the first version: %v", err)
		}
		if len(w.Initial) != 12 {
			t.Errorf("budget 1 MiB: replayed %d events, want 12", len(w.Initial))
		}
		w.Stop()
	}
}

// Events older than MaxEventAge leave the window at the tick, down to
// MinEvents: a watcher resuming from before them relists (410), one from
// within the rest still resumes; younger events stay.
func TestOldEventsExpire(t *testing.T) {
	s := newTestStore(t, CacheOptions{MinEvents: 2, MaxEventAge: time.Hour})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "old")
	first, err := s.Create(ctx, key, cm("ns", "old", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	rvs := []uint64{rvOf(t, first)}
	for i := 1; i <= 5; i++ {
		obj, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.ConfigMap).Data["n"] = strconv.Itoa(i)
			return cur, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rvs = append(rvs, rvOf(t, obj))
	}
	cachedObject(t, s, key, strconv.FormatUint(rvs[5], 10))
	watchFrom := func(rv uint64) (int, error) {
		w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(rv, 10)})
		if err != nil {
			return 0, err
		}
		defer w.Stop()
		return len(w.Initial), nil
	}
	s.cache.expire(time.Now().Add(time.Hour - time.Minute))
	if n, err := watchFrom(rvs[0]); err != nil || n != 5 {
		t.Fatalf("before MaxEventAge: watch from the create replayed %d events (%v), want 5", n, err)
	}
	s.cache.expire(time.Now().Add(time.Hour))
	if _, err := watchFrom(rvs[2]); !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Errorf("after MaxEventAge: watch from an expired event: %v, want 410", err)
	}
	if n, err := watchFrom(rvs[3]); err != nil || n != 2 {
		t.Errorf("after MaxEventAge: watch from before the MinEvents kept replayed %d events (%v), want 2", n, err)
	}
}

// Versions unchanged for coolAfter go cold on the next tick even when
// few events followed them (an idle cluster after a burst), and read
// back the same.
func TestIdleVersionsGoCold(t *testing.T) {
	s := newTestStore(t, CacheOptions{})
	ctx := context.Background()
	key := Key(s.Prefix, "ns", "idle")
	if _, err := s.Create(ctx, key, cm("ns", "idle", nil), 0); err != nil {
		t.Fatal(err)
	}
	last, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.ConfigMap).Data["n"] = "1"
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rv := last.(*corev1.ConfigMap).ResourceVersion
	o := cachedObject(t, s, key, rv)
	s.cache.coolIdle(time.Now())
	if o.cold() {
		t.Fatal("a version seconds old went cold")
	}
	s.cache.coolIdle(time.Now().Add(coolAfter))
	if !o.cold() {
		t.Fatal("a version idle for coolAfter is still decoded")
	}
	got, err := s.Get(ctx, key, rv)
	if err != nil || got.(*corev1.ConfigMap).Data["n"] != "1" || got.(*corev1.ConfigMap).ResourceVersion != rv {
		t.Errorf("cold version read back as %+v, %v", got, err)
	}
}

// Random writes to a few objects while versions go cold at every turn
// (compacted two events back, idle ones cooled): the cache's list is
// etcd's, and a watch from the start replays every change with its
// content and resourceVersion.
func TestColdVersionsRandomized(t *testing.T) {
	s := newTestStore(t, CacheOptions{compactBehind: 2})
	ctx := context.Background()
	start, err := s.Create(ctx, Key(s.Prefix, "ns", "start"), cm("ns", "start", nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	type change struct {
		typ     watch.EventType
		name, n string
		rv      string
	}
	var want []change
	exists := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("o%d", rng.IntN(5))
		key := Key(s.Prefix, "ns", name)
		n := strconv.Itoa(i)
		switch {
		case !exists[name]:
			o, err := s.Create(ctx, key, cm("ns", name, map[string]string{"n": n}), 0)
			if err != nil {
				t.Fatal(err)
			}
			exists[name] = true
			want = append(want, change{watch.Added, name, "0", o.(*corev1.ConfigMap).ResourceVersion})
		case rng.IntN(4) == 0:
			o, err := s.Delete(ctx, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			exists[name] = false
			want = append(want, change{watch.Deleted, name, o.(*corev1.ConfigMap).Data["n"], ""})
		default:
			o, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
				cur.(*corev1.ConfigMap).Data["n"] = n
				return cur, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, change{watch.Modified, name, n, o.(*corev1.ConfigMap).ResourceVersion})
		}
		if i%7 == 0 {
			s.cache.coolIdle(time.Now().Add(time.Hour))
		}
	}
	fromEtcd, err := s.List(ctx, s.Prefix, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cachedObject(t, s, Key(s.Prefix, "ns", "start"), "") // and the cache has every write:
	if _, err := s.List(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(fromEtcd.ResourceVersion, 10)}); err != nil {
		t.Fatal(err)
	}
	s.cache.coolIdle(time.Now().Add(time.Hour))
	s.cache.mu.Lock()
	for k, e := range s.cache.objs {
		if !e.obj.cold() {
			t.Errorf("%s is still decoded after cooling", k)
		}
	}
	s.cache.mu.Unlock()
	fromCache, err := s.List(ctx, s.Prefix, ListOptions{ResourceVersion: strconv.FormatUint(fromEtcd.ResourceVersion, 10)})
	if err != nil {
		t.Fatal(err)
	}
	dump := func(l *ListResult) string {
		var b strings.Builder
		for _, o := range l.Items {
			c := o.(*corev1.ConfigMap)
			fmt.Fprintf(&b, "%s n=%s rv=%s labels=%v\n", c.Name, c.Data["n"], c.ResourceVersion, c.Labels)
		}
		return b.String()
	}
	if a, b := dump(fromEtcd), dump(fromCache); a != b {
		t.Errorf("list from the cache differs from etcd's:\n%s\nvs\n%s", b, a)
	}

	w, err := s.Watch(ctx, s.Prefix, ListOptions{ResourceVersion: start.(*corev1.ConfigMap).ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	replayed := w.Initial
	for i, c := range want {
		var ev WatchEvent
		if i < len(replayed) {
			ev = replayed[i]
		} else {
			ev = next(t, w)
		}
		got := ev.Object.Get().(*corev1.ConfigMap)
		if ev.Type != c.typ || got.Name != c.name || got.Data["n"] != c.n || (c.rv != "" && got.ResourceVersion != c.rv) {
			t.Fatalf("event %d: %s %s n=%s rv=%s, want %s %s n=%s rv=%s", i, ev.Type, got.Name, got.Data["n"], got.ResourceVersion, c.typ, c.name, c.n, c.rv)
		}
	}
}
