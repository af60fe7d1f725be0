package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// rawResponse is one HTTP exchange done by hand, for exact codes and bodies.
type rawResponse struct {
	Code   int
	Header http.Header
	Body   []byte
}

// Status decodes the body as a metav1.Status (zero if it is not one).
func (r rawResponse) Status() metav1.Status {
	var st metav1.Status
	_ = json.Unmarshal(r.Body, &st)
	return st
}

var (
	httpOnce   sync.Once
	httpClient *http.Client
)

// adminHTTP is an http.Client presenting the admin client certificate.
func adminHTTP(t *testing.T) *http.Client {
	t.Helper()
	httpOnce.Do(func() {
		c, err := rest.HTTPClientFor(restConfig)
		if err != nil {
			panic(err)
		}
		httpClient = c
	})
	return httpClient
}

// doRaw sends one request to the server as the admin. headers alternate
// name, value.
func doRaw(t *testing.T, method, path string, body []byte, headers ...string) rawResponse {
	t.Helper()
	return doWith(t, adminHTTP(t), method, path, body, headers...)
}

func doWith(t *testing.T, c *http.Client, method, path string, body []byte, headers ...string) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctxT(t), method, strings.TrimSuffix(restConfig.Host, "/")+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return rawResponse{Code: resp.StatusCode, Header: resp.Header, Body: data}
}

// expectStatus checks a raw response's code and, for errors, that the
// body is a Status with that code and reason.
func expectStatus(t *testing.T, what string, r rawResponse, code int, reason metav1.StatusReason) metav1.Status {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: code %d, want %d; body %s", what, r.Code, code, r.Body)
	}
	st := r.Status()
	if code >= 400 {
		if st.Kind != "Status" || st.Status != metav1.StatusFailure || int(st.Code) != code {
			t.Fatalf("%s: body is not a failure Status with code %d: %s", what, code, r.Body)
		}
		if reason != "" && st.Reason != reason {
			t.Fatalf("%s: reason %q, want %q; body %s", what, st.Reason, reason, r.Body)
		}
	}
	return st
}

// jsonClient is a clientset speaking JSON rather than protobuf.
func jsonClient(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cfg := rest.CopyConfig(restConfig)
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	return kubernetes.NewForConfigOrDie(cfg)
}

// protoClient is a clientset speaking protobuf explicitly.
func protoClient(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cfg := rest.CopyConfig(restConfig)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return kubernetes.NewForConfigOrDie(cfg)
}

// eventually polls cond every 20ms until it holds or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nextEvent reads one event from w, failing after timeout.
func nextEvent(t *testing.T, w watch.Interface, timeout time.Duration) watch.Event {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed unexpectedly")
		}
		return e
	case <-time.After(timeout):
		t.Fatalf("no watch event within %v", timeout)
	}
	return watch.Event{}
}

// nextNonBookmark skips bookmarks.
func nextNonBookmark(t *testing.T, w watch.Interface, timeout time.Duration) watch.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e := nextEvent(t, w, time.Until(deadline))
		if e.Type != watch.Bookmark {
			return e
		}
	}
}

func metaName(t *testing.T, obj any) string {
	t.Helper()
	m, ok := obj.(metav1.Object)
	if !ok {
		t.Fatalf("%T has no metadata", obj)
	}
	return m.GetName()
}

var (
	etcdOnce sync.Once
	etcdCli  *clientv3.Client
	etcdErr  error
)

// etcdClient connects to the embedded etcd over its unix socket (it lives
// in the server's data directory).
func etcdClient(t *testing.T) *clientv3.Client {
	t.Helper()
	etcdOnce.Do(func() {
		etcdCli, etcdErr = clientv3.New(clientv3.Config{
			Endpoints:   []string{"unix://" + dataDir + "/etcd/client.sock"},
			DialTimeout: 10 * time.Second,
			Logger:      zap.NewNop(),
		})
	})
	if etcdErr != nil {
		t.Fatalf("connect to embedded etcd: %v", etcdErr)
	}
	return etcdCli
}

// must(f())(t) is f's value, failing the test if f failed.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptrTo[T any](v T) *T { return &v }

// statusCode is the HTTP code of an API error (0 for other errors).
func statusCode(err error) int32 {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return se.Status().Code
	}
	return 0
}

// Object builders with everything upstream validation requires.

func simplePod(name string, lbls map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "c", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePolicy: corev1.TerminationMessageReadFile, TerminationMessagePath: "/dev/termination-log"}},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			DNSPolicy:                     corev1.DNSClusterFirst,
			TerminationGracePeriodSeconds: ptrTo(int64(30)),
			SchedulerName:                 corev1.DefaultSchedulerName,
			SecurityContext:               &corev1.PodSecurityContext{},
		},
	}
}

func podTemplate(lbls map[string]string) corev1.PodTemplateSpec {
	p := simplePod("", lbls)
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: p.Spec}
}

func simpleDeployment(name string, replicas int32) *appsv1.Deployment {
	lbls := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: podTemplate(lbls),
		},
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	return &unstructured.Unstructured{Object: m}, err
}
