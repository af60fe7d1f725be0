package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

func TestGetListWatchCreate(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)

	w, err := cms.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}, Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Name, "gen-") || len(created.Name) != len("gen-")+5 {
		t.Fatalf("generated name %q, want gen- and 5 random characters", created.Name)
	}
	if created.GenerateName != "gen-" || created.Namespace != ns || created.UID == "" || created.ResourceVersion == "" {
		t.Fatalf("created metadata: %+v", created.ObjectMeta)
	}
	second := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{}))(t)
	if second.Name == created.Name {
		t.Fatalf("generateName gave the same name twice: %s", second.Name)
	}

	got := must(cms.Get(ctx, created.Name, metav1.GetOptions{}))(t)
	if got.UID != created.UID || got.ResourceVersion != created.ResourceVersion || got.Data["a"] != "1" {
		t.Fatalf("get returned %+v, want the created object", got)
	}
	if _, err := cms.Get(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get of a missing object: %v, want NotFound", err)
	}

	list := must(cms.List(ctx, metav1.ListOptions{}))(t)
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
	}
	sorted := []string{created.Name, second.Name}
	slices.Sort(sorted)
	if !slices.Equal(names, sorted) {
		t.Fatalf("list names %v, want %v (sorted)", names, sorted)
	}
	if list.ResourceVersion == "" {
		t.Fatal("list has no resourceVersion")
	}

	for _, name := range []string{created.Name, second.Name} {
		e := nextNonBookmark(t, w, 10*time.Second)
		if e.Type != watch.Added || metaName(t, e.Object) != name {
			t.Fatalf("watch event %s %s, want ADDED %s", e.Type, metaName(t, e.Object), name)
		}
	}

	// A cluster-wide list sees the namespaced objects too.
	all := must(client.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.namespace=" + ns}))(t)
	if len(all.Items) != 2 {
		t.Fatalf("all-namespaces list with a namespace field selector: %d items, want 2", len(all.Items))
	}
}

