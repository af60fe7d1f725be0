package apiserver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/registry"
)

// decodeOnlyServer has what the decoding path needs and nothing else.
func decodeOnlyServer() *Server { return &Server{codecs: newCodecs()} }

var fuzzResources = func() []*registry.Resource {
	var out []*registry.Resource
	for _, r := range registry.Resources() {
		if r.Storage == nil {
			out = append(out, r)
		}
	}
	return out
}()

// checkClientError fails unless err is nil or a 4xx Kubernetes Status:
// bad input must never look like a server fault.
func checkClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		t.Fatalf("not a Status error: %T %v", err, err)
	}
	if c := se.Status().Code; c < 400 || c >= 500 {
		t.Fatalf("status code %d for bad input: %v", c, err)
	}
}

func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}`), uint8(0), uint8(0))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: 2}\n"), uint8(1), uint8(15))
	f.Add([]byte("k8s\x00\n\x02v1\x12\x03Pod"), uint8(2), uint8(1))
	f.Add([]byte(`{"metadata":{"name":1}}`), uint8(0), uint8(3))
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1x"}}}]}}`), uint8(0), uint8(1))
	s := decodeOnlyServer()
	types := []string{mtJSON, mtYAML, mtProtobuf, "text/plain"}
	f.Fuzz(func(t *testing.T, body []byte, ct, res uint8) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/namespaces/default/x?fieldValidation=Strict", nil)
		w := httptest.NewRecorder()
		resource := fuzzResources[int(res)%len(fuzzResources)]
		obj, err := s.decodeBody(w, r, resource, body, types[int(ct)%len(types)])
		checkClientError(t, err)
		if err == nil && obj == nil {
			t.Fatal("nil object without error")
		}
	})
}

func FuzzPatch(f *testing.F) {
	f.Add([]byte(`[{"op":"add","path":"/data/x","value":"1"}]`), uint8(0))
	f.Add([]byte(`{"data":{"x":null,"y":"2"}}`), uint8(1))
	f.Add([]byte(`{"metadata":{"labels":{"$patch":"replace"}}}`), uint8(2))
	f.Add([]byte(`[{"op":"move","from":"/data","path":"/data/a"}]`), uint8(0))
	s := decodeOnlyServer()
	var cmRes *registry.Resource
	for _, r := range fuzzResources {
		if r.Resource == "configmaps" {
			cmRes = r
		}
	}
	pts := []types.PatchType{types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType}
	f.Fuzz(func(t *testing.T, patch []byte, pt uint8) {
		cur := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default", Labels: map[string]string{"l": "1"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:k":{}}}`)}}}},
			Data: map[string]string{"k": "v"}}
		cur.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
		w := httptest.NewRecorder()
		typ := pts[int(pt)%len(pts)]
		if typ != types.JSONPatchType {
			var err error
			if patch, err = toJSON(patch); err != nil {
				checkClientError(t, err)
				return
			}
		}
		_, err := s.applyPatch(w, cmRes, typ, cur, patch, "Strict")
		checkClientError(t, err)
	})
}

// decodeJSON answers exactly as the strict JSON decoder it saves a pass
// of: the same object, or the same error, and the same warnings.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}`), uint8(0), uint8(0))
	f.Add([]byte(`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2,"x":1}}`), uint8(15), uint8(1))
	f.Add([]byte(`{"apiVersion":"v1","KIND":"Service","kind":"Pod"}`), uint8(3), uint8(2))
	f.Add([]byte(`{"kind":"Pod","kind":"Service","spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1x"}}}]}}`), uint8(3), uint8(0))
	f.Add([]byte(`{"apiVersion":"apps","metadata":{"name":1}}`), uint8(1), uint8(1))
	s := decodeOnlyServer()
	policies := []string{"Strict", "Warn", "Ignore"}
	f.Fuzz(func(t *testing.T, body []byte, res, policy uint8) {
		resource := fuzzResources[int(res)%len(fuzzResources)]
		p := policies[int(policy)%len(policies)]
		w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
		got, err1 := s.decodeJSON(w1, body, resource, p)
		want, err2 := s.decodeInto(w2, s.codecs.strictJSON, body, resource, p)
		switch {
		case err1 != nil || err2 != nil:
			if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
				t.Fatalf("errors differ:\none-pass   %v\nserializer %v", err1, err2)
			}
		case !equality.Semantic.DeepEqual(got, want):
			t.Fatalf("objects differ:\none-pass   %#v\nserializer %#v", got, want)
		}
		if a, b := w1.Header()["Warning"], w2.Header()["Warning"]; !slices.Equal(a, b) {
			t.Fatalf("warnings differ: %q vs %q", a, b)
		}
	})
}

func FuzzRequestInfoAndAccept(f *testing.F) {
	f.Add("/apis/apps/v1/namespaces/ns/deployments/d/scale", "application/json;as=Table;v=v1;g=meta.k8s.io, application/json")
	f.Add("/api/v1/namespaces", "application/vnd.kubernetes.protobuf;q=0.5, */*")
	f.Fuzz(func(t *testing.T, path, accept string) {
		r, err := http.NewRequest(http.MethodGet, "https://x"+path, nil)
		if err != nil {
			return
		}
		r.Header.Set("Accept", accept)
		info := parseRequestInfo(r)
		if info.IsResource && info.Resource == "" {
			t.Fatalf("resource request without a resource: %+v", info)
		}
		negotiate(r, (&converter{}).allowAs)
	})
}
