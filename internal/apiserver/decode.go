package apiserver

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kjson "sigs.k8s.io/json"

	"orca/internal/registry"
)

// maxBody is the largest request body accepted (upstream's limit is 3 MiB
// for objects; etcd refuses values above ~1.5 MiB anyway).
const maxBody = 3 << 20

const supportedBodyTypes = "application/json, application/yaml, application/vnd.kubernetes.protobuf"

// readBody reads at most maxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apierrors.NewBadRequest("unable to read the request body: " + err.Error())
	}
	if len(data) > maxBody {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBody))
	}
	return data, nil
}

func contentType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return mtJSON
	}
	typ, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return typ
}

// fieldValidation is the query parameter's policy for unknown and duplicate
// fields: Strict fails the request, Warn (the default) warns, Ignore drops.
func fieldValidation(r *http.Request) (string, error) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return "Warn", nil
	case "Strict", "Warn", "Ignore":
		return v, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation parameter unsupported: %s", v))
}

// readObject reads and decodes a request body into a new object of res.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request, res *registry.Resource) (runtime.Object, error) {
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return s.decodeBody(w, r, res, data, contentType(r))
}

// readWrite reads what every create and update needs: the object and the
// write options (dryRun, fieldManager).
func (s *Server) readWrite(w http.ResponseWriter, r *http.Request, res *registry.Resource) (runtime.Object, registry.WriteOptions, error) {
	opts, err := writeOptions(r)
	if err != nil {
		return nil, opts, err
	}
	obj, err := s.readObject(w, r, res)
	return obj, opts, err
}

// readRawWrite is readWrite for bodies decoded later (patches).
func readRawWrite(r *http.Request) ([]byte, registry.WriteOptions, error) {
	opts, err := writeOptions(r)
	if err != nil {
		return nil, opts, err
	}
	body, err := readBody(r)
	return body, opts, err
}

// decodeBody decodes a create or update body into a new object of res,
// checking that its apiVersion and kind are the resource's.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, res *registry.Resource, data []byte, ct string) (runtime.Object, error) {
	policy, err := fieldValidation(r)
	if err != nil {
		return nil, err
	}
	var dec runtime.Decoder
	switch ct {
	case mtJSON:
		return s.decodeJSON(w, data, res, policy)
	case mtYAML, "application/x-yaml", "text/yaml":
		dec = s.codecs.strictYAML
	case mtProtobuf:
		dec = s.codecs.protobuf
	default:
		return nil, unsupportedMediaType(ct)
	}
	return s.decodeInto(w, dec, data, res, policy)
}

func (s *Server) decodeInto(w http.ResponseWriter, dec runtime.Decoder, data []byte, res *registry.Resource, policy string) (runtime.Object, error) {
	into := res.New()
	gvk := res.GVK()
	obj, actual, err := dec.Decode(data, &gvk, into)
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return nil, decodeError(err)
	}
	if actual != nil {
		if err := kindMismatch(*actual, gvk); err != nil {
			return nil, err
		}
	}
	if err != nil { // strict decoding problems: unknown or duplicate fields
		if serr := strictError(w, err, policy); serr != nil {
			return nil, serr
		}
	}
	if obj != into {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("body decodes to %T, expected %T", obj, into))
	}
	return obj, nil
}

// decodeJSON decodes a JSON body (or a patch's result) as decodeInto with
// the strict JSON decoder does, in one pass for typed objects: that
// decoder reads the whole document twice, first for its apiVersion and
// kind only; here they are read from the decoded object. Anything out of
// the ordinary (malformed JSON, unknown or duplicate fields, which is
// also how a "KIND" key shows, another apiVersion or kind) goes through
// the decoder, so errors and warnings are exactly its own.
func (s *Server) decodeJSON(w http.ResponseWriter, data []byte, res *registry.Resource, policy string) (runtime.Object, error) {
	into := res.New()
	if _, ok := into.(runtime.Unstructured); !ok {
		strict, err := kjson.UnmarshalStrict(data, into)
		gvk := res.GVK()
		if err == nil && len(strict) == 0 && withDefaults(into.GetObjectKind().GroupVersionKind(), gvk) == gvk {
			return into, nil
		}
	}
	return s.decodeInto(w, s.codecs.strictJSON, data, res, policy)
}

// withDefaults fills in what the data left out of its group, version
// and kind from want, as apimachinery's JSON decoder does.
func withDefaults(got, want schema.GroupVersionKind) schema.GroupVersionKind {
	if got.Kind == "" {
		got.Kind = want.Kind
	}
	if got.Version == "" && (got.Group == "" || got.Group == want.Group) {
		got.Group, got.Version = want.Group, want.Version
	}
	return got
}

// kindMismatch is the 400 for a body of another apiVersion or kind.
func kindMismatch(actual, gvk schema.GroupVersionKind) error {
	if actual == gvk {
		return nil
	}
	if actual.GroupVersion() != gvk.GroupVersion() {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", actual.GroupVersion(), gvk.GroupVersion()))
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", actual.Kind, gvk.Kind))
}

func strictError(w http.ResponseWriter, err error, policy string) error {
	se, ok := runtime.AsStrictDecodingError(err)
	if !ok {
		return nil
	}
	switch policy {
	case "Strict":
		return apierrors.NewBadRequest(err.Error())
	case "Warn":
		for _, e := range se.Errors() {
			addWarning(w, e.Error())
		}
	}
	return nil
}

// decodeError is the 400 for a body that is not valid JSON, YAML or protobuf.
func decodeError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Object 'Kind' is missing") {
		return apierrors.NewBadRequest(msg)
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized or malformed: %s", msg))
}

// addWarning adds a Kubernetes warning header (299 with an escaped text).
func addWarning(w http.ResponseWriter, text string) {
	text = strings.ReplaceAll(text, `"`, `\"`)
	w.Header().Add("Warning", fmt.Sprintf(`299 - "%s"`, text))
}

func gvkString(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String() + ", Kind=" + gvk.Kind
}
