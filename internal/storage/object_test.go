package storage

import (
	"context"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Superseded versions far back in the event window are compacted to their
// storage bytes; a watcher resuming from before them still gets every
// version, with its content and resourceVersion, while the current objects
// stay decoded.
func TestCompactedVersionsReplayExactly(t *testing.T) {
	defer func(n int) { compactBehind = n }(compactBehind)
	compactBehind = 3
	s := newTestStore(t, CacheOptions{})
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