func TestUpdate(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "u"}, Data: map[string]string{"k": "1"}}, metav1.CreateOptions{}))(t)

	cm.Data["k"] = "2"
	cm.Labels = map[string]string{"l": "v"}
	upd := must(cms.Update(ctx, cm, metav1.UpdateOptions{}))(t)
	if upd.Data["k"] != "2" || upd.Labels["l"] != "v" || upd.ResourceVersion == cm.ResourceVersion {
		t.Fatalf("update result %+v", upd)
	}
	if upd.UID != cm.UID || !upd.CreationTimestamp.Equal(&cm.CreationTimestamp) {
		t.Fatalf("update changed server-owned metadata: %+v -> %+v", cm.ObjectMeta, upd.ObjectMeta)
	}

	// An update without a resourceVersion is unconditional.
	upd.ResourceVersion = ""
	upd.Data["k"] = "3"
	must(cms.Update(ctx, upd, metav1.UpdateOptions{}))(t)

	// A stale resourceVersion is a conflict, and changes nothing.
	cm.Data["k"] = "stale"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	if got := must(cms.Get(ctx, "u", metav1.GetOptions{}))(t); got.Data["k"] != "3" {
		t.Fatalf("after a conflicting update data is %v", got.Data)
	}

	// A changed UID is a conflict too.
	cur := must(cms.Get(ctx, "u", metav1.GetOptions{}))(t)
	cur.UID = "00000000-0000-0000-0000-000000000000"
	if _, err := cms.Update(ctx, cur, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("update with another UID: %v, want Conflict", err)
	}

	// Updating a missing configmap is NotFound (PUT does not create them).
	if _, err := cms.Update(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "missing"}}, metav1.UpdateOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("update of a missing configmap: %v, want NotFound", err)
	}

	// The name in the body must match the URL.
	r := doRaw(t, http.MethodPut, "/api/v1/namespaces/"+ns+"/configmaps/u", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}`), "Content-Type", "application/json")
	expectStatus(t, "PUT with another name", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)

	// Endpoints may be created by PUT (upstream allows create-on-update for them).
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "put-created"}}
	body, _ := json.Marshal(ep)
	r = doRaw(t, http.MethodPut, "/api/v1/namespaces/"+ns+"/endpoints/put-created", body, "Content-Type", "application/json")
	expectStatus(t, "PUT creating endpoints", r, http.StatusCreated, "")
	must(client.CoreV1().Endpoints(ns).Get(ctx, "put-created", metav1.GetOptions{}))(t)
}

func TestPatch(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	deps := client.AppsV1().Deployments(ns)

	type check func(t *testing.T, d *appsv1.Deployment)
	cases := []struct {
		name  string
		pt    types.PatchType
		patch string
		check check
	}{
		{
			name: "json patch", pt: types.JSONPatchType,
			patch: `[{"op":"replace","path":"/spec/replicas","value":5},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				if *d.Spec.Replicas != 5 || d.Labels["x"] != "y" {
					t.Fatalf("json patch: replicas %d labels %v", *d.Spec.Replicas, d.Labels)
				}
			},
		},
		{
			name: "merge patch replaces lists", pt: types.MergePatchType,
			patch: `{"metadata":{"labels":{"m":"1"}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				c := d.Spec.Template.Spec.Containers
				// The list is replaced: the "side" container is gone.
				if d.Labels["m"] != "1" || len(c) != 1 || c[0].Name != "c" || c[0].Image != "nginx" {
					t.Fatalf("merge patch: labels %v containers %+v", d.Labels, c)
				}
			},
		},
		{
			name: "strategic merge patch merges containers by name", pt: types.StrategicMergePatchType,
			patch: `{"metadata":{"labels":{"s":"1"}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"redis"},{"name":"side","image":"sidecar"}]}}}}`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				c := d.Spec.Template.Spec.Containers
				if d.Labels["s"] != "1" || len(c) != 2 {
					t.Fatalf("strategic merge patch: labels %v containers %+v", d.Labels, c)
				}
				byName := map[string]corev1.Container{}
				for _, x := range c {
					byName[x.Name] = x
				}
				if byName["c"].Image != "redis" || byName["c"].TerminationMessagePath != "/dev/termination-log" || byName["side"].Image != "sidecar" {
					t.Fatalf("strategic merge patch did not merge by name: %+v", c)
				}
			},
		},
		{
			name: "strategic merge patch deletes with $patch and null", pt: types.StrategicMergePatchType,
			patch: `{"metadata":{"labels":{"app":null}},"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}`,
			check: func(t *testing.T, d *appsv1.Deployment) {
				if _, ok := d.Labels["app"]; ok || len(d.Spec.Template.Spec.Containers) != 1 {
					t.Fatalf("delete directives: labels %v containers %+v", d.Labels, d.Spec.Template.Spec.Containers)
				}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := simpleDeployment(fmt.Sprintf("p%d", i), 1)
			d.Labels = map[string]string{"app": "p"}
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "side", Image: "old", TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullIfNotPresent})
			if tc.pt == types.StrategicMergePatchType && strings.Contains(tc.patch, "redis") {
				d.Spec.Template.Spec.Containers = d.Spec.Template.Spec.Containers[:1]
			}
			created := must(deps.Create(ctx, d, metav1.CreateOptions{}))(t)
			out, err := deps.Patch(ctx, d.Name, tc.pt, []byte(tc.patch), metav1.PatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, out)
			if out.ResourceVersion == created.ResourceVersion {
				t.Fatal("patch did not change the resourceVersion")
			}
			tc.check(t, must(deps.Get(ctx, d.Name, metav1.GetOptions{}))(t))
		})
	}

	// Failing patches change nothing.
	cm := must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "pf"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}))(t)
	bad := []struct {
		name string
		pt   types.PatchType
		body string
		code int32
	}{
		{"json patch test op fails", types.JSONPatchType, `[{"op":"test","path":"/data/k","value":"other"},{"op":"replace","path":"/data/k","value":"x"}]`, 422},
		{"json patch malformed", types.JSONPatchType, `{"op":"replace"}`, 400},
		{"merge patch malformed", types.MergePatchType, `{"data":`, 400},
		{"merge patch changes the name", types.MergePatchType, `{"metadata":{"name":"renamed"}}`, 400},
		{"strategic patch not an object", types.StrategicMergePatchType, `[1,2]`, 400},
		{"merge patch with a stale resourceVersion", types.MergePatchType, `{"metadata":{"resourceVersion":"1"},"data":{"k":"x"}}`, 409},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.CoreV1().ConfigMaps(ns).Patch(ctx, "pf", tc.pt, []byte(tc.body), metav1.PatchOptions{})
			if statusCode(err) != tc.code {
				t.Fatalf("got %v (code %d), want code %d", err, statusCode(err), tc.code)
			}
			got := must(client.CoreV1().ConfigMaps(ns).Get(ctx, "pf", metav1.GetOptions{}))(t)
			if got.ResourceVersion != cm.ResourceVersion || got.Data["k"] != "v" {
				t.Fatalf("a failed patch changed the object: %+v", got)
			}
		})
	}

	// Unsupported patch content type.
	r := doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/pf", []byte(`{}`), "Content-Type", "application/json")
	expectStatus(t, "PATCH with application/json", r, http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType)
	// Patching a missing object is NotFound.
	if _, err := client.CoreV1().ConfigMaps(ns).Patch(ctx, "missing", types.MergePatchType, []byte(`{"data":{"a":"b"}}`), metav1.PatchOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("patch of a missing object: %v", err)
	}
}

