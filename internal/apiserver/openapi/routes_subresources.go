package openapi

import (
	"fmt"
	"strings"
)

// addSubresource adds the operations of subresource sub of the kind in
// parent, whose object path is item.
func (r *routes) addSubresource(parent scope, item, sub string) error {
	if sub == "" || strings.Contains(sub, "/") {
		return fmt.Errorf("openapi: bad subresource %q of %s", sub, parent.k.Kind)
	}
	shape := shapeOf(sub)
	path := item + "/" + sub
	nameParams := concat([]param{nameParam(parent.k.Kind)}, parent.nsParams)
	switch {
	case shape.log:
		return r.addLog(parent, path, sub, nameParams)
	case len(shape.connect) > 0:
		return r.addConnect(parent, shape, path, sub, nameParams)
	}
	s := parent
	if !shape.kind.Empty() {
		model, ok := r.ix.model(shape.kind)
		if !ok {
			return fmt.Errorf("openapi: no schema for %s of subresource %s/%s", shape.kind, parent.k.Resource, sub)
		}
		s.gvk, s.model = shape.kind, model
	}
	params := concat(nameParams, []param{prettyParam})
	for _, op := range r.objectOps(s, shape.verbs, sub) {
		if err := r.add(s.doc, path, params, op); err != nil {
			return err
		}
	}
	return nil
}

// options returns the query parameters of the options kind of a log or
// connect subresource, and that kind's scope for the GVK extension.
func (r *routes) options(parent scope, sub string) (scope, []param) {
	s := parent
	s.gvk = parent.k.gv().WithKind(optionsKind(parent.k.Kind, sub))
	model, ok := r.ix.model(s.gvk)
	if !ok {
		return s, nil
	}
	return s, optionParams(r.defs[model])
}

func (r *routes) addLog(parent scope, path, sub string, nameParams []param) error {
	_, params := r.options(parent, sub)
	op := parent.op("get", parent.id("read", upperFirst(sub)), "read "+sub+" of the specified "+parent.k.Kind, "get")
	op.params = params
	op.responses = []response{{code: 200, description: "OK", primitive: "string"}, resUnauthorized}
	op.produces = append([]string{"text/plain"}, ResponseMediaTypes...)
	return r.add(parent.doc, path, concat(nameParams, []param{prettyParam}), op)
}

func (r *routes) addConnect(parent scope, shape subresourceShape, path, sub string, nameParams []param) error {
	s, params := r.options(parent, sub)
	variants := []struct{ path, suffix string }{{path, ""}}
	if shape.withPath {
		variants = append(variants, struct{ path, suffix string }{path + "/{path}", "WithPath"})
	}
	for _, v := range variants {
		pathParams := nameParams
		if v.suffix != "" {
			pathParams = concat(nameParams, []param{pathParam})
		}
		for _, m := range shape.connect {
			id := "connect" + s.idInfix + upperFirst(m) + s.namespaced + s.k.Kind + upperFirst(sub) + v.suffix
			desc := fmt.Sprintf("connect %s requests to %s of %s", strings.ToUpper(m), sub, s.k.Kind)
			op := s.op(m, id, desc, "connect")
			op.params = params
			op.responses = []response{{code: 200, description: "OK", primitive: "string"}, resUnauthorized}
			op.produces = []string{"*/*"}
			if err := r.add(s.doc, v.path, pathParams, op); err != nil {
				return err
			}
		}
	}
	return nil
}
