package volume

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// newTest returns a manager over a fake clientset holding objs, rooted in a
// temp dir. Pods set up through it are torn down at the end of the test so
// no tmpfs outlives it.
func newTest(t *testing.T, noMount bool, objs ...runtime.Object) (*Manager, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	m := NewManager(Options{
		Client:  client,
		RootDir: filepath.Join(t.TempDir(), "pods"),
		NodeAllocatable: func() v1.ResourceList {
			return v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("8Gi")}
		},
		NoMount: noMount,
	})
	t.Cleanup(func() {
		uids, _ := m.PodDirs()
		for _, uid := range uids {
			if err := m.Teardown(uid); err != nil {
				t.Errorf("cleanup teardown %s: %v", uid, err)
			}
		}
	})
	return m, client
}

func newPod(vols ...v1.Volume) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1", Labels: map[string]string{"app": "x"}},
		Spec: v1.PodSpec{
			Volumes:    vols,
			Containers: []v1.Container{{Name: "c"}},
		},
	}
}

func setup(t *testing.T, m *Manager, pod *v1.Pod) map[string]string {
	t.Helper()
	paths, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return paths
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// listDir lists the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// tsDirs lists the ..<timestamp> directories in a volume.
func tsDirs(t *testing.T, dir string) []string {
	var out []string
	for _, n := range listDir(t, dir) {
		if strings.HasPrefix(n, "..2") {
			out = append(out, n)
		}
	}
	return out
}

// requireRoot skips a test that needs mount(2) when not root, unless CI
// is set: there a skip would hide a broken test, so it fails instead.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("this test mounts tmpfs and must run as root in CI")
	}
	t.Skip("SKIPPING: this test mounts tmpfs and needs root (set CI=1 to make this a failure)")
}

// isTmpfsMount reports whether dir is a tmpfs mount point in
// /proc/self/mountinfo, and its mount options.
func isTmpfsMount(t *testing.T, dir string) (bool, string) {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, ""
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || unescapeMountPath(f[4]) != real {
			continue
		}
		// Fields after the " - " separator: fstype, source, super options.
		for i, x := range f {
			if x == "-" && i+3 < len(f) {
				return f[i+1] == "tmpfs", f[i+3]
			}
		}
	}
	return false, ""
}

func ptr[T any](v T) *T { return &v }
func groupOf(t *testing.T, path string) uint32 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Gid
}
