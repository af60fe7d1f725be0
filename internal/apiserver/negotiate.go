package apiserver

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Media types orca speaks.
const (
	mtJSON     = "application/json"
	mtYAML     = "application/yaml"
	mtProtobuf = "application/vnd.kubernetes.protobuf"
)

// target is the representation a client asked for in Accept.
type target struct {
	Type    string // mtJSON, mtYAML or mtProtobuf
	As      string // "", "Table", "PartialObjectMetadata", "PartialObjectMetadataList", "APIGroupDiscoveryList"
	Group   string
	Version string
	Stream  bool // watch framing
}

type acceptEntry struct {
	typ    string
	params map[string]string
	q      float64
	order  int
}

// parseAccept splits an Accept header, best first.
func parseAccept(h string) []acceptEntry {
	if strings.TrimSpace(h) == "" {
		h = "*/*"
	}
	var out []acceptEntry
	for i, part := range strings.Split(h, ",") {
		typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		out = append(out, acceptEntry{typ: typ, params: params, q: q, order: i})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].q > out[j].q })
	return out
}

// negotiate picks the first acceptable representation. allowAs says which
// "as=" conversions the endpoint can produce.
func negotiate(r *http.Request, allowAs func(as, group, version string) bool) (target, bool) {
	for _, e := range parseAccept(r.Header.Get("Accept")) {
		t := target{As: e.params["as"], Group: e.params["g"], Version: e.params["v"]}
		switch e.typ {
		case mtJSON, "application/*", "*/*", "application/json-seq":
			t.Type = mtJSON
		case mtYAML:
			t.Type = mtYAML
		case mtProtobuf, "application/vnd.kubernetes.protobuf;stream=watch":
			t.Type = mtProtobuf
		default:
			continue
		}
		if t.As != "" && (allowAs == nil || !allowAs(t.As, t.Group, t.Version)) {
			continue
		}
		if t.Type == mtProtobuf && t.As == "Table" {
			continue // a Table has no protobuf form; take the client's next choice
		}
		return t, true
	}
	return target{}, false
}
