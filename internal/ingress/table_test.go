package ingress

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

const (
	exact  = networkingv1.PathTypeExact
	prefix = networkingv1.PathTypePrefix
	impl   = networkingv1.PathTypeImplementationSpecific
)

// TestPathMatching runs the examples table of the Ingress documentation
// ("Examples" under "Path types"): one Ingress per row, "" = no match.
func TestPathMatching(t *testing.T) {
	type p struct {
		path string
		typ  networkingv1.PathType
	}
	cases := []struct {
		paths   []p
		request string
		want    string // the matching rule as "PathType:path" ("" = none)
	}{
		{[]p{{"/", prefix}}, "/anything", "Prefix:/"},
		{[]p{{"/foo", exact}}, "/foo", "Exact:/foo"},
		{[]p{{"/foo", exact}}, "/bar", ""},
		{[]p{{"/foo", exact}}, "/foo/", ""},
		{[]p{{"/foo/", exact}}, "/foo", ""},
		{[]p{{"/foo", prefix}}, "/foo", "Prefix:/foo"},
		{[]p{{"/foo", prefix}}, "/foo/", "Prefix:/foo"},
		{[]p{{"/foo/", prefix}}, "/foo", "Prefix:/foo/"},
		{[]p{{"/foo/", prefix}}, "/foo/", "Prefix:/foo/"},
		{[]p{{"/aaa/bb", prefix}}, "/aaa/bbb", ""},
		{[]p{{"/aaa/bbb", prefix}}, "/aaa/bbb", "Prefix:/aaa/bbb"},
		{[]p{{"/aaa/bbb/", prefix}}, "/aaa/bbb", "Prefix:/aaa/bbb/"},
		{[]p{{"/aaa/bbb", prefix}}, "/aaa/bbb/", "Prefix:/aaa/bbb"},
		{[]p{{"/aaa/bbb", prefix}}, "/aaa/bbb/ccc", "Prefix:/aaa/bbb"},
		{[]p{{"/aaa/bbb", prefix}}, "/aaa/bbbxyz", ""},
		{[]p{{"/", prefix}, {"/aaa", prefix}}, "/aaa/ccc", "Prefix:/aaa"},
		{[]p{{"/", prefix}, {"/aaa", prefix}, {"/aaa/bbb", prefix}}, "/aaa/bbb", "Prefix:/aaa/bbb"},
		{[]p{{"/", prefix}, {"/aaa", prefix}, {"/aaa/bbb", prefix}}, "/ccc", "Prefix:/"},
		{[]p{{"/aaa", prefix}}, "/ccc", ""},
		{[]p{{"/aaa", prefix}, {"/aaa", exact}}, "/aaa", "Exact:/aaa"},
		{[]p{{"/aaa", prefix}, {"/aaa", exact}}, "/aaa/", "Prefix:/aaa"},
		{[]p{{"/aaa/", prefix}, {"/aaa", exact}}, "/aaa", "Exact:/aaa"}, // same length without the slash: Exact wins
		{[]p{{"/aaa", prefix}, {"/aaa/bbb", exact}}, "/aaa/bbb", "Exact:/aaa/bbb"},
		{[]p{{"/aaa/bbb", prefix}, {"/aaa", exact}}, "/aaa/bbb/c", "Prefix:/aaa/bbb"},
		// ImplementationSpecific is matched as Prefix.
		{[]p{{"/api", impl}}, "/api/v1", "ImplementationSpecific:/api"},
		{[]p{{"/api", impl}}, "/apiv1", ""},
	}
	for _, tc := range cases {
		objs := newObjects()
		var paths []networkingv1.HTTPIngressPath
		for _, rp := range tc.paths {
			// One Service per rule, named after it.
			name := string(rp.typ) + ":" + rp.path
			objs.addService("ns", name, 8080, "10.0.0.1")
			paths = append(paths, path(rp.path, rp.typ, name))
		}
		table := Build(nilIngs(ing("ns", "i", 0, rule("", paths...))), orcaClasses(), objs)
		if got := routeName(table, "x.test", tc.request); got != tc.want {
			t.Errorf("paths %v, request %q: routed to %q, want %q", tc.paths, tc.request, got, tc.want)
		}
	}
}

func nilIngs(in ...*networkingv1.Ingress) []*networkingv1.Ingress { return in }

