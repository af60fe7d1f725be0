package integration

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/disk"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
)

// wantResources are resources whose discovery entries kubectl relies on.
var wantResources = []struct {
	gv         string
	resource   string
	kind       string
	namespaced bool
	short      []string
	all        bool
	subs       []string
}{
	{"v1", "pods", "Pod", true, []string{"po"}, true, []string{"status", "binding", "eviction"}},
	{"v1", "services", "Service", true, []string{"svc"}, true, []string{"status"}},
	{"v1", "configmaps", "ConfigMap", true, []string{"cm"}, false, nil},
	{"v1", "namespaces", "Namespace", false, []string{"ns"}, false, []string{"status", "finalize"}},
	{"v1", "nodes", "Node", false, []string{"no"}, false, []string{"status"}},
	{"v1", "replicationcontrollers", "ReplicationController", true, []string{"rc"}, true, []string{"status", "scale"}},
	{"apps/v1", "deployments", "Deployment", true, []string{"deploy"}, true, []string{"status", "scale"}},
	{"apps/v1", "statefulsets", "StatefulSet", true, []string{"sts"}, true, []string{"status", "scale"}},
	{"apps/v1", "daemonsets", "DaemonSet", true, []string{"ds"}, true, []string{"status"}},
	{"batch/v1", "jobs", "Job", true, nil, true, []string{"status"}},
	{"batch/v1", "cronjobs", "CronJob", true, []string{"cj"}, true, []string{"status"}},
	{"networking.k8s.io/v1", "ingresses", "Ingress", true, []string{"ing"}, false, []string{"status"}},
	{"policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true, []string{"pdb"}, false, []string{"status"}},
}

func TestLegacyDiscovery(t *testing.T) {
	r := doRaw(t, "GET", "/api", nil, "Accept", "application/json")
	var versions metav1.APIVersions
	if r.Code != 200 || json.Unmarshal(r.Body, &versions) != nil || !slices.Equal(versions.Versions, []string{"v1"}) {
		t.Fatalf("/api: %d %s", r.Code, r.Body)
	}
	r = doRaw(t, "GET", "/apis", nil, "Accept", "application/json")
	var groups metav1.APIGroupList
	if r.Code != 200 || json.Unmarshal(r.Body, &groups) != nil {
		t.Fatalf("/apis: %d %s", r.Code, r.Body)
	}
	have := map[string]string{}
	for _, g := range groups.Groups {
		have[g.Name] = g.PreferredVersion.GroupVersion
	}
	for g, v := range map[string]string{"apps": "apps/v1", "batch": "batch/v1", "autoscaling": "autoscaling/v2", "networking.k8s.io": "networking.k8s.io/v1",
		"rbac.authorization.k8s.io": "rbac.authorization.k8s.io/v1", "policy": "policy/v1", "coordination.k8s.io": "coordination.k8s.io/v1"} {
		if have[g] != v {
			t.Errorf("/apis: group %s preferred %q, want %q", g, have[g], v)
		}
	}
	if _, ok := have[""]; ok {
		t.Error("/apis lists the core group")
	}
	r = doRaw(t, "GET", "/apis/apps", nil, "Accept", "application/json")
	if r.Code != 200 || !strings.Contains(string(r.Body), `"name":"apps"`) {
		t.Fatalf("/apis/apps: %d %s", r.Code, r.Body)
	}
	r = doRaw(t, "GET", "/apis/apps/v1", nil, "Accept", "application/json")
	var list metav1.APIResourceList
	if r.Code != 200 || json.Unmarshal(r.Body, &list) != nil || list.GroupVersion != "apps/v1" {
		t.Fatalf("/apis/apps/v1: %d %s", r.Code, r.Body)
	}
	byName := map[string]metav1.APIResource{}
	for _, ar := range list.APIResources {
		byName[ar.Name] = ar
	}
	d := byName["deployments"]
	if d.Kind != "Deployment" || !d.Namespaced || !slices.Equal(d.ShortNames, []string{"deploy"}) || !slices.Contains(d.Categories, "all") || d.SingularName != "deployment" {
		t.Fatalf("deployments in /apis/apps/v1: %+v", d)
	}
	for _, v := range []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"} {
		if !slices.Contains(d.Verbs, v) {
			t.Errorf("deployments verbs %v lack %s", d.Verbs, v)
		}
	}
	if sc := byName["deployments/scale"]; sc.Kind != "Scale" || sc.Group != "autoscaling" || sc.Version != "v1" {
		t.Fatalf("deployments/scale: %+v", sc)
	}
	if _, ok := byName["deployments/status"]; !ok {
		t.Fatal("no deployments/status")
	}
	r = doRaw(t, "GET", "/apis/apps/v9", nil)
	expectStatus(t, "/apis/apps/v9", r, http.StatusNotFound, "")

	// client-go's discovery client, both the aggregated and the legacy way.
	for name, dc := range map[string]discovery.DiscoveryInterface{"aggregated": client.Discovery(), "legacy": client.Discovery().WithLegacy()} {
		t.Run(name, func(t *testing.T) {
			_, lists, err := dc.ServerGroupsAndResources()
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]metav1.APIResource{}
			for _, l := range lists {
				for _, ar := range l.APIResources {
					found[l.GroupVersion+"/"+ar.Name] = ar
				}
			}
			for _, w := range wantResources {
				ar, ok := found[w.gv+"/"+w.resource]
				if !ok {
					t.Errorf("%s %s not discovered", w.gv, w.resource)
					continue
				}
				if ar.Kind != w.kind || ar.Namespaced != w.namespaced || !slices.Equal(ar.ShortNames, w.short) || slices.Contains(ar.Categories, "all") != w.all {
					t.Errorf("%s %s: %+v", w.gv, w.resource, ar)
				}
				for _, sub := range w.subs {
					if _, ok := found[w.gv+"/"+w.resource+"/"+sub]; !ok {
						t.Errorf("%s %s/%s not discovered", w.gv, w.resource, sub)
					}
				}
			}
		})
	}
}

