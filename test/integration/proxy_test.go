package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	kubeletserver "orca/internal/kubelet/server"
	"orca/internal/kubelet/server/streamtest"
	"orca/internal/kubelet/sim"
)

// These tests run a kubelet server (with the simulated runtime and a fake
// streaming server) on 127.0.0.1 and register a Node pointing at it, then
// reach it through the apiserver's pods/log, pods/exec, pods/attach,
// pods/portforward and nodes/proxy.

const proxyImage = "docker.io/library/busybox:1.36"

// testKubelet is one kubelet server and the Node that points at it.
type testKubelet struct {
	t      *testing.T
	node   string
	url    string
	rt     *sim.Runtime
	pods   *kubeletPods
	logDir string
}

var kubeletSeq atomic.Int64

func startKubelet(t *testing.T) *testKubelet {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dataDir, "tls", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	k := &testKubelet{t: t, node: fmt.Sprintf("kubelet-%d-%d", os.Getpid()%1000, kubeletSeq.Add(1)),
		pods: &kubeletPods{pods: map[string]*corev1.Pod{}, ids: map[string]string{}, errs: map[string]string{}}, logDir: t.TempDir()}
	k.rt = sim.New(sim.Options{Images: []string{proxyImage}})
	t.Cleanup(func() { k.rt.Close(context.Background()) })
	streams := streamtest.NewServer()
	t.Cleanup(streams.Close)
	serving, err := kubeletserver.SelfSignedCert(k.node, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	srv := kubeletserver.New(kubeletserver.Config{ServingCert: serving, ClientCA: pool, NodeName: k.node, Pods: k.pods,
		Runtime: &streamtest.Runtime{Runtime: k.rt, Streams: streams}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	k.url = "https://" + ln.Addr().String()
	k.registerNode(ln.Addr().(*net.TCPAddr).Port)
	return k
}

// registerNode creates the Node and reports the kubelet's address and port.
func (k *testKubelet) registerNode(port int) {
	ctx := ctxT(k.t)
	n, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.node}}, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	k.t.Cleanup(func() { client.CoreV1().Nodes().Delete(context.Background(), k.node, metav1.DeleteOptions{}) })
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: k.node}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		k.t.Fatal(err)
	}
}

// runPod creates the pod (bound to this node unless unscheduled) and, for a
// bound pod, runs its containers in the runtime.
func (k *testKubelet) runPod(ns, name string, containers ...string) (*corev1.Pod, map[string]string) {
	k.t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.PodSpec{NodeName: k.node}}
	for _, c := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: c, Image: proxyImage})
	}
	pod, err := client.CoreV1().Pods(ns).Create(ctxT(k.t), pod, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	ctx := context.Background()
	sbCfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: ns, Uid: string(pod.UID)},
		LogDirectory: filepath.Join(k.logDir, ns+"_"+name),
	}
	sb, err := k.rt.RunPodSandbox(ctx, sbCfg, "")
	if err != nil {
		k.t.Fatal(err)
	}
	ids := map[string]string{}
	for _, c := range containers {
		id, err := k.rt.CreateContainer(ctx, sb, &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: c}, Image: &runtimeapi.ImageSpec{Image: proxyImage}, LogPath: c + "/0.log",
		}, sbCfg)
		if err != nil {
			k.t.Fatal(err)
		}
		if err := k.rt.StartContainer(ctx, id); err != nil {
			k.t.Fatal(err)
		}
		ids[c] = id
		k.pods.setID(ns, name, c, id)
	}
	k.pods.add(pod)
	return pod, ids
}

// appendLog writes CRI-format lines ("<time> stdout F <text>") to a log.
func (k *testKubelet) appendLog(id string, texts ...string) {
	k.t.Helper()
	resp, err := k.rt.ContainerStatus(context.Background(), id, false)
	if err != nil {
		k.t.Fatal(err)
	}
	path := resp.Status.LogPath
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		k.t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		k.t.Fatal(err)
	}
	defer f.Close()
	for i, text := range texts {
		ts := time.Date(2025, 1, 1, 0, 0, i+1, 0, time.UTC).Format(time.RFC3339Nano)
		fmt.Fprintf(f, "%s stdout F %s\n", ts, text)
	}
}

// kubeletPods is the kubelet's view of its pods for the test.
type kubeletPods struct {
	mu   sync.Mutex
	pods map[string]*corev1.Pod
	ids  map[string]string
	errs map[string]string
}

func (p *kubeletPods) GetPod(ns, name string) (*corev1.Pod, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pod, ok := p.pods[ns+"/"+name]
	return pod, ok
}

