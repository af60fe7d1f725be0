package openapi

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	clientopenapi "k8s.io/client-go/openapi"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	explainv2 "k8s.io/kubectl/pkg/explain/v2"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
	"k8s.io/kubectl/pkg/validation"
)

// The documents are checked here with the client code kubectl runs
// against a real apiserver.

func testServer(t *testing.T) (*discovery.DiscoveryClient, *rest.Config) {
	t.Helper()
	srv := httptest.NewServer(testDocs(t))
	t.Cleanup(srv.Close)
	cfg := &rest.Config{Host: srv.URL}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dc, cfg
}

func TestOpenAPI3Root(t *testing.T) {
	dc, _ := testServer(t)
	root := openapi3.NewRoot(dc.OpenAPIV3())
	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		gv     schema.GroupVersion
		schema string
	}{
		{schema.GroupVersion{Group: "apps", Version: "v1"}, "io.k8s.api.apps.v1.Deployment"},
		{schema.GroupVersion{Version: "v1"}, "io.k8s.api.core.v1.Pod"},
		{schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}, "io.k8s.api.rbac.v1.ClusterRole"},
	}
	for _, tt := range tests {
		t.Run(tt.gv.String(), func(t *testing.T) {
			found := false
			for _, gv := range gvs {
				found = found || gv == tt.gv
			}
			if !found {
				t.Errorf("GroupVersions() %v lacks %v", gvs, tt.gv)
			}
			doc, err := root.GVSpec(tt.gv)
			if err != nil {
				t.Fatalf("GVSpec: %v", err)
			}
			if doc.Components == nil || doc.Components.Schemas[tt.schema] == nil {
				t.Errorf("GVSpec(%v) lacks schema %s", tt.gv, tt.schema)
			}
		})
	}
}

// client-go's type converter merges the components of every document, as
// kubectl does for client-side apply.
func TestClientGoTypeConverter(t *testing.T) {
	dc, _ := testServer(t)
	if _, err := clientopenapi.NewTypeConverter(dc.OpenAPIV3(), false); err != nil {
		t.Fatalf("NewTypeConverter over all v3 documents: %v", err)
	}
}

// kubectl decides whether to send fieldValidation (server-side validation)
// with these verifiers: v3 first, the v2 protobuf document as fallback.
func TestFieldValidationVerifiers(t *testing.T) {
	dc, cfg := testServer(t)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	verifiers := map[string]resource.Verifier{
		"v3": resource.NewQueryParamVerifierV3(dyn, dc.OpenAPIV3(), resource.QueryParamFieldValidation),
		"v2": resource.NewQueryParamVerifier(dyn, dc, resource.QueryParamFieldValidation),
	}
	for name, v := range verifiers {
		for _, k := range testKinds {
			if len(k.Verbs) > 0 && !has(k.Verbs, "patch") || k.Resource == "bindings" || strings.HasSuffix(k.Kind, "Review") {
				continue // nothing to patch
			}
			if err := v.HasSupport(k.gvk()); err != nil {
				t.Errorf("%s verifier: %s: %v", name, k.gvk(), err)
			}
		}
	}
}

func TestKubectlExplain(t *testing.T) {
	dc, _ := testServer(t)
	tests := []struct {
		gvr   schema.GroupVersionResource
		field []string
		want  []string
	}{
		{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, []string{"spec", "template"},
			[]string{"KIND:       Deployment", "FIELD: template <PodTemplateSpec>", "spec\t<PodSpec>"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "pods"}, []string{"spec", "containers"},
			[]string{"KIND:       Pod", "FIELD: containers <[]Container>", "image\t<string>"}},
		{schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}, nil,
			[]string{"GROUP:      batch", "KIND:       CronJob", "spec\t<CronJobSpec>"}},
	}
	for _, tt := range tests {
		t.Run(tt.gvr.String()+"."+strings.Join(tt.field, "."), func(t *testing.T) {
			var out bytes.Buffer
			if err := explainv2.PrintModelDescription(tt.field, &out, dc.OpenAPIV3(), tt.gvr, false, 0, "plaintext"); err != nil {
				t.Fatalf("explain: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

type resourcesGetter struct{ r kubectlopenapi.Resources }

func (g resourcesGetter) OpenAPISchema() (kubectlopenapi.Resources, error) { return g.r, nil }

// kubectl parses the v2 protobuf document for client-side validation and
// client-side apply.
func TestKubectlV2Parser(t *testing.T) {
	dc, _ := testServer(t)
	resources, err := kubectlopenapi.NewOpenAPIParser(dc).Parse()
	if err != nil {
		t.Fatalf("parsing /openapi/v2 protobuf: %v", err)
	}
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	if resources.LookupResource(deployment) == nil {
		t.Fatal("LookupResource(Deployment) = nil")
	}
	if got := resources.GetConsumes(deployment, "PATCH"); len(got) != len(patchMediaTypes) {
		t.Errorf("GetConsumes(Deployment, PATCH) = %v, want the %d patch types", got, len(patchMediaTypes))
	}
	validator := validation.NewSchemaValidation(resourcesGetter{resources})
	tests := []struct {
		name    string
		yaml    string
		wantErr bool
	}{
		{"valid", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n", false},
		{"unknown field", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicaz: 3}\n", true},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: three}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validator.ValidateBytes([]byte(tt.yaml))
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidateBytes error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// kubectl's client-side apply computes strategic merge patches from the
// v3 document of the object's group version.
func TestStrategicMergePatchFromV3(t *testing.T) {
	dc, _ := testServer(t)
	doc, err := openapi3.NewRoot(dc.OpenAPIV3()).GVSpec(schema.GroupVersion{Group: "apps", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	meta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"], SchemaList: doc.Components.Schemas}
	deploy := func(containers string) []byte {
		return []byte(`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":` + containers + `}}}}`)
	}
	original := deploy(`[{"name":"a","image":"x"}]`)
	modified := deploy(`[{"name":"a","image":"y"}]`)
	current := deploy(`[{"name":"a","image":"x"},{"name":"sidecar","image":"s"}]`)
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, meta, false)
	if err != nil {
		t.Fatalf("CreateThreeWayMergePatch: %v", err)
	}
	// With the merge key known, the patch addresses container "a" by name
	// instead of replacing the list (which would drop the sidecar).
	want := `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"image":"y","name":"a"}]}}}}`
	if string(patch) != want {
		t.Errorf("patch %s, want %s", patch, want)
	}
}
