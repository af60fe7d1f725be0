package openapi

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// routes collects the endpoints of the served kinds, following the URL
// layout, operation IDs and descriptions of the upstream apiserver.
type routes struct {
	ix   *kindIndex
	defs map[string]*spec.Schema // v3 schemas, for deriving parameters
	vp   verbParams
	eps  map[string]*endpoint
}

func newRoutes(ix *kindIndex, defs *definitions) *routes {
	return &routes{ix: ix, defs: defs.v3, vp: newVerbParams(defs.v3), eps: map[string]*endpoint{}}
}

// sorted returns the endpoints ordered by path.
func (r *routes) sorted() []*endpoint {
	out := make([]*endpoint, 0, len(r.eps))
	for _, ep := range r.eps {
		out = append(out, ep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func (r *routes) add(doc, path string, pathParams []param, op operation) error {
	ep := r.eps[path]
	if ep == nil {
		ep = &endpoint{path: path, doc: doc, params: pathParams}
		r.eps[path] = ep
	}
	for _, o := range ep.ops {
		if o.method == op.method {
			return fmt.Errorf("openapi: two %s operations on %s (%s, %s)", strings.ToUpper(op.method), path, o.id, op.id)
		}
	}
	ep.ops = append(ep.ops, op)
	return nil
}

// scope holds what the operations of one kind (or its subresource) share.
type scope struct {
	k          Kind
	gvk        schema.GroupVersionKind
	model      string
	doc, tag   string
	idInfix    string // "AppsV1"
	namespaced string // "Namespaced" or ""
	nsParams   []param
}

func (s scope) id(verb, suffix string) string {
	return verb + s.idInfix + s.namespaced + s.k.Kind + suffix
}

func (s scope) op(method, id, description, action string) operation {
	gvk := s.gvk
	return operation{method: method, id: id, description: description, tag: s.tag, action: action, gvk: &gvk, produces: ResponseMediaTypes}
}

func (r *routes) addKind(k Kind) error {
	if err := k.validate(); err != nil {
		return err
	}
	gv := k.gv()
	model, ok := r.ix.model(k.gvk())
	if !ok {
		return fmt.Errorf("openapi: no schema for kind %s", k.gvk())
	}
	listModel, _ := r.ix.model(gv.WithKind(k.Kind + "List"))
	verbs := k.verbs(listModel != "")
	s := scope{k: k, gvk: k.gvk(), model: model, doc: gvDoc(gv), tag: gvTag(gv), idInfix: gvCamel(gv)}
	base := gvRoot(gv)
	if k.Namespaced {
		base += "/namespaces/{namespace}"
		s.namespaced = "Namespaced"
		s.nsParams = []param{namespaceParam}
	}
	coll := base + "/" + k.Resource
	item := coll + "/{name}"
	collParams := concat(s.nsParams, []param{prettyParam})
	itemParams := concat([]param{nameParam(k.Kind)}, s.nsParams, []param{prettyParam})

	for _, op := range r.collectionOps(s, verbs, listModel) {
		if err := r.add(s.doc, coll, collParams, op); err != nil {
			return err
		}
		if op.action == "list" && k.Namespaced {
			op.id = "list" + s.idInfix + k.Kind + "ForAllNamespaces"
			if err := r.add(s.doc, gvRoot(gv)+"/"+k.Resource, []param{prettyParam}, op); err != nil {
				return err
			}
		}
	}
	for _, op := range r.objectOps(s, verbs, "") {
		if err := r.add(s.doc, item, itemParams, op); err != nil {
			return err
		}
	}
	for _, sub := range k.Subresources {
		if err := r.addSubresource(s, item, sub); err != nil {
			return err
		}
	}
	return nil
}

// collectionOps returns list, create and deletecollection; listModel is ""
// when the kind has no List type.
func (r *routes) collectionOps(s scope, verbs []string, listModel string) []operation {
	var out []operation
	if has(verbs, "list") && listModel != "" {
		desc := "list or watch objects of kind "
		if !has(verbs, "watch") {
			desc = "list objects of kind "
		}
		op := s.op("get", s.id("list", ""), desc+s.k.Kind, "list")
		op.params, op.responses = r.vp["list"], returning(listModel, resOK)
		op.produces = append(append([]string{}, ResponseMediaTypes...), watchMediaTypes...)
		out = append(out, op)
	}
	if has(verbs, "create") {
		op := s.op("post", s.id("create", ""), "create "+article(s.k.Kind)+s.k.Kind, "post")
		op.params, op.responses = r.vp["create"], returning(s.model, resOK, resCreated, resAccepted)
		op.body = &body{model: s.model, required: true, mediaTypes: []string{"*/*"}}
		out = append(out, op)
	}
	if has(verbs, "deletecollection") && listModel != "" {
		op := s.op("delete", "delete"+s.idInfix+"Collection"+s.namespaced+s.k.Kind, "delete collection of "+s.k.Kind, "deletecollection")
		op.params, op.responses = r.vp["deletecollection"], returning(metaV1+"Status", resOK)
		op.body = &body{model: metaV1 + "DeleteOptions", mediaTypes: []string{"*/*"}}
		out = append(out, op)
	}
	return out
}

// objectOps returns the operations on one object (get, update, patch,
// delete) or on its subresource sub (get, update, patch, create).
func (r *routes) objectOps(s scope, verbs []string, sub string) []operation {
	what, suffix := "the specified "+s.k.Kind, ""
	if sub != "" {
		what, suffix = sub+" of the specified "+s.k.Kind, upperFirst(sub)
	}
	var out []operation
	if has(verbs, "get") {
		op := s.op("get", s.id("read", suffix), "read "+what, "get")
		op.responses = returning(s.model, resOK)
		out = append(out, op)
	}
	if has(verbs, "update") {
		op := s.op("put", s.id("replace", suffix), "replace "+what, "put")
		op.params, op.responses = r.vp["update"], returning(s.model, resOK, resCreated)
		op.body = &body{model: s.model, required: true, mediaTypes: []string{"*/*"}}
		out = append(out, op)
	}
	if has(verbs, "patch") {
		op := s.op("patch", s.id("patch", suffix), "partially update "+what, "patch")
		op.params, op.responses = r.vp["patch"], returning(s.model, resOK, resCreated)
		op.body = &body{model: metaV1 + "Patch", required: true, mediaTypes: patchMediaTypes}
		out = append(out, op)
	}
	if sub == "" && has(verbs, "delete") {
		op := s.op("delete", s.id("delete", ""), "delete "+article(s.k.Kind)+s.k.Kind, "delete")
		op.params, op.responses = r.vp["delete"], returning(metaV1+"Status", resOK, resAccepted)
		op.body = &body{model: metaV1 + "DeleteOptions", mediaTypes: []string{"*/*"}}
		out = append(out, op)
	}
	if sub != "" && has(verbs, "create") {
		op := s.op("post", s.id("create", suffix), "create "+sub+" of "+article(s.k.Kind)+s.k.Kind, "post")
		op.params, op.responses = r.vp["create"], returning(s.model, resOK, resCreated, resAccepted)
		op.body = &body{model: s.model, required: true, mediaTypes: []string{"*/*"}}
		out = append(out, op)
	}
	return out
}
