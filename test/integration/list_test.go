package integration

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// createConfigMaps creates n configmaps named cm-00000.. in parallel.
func createConfigMaps(t *testing.T, ns string, n int, lbls func(i int) map[string]string) []string {
	t.Helper()
	ctx := ctxT(t)
	names := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: names[i]}, Data: map[string]string{"i": strconv.Itoa(i)}}
				if lbls != nil {
					cm.Labels = lbls(i)
				}
				if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range names {
		names[i] = fmt.Sprintf("cm-%05d", i)
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return names
}

func TestPagination(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	const total, limit = 1200, 100
	names := createConfigMaps(t, ns, total, nil)
	cms := client.CoreV1().ConfigMaps(ns)

	var got []string
	opts := metav1.ListOptions{Limit: limit}
	var listRV string
	for page := 0; ; page++ {
		l, err := cms.List(ctx, opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(l.Items) > limit {
			t.Fatalf("page %d has %d items, limit %d", page, len(l.Items), limit)
		}
		for _, it := range l.Items {
			got = append(got, it.Name)
		}
		if page == 0 {
			listRV = l.ResourceVersion
			// A write after the first page is not part of this list.
			must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-zzz-late"}}, metav1.CreateOptions{}))(t)
			must(cms.Patch(ctx, names[total-1], types.MergePatchType, []byte(`{"data":{"late":"1"}}`), metav1.PatchOptions{}))(t)
		} else if l.ResourceVersion != listRV {
			t.Fatalf("page %d at resourceVersion %s, first page at %s: pages must share one snapshot", page, l.ResourceVersion, listRV)
		}
		remaining := total - len(got)
		if remaining == 0 {
			if l.Continue != "" || l.RemainingItemCount != nil {
				t.Fatalf("last page has continue %q remainingItemCount %v", l.Continue, l.RemainingItemCount)
			}
			break
		}
		if l.Continue == "" {
			t.Fatalf("page %d: no continue token with %d items left", page, remaining)
		}
		if l.RemainingItemCount == nil || *l.RemainingItemCount != int64(remaining) {
			t.Fatalf("page %d: remainingItemCount %v, want %d", page, l.RemainingItemCount, remaining)
		}
		opts.Continue = l.Continue
	}
	if !slices.Equal(got, names) {
		t.Fatalf("paged list is not every object once, in order: %d items", len(got))
	}
	if page := must(cms.Get(ctx, names[total-1], metav1.GetOptions{}))(t); page.Data["late"] != "1" {
		t.Fatal("late patch missing")
	}

	// The same list in one go, from the cache.
	full := must(cms.List(ctx, metav1.ListOptions{}))(t)
	if len(full.Items) != total+1 || full.Continue != "" {
		t.Fatalf("unpaged list: %d items, continue %q", len(full.Items), full.Continue)
	}

	// A continue token with a selector keeps filtering.
	sel := must(cms.List(ctx, metav1.ListOptions{Limit: 7, FieldSelector: "metadata.name!=" + names[0]}))(t)
	if len(sel.Items) != 7 || sel.Items[0].Name != names[1] || sel.Continue == "" {
		t.Fatalf("paged list with a field selector: %d items from %s", len(sel.Items), sel.Items[0].Name)
	}

	// Bad continue tokens are 400, with or without a resourceVersion.
	for _, tok := range []string{"not-a-token", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIuLi9zZWNyZXRzLyJ9"} {
		_, err := cms.List(ctx, metav1.ListOptions{Limit: 10, Continue: tok})
		if !apierrors.IsBadRequest(err) {
			t.Fatalf("continue %q: %v, want 400 BadRequest", tok, err)
		}
	}
	r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?limit=10&continue=garbage", nil)
	expectStatus(t, "invalid continue", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	r = doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?limit=10&continue="+sel.Continue+"&resourceVersion=5", nil)
	expectStatus(t, "continue with resourceVersion", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	r = doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?limit=-1", nil)
	expectStatus(t, "negative limit", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
}

func TestListResourceVersion(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	a := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{}))(t)
	b := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{}))(t)

	names := func(l *corev1.ConfigMapList) []string {
		var out []string
		for _, it := range l.Items {
			out = append(out, it.Name)
		}
		return out
	}
	// "": the newest state, at least as new as every acknowledged write.
	l := must(cms.List(ctx, metav1.ListOptions{}))(t)
	if !slices.Equal(names(l), []string{"a", "b"}) || rvOf(t, l) < rvOf(t, b) {
		t.Fatalf("rv=\"\": %v at %s", names(l), l.ResourceVersion)
	}
	// "0": whatever the cache has; eventually the same.
	eventually(t, 10*time.Second, "rv=0 list to include b", func() (bool, error) {
		l, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		return err == nil && len(l.Items) == 2, err
	})
	// Exact: the state at that revision, "b" not yet there.
	ex := must(cms.List(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact}))(t)
	if !slices.Equal(names(ex), []string{"a"}) || ex.ResourceVersion != a.ResourceVersion {
		t.Fatalf("exact list at a's version: %v at %s", names(ex), ex.ResourceVersion)
	}
	// NotOlderThan an old revision: at least that new.
	nt := must(cms.List(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}))(t)
	if rvOf(t, nt) < rvOf(t, a) || !slices.Contains(names(nt), "a") {
		t.Fatalf("notOlderThan list: %v at %s", names(nt), nt.ResourceVersion)
	}
	// Get with a resourceVersion is served no older than it.
	g := must(cms.Get(ctx, "b", metav1.GetOptions{ResourceVersion: b.ResourceVersion}))(t)
	if g.UID != b.UID {
		t.Fatalf("get at b's version: %+v", g.ObjectMeta)
	}

	// A revision from the future: 504 with the ResourceVersionTooLarge cause.
	future := strconv.FormatUint(rvOf(t, b)+1_000_000, 10)
	start := time.Now()
	_, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: future, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
	if !apierrors.IsTimeout(err) || !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) || statusCode(err) != http.StatusGatewayTimeout {
		t.Fatalf("list at a future resourceVersion: %v, want 504 with cause ResourceVersionTooLarge", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("too-large resourceVersion took %v to refuse", time.Since(start))
	}
	_, err = cms.List(ctx, metav1.ListOptions{ResourceVersion: future, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) {
		t.Fatalf("exact list at a future resourceVersion: %v, want ResourceVersionTooLarge", err)
	}

	// A malformed resourceVersion is 400; combinations upstream's
	// ListOptions validation forbids are 422 Invalid.
	r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?resourceVersion=abc", nil)
	expectStatus(t, "resourceVersion=abc", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	for _, q := range []string{
		"resourceVersionMatch=Exact",
		"resourceVersion=0&resourceVersionMatch=Exact",
		"resourceVersion=1&resourceVersionMatch=Newest",
		"resourceVersion=1&resourceVersionMatch=NotOlderThan&limit=1&continue=abc",
		"sendInitialEvents=true",
		"watch=true&resourceVersionMatch=NotOlderThan",
		"watch=true&sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=1",
	} {
		r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?"+q, nil)
		st := expectStatus(t, q, r, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
		if st.Details == nil || st.Details.Kind != "ListOptions" || len(st.Details.Causes) == 0 {
			t.Errorf("%s: details %+v", q, st.Details)
		}
	}
}

// TestListAfterCompaction: etcd forgets old revisions when compacted;
// exact lists and continue tokens from before are 410 Expired, while the
// watch cache's window still lets watchers resume.
func TestListAfterCompaction(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	createConfigMaps(t, ns, 5, nil)
	first := must(cms.List(ctx, metav1.ListOptions{Limit: 2}))(t)
	if first.Continue == "" {
		t.Fatal("no continue token")
	}
	old := first.ResourceVersion
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{}))(t)
	last := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after2"}}, metav1.CreateOptions{}))(t)

	cli := etcdClient(t)
	if _, err := cli.Compact(ctx, int64(rvOf(t, last)), clientv3.WithCompactPhysical()); err != nil {
		t.Fatalf("compact: %v", err)
	}

	_, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: old, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if !apierrors.IsResourceExpired(err) || statusCode(err) != http.StatusGone {
		t.Fatalf("exact list at a compacted revision: %v, want 410 Expired", err)
	}
	_, err = cms.List(ctx, metav1.ListOptions{Limit: 2, Continue: first.Continue})
	if !apierrors.IsResourceExpired(err) || statusCode(err) != http.StatusGone {
		t.Fatalf("continue token from before compaction: %v, want 410 Expired", err)
	}
	// A fresh paged list works, and so does a watch from the old revision
	// (the watch cache, not etcd, keeps the window of events).
	fresh := must(cms.List(ctx, metav1.ListOptions{Limit: 2}))(t)
	must(cms.List(ctx, metav1.ListOptions{Limit: 2, Continue: fresh.Continue}))(t)
	w := must(cms.Watch(ctx, metav1.ListOptions{ResourceVersion: old}))(t)
	defer w.Stop()
	if e := nextNonBookmark(t, w, 10*time.Second); e.Type != watch.Added || metaName(t, e.Object) != "after" {
		t.Fatalf("watch from before compaction: %s %s", e.Type, metaName(t, e.Object))
	}
}

func TestLabelSelectors(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	objs := map[string]map[string]string{
		"web-prod":  {"app": "web", "env": "prod"},
		"web-dev":   {"app": "web", "env": "dev"},
		"db-prod":   {"app": "db", "env": "prod", "critical": "true"},
		"cache":     {"app": "cache"},
		"unlabeled": nil,
	}
	for name, l := range objs {
		must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}, metav1.CreateOptions{}))(t)
	}
	cases := []struct {
		sel  string
		want []string
	}{
		{"app=web", []string{"web-dev", "web-prod"}},
		{"app==web,env=prod", []string{"web-prod"}},
		{"app!=web", []string{"cache", "db-prod", "unlabeled"}},
		{"env in (prod,staging)", []string{"db-prod", "web-prod"}},
		{"env notin (prod)", []string{"cache", "unlabeled", "web-dev"}},
		{"critical", []string{"db-prod"}},
		{"!env", []string{"cache", "unlabeled"}},
		{"app in (web,db),!critical", []string{"web-dev", "web-prod"}},
		{"app=nothing", nil},
		{"", []string{"cache", "db-prod", "unlabeled", "web-dev", "web-prod"}},
	}
	for _, tc := range cases {
		for _, rv := range []string{"", "0"} {
			for _, limit := range []int64{0, 2} {
				if rv == "0" && limit > 0 {
					continue
				}
				var got []string
				opts := metav1.ListOptions{LabelSelector: tc.sel, ResourceVersion: rv, Limit: limit}
				for {
					l, err := cms.List(ctx, opts)
					if err != nil {
						t.Fatalf("%q: %v", tc.sel, err)
					}
					for _, it := range l.Items {
						got = append(got, it.Name)
					}
					if l.Continue == "" {
						break
					}
					opts.Continue = l.Continue
				}
				if rv == "0" && len(got) != len(tc.want) {
					continue // the cache may lag the creates a moment
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("labelSelector %q (rv=%q limit=%d): %v, want %v", tc.sel, rv, limit, got, tc.want)
				}
			}
		}
	}
	r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?labelSelector="+strings.ReplaceAll("app in (web", " ", "%20"), nil)
	expectStatus(t, "malformed label selector", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
}

func TestFieldSelectors(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	pods := client.CoreV1().Pods(ns)
	mk := func(name, node string, phase corev1.PodPhase) {
		p := simplePod(name, nil)
		p.Spec.NodeName = node
		created := must(pods.Create(ctx, p, metav1.CreateOptions{}))(t)
		if phase != "" {
			created.Status.Phase = phase
			must(pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}))(t)
		}
	}
	mk("a1", "node-a", corev1.PodRunning)
	mk("a2", "node-a", corev1.PodSucceeded)
	mk("b1", "node-b", corev1.PodRunning)
	mk("pending", "", corev1.PodPending)

	cases := []struct {
		sel  string
		want []string
	}{
		{"metadata.name=a1", []string{"a1"}},
		{"metadata.name!=a1", []string{"a2", "b1", "pending"}},
		{"metadata.namespace=" + ns, []string{"a1", "a2", "b1", "pending"}},
		{"spec.nodeName=node-a", []string{"a1", "a2"}},
		{"spec.nodeName=", []string{"pending"}},
		{"status.phase=Running", []string{"a1", "b1"}},
		{"spec.nodeName=node-a,status.phase!=Succeeded", []string{"a1"}},
	}
	for _, tc := range cases {
		l, err := pods.List(ctx, metav1.ListOptions{FieldSelector: tc.sel})
		if err != nil {
			t.Errorf("fieldSelector %q: %v", tc.sel, err)
			continue
		}
		var got []string
		for _, it := range l.Items {
			got = append(got, it.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("fieldSelector %q: %v, want %v", tc.sel, got, tc.want)
		}
	}
	// Watches filter by fields too: a pod bound to node-c appears there.
	w, err := client.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=node-c"})
	if err != nil {
		t.Fatalf("watch by spec.nodeName: %v", err)
	}
	defer w.Stop()
	mk("c1", "node-c", "")
	if e := nextNonBookmark(t, w, 10*time.Second); e.Type != watch.Added || metaName(t, e.Object) != "c1" {
		t.Fatalf("watch by node: %s %s", e.Type, metaName(t, e.Object))
	}

	// Unsupported fields are refused with upstream's message.
	_, err = pods.List(ctx, metav1.ListOptions{FieldSelector: "spec.dnsPolicy=ClusterFirst"})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "field label not supported: spec.dnsPolicy") {
		t.Fatalf("unsupported field: %v", err)
	}
	_, err = client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{FieldSelector: "data.k=v"})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "field label not supported: data.k") {
		t.Fatalf("unsupported configmap field: %v", err)
	}
	_, err = client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "data.k=v"})
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("watch with an unsupported field: %v", err)
	}
	r := doRaw(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/pods?fieldSelector=status.phase%20in%20(Running)", nil)
	expectStatus(t, "malformed field selector", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
}
