package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// TestContentTypes runs the same workload through a JSON client and a
// protobuf client: create, get, list, update, patch, watch, delete.
func TestContentTypes(t *testing.T) {
	for name, c := range map[string]*kubernetes.Clientset{"json": jsonClient(t), "protobuf": protoClient(t), "default": client} {
		t.Run(name, func(t *testing.T) {
			ctx, ns := ctxT(t), newNamespace(t)
			cms := c.CoreV1().ConfigMaps(ns)
			w, err := cms.Watch(ctx, metav1.ListOptions{AllowWatchBookmarks: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			cm := must(cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: map[string]string{"via": name}},
				Data: map[string]string{"text": "héllo\n\"quoted\""}, BinaryData: map[string][]byte{"bin": {0, 1, 2, 255}}}, metav1.CreateOptions{}))(t)
			got := must(cms.Get(ctx, "c", metav1.GetOptions{}))(t)
			if got.Data["text"] != "héllo\n\"quoted\"" || string(got.BinaryData["bin"]) != string([]byte{0, 1, 2, 255}) || got.UID != cm.UID {
				t.Fatalf("round trip: %+v", got)
			}
			got.Data["more"] = "x"
			got = must(cms.Update(ctx, got, metav1.UpdateOptions{}))(t)
			must(cms.Patch(ctx, "c", types.StrategicMergePatchType, []byte(`{"data":{"patched":"y"}}`), metav1.PatchOptions{}))(t)
			l := must(cms.List(ctx, metav1.ListOptions{LabelSelector: "via=" + name}))(t)
			if len(l.Items) != 1 || l.Items[0].Data["patched"] != "y" {
				t.Fatalf("list: %+v", l.Items)
			}
			if err := cms.Delete(ctx, "c", metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(0)), PropagationPolicy: ptrTo(metav1.DeletePropagationBackground)}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Modified, watch.Deleted} {
				e := nextNonBookmark(t, w, 10*time.Second)
				cm, ok := e.Object.(*corev1.ConfigMap)
				if e.Type != want || !ok || cm.Name != "c" {
					t.Fatalf("watch: %s %T, want %s", e.Type, e.Object, want)
				}
			}
			// Bookmarks decode too (every second on this server).
			for {
				if e := nextEvent(t, w, 10*time.Second); e.Type == watch.Bookmark {
					if _, ok := e.Object.(*corev1.ConfigMap); !ok {
						t.Fatalf("bookmark object %T", e.Object)
					}
					break
				}
			}

			// A typed object with nested structs and quantities.
			d := simpleDeployment("d", 2)
			d.Spec.Template.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: mustQuantity("250m")}
			out := must(c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}))(t)
			if q := out.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU]; q.String() != "250m" {
				t.Fatalf("quantity round trip: %s", q.String())
			}
			dl := must(c.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{}))(t)
			if len(dl.Items) != 1 || *dl.Items[0].Spec.Replicas != 2 {
				t.Fatalf("deployment list: %+v", dl)
			}
			sc := must(c.AppsV1().Deployments(ns).GetScale(ctx, "d", metav1.GetOptions{}))(t)
			if sc.Spec.Replicas != 2 {
				t.Fatalf("scale: %+v", sc)
			}
		})
	}
}

// TestResponseContentTypes checks what each Accept gets back.
func TestResponseContentTypes(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}))(t)
	path := "/api/v1/namespaces/" + ns + "/configmaps/c"
	cases := []struct {
		accept, wantType, wantBody string
	}{
		{"", "application/json", `"kind":"ConfigMap"`},
		{"application/json", "application/json", `"kind":"ConfigMap"`},
		{"application/yaml", "application/yaml", "kind: ConfigMap"},
		{"application/vnd.kubernetes.protobuf", "application/vnd.kubernetes.protobuf", "k8s\x00"},
		{"text/html, application/json;q=0.5", "application/json", `"kind":"ConfigMap"`},
		{"*/*", "application/json", `"kind":"ConfigMap"`},
	}
	for _, tc := range cases {
		r := doRaw(t, "GET", path, nil, "Accept", tc.accept)
		if r.Code != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), tc.wantType) || !strings.Contains(string(r.Body), tc.wantBody) {
			t.Errorf("Accept %q: %d %q %q", tc.accept, r.Code, r.Header.Get("Content-Type"), r.Body[:min(len(r.Body), 80)])
		}
	}
	// YAML bodies are accepted for create.
	r := doRaw(t, "POST", "/api/v1/namespaces/"+ns+"/configmaps", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"), "Content-Type", "application/yaml")
	expectStatus(t, "YAML create", r, http.StatusCreated, "")
	// Unknown fields are dropped with a warning by default.
	r = doRaw(t, "POST", "/api/v1/namespaces/"+ns+"/configmaps", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"bogus":true}`), "Content-Type", "application/json")
	expectStatus(t, "create with an unknown field", r, http.StatusCreated, "")
	if !strings.Contains(r.Header.Get("Warning"), "bogus") {
		t.Errorf("no warning about the unknown field: %q", r.Header.Get("Warning"))
	}
	// Deprecated APIs say so on every request, as upstream.
	r = doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/endpoints", nil)
	if want := "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"; r.Code != 200 || !strings.Contains(r.Header.Get("Warning"), want) {
		t.Errorf("list endpoints: %d, Warning %q, want one containing %q", r.Code, r.Header.Get("Warning"), want)
	}
	if r = doRaw(t, "GET", path, nil); r.Header.Get("Warning") != "" {
		t.Errorf("a ConfigMap read got a warning: %q", r.Header.Get("Warning"))
	}
	// pretty=true indents.
	r = doRaw(t, "GET", path+"?pretty=true", nil, "Accept", "application/json")
	if !strings.Contains(string(r.Body), "\n  \"kind\"") {
		t.Errorf("pretty output: %s", r.Body)
	}
}

// TestDynamicClient: unstructured objects over JSON (what kubectl apply and
// helm use).
func TestDynamicClient(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	d := simpleDeployment("dyn", 1)
	d.APIVersion, d.Kind = "apps/v1", "Deployment"
	obj, err := toUnstructured(d)
	if err != nil {
		t.Fatal(err)
	}
	created := must(dyn.Resource(gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}))(t)
	if created.GetUID() == "" || created.GetGeneration() != 1 {
		t.Fatalf("dynamic create: %+v", created.Object["metadata"])
	}
	if err := unstructured.SetNestedField(created.Object, int64(4), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	upd := must(dyn.Resource(gvr).Namespace(ns).Update(ctx, created, metav1.UpdateOptions{}))(t)
	if n, _, _ := unstructured.NestedInt64(upd.Object, "spec", "replicas"); n != 4 || upd.GetGeneration() != 2 {
		t.Fatalf("dynamic update: replicas %d generation %d", n, upd.GetGeneration())
	}
	l := must(dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{}))(t)
	if len(l.Items) != 1 || l.GetKind() != "DeploymentList" {
		t.Fatalf("dynamic list: %s %d", l.GetKind(), len(l.Items))
	}
	typed := must(client.AppsV1().Deployments(ns).Get(ctx, "dyn", metav1.GetOptions{}))(t)
	if *typed.Spec.Replicas != 4 {
		t.Fatalf("typed view of a dynamic update: %d", *typed.Spec.Replicas)
	}
}