// TestHostMatching: exact hosts, wildcards of exactly one label, hosts
// case-insensitive with ports ignored, and the fall-through to rules
// without a host and to the default backend.
func TestHostMatching(t *testing.T) {
	objs := newObjects()
	for _, s := range []string{"foo", "wild", "nohost", "def", "foodef"} {
		objs.addService("ns", s, 8080, "10.0.0.1")
	}
	withDefault := ing("ns", "a", 0,
		rule("foo.com", path("/api", prefix, "foo")),
		rule("*.foo.com", path("/", prefix, "wild")),
	)
	withDefault.Spec.DefaultBackend = ptr(svcBackend("foodef"))
	other := ing("ns", "b", 1, rule("", path("/hostless", prefix, "nohost")))
	table := Build(nilIngs(other, withDefault), orcaClasses(), objs)
	cases := []struct{ host, path, want string }{
		{"foo.com", "/api/x", "foo"},
		{"FOO.com:8080", "/api", "foo"},
		{"foo.com.", "/api", "foo"},
		{"foo.com", "/other", "foodef"},   // the host's Ingress's default backend
		{"bar.foo.com", "/x", "wild"},     // wildcard
		{"a.bar.foo.com", "/x", "foodef"}, // a wildcard covers one label only: global default
		{"unknown.test", "/hostless/y", "nohost"},
		{"unknown.test", "/", "foodef"}, // the oldest Ingress's default backend
		{"[::1]:80", "/hostless", "nohost"},
	}
	for _, tc := range cases {
		if got := routeName(table, tc.host, tc.path); got != tc.want {
			t.Errorf("%s%s: routed to %q, want %q", tc.host, tc.path, got, tc.want)
		}
	}
	// Without any default backend an unmatched request is a 404.
	table = Build(nilIngs(other), orcaClasses(), objs)
	if got := routeName(table, "unknown.test", "/"); got != "" {
		t.Errorf("no rule matches: routed to %q, want none", got)
	}
}

// TestOldestIngressWins: the same host and path in two Ingresses go to the
// older one's backend; distinct paths of one host merge.
func TestOldestIngressWins(t *testing.T) {
	objs := newObjects()
	for _, s := range []string{"old", "new", "extra"} {
		objs.addService("ns", s, 8080, "10.0.0.1")
	}
	older := ing("ns", "z-older", 0, rule("h.test", path("/", prefix, "old")))
	newer := ing("ns", "a-newer", 5, rule("h.test", path("/", prefix, "new"), path("/extra", exact, "extra")))
	table := Build(nilIngs(newer, older), orcaClasses(), objs)
	if got := routeName(table, "h.test", "/"); got != "old" {
		t.Errorf("conflicting path: routed to %q, want the older Ingress's %q", got, "old")
	}
	if got := routeName(table, "h.test", "/extra"); got != "extra" {
		t.Errorf("merged path: routed to %q, want %q", got, "extra")
	}
}

// TestClasses: which Ingresses the table serves.
func TestClasses(t *testing.T) {
	objs := newObjects()
	objs.addService("ns", "s", 8080, "10.0.0.1")
	mk := func(class *string, annotation string) *networkingv1.Ingress {
		i := ing("ns", "i", 0, rule("h.test", path("/", prefix, "s")))
		i.Spec.IngressClassName = class
		if annotation != "" {
			i.Annotations = map[string]string{classAnnotation: annotation}
		}
		return i
	}
	notDefault := OurClasses([]*networkingv1.IngressClass{{ObjectMeta: ing("", "orca", 0).ObjectMeta, Spec: networkingv1.IngressClassSpec{Controller: ControllerName}}})
	cases := []struct {
		name    string
		ing     *networkingv1.Ingress
		classes Classes
		want    bool
	}{
		{"our class", mk(ptr("orca"), ""), orcaClasses(), true},
		{"other class", mk(ptr("nginx"), ""), orcaClasses(), false},
		{"annotation ours", mk(nil, "orca"), orcaClasses(), true},
		{"annotation other", mk(nil, "nginx"), orcaClasses(), false},
		{"no class, ours default", mk(nil, ""), orcaClasses(), true},
		{"no class, ours not default", mk(nil, ""), notDefault, false},
		{"class missing", mk(ptr("orca"), ""), OurClasses(nil), false},
	}
	for _, tc := range cases {
		table := Build(nilIngs(tc.ing), tc.classes, objs)
		if got := routeName(table, "h.test", "/") != ""; got != tc.want {
			t.Errorf("%s: served %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRequestHost(t *testing.T) {
	for in, want := range map[string]string{
		"a.com": "a.com", "A.Com:8080": "a.com", "a.com.": "a.com", "[::1]:80": "::1", "[fd00::1]": "fd00::1",
		"fd00::1": "fd00::1", "10.0.0.1:443": "10.0.0.1", "": "",
	} {
		if got := requestHost(in); got != want {
			t.Errorf("requestHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRoutePath(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "": "/", "/a/b": "/a/b", "/a/b/": "/a/b/", "/api/../admin": "/admin", "/a//b": "/a/b",
		"/a/./b/": "/a/b/", "/..": "/", "*": "/*", "/a/.hidden": "/a/.hidden",
	} {
		if got := routePath(in); got != want {
			t.Errorf("routePath(%q) = %q, want %q", in, got, want)
		}
	}
}
