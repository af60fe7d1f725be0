package apiserver

import (
	"net/http"
	"sort"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"orca/internal/registry"
)

// groupOrder is the order kube-apiserver lists its groups in; it decides
// which group wins a short name shared by two (events: core before events.k8s.io).
var groupOrder = []string{"", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
	"autoscaling", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
	"storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"}

// preferred is the preferred version of groups served at several.
var preferred = map[string]string{"autoscaling": "v2"}

type groupInfo struct {
	name     string
	versions []string // preferred first
	byVer    map[string][]*registry.Resource
}

// discovery is built once from the served resources.
type discovery struct {
	groups []*groupInfo // core first
}

func newDiscovery(resources []*registry.Resource) *discovery {
	byName := map[string]*groupInfo{}
	for _, r := range resources {
		g := byName[r.Group]
		if g == nil {
			g = &groupInfo{name: r.Group, byVer: map[string][]*registry.Resource{}}
			byName[r.Group] = g
		}
		if _, ok := g.byVer[r.Version]; !ok {
			g.versions = append(g.versions, r.Version)
		}
		g.byVer[r.Version] = append(g.byVer[r.Version], r)
	}
	d := &discovery{}
	rank := func(name string) int {
		for i, n := range groupOrder {
			if n == name {
				return i
			}
		}
		return len(groupOrder)
	}
	for _, g := range byName {
		sort.SliceStable(g.versions, func(i, j int) bool { return g.versions[i] == preferred[g.name] })
		d.groups = append(d.groups, g)
	}
	sort.Slice(d.groups, func(i, j int) bool {
		ri, rj := rank(d.groups[i].name), rank(d.groups[j].name)
		if ri != rj {
			return ri < rj
		}
		return d.groups[i].name < d.groups[j].name
	})
	return d
}

func (d *discovery) group(name string) *groupInfo {
	for _, g := range d.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

func subresourceVerbs(sub string) []string {
	switch sub {
	case "binding", "eviction":
		return []string{"create"}
	case "finalize":
		return []string{"update"}
	case "log":
		return []string{"get"}
	case "exec", "attach", "portforward":
		return []string{"create", "get"}
	case "proxy":
		return []string{"create", "delete", "get", "patch", "update"}
	}
	return []string{"get", "patch", "update"}
}

func subresources(r *registry.Resource) []string {
	var out []string
	if r.Status {
		out = append(out, "status")
	}
	if r.Scale != nil {
		out = append(out, "scale")
	}
	if r.Group == "" && r.Resource == "pods" {
		out = append(out, "binding", "eviction", "log", "exec", "attach", "portforward")
	}
	if r.Group == "" && r.Resource == "namespaces" {
		out = append(out, "finalize")
	}
	if r.Group == "" && r.Resource == "nodes" {
		out = append(out, "proxy")
	}
	return out
}

func subresourceKind(r *registry.Resource, sub string) (group, version, kind string) {
	switch sub {
	case "scale":
		return "autoscaling", "v1", "Scale"
	case "binding":
		return "", "v1", "Binding"
	case "eviction":
		return "policy", "v1", "Eviction"
	case "exec":
		return "", "v1", "PodExecOptions"
	case "attach":
		return "", "v1", "PodAttachOptions"
	case "portforward":
		return "", "v1", "PodPortForwardOptions"
	case "proxy":
		return "", "v1", "NodeProxyOptions"
	}
	return r.Group, r.Version, r.Kind
}

// resourceList is the legacy per-version document (/api/v1, /apis/apps/v1).
func (d *discovery) resourceList(group, version string) *metav1.APIResourceList {
	g := d.group(group)
	if g == nil || g.byVer[version] == nil {
		return nil
	}
	out := &metav1.APIResourceList{GroupVersion: schema.GroupVersion{Group: group, Version: version}.String()}
	for _, r := range g.byVer[version] {
		out.APIResources = append(out.APIResources, metav1.APIResource{
			Name: r.Resource, SingularName: strings.ToLower(r.Kind), Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: r.ServedVerbs(), ShortNames: r.ShortNames, Categories: r.Categories,
		})
		for _, sub := range subresources(r) {
			sg, sv, sk := subresourceKind(r, sub)
			ar := metav1.APIResource{Name: r.Resource + "/" + sub, Namespaced: r.Namespaced, Kind: sk, Verbs: subresourceVerbs(sub)}
			if sg != r.Group || sv != r.Version {
				ar.Group, ar.Version = sg, sv
			}
			out.APIResources = append(out.APIResources, ar)
		}
	}
	out.SetGroupVersionKind(schema.GroupVersion{Version: "v1"}.WithKind("APIResourceList"))
	return out
}

func (g *groupInfo) apiGroup() metav1.APIGroup {
	out := metav1.APIGroup{Name: g.name}
	for _, v := range g.versions {
		out.Versions = append(out.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g.name + "/" + v, Version: v})
	}
	out.PreferredVersion = out.Versions[0]
	return out
}