func (p *kubeletPods) ContainerID(pod *corev1.Pod, container string, previous bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := pod.Namespace + "/" + pod.Name + "/" + container
	if msg, ok := p.errs[key]; ok {
		return "", errors.New(msg)
	}
	if id, ok := p.ids[key]; ok && !previous {
		return id, nil
	}
	if previous {
		return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
	}
	return "", fmt.Errorf("container %q in pod %q is waiting to start: ContainerCreating", container, pod.Name)
}

func (p *kubeletPods) Pods() []*corev1.Pod {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*corev1.Pod
	for _, pod := range p.pods {
		out = append(out, pod)
	}
	return out
}

func (p *kubeletPods) add(pod *corev1.Pod) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pods[pod.Namespace+"/"+pod.Name] = pod
}

func (p *kubeletPods) setID(ns, name, container, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids[ns+"/"+name+"/"+container] = id
}

func getLogs(t *testing.T, ns, pod string, opts *corev1.PodLogOptions) (string, error) {
	t.Helper()
	body, err := client.CoreV1().Pods(ns).GetLogs(pod, opts).DoRaw(ctxT(t))
	return string(body), err
}

func TestPodLogs(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	_, ids := k.runPod(ns, "web", "app")
	k.appendLog(ids["app"], "one", "two", "three")
	for _, tc := range []struct {
		name string
		opts corev1.PodLogOptions
		want string
	}{
		{"all", corev1.PodLogOptions{}, "one\ntwo\nthree\n"},
		{"tailLines", corev1.PodLogOptions{TailLines: ptrTo(int64(2))}, "two\nthree\n"},
		{"timestamps", corev1.PodLogOptions{TailLines: ptrTo(int64(1)), Timestamps: true}, "2025-01-01T00:00:03Z three\n"},
		{"limitBytes", corev1.PodLogOptions{LimitBytes: ptrTo(int64(6))}, "one\ntw"},
		{"sinceTime", corev1.PodLogOptions{SinceTime: &metav1.Time{Time: time.Date(2025, 1, 1, 0, 0, 2, 0, time.UTC)}}, "two\nthree\n"},
		{"named container", corev1.PodLogOptions{Container: "app"}, "one\ntwo\nthree\n"},
	} {
		got, err := getLogs(t, ns, "web", &tc.opts)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	// The answer is text/plain, as upstream.
	r := doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/pods/web/log?tailLines=1", nil)
	if r.Code != 200 || r.Header.Get("Content-Type") != "text/plain" || string(r.Body) != "three\n" {
		t.Errorf("raw: %d %q %q", r.Code, r.Header.Get("Content-Type"), r.Body)
	}
}

func TestPodLogsFollow(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	_, ids := k.runPod(ns, "web", "app")
	k.appendLog(ids["app"], "first")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := client.CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	r := bufio.NewReader(stream)
	if line, err := r.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first: %q, %v", line, err)
	}
	// A line written after the request started arrives on the open stream.
	k.appendLog(ids["app"], "later")
	if line, err := r.ReadString('\n'); err != nil || line != "later\n" {
		t.Fatalf("later: %q, %v", line, err)
	}
}

