package openapi

import (
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// renderV3 writes one self-contained OpenAPI 3.0 document for eps: its
// components hold every schema the operations reach.
func renderV3(eps []*endpoint, defs *definitions, schemas *schemaJSON) ([]byte, error) {
	paths, err := v3Paths(eps).MarshalJSON()
	if err != nil {
		return nil, err
	}
	names := defs.closure(models(eps))
	if err := schemas.prepare(names); err != nil {
		return nil, err
	}
	components := newObjectWriter(schemas.size(names) + 256)
	components.schemas("schemas", names, schemas)
	components.raw("securitySchemes", []byte(`{"BearerToken":{"type":"apiKey","description":"Bearer Token authentication","name":"authorization","in":"header"}}`))
	comp := components.close()

	w := newObjectWriter(len(paths) + len(comp) + 128)
	w.raw("openapi", []byte(`"3.0.0"`))
	w.raw("info", infoJSON)
	w.raw("paths", paths)
	w.raw("components", comp)
	return w.close(), nil
}

func v3Paths(eps []*endpoint) *spec3.Paths {
	paths := &spec3.Paths{Paths: make(map[string]*spec3.Path, len(eps))}
	for _, ep := range eps {
		item := &spec3.Path{}
		for _, p := range ep.params {
			item.Parameters = append(item.Parameters, v3Param(p))
		}
		for _, op := range ep.ops {
			o := v3Operation(op)
			if slot := opSlot(op.method, &item.Get, &item.Put, &item.Post, &item.Delete, &item.Patch, &item.Options, &item.Head); slot != nil {
				*slot = o
			}
		}
		paths.Paths[ep.path] = item
	}
	return paths
}

func v3Param(p param) *spec3.Parameter {
	return &spec3.Parameter{ParameterProps: spec3.ParameterProps{
		Name: p.name, In: p.in, Description: p.description, Required: p.required,
		Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{p.typ}, UniqueItems: true}},
	}}
}

func v3Operation(op operation) *spec3.Operation {
	o := &spec3.Operation{}
	o.Tags, o.Description, o.OperationId = []string{op.tag}, op.description, op.id
	for _, p := range op.params {
		o.Parameters = append(o.Parameters, v3Param(p))
	}
	if op.body != nil {
		o.RequestBody = &spec3.RequestBody{RequestBodyProps: spec3.RequestBodyProps{
			Required: op.body.required,
			Content:  content(op.body.mediaTypes, refSchema(v3RefPrefix, op.body.model)),
		}}
	}
	o.Responses = &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{}}}
	for _, r := range op.responses {
		sr := &spec3.Response{ResponseProps: spec3.ResponseProps{Description: r.description}}
		if s := responseSchema(v3RefPrefix, r); s != nil {
			sr.Content = content(op.produces, s)
		}
		o.Responses.StatusCodeResponses[r.code] = sr
	}
	o.Extensions = opExtensions(op)
	return o
}

func content(mediaTypes []string, s *spec.Schema) map[string]*spec3.MediaType {
	out := make(map[string]*spec3.MediaType, len(mediaTypes))
	for _, mt := range mediaTypes {
		out[mt] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{Schema: s}}
	}
	return out
}
