package openapi

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groupCamel turns an API group into the camel-case word upstream uses in
// operation IDs: "" -> "Core", "rbac.authorization.k8s.io" -> "RbacAuthorization".
func groupCamel(group string) string {
	if group == "" {
		return "Core"
	}
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimSuffix(group, ".k8s.io"), ".") {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

// gvCamel is the operation-ID infix of a group version: "AppsV1", "CoreV1".
func gvCamel(gv schema.GroupVersion) string { return groupCamel(gv.Group) + upperFirst(gv.Version) }

// groupTag is the tag of a group's discovery operation: "core", "apps",
// "rbacAuthorization".
func groupTag(group string) string {
	c := groupCamel(group)
	return strings.ToLower(c[:1]) + c[1:]
}

// gvTag is the tag of a group version's operations: "core_v1", "apps_v1".
func gvTag(gv schema.GroupVersion) string { return groupTag(gv.Group) + "_" + gv.Version }

// gvRoot is the URL prefix of a group version: "/api/v1", "/apis/apps/v1".
func gvRoot(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}

// gvDoc is the v3 document name of a group version: "api/v1", "apis/apps/v1".
func gvDoc(gv schema.GroupVersion) string { return gvRoot(gv)[1:] }

// article returns "a ", "an " or "" (for plural-looking nouns like Endpoints).
func article(noun string) string {
	switch {
	case strings.HasSuffix(noun, "s") && !strings.HasSuffix(noun, "ss"):
		return ""
	case strings.ContainsRune("AEIOU", rune(noun[0])):
		return "an "
	default:
		return "a "
	}
}