func TestDelete(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)

	t.Run("preconditions", func(t *testing.T) {
		cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "pre"}}, metav1.CreateOptions{}))(t)
		wrongUID := types.UID("11111111-2222-3333-4444-555555555555")
		err := cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}})
		if !apierrors.IsConflict(err) {
			t.Fatalf("delete with a wrong UID precondition: %v, want Conflict", err)
		}
		staleRV := "1"
		err = cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &staleRV}})
		if !apierrors.IsConflict(err) {
			t.Fatalf("delete with a stale resourceVersion precondition: %v, want Conflict", err)
		}
		must(cms.Get(ctx, "pre", metav1.GetOptions{}))(t)
		if err := cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID, ResourceVersion: &cm.ResourceVersion}}); err != nil {
			t.Fatalf("delete with matching preconditions: %v", err)
		}
		if _, err := cms.Get(ctx, "pre", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("object still there: %v", err)
		}
		if err := cms.Delete(ctx, "pre", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("second delete: %v, want NotFound", err)
		}
	})

	t.Run("status body", func(t *testing.T) {
		cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "st"}}, metav1.CreateOptions{}))(t)
		r := doRaw(t, http.MethodDelete, "/api/v1/namespaces/"+ns+"/configmaps/st", nil)
		st := expectStatus(t, "DELETE configmap", r, http.StatusOK, "")
		if st.Kind != "Status" || st.Status != metav1.StatusSuccess || st.Details == nil || st.Details.Name != "st" || st.Details.UID != cm.UID {
			t.Fatalf("delete answered %s", r.Body)
		}
	})

	t.Run("propagation policy finalizers", func(t *testing.T) {
		cases := []struct {
			policy metav1.DeletionPropagation
			want   []string
		}{
			{metav1.DeletePropagationOrphan, []string{metav1.FinalizerOrphanDependents}},
			{metav1.DeletePropagationForeground, []string{metav1.FinalizerDeleteDependents}},
			{metav1.DeletePropagationBackground, nil},
		}
		for _, tc := range cases {
			name := "prop-" + strings.ToLower(string(tc.policy))
			must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}))(t)
			if err := cms.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &tc.policy}); err != nil {
				t.Fatalf("%s: %v", tc.policy, err)
			}
			got, err := cms.Get(ctx, name, metav1.GetOptions{})
			if tc.want == nil {
				if !apierrors.IsNotFound(err) {
					t.Fatalf("%s: object still there (%v)", tc.policy, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.policy, err)
			}
			if got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, tc.want) {
				t.Fatalf("%s: deletionTimestamp %v finalizers %v, want %v", tc.policy, got.DeletionTimestamp, got.Finalizers, tc.want)
			}
			// What the garbage collector would do: drop the finalizer, and the object goes.
			got.Finalizers = nil
			must(cms.Update(ctx, got, metav1.UpdateOptions{}))(t)
			if _, err := cms.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Fatalf("%s: still there after its finalizer went: %v", tc.policy, err)
			}
		}
		// orphanDependents=true is the legacy spelling of Orphan.
		must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "legacy-orphan"}}, metav1.CreateOptions{}))(t)
		if err := cms.Delete(ctx, "legacy-orphan", metav1.DeleteOptions{OrphanDependents: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
		if got := must(cms.Get(ctx, "legacy-orphan", metav1.GetOptions{}))(t); !slices.Equal(got.Finalizers, []string{metav1.FinalizerOrphanDependents}) {
			t.Fatalf("orphanDependents=true finalizers %v", got.Finalizers)
		}
		must(cms.Patch(ctx, "legacy-orphan", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}))(t)
		// An unknown policy is refused.
		r := doRaw(t, http.MethodDelete, "/api/v1/namespaces/"+ns+"/configmaps/x?propagationPolicy=Sideways", nil)
		expectStatus(t, "unknown propagationPolicy", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	})

	t.Run("grace period", func(t *testing.T) {
		pods := client.CoreV1().Pods(ns)
		// A pod never scheduled goes at once, whatever the grace period.
		must(pods.Create(ctx, simplePod("unbound", nil), metav1.CreateOptions{}))(t)
		if err := pods.Delete(ctx, "unbound", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(30))}); err != nil {
			t.Fatal(err)
		}
		if _, err := pods.Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("unscheduled pod still there: %v", err)
		}
		// A pod on a node waits for its kubelet for the grace period.
		pod := simplePod("bound", nil)
		pod.Spec.NodeName = "node-a"
		must(pods.Create(ctx, pod, metav1.CreateOptions{}))(t)
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(45))}); err != nil {
			t.Fatal(err)
		}
		got := must(pods.Get(ctx, "bound", metav1.GetOptions{}))(t)
		if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 45 {
			t.Fatalf("graceful delete: deletionTimestamp %v grace %v", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
		}
		if d := time.Until(got.DeletionTimestamp.Time); d < 30*time.Second || d > 46*time.Second {
			t.Fatalf("deletionTimestamp %v is not ~45s ahead", got.DeletionTimestamp)
		}
		// A shorter grace period brings the deadline forward; 0 deletes now.
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(10))}); err != nil {
			t.Fatal(err)
		}
		got2 := must(pods.Get(ctx, "bound", metav1.GetOptions{}))(t)
		if *got2.DeletionGracePeriodSeconds != 10 || !got2.DeletionTimestamp.Before(got.DeletionTimestamp) {
			t.Fatalf("shorter grace period: %v %v", got2.DeletionTimestamp, *got2.DeletionGracePeriodSeconds)
		}
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(0))}); err != nil {
			t.Fatal(err)
		}
		if _, err := pods.Get(ctx, "bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("pod still there after grace period 0: %v", err)
		}

		// A pod with a finalizer: the kubelet's final delete (grace 0)
		// ends the grace period, and the pod goes with its finalizer.
		fp := simplePod("finalized", nil)
		fp.Spec.NodeName = "node-a"
		fp.Finalizers = []string{"example.com/hold"}
		must(pods.Create(ctx, fp, metav1.CreateOptions{}))(t)
		if err := pods.Delete(ctx, "finalized", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := must(pods.Get(ctx, "finalized", metav1.GetOptions{}))(t); got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 30 {
			t.Fatalf("default grace period: %v, want the pod's 30s", got.DeletionGracePeriodSeconds)
		}
		if err := pods.Delete(ctx, "finalized", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(0))}); err != nil {
			t.Fatal(err)
		}
		got3 := must(pods.Get(ctx, "finalized", metav1.GetOptions{}))(t)
		if got3.DeletionGracePeriodSeconds == nil || *got3.DeletionGracePeriodSeconds != 0 {
			t.Fatalf("after delete with grace 0, a finalized pod has grace %v, want 0", got3.DeletionGracePeriodSeconds)
		}
		must(pods.Patch(ctx, "finalized", types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{}))(t)
		if _, err := pods.Get(ctx, "finalized", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("pod still there after its grace period ended and its finalizer went: %v", err)
		}
	})
}

