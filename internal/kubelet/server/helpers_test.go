package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"orca/internal/auth/pki"
	"orca/internal/kubelet/server/streamtest"
	"orca/internal/kubelet/sim"
)

const testImage = "docker.io/library/busybox:1.36"

// fakePods is a PodSource over a map; ContainerID answers from ids, or
// with the message in errs.
type fakePods struct {
	mu   sync.Mutex
	pods map[string]*v1.Pod
	ids  map[string]string // ns/pod/container[/previous] → runtime ID
	errs map[string]string // ns/pod/container → ContainerID error
}

func newFakePods() *fakePods {
	return &fakePods{pods: map[string]*v1.Pod{}, ids: map[string]string{}, errs: map[string]string{}}
}

func (f *fakePods) GetPod(ns, name string) (*v1.Pod, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[ns+"/"+name]
	return p, ok
}

func (f *fakePods) ContainerID(pod *v1.Pod, container string, previous bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := pod.Namespace + "/" + pod.Name + "/" + container
	if msg, ok := f.errs[key]; ok {
		return "", errors.New(msg)
	}
	if previous {
		key += "/previous"
	}
	if id, ok := f.ids[key]; ok {
		return id, nil
	}
	if previous {
		return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
	}
	return "", fmt.Errorf("container %q in pod %q is waiting to start: ContainerCreating", container, pod.Name)
}

func (f *fakePods) Pods() []*v1.Pod {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*v1.Pod
	for _, p := range f.pods {
		out = append(out, p)
	}
	return out
}

func (f *fakePods) add(p *v1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pods[p.Namespace+"/"+p.Name] = p
}

// env is a kubelet server on 127.0.0.1 with the simulated runtime (plus a
// fake streaming server), a fake pod source and the certificates to call it.
type env struct {
	t       *testing.T
	url     string
	rt      *sim.Runtime
	pods    *fakePods
	logDir  string
	streams *streamtest.Server
	stop    func() // stops the server and waits for Serve to return

	apiserver, admin, alice, stranger tls.Certificate
	apiserverPEM                      [2][]byte // cert, key
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, pods: newFakePods(), logDir: filepath.Join(dir, "logs")}
	ca := mustCA(t, filepath.Join(dir, "ca"))
	other := mustCA(t, filepath.Join(dir, "other"))
	e.apiserver, e.apiserverPEM = clientCert(t, ca, dir, APIServerKubeletClient, nil)
	e.admin, _ = clientCert(t, ca, dir, "admin", []string{SystemMasters})
	e.alice, _ = clientCert(t, ca, dir, "alice", []string{"dev"})
	e.stranger, _ = clientCert(t, other, dir, APIServerKubeletClient, nil)

	e.rt = sim.New(sim.Options{Images: []string{testImage}})
	t.Cleanup(func() { e.rt.Close(context.Background()) })
	e.streams = streamtest.NewServer()
	t.Cleanup(e.streams.Close)

	serving, err := SelfSignedCert("node-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	srv := New(Config{ServingCert: serving, ClientCA: pool, NodeName: "node-1", Pods: e.pods,
		Runtime: &streamtest.Runtime{Runtime: e.rt, Streams: e.streams}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	e.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(e.stop)
	e.url = "https://" + ln.Addr().String()
	return e
}

func mustCA(t *testing.T, dir string) *pki.CA {
	t.Helper()
	ca, err := pki.LoadOrCreateCA(dir, "ca", "test-ca-"+filepath.Base(dir))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func clientCert(t *testing.T, ca *pki.CA, dir, user string, groups []string) (tls.Certificate, [2][]byte) {
	t.Helper()
	base := filepath.Join(dir, fmt.Sprintf("%s-%p", user, ca))
	certPEM, keyPEM, err := ca.EnsureClientCert(base+".crt", base+".key", user, groups)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert, [2][]byte{certPEM, keyPEM}
}

// client calls the kubelet with cert (nil: no certificate).
func (e *env) client(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}

// restConfig is a client-go configuration for the kubelet as the apiserver.
func (e *env) restConfig() *rest.Config {
	return &rest.Config{Host: e.url, TLSClientConfig: rest.TLSClientConfig{
		CertData: e.apiserverPEM[0], KeyData: e.apiserverPEM[1], Insecure: true,
	}}
}

func (e *env) get(path string) (int, []byte) {
	e.t.Helper()
	resp, err := e.client(&e.apiserver).Get(e.url + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// runPod creates a pod with one running container "app" in the runtime and
// the pod source; its log file is returned (not yet created).
func (e *env) runPod(ns, name string, containers ...string) (sandboxID string, ids map[string]string) {
	e.t.Helper()
	if len(containers) == 0 {
		containers = []string{"app"}
	}
	uid := types.UID("uid-" + ns + "-" + name)
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: uid}}
	sbCfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: ns, Uid: string(uid)},
		LogDirectory: filepath.Join(e.logDir, ns+"_"+name),
	}
	ctx := context.Background()
	sb, err := e.rt.RunPodSandbox(ctx, sbCfg, "")
	if err != nil {
		e.t.Fatal(err)
	}
	ids = map[string]string{}
	for _, c := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, v1.Container{Name: c, Image: testImage})
		id, err := e.rt.CreateContainer(ctx, sb, &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: c},
			Image:    &runtimeapi.ImageSpec{Image: testImage},
			LogPath:  c + "/0.log",
		}, sbCfg)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.rt.StartContainer(ctx, id); err != nil {
			e.t.Fatal(err)
		}
		ids[c] = id
		e.pods.mu.Lock()
		e.pods.ids[ns+"/"+name+"/"+c] = id
		e.pods.mu.Unlock()
	}
	e.pods.add(pod)
	return sb, ids
}

// logPath is where the runtime says the container's log is.
func (e *env) logPath(id string) string {
	e.t.Helper()
	resp, err := e.rt.ContainerStatus(context.Background(), id, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.Status.LogPath
}

// appendLog writes CRI-format lines to the container's log file.
func (e *env) appendLog(id string, lines ...string) {
	e.t.Helper()
	path := e.logPath(id)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			e.t.Fatal(err)
		}
	}
}

func decodeStatus(t *testing.T, body []byte) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("not a Status: %v: %s", err, body)
	}
	if st.Kind != "Status" || st.APIVersion != "v1" {
		t.Fatalf("not a Status: %s", body)
	}
	return st
}
