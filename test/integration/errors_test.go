package integration

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

func TestErrorResponses(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	base := "/api/v1/namespaces/" + ns + "/configmaps"
	orig := must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "keep", Labels: map[string]string{"l": "v"}}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}))(t)
	json := "application/json"
	cases := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		code    int
		reason  metav1.StatusReason
		msg     string
	}{
		{"malformed JSON create", "POST", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"malformed JSON update", "PUT", base + "/keep", `{"apiVersion":"v1",,}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"malformed YAML create", "POST", base, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n", []string{"Content-Type", "application/yaml"}, 400, metav1.StatusReasonBadRequest, ""},
		{"malformed protobuf", "POST", base, "k8s\x00\x0a\x99garbage", []string{"Content-Type", "application/vnd.kubernetes.protobuf"}, 400, metav1.StatusReasonBadRequest, ""},
		{"wrong kind in body", "POST", base, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"wrong apiVersion in body", "POST", base, `{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"s"}}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"namespace mismatch", "POST", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s","namespace":"elsewhere"}}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"unknown field, strict", "POST", base + "?fieldValidation=Strict", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"},"bogus":1}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, "bogus"},
		{"invalid name", "POST", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}`, []string{"Content-Type", json}, 422, metav1.StatusReasonInvalid, ""},
		{"unknown resource", "GET", "/api/v1/namespaces/" + ns + "/widgets", "", nil, 404, metav1.StatusReasonNotFound, ""},
		{"unknown group", "GET", "/apis/widgets.example.com/v1/widgets", "", nil, 404, metav1.StatusReasonNotFound, ""},
		{"unknown version", "GET", "/apis/apps/v7/deployments", "", nil, 404, metav1.StatusReasonNotFound, ""},
		{"unknown subresource", "GET", base + "/keep/widgets", "", nil, 404, metav1.StatusReasonNotFound, ""},
		{"cluster-scoped in a namespace", "GET", "/api/v1/namespaces/" + ns + "/nodes", "", nil, 404, metav1.StatusReasonNotFound, ""},
		{"missing object", "GET", base + "/nope", "", nil, 404, metav1.StatusReasonNotFound, "not found"},
		{"POST to a named object", "POST", base + "/keep", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep"}}`, []string{"Content-Type", json}, 405, metav1.StatusReasonMethodNotAllowed, ""},
		{"PUT to a collection", "PUT", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep"}}`, []string{"Content-Type", json}, 405, metav1.StatusReasonMethodNotAllowed, ""},
		{"PATCH to a collection", "PATCH", base, `{}`, []string{"Content-Type", "application/merge-patch+json"}, 405, metav1.StatusReasonMethodNotAllowed, ""},
		{"unsupported Accept", "GET", base + "/keep", "", []string{"Accept", "text/html"}, 406, metav1.StatusReasonNotAcceptable, ""},
		{"unsupported Content-Type", "POST", base, `name=x`, []string{"Content-Type", "text/plain"}, 415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"unsupported Content-Type on update", "PUT", base + "/keep", `<cm/>`, []string{"Content-Type", "application/xml"}, 415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"already exists", "POST", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep"}}`, []string{"Content-Type", json}, 409, metav1.StatusReasonAlreadyExists, "already exists"},
		{"stale update", "PUT", base + "/keep", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep","resourceVersion":"1"},"data":{"k":"lost"}}`, []string{"Content-Type", json}, 409, metav1.StatusReasonConflict, ""},
		{"invalid label on update", "PUT", base + "/keep", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep","labels":{"a b":"c"}},"data":{"k":"lost"}}`, []string{"Content-Type", json}, 422, metav1.StatusReasonInvalid, ""},
		{"bad query parameter", "GET", base + "?limit=ten", "", nil, 400, metav1.StatusReasonBadRequest, ""},
		{"bad gracePeriodSeconds", "DELETE", base + "/keep?gracePeriodSeconds=soon", "", nil, 400, metav1.StatusReasonBadRequest, ""},
		{"bad DeleteOptions body", "DELETE", base + "/keep", `{"propagationPolicy":`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"bad fieldValidation", "POST", base + "?fieldValidation=Loose", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv"}}`, []string{"Content-Type", json}, 400, metav1.StatusReasonBadRequest, ""},
		{"body too large", "POST", base, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"` + strings.Repeat("x", 3<<20) + `"}}`, []string{"Content-Type", json}, 413, metav1.StatusReasonRequestEntityTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			r := doRaw(t, tc.method, tc.path, body, tc.headers...)
			st := expectStatus(t, tc.name, r, tc.code, tc.reason)
			if !strings.Contains(st.Message, tc.msg) {
				t.Fatalf("message %q does not mention %q", st.Message, tc.msg)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("error Content-Type %q, want JSON", ct)
			}
		})
	}

	// An object under the body limit but over etcd's value limit is 413 as
	// well, not a server error.
	big := `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"big"},"revision":1,"data":{"x":"` + strings.Repeat("x", 2<<20) + `"}}`
	r := doRaw(t, "POST", "/apis/apps/v1/namespaces/"+ns+"/controllerrevisions", []byte(big), "Content-Type", json)
	expectStatus(t, "object too large for etcd", r, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge)
	if _, err := client.AppsV1().ControllerRevisions(ns).Get(ctx, "big", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("oversized object stored: %v", err)
	}

	// Bad input never changed the stored object.
	got := must(client.CoreV1().ConfigMaps(ns).Get(ctx, "keep", metav1.GetOptions{}))(t)
	if got.ResourceVersion != orig.ResourceVersion || got.Data["k"] != "v" || len(got.Labels) != 1 {
		t.Fatalf("stored object changed by bad requests: %+v", got)
	}
	l := must(client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{}))(t)
	if len(l.Items) != 1 {
		t.Fatalf("bad requests created objects: %d configmaps", len(l.Items))
	}
}

func TestInvalidCauses(t *testing.T) {
	ctx, ns := ctxT(t), newNamespace(t)
	_, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "Not_Valid", Labels: map[string]string{"ok": "bad value!"}, Annotations: map[string]string{"/bad": "x"}}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || statusCode(err) != http.StatusUnprocessableEntity {
		t.Fatalf("invalid object: %v, want 422 Invalid", err)
	}
	st := err.(apierrors.APIStatus).Status()
	if st.Details == nil || st.Details.Kind != "ConfigMap" || st.Details.Name != "Not_Valid" {
		t.Fatalf("invalid details: %+v", st.Details)
	}
	fields := map[string]bool{}
	for _, c := range st.Details.Causes {
		fields[c.Field] = true
		if c.Type == "" || c.Message == "" {
			t.Fatalf("cause without type or message: %+v", c)
		}
	}
	for _, f := range []string{"metadata.name", "metadata.labels", "metadata.annotations"} {
		if !fields[f] {
			t.Errorf("no cause for %s in %+v", f, st.Details.Causes)
		}
	}
	if !strings.HasPrefix(st.Message, `ConfigMap "Not_Valid" is invalid: `) {
		t.Errorf("message %q", st.Message)
	}
	// Updates are validated too, and the stored object stays as it was.
	cm := must(client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ok"}}, metav1.CreateOptions{}))(t)
	bad := cm.DeepCopy()
	bad.Labels = map[string]string{"-x-": "y"}
	if _, err := client.CoreV1().ConfigMaps(ns).Update(ctx, bad, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("invalid update: %v", err)
	}
	bad = cm.DeepCopy()
	bad.UID = ""
	bad.CreationTimestamp = metav1.Now()
	bad.Labels = map[string]string{"fine": "yes"}
	upd := must(client.CoreV1().ConfigMaps(ns).Update(ctx, bad, metav1.UpdateOptions{}))(t)
	if !upd.CreationTimestamp.Equal(&cm.CreationTimestamp) || upd.UID != cm.UID {
		t.Fatalf("update changed server-owned metadata: %+v", upd.ObjectMeta)
	}
}

func TestAuthentication(t *testing.T) {
	anonCfg := rest.AnonymousClientConfig(restConfig)
	tr, err := rest.TransportFor(anonCfg)
	if err != nil {
		t.Fatal(err)
	}
	anon := &http.Client{Transport: tr}
	for _, p := range []string{"/api", "/api/v1/namespaces", "/apis/apps/v1/deployments", "/openapi/v2", "/metrics", "/healthzz"} {
		r := doWith(t, anon, "GET", p, nil)
		expectStatus(t, "anonymous "+p, r, http.StatusUnauthorized, metav1.StatusReasonUnauthorized)
	}
	r := doWith(t, anon, "POST", "/api/v1/namespaces/default/configmaps", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"anon"}}`), "Content-Type", "application/json")
	expectStatus(t, "anonymous create", r, http.StatusUnauthorized, metav1.StatusReasonUnauthorized)
	if _, err := client.CoreV1().ConfigMaps("default").Get(ctxT(t), "anon", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("anonymous create stored something: %v", err)
	}
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version", "/readyz?verbose", "/livez/ping"} {
		r := doWith(t, anon, "GET", p, nil)
		if r.Code != http.StatusOK {
			t.Errorf("anonymous %s: %d %s", p, r.Code, r.Body)
		}
	}
	if r := doWith(t, anon, "GET", "/version", nil); !bytes.Contains(r.Body, []byte(`"gitVersion"`)) {
		t.Errorf("/version body %s", r.Body)
	}
	if r := doWith(t, anon, "GET", "/readyz?verbose", nil); !bytes.Contains(r.Body, []byte("[+]etcd ok")) {
		t.Errorf("/readyz?verbose body %s", r.Body)
	}

	// A client certificate from another CA is no better than none: the
	// TLS handshake or the authenticator refuses it.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	forged := rest.CopyConfig(anonCfg)
	forged.TLSClientConfig.CertData = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	forged.TLSClientConfig.KeyData = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	ftr, err := rest.TransportFor(forged)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", restConfig.Host+"/api/v1/namespaces", nil)
	if resp, err := (&http.Client{Transport: ftr}).Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged client certificate: %d, want 401 or a TLS failure", resp.StatusCode)
		}
	}
}