func TestDeleteCollection(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	for i := 0; i < 6; i++ {
		tier := "keep"
		if i%2 == 0 {
			tier = "drop"
		}
		must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i), Labels: map[string]string{"tier": tier}}}, metav1.CreateOptions{}))(t)
	}
	other := newNamespace(t)
	must(client.CoreV1().ConfigMaps(other).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c0", Labels: map[string]string{"tier": "drop"}}}, metav1.CreateOptions{}))(t)

	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "tier=drop"}); err != nil {
		t.Fatal(err)
	}
	left := must(cms.List(ctx, metav1.ListOptions{}))(t)
	var names []string
	for _, it := range left.Items {
		names = append(names, it.Name)
	}
	if !slices.Equal(names, []string{"c1", "c3", "c5"}) {
		t.Fatalf("after deletecollection tier=drop: %v", names)
	}
	if _, err := client.CoreV1().ConfigMaps(other).Get(ctx, "c0", metav1.GetOptions{}); err != nil {
		t.Fatalf("deletecollection reached into another namespace: %v", err)
	}
	// dryRun deletes nothing.
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(must(cms.List(ctx, metav1.ListOptions{}))(t).Items); n != 3 {
		t.Fatalf("dry-run deletecollection removed objects: %d left", n)
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(must(cms.List(ctx, metav1.ListOptions{}))(t).Items); n != 0 {
		t.Fatalf("deletecollection without selector left %d", n)
	}
}

