package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const versionInfo = "io.k8s.apimachinery.pkg.version.Info"

// addDiscovery adds /api/, /apis/, /apis/<group>/, /<gv root>/ and /version/.
func (r *routes) addDiscovery(gvs []schema.GroupVersion) error {
	get := func(doc, path, id, description, tag, model string) error {
		op := operation{method: "get", id: id, description: description, tag: tag, produces: ResponseMediaTypes}
		op.responses = returning(model, resOK)
		return r.add(doc, path, nil, op)
	}
	groups := map[string]bool{}
	for _, gv := range gvs {
		if err := get(gvDoc(gv), gvRoot(gv)+"/", "get"+gvCamel(gv)+"APIResources", "get available resources", gvTag(gv), metaV1+"APIResourceList"); err != nil {
			return err
		}
		if gv.Group == "" || groups[gv.Group] {
			continue
		}
		groups[gv.Group] = true
		if err := get("apis/"+gv.Group, "/apis/"+gv.Group+"/", "get"+groupCamel(gv.Group)+"APIGroup", "get information of a group", groupTag(gv.Group), metaV1+"APIGroup"); err != nil {
			return err
		}
	}
	if err := get("api", "/api/", "getCoreAPIVersions", "get available API versions", "core", metaV1+"APIVersions"); err != nil {
		return err
	}
	if err := get("apis", "/apis/", "getAPIVersions", "get available API versions", "apis", metaV1+"APIGroupList"); err != nil {
		return err
	}
	op := operation{method: "get", id: "getCodeVersion", description: "get the code version", tag: "version", produces: []string{jsonType}}
	op.responses = returning(versionInfo, resOK)
	return r.add("version", "/version/", nil, op)
}
