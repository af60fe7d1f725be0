package openapi

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

var (
	docsOnce  sync.Once
	docsValue *Docs
	docsErr   error
)

// testDocs builds the documents for testKinds once per test binary.
func testDocs(t testing.TB) *Docs {
	t.Helper()
	docsOnce.Do(func() { docsValue, docsErr = Build(testKinds) })
	if docsErr != nil {
		t.Fatalf("Build: %v", docsErr)
	}
	return docsValue
}

type gvkEntry = map[string]interface{}

func entry(group, version, kind string) gvkEntry {
	return gvkEntry{"group": group, "version": version, "kind": kind}
}

func TestGVKExtension(t *testing.T) {
	d := testDocs(t)
	var v2 struct {
		Definitions map[string]struct {
			GVK []gvkEntry `json:"x-kubernetes-group-version-kind"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(d.V2JSON(), &v2); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		model string
		want  gvkEntry // must be among the model's GVKs
		only  bool     // and be the only one
	}{
		{"io.k8s.api.core.v1.Pod", entry("", "v1", "Pod"), true},
		{"io.k8s.api.apps.v1.Deployment", entry("apps", "v1", "Deployment"), true},
		{"io.k8s.api.apps.v1.DeploymentList", entry("apps", "v1", "DeploymentList"), true},
		{"io.k8s.api.autoscaling.v1.Scale", entry("autoscaling", "v1", "Scale"), true},
		{"io.k8s.api.rbac.v1.ClusterRole", entry("rbac.authorization.k8s.io", "v1", "ClusterRole"), true},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", entry("", "v1", "Status"), true},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", entry("apps", "v1", "DeleteOptions"), false},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", entry("", "v1", "DeleteOptions"), false},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList", entry("", "v1", "APIResourceList"), true},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			s := d.Definitions()[tt.model]
			if s == nil {
				t.Fatalf("no definition")
			}
			v3, _ := s.Extensions[gvkExtension].([]interface{})
			v2GVK := v2.Definitions[tt.model].GVK
			for flavour, got := range map[string][]interface{}{"v3": v3, "v2": toInterfaces(v2GVK)} {
				if !containsGVK(got, tt.want) {
					t.Errorf("%s: %v does not contain %v", flavour, got, tt.want)
				}
				if tt.only && len(got) != 1 {
					t.Errorf("%s: want only %v, got %v", flavour, tt.want, got)
				}
			}
		})
	}
	if s := d.Definitions()["io.k8s.api.apps.v1.DeploymentSpec"]; s.Extensions[gvkExtension] != nil {
		t.Errorf("DeploymentSpec is no kind but carries %v", s.Extensions[gvkExtension])
	}
}

func toInterfaces(l []gvkEntry) []interface{} {
	out := make([]interface{}, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func containsGVK(l []interface{}, want gvkEntry) bool {
	for _, e := range l {
		if m, ok := e.(map[string]interface{}); ok && reflect.DeepEqual(m, want) {
			return true
		}
	}
	return false
}

func TestSchemaExtensionsKept(t *testing.T) {
	defs := testDocs(t).Definitions()
	tests := []struct {
		model, property, extension string
		want                       interface{}
	}{
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-patch-merge-key", "name"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-patch-strategy", "merge"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-list-type", "map"},
		{"io.k8s.api.core.v1.PodSpec", "containers", "x-kubernetes-list-map-keys", []interface{}{"name"}},
		{"io.k8s.api.apps.v1.DeploymentSpec", "strategy", "x-kubernetes-patch-strategy", "retainKeys"},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "", "x-kubernetes-map-type", "atomic"},
	}
	for _, tt := range tests {
		t.Run(tt.model+"."+tt.property+"/"+tt.extension, func(t *testing.T) {
			s := defs[tt.model]
			if s == nil {
				t.Fatal("no definition")
			}
			ext := s.Extensions
			if tt.property != "" {
				p, ok := s.Properties[tt.property]
				if !ok {
					t.Fatalf("no property %s", tt.property)
				}
				ext = p.Extensions
			}
			if got := ext[tt.extension]; !reflect.DeepEqual(got, tt.want) && !reflect.DeepEqual(toStrings(got), tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func toStrings(v interface{}) interface{} {
	if l, ok := v.([]string); ok {
		out := make([]interface{}, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return v
}

func TestTypeConverter(t *testing.T) {
	tc, err := managedfields.NewTypeConverter(testDocs(t).Definitions(), false)
	if err != nil {
		t.Fatalf("NewTypeConverter: %v", err)
	}
	labels := map[string]string{"app": "web"}
	deployment := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	tests := []struct {
		name    string
		obj     runtime.Object
		wantErr bool
		// path that must be in the object's field set
		want *fieldpath.Path
	}{
		{"deployment", deployment, false, ptr.To(fieldpath.MakePathOrDie("spec", "template", "spec", "containers", fieldpath.KeyByFields("name", "web"), "image"))},
		{"configmap", &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, Data: map[string]string{"k": "v"}}, false,
			ptr.To(fieldpath.MakePathOrDie("data", "k"))},
		{"pod with quantity and int-or-string", &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}},
		}}, false, ptr.To(fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "c"), "resources", "limits", "cpu"))},
		{"unknown kind", &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "NoSuchKind"}}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tv, err := tc.ObjectToTyped(tt.obj)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ObjectToTyped error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			set, err := tv.ToFieldSet()
			if err != nil {
				t.Fatalf("ToFieldSet: %v", err)
			}
			if !set.Has(*tt.want) {
				t.Errorf("field set lacks %v:\n%v", tt.want, set)
			}
		})
	}
}
