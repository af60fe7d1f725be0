package openapi

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// subresourceShape says how a subresource is exposed over HTTP, mirroring
// what the upstream registry does for the well-known ones.
type subresourceShape struct {
	// verbs among get/update/patch/create.
	verbs []string
	// kind is the request/response kind; empty means the parent's kind.
	kind schema.GroupVersionKind
	// connect lists the HTTP methods of a connect-style subresource
	// (exec, attach, portforward, proxy); their options come from
	// <ParentKind><Subresource>Options in the parent's group version.
	connect []string
	// withPath adds a /{path} variant (proxy).
	withPath bool
	// log marks pods/log: a GET answering text, options from PodLogOptions.
	log bool
}

var (
	getUpdatePatch = []string{"get", "update", "patch"}
	allMethods     = []string{"get", "put", "post", "delete", "options", "head", "patch"}
)

// shapeOf returns the shape of subresource sub.
// Unknown subresources are treated like status: get/update/patch of the parent.
func shapeOf(sub string) subresourceShape {
	switch sub {
	case "scale":
		return subresourceShape{verbs: getUpdatePatch, kind: schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}}
	case "binding":
		return subresourceShape{verbs: []string{"create"}, kind: schema.GroupVersionKind{Version: "v1", Kind: "Binding"}}
	case "eviction":
		return subresourceShape{verbs: []string{"create"}, kind: schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}}
	case "token":
		return subresourceShape{verbs: []string{"create"}, kind: schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}}
	case "finalize":
		return subresourceShape{verbs: []string{"update"}}
	case "log":
		return subresourceShape{log: true}
	case "exec", "attach", "portforward":
		return subresourceShape{connect: []string{"get", "post"}}
	case "proxy":
		return subresourceShape{connect: allMethods, withPath: true}
	default:
		return subresourceShape{verbs: getUpdatePatch}
	}
}

// optionsKind names the options type of a connect or log subresource,
// e.g. PodExecOptions, PodPortForwardOptions, NodeProxyOptions.
func optionsKind(parent, sub string) string {
	if sub == "portforward" {
		return parent + "PortForwardOptions"
	}
	return parent + upperFirst(sub) + "Options"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
