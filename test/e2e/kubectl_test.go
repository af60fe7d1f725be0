package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// kubectlClient is one kubectl flavour: the embedded `orca kubectl` or a
// stock kubectl binary.
type kubectlClient struct {
	name   string   // subtest name, also used for the namespace
	bin    string   // executable
	prefix []string // arguments before the kubectl arguments
	env    map[string]string
	dir    string // scratch dir: HOME (discovery cache), manifests, editor
}

func (k *kubectlClient) run(t *testing.T, args ...string) cmdResult {
	t.Helper()
	return k.runEnv(t, nil, args...)
}

func (k *kubectlClient) runEnv(t *testing.T, extra map[string]string, args ...string) cmdResult {
	t.Helper()
	kv := map[string]string{}
	for key, v := range k.env {
		kv[key] = v
	}
	for key, v := range extra {
		kv[key] = v
	}
	start := time.Now()
	res := runCmd(60*time.Second, k.dir, envWith(kv), k.bin, append(append([]string{}, k.prefix...), args...)...)
	t.Logf("$ kubectl %s  [exit %d, %s]", strings.Join(args, " "), res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

// ok reports a failed kubectl step and returns whether it succeeded.
func ok(t *testing.T, res cmdResult, step string) bool {
	t.Helper()
	if res.Code != 0 {
		t.Errorf("%s: kubectl failed: %s", step, res)
		return false
	}
	return true
}

// outLines is the output without blank lines and kubectl "Warning:" lines.
func outLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \r\t")
		if l == "" || strings.HasPrefix(l, "Warning:") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// expectLines asserts the output (less warnings and blank lines) is exactly
// want, in order.
func expectLines(t *testing.T, step string, res cmdResult, want ...string) {
	t.Helper()
	got := outLines(res.Out)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: output mismatch\n got:\n  %s\nwant:\n  %s\n(%s)", step, strings.Join(got, "\n  "), strings.Join(want, "\n  "), res)
	}
}

// expectMatch asserts every regexp matches out.
func expectMatch(t *testing.T, step, out string, res []string) {
	t.Helper()
	for _, r := range res {
		if !regexp.MustCompile(r).MatchString(out) {
			t.Errorf("%s: output does not match %q; output:\n%s", step, r, out)
		}
	}
}

// table splits kubectl table output into rows of whitespace-separated cells.
func table(s string) [][]string {
	var rows [][]string
	for _, l := range outLines(s) {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

// jsonpath runs `get <args> -o jsonpath=<expr>` and returns stdout.
func (k *kubectlClient) jsonpath(t *testing.T, expr string, args ...string) string {
	t.Helper()
	res := k.run(t, append(append([]string{"get"}, args...), "-o", "jsonpath="+expr)...)
	if res.Code != 0 {
		t.Errorf("get %v -o jsonpath=%s: %s", args, expr, res)
	}
	return res.Stdout
}

func (k *kubectlClient) expectJSONPath(t *testing.T, step, expr, want string, args ...string) {
	t.Helper()
	if got := k.jsonpath(t, expr, args...); got != want {
		t.Errorf("%s: jsonpath %s on %v = %q, want %q", step, expr, args, got, want)
	}
}

// stockKubectls lists the versioned kubectl binaries shipped beside the
// target of `kubectl` on PATH, oldest minor first.
func stockKubectls() ([]string, string) {
	p, err := exec.LookPath("kubectl")
	if err != nil {
		return nil, "no kubectl on PATH"
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, fmt.Sprintf("resolve %s: %v", p, err)
	}
	dir := filepath.Dir(real)
	matches, _ := filepath.Glob(filepath.Join(dir, "kubectl.1.*"))
	type kv struct {
		minor int
		path  string
	}
	var found []kv
	for _, m := range matches {
		minor, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(m), "kubectl.1."))
		if err != nil {
			continue
		}
		if fi, err := os.Stat(m); err != nil || fi.Mode()&0o111 == 0 {
			continue
		}
		found = append(found, kv{minor, m})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].minor < found[j].minor })
	var out []string
	for _, f := range found {
		out = append(out, f.path)
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("no kubectl.1.* binaries beside %s (the target of %s)", real, p)
	}
	return out, ""
}

