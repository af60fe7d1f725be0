package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
)

// Metadata-only reads (the garbage collector's metadata informers) are
// served in protobuf when the client prefers it, as upstream does: the
// metadata client asks for protobuf first and decodes it several times
// faster than JSON. Tables have no protobuf form and fall to JSON.
func TestPartialObjectMetadataInProtobuf(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "meta", Namespace: ns, Labels: map[string]string{"a": "b"}}}
	if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const protoList = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
	r := doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/configmaps", nil, "Accept", protoList)
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.kubernetes.protobuf" {
		t.Fatalf("metadata list: %d %q, want 200 in protobuf", r.Code, r.Header.Get("Content-Type"))
	}
	r = doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/configmaps", nil, "Accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
	if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"kind":"PartialObjectMetadata"`) || strings.Contains(string(r.Body), `"data"`) {
		t.Fatalf("metadata list in JSON: %d %s", r.Code, r.Body)
	}
	const protoWatch = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
	r = doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/configmaps?watch=true&timeoutSeconds=1", nil, "Accept", protoWatch)
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.kubernetes.protobuf;stream=watch" || len(r.Body) == 0 {
		t.Fatalf("metadata watch: %d %q %d bytes, want a protobuf stream", r.Code, r.Header.Get("Content-Type"), len(r.Body))
	}
	const protoTable = "application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1,application/json;as=Table;g=meta.k8s.io;v=v1"
	r = doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/configmaps", nil, "Accept", protoTable)
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("table with protobuf first: %d %q, want 200 in JSON", r.Code, r.Header.Get("Content-Type"))
	}

	mc := metadata.NewForConfigOrDie(restConfig).Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(ns)
	list, err := mc.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "meta" || list.Items[0].Labels["a"] != "b" {
		t.Fatalf("metadata client list: %v %+v", err, list)
	}
	got, err := mc.Get(ctx, "meta", metav1.GetOptions{})
	if err != nil || got.Name != "meta" || got.Labels["a"] != "b" {
		t.Fatalf("metadata client get: %v %+v", err, got)
	}
	w, err := mc.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cm2 := cm.DeepCopy()
	cm2.Name = "meta2"
	if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, cm2, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e := nextNonBookmark(t, w, 10*time.Second)
	p, ok := e.Object.(*metav1.PartialObjectMetadata)
	if e.Type != watch.Added || !ok || p.Name != "meta2" || p.Labels["a"] != "b" {
		t.Fatalf("metadata watch event: %s %#v", e.Type, e.Object)
	}
}
