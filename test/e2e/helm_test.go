package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// helmVersion is the Helm hack/test.sh builds into bin/tools.
const helmVersion = "v4.3.2"

// helmBinary finds helm on PATH or where hack/test.sh puts it.
func helmBinary() (string, string) {
	if p, err := exec.LookPath("helm"); err == nil {
		return p, ""
	}
	root, err := repoRoot()
	if err != nil {
		return "", err.Error()
	}
	p := filepath.Join(root, "bin", "tools", "helm")
	if _, err := os.Stat(p); err != nil {
		return "", "no helm on PATH nor at " + p + " (hack/test.sh runs `go install helm.sh/helm/v4/cmd/helm@" + helmVersion + "` there)"
	}
	return p, ""
}

// helmClient runs the helm CLI against a cluster, with its own HOME so no
// user configuration or cache is read.
type helmClient struct {
	bin, kubeconfig, home, ns string
}

func (h *helmClient) run(t *testing.T, args ...string) cmdResult {
	t.Helper()
	env := envWith(map[string]string{"KUBECONFIG": h.kubeconfig, "HOME": h.home,
		"XDG_CACHE_HOME": "", "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "HELM_NAMESPACE": ""})
	args = append(args, "--namespace", h.ns)
	start := time.Now()
	res := runCmd(3*time.Minute, h.home, env, h.bin, args...)
	t.Logf("$ helm %s  [exit %d, %s]", strings.Join(args, " "), res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

func (h *helmClient) must(t *testing.T, step string, args ...string) bool {
	t.Helper()
	res := h.run(t, args...)
	if res.Code != 0 {
		t.Errorf("%s: helm failed: %s", step, res)
		return false
	}
	return true
}

// helmTest runs `helm test` on the release web and wants its test pod to
// succeed and print want; the pod's log is shown when it did not.
func helmTest(t *testing.T, h *helmClient, n *nodeUp, step, want string) {
	t.Helper()
	res := h.run(t, "test", "web", "--logs", "--timeout", "90s")
	if res.Code != 0 || !strings.Contains(res.Out, want) {
		logs := n.kubectl(t, "logs", "-n", h.ns, "web-test")
		t.Errorf("helm test %s: want success and %q: %s\n--- test pod log ---\n%s", step, want, res, logs.Out)
	}
}

type helmRevision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

func (h *helmClient) history(t *testing.T, release string) []helmRevision {
	t.Helper()
	res := h.run(t, "history", release, "-o", "json")
	if res.Code != 0 {
		t.Fatalf("helm history: %s", res)
	}
	var revs []helmRevision
	if err := json.Unmarshal([]byte(res.Stdout), &revs); err != nil {
		t.Fatalf("helm history -o json: %v\n%s", err, res.Stdout)
	}
	return revs
}

// nodeHelm drives a chart through Helm's life cycle on the real node: an
// install that waits for its Deployment, a pre-install hook Job and a
// `helm test` pod reaching the release through its Service's DNS name; an
// upgrade to the other image; an upgrade that can never become ready and
// is rolled back by --rollback-on-failure; `helm rollback` to the first
// revision; and an uninstall that leaves nothing behind. Helm 4 writes
// with server-side apply, so this also runs the apply path as Helm uses it.
func nodeHelm(t *testing.T, n *nodeUp) {
	bin, why := helmBinary()
	if bin == "" {
		requirePrereq(t, "helm is not installed: %s", why)
	}
	ns := n.namespace(t, "helm")
	chart, err := filepath.Abs(filepath.Join("testdata", "helm", "web"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	h := &helmClient{bin: bin, kubeconfig: filepath.Join(n.DataDir, "admin.kubeconfig"), home: home, ns: ns}
	ctx := context.Background()
	image := func() string {
		d, err := n.CS.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get deployment web: %v", err)
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	ready := func(step string) {
		d, err := n.CS.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: get deployment web: %v", step, err)
		}
		if d.Status.ObservedGeneration != d.Generation || d.Status.UpdatedReplicas != 2 || d.Status.AvailableReplicas != 2 {
			t.Errorf("%s: deployment status %+v at generation %d, want 2 updated and available replicas", step, d.Status, d.Generation)
		}
	}

	// A server-side dry run renders and validates against the API (dryRun=All)
	// and stores nothing.
	if res := h.run(t, "install", "web", chart, "--dry-run=server"); res.Code != 0 || !strings.Contains(res.Out, "kind: Deployment") {
		t.Errorf("install --dry-run=server: want success and the rendered manifest: %s", res)
	}
	if _, err := n.CS.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment after a dry run: err %v, want NotFound", err)
	}

	if !h.must(t, "install", "install", "web", chart, "--wait", "--timeout", "120s") {
		return
	}
	ready("install")
	if got := image(); got != "orca.local/server:v1" {
		t.Errorf("after install: image %q, want orca.local/server:v1", got)
	}
	if job, err := n.CS.BatchV1().Jobs(ns).Get(ctx, "web-migrate", metav1.GetOptions{}); err != nil {
		t.Errorf("pre-install hook job: %v", err)
	} else if job.Status.Succeeded != 1 {
		t.Errorf("pre-install hook job: succeeded %d, want 1", job.Status.Succeeded)
	}
	helmTest(t, h, n, "after install", "version=v1 greeting=hello")

	if !h.must(t, "upgrade", "upgrade", "web", chart, "--set", "image.tag=v2", "--set", "greeting=hi", "--wait", "--timeout", "120s") {
		return
	}
	ready("upgrade")
	if got := image(); got != "orca.local/server:v2" {
		t.Errorf("after upgrade: image %q, want orca.local/server:v2", got)
	}
	helmTest(t, h, n, "after upgrade", "version=v2 greeting=hi")

	// An image that is never there (imagePullPolicy Never): the pods never
	// become ready, Helm gives up after its timeout and rolls back.
	if res := h.run(t, "upgrade", "web", chart, "--set", "image.tag=missing", "--rollback-on-failure", "--timeout", "20s"); res.Code == 0 {
		t.Errorf("upgrade to a missing image succeeded, want it to fail and roll back: %s", res)
	}
	if got := image(); got != "orca.local/server:v2" {
		t.Errorf("after the failed upgrade: image %q, want orca.local/server:v2 (rolled back)", got)
	}

	if !h.must(t, "rollback", "rollback", "web", "1", "--wait", "--timeout", "120s") {
		return
	}
	ready("rollback")
	if got := image(); got != "orca.local/server:v1" {
		t.Errorf("after rollback to 1: image %q, want orca.local/server:v1", got)
	}
	revs := h.history(t, "web")
	want := []string{"superseded", "superseded", "failed", "superseded", "deployed"}
	var got []string
	for _, r := range revs {
		got = append(got, r.Status)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("history statuses %v, want %v (%+v)", got, want, revs)
	}

	if !h.must(t, "uninstall", "uninstall", "web", "--wait", "--timeout", "120s") {
		return
	}
	if _, err := n.CS.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment after uninstall: err %v, want NotFound", err)
	}
	if _, err := n.CS.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("service after uninstall: err %v, want NotFound", err)
	}
	secrets, err := n.CS.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) != 0 {
		t.Errorf("%d release secrets left after uninstall, want 0", len(secrets.Items))
	}
}
