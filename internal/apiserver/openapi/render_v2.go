package openapi

import (
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// renderV2 writes the whole Swagger 2.0 document.
func renderV2(eps []*endpoint, defs *definitions) ([]byte, error) {
	paths, err := v2Paths(eps).MarshalJSON()
	if err != nil {
		return nil, err
	}
	schemas := newSchemaJSON(defs.v2)
	names := defs.closure(models(eps))
	if err := schemas.prepare(names); err != nil {
		return nil, err
	}
	w := newObjectWriter(len(paths) + schemas.size(names) + 1024)
	w.raw("swagger", []byte(`"2.0"`))
	w.raw("info", infoJSON)
	w.raw("paths", paths)
	w.schemas("definitions", names, schemas)
	w.raw("securityDefinitions", []byte(`{"BearerToken":{"description":"Bearer Token authentication","in":"header","name":"authorization","type":"apiKey"}}`))
	w.raw("security", []byte(`[{"BearerToken":[]}]`))
	return w.close(), nil
}

func v2Paths(eps []*endpoint) *spec.Paths {
	paths := &spec.Paths{Paths: make(map[string]spec.PathItem, len(eps))}
	for _, ep := range eps {
		var item spec.PathItem
		for _, p := range ep.params {
			item.Parameters = append(item.Parameters, v2Param(p))
		}
		for _, op := range ep.ops {
			o := v2Operation(op)
			if slot := opSlot(op.method, &item.Get, &item.Put, &item.Post, &item.Delete, &item.Patch, &item.Options, &item.Head); slot != nil {
				*slot = o
			}
		}
		paths.Paths[ep.path] = item
	}
	return paths
}

func v2Param(p param) spec.Parameter {
	var sp spec.Parameter
	sp.Name, sp.In, sp.Description, sp.Required = p.name, p.in, p.description, p.required
	sp.Type, sp.UniqueItems = p.typ, true
	return sp
}

func v2Operation(op operation) *spec.Operation {
	o := &spec.Operation{}
	o.ID, o.Description, o.Tags = op.id, op.description, []string{op.tag}
	o.Schemes, o.Produces, o.Consumes = []string{"https"}, op.produces, []string{"*/*"}
	if op.action == "" {
		o.Consumes = op.produces // discovery endpoints, as upstream
	}
	if op.body != nil {
		o.Consumes = op.body.mediaTypes
		var b spec.Parameter
		b.Name, b.In, b.Required = "body", "body", op.body.required
		b.Schema = refSchema(v2RefPrefix, op.body.model)
		o.Parameters = append(o.Parameters, b)
	}
	for _, p := range op.params {
		o.Parameters = append(o.Parameters, v2Param(p))
	}
	o.Responses = &spec.Responses{ResponsesProps: spec.ResponsesProps{StatusCodeResponses: map[int]spec.Response{}}}
	for _, r := range op.responses {
		var sr spec.Response
		sr.Description = r.description
		sr.Schema = responseSchema(v2RefPrefix, r)
		o.Responses.StatusCodeResponses[r.code] = sr
	}
	o.Extensions = opExtensions(op)
	return o
}

// refSchema is a schema that only references a model.
func refSchema(prefix, model string) *spec.Schema {
	return &spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(prefix + common.EscapeJsonPointer(model))}}
}

func responseSchema(prefix string, r response) *spec.Schema {
	switch {
	case r.model != "":
		return refSchema(prefix, r.model)
	case r.primitive != "":
		return &spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{r.primitive}}}
	default:
		return nil
	}
}

// opExtensions returns x-kubernetes-action and x-kubernetes-group-version-kind.
func opExtensions(op operation) spec.Extensions {
	if op.action == "" {
		return nil
	}
	ext := spec.Extensions{"x-kubernetes-action": op.action}
	if op.gvk != nil {
		ext[gvkExtension] = map[string]interface{}{"group": op.gvk.Group, "version": op.gvk.Version, "kind": op.gvk.Kind}
	}
	return ext
}

// opSlot returns the field of a path item (v2 or v3: the same seven
// fields, different types) that holds method's operation; nil if none.
func opSlot[O any](method string, get, put, post, del, patch, options, head *O) *O {
	switch method {
	case "get":
		return get
	case "put":
		return put
	case "post":
		return post
	case "delete":
		return del
	case "patch":
		return patch
	case "options":
		return options
	case "head":
		return head
	}
	return nil
}
