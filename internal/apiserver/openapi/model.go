package openapi

import "k8s.io/apimachinery/pkg/runtime/schema"

// The API surface is first described in this neutral form, then rendered as
// OpenAPI v2 (one document) and v3 (one document per group version).

// endpoint is one URL path template and its operations.
type endpoint struct {
	path   string  // "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
	doc    string  // v3 document holding it: "apis/apps/v1", "api", "version", ...
	params []param // path-level parameters (path parameters, pretty)
	ops    []operation
}

type operation struct {
	method      string // lower-case HTTP method
	id          string
	description string
	tag         string
	action      string                   // x-kubernetes-action, "" for discovery
	gvk         *schema.GroupVersionKind // x-kubernetes-group-version-kind
	params      []param                  // query parameters, sorted by name
	body        *body
	responses   []response
	produces    []string
}

type body struct {
	model      string // model name of the body schema
	required   bool
	mediaTypes []string // accepted request media types
}

type response struct {
	code        int
	description string
	model       string // model name, or "" with a primitive type
	primitive   string // "string" when the response is not a model
}

type param struct {
	name, in, description, typ string
	required                   bool
}

const (
	jsonType     = "application/json"
	yamlType     = "application/yaml"
	protobufType = "application/vnd.kubernetes.protobuf"
)

// ResponseMediaTypes are the media types documented for object responses.
// Adjust before Build if the server speaks a different set.
var ResponseMediaTypes = []string{jsonType, yamlType, protobufType}

// watchMediaTypes are added to list operations (watch=true streams).
var watchMediaTypes = []string{jsonType + ";stream=watch", protobufType + ";stream=watch"}

var patchMediaTypes = []string{
	"application/json-patch+json",
	"application/merge-patch+json",
	"application/strategic-merge-patch+json",
	"application/apply-patch+yaml",
}

var (
	resOK           = response{code: 200, description: "OK"}
	resCreated      = response{code: 201, description: "Created"}
	resAccepted     = response{code: 202, description: "Accepted"}
	resUnauthorized = response{code: 401, description: "Unauthorized"}
)

// returning sets the model of each response of rs except 401.
func returning(model string, rs ...response) []response {
	out := make([]response, 0, len(rs)+1)
	for _, r := range rs {
		r.model = model
		out = append(out, r)
	}
	return append(out, resUnauthorized)
}

// models lists every model an endpoint set refers to.
func models(eps []*endpoint) []string {
	var out []string
	for _, ep := range eps {
		for _, op := range ep.ops {
			if op.body != nil {
				out = append(out, op.body.model)
			}
			for _, r := range op.responses {
				if r.model != "" {
					out = append(out, r.model)
				}
			}
		}
	}
	return out
}
