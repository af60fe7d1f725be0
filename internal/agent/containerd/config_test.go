package containerd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var testOptions = configOptions{
	Root:          "/var/lib/orca/agent/containerd/root",
	State:         "/var/lib/orca/agent/containerd/state",
	Address:       "/var/lib/orca/agent/containerd/containerd.sock",
	OptDir:        "/var/lib/orca/agent/containerd/opt",
	SandboxImage:  "orca.local/pause:1",
	CNIBinDir:     "/usr/lib/cni",
	CNIConfDir:    "/var/lib/orca/agent/cni/net.d",
	StreamPort:    41234,
	Snapshotter:   "native",
	SystemdCgroup: false,
}

func TestRenderConfig(t *testing.T) {
	got := renderConfig(testOptions)
	for _, want := range []string{
		"version = 2\n",
		`root = "/var/lib/orca/agent/containerd/root"`,
		`state = "/var/lib/orca/agent/containerd/state"`,
		"[grpc]\n  address = \"/var/lib/orca/agent/containerd/containerd.sock\"\n",
		`[plugins."io.containerd.grpc.v1.cri"]` + "\n  sandbox_image = \"orca.local/pause:1\"\n",
		`stream_server_address = "127.0.0.1"`,
		`stream_server_port = "41234"`,
		"restrict_oom_score_adj = true\n",
		"disable_apparmor = true\n",
		"disable_hugetlb_controller = true\n",
		"tolerate_missing_hugetlb_controller = true\n",
		`[plugins."io.containerd.grpc.v1.cri".containerd]` + "\n  snapshotter = \"native\"\n",
		`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]` + "\n  runtime_type = \"io.containerd.runc.v2\"\n",
		`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]` + "\n  SystemdCgroup = false\n",
		`[plugins."io.containerd.grpc.v1.cri".cni]` + "\n  bin_dir = \"/usr/lib/cni\"\n  conf_dir = \"/var/lib/orca/agent/cni/net.d\"\n  max_conf_num = 1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q; config:\n%s", want, got)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		`/a/b`:      `"/a/b"`,
		`a"b\c`:     `"a\"b\\c"`,
		"tab\there": `"tab\u0009here"`,
		"ünï":       `"ünï"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestRenderConfigParses has containerd itself read the rendered file:
// `containerd config dump` fails on bad TOML and prints the merged result.
func TestRenderConfigParses(t *testing.T) {
	bin, err := exec.LookPath("containerd")
	if err != nil {
		t.Skip("containerd is not installed")
	}
	o := testOptions
	o.Address = `/tmp/with "quote"/containerd.sock`
	o.SystemdCgroup = true
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(renderConfig(o)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--config", path, "config", "dump").CombinedOutput()
	if err != nil {
		t.Fatalf("containerd config dump: %v\n%s", err, out)
	}
	for _, want := range []string{
		`address = "/tmp/with \"quote\"/containerd.sock"`,
		"restrict_oom_score_adj = true",
		`snapshotter = "native"`,
		"SystemdCgroup = true",
		`stream_server_port = "41234"`,
		`bin_dir = "/usr/lib/cni"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("containerd's view of the config lacks %q:\n%s", want, out)
		}
	}
}
