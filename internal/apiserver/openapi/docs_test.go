package openapi

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/spec3"
)

func v3Doc(t *testing.T, d *Docs, p string) *spec3.OpenAPI {
	t.Helper()
	b, ok := d.V3Path(p)
	if !ok {
		t.Fatalf("no v3 document %q", p)
	}
	var doc spec3.OpenAPI
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return &doc
}

func paramNames(op *spec3.Operation) []string {
	var out []string
	for _, p := range op.Parameters {
		if p.In == "query" {
			out = append(out, p.Name)
		}
	}
	return out
}

func TestV3AppsDocument(t *testing.T) {
	doc := v3Doc(t, testDocs(t), "apis/apps/v1")
	if doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"] == nil {
		t.Fatal("components.schemas lacks io.k8s.api.apps.v1.Deployment")
	}
	item := "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
	tests := []struct {
		path, method string
		wantAction   string
		wantKind     string
		wantParams   []string
	}{
		{item, "patch", "patch", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation", "force"}},
		{item, "put", "put", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation"}},
		{item, "get", "get", "Deployment", nil},
		{item, "delete", "delete", "Deployment", []string{"dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "post", "post", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "get", "list", "Deployment", []string{"labelSelector", "limit", "watch"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "delete", "deletecollection", "Deployment", []string{"dryRun", "labelSelector"}},
		{"/apis/apps/v1/deployments", "get", "list", "Deployment", []string{"fieldSelector", "resourceVersion"}},
		{item + "/status", "patch", "patch", "Deployment", []string{"fieldValidation"}},
		{item + "/scale", "patch", "patch", "Scale", []string{"fieldValidation"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			p := doc.Paths.Paths[tt.path]
			if p == nil {
				t.Fatal("no such path")
			}
			op := map[string]*spec3.Operation{"get": p.Get, "put": p.Put, "post": p.Post, "patch": p.Patch, "delete": p.Delete}[tt.method]
			if op == nil {
				t.Fatal("no such operation")
			}
			if got := op.Extensions["x-kubernetes-action"]; got != tt.wantAction {
				t.Errorf("x-kubernetes-action = %v, want %s", got, tt.wantAction)
			}
			var gvk map[string]string
			if err := op.Extensions.GetObject(gvkExtension, &gvk); err != nil || gvk["kind"] != tt.wantKind {
				t.Errorf("x-kubernetes-group-version-kind = %v (%v), want kind %s", gvk, err, tt.wantKind)
			}
			got := paramNames(op)
			for _, w := range tt.wantParams {
				if !slices.Contains(got, w) {
					t.Errorf("query parameters %v lack %s", got, w)
				}
			}
		})
	}
}

// Every write operation of every document must announce dryRun and
// fieldValidation, or kubectl falls back to client-side validation.
func TestWriteOperationsHaveFieldValidation(t *testing.T) {
	d := testDocs(t)
	for _, name := range d.V3Paths() {
		doc := v3Doc(t, d, name)
		for path, p := range doc.Paths.Paths {
			for method, op := range map[string]*spec3.Operation{"post": p.Post, "put": p.Put, "patch": p.Patch} {
				if op == nil || op.Extensions["x-kubernetes-action"] == "connect" {
					continue
				}
				got := paramNames(op)
				for _, want := range []string{"dryRun", "fieldValidation", "fieldManager"} {
					if !slices.Contains(got, want) {
						t.Errorf("%s %s %s: query parameters %v lack %s", name, method, path, got, want)
					}
				}
			}
		}
	}
}

// Each v3 document must be self-contained: every $ref resolves inside it.
func TestV3DocumentsSelfContained(t *testing.T) {
	d := testDocs(t)
	for _, name := range d.V3Paths() {
		b, _ := d.V3Path(name)
		var doc struct {
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		refs := 0
		for _, part := range strings.Split(string(b), `"$ref":"`)[1:] {
			ref := part[:strings.IndexByte(part, '"')]
			refs++
			target, ok := strings.CutPrefix(ref, v3RefPrefix)
			if !ok || doc.Components.Schemas[target] == nil {
				t.Errorf("%s: unresolved $ref %q", name, ref)
			}
		}
		if refs == 0 {
			t.Errorf("%s: no $ref at all", name)
		}
	}
}

func TestV2DocumentRefs(t *testing.T) {
	b := testDocs(t).V2JSON()
	var doc struct {
		Swagger     string                     `json:"swagger"`
		Definitions map[string]json.RawMessage `json:"definitions"`
		Paths       map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Swagger != "2.0" || doc.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"] == nil {
		t.Fatalf("swagger %q, missing deployment path", doc.Swagger)
	}
	for _, part := range strings.Split(string(b), `"$ref":"`)[1:] {
		ref := part[:strings.IndexByte(part, '"')]
		if target, ok := strings.CutPrefix(ref, v2RefPrefix); !ok || doc.Definitions[target] == nil {
			t.Errorf("unresolved $ref %q", ref)
		}
	}
	var generic interface{}
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if where := findDefault(generic, ""); where != "" {
		t.Errorf("v2 document keeps a default at %s; upstream prunes them", where)
	}
	apps, _ := testDocs(t).V3Path("apis/apps/v1")
	if err := json.Unmarshal(apps, &generic); err != nil {
		t.Fatal(err)
	}
	if findDefault(generic, "") == "" {
		t.Error("v3 document lost its defaults; upstream keeps them")
	}
	if strings.Contains(string(b), v2SchemaExtension) {
		t.Error("v2 document leaks the embedded v2-schema extension")
	}
}

// findDefault returns the location of a "default" keyword (not a property
// named default), or "".
func findDefault(v interface{}, at string) string {
	switch v := v.(type) {
	case map[string]interface{}:
		for k, child := range v {
			if k == "default" && !strings.HasSuffix(at, "/properties") {
				return at
			}
			if where := findDefault(child, at+"/"+k); where != "" {
				return where
			}
		}
	case []interface{}:
		for _, child := range v {
			if where := findDefault(child, at+"/[]"); where != "" {
				return where
			}
		}
	}
	return ""
}

const v2SchemaExtension = "x-kubernetes-v2-schema"

func TestV3IndexHashes(t *testing.T) {
	d := testDocs(t)
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(d.V3Index(), &index); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1", "version"} {
		if _, ok := index.Paths[want]; !ok {
			t.Errorf("index lacks %s", want)
		}
	}
	if len(index.Paths) != len(d.V3Paths()) {
		t.Errorf("index has %d paths, documents %d", len(index.Paths), len(d.V3Paths()))
	}
	for name, e := range index.Paths {
		b, ok := d.V3Path(name)
		if !ok {
			t.Errorf("%s: in index but not served", name)
			continue
		}
		sum := sha512.Sum512(b)
		hash := strings.ToUpper(hex.EncodeToString(sum[:]))
		if got := d.V3Hash(name); got != hash {
			t.Errorf("%s: V3Hash %s, want sha512 of the document %s", name, got, hash)
		}
		if want := "/openapi/v3/" + name + "?hash=" + hash; e.ServerRelativeURL != want {
			t.Errorf("%s: serverRelativeURL %s, want %s", name, e.ServerRelativeURL, want)
		}
	}
	if d.V3Hash("apis/nope/v1") != "" {
		t.Error("V3Hash of an unknown document is not empty")
	}
}

func TestBuildRejectsBadKinds(t *testing.T) {
	tests := []struct {
		name  string
		kinds []Kind
	}{
		{"unknown kind", []Kind{{Group: "apps", Version: "v1", Kind: "Gadget", Resource: "gadgets"}}},
		{"no resource", []Kind{{Group: "apps", Version: "v1", Kind: "Deployment"}}},
		{"slash in resource", []Kind{{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments/status"}}},
		{"served twice", []Kind{
			{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespaced: true},
			{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespaced: true},
		}},
		{"unknown subresource kind", []Kind{{Version: "v1", Kind: "Pod", Resource: "pods", Subresources: []string{"a/b"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.kinds); err == nil {
				t.Error("Build succeeded, want an error")
			}
		})
	}
}

func TestCreateOnlyKinds(t *testing.T) {
	doc := v3Doc(t, testDocs(t), "apis/authentication.k8s.io/v1")
	p := doc.Paths.Paths["/apis/authentication.k8s.io/v1/tokenreviews"]
	if p == nil || p.Post == nil {
		t.Fatal("no POST /apis/authentication.k8s.io/v1/tokenreviews")
	}
	if p.Get != nil || p.Delete != nil || doc.Paths.Paths["/apis/authentication.k8s.io/v1/tokenreviews/{name}"] != nil {
		t.Error("TokenReview has no List type and must be create-only")
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(testKinds); err != nil {
			b.Fatal(err)
		}
	}
}