// TestKubectl runs the same session with the embedded `orca kubectl` and with
// the oldest and newest stock kubectl, each in its own namespace.
func TestKubectl(t *testing.T) {
	t.Run("orca-kubectl", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// KUBECONFIG unset: `orca kubectl` must find $ORCA_DATA_DIR/admin.kubeconfig.
		kubectlSession(t, &kubectlClient{
			name: "orca-kubectl", bin: orcaBin, prefix: []string{"kubectl"}, dir: dir,
			env: map[string]string{"KUBECONFIG": "", "ORCA_DATA_DIR": shared.DataDir, "HOME": dir},
		})
	})
	t.Run("stock", func(t *testing.T) {
		t.Parallel()
		bins, why := stockKubectls()
		if len(bins) == 0 {
			requirePrereq(t, "stock kubectl binaries (kubectl.1.27 ... kubectl.1.33 beside the kubectl on PATH) are not installed: %s", why)
		}
		pick := []string{bins[0]}
		if len(bins) > 1 {
			pick = append(pick, bins[len(bins)-1])
		}
		for _, bin := range pick {
			name := strings.ReplaceAll(filepath.Base(bin), ".", "-")
			t.Run(filepath.Base(bin), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				kubectlSession(t, &kubectlClient{
					name: name, bin: bin, dir: dir,
					env: map[string]string{"KUBECONFIG": shared.Kubeconfig(), "HOME": dir},
				})
			})
		}
	})
}

var appTmpl = template.Must(template.ParseFiles("testdata/app.yaml.tmpl"))

type appParams struct {
	Namespace     string
	Color, Image  string
	WithNamespace bool
}