func TestAggregatedDiscovery(t *testing.T) {
	for _, path := range []string{"/api", "/apis"} {
		r := doRaw(t, "GET", path, nil, "Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
		if r.Code != 200 || !strings.Contains(r.Header.Get("Content-Type"), "as=APIGroupDiscoveryList") {
			t.Fatalf("%s aggregated: %d %q", path, r.Code, r.Header.Get("Content-Type"))
		}
		var doc apidiscoveryv2.APIGroupDiscoveryList
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc.Kind != "APIGroupDiscoveryList" || doc.APIVersion != "apidiscovery.k8s.io/v2" {
			t.Fatalf("%s aggregated document: %v %s", path, err, r.Body[:min(len(r.Body), 300)])
		}
		found := map[string]apidiscoveryv2.APIResourceDiscovery{}
		for _, g := range doc.Items {
			if (g.Name == "") != (path == "/api") {
				t.Fatalf("%s lists group %q", path, g.Name)
			}
			for _, v := range g.Versions {
				for _, res := range v.Resources {
					found[schema.GroupVersion{Group: g.Name, Version: v.Version}.String()+"/"+res.Resource] = res
				}
			}
		}
		for _, w := range wantResources {
			if (w.gv == "v1") != (path == "/api") {
				continue
			}
			res, ok := found[w.gv+"/"+w.resource]
			if !ok {
				t.Errorf("%s: %s %s missing", path, w.gv, w.resource)
				continue
			}
			scope := apidiscoveryv2.ScopeCluster
			if w.namespaced {
				scope = apidiscoveryv2.ScopeNamespace
			}
			if res.ResponseKind == nil || res.ResponseKind.Kind != w.kind || res.Scope != scope || !slices.Equal(res.ShortNames, w.short) || slices.Contains(res.Categories, "all") != w.all {
				t.Errorf("%s: %s %s: %+v", path, w.gv, w.resource, res)
			}
			var subs []string
			for _, s := range res.Subresources {
				subs = append(subs, s.Subresource)
			}
			for _, sub := range w.subs {
				if !slices.Contains(subs, sub) {
					t.Errorf("%s: %s %s subresources %v lack %s", path, w.gv, w.resource, subs, sub)
				}
			}
		}
	}
	// Clients that do not ask for it get the legacy document.
	r := doRaw(t, "GET", "/apis", nil, "Accept", "application/json")
	if strings.Contains(r.Header.Get("Content-Type"), "APIGroupDiscoveryList") || !strings.Contains(string(r.Body), `"kind":"APIGroupList"`) {
		t.Fatalf("/apis without aggregated Accept: %q %s", r.Header.Get("Content-Type"), r.Body[:min(len(r.Body), 200)])
	}
}

func TestRESTMapper(t *testing.T) {
	// kubectl's way: a disk-cached discovery client (which lists groups in
	// the server's priority order, so "ev" is core/v1 events as upstream).
	cached, err := disk.NewCachedDiscoveryClientForConfig(restConfig, t.TempDir(), t.TempDir(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	expander := restmapper.NewShortcutExpander(mapper, cached, func(string) {})
	dc := memory.NewMemCacheClient(client.Discovery())
	cases := map[string]schema.GroupVersionResource{
		"deploy":      {Group: "apps", Version: "v1", Resource: "deployments"},
		"po":          {Version: "v1", Resource: "pods"},
		"svc":         {Version: "v1", Resource: "services"},
		"deployment":  {Group: "apps", Version: "v1", Resource: "deployments"},
		"pods":        {Version: "v1", Resource: "pods"},
		"hpa":         {Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
		"cj":          {Group: "batch", Version: "v1", Resource: "cronjobs"},
		"ev":          {Version: "v1", Resource: "events"},
		"deploy.apps": {Group: "apps", Version: "v1", Resource: "deployments"},
	}
	for in, want := range cases {
		var gvr schema.GroupVersionResource
		if g, r, ok := strings.Cut(in, "."); ok {
			gvr = schema.GroupVersionResource{Group: r, Resource: g}
		} else {
			gvr = schema.GroupVersionResource{Resource: in}
		}
		got, err := expander.ResourceFor(gvr)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("%q resolves to %v, want %v", in, got, want)
		}
	}
	m, err := mapper.RESTMapping(schema.GroupKind{Group: "apps", Kind: "Deployment"})
	if err != nil || m.Resource.Resource != "deployments" || m.Scope.Name() != "namespace" {
		t.Fatalf("RESTMapping Deployment: %+v %v", m, err)
	}
	m, err = mapper.RESTMapping(schema.GroupKind{Kind: "Node"})
	if err != nil || m.Resource.Resource != "nodes" || m.Scope.Name() != "root" {
		t.Fatalf("RESTMapping Node: %+v %v", m, err)
	}
	if _, err := expander.ResourceFor(schema.GroupVersionResource{Resource: "widgets"}); err == nil {
		t.Fatal("an unknown resource resolved")
	}
	// kubectl get all.
	grs, ok := restmapper.NewDiscoveryCategoryExpander(dc).Expand("all")
	if !ok {
		t.Fatal("category all not found")
	}
	for _, want := range []schema.GroupResource{{Resource: "pods"}, {Resource: "services"}, {Group: "apps", Resource: "deployments"},
		{Group: "apps", Resource: "replicasets"}, {Group: "apps", Resource: "statefulsets"}, {Group: "batch", Resource: "jobs"}} {
		if !slices.Contains(grs, want) {
			t.Errorf("category all lacks %v: %v", want, grs)
		}
	}
	if slices.Contains(grs, schema.GroupResource{Resource: "configmaps"}) || slices.Contains(grs, schema.GroupResource{Resource: "secrets"}) {
		t.Errorf("category all includes configmaps or secrets: %v", grs)
	}
}

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

func tableColumns(t *testing.T, path string) (*metav1.Table, []string) {
	t.Helper()
	r := doRaw(t, "GET", path, nil, "Accept", tableAccept)
	var tbl metav1.Table
	if r.Code != 200 || json.Unmarshal(r.Body, &tbl) != nil || tbl.Kind != "Table" {
		t.Fatalf("%s as Table: %d %s", path, r.Code, r.Body)
	}
	var cols []string
	for _, c := range tbl.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	return &tbl, cols
}

func TestTableOutput(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	must(client.CoreV1().Pods(ns).Create(ctx, simplePod("web-1", nil), metav1.CreateOptions{}))(t)
	must(client.AppsV1().Deployments(ns).Create(ctx, simpleDeployment("web", 3), metav1.CreateOptions{}))(t)
	must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"a": "1", "b": "2"}}, metav1.CreateOptions{}))(t)

	cases := []struct {
		path    string
		columns []string
		first   []any
	}{
		{"/api/v1/namespaces/" + ns + "/pods", []string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}, []any{"web-1", "0/1"}},
		{"/apis/apps/v1/namespaces/" + ns + "/deployments", []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}, []any{"web", "0/3", float64(0), float64(0)}},
		{"/apis/apps/v1/namespaces/" + ns + "/deployments/web", []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}, []any{"web"}},
		{"/api/v1/namespaces/" + ns + "/configmaps", []string{"Name", "Data", "Age"}, []any{"cfg", float64(2)}},
		{"/api/v1/namespaces", []string{"Name", "Status", "Age"}, nil},
	}
	for _, tc := range cases {
		tbl, cols := tableColumns(t, tc.path)
		if !slices.Equal(cols, tc.columns) {
			t.Errorf("%s columns %v, want %v", tc.path, cols, tc.columns)
			continue
		}
		if tc.first == nil {
			continue
		}
		if len(tbl.Rows) != 1 {
			t.Errorf("%s: %d rows", tc.path, len(tbl.Rows))
			continue
		}
		for i, want := range tc.first {
			if tbl.Rows[0].Cells[i] != want {
				t.Errorf("%s: cell %d (%s) = %#v, want %#v", tc.path, i, cols[i], tbl.Rows[0].Cells[i], want)
			}
		}
		// Rows carry the object's metadata by default (kubectl uses it).
		if !strings.Contains(string(tbl.Rows[0].Object.Raw), `"kind":"PartialObjectMetadata"`) {
			t.Errorf("%s: row object %s", tc.path, tbl.Rows[0].Object.Raw)
		}
	}
	// includeObject=Object embeds the whole object; priority marks wide columns.
	tbl, _ := tableColumns(t, "/api/v1/namespaces/"+ns+"/pods?includeObject=Object")
	if !strings.Contains(string(tbl.Rows[0].Object.Raw), `"kind":"Pod"`) || !strings.Contains(string(tbl.Rows[0].Object.Raw), `"containers"`) {
		t.Errorf("includeObject=Object row: %s", tbl.Rows[0].Object.Raw)
	}
	if tbl.ColumnDefinitions[0].Priority != 0 || tbl.ColumnDefinitions[5].Priority == 0 {
		t.Errorf("pod column priorities: %+v", tbl.ColumnDefinitions)
	}
	// Asking for a Table of an unknown "as" falls back to the next type.
	r := doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/pods", nil, "Accept", "application/json;as=Widget;v=v1;g=meta.k8s.io")
	expectStatus(t, "unknown as=", r, http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable)

	// Metadata-only lists (the metadata client, used by the garbage collector).
	mc := metadata.NewForConfigOrDie(restConfig)
	ml, err := mc.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(ml.Items) != 1 || ml.Items[0].Name != "web" {
		t.Fatalf("metadata list: %v %+v", err, ml)
	}
}

