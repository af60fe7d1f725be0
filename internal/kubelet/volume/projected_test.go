package volume

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// tokenServer answers TokenRequests with token-1, token-2, ... and
// remembers the requests.
type tokenServer struct {
	n    int
	reqs []*authv1.TokenRequest
	sa   []string
}

func (s *tokenServer) react(a k8stesting.Action) (bool, runtime.Object, error) {
	ca := a.(k8stesting.CreateAction)
	if a.GetSubresource() != "token" {
		return false, nil, nil
	}
	req := ca.GetObject().(*authv1.TokenRequest)
	s.n++
	s.reqs = append(s.reqs, req)
	s.sa = append(s.sa, a.(k8stesting.CreateActionImpl).Name)
	out := req.DeepCopy()
	out.Status.Token = "token-" + string(rune('0'+s.n))
	out.Status.ExpirationTimestamp = metav1.NewTime(time.Now().Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second))
	return true, out, nil
}

func kubeAPIAccess() v1.Volume {
	return v1.Volume{Name: "kube-api-access", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{
		DefaultMode: ptr[int32](0o644),
		Sources: []v1.VolumeProjection{
			{ServiceAccountToken: &v1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr[int64](3607)}},
			{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []v1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &v1.DownwardAPIProjection{Items: []v1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "s"},
				Items: []v1.KeyToPath{{Key: "pass", Path: "secret/pass", Mode: ptr[int32](0o400)}}}},
		},
	}}}
}

func TestProjected(t *testing.T) {
	m, client := newTest(t, true, configMap("kube-root-ca.crt", map[string]string{"ca.crt": "CA"}), secret("s", map[string]string{"pass": "pw"}))
	ts := &tokenServer{}
	client.PrependReactor("create", "serviceaccounts", ts.react)
	pod := newPod(kubeAPIAccess())
	pod.Spec.ServiceAccountName = "robot"
	dir := setup(t, m, pod)["kube-api-access"]
	if !strings.HasSuffix(dir, "/uid-1/volumes/kubernetes.io~projected/kube-api-access") {
		t.Errorf("dir = %s", dir)
	}
	for p, want := range map[string]string{"token": "token-1", "ca.crt": "CA", "namespace": "ns", "secret/pass": "pw"} {
		if got := readFile(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got := modeOf(t, filepath.Join(dir, "secret/pass")); got != 0o400 {
		t.Errorf("item mode = %o", got)
	}
	if len(ts.reqs) != 1 {
		t.Fatalf("%d token requests", len(ts.reqs))
	}
	req := ts.reqs[0]
	if ts.sa[0] != "robot" || *req.Spec.ExpirationSeconds != 3607 || req.Spec.BoundObjectRef == nil ||
		req.Spec.BoundObjectRef.Kind != "Pod" || req.Spec.BoundObjectRef.UID != "uid-1" || len(req.Spec.Audiences) != 0 {
		t.Errorf("token request for %s: %+v", ts.sa[0], req.Spec)
	}

	// A fresh token is reused on the next sync.
	setup(t, m, pod)
	if len(ts.reqs) != 1 {
		t.Errorf("token requested again while fresh (%d requests)", len(ts.reqs))
	}
	// An aged token is replaced and the file follows.
	m.mu.Lock()
	for _, rec := range m.tokens {
		rec.expires = time.Now().Add(10 * time.Minute) // inside the last 20% of 3607s
	}
	m.mu.Unlock()
	setup(t, m, pod)
	if got := readFile(t, filepath.Join(dir, "token")); got != "token-2" {
		t.Errorf("token after refresh = %q", got)
	}
	// Teardown forgets the pod's tokens.
	if err := m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if len(m.tokens) != 0 {
		t.Errorf("%d tokens cached after Teardown", len(m.tokens))
	}
}

func TestProjectedErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     v1.VolumeProjection
		wantErr string
	}{
		{"missing configmap", v1.VolumeProjection{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "x"}}}, `configmap "x" not found`},
		{"missing secret", v1.VolumeProjection{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "x"}}}, `secret "x" not found`},
		{"trust bundle", v1.VolumeProjection{ClusterTrustBundle: &v1.ClusterTrustBundleProjection{Path: "b"}}, "clusterTrustBundle is not supported"},
		{"token api fails", v1.VolumeProjection{ServiceAccountToken: &v1.ServiceAccountTokenProjection{Path: "t"}}, "failed to fetch token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, client := newTest(t, true)
			client.PrependReactor("create", "serviceaccounts", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, errNotServed
			})
			pod := newPod(v1.Volume{Name: "p", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{tt.src}}}})
			if _, err := m.Setup(t.Context(), pod); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestProjectedOptionalMissing(t *testing.T) {
	m, _ := newTest(t, true)
	pod := newPod(v1.Volume{Name: "p", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
		{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "x"}, Optional: ptr(true)}},
		{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "y"}, Optional: ptr(true),
			Items: []v1.KeyToPath{{Key: "k", Path: "k"}}}},
	}}}})
	dir := setup(t, m, pod)["p"]
	if n := visibleNames(t, dir); len(n) != 0 {
		t.Errorf("entries %v, want none", n)
	}
}

var errNotServed = &notServed{}

type notServed struct{}

func (*notServed) Error() string { return "the server could not find the requested resource" }