func (d *discovery) groupList() *metav1.APIGroupList {
	out := &metav1.APIGroupList{}
	for _, g := range d.groups[1:] {
		out.Groups = append(out.Groups, g.apiGroup())
	}
	out.SetGroupVersionKind(schema.GroupVersion{Version: "v1"}.WithKind("APIGroupList"))
	return out
}

// aggregated is the one-request discovery document (apidiscovery.k8s.io/v2)
// for /api (core only) or /apis (every other group).
func (d *discovery) aggregated(core bool) *apidiscoveryv2.APIGroupDiscoveryList {
	out := &apidiscoveryv2.APIGroupDiscoveryList{}
	for _, g := range d.groups {
		if (g.name == "") != core {
			continue
		}
		gd := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g.name}}
		for _, v := range g.versions {
			vd := apidiscoveryv2.APIVersionDiscovery{Version: v, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
			for _, r := range g.byVer[v] {
				vd.Resources = append(vd.Resources, resourceDiscovery(r))
			}
			gd.Versions = append(gd.Versions, vd)
		}
		out.Items = append(out.Items, gd)
	}
	out.SetGroupVersionKind(apidiscoveryv2.SchemeGroupVersion.WithKind("APIGroupDiscoveryList"))
	return out
}

func resourceDiscovery(r *registry.Resource) apidiscoveryv2.APIResourceDiscovery {
	scope := apidiscoveryv2.ScopeCluster
	if r.Namespaced {
		scope = apidiscoveryv2.ScopeNamespace
	}
	rd := apidiscoveryv2.APIResourceDiscovery{
		Resource: r.Resource, ResponseKind: &metav1.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind},
		Scope: scope, SingularResource: strings.ToLower(r.Kind), Verbs: r.ServedVerbs(),
		ShortNames: r.ShortNames, Categories: r.Categories,
	}
	for _, sub := range subresources(r) {
		sg, sv, sk := subresourceKind(r, sub)
		rd.Subresources = append(rd.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource: sub, ResponseKind: &metav1.GroupVersionKind{Group: sg, Version: sv, Kind: sk}, Verbs: subresourceVerbs(sub),
		})
	}
	return rd
}

// toV2beta1 re-labels the v2 document for clients up to 1.29, which ask
// for v2beta1 (the two versions have the same shape).
func toV2beta1(in *apidiscoveryv2.APIGroupDiscoveryList) (runtime.Object, error) {
	out := &apidiscoveryv2beta1.APIGroupDiscoveryList{}
	raw, err := jsonRoundTrip(in, out)
	if err != nil {
		return nil, err
	}
	out = raw.(*apidiscoveryv2beta1.APIGroupDiscoveryList)
	out.SetGroupVersionKind(apidiscoveryv2beta1.SchemeGroupVersion.WithKind("APIGroupDiscoveryList"))
	return out, nil
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	parts := splitPath(r.URL.Path)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch {
	case len(parts) == 1 && (parts[0] == "api" || parts[0] == "apis"):
		core := parts[0] == "api"
		if t, ok := negotiate(r, aggregatedAs); ok && t.As == "APIGroupDiscoveryList" {
			s.writeAggregated(w, r, core, t)
			return true
		}
		if core {
			v := &metav1.APIVersions{Versions: []string{"v1"}, ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: s.advertise}}}
			v.SetGroupVersionKind(schema.GroupVersion{Version: "v1"}.WithKind("APIVersions"))
			s.writeObject(w, r, http.StatusOK, v, nil)
			return true
		}
		s.writeObject(w, r, http.StatusOK, s.disc.groupList(), nil)
		return true
	case len(parts) == 2 && parts[0] == "api":
		if l := s.disc.resourceList("", parts[1]); l != nil {
			s.writeObject(w, r, http.StatusOK, l, nil)
			return true
		}
	case len(parts) == 2 && parts[0] == "apis":
		if g := s.disc.group(parts[1]); g != nil && g.name != "" {
			ag := g.apiGroup()
			ag.SetGroupVersionKind(schema.GroupVersion{Version: "v1"}.WithKind("APIGroup"))
			s.writeObject(w, r, http.StatusOK, &ag, nil)
			return true
		}
	case len(parts) == 3 && parts[0] == "apis" && parts[1] != "":
		if l := s.disc.resourceList(parts[1], parts[2]); l != nil {
			s.writeObject(w, r, http.StatusOK, l, nil)
			return true
		}
	}
	return false
}

func aggregatedAs(as, group, version string) bool {
	return as == "APIGroupDiscoveryList" && group == "apidiscovery.k8s.io" && (version == "v2" || version == "v2beta1")
}

func (s *Server) writeAggregated(w http.ResponseWriter, r *http.Request, core bool, t target) {
	var obj runtime.Object = s.disc.aggregated(core)
	if t.Version == "v2beta1" {
		var err error
		if obj, err = toV2beta1(obj.(*apidiscoveryv2.APIGroupDiscoveryList)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if t.Type != mtJSON && t.Type != mtProtobuf {
		t.Type = mtJSON
	}
	body, err := s.codecs.encode(obj, t.Type, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept")
	writeRaw(w, r, http.StatusOK, t.Type+";g=apidiscovery.k8s.io;v="+t.Version+";as=APIGroupDiscoveryList", body)
}
