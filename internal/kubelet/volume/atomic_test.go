package volume

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

func TestAtomicUpdate(t *testing.T) {
	m, client := newTest(t, false, configMap("cfg", map[string]string{"app.conf": "v1", "gone": "x"}))
	pod := newPod(cmVolume("v", "cfg", nil))
	dir := setup(t, m, pod)["v"]
	first := tsDirs(t, dir)
	if len(first) != 1 {
		t.Fatalf("ts dirs = %v, want one", first)
	}
	// A running container holds the old file open through the user path.
	held, err := os.Open(filepath.Join(dir, "app.conf"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if target, _ := os.Readlink(filepath.Join(dir, "app.conf")); target != "..data/app.conf" {
		t.Errorf("user entry links to %q, want ..data/app.conf", target)
	}

	cm := configMap("cfg", map[string]string{"app.conf": "v2", "new": "n"})
	if _, err := client.CoreV1().ConfigMaps("ns").Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	setup(t, m, pod)

	if got := readFile(t, filepath.Join(dir, "app.conf")); got != "v2" {
		t.Errorf("app.conf = %q after update, want v2", got)
	}
	if got := readFile(t, filepath.Join(dir, "new")); got != "n" {
		t.Errorf("new = %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Errorf("removed key still visible: %v", err)
	}
	second := tsDirs(t, dir)
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("ts dirs = %v (before %v): want exactly one new one", second, first)
	}
	if target, _ := os.Readlink(filepath.Join(dir, dataLink)); target != second[0] {
		t.Errorf("..data -> %q, want %q", target, second[0])
	}
	if old, _ := io.ReadAll(held); string(old) != "v1" {
		t.Errorf("open handle reads %q, want the old v1", old)
	}
	want := []string{"..data", second[0], "app.conf", "new"}
	slices.Sort(want)
	if got := listDir(t, dir); !slices.Equal(got, want) {
		t.Errorf("dir = %v, want %v (no partial state)", got, want)
	}
}

func TestUnchangedIsNotRewritten(t *testing.T) {
	m, _ := newTest(t, false, configMap("cfg", map[string]string{"a": "A"}))
	pod := newPod(cmVolume("v", "cfg", nil))
	dir := setup(t, m, pod)["v"]
	before := tsDirs(t, dir)
	setup(t, m, pod)
	// A fresh manager (a kubelet restart) compares with the disk instead.
	m2 := NewManager(m.o)
	if _, err := m2.Setup(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	if after := tsDirs(t, dir); !slices.Equal(before, after) {
		t.Errorf("ts dirs %v -> %v: unchanged content was rewritten", before, after)
	}
}

func TestRepairsLayout(t *testing.T) {
	m, _ := newTest(t, false, configMap("cfg", map[string]string{"a": "A"}))
	pod := newPod(cmVolume("v", "cfg", nil))
	dir := setup(t, m, pod)["v"]
	// Leftovers of a crash: a stray ts dir and a missing user link.
	stray := filepath.Join(dir, "..2000_01_01_00_00_00.123")
	os.Mkdir(stray, 0o755)
	os.Remove(filepath.Join(dir, "a"))
	m2 := NewManager(m.o)
	if _, err := m2.Setup(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(dir, "a")) != "A" {
		t.Error("user link not recreated")
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Error("stray ts dir not removed")
	}
}

func TestAPIErrorKeepsContent(t *testing.T) {
	m, client := newTest(t, false, configMap("cfg", map[string]string{"a": "A"}))
	pod := newPod(cmVolume("v", "cfg", func(s *v1.ConfigMapVolumeSource) { s.Optional = ptr(true) }))
	dir := setup(t, m, pod)["v"]
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	paths, err := m.Setup(t.Context(), pod)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	if _, ok := paths["v"]; ok {
		t.Error("failed volume reported a path")
	}
	if readFile(t, filepath.Join(dir, "a")) != "A" {
		t.Error("content lost on API error")
	}
}

func TestDeletedNonOptionalKeepsContent(t *testing.T) {
	m, client := newTest(t, false, configMap("cfg", map[string]string{"a": "A"}))
	pod := newPod(cmVolume("v", "cfg", nil))
	dir := setup(t, m, pod)["v"]
	client.CoreV1().ConfigMaps("ns").Delete(t.Context(), "cfg", metav1.DeleteOptions{})
	if _, err := m.Setup(t.Context(), pod); err == nil {
		t.Fatal("want not found")
	}
	if readFile(t, filepath.Join(dir, "a")) != "A" {
		t.Error("content lost")
	}
}

func TestFSGroup(t *testing.T) {
	requireRoot(t)
	m, _ := newTest(t, false, configMap("cfg", map[string]string{"a": "A"}))
	pod := newPod(cmVolume("v", "cfg", func(s *v1.ConfigMapVolumeSource) { s.DefaultMode = ptr[int32](0o400) }),
		v1.Volume{Name: "e", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
	pod.Spec.SecurityContext = &v1.PodSecurityContext{FSGroup: ptr[int64](1234)}
	paths := setup(t, m, pod)
	f := filepath.Join(paths["v"], "a")
	if got := modeOf(t, f); got != 0o440 {
		t.Errorf("mode = %o, want 440 (fsGroup adds group read)", got)
	}
	if gid := groupOf(t, f); gid != 1234 {
		t.Errorf("gid = %d", gid)
	}
	if gid := groupOf(t, paths["e"]); gid != 1234 {
		t.Errorf("emptyDir gid = %d", gid)
	}
	before := tsDirs(t, paths["v"])
	if _, err := NewManager(m.o).Setup(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	if after := tsDirs(t, paths["v"]); !slices.Equal(before, after) {
		t.Error("fsGroup content rewritten although unchanged")
	}
}

func TestValidatePath(t *testing.T) {
	for path, ok := range map[string]bool{
		"a": true, "a/b/c": true, "a..b": true, ".hidden": true,
		"": false, "/abs": false, "..": false, "a/../b": false, "..data": false, "..x/y": false,
		strings.Repeat("x", 256): false,
	} {
		if err := validatePath(path); (err == nil) != ok {
			t.Errorf("validatePath(%q) = %v, want ok=%v", path, err, ok)
		}
	}
}