func TestDryRun(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	cms := client.CoreV1().ConfigMaps(ns)
	dry := []string{metav1.DryRunAll}
	w := must(cms.Watch(ctx, metav1.ListOptions{}))(t)
	defer w.Stop()

	out, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{DryRun: dry})
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "dry" || out.UID == "" || out.CreationTimestamp.IsZero() {
		t.Fatalf("dry-run create should answer the object as it would be stored: %+v", out.ObjectMeta)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run create stored the object: %v", err)
	}
	// Dry-run create still validates and still conflicts.
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Bad_Name"}}, metav1.CreateOptions{DryRun: dry}); !apierrors.IsInvalid(err) {
		t.Fatalf("dry-run create of an invalid object: %v", err)
	}

	cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "real"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}))(t)
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{DryRun: dry}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("dry-run create of an existing name: %v", err)
	}

	mod := cm.DeepCopy()
	mod.Data["k"] = "changed"
	upd, err := cms.Update(ctx, mod, metav1.UpdateOptions{DryRun: dry})
	if err != nil || upd.Data["k"] != "changed" {
		t.Fatalf("dry-run update: %v %v", upd, err)
	}
	p, err := cms.Patch(ctx, "real", types.MergePatchType, []byte(`{"data":{"p":"q"}}`), metav1.PatchOptions{DryRun: dry})
	if err != nil || p.Data["p"] != "q" {
		t.Fatalf("dry-run patch: %v %v", p, err)
	}
	if err := cms.Delete(ctx, "real", metav1.DeleteOptions{DryRun: dry}); err != nil {
		t.Fatal(err)
	}
	got := must(cms.Get(ctx, "real", metav1.GetOptions{}))(t)
	if got.ResourceVersion != cm.ResourceVersion || got.Data["k"] != "v" || len(got.Data) != 1 || got.DeletionTimestamp != nil {
		t.Fatalf("dry-run writes changed the object: %+v", got)
	}

	// Dry-run server-side apply.
	r := doRaw(t, http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/applied?dryRun=All&fieldManager=dry",
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"a":"b"}}`), "Content-Type", string(types.ApplyYAMLPatchType))
	expectStatus(t, "dry-run apply", r, http.StatusCreated, "")
	if _, err := cms.Get(ctx, "applied", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run apply created the object: %v", err)
	}

	// Only All is a dry-run value.
	r = doRaw(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/configmaps?dryRun=Some", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`), "Content-Type", "application/json")
	expectStatus(t, "dryRun=Some", r, http.StatusBadRequest, metav1.StatusReasonBadRequest)

	// Watchers saw none of the dry runs: only "real", then a marker.
	must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "marker"}}, metav1.CreateOptions{}))(t)
	for _, want := range []string{"ADDED real", "ADDED marker"} {
		e := nextNonBookmark(t, w, 10*time.Second)
		if got := string(e.Type) + " " + metaName(t, e.Object); got != want {
			t.Fatalf("watch during dry runs: %s, want %s", got, want)
		}
	}

	// Dry-run service creation allocates nothing: the same IP is free afterwards.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "dry-svc"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.200.7", Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}}}
	dsvc, err := client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{DryRun: dry})
	if err != nil || dsvc.Spec.ClusterIP != "10.96.200.7" {
		t.Fatalf("dry-run service: %v %v", dsvc, err)
	}
	real, err := client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil || real.Spec.ClusterIP != "10.96.200.7" {
		t.Fatalf("the IP a dry-run create used is not free: %v", err)
	}
}
