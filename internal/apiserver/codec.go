package apiserver

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"

	"orca/internal/storage"
)

// codecs are the serializers for every media type, built once.
type codecs struct {
	scheme     *runtime.Scheme
	json       *json.Serializer
	jsonPretty *json.Serializer
	yaml       *json.Serializer
	strictJSON *json.Serializer
	strictYAML *json.Serializer
	protobuf   *protobuf.Serializer
}

func newCodecs() *codecs {
	s := scheme.Scheme
	mk := func(yaml, pretty, strict bool) *json.Serializer {
		return json.NewSerializerWithOptions(json.DefaultMetaFactory, s, s, json.SerializerOptions{Yaml: yaml, Pretty: pretty, Strict: strict})
	}
	return &codecs{
		scheme: s, json: mk(false, false, false), jsonPretty: mk(false, true, false), yaml: mk(true, false, false),
		strictJSON: mk(false, false, true), strictYAML: mk(true, false, true),
		protobuf: protobuf.NewSerializer(s, s),
	}
}

// encoder returns the encoder for a media type.
func (c *codecs) encoder(typ string, pretty bool) runtime.Encoder {
	switch typ {
	case mtYAML:
		return c.yaml
	case mtProtobuf:
		return c.protobuf
	}
	if pretty {
		return c.jsonPretty
	}
	return c.json
}

// setKind makes sure obj names its apiVersion and kind, which clients need.
func (c *codecs) setKind(obj runtime.Object) {
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return
	}
	if gvks, _, err := c.scheme.ObjectKinds(obj); err == nil {
		obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	}
}

func (c *codecs) encode(obj runtime.Object, typ string, pretty bool) ([]byte, error) {
	c.setKind(obj)
	b, err := storage.Encode(c.encoder(typ, pretty), obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	return b, nil
}

// writeRaw writes a body, gzipped when the client accepts it and it is big.
func writeRaw(w http.ResponseWriter, r *http.Request, code int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	if len(body) > 128*1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		w.WriteHeader(code)
		gz := gzip.NewWriter(w)
		gz.Write(body)
		gz.Close()
		return
	}
	w.WriteHeader(code)
	w.Write(body)
}

// writeObject writes obj in the representation the client asked for.
// conv, when set, turns the object into a Table or metadata-only form.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, code int, obj runtime.Object, conv *converter) {
	t, ok := negotiate(r, conv.allowAs)
	if !ok {
		// Errors are still sent, as JSON, whatever the client accepts.
		if _, isStatus := obj.(*metav1.Status); !isStatus {
			s.writeError(w, r, notAcceptable("application/json, application/yaml, application/vnd.kubernetes.protobuf"))
			return
		}
		t = target{Type: mtJSON}
	}
	if t.As != "" {
		converted, err := conv.convert(obj, t, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		obj = converted
	}
	body, err := s.codecs.encode(obj, t.Type, r.URL.Query().Get("pretty") == "true")
	if err != nil && t.Type == mtProtobuf {
		t.Type = mtJSON // kinds without protobuf support fall back to JSON
		body, err = s.codecs.encode(obj, t.Type, false)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeRaw(w, r, code, t.Type, body)
}