func TestOpenAPI(t *testing.T) {
	dc := client.Discovery()
	v2, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatalf("openapi v2: %v", err)
	}
	defs := map[string]bool{}
	for _, p := range v2.GetDefinitions().GetAdditionalProperties() {
		defs[p.GetName()] = true
	}
	for _, d := range []string{"io.k8s.api.apps.v1.Deployment", "io.k8s.api.core.v1.Pod", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"} {
		if !defs[d] {
			t.Errorf("openapi v2 lacks %s", d)
		}
	}
	r := doRaw(t, "GET", "/openapi/v2", nil, "Accept", "application/json")
	if r.Code != 200 || !strings.Contains(string(r.Body[:min(len(r.Body), 200)]), `"swagger"`) {
		t.Fatalf("/openapi/v2 JSON: %d", r.Code)
	}

	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatalf("openapi v3 paths: %v", err)
	}
	for _, p := range []string{"api/v1", "apis/apps/v1", "apis/batch/v1"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("openapi v3 lacks %s", p)
		}
	}
	gv, ok := paths["apis/apps/v1"]
	if !ok {
		t.Fatal("no apis/apps/v1")
	}
	doc, err := gv.Schema("application/json")
	if err != nil {
		t.Fatalf("openapi v3 apps/v1: %v", err)
	}
	if !strings.Contains(string(doc), "io.k8s.api.apps.v1.Deployment") || !strings.Contains(string(doc), `"openapi"`) {
		t.Fatalf("openapi v3 apps/v1 document lacks Deployment")
	}
	r = doRaw(t, "GET", "/openapi/v3", nil)
	if r.Code != 200 || !strings.Contains(string(r.Body), `"paths"`) {
		t.Fatalf("/openapi/v3: %d %s", r.Code, r.Body[:min(len(r.Body), 200)])
	}
}