func writeApp(t *testing.T, path string, p appParams) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := appTmpl.Execute(f, p); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func kubectlSession(t *testing.T, k *kubectlClient) {
	ns := "e2e-" + k.name
	dir := k.dir
	n := []string{"-n", ns}
	app := writeApp(t, filepath.Join(dir, "app.yaml"), appParams{Namespace: ns, Color: "blue", Image: "nginx:1.25", WithNamespace: true})
	changed := writeApp(t, filepath.Join(dir, "app-changed.yaml"), appParams{Namespace: ns, Color: "purple", Image: "nginx:1.27", WithNamespace: true})
	objects := writeApp(t, filepath.Join(dir, "objects.yaml"), appParams{Namespace: ns, Color: "purple", Image: "nginx:1.27"})
	with := func(args ...string) []string { return append(args, n...) }

	// version: the server reports the Kubernetes version orca serves.
	res := k.run(t, "version")
	ok(t, res, "version")
	if strings.Contains(res.Out, "client version error") {
		t.Errorf("ORCA BINARY: `kubectl version` exits 1 because the embedded kubectl's client version is client-go's placeholder " +
			"(k8s.io/component-base/version.gitVersion is unset: v0.0.0-master+$Format:%%H$) and kubectl's version-skew check cannot parse it")
	}
	expectMatch(t, "version", res.Out, []string{`Server Version: (v1\.37\.\d+|version\.Info\{.*GitVersion:"v1\.37\.\d+)`})
	res = k.run(t, "version", "-o", "json")
	ok(t, res, "version -o json")
	var ver struct {
		ServerVersion struct{ GitVersion string } `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &ver); err != nil || !strings.HasPrefix(ver.ServerVersion.GitVersion, "v1.37.") {
		t.Errorf("version -o json: serverVersion.gitVersion = %q (decode err %v), want v1.37.x; %s", ver.ServerVersion.GitVersion, err, res)
	}

	// auth can-i asks a SelfSubjectAccessReview: the admin may.
	res = k.run(t, "auth", "can-i", "create", "pods")
	if res.Code != 0 || strings.TrimSpace(res.Stdout) != "yes" {
		t.Errorf("auth can-i create pods: want yes: %s", res)
	}

	// The embedded kubectl runs as kubectl's own main does: its hints name
	// kubectl, not orca, -v works, and `orca kubectl NAME` runs the plugin
	// kubectl-NAME from PATH.
	if k.bin == orcaBin {
		res = k.run(t, "get", "pods", "pod/x", "-n", ns)
		if res.Code == 0 || !strings.Contains(res.Out, "(e.g. 'kubectl get resource/<resource_name>'") {
			t.Errorf("get pods pod/x: want kubectl's error naming kubectl in its example: %s", res)
		}
		// kubectl's logging flags, as its own main adds them: -v=6 logs each
		// request with its answer.
		res = k.run(t, "get", "namespace", "default", "-v=6")
		if res.Code != 0 || !strings.Contains(res.Out, `/api/v1/namespaces/default" status="200 OK"`) {
			t.Errorf("get namespace default -v=6: want the request logged with its 200: %s", res)
		}
		// auth whoami (SelfSubjectReview, v1 since kubectl 1.28).
		res = k.run(t, "auth", "whoami")
		expectMatch(t, "auth whoami", res.Out, []string{`Username\s+system:admin`, `Groups\s+\[system:masters system:authenticated\]`})
		res = k.run(t, "auth", "whoami", "--as", "jane", "--as-group", "devs")
		expectMatch(t, "auth whoami --as jane", res.Out, []string{`Username\s+jane`, `Groups\s+\[devs system:authenticated\]`})
		plugins := filepath.Join(dir, "plugins")
		if err := os.MkdirAll(plugins, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(plugins, "kubectl-e2e_hello"), []byte("#!/bin/sh\necho \"plugin args: $*\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		res = k.runEnv(t, map[string]string{"PATH": plugins + ":" + os.Getenv("PATH")}, "e2e-hello", "a", "b")
		if res.Code != 0 || !strings.Contains(res.Out, "plugin args: a b") {
			t.Errorf("kubectl e2e-hello (plugin kubectl-e2e_hello on PATH): want the plugin to run with args a b: %s", res)
		}
	}

	// apply: create, then re-apply unchanged.
	res = k.run(t, "apply", "-f", app)
	if !ok(t, res, "apply (create)") {
		t.FailNow() // nothing below makes sense without the objects
	}
	expectLines(t, "apply (create)", res,
		"namespace/"+ns+" created",
		"configmap/app-config created",
		"secret/app-secret created",
		"deployment.apps/web created",
		"service/web created")
	res = k.run(t, "apply", "-f", app)
	ok(t, res, "apply (unchanged)")
	expectLines(t, "apply (unchanged)", res,
		"namespace/"+ns+" unchanged",
		"configmap/app-config unchanged",
		"secret/app-secret unchanged",
		"deployment.apps/web unchanged",
		"service/web unchanged")

	// get as tables.
	res = k.run(t, with("get", "deployments")...)
	if ok(t, res, "get deployments") {
		rows := table(res.Stdout)
		if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME READY UP-TO-DATE AVAILABLE AGE" {
			t.Errorf("get deployments: want header NAME READY UP-TO-DATE AVAILABLE AGE and one row; %s", res)
		} else if rows[1][0] != "web" || !regexp.MustCompile(`^\d+/1$`).MatchString(rows[1][1]) {
			t.Errorf("get deployments: row %v, want web N/1", rows[1])
		}
	}
	res = k.run(t, with("get", "services")...)
	var clusterIP string
	if ok(t, res, "get services") {
		rows := table(res.Stdout)
		if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" {
			t.Errorf("get services: want header NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE and one row; %s", res)
		} else {
			r := rows[1]
			clusterIP = r[2]
			_, svcNet, _ := net.ParseCIDR("10.96.0.0/12")
			if ip := net.ParseIP(r[2]); ip == nil || !svcNet.Contains(ip) {
				t.Errorf("get services: CLUSTER-IP %q not in 10.96.0.0/12; %s", r[2], res)
			}
			if r[0] != "web" || r[1] != "ClusterIP" || r[3] != "<none>" || r[4] != "80/TCP" {
				t.Errorf("get services: row %v, want web ClusterIP <ip> <none> 80/TCP", r)
			}
		}
	}
	k.expectJSONPath(t, "service clusterIP", "{.spec.clusterIP}", clusterIP, with("service", "web")...)
	res = k.run(t, with("get", "deployments", "-o", "wide")...)
	if ok(t, res, "get deployments -o wide") {
		rows := table(res.Stdout)
		if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR" {
			t.Errorf("get deployments -o wide: unexpected header; %s", res)
		} else if r := rows[1]; len(r) != 8 || r[5] != "nginx" || r[6] != "nginx:1.25" || r[7] != "app=web" {
			t.Errorf("get deployments -o wide: row %v, want ... nginx nginx:1.25 app=web", r)
		}
	}
	res = k.run(t, with("get", "configmap", "app-config", "--show-labels")...)
	if ok(t, res, "get configmap --show-labels") {
		rows := table(res.Stdout)
		if len(rows) != 2 || len(rows[1]) != 4 || strings.Join(rows[0], " ") != "NAME DATA AGE LABELS" || rows[1][0] != "app-config" || rows[1][1] != "2" || rows[1][3] != "<none>" {
			t.Errorf("get configmap --show-labels: want NAME DATA AGE LABELS / app-config 2 <age> <none>; %s", res)
		}
	}

	// -o yaml / -o json / -o jsonpath.
	res = k.run(t, with("get", "deployment", "web", "-o", "yaml")...)
	if ok(t, res, "get -o yaml") {
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(res.Stdout), &d); err != nil {
			t.Errorf("get -o yaml: not a Deployment: %v\n%s", err, res.Stdout)
		} else {
			if d.APIVersion != "apps/v1" || d.Kind != "Deployment" || d.Name != "web" || d.Namespace != ns ||
				d.UID == "" || d.ResourceVersion == "" || d.CreationTimestamp.IsZero() || d.Generation != 1 {
				t.Errorf("get -o yaml: bad metadata %s %s %+v", d.APIVersion, d.Kind, d.ObjectMeta)
			}
			if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || len(d.Spec.Template.Spec.Containers) != 1 ||
				d.Spec.Template.Spec.Containers[0].Image != "nginx:1.25" || d.Spec.Selector.MatchLabels["app"] != "web" {
				t.Errorf("get -o yaml: bad spec %+v", d.Spec)
			}
			// Upstream defaulting (SetDefaults_Deployment / SetDefaults_PodSpec / SetDefaults_Container).
			var miss []string
			if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || d.Spec.Strategy.RollingUpdate == nil {
				miss = append(miss, fmt.Sprintf("spec.strategy=%+v (want RollingUpdate 25%%/25%%)", d.Spec.Strategy))
			}
			if d.Spec.RevisionHistoryLimit == nil || *d.Spec.RevisionHistoryLimit != 10 {
				miss = append(miss, "spec.revisionHistoryLimit (want 10)")
			}
			if d.Spec.ProgressDeadlineSeconds == nil || *d.Spec.ProgressDeadlineSeconds != 600 {
				miss = append(miss, "spec.progressDeadlineSeconds (want 600)")
			}
			ps := d.Spec.Template.Spec
			if ps.RestartPolicy != corev1.RestartPolicyAlways || ps.DNSPolicy != corev1.DNSClusterFirst || ps.SchedulerName != "default-scheduler" || ps.TerminationGracePeriodSeconds == nil {
				miss = append(miss, fmt.Sprintf("pod template restartPolicy=%q dnsPolicy=%q schedulerName=%q terminationGracePeriodSeconds=%v", ps.RestartPolicy, ps.DNSPolicy, ps.SchedulerName, ps.TerminationGracePeriodSeconds))
			}
			if len(ps.Containers) == 1 {
				c := ps.Containers[0]
				if c.ImagePullPolicy != corev1.PullIfNotPresent || c.TerminationMessagePath != "/dev/termination-log" || len(c.Ports) != 1 || c.Ports[0].Protocol != corev1.ProtocolTCP {
					miss = append(miss, fmt.Sprintf("container imagePullPolicy=%q terminationMessagePath=%q ports=%+v", c.ImagePullPolicy, c.TerminationMessagePath, c.Ports))
				}
			}
			if len(miss) > 0 {
				t.Errorf("SERVER: deployment created by apply lacks upstream defaults:\n  %s", strings.Join(miss, "\n  "))
			}
		}
	}
	res = k.run(t, with("get", "configmap", "app-config", "-o", "json")...)
	if ok(t, res, "get -o json") {
		var cm corev1.ConfigMap
		if err := json.Unmarshal([]byte(res.Stdout), &cm); err != nil {
			t.Errorf("get -o json: %v\n%s", err, res.Stdout)
		} else if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || cm.Name != "app-config" || len(cm.Data) != 2 || cm.Data["color"] != "blue" || cm.Data["size"] != "small" {
			t.Errorf("get -o json: got %s %s %s data=%v", cm.APIVersion, cm.Kind, cm.Name, cm.Data)
		}
	}
	res = k.run(t, with("get", "configmaps,secrets", "-o", "json")...)
	if ok(t, res, "get list -o json") {
		var list struct {
			APIVersion, Kind string
			Items            []struct {
				Kind     string
				Metadata struct{ Name string }
			}
		}
		if err := json.Unmarshal([]byte(res.Stdout), &list); err != nil {
			t.Errorf("get list -o json: %v\n%s", err, res.Stdout)
		} else {
			var names []string
			for _, it := range list.Items {
				names = append(names, it.Kind+"/"+it.Metadata.Name)
			}
			got := strings.Join(names, " ")
			if list.Kind != "List" || !strings.Contains(got, "ConfigMap/app-config") || !strings.Contains(got, "Secret/app-secret") {
				t.Errorf("get configmaps,secrets -o json: kind %q items %v", list.Kind, names)
			}
		}
	}
	k.expectJSONPath(t, "jsonpath", "{.metadata.name}:{.spec.template.spec.containers[0].image}:{.spec.template.spec.containers[0].ports[0].containerPort}",
		"web:nginx:1.25:80", with("deployment", "web")...)
	k.expectJSONPath(t, "jsonpath secret data", "{.data.password}", "czNjcjN0", with("secret", "app-secret")...)
	if got := k.jsonpath(t, `{range .items[*]}{.metadata.name}{"\n"}{end}`, with("configmaps")...); !regexp.MustCompile(`(?m)^app-config$`).MatchString(got) {
		t.Errorf("jsonpath range over configmaps: %q lacks app-config", got)
	}

	// Secret stringData is write-only: merged into data, never returned.
	tokenSecret := writeFile(t, filepath.Join(dir, "token-secret.yaml"), fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: token-secret
  namespace: %s
stringData:
  token: tok-123
`, ns), 0o644)
	res = k.run(t, "apply", "-f", tokenSecret)
	ok(t, res, "apply secret with stringData")
	expectLines(t, "apply secret with stringData", res, "secret/token-secret created")
	res = k.run(t, with("get", "secret", "token-secret", "-o", "json")...)
	if ok(t, res, "get stringData secret") {
		var s map[string]any
		_ = json.Unmarshal([]byte(res.Stdout), &s)
		data, _ := s["data"].(map[string]any)
		if _, has := s["stringData"]; has || data["token"] != "dG9rLTEyMw==" {
			t.Errorf("SERVER: secret stringData must be merged into data (data.token=dG9rLTEyMw==) and never returned; got data=%v stringData=%v", s["data"], s["stringData"])
		}
	}

	// get all.
	res = k.run(t, with("get", "all")...)
	if ok(t, res, "get all") {
		expectMatch(t, "get all", res.Out, []string{`(?m)^service/web\s+ClusterIP\s+` + regexp.QuoteMeta(clusterIP) + `\s+<none>\s+80/TCP\s`, `(?m)^deployment\.apps/web\s+\d+/1\s`})
	}

	// describe.
	res = k.run(t, with("describe", "deployment", "web")...)
	if ok(t, res, "describe deployment") {
		expectMatch(t, "describe deployment", res.Out, []string{
			`(?m)^Name:\s+web$`, `(?m)^Namespace:\s+` + ns + `$`, `(?m)^Labels:\s+app=web$`, `(?m)^Selector:\s+app=web$`,
			`(?m)^Replicas:\s+1 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$`,
			`(?m)^\s+nginx:$`, `(?m)^\s+Image:\s+nginx:1\.25$`,
		})
		if !regexp.MustCompile(`(?m)^StrategyType:\s+RollingUpdate$`).MatchString(res.Out) || !regexp.MustCompile(`(?m)^\s+Port:\s+80/TCP$`).MatchString(res.Out) {
			t.Errorf("SERVER: describe deployment shows no defaulted StrategyType RollingUpdate / Port 80/TCP (missing upstream defaulting):\n%s", res.Out)
		}
	}
	cmRe := []string{`(?m)^Name:\s+app-config$`, `(?m)^Namespace:\s+` + ns + `$`, `(?m)^Data\n====\n`, `(?m)^color:\n----\n\s*blue$`, `(?m)^size:\n----\n\s*small$`}
	res = k.run(t, with("describe", "configmap", "app-config")...)
	if ok(t, res, "describe configmap") {
		expectMatch(t, "describe configmap", res.Out, cmRe)
	} else {
		t.Errorf("SERVER: describe configmap failed (describe lists events with field selector involvedObject.name/namespace/kind/uid); see output above")
		if res = k.run(t, with("describe", "configmap", "app-config", "--show-events=false")...); ok(t, res, "describe configmap --show-events=false") {
			expectMatch(t, "describe configmap --show-events=false", res.Out, cmRe)
		}
	}

	// label, annotate.
	res = k.run(t, with("label", "configmap", "app-config", "tier=backend")...)
	ok(t, res, "label")
	expectLines(t, "label", res, "configmap/app-config labeled")
	res = k.run(t, with("get", "configmaps", "-l", "tier=backend", "-o", "name")...)
	ok(t, res, "get -l")
	expectLines(t, "get -l tier=backend -o name", res, "configmap/app-config")
	res = k.run(t, with("annotate", "configmap", "app-config", "note=hello")...)
	ok(t, res, "annotate")
	// kubectl 1.27 itself prints "annotate" (fixed upstream in 1.28).
	expectMatch(t, "annotate", strings.Join(outLines(res.Out), "\n"), []string{`^configmap/app-config annotated?$`})
	k.expectJSONPath(t, "annotate", "{.metadata.labels.tier}/{.metadata.annotations.note}", "backend/hello", with("configmap", "app-config")...)

	// patch: json, merge, strategic.
	res = k.run(t, with("patch", "configmap", "app-config", "--type", "json", "-p", `[{"op":"replace","path":"/data/color","value":"red"},{"op":"test","path":"/data/size","value":"small"}]`)...)
	ok(t, res, "patch --type json")
	expectLines(t, "patch --type json", res, "configmap/app-config patched")
	k.expectJSONPath(t, "patch --type json", "{.data.color}/{.data.size}", "red/small", with("configmap", "app-config")...)
	res = k.run(t, with("patch", "configmap", "app-config", "--type", "json", "-p", `[{"op":"test","path":"/data/size","value":"huge"}]`)...)
	if res.Code == 0 {
		t.Errorf("patch --type json with a failing test op succeeded; %s", res)
	}
	res = k.run(t, with("patch", "configmap", "app-config", "--type", "merge", "-p", `{"data":{"size":"large"}}`)...)
	ok(t, res, "patch --type merge")
	expectLines(t, "patch --type merge", res, "configmap/app-config patched")
	k.expectJSONPath(t, "patch --type merge", "{.data.color}/{.data.size}", "red/large", with("configmap", "app-config")...)
	res = k.run(t, with("patch", "configmap", "app-config", "--type", "merge", "-p", `{"data":{"size":"large"}}`)...)
	ok(t, res, "patch (no change)")
	expectLines(t, "patch (no change)", res, "configmap/app-config patched (no change)")
	res = k.run(t, with("patch", "deployment", "web", "--type", "strategic", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}`)...)
	ok(t, res, "patch --type strategic")
	expectLines(t, "patch --type strategic", res, "deployment.apps/web patched")
	// Strategic merge merges containers by name: the port survives.
	k.expectJSONPath(t, "patch --type strategic", "{.spec.template.spec.containers[*].name}:{.spec.template.spec.containers[0].image}:{.spec.template.spec.containers[0].ports[0].containerPort}:{.metadata.generation}",
		"nginx:nginx:1.26:80:2", with("deployment", "web")...)

	// scale.
	res = k.run(t, with("scale", "deployment", "web", "--replicas=3")...)
	ok(t, res, "scale")
	expectLines(t, "scale", res, "deployment.apps/web scaled")
	k.expectJSONPath(t, "scale", "{.spec.replicas}", "3", with("deployment", "web")...)

	// edit through KUBE_EDITOR.
	editor := writeFile(t, filepath.Join(dir, "editor.sh"), "#!/bin/sh\nexec sed -i -e 's/^  color: red$/  color: green/' \"$1\"\n", 0o755)
	res = k.runEnv(t, map[string]string{"KUBE_EDITOR": editor, "EDITOR": editor}, with("edit", "configmap", "app-config")...)
	ok(t, res, "edit")
	expectLines(t, "edit", res, "configmap/app-config edited")
	k.expectJSONPath(t, "edit", "{.data.color}/{.data.size}", "green/large", with("configmap", "app-config")...)

	// explain.
	res = k.run(t, "explain", "deployment.spec.strategy")
	if ok(t, res, "explain") {
		expectMatch(t, "explain deployment.spec.strategy", res.Out, []string{
			`(?m)^KIND:\s+Deployment$`, `(?m)^VERSION:\s+(apps/)?v1$`, `(?m)^FIELD:\s+strategy\s+<DeploymentStrategy>$`,
			`The deployment strategy to use to replace existing pods with new ones\.`,
			`(?m)^\s+rollingUpdate\s+<RollingUpdateDeployment>$`, `(?m)^\s+type\s+<string>$`,
		})
	}

	// apply a changed manifest: only the changed objects are configured.
	res = k.run(t, "apply", "-f", changed)
	ok(t, res, "apply (changed)")
	expectLines(t, "apply (changed)", res,
		"namespace/"+ns+" unchanged",
		"configmap/app-config configured",
		"secret/app-secret unchanged",
		"deployment.apps/web configured",
		"service/web unchanged")
	k.expectJSONPath(t, "apply (changed)", "{.data.color}/{.data.size}/{.metadata.labels.tier}", "purple/small/backend", with("configmap", "app-config")...)
	k.expectJSONPath(t, "apply (changed)", "{.spec.replicas}/{.spec.template.spec.containers[0].image}", "1/nginx:1.27", with("deployment", "web")...)

	// server-side apply, taking over from client-side apply.
	res = k.run(t, "apply", "--server-side", "-f", changed)
	ok(t, res, "apply --server-side")
	expectLines(t, "apply --server-side", res,
		"namespace/"+ns+" serverside-applied",
		"configmap/app-config serverside-applied",
		"secret/app-secret serverside-applied",
		"deployment.apps/web serverside-applied",
		"service/web serverside-applied")
	ssa := func(file, value string) string {
		return writeFile(t, filepath.Join(dir, file), fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n  namespace: %s\ndata:\n  key: %s\n", ns, value), 0o644)
	}
	res = k.run(t, "apply", "--server-side", "-f", ssa("ssa1.yaml", "one"))
	ok(t, res, "apply --server-side (create)")
	expectLines(t, "apply --server-side (create)", res, "configmap/ssa-cm serverside-applied")
	ssa2 := ssa("ssa2.yaml", "two")
	res = k.run(t, "apply", "--server-side", "--field-manager=e2e-other", "-f", ssa2)
	if res.Code == 0 {
		t.Errorf("apply --server-side by another manager changing an owned field: want a conflict, got success; %s", res)
	} else {
		expectMatch(t, "apply --server-side conflict", res.Out, []string{`Apply failed with 1 conflict: conflict with "kubectl"( using v1)?: \.data\.key`})
	}
	k.expectJSONPath(t, "apply --server-side conflict", "{.data.key}", "one", with("configmap", "ssa-cm")...)
	res = k.run(t, "apply", "--server-side", "--field-manager=e2e-other", "--force-conflicts", "-f", ssa2)
	ok(t, res, "apply --server-side --force-conflicts")
	expectLines(t, "apply --server-side --force-conflicts", res, "configmap/ssa-cm serverside-applied")
	k.expectJSONPath(t, "apply --server-side --force-conflicts", "{.data.key}", "two", with("configmap", "ssa-cm")...)
	if got := k.jsonpath(t, `{range .metadata.managedFields[*]}{.manager}={.operation}{"\n"}{end}`, with("configmap", "ssa-cm")...); !strings.Contains(got, "e2e-other=Apply") {
		t.Errorf("managedFields after --force-conflicts: %q lacks e2e-other=Apply", got)
	}

	// delete -f and wait --for=delete (namespaced objects only: without a
	// namespace controller a namespace would stay Terminating).
	res = k.run(t, "delete", "-f", objects)
	if ok(t, res, "delete -f") {
		suffix := `( from ` + ns + ` namespace)?$`
		got := strings.Join(outLines(res.Out), "\n")
		want := []string{`^configmap "app-config" deleted` + suffix, `^secret "app-secret" deleted` + suffix, `^deployment\.apps "web" deleted` + suffix, `^service "web" deleted` + suffix}
		if lines := outLines(res.Out); len(lines) != len(want) {
			t.Errorf("delete -f: want %d lines, got:\n%s", len(want), got)
		} else {
			for i, w := range want {
				if !regexp.MustCompile(w).MatchString(lines[i]) {
					t.Errorf("delete -f: line %q does not match %q", lines[i], w)
				}
			}
		}
	}
	res = k.run(t, "wait", "--for=delete", "-f", objects, "--timeout=30s")
	ok(t, res, "wait --for=delete -f")
	res = k.run(t, with("get", "configmap", "app-config")...)
	if res.Code == 0 || strings.TrimSpace(res.Out) != `Error from server (NotFound): configmaps "app-config" not found` {
		t.Errorf("after delete -f: get configmap app-config should be NotFound; %s", res)
	}

	// wait --for=delete blocks while a finalizer holds the object.
	held := writeFile(t, filepath.Join(dir, "held.yaml"), fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  namespace: %s\n  finalizers: [e2e.orca.dev/hold]\ndata:\n  a: b\n", ns), 0o644)
	res = k.run(t, "apply", "-f", held)
	ok(t, res, "apply held")
	res = k.run(t, with("delete", "configmap", "held", "--wait=false")...)
	ok(t, res, "delete --wait=false (finalizer)")
	if ts := k.jsonpath(t, "{.metadata.deletionTimestamp}", with("configmap", "held")...); ts == "" {
		t.Errorf("SERVER: configmap with a finalizer: after delete it must remain with metadata.deletionTimestamp set")
	}
	waitDone := make(chan cmdResult, 1)
	go func() { waitDone <- k.run(t, with("wait", "--for=delete", "configmap/held", "--timeout=60s")...) }()
	select {
	case res = <-waitDone:
		t.Errorf("wait --for=delete returned while a finalizer still held the object; %s", res)
	case <-time.After(2 * time.Second):
	}
	res = k.run(t, with("patch", "configmap", "held", "--type", "json", "-p", `[{"op":"remove","path":"/metadata/finalizers"}]`)...)
	ok(t, res, "remove finalizer")
	select {
	case res = <-waitDone:
		if ok(t, res, "wait --for=delete (finalizer removed)") {
			expectLines(t, "wait --for=delete", res, "configmap/held condition met")
		}
	case <-time.After(70 * time.Second):
		t.Errorf("wait --for=delete did not return")
	}

	// delete --wait.
	res = k.run(t, with("create", "configmap", "gone", "--from-literal=a=b")...)
	ok(t, res, "create configmap")
	expectLines(t, "create configmap", res, "configmap/gone created")
	res = k.run(t, with("delete", "configmap", "gone", "--wait", "--timeout=30s")...)
	if ok(t, res, "delete --wait") {
		expectMatch(t, "delete --wait", res.Out, []string{`(?m)^configmap "gone" deleted( from ` + ns + ` namespace)?$`})
	}

	// A missing object gives upstream's exact error.
	res = k.run(t, with("get", "configmap", "x")...)
	if res.Code != 1 || strings.TrimSpace(res.Out) != `Error from server (NotFound): configmaps "x" not found` {
		t.Errorf("get missing configmap: want exit 1 and %q; %s", `Error from server (NotFound): configmaps "x" not found`, res)
	}
}
