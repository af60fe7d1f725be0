package openapi

import (
	"slices"
	"sort"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Query parameters are derived, as upstream does, from the fields of the
// options types (ListOptions, PatchOptions, PodLogOptions, ...), so their
// names and descriptions follow the pinned k8s.io/apimachinery.

const metaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1."

var (
	prettyParam    = param{name: "pretty", in: "query", typ: "string", description: "If 'true', then the output is pretty printed."}
	namespaceParam = param{name: "namespace", in: "path", typ: "string", required: true, description: "object name and auth scope, such as for teams and projects"}
	pathParam      = param{name: "path", in: "path", typ: "string", required: true, description: "path to the resource"}
)

func nameParam(kind string) param {
	return param{name: "name", in: "path", typ: "string", required: true, description: "name of the " + kind}
}

// verbParams holds the query parameters of each standard verb.
type verbParams map[string][]param

func newVerbParams(defs map[string]*spec.Schema) verbParams {
	list := optionParams(defs[metaV1+"ListOptions"])
	del := optionParams(defs[metaV1+"DeleteOptions"])
	var listForDelete []param
	for _, p := range list {
		if p.name != "watch" && p.name != "allowWatchBookmarks" {
			listForDelete = append(listForDelete, p)
		}
	}
	return verbParams{
		"list":             list,
		"create":           optionParams(defs[metaV1+"CreateOptions"]),
		"update":           optionParams(defs[metaV1+"UpdateOptions"]),
		"patch":            optionParams(defs[metaV1+"PatchOptions"]),
		"delete":           del,
		"deletecollection": mergeParams(listForDelete, del),
	}
}

// optionParams turns the scalar (and scalar-array) properties of an options
// schema into query parameters sorted by name.
func optionParams(s *spec.Schema) []param {
	if s == nil {
		return nil
	}
	var out []param
	for name, prop := range s.Properties {
		if name == "apiVersion" || name == "kind" {
			continue
		}
		if typ := scalarType(&prop); typ != "" {
			out = append(out, param{name: name, in: "query", typ: typ, description: prop.Description})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// scalarType returns the query-parameter type of a property, "" if the
// property is an object or a reference (which cannot be a query parameter).
func scalarType(s *spec.Schema) string {
	if s.Ref.String() != "" || len(s.AllOf) > 0 || len(s.Type) == 0 {
		return ""
	}
	switch t := s.Type[0]; t {
	case "array":
		if s.Items != nil && s.Items.Schema != nil {
			return scalarType(s.Items.Schema)
		}
		return ""
	case "object":
		return ""
	default:
		return t
	}
}

// mergeParams unions parameter lists by name, sorted by name.
func mergeParams(lists ...[]param) []param {
	var out []param
	for _, l := range lists {
		for _, p := range l {
			if !slices.ContainsFunc(out, func(q param) bool { return q.name == p.name && q.in == p.in }) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// concat joins parameter lists into a new slice (never sharing storage).
func concat(lists ...[]param) []param {
	var out []param
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
