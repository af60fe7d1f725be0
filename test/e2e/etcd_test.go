package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

const etcdBinary = "/usr/bin/etcd" // Debian package etcd-server

// startEtcd runs a single-member etcd on free loopback ports and returns its
// client URL; it is stopped when the test ends.
func startEtcd(t *testing.T) string {
	t.Helper()
	bin := etcdBinary
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("etcd"); err != nil {
			requirePrereq(t, "%s not found (nor etcd on PATH): install the etcd server with `apt-get install etcd-server` (Debian package etcd-server)", etcdBinary)
		}
	}
	clientPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	peerPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	logf, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--name", "e2e",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "e2e="+peerURL, "--initial-cluster-state", "new")
	cmd.Stdout, cmd.Stderr = logf, logf
	if runtime.GOARCH != "amd64" {
		cmd.Env = append(os.Environ(), "ETCD_UNSUPPORTED_ARCH="+runtime.GOARCH) // etcd 3.4 refuses other arches without it
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) //nolint:errcheck
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck
			<-exited
		}
		logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logf.Name())
			if len(data) > 4000 {
				data = data[len(data)-4000:]
			}
			t.Logf("etcd log (tail):\n%s", data)
		}
	})
	if err := waitReady(clientURL+"/health", 30*time.Second, exited); err != nil {
		t.Fatalf("etcd: %v", err)
	}
	return clientURL
}

// TestExternalEtcd runs orca against a separately started etcd, writes
// objects with kubectl, restarts orca (not etcd) and reads them back.
func TestExternalEtcd(t *testing.T) {
	etcdURL := startEtcd(t)
	dataDir := filepath.Join(t.TempDir(), "orca")
	srv := startOrcaT(t, dataDir, "--etcd-servers", etcdURL)

	if _, err := os.Stat(filepath.Join(dataDir, "etcd", "member")); err == nil {
		t.Errorf("with --etcd-servers orca still created an embedded etcd member in %s", filepath.Join(dataDir, "etcd"))
	}

	kdir := t.TempDir()
	kubectl := func(args ...string) cmdResult {
		t.Helper()
		args = append([]string{"kubectl", "--kubeconfig", srv.Kubeconfig()}, args...)
		res := runCmd(60*time.Second, kdir, envWith(map[string]string{"HOME": kdir, "KUBECONFIG": ""}), orcaBin, args...)
		t.Logf("$ orca %s  [exit %d]", strings.Join(args, " "), res.Code)
		return res
	}
	manifest := writeFile(t, filepath.Join(kdir, "ext.yaml"), `apiVersion: v1
kind: Namespace
metadata:
  name: ext
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ext-config
  namespace: ext
data:
  where: external-etcd
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ext-web
  namespace: ext
spec:
  replicas: 2
  selector:
    matchLabels: {app: ext-web}
  template:
    metadata:
      labels: {app: ext-web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
`, 0o644)
	res := kubectl("apply", "-f", manifest)
	ok(t, res, "apply on external etcd")
	expectLines(t, "apply on external etcd", res, "namespace/ext created", "configmap/ext-config created", "deployment.apps/ext-web created")
	res = kubectl("create", "secret", "generic", "ext-secret", "-n", "ext", "--from-literal=k=v")
	ok(t, res, "create secret")
	expectLines(t, "create secret", res, "secret/ext-secret created")

	read := func(when string) {
		t.Helper()
		res := kubectl("get", "configmap", "ext-config", "-n", "ext", "-o", "jsonpath={.data.where}")
		if ok(t, res, when+": get configmap") && res.Stdout != "external-etcd" {
			t.Errorf("%s: configmap data.where = %q, want external-etcd", when, res.Stdout)
		}
		res = kubectl("get", "deployment", "ext-web", "-n", "ext", "-o", "jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}")
		if ok(t, res, when+": get deployment") && res.Stdout != "2/nginx:1.25" {
			t.Errorf("%s: deployment = %q, want 2/nginx:1.25", when, res.Stdout)
		}
		res = kubectl("get", "secret", "ext-secret", "-n", "ext", "-o", "jsonpath={.data.k}")
		if ok(t, res, when+": get secret") && res.Stdout != "dg==" {
			t.Errorf("%s: secret data.k = %q, want dg==", when, res.Stdout)
		}
		res = kubectl("get", "namespaces", "ext", "-o", "name")
		ok(t, res, when+": get namespace")
		expectLines(t, when+": get namespace", res, "namespace/ext")
	}
	read("before restart")

	// The objects are in the external etcd itself.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ec, err := clientv3.New(clientv3.Config{Endpoints: []string{etcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	defer ec.Close()
	kv, err := ec.Get(ctx, "\x00", clientv3.WithFromKey(), clientv3.WithKeysOnly())
	if err != nil {
		t.Errorf("list keys in external etcd: %v", err)
	} else {
		var found []string
		for _, k := range kv.Kvs {
			if strings.Contains(string(k.Key), "ext-config") || strings.Contains(string(k.Key), "ext-web") {
				found = append(found, string(k.Key))
			}
		}
		if len(found) < 2 {
			t.Errorf("external etcd holds %d keys, none/too few for ext-config and ext-web: %q", len(kv.Kvs), found)
		} else {
			t.Logf("external etcd keys: %q", found)
		}
	}

	// Restart orca only.
	if err := srv.Stop(); err != nil {
		t.Errorf("stop orca: %v", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart orca on external etcd: %v", err)
	}
	read("after restart")
	res = kubectl("create", "configmap", "after-restart", "-n", "ext", "--from-literal=a=b")
	ok(t, res, "create after restart")
	expectLines(t, "create after restart", res, "configmap/after-restart created")
}
