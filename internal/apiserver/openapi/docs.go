package openapi

import (
	"cmp"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Docs holds the OpenAPI documents; it is safe for concurrent use. The
// schemas are loaded by Build (server-side apply needs them from the first
// write); the documents are rendered on first request, as kube-apiserver
// renders its v3 documents lazily, so a server nobody asks for OpenAPI
// does not carry megabytes of JSON.
type Docs struct {
	defs map[string]*spec.Schema

	once      sync.Once
	renderErr error
	renderFn  func() error
	v2        *document
	index     *document
	v3        map[string]*document // by path under /openapi/v3/, e.g. "apis/apps/v1"
}

// ensure renders the documents once.
func (d *Docs) ensure() error {
	d.once.Do(func() { d.renderErr = d.renderFn(); d.renderFn = nil })
	return d.renderErr
}

// Build prepares the documents for the served kinds. Call it once at start.
func Build(kinds []Kind) (*Docs, error) {
	s, err := newScheme()
	if err != nil {
		return nil, err
	}
	ix := newKindIndex(s)
	defs, err := loadDefinitions(ix)
	if err != nil {
		return nil, err
	}
	kinds = slices.Clone(kinds)
	slices.SortStableFunc(kinds, func(a, b Kind) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Resource, b.Resource))
	})
	r := newRoutes(ix, defs)
	var gvs []schema.GroupVersion
	for _, k := range kinds {
		if err := r.addKind(k); err != nil {
			return nil, err
		}
		if !slices.Contains(gvs, k.gv()) {
			gvs = append(gvs, k.gv())
		}
	}
	if err := r.addDiscovery(gvs); err != nil {
		return nil, err
	}
	eps := r.sorted()
	d := &Docs{v3: map[string]*document{}, defs: defs.v3}
	d.renderFn = func() error { return d.render(eps, defs) }
	return d, nil
}

func (d *Docs) render(eps []*endpoint, defs *definitions) error {
	v2, err := renderV2(eps, defs)
	if err != nil {
		return err
	}
	d.v2 = newDocument(v2, v2Proto)

	byDoc := map[string][]*endpoint{}
	for _, ep := range eps {
		byDoc[ep.doc] = append(byDoc[ep.doc], ep)
	}
	schemas := newSchemaJSON(defs.v3)
	for name, docEps := range byDoc {
		b, err := renderV3(docEps, defs, schemas)
		if err != nil {
			return err
		}
		d.v3[name] = newDocument(b, v3Proto)
	}
	d.index = newDocument(d.indexJSON(), nil)
	return nil
}

// indexJSON is the /openapi/v3 discovery document.
func (d *Docs) indexJSON() []byte {
	type entry struct {
		ServerRelativeURL string `json:"serverRelativeURL"`
	}
	paths := make(map[string]entry, len(d.v3))
	for name, doc := range d.v3 {
		paths[name] = entry{ServerRelativeURL: v3URL(name, doc.etag)}
	}
	b, _ := json.Marshal(struct {
		Paths map[string]entry `json:"paths"`
	}{paths}) // cannot fail: strings only
	return b
}

func v3URL(name, hash string) string {
	return "/openapi/v3/" + name + "?" + url.Values{"hash": {hash}}.Encode()
}

// V2JSON is the Swagger 2.0 document served at /openapi/v2.
func (d *Docs) V2JSON() []byte {
	if d.ensure() != nil {
		return nil
	}
	return d.v2.json
}

// V2Proto is the v2 document in gnostic protobuf form (computed on first
// use, which takes a while; nil if the conversion failed).
func (d *Docs) V2Proto() []byte {
	if d.ensure() != nil {
		return nil
	}
	b, _ := d.v2.proto.get()
	return b
}

// V3Index is the /openapi/v3 discovery document.
func (d *Docs) V3Index() []byte {
	if d.ensure() != nil {
		return nil
	}
	return d.index.json
}

// V3Path returns the v3 document at /openapi/v3/<p>, e.g. p = "apis/apps/v1".
func (d *Docs) V3Path(p string) ([]byte, bool) {
	if d.ensure() != nil {
		return nil, false
	}
	doc, ok := d.v3[strings.Trim(p, "/")]
	if !ok {
		return nil, false
	}
	return doc.json, true
}

// V3Hash returns the hash of the v3 document p, as used in the index and
// as its ETag; "" if there is no such document.
func (d *Docs) V3Hash(p string) string {
	if d.ensure() != nil {
		return ""
	}
	if doc, ok := d.v3[strings.Trim(p, "/")]; ok {
		return doc.etag
	}
	return ""
}

// V3Paths lists the v3 document names, sorted.
func (d *Docs) V3Paths() []string {
	if d.ensure() != nil {
		return nil
	}
	out := make([]string, 0, len(d.v3))
	for name := range d.v3 {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Definitions returns every generated schema in v3 form, keyed by model name
// ("io.k8s.api.apps.v1.Deployment"), with x-kubernetes-group-version-kind on
// the kinds: the input managedfields.NewTypeConverter(defs, false) expects.
// The map and schemas are shared: do not modify them.
func (d *Docs) Definitions() map[string]*spec.Schema { return d.defs }

func etagOf(b []byte) string {
	sum := sha512.Sum512(b)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