func TestPodLogsErrors(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	k.runPod(ns, "multi", "a", "b")
	k.runPod(ns, "web", "app")
	k.pods.mu.Lock()
	k.pods.errs[ns+"/web/app"] = `container "app" in pod "web" is waiting to start: ContainerCreating`
	k.pods.mu.Unlock()
	unscheduled := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: proxyImage}}}}
	if _, err := client.CoreV1().Pods(ns).Create(ctxT(t), unscheduled, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/namespaces/" + ns + "/pods/"
	for _, tc := range []struct {
		path   string
		code   int
		reason metav1.StatusReason
		msg    string
	}{
		{base + "multi/log", 400, metav1.StatusReasonBadRequest, "a container name must be specified for pod multi, choose one of: [a b]"},
		{base + "multi/log?container=z", 400, metav1.StatusReasonBadRequest, "container z is not valid for pod multi"},
		{base + "web/log", 400, metav1.StatusReasonBadRequest, `container "app" in pod "web" is waiting to start: ContainerCreating`},
		{base + "nope/log", 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
		{base + "multi/log?container=a&tailLines=-1", 422, metav1.StatusReasonInvalid,
			`PodLogOptions "multi" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{base + "multi/log?container=a&sinceSeconds=10&sinceTime=2025-01-01T00:00:00Z", 422, metav1.StatusReasonInvalid,
			"PodLogOptions \"multi\" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{base + "pending/exec?command=ls&stdout=true", 400, metav1.StatusReasonBadRequest, "pod pending does not have a host assigned"},
	} {
		st := expectStatus(t, tc.path, doRaw(t, "GET", tc.path, nil), tc.code, tc.reason)
		if st.Message != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.path, st.Message, tc.msg)
		}
	}
	// An unscheduled pod has no log yet: upstream answers an empty stream.
	if got, err := getLogs(t, ns, "pending", &corev1.PodLogOptions{}); err != nil || got != "" {
		t.Errorf("unscheduled: %q, %v", got, err)
	}
	// client-go (as kubectl logs does it) surfaces the kubelet's message.
	_, err := client.CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{}).Stream(ctxT(t))
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "is waiting to start: ContainerCreating") {
		t.Errorf("client-go error: %v", err)
	}
}

func TestPodLogsUnreachableKubelet(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	k.runPod(ns, "web", "app")
	// Point the node at a port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	n, err := client.CoreV1().Nodes().Get(ctxT(t), k.node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctxT(t), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	st := expectStatus(t, "unreachable", doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/pods/web/log", nil), 500, "")
	if !strings.Contains(st.Message, "/containerLogs/"+ns+"/web/app") || !strings.Contains(st.Message, "connection refused") {
		t.Errorf("message %q", st.Message)
	}
	// A node that does not exist is the apiserver's NotFound.
	missing := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: ns},
		Spec: corev1.PodSpec{NodeName: "no-such-node", Containers: []corev1.Container{{Name: "app", Image: proxyImage}}}}
	if _, err := client.CoreV1().Pods(ns).Create(ctxT(t), missing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, "no node", doRaw(t, "GET", "/api/v1/namespaces/"+ns+"/pods/orphan/log", nil), 404, metav1.StatusReasonNotFound)
}

func TestNodeProxy(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	k.runPod(ns, "web", "app")
	rc := client.CoreV1().RESTClient()
	body, err := rc.Get().AbsPath("/api/v1/nodes", k.node, "proxy", "healthz").DoRaw(ctxT(t))
	if err != nil || string(body) != "ok" {
		t.Fatalf("healthz: %q, %v", body, err)
	}
	body, err = rc.Get().AbsPath("/api/v1/nodes", k.node, "proxy", "stats", "summary").DoRaw(ctxT(t))
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	var sum kubeletserver.Summary
	if err := json.Unmarshal(body, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Node.NodeName != k.node || len(sum.Pods) != 1 || sum.Pods[0].PodRef.Name != "web" || sum.Pods[0].PodRef.Namespace != ns {
		t.Fatalf("summary: %s", body)
	}
	var list corev1.PodList
	body, err = rc.Get().AbsPath("/api/v1/nodes", k.node, "proxy", "pods").DoRaw(ctxT(t))
	if err != nil || json.Unmarshal(body, &list) != nil || len(list.Items) != 1 {
		t.Fatalf("pods: %s, %v", body, err)
	}
	// name:port naming the kubelet port is the kubelet too.
	port := strings.TrimPrefix(k.url, "https://127.0.0.1:")
	body, err = rc.Get().AbsPath("/api/v1/nodes", k.node+":"+port, "proxy", "healthz").DoRaw(ctxT(t))
	if err != nil || string(body) != "ok" {
		t.Fatalf("name:port healthz: %q, %v", body, err)
	}
	// The kubelet's own errors come back as they are.
	r := doRaw(t, "GET", "/api/v1/nodes/"+k.node+"/proxy/nope", nil)
	if r.Code != 404 {
		t.Errorf("kubelet 404: %d %s", r.Code, r.Body)
	}
	expectStatus(t, "unknown node", doRaw(t, "GET", "/api/v1/nodes/no-such-node/proxy/healthz", nil), 404, metav1.StatusReasonNotFound)
}

func TestKubeletRefusesAnonymous(t *testing.T) {
	k := startKubelet(t)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 30 * time.Second}
	resp, err := c.Get(k.url + "/pods")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var st metav1.Status
	if resp.StatusCode != 401 || json.Unmarshal(body, &st) != nil || st.Reason != metav1.StatusReasonUnauthorized {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestPodExecAttachPortForward(t *testing.T) {
	k := startKubelet(t)
	ns := newNamespace(t)
	k.runPod(ns, "web", "app")
	rc := client.CoreV1().RESTClient()
	execURL := func(cmd ...string) *url.URL {
		return rc.Post().Namespace(ns).Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
	}
	run := func(proto string, u *url.URL, opts remotecommand.StreamOptions) (string, error) {
		ex, err := streamtest.Executor(restConfig, u, proto)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		opts.Stdout = &out
		if !opts.Tty {
			opts.Stderr = &out
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = ex.StreamWithContext(ctx, opts)
		return out.String(), err
	}
	for _, proto := range []string{streamtest.SPDY, streamtest.WebSocket, streamtest.Fallback} {
		t.Run(proto, func(t *testing.T) {
			if out, err := run(proto, execURL("echo", "hi"), remotecommand.StreamOptions{}); err != nil || out != "hi\n" {
				t.Errorf("exec echo: %q, %v", out, err)
			}
			var exit utilexec.ExitError
			if _, err := run(proto, execURL("exit", "7"), remotecommand.StreamOptions{}); !errors.As(err, &exit) || exit.ExitStatus() != 7 {
				t.Errorf("exec exit 7: %v", err)
			}
			attach := rc.Post().Namespace(ns).Resource("pods").Name("web").SubResource("attach").
				VersionedParams(&corev1.PodAttachOptions{Stdin: true, Stdout: true}, scheme.ParameterCodec).URL()
			if out, err := run(proto, attach, remotecommand.StreamOptions{Stdin: strings.NewReader("typed\n")}); err != nil || out != "typed\n" {
				t.Errorf("attach: %q, %v", out, err)
			}
			pf := rc.Post().Namespace(ns).Resource("pods").Name("web").SubResource("portforward").URL()
			d, err := streamtest.Dialer(restConfig, pf, proto)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if got, err := streamtest.PortForwardEcho(ctx, d, 80, "hello "+proto); err != nil || got != "hello "+proto {
				t.Errorf("port-forward: %q, %v", got, err)
			}
		})
	}
	// Container defaulting and its errors, before any kubelet is asked.
	k.runPod(ns, "multi", "a", "b")
	st := expectStatus(t, "exec multi", doRaw(t, "POST", "/api/v1/namespaces/"+ns+"/pods/multi/exec?command=ls&stdout=true", nil), 400, metav1.StatusReasonBadRequest)
	if st.Message != "a container name must be specified for pod multi, choose one of: [a b]" {
		t.Errorf("message %q", st.Message)
	}
	// Without an upgrade the kubelet refuses, and its Status comes back.
	st = expectStatus(t, "no upgrade", doRaw(t, "POST", "/api/v1/namespaces/"+ns+"/pods/web/exec?command=ls&stdout=true", nil), 400, metav1.StatusReasonBadRequest)
	if st.Message != "Upgrade request required" {
		t.Errorf("message %q", st.Message)
	}
}

func TestStreamingDiscovery(t *testing.T) {
	var list metav1.APIResourceList
	r := doRaw(t, "GET", "/api/v1", nil)
	if err := json.Unmarshal(r.Body, &list); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"pods/log": "Pod [get]", "pods/exec": "PodExecOptions [create get]", "pods/attach": "PodAttachOptions [create get]",
		"pods/portforward": "PodPortForwardOptions [create get]", "nodes/proxy": "NodeProxyOptions [create delete get patch update]",
	}
	for _, res := range list.APIResources {
		if w, ok := want[res.Name]; ok {
			if got := fmt.Sprintf("%s %v", res.Kind, res.Verbs); got != w {
				t.Errorf("%s: %s, want %s", res.Name, got, w)
			}
			delete(want, res.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing from discovery: %v", want)
	}
	// The OpenAPI document has their operations (kubectl explain reads it).
	r = doRaw(t, "GET", "/openapi/v3/api/v1", nil)
	for _, path := range []string{"/api/v1/namespaces/{namespace}/pods/{name}/log", "/api/v1/namespaces/{namespace}/pods/{name}/exec", "/api/v1/nodes/{name}/proxy/{path}"} {
		if r.Code != 200 || !strings.Contains(string(r.Body), `"`+path+`"`) {
			t.Errorf("openapi v3 lacks %s (code %d)", path, r.Code)
		}
	}
}

func TestKubeletClientCertificate(t *testing.T) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dataDir, "tls", "apiserver-kubelet-client.crt"), filepath.Join(dataDir, "tls", "apiserver-kubelet-client.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.CommonName != "kube-apiserver-kubelet-client" || len(leaf.Subject.Organization) != 1 || leaf.Subject.Organization[0] != "system:masters" {
		t.Fatalf("subject %v", leaf.Subject)
	}
}
