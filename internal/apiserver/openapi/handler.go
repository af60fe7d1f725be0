package openapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/munnerz/goautoneg"
)

// Protobuf media types of the documents, as upstream serves them: the
// "@v1.0" form is the one clients ask for, the ".v1.0" form the one answered.
var protoSubtypes = map[string][2]string{
	"v2": {"com.github.proto-openapi.spec.v2@v1.0+protobuf", "com.github.proto-openapi.spec.v2.v1.0+protobuf"},
	"v3": {"com.github.proto-openapi.spec.v3@v1.0+protobuf", "com.github.proto-openapi.spec.v3.v1.0+protobuf"},
}

// ServeHTTP serves /openapi/v2, /openapi/v3 and /openapi/v3/<group version>.
func (d *Docs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := d.ensure(); err != nil {
		http.Error(w, "openapi: "+err.Error(), http.StatusInternalServerError)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/openapi/v2":
		serve(w, r, d.v2, "v2")
	case p == "/openapi/v3" || p == "/openapi/v3/":
		serve(w, r, d.index, "")
	case strings.HasPrefix(p, "/openapi/v3/"):
		name := strings.Trim(strings.TrimPrefix(p, "/openapi/v3/"), "/")
		doc, ok := d.v3[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if hash := r.URL.Query().Get("hash"); hash != "" {
			if hash != doc.etag {
				// The client holds a stale index: send it to the current document.
				http.Redirect(w, r, v3URL(name, doc.etag), http.StatusMovedPermanently)
				return
			}
			w.Header().Set("Cache-Control", "public, immutable")
			w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
		}
		serve(w, r, doc, "v3")
	default:
		http.NotFound(w, r)
	}
}

// serve writes doc in the negotiated form; version ("v2", "v3" or "")
// selects the protobuf media type offered.
func serve(w http.ResponseWriter, r *http.Request, doc *document, version string) {
	h := w.Header()
	h.Add("Vary", "Accept")
	h.Add("Vary", "Accept-Encoding")
	body, contentType, err := negotiate(r, doc, version)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	case body == nil:
		http.Error(w, "not acceptable", http.StatusNotAcceptable)
		return
	}
	h.Set("Etag", strconv.Quote(doc.etag))
	if notModified(r, doc.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if contentType == jsonType && acceptsGzip(r) {
		if gz, err := doc.gzip.get(); err == nil {
			body = gz
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// negotiate picks JSON or protobuf from the Accept header. It returns a nil
// body when nothing acceptable can be offered.
func negotiate(r *http.Request, doc *document, version string) ([]byte, string, error) {
	accept := r.Header.Get("Accept")
	if accept == "" || version == "" {
		return doc.json, jsonType, nil
	}
	proto := protoSubtypes[version]
	for _, c := range goautoneg.ParseAccept(accept) {
		if c.Q == 0 || (c.Type != "application" && c.Type != "*") {
			continue
		}
		switch {
		case c.SubType == "json" || c.SubType == "*":
			return doc.json, jsonType, nil
		case doc.proto.available() && (c.SubType == proto[0] || c.SubType == proto[1]):
			b, err := doc.proto.get()
			return b, "application/" + proto[1], err
		}
	}
	return nil, "", nil
}

// notModified reports whether If-None-Match names etag.
func notModified(r *http.Request, etag string) bool {
	for _, v := range r.Header.Values("If-None-Match") {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || strings.Trim(t, `"`) == etag {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding lists gzip with a non-zero q.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			if strings.TrimSpace(name) != "gzip" {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
