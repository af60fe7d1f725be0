package openapi

import (
	"fmt"
	"sort"

	builderutil "k8s.io/kube-openapi/pkg/builder3/util"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/schemamutation"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	v2RefPrefix = "#/definitions/"
	v3RefPrefix = "#/components/schemas/"
)

// definitions holds every generated schema in both flavours, keyed by the
// upstream model name ("io.k8s.api.apps.v1.Deployment").
type definitions struct {
	v2   map[string]*spec.Schema // v2 refs, defaults pruned (as upstream serves v2)
	v3   map[string]*spec.Schema // v3 refs, refs with siblings wrapped in allOf
	deps map[string][]string     // direct dependencies of each model
}

func loadDefinitions(ix *kindIndex) (*definitions, error) {
	d := &definitions{v2: map[string]*spec.Schema{}, v3: map[string]*spec.Schema{}, deps: map[string][]string{}}
	for name, def := range GetOpenAPIDefinitions(refCallback(v2RefPrefix)) {
		s := def.Schema
		if v2, ok := s.Extensions[common.ExtensionV2Schema].(spec.Schema); ok {
			s = v2
		}
		d.v2[name] = pruneDefaults(withKinds(&s, ix.extension(name)))
		d.deps[name] = def.Dependencies
	}
	for name, def := range GetOpenAPIDefinitions(refCallback(v3RefPrefix)) {
		s := def.Schema
		delete(s.Extensions, common.ExtensionV2Schema)
		d.v3[name] = builderutil.WrapRefs(withKinds(&s, ix.extension(name)))
	}
	for name, deps := range d.deps {
		for _, dep := range deps {
			if d.v3[dep] == nil {
				return nil, fmt.Errorf("openapi: %s depends on %s, which has no generated schema", name, dep)
			}
		}
	}
	return d, nil
}

func refCallback(prefix string) common.ReferenceCallback {
	return func(name string) spec.Ref {
		return spec.MustCreateRef(prefix + common.EscapeJsonPointer(name))
	}
}

// withKinds returns s carrying the GVK extension (s itself if gvks is nil).
func withKinds(s *spec.Schema, gvks []interface{}) *spec.Schema {
	if gvks == nil {
		return s
	}
	ext := make(spec.Extensions, len(s.Extensions)+1)
	for k, v := range s.Extensions {
		ext[k] = v
	}
	ext[gvkExtension] = gvks
	out := *s
	out.Extensions = ext
	return &out
}

// pruneDefaults drops every default value, copying what it changes.
func pruneDefaults(s *spec.Schema) *spec.Schema {
	w := schemamutation.Walker{
		SchemaCallback: func(s *spec.Schema) *spec.Schema {
			if s.Default == nil {
				return s
			}
			c := *s
			c.Default = nil
			return &c
		},
		RefCallback: schemamutation.RefCallbackNoop,
	}
	return w.WalkSchema(s)
}

// closure returns the sorted names of roots and everything they reference.
func (d *definitions) closure(roots []string) []string {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, dep := range d.deps[n] {
			visit(dep)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
